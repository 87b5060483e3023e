//! The view stack's entries and the view types behind them. Each view type is one file: its state, the
//! actions it answers, and (for tables) the table it shows. Adding a view means a file here, a `Body`
//! variant and its arm in `Body::view`/`Body::view_mut` — nothing else dispatches on the view type.
//! Must not depend on ratatui: `ui` renders what these hold.

mod access_rows;
mod can_i;
mod changes;
mod containers;
mod contexts;
mod explain;
mod filter;
mod fleet;
mod forwards;
mod helm;
mod history;
mod log;
mod problems;
mod pulse;
mod relations;
mod resources;
mod subjects;
mod table;
mod text;
mod timeline;
mod used_by;
mod who_can;
mod xray;

pub use can_i::{CanIView, parse_args as can_i_args};
pub use changes::ChangesView;
pub use containers::ContainersView;
pub use contexts::ContextsView;
pub use filter::Filter;
pub use fleet::{FleetListView, FleetView, Reach, SharedReach};
pub use forwards::{ForwardRow, ForwardsView};
pub use helm::{HelmHistoryView, HelmView};
pub use history::HistoryView;
pub use log::LogView;
pub use pulse::PulseView;
pub use relations::{Mode as RelationsMode, RelationsView};
pub use subjects::SubjectsView;
pub use table::{Sort, TableView};
pub use text::TextView;
pub use timeline::TimelineView;
pub use who_can::{Question, WhoCanView};

use super::{App, Effect};
use crate::config::Action;
use crate::config::keymap::Scope as KeyScope;

pub type ViewId = u64;

/// The view an action is for, as its own handler sees it.
pub struct Me<'a> {
    pub id: ViewId,
    pub title: &'a str,
}

pub struct View {
    pub id: ViewId,
    pub title: String,
    pub body: Body,
}

/// What a view is. Tables of objects (`Table`) and the other tables (`Containers`, `Contexts`, `Forwards`,
/// `History`) share `TableView` for rows, filter, sort and cursor, and differ in what their rows mean.
pub enum Body {
    /// A live table of one kind's objects.
    Table(Box<TableView>),
    /// A pod's containers: logs, shell and attach go to the chosen container.
    Containers(Box<ContainersView>),
    /// `:ctx`: the kubeconfig's contexts.
    Contexts(Box<ContextsView>),
    /// `:pf`: the running port-forwards.
    Forwards(Box<ForwardsView>),
    /// A Deployment's rollout history.
    History(Box<HistoryView>),
    /// An object's timeline (observed revisions, managedFields, events, revisions).
    Timeline(Box<TimelineView>),
    /// `:changes`: the live change feed.
    Changes(Box<ChangesView>),
    /// `:helm`: the Helm releases.
    Helm(Box<HelmView>),
    /// One Helm release's revisions.
    HelmHistory(Box<HelmHistoryView>),
    /// `:pulse`: the cluster's health on one screen.
    Pulse(Box<PulseView>),
    Text(Box<TextView>),
    /// `:can-i`: what the caller may do, per kind and verb.
    CanI(Box<CanIView>),
    /// `:who-can`: the subjects RBAC grants a request to.
    WhoCan(Box<WhoCanView>),
    /// `:subjects`, `:users`, `:groups`.
    Subjects(Box<SubjectsView>),
    Log(Box<LogView>),
    /// `:xray`, used by, `:problems`, explain: a tree of nodes built from one list per kind.
    Relations(Box<RelationsView>),
    Editor(Box<super::editor::EditorView>),
    /// `:fleet`: a summary row per context.
    Fleet(Box<FleetView>),
    /// `:fleet KIND`: one kind's objects across contexts.
    FleetList(Box<FleetListView>),
}

/// What every view type answers. The app resolves a key to an action through the keymap scope the view
/// names, handles global actions itself, and hands the rest to the view.
pub trait ViewType {
    /// Which keymap scope holds this view's own actions (besides the global ones).
    fn key_scope(&self) -> KeyScope {
        KeyScope::Table
    }

