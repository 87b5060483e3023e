//! Rendering: draws the app state, nothing else (never calls the API, never mutates the app).
//! Only the visible rows of a table are turned into widgets, whatever the number of objects.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row as TRow, Table, Wrap};

use crate::app::{App, Body, LogView, Mode, TableView, TextView};

mod dialog;
pub mod editor;
mod footer;
mod help;
mod metrics;
use tug_model::duration::human_duration;
use tug_model::table::Feed;

pub const MIN_WIDTH: u16 = 20;
pub const MIN_HEIGHT: u16 = 5;

/// The widest a column gets before it is truncated (names, images and messages can be huge).
const MAX_COLUMN: usize = 64;

pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        frame.render_widget(
            Paragraph::new("terminal too small").wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let [bar, area] =
        Layout::vertical([Constraint::Length(app.tab_bar_rows()), Constraint::Min(1)]).areas(area);
    if bar.height > 0 {
        render_tab_bar(app, frame, bar);
    }
    let [header, title, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(app, frame, header);
    // The panes share the title line and the body; one pane gets both whole.
    let panes = Rect {
        height: title.height + body.height,
        ..title
    };
    match app.split_shown() {
        Some((split, sizes)) => {
            let focus = app.workspace.tabs[app.workspace.active].focus;
            let rects = match split {
                crate::app::tabs::Split::Right => {
                    let [a, _, b] = Layout::horizontal([
                        Constraint::Length(sizes[0].0),
                        Constraint::Length(1),
                        Constraint::Length(sizes[1].0),
                    ])
                    .areas(panes);
                    [a, b]
                }
                crate::app::tabs::Split::Down => Layout::vertical([
                    Constraint::Length(sizes[0].1),
                    Constraint::Length(sizes[1].1),
                ])
                .areas(panes),
            };
            for (i, rect) in rects.into_iter().enumerate() {
                let [title, body] =
                    Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(rect);
                let view = if i == focus {
                    app.top()
                } else {
                    app.other_pane().and_then(|(p, _, _)| p.stack.last())
                };
                render_pane(app, view, i == focus, frame, title, body);
            }
        }
        None => render_pane(app, app.top(), true, frame, title, body),
    }
    footer::render(app, frame, footer);
    if let Mode::Help { scroll } = app.mode {
        help::render(app, scroll, frame, body);
    }
    if let Mode::Dialog(d) = &app.mode {
        dialog::render_dialog(app, d, frame, body);
    }
}

/// One pane: its view's title line and body; an unfocused pane's title is dimmed.
fn render_pane(
    app: &App,
    view: Option<&crate::app::View>,
    focused: bool,
    frame: &mut Frame,
    title: Rect,
    body: Rect,
) {
    match view {
        None => {
            let text = match &app.disconnected {
                Some(e) => safe(e),
                None => "connecting…".into(),
            };
            frame.render_widget(
                Paragraph::new(text)
                    .style(app.theme.style("status_error"))
                    .wrap(Wrap { trim: true }),
                body,
            );
        }
        Some(view) => match &view.body {
            Body::Log(l) => {
                render_log_title(app, &view.title, l, frame, title);
                render_log(app, l, frame, body);
            }
            Body::Editor(e) => editor::render(app, e, frame, title, body),
            Body::Text(t) => {
                let line = format!(" {} ", view.title);
                frame.render_widget(Paragraph::new(line).style(app.theme.style("title")), title);
                let body = metrics::describe_chart(app, view, t, frame, body);
                render_text(app, t, frame, body);
            }
            tables => {
                if let Some(t) = tables.table() {
                    render_table_title(app, &view.title, t, frame, title);
                    render_table(app, t, frame, body);
                }
            }
        },
    }
    if !focused {
        frame
            .buffer_mut()
            .set_style(title, app.theme.style("header_dim"));
    }
}

/// A `width` x `height` rectangle in the middle of `area` (clipped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (width, height) = (width.min(area.width), height.min(area.height));
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Strips what must never reach the terminal raw: control characters and escapes from object data.
pub fn safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// ` 1 ctx/pods │ 2 ctx/deployments `: each tab's number and name, the active one highlighted.
fn render_tab_bar(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = vec![];
    for (i, (name, active)) in app.tab_names().into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled("│", app.theme.style("header_dim")));
        }
        let style = if active {
            app.theme.style("header")
        } else {
            app.theme.style("header_dim")
        };
        spans.push(Span::styled(format!(" {} {} ", i + 1, safe(&name)), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_header(app: &App, frame: &mut Frame, area: Rect) {
    let ns = app.namespace.clone().unwrap_or_else(|| "all".into());
    let mut spans = vec![
        Span::styled(" tug ", app.theme.style("header")),
        Span::raw(format!(" ctx:{} ", safe(&app.info.context))),
    ];
    if let Some(to) = &app.switching {
        spans.push(Span::styled(
            format!("(switching to {}…) ", safe(to)),
            app.theme.style("status_pending"),
        ));
    }
    spans.extend([
        Span::raw(format!("user:{} ", safe(&app.identity_text()))),
        Span::raw(format!("ns:{ns} ")),
    ]);
    if !app.server_version.is_empty() {
        spans.push(Span::raw(format!("k8s:{} ", app.server_version)));
    }
    spans.extend(metrics::header(app));
    spans.push(Span::styled(
        format!("{} ", safe(&app.info.server)),
        app.theme.style("header_dim"),
    ));
    if app.readonly {
        spans.push(Span::styled(" READ-ONLY ", app.theme.style("readonly")));
    }
    if app.guardrails.protected {
        spans.push(Span::styled(
            " PROTECTED ",
            app.theme
                .style("flash_error")
                .add_modifier(Modifier::REVERSED),
        ));
    }
    if app.info.insecure {
        spans.push(Span::styled(
            " INSECURE TLS: the server is not verified ",
            app.theme.style("flash_error"),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_table_title(app: &App, title: &str, t: &TableView, frame: &mut Frame, area: Rect) {
    let data = t.lock();
    let scope = match (&t.kind, &t.scope.namespace) {
        (Some(k), Some(ns)) if k.namespaced => format!("({ns})"),
        (Some(k), None) if k.namespaced => "(all)".into(),
        _ => String::new(),
    };
    let mut spans = vec![Span::styled(
        format!(" {title}{scope}[{}] ", t.visible.len()),
        app.theme.style("title"),
    )];
    if let Some(sel) = &t.scope.label_selector {
        spans.push(Span::raw(format!("-l {} ", safe(sel))));
    }
    if t.kind.as_ref().is_some_and(|k| {
        k.is("apps", "deployments") || k.is("apps", "statefulsets") || k.is("apps", "daemonsets")
    }) {
        let rolling = rollouts(&data);
        if let Some((name, text)) = rolling.first() {
            let more = if rolling.len() > 1 {
                format!(" (+{} more)", rolling.len() - 1)
            } else {
                String::new()
            };
            spans.push(Span::styled(
                format!("rolling out {}: {text}{more} ", safe(name)),
                app.theme.style("status_pending"),
            ));
        }
    }
    if !t.marked.is_empty() {
        spans.push(Span::styled(
            format!("[{} marked] ", t.marked.len()),
            app.theme.style("filter"),
        ));
    }
    if let Some(sel) = &t.scope.field_selector {
        spans.push(Span::raw(format!("{} ", safe(sel))));
    }
    if !t.filter.is_empty() {
        spans.push(Span::styled(
            format!("</{}> ", safe(&t.filter.display())),
            app.theme.style("filter"),
        ));
    }
    let (text, color) = match &data.feed {
        // A first list shown page by page: how far it is.
        Feed::Loading => match data.loading {
            Some(tug_model::table::Progress {
                loaded,
                total: Some(total),
            }) => (format!("loading {loaded} of {total}…"), "status_pending"),
            Some(p) => (format!("loading {}…", p.loaded), "status_pending"),
            None => ("loading…".to_string(), "status_pending"),
        },
        Feed::Live => (String::new(), "status_ok"),
        Feed::Reconnecting { error, attempt } => (
            format!("reconnecting (attempt {attempt}): {}", safe(error)),
            "status_error",
        ),
        Feed::Refused(e) => (safe(e), "status_error"),
    };
    if !text.is_empty() {
        spans.push(Span::styled(text, app.theme.style(color)));
    }
    let _ = app;
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Workloads whose rollout is in progress, from their printed cells: a Deployment's READY x/n, UP-TO-DATE and
/// AVAILABLE, a DaemonSet's DESIRED, UP-TO-DATE and AVAILABLE, a StatefulSet's READY x/n alone (kubectl
/// prints no updated count for it, so a pod being replaced shows as not ready): (name, progress).
pub fn rollouts(data: &tug_model::table::TableData) -> Vec<(String, String)> {
    let Some(ready) = data.column("ready") else {
        return vec![];
    };
    let (desired, updated, available) = (
        data.column("desired"),
        data.column("up-to-date"),
        data.column("available"),
    );
    let number = |r: &tug_model::table::Row, i: Option<usize>| -> Option<i64> {
        r.cells.get(i?)?.parse().ok()
    };
    data.rows()
        .filter_map(|r| {
            let cell = r.cells.get(ready)?;
            let (now, want): (i64, i64) = match (cell.split_once('/'), number(r, desired)) {
                (Some((x, n)), _) => (x.parse().ok()?, n.parse().ok()?),
                (None, Some(want)) => (cell.parse().ok()?, want),
                (None, None) => return None,
            };
            let text = match (number(r, updated), number(r, available)) {
                (Some(up), Some(av)) if up < want || av < want => {
                    format!("updated {up}/{want}, available {av}/{want}")
                }
                (None, _) if now < want => format!("ready {now}/{want}"),
                _ => return None,
            };
            Some((r.name.to_string(), text))
        })
        .collect()
}

/// How a STATUS cell reads to an operator: the theme element that styles it.
pub fn status_element(status: &str) -> &'static str {
    match status {
        "Running" | "Ready" | "Active" | "Bound" | "Complete" | "Available" | "Ok" | "next"
        | "" => "status_ok",
        "Suspended" => "status_done",
        "Completed" | "Succeeded" => "status_done",
        "Pending" | "ContainerCreating" | "PodInitializing" | "Terminating" | "Unknown"
        | "Progressing" | "SchedulingDisabled" => "status_pending",
        s if s.starts_with("Init:") && !s.contains("Error") && !s.contains("CrashLoop") => {
            "status_pending"
        }
        _ => "status_error",
    }
}

/// On a terminal too narrow for every column, the widest columns give way (one cell at a time, never below
/// their header) until the last one — a problem's reason, an explanation's evidence, or AGE — has a third of
/// the line or all it needs, so it is not pushed off the screen.
fn fit_last_column(widths: &mut [usize], headers: &[String], avail: usize) {
    let Some((last, others)) = widths.split_last_mut() else {
        return;
    };
    let want = (*last).min(avail / 3);
    let spacing = 2 * others.len();
    loop {
        let used: usize = others.iter().sum::<usize>() + spacing + want;
        if used <= avail {
            return;
        }
        let floor = |i: usize| headers.get(i).map_or(1, |h| h.chars().count()).max(6);
        let Some(widest) = (0..others.len())
            .filter(|i| others[*i] > floor(*i))
            .max_by_key(|i| (others[*i], std::cmp::Reverse(*i)))
        else {
            return;
        };
        others[widest] -= 1;
    }
}

fn render_table(app: &App, t: &TableView, frame: &mut Frame, area: Rect) {
    let data = t.lock();
    if data.is_empty()
        && let Feed::Refused(e) = &data.feed
    {
        frame.render_widget(
            Paragraph::new(safe(e))
                .style(app.theme.style("status_error"))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let show_ns = t.kind.as_ref().is_some_and(|k| k.namespaced) && t.scope.namespace.is_none();
    // Wide-only columns are hidden, as `kubectl get` does.
    let cols = t.shown_columns(&data.columns);
    let age_col = data
        .columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case("age"));
    let status_col = data
        .columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case("status"));
    let page = area.height.saturating_sub(1) as usize;
    let rows: Vec<&tug_model::table::Row> = t.window(&data, page).collect();
    let cell_text = |r: &tug_model::table::Row, i: usize| -> String {
        if Some(i) == age_col
            && let Some(created) = r.created
        {
            return human_duration(app.now.as_second() - created);
        }
        let text = r.cells.get(i).map(|c| &**c).unwrap_or_default();
        // A k9s `|T` column holds a timestamp and reads as an age.
        if data.columns[i].kind == tug_model::custom_columns::TIME_KIND
            && let Ok(t) = text.parse::<jiff::Timestamp>()
        {
            return human_duration(app.now.as_second() - t.as_second());
        }
        safe(text)
    };
    let metric = metrics::MetricCells::of(t, &data, &cols);
    let metric_cells = metric.as_ref().map(|m| m.cells(app, &rows));
    let metric_at = metric.as_ref().map(|m| m.at + usize::from(show_ns));
    let mut headers: Vec<String> = vec![];
    if show_ns {
        headers.push("NAMESPACE".into());
    }
    headers.extend(cols.iter().map(|i| data.columns[*i].name.to_uppercase()));
    if let (Some(m), Some(at)) = (&metric, metric_at) {
        headers.splice(at..at, m.headers());
    }
    // Display width, not chars: a CJK name takes two cells a character.
    let width = |s: &str| Span::raw(s).width();
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    let mut body: Vec<Vec<String>> = vec![];
    for (n, r) in rows.iter().enumerate() {
        let mut cells = vec![];
        if show_ns {
            cells.push(safe(&r.namespace));
        }
        cells.extend(cols.iter().map(|i| cell_text(r, *i)));
        if let (Some(mc), Some(at)) = (&metric_cells, metric_at) {
            cells.splice(at..at, mc[n].iter().map(|(text, _)| text.clone()));
        }
        for (w, c) in widths.iter_mut().zip(&cells) {
            *w = (*w).max(width(c)).min(MAX_COLUMN);
        }
        body.push(cells);
    }
    // Metric columns give way to the table's own on a narrow terminal: the last ones (percentages) first.
    let mut kept = metric.as_ref().map_or(0, |m| m.width());
    if let Some(at) = metric_at {
        let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
        while kept > 0 && total(&widths) > area.width as usize {
            kept -= 1;
            widths.remove(at + kept);
            headers.remove(at + kept);
            for cells in &mut body {
                cells.remove(at + kept);
            }
        }
    }
    // Where shown column `p` is among the cells (the metric columns come in between).
    let position = |p: usize| {
        let p = p + usize::from(show_ns);
        match metric_at {
            Some(at) if p >= at => p + kept,
            _ => p,
        }
    };
    fit_last_column(&mut widths, &headers, area.width as usize);
    // k9s `|N` columns are numbers: right-aligned.
    for (p, i) in cols.iter().enumerate() {
        if data.columns[*i].kind == tug_model::custom_columns::NUMBER_KIND {
            let (at, w) = (position(p), widths[position(p)]);
            for cells in &mut body {
                cells[at] = format!("{:>w$}", cells[at]);
            }
        }
    }
    let status_at = status_col
        .and_then(|s| cols.iter().position(|c| *c == s))
        .map(position);
    let table_rows: Vec<TRow> = body
        .into_iter()
        .enumerate()
        .map(|(n, cells)| {
            let selected = t.offset + n == t.cursor;
            let element = status_at
                .and_then(|s| cells.get(s))
                .map_or("status_ok", |s| status_element(s));
            let deleting = rows.get(n).is_some_and(|r| r.deleting);
            let mut style = app.theme.style(element);
            if deleting {
                style = style.add_modifier(Modifier::DIM);
            }
            if rows.get(n).is_some_and(|r| t.marked.contains(&r.key())) {
                style = style
                    .patch(app.theme.style("filter"))
                    .add_modifier(Modifier::BOLD);
            }
            if selected {
                style = style.patch(app.theme.style("selected"));
            }
            // A metric over its threshold stands out in its own colour (the pod about to be OOM-killed).
            let over = |c: usize| -> Option<&'static str> {
                let at = metric_at?;
                let mc = metric_cells.as_ref()?.get(n)?;
                let i = c.checked_sub(at).filter(|i| *i < kept)?;
                mc.get(i)?.1
            };
            let cells: Vec<Cell> = cells
                .into_iter()
                .enumerate()
                .map(|(c, text)| match over(c) {
                    Some(e) if !selected => {
                        Cell::from(text).style(app.theme.style(e).add_modifier(Modifier::BOLD))
                    }
                    Some(_) => Cell::from(text).style(Modifier::BOLD),
                    None => Cell::from(text),
                })
                .collect();
            TRow::new(cells).style(style)
        })
        .collect();
    // The last column takes the rest of the line (a long detail, an explanation's evidence), but only what the
    // others leave: a `Min` there would squeeze NAME and STATUS to two letters on an 80-column terminal.
    let last = widths.len().saturating_sub(1);
    let constraints: Vec<Constraint> = widths
        .iter()
        .enumerate()
        .map(|(n, w)| {
            if n == last {
                Constraint::Fill(1)
            } else {
                Constraint::Length(*w as u16)
            }
        })
        .collect();
    let table = Table::new(table_rows, constraints)
        .header(
            TRow::new(headers.into_iter().map(Cell::from)).style(app.theme.style("table_header")),
        )
        .column_spacing(2);
    frame.render_widget(table, area);
    if data.is_empty() && data.feed == Feed::Live {
        let msg = Rect {
            y: area.y + 1,
            height: 1,
            ..area
        };
        frame.render_widget(
            Paragraph::new("no resources").style(app.theme.style("hints")),
            msg,
        );
    }
}

fn render_text(app: &App, t: &TextView, frame: &mut Frame, area: Rect) {
    if t.loading {
        frame.render_widget(Paragraph::new("loading…"), area);
        return;
    }
    let lines: Vec<Line> = t
        .lines
        .iter()
        .skip(t.scroll)
        .take(area.height as usize)
        .map(|l| {
            let l = safe(l);
            match &t.search {
                Some(needle) if l.to_lowercase().contains(needle.as_str()) => {
                    Line::from(Span::styled(l, app.theme.style("match")))
                }
                _ => Line::from(l),
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_log_title(app: &App, title: &str, l: &LogView, frame: &mut Frame, area: Rect) {
    let b = l
        .buffer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let on = |flag: bool, name: &str| {
        if flag {
            format!("[{name}] ")
        } else {
            String::new()
        }
    };
    let mut text = format!(" {} ", safe(title));
    text.push_str(&if l.follow {
        "[follow] ".to_string()
    } else {
        "[paused] ".to_string()
    });
    text.push_str(&on(l.target.previous, "previous"));
    if let Some(since) = l.target.since {
        text.push_str(&format!(
            "[since {}] ",
            tug_model::duration::short_human_duration(since)
        ));
    }
    text.push_str(&on(l.timestamps, "timestamps"));
    text.push_str(&on(l.wrap, "wrap"));
    text.push_str(&on(l.json_pretty, "json"));
    text.push_str(&on(l.only_matches && l.search.is_some(), "only matches"));
    if matches!(l.target.pods, tug_cluster::logs::PodSet::Selector(_)) {
        let mut pods: Vec<&str> = b
            .sources
            .iter()
            .filter_map(|s| s.split('/').next())
            .filter(|p| !p.is_empty())
            .collect();
        pods.sort_unstable();
        pods.dedup();
        text.push_str(&format!("{} pods, ", pods.len()));
    }
    text.push_str(&format!("{} lines", b.len()));
    if b.dropped > 0 {
        text.push_str(&format!(" ({} older dropped)", b.dropped));
    }
    if let Some(s) = &l.search {
        text.push_str(&format!(" </{}>", safe(&s.display())));
    }
    frame.render_widget(Paragraph::new(text).style(app.theme.style("title")), area);
}

/// Colours for pod/container tags, by source.
const TAG_COLORS: [ratatui::style::Color; 6] = [
    ratatui::style::Color::Cyan,
    ratatui::style::Color::Magenta,
    ratatui::style::Color::Green,
    ratatui::style::Color::Yellow,
    ratatui::style::Color::Blue,
    ratatui::style::Color::LightRed,
];

fn render_log(app: &App, l: &LogView, frame: &mut Frame, area: Rect) {
    let page = area.height as usize;
    let b = l
        .buffer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Only the visible page is looked at, unless only matching lines are shown.
    let filtered = l.filtered(&b);
    let n = filtered.as_ref().map_or(b.len(), Vec::len);
    let top = l.top_of(n, page);
    let shown: Vec<usize> = match &filtered {
        Some(f) => f.iter().skip(top).take(page).copied().collect(),
        None => (top..n).take(page).collect(),
    };
    let mut lines: Vec<Line> = vec![];
    for i in shown {
        let Some(line) = b.get(i) else { continue };
        let tag = b
            .sources
            .get(line.source as usize)
            .map(String::as_str)
            .unwrap_or_default();
        let mut prefix = vec![];
        if !tag.is_empty() {
            let color = TAG_COLORS[line.source as usize % TAG_COLORS.len()];
            prefix.push(Span::styled(
                format!("{} ", safe(tag)),
                ratatui::style::Style::new().fg(color),
            ));
        }
        if l.timestamps
            && let Some(t) = &line.time
        {
            prefix.push(Span::styled(format!("{t} "), app.theme.style("hints")));
        }
        let style = if l.hit(&b, i) {
            app.theme.style("match")
        } else if line.marker {
            app.theme.style("status_pending")
        } else {
            ratatui::style::Style::new()
        };
        let pretty = l
            .json_pretty
            .then(|| serde_json::from_str::<serde_json::Value>(&line.text).ok())
            .flatten()
            .filter(serde_json::Value::is_object)
            .and_then(|v| serde_json::to_string_pretty(&v).ok());
        match pretty {
            Some(p) => {
                for (n, part) in p.lines().enumerate() {
                    let mut spans = if n == 0 {
                        prefix.clone()
                    } else {
                        vec![Span::raw("  ")]
                    };
                    spans.push(Span::styled(safe(part), style));
                    lines.push(Line::from(spans));
                }
            }
            None => {
                prefix.push(Span::styled(line.text.to_string(), style));
                lines.push(Line::from(prefix));
            }
        }
    }
    // Following with expanded JSON: keep the newest lines on screen.
    if l.follow && lines.len() > page {
        lines.drain(..lines.len() - page);
    }
    let mut p = Paragraph::new(lines);
    if l.wrap {
        p = p.wrap(Wrap { trim: false });
    }
    frame.render_widget(p, area);
}

#[cfg(test)]
mod keymap_tests;
#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::app::{AppEvent, View};
    use tug_cluster::connect::ClusterInfo;
    use tug_cluster::discovery::Kind;
    use tug_model::table::{Column, Row};

    #[test]
    fn on_a_narrow_terminal_the_widest_columns_give_way_to_the_last() {
        let headers: Vec<String> = ["NAME", "KIND", "STATUS", "DETAIL"]
            .map(String::from)
            .into();
        // 80 columns: NAME 33, KIND 21, STATUS 16 and a 75-cell DETAIL do not fit.
        let mut widths = vec![33, 21, 16, 75];
        fit_last_column(&mut widths, &headers, 80);
        let used: usize = widths[..3].iter().sum::<usize>() + 6;
        assert_eq!(80 - used, 26, "{widths:?}"); // a third of the line left for DETAIL
        assert!(widths[..3].iter().all(|w| *w >= 6), "{widths:?}");
        assert_eq!(widths[2], 16, "the narrowest keeps its width: {widths:?}");
        // What fits is left alone.
        let mut widths = vec![20, 5, 16, 5];
        fit_last_column(&mut widths, &headers, 80);
        assert_eq!(widths, vec![20, 5, 16, 5]);
    }

    pub(super) fn app_with_pods(rows: Vec<Row>) -> App {
        let info = ClusterInfo {
            context: "tug-sim".into(),
            user: "admin".into(),
            ..Default::default()
        };
        let mut app = App::new(info, Some("shop".into()), None, false);
        let pods = Kind {
            group: String::new(),
            version: "v1".into(),
            plural: "pods".into(),
            kind: "Pod".into(),
            namespaced: true,
            short_names: vec!["po".into()],
            verbs: vec!["list".into()],
        };
        app.handle(AppEvent::Discovered(Ok(vec![pods])));
        let col = |n: &str, p| Column {
            name: n.into(),
            kind: "string".into(),
            priority: p,
        };
        if let Some(View {
            body: Body::Table(t),
            ..
        }) = app.top()
        {
            t.lock().replace_all(
                vec![
                    col("Name", 0),
                    col("Ready", 0),
                    col("Status", 0),
                    col("Restarts", 0),
                    col("Age", 0),
                    col("IP", 1),
                ],
                rows,
            );
        }
        app.now = jiff::Timestamp::from_second(1_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        app
    }

    fn pod(name: &str, status: &str, created: i64) -> Row {
        Row {
            namespace: "shop".into(),
            name: name.into(),
            uid: "".into(),
            created: Some(created),
            deleting: false,
            cells: vec![
                name.into(),
                "1/1".into(),
                status.into(),
                "0".into(),
                "stale".into(),
                "10.0.0.1".into(),
            ],
        }
    }

    fn draw(app: &mut App, w: u16, h: u16) -> Vec<String> {
        app.size = (w, h);
        app.prepare();
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap_or_else(|e| panic!("{e}"));
        terminal
            .draw(|f| render(app, f))
            .unwrap_or_else(|e| panic!("{e}"));
        let buf = terminal.backend().buffer().clone();
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn the_pod_table_shows_normal_columns_ticking_ages_and_a_cursor() {
        let mut app = app_with_pods(vec![
            pod("web-1", "Running", 1_000_000 - 200),
            pod("web-2", "CrashLoopBackOff", 1_000_000 - 90_000),
        ]);
        let lines = draw(&mut app, 80, 24);
        assert!(
            lines[0].contains("ctx:tug-sim") && lines[0].contains("ns:shop"),
            "{lines:?}"
        );
        assert_eq!(lines[1], " pods(shop)[2]");
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        );
        // Age comes from creationTimestamp, not the server's stale cell; the wide IP column is hidden.
        assert_eq!(
            lines[3].split_whitespace().collect::<Vec<_>>(),
            ["web-1", "1/1", "Running", "0", "3m20s"]
        );
        assert_eq!(lines[4].split_whitespace().last(), Some("25h"));
        assert!(lines[23].contains("<pods>"), "{:?}", lines[23]);
    }

    #[test]
    fn columns_line_up_after_names_of_double_width_characters() {
        let mut app = app_with_pods(vec![
            pod("数据库数据库-0", "Running", 1_000_000 - 200),
            pod("web-1", "Running", 1_000_000 - 200),
        ]);
        app.size = (80, 24);
        app.prepare();
        let mut terminal =
            Terminal::new(TestBackend::new(80, 24)).unwrap_or_else(|e| panic!("{e}"));
        terminal
            .draw(|f| render(&app, f))
            .unwrap_or_else(|e| panic!("{e}"));
        let buf = terminal.backend().buffer().clone();
        // The screen column where READY's "1/1" starts, on each row.
        let ready_at = |y: u16| {
            (0..79u16).find(|x| buf[(*x, y)].symbol() == "1" && buf[(*x + 1, y)].symbol() == "/")
        };
        let (wide, narrow) = (ready_at(3), ready_at(4));
        assert!(wide.is_some(), "no READY cell on the first row");
        assert_eq!(wide, narrow, "READY starts at the same column on both rows");
        // Six double-width characters and "-0": the name column is 14 cells wide (plus 2 of spacing).
        assert_eq!(narrow, Some(16));
    }

    #[test]
    fn a_rollout_in_progress_shows_in_the_title() {
        let col = |n: &str| Column {
            name: n.into(),
            kind: "string".into(),
            priority: 0,
        };
        let mut data = tug_model::table::TableData::default();
        let row = |name: &str, ready: &str, up: &str, av: &str| Row {
            namespace: "shop".into(),
            name: name.into(),
            uid: "".into(),
            created: None,
            deleting: false,
            cells: vec![name.into(), ready.into(), up.into(), av.into()],
        };
        data.replace_all(
            vec![
                col("Name"),
                col("Ready"),
                col("Up-to-date"),
                col("Available"),
            ],
            vec![row("web", "3/5", "2", "3"), row("db", "1/1", "1", "1")],
        );
        assert_eq!(
            rollouts(&data),
            vec![("web".to_string(), "updated 2/5, available 3/5".to_string())]
        );
        // A StatefulSet: READY alone.
        data.replace_all(
            vec![col("Name"), col("Ready"), col("Age")],
            vec![
                row("postgres", "1/2", "3m", ""),
                row("redis", "1/1", "3m", ""),
            ],
        );
        assert_eq!(
            rollouts(&data),
            vec![("postgres".to_string(), "ready 1/2".to_string())]
        );
        // A DaemonSet: DESIRED, READY as a number, UP-TO-DATE, AVAILABLE.
        let ds = |name: &str, up: &str| Row {
            cells: vec![name.into(), "3".into(), "3".into(), up.into(), "3".into()],
            ..row(name, "", "", "")
        };
        data.replace_all(
            vec![
                col("Name"),
                col("Desired"),
                col("Ready"),
                col("Up-to-date"),
                col("Available"),
            ],
            vec![ds("node-exporter", "1"), ds("kube-proxy", "3")],
        );
        assert_eq!(
            rollouts(&data),
            vec![(
                "node-exporter".to_string(),
                "updated 1/3, available 3/3".to_string()
            )]
        );
    }

    #[test]
    fn hostile_cells_are_neutralised_and_tiny_terminals_get_a_notice() {
        let mut evil = pod("x\u{1b}[2Jevil", "Running", 0);
        evil.cells[0] = format!("x\u{1b}[2Jevil{}", "n".repeat(500)).into();
        let mut app = app_with_pods(vec![evil]);
        let lines = draw(&mut app, 80, 24);
        assert!(lines[3].starts_with("x?[2Jevilnnn"), "{:?}", lines[3]);
        assert!(lines.iter().all(|l| !l.contains('\u{1b}')));
        let lines = draw(&mut app, 19, 5);
        assert_eq!(lines[0], "terminal too small");
        let _ = draw(&mut app, 1, 1);
    }
}
