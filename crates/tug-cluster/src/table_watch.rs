//! A watch-driven table: list (paginated) as server-printed Table rows, then watch from that
//! resourceVersion with the same Table form (as `kubectl get -w` does). Relists on `410 Gone`, reconnects with
//! capped exponential back-off and jitter, and keeps showing the last known rows meanwhile. A view's first list
//! is shown page by page as it arrives (with a progress count), a relist is swapped in whole once its last page
//! is in, so a reader never sees half of one after the first. No polling.
//!
//! The requests are behind [`TableSource`]: the API server in production ([`ApiTables`]), a fake in tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::future::RemoteHandle;
use futures::stream::BoxStream;
use futures::{FutureExt as _, StreamExt};
use kube::core::WatchEvent;
use rand::RngExt;
use tokio_util::sync::CancellationToken;

use super::discovery::Kind;
use super::{ClusterError, Result};
use tug_model::custom_columns::{self, CustomColumn};
use tug_model::metrics;
pub use tug_model::scope::Scope;
use tug_model::table::{Feed, Row, Table, TableData};

/// The server prints the rows; `includeObject=Metadata` gives us name, namespace, uid and age with each
/// (`Object` instead when custom columns need the whole object).
const ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
const PAGE: usize = 500;
/// A watch is re-opened after this long even when all is quiet (the server would close it anyway).
const WATCH_TIMEOUT_SECS: u32 = 290;
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// While a first list comes in page by page, the screen is told of new pages at most this often: each notice
/// rebuilds the view from every row so far under the lock the list waits on (every 100 ms: 9.7 s for 100,000
/// pods whose list alone takes 1.6 s).
const PAGE_NOTICE: Duration = Duration::from_millis(500);

pub type Shared = Arc<Mutex<TableData>>;

fn lock(data: &Shared) -> std::sync::MutexGuard<'_, TableData> {
    data.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One change a watch reports.
#[derive(Debug)]
pub enum TableEvent {
    /// Rows added or modified.
    Upsert(Table),
    Delete(Table),
    /// Nothing to change, but the watch has seen up to this resourceVersion.
    Bookmark(String),
}

pub type TableEvents = BoxStream<'static, Result<TableEvent>>;

/// Where a table's rows come from.
pub trait TableSource: Send + Sync {
    /// One page of the list; `continue_token` is the previous page's, `None` for the first. The future owns
    /// what it needs, so the next page can be asked for while this one is turned into rows ([`Pages`]).
    fn list_page(&self, continue_token: Option<String>) -> BoxFuture<'static, Result<Table>>;
    /// The changes after `resource_version`, until the server closes the watch. An expired version
    /// (`410 Gone`) is an error with code 410, from the call or in the stream.
    fn watch(&self, resource_version: String) -> BoxFuture<'_, Result<TableEvents>>;
}

/// The API server's Table form of one kind's collection.
pub struct ApiTables {
    client: kube::Client,
    path: String,
    scope: Scope,
    /// Custom columns computed from each object as it arrives; none: only metadata is asked for.
    computed: Arc<[CustomColumn]>,
}

impl ApiTables {
    pub fn new(client: kube::Client, kind: &Kind, scope: Scope) -> Self {
        let path = kind.collection_path(scope.namespace.as_deref());
        Self {
            client,
            path,
            scope,
            computed: Arc::new([]),
        }
    }

    /// Asks for whole objects and computes `computed` from each (k9s custom columns).
    pub fn with_columns(mut self, computed: Vec<CustomColumn>) -> Self {
        self.computed = computed.into();
        self
    }

    fn request(&self, extra: &[(&str, String)]) -> Result<http::Request<Vec<u8>>> {
        let mut q = form_urlencoded::Serializer::new(String::new());
        let object = if self.computed.is_empty() {
            "Metadata"
        } else {
            "Object"
        };
        q.append_pair("includeObject", object);
        if let Some(l) = &self.scope.label_selector {
            q.append_pair("labelSelector", l);
        }
        if let Some(f) = &self.scope.field_selector {
            q.append_pair("fieldSelector", f);
        }
        for (k, v) in extra {
            q.append_pair(k, v);
        }
        http::Request::get(format!("{}?{}", self.path, q.finish()))
            .header(http::header::ACCEPT, ACCEPT)
            .body(vec![])
            .map_err(|e| ClusterError::Transport(e.to_string()))
    }
}

