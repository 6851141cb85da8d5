//! The Deployment controller: one ReplicaSet per pod template, rolled with maxSurge /
//! maxUnavailable (or Recreate), with the status fields and conditions `kubectl rollout status` reads.

use std::time::Duration;

use serde_json::{Value, json};

use super::events;
use super::podutil::{int_or_percent, template_hash};
use crate::sim::cluster::{Cluster, rt};
use crate::sim::store::now_rfc3339;

const REVISION: &str = "deployment.kubernetes.io/revision";

fn revision(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn replicas(rs: &Value) -> i64 {
    rs["spec"]["replicas"].as_i64().unwrap_or(0)
}

fn available(rs: &Value) -> i64 {
    rs["status"]["availableReplicas"].as_i64().unwrap_or(0)
}

fn scale(cluster: &Cluster, deploy: &Value, rs: &Value, to: i64) {
    let name = rs["metadata"]["name"].as_str().unwrap_or_default();
    let ns = rs["metadata"]["namespace"].as_str().unwrap_or_default();
    let from = replicas(rs);
    if from == to {
        return;
    }
    let _ = cluster
        .store
        .update(rt("apps", "replicasets"), ns, name, |v| {
            v["spec"]["replicas"] = json!(to);
            v["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] =
                json!(deploy["spec"]["replicas"].as_i64().unwrap_or(1).to_string());
            Ok(true)
        });
    let verb = if to > from {
        "Scaled up"
    } else {
        "Scaled down"
    };
    events::record(
        cluster,
        deploy,
        "Normal",
        "ScalingReplicaSet",
        &format!("{verb} replica set {name} from {from} to {to}"),
        "deployment-controller",
    );
}

/// Returns when to look again (the progress deadline), if a rollout is under way.
pub fn reconcile(cluster: &Cluster, ns: &str, name: &str) -> Option<Duration> {
    let deploys = rt("apps", "deployments");
    let rss_rt = rt("apps", "replicasets");
    let obj = cluster.store.try_get(deploys, ns, name)?;
    if obj.terminating {
        return None;
    }
    let d = obj.value();
    let desired = d["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
    let template = d["spec"]["template"].clone();
    let hash = template_hash(&template);
    let mut rss: Vec<Value> = cluster
        .store
        .list(rss_rt, Some(ns), None)
        .0
        .iter()
        .filter(|r| r.owner.as_deref() == Some(obj.uid.as_str()))
        .map(|r| r.value())
        .collect();
    rss.sort_by_key(revision);
    let max_revision = rss.iter().map(revision).max().unwrap_or(0);
    let new_rs = match rss
        .iter()
        .position(|r| r["metadata"]["labels"]["pod-template-hash"] == hash.as_str())
    {
        Some(i) => {
            let rs = rss.remove(i);
            if revision(&rs) < max_revision {
                // A rollback to an older template makes its ReplicaSet the newest revision.
                let _ = cluster.store.update(
                    rss_rt,
                    ns,
                    rs["metadata"]["name"].as_str().unwrap_or_default(),
                    |v| {
                        v["metadata"]["annotations"][REVISION] =
                            json!((max_revision + 1).to_string());
                        Ok(true)
                    },
                );
            }
            rs
        }
        None => {
            let mut labels = template["metadata"]["labels"].clone();
            labels["pod-template-hash"] = json!(hash);
            let mut tpl = template.clone();
            tpl["metadata"]["labels"] = labels.clone();
            let mut selector = d["spec"]["selector"].clone();
            selector["matchLabels"]["pod-template-hash"] = json!(hash);
            let initial = if rss.iter().all(|r| replicas(r) == 0) {
                desired
            } else {
                0
            };
            let rs = json!({
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": format!("{name}-{hash}"),
                    "namespace": ns,
                    "labels": labels,
                    "annotations": {REVISION: (max_revision + 1).to_string(), "deployment.kubernetes.io/desired-replicas": desired.to_string(), "deployment.kubernetes.io/max-replicas": desired.to_string()},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "uid": obj.uid, "controller": true, "blockOwnerDeletion": true}],
                },
                "spec": {"replicas": initial, "minReadySeconds": d["spec"]["minReadySeconds"].as_i64().unwrap_or(0), "selector": selector, "template": tpl},
                "status": {"replicas": 0},
            });
            let created = cluster.store.create(rss_rt, rs).ok()?.value();
            if initial > 0 {
                events::record(
                    cluster,
                    &d,
                    "Normal",
                    "ScalingReplicaSet",
                    &format!("Scaled up replica set {name}-{hash} from 0 to {initial}"),
                    "deployment-controller",
                );
            }
            created
        }
    };
    let paused = d["spec"]["paused"] == true;
    if !paused {
        let strategy = &d["spec"]["strategy"];
        if strategy["type"] == "Recreate" {
            let old_running: i64 = rss
                .iter()
                .map(|r| replicas(r) + r["status"]["replicas"].as_i64().unwrap_or(0))
                .sum();
            for r in &rss {
                scale(cluster, &d, r, 0);
            }
            if old_running == 0 {
                scale(cluster, &d, &new_rs, desired);
            }
        } else {
            let surge = int_or_percent(&strategy["rollingUpdate"]["maxSurge"], desired, true, 1);
            let mut unavailable = int_or_percent(
                &strategy["rollingUpdate"]["maxUnavailable"],
                desired,
                false,
                0,
            );
            if surge == 0 && unavailable == 0 {
                unavailable = 1;
            }
            let total: i64 = replicas(&new_rs) + rss.iter().map(replicas).sum::<i64>();
            let new_replicas = replicas(&new_rs);
            if new_replicas > desired {
                scale(cluster, &d, &new_rs, desired);
            } else if new_replicas < desired {
                let room = (desired + surge - total).max(0);
                let up = room.min(desired - new_replicas);
                if up > 0 {
                    scale(cluster, &d, &new_rs, new_replicas + up);
                }
            }
            let min_available = desired - unavailable;
            let available_now: i64 = available(&new_rs) + rss.iter().map(available).sum::<i64>();
            let mut can_remove = (available_now - min_available).max(0);
            for r in rss.iter().filter(|r| replicas(r) > 0) {
                // Unavailable old pods go first: removing them costs no availability.
                let unhealthy = (replicas(r) - available(r)).max(0);
                let healthy_out = can_remove.min(replicas(r) - unhealthy);
                can_remove -= healthy_out;
                scale(cluster, &d, r, replicas(r) - unhealthy - healthy_out);
            }
        }
    }
    update_status(cluster, ns, name, &d, desired)
}

