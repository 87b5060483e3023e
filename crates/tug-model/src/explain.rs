//! Explain: a deterministic diagnosis of one object, each finding with the evidence quoted from the cluster
//! (conditions, container states, events, the previous container's last log lines) and what to look at next.
//! Pending pods (the scheduler's words, the selectors and requests that do not fit), crash loops, image pulls,
//! OOM kills (limit vs last usage where metrics exist), failing probes, stalled rollouts (with the new
//! ReplicaSet's pods diagnosed in turn), Services without (ready) endpoints, Pending claims, Nodes NotReady or
//! under pressure, Jobs past their backoffLimit. Pure: the cluster layer gathers, this only reads.

use serde_json::Value;

use crate::health::{self, Health};
use crate::pod_facts::Pod;
use crate::relations::{self, KindKey, Snapshot, Target};

/// One finding: what is wrong, the quoted evidence, and the objects to look at next.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The object it is about.
    pub subject: Target,
    /// A STATUS word (`CrashLoopBackOff`), as the tree colours it.
    pub status: String,
    pub title: String,
    pub evidence: Vec<String>,
    pub next: Vec<Target>,
}

/// What explain reads beside the snapshot.
#[derive(Debug, Default, Clone)]
pub struct Evidence<'a> {
    /// Events of the object's namespace.
    pub events: &'a [Value],
    /// (pod, container) → the previous instance's last log lines.
    pub previous_logs: &'a [((String, String), Vec<String>)],
}

/// The kinds explain reads for an object of `kind` (besides the object's own kind).
pub fn kinds_for(kind: KindKey) -> &'static [KindKey] {
    match kind {
        relations::PODS => &[relations::PODS, relations::NODES],
        relations::DEPLOYMENTS => &[
            relations::DEPLOYMENTS,
            relations::REPLICASETS,
            relations::PODS,
        ],
        relations::STATEFULSETS | relations::DAEMONSETS | relations::REPLICASETS => {
            &[relations::PODS]
        }
        relations::SERVICES => &[
            relations::SERVICES,
            relations::PODS,
            relations::ENDPOINT_SLICES,
        ],
        relations::PVCS => &[relations::PVCS, relations::STORAGE_CLASSES, relations::PVS],
        relations::NODES => &[relations::NODES],
        relations::JOBS => &[relations::JOBS, relations::PODS],
        _ => &[],
    }
}

/// The pods whose previous logs the explanation of `target` may quote (the object itself, or the pods of a
/// workload or Service), in the snapshot's order.
pub fn pods_of<'a>(snap: &'a Snapshot, target: &Target) -> Vec<&'a Pod> {
    let ns = target.namespace.as_str();
    let in_ns = snap
        .pods()
        .iter()
        .filter(move |p| p.metadata.namespace == ns);
    if target.is(relations::PODS) {
        return in_ns.filter(|p| p.metadata.name == target.name).collect();
    }
    let Some(obj) = find(snap, target) else {
        return vec![];
    };
    if target.is(relations::SERVICES) {
        return relations::selected_pods(snap, obj).collect();
    }
    let selector = &obj["spec"]["selector"];
    if selector.is_object() {
        let sel = relations::LabelSelector::new(selector);
        return in_ns.filter(|p| sel.matches(*p)).collect();
    }
    vec![]
}

fn find<'a>(snap: &'a Snapshot, t: &Target) -> Option<&'a Value> {
    snap.of_kind(&t.group, &t.plural)
        .iter()
        .find(|o| relations::namespace(o) == t.namespace && relations::name(o) == t.name)
}

fn key_of(t: &Target) -> Option<KindKey> {
    [
        relations::PODS,
        relations::DEPLOYMENTS,
        relations::STATEFULSETS,
        relations::DAEMONSETS,
        relations::REPLICASETS,
        relations::SERVICES,
        relations::PVCS,
        relations::NODES,
        relations::JOBS,
    ]
    .into_iter()
    .find(|k| t.is(*k))
}

