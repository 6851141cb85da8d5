//! core/v1 Events that controllers and the kubelet emit, as `kubectl describe` shows them.
//! Like client-go's event recorder, a repeat of the same event (same source, object, field
//! path, type, reason and message) bumps `count` and `lastTimestamp` of the one Event object
//! instead of creating another; like the apiserver's event TTL, old events expire.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::sim::cluster::{Cluster, rt};
use crate::sim::store::{Object, now_rfc3339};

/// Events kept per cluster; the oldest are dropped beyond this (the apiserver's TTL does the same job).
pub const MAX_EVENTS: usize = 5_000;
/// kube-apiserver's default `--event-ttl`.
pub const TTL: SignedDuration = SignedDuration::from_hours(1);

/// Who reports an event: `source.component`, and `source.host` for node agents (the kubelet).
#[derive(Debug, Clone, Copy)]
pub struct Reporter<'a> {
    pub component: &'a str,
    pub host: Option<&'a str>,
}

/// One occurrence, about `involved` (a whole object, or one of its containers with `field_path`).
#[derive(Debug, Clone, Copy)]
pub struct Occurrence<'a> {
    pub involved: &'a Value,
    pub field_path: Option<&'a str>,
    pub type_: &'a str,
    pub reason: &'a str,
    pub message: &'a str,
}

/// Records an event from a controller (no host); the kubelet's events carry the pod's node.
pub fn record(
    cluster: &Cluster,
    involved: &Value,
    type_: &str,
    reason: &str,
    message: &str,
    component: &str,
) {
    let host = (component == "kubelet")
        .then(|| involved["spec"]["nodeName"].as_str())
        .flatten();
    emit(
        cluster,
        Reporter { component, host },
        Occurrence {
            involved,
            field_path: None,
            type_,
            reason,
            message,
        },
    );
}

/// The kubelet's event about one container of `pod` (fieldPath `spec.containers{NAME}`).
pub fn record_container(
    cluster: &Cluster,
    pod: &Value,
    container: &str,
    type_: &str,
    reason: &str,
    message: &str,
) {
    let path = format!("spec.containers{{{container}}}");
    emit(
        cluster,
        Reporter {
            component: "kubelet",
            host: pod["spec"]["nodeName"].as_str(),
        },
        Occurrence {
            involved: pod,
            field_path: Some(&path),
            type_,
            reason,
            message,
        },
    );
}

fn same_event(e: &Object, by: Reporter, what: &Occurrence, uid: &str) -> bool {
    e.field("involvedObject.uid") == Some(uid)
        && e.field("reason") == Some(what.reason)
        && e.field("type") == Some(what.type_)
        && e.field("source") == Some(by.component)
        && e.field("involvedObject.fieldPath") == Some(what.field_path.unwrap_or_default())
        && {
            let v = e.value();
            v["message"] == what.message
                && v["source"]["host"].as_str() == by.host
                && v["involvedObject"]["name"] == what.involved["metadata"]["name"]
        }
}

/// The existing Event a repeat of `what` would update.
pub fn find(cluster: &Cluster, by: Reporter, what: &Occurrence) -> Option<Arc<Object>> {
    let meta = &what.involved["metadata"];
    let uid = meta["uid"].as_str().unwrap_or_default();
    let ns = event_namespace(what.involved);
    cluster
        .store
        .list(rt("", "events"), Some(ns), None)
        .0
        .into_iter()
        .find(|e| same_event(e, by, what, uid))
}

/// When the event was last seen, if it has been.
pub fn last_seen(cluster: &Cluster, by: Reporter, what: &Occurrence) -> Option<Timestamp> {
    find(cluster, by, what)?.value()["lastTimestamp"]
        .as_str()?
        .parse()
        .ok()
}

fn event_namespace(involved: &Value) -> &str {
    involved["metadata"]["namespace"]
        .as_str()
        .filter(|n| !n.is_empty())
        .unwrap_or("default")
}

/// Records one occurrence: a new Event, or count + 1 on the one it repeats.
pub fn emit(cluster: &Cluster, by: Reporter, what: Occurrence) {
    let events = rt("", "events");
    let now = now_rfc3339();
    if let Some(existing) = find(cluster, by, &what) {
        let updated = cluster
            .store
            .update(events, &existing.namespace, &existing.name, |e| {
                let count = e["count"].as_i64().unwrap_or(1);
                e["count"] = json!(count + 1);
                e["lastTimestamp"] = json!(now);
                Ok(true)
            });
        if updated.is_ok() {
            return;
        }
    }
    let meta = &what.involved["metadata"];
    let name = meta["name"].as_str().unwrap_or_default();
    // Like the real event recorder: the suffix is the creation time in nanoseconds, so name order is time order.
    let suffix = Timestamp::now().as_nanosecond() as u64;
    let mut involved = json!({
        "kind": what.involved["kind"],
        "namespace": meta["namespace"],
        "name": name,
        "uid": meta["uid"],
        "apiVersion": what.involved["apiVersion"],
        "resourceVersion": meta["resourceVersion"],
    });
    if meta["namespace"].is_null() {
        involved.as_object_mut().map(|m| m.remove("namespace"));
    }
    if let Some(path) = what.field_path {
        involved["fieldPath"] = json!(path);
    }
    let source = match by.host {
        Some(host) => json!({"component": by.component, "host": host}),
        None => json!({"component": by.component}),
    };
    let event = json!({
        "metadata": {"name": format!("{name}.{suffix:016x}"), "namespace": event_namespace(what.involved)},
        "involvedObject": involved,
        "reason": what.reason,
        "message": what.message,
        "source": source,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "type": what.type_,
        "eventTime": null,
        "reportingComponent": by.component,
        "reportingInstance": by.host.unwrap_or_default(),
    });
    let _ = cluster.store.create(events, event);
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

/// Whether an event last seen at `last_seen` has outlived the TTL at `now` (pure).
pub fn expired(last_seen: Option<&str>, now: Timestamp) -> bool {
    last_seen
        .and_then(|t| t.parse::<Timestamp>().ok())
        .is_some_and(|t| t + TTL < now)
}

/// Deletes events not seen for longer than [`TTL`], as etcd's lease on them runs out.
pub fn expire(cluster: &Cluster) {
    let events = rt("", "events");
    let now = Timestamp::now();
    for o in cluster.store.list(events, None, None).0 {
        if expired(o.value()["lastTimestamp"].as_str(), now) {
            let _ = cluster.store.remove(events, &o.namespace, &o.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_expire_an_hour_after_they_were_last_seen() {
        let now: Timestamp = "2025-01-01T12:00:00Z".parse().unwrap();
        assert!(expired(Some("2025-01-01T10:59:59Z"), now));
        assert!(!expired(Some("2025-01-01T11:30:00Z"), now));
        assert!(!expired(None, now));
    }
}
