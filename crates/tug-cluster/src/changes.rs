//! The live feeds behind "what changed?": one object's timeline (a watch of that one object, with its events
//! and workload revisions re-read after each change it makes) and the change feed (a watch per kind that
//! matters, digested by `tug_model::change_feed` and written as rows). Talks only to the API; no ratatui.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::watcher::{self, Event};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tug_model::change_feed::{ChangeFeed, Op, row_name};
use tug_model::table::{Feed, TableData};
use tug_model::timeline::{self, Timeline};

use crate::discovery::Kind;
use crate::objects;

/// Tells the app something changed (coalesced by the runtime).
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// How long a broken watch waits before the watcher retries.
const RETRY: Duration = Duration::from_secs(1);

/// The kinds the change feed watches: workloads, their pods, config and networking. Events, leases and
/// endpoints change all the time without anyone changing anything, so they are left out.
pub const WATCHED: &[(&str, &str)] = &[
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("apps", "replicasets"),
    ("", "pods"),
    ("", "services"),
    ("", "configmaps"),
    ("", "secrets"),
    ("", "persistentvolumeclaims"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("networking.k8s.io", "ingresses"),
    ("autoscaling", "horizontalpodautoscalers"),
];

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn api(client: &kube::Client, kind: &Kind, namespace: Option<&str>) -> Api<DynamicObject> {
    let ar = ApiResource {
        group: kind.group.clone(),
        version: kind.version.clone(),
        api_version: kind.api_version(),
        kind: kind.kind.clone(),
        plural: kind.plural.clone(),
    };
    match namespace.filter(|n| !n.is_empty() && kind.namespaced) {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

/// The timeline's shared state: the model and the rows the view shows.
#[derive(Debug, Clone)]
pub struct TimelineFeed {
    pub timeline: Arc<Mutex<Timeline>>,
    pub rows: Arc<Mutex<TableData>>,
}

/// Watches one object until `cancel`, feeding its timeline.
pub fn spawn_timeline(
    client: kube::Client,
    kind: Kind,
    namespace: String,
    name: String,
    feed: TimelineFeed,
    notify: Notify,
    cancel: CancellationToken,
) {
    tokio::spawn(async move {
        tokio::select! {
            _ = cancel.cancelled() => {}
            _ = run_timeline(&client, &kind, &namespace, &name, &feed, notify.as_ref()) => {}
        }
    });
}

async fn run_timeline(
    client: &kube::Client,
    kind: &Kind,
    namespace: &str,
    name: &str,
    feed: &TimelineFeed,
    notify: &(dyn Fn() + Send + Sync),
) {
    let cfg = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let stream = watcher::watcher(api(client, kind, Some(namespace)), cfg);
    futures::pin_mut!(stream);
    while let Some(event) = stream.next().await {
        let now = jiff::Timestamp::now();
        match event {
            Ok(Event::Apply(o) | Event::InitApply(o)) => {
                let Ok(obj) = serde_json::to_value(&o) else {
                    continue;
                };
                let (events, revisions) = context_of(client, kind, &obj).await;
                let mut t = lock(&feed.timeline);
                t.observe(obj, now);
                if let Some(e) = events {
                    t.set_events(e);
                }
                if let Some(r) = revisions {
                    t.set_revisions(r);
                }
                publish(&t, &feed.rows);
            }
            Ok(Event::Delete(_)) => {
                let mut t = lock(&feed.timeline);
                t.mark_deleted(now);
                publish(&t, &feed.rows);
            }
            Ok(Event::Init | Event::InitDone) => continue,
            Err(e) => {
                lock(&feed.rows).set_feed(Feed::Reconnecting {
                    error: e.to_string(),
                    attempt: 1,
                });
                notify();
                tokio::time::sleep(RETRY).await;
                continue;
            }
        }
        notify();
    }
}

fn publish(t: &Timeline, rows: &Mutex<TableData>) {
    let columns = timeline::COLUMNS
        .iter()
        .map(|n| tug_model::table::Column {
            name: (*n).into(),
            kind: "string".into(),
            priority: 0,
        })
        .collect();
    lock(rows).replace_all(columns, timeline::rows(&t.entries()));
}

/// The object's events and, for a workload, its ReplicaSets or ControllerRevisions (`None`: not read).
async fn context_of(
    client: &kube::Client,
    kind: &Kind,
    obj: &Value,
) -> (Option<Vec<Value>>, Option<Vec<Value>>) {
    let events = objects::events_of(client, obj).await.ok();
    let revisions = if kind.is("apps", "deployments") {
        objects::replica_sets_of(client, obj).await.ok()
    } else if kind.is("apps", "statefulsets") || kind.is("apps", "daemonsets") {
        objects::controller_revisions_of(client, obj).await.ok()
    } else {
        None
    };
    (events, revisions)
}

/// The change feed's shared state: the digests and changes, and the rows the view shows.
#[derive(Debug, Clone)]
pub struct ChangeFeedState {
    pub feed: Arc<Mutex<ChangeFeed>>,
    pub rows: Arc<Mutex<TableData>>,
}

/// Watches every kind of `WATCHED` that `kinds` has, in `namespace` (or all), until `cancel`.
pub fn spawn_changes(
    client: kube::Client,
    kinds: &[Kind],
    namespace: Option<String>,
    state: ChangeFeedState,
    notify: Notify,
    cancel: CancellationToken,
) {
    let columns = tug_model::change_feed::COLUMNS
        .iter()
        .map(|n| tug_model::table::Column {
            name: (*n).into(),
            kind: "string".into(),
            priority: 0,
        })
        .collect();
    lock(&state.rows).replace_all(columns, vec![]);
    for kind in kinds
        .iter()
        .filter(|k| WATCHED.iter().any(|(g, p)| k.is(g, p)))
    {
        let (client, kind, ns, state, notify, cancel) = (
            client.clone(),
            kind.clone(),
            namespace.clone(),
            state.clone(),
            notify.clone(),
            cancel.clone(),
        );
        tokio::spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = run_kind(&client, &kind, ns.as_deref(), &state, notify.as_ref()) => {}
            }
        });
    }
}

async fn run_kind(
    client: &kube::Client,
    kind: &Kind,
    namespace: Option<&str>,
    state: &ChangeFeedState,
    notify: &(dyn Fn() + Send + Sync),
) {
    let label = kind.display();
    let stream = watcher::watcher(api(client, kind, namespace), watcher::Config::default());
    futures::pin_mut!(stream);
    while let Some(event) = stream.next().await {
        let now = jiff::Timestamp::now();
        let (op, o) = match event {
            Ok(Event::Init | Event::InitDone) => continue,
            Ok(Event::InitApply(o)) => (None, o),
            Ok(Event::Apply(o)) => (Some(Op::Modified), o),
            Ok(Event::Delete(o)) => (Some(Op::Deleted), o),
            Err(_) => {
                tokio::time::sleep(RETRY).await;
                continue;
            }
        };
        let Ok(obj) = serde_json::to_value(&o) else {
            continue;
        };
        let mut feed = lock(&state.feed);
        let change = match op {
            None => feed.seed(&label, &obj, now),
            Some(op) => feed.apply(&label, op, &obj, now),
        };
        let Some(row) = change.map(tug_model::change_feed::Change::row) else {
            continue;
        };
        let oldest = feed.oldest();
        drop(feed);
        let mut rows = lock(&state.rows);
        rows.upsert(row);
        // At most one change leaves the ring per change that enters it.
        if let Some(oldest) = oldest.filter(|o| *o > 1) {
            rows.remove(&("".into(), row_name(oldest - 1).into()));
        }
        drop(rows);
        notify();
    }
}
