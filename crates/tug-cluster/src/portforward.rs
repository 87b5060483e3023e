//! Port-forwarding natively over the API (kube's `ws` portforward; no kubectl): a local listener, one
//! forwarded stream per accepted connection, byte counts for the `:pf` view, stopped by its token.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::ClusterError;

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
