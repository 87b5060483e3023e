//! What the caller may do, as the server told it: the identity (`SelfSubjectReview`), the rules held in a
//! namespace (`SelfSubjectRulesReview`), the verb and resource an action needs, and the `:can-i` matrix.
//! Pure: review answers in, decisions and texts out; must not depend on HTTP.

use serde_json::Value;

use crate::rbac::{Request, Rule};

/// Who the server says the caller is, or what the kubeconfig names when the server cannot say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
    /// From `SelfSubjectReview` (false: the kubeconfig's user name, the API being absent).
    pub from_server: bool,
}

impl Identity {
    /// A SelfSubjectReview's `status.userInfo`.
    pub fn from_review(review: &Value) -> Option<Self> {
        let info = &review["status"]["userInfo"];
        let user = info["username"].as_str()?.to_string();
        let groups = info["groups"]
            .as_array()
            .map(|gs| {
                gs.iter()
                    .filter_map(|g| g.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            user,
            groups,
            from_server: true,
        })
    }

    /// `admin [system:masters]`: the groups but `system:authenticated`, which every authenticated user is in
    /// (`viewer` alone says just that); the kubeconfig's name is marked as such.
    pub fn display(&self) -> String {
        let mut out = self.user.clone();
        let groups: Vec<&str> = self
            .groups
            .iter()
            .map(String::as_str)
            .filter(|g| *g != crate::rbac::AUTHENTICATED)
            .collect();
        if !self.from_server {
            out.push_str(" (kubeconfig)");
        } else if !groups.is_empty() {
            out.push_str(&format!(" [{}]", groups.join(",")));
        }
        out
    }
}

/// The rules the caller holds in one namespace (empty: cluster-wide).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    pub namespace: String,
    pub rules: Vec<Rule>,
    /// The server could not list every rule (another authorizer, a failed lookup): a missing rule proves
    /// nothing.
    pub incomplete: bool,
}

/// What an action needs: a verb on a resource (or one of its subresources).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Need {
    pub verb: &'static str,
    pub group: String,
    pub resource: String,
    pub subresource: &'static str,
}

impl Need {
    pub fn new(verb: &'static str, group: &str, resource: &str, subresource: &'static str) -> Self {
        Self {
            verb,
            group: group.to_string(),
            resource: resource.to_string(),
            subresource,
        }
    }

    /// `delete pods`, `create pods/exec`, `patch deployments.apps/scale`.
    pub fn display(&self) -> String {
        let mut resource = self.resource.clone();
        if !self.group.is_empty() {
            resource = format!("{resource}.{}", self.group);
        }
        if !self.subresource.is_empty() {
            resource = format!("{resource}/{}", self.subresource);
        }
        format!("{} {resource}", self.verb)
    }

    /// "not allowed: delete pods in shop" (cluster-wide: no namespace).
    pub fn denial(&self, namespace: &str) -> String {
        if namespace.is_empty() {
            format!("not allowed: {}", self.display())
        } else {
            format!("not allowed: {} in {namespace}", self.display())
        }
    }
}

