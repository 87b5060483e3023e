//! `:pulse` (`:pulses`, `:overview`): is the cluster OK? Nodes Ready / NotReady / cordoned, pods by status
//! (CrashLoopBackOff, ImagePullBackOff, OOMKilled and Pending always listed), workloads ready vs desired,
//! cluster CPU and memory of allocatable with their trend since tug started, and the latest Warning events.
//! Every count is live — its own watches (one per kind, all namespaces) and the metrics poll — and recounted
//! only when one of them changed; Enter on a row opens the list behind it, filtered to exactly those objects.

use std::sync::{Arc, Mutex};

use super::{Filter, Me, TableView, ViewType};
use crate::app::{App, Effect};
use crate::config::Action;
use tug_cluster::discovery::{self, Kind};
use tug_cluster::table_watch::Scope;
use tug_model::metrics as m;
use tug_model::table::{Row, TableData};

const COLUMNS: &[&str] = &["Section", "Item", "Count", "Detail"];
/// Pod statuses listed even when none has them: what an operator looks for first.
const WATCHED_STATUSES: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "OOMKilled",
    "Pending",
];
/// How many Warning events are listed.
const EVENTS: usize = 8;
/// Samples of the cluster's usage drawn in a row's trend.
const TREND_CELLS: usize = 30;

/// What the pulse watches, one table per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Nodes,
    Pods,
    Deployments,
    StatefulSets,
    DaemonSets,
    Jobs,
    Events,
}

impl Source {
    const ALL: [Source; 7] = [
        Source::Nodes,
        Source::Pods,
        Source::Deployments,
        Source::StatefulSets,
        Source::DaemonSets,
        Source::Jobs,
        Source::Events,
    ];

    fn kind_name(self) -> &'static str {
        match self {
            Source::Nodes => "nodes",
            Source::Pods => "pods",
            Source::Deployments => "deployments",
            Source::StatefulSets => "statefulsets",
            Source::DaemonSets => "daemonsets",
            Source::Jobs => "jobs",
            Source::Events => "events",
        }
    }
}

/// Where Enter on a row goes: a kind's list (all namespaces), filtered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jump {
    pub kind: &'static str,
    pub filter: Option<String>,
}

pub struct PulseView {
    pub table: TableView,
    sources: Vec<(Source, ViewId, Kind, Arc<Mutex<TableData>>)>,
    /// The source versions (and metrics version) the rows were counted from.
    seen: Vec<u64>,
    /// One per row, in row order (a row's namespace is its index, zero-padded, so rows keep their order).
    jumps: Vec<Jump>,
}

use super::ViewId;

/// A cell's exact text as a filter (the pattern matches a whole cell, not a part of a name).
fn exactly(cell: &str) -> String {
    format!("re:^{}$", regex::escape(cell))
}

impl PulseView {
    /// The view and the watches it needs (each with its own id, stopped with the view).
    pub fn open(app: &mut App) -> (Self, Vec<Effect>) {
        let mut sources = vec![];
        let mut effects = vec![];
        for s in Source::ALL {
            let Some(kind) = discovery::find(&app.kinds, s.kind_name()).cloned() else {
                continue;
            };
            let id = app.id();
            let data = Arc::new(Mutex::new(TableData::default()));
            effects.push(Effect::Watch {
                view: id,
                kind: kind.clone(),
                scope: Scope::default(),
                data: data.clone(),
            });
            sources.push((s, id, kind, data));
        }
        let view = Self {
            table: TableView::fixed(COLUMNS, vec![]),
            sources,
            seen: vec![],
            jumps: vec![],
        };
        (view, effects)
    }

    /// The ids of the watches the pulse runs (stopped when it closes).
    pub fn watch_ids(&self) -> Vec<ViewId> {
        self.sources.iter().map(|s| s.1).collect()
    }

