//! The runtime: owns the terminal (restored on exit, error, panic and SIGTERM/SIGHUP), merges keys, resizes,
//! ticks and cluster notifications into one loop, performs the app's effects, and redraws only when
//! something changed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::app::{App, AppEvent, Effect, Fetched, Purpose, ViewId};
use tug_cluster::{connect, discovery, objects, table_watch};

/// Ages tick once a second; nothing else is periodic.
const TICK: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(transparent)]
    Cluster(#[from] tug_cluster::ClusterError),
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

pub struct Options {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub all_namespaces: bool,
    pub initial: Option<String>,
    pub readonly: bool,
    pub keymap: Option<String>,
    pub theme: Option<String>,
}

/// Leaves the alternate screen and raw mode however we exit.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// The app, owned by the loop; however the loop ends (a panic included), every unsaved edit is written to its
/// recovery file.
struct Running(App);

impl std::ops::Deref for Running {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.0
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for (key, text) in self.0.unsaved_edits() {
            let _ = crate::recovery::write(&key, &text);
        }
    }
}

pub fn restore_terminal() {
    ratatui::restore();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
}

pub async fn run(opts: Options) -> Result<(), TuiError> {
    let (mut client, info) =
        connect::connect(opts.kubeconfig.as_deref(), opts.context.as_deref()).await?;
    let namespace = if opts.all_namespaces {
        None
    } else {
        Some(
            opts.namespace
                .clone()
                .unwrap_or_else(|| info.namespace.clone()),
        )
    };
    let config = crate::config::Config::load(opts.keymap.as_deref(), opts.theme.as_deref());
    let mut app =
        Running(App::new(info, namespace, opts.initial.clone(), opts.readonly).with_config(config));

    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard;
    // After ratatui's hook, so the terminal is restored before the report is written and announced.
    crate::diagnostics::install_crash_reporter();
    // Test-only: F12 panics, so tests can check what a crash leaves behind.
    let test_panic = std::env::var_os("TUG_TEST_PANIC").is_some();
    if let Ok(size) = terminal.size() {
        app.size = (size.width, size.height);
    }

    let (tx, mut rx) = mpsc::unbounded_channel::<AppEvent>();
    spawn_startup(&client, &tx);
    let changed = Arc::new(AtomicBool::new(false));
    let mut watches: HashMap<ViewId, CancellationToken> = HashMap::new();
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    let mut signals = Signals::new();
    let mut forwards: Vec<tug_cluster::portforward::Forward> = vec![];
    let mut next_forward = 0u64;
    let mut dirty = true;

    while !app.quit {
        if dirty {
            app.prepare();
            terminal.draw(|f| crate::ui::render(&app, f))?;
            dirty = false;
        }
        let event = tokio::select! {
            key = keys.next() => match key {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => {
                    if test_panic && k.code == crossterm::event::KeyCode::F(12) {
                        panic!("test panic requested with F12 (TUG_TEST_PANIC)");
                    }
                    AppEvent::Key(k)
                }
                Some(Ok(Event::Resize(w, h))) => AppEvent::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => break,
            },
            Some(ev) = rx.recv() => ev,
            _ = tick.tick() => AppEvent::Tick,
            _ = signals.recv() => break,
        };
        if matches!(event, AppEvent::Tick) && !forwards.is_empty() {
            app.handle(AppEvent::Forwards(forward_rows(&forwards)));
        }
        if matches!(event, AppEvent::Changed) {
            changed.store(false, Ordering::SeqCst);
        }
        dirty = true;
        for effect in app.handle(event) {
            if matches!(effect, Effect::Suspend) {
                suspend(&mut terminal)?;
                continue;
            }
            match &effect {
                Effect::PortForward {
                    namespace,
                    pod,
                    local,
                    remote,
                } => {
                    next_forward += 1;
                    match tug_cluster::portforward::start(
                        &client,
                        next_forward,
                        namespace,
                        pod,
                        *remote,
                        *local,
                    )
                    .await
                    {
                        Ok(f) => {
                            let msg = format!(
                                "forwarding {} → {namespace}/{pod}:{remote} (:pf lists forwards)",
                                f.local
                            );
                            forwards.push(f);
                            app.handle(AppEvent::Flash(msg, false));
                        }
                        Err(e) => {
                            app.handle(AppEvent::Flash(format!("cannot forward: {e}"), true));
                        }
                    }
                    app.handle(AppEvent::Forwards(forward_rows(&forwards)));
                    continue;
                }
                Effect::StopForward(id) => {
                    forwards.retain(|f| {
                        let stop = f.id == *id;
                        if stop {
                            f.cancel.cancel();
                        }
                        !stop
                    });
                    app.handle(AppEvent::Forwards(forward_rows(&forwards)));
                    app.handle(AppEvent::Flash("port-forward stopped".into(), false));
                    continue;
                }
                _ => {}
            }
            if let Effect::Shell {
                namespace,
                pod,
                container,
                attach,
            } = &effect
            {
                let target = ShellTarget {
                    namespace,
                    pod,
                    container: container.as_deref(),
                    attach: *attach,
                };
                let message =
                    shell(&mut terminal, &client, &target, &mut keys, &app.keymap).await?;
                app.handle(AppEvent::Flash(message.0, message.1));
                continue;
            }
            if let Effect::ExternalEdit { view, text } = &effect {
                // The key reader must not compete with the editor for the terminal's input: stop it, and
                // start a fresh one afterwards.
                // (Dropped before the new one is made: both take the same global reader lock.)
                drop(keys);
                let result = external_edit(&mut terminal, text);
                keys = EventStream::new();
                // Through the channel, so the save it starts has its effects performed.
                let _ = tx.send(AppEvent::ExternalEdited {
                    view: *view,
                    result,
                });
                continue;
            }
            if let Effect::SwitchContext(name) = &effect {
                for (_, token) in watches.drain() {
                    token.cancel();
                }
                match connect::connect(opts.kubeconfig.as_deref(), Some(name)).await {
                    Ok((c, info)) => {
                        client = c;
                        app.handle(AppEvent::Connected(info));
                        spawn_startup(&client, &tx);
                    }
                    Err(e) => {
                        app.handle(AppEvent::Discovered(Err(e.to_string())));
                    }
                }
                continue;
            }
            perform(effect, &client, &tx, &changed, &mut watches, &app.info);
        }
    }
    for (_, token) in watches {
        token.cancel();
    }
    // Forwards stop when tug exits.
    for f in forwards {
        f.cancel.cancel();
    }
    Ok(())
}

