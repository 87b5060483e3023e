//! `--churn N/s`: N changes per second to the `--pods` load pods (a container restart: the restart count goes
//! up), so benchmarks can measure watch-driven updates. The rate can be changed while the sim runs
//! (`PUT /_sim/churn` with the rate as body), e.g. to measure idle and busy phases against one sim.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::resources::ResourceDef;
use super::store::{Store, UpdateScope};

/// Changes per second, shared between the churn task and the control endpoint.
#[derive(Debug, Default)]
pub struct ChurnRate(AtomicU64);

impl ChurnRate {
    pub fn new(per_second: f64) -> Self {
        Self(AtomicU64::new(per_second.to_bits()))
    }

    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }

    pub fn set(&self, per_second: f64) {
        self.0.store(per_second.to_bits(), Ordering::Relaxed);
    }
}

/// Parses `100/s`, `100` or `0.5/s`.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let n = s.trim().trim_end_matches("/s").trim();
    match n.parse::<f64>() {
        Ok(r) if r.is_finite() && r >= 0.0 => Ok(r),
        _ => Err(format!(
            "churn must be changes per second, like 100/s (got \"{s}\")"
        )),
    }
}

/// Spends the rate on load pods in turn; nothing happens while the rate is 0 or there are no load pods.
pub fn spawn(
    store: Arc<Store>,
    pods: Arc<ResourceDef>,
    load_pods: usize,
    namespaces: usize,
    rate: Arc<ChurnRate>,
    token: CancellationToken,
) {
    if load_pods == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = tokio::time::Instant::now();
        let (mut owed, mut next) = (0.0f64, 0usize);
        loop {
            tokio::select! {
                _ = token.cancelled() => break,
                _ = tick.tick() => {}
            }
            let now = tokio::time::Instant::now();
            owed += rate.get() * now.duration_since(last).as_secs_f64();
            last = now;
            while owed >= 1.0 {
                owed -= 1.0;
                let (ns, name) = super::world::load_pod_name_in(next % load_pods, namespaces);
                next += 1;
                let _ = store.update_with(&pods, &ns, &name, UpdateScope::All, false, |cur| {
                    let mut new = cur.clone();
                    let status = &mut new["status"]["containerStatuses"][0];
                    let restarts = status["restartCount"].as_i64().unwrap_or(0) + 1;
                    status["restartCount"] = json!(restarts);
                    Ok(new)
                });
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_or_without_the_unit() {
        assert_eq!(parse_rate("100/s"), Ok(100.0));
        assert_eq!(parse_rate("2.5"), Ok(2.5));
        assert_eq!(parse_rate("0"), Ok(0.0));
        assert!(parse_rate("-1/s").is_err());
        assert!(parse_rate("fast").is_err());
    }
}
