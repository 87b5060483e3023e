//! Copying what a view shows (the selected or marked rows' names, `namespace/name`, whole rows; a text view's
//! text; the log lines on screen or those matching the search) and `:save` of the view to a file. The app
//! only picks the text: the runtime puts it on the clipboard (OSC 52 and a local tool) or writes the file.

use super::{App, Body, Effect, TableView};
use crate::config::Action;
use tug_model::table::RowKey;

/// What `:save` writes: a table as CSV, anything else as plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveFormat {
    Csv,
    Text,
}

impl SaveFormat {
    pub fn extension(self) -> &'static str {
        match self {
            SaveFormat::Csv => "csv",
            SaveFormat::Text => "txt",
        }
    }
}

impl App {
    /// A copy key in the top view: the text it means, handed to the runtime; `None` if `action` is not one.
    pub(super) fn copy(&mut self, action: Action) -> Option<Vec<Effect>> {
        if !matches!(
            action,
            Action::CopyName | Action::CopyPath | Action::CopyRow | Action::CopyText
        ) {
            return None;
        }
        let page = self.page();
        let picked = match (action, self.top().map(|v| &v.body)) {
            (Action::CopyText, Some(Body::Text(t))) => {
                Some(("text".to_string(), t.lines.join("\n")))
            }
            (Action::CopyText, Some(Body::Log(l))) => {
                let (what, lines) = log_lines(l, page);
                Some((what, lines.join("\n")))
            }
            (_, Some(b)) => b.table().and_then(|t| table_text(action, t)),
            _ => None,
        };
        let Some((what, text)) = picked.filter(|(_, text)| !text.is_empty()) else {
            self.flash("nothing to copy here", false);
            return Some(vec![]);
        };
        self.flash(
            format!("copied {what} ({} bytes) to the clipboard", text.len()),
            false,
        );
        Some(vec![Effect::Copy(text)])
    }

    /// `:save`: the top view, as CSV (a table) or plain text, to a file under the data dir.
    pub(super) fn save_view(&mut self) -> Vec<Effect> {
        let page = self.page();
        let Some(view) = self.top() else {
            return vec![];
        };
        let (format, text) = match &view.body {
            Body::Text(t) => (SaveFormat::Text, t.lines.join("\n")),
            Body::Log(l) => (SaveFormat::Text, log_lines(l, page).1.join("\n")),
            b => match b.table() {
                Some(t) => (SaveFormat::Csv, csv(t)),
                None => {
                    self.flash("this view cannot be saved", false);
                    return vec![];
                }
            },
        };
        vec![Effect::SaveText {
            name: view.title.clone(),
            format,
            text: text + "\n",
        }]
    }
}

/// The rows a copy is of: the marked ones (in display order), else the selected one.
fn chosen(t: &TableView) -> Vec<RowKey> {
    if t.marked.is_empty() {
        t.selected_row().into_iter().collect()
    } else {
        t.visible_keys()
            .into_iter()
            .filter(|k| t.marked.contains(k))
            .collect()
    }
}

fn table_text(action: Action, t: &TableView) -> Option<(String, String)> {
    let keys = chosen(t);
    let data = t.lock();
    let lines: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            let row = data.get(k)?;
            Some(match action {
                Action::CopyName => row.name.to_string(),
                Action::CopyPath if row.namespace.is_empty() => row.name.to_string(),
                Action::CopyPath => format!("{}/{}", row.namespace, row.name),
                _ => row.cells.join("\t"),
            })
        })
        .collect();
    let what = match action {
        Action::CopyName => "name",
        Action::CopyPath => "namespace/name",
        Action::CopyRow => "row",
        _ => return None,
    };
    let what = match lines.len() {
        1 => what.to_string(),
        n => format!("{n} {what}s"),
    };
    Some((what, lines.join("\n")))
}

/// A log's lines to copy or save: those matching the search if there is one, else those on screen.
fn log_lines(l: &super::LogView, page: usize) -> (String, Vec<String>) {
    let b = l
        .buffer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let text = |i: usize| b.get(i).map(|line| line.text.to_string());
    if l.search.is_some() {
        let lines: Vec<String> = (0..b.len())
            .filter(|i| l.hit(&b, *i))
            .filter_map(text)
            .collect();
        return (format!("{} matching log lines", lines.len()), lines);
    }
    let top = l.top_of(b.len(), page);
    let lines: Vec<String> = (top..(top + page).min(b.len())).filter_map(text).collect();
    (format!("{} log lines", lines.len()), lines)
}

/// The table as shown (visible rows in display order), RFC 4180 quoting.
fn csv(t: &TableView) -> String {
    fn field(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let data = t.lock();
    let mut out = vec![
        data.columns
            .iter()
            .map(|c| field(&c.name.to_uppercase()))
            .collect::<Vec<_>>()
            .join(","),
    ];
    out.extend(t.visible.iter().filter_map(|p| data.row(*p)).map(|row| {
        row.cells
            .iter()
            .map(|c| field(c))
            .collect::<Vec<_>>()
            .join(",")
    }));
    out.join("\n")
}
