//! PATCH bodies: JSON merge patch (RFC 7386), strategic merge patch (the subset kubectl
//! sends: merge keys for the usual lists, `$patch`, `$setElementOrder`, `$deleteFromPrimitiveList`)
//! and JSON patch (RFC 6902).

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    Strategic,
    Apply,
}

impl PatchType {
    pub fn from_content_type(ct: &str) -> Option<Self> {
        match ct.split(';').next().unwrap_or_default().trim() {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => {
                Some(PatchType::Apply)
            }
            _ => None,
        }
    }
}

pub fn apply(target: &mut Value, patch_type: PatchType, body: &[u8]) -> Result<(), String> {
    match patch_type {
        PatchType::Json => {
            let p: json_patch::Patch =
                serde_json::from_slice(body).map_err(|e| format!("error decoding patch: {e}"))?;
            json_patch::patch(target, &p).map_err(|e| e.to_string())
        }
        PatchType::Merge => {
            let p: Value =
                serde_json::from_slice(body).map_err(|e| format!("error decoding patch: {e}"))?;
            merge(target, &p);
            Ok(())
        }
        PatchType::Strategic | PatchType::Apply => {
            let p: Value = if patch_type == PatchType::Apply {
                serde_saphyr::from_slice(body).map_err(|e| format!("error decoding YAML: {e}"))?
            } else {
                serde_json::from_slice(body).map_err(|e| format!("error decoding patch: {e}"))?
            };
            if !p.is_object() {
                return Err("patch body must be a JSON object".into());
            }
            strategic(target, &p, "");
            Ok(())
        }
    }
}

/// RFC 7386: objects merge, null deletes, everything else replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("object");
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// The merge key of the lists Kubernetes patches strategically, by field name.
fn merge_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets" => "name",
        "ports" => "containerPort",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        _ => return None,
    })
}

/// Primitive lists whose patch strategy is merge (union), not replace.
fn merges_primitives(field: &str) -> bool {
    field == "finalizers"
}

fn strategic(target: &mut Value, patch: &Value, _path: &str) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replaced = patch.clone();
        replaced.as_object_mut().map(|m| m.remove("$patch"));
        *target = replaced;
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("object");
    for (k, v) in p {
        if k.starts_with("$setElementOrder/") || k == "$retainKeys" || k == "$patch" {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Some(remove)) = (t.get_mut(field), v.as_array()) {
                list.retain(|x| !remove.contains(x));
            }
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match (v, merge_key(k)) {
            (Value::Array(items), Some(key)) => {
                let slot = t.entry(k.clone()).or_insert_with(|| Value::Array(vec![]));
                if !slot.is_array() {
                    *slot = Value::Array(vec![]);
                }
                let list = slot.as_array_mut().expect("array");
                for item in items {
                    let id = item.get(key).cloned();
                    let directive = item.get("$patch").and_then(Value::as_str);
                    let pos = id
                        .as_ref()
                        .and_then(|id| list.iter().position(|x| x.get(key) == Some(id)));
                    match (directive, pos) {
                        (Some("delete"), Some(i)) => {
                            list.remove(i);
                        }
                        (Some("delete"), None) => {}
                        (_, Some(i)) => strategic(&mut list[i], item, k),
                        (_, None) => {
                            let mut fresh = Value::Object(Map::new());
                            strategic(&mut fresh, item, k);
                            list.push(fresh);
                        }
                    }
                }
            }
            (Value::Array(items), None) if merges_primitives(k) => {
                let slot = t.entry(k.clone()).or_insert_with(|| Value::Array(vec![]));
                if let Value::Array(list) = slot {
                    for item in items {
                        if !list.contains(item) {
                            list.push(item.clone());
                        }
                    }
                }
            }
            (Value::Object(_), _) => strategic(t.entry(k.clone()).or_insert(Value::Null), v, k),
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cordon_and_uncordon_patches_toggle_unschedulable() {
        let mut node = json!({"spec": {"podCIDR": "10.0.0.0/24"}});
        apply(
            &mut node,
            PatchType::Strategic,
            br#"{"spec":{"unschedulable":true}}"#,
        )
        .unwrap();
        assert_eq!(node["spec"]["unschedulable"], true);
        apply(
            &mut node,
            PatchType::Strategic,
            br#"{"spec":{"unschedulable":null}}"#,
        )
        .unwrap();
        assert!(node["spec"].get("unschedulable").is_none());
        assert_eq!(node["spec"]["podCIDR"], "10.0.0.0/24");
    }

    #[test]
    fn strategic_patch_merges_containers_by_name() {
        let mut d =
            json!({"spec":{"containers":[{"name":"a","image":"x:1"},{"name":"b","image":"y:1"}]}});
        apply(
            &mut d,
            PatchType::Strategic,
            br#"{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b","image":"y:2"}]}}"#,
        )
        .unwrap();
        assert_eq!(d["spec"]["containers"][0]["image"], "x:1");
        assert_eq!(d["spec"]["containers"][1]["image"], "y:2");
    }

    #[test]
    fn strategic_patch_deletes_list_items() {
        let mut d = json!({"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]});
        apply(
            &mut d,
            PatchType::Strategic,
            br#"{"env":[{"name":"A","$patch":"delete"}]}"#,
        )
        .unwrap();
        assert_eq!(d["env"], json!([{"name":"B","value":"2"}]));
    }

    #[test]
    fn json_patch_replaces_paths() {
        let mut d = json!({"spec":{"replicas":1}});
        apply(
            &mut d,
            PatchType::Json,
            br#"[{"op":"replace","path":"/spec/replicas","value":3}]"#,
        )
        .unwrap();
        assert_eq!(d["spec"]["replicas"], 3);
    }

    #[test]
    fn malformed_patches_are_errors() {
        let mut d = json!({});
        assert!(apply(&mut d, PatchType::Json, b"{not json").is_err());
        assert!(
            apply(
                &mut d,
                PatchType::Json,
                br#"[{"op":"replace","path":"/missing/x","value":1}]"#
            )
            .is_err()
        );
        assert!(apply(&mut d, PatchType::Strategic, b"[1]").is_err());
    }

    #[test]
    fn merge_patch_null_removes_annotation() {
        let mut d = json!({"metadata":{"annotations":{"a":"1","b":"2"}}});
        apply(
            &mut d,
            PatchType::Merge,
            br#"{"metadata":{"annotations":{"a":null}}}"#,
        )
        .unwrap();
        assert_eq!(d["metadata"]["annotations"], json!({"b":"2"}));
    }
}
