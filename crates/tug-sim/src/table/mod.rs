//! Server-side printing: the `meta.k8s.io/v1` Table the API server returns when kubectl (or tug) asks for
//! one. Columns and cells follow kubernetes `pkg/printers/internalversion/printers.go` (v1.33), with the
//! wide-only columns at priority 1; custom resources use their CRD's `additionalPrinterColumns`.
//! Each built-in kind has one [`Printer`]: its columns, each paired with the function that fills its cell,
//! so a column and its cell cannot drift apart. Must not depend on HTTP.

mod cluster;
mod config;
mod custom;
mod network;
mod pod;
mod storage;
mod workloads;

use serde_json::{Value, json};

use tug_model::duration::age;
use tug_model::selector::label_selector_text;

/// Which printer: the resource's group and plural, and for custom resources the printer columns.
pub struct TableKind<'a> {
    pub group: &'a str,
    pub resource: &'a str,
    pub printer_columns: Option<&'a Value>,
}

/// One object being printed, and the time its ages are measured to.
struct Row<'a> {
    obj: &'a Value,
    now: jiff::Timestamp,
}

/// One printed column and the function that fills its cell in every row.
struct Column {
    name: &'static str,
    /// The column's OpenAPI type as kubectl reads it: `string`, `integer`, `boolean`, `date`.
    ty: &'static str,
    /// 0: always shown; 1: shown by `-o wide` only.
    priority: u8,
    cell: fn(&Row) -> Value,
}

impl Column {
    const fn string(name: &'static str, cell: fn(&Row) -> Value) -> Self {
        Self {
            name,
            ty: "string",
            priority: 0,
            cell,
        }
    }

    const fn integer(name: &'static str, cell: fn(&Row) -> Value) -> Self {
        Self {
            ty: "integer",
            ..Self::string(name, cell)
        }
    }

    const fn boolean(name: &'static str, cell: fn(&Row) -> Value) -> Self {
        Self {
            ty: "boolean",
            ..Self::string(name, cell)
        }
    }

    const fn date(name: &'static str, cell: fn(&Row) -> Value) -> Self {
        Self {
            ty: "date",
            ..Self::string(name, cell)
        }
    }

    /// Shown by `-o wide` only.
    const fn wide(self) -> Self {
        Self {
            priority: 1,
            ..self
        }
    }

    fn definition(&self) -> Value {
        definition(self.name, self.ty, self.priority)
    }
}

/// The printer of one or more built-in kinds, named by (group, plural).
struct Printer {
    kinds: &'static [(&'static str, &'static str)],
    columns: &'static [Column],
}

/// Every built-in printer, by area.
const PRINTERS: &[&[Printer]] = &[
    pod::PRINTERS,
    workloads::PRINTERS,
    network::PRINTERS,
    config::PRINTERS,
    storage::PRINTERS,
    cluster::PRINTERS,
];

const NAME: Column = Column::string("Name", |r| r.name());
const AGE: Column = Column::string("Age", |r| r.age());
const CREATED_AT: Column = Column::date("Created At", |r| {
    r.obj["metadata"]["creationTimestamp"].clone()
});
/// The default table convertor's columns, for built-ins without a printer of their own.
const DEFAULT_COLUMNS: &[Column] = &[NAME, CREATED_AT];

/// The printer's columns for a built-in kind; `None` for kinds without one.
fn columns(group: &str, resource: &str) -> Option<&'static [Column]> {
    PRINTERS
        .iter()
        .flat_map(|area| area.iter())
        .find(|p| p.kinds.contains(&(group, resource)))
        .map(|p| p.columns)
}

fn definition(name: &str, ty: &str, priority: u8) -> Value {
    let format = if name == "Name" { "name" } else { "" };
    json!({"name": name, "type": ty, "format": format, "description": "", "priority": priority})
}

/// The Table's `columnDefinitions` for a kind.
pub fn column_definitions(kind: &TableKind) -> Vec<Value> {
    if let Some(cols) = columns(kind.group, kind.resource) {
        return cols.iter().map(Column::definition).collect();
    }
    match custom::columns(kind) {
        Some(cols) => std::iter::once(NAME.definition())
            .chain(cols.iter().map(custom::definition))
            .collect(),
        None => DEFAULT_COLUMNS.iter().map(Column::definition).collect(),
    }
}

/// One row's cells, aligned with `column_definitions`.
pub fn row_cells(kind: &TableKind, obj: &Value, now: jiff::Timestamp) -> Vec<Value> {
    let row = Row { obj, now };
    if let Some(cols) = columns(kind.group, kind.resource) {
        return cols.iter().map(|c| (c.cell)(&row)).collect();
    }
    match custom::columns(kind) {
        Some(cols) => std::iter::once(row.name())
            .chain(cols.iter().map(|c| custom::cell(c, obj, now)))
            .collect(),
        None => DEFAULT_COLUMNS.iter().map(|c| (c.cell)(&row)).collect(),
    }
}

impl Row<'_> {
    fn name(&self) -> Value {
        self.obj["metadata"]["name"].clone()
    }

    fn age(&self) -> Value {
        json!(self.since(&self.obj["metadata"]["creationTimestamp"]))
    }

    fn since(&self, ts: &Value) -> String {
        match ts.as_str() {
            Some(t) => age(t, self.now),
            None => "<unknown>".into(),
        }
    }

    fn spec(&self) -> &Value {
        &self.obj["spec"]
    }

    fn status(&self) -> &Value {
        &self.obj["status"]
    }
}

/// A string field, or `default` when it is missing or empty.
fn str_or(v: &Value, default: &str) -> Value {
    json!(v.as_str().filter(|x| !x.is_empty()).unwrap_or(default))
}

fn len(v: &Value) -> usize {
    match v {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// The items of an array field; none when it is missing.
fn items(v: &Value) -> impl DoubleEndedIterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// `metav1.LabelSelector` as kubectl prints it: `a=b,c in (x,y)`; `empty` when it selects by nothing.
pub fn selector_string(sel: &Value, empty: &str) -> String {
    label_selector_text(sel).unwrap_or_else(|| empty.to_string())
}

/// A plain label map (a Service selector, a nodeSelector) as `a=b,c=d`.
fn label_map(v: &Value) -> String {
    selector_string(v, "<none>")
}

/// A pod template's container names, comma-separated (the Containers column).
fn containers(pod_spec: &Value) -> Value {
    let names: Vec<&str> = items(&pod_spec["containers"])
        .map(|c| s(&c["name"]))
        .collect();
    json!(names.join(","))
}

/// A pod template's container images, comma-separated (the Images column).
fn images(pod_spec: &Value) -> Value {
    let images: Vec<&str> = items(&pod_spec["containers"])
        .map(|c| s(&c["image"]))
        .collect();
    json!(images.join(","))
}

/// The addresses in a `status.loadBalancer`: IPs, or hostnames where there is no IP.
fn load_balancer_ips(lb: &Value) -> Vec<String> {
    items(&lb["ingress"])
        .filter_map(|i| {
            i["ip"]
                .as_str()
                .or(i["hostname"].as_str())
                .map(str::to_string)
        })
        .collect()
}

#[cfg(test)]
mod tests;
