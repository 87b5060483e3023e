//! Port-forwarding natively over the API (kube's `ws` portforward; no kubectl): a local listener, one
//! forwarded stream per accepted connection, byte counts for the `:pf` view, stopped by its token. A forward
//! survives its pod: when a connection cannot reach it (replaced by a rollout, crashed, evicted), the next
//! ready pod of the same workload takes over on the same local port, and `:pf` counts the reconnects.

use crate::ApiFailure;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::ClusterError;
use super::discovery::Kind;
use super::objects::{DrillDown, drill_down};

/// A running forward, as the `:pf` view lists it.
#[derive(Debug, Clone)]
pub struct Forward {
    pub id: u64,
    pub namespace: String,
    /// The pod connections go to now (a replacement takes over when it goes).
    pub pod: Arc<Mutex<String>>,
    /// Picks the pods that may take over: the first pod's labels without the per-pod and per-revision
    /// ones; `None` for a pod no controller owns (nothing replaces it).
    pub family: Option<String>,
    pub reconnects: Arc<AtomicU64>,
    pub last_error: Arc<Mutex<Option<String>>>,
    pub remote_port: u16,
    pub local: SocketAddr,
    /// Bytes sent to the pod / received from it, over all connections so far.
    pub sent: Arc<AtomicU64>,
    pub received: Arc<AtomicU64>,
    pub connections: Arc<AtomicU64>,
    pub cancel: CancellationToken,
}

/// Labels that differ between the pods of one workload, or between its revisions.
const PER_POD_LABELS: &[&str] = &[
    "pod-template-hash",
    "controller-revision-hash",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
];

/// The selector of the pods that may replace `pod`: `None` unless a controller owns it.
pub fn family_of(pod: &Value) -> Option<String> {
    let owned = pod["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|o| o["controller"] == true);
    let labels: Vec<String> = pod["metadata"]["labels"]
        .as_object()?
        .iter()
        .filter(|(k, _)| !PER_POD_LABELS.contains(&k.as_str()))
        .filter_map(|(k, v)| Some(format!("{k}={}", v.as_str()?)))
        .collect();
    (owned && !labels.is_empty()).then(|| labels.join(","))
}

impl Forward {
    pub fn pod(&self) -> String {
        self.pod
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn failed(&self, error: String) {
        *self
            .last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(error);
    }

    /// A stream to the current pod, or to a ready pod of the same family when the current one cannot be
    /// reached (it then becomes the current pod).
    async fn connect(&self, pods: &Api<Pod>) -> Option<kube::api::Portforwarder> {
        let pod = self.pod();
        let error = match pods.portforward(&pod, &[self.remote_port]).await {
            Ok(pf) => return Some(pf),
            Err(e) => format!("{pod}: {}", ClusterError::from(e)),
        };
        self.failed(error);
        let family = self.family.as_deref()?;
        let list = pods
            .list(&kube::api::ListParams::default().labels(family))
            .await
            .ok()?;
        let candidates: Vec<Value> = list
            .items
            .iter()
            .filter(|p| p.metadata.name.as_deref() != Some(pod.as_str()))
            .filter_map(|p| serde_json::to_value(p).ok())
            .collect();
        let Ok((next, _)) = choose(&Value::Null, &candidates) else {
            self.failed(format!("{pod} is gone and no pod of {family} is ready"));
            return None;
        };
        let pf = pods.portforward(&next, &[self.remote_port]).await.ok()?;
        *self
            .pod
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = next;
        self.reconnects.fetch_add(1, Ordering::Relaxed);
        Some(pf)
    }

    pub fn counts(&self) -> (u64, u64, u64) {
        (
            self.sent.load(Ordering::Relaxed),
            self.received.load(Ordering::Relaxed),
            self.connections.load(Ordering::Relaxed),
        )
    }
}

/// Binds `local` (port 0: any free port) and forwards each connection to `pod:remote_port` until cancelled.
pub async fn start(
    client: &kube::Client,
    id: u64,
    namespace: &str,
    pod: &str,
    remote_port: u16,
    local: SocketAddr,
) -> Result<Forward, ClusterError> {
    let listener = tokio::net::TcpListener::bind(local)
        .await
        .map_err(|e| ClusterError::Transport(format!("cannot listen on {local}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    // Who may take over if this pod goes; a pod that cannot be read now just has no successor.
    let family = pods
        .get(pod)
        .await
        .ok()
        .and_then(|p| serde_json::to_value(p).ok())
        .and_then(|p| family_of(&p));
    let forward = Forward {
        id,
        namespace: namespace.to_string(),
        pod: Arc::new(Mutex::new(pod.to_string())),
        family,
        reconnects: Arc::default(),
        last_error: Arc::default(),
        remote_port,
        local,
        sent: Arc::default(),
        received: Arc::default(),
        connections: Arc::default(),
        cancel: CancellationToken::new(),
    };
    let f = forward.clone();
    tokio::spawn(async move {
        loop {
            let (mut conn, _) = tokio::select! {
                _ = f.cancel.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok(c) => c,
                    Err(_) => continue,
                },
            };
            let (pods, f) = (pods.clone(), f.clone());
            tokio::spawn(async move {
                f.connections.fetch_add(1, Ordering::Relaxed);
                let Some(mut pf) = f.connect(&pods).await else {
                    return;
                };
                let Some(upstream) = pf.take_stream(f.remote_port) else {
                    return;
                };
                // Copied chunk by chunk so the counts move while a connection is open.
                let (mut up_r, mut up_w) = tokio::io::split(upstream);
                let (mut c_r, mut c_w) = conn.split();
                let to_pod = async {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        match c_r.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if up_w.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                                f.sent.fetch_add(n as u64, Ordering::Relaxed);
                            }
                        }
                    }
                };
                let from_pod = async {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        match up_r.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if c_w.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                                f.received.fetch_add(n as u64, Ordering::Relaxed);
                            }
                        }
                    }
                };
                // The local client closing ends the connection.
                tokio::select! {
                    _ = f.cancel.cancelled() => {}
                    _ = to_pod => {}
                    _ = from_pod => {}
                }
                drop(pf);
            });
        }
    });
    Ok(forward)
}

