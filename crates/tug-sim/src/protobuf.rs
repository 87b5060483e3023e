//! Protobuf request bodies (`application/vnd.kubernetes.protobuf`): the `k8s\0` envelope (`runtime.Unknown`)
//! and, inside it, any built-in kind, read into the same JSON the rest of the sim handles (kubectl sends
//! `create configmap|deployment|namespace|job`, `auth can-i` and `debug --copy-to` bodies as protobuf). The field
//! tables (`protobuf_schema`) are generated from the `k8s-pb` crate's prost types by
//! `scripts/gen-protobuf-schema.py`, with the JSON names from k8s-openapi: the sim reads the wire format with
//! those tables instead of linking k8s-pb, whose structs have no JSON form. As Go's JSON encoder with
//! `omitempty` would, a singular empty string or zero time is left out. Pure; must not depend on HTTP.

use serde_json::{Map, Value, json};

use crate::protobuf_schema::{KINDS, MESSAGES};

/// The four bytes before every protobuf-encoded Kubernetes object.
const MAGIC: &[u8] = b"k8s\0";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtobufError {
    /// Not a Kubernetes protobuf envelope, or a truncated or malformed message.
    #[error("object decoding error: {0}")]
    Malformed(&'static str),
    /// A kind with no protobuf form (custom resources, or a kind the tables do not have).
    #[error("no protobuf decoding for kind {0}")]
    UnknownKind(String),
}

type Result<T> = std::result::Result<T, ProtobufError>;

/// A field's type: a scalar, another message (by index in `MESSAGES`), or one of apimachinery's types that
/// have their own JSON form.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    Str,
    Int,
    Bool,
    Double,
    /// `[]byte`: base64 in JSON.
    Bytes,
    Msg(usize),
    /// `metav1.Time`: RFC 3339 seconds.
    Time,
    /// `metav1.MicroTime`: RFC 3339 with microseconds.
    MicroTime,
    /// `runtime.RawExtension`, `FieldsV1`, apiextensions `JSON`: embedded JSON bytes.
    RawJson,
    /// `resource.Quantity`: its string.
    Quantity,
    /// `intstr.IntOrString`: a number or a string.
    IntOrString,
}

/// Singular, repeated, or `map<string, T>`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Card {
    One,
    Many,
    Map,
}

/// One field: number, JSON name, type, cardinality.
#[derive(Debug)]
pub(crate) struct F(pub u32, pub &'static str, pub Ty, pub Card);

struct Reader<'a> {
    buf: &'a [u8],
}

#[derive(Clone, Copy)]
enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64> {
        let mut out = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self
                .buf
                .split_first()
                .ok_or(ProtobufError::Malformed("truncated varint"))?;
            self.buf = rest;
            out |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(out);
            }
        }
        Err(ProtobufError::Malformed("varint too long"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(ProtobufError::Malformed("truncated field"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    /// The next field's number and value.
    fn next(&mut self) -> Result<Option<(u64, Wire<'a>)>> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let tag = self.varint()?;
        let value = match tag & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => {
                let b = self.take(8)?;
                Wire::Fixed64(u64::from_le_bytes(
                    b.try_into()
                        .map_err(|_| ProtobufError::Malformed("truncated fixed64"))?,
                ))
            }
            2 => {
                let len = usize::try_from(self.varint()?)
                    .map_err(|_| ProtobufError::Malformed("length overflows"))?;
                Wire::Bytes(self.take(len)?)
            }
            5 => {
                let b = self.take(4)?;
                Wire::Fixed32(u32::from_le_bytes(
                    b.try_into()
                        .map_err(|_| ProtobufError::Malformed("truncated fixed32"))?,
                ))
            }
            _ => return Err(ProtobufError::Malformed("unsupported wire type")),
        };
        Ok(Some((tag >> 3, value)))
    }
}

fn utf8(b: &[u8]) -> Result<String> {
    String::from_utf8(b.to_vec()).map_err(|_| ProtobufError::Malformed("string is not UTF-8"))
}

/// The varint and length-delimited fields of a small fixed message (Time, Quantity…), by number.
fn small_fields(buf: &[u8]) -> Result<Vec<(u64, Wire<'_>)>> {
    let mut r = Reader { buf };
    let mut out = Vec::new();
    while let Some(f) = r.next()? {
        out.push(f);
    }
    Ok(out)
}

fn varint_of(fields: &[(u64, Wire)], num: u64) -> Option<u64> {
    fields.iter().rev().find_map(|(n, w)| match w {
        Wire::Varint(v) if *n == num => Some(*v),
        _ => None,
    })
}

fn bytes_of<'a>(fields: &[(u64, Wire<'a>)], num: u64) -> Option<&'a [u8]> {
    fields.iter().rev().find_map(|(n, w)| match w {
        Wire::Bytes(b) if *n == num => Some(*b),
        _ => None,
    })
}

