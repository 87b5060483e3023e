//! Relations between objects, computed from the cluster's own data: ownerReferences both ways (any kind,
//! CRDs included), pod → node, pod → the ConfigMaps, Secrets, PVCs and ServiceAccount it mounts or reads
//! (volumes, projected volumes, env, envFrom, imagePullSecrets), PVC → PV → StorageClass, Service → pods by
//! selector, Ingress → Services and TLS Secrets, PDB/HPA → their targets. Built over a [`Snapshot`] (one
//! list per kind, fetched by the cluster layer), into the tree `:xray` shows and the "used by" lists.
//! Pure: no I/O.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::Value;

use crate::health::{self, Health};
use crate::pod_facts::{Pod, RefKind, Spec};

/// A kind as the relations name it: API group and plural (`("apps", "deployments")`).
pub type KindKey = (&'static str, &'static str);

pub const PODS: KindKey = ("", "pods");
pub const NODES: KindKey = ("", "nodes");
pub const SERVICES: KindKey = ("", "services");
pub const CONFIGMAPS: KindKey = ("", "configmaps");
pub const SECRETS: KindKey = ("", "secrets");
pub const PVCS: KindKey = ("", "persistentvolumeclaims");
pub const PVS: KindKey = ("", "persistentvolumes");
pub const SERVICE_ACCOUNTS: KindKey = ("", "serviceaccounts");
pub const ENDPOINT_SLICES: KindKey = ("discovery.k8s.io", "endpointslices");
pub const REPLICASETS: KindKey = ("apps", "replicasets");
pub const DEPLOYMENTS: KindKey = ("apps", "deployments");
pub const STATEFULSETS: KindKey = ("apps", "statefulsets");
pub const DAEMONSETS: KindKey = ("apps", "daemonsets");
pub const JOBS: KindKey = ("batch", "jobs");
pub const CRONJOBS: KindKey = ("batch", "cronjobs");
pub const INGRESSES: KindKey = ("networking.k8s.io", "ingresses");
pub const PDBS: KindKey = ("policy", "poddisruptionbudgets");
pub const HPAS: KindKey = ("autoscaling", "horizontalpodautoscalers");
pub const STORAGE_CLASSES: KindKey = ("storage.k8s.io", "storageclasses");

/// The kinds a tree of workloads needs besides the root kind: what hangs under a workload and its pods.
/// ConfigMaps, Secrets and ServiceAccounts are shown by name from the pod specs, not listed (a Secret list
/// carries every secret's data).
pub const TREE_KINDS: &[KindKey] = &[
    PODS,
    REPLICASETS,
    JOBS,
    SERVICES,
    ENDPOINT_SLICES,
    INGRESSES,
    PVCS,
    PDBS,
    NODES,
];

/// Objects of some kinds, each kind listed once (never fetched per object). Pods, most of it, are held as
/// the compact [`Pod`] projection; the other kinds (few objects) as JSON.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub lists: BTreeMap<(String, String), Vec<Value>>,
    /// `None`: pods were not listed.
    pub pods: Option<Vec<Pod>>,
}

impl Snapshot {
    /// Objects of a kind as JSON; pods are decoded into their projection (one that does not decode, not an
    /// object, is left out).
    pub fn insert(&mut self, group: &str, plural: &str, items: Vec<Value>) {
        if (group, plural) == PODS {
            self.pods = Some(
                items
                    .iter()
                    .filter_map(|v| Pod::from_value(v).ok())
                    .collect(),
            );
            return;
        }
        self.lists
            .insert((group.to_string(), plural.to_string()), items);
    }

    pub fn insert_pods(&mut self, pods: Vec<Pod>) {
        self.pods = Some(pods);
    }

    pub fn pods(&self) -> &[Pod] {
        self.pods.as_deref().unwrap_or_default()
    }

    pub fn has(&self, (group, plural): KindKey) -> bool {
        if (group, plural) == PODS {
            return self.pods.is_some();
        }
        self.lists
            .contains_key(&(group.to_string(), plural.to_string()))
    }

    /// The JSON objects of a kind; never pods (see [`Snapshot::pods`]).
    pub fn of(&self, (group, plural): KindKey) -> &[Value] {
        self.of_kind(group, plural)
    }

