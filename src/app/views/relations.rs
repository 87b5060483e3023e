//! The table every relations view shares (`:xray`, used by, `:problems`, explain): nodes built from one
//! snapshot (one list per kind, then watched: `tug_cluster::relations::spawn_watch`), shown as an indented,
//! collapsible tree whose STATUS cell carries the health colour; rebuilt on screen when the snapshot changed
//! (at most every [`REBUILD_EVERY`]), so it is live without a request while the cluster is idle. Enter jumps to the node's object (its own view), and the
//! object actions (logs, shell, describe, edit, delete…) act on the node as they would on its row in the
//! kind's table. What each mode builds is in its own file (`xray.rs`, `used_by.rs`, `problems.rs`,
//! `explain.rs`).

use std::collections::HashSet;

use super::{Me, TableView, ViewType};
use crate::app::{App, Effect};
use crate::config::Action;
use tug_cluster::discovery::Kind;
use tug_cluster::logs::{DEFAULT_TAIL, LogTarget, PodSet};
use tug_cluster::relations::{SharedLive, lock};
use tug_cluster::table_watch::Scope;
use tug_model::relations::{KindKey, Node, Target, flatten};
use tug_model::table::Row;

/// A burst of changes rebuilds the tree at most this often (a rebuild at 10,000 pods walks them all).
pub const REBUILD_EVERY: std::time::Duration = std::time::Duration::from_millis(300);

const COLUMNS: &[&str] = &["NAME", "KIND", "NAMESPACE", "STATUS", "DETAIL"];

/// What a relations view shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// The trees of a kind's objects (`only`: of one of them).
    Xray {
        group: String,
        plural: String,
        only: Option<(String, String)>,
    },
    /// What uses the object.
    UsedBy(Target),
    /// Every unhealthy object in the scope.
    Problems,
    /// Why the object is unhealthy.
    Explain(Target),
}

pub struct RelationsView {
    pub table: TableView,
    pub mode: Mode,
    /// The lists each fetch makes.
    kinds: Vec<Kind>,
    namespace: Option<String>,
    nodes: Vec<Node>,
    /// What each row (by index, its key) stands for: where Enter leads and what the actions act on.
    rows: Vec<Target>,
    collapsed: HashSet<Target>,
    /// The snapshot its watches keep current.
    live: SharedLive,
    /// The snapshot's version the nodes were built from, and when.
    seen: u64,
    built: Option<std::time::Instant>,
    pub loaded: bool,
}

impl RelationsView {
    pub fn new(mode: Mode, kinds: Vec<Kind>, namespace: Option<String>) -> Self {
        let table = TableView::fixed(COLUMNS, vec![]);
        table.lock().feed = tug_model::table::Feed::Loading;
        Self {
            table,
            mode,
            kinds,
            namespace,
            nodes: vec![],
            rows: vec![],
            collapsed: HashSet::new(),
            live: SharedLive::default(),
            seen: 0,
            built: None,
            loaded: false,
        }
    }

    /// The watches that keep the view's snapshot live (stopped when the view closes).
    pub fn watch(&self, view: super::ViewId) -> Effect {
        Effect::Relations {
            view,
            kinds: self.kinds.clone(),
            namespace: self.namespace.clone(),
            explain: match &self.mode {
                Mode::Explain(t) => Some(t.clone()),
                _ => None,
            },
            live: self.live.clone(),
        }
    }

    /// On screen, each frame: rebuilds the nodes when the snapshot moved and the last build is older than
    /// [`REBUILD_EVERY`] (a later frame, at the latest the next tick, picks up what was held back).
    pub fn catch_up(&mut self, now: jiff::Timestamp) {
        let live = self.live.clone();
        let data = lock(&live);
        if !data.loaded {
            if let Some(error) = &data.error {
                self.table.lock().feed = tug_model::table::Feed::Reconnecting {
                    error: error.clone(),
                    attempt: 1,
                };
            }
            return;
        }
        if data.version == self.seen || self.built.is_some_and(|t| t.elapsed() < REBUILD_EVERY) {
            return;
        }
        self.seen = data.version;
        self.built = Some(std::time::Instant::now());
        self.nodes = match &self.mode {
            Mode::Xray {
                group,
                plural,
                only,
            } => super::xray::nodes(&data.snapshot, group, plural, only.as_ref(), now),
            Mode::UsedBy(t) => super::used_by::nodes(&data.snapshot, t, now),
            Mode::Problems => super::problems::nodes(&data.snapshot, now),
            Mode::Explain(t) => super::explain::nodes(&data, t, now),
        };
        drop(data);
        self.loaded = true;
        self.show();
    }

