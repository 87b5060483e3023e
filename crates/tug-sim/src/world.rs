//! The demo world: a small, believable cluster built deterministically from the seed. Objects are created on
//! the controllers' virtual clock, days in the past, and the controllers run synchronously until things
//! settle, so the world starts with history (ages, a finished rollout, restarts, completed jobs).
//!
//! Namespaces: kube-system (coredns, kube-proxy), shop (frontend with two revisions, backend with a sidecar,
//! payments crash-looping, redis, postgres StatefulSet with volumes, a pending gpu-worker, services, ingress,
//! config, secrets, RBAC, a PodDisruptionBudget, Backup custom resources, the Helm release storefront and the
//! incidents of `incidents`), monitoring (prometheus, node-exporter, grafana), batch (CronJobs, finished and running Jobs); `--pods N` adds N load pods.

mod incidents;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::controllers::{Clock, Ctx, settle};
use super::status::{ApiError, ApiResult};
use super::store::Store;

pub const NODES: [&str; 3] = ["tug-control-plane", "tug-worker", "tug-worker2"];
/// Namespaces holding `--pods` load pods, unless `--namespaces` says otherwise.
pub const LOAD_NAMESPACES: usize = 10;
/// Virtual time between passes while the world settles.
const STEP: Duration = Duration::from_secs(2);
const MAX_PASSES: usize = 60;

fn ago(days: i64, hours: i64, minutes: i64) -> jiff::Timestamp {
    let secs = days * 86_400 + hours * 3_600 + minutes * 60;
    jiff::Timestamp::now() - jiff::SignedDuration::from_secs(secs)
}

/// Builds the world into `store` and returns the controllers' context, ready to be spawned on the real clock.
/// `load_pods` load pods are spread over `namespaces` namespaces (`load-0`…).
pub fn build(store: &Arc<Store>, seed: u64, load_pods: usize, namespaces: usize) -> ApiResult<Ctx> {
    let mut ctx = Ctx::new(store.clone(), seed, Clock::Virtual(ago(30, 0, 0)))
        .ok_or_else(|| ApiError::internal("built-in kinds missing from the registry"))?;
    let mut w = World { ctx: &mut ctx };

    w.cluster_base()?;
    settle(w.ctx, STEP, MAX_PASSES);

    w.ctx.clock = Clock::Virtual(ago(6, 0, 0));
    w.shop()?;
    w.monitoring()?;
    w.batch()?;
    settle(w.ctx, STEP, MAX_PASSES);

    // Two days ago the frontend was upgraded: revision 2 of its history.
    w.ctx.clock = Clock::Virtual(ago(2, 0, 0));
    w.patch("apps", "deployments", "shop", "frontend", |d| {
        d["metadata"]["annotations"]["kubernetes.io/change-cause"] = json!("upgrade nginx to 1.27");
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.27");
    })?;
    super::helm_demo::releases(w.ctx)?;
    settle(w.ctx, STEP, MAX_PASSES);

    w.ctx.clock = Clock::Virtual(ago(0, 3, 0));
    w.recent()?;
    incidents::add(&mut w)?;
    settle(w.ctx, STEP, MAX_PASSES);

    w.ctx.clock = Clock::Virtual(ago(0, 0, 2));
    settle(w.ctx, STEP, MAX_PASSES);
    // Load pods have been running for a day, as most pods of a big cluster have.
    w.ctx.clock = Clock::Virtual(ago(1, 0, 0));
    w.load(load_pods, namespaces.max(1))?;
    Ok(ctx)
}

struct World<'a> {
    ctx: &'a mut Ctx,
}