/// The pod and port a forward from `obj` goes to: the pod itself, or for a service or deployment one of the
/// ready pods it selects (`choose`).
pub async fn target(
    client: &kube::Client,
    kind: &Kind,
    namespace: &str,
    obj: &Value,
) -> Result<(String, u16), ApiFailure> {
    if kind.is("", "pods") {
        return Ok((name_of(obj), first_port(obj)));
    }
    let no_pods = || ApiFailure::local("NoPods", "it selects no pods");
    let DrillDown::Pods(scope) = drill_down(kind, obj) else {
        return Err(no_pods());
    };
    let sel = scope.label_selector.ok_or_else(no_pods)?;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("labelSelector", &sel)
        .finish();
    let req = http::Request::get(format!("/api/v1/namespaces/{namespace}/pods?{query}"))
        .body(vec![])
        .map_err(|e| ApiFailure::local("Request", e.to_string()))?;
    let list: Value = client
        .request(req)
        .await
        .map_err(|e| ApiFailure::from(ClusterError::from(e)))?;
    choose(obj, list["items"].as_array().map_or(&[], Vec::as_slice))
        .map_err(|e| ApiFailure::local("NoReadyPod", e))
}

/// The pod and port of a forward declared as `KIND/NAME` and `remote`, as `kubectl port-forward` reads them: a
/// service's port goes to its targetPort (a named one is the chosen pod's container port of that name), any
/// other target's port is the pod's own.
pub async fn declared_target(
    client: &kube::Client,
    kind: &Kind,
    namespace: &str,
    obj: &Value,
    remote: u16,
) -> Result<(String, u16), ApiFailure> {
    let (pod, _) = target(client, kind, namespace, obj).await?;
    if !kind.is("", "services") {
        return Ok((pod, remote));
    }
    match service_target(obj, remote).map_err(|e| ApiFailure::local("NoServicePort", e))? {
        ServiceTarget::Number(port) => Ok((pod, port)),
        ServiceTarget::Named(name) => {
            let req = http::Request::get(format!("/api/v1/namespaces/{namespace}/pods/{pod}"))
                .body(vec![])
                .map_err(|e| ApiFailure::local("Request", e.to_string()))?;
            let found: Value = client
                .request(req)
                .await
                .map_err(|e| ApiFailure::from(ClusterError::from(e)))?;
            let port = named_port(&found, &name).ok_or_else(|| {
                ApiFailure::local("NoNamedPort", format!("pod {pod} has no port named {name}"))
            })?;
            Ok((pod, port))
        }
    }
}

/// Where a service's port points in its pods.
#[derive(Debug, PartialEq, Eq)]
pub enum ServiceTarget {
    Number(u16),
    /// A container port's name, resolved per pod.
    Named(String),
}

