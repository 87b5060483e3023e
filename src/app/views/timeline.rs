//! An object's timeline (`Shift-H` on a row): what tug observed of it since the view opened (from a watch of
//! that object), its managedFields, its events and a workload's revisions, newest first. Enter shows the
//! entry's diff against the one before it of the same source, or against the entry marked with Space.

use super::{Me, TableView, TextView, View, ViewType};
use crate::app::{App, Body, Effect};
use crate::config::Action;
use tug_cluster::changes::TimelineFeed;
use tug_model::timeline::{self, Entry};

pub struct TimelineView {
    pub table: TableView,
    pub feed: TimelineFeed,
}

impl TimelineView {
    pub fn new(feed: TimelineFeed) -> Self {
        Self {
            table: TableView::new(None, Default::default(), feed.rows.clone()),
            feed,
        }
    }

    /// What Enter shows for the entry of row `name`: a diff against the marked entry, else against the
    /// previous one of its source, else the entry's own text.
    pub fn detail(&self, name: &str) -> Option<(String, String)> {
        let entries = self
            .feed
            .timeline
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entries();
        let i = timeline::index_of(&entries, name)?;
        let entry = &entries[i];
        let marked: Vec<usize> = self
            .table
            .marked
            .iter()
            .filter_map(|(_, name)| timeline::index_of(&entries, name))
            .filter(|m| *m != i)
            .collect();
        if let Some(&m) = marked.first()
            && let Some(other) = entries.get(m)
        {
            // Entries are newest first: the higher index is the older one.
            let (older, newer) = if m > i {
                (other, entry)
            } else {
                (entry, other)
            };
            return Some(("diff".into(), timeline::diff(older, newer)));
        }
        match timeline::previous_of(&entries, i) {
            Some(before) => Some(("diff".into(), timeline::diff(before, entry))),
            None => Some((entry.source.label().into(), shown(entry))),
        }
    }
}

fn shown(e: &Entry) -> String {
    format!(
        "{}  {}  {}\n{}\n\n{}",
        timeline::clock(e.time),
        e.source.label(),
        e.who,
        e.summary,
        e.text
    )
}

impl ViewType for TimelineView {
    fn table(&self) -> Option<&TableView> {
        Some(&self.table)
    }

    fn table_mut(&mut self) -> Option<&mut TableView> {
        Some(&mut self.table)
    }

    fn act(&mut self, action: Action, app: &mut App, me: &Me) -> Vec<Effect> {
        if action != Action::Open {
            return vec![];
        }
        let Some((_, name)) = self.table.selected_row() else {
            return vec![];
        };
        let Some((what, text)) = self.detail(&name) else {
            return vec![];
        };
        let mut view = TextView::loading();
        view.set_text(&text);
        let id = app.id();
        app.stack.push(View {
            id,
            title: format!("{what}/{}", me.title.trim_start_matches("timeline/")),
            body: Body::Text(Box::new(view)),
        });
        vec![]
    }
}
