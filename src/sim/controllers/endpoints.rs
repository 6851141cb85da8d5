//! The endpoints controller: a Service's Endpoints list the IPs of its ready and unready pods.

use serde_json::{Value, json};

use super::podutil::is_ready;
use crate::selector::LabelSelector;
use crate::sim::cluster::{Cluster, rt};

/// The container port a service port targets on `pod` (named target ports resolve by name).
pub fn target_port(service_port: &Value, pod: &Value) -> Option<i64> {
    match &service_port["targetPort"] {
        Value::Number(n) => n.as_i64(),
        Value::String(name) => pod["spec"]["containers"]
            .as_array()?
            .iter()
            .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
            .find(|p| p["name"] == name.as_str())
            .and_then(|p| p["containerPort"].as_i64()),
        _ => service_port["port"].as_i64(),
    }
}

pub fn reconcile(cluster: &Cluster, ns: &str, name: &str) {
    let eps = rt("", "endpoints");
    let Some(svc) = cluster.store.try_get(rt("", "services"), ns, name) else {
        let _ = cluster.store.remove(eps, ns, name);
        return;
    };
    let svc = svc.value();
    if !svc["spec"]["selector"].is_object() {
        return;
    }
    let selector = LabelSelector::from_match_labels(&svc["spec"]["selector"]);
    let pods: Vec<Value> = cluster
        .store
        .list(rt("", "pods"), Some(ns), None)
        .0
        .iter()
        .filter(|p| selector.matches(p) && !p.terminating)
        .map(|p| p.value())
        .filter(|p| p["status"]["podIP"].is_string())
        .collect();
    let address = |p: &Value| json!({"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"], "targetRef": {"kind": "Pod", "namespace": ns, "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}});
    let ready: Vec<Value> = pods.iter().filter(|p| is_ready(p)).map(address).collect();
    let not_ready: Vec<Value> = pods.iter().filter(|p| !is_ready(p)).map(address).collect();
    let ports: Vec<Value> = svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|sp| {
            let port = pods
                .first()
                .and_then(|p| target_port(sp, p))
                .or_else(|| sp["targetPort"].as_i64())
                .unwrap_or(0);
            let mut p = json!({"port": port, "protocol": sp["protocol"]});
            if let Some(n) = sp["name"].as_str() {
                p["name"] = json!(n);
            }
            p
        })
        .collect();
    let mut subset = json!({"ports": ports});
    if !ready.is_empty() {
        subset["addresses"] = json!(ready);
    }
    if !not_ready.is_empty() {
        subset["notReadyAddresses"] = json!(not_ready);
    }
    let subsets = if pods.is_empty() {
        json!([])
    } else {
        json!([subset])
    };
    if cluster.store.try_get(eps, ns, name).is_none() {
        let _ = cluster.store.create(eps, json!({"metadata": {"name": name, "namespace": ns, "labels": svc["metadata"]["labels"]}, "subsets": subsets}));
    } else {
        let _ = cluster.store.update(eps, ns, name, |v| {
            v["subsets"] = subsets;
            Ok(true)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_target_ports_resolve_from_containers() {
        let pod = json!({"spec":{"containers":[{"ports":[{"name":"http","containerPort":8080}]}]}});
        assert_eq!(
            target_port(&json!({"port":80,"targetPort":"http"}), &pod),
            Some(8080)
        );
        assert_eq!(
            target_port(&json!({"port":80,"targetPort":9090}), &pod),
            Some(9090)
        );
    }
}
