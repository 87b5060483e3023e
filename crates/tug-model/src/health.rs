//! How healthy an object is, as an operator reads it: a STATUS word (kubectl's where it has one), a health
//! level, and a one-line detail; and `problems`, every unhealthy object of a snapshot, most severe first.
//! Unhealthy: pods Failed, Pending for more than a minute, crash-looping, failing to pull, OOMKilled,
//! Running but not Ready; workloads with fewer ready than desired that are not mid-rollout, or whose rollout
//! stalled; Jobs failed; Services without ready endpoints; PVCs Pending; Nodes NotReady or under pressure.
//! Completed pods and suspended CronJobs are not problems. Pure: no I/O.

use serde_json::Value;

use crate::pod_facts::{Container, ContainerStatus, Pod};
use crate::relations::{self, KindKey, Snapshot, Target};

/// Worst last: the derived order sorts by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Health {
    Ok,
    /// Moving toward healthy (a rollout, a pod starting): not a problem yet.
    Pending,
    Bad,
}

/// A pod Pending this long is a problem (a scheduler or a kubelet is stuck).
pub const PENDING_GRACE_SECS: i64 = 60;
/// A container that crashed this recently is still restarting, even in the seconds it runs between
/// back-offs (a crash loop is not healthy while it happens to be up).
pub const RECENT_CRASH_SECS: i64 = 300;

pub(crate) fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn condition<'a>(obj: &'a Value, kind: &str) -> Option<&'a Value> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

fn since_secs(t: Option<&str>, now: jiff::Timestamp) -> Option<i64> {
    let t: jiff::Timestamp = t?.parse().ok()?;
    Some(now.duration_since(t).as_secs())
}

/// (STATUS word, health, detail) of an object of `kind` held as JSON (pods: [`pod_status`]).
pub fn status(kind: KindKey, obj: &Value, now: jiff::Timestamp) -> (String, Health, String) {
    match kind {
        relations::PODS => match Pod::from_value(obj) {
            Ok(pod) => pod_status(&pod, now),
            Err(_) => (String::new(), Health::Ok, String::new()),
        },
        relations::DEPLOYMENTS
        | relations::STATEFULSETS
        | relations::REPLICASETS
        | relations::DAEMONSETS => workload_status(kind, obj),
        relations::JOBS => job_status(obj),
        relations::SERVICES => (String::new(), Health::Ok, service_detail(obj)),
        relations::PVCS | relations::PVS => {
            let phase = obj["status"]["phase"].as_str().unwrap_or("Pending");
            let health = match phase {
                "Bound" | "Available" => Health::Ok,
                "Pending" => Health::Bad,
                _ => Health::Bad,
            };
            let detail = match obj["spec"]["storageClassName"].as_str() {
                Some(class) => format!("class {class}"),
                None => String::new(),
            };
            (phase.to_string(), health, detail)
        }
        relations::NODES => node_status(obj),
        relations::CRONJOBS => {
            let suspended = obj["spec"]["suspend"].as_bool() == Some(true);
            let schedule = obj["spec"]["schedule"].as_str().unwrap_or_default();
            (
                if suspended { "Suspended" } else { "" }.to_string(),
                Health::Ok,
                schedule.to_string(),
            )
        }
        _ => (String::new(), Health::Ok, String::new()),
    }
}

fn service_detail(svc: &Value) -> String {
    let ty = svc["spec"]["type"].as_str().unwrap_or("ClusterIP");
    let ports: Vec<String> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            format!(
                "{}/{}",
                int(&p["port"]),
                p["protocol"].as_str().unwrap_or("TCP")
            )
        })
        .collect();
    format!("{ty} {}", ports.join(","))
}

/// A Service's ready and total endpoints, from its EndpointSlices (`None`: no selector, nothing to count).
pub fn service_endpoints(snap: &Snapshot, svc: &Value) -> Option<(usize, usize)> {
    svc["spec"]["selector"]
        .as_object()
        .filter(|m| !m.is_empty())?;
    let svc_name = relations::name(svc);
    let ns = relations::namespace(svc);
    let (mut ready, mut total) = (0, 0);
    if snap.has(relations::ENDPOINT_SLICES) {
        for slice in snap.of(relations::ENDPOINT_SLICES).iter().filter(|s| {
            relations::namespace(s) == ns
                && s["metadata"]["labels"]["kubernetes.io/service-name"] == svc_name
        }) {
            for e in slice["endpoints"].as_array().into_iter().flatten() {
                total += 1;
                if e["conditions"]["ready"] != false {
                    ready += 1;
                }
            }
        }
    } else {
        for p in relations::selected_pods(snap, svc) {
            total += 1;
            if pod_ready(p) {
                ready += 1;
            }
        }
    }
    Some((ready, total))
}