/// The findings about `target`; one "no problem found" finding when it is healthy.
pub fn explain(
    snap: &Snapshot,
    target: &Target,
    ev: &Evidence,
    now: jiff::Timestamp,
) -> Vec<Finding> {
    let not_found = || {
        vec![Finding {
            subject: target.clone(),
            status: "NotFound".into(),
            title: format!("{} {} was not found", target.kind, target.name),
            evidence: vec![],
            next: vec![],
        }]
    };
    if target.is(relations::PODS) {
        let Some(p) = snap.find_pod(&target.namespace, &target.name) else {
            return not_found();
        };
        let mut out = pod(snap, target, p, ev);
        if out.is_empty() {
            out.push(healthy(target, health::pod_status(p, now)));
        }
        return out;
    }
    let Some(obj) = find(snap, target) else {
        return not_found();
    };
    let kind = key_of(target);
    let mut out = match kind {
        Some(relations::DEPLOYMENTS) => deployment(snap, target, obj, ev, now),
        Some(k @ (relations::STATEFULSETS | relations::DAEMONSETS | relations::REPLICASETS)) => {
            workload(snap, k, target, obj, ev, now)
        }
        Some(relations::SERVICES) => service(snap, target, obj, ev),
        Some(relations::PVCS) => claim(snap, target, obj, ev),
        Some(relations::NODES) => node(target, obj),
        Some(relations::JOBS) => job(snap, target, obj, ev),
        _ => vec![],
    };
    if out.is_empty() {
        out.push(healthy(
            target,
            health::status(kind.unwrap_or(("", "")), obj, now),
        ));
    }
    out
}

/// The one finding about a healthy object.
fn healthy(target: &Target, (status, _, detail): (String, Health, String)) -> Finding {
    Finding {
        subject: target.clone(),
        status: if status.is_empty() {
            "Ok".into()
        } else {
            status
        },
        title: format!("no problem found ({detail})"),
        evidence: vec![],
        next: vec![],
    }
}

