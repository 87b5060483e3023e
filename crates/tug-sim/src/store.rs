//! The sim's object store: every object as JSON, one global resourceVersion counter, an event history for
//! watches to resume from (`410 Gone` below its floor), and a broadcast of every change.
//! Must not depend on HTTP; the kind-specific rules live in `strategy`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::managed_fields::{self, Writer};
use super::resources::{Registry, ResKey, ResourceDef};
use super::status::{ApiError, ApiResult};
use super::strategy;

mod index;
mod page;

use index::Index;
pub use index::IndexFn;
pub use page::{ListPage, PageRequest, SnapshotError};

/// How many change events watches can resume from (etcd keeps ~5 minutes; at 100 changes/s this is ~8 min).
const HISTORY_LEN: usize = 50_000;
/// Buffered events per live watcher before it is told to relist.
const BROADCAST_CAPACITY: usize = 16_384;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it.
#[derive(Debug)]
pub struct Event {
    pub rv: u64,
    pub kind: EventType,
    pub res: ResKey,
    pub object: Arc<Value>,
    /// The object before a MODIFIED change (watches with selectors need it to send transitions).
    pub old: Option<Arc<Value>>,
}

impl Event {
    pub fn namespace(&self) -> &str {
        self.object["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
    }
}

/// (namespace, name); cluster-scoped objects have an empty namespace.
type ObjKey = (String, String);

#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub grace_period_seconds: Option<i64>,
    /// `Background` (default), `Foreground` or `Orphan`.
    pub propagation: Option<String>,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
    pub dry_run: bool,
}

/// Which part of an object an update may change (the `status` subresource splits them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateScope {
    Main,
    Status,
    /// Controllers: everything, as given.
    All,
}

/// A started watch: events to replay first, then the live feed.
pub struct WatchStart {
    pub replay: Vec<Arc<Event>>,
    pub rx: broadcast::Receiver<Arc<Event>>,
    /// For watches without a resourceVersion: the current objects, sent as ADDED.
    pub initial: Vec<Arc<Value>>,
    pub rv: u64,
}

struct Inner {
    rv: u64,
    registry: Registry,
    objects: HashMap<ResKey, BTreeMap<ObjKey, Arc<Value>>>,
    history: VecDeque<Arc<Event>>,
    /// Watches may resume from any rv >= floor.
    floor: u64,
    rng: ChaCha8Rng,
    /// Secondary indexes per kind, kept current on every write.
    indexes: HashMap<ResKey, Vec<Index>>,
    /// Objects per kind and namespace: a page says how many remain without counting them.
    counts: HashMap<ResKey, HashMap<String, usize>>,
}

impl Inner {
    /// The stored object at `key`, or the API's NotFound for it (`name` as the client named it).
    fn existing(&self, res: &ResourceDef, key: &ObjKey, name: &str) -> ApiResult<Arc<Value>> {
        self.objects
            .get(&res.key())
            .and_then(|t| t.get(key))
            .cloned()
            .ok_or_else(|| ApiError::not_found(res, name))
    }

    /// Tells the kind's indexes that `key` changed from `old` to `new` (either absent).
    fn reindex(&mut self, res: &ResKey, key: &ObjKey, old: Option<&Value>, new: Option<&Value>) {
        for index in self.indexes.get_mut(res).into_iter().flatten() {
            index.update(key, old, new);
        }
    }
}

pub struct Store {
    inner: Mutex<Inner>,
    events: broadcast::Sender<Arc<Event>>,
}

pub fn now_rfc3339() -> String {
    format_time(jiff::Timestamp::now())
}

