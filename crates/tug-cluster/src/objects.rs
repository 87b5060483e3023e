//! Single objects, fetched when the user inspects one: YAML (without managedFields), a kubectl-describe-like
//! summary with the object's events, what Enter drills into, and a pod's containers.

use serde_json::Value;

use super::discovery::Kind;
use super::table_watch::Scope;
use super::{ClusterError, Result};
use tug_model::duration::age;
use tug_model::table::{Column, Row};

pub async fn get(client: &kube::Client, kind: &Kind, namespace: &str, name: &str) -> Result<Value> {
    let req = http::Request::get(kind.object_path(namespace, name))
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    client.request::<Value>(req).await.map_err(Into::into)
}

/// How a Secret's `data` is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretData {
    /// Not a Secret (or shown as the API returns it).
    Raw,
    /// Values replaced by asterisks: shoulder-surfing and screen sharing are real.
    Masked,
    /// Base64-decoded to text, when the user asks.
    Decoded,
}

/// The object as YAML, `managedFields` hidden unless asked (as `kubectl get -o yaml` does by default).
pub fn to_yaml(obj: &Value, show_managed_fields: bool, secrets: SecretData) -> String {
    use base64::Engine as _;
    let mut obj = obj.clone();
    if !show_managed_fields && let Some(m) = obj["metadata"].as_object_mut() {
        m.remove("managedFields");
    }
    if secrets != SecretData::Raw
        && let Some(data) = obj["data"].as_object_mut()
    {
        for v in data.values_mut() {
            *v = match secrets {
                SecretData::Masked => Value::String("********".into()),
                _ => {
                    let raw = v.as_str().unwrap_or_default();
                    match base64::engine::general_purpose::STANDARD.decode(raw) {
                        Ok(bytes) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
                        Err(_) => v.clone(),
                    }
                }
            };
        }
    }
    serde_saphyr::to_string(&obj).unwrap_or_else(|e| format!("# cannot render YAML: {e}\n"))
}

/// Label selector text from a `metav1.LabelSelector` or a plain map (Services).
pub fn selector_text(sel: &Value) -> Option<String> {
    tug_model::selector::label_selector_text(sel)
}

/// Where Enter leads from an object of `kind`: the pods it selects, runs or holds.
#[derive(Debug)]
pub enum DrillDown {
    Pods(Scope),
    Containers,
    Nothing,
}

pub fn drill_down(kind: &Kind, obj: &Value) -> DrillDown {
    let ns = obj["metadata"]["namespace"].as_str().map(str::to_string);
    let name = obj["metadata"]["name"].as_str().unwrap_or_default();
    match (kind.group.as_str(), kind.plural.as_str()) {
        ("", "pods") => DrillDown::Containers,
        ("apps", "deployments" | "replicasets" | "statefulsets" | "daemonsets")
        | ("batch", "jobs")
        | ("", "replicationcontrollers") => match selector_text(&obj["spec"]["selector"]) {
            Some(sel) => DrillDown::Pods(Scope {
                namespace: ns,
                label_selector: Some(sel),
                field_selector: None,
            }),
            None => DrillDown::Nothing,
        },
        ("", "services") => match selector_text(&obj["spec"]["selector"]) {
            Some(sel) => DrillDown::Pods(Scope {
                namespace: ns,
                label_selector: Some(sel),
                field_selector: None,
            }),
            None => DrillDown::Nothing,
        },
        ("", "nodes") => DrillDown::Pods(Scope {
            namespace: None,
            label_selector: None,
            field_selector: Some(format!("spec.nodeName={name}")),
        }),
        ("", "namespaces") => DrillDown::Pods(Scope {
            namespace: Some(name.to_string()),
            ..Default::default()
        }),
        _ => DrillDown::Nothing,
    }
}

