//! Storage: the persistent-volume controller and a CSI external provisioner. A Pending claim
//! of a class with a provisioner gets a new PersistentVolume `pvc-<claim uid>` and both are
//! Bound; a claim without a class gets the default one (retroactive default StorageClass);
//! a deleted claim's volume is deleted or Released as its reclaim policy says.

use serde_json::{Value, json};

use super::events;
use crate::sim::cluster::{Cluster, rt};

const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

fn default_class(cluster: &Cluster) -> Option<Value> {
    cluster
        .store
        .list(rt("storage.k8s.io", "storageclasses"), None, None)
        .0
        .iter()
        .map(|c| c.value())
        .find(|c| c["metadata"]["annotations"][DEFAULT_CLASS] == "true")
}

/// A volume ID as EBS gives them: `vol-` and 17 hex digits, here from the claim's uid (pure).
pub fn volume_handle(claim_uid: &str) -> String {
    let hex: String = claim_uid
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(17)
        .collect();
    format!("vol-{hex:0<17}")
}

/// Binds one claim if it can be bound.
pub fn reconcile_claim(cluster: &Cluster, ns: &str, name: &str) {
    let claims = rt("", "persistentvolumeclaims");
    let Some(obj) = cluster.store.try_get(claims, ns, name) else {
        return;
    };
    let claim = obj.value();
    if obj.terminating || claim["status"]["phase"] == "Bound" {
        return;
    }
    let classes = rt("storage.k8s.io", "storageclasses");
    let class = match claim["spec"]["storageClassName"].as_str() {
        Some(c) => cluster.store.try_get(classes, "", c).map(|c| c.value()),
        None => {
            let Some(class) = default_class(cluster) else {
                return;
            };
            let class_name = class["metadata"]["name"].clone();
            let _ = cluster.store.update(claims, ns, name, |v| {
                v["spec"]["storageClassName"] = class_name;
                Ok(true)
            });
            Some(class)
        }
    };
    let Some(class) = class else {
        return;
    };
    let Some(provisioner) = class["provisioner"]
        .as_str()
        .filter(|p| *p != "kubernetes.io/no-provisioner")
    else {
        return;
    };
    let pv_name = format!("pvc-{}", obj.uid);
    let size = claim["spec"]["resources"]["requests"]["storage"].clone();
    let access_modes = claim["spec"]["accessModes"].clone();
    let pv = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": pv_name, "annotations": {"pv.kubernetes.io/provisioned-by": provisioner, "volume.kubernetes.io/provisioner-deletion-secret-name": "", "volume.kubernetes.io/provisioner-deletion-secret-namespace": ""}},
        "spec": {
            "accessModes": access_modes,
            "capacity": {"storage": size},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": name, "namespace": ns, "uid": obj.uid, "resourceVersion": claim["metadata"]["resourceVersion"]},
            "csi": {"driver": provisioner, "fsType": class["parameters"]["csi.storage.k8s.io/fstype"].as_str().unwrap_or("ext4"), "volumeHandle": volume_handle(&obj.uid), "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": format!("1700000000000-8081-{provisioner}")}},
            "persistentVolumeReclaimPolicy": class["reclaimPolicy"].as_str().unwrap_or("Delete"),
            "storageClassName": class["metadata"]["name"],
            "volumeMode": claim["spec"]["volumeMode"].as_str().unwrap_or("Filesystem"),
        },
        "status": {"phase": "Bound"},
    });
    let component = format!("{provisioner}_ebs-csi-controller-0");
    events::record(
        cluster,
        &claim,
        "Normal",
        "Provisioning",
        &format!("External provisioner is provisioning volume for claim \"{ns}/{name}\""),
        &component,
    );
    if cluster
        .store
        .create(rt("", "persistentvolumes"), pv)
        .is_err()
    {
        return;
    }
    let bound = cluster.store.update(claims, ns, name, |v| {
        let a = &mut v["metadata"]["annotations"];
        if !a.is_object() {
            *a = json!({});
        }
        a["pv.kubernetes.io/bind-completed"] = json!("yes");
        a["pv.kubernetes.io/bound-by-controller"] = json!("yes");
        a["volume.beta.kubernetes.io/storage-provisioner"] = json!(provisioner);
        a["volume.kubernetes.io/storage-provisioner"] = json!(provisioner);
        v["metadata"]["finalizers"] = json!(["kubernetes.io/pvc-protection"]);
        v["spec"]["volumeName"] = json!(pv_name);
        v["status"] =
            json!({"phase": "Bound", "accessModes": access_modes, "capacity": {"storage": size}});
        Ok(true)
    });
    if let Ok(c) = bound {
        events::record(
            cluster,
            &c.value(),
            "Normal",
            "ProvisioningSucceeded",
            &format!("Successfully provisioned volume {pv_name}"),
            &component,
        );
    }
}

/// A claim is gone: its volume is deleted (reclaim policy Delete) or Released (Retain).
pub fn claim_deleted(cluster: &Cluster, claim_uid: &str) {
    let pvs = rt("", "persistentvolumes");
    for pv in cluster.store.list(pvs, None, None).0 {
        let v = pv.value();
        if v["spec"]["claimRef"]["uid"] != claim_uid {
            continue;
        }
        if v["spec"]["persistentVolumeReclaimPolicy"] == "Delete" {
            let _ = cluster.store.remove(pvs, "", &pv.name);
        } else {
            let _ = cluster.store.update(pvs, "", &pv.name, |v| {
                v["status"]["phase"] = json!("Released");
                Ok(true)
            });
        }
    }
}

/// The pvc-protection controller: a deleted claim goes once no pod uses it.
pub fn release_protection(cluster: &Cluster, ns: &str, name: &str) {
    let claims = rt("", "persistentvolumeclaims");
    let Some(obj) = cluster.store.try_get(claims, ns, name) else {
        return;
    };
    if !obj.terminating {
        return;
    }
    let in_use = cluster
        .store
        .list(rt("", "pods"), Some(ns), None)
        .0
        .iter()
        .any(|p| {
            p.json.contains(name)
                && p.value()["spec"]["volumes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|v| v["persistentVolumeClaim"]["claimName"] == name)
        });
    if !in_use {
        let _ = cluster.store.update(claims, ns, name, |v| {
            if let Some(f) = v["metadata"]["finalizers"].as_array_mut() {
                f.retain(|f| f != "kubernetes.io/pvc-protection");
            }
            Ok(true)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_handles_look_like_ebs_volume_ids() {
        let h = volume_handle("0f3a9c2e-1b4d-4e5f-8a7b-9c0d1e2f3a4b");
        assert_eq!(h, "vol-0f3a9c2e1b4d4e5f8");
        assert_eq!(h.len(), 21);
    }
}
