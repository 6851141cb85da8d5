//! Any object addressed by its [`KindInfo`]: fetched fresh as JSON without
//! `metadata.managedFields`, replaced with the resourceVersion the operator edited, Secret
//! values masked (or decoded, on request), and what an edit changed, as field paths.
//!
//! Only [`get`] and [`replace`] talk to the API; everything else is pure.

use base64::Engine as _;
use kube::api::{Api, DynamicObject, PostParams};
use serde_json::Value;

use super::kinds::KindInfo;

/// How a masked Secret value reads: its size, never its bytes.
pub fn masked(bytes: usize) -> String {
    format!("••••• ({bytes} bytes)")
}

fn api(client: &kube::Client, kind: &KindInfo, namespace: &str) -> Api<DynamicObject> {
    let ar = kind.api_resource();
    if kind.namespaced {
        Api::namespaced_with(client.clone(), namespace, &ar)
    } else {
        Api::all_with(client.clone(), &ar)
    }
}

/// The object as the API serves it now, without `metadata.managedFields`.
pub async fn get(
    client: &kube::Client,
    kind: &KindInfo,
    namespace: &str,
    name: &str,
) -> Result<Value, kube::Error> {
    let obj = api(client, kind, namespace).get(name).await?;
    let mut value = serde_json::to_value(obj).map_err(kube::Error::SerdeError)?;
    strip_managed_fields(&mut value);
    Ok(value)
}

/// PUT (replace) `object`; its `metadata.resourceVersion` makes the API refuse (409) if the
/// object changed since that version.
pub async fn replace(
    client: &kube::Client,
    kind: &KindInfo,
    namespace: &str,
    name: &str,
    object: Value,
) -> Result<(), kube::Error> {
    let obj: DynamicObject = serde_json::from_value(object).map_err(kube::Error::SerdeError)?;
    api(client, kind, namespace)
        .replace(name, &PostParams::default(), &obj)
        .await?;
    Ok(())
}

pub fn strip_managed_fields(value: &mut Value) {
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
}

pub fn to_yaml(value: &Value) -> Result<String, String> {
    serde_saphyr::to_string(value).map_err(|e| e.to_string())
}

/// Whether values of this kind are secret (core `Secret`).
pub fn is_secret(kind: &KindInfo) -> bool {
    kind.group.is_empty() && kind.kind == "Secret"
}

/// A Secret's `data` value decoded, or None when it is not base64.
fn decode(value: &Value) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(value.as_str()?.trim())
        .ok()
}

/// Byte size of each value of a Secret's `data` (decoded) and `stringData`, by key.
fn sizes(secret: &Value) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for field in ["data", "stringData"] {
        if let Some(map) = secret.get(field).and_then(Value::as_object) {
            for (k, v) in map {
                let n = if field == "data" {
                    decode(v).map_or(0, |b| b.len())
                } else {
                    v.as_str().map_or(0, str::len)
                };
                out.push((field.to_string(), k.clone(), n));
            }
        }
    }
    out
}

/// The annotation `kubectl apply` leaves, which holds a copy of the whole manifest.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Replaces every value of a Secret's `data` and `stringData` with its size, and the copy of
/// them `kubectl apply` keeps in an annotation.
pub fn mask_secret(secret: &mut Value) {
    for (field, key, n) in sizes(secret) {
        secret[field.as_str()][key.as_str()] = Value::String(masked(n));
    }
    if let Some(a) = secret
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
        .and_then(|a| a.get_mut(LAST_APPLIED))
    {
        let n = a.as_str().map_or(0, str::len);
        *a = Value::String(masked(n));
    }
}

/// `key: N bytes` per value, as `kubectl describe secret` lists `Data`, sorted by key.
pub fn secret_sizes(secret: &Value) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = sizes(secret).into_iter().map(|(_, k, n)| (k, n)).collect();
    out.sort();
    out
}

/// Each value of a Secret decoded (base64 → UTF-8), or `<binary, N bytes>`, sorted by key.
pub fn reveal_secret(secret: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(map) = secret.get("data").and_then(Value::as_object) {
        for (k, v) in map {
            let shown = match decode(v) {
                Some(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(e) => format!("<binary, {} bytes>", e.as_bytes().len()),
                },
                None => "<not valid base64>".to_string(),
            };
            out.push((k.clone(), shown));
        }
    }
    if let Some(map) = secret.get("stringData").and_then(Value::as_object) {
        for (k, v) in map {
            out.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
        }
    }
    out.sort();
    out
}

/// Most lines a change summary lists; the rest are counted.
const MAX_CHANGES: usize = 60;
/// Longest value a change line shows.
const MAX_VALUE: usize = 60;

/// What an edit changes, one line per leaf field: `metadata.labels.tier: web → api`. For a
/// Secret only the paths (`data.password: changed`): never a value.
pub fn changes(before: &Value, after: &Value, secret: bool) -> Vec<String> {
    let mut out = Vec::new();
    walk("", Some(before), Some(after), secret, &mut out);
    if out.len() > MAX_CHANGES {
        let more = out.len() - MAX_CHANGES;
        out.truncate(MAX_CHANGES);
        out.push(format!("… and {more} more changes"));
    }
    out
}