/// Kubernetes' `metav1.Time` wire form: RFC 3339 with seconds.
pub fn format_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Store {
    pub fn new(seed: u64) -> Self {
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        Self {
            inner: Mutex::new(Inner {
                rv: 1,
                registry: Registry::with_builtins(),
                objects: HashMap::new(),
                history: VecDeque::with_capacity(1024),
                floor: 1,
                rng: ChaCha8Rng::seed_from_u64(seed ^ 0x7465_7374),
                indexes: HashMap::new(),
                counts: HashMap::new(),
            }),
            events,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock means a panic mid-update; the data is still the last consistent write.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn registry(&self) -> Registry {
        self.lock().registry.clone()
    }

    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    /// Every change from now on (controllers use this).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    pub fn get(&self, res: &ResourceDef, ns: &str, name: &str) -> Option<Arc<Value>> {
        let inner = self.lock();
        inner
            .objects
            .get(&res.key())
            .and_then(|t| t.get(&(ns.to_string(), name.to_string())))
            .cloned()
    }

    /// Objects of one kind (in one namespace, or all), in key order, that `keep` accepts.
    pub fn list(
        &self,
        res: &ResourceDef,
        ns: Option<&str>,
        keep: impl Fn(&Value) -> bool,
    ) -> Vec<Arc<Value>> {
        let req = PageRequest {
            namespace: ns,
            keep: Some(&keep),
            ..PageRequest::default()
        };
        // Reading the latest version cannot fail.
        self.list_page(res, req)
            .map(|page| page.items)
            .unwrap_or_default()
    }

    /// Keeps an index of `res` from now on (replacing one of the same name), built from the objects stored.
    pub fn add_index(&self, res: &ResourceDef, name: &'static str, bucket_of: IndexFn) {
        let mut inner = self.lock();
        let key = res.key();
        let index = Index::build(name, bucket_of, inner.objects.get(&key));
        let indexes = inner.indexes.entry(key).or_default();
        indexes.retain(|i| i.name != name);
        indexes.push(index);
    }

    /// Objects of `res` in one bucket of the index `name`, in key order, that `keep` accepts; `None` when there
    /// is no such index. `keep` must be the caller's whole condition: the index only narrows what is looked at.
    pub fn list_indexed(
        &self,
        res: &ResourceDef,
        name: &str,
        value: &str,
        keep: impl Fn(&Value) -> bool,
    ) -> Option<Vec<Arc<Value>>> {
        let inner = self.lock();
        let key = res.key();
        let index = inner.indexes.get(&key)?.iter().find(|i| i.name == name)?;
        let table = inner.objects.get(&key);
        Some(
            index
                .bucket(value)
                .filter_map(|k| table.and_then(|t| t.get(k)))
                .filter(|o| keep(o))
                .cloned()
                .collect(),
        )
    }

    /// How many objects of `res` are in one bucket of the index `name`; `None` when there is no such index.
    pub fn count_indexed(&self, res: &ResourceDef, name: &str, value: &str) -> Option<usize> {
        let inner = self.lock();
        let index = inner
            .indexes
            .get(&res.key())?
            .iter()
            .find(|i| i.name == name)?;
        Some(index.len(value))
    }

    /// Starts a watch of one kind. `from` is the resourceVersion to resume after; `None` (or `0`) means
    /// "send the current objects as ADDED, then changes", as the real server does.
    pub fn watch(
        &self,
        res: &ResourceDef,
        ns: Option<&str>,
        from: Option<u64>,
    ) -> ApiResult<WatchStart> {
        let inner = self.lock();
        let rx = self.events.subscribe();
        let key = res.key();
        match from.filter(|rv| *rv > 0) {
            Some(rv) => {
                if rv < inner.floor.saturating_sub(1) {
                    return Err(ApiError::gone(format!(
                        "too old resource version: {rv} ({})",
                        inner.floor
                    )));
                }
                let replay = inner
                    .history
                    .iter()
                    .filter(|e| e.rv > rv && e.res == key && ns.is_none_or(|n| e.namespace() == n))
                    .cloned()
                    .collect();
                Ok(WatchStart {
                    replay,
                    rx,
                    initial: vec![],
                    rv: inner.rv,
                })
            }
            None => {
                let initial = inner
                    .objects
                    .get(&key)
                    .map(|t| {
                        t.iter()
                            .filter(|(k, _)| ns.is_none_or(|n| k.0 == n))
                            .map(|(_, v)| v.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(WatchStart {
                    replay: vec![],
                    rx,
                    initial,
                    rv: inner.rv,
                })
            }
        }
    }

    /// Forgets the event history (as an etcd compaction does): every watch resuming from before now gets 410.
    pub fn compact(&self) {
        let mut inner = self.lock();
        inner.history.clear();
        inner.floor = inner.rv + 1;
    }

    pub fn history_floor(&self) -> u64 {
        self.lock().floor
    }

    fn next_uid(inner: &mut Inner) -> String {
        let b: [u8; 16] = inner.rng.random();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            u16::from_be_bytes([b[4], b[5]]),
            u16::from_be_bytes([b[6], b[7]]) & 0x0fff,
            (u16::from_be_bytes([b[8], b[9]]) & 0x3fff) | 0x8000,
            u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]])
        )
    }

    /// A random suffix in the alphabet Kubernetes uses for generated names.
    pub fn random_suffix(&self, len: usize) -> String {
        let mut inner = self.lock();
        random_suffix(&mut inner.rng, len)
    }

    fn record(
        &self,
        inner: &mut Inner,
        kind: EventType,
        res: ResKey,
        object: Arc<Value>,
        old: Option<Arc<Value>>,
        rv: u64,
    ) {
        let event = Arc::new(Event {
            rv,
            kind,
            res,
            object,
            old,
        });
        if inner.history.len() >= HISTORY_LEN
            && let Some(old) = inner.history.pop_front()
        {
            inner.floor = old.rv + 1;
        }
        inner.history.push_back(event.clone());
        // No receivers is fine: nobody is watching.
        let _ = self.events.send(event);
    }

    fn bump(inner: &mut Inner) -> u64 {
        inner.rv += 1;
        inner.rv
    }

    /// Puts `obj` (at resource version `rv`) in its kind's table and tells the watchers: Added, or Modified
    /// when it replaces `old`.
    fn put(
        &self,
        inner: &mut Inner,
        res: &ResourceDef,
        key: ObjKey,
        obj: Arc<Value>,
        old: Option<Arc<Value>>,
        rv: u64,
    ) -> Arc<Value> {
        let res_key = res.key();
        let stored = inner
            .objects
            .entry(res_key.clone())
            .or_default()
            .insert(key.clone(), obj.clone());
        inner.reindex(&res_key, &key, stored.as_deref(), Some(&obj));
        if stored.is_none() {
            *inner
                .counts
                .entry(res_key.clone())
                .or_default()
                .entry(key.0.clone())
                .or_default() += 1;
        }
        let kind = if old.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.record(inner, kind, res.key(), obj.clone(), old, rv);
        obj
    }

    /// Creates an object; fills in uid, creationTimestamp, resourceVersion, generation and kind defaults.
    pub fn create(
        &self,
        res: &ResourceDef,
        ns: &str,
        obj: Value,
        dry_run: bool,
    ) -> ApiResult<Arc<Value>> {
        self.create_inner(res, ns, obj, dry_run, None, None)
    }

    /// Creates an object on behalf of a client, recording its managedFields entry.
    pub fn create_as(
        &self,
        res: &ResourceDef,
        ns: &str,
        obj: Value,
        dry_run: bool,
        writer: &Writer,
    ) -> ApiResult<Arc<Value>> {
        self.create_inner(res, ns, obj, dry_run, None, Some(writer))
    }

    /// Creates an object as of `at` (its creationTimestamp): the controllers run on the world's clock, which
    /// starts days in the past while the demo world is built, so ages look like a long-running cluster.
    pub fn create_at(
        &self,
        res: &ResourceDef,
        ns: &str,
        obj: Value,
        at: jiff::Timestamp,
    ) -> ApiResult<Arc<Value>> {
        self.create_inner(res, ns, obj, false, Some(at), None)
    }

    fn create_inner(
        &self,
        res: &ResourceDef,
        ns: &str,
        mut obj: Value,
        dry_run: bool,
        at: Option<jiff::Timestamp>,
        writer: Option<&Writer>,
    ) -> ApiResult<Arc<Value>> {
        let mut inner = self.lock();
        if res.namespaced {
            check_namespace(&inner, ns)?;
        }
        obj["apiVersion"] = json!(res.api_version());
        obj["kind"] = json!(res.kind);
        let meta = obj
            .get_mut("metadata")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| ApiError::bad_request("metadata is required"))?;
        let mut name = meta
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if name.is_empty() {
            let prefix = meta
                .get("generateName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if prefix.is_empty() {
                return Err(ApiError::invalid(
                    res,
                    "",
                    vec![super::status::FieldError::required(
                        "metadata.name",
                        "name or generateName is required",
                    )],
                ));
            }
            name = format!("{prefix}{}", random_suffix(&mut inner.rng, 5));
            if let Some(m) = obj["metadata"].as_object_mut() {
                m.insert("name".into(), json!(name));
            }
        }
        if res.namespaced {
            obj["metadata"]["namespace"] = json!(ns);
        } else if let Some(m) = obj["metadata"].as_object_mut() {
            m.remove("namespace");
        }
        let key = obj_key(res, ns, &name);
        if inner
            .objects
            .get(&res.key())
            .is_some_and(|t| t.contains_key(&key))
        {
            return Err(ApiError::already_exists(res, &name));
        }
        let uid = Self::next_uid(&mut inner);
        // A server-side apply computed its own entries (`apply`); preparing the object strips them.
        let applied_fields = writer
            .filter(|w| w.apply)
            .and_then(|_| obj["metadata"].get("managedFields").cloned());
        strategy::prepare_create(res, &mut obj, &uid, &mut inner.rng);
        if let Some(at) = at {
            obj["metadata"]["creationTimestamp"] = json!(format_time(at));
        }
        strategy::validate(res, &obj)?;
        match (writer, applied_fields) {
            (Some(_), Some(fields)) => obj["metadata"]["managedFields"] = fields,
            (Some(w), None) => managed_fields::stamp(None, &mut obj, w, &res.api_version()),
            (None, _) => {}
        }
        if res.is("apiextensions.k8s.io", "customresourcedefinitions") {
            strategy::validate_crd(res, &obj, &inner.registry)?;
        }
        if dry_run {
            return Ok(Arc::new(obj));
        }
        let rv = Self::bump(&mut inner);
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        let obj = Arc::new(obj);
        if res.is("apiextensions.k8s.io", "customresourcedefinitions") {
            inner.registry.add_crd(&obj);
        }
        Ok(self.put(&mut inner, res, key, obj, None, rv))
    }

    /// Replaces an object (PUT) on behalf of `writer`. `expected_rv` from the body: stale → 409 Conflict.
    #[allow(clippy::too_many_arguments)]
    pub fn replace(
        &self,
        res: &ResourceDef,
        ns: &str,
        name: &str,
        new: Value,
        scope: UpdateScope,
        dry_run: bool,
        writer: &Writer,
    ) -> ApiResult<Arc<Value>> {
        self.update_as(res, ns, name, scope, dry_run, writer, |old| {
            check_resource_version(res, name, &new, old)?;
            let body_name = new["metadata"]["name"].as_str().unwrap_or_default();
            if !body_name.is_empty() && body_name != name {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({body_name}) does not match the name on the URL ({name})"
                )));
            }
            let mut new = new.clone();
            new["metadata"]["name"] = json!(name);
            Ok(new)
        })
    }

    /// Read-modify-write of one object under the store lock: `change` gets the current object and returns the new
    /// one. The scope decides which parts may change; generation, uid and timestamps are kept consistent.
    pub fn update_with(
        &self,
        res: &ResourceDef,
        ns: &str,
        name: &str,
        scope: UpdateScope,
        dry_run: bool,
        change: impl FnOnce(&Value) -> ApiResult<Value>,
    ) -> ApiResult<Arc<Value>> {
        self.update_inner(res, ns, name, scope, dry_run, None, change)
    }

    /// `update_with` on behalf of a client: its managedFields entry records the fields it changed.
    #[allow(clippy::too_many_arguments)]
    pub fn update_as(
        &self,
        res: &ResourceDef,
        ns: &str,
        name: &str,
        scope: UpdateScope,
        dry_run: bool,
        writer: &Writer,
        change: impl FnOnce(&Value) -> ApiResult<Value>,
    ) -> ApiResult<Arc<Value>> {
        self.update_inner(res, ns, name, scope, dry_run, Some(writer), change)
    }

    #[allow(clippy::too_many_arguments)]
    fn update_inner(
        &self,
        res: &ResourceDef,
        ns: &str,
        name: &str,
        scope: UpdateScope,
        dry_run: bool,
        writer: Option<&Writer>,
        change: impl FnOnce(&Value) -> ApiResult<Value>,
    ) -> ApiResult<Arc<Value>> {
        let mut inner = self.lock();
        let key = obj_key(res, ns, name);
        let old = inner.existing(res, &key, name)?;
        let mut new = change(&old)?;
        let applied_fields = writer
            .filter(|w| w.apply)
            .and_then(|_| new["metadata"].get("managedFields").cloned());
        strategy::prepare_update(res, &old, &mut new, scope);
        match (writer, applied_fields) {
            (Some(_), Some(fields)) => new["metadata"]["managedFields"] = fields,
            (Some(w), None) => managed_fields::stamp(Some(&old), &mut new, w, &res.api_version()),
            // Writes of the sim's own controllers keep the entries clients made.
            (None, _) => match old["metadata"].get("managedFields") {
                Some(m) => new["metadata"]["managedFields"] = m.clone(),
                None => {
                    if let Some(m) = new["metadata"].as_object_mut() {
                        m.remove("managedFields");
                    }
                }
            },
        }
        strategy::validate(res, &new)?;
        if scope == UpdateScope::Main {
            strategy::validate_immutable(res, &old, &new)?;
        }
        if new == *old {
            return Ok(old);
        }
        if dry_run {
            return Ok(Arc::new(new));
        }
        // An object marked for deletion goes away once its last finalizer is removed.
        let finalized = new["metadata"]["deletionTimestamp"].is_string()
            && new["metadata"]["finalizers"]
                .as_array()
                .is_none_or(|f| f.is_empty())
            && !res.is("", "pods");
        let rv = Self::bump(&mut inner);
        new["metadata"]["resourceVersion"] = json!(rv.to_string());
        let new = Arc::new(new);
        if finalized {
            return Ok(self.remove(&mut inner, res, key, new, rv));
        }
        if res.is("apiextensions.k8s.io", "customresourcedefinitions") {
            inner.registry.add_crd(&new);
        }
        Ok(self.put(&mut inner, res, key, new, Some(old), rv))
    }

    fn remove(
        &self,
        inner: &mut Inner,
        res: &ResourceDef,
        key: ObjKey,
        obj: Arc<Value>,
        rv: u64,
    ) -> Arc<Value> {
        let res_key = res.key();
        let stored = inner.objects.get_mut(&res_key).and_then(|t| t.remove(&key));
        inner.reindex(&res_key, &key, stored.as_deref(), None);
        if stored.is_some()
            && let Some(n) = inner
                .counts
                .get_mut(&res_key)
                .and_then(|c| c.get_mut(&key.0))
        {
            *n = n.saturating_sub(1);
        }
        if res.is("apiextensions.k8s.io", "customresourcedefinitions") {
            inner.registry.remove_crd(&obj);
            // A CRD takes its custom resources with it.
            let spec = &obj["spec"];
            let ck: ResKey = Arc::from(format!(
                "{}/{}",
                spec["group"].as_str().unwrap_or_default(),
                spec["names"]["plural"].as_str().unwrap_or_default()
            ));
            inner.objects.remove(&ck);
            inner.counts.remove(&ck);
            for index in inner.indexes.get_mut(&ck).into_iter().flatten() {
                index.clear();
            }
        }
        // The object before its deletion: a list of an earlier version (`store::page`) reads it from here.
        self.record(inner, EventType::Deleted, res_key, obj.clone(), stored, rv);
        obj
    }

    /// Deletes an object. Objects with finalizers, pods on a node with a grace period, and foreground deletions
    /// are only marked (deletionTimestamp) and go away later; the rest go at once.
    pub fn delete(
        &self,
        res: &ResourceDef,
        ns: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> ApiResult<Arc<Value>> {
        let mut inner = self.lock();
        let key = obj_key(res, ns, name);
        let old = inner.existing(res, &key, name)?;
        let meta = &old["metadata"];
        if let Some(uid) = &opts.precondition_uid
            && meta["uid"].as_str() != Some(uid)
        {
            return Err(ApiError::new(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    res.qualified(),
                    meta["uid"].as_str().unwrap_or_default()
                ),
            ));
        }
        if let Some(rv) = &opts.precondition_rv
            && meta["resourceVersion"].as_str() != Some(rv)
        {
            return Err(ApiError::conflict(res, name));
        }
        let mut new = (*old).clone();
        let already_deleting = meta["deletionTimestamp"].is_string();
        let foreground = opts.propagation.as_deref() == Some("Foreground");
        let orphan = opts.propagation.as_deref() == Some("Orphan");
        let mut finalizers: Vec<Value> = meta["finalizers"].as_array().cloned().unwrap_or_default();
        if foreground && !finalizers.contains(&json!("foregroundDeletion")) {
            finalizers.push(json!("foregroundDeletion"));
        }
        if orphan && !finalizers.contains(&json!("orphan")) {
            finalizers.push(json!("orphan"));
        }
        let pod_grace = if res.is("", "pods") {
            let scheduled = old["spec"]["nodeName"].is_string();
            let phase = old["status"]["phase"].as_str().unwrap_or_default();
            let terminal = phase == "Succeeded" || phase == "Failed";
            let grace = opts
                .grace_period_seconds
                .or_else(|| old["spec"]["terminationGracePeriodSeconds"].as_i64())
                .unwrap_or(30);
            (scheduled && !terminal && grace > 0).then_some(grace)
        } else {
            None
        };
        if opts.dry_run {
            return Ok(old);
        }
        // Namespaces first become Terminating; the namespace controller empties and then removes them.
        let namespace_finalizer = res.is("", "namespaces")
            && old["spec"]["finalizers"]
                .as_array()
                .is_some_and(|f| !f.is_empty());
        if finalizers.is_empty() && pod_grace.is_none() && !namespace_finalizer {
            let rv = Self::bump(&mut inner);
            new["metadata"]["resourceVersion"] = json!(rv.to_string());
            return Ok(self.remove(&mut inner, res, key, Arc::new(new), rv));
        }
        if already_deleting && pod_grace.is_none() && !foreground {
            return Ok(old);
        }
        let now = jiff::Timestamp::now();
        if !already_deleting {
            let when = match pod_grace {
                Some(g) => now
                    .checked_add(jiff::SignedDuration::from_secs(g))
                    .unwrap_or(now),
                None => now,
            };
            new["metadata"]["deletionTimestamp"] = json!(format_time(when));
            new["metadata"]["deletionGracePeriodSeconds"] = json!(pod_grace.unwrap_or(0));
        } else if let Some(g) = pod_grace {
            // A shorter grace period on a second delete shortens the wait, as on a real server.
            new["metadata"]["deletionGracePeriodSeconds"] = json!(g);
        }
        if !finalizers.is_empty() {
            new["metadata"]["finalizers"] = json!(finalizers);
        }
        if namespace_finalizer {
            new["status"]["phase"] = json!("Terminating");
        }
        let rv = Self::bump(&mut inner);
        new["metadata"]["resourceVersion"] = json!(rv.to_string());
        let new = Arc::new(new);
        Ok(self.put(&mut inner, res, key, new, Some(old), rv))
    }
}

