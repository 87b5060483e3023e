//! Custom columns as k9s's `views.yaml` defines them: per kind, which server columns to keep and in what
//! order, plus new columns computed from the object by JSONPath (`IMAGE:.spec.containers[0].image|W`).
//! The new cells are computed once per row as it is ingested (list page or watch event) and the object is
//! dropped at once, so a row costs a few more short strings, not its object.

use jsonpath_rust::parser::model::JpQuery;
use serde_json::Value;

use crate::table::{Column, RowMeta, RowObject, Table, TableRow};

/// What a computed cell shows when its JSONPath does not parse.
pub const ERROR_CELL: &str = "<err>";
/// The `Column::kind` of a `|T` column: its cells are timestamps, shown as ages.
pub const TIME_KIND: &str = "k9s-time";
/// The `Column::kind` of a `|N` column: right-aligned, sorted as numbers.
pub const NUMBER_KIND: &str = "k9s-number";

/// One entry of a view's `columns:` list.
#[derive(Debug, Clone)]
pub struct CustomColumn {
    /// The header, as written (k9s matches server columns by it).
    pub name: String,
    /// `None`: a server column kept as it is.
    pub path: Option<JsonPath>,
    /// `|W`: shown only in the wide view.
    pub wide: bool,
    /// `|H`: not shown (k9s keeps it for sorting and plugins' `$COL-…`).
    pub hidden: bool,
    /// `|N`: a number (right-aligned, numeric sort).
    pub number: bool,
    /// `|T`: a timestamp, shown as an age.
    pub time: bool,
}

/// A JSONPath as kubectl and k9s write it (`.spec.nodeName`, `{.status.phase}`), parsed once.
#[derive(Debug, Clone)]
pub struct JsonPath {
    pub source: String,
    query: Result<JpQuery, String>,
}

impl JsonPath {
    /// Parses kubectl's relaxed form: optional braces, a leading `.` or `$`.
    pub fn parse(source: &str) -> Self {
        let inner = source.trim();
        let inner = inner
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or(inner)
            .trim();
        let rfc = if inner.starts_with('$') {
            inner.to_string()
        } else if inner.starts_with('.') || inner.starts_with('[') {
            format!("${inner}")
        } else {
            format!("$.{inner}")
        };
        let query = jsonpath_rust::parser::parse_json_path(&rfc).map_err(|e| e.to_string());
        Self {
            source: source.to_string(),
            query,
        }
    }

    /// Why the path does not parse, if it does not.
    pub fn error(&self) -> Option<&str> {
        self.query.as_ref().err().map(String::as_str)
    }