fn time_string(buf: &[u8], micros: bool) -> Result<Option<Value>> {
    let f = small_fields(buf)?;
    let secs = varint_of(&f, 1).unwrap_or(0) as i64;
    let nanos = varint_of(&f, 2).unwrap_or(0) as i64;
    if secs == 0 && nanos == 0 {
        return Ok(None);
    }
    let ts = jiff::Timestamp::new(secs, i32::try_from(nanos).unwrap_or(0))
        .map_err(|_| ProtobufError::Malformed("time out of range"))?;
    let format = if micros {
        "%Y-%m-%dT%H:%M:%S%.6fZ"
    } else {
        "%Y-%m-%dT%H:%M:%SZ"
    };
    Ok(Some(json!(ts.strftime(format).to_string())))
}

fn bytes(w: Wire<'_>) -> Result<&[u8]> {
    match w {
        Wire::Bytes(b) => Ok(b),
        _ => Err(ProtobufError::Malformed(
            "expected a length-delimited field",
        )),
    }
}

/// One value of type `ty`; `None` leaves the field out.
fn value(ty: Ty, wire: Wire, card: Card) -> Result<Option<Value>> {
    use base64::Engine;
    Ok(match ty {
        Ty::Str => {
            let s = utf8(bytes(wire)?)?;
            (!s.is_empty() || !matches!(card, Card::One)).then(|| json!(s))
        }
        Ty::Int => match wire {
            Wire::Varint(v) => Some(json!(v as i64)),
            Wire::Fixed64(v) => Some(json!(v as i64)),
            Wire::Fixed32(v) => Some(json!(v as i32)),
            Wire::Bytes(_) => return Err(ProtobufError::Malformed("packed integer out of place")),
        },
        Ty::Bool => match wire {
            Wire::Varint(v) => Some(json!(v != 0)),
            _ => return Err(ProtobufError::Malformed("expected a boolean")),
        },
        Ty::Double => match wire {
            Wire::Fixed64(v) => Some(json!(f64::from_bits(v))),
            _ => return Err(ProtobufError::Malformed("expected a double")),
        },
        Ty::Bytes => Some(json!(
            base64::engine::general_purpose::STANDARD.encode(bytes(wire)?)
        )),
        Ty::Msg(i) => Some(message(bytes(wire)?, i)?),
        Ty::Time => time_string(bytes(wire)?, false)?,
        Ty::MicroTime => time_string(bytes(wire)?, true)?,
        Ty::RawJson => {
            let f = small_fields(bytes(wire)?)?;
            bytes_of(&f, 1).and_then(|raw| serde_json::from_slice(raw).ok())
        }
        Ty::Quantity => {
            let f = small_fields(bytes(wire)?)?;
            bytes_of(&f, 1).map(utf8).transpose()?.map(Value::String)
        }
        Ty::IntOrString => {
            let f = small_fields(bytes(wire)?)?;
            if varint_of(&f, 1) == Some(1) {
                Some(json!(utf8(bytes_of(&f, 3).unwrap_or_default())?))
            } else {
                Some(json!(varint_of(&f, 2).unwrap_or(0) as i32))
            }
        }
    })
}

