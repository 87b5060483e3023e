//! Label and field selectors: parsing the query-string forms and matching objects (apimachinery semantics).
//! Pure; must not depend on the store or HTTP.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SelectorError {
    /// The selector text does not parse; the message is apimachinery's wording.
    #[error("unable to parse requirement: {0}")]
    Parse(String),
    /// A field selector names a field this kind cannot be selected by.
    #[error("field label not supported: {0}")]
    UnsupportedField(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Eq,
    NotEq,
    In,
    NotIn,
    Exists,
    NotExists,
}

#[derive(Debug, Clone, PartialEq)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

impl Requirement {
    fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let value = labels
            .and_then(|l| l.get(&self.key))
            .and_then(Value::as_str);
        match self.op {
            Op::Eq | Op::In => value.is_some_and(|v| self.values.iter().any(|x| x == v)),
            Op::NotEq | Op::NotIn => value.is_none_or(|v| !self.values.iter().any(|x| x == v)),
            Op::Exists => value.is_some(),
            Op::NotExists => value.is_none(),
        }
    }
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSelector {
    reqs: Vec<Requirement>,
    /// A `metav1.LabelSelector` that matches nothing (nil selector semantics for controllers).
    nothing: bool,
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 317
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn valid_value(v: &str) -> bool {
    v.len() <= 63
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Splits on commas that are not inside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = vec![];
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

impl LabelSelector {
    pub fn everything() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty() && !self.nothing
    }

    /// Parses the `labelSelector` query form: `a=b,c!=d,e in (x,y),f notin (z),g,!h`.
    pub fn parse(s: &str) -> Result<Self, SelectorError> {
        let mut reqs = vec![];
        if s.trim().is_empty() {
            return Ok(Self::default());
        }
        for part in split_top(s) {
            let part = part.trim();
            if part.is_empty() {
                return Err(SelectorError::Parse(format!(
                    "found '', expected: identifier in selector {s:?}"
                )));
            }
            reqs.push(Self::parse_requirement(part)?);
        }
        Ok(Self {
            reqs,
            nothing: false,
        })
    }

    fn parse_requirement(part: &str) -> Result<Requirement, SelectorError> {
        let err = || SelectorError::Parse(format!("invalid label selector {part:?}"));
        if let Some(key) = part.strip_prefix('!') {
            let key = key.trim();
            return valid_key(key)
                .then(|| Requirement {
                    key: key.into(),
                    op: Op::NotExists,
                    values: vec![],
                })
                .ok_or_else(err);
        }
        let set_op = [(" notin ", Op::NotIn), (" in ", Op::In)]
            .into_iter()
            .find_map(|(word, op)| part.find(word).map(|i| (i, word.len(), op)));
        if let Some((i, len, op)) = set_op {
            let key = part[..i].trim();
            let rest = part[i + len..].trim();
            let inner = rest
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(err)?;
            let values: Vec<String> = inner
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if !valid_key(key) || values.iter().any(|v| !valid_value(v)) {
                return Err(err());
            }
            return Ok(Requirement {
                key: key.into(),
                op,
                values,
            });
        }
        for (token, op) in [("!=", Op::NotEq), ("==", Op::Eq), ("=", Op::Eq)] {
            if let Some(i) = part.find(token) {
                let key = part[..i].trim();
                let value = part[i + token.len()..].trim();
                if !valid_key(key) || !valid_value(value) {
                    return Err(err());
                }
                return Ok(Requirement {
                    key: key.into(),
                    op,
                    values: vec![value.into()],
                });
            }
        }
        valid_key(part)
            .then(|| Requirement {
                key: part.into(),
                op: Op::Exists,
                values: vec![],
            })
            .ok_or_else(err)
    }

    /// Builds a selector from a `metav1.LabelSelector` object (`matchLabels` + `matchExpressions`).
    /// A missing selector matches nothing; an empty one matches everything.
    pub fn from_spec(spec: &Value) -> Self {
        if !spec.is_object() {
            return Self {
                reqs: vec![],
                nothing: true,
            };
        }
        let mut reqs = vec![];
        if let Some(m) = spec["matchLabels"].as_object() {
            for (k, v) in m {
                reqs.push(Requirement {
                    key: k.clone(),
                    op: Op::Eq,
                    values: vec![v.as_str().unwrap_or_default().to_string()],
                });
            }
        }
        for e in spec["matchExpressions"].as_array().into_iter().flatten() {
            let op = match e["operator"].as_str() {
                Some("In") => Op::In,
                Some("NotIn") => Op::NotIn,
                Some("Exists") => Op::Exists,
                Some("DoesNotExist") => Op::NotExists,
                _ => continue,
            };
            reqs.push(Requirement {
                key: e["key"].as_str().unwrap_or_default().to_string(),
                op,
                values: e["values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            });
        }
        Self {
            reqs,
            nothing: false,
        }
    }

    /// Builds an equality selector from a plain label map (a Service's `spec.selector`).
    pub fn from_map(map: &Value) -> Self {
        let Some(m) = map.as_object().filter(|m| !m.is_empty()) else {
            return Self {
                reqs: vec![],
                nothing: true,
            };
        };
        Self {
            reqs: m
                .iter()
                .map(|(k, v)| Requirement {
                    key: k.clone(),
                    op: Op::Eq,
                    values: vec![v.as_str().unwrap_or_default().to_string()],
                })
                .collect(),
            nothing: false,
        }
    }

    pub fn matches_labels(&self, labels: Option<&Map<String, Value>>) -> bool {
        !self.nothing && self.reqs.iter().all(|r| r.matches(labels))
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.matches_labels(obj["metadata"]["labels"].as_object())
    }
}

/// A parsed field selector (`metadata.name=x,spec.nodeName!=y`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldSelector {
    terms: Vec<(String, bool, String)>,
}

/// JSON path of each selectable field, per kind (`group/plural` key).
fn field_path(key: &str, field: &str) -> Option<&'static [&'static str]> {
    const NAME: &[&str] = &["metadata", "name"];
    const NAMESPACE: &[&str] = &["metadata", "namespace"];
    Some(match (key, field) {
        (_, "metadata.name") => NAME,
        (_, "metadata.namespace") => NAMESPACE,
        ("/pods", "spec.nodeName") => &["spec", "nodeName"],
        ("/pods", "spec.restartPolicy") => &["spec", "restartPolicy"],
        ("/pods", "spec.schedulerName") => &["spec", "schedulerName"],
        ("/pods", "spec.serviceAccountName") => &["spec", "serviceAccountName"],
        ("/pods", "spec.hostNetwork") => &["spec", "hostNetwork"],
        ("/pods", "status.phase") => &["status", "phase"],
        ("/pods", "status.podIP") => &["status", "podIP"],
        ("/pods", "status.nominatedNodeName") => &["status", "nominatedNodeName"],
        ("/events", "involvedObject.kind") => &["involvedObject", "kind"],
        ("/events", "involvedObject.namespace") => &["involvedObject", "namespace"],
        ("/events", "involvedObject.name") => &["involvedObject", "name"],
        ("/events", "involvedObject.uid") => &["involvedObject", "uid"],
        ("/events", "involvedObject.apiVersion") => &["involvedObject", "apiVersion"],
        ("/events", "involvedObject.resourceVersion") => &["involvedObject", "resourceVersion"],
        ("/events", "involvedObject.fieldPath") => &["involvedObject", "fieldPath"],
        ("/events", "reason") => &["reason"],
        ("/events", "reportingComponent") => &["reportingComponent"],
        ("/events", "source") => &["source", "component"],
        ("/events", "type") => &["type"],
        ("/secrets", "type") => &["type"],
        ("/namespaces", "status.phase") => &["status", "phase"],
        ("/nodes", "spec.unschedulable") => &["spec", "unschedulable"],
        ("apps/replicasets", "status.replicas") => &["status", "replicas"],
        ("batch/jobs", "status.successful") => &["status", "succeeded"],
        _ => return None,
    })
}

fn field_value(obj: &Value, path: &[&str]) -> String {
    let mut v = obj;
    for p in path {
        v = &v[*p];
    }
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        // Unset booleans select as "false" and unset strings as "" (apimachinery's field sets do the same).
        Value::Null if path == ["spec", "unschedulable"] || path == ["spec", "hostNetwork"] => {
            "false".into()
        }
        _ => String::new(),
    }
}

impl FieldSelector {
    /// Parses and checks a `fieldSelector` for the kind stored under `key`.
    pub fn parse(s: &str, key: &str) -> Result<Self, SelectorError> {
        let mut terms = vec![];
        if s.trim().is_empty() {
            return Ok(Self::default());
        }
        for part in s.split(',') {
            let part = part.trim();
            let (field, neg, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, true, v)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, false, v)
            } else {
                return Err(SelectorError::Parse(format!(
                    "invalid field selector: '{part}'"
                )));
            };
            let field = field.trim();
            if field_path(key, field).is_none() {
                return Err(SelectorError::UnsupportedField(field.to_string()));
            }
            terms.push((field.to_string(), neg, value.trim().to_string()));
        }
        Ok(Self { terms })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether `obj` (stored under `key`) matches.
    pub fn matches(&self, obj: &Value, key: &str) -> bool {
        self.terms.iter().all(|(field, neg, want)| {
            let got = field_path(key, field)
                .map(|p| field_value(obj, p))
                .unwrap_or_default();
            (got == *want) != *neg
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(labels: Value) -> Value {
        json!({"metadata": {"name": "p", "namespace": "shop", "labels": labels},
               "spec": {"nodeName": "node-1"}, "status": {"phase": "Running"}})
    }

    #[test]
    fn label_selector_supports_equality_and_set_forms() {
        let p = pod(json!({"app": "web", "tier": "front"}));
        for (sel, want) in [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app in (web,api)", true),
            ("app notin (web)", false),
            ("tier", true),
            ("!tier", false),
            ("!missing", true),
            ("app=web,tier=back", false),
            ("", true),
        ] {
            assert_eq!(
                LabelSelector::parse(sel).unwrap().matches(&p),
                want,
                "{sel}"
            );
        }
    }

    #[test]
    fn label_selector_rejects_garbage() {
        assert!(LabelSelector::parse("app=we b").is_err());
        assert!(LabelSelector::parse("app in web").is_err());
        assert!(LabelSelector::parse("a=b,,c=d").is_err());
    }

    #[test]
    fn spec_selector_with_expressions() {
        let sel = LabelSelector::from_spec(&json!({"matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]}));
        assert!(sel.matches(&pod(json!({"app": "web", "tier": "front"}))));
        assert!(!sel.matches(&pod(json!({"app": "web"}))));
        assert!(!LabelSelector::from_spec(&Value::Null).matches(&pod(json!({}))));
    }

    #[test]
    fn field_selector_checks_supported_fields() {
        let fs =
            FieldSelector::parse("status.phase=Running,spec.nodeName!=node-2", "/pods").unwrap();
        assert!(fs.matches(&pod(json!({})), "/pods"));
        let fs = FieldSelector::parse("metadata.name=q", "/pods").unwrap();
        assert!(!fs.matches(&pod(json!({})), "/pods"));
        assert_eq!(
            FieldSelector::parse("spec.bogus=1", "/pods"),
            Err(SelectorError::UnsupportedField("spec.bogus".into()))
        );
        assert!(FieldSelector::parse("status.phase=Running", "/services").is_err());
    }
}
