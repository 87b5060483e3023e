//! The sim's controllers: what kube-controller-manager, the scheduler and the kubelets do, reduced to what a
//! client can observe. Level-triggered: every pass reads the store and writes what differs, so a missed event
//! never matters. Must not depend on HTTP.
//!
//! Determinism: generated names are hashes of (seed, owner, counter), never of timing, and the demo world is
//! built by running passes synchronously on a virtual clock (`settle`), so a seed always gives the same world.

mod daemonset;
mod deployment;
mod events;
mod gc;
mod job;
pub(crate) mod kubelet;
mod network;
mod replicaset;
mod scheduler;
mod statefulset;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::resources::ResourceDef;
use super::status::ApiResult;
use super::store::{ALPHANUMS, DeleteOptions, Store, UpdateScope, format_time};

pub use events::EventRecorder;

/// How often time-driven progress (container start, crash loops, cron schedules) is checked.
const TICK: Duration = Duration::from_millis(250);
/// After a change, wait this long for more before a pass: a burst of writes costs one pass.
const DEBOUNCE: Duration = Duration::from_millis(15);
/// Passes start at least this far apart: a steady stream of changes (`--churn`) must not cost a full scan of
/// every object per change.
const MIN_GAP: Duration = Duration::from_millis(100);

/// Pod indexes (`Store::add_index`): what each controller reads instead of every pod.
/// Pods some controller may act on: not yet bound, pending, terminating, owned, or running a scripted scenario.
/// Steady serving pods without owners (the `--pods` load) are outside it, so an idle 10,000-pod sim costs little.
pub const POD_ATTENTION: &str = "attention";
/// Pods by the uid of their controlling owner.
pub const POD_OWNER: &str = "owner";
/// Pods by the node they are bound to.
pub const POD_NODE: &str = "node";
/// Pods that request cpu, by the node they are bound to (the scheduler sums their requests).
pub const POD_NODE_REQUESTS: &str = "node-requests";
/// The one bucket of a yes/no index.
pub const YES: &str = "yes";

fn register_pod_indexes(store: &Store, pods: &ResourceDef) {
    store.add_index(pods, POD_ATTENTION, |p| {
        let phase = p["status"]["phase"].as_str().unwrap_or_default();
        let attention = has_owner(p)
            || is_deleting(p)
            || !p["spec"]["nodeName"].is_string()
            || phase == "Pending"
            || (phase == "Running" && kubelet::scripted(p));
        attention.then(|| YES.to_string())
    });
    store.add_index(pods, POD_OWNER, |p| controller_uid(p).map(str::to_string));
    store.add_index(pods, POD_NODE, |p| {
        p["spec"]["nodeName"].as_str().map(str::to_string)
    });
    store.add_index(pods, POD_NODE_REQUESTS, |p| {
        (scheduler::cpu_request_millis(p) > 0)
            .then(|| p["spec"]["nodeName"].as_str().map(str::to_string))
            .flatten()
    });
}

/// The resource definitions the controllers work on (all built-ins, always registered).
pub struct Kinds {
    pub pods: Arc<ResourceDef>,
    pub nodes: Arc<ResourceDef>,
    pub namespaces: Arc<ResourceDef>,
    pub events: Arc<ResourceDef>,
    pub services: Arc<ResourceDef>,
    pub endpoints: Arc<ResourceDef>,
    pub endpoint_slices: Arc<ResourceDef>,
    pub pvcs: Arc<ResourceDef>,
    pub pvs: Arc<ResourceDef>,
    pub replicasets: Arc<ResourceDef>,
    pub deployments: Arc<ResourceDef>,
    pub statefulsets: Arc<ResourceDef>,
    pub daemonsets: Arc<ResourceDef>,
    pub revisions: Arc<ResourceDef>,
    pub jobs: Arc<ResourceDef>,
    pub cronjobs: Arc<ResourceDef>,
}