fn update_status(
    cluster: &Cluster,
    ns: &str,
    name: &str,
    d: &Value,
    desired: i64,
) -> Option<Duration> {
    let uid = d["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let hash = template_hash(&d["spec"]["template"]);
    let rss: Vec<Value> = cluster
        .store
        .list(rt("apps", "replicasets"), Some(ns), None)
        .0
        .iter()
        .filter(|r| r.owner.as_deref() == Some(uid.as_str()))
        .map(|r| r.value())
        .collect();
    let new_rs = rss
        .iter()
        .find(|r| r["metadata"]["labels"]["pod-template-hash"] == hash.as_str());
    let sum = |f: &str| {
        rss.iter()
            .map(|r| r["status"][f].as_i64().unwrap_or(0))
            .sum::<i64>()
    };
    let total = sum("replicas");
    let ready = sum("readyReplicas");
    let avail = sum("availableReplicas");
    let updated = new_rs.map_or(0, |r| r["status"]["replicas"].as_i64().unwrap_or(0));
    let new_name = new_rs
        .and_then(|r| r["metadata"]["name"].as_str())
        .unwrap_or_default()
        .to_string();
    let rev = new_rs.map(revision).unwrap_or(1);
    let strategy = &d["spec"]["strategy"];
    let unavailable_allowed = if strategy["type"] == "Recreate" {
        0
    } else {
        int_or_percent(
            &strategy["rollingUpdate"]["maxUnavailable"],
            desired,
            false,
            0,
        )
    };
    let complete = updated == desired && total == desired && avail == desired;
    let deadline = d["spec"]["progressDeadlineSeconds"].as_i64().unwrap_or(600);
    let now = now_rfc3339();
    let mut recheck = None;
    let _ = cluster.store.update(rt("apps", "deployments"), ns, name, |v| {
        let old = v["status"].clone();
        let counts_changed = ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"]
            .iter()
            .zip([total, updated, ready, avail])
            .any(|(k, n)| old[*k].as_i64().unwrap_or(0) != n)
            || old["observedGeneration"] != v["metadata"]["generation"];
        let prev = |t: &str| old["conditions"].as_array().and_then(|c| c.iter().find(|c| c["type"] == t)).cloned().unwrap_or(Value::Null);
        let prev_progress = prev("Progressing");
        let last_progress: jiff::Timestamp = prev_progress["lastUpdateTime"].as_str().and_then(|t| t.parse().ok()).unwrap_or_else(jiff::Timestamp::now);
        let (p_status, p_reason, p_message) = if complete {
            ("True", "NewReplicaSetAvailable", format!("ReplicaSet \"{new_name}\" has successfully progressed."))
        } else if !counts_changed
            && (prev_progress["reason"] == "ProgressDeadlineExceeded"
                || jiff::Timestamp::now().duration_since(last_progress).as_secs() >= deadline)
        {
            ("False", "ProgressDeadlineExceeded", format!("ReplicaSet \"{new_name}\" has timed out progressing."))
        } else {
            let due = last_progress + jiff::SignedDuration::from_secs(deadline);
            recheck = Duration::try_from(due.duration_since(jiff::Timestamp::now())).ok().map(|d| d + Duration::from_millis(100));
            ("True", "ReplicaSetUpdated", format!("ReplicaSet \"{new_name}\" is progressing."))
        };
        let cond = |t: &str, status: &str, reason: &str, message: &str, moved: bool| {
            let p = prev(t);
            let transition = if p["status"] == status { p["lastTransitionTime"].clone() } else { json!(now) };
            let update = if moved || p["reason"] != reason || p.is_null() { json!(now) } else { p["lastUpdateTime"].clone() };
            json!({"type": t, "status": status, "reason": reason, "message": message, "lastTransitionTime": transition, "lastUpdateTime": update})
        };
        let min_ok = avail >= desired - unavailable_allowed;
        let available_cond = if min_ok {
            cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", false)
        } else {
            cond("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", false)
        };
        let progressing = cond("Progressing", p_status, p_reason, &p_message, counts_changed);
        let mut status = json!({
            "observedGeneration": v["metadata"]["generation"],
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": avail,
            "conditions": [available_cond, progressing],
        });
        if desired - avail > 0 {
            status["unavailableReplicas"] = json!((total.max(desired)) - avail);
        }
        v["status"] = status;
        v["metadata"]["annotations"][REVISION] = json!(rev.to_string());
        Ok(true)
    });
    recheck
}