/// An update's optimistic lock: a `metadata.resourceVersion` in `new` that is not `old`'s is a 409 Conflict; none
/// means "whatever is current".
pub fn check_resource_version(
    res: &ResourceDef,
    name: &str,
    new: &Value,
    old: &Value,
) -> ApiResult<()> {
    let expected = new["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default();
    if !expected.is_empty()
        && expected
            != old["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or_default()
    {
        return Err(ApiError::conflict(res, name));
    }
    Ok(())
}

/// Where an object lives in its kind's table: cluster-scoped objects have no namespace, whatever was asked.
fn obj_key(res: &ResourceDef, ns: &str, name: &str) -> ObjKey {
    (
        if res.namespaced {
            ns.to_string()
        } else {
            String::new()
        },
        name.to_string(),
    )
}

fn check_namespace(inner: &Inner, ns: &str) -> ApiResult<()> {
    let Some(nsobj) = inner
        .objects
        .get("/namespaces")
        .and_then(|t| t.get(&(String::new(), ns.to_string())))
    else {
        return Err(ApiError::new(
            404,
            "NotFound",
            format!("namespaces \"{ns}\" not found"),
        ));
    };
    if nsobj["metadata"]["deletionTimestamp"].is_string() {
        return Err(ApiError::forbidden(format!(
            "unable to create new content in namespace {ns} because it is being terminated"
        )));
    }
    Ok(())
}

/// Kubernetes' `utilrand` alphabet (no vowels, no confusable characters).
pub const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A random name suffix in Kubernetes' alphabet.
pub fn random_suffix(rng: &mut ChaCha8Rng, len: usize) -> String {
    (0..len)
        .map(|_| ALPHANUMS[rng.random_range(0..ALPHANUMS.len())] as char)
        .collect()
}

impl Store {
    /// Serves kinds that are not stored (the metrics API): discovery, routing and RBAC then know them.
    pub fn register(&self, defs: impl IntoIterator<Item = ResourceDef>) {
        self.lock().registry.add(defs);
    }
}

impl Store {
    /// Every stored object by its kind's key, and the resourceVersion they are as of (`--state-dir`).
    pub fn snapshot(&self) -> (u64, Vec<(ResKey, Arc<Value>)>) {
        let inner = self.lock();
        let objects = inner
            .objects
            .iter()
            .flat_map(|(k, t)| t.values().map(move |o| (k.clone(), o.clone())))
            .collect();
        (inner.rv, objects)
    }

    /// Replaces every object by a snapshot's, as a restarted apiserver serves what etcd kept: CRDs serve
    /// their kinds again, indexes and counts follow, the history starts afresh after the snapshot's version
    /// (older watches get 410) and uids come from a new stream so new objects never reuse a kept one's.
    /// Objects of kinds no longer served are dropped and named in the answer.
    pub fn restore(&self, rv: u64, objects: Vec<(String, Value)>) -> Vec<String> {
        let mut inner = self.lock();
        inner.objects.clear();
        inner.counts.clear();
        for indexes in inner.indexes.values_mut() {
            for index in indexes.iter_mut() {
                index.clear();
            }
        }
        let crd_key = "apiextensions.k8s.io/customresourcedefinitions";
        for (_, crd) in objects.iter().filter(|(k, _)| k == crd_key) {
            inner.registry.add_crd(crd);
        }
        let mut dropped = vec![];
        for (key, obj) in objects {
            let (group, plural) = key.rsplit_once('/').unwrap_or(("", key.as_str()));
            let def = inner.registry.preferred(group, plural);
            let Some(def) = def.filter(|d| d.key().as_ref() == key) else {
                dropped.push(key);
                continue;
            };
            let ns = obj["metadata"]["namespace"].as_str().unwrap_or_default();
            let name = obj["metadata"]["name"].as_str().unwrap_or_default();
            let okey = obj_key(&def, ns, name);
            let res_key = def.key();
            let obj = Arc::new(obj);
            inner
                .objects
                .entry(res_key.clone())
                .or_default()
                .insert(okey.clone(), obj.clone());
            inner.reindex(&res_key, &okey, None, Some(&obj));
            *inner
                .counts
                .entry(res_key)
                .or_default()
                .entry(okey.0.clone())
                .or_default() += 1;
        }
        inner.rv = inner.rv.max(rv);
        inner.history.clear();
        inner.floor = inner.rv + 1;
        let reseed: u64 = inner.rng.random::<u64>() ^ rv.rotate_left(32);
        inner.rng = ChaCha8Rng::seed_from_u64(reseed);
        dropped.sort();
        dropped.dedup();
        dropped
    }
}
