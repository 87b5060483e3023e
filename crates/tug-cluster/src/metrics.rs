//! The metrics poll: `metrics.k8s.io/v1beta1` has no watch, so usage is listed once per resolution — one
//! PodMetrics list for the scope on screen, one NodeMetrics list (and the nodes' allocatable) for the header —
//! never per row. Failures back off (doubling, capped); the last sample stays meanwhile. Whether the API is
//! there at all is discovery's answer ([`available`]): without it nothing is polled.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::discovery::Kind;
use super::{ClusterError, Result};
use tug_model::metrics::{self, Metrics, NodeField};

pub const GROUP: &str = "metrics.k8s.io";
/// metrics-server's default resolution.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15);
/// The longest a failing poll waits before the next try.
const BACKOFF_MAX: Duration = Duration::from_secs(300);

pub type SharedMetrics = Arc<Mutex<Metrics>>;

/// Whether discovery found the metrics API (PodMetrics and NodeMetrics).
pub fn available(kinds: &[Kind]) -> bool {
    kinds.iter().any(|k| k.is(GROUP, "pods")) && kinds.iter().any(|k| k.is(GROUP, "nodes"))
}

/// What to poll; the app derives it from what is on screen, the runtime restarts the poll when it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    /// Pod metrics of this namespace (`Some(None)`: all namespaces); `None`: no pod metrics on screen.
    pub pods: Option<Option<String>>,
    /// Node metrics and allocatable (the header's cluster usage, the nodes view).
    pub nodes: bool,
    pub interval: Duration,
}

fn lock(m: &SharedMetrics) -> std::sync::MutexGuard<'_, Metrics> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn get_json<T: k8s_openapi::serde::de::DeserializeOwned>(
    client: &kube::Client,
    path: &str,
) -> Result<T> {
    let request = http::Request::get(path)
        .header(http::header::ACCEPT, "application/json")
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    Ok(client.request::<T>(request).await?)
}

/// One round: the lists `want` asks for, written into `store`.
pub async fn poll_once(client: &kube::Client, want: &Want, store: &SharedMetrics) -> Result<()> {
    if let Some(ns) = &want.pods {
        let path = match ns {
            Some(ns) => format!("/apis/{GROUP}/v1beta1/namespaces/{ns}/pods"),
            None => format!("/apis/{GROUP}/v1beta1/pods"),
        };
        // Decoded straight into the kept form: no JSON tree of every pod's sample.
        let list: metrics::PodMetricsList = get_json(client, &path).await?;
        lock(store).set_pods(list.into_usage());
    }
    if want.nodes {
        let nodes: Value = get_json(client, "/api/v1/nodes").await?;
        let usage: Value = get_json(client, &format!("/apis/{GROUP}/v1beta1/nodes")).await?;
        let mut m = lock(store);
        m.set_allocatable(metrics::nodes_from_list(&nodes, NodeField::Allocatable));
        m.set_nodes(metrics::nodes_from_list(&usage, NodeField::Usage));
    }
    Ok(())
}

/// How long after `failures` failed polls in a row the next one comes.
pub fn next_wait(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    interval
        .saturating_mul(1u32 << failures.min(6))
        .min(BACKOFF_MAX.max(interval))
}

/// Polls until `cancel`: after `first`, then once per interval; `notify` after every sample or failure.
pub fn spawn(
    client: kube::Client,
    want: Want,
    store: SharedMetrics,
    notify: Arc<dyn Fn() + Send + Sync>,
    first: Duration,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    if want.pods.is_none() {
        lock(&store).drop_pods();
    }
    tokio::spawn(async move {
        let mut failures = 0u32;
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(first) => {}
        }
        loop {
            let round = tokio::select! {
                _ = cancel.cancelled() => return,
                r = poll_once(&client, &want, &store) => r,
            };
            match round {
                Ok(()) => failures = 0,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, failures, "metrics poll failed");
                    lock(&store).set_failing(e.to_string());
                }
            }
            notify();
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(next_wait(want.interval, failures)) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_doubling_up_to_a_cap() {
        let s = Duration::from_secs;
        assert_eq!(next_wait(s(15), 0), s(15));
        assert_eq!(next_wait(s(15), 1), s(30));
        assert_eq!(next_wait(s(15), 2), s(60));
        assert_eq!(next_wait(s(15), 30), s(300));
        assert_eq!(next_wait(s(1), 3), s(8));
    }
}
