//! Rows of a resource table as the API server prints them (the `meta.k8s.io/v1` Table), kept compactly:
//! cells as strings, a handful of metadata fields, no objects. One `TableData` per open view.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

/// A column as the server defines it; `priority > 0` means "wide only".
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub priority: i64,
}

/// One object's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Shared, not copied: a view's visible rows are keys, rebuilt on filter and sort (at 100,000 rows,
    /// copying two strings per row per keystroke was most of its cost).
    pub namespace: Arc<str>,
    pub name: Arc<str>,
    pub uid: Box<str>,
    /// creationTimestamp, seconds since the epoch: the Age column is recomputed from it, so it ticks.
    pub created: Option<i64>,
    pub deleting: bool,
    pub cells: Vec<Box<str>>,
}

pub type RowKey = (Arc<str>, Arc<str>);

impl Row {
    pub fn key(&self) -> RowKey {
        (self.namespace.clone(), self.name.clone())
    }

    /// Builds a row from a Table row with `includeObject=Metadata` (or one `custom_columns::project`ed,
    /// whose computed cells follow the server's).
    pub fn from_table_row(row: &TableRow) -> Self {
        let meta = &row.object.metadata;
        let text = |v: &Value| -> Box<str> {
            match v {
                Value::String(s) => s.as_str().into(),
                Value::Null => "<none>".into(),
                other => other.to_string().into(),
            }
        };
        Self {
            namespace: meta.namespace.as_deref().unwrap_or_default().into(),
            name: meta.name.as_deref().unwrap_or_default().into(),
            uid: meta.uid.as_deref().unwrap_or_default().into(),
            created: meta
                .creation_timestamp
                .as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|t| t.as_second()),
            deleting: meta.deletion_timestamp.is_some(),
            cells: row
                .cells
                .iter()
                .map(text)
                .chain(row.object.extra.iter().cloned())
                .collect(),
        }
    }
}

/// See `TableData::search_text`.
fn search_text(row: &Row) -> Option<Box<[u8]>> {
    let cells = std::iter::once(&*row.namespace).chain(row.cells.iter().map(|c| &**c));
    let mut text = Vec::with_capacity(
        row.namespace.len() + row.cells.iter().map(|c| c.len() + 1).sum::<usize>() + 1,
    );
    for cell in cells {
        if !cell.is_ascii() {
            return None;
        }
        text.extend(cell.bytes().map(|b| b.to_ascii_lowercase()));
        text.push(0);
    }
    Some(text.into_boxed_slice())
}

