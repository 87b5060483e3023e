//! The review APIs, answered by the same authorizer that guards every request: `authorization.k8s.io/v1`
//! SelfSubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview (`kubectl auth can-i --list`),
//! SubjectAccessReview and LocalSubjectAccessReview (may someone else?), and `authentication.k8s.io/v1`
//! SelfSubjectReview (`kubectl auth whoami`). Nothing is stored: each answer is the request with its `status`.
//! Must not depend on HTTP.

use serde_json::{Value, json};
use tug_model::rbac::{Decision, Request, Subject};

use super::auth::{self, User};
use super::resources::ResourceDef;
use super::status::{ApiError, ApiResult};
use super::store::Store;

/// Whether `res` is one of the review kinds (created, never stored).
pub fn is_review(res: &ResourceDef) -> bool {
    matches!(
        res.group.as_str(),
        "authorization.k8s.io" | "authentication.k8s.io"
    )
}

fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap_or_default()
}

/// The attributes of a review's spec (`resourceAttributes` or `nonResourceAttributes`).
fn decide_spec(store: &Store, who: &User, spec: &Value) -> ApiResult<Decision> {
    let ra = &spec["resourceAttributes"];
    let nra = &spec["nonResourceAttributes"];
    let req = if ra.is_object() {
        Request::Resource {
            verb: text(ra, "verb"),
            group: text(ra, "group"),
            resource: text(ra, "resource"),
            subresource: text(ra, "subresource"),
            namespace: text(ra, "namespace"),
            name: text(ra, "name"),
        }
    } else if nra.is_object() {
        Request::NonResource {
            verb: text(nra, "verb"),
            path: text(nra, "path"),
        }
    } else {
        return Err(ApiError::new(
            422,
            "Invalid",
            "spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or \
             resourceAttributes must be specified",
        ));
    };
    Ok(auth::decide(store, who, &req))
}

fn access_status(d: &Decision) -> Value {
    let mut status = json!({"allowed": d.allowed});
    if let Some(reason) = d
        .grant
        .as_ref()
        .map(|g| g.reason())
        .filter(|r| !r.is_empty())
    {
        status["reason"] = json!(reason);
    }
    status
}

/// The rules the caller holds in `spec.namespace`, split as the API answers them.
fn rules_status(store: &Store, who: &User, namespace: &str) -> Value {
    let policy = if who.0.is_master() {
        Default::default()
    } else {
        auth::policy(store)
    };
    let (mut resource_rules, mut non_resource_rules) = (vec![], vec![]);
    for held in policy.rules_for(&who.0, namespace) {
        let r = held.rule;
        if r.non_resource_urls.is_empty() {
            let mut rule =
                json!({"verbs": r.verbs, "apiGroups": r.api_groups, "resources": r.resources});
            if !r.resource_names.is_empty() {
                rule["resourceNames"] = json!(r.resource_names);
            }
            resource_rules.push(rule);
        } else {
            non_resource_rules
                .push(json!({"verbs": r.verbs, "nonResourceURLs": r.non_resource_urls}));
        }
    }
    json!({"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": false})
}

