//! The demo world's incidents beyond the crash loop and the unschedulable pod, so every diagnosis tug makes
//! can be seen in the demo: a rollout stalled on an image that was never pushed (`checkout`, past its
//! `progressDeadlineSeconds`), a Service that selects no pods (`legacy-api`), a container killed for memory
//! (`report-renderer`), and a claim naming a StorageClass that does not exist (`uploads`). Deterministic like
//! the rest of the world; added three hours before now, so the stalled rollout is long past its deadline.

use serde_json::json;

use super::{MAX_PASSES, STEP, World, deployment};
use crate::controllers::settle;
use crate::status::ApiResult;

/// The tag the checkout rollout is stuck on (the kubelet's registry does not hold it).
pub const STALLED_IMAGE: &str = "ghcr.io/tug-demo/checkout:3.2.0";

pub(super) fn add(w: &mut World) -> ApiResult<()> {
    w.apply(json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "checkout-stripe", "namespace": "shop", "labels": {"app": "checkout"}},
        "data": {"api-key": "c2tfdGVzdF9kZW1v"},
    }))?;
    let mut checkout = deployment(
        "shop",
        "checkout",
        2,
        &[("app", "checkout"), ("tier", "api")],
        json!({"containers": [{
            "name": "checkout", "image": "ghcr.io/tug-demo/checkout:3.1.0",
            "ports": [{"containerPort": 8443, "name": "https", "protocol": "TCP"}],
            "env": [{"name": "STRIPE_API_KEY",
                     "valueFrom": {"secretKeyRef": {"name": "checkout-stripe", "key": "api-key"}}}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        }]}),
        Some("checkout 3.1.0"),
    );
    checkout["spec"]["progressDeadlineSeconds"] = json!(120);
    checkout["spec"]["strategy"] =
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}});
    w.apply(checkout)?;
    w.apply(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "checkout", "namespace": "shop", "labels": {"app": "checkout"}},
        "spec": {"selector": {"app": "checkout"},
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": "https"}]},
    }))?;
    w.apply(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "legacy-api", "namespace": "shop", "labels": {"app": "legacy-api"}},
        "spec": {"selector": {"app": "legacy-api"},
                 "ports": [{"name": "http", "port": 8080, "protocol": "TCP", "targetPort": 8080}]},
    }))?;
    let mut renderer = deployment(
        "shop",
        "report-renderer",
        1,
        &[("app", "report-renderer")],
        json!({"containers": [{
            "name": "renderer", "image": "ghcr.io/tug-demo/report-renderer:1.4.0",
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        }]}),
        None,
    );
    renderer["spec"]["template"]["metadata"]["annotations"] =
        json!({"sim.tug.dev/scenario": "oomkill"});
    w.apply(renderer)?;
    w.apply(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "uploads", "namespace": "shop", "labels": {"app": "frontend"}},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast-ssd",
                 "resources": {"requests": {"storage": "20Gi"}}},
    }))?;
    settle(w.ctx, STEP, MAX_PASSES);
    // The upgrade whose image was never pushed: one surge pod cannot pull, the old pods keep serving.
    w.patch("apps", "deployments", "shop", "checkout", |d| {
        d["metadata"]["annotations"]["kubernetes.io/change-cause"] = json!("checkout 3.2.0");
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!(STALLED_IMAGE);
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::Value;

    use crate::store::Store;

    fn world() -> Arc<Store> {
        let store = Arc::new(Store::new(1));
        super::super::build(&store, 1, 0, 1).unwrap();
        store
    }

    fn list(store: &Store, group: &str, plural: &str, ns: &str) -> Vec<Arc<Value>> {
        let res = store.registry().preferred(group, plural).unwrap();
        store.list(&res, Some(ns), |_| true)
    }

    fn named<'a>(items: &'a [Arc<Value>], prefix: &str) -> Vec<&'a Value> {
        items
            .iter()
            .map(|o| o.as_ref())
            .filter(|o| o["metadata"]["name"].as_str().unwrap().starts_with(prefix))
            .collect()
    }

    fn waiting(pod: &Value) -> &str {
        pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
            .as_str()
            .unwrap_or_default()
    }

    #[test]
    fn the_checkout_rollout_stalls_on_an_image_that_cannot_be_pulled() {
        let store = world();
        let deploys = list(&store, "apps", "deployments", "shop");
        let checkout = named(&deploys, "checkout")[0];
        let progressing = checkout["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "Progressing")
            .unwrap();
        assert_eq!(progressing["status"], "False", "{progressing}");
        assert_eq!(progressing["reason"], "ProgressDeadlineExceeded");
        let pods = list(&store, "", "pods", "shop");
        let pods = named(&pods, "checkout-");
        assert_eq!(pods.len(), 3, "two old pods serve, one new pod cannot pull");
        let stuck: Vec<_> = pods
            .iter()
            .filter(|p| waiting(p) == "ImagePullBackOff")
            .collect();
        assert_eq!(stuck.len(), 1);
        assert_eq!(stuck[0]["status"]["phase"], "Pending");
        assert_eq!(
            stuck[0]["spec"]["containers"][0]["image"],
            super::STALLED_IMAGE
        );
        // Completed rollouts elsewhere are not affected.
        let frontend = named(&deploys, "frontend")[0];
        assert!(
            frontend["status"]["conditions"]
                .to_string()
                .contains("NewReplicaSetAvailable")
        );
    }

    #[test]
    fn the_renderer_is_oom_killed_the_claim_stays_pending_and_legacy_api_has_no_endpoints() {
        let store = world();
        let pods = list(&store, "", "pods", "shop");
        let renderer = named(&pods, "report-renderer-")[0];
        let last = &renderer["status"]["containerStatuses"][0]["lastState"]["terminated"];
        assert_eq!(last["reason"], "OOMKilled", "{renderer}");
        assert_eq!(last["exitCode"], 137);
        let claims = list(&store, "", "persistentvolumeclaims", "shop");
        assert_eq!(named(&claims, "uploads")[0]["status"]["phase"], "Pending");
        let events = list(&store, "", "events", "shop");
        assert!(events.iter().any(|e| {
            e["reason"] == "ProvisioningFailed"
                && e["message"]
                    .as_str()
                    .unwrap()
                    .contains("\"fast-ssd\" not found")
        }));
        let endpoints = list(&store, "", "endpoints", "shop");
        assert!(named(&endpoints, "legacy-api")[0]["subsets"].is_null());
    }

    #[test]
    fn every_service_with_a_selector_has_an_endpoint_slice_beside_its_endpoints() {
        let store = world();
        let slices = list(&store, "discovery.k8s.io", "endpointslices", "shop");
        let of = |svc: &str| {
            slices
                .iter()
                .find(|s| s["metadata"]["labels"]["kubernetes.io/service-name"] == svc)
                .unwrap_or_else(|| panic!("no slice for {svc}"))
        };
        let frontend = of("frontend");
        assert_eq!(frontend["addressType"], "IPv4");
        let endpoints = frontend["endpoints"].as_array().unwrap();
        assert_eq!(endpoints.len(), 3);
        assert!(endpoints.iter().all(|e| e["conditions"]["ready"] == true));
        assert_eq!(
            frontend["ports"][0]["port"], 80,
            "the named target port resolved"
        );
        assert_eq!(
            frontend["metadata"]["ownerReferences"][0]["kind"],
            "Service"
        );
        assert!(of("legacy-api")["endpoints"].is_null());
    }
}