impl TableSource for ApiTables {
    fn list_page(&self, continue_token: Option<String>) -> BoxFuture<'static, Result<Table>> {
        let mut extra = vec![("limit", PAGE.to_string())];
        if let Some(c) = continue_token {
            extra.push(("continue", c));
        }
        let request = self.request(&extra);
        let client = self.client.clone();
        let computed = self.computed.clone();
        Box::pin(async move {
            let request = request?;
            if computed.is_empty() {
                return Ok(client.request(request).await?);
            }
            if metrics::only_spec_columns(&computed) {
                let page: Table<metrics::SpecObject> = client.request(request).await?;
                return Ok(metrics::project_spec(page));
            }
            let page: Table<serde_json::Value> = client.request(request).await?;
            Ok(custom_columns::project(page, &computed))
        })
    }

    fn watch(&self, resource_version: String) -> BoxFuture<'_, Result<TableEvents>> {
        Box::pin(async move {
            let extra = [
                ("watch", "1".to_string()),
                ("resourceVersion", resource_version),
                ("allowWatchBookmarks", "true".to_string()),
                ("timeoutSeconds", WATCH_TIMEOUT_SECS.to_string()),
            ];
            let request = self.request(&extra)?;
            if self.computed.is_empty() {
                let stream = self.client.request_events::<Table>(request).await?;
                return Ok(stream
                    .map(|event| event.map_err(ClusterError::from).and_then(table_event))
                    .boxed());
            }
            if metrics::only_spec_columns(&self.computed) {
                let stream = self
                    .client
                    .request_events::<Table<metrics::SpecObject>>(request)
                    .await?;
                return Ok(stream
                    .map(|event| {
                        let event = event.map_err(ClusterError::from)?;
                        table_event(map_event(event, metrics::project_spec))
                    })
                    .boxed());
            }
            let computed = self.computed.clone();
            let stream = self
                .client
                .request_events::<Table<serde_json::Value>>(request)
                .await?;
            Ok(stream
                .map(move |event| {
                    let event = event.map_err(ClusterError::from)?;
                    table_event(project_event(event, &computed))
                })
                .boxed())
        })
    }
}

/// A watch event's whole objects, projected to their computed cells as soon as it is decoded.
fn project_event(
    event: WatchEvent<Table<serde_json::Value>>,
    computed: &[CustomColumn],
) -> WatchEvent<Table> {
    map_event(event, |t| custom_columns::project(t, computed))
}

/// A watch event with its table turned into the compact form by `project`.
fn map_event<O>(
    event: WatchEvent<Table<O>>,
    project: impl Fn(Table<O>) -> Table,
) -> WatchEvent<Table> {
    match event {
        WatchEvent::Added(t) => WatchEvent::Added(project(t)),
        WatchEvent::Modified(t) => WatchEvent::Modified(project(t)),
        WatchEvent::Deleted(t) => WatchEvent::Deleted(project(t)),
        WatchEvent::Bookmark(b) => WatchEvent::Bookmark(b),
        WatchEvent::Error(e) => WatchEvent::Error(e),
    }
}

fn table_event(event: WatchEvent<Table>) -> Result<TableEvent> {
    match event {
        WatchEvent::Added(t) | WatchEvent::Modified(t) => Ok(TableEvent::Upsert(t)),
        WatchEvent::Deleted(t) => Ok(TableEvent::Delete(t)),
        WatchEvent::Bookmark(b) => Ok(TableEvent::Bookmark(b.metadata.resource_version)),
        WatchEvent::Error(status) => Err(ClusterError::Api {
            code: status.code,
            reason: status.reason,
            message: status.message,
            retry_after: 0,
        }),
    }
}

/// Lists every page of `kind` in `scope`; returns the rows and the first page (its columns, and the
/// resourceVersion to watch from).
pub async fn list(client: &kube::Client, kind: &Kind, scope: &Scope) -> Result<(Vec<Row>, Table)> {
    list_all(&ApiTables::new(client.clone(), kind, scope.clone())).await
}

