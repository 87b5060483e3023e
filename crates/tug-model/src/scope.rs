//! Which objects a view shows (a namespace and selectors), and which objects Enter on one object leads to.
//! Pure: no requests are made here.

use serde_json::Value;

use crate::kind::Kind;
use crate::selector::label_selector_text;

/// Which objects a view shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// `None`: all namespaces (or a cluster-scoped kind).
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
}

/// Where Enter leads from an object of `kind`: the pods it selects, runs or holds.
#[derive(Debug)]
pub enum DrillDown {
    Pods(Scope),
    Containers,
    Nothing,
}

/// Where Enter leads from an object of a kind whose drill-down follows from the name alone (a namespace's or a
/// node's pods), so the view opens at once instead of after a GET of the object (a round trip per key, which
/// a busy server makes long); `None` for kinds that need the object (a selector in its spec).
pub fn drill_down_by_name(kind: &Kind, name: &str) -> Option<DrillDown> {
    match (kind.group.as_str(), kind.plural.as_str()) {
        ("", "nodes") => Some(DrillDown::Pods(Scope {
            namespace: None,
            label_selector: None,
            field_selector: Some(format!("spec.nodeName={name}")),
        })),
        ("", "namespaces") => Some(DrillDown::Pods(Scope {
            namespace: Some(name.to_string()),
            ..Default::default()
        })),
        _ => None,
    }
}

pub fn drill_down(kind: &Kind, obj: &Value) -> DrillDown {
    let ns = obj["metadata"]["namespace"].as_str().map(str::to_string);
    let name = obj["metadata"]["name"].as_str().unwrap_or_default();
    if let Some(by_name) = drill_down_by_name(kind, name) {
        return by_name;
    }
    let selected = || match label_selector_text(&obj["spec"]["selector"]) {
        Some(sel) => DrillDown::Pods(Scope {
            namespace: ns.clone(),
            label_selector: Some(sel),
            field_selector: None,
        }),
        None => DrillDown::Nothing,
    };
    match (kind.group.as_str(), kind.plural.as_str()) {
        ("", "pods") => DrillDown::Containers,
        ("apps", "deployments" | "replicasets" | "statefulsets" | "daemonsets")
        | ("batch", "jobs")
        | ("", "replicationcontrollers" | "services") => selected(),
        _ => DrillDown::Nothing,
    }
}