    /// Rebuilds the rows from the nodes, skipping collapsed subtrees.
    fn show(&mut self) {
        let collapsed = &self.collapsed;
        let shown = flatten(&self.nodes, &|t| collapsed.contains(t));
        self.rows.clear();
        let rows: Vec<Row> = shown
            .iter()
            .enumerate()
            .map(|(i, (depth, n))| {
                self.rows.push(n.target.clone());
                let marker = match (n.children.is_empty(), collapsed.contains(&n.target)) {
                    (true, _) => "  ",
                    (false, true) => "+ ",
                    (false, false) => "- ",
                };
                let name = n.target.container.as_deref().unwrap_or(&n.target.name);
                // Explain's evidence lines name no object of their own.
                let name = if n.target.kind.is_empty() {
                    String::new()
                } else {
                    name.to_string()
                };
                Row {
                    namespace: format!("{i:08}").into(),
                    name: "".into(),
                    uid: "".into(),
                    created: None,
                    deleting: false,
                    cells: vec![
                        format!("{}{marker}{name}", "  ".repeat(*depth)).into(),
                        n.target.kind.as_str().into(),
                        n.target.namespace.as_str().into(),
                        n.status.as_str().into(),
                        n.detail.as_str().into(),
                    ],
                }
            })
            .collect();
        self.table.set_rows(COLUMNS, rows);
    }

    /// What the selected row stands for.
    fn selected(&self) -> Option<Target> {
        let (key, _) = self.table.selected_row()?;
        let i: usize = key.parse().ok()?;
        self.rows.get(i).cloned()
    }
}

/// The discovered kind behind a target.
pub fn kind_of<'a>(app: &'a App, t: &Target) -> Option<&'a Kind> {
    app.kinds.iter().find(|k| k.is(&t.group, &t.plural))
}

/// The discovered kinds among `keys` (a kind the server does not serve is skipped), the root first.
pub fn kinds_for(app: &App, keys: impl IntoIterator<Item = KindKey>) -> Vec<Kind> {
    let mut out: Vec<Kind> = vec![];
    for (group, plural) in keys {
        if let Some(k) = app.kinds.iter().find(|k| k.is(group, plural))
            && !out.contains(k)
        {
            out.push(k.clone());
        }
    }
    out
}

impl App {
    pub(super) fn push_relations(
        &mut self,
        title: String,
        mode: Mode,
        kinds: Vec<Kind>,
        namespace: Option<String>,
    ) -> Vec<Effect> {
        let id = self.id();
        let view = RelationsView::new(mode, kinds, namespace);
        let watch = view.watch(id);
        self.stack.push(super::View {
            id,
            title,
            body: super::Body::Relations(Box::new(view)),
        });
        vec![watch]
    }

    /// Enter on a node: the object's own view (its kind's table, narrowed to it), a container's logs, or for
    /// a kind-wide target (no name) that kind's table.
    fn jump(&mut self, t: &Target) -> Vec<Effect> {
        let Some(kind) = kind_of(self, t).cloned() else {
            return vec![];
        };
        if let Some(c) = &t.container {
            let target = LogTarget {
                namespace: t.namespace.clone(),
                pods: PodSet::One(t.name.clone()),
                container: Some(c.clone()),
                previous: false,
                tail: DEFAULT_TAIL,
                since: None,
            };
            return self.open_logs(format!("logs/{}/{c}", t.name), target);
        }
        let namespace = (kind.namespaced && !t.namespace.is_empty()).then(|| t.namespace.clone());
        if t.name.is_empty() {
            let scope = Scope {
                namespace,
                ..Default::default()
            };
            let title = kind.display();
            return self.push_table(kind, scope, title);
        }
        let scope = Scope {
            namespace,
            field_selector: Some(format!("metadata.name={}", t.name)),
            ..Default::default()
        };
        let title = format!("{}/{}", kind.display(), t.name);
        self.push_table(kind, scope, title)
    }
}

impl ViewType for RelationsView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, action: Action, app: &mut App, me: &Me) -> Vec<Effect> {
        let Some(target) = self.selected() else {
            return vec![];
        };
        match action {
            Action::Collapse => {
                if !self.collapsed.remove(&target) {
                    self.collapsed.insert(target);
                }
                self.show();
                vec![]
            }
            Action::Open if self.mode == Mode::Problems => app.open_explain(target),
            Action::Open => app.jump(&target),
            Action::Xray => app.xray_object(&target),
            Action::Explain => app.open_explain(target),
            Action::UsedBy => app.open_used_by(target),
            _ => act_on_object(app, action, &target, me),
        }
    }
}

/// An object action on a node, as its row in the kind's table would take it (a container's logs and shell
/// go to that container).
fn act_on_object(app: &mut App, action: Action, t: &Target, me: &Me) -> Vec<Effect> {
    let Some(kind) = kind_of(app, t).cloned() else {
        return vec![];
    };
    if t.name.is_empty() {
        return vec![];
    }
    if let Some(c) = &t.container {
        match action {
            Action::Logs => return app.jump(t),
            Action::Shell | Action::Attach if !app.refuse_in_readonly(action) => {
                return vec![Effect::Shell {
                    namespace: t.namespace.clone(),
                    pod: t.name.clone(),
                    container: Some(c.clone()),
                    attach: action == Action::Attach,
                }];
            }
            _ => {}
        }
    }
    let mut one = TableView::fixed(&["NAME"], vec![]);
    one.kind = Some(kind);
    one.set_rows(
        &["NAME"],
        vec![Row {
            namespace: t.namespace.as_str().into(),
            name: t.name.as_str().into(),
            uid: "".into(),
            created: None,
            deleting: false,
            cells: vec![t.name.as_str().into()],
        }],
    );
    one.refresh(1);
    ViewType::act(&mut one, action, app, me)
}
