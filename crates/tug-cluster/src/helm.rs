//! Helm 3 releases through the Kubernetes API alone: reading the release records (Secrets and ConfigMaps
//! labelled `owner=helm`), and rollback and uninstall as Helm's actions do them — the resources applied from the
//! plan `tug_model::helm` computes, then the records written as Helm's storage drivers write them. No helm
//! binary, no ratatui.

use std::sync::{Arc, Mutex, MutexGuard};

use http::Method;
use serde_json::{Value, json};
use tug_model::helm::{self, Driver, Release, Resource, status};
use tug_model::table::{Feed, TableData};

use crate::discovery::{self, Kind};
use crate::{ClusterError, Result};

const MERGE_PATCH: &str = "application/merge-patch+json";
/// The field manager Helm uses for its writes.
const FIELD_MANAGER: &str = "helm";

/// A release as `helm list` shows it: its newest record.
#[derive(Debug, Clone)]
pub struct ReleaseRow {
    pub release: Release,
    pub driver: Driver,
}

fn send(
    method: Method,
    path: String,
    body: Option<&Value>,
    content_type: &str,
) -> Result<http::Request<Vec<u8>>> {
    let body = match body {
        Some(b) => serde_json::to_vec(b).map_err(|e| ClusterError::Decode(e.to_string()))?,
        None => vec![],
    };
    http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(body)
        .map_err(|e| ClusterError::Transport(e.to_string()))
}

async fn call(client: &kube::Client, req: http::Request<Vec<u8>>) -> Result<Value> {
    client.request::<Value>(req).await.map_err(Into::into)
}

fn store_path(driver: Driver, namespace: Option<&str>) -> String {
    let plural = match driver {
        Driver::Secret => "secrets",
        Driver::ConfigMap => "configmaps",
    };
    match namespace.filter(|n| !n.is_empty()) {
        Some(ns) => format!("/api/v1/namespaces/{ns}/{plural}"),
        None => format!("/api/v1/{plural}"),
    }
}