/// Reads message `index` of `MESSAGES`; fields not in its table are skipped, as protobuf readers do.
fn message(buf: &[u8], index: usize) -> Result<Value> {
    let table = MESSAGES
        .get(index)
        .ok_or(ProtobufError::Malformed("no such message"))?;
    let mut out = Map::new();
    let mut r = Reader { buf };
    while let Some((num, wire)) = r.next()? {
        let Some(&F(_, name, ty, card)) = table.iter().find(|f| u64::from(f.0) == num) else {
            continue;
        };
        match card {
            Card::One => {
                if let Some(v) = value(ty, wire, card)? {
                    out.insert(name.into(), v);
                }
            }
            Card::Many => {
                let list = out.entry(name).or_insert_with(|| json!([]));
                let Some(items) = list.as_array_mut() else {
                    continue;
                };
                match (ty, wire) {
                    // A packed repeated number: a run of varints.
                    (Ty::Int | Ty::Bool, Wire::Bytes(packed)) => {
                        let mut pr = Reader { buf: packed };
                        while !pr.buf.is_empty() {
                            let v = pr.varint()?;
                            items.push(match ty {
                                Ty::Bool => json!(v != 0),
                                _ => json!(v as i64),
                            });
                        }
                    }
                    _ => {
                        if let Some(v) = value(ty, wire, card)? {
                            items.push(v);
                        }
                    }
                }
            }
            Card::Map => {
                let Wire::Bytes(entry) = wire else {
                    return Err(ProtobufError::Malformed("map entry is not a message"));
                };
                let mut er = Reader { buf: entry };
                let (mut key, mut val) = (String::new(), None);
                while let Some((n, w)) = er.next()? {
                    match (n, w) {
                        (1, Wire::Bytes(k)) => key = utf8(k)?,
                        (2, w) => val = value(ty, w, Card::Many)?,
                        _ => {}
                    }
                }
                let map = out.entry(name).or_insert_with(|| json!({}));
                if let Some(m) = map.as_object_mut() {
                    m.insert(key, val.unwrap_or_else(|| json!("")));
                }
            }
        }
    }
    Ok(Value::Object(out))
}