impl Kinds {
    fn new(store: &Store) -> Option<Self> {
        let reg = store.registry();
        Some(Self {
            pods: reg.preferred("", "pods")?,
            nodes: reg.preferred("", "nodes")?,
            namespaces: reg.preferred("", "namespaces")?,
            events: reg.preferred("", "events")?,
            services: reg.preferred("", "services")?,
            endpoints: reg.preferred("", "endpoints")?,
            endpoint_slices: reg.preferred("discovery.k8s.io", "endpointslices")?,
            pvcs: reg.preferred("", "persistentvolumeclaims")?,
            pvs: reg.preferred("", "persistentvolumes")?,
            replicasets: reg.preferred("apps", "replicasets")?,
            deployments: reg.preferred("apps", "deployments")?,
            statefulsets: reg.preferred("apps", "statefulsets")?,
            daemonsets: reg.preferred("apps", "daemonsets")?,
            revisions: reg.preferred("apps", "controllerrevisions")?,
            jobs: reg.preferred("batch", "jobs")?,
            cronjobs: reg.preferred("batch", "cronjobs")?,
        })
    }
}

/// The controllers' clock: virtual while the world is built (days in the past, advanced per pass), then real.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    Virtual(jiff::Timestamp),
    Real,
}

/// Everything a pass needs: the store, the clock, counters for generated names, the event recorder.
pub struct Ctx {
    pub store: Arc<Store>,
    pub kinds: Kinds,
    pub seed: u64,
    pub clock: Clock,
    /// Per owner: how many children have been named, for deterministic name suffixes.
    counters: HashMap<String, u64>,
    pub events: EventRecorder,
    /// Writes done in the current pass (a pass without writes means the world has settled).
    pub writes: usize,
}

impl Ctx {
    pub fn new(store: Arc<Store>, seed: u64, clock: Clock) -> Option<Self> {
        let kinds = Kinds::new(&store)?;
        register_pod_indexes(&store, &kinds.pods);
        Some(Self {
            kinds,
            store,
            seed,
            clock,
            counters: HashMap::new(),
            events: EventRecorder::default(),
            writes: 0,
        })
    }

    pub fn now(&self) -> jiff::Timestamp {
        match self.clock {
            Clock::Virtual(t) => t,
            Clock::Real => jiff::Timestamp::now(),
        }
    }

    pub fn now_str(&self) -> String {
        format_time(self.now())
    }

    /// While building the world: deletions are immediate and nothing waits for wall-clock time.
    pub fn is_virtual(&self) -> bool {
        matches!(self.clock, Clock::Virtual(_))
    }

    /// A name suffix in Kubernetes' alphabet, a pure function of (seed, owner, n).
    pub fn child_suffix(&mut self, owner: &str) -> String {
        let n = self.counters.entry(owner.to_string()).or_insert(0);
        *n += 1;
        let mut h = fnv1a(self.seed.to_le_bytes().as_slice());
        h = fnv1a_more(h, owner.as_bytes());
        h = fnv1a_more(h, &n.to_le_bytes());
        safe_encode(h, 5)
    }

    /// Pods in one bucket of a pod index that `keep` (the caller's whole condition) accepts, in key order.
    pub fn pods_in(
        &self,
        index: &str,
        value: &str,
        keep: impl Fn(&Value) -> bool,
    ) -> Vec<Arc<Value>> {
        let pods = &self.kinds.pods;
        match self.store.list_indexed(pods, index, value, &keep) {
            Some(found) => found,
            // Not reached (`new` registers every index); a scan gives the same answer, only slower.
            None => self.store.list(pods, None, keep),
        }
    }

    pub fn create(&mut self, res: &ResourceDef, ns: &str, obj: Value) -> ApiResult<Arc<Value>> {
        self.writes += 1;
        self.store.create_at(res, ns, obj, self.now())
    }

