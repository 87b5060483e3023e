//! Watch responses: newline-delimited `WatchEvent`s over a chunked HTTP body, with selector transitions
//! (an object that stops matching is sent as DELETED), bookmarks, timeouts, and the injected faults
//! (dropped streams, `410 Gone`). Must not depend on the TUI.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::resources::ResourceDef;
use super::selectors::{FieldSelector, LabelSelector};
use super::server::{Counter, SimState};
use super::status::ApiError;
use super::store::{Event, EventType, WatchStart};
use super::wire::{self, Shape};

/// Real API servers close watches after 30–60 min (`--min-request-timeout`); clients re-watch.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
/// How often a watch that asked for bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(15);

pub struct WatchRequest {
    pub res: Arc<ResourceDef>,
    pub namespace: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    pub shape: Shape,
    pub timeout: Option<Duration>,
    pub bookmarks: bool,
    pub send_initial_events: bool,
}

impl WatchRequest {
    fn matches(&self, obj: &Value) -> bool {
        self.labels.matches(obj) && self.fields.matches(obj, &self.res.key())
    }

    fn line(&self, kind: &str, obj: &Arc<Value>, rv: u64) -> Bytes {
        let mut v = serde_json::to_vec(
            &json!({"type": kind, "object": wire::object(&self.res, self.shape, obj, rv)}),
        )
        .unwrap_or_default();
        v.push(b'\n');
        Bytes::from(v)
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let obj =
            json!({"kind": self.res.kind, "apiVersion": self.res.api_version(), "metadata": meta});
        let mut v =
            serde_json::to_vec(&json!({"type": "BOOKMARK", "object": obj})).unwrap_or_default();
        v.push(b'\n');
        Bytes::from(v)
    }

    /// The line (if any) this store event becomes for this watch.
    fn translate(&self, e: &Event) -> Option<Bytes> {
        if e.res != self.res.key() {
            return None;
        }
        if let Some(ns) = &self.namespace
            && e.namespace() != ns
        {
            return None;
        }
        let now = self.matches(&e.object);
        let kind = match e.kind {
            EventType::Added => now.then_some("ADDED")?,
            EventType::Deleted => now.then_some("DELETED")?,
            EventType::Modified => {
                let before = e.old.as_ref().is_none_or(|o| self.matches(o));
                match (before, now) {
                    (true, true) => "MODIFIED",
                    (false, true) => "ADDED",
                    (true, false) => "DELETED",
                    (false, false) => return None,
                }
            }
        };
        Some(self.line(kind, &e.object, e.rv))
    }
}

/// One `ERROR` watch event carrying a `Status` (how the real server reports 410 on a watch).
pub fn error_line(err: &ApiError) -> Bytes {
    let mut v = serde_json::to_vec(&json!({"type": "ERROR", "object": err.to_status()}))
        .unwrap_or_default();
    v.push(b'\n');
    Bytes::from(v)
}

/// The body of a watch response.
pub fn stream(
    state: Arc<SimState>,
    req: WatchRequest,
    start: WatchStart,
) -> impl futures::Stream<Item = Result<Bytes, std::convert::Infallible>> + Send + 'static {
    async_stream::stream! {
        let _open = Counter::new(state.clone(), |s| &s.stats.open_watches);
        let WatchStart { replay, mut rx, initial, rv } = start;
        let mut last_rv = rv;
        let mut epoch = state.gone_epoch.subscribe();
        for obj in &initial {
            if req.matches(obj) {
                let orv = obj["metadata"]["resourceVersion"].as_str().and_then(|r| r.parse().ok()).unwrap_or(rv);
                yield Ok(req.line("ADDED", obj, orv));
            }
        }
        if req.send_initial_events {
            yield Ok(req.bookmark(rv, true));
        }
        for e in &replay {
            last_rv = last_rv.max(e.rv);
            if let Some(line) = req.translate(e) {
                yield Ok(line);
            }
        }
        let faults = state.faults.spec();
        let limit = req.timeout.unwrap_or(DEFAULT_TIMEOUT).min(faults.watch_drop.unwrap_or(Duration::MAX));
        let deadline = tokio::time::sleep(limit);
        tokio::pin!(deadline);
        let mut bookmark = tokio::time::interval(BOOKMARK_EVERY);
        bookmark.tick().await;
        loop {
            tokio::select! {
                _ = &mut deadline => break,
                _ = state.shutdown.cancelled() => break,
                changed = epoch.changed() => {
                    if changed.is_ok() {
                        yield Ok(error_line(&ApiError::gone(format!(
                            "too old resource version: {last_rv} ({})", state.store.history_floor()))));
                    }
                    break;
                }
                _ = bookmark.tick(), if req.bookmarks => {
                    yield Ok(req.bookmark(last_rv, false));
                }
                event = rx.recv() => match event {
                    Ok(e) => {
                        if e.rv <= last_rv {
                            continue;
                        }
                        last_rv = e.rv;
                        if let Some(line) = req.translate(&e) {
                            yield Ok(line);
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        yield Ok(error_line(&ApiError::gone(format!(
                            "too old resource version: {last_rv} ({})", state.store.history_floor()))));
                        break;
                    }
                    Err(RecvError::Closed) => break,
                },
            }
        }
    }
}
