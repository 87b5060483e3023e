//! Texts about one object, as kubectl prints them: a describe-like summary (identity, labels, kind-specific
//! status, events) and an events list. Pure: the events are fetched by the caller.

use serde_json::Value;

use crate::duration::age;
use crate::kind::Kind;
use crate::selector::label_selector_text;

/// A kubectl-describe-like text: identity, labels, kind-specific status, and the object's events.
/// `events` are the object's events, or why they could not be listed.
pub fn describe(
    kind: &Kind,
    obj: &Value,
    events: Result<Vec<Value>, String>,
    now: jiff::Timestamp,
) -> String {
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
    if let Some(sel) = label_selector_text(&obj["spec"]["selector"]) {
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
    match events {
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
