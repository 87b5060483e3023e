//! What relations, problems and explanations are computed from: a bounded fetch plan of one list per kind
//! (never a request per object, so at 10,000 pods a tree costs the same number of requests as at ten), each
//! list read in pages of [`PAGE`] items, pods decoded straight from each page's bytes into the compact
//! [`Pod`] projection and other kinds pruned as they are decoded to the fields relations, health and explain
//! read; and the evidence an explanation quotes (the namespace's events, the previous containers'
//! last log lines of at most a few pods).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tug_model::pod_facts::Pod;

use super::discovery::Kind;
use super::{ClusterError, Result};
pub use tug_model::relations::Snapshot;

/// Lines of a previous container's log an explanation quotes.
pub const PREVIOUS_LOG_LINES: usize = 5;
/// Pods whose previous logs one explanation reads, at most.
pub const MAX_LOGGED_PODS: usize = 3;

/// One list per kind, in `namespace` or across all (cluster-scoped kinds always across all).
pub async fn snapshot(
    client: &kube::Client,
    kinds: &[Kind],
    namespace: Option<&str>,
) -> Result<Snapshot> {
    let lists = kinds.iter().map(|kind| list(client, kind, namespace));
    let mut snap = Snapshot::default();
    for (kind, items) in kinds.iter().zip(futures::future::join_all(lists).await) {
        match items {
            Ok(Items::Pods(pods)) => snap.insert_pods(pods),
            Ok(Items::Json(items)) => snap.insert(&kind.group, &kind.plural, items),
            // A kind this user may not list is left out: relations through it are not shown.
            Err(ClusterError::Api { code: 403, .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(snap)
}

/// One kind's items: pods as their projection, the rest as pruned JSON.
pub enum Items {
    Pods(Vec<Pod>),
    Json(Vec<Value>),
}

/// Whether a kind is pods (decoded into [`Pod`], not JSON).
pub fn is_pods(kind: &Kind) -> bool {
    kind.group.is_empty() && kind.plural == "pods"
}

/// Items asked for per page of a list (as kubectl and reflectors do): the text held at once while decoding is
/// one page's, never the whole list's.
pub const PAGE: usize = 500;
/// Times a list is started over when its `continue` token expired (410) between two pages.
const MAX_RELISTS: usize = 3;

/// Every item of one kind, listed in pages of [`PAGE`], each page decoded (and pruned) as it arrives.
pub async fn list(client: &kube::Client, kind: &Kind, namespace: Option<&str>) -> Result<Items> {
    if is_pods(kind) {
        let pods = paged(|token| list_page(client, kind, namespace, token), |p| p).await?;
        return Ok(Items::Pods(pods));
    }
    let items = paged(
        |token| list_page(client, kind, namespace, token),
        |Pruned(mut v)| {
            // List items carry no `kind`; relations name what they show by it.
            v["kind"] = Value::String(kind.kind.clone());
            v
        },
    )
    .await?;
    Ok(Items::Json(items))
}

/// Reads pages from `page` (given the previous page's `continue` token, `None` for the first) until one has
/// no token. A page whose token expired (410: the server compacted the version the list reads) restarts the
/// list, at most [`MAX_RELISTS`] times: the items of one list are always of one version, each once.
async fn paged<T, U, F, Fut>(mut page: F, item: impl Fn(T) -> U) -> Result<Vec<U>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>>>,
{
    let mut relists = 0;
    'relist: loop {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let continued = token.is_some();
            let list = match page(token.take()).await {
                Ok(list) => list,
                Err(ClusterError::Api { code: 410, .. }) if continued && relists < MAX_RELISTS => {
                    relists += 1;
                    continue 'relist;
                }
                Err(e) => return Err(e),
            };
            items.extend(list.items.into_iter().map(&item));
            match list.metadata.continue_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => {
                    items.shrink_to_fit();
                    return Ok(items);
                }
            }
        }
    }
}

async fn list_page<T: DeserializeOwned>(
    client: &kube::Client,
    kind: &Kind,
    namespace: Option<&str>,
    token: Option<String>,
) -> Result<Page<T>> {
    // The serializer is not `Send`: built and dropped before the request is awaited.
    let query = {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("limit", &PAGE.to_string());
        if let Some(token) = &token {
            query.append_pair("continue", token);
        }
        query.finish()
    };
    let path = format!("{}?{query}", kind.collection_path(namespace));
    let req = http::Request::get(path)
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let text = client.request_text(req).await?;
    serde_json::from_str(&text).map_err(|e| ClusterError::Decode(e.to_string()))
}

/// One page of a list, its items decoded as `T` (a [`Pod`], or [`Pruned`] JSON).
#[derive(Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
struct Page<T> {
    #[serde(default)]
    metadata: ListMeta,
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

#[derive(Deserialize, Default)]
struct ListMeta {
    #[serde(default, rename = "continue")]
    continue_token: Option<String>,
}

/// An item decoded and pruned at once, so a list of 10,000 pods never holds 10,000 whole pods.
struct Pruned(Value);

impl<'de> Deserialize<'de> for Pruned {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut v = Value::deserialize(d)?;
        prune(&mut v);
        Ok(Self(v))
    }
}

const REVISION: &str = "deployment.kubernetes.io/revision";

/// Drops what relations and health never read: managed fields, annotations, data, and of a pod everything
/// but its references, containers' names and images, and status.
fn prune(v: &mut Value) {
    if let Some(meta) = v["metadata"].as_object_mut() {
        meta.remove("managedFields");
        // Of the annotations only a ReplicaSet's revision is read (explain picks a rollout's newest).
        let revision = meta
            .get_mut("annotations")
            .and_then(|a| a.get_mut(REVISION))
            .map(Value::take);
        meta.remove("annotations");
        if let Some(revision) = revision {
            meta.insert(
                "annotations".into(),
                serde_json::json!({ REVISION: revision }),
            );
        }
    }
    if let Some(obj) = v.as_object_mut() {
        obj.remove("data");
        obj.remove("binaryData");
    }
    if let Some(spec) = v["spec"].as_object_mut() {
        for field in ["affinity", "tolerations", "securityContext", "dnsConfig"] {
            spec.remove(field);
        }
        for list in ["containers", "initContainers"] {
            for c in spec
                .get_mut(list)
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(c) = c.as_object_mut() {
                    c.retain(|k, _| {
                        matches!(
                            k.as_str(),
                            "name" | "image" | "env" | "envFrom" | "resources"
                        )
                    });
                }
            }
        }
        if let Some(t) = spec.get_mut("template") {
            prune(t);
        }
    }
    for s in v["status"]["containerStatuses"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if let Some(s) = s.as_object_mut() {
            s.remove("imageID");
            s.remove("containerID");
        }
    }
}