/// The paths alone, for the audit log.
pub fn changed_paths(before: &Value, after: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("", Some(before), Some(after), true, &mut out);
    out.into_iter()
        .map(|l| {
            l.rsplit_once(": ")
                .map_or(l.clone(), |(p, _)| p.to_string())
        })
        .collect()
}

fn child(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", serde_json::Value::from(key)),
    }
}

fn walk(path: &str, a: Option<&Value>, b: Option<&Value>, secret: bool, out: &mut Vec<String>) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                walk(&child(path, k), x.get(k), y.get(k), secret, out);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            for i in 0..x.len().max(y.len()) {
                walk(&format!("{path}[{i}]"), x.get(i), y.get(i), secret, out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => {
            let what = if secret {
                match (a, b) {
                    (None, _) => "added".to_string(),
                    (_, None) => "removed".to_string(),
                    _ => "changed".to_string(),
                }
            } else {
                format!(
                    "{} → {}",
                    a.map_or("(none)".to_string(), show),
                    b.map_or("(removed)".to_string(), show)
                )
            };
            out.push(format!("{path}: {what}"));
        }
    }
}

fn show(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX_VALUE {
        let cut: String = text.chars().take(MAX_VALUE).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "default", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"password\":\"aHVudGVyMg==\"}}",
                "team": "db"}},
            "type": "Opaque",
            // "hunter2", and three bytes that are not UTF-8
            "data": {"password": "aHVudGVyMg==", "blob": "/wD+"},
            "stringData": {"note": "plain"},
        })
    }

    #[test]
    fn masking_keeps_sizes_and_drops_every_value() {
        let mut s = secret();
        mask_secret(&mut s);
        assert_eq!(s["data"]["password"], "••••• (7 bytes)");
        assert_eq!(s["data"]["blob"], "••••• (3 bytes)");
        assert_eq!(s["stringData"]["note"], "••••• (5 bytes)");
        assert_eq!(s["metadata"]["annotations"]["team"], "db");
        let text = s.to_string();
        assert!(
            !text.contains("aHVudGVyMg") && !text.contains("plain"),
            "{text}"
        );
        assert_eq!(
            secret_sizes(&secret()),
            [
                ("blob".into(), 3),
                ("note".into(), 5),
                ("password".into(), 7)
            ]
        );
    }

    #[test]
    fn revealing_decodes_text_and_names_binary_by_size() {
        assert_eq!(
            reveal_secret(&secret()),
            [
                ("blob".to_string(), "<binary, 3 bytes>".to_string()),
                ("note".to_string(), "plain".to_string()),
                ("password".to_string(), "hunter2".to_string()),
            ]
        );
    }

    #[test]
    fn changes_are_leaf_paths_with_before_and_after() {
        let a = json!({"metadata": {"labels": {"tier": "web", "app.kubernetes.io/name": "x"}, "resourceVersion": "7"},
                       "spec": {"replicas": 2, "ports": [{"port": 80}]}});
        let b = json!({"metadata": {"labels": {"tier": "api", "team": "core"}, "resourceVersion": "7"},
                       "spec": {"replicas": 3, "ports": [{"port": 80}, {"port": 443}]}});
        assert_eq!(
            changes(&a, &b, false),
            [
                "metadata.labels[\"app.kubernetes.io/name\"]: x → (removed)",
                "metadata.labels.team: (none) → core",
                "metadata.labels.tier: web → api",
                "spec.ports[1]: (none) → {\"port\":443}",
                "spec.replicas: 2 → 3",
            ]
        );
        assert!(changes(&a, &a, false).is_empty());
    }

    #[test]
    fn secret_changes_name_paths_and_never_values() {
        let a = secret();
        let mut b = secret();
        b["data"]["password"] = json!("bmV3LXBhc3M=");
        b["data"]["token"] = json!("dG9r");
        b["stringData"].as_object_mut().unwrap().remove("note");
        let lines = changes(&a, &b, true);
        assert_eq!(
            lines,
            [
                "data.password: changed",
                "data.token: added",
                "stringData.note: removed"
            ]
        );
        assert_eq!(
            changed_paths(&a, &b),
            ["data.password", "data.token", "stringData.note"]
        );
    }

    #[test]
    fn long_summaries_are_cut_and_counted() {
        let a = json!({});
        let b: serde_json::Map<String, Value> =
            (0..100).map(|i| (format!("k{i:03}"), json!(i))).collect();
        let lines = changes(&a, &Value::Object(b), false);
        assert_eq!(lines.len(), MAX_CHANGES + 1);
        assert_eq!(lines.last().unwrap(), "… and 40 more changes");
    }

    #[test]
    fn managed_fields_are_stripped() {
        let mut v = json!({"metadata": {"name": "p", "managedFields": [{"manager": "kubectl"}]}});
        strip_managed_fields(&mut v);
        assert_eq!(v, json!({"metadata": {"name": "p"}}));
    }
}
