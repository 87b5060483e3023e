//! How objects are put on the wire: full objects, lists, `meta.k8s.io/v1` Tables and PartialObjectMetadata,
//! chosen from the request's Accept header as the real server does. Pure; must not depend on the store or HTTP.

use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

use super::resources::ResourceDef;
use super::table::{self, TableKind};

/// What a response carries, from the Accept header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Full,
    /// `as=Table`, with the row objects as `includeObject` asks.
    Table(IncludeObject),
    /// `as=PartialObjectMetadata[List]`.
    Metadata,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("None") => Self::None,
            Some("Object") => Self::Object,
            _ => Self::Metadata,
        }
    }
}

/// The first media type in `accept` the sim can produce.
pub fn negotiate(accept: &str, include: IncludeObject) -> Shape {
    for media in accept.split(',') {
        let mut parts = media.split(';').map(str::trim);
        let base = parts.next().unwrap_or_default();
        if !matches!(base, "application/json" | "*/*" | "application/*" | "") {
            continue;
        }
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
        let get = |k: &str| params.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        match get("as") {
            Some("Table") if get("g") == Some("meta.k8s.io") => return Shape::Table(include),
            Some("PartialObjectMetadata" | "PartialObjectMetadataList")
                if get("g") == Some("meta.k8s.io") =>
            {
                return Shape::Metadata;
            }
            Some(_) => continue,
            None => return Shape::Full,
        }
    }
    Shape::Full
}

/// An object without `kind`/`apiVersion`, as built-in list items are sent.
struct Untyped<'a>(&'a Value);

impl Serialize for Untyped<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_object() {
            Some(m) => {
                let mut map = s.serialize_map(None)?;
                for (k, v) in m.iter().filter(|(k, _)| *k != "kind" && *k != "apiVersion") {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            None => self.0.serialize(s),
        }
    }
}

pub fn partial_metadata(obj: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"],
    })
}

/// The object as a client of `res`'s version sees it (custom resources may be read at any served version).
pub fn for_version(res: &ResourceDef, obj: &Arc<Value>) -> Value {
    let mut v = crate::convert::to_served(res, obj);
    if res.custom {
        v["apiVersion"] = json!(res.api_version());
    }
    v
}

fn table_kind(res: &ResourceDef) -> TableKind<'_> {
    TableKind {
        // Served from the core table, printed as the core kind (`kubectl get events.events.k8s.io`).
        group: if crate::convert::is_events_v1(res) {
            ""
        } else {
            &res.group
        },
        resource: &res.plural,
        printer_columns: res.printer_columns.as_ref(),
    }
}

pub fn table_row(
    res: &ResourceDef,
    obj: &Value,
    include: IncludeObject,
    now: jiff::Timestamp,
) -> Value {
    let mut row = json!({"cells": table::row_cells(&table_kind(res), obj, now)});
    match include {
        IncludeObject::None => {}
        IncludeObject::Metadata => row["object"] = partial_metadata(obj),
        IncludeObject::Object => row["object"] = obj.clone(),
    }
    row
}

/// A Table for `objs` (one row each); `list_meta` is the list's metadata.
pub fn table(
    res: &ResourceDef,
    objs: &[Arc<Value>],
    include: IncludeObject,
    list_meta: Value,
    with_columns: bool,
) -> Value {
    let now = jiff::Timestamp::now();
    let columns = if with_columns {
        table::column_definitions(&table_kind(res))
    } else {
        vec![]
    };
    let rows: Vec<Value> = objs
        .iter()
        .map(|o| table_row(res, o, include, now))
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": columns,
        "rows": rows,
    })
}

/// A list as a Table, serialised straight from the stored objects: each row's cells are built, but its object
/// (the metadata, with managedFields, or the whole object) is written by reference. Building every row as a
/// `Value` first copied each object's metadata, most of a page's cost at 500 rows.
struct TableList<'a> {
    res: &'a ResourceDef,
    items: &'a [Arc<Value>],
    include: IncludeObject,
    meta: &'a Value,
    now: jiff::Timestamp,
}

/// `PartialObjectMetadata` of an object, by reference.
struct PartialMeta<'a>(&'a Value);

impl Serialize for PartialMeta<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("kind", "PartialObjectMetadata")?;
        map.serialize_entry("apiVersion", "meta.k8s.io/v1")?;
        map.serialize_entry("metadata", &self.0["metadata"])?;
        map.end()
    }
}

impl Serialize for TableList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Rows<'a>(&'a TableList<'a>);
        struct TableRow<'a>(&'a TableList<'a>, &'a Value);
        impl Serialize for TableRow<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let TableRow(list, obj) = self;
                let cells = table::row_cells(&table_kind(list.res), obj, list.now);
                let mut map = s.serialize_map(None)?;
                map.serialize_entry("cells", &cells)?;
                match list.include {
                    IncludeObject::None => {}
                    IncludeObject::Metadata => map.serialize_entry("object", &PartialMeta(obj))?,
                    IncludeObject::Object => map.serialize_entry("object", obj)?,
                }
                map.end()
            }
        }
        impl Serialize for Rows<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq;
                let mut seq = s.serialize_seq(Some(self.0.items.len()))?;
                for item in self.0.items {
                    seq.serialize_element(&TableRow(self.0, item))?;
                }
                seq.end()
            }
        }
        let mut map = s.serialize_map(Some(5))?;
        map.serialize_entry("kind", "Table")?;
        map.serialize_entry("apiVersion", "meta.k8s.io/v1")?;
        map.serialize_entry("metadata", self.meta)?;
        map.serialize_entry(
            "columnDefinitions",
            &table::column_definitions(&table_kind(self.res)),
        )?;
        map.serialize_entry("rows", &Rows(self))?;
        map.end()
    }
}

