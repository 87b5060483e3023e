//! The RBAC authorizer as the API server runs it (`plugin/pkg/auth/authorizer/rbac`): given the Roles,
//! ClusterRoles (with `aggregationRule`), RoleBindings and ClusterRoleBindings of a cluster, may this subject do
//! this, and which binding and rule say so. Also the rules a subject holds in a namespace (what
//! `SelfSubjectRulesReview` answers). Pure: objects in, decisions out; must not depend on HTTP or a store.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The group whose members bypass RBAC (the API server's privileged-group authorizer runs before RBAC).
pub const MASTERS: &str = "system:masters";
/// Every authenticated user is in this group.
pub const AUTHENTICATED: &str = "system:authenticated";

/// Who asks: a user name and the groups the authenticator put them in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub user: String,
    pub groups: Vec<String>,
}

impl Subject {
    pub fn new(user: impl Into<String>, groups: &[&str]) -> Self {
        Self {
            user: user.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    pub fn is_master(&self) -> bool {
        self.groups.iter().any(|g| g == MASTERS)
    }
}

/// What is asked, in the authorizer's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request<'a> {
    /// A request on a resource: `namespace` empty for cluster-scoped ones (and lists across namespaces).
    Resource {
        verb: &'a str,
        group: &'a str,
        resource: &'a str,
        subresource: &'a str,
        namespace: &'a str,
        name: &'a str,
    },
    /// A request on a path that is no resource (`/healthz`, `/version`, `/apis`).
    NonResource { verb: &'a str, path: &'a str },
}

/// One `PolicyRule` of a Role or ClusterRole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    #[serde(default)]
    pub verbs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    #[serde(
        rename = "nonResourceURLs",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_resource_urls: Vec<String>,
}

fn has(list: &[String], want: &str) -> bool {
    list.iter().any(|x| x == "*" || x == want)
}

impl Rule {
    /// The rule a `system:masters` member effectively holds.
    fn everything() -> Self {
        Self {
            verbs: vec!["*".into()],
            api_groups: vec!["*".into()],
            resources: vec!["*".into()],
            ..Self::default()
        }
    }

    /// `RuleAllows` in the RBAC authorizer.
    pub fn allows(&self, req: &Request) -> bool {
        match *req {
            Request::Resource {
                verb,
                group,
                resource,
                subresource,
                name,
                ..
            } => {
                let combined = if subresource.is_empty() {
                    resource.to_string()
                } else {
                    format!("{resource}/{subresource}")
                };
                // `pods` does not grant `pods/log`; `*/scale` grants the scale subresource of every kind.
                let resource_ok = self.resources.iter().any(|r| {
                    r == "*"
                        || *r == combined
                        || (!subresource.is_empty() && *r == format!("*/{subresource}"))
                });
                has(&self.verbs, verb)
                    && has(&self.api_groups, group)
                    && resource_ok
                    && (self.resource_names.is_empty()
                        || (!name.is_empty() && self.resource_names.iter().any(|n| n == name)))
            }
            Request::NonResource { verb, path } => {
                has(&self.verbs, verb)
                    && self.non_resource_urls.iter().any(|u| {
                        u == "*"
                            || u == path
                            || u.strip_suffix('*').is_some_and(|p| path.starts_with(p))
                    })
            }
        }
    }
}

/// Why a request was allowed: the binding, the role it refers to, and the matching rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `RoleBinding "shop/readers"`, `ClusterRoleBinding "view"`, or the privileged group.
    pub binding: String,
    /// `Role "config-reader"`, `ClusterRole "view"`.
    pub role: String,
    /// The binding's subject that matched: `User "viewer"`, `ServiceAccount "backend/shop"`.
    pub subject: String,
    pub rule: Rule,
}

impl Grant {
    /// The reason the API server gives in a SubjectAccessReview (empty for the privileged group, as there).
    pub fn reason(&self) -> String {
        if self.binding == MASTERS {
            return String::new();
        }
        format!(
            "RBAC: allowed by {} of {} to {}",
            self.binding, self.role, self.subject
        )
    }
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub grant: Option<Grant>,
}

