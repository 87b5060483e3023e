//! Three-way merge of an edit onto a newer version of the object (after a 409 conflict), and the unified diff
//! shown before anything is sent.
//!
//! The merge is structural: maps merge key by key; lists of named items (containers, env, ports, volumes)
//! merge by `name`, as strategic merge patch does; other lists merge element by element when no side changed
//! their length. A place both sides changed differently is a conflict, reported by its path.

use serde_json::{Map, Value};

/// Applies the change `base → mine` onto `theirs`. Err: the paths both sides changed differently.
pub fn three_way(base: &Value, mine: &Value, theirs: &Value) -> Result<Value, Vec<String>> {
    let mut conflicts = vec![];
    let merged = merge(base, mine, theirs, "", &mut conflicts);
    if conflicts.is_empty() {
        Ok(merged)
    } else {
        Err(conflicts)
    }
}

fn merge(base: &Value, mine: &Value, theirs: &Value, path: &str, out: &mut Vec<String>) -> Value {
    if mine == base || mine == theirs {
        return theirs.clone();
    }
    if theirs == base {
        return mine.clone();
    }
    match (base, mine, theirs) {
        (Value::Object(b), Value::Object(m), Value::Object(t)) => {
            Value::Object(merge_maps(b, m, t, path, out))
        }
        (Value::Array(b), Value::Array(m), Value::Array(t)) => {
            if let (Some(b), Some(m), Some(t)) = (named(b), named(m), named(t)) {
                return Value::Array(merge_named(&b, &m, &t, path, out));
            }
            if b.len() == m.len() && b.len() == t.len() {
                return Value::Array(
                    b.iter()
                        .zip(m)
                        .zip(t)
                        .enumerate()
                        .map(|(i, ((b, m), t))| merge(b, m, t, &format!("{path}[{i}]"), out))
                        .collect(),
                );
            }
            out.push(display(path));
            mine.clone()
        }
        _ => {
            out.push(display(path));
            mine.clone()
        }
    }
}

fn display(path: &str) -> String {
    if path.is_empty() {
        "(the whole object)".into()
    } else {
        path.trim_start_matches('.').to_string()
    }
}

/// Merges one key present on any side; `None` is "absent".
fn merge_opt(
    b: Option<&Value>,
    m: Option<&Value>,
    t: Option<&Value>,
    path: &str,
    out: &mut Vec<String>,
) -> Option<Value> {
    if m == b || m == t {
        return t.cloned();
    }
    if t == b {
        return m.cloned();
    }
    match (b, m, t) {
        (Some(b), Some(m), Some(t)) => Some(merge(b, m, t, path, out)),
        // Both added it, differently: merge against an empty base of the same shape.
        (None, Some(m), Some(t)) if m.is_object() && t.is_object() => {
            Some(merge(&Value::Object(Map::new()), m, t, path, out))
        }
        _ => {
            out.push(display(path));
            m.cloned()
        }
    }
}

fn merge_maps(
    b: &Map<String, Value>,
    m: &Map<String, Value>,
    t: &Map<String, Value>,
    path: &str,
    out: &mut Vec<String>,
) -> Map<String, Value> {
    let mut keys: Vec<&String> = t.keys().collect();
    keys.extend(m.keys().filter(|k| !t.contains_key(*k)));
    keys.extend(
        b.keys()
            .filter(|k| !t.contains_key(*k) && !m.contains_key(*k)),
    );
    let mut merged = Map::new();
    for k in keys {
        let p = format!("{path}.{k}");
        if let Some(v) = merge_opt(b.get(k), m.get(k), t.get(k), &p, out) {
            merged.insert(k.clone(), v);
        }
    }
    merged
}

/// A list whose items are all maps with distinct string `name`s, as (name, item).
fn named(items: &[Value]) -> Option<Vec<(&str, &Value)>> {
    let mut seen = std::collections::HashSet::new();
    let out: Option<Vec<_>> = items
        .iter()
        .map(|v| {
            let name = v.get("name")?.as_str()?;
            seen.insert(name).then_some((name, v))
        })
        .collect();
    out.filter(|v| !v.is_empty())
}

fn merge_named(
    b: &[(&str, &Value)],
    m: &[(&str, &Value)],
    t: &[(&str, &Value)],
    path: &str,
    out: &mut Vec<String>,
) -> Vec<Value> {
    // Their order, then items only mine has, in my order.
    let mut names: Vec<&str> = t.iter().map(|(n, _)| *n).collect();
    names.extend(m.iter().map(|(n, _)| *n).filter(|n| find(t, n).is_none()));
    names.extend(
        b.iter()
            .map(|(n, _)| *n)
            .filter(|n| find(t, n).is_none() && find(m, n).is_none()),
    );
    names
        .into_iter()
        .filter_map(|n| {
            merge_opt(
                find(b, n),
                find(m, n),
                find(t, n),
                &format!("{path}[name={n}]"),
                out,
            )
        })
        .collect()
}

