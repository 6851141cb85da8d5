//! The node lifecycle controller: a NotReady node's pods turn unready, and after the
//! unreachable toleration runs out they are deleted — and, their kubelet being gone, stay Terminating.

use std::time::Duration;

use serde_json::{Value, json};

use super::events;
use super::kubelet::set_ready;
use super::podutil::node_is_ready;
use crate::sim::api::{DeleteOptions, delete_object};
use crate::sim::cluster::{Cluster, rt};

const UNREACHABLE_TAINT: &str = "node.kubernetes.io/unreachable";

/// Sets a node Ready or NotReady (as when its kubelet stops posting status), with the taints the node controller adds.
pub fn set_node_ready(cluster: &Cluster, node: &str, ready: bool) -> bool {
    let now = crate::sim::store::now_rfc3339();
    let updated = cluster.store.update(rt("", "nodes"), "", node, |n| {
        for c in n["status"]["conditions"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            if c["type"] == "Ready" {
                let status = if ready { "True" } else { "Unknown" };
                if c["status"] != status {
                    c["status"] = json!(status);
                    c["lastTransitionTime"] = json!(now);
                    c["reason"] = json!(if ready {
                        "KubeletReady"
                    } else {
                        "NodeStatusUnknown"
                    });
                    c["message"] = json!(if ready {
                        "kubelet is posting ready status"
                    } else {
                        "Kubelet stopped posting node status."
                    });
                }
                c["lastHeartbeatTime"] = json!(now);
            }
        }
        let taints = n["spec"]["taints"].as_array().cloned().unwrap_or_default();
        let mut taints: Vec<Value> = taints
            .into_iter()
            .filter(|t| t["key"] != UNREACHABLE_TAINT)
            .collect();
        if !ready {
            taints
                .push(json!({"key": UNREACHABLE_TAINT, "effect": "NoSchedule", "timeAdded": now}));
            taints.push(json!({"key": UNREACHABLE_TAINT, "effect": "NoExecute", "timeAdded": now}));
        }
        if taints.is_empty() {
            n["spec"].as_object_mut().map(|m| m.remove("taints"));
        } else {
            n["spec"]["taints"] = json!(taints);
        }
        Ok(true)
    });
    if let Ok(n) = &updated {
        let reason = if ready { "NodeReady" } else { "NodeNotReady" };
        events::record(
            cluster,
            &n.value(),
            "Normal",
            reason,
            &format!("Node {node} status is now: {reason}"),
            "node-controller",
        );
    }
    updated.is_ok()
}

/// Reacts to a node's readiness; returns when to look again (the eviction of its pods).
pub fn reconcile(cluster: &Cluster, node: &str) -> Option<Duration> {
    let n = cluster.store.try_get(rt("", "nodes"), "", node)?.value();
    if node_is_ready(&n) {
        return None;
    }
    let pods = rt("", "pods");
    let on_node: Vec<_> = cluster
        .store
        .list(pods, None, None)
        .0
        .into_iter()
        .filter(|p| p.field("spec.nodeName") == Some(node))
        .collect();
    let now_s = crate::sim::store::now_rfc3339();
    for p in on_node.iter().filter(|p| !p.terminating) {
        let _ = cluster.store.update(pods, &p.namespace, &p.name, |v| {
            set_ready(v, false, &now_s);
            Ok(true)
        });
    }
    let since = n["status"]["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == "Ready"))
        .and_then(|c| c["lastTransitionTime"].as_str())
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .unwrap_or_else(jiff::Timestamp::now);
    let due =
        since + jiff::SignedDuration::from_secs_f64(cluster.settings.unreachable_eviction_seconds);
    let now = jiff::Timestamp::now();
    if now < due {
        return Duration::try_from(due.duration_since(now)).ok();
    }
    for p in on_node.iter().filter(|p| !p.terminating) {
        let v = p.value();
        let daemon = v["metadata"]["ownerReferences"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["kind"] == "DaemonSet"));
        if daemon {
            continue;
        }
        events::record(
            cluster,
            &v,
            "Normal",
            "TaintManagerEviction",
            "Marking for deletion Pod",
            "taint-eviction-controller",
        );
        let _ = delete_object(
            cluster,
            pods,
            &p.namespace,
            &p.name,
            &DeleteOptions::default(),
        );
    }
    None
}
