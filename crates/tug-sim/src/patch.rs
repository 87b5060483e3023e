//! PATCH bodies applied to stored objects: JSON merge patch, JSON patch, and strategic merge patch
//! (the common cases kubectl and kube-rs send: lists merged by their Kubernetes merge keys, `$patch` directives).
//! Pure; must not depend on the store or HTTP.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchKind {
    Merge,
    Json,
    Strategic,
    /// Server-side apply; the sim applies it like a strategic merge of the whole intent.
    Apply,
}

impl PatchKind {
    pub fn from_content_type(ct: &str) -> Option<Self> {
        let ct = ct.split(';').next().unwrap_or_default().trim();
        Some(match ct {
            "application/merge-patch+json" => Self::Merge,
            "application/json-patch+json" => Self::Json,
            "application/strategic-merge-patch+json" => Self::Strategic,
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => Self::Apply,
            _ => return None,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// The body is not valid JSON for the patch type.
    #[error("{0}")]
    Decode(String),
    /// A JSON patch operation failed (missing path, failed test).
    #[error("{0}")]
    Apply(String),
}

/// Applies `patch` of `kind` to `target`, returning the patched object.
pub fn apply(target: &Value, patch: &Value, kind: &PatchKind) -> Result<Value, PatchError> {
    let mut out = target.clone();
    match kind {
        PatchKind::Merge => json_patch::merge(&mut out, patch),
        PatchKind::Json => {
            let ops: json_patch::Patch = serde_json::from_value(patch.clone())
                .map_err(|e| PatchError::Decode(format!("json: cannot unmarshal: {e}")))?;
            json_patch::patch(&mut out, &ops).map_err(|e| PatchError::Apply(e.to_string()))?;
        }
        PatchKind::Strategic | PatchKind::Apply => {
            if !patch.is_object() {
                return Err(PatchError::Decode(
                    "json: cannot unmarshal array into Go value of type map[string]interface {}"
                        .into(),
                ));
            }
            strategic_merge(&mut out, patch);
        }
    }
    Ok(out)
}

/// The merge key Kubernetes declares for a list field (`patchMergeKey`), by field name and, where names
/// collide, by the elements' shape. `None` means the list is replaced (atomic).
fn merge_key(field: &str, sample: Option<&Value>) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims"
        | "readinessGates"
        | "schedulingGates" => {
            if field == "readinessGates" {
                "conditionType"
            } else {
                "name"
            }
        }
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "topologySpreadConstraints" => "topologyKey",
        "ports" => {
            if sample.is_some_and(|s| s.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    })
}

/// Lists of scalars merged as sets rather than replaced.
fn is_primitive_merge_list(field: &str) -> bool {
    field == "finalizers"
}

fn strategic_merge(target: &mut Value, patch: &Value) {
    let Some(pmap) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if pmap.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replaced = pmap.clone();
        replaced.remove("$patch");
        *target = Value::Object(replaced);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(tmap) = target.as_object_mut() else {
        return;
    };
    for (key, pv) in pmap {
        if key.starts_with("$setElementOrder/") || key == "$retainKeys" || key == "$patch" {
            continue;
        }
        if let Some(list_field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Some(remove)) =
                (tmap.get_mut(list_field), pv.as_array())
            {
                items.retain(|i| !remove.contains(i));
            }
            continue;
        }
        if pv.is_null() {
            tmap.remove(key);
            continue;
        }
        match pv {
            Value::Object(_) => {
                let slot = tmap.entry(key.clone()).or_insert(Value::Null);
                strategic_merge(slot, pv);
            }
            Value::Array(pitems) => {
                let current = tmap.get_mut(key);
                match current {
                    Some(Value::Array(titems)) => merge_list(titems, pitems, key),
                    _ => {
                        let cleaned: Vec<Value> = pitems
                            .iter()
                            .filter(|i| i.get("$patch").and_then(Value::as_str) != Some("delete"))
                            .cloned()
                            .collect();
                        tmap.insert(key.clone(), Value::Array(cleaned));
                    }
                }
            }
            _ => {
                tmap.insert(key.clone(), pv.clone());
            }
        }
    }
}

fn merge_list(target: &mut Vec<Value>, patch: &[Value], field: &str) {
    if is_primitive_merge_list(field) {
        for p in patch {
            if !target.contains(p) {
                target.push(p.clone());
            }
        }
        return;
    }
    if patch
        .iter()
        .any(|p| p.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        *target = patch
            .iter()
            .filter(|p| p.get("$patch").is_none())
            .cloned()
            .collect();
        return;
    }
    let Some(key) = merge_key(field, patch.first().or(target.first())) else {
        *target = patch.to_vec();
        return;
    };
    for p in patch {
        let id = p.get(key);
        let pos = target.iter().position(|t| id.is_some() && t.get(key) == id);
        let delete = p.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(i), true) => {
                target.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => strategic_merge(&mut target[i], p),
            (None, false) => {
                let mut fresh = Value::Object(Map::new());
                strategic_merge(&mut fresh, p);
                target.push(fresh);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [
            {"name": "web", "image": "nginx:1.25", "env": [{"name": "A", "value": "1"}]},
            {"name": "sidecar", "image": "envoy:1"}
        ]}}}})
    }

    #[test]
    fn set_image_patch_merges_containers_by_name() {
        // What `kubectl set image deploy/x web=nginx:1.26` sends.
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"image": "nginx:1.26", "name": "web"}]}}}});
        let out = apply(&deployment(), &patch, &PatchKind::Strategic).unwrap();
        let containers = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers[0]["image"], "nginx:1.26");
        assert_eq!(containers[0]["env"][0]["value"], "1");
        assert_eq!(containers[1]["image"], "envoy:1");
    }

    #[test]
    fn merge_patch_replaces_lists_and_deletes_nulls() {
        let patch = json!({"spec": {"replicas": null, "template": {"spec": {"containers": [{"name": "only"}]}}}});
        let out = apply(&deployment(), &patch, &PatchKind::Merge).unwrap();
        assert!(out["spec"].get("replicas").is_none());
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "only"}])
        );
    }

    #[test]
    fn strategic_delete_directive_removes_list_element() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}});
        let out = apply(&deployment(), &patch, &PatchKind::Strategic).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn json_patch_replace_and_failing_test() {
        let patch = json!([{"op": "replace", "path": "/spec/replicas", "value": 5}]);
        let out = apply(&deployment(), &patch, &PatchKind::Json).unwrap();
        assert_eq!(out["spec"]["replicas"], 5);
        let bad = json!([{"op": "test", "path": "/spec/replicas", "value": 9}]);
        assert!(apply(&deployment(), &bad, &PatchKind::Json).is_err());
        assert!(apply(&deployment(), &json!({"op": 1}), &PatchKind::Json).is_err());
    }

    #[test]
    fn service_ports_merge_by_port() {
        let svc = json!({"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]}});
        let patch = json!({"spec": {"ports": [{"port": 443, "targetPort": 8443}]}});
        let out = apply(&svc, &patch, &PatchKind::Strategic).unwrap();
        assert_eq!(out["spec"]["ports"][1]["targetPort"], 8443);
        assert_eq!(out["spec"]["ports"][1]["name"], "https");
    }
}