/// Decodes a protobuf request body into the object's JSON form (with `apiVersion` and `kind`).
pub fn decode(body: &[u8]) -> Result<Value> {
    let envelope = body.strip_prefix(MAGIC).ok_or(ProtobufError::Malformed(
        "provided data does not appear to be a protobuf message",
    ))?;
    let (mut api_version, mut kind, mut raw) = (String::new(), String::new(), &[][..]);
    let mut r = Reader { buf: envelope };
    while let Some((num, wire)) = r.next()? {
        match (num, wire) {
            (1, Wire::Bytes(type_meta)) => {
                let tm = small_fields(type_meta)?;
                api_version = utf8(bytes_of(&tm, 1).unwrap_or_default())?;
                kind = utf8(bytes_of(&tm, 2).unwrap_or_default())?;
            }
            (2, Wire::Bytes(bytes)) => raw = bytes,
            _ => {}
        }
    }
    let index = KINDS
        .iter()
        .find(|(av, k, _)| *av == api_version && *k == kind)
        .map(|(_, _, i)| *i)
        .ok_or_else(|| ProtobufError::UnknownKind(kind.clone()))?;
    let mut obj = message(raw, index)?;
    obj["apiVersion"] = json!(api_version);
    obj["kind"] = json!(kind);
    Ok(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What kubectl v1.33 sends for `kubectl auth can-i get pods/log -n shop` (from `-v=9`).
    const CAN_I: &[u8] = &[
        0x6b, 0x38, 0x73, 0x00, 0x0a, 0x32, 0x0a, 0x17, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72, 0x69,
        0x7a, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x2e, 0x6b, 0x38, 0x73, 0x2e, 0x69, 0x6f, 0x2f, 0x76,
        0x31, 0x12, 0x17, 0x53, 0x65, 0x6c, 0x66, 0x53, 0x75, 0x62, 0x6a, 0x65, 0x63, 0x74, 0x41,
        0x63, 0x63, 0x65, 0x73, 0x73, 0x52, 0x65, 0x76, 0x69, 0x65, 0x77, 0x12, 0x3c, 0x0a, 0x10,
        0x0a, 0x00, 0x12, 0x00, 0x1a, 0x00, 0x22, 0x00, 0x2a, 0x00, 0x32, 0x00, 0x38, 0x00, 0x42,
        0x00, 0x12, 0x1e, 0x0a, 0x1c, 0x0a, 0x04, 0x73, 0x68, 0x6f, 0x70, 0x12, 0x03, 0x67, 0x65,
        0x74, 0x1a, 0x00, 0x22, 0x00, 0x2a, 0x04, 0x70, 0x6f, 0x64, 0x73, 0x32, 0x00, 0x3a, 0x03,
        0x6c, 0x6f, 0x67, 0x1a, 0x08, 0x08, 0x00, 0x12, 0x00, 0x1a, 0x00, 0x20, 0x00, 0x1a, 0x00,
        0x22, 0x00,
    ];

    #[test]
    fn decodes_kubectls_self_subject_access_review() {
        let obj = decode(CAN_I).unwrap();
        assert_eq!(obj["kind"], "SelfSubjectAccessReview");
        assert_eq!(obj["apiVersion"], "authorization.k8s.io/v1");
        assert_eq!(
            obj["spec"]["resourceAttributes"],
            json!({"namespace": "shop", "verb": "get", "resource": "pods", "name": "log"})
        );
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        assert!(matches!(decode(b"{}"), Err(ProtobufError::Malformed(_))));
        assert!(matches!(
            decode(&CAN_I[..40]),
            Err(ProtobufError::Malformed(_))
        ));
        let pod = b"k8s\0\x0a\x07\x0a\x02v1\x12\x01P";
        assert_eq!(decode(pod), Err(ProtobufError::UnknownKind("P".into())));
    }

    /// A length-delimited field.
    fn ld(num: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![(num << 3) | 2, u8::try_from(body.len()).unwrap()];
        out.extend_from_slice(body);
        out
    }

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let mut tm = ld(1, api_version.as_bytes());
        tm.extend(ld(2, kind.as_bytes()));
        let mut out = b"k8s\0".to_vec();
        out.extend(ld(1, &tm));
        out.extend(ld(2, raw));
        out
    }

    #[test]
    fn decodes_any_builtin_kind_by_its_generated_table() {
        // ConfigMap{metadata{name: x, generateName: ""}, data{a: b}}
        let mut meta = ld(1, b"x");
        meta.extend(ld(2, b""));
        let mut raw = ld(1, &meta);
        let mut entry = ld(1, b"a");
        entry.extend(ld(2, b"b"));
        raw.extend(ld(2, &entry));
        let obj = decode(&envelope("v1", "ConfigMap", &raw)).unwrap();
        assert_eq!(
            obj,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "b"}})
        );

        // Deployment{spec{replicas: 0 (set), template{spec{containers[{name: web, ports[{containerPort: 80}]}]}}}}
        let mut container = ld(1, b"web");
        container.extend(ld(6, &[0x18, 80]));
        let pod_spec = ld(2, &container);
        let template = ld(2, &pod_spec);
        let mut spec = vec![0x08, 0x00];
        spec.extend(ld(3, &template));
        let raw = ld(2, &spec);
        let obj = decode(&envelope("apps/v1", "Deployment", &raw)).unwrap();
        assert_eq!(obj["spec"]["replicas"], 0);
        assert_eq!(
            obj["spec"]["template"]["spec"]["containers"],
            json!([{"name": "web", "ports": [{"containerPort": 80}]}])
        );
    }

    #[test]
    fn apimachinery_types_read_as_their_json_forms() {
        // ObjectMeta.creationTimestamp (8) = Time{seconds: 1}; an empty Time is left out.
        let mut meta = ld(8, &[0x08, 0x01]);
        meta.extend(ld(1, b"ns1"));
        let obj = decode(&envelope("v1", "Namespace", &ld(1, &meta))).unwrap();
        assert_eq!(obj["metadata"]["creationTimestamp"], "1970-01-01T00:00:01Z");
        let obj = decode(&envelope("v1", "Namespace", &ld(1, &ld(8, &[])))).unwrap();
        assert!(obj["metadata"].get("creationTimestamp").is_none());
        // Secret.data is map<string, bytes>: base64 in JSON.
        let mut entry = ld(1, b"k");
        entry.extend(ld(2, b"hi"));
        let obj = decode(&envelope("v1", "Secret", &ld(2, &entry))).unwrap();
        assert_eq!(obj["data"]["k"], "aGk=");
    }
}

