//! Draws the manifest editor: line numbers, YAML colouring, the cursor and search matches for the visible window
//! only; the diff before a save; the conflict choice; and the status line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::App;
use crate::app::editor::{EditorView, Stage};
use tug_model::merge::DiffLine;

pub fn render(app: &App, ed: &EditorView, frame: &mut Frame, title: Rect, body: Rect) {
    let mut head = format!(" {} ", super::safe(&ed.title()));
    if ed.modified() {
        head.push_str(" [modified]");
    }
    let cursor = ed.area.cursor();
    head.push_str(&format!(
        "  line {}/{} col {}",
        cursor.0 + 1,
        ed.area.lines().len(),
        cursor.1 + 1
    ));
    frame.render_widget(Paragraph::new(head).style(app.theme.style("title")), title);
    if body.height < 2 {
        return;
    }
    let text = Rect {
        height: body.height - 1,
        ..body
    };
    let status = Rect {
        y: body.y + body.height - 1,
        height: 1,
        ..body
    };
    match &ed.stage {
        Stage::Loading => {
            frame.render_widget(Paragraph::new("loading…"), text);
        }
        Stage::Confirm { diff, scroll, .. } => {
            render_diff(app, diff, *scroll, frame, text);
            status_line(
                app,
                frame,
                status,
                "apply these changes? y: yes  n/Esc: back to editing  j/k: scroll",
                false,
            );
        }
        Stage::Conflict {
            changes,
            merged,
            scroll,
            ..
        } => {
            let mut lines = vec![DiffLine::Header(
                "The object changed on the server since you opened it. What changed there:".into(),
            )];
            lines.extend(changes.iter().cloned());
            let question = match merged {
                Ok(_) => {
                    "r: reload and re-apply your changes  o: overwrite theirs  k/Esc: keep editing"
                        .to_string()
                }
                Err(paths) => {
                    lines.push(DiffLine::Header(String::new()));
                    lines.push(DiffLine::Header(format!(
                        "Both changed: {} — your changes cannot be re-applied automatically.",
                        paths.join(", ")
                    )));
                    "o: overwrite theirs with your version  k/Esc: keep editing".to_string()
                }
            };
            render_diff(app, &lines, *scroll, frame, text);
            status_line(app, frame, status, &question, true);
        }
        stage => {
            render_buffer(app, ed, frame, text);
            match stage {
                Stage::Prompt { find, input } => {
                    let line = Line::from(vec![
                        Span::styled(
                            if *find { "find: " } else { "go to line: " },
                            app.theme.style("prompt"),
                        ),
                        Span::raw(format!("{}▏", super::safe(input))),
                    ]);
                    frame.render_widget(Paragraph::new(line), status);
                }
                Stage::Checking { .. } => {
                    status_line(app, frame, status, "checking with the server…", false);
                }
                Stage::Sending { .. } => status_line(app, frame, status, "saving…", false),
                Stage::Reloading { .. } => status_line(
                    app,
                    frame,
                    status,
                    "the object changed meanwhile; reading the new version…",
                    true,
                ),
                Stage::Restore { when, .. } => {
                    let lines = vec![
                        format!("An unsaved edit of this object from {when} was found."),
                        String::new(),
                        "r: restore it   d: discard it   Esc: ignore it for now".into(),
                    ];
                    render_box(app, "unsaved edit", &lines, frame, text);
                    default_status(app, ed, frame, status);
                }
                Stage::Leave => {
                    let lines = vec![
                        "Leave without saving?".into(),
                        "Your edit is kept and offered on the next edit of this object.".into(),
                        String::new(),
                        "y: leave   any other key: keep editing".into(),
                    ];
                    render_box(app, "unsaved changes", &lines, frame, text);
                    default_status(app, ed, frame, status);
                }
                _ => default_status(app, ed, frame, status),
            }
        }
    }
}

fn status_line(app: &App, frame: &mut Frame, area: Rect, text: &str, error: bool) {
    let style = app
        .theme
        .style(if error { "flash_error" } else { "prompt" });
    frame.render_widget(Paragraph::new(super::safe(text)).style(style), area);
}

fn default_status(app: &App, ed: &EditorView, frame: &mut Frame, area: Rect) {
    match &ed.message {
        Some((m, error)) => status_line(app, frame, area, m, *error),
        None => {
            let keys = |a| {
                app.keymap
                    .keys(a)
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            };
            use crate::config::Action;
            let hint = if ed.readonly {
                format!(
                    "view only · {} find · {} line · {} leave",
                    keys(Action::EditorFind),
                    keys(Action::EditorGoto),
                    keys(Action::EditorLeave)
                )
            } else {
                format!(
                    "{} save · {} leave · {} find · {} line · {} undo · {} redo",
                    keys(Action::EditorSave),
                    keys(Action::EditorLeave),
                    keys(Action::EditorFind),
                    keys(Action::EditorGoto),
                    keys(Action::EditorUndo),
                    keys(Action::EditorRedo)
                )
            };
            frame.render_widget(Paragraph::new(hint).style(app.theme.style("hints")), area);
        }
    }
}

fn render_box(app: &App, title: &str, lines: &[String], frame: &mut Frame, area: Rect) {
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 4;
    let rect = super::centered(
        area,
        u16::try_from(width).unwrap_or(u16::MAX),
        lines.len() as u16 + 2,
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(
            lines
                .iter()
                .map(|l| Line::from(l.as_str()))
                .collect::<Vec<_>>(),
        )
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {title} "))
                .border_style(app.theme.style("prompt")),
        ),
        rect,
    );
}