    /// Read-modify-write with everything allowed (controllers own status and may set any field).
    pub fn update(
        &mut self,
        res: &ResourceDef,
        obj: &Value,
        change: impl FnOnce(&mut Value),
    ) -> ApiResult<Arc<Value>> {
        let (ns, name) = (namespace(obj), name(obj));
        let rv = obj["metadata"]["resourceVersion"].clone();
        let result = self
            .store
            .update_with(res, ns, name, UpdateScope::All, false, |cur| {
                // Work on what the pass read: if the object changed since, skip (the next pass sees it).
                if cur["metadata"]["resourceVersion"] != rv {
                    return Err(super::status::ApiError::conflict(res, name));
                }
                let mut new = cur.clone();
                change(&mut new);
                Ok(new)
            });
        if let Ok(new) = &result
            && new["metadata"]["resourceVersion"] != rv
        {
            self.writes += 1;
        }
        result
    }

    /// Deletes as a controller does: gracefully on the real clock, at once while the world is built.
    pub fn delete(&mut self, res: &ResourceDef, obj: &Value) {
        let opts = DeleteOptions {
            grace_period_seconds: self.is_virtual().then_some(0),
            precondition_uid: obj["metadata"]["uid"].as_str().map(str::to_string),
            ..Default::default()
        };
        if self
            .store
            .delete(res, namespace(obj), name(obj), &opts)
            .is_ok()
        {
            self.writes += 1;
        }
    }

    /// Deletes now, skipping the grace period (the kubelet finishing a termination).
    pub fn remove(&mut self, res: &ResourceDef, obj: &Value) {
        let opts = DeleteOptions {
            grace_period_seconds: Some(0),
            precondition_uid: obj["metadata"]["uid"].as_str().map(str::to_string),
            ..Default::default()
        };
        if self
            .store
            .delete(res, namespace(obj), name(obj), &opts)
            .is_ok()
        {
            self.writes += 1;
        }
    }

    /// Records a core/v1 Event about `obj` (deduplicated: a repeat bumps `count`).
    pub fn event(
        &mut self,
        obj: &Value,
        kind: &str,
        reason: &str,
        component: &str,
        message: String,
    ) {
        let mut recorder = std::mem::take(&mut self.events);
        recorder.record(self, obj, kind, reason, component, message);
        self.events = recorder;
    }
}

/// One reconciliation pass over every controller, in a fixed order.
pub fn pass(ctx: &mut Ctx) {
    ctx.writes = 0;
    gc::namespaces(ctx);
    gc::owners(ctx);
    deployment::reconcile(ctx);
    replicaset::reconcile(ctx);
    statefulset::reconcile(ctx);
    daemonset::reconcile(ctx);
    job::reconcile_cronjobs(ctx);
    job::reconcile(ctx);
    scheduler::reconcile(ctx);
    kubelet::reconcile(ctx);
    network::reconcile(ctx);
}

/// Runs passes on the virtual clock, `step` apart, until nothing changes (or `max` passes).
pub fn settle(ctx: &mut Ctx, step: Duration, max: usize) {
    for _ in 0..max {
        pass(ctx);
        if let Clock::Virtual(t) = ctx.clock {
            ctx.clock = Clock::Virtual(t + step);
        }
        if ctx.writes == 0 {
            break;
        }
    }
}

/// Runs the controllers on the real clock until `cancel`: a pass after each burst of changes, and every tick.
pub fn spawn(mut ctx: Ctx, cancel: CancellationToken) -> tokio::task::JoinHandle<()> {
    ctx.clock = Clock::Real;
    let mut changes = ctx.store.subscribe();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = tokio::time::Instant::now();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tick.tick() => {}
                changed = changes.recv() => {
                    if matches!(changed, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                        break;
                    }
                    let wait = DEBOUNCE.max(MIN_GAP.saturating_sub(last.elapsed()));
                    tokio::time::sleep(wait).await;
                    // Drain the burst; the pass reads the latest state anyway.
                    while changes.try_recv().is_ok() {}
                }
            }
            last = tokio::time::Instant::now();
            pass(&mut ctx);
            // Our own writes come back as events; drain them so they don't trigger a pass each.
            while changes.try_recv().is_ok() {}
        }
    })
}

// ---- small helpers shared by the controllers ----

pub fn name(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or_default()
}

pub fn namespace(obj: &Value) -> &str {
    obj["metadata"]["namespace"].as_str().unwrap_or_default()
}

pub fn uid(obj: &Value) -> &str {
    obj["metadata"]["uid"].as_str().unwrap_or_default()
}

