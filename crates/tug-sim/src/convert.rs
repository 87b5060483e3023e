//! Kinds served under two groups from one storage, as the apiserver does: `events.k8s.io/v1` Events are the
//! core `v1` Events (one table, one resourceVersion sequence), with fields renamed on the way out and back
//! (`involvedObject` ⇄ `regarding`, `message` ⇄ `note`, `source` ⇄ `deprecatedSource`, ...), per the
//! apiserver's `pkg/apis/events/v1` conversion. Pure; must not depend on HTTP or the store.

use serde_json::{Map, Value};

use super::resources::ResourceDef;

/// Core field ⇄ `events.k8s.io/v1` field; the rest (`reason`, `type`, `action`, `related`, `series`,
/// `eventTime`, `reportingInstance`, `metadata`) keep their names.
const EVENT_FIELDS: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("reportingComponent", "reportingController"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
];

/// Whether `res` is served from another kind's storage.
pub fn is_events_v1(res: &ResourceDef) -> bool {
    res.is("events.k8s.io", "events")
}

fn rename(obj: &Value, api_version: &str, to_v1: bool) -> Value {
    let Some(map) = obj.as_object() else {
        return obj.clone();
    };
    let mut out = Map::with_capacity(map.len());
    for (k, v) in map {
        let renamed = EVENT_FIELDS.iter().find_map(|(core, v1)| match to_v1 {
            true if k == core => Some(*v1),
            false if k == v1 => Some(*core),
            _ => None,
        });
        out.insert(renamed.unwrap_or(k).to_string(), v.clone());
    }
    if out.contains_key("apiVersion") {
        out.insert("apiVersion".into(), Value::from(api_version));
    }
    Value::Object(out)
}

/// The stored object as `res` shows it.
pub fn to_served(res: &ResourceDef, stored: &Value) -> Value {
    if is_events_v1(res) {
        rename(stored, "events.k8s.io/v1", true)
    } else {
        stored.clone()
    }
}

/// An object sent to `res`, in the form it is stored in.
pub fn to_stored(res: &ResourceDef, served: Value) -> Value {
    if is_events_v1(res) {
        rename(&served, "v1", false)
    } else {
        served
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn core_events_read_as_events_k8s_io_and_back() {
        let res = crate::resources::Registry::with_builtins()
            .preferred("events.k8s.io", "events")
            .unwrap();
        let core = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"},
            "involvedObject": {"kind": "Pod", "name": "web-1"}, "message": "Back-off", "reason": "BackOff",
            "source": {"component": "kubelet"}, "count": 3, "type": "Warning"});
        let v1 = to_served(&res, &core);
        assert_eq!(v1["apiVersion"], "events.k8s.io/v1");
        assert_eq!(v1["regarding"]["name"], "web-1");
        assert_eq!(v1["note"], "Back-off");
        assert_eq!(v1["deprecatedSource"]["component"], "kubelet");
        assert_eq!(v1["deprecatedCount"], 3);
        assert_eq!(v1["reason"], "BackOff");
        assert!(v1.get("message").is_none());
        assert_eq!(to_stored(&res, v1), core);
    }
}
