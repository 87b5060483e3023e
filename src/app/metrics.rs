//! CPU and memory in the app: what to poll (derived from the view on top, so nothing is polled for a view
//! that does not show metrics), the metric columns a table of pods, nodes or containers shows after RESTARTS,
//! their values (for drawing, sorting and filtering alike) and their thresholds. Never calls the API.

use tug_cluster::metrics::{self, SharedMetrics, Want};
use tug_model::custom_columns::{CustomColumn, JsonPath};
use tug_model::metrics::{self as m, Metrics, SPEC_COLUMNS, Usage};
use tug_model::table::{Row, RowKey, TableData};

use super::{App, Body};
use crate::config::settings::MetricsSettings;

/// Which rows a table holds, for its metric columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricRows {
    Pods,
    Nodes,
    /// The containers of one pod.
    Containers {
        namespace: Box<str>,
        pod: Box<str>,
    },
}

/// A table's tie to the metrics: the shared samples and what its rows are.
#[derive(Debug, Clone)]
pub struct MetricsLink {
    pub store: SharedMetrics,
    pub rows: MetricRows,
}

impl MetricsLink {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Metrics> {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One metric column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricColumn {
    Cpu,
    Mem,
    /// Percent of the requests (pods, containers) …
    CpuR,
    CpuL,
    MemR,
    MemL,
    /// … or of allocatable (nodes).
    CpuA,
    MemA,
}

impl MetricColumn {
    pub fn header(self) -> &'static str {
        match self {
            Self::Cpu => "CPU",
            Self::Mem => "MEM",
            Self::CpuR => "%CPU/R",
            Self::CpuL => "%CPU/L",
            Self::MemR => "%MEM/R",
            Self::MemL => "%MEM/L",
            Self::CpuA => "%CPU",
            Self::MemA => "%MEM",
        }
    }

    /// The columns a table of `rows` shows, in order.
    pub fn for_rows(rows: &MetricRows) -> &'static [MetricColumn] {
        use MetricColumn::*;
        match rows {
            MetricRows::Pods | MetricRows::Containers { .. } => &[Cpu, Mem, CpuR, CpuL, MemR, MemL],
            MetricRows::Nodes => &[Cpu, Mem, CpuA, MemA],
        }
    }

    /// `:sort cpu`, `:sort %mem/l` (case-insensitive header names).
    pub fn named(rows: &MetricRows, name: &str) -> Option<Self> {
        Self::for_rows(rows)
            .iter()
            .copied()
            .find(|c| c.header().eq_ignore_ascii_case(name))
    }

    /// A percentage column (coloured over the thresholds).
    pub fn is_percent(self) -> bool {
        !matches!(self, Self::Cpu | Self::Mem)
    }

    /// A column that says how close the object is to being throttled or killed (of a limit or of what the
    /// node has), the ones coloured over the thresholds; of requests is informative only.
    pub fn is_pressure(self) -> bool {
        matches!(self, Self::CpuL | Self::MemL | Self::CpuA | Self::MemA)
    }
}

/// Where the hidden request and limit cells of a pods table are (in `SPEC_COLUMNS` order).
#[derive(Debug, Clone, Copy, Default)]
pub struct SpecCells([Option<usize>; 4]);

impl SpecCells {
    pub fn of(data: &TableData) -> Self {
        Self(SPEC_COLUMNS.map(|(name, _)| data.column(name)))
    }

    /// The pod's summed requests or limits: (cpu, memory), `index` 0 for requests, 1 for limits.
    fn spec(&self, row: &Row, limits: bool) -> (Option<u64>, Option<u64>) {
        let cell = |i: Option<usize>| i.and_then(|i| row.cells.get(i)).map_or("", |c| c);
        let (cpu, mem) = if limits { (1, 3) } else { (0, 2) };
        (
            m::sum(cell(self.0[cpu]), m::parse_cpu),
            m::sum(cell(self.0[mem]), m::parse_bytes),
        )
    }
}

/// A row's sample: its usage, and what its percentages are of.
pub struct Sampled {
    pub usage: Usage,
    requests: (Option<u64>, Option<u64>),
    limits: (Option<u64>, Option<u64>),
    allocatable: Option<Usage>,
}

