//! The cluster network as a container sees it: services with their ClusterIPs and endpoints,
//! pod IPs, and what happens to a TCP connection to an address (kube-proxy's service
//! translation, then the NetworkPolicies of both ends). A snapshot of the store, so the
//! decisions below are pure functions of it.

use serde_json::Value;

use super::netpol::{self, Endpoint};
use crate::selector::LabelSelector;
use crate::sim::cluster::rt;
use crate::sim::store::Store;

/// The cluster DNS address when the cluster has no `kube-system/kube-dns` service.
pub const DEFAULT_DNS_IP: &str = "100.64.0.10";

#[derive(Debug, Default, Clone)]
pub struct Network {
    pub services: Vec<Value>,
    pub pods: Vec<Value>,
    pub namespaces: Vec<Value>,
    pub policies: Vec<Value>,
}

/// What a TCP connection attempt ends in.
#[derive(Debug, Clone, PartialEq)]
pub enum Connect {
    /// Accepted by `pod` on `port` (after any service translation).
    Open { pod: Value, port: u16 },
    /// Nothing listens there (or a service without ready endpoints): RST at once.
    Refused,
    /// Packets are dropped: a NetworkPolicy, an unknown address, a port the service lacks.
    TimedOut,
}

fn values(store: &Store, group: &str, plural: &str) -> Vec<Value> {
    store
        .list(rt(group, plural), None, None)
        .0
        .iter()
        .map(|o| o.value())
        .collect()
}

fn running(pod: &Value) -> bool {
    pod["status"]["phase"] == "Running"
        && pod["status"]["podIP"].is_string()
        && pod["metadata"]["deletionTimestamp"].is_null()
}

