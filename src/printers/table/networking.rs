//! Printers for how traffic reaches pods: Services and Endpoints (core/v1), Ingresses and
//! NetworkPolicies (networking.k8s.io/v1).

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Endpoints, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use serde_json::{Value, json};

use super::{
    AGE, NAME, Printer, age, col, format_label_selector, format_labels, name, non_empty,
    or_placeholder, parse, wide,
};

pub(super) static SERVICE: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Type",
            "string",
            "Type determines how the Service is exposed.",
        ),
        col(
            "Cluster-IP",
            "string",
            "The IP address of the service, usually assigned randomly.",
        ),
        col(
            "External-IP",
            "string",
            "Addresses through which the service is reachable from outside the cluster.",
        ),
        col(
            "Port(s)",
            "string",
            "The list of ports that are exposed by this service.",
        ),
        AGE,
        wide(
            "Selector",
            "string",
            "Route service traffic to pods with label keys and values matching this selector.",
        ),
    ],
    cells: |obj, now| parse(obj).map(|o| service_cells(&o, now)),
};

fn service_cells(svc: &Service, now: Timestamp) -> Vec<Value> {
    let spec = svc.spec.as_ref();
    let cluster_ip = spec
        .and_then(|s| s.cluster_ips.as_ref())
        .and_then(|ips| ips.first().cloned())
        .or_else(|| spec.and_then(|s| s.cluster_ip.clone()));
    let ports: Vec<String> = spec
        .and_then(|s| s.ports.as_deref())
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let proto = p.protocol.as_deref().unwrap_or("TCP");
            match p.node_port.filter(|&n| n > 0) {
                Some(node_port) => format!("{}:{node_port}/{proto}", p.port),
                None => format!("{}/{proto}", p.port),
            }
        })
        .collect();
    vec![
        name(&svc.metadata),
        json!(
            spec.and_then(|s| s.type_.clone())
                .unwrap_or_else(|| "ClusterIP".to_string())
        ),
        json!(or_placeholder(cluster_ip.as_deref(), "<none>")),
        json!(service_external_ip(svc)),
        json!(or_placeholder(Some(&ports.join(",")), "<none>")),
        age(&svc.metadata, now),
        json!(format_labels(spec.and_then(|s| s.selector.as_ref()))),
    ]
}

/// EXTERNAL-IP of a Service, by type.
fn service_external_ip(svc: &Service) -> String {
    let spec = svc.spec.as_ref();
    let external_ips = spec
        .and_then(|s| s.external_ips.clone())
        .unwrap_or_default();
    // The apiserver defaults an absent type to ClusterIP.
    match spec.and_then(|s| s.type_.as_deref()).unwrap_or("ClusterIP") {
        "ClusterIP" | "NodePort" if !external_ips.is_empty() => external_ips.join(","),
        "ClusterIP" | "NodePort" => "<none>".to_string(),
        "LoadBalancer" => {
            let ingress = svc
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_deref())
                .unwrap_or_default();
            let mut all = unique(ingress.iter().filter_map(|i| {
                non_empty(i.ip.as_deref()).or_else(|| non_empty(i.hostname.as_deref()))
            }));
            all.extend(external_ips);
            if all.is_empty() {
                "<pending>".to_string()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => spec
            .and_then(|s| s.external_name.clone())
            .unwrap_or_default(),
        _ => "<unknown>".to_string(),
    }
}

/// De-duplicate while keeping first-seen order (kubectl uses an unordered set here).
fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.iter().any(|o| o == i) {
            out.push(i.to_string());
        }
    }
    out
}

pub(super) static ENDPOINTS: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Endpoints",
            "string",
            "The set of all endpoints is the union of all subsets.",
        ),
        AGE,
    ],
    cells: |obj, now| {
        parse(obj).map(|o: Endpoints| {
            vec![
                name(&o.metadata),
                json!(format_endpoints(&o)),
                age(&o.metadata, now),
            ]
        })
    },
};

/// ENDPOINTS: up to three `ip:port` pairs, then `+ N more...`.
fn format_endpoints(ep: &Endpoints) -> String {
    const MAX: usize = 3;
    let subsets = ep.subsets.as_deref().unwrap_or_default();
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    let mut list: Vec<String> = Vec::new();
    let mut count = 0;
    for ss in subsets {
        let addrs = ss.addresses.as_deref().unwrap_or_default();
        let ports = ss.ports.as_deref().unwrap_or_default();
        if ports.is_empty() {
            // Headless services may have no ports; list bare addresses.
            count += addrs.len();
            list.extend(addrs.iter().map(|a| a.ip.clone()).take(MAX - list.len()));
            continue;
        }
        for port in ports {
            count += addrs.len();
            list.extend(
                addrs
                    .iter()
                    .map(|a| join_host_port(&a.ip, port.port))
                    .take(MAX - list.len()),
            );
        }
    }
    let joined = list.join(",");
    if count > MAX {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

/// `host:port`, bracketing IPv6 addresses.
fn join_host_port(host: &str, port: i32) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

pub(super) static INGRESS: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Class",
            "string",
            "The name of the IngressClass resource that should be used for additional configuration",
        ),
        col(
            "Hosts",
            "string",
            "Hosts that incoming requests are matched against before the ingress rule",
        ),
        col(
            "Address",
            "string",
            "Address is a list containing ingress points for the load-balancer",
        ),
        col("Ports", "string", "Ports of TLS configurations that open"),
        AGE,
    ],
    cells: |obj, now| parse(obj).map(|o| ingress_cells(&o, now)),
};

