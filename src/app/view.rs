//! One entry of the view stack: a live table (with cursor, scroll and filter) or a text (YAML, describe).

use std::sync::{Arc, Mutex};

use crate::config::Action;

use tug_cluster::discovery::Kind;
use tug_cluster::table_watch::Scope;
use tug_model::table::{Row, RowKey, TableData};

pub type ViewId = u64;

pub struct View {
    pub id: ViewId,
    pub title: String,
    pub body: Body,
}

pub enum Body {
    Table(Box<TableView>),
    Text(Box<TextView>),
    Log(Box<LogView>),
    Editor(Box<super::editor::EditorView>),
}

/// A client-side row filter: substring (case-insensitive), `!` to invert, `re:` for a regular expression.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub text: String,
    pub inverse: bool,
    regex: Option<Arc<regex::Regex>>,
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
            && self.inverse == other.inverse
            && self.regex.is_some() == other.regex.is_some()
    }
}

impl Eq for Filter {}

impl Filter {
    /// `text`, `!text`, `re:pattern`, `!re:pattern`; a bad pattern is an error for the user.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (inverse, rest) = match s.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        if let Some(pattern) = rest.strip_prefix("re:") {
            let regex = regex::RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| format!("bad regular expression: {e}"))?;
            return Ok(Self {
                text: format!("re:{pattern}"),
                inverse,
                regex: Some(Arc::new(regex)),
            });
        }
        Ok(Self {
            text: rest.to_lowercase(),
            inverse,
            regex: None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Whether one line of text matches (for logs and text views).
    pub fn matches_text(&self, text: &str) -> bool {
        if self.text.is_empty() {
            return true;
        }
        let hit = match &self.regex {
            Some(re) => re.is_match(text),
            None => text.to_lowercase().contains(&self.text),
        };
        hit != self.inverse
    }

    pub fn matches(&self, row: &Row) -> bool {
        if self.text.is_empty() {
            return true;
        }
        let hit = match &self.regex {
            Some(re) => re.is_match(&row.namespace) || row.cells.iter().any(|c| re.is_match(c)),
            None => {
                row.namespace.to_lowercase().contains(&self.text)
                    || row
                        .cells
                        .iter()
                        .any(|c| c.to_lowercase().contains(&self.text))
            }
        };
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
    seen: Option<Derived>,
    /// The selected row's key, so the cursor stays on the same object when rows come and go.
    selected: Option<RowKey>,
    /// Column sort and whether reversed; `None`: the server's order (namespace, name).
    pub sort: Option<(Sort, bool)>,
    /// The `:ctx` list: Enter switches context.
    pub contexts: bool,
    /// Show the wide-only columns too (`kubectl get -o wide`).
    pub wide: bool,
    /// For a pod's containers: the pod (namespace, name).
    pub parent: Option<RowKey>,
    /// For a rollout history: the Deployment and its ReplicaSets.
    pub history: Option<Box<super::actions::History>>,
    /// The `:pf` list: Ctrl-D stops a forward.
    pub forwards: bool,
    /// Rows marked (Space) for a bulk action.
    pub marked: std::collections::BTreeSet<RowKey>,
}

/// What `visible` was derived from: data version, filter, sort.
type Derived = (u64, Filter, Option<(Sort, bool)>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Name,
    Age,
    Status,
    /// Any column, by index: numbers compare as numbers, the rest as text.
    Column(usize),
}

/// A row's cell by column index, borrowed ("" when missing).
fn cell(row: &Row, column: Option<usize>) -> &str {
    column.and_then(|i| row.cells.get(i)).map_or("", |c| c)
}

/// Orders two cells: numerically when both start with a number (`10` after `9`, `2/3` after `1/3`).
fn compare_cells(a: &str, b: &str) -> std::cmp::Ordering {
    let num = |s: &str| -> Option<f64> {
        let n: String = s
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        n.parse().ok()
    };
    match (num(a), num(b)) {
        (Some(x), Some(y)) if x != y => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        _ => a.cmp(b),
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
            selected: None,
            sort: None,
            contexts: false,
            wide: false,
            parent: None,
            history: None,
            marked: std::collections::BTreeSet::new(),
            forwards: false,
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
        // Rows updated in place change nothing here unless the filter or the order looks at their cells.
        let cells_matter = !self.filter.is_empty()
            || matches!(self.sort, Some((Sort::Status | Sort::Column(_), _)));
        let version = if cells_matter {
            data.version
        } else {
            data.keys_version
        };
        let stamp = (version, self.filter.clone(), self.sort);
        if self.seen.as_ref() != Some(&stamp) {
            let mut rows: Vec<&Row> = data.rows().filter(|r| self.filter.matches(r)).collect();
            if let Some((sort, reverse)) = self.sort {
                let status = data.column("status");
                match sort {
                    Sort::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
                    // Youngest first, as "sort by age" reads in k9s.
                    Sort::Age => {
                        rows.sort_by_key(|r| std::cmp::Reverse(r.created.unwrap_or(i64::MIN)))
                    }
                    // Cells compared in place: a sort of 10k rows must not allocate per comparison.
                    Sort::Status => rows.sort_by(|a, b| {
                        cell(a, status)
                            .cmp(cell(b, status))
                            .then_with(|| a.name.cmp(&b.name))
                    }),
                    Sort::Column(i) => rows.sort_by(|a, b| {
                        compare_cells(cell(a, Some(i)), cell(b, Some(i)))
                            .then_with(|| a.name.cmp(&b.name))
                    }),
                }
                if reverse {
                    rows.reverse();
                }
            }
            self.visible = rows.into_iter().map(Row::key).collect();
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
            Action::Mark => {
                if let Some(key) = self.visible.get(self.cursor).cloned()
                    && !self.marked.remove(&key)
                {
                    self.marked.insert(key);
                }
                self.cursor = (self.cursor + 1).min(last);
            }
            _ => return false,
        }
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
    /// For YAML: the object, re-rendered when a toggle changes.
    pub source: Option<serde_json::Value>,
    pub show_managed_fields: bool,
    /// A Secret: its data is masked until decoded on request.
    pub secret: bool,
    pub decoded: bool,
    /// The object this text is of (kind, namespace, name): `e` edits it from its YAML or description.
    pub origin: Option<(Kind, String, String)>,
}

impl TextView {
    pub fn loading() -> Self {
        Self {
            lines: vec![],
            scroll: 0,
            loading: true,
            search: None,
            source: None,
            show_managed_fields: false,
            secret: false,
            decoded: false,
            origin: None,
        }
    }

    pub fn set_object(&mut self, obj: serde_json::Value) {
        self.source = Some(obj);
        self.render_source();
        self.loading = false;
    }

    fn render_source(&mut self) {
        use tug_cluster::objects::SecretData;
        let Some(obj) = &self.source else { return };
        let secrets = match (self.secret, self.decoded) {
            (false, _) => SecretData::Raw,
            (true, false) => SecretData::Masked,
            (true, true) => SecretData::Decoded,
        };
        let text = tug_cluster::objects::to_yaml(obj, self.show_managed_fields, secrets);
        self.lines = text.lines().map(str::to_string).collect();
        self.scroll = self.scroll.min(self.lines.len().saturating_sub(1));
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

    pub fn act(&mut self, action: Action, page: usize) {
        let max = self.lines.len().saturating_sub(1);
        match action {
            Action::Down => self.scroll = (self.scroll + 1).min(max),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = (self.scroll + page).min(max),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(page),
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = max,
            Action::NextMatch => self.next_match(true),
            Action::PreviousMatch => self.next_match(false),
            Action::ToggleManagedFields => {
                self.show_managed_fields = !self.show_managed_fields;
                self.render_source();
            }
            Action::DecodeSecret if self.secret => {
                self.decoded = !self.decoded;
                self.render_source();
            }
            _ => {}
        }
    }
}

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