impl Sampled {
    /// The value a column sorts by: nanocores, bytes or percent; `None` for `n/a`.
    pub fn value(&self, c: MetricColumn) -> Option<u64> {
        let u = self.usage;
        match c {
            MetricColumn::Cpu => Some(u.cpu),
            MetricColumn::Mem => Some(u.memory),
            MetricColumn::CpuR => m::percent(u.cpu, self.requests.0),
            MetricColumn::CpuL => m::percent(u.cpu, self.limits.0),
            MetricColumn::MemR => m::percent(u.memory, self.requests.1),
            MetricColumn::MemL => m::percent(u.memory, self.limits.1),
            MetricColumn::CpuA => m::percent(u.cpu, self.allocatable.map(|a| a.cpu)),
            MetricColumn::MemA => m::percent(u.memory, self.allocatable.map(|a| a.memory)),
        }
    }

    /// The cell as k9s prints it.
    pub fn text(&self, c: MetricColumn) -> String {
        match c {
            MetricColumn::Cpu => m::format_cpu(self.usage.cpu),
            MetricColumn::Mem => m::format_memory(self.usage.memory),
            c => m::format_percent(self.value(c)),
        }
    }
}

/// The sample of a pod, node or container row; `None` when it has none (not running, not polled yet).
pub fn sample(
    metrics: &Metrics,
    rows: &MetricRows,
    spec: &SpecCells,
    row: &Row,
) -> Option<Sampled> {
    let usage = match rows {
        MetricRows::Pods => {
            metrics
                .pod(&(row.namespace.clone(), row.name.clone()))?
                .total
        }
        MetricRows::Nodes => metrics.node(&row.name)?,
        MetricRows::Containers { namespace, pod } => {
            metrics
                .pod(&(namespace.as_ref().into(), pod.as_ref().into()))?
                .containers
                .iter()
                .find(|(name, _)| **name == *row.name)?
                .1
        }
    };
    Some(Sampled {
        usage,
        requests: spec.spec(row, false),
        limits: spec.spec(row, true),
        allocatable: match rows {
            MetricRows::Nodes => metrics.allocatable(&row.name),
            _ => None,
        },
    })
}

/// The theme element of a percentage: over `error` or `warn` percent of a limit or allocatable.
pub fn severity(
    settings: &MetricsSettings,
    c: MetricColumn,
    value: Option<u64>,
) -> Option<&'static str> {
    match value {
        Some(v) if c.is_pressure() && v >= settings.error => Some("status_error"),
        Some(v) if c.is_pressure() && v >= settings.warn => Some("status_pending"),
        _ => None,
    }
}

/// The hidden cells a pods table computes so its percentages have something to be of.
pub fn spec_columns() -> Vec<CustomColumn> {
    SPEC_COLUMNS
        .iter()
        .map(|(name, path)| CustomColumn {
            name: (*name).into(),
            path: Some(JsonPath::parse(path)),
            wide: false,
            hidden: true,
            number: false,
            time: false,
        })
        .collect()
}

/// Keeps trends for the pods `view` shows (its visible window), after a refresh; a pod's description keeps
/// the table's last window (the described pod was in it).
pub fn track_on_screen(view: &super::View, page: usize) {
    if let Body::Table(t) = &view.body
        && let Some(link) = &t.metrics
        && link.rows == MetricRows::Pods
    {
        // Data before metrics, the order `TableView::refresh` takes them in.
        let data = t.lock();
        let window: Vec<RowKey> = t.window(&data, page + 1).map(Row::key).collect();
        drop(data);
        link.lock().track(window.iter());
    }
}

