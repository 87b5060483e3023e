//! Custom resources' columns: a CRD's `additionalPrinterColumns`, each cell read by its JSONPath and typed as
//! the apiextensions table convertor does.

use serde_json::{Value, json};

use tug_model::duration::age;

use super::{TableKind, s};

/// A custom resource's printer columns; the CRD default is a single Age column. `None` for built-ins.
pub(super) fn columns(kind: &TableKind) -> Option<Vec<Value>> {
    let cols = kind.printer_columns?;
    let cols = cols.as_array().cloned().unwrap_or_default();
    if cols.is_empty() {
        return Some(vec![
            json!({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}),
        ]);
    }
    Some(cols)
}

/// A printer column's `columnDefinitions` entry.
pub(super) fn definition(col: &Value) -> Value {
    json!({
        "name": col["name"], "type": col["type"].as_str().unwrap_or("string"),
        "format": col["format"].as_str().unwrap_or_default(),
        "description": col["description"].as_str().unwrap_or_default(),
        "priority": col["priority"].as_i64().unwrap_or(0),
    })
}

/// A custom resource cell: the column's JSONPath, typed as the apiextensions table convertor does.
pub(super) fn cell(col: &Value, obj: &Value, now: jiff::Timestamp) -> Value {
    let path = s(&col["jsonPath"]);
    let Some(v) = json_path(obj, path) else {
        return Value::Null;
    };
    match s(&col["type"]) {
        "integer" => v
            .as_i64()
            .or_else(|| v.as_f64().map(|f| f as i64))
            .map(Value::from)
            .unwrap_or(Value::Null),
        "number" => v.as_f64().map(Value::from).unwrap_or(Value::Null),
        "boolean" => v.as_bool().map(Value::from).unwrap_or(Value::Null),
        "date" => match v.as_str() {
            Some(t) if t.parse::<jiff::Timestamp>().is_ok() => json!(age(t, now)),
            Some(_) => json!("<invalid>"),
            None => Value::Null,
        },
        _ => match v {
            Value::String(x) => json!(x),
            Value::Null => Value::Null,
            other => json!(other.to_string()),
        },
    }
}

/// The JSONPath subset printer columns use: `.a.b`, `.a[0].b`, `{.a}`, `.metadata.labels.app\.kubernetes\.io/name`.
pub(super) fn json_path<'v>(obj: &'v Value, path: &str) -> Option<&'v Value> {
    let path = path
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim_start_matches('.');
    let mut cur = obj;
    let mut key = String::new();
    let mut chars = path.chars().peekable();
    let step = |cur: &mut &'v Value, key: &mut String| -> Option<()> {
        if !key.is_empty() {
            *cur = cur.get(key.as_str())?;
            key.clear();
        }
        Some(())
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => key.push(chars.next()?),
            '.' => step(&mut cur, &mut key)?,
            '[' => {
                step(&mut cur, &mut key)?;
                let idx: String = chars.by_ref().take_while(|c| *c != ']').collect();
                cur = cur.get(idx.trim().parse::<usize>().ok()?)?;
            }
            c => key.push(c),
        }
    }
    step(&mut cur, &mut key)?;
    (!cur.is_null()).then_some(cur)
}
