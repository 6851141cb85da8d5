//! How a list, object or watch event is represented: plain JSON, a `meta.k8s.io/v1` Table
//! (what kubectl asks for), or PartialObjectMetadata (metadata-only clients).

use serde_json::{Value, json};

use super::resources::ResourceType;
use super::store::Object;
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

fn column_definitions(rt: &ResourceType) -> Value {
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
    let cells = printers::cells(rt.kind, &value, now);
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
}
