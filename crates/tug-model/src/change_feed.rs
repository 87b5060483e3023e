//! The cluster-wide change feed (`:changes`): objects created, modified or deleted, each with when, who (the
//! newest managedFields entry) and a one-line summary (image, replicas, env, spec vs status). Per object only a
//! compact digest is kept (hashes and the few values a summary names), never the object, and the list of
//! changes is a bounded ring: memory stays flat at 100k pods. Pure: the cluster layer feeds it events.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use serde_json::Value;

/// Changes kept when the settings say nothing.
pub const DEFAULT_CAPACITY: usize = 5_000;
/// How far back managedFields times are shown for objects changed before tug started.
pub const BEFORE_START: jiff::SignedDuration = jiff::SignedDuration::from_secs(3600);

/// What is remembered of one object between two of its versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    spec: u64,
    status: u64,
    meta: u64,
    replicas: Option<i64>,
    /// `container=image`, in order.
    images: Box<[Box<str>]>,
    /// Env names and values, hashed per container (values never shown).
    env: u64,
}

impl Digest {
    pub fn of(obj: &Value) -> Self {
        let mut spec = obj["spec"].clone();
        // ConfigMaps and Secrets have no spec: their data is what a change changes.
        for key in [
            "data",
            "binaryData",
            "stringData",
            "rules",
            "subjects",
            "roleRef",
        ] {
            if let Some(v) = obj.get(key) {
                spec[key] = v.clone();
            }
        }
        let meta = (&obj["metadata"]["labels"], &obj["metadata"]["annotations"]);
        let pod_spec = pod_spec(obj);
        let containers = pod_spec["containers"].as_array();
        let images = containers
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{}={}",
                    c["name"].as_str().unwrap_or_default(),
                    c["image"].as_str().unwrap_or_default()
                )
                .into()
            })
            .collect();
        let env = hash_of(
            &containers
                .into_iter()
                .flatten()
                .map(|c| &c["env"])
                .collect::<Vec<_>>(),
        );
        Self {
            spec: hash_of(&spec),
            status: hash_of(&obj["status"]),
            meta: hash_of(&meta),
            replicas: obj["spec"]["replicas"].as_i64(),
            images,
            env,
        }
    }
}

/// A pod's spec, or a workload's pod template's spec.
fn pod_spec(obj: &Value) -> &Value {
    let template = &obj["spec"]["template"]["spec"];
    if template.is_object() {
        return template;
    }
    let job = &obj["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    if job.is_object() { job } else { &obj["spec"] }
}

fn hash_of(v: &impl HashValue) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash_into(&mut h);
    h.finish()
}

/// Hashes JSON without serializing it (object keys in the map's order: serde_json keeps them sorted).
trait HashValue {
    fn hash_into(&self, h: &mut DefaultHasher);
}

impl HashValue for Value {
    fn hash_into(&self, h: &mut DefaultHasher) {
        match self {
            Value::Null => 0u8.hash(h),
            Value::Bool(b) => (1u8, b).hash(h),
            Value::Number(n) => (2u8, n.to_string()).hash(h),
            Value::String(s) => (3u8, s).hash(h),
            Value::Array(a) => {
                (4u8, a.len()).hash(h);
                a.iter().for_each(|v| v.hash_into(h));
            }
            Value::Object(m) => {
                (5u8, m.len()).hash(h);
                for (k, v) in m {
                    k.hash(h);
                    v.hash_into(h);
                }
            }
        }
    }
}

impl<T: HashValue> HashValue for &T {
    fn hash_into(&self, h: &mut DefaultHasher) {
        (*self).hash_into(h);
    }
}

impl<T: HashValue> HashValue for Vec<T> {
    fn hash_into(&self, h: &mut DefaultHasher) {
        self.len().hash(h);
        self.iter().for_each(|v| v.hash_into(h));
    }
}

impl<A: HashValue, B: HashValue> HashValue for (A, B) {
    fn hash_into(&self, h: &mut DefaultHasher) {
        self.0.hash_into(h);
        self.1.hash_into(h);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Created,
    Modified,
    Deleted,
}

impl Op {
    pub fn label(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Modified => "modified",
            Self::Deleted => "deleted",
        }
    }
}

/// One change in the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Increasing: the feed's order.
    pub seq: u64,
    pub time: jiff::Timestamp,
    /// The kind's plural (with its group: `deployments.apps`), as `:` commands name it.
    pub kind: Box<str>,
    pub namespace: Box<str>,
    pub name: Box<str>,
    pub op: Op,
    /// The newest managedFields entry's manager, when the object has any.
    pub manager: Box<str>,
    pub summary: String,
    /// Only the status moved (controllers' churn): hidden unless asked for.
    pub status_only: bool,
}