impl Access {
    /// A SelfSubjectRulesReview's `status`.
    pub fn from_review(namespace: &str, review: &Value) -> Self {
        let status = &review["status"];
        let rules = |field: &str| -> Vec<Rule> {
            status[field]
                .as_array()
                .map(|rs| {
                    rs.iter()
                        .filter_map(|r| serde_json::from_value(r.clone()).ok())
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut all = rules("resourceRules");
        all.extend(rules("nonResourceRules"));
        Self {
            namespace: namespace.to_string(),
            rules: all,
            incomplete: status["incomplete"].as_bool() == Some(true),
        }
    }

    /// `Some(true)` allowed, `Some(false)` denied, `None` not known (the rules are incomplete). `name` is the
    /// object's, for rules narrowed by `resourceNames` (empty: a request on the collection).
    pub fn allows(&self, need: &Need, name: &str) -> Option<bool> {
        let req = Request::Resource {
            verb: need.verb,
            group: &need.group,
            resource: &need.resource,
            subresource: need.subresource,
            namespace: &self.namespace,
            name,
        };
        if self.rules.iter().any(|r| r.allows(&req)) {
            Some(true)
        } else if self.incomplete {
            None
        } else {
            Some(false)
        }
    }
}

/// The verbs of the `:can-i` matrix, then its subresources with the verb each needs.
pub const VERBS: [&str; 7] = [
    "get", "list", "watch", "create", "update", "patch", "delete",
];
pub const SUBRESOURCES: [(&str, &str); 5] = [
    ("exec", "create"),
    ("log", "get"),
    ("portforward", "create"),
    ("scale", "update"),
    ("eviction", "create"),
];

/// The matrix's column names: resource, the verbs, the subresources.
pub fn matrix_columns() -> Vec<String> {
    let mut cols = vec!["RESOURCE".to_string()];
    cols.extend(VERBS.iter().map(|v| v.to_uppercase()));
    cols.extend(SUBRESOURCES.iter().map(|(s, _)| s.to_uppercase()));
    cols
}

/// Whether a kind serves a subresource of the matrix (the pod ones, and scale of the scalable workloads).
fn serves(group: &str, resource: &str, sub: &str) -> bool {
    match sub {
        "scale" => matches!(
            (group, resource),
            ("apps", "deployments" | "replicasets" | "statefulsets")
                | ("", "replicationcontrollers")
        ),
        _ => group.is_empty() && resource == "pods",
    }
}

/// One row of the matrix: `yes`, `-` (denied), `?` (not known), or empty where the kind has no such
/// subresource. `verbs` are those the kind serves (discovery); a verb it does not serve is empty too.
pub fn matrix_row(access: &Access, group: &str, resource: &str, verbs: &[String]) -> Vec<String> {
    let mark = |need: Need| match access.allows(&need, "") {
        Some(true) => "yes".to_string(),
        Some(false) => "-".to_string(),
        None => "?".to_string(),
    };
    let mut row: Vec<String> = VERBS
        .iter()
        .map(|v| {
            if verbs.iter().any(|s| s == v) {
                mark(Need::new(v, group, resource, ""))
            } else {
                String::new()
            }
        })
        .collect();
    row.extend(SUBRESOURCES.iter().map(|(sub, verb)| {
        if serves(group, resource, sub) {
            mark(Need::new(verb, group, resource, sub))
        } else {
            String::new()
        }
    }));
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn viewer() -> Access {
        Access::from_review(
            "shop",
            &json!({"status": {"resourceRules": [
                {"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods", "pods/log"]},
                {"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["app"]}],
                "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/version"]}],
                "incomplete": false}}),
        )
    }

    #[test]
    fn rules_decide_and_incomplete_rules_leave_it_open() {
        let a = viewer();
        assert_eq!(a.allows(&Need::new("list", "", "pods", ""), ""), Some(true));
        assert_eq!(
            a.allows(&Need::new("delete", "", "pods", ""), "web-1"),
            Some(false)
        );
        assert_eq!(
            a.allows(&Need::new("get", "", "pods", "log"), "web-1"),
            Some(true)
        );
        assert_eq!(
            a.allows(&Need::new("get", "", "configmaps", ""), "app"),
            Some(true)
        );
        assert_eq!(
            a.allows(&Need::new("get", "", "configmaps", ""), "other"),
            Some(false)
        );
        let open = Access {
            incomplete: true,
            ..a
        };
        assert_eq!(open.allows(&Need::new("delete", "", "pods", ""), "x"), None);
        assert_eq!(
            Need::new("delete", "", "pods", "").denial("shop"),
            "not allowed: delete pods in shop"
        );
        assert_eq!(
            Need::new("patch", "apps", "deployments", "scale").denial(""),
            "not allowed: patch deployments.apps/scale"
        );
    }

    #[test]
    fn the_matrix_marks_what_the_kind_serves() {
        let verbs: Vec<String> = VERBS.iter().map(|v| v.to_string()).collect();
        let row = matrix_row(&viewer(), "", "pods", &verbs);
        assert_eq!(
            row,
            [
                "yes", "yes", "yes", "-", "-", "-", "-", "-", "yes", "-", "", "-"
            ]
        );
        let row = matrix_row(&viewer(), "", "secrets", &verbs[..2]);
        assert_eq!(row, ["-", "-", "", "", "", "", "", "", "", "", "", ""]);
        assert_eq!(matrix_columns().len(), 1 + row.len());
    }

    #[test]
    fn identity_from_a_self_subject_review() {
        let id = Identity::from_review(&json!({"status": {"userInfo":
            {"username": "viewer", "groups": ["system:authenticated"]}}}))
        .unwrap();
        assert_eq!(id.display(), "viewer");
        let admin = Identity {
            groups: vec!["system:masters".into(), "system:authenticated".into()],
            ..id
        };
        assert_eq!(admin.display(), "viewer [system:masters]");
        assert!(Identity::from_review(&json!({})).is_none());
    }
}
