//! How a list, object or watch event is represented: plain JSON, a `meta.k8s.io/v1` Table
//! (what kubectl asks for), or PartialObjectMetadata (metadata-only clients).

use serde_json::{Value, json};

use super::resources::{PrinterColumn, ResourceType};
use super::store::Object;
use crate::printers::jsonpath;
use crate::printers::table as printers;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Plain,
    Table,
    Metadata,
}

/// The first representation in the Accept header that the simulator can produce.
/// Protobuf is never produced: clients that offer it also offer JSON.
pub fn negotiate(accept: Option<&str>) -> Representation {
    for media in accept.unwrap_or("application/json").split(',') {
        let params: Vec<&str> = media.split(';').map(str::trim).collect();
        let base = params.first().copied().unwrap_or_default();
        if base != "application/json" && base != "*/*" && base != "application/*" {
            continue;
        }
        let as_ = params.iter().find_map(|p| p.strip_prefix("as="));
        match as_ {
            Some("Table") => return Representation::Table,
            Some("PartialObjectMetadata" | "PartialObjectMetadataList") => {
                return Representation::Metadata;
            }
            Some(_) => continue,
            None => return Representation::Plain,
        }
    }
    Representation::Plain
}

/// `includeObject` of a Table request: what each row carries besides its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn parse(v: Option<&str>) -> Self {
        match v {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

pub fn partial_metadata(obj: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"],
    })
}

const NAME_DESCRIPTION: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

/// kube-apiserver's default printer columns of a custom resource without any of its own.
static DEFAULT_CUSTOM: &[PrinterColumn] = &[PrinterColumn {
    name: "Age",
    type_: "date",
    format: "",
    description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.",
    priority: 0,
    json_path: ".metadata.creationTimestamp",
}];

fn custom_columns(cols: &'static [PrinterColumn]) -> &'static [PrinterColumn] {
    if cols.is_empty() {
        DEFAULT_CUSTOM
    } else {
        cols
    }
}

fn custom_cell(c: &PrinterColumn, obj: &Value, now: jiff::Timestamp) -> Value {
    let Some(v) = jsonpath::first(c.json_path, obj) else {
        return Value::Null;
    };
    match (c.type_, &v) {
        ("date", Value::String(s)) => s
            .parse::<jiff::Timestamp>()
            .map(|t| json!(crate::printers::age::since(t, now)))
            .unwrap_or(v),
        ("string", Value::String(_)) | (_, Value::Null) => v,
        ("string", other) => json!(other.to_string()),
        _ => v,
    }
}

fn column_definitions(rt: &ResourceType) -> Value {
    if let Some(cols) = rt.columns {
        let mut defs = vec![
            json!({"name": "Name", "type": "string", "format": "name", "description": NAME_DESCRIPTION, "priority": 0}),
        ];
        defs.extend(custom_columns(cols).iter().map(|c| {
            json!({"name": c.name, "type": c.type_, "format": c.format, "description": c.description, "priority": c.priority})
        }));
        return Value::Array(defs);
    }
    printers::columns(rt.kind)
        .iter()
        .map(|c| {
            json!({"name": c.name, "type": c.type_, "format": c.format, "description": c.description, "priority": c.priority})
        })
        .collect()
}

pub fn table_row(
    rt: &ResourceType,
    obj: &Object,
    include: IncludeObject,
    now: jiff::Timestamp,
) -> Value {
    let value = obj.value();
    let cells = match rt.columns {
        Some(cols) => std::iter::once(value["metadata"]["name"].clone())
            .chain(
                custom_columns(cols)
                    .iter()
                    .map(|c| custom_cell(c, &value, now)),
            )
            .collect(),
        None => printers::cells(rt.kind, &value, now),
    };
    let object = match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Metadata => partial_metadata(&value),
        IncludeObject::Object => value,
    };
    json!({"cells": cells, "object": object})
}

/// A Table of `objects`; `continue_token` and `remaining` as in a list.
pub fn table(
    rt: &ResourceType,
    objects: &[std::sync::Arc<Object>],
    rv: u64,
    continue_token: Option<&str>,
    include: IncludeObject,
) -> Value {
    let now = jiff::Timestamp::now();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| table_row(rt, o, include, now))
        .collect();
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some(c) = continue_token {
        meta["continue"] = json!(c);
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": column_definitions(rt),
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_accept_header_gets_a_table() {
        let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(negotiate(Some(accept)), Representation::Table);
    }

    #[test]
    fn protobuf_first_falls_back_to_json() {
        let accept = "application/vnd.kubernetes.protobuf,application/json";
        assert_eq!(negotiate(Some(accept)), Representation::Plain);
        assert_eq!(negotiate(None), Representation::Plain);
    }

    #[test]
    fn metadata_clients_get_partial_objects() {
        let accept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
        assert_eq!(negotiate(Some(accept)), Representation::Metadata);
    }

    #[test]
    fn custom_resources_get_name_then_printer_columns_or_age() {
        let crd = json!({"spec": {"group": "t.example.com", "scope": "Cluster",
        "names": {"plural": "gadgets", "kind": "Gadget"},
        "versions": [
            {"name": "v1", "served": true, "storage": true, "additionalPrinterColumns": [
                {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
                {"name": "Made", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
            ]},
            {"name": "v2", "served": true, "storage": false}
        ]}});
        let types = super::super::crd::types_of(&crd);
        let store = super::super::store::Store::new();
        let o = store
            .create(
                types[0],
                json!({"apiVersion": "t.example.com/v1", "kind": "Gadget",
                "metadata": {"name": "g"},
                "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
            )
            .unwrap();
        let t = table(
            types[0],
            std::slice::from_ref(&o),
            1,
            None,
            IncludeObject::None,
        );
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Name", "Ready", "Made"]);
        let cells = &t["rows"][0]["cells"];
        assert_eq!(cells[0], "g");
        assert_eq!(cells[1], "True");
        assert!(cells[2].as_str().unwrap().ends_with('s'), "{cells}");
        let t = table(types[1], &[o], 1, None, IncludeObject::None);
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Name", "Age"]);
    }
}
