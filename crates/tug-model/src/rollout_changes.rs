//! "What changed in this rollout": a one-line summary of how a pod template differs from the revision before
//! it — images, env var names, resources, containers added or removed, a restart, and a count of the rest.
//! Env values are never shown (they can be secrets). Pure; the history view shows it per revision.

use std::collections::BTreeMap;

use serde_json::Value;

/// Labels and annotations that differ between revisions without being a change anyone made to the template.
const BOOKKEEPING: &[&str] = &["pod-template-hash", "controller-revision-hash"];
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// What `after` changed against `before` (two pod templates), e.g.
/// `app: 2.4.1→2.5.0, app env +LOG_LEVEL ~DB_URL, app limits.memory 128Mi→256Mi, +2 other fields`;
/// `no change` when they are the same.
pub fn summarize(before: &Value, after: &Value) -> String {
    let mut parts = vec![];
    let mut other = 0;
    for list in ["initContainers", "containers"] {
        let (old, new) = (
            by_name(&before["spec"][list]),
            by_name(&after["spec"][list]),
        );
        let label = if list == "containers" {
            "container"
        } else {
            "init"
        };
        for name in old.keys().filter(|n| !new.contains_key(*n)) {
            parts.push(format!("-{label} {name}"));
        }
        for (name, c) in &new {
            match old.get(name) {
                None => parts.push(format!("+{label} {name}")),
                Some(o) => other += container_changes(name, o, c, &mut parts),
            }
        }
    }
    let annotation = |t: &Value| t["metadata"]["annotations"][RESTARTED_AT].clone();
    if annotation(before) != annotation(after) && !annotation(after).is_null() {
        parts.push("restarted".into());
    }
    other += count_changes(&rest_of(before), &rest_of(after));
    if other > 0 {
        let s = if other == 1 { "" } else { "s" };
        parts.push(format!("+{other} other field{s}"));
    }
    if parts.is_empty() {
        "no change".into()
    } else {
        parts.join(", ")
    }
}

/// Pushes what changed in one container; returns how many other fields of it changed.
fn container_changes(name: &str, old: &Value, new: &Value, parts: &mut Vec<String>) -> usize {
    if old["image"] != new["image"] {
        let (a, b) = (
            old["image"].as_str().unwrap_or("<none>"),
            new["image"].as_str().unwrap_or("<none>"),
        );
        let (a, b) = shortened(a, b);
        parts.push(format!("{name}: {a}→{b}"));
    }
    let (old_env, new_env) = (by_name(&old["env"]), by_name(&new["env"]));
    let mut env = vec![];
    env.extend(
        new_env
            .keys()
            .filter(|k| !old_env.contains_key(*k))
            .map(|k| format!("+{k}")),
    );
    env.extend(
        old_env
            .keys()
            .filter(|k| !new_env.contains_key(*k))
            .map(|k| format!("-{k}")),
    );
    env.extend(
        new_env
            .iter()
            .filter(|(k, v)| old_env.get(*k).is_some_and(|o| o != *v))
            .map(|(k, _)| format!("~{k}")),
    );
    if !env.is_empty() {
        parts.push(format!("{name} env {}", env.join(" ")));
    }
    for section in ["requests", "limits"] {
        let (a, b) = (&old["resources"][section], &new["resources"][section]);
        let keys: std::collections::BTreeSet<&String> = a
            .as_object()
            .into_iter()
            .chain(b.as_object())
            .flat_map(|m| m.keys())
            .collect();
        for key in keys.into_iter().filter(|k| a[k.as_str()] != b[k.as_str()]) {
            let show = |v: &Value| match v {
                Value::Null => "none".to_string(),
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            parts.push(format!(
                "{name} {section}.{key} {}→{}",
                show(&a[key.as_str()]),
                show(&b[key.as_str()])
            ));
        }
    }
    let strip = |c: &Value| {
        let mut c = c.clone();
        if let Some(m) = c.as_object_mut() {
            for k in ["name", "image", "env", "resources"] {
                m.remove(k);
            }
        }
        c
    };
    count_changes(&strip(old), &strip(new))
}

/// Two images of one repository show as their tags (or digests); of different repositories, whole.
fn shortened<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    let split = |i: &'a str| {
        let at = i.find('@').or_else(|| {
            let slash = i.rfind('/').map_or(0, |s| s + 1);
            i[slash..].rfind(':').map(|c| slash + c)
        });
        at.map_or((i, ""), |at| (&i[..at], &i[at + 1..]))
    };
    let ((ra, ta), (rb, tb)) = (split(a), split(b));
    if ra == rb && !ta.is_empty() && !tb.is_empty() {
        (ta, tb)
    } else {
        (a, b)
    }
}

/// A list of named entries (containers, env vars) by name.
fn by_name(list: &Value) -> BTreeMap<String, &Value> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["name"].as_str()?.to_string(), e)))
        .collect()
}

