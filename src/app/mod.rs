//! Application state and its transitions: `App::handle(event) -> effects`. Pure with respect to I/O: the
//! runtime (`tui`) performs the effects (watches, fetches) and feeds results back as events.
//! Must not depend on ratatui rendering or call the API.

pub mod actions;
pub mod editor;
pub mod view;

use std::sync::{Arc, Mutex};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::keymap::Scope as KeyScope;
use crate::config::{Action, Keymap, Theme};
use tug_cluster::connect::ClusterInfo;
use tug_cluster::discovery::{self, Kind};
use tug_cluster::objects::DrillDown;
use tug_cluster::table_watch::Scope;
use tug_model::table::TableData;
pub use view::{Body, Filter, LogView, TableView, TextView, View, ViewId};

use tug_cluster::logs::{LogTarget, PodSet};

/// Something that happened: a key, a resize, time passing, or a result from the cluster.
#[derive(Debug)]
pub enum AppEvent {
    Key(KeyEvent),
    Resize(u16, u16),
    Tick,
    /// Some table's data changed (the runtime coalesces these into one redraw).
    Changed,
    Discovered(Result<Vec<Kind>, String>),
    ServerVersion(String),
    /// A change was sent: what, and how it went.
    Mutated {
        summary: String,
        result: Result<(), String>,
    },
    /// The running port-forwards (after a change, and every tick while any run).
    Forwards(Vec<ForwardRow>),
    /// A message for the user from the runtime (a file saved, an I/O error).
    Flash(String, bool),
    /// A context switch is done: the new cluster's identity (discovery follows).
    Connected(ClusterInfo),
    /// A context switch did not reach its cluster; the current context stays.
    SwitchFailed {
        context: String,
        error: String,
    },
    Fetched {
        view: ViewId,
        result: Result<Fetched, String>,
    },
    /// An edited object was sent (or dry-run): the server's answer.
    EditSent {
        view: ViewId,
        dry_run: bool,
        result: Result<serde_json::Value, editor::SendFailure>,
    },
    /// `$EDITOR` returned: the file's text, or why it could not be run or read.
    ExternalEdited {
        view: ViewId,
        result: Result<String, String>,
    },
}

#[derive(Debug)]
pub enum Fetched {
    Text(String),
    /// A Deployment's rollout history.
    History(actions::History),
    /// A pod with one container: straight into it.
    ShellInto {
        namespace: String,
        pod: String,
        attach: bool,
    },
    /// A pod's first container port (to prefill the port-forward dialog).
    ForwardPort {
        namespace: String,
        pod: String,
        port: u16,
    },
    /// Whether a Deployment is paused (to offer pause or resume).
    Paused {
        kind: Kind,
        namespace: String,
        name: String,
        paused: bool,
    },
    /// A workload's pods to stream logs from.
    Logs(LogTarget),
    /// The object itself, for views that render it (YAML with its toggles).
    Object(serde_json::Value),
    Drill {
        target: DrillDown,
        object: serde_json::Value,
    },
    /// An object to edit.
    Edit(serde_json::Value),
    /// The object as it is now, after a conflict.
    Latest(serde_json::Value),
    /// An editor's unsaved buffer found on disk, and when it was saved, if there is one.
    Recovered(Option<(String, jiff::Timestamp)>),
}

