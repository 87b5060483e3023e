//! `Effects::perform`: every effect the app asks for, in one match. Whatever talks to the cluster or the disk
//! runs on a spawned task and answers through a channel, so the loop never waits for the network or a file;
//! only the terminal hand-overs (Ctrl-Z, a shell, `$EDITOR`) hold the loop, because they own the terminal.
//! Decides nothing the app could: it performs, and reports what happened.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tug_cluster::ApiFailure;
use tug_cluster::connect::{self, ClusterInfo};
use tug_cluster::discovery::{self, Kind};
use tug_cluster::portforward::Forward;
use tug_cluster::{logs, table_watch};

use super::terminal::{Screen, ShellTarget};
use crate::app::{App, AppEvent, Effect, Fetched, ForwardRow, ViewId};

/// How long a context switch may take (reading the kubeconfig, credentials, discovery) before it is given
/// up; the current context stays meanwhile.
const SWITCH_TIMEOUT: Duration = Duration::from_secs(45);

/// Answers that change the runtime's own state (its client, its forwards) before the app hears of them.
pub enum Outcome {
    /// Context switch `id` reached its cluster.
    Switched {
        id: u64,
        client: kube::Client,
        info: ClusterInfo,
        kinds: Vec<Kind>,
    },
    SwitchFailed {
        id: u64,
        context: String,
        error: ApiFailure,
    },
    /// Another context's client is built (or why not), for `Effect::OnContext`.
    Context {
        context: String,
        result: Result<(kube::Client, ClusterInfo), ApiFailure>,
    },
    /// A port-forward listens (or why it could not start).
    Forwarding(Result<Forward, String>),
    /// A forward declared in the settings could not start: it stays in `:pf` with the reason.
    ForwardFailed {
        id: u64,
        target: String,
        local: std::net::SocketAddr,
        error: String,
    },
}

/// A file operation on the file queue (run in order, off the loop).
type FileJob = Box<dyn FnOnce() + Send>;

/// What the runtime holds for the app: the client, the running watches and forwards, and the channels that
/// carry the answers back.
pub struct Effects {
    client: kube::Client,
    kubeconfig: Option<PathBuf>,
    events: mpsc::UnboundedSender<AppEvent>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    /// Set while a `Changed` is on its way, so many changes between two frames cost one event.
    changed: Arc<AtomicBool>,
    watches: HashMap<ViewId, CancellationToken>,
    forwards: Vec<Forward>,
    /// Declared forwards that could not start, listed by `:pf` with their error until stopped there.
    failed_forwards: Vec<ForwardRow>,
    /// Declared forwards started (running, starting or failed) by id: what they were declared as.
    declared: HashMap<u64, String>,
    next_forward: u64,
    /// The latest context switch asked for: an answer to an older one is stale and dropped.
    switch: u64,
    /// Stops the current client's discovery retries once another client replaces it.
    startup: CancellationToken,
    /// Recovery files are written, removed and read in the order the app asked.
    files: mpsc::UnboundedSender<FileJob>,
    /// The CPU and memory poll (the one request made while idle besides the watches).
    metrics: super::metrics_poll::MetricsPoll,
    /// Other contexts' clients (fleet rows), and the effects that waited for one and can run now.
    fleet: super::fleet::Pool,
    ready: Vec<Effect>,
}

impl Effects {
    /// Starts discovery on `client` (retried until the server answers) and the file queue.
    pub fn start(
        client: kube::Client,
        kubeconfig: Option<PathBuf>,
        events: mpsc::UnboundedSender<AppEvent>,
        outcomes: mpsc::UnboundedSender<Outcome>,
    ) -> Self {
        let (files, mut jobs) = mpsc::unbounded_channel::<FileJob>();
        tokio::spawn(async move {
            while let Some(job) = jobs.recv().await {
                let _ = tokio::task::spawn_blocking(job).await;
            }
        });
        let mut effects = Self {
            client,
            kubeconfig,
            events,
            outcomes,
            changed: Arc::default(),
            watches: HashMap::new(),
            forwards: vec![],
            failed_forwards: vec![],
            declared: HashMap::new(),
            next_forward: 0,
            switch: 0,
            startup: CancellationToken::new(),
            files,
            metrics: Default::default(),
            fleet: Default::default(),
            ready: vec![],
        };
        effects.spawn_startup(true);
        effects
    }