/// What `new` changed against `old`, e.g. `image web=nginx:1→nginx:2`, `replicas 2→5`, `env web`,
/// `spec`, `status`; and whether only the status moved.
pub fn summarize(old: &Digest, new: &Digest) -> (String, bool) {
    let mut parts = vec![];
    if old.images != new.images {
        let changed: Vec<String> = new
            .images
            .iter()
            .filter(|i| !old.images.contains(i))
            .map(|i| {
                let (name, image) = i.split_once('=').unwrap_or((i, ""));
                let before = old
                    .images
                    .iter()
                    .find_map(|o| o.strip_prefix(&format!("{name}=")[..]))
                    .unwrap_or("<none>");
                format!("image {name} {before}→{image}")
            })
            .collect();
        if changed.is_empty() {
            parts.push("containers".to_string());
        } else {
            parts.extend(changed);
        }
    }
    if old.replicas != new.replicas {
        let show = |r: Option<i64>| r.map_or("<none>".to_string(), |n| n.to_string());
        parts.push(format!(
            "replicas {}→{}",
            show(old.replicas),
            show(new.replicas)
        ));
    }
    if old.env != new.env {
        parts.push("env".into());
    }
    let named = !parts.is_empty();
    if old.spec != new.spec && !named {
        parts.push("spec".into());
    }
    if old.meta != new.meta {
        parts.push("metadata".into());
    }
    if old.status != new.status {
        parts.push("status".into());
    }
    let status_only = old.spec == new.spec && old.meta == new.meta && old.status != new.status;
    if parts.is_empty() {
        parts.push("no change".into());
    }
    (parts.join(", "), status_only)
}

/// The manager of the newest managedFields entry, and its time.
pub fn last_manager(obj: &Value) -> Option<(String, Option<jiff::Timestamp>)> {
    obj["metadata"]["managedFields"]
        .as_array()?
        .iter()
        .map(|m| {
            (
                m["manager"].as_str().unwrap_or_default().to_string(),
                m["time"].as_str().and_then(|t| t.parse().ok()),
            )
        })
        .max_by_key(|(_, t)| *t)
}

type ObjKey = (Box<str>, Box<str>, Box<str>);

/// The feed: digests of the objects seen and the newest changes, at most `capacity` of them.
#[derive(Debug)]
pub struct ChangeFeed {
    capacity: usize,
    show_status: bool,
    digests: HashMap<ObjKey, Digest>,
    changes: VecDeque<Change>,
    next: u64,
}

impl ChangeFeed {
    pub fn new(capacity: usize, show_status: bool) -> Self {
        Self {
            capacity: capacity.max(1),
            show_status,
            digests: HashMap::new(),
            changes: VecDeque::new(),
            next: 0,
        }
    }

    pub fn changes(&self) -> impl DoubleEndedIterator<Item = &Change> {
        self.changes.iter()
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many objects the feed remembers.
    pub fn objects(&self) -> usize {
        self.digests.len()
    }

    /// An object listed when the feed starts: remembered; shown only if a manager changed it in the hour
    /// before `now` (by its managedFields time). Listed again (a relist after the watch broke), it is compared
    /// with what was remembered.
    pub fn seed(&mut self, kind: &str, obj: &Value, now: jiff::Timestamp) -> Option<&Change> {
        let key = key_of(kind, obj);
        if self.digests.contains_key(&key) {
            return self.apply(kind, Op::Modified, obj, now);
        }
        self.digests.insert(key.clone(), Digest::of(obj));
        let (manager, time) = last_manager(obj)?;
        let time = time.filter(|t| now.duration_since(*t) <= BEFORE_START)?;
        let created = obj["metadata"]["creationTimestamp"]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok());
        let op = if created == Some(time) {
            Op::Created
        } else {
            Op::Modified
        };
        self.push(key, time, op, manager, "before tug started".into(), false)
    }

    /// An object seen on a watch at `now` (created, modified or deleted): the change it makes, if shown.
    pub fn apply(
        &mut self,
        kind: &str,
        op: Op,
        obj: &Value,
        now: jiff::Timestamp,
    ) -> Option<&Change> {
        let key = key_of(kind, obj);
        let manager = last_manager(obj).map(|(m, _)| m).unwrap_or_default();
        match op {
            Op::Deleted => {
                self.digests.remove(&key);
                self.push(key, now, op, manager, String::new(), false)
            }
            Op::Created | Op::Modified => {
                let digest = Digest::of(obj);
                match self.digests.insert(key.clone(), digest.clone()) {
                    None => self.push(key, now, Op::Created, manager, String::new(), false),
                    Some(old) if old == digest => None,
                    Some(old) => {
                        let (summary, status_only) = summarize(&old, &digest);
                        self.push(key, now, Op::Modified, manager, summary, status_only)
                    }
                }
            }
        }
    }

    fn push(
        &mut self,
        (kind, namespace, name): ObjKey,
        time: jiff::Timestamp,
        op: Op,
        manager: String,
        summary: String,
        status_only: bool,
    ) -> Option<&Change> {
        if status_only && !self.show_status {
            return None;
        }
        if self.changes.len() >= self.capacity {
            self.changes.pop_front();
        }
        self.next += 1;
        self.changes.push_back(Change {
            seq: self.next,
            time,
            kind,
            namespace,
            name,
            op,
            manager: manager.into(),
            summary,
            status_only,
        });
        self.changes.back()
    }

