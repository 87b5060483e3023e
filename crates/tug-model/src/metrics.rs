//! Resource usage from `metrics.k8s.io/v1beta1` kept compactly: quantities read as numbers, the latest sample
//! per pod (with its containers) and per node, node allocatable, and a short trend ring per object. Formatting
//! as `kubectl top` and k9s print it (`12m`, `34Mi`, `n/a`). Must not depend on the network or the UI.

use std::collections::{HashMap, VecDeque};

use serde::Deserialize;
use serde_json::Value;

use crate::table::RowKey;

/// How many samples a trend keeps: 15 minutes at the default 15 s resolution.
pub const TREND_LEN: usize = 60;

/// Hidden cells a pod table computes from each pod (whole objects asked for while metrics are on): the
/// containers' requests and limits, space-separated quantities (summed here), in this order.
pub const SPEC_COLUMNS: [(&str, &str); 4] = [
    (
        "tug:cpu-requests",
        ".spec.containers[*].resources.requests.cpu",
    ),
    ("tug:cpu-limits", ".spec.containers[*].resources.limits.cpu"),
    (
        "tug:mem-requests",
        ".spec.containers[*].resources.requests.memory",
    ),
    (
        "tug:mem-limits",
        ".spec.containers[*].resources.limits.memory",
    ),
];

/// A container's `SPEC_COLUMNS` cells, from its spec.
pub fn container_spec(container: &Value) -> impl Iterator<Item = Box<str>> + '_ {
    let r = &container["resources"];
    [
        &r["requests"]["cpu"],
        &r["limits"]["cpu"],
        &r["requests"]["memory"],
        &r["limits"]["memory"],
    ]
    .into_iter()
    .map(|v| v.as_str().unwrap_or_default().into())
}