/// A pod's containers (init containers first) as table rows.
pub fn containers(pod: &Value) -> (Vec<Column>, Vec<Row>) {
    let col = |n: &str| Column {
        name: n.into(),
        kind: "string".into(),
        priority: 0,
    };
    let columns = vec![
        col("Name"),
        col("Image"),
        col("Ready"),
        col("State"),
        col("Restarts"),
        col("Ports"),
        col("Type"),
    ];
    let mut rows = vec![];
    for (list, statuses, kind) in [
        ("initContainers", "initContainerStatuses", "init"),
        ("containers", "containerStatuses", "main"),
    ] {
        for c in pod["spec"][list].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or_default();
            let status = pod["status"][statuses]
                .as_array()
                .into_iter()
                .flatten()
                .find(|s| s["name"].as_str() == Some(name))
                .cloned()
                .unwrap_or(Value::Null);
            let state = if let Some(w) = status["state"]["waiting"].as_object() {
                w.get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or("Waiting")
                    .to_string()
            } else if let Some(t) = status["state"]["terminated"].as_object() {
                t.get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or("Terminated")
                    .to_string()
            } else if status["state"]["running"].is_object() {
                "Running".into()
            } else {
                "Unknown".into()
            };
            let ports: Vec<String> = c["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    format!(
                        "{}/{}",
                        p["containerPort"],
                        p["protocol"].as_str().unwrap_or("TCP")
                    )
                })
                .collect();
            rows.push(Row {
                namespace: pod["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                name: name.into(),
                uid: "".into(),
                created: None,
                deleting: false,
                cells: vec![
                    name.into(),
                    c["image"].as_str().unwrap_or_default().into(),
                    (if status["ready"] == true {
                        "true"
                    } else {
                        "false"
                    })
                    .into(),
                    state.into(),
                    status["restartCount"]
                        .as_i64()
                        .unwrap_or(0)
                        .to_string()
                        .into(),
                    (if ports.is_empty() {
                        "<none>".to_string()
                    } else {
                        ports.join(",")
                    })
                    .into(),
                    kind.into(),
                ],
            });
        }
    }
    (columns, rows)
}

/// A kubectl-describe-like text: identity, labels, kind-specific status, and the object's events.
pub async fn describe(client: &kube::Client, kind: &Kind, obj: &Value) -> String {
    let now = jiff::Timestamp::now();
    let meta = &obj["metadata"];
    let mut out = String::new();
    fn field(out: &mut String, k: &str, v: &str) {
        out.push_str(&format!("{:<20}{v}\n", format!("{k}:")));
    }
    field(&mut out, "Name", meta["name"].as_str().unwrap_or_default());
    if let Some(ns) = meta["namespace"].as_str() {
        field(&mut out, "Namespace", ns);
    }
    field(
        &mut out,
        "Kind",
        &format!("{} ({})", kind.kind, kind.api_version()),
    );
    field(
        &mut out,
        "CreationTimestamp",
        meta["creationTimestamp"].as_str().unwrap_or_default(),
    );
    let map_lines = |v: &Value| -> String {
        let lines: Vec<String> = v
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect();
        if lines.is_empty() {
            "<none>".into()
        } else {
            lines.join(&format!("\n{:20}", ""))
        }
    };
    field(&mut out, "Labels", &map_lines(&meta["labels"]));
    let mut annotations = meta["annotations"].clone();
    if let Some(a) = annotations.as_object_mut() {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
    field(&mut out, "Annotations", &map_lines(&annotations));
    let status = &obj["status"];
    if let Some(phase) = status["phase"].as_str() {
        field(&mut out, "Status", phase);
    }
    if kind.is("", "pods") {
        field(
            &mut out,
            "Node",
            obj["spec"]["nodeName"].as_str().unwrap_or("<none>"),
        );
        field(&mut out, "IP", status["podIP"].as_str().unwrap_or("<none>"));
        field(
            &mut out,
            "QoS Class",
            status["qosClass"].as_str().unwrap_or_default(),
        );
        out.push_str("Containers:\n");
        for c in obj["spec"]["containers"].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or_default();
            let st = status["containerStatuses"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|s| s["name"].as_str() == Some(name));
            out.push_str(&format!(
                "  {name}:\n    Image:          {}\n",
                c["image"].as_str().unwrap_or_default()
            ));
            if let Some(st) = st {
                let state = st["state"]
                    .as_object()
                    .and_then(|m| m.keys().next().cloned())
                    .unwrap_or_default();
                out.push_str(&format!("    State:          {}\n", capitalize(&state)));
                if let Some(r) = st["state"]["waiting"]["reason"].as_str() {
                    out.push_str(&format!("      Reason:       {r}\n"));
                }
                if let Some(t) = st["lastState"]["terminated"].as_object() {
                    out.push_str(&format!(
                        "    Last State:     Terminated\n      Reason:       {}\n      Exit Code:    {}\n",
                        t.get("reason").and_then(Value::as_str).unwrap_or_default(),
                        t.get("exitCode").and_then(Value::as_i64).unwrap_or_default()
                    ));
                }
                out.push_str(&format!(
                    "    Ready:          {}\n    Restart Count:  {}\n",
                    st["ready"], st["restartCount"]
                ));
            }
        }
    }
    if let Some(replicas) = obj["spec"]["replicas"].as_i64() {
        field(
            &mut out,
            "Replicas",
            &format!(
                "{replicas} desired | {} updated | {} total | {} available",
                status["updatedReplicas"].as_i64().unwrap_or(0),
                status["replicas"].as_i64().unwrap_or(0),
                status["availableReplicas"].as_i64().unwrap_or(0)
            ),
        );
    }
    if let Some(sel) = selector_text(&obj["spec"]["selector"]) {
        field(&mut out, "Selector", &sel);
    }
    let conditions: Vec<&Value> = status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    if !conditions.is_empty() {
        out.push_str("Conditions:\n  Type                       Status  Reason\n  ----                       ------  ------\n");
        for c in conditions {
            out.push_str(&format!(
                "  {:<26} {:<7} {}\n",
                c["type"].as_str().unwrap_or_default(),
                c["status"].as_str().unwrap_or_default(),
                c["reason"].as_str().unwrap_or_default()
            ));
        }
    }
    out.push_str("Events:");
    match events_of(client, obj).await {
        Ok(events) if events.is_empty() => out.push_str("  <none>\n"),
        Ok(mut events) => {
            events.sort_by_key(|e| e["lastTimestamp"].as_str().unwrap_or_default().to_string());
            out.push_str("\n  Type     Reason              Age    From                Message\n  ----     ------              ----   ----                -------\n");
            for e in events {
                out.push_str(&format!(
                    "  {:<8} {:<19} {:<6} {:<19} {}\n",
                    e["type"].as_str().unwrap_or_default(),
                    e["reason"].as_str().unwrap_or_default(),
                    age(e["lastTimestamp"].as_str().unwrap_or_default(), now),
                    e["source"]["component"].as_str().unwrap_or_default(),
                    e["message"].as_str().unwrap_or_default().trim()
                ));
            }
        }
        Err(e) => out.push_str(&format!("  <cannot list events: {e}>\n")),
    }
    out
}

