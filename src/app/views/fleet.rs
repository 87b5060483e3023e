//! `:fleet`: several clusters in one view. The summary (`FleetView`) has a row per context — does it answer,
//! its version, nodes ready, pods running and failing, Warning events — from a probe and three watches per
//! context; `:fleet KIND` (`FleetListView`) merges one watch of that kind per context into one table with a
//! CONTEXT column. Every watch runs on its own context's client (`Effect::OnContext`), so one unreachable or
//! slow cluster shows its state and never holds the others; an action on a merged row is taken as the row's
//! context's (`App::for_context`: its guardrails, its client).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{Me, TableView, ViewId, ViewType};
use crate::app::{App, Effect};
use crate::config::Action;
use tug_cluster::discovery::Kind;
use tug_cluster::table_watch::Scope;
use tug_model::table::{Column, Feed, Row, RowKey, TableData};

/// Whether a context's API server answers, as the runtime's probe last found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Reach {
    #[default]
    Connecting,
    Up {
        version: String,
    },
    Unreachable(String),
}

impl Reach {
    pub fn text(&self) -> String {
        match self {
            Reach::Connecting => "connecting…".into(),
            Reach::Up { .. } => "ok".into(),
            Reach::Unreachable(why) => format!("unreachable: {why}"),
        }
    }
}

/// Written by the runtime's probe, read when the summary is drawn.
pub type SharedReach = Arc<Mutex<Reach>>;

type Data = Arc<Mutex<TableData>>;

fn lock(d: &Data) -> std::sync::MutexGuard<'_, TableData> {
    d.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A watch of `kind` on `context`'s cluster, under its own id (stopped with the view).
fn watch_on(app: &mut App, context: &str, kind: &Kind, scope: Scope) -> (ViewId, Data, Effect) {
    let id = app.id();
    let data: Data = Arc::default();
    let effect = Effect::Watch {
        view: id,
        kind: kind.clone(),
        scope,
        data: data.clone(),
    };
    (id, data, app.on_context(context, effect))
}

/// What a watch's feed says about its context, when it says something is wrong.
fn feed_problem(feed: &Feed) -> Option<String> {
    match feed {
        Feed::Loading => Some("connecting…".into()),
        Feed::Live => None,
        Feed::Reconnecting { error, .. } => Some(format!("unreachable: {error}")),
        Feed::Refused(e) => Some(format!("refused: {e}")),
    }
}

const SUMMARY_COLUMNS: &[&str] = &[
    "Context", "Status", "Version", "Nodes", "Running", "Failing", "Warnings",
];

/// Pod statuses counted as failing (what `kubectl get pods` prints for a pod in trouble).
fn failing(status: &str) -> bool {
    matches!(
        status,
        "Failed"
            | "Error"
            | "OOMKilled"
            | "Evicted"
            | "Unknown"
            | "CrashLoopBackOff"
            | "ImagePullBackOff"
            | "ErrImagePull"
            | "CreateContainerConfigError"
            | "CreateContainerError"
            | "InvalidImageName"
            | "ContainerStatusUnknown"
    ) || (status.starts_with("Init:") && (status.contains("Err") || status.contains("BackOff")))
}

fn column_of(data: &TableData, name: &str) -> Option<usize> {
    data.column(name)
}

/// One context of the summary: its probe and its three watches.
struct Member {
    context: String,
    reach: SharedReach,
    probe: ViewId,
    /// Nodes, pods, events (absent where the kind is not known).
    sources: Vec<(ViewId, &'static str, Data)>,
}

/// The counts of one summary row (pure, from the watched tables).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counts {
    pub nodes_ready: usize,
    pub nodes: usize,
    pub running: usize,
    pub failing: usize,
    pub warnings: usize,
}

impl Counts {
    pub fn nodes_from(&mut self, data: &TableData) {
        let status = column_of(data, "status");
        self.nodes = data.len();
        self.nodes_ready = data
            .rows()
            .filter(|r| {
                status
                    .and_then(|i| r.cells.get(i))
                    .map(|c| c.split(',').next())
                    == Some(Some("Ready"))
            })
            .count();
    }

