//! What relations, problems and explanations are computed from: a bounded fetch plan of one list per kind
//! (never a request per object, so at 10,000 pods a tree costs the same number of requests as at ten), each
//! item pruned as it is decoded to the fields relations and health read; and the evidence an explanation
//! quotes (the namespace's events, the previous containers' last log lines of at most a few pods).

use serde::Deserialize;
use serde_json::Value;

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
        let items = match items {
            Ok(items) => items,
            // A kind this user may not list is left out: relations through it are not shown.
            Err(ClusterError::Api { code: 403, .. }) => continue,
            Err(e) => return Err(e),
        };
        snap.insert(&kind.group, &kind.plural, items);
    }
    Ok(snap)
}

async fn list(client: &kube::Client, kind: &Kind, namespace: Option<&str>) -> Result<Vec<Value>> {
    let req = http::Request::get(kind.collection_path(namespace))
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let text = client.request_text(req).await?;
    let list: PrunedList =
        serde_json::from_str(&text).map_err(|e| ClusterError::Decode(e.to_string()))?;
    let kind_name = kind.kind.clone();
    Ok(list
        .items
        .into_iter()
        .map(|Pruned(mut v)| {
            // List items carry no `kind`; relations name what they show by it.
            v["kind"] = Value::String(kind_name.clone());
            v
        })
        .collect())
}

#[derive(Deserialize)]
struct PrunedList {
    #[serde(default)]
    items: Vec<Pruned>,
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

/// Drops what relations and health never read: managed fields, annotations, data, and of a pod everything
/// but its references, containers' names and images, and status.
fn prune(v: &mut Value) {
    if let Some(meta) = v["metadata"].as_object_mut() {
        meta.remove("managedFields");
        meta.remove("annotations");
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
pub async fn evidence(client: &kube::Client, namespace: &str, pods: &[Value]) -> Evidence {
    // Without events the explanation still has the objects' own conditions and states.
    let events: Vec<Value> = list_events(client, namespace).await.unwrap_or_default();
    let mut previous_logs = vec![];
    let restarted: Vec<(String, String)> = pods
        .iter()
        .flat_map(|p| {
            p["status"]["containerStatuses"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["restartCount"].as_i64().unwrap_or(0) > 0)
                .filter_map(move |s| {
                    Some((
                        p["metadata"]["name"].as_str()?.to_string(),
                        s["name"].as_str()?.to_string(),
                    ))
                })
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
        let list: PrunedList = serde_json::from_str(&text).unwrap();
        let pod = &list.items[0].0;
        assert!(pod["metadata"]["managedFields"].is_null());
        assert!(pod["metadata"]["annotations"].is_null());
        assert_eq!(pod["metadata"]["labels"]["app"], "web");
        assert_eq!(pod["spec"]["volumes"][0]["secret"]["secretName"], "s");
        assert_eq!(
            pod["spec"]["containers"][0],
            json!({"name": "c", "image": "i"})
        );
        assert!(pod["spec"]["tolerations"].is_null());
        assert!(pod["status"]["containerStatuses"][0]["imageID"].is_null());
    }
}