/// The wire shape of a Table (list or single watch event). `O` is each row's object: its metadata
/// (`includeObject=Metadata`), or the whole object (`serde_json::Value`, for custom columns).
#[derive(Debug, Clone, Deserialize)]
#[serde(
    rename_all = "camelCase",
    bound(deserialize = "O: Default + serde::de::DeserializeOwned")
)]
pub struct Table<O = RowObject> {
    #[serde(default)]
    pub column_definitions: Vec<Column>,
    #[serde(default = "Vec::new")]
    pub rows: Vec<TableRow<O>>,
    #[serde(default)]
    pub metadata: TableMeta,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableMeta {
    pub resource_version: Option<String>,
    #[serde(rename = "continue")]
    pub continue_: Option<String>,
    /// How many objects the list has after this page (the server says so when there is no selector).
    pub remaining_item_count: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(bound(deserialize = "O: Default + serde::de::DeserializeOwned"))]
pub struct TableRow<O = RowObject> {
    #[serde(default)]
    pub cells: Vec<Value>,
    #[serde(default)]
    pub object: O,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RowObject {
    #[serde(default)]
    pub metadata: RowMeta,
    /// Cells computed from the whole object (custom columns), appended to the server's.
    #[serde(skip)]
    pub extra: Vec<Box<str>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowMeta {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub uid: Option<String>,
    pub creation_timestamp: Option<String>,
    pub deletion_timestamp: Option<String>,
}

impl RowMeta {
    /// Reads the fields tug keeps from an object's `metadata`, without copying the rest.
    pub fn deserialize_from(metadata: &Value) -> Result<Self, serde_json::Error> {
        Self::deserialize(metadata)
    }
}

/// Where a view's data stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Feed {
    #[default]
    Loading,
    Live,
    /// The watch broke; the rows shown are the last known state.
    Reconnecting {
        error: String,
        attempt: u32,
    },
    /// The server refuses (403, 404): retrying will not help soon.
    Refused(String),
}

#[derive(Debug, Default)]
pub struct TableData {
    pub columns: Vec<Column>,
    /// Columns computed from each object (k9s custom columns): when any, the watch asks for whole objects.
    pub computed: Vec<crate::custom_columns::CustomColumn>,
    /// Each key's slot in `slots`, in key order (the server's order: namespace, name).
    index: BTreeMap<RowKey, u32>,
    /// The rows, each at a slot that stays its own while `keys_version` stands (an update in place keeps
    /// it): a view holds its visible rows' slots too, so narrowing a filter reads rows by position instead
    /// of looking each key up in `index` (~17 string comparisons a row at 100,000 rows).
    slots: Vec<Option<Row>>,
    /// Slots freed by removals, reused by the next rows in.
    free: Vec<u32>,
    /// Each slot's row as a filter reads it (`search_text`), built once per row version: a keystroke over
    /// 100,000 rows then scans one buffer a row instead of a dozen separately allocated cells.
    search: Vec<Option<Box<[u8]>>>,
    pub feed: Feed,
    /// Bumped on every change, so views can cache what they derive from the rows.
    pub version: u64,
    /// Bumped only when rows come or go: a view whose order and filter do not depend on cell contents keeps
    /// its row list across updates in place (the common case under churn).
    pub keys_version: u64,
    /// While a first list is shown page by page: how far it is.
    pub loading: Option<Progress>,
    /// A whole list has been in once: a later relist is swapped in whole, never shown page by page.
    complete: bool,
}

/// How far a list shown page by page has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub loaded: usize,
    /// The rows the whole list will have, when the server said how many remain.
    pub total: Option<usize>,
}

impl TableData {
    /// Swaps in a fresh list at once, so the screen never shows half a relist.
    pub fn replace_all(&mut self, columns: Vec<Column>, rows: Vec<Row>) {
        if !columns.is_empty() {
            self.columns = columns;
        }
        self.clear_rows();
        for row in rows {
            self.put(row);
        }
        self.feed = Feed::Live;
        self.loading = None;
        self.complete = true;
        self.version += 1;
        self.keys_version += 1;
    }

    /// Whether a list coming in should be shown page by page: only until one whole list has been in (a relist
    /// keeps the last complete rows until its own last page, so a reader never sees half of it).
    pub fn shows_pages(&self) -> bool {
        !self.complete
    }

    /// A page of a list shown as it arrives; `first` starts the list afresh (dropping what an earlier, broken
    /// attempt had shown). `remaining`: what the server says is left after this page.
    pub fn add_page(
        &mut self,
        first: bool,
        columns: Vec<Column>,
        rows: Vec<Row>,
        remaining: Option<u64>,
    ) {
        if !columns.is_empty() {
            self.columns = columns;
        }
        if first {
            self.clear_rows();
        }
        for row in rows {
            self.put(row);
        }
        let loaded = self.index.len();
        self.loading = Some(Progress {
            loaded,
            total: remaining.map(|r| loaded + r as usize),
        });
        self.version += 1;
        self.keys_version += 1;
    }

    /// The last page of a list shown page by page is in.
    pub fn finish_pages(&mut self) {
        self.loading = None;
        self.complete = true;
        self.feed = Feed::Live;
        self.version += 1;
    }

    pub fn upsert(&mut self, row: Row) {
        if self.put(row) {
            self.keys_version += 1;
        }
        self.version += 1;
    }

