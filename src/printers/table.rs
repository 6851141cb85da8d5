//! `meta.k8s.io/v1` Table columns and row cells, as the apiserver's printers produce them
//! for `kubectl get` (column names in Table casing, e.g. "Nominated Node"; kubectl
//! upper-cases them when printing).

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::{HorizontalPodAutoscaler, MetricSpec, MetricStatus};
use k8s_openapi::api::batch::v1::{CronJob, Job, JobCondition};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, Endpoints, Event, Namespace, Node, PersistentVolume,
    PersistentVolumeClaim, Pod, PodSpec, PodTemplateSpec, Secret, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding, RoleRef, Subject};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::age::{age_of, human_duration, since};
use super::{node, pod};

/// One Table column definition (`meta.k8s.io/v1` TableColumnDefinition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    /// `string`, `integer`, `number`, `boolean` or `date`.
    pub type_: &'static str,
    /// `name` for the object's name column, else empty.
    pub format: &'static str,
    pub description: &'static str,
    /// 0: always shown; 1: only with `-o wide`.
    pub priority: i32,
}

const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const CREATED_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const CONTAINERS_DESC: &str = "Names of each container in the template.";
const IMAGES_DESC: &str = "Images referenced by each container in the template.";

const fn col(name: &'static str, type_: &'static str, description: &'static str) -> Column {
    Column {
        name,
        type_,
        format: "",
        description,
        priority: 0,
    }
}

const fn wide(name: &'static str, type_: &'static str, description: &'static str) -> Column {
    Column {
        priority: 1,
        ..col(name, type_, description)
    }
}

const NAME: Column = Column {
    format: "name",
    ..col("Name", "string", NAME_DESC)
};
const AGE: Column = col("Age", "string", CREATED_DESC);
const CONTAINERS: Column = wide("Containers", "string", CONTAINERS_DESC);
const IMAGES: Column = wide("Images", "string", IMAGES_DESC);
const SELECTOR: Column = wide("Selector", "string", "Label selector for the pods.");

