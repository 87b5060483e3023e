//! Printers of storage: persistent volumes and their claims (core), storage classes (`storage.k8s.io`).

use serde_json::{Value, json};

use super::{AGE, Column, NAME, Printer, s, str_or};

/// Columns volumes and their claims share.
const VOLUME_ATTRIBUTES_CLASS: Column = Column::string("VolumeAttributesClass", |r| {
    str_or(&r.spec()["volumeAttributesClassName"], "<unset>")
});
const VOLUME_MODE: Column = Column::string("VolumeMode", |r| {
    str_or(&r.spec()["volumeMode"], "Filesystem")
})
.wide();

pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        kinds: &[("", "persistentvolumes")],
        columns: &[
            NAME,
            Column::string("Capacity", |r| str_or(&r.spec()["capacity"]["storage"], "")),
            Column::string("Access Modes", |r| {
                json!(access_modes(&r.spec()["accessModes"]))
            }),
            Column::string("Reclaim Policy", |r| {
                str_or(&r.spec()["persistentVolumeReclaimPolicy"], "")
            }),
            Column::string("Status", |r| str_or(&r.status()["phase"], "")),
            Column::string("Claim", |r| {
                let claim = &r.spec()["claimRef"];
                json!(if claim.is_object() {
                    format!("{}/{}", s(&claim["namespace"]), s(&claim["name"]))
                } else {
                    String::new()
                })
            }),
            Column::string("StorageClass", |r| {
                str_or(&r.spec()["storageClassName"], "")
            }),
            VOLUME_ATTRIBUTES_CLASS,
            Column::string("Reason", |r| str_or(&r.status()["reason"], "")),
            AGE,
            VOLUME_MODE,
        ],
    },
    Printer {
        kinds: &[("", "persistentvolumeclaims")],
        columns: &[
            NAME,
            Column::string("Status", |r| str_or(&r.status()["phase"], "")),
            Column::string("Volume", |r| str_or(&r.spec()["volumeName"], "")),
            Column::string("Capacity", |r| {
                json!(if bound(r.obj) {
                    s(&r.status()["capacity"]["storage"])
                } else {
                    ""
                })
            }),
            Column::string("Access Modes", |r| {
                json!(if bound(r.obj) {
                    access_modes(&r.status()["accessModes"])
                } else {
                    String::new()
                })
            }),
            Column::string("StorageClass", |r| {
                str_or(&r.spec()["storageClassName"], "<unset>")
            }),
            VOLUME_ATTRIBUTES_CLASS,
            AGE,
            VOLUME_MODE,
        ],
    },
    Printer {
        kinds: &[("storage.k8s.io", "storageclasses")],
        columns: &[
            Column::string("Name", |r| {
                let mut name = s(&r.obj["metadata"]["name"]).to_string();
                if r.obj["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"]
                    == "true"
                {
                    name.push_str(" (default)");
                }
                json!(name)
            }),
            Column::string("Provisioner", |r| str_or(&r.obj["provisioner"], "")),
            Column::string("ReclaimPolicy", |r| {
                str_or(&r.obj["reclaimPolicy"], "Delete")
            }),
            Column::string("VolumeBindingMode", |r| {
                str_or(&r.obj["volumeBindingMode"], "Immediate")
            }),
            Column::string("AllowVolumeExpansion", |r| {
                json!(if r.obj["allowVolumeExpansion"] == true {
                    "true"
                } else {
                    "false"
                })
            }),
            AGE,
        ],
    },
];

fn bound(pvc: &Value) -> bool {
    pvc["status"]["phase"] == "Bound"
}

/// Access modes abbreviated as kubectl does (`RWO,ROX`), each once.
fn access_modes(v: &Value) -> String {
    let mut out: Vec<&str> = vec![];
    for m in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
        let short = match m {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            other => other,
        };
        if !out.contains(&short) {
            out.push(short);
        }
    }
    out.join(",")
}