    pub fn pods_from(&mut self, data: &TableData) {
        let status = column_of(data, "status");
        for r in data.rows() {
            let s = status.and_then(|i| r.cells.get(i)).map_or("", |c| c);
            if s == "Running" {
                self.running += 1;
            } else if failing(s) {
                self.failing += 1;
            }
        }
    }

    pub fn events_from(&mut self, data: &TableData) {
        let kind = column_of(data, "type");
        self.warnings = data
            .rows()
            .filter(|r| {
                kind.and_then(|i| r.cells.get(i))
                    .is_some_and(|c| &**c == "Warning")
            })
            .count();
    }
}

/// `:fleet`: a row per context.
pub struct FleetView {
    pub table: TableView,
    members: Vec<Member>,
    seen: Option<Vec<(Reach, Vec<u64>)>>,
}

impl FleetView {
    /// The view and what it runs: a probe and watches of nodes, pods and events per context.
    pub fn open(app: &mut App, contexts: &[String]) -> (Self, Vec<Effect>) {
        let mut effects = vec![];
        let mut members = vec![];
        for context in contexts {
            let reach = SharedReach::default();
            let probe = app.id();
            effects.push(app.on_context(
                context,
                Effect::Probe {
                    view: probe,
                    reach: reach.clone(),
                },
            ));
            let mut sources = vec![];
            for name in ["nodes", "pods", "events"] {
                let Some(kind) = app.fleet_kind(name) else {
                    continue;
                };
                let (id, data, effect) = watch_on(app, context, &kind, Scope::default());
                effects.push(effect);
                sources.push((id, name, data));
            }
            members.push(Member {
                context: context.clone(),
                reach,
                probe,
                sources,
            });
        }
        let view = Self {
            table: TableView::fixed(SUMMARY_COLUMNS, vec![]),
            members,
            seen: None,
        };
        view.recount_rows();
        (view, effects)
    }

    pub fn watch_ids(&self) -> Vec<ViewId> {
        self.members
            .iter()
            .flat_map(|m| std::iter::once(m.probe).chain(m.sources.iter().map(|s| s.0)))
            .collect()
    }

    /// The context of the selected row.
    pub fn selected_context(&self) -> Option<String> {
        self.table.selected_row().map(|(_, name)| name.to_string())
    }

    /// Recounts when a probe or a watch moved since the last count; cheap otherwise.
    pub fn recount(&mut self) {
        let seen: Vec<(Reach, Vec<u64>)> = self
            .members
            .iter()
            .map(|m| {
                let reach = m.reach.lock().map(|r| r.clone()).unwrap_or_default();
                (
                    reach,
                    m.sources.iter().map(|s| lock(&s.2).version).collect(),
                )
            })
            .collect();
        if self.seen.as_ref() == Some(&seen) {
            return;
        }
        self.seen = Some(seen);
        self.recount_rows();
    }

    fn recount_rows(&self) {
        let rows = self.members.iter().map(summary_row).collect();
        self.table.set_rows(SUMMARY_COLUMNS, rows);
    }
}

fn summary_row(m: &Member) -> Row {
    let reach = m.reach.lock().map(|r| r.clone()).unwrap_or_default();
    let mut counts = Counts::default();
    let mut problem = None;
    let mut live = 0;
    for (_, name, data) in &m.sources {
        let data = lock(data);
        match feed_problem(&data.feed) {
            None => live += 1,
            Some(p) => problem = problem.or(Some(p)),
        }
        match *name {
            "nodes" => counts.nodes_from(&data),
            "pods" => counts.pods_from(&data),
            _ => counts.events_from(&data),
        }
    }
    let known = live == m.sources.len() && !m.sources.is_empty();
    // The probe says whether the server answers; a watch that broke says so too (the probe may be between
    // two rounds).
    let status = match (&reach, problem) {
        (Reach::Up { .. }, Some(p)) if !p.starts_with("connecting") => p,
        (r, _) => r.text(),
    };
    let version = match &reach {
        Reach::Up { version } => version.clone(),
        _ => String::new(),
    };
    let n = |v: usize| -> Box<str> {
        if known {
            v.to_string().into()
        } else {
            "-".into()
        }
    };
    Row {
        namespace: "".into(),
        name: m.context.as_str().into(),
        uid: "".into(),
        created: None,
        deleting: false,
        cells: vec![
            m.context.as_str().into(),
            status.into(),
            version.into(),
            if known {
                format!("{}/{}", counts.nodes_ready, counts.nodes).into()
            } else {
                "-".into()
            },
            n(counts.running),
            n(counts.failing),
            n(counts.warnings),
        ],
    }
}