fn quote(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// Warning events about an object, oldest first, as `reason: message (×count)`.
fn warnings(ev: &Evidence, kind: &str, name: &str) -> Vec<String> {
    let mut found: Vec<&Value> = ev
        .events
        .iter()
        .filter(|e| {
            e["involvedObject"]["kind"] == kind
                && e["involvedObject"]["name"] == name
                && e["type"] == "Warning"
        })
        .collect();
    found.sort_by(|a, b| quote(&a["lastTimestamp"]).cmp(&quote(&b["lastTimestamp"])));
    found
        .iter()
        .map(|e| {
            let count = health::int(&e["count"]);
            let times = if count > 1 {
                format!(" (×{count})")
            } else {
                String::new()
            };
            format!(
                "event {}: {}{times}",
                quote(&e["reason"]),
                quote(&e["message"])
            )
        })
        .collect()
}

fn pod_target(pod: &Pod) -> Target {
    relations::pod_target(pod)
}

fn owner_target(pod: &Pod) -> Option<Target> {
    let o = pod
        .metadata
        .owner_references
        .iter()
        .find(|o| o.controller)?;
    let kind = o.kind.as_str();
    let (group, plural) = match kind {
        "ReplicaSet" => ("apps", "replicasets"),
        "StatefulSet" => ("apps", "statefulsets"),
        "DaemonSet" => ("apps", "daemonsets"),
        "Job" => ("batch", "jobs"),
        _ => return None,
    };
    Some(Target::object(
        group,
        plural,
        kind,
        &pod.metadata.namespace,
        &o.name,
    ))
}

fn pod(snap: &Snapshot, t: &Target, pod: &Pod, ev: &Evidence) -> Vec<Finding> {
    let mut out = vec![];
    let name = pod.metadata.name.as_str();
    let events = warnings(ev, "Pod", name);
    let finding = |status: &str, title: String, evidence: Vec<String>, next: Vec<Target>| Finding {
        subject: t.clone(),
        status: status.into(),
        title,
        evidence,
        next,
    };
    let text = |v: &Option<crate::pod_facts::Str>| v.as_deref().unwrap_or_default().to_string();
    if let Some(c) = pod
        .status
        .scheduled
        .as_ref()
        .filter(|c| c.status == "False")
    {
        let mut evidence = vec![format!(
            "condition PodScheduled=False ({}): {}",
            text(&c.reason),
            text(&c.message)
        )];
        evidence.extend(
            events
                .iter()
                .filter(|e| e.contains("FailedScheduling"))
                .cloned(),
        );
        let nodes = snap.of(relations::NODES);
        for (k, v) in &pod.spec.node_selector {
            let matching = nodes
                .iter()
                .filter(|n| n["metadata"]["labels"][k.as_str()] == v.as_str())
                .count();
            evidence.push(format!(
                "nodeSelector {k}={v}: {matching} of {} nodes have this label",
                nodes.len()
            ));
        }
        for c in &pod.spec.containers {
            if !c.requests.is_empty() {
                let asked: Vec<String> =
                    c.requests.iter().map(|(k, v)| format!("{k} {v}")).collect();
                evidence.push(format!(
                    "container {} requests {}",
                    c.name,
                    asked.join(", ")
                ));
            }
        }
        let next = vec![Target::object("", "nodes", "Node", "", "")];
        out.push(finding(
            "Unschedulable",
            "Pending: the scheduler cannot place it".into(),
            evidence,
            next,
        ));
    }
    for s in &pod.status.containers {
        let cname = s.name.to_string();
        let spec = pod.spec.containers.iter().find(|c| c.name == cname);
        let waiting = s.state.waiting_reason().unwrap_or_default();
        let last = s.last_state.terminated.clone().unwrap_or_default();
        let restarts = s.restart_count;
        let mut container_target = t.clone();
        container_target.container = Some(cname.clone());
        if last.reason.as_deref() == Some("OOMKilled")
            || s.state.terminated_reason() == Some("OOMKilled")
        {
            let limit = spec
                .and_then(|c| c.memory_limit.as_deref())
                .unwrap_or("none");
            let evidence = vec![
                format!(
                    "container {cname}: last terminated OOMKilled, exit code {} at {}",
                    last.exit_code,
                    text(&last.finished_at)
                ),
                format!("memory limit {limit}, last usage n/a (no metrics)"),
                format!("restarted {restarts} times"),
            ];
            out.push(finding(
                "OOMKilled",
                format!("container {cname} is killed for memory"),
                evidence,
                vec![container_target.clone()],
            ));
            continue;
        }
        let crashed = restarts > 0 && last.exit_code != 0;
        match waiting {
            "CrashLoopBackOff" | "" if waiting == "CrashLoopBackOff" || crashed => {
                let state = if waiting.is_empty() {
                    "running again after a crash".to_string()
                } else {
                    format!("waiting CrashLoopBackOff: {}", s.state.waiting_message())
                };
                let mut evidence = vec![
                    format!("container {cname}: {state}"),
                    format!(
                        "last termination: reason {}, exit code {}, finished {}",
                        last.reason.as_deref().unwrap_or("unknown"),
                        last.exit_code,
                        text(&last.finished_at)
                    ),
                    format!("restarted {restarts} times"),
                ];
                if let Some((_, lines)) = ev
                    .previous_logs
                    .iter()
                    .find(|((p, c), _)| p == name && *c == cname)
                {
                    evidence.push("previous container's last log lines:".into());
                    evidence.extend(lines.iter().map(|l| format!("  | {l}")));
                }
                evidence.extend(events.iter().filter(|e| e.contains("BackOff")).cloned());
                out.push(finding(
                    "CrashLoopBackOff",
                    format!("container {cname} keeps crashing"),
                    evidence,
                    vec![container_target],
                ));
            }
            "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => {
                let image = s.image.as_str();
                let mut evidence = vec![format!(
                    "container {cname}: waiting {waiting}: {}",
                    s.state.waiting_message()
                )];
                evidence.extend(
                    events
                        .iter()
                        .filter(|e| e.contains("pull") || e.contains("Pull"))
                        .cloned(),
                );
                let next = owner_target(pod).into_iter().collect();
                out.push(finding(
                    waiting,
                    format!("image {image} cannot be pulled"),
                    evidence,
                    next,
                ));
            }
            _ => {}
        }
    }
    let probes: Vec<String> = events
        .iter()
        .filter(|e| e.contains("Unhealthy"))
        .cloned()
        .collect();
    if out.is_empty()
        && (!probes.is_empty() || (pod.phase() == "Running" && !health::pod_ready(pod)))
    {
        let mut evidence = vec!["condition Ready=False".to_string()];
        evidence.extend(probes);
        out.push(finding(
            "NotReady",
            "running but not ready (probes failing)".into(),
            evidence,
            vec![],
        ));
    }
    if out.is_empty() && pod.phase() == "Failed" {
        out.push(finding(
            "Failed",
            format!(
                "pod failed: {}",
                pod.status
                    .reason
                    .as_deref()
                    .unwrap_or("containers exited with errors")
            ),
            vec![text(&pod.status.message)],
            owner_target(pod).into_iter().collect(),
        ));
    }
    out
}