fn find<'a>(list: &[(&str, &'a Value)], name: &str) -> Option<&'a Value> {
    list.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// One line of a unified diff, classified for colouring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    Header(String),
    Hunk(String),
    Added(String),
    Removed(String),
    Context(String),
}

/// The unified diff from `old` to `new` (YAML texts), with three lines of context.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> Vec<DiffLine> {
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string();
    text.lines()
        .map(|l| {
            if l.starts_with("+++") || l.starts_with("---") {
                DiffLine::Header(l.into())
            } else if l.starts_with("@@") {
                DiffLine::Hunk(l.into())
            } else if let Some(rest) = l.strip_prefix('+') {
                DiffLine::Added(rest.into())
            } else if let Some(rest) = l.strip_prefix('-') {
                DiffLine::Removed(rest.into())
            } else {
                DiffLine::Context(l.strip_prefix(' ').unwrap_or(l).into())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn deployment(replicas: i64, image: &str, env: Value) -> Value {
        json!({
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": "app", "image": image, "env": env},
                {"name": "sidecar", "image": "envoy:1"}
            ]}}}
        })
    }

    #[test]
    fn changes_to_different_places_both_survive() {
        let base = deployment(2, "nginx:1.26", json!([{"name": "A", "value": "1"}]));
        let mine = deployment(5, "nginx:1.26", json!([{"name": "A", "value": "2"}]));
        let theirs = deployment(2, "nginx:1.27", json!([{"name": "A", "value": "1"}]));
        let merged = three_way(&base, &mine, &theirs).unwrap();
        assert_eq!(
            merged,
            deployment(5, "nginx:1.27", json!([{"name": "A", "value": "2"}]))
        );
    }

    #[test]
    fn named_lists_merge_by_name_whatever_the_order() {
        let base = json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "1"}]});
        // I add C and change B; they remove A and add D in front.
        let mine = json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}]});
        let theirs = json!({"env": [{"name": "D", "value": "4"}, {"name": "B", "value": "1"}]});
        let merged = three_way(&base, &mine, &theirs).unwrap();
        assert_eq!(
            merged,
            json!({"env": [{"name": "D", "value": "4"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}]})
        );
    }

    #[test]
    fn the_same_place_changed_differently_is_a_conflict_by_path() {
        let base = deployment(2, "nginx:1.26", json!([]));
        let mine = deployment(5, "nginx:1.26", json!([]));
        let theirs = deployment(3, "nginx:1.26", json!([]));
        assert_eq!(
            three_way(&base, &mine, &theirs),
            Err(vec!["spec.replicas".to_string()])
        );
        // The same change on both sides is no conflict.
        assert_eq!(three_way(&base, &mine, &mine), Ok(mine.clone()));
        // A removal against a change is a conflict.
        let base = json!({"a": {"b": 1}});
        let mine = json!({});
        let theirs = json!({"a": {"b": 2}});
        assert_eq!(three_way(&base, &mine, &theirs), Err(vec!["a".to_string()]));
        // Lists of unnamed items that changed length on both sides conflict as a whole.
        let base = json!({"args": ["a"]});
        let mine = json!({"args": ["a", "b"]});
        let theirs = json!({"args": ["a", "c", "d"]});
        assert_eq!(
            three_way(&base, &mine, &theirs),
            Err(vec!["args".to_string()])
        );
        // A named item's field changed both ways reports its name.
        let base = json!({"c": [{"name": "app", "image": "1"}]});
        let mine = json!({"c": [{"name": "app", "image": "2"}]});
        let theirs = json!({"c": [{"name": "app", "image": "3"}]});
        assert_eq!(
            three_way(&base, &mine, &theirs),
            Err(vec!["c[name=app].image".to_string()])
        );
    }

    #[test]
    fn removals_on_one_side_are_kept() {
        let base = json!({"labels": {"a": "1", "b": "2"}, "x": 1});
        let mine = json!({"labels": {"a": "1"}, "x": 1});
        let theirs = json!({"labels": {"a": "1", "b": "2"}, "x": 2});
        assert_eq!(
            three_way(&base, &mine, &theirs).unwrap(),
            json!({"labels": {"a": "1"}, "x": 2})
        );
    }

    #[test]
    fn the_unified_diff_marks_added_and_removed_lines() {
        let d = unified("a: 1\nb: 2\nc: 3\n", "a: 1\nb: 5\nc: 3\n", "live", "edited");
        assert!(d.contains(&DiffLine::Removed("b: 2".into())), "{d:?}");
        assert!(d.contains(&DiffLine::Added("b: 5".into())));
        assert!(d.contains(&DiffLine::Context("a: 1".into())));
        assert!(matches!(d[0], DiffLine::Header(_)));
        assert!(unified("a\n", "a\n", "x", "y").is_empty());
    }
}
