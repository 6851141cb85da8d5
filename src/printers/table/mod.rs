//! `meta.k8s.io/v1` Table columns and row cells, as the apiserver's printers produce them
//! for `kubectl get` (column names in Table casing, e.g. "Nominated Node"; kubectl
//! upper-cases them when printing).
//!
//! Each kind's printer sits in the file for its API group, its columns right beside the
//! code that fills them; this module holds the shared pieces and the dispatch by kind.

mod apps;
mod autoscaling;
mod batch;
mod core;
mod networking;
mod policy;
mod rbac;
mod storage;

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, Time};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::age::age_of;

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

/// A kind's columns and the function that fills them, kept side by side so the two
/// cannot drift apart.
struct Printer {
    columns: &'static [Column],
    /// `None` when `obj` does not parse as the kind.
    cells: fn(&Value, Timestamp) -> Option<Vec<Value>>,
}

/// What the apiserver's default table convertor shows for kinds without a printer
/// (Role and ClusterRole included): the name and an RFC 3339 creation time.
static DEFAULT: &[Column] = &[NAME, col("Created At", "date", CREATED_DESC)];

/// `None` for kinds the apiserver prints with its default convertor.
fn printer(kind: &str) -> Option<&'static Printer> {
    Some(match kind {
        "Pod" => &core::POD,
        "Node" => &core::NODE,
        "Deployment" => &apps::DEPLOYMENT,
        "ReplicaSet" => &apps::REPLICA_SET,
        "DaemonSet" => &apps::DAEMON_SET,
        "StatefulSet" => &apps::STATEFUL_SET,
        "Service" => &networking::SERVICE,
        "Job" => &batch::JOB,
        "CronJob" => &batch::CRON_JOB,
        "Namespace" => &core::NAMESPACE,
        "Event" => &core::EVENT,
        "PodDisruptionBudget" => &policy::POD_DISRUPTION_BUDGET,
        "ConfigMap" => &core::CONFIG_MAP,
        "Secret" => &core::SECRET,
        "ServiceAccount" => &core::SERVICE_ACCOUNT,
        "Endpoints" => &networking::ENDPOINTS,
        "Ingress" => &networking::INGRESS,
        "PersistentVolume" => &storage::PERSISTENT_VOLUME,
        "PersistentVolumeClaim" => &storage::PERSISTENT_VOLUME_CLAIM,
        "StorageClass" => &storage::STORAGE_CLASS,
        "RoleBinding" => &rbac::ROLE_BINDING,
        "ClusterRoleBinding" => &rbac::CLUSTER_ROLE_BINDING,
        "NetworkPolicy" => &networking::NETWORK_POLICY,
        "HorizontalPodAutoscaler" => &autoscaling::HORIZONTAL_POD_AUTOSCALER,
        _ => return None,
    })
}

/// Columns kubectl shows for `kind`, wide (priority 1) columns included.
pub fn columns(kind: &str) -> &'static [Column] {
    printer(kind).map_or(DEFAULT, |p| p.columns)
}

/// One row's cells for `obj` (JSON as stored), in `columns(kind)` order.
///
/// An object that does not parse as its kind still gets a row of the right width, with
/// its name and age filled in, so one odd object cannot break a whole listing.
pub fn cells(kind: &str, obj: &Value, now: Timestamp) -> Vec<Value> {
    printer(kind)
        .and_then(|p| (p.cells)(obj, now))
        .unwrap_or_else(|| fallback_cells(kind, obj, now))
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
    let Some(p) = printer(kind) else {
        // Go formats a missing (zero) time as year 1 rather than leaving the cell empty.
        let created = meta.creation_timestamp.as_ref().map_or_else(
            || "0001-01-01T00:00:00Z".to_string(),
            |Time(t)| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
        return vec![name(&meta), json!(created)];
    };
    p.columns
        .iter()
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

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn now() -> Timestamp {
        "2025-06-01T12:00:00Z".parse().unwrap()
    }

    pub(super) fn meta(name: &str) -> Value {
        json!({"name": name, "namespace": "default", "creationTimestamp": "2025-06-01T11:54:48Z"})
    }

    pub(super) fn names(kind: &str) -> Vec<&'static str> {
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