#[derive(Debug, Clone, Deserialize)]
struct RoleRef {
    kind: String,
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct BindingSubject {
    kind: String,
    name: String,
    #[serde(default)]
    namespace: String,
}

struct Binding {
    namespace: String,
    name: String,
    role_ref: RoleRef,
    subjects: Vec<BindingSubject>,
}

struct Role {
    namespace: String,
    name: String,
    labels: serde_json::Map<String, Value>,
    rules: Vec<Rule>,
    aggregation: Vec<Value>,
}

/// The rules a subject holds where a request is made, each with the binding and role it came from.
pub struct HeldRule {
    pub binding: String,
    pub role: String,
    pub subject: String,
    pub rule: Rule,
}

/// A cluster's RBAC objects, read once for a decision (or many).
#[derive(Default)]
pub struct Policy {
    roles: Vec<Role>,
    cluster_roles: Vec<Role>,
    bindings: Vec<Binding>,
    cluster_bindings: Vec<Binding>,
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj["metadata"][field].as_str().unwrap_or_default()
}

fn role_of(obj: &Value) -> Role {
    Role {
        namespace: meta_str(obj, "namespace").to_string(),
        name: meta_str(obj, "name").to_string(),
        labels: obj["metadata"]["labels"]
            .as_object()
            .cloned()
            .unwrap_or_default(),
        // A malformed rule grants nothing rather than failing the whole role.
        rules: obj["rules"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| serde_json::from_value(r.clone()).ok())
                    .collect()
            })
            .unwrap_or_default(),
        aggregation: obj["aggregationRule"]["clusterRoleSelectors"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    }
}