/// Serializes a list response straight to bytes (no copy of the items).
pub fn list_bytes(
    res: &ResourceDef,
    shape: Shape,
    items: &[Arc<Value>],
    list_meta: Value,
) -> Vec<u8> {
    match shape {
        Shape::Table(include) => serde_json::to_vec(&TableList {
            res,
            items,
            include,
            meta: &list_meta,
            now: jiff::Timestamp::now(),
        }),
        Shape::Metadata => serde_json::to_vec(&json!({
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": list_meta,
            "items": items.iter().map(|o| partial_metadata(o)).collect::<Vec<_>>(),
        })),
        Shape::Full if crate::convert::is_events_v1(res) => {
            let served: Vec<Arc<Value>> = items
                .iter()
                .map(|o| Arc::new(for_version(res, o)))
                .collect();
            return list_bytes_full(res, &served, list_meta);
        }
        Shape::Full => return list_bytes_full(res, items, list_meta),
    }
    .unwrap_or_default()
}

fn list_bytes_full(res: &ResourceDef, items: &[Arc<Value>], list_meta: Value) -> Vec<u8> {
    struct List<'a> {
        res: &'a ResourceDef,
        items: &'a [Arc<Value>],
        meta: Value,
    }
    impl Serialize for List<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            struct Items<'a>(&'a [Arc<Value>], bool);
            impl Serialize for Items<'_> {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    use serde::ser::SerializeSeq;
                    let mut seq = s.serialize_seq(Some(self.0.len()))?;
                    for item in self.0 {
                        if self.1 {
                            seq.serialize_element(&**item)?;
                        } else {
                            seq.serialize_element(&Untyped(item))?;
                        }
                    }
                    seq.end()
                }
            }
            let mut map = s.serialize_map(Some(4))?;
            map.serialize_entry("kind", &format!("{}List", self.res.kind))?;
            map.serialize_entry("apiVersion", &self.res.api_version())?;
            map.serialize_entry("metadata", &self.meta)?;
            map.serialize_entry("items", &Items(self.items, self.res.custom))?;
            map.end()
        }
    }
    serde_json::to_vec(&List {
        res,
        items,
        meta: list_meta,
    })
    .unwrap_or_default()
}

/// One object in the response shape (single GET, create, update, watch event).
pub fn object(res: &ResourceDef, shape: Shape, obj: &Arc<Value>, rv: u64) -> Value {
    match shape {
        Shape::Full => for_version(res, obj),
        Shape::Metadata => partial_metadata(obj),
        Shape::Table(include) => table(
            res,
            std::slice::from_ref(obj),
            include,
            json!({"resourceVersion": rv.to_string()}),
            true,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_what_kubectl_and_kube_send() {
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(
            negotiate(kubectl, IncludeObject::Metadata),
            Shape::Table(IncludeObject::Metadata)
        );
        assert_eq!(
            negotiate("application/json", IncludeObject::None),
            Shape::Full
        );
        assert_eq!(negotiate("", IncludeObject::None), Shape::Full);
        assert_eq!(
            negotiate(
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
                IncludeObject::None
            ),
            Shape::Metadata
        );
        assert_eq!(
            negotiate(
                "application/vnd.kubernetes.protobuf,*/*",
                IncludeObject::None
            ),
            Shape::Full
        );
    }

    #[test]
    fn a_table_list_serialised_by_reference_equals_the_built_table() {
        let reg = crate::resources::Registry::with_builtins();
        let pods = reg.preferred("", "pods").unwrap();
        let pod = Arc::new(json!({"kind": "Pod", "apiVersion": "v1",
            "metadata": {"name": "a", "namespace": "n", "uid": "u", "creationTimestamp": "2026-01-01T00:00:00Z",
                         "managedFields": [{"manager": "m", "operation": "Update"}]},
            "spec": {"containers": [{"name": "c", "image": "i"}], "nodeName": "node-1"},
            "status": {"phase": "Running", "podIP": "10.0.0.1"}}));
        for include in [
            IncludeObject::None,
            IncludeObject::Metadata,
            IncludeObject::Object,
        ] {
            let meta = json!({"resourceVersion": "7", "continue": "x"});
            let bytes = list_bytes(
                &pods,
                Shape::Table(include),
                &[pod.clone(), pod.clone()],
                meta.clone(),
            );
            let got: Value = serde_json::from_slice(&bytes).unwrap();
            let want = table(&pods, &[pod.clone(), pod.clone()], include, meta, true);
            // The ages are measured to two different instants: equal at a year's distance.
            assert_eq!(got, want, "{include:?}");
        }
    }

    #[test]
    fn builtin_list_items_carry_no_type_but_custom_ones_do() {
        let reg = crate::resources::Registry::with_builtins();
        let pods = reg.preferred("", "pods").unwrap();
        let item = Arc::new(json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "a"}}));
        let bytes = list_bytes(&pods, Shape::Full, &[item], json!({"resourceVersion": "7"}));
        let list: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(list["kind"], "PodList");
        assert_eq!(list["metadata"]["resourceVersion"], "7");
        assert_eq!(list["items"][0], json!({"metadata": {"name": "a"}}));
    }
}