impl World<'_> {
    fn apply(&mut self, obj: Value) -> ApiResult<Arc<Value>> {
        let (group, _) = split_api_version(obj["apiVersion"].as_str().unwrap_or_default());
        let kind = obj["kind"].as_str().unwrap_or_default().to_string();
        let registry = self.ctx.store.registry();
        let res = registry
            .all()
            .iter()
            .find(|r| r.group == group && r.kind == kind)
            .cloned()
            .ok_or_else(|| ApiError::internal(format!("world: unknown kind {group}/{kind}")))?;
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.ctx.create(&res, &ns, obj)
    }

    fn patch(
        &mut self,
        group: &str,
        plural: &str,
        ns: &str,
        name: &str,
        change: impl FnOnce(&mut Value),
    ) -> ApiResult<()> {
        let res = self
            .ctx
            .store
            .registry()
            .preferred(group, plural)
            .ok_or_else(|| ApiError::internal("world: kind missing"))?;
        let cur = self
            .ctx
            .store
            .get(&res, ns, name)
            .ok_or_else(|| ApiError::not_found(&res, name))?;
        self.ctx.update(&res, &cur, change).map(|_| ())
    }

    fn namespace(&mut self, name: &str) -> ApiResult<()> {
        self.apply(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }))?;
        self.apply(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": name}}))?;
        self.apply(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "kube-root-ca.crt", "namespace": name},
            "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n-----END CERTIFICATE-----\n"},
        }))?;
        Ok(())
    }

    fn cluster_base(&mut self) -> ApiResult<()> {
        for (i, node) in NODES.iter().enumerate() {
            self.apply(node_object(node, i))?;
        }
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            self.namespace(ns)?;
        }
        self.apply(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1",
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
        }))?;
        self.apply(json!({
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": "172.18.0.2"}],
                         "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}],
        }))?;
        self.apply(json!({
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
        }))?;
        let control_plane_toleration = json!([
            {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
            {"key": "CriticalAddonsOnly", "operator": "Exists"}
        ]);
        self.apply(deployment(
            "kube-system", "coredns", 2, &[("k8s-app", "kube-dns")],
            json!({
                "priorityClassName": "system-cluster-critical",
                "tolerations": control_plane_toleration,
                "containers": [{
                    "name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.12.0",
                    "args": ["-conf", "/etc/coredns/Corefile"],
                    "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                              {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                              {"containerPort": 9153, "name": "metrics", "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "70Mi"}, "limits": {"memory": "170Mi"}},
                }],
            }),
            None,
        ))?;
        self.apply(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}},
            "spec": {"selector": {"k8s-app": "kube-dns"}, "clusterIP": "10.96.0.10",
                     "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                               {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                               {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]},
        }))?;
        self.apply(daemonset(
            "kube-system", "kube-proxy", &[("k8s-app", "kube-proxy")],
            json!({
                "tolerations": [{"operator": "Exists"}],
                "containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.33.0",
                                "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf"]}],
            }),
        ))?;
        Ok(())
    }

    fn shop(&mut self) -> ApiResult<()> {
        self.namespace("shop")?;
        self.apply(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "frontend-config", "namespace": "shop", "labels": {"app": "frontend"}},
            "data": {"nginx.conf": "server {\n  listen 80;\n  location / { root /usr/share/nginx/html; }\n  location /api { proxy_pass http://backend:8080; }\n}\n",
                     "FEATURE_FLAGS": "new-checkout,dark-mode"},
        }))?;
        self.apply(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "backend-config", "namespace": "shop", "labels": {"app": "backend"}},
            "data": {"LOG_LEVEL": "info", "DB_HOST": "postgres", "REDIS_URL": "redis://redis:6379/0", "PAYMENTS_URL": "http://payments:9000"},
        }))?;
        self.apply(json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "postgres-credentials", "namespace": "shop", "labels": {"app": "postgres"}},
            "data": {"username": "c2hvcA==", "password": "czNjcjN0LXBhc3N3MHJk"},
        }))?;
        self.apply(json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "shop-tls", "namespace": "shop"},
            "data": {"tls.crt": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJkZW1vCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K",
                     "tls.key": "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUJkZW1vCi0tLS0tRU5EIFBSSVZBVEUgS0VZLS0tLS0K"},
        }))?;
        self.apply(json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "payments-api-key", "namespace": "shop", "labels": {"app": "payments"}},
            "data": {"api-key": "cGtfbGl2ZV9kZW1vX2tleQ=="},
        }))?;
        for sa in ["backend", "payments"] {
            self.apply(json!({"apiVersion": "v1", "kind": "ServiceAccount",
                              "metadata": {"name": sa, "namespace": "shop", "labels": {"app": sa}}}))?;
        }
        self.apply(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "config-reader", "namespace": "shop"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": ["get", "list", "watch"]}],
        }))?;
        self.apply(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "backend-config-reader", "namespace": "shop"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "config-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "backend", "namespace": "shop"}],
        }))?;
        self.apply(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "shop-viewer"},
            "rules": [{"apiGroups": ["", "apps"], "resources": ["pods", "deployments", "services"], "verbs": ["get", "list", "watch"]}],
        }))?;
        self.apply(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "shop-viewers"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "shop-viewer"},
            "subjects": [{"kind": "Group", "name": "shop-oncall", "apiGroup": "rbac.authorization.k8s.io"}],
        }))?;
        // Who may delete pods in shop: the on-call group and one operator (`:who-can delete pods -n shop`).
        self.apply(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "pod-janitor", "namespace": "shop"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "delete"]}],
        }))?;
        self.apply(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "shop-oncall-pods", "namespace": "shop"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-janitor"},
            "subjects": [{"kind": "Group", "name": "shop-oncall", "apiGroup": "rbac.authorization.k8s.io"},
                         {"kind": "User", "name": "ann", "apiGroup": "rbac.authorization.k8s.io"}],
        }))?;

        let mut frontend = deployment(
            "shop",
            "frontend",
            3,
            &[("app", "frontend"), ("tier", "web")],
            json!({"containers": [{
                "name": "nginx", "image": "nginx:1.26",
                "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}],
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 10},
                "volumeMounts": [{"name": "config", "mountPath": "/etc/nginx/conf.d"}],
            }],
            "volumes": [{"name": "config", "configMap": {"name": "frontend-config"}}]}),
            Some("initial release"),
        );
        frontend["spec"]["strategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}});
        self.apply(frontend)?;
        self.apply(deployment(
            "shop", "backend", 2, &[("app", "backend"), ("tier", "api")],
            json!({
                "serviceAccountName": "backend",
                "containers": [
                    {"name": "app", "image": "ghcr.io/tug-demo/shop-backend:2.4.1",
                     "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                     "env": [{"name": "LOG_FORMAT", "value": "json"}, {"name": "PORT", "value": "8080"},
                             {"name": "DB_HOST", "value": "postgres"}],
                     "envFrom": [{"configMapRef": {"name": "backend-config"}}],
                     "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}},
                    {"name": "envoy", "image": "envoyproxy/envoy:v1.31.2",
                     "ports": [{"containerPort": 9901, "name": "admin", "protocol": "TCP"}],
                     "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}}},
                ],
            }),
            Some("initial release"),
        ))?;
        let mut payments = deployment(
            "shop",
            "payments",
            1,
            &[("app", "payments"), ("tier", "api")],
            json!({
                "serviceAccountName": "payments",
                "containers": [{"name": "payments", "image": "ghcr.io/tug-demo/payments:1.8.0",
                                "ports": [{"containerPort": 9000, "name": "http", "protocol": "TCP"}],
                                "env": [{"name": "DATABASE_URL", "value": "postgres://postgres:5432/payments"}]}],
            }),
            None,
        );
        payments["spec"]["template"]["metadata"]["annotations"] =
            json!({"sim.tug.dev/scenario": "crashloop"});
        self.apply(payments)?;
        self.apply(deployment(
            "shop", "redis", 1, &[("app", "redis")],
            json!({"containers": [{"name": "redis", "image": "redis:7.4",
                                   "ports": [{"containerPort": 6379, "name": "redis", "protocol": "TCP"}],
                                   "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}),
            None,
        ))?;
        self.apply(json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "postgres", "namespace": "shop", "labels": {"app": "postgres"}},
            "spec": {
                "replicas": 2, "serviceName": "postgres",
                "selector": {"matchLabels": {"app": "postgres"}},
                "template": {
                    "metadata": {"labels": {"app": "postgres"}},
                    "spec": {"containers": [{
                        "name": "postgres", "image": "postgres:16.4",
                        "ports": [{"containerPort": 5432, "name": "postgres", "protocol": "TCP"}],
                        "env": [{"name": "POSTGRES_DB", "value": "shop"},
                                {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"}],
                        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
                        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}},
                    }]},
                },
                "volumeClaimTemplates": [{
                    "metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                             "resources": {"requests": {"storage": "10Gi"}}},
                }],
            },
        }))?;
        for (name, selector, port, target, kind) in [
            ("frontend", "frontend", 80, json!("http"), "LoadBalancer"),
            ("backend", "backend", 8080, json!(8080), "ClusterIP"),
            ("payments", "payments", 9000, json!(9000), "ClusterIP"),
            ("redis", "redis", 6379, json!(6379), "ClusterIP"),
        ] {
            self.apply(json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "namespace": "shop", "labels": {"app": selector}},
                "spec": {"type": kind, "selector": {"app": selector},
                         "ports": [{"name": "http", "port": port, "protocol": "TCP", "targetPort": target}]},
            }))?;
        }
        self.patch("", "services", "shop", "frontend", |s| {
            s["status"] =
                json!({"loadBalancer": {"ingress": [{"ip": "172.18.255.200", "ipMode": "VIP"}]}});
        })?;
        self.apply(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "postgres", "namespace": "shop", "labels": {"app": "postgres"}},
            "spec": {"clusterIP": "None", "selector": {"app": "postgres"},
                     "ports": [{"name": "postgres", "port": 5432, "protocol": "TCP", "targetPort": 5432}]},
        }))?;
        self.apply(json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "shop", "namespace": "shop"},
            "spec": {
                "ingressClassName": "nginx",
                "tls": [{"hosts": ["shop.example.test"], "secretName": "shop-tls"}],
                "rules": [{"host": "shop.example.test", "http": {"paths": [
                    {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "frontend", "port": {"number": 80}}}},
                    {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "backend", "port": {"number": 8080}}}},
                ]}}],
            },
        }))?;
        self.patch("networking.k8s.io", "ingresses", "shop", "shop", |i| {
            i["status"] = json!({"loadBalancer": {"ingress": [{"ip": "172.18.255.201"}]}});
        })?;
        self.apply(json!({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "frontend", "namespace": "shop"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "frontend"}}},
        }))?;
        self.backups()
    }

    fn backups(&mut self) -> ApiResult<()> {
        self.apply(json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "backups.shop.example.com"},
            "spec": {
                "group": "shop.example.com",
                "scope": "Namespaced",
                "names": {"plural": "backups", "singular": "backup", "kind": "Backup", "listKind": "BackupList",
                          "shortNames": ["bk"], "categories": ["all"]},
                "versions": [{
                    "name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                        "spec": {"type": "object", "properties": {
                            "database": {"type": "string"},
                            "schedule": {"type": "string"},
                            "retentionDays": {"type": "integer", "minimum": 1},
                        }, "required": ["database", "schedule"]},
                        "status": {"type": "object", "properties": {
                            "phase": {"type": "string"},
                            "lastRun": {"type": "string", "format": "date-time"},
                            "sizeBytes": {"type": "integer"},
                        }},
                    }}},
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [
                        {"name": "Database", "type": "string", "jsonPath": ".spec.database"},
                        {"name": "Schedule", "type": "string", "jsonPath": ".spec.schedule"},
                        {"name": "Status", "type": "string", "jsonPath": ".status.phase"},
                        {"name": "Last-Run", "type": "date", "jsonPath": ".status.lastRun"},
                        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                    ],
                }],
            },
        }))?;
        let last_run =
            super::store::format_time(self.ctx.now() - jiff::SignedDuration::from_secs(3_600));
        for (name, db, schedule, phase) in [
            ("orders-nightly", "orders", "0 2 * * *", "Succeeded"),
            ("customers-hourly", "customers", "0 * * * *", "Succeeded"),
            ("payments-weekly", "payments", "0 3 * * 0", "Failed"),
        ] {
            self.apply(json!({
                "apiVersion": "shop.example.com/v1", "kind": "Backup",
                "metadata": {"name": name, "namespace": "shop", "labels": {"database": db}},
                "spec": {"database": db, "schedule": schedule, "retentionDays": 14},
                "status": {"phase": phase, "lastRun": last_run, "sizeBytes": 1_073_741_824u64},
            }))?;
        }
        Ok(())
    }

    fn monitoring(&mut self) -> ApiResult<()> {
        self.namespace("monitoring")?;
        self.apply(json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "prometheus", "namespace": "monitoring", "labels": {"app": "prometheus"}},
            "spec": {
                "replicas": 1, "serviceName": "prometheus",
                "selector": {"matchLabels": {"app": "prometheus"}},
                "template": {"metadata": {"labels": {"app": "prometheus"}},
                             "spec": {"containers": [{"name": "prometheus", "image": "prom/prometheus:v3.1.0",
                                                      "ports": [{"containerPort": 9090, "name": "web"}]}]}},
            },
        }))?;
        self.apply(daemonset(
            "monitoring",
            "node-exporter",
            &[("app", "node-exporter")],
            json!({"tolerations": [{"operator": "Exists"}],
                   "containers": [{"name": "node-exporter", "image": "prom/node-exporter:v1.8.2",
                                   "ports": [{"containerPort": 9100, "name": "metrics"}]}]}),
        ))?;
        self.apply(deployment(
            "monitoring",
            "grafana",
            1,
            &[("app", "grafana")],
            json!({"containers": [{"name": "grafana", "image": "grafana/grafana:11.4.0",
                                   "ports": [{"containerPort": 3000, "name": "http"}]}]}),
            None,
        ))?;
        for (name, port) in [("prometheus", 9090), ("grafana", 3000)] {
            self.apply(json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "namespace": "monitoring", "labels": {"app": name}},
                "spec": {"selector": {"app": name}, "ports": [{"port": port, "protocol": "TCP", "targetPort": port}]},
            }))?;
        }
        Ok(())
    }

    fn batch(&mut self) -> ApiResult<()> {
        self.namespace("batch")?;
        let job_spec = |image: &str, cmd: &str| {
            json!({"backoffLimit": 2, "template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "task", "image": image, "command": ["sh", "-c", cmd]}]}}})
        };
        self.apply(json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "cleanup", "namespace": "batch"},
            "spec": {"schedule": "*/10 * * * *", "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                     "concurrencyPolicy": "Forbid",
                     "jobTemplate": {"spec": job_spec("busybox:1.37", "find /data -mtime +7 -delete")}},
        }))?;
        self.apply(json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "nightly-report", "namespace": "batch"},
            "spec": {"schedule": "0 2 * * *", "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                     "jobTemplate": {"spec": job_spec("ghcr.io/tug-demo/reports:0.9.3", "generate-report --yesterday")}},
        }))?;
        self.apply(json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "db-migrate-42", "namespace": "batch", "labels": {"app": "db-migrate"}},
            "spec": job_spec("ghcr.io/tug-demo/migrations:42", "migrate up"),
        }))?;
        Ok(())
    }

    /// Things that happened in the last hours: a long-running import and a pod that cannot be scheduled.
    fn recent(&mut self) -> ApiResult<()> {
        let mut import = json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "data-import", "namespace": "batch", "labels": {"app": "data-import"}},
            "spec": {"backoffLimit": 1, "template": {
                "metadata": {"annotations": {"sim.tug.dev/run-seconds": "1000000000"}},
                "spec": {"restartPolicy": "Never",
                         "containers": [{"name": "import", "image": "ghcr.io/tug-demo/importer:3.2",
                                         "args": ["--source", "s3://shop-exports/latest"]}]}}},
        });
        import["spec"]["parallelism"] = json!(2);
        import["spec"]["completions"] = json!(4);
        self.apply(import)?;
        self.apply(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "gpu-worker", "namespace": "shop", "labels": {"app": "gpu-worker"}},
            "spec": {"nodeSelector": {"accelerator": "nvidia-h100"},
                     "containers": [{"name": "worker", "image": "ghcr.io/tug-demo/recommender:0.3",
                                     "resources": {"requests": {"cpu": "2", "memory": "8Gi"}}}]},
        }))?;
        Ok(())
    }

    /// `--pods N`: pods created directly Running, spread over load namespaces and the worker nodes.
    fn load(&mut self, n: usize, namespaces: usize) -> ApiResult<()> {
        if n == 0 {
            return Ok(());
        }
        for i in 0..namespaces.min(n) {
            self.namespace(&format!("load-{i}"))?;
        }
        let pods = self.ctx.kinds.pods.clone();
        let now = self.ctx.now_str();
        for i in 0..n {
            let (ns, name) = load_pod_name_in(i, namespaces);
            let app = format!("app-{}", i % 50);
            let node = NODES[1 + i % 2];
            let pod = json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": ns,
                             "labels": {"app": app, "load": "true"}},
                "spec": {"nodeName": node, "containers": [{"name": "main", "image": "nginx:1.27"}]},
                "status": {
                    "phase": "Running", "startTime": now, "hostIP": node_ip(1 + i % 2),
                    "podIP": format!("10.244.{}.{}", 1 + i % 2 * 8 + i / 60_000, 2 + (i / 2) % 250),
                    "conditions": [
                        {"type": "Initialized", "status": "True", "lastTransitionTime": now},
                        {"type": "Ready", "status": "True", "lastTransitionTime": now},
                        {"type": "ContainersReady", "status": "True", "lastTransitionTime": now},
                        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
                    ],
                    "containerStatuses": [{"name": "main", "image": "nginx:1.27", "ready": true, "started": true,
                                           "restartCount": 0, "state": {"running": {"startedAt": now}}}],
                },
            });
            self.ctx.create(&pods, &ns, pod)?;
        }
        Ok(())
    }
}