/// Lists every page into `data` as it arrives (the first list of a view: its first page is on screen while
/// the rest loads, with a progress count); returns the resourceVersion to watch from. The screen hears of
/// pages at most every [`PAGE_NOTICE`], since each notice rebuilds the view's visible rows.
async fn list_shown(
    source: &dyn TableSource,
    data: &Shared,
    notify: &(dyn Fn() + Send + Sync),
) -> Result<String> {
    let mut pages = Pages::new(source);
    let mut first = true;
    let mut told: Option<tokio::time::Instant> = None;
    let rv = loop {
        let page = pages.next().await?;
        let rows = page.rows.iter().map(Row::from_table_row).collect();
        lock(data).add_page(
            first,
            page.column_definitions,
            rows,
            page.metadata.remaining_item_count,
        );
        first = false;
        if pages.done() {
            break page.metadata.resource_version.unwrap_or_default();
        }
        if told.is_none_or(|t| t.elapsed() >= PAGE_NOTICE) {
            told = Some(tokio::time::Instant::now());
            notify();
        }
    };
    lock(data).finish_pages();
    notify();
    Ok(rv)
}

async fn list_all(source: &dyn TableSource) -> Result<(Vec<Row>, Table)> {
    let mut rows = vec![];
    let mut first: Option<Table> = None;
    let mut pages = Pages::new(source);
    loop {
        let page = pages.next().await?;
        rows.extend(page.rows.iter().map(Row::from_table_row));
        if let Some(f) = first.as_mut() {
            // The last page's resourceVersion is as good as the first's: the list is a snapshot.
            f.metadata.resource_version = page.metadata.resource_version.clone();
        } else {
            first = Some(page);
        }
        if pages.done() {
            break;
        }
    }
    let first = first.ok_or_else(|| ClusterError::Decode("empty list response".into()))?;
    Ok((rows, first))
}

/// A list's pages in order, each asked for as soon as the one before it is decoded: the server builds and
/// sends page N+1 while this side turns page N into rows (at 100,000 pods, 200 pages of ~7 ms each way).
/// Dropping it cancels the page in flight.
struct Pages<'a> {
    source: &'a dyn TableSource,
    next: Option<RemoteHandle<Result<Table>>>,
}

impl<'a> Pages<'a> {
    fn new(source: &'a dyn TableSource) -> Self {
        let next = Some(Self::ask(source, None));
        Self { source, next }
    }

    fn ask(source: &dyn TableSource, token: Option<String>) -> RemoteHandle<Result<Table>> {
        let (page, handle) = source.list_page(token).remote_handle();
        tokio::spawn(page);
        handle
    }

    /// The next page (after the last one: an error, never reached by callers that stop at `done`).
    async fn next(&mut self) -> Result<Table> {
        let page = self
            .next
            .take()
            .ok_or_else(|| ClusterError::Decode("list read past its last page".into()))?
            .await?;
        if let Some(token) = page.metadata.continue_.clone().filter(|c| !c.is_empty()) {
            self.next = Some(Self::ask(self.source, Some(token)));
        }
        Ok(page)
    }

    /// The page last returned was the list's last.
    fn done(&self) -> bool {
        self.next.is_none()
    }
}

enum WatchEnd {
    /// The server closed the watch normally: resume from `rv`.
    Resume(String),
    /// 410: the resourceVersion is too old; relist.
    Gone,
}

async fn watch(
    source: &dyn TableSource,
    mut rv: String,
    data: &Shared,
    notify: &(dyn Fn() + Send + Sync),
) -> Result<WatchEnd> {
    let gone = |e: ClusterError| match e.code() {
        Some(410) => Ok(WatchEnd::Gone),
        _ => Err(e),
    };
    let mut stream = match source.watch(rv.clone()).await {
        Ok(stream) => stream,
        Err(e) => return gone(e),
    };
    while let Some(event) = stream.next().await {
        let (table, deleted) = match event {
            Ok(TableEvent::Upsert(t)) => (t, false),
            Ok(TableEvent::Delete(t)) => (t, true),
            Ok(TableEvent::Bookmark(v)) => {
                rv = v;
                continue;
            }
            Err(e) => return gone(e),
        };
        if let Some(v) = &table.metadata.resource_version {
            rv = v.clone();
        }
        {
            let mut d = lock(data);
            if d.columns.is_empty() && !table.column_definitions.is_empty() {
                d.columns = table.column_definitions.clone();
            }
            for r in &table.rows {
                let row = Row::from_table_row(r);
                if deleted {
                    d.remove(&row.key());
                } else {
                    d.upsert(row);
                }
            }
            d.set_feed(Feed::Live);
        }
        notify();
    }
    Ok(WatchEnd::Resume(rv))
}

