//! `metadata.managedFields` for Update operations (create, update, patch), as the apiserver's fieldmanager
//! records them: one entry per (manager, operation, subresource), owning in `fieldsV1` the fields its writes
//! changed; a field another manager then changes moves to that manager. Server-side apply (operation `Apply`,
//! conflicts) is `apply`. Pure JSON: must not depend on HTTP or the store.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

/// Who writes, as the apiserver names them.
#[derive(Debug, Clone)]
pub struct Writer {
    /// `?fieldManager=`, else the User-Agent's product (`kubectl/v1.31 …` → `kubectl`).
    pub manager: String,
    /// `None` for the main resource, else `status`, `scale`…
    pub subresource: Option<String>,
    /// `metav1.Time` of the write.
    pub time: String,
    /// A server-side apply: the write already carries the managedFields `apply` computed.
    pub apply: bool,
}

/// The manager the apiserver uses when the request names none: the User-Agent up to its first `/`
/// (`prefixFromUserAgent`), at most 128 bytes.
pub fn manager_of(field_manager: Option<&str>, user_agent: Option<&str>) -> String {
    if let Some(m) = field_manager.filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    let ua = user_agent.unwrap_or_default();
    let prefix = ua.split('/').next().unwrap_or_default();
    let mut end = prefix.len().min(128);
    while !prefix.is_char_boundary(end) {
        end -= 1;
    }
    prefix[..end].to_string()
}

/// One owned field: the path of `fieldsV1` keys (`f:spec`, `k:{"name":"web"}`, `.`) to an empty node.
pub type FieldPath = Vec<String>;

/// Metadata the server owns (never listed in managedFields).
pub const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "generateName",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

/// Records `writer`'s write of `new` over `old` (`None` for a create) in `new.metadata.managedFields`,
/// starting from `old`'s entries. A write that changes no field leaves the entries as they were.
pub fn stamp(old: Option<&Value>, new: &mut Value, writer: &Writer, api_version: &str) {
    let empty = json!({});
    let before = old.unwrap_or(&empty);
    let mut changed = BTreeSet::new();
    for top in keys_of(before, new) {
        if top == "apiVersion" || top == "kind" {
            continue;
        }
        let in_scope = match writer.subresource.as_deref() {
            Some("status") => top == "status",
            _ => top != "status",
        };
        if !in_scope {
            continue;
        }
        if top == "metadata" {
            for key in keys_of(&before["metadata"], &new["metadata"]) {
                if SERVER_METADATA.contains(&key.as_str()) {
                    continue;
                }
                let path = vec![field("metadata"), field(&key)];
                diff(
                    before["metadata"].get(&key),
                    new["metadata"].get(&key),
                    path,
                    &mut changed,
                );
            }
        } else {
            diff(
                before.get(&top),
                new.get(&top),
                vec![field(&top)],
                &mut changed,
            );
        }
    }
    let mut entries: Vec<Value> = old
        .and_then(|o| o["metadata"]["managedFields"].as_array())
        .cloned()
        .unwrap_or_default();
    if !changed.is_empty() {
        entries = merge(entries, &changed, writer, api_version);
        sort_entries(&mut entries);
    }
    if let Some(meta) = new["metadata"].as_object_mut() {
        if entries.is_empty() {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), Value::Array(entries));
        }
    }
}

