//! Garbage collection: dependents follow their owners; a deleted namespace takes its contents.

use crate::sim::api::{DeleteOptions, delete_object};
use crate::sim::cluster::{Cluster, rt};
use crate::sim::resources::RESOURCES;
use crate::sim::store::Object;

/// Kinds that carry owner references to the owners the simulator's controllers manage.
const DEPENDENT_KINDS: &[(&str, &str)] = &[
    ("", "pods"),
    ("apps", "replicasets"),
    ("apps", "controllerrevisions"),
    ("batch", "jobs"),
    ("", "endpoints"),
];

fn dependents(cluster: &Cluster, owner: &Object) -> Vec<std::sync::Arc<Object>> {
    let ns = (!owner.namespace.is_empty()).then_some(owner.namespace.as_str());
    DEPENDENT_KINDS
        .iter()
        .flat_map(|(g, p)| cluster.store.list(rt(g, p), ns, None).0)
        .filter(|o| o.owned_by(&owner.uid))
        .collect()
}

/// Background propagation: deletes what `owner` owned.
pub fn collect(cluster: &Cluster, owner: &Object) {
    for d in dependents(cluster, owner) {
        let _ = delete_object(
            cluster,
            d.rt,
            &d.namespace,
            &d.name,
            &DeleteOptions::default(),
        );
    }
}

/// Orphan propagation: the dependents stay, without the reference to `owner`.
pub fn orphan_dependents(cluster: &Cluster, owner: &Object) {
    for d in dependents(cluster, owner) {
        let _ = cluster.store.update(d.rt, &d.namespace, &d.name, |v| {
            if let Some(refs) = v["metadata"]["ownerReferences"].as_array_mut() {
                refs.retain(|r| r["uid"] != owner.uid.as_str());
            }
            Ok(true)
        });
    }
}

pub fn delete_namespace_contents(cluster: &Cluster, ns: &str) {
    for rt in RESOURCES.iter().filter(|r| r.namespaced && !r.is_metrics()) {
        let (objects, _) = cluster.store.list(rt, Some(ns), None);
        for o in objects {
            let _ = cluster.store.remove(rt, &o.namespace, &o.name);
        }
    }
}