    pub fn remove(&mut self, key: &RowKey) {
        if let Some(slot) = self.index.remove(key) {
            if let Some(s) = self.slots.get_mut(slot as usize) {
                *s = None;
            }
            if let Some(s) = self.search.get_mut(slot as usize) {
                *s = None;
            }
            self.free.push(slot);
            self.version += 1;
            self.keys_version += 1;
        }
    }

    fn clear_rows(&mut self) {
        self.index.clear();
        self.slots.clear();
        self.free.clear();
        self.search.clear();
    }

    /// Stores `row` in its key's slot, or a free or new one; true if the key is new.
    fn put(&mut self, row: Row) -> bool {
        use std::collections::btree_map::Entry;
        match self.index.entry(row.key()) {
            Entry::Occupied(e) => {
                let slot = *e.get() as usize;
                self.search[slot] = search_text(&row);
                self.slots[slot] = Some(row);
                false
            }
            Entry::Vacant(e) => {
                let slot = match self.free.pop() {
                    Some(slot) => slot,
                    None => {
                        self.slots.push(None);
                        self.search.push(None);
                        // More than 4 billion rows in one view is not a case; saturate rather than wrap.
                        u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
                    }
                };
                e.insert(slot);
                if let Some(s) = self.search.get_mut(slot as usize) {
                    *s = search_text(&row);
                }
                if let Some(s) = self.slots.get_mut(slot as usize) {
                    *s = Some(row);
                }
                true
            }
        }
    }

    pub fn set_feed(&mut self, feed: Feed) {
        if self.feed != feed {
            self.feed = feed;
            self.version += 1;
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The rows in key order.
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        self.slotted().map(|(_, r)| r)
    }

    /// The rows in key order with their slots (see `at`).
    pub fn slotted(&self) -> impl Iterator<Item = (u32, &Row)> {
        self.index
            .values()
            .filter_map(|&slot| Some((slot, self.at(slot)?)))
    }

    /// The row at `slot`: the same row (by key) for as long as `keys_version` has not moved.
    pub fn at(&self, slot: u32) -> Option<&Row> {
        self.slots.get(slot as usize)?.as_ref()
    }

    /// The row at `slot` as a plain filter reads it: its namespace and every cell, ASCII-lowercased, each
    /// followed by a NUL (so a match never spans two cells). `None` when a cell is not ASCII: such rows are
    /// matched cell by cell, with Unicode case folding.
    pub fn search_text(&self, slot: u32) -> Option<&[u8]> {
        self.search.get(slot as usize)?.as_deref()
    }

    /// The slot of the row keyed `key`.
    pub fn slot(&self, key: &RowKey) -> Option<u32> {
        self.index.get(key).copied()
    }

    pub fn get(&self, key: &RowKey) -> Option<&Row> {
        self.at(*self.index.get(key)?)
    }

    /// Index of the column named `name` (case-insensitive), as the server named it.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ns: &str, name: &str) -> Row {
        Row {
            namespace: ns.into(),
            name: name.into(),
            uid: "u".into(),
            created: None,
            deleting: false,
            cells: vec![name.into()],
        }
    }

    #[test]
    fn rows_are_keyed_and_versioned() {
        let mut t = TableData::default();
        t.replace_all(
            vec![Column {
                name: "Name".into(),
                kind: "string".into(),
                priority: 0,
            }],
            vec![row("a", "x"), row("a", "w")],
        );
        assert_eq!(t.rows().map(|r| &*r.name).collect::<Vec<_>>(), ["w", "x"]);
        let v = t.version;
        t.upsert(row("a", "y"));
        t.remove(&("a".into(), "w".into()));
        assert_eq!(t.len(), 2);
        assert_eq!(t.version, v + 2);
        t.remove(&("a".into(), "nope".into()));
        assert_eq!(t.version, v + 2, "no change, no bump");
        // An update in place is a change, but not to the set of rows.
        let k = t.keys_version;
        t.upsert(row("a", "y"));
        assert_eq!((t.version, t.keys_version), (v + 3, k));
        assert_eq!(t.column("NAME"), Some(0));
    }

