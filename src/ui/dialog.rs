//! Dialogs: a centred box with the question, the fields being typed and the keys that answer it. Renders
//! `app::actions::Dialog` only; nothing here changes state.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{centered, footer, safe};
use crate::app::App;

/// A centred box asking before anything is sent.
pub(super) fn render_dialog(
    app: &App,
    dialog: &crate::app::actions::Dialog,
    frame: &mut Frame,
    area: Rect,
) {
    use crate::app::actions::Dialog;
    let confirm = footer::confirm_hint(app);
    let (title, mut lines, hint) = match dialog {
        Dialog::Forward {
            pod, input, error, ..
        } => {
            let mut lines = vec![
                format!("forward LOCAL:REMOTE   {input}▏"),
                "(on 127.0.0.1; e.g. 8080:80)".into(),
            ];
            if let Some(e) = error {
                lines.push(String::new());
                lines.push(format!("⚠ {e}"));
            }
            (
                format!("Port-forward pod/{pod}"),
                lines,
                "Enter: start   Esc: cancel",
            )
        }
        Dialog::ConfirmMany { title, lines, .. } | Dialog::RunPlugin { title, lines, .. } => {
            (title.clone(), lines.clone(), confirm.as_str())
        }
        Dialog::Confirm { title, lines, .. } => (title.clone(), lines.clone(), confirm.as_str()),
        Dialog::PluginInputs(form) => (
            form.title.clone(),
            form.lines(),
            "Tab ↑↓: field   Space ←→: choose   Enter: run   Esc: cancel",
        ),
        Dialog::SetImage {
            target,
            fields,
            cursor,
            error,
        } => {
            let width = fields
                .iter()
                .map(|f| f.current.name.len())
                .max()
                .unwrap_or(0);
            let mut lines: Vec<String> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let at = if i == *cursor { "▶" } else { " " };
                    let init = if f.current.init { " (init)" } else { "" };
                    let caret = if i == *cursor { "▏" } else { "" };
                    let mark = if f.changed() { "*" } else { " " };
                    format!(
                        "{at}{mark}{:width$}  {}{caret}{init}",
                        f.current.name, f.input
                    )
                })
                .collect();
            lines.push(String::new());
            lines.push("(* changed; the others are not sent)".into());
            if let Some(e) = error {
                lines.push(format!("⚠ {e}"));
            }
            (
                format!(
                    "Set image {}/{}",
                    target.kind.kind.to_lowercase(),
                    target.name
                ),
                lines,
                "↑/↓ container   type: image (Ctrl-U clears)   Enter: preview   Esc: cancel",
            )
        }
        Dialog::TypeName {
            title,
            lines,
            expected,
            input,
            error,
            ..
        } => {
            let mut lines = lines.clone();
            lines.push(String::new());
            lines.push(format!("PROTECTED context: type {expected} to confirm"));
            lines.push(format!("> {input}▏"));
            if let Some(e) = error {
                lines.push(format!("⚠ {e}"));
            }
            (title.clone(), lines, "Enter: send   Esc: cancel")
        }
        Dialog::Scale {
            kind,
            name,
            current,
            input,
            error,
            ..
        } => {
            let mut lines = vec![
                format!("current replicas: {current}"),
                format!("new replicas:     {input}▏"),
            ];
            if let Some(e) = error {
                lines.push(String::new());
                lines.push(format!("⚠ {e}"));
            }
            (
                format!("Scale {}/{name}", kind.kind.to_lowercase()),
                lines,
                "digits, +/-: change   Enter: scale   Esc: cancel",
            )
        }
    };
    lines.push(String::new());
    lines.push(hint.to_string());
    let width = (lines
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(20)
        .max(title.chars().count()) as u16
        + 4)
    .min(area.width);
    let rect = centered(area, width, lines.len() as u16 + 2);
    let text: Vec<Line> = lines
        .iter()
        .map(|l| {
            let style = if l.starts_with('+') {
                app.theme
                    .style("status_ok")
                    .fg(ratatui::style::Color::Green)
            } else if l.starts_with('-') || l.starts_with('⚠') {
                app.theme.style("status_error")
            } else {
                ratatui::style::Style::new()
            };
            Line::from(Span::styled(safe(l), style))
        })
        .collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(text).block(
            Block::new()
                .borders(Borders::ALL)
                .title(format!(" {} ", safe(&title))),
        ),
        rect,
    );
}