impl ViewType for FleetView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    /// Enter switches to the context (as `:ctx NAME`).
    fn act(&mut self, action: Action, app: &mut App, _me: &Me) -> Vec<Effect> {
        match (action, self.selected_context()) {
            (Action::Open, Some(context)) => app.switch_context(&context),
            _ => vec![],
        }
    }
}

/// One context of a merged list: its watch of the kind.
struct ListMember {
    context: String,
    id: ViewId,
    data: Data,
}

/// Separates the context from the namespace in a merged row's key, so the same namespace and name in two
/// clusters are two rows. Never in a Kubernetes name.
const SEP: char = '\u{1f}';

/// `:fleet KIND`: that kind's objects across the contexts, with a CONTEXT column.
pub struct FleetListView {
    pub table: TableView,
    pub kind: Kind,
    members: Vec<ListMember>,
    seen: Vec<u64>,
    /// A merged row's key → its member and its own key.
    origin: HashMap<RowKey, (usize, RowKey)>,
}

impl FleetListView {
    pub fn open(app: &mut App, kind: Kind, contexts: &[String]) -> (Self, Vec<Effect>) {
        let mut effects = vec![];
        let mut members = vec![];
        for context in contexts {
            let (id, data, effect) = watch_on(app, context, &kind, Scope::default());
            effects.push(effect);
            members.push(ListMember {
                context: context.clone(),
                id,
                data,
            });
        }
        let mut view = Self {
            table: TableView::new(None, Scope::default(), Arc::default()),
            kind,
            members,
            seen: vec![],
            origin: HashMap::new(),
        };
        view.merge();
        (view, effects)
    }

    pub fn watch_ids(&self) -> Vec<ViewId> {
        self.members.iter().map(|m| m.id).collect()
    }

    /// Rebuilds the merged rows when a member's rows moved; returns what is wrong per context, if anything
    /// (for the title), when it rebuilt.
    pub fn merge(&mut self) -> Option<String> {
        let seen: Vec<u64> = self.members.iter().map(|m| lock(&m.data).version).collect();
        if seen == self.seen && !seen.is_empty() {
            return None;
        }
        self.seen = seen;
        let namespaced = self.kind.namespaced;
        let members: Vec<_> = self.members.iter().map(|m| lock(&m.data)).collect();
        let source: Vec<Column> = members
            .iter()
            .find(|d| !d.columns.is_empty())
            .map(|d| d.columns.clone())
            .unwrap_or_default();
        let text = |name: &str| Column {
            name: name.into(),
            kind: "string".into(),
            priority: 0,
        };
        let mut columns = vec![text("Context")];
        if namespaced {
            columns.push(text("Namespace"));
        }
        columns.extend(source.iter().cloned());
        let mut rows = vec![];
        let mut origin = HashMap::new();
        let mut problems = vec![];
        for (i, (m, data)) in self.members.iter().zip(&members).enumerate() {
            if let Some(p) = feed_problem(&data.feed) {
                problems.push(format!("{}: {p}", m.context));
            }
            // Columns by name: two servers of different versions may print them in another order.
            let at: Vec<Option<usize>> = source.iter().map(|c| data.column(&c.name)).collect();
            for r in data.rows() {
                let mut cells: Vec<Box<str>> = vec![m.context.as_str().into()];
                if namespaced {
                    cells.push(r.namespace.as_ref().into());
                }
                cells.extend(
                    at.iter()
                        .map(|j| j.and_then(|j| r.cells.get(j).cloned()).unwrap_or_default()),
                );
                let row = Row {
                    namespace: format!("{}{SEP}{}", m.context, r.namespace).into(),
                    name: r.name.clone(),
                    uid: r.uid.clone(),
                    created: r.created,
                    deleting: r.deleting,
                    cells,
                };
                origin.insert(row.key(), (i, r.key()));
                rows.push(row);
            }
        }
        drop(members);
        lock(&self.table.data).replace_all(columns, rows);
        self.origin = origin;
        Some(problems.join("; "))
    }