pub fn is_deleting(obj: &Value) -> bool {
    obj["metadata"]["deletionTimestamp"].is_string()
}

pub fn has_owner(obj: &Value) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
}

/// The uid of the controlling owner, if any.
pub fn controller_uid(obj: &Value) -> Option<&str> {
    obj["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"].as_bool() == Some(true))
        .and_then(|r| r["uid"].as_str())
}

pub fn owner_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

pub fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

pub fn parse_time(v: &Value) -> Option<jiff::Timestamp> {
    v.as_str().and_then(|s| s.parse().ok())
}

/// Seconds from `v` (a timestamp) to now; None if absent.
pub fn since(ctx: &Ctx, v: &Value) -> Option<i64> {
    parse_time(v).map(|t| ctx.now().duration_since(t).as_secs())
}

pub fn pod_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

pub fn pod_active(pod: &Value) -> bool {
    let phase = pod["status"]["phase"].as_str().unwrap_or_default();
    !is_deleting(pod) && phase != "Succeeded" && phase != "Failed"
}

/// An `IntOrString` like `25%` or `1` resolved against `total`, rounding up or down as the controller does.
pub fn int_or_percent(v: &Value, total: i64, round_up: bool) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(p) if round_up => (p * total + 99) / 100,
            Some(p) => p * total / 100,
            None => s.parse().unwrap_or(0),
        },
        _ => 0,
    }
}

/// A pod built from a workload's template, owned by `owner`.
pub fn pod_from_template(
    owner: &Value,
    template: &Value,
    name: &str,
    extra_labels: &[(&str, &str)],
) -> Value {
    let mut meta = template["metadata"].clone();
    if !meta.is_object() {
        meta = json!({});
    }
    meta["name"] = json!(name);
    meta["namespace"] = owner["metadata"]["namespace"].clone();
    if !meta["labels"].is_object() {
        meta["labels"] = json!({});
    }
    for (k, v) in extra_labels {
        meta["labels"][*k] = json!(v);
    }
    meta["ownerReferences"] = json!([owner_ref(owner)]);
    if let Some(m) = meta.as_object_mut() {
        m.remove("creationTimestamp");
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template["spec"].clone()})
}

/// Stable hash of a pod template, rendered as Kubernetes renders `pod-template-hash` (decimal digits of the
/// 32-bit hash mapped into its safe alphabet).
pub fn template_hash(template: &Value) -> String {
    let mut t = template.clone();
    if let Some(labels) = t["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
    }
    let canonical = serde_json::to_vec(&t).unwrap_or_default();
    let h = fnv1a(&canonical) as u32;
    h.to_string()
        .bytes()
        .map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char)
        .collect()
}

fn safe_encode(mut h: u64, len: usize) -> String {
    (0..len)
        .map(|_| {
            let c = ALPHANUMS[(h % ALPHANUMS.len() as u64) as usize] as char;
            h /= ALPHANUMS.len() as u64;
            c
        })
        .collect()
}

pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_more(0xcbf2_9ce4_8422_2325, bytes)
}

pub fn fnv1a_more(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_hash_ignores_its_own_label_and_changes_with_the_template() {
        let a = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"image": "nginx:1"}]}});
        let mut b = a.clone();
        b["metadata"]["labels"]["pod-template-hash"] = json!("xyz");
        assert_eq!(template_hash(&a), template_hash(&b));
        let mut c = a.clone();
        c["spec"]["containers"][0]["image"] = json!("nginx:2");
        assert_ne!(template_hash(&a), template_hash(&c));
        assert!(template_hash(&a).bytes().all(|ch| ALPHANUMS.contains(&ch)));
    }

    #[test]
    fn percentages_round_like_the_deployment_controller() {
        assert_eq!(int_or_percent(&json!("25%"), 3, true), 1);
        assert_eq!(int_or_percent(&json!("25%"), 3, false), 0);
        assert_eq!(int_or_percent(&json!(2), 3, false), 2);
        assert_eq!(int_or_percent(&json!("50%"), 10, false), 5);
    }
}
