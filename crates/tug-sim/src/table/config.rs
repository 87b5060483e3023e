//! Printers of configuration and access: config maps, secrets and service accounts (core), roles and
//! role bindings (`rbac.authorization.k8s.io`).

use serde_json::{Value, json};

use super::{AGE, Column, DEFAULT_COLUMNS, NAME, Printer, Row, items, len, s, str_or};

pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        kinds: &[("", "configmaps")],
        columns: &[
            NAME,
            Column::integer("Data", |r| {
                json!(len(&r.obj["data"]) + len(&r.obj["binaryData"]))
            }),
            AGE,
        ],
    },
    Printer {
        kinds: &[("", "secrets")],
        columns: &[
            NAME,
            Column::string("Type", |r| str_or(&r.obj["type"], "")),
            Column::integer("Data", |r| json!(len(&r.obj["data"]))),
            AGE,
        ],
    },
    Printer {
        kinds: &[("", "serviceaccounts")],
        columns: &[
            NAME,
            Column::integer("Secrets", |r| json!(len(&r.obj["secrets"]))),
            AGE,
        ],
    },
    Printer {
        kinds: &[
            ("rbac.authorization.k8s.io", "roles"),
            ("rbac.authorization.k8s.io", "clusterroles"),
        ],
        columns: DEFAULT_COLUMNS,
    },
    Printer {
        kinds: &[
            ("rbac.authorization.k8s.io", "rolebindings"),
            ("rbac.authorization.k8s.io", "clusterrolebindings"),
        ],
        columns: &[
            NAME,
            Column::string("Role", |r| {
                let role = &r.obj["roleRef"];
                json!(format!("{}/{}", s(&role["kind"]), s(&role["name"])))
            }),
            AGE,
            Column::string("Users", |r| subjects(r, "User")).wide(),
            Column::string("Groups", |r| subjects(r, "Group")).wide(),
            Column::string("ServiceAccounts", |r| subjects(r, "ServiceAccount")).wide(),
        ],
    },
];

/// A binding's subjects of one kind, comma-separated; service accounts as `namespace/name`.
fn subjects(r: &Row, kind: &str) -> Value {
    let names: Vec<String> = items(&r.obj["subjects"])
        .filter(|x| x["kind"] == kind)
        .map(|x| match kind {
            "ServiceAccount" => format!("{}/{}", s(&x["namespace"]), s(&x["name"])),
            _ => s(&x["name"]).to_string(),
        })
        .collect();
    json!(names.join(", "))
}