    /// The selected row's context, and a one-row table of it as its own context's watch has it (kind,
    /// columns, cells), for the actions every object table has.
    pub fn selected(&self) -> Option<(String, TableView)> {
        let key = self.table.selected_row()?;
        let (i, own) = self.origin.get(&key)?;
        let m = self.members.get(*i)?;
        let (columns, row) = {
            let data = lock(&m.data);
            (data.columns.clone(), data.get(own)?.clone())
        };
        let data = TableData::default();
        let data = Arc::new(Mutex::new(data));
        lock(&data).replace_all(columns, vec![row]);
        let mut one = TableView::new(Some(self.kind.clone()), Scope::default(), data);
        one.refresh(1);
        Some((m.context.clone(), one))
    }

    pub fn selected_context(&self) -> Option<String> {
        let key = self.table.selected_row()?;
        let (i, _) = self.origin.get(&key)?;
        self.members.get(*i).map(|m| m.context.clone())
    }
}

impl ViewType for FleetListView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    /// What any object table does, on the selected row, as its own context's (the app already took the
    /// action as that context's: `App::normal_key` asks `App::top_context`).
    fn act(&mut self, action: Action, app: &mut App, me: &Me) -> Vec<Effect> {
        if !self.table.marked.is_empty() && (action.mutates() || action == Action::History) {
            app.flash(
                "marks across contexts: bulk changes from :fleet are not supported; unmark (Space) and act on one row",
                true,
            );
            return vec![];
        }
        let Some((context, mut one)) = self.selected() else {
            return vec![];
        };
        app.for_context(&context, |app| {
            <TableView as ViewType>::act(&mut one, action, app, me)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, cells: &[&str]) -> Row {
        Row {
            namespace: "shop".into(),
            name: name.into(),
            uid: name.into(),
            created: None,
            deleting: false,
            cells: cells.iter().map(|c| (*c).into()).collect(),
        }
    }

    fn table(columns: &[&str], rows: Vec<Row>) -> TableData {
        let mut t = TableData::default();
        let columns = columns
            .iter()
            .map(|n| Column {
                name: (*n).into(),
                kind: "string".into(),
                priority: 0,
            })
            .collect();
        t.replace_all(columns, rows);
        t
    }

    #[test]
    fn a_summary_row_counts_ready_nodes_running_and_failing_pods_and_warnings() {
        let mut c = Counts::default();
        c.nodes_from(&table(
            &["Name", "Status"],
            vec![
                row("n1", &["n1", "Ready"]),
                row("n2", &["n2", "Ready,SchedulingDisabled"]),
                row("n3", &["n3", "NotReady"]),
            ],
        ));
        c.pods_from(&table(
            &["Name", "Ready", "Status"],
            vec![
                row("a", &["a", "1/1", "Running"]),
                row("b", &["b", "0/1", "CrashLoopBackOff"]),
                row("c", &["c", "0/1", "Pending"]),
                row("d", &["d", "0/1", "Init:ErrImagePull"]),
                row("e", &["e", "0/1", "Completed"]),
            ],
        ));
        c.events_from(&table(
            &["Last Seen", "Type"],
            vec![row("x", &["1m", "Warning"]), row("y", &["1m", "Normal"])],
        ));
        assert_eq!(
            c,
            Counts {
                nodes_ready: 2,
                nodes: 3,
                running: 1,
                failing: 2,
                warnings: 1
            }
        );
    }
}
