//! The help overlay: the current view's bindings first, then navigation and the global ones, with the keys in
//! effect (from `config::keymap::help_lines`); scrolled by the app (`Mode::Help`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::App;
use crate::config::keymap::HelpLine;

/// The width of the keys column.
const KEYS: usize = 16;

pub fn render(app: &App, scroll: u16, frame: &mut Frame, area: Rect) {
    let lines: Vec<Line> = app
        .help_lines()
        .into_iter()
        .map(|l| match l {
            HelpLine::Heading(h) => Line::from(Span::styled(
                h,
                app.theme.style("title").add_modifier(Modifier::BOLD),
            )),
            HelpLine::Binding { keys, about } => Line::from(vec![
                Span::styled(format!("{keys:<KEYS$}"), app.theme.style("crumbs")),
                Span::raw(about),
            ]),
            HelpLine::Denied {
                keys,
                about,
                reason,
            } => Line::from(vec![
                Span::styled(format!("{keys:<KEYS$}"), super::footer::denied_style(app)),
                Span::styled(about, super::footer::denied_style(app)),
                Span::styled(format!("  ({reason})"), app.theme.style("flash_error")),
            ]),
        })
        .collect();
    let len = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let h = len.saturating_add(2).min(area.height);
    let scroll = scroll.min(len.saturating_sub(h.saturating_sub(2)));
    let rect = Rect { height: h, ..area };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(
            Block::new()
                .borders(Borders::ALL)
                .title(" Help (any key closes) "),
        ),
        rect,
    );
}
