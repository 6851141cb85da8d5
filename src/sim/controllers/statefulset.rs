//! The StatefulSet controller: pods `NAME-0..N-1` with stable names, created in order (each
//! waits for the one before to be Running and Ready, as OrderedReady does), a claim per
//! volumeClaimTemplate and ordinal, a ControllerRevision per template, and rolling updates
//! from the highest ordinal down.

use serde_json::{Value, json};

use super::events;
use super::podutil::{from_template, is_ready, is_terminal, template_hash};
use crate::sim::api::{DeleteOptions, delete_object};
use crate::sim::cluster::{Cluster, rt};

const REVISION_LABEL: &str = "controller-revision-hash";
const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

/// `NAME-ORDINAL` → ORDINAL, for pods of the set called `set` (pure).
pub fn ordinal(set: &str, pod: &str) -> Option<usize> {
    pod.strip_prefix(set)?.strip_prefix('-')?.parse().ok()
}

/// The claim a pod of ordinal `i` mounts for a template: `TEMPLATE-SET-i` (pure).
pub fn claim_name(template: &str, set: &str, i: usize) -> String {
    format!("{template}-{set}-{i}")
}

fn ensure_revision(cluster: &Cluster, sts: &Value, revision: &str, hash: &str) {
    let ns = sts["metadata"]["namespace"].as_str().unwrap_or_default();
    let revisions = rt("apps", "controllerrevisions");
    if cluster.store.try_get(revisions, ns, revision).is_some() {
        return;
    }
    let number = cluster
        .store
        .list(revisions, Some(ns), None)
        .0
        .iter()
        .filter(|r| r.owner.as_deref() == sts["metadata"]["uid"].as_str())
        .count()
        + 1;
    let mut labels = sts["spec"]["selector"]["matchLabels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    labels["controller.kubernetes.io/hash"] = json!(hash);
    let _ = cluster.store.create(
        revisions,
        json!({
            "apiVersion": "apps/v1",
            "kind": "ControllerRevision",
            "metadata": {
                "name": revision,
                "namespace": ns,
                "labels": labels,
                "ownerReferences": [owner_ref(sts)],
            },
            "data": {"spec": {"template": sts["spec"]["template"], "$patch": "replace"}},
            "revision": number,
        }),
    );
}

fn owner_ref(sts: &Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "name": sts["metadata"]["name"],
        "uid": sts["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Creates the claims of ordinal `i` that do not exist yet, recording each as the controller does.
fn ensure_claims(cluster: &Cluster, sts: &Value, i: usize) {
    let ns = sts["metadata"]["namespace"].as_str().unwrap_or_default();
    let set = sts["metadata"]["name"].as_str().unwrap_or_default();
    let claims = rt("", "persistentvolumeclaims");
    for t in sts["spec"]["volumeClaimTemplates"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let name = claim_name(t["metadata"]["name"].as_str().unwrap_or_default(), set, i);
        if cluster.store.try_get(claims, ns, &name).is_some() {
            continue;
        }
        let mut labels = sts["spec"]["selector"]["matchLabels"].clone();
        if let Some(extra) = t["metadata"]["labels"].as_object() {
            for (k, v) in extra {
                labels[k] = v.clone();
            }
        }
        let mut claim = json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": t["spec"],
        });
        crate::sim::defaults::apply(claims, &mut claim);
        if cluster.store.create(claims, claim).is_ok() {
            events::record(
                cluster,
                sts,
                "Normal",
                "SuccessfulCreate",
                &format!("create Claim {name} Pod {set}-{i} in StatefulSet {set} success"),
                "statefulset-controller",
            );
        }
    }
}

fn new_pod(sts: &Value, i: usize, revision: &str) -> Value {
    let set = sts["metadata"]["name"].as_str().unwrap_or_default();
    let name = format!("{set}-{i}");
    let labels = [
        (REVISION_LABEL, revision.to_string()),
        (POD_NAME_LABEL, name.clone()),
        (POD_INDEX_LABEL, i.to_string()),
    ];
    let mut pod = from_template(sts, &sts["spec"]["template"], &labels, None);
    pod["metadata"]["name"] = json!(name);
    pod["spec"]["hostname"] = json!(name);
    if let Some(service) = sts["spec"]["serviceName"]
        .as_str()
        .filter(|s| !s.is_empty())
    {
        pod["spec"]["subdomain"] = json!(service);
    }
    let mut volumes = pod["spec"]["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for t in sts["spec"]["volumeClaimTemplates"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let tname = t["metadata"]["name"].as_str().unwrap_or_default();
        volumes.retain(|v| v["name"] != tname);
        volumes.push(json!({"name": tname, "persistentVolumeClaim": {"claimName": claim_name(tname, set, i)}}));
    }
    if !volumes.is_empty() {
        pod["spec"]["volumes"] = json!(volumes);
    }
    pod
}

fn record_pod(cluster: &Cluster, sts: &Value, verb: &str, pod: &str) {
    let set = sts["metadata"]["name"].as_str().unwrap_or_default();
    events::record(
        cluster,
        sts,
        "Normal",
        if verb == "create" {
            "SuccessfulCreate"
        } else {
            "SuccessfulDelete"
        },
        &format!("{verb} Pod {pod} in StatefulSet {set} successful"),
        "statefulset-controller",
    );
}

pub fn reconcile(cluster: &Cluster, ns: &str, name: &str) {
    let sets = rt("apps", "statefulsets");
    let pods_rt = rt("", "pods");
    let Some(obj) = cluster.store.try_get(sets, ns, name) else {
        return;
    };
    if obj.terminating {
        return;
    }
    let sts = obj.value();
    let replicas = sts["spec"]["replicas"].as_i64().unwrap_or(1).max(0) as usize;
    let hash = template_hash(&sts["spec"]["template"]);
    let update_revision = format!("{name}-{hash}");
    ensure_revision(cluster, &sts, &update_revision, &hash);
    let parallel = sts["spec"]["podManagementPolicy"] == "Parallel";
    // Every pod the set owns, terminating ones too: a name is not reused until its pod is gone.
    let mut owned: Vec<(usize, Value, bool)> = cluster
        .store
        .list(pods_rt, Some(ns), None)
        .0
        .iter()
        .filter(|p| p.owner.as_deref() == Some(obj.uid.as_str()))
        .filter_map(|p| ordinal(name, &p.name).map(|i| (i, p.value(), p.terminating)))
        .collect();
    owned.sort_by_key(|(i, _, _)| *i);
    for (i, pod, terminating) in &owned {
        if !terminating && is_terminal(pod) {
            // A failed or finished pod is deleted and made again under the same name.
            if delete_pod(cluster, ns, &format!("{name}-{i}")) {
                record_pod(cluster, &sts, "delete", &format!("{name}-{i}"));
            }
        }
    }
    let healthy = |i: usize| {
        owned
            .iter()
            .any(|(j, p, t)| *j == i && !t && is_ready(p) && p["status"]["phase"] == "Running")
    };
    for i in 0..replicas {
        if owned.iter().any(|(j, _, _)| *j == i) {
            if !parallel && !healthy(i) {
                break;
            }
            continue;
        }
        ensure_claims(cluster, &sts, i);
        let pod = new_pod(&sts, i, &update_revision);
        if cluster.store.create(pods_rt, pod).is_ok() {
            record_pod(cluster, &sts, "create", &format!("{name}-{i}"));
        }
        if !parallel {
            break;
        }
    }
    let all_healthy = (0..replicas).all(healthy);
    // Scale down from the highest ordinal, one at a time once the rest are healthy.
    if let Some((i, _, _)) = owned
        .iter()
        .rev()
        .find(|(i, _, t)| *i >= replicas && !t)
        .filter(|_| parallel || all_healthy)
    {
        if delete_pod(cluster, ns, &format!("{name}-{i}")) {
            record_pod(cluster, &sts, "delete", &format!("{name}-{i}"));
        }
    } else if all_healthy && sts["spec"]["updateStrategy"]["type"] != "OnDelete" {
        let partition = sts["spec"]["updateStrategy"]["rollingUpdate"]["partition"]
            .as_u64()
            .unwrap_or(0) as usize;
        let outdated = owned.iter().rev().find(|(i, p, t)| {
            *i < replicas
                && *i >= partition
                && !t
                && p["metadata"]["labels"][REVISION_LABEL] != update_revision.as_str()
        });
        if let Some((i, _, _)) = outdated
            && delete_pod(cluster, ns, &format!("{name}-{i}"))
        {
            record_pod(cluster, &sts, "delete", &format!("{name}-{i}"));
        }
    }
    update_status(cluster, &obj.uid, ns, name, &update_revision);
}

fn delete_pod(cluster: &Cluster, ns: &str, name: &str) -> bool {
    delete_object(cluster, rt("", "pods"), ns, name, &DeleteOptions::default()).is_ok()
}

fn update_status(cluster: &Cluster, uid: &str, ns: &str, name: &str, update_revision: &str) {
    let live: Vec<Value> = cluster
        .store
        .list(rt("", "pods"), Some(ns), None)
        .0
        .iter()
        .filter(|p| p.owner.as_deref() == Some(uid) && ordinal(name, &p.name).is_some())
        .map(|p| p.value())
        .filter(|p| !is_terminal(p))
        .collect();
    let ready = live.iter().filter(|p| is_ready(p)).count();
    let updated = live
        .iter()
        .filter(|p| p["metadata"]["labels"][REVISION_LABEL] == update_revision)
        .count();
    let _ = cluster
        .store
        .update(rt("apps", "statefulsets"), ns, name, |v| {
            let current_revision = if updated == live.len() {
                update_revision.to_string()
            } else {
                v["status"]["currentRevision"]
                    .as_str()
                    .unwrap_or(update_revision)
                    .to_string()
            };
            let current = live
                .iter()
                .filter(|p| p["metadata"]["labels"][REVISION_LABEL] == current_revision.as_str())
                .count();
            v["status"] = json!({
                "observedGeneration": v["metadata"]["generation"],
                "replicas": live.len(),
                "readyReplicas": ready,
                "currentReplicas": current,
                "updatedReplicas": updated,
                "availableReplicas": ready,
                "currentRevision": current_revision,
                "updateRevision": update_revision,
                "collisionCount": 0,
            });
            if ready == 0 {
                v["status"]
                    .as_object_mut()
                    .map(|m| m.remove("readyReplicas"));
            }
            Ok(true)
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_and_claims_are_named_by_ordinal() {
        assert_eq!(ordinal("postgres", "postgres-2"), Some(2));
        assert_eq!(ordinal("postgres", "postgres-exporter-1"), None);
        assert_eq!(ordinal("postgres", "postgresql-0"), None);
        assert_eq!(claim_name("data", "postgres", 0), "data-postgres-0");
    }

    #[test]
    fn a_pod_gets_its_stable_identity_and_claim() {
        let sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "pg", "namespace": "db", "uid": "u1"},
            "spec": {"serviceName": "pg", "template": {"metadata": {"labels": {"app": "pg"}}, "spec": {"containers": [{"name": "pg", "image": "postgres:16"}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {}}]}});
        let pod = new_pod(&sts, 1, "pg-abc");
        assert_eq!(pod["metadata"]["name"], "pg-1");
        assert_eq!(pod["metadata"]["labels"][POD_NAME_LABEL], "pg-1");
        assert_eq!(pod["metadata"]["labels"][REVISION_LABEL], "pg-abc");
        assert_eq!(pod["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
        assert_eq!(pod["spec"]["hostname"], "pg-1");
        assert_eq!(pod["spec"]["subdomain"], "pg");
        assert_eq!(
            pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "data-pg-1"
        );
    }
}