fn ingress_cells(ing: &Ingress, now: Timestamp) -> Vec<Value> {
    const MAX: usize = 3;
    let spec = ing.spec.as_ref();
    let rules = spec.and_then(|s| s.rules.as_deref()).unwrap_or_default();
    // Up to three non-empty hosts; "more" only once a fourth rule is reached.
    let mut hosts: Vec<&str> = Vec::new();
    let mut more = false;
    for rule in rules {
        if hosts.len() == MAX {
            more = true;
            break;
        }
        hosts.extend(non_empty(rule.host.as_deref()));
    }
    let hosts = if hosts.is_empty() {
        "*".to_string()
    } else if more {
        format!("{} + {} more...", hosts.join(","), rules.len() - MAX)
    } else {
        hosts.join(",")
    };
    let lb = ing
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_deref())
        .unwrap_or_default();
    let address =
        unique(lb.iter().filter_map(|i| {
            non_empty(i.ip.as_deref()).or_else(|| non_empty(i.hostname.as_deref()))
        }))
        .join(",");
    let has_tls = spec
        .and_then(|s| s.tls.as_ref())
        .is_some_and(|t| !t.is_empty());
    vec![
        name(&ing.metadata),
        json!(or_placeholder(
            spec.and_then(|s| s.ingress_class_name.as_deref()),
            "<none>"
        )),
        json!(hosts),
        json!(address),
        json!(if has_tls { "80, 443" } else { "80" }),
        age(&ing.metadata, now),
    ]
}

pub(super) static NETWORK_POLICY: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Pod-Selector",
            "string",
            "Selects the pods to which this NetworkPolicy object applies.",
        ),
        AGE,
    ],
    cells: |obj, now| {
        parse(obj).map(|o: NetworkPolicy| {
            let selector = o.spec.and_then(|s| s.pod_selector);
            vec![
                name(&o.metadata),
                json!(format_label_selector(selector.as_ref())),
                age(&o.metadata, now),
            ]
        })
    },
};

#[cfg(test)]
mod tests {
    use super::super::cells;
    use super::super::tests::{meta, now};
    use serde_json::{Value, json};

    #[test]
    fn service_rows_follow_service_type() {
        let svc = |spec: Value, status: Value| {
            cells(
                "Service",
                &json!({"metadata": meta("s"), "spec": spec, "status": status}),
                now(),
            )
        };
        let cluster = svc(
            json!({"type": "ClusterIP", "clusterIPs": ["10.96.0.10"], "selector": {"app": "web"},
                   "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}),
            json!({}),
        );
        assert_eq!(
            cluster,
            vec![
                json!("s"),
                json!("ClusterIP"),
                json!("10.96.0.10"),
                json!("<none>"),
                json!("53/UDP,53/TCP"),
                json!("5m12s"),
                json!("app=web"),
            ]
        );
        let node_port = svc(
            json!({"type": "NodePort", "clusterIP": "10.96.1.1",
                   "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}),
            json!({}),
        );
        assert_eq!(node_port[2], json!("10.96.1.1"));
        assert_eq!(node_port[4], json!("80:30080/TCP"));
        assert_eq!(node_port[6], json!("<none>"));
        let pending = svc(json!({"type": "LoadBalancer", "ports": []}), json!({}));
        assert_eq!(pending[3], json!("<pending>"));
        assert_eq!(pending[4], json!("<none>"));
        let lb = svc(
            json!({"type": "LoadBalancer", "externalIPs": ["1.2.3.4"]}),
            json!({"loadBalancer": {"ingress": [{"ip": "5.6.7.8"}, {"hostname": "lb.example.com"}]}}),
        );
        assert_eq!(lb[3], json!("5.6.7.8,lb.example.com,1.2.3.4"));
        let ext = svc(
            json!({"type": "ExternalName", "externalName": "db.example.com"}),
            json!({}),
        );
        assert_eq!(ext[3], json!("db.example.com"));
    }

    #[test]
    fn endpoints_list_three_then_summarise() {
        let ep = json!({"metadata": meta("web"), "subsets": [{
            "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "fd00::3"}, {"ip": "10.0.0.4"}],
            "ports": [{"port": 8080}]}]});
        assert_eq!(
            cells("Endpoints", &ep, now())[1],
            json!("10.0.0.1:8080,10.0.0.2:8080,[fd00::3]:8080 + 1 more...")
        );
        let none = json!({"metadata": meta("web")});
        assert_eq!(cells("Endpoints", &none, now())[1], json!("<none>"));
    }

    #[test]
    fn ingress_row_shows_class_hosts_and_ports() {
        let ing = json!({"metadata": meta("web"),
            "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["a.example.com"]}],
                "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "192.168.1.10"}]}}});
        assert_eq!(
            cells("Ingress", &ing, now())[1..5],
            [
                json!("nginx"),
                json!("a.example.com,b.example.com"),
                json!("192.168.1.10"),
                json!("80, 443")
            ]
        );
        let many = json!({"metadata": meta("web"), "spec": {"rules": [
            {}, {"host": "a"}, {"host": "b"}, {"host": "c"}, {"host": "d"}]}});
        assert_eq!(
            cells("Ingress", &many, now())[2],
            json!("a,b,c + 2 more...")
        );
        let three = json!({"metadata": meta("web"), "spec": {"rules": [
            {}, {"host": "a"}, {"host": "b"}, {"host": "c"}]}});
        assert_eq!(cells("Ingress", &three, now())[2], json!("a,b,c"));
        let bare = json!({"metadata": meta("any"), "spec": {"rules": [{}]}});
        assert_eq!(
            cells("Ingress", &bare, now())[1..5],
            [json!("<none>"), json!("*"), json!(""), json!("80")]
        );
    }

    #[test]
    fn network_policy_selecting_all_pods_shows_none() {
        let np = json!({"metadata": meta("deny"), "spec": {"podSelector": {}}});
        assert_eq!(cells("NetworkPolicy", &np, now())[1], json!("<none>"));
    }
}
