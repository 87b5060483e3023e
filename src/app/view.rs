//! One entry of the view stack: a live table (with cursor, scroll and filter) or a text (YAML, describe).

use std::sync::{Arc, Mutex};

use crossterm::event::{KeyCode, KeyModifiers};

use crate::cluster::discovery::Kind;
use crate::cluster::table_watch::Scope;
use crate::model::table::{Row, RowKey, TableData};

pub type ViewId = u64;

pub struct View {
    pub id: ViewId,
    pub title: String,
    pub body: Body,
}

pub enum Body {
    Table(Box<TableView>),
    Text(TextView),
}

/// A client-side row filter: substring (case-insensitive), `!` to invert.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    pub inverse: bool,
}

impl Filter {
    pub fn parse(s: &str) -> Self {
        match s.strip_prefix('!') {
            Some(rest) => Self {
                text: rest.to_lowercase(),
                inverse: true,
            },
            None => Self {
                text: s.to_lowercase(),
                inverse: false,
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn matches(&self, row: &Row) -> bool {
        if self.text.is_empty() {
            return true;
        }
        let hit = row.namespace.to_lowercase().contains(&self.text)
            || row
                .cells
                .iter()
                .any(|c| c.to_lowercase().contains(&self.text));
        hit != self.inverse
    }

    pub fn display(&self) -> String {
        if self.inverse {
            format!("!{}", self.text)
        } else {
            self.text.clone()
        }
    }
}

pub struct TableView {
    /// `None` for derived tables (a pod's containers) that are not a kind of their own.
    pub kind: Option<Kind>,
    pub scope: Scope,
    pub data: Arc<Mutex<TableData>>,
    pub filter: Filter,
    pub cursor: usize,
    pub offset: usize,
    /// Keys of the rows that pass the filter, in display order; rebuilt when data or filter change.
    pub visible: Vec<RowKey>,
    seen: Option<(u64, Filter)>,
    /// The selected row's key, so the cursor stays on the same object when rows come and go.
    selected: Option<RowKey>,
}

impl TableView {
    pub fn new(kind: Option<Kind>, scope: Scope, data: Arc<Mutex<TableData>>) -> Self {
        Self {
            kind,
            scope,
            data,
            filter: Filter::default(),
            cursor: 0,
            offset: 0,
            visible: vec![],
            seen: None,
            selected: None,
        }
    }

    pub fn reset(&mut self, data: Arc<Mutex<TableData>>) {
        self.data = data;
        self.seen = None;
        self.visible.clear();
        self.cursor = 0;
        self.offset = 0;
        self.selected = None;
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, TableData> {
        self.data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Rebuilds the visible rows if the data or the filter changed, keeping the cursor on its object.
    pub fn refresh(&mut self, page: usize) {
        let data = self.data.clone();
        let data = data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let stamp = (data.version, self.filter.clone());
        if self.seen.as_ref() != Some(&stamp) {
            self.visible = data
                .rows()
                .filter(|r| self.filter.matches(r))
                .map(Row::key)
                .collect();
            self.seen = Some(stamp);
            if let Some(sel) = &self.selected
                && let Some(pos) = self.visible.iter().position(|k| k == sel)
            {
                self.cursor = pos;
            }
        }
        drop(data);
        self.clamp(page);
    }

    fn clamp(&mut self, page: usize) {
        let n = self.visible.len();
        if n == 0 {
            self.cursor = 0;
            self.offset = 0;
            self.selected = None;
            return;
        }
        self.cursor = self.cursor.min(n - 1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        }
        if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
        self.offset = self.offset.min(n.saturating_sub(page));
        self.selected = self.visible.get(self.cursor).cloned();
    }

    pub fn selected_row(&self) -> Option<RowKey> {
        self.visible.get(self.cursor).cloned()
    }

    /// Cursor movement; true if the key was one.
    pub fn navigate(&mut self, code: KeyCode, mods: KeyModifiers, page: usize) -> bool {
        let n = self.visible.len();
        let last = n.saturating_sub(1);
        let ctrl = mods.contains(KeyModifiers::CONTROL);
        self.cursor = match code {
            KeyCode::Down | KeyCode::Char('j') => (self.cursor + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => self.cursor.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char('f') if code == KeyCode::PageDown || ctrl => {
                (self.cursor + page).min(last)
            }
            KeyCode::PageUp | KeyCode::Char('b') if code == KeyCode::PageUp || ctrl => {
                self.cursor.saturating_sub(page)
            }
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => last,
            _ => return false,
        };
        self.clamp(page);
        true
    }
}

/// Scrollable text with search highlighting.
pub struct TextView {
    pub lines: Vec<String>,
    pub scroll: usize,
    pub loading: bool,
    pub search: Option<String>,
}

impl TextView {
    pub fn loading() -> Self {
        Self {
            lines: vec![],
            scroll: 0,
            loading: true,
            search: None,
        }
    }

    pub fn set_text(&mut self, text: &str) {
        self.lines = text.lines().map(str::to_string).collect();
        self.loading = false;
        self.scroll = 0;
    }

    /// Jumps to the first line containing `text` (case-insensitive) and highlights matches.
    pub fn search(&mut self, text: &str) {
        if text.is_empty() {
            self.search = None;
            return;
        }
        let needle = text.to_lowercase();
        if let Some(i) = self
            .lines
            .iter()
            .position(|l| l.to_lowercase().contains(&needle))
        {
            self.scroll = i;
        }
        self.search = Some(needle);
    }

    fn next_match(&mut self, forward: bool) {
        let Some(needle) = &self.search else { return };
        let n = self.lines.len();
        let hit = |i: &usize| self.lines[*i].to_lowercase().contains(needle.as_str());
        let found = if forward {
            (self.scroll + 1..n).find(hit)
        } else {
            (0..self.scroll).rev().find(hit)
        };
        if let Some(i) = found {
            self.scroll = i;
        }
    }

    pub fn key(&mut self, code: KeyCode, page: usize) {
        let max = self.lines.len().saturating_sub(1);
        match code {
            KeyCode::Down | KeyCode::Char('j') => self.scroll = (self.scroll + 1).min(max),
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll = (self.scroll + page).min(max),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => self.scroll = 0,
            KeyCode::End | KeyCode::Char('G') => self.scroll = max,
            KeyCode::Char('n') => self.next_match(true),
            KeyCode::Char('N') => self.next_match(false),
            _ => {}
        }
    }
}
