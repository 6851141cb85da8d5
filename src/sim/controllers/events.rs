//! core/v1 Events that controllers and the kubelet emit, as `kubectl describe` shows them.

use serde_json::{Value, json};

use crate::sim::cluster::{Cluster, rt};
use crate::sim::store::now_rfc3339;

/// Events kept per cluster; the oldest are dropped beyond this (the apiserver's TTL does the same job).
pub const MAX_EVENTS: usize = 5_000;

pub fn record(
    cluster: &Cluster,
    involved: &Value,
    type_: &str,
    reason: &str,
    message: &str,
    component: &str,
) {
    let meta = &involved["metadata"];
    let name = meta["name"].as_str().unwrap_or_default();
    let namespace = meta["namespace"]
        .as_str()
        .filter(|n| !n.is_empty())
        .unwrap_or("default");
    let now = now_rfc3339();
    // Like the real event recorder: the suffix is the creation time in nanoseconds, so name order is time order.
    let suffix = jiff::Timestamp::now().as_nanosecond() as u64;
    let host = involved["spec"]["nodeName"].clone();
    let event = json!({
        "metadata": {"name": format!("{name}.{suffix:016x}"), "namespace": namespace},
        "involvedObject": {
            "kind": involved["kind"],
            "namespace": meta["namespace"],
            "name": name,
            "uid": meta["uid"],
            "apiVersion": involved["apiVersion"],
            "resourceVersion": meta["resourceVersion"],
        },
        "reason": reason,
        "message": message,
        "source": if host.is_string() && component == "kubelet" { json!({"component": component, "host": host}) } else { json!({"component": component}) },
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "type": type_,
        "eventTime": null,
        "reportingComponent": component,
        "reportingInstance": "",
    });
    let _ = cluster.store.create(rt("", "events"), event);
}

/// Drops the oldest events beyond [`MAX_EVENTS`].
pub fn trim(cluster: &Cluster) {
    let events = rt("", "events");
    if cluster.store.count(events) <= MAX_EVENTS {
        return;
    }
    let (mut all, _) = cluster.store.list(events, None, None);
    all.sort_by_key(|o| o.rv);
    let excess = all.len() - MAX_EVENTS;
    for o in all.into_iter().take(excess) {
        let _ = cluster.store.remove(events, &o.namespace, &o.name);
    }
}
