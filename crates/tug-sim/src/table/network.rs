//! Printers of the kinds that route traffic: services and endpoints (core), ingresses, ingress classes and
//! network policies (`networking.k8s.io`).

use serde_json::{Value, json};

use super::{
    AGE, Column, NAME, Printer, Row, int, items, label_map, len, load_balancer_ips, s,
    selector_string, str_or,
};

pub(super) const PRINTERS: &[Printer] = &[
    Printer {
        kinds: &[("", "services")],
        columns: &[
            NAME,
            Column::string("Type", |r| json!(service_type(r))),
            Column::string("Cluster-IP", |r| str_or(&r.spec()["clusterIP"], "<none>")),
            Column::string("External-IP", service_external_ips),
            Column::string("Port(s)", service_ports),
            AGE,
            Column::string("Selector", |r| json!(label_map(&r.spec()["selector"]))).wide(),
        ],
    },
    Printer {
        kinds: &[("", "endpoints")],
        columns: &[
            NAME,
            Column::string("Endpoints", |r| json!(format_endpoints(r.obj))),
            AGE,
        ],
    },
    Printer {
        kinds: &[("networking.k8s.io", "ingresses")],
        columns: &[
            NAME,
            Column::string("Class", |r| str_or(&r.spec()["ingressClassName"], "<none>")),
            Column::string("Hosts", ingress_hosts),
            Column::string("Address", |r| {
                json!(load_balancer_ips(&r.status()["loadBalancer"]).join(","))
            }),
            Column::string("Ports", |r| {
                json!(if len(&r.spec()["tls"]) > 0 {
                    "80, 443"
                } else {
                    "80"
                })
            }),
            AGE,
        ],
    },
    Printer {
        kinds: &[("networking.k8s.io", "ingressclasses")],
        columns: &[
            NAME,
            Column::string("Controller", |r| str_or(&r.spec()["controller"], "<none>")),
            Column::string("Parameters", |_| json!("<none>")),
            AGE,
        ],
    },
    Printer {
        kinds: &[("networking.k8s.io", "networkpolicies")],
        columns: &[
            NAME,
            Column::string("Pod-Selector", |r| {
                json!(selector_string(&r.spec()["podSelector"], "<none>"))
            }),
            AGE,
        ],
    },
];

fn service_type<'a>(r: &Row<'a>) -> &'a str {
    let kind = s(&r.obj["spec"]["type"]);
    if kind.is_empty() { "ClusterIP" } else { kind }
}

fn service_external_ips(r: &Row) -> Value {
    let spec = r.spec();
    let external_ips: Vec<&str> = items(&spec["externalIPs"])
        .filter_map(Value::as_str)
        .collect();
    let external = match service_type(r) {
        "ClusterIP" | "NodePort" if external_ips.is_empty() => "<none>".to_string(),
        "ClusterIP" | "NodePort" => external_ips.join(","),
        "LoadBalancer" => {
            let mut all = load_balancer_ips(&r.status()["loadBalancer"]);
            all.extend(external_ips.iter().map(|x| x.to_string()));
            if all.is_empty() {
                "<pending>".into()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => s(&spec["externalName"]).to_string(),
        _ => "<unknown>".into(),
    };
    json!(external)
}

fn service_ports(r: &Row) -> Value {
    let ports: Vec<String> = items(&r.spec()["ports"])
        .map(|p| {
            let proto = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64().filter(|n| *n > 0) {
                Some(np) => format!("{}:{np}/{proto}", int(&p["port"])),
                None => format!("{}/{proto}", int(&p["port"])),
            }
        })
        .collect();
    json!(if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    })
}

/// Up to four hosts, then `+ N more...`; `*` for none.
fn ingress_hosts(r: &Row) -> Value {
    let hosts: Vec<&str> = items(&r.spec()["rules"])
        .filter_map(|rule| rule["host"].as_str())
        .collect();
    json!(match hosts.len() {
        0 => "*".to_string(),
        n if n > 4 => format!("{} + {} more...", hosts[..4].join(","), n - 4),
        _ => hosts.join(","),
    })
}

/// `formatEndpoints`: up to three `ip:port`, then `+ N more...`.
pub(super) fn format_endpoints(ep: &Value) -> String {
    let subsets: Vec<&Value> = items(&ep["subsets"]).collect();
    if subsets.is_empty() {
        return "<none>".into();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = vec![];
    let mut more = false;
    let mut count = 0;
    for ss in subsets {
        let addrs: Vec<&str> = items(&ss["addresses"])
            .filter_map(|a| a["ip"].as_str())
            .collect();
        // Without ports, kubectl lists the bare addresses.
        let mut ports: Vec<Option<i64>> =
            items(&ss["ports"]).map(|p| Some(int(&p["port"]))).collect();
        if ports.is_empty() {
            ports.push(None);
        }
        for port in ports {
            count += addrs.len();
            for a in &addrs {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(match port {
                    None => a.to_string(),
                    Some(port) if a.contains(':') => format!("[{a}]:{port}"),
                    Some(port) => format!("{a}:{port}"),
                });
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}