    pub fn of_kind(&self, group: &str, plural: &str) -> &[Value] {
        debug_assert!((group, plural) != PODS, "pods are read with `pods()`");
        self.lists
            .get(&(group.to_string(), plural.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// How many objects it holds, over every kind.
    pub fn len(&self) -> usize {
        self.lists.values().map(Vec::len).sum::<usize>() + self.pods().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn find(&self, kind: KindKey, ns: &str, name: &str) -> Option<&Value> {
        self.of(kind)
            .iter()
            .find(|o| namespace(o) == ns && self::name(o) == name)
    }

    pub fn find_pod(&self, ns: &str, name: &str) -> Option<&Pod> {
        self.pods()
            .iter()
            .find(|p| p.metadata.namespace == ns && p.metadata.name == name)
    }
}

/// An object of a snapshot: a pod's projection or another kind's JSON.
#[derive(Debug, Clone, Copy)]
enum Obj<'a> {
    Json(&'a Value),
    Pod(&'a Pod),
}

impl Obj<'_> {
    fn name(&self) -> &str {
        match self {
            Obj::Json(v) => name(v),
            Obj::Pod(p) => &p.metadata.name,
        }
    }
}

/// What a node of the tree (or a row of a list) stands for: an object, or a pod's container.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub group: String,
    pub plural: String,
    /// The object's `kind` (`Deployment`), or `Container`.
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// For a container: its name (`name` is then the pod's).
    pub container: Option<String>,
}

impl Target {
    pub fn object(group: &str, plural: &str, kind: &str, namespace: &str, name: &str) -> Self {
        Self {
            group: group.into(),
            plural: plural.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
            container: None,
        }
    }

    fn of(kind: KindKey, obj: &Value) -> Self {
        Self::object(
            kind.0,
            kind.1,
            obj["kind"].as_str().unwrap_or_else(|| singular(kind)),
            namespace(obj),
            name(obj),
        )
    }

    pub fn is(&self, (group, plural): KindKey) -> bool {
        self.group == group && self.plural == plural
    }
}

/// One node of the tree: what it is, how it reads (a STATUS word and a detail), and what hangs under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub target: Target,
    pub status: String,
    pub health: Health,
    pub detail: String,
    pub children: Vec<Node>,
}

impl Node {
    fn new(target: Target, (status, health, detail): (String, Health, String)) -> Self {
        Self {
            target,
            status,
            health,
            detail,
            children: vec![],
        }
    }

    fn object(kind: KindKey, obj: &Value, now: jiff::Timestamp) -> Self {
        Self::new(Target::of(kind, obj), health::status(kind, obj, now))
    }

    fn pod(pod: &Pod, now: jiff::Timestamp) -> Self {
        Self::new(pod_target(pod), health::pod_status(pod, now))
    }

    /// A reference by name: read from the snapshot when its kind was listed, else shown as named.
    fn reference(
        snap: &Snapshot,
        kind: KindKey,
        ns: &str,
        name: &str,
        now: jiff::Timestamp,
    ) -> Self {
        let target = Target::object(kind.0, kind.1, singular(kind), ns, name);
        match snap.find(kind, ns, name) {
            Some(obj) => Self::new(target, health::status(kind, obj, now)),
            None if snap.has(kind) => {
                Self::new(target, ("Missing".into(), Health::Bad, "not found".into()))
            }
            None => Self::new(target, (String::new(), Health::Ok, String::new())),
        }
    }
}

/// The target a pod's node stands for.
pub fn pod_target(pod: &Pod) -> Target {
    Target::object(
        "",
        "pods",
        "Pod",
        &pod.metadata.namespace,
        &pod.metadata.name,
    )
}

/// The uids of an index of owners to what they own, built once per tree.
struct Owned<'a> {
    by_owner: HashMap<&'a str, Vec<(KindKey, Obj<'a>)>>,
}

impl<'a> Owned<'a> {
    fn new(snap: &'a Snapshot) -> Self {
        let mut by_owner: HashMap<&str, Vec<(KindKey, Obj)>> = HashMap::new();
        for ((group, plural), items) in &snap.lists {
            let Some(kind) = known_key(group, plural) else {
                continue;
            };
            for obj in items {
                for owner in owner_refs(obj) {
                    if let Some(uid) = owner["uid"].as_str() {
                        by_owner
                            .entry(uid)
                            .or_default()
                            .push((kind, Obj::Json(obj)));
                    }
                }
            }
        }
        for pod in snap.pods() {
            for owner in &pod.metadata.owner_references {
                by_owner
                    .entry(&owner.uid)
                    .or_default()
                    .push((PODS, Obj::Pod(pod)));
            }
        }
        for children in by_owner.values_mut() {
            children.sort_by(|a, b| (a.0, a.1.name()).cmp(&(b.0, b.1.name())));
        }
        Self { by_owner }
    }

