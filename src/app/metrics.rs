//! CPU and memory in the app: what to poll (derived from the view on top, so nothing is polled for a view
//! that does not show metrics), the metric columns a table of pods, nodes or containers shows after RESTARTS,
//! their values (for drawing, sorting and filtering alike) and their thresholds. Never calls the API.

use tug_cluster::metrics::{self, SharedMetrics, Want};
use tug_model::custom_columns::{CustomColumn, JsonPath};
use tug_model::metrics::{self as m, Metrics, SPEC_COLUMNS, Usage};
use tug_model::table::{Row, TableData};

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
                .pod(&(namespace.clone(), pod.clone()))?
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