    /// Performs `effect`; returns what the app must hear before the next draw (a terminal hand-over's end, a
    /// forward stopped). Everything else answers later, through the channels.
    pub async fn perform(
        &mut self,
        effect: Effect,
        screen: &mut Screen,
        app: &App,
    ) -> std::io::Result<Vec<AppEvent>> {
        let mut now = vec![];
        match effect {
            Effect::Quit => {}
            Effect::OnContext { context, effect } => {
                now.extend(self.on_context(context, *effect, screen, app).await?);
            }
            Effect::Probe { view, reach } => {
                let (token, notify) = (self.watch(view), self.notify());
                super::fleet::probe(self.client.clone(), reach, notify, token);
            }
            Effect::Suspend => screen.suspend()?,
            Effect::Copy(text) => {
                screen.write_sequence(&super::clipboard::osc52(&text))?;
                self.file_job(move || super::clipboard::to_local_tool(&text));
            }
            Effect::SaveText { name, format, text } => {
                let events = self.events.clone();
                self.file_job(move || {
                    let _ = events.send(match super::files::save_text(&name, format, &text) {
                        Ok(path) => AppEvent::Flash(format!("saved to {}", path.display()), false),
                        Err(e) => AppEvent::Flash(format!("cannot save: {e}"), true),
                    });
                });
            }
            Effect::Shell {
                namespace,
                pod,
                container,
                attach,
            } => {
                let target = ShellTarget {
                    namespace: &namespace,
                    pod: &pod,
                    container: container.as_deref(),
                    attach,
                };
                let ended = screen.shell(&self.client, &target, &app.keymap).await?;
                let (text, error) = match ended {
                    Ok(m) => (m, false),
                    Err(e) => (
                        match e.code() {
                            Some(403) => format!("not allowed: {e}"),
                            _ => format!("cannot open a shell in {pod}: {e}"),
                        },
                        true,
                    ),
                };
                now.push(AppEvent::Flash(text, error));
            }
            Effect::Plugin(run) if run.background => {
                super::plugin::spawn_background(*run, &self.events);
            }
            Effect::Plugin(run) => {
                let (text, error) = match screen.run_plugin(&run) {
                    Ok(Some(0)) => (format!("{}: done (exit code 0)", run.title), false),
                    Ok(Some(n)) => (format!("{}: failed (exit code {n})", run.title), true),
                    Ok(None) => (format!("{}: ended by a signal", run.title), true),
                    Err(e) => (format!("cannot run {}: {e}", run.command), true),
                };
                now.push(AppEvent::Flash(text, error));
            }
            Effect::ExternalEdit { view, text } => {
                let result = screen.external_edit(&text);
                now.push(AppEvent::ExternalEdited { view, result });
            }
            Effect::SwitchContext(name) => self.switch_context(name),
            Effect::PortForward {
                namespace,
                pod,
                local,
                remote,
            } => self.port_forward(namespace, pod, local, remote),
            Effect::DeclaredForward {
                context,
                kind,
                namespace,
                name,
                local,
                remote,
            } => {
                let key = format!(
                    "{context} {namespace} {}/{name} {local} {remote}",
                    kind.plural
                );
                let failed: Vec<u64> = self.failed_forwards.iter().map(|f| f.id).collect();
                // A failed one is tried again; one running or starting stays as it is.
                self.declared
                    .retain(|id, k| *k != key || !failed.contains(id));
                self.failed_forwards
                    .retain(|f| self.declared.contains_key(&f.id));
                if !self.declared.values().any(|k| *k == key) {
                    let id = self.declared_forward(kind, namespace, name, local, remote);
                    self.declared.insert(id, key);
                }
            }
            Effect::StopForward(id) => {
                self.declared.remove(&id);
                self.failed_forwards.retain(|f| f.id != id);
                self.forwards.retain(|f| {
                    let stop = f.id == id;
                    if stop {
                        f.cancel.cancel();
                    }
                    !stop
                });
                now.push(AppEvent::Forwards(self.forward_rows()));
                now.push(AppEvent::Flash("port-forward stopped".into(), false));
            }
            Effect::Watch {
                view,
                kind,
                scope,
                data,
            } => {
                let token = self.watch(view);
                let notify = self.notify();
                table_watch::spawn(self.client.clone(), kind, scope, data, notify, token);
            }
            Effect::Logs {
                view,
                target,
                buffer,
            } => {
                let token = self.watch(view);
                let notify = self.notify();
                logs::spawn(self.client.clone(), target, buffer, notify, token);
            }
            Effect::Timeline {
                view,
                kind,
                namespace,
                name,
                feed,
            } => {
                let token = self.watch(view);
                let notify = self.notify();
                tug_cluster::changes::spawn_timeline(
                    self.client.clone(),
                    kind,
                    namespace,
                    name,
                    feed,
                    notify,
                    token,
                );
            }
            Effect::Helm {
                view,
                namespace,
                release,
                state,
            } => {
                let token = self.watch(view);
                let notify = self.notify();
                tug_cluster::helm::spawn_watch(
                    self.client.clone(),
                    namespace,
                    release,
                    state,
                    notify,
                    token,
                );
            }
            Effect::Changes {
                view,
                kinds,
                namespace,
                state,
            } => {
                let token = self.watch(view);
                let notify = self.notify();
                tug_cluster::changes::spawn_changes(
                    self.client.clone(),
                    &kinds,
                    namespace,
                    state,
                    notify,
                    token,
                );
            }
            Effect::Unwatch(view) => {
                if let Some(token) = self.watches.remove(&view) {
                    token.cancel();
                }
            }
            Effect::Fetch {
                view,
                kind,
                namespace,
                name,
                purpose,
            } => {
                let (client, events) = (self.client.clone(), self.events.clone());
                tokio::spawn(async move {
                    let result =
                        super::fetch::fetch(&client, &kind, &namespace, &name, purpose).await;
                    let _ = events.send(AppEvent::Fetched { view, result });
                });
            }
            Effect::Access(ask) => super::access::perform(&self.client, ask, &self.events),
            Effect::Relations {
                view,
                kinds,
                namespace,
                explain,
                live,
            } => {
                let token = self.watch(view);
                let notify = self.notify();
                tug_cluster::relations::spawn_watch(
                    self.client.clone(),
                    kinds,
                    namespace,
                    explain,
                    live,
                    notify,
                    token,
                );
            }
            change @ (Effect::Mutate(_) | Effect::SendEdit { .. }) => {
                super::changes::send_change(&self.client, &app.info, change, &self.events);
            }
            Effect::Journal(view) => {
                let events = self.events.clone();
                tokio::task::spawn_blocking(move || {
                    let text = crate::journal::tail(200);
                    let _ = events.send(AppEvent::Fetched {
                        view,
                        result: Ok(Fetched::Text(text)),
                    });
                });
            }
            Effect::SaveLog { title, buffer } => {
                super::files::save_log(title, &buffer, &self.events)
            }
            Effect::SaveRecovery { key, text } => {
                let events = self.events.clone();
                self.file_job(move || {
                    if let Err(e) = crate::recovery::write(&key, &text) {
                        let _ = events.send(AppEvent::Flash(
                            format!("cannot write the recovery file: {e}"),
                            true,
                        ));
                    }
                });
            }
            Effect::DropRecovery(key) => self.file_job(move || crate::recovery::remove(&key)),
            Effect::ReadRecovery { view, key } => {
                let events = self.events.clone();
                self.file_job(move || {
                    let _ = events.send(AppEvent::Fetched {
                        view,
                        result: Ok(Fetched::Recovered(crate::recovery::read(&key))),
                    });
                });
            }
        }
        Ok(now)
    }

