//! Unit tests of the printers: kubectl's output for fixture objects, and every declared kind's columns and
//! cells lining up.

use serde_json::{Value, json};

use super::custom::json_path;
use super::network::format_endpoints;
use super::*;

fn now() -> jiff::Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

fn cells(group: &str, resource: &str, obj: Value) -> Vec<Value> {
    row_cells(
        &TableKind {
            group,
            resource,
            printer_columns: None,
        },
        &obj,
        now(),
    )
}

#[test]
fn a_crash_looping_pod_prints_like_kubectl() {
    let pod = json!({
        "metadata": {"name": "payments-1", "creationTimestamp": "2026-11-25T10:00:00Z"},
        "spec": {"nodeName": "w1", "containers": [{"name": "a"}, {"name": "b"}]},
        "status": {"phase": "Running", "podIP": "10.0.0.5", "containerStatuses": [
            {"name": "a", "ready": false, "restartCount": 4,
             "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-25T11:58:00Z"}}},
            {"name": "b", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2026-11-25T10:00:05Z"}}},
        ]},
    });
    assert_eq!(
        cells("", "pods", pod),
        vec![
            json!("payments-1"),
            json!("1/2"),
            json!("CrashLoopBackOff"),
            json!("4 (2m ago)"),
            json!("120m"),
            json!("10.0.0.5"),
            json!("w1"),
            json!("<none>"),
            json!("<none>")
        ]
    );
}