    /// The path's value in `object` as kubectl prints it: strings bare, several results joined by spaces,
    /// nothing found as "" (kubectl's `-o jsonpath` prints an empty line), a bad path as `<err>`.
    pub fn eval(&self, object: &Value) -> Box<str> {
        let Ok(query) = &self.query else {
            return ERROR_CELL.into();
        };
        let Ok(found) = jsonpath_rust::query::js_path_process(query, object) else {
            return "".into();
        };
        let texts: Vec<String> = found
            .into_iter()
            .map(|r| match r.val() {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        texts.join(" ").into()
    }
}

/// A k9s column flag: letters after the last `|`, as k9s's `render/cust_col.go` reads them.
const FLAGS: &[u8] = b"NTWRLH";

impl CustomColumn {
    /// Parses `NAME`, `NAME|W`, `NAME:.json.path` or `NAME:.json.path|NT`. As in k9s, only `N T W R L H`
    /// (at most three) are flags; any other suffix after `|` stays part of the JSONPath (and so fails to
    /// parse, like kubectl's JSONPath would).
    pub fn parse(spec: &str) -> Self {
        let (body, flags) = match spec.rsplit_once('|') {
            Some((body, flags))
                if flags.len() <= 3 && flags.bytes().all(|b| FLAGS.contains(&b)) =>
            {
                (body, flags)
            }
            _ => (spec, ""),
        };
        let (name, path) = match body.split_once(':') {
            Some((name, path)) if !path.trim().is_empty() => {
                (name.trim(), Some(JsonPath::parse(path)))
            }
            Some((name, _)) => (name.trim(), None),
            None => (body.trim(), None),
        };
        let has = |c: char| flags.contains(c);
        Self {
            name: name.to_string(),
            path,
            wide: has('W'),
            hidden: has('H'),
            number: has('N'),
            time: has('T'),
        }
    }

    fn column(&self) -> Column {
        let kind = if self.time {
            TIME_KIND
        } else if self.number {
            NUMBER_KIND
        } else {
            "string"
        };
        Column {
            name: self.name.clone(),
            kind: kind.into(),
            priority: i64::from(self.wide),
        }
    }
}

/// A kind's custom view: its columns in order, and the column it opens sorted by (`sortColumn`).
#[derive(Debug, Clone, Default)]
pub struct ViewLayout {
    pub columns: Vec<CustomColumn>,
    /// Column name, and whether descending.
    pub sort: Option<(String, bool)>,
}

impl ViewLayout {
    /// The columns computed from the object, in the order their cells are appended to a row.
    pub fn computed(&self) -> Vec<CustomColumn> {
        self.columns
            .iter()
            .filter(|c| c.path.is_some())
            .cloned()
            .collect()
    }

    /// Parses `sortColumn: NAME:asc|desc` (k9s: ascending unless it says `desc`).
    pub fn parse_sort(s: &str) -> Option<(String, bool)> {
        let (name, dir) = s.split_once(':').unwrap_or((s, "asc"));
        let name = name.trim();
        (!name.is_empty()).then(|| (name.to_string(), dir.trim().eq_ignore_ascii_case("desc")))
    }

    /// Which of `columns` (a table's, computed ones appended last) to show and in what order; `wide` also
    /// shows the `|W` ones. A listed name the table does not have is skipped.
    pub fn shown(&self, columns: &[Column], wide: bool) -> Vec<usize> {
        self.columns
            .iter()
            .filter(|c| !c.hidden && (wide || !c.wide))
            .filter_map(|c| {
                let same = |col: &Column| col.name.eq_ignore_ascii_case(&c.name);
                // A computed column is one of the last ones, even if a server column has its name.
                if c.path.is_some() {
                    columns.iter().rposition(same)
                } else {
                    columns.iter().position(same)
                }
            })
            .collect()
    }
}

/// Turns a page (or watch event) fetched with `includeObject=Object` into the compact form: the metadata
/// tug keeps, plus one cell per computed column; the objects are dropped here.
pub fn project(table: Table<Value>, computed: &[CustomColumn]) -> Table {
    let mut column_definitions = table.column_definitions;
    if !column_definitions.is_empty() {
        column_definitions.extend(computed.iter().map(CustomColumn::column));
    }
    let rows = table
        .rows
        .into_iter()
        .map(|row| {
            let metadata = row
                .object
                .get("metadata")
                .and_then(|m| RowMeta::deserialize_from(m).ok())
                .unwrap_or_default();
            let extra = computed
                .iter()
                .filter_map(|c| c.path.as_ref())
                .map(|p| p.eval(&row.object))
                .collect();
            TableRow {
                cells: row.cells,
                object: RowObject { metadata, extra },
            }
        })
        .collect();
    Table {
        column_definitions,
        rows,
        metadata: table.metadata,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::table::Row;

    fn pod() -> Value {
        json!({"metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"},
                "creationTimestamp": "2026-11-25T10:00:00Z"},
               "spec": {"nodeName": "node-a", "containers": [{"name": "c", "image": "nginx:1.27"},
                                                             {"name": "d", "image": "busybox"}]},
               "status": {"phase": "Running", "restartCount": 3}})
    }

    #[test]
    fn columns_parse_as_k9s_reads_them() {
        let c = CustomColumn::parse("IMAGE:.spec.containers[0].image|WN");
        assert_eq!(c.name, "IMAGE");
        assert!(c.wide && c.number && !c.time && !c.hidden);
        assert_eq!(c.path.as_ref().map(|p| p.error()), Some(None));
        let c = CustomColumn::parse("STATUS");
        assert!(c.path.is_none() && !c.wide);
        let c = CustomColumn::parse("AGE|H");
        assert!(c.hidden && c.path.is_none());
        let c = CustomColumn::parse("START:.status.startTime|T");
        assert!(c.time);
        assert_eq!(c.column().kind, TIME_KIND);
        // Not a k9s flag: it stays in the path, which then does not parse.
        let c = CustomColumn::parse("X:.spec|S");
        assert!(c.path.as_ref().and_then(JsonPath::error).is_some());
        assert_eq!(
            ViewLayout::parse_sort("NAME:desc"),
            Some(("NAME".into(), true))
        );
        assert_eq!(ViewLayout::parse_sort("AGE"), Some(("AGE".into(), false)));
    }

    #[test]
    fn paths_evaluate_as_kubectl_prints_them() {
        let p = pod();
        let eval = |s: &str| JsonPath::parse(s).eval(&p).to_string();
        assert_eq!(eval(".spec.containers[0].image"), "nginx:1.27");
        assert_eq!(eval("{.spec.nodeName}"), "node-a");
        assert_eq!(eval(".metadata.labels.app"), "web");
        assert_eq!(eval(".status.restartCount"), "3");
        assert_eq!(eval(".spec.containers[*].name"), "c d");
        assert_eq!(eval(".spec.missing"), "");
        assert_eq!(eval(".spec.containers[0"), ERROR_CELL);
    }

    #[test]
    fn a_projected_row_keeps_its_metadata_and_computed_cells_only() {
        let layout = ViewLayout {
            columns: [
                "NAME",
                "IMAGE:.spec.containers[0].image",
                "NODE:.spec.nodeName|W",
            ]
            .into_iter()
            .map(CustomColumn::parse)
            .collect(),
            sort: None,
        };
        let wire = json!({
            "columnDefinitions": [{"name": "Name", "type": "string"}, {"name": "Status", "type": "string"}],
            "rows": [{"cells": ["web-1", "Running"], "object": pod()}],
        });
        let table: Table<Value> = serde_json::from_value(wire).unwrap();
        let table = project(table, &layout.computed());
        let row = Row::from_table_row(&table.rows[0]);
        assert_eq!(&*row.name, "web-1");
        assert!(row.created.is_some());
        assert_eq!(
            row.cells,
            ["web-1", "Running", "nginx:1.27", "node-a"]
                .map(Box::<str>::from)
                .to_vec()
        );
        let names: Vec<&str> = table.column_definitions.iter().map(|c| &*c.name).collect();
        assert_eq!(names, ["Name", "Status", "IMAGE", "NODE"]);
        assert_eq!(layout.shown(&table.column_definitions, false), [0, 2]);
        assert_eq!(layout.shown(&table.column_definitions, true), [0, 2, 3]);
    }
}
