//! CustomResourceDefinitions: a stored CRD serves its custom resources (discovery, REST, Tables)
//! through the generic store. Each served version becomes a leaked, interned `ResourceType`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{Value, json};

use super::cluster::Cluster;
use super::resources::{self, PrinterColumn, ResourceType};

pub fn crd_type() -> &'static ResourceType {
    resources::find("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        .expect("the CRD resource is built in")
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn leak_list(v: &Value) -> &'static [&'static str] {
    let items: Vec<&'static str> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(leak)
        .collect();
    Box::leak(items.into_boxed_slice())
}

/// The same definition always yields the same `&'static ResourceType`, so re-applying a CRD
/// leaks nothing new.
fn intern(key: String, make: impl FnOnce() -> ResourceType) -> &'static ResourceType {
    static TYPES: OnceLock<Mutex<HashMap<String, &'static ResourceType>>> = OnceLock::new();
    let mut types = TYPES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    types
        .entry(key)
        .or_insert_with(|| Box::leak(Box::new(make())))
}

fn columns_of(version: &Value) -> Vec<PrinterColumn> {
    version["additionalPrinterColumns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| PrinterColumn {
            name: leak(c["name"].as_str().unwrap_or_default()),
            type_: leak(c["type"].as_str().unwrap_or("string")),
            format: leak(c["format"].as_str().unwrap_or_default()),
            description: leak(c["description"].as_str().unwrap_or_default()),
            priority: c["priority"].as_i64().unwrap_or(0) as i32,
            json_path: leak(c["jsonPath"].as_str().unwrap_or_default()),
        })
        .collect()
}

/// The resource types (one per served version) a CRD object defines.
pub fn types_of(crd: &Value) -> Vec<&'static ResourceType> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let group = spec["group"].as_str().unwrap_or_default();
    let plural = names["plural"].as_str().unwrap_or_default();
    let kind = names["kind"].as_str().unwrap_or_default();
    if group.is_empty() || plural.is_empty() || kind.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for v in spec["versions"].as_array().into_iter().flatten() {
        if v["served"] == false {
            continue;
        }
        let Some(version) = v["name"].as_str() else {
            continue;
        };
        let key = json!([
            group,
            version,
            names,
            spec["scope"],
            v["additionalPrinterColumns"],
            v["subresources"]
        ])
        .to_string();
        out.push(intern(key, || {
            let mut subs: Vec<&'static str> = Vec::new();
            if v["subresources"]["status"].is_object() {
                subs.push("status");
            }
            if v["subresources"]["scale"].is_object() {
                subs.push("scale");
            }
            ResourceType {
                group: leak(group),
                version: leak(version),
                plural: leak(plural),
                singular: leak(names["singular"].as_str().unwrap_or(&kind.to_lowercase())),
                kind: leak(kind),
                namespaced: spec["scope"] != "Cluster",
                short_names: leak_list(&names["shortNames"]),
                categories: leak_list(&names["categories"]),
                subresources: Box::leak(subs.into_boxed_slice()),
                columns: Some(Box::leak(columns_of(v).into_boxed_slice())),
            }
        }));
    }
    out
}

/// What the apiextensions controllers write into a new CRD's status: names accepted, established.
pub fn fill_status(crd: &mut Value) {
    let now = super::store::now_rfc3339();
    let mut accepted = crd["spec"]["names"].clone();
    if accepted["singular"].is_null()
        && let Some(k) = accepted["kind"].as_str()
    {
        accepted["singular"] = json!(k.to_lowercase());
    }
    if accepted["listKind"].is_null()
        && let Some(k) = accepted["kind"].as_str()
    {
        accepted["listKind"] = json!(format!("{k}List"));
    }
    let stored: Vec<Value> = crd["spec"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["storage"] == true)
        .filter_map(|v| v["name"].as_str().map(|n| json!(n)))
        .collect();
    crd["status"] = json!({
        "acceptedNames": accepted,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "lastTransitionTime": now, "reason": "NoConflicts", "message": "no conflicts found"},
            {"type": "Established", "status": "True", "lastTransitionTime": now, "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"}
        ],
        "storedVersions": stored,
    });
}

/// Rebuilds the cluster's custom types from its stored CRDs; the custom resources of types that
/// are gone are deleted, as the apiserver's CRD finalizer does.
pub fn sync(cluster: &Cluster) {
    let (crds, _) = cluster.store.list(crd_type(), None, None);
    let mut new: Vec<&'static ResourceType> = Vec::new();
    for o in crds.iter().filter(|o| !o.terminating) {
        new.extend(types_of(&o.value()));
    }
    let old = {
        let mut types = cluster.custom.write().unwrap_or_else(|e| e.into_inner());
        std::mem::replace(&mut *types, new.clone())
    };
    for gone in old
        .iter()
        .filter(|r| !new.iter().any(|n| n.group == r.group && n.kind == r.kind))
    {
        let (objects, _) = cluster.store.list(gone, None, None);
        for o in objects {
            let _ = cluster.store.remove(gone, &o.namespace, &o.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widget() -> Value {
        json!({"spec": {"group": "example.com", "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
        "versions": [
            {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
             "additionalPrinterColumns": [{"name": "Color", "type": "string", "jsonPath": ".spec.color"}]},
            {"name": "v0", "served": false, "storage": false}
        ]}})
    }

    #[test]
    fn served_versions_become_interned_types() {
        let types = types_of(&widget());
        assert_eq!(types.len(), 1);
        let t = types[0];
        assert_eq!(
            (t.group, t.version, t.plural, t.kind),
            ("example.com", "v1", "widgets", "Widget")
        );
        assert!(t.namespaced);
        assert_eq!(t.short_names, &["wd"]);
        assert_eq!(t.subresources, &["status"]);
        assert_eq!(t.columns.unwrap()[0].json_path, ".spec.color");
        assert!(std::ptr::eq(t, types_of(&widget())[0]));
    }

    #[test]
    fn status_accepts_names_and_establishes() {
        let mut crd = widget();
        fill_status(&mut crd);
        assert_eq!(crd["status"]["acceptedNames"]["kind"], "Widget");
        assert_eq!(crd["status"]["acceptedNames"]["listKind"], "WidgetList");
        let conds = crd["status"]["conditions"].as_array().unwrap();
        assert!(
            conds
                .iter()
                .any(|c| c["type"] == "Established" && c["status"] == "True")
        );
        assert!(
            conds
                .iter()
                .any(|c| c["type"] == "NamesAccepted" && c["status"] == "True")
        );
        assert_eq!(crd["status"]["storedVersions"], json!(["v1"]));
    }
}
