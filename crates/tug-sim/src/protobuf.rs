//! Protobuf request bodies (`application/vnd.kubernetes.protobuf`): the `k8s\0` envelope (`runtime.Unknown`)
//! and, inside it, the review kinds kubectl always sends as protobuf (`kubectl auth can-i`), read into the same
//! JSON the rest of the sim handles. The field numbers are those of the apiserver's `generated.proto`. A small
//! table-driven reader instead of the `k8s-pb` crate: five small messages do not justify generated code for
//! every kind (and its build time); other kinds stay 415 until the protobuf issue decodes them all.
//! Pure; must not depend on HTTP.

use serde_json::{Map, Value, json};

/// The four bytes before every protobuf-encoded Kubernetes object.
const MAGIC: &[u8] = b"k8s\0";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtobufError {
    /// Not a Kubernetes protobuf envelope, or a truncated or malformed message.
    #[error("object decoding error: {0}")]
    Malformed(&'static str),
    /// A kind this reader has no field table for.
    #[error("no protobuf decoding for kind {0}")]
    UnknownKind(String),
}

type Result<T> = std::result::Result<T, ProtobufError>;

/// How one field of a message reads into JSON.
#[derive(Clone, Copy)]
enum Field {
    Str(&'static str),
    StrList(&'static str),
    Msg(&'static str, &'static [(u64, Field)]),
}

const META: &[(u64, Field)] = &[(1, Field::Str("name")), (3, Field::Str("namespace"))];
const RESOURCE_ATTRIBUTES: &[(u64, Field)] = &[
    (1, Field::Str("namespace")),
    (2, Field::Str("verb")),
    (3, Field::Str("group")),
    (4, Field::Str("version")),
    (5, Field::Str("resource")),
    (6, Field::Str("subresource")),
    (7, Field::Str("name")),
];
const NON_RESOURCE_ATTRIBUTES: &[(u64, Field)] =
    &[(1, Field::Str("path")), (2, Field::Str("verb"))];
const ACCESS_SPEC: &[(u64, Field)] = &[
    (1, Field::Msg("resourceAttributes", RESOURCE_ATTRIBUTES)),
    (
        2,
        Field::Msg("nonResourceAttributes", NON_RESOURCE_ATTRIBUTES),
    ),
    (3, Field::Str("user")),
    (4, Field::StrList("groups")),
    (6, Field::Str("uid")),
];
const RULES_SPEC: &[(u64, Field)] = &[(1, Field::Str("namespace"))];

fn top_level(kind: &str) -> Option<&'static [(u64, Field)]> {
    const ACCESS: &[(u64, Field)] = &[
        (1, Field::Msg("metadata", META)),
        (2, Field::Msg("spec", ACCESS_SPEC)),
    ];
    const RULES: &[(u64, Field)] = &[
        (1, Field::Msg("metadata", META)),
        (2, Field::Msg("spec", RULES_SPEC)),
    ];
    const WHOAMI: &[(u64, Field)] = &[(1, Field::Msg("metadata", META))];
    match kind {
        "SelfSubjectAccessReview" | "SubjectAccessReview" | "LocalSubjectAccessReview" => {
            Some(ACCESS)
        }
        "SelfSubjectRulesReview" => Some(RULES),
        "SelfSubjectReview" => Some(WHOAMI),
        _ => None,
    }
}

struct Reader<'a> {
    buf: &'a [u8],
}

enum Value_<'a> {
    Varint,
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

    /// The next field's number and value; fixed-width fields are skipped as `Varint` (none is read here).
    fn next(&mut self) -> Result<Option<(u64, Value_<'a>)>> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let tag = self.varint()?;
        let value = match tag & 7 {
            0 => {
                self.varint()?;
                Value_::Varint
            }
            1 => {
                self.take(8)?;
                Value_::Varint
            }
            2 => {
                let len = usize::try_from(self.varint()?)
                    .map_err(|_| ProtobufError::Malformed("length overflows"))?;
                Value_::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                Value_::Varint
            }
            _ => return Err(ProtobufError::Malformed("unsupported wire type")),
        };
        Ok(Some((tag >> 3, value)))
    }
}

fn utf8(b: &[u8]) -> Result<String> {
    String::from_utf8(b.to_vec()).map_err(|_| ProtobufError::Malformed("string is not UTF-8"))
}

/// Reads a message by its field table; fields not in the table are skipped, as proto3 readers do.
fn message(buf: &[u8], table: &[(u64, Field)]) -> Result<Value> {
    let mut out = Map::new();
    let mut r = Reader { buf };
    while let Some((num, value)) = r.next()? {
        let (Some(field), Value_::Bytes(bytes)) = (
            table.iter().find(|(n, _)| *n == num).map(|(_, f)| *f),
            value,
        ) else {
            continue;
        };
        match field {
            Field::Str(name) => {
                out.insert(name.into(), json!(utf8(bytes)?));
            }
            Field::StrList(name) => {
                let list = out.entry(name).or_insert_with(|| json!([]));
                if let Some(items) = list.as_array_mut() {
                    items.push(json!(utf8(bytes)?));
                }
            }
            Field::Msg(name, inner) => {
                out.insert(name.into(), message(bytes, inner)?);
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
    while let Some((num, value)) = r.next()? {
        match (num, value) {
            (1, Value_::Bytes(type_meta)) => {
                let tm = message(
                    type_meta,
                    &[(1, Field::Str("apiVersion")), (2, Field::Str("kind"))],
                )?;
                api_version = tm["apiVersion"].as_str().unwrap_or_default().to_string();
                kind = tm["kind"].as_str().unwrap_or_default().to_string();
            }
            (2, Value_::Bytes(bytes)) => raw = bytes,
            _ => {}
        }
    }
    let table = top_level(&kind).ok_or_else(|| ProtobufError::UnknownKind(kind.clone()))?;
    let mut obj = message(raw, table)?;
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
            json!({"namespace": "shop", "verb": "get", "group": "", "version": "", "resource": "pods",
                   "subresource": "", "name": "log"})
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
}