/// What the runtime must do for the app.
#[derive(Debug)]
pub enum Effect {
    Watch {
        view: ViewId,
        kind: Kind,
        scope: Scope,
        data: Arc<Mutex<TableData>>,
    },
    Unwatch(ViewId),
    Fetch {
        view: ViewId,
        kind: Kind,
        namespace: String,
        name: String,
        purpose: Purpose,
    },
    /// Stream logs into a view's buffer (stopped by `Unwatch` of that view).
    Logs {
        view: ViewId,
        target: LogTarget,
        buffer: tug_cluster::logs::SharedLog,
    },
    /// Read the journal into a text view.
    Journal(ViewId),
    /// Send a change the user confirmed (journaled by the runtime).
    Mutate(tug_cluster::mutate::Mutation),
    /// Write a log view's buffered lines to a file (the runtime reports where).
    SaveLog {
        title: String,
        buffer: tug_cluster::logs::SharedLog,
    },
    /// Reconnect with another kubeconfig context.
    SwitchContext(String),
    /// Give the terminal back and stop (Ctrl-Z); resumes with a full redraw.
    Suspend,
    /// Start forwarding a local address to a pod's port.
    PortForward {
        namespace: String,
        pod: String,
        local: std::net::SocketAddr,
        remote: u16,
    },
    /// Stop the forward with this id.
    StopForward(u64),
    /// Hand the terminal to a shell in a container; the TUI comes back as it was when it ends.
    Shell {
        namespace: String,
        pod: String,
        container: Option<String>,
        /// Attach to the main process instead of starting a shell.
        attach: bool,
    },
    /// Send an edited object: PUT (`name`) or POST (`None`), possibly as a dry run.
    SendEdit {
        view: ViewId,
        kind: Kind,
        namespace: String,
        name: Option<String>,
        object: serde_json::Value,
        dry_run: bool,
    },
    /// Keep an edit's buffer in its recovery file.
    SaveRecovery {
        key: crate::recovery::EditKey,
        text: String,
    },
    /// The edit was saved or discarded: its recovery file goes.
    DropRecovery(crate::recovery::EditKey),
    /// Look for an editor's unsaved buffer on disk; answered with `Fetched::Recovered`.
    ReadRecovery {
        view: ViewId,
        key: crate::recovery::EditKey,
    },
    /// Hand the text to `$VISUAL`/`$EDITOR` (the TUI steps aside meanwhile).
    ExternalEdit {
        view: ViewId,
        text: String,
    },
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Yaml,
    Describe,
    Events,
    DrillDown,
    Logs,
    History,
    Pause,
    PortForward,
    Shell,
    Attach,
    Edit,
    /// The newest version of an object being edited (after a 409).
    EditLatest,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Command(String),
    Filter(String),
    Help,
    /// A question that must be answered before anything is sent.
    Dialog(Box<actions::Dialog>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
}

pub struct App {
    pub info: ClusterInfo,
    pub server_version: String,
    pub kinds: Vec<Kind>,
    /// `None`: all namespaces.
    pub namespace: Option<String>,
    pub stack: Vec<View>,
    pub mode: Mode,
    pub flash: Option<Flash>,
    pub readonly: bool,
    pub size: (u16, u16),
    pub now: jiff::Timestamp,
    /// The kind to open once discovery is done (`-c`, or pods).
    initial: String,
    next_id: ViewId,
    pub quit: bool,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Why the cluster could not be reached yet (shown until discovery succeeds).
    pub disconnected: Option<String>,
    /// The context a switch is under way to (the latest asked for).
    pub switching: Option<String>,
    /// User command aliases from the settings file.
    pub aliases: std::collections::BTreeMap<String, String>,
    /// Lines kept per log view.
    pub log_capacity: usize,
    /// The inverse of the rollback being confirmed, and of the last one that succeeded.
    undo_candidate: Option<tug_cluster::mutate::Mutation>,
    /// The container last chosen per pod (namespace, pod), for shells and attach.
    last_container: std::collections::HashMap<(String, String), String>,
    /// Port-forwards running in the runtime, for `:pf`.
    pub forwards: Vec<ForwardRow>,
    /// Contexts that are read-only by setting (checked again on a context switch).
    readonly_contexts: Vec<String>,
    last_undo: Option<tug_cluster::mutate::Mutation>,
    /// A table's filter when the filter prompt opened (the prompt filters live; Esc puts this back).
    filter_before: Option<Filter>,
}

impl App {
    pub fn new(
        info: ClusterInfo,
        namespace: Option<String>,
        initial: Option<String>,
        readonly: bool,
    ) -> Self {
        Self {
            info,
            server_version: String::new(),
            kinds: vec![],
            namespace,
            stack: vec![],
            mode: Mode::Normal,
            flash: None,
            readonly,
            size: (80, 24),
            now: jiff::Timestamp::now(),
            initial: initial.unwrap_or_else(|| "pods".into()),
            next_id: 1,
            quit: false,
            keymap: Keymap::default_keymap(),
            theme: Theme::shipped("dark").unwrap_or_default(),
            disconnected: None,
            switching: None,
            aliases: std::collections::BTreeMap::new(),
            log_capacity: tug_model::logbuf::DEFAULT_CAPACITY,
            undo_candidate: None,
            readonly_contexts: vec![],
            forwards: vec![],
            last_container: std::collections::HashMap::new(),
            last_undo: None,
            filter_before: None,
        }
    }

    /// Uses the loaded keymap and theme, and reports what was wrong with the user's files.
    pub fn with_config(mut self, config: crate::config::Config) -> Self {
        self.keymap = config.keymap;
        self.theme = config.theme;
        self.aliases = config.settings.aliases;
        self.log_capacity = config.settings.log_lines.max(1);
        self.readonly |= config.settings.readonly
            || config
                .settings
                .readonly_contexts
                .contains(&self.info.context);
        self.readonly_contexts = config.settings.readonly_contexts;
        if let Some(e) = config.errors.first() {
            self.flash(format!("{e} (using defaults)"), true);
        }
        self
    }

    pub fn top(&self) -> Option<&View> {
        self.stack.last()
    }

    fn top_mut(&mut self) -> Option<&mut View> {
        self.stack.last_mut()
    }

    fn id(&mut self) -> ViewId {
        self.next_id += 1;
        self.next_id
    }

    fn flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some(Flash {
            text: text.into(),
            error,
        });
    }

    /// Rows visible in the table body at the current terminal size (header, title, footer take 5 lines).
    pub fn page(&self) -> usize {
        (self.size.1 as usize).saturating_sub(5).max(1)
    }