    fn of(&self, obj: &Value) -> &[(KindKey, Obj<'a>)] {
        self.by_owner.get(uid(obj)).map_or(&[], Vec::as_slice)
    }
}

/// The kinds the relations know by key (a snapshot's other kinds, e.g. a CRD's, are roots only).
fn known_key(group: &str, plural: &str) -> Option<KindKey> {
    [
        PODS,
        NODES,
        SERVICES,
        CONFIGMAPS,
        SECRETS,
        PVCS,
        PVS,
        SERVICE_ACCOUNTS,
        ENDPOINT_SLICES,
        REPLICASETS,
        DEPLOYMENTS,
        STATEFULSETS,
        DAEMONSETS,
        JOBS,
        CRONJOBS,
        INGRESSES,
        PDBS,
        HPAS,
        STORAGE_CLASSES,
    ]
    .into_iter()
    .find(|k| k.0 == group && k.1 == plural)
}

/// The tree of every object of the root kind (`group`, `plural`) in the snapshot, sorted by namespace and
/// name: owned objects under their owner (a Deployment's ReplicaSets, their pods, the pods' containers), the
/// pods' ConfigMaps, Secrets, PVCs, ServiceAccount and Node under each pod, and the Services (with their
/// Ingresses) and PodDisruptionBudgets that select a workload's pods under the workload.
pub fn tree(snap: &Snapshot, group: &str, plural: &str, now: jiff::Timestamp) -> Vec<Node> {
    let owned = Owned::new(snap);
    if (group, plural) == PODS {
        let mut pods: Vec<&Pod> = snap.pods().iter().collect();
        pods.sort_by(|a, b| {
            (&a.metadata.namespace, &a.metadata.name)
                .cmp(&(&b.metadata.namespace, &b.metadata.name))
        });
        return pods
            .into_iter()
            .map(|p| node_of(snap, &owned, PODS, Obj::Pod(p), now, 0))
            .collect();
    }
    let root_kind = known_key(group, plural);
    let mut roots: Vec<&Value> = snap.of_kind(group, plural).iter().collect();
    roots.sort_by(|a, b| (namespace(a), name(a)).cmp(&(namespace(b), name(b))));
    roots
        .into_iter()
        .map(|obj| match root_kind {
            Some(kind) => node_of(snap, &owned, kind, Obj::Json(obj), now, 0),
            None => {
                let kind_name = obj["kind"].as_str().unwrap_or(plural);
                let target = Target::object(group, plural, kind_name, namespace(obj), name(obj));
                let mut node = Node::new(target, health::status(("", ""), obj, now));
                node.children = owned
                    .of(obj)
                    .iter()
                    .map(|(k, child)| node_of(snap, &owned, *k, *child, now, 1))
                    .collect();
                node
            }
        })
        .collect()
}

/// Owners nest at most this deep (CronJob → Job → Pod is three); a cycle of ownerReferences stops here.
const MAX_DEPTH: usize = 6;

fn node_of(
    snap: &Snapshot,
    owned: &Owned,
    kind: KindKey,
    obj: Obj,
    now: jiff::Timestamp,
    depth: usize,
) -> Node {
    let obj = match obj {
        Obj::Pod(pod) => {
            let mut node = Node::pod(pod, now);
            if depth < MAX_DEPTH {
                node.children = pod_children(snap, pod, now);
            }
            return node;
        }
        Obj::Json(obj) => obj,
    };
    let mut node = Node::object(kind, obj, now);
    if depth >= MAX_DEPTH {
        return node;
    }
    for (child_kind, child) in owned.of(obj) {
        // Old ReplicaSets scaled to zero are history, not structure (`h` shows them).
        if let Obj::Json(c) = child
            && *child_kind == REPLICASETS
            && health::int(&c["spec"]["replicas"]) == 0
        {
            continue;
        }
        node.children
            .push(node_of(snap, owned, *child_kind, *child, now, depth + 1));
    }
    if kind == SERVICES {
        node.children.extend(
            selected_pods(snap, obj)
                .map(|p| node_of(snap, owned, PODS, Obj::Pod(p), now, depth + 1)),
        );
    }
    if let Some(labels) = template_labels(kind, obj) {
        let ns = namespace(obj);
        for svc in snap
            .of(SERVICES)
            .iter()
            .filter(|s| namespace(s) == ns && selector_matches_map(&s["spec"]["selector"], labels))
        {
            let mut svc_node = Node::object(SERVICES, svc, now);
            svc_node.children = routes_to(snap, svc)
                .map(|ing| ingress_node(snap, ing, now))
                .collect();
            node.children.push(svc_node);
        }
        for pdb in snap.of(PDBS).iter().filter(|p| {
            namespace(p) == ns && LabelSelector::new(&p["spec"]["selector"]).matches(labels)
        }) {
            node.children.push(Node::object(PDBS, pdb, now));
        }
        for hpa in snap.of(HPAS).iter().filter(|h| {
            namespace(h) == ns
                && h["spec"]["scaleTargetRef"]["name"].as_str() == Some(name(obj))
                && h["spec"]["scaleTargetRef"]["kind"].as_str() == obj["kind"].as_str()
        }) {
            node.children.push(Node::object(HPAS, hpa, now));
        }
    }
    node
}

fn ingress_node(snap: &Snapshot, ing: &Value, now: jiff::Timestamp) -> Node {
    let mut node = Node::object(INGRESSES, ing, now);
    node.children = ing["spec"]["tls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["secretName"].as_str())
        .map(|s| Node::reference(snap, SECRETS, namespace(ing), s, now))
        .collect();
    node
}

/// A pod's containers, then what it mounts or reads, then its node.
fn pod_children(snap: &Snapshot, pod: &Pod, now: jiff::Timestamp) -> Vec<Node> {
    let ns = pod.metadata.namespace.as_str();
    let mut out: Vec<Node> = pod
        .spec
        .containers
        .iter()
        .map(|c| {
            let mut target = Target::object("", "pods", "Container", ns, &pod.metadata.name);
            target.container = Some(c.name.to_string());
            Node::new(
                target,
                health::container_status(c, pod.container_status(&c.name)),
            )
        })
        .collect();
    for r in refs_of(&pod.spec) {
        let mut node = Node::reference(snap, r.kind, ns, &r.name, now);
        if r.kind == PVCS
            && let Some(pv) = snap
                .find(PVCS, ns, &r.name)
                .and_then(|c| c["spec"]["volumeName"].as_str())
        {
            node.children.push(Node::reference(snap, PVS, "", pv, now));
        }
        out.push(node);
    }
    if let Some(node) = &pod.spec.node_name {
        out.push(Node::reference(snap, NODES, "", node, now));
    }
    out
}

/// One object a pod spec names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ref {
    pub kind: KindKey,
    pub name: String,
}

/// The ConfigMaps, Secrets, PVCs and ServiceAccount a pod spec (JSON, e.g. a workload's pod template's)
/// names, each once, in that order.
pub fn pod_refs(spec: &Value) -> Vec<Ref> {
    refs_of(&Spec::deserialize(spec).unwrap_or_default())
}

/// The objects a decoded pod spec names, in that order.
pub fn refs_of(spec: &Spec) -> Vec<Ref> {
    spec.refs
        .iter()
        .map(|(kind, name)| Ref {
            kind: ref_key(*kind),
            name: name.to_string(),
        })
        .collect()
}

fn ref_key(kind: RefKind) -> KindKey {
    match kind {
        RefKind::ConfigMap => CONFIGMAPS,
        RefKind::Secret => SECRETS,
        RefKind::Claim => PVCS,
        RefKind::ServiceAccount => SERVICE_ACCOUNTS,
    }
}

/// What uses `target` (a ConfigMap, Secret, PVC, ServiceAccount, Node or Service): the pods that mount or
/// read it, the workloads whose pod template does, the Ingresses routing to a Service or holding a TLS
/// Secret, the pods on a Node. Sorted by kind, namespace and name.
pub fn used_by(snap: &Snapshot, target: &Target, now: jiff::Timestamp) -> Vec<Node> {
    let mut out: Vec<Node> = vec![];
    let ns = target.namespace.as_str();
    let wanted = known_key(&target.group, &target.plural);
    match wanted {
        Some(NODES) => {
            for pod in snap
                .pods()
                .iter()
                .filter(|p| p.spec.node_name.as_deref() == Some(target.name.as_str()))
            {
                out.push(Node::pod(pod, now));
            }
        }
        Some(SERVICES) => {
            if let Some(svc) = snap.find(SERVICES, ns, &target.name) {
                out.extend(routes_to(snap, svc).map(|i| Node::object(INGRESSES, i, now)));
            }
        }
        Some(kind @ (CONFIGMAPS | SECRETS | PVCS | SERVICE_ACCOUNTS)) => {
            let names = |spec: &Value| {
                pod_refs(spec)
                    .iter()
                    .any(|r| r.kind == kind && r.name == target.name)
            };
            for pod in snap.pods().iter().filter(|p| {
                p.metadata.namespace == ns
                    && p.spec
                        .refs
                        .iter()
                        .any(|(k, n)| ref_key(*k) == kind && *n == target.name)
            }) {
                out.push(Node::pod(pod, now));
            }
            for workload in [DEPLOYMENTS, STATEFULSETS, DAEMONSETS, REPLICASETS, JOBS] {
                for obj in snap
                    .of(workload)
                    .iter()
                    .filter(|o| namespace(o) == ns && names(&o["spec"]["template"]["spec"]))
                {
                    out.push(Node::object(workload, obj, now));
                }
            }
            for cj in snap.of(CRONJOBS).iter().filter(|o| {
                namespace(o) == ns && names(&o["spec"]["jobTemplate"]["spec"]["template"]["spec"])
            }) {
                out.push(Node::object(CRONJOBS, cj, now));
            }
            if kind == SECRETS {
                for ing in snap.of(INGRESSES).iter().filter(|i| {
                    namespace(i) == ns
                        && i["spec"]["tls"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|t| t["secretName"].as_str() == Some(target.name.as_str()))
                }) {
                    out.push(Node::object(INGRESSES, ing, now));
                }
            }
        }
        _ => {}
    }
    out.sort_by(|a, b| a.target.cmp(&b.target));
    out
}

/// The kinds `used_by` reads for a target of `kind`.
pub fn used_by_kinds(kind: KindKey) -> &'static [KindKey] {
    match kind {
        NODES => &[PODS],
        SERVICES => &[SERVICES, INGRESSES],
        SECRETS => &[
            PODS,
            DEPLOYMENTS,
            STATEFULSETS,
            DAEMONSETS,
            REPLICASETS,
            JOBS,
            CRONJOBS,
            INGRESSES,
        ],
        CONFIGMAPS | PVCS | SERVICE_ACCOUNTS => &[
            PODS,
            DEPLOYMENTS,
            STATEFULSETS,
            DAEMONSETS,
            REPLICASETS,
            JOBS,
            CRONJOBS,
        ],
        _ => &[],
    }
}

