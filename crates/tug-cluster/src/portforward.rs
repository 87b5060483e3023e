//! Port-forwarding natively over the API (kube's `ws` portforward; no kubectl): a local listener, one
//! forwarded stream per accepted connection, byte counts for the `:pf` view, stopped by its token.

use crate::ApiFailure;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
    pub pod: String,
    pub remote_port: u16,
    pub local: SocketAddr,
    /// Bytes sent to the pod / received from it, over all connections so far.
    pub sent: Arc<AtomicU64>,
    pub received: Arc<AtomicU64>,
    pub connections: Arc<AtomicU64>,
    pub cancel: CancellationToken,
}

impl Forward {
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
    let forward = Forward {
        id,
        namespace: namespace.to_string(),
        pod: pod.to_string(),
        remote_port,
        local,
        sent: Arc::default(),
        received: Arc::default(),
        connections: Arc::default(),
        cancel: CancellationToken::new(),
    };
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
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
                let Ok(mut pf) = pods.portforward(&f.pod, &[f.remote_port]).await else {
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

    use super::choose;

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
}