    /// Refreshes derived state (filtered rows, cursor bounds) before a draw; cheap when nothing changed.
    pub fn prepare(&mut self) {
        let page = self.page();
        let width = self.size.0 as usize;
        for v in &mut self.stack {
            match &mut v.body {
                Body::Table(t) => t.refresh(page),
                // The editor has no table header but a status line: one row more than a table page.
                Body::Editor(e) => {
                    let cols = width.saturating_sub(e.gutter());
                    e.scroll_to_cursor(page + 1, cols);
                }
                _ => {}
            }
        }
    }

    pub fn handle(&mut self, event: AppEvent) -> Vec<Effect> {
        match event {
            AppEvent::Key(key) => self.key(key),
            AppEvent::Resize(w, h) => {
                self.size = (w, h);
                vec![]
            }
            AppEvent::Tick => {
                self.now = jiff::Timestamp::now();
                vec![]
            }
            AppEvent::Changed => vec![],
            AppEvent::ServerVersion(v) => {
                self.server_version = v;
                vec![]
            }
            AppEvent::Discovered(Ok(kinds)) => {
                self.kinds = kinds;
                self.disconnected = None;
                if self.stack.is_empty() {
                    let initial = self.initial.clone();
                    return self.open_kind(&initial);
                }
                vec![]
            }
            AppEvent::Discovered(Err(e)) => {
                self.disconnected = Some(e);
                vec![]
            }
            AppEvent::Fetched { view, result } => self.fetched(view, result),
            AppEvent::Mutated { summary, result } => {
                if result.is_ok() {
                    if summary.starts_with("roll back ") {
                        self.last_undo = self.undo_candidate.take();
                    } else if summary.starts_with("undo the rollback") {
                        self.last_undo = None;
                    }
                }
                match result {
                    Ok(()) => self.flash(format!("done: {summary}"), false),
                    Err(e) => self.flash(e, true),
                }
                vec![]
            }
            AppEvent::Forwards(rows) => {
                self.forwards = rows;
                self.refresh_forwards_view();
                vec![]
            }
            AppEvent::Flash(text, error) => {
                self.flash(text, error);
                vec![]
            }
            AppEvent::Connected(info) => self.connected(info),
            AppEvent::SwitchFailed { context, error } => {
                self.switching = None;
                self.flash(format!("cannot reach context {context}: {error}"), true);
                vec![]
            }
            AppEvent::EditSent {
                view,
                dry_run,
                result,
            } => self.editor_sent(view, dry_run, result),
            AppEvent::ExternalEdited { view, result } => self.editor_external_done(view, result),
        }
    }

