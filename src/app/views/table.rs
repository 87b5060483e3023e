//! The table machinery every table view shares: live data, filter, sort, cursor, scroll, marks. What a row
//! *means* (an object, a container, a context, a revision) is the business of the view that holds the table.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::config::Action;
use tug_cluster::discovery::Kind;
use tug_cluster::table_watch::Scope;
use tug_model::custom_columns::ViewLayout;
use tug_model::table::{Column, Pos, Row, RowKey, TableData};

use super::Filter;

/// How many earlier lists a view keeps for erasing back to them (see `TableView::earlier`).
const EARLIER: usize = 16;

pub struct TableView {
    /// `None` for tables whose rows are not objects of a kind (containers, contexts, revisions, forwards).
    pub kind: Option<Kind>,
    pub scope: Scope,
    pub data: Arc<Mutex<TableData>>,
    pub filter: Filter,
    pub cursor: usize,
    pub offset: usize,
    /// The rows that pass the filter, in display order, as positions in the data (`TableData::row`): 8 bytes
    /// a row and no reference counts, since a keystroke at 100,000 rows may rebuild all of them. Rebuilt when
    /// data, filter or sort change; a row gone since reads as `None` until then, never as another row.
    pub visible: Vec<Pos>,
    /// What `visible` was derived from.
    seen: Option<Derived>,
    /// The lists shown on the way to this one as the filter was typed (oldest first, each with what it was
    /// derived from): erasing a key, or Esc, goes back to one still valid instead of scanning every row.
    earlier: Vec<(Derived, Vec<Pos>)>,
    /// The selected row's key, so the cursor stays on the same object when rows come and go.
    selected: Option<RowKey>,
    /// Column sort and whether reversed; `None`: the server's order (namespace, name).
    pub sort: Option<(Sort, bool)>,
    /// Show the wide-only columns too (`kubectl get -o wide`).
    pub wide: bool,
    /// Show a trend (sparkline) cell beside CPU and MEM.
    pub trends: bool,
    /// Rows marked (Space) for a bulk action.
    pub marked: std::collections::BTreeSet<RowKey>,
    /// k9s custom columns (`views.yaml`): which columns show, in what order.
    pub layout: Option<Arc<ViewLayout>>,
    /// The layout's `sortColumn`, applied once the columns are known (they come with the first list).
    pending_sort: Option<(String, bool)>,
    /// Pods, nodes and containers while metrics are on: their CPU and memory columns.
    pub metrics: Option<crate::app::metrics::MetricsLink>,
}

/// What a list of visible rows was derived from, and so how long it holds.
#[derive(Debug, Clone, PartialEq)]
struct Derived {
    filter: Filter,
    sort: Option<(Sort, bool)>,
    /// The data's `keys_version`: any row coming or going ends the list.
    keys: u64,
    /// The data's and the metrics' versions, when filter or order read cells (else updates in place leave
    /// the list as it is: the common case under churn).
    cells: Option<(u64, u64)>,
}

impl Derived {
    /// Still what deriving it now would give, data and metrics being at these versions.
    fn holds(&self, keys: u64, cells: (u64, u64)) -> bool {
        self.keys == keys && self.cells.is_none_or(|c| c == cells)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Name,
    Age,
    Status,
    /// Any column, by index: numbers compare as numbers, the rest as text.
    Column(usize),
    /// A metric column (`:sort cpu`): by value, rows without a sample last.
    Metric(crate::app::metrics::MetricColumn),
}

/// A row's cell by column index, borrowed ("" when missing).
fn cell(row: &Row, column: Option<usize>) -> &str {
    column.and_then(|i| row.cells.get(i)).map_or("", |c| c)
}

/// `rows` in the order of `key`, computed once per row; keys must be unique (so the unstable sort's order is
/// the only one).
fn sorted_by_key<'a, K: Ord>(
    rows: Vec<(Pos, &'a Row)>,
    key: impl Fn(&'a Row) -> K,
) -> Vec<(Pos, &'a Row)> {
    let mut keyed: Vec<(K, (Pos, &Row))> = rows.into_iter().map(|r| (key(r.1), r)).collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, r)| r).collect()
}

