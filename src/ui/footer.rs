//! The bottom line: the prompt being typed, a message, or the breadcrumbs and the current view's key hints
//! (read from the keymap in effect, never written by hand).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::safe;
use crate::app::{App, Mode};
use crate::config::Action;

/// `?:help :kind /filter ⏎:open …`: a prompt key reads as the start of what is typed after it.
pub fn hint_text(app: &App) -> String {
    app.hints()
        .iter()
        .map(|(key, label)| match key.as_str() {
            ":" | "/" => format!("{key}{label}"),
            _ => format!("{key}:{label}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let line = match &app.mode {
        Mode::Command(input) => {
            let mut spans = vec![
                Span::styled(":", app.theme.style("prompt")),
                Span::raw(safe(input)),
            ];
            // A kind the user may not list is marked as it is typed (or completed).
            if let Some(reason) = app.list_denial(input.trim()) {
                spans.push(Span::styled(format!("  ✗ {reason}"), denied_style(app)));
            }
            Line::from(spans)
        }
        Mode::Filter(input) => Line::from(vec![
            Span::styled("/", app.theme.style("prompt")),
            Span::raw(safe(input)),
        ]),
        _ => match &app.flash {
            Some(f) => Line::from(Span::styled(
                safe(&f.text),
                app.theme
                    .style(if f.error { "flash_error" } else { "flash_info" }),
            )),
            None => {
                let crumbs: Vec<String> = app
                    .stack
                    .iter()
                    .map(|v| format!("<{}>", safe(&v.title)))
                    .collect();
                let mut spans = vec![
                    Span::styled(crumbs.join(" "), app.theme.style("crumbs")),
                    Span::styled(format!("  {}", hint_text(app)), app.theme.style("hints")),
                ];
                let denied = denied_text(app);
                if !denied.is_empty() {
                    spans.push(Span::styled(format!("  {denied}"), denied_style(app)));
                }
                Line::from(spans)
            }
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The actions RBAC denies here, greyed: `✗ Ctrl-D:delete S:scale` (`?` says why).
pub fn denied_text(app: &App) -> String {
    let denied = app.denied_hints();
    if denied.is_empty() {
        return String::new();
    }
    let keys: Vec<String> = denied.iter().map(|(k, a)| format!("{k}:{a}")).collect();
    format!("✗ {}", keys.join(" "))
}

/// Greyed and struck through: offered by the view, refused by the rules.
pub fn denied_style(app: &App) -> ratatui::style::Style {
    app.theme
        .style("header_dim")
        .add_modifier(ratatui::style::Modifier::DIM | ratatui::style::Modifier::CROSSED_OUT)
}

/// `Enter/y: yes   Esc/n: no`: a confirmation's answers with (up to two of) the keys in effect.
pub fn confirm_hint(app: &App) -> String {
    [Action::ConfirmYes, Action::ConfirmNo]
        .iter()
        .map(|a| {
            let keys: Vec<String> = app
                .keymap
                .keys(*a)
                .iter()
                .take(2)
                .map(ToString::to_string)
                .collect();
            format!("{}: {}", keys.join("/"), a.hint().unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .join("   ")
}
