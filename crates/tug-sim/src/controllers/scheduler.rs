//! The scheduler: binds pending pods to the least-loaded Ready node that fits (nodeSelector, taints, cpu
//! requests); pods that fit nowhere stay Pending with `PodScheduled=False` and a FailedScheduling event.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Ctx, is_deleting, name, namespace};

pub fn reconcile(ctx: &mut Ctx) {
    let pods_res = ctx.kinds.pods.clone();
    let pending = ctx.pods_in(super::POD_ATTENTION, super::YES, |p| {
        !p["spec"]["nodeName"].is_string() && !is_deleting(p) && p["status"]["phase"] == "Pending"
    });
    if pending.is_empty() {
        return;
    }
    let nodes = ctx.store.list(&ctx.kinds.nodes, None, |_| true);
    // Per node: pods bound and cpu requested (only pods with requests are read: the load pods have none).
    let mut load: BTreeMap<String, (usize, i64)> = nodes
        .iter()
        .map(|n| {
            let node = name(n);
            let count = ctx
                .store
                .count_indexed(&pods_res, super::POD_NODE, node)
                .unwrap_or_default();
            let cpu = ctx
                .pods_in(super::POD_NODE_REQUESTS, node, |p| {
                    p["spec"]["nodeName"] == node
                })
                .iter()
                .map(|p| cpu_request_millis(p))
                .sum();
            (node.to_string(), (count, cpu))
        })
        .collect();
    for pod in pending {
        let want_cpu = cpu_request_millis(&pod);
        let mut best: Option<(&Value, usize)> = None;
        for node in &nodes {
            if !node_fits(node, &pod) {
                continue;
            }
            let (count, used) = load.get(name(node)).copied().unwrap_or_default();
            let cap = cpu_millis(&node["status"]["allocatable"]["cpu"]);
            if cap > 0 && used + want_cpu > cap {
                continue;
            }
            if best.is_none_or(|(_, c)| count < c) {
                best = Some((node, count));
            }
        }
        match best {
            Some((node, _)) => {
                let node_name = name(node).to_string();
                let now = ctx.now_str();
                let bound = ctx.update(&ctx.kinds.pods.clone(), &pod, |p| {
                    p["spec"]["nodeName"] = json!(node_name);
                    set_condition(p, "PodScheduled", "True", None, None, &now);
                });
                if let Ok(bound) = bound {
                    if let Some(l) = load.get_mut(&node_name) {
                        l.0 += 1;
                        l.1 += want_cpu;
                    }
                    let msg = format!(
                        "Successfully assigned {}/{} to {node_name}",
                        namespace(&pod),
                        name(&pod)
                    );
                    ctx.event(&bound, "Normal", "Scheduled", "default-scheduler", msg);
                }
            }
            None => {
                let already = pod["status"]["conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == "PodScheduled" && c["reason"] == "Unschedulable");
                if already {
                    continue;
                }
                let msg = unschedulable_message(&nodes, &pod);
                let now = ctx.now_str();
                let m = msg.clone();
                if let Ok(p) = ctx.update(&ctx.kinds.pods.clone(), &pod, |p| {
                    set_condition(
                        p,
                        "PodScheduled",
                        "False",
                        Some("Unschedulable"),
                        Some(&m),
                        &now,
                    );
                }) {
                    ctx.event(&p, "Warning", "FailedScheduling", "default-scheduler", msg);
                }
            }
        }
    }
}

/// The scheduler's summary, e.g. `0/3 nodes are available: 1 node(s) had untolerated taint
/// {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector.`
fn unschedulable_message(nodes: &[std::sync::Arc<Value>], pod: &Value) -> String {
    let mut tainted = 0;
    let mut selector = 0;
    let mut other = 0;
    for n in nodes {
        if untolerated_taint(n, pod).is_some() {
            tainted += 1;
        } else if !selector_matches(n, pod) {
            selector += 1;
        } else {
            other += 1;
        }
    }
    let mut parts = vec![];
    if tainted > 0 {
        parts.push(format!(
            "{tainted} node(s) had untolerated taint {{node-role.kubernetes.io/control-plane: }}"
        ));
    }
    if selector > 0 {
        parts.push(format!(
            "{selector} node(s) didn't match Pod's node affinity/selector"
        ));
    }
    if other > 0 {
        parts.push(format!("{other} Insufficient cpu"));
    }
    format!(
        "0/{} nodes are available: {}. preemption: 0/{} nodes are available: {} Preemption is not helpful for scheduling.",
        nodes.len(),
        parts.join(", "),
        nodes.len(),
        nodes.len()
    )
}

pub fn node_fits(node: &Value, pod: &Value) -> bool {
    let ready = node["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True");
    ready
        && node["spec"]["unschedulable"].as_bool() != Some(true)
        && selector_matches(node, pod)
        && untolerated_taint(node, pod).is_none()
}

fn selector_matches(node: &Value, pod: &Value) -> bool {
    pod["spec"]["nodeSelector"]
        .as_object()
        .into_iter()
        .flatten()
        .all(|(k, v)| node["metadata"]["labels"][k] == *v)
}

fn untolerated_taint<'a>(node: &'a Value, pod: &Value) -> Option<&'a Value> {
    let tolerations = pod["spec"]["tolerations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    node["spec"]["taints"].as_array()?.iter().find(|t| {
        let effect = t["effect"].as_str().unwrap_or_default();
        if effect != "NoSchedule" && effect != "NoExecute" {
            return false;
        }
        !tolerations.iter().any(|tol| {
            let key_ok = tol["key"].is_null() || tol["key"] == t["key"];
            let op_exists = tol["operator"] == "Exists";
            let value_ok = op_exists || tol["value"] == t["value"];
            let effect_ok = tol["effect"].is_null() || tol["effect"] == t["effect"];
            key_ok && value_ok && effect_ok && (op_exists || !tol["key"].is_null())
        })
    })
}

pub fn cpu_request_millis(pod: &Value) -> i64 {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| cpu_millis(&c["resources"]["requests"]["cpu"]))
        .sum()
}

/// `500m` → 500, `2` → 2000.
pub fn cpu_millis(v: &Value) -> i64 {
    match v {
        Value::String(s) => match s.strip_suffix('m') {
            Some(m) => m.parse().unwrap_or(0),
            None => s.parse::<f64>().map(|c| (c * 1000.0) as i64).unwrap_or(0),
        },
        Value::Number(n) => (n.as_f64().unwrap_or(0.0) * 1000.0) as i64,
        _ => 0,
    }
}

/// Sets (or replaces) a pod condition, keeping lastTransitionTime when the status does not change.
pub fn set_condition(
    pod: &mut Value,
    kind: &str,
    status: &str,
    reason: Option<&str>,
    message: Option<&str>,
    now: &str,
) {
    if !pod["status"]["conditions"].is_array() {
        pod["status"]["conditions"] = json!([]);
    }
    let Some(conds) = pod["status"]["conditions"].as_array_mut() else {
        return;
    };
    let mut cond =
        json!({"type": kind, "status": status, "lastProbeTime": null, "lastTransitionTime": now});
    if let Some(r) = reason {
        cond["reason"] = json!(r);
    }
    if let Some(m) = message {
        cond["message"] = json!(m);
    }
    match conds.iter_mut().find(|c| c["type"] == kind) {
        Some(c) => {
            if c["status"] == status {
                cond["lastTransitionTime"] = c["lastTransitionTime"].clone();
            }
            *c = cond;
        }
        None => conds.push(cond),
    }
}
