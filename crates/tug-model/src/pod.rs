//! A pod's containers as table rows (name, image, readiness, state, restarts, ports), from the pod object.

use serde_json::Value;

use crate::table::{Column, Row};

/// A pod's containers (init containers first) as table rows.
pub fn containers(pod: &Value) -> (Vec<Column>, Vec<Row>) {
    let col = |n: &str| Column {
        name: n.into(),
        kind: "string".into(),
        priority: 0,
    };
    let mut columns = vec![
        col("Name"),
        col("Image"),
        col("Ready"),
        col("State"),
        col("Restarts"),
        col("Ports"),
        col("Type"),
    ];
    // Each container's requests and limits, hidden, for its metric percentages.
    columns.extend(crate::metrics::SPEC_COLUMNS.iter().map(|(n, _)| col(n)));
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
                ]
                .into_iter()
                .chain(crate::metrics::container_spec(c))
                .collect(),
            });
        }
    }
    (columns, rows)
}
