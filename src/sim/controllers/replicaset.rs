//! The ReplicaSet controller: keeps spec.replicas pods of the template alive and reports status.

use std::sync::Arc;

use serde_json::{Value, json};

use super::podutil::{create_owned_pod, delete_owned_pod, from_template, is_ready, is_terminal};
use crate::sim::cluster::{Cluster, rt};
use crate::sim::store::Object;

/// Pods a controller owns, oldest first, leaving out those terminating or finished.
pub fn owned_pods(cluster: &Cluster, ns: &str, uid: &str) -> Vec<(Arc<Object>, Value)> {
    let mut pods: Vec<(Arc<Object>, Value)> = cluster
        .store
        .list(rt("", "pods"), Some(ns), None)
        .0
        .into_iter()
        .filter(|p| p.owner.as_deref() == Some(uid) && !p.terminating)
        .map(|p| {
            let v = p.value();
            (p, v)
        })
        .filter(|(_, v)| !is_terminal(v))
        .collect();
    pods.sort_by_key(|(p, _)| p.rv);
    pods
}

/// Which pods to delete when scaling down: unscheduled, then not running, then not ready, then newest (pure).
pub fn deletion_order(pods: &[(Arc<Object>, Value)]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..pods.len()).collect();
    idx.sort_by_key(|&i| {
        let v = &pods[i].1;
        let unscheduled = v["spec"]["nodeName"].as_str().is_none_or(str::is_empty);
        let pending = v["status"]["phase"] != "Running";
        (
            !unscheduled,
            !pending,
            is_ready(v),
            std::cmp::Reverse(pods[i].0.rv),
        )
    });
    idx
}

pub fn reconcile(cluster: &Cluster, ns: &str, name: &str) {
    let rss = rt("apps", "replicasets");
    let Some(obj) = cluster.store.try_get(rss, ns, name) else {
        return;
    };
    if obj.terminating {
        return;
    }
    let rs = obj.value();
    let desired = rs["spec"]["replicas"].as_i64().unwrap_or(1).max(0) as usize;
    let pods = owned_pods(cluster, ns, &obj.uid);
    if pods.len() < desired {
        for _ in pods.len()..desired {
            let pod = from_template(&rs, &rs["spec"]["template"], &[], None);
            create_owned_pod(cluster, &rs, pod, "replicaset-controller");
        }
    } else if pods.len() > desired {
        for i in deletion_order(&pods).into_iter().take(pods.len() - desired) {
            let p = &pods[i].0;
            delete_owned_pod(cluster, &rs, p, "replicaset-controller");
        }
    }
    let pods = owned_pods(cluster, ns, &obj.uid);
    let ready = pods.iter().filter(|(_, v)| is_ready(v)).count();
    let _ = cluster.store.update(rss, ns, name, |v| {
        v["status"] = json!({
            "replicas": pods.len(),
            "fullyLabeledReplicas": pods.len(),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": v["metadata"]["generation"],
        });
        Ok(true)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::store::Store;

    #[test]
    fn scale_down_removes_unready_before_ready() {
        let store = Store::new();
        store
            .create(rt("", "namespaces"), json!({"metadata":{"name":"d"}}))
            .unwrap();
        let ready = json!({"metadata":{"name":"ready","namespace":"d"},"spec":{"nodeName":"n"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}});
        let unready = json!({"metadata":{"name":"unready","namespace":"d"},"spec":{"nodeName":"n"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"}]}});
        let a = store.create(rt("", "pods"), ready.clone()).unwrap();
        let b = store.create(rt("", "pods"), unready.clone()).unwrap();
        let pods = vec![(a, ready), (b, unready)];
        assert_eq!(pods[deletion_order(&pods)[0]].0.name, "unready");
    }
}
