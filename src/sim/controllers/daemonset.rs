//! The DaemonSet controller: one pod per eligible node, replaced one at a time when the template changes.

use serde_json::json;

use super::podutil::{
    create_owned_pod, delete_owned_pod, from_template, is_ready, selects, template_hash, tolerates,
};
use super::replicaset::owned_pods;
use crate::sim::cluster::{Cluster, rt};

const REVISION_LABEL: &str = "controller-revision-hash";

pub fn reconcile(cluster: &Cluster, ns: &str, name: &str) {
    let dss = rt("apps", "daemonsets");
    let Some(obj) = cluster.store.try_get(dss, ns, name) else {
        return;
    };
    if obj.terminating {
        return;
    }
    let ds = obj.value();
    let template = &ds["spec"]["template"];
    let hash = template_hash(template);
    // DaemonSet pods tolerate what the daemonset controller adds for them.
    let mut tolerations = template["spec"]["tolerations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
        "node.kubernetes.io/unschedulable",
    ] {
        tolerations.push(json!({"key": key, "operator": "Exists"}));
    }
    let tolerations = json!(tolerations);
    let (nodes, _) = cluster.store.list(rt("", "nodes"), None, None);
    let eligible: Vec<String> = nodes
        .iter()
        .map(|n| n.value())
        .filter(|n| tolerates(&tolerations, n) && selects(&template["spec"]["nodeSelector"], n))
        .filter_map(|n| n["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    let pods = owned_pods(cluster, ns, &obj.uid);
    let node_of = |v: &serde_json::Value| {
        v["spec"]["nodeName"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    for node in &eligible {
        if !pods.iter().any(|(_, v)| &node_of(v) == node) {
            let mut pod = from_template(
                &ds,
                template,
                &[
                    (REVISION_LABEL, hash.clone()),
                    (
                        "pod-template-generation",
                        ds["metadata"]["generation"].to_string(),
                    ),
                ],
                Some(node),
            );
            pod["spec"]["tolerations"] = tolerations.clone();
            create_owned_pod(cluster, &ds, pod, "daemonset-controller");
        }
    }
    let unavailable = pods.iter().filter(|(_, v)| !is_ready(v)).count();
    let mut budget = 1usize.saturating_sub(unavailable);
    for (p, v) in &pods {
        let misplaced = !eligible.contains(&node_of(v));
        let outdated = v["metadata"]["labels"][REVISION_LABEL] != hash.as_str();
        if misplaced || (outdated && budget > 0) {
            if !misplaced {
                budget -= 1;
            }
            delete_owned_pod(cluster, &ds, p, "daemonset-controller");
        }
    }
    let pods = owned_pods(cluster, ns, &obj.uid);
    let ready = pods.iter().filter(|(_, v)| is_ready(v)).count();
    let updated = pods
        .iter()
        .filter(|(_, v)| v["metadata"]["labels"][REVISION_LABEL] == hash.as_str())
        .count();
    let _ = cluster.store.update(dss, ns, name, |v| {
        let mut status = json!({
            "desiredNumberScheduled": eligible.len(),
            "currentNumberScheduled": pods.len(),
            "numberMisscheduled": 0,
            "numberReady": ready,
            "numberAvailable": ready,
            "updatedNumberScheduled": updated,
            "observedGeneration": v["metadata"]["generation"],
        });
        if eligible.len() > ready {
            status["numberUnavailable"] = json!(eligible.len() - ready);
        }
        v["status"] = status;
        Ok(true)
    });
}
