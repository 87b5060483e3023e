//! Server-side apply (`application/apply-patch+yaml`), as the apiserver's fieldmanager and structured-merge-diff
//! do it on JSON: the applied configuration's fields become the manager's `Apply` entry in
//! `metadata.managedFields`; a field another manager owns and the configuration changes is a conflict (409 with
//! the real message) unless `force`, which moves it; fields the manager applied before and no longer applies
//! are removed from the object when nobody else owns them. Pure; must not depend on HTTP or the store.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::managed_fields::{self, FieldPath};
use crate::patch::{self, PatchKind};
use crate::status::ApiError;

/// One apply request.
#[derive(Debug, Clone)]
pub struct Applier<'a> {
    /// `?fieldManager=` (required for apply).
    pub manager: &'a str,
    /// `?force=true` (`kubectl apply --server-side --force-conflicts`).
    pub force: bool,
    /// `None` for the main resource, else `status`.
    pub subresource: Option<&'a str>,
    /// The group/version the endpoint serves (`apps/v1`).
    pub api_version: &'a str,
    pub kind: &'a str,
    /// `metav1.Time` of the write.
    pub time: &'a str,
}

/// Checks the configuration names this endpoint's kind and version and carries no managedFields, with the
/// fieldmanager's messages (`versionCheckManager`, `structuredMergeManager`).
pub fn check_config(config: &Value, api_version: &str, kind: &str) -> Result<(), ApiError> {
    if !config.is_object() {
        return Err(ApiError::bad_request(
            "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}",
        ));
    }
    let av = config["apiVersion"].as_str().unwrap_or_default();
    let k = config["kind"].as_str().unwrap_or_default();
    if av != api_version || k != kind {
        let (group, version) = av.rsplit_once('/').unwrap_or(("", av));
        return Err(ApiError::bad_request(format!(
            "invalid object type: {group}/{version}, Kind={k}"
        )));
    }
    if config["metadata"]
        .get("managedFields")
        .is_some_and(|m| !m.is_null())
    {
        return Err(ApiError::bad_request("metadata.managedFields must be nil"));
    }
    Ok(())
}

/// Applies `config` over `live` (`None` when the apply creates the object), returning the new object with its
/// managedFields. `live` is the object as this endpoint's version serves it.
pub fn apply(live: Option<&Value>, config: &Value, who: &Applier) -> Result<Value, ApiError> {
    let empty = json!({});
    let base = live.unwrap_or(&empty);
    let mut entries: Vec<Value> = base["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut without_fields = base.clone();
    if let Some(m) = without_fields["metadata"].as_object_mut() {
        m.remove("managedFields");
    }
    let mut merged = patch::apply(&without_fields, config, &PatchKind::Apply)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let applied = applied_set(config, who.subresource);
    let sub = who.subresource.unwrap_or_default();
    let is_mine = |e: &Value| {
        e["manager"].as_str() == Some(who.manager)
            && e["operation"].as_str() == Some("Apply")
            && e["subresource"].as_str().unwrap_or_default() == sub
    };

    // Conflicts: a field another manager owns whose value this apply changes.
    let mut conflicts: Vec<(usize, FieldPath)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if is_mine(e) {
            continue;
        }
        for p in managed_fields::paths_of(&e["fieldsV1"]).intersection(&applied) {
            if value_at(base, p) != value_at(&merged, p) {
                conflicts.push((i, p.clone()));
            }
        }
    }
    if !conflicts.is_empty() && !who.force {
        return Err(conflict_error(&entries, &conflicts));
    }
    // Forced: the applier takes the conflicting fields from their owners.
    for (i, p) in &conflicts {
        let mut owned = managed_fields::paths_of(&entries[*i]["fieldsV1"]);
        owned.remove(p);
        entries[*i]["fieldsV1"] = managed_fields::tree_of(&owned);
    }

    // Fields this manager applied last time and no longer does go, unless another manager owns them.
    let before: BTreeSet<FieldPath> = entries
        .iter()
        .find(|e| is_mine(e))
        .map(|e| managed_fields::paths_of(&e["fieldsV1"]))
        .unwrap_or_default();
    let others: BTreeSet<FieldPath> = entries
        .iter()
        .filter(|e| !is_mine(e))
        .flat_map(|e| managed_fields::paths_of(&e["fieldsV1"]))
        .collect();
    // Deepest first, so an item's own fields go before the item.
    let mut gone: Vec<&FieldPath> = before
        .difference(&applied)
        .filter(|p| !others.contains(*p))
        .collect();
    gone.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in gone {
        remove_at(&mut merged, p);
    }

    let entry = {
        let mut e = json!({
            "manager": who.manager,
            "operation": "Apply",
            "apiVersion": who.api_version,
            "time": who.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": managed_fields::tree_of(&applied),
        });
        if !sub.is_empty() {
            e["subresource"] = json!(sub);
        }
        e
    };
    let mut out: Vec<Value> = Vec::with_capacity(entries.len() + 1);
    let mut placed = false;
    for e in entries {
        if is_mine(&e) {
            out.push(entry.clone());
            placed = true;
        } else if !managed_fields::paths_of(&e["fieldsV1"]).is_empty() {
            out.push(e);
        }
    }
    if !placed {
        out.push(entry);
    }
    managed_fields::sort_entries(&mut out);
    if let Some(meta) = merged["metadata"].as_object_mut() {
        meta.insert("managedFields".into(), Value::Array(out));
    }
    Ok(merged)
}

