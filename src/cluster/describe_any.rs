//! `kubectl describe` for kinds without a describer of their own, from the object's JSON: the
//! generic layout kubectl uses for any resource (Name, Namespace, Labels, Annotations, then
//! every field with spaced-out labels), and the Secret and ConfigMap describers (a Secret's
//! values as sizes only). Also the one text that shows a Secret's values decoded. Pure.

use std::fmt::Write as _;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Map, Value};

use super::describe::{WIDTH, field, map_field};
use super::kinds::KindInfo;
use super::objects;

fn meta(object: &Value) -> ObjectMeta {
    object
        .get("metadata")
        .cloned()
        .and_then(|m| serde_json::from_value(m).ok())
        .unwrap_or_default()
}

/// Name, Namespace, Labels and Annotations, as every kubectl describer starts.
fn header(out: &mut String, object: &Value, namespaced: bool) {
    let m = meta(object);
    field(out, 0, "Name", m.name.as_deref().unwrap_or_default());
    if namespaced {
        field(
            out,
            0,
            "Namespace",
            m.namespace.as_deref().unwrap_or_default(),
        );
    }
    map_field(out, "Labels", m.labels.as_ref(), "=");
    map_field(out, "Annotations", m.annotations.as_ref(), ": ");
}

/// The describe text of `object` (events are appended by the caller).
pub fn describe(object: &Value, kind: &KindInfo) -> String {
    let mut out = String::new();
    if objects::is_secret(kind) {
        // Sizes are all a Secret's describe shows; the annotations may hold a copy of the values.
        let mut masked = object.clone();
        objects::mask_secret(&mut masked);
        header(&mut out, &masked, kind.namespaced);
        secret(&mut out, object);
        return out;
    }
    header(&mut out, object, kind.namespaced);
    match (kind.group.as_str(), kind.kind.as_str()) {
        ("", "Secret") => secret(&mut out, object),
        ("", "ConfigMap") => config_map(&mut out, object),
        _ => {
            let skip = [
                ".metadata.managedFields",
                ".metadata.name",
                ".metadata.namespace",
                ".metadata.labels",
                ".metadata.annotations",
            ];
            if let Some(map) = object.as_object() {
                unstructured(&mut out, 0, map, "", &skip);
            }
        }
    }
    out
}

fn secret(out: &mut String, object: &Value) {
    let ty = object.get("type").and_then(Value::as_str).unwrap_or("");
    let _ = writeln!(out, "\nType:  {ty}\n\nData\n====");
    let sizes = objects::secret_sizes(object);
    let width = sizes.iter().map(|(k, _)| k.len() + 1).max().unwrap_or(0);
    for (key, n) in sizes {
        let _ = writeln!(out, "{:width$}  {n} bytes", format!("{key}:"));
    }
}

fn config_map(out: &mut String, object: &Value) {
    out.push_str("\nData\n====\n");
    if let Some(data) = object.get("data").and_then(Value::as_object) {
        for (k, v) in data {
            let _ = writeln!(out, "{k}:\n----\n{}\n", v.as_str().unwrap_or_default());
        }
    }
    out.push_str("\nBinaryData\n====\n");
    if let Some(data) = object.get("binaryData").and_then(Value::as_object) {
        for (k, v) in data {
            let n = v.as_str().map_or(0, |s| s.len() / 4 * 3);
            let _ = writeln!(out, "{k}: {n} bytes");
        }
    }
    out.push('\n');
}

/// A Secret's values decoded (base64 → UTF-8, or `<binary, N bytes>`), and its keys.
pub fn revealed(object: &Value) -> (String, Vec<String>) {
    let mut out = String::new();
    let m = meta(object);
    field(&mut out, 0, "Name", m.name.as_deref().unwrap_or_default());
    field(
        &mut out,
        0,
        "Namespace",
        m.namespace.as_deref().unwrap_or_default(),
    );
    field(
        &mut out,
        0,
        "Type",
        object.get("type").and_then(Value::as_str).unwrap_or(""),
    );
    out.push_str("\nData (values revealed; closing this view forgets them)\n====\n");
    let values = objects::reveal_secret(object);
    let width = values.iter().map(|(k, _)| k.len() + 1).max().unwrap_or(0);
    let mut keys = Vec::new();
    for (key, value) in values {
        if value.contains('\n') {
            let _ = writeln!(out, "{key}:");
            for line in value.lines() {
                let _ = writeln!(out, "  {line}");
            }
        } else {
            let _ = writeln!(out, "{:width$}  {value}", format!("{key}:"));
        }
        keys.push(key);
    }
    (out, keys)
}