static POD: &[Column] = &[
    NAME,
    col(
        "Ready",
        "string",
        "The aggregate readiness state of this pod for accepting traffic.",
    ),
    col(
        "Status",
        "string",
        "The aggregate status of the containers in this pod.",
    ),
    col(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE,
    wide("IP", "string", "IP address allocated to the pod."),
    wide("Node", "string", "The node the pod is scheduled onto."),
    wide(
        "Nominated Node",
        "string",
        "The node the scheduler nominated for this pod when preempting.",
    ),
    wide(
        "Readiness Gates",
        "string",
        "Readiness gates whose conditions are true, out of those the pod declares.",
    ),
];

static NODE: &[Column] = &[
    NAME,
    col("Status", "string", "The status of the node"),
    col("Roles", "string", "The roles of the node"),
    AGE,
    col("Version", "string", "Kubelet Version reported by the node."),
    wide(
        "Internal-IP",
        "string",
        "The node's first InternalIP address.",
    ),
    wide(
        "External-IP",
        "string",
        "The node's first ExternalIP address.",
    ),
    wide("OS-Image", "string", "OS Image reported by the node."),
    wide(
        "Kernel-Version",
        "string",
        "Kernel Version reported by the node.",
    ),
    wide(
        "Container-Runtime",
        "string",
        "ContainerRuntime Version reported by the node.",
    ),
];

static DEPLOYMENT: &[Column] = &[
    NAME,
    col("Ready", "string", "Number of the pod with ready state"),
    col(
        "Up-to-date",
        "string",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
    ),
    col(
        "Available",
        "string",
        "Total number of available non-terminating pods targeted by this deployment.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
];

static REPLICA_SET: &[Column] = &[
    NAME,
    col(
        "Desired",
        "integer",
        "Replicas is the number of desired pods.",
    ),
    col(
        "Current",
        "integer",
        "Replicas is the most recently observed number of non-terminating pods.",
    ),
    col(
        "Ready",
        "integer",
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
];

static DAEMON_SET: &[Column] = &[
    NAME,
    col(
        "Desired",
        "integer",
        "The total number of nodes that should be running the daemon pod.",
    ),
    col(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
    ),
    col(
        "Ready",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
    ),
    col(
        "Up-to-date",
        "integer",
        "The total number of nodes that are running updated daemon pod.",
    ),
    col(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
    ),
    col(
        "Node Selector",
        "string",
        "NodeSelector of the pod template.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
];

static STATEFUL_SET: &[Column] = &[
    NAME,
    col("Ready", "string", "Number of the pod with ready state"),
    AGE,
    CONTAINERS,
    IMAGES,
];

static SERVICE: &[Column] = &[
    NAME,
    col(
        "Type",
        "string",
        "Type determines how the Service is exposed.",
    ),
    col(
        "Cluster-IP",
        "string",
        "The IP address of the service, usually assigned randomly.",
    ),
    col(
        "External-IP",
        "string",
        "Addresses through which the service is reachable from outside the cluster.",
    ),
    col(
        "Port(s)",
        "string",
        "The list of ports that are exposed by this service.",
    ),
    AGE,
    wide(
        "Selector",
        "string",
        "Route service traffic to pods with label keys and values matching this selector.",
    ),
];

static JOB: &[Column] = &[
    NAME,
    col("Status", "string", "Status of the job."),
    col(
        "Completions",
        "string",
        "The number of pods which reached phase Succeeded.",
    ),
    col("Duration", "string", "Time required to complete the job."),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
];

static CRON_JOB: &[Column] = &[
    NAME,
    col("Schedule", "string", "The schedule in Cron format."),
    col(
        "Timezone",
        "string",
        "The time zone name for the given schedule.",
    ),
    col(
        "Suspend",
        "boolean",
        "This flag tells the controller to suspend subsequent executions.",
    ),
    col(
        "Active",
        "integer",
        "A list of pointers to currently running jobs.",
    ),
    col(
        "Last Schedule",
        "string",
        "Information when was the last time the job was successfully scheduled.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
];

static NAMESPACE: &[Column] = &[
    NAME,
    col("Status", "string", "The status of the namespace"),
    AGE,
];

static EVENT: &[Column] = &[
    col(
        "Last Seen",
        "string",
        "The time at which the most recent occurrence of this event was recorded.",
    ),
    col("Type", "string", "Type of this event (Normal, Warning)."),
    col(
        "Reason",
        "string",
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    col("Object", "string", "The object that this event is about."),
    wide(
        "Subobject",
        "string",
        "The field of the involved object this event is about.",
    ),
    wide("Source", "string", "The component reporting this event."),
    col(
        "Message",
        "string",
        "A human-readable description of the status of this operation.",
    ),
    wide(
        "First Seen",
        "string",
        "The time at which the event was first recorded.",
    ),
    wide(
        "Count",
        "string",
        "The number of times this event has occurred.",
    ),
    Column {
        priority: 1,
        ..NAME
    },
];

static POD_DISRUPTION_BUDGET: &[Column] = &[
    NAME,
    col(
        "Min Available",
        "string",
        "The minimum number of pods that must be available.",
    ),
    col(
        "Max Unavailable",
        "string",
        "The maximum number of pods that may be unavailable.",
    ),
    col(
        "Allowed Disruptions",
        "integer",
        "Calculated number of pods that may be disrupted at this time.",
    ),
    AGE,
];

static CONFIG_MAP: &[Column] = &[
    NAME,
    col(
        "Data",
        "string",
        "Number of data entries, textual and binary.",
    ),
    AGE,
];

static SECRET: &[Column] = &[
    NAME,
    col(
        "Type",
        "string",
        "Used to facilitate programmatic handling of secret data.",
    ),
    col("Data", "string", "Number of data entries."),
    AGE,
];

static SERVICE_ACCOUNT: &[Column] = &[
    NAME,
    col(
        "Secrets",
        "string",
        "Number of secrets pods running as this service account may use.",
    ),
    AGE,
];

static ENDPOINTS: &[Column] = &[
    NAME,
    col(
        "Endpoints",
        "string",
        "The set of all endpoints is the union of all subsets.",
    ),
    AGE,
];

static INGRESS: &[Column] = &[
    NAME,
    col(
        "Class",
        "string",
        "The name of the IngressClass resource that should be used for additional configuration",
    ),
    col(
        "Hosts",
        "string",
        "Hosts that incoming requests are matched against before the ingress rule",
    ),
    col(
        "Address",
        "string",
        "Address is a list containing ingress points for the load-balancer",
    ),
    col("Ports", "string", "Ports of TLS configurations that open"),
    AGE,
];

static PERSISTENT_VOLUME: &[Column] = &[
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
];

static PERSISTENT_VOLUME_CLAIM: &[Column] = &[
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
];

static STORAGE_CLASS: &[Column] = &[
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
];

static ROLE_BINDING: &[Column] = &[
    NAME,
    col(
        "Role",
        "string",
        "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.",
    ),
    AGE,
    wide("Users", "string", "Users in the roleBinding"),
    wide("Groups", "string", "Groups in the roleBinding"),
    wide(
        "ServiceAccounts",
        "string",
        "ServiceAccounts in the roleBinding",
    ),
];

static CLUSTER_ROLE_BINDING: &[Column] = &[
    NAME,
    col(
        "Role",
        "string",
        "RoleRef can only reference a ClusterRole in the global namespace.",
    ),
    AGE,
    wide("Users", "string", "Users in the clusterRoleBinding"),
    wide("Groups", "string", "Groups in the clusterRoleBinding"),
    wide(
        "ServiceAccounts",
        "string",
        "ServiceAccounts in the clusterRoleBinding",
    ),
];

static NETWORK_POLICY: &[Column] = &[
    NAME,
    col(
        "Pod-Selector",
        "string",
        "Selects the pods to which this NetworkPolicy object applies.",
    ),
    AGE,
];

static HORIZONTAL_POD_AUTOSCALER: &[Column] = &[
    NAME,
    col(
        "Reference",
        "string",
        "Points to the target resource to scale.",
    ),
    col(
        "Targets",
        "string",
        "The specifications for which to use to calculate the desired replica count.",
    ),
    col(
        "MinPods",
        "string",
        "The lower limit for the number of replicas.",
    ),
    col(
        "MaxPods",
        "string",
        "The upper limit for the number of replicas.",
    ),
    col(
        "Replicas",
        "string",
        "Current number of replicas of pods managed by this autoscaler.",
    ),
    AGE,
];

/// What the apiserver's default table convertor shows for kinds without a printer
/// (Role and ClusterRole included): the name and an RFC 3339 creation time.
static DEFAULT: &[Column] = &[NAME, col("Created At", "date", CREATED_DESC)];

/// Columns kubectl shows for `kind`, wide (priority 1) columns included.
pub fn columns(kind: &str) -> &'static [Column] {
    match kind {
        "Pod" => POD,
        "Node" => NODE,
        "Deployment" => DEPLOYMENT,
        "ReplicaSet" => REPLICA_SET,
        "DaemonSet" => DAEMON_SET,
        "StatefulSet" => STATEFUL_SET,
        "Service" => SERVICE,
        "Job" => JOB,
        "CronJob" => CRON_JOB,
        "Namespace" => NAMESPACE,
        "Event" => EVENT,
        "PodDisruptionBudget" => POD_DISRUPTION_BUDGET,
        "ConfigMap" => CONFIG_MAP,
        "Secret" => SECRET,
        "ServiceAccount" => SERVICE_ACCOUNT,
        "Endpoints" => ENDPOINTS,
        "Ingress" => INGRESS,
        "PersistentVolume" => PERSISTENT_VOLUME,
        "PersistentVolumeClaim" => PERSISTENT_VOLUME_CLAIM,
        "StorageClass" => STORAGE_CLASS,
        "RoleBinding" => ROLE_BINDING,
        "ClusterRoleBinding" => CLUSTER_ROLE_BINDING,
        "NetworkPolicy" => NETWORK_POLICY,
        "HorizontalPodAutoscaler" => HORIZONTAL_POD_AUTOSCALER,
        _ => DEFAULT,
    }
}

/// One row's cells for `obj` (JSON as stored), in `columns(kind)` order.
///
/// An object that does not parse as its kind still gets a row of the right width, with
/// its name and age filled in, so one odd object cannot break a whole listing.
pub fn cells(kind: &str, obj: &Value, now: Timestamp) -> Vec<Value> {
    let row = match kind {
        "Pod" => parse(obj).map(|o| pod_cells(&o, now)),
        "Node" => parse(obj).map(|o| node_cells(&o, now)),
        "Deployment" => parse(obj).map(|o| deployment_cells(&o, now)),
        "ReplicaSet" => parse(obj).map(|o| replica_set_cells(&o, now)),
        "DaemonSet" => parse(obj).map(|o| daemon_set_cells(&o, now)),
        "StatefulSet" => parse(obj).map(|o| stateful_set_cells(&o, now)),
        "Service" => parse(obj).map(|o| service_cells(&o, now)),
        "Job" => parse(obj).map(|o| job_cells(&o, now)),
        "CronJob" => parse(obj).map(|o| cron_job_cells(&o, now)),
        "Namespace" => parse(obj).map(|o: Namespace| {
            let phase = o.status.and_then(|s| s.phase).unwrap_or_default();
            vec![name(&o.metadata), json!(phase), age(&o.metadata, now)]
        }),
        "Event" => parse(obj).map(|o| event_cells(&o, now)),
        "PodDisruptionBudget" => parse(obj).map(|o| pdb_cells(&o, now)),
        "ConfigMap" => parse(obj).map(|o: ConfigMap| {
            let n = o.data.map_or(0, |d| d.len()) + o.binary_data.map_or(0, |d| d.len());
            vec![name(&o.metadata), json!(n), age(&o.metadata, now)]
        }),
        "Secret" => parse(obj).map(|o: Secret| {
            let n = o.data.map_or(0, |d| d.len());
            let type_ = o.type_.unwrap_or_default();
            vec![
                name(&o.metadata),
                json!(type_),
                json!(n),
                age(&o.metadata, now),
            ]
        }),
        "ServiceAccount" => parse(obj).map(|o: ServiceAccount| {
            let n = o.secrets.map_or(0, |s| s.len());
            vec![name(&o.metadata), json!(n), age(&o.metadata, now)]
        }),
        "Endpoints" => parse(obj).map(|o: Endpoints| {
            vec![
                name(&o.metadata),
                json!(format_endpoints(&o)),
                age(&o.metadata, now),
            ]
        }),
        "Ingress" => parse(obj).map(|o| ingress_cells(&o, now)),
        "PersistentVolume" => parse(obj).map(|o| pv_cells(&o, now)),
        "PersistentVolumeClaim" => parse(obj).map(|o| pvc_cells(&o, now)),
        "StorageClass" => parse(obj).map(|o| storage_class_cells(&o, now)),
        "RoleBinding" => parse(obj).map(|o: RoleBinding| {
            binding_cells(&o.metadata, &o.role_ref, o.subjects.as_deref(), now)
        }),
        "ClusterRoleBinding" => parse(obj).map(|o: ClusterRoleBinding| {
            binding_cells(&o.metadata, &o.role_ref, o.subjects.as_deref(), now)
        }),
        "NetworkPolicy" => parse(obj).map(|o: NetworkPolicy| {
            let selector = o.spec.and_then(|s| s.pod_selector);
            vec![
                name(&o.metadata),
                json!(format_label_selector(selector.as_ref())),
                age(&o.metadata, now),
            ]
        }),
        "HorizontalPodAutoscaler" => parse(obj).map(|o| hpa_cells(&o, now)),
        _ => None,
    };
    row.unwrap_or_else(|| fallback_cells(kind, obj, now))
}

/// `columnDefinitions` of a `meta.k8s.io/v1` Table for `kind`.
pub fn column_definitions(kind: &str) -> Vec<Value> {
    columns(kind)
        .iter()
        .map(|c| {
            json!({"name": c.name, "type": c.type_, "format": c.format,
                   "description": c.description, "priority": c.priority})
        })
        .collect()
}

/// One Table row: cells plus the object as `PartialObjectMetadata`, which is what the
/// apiserver embeds by default (`includeObject=Metadata`). Finished pods carry the
/// `Completed` row condition the apiserver sets.
pub fn row(kind: &str, obj: &Value, now: Timestamp) -> Value {
    let mut row = json!({
        "cells": cells(kind, obj, now),
        "object": {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
        },
    });
    if kind == "Pod" {
        let phase = obj.pointer("/status/phase").and_then(Value::as_str);
        let message = match phase {
            Some("Succeeded") => Some("The pod has completed successfully."),
            Some("Failed") => Some("The pod failed."),
            _ => None,
        };
        if let (Some(phase), Some(message)) = (phase, message) {
            row["conditions"] = json!([{"type": "Completed", "status": "True",
                                        "reason": phase, "message": message}]);
        }
    }
    row
}

/// A whole `meta.k8s.io/v1` Table for `objects` of one kind. `metadata` is left empty
/// for the caller to fill (resourceVersion, continue).
pub fn table(kind: &str, objects: &[Value], now: Timestamp) -> Value {
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": column_definitions(kind),
        "rows": objects.iter().map(|o| row(kind, o, now)).collect::<Vec<_>>(),
    })
}

fn parse<T: DeserializeOwned>(obj: &Value) -> Option<T> {
    serde_json::from_value(obj.clone()).ok()
}

/// Default-convertor cells for unknown kinds; for known kinds that failed to parse, a row
/// of the right width with whatever name and age the metadata offers.
fn fallback_cells(kind: &str, obj: &Value, now: Timestamp) -> Vec<Value> {
    let meta: ObjectMeta = obj
        .get("metadata")
        .and_then(|m| serde_json::from_value(m.clone()).ok())
        .unwrap_or_default();
    let cols = columns(kind);
    if std::ptr::eq(cols, DEFAULT) {
        // Go formats a missing (zero) time as year 1 rather than leaving the cell empty.
        let created = meta.creation_timestamp.as_ref().map_or_else(
            || "0001-01-01T00:00:00Z".to_string(),
            |Time(t)| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
        return vec![name(&meta), json!(created)];
    }
    cols.iter()
        .map(|c| match (c.format, c.name) {
            ("name", _) => name(&meta),
            (_, "Age") => age(&meta, now),
            _ => json!(""),
        })
        .collect()
}

fn name(meta: &ObjectMeta) -> Value {
    json!(meta.name.clone().unwrap_or_default())
}

fn age(meta: &ObjectMeta, now: Timestamp) -> Value {
    json!(age_of(meta.creation_timestamp.as_ref(), now))
}

fn or_placeholder(s: Option<&str>, placeholder: &str) -> String {
    match s {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => placeholder.to_string(),
    }
}

/// CONTAINERS and IMAGES for wide output: all containers on one line.
fn container_cells(containers: &[Container]) -> [Value; 2] {
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = containers
        .iter()
        .map(|c| c.image.as_deref().unwrap_or_default())
        .collect();
    [json!(names.join(",")), json!(images.join(","))]
}

fn template_containers(template: Option<&PodTemplateSpec>) -> &[Container] {
    template
        .and_then(|t| t.spec.as_ref())
        .map_or(&[], |s: &PodSpec| s.containers.as_slice())
}

/// `a=b,c=d` with sorted keys, or `<none>` (kubectl's `labels.FormatLabels`).
pub fn format_labels(labels: Option<&BTreeMap<String, String>>) -> String {
    let pairs: Vec<String> = labels
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if pairs.is_empty() {
        "<none>".to_string()
    } else {
        pairs.join(",")
    }
}

/// A label selector in its string form (`app=web,tier in (a,b),!legacy`), empty when it
/// selects everything or is absent. Requirements are ordered by key, values sorted.
pub fn label_selector_string(selector: Option<&LabelSelector>) -> String {
    let Some(selector) = selector else {
        return String::new();
    };
    let mut reqs: Vec<(String, String)> = selector
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), format!("{k}={v}")))
        .collect();
    for e in selector.match_expressions.iter().flatten() {
        let mut values = e.values.clone().unwrap_or_default();
        values.sort();
        let values = values.join(",");
        let k = &e.key;
        let s = match e.operator.as_str() {
            "In" => format!("{k} in ({values})"),
            "NotIn" => format!("{k} notin ({values})"),
            "Exists" => k.clone(),
            "DoesNotExist" => format!("!{k}"),
            _ => return "<error>".to_string(),
        };
        reqs.push((k.clone(), s));
    }
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    reqs.into_iter()
        .map(|(_, s)| s)
        .collect::<Vec<_>>()
        .join(",")
}

/// kubectl's `FormatLabelSelector`: the selector string, or `<none>` when empty.
pub fn format_label_selector(selector: Option<&LabelSelector>) -> String {
    let s = label_selector_string(selector);
    if s.is_empty() {
        "<none>".to_string()
    } else {
        s
    }
}

fn pod_cells(p: &Pod, now: Timestamp) -> Vec<Value> {
    let summary = pod::summarize(p);
    let restarts = pod::restarts_display(summary.restarts, summary.last_restart, now);
    let status = p.status.as_ref();
    let spec = p.spec.as_ref();
    // podIPs is authoritative; podIP covers stores that only set the legacy field.
    let ip = status
        .and_then(|s| s.pod_ips.as_ref())
        .and_then(|ips| ips.first())
        .map(|ip| ip.ip.clone())
        .or_else(|| status.and_then(|s| s.pod_ip.clone()));
    let node_name = spec.and_then(|s| s.node_name.as_deref());
    let nominated = status.and_then(|s| s.nominated_node_name.as_deref());
    let gates = spec
        .and_then(|s| s.readiness_gates.as_deref())
        .unwrap_or_default();
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let conditions = status
            .and_then(|s| s.conditions.as_deref())
            .unwrap_or_default();
        let passing = gates
            .iter()
            .filter(|g| {
                conditions
                    .iter()
                    .find(|c| c.type_ == g.condition_type)
                    .is_some_and(|c| c.status == "True")
            })
            .count();
        format!("{passing}/{}", gates.len())
    };
    vec![
        name(&p.metadata),
        json!(format!("{}/{}", summary.ready, summary.total)),
        json!(summary.reason),
        json!(restarts),
        age(&p.metadata, now),
        json!(or_placeholder(ip.as_deref(), "<none>")),
        json!(or_placeholder(node_name, "<none>")),
        json!(or_placeholder(nominated, "<none>")),
        json!(readiness_gates),
    ]
}