    /// The sequence number of the oldest change kept (rows below it have been dropped).
    pub fn oldest(&self) -> Option<u64> {
        self.changes.front().map(|c| c.seq)
    }
}

fn key_of(kind: &str, obj: &Value) -> ObjKey {
    let meta = &obj["metadata"];
    (
        kind.into(),
        meta["namespace"].as_str().unwrap_or_default().into(),
        meta["name"].as_str().unwrap_or_default().into(),
    )
}

/// The feed's columns.
pub const COLUMNS: &[&str] = &[
    "Time",
    "Kind",
    "Namespace",
    "Name",
    "Op",
    "Manager",
    "Summary",
];
/// Where the kind, namespace and name are among the cells (drill-down reads them).
pub const KIND_CELL: usize = 1;
pub const NAMESPACE_CELL: usize = 2;
pub const NAME_CELL: usize = 3;

impl Change {
    /// Its table row: the name orders rows newest first; namespace and name are cells.
    pub fn row(&self) -> crate::table::Row {
        crate::table::Row {
            namespace: "".into(),
            name: row_name(self.seq).into(),
            uid: "".into(),
            created: Some(self.time.as_second()),
            deleting: self.op == Op::Deleted,
            cells: vec![
                crate::timeline::clock(Some(self.time)).into(),
                self.kind.clone(),
                self.namespace.clone(),
                self.name.clone(),
                self.op.label().into(),
                self.manager.clone(),
                self.summary.as_str().into(),
            ],
        }
    }
}

/// The row name of change `seq`: descending sequence, zero-padded.
pub fn row_name(seq: u64) -> String {
    format!("{:020}", u64::MAX - seq)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn now() -> jiff::Timestamp {
        "2026-01-02T12:00:00Z".parse().unwrap()
    }

    fn deploy(replicas: i64, image: &str, ready: i64) -> Value {
        json!({"metadata": {"name": "web", "namespace": "shop",
                "managedFields": [{"manager": "kubectl", "time": "2026-01-02T11:59:00Z"}]},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
            "status": {"readyReplicas": ready}})
    }

    #[test]
    fn a_scale_is_summarized_with_its_replicas_and_the_manager() {
        let mut feed = ChangeFeed::new(10, false);
        feed.seed("deployments.apps", &deploy(2, "nginx:1", 2), now());
        let c = feed
            .apply(
                "deployments.apps",
                Op::Modified,
                &deploy(5, "nginx:1", 2),
                now(),
            )
            .unwrap();
        assert_eq!(c.summary, "replicas 2→5");
        assert_eq!(&*c.manager, "kubectl");
        assert!(!c.status_only);
    }

    #[test]
    fn an_image_change_names_container_and_both_images() {
        let mut feed = ChangeFeed::new(10, false);
        feed.apply(
            "deployments.apps",
            Op::Created,
            &deploy(2, "nginx:1", 0),
            now(),
        );
        let c = feed
            .apply(
                "deployments.apps",
                Op::Modified,
                &deploy(2, "nginx:2", 0),
                now(),
            )
            .unwrap();
        assert_eq!(c.summary, "image web nginx:1→nginx:2");
    }

    #[test]
    fn status_only_churn_is_hidden_unless_asked_for() {
        let mut hidden = ChangeFeed::new(10, false);
        hidden.apply("deployments.apps", Op::Created, &deploy(2, "a", 0), now());
        assert!(
            hidden
                .apply("deployments.apps", Op::Modified, &deploy(2, "a", 1), now())
                .is_none()
        );
        let mut shown = ChangeFeed::new(10, true);
        shown.apply("deployments.apps", Op::Created, &deploy(2, "a", 0), now());
        let c = shown
            .apply("deployments.apps", Op::Modified, &deploy(2, "a", 1), now())
            .unwrap();
        assert!(c.status_only);
        assert_eq!(c.summary, "status");
    }

    #[test]
    fn the_buffer_keeps_only_the_newest_changes() {
        let mut feed = ChangeFeed::new(3, false);
        for i in 0..10 {
            feed.apply("deployments.apps", Op::Modified, &deploy(i, "a", 0), now());
        }
        assert_eq!(feed.len(), 3);
        assert_eq!(feed.oldest(), Some(8));
        let last = feed.changes().next_back().unwrap();
        assert_eq!(last.summary, "replicas 8→9");
        assert_eq!(feed.objects(), 1);
    }

    #[test]
    fn objects_changed_in_the_hour_before_start_are_listed_and_older_ones_not() {
        let mut feed = ChangeFeed::new(10, false);
        assert!(
            feed.seed("deployments.apps", &deploy(1, "a", 0), now())
                .is_some()
        );
        let mut old = deploy(1, "a", 0);
        old["metadata"]["name"] = json!("old");
        old["metadata"]["managedFields"][0]["time"] = json!("2026-01-01T00:00:00Z");
        assert!(feed.seed("deployments.apps", &old, now()).is_none());
        let gone = feed
            .apply("deployments.apps", Op::Deleted, &old, now())
            .unwrap();
        assert_eq!(gone.op, Op::Deleted);
        assert_eq!(feed.objects(), 1);
    }
}
