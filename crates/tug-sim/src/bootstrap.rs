//! The RBAC objects every sim starts with, as an API server's bootstrap policy creates them: discovery and
//! health for everyone, self-reviews for the authenticated, and the `viewer` user's read-only ClusterRole
//! (assembled by aggregation, as `view` is on a real cluster). `admin` needs no binding: it is in
//! `system:masters`. Must not depend on HTTP.

use serde_json::{Value, json};

use super::resources::Registry;
use super::status::{ApiError, ApiResult};
use super::store::Store;

const RBAC: &str = "rbac.authorization.k8s.io";
/// Label that aggregates a ClusterRole into `tug-sim:read-only`.
pub const AGGREGATE_TO_READ_ONLY: &str = "rbac.tug.dev/aggregate-to-read-only";
/// The ClusterRole the `viewer` user is bound to.
pub const READ_ONLY: &str = "tug-sim:read-only";

fn cluster_role(name: &str, labels: Value, rules: Value) -> Value {
    json!({"apiVersion": format!("{RBAC}/v1"), "kind": "ClusterRole",
           "metadata": {"name": name, "labels": labels}, "rules": rules})
}

fn binding(name: &str, role: &str, subjects: &[(&str, &str)]) -> Value {
    let subjects: Vec<Value> = subjects
        .iter()
        .map(|(kind, name)| json!({"kind": kind, "name": name, "apiGroup": RBAC}))
        .collect();
    json!({"apiVersion": format!("{RBAC}/v1"), "kind": "ClusterRoleBinding",
           "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
           "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
           "subjects": subjects})
}

/// get/list/watch on every readable kind the registry serves (built-ins and CRDs), their `status` and `scale`,
/// and pod logs; never Secrets. One rule per API group, as `kubectl create clusterrole` would write it.
fn read_only_rules(reg: &Registry) -> Value {
    let mut by_group: Vec<(String, Vec<String>)> = vec![];
    for def in reg.all() {
        if def.is("", "secrets") || !def.verbs.iter().any(|v| v == "list") {
            continue;
        }
        let mut names = vec![def.plural.clone()];
        names.extend(
            def.subresources
                .iter()
                .filter(|s| matches!(s.as_str(), "status" | "scale" | "log"))
                .map(|s| format!("{}/{s}", def.plural)),
        );
        match by_group.iter_mut().find(|(g, _)| *g == def.group) {
            Some((_, rs)) => {
                for n in names {
                    if !rs.contains(&n) {
                        rs.push(n);
                    }
                }
            }
            None => by_group.push((def.group.clone(), names)),
        }
    }
    by_group
        .into_iter()
        .map(
            |(g, rs)| json!({"apiGroups": [g], "resources": rs, "verbs": ["get", "list", "watch"]}),
        )
        .collect()
}

/// The bootstrap policy (after the world is built, so the read-only role covers the demo's CRDs too).
pub fn seed(store: &Store) -> ApiResult<()> {
    let reg = store.registry();
    let defaults = json!({"kubernetes.io/bootstrapping": "rbac-defaults"});
    let objects = [
        cluster_role(
            "system:discovery",
            defaults.clone(),
            json!([{"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                    "/openapi", "/openapi/*", "/readyz", "/version", "/version/"], "verbs": ["get"]}]),
        ),
        binding(
            "system:discovery",
            "system:discovery",
            &[("Group", "system:authenticated")],
        ),
        cluster_role(
            "system:public-info-viewer",
            defaults.clone(),
            json!([{"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"],
                    "verbs": ["get"]}]),
        ),
        binding(
            "system:public-info-viewer",
            "system:public-info-viewer",
            &[
                ("Group", "system:authenticated"),
                ("Group", "system:unauthenticated"),
            ],
        ),
        cluster_role(
            "system:basic-user",
            defaults.clone(),
            json!([
                {"apiGroups": ["authorization.k8s.io"],
                 "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], "verbs": ["create"]},
                {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]}
            ]),
        ),
        binding(
            "system:basic-user",
            "system:basic-user",
            &[("Group", "system:authenticated")],
        ),
        {
            let mut role = cluster_role(READ_ONLY, json!({}), json!([]));
            role["aggregationRule"] = json!({"clusterRoleSelectors": [{"matchLabels": {AGGREGATE_TO_READ_ONLY: "true"}}]});
            role
        },
        cluster_role(
            "tug-sim:read-only-kinds",
            json!({AGGREGATE_TO_READ_ONLY: "true"}),
            read_only_rules(&reg),
        ),
        binding("tug-sim:viewer", READ_ONLY, &[("User", "viewer")]),
    ];
    for obj in objects {
        let plural = match obj["kind"].as_str() {
            Some("ClusterRole") => "clusterroles",
            _ => "clusterrolebindings",
        };
        let def = reg
            .preferred(RBAC, plural)
            .ok_or_else(|| ApiError::internal("RBAC kinds missing from the registry"))?;
        store.create(&def, "", obj, false)?;
    }
    Ok(())
}