    /// Recounts if any source (or the metrics) changed since the last count; cheap otherwise.
    pub fn recount(&mut self, metrics: &m::Metrics) {
        let mut seen: Vec<u64> = self
            .sources
            .iter()
            .map(|(_, _, _, d)| {
                d.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .version
            })
            .collect();
        seen.push(metrics.version);
        if seen == self.seen {
            return;
        }
        self.seen = seen;
        let mut lines: Vec<(String, String, String, String, Jump)> = vec![];
        for (source, _, _, data) in &self.sources {
            let data = data
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            count(*source, &data, &mut lines);
        }
        if metrics.has_nodes {
            let (used, of) = metrics.cluster();
            let trend = &metrics.cluster_trend;
            for (label, u, a, series, fmt) in [
                (
                    "cpu",
                    used.cpu,
                    of.cpu,
                    &trend.cpu,
                    m::format_cpu as fn(u64) -> String,
                ),
                (
                    "memory",
                    used.memory,
                    of.memory,
                    &trend.memory,
                    m::format_memory,
                ),
            ] {
                lines.push((
                    "Usage".into(),
                    format!("{label} of allocatable"),
                    format!("{}%", m::format_percent(m::percent(u, Some(a)))),
                    format!(
                        "{} of {}  {}",
                        fmt(u),
                        fmt(a),
                        m::sparkline(series, TREND_CELLS)
                    ),
                    Jump {
                        kind: "nodes",
                        filter: None,
                    },
                ));
            }
        }
        let rows = lines
            .iter()
            .enumerate()
            .map(|(i, (section, item, count, detail, _))| Row {
                namespace: format!("{i:04}").into(),
                name: format!("{section}/{item}").into(),
                uid: "".into(),
                created: None,
                deleting: false,
                cells: vec![
                    section.as_str().into(),
                    item.as_str().into(),
                    count.as_str().into(),
                    detail.as_str().into(),
                ],
            })
            .collect();
        self.jumps = lines.into_iter().map(|l| l.4).collect();
        self.table.set_rows(COLUMNS, rows);
    }

    fn selected_jump(&self) -> Option<&Jump> {
        let (ns, _) = self.table.selected_row()?;
        self.jumps.get(ns.parse::<usize>().ok()?)
    }
}

/// The index of the column named `name` in `data`.
fn col(data: &TableData, name: &str) -> Option<usize> {
    data.column(name)
}

fn cell(row: &Row, i: Option<usize>) -> &str {
    i.and_then(|i| row.cells.get(i)).map_or("", |c| c)
}

type Line = (String, String, String, String, Jump);

fn line(section: &str, item: &str, count: impl ToString, detail: String, jump: Jump) -> Line {
    (section.into(), item.into(), count.to_string(), detail, jump)
}

