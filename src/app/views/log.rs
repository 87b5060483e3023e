//! A live log view: a bounded buffer fed by the cluster, followed at its tail unless scrolled.

use std::sync::{Arc, Mutex};

use super::{Filter, Me, ViewType};
use crate::app::{App, Effect};
use crate::config::Action;
use crate::config::keymap::Scope as KeyScope;

/// A live log: a bounded buffer fed by the cluster, shown following its tail unless scrolled.
pub struct LogView {
    pub target: tug_cluster::logs::LogTarget,
    pub buffer: tug_cluster::logs::SharedLog,
    /// Stick to the newest line.
    pub follow: bool,
    /// First shown position (among the lines shown) when not following.
    pub scroll: usize,
    pub timestamps: bool,
    pub wrap: bool,
    /// `/` search: highlights and jumps (substring, `re:`, `!`), and filters with `only_matches`.
    pub search: Option<Filter>,
    pub only_matches: bool,
    pub json_pretty: bool,
}

impl LogView {
    pub fn new(target: tug_cluster::logs::LogTarget, capacity: usize) -> Self {
        Self {
            target,
            buffer: Arc::new(Mutex::new(tug_model::logbuf::LogBuffer::new(capacity))),
            follow: true,
            scroll: 0,
            timestamps: false,
            wrap: false,
            search: None,
            only_matches: false,
            json_pretty: false,
        }
    }

    /// Whether a buffered line matches the search (its text or its pod/container tag).
    pub fn hit(&self, b: &tug_model::logbuf::LogBuffer, i: usize) -> bool {
        let Some(f) = &self.search else { return false };
        b.get(i).is_some_and(|l| {
            let tag = b
                .sources
                .get(l.source as usize)
                .map(String::as_str)
                .unwrap_or_default();
            f.matches_text(&l.text) || (!tag.is_empty() && f.matches_text(tag) && !f.inverse)
        })
    }

    /// Buffer indices shown when only matching lines are; `None`: every line (no list is built for that).
    pub fn filtered(&self, b: &tug_model::logbuf::LogBuffer) -> Option<Vec<usize>> {
        (self.only_matches && self.search.is_some())
            .then(|| (0..b.len()).filter(|i| self.hit(b, *i)).collect())
    }

    /// The buffer index at display position `p`.
    fn index(filtered: Option<&[usize]>, p: usize) -> usize {
        filtered.map_or(p, |f| f.get(p).copied().unwrap_or(usize::MAX))
    }

    /// The first position to show for a page of `page` lines, out of `n` shown lines.
    pub fn top_of(&self, n: usize, page: usize) -> usize {
        if self.follow {
            n.saturating_sub(page)
        } else {
            self.scroll.min(n.saturating_sub(1))
        }
    }

    pub fn top(&self, page: usize) -> usize {
        let b = self
            .buffer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = self.filtered(&b).map_or(b.len(), |f| f.len());
        self.top_of(n, page)
    }

    /// The next (or previous) matching position from `from`.
    fn find(&self, from: usize, forward: bool) -> Option<usize> {
        self.search.as_ref()?;
        let b = self
            .buffer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let filtered = self.filtered(&b);
        let n = filtered.as_ref().map_or(b.len(), Vec::len);
        let hit = |p: &usize| self.hit(&b, Self::index(filtered.as_deref(), *p));
        if forward {
            (from + 1..n).find(hit)
        } else {
            (0..from.min(n)).rev().find(hit)
        }
    }

    pub fn search(&mut self, text: &str, page: usize) -> Result<(), String> {
        self.search = if text.is_empty() {
            None
        } else {
            Some(Filter::parse(text)?)
        };
        let from = self.top(page);
        if let Some(i) = self
            .find(from.saturating_sub(1), true)
            .or_else(|| self.find(from + 1, false))
        {
            self.follow = false;
            self.scroll = i;
        }
        Ok(())
    }

    /// Scrolling pauses following (the buffer keeps filling); End or `s` resumes it.
    pub fn act(&mut self, action: Action, page: usize) {
        let max = {
            let b = self
                .buffer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            self.filtered(&b)
                .map_or(b.len(), |f| f.len())
                .saturating_sub(1)
        };
        let top = self.top(page);
        match action {
            Action::Up => (self.follow, self.scroll) = (false, top.saturating_sub(1)),
            Action::Down => (self.follow, self.scroll) = (false, (top + 1).min(max)),
            Action::PageUp => (self.follow, self.scroll) = (false, top.saturating_sub(page)),
            Action::PageDown => (self.follow, self.scroll) = (false, (top + page).min(max)),
            Action::Top => (self.follow, self.scroll) = (false, 0),
            Action::Bottom => self.follow = true,
            Action::LogFollow => {
                self.follow = !self.follow;
                self.scroll = top;
            }
            Action::LogTimestamps => self.timestamps = !self.timestamps,
            Action::LogWrap => self.wrap = !self.wrap,
            Action::LogJson => self.json_pretty = !self.json_pretty,
            Action::LogFilterOnly => {
                self.only_matches = !self.only_matches;
                self.follow = true;
            }
            Action::NextMatch => {
                if let Some(i) = self.find(top, true) {
                    (self.follow, self.scroll) = (false, i);
                }
            }
            Action::PreviousMatch => {
                if let Some(i) = self.find(top, false) {
                    (self.follow, self.scroll) = (false, i);
                }
            }
            _ => {}
        }
    }
}

impl ViewType for LogView {
    fn key_scope(&self) -> KeyScope {
        KeyScope::Log
    }

    fn act(&mut self, action: Action, app: &mut App, me: &Me) -> Vec<Effect> {
        let mut target = self.target.clone();
        match action {
            Action::LogSave => {
                return vec![Effect::SaveLog {
                    title: me.title.to_string(),
                    buffer: self.buffer.clone(),
                }];
            }
            Action::LogPrevious => target.previous = !target.previous,
            Action::LogTail => target.since = None,
            Action::LogSince1m => target.since = Some(60),
            Action::LogSince5m => target.since = Some(300),
            Action::LogSince15m => target.since = Some(900),
            Action::LogSince1h => target.since = Some(3600),
            _ => {
                self.act(action, app.page());
                return vec![];
            }
        }
        // Another window of the log: a new stream into a fresh buffer.
        *self = LogView::new(target.clone(), app.log_capacity);
        vec![
            Effect::Unwatch(me.id),
            Effect::Logs {
                view: me.id,
                target,
                buffer: self.buffer.clone(),
            },
        ]
    }
}