    /// The table the view shows, if it is a table.
    fn table(&self) -> Option<&TableView> {
        None
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        None
    }

    /// One of this view's actions (a table's cursor, sort and marks are handled before, for every table).
    /// The view has been taken off the stack for the call, so `app` may push views above it, open dialogs
    /// or flash messages; `me` names the view (its id answers fetches).
    fn act(&mut self, action: Action, app: &mut App, me: &Me) -> Vec<Effect>;
}

impl Body {
    pub fn view(&self) -> &dyn ViewType {
        match self {
            Body::Table(v) => v.as_ref(),
            Body::Containers(v) => v.as_ref(),
            Body::Contexts(v) => v.as_ref(),
            Body::Forwards(v) => v.as_ref(),
            Body::History(v) => v.as_ref(),
            Body::Timeline(v) => v.as_ref(),
            Body::Changes(v) => v.as_ref(),
            Body::Helm(v) => v.as_ref(),
            Body::HelmHistory(v) => v.as_ref(),
            Body::Pulse(v) => v.as_ref(),
            Body::Text(v) => v.as_ref(),
            Body::CanI(v) => v.as_ref(),
            Body::WhoCan(v) => v.as_ref(),
            Body::Subjects(v) => v.as_ref(),
            Body::Log(v) => v.as_ref(),
            Body::Relations(v) => v.as_ref(),
            Body::Editor(v) => v.as_ref(),
            Body::Fleet(v) => v.as_ref(),
            Body::FleetList(v) => v.as_ref(),
        }
    }

    pub fn view_mut(&mut self) -> &mut dyn ViewType {
        match self {
            Body::Table(v) => v.as_mut(),
            Body::Containers(v) => v.as_mut(),
            Body::Contexts(v) => v.as_mut(),
            Body::Forwards(v) => v.as_mut(),
            Body::History(v) => v.as_mut(),
            Body::Timeline(v) => v.as_mut(),
            Body::Changes(v) => v.as_mut(),
            Body::Helm(v) => v.as_mut(),
            Body::HelmHistory(v) => v.as_mut(),
            Body::Pulse(v) => v.as_mut(),
            Body::Text(v) => v.as_mut(),
            Body::CanI(v) => v.as_mut(),
            Body::WhoCan(v) => v.as_mut(),
            Body::Subjects(v) => v.as_mut(),
            Body::Log(v) => v.as_mut(),
            Body::Relations(v) => v.as_mut(),
            Body::Editor(v) => v.as_mut(),
            Body::Fleet(v) => v.as_mut(),
            Body::FleetList(v) => v.as_mut(),
        }
    }

    /// The table of any table view.
    pub fn table(&self) -> Option<&TableView> {
        self.view().table()
    }

    pub fn table_mut(&mut self) -> Option<&mut TableView> {
        self.view_mut().table_mut()
    }

    pub fn key_scope(&self) -> KeyScope {
        self.view().key_scope()
    }
}

impl View {
    /// What stops everything this view runs: its own watch, and any more it started (`:pulse`'s).
    pub fn unwatch(&self) -> Vec<Effect> {
        let mut ids = vec![self.id];
        match &self.body {
            Body::Pulse(p) => ids.extend(p.watch_ids()),
            Body::Fleet(f) => ids.extend(f.watch_ids()),
            Body::FleetList(f) => ids.extend(f.watch_ids()),
            _ => {}
        }
        ids.into_iter().map(Effect::Unwatch).collect()
    }
}

/// The editor takes every key but its own (`App::editor_key`), so actions never reach it through here.
impl ViewType for super::editor::EditorView {
    fn key_scope(&self) -> KeyScope {
        KeyScope::Editor
    }

    fn act(&mut self, _action: Action, _app: &mut App, _me: &Me) -> Vec<Effect> {
        vec![]
    }
}
