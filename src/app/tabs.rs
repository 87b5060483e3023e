//! Tabs (and the panes inside a tab): each pane is its own view stack and namespace, so filters, cursors and
//! sorts stay with the views they belong to. The focused pane of the active tab lives in `App::stack` and
//! `App::namespace` — the rest of the app keeps working on "the views on screen" unchanged — and every other
//! pane is parked in `Workspace` until it is focused again (`App::park` / `App::unpark` move one into the
//! other). Views parked are not refreshed: `App::prepare` only derives what is drawn.

use std::mem;

use crossterm::event::KeyEvent;

use super::{App, Body, Effect, View, ViewId};
use crate::config::Action;
use crate::config::keymap::Scope as KeyScope;

/// A tab as saved for the next start (`restore_tabs: true`): its view's kind, namespace and filter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedTab {
    /// The context tug was on (a tab of another context, `:tab ctx`, comes back only with it).
    pub context: String,
    /// The context the tab's views talked to, when not `context`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// As typed after `:` (`pods`, `deployments.apps`).
    pub kind: String,
    /// `None`: all namespaces.
    pub namespace: Option<String>,
    #[serde(default)]
    pub filter: String,
}

/// The tabs open when tug quit, and which was on screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedTabs {
    pub tabs: Vec<SavedTab>,
    #[serde(default)]
    pub active: usize,
}

/// At most this many tabs: one digit jumps to each.
pub const MAX_TABS: usize = 9;

/// One view stack with its namespace (`None`: all namespaces).
#[derive(Default)]
pub struct Pane {
    pub stack: Vec<View>,
    pub namespace: Option<String>,
}

/// How a tab's two panes share its area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    /// Side by side.
    #[default]
    Right,
    /// One above the other.
    Down,
}

/// One tab: its panes, one or two (the focused one's slot is empty while it is live in `App`).
pub struct Tab {
    pub panes: Vec<Pane>,
    pub focus: usize,
    pub split: Split,
    /// The first pane's share of the tab's width (side by side) or height (stacked), in percent.
    pub ratio: u16,
    /// A log pane follows the cursor of the pod list in the other pane.
    pub follow: bool,
}

impl Tab {
    fn new() -> Self {
        Self {
            panes: vec![Pane::default()],
            focus: 0,
            split: Split::Right,
            ratio: 50,
            follow: true,
        }
    }
}

/// A pane keeps its title line, its table's column header and at least this many rows.
pub const MIN_PANE_ROWS: u16 = 5;
/// Narrower than this, a pod list loses the columns that say anything.
pub const MIN_PANE_COLS: u16 = 50;
/// Resizing moves the split by this many percent, within `RATIO_RANGE`.
const RATIO_STEP: u16 = 10;
const RATIO_RANGE: std::ops::RangeInclusive<u16> = 20..=80;

/// The (columns, rows) of two panes sharing `area` (title lines included); side by side they are one column
/// apart.
pub fn split_sizes(area: (u16, u16), split: Split, ratio: u16) -> [(u16, u16); 2] {
    let (w, h) = area;
    match split {
        Split::Right => {
            let inner = w.saturating_sub(1);
            let first = (u32::from(inner) * u32::from(ratio) / 100) as u16;
            [(first, h), (inner - first, h)]
        }
        Split::Down => {
            let first = (u32::from(h) * u32::from(ratio) / 100) as u16;
            [(w, first), (w, h - first)]
        }
    }
}

/// Whether a pane of this size keeps its header and `MIN_PANE_ROWS` rows, at a readable width.
fn fits((w, h): (u16, u16)) -> bool {
    w >= MIN_PANE_COLS && h >= 2 + MIN_PANE_ROWS
}

/// Table rows a pane of `rows` lines shows (title, column header and one spare line off).
pub fn page_of(rows: u16) -> usize {
    usize::from(rows).saturating_sub(3).max(1)
}

/// The open tabs; `active` is the one on screen.
pub struct Workspace {
    pub tabs: Vec<Tab>,
    pub active: usize,
}

impl Default for Workspace {
    fn default() -> Self {
        Self {
            tabs: vec![Tab::new()],
            active: 0,
        }
    }
}

