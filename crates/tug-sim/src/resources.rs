//! The kinds the sim serves: built-ins and those added by CustomResourceDefinitions, with what discovery says of them.
//! Pure data; must not depend on the store or HTTP.

use std::sync::Arc;

use serde_json::{Value, json};

/// `group/plural` (core group empty: `/pods`): the key objects are stored under.
pub type ResKey = Arc<str>;

/// Every standard verb of a storable resource.
pub const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDef {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub short_names: Vec<String>,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub categories: Vec<String>,
    /// Subresources served (`status`, `scale`, `log`, `exec`, `portforward`, `eviction`).
    pub subresources: Vec<String>,
    /// For custom resources: the served version's `additionalPrinterColumns`.
    pub printer_columns: Option<Value>,
    /// Created by a CRD (stored as given, no built-in defaulting).
    pub custom: bool,
}

impl ResourceDef {
    pub fn key(&self) -> ResKey {
        // `events.k8s.io` Events are stored as the core ones, as the apiserver keeps both in one table.
        if self.is("events.k8s.io", "events") {
            return Arc::from("/events");
        }
        Arc::from(format!("{}/{}", self.group, self.plural))
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `pods`, `deployments.apps`: how errors name the resource.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `Pod`, `Deployment.apps`: how validation errors name the kind.
    pub fn group_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    pub fn has_sub(&self, sub: &str) -> bool {
        self.subresources.iter().any(|s| s == sub)
    }

    pub fn is(&self, group: &str, plural: &str) -> bool {
        self.group == group && self.plural == plural
    }

    /// The `APIResource` entries discovery lists for this resource and its subresources.
    pub fn discovery_entries(&self) -> Vec<Value> {
        let mut main = json!({
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": self.verbs,
        });
        if !self.short_names.is_empty() {
            main["shortNames"] = json!(self.short_names);
        }
        if !self.categories.is_empty() {
            main["categories"] = json!(self.categories);
        }
        let mut out = vec![main];
        for sub in &self.subresources {
            let (kind, verbs, group, version): (&str, &[&str], Option<&str>, Option<&str>) =
                match sub.as_str() {
                    "status" => (&self.kind, &["get", "patch", "update"], None, None),
                    "scale" => (
                        "Scale",
                        &["get", "patch", "update"],
                        Some("autoscaling"),
                        Some("v1"),
                    ),
                    "log" => ("Pod", &["get"], None, None),
                    "exec" => ("PodExecOptions", &["create", "get"], None, None),
                    "attach" => ("PodAttachOptions", &["create", "get"], None, None),
                    "ephemeralcontainers" => ("Pod", &["get", "patch", "update"], None, None),
                    "portforward" => ("PodPortForwardOptions", &["create", "get"], None, None),
                    "eviction" => ("Eviction", &["create"], Some("policy"), Some("v1")),
                    _ => continue,
                };
            let mut e = json!({
                "name": format!("{}/{}", self.plural, sub),
                "singularName": "",
                "namespaced": self.namespaced,
                "kind": kind,
                "verbs": verbs,
            });
            if let Some(g) = group {
                e["group"] = json!(g);
            }
            if let Some(v) = version {
                e["version"] = json!(v);
            }
            out.push(e);
        }
        out
    }
}

/// One row of the built-in kinds table.
pub struct Builtin {
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    short: &'static [&'static str],
    namespaced: bool,
    subs: &'static [&'static str],
    all: bool,
}

#[allow(clippy::too_many_arguments)] // a table-row constructor: one positional arg per column
const fn b(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    short: &'static [&'static str],
    namespaced: bool,
    subs: &'static [&'static str],
    all: bool,
) -> Builtin {
    Builtin {
        group,
        version,
        plural,
        kind,
        short,
        namespaced,
        subs,
        all,
    }
}

