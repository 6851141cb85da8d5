//! The scheduler: binds each unscheduled pod to the least loaded Ready, schedulable node it fits on.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::events;
use super::podutil::{node_is_ready, selects, tolerates};
use crate::sim::cluster::{Cluster, rt};

/// Pods a node takes at most (the kubelet's default max-pods).
const MAX_PODS: usize = 110;

/// Pure: the node for `pod` among `nodes` with their current pod counts, or why none fits.
pub fn choose_node<'a>(pod: &Value, nodes: &'a [(Value, usize)]) -> Result<&'a str, String> {
    let fits = |node: &Value, count: usize| {
        node_is_ready(node)
            && node["spec"]["unschedulable"] != true
            && count < MAX_PODS
            && tolerates(&pod["spec"]["tolerations"], node)
            && selects(&pod["spec"]["nodeSelector"], node)
    };
    nodes
        .iter()
        .filter(|(n, c)| fits(n, *c))
        .min_by_key(|(n, c)| (*c, n["metadata"]["name"].as_str().unwrap_or_default().to_string()))
        .and_then(|(n, _)| n["metadata"]["name"].as_str())
        .ok_or_else(|| {
            let unschedulable = nodes.iter().filter(|(n, _)| n["spec"]["unschedulable"] == true).count();
            let not_ready = nodes.iter().filter(|(n, _)| !node_is_ready(n)).count();
            format!(
                "0/{} nodes are available: {unschedulable} node(s) were unschedulable, {not_ready} node(s) were not ready. preemption: 0/{} nodes are available: {} Preemption is not helpful for scheduling.",
                nodes.len(),
                nodes.len(),
                nodes.len()
            )
        })
}

/// Schedules the given unscheduled pods; returns those bound.
pub fn schedule(cluster: &Cluster, pending: &[(String, String)]) -> Vec<(String, String)> {
    if pending.is_empty() {
        return Vec::new();
    }
    let pods = rt("", "pods");
    let (nodes, _) = cluster.store.list(rt("", "nodes"), None, None);
    let mut counts: HashMap<String, usize> = HashMap::new();
    for p in cluster.store.list(pods, None, None).0.iter() {
        if let Some(n) = p.field("spec.nodeName").filter(|n| !n.is_empty()) {
            *counts.entry(n.to_string()).or_default() += 1;
        }
    }
    let mut nodes: Vec<(Value, usize)> = nodes
        .iter()
        .map(|n| {
            let count = counts.get(&n.name).copied().unwrap_or(0);
            (n.value(), count)
        })
        .collect();
    let mut bound = Vec::new();
    for (ns, name) in pending {
        let Some(pod) = cluster.store.try_get(pods, ns, name) else {
            continue;
        };
        let value = pod.value();
        if pod.terminating
            || value["spec"]["nodeName"]
                .as_str()
                .is_some_and(|n| !n.is_empty())
        {
            continue;
        }
        let now = crate::sim::store::now_rfc3339();
        match choose_node(&value, &nodes) {
            Ok(node) => {
                let node = node.to_string();
                let _ = cluster.store.update(pods, ns, name, |p| {
                    p["spec"]["nodeName"] = json!(node);
                    p["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now}]);
                    Ok(true)
                });
                events::record(
                    cluster,
                    &value,
                    "Normal",
                    "Scheduled",
                    &format!("Successfully assigned {ns}/{name} to {node}"),
                    "default-scheduler",
                );
                if let Some(entry) = nodes
                    .iter_mut()
                    .find(|(n, _)| n["metadata"]["name"] == node.as_str())
                {
                    entry.1 += 1;
                }
                bound.push((ns.clone(), name.clone()));
            }
            Err(why) => {
                let already = value["status"]["conditions"].as_array().is_some_and(|c| {
                    c.iter()
                        .any(|c| c["reason"] == "Unschedulable" && c["message"] == why.as_str())
                });
                if !already {
                    let _ = cluster.store.update(pods, ns, name, |p| {
                        p["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "False", "lastProbeTime": null, "lastTransitionTime": now, "reason": "Unschedulable", "message": why}]);
                        Ok(true)
                    });
                    events::record(
                        cluster,
                        &value,
                        "Warning",
                        "FailedScheduling",
                        &why,
                        "default-scheduler",
                    );
                }
            }
        }
    }
    bound
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, ready: bool, unschedulable: bool) -> Value {
        json!({"metadata":{"name":name,"labels":{"kubernetes.io/os":"linux"}},"spec":{"unschedulable":unschedulable},"status":{"conditions":[{"type":"Ready","status":if ready {"True"} else {"Unknown"}}]}})
    }

    #[test]
    fn picks_least_loaded_ready_schedulable_node() {
        let nodes = vec![
            (node("a", true, false), 5),
            (node("b", true, false), 2),
            (node("c", false, false), 0),
            (node("d", true, true), 0),
        ];
        assert_eq!(choose_node(&json!({"spec":{}}), &nodes).unwrap(), "b");
    }

    #[test]
    fn no_fitting_node_explains_why() {
        let nodes = vec![(node("a", true, true), 0)];
        let err = choose_node(&json!({"spec":{}}), &nodes).unwrap_err();
        assert!(err.starts_with("0/1 nodes are available: 1 node(s) were unschedulable"));
    }

    #[test]
    fn node_selector_is_honoured() {
        let nodes = vec![(node("a", true, false), 0)];
        let pod = json!({"spec":{"nodeSelector":{"kubernetes.io/os":"windows"}}});
        assert!(choose_node(&pod, &nodes).is_err());
    }
}
