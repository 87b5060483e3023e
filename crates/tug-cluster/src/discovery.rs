//! Discovery of every kind the server serves (built-ins and CRDs). The kinds themselves, and the names a user
//! may type for them, are in `tug_model::kind` (re-exported here).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList;

use super::Result;
pub use tug_model::kind::{Kind, find};

/// Discovers all kinds that can be listed, core group first, each group at its preferred version.
pub async fn discover(client: &kube::Client) -> Result<Vec<Kind>> {
    let mut kinds = vec![];
    let core = client.list_core_api_versions().await?;
    for v in core.versions.iter().take(1) {
        let list = client.list_core_api_resources(v).await?;
        collect(&mut kinds, "", &list);
    }
    let groups = client.list_api_groups().await?;
    for g in groups.groups {
        let Some(pv) = g.preferred_version.or_else(|| g.versions.first().cloned()) else {
            continue;
        };
        if let Ok(list) = client.list_api_group_resources(&pv.group_version).await {
            collect(&mut kinds, &g.name, &list);
        }
    }
    Ok(kinds)
}

fn collect(out: &mut Vec<Kind>, group: &str, list: &APIResourceList) {
    let version = list
        .group_version
        .rsplit('/')
        .next()
        .unwrap_or(&list.group_version)
        .to_string();
    for r in &list.resources {
        if r.name.contains('/') || !r.verbs.iter().any(|v| v == "list") {
            continue;
        }
        out.push(Kind {
            group: group.to_string(),
            version: version.clone(),
            plural: r.name.clone(),
            kind: r.kind.clone(),
            namespaced: r.namespaced,
            short_names: r.short_names.clone().unwrap_or_default(),
            verbs: r.verbs.clone(),
        });
    }
}
