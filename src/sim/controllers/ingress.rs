//! Load balancers and ingress status. The cloud's service controller gives each LoadBalancer
//! Service an address; an ingress controller (a Deployment running with `--controller-class`
//! and `--publish-service`, as ingress-nginx does) copies that Service's address into the
//! status of every Ingress of its IngressClass, once it has a pod available.

use serde_json::{Value, json};

use super::events;
use crate::sim::cluster::{Cluster, rt};

const DEFAULT_CONTROLLER_CLASS: &str = "k8s.io/ingress-nginx";

/// The address the cloud assigns the `n`-th load balancer of a cluster (pure; TEST-NET-3).
pub fn load_balancer_ip(cluster: &str, n: usize) -> String {
    let base = cluster
        .bytes()
        .fold(0usize, |a, b| a.wrapping_add(b as usize))
        % 100;
    format!("203.0.113.{}", 10 + (base + n) % 240)
}

/// Gives every LoadBalancer Service without an address one, as the cloud controller does.
pub fn reconcile_load_balancers(cluster: &Cluster) {
    let services = rt("", "services");
    let all = cluster.store.list(services, None, None).0;
    let mut assigned = all
        .iter()
        .filter(|s| s.json.contains("\"ingress\":[{"))
        .count();
    for s in all.iter().filter(|s| !s.terminating) {
        let v = s.value();
        if v["spec"]["type"] != "LoadBalancer" || v["status"]["loadBalancer"]["ingress"].is_array()
        {
            continue;
        }
        events::record(
            cluster,
            &v,
            "Normal",
            "EnsuringLoadBalancer",
            "Ensuring load balancer",
            "service-controller",
        );
        let ip = load_balancer_ip(&cluster.name, assigned);
        assigned += 1;
        if let Ok(s) = cluster.store.update(services, &s.namespace, &s.name, |v| {
            v["status"]["loadBalancer"] = json!({"ingress": [{"ip": ip, "ipMode": "VIP"}]});
            Ok(true)
        }) {
            events::record(
                cluster,
                &s.value(),
                "Normal",
                "EnsuredLoadBalancer",
                "Ensured load balancer",
                "service-controller",
            );
        }
    }
}

/// `--flag=value` among a container's args (pure).
pub fn flag<'a>(args: &'a Value, name: &str) -> Option<&'a str> {
    args.as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find_map(|a| a.strip_prefix(name)?.strip_prefix('='))
}

/// Ingress controllers running in the cluster: (controller class, namespace/name of the Service they publish).
fn controllers(cluster: &Cluster) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for d in cluster.store.list(rt("apps", "deployments"), None, None).0 {
        if !d.json.contains("--publish-service=") {
            continue;
        }
        let v = d.value();
        if v["status"]["availableReplicas"].as_i64().unwrap_or(0) < 1 {
            continue;
        }
        for c in v["spec"]["template"]["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(publish) = flag(&c["args"], "--publish-service") {
                let class =
                    flag(&c["args"], "--controller-class").unwrap_or(DEFAULT_CONTROLLER_CLASS);
                let publish = publish.replace("$(POD_NAMESPACE)", &d.namespace);
                out.push((class.to_string(), publish));
            }
        }
    }
    out
}

/// Publishes load balancer addresses into the status of every Ingress whose class has a running controller.
pub fn reconcile_ingresses(cluster: &Cluster) {
    let ingresses = rt("networking.k8s.io", "ingresses");
    let all = cluster.store.list(ingresses, None, None).0;
    if all.is_empty() {
        return;
    }
    let running = controllers(cluster);
    let classes = rt("networking.k8s.io", "ingressclasses");
    for ing in all.iter().filter(|i| !i.terminating) {
        let v = ing.value();
        let class_name = v["spec"]["ingressClassName"]
            .as_str()
            .or_else(|| v["metadata"]["annotations"]["kubernetes.io/ingress.class"].as_str());
        let Some(class) = class_name.and_then(|c| cluster.store.try_get(classes, "", c)) else {
            continue;
        };
        let controller = class.value()["spec"]["controller"].clone();
        let Some((_, publish)) = running.iter().find(|(c, _)| controller == c.as_str()) else {
            continue;
        };
        let (svc_ns, svc_name) = publish.split_once('/').unwrap_or(("default", publish));
        let Some(svc) = cluster.store.try_get(rt("", "services"), svc_ns, svc_name) else {
            continue;
        };
        let lb = svc.value()["status"]["loadBalancer"]["ingress"].clone();
        let Some(addresses) = lb.as_array().filter(|a| !a.is_empty()) else {
            continue;
        };
        // The Ingress status carries ip/hostname and ports, not the Service's ipMode.
        let addresses: Vec<Value> = addresses
            .iter()
            .map(|a| {
                let mut a = a.clone();
                a.as_object_mut().map(|m| m.remove("ipMode"));
                a
            })
            .collect();
        if v["status"]["loadBalancer"]["ingress"] == json!(addresses) {
            continue;
        }
        if let Ok(updated) = cluster
            .store
            .update(ingresses, &ing.namespace, &ing.name, |v| {
                v["status"] = json!({"loadBalancer": {"ingress": addresses}});
                Ok(true)
            })
        {
            events::record(
                cluster,
                &updated.value(),
                "Normal",
                "Sync",
                "Scheduled for sync",
                "nginx-ingress-controller",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controller_flags_are_read_from_args() {
        let args = json!([
            "/nginx-ingress-controller",
            "--publish-service=$(POD_NAMESPACE)/nginx-ingress",
            "--controller-class=k8s.io/ingress-nginx"
        ]);
        assert_eq!(
            flag(&args, "--publish-service"),
            Some("$(POD_NAMESPACE)/nginx-ingress")
        );
        assert_eq!(
            flag(&args, "--controller-class"),
            Some("k8s.io/ingress-nginx")
        );
        assert_eq!(flag(&args, "--ingress-class"), None);
    }

    #[test]
    fn load_balancers_get_distinct_documentation_addresses() {
        assert_ne!(load_balancer_ip("prod", 0), load_balancer_ip("prod", 1));
        assert!(load_balancer_ip("stg", 0).starts_with("203.0.113."));
    }
}
