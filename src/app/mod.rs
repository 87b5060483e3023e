//! Application state and its transitions: `App::handle(event) -> effects`. Pure with respect to I/O: the
//! runtime (`tui`) performs the effects (watches, fetches) and feeds results back as events.
//! Must not depend on ratatui rendering or call the API.

pub mod view;

use std::sync::{Arc, Mutex};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::cluster::connect::ClusterInfo;
use crate::cluster::discovery::{self, Kind};
use crate::cluster::objects::DrillDown;
use crate::cluster::table_watch::Scope;
use crate::model::table::TableData;
pub use view::{Body, Filter, TableView, TextView, View, ViewId};

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
    Fetched {
        view: ViewId,
        result: Result<Fetched, String>,
    },
}

#[derive(Debug)]
pub enum Fetched {
    Text(String),
    Drill {
        target: DrillDown,
        object: serde_json::Value,
    },
}

impl std::fmt::Debug for DrillDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DrillDown::Pods(s) => write!(f, "Pods({s:?})"),
            DrillDown::Containers => write!(f, "Containers"),
            DrillDown::Nothing => write!(f, "Nothing"),
        }
    }
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
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Yaml,
    Describe,
    DrillDown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Command(String),
    Filter(String),
    Help,
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
        }
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
        for v in &mut self.stack {
            if let Body::Table(t) = &mut v.body {
                t.refresh(page);
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
                if self.stack.is_empty() {
                    let initial = self.initial.clone();
                    return self.open_kind(&initial);
                }
                vec![]
            }
            AppEvent::Discovered(Err(e)) => {
                self.flash(format!("discovery failed: {e}"), true);
                vec![]
            }
            AppEvent::Fetched { view, result } => self.fetched(view, result),
        }
    }

    fn fetched(&mut self, id: ViewId, result: Result<Fetched, String>) -> Vec<Effect> {
        let Some(pos) = self.stack.iter().position(|v| v.id == id) else {
            return vec![]; // the view was closed meanwhile: drop the stale answer
        };
        match result {
            Err(e) => {
                if matches!(self.stack[pos].body, Body::Text(_)) {
                    self.stack.remove(pos);
                }
                self.flash(e, true);
                vec![]
            }
            Ok(Fetched::Text(text)) => {
                if let Body::Text(t) = &mut self.stack[pos].body {
                    t.set_text(&text);
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
                        let (columns, rows) = crate::cluster::objects::containers(&object);
                        let id = self.id();
                        let mut data = TableData::default();
                        data.replace_all(columns, rows);
                        let view =
                            TableView::new(None, Scope::default(), Arc::new(Mutex::new(data)));
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
        self.flash = None;
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
                self.mode = wrap(input);
                vec![]
            }
            _ => vec![],
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
            ("help", _) => {
                self.mode = Mode::Help;
                vec![]
            }
            (name, _) => self.open_kind(name),
        }
    }

    /// Re-opens the bottom view in the current namespace (after `:ns x` or `0`).
    fn reopen_root(&mut self) -> Vec<Effect> {
        let root = self.stack.first().and_then(|v| match &v.body {
            Body::Table(t) => t.kind.clone(),
            Body::Text(_) => None,
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
        let Some(view) = self.top_mut() else {
            return vec![];
        };
        let id = view.id;
        match &mut view.body {
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
                t.filter = Filter::parse(text);
                t.cursor = 0;
                t.offset = 0;
                vec![]
            }
            Body::Text(tv) => {
                tv.search(text);
                vec![]
            }
        }
    }

    fn normal_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let page = self.page();
        match key.code {
            KeyCode::Char(':') => {
                self.mode = Mode::Command(String::new());
                return vec![];
            }
            KeyCode::Char('/') => {
                self.mode = Mode::Filter(String::new());
                return vec![];
            }
            KeyCode::Char('?') => {
                self.mode = Mode::Help;
                return vec![];
            }
            KeyCode::Char('q') if self.stack.len() <= 1 => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            KeyCode::Char('q') => return self.pop(),
            KeyCode::Esc => {
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
            KeyCode::Char('0') => {
                self.namespace = None;
                return self.reopen_root();
            }
            _ => {}
        }
        let Some(view) = self.stack.last_mut() else {
            return vec![];
        };
        match &mut view.body {
            Body::Text(t) => {
                t.key(key.code, page);
                vec![]
            }
            Body::Table(t) => {
                if t.navigate(key.code, key.modifiers, page) {
                    return vec![];
                }
                let Some(row) = t.selected_row() else {
                    return vec![];
                };
                let Some(kind) = t.kind.clone() else {
                    return vec![];
                };
                let (ns, name) = (row.0.to_string(), row.1.to_string());
                let purpose = match key.code {
                    KeyCode::Enter => Purpose::DrillDown,
                    KeyCode::Char('y') => Purpose::Yaml,
                    KeyCode::Char('d') => Purpose::Describe,
                    _ => return vec![],
                };
                if purpose == Purpose::DrillDown {
                    let id = view.id;
                    return vec![Effect::Fetch {
                        view: id,
                        kind,
                        namespace: ns,
                        name,
                        purpose,
                    }];
                }
                let id = self.id();
                let what = if purpose == Purpose::Yaml {
                    "yaml"
                } else {
                    "describe"
                };
                self.stack.push(View {
                    id,
                    title: format!("{what}/{name}"),
                    body: Body::Text(TextView::loading()),
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
}

#[cfg(test)]
mod tests;
