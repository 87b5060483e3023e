//! Helm 3 releases without helm: the release record (`pkg/release`) and its storage encoding (base64 of the
//! gzipped JSON, in a Secret `sh.helm.release.v1.NAME.vN` of type `helm.sh/release.v1` — whose `data` is base64
//! again by the Secret encoding — or in a ConfigMap), the labels Helm's drivers write, and what a rollback or an
//! uninstall does, as a plan (`helm rollback`'s `pkg/action/rollback.go`, `uninstall.go`). Pure: the cluster
//! layer reads and writes the records and applies the plans.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The Secret type Helm 3 gives its records.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";
/// The label selector of every Helm 3 record.
pub const OWNER_SELECTOR: &str = "owner=helm";
/// The annotation that keeps a resource when a rollback or uninstall would delete it.
pub const RESOURCE_POLICY: &str = "helm.sh/resource-policy";
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b, 0x08];

#[derive(Debug, thiserror::Error)]
pub enum HelmError {
    /// The record's payload is not base64.
    #[error("the release record is not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// The payload is gzip that does not decompress.
    #[error("the release record does not decompress")]
    Gzip(#[source] std::io::Error),
    /// The payload is not a release's JSON.
    #[error("the release record is not a Helm release")]
    Json(#[source] serde_json::Error),
    /// The Secret or ConfigMap has no `release` entry.
    #[error("{0} holds no release")]
    Missing(String),
    /// A rollback to a revision that is not stored.
    #[error("release {name} has no revision {revision}")]
    NoRevision { name: String, revision: i64 },
    /// A rollback or uninstall of a release that has no records.
    #[error("release {0} has no records")]
    NoRelease(String),
}

pub type Result<T, E = HelmError> = std::result::Result<T, E>;

/// A release record, with every field Helm writes (those tug does not read are kept as they came).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Release {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default)]
    pub info: Info,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub chart: Value,
    /// The user-supplied values.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub config: Value,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Value>,
    #[serde(default)]
    pub version: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `release.Info`. Times are Helm's `time.Time`: RFC 3339, and `""` for the zero time (never omitted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Info {
    #[serde(default)]
    pub first_deployed: String,
    #[serde(default)]
    pub last_deployed: String,
    #[serde(default)]
    pub deleted: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Helm's release statuses, as stored.
pub mod status {
    pub const DEPLOYED: &str = "deployed";
    pub const SUPERSEDED: &str = "superseded";
    pub const FAILED: &str = "failed";
    pub const UNINSTALLING: &str = "uninstalling";
    pub const PENDING_ROLLBACK: &str = "pending-rollback";
}

impl Release {
    pub fn chart_name(&self) -> &str {
        self.chart["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// `name-version`, as `helm list` shows the chart.
    pub fn chart(&self) -> String {
        let version = self.chart["metadata"]["version"]
            .as_str()
            .unwrap_or_default();
        format!("{}-{version}", self.chart_name())
    }

    pub fn app_version(&self) -> &str {
        self.chart["metadata"]["appVersion"]
            .as_str()
            .unwrap_or_default()
    }

    /// The values the templates saw: the chart's defaults with the user's values over them.
    pub fn computed_values(&self) -> Value {
        let mut values = self.chart["values"].clone();
        if !values.is_object() {
            values = json!({});
        }
        merge_values(&mut values, &self.config);
        values
    }

    /// Hooks as `name (kind): events`, for the confirmation that says they are not run.
    pub fn hook_lines(&self, events: &[&str]) -> Vec<String> {
        self.hooks
            .iter()
            .filter(|h| {
                h["events"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| e.as_str().is_some_and(|e| events.contains(&e)))
            })
            .map(|h| {
                let evs: Vec<&str> = h["events"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                format!(
                    "{} ({}): {}",
                    h["name"].as_str().unwrap_or_default(),
                    h["kind"].as_str().unwrap_or_default(),
                    evs.join(", ")
                )
            })
            .collect()
    }
}

/// User values over chart values: maps merge, everything else is replaced (`chartutil.CoalesceValues`;
/// a user `null` deletes the key).
fn merge_values(base: &mut Value, over: &Value) {
    let Some(over) = over.as_object() else { return };
    let Some(base) = base.as_object_mut() else {
        return;
    };
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (_, Value::Null) => {
                base.remove(k);
            }
            (Some(b), Value::Object(_)) if b.is_object() => merge_values(b, v),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// A release as Helm's drivers store it: gzipped JSON, base64 (`encodeRelease`).
pub fn encode(release: &Release) -> String {
    // Serializing a struct of strings and JSON values cannot fail.
    let json = serde_json::to_vec(release).unwrap_or_default();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writes to a Vec cannot fail.
    let _ = gz.write_all(&json);
    STANDARD.encode(gz.finish().unwrap_or_default())
}

/// The reverse of `encode`; plain (not gzipped) JSON is accepted too, as Helm's `decodeRelease` does.
pub fn decode(text: &str) -> Result<Release> {
    let bytes = STANDARD.decode(text.trim())?;
    let json = if bytes.starts_with(GZIP_MAGIC) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(HelmError::Gzip)?;
        out
    } else {
        bytes
    };
    serde_json::from_slice(&json).map_err(HelmError::Json)
}

/// Where the records are kept (Helm's `HELM_DRIVER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    Secret,
    ConfigMap,
}

/// The record's object name: `sh.helm.release.v1.NAME.vN`.
pub fn record_name(name: &str, version: i64) -> String {
    format!("sh.helm.release.v1.{name}.v{version}")
}

/// The release in a Secret or ConfigMap record (as the API returns it).
pub fn from_record(obj: &Value) -> Result<Release> {
    let name = || {
        obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let payload = obj["data"]["release"]
        .as_str()
        .ok_or_else(|| HelmError::Missing(name()))?;
    if obj["kind"] == "ConfigMap" || obj["type"].is_null() && obj["kind"] != "Secret" {
        return decode(payload);
    }
    // A Secret's data is base64 of the bytes: here, of the base64 text Helm stored.
    let inner = STANDARD.decode(payload)?;
    decode(&String::from_utf8_lossy(&inner))
}

/// Is this object a Helm 3 release record?
pub fn is_record(obj: &Value) -> bool {
    let labels = &obj["metadata"]["labels"];
    labels["owner"] == "helm"
        && (obj["type"] == SECRET_TYPE || obj["kind"] == "ConfigMap")
        && obj["metadata"]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("sh.helm.release.v1."))
}

/// The record object for `release` as Helm's driver writes it: on create with a `createdAt` label, on update
/// with `modifiedAt` instead (the driver builds the labels afresh each time). `unix` is now, in seconds.
pub fn record(release: &Release, driver: Driver, created: bool, unix: i64) -> Value {
    let mut labels = BTreeMap::new();
    labels.insert(
        if created { "createdAt" } else { "modifiedAt" },
        unix.to_string(),
    );
    labels.insert("name", release.name.clone());
    labels.insert("owner", "helm".into());
    labels.insert("status", release.info.status.clone());
    labels.insert("version", release.version.to_string());
    let metadata = json!({
        "name": record_name(&release.name, release.version),
        "namespace": release.namespace,
        "labels": labels,
    });
    let encoded = encode(release);
    match driver {
        Driver::Secret => json!({
            "apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": SECRET_TYPE,
            "data": {"release": STANDARD.encode(encoded)},
        }),
        Driver::ConfigMap => json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
            "data": {"release": encoded},
        }),
    }
}

/// One object of a manifest, and who it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub api_version: String,
    pub kind: String,
    /// As the manifest says, else the release's namespace (the cluster layer drops it for cluster-scoped kinds).
    pub namespace: String,
    pub name: String,
    pub object: Value,
}

impl Resource {
    pub fn key(&self) -> (String, String, String, String) {
        let group = self
            .api_version
            .rsplit_once('/')
            .map(|(g, _)| g.to_string())
            .unwrap_or_default();
        (
            group,
            self.kind.clone(),
            self.namespace.clone(),
            self.name.clone(),
        )
    }