/// The fields of `obj` (a `kind` of `api_version`, as JSON) that its schema does not declare, as the
/// apiserver's strict decoder names them (`spec.template.spec.containers[0].foo`); `None` for a kind the
/// tables do not know (custom resources), whose schema the sim does not check. Directive keys of a strategic
/// merge patch (`$patch`, `$setElementOrder/…`, `$retainKeys`, `$deleteFromPrimitiveList/…`) are not fields.
pub fn unknown_fields(api_version: &str, kind: &str, obj: &Value) -> Option<Vec<String>> {
    let index = KINDS
        .iter()
        .find(|(av, k, _)| *av == api_version && *k == kind)
        .map(|(_, _, i)| *i)?;
    let mut out = Vec::new();
    if let Some(m) = obj.as_object() {
        let top: Map<String, Value> = m
            .iter()
            .filter(|(k, _)| *k != "apiVersion" && *k != "kind")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        walk_fields(&Value::Object(top), index, "", &mut out);
    }
    Some(out)
}

fn walk_fields(obj: &Value, index: usize, path: &str, out: &mut Vec<String>) {
    let (Some(m), Some(table)) = (obj.as_object(), MESSAGES.get(index)) else {
        return;
    };
    for (key, value) in m {
        if key.starts_with('$') {
            continue;
        }
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let Some(&F(_, _, ty, card)) = table.iter().find(|f| f.1 == key) else {
            out.push(here);
            continue;
        };
        let Ty::Msg(inner) = ty else { continue };
        match card {
            Card::One => walk_fields(value, inner, &here, out),
            Card::Many => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    walk_fields(item, inner, &format!("{here}[{i}]"), out);
                }
            }
            Card::Map => {
                for (k, v) in value.as_object().into_iter().flatten() {
                    walk_fields(v, inner, &format!("{here}[{k}]"), out);
                }
            }
        }
    }
}

#[cfg(test)]
mod unknown_field_tests {
    use super::*;

    #[test]
    fn names_undeclared_fields_by_path() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "colour": 1},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "a", "imag": "x"}]}}},
            "extra": true});
        assert_eq!(
            unknown_fields("apps/v1", "Deployment", &d).unwrap(),
            vec![
                "extra",
                "metadata.colour",
                "spec.template.spec.containers[0].imag"
            ]
        );
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"any": "key"}});
        assert_eq!(
            unknown_fields("v1", "ConfigMap", &cm).unwrap(),
            Vec::<String>::new()
        );
        assert!(unknown_fields("example.com/v1", "Backup", &cm).is_none());
    }
}

/// Drops the fields `unknown_fields` names, as decoding into the Go types does.
pub fn prune_unknown(api_version: &str, kind: &str, obj: &mut Value) {
    let Some(index) = KINDS
        .iter()
        .find(|(av, k, _)| *av == api_version && *k == kind)
        .map(|(_, _, i)| *i)
    else {
        return;
    };
    if let Some(m) = obj.as_object_mut() {
        for (k, v) in m.iter_mut() {
            if k != "apiVersion" && k != "kind" {
                prune_in(v, index, k);
            }
        }
        let table = MESSAGES.get(index).copied().unwrap_or_default();
        m.retain(|k, _| k == "apiVersion" || k == "kind" || table.iter().any(|f| f.1 == k));
    }
}

/// Prunes the value of field `key` of message `parent`.
fn prune_in(value: &mut Value, parent: usize, key: &str) {
    let Some(&F(_, _, Ty::Msg(inner), card)) = MESSAGES
        .get(parent)
        .and_then(|t| t.iter().find(|f| f.1 == key))
    else {
        return;
    };
    let one = |v: &mut Value| {
        if let Some(m) = v.as_object_mut() {
            for (k, child) in m.iter_mut() {
                prune_in(child, inner, k);
            }
            let table = MESSAGES.get(inner).copied().unwrap_or_default();
            m.retain(|k, _| k.starts_with('$') || table.iter().any(|f| f.1 == k));
        }
    };
    match card {
        Card::One => one(value),
        Card::Many => value.as_array_mut().into_iter().flatten().for_each(one),
        Card::Map => value
            .as_object_mut()
            .into_iter()
            .flat_map(|m| m.values_mut())
            .for_each(one),
    }
}

