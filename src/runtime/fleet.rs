//! A client per kubeconfig context, for effects the app sends to another context than the current one
//! (`Effect::OnContext`: a fleet row, or a view opened from one). Each context connects on its own task, with
//! its credentials exactly as the kubeconfig gives them (tokens, certificates, exec plugins); effects asked
//! before its client is ready wait for it, and fail with the reason if the kubeconfig cannot give one. The
//! answers of a context's effects come back wrapped in `AppEvent::OnContext`, through a channel of its own.
//! Also the probe behind `:fleet`'s STATUS and VERSION.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tug_cluster::ApiFailure;
use tug_cluster::connect::{self, ClusterInfo};
use tug_model::table::Feed;

use super::effects::Outcome;
use crate::app::{AppEvent, Effect, Reach, SharedReach};

/// How often the probe asks each context's server for its version.
const PROBE_EVERY: Duration = Duration::from_secs(3);
/// A server that has not answered the probe by then is reported unreachable (a slow one, too).
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
/// Reading the kubeconfig and building a client (no request is sent yet).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A context's client, who it is for the journal, and where its answers go.
#[derive(Clone)]
pub struct Conn {
    pub client: kube::Client,
    pub info: ClusterInfo,
    pub events: mpsc::UnboundedSender<AppEvent>,
}

#[derive(Default)]
pub struct Pool {
    conns: HashMap<String, Conn>,
    /// Effects waiting for their context's client.
    pending: HashMap<String, Vec<Effect>>,
}

/// An answer from `context`'s cluster, as the app hears it. `Changed` stays as it is: it only asks for a
/// redraw, and the loop counts it to coalesce the next ones.
pub fn wrap(context: &str, event: AppEvent) -> AppEvent {
    match event {
        AppEvent::Changed => AppEvent::Changed,
        event => AppEvent::OnContext {
            context: context.to_string(),
            event: Box::new(event),
        },
    }
}

impl Pool {
    pub fn get(&self, context: &str) -> Option<Conn> {
        self.conns.get(context).cloned()
    }

    /// Keeps `effect` until `context` is connected; true if a connection must be started (none is under way).
    pub fn queue(&mut self, context: &str, effect: Effect) -> bool {
        let waiting = self.pending.entry(context.to_string()).or_default();
        waiting.push(effect);
        waiting.len() == 1
    }

    /// `context` has a client: what waited for it, to perform now.
    pub fn connected(
        &mut self,
        context: String,
        client: kube::Client,
        info: ClusterInfo,
        events: &mpsc::UnboundedSender<AppEvent>,
    ) -> Vec<Effect> {
        let conn = Conn {
            client,
            info,
            events: forwarder(context.clone(), events.clone()),
        };
        self.conns.insert(context.clone(), conn);
        self.pending
            .remove(&context)
            .unwrap_or_default()
            .into_iter()
            .map(|effect| Effect::OnContext {
                context: context.clone(),
                effect: Box::new(effect),
            })
            .collect()
    }

    /// `context` could not be connected: what waited for it fails with the reason (the next effect for it
    /// tries again).
    pub fn failed(
        &mut self,
        context: &str,
        error: &ApiFailure,
        notify: &(dyn Fn() + Send + Sync),
    ) -> Vec<AppEvent> {
        let why = error.message.clone();
        let mut events = vec![];
        for effect in self.pending.remove(context).unwrap_or_default() {
            match effect {
                Effect::Watch { data, .. } => {
                    data.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .set_feed(Feed::Refused(why.clone()));
                    notify();
                }
                Effect::Probe { reach, .. } => {
                    set(&reach, Reach::Unreachable(why.clone()), notify);
                }
                Effect::Mutate(mutation) => events.push(wrap(
                    context,
                    AppEvent::Mutated {
                        mutation: Box::new(mutation),
                        result: Err(error.clone()),
                    },
                )),
                _ => events.push(AppEvent::Flash(
                    format!("cannot reach context {context}: {why}"),
                    true,
                )),
            }
        }
        events
    }
}

/// A channel whose answers reach the app as `context`'s.
fn forwarder(
    context: String,
    events: mpsc::UnboundedSender<AppEvent>,
) -> mpsc::UnboundedSender<AppEvent> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if events.send(wrap(&context, event)).is_err() {
                break;
            }
        }
    });
    tx
}

/// Builds `context`'s client on a task; answers with `Outcome::Context`.
pub fn connect(
    kubeconfig: Option<PathBuf>,
    context: String,
    outcomes: mpsc::UnboundedSender<Outcome>,
) {
    tokio::spawn(async move {
        let result = match tokio::time::timeout(
            CONNECT_TIMEOUT,
            connect::connect(kubeconfig.as_deref(), Some(&context)),
        )
        .await
        {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(ApiFailure::from(e)),
            Err(_) => Err(ApiFailure::local(
                "Timeout",
                format!("no client within {}s", CONNECT_TIMEOUT.as_secs()),
            )),
        };
        let _ = outcomes.send(Outcome::Context { context, result });
    });
}

fn set(reach: &SharedReach, now: Reach, notify: &(dyn Fn() + Send + Sync)) {
    let mut r = reach
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if *r != now {
        *r = now;
        drop(r);
        notify();
    }
}

/// Asks `client`'s server for its version every few seconds, until cancelled: up with its version, or
/// unreachable with why (no answer in time counts).
pub fn probe(
    client: kube::Client,
    reach: SharedReach,
    notify: Arc<dyn Fn() + Send + Sync>,
    cancel: CancellationToken,
) {
    tokio::spawn(cancel.run_until_cancelled_owned(async move {
        loop {
            let now =
                match tokio::time::timeout(PROBE_TIMEOUT, connect::server_version(&client)).await {
                    Ok(Ok(version)) => Reach::Up { version },
                    Ok(Err(e)) => Reach::Unreachable(e.to_string()),
                    Err(_) => {
                        Reach::Unreachable(format!("no answer within {}s", PROBE_TIMEOUT.as_secs()))
                    }
                };
            set(&reach, now, notify.as_ref());
            tokio::time::sleep(PROBE_EVERY).await;
        }
    }));
}