/// kubectl's `printUnstructuredContent`: fields sorted, maps nested two spaces deeper, list
/// items one per line (maps among them printed in place), skipped paths left out.
fn unstructured(
    out: &mut String,
    level: usize,
    map: &Map<String, Value>,
    prefix: &str,
    skip: &[&str],
) {
    let mut fields: Vec<&String> = map.keys().collect();
    fields.sort();
    for name in fields {
        let path = format!("{prefix}.{name}");
        if skip.contains(&path.as_str()) {
            continue;
        }
        let indent = level * 2;
        let label = smart_label(name);
        match &map[name] {
            Value::Object(child) => {
                let _ = writeln!(out, "{:indent$}{label}:", "");
                unstructured(out, level + 1, child, &path, skip);
            }
            Value::Array(items) => {
                let _ = writeln!(out, "{:indent$}{label}:", "");
                for item in items {
                    match item {
                        Value::Object(child) => unstructured(out, level + 1, child, &path, skip),
                        other => {
                            let _ = writeln!(out, "{:w$}{}", "", scalar(other), w = indent + 2);
                        }
                    }
                }
            }
            other if level == 0 => field(out, 0, &label, scalar(other)),
            other => {
                let label = format!("{label}:");
                let pad = WIDTH.saturating_sub(indent).max(label.len() + 1);
                let _ = writeln!(out, "{:indent$}{label:<pad$}{}", "", scalar(other));
            }
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

/// kubectl's `smartLabelFor`: `creationTimestamp` → `Creation Timestamp`, `apiVersion` →
/// `API Version`; names with characters other than letters and `-` are kept as they are.
pub fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    const ACRONYMS: [&str; 5] = ["API", "URL", "UID", "OSB", "GUID"];
    camel_split(field)
        .into_iter()
        .map(|part| {
            if ACRONYMS.contains(&part.to_uppercase().as_str()) {
                part.to_uppercase()
            } else {
                let mut c = part.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits at case changes as github.com/fatih/camelcase does: runs of lower, upper and other
/// characters, the last capital of a capital run moving to the lower run after it
/// (`PDFLoader` → `PDF`, `Loader`).
fn camel_split(s: &str) -> Vec<String> {
    let class = |c: char| {
        if c.is_lowercase() {
            0
        } else if c.is_uppercase() {
            1
        } else {
            2
        }
    };
    let mut runs: Vec<Vec<char>> = Vec::new();
    let mut last = None;
    for c in s.chars() {
        let k = class(c);
        match runs.last_mut() {
            Some(run) if last == Some(k) => run.push(c),
            _ => runs.push(vec![c]),
        }
        last = Some(k);
    }
    for i in 0..runs.len().saturating_sub(1) {
        let upper_then_lower = runs[i].iter().all(|c| c.is_uppercase())
            && runs[i + 1].first().is_some_and(|c| c.is_lowercase());
        if upper_then_lower && let Some(c) = runs[i].pop() {
            runs[i + 1].insert(0, c);
        }
    }
    runs.into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| r.into_iter().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kind(id: &str) -> KindInfo {
        KindInfo::builtin(id).unwrap()
    }

    #[test]
    fn labels_are_spaced_out_as_kubectl_does() {
        assert_eq!(smart_label("creationTimestamp"), "Creation Timestamp");
        assert_eq!(smart_label("apiVersion"), "API Version");
        assert_eq!(smart_label("uid"), "UID");
        assert_eq!(smart_label("PDFLoader"), "PDF Loader");
        assert_eq!(smart_label("clusterIP"), "Cluster IP");
        assert_eq!(
            smart_label("app.kubernetes.io/name"),
            "app.kubernetes.io/name"
        );
    }

    #[test]
    fn a_secret_shows_sizes_and_never_a_value() {
        let s = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "db", "namespace": "default", "labels": {"app": "db"}},
            "data": {"password": "aHVudGVyMg==", "user": "YWRtaW4="}});
        let text = describe(&s, &kind("Secret"));
        assert!(text.contains("Name:           db"), "{text}");
        assert!(text.contains("Labels:         app=db"), "{text}");
        assert!(text.contains("Type:  Opaque"), "{text}");
        assert!(
            text.contains("Data\n====\npassword:  7 bytes\nuser:      5 bytes\n"),
            "{text}"
        );
        assert!(
            !text.contains("hunter2") && !text.contains("aHVudGVy"),
            "{text}"
        );
        assert!(!text.contains("admin"), "{text}");
    }

    #[test]
    fn revealing_decodes_and_lists_the_keys() {
        let s = json!({"metadata": {"name": "db", "namespace": "default"}, "type": "Opaque",
            "data": {"password": "aHVudGVyMg==", "pem": "YQpi"}});
        let (text, keys) = revealed(&s);
        assert_eq!(keys, ["password", "pem"]);
        assert!(text.contains("password:  hunter2"), "{text}");
        assert!(text.contains("pem:\n  a\n  b\n"), "{text}");
    }

    #[test]
    fn other_kinds_get_the_generic_layout() {
        let svc = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "default", "uid": "u-1", "managedFields": [{"manager": "x"}]},
            "spec": {"clusterIP": "10.0.0.1", "ports": [{"port": 80, "protocol": "TCP"}], "selector": {"app": "web"}}});
        let text = describe(&svc, &kind("Service"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Name:           web");
        assert_eq!(lines[1], "Namespace:      default");
        assert_eq!(lines[2], "Labels:         <none>");
        assert_eq!(lines[3], "Annotations:    <none>");
        assert_eq!(lines[4], "API Version:    v1");
        assert_eq!(lines[5], "Kind:           Service");
        assert_eq!(lines[6], "Metadata:");
        assert_eq!(lines[7], "  UID:          u-1");
        assert!(text.contains("Spec:\n  Cluster IP:   10.0.0.1\n  Ports:\n    Port:       80\n    Protocol:   TCP\n  Selector:\n    App:        web\n"), "{text}");
        assert!(
            !text.contains("Managed") && !text.contains("Name:           web\n  "),
            "{text}"
        );
    }

    #[test]
    fn a_config_map_lists_its_data() {
        let cm =
            json!({"metadata": {"name": "c", "namespace": "default"}, "data": {"a.conf": "x=1"}});
        let text = describe(&cm, &kind("ConfigMap"));
        assert!(text.contains("Data\n====\na.conf:\n----\nx=1\n"), "{text}");
    }
}
