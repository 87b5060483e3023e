//! Drawing the metrics: the CPU and memory columns of pods, nodes and containers (inserted after RESTARTS,
//! where k9s puts them, else before AGE), coloured over the thresholds, and the header's cluster usage.
//! Only the visible rows are looked up.

use ratatui::text::Span;

use crate::app::metrics::{self, MetricColumn, SpecCells};
use crate::app::{App, TableView};
use tug_model::metrics::MetricsState;
use tug_model::table::{Row, TableData};

/// The metric columns of a table on screen: where they go among the shown columns, and their cells.
pub struct MetricCells<'a> {
    link: &'a metrics::MetricsLink,
    spec: SpecCells,
    pub columns: &'static [MetricColumn],
    /// Index among the shown columns before which they are inserted.
    pub at: usize,
}

impl<'a> MetricCells<'a> {
    /// `None` when the table shows no metrics (metrics off, no API, not a pod, node or container table).
    pub fn of(t: &'a TableView, data: &TableData, shown: &[usize]) -> Option<Self> {
        let link = t.metrics.as_ref()?;
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
        })
    }

    pub fn headers(&self) -> impl Iterator<Item = String> + '_ {
        self.columns.iter().map(|c| c.header().to_string())
    }

    /// The cells of `rows`, each with the theme element it is drawn in when over a threshold.
    pub fn cells(&self, app: &App, rows: &[&Row]) -> Vec<Vec<(String, Option<&'static str>)>> {
        let m = self.link.lock();
        rows.iter()
            .map(
                |r| match metrics::sample(&m, &self.link.rows, &self.spec, r) {
                    Some(s) => self
                        .columns
                        .iter()
                        .map(|c| {
                            (
                                s.text(*c),
                                metrics::severity(&app.metrics_settings, *c, s.value(*c)),
                            )
                        })
                        .collect(),
                    None => self
                        .columns
                        .iter()
                        .map(|_| ("-".to_string(), None))
                        .collect(),
                },
            )
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