fn ready(pod: &Value) -> bool {
    running(pod)
        && pod["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

pub fn is_headless(svc: &Value) -> bool {
    svc["spec"]["clusterIP"]
        .as_str()
        .is_none_or(|ip| ip.is_empty() || ip == "None")
}

impl Network {
    pub fn snapshot(store: &Store) -> Network {
        Network {
            services: values(store, "", "services"),
            pods: values(store, "", "pods"),
            namespaces: values(store, "", "namespaces"),
            policies: values(store, "networking.k8s.io", "networkpolicies"),
        }
    }

    pub fn service(&self, ns: &str, name: &str) -> Option<&Value> {
        self.services
            .iter()
            .find(|s| s["metadata"]["namespace"] == ns && s["metadata"]["name"] == name)
    }

    pub fn dns_ip(&self) -> String {
        self.service("kube-system", "kube-dns")
            .and_then(|s| s["spec"]["clusterIP"].as_str())
            .unwrap_or(DEFAULT_DNS_IP)
            .to_string()
    }

    /// Ready pods behind a service's selector (its endpoints), in name order.
    pub fn endpoints(&self, svc: &Value) -> Vec<&Value> {
        let Some(selector) = svc["spec"]["selector"]
            .as_object()
            .filter(|s| !s.is_empty())
        else {
            return Vec::new();
        };
        let sel = LabelSelector::from_match_labels(&Value::Object(selector.clone()));
        let ns = &svc["metadata"]["namespace"];
        let mut pods: Vec<&Value> = self
            .pods
            .iter()
            .filter(|p| &p["metadata"]["namespace"] == ns && ready(p))
            .filter(|p| {
                let labels = &p["metadata"]["labels"];
                sel.matches_with(|k| labels.get(k).and_then(Value::as_str))
            })
            .collect();
        pods.sort_by_key(|p| {
            p["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        });
        pods
    }

    pub fn pod_by_ip(&self, ip: &str) -> Option<&Value> {
        self.pods
            .iter()
            .find(|p| running(p) && p["status"]["podIP"] == ip)
    }

    pub fn service_by_ip(&self, ip: &str) -> Option<&Value> {
        self.services
            .iter()
            .find(|s| !is_headless(s) && s["spec"]["clusterIP"] == ip)
    }

    fn namespace_labels(&self, ns: &str) -> Value {
        self.namespaces
            .iter()
            .find(|n| n["metadata"]["name"] == ns)
            .map(|n| n["metadata"]["labels"].clone())
            .unwrap_or(Value::Null)
    }

    /// A TCP connection from `from` (a pod) to `ip:port`.
    pub fn connect(&self, from: &Value, ip: &str, port: u16) -> Connect {
        let (pod, target_port) = if let Some(svc) = self.service_by_ip(ip) {
            let Some(sp) = svc["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["port"].as_u64() == Some(port as u64))
            else {
                return Connect::TimedOut;
            };
            let Some(pod) = self.endpoints(svc).into_iter().next() else {
                return Connect::Refused;
            };
            let target = match &sp["targetPort"] {
                Value::Number(n) => n.as_u64().map(|n| n as u16),
                Value::String(name) => container_port(pod, name),
                _ => Some(port),
            };
            let Some(target) = target else {
                return Connect::Refused;
            };
            (pod, target)
        } else if let Some(pod) = self.pod_by_ip(ip) {
            (pod, port)
        } else {
            return Connect::TimedOut;
        };
        let src_labels = self.labels_of_namespace_of(from);
        let dst_labels = self.labels_of_namespace_of(pod);
        let src = Endpoint {
            pod: from,
            namespace_labels: &src_labels,
        };
        let dst = Endpoint {
            pod,
            namespace_labels: &dst_labels,
        };
        if !netpol::allows(&self.policies, &src, &dst, target_port, "TCP") {
            return Connect::TimedOut;
        }
        if !listens(pod, target_port) {
            return Connect::Refused;
        }
        Connect::Open {
            pod: pod.clone(),
            port: target_port,
        }
    }

    fn labels_of_namespace_of(&self, pod: &Value) -> Value {
        self.namespace_labels(pod["metadata"]["namespace"].as_str().unwrap_or_default())
    }
}

/// The number of a named container port.
pub fn container_port(pod: &Value, name: &str) -> Option<u16> {
    pod["spec"]["containers"]
        .as_array()?
        .iter()
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .find(|p| p["name"] == name)
        .and_then(|p| p["containerPort"].as_u64())
        .map(|p| p as u16)
}

/// Whether something in the pod listens on `port`: its containers' declared ports.
fn listens(pod: &Value, port: u16) -> bool {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .any(|p| p["containerPort"].as_u64() == Some(port as u64))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A small network: kubeapps behind a service, postgres headless behind a deny policy.
    pub fn sample() -> Network {
        let ready = json!([{"type": "Ready", "status": "True"}]);
        let pod = |ns: &str, name: &str, app: &str, ip: &str, port: Option<(&str, u16)>| {
            let ports = port
                .map(|(n, p)| json!([{"name": n, "containerPort": p}]))
                .unwrap_or(json!([]));
            json!({"metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
                   "spec": {"hostname": name, "subdomain": if app == "postgres" { "postgres" } else { "" },
                            "containers": [{"name": app, "ports": ports}]},
                   "status": {"phase": "Running", "podIP": ip, "conditions": ready}})
        };
        Network {
            services: vec![
                json!({"metadata": {"name": "kube-dns", "namespace": "kube-system"}, "spec": {"clusterIP": "100.64.0.10", "ports": [{"port": 53, "protocol": "UDP"}]}}),
                json!({"metadata": {"name": "kubeapps", "namespace": "kubeapps"}, "spec": {"clusterIP": "100.64.5.6", "selector": {"app": "kubeapps"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}),
                json!({"metadata": {"name": "postgres", "namespace": "postgres"}, "spec": {"clusterIP": "None", "selector": {"app": "postgres"}, "ports": [{"port": 5432, "targetPort": "postgres"}]}}),
                json!({"metadata": {"name": "empty", "namespace": "kubeapps"}, "spec": {"clusterIP": "100.64.5.7", "selector": {"app": "nothing"}, "ports": [{"port": 80}]}}),
            ],
            pods: vec![
                pod(
                    "kubeapps",
                    "kubeapps-b",
                    "kubeapps",
                    "100.96.0.3",
                    Some(("http", 8080)),
                ),
                pod(
                    "kubeapps",
                    "kubeapps-a",
                    "kubeapps",
                    "100.96.0.2",
                    Some(("http", 8080)),
                ),
                pod(
                    "postgres",
                    "postgres-0",
                    "postgres",
                    "100.96.1.5",
                    Some(("postgres", 5432)),
                ),
                pod("prod", "busybox-1", "busybox", "100.96.2.2", None),
                pod("dev", "busybox-2", "busybox", "100.96.2.3", None),
            ],
            namespaces: ["kubeapps", "postgres", "prod", "dev", "kube-system"]
                .iter()
                .map(|n| {
                    let env = match *n {
                        "prod" | "postgres" => "prod",
                        "dev" => "dev",
                        _ => "common",
                    };
                    json!({"metadata": {"name": n, "labels": {"env": env}}})
                })
                .collect(),
            policies: vec![
                json!({"metadata": {"name": "default-deny-ingress", "namespace": "postgres"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
                json!({"metadata": {"name": "allow", "namespace": "postgres"}, "spec": {"podSelector": {"matchLabels": {"app": "postgres"}}, "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}}], "ports": [{"protocol": "TCP", "port": 5432}]}]}}),
            ],
        }
    }

    #[test]
    fn a_service_address_reaches_its_first_endpoint_on_the_target_port() {
        let net = sample();
        let from = net.pods[3].clone();
        match net.connect(&from, "100.64.5.6", 80) {
            Connect::Open { pod, port } => {
                assert_eq!(pod["metadata"]["name"], "kubeapps-a");
                assert_eq!(port, 8080);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(net.connect(&from, "100.64.5.6", 81), Connect::TimedOut);
        assert_eq!(net.connect(&from, "100.64.5.7", 80), Connect::Refused);
        assert_eq!(net.connect(&from, "100.96.0.2", 9999), Connect::Refused);
        assert_eq!(net.connect(&from, "8.8.8.8", 80), Connect::TimedOut);
    }

    #[test]
    fn network_policies_drop_denied_connections() {
        let net = sample();
        let prod = net.pods[3].clone();
        let dev = net.pods[4].clone();
        assert!(matches!(
            net.connect(&prod, "100.96.1.5", 5432),
            Connect::Open { .. }
        ));
        assert_eq!(net.connect(&dev, "100.96.1.5", 5432), Connect::TimedOut);
        assert_eq!(net.dns_ip(), "100.64.0.10");
    }
}