    #[test]
    fn a_row_keeps_its_slot_until_rows_come_or_go() {
        let mut t = TableData::default();
        t.replace_all(vec![], vec![row("a", "x"), row("a", "y")]);
        let key: RowKey = ("a".into(), "y".into());
        let slot = t.slot(&key).expect("y has a slot");
        let k = t.keys_version;
        let mut changed = row("a", "y");
        changed.cells = vec!["changed".into()];
        t.upsert(changed);
        assert_eq!((t.slot(&key), t.keys_version), (Some(slot), k));
        assert_eq!(t.at(slot).map(|r| &*r.cells[0]), Some("changed"));
        // A removal frees the slot (and says so in keys_version); the next new row may take it.
        t.remove(&key);
        assert!(t.at(slot).is_none() && t.keys_version > k);
        t.upsert(row("b", "z"));
        assert_eq!(t.at(slot).map(|r| &*r.name), Some("z"));
        assert_eq!(
            t.slotted().map(|(_, r)| &*r.name).collect::<Vec<_>>(),
            ["x", "z"],
            "key order, whatever the slots"
        );
    }

    #[test]
    fn a_rows_search_text_is_its_lowercased_cells_apart_and_none_when_not_ascii() {
        let mut t = TableData::default();
        let mut r = row("Shop", "Web-1");
        r.cells.push("Running".into());
        t.replace_all(vec![], vec![r]);
        let slot = t.slot(&("Shop".into(), "Web-1".into())).expect("a slot");
        assert_eq!(t.search_text(slot), Some(&b"shop\0web-1\0running\0"[..]));
        let mut r = row("shop", "café");
        r.cells.push("Running".into());
        t.upsert(r);
        let slot = t.slot(&("shop".into(), "café".into())).expect("a slot");
        assert_eq!(t.search_text(slot), None, "matched cell by cell instead");
    }

    #[test]
    fn a_first_list_shows_page_by_page_and_a_relist_does_not() {
        let mut t = TableData::default();
        assert!(t.shows_pages());
        t.add_page(true, vec![], vec![row("a", "x")], Some(2));
        assert_eq!(
            t.loading,
            Some(Progress {
                loaded: 1,
                total: Some(3)
            })
        );
        assert_eq!(t.feed, Feed::Loading);
        // A broken attempt's rows go when the next attempt's first page comes.
        t.add_page(true, vec![], vec![row("a", "w")], Some(1));
        t.add_page(false, vec![], vec![row("b", "v")], None);
        assert_eq!(t.len(), 2);
        t.finish_pages();
        assert_eq!((t.loading, &t.feed), (None, &Feed::Live));
        assert!(!t.shows_pages(), "a relist is swapped in whole");
    }

    #[test]
    fn table_rows_decode_from_the_wire() {
        let wire = serde_json::json!({
            "columnDefinitions": [{"name": "Name", "type": "string", "priority": 0}, {"name": "Ready", "type": "string"}],
            "rows": [{"cells": ["web-1", "1/1", null, 3], "object": {"metadata": {"name": "web-1", "namespace": "shop",
                      "uid": "u1", "creationTimestamp": "2026-11-25T10:00:00Z"}}}],
            "metadata": {"resourceVersion": "42"}
        });
        let table: Table = serde_json::from_value(wire).unwrap();
        let r = Row::from_table_row(&table.rows[0]);
        assert_eq!(&*r.namespace, "shop");
        assert_eq!(
            r.cells,
            vec!["web-1".into(), "1/1".into(), "<none>".into(), "3".into()] as Vec<Box<str>>
        );
        assert!(r.created.is_some());
        assert_eq!(table.metadata.resource_version.as_deref(), Some("42"));
    }
}