pub fn lock(m: &SharedMetrics) -> std::sync::MutexGuard<'_, Metrics> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl App {
    /// Metrics are wanted by setting and served by the cluster (discovered).
    pub fn metrics_on(&self) -> bool {
        self.metrics_settings.enabled && metrics::available(&self.kinds)
    }

    /// The metrics tie of a new table of `kind`'s objects, if it shows metric columns.
    pub fn metrics_link(&self, kind: &tug_cluster::discovery::Kind) -> Option<MetricsLink> {
        let rows = if kind.is("", "pods") {
            MetricRows::Pods
        } else if kind.is("", "nodes") {
            MetricRows::Nodes
        } else {
            return None;
        };
        self.metrics_on().then(|| MetricsLink {
            store: self.metrics.clone(),
            rows,
        })
    }

    /// The metrics tie of a pod's containers view.
    pub fn containers_metrics(&self, view: &super::ContainersView) -> Option<MetricsLink> {
        self.metrics_on().then(|| MetricsLink {
            store: self.metrics.clone(),
            rows: MetricRows::Containers {
                namespace: view.namespace.as_str().into(),
                pod: view.pod.as_str().into(),
            },
        })
    }

    /// What the poll must fetch now: node metrics for the header whenever metrics are on, pod metrics only
    /// while the view on top shows them; `None`: nothing at all.
    pub fn metrics_want(&self) -> Option<Want> {
        if !self.metrics_on() {
            return None;
        }
        let top = self.top();
        let table = top.and_then(|v| v.body.table());
        let pods = table
            .and_then(|t| match &t.metrics.as_ref()?.rows {
                // Not before the view's first list is in: at 100,000 pods the pod metrics are a 30 MB list
                // that would compete with the rows for the same two cores (4.1 s to all rows, 2.0 s without).
                MetricRows::Pods if t.lock().feed == tug_model::table::Feed::Loading => None,
                MetricRows::Pods => Some(t.scope.namespace.clone()),
                MetricRows::Containers { namespace, .. } => Some(Some(namespace.to_string())),
                MetricRows::Nodes => None,
            })
            // A pod's description charts its usage (its YAML does not).
            .or_else(|| match top.map(|v| (&v.body, &v.title)) {
                Some((Body::Text(t), title)) if title.starts_with("describe/") => match &t.origin {
                    Some((kind, ns, _)) if kind.is("", "pods") => Some(Some(ns.clone())),
                    _ => None,
                },
                _ => None,
            });
        Some(Want {
            pods,
            nodes: true,
            interval: self.metrics_settings.interval(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use tug_cluster::connect::ClusterInfo;
    use tug_cluster::discovery::Kind;
    use tug_model::metrics::PodUsage;
    use tug_model::table::Column;

    use super::*;
    use crate::app::{AppEvent, Effect, views};

    fn kind(group: &str, plural: &str, namespaced: bool) -> Kind {
        Kind {
            group: group.into(),
            version: "v1".into(),
            plural: plural.into(),
            kind: plural.into(),
            namespaced,
            short_names: vec![],
            verbs: vec!["list".into()],
        }
    }

    fn app(metrics_api: bool) -> (App, Vec<Effect>) {
        let mut kinds = vec![kind("", "pods", true), kind("", "nodes", false)];
        if metrics_api {
            kinds.push(kind("metrics.k8s.io", "pods", true));
            kinds.push(kind("metrics.k8s.io", "nodes", false));
        }
        let mut app = App::new(ClusterInfo::default(), Some("shop".into()), None, false);
        let effects = app.handle(AppEvent::Discovered(Ok(kinds)));
        (app, effects)
    }

    fn key(c: char) -> AppEvent {
        AppEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn row(name: &str, cells: &[&str]) -> Row {
        Row {
            namespace: "shop".into(),
            name: name.into(),
            uid: "".into(),
            created: None,
            deleting: false,
            cells: cells.iter().map(|c| (*c).into()).collect(),
        }
    }

    fn usage(cpu_m: u64, mem_mib: u64) -> PodUsage {
        PodUsage {
            total: Usage {
                cpu: cpu_m * 1_000_000,
                memory: mem_mib * 1024 * 1024,
            },
            containers: Box::new([]),
        }
    }

    #[test]
    fn pod_metrics_are_wanted_only_while_a_pod_view_is_on_top() {
        let (mut app, effects) = app(true);
        // The pod watch asks for the hidden request and limit cells.
        let Some(Effect::Watch { data, .. }) =
            effects.iter().find(|e| matches!(e, Effect::Watch { .. }))
        else {
            panic!("no watch: {effects:?}")
        };
        assert_eq!(data.lock().unwrap().computed.len(), 4);
        // Not while the first list is coming in: the rows come first.
        let want = app.metrics_want().unwrap();
        assert_eq!((want.pods, want.nodes), (None, true));
        let t = app.top().and_then(|v| v.body.table()).unwrap();
        t.lock().replace_all(
            vec![Column {
                name: "Name".into(),
                kind: "string".into(),
                priority: 0,
            }],
            vec![row("a", &["a"])],
        );
        let want = app.metrics_want().unwrap();
        assert_eq!((want.pods, want.nodes), (Some(Some("shop".into())), true));
        assert_eq!(want.interval, tug_cluster::metrics::DEFAULT_INTERVAL);
        // A YAML view shows none: node metrics only (the header).
        app.prepare();
        app.handle(key('y'));
        assert_eq!(app.metrics_want().unwrap().pods, None);
        // Metrics off by setting: nothing at all.
        app.metrics_settings.enabled = false;
        assert_eq!(app.metrics_want(), None);
    }

    #[test]
    fn without_the_metrics_api_nothing_is_polled_and_no_table_shows_metrics() {
        let (app, effects) = app(false);
        assert_eq!(app.metrics_want(), None);
        let t = app.top().and_then(|v| v.body.table()).unwrap();
        assert!(t.metrics.is_none());
        let Some(Effect::Watch { data, .. }) =
            effects.iter().find(|e| matches!(e, Effect::Watch { .. }))
        else {
            panic!("no watch")
        };
        assert!(data.lock().unwrap().computed.is_empty(), "metadata only");
    }

    #[test]
    fn percentages_are_of_summed_requests_and_limits_and_sort_puts_na_last() {
        let (mut app, _) = app(true);
        let columns = [
            "Name",
            "tug:cpu-requests",
            "tug:cpu-limits",
            "tug:mem-requests",
            "tug:mem-limits",
        ]
        .map(|n| Column {
            name: n.into(),
            kind: "string".into(),
            priority: 0,
        })
        .to_vec();
        let t = app.top().and_then(|v| v.body.table()).unwrap();
        t.lock().replace_all(
            columns,
            vec![
                row("a", &["a", "100m 100m", "1", "64Mi", "128Mi"]),
                row("b", &["b", "", "", "", ""]),
                row("c", &["c", "50m", "", "", "100Mi"]),
            ],
        );
        lock(&app.metrics).set_pods(vec![
            (("shop".into(), "a".into()), usage(50, 96)),
            (("shop".into(), "b".into()), usage(10, 10)),
            (("shop".into(), "c".into()), usage(100, 95)),
        ]);
        let link = t.metrics.clone().unwrap();
        let data = t.lock();
        let spec = SpecCells::of(&data);
        let m = link.lock();
        let a = sample(
            &m,
            &link.rows,
            &spec,
            data.get(&("shop".into(), "a".into())).unwrap(),
        )
        .unwrap();
        assert_eq!(
            MetricColumn::for_rows(&link.rows)
                .iter()
                .map(|c| a.text(*c))
                .collect::<Vec<_>>(),
            ["50m", "96Mi", "25", "5", "150", "75"]
        );
        let b = sample(
            &m,
            &link.rows,
            &spec,
            data.get(&("shop".into(), "b".into())).unwrap(),
        )
        .unwrap();
        assert_eq!(b.text(MetricColumn::MemL), "n/a");
        let s = &app.metrics_settings;
        assert_eq!(
            severity(s, MetricColumn::MemL, a.value(MetricColumn::MemL)),
            Some("status_pending")
        );
        assert_eq!(
            severity(s, MetricColumn::MemR, a.value(MetricColumn::MemR)),
            None,
            "of requests: informative"
        );
        assert_eq!(
            severity(s, MetricColumn::MemL, Some(95)),
            Some("status_error")
        );
        drop((m, data));
        // `:sort %mem/l desc`: c (95 %), a (75 %), then b (n/a).
        let mut effects = vec![];
        for c in ":sort %mem/l desc".chars() {
            effects.extend(app.handle(key(c)));
        }
        app.handle(AppEvent::Key(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE,
        )));
        assert!(matches!(
            app.top().and_then(|v| v.body.table()).unwrap().sort,
            Some((views::Sort::Metric(MetricColumn::MemL), true))
        ));
        app.prepare();
        let t = app.top().and_then(|v| v.body.table()).unwrap();
        let keys = t.visible_keys();
        let order: Vec<&str> = keys.iter().map(|k| &*k.1).collect();
        assert_eq!(order, ["c", "a", "b"], "n/a sorts below every number");
    }
}