pub fn pod_ready(pod: &Pod) -> bool {
    pod.status
        .ready
        .as_ref()
        .is_some_and(|c| c.status == "True")
}

/// (STATUS word, health, detail) of a pod.
pub fn pod_status(pod: &Pod, now: jiff::Timestamp) -> (String, Health, String) {
    let phase = pod.phase();
    let statuses = &pod.status.containers;
    let restarts: i64 = statuses.iter().map(|s| s.restart_count).sum();
    let ready = statuses.iter().filter(|s| s.ready).count();
    let mut detail = format!("{ready}/{} ready", statuses.len().max(1));
    if restarts > 0 {
        detail.push_str(&format!(", {restarts} restarts"));
    }
    if let Some(node) = &pod.spec.node_name {
        detail.push_str(&format!(", on {node}"));
    }
    if pod.metadata.deleting {
        return ("Terminating".into(), Health::Pending, detail);
    }
    for s in statuses.iter() {
        let waiting = s.state.waiting_reason();
        let last = s.last_state.terminated_reason();
        match waiting {
            Some("CrashLoopBackOff") if last == Some("OOMKilled") => {
                return ("OOMKilled".into(), Health::Bad, detail);
            }
            Some(
                r @ ("CrashLoopBackOff"
                | "ImagePullBackOff"
                | "ErrImagePull"
                | "InvalidImageName"
                | "CreateContainerConfigError"
                | "CreateContainerError"),
            ) => return (r.to_string(), Health::Bad, detail),
            _ => {}
        }
        if s.state.terminated_reason() == Some("OOMKilled") {
            return ("OOMKilled".into(), Health::Bad, detail);
        }
    }
    let crashed_recently = statuses.iter().find(|s| {
        s.last_state.terminated.as_ref().is_some_and(|last| {
            last.exit_code != 0
                && since_secs(last.finished_at.as_deref(), now)
                    .is_some_and(|t| t < RECENT_CRASH_SECS)
        })
    });
    if let Some(s) = crashed_recently
        && phase == "Running"
    {
        let word = if s.last_state.terminated_reason() == Some("OOMKilled") {
            "OOMKilled"
        } else {
            "Restarting"
        };
        return (word.into(), Health::Bad, detail);
    }
    match phase {
        "Succeeded" => ("Completed".into(), Health::Ok, detail),
        "Failed" => {
            let reason = pod.status.reason.as_deref().unwrap_or("Failed");
            (reason.to_string(), Health::Bad, detail)
        }
        "Pending" => {
            let unschedulable = pod.status.scheduled.as_ref().is_some_and(|c| {
                c.status == "False" && c.reason.as_deref() == Some("Unschedulable")
            });
            let waited = since_secs(pod.metadata.creation_timestamp.as_deref(), now).unwrap_or(0);
            let health = if unschedulable || waited > PENDING_GRACE_SECS {
                Health::Bad
            } else {
                Health::Pending
            };
            let word = if unschedulable {
                "Unschedulable"
            } else {
                statuses
                    .iter()
                    .find_map(|s| s.state.waiting_reason())
                    .unwrap_or("Pending")
            };
            (word.to_string(), health, detail)
        }
        "Running" if !pod_ready(pod) => ("NotReady".into(), Health::Bad, detail),
        other => (other.to_string(), Health::Ok, detail),
    }
}

/// (STATUS, health, detail) of a container, from its spec and its status.
pub fn container_status(
    spec: &Container,
    status: Option<&ContainerStatus>,
) -> (String, Health, String) {
    let image = spec.image.to_string();
    let Some(s) = status else {
        return ("Waiting".into(), Health::Pending, image);
    };
    let restarts = s.restart_count;
    let detail = if restarts > 0 {
        format!("{image}, {restarts} restarts")
    } else {
        image
    };
    if let Some(reason) = s.state.waiting_reason() {
        let health = if reason == "ContainerCreating" || reason == "PodInitializing" {
            Health::Pending
        } else {
            Health::Bad
        };
        return (reason.to_string(), health, detail);
    }
    if let Some(reason) = s.state.terminated_reason() {
        let health = if reason == "Completed" {
            Health::Ok
        } else {
            Health::Bad
        };
        return (reason.to_string(), health, detail);
    }
    if s.ready {
        ("Running".into(), Health::Ok, detail)
    } else {
        ("NotReady".into(), Health::Bad, detail)
    }
}