/// Where a shell goes: a pod (one of its containers, or the default one), exec'd into or attached to.
struct ShellTarget<'a> {
    namespace: &'a str,
    pod: &'a str,
    container: Option<&'a str>,
    attach: bool,
}

/// Hands the terminal to a shell in a container (main screen, raw mode), then takes it back with a full
/// repaint. Returns the message to show and whether it is an error.
async fn shell(
    terminal: &mut ratatui::DefaultTerminal,
    client: &kube::Client,
    target: &ShellTarget<'_>,
    keys: &mut EventStream,
    keymap: &crate::config::Keymap,
) -> std::io::Result<(String, bool)> {
    let ShellTarget {
        namespace,
        pod,
        container,
        attach,
    } = *target;
    let detach_key = keymap
        .keys(crate::config::Action::ShellDetach)
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    restore_terminal();
    crossterm::terminal::enable_raw_mode()?;
    {
        use std::io::Write as _;
        let mut out = std::io::stdout();
        let target = container
            .map(|c| format!("{pod}/{c}"))
            .unwrap_or_else(|| pod.to_string());
        let _ = write!(
            out,
            "tug: shell in {namespace}/{target} ({detach_key} to detach)\r\n"
        );
        let _ = out.flush();
    }
    let detach = |k: &crossterm::event::KeyEvent| {
        keymap
            .actions(k)
            .contains(&crate::config::Action::ShellDetach)
    };
    let result =
        crate::runtime::shell::run(client, namespace, pod, container, attach, keys, &detach).await;
    take_terminal_back(terminal)?;
    Ok(match result {
        Ok(m) => (m, false),
        Err(e) => (
            match e.code() {
                Some(403) => format!("not allowed: {e}"),
                _ => format!("cannot open a shell in {pod}: {e}"),
            },
            true,
        ),
    })
}