    fn fetched(&mut self, id: ViewId, result: Result<Fetched, String>) -> Vec<Effect> {
        let Some(pos) = self.stack.iter().position(|v| v.id == id) else {
            return vec![]; // the view was closed meanwhile: drop the stale answer
        };
        match result {
            Err(e) => {
                match &mut self.stack[pos].body {
                    Body::Editor(ed) if !matches!(ed.stage, editor::Stage::Loading) => {
                        ed.stage = editor::Stage::Editing;
                        ed.message = Some((format!("cannot read the object: {e}"), true));
                        return vec![];
                    }
                    Body::Text(_) | Body::Editor(_) => {
                        self.stack.remove(pos);
                    }
                    _ => {}
                }
                self.flash(e, true);
                vec![]
            }
            Ok(Fetched::Edit(object)) => self.editor_loaded(id, object),
            Ok(Fetched::Latest(object)) => self.editor_latest(id, object),
            Ok(Fetched::Recovered(found)) => self.editor_recovered(id, found),
            Ok(Fetched::Text(text)) => {
                match &mut self.stack[pos].body {
                    Body::Text(t) => t.set_text(&text),
                    // An answer meant as a message (e.g. a workload without pods to show logs of).
                    _ => self.flash(text, false),
                }
                vec![]
            }
            Ok(Fetched::ShellInto {
                namespace,
                pod,
                attach,
            }) => {
                vec![Effect::Shell {
                    namespace,
                    pod,
                    container: None,
                    attach,
                }]
            }
            Ok(Fetched::ForwardPort {
                namespace,
                pod,
                port,
            }) => {
                self.mode = Mode::Dialog(Box::new(actions::Dialog::Forward {
                    namespace,
                    pod,
                    input: format!("{}:{port}", if port < 1024 { port + 8000 } else { port }),
                    error: None,
                }));
                vec![]
            }
            Ok(Fetched::Paused {
                kind,
                namespace,
                name,
                paused,
            }) => {
                if self.readonly {
                    return vec![];
                }
                self.pause_dialog(kind, namespace, name, paused);
                vec![]
            }
            Ok(Fetched::History(history)) => {
                let name = history.deployment["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                self.show_history(format!("history/{name}"), history)
            }
            Ok(Fetched::Logs(target)) => {
                let title = match &target.pods {
                    PodSet::One(p) => format!("logs/{p}"),
                    PodSet::Selector(sel) => format!("logs/{sel}"),
                };
                self.open_logs(title, target)
            }
            Ok(Fetched::Object(obj)) => {
                if let Body::Text(t) = &mut self.stack[pos].body {
                    t.set_object(obj);
                }
                vec![]
            }
            Ok(Fetched::Drill { target, object }) => {
                let name = object["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                match target {
                    DrillDown::Pods(scope) => {
                        let Some(pods) = discovery::find(&self.kinds, "pods").cloned() else {
                            return vec![];
                        };
                        let title = format!("{}/{name}", self.stack[pos].title);
                        self.push_table(pods, scope, title)
                    }
                    DrillDown::Containers => {
                        let (columns, rows) = tug_cluster::objects::containers(&object);
                        let id = self.id();
                        let mut data = TableData::default();
                        data.replace_all(columns, rows);
                        let mut view =
                            TableView::new(None, Scope::default(), Arc::new(Mutex::new(data)));
                        let ns = object["metadata"]["namespace"].as_str().unwrap_or_default();
                        view.parent = Some((ns.into(), name.as_str().into()));
                        self.flash = Some(Flash {
                            text: "choose a container: s shell, a attach, l logs".into(),
                            error: false,
                        });
                        self.stack.push(View {
                            id,
                            title: format!("containers/{name}"),
                            body: Body::Table(Box::new(view)),
                        });
                        vec![]
                    }
                    DrillDown::Nothing => {
                        self.flash(format!("nothing to open under {name}"), false);
                        vec![]
                    }
                }
            }
        }
    }

    /// Scope of a new view of `kind` in the current namespace.
    fn scope_for(&self, kind: &Kind) -> Scope {
        Scope {
            namespace: if kind.namespaced {
                self.namespace.clone()
            } else {
                None
            },
            ..Default::default()
        }
    }

    fn push_table(&mut self, kind: Kind, scope: Scope, title: String) -> Vec<Effect> {
        let id = self.id();
        let data = Arc::new(Mutex::new(TableData::default()));
        let view = TableView::new(Some(kind.clone()), scope.clone(), data.clone());
        self.stack.push(View {
            id,
            title,
            body: Body::Table(Box::new(view)),
        });
        vec![Effect::Watch {
            view: id,
            kind,
            scope,
            data,
        }]
    }

    /// Replaces the whole stack with a view of the kind named `name` (as `:name` does).
    fn open_kind(&mut self, name: &str) -> Vec<Effect> {
        let Some(kind) = discovery::find(&self.kinds, name).cloned() else {
            self.flash(format!("unknown resource \"{name}\""), true);
            return vec![];
        };
        let mut effects: Vec<Effect> = self
            .stack
            .drain(..)
            .map(|v| Effect::Unwatch(v.id))
            .collect();
        let scope = self.scope_for(&kind);
        let title = kind.display();
        effects.extend(self.push_table(kind, scope, title));
        effects
    }

    fn pop(&mut self) -> Vec<Effect> {
        if self.stack.len() <= 1 {
            return vec![];
        }
        match self.stack.pop() {
            Some(v) => vec![Effect::Unwatch(v.id)],
            None => vec![],
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return vec![Effect::Quit];
        }
        match self.mode.clone() {
            Mode::Help => {
                self.mode = Mode::Normal;
                vec![]
            }
            Mode::Command(input) => self.prompt_key(key, input, true),
            Mode::Filter(input) => self.prompt_key(key, input, false),
            Mode::Dialog(d) => self.dialog_key(key, *d),
            Mode::Normal if matches!(self.top().map(|v| &v.body), Some(Body::Editor(_))) => {
                self.editor_key(key)
            }
            Mode::Normal => self.normal_key(key),
        }
    }

    fn prompt_key(&mut self, key: KeyEvent, mut input: String, command: bool) -> Vec<Effect> {
        let wrap = |s: String| {
            if command {
                Mode::Command(s)
            } else {
                Mode::Filter(s)
            }
        };
        match key.code {
            KeyCode::Esc => {
                self.mode = Mode::Normal;
                if !command {
                    self.restore_filter();
                }
                vec![]
            }
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                if command {
                    self.command(input.trim())
                } else {
                    self.apply_filter(input.trim())
                }
            }
            KeyCode::Backspace => {
                if input.pop().is_none() {
                    self.mode = Mode::Normal;
                } else {
                    if !command {
                        self.live_filter(&input);
                    }
                    self.mode = wrap(input);
                }
                vec![]
            }
            KeyCode::Tab if command => {
                if let Some(done) = self.complete(&input) {
                    input = done;
                }
                self.mode = wrap(input);
                vec![]
            }
            KeyCode::Char(c) => {
                input.push(c);
                if !command {
                    self.live_filter(&input);
                }
                self.mode = wrap(input);
                vec![]
            }
            _ => vec![],
        }
    }

