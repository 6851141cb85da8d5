//! Printers for storage: PersistentVolumes and their claims (core/v1), StorageClasses
//! (storage.k8s.io/v1).

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value, json};

use super::{AGE, NAME, Printer, age, col, name, parse, wide};

pub(super) static PERSISTENT_VOLUME: Printer = Printer {
    columns: &[
        NAME,
        col("Capacity", "string", "The actual resources of the volume."),
        col(
            "Access Modes",
            "string",
            "All ways the volume can be mounted.",
        ),
        col(
            "Reclaim Policy",
            "string",
            "What happens to the volume when released from its claim.",
        ),
        col(
            "Status",
            "string",
            "Phase indicates if a volume is available, bound to a claim, or released by a claim.",
        ),
        col("Claim", "string", "The claim bound to this volume."),
        col("StorageClass", "string", "StorageClass of the pv"),
        col(
            "VolumeAttributesClass",
            "string",
            "VolumeAttributesClass of the pv",
        ),
        col(
            "Reason",
            "string",
            "A brief CamelCase string that describes any failure.",
        ),
        AGE,
        wide(
            "VolumeMode",
            "string",
            "Whether the volume is used with a formatted filesystem or as a raw block device.",
        ),
    ],
    cells: |obj, now| parse(obj).map(|o| pv_cells(&o, now)),
};

