//! Application state and its transitions: `App::handle(event) -> effects`. Pure with respect to I/O: the
//! runtime (`src/runtime`) performs the effects (watches, fetches) and feeds results back as events.
//! Must not depend on ratatui rendering or call the API.

pub mod access;
pub mod actions;
pub mod copy;
pub mod editor;
mod fetched;
mod fleet;
pub mod guard;
mod helm;
mod help;
mod messages;
pub mod metrics;
mod plugin_form;
mod plugins;
mod prompt;
mod rbac_commands;
mod rollout;
mod set_image;
mod shared;
pub mod tabs;
pub mod views;
mod whatchanged;
pub mod wording;

use std::sync::{Arc, Mutex};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::keymap::Scope as KeyScope;
use crate::config::{Action, Keymap, Theme};
pub use messages::{AppEvent, Effect, Fetched, Purpose};
pub use plugins::PluginRun;
use tug_cluster::connect::ClusterInfo;
use tug_cluster::discovery::{self, Kind};
use tug_cluster::objects::DrillDown;
use tug_cluster::table_watch::Scope;
use tug_model::table::TableData;
pub use views::{
    Body, ContainersView, ContextsView, Filter, ForwardRow, ForwardsView, HistoryView, LogView,
    Reach, SharedReach, TableView, TextView, View, ViewId,
};