/// The answer to a review created by `who` at a URL of `res` (in `url_ns` for the local kind).
pub fn answer(
    store: &Store,
    who: &User,
    res: &ResourceDef,
    url_ns: Option<&str>,
    mut review: Value,
) -> ApiResult<Value> {
    let spec = review["spec"].clone();
    let status = match res.plural.as_str() {
        "selfsubjectaccessreviews" => access_status(&decide_spec(store, who, &spec)?),
        "selfsubjectrulesreviews" => rules_status(store, who, text(&spec, "namespace")),
        "subjectaccessreviews" | "localsubjectaccessreviews" => {
            if let Some(ns) = url_ns
                && text(&spec["resourceAttributes"], "namespace") != ns
            {
                return Err(ApiError::bad_request(format!(
                    "spec.resourceAttributes.namespace must match namespace: {ns}"
                )));
            }
            let user = text(&spec, "user");
            let groups: Vec<String> = spec["groups"]
                .as_array()
                .map(|gs| {
                    gs.iter()
                        .filter_map(|g| g.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            if user.is_empty() && groups.is_empty() {
                return Err(ApiError::new(
                    422,
                    "Invalid",
                    "spec.user: Invalid value: \"\": at least one of user or group must be specified",
                ));
            }
            let subject = User(Subject {
                user: user.to_string(),
                groups,
            });
            access_status(&decide_spec(store, &subject, &spec)?)
        }
        "selfsubjectreviews" => {
            json!({"userInfo": {"username": who.name(), "groups": who.groups()}})
        }
        _ => return Err(ApiError::method_not_allowed()),
    };
    review["apiVersion"] = json!(res.api_version());
    review["kind"] = json!(res.kind);
    let meta = review["metadata"].as_object().cloned().unwrap_or_default();
    review["metadata"] = Value::Object(meta);
    review["metadata"]["creationTimestamp"] = Value::Null;
    review["status"] = status;
    Ok(review)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        let store = Store::new(1);
        crate::bootstrap::seed(&store).unwrap();
        store
    }

    fn def(store: &Store, group: &str, plural: &str) -> std::sync::Arc<ResourceDef> {
        store.registry().preferred(group, plural).unwrap()
    }

    #[test]
    fn self_access_review_answers_with_the_granting_binding() {
        let store = store();
        let ssar = def(&store, "authorization.k8s.io", "selfsubjectaccessreviews");
        let ask = |who: &User, resource: &str| {
            let body = json!({"spec": {"resourceAttributes": {"verb": "list", "resource": resource, "namespace": "shop"}}});
            answer(&store, who, &ssar, None, body).unwrap()["status"].clone()
        };
        assert_eq!(ask(&User::admin(), "secrets"), json!({"allowed": true}));
        assert_eq!(ask(&User::viewer(), "secrets"), json!({"allowed": false}));
        assert_eq!(
            ask(&User::viewer(), "pods")["reason"],
            "RBAC: allowed by ClusterRoleBinding \"tug-sim:viewer\" of ClusterRole \"tug-sim:read-only\" to User \"viewer\""
        );
    }

    #[test]
    fn subject_access_review_asks_for_someone_else_and_whoami_says_who() {
        let store = store();
        let sar = def(&store, "authorization.k8s.io", "subjectaccessreviews");
        let body = json!({"spec": {"user": "viewer", "resourceAttributes": {"verb": "delete", "resource": "pods"}}});
        let out = answer(&store, &User::admin(), &sar, None, body).unwrap();
        assert_eq!(out["status"]["allowed"], false);
        assert_eq!(out["kind"], "SubjectAccessReview");
        let ssr = def(&store, "authentication.k8s.io", "selfsubjectreviews");
        let out = answer(&store, &User::viewer(), &ssr, None, json!({})).unwrap();
        assert_eq!(
            out["status"]["userInfo"],
            json!({"username": "viewer", "groups": ["system:authenticated"]})
        );
    }

    #[test]
    fn rules_review_lists_the_viewers_rules_and_everything_for_masters() {
        let store = store();
        let ssrr = def(&store, "authorization.k8s.io", "selfsubjectrulesreviews");
        let body = json!({"spec": {"namespace": "shop"}});
        let out = answer(&store, &User::viewer(), &ssrr, None, body.clone()).unwrap();
        let rules = out["status"]["resourceRules"].as_array().unwrap();
        assert!(rules.iter().any(|r| {
            r["resources"]
                .as_array()
                .unwrap()
                .contains(&json!("pods/log"))
        }));
        assert!(!rules.iter().any(|r| {
            r["resources"]
                .as_array()
                .unwrap()
                .contains(&json!("secrets"))
        }));
        let out = answer(&store, &User::admin(), &ssrr, None, body).unwrap();
        assert_eq!(
            out["status"]["resourceRules"],
            json!([{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}])
        );
    }
}