    /// Applies an answer to the runtime's state; returns what the app should hear of it.
    pub fn settle(&mut self, outcome: Outcome) -> Vec<AppEvent> {
        match outcome {
            Outcome::Switched {
                id,
                client,
                info,
                kinds,
            } if id == self.switch => {
                for (_, token) in self.watches.drain() {
                    token.cancel();
                }
                self.metrics.reset();
                self.client = client;
                self.spawn_startup(false);
                vec![AppEvent::Connected(info), AppEvent::Discovered(Ok(kinds))]
            }
            Outcome::SwitchFailed { id, context, error } if id == self.switch => {
                vec![AppEvent::SwitchFailed { context, error }]
            }
            Outcome::Switched { info, .. } => {
                tracing::debug!(context = %info.context, "a superseded context switch is dropped");
                vec![]
            }
            Outcome::SwitchFailed { context, .. } => {
                tracing::debug!(%context, "a superseded context switch is dropped");
                vec![]
            }
            Outcome::Context { context, result } => match result {
                Ok((client, info)) => {
                    let ready = self.fleet.connected(context, client, info, &self.events);
                    self.ready.extend(ready);
                    vec![]
                }
                Err(error) => {
                    let notify = self.notify();
                    self.fleet.failed(&context, &error, notify.as_ref())
                }
            },
            Outcome::Forwarding(started) => {
                let message = match started {
                    Ok(f) => {
                        let message = AppEvent::Flash(
                            format!(
                                "forwarding {} → {}/{}:{} (:pf lists forwards)",
                                f.local,
                                f.namespace,
                                f.pod(),
                                f.remote_port
                            ),
                            false,
                        );
                        self.forwards.push(f);
                        message
                    }
                    Err(e) => AppEvent::Flash(format!("cannot forward: {e}"), true),
                };
                vec![message, AppEvent::Forwards(self.forward_rows())]
            }
            Outcome::ForwardFailed {
                id,
                target,
                local,
                error,
            } => {
                let flash = AppEvent::Flash(format!("cannot forward {target}: {error}"), true);
                self.failed_forwards.push(ForwardRow {
                    id,
                    target,
                    local: local.to_string(),
                    last_error: error,
                    ..ForwardRow::default()
                });
                vec![flash, AppEvent::Forwards(self.forward_rows())]
            }
        }
    }