/// Events as `kubectl events` lists them: oldest first, with type, reason, age, source and message.
pub fn events_text(events: &[Value], now: jiff::Timestamp) -> String {
    let mut events: Vec<&Value> = events.iter().collect();
    events.sort_by_key(|e| e["lastTimestamp"].as_str().unwrap_or_default().to_string());
    if events.is_empty() {
        return "No events.".into();
    }
    let mut out = String::from(
        "LAST SEEN  TYPE     REASON              COUNT  FROM                MESSAGE\n",
    );
    for e in events {
        out.push_str(&format!(
            "{:<10} {:<8} {:<19} {:<6} {:<19} {}\n",
            age(e["lastTimestamp"].as_str().unwrap_or_default(), now),
            e["type"].as_str().unwrap_or_default(),
            e["reason"].as_str().unwrap_or_default(),
            e["count"].as_i64().unwrap_or(1),
            e["source"]["component"].as_str().unwrap_or_default(),
            e["message"].as_str().unwrap_or_default().trim()
        ));
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The events whose involvedObject is `obj`.
pub async fn events_of(client: &kube::Client, obj: &Value) -> Result<Vec<Value>> {
    let ns = obj["metadata"]["namespace"].as_str().unwrap_or("default");
    let uid = obj["metadata"]["uid"].as_str().unwrap_or_default();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("fieldSelector", &format!("involvedObject.uid={uid}"))
        .finish();
    let req = http::Request::get(format!("/api/v1/namespaces/{ns}/events?{query}"))
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let list: Value = client.request(req).await?;
    Ok(list["items"].as_array().cloned().unwrap_or_default())
}

/// The ReplicaSets a Deployment controls (its rollout history).
pub async fn replica_sets_of(client: &kube::Client, deployment: &Value) -> Result<Vec<Value>> {
    let ns = deployment["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default");
    let uid = deployment["metadata"]["uid"].as_str().unwrap_or_default();
    let mut path = format!("/apis/apps/v1/namespaces/{ns}/replicasets");
    if let Some(sel) = selector_text(&deployment["spec"]["selector"]) {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("labelSelector", &sel)
            .finish();
        path = format!("{path}?{query}");
    }
    let req = http::Request::get(path)
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))?;
    let list: Value = client.request(req).await?;
    Ok(list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|rs| {
            rs["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|o| o["uid"].as_str() == Some(uid))
        })
        .cloned()
        .collect())
}