    /// Puts back the table's filter from before the prompt opened (Esc, or a pattern that does not parse).
    fn restore_filter(&mut self) {
        let Some(f) = self.filter_before.take() else {
            return;
        };
        match self.stack.last_mut().map(|v| &mut v.body) {
            Some(Body::Table(t)) => t.filter = f,
            Some(Body::Log(l)) => l.search = (!f.is_empty()).then_some(f),
            _ => {}
        }
    }

    /// A table filters, and a log searches, as the text is typed (Enter keeps it, Esc puts back what was
    /// there). Server-side selectors (`-l`) wait for Enter, and so does a regular expression that does not
    /// parse yet.
    fn live_filter(&mut self, text: &str) {
        let page = self.page();
        match self.stack.last_mut().map(|v| &mut v.body) {
            Some(Body::Table(t)) => {
                if text.trim_start().starts_with("-l") {
                    return;
                }
                if let Ok(f) = Filter::parse(text.trim()) {
                    t.filter = f;
                    t.cursor = 0;
                    t.offset = 0;
                }
            }
            // An unfinished regular expression keeps the last good search.
            Some(Body::Log(l)) if Filter::parse(text.trim()).is_ok() => {
                let _ = l.search(text.trim(), page);
            }
            _ => {}
        }
    }

    /// Completes a kind name typed after `:` (plural, short name or kind).
    pub fn complete(&self, input: &str) -> Option<String> {
        if input.is_empty() || input.contains(' ') {
            return None;
        }
        let mut names: Vec<&str> = self
            .kinds
            .iter()
            .map(|k| k.plural.as_str())
            .filter(|p| p.starts_with(input))
            .collect();
        names.sort_unstable();
        names.first().map(|n| n.to_string())
    }

    fn command(&mut self, line: &str) -> Vec<Effect> {
        // A user alias expands into its command (once: aliases do not chain).
        let first = line.split_whitespace().next().unwrap_or_default();
        let expanded;
        let line = match self.aliases.get(first) {
            Some(target) => {
                expanded = format!("{target}{}", &line[first.len()..]);
                expanded.as_str()
            }
            None => line,
        };
        let mut words = line.split_whitespace();
        let Some(cmd) = words.next() else {
            return vec![];
        };
        let arg = words.next();
        match (cmd, arg) {
            ("q" | "q!" | "quit" | "exit", _) => {
                self.quit = true;
                vec![Effect::Quit]
            }
            ("ns" | "namespace" | "namespaces", Some(ns)) => {
                self.namespace = if ns == "all" || ns == "-A" {
                    None
                } else {
                    Some(ns.to_string())
                };
                self.reopen_root()
            }
            ("ctx" | "context" | "contexts", Some(name)) => self.switch_context(name),
            ("ctx" | "context" | "contexts", None) => self.contexts_view(),
            ("sort", Some(column)) => self.sort_by(column, words.next() == Some("desc")),
            ("pf" | "portforward" | "portforwards", _) => {
                let id = self.id();
                let mut view = TableView::new(
                    None,
                    Scope::default(),
                    Arc::new(Mutex::new(TableData::default())),
                );
                view.forwards = true;
                self.stack.push(View {
                    id,
                    title: "port-forwards".into(),
                    body: Body::Table(Box::new(view)),
                });
                self.refresh_forwards_view();
                vec![]
            }
            ("journal", _) => {
                let id = self.id();
                self.stack.push(View {
                    id,
                    title: "journal".into(),
                    body: Body::Text(Box::new(TextView::loading())),
                });
                vec![Effect::Journal(id)]
            }
            ("help", _) => {
                self.mode = Mode::Help;
                vec![]
            }
            ("create", Some(kind)) => self.open_create(kind),
            ("create", None) => {
                self.flash("usage: :create <kind> (e.g. :create deploy)", true);
                vec![]
            }
            (name, _) => self.open_kind(name),
        }
    }

    /// Re-opens the bottom view in the current namespace (after `:ns x` or `0`).
    fn reopen_root(&mut self) -> Vec<Effect> {
        let root = self.stack.first().and_then(|v| match &v.body {
            Body::Table(t) => t.kind.clone(),
            Body::Text(_) | Body::Log(_) | Body::Editor(_) => None,
        });
        match root {
            Some(kind) => {
                let name = kind.display();
                self.open_kind(&name)
            }
            None => vec![],
        }
    }

