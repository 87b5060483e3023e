//! Keeps the metrics poll in line with what the app wants: started, restarted or stopped when the wanted
//! lists change (the view on top, the namespace, a context switch), and never sooner than once per interval
//! for the same pods, so flipping between a pod view and its YAML costs no extra list.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tug_cluster::metrics::{self, SharedMetrics, Want};

/// The running poll, and when pods of a scope were last listed.
#[derive(Default)]
pub struct MetricsPoll {
    running: Option<(Want, Instant, CancellationToken)>,
    /// The scope whose pods were listed last, and when (the poll lists at its start and once per interval).
    pods_listed: Option<(Option<String>, Instant)>,
}

impl MetricsPoll {
    /// Starts, restarts or stops the poll so that it fetches `want`.
    pub fn update(
        &mut self,
        client: &kube::Client,
        want: Option<Want>,
        store: &SharedMetrics,
        notify: std::sync::Arc<dyn Fn() + Send + Sync>,
    ) {
        if self.running.as_ref().map(|(w, ..)| w) == want.as_ref() {
            return;
        }
        self.stop();
        let Some(want) = want else {
            crate::app::metrics::lock(store).clear();
            return;
        };
        let now = Instant::now();
        // The same pods listed less than an interval ago wait for the rest of it.
        let first = match (&want.pods, &self.pods_listed) {
            (Some(scope), Some((listed, at))) if scope == listed => {
                want.interval.saturating_sub(now.duration_since(*at))
            }
            _ => Duration::ZERO,
        };
        let token = CancellationToken::new();
        metrics::spawn(
            client.clone(),
            want.clone(),
            store.clone(),
            notify,
            first,
            token.clone(),
        );
        self.running = Some((want, now + first, token));
    }

    /// Stops the poll (a new client, or metrics no longer wanted), remembering when its pods were listed.
    pub fn stop(&mut self) {
        if let Some((want, start, token)) = self.running.take() {
            token.cancel();
            if let Some(scope) = want.pods {
                let now = Instant::now();
                if now >= start {
                    let interval = want.interval.as_nanos().max(1);
                    let rounds = now.duration_since(start).as_nanos() / interval;
                    let last = start + want.interval.saturating_mul(rounds as u32);
                    self.pods_listed = Some((scope, last));
                }
            }
        }
    }

    /// A new client: whatever was listed was another cluster's.
    pub fn reset(&mut self) {
        self.stop();
        self.pods_listed = None;
    }
}