fn node_cells(n: &Node, now: Timestamp) -> Vec<Value> {
    let info = n.status.as_ref().and_then(|s| s.node_info.as_ref());
    let field = |f: fn(&k8s_openapi::api::core::v1::NodeSystemInfo) -> &str| {
        json!(or_placeholder(info.map(f), "<unknown>"))
    };
    vec![
        name(&n.metadata),
        json!(node::node_status(n)),
        json!(node::node_roles(n)),
        age(&n.metadata, now),
        json!(info.map(|i| i.kubelet_version.clone()).unwrap_or_default()),
        json!(node::node_internal_ip(n)),
        json!(node::node_external_ip(n)),
        field(|i| &i.os_image),
        field(|i| &i.kernel_version),
        field(|i| &i.container_runtime_version),
    ]
}

fn deployment_cells(d: &Deployment, now: Timestamp) -> Vec<Value> {
    let spec = d.spec.as_ref();
    let status = d.status.as_ref();
    let desired = spec.and_then(|s| s.replicas).unwrap_or(0);
    let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
    let updated = status.and_then(|s| s.updated_replicas).unwrap_or(0);
    let available = status.and_then(|s| s.available_replicas).unwrap_or(0);
    let [names, images] = container_cells(template_containers(spec.map(|s| &s.template)));
    vec![
        name(&d.metadata),
        json!(format!("{ready}/{desired}")),
        json!(updated),
        json!(available),
        age(&d.metadata, now),
        names,
        images,
        // Deployments print the bare selector string (empty, not <none>).
        json!(label_selector_string(spec.map(|s| &s.selector))),
    ]
}