/// Moves `changed` to `writer`'s entry: other entries lose those fields (and go when they own nothing).
fn merge(
    entries: Vec<Value>,
    changed: &BTreeSet<FieldPath>,
    writer: &Writer,
    api_version: &str,
) -> Vec<Value> {
    let sub = writer.subresource.clone().unwrap_or_default();
    let is_mine = |e: &Value| {
        e["manager"].as_str() == Some(writer.manager.as_str())
            && e["operation"].as_str() == Some("Update")
            && e["subresource"].as_str().unwrap_or_default() == sub
    };
    let mut mine: BTreeSet<FieldPath> = changed.clone();
    let mut out = Vec::with_capacity(entries.len() + 1);
    for mut e in entries {
        let mut owned = paths_of(&e["fieldsV1"]);
        if is_mine(&e) {
            mine.extend(owned);
            continue;
        }
        let before = owned.len();
        owned.retain(|p| !changed.contains(p));
        if owned.is_empty() {
            continue;
        }
        if owned.len() != before {
            e["fieldsV1"] = tree_of(&owned);
        }
        out.push(e);
    }
    let mut entry = json!({
        "manager": writer.manager,
        "operation": "Update",
        "apiVersion": api_version,
        "time": writer.time,
        "fieldsType": "FieldsV1",
        "fieldsV1": tree_of(&mine),
    });
    if !sub.is_empty() {
        entry["subresource"] = json!(sub);
    }
    out.push(entry);
    out
}

/// The apiserver's order of managedFields entries (`sortEncodedManagedFields`): `Apply` before `Update`, then
/// by time, manager, apiVersion and subresource.
pub fn sort_entries(entries: &mut [Value]) {
    let key = |e: &Value| {
        let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
        (
            s("operation"),
            s("time"),
            s("manager"),
            s("apiVersion"),
            s("subresource"),
        )
    };
    entries.sort_by_key(key);
}

pub fn field(key: &str) -> String {
    format!("f:{key}")
}

/// The keys of two objects (either may be a non-object), sorted, without repeats.
fn keys_of(a: &Value, b: &Value) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for v in [a, b] {
        if let Some(m) = v.as_object() {
            keys.extend(m.keys().cloned());
        }
    }
    keys
}

/// The key a list item is merged by (`name`, as for containers, env, volumes), when every item has one.
pub fn item_keys(items: &[Value]) -> Option<Vec<String>> {
    items
        .iter()
        .map(|i| {
            i["name"]
                .as_str()
                .map(|n| format!("k:{}", json!({ "name": n })))
        })
        .collect()
}