    /// `Kind/name`, as the confirmation lists it.
    pub fn label(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }

    /// `helm.sh/resource-policy: keep`.
    pub fn kept(&self) -> bool {
        self.object["metadata"]["annotations"][RESOURCE_POLICY] == "keep"
    }
}

/// The objects of a rendered manifest (`---`-separated YAML documents), in order.
pub fn resources(manifest: &str, namespace: &str) -> Vec<Resource> {
    split_documents(manifest)
        .into_iter()
        .filter_map(|doc| serde_saphyr::from_str::<Value>(&doc).ok())
        .filter(|o| o.is_object() && o["kind"].is_string())
        .map(|object| Resource {
            api_version: object["apiVersion"].as_str().unwrap_or_default().into(),
            kind: object["kind"].as_str().unwrap_or_default().into(),
            namespace: object["metadata"]["namespace"]
                .as_str()
                .unwrap_or(namespace)
                .into(),
            name: object["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .into(),
            object,
        })
        .collect()
}

fn split_documents(manifest: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in manifest.lines() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            docs.push(String::new());
        } else if let Some(d) = docs.last_mut() {
            d.push_str(line);
            d.push('\n');
        }
    }
    docs.retain(|d| {
        d.lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    docs
}

/// What `helm rollback NAME REVISION` does.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackPlan {
    /// In the target revision, not in the current one.
    pub create: Vec<Resource>,
    /// In both: the target's version is applied (a merge patch from the current manifest's).
    pub update: Vec<(Resource, Resource)>,
    /// In the current revision only.
    pub delete: Vec<Resource>,
    /// In the current revision only, but annotated `helm.sh/resource-policy: keep`.
    pub kept: Vec<Resource>,
    /// The new record, written `pending-rollback` first and `deployed` once applied.
    pub record: Release,
    /// Revisions now `deployed` that become `superseded`.
    pub supersede: Vec<Release>,
    /// Pre/post-rollback hooks of the target: not run (listed in the confirmation).
    pub hooks: Vec<String>,
}

/// The rollback of the release whose records are `history` to `revision`, at `now` (RFC 3339).
pub fn rollback_plan(history: &[Release], revision: i64, now: &str) -> Result<RollbackPlan> {
    let current = history
        .iter()
        .max_by_key(|r| r.version)
        .ok_or_else(|| HelmError::NoRelease(String::new()))?;
    let target = history
        .iter()
        .find(|r| r.version == revision)
        .ok_or_else(|| HelmError::NoRevision {
            name: current.name.clone(),
            revision,
        })?;
    let ns = &current.namespace;
    let (old, new) = (
        resources(&current.manifest, ns),
        resources(&target.manifest, ns),
    );
    let mut plan = RollbackPlan {
        create: vec![],
        update: vec![],
        delete: vec![],
        kept: vec![],
        record: Release {
            name: current.name.clone(),
            namespace: current.namespace.clone(),
            chart: target.chart.clone(),
            config: target.config.clone(),
            manifest: target.manifest.clone(),
            hooks: target.hooks.clone(),
            version: current.version + 1,
            info: Info {
                first_deployed: current.info.first_deployed.clone(),
                last_deployed: now.to_string(),
                deleted: String::new(),
                description: format!("Rollback to {revision}"),
                status: status::PENDING_ROLLBACK.into(),
                notes: target.info.notes.clone(),
                extra: Map::new(),
            },
            extra: Map::new(),
        },
        supersede: history
            .iter()
            .filter(|r| r.info.status == status::DEPLOYED)
            .cloned()
            .collect(),
        hooks: target.hook_lines(&["pre-rollback", "post-rollback"]),
    };
    for r in &new {
        match old.iter().find(|o| o.key() == r.key()) {
            Some(o) => plan.update.push((o.clone(), r.clone())),
            None => plan.create.push(r.clone()),
        }
    }
    for o in old
        .into_iter()
        .filter(|o| !new.iter().any(|r| r.key() == o.key()))
    {
        if o.kept() {
            plan.kept.push(o);
        } else {
            plan.delete.push(o);
        }
    }
    Ok(plan)
}

impl RollbackPlan {
    /// The confirmation's lines: what is created, updated, deleted and kept, and the hooks not run.
    pub fn lines(&self) -> Vec<String> {
        let list = |what: &str, rs: Vec<String>| {
            (!rs.is_empty()).then(|| format!("{what}: {}", rs.join(", ")))
        };
        let mut out: Vec<String> = [
            list("create", self.create.iter().map(Resource::label).collect()),
            list(
                "update",
                self.update.iter().map(|(_, r)| r.label()).collect(),
            ),
            list("delete", self.delete.iter().map(Resource::label).collect()),
            list(
                "keep (resource-policy)",
                self.kept.iter().map(Resource::label).collect(),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        out.push(format!(
            "records: revision {} deployed, {} superseded",
            self.record.version,
            self.supersede
                .iter()
                .map(|r| r.version.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if !self.hooks.is_empty() {
            out.push(format!("hooks NOT run by tug: {}", self.hooks.join("; ")));
        }
        out
    }
}

/// What `helm uninstall NAME` removes: the newest revision's resources (reverse order, kept ones spared),
/// then every record. Pre/post-delete hooks are listed, not run.
#[derive(Debug, Clone, PartialEq)]
pub struct UninstallPlan {
    pub delete: Vec<Resource>,
    pub kept: Vec<Resource>,
    /// Record names, every revision.
    pub records: Vec<String>,
    pub hooks: Vec<String>,
    /// The newest record marked `uninstalling`, written before anything is deleted (as Helm does).
    pub uninstalling: Release,
}

pub fn uninstall_plan(history: &[Release], now: &str) -> Result<UninstallPlan> {
    let current = history
        .iter()
        .max_by_key(|r| r.version)
        .ok_or_else(|| HelmError::NoRelease(String::new()))?;
    let (kept, mut delete): (Vec<Resource>, Vec<Resource>) =
        resources(&current.manifest, &current.namespace)
            .into_iter()
            .partition(Resource::kept);
    delete.reverse();
    let mut uninstalling = current.clone();
    uninstalling.info.status = status::UNINSTALLING.into();
    uninstalling.info.deleted = now.to_string();
    uninstalling.info.description = "Deletion in progress (or silently failed)".into();
    let mut versions: Vec<i64> = history.iter().map(|r| r.version).collect();
    versions.sort_unstable();
    Ok(UninstallPlan {
        delete,
        kept,
        records: versions
            .into_iter()
            .map(|v| record_name(&current.name, v))
            .collect(),
        hooks: current.hook_lines(&["pre-delete", "post-delete"]),
        uninstalling,
    })
}

impl UninstallPlan {
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![];
        if !self.delete.is_empty() {
            let names: Vec<String> = self.delete.iter().map(Resource::label).collect();
            out.push(format!("delete: {}", names.join(", ")));
        }
        if !self.kept.is_empty() {
            let names: Vec<String> = self.kept.iter().map(Resource::label).collect();
            out.push(format!("keep (resource-policy): {}", names.join(", ")));
        }
        out.push(format!("release records: {}", self.records.len()));
        if !self.hooks.is_empty() {
            out.push(format!("hooks NOT run by tug: {}", self.hooks.join("; ")));
        }
        out
    }
}

/// A JSON merge patch (RFC 7386) taking `from` to `to`: what a rollback sends for an object in both manifests
/// (Helm's three-way patch with the old manifest as the original: fields the target dropped are removed, the
/// others set, and what nobody templated is left alone).
pub fn merge_patch(from: &Value, to: &Value) -> Value {
    match (from.as_object(), to.as_object()) {
        (Some(f), Some(t)) => {
            let mut out = Map::new();
            for k in f.keys().filter(|k| !t.contains_key(*k)) {
                out.insert(k.clone(), Value::Null);
            }
            for (k, v) in t {
                match f.get(k) {
                    Some(old) if old == v => {}
                    Some(old) if old.is_object() && v.is_object() => {
                        out.insert(k.clone(), merge_patch(old, v));
                    }
                    _ => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            Value::Object(out)
        }
        _ => to.clone(),
    }
}

/// `:helm`'s columns (as `helm list` prints them).
pub const LIST_COLUMNS: &[&str] = &[
    "Name",
    "Namespace",
    "Revision",
    "Status",
    "Chart",
    "App Version",
    "Updated",
];
/// A release's history columns (as `helm history` prints them).
pub const HISTORY_COLUMNS: &[&str] = &[
    "Revision",
    "Updated",
    "Status",
    "Chart",
    "App Version",
    "Description",
];

fn updated(r: &Release) -> String {
    r.info
        .last_deployed
        .parse::<jiff::Timestamp>()
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| r.info.last_deployed.clone())
}

/// A release's row in `:helm`: keyed by (namespace, name).
pub fn list_row(r: &Release) -> crate::table::Row {
    crate::table::Row {
        namespace: r.namespace.as_str().into(),
        name: r.name.as_str().into(),
        uid: "".into(),
        created: None,
        deleting: r.info.status == status::UNINSTALLING,
        cells: vec![
            r.name.as_str().into(),
            r.namespace.as_str().into(),
            r.version.to_string().into(),
            r.info.status.as_str().into(),
            r.chart().into(),
            r.app_version().into(),
            updated(r).into(),
        ],
    }
}

/// A revision's row in the history: the name orders rows newest first.
pub fn history_row(r: &Release) -> crate::table::Row {
    crate::table::Row {
        namespace: "".into(),
        name: history_row_name(r.version).into(),
        uid: "".into(),
        created: None,
        deleting: false,
        cells: vec![
            r.version.to_string().into(),
            updated(r).into(),
            r.info.status.as_str().into(),
            r.chart().into(),
            r.app_version().into(),
            r.info.description.as_str().into(),
        ],
    }
}

pub fn history_row_name(version: i64) -> String {
    format!("{:012}", i64::MAX / 10_000_000 - version)
}

/// What a revision holds, as text: its values (user-supplied and computed), notes, hooks and manifest.
pub fn revision_text(r: &Release) -> String {
    let yaml = |v: &Value| serde_saphyr::to_string(v).unwrap_or_default();
    let hooks: Vec<String> = r
        .hooks
        .iter()
        .map(|h| {
            format!(
                "---\n# Source: {}\n{}",
                h["path"].as_str().unwrap_or_default(),
                h["manifest"].as_str().unwrap_or_default()
            )
        })
        .collect();
    format!(
        "REVISION: {}\nSTATUS: {}\nCHART: {}\nAPP VERSION: {}\nUPDATED: {}\nDESCRIPTION: {}\n\n\
         USER-SUPPLIED VALUES:\n{}\nCOMPUTED VALUES:\n{}\nNOTES:\n{}\n\nHOOKS:\n{}\nMANIFEST:\n{}",
        r.version,
        r.info.status,
        r.chart(),
        r.app_version(),
        r.info.last_deployed,
        r.info.description,
        yaml(&r.config),
        yaml(&r.computed_values()),
        r.info.notes,
        hooks.join("\n"),
        r.manifest
    )
}

/// The diff between two revisions: values (user-supplied), then the manifest.
pub fn revision_diff(older: &Release, newer: &Release) -> String {
    let yaml = |v: &Value| serde_saphyr::to_string(v).unwrap_or_default();
    let (a, b) = (older.version, newer.version);
    let values = similar::TextDiff::from_lines(&yaml(&older.config), &yaml(&newer.config))
        .unified_diff()
        .header(&format!("values rev {a}"), &format!("values rev {b}"))
        .to_string();
    let manifest = similar::TextDiff::from_lines(&older.manifest, &newer.manifest)
        .unified_diff()
        .header(&format!("manifest rev {a}"), &format!("manifest rev {b}"))
        .to_string();
    format!("{values}\n{manifest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(name: &str, image: &str) -> String {
        format!(
            "---\n# Source: shop/templates/{name}.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: {image}\n"
        )
    }

    /// A release as Helm 3 writes it (the JSON field names of `pkg/release`).
    fn fixture(version: i64, status: &str, manifest: &str) -> Release {
        serde_json::from_value(json!({
            "name": "shop",
            "namespace": "shop",
            "version": version,
            "info": {"first_deployed": "2026-01-01T00:00:00Z", "last_deployed": format!("2026-01-0{version}T00:00:00Z"),
                     "deleted": "", "description": if version == 1 { "Install complete" } else { "Upgrade complete" },
                     "status": status, "notes": format!("notes of {version}")},
            "chart": {"metadata": {"name": "shop", "version": format!("1.{version}.0"), "appVersion": "2.0", "apiVersion": "v2"},
                      "values": {"replicas": 1, "image": {"tag": "1"}}, "templates": [], "lock": null},
            "config": {"image": {"tag": format!("{version}")}},
            "manifest": manifest,
            "hooks": [{"name": "shop-migrate", "kind": "Job", "path": "shop/templates/migrate.yaml",
                       "manifest": "kind: Job", "events": ["pre-rollback", "pre-upgrade"],
                       "last_run": {"started_at": "", "completed_at": "", "phase": ""}}]
        }))
        .unwrap()
    }

    #[test]
    fn records_round_trip_through_helms_encoding() {
        let r = fixture(2, "deployed", &deployment("web", "web:2"));
        let text = encode(&r);
        let gz = STANDARD.decode(&text).unwrap();
        assert_eq!(&gz[..3], GZIP_MAGIC, "base64 of gzip");
        assert_eq!(decode(&text).unwrap(), r);
        let json: Value = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json["info"]["deleted"], "",
            "Helm writes the zero time as an empty string"
        );
        assert!(
            json["hooks"][0]["last_run"].is_object(),
            "fields tug does not read are kept"
        );
        assert!(json.get("labels").is_none());
    }

    #[test]
    fn a_secret_record_is_base64_again_and_labelled_as_helm_labels_it() {
        let r = fixture(3, "deployed", "");
        let secret = record(&r, Driver::Secret, true, 1_700_000_000);
        assert_eq!(secret["metadata"]["name"], "sh.helm.release.v1.shop.v3");
        assert_eq!(secret["type"], SECRET_TYPE);
        let labels = &secret["metadata"]["labels"];
        assert_eq!(labels["owner"], "helm");
        assert_eq!(labels["name"], "shop");
        assert_eq!(labels["status"], "deployed");
        assert_eq!(labels["version"], "3");
        assert_eq!(labels["createdAt"], "1700000000");
        assert!(is_record(&secret));
        let inner = STANDARD
            .decode(secret["data"]["release"].as_str().unwrap())
            .unwrap();
        assert!(decode(std::str::from_utf8(&inner).unwrap()).is_ok());
        assert_eq!(from_record(&secret).unwrap(), r);
        let updated = record(&r, Driver::Secret, false, 1);
        assert!(updated["metadata"]["labels"].get("createdAt").is_none());
        assert_eq!(updated["metadata"]["labels"]["modifiedAt"], "1");
        let cm = record(&r, Driver::ConfigMap, true, 1);
        assert_eq!(from_record(&cm).unwrap(), r);
    }

    #[test]
    fn plain_json_records_decode_too() {
        let r = fixture(1, "deployed", "");
        let text = STANDARD.encode(serde_json::to_vec(&r).unwrap());
        assert_eq!(decode(&text).unwrap().version, 1);
        assert!(matches!(decode("%%"), Err(HelmError::Base64(_))));
    }

    #[test]
    fn computed_values_are_the_chart_values_under_the_users() {
        let r = fixture(2, "deployed", "");
        assert_eq!(
            r.computed_values(),
            json!({"replicas": 1, "image": {"tag": "2"}})
        );
        assert_eq!(r.chart(), "shop-1.2.0");
        assert_eq!(r.app_version(), "2.0");
    }

    #[test]
    fn the_rollback_plan_creates_updates_and_deletes_what_differs() {
        let kept_cm = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cache\n  annotations:\n    helm.sh/resource-policy: keep\n";
        let v1 = fixture(1, "superseded", &deployment("web", "web:1"));
        let v2 = fixture(
            2,
            "superseded",
            &(deployment("web", "web:2") + &deployment("api", "api:2")),
        );
        let v3 = fixture(
            3,
            "deployed",
            &(deployment("web", "web:3") + &deployment("worker", "w:3") + kept_cm),
        );
        let mut v1_extra = v1.clone();
        v1_extra.manifest.push_str(&deployment("admin", "admin:1"));
        let history = [v1_extra, v2, v3];
        let plan = rollback_plan(&history, 1, "2026-02-01T00:00:00Z").unwrap();
        let names = |rs: &[Resource]| rs.iter().map(Resource::label).collect::<Vec<_>>();
        assert_eq!(names(&plan.create), ["Deployment/admin"]);
        assert_eq!(plan.update.len(), 1);
        assert_eq!(
            plan.update[0].1.object["spec"]["template"]["spec"]["containers"][0]["image"],
            "web:1"
        );
        assert_eq!(names(&plan.delete), ["Deployment/worker"]);
        assert_eq!(names(&plan.kept), ["ConfigMap/cache"]);
        let r = &plan.record;
        assert_eq!(r.version, 4);
        assert_eq!(r.info.status, "pending-rollback");
        assert_eq!(r.info.description, "Rollback to 1");
        assert_eq!(r.info.first_deployed, "2026-01-01T00:00:00Z");
        assert_eq!(r.info.last_deployed, "2026-02-01T00:00:00Z");
        assert_eq!(r.info.notes, "notes of 1");
        assert_eq!(r.manifest, history[0].manifest);
        assert_eq!(r.config, history[0].config);
        assert_eq!(r.chart, history[0].chart);
        assert_eq!(
            plan.supersede.iter().map(|r| r.version).collect::<Vec<_>>(),
            [3]
        );
        assert_eq!(
            plan.hooks,
            ["shop-migrate (Job): pre-rollback, pre-upgrade"]
        );
        let lines = plan.lines().join("\n");
        assert!(lines.contains("hooks NOT run by tug"), "{lines}");
        assert!(matches!(
            rollback_plan(&history, 9, ""),
            Err(HelmError::NoRevision { revision: 9, .. })
        ));
    }

    #[test]
    fn the_uninstall_plan_removes_resources_in_reverse_and_every_record() {
        let v1 = fixture(1, "superseded", &deployment("web", "web:1"));
        let v2 = fixture(
            2,
            "deployed",
            &(deployment("web", "web:2") + &deployment("api", "a")),
        );
        let plan = uninstall_plan(&[v1, v2], "2026-02-01T00:00:00Z").unwrap();
        let names: Vec<String> = plan.delete.iter().map(Resource::label).collect();
        assert_eq!(names, ["Deployment/api", "Deployment/web"]);
        assert_eq!(
            plan.records,
            ["sh.helm.release.v1.shop.v1", "sh.helm.release.v1.shop.v2"]
        );
        assert_eq!(plan.uninstalling.info.status, "uninstalling");
        assert!(plan.hooks.is_empty());
    }

    #[test]
    fn a_merge_patch_removes_what_the_target_dropped() {
        let from = json!({"spec": {"replicas": 2, "paused": true}, "metadata": {"name": "a"}});
        let to = json!({"spec": {"replicas": 1}, "metadata": {"name": "a"}});
        assert_eq!(
            merge_patch(&from, &to),
            json!({"spec": {"replicas": 1, "paused": null}})
        );
    }
}