/// `rows` (in key order) in the order of one cell, ties in key order (as a stable sort of the list would
/// leave them). A column holds few distinct values (statuses, ready counts, node names), so each distinct
/// value is ordered once by `order` and the rows then sort as integers — rank, then place — in one vector,
/// never reading a cell per comparison (at 100,000 rows that pointer chasing was most of a sort).
fn sorted_by_cell(
    rows: Vec<(Pos, &Row)>,
    column: Option<usize>,
    order: impl Fn(&str, &str) -> std::cmp::Ordering,
) -> Vec<(Pos, &Row)> {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut distinct: Vec<&str> = vec![];
    let row_ids: Vec<u32> = rows
        .iter()
        .map(|(_, r)| {
            let value = cell(r, column);
            *ids.entry(value).or_insert_with(|| {
                distinct.push(value);
                u32::try_from(distinct.len() - 1).unwrap_or(u32::MAX)
            })
        })
        .collect();
    let mut by_value: Vec<u32> = (0..u32::try_from(distinct.len()).unwrap_or(u32::MAX)).collect();
    by_value.sort_unstable_by(|a, b| order(distinct[*a as usize], distinct[*b as usize]));
    let mut rank = vec![0u32; distinct.len()];
    for (r, id) in by_value.iter().enumerate() {
        rank[*id as usize] = u32::try_from(r).unwrap_or(u32::MAX);
    }
    let mut keyed: Vec<u64> = row_ids
        .iter()
        .enumerate()
        .map(|(place, id)| (u64::from(rank[*id as usize]) << 32) | place as u64)
        .collect();
    keyed.sort_unstable();
    keyed
        .into_iter()
        .map(|k| rows[(k & u64::from(u32::MAX)) as usize])
        .collect()
}

/// Where `a` stands against `b` in a list shown in `sort`'s order, for orders that read only a row's key:
/// the listed (namespace, name) order, or by name.
fn listed_order(sort: Option<(Sort, bool)>, a: &Row, b: &Row) -> std::cmp::Ordering {
    let (order, reverse) = match sort {
        Some((Sort::Name, rev)) => (
            (&*a.name, &*a.namespace).cmp(&(&*b.name, &*b.namespace)),
            rev,
        ),
        _ => (
            (&*a.namespace, &*a.name).cmp(&(&*b.namespace, &*b.name)),
            false,
        ),
    };
    if reverse { order.reverse() } else { order }
}