/// What an explanation quotes besides the objects: events of the namespace, and the last lines of the
/// previous container of the pods that restarted.
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    pub events: Vec<Value>,
    /// (pod, container) → its previous instance's last lines.
    pub previous_logs: Vec<((String, String), Vec<String>)>,
}

/// The events of `namespace` (one list) and the previous logs of up to [`MAX_LOGGED_PODS`] restarted
/// containers of `pods`.
pub async fn evidence(client: &kube::Client, namespace: &str, pods: &[Pod]) -> Evidence {
    // Without events the explanation still has the objects' own conditions and states.
    let events: Vec<Value> = list_events(client, namespace).await.unwrap_or_default();
    let mut previous_logs = vec![];
    let restarted: Vec<(String, String)> = pods
        .iter()
        .flat_map(|p| {
            p.status
                .containers
                .iter()
                .filter(|s| s.restart_count > 0)
                .map(move |s| (p.metadata.name.to_string(), s.name.to_string()))
        })
        .take(MAX_LOGGED_PODS)
        .collect();
    for (pod, container) in restarted {
        if let Ok(lines) = previous_log(client, namespace, &pod, &container).await {
            previous_logs.push(((pod, container), lines));
        }
    }
    Evidence {
        events,
        previous_logs,
    }
}

async fn list_events(client: &kube::Client, namespace: &str) -> Result<Vec<Value>> {
    let req = http::Request::get(format!("/api/v1/namespaces/{namespace}/events"))
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let list: Value = client.request(req).await?;
    Ok(list["items"].as_array().cloned().unwrap_or_default())
}