    fn apply_filter(&mut self, text: &str) -> Vec<Effect> {
        let page = self.page();
        let before = self.filter_before.take();
        let Some(view) = self.stack.last_mut() else {
            return vec![];
        };
        let id = view.id;
        match &mut view.body {
            Body::Log(l) => {
                if let Err(e) = l.search(text, page) {
                    self.flash = Some(Flash {
                        text: e,
                        error: true,
                    });
                }
                vec![]
            }
            Body::Table(t) => {
                if let Some(sel) = text.strip_prefix("-l").map(str::trim) {
                    // Server-side: restart the watch with the label selector.
                    let Some(kind) = t.kind.clone() else {
                        return vec![];
                    };
                    t.scope.label_selector = (!sel.is_empty()).then(|| sel.to_string());
                    t.reset(Arc::new(Mutex::new(TableData::default())));
                    return vec![
                        Effect::Unwatch(id),
                        Effect::Watch {
                            view: id,
                            kind,
                            scope: t.scope.clone(),
                            data: t.data.clone(),
                        },
                    ];
                }
                match Filter::parse(text) {
                    Ok(f) => t.filter = f,
                    Err(e) => {
                        if let Some(f) = before {
                            t.filter = f;
                        }
                        self.flash = Some(Flash {
                            text: e,
                            error: true,
                        });
                        return vec![];
                    }
                }
                t.cursor = 0;
                t.offset = 0;
                vec![]
            }
            Body::Editor(_) => vec![],
            Body::Text(tv) => {
                tv.search(text);
                vec![]
            }
        }
    }

    /// The action a key means here: text views take text and global actions, tables table and global ones.
    fn action_for(&self, key: &KeyEvent) -> Option<Action> {
        let in_text = matches!(
            self.top().map(|v| &v.body),
            Some(Body::Text(_) | Body::Log(_))
        );
        self.keymap
            .actions(key)
            .iter()
            .copied()
            .find(|a| match a.scope() {
                KeyScope::Global => true,
                KeyScope::Text => in_text,
                KeyScope::Table => !in_text,
                KeyScope::Editor | KeyScope::Shell => false,
            })
    }