/// The targetPort of `service`'s port `port` (the port itself when unset, as the API defaults it).
pub fn service_target(service: &Value, port: u16) -> Result<ServiceTarget, String> {
    let entry = service["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["port"].as_u64() == Some(u64::from(port)))
        .ok_or_else(|| format!("the service has no port {port}"))?;
    Ok(match &entry["targetPort"] {
        Value::String(name) => ServiceTarget::Named(name.clone()),
        Value::Number(n) => ServiceTarget::Number(
            n.as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(|| format!("targetPort {n} is not a port"))?,
        ),
        _ => ServiceTarget::Number(port),
    })
}

fn named_port(pod: &Value, name: &str) -> Option<u16> {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .find(|p| p["name"] == name)
        .and_then(|p| p["containerPort"].as_u64())
        .and_then(|p| u16::try_from(p).ok())
}

/// For a service or workload `owner` and the pods it selects: the first ready pod that is not being deleted,
/// and the service's numeric target port, else that pod's first container port.
pub fn choose(owner: &Value, pods: &[Value]) -> Result<(String, u16), String> {
    let ready = |p: &&Value| {
        p["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
            && p["metadata"]["deletionTimestamp"].is_null()
    };
    let pod = pods.iter().find(ready).ok_or("none of its pods is ready")?;
    let service_port = owner["spec"]["ports"][0]["targetPort"]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok());
    Ok((
        name_of(pod),
        service_port.unwrap_or_else(|| first_port(pod)),
    ))
}

fn name_of(obj: &Value) -> String {
    obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A pod's first declared container port, else 80.
fn first_port(pod: &Value) -> u16 {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .find_map(|p| p["containerPort"].as_u64())
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(80)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{ServiceTarget, choose, family_of, named_port, service_target};

    #[test]
    fn a_pods_family_is_its_labels_without_the_per_pod_ones_if_a_controller_owns_it() {
        let pod = json!({"metadata": {
            "labels": {"app": "web", "pod-template-hash": "abc", "tier": "front"},
            "ownerReferences": [{"kind": "ReplicaSet", "controller": true}]}});
        assert_eq!(family_of(&pod).as_deref(), Some("app=web,tier=front"));
        let bare = json!({"metadata": {"labels": {"app": "web"}}});
        assert_eq!(family_of(&bare), None);
    }

    fn pod(name: &str, ready: bool, deleting: bool, port: u16) -> serde_json::Value {
        let mut p = json!({
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "ports": [{"containerPort": port}]}]},
            "status": {"conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]},
        });
        if deleting {
            p["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        }
        p
    }

    #[test]
    fn a_forward_goes_to_the_first_ready_pod_not_being_deleted() {
        let deployment = json!({"spec": {}});
        let pods = [
            pod("starting", false, false, 1),
            pod("going", true, true, 2),
            pod("web-1", true, false, 8080),
        ];
        assert_eq!(choose(&deployment, &pods), Ok(("web-1".into(), 8080)));
    }

    #[test]
    fn a_service_forwards_to_its_numeric_target_port() {
        let service = json!({"spec": {"ports": [{"port": 80, "targetPort": 9000}]}});
        let pods = [pod("web-1", true, false, 8080)];
        assert_eq!(choose(&service, &pods), Ok(("web-1".into(), 9000)));
    }

    #[test]
    fn without_a_ready_pod_there_is_nothing_to_forward_to() {
        let pods = [pod("starting", false, false, 1)];
        assert_eq!(
            choose(&json!({}), &pods),
            Err("none of its pods is ready".into())
        );
    }

    #[test]
    fn a_declared_service_port_goes_to_its_target_port_as_kubectl_does() {
        let service = json!({"spec": {"ports": [
            {"port": 80, "targetPort": 8080},
            {"port": 443, "targetPort": "https"},
            {"port": 9000}]}});
        assert_eq!(
            service_target(&service, 80),
            Ok(ServiceTarget::Number(8080))
        );
        assert_eq!(
            service_target(&service, 443),
            Ok(ServiceTarget::Named("https".into()))
        );
        assert_eq!(
            service_target(&service, 9000),
            Ok(ServiceTarget::Number(9000))
        );
        assert_eq!(
            service_target(&service, 81),
            Err("the service has no port 81".into())
        );
        let pod = json!({"spec": {"containers": [{"ports": [{"name": "https", "containerPort": 8443}]}]}});
        assert_eq!(named_port(&pod, "https"), Some(8443));
    }
}
