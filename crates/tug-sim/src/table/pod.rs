//! The pod printer: kubectl's `printPod` — readiness, the status reason (init containers, sidecars, signals,
//! terminating), restarts with the time of the last one, and the wide columns.

use serde_json::{Value, json};

use tug_model::duration::human_duration;

use super::{AGE, Column, NAME, Printer, Row, int, items, len, s, str_or};

pub(super) const PRINTERS: &[Printer] = &[Printer {
    kinds: &[("", "pods")],
    columns: &[
        NAME,
        Column::string("Ready", |r| {
            let st = PodStatus::of(r);
            json!(format!("{}/{}", st.ready, st.total))
        }),
        Column::string("Status", |r| json!(PodStatus::of(r).reason)),
        Column::string("Restarts", |r| json!(PodStatus::of(r).restarts)),
        AGE,
        Column::string("IP", |r| {
            let status = r.status();
            let ip = status["podIPs"][0]["ip"]
                .as_str()
                .or(status["podIP"].as_str())
                .filter(|x| !x.is_empty());
            json!(ip.unwrap_or("<none>"))
        })
        .wide(),
        Column::string("Node", |r| str_or(&r.spec()["nodeName"], "<none>")).wide(),
        Column::string("Nominated Node", |r| {
            str_or(&r.status()["nominatedNodeName"], "<none>")
        })
        .wide(),
        Column::string("Readiness Gates", readiness_gates).wide(),
    ],
}];

/// What the Ready, Status and Restarts columns show, worked out together as `printPod` does.
struct PodStatus {
    ready: i64,
    total: i64,
    reason: String,
    /// `N`, or `N (5m ago)` after a restart.
    restarts: String,
}

/// The later of `a` and the timestamp in `b`.
fn later(a: Option<jiff::Timestamp>, b: &Value) -> Option<jiff::Timestamp> {
    let t = b.as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
    match (a, t) {
        (Some(a), Some(t)) => Some(a.max(t)),
        (a, t) => a.or(t),
    }
}

impl PodStatus {
    fn of(r: &Row) -> Self {
        let obj = r.obj;
        let status = &obj["status"];
        let spec = &obj["spec"];
        let phase = s(&status["phase"]);
        let mut reason = if s(&status["reason"]).is_empty() {
            phase.to_string()
        } else {
            s(&status["reason"]).to_string()
        };
        let conditions: Vec<&Value> = items(&status["conditions"]).collect();
        if conditions
            .iter()
            .any(|c| c["type"] == "PodScheduled" && c["reason"] == "SchedulingGated")
        {
            reason = "SchedulingGated".into();
        }
        let init_specs: Vec<&Value> = items(&spec["initContainers"]).collect();
        let sidecar = |name: &str| {
            init_specs
                .iter()
                .any(|c| s(&c["name"]) == name && c["restartPolicy"] == "Always")
        };
        let mut total = len(&spec["containers"]) as i64;
        total += init_specs
            .iter()
            .filter(|c| c["restartPolicy"] == "Always")
            .count() as i64;
        let mut ready = 0;
        let mut restarts = 0;
        let mut sidecar_restarts = 0;
        let mut last_restart: Option<jiff::Timestamp> = None;
        let mut sidecar_last_restart: Option<jiff::Timestamp> = None;
        let mut initializing = false;
        let init_statuses: Vec<&Value> = items(&status["initContainerStatuses"]).collect();
        for (i, c) in init_statuses.iter().enumerate() {
            restarts += int(&c["restartCount"]);
            let finished = &c["lastState"]["terminated"]["finishedAt"];
            last_restart = later(last_restart, finished);
            let is_sidecar = sidecar(s(&c["name"]));
            if is_sidecar {
                sidecar_restarts += int(&c["restartCount"]);
                sidecar_last_restart = later(sidecar_last_restart, finished);
                if c["started"] == true && c["ready"] == true {
                    ready += 1;
                }
            }
            let term = &c["state"]["terminated"];
            let waiting = s(&c["state"]["waiting"]["reason"]);
            if term.is_object() && int(&term["exitCode"]) == 0 {
                continue;
            }
            if is_sidecar && c["started"] == true {
                continue;
            }
            if term.is_object() {
                reason = if s(&term["reason"]).is_empty() {
                    if int(&term["signal"]) != 0 {
                        format!("Init:Signal:{}", int(&term["signal"]))
                    } else {
                        format!("Init:ExitCode:{}", int(&term["exitCode"]))
                    }
                } else {
                    format!("Init:{}", s(&term["reason"]))
                };
            } else if !waiting.is_empty() && waiting != "PodInitializing" {
                reason = format!("Init:{waiting}");
            } else {
                reason = format!("Init:{i}/{}", init_specs.len());
            }
            initializing = true;
            break;
        }
        let initialized = conditions
            .iter()
            .any(|c| c["type"] == "Initialized" && c["status"] == "True");
        if !initializing || initialized {
            restarts = sidecar_restarts;
            last_restart = sidecar_last_restart;
            let mut has_running = false;
            for c in items(&status["containerStatuses"]).rev() {
                restarts += int(&c["restartCount"]);
                last_restart = later(last_restart, &c["lastState"]["terminated"]["finishedAt"]);
                let waiting = s(&c["state"]["waiting"]["reason"]);
                let term = &c["state"]["terminated"];
                if !waiting.is_empty() {
                    reason = waiting.to_string();
                } else if term.is_object() && !s(&term["reason"]).is_empty() {
                    reason = s(&term["reason"]).to_string();
                } else if term.is_object() {
                    reason = if int(&term["signal"]) != 0 {
                        format!("Signal:{}", int(&term["signal"]))
                    } else {
                        format!("ExitCode:{}", int(&term["exitCode"]))
                    };
                } else if c["ready"] == true && c["state"]["running"].is_object() {
                    has_running = true;
                    ready += 1;
                }
            }
            if reason == "Completed" && has_running {
                let pod_ready = conditions
                    .iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True");
                reason = if pod_ready {
                    "Running".into()
                } else {
                    "NotReady".into()
                };
            }
        }
        let deleting = obj["metadata"]["deletionTimestamp"].is_string();
        if deleting && s(&status["reason"]) == "NodeLost" {
            reason = "Unknown".into();
        } else if deleting && phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".into();
        }
        let restarts = match last_restart {
            Some(t) if restarts != 0 => {
                format!(
                    "{restarts} ({} ago)",
                    human_duration(r.now.duration_since(t).as_secs())
                )
            }
            _ => restarts.to_string(),
        };
        Self {
            ready,
            total,
            reason,
            restarts,
        }
    }
}

/// `passed/declared` readiness gates, or `<none>`.
fn readiness_gates(r: &Row) -> Value {
    let gates: Vec<&Value> = items(&r.spec()["readinessGates"]).collect();
    if gates.is_empty() {
        return json!("<none>");
    }
    let conditions: Vec<&Value> = items(&r.status()["conditions"]).collect();
    let ok = gates
        .iter()
        .filter(|g| {
            conditions
                .iter()
                .any(|c| c["type"] == g["conditionType"] && c["status"] == "True")
        })
        .count();
    json!(format!("{ok}/{}", gates.len()))
}