/// What a new tab opens: a copy of the current view.
enum Copy {
    Table {
        kind: tug_cluster::discovery::Kind,
        scope: tug_cluster::table_watch::Scope,
        title: String,
        filter: super::Filter,
        sort: Option<(super::views::Sort, bool)>,
        wide: bool,
    },
    Log {
        title: String,
        target: tug_cluster::logs::LogTarget,
    },
}

impl App {
    /// Moves the live pane into its slot of the workspace (the app then holds no views).
    pub(super) fn park(&mut self) {
        let ws = &mut self.workspace;
        let tab = &mut ws.tabs[ws.active];
        let slot = &mut tab.panes[tab.focus];
        slot.stack = mem::take(&mut self.stack);
        slot.namespace = self.namespace.clone();
    }

    /// Makes the focused pane of the active tab the live one.
    pub(super) fn unpark(&mut self) {
        let ws = &mut self.workspace;
        let tab = &mut ws.tabs[ws.active];
        let slot = &mut tab.panes[tab.focus];
        self.stack = mem::take(&mut slot.stack);
        self.namespace = slot.namespace.take();
        // A view acting on the stack it came from must know the stack changed.
        self.generation += 1;
    }

    /// Each tab's name (context/view) and whether it is the active one, for the tab bar.
    pub fn tab_names(&self) -> Vec<(String, bool)> {
        let ws = &self.workspace;
        ws.tabs
            .iter()
            .enumerate()
            .map(|(i, tab)| {
                let stack = if i == ws.active {
                    &self.stack
                } else {
                    &tab.panes[tab.focus].stack
                };
                let Some(view) = stack.last() else {
                    return (format!("{}/…", self.info.context), i == ws.active);
                };
                // A view of another context's tab is titled "CONTEXT: view" (`App::for_context`).
                let name = match self.contexts_of.get(&view.id) {
                    Some(context) => {
                        let title = view.title.strip_prefix(&format!("{context}: "));
                        format!("{context}/{}", title.unwrap_or(&view.title))
                    }
                    None => format!("{}/{}", self.info.context, view.title),
                };
                (name, i == ws.active)
            })
            .collect()
    }

    /// The area the panes of a tab share: the terminal less the tab bar, header and footer.
    pub fn panes_area(&self) -> (u16, u16) {
        (
            self.size.0,
            self.size.1.saturating_sub(2 + self.tab_bar_rows()),
        )
    }

    /// The active tab's two pane sizes in pane order, if it is split and the terminal holds both (else only
    /// the focused pane is drawn, over the whole area).
    pub fn split_shown(&self) -> Option<(Split, [(u16, u16); 2])> {
        let tab = &self.workspace.tabs[self.workspace.active];
        if tab.panes.len() < 2 {
            return None;
        }
        let sizes = split_sizes(self.panes_area(), tab.split, tab.ratio);
        sizes.iter().all(|s| fits(*s)).then_some((tab.split, sizes))
    }

    /// The focused pane's size (columns, rows with its title line).
    pub fn focused_size(&self) -> (u16, u16) {
        match self.split_shown() {
            Some((_, sizes)) => sizes[self.workspace.tabs[self.workspace.active].focus],
            None => self.panes_area(),
        }
    }

    /// The pane of the active tab that is on screen but not focused, and its size.
    pub fn other_pane(&self) -> Option<(&Pane, (u16, u16), usize)> {
        let (_, sizes) = self.split_shown()?;
        let tab = &self.workspace.tabs[self.workspace.active];
        let other = 1 - tab.focus;
        Some((&tab.panes[other], sizes[other], other))
    }

    /// Derives the visible rows of the unfocused pane on screen (`prepare` does the focused one).
    pub(super) fn prepare_other(&mut self) {
        let Some((_, sizes)) = self.split_shown() else {
            return;
        };
        let now = self.now;
        let tab = &mut self.workspace.tabs[self.workspace.active];
        let other = 1 - tab.focus;
        let page = page_of(sizes[other].1);
        let Some(v) = tab.panes[other].stack.last_mut() else {
            return;
        };
        // The same catching up as the focused pane's top view (`App::prepare`).
        Self::prepare_fleet(v);
        if let Body::Relations(r) = &mut v.body {
            r.catch_up(now);
        }
        if let Some(t) = v.body.table_mut() {
            t.refresh(page);
        }
    }