/// A pod as its Table row carries it with `includeObject=Object`, decoded down to what the metric
/// percentages need (metadata, and each container's requests and limits): the rest of the object is skipped
/// as it is read, never built, so a 10k-pod list costs what the metadata-only one does.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SpecObject {
    #[serde(default)]
    pub metadata: crate::table::RowMeta,
    #[serde(default)]
    spec: PodSpecLite,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct PodSpecLite {
    #[serde(default)]
    containers: Vec<ContainerLite>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct ContainerLite {
    #[serde(default)]
    resources: ResourcesLite,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct ResourcesLite {
    #[serde(default)]
    requests: QuantitiesLite,
    #[serde(default)]
    limits: QuantitiesLite,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct QuantitiesLite {
    cpu: Option<String>,
    memory: Option<String>,
}

/// Whether `computed` is exactly the pod spec cells (so the lean [`SpecObject`] decoding serves).
pub fn only_spec_columns(computed: &[crate::custom_columns::CustomColumn]) -> bool {
    computed.len() == SPEC_COLUMNS.len()
        && computed
            .iter()
            .zip(SPEC_COLUMNS)
            .all(|(c, (name, _))| c.name == name)
}

/// The compact form of a page (or watch event) of [`SpecObject`]s: the metadata, plus the `SPEC_COLUMNS`
/// cells (and their column definitions), as `custom_columns::project` makes them from whole objects.
pub fn project_spec(table: crate::table::Table<SpecObject>) -> crate::table::Table {
    use crate::table::{Column, RowObject, TableRow};
    let mut column_definitions = table.column_definitions;
    if !column_definitions.is_empty() {
        column_definitions.extend(SPEC_COLUMNS.iter().map(|(name, _)| Column {
            name: (*name).into(),
            kind: "string".into(),
            priority: 0,
        }));
    }
    let rows = table
        .rows
        .into_iter()
        .map(|row| {
            let containers = &row.object.spec.containers;
            let join = |f: fn(&ResourcesLite) -> &Option<String>| -> Box<str> {
                containers
                    .iter()
                    .filter_map(|c| f(&c.resources).as_deref())
                    .collect::<Vec<_>>()
                    .join(" ")
                    .into()
            };
            let extra = vec![
                join(|r| &r.requests.cpu),
                join(|r| &r.limits.cpu),
                join(|r| &r.requests.memory),
                join(|r| &r.limits.memory),
            ];
            TableRow {
                cells: row.cells,
                object: RowObject {
                    metadata: row.object.metadata,
                    extra,
                },
            }
        })
        .collect();
    crate::table::Table {
        column_definitions,
        rows,
        metadata: table.metadata,
    }
}

/// Whether `column` is one of tug's own hidden cells (never shown, wide or not).
pub fn is_hidden(column: &crate::table::Column) -> bool {
    column.name.starts_with("tug:")
}

/// A CPU quantity (`250m`, `1`, `1500000n`, `0.5`) in nanocores.
pub fn parse_cpu(q: &str) -> Option<u64> {
    scaled(q).map(|v| (v * 1e9).round() as u64)
}

/// A memory quantity (`128Mi`, `1G`, `512Ki`, `1000`) in bytes.
pub fn parse_bytes(q: &str) -> Option<u64> {
    scaled(q).map(|v| v.round() as u64)
}

/// A quantity as a plain number (cores, bytes), suffixes binary (`Ki`…`Ei`) or decimal (`n`…`E`).
fn scaled(q: &str) -> Option<f64> {
    let q = q.trim();
    const UNITS: [(&str, f64); 15] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    for (suffix, factor) in UNITS {
        if let Some(n) = q.strip_suffix(suffix) {
            return n
                .parse::<f64>()
                .ok()
                .filter(|v| *v >= 0.0)
                .map(|v| v * factor);
        }
    }
    q.parse::<f64>().ok().filter(|v| *v >= 0.0)
}

/// Sums space-separated quantities (a computed cell over all containers); `None` when there are none.
pub fn sum(cell: &str, parse: fn(&str) -> Option<u64>) -> Option<u64> {
    let mut total = None;
    for q in cell.split_whitespace() {
        if let Some(v) = parse(q) {
            total = Some(total.unwrap_or(0) + v);
        }
    }
    total.filter(|t| *t > 0)
}

/// Usage (or capacity) of one thing: CPU in nanocores, memory in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub cpu: u64,
    pub memory: u64,
}

impl Usage {
    fn from_json(usage: &Value) -> Self {
        let text = |v: &Value| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        };
        Self {
            cpu: parse_cpu(&text(&usage["cpu"])).unwrap_or(0),
            memory: parse_bytes(&text(&usage["memory"])).unwrap_or(0),
        }
    }

    /// Millicores as `kubectl top` prints them (rounded up, as `Quantity.MilliValue`).
    pub fn cpu_milli(&self) -> u64 {
        self.cpu.div_ceil(1_000_000)
    }

    /// MiB as `kubectl top` prints them (rounded down).
    pub fn memory_mib(&self) -> u64 {
        self.memory / (1024 * 1024)
    }
}

/// `123m`, as `kubectl top` and k9s print CPU.
pub fn format_cpu(nanocores: u64) -> String {
    format!("{}m", nanocores.div_ceil(1_000_000))
}

/// `45Mi`, as `kubectl top` and k9s print memory.
pub fn format_memory(bytes: u64) -> String {
    format!("{}Mi", bytes / (1024 * 1024))
}

/// `used` as a whole percentage of `of`; `None` (shown `n/a`) when there is nothing to compare with.
pub fn percent(used: u64, of: Option<u64>) -> Option<u64> {
    let of = of.filter(|o| *o > 0)?;
    Some(((used as u128 * 100 + of as u128 / 2) / of as u128) as u64)
}

pub fn format_percent(p: Option<u64>) -> String {
    p.map_or_else(|| "n/a".into(), |p| p.to_string())
}

/// The last `width` values as a one-line chart of block characters, scaled to the largest of them.
pub fn sparkline(values: &VecDeque<u64>, width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let skip = values.len().saturating_sub(width);
    let max = values.iter().skip(skip).copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .skip(skip)
        .map(|v| BARS[((*v as u128 * 7 + max as u128 / 2) / max as u128).min(7) as usize])
        .collect()
}

/// One pod's sample: the sum of its containers, and each container's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodUsage {
    pub total: Usage,
    pub containers: Box<[(Box<str>, Usage)]>,
}

