//! Printers of the kinds that run pods and keep them running: deployments, replica sets and replication
//! controllers, stateful and daemon sets, controller revisions (`apps`), jobs and cron jobs (`batch`),
//! horizontal pod autoscalers (`autoscaling`) and pod disruption budgets (`policy`).

use serde_json::{Value, json};

use tug_model::duration::{age, human_duration};

use super::{
    AGE, Column, NAME, Printer, Row, containers, images, int, items, label_map, len, s,
    selector_string, str_or,
};

/// The pod template's containers, images and the selector, as most workloads print them.
const CONTAINERS: Column = Column::string("Containers", |r| containers(template(r))).wide();
const IMAGES: Column = Column::string("Images", |r| images(template(r))).wide();
const SELECTOR: Column = Column::string("Selector", |r| {
    json!(selector_string(&r.spec()["selector"], "<none>"))
})
.wide();

fn template<'a>(r: &Row<'a>) -> &'a Value {
    &r.obj["spec"]["template"]["spec"]
}

/// `ready/wanted`, from `status.readyReplicas` and `spec.replicas`.
fn ready_of_replicas(r: &Row) -> Value {
    json!(format!(
        "{}/{}",
        int(&r.status()["readyReplicas"]),
        int(&r.spec()["replicas"])
    ))
}

pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        kinds: &[("apps", "deployments")],
        columns: &[
            NAME,
            Column::string("Ready", ready_of_replicas),
            Column::integer("Up-to-date", |r| json!(int(&r.status()["updatedReplicas"]))),
            Column::integer("Available", |r| {
                json!(int(&r.status()["availableReplicas"]))
            }),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
    },
    Printer {
        kinds: &[("apps", "replicasets"), ("", "replicationcontrollers")],
        columns: &[
            NAME,
            Column::integer("Desired", |r| json!(int(&r.spec()["replicas"]))),
            Column::integer("Current", |r| json!(int(&r.status()["replicas"]))),
            Column::integer("Ready", |r| json!(int(&r.status()["readyReplicas"]))),
            AGE,
            CONTAINERS,
            IMAGES,
            Column::string("Selector", |r| {
                let sel = &r.spec()["selector"];
                json!(
                    if sel["matchLabels"].is_object() || sel["matchExpressions"].is_array() {
                        selector_string(sel, "<none>")
                    } else {
                        label_map(sel) // ReplicationControllers use a plain map
                    }
                )
            })
            .wide(),
        ],
    },
    Printer {
        kinds: &[("apps", "statefulsets")],
        columns: &[
            NAME,
            Column::string("Ready", ready_of_replicas),
            AGE,
            CONTAINERS,
            IMAGES,
        ],
    },
    Printer {
        kinds: &[("apps", "daemonsets")],
        columns: &[
            NAME,
            Column::integer("Desired", |r| {
                json!(int(&r.status()["desiredNumberScheduled"]))
            }),
            Column::integer("Current", |r| {
                json!(int(&r.status()["currentNumberScheduled"]))
            }),
            Column::integer("Ready", |r| json!(int(&r.status()["numberReady"]))),
            Column::integer("Up-to-date", |r| {
                json!(int(&r.status()["updatedNumberScheduled"]))
            }),
            Column::integer("Available", |r| json!(int(&r.status()["numberAvailable"]))),
            Column::string("Node Selector", |r| {
                json!(label_map(&template(r)["nodeSelector"]))
            }),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
    },
    Printer {
        kinds: &[("apps", "controllerrevisions")],
        columns: &[
            NAME,
            Column::string("Controller", revision_owner),
            Column::integer("Revision", |r| json!(int(&r.obj["revision"]))),
            AGE,
        ],
    },
    Printer {
        kinds: &[("batch", "jobs")],
        columns: &[
            NAME,
            Column::string("Status", job_status),
            Column::string("Completions", job_completions),
            Column::string("Duration", job_duration),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
    },
    Printer {
        kinds: &[("batch", "cronjobs")],
        columns: &[
            NAME,
            Column::string("Schedule", |r| str_or(&r.spec()["schedule"], "")),
            Column::string("Timezone", |r| str_or(&r.spec()["timeZone"], "<none>")),
            Column::boolean("Suspend", |r| match r.spec()["suspend"].as_bool() {
                Some(b) => json!(if b { "True" } else { "False" }),
                None => json!("<unset>"),
            }),
            Column::integer("Active", |r| json!(len(&r.status()["active"]))),
            Column::string("Last Schedule", |r| {
                json!(match r.status()["lastScheduleTime"].as_str() {
                    Some(t) => age(t, r.now),
                    None => "<none>".into(),
                })
            }),
            AGE,
            Column::string("Containers", |r| containers(job_template(r))).wide(),
            Column::string("Images", |r| images(job_template(r))).wide(),
            Column::string("Selector", |r| {
                json!(selector_string(
                    &r.spec()["jobTemplate"]["spec"]["selector"],
                    "<none>"
                ))
            })
            .wide(),
        ],
    },
    Printer {
        kinds: &[("autoscaling", "horizontalpodautoscalers")],
        columns: &[
            NAME,
            Column::string("Reference", |r| {
                let target = &r.spec()["scaleTargetRef"];
                json!(format!("{}/{}", s(&target["kind"]), s(&target["name"])))
            }),
            Column::string("Targets", |_| json!("<unknown>")),
            Column::string("MinPods", |r| {
                json!(r.spec()["minReplicas"].as_i64().unwrap_or(1).to_string())
            }),
            Column::string("MaxPods", |r| {
                json!(int(&r.spec()["maxReplicas"]).to_string())
            }),
            Column::string("Replicas", |r| {
                json!(int(&r.status()["currentReplicas"]).to_string())
            }),
            AGE,
        ],
    },
    Printer {
        kinds: &[("policy", "poddisruptionbudgets")],
        columns: &[
            NAME,
            Column::string("Min Available", |r| {
                int_or_percent(&r.spec()["minAvailable"])
            }),
            Column::string("Max Unavailable", |r| {
                int_or_percent(&r.spec()["maxUnavailable"])
            }),
            Column::integer("Allowed Disruptions", |r| {
                json!(int(&r.status()["disruptionsAllowed"]))
            }),
            AGE,
        ],
    },
];

fn job_template<'a>(r: &Row<'a>) -> &'a Value {
    &r.obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
}