fn workload_status(kind: KindKey, obj: &Value) -> (String, Health, String) {
    let want = if kind == relations::DAEMONSETS {
        int(&obj["status"]["desiredNumberScheduled"])
    } else {
        obj["spec"]["replicas"].as_i64().unwrap_or(1)
    };
    let ready = if kind == relations::DAEMONSETS {
        int(&obj["status"]["numberReady"])
    } else {
        int(&obj["status"]["readyReplicas"])
    };
    let detail = format!("{ready}/{want} ready");
    if let Some(p) = condition(obj, "Progressing")
        && p["reason"] == "ProgressDeadlineExceeded"
    {
        return ("ProgressDeadlineExceeded".into(), Health::Bad, detail);
    }
    if ready >= want {
        return ("Ready".into(), Health::Ok, detail);
    }
    // Mid-rollout: not every pod is of the new template yet, or old ones still run beside them.
    let mid_rollout = match kind {
        relations::DEPLOYMENTS => {
            let updated = int(&obj["status"]["updatedReplicas"]);
            updated < want || int(&obj["status"]["replicas"]) > updated
        }
        relations::STATEFULSETS => {
            obj["status"]["updateRevision"] != obj["status"]["currentRevision"]
        }
        relations::DAEMONSETS => int(&obj["status"]["updatedNumberScheduled"]) < want,
        _ => false,
    };
    if mid_rollout {
        ("Progressing".into(), Health::Pending, detail)
    } else {
        ("Degraded".into(), Health::Bad, detail)
    }
}

fn job_status(job: &Value) -> (String, Health, String) {
    let detail = format!(
        "{} succeeded, {} failed",
        int(&job["status"]["succeeded"]),
        int(&job["status"]["failed"])
    );
    if let Some(c) = condition(job, "Failed").filter(|c| c["status"] == "True") {
        let reason = c["reason"].as_str().unwrap_or("Failed");
        return (reason.to_string(), Health::Bad, detail);
    }
    if condition(job, "Complete").is_some_and(|c| c["status"] == "True") {
        return ("Complete".into(), Health::Ok, detail);
    }
    ("Running".into(), Health::Ok, detail)
}

fn node_status(node: &Value) -> (String, Health, String) {
    let detail = node["status"]["nodeInfo"]["kubeletVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if !condition(node, "Ready").is_some_and(|c| c["status"] == "True") {
        return ("NotReady".into(), Health::Bad, detail);
    }
    for pressure in ["MemoryPressure", "DiskPressure", "PIDPressure"] {
        if condition(node, pressure).is_some_and(|c| c["status"] == "True") {
            return (pressure.into(), Health::Bad, detail);
        }
    }
    if node["spec"]["unschedulable"] == true {
        return ("SchedulingDisabled".into(), Health::Pending, detail);
    }
    ("Ready".into(), Health::Ok, detail)
}

/// One unhealthy object.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub target: Target,
    pub status: String,
    /// One line: why it is unhealthy.
    pub reason: String,
    /// When it became so (the relevant condition's or state's time), if the object says.
    pub since: Option<String>,
    pub severity: u8,
}

/// The kinds `problems` reads.
pub const PROBLEM_KINDS: &[KindKey] = &[
    relations::PODS,
    relations::DEPLOYMENTS,
    relations::STATEFULSETS,
    relations::DAEMONSETS,
    relations::JOBS,
    relations::SERVICES,
    relations::ENDPOINT_SLICES,
    relations::PVCS,
    relations::NODES,
];

/// Every unhealthy object of the snapshot, most severe first, then by kind, namespace and name.
pub fn problems(snap: &Snapshot, now: jiff::Timestamp) -> Vec<Problem> {
    let mut out = vec![];
    for pod in snap.pods() {
        if let Some(p) = pod_problem(pod, now) {
            out.push(p);
        }
    }
    for &kind in PROBLEM_KINDS {
        if kind == relations::ENDPOINT_SLICES || kind == relations::PODS {
            continue;
        }
        for obj in snap.of(kind) {
            if let Some(p) = problem(snap, kind, obj, now) {
                out.push(p);
            }
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.target.cmp(&b.target))
    });
    out
}

/// The severity of a bad STATUS word.
fn severity(kind: KindKey, status: &str) -> u8 {
    match status {
        "NotReady" if kind == relations::NODES => 5,
        "CrashLoopBackOff" | "OOMKilled" | "Restarting" | "Failed" | "Error" => 4,
        "ProgressDeadlineExceeded" | "Degraded" | "BackoffLimitExceeded" => 3,
        _ => 2,
    }
}

fn pod_problem(pod: &Pod, now: jiff::Timestamp) -> Option<Problem> {
    let (status, health, detail) = pod_status(pod, now);
    if health != Health::Bad {
        return None;
    }
    let (reason, since) = pod_reason(pod, &status, detail);
    Some(Problem {
        target: relations::pod_target(pod),
        severity: severity(relations::PODS, &status),
        status,
        reason,
        since,
    })
}