fn pv_cells(pv: &PersistentVolume, now: Timestamp) -> Vec<Value> {
    let spec = pv.spec.as_ref();
    let status = pv.status.as_ref();
    let claim = spec
        .and_then(|s| s.claim_ref.as_ref())
        .map(|c| {
            format!(
                "{}/{}",
                c.namespace.as_deref().unwrap_or_default(),
                c.name.as_deref().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let phase = if pv.metadata.deletion_timestamp.is_some() {
        "Terminating".to_string()
    } else {
        status.and_then(|s| s.phase.clone()).unwrap_or_default()
    };
    let capacity = spec
        .and_then(|s| s.capacity.as_ref())
        .and_then(|c| c.get("storage"));
    vec![
        name(&pv.metadata),
        json!(quantity(capacity)),
        json!(access_modes(spec.and_then(|s| s.access_modes.as_ref()))),
        json!(
            spec.and_then(|s| s.persistent_volume_reclaim_policy.clone())
                .unwrap_or_default()
        ),
        json!(phase),
        json!(claim),
        json!(storage_class(
            &pv.metadata,
            spec.and_then(|s| s.storage_class_name.as_ref())
        )),
        json!(
            spec.and_then(|s| s.volume_attributes_class_name.clone())
                .unwrap_or_else(|| "<unset>".to_string())
        ),
        json!(status.and_then(|s| s.reason.clone()).unwrap_or_default()),
        age(&pv.metadata, now),
        json!(
            spec.and_then(|s| s.volume_mode.clone())
                .unwrap_or_else(|| "<unset>".to_string())
        ),
    ]
}

pub(super) static PERSISTENT_VOLUME_CLAIM: Printer = Printer {
    columns: &[
        NAME,
        col("Status", "string", "The current phase of the claim."),
        col(
            "Volume",
            "string",
            "The binding reference to the PersistentVolume backing this claim.",
        ),
        col(
            "Capacity",
            "string",
            "The actual resources of the underlying volume.",
        ),
        col(
            "Access Modes",
            "string",
            "The actual access modes the volume backing the PVC has.",
        ),
        col("StorageClass", "string", "StorageClass of the pvc"),
        col(
            "VolumeAttributesClass",
            "string",
            "VolumeAttributesClass of the pvc",
        ),
        AGE,
        wide(
            "VolumeMode",
            "string",
            "Whether the volume is used with a formatted filesystem or as a raw block device.",
        ),
    ],
    cells: |obj, now| parse(obj).map(|o| pvc_cells(&o, now)),
};

fn pvc_cells(pvc: &PersistentVolumeClaim, now: Timestamp) -> Vec<Value> {
    let spec = pvc.spec.as_ref();
    let status = pvc.status.as_ref();
    let phase = if pvc.metadata.deletion_timestamp.is_some() {
        "Terminating".to_string()
    } else {
        status.and_then(|s| s.phase.clone()).unwrap_or_default()
    };
    let volume = spec.and_then(|s| s.volume_name.clone()).unwrap_or_default();
    // Capacity and access modes are only meaningful once bound to a volume.
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        let cap = status
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage"));
        (
            quantity(cap),
            access_modes(status.and_then(|s| s.access_modes.as_ref())),
        )
    };
    vec![
        name(&pvc.metadata),
        json!(phase),
        json!(volume),
        json!(capacity),
        json!(modes),
        json!(storage_class(
            &pvc.metadata,
            spec.and_then(|s| s.storage_class_name.as_ref())
        )),
        json!(
            spec.and_then(|s| s.volume_attributes_class_name.clone())
                .unwrap_or_else(|| "<unset>".to_string())
        ),
        age(&pvc.metadata, now),
        json!(
            spec.and_then(|s| s.volume_mode.clone())
                .unwrap_or_else(|| "<unset>".to_string())
        ),
    ]
}

/// ACCESS MODES abbreviated in a fixed order (`RWO,ROX,RWX,RWOP`).
fn access_modes(modes: Option<&Vec<String>>) -> String {
    let modes = modes.map(Vec::as_slice).unwrap_or_default();
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(full, _)| modes.iter().any(|m| m == full))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The storage class, preferring the legacy beta annotation as kubectl does.
fn storage_class(meta: &ObjectMeta, spec_class: Option<&String>) -> String {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"))
        .or(spec_class)
        .cloned()
        .unwrap_or_default()
}

fn quantity(q: Option<&Quantity>) -> String {
    q.map_or_else(|| "0".to_string(), |q| q.0.clone())
}

pub(super) static STORAGE_CLASS: Printer = Printer {
    columns: &[
        NAME,
        col("Provisioner", "string", "The type of the provisioner."),
        col(
            "ReclaimPolicy",
            "string",
            "What happens to dynamically provisioned volumes when released.",
        ),
        col(
            "VolumeBindingMode",
            "string",
            "When volumes should be provisioned and bound.",
        ),
        col(
            "AllowVolumeExpansion",
            "string",
            "Whether the storage class allows volume expand.",
        ),
        AGE,
    ],
    cells: |obj, now| parse(obj).map(|o| storage_class_cells(&o, now)),
};

fn storage_class_cells(sc: &StorageClass, now: Timestamp) -> Vec<Value> {
    let is_default = sc.metadata.annotations.as_ref().is_some_and(|a| {
        [
            "storageclass.kubernetes.io/is-default-class",
            "storageclass.beta.kubernetes.io/is-default-class",
        ]
        .iter()
        .any(|k| a.get(*k).is_some_and(|v| v == "true"))
    });
    let mut display = sc.metadata.name.clone().unwrap_or_default();
    if is_default {
        display.push_str(" (default)");
    }
    vec![
        json!(display),
        json!(sc.provisioner),
        json!(
            sc.reclaim_policy
                .clone()
                .unwrap_or_else(|| "Delete".to_string())
        ),
        json!(
            sc.volume_binding_mode
                .clone()
                .unwrap_or_else(|| "Immediate".to_string())
        ),
        json!(sc.allow_volume_expansion.unwrap_or(false)),
        age(&sc.metadata, now),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::cells;
    use super::super::tests::{meta, now};
    use serde_json::json;

    #[test]
    fn volumes_show_capacity_modes_and_claims() {
        let pv = json!({"metadata": meta("pv-1"),
            "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "standard",
                "claimRef": {"namespace": "default", "name": "data"}},
            "status": {"phase": "Bound"}});
        assert_eq!(
            cells("PersistentVolume", &pv, now()),
            vec![
                json!("pv-1"),
                json!("10Gi"),
                json!("RWO,RWX"),
                json!("Retain"),
                json!("Bound"),
                json!("default/data"),
                json!("standard"),
                json!("<unset>"),
                json!(""),
                json!("5m12s"),
                json!("<unset>"),
            ]
        );
        let pending = json!({"metadata": meta("data"), "spec": {"storageClassName": "standard",
            "resources": {"requests": {"storage": "1Gi"}}}, "status": {"phase": "Pending"}});
        assert_eq!(
            cells("PersistentVolumeClaim", &pending, now())[1..6],
            [
                json!("Pending"),
                json!(""),
                json!(""),
                json!(""),
                json!("standard")
            ]
        );
        let bound = json!({"metadata": meta("data"), "spec": {"volumeName": "pv-1", "volumeMode": "Filesystem"},
            "status": {"phase": "Bound", "capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"]}});
        let row = cells("PersistentVolumeClaim", &bound, now());
        assert_eq!(
            row[1..5],
            [json!("Bound"), json!("pv-1"), json!("10Gi"), json!("RWO")]
        );
        assert_eq!(row[8], json!("Filesystem"));
    }

    #[test]
    fn default_storage_class_is_marked() {
        let sc = json!({"metadata": {"name": "standard", "creationTimestamp": "2025-06-01T11:54:48Z",
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"});
        assert_eq!(
            cells("StorageClass", &sc, now()),
            vec![
                json!("standard (default)"),
                json!("rancher.io/local-path"),
                json!("Delete"),
                json!("WaitForFirstConsumer"),
                json!(false),
                json!("5m12s"),
            ]
        );
    }
}