fn binding_of(obj: &Value) -> Option<Binding> {
    Some(Binding {
        namespace: meta_str(obj, "namespace").to_string(),
        name: meta_str(obj, "name").to_string(),
        role_ref: serde_json::from_value(obj["roleRef"].clone()).ok()?,
        subjects: obj["subjects"]
            .as_array()
            .map(|ss| {
                ss.iter()
                    .filter_map(|s| serde_json::from_value(s.clone()).ok())
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// A `metav1.LabelSelector` (`matchLabels`, `matchExpressions`) against a label map.
pub fn selector_matches(sel: &Value, labels: &serde_json::Map<String, Value>) -> bool {
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    let by_label = sel["matchLabels"]
        .as_object()
        .is_none_or(|m| m.iter().all(|(k, v)| label(k) == v.as_str()));
    let by_expr = sel["matchExpressions"].as_array().is_none_or(|es| {
        es.iter().all(|e| {
            let key = e["key"].as_str().unwrap_or_default();
            let values: Vec<&str> = e["values"]
                .as_array()
                .map(|vs| vs.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            match e["operator"].as_str() {
                Some("In") => label(key).is_some_and(|v| values.contains(&v)),
                Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
                Some("Exists") => label(key).is_some(),
                Some("DoesNotExist") => label(key).is_none(),
                _ => false,
            }
        })
    });
    by_label && by_expr
}

impl Binding {
    /// The first subject that names `who`, worded as the authorizer words it (a service account is
    /// `name/namespace`, its namespace defaulting to the binding's).
    fn subject_for(&self, who: &Subject) -> Option<String> {
        self.subjects.iter().find_map(|s| {
            let ns = if s.namespace.is_empty() {
                &self.namespace
            } else {
                &s.namespace
            };
            let hit = match s.kind.as_str() {
                "User" => s.name == who.user,
                "Group" => who.groups.contains(&s.name),
                "ServiceAccount" => who.user == format!("system:serviceaccount:{ns}:{}", s.name),
                _ => false,
            };
            hit.then(|| match s.kind.as_str() {
                "ServiceAccount" => format!("ServiceAccount \"{}/{ns}\"", s.name),
                kind => format!("{kind} \"{}\"", s.name),
            })
        })
    }

    /// `ClusterRoleBinding "view"`, `RoleBinding "readers/shop"` (name first, as the authorizer has it).
    fn describe(&self) -> String {
        if self.namespace.is_empty() {
            format!("ClusterRoleBinding \"{}\"", self.name)
        } else {
            format!("RoleBinding \"{}/{}\"", self.name, self.namespace)
        }
    }
}

impl Policy {
    /// Reads the four kinds' objects; those that cannot be read as RBAC objects are skipped, as a binding to
    /// a role that does not exist grants nothing.
    pub fn new(
        roles: &[Value],
        cluster_roles: &[Value],
        bindings: &[Value],
        cluster_bindings: &[Value],
    ) -> Self {
        Self {
            roles: roles.iter().map(role_of).collect(),
            cluster_roles: cluster_roles.iter().map(role_of).collect(),
            bindings: bindings.iter().filter_map(binding_of).collect(),
            cluster_bindings: cluster_bindings.iter().filter_map(binding_of).collect(),
        }
    }

    /// A ClusterRole's rules: its own plus, with an `aggregationRule`, those of every ClusterRole whose labels
    /// match one of its selectors (the aggregation controller writes these into `rules`; reading them here
    /// gives the same answer without a controller).
    fn cluster_role_rules(&self, name: &str) -> Vec<Rule> {
        let Some(role) = self.cluster_roles.iter().find(|r| r.name == name) else {
            return vec![];
        };
        let mut rules = role.rules.clone();
        for other in &self.cluster_roles {
            if other.name != role.name
                && role
                    .aggregation
                    .iter()
                    .any(|sel| selector_matches(sel, &other.labels))
            {
                rules.extend(other.rules.iter().cloned());
            }
        }
        rules
    }

    fn role_rules(&self, binding: &Binding) -> (String, Vec<Rule>) {
        match binding.role_ref.kind.as_str() {
            "ClusterRole" => (
                format!("ClusterRole \"{}\"", binding.role_ref.name),
                self.cluster_role_rules(&binding.role_ref.name),
            ),
            "Role" => (
                format!("Role \"{}\"", binding.role_ref.name),
                self.roles
                    .iter()
                    .find(|r| r.namespace == binding.namespace && r.name == binding.role_ref.name)
                    .map(|r| r.rules.clone())
                    .unwrap_or_default(),
            ),
            _ => (String::new(), vec![]),
        }
    }

    /// Every rule `who` holds for requests in `namespace` (empty: cluster-wide only), in the order the
    /// authorizer visits them: ClusterRoleBindings first, then the namespace's RoleBindings.
    pub fn rules_for(&self, who: &Subject, namespace: &str) -> Vec<HeldRule> {
        if who.is_master() {
            return vec![
                HeldRule {
                    binding: MASTERS.into(),
                    role: MASTERS.into(),
                    subject: format!("Group \"{MASTERS}\""),
                    rule: Rule::everything(),
                },
                HeldRule {
                    binding: MASTERS.into(),
                    role: MASTERS.into(),
                    subject: format!("Group \"{MASTERS}\""),
                    rule: Rule {
                        verbs: vec!["*".into()],
                        non_resource_urls: vec!["*".into()],
                        ..Rule::default()
                    },
                },
            ];
        }
        let local = self
            .bindings
            .iter()
            .filter(|b| !namespace.is_empty() && b.namespace == namespace);
        let mut out = vec![];
        for b in self.cluster_bindings.iter().chain(local) {
            let Some(subject) = b.subject_for(who) else {
                continue;
            };
            let (role, rules) = self.role_rules(b);
            out.extend(rules.into_iter().map(|rule| HeldRule {
                binding: b.describe(),
                role: role.clone(),
                subject: subject.clone(),
                rule,
            }));
        }
        out
    }

    /// May `who` do `req`? The first grant found wins; no grant is a denial (RBAC never denies explicitly).
    pub fn authorize(&self, who: &Subject, req: &Request) -> Decision {
        let namespace = match req {
            Request::Resource { namespace, .. } => namespace,
            Request::NonResource { .. } => "",
        };
        let grant = self
            .rules_for(who, namespace)
            .into_iter()
            .find(|h| h.rule.allows(req))
            .map(|h| Grant {
                binding: h.binding,
                role: h.role,
                subject: h.subject,
                rule: h.rule,
            });
        Decision {
            allowed: grant.is_some(),
            grant,
        }
    }
}

/// A subject as a binding names it: `User`, `Group` or `ServiceAccount` (with its namespace).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Named {
    pub kind: String,
    pub name: String,
    /// A ServiceAccount's namespace (the binding's when the subject leaves it out); empty otherwise.
    pub namespace: String,
}

impl Named {
    /// `User viewer`, `ServiceAccount shop/backend`.
    pub fn display(&self) -> String {
        match self.kind.as_str() {
            "ServiceAccount" => format!("{}/{}", self.namespace, self.name),
            _ => self.name.clone(),
        }
    }

    /// The caller this subject is when it asks alone (a group stands for any member, with no user binding).
    pub fn as_subject(&self) -> Subject {
        match self.kind.as_str() {
            "Group" => Subject {
                user: String::new(),
                groups: vec![self.name.clone()],
            },
            "ServiceAccount" => Subject {
                user: format!("system:serviceaccount:{}:{}", self.namespace, self.name),
                groups: vec![],
            },
            _ => Subject {
                user: self.name.clone(),
                groups: vec![],
            },
        }
    }
}

/// A RoleBinding (with its namespace) or a ClusterRoleBinding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BindingRef {
    /// Empty for a ClusterRoleBinding.
    pub namespace: String,
    pub name: String,
}

impl BindingRef {
    pub fn kind(&self) -> &'static str {
        if self.namespace.is_empty() {
            "ClusterRoleBinding"
        } else {
            "RoleBinding"
        }
    }

    /// `RoleBinding shop/readers`, `ClusterRoleBinding view`.
    pub fn display(&self) -> String {
        if self.namespace.is_empty() {
            format!("ClusterRoleBinding {}", self.name)
        } else {
            format!("RoleBinding {}/{}", self.namespace, self.name)
        }
    }
}

/// One answer to "who can": a subject, the binding that names it and the role rule that grants the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub subject: Named,
    pub binding: BindingRef,
    /// `Role "config-reader"`, `ClusterRole "view"`.
    pub role: String,
    pub rule: Rule,
}

impl Rule {
    /// `get,list pods,pods/log` (`[names]` and non-resource URLs when the rule has them).
    pub fn display(&self) -> String {
        let mut out = self.verbs.join(",");
        if !self.non_resource_urls.is_empty() {
            out.push(' ');
            out.push_str(&self.non_resource_urls.join(","));
            return out;
        }
        out.push(' ');
        let groups: Vec<&str> = self
            .api_groups
            .iter()
            .map(|g| if g.is_empty() { "core" } else { g.as_str() })
            .collect();
        out.push_str(&self.resources.join(","));
        out.push_str(&format!(" ({})", groups.join(",")));
        if !self.resource_names.is_empty() {
            out.push_str(&format!(" [{}]", self.resource_names.join(",")));
        }
        out
    }
}

impl Binding {
    fn reference(&self) -> BindingRef {
        BindingRef {
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    fn named(&self) -> impl Iterator<Item = Named> + '_ {
        self.subjects
            .iter()
            .filter(|s| matches!(s.kind.as_str(), "User" | "Group" | "ServiceAccount"))
            .map(|s| Named {
                kind: s.kind.clone(),
                name: s.name.clone(),
                namespace: match s.kind.as_str() {
                    "ServiceAccount" if s.namespace.is_empty() => self.namespace.clone(),
                    "ServiceAccount" => s.namespace.clone(),
                    _ => String::new(),
                },
            })
    }
}

impl Policy {
    /// Every subject the RBAC objects grant `req` to, with the binding and the first rule of its role that
    /// allows it: ClusterRoleBindings, then the RoleBindings of the request's namespace. The privileged group
    /// and authorizers other than RBAC are not in these objects, so they are not in the answer.
    pub fn who_can(&self, req: &Request) -> Vec<Holder> {
        let namespace = match req {
            Request::Resource { namespace, .. } => *namespace,
            Request::NonResource { .. } => "",
        };
        let local = self
            .bindings
            .iter()
            .filter(|b| !namespace.is_empty() && b.namespace == namespace);
        let mut out = vec![];
        for b in self.cluster_bindings.iter().chain(local) {
            let (role, rules) = self.role_rules(b);
            let Some(rule) = rules.into_iter().find(|r| r.allows(req)) else {
                continue;
            };
            out.extend(b.named().map(|subject| Holder {
                subject,
                binding: b.reference(),
                role: role.clone(),
                rule: rule.clone(),
            }));
        }
        out
    }

    /// Every subject some binding names, with those bindings, sorted by kind and name.
    pub fn subjects(&self) -> Vec<(Named, Vec<BindingRef>)> {
        let mut by: std::collections::BTreeMap<Named, Vec<BindingRef>> = Default::default();
        for b in self.cluster_bindings.iter().chain(&self.bindings) {
            for s in b.named() {
                let refs = by.entry(s).or_default();
                if !refs.contains(&b.reference()) {
                    refs.push(b.reference());
                }
            }
        }
        by.into_iter().collect()
    }

    /// What `subject` holds by the bindings that name it: cluster-wide, then in each namespace one of its
    /// RoleBindings is in (what it gets through groups it may also be in is not known from the objects).
    pub fn effective_rules(&self, subject: &Named) -> Vec<(String, Vec<HeldRule>)> {
        let who = subject.as_subject();
        let mut namespaces: Vec<&str> = self
            .bindings
            .iter()
            .filter(|b| b.named().any(|n| n == *subject))
            .map(|b| b.namespace.as_str())
            .collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        let mut out = vec![(String::new(), self.rules_for(&who, ""))];
        for ns in namespaces {
            let local: Vec<HeldRule> = self
                .rules_for(&who, ns)
                .into_iter()
                .filter(|h| h.binding.starts_with("RoleBinding"))
                .collect();
            out.push((ns.to_string(), local));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pods(verb: &'static str, ns: &'static str) -> Request<'static> {
        Request::Resource {
            verb,
            group: "",
            resource: "pods",
            subresource: "",
            namespace: ns,
            name: "",
        }
    }

    fn policy() -> Policy {
        let roles = [
            json!({"metadata": {"name": "config-reader", "namespace": "shop"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": ["app"]}]}),
        ];
        let cluster_roles = [
            json!({"metadata": {"name": "reader"}, "aggregationRule": {"clusterRoleSelectors": [
                {"matchLabels": {"rbac.example.com/aggregate-to-reader": "true"}}]}, "rules": []}),
            json!({"metadata": {"name": "pod-reader", "labels": {"rbac.example.com/aggregate-to-reader": "true"}},
                "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]}]}),
            json!({"metadata": {"name": "scaler"}, "rules": [{"apiGroups": ["*"], "resources": ["*/scale"], "verbs": ["*"]}]}),
            json!({"metadata": {"name": "discovery"}, "rules": [{"nonResourceURLs": ["/apis/*", "/version"], "verbs": ["get"]}]}),
        ];
        let bindings = [json!({"metadata": {"name": "cfg", "namespace": "shop"},
            "roleRef": {"kind": "Role", "name": "config-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "backend", "namespace": "shop"}]})];
        let cluster_bindings = [
            json!({"metadata": {"name": "readers"}, "roleRef": {"kind": "ClusterRole", "name": "reader"},
                "subjects": [{"kind": "User", "name": "viewer"}]}),
            json!({"metadata": {"name": "scalers"}, "roleRef": {"kind": "ClusterRole", "name": "scaler"},
                "subjects": [{"kind": "Group", "name": "ops"}]}),
            json!({"metadata": {"name": "discovery"}, "roleRef": {"kind": "ClusterRole", "name": "discovery"},
                "subjects": [{"kind": "Group", "name": AUTHENTICATED}]}),
        ];
        Policy::new(&roles, &cluster_roles, &bindings, &cluster_bindings)
    }

    #[test]
    fn aggregated_cluster_role_grants_its_members_rules() {
        let viewer = Subject::new("viewer", &[AUTHENTICATED]);
        let d = policy().authorize(&viewer, &pods("list", "shop"));
        assert!(d.allowed);
        assert_eq!(
            d.grant.unwrap().reason(),
            "RBAC: allowed by ClusterRoleBinding \"readers\" of ClusterRole \"reader\" to User \"viewer\""
        );
        assert!(!policy().authorize(&viewer, &pods("delete", "shop")).allowed);
    }

    #[test]
    fn a_subresource_needs_its_own_rule_or_a_star_slash_rule() {
        let p = policy();
        let log = |user: &str, groups: &[&str], sub: &'static str, verb: &'static str| {
            p.authorize(
                &Subject::new(user, groups),
                &Request::Resource {
                    verb,
                    group: "apps",
                    resource: "deployments",
                    subresource: sub,
                    namespace: "shop",
                    name: "web",
                },
            )
            .allowed
        };
        assert!(log("ann", &["ops"], "scale", "update"));
        assert!(!log("ann", &["ops"], "", "update"));
        assert!(!log("ann", &["ops"], "status", "update"));
        let viewer = Subject::new("viewer", &[]);
        let read_log = Request::Resource {
            verb: "get",
            group: "",
            resource: "pods",
            subresource: "log",
            namespace: "shop",
            name: "web-1",
        };
        assert!(p.authorize(&viewer, &read_log).allowed);
        let exec = Request::Resource {
            verb: "create",
            group: "",
            resource: "pods",
            subresource: "exec",
            namespace: "shop",
            name: "web-1",
        };
        assert!(!p.authorize(&viewer, &exec).allowed);
    }

    #[test]
    fn role_bindings_hold_in_their_namespace_and_resource_names_narrow_a_rule() {
        let p = policy();
        let sa = Subject::new("system:serviceaccount:shop:backend", &[]);
        let cm = |ns: &'static str, name: &'static str| Request::Resource {
            verb: "get",
            group: "",
            resource: "configmaps",
            subresource: "",
            namespace: ns,
            name,
        };
        let d = p.authorize(&sa, &cm("shop", "app"));
        assert_eq!(
            d.grant.unwrap().reason(),
            "RBAC: allowed by RoleBinding \"cfg/shop\" of Role \"config-reader\" to ServiceAccount \"backend/shop\""
        );
        assert!(!p.authorize(&sa, &cm("shop", "other")).allowed);
        assert!(!p.authorize(&sa, &cm("default", "app")).allowed);
        assert!(!p.authorize(&sa, &cm("shop", "")).allowed);
    }

    #[test]
    fn non_resource_urls_match_exactly_or_by_star_prefix_and_masters_bypass() {
        let p = policy();
        let anyone = Subject::new("bob", &[AUTHENTICATED]);
        let path = |path: &'static str| Request::NonResource { verb: "get", path };
        assert!(p.authorize(&anyone, &path("/version")).allowed);
        assert!(p.authorize(&anyone, &path("/apis/apps/v1")).allowed);
        assert!(!p.authorize(&anyone, &path("/metrics")).allowed);
        let admin = Subject::new("admin", &[MASTERS]);
        let d = p.authorize(&admin, &pods("delete", "kube-system"));
        assert!(d.allowed);
        assert!(p.authorize(&admin, &path("/metrics")).allowed);
    }

    #[test]
    fn label_selector_expressions() {
        let labels = json!({"a": "1", "b": "2"});
        let labels = labels.as_object().unwrap();
        let sel = json!({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "3"]},
            {"key": "c", "operator": "DoesNotExist"}]});
        assert!(selector_matches(&sel, labels));
        let sel = json!({"matchExpressions": [{"key": "b", "operator": "NotIn", "values": ["2"]}]});
        assert!(!selector_matches(&sel, labels));
    }

    #[test]
    fn who_can_names_every_subject_of_a_granting_binding_with_the_rule() {
        let p = policy();
        let holders = p.who_can(&Request::Resource {
            verb: "get",
            group: "",
            resource: "configmaps",
            subresource: "",
            namespace: "shop",
            name: "app",
        });
        assert_eq!(holders.len(), 1);
        let h = &holders[0];
        assert_eq!(h.subject.display(), "shop/backend");
        assert_eq!(h.binding.display(), "RoleBinding shop/cfg");
        assert_eq!(h.role, "Role \"config-reader\"");
        assert_eq!(h.rule.display(), "get configmaps (core) [app]");
        // Without the name the resourceNames rule does not grant it; in another namespace the RoleBinding
        // does not hold.
        let list = |ns: &'static str| Request::Resource {
            verb: "list",
            group: "",
            resource: "pods",
            subresource: "",
            namespace: ns,
            name: "",
        };
        let names: Vec<String> = p
            .who_can(&list("default"))
            .iter()
            .map(|h| format!("{} {}", h.subject.kind, h.subject.display()))
            .collect();
        assert_eq!(names, ["User viewer"]);
        assert!(p.who_can(&pods("delete", "shop")).is_empty());
    }

    #[test]
    fn subjects_list_their_bindings_and_effective_rules_per_namespace() {
        let p = policy();
        let subjects = p.subjects();
        let kinds: Vec<String> = subjects
            .iter()
            .map(|(s, b)| format!("{} {} {}", s.kind, s.display(), b.len()))
            .collect();
        assert_eq!(
            kinds,
            [
                "Group ops 1",
                "Group system:authenticated 1",
                "ServiceAccount shop/backend 1",
                "User viewer 1"
            ]
        );
        let sa = &subjects[2].0;
        let rules = p.effective_rules(sa);
        assert_eq!(rules.len(), 2);
        assert!(rules[0].1.is_empty());
        assert_eq!(rules[1].0, "shop");
        assert_eq!(rules[1].1.len(), 1);
    }
}
