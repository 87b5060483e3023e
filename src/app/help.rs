//! Keys while the help is open: the navigation keys scroll it, any other key closes it.

use crossterm::event::KeyEvent;

use super::{App, Effect, Mode};
use crate::config::Action;

impl App {
    pub(super) fn help_key(&mut self, key: &KeyEvent, scroll: u16) -> Vec<Effect> {
        let page = u16::try_from(self.page()).unwrap_or(u16::MAX);
        let len = self.help_lines().len();
        let last = u16::try_from(len).unwrap_or(u16::MAX).saturating_sub(page);
        let scroll = match self.keymap.action(key, self.key_scope()) {
            Some(Action::Down) => scroll.saturating_add(1),
            Some(Action::Up) => scroll.saturating_sub(1),
            Some(Action::PageDown) => scroll.saturating_add(page),
            Some(Action::PageUp) => scroll.saturating_sub(page),
            Some(Action::Top) => 0,
            Some(Action::Bottom) => last,
            _ => {
                self.mode = Mode::Normal;
                return vec![];
            }
        };
        self.mode = Mode::Help {
            scroll: scroll.min(last),
        };
        vec![]
    }
}