/// Whether "used by" means something for objects of `kind`.
pub fn has_users(group: &str, plural: &str) -> bool {
    known_key(group, plural).is_some_and(|k| !used_by_kinds(k).is_empty())
}

/// The Ingresses with a backend that is this Service.
fn routes_to<'a>(snap: &'a Snapshot, svc: &'a Value) -> impl Iterator<Item = &'a Value> {
    snap.of(INGRESSES).iter().filter(move |ing| {
        namespace(ing) == namespace(svc) && ingress_services(ing).any(|s| s == name(svc))
    })
}

/// The Service names an Ingress routes to (default backend and rules).
pub fn ingress_services(ing: &Value) -> impl Iterator<Item = &str> {
    let default = ing["spec"]["defaultBackend"]["service"]["name"].as_str();
    let rules = ing["spec"]["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["http"]["paths"].as_array().into_iter().flatten())
        .filter_map(|p| p["backend"]["service"]["name"].as_str());
    default.into_iter().chain(rules)
}

/// The pods a Service's selector picks in its namespace (none without a selector).
pub fn selected_pods<'a>(snap: &'a Snapshot, svc: &'a Value) -> impl Iterator<Item = &'a Pod> {
    let selector = &svc["spec"]["selector"];
    snap.pods().iter().filter(move |p| {
        p.metadata.namespace == namespace(svc)
            && selector.as_object().is_some_and(|m| !m.is_empty())
            && selector_matches_map(selector, *p)
    })
}

/// Something with labels: a label map as JSON, or a pod.
pub trait Labels {
    fn label_value(&self, key: &str) -> Option<&str>;
}

impl Labels for Value {
    fn label_value(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }
}

impl Labels for Pod {
    fn label_value(&self, key: &str) -> Option<&str> {
        self.label(key)
    }
}

/// The labels a workload's pods get (its pod template's).
fn template_labels(kind: KindKey, obj: &Value) -> Option<&Value> {
    let labels = match kind {
        DEPLOYMENTS | STATEFULSETS | DAEMONSETS | REPLICASETS | JOBS => {
            &obj["spec"]["template"]["metadata"]["labels"]
        }
        _ => return None,
    };
    labels.is_object().then_some(labels)
}

/// A Service-style selector (a plain map, every pair must match); an empty one selects nothing.
fn selector_matches_map(selector: &Value, labels: &dyn Labels) -> bool {
    let Some(pairs) = selector.as_object().filter(|m| !m.is_empty()) else {
        return false;
    };
    pairs
        .iter()
        .all(|(k, v)| v.as_str().is_some_and(|v| labels.label_value(k) == Some(v)))
}

/// A `metav1.LabelSelector` (`matchLabels` and `matchExpressions`); an empty one selects everything, a
/// missing one nothing.
pub struct LabelSelector<'a>(&'a Value);