    fn normal_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let page = self.page();
        // A message stays until the next key.
        self.flash = None;
        let Some(action) = self.action_for(&key) else {
            return vec![];
        };
        match action {
            Action::Command => {
                self.mode = Mode::Command(String::new());
                return vec![];
            }
            Action::Filter => {
                self.mode = Mode::Filter(String::new());
                self.filter_before = match self.top().map(|v| &v.body) {
                    Some(Body::Table(t)) => Some(t.filter.clone()),
                    Some(Body::Log(l)) => Some(l.search.clone().unwrap_or_default()),
                    _ => None,
                };
                return vec![];
            }
            Action::Help => {
                self.mode = Mode::Help;
                return vec![];
            }
            Action::Quit
                if key.modifiers.contains(KeyModifiers::CONTROL) || self.stack.len() <= 1 =>
            {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Action::Quit => return self.pop(),
            Action::Back => {
                if let Some(View {
                    body: Body::Table(t),
                    ..
                }) = self.top_mut()
                    && !t.filter.is_empty()
                {
                    t.filter = Filter::default();
                    return vec![];
                }
                self.flash = None;
                return self.pop();
            }
            Action::AllNamespaces => {
                self.namespace = None;
                return self.reopen_root();
            }
            Action::Suspend => return vec![Effect::Suspend],
            a if Self::is_mutation(a) || a == Action::History => return self.mutation_key(a),
            _ => {}
        }
        let capacity = self.log_capacity;
        let Some(view) = self.stack.last_mut() else {
            return vec![];
        };
        let view_id = view.id;
        match &mut view.body {
            Body::Editor(_) => vec![],
            Body::Text(t) => {
                if matches!(action, Action::Edit | Action::EditExternal) {
                    return match t.origin.clone() {
                        Some((kind, ns, name)) => {
                            self.open_editor(kind, ns, name, action == Action::EditExternal)
                        }
                        None => vec![],
                    };
                }
                t.act(action, page);
                vec![]
            }
            Body::Log(l) => {
                let mut target = l.target.clone();
                match action {
                    Action::LogSave => {
                        let title = view.title.clone();
                        return vec![Effect::SaveLog {
                            title,
                            buffer: l.buffer.clone(),
                        }];
                    }
                    Action::LogPrevious => target.previous = !target.previous,
                    Action::LogTail => target.since = None,
                    Action::LogSince1m => target.since = Some(60),
                    Action::LogSince5m => target.since = Some(300),
                    Action::LogSince15m => target.since = Some(900),
                    Action::LogSince1h => target.since = Some(3600),
                    _ => {
                        l.act(action, page);
                        return vec![];
                    }
                }
                // Another window of the log: a new stream into a fresh buffer.
                **l = LogView::new(target.clone(), capacity);
                let buffer = l.buffer.clone();
                vec![
                    Effect::Unwatch(view_id),
                    Effect::Logs {
                        view: view_id,
                        target,
                        buffer,
                    },
                ]
            }
            Body::Table(t) => {
                if t.act(action, page) {
                    return vec![];
                }
                if action == Action::Logs {
                    return self.logs_of_selected();
                }
                // `:pf` rows are forwards, not objects (Ctrl-D on them is handled with the other mutations).
                if t.forwards {
                    return vec![];
                }
                if action == Action::PortForward {
                    if self.readonly {
                        self.flash = Some(Flash {
                            text: "read-only mode: port-forward is disabled".into(),
                            error: true,
                        });
                        return vec![];
                    }
                    let Some(kind) = t.kind.clone().filter(|k| {
                        k.is("", "pods") || k.is("", "services") || k.is("apps", "deployments")
                    }) else {
                        self.flash = Some(Flash {
                            text: "port-forward works on pods, services and deployments".into(),
                            error: false,
                        });
                        return vec![];
                    };
                    let Some((ns, name)) = t.selected_row() else {
                        return vec![];
                    };
                    let view = self.stack.last().map(|v| v.id).unwrap_or_default();
                    return vec![Effect::Fetch {
                        view,
                        kind,
                        namespace: ns.to_string(),
                        name: name.to_string(),
                        purpose: Purpose::PortForward,
                    }];
                }
                if action == Action::Shell || action == Action::Attach {
                    let attach = action == Action::Attach;
                    if self.readonly {
                        self.flash = Some(Flash {
                            text: format!("read-only mode: {} is disabled", action.name()),
                            error: true,
                        });
                        return vec![];
                    }
                    let Some((ns, name)) = t.selected_row() else {
                        return vec![];
                    };
                    let (ns, name) = (ns.to_string(), name.to_string());
                    if let Some((pns, pod)) = t.parent.clone() {
                        self.last_container
                            .insert((pns.to_string(), pod.to_string()), name.clone());
                        return vec![Effect::Shell {
                            namespace: pns.to_string(),
                            pod: pod.to_string(),
                            container: Some(name),
                            attach,
                        }];
                    }
                    if let Some(kind) = t.kind.clone().filter(|k| k.is("", "pods")) {
                        // The container chosen last time for this pod, else ask the server how many there are.
                        if let Some(c) = self.last_container.get(&(ns.clone(), name.clone())) {
                            return vec![Effect::Shell {
                                namespace: ns,
                                pod: name,
                                container: Some(c.clone()),
                                attach,
                            }];
                        }
                        let purpose = if attach {
                            Purpose::Attach
                        } else {
                            Purpose::Shell
                        };
                        return vec![Effect::Fetch {
                            view: view_id,
                            kind,
                            namespace: ns,
                            name,
                            purpose,
                        }];
                    }
                    return vec![];
                }
                let Some(row) = t.selected_row() else {
                    return vec![];
                };
                let (ns, name) = (row.0.to_string(), row.1.to_string());
                if let Some(h) = &t.history {
                    return if action == Action::Open {
                        let h = h.as_ref().clone();
                        self.history_diff(&h, &name)
                    } else {
                        vec![]
                    };
                }
                if t.contexts {
                    return if action == Action::Open {
                        self.switch_context(&name)
                    } else {
                        vec![]
                    };
                }
                let Some(kind) = t.kind.clone() else {
                    return vec![];
                };
                if action == Action::Edit || action == Action::EditExternal {
                    return self.open_editor(kind, ns, name, action == Action::EditExternal);
                }
                let (purpose, what) = match action {
                    Action::Open => (Purpose::DrillDown, ""),
                    Action::Yaml => (Purpose::Yaml, "yaml"),
                    Action::Describe => (Purpose::Describe, "describe"),
                    Action::Events => (Purpose::Events, "events"),
                    _ => return vec![],
                };
                if purpose == Purpose::DrillDown {
                    return vec![Effect::Fetch {
                        view: view_id,
                        kind,
                        namespace: ns,
                        name,
                        purpose,
                    }];
                }
                let id = self.id();
                let mut text = TextView::loading();
                text.secret = kind.is("", "secrets");
                text.origin = Some((kind.clone(), ns.clone(), name.clone()));
                self.stack.push(View {
                    id,
                    title: format!("{what}/{name}"),
                    body: Body::Text(Box::new(text)),
                });
                vec![Effect::Fetch {
                    view: id,
                    kind,
                    namespace: ns,
                    name,
                    purpose,
                }]
            }
        }
    }

    /// `l`: logs of the selected pod or container right away; of a workload once its selector is fetched.
    fn logs_of_selected(&mut self) -> Vec<Effect> {
        let Some(View {
            id,
            body: Body::Table(t),
            ..
        }) = self.stack.last()
        else {
            return vec![];
        };
        let Some((ns, name)) = t.selected_row() else {
            return vec![];
        };
        let view = *id;
        if let Some((pns, pod)) = &t.parent {
            let target = LogTarget {
                namespace: pns.to_string(),
                pods: PodSet::One(pod.to_string()),
                container: Some(name.to_string()),
                previous: false,
                tail: tug_cluster::logs::DEFAULT_TAIL,
                since: None,
            };
            return self.open_logs(format!("logs/{pod}/{name}"), target);
        }
        let Some(kind) = t.kind.clone() else {
            return vec![];
        };
        if kind.is("", "pods") {
            let target = LogTarget {
                namespace: ns.to_string(),
                pods: PodSet::One(name.to_string()),
                container: None,
                previous: false,
                tail: tug_cluster::logs::DEFAULT_TAIL,
                since: None,
            };
            return self.open_logs(format!("logs/{name}"), target);
        }
        vec![Effect::Fetch {
            view,
            kind,
            namespace: ns.to_string(),
            name: name.to_string(),
            purpose: Purpose::Logs,
        }]
    }