/// The record objects of both drivers, in `namespace` (or all), of release `name` (or all).
async fn record_objects(
    client: &kube::Client,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Result<Vec<(Value, Driver)>> {
    let mut selector = helm::OWNER_SELECTOR.to_string();
    if let Some(n) = name {
        selector.push_str(&format!(",name={n}"));
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("labelSelector", &selector)
        .finish();
    let mut out = vec![];
    for driver in [Driver::Secret, Driver::ConfigMap] {
        let req = send(
            Method::GET,
            format!("{}?{query}", store_path(driver, namespace)),
            None,
            "application/json",
        )?;
        let list = match call(client, req).await {
            Ok(list) => list,
            // Without the right to read ConfigMaps, the Secret driver's releases still show.
            Err(e) if driver == Driver::ConfigMap && matches!(e.code(), Some(403 | 404)) => {
                continue;
            }
            Err(e) => return Err(e),
        };
        for mut item in list["items"].as_array().cloned().unwrap_or_default() {
            // List items carry no kind; the record decoder needs to know which driver wrote it.
            item["kind"] = json!(match driver {
                Driver::Secret => "Secret",
                Driver::ConfigMap => "ConfigMap",
            });
            if helm::is_record(&item) {
                out.push((item, driver));
            }
        }
    }
    Ok(out)
}

fn decode(obj: &Value) -> Result<Release> {
    helm::from_record(obj).map_err(|e| {
        ClusterError::Decode(format!(
            "{}: {e}",
            obj["metadata"]["name"].as_str().unwrap_or_default()
        ))
    })
}

/// Every release in `namespace` (or all), from its newest record (the only one decoded).
pub async fn releases(client: &kube::Client, namespace: Option<&str>) -> Result<Vec<ReleaseRow>> {
    let objects = record_objects(client, namespace, None).await?;
    let mut newest: std::collections::BTreeMap<(String, String), (i64, &Value, Driver)> =
        Default::default();
    for (obj, driver) in &objects {
        let labels = &obj["metadata"]["labels"];
        let key = (
            obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            labels["name"].as_str().unwrap_or_default().to_string(),
        );
        let version = labels["version"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if newest.get(&key).is_none_or(|(v, _, _)| version > *v) {
            newest.insert(key, (version, obj, *driver));
        }
    }
    newest
        .into_values()
        .map(|(_, obj, driver)| {
            Ok(ReleaseRow {
                release: decode(obj)?,
                driver,
            })
        })
        .collect()
}

/// Every revision of release `name`, oldest first, and the driver its records use.
pub async fn history(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<(Vec<Release>, Driver)> {
    let objects = record_objects(client, Some(namespace), Some(name)).await?;
    let driver = objects.first().map_or(Driver::Secret, |(_, d)| *d);
    let mut releases = objects
        .iter()
        .map(|(o, _)| decode(o))
        .collect::<Result<Vec<_>>>()?;
    releases.sort_by_key(|r| r.version);
    Ok((releases, driver))
}

fn now() -> (String, i64) {
    let t = jiff::Timestamp::now();
    (t.to_string(), t.as_second())
}

/// Writes a record: created, or replaced (labels afresh, `modifiedAt`), as Helm's drivers do.
async fn write_record(
    client: &kube::Client,
    release: &Release,
    driver: Driver,
    create: bool,
) -> Result<()> {
    let (_, unix) = now();
    let obj = helm::record(release, driver, create, unix);
    let base = store_path(driver, Some(&release.namespace));
    let req = if create {
        send(
            Method::POST,
            format!("{base}?fieldManager={FIELD_MANAGER}"),
            Some(&obj),
            "application/json",
        )?
    } else {
        let name = helm::record_name(&release.name, release.version);
        send(
            Method::PUT,
            format!("{base}/{name}?fieldManager={FIELD_MANAGER}"),
            Some(&obj),
            "application/json",
        )?
    };
    call(client, req).await.map(|_| ())
}

/// The URL of a manifest resource, from discovery (`None`: the server does not serve that kind).
fn resource_path(kinds: &[Kind], r: &Resource) -> Option<(String, String)> {
    let (group, version) = r
        .api_version
        .rsplit_once('/')
        .unwrap_or(("", r.api_version.as_str()));
    let kind = kinds
        .iter()
        .find(|k| {
            k.group == group && k.kind == r.kind && (k.version == version || version.is_empty())
        })
        .or_else(|| kinds.iter().find(|k| k.group == group && k.kind == r.kind))?;
    let ns = if kind.namespaced {
        r.namespace.as_str()
    } else {
        ""
    };
    let collection = kind.collection_path((!ns.is_empty()).then_some(ns));
    Some((collection, kind.object_path(ns, &r.name)))
}

fn unknown(r: &Resource) -> ClusterError {
    ClusterError::Api {
        code: 404,
        reason: "NotFound".into(),
        message: format!("the server does not serve {} ({})", r.kind, r.api_version),
        retry_after: 0,
    }
}

/// Creates `r`, or — when it exists already — patches it to the manifest.
async fn create_or_patch(
    client: &kube::Client,
    kinds: &[Kind],
    r: &Resource,
    patch: &Value,
) -> Result<()> {
    let (collection, object) = resource_path(kinds, r).ok_or_else(|| unknown(r))?;
    let req = send(
        Method::POST,
        format!("{collection}?fieldManager={FIELD_MANAGER}"),
        Some(&r.object),
        "application/json",
    )?;
    match call(client, req).await {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some(409) => {
            let req = send(
                Method::PATCH,
                format!("{object}?fieldManager={FIELD_MANAGER}"),
                Some(patch),
                MERGE_PATCH,
            )?;
            call(client, req).await.map(|_| ())
        }
        Err(e) => Err(e),
    }
}

/// Patches `to` over the live object (from the manifest `from` it was applied with); creates it if it is gone.
async fn update(
    client: &kube::Client,
    kinds: &[Kind],
    from: &Resource,
    to: &Resource,
) -> Result<()> {
    let (_, object) = resource_path(kinds, to).ok_or_else(|| unknown(to))?;
    let patch = helm::merge_patch(&from.object, &to.object);
    if patch.as_object().is_some_and(|m| m.is_empty()) {
        // Same manifest: the live object still gets the manifest's fields back if someone changed them.
        let req = send(
            Method::PATCH,
            format!("{object}?fieldManager={FIELD_MANAGER}"),
            Some(&to.object),
            MERGE_PATCH,
        )?;
        return match call(client, req).await {
            Err(e) if e.code() == Some(404) => create_or_patch(client, kinds, to, &to.object).await,
            other => other.map(|_| ()),
        };
    }
    let req = send(
        Method::PATCH,
        format!("{object}?fieldManager={FIELD_MANAGER}"),
        Some(&patch),
        MERGE_PATCH,
    )?;
    match call(client, req).await {
        Err(e) if e.code() == Some(404) => create_or_patch(client, kinds, to, &to.object).await,
        other => other.map(|_| ()),
    }
}

/// Deletes `r` (background propagation, as Helm does); one already gone is fine.
async fn delete(client: &kube::Client, kinds: &[Kind], r: &Resource) -> Result<()> {
    let Some((_, object)) = resource_path(kinds, r) else {
        return Ok(());
    };
    let opts =
        json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"});
    match call(
        client,
        send(Method::DELETE, object, Some(&opts), "application/json")?,
    )
    .await
    {
        Err(e) if e.code() != Some(404) => Err(e),
        _ => Ok(()),
    }
}

/// `helm rollback NAME REVISION`: records the new revision `pending-rollback`, applies the target's manifest
/// (create, update, delete; `helm.sh/resource-policy: keep` spared), marks the deployed revisions
/// `superseded` and the new one `deployed` (`failed`, with the error, if applying failed). Hooks are not run.
/// Returns the new revision's number.
pub async fn rollback(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    revision: i64,
) -> Result<i64> {
    let (history, driver) = history(client, namespace, name).await?;
    let (time, _) = now();
    let plan = helm::rollback_plan(&history, revision, &time)
        .map_err(|e| ClusterError::Decode(e.to_string()))?;
    let kinds = discovery::discover(client).await?;
    let mut record = plan.record.clone();
    write_record(client, &record, driver, true).await?;
    let applied = async {
        for r in &plan.create {
            create_or_patch(client, &kinds, r, &r.object).await?;
        }
        for (from, to) in &plan.update {
            update(client, &kinds, from, to).await?;
        }
        for r in &plan.delete {
            delete(client, &kinds, r).await?;
        }
        Ok::<_, ClusterError>(())
    }
    .await;
    for mut old in plan.supersede.clone() {
        old.info.status = status::SUPERSEDED.into();
        write_record(client, &old, driver, false).await?;
    }
    match applied {
        Ok(()) => {
            record.info.status = status::DEPLOYED.into();
            write_record(client, &record, driver, false).await?;
            Ok(record.version)
        }
        Err(e) => {
            record.info.status = status::FAILED.into();
            record.info.description = format!("Rollback \"{name}\" failed: {e}");
            write_record(client, &record, driver, false).await?;
            Err(e)
        }
    }
}

/// `helm uninstall NAME`: marks the release `uninstalling`, deletes its resources (kept ones spared), then
/// every record of it. Hooks are not run.
pub async fn uninstall(client: &kube::Client, namespace: &str, name: &str) -> Result<()> {
    let (history, driver) = history(client, namespace, name).await?;
    let (time, _) = now();
    let plan =
        helm::uninstall_plan(&history, &time).map_err(|e| ClusterError::Decode(e.to_string()))?;
    let kinds = discovery::discover(client).await?;
    write_record(client, &plan.uninstalling, driver, false).await?;
    for r in &plan.delete {
        delete(client, &kinds, r).await?;
    }
    let base = store_path(driver, Some(namespace));
    for record in &plan.records {
        let req = send(
            Method::DELETE,
            format!("{base}/{record}"),
            None,
            "application/json",
        )?;
        match call(client, req).await {
            Err(e) if e.code() != Some(404) => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// What `:helm` and a release's history show: the rows, and the releases behind them (newest record per
/// release in the list; every revision in a history).
#[derive(Debug, Clone, Default)]
pub struct HelmState {
    pub rows: Arc<Mutex<TableData>>,
    pub releases: Arc<Mutex<Vec<ReleaseRow>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Keeps `state` current until `cancel`: the releases in `namespace` (or all), or the revisions of `release`,
/// read again whenever a record Secret changes.
pub fn spawn_watch(
    client: kube::Client,
    namespace: Option<String>,
    release: Option<String>,
    state: HelmState,
    notify: Arc<dyn Fn() + Send + Sync>,
    cancel: tokio_util::sync::CancellationToken,
) {
    tokio::spawn(async move {
        tokio::select! {
            _ = cancel.cancelled() => {}
            _ = run_watch(&client, namespace.as_deref(), release.as_deref(), &state, notify.as_ref()) => {}
        }
    });
}

async fn run_watch(
    client: &kube::Client,
    namespace: Option<&str>,
    release: Option<&str>,
    state: &HelmState,
    notify: &(dyn Fn() + Send + Sync),
) {
    use futures::StreamExt;
    use kube::runtime::watcher;
    let mut selector = helm::OWNER_SELECTOR.to_string();
    if let Some(n) = release {
        selector.push_str(&format!(",name={n}"));
    }
    let ar = kube::api::ApiResource {
        group: String::new(),
        version: "v1".into(),
        api_version: "v1".into(),
        kind: "Secret".into(),
        plural: "secrets".into(),
    };
    let api: kube::Api<kube::api::DynamicObject> = match namespace {
        Some(ns) => kube::Api::namespaced_with(client.clone(), ns, &ar),
        None => kube::Api::all_with(client.clone(), &ar),
    };
    load(client, namespace, release, state).await;
    notify();
    let stream = watcher::watcher(api, watcher::Config::default().labels(&selector));
    futures::pin_mut!(stream);
    let mut listed = false;
    while let Some(event) = stream.next().await {
        match event {
            Ok(watcher::Event::Init | watcher::Event::InitApply(_)) => continue,
            Ok(watcher::Event::InitDone) if !listed => {
                listed = true;
                continue;
            }
            Ok(_) => {}
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        }
        load(client, namespace, release, state).await;
        notify();
    }
}

async fn load(
    client: &kube::Client,
    namespace: Option<&str>,
    release: Option<&str>,
    state: &HelmState,
) {
    let columns = |names: &[&str]| {
        names
            .iter()
            .map(|n| tug_model::table::Column {
                name: (*n).into(),
                kind: "string".into(),
                priority: 0,
            })
            .collect::<Vec<_>>()
    };
    let loaded = match release {
        Some(name) => history(client, namespace.unwrap_or_default(), name)
            .await
            .map(|(rs, driver)| {
                rs.into_iter()
                    .map(|release| ReleaseRow { release, driver })
                    .collect::<Vec<_>>()
            }),
        None => releases(client, namespace).await,
    };
    match loaded {
        Ok(found) => {
            let (names, row): (&[&str], fn(&Release) -> tug_model::table::Row) = match release {
                Some(_) => (helm::HISTORY_COLUMNS, helm::history_row),
                None => (helm::LIST_COLUMNS, helm::list_row),
            };
            let rows = found.iter().map(|r| row(&r.release)).collect();
            lock(&state.rows).replace_all(columns(names), rows);
            *lock(&state.releases) = found;
        }
        Err(e) => lock(&state.rows).set_feed(Feed::Refused(e.to_string())),
    }
}