#[test]
fn pod_status_covers_init_completed_and_terminating() {
    let init = json!({
        "metadata": {"name": "p"},
        "spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "c"}]},
        "status": {"phase": "Pending", "initContainerStatuses": [
            {"name": "i1", "state": {"terminated": {"exitCode": 0}}},
            {"name": "i2", "state": {"running": {}}},
        ]},
    });
    assert_eq!(cells("", "pods", init)[2], json!("Init:1/2"));
    let done = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
        "status": {"phase": "Succeeded", "containerStatuses": [{"name": "c", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}});
    assert_eq!(cells("", "pods", done)[2], json!("Completed"));
    let killed = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
        "status": {"phase": "Failed", "containerStatuses": [{"name": "c", "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}});
    assert_eq!(cells("", "pods", killed)[2], json!("Signal:9"));
    let term = json!({"metadata": {"name": "p", "deletionTimestamp": "2026-11-25T12:00:00Z"}, "spec": {"containers": [{"name": "c"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": true, "state": {"running": {}}}]}});
    assert_eq!(
        cells("", "pods", term)[1..3],
        [json!("1/1"), json!("Terminating")]
    );
}

#[test]
fn services_print_ports_and_external_ips() {
    let lb = json!({"metadata": {"name": "web"}, "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.20",
        "selector": {"app": "web"},
        "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}]},
        "status": {"loadBalancer": {}}});
    let c = cells("", "services", lb);
    assert_eq!(
        c[1..5],
        [
            json!("LoadBalancer"),
            json!("10.96.0.20"),
            json!("<pending>"),
            json!("80:30080/TCP,443/TCP")
        ]
    );
    assert_eq!(c[6], json!("app=web"));
    let headless = json!({"metadata": {"name": "db"}, "spec": {"clusterIP": "None", "ports": []}});
    assert_eq!(
        cells("", "services", headless)[1..5],
        [
            json!("ClusterIP"),
            json!("None"),
            json!("<none>"),
            json!("<none>")
        ]
    );
}

#[test]
fn nodes_print_status_roles_and_addresses() {
    let node = json!({"metadata": {"name": "n", "labels": {"node-role.kubernetes.io/control-plane": ""}},
        "spec": {"unschedulable": true},
        "status": {"conditions": [{"type": "Ready", "status": "True"}],
                   "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}],
                   "nodeInfo": {"kubeletVersion": "v1.33.0", "osImage": "Debian", "kernelVersion": "6.1", "containerRuntimeVersion": "containerd://1.7"}}});
    let c = cells("", "nodes", node);
    assert_eq!(
        c[1..3],
        [json!("Ready,SchedulingDisabled"), json!("control-plane")]
    );
    assert_eq!(c[5..7], [json!("172.18.0.2"), json!("<none>")]);
}

#[test]
fn endpoints_show_three_then_more() {
    let ep = json!({"metadata": {"name": "e"}, "subsets": [{"addresses": [{"ip": "1.1.1.1"}, {"ip": "1.1.1.2"}, {"ip": "1.1.1.3"}, {"ip": "1.1.1.4"}],
        "ports": [{"port": 80}]}]});
    assert_eq!(
        format_endpoints(&ep),
        "1.1.1.1:80,1.1.1.2:80,1.1.1.3:80 + 1 more..."
    );
}

#[test]
fn custom_resources_use_printer_columns() {
    let cols = json!([
        {"name": "Database", "type": "string", "jsonPath": ".spec.database"},
        {"name": "Size", "type": "integer", "jsonPath": ".status.sizeBytes"},
        {"name": "Last-Run", "type": "date", "jsonPath": ".status.lastRun"},
        {"name": "Missing", "type": "string", "jsonPath": ".status.nope"},
    ]);
    let kind = TableKind {
        group: "shop.example.com",
        resource: "backups",
        printer_columns: Some(&cols),
    };
    let obj = json!({"metadata": {"name": "b1"}, "spec": {"database": "orders"},
                     "status": {"sizeBytes": 42, "lastRun": "2026-11-25T11:00:00Z"}});
    assert_eq!(
        row_cells(&kind, &obj, now()),
        vec![
            json!("b1"),
            json!("orders"),
            json!(42),
            json!("60m"),
            Value::Null
        ]
    );
    let names: Vec<Value> = column_definitions(&kind)
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![
            json!("Name"),
            json!("Database"),
            json!("Size"),
            json!("Last-Run"),
            json!("Missing")
        ]
    );
}

#[test]
fn json_path_handles_escapes_and_indexes() {
    let obj = json!({"metadata": {"labels": {"app.kubernetes.io/name": "x"}}, "spec": {"items": [{"a": 1}]}});
    assert_eq!(
        json_path(&obj, ".metadata.labels.app\\.kubernetes\\.io/name"),
        Some(&json!("x"))
    );
    assert_eq!(json_path(&obj, "{.spec.items[0].a}"), Some(&json!(1)));
    assert_eq!(json_path(&obj, ".spec.nope"), None);
}

/// Every (group, plural) some printer declares.
fn declared_kinds() -> Vec<(&'static str, &'static str)> {
    PRINTERS
        .iter()
        .flat_map(|area| area.iter())
        .flat_map(|p| p.kinds.iter().copied())
        .collect()
}

#[test]
fn every_declared_kind_is_a_built_in_resource_printed_once() {
    let builtins = crate::resources::builtins();
    let kinds = declared_kinds();
    for (i, (group, resource)) in kinds.iter().enumerate() {
        assert!(
            builtins
                .iter()
                .any(|r| r.group == *group && r.plural == *resource),
            "{group}/{resource} is not a built-in resource"
        );
        assert!(
            !kinds[i + 1..].contains(&(group, resource)),
            "{group}/{resource} has two printers"
        );
    }
}

#[test]
fn every_declared_kind_prints_one_cell_per_column() {
    let fixtures = [
        json!({}),
        json!({"metadata": {"name": "x", "namespace": "ns", "creationTimestamp": "2026-11-25T10:00:00Z",
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "d", "controller": true}]},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "x"}},
                        "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
               "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}),
    ];
    for (group, resource) in declared_kinds() {
        let kind = TableKind {
            group,
            resource,
            printer_columns: None,
        };
        let columns = column_definitions(&kind);
        for obj in &fixtures {
            let cells = row_cells(&kind, obj, now());
            assert_eq!(
                cells.len(),
                columns.len(),
                "{group}/{resource}: {cells:?} under {columns:?}"
            );
        }
        let names: Vec<&Value> = columns.iter().map(|c| &c["name"]).collect();
        for (i, name) in names.iter().enumerate() {
            assert!(
                !names[i + 1..].contains(name),
                "{group}/{resource} has two {name} columns"
            );
        }
    }
}

#[test]
fn kinds_without_a_printer_get_name_and_creation_time() {
    let kind = TableKind {
        group: "",
        resource: "bindings",
        printer_columns: None,
    };
    let obj = json!({"metadata": {"name": "b", "creationTimestamp": "2026-11-25T10:00:00Z"}});
    let names: Vec<Value> = column_definitions(&kind)
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("Name"), json!("Created At")]);
    assert_eq!(
        row_cells(&kind, &obj, now()),
        vec![json!("b"), json!("2026-11-25T10:00:00Z")]
    );
}