    /// Splits the active tab: the new pane, focused, opens on a copy of the current view; refused when the
    /// terminal cannot give both panes their header and rows.
    fn split(&mut self, split: Split) -> Vec<Effect> {
        let tab = &self.workspace.tabs[self.workspace.active];
        if tab.panes.len() > 1 {
            self.flash("the tab is already split (Ctrl-T x closes a pane)", true);
            return vec![];
        }
        let sizes = split_sizes(self.panes_area(), split, 50);
        if !sizes.iter().all(|s| fits(*s)) {
            let (w, h) = self.size;
            let need = match split {
                Split::Right => format!("{} columns", 2 * MIN_PANE_COLS + 1),
                Split::Down => {
                    format!("{} rows", 2 * (2 + MIN_PANE_ROWS) + 2 + self.tab_bar_rows())
                }
            };
            let how = match split {
                Split::Right => "side by side",
                Split::Down => "stacked",
            };
            self.flash(
                format!("too small to split {how} at {w}x{h}: each pane needs its header and {MIN_PANE_ROWS} rows at {MIN_PANE_COLS} columns ({need})"),
                true,
            );
            return vec![];
        }
        let copy = self.stack.iter().rev().find_map(copy_of);
        self.park();
        let tab = &mut self.workspace.tabs[self.workspace.active];
        tab.split = split;
        tab.ratio = 50;
        tab.panes.push(Pane {
            stack: vec![],
            namespace: self.namespace.clone(),
        });
        tab.focus = 1;
        self.unpark();
        self.open_copy(copy)
    }

    /// Moves the focus to the other pane.
    fn pane_focus(&mut self) -> Vec<Effect> {
        if self.workspace.tabs[self.workspace.active].panes.len() > 1 {
            self.park();
            let tab = &mut self.workspace.tabs[self.workspace.active];
            tab.focus = 1 - tab.focus;
            self.unpark();
        }
        vec![]
    }

    /// Swaps the two panes' places; the focus stays with its views.
    fn pane_swap(&mut self) -> Vec<Effect> {
        let tab = &mut self.workspace.tabs[self.workspace.active];
        if tab.panes.len() > 1 {
            tab.panes.swap(0, 1);
            tab.focus = 1 - tab.focus;
        }
        vec![]
    }

    /// Gives the focused pane more (`grow`) or less room, as long as both still fit.
    fn pane_resize(&mut self, grow: bool) -> Vec<Effect> {
        let area = self.panes_area();
        let tab = &mut self.workspace.tabs[self.workspace.active];
        if tab.panes.len() < 2 {
            return vec![];
        }
        // The ratio is the first pane's share: growing the second shrinks it.
        let up = grow == (tab.focus == 0);
        let ratio = if up {
            tab.ratio + RATIO_STEP
        } else {
            tab.ratio.saturating_sub(RATIO_STEP)
        };
        let sizes = split_sizes(area, tab.split, ratio);
        if RATIO_RANGE.contains(&ratio) && sizes.iter().all(|s| fits(*s)) {
            tab.ratio = ratio;
        } else {
            self.flash("the other pane cannot get smaller", true);
        }
        vec![]
    }

    /// Closes the focused pane (its watches stop); the other one takes the tab.
    fn pane_close(&mut self) -> Vec<Effect> {
        if self.workspace.tabs[self.workspace.active].panes.len() < 2 {
            return self.tab_close();
        }
        let effects = self.clear_stack();
        let tab = &mut self.workspace.tabs[self.workspace.active];
        tab.panes.remove(tab.focus);
        tab.focus = 0;
        self.unpark();
        effects
    }

    /// Follow selection: a log pane of one pod, beside a pod list with the focus, shows the logs of the
    /// list's selected pod. Called after each event; does nothing unless the target changed.
    pub(super) fn follow_selection(&mut self) -> Vec<Effect> {
        let tab = &self.workspace.tabs[self.workspace.active];
        if tab.panes.len() < 2 || !tab.follow {
            return vec![];
        }
        let Some(t) = self.stack.last().and_then(|v| v.body.table()) else {
            return vec![];
        };
        if !t.kind.as_ref().is_some_and(|k| k.is("", "pods")) {
            return vec![];
        }
        let Some((ns, pod)) = t.selected_row() else {
            return vec![];
        };
        let capacity = self.log_capacity;
        let tab = &mut self.workspace.tabs[self.workspace.active];
        let other = 1 - tab.focus;
        let Some(view) = tab.panes[other].stack.last_mut() else {
            return vec![];
        };
        let Body::Log(log) = &mut view.body else {
            return vec![];
        };
        let tug_cluster::logs::PodSet::One(current) = &log.target.pods else {
            return vec![];
        };
        if *current == *pod && log.target.namespace == *ns {
            return vec![];
        }
        let target = tug_cluster::logs::LogTarget {
            namespace: ns.to_string(),
            pods: tug_cluster::logs::PodSet::One(pod.to_string()),
            container: None,
            ..log.target.clone()
        };
        let mut next = super::LogView::new(target.clone(), capacity);
        (next.timestamps, next.wrap) = (log.timestamps, log.wrap);
        let buffer = next.buffer.clone();
        **log = next;
        view.title = format!("logs/{pod}");
        // Same view id: the runtime replaces that view's stream.
        vec![Effect::Logs {
            view: view.id,
            target,
            buffer,
        }]
    }