fn replica_set_cells(rs: &ReplicaSet, now: Timestamp) -> Vec<Value> {
    let spec = rs.spec.as_ref();
    let status = rs.status.as_ref();
    let [names, images] =
        container_cells(template_containers(spec.and_then(|s| s.template.as_ref())));
    vec![
        name(&rs.metadata),
        json!(spec.and_then(|s| s.replicas).unwrap_or(0)),
        json!(status.map_or(0, |s| s.replicas)),
        json!(status.and_then(|s| s.ready_replicas).unwrap_or(0)),
        age(&rs.metadata, now),
        names,
        images,
        json!(format_label_selector(spec.map(|s| &s.selector))),
    ]
}

fn daemon_set_cells(ds: &DaemonSet, now: Timestamp) -> Vec<Value> {
    let spec = ds.spec.as_ref();
    let status = ds.status.as_ref();
    let template = spec.map(|s| &s.template);
    let node_selector = template
        .and_then(|t| t.spec.as_ref())
        .and_then(|s| s.node_selector.as_ref());
    let [names, images] = container_cells(template_containers(template));
    vec![
        name(&ds.metadata),
        json!(status.map_or(0, |s| s.desired_number_scheduled)),
        json!(status.map_or(0, |s| s.current_number_scheduled)),
        json!(status.map_or(0, |s| s.number_ready)),
        json!(status.and_then(|s| s.updated_number_scheduled).unwrap_or(0)),
        json!(status.and_then(|s| s.number_available).unwrap_or(0)),
        json!(format_labels(node_selector)),
        age(&ds.metadata, now),
        names,
        images,
        json!(format_label_selector(spec.map(|s| &s.selector))),
    ]
}

fn stateful_set_cells(ss: &StatefulSet, now: Timestamp) -> Vec<Value> {
    let spec = ss.spec.as_ref();
    let desired = spec.and_then(|s| s.replicas).unwrap_or(0);
    let ready = ss
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let [names, images] = container_cells(template_containers(spec.map(|s| &s.template)));
    vec![
        name(&ss.metadata),
        json!(format!("{ready}/{desired}")),
        age(&ss.metadata, now),
        names,
        images,
    ]
}

/// EXTERNAL-IP of a Service, by type.
fn service_external_ip(svc: &Service) -> String {
    let spec = svc.spec.as_ref();
    let external_ips = spec
        .and_then(|s| s.external_ips.clone())
        .unwrap_or_default();
    // The apiserver defaults an absent type to ClusterIP.
    match spec.and_then(|s| s.type_.as_deref()).unwrap_or("ClusterIP") {
        "ClusterIP" | "NodePort" if !external_ips.is_empty() => external_ips.join(","),
        "ClusterIP" | "NodePort" => "<none>".to_string(),
        "LoadBalancer" => {
            let ingress = svc
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_deref())
                .unwrap_or_default();
            let mut all = unique(ingress.iter().filter_map(|i| {
                non_empty(i.ip.as_deref()).or_else(|| non_empty(i.hostname.as_deref()))
            }));
            all.extend(external_ips);
            if all.is_empty() {
                "<pending>".to_string()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => spec
            .and_then(|s| s.external_name.clone())
            .unwrap_or_default(),
        _ => "<unknown>".to_string(),
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// De-duplicate while keeping first-seen order (kubectl uses an unordered set here).
fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.iter().any(|o| o == i) {
            out.push(i.to_string());
        }
    }
    out
}

fn service_cells(svc: &Service, now: Timestamp) -> Vec<Value> {
    let spec = svc.spec.as_ref();
    let cluster_ip = spec
        .and_then(|s| s.cluster_ips.as_ref())
        .and_then(|ips| ips.first().cloned())
        .or_else(|| spec.and_then(|s| s.cluster_ip.clone()));
    let ports: Vec<String> = spec
        .and_then(|s| s.ports.as_deref())
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let proto = p.protocol.as_deref().unwrap_or("TCP");
            match p.node_port.filter(|&n| n > 0) {
                Some(node_port) => format!("{}:{node_port}/{proto}", p.port),
                None => format!("{}/{proto}", p.port),
            }
        })
        .collect();
    vec![
        name(&svc.metadata),
        json!(
            spec.and_then(|s| s.type_.clone())
                .unwrap_or_else(|| "ClusterIP".to_string())
        ),
        json!(or_placeholder(cluster_ip.as_deref(), "<none>")),
        json!(service_external_ip(svc)),
        json!(or_placeholder(Some(&ports.join(",")), "<none>")),
        age(&svc.metadata, now),
        json!(format_labels(spec.and_then(|s| s.selector.as_ref()))),
    ]
}

/// Whether the first condition of this type is True.
fn job_condition(conditions: &[JobCondition], type_: &str) -> bool {
    conditions
        .iter()
        .find(|c| c.type_ == type_)
        .is_some_and(|c| c.status == "True")
}