/// The fields an applied configuration sets: every leaf (scalar, atomic list, empty object), and each item
/// of a list merged by key with `.` for the item itself, as structured-merge-diff's `ToFieldSet`. Server-owned
/// metadata, `apiVersion`/`kind` and the other scope's part (status, or all but status) are not included.
pub fn applied_set(config: &Value, subresource: Option<&str>) -> BTreeSet<FieldPath> {
    let mut out = BTreeSet::new();
    let Some(top) = config.as_object() else {
        return out;
    };
    for (key, value) in top {
        if key == "apiVersion" || key == "kind" {
            continue;
        }
        let in_scope = match subresource {
            Some("status") => key == "status",
            _ => key != "status",
        };
        if !in_scope {
            continue;
        }
        if key == "metadata" {
            for (mk, mv) in value.as_object().into_iter().flatten() {
                if managed_fields::SERVER_METADATA.contains(&mk.as_str()) {
                    continue;
                }
                leaves(
                    mv,
                    vec!["f:metadata".into(), managed_fields::field(mk)],
                    &mut out,
                );
            }
        } else {
            leaves(value, vec![managed_fields::field(key)], &mut out);
        }
    }
    out
}

fn leaves(value: &Value, path: FieldPath, out: &mut BTreeSet<FieldPath>) {
    match value {
        Value::Null => {}
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                leaves(v, child(&path, &managed_fields::field(k)), out);
            }
        }
        Value::Array(items) => match managed_fields::item_keys(items).filter(|k| !k.is_empty()) {
            Some(keys) => {
                for (key, item) in keys.iter().zip(items) {
                    let item_path = child(&path, key);
                    out.insert(child(&item_path, "."));
                    for (k, v) in item.as_object().into_iter().flatten() {
                        leaves(v, child(&item_path, &managed_fields::field(k)), out);
                    }
                }
            }
            None => {
                out.insert(path);
            }
        },
        _ => {
            out.insert(path);
        }
    }
}

fn child(path: &FieldPath, seg: &str) -> FieldPath {
    let mut p = path.clone();
    p.push(seg.to_string());
    p
}

/// The list item a `k:{…}` segment names: every key field matches.
fn find_item<'a>(items: &'a [Value], seg: &str) -> Option<(usize, &'a Value)> {
    let key: Value = serde_json::from_str(seg.strip_prefix("k:")?).ok()?;
    let key = key.as_object()?;
    items
        .iter()
        .enumerate()
        .find(|(_, item)| key.iter().all(|(k, v)| item.get(k) == Some(v)))
}