    /// Rows the tab bar takes (shown only with more than one tab).
    pub fn tab_bar_rows(&self) -> u16 {
        u16::from(self.workspace.tabs.len() > 1)
    }

    /// Ctrl-T was pressed: the next key is a tab command.
    pub(super) fn tab_prefix(&mut self) -> Vec<Effect> {
        self.tab_prefix = true;
        let hints: Vec<String> = crate::config::keymap::hints(&self.keymap, KeyScope::Tabs)
            .into_iter()
            .map(|(k, l)| format!("{k}:{l}"))
            .collect();
        self.flash(format!("tab: {} 1-9:go to", hints.join(" ")), false);
        vec![]
    }

    /// The key after the prefix; any key that is no tab command just ends the prefix.
    pub(super) fn tab_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        self.tab_prefix = false;
        self.flash = None;
        let Some(action) = self.keymap.action(key, KeyScope::Tabs) else {
            return vec![];
        };
        match action {
            Action::TabNew => self.tab_new(),
            Action::TabClose => self.tab_close(),
            Action::TabNext => {
                let n = self.workspace.tabs.len();
                self.tab_go((self.workspace.active + 1) % n)
            }
            Action::TabPrevious => {
                let n = self.workspace.tabs.len();
                self.tab_go((self.workspace.active + n - 1) % n)
            }
            Action::PaneSplitRight => self.split(Split::Right),
            Action::PaneSplitDown => self.split(Split::Down),
            Action::PaneFocus => self.pane_focus(),
            Action::PaneSwap => self.pane_swap(),
            Action::PaneGrow => self.pane_resize(true),
            Action::PaneShrink => self.pane_resize(false),
            Action::PaneClose => self.pane_close(),
            Action::PaneFollow => {
                let tab = &mut self.workspace.tabs[self.workspace.active];
                tab.follow = !tab.follow;
                let on = if tab.follow { "on" } else { "off" };
                self.flash(format!("follow selection {on}"), false);
                vec![]
            }
            a => match tab_number(a) {
                Some(i) if i < self.workspace.tabs.len() => self.tab_go(i),
                Some(i) => {
                    self.flash(format!("no tab {}", i + 1), true);
                    vec![]
                }
                None => vec![],
            },
        }
    }

    /// Shows tab `i`.
    pub(super) fn tab_go(&mut self, i: usize) -> Vec<Effect> {
        if i != self.workspace.active && i < self.workspace.tabs.len() {
            self.park();
            self.workspace.active = i;
            self.unpark();
        }
        vec![]
    }

    /// Opens a tab after the current one, on a copy of the current view (kind, namespace scope, filter, sort),
    /// or of the nearest one below it that can be copied.
    pub(super) fn tab_new(&mut self) -> Vec<Effect> {
        if self.workspace.tabs.len() >= MAX_TABS {
            self.flash(format!("at most {MAX_TABS} tabs"), true);
            return vec![];
        }
        let copy = self.stack.iter().rev().find_map(copy_of);
        self.park();
        let at = self.workspace.active + 1;
        self.workspace.tabs.insert(at, Tab::new());
        self.workspace.active = at;
        // The new tab starts in the same namespace: `park` left it in place.
        self.generation += 1;
        self.open_copy(copy)
    }

    /// `:tab ctx NAME`: a tab whose views talk to context `NAME` (its client, its guardrails), opened on the
    /// start-up kind; the current context's tab stays as it is. On the current context it is a new tab.
    pub(super) fn tab_on_context(&mut self, context: &str) -> Vec<Effect> {
        if context == self.info.context {
            return self.tab_new();
        }
        if !self.info.contexts.iter().any(|c| c == context) {
            self.flash(format!("no context \"{context}\" in the kubeconfig"), true);
            return vec![];
        }
        if self.workspace.tabs.len() >= MAX_TABS {
            self.flash(format!("at most {MAX_TABS} tabs"), true);
            return vec![];
        }
        self.park();
        let at = self.workspace.active + 1;
        self.workspace.tabs.insert(at, Tab::new());
        self.workspace.active = at;
        self.generation += 1;
        let initial = self.initial.clone();
        self.for_context(context, |app| app.command(&initial))
    }

    /// A `:` command typed in a tab on another context runs as that context's (`:ns`, `:deploy` open its
    /// views); switching context, `:fleet` and tab commands stay the app's.
    pub(super) fn command_in_tab(&mut self, line: &str) -> Vec<Effect> {
        let first = line.split_whitespace().next().unwrap_or_default();
        let global = matches!(
            first,
            "ctx" | "context" | "contexts" | "fleet" | "tab" | "q" | "q!" | "quit" | "exit"
        );
        let context = self
            .top()
            .and_then(|v| self.contexts_of.get(&v.id))
            .filter(|c| **c != self.info.context)
            .cloned();
        match context {
            Some(context) if !global => self.for_context(&context, |app| app.command(line)),
            _ => self.command(line),
        }
    }

    fn open_copy(&mut self, copy: Option<Copy>) -> Vec<Effect> {
        match copy {
            Some(Copy::Table {
                kind,
                scope,
                title,
                filter,
                sort,
                wide,
            }) => {
                let effects = self.push_table(kind, scope, title);
                if let Some(t) = self.stack.last_mut().and_then(|v| v.body.table_mut()) {
                    t.filter = filter;
                    t.sort = sort;
                    t.wide = wide;
                }
                effects
            }
            Some(Copy::Log { title, target }) => self.open_logs(title, target),
            None => {
                let initial = self.initial.clone();
                self.command(&initial)
            }
        }
    }

    /// Closes the active tab, stopping what its views watched; the last tab stays (`q` quits).
    pub(super) fn tab_close(&mut self) -> Vec<Effect> {
        if self.workspace.tabs.len() <= 1 {
            self.flash("the last tab stays open (q quits)", true);
            return vec![];
        }
        let mut effects = self.clear_stack();
        let tab = self.workspace.tabs.remove(self.workspace.active);
        for pane in tab.panes {
            effects.extend(pane.stack.iter().flat_map(View::unwatch));
        }
        self.workspace.active = self.workspace.active.min(self.workspace.tabs.len() - 1);
        self.unpark();
        effects
    }

    /// Closes every tab but the active one's live pane (a context switch replaces all views).
    pub(super) fn close_parked(&mut self) -> Vec<Effect> {
        mem::take(&mut self.workspace)
            .parked_views()
            .flat_map(View::unwatch)
            .collect()
    }

    /// Runs `f` with the pane holding view `id` live (an answer for a view in another tab reaches it there),
    /// then puts the panes back as they were.
    pub(super) fn in_pane_of<R>(&mut self, id: ViewId, f: impl FnOnce(&mut Self) -> R) -> R {
        if self.stack.iter().any(|v| v.id == id) {
            return f(self);
        }
        let found = self.workspace.tabs.iter().enumerate().find_map(|(t, tab)| {
            tab.panes
                .iter()
                .position(|p| p.stack.iter().any(|v| v.id == id))
                .map(|p| (t, p))
        });
        let Some((t, p)) = found else {
            return f(self);
        };
        let (active, focus_there) = (self.workspace.active, self.workspace.tabs[t].focus);
        self.park();
        self.workspace.active = t;
        self.workspace.tabs[t].focus = p;
        self.unpark();
        let r = f(self);
        self.park();
        self.workspace.tabs[t].focus = focus_there;
        self.workspace.active = active;
        self.unpark();
        r
    }
}

