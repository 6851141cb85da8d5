//! `metrics.k8s.io/v1beta1`, as metrics-server serves it: usage per node and per pod container,
//! plausible and slowly changing, computed when asked rather than stored.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::cluster::{Cluster, rt};
use super::error::ApiError;
use super::resources::ResourceType;

fn seed(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// A value in [0, 1) that drifts over minutes, different per object.
fn drift(name: &str, now: i64) -> f64 {
    let phase = (seed(name) % 1000) as f64 / 1000.0 * std::f64::consts::TAU;
    let t = now as f64 / 600.0;
    0.5 + 0.35 * (t + phase).sin() + 0.1 * (3.0 * t + 2.0 * phase).sin()
}

fn window(now: jiff::Timestamp) -> (String, &'static str) {
    let ts = now.round(jiff::Unit::Second).unwrap_or(now);
    (ts.to_string(), "15s")
}

fn container_usage(pod: &str, container: &str, now: i64) -> (i64, i64) {
    let d = drift(&format!("{pod}/{container}"), now).clamp(0.02, 1.0);
    let base = (seed(container) % 200) as f64;
    let cpu_millis = (1.0 + base * 0.5 * d) as i64;
    let mem_mib = (8.0 + base * 1.2 * d) as i64;
    (cpu_millis, mem_mib)
}

fn pod_metrics(pod: &Value, now: jiff::Timestamp) -> Option<Value> {
    if pod["status"]["phase"] != "Running" {
        return None;
    }
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let secs = now.as_second();
    let containers: Vec<Value> = pod["spec"]["containers"]
        .as_array()?
        .iter()
        .map(|c| {
            let cname = c["name"].as_str().unwrap_or_default();
            let (cpu, mem) = container_usage(name, cname, secs);
            json!({"name": cname, "usage": {"cpu": format!("{}n", cpu * 1_000_000), "memory": format!("{}Ki", mem * 1024)}})
        })
        .collect();
    let (timestamp, window) = window(now);
    Some(json!({
        "kind": "PodMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {"name": name, "namespace": pod["metadata"]["namespace"], "labels": pod["metadata"]["labels"], "creationTimestamp": timestamp},
        "timestamp": timestamp,
        "window": window,
        "containers": containers,
    }))
}

/// Usage per node: a base for the system plus each running pod's share. One pass over the
/// pods' indexed fields (no JSON parsing): with 5,000 nodes and 100,000 pods a per-node scan
/// would starve the simulator.
fn usage_by_node(cluster: &Cluster, now: i64) -> HashMap<String, (i64, i64)> {
    let (pods, _) = cluster.store.list(rt("", "pods"), None, None);
    let mut by_node: HashMap<String, (i64, i64)> = HashMap::new();
    for p in pods
        .iter()
        .filter(|p| p.field("status.phase") == Some("Running"))
    {
        let Some(node) = p.field("spec.nodeName").filter(|n| !n.is_empty()) else {
            continue;
        };
        let (cpu, mem) = container_usage(&p.name, "pod", now);
        let e = by_node.entry(node.to_string()).or_insert((100, 700));
        e.0 += cpu;
        e.1 += mem;
    }
    by_node
}

fn node_metrics(node: &Value, usage: &HashMap<String, (i64, i64)>, now: jiff::Timestamp) -> Value {
    let name = node["metadata"]["name"].as_str().unwrap_or_default();
    let (cpu, mem) = usage.get(name).copied().unwrap_or((100, 700));
    let (timestamp, window) = window(now);
    json!({
        "kind": "NodeMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {"name": name, "labels": node["metadata"]["labels"], "creationTimestamp": timestamp},
        "timestamp": timestamp,
        "window": window,
        "usage": {"cpu": format!("{}n", cpu * 1_000_000), "memory": format!("{}Ki", mem * 1024)},
    })
}

pub fn list(cluster: &Cluster, rt_: &ResourceType, ns: Option<&str>) -> Vec<Value> {
    let now = jiff::Timestamp::now();
    if rt_.kind == "NodeMetrics" {
        let (nodes, _) = cluster.store.list(rt("", "nodes"), None, None);
        let usage = usage_by_node(cluster, now.as_second());
        nodes
            .iter()
            .map(|n| node_metrics(&n.value(), &usage, now))
            .collect()
    } else {
        let (pods, _) = cluster.store.list(rt("", "pods"), ns, None);
        pods.iter()
            .filter_map(|p| pod_metrics(&p.value(), now))
            .collect()
    }
}

pub fn get(
    cluster: &Cluster,
    rt_: &'static ResourceType,
    ns: Option<&str>,
    name: &str,
) -> Result<Value, ApiError> {
    let now = jiff::Timestamp::now();
    if rt_.kind == "NodeMetrics" {
        let node = cluster
            .store
            .get(rt("", "nodes"), "", name)
            .map_err(|_| ApiError::not_found(rt_, name))?;
        Ok(node_metrics(
            &node.value(),
            &usage_by_node(cluster, now.as_second()),
            now,
        ))
    } else {
        let pod = cluster
            .store
            .get(rt("", "pods"), ns.unwrap_or_default(), name)
            .map_err(|_| ApiError::not_found(rt_, name))?;
        pod_metrics(&pod.value(), now).ok_or_else(|| ApiError::not_found(rt_, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_changes_slowly() {
        let (a, _) = container_usage("p", "c", 1_000_000);
        let (b, _) = container_usage("p", "c", 1_000_015);
        assert!((a - b).abs() <= 2, "{a} vs {b}");
    }

    #[test]
    fn pending_pods_have_no_metrics() {
        let pod = json!({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Pending"}});
        assert!(pod_metrics(&pod, jiff::Timestamp::now()).is_none());
    }
}
