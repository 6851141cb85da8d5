//! The scheduler: binds each unscheduled pod to the least loaded Ready, schedulable node it fits on.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::events;
use super::podutil::{node_is_ready, selects, tolerates};
use crate::sim::cluster::{Cluster, rt};

/// Pods a node takes at most (the kubelet's default max-pods).
const MAX_PODS: usize = 110;

/// Why `node` cannot take `pod`, in the scheduler's words; None if it fits (pure).
pub fn unfit_reason(pod: &Value, node: &Value, count: usize) -> Option<String> {
    if node["spec"]["unschedulable"] == true {
        return Some("node(s) were unschedulable".into());
    }
    let untolerated = node["spec"]["taints"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| {
            !tolerates(
                &pod["spec"]["tolerations"],
                &json!({"spec": {"taints": [t]}}),
            )
        });
    if let Some(t) = untolerated {
        return Some(format!(
            "node(s) had untolerated taint {{{}: {}}}",
            t["key"].as_str().unwrap_or_default(),
            t["value"].as_str().unwrap_or_default()
        ));
    }
    if !node_is_ready(node) {
        return Some("node(s) had untolerated taint {node.kubernetes.io/not-ready: }".into());
    }
    if !selects(&pod["spec"]["nodeSelector"], node) {
        return Some("node(s) didn't match Pod's node affinity/selector".into());
    }
    (count >= MAX_PODS).then(|| "Too many pods".into())
}

/// The scheduler's FitError text: reasons counted per node, sorted, then the preemption verdict (pure).
pub fn fit_error(reasons: &[String]) -> String {
    let n = reasons.len();
    let mut histogram: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in reasons {
        *histogram.entry(r.as_str()).or_default() += 1;
    }
    let mut counted: Vec<String> = histogram.iter().map(|(r, c)| format!("{c} {r}")).collect();
    counted.sort();
    let mut msg = format!("0/{n} nodes are available");
    if !counted.is_empty() {
        msg += &format!(": {}", counted.join(", "));
    }
    let resolvable = reasons
        .iter()
        .filter(|r| r.as_str() == "Too many pods")
        .count();
    let mut preemption: Vec<String> = Vec::new();
    if n > resolvable {
        preemption.push(format!(
            "{} Preemption is not helpful for scheduling",
            n - resolvable
        ));
    }
    if resolvable > 0 {
        preemption.push(format!(
            "{resolvable} No preemption victims found for incoming pod"
        ));
    }
    preemption.sort();
    msg + &format!(
        ". preemption: 0/{n} nodes are available: {}.",
        preemption.join(", ")
    )
}

/// Pure: the node for `pod` among `nodes` with their current pod counts, or why none fits.
pub fn choose_node<'a>(pod: &Value, nodes: &'a [(Value, usize)]) -> Result<&'a str, String> {
    nodes
        .iter()
        .filter(|(n, c)| unfit_reason(pod, n, *c).is_none())
        .min_by_key(|(n, c)| {
            (
                *c,
                n["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .and_then(|(n, _)| n["metadata"]["name"].as_str())
        .ok_or_else(|| {
            let reasons: Vec<String> = nodes
                .iter()
                .filter_map(|(n, c)| unfit_reason(pod, n, *c))
                .collect();
            fit_error(&reasons)
        })
}

/// Claims the pod mounts that are not Bound yet (the VolumeBinding plugin's PreFilter).
fn unbound_claims(cluster: &Cluster, pod: &Value) -> Option<String> {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    for v in pod["spec"]["volumes"].as_array().into_iter().flatten() {
        let Some(claim) = v["persistentVolumeClaim"]["claimName"].as_str() else {
            continue;
        };
        match cluster
            .store
            .try_get(rt("", "persistentvolumeclaims"), ns, claim)
        {
            None => return Some(format!("persistentvolumeclaim \"{claim}\" not found")),
            Some(c) if c.value()["status"]["phase"] != "Bound" => {
                return Some("pod has unbound immediate PersistentVolumeClaims".into());
            }
            Some(_) => {}
        }
    }
    None
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
        let placed = match unbound_claims(cluster, &value) {
            Some(why) => Err(format!(
                "0/{n} nodes are available: {why}. preemption: 0/{n} nodes are available: {n} Preemption is not helpful for scheduling.",
                n = nodes.len()
            )),
            None => choose_node(&value, &nodes),
        };
        match placed {
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
        assert_eq!(
            err,
            "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
        );
    }

    #[test]
    fn node_selector_is_honoured() {
        let nodes = vec![(node("a", true, false), 0)];
        let pod = json!({"spec":{"nodeSelector":{"kubernetes.io/os":"windows"}}});
        assert!(choose_node(&pod, &nodes).is_err());
    }

    #[test]
    fn fit_error_counts_reasons_per_node_like_the_scheduler() {
        let mut cp = node("cp", true, false);
        cp["spec"]["taints"] =
            json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]);
        let nodes = vec![
            (cp, 0),
            (node("a", true, false), 0),
            (node("b", true, false), 0),
        ];
        let pod = json!({"spec":{"nodeSelector":{"disktype":"ssd"}}});
        assert_eq!(
            choose_node(&pod, &nodes).unwrap_err(),
            "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        );
    }
}
