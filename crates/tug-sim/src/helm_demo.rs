//! The demo world's Helm releases, stored as Helm 3 stores them (Secrets `sh.helm.release.v1.NAME.vN` of type
//! `helm.sh/release.v1`, labelled `owner=helm`, holding base64 of the gzipped release JSON — base64 again by the
//! Secret encoding), with the resources of each release's deployed revision: `storefront` in shop (three
//! revisions, the third deployed) and `metrics-agent` in monitoring (an upgrade that failed). Encoded here, not
//! with tug's own encoder, so tug's reading is checked against an independent writer. Deterministic.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::controllers::Ctx;
use super::status::{ApiError, ApiResult};

/// Days, hours → the time that long ago, as Helm writes times (RFC 3339).
fn ago(days: i64, hours: i64) -> String {
    let t = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(days * 86_400 + hours * 3_600);
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn labels(release: &str) -> Value {
    json!({"app.kubernetes.io/name": release, "app.kubernetes.io/instance": release,
           "app.kubernetes.io/managed-by": "Helm"})
}

fn annotations(release: &str, ns: &str) -> Value {
    json!({"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": ns})
}

/// A Deployment as the chart renders it.
fn deployment(release: &str, ns: &str, image: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": release, "labels": labels(release), "annotations": annotations(release, ns)},
        "spec": {
            "replicas": replicas,
            // A short selector, as older charts write it (the wide table shows it whole).
            "selector": {"matchLabels": {"app": release}},
            "template": {
                "metadata": {"labels": {"app": release}},
                "spec": {"containers": [{"name": release, "image": image,
                    "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}]}]}
            }
        }
    })
}

fn service(release: &str, ns: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": release, "labels": labels(release), "annotations": annotations(release, ns)},
        "spec": {"selector": {"app": release},
                 "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}
    })
}

fn flags(release: &str, ns: &str, flag: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": format!("{release}-flags"), "labels": labels(release), "annotations": annotations(release, ns)},
        "data": {"checkout": flag}
    })
}

/// The manifest Helm stores: each template's output after a `# Source:` line, `---`-separated.
fn manifest(chart: &str, objects: &[(&str, &Value)]) -> String {
    objects
        .iter()
        .map(|(template, obj)| {
            format!(
                "---\n# Source: {chart}/templates/{template}\n{}",
                serde_saphyr::to_string(obj).unwrap_or_default()
            )
        })
        .collect()
}

/// One revision of a release.
struct Revision<'a> {
    version: i64,
    status: &'a str,
    description: &'a str,
    chart_version: &'a str,
    app_version: &'a str,
    config: Value,
    objects: Vec<(&'a str, Value)>,
    deployed: String,
}

/// Helm 3's release JSON (`pkg/release`): field names as Helm writes them.
fn release_json(name: &str, ns: &str, chart: &str, first: &str, r: &Revision) -> Value {
    let objects: Vec<(&str, &Value)> = r.objects.iter().map(|(t, o)| (*t, o)).collect();
    json!({
        "name": name,
        "info": {
            "first_deployed": first,
            "last_deployed": r.deployed,
            "deleted": "",
            "description": r.description,
            "status": r.status,
            "notes": format!("{name} {} is running.\nGet the URL: kubectl -n {ns} port-forward svc/{name} 8080:80\n", r.app_version),
        },
        "chart": {
            "metadata": {"name": chart, "version": r.chart_version, "appVersion": r.app_version,
                         "apiVersion": "v2", "description": format!("A Helm chart for {chart}"), "type": "application"},
            "lock": null,
            "templates": [{"name": "templates/deployment.yaml", "data": STANDARD.encode("{{- /* deployment */ -}}")}],
            "values": {"replicaCount": 1, "image": {"repository": format!("example/{name}"), "tag": "latest"}},
            "schema": null,
            "files": [],
        },
        "config": r.config,
        "manifest": manifest(chart, &objects),
        "hooks": [{
            "name": format!("{name}-db-migrate"), "kind": "Job", "path": format!("{chart}/templates/migrate-job.yaml"),
            "manifest": format!("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}-db-migrate\n  annotations:\n    helm.sh/hook: pre-upgrade,pre-rollback\n"),
            "events": ["pre-upgrade", "pre-rollback"],
            "last_run": {"started_at": r.deployed, "completed_at": r.deployed, "phase": "Succeeded"},
            "weight": 0,
            "delete_policies": ["before-hook-creation"],
        }],
        "version": r.version,
        "namespace": ns,
    })
}