/// The OpenAPI v3 schemas (`components.schemas`) of every kind of `api_version` and what they reach, built
/// from the same tables with the Go comments as descriptions, in the apiserver's shape (`allOf` around each
/// `$ref`, `x-kubernetes-group-version-kind` on the kinds), so `kubectl explain` can walk them.
pub fn openapi_schemas(api_version: &str) -> Map<String, Value> {
    use crate::protobuf_schema::DOCS;
    let mut out = Map::new();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let reference = |name: &str| format!("#/components/schemas/{name}");
    let mut todo: Vec<usize> = Vec::new();
    for (_, kind, index) in KINDS.iter().filter(|(av, _, _)| *av == api_version) {
        todo.push(*index);
        let (name, _, _) = DOCS.get(*index).copied().unwrap_or(("", "", &[]));
        out.insert(
            name.to_string(),
            json!({"x-kubernetes-group-version-kind": [{"group": group, "kind": kind, "version": version}]}),
        );
    }
    for (name, ty, format) in [
        (
            "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
            "string",
            "date-time",
        ),
        (
            "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
            "string",
            "date-time",
        ),
        (
            "io.k8s.apimachinery.pkg.api.resource.Quantity",
            "string",
            "",
        ),
        (
            "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
            "string",
            "int-or-string",
        ),
    ] {
        let mut s = json!({"type": ty});
        if !format.is_empty() {
            s["format"] = json!(format);
        }
        out.insert(name.to_string(), s);
    }
    let special = |ty: Ty| -> Option<&'static str> {
        Some(match ty {
            Ty::Time => "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
            Ty::MicroTime => "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
            Ty::Quantity => "io.k8s.apimachinery.pkg.api.resource.Quantity",
            Ty::IntOrString => "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
            _ => return None,
        })
    };
    let mut done = std::collections::HashSet::new();
    while let Some(index) = todo.pop() {
        if !done.insert(index) {
            continue;
        }
        let (Some(table), Some((name, desc, field_docs))) = (MESSAGES.get(index), DOCS.get(index))
        else {
            continue;
        };
        let mut props = Map::new();
        let is_kind = KINDS.iter().any(|(_, _, i)| *i == index);
        if is_kind {
            props.insert("apiVersion".into(), json!({"type": "string",
                "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values."}));
            props.insert("kind".into(), json!({"type": "string",
                "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase."}));
        }
        for (i, &F(_, field, ty, card)) in table.iter().enumerate() {
            let element = match ty {
                Ty::Msg(j) => {
                    todo.push(j);
                    let target = DOCS.get(j).map(|d| d.0).unwrap_or_default();
                    json!({"allOf": [{"$ref": reference(target)}]})
                }
                _ => match special(ty) {
                    Some(target) => json!({"allOf": [{"$ref": reference(target)}]}),
                    None => match ty {
                        Ty::Str => json!({"type": "string"}),
                        Ty::Int => json!({"type": "integer", "format": "int64"}),
                        Ty::Bool => json!({"type": "boolean"}),
                        Ty::Double => json!({"type": "number", "format": "double"}),
                        Ty::Bytes => json!({"type": "string", "format": "byte"}),
                        _ => {
                            json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
                        }
                    },
                },
            };
            let mut schema = match card {
                Card::One => element,
                Card::Many => json!({"type": "array", "items": element}),
                Card::Map => json!({"type": "object", "additionalProperties": element}),
            };
            if let Some(d) = field_docs.get(i).filter(|d| !d.is_empty()) {
                schema["description"] = json!(d);
            }
            props.insert(field.to_string(), schema);
        }
        let entry = out.entry(name.to_string()).or_insert_with(|| json!({}));
        entry["type"] = json!("object");
        entry["description"] = json!(desc);
        entry["properties"] = Value::Object(props);
    }
    out
}
