//! Log streaming through the `pods/log` API (kube's `log_stream`): one pod's containers, or every pod a
//! workload selects — pods that appear later join, pods that go away are marked. Broken follows reconnect with
//! back-off from the last line's timestamp, leaving a visible marker of the gap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use kube::runtime::watcher;
use tokio_util::sync::CancellationToken;

use tug_model::logbuf::LogBuffer;

/// Lines asked for when a stream starts (the user can see more by asking for a longer tail).
pub const DEFAULT_TAIL: i64 = 200;
const BACKOFF_MAX: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodSet {
    One(String),
    /// Every pod matching a label selector (a workload's pods).
    Selector(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    pub namespace: String,
    pub pods: PodSet,
    /// `None`: every container.
    pub container: Option<String>,
    pub previous: bool,
    pub tail: i64,
    /// Start this many seconds back instead of at the tail.
    pub since: Option<i64>,
}

pub type SharedLog = Arc<Mutex<LogBuffer>>;
pub type Notify = Arc<dyn Fn() + Send + Sync>;

fn lock(b: &SharedLog) -> std::sync::MutexGuard<'_, LogBuffer> {
    b.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Streams `target` into `buffer` until `cancel`.
pub fn spawn(
    client: kube::Client,
    target: LogTarget,
    buffer: SharedLog,
    notify: Notify,
    cancel: CancellationToken,
) {
    tokio::spawn(async move {
        let pods: Api<Pod> = Api::namespaced(client, &target.namespace);
        tokio::select! {
            _ = cancel.cancelled() => {}
            _ = supervise(pods, &target, &buffer, &notify, &cancel) => {}
        }
    });
}

fn containers(pod: &Pod, only: Option<&str>) -> Vec<String> {
    let spec = pod.spec.as_ref();
    spec.map(|s| {
        s.containers
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    })
    .unwrap_or_default()
    .into_iter()
    .filter(|c| only.is_none_or(|o| o == c))
    .collect()
}

async fn supervise(
    pods: Api<Pod>,
    target: &LogTarget,
    buffer: &SharedLog,
    notify: &Notify,
    cancel: &CancellationToken,
) {
    let multi = matches!(target.pods, PodSet::Selector(_));
    // One cancellation token per pod stream: a pod that goes away stops its streams.
    let mut streams: HashMap<String, CancellationToken> = HashMap::new();
    let start = |pod: &Pod, streams: &mut HashMap<String, CancellationToken>, from_start: bool| {
        let name = pod.metadata.name.clone().unwrap_or_default();
        if streams.contains_key(&name) {
            return;
        }
        let token = cancel.child_token();
        streams.insert(name.clone(), token.clone());
        let names = containers(pod, target.container.as_deref());
        let show_container = names.len() > 1 || target.container.is_none() && multi;
        for c in names {
            let tag = match (multi, show_container) {
                (true, _) => format!("{name}/{c}"),
                (false, true) => c.clone(),
                (false, false) => String::new(),
            };
            let source = lock(buffer).source(&tag);
            let start = match (from_start, target.since) {
                (true, _) => Start::Beginning,
                (false, Some(s)) => Start::Since(s),
                (false, None) => Start::Tail(target.tail),
            };
            tokio::spawn(stream(
                pods.clone(),
                name.clone(),
                c,
                target.previous,
                start,
                source,
                buffer.clone(),
                notify.clone(),
                token.clone(),
            ));
        }
    };
    match &target.pods {
        PodSet::One(name) => match pods.get(name).await {
            Ok(pod) => {
                start(&pod, &mut streams, false);
                cancel.cancelled().await;
            }
            Err(e) => {
                lock(buffer).marker(
                    0,
                    format!("cannot read pod {name}: {}", crate::ClusterError::from(e)),
                );
                notify();
            }
        },
        PodSet::Selector(sel) => {
            let mut initial = true;
            let events = watcher(pods.clone(), watcher::Config::default().labels(sel));
            futures::pin_mut!(events);
            while let Some(event) = events.next().await {
                match event {
                    Ok(watcher::Event::InitApply(pod)) => start(&pod, &mut streams, false),
                    Ok(watcher::Event::InitDone) => initial = false,
                    // Pods that join later are read from their first line.
                    Ok(watcher::Event::Apply(pod)) => start(&pod, &mut streams, !initial),
                    Ok(watcher::Event::Delete(pod)) => {
                        let name = pod.metadata.name.unwrap_or_default();
                        if let Some(token) = streams.remove(&name) {
                            token.cancel();
                            let src = lock(buffer).source(&name);
                            lock(buffer).marker(src, format!("── pod {name} is gone ──"));
                            notify();
                        }
                    }
                    Ok(watcher::Event::Init) => {}
                    Err(e) => {
                        lock(buffer).marker(0, format!("── pod watch error: {e}; retrying ──"));
                        notify();
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        }
    }
}

/// Where a stream starts.
#[derive(Debug, Clone, Copy)]
enum Start {
    Beginning,
    Tail(i64),
    Since(i64),
}

/// One container's log: follows (unless `previous`), reconnecting from the last timestamp when it breaks.
#[allow(clippy::too_many_arguments)] // one stream's identity and its sinks
async fn stream(
    pods: Api<Pod>,
    pod: String,
    container: String,
    previous: bool,
    start: Start,
    source: u16,
    buffer: SharedLog,
    notify: Notify,
    cancel: CancellationToken,
) {
    let mut since: Option<jiff::Timestamp> = None;
    let mut attempt = 0u32;
    loop {
        let params = LogParams {
            container: Some(container.clone()),
            follow: !previous,
            previous,
            tail_lines: match (since, start) {
                (None, Start::Tail(n)) => Some(n),
                _ => None,
            },
            since_seconds: match (since, start) {
                (None, Start::Since(s)) => Some(s),
                _ => None,
            },
            since_time: since,
            timestamps: true,
            ..Default::default()
        };
        let result = tokio::select! {
            _ = cancel.cancelled() => return,
            r = pods.log_stream(&pod, &params) => r,
        };
        match result {
            Ok(reader) => {
                attempt = 0;
                let mut reader = Box::pin(reader);
                let mut line = Vec::with_capacity(256);
                loop {
                    line.clear();
                    let n = tokio::select! {
                        _ = cancel.cancelled() => return,
                        n = reader.read_until(b'\n', &mut line) => n,
                    };
                    match n {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let raw = line.strip_suffix(b"\n").unwrap_or(&line);
                            let mut b = lock(&buffer);
                            b.push_raw(source, raw, true);
                            if let Some(t) = b
                                .iter()
                                .next_back()
                                .and_then(|l| l.time.as_deref())
                                .and_then(|t| t.parse().ok())
                            {
                                since = Some(t);
                            }
                            drop(b);
                            notify();
                        }
                    }
                }
                if previous {
                    lock(&buffer)
                        .marker(source, "── end of the previous container's log ──".into());
                    notify();
                    return;
                }
            }
            Err(e) => {
                let e = crate::ClusterError::from(e);
                lock(&buffer).marker(source, format!("── {e} ──"));
                notify();
                if previous || matches!(e.code(), Some(403 | 404)) {
                    return;
                }
            }
        }
        // The stream ended while following: the container restarted or the connection broke.
        attempt += 1;
        let wait = Duration::from_millis(500)
            .saturating_mul(1 << attempt.min(5))
            .min(BACKOFF_MAX);
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        lock(&buffer).marker(source, "── log stream reconnected ──".into());
        notify();
        // Resume just after the last line seen.
        since = since.map(|t| t + jiff::SignedDuration::from_nanos(1));
    }
}