    /// Effects that waited for their context's client, which is now ready.
    pub fn take_ready(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.ready)
    }

    /// Performs `effect` on `context`'s client (connected first if need be); what it answers reaches the app
    /// as that context's. Effects that do not fit another context (RBAC questions about the current one,
    /// plugins, which run against the current context) are refused with a message, never sent to the current
    /// cluster.
    async fn on_context(
        &mut self,
        context: String,
        effect: Effect,
        screen: &mut Screen,
        app: &App,
    ) -> std::io::Result<Vec<AppEvent>> {
        let Some(conn) = self.fleet.get(&context) else {
            if self.fleet.queue(&context, effect) {
                super::fleet::connect(self.kubeconfig.clone(), context, self.outcomes.clone());
            }
            return Ok(vec![]);
        };
        match effect {
            change @ (Effect::Mutate(_) | Effect::SendEdit { .. }) => {
                super::changes::send_change(&conn.client, &conn.info, change, &conn.events);
                Ok(vec![])
            }
            effect @ (Effect::Watch { .. }
            | Effect::Logs { .. }
            | Effect::Timeline { .. }
            | Effect::Helm { .. }
            | Effect::Changes { .. }
            | Effect::Fetch { .. }
            | Effect::Relations { .. }
            | Effect::Shell { .. }
            | Effect::PortForward { .. }
            | Effect::Probe { .. }) => {
                // These use the runtime's client and answer on its channel: lent the context's for the call.
                let client = std::mem::replace(&mut self.client, conn.client);
                let events = std::mem::replace(&mut self.events, conn.events);
                let answered = Box::pin(self.perform(effect, screen, app)).await;
                self.client = client;
                self.events = events;
                Ok(answered?
                    .into_iter()
                    .map(|e| super::fleet::wrap(&context, e))
                    .collect())
            }
            _ => Ok(vec![AppEvent::Flash(
                format!("not available for context {context}'s objects from here"),
                true,
            )]),
        }
    }

    /// A `Changed` reached the app: the next change sends another.
    pub fn changes_seen(&self) {
        self.changed.store(false, Ordering::SeqCst);
    }

    /// The running forwards' counters, if any run (refreshed every tick).
    pub fn forwards_now(&self) -> Option<AppEvent> {
        (!self.forwards.is_empty() || !self.failed_forwards.is_empty())
            .then(|| AppEvent::Forwards(self.forward_rows()))
    }

    /// Tug exits: watches and forwards stop with it.
    pub fn stop(mut self) {
        self.metrics.stop();
        self.startup.cancel();
        for (_, token) in self.watches {
            token.cancel();
        }
        for f in self.forwards {
            f.cancel.cancel();
        }
    }

    fn file_job(&self, job: impl FnOnce() + Send + 'static) {
        let _ = self.files.send(Box::new(job));
    }

    /// A fresh token for `view`'s feed; the feed it replaces stops.
    fn watch(&mut self, view: ViewId) -> CancellationToken {
        let token = CancellationToken::new();
        if let Some(old) = self.watches.insert(view, token.clone()) {
            old.cancel();
        }
        token
    }

    /// Polls the metrics the app's screen shows now (nothing when it shows none, or they are off).
    pub fn poll_metrics(&mut self, app: &App) {
        let notify = self.notify();
        self.metrics
            .update(&self.client, app.metrics_want(), &app.metrics, notify);
    }

    /// A change notifier for background feeds: many changes between two frames cost one event.
    fn notify(&self) -> Arc<dyn Fn() + Send + Sync> {
        let (events, flag) = (self.events.clone(), self.changed.clone());
        Arc::new(move || {
            if !flag.swap(true, Ordering::SeqCst) {
                let _ = events.send(AppEvent::Changed);
            }
        })
    }

    /// Connects to `name` and discovers its kinds on a task; the current client serves until it answers.
    fn switch_context(&mut self, name: String) {
        self.switch += 1;
        let (id, path, outcomes) = (self.switch, self.kubeconfig.clone(), self.outcomes.clone());
        tokio::spawn(async move {
            let reach = async {
                let (client, info) = connect::connect(path.as_deref(), Some(&name)).await?;
                let kinds = discovery::discover(&client).await?;
                Ok::<_, tug_cluster::ClusterError>((client, info, kinds))
            };
            let outcome = match tokio::time::timeout(SWITCH_TIMEOUT, reach).await {
                Ok(Ok((client, info, kinds))) => Outcome::Switched {
                    id,
                    client,
                    info,
                    kinds,
                },
                Ok(Err(error)) => Outcome::SwitchFailed {
                    id,
                    context: name,
                    error: error.into(),
                },
                Err(_) => Outcome::SwitchFailed {
                    id,
                    context: name,
                    error: ApiFailure::local(
                        "Timeout",
                        format!("no answer within {}s", SWITCH_TIMEOUT.as_secs()),
                    ),
                },
            };
            let _ = outcomes.send(outcome);
        });
    }

    /// Discovery on the current client (retried: the UI opens even when the server is down, and catches up
    /// when it is back), then the server's version. Stopped when another client replaces this one.
    fn spawn_startup(&mut self, discover: bool) {
        self.startup.cancel();
        self.startup = CancellationToken::new();
        let (client, events, stop) = (
            self.client.clone(),
            self.events.clone(),
            self.startup.clone(),
        );
        tokio::spawn(stop.run_until_cancelled_owned(async move {
            let mut wait = Duration::from_millis(500);
            if discover {
                loop {
                    match discovery::discover(&client).await {
                        Ok(kinds) => {
                            let _ = events.send(AppEvent::Discovered(Ok(kinds)));
                            break;
                        }
                        Err(e) => {
                            let _ = events.send(AppEvent::Discovered(Err(e.into())));
                            tokio::time::sleep(wait).await;
                            wait = (wait * 2).min(Duration::from_secs(30));
                        }
                    }
                }
            }
            if let Ok(v) = connect::server_version(&client).await {
                let _ = events.send(AppEvent::ServerVersion(v));
            }
        }));
    }

    /// The next forward's id, and what its starting task needs.
    fn new_forward(&mut self) -> (u64, kube::Client, mpsc::UnboundedSender<Outcome>) {
        self.next_forward += 1;
        (
            self.next_forward,
            self.client.clone(),
            self.outcomes.clone(),
        )
    }

    fn port_forward(
        &mut self,
        namespace: String,
        pod: String,
        local: std::net::SocketAddr,
        remote: u16,
    ) {
        let (id, client, outcomes) = self.new_forward();
        tokio::spawn(async move {
            let started =
                tug_cluster::portforward::start(&client, id, &namespace, &pod, remote, local).await;
            let _ = outcomes.send(Outcome::Forwarding(started.map_err(|e| e.to_string())));
        });
    }

    /// Reads the declared target, picks its pod and port as `f` would, then starts the forward as `f` does (it
    /// reconnects the same way).
    fn declared_forward(
        &mut self,
        kind: Kind,
        namespace: String,
        name: String,
        local: std::net::SocketAddr,
        remote: u16,
    ) -> u64 {
        let (id, client, outcomes) = self.new_forward();
        tokio::spawn(async move {
            let started = async {
                let obj = tug_cluster::objects::get(&client, &kind, &namespace, &name)
                    .await
                    .map_err(|e| e.to_string())?;
                let (pod, port) = tug_cluster::portforward::declared_target(
                    &client, &kind, &namespace, &obj, remote,
                )
                .await
                .map_err(|e| e.to_string())?;
                tug_cluster::portforward::start(&client, id, &namespace, &pod, port, local)
                    .await
                    .map_err(|e| e.to_string())
            };
            let outcome = match started.await {
                Ok(f) => Outcome::Forwarding(Ok(f)),
                Err(error) => Outcome::ForwardFailed {
                    id,
                    target: format!("{namespace}/{}/{name}:{remote}", kind.kind.to_lowercase()),
                    local,
                    error,
                },
            };
            let _ = outcomes.send(outcome);
        });
        id
    }

    fn forward_rows(&self) -> Vec<ForwardRow> {
        self.forwards
            .iter()
            .map(|f| {
                let (sent, received, connections) = f.counts();
                ForwardRow {
                    id: f.id,
                    target: format!("{}/{}:{}", f.namespace, f.pod(), f.remote_port),
                    reconnects: f.reconnects.load(std::sync::atomic::Ordering::Relaxed),
                    last_error: f.last_error().unwrap_or_default(),
                    local: f.local.to_string(),
                    sent,
                    received,
                    connections,
                }
            })
            .chain(self.failed_forwards.iter().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(id: u64, context: &str) -> Outcome {
        Outcome::SwitchFailed {
            id,
            context: context.into(),
            error: ApiFailure::local("Transport", "connection refused"),
        }
    }

    #[tokio::test]
    async fn only_the_latest_context_switch_is_applied() {
        let config = kube::Config::new("https://127.0.0.1:9".parse().unwrap());
        let client = kube::Client::try_from(config).unwrap();
        let (events, _rx) = mpsc::unbounded_channel();
        let (outcomes, _answers) = mpsc::unbounded_channel();
        let missing = PathBuf::from("/nonexistent/kubeconfig");
        let mut effects = Effects::start(client.clone(), Some(missing), events, outcomes);
        effects.switch_context("first".into());
        effects.switch_context("second".into());

        assert!(effects.settle(failed(1, "first")).is_empty());
        let stale = Outcome::Switched {
            id: 1,
            client,
            info: ClusterInfo {
                context: "first".into(),
                ..Default::default()
            },
            kinds: vec![],
        };
        assert!(effects.settle(stale).is_empty());
        assert!(matches!(
            effects.settle(failed(2, "second")).as_slice(),
            [AppEvent::SwitchFailed { context, .. }] if context == "second"
        ));
        effects.stop();
    }
}