/// Runs `$VISUAL`/`$EDITOR` (else `vi`) on a temporary copy of `text` with the terminal handed over, and
/// returns the file's text afterwards.
fn external_edit(terminal: &mut ratatui::DefaultTerminal, text: &str) -> Result<String, String> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|e| !e.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".into());
    let dir = crate::recovery::dir()
        .map(|d| d.join("external"))
        .ok_or("no data directory for the temporary file")?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("tug-edit-{}.yaml", std::process::id()));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    restore_terminal();
    // Through the shell, as kubectl does: `$EDITOR` may carry arguments (`code --wait`).
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("tug-edit")
        .arg(&path)
        .status();
    take_terminal_back(terminal).map_err(|e| format!("cannot take the terminal back: {e}"))?;
    let result = match status {
        Err(e) => Err(format!("cannot run the editor \"{editor}\": {e}")),
        Ok(s) if !s.success() => Err(format!(
            "the editor \"{editor}\" failed ({s}); nothing was changed"
        )),
        Ok(_) => std::fs::read(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|b| {
                String::from_utf8(b).map_err(|_| "the edited file is not UTF-8 text".to_string())
            }),
    };
    let _ = std::fs::remove_file(&path);
    result
}

/// Ctrl-Z: restore the terminal, stop as the shell expects, and take the terminal back on `fg`.
fn suspend(terminal: &mut ratatui::DefaultTerminal) -> std::io::Result<()> {
    restore_terminal();
    #[cfg(unix)]
    // SAFETY: raising a signal on our own process; SIGTSTP's default action stops us until SIGCONT.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    take_terminal_back(terminal)
}

/// Takes the terminal back after handing it over (suspend, a shell, `$EDITOR`): raw mode, alternate screen,
/// and a full repaint on the next draw.
fn take_terminal_back(terminal: &mut ratatui::DefaultTerminal) -> std::io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
        crossterm::cursor::Hide
    )?;
    // A fresh terminal has no previous frame, so the next draw repaints everything. (`Terminal::clear` would
    // ask the terminal for the cursor position, which a slow SSH link may not answer in time.)
    *terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))?;
    Ok(())
}

fn spawn_startup(client: &kube::Client, tx: &mpsc::UnboundedSender<AppEvent>) {
    let (c, t) = (client.clone(), tx.clone());
    tokio::spawn(async move {
        // Discovery is retried: the UI opens even when the server is down, and catches up when it is back.
        let mut wait = Duration::from_millis(500);
        loop {
            match discovery::discover(&c).await {
                Ok(kinds) => {
                    let _ = t.send(AppEvent::Discovered(Ok(kinds)));
                    break;
                }
                Err(e) => {
                    let _ = t.send(AppEvent::Discovered(Err(format!(
                        "disconnected, retrying: {e}"
                    ))));
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(30));
                }
            }
        }
        if let Ok(v) = connect::server_version(&c).await {
            let _ = t.send(AppEvent::ServerVersion(v));
        }
    });
}

/// A change notifier for background feeds: many changes between two frames cost one redraw.
fn coalescing_notify(
    tx: &mpsc::UnboundedSender<AppEvent>,
    changed: &Arc<AtomicBool>,
) -> Arc<dyn Fn() + Send + Sync> {
    let (t, flag) = (tx.clone(), changed.clone());
    Arc::new(move || {
        if !flag.swap(true, Ordering::SeqCst) {
            let _ = t.send(AppEvent::Changed);
        }
    })
}