/// The rows one source contributes.
fn count(source: Source, data: &TableData, out: &mut Vec<Line>) {
    let jump = |kind: &'static str, filter: Option<String>| Jump { kind, filter };
    match source {
        Source::Nodes => {
            let status = col(data, "status");
            let (mut ready, mut not_ready, mut cordoned) = (0, 0, 0);
            for r in data.rows() {
                let s = cell(r, status);
                if s.split(',').next() == Some("Ready") {
                    ready += 1;
                } else {
                    not_ready += 1;
                }
                if s.contains("SchedulingDisabled") {
                    cordoned += 1;
                }
            }
            out.push(line(
                "Nodes",
                "Ready",
                ready,
                String::new(),
                jump("nodes", Some("re:^Ready".into())),
            ));
            out.push(line(
                "Nodes",
                "NotReady",
                not_ready,
                String::new(),
                jump("nodes", Some("re:^(NotReady|Unknown)".into())),
            ));
            out.push(line(
                "Nodes",
                "cordoned",
                cordoned,
                String::new(),
                jump("nodes", Some("SchedulingDisabled".into())),
            ));
        }
        Source::Pods => {
            let status = col(data, "status");
            let mut by: std::collections::BTreeMap<&str, usize> =
                WATCHED_STATUSES.iter().map(|s| (*s, 0)).collect();
            for r in data.rows() {
                *by.entry(cell(r, status)).or_default() += 1;
            }
            out.push(line(
                "Pods",
                "total",
                data.len(),
                String::new(),
                jump("pods", None),
            ));
            // The troubled ones first, then the rest by name.
            let mut entries: Vec<(&str, usize)> = by.into_iter().collect();
            entries.sort_by_key(|(s, _)| (!WATCHED_STATUSES.contains(s), *s));
            for (s, n) in entries {
                out.push(line(
                    "Pods",
                    s,
                    n,
                    String::new(),
                    jump("pods", Some(exactly(s))),
                ));
            }
        }
        Source::Deployments | Source::StatefulSets => {
            let ready = col(data, "ready");
            let (mut have, mut want, mut behind) = (0u64, 0u64, 0);
            for r in data.rows() {
                if let Some((x, n)) = cell(r, ready).split_once('/') {
                    let (x, n) = (x.parse().unwrap_or(0), n.parse().unwrap_or(0));
                    have += x;
                    want += n;
                    behind += usize::from(x < n);
                }
            }
            let (name, kind) = if source == Source::Deployments {
                ("Deployments", "deployments")
            } else {
                ("StatefulSets", "statefulsets")
            };
            out.push(line(
                name,
                "ready",
                format!("{have}/{want}"),
                format!("{} of {} behind", behind, data.len()),
                jump(kind, None),
            ));
        }
        Source::DaemonSets => {
            let (desired, ready) = (col(data, "desired"), col(data, "ready"));
            let (mut have, mut want) = (0u64, 0u64);
            for r in data.rows() {
                have += cell(r, ready).parse::<u64>().unwrap_or(0);
                want += cell(r, desired).parse::<u64>().unwrap_or(0);
            }
            out.push(line(
                "DaemonSets",
                "ready",
                format!("{have}/{want}"),
                format!("{} daemonsets", data.len()),
                jump("daemonsets", None),
            ));
        }
        Source::Jobs => {
            let completions = col(data, "completions");
            let (mut done, mut want) = (0u64, 0u64);
            for r in data.rows() {
                if let Some((x, n)) = cell(r, completions).split_once('/') {
                    done += x.parse::<u64>().unwrap_or(0);
                    want += n.parse::<u64>().unwrap_or(0);
                }
            }
            out.push(line(
                "Jobs",
                "completed",
                format!("{done}/{want}"),
                format!("{} jobs", data.len()),
                jump("jobs", None),
            ));
        }
        Source::Events => {
            let (kind, reason, object, seen, times) = (
                col(data, "type"),
                col(data, "reason"),
                col(data, "object"),
                col(data, "last seen"),
                col(data, "count"),
            );
            // The latest first (the printed Last Seen is relative text: by the event's creation instead).
            let mut warnings: Vec<&Row> =
                data.rows().filter(|r| cell(r, kind) == "Warning").collect();
            warnings.sort_by_key(|r| std::cmp::Reverse(r.created));
            // One line per reason and object, with how many times it happened (the events' counts).
            let mut listed: Vec<(String, String, u64, String)> = vec![];
            for r in warnings {
                let (why, what) = (cell(r, reason), cell(r, object));
                let n = cell(r, times).parse::<u64>().unwrap_or(1).max(1);
                if let Some(l) = listed.iter_mut().find(|l| l.0 == why && l.1 == what) {
                    l.2 += n;
                } else if listed.len() < EVENTS {
                    listed.push((why.into(), what.into(), n, cell(r, seen).into()));
                }
            }
            for (why, what, n, when) in listed {
                let filter = Some(exactly(&why));
                out.push(line(
                    "Warnings",
                    &why,
                    n,
                    format!("{what}  {when}"),
                    jump("events", filter),
                ));
            }
        }
    }
}

impl ViewType for PulseView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, action: Action, app: &mut App, _me: &Me) -> Vec<Effect> {
        if action != Action::Open {
            return vec![];
        }
        let Some(jump) = self.selected_jump().cloned() else {
            return vec![];
        };
        app.open_filtered(jump.kind, jump.filter.as_deref())
    }
}

impl App {
    /// Opens `kind` in all namespaces above the current view, filtered by `filter` (a `/` filter's text).
    pub(crate) fn open_filtered(&mut self, kind: &str, filter: Option<&str>) -> Vec<Effect> {
        let Some(kind) = discovery::find(&self.kinds, kind).cloned() else {
            self.flash(format!("unknown resource \"{kind}\""), true);
            return vec![];
        };
        let title = kind.display();
        let effects = self.push_table(kind, Scope::default(), title);
        if let Some(f) = filter.and_then(|f| Filter::parse(f).ok())
            && let Some(t) = self.stack.last_mut().and_then(|v| v.body.table_mut())
        {
            t.filter = f;
        }
        effects
    }
}
