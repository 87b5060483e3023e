//! The editable form of an object, as `kubectl edit` shows it: without managedFields, status and the metadata
//! the server owns. Those come back from the live object when the edit is sent, so a PUT never drops them.

use serde_json::Value;

/// Metadata fields the server owns; hidden in the editor, restored from the live object on save.
const SERVER_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
];

/// Why a buffer cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// YAML syntax: 1-based line and column of the problem.
    #[error("YAML error at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("the buffer holds {0} documents; edit one object at a time")]
    Multiple(usize),
    #[error("the buffer is not a YAML mapping (an object with apiVersion, kind, metadata)")]
    NotAnObject,
    #[error(
        "{field} cannot be changed in an edit (was \"{was}\", now \"{now}\"); use :create for a new object"
    )]
    Identity {
        field: &'static str,
        was: String,
        now: String,
    },
}

/// The object as the editor shows it.
pub fn editable(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("status");
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in SERVER_METADATA {
                meta.remove(*k);
            }
        }
    }
    v
}

/// YAML text of a value (the editor's buffer, and both sides of a diff).
pub fn to_yaml(v: &Value) -> String {
    serde_saphyr::to_string(v).unwrap_or_else(|e| format!("# cannot render YAML: {e}\n"))
}

/// Parses the buffer. `Ok(None)`: nothing but blanks and comments (the user emptied it: cancel).
pub fn parse(text: &str) -> Result<Option<Value>, EditError> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((0, 0), |l| (l.line() as usize, l.column() as usize));
        // The message may carry a snippet of the source on further lines; the editor shows the place itself.
        let message = e.to_string().lines().next().unwrap_or_default().to_string();
        EditError::Syntax {
            line,
            column,
            message,
        }
    })?;
    let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
    match docs.len() {
        0 => Ok(None),
        1 => {
            let doc = docs.into_iter().next().unwrap_or_default();
            if doc.is_object() {
                Ok(Some(doc))
            } else {
                Err(EditError::NotAnObject)
            }
        }
        n => Err(EditError::Multiple(n)),
    }
}