/// The template without what `summarize` words itself (containers, the restart) or that is bookkeeping.
fn rest_of(template: &Value) -> Value {
    let mut t = template.clone();
    if let Some(spec) = t["spec"].as_object_mut() {
        spec.remove("containers");
        spec.remove("initContainers");
    }
    if let Some(labels) = t["metadata"]["labels"].as_object_mut() {
        labels.retain(|k, _| !BOOKKEEPING.contains(&k.as_str()));
    }
    if let Some(annotations) = t["metadata"]["annotations"].as_object_mut() {
        annotations.remove(RESTARTED_AT);
    }
    t
}

/// How many leaf fields differ (added, removed or changed); entries of lists are matched by name when they
/// have one, so adding a volume counts its fields, not a shift of every later entry.
fn count_changes(a: &Value, b: &Value) -> usize {
    let (mut la, mut lb) = (BTreeMap::new(), BTreeMap::new());
    leaves(String::new(), a, &mut la);
    leaves(String::new(), b, &mut lb);
    let changed = la.iter().filter(|(k, v)| lb.get(*k) != Some(*v)).count();
    changed + lb.keys().filter(|k| !la.contains_key(*k)).count()
}

fn leaves<'a>(path: String, v: &'a Value, out: &mut BTreeMap<String, &'a Value>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                leaves(format!("{path}.{k}"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let key = v["name"]
                    .as_str()
                    .map_or_else(|| i.to_string(), str::to_string);
                leaves(format!("{path}[{key}]"), v, out);
            }
        }
        Value::Null => {}
        leaf => {
            out.insert(path, leaf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(image: &str, env: Value, resources: Value) -> Value {
        json!({
            "metadata": {"labels": {"app": "backend", "pod-template-hash": "abc"}},
            "spec": {
                "containers": [
                    {"name": "app", "image": image, "env": env, "resources": resources},
                    {"name": "envoy", "image": "envoyproxy/envoy:v1.31.2"},
                ],
                "volumes": [{"name": "config", "configMap": {"name": "backend"}}],
            },
        })
    }

    #[test]
    fn an_image_change_shows_its_tags_and_nothing_else() {
        let a = template("ghcr.io/shop/backend:2.4.1", json!([]), json!({}));
        let mut b = template("ghcr.io/shop/backend:2.5.0", json!([]), json!({}));
        b["metadata"]["labels"]["pod-template-hash"] = json!("def");
        assert_eq!(summarize(&a, &b), "app: 2.4.1→2.5.0");
        assert_eq!(summarize(&a, &a), "no change");
        let c = template("docker.io/other/backend:2.5.0", json!([]), json!({}));
        assert_eq!(
            summarize(&a, &c),
            "app: ghcr.io/shop/backend:2.4.1→docker.io/other/backend:2.5.0"
        );
        let port = template("localhost:5000/backend", json!([]), json!({}));
        let port2 = template("localhost:5000/backend:v2", json!([]), json!({}));
        assert_eq!(
            summarize(&port, &port2),
            "app: localhost:5000/backend→localhost:5000/backend:v2"
        );
    }

    #[test]
    fn env_changes_name_the_vars_but_never_show_their_values() {
        let a = template(
            "b:1",
            json!([{"name": "DB_URL", "value": "postgres://secret@db"}, {"name": "OLD", "value": "1"}]),
            json!({}),
        );
        let b = template(
            "b:1",
            json!([{"name": "DB_URL", "value": "postgres://other@db"}, {"name": "LOG_LEVEL", "value": "debug"}]),
            json!({}),
        );
        let s = summarize(&a, &b);
        assert_eq!(s, "app env +LOG_LEVEL -OLD ~DB_URL");
        assert!(!s.contains("secret") && !s.contains("debug"));
    }

    #[test]
    fn resources_show_each_request_and_limit_that_moved() {
        let a = template(
            "b:1",
            json!([]),
            json!({"requests": {"cpu": "100m"}, "limits": {"memory": "128Mi"}}),
        );
        let b = template(
            "b:1",
            json!([]),
            json!({"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}),
        );
        assert_eq!(
            summarize(&a, &b),
            "app requests.cpu 100m→250m, app requests.memory none→64Mi, app limits.memory 128Mi→256Mi"
        );
    }

    #[test]
    fn other_template_changes_are_counted_and_containers_and_restarts_named() {
        let a = template("b:1", json!([]), json!({}));
        let mut b = a.clone();
        b["spec"]["containers"][0]["args"] = json!(["--verbose"]);
        b["spec"]["volumes"] = json!([
            {"name": "config", "configMap": {"name": "backend"}},
            {"name": "cache", "emptyDir": {"medium": "Memory"}},
        ]);
        b["spec"]["nodeSelector"] = json!({"pool": "gpu"});
        b["spec"]["containers"][1] = json!({"name": "otel", "image": "otel:1"});
        b["metadata"]["annotations"] = json!({RESTARTED_AT: "2026-12-01T10:00:00Z"});
        assert_eq!(
            summarize(&a, &b),
            "-container envoy, +container otel, restarted, +4 other fields"
        );
    }
}