use tug_cluster::logs::{LogTarget, PodSet};

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Command(String),
    Filter(String),
    /// The help overlay, scrolled this many lines.
    Help {
        scroll: u16,
    },
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
    /// The guardrails in force for the current context, and the settings they come from (for a switch).
    pub guardrails: guard::Guardrails,
    guard_settings: crate::config::settings::Settings,
    /// A table's filter when the filter prompt opened (the prompt filters live; Esc puts this back).
    filter_before: Option<Filter>,
    /// Counts replacements of the whole stack, so a view acting on it knows whether it still belongs there.
    generation: u64,
    /// What each run-time action (k9s hotkey or plugin) does.
    customs: std::collections::HashMap<Action, crate::config::k9s::Custom>,
    /// k9s custom column layouts (`views.yaml`), by resource name as k9s writes it.
    views: std::collections::BTreeMap<String, Arc<tug_model::custom_columns::ViewLayout>>,
    /// What the server says the caller is and may do, for the current context.
    pub access: access::AccessState,
    /// The latest CPU and memory samples (the runtime's poll writes them).
    pub metrics: tug_cluster::metrics::SharedMetrics,
    pub metrics_settings: crate::config::settings::MetricsSettings,
    /// The tabs and panes not on screen (the focused pane is `stack` and `namespace`).
    pub workspace: tabs::Workspace,
    /// The tabs prefix was pressed: the next key is a tab command.
    tab_prefix: bool,
    /// The tabs saved at the last exit, opened once discovery is done (`restore_tabs: true`).
    pub restore: Option<tabs::SavedTabs>,
    /// The table watches the views share.
    pub shared: shared::SharedWatches,
    /// Read-only from the command line (the rule for another context's rows starts from it).
    readonly_cli: bool,
    /// Views opened for another context than the current one (from a fleet row), and that context.
    contexts_of: std::collections::HashMap<ViewId, String>,
    /// The context the open dialog's changes go to, when it is not the current one.
    dialog_context: Option<String>,
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
            // Until the runtime's first tick (sent before the first frame).
            now: jiff::Timestamp::UNIX_EPOCH,
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
            guardrails: guard::Guardrails::default(),
            guard_settings: crate::config::settings::Settings::default(),
            filter_before: None,
            generation: 0,
            customs: std::collections::HashMap::new(),
            views: Default::default(),
            access: Default::default(),
            metrics: Default::default(),
            metrics_settings: Default::default(),
            workspace: Default::default(),
            tab_prefix: false,
            restore: None,
            shared: Default::default(),
            readonly_cli: readonly,
            contexts_of: Default::default(),
            dialog_context: None,
        }
    }

    /// Uses the loaded keymap and theme, and reports what was wrong with the user's files.
    pub fn with_config(mut self, config: crate::config::Config) -> Self {
        self.keymap = config.keymap;
        self.theme = config.theme;
        self.guardrails = guard::Guardrails::for_context(&config.settings, &self.info.context);
        self.guard_settings = config.settings.clone();
        self.aliases = config.settings.aliases;
        self.log_capacity = config.settings.log_lines.max(1);
        self.readonly |= config.settings.readonly
            || config
                .settings
                .readonly_contexts
                .contains(&self.info.context);
        self.readonly_contexts = config.settings.readonly_contexts;
        self.customs = config.customs.into_iter().collect();
        self.views = config.views;
        self.metrics_settings = config.settings.metrics.0.clone();
        if let Some(e) = config.errors.first() {
            let more = match config.errors.len() - 1 {
                0 => String::new(),
                n => format!("; {n} more problem(s) in config files"),
            };
            self.flash(format!("{e} (using defaults){more}"), true);
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

    /// In read-only mode, says `action` is disabled; true if it is.
    fn refuse_in_readonly(&mut self, action: Action) -> bool {
        if self.readonly {
            let what = match action {
                Action::PortForward => "port-forward",
                a => a.name(),
            };
            self.flash(format!("read-only mode: {what} is disabled"), true);
        }
        self.readonly
    }

    fn flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some(Flash {
            text: text.into(),
            error,
        });
    }

    /// Rows visible in the table body at the current terminal size (header, title, footer take 5 lines).
    pub fn page(&self) -> usize {
        tabs::page_of(self.focused_size().1)
    }

    /// Refreshes derived state (filtered rows, cursor bounds) before a draw; cheap when nothing changed.
    pub fn prepare(&mut self) {
        let page = self.page();
        let width = self.focused_size().0 as usize;
        // Only the views on screen (the top of each pane shown): views below them, and other tabs, catch up
        // when they are back on screen, so churn in a list left behind costs nothing.
        self.prepare_other();
        let now = self.now;
        let Some(v) = self.stack.last_mut() else {
            return;
        };
        if let Body::Pulse(p) = &mut v.body {
            p.recount(&metrics::lock(&self.metrics));
        }
        Self::prepare_fleet(v);
        if let Body::Relations(r) = &mut v.body {
            r.catch_up(now);
        }
        match &mut v.body {
            // The editor has no table header but a status line: one row more than a table page.
            Body::Editor(e) => {
                let cols = width.saturating_sub(e.gutter());
                e.scroll_to_cursor(page + 1, cols);
            }
            b => {
                if let Some(t) = b.table_mut() {
                    t.refresh(page);
                }
            }
        }
        metrics::track_on_screen(v, page);
    }

    /// One event in, the effects to perform out; views of the same kind and scope share one watch.
    pub fn handle(&mut self, event: AppEvent) -> Vec<Effect> {
        let mut effects = self.handle_event(event);
        effects.extend(self.follow_selection());
        self.share(effects)
    }

    fn handle_event(&mut self, event: AppEvent) -> Vec<Effect> {
        match event {
            AppEvent::Key(key) => self.key(key),
            AppEvent::Resize(w, h) => {
                self.size = (w, h);
                vec![]
            }
            AppEvent::Tick(now) => {
                self.now = now;
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
                // Discovery succeeds once per client: at start and after each `:ctx`.
                let mut effects = self.declared_forwards();
                if self.stack.is_empty()
                    && let Some(saved) = self.restore.take()
                    && let Some(opened) = self.open_saved(saved)
                {
                    effects.extend(opened);
                } else if self.stack.is_empty() {
                    let initial = self.initial.clone();
                    // As typed after `:`, so aliases (k9s's too) work with `-c`.
                    effects.extend(self.command(&initial));
                }
                effects
            }
            AppEvent::Discovered(Err(e)) => {
                self.disconnected = Some(wording::disconnected(&e));
                vec![]
            }
            AppEvent::Fetched { view, result } => {
                self.answer_for(view, |app| app.fetched(view, result))
            }
            AppEvent::OnContext { context, event } => {
                self.for_context(&context, |app| app.handle(*event))
            }
            AppEvent::Access(answer) => self.access_answer(answer),
            AppEvent::Mutated { mutation, result } => {
                use tug_cluster::mutate::Op;
                match (&result, &mutation.op) {
                    (Ok(()), Op::Rollback { .. } | Op::RollbackRevision { .. }) => {
                        self.last_undo = self.undo_candidate.take()
                    }
                    (Ok(()), Op::SetTemplate { .. }) => self.last_undo = None,
                    _ => {}
                }
                let summary = mutation.summary();
                match result {
                    Ok(()) => self.flash(format!("done: {summary}"), false),
                    Err(e) => self.flash(wording::mutation_failed(&mutation, &e), true),
                }
                vec![]
            }
            AppEvent::Forwards(rows) => {
                for v in self.stack.iter().chain(self.workspace.parked_views()) {
                    if let Body::Forwards(f) = &v.body {
                        f.update(&rows);
                    }
                }
                self.forwards = rows;
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
            } => self.answer_for(view, |app| app.editor_sent(view, dry_run, result)),
            AppEvent::ExternalEdited { view, result } => {
                self.answer_for(view, |app| app.editor_external_done(view, result))
            }
            AppEvent::PluginDone {
                title,
                output,
                code,
            } => self.plugin_done(title, output, code),
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
        let mut view = TableView::new(Some(kind.clone()), scope.clone(), data.clone());
        if let Some(layout) = crate::config::k9s::views::for_kind(&self.views, &kind) {
            view.set_layout(layout.clone());
        }
        view.metrics = self.metrics_link(&kind);
        if view.metrics.is_some() && kind.is("", "pods") {
            view.add_computed(metrics::spec_columns());
        }
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
        let mut effects = self.clear_stack();
        let scope = self.scope_for(&kind);
        let title = kind.display();
        effects.extend(self.push_table(kind, scope, title));
        effects
    }

    /// The forwards the settings declare for this context, to start now; none in read-only mode, which refuses
    /// forwards.
    fn declared_forwards(&mut self) -> Vec<Effect> {
        if self.readonly {
            return vec![];
        }
        let mut effects = vec![];
        for f in self.guard_settings.forwards_for(&self.info.context) {
            let Some(kind) = discovery::find(&self.kinds, &f.target.kind).cloned() else {
                self.flash(
                    format!(
                        "cannot forward {}: unknown resource \"{}\"",
                        f.target, f.target.kind
                    ),
                    true,
                );
                continue;
            };
            effects.push(Effect::DeclaredForward {
                context: self.info.context.clone(),
                kind,
                namespace: f.namespace.unwrap_or_else(|| self.info.namespace.clone()),
                name: f.target.name,
                local: std::net::SocketAddr::from(([127, 0, 0, 1], f.local)),
                remote: f.remote.get(),
            });
        }
        effects
    }

    /// Empties the view stack (a new root view or context follows), stopping what the views watched.
    fn clear_stack(&mut self) -> Vec<Effect> {
        self.generation += 1;
        self.contexts_of.clear();
        self.stack.drain(..).flat_map(|v| v.unwatch()).collect()
    }

    fn pop(&mut self) -> Vec<Effect> {
        if self.stack.len() <= 1 {
            return vec![];
        }
        match self.stack.pop() {
            Some(v) => v.unwatch(),
            None => vec![],
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return vec![Effect::Quit];
        }
        if !matches!(self.mode, Mode::Dialog(_)) {
            self.dialog_context = None;
        }
        if self.tab_prefix && self.mode == Mode::Normal {
            return self.tab_key(&key);
        }
        match self.mode.clone() {
            Mode::Help { scroll } => self.help_key(&key, scroll),
            Mode::Command(input) => self.prompt_key(key, input, true),
            Mode::Filter(input) => self.prompt_key(key, input, false),
            // A dialog opened for another context's object is answered as that context's.
            Mode::Dialog(d) => match self.dialog_context.clone() {
                Some(context) => self.for_context(&context, |app| app.dialog_key(key, *d)),
                None => self.dialog_key(key, *d),
            },
            Mode::Normal if matches!(self.top().map(|v| &v.body), Some(Body::Editor(_))) => {
                match self.top_context() {
                    Some(context) => self.for_context(&context, |app| app.editor_key(key)),
                    None => self.editor_key(key),
                }
            }
            Mode::Normal => self.normal_key(key),
        }
    }

    /// The keymap scope of the top view (the view's own keys, and globals where they apply).
    pub fn key_scope(&self) -> KeyScope {
        if self.tab_prefix {
            return KeyScope::Tabs;
        }
        self.top().map_or(KeyScope::Table, |v| v.body.key_scope())
    }

    /// The action a key means in the top view.
    fn action_for(&self, key: &KeyEvent) -> Option<Action> {
        let scope = self.key_scope();
        // A run-time action only where it applies (a plugin in the kinds it names).
        self.keymap.actions(key).iter().copied().find(|a| {
            a.offered_in(scope) && (!matches!(a, Action::Custom(_)) || self.custom_offered(*a))
        })
    }

    /// The help of the view on top, its run-time actions first.
    pub fn help_lines(&self) -> Vec<crate::config::keymap::HelpLine> {
        crate::config::keymap::help_lines_where(
            &self.keymap,
            self.key_scope(),
            |a| self.custom_offered(a),
            |a| self.rbac_denial(a),
        )
    }

    /// The footer hints of the view on top, run-time actions included where they apply.
    pub fn hints(&self) -> Vec<(String, &'static str)> {
        crate::config::keymap::hints_where(&self.keymap, self.key_scope(), |a| {
            !matches!(a, Action::Custom(_)) || self.custom_offered(a)
        })
    }

    fn normal_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        // A message stays until the next key.
        self.flash = None;
        let Some(action) = self.action_for(&key) else {
            return vec![];
        };
        // A view talking to another context: its actions are that context's (the global ones stay here).
        if let Some(context) = self.top_context()
            && !matches!(
                action,
                Action::Command
                    | Action::Filter
                    | Action::Help
                    | Action::Quit
                    | Action::Back
                    | Action::AllNamespaces
                    | Action::Suspend
            )
        {
            return self.for_context(&context, |app| app.normal_action(&key, action));
        }
        self.normal_action(&key, action)
    }

    /// `action` (from `key`) in normal mode, as the current context's.
    fn normal_action(&mut self, key: &KeyEvent, action: Action) -> Vec<Effect> {
        if self.denied(action) || self.rbac_refuses(action) {
            return vec![];
        }
        if let Some(effects) = self.copy(action) {
            return effects;
        }
        match action {
            Action::Command => {
                self.mode = Mode::Command(String::new());
                return vec![];
            }
            Action::Filter => {
                self.mode = Mode::Filter(String::new());
                self.filter_before = match self.top().map(|v| &v.body) {
                    Some(Body::Log(l)) => Some(l.search.clone().unwrap_or_default()),
                    Some(b) => b.table().map(|t| t.filter.clone()),
                    None => None,
                };
                return vec![];
            }
            Action::Help => {
                self.mode = Mode::Help { scroll: 0 };
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
                if let Some(t) = self.top_mut().and_then(|v| v.body.table_mut())
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
            Action::TabPrefix => return self.tab_prefix(),
            Action::Custom(_) => return self.custom_action(action),
            a if (a.mutates() || a == Action::History)
                && !matches!(self.top().map(|v| &v.body), Some(Body::Forwards(_))) =>
            {
                if let Some(effects) = self.mutation_guard(a) {
                    return effects;
                }
            }
            _ => {}
        }
        self.act_on_top(action)
    }

    /// Hands `action` to the view on top. The view is taken off the stack for the call (so it may use the
    /// whole app) and put back under whatever it pushed, unless the stack was replaced meanwhile.
    fn act_on_top(&mut self, action: Action) -> Vec<Effect> {
        let page = self.page();
        let Some(mut view) = self.stack.pop() else {
            return vec![];
        };
        if let Some(t) = view.body.table_mut()
            && t.act(action, page)
        {
            self.stack.push(view);
            return vec![];
        }
        let (depth, generation) = (self.stack.len(), self.generation);
        let me = views::Me {
            id: view.id,
            title: &view.title,
        };
        let mut effects = view.body.view_mut().act(action, self, &me);
        if self.generation == generation {
            self.stack.insert(depth.min(self.stack.len()), view);
        } else {
            effects.extend(view.unwatch());
        }
        effects
    }

    pub(super) fn open_logs(&mut self, title: String, target: LogTarget) -> Vec<Effect> {
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

    pub(super) fn switch_context(&mut self, name: &str) -> Vec<Effect> {
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
        let mut effects = self.clear_stack();
        effects.extend(self.close_parked());
        self.kinds.clear();
        crate::app::metrics::lock(&self.metrics).clear();
        self.server_version.clear();
        self.switching = None;
        if self.readonly_contexts.contains(&info.context) {
            self.readonly = true;
        }
        self.guardrails = guard::Guardrails::for_context(&self.guard_settings, &info.context);
        self.namespace = Some(info.namespace.clone());
        self.flash(format!("context {}", info.context), false);
        self.info = info;
        effects
    }
}

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod panes_tests;
#[cfg(test)]
mod shared_tests;
#[cfg(test)]
mod tabs_tests;
#[cfg(test)]
mod tests;