/// The namespace and name of the `i`th `--pods` load pod, with the default number of load namespaces.
pub fn load_pod_name(i: usize) -> (String, String) {
    load_pod_name_in(i, LOAD_NAMESPACES)
}

/// The namespace and name of the `i`th `--pods` load pod when they are spread over `namespaces` namespaces.
pub fn load_pod_name_in(i: usize, namespaces: usize) -> (String, String) {
    (
        format!("load-{}", i % namespaces.max(1)),
        format!("app-{}-{i:05}", i % 50),
    )
}

fn split_api_version(av: &str) -> (&str, &str) {
    match av.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", av),
    }
}

fn node_ip(i: usize) -> String {
    format!("172.18.0.{}", 2 + i)
}

fn node_object(name: &str, i: usize) -> Value {
    let control_plane = i == 0;
    let mut labels = json!({
        "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64",
    });
    if control_plane {
        labels["node-role.kubernetes.io/control-plane"] = json!("");
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = json!("");
    }
    let taints = if control_plane {
        json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}])
    } else {
        Value::Null
    };
    let capacity = json!({"cpu": "8", "memory": "32859416Ki", "pods": "110", "ephemeral-storage": "102626232Ki",
                          "hugepages-2Mi": "0"});
    let mut node = json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels,
                     "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                     "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": {"podCIDR": format!("10.244.{i}.0/24"), "podCIDRs": [format!("10.244.{i}.0/24")],
                 "providerID": format!("kind://docker/tug/{name}")},
        "status": {
            "capacity": capacity, "allocatable": capacity,
            "addresses": [{"type": "InternalIP", "address": node_ip(i)}, {"type": "Hostname", "address": name}],
            "conditions": [
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "message": "kubelet has sufficient memory available"},
                {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure", "message": "kubelet has no disk pressure"},
                {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID", "message": "kubelet has sufficient PID available"},
                {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64", "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)", "kernelVersion": "6.1.0-27-amd64",
                "containerRuntimeVersion": "containerd://1.7.24", "kubeletVersion": "v1.33.0",
                "kubeProxyVersion": "v1.33.0",
                "machineID": format!("{:032x}", super::controllers::fnv1a(name.as_bytes())),
                "systemUUID": format!("{:032x}", super::controllers::fnv1a(format!("uuid-{name}").as_bytes())),
                "bootID": format!("{:032x}", super::controllers::fnv1a(format!("boot-{name}").as_bytes())),
            },
        },
    });
    if !taints.is_null() {
        node["spec"]["taints"] = taints;
    }
    node
}

fn deployment(
    ns: &str,
    name: &str,
    replicas: i64,
    labels: &[(&str, &str)],
    pod_spec: Value,
    cause: Option<&str>,
) -> Value {
    let labels: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let selector: serde_json::Map<String, Value> = labels
        .iter()
        .take(1)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut d = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": labels.clone(), "annotations": {}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": selector},
                 "template": {"metadata": {"labels": labels}, "spec": pod_spec}},
    });
    if let Some(c) = cause {
        d["metadata"]["annotations"]["kubernetes.io/change-cause"] = json!(c);
    }
    d
}

fn daemonset(ns: &str, name: &str, labels: &[(&str, &str)], pod_spec: Value) -> Value {
    let labels: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": ns, "labels": labels.clone()},
        "spec": {"selector": {"matchLabels": labels.clone()},
                 "template": {"metadata": {"labels": labels}, "spec": pod_spec}},
    })
}