/// base64 of the gzipped JSON (Helm's `encodeRelease`); gzip with no timestamp, so the bytes are stable.
fn encode(release: &Value) -> ApiResult<String> {
    let json = serde_json::to_vec(release).map_err(|e| ApiError::internal(e.to_string()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&json)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let bytes = gz.finish().map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(STANDARD.encode(bytes))
}

fn install(
    ctx: &mut Ctx,
    name: &str,
    ns: &str,
    chart: &str,
    revisions: &[Revision],
) -> ApiResult<()> {
    let registry = ctx.store.registry();
    let secrets = registry
        .preferred("", "secrets")
        .ok_or_else(|| ApiError::internal("helm demo: no secrets"))?;
    let first = revisions
        .first()
        .map(|r| r.deployed.clone())
        .unwrap_or_default();
    for r in revisions {
        let record = encode(&release_json(name, ns, chart, &first, r))?;
        ctx.create(
            &secrets,
            ns,
            json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": format!("sh.helm.release.v1.{name}.v{}", r.version), "namespace": ns,
                    "labels": {"name": name, "owner": "helm", "status": r.status, "version": r.version.to_string(),
                               "modifiedAt": "1700000000"}},
                "type": "helm.sh/release.v1",
                // The Secret's data is base64 of the bytes, and the bytes are Helm's base64 text.
                "data": {"release": STANDARD.encode(record)},
            }),
        )?;
    }
    // The cluster holds what the newest revision applied.
    let Some(last) = revisions.last() else {
        return Ok(());
    };
    for (_, obj) in &last.objects {
        let (group, plural) = match obj["kind"].as_str() {
            Some("Deployment") => ("apps", "deployments"),
            Some("Service") => ("", "services"),
            _ => ("", "configmaps"),
        };
        let res = registry
            .preferred(group, plural)
            .ok_or_else(|| ApiError::internal("helm demo: kind missing"))?;
        ctx.create(&res, ns, obj.clone())?;
    }
    Ok(())
}

/// Stores the demo releases and their resources.
pub fn releases(ctx: &mut Ctx) -> ApiResult<()> {
    let (store_ns, rel) = ("shop", "storefront");
    let v = |tag: &str| format!("example/storefront:{tag}");
    install(
        ctx,
        rel,
        store_ns,
        "storefront",
        &[
            Revision {
                version: 1,
                status: "superseded",
                description: "Install complete",
                chart_version: "0.1.0",
                app_version: "1.0",
                config: json!({"image": {"tag": "1.0"}}),
                objects: vec![
                    ("service.yaml", service(rel, store_ns)),
                    ("deployment.yaml", deployment(rel, store_ns, &v("1.0"), 1)),
                ],
                deployed: ago(10, 0),
            },
            Revision {
                version: 2,
                status: "superseded",
                description: "Upgrade complete",
                chart_version: "0.2.0",
                app_version: "1.1",
                config: json!({"image": {"tag": "1.1"}, "flags": {"checkout": "v2"}}),
                objects: vec![
                    ("flags.yaml", flags(rel, store_ns, "v2")),
                    ("service.yaml", service(rel, store_ns)),
                    ("deployment.yaml", deployment(rel, store_ns, &v("1.1"), 1)),
                ],
                deployed: ago(5, 0),
            },
            Revision {
                version: 3,
                status: "deployed",
                description: "Upgrade complete",
                chart_version: "0.3.0",
                app_version: "1.2",
                config: json!({"image": {"tag": "1.2"}, "replicaCount": 2, "flags": {"checkout": "v3"}}),
                objects: vec![
                    ("flags.yaml", flags(rel, store_ns, "v3")),
                    ("service.yaml", service(rel, store_ns)),
                    ("deployment.yaml", deployment(rel, store_ns, &v("1.2"), 2)),
                ],
                deployed: ago(1, 0),
            },
        ],
    )?;
    let (mon, agent) = ("monitoring", "metrics-agent");
    install(
        ctx,
        agent,
        mon,
        "metrics-agent",
        &[
            Revision {
                version: 1,
                status: "deployed",
                description: "Install complete",
                chart_version: "2.4.0",
                app_version: "0.9",
                config: json!({}),
                objects: vec![(
                    "deployment.yaml",
                    deployment(agent, mon, "example/metrics-agent:0.9", 1),
                )],
                deployed: ago(20, 0),
            },
            Revision {
                version: 2,
                status: "failed",
                description: "Upgrade \"metrics-agent\" failed: context deadline exceeded",
                chart_version: "2.5.0",
                app_version: "0.10",
                config: json!({"image": {"tag": "0.10"}}),
                objects: vec![(
                    "deployment.yaml",
                    deployment(agent, mon, "example/metrics-agent:0.10", 1),
                )],
                deployed: ago(0, 5),
            },
        ],
    )
}