impl<'a> LabelSelector<'a> {
    pub fn new(selector: &'a Value) -> Self {
        Self(selector)
    }

    pub fn matches(&self, labels: &dyn Labels) -> bool {
        if !self.0.is_object() {
            return false;
        }
        let pairs_match = self.0["matchLabels"]
            .as_object()
            .into_iter()
            .flatten()
            .all(|(k, v)| v.as_str().is_some_and(|v| labels.label_value(k) == Some(v)));
        let expressions_match = self.0["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|e| {
                let key = e["key"].as_str().unwrap_or_default();
                let value = labels.label_value(key);
                let values = || {
                    e["values"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                };
                match e["operator"].as_str() {
                    Some("In") => value.is_some_and(|v| values().any(|x| x == v)),
                    Some("NotIn") => value.is_none_or(|v| values().all(|x| x != v)),
                    Some("Exists") => value.is_some(),
                    Some("DoesNotExist") => value.is_none(),
                    _ => false,
                }
            });
        pairs_match && expressions_match
    }
}

fn owner_refs(obj: &Value) -> impl Iterator<Item = &Value> {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
}

pub fn name(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or_default()
}

pub fn namespace(obj: &Value) -> &str {
    obj["metadata"]["namespace"].as_str().unwrap_or_default()
}

