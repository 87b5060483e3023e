//! What a Deployment rollback sends, as `kubectl rollout undo --to-revision` computes it: an old ReplicaSet's
//! pod template in the Deployment the user saw; the diff shown before it is sent; and how it is re-applied onto
//! a newer version of the Deployment after a conflict.

use serde_json::{Value, json};

/// The Deployment `kubectl rollout undo --to-revision` would produce: the ReplicaSet's pod template, without
/// its `pod-template-hash` label, in the Deployment the user saw (its resourceVersion kept for the conflict
/// check). `None` if the template is missing.
pub fn rollback_deployment(deployment: &Value, replica_set: &Value) -> Option<Value> {
    let mut template = replica_set["spec"]["template"].clone();
    if !template.is_object() {
        return None;
    }
    if let Some(labels) = template["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
    }
    let mut d = deployment.clone();
    d["spec"]["template"] = template;
    // Annotations a rollback carries over from the ReplicaSet, as kubectl does (change-cause among them).
    const SKIP: &[&str] = &[
        "kubectl.kubernetes.io/last-applied-configuration",
        "deployment.kubernetes.io/revision",
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    ];
    for (k, v) in replica_set["metadata"]["annotations"]
        .as_object()
        .into_iter()
        .flatten()
    {
        if !SKIP.contains(&k.as_str()) {
            if !d["metadata"]["annotations"].is_object() {
                d["metadata"]["annotations"] = json!({});
            }
            d["metadata"]["annotations"][k] = v.clone();
        }
    }
    if let Some(m) = d.as_object_mut() {
        m.remove("status");
    }
    if let Some(m) = d["metadata"].as_object_mut() {
        m.remove("managedFields");
    }
    Some(d)
}

/// A unified diff of two pod templates as YAML (what a rollback will change).
pub fn template_diff(current: &Value, target: &Value) -> String {
    let strip = |t: &Value| {
        let mut t = t.clone();
        if let Some(labels) = t["metadata"]["labels"].as_object_mut() {
            labels.remove("pod-template-hash");
        }
        serde_saphyr::to_string(&t).unwrap_or_default()
    };
    let (a, b) = (strip(current), strip(target));
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header("current", "revision")
        .to_string()
}

/// The rollback `deployment` re-applied onto `current` after a 409, if the spec did not change meanwhile (same
/// `generation`: a controller only updated the status or its annotations). A changed spec gives `None` and stays
/// a conflict, so nobody's change is silently undone.
pub fn rebase_rollback(mut current: Value, deployment: &Value) -> Option<Value> {
    if current["metadata"]["generation"] != deployment["metadata"]["generation"] {
        return None;
    }
    current["spec"]["template"] = deployment["spec"]["template"].clone();
    // The rollback's own annotations (change-cause); the controller's bookkeeping stays.
    for (k, v) in deployment["metadata"]["annotations"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !k.starts_with("deployment.kubernetes.io/"))
    {
        current["metadata"]["annotations"][k] = v.clone();
    }
    Some(current)
}

/// `deployment` with its pod template replaced by `template` (undoing a rollback).
pub fn with_template(mut deployment: Value, template: &Value) -> Value {
    deployment["spec"]["template"] = template.clone();
    deployment
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_copies_the_template_without_its_hash_and_keeps_the_resource_version() {
        let deployment = json!({
            "metadata": {"name": "web", "resourceVersion": "42", "annotations": {"deployment.kubernetes.io/revision": "2"}},
            "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "web:v2"}]}}},
            "status": {"replicas": 3},
        });
        let rs = json!({
            "metadata": {"annotations": {"deployment.kubernetes.io/revision": "1", "kubernetes.io/change-cause": "v1"}},
            "spec": {"template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}}, "spec": {"containers": [{"name": "web", "image": "web:v1"}]}}},
        });
        let d = rollback_deployment(&deployment, &rs).unwrap();
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["image"],
            "web:v1"
        );
        assert_eq!(
            d["spec"]["template"]["metadata"]["labels"],
            json!({"app": "web"})
        );
        assert_eq!(d["metadata"]["resourceVersion"], "42");
        assert_eq!(
            d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "2"
        );
        assert_eq!(
            d["metadata"]["annotations"]["kubernetes.io/change-cause"],
            "v1"
        );
        assert!(d["status"].is_null());
        let diff = template_diff(&deployment["spec"]["template"], &rs["spec"]["template"]);
        assert!(
            diff.contains("-  - image: web:v2") && diff.contains("+  - image: web:v1"),
            "{diff}"
        );
        assert!(!diff.contains("pod-template-hash"), "{diff}");
    }

    #[test]
    fn a_conflict_is_rebased_only_when_the_spec_did_not_change() {
        let rollback = json!({
            "metadata": {"generation": 3, "annotations": {"kubernetes.io/change-cause": "v1", "deployment.kubernetes.io/revision": "1"}},
            "spec": {"template": {"spec": {"containers": [{"image": "web:v1"}]}}},
        });
        let current = json!({
            "metadata": {"generation": 3, "resourceVersion": "50", "annotations": {"deployment.kubernetes.io/revision": "2"}},
            "spec": {"template": {"spec": {"containers": [{"image": "web:v2"}]}}},
        });
        let rebased = rebase_rollback(current.clone(), &rollback).unwrap();
        assert_eq!(rebased["spec"]["template"], rollback["spec"]["template"]);
        assert_eq!(rebased["metadata"]["resourceVersion"], "50");
        assert_eq!(
            rebased["metadata"]["annotations"],
            json!({"deployment.kubernetes.io/revision": "2", "kubernetes.io/change-cause": "v1"})
        );
        let mut changed = current;
        changed["metadata"]["generation"] = json!(4);
        assert!(rebase_rollback(changed, &rollback).is_none());
    }
}
