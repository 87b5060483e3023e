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

/// Where a row is in a [`TableData`]: its slot and the slot's generation. A view keeps its shown rows as
/// positions (8 bytes, no reference counts to touch when 100,000 of them are rebuilt on a keystroke); a
/// position whose row has gone reads as `None`, never as the row that took the slot after it
/// ([`TableData::row`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pos {
    slot: u32,
    generation: u32,
}

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

/// Every row's search text (see `TableData::search_text`) in one buffer, in the order rows came in: a filter
/// scanning 100,000 rows then reads memory front to back instead of one allocation per row from wherever the
/// heap put it (that was most of a keystroke: cache misses inside the substring search, not the search).
/// A changed row's new text goes at the end; the old one stays as garbage until garbage is a fifth of the
/// buffer, then the live texts are moved down over it in place.
#[derive(Debug, Default)]
struct SearchTexts {
    bytes: Vec<u8>,
    /// Each slot's text as (start, length); `NONE` when it has none (not ASCII, or no row).
    spans: Vec<(u32, u32)>,
    garbage: usize,
}

impl SearchTexts {
    const NONE: (u32, u32) = (0, u32::MAX);
    /// Below this, garbage is never worth a rewrite.
    const COMPACT_MIN: usize = 1 << 18;

    fn clear(&mut self) {
        self.bytes.clear();
        self.spans.clear();
        self.garbage = 0;
    }

    fn get(&self, slot: u32) -> Option<&[u8]> {
        let (start, len) = *self.spans.get(slot as usize)?;
        if len == u32::MAX {
            return None;
        }
        self.bytes
            .get(start as usize..start as usize + len as usize)
    }

    /// Drops `slot`'s text (its bytes become garbage).
    fn forget(&mut self, slot: u32) {
        if let Some(span) = self.spans.get_mut(slot as usize) {
            if span.1 != u32::MAX {
                self.garbage += span.1 as usize;
            }
            *span = Self::NONE;
        }
    }

    /// Sets `slot`'s text to `row`'s: its namespace and cells, ASCII-lowercased, each followed by a NUL.
    fn set(&mut self, slot: u32, row: &Row) {
        self.forget(slot);
        if self.spans.len() <= slot as usize {
            self.spans.resize(slot as usize + 1, Self::NONE);
        }
        // Once garbage is a fifth of the buffer: the buffer stays within 1.25x the live text (a soak's RSS grew
        // with it), for one pass over the live text per quarter of it rewritten (10 ms at 100,000 rows).
        if self.garbage >= Self::COMPACT_MIN && self.garbage * 5 >= self.bytes.len() {
            self.compact();
        }
        let start = self.bytes.len();
        let cells = std::iter::once(&*row.namespace).chain(row.cells.iter().map(|c| &**c));
        for cell in cells {
            if !cell.is_ascii() {
                self.bytes.truncate(start);
                return;
            }
            self.bytes
                .extend(cell.bytes().map(|b| b.to_ascii_lowercase()));
            self.bytes.push(0);
        }
        match (
            u32::try_from(start),
            u32::try_from(self.bytes.len() - start),
        ) {
            // Past 4 GiB of text a row is matched cell by cell instead.
            (Ok(at), Ok(len)) if len != u32::MAX => self.spans[slot as usize] = (at, len),
            _ => self.bytes.truncate(start),
        }
    }

    /// Moves the live texts down over the garbage, in place and in buffer order: no second buffer, and the
    /// capacity stays as it is, so steady churn settles into one allocation instead of a new one (and a
    /// freed old one) every cycle.
    fn compact(&mut self) {
        let mut live: Vec<u32> = (0..u32::try_from(self.spans.len()).unwrap_or(u32::MAX))
            .filter(|s| self.spans[*s as usize].1 != u32::MAX)
            .collect();
        live.sort_unstable_by_key(|s| self.spans[*s as usize].0);
        let mut end = 0usize;
        for slot in live {
            let span = &mut self.spans[slot as usize];
            let (start, len) = (span.0 as usize, span.1 as usize);
            // `end` never passes `start`: texts are moved down in the order they lie.
            self.bytes.copy_within(start..start + len, end);
            span.0 = u32::try_from(end).unwrap_or(u32::MAX);
            end += len;
        }
        self.bytes.truncate(end);
        self.garbage = 0;
    }
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
    /// The rows, each at a slot that stays its own until it is removed (an update in place keeps it): a view
    /// holds its visible rows' positions ([`Pos`]), so narrowing a filter reads rows by position instead of
    /// looking each key up in `index` (~17 string comparisons a row at 100,000 rows).
    slots: Vec<Option<Row>>,
    /// Slots freed by removals, reused by the next rows in.
    free: Vec<u32>,
    /// Each slot's generation, bumped when its row goes (also when all rows are replaced): a [`Pos`] names a
    /// slot in one generation. Never shortened, so a slot used again after `clear_rows` is a new generation.
    generations: Vec<u32>,
    /// Each slot's row as a filter reads it (`search_text`), built once per row version: a keystroke over
    /// 100,000 rows then scans one buffer a row instead of a dozen separately allocated cells.
    search: SearchTexts,
    pub feed: Feed,
    /// Bumped on every change, so views can cache what they derive from the rows.
    pub version: u64,
    /// The last updates in place, as (the version they made, slot): a filtered view under churn re-matches
    /// only these rows instead of all (`changed_since`). Bounded; `log_floor` is the version below which it
    /// may have lost some.
    changes: std::collections::VecDeque<(u64, u32)>,
    log_floor: u64,
    /// Bumped only when rows come or go: a view whose order and filter do not depend on cell contents keeps
    /// its row list across updates in place (the common case under churn).
    pub keys_version: u64,
    /// While a first list is shown page by page: how far it is.
    pub loading: Option<Progress>,
    /// A whole list has been in once: a later relist is swapped in whole, never shown page by page.
    complete: bool,
}