/// The value at a field path; for `.` (an item itself), `true` when the item exists.
fn value_at(obj: &Value, path: &FieldPath) -> Option<Value> {
    let mut node = obj;
    for seg in path {
        if seg == "." {
            return Some(Value::Bool(true));
        }
        node = if let Some(name) = seg.strip_prefix("f:") {
            node.get(name)?
        } else if seg.starts_with("k:") {
            find_item(node.as_array()?, seg)?.1
        } else {
            return None;
        };
    }
    Some(node.clone())
}

/// Removes the field (or, for a path ending in `.`, the list item) at `path`.
fn remove_at(obj: &mut Value, path: &FieldPath) {
    let (target, parent_path) = match path.split_last() {
        Some((last, rest)) if last == "." => match rest.split_last() {
            Some((item, rest)) => (item.clone(), rest.to_vec()),
            None => return,
        },
        Some((last, rest)) => (last.clone(), rest.to_vec()),
        None => return,
    };
    let mut node = obj;
    for seg in &parent_path {
        let next = if let Some(name) = seg.strip_prefix("f:") {
            node.get_mut(name)
        } else if seg.starts_with("k:") {
            let idx = node
                .as_array()
                .and_then(|a| find_item(a, seg))
                .map(|(i, _)| i);
            match idx {
                Some(i) => node.get_mut(i),
                None => None,
            }
        } else {
            None
        };
        let Some(next) = next else { return };
        node = next;
    }
    if let Some(name) = target.strip_prefix("f:") {
        if let Some(m) = node.as_object_mut() {
            m.remove(name);
        }
    } else if target.starts_with("k:") {
        let idx = node
            .as_array()
            .and_then(|a| find_item(a, &target))
            .map(|(i, _)| i);
        if let (Some(i), Some(items)) = (idx, node.as_array_mut()) {
            items.remove(i);
        }
    }
}

/// A field path as structured-merge-diff prints it: `.spec.template.spec.containers[name="web"].image`.
pub fn path_string(path: &FieldPath) -> String {
    let mut s = String::new();
    for seg in path {
        if let Some(name) = seg.strip_prefix("f:") {
            s.push('.');
            s.push_str(name);
        } else if let Some(key) = seg.strip_prefix("k:") {
            let parsed: Value = serde_json::from_str(key).unwrap_or(Value::Null);
            let fields: Vec<String> = parsed
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            s.push_str(&format!("[{}]", fields.join(",")));
        }
    }
    s
}

/// A manager as the apiserver's conflict messages name it (`printManager`): an Update manager with its
/// version (the identifier the fieldmanager keys managers by carries no time).
fn print_manager(e: &Value) -> String {
    let mut m = format!("{:?}", e["manager"].as_str().unwrap_or_default());
    if let Some(sub) = e["subresource"].as_str().filter(|s| !s.is_empty()) {
        m = format!("{m} with subresource {sub:?}");
    }
    if e["operation"] == "Update" {
        m = format!("{m} using {}", e["apiVersion"].as_str().unwrap_or_default());
    }
    m
}

