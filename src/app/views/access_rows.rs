//! What the RBAC views (`:can-i`, `:who-can`, `:subjects`) share: a table that waits for the server's answer,
//! then shows rows the app computed, or the server's refusal in place.

use super::TableView;
use tug_cluster::table_watch::Scope;
use tug_model::table::{Feed, Row};

/// A table with no rows yet ("loading…" until `fill` or `refuse`).
pub fn loading() -> TableView {
    TableView::new(None, Scope::default(), Default::default())
}

/// A row keyed by `namespace`/`name` with these cells.
pub fn row(namespace: &str, name: &str, cells: Vec<String>) -> Row {
    Row {
        namespace: namespace.into(),
        name: name.into(),
        uid: "".into(),
        created: None,
        deleting: false,
        cells: cells.into_iter().map(String::into_boxed_str).collect(),
    }
}

/// The answer's rows, or why there are none (said where the rows would be).
pub fn fill(table: &TableView, columns: &[&str], rows: Result<Vec<Row>, String>) {
    match rows {
        Ok(rows) => table.set_rows(columns, rows),
        Err(e) => table.lock().feed = Feed::Refused(e),
    }
}