/// How many updates in place `TableData` remembers (a second of 1,000 changes/s, several frames' worth).
const CHANGE_LOG: usize = 4096;

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
        let (new, slot) = self.put(row);
        self.version += 1;
        if new {
            self.keys_version += 1;
        } else {
            if self.changes.len() == CHANGE_LOG
                && let Some((v, _)) = self.changes.pop_front()
            {
                self.log_floor = v;
            }
            self.changes.push_back((self.version, slot));
        }
    }

    /// The slots of the rows updated in place after `version` (a slot may repeat), or `None` when the log no
    /// longer reaches back that far. Rows coming or going are not in it: they move `keys_version`.
    pub fn changed_since(&self, version: u64) -> Option<impl Iterator<Item = u32> + '_> {
        if version < self.log_floor {
            return None;
        }
        let from = self.changes.partition_point(|(v, _)| *v <= version);
        Some(self.changes.range(from..).map(|(_, slot)| *slot))
    }

    pub fn remove(&mut self, key: &RowKey) {
        if let Some(slot) = self.index.remove(key) {
            if let Some(s) = self.slots.get_mut(slot as usize) {
                *s = None;
            }
            if let Some(g) = self.generations.get_mut(slot as usize) {
                *g = g.wrapping_add(1);
            }
            self.search.forget(slot);
            self.free.push(slot);
            self.version += 1;
            self.keys_version += 1;
        }
    }

    fn clear_rows(&mut self) {
        self.changes.clear();
        self.log_floor = self.version + 1;
        for g in &mut self.generations[..self.slots.len()] {
            *g = g.wrapping_add(1);
        }
        self.index.clear();
        self.slots.clear();
        self.free.clear();
        self.search.clear();
    }

    /// Stores `row` in its key's slot, or a free or new one; true if the key is new.
    fn put(&mut self, row: Row) -> (bool, u32) {
        use std::collections::btree_map::Entry;
        match self.index.entry(row.key()) {
            Entry::Occupied(e) => {
                let slot = *e.get();
                self.search.set(slot, &row);
                self.slots[slot as usize] = Some(row);
                (false, slot)
            }
            Entry::Vacant(e) => {
                let slot = match self.free.pop() {
                    Some(slot) => slot,
                    None => {
                        self.slots.push(None);
                        if self.generations.len() < self.slots.len() {
                            self.generations.push(0);
                        }
                        // More than 4 billion rows in one view is not a case; saturate rather than wrap.
                        u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
                    }
                };
                e.insert(slot);
                self.search.set(slot, &row);
                if let Some(s) = self.slots.get_mut(slot as usize) {
                    *s = Some(row);
                }
                (true, slot)
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
        self.positioned().map(|(_, r)| r)
    }

    /// The rows in key order with their positions (see `row`).
    pub fn positioned(&self) -> impl Iterator<Item = (Pos, &Row)> {
        self.index.values().filter_map(|&slot| self.at_slot(slot))
    }

    /// `slot` in its current generation.
    fn pos_of(&self, slot: u32) -> Option<Pos> {
        Some(Pos {
            slot,
            generation: *self.generations.get(slot as usize)?,
        })
    }

    /// The row at `pos`, if it is still there (an update in place keeps a row's position; a removal ends it).
    pub fn row(&self, pos: Pos) -> Option<&Row> {
        if self.generations.get(pos.slot as usize) != Some(&pos.generation) {
            return None;
        }
        self.slots.get(pos.slot as usize)?.as_ref()
    }

    /// The row at `pos` as a plain filter reads it: its namespace and every cell, ASCII-lowercased, each
    /// followed by a NUL (so a match never spans two cells). `None` when a cell is not ASCII (such rows are
    /// matched cell by cell, with Unicode case folding) or the row has gone.
    pub fn search_text(&self, pos: Pos) -> Option<&[u8]> {
        self.row(pos)?;
        self.search.get(pos.slot)
    }

    /// The row now at `slot`, with its position.
    pub fn at_slot(&self, slot: u32) -> Option<(Pos, &Row)> {
        let pos = self.pos_of(slot)?;
        Some((pos, self.row(pos)?))
    }

    /// The position of the row keyed `key`.
    pub fn pos(&self, key: &RowKey) -> Option<Pos> {
        self.pos_of(*self.index.get(key)?)
    }

    pub fn get(&self, key: &RowKey) -> Option<&Row> {
        self.slots.get(*self.index.get(key)? as usize)?.as_ref()
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
    fn a_row_keeps_its_position_until_it_goes_and_the_next_in_its_slot_is_not_read_through_it() {
        let mut t = TableData::default();
        t.replace_all(vec![], vec![row("a", "x"), row("a", "y")]);
        let key: RowKey = ("a".into(), "y".into());
        let pos = t.pos(&key).expect("y has a position");
        let k = t.keys_version;
        let mut changed = row("a", "y");
        changed.cells = vec!["changed".into()];
        t.upsert(changed);
        assert_eq!((t.pos(&key), t.keys_version), (Some(pos), k));
        assert_eq!(t.row(pos).map(|r| &*r.cells[0]), Some("changed"));
        // A removal ends the position (and says so in keys_version); the next new row may take the slot, but
        // the old position never reads it.
        t.remove(&key);
        assert!(t.row(pos).is_none() && t.keys_version > k);
        t.upsert(row("b", "z"));
        let z = t.pos(&("b".into(), "z".into())).expect("z has a position");
        assert_eq!(z.slot, pos.slot, "the freed slot is reused");
        assert!(t.row(pos).is_none() && t.search_text(pos).is_none());
        assert_eq!(t.row(z).map(|r| &*r.name), Some("z"));
        assert_eq!(
            t.positioned().map(|(_, r)| &*r.name).collect::<Vec<_>>(),
            ["x", "z"],
            "key order, whatever the slots"
        );
        // Replacing every row ends every position too.
        let x = t.pos(&("a".into(), "x".into())).expect("x");
        t.replace_all(vec![], vec![row("a", "x")]);
        assert!(t.row(x).is_none());
        assert!(
            t.pos(&("a".into(), "x".into()))
                .and_then(|p| t.row(p))
                .is_some()
        );
    }

    #[test]
    fn a_rows_search_text_is_its_lowercased_cells_apart_and_none_when_not_ascii() {
        let mut t = TableData::default();
        let mut r = row("Shop", "Web-1");
        r.cells.push("Running".into());
        t.replace_all(vec![], vec![r]);
        let pos = t.pos(&("Shop".into(), "Web-1".into())).expect("a position");
        assert_eq!(t.search_text(pos), Some(&b"shop\0web-1\0running\0"[..]));
        let mut r = row("shop", "café");
        r.cells.push("Running".into());
        t.upsert(r);
        let pos = t.pos(&("shop".into(), "café".into())).expect("a position");
        assert_eq!(t.search_text(pos), None, "matched cell by cell instead");
    }

    #[test]
    fn search_texts_stay_right_and_bounded_through_many_updates() {
        let mut t = TableData::default();
        t.replace_all(
            vec![],
            (0..1000).map(|i| row("ns", &format!("pod-{i}"))).collect(),
        );
        for round in 0..100 {
            for i in (0..1000).step_by(1 + round % 3) {
                let mut r = row("ns", &format!("pod-{i}"));
                r.cells
                    .push(format!("Restarts-{round}-padding-padding").into());
                t.upsert(r);
            }
            t.remove(&("ns".into(), format!("pod-{}", round * 7 % 1000).into()));
        }
        let live: usize = t
            .positioned()
            .map(|(p, _)| t.search_text(p).map_or(0, <[u8]>::len))
            .sum();
        for (pos, r) in t.positioned() {
            let mut want = format!("ns\0{}\0", r.name);
            for c in &r.cells[1..] {
                want.push_str(&c.to_ascii_lowercase());
                want.push('\0');
            }
            assert_eq!(t.search_text(pos), Some(want.as_bytes()), "{}", r.name);
        }
        assert!(
            t.search.bytes.len() <= live + live / 4 + SearchTexts::COMPACT_MIN,
            "garbage is rewritten away: {} bytes for {live} live",
            t.search.bytes.len()
        );
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
