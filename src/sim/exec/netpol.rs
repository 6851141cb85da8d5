//! NetworkPolicy decisions, as a conforming network plugin enforces them: a pod is isolated for
//! ingress (egress) once any policy of its namespace selects it with that policy type, and then
//! only connections some selecting policy's rule admits get through. Pure: objects in, a
//! verdict out.

use serde_json::Value;

use crate::selector::LabelSelector;

/// One end of a connection, as the policies see it.
pub struct Endpoint<'a> {
    pub pod: &'a Value,
    /// Labels of the pod's namespace.
    pub namespace_labels: &'a Value,
}

impl Endpoint<'_> {
    fn namespace(&self) -> &str {
        self.pod["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
    }

    fn ip(&self) -> &str {
        self.pod["status"]["podIP"].as_str().unwrap_or_default()
    }
}

fn selects(selector: &Value, labels: &Value) -> bool {
    let sel = LabelSelector::from_label_selector(selector);
    sel.matches_with(|k| labels.get(k).and_then(Value::as_str))
}

/// The policy types of a policy: as listed, else Ingress plus Egress when it has egress rules.
fn applies_to(policy: &Value, kind: &str) -> bool {
    match policy["spec"]["policyTypes"].as_array() {
        Some(types) => types.iter().any(|t| t == kind),
        None => kind == "Ingress" || policy["spec"]["egress"].is_array(),
    }
}

fn selects_pod(policy: &Value, pod: &Value) -> bool {
    policy["metadata"]["namespace"] == pod["metadata"]["namespace"]
        && selects(&policy["spec"]["podSelector"], &pod["metadata"]["labels"])
}

fn ipv4(s: &str) -> Option<u32> {
    s.parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

fn in_cidr(ip: &str, cidr: &str) -> bool {
    let (net, bits) = cidr.split_once('/').unwrap_or((cidr, "32"));
    let (Some(ip), Some(net), Ok(bits)) = (ipv4(ip), ipv4(net), bits.parse::<u32>()) else {
        return false;
    };
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits.min(32))
    };
    ip & mask == net & mask
}

/// Whether a `from`/`to` peer admits `other`, for a policy in namespace `policy_ns`.
fn peer_admits(peer: &Value, policy_ns: &str, other: &Endpoint) -> bool {
    if let Some(block) = peer.get("ipBlock") {
        let cidr = block["cidr"].as_str().unwrap_or_default();
        let excepted = block["except"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|e| in_cidr(other.ip(), e));
        return in_cidr(other.ip(), cidr) && !excepted;
    }
    let ns_ok = match peer.get("namespaceSelector") {
        Some(sel) => selects(sel, other.namespace_labels),
        None => other.namespace() == policy_ns,
    };
    let pod_ok = match peer.get("podSelector") {
        Some(sel) => selects(sel, &other.pod["metadata"]["labels"]),
        None => true,
    };
    ns_ok && pod_ok
}

/// The number a named container port of `pod` stands for.
fn named_port(pod: &Value, name: &str, protocol: &str) -> Option<i64> {
    pod["spec"]["containers"]
        .as_array()?
        .iter()
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .find(|p| p["name"] == name && p["protocol"].as_str().unwrap_or("TCP") == protocol)
        .and_then(|p| p["containerPort"].as_i64())
}

/// Whether a rule's `ports` admit `port`/`protocol` on the receiving pod `target`.
fn ports_admit(ports: &Value, target: &Value, port: u16, protocol: &str) -> bool {
    let Some(list) = ports.as_array().filter(|l| !l.is_empty()) else {
        return true;
    };
    list.iter().any(|p| {
        if p["protocol"].as_str().unwrap_or("TCP") != protocol {
            return false;
        }
        let start = match &p["port"] {
            Value::Null => return true,
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s
                .parse::<i64>()
                .ok()
                .or_else(|| named_port(target, s, protocol)),
            _ => None,
        };
        let Some(start) = start else { return false };
        let end = p["endPort"].as_i64().unwrap_or(start);
        (start..=end).contains(&(port as i64))
    })
}

