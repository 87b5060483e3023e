//! A watch-driven table: list (paginated) as server-printed Table rows, then watch from that
//! resourceVersion with the same Table form (as `kubectl get -w` does). Relists on `410 Gone`, reconnects with
//! capped exponential back-off and jitter, and keeps showing the last known rows meanwhile. No polling.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use kube::core::WatchEvent;
use rand::RngExt;
use tokio_util::sync::CancellationToken;

use super::discovery::Kind;
use super::{ClusterError, Result};
use tug_model::table::{Feed, Row, Table, TableData};

/// The server prints the rows; `includeObject=Metadata` gives us name, namespace, uid and age with each.
const ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
const PAGE: usize = 500;
/// A watch is re-opened after this long even when all is quiet (the server would close it anyway).
const WATCH_TIMEOUT_SECS: u32 = 290;
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Which objects a view shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// `None`: all namespaces (or a cluster-scoped kind).
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
}

pub type Shared = Arc<Mutex<TableData>>;

fn lock(data: &Shared) -> std::sync::MutexGuard<'_, TableData> {
    data.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn query(scope: &Scope, extra: &[(&str, String)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("includeObject", "Metadata");
    if let Some(l) = &scope.label_selector {
        q.append_pair("labelSelector", l);
    }
    if let Some(f) = &scope.field_selector {
        q.append_pair("fieldSelector", f);
    }
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    q.finish()
}

fn request(path: &str, query: &str) -> Result<http::Request<Vec<u8>>> {
    http::Request::get(format!("{path}?{query}"))
        .header(http::header::ACCEPT, ACCEPT)
        .body(vec![])
        .map_err(|e| ClusterError::Transport(e.to_string()))
}

/// Lists every page; returns the rows, the columns and the resourceVersion to watch from.
pub async fn list(client: &kube::Client, kind: &Kind, scope: &Scope) -> Result<(Vec<Row>, Table)> {
    let path = kind.collection_path(scope.namespace.as_deref());
    let mut rows = vec![];
    let mut first: Option<Table> = None;
    let mut cont: Option<String> = None;
    loop {
        let mut extra = vec![("limit", PAGE.to_string())];
        if let Some(c) = &cont {
            extra.push(("continue", c.clone()));
        }
        let page: Table = client
            .request(request(&path, &query(scope, &extra))?)
            .await?;
        rows.extend(page.rows.iter().map(Row::from_table_row));
        cont = page.metadata.continue_.clone().filter(|c| !c.is_empty());
        if first.is_none() {
            first = Some(page);
        } else if let Some(f) = first.as_mut() {
            // The last page's resourceVersion is as good as the first's: the list is a snapshot.
            f.metadata.resource_version = page.metadata.resource_version.clone();
        }
        if cont.is_none() {
            break;
        }
    }
    let first = first.ok_or_else(|| ClusterError::Decode("empty list response".into()))?;
    Ok((rows, first))
}

enum WatchEnd {
    /// The server closed the watch normally: resume from `rv`.
    Resume(String),
    /// 410: the resourceVersion is too old; relist.
    Gone,
}

async fn watch(
    client: &kube::Client,
    kind: &Kind,
    scope: &Scope,
    mut rv: String,
    data: &Shared,
    notify: &(dyn Fn() + Send + Sync),
) -> Result<WatchEnd> {
    let path = kind.collection_path(scope.namespace.as_deref());
    let extra = [
        ("watch", "1".to_string()),
        ("resourceVersion", rv.clone()),
        ("allowWatchBookmarks", "true".to_string()),
        ("timeoutSeconds", WATCH_TIMEOUT_SECS.to_string()),
    ];
    let stream = client
        .request_events::<Table>(request(&path, &query(scope, &extra))?)
        .await?;
    futures::pin_mut!(stream);
    while let Some(event) = stream.try_next().await? {
        let (table, deleted) = match event {
            WatchEvent::Added(t) | WatchEvent::Modified(t) => (t, false),
            WatchEvent::Deleted(t) => (t, true),
            WatchEvent::Bookmark(b) => {
                rv = b.metadata.resource_version;
                continue;
            }
            WatchEvent::Error(status) if status.code == 410 => return Ok(WatchEnd::Gone),
            WatchEvent::Error(status) => {
                return Err(ClusterError::Api {
                    code: status.code,
                    reason: status.reason.clone(),
                    message: status.message.clone(),
                    retry_after: 0,
                });
            }
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

fn backoff(attempt: u32) -> Duration {
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
    tokio::spawn(async move {
        let run = async {
            let mut attempt: u32 = 0;
            loop {
                let listed = list(&client, &kind, &scope).await;
                let mut rv = match listed {
                    Ok((rows, table)) => {
                        lock(&data).replace_all(table.column_definitions, rows);
                        notify();
                        attempt = 0;
                        table.metadata.resource_version.unwrap_or_default()
                    }
                    Err(e) => {
                        let refused = matches!(e.code(), Some(401 | 403 | 404));
                        lock(&data).set_feed(if refused {
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
                        tracing::warn!(kind = %kind.display(), attempt, error = %e, ?wait, "list failed");
                        attempt = attempt.saturating_add(1);
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                };
                loop {
                    match watch(&client, &kind, &scope, rv.clone(), &data, notify.as_ref()).await {
                        Ok(WatchEnd::Resume(next)) => {
                            rv = next;
                            attempt = 0;
                        }
                        Ok(WatchEnd::Gone) => break,
                        Err(e) => {
                            lock(&data).set_feed(Feed::Reconnecting {
                                error: e.to_string(),
                                attempt: attempt + 1,
                            });
                            notify();
                            let wait = retry_wait(attempt, &e);
                            tracing::warn!(kind = %kind.display(), attempt, error = %e, ?wait, "watch failed");
                            tokio::time::sleep(wait).await;
                            attempt = attempt.saturating_add(1);
                            // After a failure the resourceVersion may be stale: relist to be sure.
                            break;
                        }
                    }
                }
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => {}
            _ = run => {}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        for attempt in 0..20 {
            let d = backoff(attempt);
            assert!(d >= BACKOFF_MIN / 2 && d <= BACKOFF_MAX, "{attempt}: {d:?}");
        }
        assert!(backoff(10) >= BACKOFF_MAX / 2);
    }
}