fn uid(obj: &Value) -> &str {
    obj["metadata"]["uid"].as_str().unwrap_or_default()
}

/// The `kind` of a key's objects, for references shown by name.
fn singular(kind: KindKey) -> &'static str {
    match kind {
        PODS => "Pod",
        NODES => "Node",
        SERVICES => "Service",
        CONFIGMAPS => "ConfigMap",
        SECRETS => "Secret",
        PVCS => "PersistentVolumeClaim",
        PVS => "PersistentVolume",
        SERVICE_ACCOUNTS => "ServiceAccount",
        ENDPOINT_SLICES => "EndpointSlice",
        REPLICASETS => "ReplicaSet",
        DEPLOYMENTS => "Deployment",
        STATEFULSETS => "StatefulSet",
        DAEMONSETS => "DaemonSet",
        JOBS => "Job",
        CRONJOBS => "CronJob",
        INGRESSES => "Ingress",
        PDBS => "PodDisruptionBudget",
        HPAS => "HorizontalPodAutoscaler",
        STORAGE_CLASSES => "StorageClass",
        _ => "Object",
    }
}

/// The tree's nodes in display order, each with its depth, skipping the children of collapsed nodes
/// (`collapsed` says which, by target).
pub fn flatten<'a>(
    roots: &'a [Node],
    collapsed: &dyn Fn(&Target) -> bool,
) -> Vec<(usize, &'a Node)> {
    fn walk<'a>(
        n: &'a Node,
        depth: usize,
        collapsed: &dyn Fn(&Target) -> bool,
        out: &mut Vec<(usize, &'a Node)>,
    ) {
        out.push((depth, n));
        if !collapsed(&n.target) {
            for c in &n.children {
                walk(c, depth + 1, collapsed, out);
            }
        }
    }
    let mut out = vec![];
    for r in roots {
        walk(r, 0, collapsed, &mut out);
    }
    out
}

#[cfg(test)]
#[path = "relations_tests.rs"]
mod tests;