impl Builtin {
    /// A kind without short names, subresources or categories (served by a module of its own).
    pub const fn new(
        group: &'static str,
        version: &'static str,
        plural: &'static str,
        kind: &'static str,
        namespaced: bool,
    ) -> Self {
        b(group, version, plural, kind, &[], namespaced, &[], false)
    }

    pub fn def(&self) -> ResourceDef {
        let verbs: Vec<String> = match (self.group, self.plural) {
            ("", "bindings") => vec!["create".into()],
            ("authorization.k8s.io" | "authentication.k8s.io", _) => vec!["create".into()],
            _ => ALL_VERBS.iter().map(|v| v.to_string()).collect(),
        };
        ResourceDef {
            group: self.group.into(),
            version: self.version.into(),
            plural: self.plural.into(),
            singular: self.kind.to_lowercase(),
            kind: self.kind.into(),
            short_names: self.short.iter().map(|s| s.to_string()).collect(),
            namespaced: self.namespaced,
            verbs,
            categories: if self.all { vec!["all".into()] } else { vec![] },
            subresources: self.subs.iter().map(|s| s.to_string()).collect(),
            printer_columns: None,
            custom: false,
        }
    }
}

const NS: bool = true;
const CLUSTER: bool = false;

/// The built-in kinds, in discovery order (core first, as the real server lists them).
const BUILTINS: &[Builtin] = &[
    b("", "v1", "bindings", "Binding", &[], NS, &[], false),
    b("", "v1", "configmaps", "ConfigMap", &["cm"], NS, &[], false),
    b("", "v1", "endpoints", "Endpoints", &["ep"], NS, &[], false),
    b("", "v1", "events", "Event", &["ev"], NS, &[], false),
    b(
        "",
        "v1",
        "limitranges",
        "LimitRange",
        &["limits"],
        NS,
        &[],
        false,
    ),
    b(
        "",
        "v1",
        "namespaces",
        "Namespace",
        &["ns"],
        CLUSTER,
        &["status"],
        false,
    ),
    b(
        "",
        "v1",
        "nodes",
        "Node",
        &["no"],
        CLUSTER,
        &["status"],
        false,
    ),
    b(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        &["pvc"],
        NS,
        &["status"],
        false,
    ),
    b(
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        &["pv"],
        CLUSTER,
        &["status"],
        false,
    ),
    b(
        "",
        "v1",
        "pods",
        "Pod",
        &["po"],
        NS,
        &[
            "attach",
            "ephemeralcontainers",
            "eviction",
            "exec",
            "log",
            "portforward",
            "status",
        ],
        true,
    ),
    b(
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        &["rc"],
        NS,
        &["scale", "status"],
        true,
    ),
    b(
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        &["quota"],
        NS,
        &["status"],
        false,
    ),
    b("", "v1", "secrets", "Secret", &[], NS, &[], false),
    b(
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        &["sa"],
        NS,
        &[],
        false,
    ),
    b(
        "",
        "v1",
        "services",
        "Service",
        &["svc"],
        NS,
        &["status"],
        true,
    ),
    b(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        &["crd", "crds"],
        CLUSTER,
        &["status"],
        false,
    ),
    b(
        "apiregistration.k8s.io",
        "v1",
        "apiservices",
        "APIService",
        &[],
        CLUSTER,
        &["status"],
        false,
    ),
    b(
        "apps",
        "v1",
        "controllerrevisions",
        "ControllerRevision",
        &[],
        NS,
        &[],
        false,
    ),
    b(
        "apps",
        "v1",
        "daemonsets",
        "DaemonSet",
        &["ds"],
        NS,
        &["status"],
        true,
    ),
    b(
        "apps",
        "v1",
        "deployments",
        "Deployment",
        &["deploy"],
        NS,
        &["scale", "status"],
        true,
    ),
    b(
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        &["rs"],
        NS,
        &["scale", "status"],
        true,
    ),
    b(
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        &["sts"],
        NS,
        &["scale", "status"],
        true,
    ),
    b(
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        &[],
        CLUSTER,
        &[],
        false,
    ),
    b(
        "authorization.k8s.io",
        "v1",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
        &[],
        NS,
        &[],
        false,
    ),
    b(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        &[],
        CLUSTER,
        &[],
        false,
    ),
    b(
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        &[],
        CLUSTER,
        &[],
        false,
    ),
    b(
        "authorization.k8s.io",
        "v1",
        "subjectaccessreviews",
        "SubjectAccessReview",
        &[],
        CLUSTER,
        &[],
        false,
    ),
    b(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        &["hpa"],
        NS,
        &["status"],
        true,
    ),
    b(
        "batch",
        "v1",
        "cronjobs",
        "CronJob",
        &["cj"],
        NS,
        &["status"],
        true,
    ),
    b("batch", "v1", "jobs", "Job", &[], NS, &["status"], true),
    b(
        "coordination.k8s.io",
        "v1",
        "leases",
        "Lease",
        &[],
        NS,
        &[],
        false,
    ),
    b(
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "EndpointSlice",
        &[],
        NS,
        &[],
        false,
    ),
    b(
        "events.k8s.io",
        "v1",
        "events",
        "Event",
        &["ev"],
        NS,
        &[],
        false,
    ),
    b(
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        &[],
        CLUSTER,
        &[],
        false,
    ),
    b(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        &["ing"],
        NS,
        &["status"],
        false,
    ),
    b(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        &["netpol"],
        NS,
        &[],
        false,
    ),
    b(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        &["pdb"],
        NS,
        &["status"],
        false,
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        &[],
        CLUSTER,
        &[],
        false,
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        &[],
        CLUSTER,
        &[],
        false,
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        &[],
        NS,
        &[],
        false,
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        &[],
        NS,
        &[],
        false,
    ),
    b(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        &["sc"],
        CLUSTER,
        &[],
        false,
    ),
];

