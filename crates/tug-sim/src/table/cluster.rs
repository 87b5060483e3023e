//! Printers of the cluster itself: nodes, namespaces, events, limit ranges and resource quotas (core),
//! leases (`coordination.k8s.io`) and custom resource definitions (`apiextensions.k8s.io`).

use serde_json::{Value, json};

use tug_model::duration::age;

use super::{AGE, Column, DEFAULT_COLUMNS, NAME, Printer, Row, int, items, s, str_or};

pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        kinds: &[("", "nodes")],
        columns: &[
            NAME,
            Column::string("Status", node_status),
            Column::string("Roles", node_roles),
            AGE,
            Column::string("Version", |r| str_or(&node_info(r)["kubeletVersion"], "")),
            Column::string("Internal-IP", |r| node_address(r, "InternalIP")).wide(),
            Column::string("External-IP", |r| node_address(r, "ExternalIP")).wide(),
            Column::string("OS-Image", |r| {
                str_or(&node_info(r)["osImage"], "<unknown>")
            })
            .wide(),
            Column::string("Kernel-Version", |r| {
                str_or(&node_info(r)["kernelVersion"], "<unknown>")
            })
            .wide(),
            Column::string("Container-Runtime", |r| {
                str_or(&node_info(r)["containerRuntimeVersion"], "<unknown>")
            })
            .wide(),
        ],
    },
    Printer {
        kinds: &[("", "namespaces")],
        columns: &[
            NAME,
            Column::string("Status", |r| str_or(&r.status()["phase"], "")),
            AGE,
        ],
    },
    Printer {
        kinds: &[("", "events")],
        columns: &[
            Column::string("Last Seen", |r| json!(EventTimes::of(r).last)),
            Column::string("Type", |r| str_or(&r.obj["type"], "")),
            Column::string("Reason", |r| str_or(&r.obj["reason"], "")),
            Column::string("Object", |r| {
                let io = &r.obj["involvedObject"];
                let kind = s(&io["kind"]).to_lowercase();
                json!(if s(&io["name"]).is_empty() {
                    kind
                } else {
                    format!("{kind}/{}", s(&io["name"]))
                })
            }),
            Column::string("Subobject", |r| {
                str_or(&r.obj["involvedObject"]["fieldPath"], "")
            })
            .wide(),
            Column::string("Source", event_source).wide(),
            Column::string("Message", |r| json!(s(&r.obj["message"]).trim())),
            Column::string("First Seen", |r| json!(EventTimes::of(r).first)).wide(),
            Column::string("Count", |r| json!(EventTimes::of(r).count)).wide(),
            Column::string("Name", |r| r.name()).wide(),
        ],
    },
    Printer {
        kinds: &[
            ("apiextensions.k8s.io", "customresourcedefinitions"),
            ("", "limitranges"),
        ],
        columns: DEFAULT_COLUMNS,
    },
    Printer {
        kinds: &[("coordination.k8s.io", "leases")],
        columns: &[
            NAME,
            Column::string("Holder", |r| {
                str_or(&r.spec()["holderIdentity"], "<unknown>")
            }),
            AGE,
        ],
    },
    Printer {
        kinds: &[("", "resourcequotas")],
        columns: &[
            NAME,
            AGE,
            Column::string("Request", |_| json!("")),
            Column::string("Limit", |_| json!("")),
        ],
    },
];

fn node_info<'a>(r: &Row<'a>) -> &'a Value {
    &r.obj["status"]["nodeInfo"]
}

/// `Ready`/`NotReady`/`Unknown` from the Ready condition, then `SchedulingDisabled` when cordoned.
fn node_status(r: &Row) -> Value {
    let mut status = match items(&r.status()["conditions"]).find(|c| c["type"] == "Ready") {
        Some(c) if c["status"] == "True" => vec!["Ready".to_string()],
        Some(_) => vec!["NotReady".to_string()],
        None => vec!["Unknown".to_string()],
    };
    if r.spec()["unschedulable"] == true {
        status.push("SchedulingDisabled".into());
    }
    json!(status.join(","))
}

/// Roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels, sorted.
fn node_roles(r: &Row) -> Value {
    let mut roles: Vec<String> = r.obj["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| match k.strip_prefix("node-role.kubernetes.io/") {
            Some(role) if !role.is_empty() => Some(role.to_string()),
            _ if k == "kubernetes.io/role" => v.as_str().map(str::to_string),
            _ => None,
        })
        .collect();
    roles.sort();
    roles.dedup();
    json!(if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    })
}

fn node_address(r: &Row, kind: &str) -> Value {
    json!(
        items(&r.status()["addresses"])
            .find(|a| a["type"] == kind)
            .and_then(|a| a["address"].as_str())
            .unwrap_or("<none>")
    )
}

/// When an event was first and last seen, and how often, whether it is a series or a plain count.
struct EventTimes {
    first: String,
    last: String,
    count: i64,
}

impl EventTimes {
    fn of(r: &Row) -> Self {
        let o = r.obj;
        let first = match o["firstTimestamp"].as_str() {
            Some(t) => age(t, r.now),
            None => r.since(&o["eventTime"]),
        };
        let mut last = match o["lastTimestamp"].as_str() {
            Some(t) => age(t, r.now),
            None => first.clone(),
        };
        let mut count = o["count"].as_i64().unwrap_or(0);
        if o["series"].is_object() {
            last = r.since(&o["series"]["lastObservedTime"]);
            count = int(&o["series"]["count"]);
        } else if count == 0 {
            count = 1;
        }
        Self { first, last, count }
    }
}

/// `component, host` of the reporter.
fn event_source(r: &Row) -> Value {
    let o = r.obj;
    let comp = s(&o["source"]["component"]);
    let host = s(&o["source"]["host"]);
    let (comp, host) = if comp.is_empty() {
        (s(&o["reportingComponent"]), s(&o["reportingInstance"]))
    } else {
        (comp, host)
    };
    json!(if host.is_empty() {
        comp.to_string()
    } else {
        format!("{comp}, {host}")
    })
}
