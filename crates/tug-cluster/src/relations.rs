//! What relations, problems and explanations are computed from: a bounded fetch plan of one list per kind
//! (never a request per object, so at 10,000 pods a tree costs the same number of requests as at ten), each
//! list read in pages of [`PAGE`] items, pods decoded straight from each page's bytes into the compact
//! [`Pod`] projection and other kinds pruned as they are decoded to the fields relations, health and explain
//! read; and the evidence an explanation quotes (the namespace's events, the previous containers'
//! last log lines of at most a few pods). A view on screen keeps its snapshot live with [`spawn_watch`]: each
//! kind listed once, then watched from that list's resourceVersion, events applied in place (no polling).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::StreamExt;
use kube::core::WatchEvent;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tug_model::pod_facts::Pod;
use tug_model::relations::Target;

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
            Ok((items, _)) => put(&mut snap, kind, items),
            // A kind this user may not list is left out: relations through it are not shown.
            Err(ClusterError::Api { code: 403, .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(snap)
}

/// One list per kind like [`snapshot`], with the resourceVersion each list was read at (kinds refused are
/// left out of both).
async fn snapshot_at(
    client: &kube::Client,
    kinds: &[Kind],
    namespace: Option<&str>,
) -> Result<(Snapshot, Vec<(Kind, String)>)> {
    let lists = kinds.iter().map(|kind| list(client, kind, namespace));
    let mut snap = Snapshot::default();
    let mut versions = vec![];
    for (kind, items) in kinds.iter().zip(futures::future::join_all(lists).await) {
        match items {
            Ok((items, rv)) => {
                put(&mut snap, kind, items);
                versions.push((kind.clone(), rv));
            }
            Err(ClusterError::Api { code: 403, .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok((snap, versions))
}

fn put(snap: &mut Snapshot, kind: &Kind, items: Items) {
    match items {
        Items::Pods(pods) => snap.insert_pods(pods),
        Items::Json(items) => snap.insert(&kind.group, &kind.plural, items),
    }
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

/// Every item of one kind, listed in pages of [`PAGE`], each page decoded (and pruned) as it arrives; with
/// the resourceVersion the list was read at.
pub async fn list(
    client: &kube::Client,
    kind: &Kind,
    namespace: Option<&str>,
) -> Result<(Items, String)> {
    if is_pods(kind) {
        let (pods, rv) = paged(|token| list_page(client, kind, namespace, token), |p| p).await?;
        return Ok((Items::Pods(pods), rv));
    }
    let (items, rv) = paged(
        |token| list_page(client, kind, namespace, token),
        |Pruned(mut v)| {
            // List items carry no `kind`; relations name what they show by it.
            v["kind"] = Value::String(kind.kind.clone());
            v
        },
    )
    .await?;
    Ok((Items::Json(items), rv))
}

/// Reads pages from `page` (given the previous page's `continue` token, `None` for the first) until one has
/// no token. A page whose token expired (410: the server compacted the version the list reads) restarts the
/// list, at most [`MAX_RELISTS`] times: the items of one list are always of one version, each once.
async fn paged<T, U, F, Fut>(mut page: F, item: impl Fn(T) -> U) -> Result<(Vec<U>, String)>
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
                    // The last page's version is the list's (every page reads the first one's).
                    return Ok((items, list.metadata.resource_version.unwrap_or_default()));
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
    #[serde(default, rename = "resourceVersion")]
    resource_version: Option<String>,
}

/// An item decoded and pruned at once, so a list of 10,000 pods never holds 10,000 whole pods.
#[derive(Debug, Clone)]
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

/// A relations snapshot kept live by [`spawn_watch`], shared with the view that shows it.
#[derive(Debug, Default)]
pub struct Live {
    pub snapshot: Snapshot,
    pub evidence: Evidence,
    /// Bumped at every change: the view rebuilds when it moved.
    pub version: u64,
    /// Whether the first lists are in.
    pub loaded: bool,
    /// Why the first lists could not be read (retried meanwhile).
    pub error: Option<String>,
}

pub type SharedLive = Arc<Mutex<Live>>;

pub fn lock(live: &SharedLive) -> MutexGuard<'_, Live> {
    live.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A watch is re-opened after this long even when all is quiet (the server would close it anyway).
const WATCH_TIMEOUT_SECS: u32 = 290;
/// An explanation's evidence (events, previous logs) is read again at most this often, and only after the
/// objects changed: an idle cluster costs no request.
const EVIDENCE_EVERY: Duration = Duration::from_secs(5);

/// Keeps `live` in sync with the cluster until `cancel`: each of `kinds` listed once (in pages), then watched
/// from that list's resourceVersion, each event applied in place; a `410 Gone` or a failed watch relists
/// only that kind. With `explain`, the evidence about that object too. `notify` after every change.
pub fn spawn_watch(
    client: kube::Client,
    kinds: Vec<Kind>,
    namespace: Option<String>,
    explain: Option<Target>,
    live: SharedLive,
    notify: Arc<dyn Fn() + Send + Sync>,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::select! {
            _ = cancel.cancelled() => {}
            _ = run_live(&client, &kinds, namespace.as_deref(), explain.as_ref(), &live, notify.as_ref()) => {}
        }
    })
}

async fn run_live(
    client: &kube::Client,
    kinds: &[Kind],
    namespace: Option<&str>,
    explain: Option<&Target>,
    live: &SharedLive,
    notify: &(dyn Fn() + Send + Sync),
) {
    let mut attempt = 0;
    let (snap, versions) = loop {
        match snapshot_at(client, kinds, namespace).await {
            Ok(lists) => break lists,
            Err(e) => {
                let wait = crate::table_watch::backoff(attempt);
                tracing::warn!(attempt, error = %e, ?wait, "relations: list failed");
                lock(live).error = Some(e.to_string());
                notify();
                attempt += 1;
                tokio::time::sleep(wait).await;
            }
        }
    };
    let first_evidence = match explain {
        Some(t) => gather(client, &snap, t).await,
        None => Evidence::default(),
    };
    {
        let mut l = lock(live);
        l.snapshot = snap;
        l.evidence = first_evidence;
        l.version += 1;
        l.loaded = true;
        l.error = None;
    }
    notify();
    let watches = versions
        .into_iter()
        .map(|(kind, rv)| keep(client, kind, namespace, rv, live, notify));
    let evidence_again = async {
        let Some(t) = explain else {
            return;
        };
        let mut seen = lock(live).version;
        loop {
            tokio::time::sleep(EVIDENCE_EVERY).await;
            let pods: Vec<Pod> = {
                let l = lock(live);
                if l.version == seen {
                    continue;
                }
                tug_model::explain::pods_of(&l.snapshot, t)
                    .into_iter()
                    .cloned()
                    .collect()
            };
            let ev = evidence(client, evidence_namespace(t), &pods).await;
            let mut l = lock(live);
            l.evidence = ev;
            l.version += 1;
            seen = l.version;
            drop(l);
            notify();
        }
    };
    futures::future::join(futures::future::join_all(watches), evidence_again).await;
}

fn evidence_namespace(t: &Target) -> &str {
    if t.namespace.is_empty() {
        "default"
    } else {
        &t.namespace
    }
}

/// The evidence about `t` in `snap`.
async fn gather(client: &kube::Client, snap: &Snapshot, t: &Target) -> Evidence {
    let pods: Vec<Pod> = tug_model::explain::pods_of(snap, t)
        .into_iter()
        .cloned()
        .collect();
    evidence(client, evidence_namespace(t), &pods).await
}

/// How a watch of one kind ended.
enum WatchEnd {
    /// The server closed it normally: resume from this version.
    Resume(String),
    /// 410: the version is too old; relist.
    Gone,
}

/// Keeps one kind of `live` in sync: watch from `rv`, resume when the server closes the watch, relist (and
/// swap the list in whole) after a 410 or a failure.
async fn keep(
    client: &kube::Client,
    kind: Kind,
    namespace: Option<&str>,
    mut rv: String,
    live: &SharedLive,
    notify: &(dyn Fn() + Send + Sync),
) {
    let mut attempt: u32 = 0;
    loop {
        let end = if is_pods(&kind) {
            follow::<Pod>(client, &kind, namespace, rv.clone(), live, notify).await
        } else {
            follow::<Pruned>(client, &kind, namespace, rv.clone(), live, notify).await
        };
        match end {
            Ok(WatchEnd::Resume(next)) => {
                rv = next;
                attempt = 0;
                continue;
            }
            Ok(WatchEnd::Gone) => {}
            Err(e) => {
                let wait = crate::table_watch::backoff(attempt);
                tracing::warn!(kind = %kind.display(), attempt, error = %e, ?wait, "relations: watch failed");
                attempt = attempt.saturating_add(1);
                tokio::time::sleep(wait).await;
            }
        }
        match list(client, &kind, namespace).await {
            Ok((items, next)) => {
                let mut l = lock(live);
                put(&mut l.snapshot, &kind, items);
                l.version += 1;
                drop(l);
                notify();
                rv = next;
            }
            Err(e) => {
                let wait = crate::table_watch::backoff(attempt);
                tracing::warn!(kind = %kind.display(), attempt, error = %e, ?wait, "relations: relist failed");
                attempt = attempt.saturating_add(1);
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// An item a relations watch decodes, and how its event changes a snapshot.
trait Watched: Clone + DeserializeOwned + std::fmt::Debug + Send + 'static {
    fn resource_version(&self) -> Option<&str>;
    fn apply(self, snap: &mut Snapshot, kind: &Kind, deleted: bool);
}

impl Watched for Pod {
    fn resource_version(&self) -> Option<&str> {
        Some(&self.metadata.resource_version)
    }

    fn apply(self, snap: &mut Snapshot, _: &Kind, deleted: bool) {
        let pods = snap.pods.get_or_insert_with(Vec::new);
        let at = pods
            .iter()
            .position(|p| p.metadata.uid == self.metadata.uid);
        match (at, deleted) {
            (Some(i), true) => {
                pods.remove(i);
            }
            (Some(i), false) => pods[i] = self,
            (None, false) => pods.push(self),
            (None, true) => {}
        }
    }
}

impl Watched for Pruned {
    fn resource_version(&self) -> Option<&str> {
        self.0["metadata"]["resourceVersion"].as_str()
    }

    fn apply(self, snap: &mut Snapshot, kind: &Kind, deleted: bool) {
        let mut v = self.0;
        v["kind"] = Value::String(kind.kind.clone());
        let items = snap
            .lists
            .entry((kind.group.clone(), kind.plural.clone()))
            .or_default();
        let uid = |o: &Value| o["metadata"]["uid"].as_str().map(str::to_string);
        let at = items.iter().position(|o| uid(o) == uid(&v));
        match (at, deleted) {
            (Some(i), true) => {
                items.remove(i);
            }
            (Some(i), false) => items[i] = v,
            (None, false) => items.push(v),
            (None, true) => {}
        }
    }
}

/// Watches one kind from `rv`, applying each event to `live`, until the server closes the watch.
async fn follow<T: Watched>(
    client: &kube::Client,
    kind: &Kind,
    namespace: Option<&str>,
    mut rv: String,
    live: &SharedLive,
    notify: &(dyn Fn() + Send + Sync),
) -> Result<WatchEnd> {
    let gone = |e: ClusterError| match e.code() {
        Some(410) => Ok(WatchEnd::Gone),
        _ => Err(e),
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("watch", "1")
        .append_pair("resourceVersion", &rv)
        .append_pair("allowWatchBookmarks", "true")
        .append_pair("timeoutSeconds", &WATCH_TIMEOUT_SECS.to_string())
        .finish();
    let req = http::Request::get(format!("{}?{query}", kind.collection_path(namespace)))
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let stream = match client.request_events::<T>(req).await {
        Ok(stream) => stream,
        Err(e) => return gone(e.into()),
    };
    let mut stream = std::pin::pin!(stream);
    while let Some(event) = stream.next().await {
        let (item, deleted) = match event.map_err(ClusterError::from) {
            Ok(WatchEvent::Added(o) | WatchEvent::Modified(o)) => (o, false),
            Ok(WatchEvent::Deleted(o)) => (o, true),
            Ok(WatchEvent::Bookmark(b)) => {
                rv = b.metadata.resource_version;
                continue;
            }
            Ok(WatchEvent::Error(status)) => {
                return gone(ClusterError::Api {
                    code: status.code,
                    reason: status.reason,
                    message: status.message,
                    retry_after: 0,
                });
            }
            Err(e) => return gone(e),
        };
        if let Some(v) = item.resource_version().filter(|v| !v.is_empty()) {
            rv = v.to_string();
        }
        {
            let mut l = lock(live);
            item.apply(&mut l.snapshot, kind, deleted);
            l.version += 1;
        }
        notify();
    }
    Ok(WatchEnd::Resume(rv))
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
        .unwrap()
        .0;
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
        .unwrap()
        .0;
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

    #[test]
    fn watch_events_update_pods_and_other_kinds_in_place_by_uid() {
        let kind = |plural: &str, k: &str| Kind {
            group: String::new(),
            version: "v1".into(),
            plural: plural.into(),
            kind: k.into(),
            namespaced: true,
            short_names: vec![],
            verbs: vec!["list".into(), "watch".into()],
        };
        let (pods, svcs) = (kind("pods", "Pod"), kind("services", "Service"));
        let pod = |name: &str, uid: &str, phase: &str| {
            Pod::from_value(
                &json!({"metadata": {"name": name, "namespace": "shop", "uid": uid},
                                    "status": {"phase": phase}}),
            )
            .unwrap()
        };
        let mut snap = Snapshot::default();
        pod("a", "1", "Pending").apply(&mut snap, &pods, false);
        pod("b", "2", "Pending").apply(&mut snap, &pods, false);
        pod("a", "1", "Running").apply(&mut snap, &pods, false);
        pod("b", "2", "Running").apply(&mut snap, &pods, true);
        let seen: Vec<(&str, &str)> = snap
            .pods()
            .iter()
            .map(|p| (p.metadata.name.as_str(), p.phase()))
            .collect();
        assert_eq!(seen, [("a", "Running")]);
        let svc = |port: u16| {
            Pruned(
                json!({"metadata": {"name": "web", "namespace": "shop", "uid": "s1"},
                                            "spec": {"ports": [{"port": port}]}}),
            )
        };
        svc(80).apply(&mut snap, &svcs, false);
        svc(8080).apply(&mut snap, &svcs, false);
        let list = snap.of(tug_model::relations::SERVICES);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["spec"]["ports"][0]["port"], 8080);
        assert_eq!(
            list[0]["kind"], "Service",
            "named by its kind, as listed items are"
        );
        svc(8080).apply(&mut snap, &svcs, true);
        assert!(snap.of(tug_model::relations::SERVICES).is_empty());
    }
}