fn perform(
    effect: Effect,
    client: &kube::Client,
    tx: &mpsc::UnboundedSender<AppEvent>,
    changed: &Arc<AtomicBool>,
    watches: &mut HashMap<ViewId, CancellationToken>,
    info: &connect::ClusterInfo,
) {
    match effect {
        Effect::Quit
        | Effect::SwitchContext(_)
        | Effect::Suspend
        | Effect::Shell { .. }
        | Effect::PortForward { .. }
        | Effect::StopForward(_)
        | Effect::ExternalEdit { .. } => {}
        Effect::SaveRecovery { key, text } => {
            if let Err(e) = crate::recovery::write(&key, &text) {
                let _ = tx.send(AppEvent::Flash(
                    format!("cannot write the recovery file: {e}"),
                    true,
                ));
            }
        }
        Effect::DropRecovery(key) => crate::recovery::remove(&key),
        Effect::ReadRecovery { view, key } => {
            let _ = tx.send(AppEvent::Fetched {
                view,
                result: Ok(Fetched::Recovered(crate::recovery::read(&key))),
            });
        }
        Effect::SendEdit {
            view,
            kind,
            namespace,
            name,
            object,
            dry_run,
        } => {
            let (c, t) = (client.clone(), tx.clone());
            let (user, context) = (info.user.clone(), info.context.clone());
            tokio::spawn(async move {
                let result = tug_cluster::edit::send(
                    &c,
                    &kind,
                    &namespace,
                    name.as_deref(),
                    &object,
                    dry_run,
                )
                .await
                .map_err(|e| crate::app::editor::SendFailure {
                    code: e.code(),
                    message: e.to_string(),
                });
                tracing::info!(
                    kind = %kind.display(),
                    %namespace,
                    name = name.as_deref().unwrap_or("(new)"),
                    dry_run,
                    error = result.as_ref().err().map(|e| e.message.as_str()),
                    "edit sent"
                );
                if !dry_run {
                    let (verb, shown) = match &name {
                        Some(n) => ("edit", n.clone()),
                        None => (
                            "create",
                            object["metadata"]["name"]
                                .as_str()
                                .unwrap_or_default()
                                .to_string(),
                        ),
                    };
                    let summary = format!("{verb} {}/{shown} in {namespace}", kind.display());
                    let outcome = result.as_ref().map(|_| ()).map_err(|e| e.message.clone());
                    if let Err(e) =
                        crate::journal::append(&user, &context, verb, &summary, "", &outcome)
                    {
                        let _ = t.send(AppEvent::Flash(
                            format!("the journal could not be written: {e}"),
                            true,
                        ));
                    }
                }
                let _ = t.send(AppEvent::EditSent {
                    view,
                    dry_run,
                    result,
                });
            });
        }
        Effect::Watch {
            view,
            kind,
            scope,
            data,
        } => {
            let token = CancellationToken::new();
            let notify = coalescing_notify(tx, changed);
            table_watch::spawn(client.clone(), kind, scope, data, notify, token.clone());
            if let Some(old) = watches.insert(view, token) {
                old.cancel();
            }
        }
        Effect::Logs {
            view,
            target,
            buffer,
        } => {
            let token = CancellationToken::new();
            let notify = coalescing_notify(tx, changed);
            tug_cluster::logs::spawn(client.clone(), target, buffer, notify, token.clone());
            if let Some(old) = watches.insert(view, token) {
                old.cancel();
            }
        }
        Effect::Mutate(mutation) => {
            let (c, t) = (client.clone(), tx.clone());
            let (user, context) = (info.user.clone(), info.context.clone());
            tokio::spawn(async move {
                let summary = mutation.summary();
                let result = match tug_cluster::mutate::apply(&c, &mutation).await {
                    Ok(_) => Ok(()),
                    Err(e) => Err(match e.code() {
                        Some(403) => format!("not allowed: {e}"),
                        Some(409) => format!(
                            "conflict: {e} — nothing was changed; reopen to see the current state"
                        ),
                        _ => format!("{} failed: {e}", mutation.verb()),
                    }),
                };
                match &result {
                    Ok(()) => tracing::info!(%summary, "change sent"),
                    Err(e) => tracing::warn!(%summary, error = %e, "change failed"),
                }
                let detail = match &mutation.op {
                    tug_cluster::mutate::Op::Rollback { deployment, .. } => {
                        format!("image(s): {}", images(deployment))
                    }
                    _ => String::new(),
                };
                let journal = crate::journal::append(
                    &user,
                    &context,
                    mutation.verb(),
                    &summary,
                    &detail,
                    &result,
                );
                let result = match (result, journal) {
                    (r, Ok(())) => r,
                    (Ok(()), Err(e)) => Err(format!(
                        "{summary} succeeded, but the journal could not be written: {e}"
                    )),
                    (Err(e), Err(_)) => Err(e),
                };
                let _ = t.send(AppEvent::Mutated {
                    mutation: Box::new(mutation),
                    result,
                });
            });
        }
        Effect::Journal(view) => {
            let text = crate::journal::tail(200);
            let _ = tx.send(AppEvent::Fetched {
                view,
                result: Ok(Fetched::Text(text)),
            });
        }
        Effect::SaveLog { title, buffer } => {
            let _ = tx.send(match save_log(&title, &buffer) {
                Ok(path) => AppEvent::Flash(format!("saved to {}", path.display()), false),
                Err(e) => AppEvent::Flash(format!("cannot save the log: {e}"), true),
            });
        }
        Effect::Unwatch(view) => {
            if let Some(token) = watches.remove(&view) {
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
            let (c, t) = (client.clone(), tx.clone());
            tokio::spawn(async move {
                let result = match objects::get(&c, &kind, &namespace, &name).await {
                    Err(e) => Err(e.to_string()),
                    Ok(obj) => Ok(match purpose {
                        Purpose::Yaml => Fetched::Object(obj),
                        Purpose::Edit => Fetched::Edit(obj),
                        Purpose::EditLatest => Fetched::Latest(obj),
                        Purpose::Describe => {
                            Fetched::Text(objects::describe(&c, &kind, &obj).await)
                        }
                        Purpose::Events => match objects::events_of(&c, &obj).await {
                            Ok(events) => {
                                Fetched::Text(objects::events_text(&events, jiff::Timestamp::now()))
                            }
                            Err(e) => Fetched::Text(format!("cannot list events: {e}")),
                        },
                        Purpose::Shell | Purpose::Attach => {
                            let containers =
                                obj["spec"]["containers"].as_array().map_or(0, Vec::len);
                            if containers > 1 {
                                Fetched::Drill {
                                    target: objects::DrillDown::Containers,
                                    object: obj,
                                }
                            } else {
                                Fetched::ShellInto {
                                    namespace: namespace.clone(),
                                    pod: name.clone(),
                                    attach: purpose == Purpose::Attach,
                                }
                            }
                        }
                        Purpose::PortForward => {
                            match forward_target(&c, &kind, &namespace, &obj).await {
                                Ok((pod, port)) => Fetched::ForwardPort {
                                    namespace: namespace.clone(),
                                    pod,
                                    port,
                                },
                                Err(e) => Fetched::Text(format!("cannot port-forward: {e}")),
                            }
                        }
                        Purpose::Pause => Fetched::Paused {
                            kind: kind.clone(),
                            namespace: namespace.clone(),
                            name: name.clone(),
                            paused: obj["spec"]["paused"].as_bool() == Some(true),
                        },
                        Purpose::History => match objects::replica_sets_of(&c, &obj).await {
                            Ok(sets) => Fetched::History(crate::app::actions::History {
                                kind: kind.clone(),
                                deployment: obj,
                                sets,
                            }),
                            Err(e) => Fetched::Text(format!("cannot read the history: {e}")),
                        },
                        Purpose::Logs => match objects::drill_down(&kind, &obj) {
                            objects::DrillDown::Pods(scope) => match scope.label_selector {
                                Some(sel) => Fetched::Logs(tug_cluster::logs::LogTarget {
                                    namespace: namespace.clone(),
                                    pods: tug_cluster::logs::PodSet::Selector(sel),
                                    container: None,
                                    previous: false,
                                    tail: tug_cluster::logs::DEFAULT_TAIL,
                                    since: None,
                                }),
                                None => Fetched::Text(format!(
                                    "{} {name} has no pods to show logs of",
                                    kind.kind
                                )),
                            },
                            _ => Fetched::Text(format!(
                                "{} {name} has no pods to show logs of",
                                kind.kind
                            )),
                        },
                        Purpose::DrillDown => Fetched::Drill {
                            target: objects::drill_down(&kind, &obj),
                            object: obj,
                        },
                    }),
                };
                let _ = t.send(AppEvent::Fetched { view, result });
            });
        }
    }
}

/// The pod and port a forward goes to: the pod itself, or for a service or deployment one of its ready pods
/// (a service's numeric target port, else the pod's first container port).
async fn forward_target(
    client: &kube::Client,
    kind: &tug_cluster::discovery::Kind,
    namespace: &str,
    obj: &serde_json::Value,
) -> Result<(String, u16), String> {
    let first_port = |pod: &serde_json::Value| {
        pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["ports"].as_array().into_iter().flatten())
            .find_map(|p| p["containerPort"].as_u64())
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(80)
    };
    if kind.is("", "pods") {
        return Ok((
            obj["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            first_port(obj),
        ));
    }
    let objects::DrillDown::Pods(scope) = objects::drill_down(kind, obj) else {
        return Err("it selects no pods".into());
    };
    let sel = scope.label_selector.ok_or("it selects no pods")?;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("labelSelector", &sel)
        .finish();
    let req = http::Request::get(format!("/api/v1/namespaces/{namespace}/pods?{query}"))
        .body(vec![])
        .map_err(|e| e.to_string())?;
    let list: serde_json::Value = client
        .request(req)
        .await
        .map_err(|e| tug_cluster::ClusterError::from(e).to_string())?;
    let ready = |p: &&serde_json::Value| {
        p["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
            && p["metadata"]["deletionTimestamp"].is_null()
    };
    let pod = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(ready)
        .ok_or("none of its pods is ready")?;
    let service_port = obj["spec"]["ports"][0]["targetPort"]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok());
    Ok((
        pod["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        service_port.unwrap_or_else(|| first_port(pod)),
    ))
}

fn forward_rows(forwards: &[tug_cluster::portforward::Forward]) -> Vec<crate::app::ForwardRow> {
    forwards
        .iter()
        .map(|f| {
            let (sent, received, connections) = f.counts();
            crate::app::ForwardRow {
                id: f.id,
                target: format!("{}/{}:{}", f.namespace, f.pod, f.remote_port),
                local: f.local.to_string(),
                sent,
                received,
                connections,
            }
        })
        .collect()
}

/// The images of a Deployment's pod template, for the journal.
fn images(deployment: &serde_json::Value) -> String {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["image"].as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes a log view's lines under the platform data dir (`…/tug/logs/<title>-<time>.log`).
fn save_log(title: &str, buffer: &tug_cluster::logs::SharedLog) -> std::io::Result<PathBuf> {
    use std::io::Write as _;
    let dir = crate::config::data_dir()
        .map(|d| d.join("logs"))
        .ok_or_else(|| std::io::Error::other("no home directory"))?;
    std::fs::create_dir_all(&dir)?;
    let name: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
    let path = dir.join(format!("{name}-{stamp}.log"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let b = buffer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for line in b.iter() {
        let tag = b
            .sources
            .get(line.source as usize)
            .map(String::as_str)
            .unwrap_or_default();
        if let Some(t) = &line.time {
            write!(out, "{t} ")?;
        }
        if !tag.is_empty() {
            write!(out, "{tag} ")?;
        }
        writeln!(out, "{}", line.text)?;
    }
    out.flush()?;
    Ok(path)
}

/// SIGTERM and SIGHUP end the loop (and so restore the terminal).
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            let term = async {
                match self.term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            let hup = async {
                match self.hup.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = term => {}
                _ = hup => {}
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}