/// Adds to `out` the leaf paths under `path` that `new` sets differently from `old` (present in `new`).
fn diff(old: Option<&Value>, new: Option<&Value>, path: FieldPath, out: &mut BTreeSet<FieldPath>) {
    let Some(new) = new else { return };
    if old == Some(new) {
        return;
    }
    match new {
        Value::Object(m) if !m.is_empty() => {
            if old.is_none_or(|o| !o.is_object()) {
                out.insert(child(&path, "."));
            }
            for (k, v) in m {
                diff(
                    old.and_then(|o| o.get(k)),
                    Some(v),
                    child(&path, &field(k)),
                    out,
                );
            }
        }
        Value::Array(items) => match item_keys(items).filter(|k| !k.is_empty()) {
            Some(keys) => {
                let old_items = old.and_then(Value::as_array);
                for (key, item) in keys.iter().zip(items) {
                    let before = old_items.and_then(|o| {
                        o.iter()
                            .find(|i| i["name"] == item["name"] && i.is_object())
                    });
                    let item_path = child(&path, key);
                    if before.is_none() {
                        out.insert(child(&item_path, "."));
                    }
                    if let Some(m) = item.as_object() {
                        for (k, v) in m {
                            diff(
                                before.and_then(|b| b.get(k)),
                                Some(v),
                                child(&item_path, &field(k)),
                                out,
                            );
                        }
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

fn child(path: &FieldPath, key: &str) -> FieldPath {
    let mut p = path.clone();
    p.push(key.to_string());
    p
}

/// The leaf paths of a `fieldsV1` tree.
pub fn paths_of(tree: &Value) -> BTreeSet<FieldPath> {
    let mut out = BTreeSet::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

fn walk(node: &Value, path: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
    match node.as_object() {
        Some(m) if !m.is_empty() => {
            for (k, v) in m {
                path.push(k.clone());
                walk(v, path, out);
                path.pop();
            }
        }
        _ => {
            if !path.is_empty() {
                out.insert(path.clone());
            }
        }
    }
}

/// The `fieldsV1` tree of a set of leaf paths.
pub fn tree_of(paths: &BTreeSet<FieldPath>) -> Value {
    let mut root = Map::new();
    for p in paths {
        let mut node = &mut root;
        for seg in p {
            let next = node
                .entry(seg.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(m) = next else { break };
            node = m;
        }
    }
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(manager: &str, sub: Option<&str>) -> Writer {
        Writer {
            manager: manager.into(),
            subresource: sub.map(str::to_string),
            time: "2026-01-01T00:00:00Z".into(),
            apply: false,
        }
    }

    fn deployment(image: &str, replicas: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "uid": "u", "resourceVersion": "3", "labels": {"app": "web"}},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
            "status": {"replicas": 1}})
    }

    #[test]
    fn manager_comes_from_the_query_or_the_user_agent_product() {
        assert_eq!(
            manager_of(Some("kubectl-set"), Some("kubectl/v1")),
            "kubectl-set"
        );
        assert_eq!(
            manager_of(None, Some("kubectl/v1.31.0 (linux/amd64) kubernetes/abc")),
            "kubectl"
        );
        assert_eq!(manager_of(None, None), "");
    }

    #[test]
    fn a_create_owns_what_it_set_but_not_server_metadata_or_status() {
        let mut obj = deployment("nginx:1", 1);
        stamp(None, &mut obj, &writer("kubectl-create", None), "apps/v1");
        let entries = obj["metadata"]["managedFields"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!(e["manager"], "kubectl-create");
        assert_eq!(e["operation"], "Update");
        assert_eq!(e["fieldsType"], "FieldsV1");
        let f = &e["fieldsV1"];
        assert_eq!(f["f:metadata"]["f:labels"]["f:app"], json!({}));
        assert_eq!(f["f:spec"]["f:replicas"], json!({}));
        let c = &f["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"];
        assert_eq!(c["."], json!({}));
        assert_eq!(c["f:image"], json!({}));
        assert!(f.get("f:status").is_none());
        assert!(f["f:metadata"].get("f:uid").is_none());
    }

    #[test]
    fn a_changed_field_moves_to_the_manager_that_changed_it() {
        let mut v1 = deployment("nginx:1", 1);
        stamp(None, &mut v1, &writer("kubectl-create", None), "apps/v1");
        let mut v2 = deployment("nginx:2", 1);
        v2["metadata"]["managedFields"] = json!("ignored");
        let mut w = writer("kubectl-set", None);
        w.time = "2026-01-02T00:00:00Z".into();
        stamp(Some(&v1), &mut v2, &w, "apps/v1");
        let entries = v2["metadata"]["managedFields"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        let created = &entries[0]["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"];
        assert!(created.get("f:image").is_none());
        assert_eq!(created["f:name"], json!({}));
        assert_eq!(entries[1]["manager"], "kubectl-set");
        assert_eq!(entries[1]["time"], "2026-01-02T00:00:00Z");
        let set = paths_of(&entries[1]["fieldsV1"]);
        assert_eq!(set.len(), 1);
        assert!(
            set.iter()
                .next()
                .unwrap()
                .ends_with(&["f:image".to_string()])
        );
    }

    #[test]
    fn a_write_that_changes_nothing_keeps_the_entries() {
        let mut v1 = deployment("nginx:1", 1);
        stamp(None, &mut v1, &writer("kubectl-create", None), "apps/v1");
        let mut same = v1.clone();
        stamp(Some(&v1), &mut same, &writer("other", None), "apps/v1");
        assert_eq!(
            same["metadata"]["managedFields"],
            v1["metadata"]["managedFields"]
        );
    }

    #[test]
    fn a_scale_is_recorded_under_its_subresource() {
        let v1 = deployment("nginx:1", 1);
        let mut v2 = deployment("nginx:1", 3);
        stamp(
            Some(&v1),
            &mut v2,
            &writer("kubectl", Some("scale")),
            "apps/v1",
        );
        let e = &v2["metadata"]["managedFields"][0];
        assert_eq!(e["subresource"], "scale");
        assert_eq!(e["fieldsV1"], json!({"f:spec": {"f:replicas": {}}}));
    }
}
