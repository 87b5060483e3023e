//! Drawing the metrics: the CPU and memory columns of pods, nodes and containers (inserted after RESTARTS,
//! where k9s puts them, else before AGE), coloured over the thresholds, and the header's cluster usage.
//! Only the visible rows are looked up.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Sparkline};

use crate::app::metrics::{self, MetricColumn, SpecCells};
use crate::app::{App, TableView, TextView, View};
use tug_model::metrics::MetricsState;
use tug_model::table::{Row, TableData};

/// The metric columns of a table on screen: where they go among the shown columns, and their cells.
pub struct MetricCells<'a> {
    link: &'a metrics::MetricsLink,
    spec: SpecCells,
    pub columns: &'static [MetricColumn],
    /// Index among the shown columns before which they are inserted.
    pub at: usize,
    /// A trend cell after CPU and after MEM (Shift-M).
    trends: bool,
}

/// Samples a table's trend cell shows.
const TREND_CELLS: usize = 12;

impl<'a> MetricCells<'a> {
    /// `None` when the table shows no metrics (metrics off, no API, not a pod, node or container table).
    pub fn of(t: &'a TableView, data: &TableData, shown: &[usize]) -> Option<Self> {
        let link = t.metrics.as_ref()?;
        // A k9s custom layout names the columns it wants; tug adds none to it.
        if t.layout.is_some() {
            return None;
        }
        let named = |name: &str| {
            shown
                .iter()
                .position(|i| data.columns[*i].name.eq_ignore_ascii_case(name))
        };
        let at = named("restarts")
            .map(|p| p + 1)
            .or_else(|| named("age"))
            .unwrap_or(shown.len());
        Some(Self {
            link,
            spec: SpecCells::of(data),
            columns: MetricColumn::for_rows(&link.rows),
            at,
            trends: t.trends,
        })
    }

    /// Whether a trend cell follows `c`.
    fn trend_after(&self, c: MetricColumn) -> bool {
        self.trends && matches!(c, MetricColumn::Cpu | MetricColumn::Mem)
    }

    /// How many cells the metric columns take.
    pub fn width(&self) -> usize {
        self.columns.len() + if self.trends { 2 } else { 0 }
    }

    pub fn headers(&self) -> Vec<String> {
        let mut out = vec![];
        for c in self.columns {
            out.push(c.header().to_string());
            if self.trend_after(*c) {
                out.push(format!("{}~", c.header()));
            }
        }
        out
    }

    /// The cells of `rows`, each with the theme element it is drawn in when over a threshold.
    pub fn cells(&self, app: &App, rows: &[&Row]) -> Vec<Vec<(String, Option<&'static str>)>> {
        let m = self.link.lock();
        rows.iter()
            .map(|r| {
                let sample = metrics::sample(&m, &self.link.rows, &self.spec, r);
                let trend = match &self.link.rows {
                    metrics::MetricRows::Pods if self.trends => {
                        m.pod_trend(&(r.namespace.clone(), r.name.clone()))
                    }
                    metrics::MetricRows::Nodes if self.trends => m.node_trend(&r.name),
                    _ => None,
                };
                let mut cells = vec![];
                for c in self.columns {
                    cells.push(match &sample {
                        Some(s) => (
                            s.text(*c),
                            metrics::severity(&app.metrics_settings, *c, s.value(*c)),
                        ),
                        None => ("-".to_string(), None),
                    });
                    if self.trend_after(*c) {
                        let series = trend.map(|t| match c {
                            MetricColumn::Cpu => &t.cpu,
                            _ => &t.memory,
                        });
                        let text = series.map_or_else(String::new, |s| {
                            tug_model::metrics::sparkline(s, TREND_CELLS)
                        });
                        cells.push((text, None));
                    }
                }
                cells
            })
            .collect()
    }
}

/// The header's cluster usage (`cpu 23% mem 41%` of allocatable), or a quiet note why there is none.
pub fn header(app: &App) -> Vec<Span<'static>> {
    if !app.metrics_settings.enabled || app.kinds.is_empty() {
        return vec![];
    }
    if !tug_cluster::metrics::available(&app.kinds) {
        return vec![Span::styled(
            "no metrics API ",
            app.theme.style("header_dim"),
        )];
    }
    let m = metrics::lock(&app.metrics);
    let mut spans = vec![];
    if m.has_nodes {
        let (used, of) = m.cluster();
        let pct = |u, a| tug_model::metrics::percent(u, Some(a));
        for (label, p) in [
            ("cpu", pct(used.cpu, of.cpu)),
            ("mem", pct(used.memory, of.memory)),
        ] {
            let element = metrics::severity(&app.metrics_settings, MetricColumn::CpuA, p);
            let text = format!("{label}:{}% ", tug_model::metrics::format_percent(p));
            spans.push(match element {
                Some(e) => Span::styled(text, app.theme.style(e)),
                None => Span::raw(text),
            });
        }
    }
    if let MetricsState::Failing(_) = &m.state {
        spans.push(Span::styled(
            "metrics failing ",
            app.theme.style("status_error"),
        ));
    }
    spans
}

/// Height of the trend charts under a pod's or node's description.
const CHART_HEIGHT: u16 = 6;

/// Under the description of a pod or node: its CPU and memory since they were first sampled, as two
/// sparklines. Returns the area left for the text.
pub fn describe_chart(app: &App, view: &View, t: &TextView, frame: &mut Frame, area: Rect) -> Rect {
    let Some((kind, ns, name)) = &t.origin else {
        return area;
    };
    if !view.title.starts_with("describe/") || area.height < CHART_HEIGHT * 2 || !app.metrics_on() {
        return area;
    }
    let m = metrics::lock(&app.metrics);
    let (trend, now) = if kind.is("", "pods") {
        let key = (ns.as_str().into(), name.as_str().into());
        (m.pod_trend(&key).cloned(), m.pod(&key).map(|p| p.total))
    } else if kind.is("", "nodes") {
        (m.node_trend(name).cloned(), m.node(name))
    } else {
        return area;
    };
    drop(m);
    let (Some(trend), Some(now)) = (trend, now) else {
        return area;
    };
    let [text, chart] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(CHART_HEIGHT)]).areas(area);
    let [cpu, mem] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(chart);
    for (series, title, at) in [
        (
            &trend.cpu,
            format!(" CPU {} ", tug_model::metrics::format_cpu(now.cpu)),
            cpu,
        ),
        (
            &trend.memory,
            format!(" MEM {} ", tug_model::metrics::format_memory(now.memory)),
            mem,
        ),
    ] {
        // The newest samples that fit, right-aligned as time runs left to right.
        let width = at.width.saturating_sub(2) as usize;
        let data: Vec<u64> = series
            .iter()
            .skip(series.len().saturating_sub(width))
            .copied()
            .collect();
        let spark = Sparkline::default()
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!("{title}· {} samples ", series.len())),
            )
            .data(&data)
            .style(app.theme.style("status_ok"));
        frame.render_widget(spark, at);
    }
    text
}