fn job_cells(job: &Job, now: Timestamp) -> Vec<Value> {
    let spec = job.spec.as_ref();
    let status = job.status.as_ref();
    let succeeded = status.and_then(|s| s.succeeded).unwrap_or(0);
    let completions = match spec.and_then(|s| s.completions) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match spec.and_then(|s| s.parallelism).unwrap_or(0) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let start = status.and_then(|s| s.start_time.as_ref());
    let end = status.and_then(|s| s.completion_time.as_ref());
    let duration = match (start, end) {
        (None, _) => String::new(),
        (Some(Time(start)), None) => since(*start, now),
        (Some(Time(start)), Some(Time(end))) => human_duration(end.duration_since(*start)),
    };
    let conditions = status
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let state = if job_condition(conditions, "Complete") {
        "Complete"
    } else if job_condition(conditions, "Failed") {
        "Failed"
    } else if job.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else if job_condition(conditions, "Suspended") {
        "Suspended"
    } else if job_condition(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let [names, images] = container_cells(template_containers(spec.map(|s| &s.template)));
    vec![
        name(&job.metadata),
        json!(state),
        json!(completions),
        json!(duration),
        age(&job.metadata, now),
        names,
        images,
        json!(format_label_selector(
            spec.and_then(|s| s.selector.as_ref())
        )),
    ]
}

fn cron_job_cells(cj: &CronJob, now: Timestamp) -> Vec<Value> {
    let spec = cj.spec.as_ref();
    let status = cj.status.as_ref();
    let job_spec = spec.and_then(|s| s.job_template.spec.as_ref());
    let suspend = match spec.and_then(|s| s.suspend) {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    let last_schedule = status
        .and_then(|s| s.last_schedule_time.as_ref())
        .map_or_else(|| "<none>".to_string(), |t| age_of(Some(t), now));
    let [names, images] = container_cells(template_containers(job_spec.map(|s| &s.template)));
    vec![
        name(&cj.metadata),
        json!(spec.map(|s| s.schedule.clone()).unwrap_or_default()),
        json!(
            spec.and_then(|s| s.time_zone.clone())
                .unwrap_or_else(|| "<none>".to_string())
        ),
        json!(suspend),
        json!(
            status
                .and_then(|s| s.active.as_ref())
                .map_or(0, |a| a.len())
        ),
        json!(last_schedule),
        age(&cj.metadata, now),
        names,
        images,
        json!(format_label_selector(
            job_spec.and_then(|s| s.selector.as_ref())
        )),
    ]
}

fn event_cells(e: &Event, now: Timestamp) -> Vec<Value> {
    let first = match (&e.first_timestamp, &e.event_time) {
        (Some(t), _) => age_of(Some(t), now),
        (None, Some(t)) => since(t.0, now),
        (None, None) => "<unknown>".to_string(),
    };
    let mut last = e
        .last_timestamp
        .as_ref()
        .map_or_else(|| first.clone(), |t| age_of(Some(t), now));
    let mut count = e.count.unwrap_or(0);
    if let Some(series) = &e.series {
        last = series
            .last_observed_time
            .as_ref()
            .map_or_else(|| "<unknown>".to_string(), |t| since(t.0, now));
        count = series.count.unwrap_or(0);
    } else if count == 0 {
        // Events from the events.k8s.io API leave the count unset for singletons.
        count = 1;
    }
    let obj = &e.involved_object;
    let kind = obj.kind.as_deref().unwrap_or_default().to_lowercase();
    let target = match obj.name.as_deref() {
        Some(n) if !n.is_empty() => format!("{kind}/{n}"),
        _ => kind,
    };
    let source = e.source.as_ref();
    let component = non_empty(source.and_then(|s| s.component.as_deref()))
        .or(non_empty(e.reporting_component.as_deref()))
        .unwrap_or_default();
    let host = non_empty(source.and_then(|s| s.host.as_deref()))
        .or(non_empty(e.reporting_instance.as_deref()));
    let source = match host {
        Some(h) => format!("{component}, {h}"),
        None => component.to_string(),
    };
    vec![
        json!(last),
        json!(e.type_.clone().unwrap_or_default()),
        json!(e.reason.clone().unwrap_or_default()),
        json!(target),
        json!(obj.field_path.clone().unwrap_or_default()),
        json!(source),
        json!(e.message.as_deref().unwrap_or_default().trim()),
        json!(first),
        json!(count),
        name(&e.metadata),
    ]
}

fn int_or_string(v: Option<&IntOrString>) -> String {
    match v {
        Some(IntOrString::Int(i)) => i.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => "N/A".to_string(),
    }
}

fn pdb_cells(pdb: &PodDisruptionBudget, now: Timestamp) -> Vec<Value> {
    let spec = pdb.spec.as_ref();
    vec![
        name(&pdb.metadata),
        json!(int_or_string(spec.and_then(|s| s.min_available.as_ref()))),
        json!(int_or_string(spec.and_then(|s| s.max_unavailable.as_ref()))),
        json!(pdb.status.as_ref().map_or(0, |s| s.disruptions_allowed)),
        age(&pdb.metadata, now),
    ]
}

/// ENDPOINTS: up to three `ip:port` pairs, then `+ N more...`.
fn format_endpoints(ep: &Endpoints) -> String {
    const MAX: usize = 3;
    let subsets = ep.subsets.as_deref().unwrap_or_default();
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    let mut list: Vec<String> = Vec::new();
    let mut count = 0;
    for ss in subsets {
        let addrs = ss.addresses.as_deref().unwrap_or_default();
        let ports = ss.ports.as_deref().unwrap_or_default();
        if ports.is_empty() {
            // Headless services may have no ports; list bare addresses.
            count += addrs.len();
            list.extend(addrs.iter().map(|a| a.ip.clone()).take(MAX - list.len()));
            continue;
        }
        for port in ports {
            count += addrs.len();
            list.extend(
                addrs
                    .iter()
                    .map(|a| join_host_port(&a.ip, port.port))
                    .take(MAX - list.len()),
            );
        }
    }
    let joined = list.join(",");
    if count > MAX {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

/// `host:port`, bracketing IPv6 addresses.
fn join_host_port(host: &str, port: i32) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn ingress_cells(ing: &Ingress, now: Timestamp) -> Vec<Value> {
    const MAX: usize = 3;
    let spec = ing.spec.as_ref();
    let rules = spec.and_then(|s| s.rules.as_deref()).unwrap_or_default();
    // Up to three non-empty hosts; "more" only once a fourth rule is reached.
    let mut hosts: Vec<&str> = Vec::new();
    let mut more = false;
    for rule in rules {
        if hosts.len() == MAX {
            more = true;
            break;
        }
        hosts.extend(non_empty(rule.host.as_deref()));
    }
    let hosts = if hosts.is_empty() {
        "*".to_string()
    } else if more {
        format!("{} + {} more...", hosts.join(","), rules.len() - MAX)
    } else {
        hosts.join(",")
    };
    let lb = ing
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_deref())
        .unwrap_or_default();
    let address =
        unique(lb.iter().filter_map(|i| {
            non_empty(i.ip.as_deref()).or_else(|| non_empty(i.hostname.as_deref()))
        }))
        .join(",");
    let has_tls = spec
        .and_then(|s| s.tls.as_ref())
        .is_some_and(|t| !t.is_empty());
    vec![
        name(&ing.metadata),
        json!(or_placeholder(
            spec.and_then(|s| s.ingress_class_name.as_deref()),
            "<none>"
        )),
        json!(hosts),
        json!(address),
        json!(if has_tls { "80, 443" } else { "80" }),
        age(&ing.metadata, now),
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

fn binding_cells(
    meta: &ObjectMeta,
    role_ref: &RoleRef,
    subjects: Option<&[Subject]>,
    now: Timestamp,
) -> Vec<Value> {
    let subjects = subjects.unwrap_or_default();
    let of_kind = |kind: &str| {
        subjects
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| match kind {
                "ServiceAccount" => {
                    format!("{}/{}", s.namespace.as_deref().unwrap_or_default(), s.name)
                }
                _ => s.name.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        name(meta),
        json!(format!("{}/{}", role_ref.kind, role_ref.name)),
        age(meta, now),
        json!(of_kind("User")),
        json!(of_kind("Group")),
        json!(of_kind("ServiceAccount")),
    ]
}

/// One HPA metric as `current/target`, e.g. `cpu: 42%/80%`.
fn format_metric(spec: &MetricSpec, status: Option<&MetricStatus>) -> String {
    const UNKNOWN: &str = "<unknown>";
    let q = |q: Option<&Quantity>| q.map_or_else(|| "<nil>".to_string(), |q| q.0.clone());
    let pct = |v: Option<i32>| v.map(|v| format!("{v}%"));
    // Targets by value or average value share a shape across metric sources.
    let valued =
        |target: &k8s_openapi::api::autoscaling::v2::MetricTarget,
         current: Option<&k8s_openapi::api::autoscaling::v2::MetricValueStatus>| {
            if target.average_value.is_some() {
                let cur = current
                    .and_then(|c| c.average_value.as_ref())
                    .map_or_else(|| UNKNOWN.to_string(), |v| v.0.clone());
                format!("{cur}/{} (avg)", q(target.average_value.as_ref()))
            } else {
                let cur = current.map_or_else(|| UNKNOWN.to_string(), |c| q(c.value.as_ref()));
                format!("{cur}/{}", q(target.value.as_ref()))
            }
        };
    let resource =
        |name: &str,
         target: &k8s_openapi::api::autoscaling::v2::MetricTarget,
         current: Option<&k8s_openapi::api::autoscaling::v2::MetricValueStatus>| {
            if target.average_value.is_some() {
                let cur =
                    current.map_or_else(|| UNKNOWN.to_string(), |c| q(c.average_value.as_ref()));
                format!("{name}: {cur}/{}", q(target.average_value.as_ref()))
            } else {
                let cur = current
                    .and_then(|c| pct(c.average_utilization))
                    .unwrap_or_else(|| UNKNOWN.to_string());
                let tgt = pct(target.average_utilization).unwrap_or_else(|| "<auto>".to_string());
                format!("{name}: {cur}/{tgt}")
            }
        };
    match spec.type_.as_str() {
        "External" => spec.external.as_ref().map(|m| {
            valued(
                &m.target,
                status.and_then(|s| s.external.as_ref()).map(|s| &s.current),
            )
        }),
        "Pods" => spec.pods.as_ref().map(|m| {
            let cur = status.and_then(|s| s.pods.as_ref()).map_or_else(
                || UNKNOWN.to_string(),
                |s| q(s.current.average_value.as_ref()),
            );
            format!("{cur}/{}", q(m.target.average_value.as_ref()))
        }),
        "Object" => spec.object.as_ref().map(|m| {
            valued(
                &m.target,
                status.and_then(|s| s.object.as_ref()).map(|s| &s.current),
            )
        }),
        "Resource" => spec.resource.as_ref().map(|m| {
            let cur = status.and_then(|s| s.resource.as_ref()).map(|s| &s.current);
            resource(&m.name, &m.target, cur)
        }),
        "ContainerResource" => spec.container_resource.as_ref().map(|m| {
            let cur = status
                .and_then(|s| s.container_resource.as_ref())
                .map(|s| &s.current);
            resource(&m.name, &m.target, cur)
        }),
        _ => None,
    }
    .unwrap_or_else(|| "<unknown type>".to_string())
}

fn hpa_cells(hpa: &HorizontalPodAutoscaler, now: Timestamp) -> Vec<Value> {
    const MAX: usize = 2;
    let spec = hpa.spec.as_ref();
    let status = hpa.status.as_ref();
    let metrics = spec.and_then(|s| s.metrics.as_deref()).unwrap_or_default();
    let current = status
        .and_then(|s| s.current_metrics.as_deref())
        .unwrap_or_default();
    let targets = if metrics.is_empty() {
        "<none>".to_string()
    } else {
        let shown: Vec<String> = metrics
            .iter()
            .enumerate()
            .take(MAX)
            .map(|(i, m)| format_metric(m, current.get(i)))
            .collect();
        if metrics.len() > MAX {
            format!("{} + {} more...", shown.join(", "), metrics.len() - MAX)
        } else {
            shown.join(", ")
        }
    };
    let reference = spec.map_or_else(String::new, |s| {
        format!("{}/{}", s.scale_target_ref.kind, s.scale_target_ref.name)
    });
    vec![
        name(&hpa.metadata),
        json!(reference),
        json!(targets),
        json!(
            spec.and_then(|s| s.min_replicas)
                .map_or_else(|| "<unset>".to_string(), |m| m.to_string())
        ),
        json!(spec.map_or(0, |s| s.max_replicas)),
        json!(status.and_then(|s| s.current_replicas).unwrap_or(0)),
        age(&hpa.metadata, now),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2025-06-01T12:00:00Z".parse().unwrap()
    }

    fn meta(name: &str) -> Value {
        json!({"name": name, "namespace": "default", "creationTimestamp": "2025-06-01T11:54:48Z"})
    }

    fn names(kind: &str) -> Vec<&'static str> {
        columns(kind).iter().map(|c| c.name).collect()
    }

    const KINDS: &[&str] = &[
        "Pod",
        "Node",
        "Deployment",
        "ReplicaSet",
        "DaemonSet",
        "StatefulSet",
        "Service",
        "Job",
        "CronJob",
        "Namespace",
        "Event",
        "PodDisruptionBudget",
        "ConfigMap",
        "Secret",
        "ServiceAccount",
        "Endpoints",
        "Ingress",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "StorageClass",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "NetworkPolicy",
        "HorizontalPodAutoscaler",
    ];

    #[test]
    fn every_kind_has_one_cell_per_column_and_one_name_column() {
        for kind in KINDS {
            let row = cells(kind, &json!({"metadata": meta("x")}), now());
            assert_eq!(row.len(), columns(kind).len(), "{kind}");
            let name_cols = columns(kind).iter().filter(|c| c.format == "name").count();
            assert_eq!(name_cols, 1, "{kind}");
        }
    }

    #[test]
    fn pod_columns_match_kubectl() {
        assert_eq!(
            names("Pod"),
            [
                "Name",
                "Ready",
                "Status",
                "Restarts",
                "Age",
                "IP",
                "Node",
                "Nominated Node",
                "Readiness Gates"
            ]
        );
        let wide: Vec<_> = columns("Pod").iter().filter(|c| c.priority == 1).collect();
        assert_eq!(wide.len(), 4);
    }

    #[test]
    fn pod_row_has_kubectl_cells() {
        let pod = json!({
            "metadata": meta("web-1"),
            "spec": {"nodeName": "node-a", "containers": [{"name": "a"}],
                     "readinessGates": [{"conditionType": "example.com/lb"}]},
            "status": {"phase": "Running", "podIPs": [{"ip": "10.1.0.5"}],
                "conditions": [{"type": "example.com/lb", "status": "True"}],
                "containerStatuses": [{"name": "a", "ready": true, "restartCount": 1,
                    "image": "x", "imageID": "", "state": {"running": {}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2025-06-01T11:00:00Z"}}}]}
        });
        assert_eq!(
            cells("Pod", &pod, now()),
            vec![
                json!("web-1"),
                json!("1/1"),
                json!("Running"),
                json!("1 (60m ago)"),
                json!("5m12s"),
                json!("10.1.0.5"),
                json!("node-a"),
                json!("<none>"),
                json!("1/1"),
            ]
        );
    }

    #[test]
    fn unknown_kind_gets_name_and_age() {
        assert_eq!(names("Widget"), ["Name", "Created At"]);
        assert_eq!(columns("Widget")[1].type_, "date");
        let row = cells("Widget", &json!({"metadata": meta("w")}), now());
        assert_eq!(row, vec![json!("w"), json!("2025-06-01T11:54:48Z")]);
    }

    #[test]
    fn unknown_kind_without_timestamp_shows_go_zero_time() {
        let row = cells("Widget", &json!({"metadata": {"name": "w"}}), now());
        assert_eq!(row[1], json!("0001-01-01T00:00:00Z"));
    }

    #[test]
    fn table_wraps_columns_rows_and_partial_metadata() {
        let done = json!({"metadata": meta("job-pod"), "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Succeeded"}});
        let t = table("Pod", &[done], now());
        assert_eq!(t["kind"], "Table");
        assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(t["columnDefinitions"][0]["name"], "Name");
        assert_eq!(t["columnDefinitions"][0]["format"], "name");
        assert_eq!(t["columnDefinitions"][7]["name"], "Nominated Node");
        assert_eq!(t["columnDefinitions"][7]["priority"], 1);
        let row = &t["rows"][0];
        assert_eq!(row["cells"][2], "Succeeded");
        assert_eq!(row["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(row["object"]["metadata"]["name"], "job-pod");
        assert_eq!(row["conditions"][0]["reason"], "Succeeded");
    }

    #[test]
    fn roles_use_the_default_created_at_columns() {
        assert_eq!(names("Role"), ["Name", "Created At"]);
        assert_eq!(names("ClusterRole"), ["Name", "Created At"]);
    }

    #[test]
    fn malformed_known_object_still_gets_name_and_age() {
        let bad = json!({"metadata": meta("odd"), "spec": {"containers": "not-a-list"}});
        let row = cells("Pod", &bad, now());
        assert_eq!(row.len(), columns("Pod").len());
        assert_eq!(row[0], json!("odd"));
        assert_eq!(row[4], json!("5m12s"));
    }

    #[test]
    fn node_row_shows_status_roles_and_system_info() {
        let node = json!({
            "metadata": {"name": "cp-1", "creationTimestamp": "2025-05-30T08:00:00Z",
                "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}],
                "nodeInfo": {"kubeletVersion": "v1.33.1", "osImage": "Debian", "kernelVersion": "",
                    "containerRuntimeVersion": "containerd://2.0", "architecture": "amd64",
                    "bootID": "", "kubeProxyVersion": "", "machineID": "", "operatingSystem": "linux",
                    "systemUUID": ""}}
        });
        assert_eq!(
            cells("Node", &node, now()),
            vec![
                json!("cp-1"),
                json!("Ready,SchedulingDisabled"),
                json!("control-plane"),
                json!("2d4h"),
                json!("v1.33.1"),
                json!("172.18.0.2"),
                json!("<none>"),
                json!("Debian"),
                json!("<unknown>"),
                json!("containerd://2.0"),
            ]
        );
    }

    #[test]
    fn deployment_row_shows_ready_ratio_and_selector() {
        let d = json!({
            "metadata": meta("web"),
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": {"spec": {"containers": [
                    {"name": "web", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        });
        assert_eq!(
            cells("Deployment", &d, now()),
            vec![
                json!("web"),
                json!("2/3"),
                json!(3),
                json!(2),
                json!("5m12s"),
                json!("web,log"),
                json!("nginx:1.27,busybox"),
                json!("app=web"),
            ]
        );
        assert_eq!(
            names("Deployment"),
            [
                "Name",
                "Ready",
                "Up-to-date",
                "Available",
                "Age",
                "Containers",
                "Images",
                "Selector"
            ]
        );
    }

    #[test]
    fn workload_counts_are_integers() {
        let rs = json!({"metadata": meta("web-abc"), "spec": {"replicas": 2, "selector": {}},
            "status": {"replicas": 2, "readyReplicas": 1}});
        let row = cells("ReplicaSet", &rs, now());
        assert_eq!(&row[1..4], &[json!(2), json!(2), json!(1)]);
        assert_eq!(row[7], json!("<none>"));

        let ds = json!({"metadata": meta("agent"), "spec": {"selector": {"matchLabels": {"app": "agent"}},
            "template": {"spec": {"containers": [], "nodeSelector": {"kubernetes.io/os": "linux"}}}},
            "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                "numberMisscheduled": 0, "updatedNumberScheduled": 3, "numberAvailable": 2}});
        let row = cells("DaemonSet", &ds, now());
        assert_eq!(
            &row[1..7],
            &[
                json!(3),
                json!(3),
                json!(2),
                json!(3),
                json!(2),
                json!("kubernetes.io/os=linux")
            ]
        );

        let ss = json!({"metadata": meta("db"), "spec": {"replicas": 3, "selector": {},
            "serviceName": "db", "template": {}}, "status": {"replicas": 3, "readyReplicas": 1}});
        assert_eq!(cells("StatefulSet", &ss, now())[1], json!("1/3"));
    }

    #[test]
    fn service_rows_follow_service_type() {
        let svc = |spec: Value, status: Value| {
            cells(
                "Service",
                &json!({"metadata": meta("s"), "spec": spec, "status": status}),
                now(),
            )
        };
        let cluster = svc(
            json!({"type": "ClusterIP", "clusterIPs": ["10.96.0.10"], "selector": {"app": "web"},
                   "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}),
            json!({}),
        );
        assert_eq!(
            cluster,
            vec![
                json!("s"),
                json!("ClusterIP"),
                json!("10.96.0.10"),
                json!("<none>"),
                json!("53/UDP,53/TCP"),
                json!("5m12s"),
                json!("app=web"),
            ]
        );
        let node_port = svc(
            json!({"type": "NodePort", "clusterIP": "10.96.1.1",
                   "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}),
            json!({}),
        );
        assert_eq!(node_port[2], json!("10.96.1.1"));
        assert_eq!(node_port[4], json!("80:30080/TCP"));
        assert_eq!(node_port[6], json!("<none>"));
        let pending = svc(json!({"type": "LoadBalancer", "ports": []}), json!({}));
        assert_eq!(pending[3], json!("<pending>"));
        assert_eq!(pending[4], json!("<none>"));
        let lb = svc(
            json!({"type": "LoadBalancer", "externalIPs": ["1.2.3.4"]}),
            json!({"loadBalancer": {"ingress": [{"ip": "5.6.7.8"}, {"hostname": "lb.example.com"}]}}),
        );
        assert_eq!(lb[3], json!("5.6.7.8,lb.example.com,1.2.3.4"));
        let ext = svc(
            json!({"type": "ExternalName", "externalName": "db.example.com"}),
            json!({}),
        );
        assert_eq!(ext[3], json!("db.example.com"));
    }

    #[test]
    fn job_row_shows_status_completions_and_duration() {
        let job = |spec: Value, status: Value| {
            cells(
                "Job",
                &json!({"metadata": meta("j"), "spec": spec, "status": status}),
                now(),
            )
        };
        let done = job(
            json!({"completions": 3, "template": {}}),
            json!({"succeeded": 3, "startTime": "2025-06-01T11:55:00Z",
                   "completionTime": "2025-06-01T11:56:30Z",
                   "conditions": [{"type": "Complete", "status": "True"}]}),
        );
        assert_eq!(
            &done[1..4],
            &[json!("Complete"), json!("3/3"), json!("90s")]
        );
        let running = job(
            json!({"parallelism": 2, "template": {}}),
            json!({"startTime": "2025-06-01T11:00:00Z"}),
        );
        assert_eq!(
            &running[1..4],
            &[json!("Running"), json!("0/1 of 2"), json!("60m")]
        );
        let fresh = job(json!({"template": {}}), json!({}));
        assert_eq!(&fresh[1..4], &[json!("Running"), json!("0/1"), json!("")]);
    }

    #[test]
    fn cron_job_row_shows_schedule_and_last_run() {
        let cj = json!({"metadata": meta("nightly"),
            "spec": {"schedule": "0 3 * * *", "suspend": false, "jobTemplate": {"spec": {"template": {}}}},
            "status": {"active": [{"name": "nightly-1"}], "lastScheduleTime": "2025-06-01T03:00:00Z"}});
        assert_eq!(
            &cells("CronJob", &cj, now())[..7],
            &[
                json!("nightly"),
                json!("0 3 * * *"),
                json!("<none>"),
                json!("False"),
                json!(1),
                json!("9h"),
                json!("5m12s"),
            ]
        );
    }

    #[test]
    fn event_row_shows_object_source_and_count() {
        assert_eq!(
            names("Event"),
            [
                "Last Seen",
                "Type",
                "Reason",
                "Object",
                "Subobject",
                "Source",
                "Message",
                "First Seen",
                "Count",
                "Name"
            ]
        );
        let ev = json!({
            "metadata": meta("web.17a"),
            "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{a}"},
            "reason": "BackOff", "type": "Warning", "message": "Back-off restarting failed container\n",
            "firstTimestamp": "2025-06-01T10:00:00Z", "lastTimestamp": "2025-06-01T11:59:30Z",
            "count": 7, "source": {"component": "kubelet", "host": "node-a"}
        });
        assert_eq!(
            cells("Event", &ev, now()),
            vec![
                json!("30s"),
                json!("Warning"),
                json!("BackOff"),
                json!("pod/web-1"),
                json!("spec.containers{a}"),
                json!("kubelet, node-a"),
                json!("Back-off restarting failed container"),
                json!("120m"),
                json!(7),
                json!("web.17a"),
            ]
        );
        let singleton = json!({"metadata": meta("e"), "involvedObject": {"kind": "Node"},
            "eventTime": "2025-06-01T11:59:00.000000Z", "reportingComponent": "scheduler"});
        let row = cells("Event", &singleton, now());
        assert_eq!(row[0], json!("60s"));
        assert_eq!(row[3], json!("node"));
        assert_eq!(row[5], json!("scheduler"));
        assert_eq!(row[8], json!(1));
    }

    #[test]
    fn small_kinds_count_their_entries() {
        let cm = json!({"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}});
        assert_eq!(cells("ConfigMap", &cm, now())[1], json!(3));
        let secret = json!({"metadata": meta("tls"), "type": "kubernetes.io/tls",
            "data": {"tls.crt": "AA==", "tls.key": "AA=="}});
        assert_eq!(
            &cells("Secret", &secret, now())[1..3],
            &[json!("kubernetes.io/tls"), json!(2)]
        );
        let sa = json!({"metadata": meta("default")});
        assert_eq!(cells("ServiceAccount", &sa, now())[1], json!(0));
        let ns = json!({"metadata": meta("kube-system"), "status": {"phase": "Active"}});
        assert_eq!(cells("Namespace", &ns, now())[1], json!("Active"));
        let pdb = json!({"metadata": meta("web"), "spec": {"minAvailable": "50%"},
            "status": {"disruptionsAllowed": 1, "currentHealthy": 2, "desiredHealthy": 1, "expectedPods": 2}});
        assert_eq!(
            &cells("PodDisruptionBudget", &pdb, now())[1..4],
            &[json!("50%"), json!("N/A"), json!(1)]
        );
        let np = json!({"metadata": meta("deny"), "spec": {"podSelector": {}}});
        assert_eq!(cells("NetworkPolicy", &np, now())[1], json!("<none>"));
    }

    #[test]
    fn endpoints_list_three_then_summarise() {
        let ep = json!({"metadata": meta("web"), "subsets": [{
            "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "fd00::3"}, {"ip": "10.0.0.4"}],
            "ports": [{"port": 8080}]}]});
        assert_eq!(
            cells("Endpoints", &ep, now())[1],
            json!("10.0.0.1:8080,10.0.0.2:8080,[fd00::3]:8080 + 1 more...")
        );
        let none = json!({"metadata": meta("web")});
        assert_eq!(cells("Endpoints", &none, now())[1], json!("<none>"));
    }

    #[test]
    fn ingress_row_shows_class_hosts_and_ports() {
        let ing = json!({"metadata": meta("web"),
            "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["a.example.com"]}],
                "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "192.168.1.10"}]}}});
        assert_eq!(
            cells("Ingress", &ing, now())[1..5],
            [
                json!("nginx"),
                json!("a.example.com,b.example.com"),
                json!("192.168.1.10"),
                json!("80, 443")
            ]
        );
        let many = json!({"metadata": meta("web"), "spec": {"rules": [
            {}, {"host": "a"}, {"host": "b"}, {"host": "c"}, {"host": "d"}]}});
        assert_eq!(
            cells("Ingress", &many, now())[2],
            json!("a,b,c + 2 more...")
        );
        let three = json!({"metadata": meta("web"), "spec": {"rules": [
            {}, {"host": "a"}, {"host": "b"}, {"host": "c"}]}});
        assert_eq!(cells("Ingress", &three, now())[2], json!("a,b,c"));
        let bare = json!({"metadata": meta("any"), "spec": {"rules": [{}]}});
        assert_eq!(
            cells("Ingress", &bare, now())[1..5],
            [json!("<none>"), json!("*"), json!(""), json!("80")]
        );
    }

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

    #[test]
    fn bindings_split_subjects_by_kind() {
        let rb = json!({"metadata": meta("read"),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"},
                {"kind": "Group", "name": "devs"},
                {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}]});
        for kind in ["RoleBinding", "ClusterRoleBinding"] {
            assert_eq!(
                cells(kind, &rb, now()),
                vec![
                    json!("read"),
                    json!("ClusterRole/view"),
                    json!("5m12s"),
                    json!("alice, bob"),
                    json!("devs"),
                    json!("tools/ci"),
                ]
            );
        }
    }

    #[test]
    fn hpa_row_shows_targets() {
        let hpa = json!({"metadata": meta("web"),
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 2,
                "maxReplicas": 10, "metrics": [
                    {"type": "Resource", "resource": {"name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 80}}},
                    {"type": "Resource", "resource": {"name": "memory",
                        "target": {"type": "AverageValue", "averageValue": "500Mi"}}},
                    {"type": "Pods", "pods": {"metric": {"name": "qps"},
                        "target": {"type": "AverageValue", "averageValue": "10"}}}]},
            "status": {"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 42}}}]}});
        assert_eq!(
            cells("HorizontalPodAutoscaler", &hpa, now()),
            vec![
                json!("web"),
                json!("Deployment/web"),
                json!("cpu: 42%/80%, memory: <unknown>/500Mi + 1 more..."),
                json!("2"),
                json!(10),
                json!(3),
                json!("5m12s"),
            ]
        );
    }

    #[test]
    fn label_selectors_render_like_kubectl() {
        let sel: LabelSelector = serde_json::from_value(json!({
            "matchLabels": {"tier": "web", "app": "shop"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "canary"]},
                {"key": "legacy", "operator": "DoesNotExist"},
                {"key": "zone", "operator": "NotIn", "values": ["b"]},
                {"key": "gpu", "operator": "Exists"}]
        }))
        .unwrap();
        assert_eq!(
            label_selector_string(Some(&sel)),
            "app=shop,env in (canary,prod),gpu,!legacy,tier=web,zone notin (b)"
        );
        assert_eq!(format_label_selector(None), "<none>");
        assert_eq!(format_labels(None), "<none>");
    }
}