/// The first 16 bytes of `s` as a number ordered as the text is: most comparisons of a sort end there, in
/// the sorted vector itself, instead of reading both strings from wherever the heap put them.
fn prefix(s: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = s.len().min(16);
    bytes[..n].copy_from_slice(&s.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

/// The number a cell starts with (`10` of `10`, `2` of `2/3`, `1.5` of `1.5Gi`), if any.
fn leading_number(s: &str) -> Option<f64> {
    let end = s
        .bytes()
        .position(|b| !(b.is_ascii_digit() || b == b'.'))
        .unwrap_or(s.len());
    s[..end].parse().ok()
}

/// Orders two cells: cells starting with a number first, by that number (`10` after `9`, `2/3` after `1/3`),
/// then the rest as text; equal numbers by text. A total order, as sorting needs.
fn compare_cells(a: &str, b: &str) -> std::cmp::Ordering {
    match (leading_number(a), leading_number(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    }
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
            earlier: vec![],
            selected: None,
            sort: None,
            wide: false,
            trends: false,
            marked: std::collections::BTreeSet::new(),
            layout: None,
            pending_sort: None,
            metrics: None,
        }
    }

    /// Asks the watch for the cells the metric percentages need (hidden, computed from each pod).
    pub fn add_computed(&self, columns: Vec<tug_model::custom_columns::CustomColumn>) {
        self.lock().computed.extend(columns);
    }

    /// Shows the columns `layout` names, opens sorted by its `sortColumn`, and has the watch compute its
    /// JSONPath columns.
    pub fn set_layout(&mut self, layout: Arc<ViewLayout>) {
        self.lock().computed = layout.computed();
        self.pending_sort = layout.sort.clone();
        self.layout = Some(layout);
    }

    /// The indices of the columns to show, in order: the layout's, else every column (wide-only ones only
    /// in the wide view, as `kubectl get` does).
    pub fn shown_columns(&self, columns: &[Column]) -> Vec<usize> {
        match &self.layout {
            Some(layout) => layout.shown(columns, self.wide),
            None => (0..columns.len())
                .filter(|i| self.wide || columns[*i].priority == 0)
                .filter(|i| !tug_model::metrics::is_hidden(&columns[*i]))
                .collect(),
        }
    }

    /// A table of rows the app made itself rather than watched (contexts, revisions, forwards, containers).
    pub fn fixed(columns: &[&str], rows: Vec<Row>) -> Self {
        let view = Self::new(None, Scope::default(), Arc::default());
        view.set_rows(columns, rows);
        view
    }

    /// Replaces a fixed table's rows; its columns are all text.
    pub fn set_rows(&self, columns: &[&str], rows: Vec<Row>) {
        let columns = columns
            .iter()
            .map(|n| tug_model::table::Column {
                name: (*n).into(),
                kind: "string".into(),
                priority: 0,
            })
            .collect();
        self.lock().replace_all(columns, rows);
    }

    pub fn reset(&mut self, data: Arc<Mutex<TableData>>) {
        // The new watch computes the same custom columns.
        let computed = self.lock().computed.clone();
        data.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .computed = computed;
        self.data = data;
        self.seen = None;
        self.earlier.clear();
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

    /// The keys of the visible rows, in display order (copies every key: for the few who need them all).
    pub fn visible_keys(&self) -> Vec<RowKey> {
        let data = self.lock();
        self.visible
            .iter()
            .filter_map(|p| data.row(*p))
            .map(Row::key)
            .collect()
    }

    /// The visible rows from `offset` on, at most `page` of them (those gone since the last refresh skipped).
    pub fn window<'d>(&self, data: &'d TableData, page: usize) -> impl Iterator<Item = &'d Row> {
        self.visible
            .iter()
            .skip(self.offset)
            .take(page)
            .filter_map(|p| data.row(*p))
    }

    /// Rebuilds the visible rows if the data or the filter changed, keeping the cursor on its object.
    pub fn refresh(&mut self, page: usize) {
        let data = self.data.clone();
        let data = data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((name, descending)) = &self.pending_sort
            && !data.columns.is_empty()
        {
            self.sort = match name.to_ascii_lowercase().as_str() {
                "name" => Some((Sort::Name, *descending)),
                // Age cells read "5m": by creation time instead. k9s's ascending age is youngest first.
                "age" => Some((Sort::Age, *descending)),
                _ => data
                    .column(name)
                    .map(|i| (Sort::Column(i), *descending))
                    .or(self.sort),
            };
            self.pending_sort = None;
        }
        // Rows updated in place change nothing here unless the filter or the order looks at their cells.
        let cells_matter = !self.filter.is_empty()
            || matches!(
                self.sort,
                Some((Sort::Status | Sort::Column(_) | Sort::Metric(_), _))
            );
        let metrics = self.metrics.as_ref().map(|l| (l.lock(), &l.rows));
        let versions = (data.version, metrics.as_ref().map_or(0, |(m, _)| m.version));
        let now = Derived {
            filter: self.filter.clone(),
            sort: self.sort,
            keys: data.keys_version,
            cells: cells_matter.then_some(versions),
        };
        if self.seen.as_ref() == Some(&now) {
            drop(metrics);
            self.clamp(&data, page);
            return;
        }
        self.earlier.retain(|(d, _)| d.holds(now.keys, versions));
        let spec = crate::app::metrics::SpecCells::of(&data);
        let sampled = |r: &Row| {
            metrics
                .as_ref()
                .and_then(|(m, rows)| crate::app::metrics::sample(m, rows, &spec, r))
        };
        // A filter that could match a metric cell (`/n/a`, `/95`, `/120m`, `/45mi`) matches
        // them too; they are formatted only for such a filter, and only for rows it did not match already.
        let filter_metrics = metrics.is_some() && self.filter.could_match_metric_cells();
        let metric_text = |r: &Row| -> String {
            let (Some(s), Some(rows)) = (sampled(r), metrics.as_ref().map(|m| m.1)) else {
                return String::new();
            };
            crate::app::metrics::MetricColumn::for_rows(rows)
                .iter()
                .map(|c| s.text(*c))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let finder = self.filter.plain_finder();
        let keep = |pos: Pos, r: &Row| {
            self.filter
                .matches_with(finder.as_ref(), r, data.search_text(pos))
                || (filter_metrics && self.filter.matches_text(&metric_text(r)))
        };
        let same_order = |d: &Derived| d.sort == now.sort && d.holds(now.keys, versions);
        let back = self
            .earlier
            .iter()
            .rposition(|(d, _)| d.filter == now.filter && same_order(d));
        if let Some(i) = back {
            // Erased back to a filter shown before (backspace, Esc): its list, as it was.
            self.visible = self.earlier.swap_remove(i).1;
            self.earlier.truncate(i);
        } else if let Some(seen) = self
            .seen
            .clone()
            .filter(|d| same_order(d) && d.filter.narrows_to(&now.filter))
        {
            // Typing on: the same rows and order, a filter that only removes rows from those shown. They are
            // filtered from the shown ones (already in order) instead of from all rows, and the list before is
            // kept for erasing back to it.
            let narrowed: Vec<Pos> = self
                .visible
                .iter()
                .copied()
                .filter(|p| data.row(*p).is_some_and(|r| keep(*p, r)))
                .collect();
            let before = std::mem::replace(&mut self.visible, narrowed);
            if self.earlier.len() == EARLIER {
                // The first (usually the unfiltered list, what Esc goes back to) is kept.
                self.earlier.remove(1);
            }
            self.earlier.push((seen, before));
        } else if let Some(changed) = self
            .seen
            .as_ref()
            .filter(|d| {
                d.filter == now.filter
                    && d.sort == now.sort
                    && d.keys == now.keys
                    && !filter_metrics
                    && d.cells.is_some_and(|(_, m)| m == versions.1)
                    // Not by age: a row's place is found by its new cells, so the order must not move
                    // with an update (namespace and name never do).
                    && matches!(now.sort, None | Some((Sort::Name, _)))
            })
            .and_then(|d| data.changed_since(d.cells?.0))
            .map(|slots| {
                let mut slots: Vec<u32> = slots.collect();
                slots.sort_unstable();
                slots.dedup();
                slots
            })
            .filter(|slots| slots.len() <= data.len() / 16 + 16)
        {
            // Rows updated in place under an order that does not read cells (the common case under churn, with
            // a filter on): only they are matched again, and moved in or out of the list where the order puts
            // them, instead of re-filtering every row each frame.
            for slot in changed {
                let Some((pos, row)) = data.at_slot(slot) else {
                    continue;
                };
                let at = self.visible.binary_search_by(|p| {
                    data.row(*p)
                        .map_or(std::cmp::Ordering::Less, |r| listed_order(now.sort, r, row))
                });
                match (at, keep(pos, row)) {
                    (Ok(i), false) => {
                        self.visible.remove(i);
                    }
                    (Err(i), true) => self.visible.insert(i, pos),
                    _ => {}
                }
            }
        } else {
            self.earlier.clear();
            let mut rows: Vec<(Pos, &Row)> =
                data.positioned().filter(|(p, r)| keep(*p, r)).collect();
            if let Some((sort, reverse)) = self.sort {
                match sort {
                    // Sorted by keys borrowed once per row (not fetched through each row per comparison: at
                    // 100,000 rows that pointer chasing was most of a sort), namespace last so that the
                    // unstable sort gives the order a stable one would from the (namespace, name) order.
                    Sort::Name => {
                        rows = sorted_by_key(rows, |r| (prefix(&r.name), &*r.name, &*r.namespace));
                    }
                    // Youngest first, as "sort by age" reads in k9s.
                    Sort::Age => {
                        rows.sort_by_key(|(_, r)| std::cmp::Reverse(r.created.unwrap_or(i64::MIN)))
                    }
                    Sort::Status => {
                        rows = sorted_by_cell(rows, data.column("status"), str::cmp);
                    }
                    Sort::Column(i) => rows = sorted_by_cell(rows, Some(i), compare_cells),
                    // Values computed once per row, not per comparison; `n/a` sorts below every number.
                    Sort::Metric(c) => {
                        let mut keyed: Vec<(Option<u64>, (Pos, &Row))> = rows
                            .iter()
                            .map(|r| (sampled(r.1).and_then(|s| s.value(c)), *r))
                            .collect();
                        keyed.sort_by(|a, b| {
                            a.0.cmp(&b.0).then_with(|| a.1.1.name.cmp(&b.1.1.name))
                        });
                        rows = keyed.into_iter().map(|(_, r)| r).collect();
                    }
                }
                if reverse {
                    rows.reverse();
                }
            }
            self.visible = rows.into_iter().map(|(pos, _)| pos).collect();
        }
        self.seen = Some(now);
        drop(metrics);
        self.restore_cursor(&data);
        self.clamp(&data, page);
    }

    /// Puts the cursor back on the selected row, if it is in the new list: one key lookup, then a scan of
    /// integers.
    fn restore_cursor(&mut self, data: &TableData) {
        if let Some(pos) = self.selected.as_ref().and_then(|sel| data.pos(sel))
            && let Some(at) = self.visible.iter().position(|p| *p == pos)
        {
            self.cursor = at;
        }
    }

    fn clamp(&mut self, data: &TableData, page: usize) {
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
        // A row gone since the last refresh keeps the last selection until the next one.
        if let Some(row) = data.row(self.visible[self.cursor]) {
            self.selected = Some(row.key());
        }
    }

    /// The selected row's key, as of the last refresh or cursor move.
    pub fn selected_row(&self) -> Option<RowKey> {
        self.selected.clone()
    }

    /// Cursor movement and sorting; true if the action was one.
    pub fn act(&mut self, action: Action, page: usize) -> bool {
        let last = self.visible.len().saturating_sub(1);
        let sort = |s: Sort, cur: Option<(Sort, bool)>| match cur {
            Some((c, rev)) if c == s => Some((s, !rev)),
            _ => Some((s, false)),
        };
        match action {
            Action::Down => self.cursor = (self.cursor + 1).min(last),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            Action::PageDown => self.cursor = (self.cursor + page).min(last),
            Action::PageUp => self.cursor = self.cursor.saturating_sub(page),
            Action::Top => self.cursor = 0,
            Action::Bottom => self.cursor = last,
            Action::SortName => self.sort = sort(Sort::Name, self.sort),
            Action::SortAge => self.sort = sort(Sort::Age, self.sort),
            Action::SortStatus => self.sort = sort(Sort::Status, self.sort),
            Action::ToggleWide => self.wide = !self.wide,
            Action::ToggleTrends => self.trends = !self.trends,
            Action::Mark => {
                if let Some(key) = self.selected.clone()
                    && !self.marked.remove(&key)
                {
                    self.marked.insert(key);
                }
                self.cursor = (self.cursor + 1).min(last);
            }
            _ => return false,
        }
        let data = self.data.clone();
        let data = data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.clamp(&data, page);
        true
    }
}

/// Correctness at 100,000 rows: what the view shows after each keystroke, sort and watch change equals a
/// brute-force recomputation over all rows (the incremental paths — narrowing as the user types, rows kept
/// across updates in place — must never show a different set or order).
#[cfg(test)]
mod scale_tests {
    use super::*;

    const ROWS: usize = 100_000;
    const STATUSES: [&str; 4] = ["Running", "Pending", "CrashLoopBackOff", "Completed"];

    fn row(i: usize, restarts: usize) -> Row {
        Row {
            namespace: format!("load-{}", i % 200).into(),
            name: format!("app-{}-{i:05}", i % 50).into(),
            uid: format!("u{i}").into(),
            created: Some(1_700_000_000 + (i % 977) as i64),
            deleting: false,
            cells: vec![
                format!("app-{}-{i:05}", i % 50).into(),
                "1/1".into(),
                STATUSES[i % 4].into(),
                restarts.to_string().into(),
                "5m".into(),
                format!("node-{}", i % 20).into(),
            ],
        }
    }

    fn columns() -> Vec<Column> {
        ["Name", "Ready", "Status", "Restarts", "Age", "Node"]
            .iter()
            .map(|n| Column {
                name: (*n).into(),
                kind: "string".into(),
                priority: 0,
            })
            .collect()
    }

    /// The rows a view must show: all rows through the filter, in the sort's order, computed plainly.
    fn brute_force(data: &TableData, filter: &Filter, sort: Option<(Sort, bool)>) -> Vec<RowKey> {
        let text = filter.text.clone();
        let mut rows: Vec<&Row> = data
            .rows()
            .filter(|r| {
                text.is_empty()
                    || std::iter::once(&*r.namespace)
                        .chain(r.cells.iter().map(|c| &**c))
                        .any(|c| c.to_lowercase().contains(&text))
            })
            .collect();
        let status = data.column("status");
        match sort {
            None => {}
            Some((Sort::Name, rev)) => {
                rows.sort_by(|a, b| a.name.cmp(&b.name));
                if rev {
                    rows.reverse();
                }
            }
            // Ties in the listed (namespace, name) order: a stable sort.
            Some((Sort::Status, rev)) => {
                rows.sort_by(|a, b| cell(a, status).cmp(cell(b, status)));
                if rev {
                    rows.reverse();
                }
            }
            Some((Sort::Age, rev)) => {
                rows.sort_by_key(|r| std::cmp::Reverse(r.created.unwrap_or(i64::MIN)));
                if rev {
                    rows.reverse();
                }
            }
            Some((Sort::Column(i), rev)) => {
                let number = |r: &Row| cell(r, Some(i)).parse::<u64>().ok();
                rows.sort_by_key(|r| number(r));
                if rev {
                    rows.reverse();
                }
            }
            Some(other) => panic!("not covered here: {other:?}"),
        }
        rows.into_iter().map(Row::key).collect()
    }

    fn view() -> TableView {
        let data = Arc::new(Mutex::new(TableData::default()));
        data.lock()
            .unwrap()
            .replace_all(columns(), (0..ROWS).map(|i| row(i, 0)).collect());
        TableView::new(None, Scope::default(), data)
    }

    fn check(view: &mut TableView, what: &str) {
        view.refresh(50);
        let want = brute_force(&view.lock(), &view.filter, view.sort);
        assert_eq!(view.visible.len(), want.len(), "{what}: how many");
        assert!(
            view.visible_keys() == want,
            "{what}: which and in what order"
        );
    }

    #[test]
    fn typing_and_erasing_a_filter_shows_what_a_full_scan_would() {
        let mut v = view();
        check(&mut v, "no filter");
        let word = "App-17-0012";
        for n in (1..=word.len()).chain((0..word.len()).rev()) {
            v.filter = Filter::parse(&word[..n]).unwrap();
            check(&mut v, &format!("filter {:?}", &word[..n]));
        }
        for f in ["load-19", "crash", "node-3", "zzz", "1/1"] {
            v.filter = Filter::parse(f).unwrap();
            check(&mut v, f);
        }
    }

    #[test]
    fn sorting_shows_what_a_full_sort_would() {
        let mut v = view();
        for action in [
            Action::SortName,
            Action::SortName,
            Action::SortStatus,
            Action::SortStatus,
        ] {
            v.act(action, 50);
            let what = format!("{:?}", v.sort);
            check(&mut v, &what);
        }
        v.filter = Filter::parse("crash").unwrap();
        check(&mut v, "sorted by status, then filtered");
        v.filter = Filter::parse("crash").unwrap();
        v.filter = Filter::parse("crashloop").unwrap();
        check(&mut v, "sorted, narrowed");
    }

    #[test]
    fn watch_changes_show_what_a_full_recomputation_would() {
        let mut v = view();
        for (filter, sort) in [
            ("", None),
            ("", Some((Sort::Status, false))),
            ("crash", None),
            ("app-3", Some((Sort::Name, true))),
        ] {
            v.filter = Filter::parse(filter).unwrap();
            v.sort = sort;
            check(&mut v, "before the changes");
            // A thousand changes in place, some of them moving a row in or out of the filter; rows removed and
            // added.
            {
                let mut d = v.lock();
                for i in (0..ROWS).step_by(100) {
                    let mut r = row(i, i % 7);
                    r.cells[2] = STATUSES[(i / 100 + 1) % 4].into();
                    d.upsert(r);
                }
                for i in (5..ROWS).step_by(997) {
                    d.remove(&row(i, 0).key());
                }
                for i in ROWS..ROWS + 300 {
                    d.upsert(row(i, 1));
                }
            }
            check(
                &mut v,
                &format!("after the changes, filter {filter:?}, {sort:?}"),
            );
            // Typing on after the changes narrows from what is shown now.
            v.filter = Filter::parse(&format!("{filter}0")).unwrap();
            check(&mut v, "narrowed after the changes");
        }
    }

    #[test]
    fn a_number_column_sorts_as_numbers_with_ties_in_listed_order() {
        let mut v = view();
        {
            let mut d = v.lock();
            for i in (0..ROWS).step_by(3) {
                d.upsert(row(i, i % 13 * 5));
            }
        }
        for reverse in [false, true] {
            v.sort = Some((Sort::Column(3), reverse));
            check(&mut v, &format!("restarts, reversed: {reverse}"));
        }
        let data = v.lock();
        let restarts: Vec<&str> = v.visible[..3]
            .iter()
            .filter_map(|p| data.row(*p))
            .map(|r| &*r.cells[3])
            .collect();
        assert_eq!(restarts, ["60", "60", "60"], "60 above 10 (not as text)");
    }

    #[test]
    fn erasing_back_after_changes_shows_the_rows_as_they_are_now() {
        let mut v = view();
        for f in ["", "a", "ap", "app-1"] {
            v.filter = Filter::parse(f).unwrap();
            check(&mut v, f);
        }
        // A row that matched only `ap`'s earlier list changes so that it no longer matches `ap`, one that did
        // not match comes in, one goes: the lists kept for erasing back are stale and must not be shown.
        {
            let mut d = v.lock();
            let mut r = row(8, 0);
            r.namespace = "load-8".into();
            r.cells = vec!["zzz".into()];
            d.upsert(r);
        }
        v.filter = Filter::parse("ap").unwrap();
        check(&mut v, "erased back after a change in place");
        {
            let mut d = v.lock();
            d.remove(&row(9, 0).key());
            d.upsert(row(ROWS + 1, 0));
        }
        v.filter = Filter::default();
        check(&mut v, "Esc after rows came and went");
    }

    #[test]
    fn a_row_gone_before_the_next_refresh_is_not_drawn_as_the_row_that_took_its_slot() {
        let mut v = view();
        check(&mut v, "shown");
        let first = v.visible_keys()[0].clone();
        {
            let mut d = v.lock();
            d.remove(&first);
            d.upsert(row(ROWS + 7, 0));
        }
        let data = v.lock();
        let drawn: Vec<&str> = v.window(&data, 3).map(|r| &*r.name).collect();
        assert!(!drawn.contains(&&*first.1), "the removed row is not drawn");
        let newcomer = row(ROWS + 7, 0).name;
        assert!(!drawn.contains(&&*newcomer), "nor the row now in its slot");
    }

    #[test]
    fn updates_in_place_under_a_filter_move_only_their_rows_and_show_what_a_full_recomputation_would()
     {
        let mut v = view();
        for (filter, sort) in [
            ("crash", None),
            ("app-3", Some((Sort::Name, false))),
            ("app-3", Some((Sort::Name, true))),
            ("load-1", Some((Sort::Age, false))),
            ("load-1", Some((Sort::Age, true))),
        ] {
            v.filter = Filter::parse(filter).unwrap();
            v.sort = sort;
            check(&mut v, "before the changes");
            // Frames of a few hundred changes in place each, some moving a row into or out of the filter.
            for frame in 0..5usize {
                {
                    let mut d = v.lock();
                    for i in (frame..ROWS).step_by(397) {
                        let mut r = row(i, i % 7 + frame);
                        r.cells[2] = STATUSES[(i + frame + 1) % 4].into();
                        if i % 3 == 0 {
                            r.cells[0] = "renamed-cell".into();
                            r.created = Some(1_600_000_000 + (i % 13) as i64);
                        }
                        d.upsert(r);
                    }
                }
                let keys = v.lock().keys_version;
                check(
                    &mut v,
                    &format!("frame {frame}, filter {filter:?}, {sort:?}"),
                );
                assert_eq!(v.lock().keys_version, keys, "no row came or went");
            }
        }
    }

    #[test]
    fn a_key_typed_after_rows_came_and_went_unseen_reads_no_stale_slot() {
        let mut v = view();
        v.filter = Filter::parse("app-1").unwrap();
        check(&mut v, "shown");
        // Rows removed and others taking their slots, with no frame in between: the shown slots are stale.
        {
            let mut d = v.lock();
            for i in (0..ROWS).step_by(10) {
                d.remove(&row(i, 0).key());
            }
            for i in ROWS..ROWS + 5_000 {
                d.upsert(row(i, 1));
            }
        }
        v.filter = Filter::parse("app-1-").unwrap();
        check(&mut v, "typed on after unseen changes");
    }
}