/// An IntOrString as written, `N/A` when unset.
fn int_or_percent(v: &Value) -> Value {
    json!(match v {
        Value::Number(n) => n.to_string(),
        Value::String(x) => x.clone(),
        _ => "N/A".into(),
    })
}

/// The controlling owner as `kind.group/name` (`kind/name` in the core group), or `<none>`.
fn revision_owner(r: &Row) -> Value {
    let owner = items(&r.obj["metadata"]["ownerReferences"])
        .find(|o| o["controller"] == true)
        .map(|o| {
            let group = s(&o["apiVersion"])
                .split_once('/')
                .map(|(g, _)| g)
                .unwrap_or("");
            let kind = s(&o["kind"]).to_lowercase();
            if group.is_empty() {
                format!("{kind}/{}", s(&o["name"]))
            } else {
                format!("{kind}.{group}/{}", s(&o["name"]))
            }
        })
        .unwrap_or_else(|| "<none>".into());
    json!(owner)
}

fn job_status(r: &Row) -> Value {
    let has =
        |t: &str| items(&r.status()["conditions"]).any(|c| c["type"] == t && c["status"] == "True");
    json!(if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if r.obj["metadata"]["deletionTimestamp"].is_string() {
        "Terminating"
    } else if has("Suspended") {
        "Suspended"
    } else if has("FailureTarget") {
        "FailureTarget"
    } else if has("SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else {
        "Running"
    })
}

fn job_completions(r: &Row) -> Value {
    let succeeded = int(&r.status()["succeeded"]);
    json!(match r.spec()["completions"].as_i64() {
        Some(c) => format!("{succeeded}/{c}"),
        None => match r.spec()["parallelism"].as_i64().unwrap_or(0) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    })
}

fn job_duration(r: &Row) -> Value {
    let parse = |v: &Value| v.as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let st = r.status();
    json!(
        match (parse(&st["startTime"]), parse(&st["completionTime"])) {
            (None, _) => String::new(),
            (Some(start), None) => human_duration(r.now.duration_since(start).as_secs()),
            (Some(start), Some(end)) => human_duration(end.duration_since(start).as_secs()),
        }
    )
}
