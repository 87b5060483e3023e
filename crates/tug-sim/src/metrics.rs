//! `metrics.k8s.io/v1beta1` as metrics-server serves it through the aggregation layer: PodMetrics and
//! NodeMetrics computed from the running pods on every request (nothing stored), deterministic for a seed and
//! a scrape window, and moving from one window to the next — load pods wander, a crash-looping container
//! spikes. `--metrics off` leaves the API (and its APIService) out, as on a cluster without metrics-server.
//! Must not depend on HTTP.

use std::time::Duration;

use serde_json::{Value, json};

use super::resources::{Builtin, ResourceDef};
use super::selectors::{FieldSelector, LabelSelector};
use super::store::{Store, format_time};

pub const GROUP: &str = "metrics.k8s.io";
pub const VERSION: &str = "v1beta1";
/// metrics-server's default scrape interval: usage changes once per window.
pub const WINDOW: Duration = Duration::from_secs(15);

/// The two kinds of the API (registered only when metrics are on).
pub fn resource_defs() -> Vec<ResourceDef> {
    [
        Builtin::new(GROUP, VERSION, "pods", "PodMetrics", true),
        Builtin::new(GROUP, VERSION, "nodes", "NodeMetrics", false),
    ]
    .iter()
    .map(|b| {
        let mut def = b.def();
        def.verbs = vec!["get".into(), "list".into()];
        def
    })
    .collect()
}

/// The APIService an aggregated API is registered with (`kubectl get apiservices`).
pub fn api_service() -> Value {
    json!({
        "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
        "metadata": {"name": format!("{VERSION}.{GROUP}"), "labels": {"k8s-app": "metrics-server"}},
        "spec": {"group": GROUP, "version": VERSION, "groupPriorityMinimum": 100, "versionPriority": 100,
                 "insecureSkipTLSVerify": true,
                 "service": {"name": "metrics-server", "namespace": "kube-system", "port": 443}},
        "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                   "message": "all checks passed", "lastTransitionTime": format_time(jiff::Timestamp::now())}]},
    })
}

/// FNV-1a: a stable hash (std's `DefaultHasher` may change between Rust releases).
fn hash(parts: &[&str], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A number in [0, 1) from a hash.
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// A quantity (`100m`, `1`, `70Mi`, `1Gi`) as a plain number of cores or bytes; 0 when unreadable.
fn quantity(q: &Value) -> f64 {
    let s = q
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| q.to_string());
    let units: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
    ];
    for (suffix, factor) in units {
        if let Some(n) = s.strip_suffix(suffix) {
            return n.parse::<f64>().map(|n| n * factor).unwrap_or(0.0);
        }
    }
    s.parse().unwrap_or(0.0)
}

/// Usage of one container in one window: cores and bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    pub cpu: f64,
    pub memory: f64,
}

impl Usage {
    /// As metrics-server writes it: CPU in nanocores, memory in KiB.
    fn to_json(self) -> Value {
        json!({"cpu": format!("{}n", (self.cpu * 1e9).round() as u64),
               "memory": format!("{}Ki", (self.memory / 1024.0).round() as u64)})
    }
}

/// One container's usage in window `tick`. Around half its request (or a small default) with a little noise;
/// load pods wander widely; a container that has restarted spikes every other window, as a crash loop does.
pub fn container_usage(pod: &Value, container: &Value, tick: u64, seed: u64) -> Usage {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let cname = container["name"].as_str().unwrap_or_default();
    let tick_s = tick.to_string();
    let fixed = hash(&[ns, name, cname], seed);
    let noise = unit(hash(&[ns, name, cname, &tick_s], seed));
    let requests = &container["resources"]["requests"];
    let cpu_req = match quantity(&requests["cpu"]) {
        r if r > 0.0 => r,
        _ => 0.005 + 0.045 * unit(fixed),
    };
    let mem_req = match quantity(&requests["memory"]) {
        r if r > 0.0 => r,
        _ => (8.0 + 120.0 * unit(fixed.rotate_left(17))) * 1024.0 * 1024.0,
    };
    let restarts = pod["status"]["containerStatuses"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == container["name"]))
        .and_then(|c| c["restartCount"].as_i64())
        .unwrap_or(0);
    let (cpu_f, mem_f) = if restarts > 0 && tick.is_multiple_of(2) {
        (4.0 + 4.0 * noise, 1.2 + 0.4 * noise)
    } else if ns.starts_with("load-") {
        (0.1 + 1.4 * noise, 0.3 + 0.6 * noise)
    } else {
        (0.35 + 0.3 * noise, 0.55 + 0.1 * noise)
    };
    Usage {
        cpu: cpu_req * cpu_f,
        memory: mem_req * mem_f,
    }
}

/// The scrape window `now` falls in, and when that scrape happened.
fn window_of(now: jiff::Timestamp) -> (u64, jiff::Timestamp) {
    let secs = now.as_second().max(0) as u64;
    let tick = secs / WINDOW.as_secs();
    let at = jiff::Timestamp::from_second((tick * WINDOW.as_secs()) as i64).unwrap_or(now);
    (tick, at)
}