/// A one-line reason for a pod's bad status and the time it dates from.
fn pod_reason(pod: &Pod, status: &str, detail: String) -> (String, Option<String>) {
    let text = |v: Option<&str>| v.map(str::to_string);
    let statuses = &pod.status.containers;
    let bad = statuses.iter().find(|s| !s.ready);
    let last = bad.and_then(|s| s.last_state.terminated.as_ref());
    match status {
        "CrashLoopBackOff" | "OOMKilled" | "Restarting" => {
            let reason = format!(
                "{} restarting: last exit {} ({}), {detail}",
                bad.map_or("container", |s| s.name.as_str()),
                last.map_or(0, |t| t.exit_code),
                last.and_then(|t| t.reason.as_deref()).unwrap_or("unknown"),
            );
            (reason, text(last.and_then(|t| t.finished_at.as_deref())))
        }
        "Unschedulable" => {
            let c = pod.status.scheduled.as_ref();
            (
                c.and_then(|c| c.message.as_deref())
                    .unwrap_or("cannot be scheduled")
                    .to_string(),
                text(c.and_then(|c| c.last_transition_time.as_deref())),
            )
        }
        "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => {
            let s = statuses
                .iter()
                .find(|s| s.state.waiting_reason() == Some(status));
            let image = s.map_or("", |s| s.image.as_str());
            (
                format!("cannot pull image {image}"),
                text(pod.status.start_time.as_deref()),
            )
        }
        "NotReady" => (
            format!("running but not ready ({detail})"),
            text(
                pod.status
                    .ready
                    .as_ref()
                    .and_then(|c| c.last_transition_time.as_deref()),
            ),
        ),
        _ => (
            format!("{status} ({detail})"),
            text(pod.metadata.creation_timestamp.as_deref()),
        ),
    }
}

fn problem(snap: &Snapshot, kind: KindKey, obj: &Value, now: jiff::Timestamp) -> Option<Problem> {
    let target = Target::object(
        kind.0,
        kind.1,
        obj["kind"].as_str().unwrap_or_default(),
        relations::namespace(obj),
        relations::name(obj),
    );
    let (status, reason, since, severity) = if kind == relations::SERVICES {
        let (ready, total) = service_endpoints(snap, obj)?;
        if ready > 0 {
            return None;
        }
        let reason = if total == 0 {
            "selector matches no pods".to_string()
        } else {
            format!("none of its {total} endpoints is ready")
        };
        ("NoEndpoints".to_string(), reason, None, 2)
    } else {
        let (status, health, detail) = self::status(kind, obj, now);
        if health != Health::Bad {
            return None;
        }
        let (reason, since) = explain_status(kind, obj, &status, detail);
        let severity = severity(kind, &status);
        (status, reason, since, severity)
    };
    Some(Problem {
        target,
        status,
        reason,
        since,
        severity,
    })
}

/// A one-line reason for a bad status and the time it dates from.
fn explain_status(
    kind: KindKey,
    obj: &Value,
    status: &str,
    detail: String,
) -> (String, Option<String>) {
    let text = |v: &Value| v.as_str().map(str::to_string);
    match kind {
        relations::DEPLOYMENTS
        | relations::STATEFULSETS
        | relations::DAEMONSETS
        | relations::REPLICASETS => {
            let c = condition(obj, "Progressing")
                .cloned()
                .unwrap_or(Value::Null);
            if status == "ProgressDeadlineExceeded" {
                (
                    format!(
                        "rollout stalled: {} ({detail})",
                        c["message"].as_str().unwrap_or_default()
                    ),
                    text(&c["lastTransitionTime"]),
                )
            } else {
                let a = condition(obj, "Available").cloned().unwrap_or(Value::Null);
                (
                    format!("fewer ready than desired: {detail}"),
                    text(&a["lastTransitionTime"]),
                )
            }
        }
        relations::JOBS => {
            let c = condition(obj, "Failed").cloned().unwrap_or(Value::Null);
            (
                c["message"].as_str().unwrap_or("failed").to_string(),
                text(&c["lastTransitionTime"]),
            )
        }
        relations::PVCS => (
            format!("claim not bound ({detail})"),
            text(&obj["metadata"]["creationTimestamp"]),
        ),
        relations::NODES => {
            let c = condition(
                obj,
                if status == "NotReady" {
                    "Ready"
                } else {
                    status
                },
            )
            .cloned()
            .unwrap_or(Value::Null);
            (
                c["message"].as_str().unwrap_or(status).to_string(),
                text(&c["lastTransitionTime"]),
            )
        }
        _ => (detail, None),
    }
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;