/// A `PodMetricsList` decoded down to what is kept (no `serde_json::Value` tree for 10k pods).
#[derive(Debug, Default, serde::Deserialize)]
pub struct PodMetricsList {
    #[serde(default)]
    items: Vec<PodMetricsItem>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct PodMetricsItem {
    #[serde(default)]
    metadata: ItemMeta,
    #[serde(default)]
    containers: Vec<ContainerMetrics>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct ItemMeta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

#[derive(Debug, Default, serde::Deserialize)]
struct ContainerMetrics {
    #[serde(default)]
    name: String,
    #[serde(default)]
    usage: QuantitiesLite,
}

impl QuantitiesLite {
    fn usage(&self) -> Usage {
        Usage {
            cpu: self.cpu.as_deref().and_then(parse_cpu).unwrap_or(0),
            memory: self.memory.as_deref().and_then(parse_bytes).unwrap_or(0),
        }
    }
}

impl PodMetricsList {
    /// The samples, keyed as table rows are.
    pub fn into_usage(self) -> Vec<(RowKey, PodUsage)> {
        self.items
            .into_iter()
            .map(|item| {
                let containers: Box<[(Box<str>, Usage)]> = item
                    .containers
                    .iter()
                    .map(|c| (c.name.as_str().into(), c.usage.usage()))
                    .collect();
                let total = containers.iter().fold(Usage::default(), |a, (_, u)| Usage {
                    cpu: a.cpu + u.cpu,
                    memory: a.memory + u.memory,
                });
                let key = (item.metadata.namespace.into(), item.metadata.name.into());
                (key, PodUsage { total, containers })
            })
            .collect()
    }
}

/// The items of a `PodMetricsList` as JSON, keyed as table rows are.
pub fn pods_from_list(list: &Value) -> Vec<(RowKey, PodUsage)> {
    PodMetricsList::deserialize(list)
        .unwrap_or_default()
        .into_usage()
}

/// The items of a `NodeMetricsList` (usage), or of a `NodeList` (`status.allocatable`), by node name.
pub fn nodes_from_list(list: &Value, field: NodeField) -> Vec<(Box<str>, Usage)> {
    let items = list["items"].as_array().map_or(&[][..], |v| v.as_slice());
    items
        .iter()
        .map(|item| {
            let value = match field {
                NodeField::Usage => &item["usage"],
                NodeField::Allocatable => &item["status"]["allocatable"],
            };
            (
                item["metadata"]["name"].as_str().unwrap_or_default().into(),
                Usage::from_json(value),
            )
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeField {
    Usage,
    Allocatable,
}

/// Where the metrics stand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MetricsState {
    /// Not polled: off by setting, no metrics API, or nothing on screen shows metrics yet.
    #[default]
    Idle,
    Live,
    /// The last poll failed; the last sample is kept, the next poll waits longer.
    Failing(String),
}

/// A bounded series of samples, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trend {
    pub cpu: VecDeque<u64>,
    pub memory: VecDeque<u64>,
}

impl Trend {
    fn push(&mut self, u: Usage) {
        for (ring, v) in [(&mut self.cpu, u.cpu), (&mut self.memory, u.memory)] {
            if ring.len() == TREND_LEN {
                ring.pop_front();
            }
            ring.push_back(v);
        }
    }
}

/// The latest samples, shared by the poller (which writes) and the app and UI (which read).
#[derive(Debug, Default)]
pub struct Metrics {
    pods: HashMap<RowKey, PodUsage>,
    nodes: HashMap<Box<str>, Usage>,
    allocatable: HashMap<Box<str>, Usage>,
    /// Per pod on screen and per node, only while their samples come (a pod no longer polled or no longer
    /// on screen loses its trend), so memory does not grow with the number of pods.
    pod_trends: HashMap<RowKey, Trend>,
    /// The pods whose trend is kept: those on screen.
    tracked: std::collections::HashSet<RowKey>,
    node_trends: HashMap<Box<str>, Trend>,
    /// The whole cluster's usage since tug started (kept across views).
    pub cluster_trend: Trend,
    pub state: MetricsState,
    /// Bumped on every new sample, so sorted views re-sort.
    pub version: u64,
    /// Whether pod samples and node samples are being received.
    pub has_pods: bool,
    pub has_nodes: bool,
}

impl Metrics {
    /// Replaces the pod sample (pods absent from it lose theirs, and their trend).
    pub fn set_pods(&mut self, pods: Vec<(RowKey, PodUsage)>) {
        self.pods = pods.into_iter().collect();
        let trends = std::mem::take(&mut self.pod_trends);
        self.pod_trends = self
            .tracked
            .iter()
            .filter_map(|k| {
                let p = self.pods.get(k)?;
                let mut t = trends.get(k).cloned().unwrap_or_default();
                t.push(p.total);
                Some((k.clone(), t))
            })
            .collect();
        self.has_pods = true;
        self.state = MetricsState::Live;
        self.version += 1;
    }

    pub fn set_nodes(&mut self, nodes: Vec<(Box<str>, Usage)>) {
        self.nodes = nodes.into_iter().collect();
        self.node_trends.retain(|k, _| self.nodes.contains_key(k));
        for (k, u) in &self.nodes {
            self.node_trends.entry(k.clone()).or_default().push(*u);
        }
        let (used, _) = self.cluster();
        self.cluster_trend.push(used);
        self.has_nodes = true;
        self.state = MetricsState::Live;
        self.version += 1;
    }

    pub fn set_allocatable(&mut self, nodes: Vec<(Box<str>, Usage)>) {
        self.allocatable = nodes.into_iter().collect();
        self.version += 1;
    }

    /// The pods on screen, whose trends are kept from the next sample on (the others' go).
    pub fn track<'a>(&mut self, keys: impl Iterator<Item = &'a RowKey>) {
        let keys: std::collections::HashSet<RowKey> = keys.cloned().collect();
        if keys != self.tracked {
            self.pod_trends.retain(|k, _| keys.contains(k));
            self.tracked = keys;
        }
    }

    /// Stops showing pod samples (no view shows them any more): their memory goes too.
    pub fn drop_pods(&mut self) {
        if self.has_pods {
            self.pods = HashMap::new();
            self.pod_trends = HashMap::new();
            self.has_pods = false;
            self.version += 1;
        }
    }

    pub fn set_failing(&mut self, error: String) {
        self.state = MetricsState::Failing(error);
        self.version += 1;
    }

    /// Forgets everything (a context switch, or metrics switched off).
    pub fn clear(&mut self) {
        *self = Self {
            version: self.version + 1,
            ..Self::default()
        };
    }

    pub fn pod(&self, key: &RowKey) -> Option<&PodUsage> {
        self.pods.get(key)
    }

    pub fn pod_trend(&self, key: &RowKey) -> Option<&Trend> {
        self.pod_trends.get(key)
    }

    pub fn node(&self, name: &str) -> Option<Usage> {
        self.nodes.get(name).copied()
    }

    pub fn node_trend(&self, name: &str) -> Option<&Trend> {
        self.node_trends.get(name)
    }

    pub fn allocatable(&self, name: &str) -> Option<Usage> {
        self.allocatable.get(name).copied()
    }

    /// The cluster's usage and allocatable: the sums over the nodes that have samples.
    pub fn cluster(&self) -> (Usage, Usage) {
        let mut used = Usage::default();
        let mut alloc = Usage::default();
        for (name, u) in &self.nodes {
            used.cpu += u.cpu;
            used.memory += u.memory;
            if let Some(a) = self.allocatable.get(name) {
                alloc.cpu += a.cpu;
                alloc.memory += a.memory;
            }
        }
        (used, alloc)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn quantities_read_as_kubectl_reads_them() {
        assert_eq!(parse_cpu("250m"), Some(250_000_000));
        assert_eq!(parse_cpu("1"), Some(1_000_000_000));
        assert_eq!(parse_cpu("1500000n"), Some(1_500_000));
        assert_eq!(parse_cpu("0.5"), Some(500_000_000));
        assert_eq!(parse_bytes("128Mi"), Some(128 * 1024 * 1024));
        assert_eq!(parse_bytes("1G"), Some(1_000_000_000));
        assert_eq!(parse_bytes("512Ki"), Some(512 * 1024));
        assert_eq!(parse_bytes("-1"), None);
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(sum("100m 50m", parse_cpu), Some(150_000_000));
        assert_eq!(sum("", parse_cpu), None);
        // kubectl top: CPU rounded up to a millicore, memory down to a MiB.
        assert_eq!(format_cpu(1_500_000), "2m");
        assert_eq!(format_memory(70 * 1024 * 1024 + 1000), "70Mi");
        assert_eq!(percent(50, Some(200)), Some(25));
        assert_eq!(percent(50, None), None);
        assert_eq!(format_percent(percent(1, Some(0))), "n/a");
    }

    #[test]
    fn the_lean_decoding_gives_the_cells_the_jsonpath_columns_give() {
        let wire = json!({
            "columnDefinitions": [{"name": "Name", "type": "string"}],
            "rows": [{"cells": ["web-1"], "object": {"metadata": {"name": "web-1", "namespace": "shop"},
                "spec": {"nodeName": "n1", "containers": [
                    {"name": "a", "image": "x", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}},
                    {"name": "b", "resources": {"requests": {"cpu": "50m"}}}]},
                "status": {"phase": "Running"}}}]
        });
        let lean = project_spec(serde_json::from_value(wire.clone()).unwrap());
        let columns: Vec<crate::custom_columns::CustomColumn> = SPEC_COLUMNS
            .iter()
            .map(|(_, p)| crate::custom_columns::CustomColumn::parse(&format!("X:{p}")))
            .zip(SPEC_COLUMNS)
            .map(|(mut c, (n, _))| {
                c.name = n.into();
                c
            })
            .collect();
        assert!(only_spec_columns(&columns));
        let full = crate::custom_columns::project(serde_json::from_value(wire).unwrap(), &columns);
        assert_eq!(lean.rows[0].object.extra, full.rows[0].object.extra);
        assert_eq!(
            lean.rows[0].object.extra,
            vec!["100m 50m".into(), "".into(), "64Mi".into(), "128Mi".into()] as Vec<Box<str>>
        );
        assert_eq!(lean.column_definitions, full.column_definitions);
        assert_eq!(lean.rows[0].object.metadata.name.as_deref(), Some("web-1"));
    }

    #[test]
    fn pod_and_node_lists_decode_and_trends_are_bounded() {
        let list = json!({"items": [{"metadata": {"name": "web-1", "namespace": "shop"},
            "containers": [{"name": "app", "usage": {"cpu": "2000000n", "memory": "1024Ki"}},
                           {"name": "envoy", "usage": {"cpu": "1000000n", "memory": "2048Ki"}}]}]});
        let pods = pods_from_list(&list);
        assert_eq!(pods.len(), 1);
        assert_eq!(
            pods[0].1.total,
            Usage {
                cpu: 3_000_000,
                memory: 3 * 1024 * 1024
            }
        );
        assert_eq!(&*pods[0].1.containers[1].0, "envoy");
        let mut m = Metrics::default();
        let key: RowKey = ("shop".into(), "web-1".into());
        m.set_pods(pods.clone());
        assert!(m.pod_trend(&key).is_none(), "not on screen: no trend");
        m.track([key.clone()].iter());
        for _ in 0..TREND_LEN + 5 {
            m.set_pods(pods.clone());
        }
        assert_eq!(m.pod_trend(&key).unwrap().cpu.len(), TREND_LEN);
        m.set_pods(vec![]);
        assert!(m.pod(&key).is_none() && m.pod_trend(&key).is_none());

        let nodes = json!({"items": [{"metadata": {"name": "n1"}, "usage": {"cpu": "500m", "memory": "1Gi"}}]});
        let alloc = json!({"items": [{"metadata": {"name": "n1"}, "status": {"allocatable": {"cpu": "2", "memory": "4Gi"}}}]});
        m.set_allocatable(nodes_from_list(&alloc, NodeField::Allocatable));
        m.set_nodes(nodes_from_list(&nodes, NodeField::Usage));
        let (used, of) = m.cluster();
        assert_eq!(percent(used.cpu, Some(of.cpu)), Some(25));
        assert_eq!(percent(used.memory, Some(of.memory)), Some(25));
        assert_eq!(m.cluster_trend.cpu.len(), 1);
        let series: VecDeque<u64> = [0, 50, 100, 25].into_iter().collect();
        assert_eq!(sparkline(&series, 10), "▁▅█▃");
        assert_eq!(sparkline(&series, 2), "█▃");
    }
}