/// Refuses an edit that would turn the object into another one (kind, group, name or namespace changed).
pub fn check_identity(edited: &Value, live: &Value) -> Result<(), EditError> {
    let group = |v: &Value| {
        let api = v["apiVersion"].as_str().unwrap_or_default();
        api.rsplit_once('/').map_or("", |(g, _)| g).to_string()
    };
    let text = |v: &Value, path: &[&str]| -> String {
        path.iter()
            .fold(v, |v, k| &v[*k])
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    for (field, path) in [
        ("kind", &["kind"][..]),
        ("metadata.name", &["metadata", "name"][..]),
        ("metadata.namespace", &["metadata", "namespace"][..]),
    ] {
        let (was, now) = (text(live, path), text(edited, path));
        if was != now {
            return Err(EditError::Identity { field, was, now });
        }
    }
    let (was, now) = (group(live), group(edited));
    if was != now {
        return Err(EditError::Identity {
            field: "the API group",
            was,
            now,
        });
    }
    Ok(())
}

/// The object to send: the user's edit with the server-owned fields of `live` put back (its resourceVersion
/// makes the PUT conditional on the object being unchanged since it was read).
pub fn with_server_fields(edited: &Value, live: &Value) -> Value {
    let mut out = edited.clone();
    let Some(map) = out.as_object_mut() else {
        return out;
    };
    if let Some(status) = live.get("status") {
        map.insert("status".into(), status.clone());
    }
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Some(meta) = meta.as_object_mut() {
        for k in SERVER_METADATA {
            if let Some(v) = live["metadata"].get(*k) {
                meta.insert((*k).into(), v.clone());
            }
        }
    }
    out
}

/// A starting manifest for `:create <kind>`.
pub fn template(api_version: &str, kind: &str, namespace: Option<&str>) -> String {
    let meta = match namespace {
        Some(ns) => format!(
            "metadata:\n  name: my-{}\n  namespace: {ns}\n",
            kind.to_lowercase()
        ),
        None => format!("metadata:\n  name: my-{}\n", kind.to_lowercase()),
    };
    let body = match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => {
            let replicas = if kind == "DaemonSet" {
                ""
            } else {
                "  replicas: 1\n"
            };
            let service = if kind == "StatefulSet" {
                "  serviceName: my-app\n"
            } else {
                ""
            };
            format!(
                "spec:\n{replicas}{service}  selector:\n    matchLabels:\n      app: my-app\n  template:\n    metadata:\n      labels:\n        app: my-app\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n        ports:\n        - containerPort: 80\n"
            )
        }
        "Pod" => "spec:\n  containers:\n  - name: app\n    image: nginx:1.27\n".into(),
        "Service" => "spec:\n  selector:\n    app: my-app\n  ports:\n  - port: 80\n    targetPort: 80\n".into(),
        "ConfigMap" => "data:\n  key: value\n".into(),
        "Secret" => "type: Opaque\nstringData:\n  key: value\n".into(),
        "Job" => "spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: job\n        image: busybox:1.36\n        command: [sh, -c, echo hello]\n".into(),
        "CronJob" => "spec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: job\n            image: busybox:1.36\n            command: [sh, -c, echo hello]\n".into(),
        "Namespace" | "ServiceAccount" => String::new(),
        _ => "spec: {}\n".into(),
    };
    format!("apiVersion: {api_version}\nkind: {kind}\n{meta}{body}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn live() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "42", "uid": "u-1",
                         "generation": 3, "creationTimestamp": "2026-01-01T00:00:00Z",
                         "managedFields": [{"manager": "kubectl"}], "labels": {"app": "web"}},
            "spec": {"replicas": 2},
            "status": {"readyReplicas": 2}
        })
    }

    #[test]
    fn the_editable_form_hides_server_fields_and_saving_restores_them() {
        let e = editable(&live());
        assert_eq!(
            e,
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
                   "spec": {"replicas": 2}})
        );
        let mut edited = e.clone();
        edited["spec"]["replicas"] = json!(5);
        let out = with_server_fields(&edited, &live());
        assert_eq!(out["metadata"]["resourceVersion"], "42");
        assert_eq!(out["metadata"]["uid"], "u-1");
        assert_eq!(out["status"]["readyReplicas"], 2);
        assert_eq!(out["spec"]["replicas"], 5);
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = parse("kind: Deployment\nspec:\n  replicas: [1\n  x: y\n").unwrap_err();
        let EditError::Syntax { line, column, .. } = err else {
            panic!("{err:?}")
        };
        assert!(line >= 3, "line {line}");
        assert!(column >= 1);
        // A tab in indentation is a YAML error too.
        assert!(matches!(
            parse("a:\n\tb: 1\n"),
            Err(EditError::Syntax { line: 2, .. })
        ));
    }

    #[test]
    fn empty_multiple_and_scalar_buffers_are_told_apart() {
        assert_eq!(parse("  \n# only a comment\n"), Ok(None));
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("a: 1\n---\nb: 2\n"), Err(EditError::Multiple(2)));
        assert_eq!(parse("just text"), Err(EditError::NotAnObject));
        assert_eq!(parse("a: 1\n").unwrap(), Some(json!({"a": 1})));
    }

    #[test]
    fn identity_changes_are_refused() {
        let l = live();
        let mut e = editable(&l);
        assert!(check_identity(&e, &l).is_ok());
        e["metadata"]["name"] = json!("other");
        assert!(matches!(
            check_identity(&e, &l),
            Err(EditError::Identity {
                field: "metadata.name",
                ..
            })
        ));
        let mut e = editable(&l);
        e["kind"] = json!("StatefulSet");
        assert!(check_identity(&e, &l).is_err());
        let mut e = editable(&l);
        e["apiVersion"] = json!("extensions/v1beta1");
        assert!(check_identity(&e, &l).is_err());
        // Another version of the same group is the same object.
        let mut e = editable(&l);
        e["apiVersion"] = json!("apps/v1beta2");
        assert!(check_identity(&e, &l).is_ok());
    }

    #[test]
    fn huge_and_binary_laden_objects_round_trip() {
        // A multi-megabyte ConfigMap, with control characters and invalid-looking bytes in its values.
        let mut data = serde_json::Map::new();
        for i in 0..20_000 {
            data.insert(
                format!("key-{i}"),
                json!(format!(
                    "value {i} \u{0}\u{7}\t\r\n\u{feff} {}",
                    "x".repeat(100)
                )),
            );
        }
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "big", "namespace": "shop"}, "data": data});
        let text = to_yaml(&editable(&cm));
        assert!(text.len() > 2_000_000, "{}", text.len());
        assert_eq!(parse(&text).unwrap().unwrap(), cm);
    }

    #[test]
    fn templates_parse_as_the_kind_they_name() {
        for kind in [
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "Pod",
            "Service",
            "ConfigMap",
            "Secret",
            "Job",
            "CronJob",
            "Namespace",
            "Backup",
        ] {
            let t = template("v1", kind, Some("shop"));
            let v = parse(&t).unwrap().unwrap();
            assert_eq!(v["kind"], kind, "{t}");
        }
    }
}