/// The built-in resource definitions.
pub fn builtins() -> Vec<ResourceDef> {
    BUILTINS.iter().map(Builtin::def).collect()
}

/// The resource definitions a CRD object declares (one per served version; the storage version first).
pub fn from_crd(crd: &Value) -> Vec<ResourceDef> {
    let spec = &crd["spec"];
    let group = spec["group"].as_str().unwrap_or_default();
    let names = &spec["names"];
    let plural = names["plural"].as_str().unwrap_or_default();
    let kind = names["kind"].as_str().unwrap_or_default();
    if group.is_empty() || plural.is_empty() || kind.is_empty() {
        return vec![];
    }
    let str_list = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut versions: Vec<&Value> = spec["versions"]
        .as_array()
        .map(|a| a.iter().filter(|v| v["served"] != json!(false)).collect())
        .unwrap_or_default();
    versions.sort_by_key(|v| v["storage"] != json!(true));
    versions
        .into_iter()
        .filter_map(|v| {
            let version = v["name"].as_str()?;
            let mut subs = vec![];
            if v["subresources"]["status"].is_object() {
                subs.push("status".to_string());
            }
            if v["subresources"]["scale"].is_object() {
                subs.push("scale".to_string());
            }
            Some(ResourceDef {
                group: group.into(),
                version: version.into(),
                plural: plural.into(),
                singular: names["singular"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| kind.to_lowercase()),
                kind: kind.into(),
                short_names: str_list(&names["shortNames"]),
                namespaced: spec["scope"].as_str() != Some("Cluster"),
                verbs: ALL_VERBS.iter().map(|v| v.to_string()).collect(),
                categories: str_list(&names["categories"]),
                subresources: subs,
                printer_columns: v
                    .get("additionalPrinterColumns")
                    .filter(|c| c.is_array())
                    .cloned(),
                custom: true,
            })
        })
        .collect()
}

/// The set of served resources; CRDs add and remove entries at run time.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    defs: Vec<Arc<ResourceDef>>,
}