pub(crate) fn backoff(attempt: u32) -> Duration {
    let exp = BACKOFF_MIN
        .saturating_mul(1u32 << attempt.min(8))
        .min(BACKOFF_MAX);
    // Full jitter in [exp/2, exp]: many clients reconnecting at once spread out.
    let half = exp / 2;
    half + Duration::from_millis(rand::rng().random_range(0..=half.as_millis() as u64))
}

/// How long to wait before retrying after `e`: the backoff, or longer if the server asked (Retry-After).
fn retry_wait(attempt: u32, e: &ClusterError) -> Duration {
    backoff(attempt).max(e.retry_after().unwrap_or_default())
}

/// Keeps `data` in sync with the cluster until `cancel`. `notify` is called after every change.
pub fn spawn(
    client: kube::Client,
    kind: Kind,
    scope: Scope,
    data: Shared,
    notify: Arc<dyn Fn() + Send + Sync>,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let computed = lock(&data).computed.clone();
    let source = Arc::new(ApiTables::new(client, &kind, scope).with_columns(computed));
    spawn_from(source, kind.display(), data, notify, cancel)
}

/// Keeps `data` in sync with `source` until `cancel`; `what` names the table in the log.
pub fn spawn_from(
    source: Arc<dyn TableSource>,
    what: String,
    data: Shared,
    notify: Arc<dyn Fn() + Send + Sync>,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::select! {
            _ = cancel.cancelled() => {}
            _ = run(source.as_ref(), &what, &data, notify.as_ref()) => {}
        }
    })
}

