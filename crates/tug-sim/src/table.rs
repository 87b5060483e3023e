//! Server-side printing: the `meta.k8s.io/v1` Table the API server returns when kubectl (or tug) asks for
//! one. Columns and cells follow kubernetes `pkg/printers/internalversion/printers.go` (v1.33), with the
//! wide-only columns at priority 1; custom resources use their CRD's `additionalPrinterColumns`.
//! Must not depend on HTTP.

use serde_json::{Value, json};

use tug_model::duration::{age, human_duration};
use tug_model::selector::label_selector_text;

/// Which printer: the resource's group and plural, and for custom resources the printer columns.
pub struct TableKind<'a> {
    pub group: &'a str,
    pub resource: &'a str,
    pub printer_columns: Option<&'a Value>,
}

/// (name, type, priority): priority 1 columns are shown by `-o wide` only.
type Col = (&'static str, &'static str, u8);

const NAME: Col = ("Name", "string", 0);
const AGE: Col = ("Age", "string", 0);

fn columns(group: &str, resource: &str) -> Option<&'static [Col]> {
    Some(match (group, resource) {
        ("", "pods") => &[
            NAME,
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            AGE,
            ("IP", "string", 1),
            ("Node", "string", 1),
            ("Nominated Node", "string", 1),
            ("Readiness Gates", "string", 1),
        ],
        ("apps", "deployments") => &[
            NAME,
            ("Ready", "string", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            AGE,
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        ("apps", "replicasets") | ("", "replicationcontrollers") => &[
            NAME,
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            AGE,
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        ("apps", "statefulsets") => &[
            NAME,
            ("Ready", "string", 0),
            AGE,
            ("Containers", "string", 1),
            ("Images", "string", 1),
        ],
        ("apps", "daemonsets") => &[
            NAME,
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Node Selector", "string", 0),
            AGE,
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        ("batch", "jobs") => &[
            NAME,
            ("Status", "string", 0),
            ("Completions", "string", 0),
            ("Duration", "string", 0),
            AGE,
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        ("batch", "cronjobs") => &[
            NAME,
            ("Schedule", "string", 0),
            ("Timezone", "string", 0),
            ("Suspend", "boolean", 0),
            ("Active", "integer", 0),
            ("Last Schedule", "string", 0),
            AGE,
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        ("", "services") => &[
            NAME,
            ("Type", "string", 0),
            ("Cluster-IP", "string", 0),
            ("External-IP", "string", 0),
            ("Port(s)", "string", 0),
            AGE,
            ("Selector", "string", 1),
        ],
        ("", "endpoints") => &[NAME, ("Endpoints", "string", 0), AGE],
        ("networking.k8s.io", "ingresses") => &[
            NAME,
            ("Class", "string", 0),
            ("Hosts", "string", 0),
            ("Address", "string", 0),
            ("Ports", "string", 0),
            AGE,
        ],
        ("networking.k8s.io", "ingressclasses") => &[
            NAME,
            ("Controller", "string", 0),
            ("Parameters", "string", 0),
            AGE,
        ],
        ("", "nodes") => &[
            NAME,
            ("Status", "string", 0),
            ("Roles", "string", 0),
            AGE,
            ("Version", "string", 0),
            ("Internal-IP", "string", 1),
            ("External-IP", "string", 1),
            ("OS-Image", "string", 1),
            ("Kernel-Version", "string", 1),
            ("Container-Runtime", "string", 1),
        ],
        ("", "namespaces") => &[NAME, ("Status", "string", 0), AGE],
        ("", "configmaps") => &[NAME, ("Data", "integer", 0), AGE],
        ("", "secrets") => &[NAME, ("Type", "string", 0), ("Data", "integer", 0), AGE],
        ("", "serviceaccounts") => &[NAME, ("Secrets", "integer", 0), AGE],
        ("", "persistentvolumes") => &[
            NAME,
            ("Capacity", "string", 0),
            ("Access Modes", "string", 0),
            ("Reclaim Policy", "string", 0),
            ("Status", "string", 0),
            ("Claim", "string", 0),
            ("StorageClass", "string", 0),
            ("VolumeAttributesClass", "string", 0),
            ("Reason", "string", 0),
            AGE,
            ("VolumeMode", "string", 1),
        ],
        ("", "persistentvolumeclaims") => &[
            NAME,
            ("Status", "string", 0),
            ("Volume", "string", 0),
            ("Capacity", "string", 0),
            ("Access Modes", "string", 0),
            ("StorageClass", "string", 0),
            ("VolumeAttributesClass", "string", 0),
            AGE,
            ("VolumeMode", "string", 1),
        ],
        ("", "events") => &[
            ("Last Seen", "string", 0),
            ("Type", "string", 0),
            ("Reason", "string", 0),
            ("Object", "string", 0),
            ("Subobject", "string", 1),
            ("Source", "string", 1),
            ("Message", "string", 0),
            ("First Seen", "string", 1),
            ("Count", "string", 1),
            ("Name", "string", 1),
        ],
        ("rbac.authorization.k8s.io", "roles" | "clusterroles")
        | ("apiextensions.k8s.io", "customresourcedefinitions")
        | ("", "limitranges") => &[NAME, ("Created At", "date", 0)],
        ("rbac.authorization.k8s.io", "rolebindings" | "clusterrolebindings") => &[
            NAME,
            ("Role", "string", 0),
            AGE,
            ("Users", "string", 1),
            ("Groups", "string", 1),
            ("ServiceAccounts", "string", 1),
        ],
        ("policy", "poddisruptionbudgets") => &[
            NAME,
            ("Min Available", "string", 0),
            ("Max Unavailable", "string", 0),
            ("Allowed Disruptions", "integer", 0),
            AGE,
        ],
        ("apps", "controllerrevisions") => &[
            NAME,
            ("Controller", "string", 0),
            ("Revision", "integer", 0),
            AGE,
        ],
        ("storage.k8s.io", "storageclasses") => &[
            NAME,
            ("Provisioner", "string", 0),
            ("ReclaimPolicy", "string", 0),
            ("VolumeBindingMode", "string", 0),
            ("AllowVolumeExpansion", "string", 0),
            AGE,
        ],
        ("coordination.k8s.io", "leases") => &[NAME, ("Holder", "string", 0), AGE],
        ("networking.k8s.io", "networkpolicies") => &[NAME, ("Pod-Selector", "string", 0), AGE],
        ("", "resourcequotas") => &[NAME, AGE, ("Request", "string", 0), ("Limit", "string", 0)],
        ("autoscaling", "horizontalpodautoscalers") => &[
            NAME,
            ("Reference", "string", 0),
            ("Targets", "string", 0),
            ("MinPods", "string", 0),
            ("MaxPods", "string", 0),
            ("Replicas", "string", 0),
            AGE,
        ],
        _ => return None,
    })
}

fn definition((name, kind, priority): Col) -> Value {
    let format = if name == "Name" { "name" } else { "" };
    json!({"name": name, "type": kind, "format": format, "description": "", "priority": priority})
}

/// The Table's `columnDefinitions` for a kind.
pub fn column_definitions(kind: &TableKind) -> Vec<Value> {
    if let Some(cols) = columns(kind.group, kind.resource) {
        return cols.iter().copied().map(definition).collect();
    }
    match custom_columns(kind) {
        Some(cols) => std::iter::once(definition(NAME))
            .chain(cols.iter().map(|c| {
                json!({
                    "name": c["name"], "type": c["type"].as_str().unwrap_or("string"),
                    "format": c["format"].as_str().unwrap_or_default(),
                    "description": c["description"].as_str().unwrap_or_default(),
                    "priority": c["priority"].as_i64().unwrap_or(0),
                })
            }))
            .collect(),
        // Built-ins without a printer: the default table convertor.
        None => vec![definition(NAME), definition(("Created At", "date", 0))],
    }
}

/// A custom resource's printer columns; the CRD default is a single Age column.
fn custom_columns(kind: &TableKind) -> Option<Vec<Value>> {
    let cols = kind.printer_columns?;
    let cols = cols.as_array().cloned().unwrap_or_default();
    if cols.is_empty() {
        return Some(vec![
            json!({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}),
        ]);
    }
    Some(cols)
}

/// One row's cells, aligned with `column_definitions`.
pub fn row_cells(kind: &TableKind, obj: &Value, now: jiff::Timestamp) -> Vec<Value> {
    let p = Printer { obj, now };
    match (kind.group, kind.resource) {
        ("", "pods") => p.pod(),
        ("apps", "deployments") => p.deployment(),
        ("apps", "replicasets") | ("", "replicationcontrollers") => p.replicaset(),
        ("apps", "statefulsets") => p.statefulset(),
        ("apps", "daemonsets") => p.daemonset(),
        ("batch", "jobs") => p.job(),
        ("batch", "cronjobs") => p.cronjob(),
        ("", "services") => p.service(),
        ("", "endpoints") => vec![p.name(), json!(format_endpoints(obj)), p.age()],
        ("networking.k8s.io", "ingresses") => p.ingress(),
        ("networking.k8s.io", "ingressclasses") => {
            vec![
                p.name(),
                p.str_or(&obj["spec"]["controller"], "<none>"),
                json!("<none>"),
                p.age(),
            ]
        }
        ("", "nodes") => p.node(),
        ("", "namespaces") => vec![p.name(), p.str_or(&obj["status"]["phase"], ""), p.age()],
        ("", "configmaps") => vec![
            p.name(),
            json!(len(&obj["data"]) + len(&obj["binaryData"])),
            p.age(),
        ],
        ("", "secrets") => vec![
            p.name(),
            p.str_or(&obj["type"], ""),
            json!(len(&obj["data"])),
            p.age(),
        ],
        ("", "serviceaccounts") => vec![p.name(), json!(len(&obj["secrets"])), p.age()],
        ("", "persistentvolumes") => p.pv(),
        ("", "persistentvolumeclaims") => p.pvc(),
        ("", "events") => p.event(),
        ("rbac.authorization.k8s.io", "roles" | "clusterroles")
        | ("apiextensions.k8s.io", "customresourcedefinitions")
        | ("", "limitranges") => vec![p.name(), obj["metadata"]["creationTimestamp"].clone()],
        ("rbac.authorization.k8s.io", "rolebindings" | "clusterrolebindings") => p.binding(),
        ("policy", "poddisruptionbudgets") => p.pdb(),
        ("apps", "controllerrevisions") => p.controller_revision(),
        ("storage.k8s.io", "storageclasses") => p.storage_class(),
        ("coordination.k8s.io", "leases") => {
            vec![
                p.name(),
                p.str_or(&obj["spec"]["holderIdentity"], "<unknown>"),
                p.age(),
            ]
        }
        ("networking.k8s.io", "networkpolicies") => {
            vec![
                p.name(),
                json!(selector_string(&obj["spec"]["podSelector"], "<none>")),
                p.age(),
            ]
        }
        ("", "resourcequotas") => vec![p.name(), p.age(), json!(""), json!("")],
        ("autoscaling", "horizontalpodautoscalers") => p.hpa(),
        _ => match custom_columns(kind) {
            Some(cols) => {
                let mut cells = vec![p.name()];
                cells.extend(cols.iter().map(|c| custom_cell(c, obj, now)));
                cells
            }
            None => vec![p.name(), obj["metadata"]["creationTimestamp"].clone()],
        },
    }
}

fn len(v: &Value) -> usize {
    match v {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// `metav1.LabelSelector` as kubectl prints it: `a=b,c in (x,y)`; `empty` when it selects by nothing.
pub fn selector_string(sel: &Value, empty: &str) -> String {
    label_selector_text(sel).unwrap_or_else(|| empty.to_string())
}

/// A plain label map (a Service selector, a nodeSelector) as `a=b,c=d`.
fn label_map(v: &Value) -> String {
    selector_string(v, "<none>")
}

struct Printer<'a> {
    obj: &'a Value,
    now: jiff::Timestamp,
}

impl Printer<'_> {
    fn name(&self) -> Value {
        self.obj["metadata"]["name"].clone()
    }

    fn age(&self) -> Value {
        json!(self.since(&self.obj["metadata"]["creationTimestamp"]))
    }

    fn since(&self, ts: &Value) -> String {
        match ts.as_str() {
            Some(t) => age(t, self.now),
            None => "<unknown>".into(),
        }
    }

    fn str_or(&self, v: &Value, default: &str) -> Value {
        json!(v.as_str().filter(|x| !x.is_empty()).unwrap_or(default))
    }

    fn containers_images(&self, pod_spec: &Value) -> (Value, Value) {
        let cs: Vec<&Value> = pod_spec["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        let names: Vec<&str> = cs.iter().map(|c| s(&c["name"])).collect();
        let images: Vec<&str> = cs.iter().map(|c| s(&c["image"])).collect();
        (json!(names.join(",")), json!(images.join(",")))
    }

    fn pod(&self) -> Vec<Value> {
        let obj = self.obj;
        let status = &obj["status"];
        let spec = &obj["spec"];
        let phase = s(&status["phase"]);
        let mut reason = if s(&status["reason"]).is_empty() {
            phase.to_string()
        } else {
            s(&status["reason"]).to_string()
        };
        let conditions: Vec<&Value> = status["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        if conditions
            .iter()
            .any(|c| c["type"] == "PodScheduled" && c["reason"] == "SchedulingGated")
        {
            reason = "SchedulingGated".into();
        }
        let init_specs: Vec<&Value> = spec["initContainers"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
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
        let later = |a: Option<jiff::Timestamp>, b: &Value| -> Option<jiff::Timestamp> {
            let t = b.as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
            match (a, t) {
                (Some(a), Some(t)) => Some(a.max(t)),
                (a, t) => a.or(t),
            }
        };
        let mut initializing = false;
        let init_statuses: Vec<&Value> = status["initContainerStatuses"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
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
            for c in status["containerStatuses"]
                .as_array()
                .into_iter()
                .flatten()
                .rev()
            {
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
        let restarts_str = match last_restart {
            Some(t) if restarts != 0 => {
                format!(
                    "{restarts} ({} ago)",
                    human_duration(self.now.duration_since(t).as_secs())
                )
            }
            _ => restarts.to_string(),
        };
        let ip = status["podIPs"][0]["ip"]
            .as_str()
            .or(status["podIP"].as_str())
            .filter(|x| !x.is_empty());
        let gates: Vec<&Value> = spec["readinessGates"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        let gates = if gates.is_empty() {
            "<none>".to_string()
        } else {
            let ok = gates
                .iter()
                .filter(|g| {
                    conditions
                        .iter()
                        .any(|c| c["type"] == g["conditionType"] && c["status"] == "True")
                })
                .count();
            format!("{ok}/{}", gates.len())
        };
        vec![
            self.name(),
            json!(format!("{ready}/{total}")),
            json!(reason),
            json!(restarts_str),
            self.age(),
            json!(ip.unwrap_or("<none>")),
            self.str_or(&spec["nodeName"], "<none>"),
            self.str_or(&status["nominatedNodeName"], "<none>"),
            json!(gates),
        ]
    }

    fn deployment(&self) -> Vec<Value> {
        let (o, st) = (self.obj, &self.obj["status"]);
        let (cs, is) = self.containers_images(&o["spec"]["template"]["spec"]);
        vec![
            self.name(),
            json!(format!(
                "{}/{}",
                int(&st["readyReplicas"]),
                int(&o["spec"]["replicas"])
            )),
            json!(int(&st["updatedReplicas"])),
            json!(int(&st["availableReplicas"])),
            self.age(),
            cs,
            is,
            json!(selector_string(&o["spec"]["selector"], "<none>")),
        ]
    }

    fn replicaset(&self) -> Vec<Value> {
        let (o, st) = (self.obj, &self.obj["status"]);
        let (cs, is) = self.containers_images(&o["spec"]["template"]["spec"]);
        let selector = if o["spec"]["selector"]["matchLabels"].is_object()
            || o["spec"]["selector"]["matchExpressions"].is_array()
        {
            selector_string(&o["spec"]["selector"], "<none>")
        } else {
            label_map(&o["spec"]["selector"]) // ReplicationControllers use a plain map
        };
        vec![
            self.name(),
            json!(int(&o["spec"]["replicas"])),
            json!(int(&st["replicas"])),
            json!(int(&st["readyReplicas"])),
            self.age(),
            cs,
            is,
            json!(selector),
        ]
    }

    fn statefulset(&self) -> Vec<Value> {
        let o = self.obj;
        let (cs, is) = self.containers_images(&o["spec"]["template"]["spec"]);
        vec![
            self.name(),
            json!(format!(
                "{}/{}",
                int(&o["status"]["readyReplicas"]),
                int(&o["spec"]["replicas"])
            )),
            self.age(),
            cs,
            is,
        ]
    }

    fn daemonset(&self) -> Vec<Value> {
        let (o, st) = (self.obj, &self.obj["status"]);
        let (cs, is) = self.containers_images(&o["spec"]["template"]["spec"]);
        vec![
            self.name(),
            json!(int(&st["desiredNumberScheduled"])),
            json!(int(&st["currentNumberScheduled"])),
            json!(int(&st["numberReady"])),
            json!(int(&st["updatedNumberScheduled"])),
            json!(int(&st["numberAvailable"])),
            json!(label_map(&o["spec"]["template"]["spec"]["nodeSelector"])),
            self.age(),
            cs,
            is,
            json!(selector_string(&o["spec"]["selector"], "<none>")),
        ]
    }

    fn job(&self) -> Vec<Value> {
        let (o, st) = (self.obj, &self.obj["status"]);
        let has = |t: &str| {
            st["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == t && c["status"] == "True")
        };
        let status = if has("Complete") {
            "Complete"
        } else if has("Failed") {
            "Failed"
        } else if o["metadata"]["deletionTimestamp"].is_string() {
            "Terminating"
        } else if has("Suspended") {
            "Suspended"
        } else if has("FailureTarget") {
            "FailureTarget"
        } else if has("SuccessCriteriaMet") {
            "SuccessCriteriaMet"
        } else {
            "Running"
        };
        let succeeded = int(&st["succeeded"]);
        let completions = match o["spec"]["completions"].as_i64() {
            Some(c) => format!("{succeeded}/{c}"),
            None => match o["spec"]["parallelism"].as_i64().unwrap_or(0) {
                p if p > 1 => format!("{succeeded}/1 of {p}"),
                _ => format!("{succeeded}/1"),
            },
        };
        let parse = |v: &Value| v.as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
        let duration = match (parse(&st["startTime"]), parse(&st["completionTime"])) {
            (None, _) => String::new(),
            (Some(start), None) => human_duration(self.now.duration_since(start).as_secs()),
            (Some(start), Some(end)) => human_duration(end.duration_since(start).as_secs()),
        };
        let (cs, is) = self.containers_images(&o["spec"]["template"]["spec"]);
        vec![
            self.name(),
            json!(status),
            json!(completions),
            json!(duration),
            self.age(),
            cs,
            is,
            json!(selector_string(&o["spec"]["selector"], "<none>")),
        ]
    }

    fn cronjob(&self) -> Vec<Value> {
        let o = self.obj;
        let (cs, is) =
            self.containers_images(&o["spec"]["jobTemplate"]["spec"]["template"]["spec"]);
        let last = match o["status"]["lastScheduleTime"].as_str() {
            Some(t) => age(t, self.now),
            None => "<none>".into(),
        };
        let suspend = match o["spec"]["suspend"].as_bool() {
            Some(b) => json!(if b { "True" } else { "False" }),
            None => json!("<unset>"),
        };
        vec![
            self.name(),
            self.str_or(&o["spec"]["schedule"], ""),
            self.str_or(&o["spec"]["timeZone"], "<none>"),
            suspend,
            json!(len(&o["status"]["active"])),
            json!(last),
            self.age(),
            cs,
            is,
            json!(selector_string(
                &o["spec"]["jobTemplate"]["spec"]["selector"],
                "<none>"
            )),
        ]
    }

    fn service(&self) -> Vec<Value> {
        let (o, spec) = (self.obj, &self.obj["spec"]);
        let kind = s(&spec["type"]);
        let kind = if kind.is_empty() { "ClusterIP" } else { kind };
        let external_ips: Vec<&str> = spec["externalIPs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let lb = load_balancer_ips(&o["status"]["loadBalancer"]);
        let external = match kind {
            "ClusterIP" | "NodePort" if external_ips.is_empty() => "<none>".to_string(),
            "ClusterIP" | "NodePort" => external_ips.join(","),
            "LoadBalancer" => {
                let mut all: Vec<String> = lb.clone();
                all.extend(external_ips.iter().map(|x| x.to_string()));
                if all.is_empty() {
                    "<pending>".into()
                } else {
                    all.join(",")
                }
            }
            "ExternalName" => s(&spec["externalName"]).to_string(),
            _ => "<unknown>".into(),
        };
        let ports: Vec<String> = spec["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let proto = p["protocol"].as_str().unwrap_or("TCP");
                match p["nodePort"].as_i64().filter(|n| *n > 0) {
                    Some(np) => format!("{}:{np}/{proto}", int(&p["port"])),
                    None => format!("{}/{proto}", int(&p["port"])),
                }
            })
            .collect();
        vec![
            self.name(),
            json!(kind),
            self.str_or(&spec["clusterIP"], "<none>"),
            json!(external),
            json!(if ports.is_empty() {
                "<none>".to_string()
            } else {
                ports.join(",")
            }),
            self.age(),
            json!(label_map(&spec["selector"])),
        ]
    }

    fn ingress(&self) -> Vec<Value> {
        let o = self.obj;
        let hosts: Vec<&str> = o["spec"]["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["host"].as_str())
            .collect();
        let hosts = match hosts.len() {
            0 => "*".to_string(),
            n if n > 4 => format!("{} + {} more...", hosts[..4].join(","), n - 4),
            _ => hosts.join(","),
        };
        let address = load_balancer_ips(&o["status"]["loadBalancer"]).join(",");
        let ports = if len(&o["spec"]["tls"]) > 0 {
            "80, 443"
        } else {
            "80"
        };
        vec![
            self.name(),
            self.str_or(&o["spec"]["ingressClassName"], "<none>"),
            json!(hosts),
            json!(address),
            json!(ports),
            self.age(),
        ]
    }

    fn node(&self) -> Vec<Value> {
        let o = self.obj;
        let mut status = match o["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["type"] == "Ready")
        {
            Some(c) if c["status"] == "True" => vec!["Ready".to_string()],
            Some(_) => vec!["NotReady".to_string()],
            None => vec!["Unknown".to_string()],
        };
        if o["spec"]["unschedulable"] == true {
            status.push("SchedulingDisabled".into());
        }
        let mut roles: Vec<String> = o["metadata"]["labels"]
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
        let address = |kind: &str| {
            o["status"]["addresses"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["type"] == kind)
                .and_then(|a| a["address"].as_str())
                .unwrap_or("<none>")
                .to_string()
        };
        let info = &o["status"]["nodeInfo"];
        vec![
            self.name(),
            json!(status.join(",")),
            json!(if roles.is_empty() {
                "<none>".to_string()
            } else {
                roles.join(",")
            }),
            self.age(),
            self.str_or(&info["kubeletVersion"], ""),
            json!(address("InternalIP")),
            json!(address("ExternalIP")),
            self.str_or(&info["osImage"], "<unknown>"),
            self.str_or(&info["kernelVersion"], "<unknown>"),
            self.str_or(&info["containerRuntimeVersion"], "<unknown>"),
        ]
    }

    fn pv(&self) -> Vec<Value> {
        let o = self.obj;
        let claim = &o["spec"]["claimRef"];
        let claim = if claim.is_object() {
            format!("{}/{}", s(&claim["namespace"]), s(&claim["name"]))
        } else {
            String::new()
        };
        vec![
            self.name(),
            self.str_or(&o["spec"]["capacity"]["storage"], ""),
            json!(access_modes(&o["spec"]["accessModes"])),
            self.str_or(&o["spec"]["persistentVolumeReclaimPolicy"], ""),
            self.str_or(&o["status"]["phase"], ""),
            json!(claim),
            self.str_or(&o["spec"]["storageClassName"], ""),
            self.str_or(&o["spec"]["volumeAttributesClassName"], "<unset>"),
            self.str_or(&o["status"]["reason"], ""),
            self.age(),
            self.str_or(&o["spec"]["volumeMode"], "Filesystem"),
        ]
    }

    fn pvc(&self) -> Vec<Value> {
        let o = self.obj;
        let bound = o["status"]["phase"] == "Bound";
        vec![
            self.name(),
            self.str_or(&o["status"]["phase"], ""),
            self.str_or(&o["spec"]["volumeName"], ""),
            json!(if bound {
                s(&o["status"]["capacity"]["storage"])
            } else {
                ""
            }),
            json!(if bound {
                access_modes(&o["status"]["accessModes"])
            } else {
                String::new()
            }),
            self.str_or(&o["spec"]["storageClassName"], "<unset>"),
            self.str_or(&o["spec"]["volumeAttributesClassName"], "<unset>"),
            self.age(),
            self.str_or(&o["spec"]["volumeMode"], "Filesystem"),
        ]
    }

    fn event(&self) -> Vec<Value> {
        let o = self.obj;
        let first = match o["firstTimestamp"].as_str() {
            Some(t) => age(t, self.now),
            None => self.since(&o["eventTime"]),
        };
        let mut last = match o["lastTimestamp"].as_str() {
            Some(t) => age(t, self.now),
            None => first.clone(),
        };
        let mut count = o["count"].as_i64().unwrap_or(0);
        if o["series"].is_object() {
            last = self.since(&o["series"]["lastObservedTime"]);
            count = int(&o["series"]["count"]);
        } else if count == 0 {
            count = 1;
        }
        let io = &o["involvedObject"];
        let kind = s(&io["kind"]).to_lowercase();
        let target = if s(&io["name"]).is_empty() {
            kind
        } else {
            format!("{kind}/{}", s(&io["name"]))
        };
        let source = {
            let comp = s(&o["source"]["component"]);
            let host = s(&o["source"]["host"]);
            let (comp, host) = if comp.is_empty() {
                (s(&o["reportingComponent"]), s(&o["reportingInstance"]))
            } else {
                (comp, host)
            };
            if host.is_empty() {
                comp.to_string()
            } else {
                format!("{comp}, {host}")
            }
        };
        vec![
            json!(last),
            self.str_or(&o["type"], ""),
            self.str_or(&o["reason"], ""),
            json!(target),
            self.str_or(&io["fieldPath"], ""),
            json!(source),
            json!(s(&o["message"]).trim()),
            json!(first),
            json!(count),
            self.name(),
        ]
    }

    fn binding(&self) -> Vec<Value> {
        let o = self.obj;
        let subjects: Vec<&Value> = o["subjects"].as_array().into_iter().flatten().collect();
        let of = |kind: &str| -> String {
            subjects
                .iter()
                .filter(|x| x["kind"] == kind)
                .map(|x| match kind {
                    "ServiceAccount" => format!("{}/{}", s(&x["namespace"]), s(&x["name"])),
                    _ => s(&x["name"]).to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        vec![
            self.name(),
            json!(format!(
                "{}/{}",
                s(&o["roleRef"]["kind"]),
                s(&o["roleRef"]["name"])
            )),
            self.age(),
            json!(of("User")),
            json!(of("Group")),
            json!(of("ServiceAccount")),
        ]
    }

    fn pdb(&self) -> Vec<Value> {
        let o = self.obj;
        let show = |v: &Value| match v {
            Value::Number(n) => n.to_string(),
            Value::String(x) => x.clone(),
            _ => "N/A".into(),
        };
        vec![
            self.name(),
            json!(show(&o["spec"]["minAvailable"])),
            json!(show(&o["spec"]["maxUnavailable"])),
            json!(int(&o["status"]["disruptionsAllowed"])),
            self.age(),
        ]
    }

    fn controller_revision(&self) -> Vec<Value> {
        let o = self.obj;
        let owner = o["metadata"]["ownerReferences"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["controller"] == true)
            .map(|r| {
                let group = s(&r["apiVersion"])
                    .split_once('/')
                    .map(|(g, _)| g)
                    .unwrap_or("");
                let kind = s(&r["kind"]).to_lowercase();
                if group.is_empty() {
                    format!("{kind}/{}", s(&r["name"]))
                } else {
                    format!("{kind}.{group}/{}", s(&r["name"]))
                }
            })
            .unwrap_or_else(|| "<none>".into());
        vec![
            self.name(),
            json!(owner),
            json!(int(&o["revision"])),
            self.age(),
        ]
    }

    fn storage_class(&self) -> Vec<Value> {
        let o = self.obj;
        let mut name = s(&o["metadata"]["name"]).to_string();
        let default =
            o["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true";
        if default {
            name.push_str(" (default)");
        }
        vec![
            json!(name),
            self.str_or(&o["provisioner"], ""),
            self.str_or(&o["reclaimPolicy"], "Delete"),
            self.str_or(&o["volumeBindingMode"], "Immediate"),
            json!(if o["allowVolumeExpansion"] == true {
                "true"
            } else {
                "false"
            }),
            self.age(),
        ]
    }

    fn hpa(&self) -> Vec<Value> {
        let o = self.obj;
        let target = &o["spec"]["scaleTargetRef"];
        vec![
            self.name(),
            json!(format!("{}/{}", s(&target["kind"]), s(&target["name"]))),
            json!("<unknown>"),
            json!(o["spec"]["minReplicas"].as_i64().unwrap_or(1).to_string()),
            json!(int(&o["spec"]["maxReplicas"]).to_string()),
            json!(int(&o["status"]["currentReplicas"]).to_string()),
            self.age(),
        ]
    }
}

fn load_balancer_ips(lb: &Value) -> Vec<String> {
    lb["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| {
            i["ip"]
                .as_str()
                .or(i["hostname"].as_str())
                .map(str::to_string)
        })
        .collect()
}

fn access_modes(v: &Value) -> String {
    let mut out: Vec<&str> = vec![];
    for m in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
        let short = match m {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            other => other,
        };
        if !out.contains(&short) {
            out.push(short);
        }
    }
    out.join(",")
}

/// `formatEndpoints`: up to three `ip:port`, then `+ N more...`.
fn format_endpoints(ep: &Value) -> String {
    let subsets: Vec<&Value> = ep["subsets"].as_array().into_iter().flatten().collect();
    if subsets.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = vec![];
    let mut more = false;
    let mut count = 0;
    for ss in subsets {
        let addrs: Vec<&str> = ss["addresses"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["ip"].as_str())
            .collect();
        let ports: Vec<i64> = ss["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| int(&p["port"]))
            .collect();
        if ports.is_empty() {
            count += addrs.len();
            for a in &addrs {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(a.to_string());
            }
            continue;
        }
        for port in ports {
            count += addrs.len();
            for a in &addrs {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(if a.contains(':') {
                    format!("[{a}]:{port}")
                } else {
                    format!("{a}:{port}")
                });
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

/// A custom resource cell: the column's JSONPath, typed as the apiextensions table convertor does.
fn custom_cell(col: &Value, obj: &Value, now: jiff::Timestamp) -> Value {
    let path = s(&col["jsonPath"]);
    let Some(v) = json_path(obj, path) else {
        return Value::Null;
    };
    match s(&col["type"]) {
        "integer" => v
            .as_i64()
            .or_else(|| v.as_f64().map(|f| f as i64))
            .map(Value::from)
            .unwrap_or(Value::Null),
        "number" => v.as_f64().map(Value::from).unwrap_or(Value::Null),
        "boolean" => v.as_bool().map(Value::from).unwrap_or(Value::Null),
        "date" => match v.as_str() {
            Some(t) if t.parse::<jiff::Timestamp>().is_ok() => json!(age(t, now)),
            Some(_) => json!("<invalid>"),
            None => Value::Null,
        },
        _ => match v {
            Value::String(x) => json!(x),
            Value::Null => Value::Null,
            other => json!(other.to_string()),
        },
    }
}

/// The JSONPath subset printer columns use: `.a.b`, `.a[0].b`, `{.a}`, `.metadata.labels.app\.kubernetes\.io/name`.
fn json_path<'v>(obj: &'v Value, path: &str) -> Option<&'v Value> {
    let path = path
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim_start_matches('.');
    let mut cur = obj;
    let mut key = String::new();
    let mut chars = path.chars().peekable();
    let step = |cur: &mut &'v Value, key: &mut String| -> Option<()> {
        if !key.is_empty() {
            *cur = cur.get(key.as_str())?;
            key.clear();
        }
        Some(())
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => key.push(chars.next()?),
            '.' => step(&mut cur, &mut key)?,
            '[' => {
                step(&mut cur, &mut key)?;
                let idx: String = chars.by_ref().take_while(|c| *c != ']').collect();
                cur = cur.get(idx.trim().parse::<usize>().ok()?)?;
            }
            c => key.push(c),
        }
    }
    step(&mut cur, &mut key)?;
    (!cur.is_null()).then_some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> jiff::Timestamp {
        "2026-11-25T12:00:00Z".parse().unwrap()
    }

    fn cells(group: &str, resource: &str, obj: Value) -> Vec<Value> {
        row_cells(
            &TableKind {
                group,
                resource,
                printer_columns: None,
            },
            &obj,
            now(),
        )
    }

    #[test]
    fn a_crash_looping_pod_prints_like_kubectl() {
        let pod = json!({
            "metadata": {"name": "payments-1", "creationTimestamp": "2026-11-25T10:00:00Z"},
            "spec": {"nodeName": "w1", "containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.5", "containerStatuses": [
                {"name": "a", "ready": false, "restartCount": 4,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-25T11:58:00Z"}}},
                {"name": "b", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2026-11-25T10:00:05Z"}}},
            ]},
        });
        assert_eq!(
            cells("", "pods", pod),
            vec![
                json!("payments-1"),
                json!("1/2"),
                json!("CrashLoopBackOff"),
                json!("4 (2m ago)"),
                json!("120m"),
                json!("10.0.0.5"),
                json!("w1"),
                json!("<none>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn pod_status_covers_init_completed_and_terminating() {
        let init = json!({
            "metadata": {"name": "p"},
            "spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "c"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "state": {"terminated": {"exitCode": 0}}},
                {"name": "i2", "state": {"running": {}}},
            ]},
        });
        assert_eq!(cells("", "pods", init)[2], json!("Init:1/2"));
        let done = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Succeeded", "containerStatuses": [{"name": "c", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}});
        assert_eq!(cells("", "pods", done)[2], json!("Completed"));
        let killed = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Failed", "containerStatuses": [{"name": "c", "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}});
        assert_eq!(cells("", "pods", killed)[2], json!("Signal:9"));
        let term = json!({"metadata": {"name": "p", "deletionTimestamp": "2026-11-25T12:00:00Z"}, "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": true, "state": {"running": {}}}]}});
        assert_eq!(
            cells("", "pods", term)[1..3],
            [json!("1/1"), json!("Terminating")]
        );
    }

    #[test]
    fn services_print_ports_and_external_ips() {
        let lb = json!({"metadata": {"name": "web"}, "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.20",
            "selector": {"app": "web"},
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}]},
            "status": {"loadBalancer": {}}});
        let c = cells("", "services", lb);
        assert_eq!(
            c[1..5],
            [
                json!("LoadBalancer"),
                json!("10.96.0.20"),
                json!("<pending>"),
                json!("80:30080/TCP,443/TCP")
            ]
        );
        assert_eq!(c[6], json!("app=web"));
        let headless =
            json!({"metadata": {"name": "db"}, "spec": {"clusterIP": "None", "ports": []}});
        assert_eq!(
            cells("", "services", headless)[1..5],
            [
                json!("ClusterIP"),
                json!("None"),
                json!("<none>"),
                json!("<none>")
            ]
        );
    }

    #[test]
    fn nodes_print_status_roles_and_addresses() {
        let node = json!({"metadata": {"name": "n", "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                       "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}],
                       "nodeInfo": {"kubeletVersion": "v1.33.0", "osImage": "Debian", "kernelVersion": "6.1", "containerRuntimeVersion": "containerd://1.7"}}});
        let c = cells("", "nodes", node);
        assert_eq!(
            c[1..3],
            [json!("Ready,SchedulingDisabled"), json!("control-plane")]
        );
        assert_eq!(c[5..7], [json!("172.18.0.2"), json!("<none>")]);
    }

    #[test]
    fn endpoints_show_three_then_more() {
        let ep = json!({"metadata": {"name": "e"}, "subsets": [{"addresses": [{"ip": "1.1.1.1"}, {"ip": "1.1.1.2"}, {"ip": "1.1.1.3"}, {"ip": "1.1.1.4"}],
            "ports": [{"port": 80}]}]});
        assert_eq!(
            format_endpoints(&ep),
            "1.1.1.1:80,1.1.1.2:80,1.1.1.3:80 + 1 more..."
        );
    }

    #[test]
    fn custom_resources_use_printer_columns() {
        let cols = json!([
            {"name": "Database", "type": "string", "jsonPath": ".spec.database"},
            {"name": "Size", "type": "integer", "jsonPath": ".status.sizeBytes"},
            {"name": "Last-Run", "type": "date", "jsonPath": ".status.lastRun"},
            {"name": "Missing", "type": "string", "jsonPath": ".status.nope"},
        ]);
        let kind = TableKind {
            group: "shop.example.com",
            resource: "backups",
            printer_columns: Some(&cols),
        };
        let obj = json!({"metadata": {"name": "b1"}, "spec": {"database": "orders"},
                         "status": {"sizeBytes": 42, "lastRun": "2026-11-25T11:00:00Z"}});
        assert_eq!(
            row_cells(&kind, &obj, now()),
            vec![
                json!("b1"),
                json!("orders"),
                json!(42),
                json!("60m"),
                Value::Null
            ]
        );
        let names: Vec<Value> = column_definitions(&kind)
            .iter()
            .map(|c| c["name"].clone())
            .collect();
        assert_eq!(
            names,
            vec![
                json!("Name"),
                json!("Database"),
                json!("Size"),
                json!("Last-Run"),
                json!("Missing")
            ]
        );
    }

    #[test]
    fn json_path_handles_escapes_and_indexes() {
        let obj = json!({"metadata": {"labels": {"app.kubernetes.io/name": "x"}}, "spec": {"items": [{"a": 1}]}});
        assert_eq!(
            json_path(&obj, ".metadata.labels.app\\.kubernetes\\.io/name"),
            Some(&json!("x"))
        );
        assert_eq!(json_path(&obj, "{.spec.items[0].a}"), Some(&json!(1)));
        assert_eq!(json_path(&obj, ".spec.nope"), None);
    }
}