impl Registry {
    pub fn with_builtins() -> Self {
        Self {
            defs: builtins().into_iter().map(Arc::new).collect(),
        }
    }

    pub fn all(&self) -> &[Arc<ResourceDef>] {
        &self.defs
    }

    /// The resource for a URL's group, version and plural.
    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceDef>> {
        self.defs
            .iter()
            .find(|d| d.group == group && d.version == version && d.plural == plural)
            .cloned()
    }

    /// The preferred (first listed) version of a group's resource.
    pub fn preferred(&self, group: &str, plural: &str) -> Option<Arc<ResourceDef>> {
        self.defs
            .iter()
            .find(|d| d.group == group && d.plural == plural)
            .cloned()
    }

    /// API groups (other than core) with their versions, in registration order.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = vec![];
        for d in self.defs.iter().filter(|d| !d.group.is_empty()) {
            match out.iter_mut().find(|(g, _)| *g == d.group) {
                Some((_, versions)) => {
                    if !versions.contains(&d.version) {
                        versions.push(d.version.clone());
                    }
                }
                None => out.push((d.group.clone(), vec![d.version.clone()])),
            }
        }
        out
    }

    pub fn in_group_version<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'a Arc<ResourceDef>> + 'a {
        self.defs
            .iter()
            .filter(move |d| d.group == group && d.version == version)
    }

    /// Registers kinds served by a module of their own (the metrics API).
    pub fn add(&mut self, defs: impl IntoIterator<Item = ResourceDef>) {
        self.defs.extend(defs.into_iter().map(Arc::new));
    }

    /// Registers a CRD's resources (replacing an earlier registration of the same CRD).
    pub fn add_crd(&mut self, crd: &Value) -> Vec<Arc<ResourceDef>> {
        let defs = from_crd(crd);
        if let Some(first) = defs.first() {
            let (g, p) = (first.group.clone(), first.plural.clone());
            self.defs.retain(|d| !(d.group == g && d.plural == p));
        }
        let added: Vec<Arc<ResourceDef>> = defs.into_iter().map(Arc::new).collect();
        self.defs.extend(added.iter().cloned());
        added
    }

    pub fn remove_crd(&mut self, crd: &Value) {
        let spec = &crd["spec"];
        let group = spec["group"].as_str().unwrap_or_default();
        let plural = spec["names"]["plural"].as_str().unwrap_or_default();
        self.defs
            .retain(|d| !(d.custom && d.group == group && d.plural == plural));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_have_kubectl_short_names() {
        let reg = Registry::with_builtins();
        let deploy = reg.preferred("apps", "deployments").unwrap();
        assert_eq!(deploy.short_names, vec!["deploy"]);
        assert_eq!(deploy.api_version(), "apps/v1");
        assert_eq!(deploy.qualified(), "deployments.apps");
        let pods = reg.preferred("", "pods").unwrap();
        assert_eq!(pods.qualified(), "pods");
        assert!(pods.has_sub("exec"));
    }

    #[test]
    fn crd_registers_its_served_versions_with_storage_first() {
        let crd = json!({"spec": {"group": "shop.example.com", "scope": "Namespaced",
        "names": {"plural": "backups", "singular": "backup", "kind": "Backup", "shortNames": ["bk"]},
        "versions": [
            {"name": "v1alpha1", "served": true, "storage": false},
            {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
             "additionalPrinterColumns": [{"name": "Phase", "type": "string", "jsonPath": ".status.phase"}]}
        ]}});
        let mut reg = Registry::with_builtins();
        let added = reg.add_crd(&crd);
        assert_eq!(added.len(), 2);
        assert_eq!(added[0].version, "v1");
        assert!(added[0].has_sub("status"));
        assert!(added[0].printer_columns.is_some());
        assert_eq!(
            reg.preferred("shop.example.com", "backups")
                .unwrap()
                .version,
            "v1"
        );
        reg.remove_crd(&crd);
        assert!(reg.preferred("shop.example.com", "backups").is_none());
    }
}