impl App {
    /// The view `id`, live or parked: answers for views in another tab or pane reach them.
    pub(super) fn view_anywhere_mut(&mut self, id: ViewId) -> Option<&mut View> {
        let parked = self
            .workspace
            .tabs
            .iter_mut()
            .flat_map(|t| &mut t.panes)
            .flat_map(|p| &mut p.stack);
        self.stack.iter_mut().chain(parked).find(|v| v.id == id)
    }
}

impl Workspace {
    /// Every view not live (in other tabs and panes), for updates that reach all views.
    pub fn parked_views(&self) -> impl Iterator<Item = &View> {
        self.tabs
            .iter()
            .flat_map(|t| &t.panes)
            .flat_map(|p| &p.stack)
    }
}

impl App {
    /// The tabs to save at exit: each tab's nearest object table (kind, namespace, filter); logs and other
    /// views are not restored.
    pub fn saved_tabs(&self) -> SavedTabs {
        let ws = &self.workspace;
        let mut out = SavedTabs::default();
        for (i, tab) in ws.tabs.iter().enumerate() {
            let stack = if i == ws.active {
                &self.stack
            } else {
                &tab.panes[tab.focus].stack
            };
            let Some(Copy::Table {
                kind,
                scope,
                filter,
                ..
            }) = stack
                .iter()
                .rev()
                .filter(|v| matches!(v.body, Body::Table(_)))
                .find_map(copy_of)
            else {
                continue;
            };
            if i == ws.active {
                out.active = out.tabs.len();
            }
            let on = stack
                .last()
                .and_then(|v| self.contexts_of.get(&v.id))
                .filter(|c| **c != self.info.context)
                .cloned();
            out.tabs.push(SavedTab {
                context: self.info.context.clone(),
                on,
                kind: kind.display(),
                namespace: scope.namespace,
                filter: filter.display(),
            });
        }
        out
    }