async fn previous_log(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    container: &str,
) -> Result<Vec<String>> {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("container", container)
        .append_pair("previous", "true")
        .append_pair("tailLines", &PREVIOUS_LOG_LINES.to_string())
        .finish();
    let req = http::Request::get(format!(
        "/api/v1/namespaces/{namespace}/pods/{pod}/log?{query}"
    ))
    .body(vec![])
    .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let text = client.request_text(req).await?;
    Ok(text.lines().map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_pruned_pod_keeps_what_relations_read_and_drops_the_rest() {
        let text = json!({"items": [{
            "metadata": {"name": "p", "namespace": "shop", "managedFields": [{"manager": "kubectl"}],
                         "annotations": {"big": "x"}, "labels": {"app": "web"}},
            "spec": {"nodeName": "n1", "tolerations": [{}], "volumes": [{"name": "v", "secret": {"secretName": "s"}}],
                     "containers": [{"name": "c", "image": "i", "command": ["sleep"], "livenessProbe": {}}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "c", "imageID": "sha", "ready": true}]},
        }]})
        .to_string();
        let list: Page<Pruned> = serde_json::from_str(&text).unwrap();
        let pod = &list.items[0].0;
        assert!(pod["metadata"]["managedFields"].is_null());
        assert!(pod["metadata"]["annotations"].is_null());
        let mut rs = json!({"metadata": {"annotations": {"a": "x", REVISION: "3"}}});
        prune(&mut rs);
        assert_eq!(rs["metadata"]["annotations"], json!({ REVISION: "3" }));
        assert_eq!(pod["metadata"]["labels"]["app"], "web");
        assert_eq!(pod["spec"]["volumes"][0]["secret"]["secretName"], "s");
        assert_eq!(
            pod["spec"]["containers"][0],
            json!({"name": "c", "image": "i"})
        );
        assert!(pod["spec"]["tolerations"].is_null());
        assert!(pod["status"]["containerStatuses"][0]["imageID"].is_null());
    }

    fn page(names: &[&str], next: Option<&str>) -> Result<Page<Pruned>> {
        let items: Vec<Value> = names
            .iter()
            .map(|n| json!({"metadata": {"name": n, "managedFields": [{}]}}))
            .collect();
        Ok(
            serde_json::from_value(json!({"metadata": {"continue": next}, "items": items}))
                .unwrap(),
        )
    }

    fn names(items: &[Value]) -> Vec<&str> {
        items
            .iter()
            .map(|v| v["metadata"]["name"].as_str().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn pages_are_read_until_one_has_no_token_each_item_once_and_pruned() {
        let mut asked = vec![];
        let items = paged(
            |token| {
                asked.push(token.clone());
                std::future::ready(match token.as_deref() {
                    None => page(&["a", "b"], Some("t1")),
                    Some("t1") => page(&["c", "d"], Some("t2")),
                    _ => page(&["e"], Some("")),
                })
            },
            |Pruned(v)| v,
        )
        .await
        .unwrap();
        assert_eq!(names(&items), ["a", "b", "c", "d", "e"]);
        assert_eq!(asked, [None, Some("t1".into()), Some("t2".into())]);
        assert!(
            items
                .iter()
                .all(|v| v["metadata"]["managedFields"].is_null())
        );
    }

    fn expired() -> Result<Page<Pruned>> {
        Err(ClusterError::Api {
            code: 410,
            reason: "Expired".into(),
            message: "too old".into(),
            retry_after: 0,
        })
    }

    #[tokio::test]
    async fn an_expired_continue_token_restarts_the_list_and_a_first_page_410_fails() {
        let mut calls = 0;
        let items = paged(
            |token| {
                calls += 1;
                std::future::ready(match (calls, token) {
                    (1, None) => page(&["old-a"], Some("t")),
                    (2, Some(_)) => expired(),
                    (3, None) => page(&["a"], Some("t")),
                    _ => page(&["b"], None),
                })
            },
            |Pruned(v)| v,
        )
        .await
        .unwrap();
        assert_eq!(
            names(&items),
            ["a", "b"],
            "the first try's items are dropped"
        );
        // Always expiring: given up after a few relists; a 410 on a first page is an error at once.
        let mut calls = 0;
        let err = paged(
            |token| {
                calls += 1;
                std::future::ready(match token {
                    None => page(&["a"], Some("t")),
                    Some(_) => expired(),
                })
            },
            |Pruned(v)| v,
        )
        .await
        .unwrap_err();
        assert_eq!(err.code(), Some(410));
        assert_eq!(calls, 2 * (MAX_RELISTS + 1));
        let err = paged(|_| std::future::ready(expired()), |Pruned(v)| v)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(410));
    }

    #[test]
    fn a_page_of_pods_decodes_straight_into_the_projection() {
        let text = json!({"metadata": {"continue": "t"}, "items": [{
            "metadata": {"name": "p", "namespace": "shop", "uid": "u", "managedFields": [{"manager": "kubectl"}],
                         "labels": {"app": "web"}, "ownerReferences": [{"kind": "ReplicaSet", "name": "rs", "uid": "r"}]},
            "spec": {"nodeName": "n1", "volumes": [{"name": "v", "secret": {"secretName": "s"}}],
                     "containers": [{"name": "c", "image": "i", "livenessProbe": {}}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": "c", "imageID": "sha", "ready": true, "restartCount": 1}]},
        }]})
        .to_string();
        let page: Page<Pod> = serde_json::from_str(&text).unwrap();
        assert_eq!(page.metadata.continue_token.as_deref(), Some("t"));
        let pod = &page.items[0];
        assert_eq!(
            (pod.metadata.name.as_str(), pod.label("app")),
            ("p", Some("web"))
        );
        assert_eq!(pod.metadata.owner_references[0].uid, "r");
        assert_eq!(pod.spec.node_name.as_deref(), Some("n1"));
        assert_eq!(pod.spec.containers[0].image, "i");
        assert!(tug_model::health::pod_ready(pod));
        assert_eq!(pod.status.containers[0].restart_count, 1);
    }
}