fn unhealthy_pods(snap: &Snapshot, pods: &[&Pod], ev: &Evidence) -> Vec<Finding> {
    pods.iter()
        .filter(|p| !health::pod_ready(p) && p.phase() != "Succeeded")
        .flat_map(|p| pod(snap, &pod_target(p), p, ev))
        .collect()
}

fn deployment(
    snap: &Snapshot,
    t: &Target,
    d: &Value,
    ev: &Evidence,
    now: jiff::Timestamp,
) -> Vec<Finding> {
    let (status, health, detail) = health::status(relations::DEPLOYMENTS, d, now);
    if health == Health::Ok {
        return vec![];
    }
    let progressing = d["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Progressing")
        .cloned()
        .unwrap_or(Value::Null);
    let uid = d["metadata"]["uid"].as_str().unwrap_or_default();
    let sets: Vec<&Value> = snap
        .of(relations::REPLICASETS)
        .iter()
        .filter(|rs| {
            rs["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|o| o["uid"] == uid)
        })
        .collect();
    // The new ReplicaSet: the one the condition names, else the highest revision.
    let new_rs = sets
        .iter()
        .find(|rs| quote(&progressing["message"]).contains(&format!("\"{}\"", relations::name(rs))))
        .or_else(|| {
            sets.iter().max_by_key(|rs| {
                rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                    .as_str()
                    .and_then(|r| r.parse::<i64>().ok())
                    .unwrap_or(0)
            })
        })
        .copied();
    let mut evidence = vec![format!(
        "condition Progressing={} ({}): {}",
        quote(&progressing["status"]),
        quote(&progressing["reason"]),
        quote(&progressing["message"])
    )];
    evidence.push(detail);
    let mut next = vec![];
    let mut nested = vec![];
    if let Some(rs) = new_rs {
        let rs_uid = rs["metadata"]["uid"].as_str().unwrap_or_default();
        let pods: Vec<&Pod> = snap
            .pods()
            .iter()
            .filter(|p| p.metadata.owner_references.iter().any(|o| o.uid == rs_uid))
            .collect();
        let unavailable: Vec<&Pod> = pods
            .iter()
            .filter(|p| !health::pod_ready(p))
            .copied()
            .collect();
        evidence.push(format!(
            "new ReplicaSet {}: {} of {} pods unavailable",
            relations::name(rs),
            unavailable.len(),
            pods.len()
        ));
        next.push(Target::object(
            "apps",
            "replicasets",
            "ReplicaSet",
            &t.namespace,
            relations::name(rs),
        ));
        next.extend(unavailable.iter().map(|p| pod_target(p)));
        nested = unhealthy_pods(snap, &unavailable, ev);
    }
    let title = if status == "ProgressDeadlineExceeded" {
        "the rollout stalled: no progress within progressDeadlineSeconds".to_string()
    } else {
        format!("fewer pods ready than desired ({status})")
    };
    let mut out = vec![Finding {
        subject: t.clone(),
        status,
        title,
        evidence,
        next,
    }];
    out.extend(nested);
    out
}

fn workload(
    snap: &Snapshot,
    kind: KindKey,
    t: &Target,
    obj: &Value,
    ev: &Evidence,
    now: jiff::Timestamp,
) -> Vec<Finding> {
    let (status, health, detail) = health::status(kind, obj, now);
    if health == Health::Ok {
        return vec![];
    }
    let pods = pods_of(snap, t);
    let bad: Vec<&Pod> = pods
        .iter()
        .filter(|p| !health::pod_ready(p))
        .copied()
        .collect();
    let mut out = vec![Finding {
        subject: t.clone(),
        status,
        title: format!("fewer pods ready than desired ({detail})"),
        evidence: vec![format!("{} of {} pods not ready", bad.len(), pods.len())],
        next: bad.iter().map(|p| pod_target(p)).collect(),
    }];
    out.extend(unhealthy_pods(snap, &bad, ev));
    out
}

fn service(snap: &Snapshot, t: &Target, svc: &Value, ev: &Evidence) -> Vec<Finding> {
    let Some((ready, total)) = health::service_endpoints(snap, svc) else {
        return vec![];
    };
    if ready > 0 {
        return vec![];
    }
    let selector: Vec<String> = svc["spec"]["selector"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    let pods: Vec<&Pod> = relations::selected_pods(snap, svc).collect();
    let (status, title) = if pods.is_empty() {
        ("NoEndpoints", "the selector matches no pods")
    } else {
        ("NoEndpoints", "no pod it selects is ready")
    };
    let mut out = vec![Finding {
        subject: t.clone(),
        status: status.into(),
        title: title.into(),
        evidence: vec![
            format!("selector {}", selector.join(",")),
            format!(
                "{} pods match, {ready} of {total} endpoints ready",
                pods.len()
            ),
        ],
        next: if pods.is_empty() {
            vec![Target::object("", "pods", "Pod", &t.namespace, "")]
        } else {
            pods.iter().map(|p| pod_target(p)).collect()
        },
    }];
    out.extend(unhealthy_pods(snap, &pods, ev));
    out
}

fn claim(snap: &Snapshot, t: &Target, pvc: &Value, ev: &Evidence) -> Vec<Finding> {
    if pvc["status"]["phase"] == "Bound" {
        return vec![];
    }
    let mut evidence = vec![format!(
        "phase {}",
        pvc["status"]["phase"].as_str().unwrap_or("Pending")
    )];
    let mut next = vec![];
    if let Some(class) = pvc["spec"]["storageClassName"].as_str() {
        let exists = snap
            .of(relations::STORAGE_CLASSES)
            .iter()
            .any(|c| relations::name(c) == class);
        if snap.has(relations::STORAGE_CLASSES) && !exists {
            evidence.push(format!("StorageClass {class} does not exist"));
        } else {
            evidence.push(format!("StorageClass {class}"));
        }
        next.push(Target::object(
            "storage.k8s.io",
            "storageclasses",
            "StorageClass",
            "",
            "",
        ));
    }
    let available = snap
        .of(relations::PVS)
        .iter()
        .filter(|pv| pv["status"]["phase"] == "Available")
        .count();
    evidence.push(format!("{available} PersistentVolumes available to bind"));
    evidence.extend(warnings(ev, "PersistentVolumeClaim", &t.name));
    vec![Finding {
        subject: t.clone(),
        status: "Pending".into(),
        title: "the claim is not bound to a volume".into(),
        evidence,
        next,
    }]
}

fn node(t: &Target, n: &Value) -> Vec<Finding> {
    let conditions = n["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut out = vec![];
    for c in &conditions {
        let ty = quote(&c["type"]);
        let bad =
            (ty == "Ready" && c["status"] != "True") || (ty != "Ready" && c["status"] == "True");
        if bad {
            out.push(Finding {
                subject: t.clone(),
                status: if ty == "Ready" {
                    "NotReady".into()
                } else {
                    ty.clone()
                },
                title: format!("condition {ty}={}", quote(&c["status"])),
                evidence: vec![format!("{}: {}", quote(&c["reason"]), quote(&c["message"]))],
                next: vec![Target::object("", "pods", "Pod", "", "")],
            });
        }
    }
    out
}

fn job(snap: &Snapshot, t: &Target, j: &Value, ev: &Evidence) -> Vec<Finding> {
    let Some(c) = j["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Failed" && c["status"] == "True")
    else {
        return vec![];
    };
    let pods = pods_of(snap, t);
    let failed: Vec<&Pod> = pods
        .iter()
        .filter(|p| p.phase() == "Failed")
        .copied()
        .collect();
    let mut evidence = vec![
        format!(
            "condition Failed ({}): {}",
            quote(&c["reason"]),
            quote(&c["message"])
        ),
        format!(
            "{} failed pods, backoffLimit {}",
            health::int(&j["status"]["failed"]),
            j["spec"]["backoffLimit"].as_i64().unwrap_or(6)
        ),
    ];
    evidence.extend(warnings(ev, "Job", &t.name));
    let mut out = vec![Finding {
        subject: t.clone(),
        status: quote(&c["reason"]),
        title: "the job failed".into(),
        evidence,
        next: failed.iter().map(|p| pod_target(p)).collect(),
    }];
    out.extend(
        failed
            .iter()
            .take(1)
            .flat_map(|p| pod(snap, &pod_target(p), p, ev)),
    );
    out
}

#[cfg(test)]
#[path = "explain_tests.rs"]
mod tests;