fn render_diff(app: &App, lines: &[DiffLine], scroll: usize, frame: &mut Frame, area: Rect) {
    let out: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .take(area.height as usize)
        .map(|l| match l {
            DiffLine::Header(t) => Line::styled(super::safe(t), app.theme.style("title")),
            DiffLine::Hunk(t) => Line::styled(super::safe(t), app.theme.style("diff_hunk")),
            DiffLine::Added(t) => Line::styled(
                format!("+{}", super::safe(t)),
                app.theme.style("diff_added"),
            ),
            DiffLine::Removed(t) => Line::styled(
                format!("-{}", super::safe(t)),
                app.theme.style("diff_removed"),
            ),
            DiffLine::Context(t) => Line::raw(format!(" {}", super::safe(t))),
        })
        .collect();
    frame.render_widget(Paragraph::new(out), area);
}

/// What part of a YAML line a character belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Key,
    Value,
    Comment,
}

/// Classifies a YAML line's characters (by char index): the key before `key:`, a trailing `# comment`, and the
/// rest. A plain lexer: enough to colour, never used to parse.
pub fn classify(line: &str) -> (Option<(usize, usize)>, Option<usize>) {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() && chars[i] == ' ' {
        i += 1;
    }
    while i + 1 < chars.len() && chars[i] == '-' && chars[i + 1] == ' ' {
        i += 2;
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
    }
    let start = i;
    let mut key = None;
    let mut comment = None;
    let mut quote: Option<char> = None;
    for j in start..chars.len() {
        let c = chars[j];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' if j == start || chars[j - 1] == ' ' => quote = Some(c),
                '#' if j == 0 || chars[j - 1] == ' ' => {
                    comment = Some(j);
                    break;
                }
                ':' if key.is_none() && j > start && chars.get(j + 1).is_none_or(|n| *n == ' ') => {
                    key = Some((start, j));
                }
                _ => {}
            },
        }
    }
    (key, comment)
}

fn render_buffer(app: &App, ed: &EditorView, frame: &mut Frame, area: Rect) {
    let lines = ed.area.lines();
    let gutter = ed.gutter();
    let width = (area.width as usize).saturating_sub(gutter);
    let digits = gutter - 1;
    let cursor = ed.area.cursor();
    let show_cursor = matches!(ed.stage, Stage::Editing);
    let pattern = ed.area.search_pattern();
    let style_of = |part: Part| match part {
        Part::Key => app.theme.style("yaml_key"),
        Part::Value => app.theme.style("yaml_value"),
        Part::Comment => app.theme.style("yaml_comment"),
    };
    let mut out: Vec<Line> = Vec::with_capacity(area.height as usize);
    for (row, line) in lines
        .iter()
        .enumerate()
        .skip(ed.top)
        .take(area.height as usize)
    {
        let (key, comment) = classify(line);
        // Search matches as char ranges.
        let matches: Vec<(usize, usize)> = pattern
            .map(|re| {
                re.find_iter(line)
                    .map(|m| {
                        (
                            line[..m.start()].chars().count(),
                            line[..m.end()].chars().count(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut spans = vec![Span::styled(
            format!("{:>digits$} ", row + 1),
            app.theme.style("line_number"),
        )];
        let mut run = String::new();
        let mut run_style: Option<Style> = None;
        let mut visible = line
            .chars()
            .enumerate()
            .skip(ed.left)
            .take(width)
            .peekable();
        let mut last = ed.left;
        while let Some((i, c)) = visible.next() {
            last = i + 1;
            let part = match (key, comment) {
                (_, Some(cm)) if i >= cm => Part::Comment,
                (Some((a, b)), _) if i >= a && i < b => Part::Key,
                _ => Part::Value,
            };
            let style = if show_cursor && row == cursor.0 && i == cursor.1 {
                app.theme.style("cursor")
            } else if matches.iter().any(|(a, b)| i >= *a && i < *b) {
                app.theme.style("match")
            } else {
                style_of(part)
            };
            let shown = match c {
                '\t' => '→',
                c if c.is_control() => '?',
                c => c,
            };
            if run_style != Some(style) && !run.is_empty() {
                spans.push(Span::styled(
                    std::mem::take(&mut run),
                    run_style.unwrap_or_default(),
                ));
            }
            run_style = Some(style);
            run.push(shown);
            if visible.peek().is_none() {
                break;
            }
        }
        if !run.is_empty() {
            spans.push(Span::styled(run, run_style.unwrap_or_default()));
        }
        // The cursor after the end of the line.
        if show_cursor && row == cursor.0 && cursor.1 >= last.max(ed.left) {
            spans.push(Span::styled(" ", app.theme.style("cursor")));
        }
        out.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(out), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_lines_split_into_key_value_and_comment() {
        assert_eq!(classify("  replicas: 3"), (Some((2, 10)), None));
        assert_eq!(classify("- name: app # main"), (Some((2, 6)), Some(12)));
        assert_eq!(classify("  - image: \"a:b\""), (Some((4, 9)), None));
        assert_eq!(classify("# all comment"), (None, Some(0)));
        assert_eq!(classify("  url: http://x:80/#frag"), (Some((2, 5)), None));
        assert_eq!(classify("plain"), (None, None));
        assert_eq!(classify("  key:"), (Some((2, 5)), None));
    }
}