/// The 409 of `NewConflictError`: one cause per conflicting field, the message grouped by manager.
fn conflict_error(entries: &[Value], conflicts: &[(usize, FieldPath)]) -> ApiError {
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(i, p)| {
            json!({"type": "FieldManagerConflict",
                   "message": format!("conflict with {}", print_manager(&entries[*i])),
                   "field": path_string(p)})
        })
        .collect();
    let message = if let [(i, p)] = conflicts {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            print_manager(&entries[*i]),
            path_string(p)
        )
    } else {
        let mut by_manager: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, p) in conflicts {
            by_manager
                .entry(print_manager(&entries[*i]))
                .or_default()
                .push(path_string(p));
        }
        let mut lines = Vec::new();
        for (manager, paths) in by_manager {
            lines.push(format!("conflicts with {manager}:"));
            lines.extend(paths.into_iter().map(|p| format!("- {p}")));
        }
        format!(
            "Apply failed with {} conflicts: {}",
            conflicts.len(),
            lines.join("\n")
        )
    };
    ApiError::new(409, "Conflict", message).with_details(json!({"causes": causes}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who<'a>(manager: &'a str, force: bool) -> Applier<'a> {
        Applier {
            manager,
            force,
            subresource: None,
            api_version: "v1",
            kind: "ConfigMap",
            time: "2026-01-01T00:00:00Z",
        }
    }

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": data})
    }

    #[test]
    fn a_create_records_an_apply_entry_for_the_applied_fields() {
        let out = apply(None, &cm(json!({"k": "1"})), &who("mgr-a", false)).unwrap();
        let e = &out["metadata"]["managedFields"][0];
        assert_eq!(e["manager"], "mgr-a");
        assert_eq!(e["operation"], "Apply");
        assert_eq!(e["fieldsV1"], json!({"f:data": {"f:k": {}}}));
        assert_eq!(out["data"]["k"], "1");
    }

    #[test]
    fn another_manager_changing_an_owned_field_conflicts_until_forced() {
        let live = apply(None, &cm(json!({"k": "1"})), &who("mgr-a", false)).unwrap();
        let err = apply(Some(&live), &cm(json!({"k": "2"})), &who("mgr-b", false)).unwrap_err();
        assert_eq!(err.code, 409);
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"mgr-a\": .data.k"
        );
        // The same value is shared, not a conflict.
        let shared = apply(Some(&live), &cm(json!({"k": "1"})), &who("mgr-b", false)).unwrap();
        assert_eq!(
            shared["metadata"]["managedFields"]
                .as_array()
                .unwrap()
                .len(),
            2
        );

        let forced = apply(Some(&live), &cm(json!({"k": "2"})), &who("mgr-b", true)).unwrap();
        assert_eq!(forced["data"]["k"], "2");
        let entries = forced["metadata"]["managedFields"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "mgr-a owned nothing else: {entries:?}");
        assert_eq!(entries[0]["manager"], "mgr-b");
    }

    #[test]
    fn a_field_no_longer_applied_is_removed_unless_someone_else_owns_it() {
        let live = apply(None, &cm(json!({"a": "1", "b": "2"})), &who("mgr-a", false)).unwrap();
        let live = apply(Some(&live), &cm(json!({"b": "2"})), &who("mgr-b", false)).unwrap();
        let out = apply(Some(&live), &cm(json!({})), &who("mgr-a", false)).unwrap();
        assert_eq!(out["data"], json!({"b": "2"}), "b is still mgr-b's");
    }

    #[test]
    fn list_items_are_owned_by_key_and_printed_as_smd_paths() {
        let dep = |image: &str| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}})
        };
        let mut a = who("mgr-a", false);
        a.api_version = "apps/v1";
        let live = apply(None, &dep("v1"), &a).unwrap();
        let f = &live["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:template"]["f:spec"]
            ["f:containers"]["k:{\"name\":\"web\"}"];
        assert_eq!(f["."], json!({}));
        assert_eq!(f["f:image"], json!({}));
        let mut b = a.clone();
        b.manager = "mgr-b";
        let err = apply(Some(&live), &dep("v2"), &b).unwrap_err();
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"mgr-a\": .spec.template.spec.containers[name=\"web\"].image"
        );
    }

    #[test]
    fn an_update_manager_is_named_with_its_version() {
        let mut live = cm(json!({"k": "1"}));
        live["metadata"]["managedFields"] = json!([{"manager": "kubectl-edit", "operation": "Update",
            "apiVersion": "v1", "time": "2026-01-01T00:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:k": {}, "f:j": {}}}}]);
        live["data"]["j"] = json!("0");
        let err = apply(
            Some(&live),
            &cm(json!({"k": "2", "j": "9"})),
            &who("m", false),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Apply failed with 2 conflicts: conflicts with \"kubectl-edit\" using v1:\n- .data.j\n- .data.k"
        );
    }

    #[test]
    fn the_config_must_be_of_this_kind_and_version() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}});
        assert_eq!(
            check_config(&d, "v1", "ConfigMap").unwrap_err().message,
            "invalid object type: apps/v1, Kind=Deployment"
        );
        let c = cm(json!({}));
        assert_eq!(
            check_config(&c, "apps/v1", "Deployment")
                .unwrap_err()
                .message,
            "invalid object type: /v1, Kind=ConfigMap"
        );
        assert!(check_config(&c, "v1", "ConfigMap").is_ok());
    }
}