fn meta(obj: &Value, scraped: jiff::Timestamp) -> Value {
    let mut m = json!({"name": obj["metadata"]["name"], "creationTimestamp": format_time(scraped)});
    if let Some(ns) = obj["metadata"]["namespace"].as_str() {
        m["namespace"] = json!(ns);
    }
    if let Some(labels) = obj["metadata"]["labels"].as_object() {
        m["labels"] = json!(labels);
    }
    m
}

fn running(pod: &Value) -> bool {
    pod["status"]["phase"] == "Running"
}

fn pod_metrics(pod: &Value, tick: u64, scraped: jiff::Timestamp, seed: u64) -> Value {
    let containers: Vec<Value> = pod["spec"]["containers"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| json!({"name": c["name"], "usage": container_usage(pod, c, tick, seed).to_json()}))
                .collect()
        })
        .unwrap_or_default();
    json!({"kind": "PodMetrics", "apiVersion": format!("{GROUP}/{VERSION}"), "metadata": meta(pod, scraped),
           "timestamp": format_time(scraped), "window": format!("{}s", WINDOW.as_secs()), "containers": containers})
}

/// Usage of a node: its system overhead plus its running pods' containers.
fn node_metrics(
    node: &Value,
    pods: &[std::sync::Arc<Value>],
    tick: u64,
    scraped: jiff::Timestamp,
    seed: u64,
) -> Value {
    let name = node["metadata"]["name"].as_str().unwrap_or_default();
    let base = unit(hash(&[name, &tick.to_string()], seed));
    let mut total = Usage {
        cpu: 0.12 + 0.05 * base,
        memory: (600.0 + 80.0 * base) * 1024.0 * 1024.0,
    };
    for pod in pods.iter().filter(|p| p["spec"]["nodeName"] == name) {
        for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
            let u = container_usage(pod, c, tick, seed);
            total.cpu += u.cpu;
            total.memory += u.memory;
        }
    }
    json!({"kind": "NodeMetrics", "apiVersion": format!("{GROUP}/{VERSION}"), "metadata": meta(node, scraped),
           "timestamp": format_time(scraped), "window": format!("{}s", WINDOW.as_secs()), "usage": total.to_json()})
}

/// What a metrics request asks for.
pub struct MetricsQuery<'a> {
    pub res: &'a ResourceDef,
    pub namespace: Option<&'a str>,
    pub labels: &'a LabelSelector,
    pub fields: &'a FieldSelector,
}

/// The metrics objects a list (or, filtered by name, a get) returns, as of `now`.
pub fn list(store: &Store, q: &MetricsQuery, seed: u64, now: jiff::Timestamp) -> Vec<Value> {
    let (tick, scraped) = window_of(now);
    let reg = store.registry();
    let Some(pods_def) = reg.preferred("", "pods") else {
        return vec![];
    };
    let key = q.res.key();
    let keep = |m: &Value| q.labels.matches(m) && q.fields.matches(m, &key);
    if q.res.plural == "pods" {
        store
            .list(&pods_def, q.namespace, running)
            .iter()
            .map(|p| pod_metrics(p, tick, scraped, seed))
            .filter(|m| keep(m))
            .collect()
    } else {
        let Some(nodes_def) = reg.preferred("", "nodes") else {
            return vec![];
        };
        let pods = store.list(&pods_def, None, running);
        store
            .list(&nodes_def, None, |_| true)
            .iter()
            .map(|n| node_metrics(n, &pods, tick, scraped, seed))
            .filter(|m| keep(m))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(ns: &str, restarts: i64) -> Value {
        json!({"metadata": {"name": "p", "namespace": ns},
               "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]},
               "status": {"phase": "Running", "containerStatuses": [{"name": "c", "restartCount": restarts}]}})
    }

    #[test]
    fn usage_is_deterministic_moves_between_windows_and_spikes_when_crash_looping() {
        let p = pod("shop", 0);
        let c = &p["spec"]["containers"][0];
        let a = container_usage(&p, c, 10, 1);
        assert_eq!(a, container_usage(&p, c, 10, 1));
        assert_ne!(a, container_usage(&p, c, 11, 1));
        assert!(a.cpu > 0.03 && a.cpu < 0.07, "{a:?}");
        let crashing = pod("shop", 5);
        let spike = container_usage(&crashing, &crashing["spec"]["containers"][0], 10, 1);
        assert!(spike.cpu >= 0.4, "{spike:?}");
    }

    #[test]
    fn quantities_and_wire_units() {
        assert_eq!(quantity(&json!("250m")), 0.25);
        assert_eq!(quantity(&json!("64Mi")), 64.0 * 1024.0 * 1024.0);
        assert_eq!(quantity(&json!(2)), 2.0);
        let u = Usage {
            cpu: 0.0125,
            memory: 2048.0 * 1024.0,
        };
        assert_eq!(u.to_json(), json!({"cpu": "12500000n", "memory": "2048Ki"}));
    }

    #[test]
    fn the_scrape_time_is_the_start_of_the_window() {
        let now = jiff::Timestamp::from_second(1_000_007).unwrap();
        let (tick, at) = window_of(now);
        assert_eq!(tick, 66_667);
        assert_eq!(at.as_second(), 1_000_005);
    }
}