async fn run(
    source: &dyn TableSource,
    what: &str,
    data: &Shared,
    notify: &(dyn Fn() + Send + Sync),
) {
    let mut attempt: u32 = 0;
    loop {
        let shown = lock(data).shows_pages();
        let listed = if shown {
            list_shown(source, data, notify).await
        } else {
            list_all(source).await.map(|(rows, table)| {
                lock(data).replace_all(table.column_definitions, rows);
                notify();
                table.metadata.resource_version.unwrap_or_default()
            })
        };
        let mut rv = match listed {
            Ok(rv) => {
                attempt = 0;
                rv
            }
            Err(e) => {
                let refused = matches!(e.code(), Some(401 | 403 | 404));
                lock(data).set_feed(if refused {
                    Feed::Refused(e.to_string())
                } else {
                    Feed::Reconnecting {
                        error: e.to_string(),
                        attempt: attempt + 1,
                    }
                });
                notify();
                let wait = if refused {
                    BACKOFF_MAX
                } else {
                    retry_wait(attempt, &e)
                };
                tracing::warn!(kind = %what, attempt, error = %e, ?wait, "list failed");
                attempt = attempt.saturating_add(1);
                tokio::time::sleep(wait).await;
                continue;
            }
        };
        loop {
            match watch(source, rv.clone(), data, notify).await {
                Ok(WatchEnd::Resume(next)) => {
                    rv = next;
                    attempt = 0;
                }
                Ok(WatchEnd::Gone) => break,
                Err(e) => {
                    lock(data).set_feed(Feed::Reconnecting {
                        error: e.to_string(),
                        attempt: attempt + 1,
                    });
                    notify();
                    let wait = retry_wait(attempt, &e);
                    tracing::warn!(kind = %what, attempt, error = %e, ?wait, "watch failed");
                    tokio::time::sleep(wait).await;
                    attempt = attempt.saturating_add(1);
                    // After a failure the resourceVersion may be stale: relist to be sure.
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use futures::FutureExt;
    use serde_json::json;
    use tokio::sync::oneshot;
    use tokio::time::Instant;

    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        for attempt in 0..20 {
            let d = backoff(attempt);
            assert!(d >= BACKOFF_MIN / 2 && d <= BACKOFF_MAX, "{attempt}: {d:?}");
        }
        assert!(backoff(10) >= BACKOFF_MAX / 2);
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Call {
        List(Option<String>),
        Watch(String),
    }

    /// A scripted source: each list page and each watch is taken from a queue, in order; when a queue is
    /// empty the call never returns (a quiet cluster).
    #[derive(Default)]
    struct Fake {
        pages: Mutex<VecDeque<BoxFuture<'static, Result<Table>>>>,
        watches: Mutex<VecDeque<Result<TableEvents>>>,
        calls: Mutex<Vec<(Instant, Call)>>,
    }

    impl Fake {
        fn page(&self, page: Result<Table>) {
            self.pages
                .lock()
                .unwrap()
                .push_back(futures::future::ready(page).boxed());
        }

        /// A page that arrives only when the returned sender fires.
        fn gated_page(&self, page: Table) -> oneshot::Sender<()> {
            let (tx, rx) = oneshot::channel();
            self.pages.lock().unwrap().push_back(
                async move {
                    let _ = rx.await;
                    Ok(page)
                }
                .boxed(),
            );
            tx
        }

        /// A watch that delivers `events`, then stays open (`close: false`) or is closed by the server.
        fn watch_with(&self, events: Vec<Result<TableEvent>>, close: bool) {
            let events = futures::stream::iter(events);
            let stream = if close {
                events.boxed()
            } else {
                events.chain(futures::stream::pending()).boxed()
            };
            self.watches.lock().unwrap().push_back(Ok(stream));
        }

        fn calls(&self) -> Vec<Call> {
            self.calls
                .lock()
                .unwrap()
                .iter()
                .map(|(_, c)| c.clone())
                .collect()
        }

        fn record(&self, call: Call) {
            self.calls.lock().unwrap().push((Instant::now(), call));
        }
    }

    impl TableSource for Fake {
        fn list_page(&self, continue_token: Option<String>) -> BoxFuture<'static, Result<Table>> {
            self.record(Call::List(continue_token));
            let next = self.pages.lock().unwrap().pop_front();
            next.unwrap_or_else(|| futures::future::pending().boxed())
        }

        fn watch(&self, resource_version: String) -> BoxFuture<'_, Result<TableEvents>> {
            self.record(Call::Watch(resource_version));
            let next = self.watches.lock().unwrap().pop_front();
            let next = next.unwrap_or_else(|| Ok(futures::stream::pending().boxed()));
            futures::future::ready(next).boxed()
        }
    }

    /// A Table with one row per name; `cont` is the continue token of a list page.
    fn table(names: &[&str], rv: &str, cont: Option<&str>) -> Table {
        let rows: Vec<_> = names
            .iter()
            .map(
                |n| json!({"cells": [n], "object": {"metadata": {"name": n, "namespace": "shop"}}}),
            )
            .collect();
        serde_json::from_value(json!({
            "columnDefinitions": [{"name": "Name", "type": "string"}],
            "rows": rows,
            "metadata": {"resourceVersion": rv, "continue": cont},
        }))
        .unwrap()
    }

    fn gone() -> ClusterError {
        ClusterError::Api {
            code: 410,
            reason: "Expired".into(),
            message: "too old resource version".into(),
            retry_after: 0,
        }
    }

    fn names(data: &Shared) -> Vec<String> {
        lock(data).rows().map(|r| r.name.to_string()).collect()
    }

    /// Starts the table on `fake`; returns its data and every row list a reader saw when notified.
    fn start(fake: &Arc<Fake>) -> (Shared, Arc<Mutex<Vec<Vec<String>>>>, CancellationToken) {
        let data = Shared::default();
        let seen = Arc::new(Mutex::new(vec![]));
        let notify = {
            let (data, seen) = (data.clone(), seen.clone());
            Arc::new(move || seen.lock().unwrap().push(names(&data)))
        };
        let cancel = CancellationToken::new();
        spawn_from(
            fake.clone(),
            "pods".into(),
            data.clone(),
            notify,
            cancel.clone(),
        );
        (data, seen, cancel)
    }

    /// Lets the table run until it waits on the fake (paused time moves on by itself meanwhile).
    async fn settle() {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn gone_relists_and_swaps_the_new_list_in_whole() {
        let fake = Arc::new(Fake::default());
        fake.page(Ok(table(&["a", "b"], "10", None)));
        fake.watch_with(
            vec![
                Ok(TableEvent::Upsert(table(&["c"], "11", None))),
                Err(gone()),
            ],
            false,
        );
        // The relist: b and c were deleted while the watch was gone, d created; its second page waits.
        fake.page(Ok(table(&["a"], "20", Some("p2"))));
        let release = fake.gated_page(table(&["d"], "20", None));
        let (data, seen, _cancel) = start(&fake);

        settle().await;
        assert_eq!(
            names(&data),
            ["a", "b", "c"],
            "the old rows stay until the relist is complete"
        );
        release.send(()).unwrap();
        settle().await;

        assert_eq!(names(&data), ["a", "d"]);
        assert_eq!(lock(&data).feed, Feed::Live);
        for rows in seen.lock().unwrap().iter() {
            assert!(
                [vec!["a", "b"], vec!["a", "b", "c"], vec!["a", "d"]]
                    .contains(&rows.iter().map(String::as_str).collect()),
                "a reader saw {rows:?}"
            );
        }
        assert_eq!(
            fake.calls(),
            [
                Call::List(None),
                Call::Watch("10".into()),
                Call::List(None),
                Call::List(Some("p2".into())),
                Call::Watch("20".into()),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_first_list_is_shown_page_by_page_with_its_progress() {
        let fake = Arc::new(Fake::default());
        let mut first = table(&["a", "b"], "10", Some("p2"));
        first.metadata.remaining_item_count = Some(1);
        fake.page(Ok(first));
        let release = fake.gated_page(table(&["c"], "10", None));
        let (data, seen, _cancel) = start(&fake);

        settle().await;
        assert_eq!(names(&data), ["a", "b"], "the first page is shown at once");
        assert_eq!(
            lock(&data).loading,
            Some(tug_model::table::Progress {
                loaded: 2,
                total: Some(3)
            })
        );
        assert_eq!(lock(&data).feed, Feed::Loading);
        assert_eq!(seen.lock().unwrap().last().unwrap(), &["a", "b"]);
        release.send(()).unwrap();
        settle().await;
        assert_eq!(names(&data), ["a", "b", "c"]);
        let d = lock(&data);
        assert_eq!((d.loading, &d.feed), (None, &Feed::Live));
        drop(d);
        assert_eq!(fake.calls().last(), Some(&Call::Watch("10".into())));
    }

    /// A source that notes how many rows `data` held when each page was asked for.
    struct Counting {
        data: Shared,
        pages: Mutex<VecDeque<Table>>,
        asked_with: Mutex<Vec<usize>>,
    }

    impl TableSource for Counting {
        fn list_page(&self, _: Option<String>) -> BoxFuture<'static, Result<Table>> {
            self.asked_with.lock().unwrap().push(lock(&self.data).len());
            let page = self.pages.lock().unwrap().pop_front();
            futures::future::ready(page.ok_or(gone())).boxed()
        }

        fn watch(&self, _: String) -> BoxFuture<'_, Result<TableEvents>> {
            futures::future::ready(Ok(futures::stream::pending().boxed())).boxed()
        }
    }

    #[tokio::test]
    async fn the_next_page_is_asked_for_before_this_ones_rows_are_built() {
        let data = Shared::default();
        let source = Counting {
            data: data.clone(),
            pages: Mutex::new(VecDeque::from([
                table(&["a", "b"], "10", Some("p2")),
                table(&["c"], "10", Some("p3")),
                table(&["d"], "10", None),
            ])),
            asked_with: Mutex::default(),
        };
        let rv = list_shown(&source, &data, &|| {}).await.unwrap();
        assert_eq!(rv, "10");
        assert_eq!(names(&data), ["a", "b", "c", "d"]);
        // Page 2 was asked for as soon as page 1 was decoded (no rows in yet), page 3 once page 2 was.
        assert_eq!(*source.asked_with.lock().unwrap(), [0, 0, 2]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_closed_watch_resumes_from_the_last_resource_version_without_relisting() {
        let fake = Arc::new(Fake::default());
        fake.page(Ok(table(&["a"], "10", None)));
        fake.watch_with(
            vec![
                Ok(TableEvent::Upsert(table(&["b"], "12", None))),
                Ok(TableEvent::Delete(table(&["a"], "13", None))),
                Ok(TableEvent::Bookmark("15".into())),
            ],
            true,
        );
        let (data, _seen, _cancel) = start(&fake);
        settle().await;

        assert_eq!(names(&data), ["b"]);
        assert_eq!(
            fake.calls(),
            [
                Call::List(None),
                Call::Watch("10".into()),
                Call::Watch("15".into()),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn pages_are_concatenated_and_watched_from_the_last_page() {
        let fake = Arc::new(Fake::default());
        fake.page(Ok(table(&["a", "b"], "28", Some("2"))));
        fake.page(Ok(table(&["c"], "29", Some("3"))));
        fake.page(Ok(table(&["d"], "30", None)));
        let (data, seen, _cancel) = start(&fake);
        settle().await;

        assert_eq!(names(&data), ["a", "b", "c", "d"]);
        assert_eq!(lock(&data).columns.len(), 1);
        // The first page at once; the pages right after it within the notice interval, with the last.
        assert_eq!(
            *seen.lock().unwrap(),
            [vec!["a", "b"], vec!["a", "b", "c", "d"]]
        );
        assert_eq!(
            fake.calls(),
            [
                Call::List(None),
                Call::List(Some("2".into())),
                Call::List(Some("3".into())),
                Call::Watch("30".into()),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn failures_back_off_and_keep_the_last_rows() {
        let fake = Arc::new(Fake::default());
        let unavailable = || ClusterError::Transport("connection refused".into());
        fake.page(Ok(table(&["a"], "10", None)));
        fake.watches.lock().unwrap().push_back(Err(unavailable()));
        for _ in 0..4 {
            fake.page(Err(unavailable()));
        }
        fake.page(Ok(table(&["a", "b"], "20", None)));
        let (data, _seen, _cancel) = start(&fake);

        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            names(&data),
            ["a"],
            "the last known rows stay while reconnecting"
        );
        assert!(matches!(
            lock(&data).feed,
            Feed::Reconnecting { attempt: 1, .. }
        ));
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(names(&data), ["a", "b"]);
        assert_eq!(lock(&data).feed, Feed::Live);

        // After the watch failed: five lists, each after a longer wait than the one before it.
        let calls = fake.calls.lock().unwrap().clone();
        let lists: Vec<Instant> = calls
            .iter()
            .filter(|(_, c)| matches!(c, Call::List(_)))
            .map(|(t, _)| *t)
            .skip(1)
            .collect();
        assert_eq!(lists.len(), 5, "{calls:?}");
        let watch_failed = calls[1].0;
        let mut previous = watch_failed;
        for (attempt, at) in lists.iter().enumerate() {
            let wait = *at - previous;
            let least = BACKOFF_MIN * (1 << attempt) / 2;
            assert!(
                wait >= least,
                "wait {attempt} was {wait:?}, less than {least:?}"
            );
            assert!(wait <= BACKOFF_MAX, "wait {attempt} was {wait:?}");
            previous = *at;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_waits_the_longest_back_off() {
        let fake = Arc::new(Fake::default());
        fake.page(Err(ClusterError::Api {
            code: 403,
            reason: "Forbidden".into(),
            message: "pods is forbidden".into(),
            retry_after: 0,
        }));
        let (data, _seen, _cancel) = start(&fake);
        tokio::time::sleep(BACKOFF_MAX - Duration::from_secs(1)).await;
        assert_eq!(lock(&data).feed, Feed::Refused("pods is forbidden".into()));
        assert_eq!(
            fake.calls().len(),
            1,
            "no retry before the longest back-off"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(fake.calls().len(), 2);
    }
}