/// Whether the policies let `source` open a connection to `port`/`protocol` of `target`.
pub fn allows(
    policies: &[Value],
    source: &Endpoint,
    target: &Endpoint,
    port: u16,
    protocol: &str,
) -> bool {
    let rules_admit = |kind: &str, subject: &Endpoint, other: &Endpoint, receiver: &Value| {
        let (rules_key, peers_key) = if kind == "Ingress" {
            ("ingress", "from")
        } else {
            ("egress", "to")
        };
        let selecting: Vec<&Value> = policies
            .iter()
            .filter(|p| applies_to(p, kind) && selects_pod(p, subject.pod))
            .collect();
        if selecting.is_empty() {
            return true;
        }
        selecting.iter().any(|p| {
            let ns = p["metadata"]["namespace"].as_str().unwrap_or_default();
            p["spec"][rules_key]
                .as_array()
                .into_iter()
                .flatten()
                .any(|rule| {
                    let peers_ok = match rule[peers_key].as_array() {
                        None => true,
                        Some(peers) if peers.is_empty() => true,
                        Some(peers) => peers.iter().any(|peer| peer_admits(peer, ns, other)),
                    };
                    peers_ok && ports_admit(&rule["ports"], receiver, port, protocol)
                })
        })
    };
    rules_admit("Egress", source, target, target.pod)
        && rules_admit("Ingress", target, source, target.pod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(ns: &str, app: &str, ip: &str) -> Value {
        json!({"metadata": {"name": format!("{app}-0"), "namespace": ns, "labels": {"app": app}},
               "spec": {"containers": [{"name": app, "ports": [{"name": "postgres", "containerPort": 5432}]}]},
               "status": {"podIP": ip}})
    }

    /// The seed scenario's postgres policies.
    fn seed_policies() -> Vec<Value> {
        vec![
            json!({"metadata": {"name": "default-deny-ingress", "namespace": "postgres"},
                   "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
            json!({"metadata": {"name": "allow-postgres-from-prod", "namespace": "postgres"},
                   "spec": {"podSelector": {"matchLabels": {"app": "postgres"}}, "policyTypes": ["Ingress"],
                            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}},
                                                  {"podSelector": {"matchLabels": {"app": "postgres"}}}],
                                         "ports": [{"protocol": "TCP", "port": 5432}]}]}}),
        ]
    }

    #[test]
    fn postgres_admits_prod_namespaces_on_its_port_only() {
        let policies = seed_policies();
        let prod_labels = json!({"env": "prod"});
        let dev_labels = json!({"env": "dev"});
        let pg = pod("postgres", "postgres", "100.96.1.5");
        let target = Endpoint {
            pod: &pg,
            namespace_labels: &prod_labels,
        };
        let prod_box = pod("prod", "busybox", "100.96.2.2");
        let dev_box = pod("dev", "busybox", "100.96.2.3");
        let from_prod = Endpoint {
            pod: &prod_box,
            namespace_labels: &prod_labels,
        };
        let from_dev = Endpoint {
            pod: &dev_box,
            namespace_labels: &dev_labels,
        };
        assert!(allows(&policies, &from_prod, &target, 5432, "TCP"));
        assert!(!allows(&policies, &from_prod, &target, 80, "TCP"));
        assert!(!allows(&policies, &from_dev, &target, 5432, "TCP"));
        assert!(!allows(&policies, &from_prod, &target, 5432, "UDP"));
    }

    #[test]
    fn unselected_pods_are_not_isolated_and_default_deny_isolates_everything_else() {
        let policies = seed_policies();
        let labels = json!({"env": "prod"});
        let other = pod("postgres", "backup", "100.96.1.9");
        let src = pod("dev", "busybox", "100.96.2.3");
        let dev = json!({"env": "dev"});
        let from = Endpoint {
            pod: &src,
            namespace_labels: &dev,
        };
        // Only default-deny selects the backup pod: nothing is admitted.
        assert!(!allows(
            &policies,
            &from,
            &Endpoint {
                pod: &other,
                namespace_labels: &labels
            },
            5432,
            "TCP"
        ));
        // No policy in the kubeapps namespace: open.
        let web = pod("kubeapps", "kubeapps", "100.96.3.3");
        assert!(allows(
            &policies,
            &from,
            &Endpoint {
                pod: &web,
                namespace_labels: &labels
            },
            8080,
            "TCP"
        ));
    }

    #[test]
    fn named_ports_ip_blocks_and_egress_rules() {
        let labels = json!({});
        let pg = pod("db", "postgres", "100.96.1.5");
        let src = pod("db", "client", "10.1.2.3");
        let policies = vec![json!({"metadata": {"namespace": "db"},
            "spec": {"podSelector": {"matchLabels": {"app": "postgres"}},
                     "ingress": [{"from": [{"ipBlock": {"cidr": "10.1.0.0/16", "except": ["10.1.9.0/24"]}}],
                                  "ports": [{"port": "postgres"}]}]}})];
        let target = Endpoint {
            pod: &pg,
            namespace_labels: &labels,
        };
        assert!(allows(
            &policies,
            &Endpoint {
                pod: &src,
                namespace_labels: &labels
            },
            &target,
            5432,
            "TCP"
        ));
        let excepted = pod("db", "client", "10.1.9.1");
        assert!(!allows(
            &policies,
            &Endpoint {
                pod: &excepted,
                namespace_labels: &labels
            },
            &target,
            5432,
            "TCP"
        ));
        let egress = vec![json!({"metadata": {"namespace": "db"},
            "spec": {"podSelector": {"matchLabels": {"app": "client"}}, "policyTypes": ["Egress"], "egress": []}})];
        assert!(!allows(
            &egress,
            &Endpoint {
                pod: &src,
                namespace_labels: &labels
            },
            &target,
            5432,
            "TCP"
        ));
    }
}