    /// Opens the saved tabs of the current context (after discovery); false if there were none to open.
    pub(super) fn open_saved(&mut self, saved: SavedTabs) -> Option<Vec<Effect>> {
        let mut effects = vec![];
        let mut opened = 0;
        let mut active = 0;
        for (i, t) in saved.tabs.iter().enumerate() {
            // A tab on a context the kubeconfig no longer has is dropped.
            let gone =
                t.on.as_ref()
                    .is_some_and(|c| !self.info.contexts.contains(c));
            if t.context != self.info.context || opened == MAX_TABS || gone {
                continue;
            }
            let Some(kind) = tug_cluster::discovery::find(&self.kinds, &t.kind).cloned() else {
                continue;
            };
            if opened > 0 {
                self.park();
                self.workspace.tabs.push(Tab::new());
                self.workspace.active = self.workspace.tabs.len() - 1;
                self.generation += 1;
            }
            if i == saved.active {
                active = opened;
            }
            self.namespace = t.namespace.clone();
            let open = |app: &mut App| {
                let scope = app.scope_for(&kind);
                let title = kind.display();
                app.push_table(kind, scope, title)
            };
            effects.extend(match &t.on {
                Some(context) => self.for_context(context, open),
                None => open(self),
            });
            // A filter that no longer parses is dropped, not an error at start.
            if let (Ok(f), Some(v)) = (
                super::Filter::parse(&t.filter),
                self.stack.last_mut().and_then(|v| v.body.table_mut()),
            ) {
                v.filter = f;
            }
            opened += 1;
        }
        if opened == 0 {
            return None;
        }
        effects.extend(self.tab_go(active));
        Some(effects)
    }
}

/// What a new tab copies of `view`, if it can be opened afresh (an object table, or logs).
fn copy_of(view: &View) -> Option<Copy> {
    match &view.body {
        Body::Log(l) => Some(Copy::Log {
            title: view.title.clone(),
            target: l.target.clone(),
        }),
        Body::Table(t) => {
            let kind = t.kind.clone()?;
            Some(Copy::Table {
                kind,
                scope: t.scope.clone(),
                title: view.title.clone(),
                filter: t.filter.clone(),
                sort: t.sort,
                wide: t.wide,
            })
        }
        _ => None,
    }
}

/// Which tab a "go to tab N" action means (0-based).
fn tab_number(a: Action) -> Option<usize> {
    const GO: [Action; MAX_TABS] = [
        Action::TabGo1,
        Action::TabGo2,
        Action::TabGo3,
        Action::TabGo4,
        Action::TabGo5,
        Action::TabGo6,
        Action::TabGo7,
        Action::TabGo8,
        Action::TabGo9,
    ];
    GO.iter().position(|g| *g == a)
}