    fn open_logs(&mut self, title: String, target: LogTarget) -> Vec<Effect> {
        let id = self.id();
        let view = LogView::new(target.clone(), self.log_capacity);
        let buffer = view.buffer.clone();
        self.stack.push(View {
            id,
            title,
            body: Body::Log(Box::new(view)),
        });
        vec![Effect::Logs {
            view: id,
            target,
            buffer,
        }]
    }

    /// `:sort COLUMN [desc]`: sorts the table by any column, by its header name.
    fn sort_by(&mut self, column: &str, descending: bool) -> Vec<Effect> {
        let Some(View {
            body: Body::Table(t),
            ..
        }) = self.stack.last_mut()
        else {
            return vec![];
        };
        let index = t.lock().column(column);
        match index {
            Some(i) => t.sort = Some((view::Sort::Column(i), descending)),
            None => self.flash(format!("no column \"{column}\""), true),
        }
        vec![]
    }

    /// `:ctx`: the kubeconfig's contexts as a table; Enter (or `:ctx name`) switches.
    fn contexts_view(&mut self) -> Vec<Effect> {
        let col = |n: &str| tug_model::table::Column {
            name: n.into(),
            kind: "string".into(),
            priority: 0,
        };
        let rows = self
            .info
            .contexts
            .iter()
            .map(|c| tug_model::table::Row {
                namespace: "".into(),
                name: c.as_str().into(),
                uid: "".into(),
                created: None,
                deleting: false,
                cells: vec![
                    c.as_str().into(),
                    (if *c == self.info.context { "*" } else { "" }).into(),
                ],
            })
            .collect();
        let mut data = TableData::default();
        data.replace_all(vec![col("Name"), col("Current")], rows);
        let mut view = TableView::new(None, Scope::default(), Arc::new(Mutex::new(data)));
        view.contexts = true;
        let id = self.id();
        self.stack.push(View {
            id,
            title: "contexts".into(),
            body: Body::Table(Box::new(view)),
        });
        vec![]
    }

    fn switch_context(&mut self, name: &str) -> Vec<Effect> {
        if !self.info.contexts.iter().any(|c| c == name) {
            self.flash(format!("no context \"{name}\" in the kubeconfig"), true);
            return vec![];
        }
        // The current views keep working until the new context answers.
        self.switching = Some(name.to_string());
        self.flash(format!("switching to context {name}…"), false);
        vec![Effect::SwitchContext(name.to_string())]
    }

    /// After a context switch: the new cluster's identity; its views close, discovery follows.
    pub fn connected(&mut self, info: ClusterInfo) -> Vec<Effect> {
        let effects = self
            .stack
            .drain(..)
            .map(|v| Effect::Unwatch(v.id))
            .collect();
        self.kinds.clear();
        self.server_version.clear();
        self.switching = None;
        if self.readonly_contexts.contains(&info.context) {
            self.readonly = true;
        }
        self.namespace = Some(info.namespace.clone());
        self.flash(format!("context {}", info.context), false);
        self.info = info;
        effects
    }
}

/// One running port-forward, as `:pf` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardRow {
    pub id: u64,
    pub target: String,
    pub local: String,
    pub sent: u64,
    pub received: u64,
    pub connections: u64,
}

impl App {
    /// Rebuilds the `:pf` view's rows from the runtime's latest snapshot.
    fn refresh_forwards_view(&mut self) {
        let col = |n: &str| tug_model::table::Column {
            name: n.into(),
            kind: "string".into(),
            priority: 0,
        };
        let rows: Vec<tug_model::table::Row> = self
            .forwards
            .iter()
            .map(|f| tug_model::table::Row {
                namespace: "".into(),
                name: f.id.to_string().into(),
                uid: "".into(),
                created: None,
                deleting: false,
                cells: vec![
                    f.local.as_str().into(),
                    f.target.as_str().into(),
                    f.connections.to_string().into(),
                    f.sent.to_string().into(),
                    f.received.to_string().into(),
                ],
            })
            .collect();
        for v in &mut self.stack {
            if let Body::Table(t) = &mut v.body
                && t.forwards
            {
                t.lock().replace_all(
                    vec![
                        col("Local"),
                        col("Target"),
                        col("Connections"),
                        col("Bytes-Sent"),
                        col("Bytes-Received"),
                    ],
                    rows.clone(),
                );
            }
        }
    }
}

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;
