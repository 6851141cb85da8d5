//! Discovery documents (legacy format, which every client accepts) and `/version`.

use serde_json::{Value, json};

use super::resources::{self, RESOURCES, ResourceType};

pub const GIT_VERSION: &str = "v1.32.4";

pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "gitVersion": GIT_VERSION,
        "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335",
        "gitTreeState": "clean",
        "buildDate": "2025-04-22T16:03:40Z",
        "goVersion": "go1.23.6",
        "compiler": "gc",
        "platform": "linux/amd64",
        "emulationMajor": "1",
        "emulationMinor": "32",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "31"
    })
}

pub fn api_versions() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]
    })
}

fn group_doc(group: &str, versions: &[&str]) -> Value {
    let gvs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    json!({"name": group, "versions": gvs, "preferredVersion": gvs[0]})
}

/// The API groups and their versions: built-in ones, then those of custom resources.
fn groups(custom: &[&'static ResourceType]) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&'static str, Vec<&'static str>)> = resources::groups()
        .into_iter()
        .map(|(g, v)| (g, vec![v]))
        .collect();
    for r in custom {
        match out.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, vs)) if !vs.contains(&r.version) => vs.push(r.version),
            Some(_) => {}
            None => out.push((r.group, vec![r.version])),
        }
    }
    out
}

pub fn api_group_list(custom: &[&'static ResourceType]) -> Value {
    let groups: Vec<Value> = groups(custom)
        .into_iter()
        .map(|(g, v)| group_doc(g, &v))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn api_group(group: &str, custom: &[&'static ResourceType]) -> Option<Value> {
    let (g, v) = groups(custom).into_iter().find(|(g, _)| *g == group)?;
    let mut doc = group_doc(g, &v);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

/// `/api/v1` or `/apis/G/V`: the resources and subresources of one group version.
pub fn resource_list(
    group: &str,
    version: &str,
    custom: &[&'static ResourceType],
) -> Option<Value> {
    let mut out = Vec::new();
    for r in RESOURCES
        .iter()
        .chain(custom.iter().copied())
        .filter(|r| r.group == group && r.version == version)
    {
        let mut doc = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": resources::verbs(r),
        });
        if !r.short_names.is_empty() {
            doc["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            doc["categories"] = json!(r.categories);
        }
        out.push(doc);
        for sub in r.subresources {
            let sub_doc = match *sub {
                // kubectl drain needs group/version here, or it falls back to DELETE.
                "eviction" => {
                    json!({"name": "pods/eviction", "singularName": "", "namespaced": true, "group": "policy", "version": "v1", "kind": "Eviction", "verbs": ["create"]})
                }
                "log" => {
                    json!({"name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]})
                }
                "portforward" | "exec" | "proxy" => {
                    json!({"name": format!("{}/{sub}", r.plural), "singularName": "", "namespaced": r.namespaced, "kind": "PodPortForwardOptions", "verbs": ["create", "get"]})
                }
                "binding" => {
                    json!({"name": "pods/binding", "singularName": "", "namespaced": true, "kind": "Binding", "verbs": ["create"]})
                }
                "scale" => {
                    json!({"name": format!("{}/scale", r.plural), "singularName": "", "namespaced": r.namespaced, "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]})
                }
                "token" => {
                    json!({"name": format!("{}/token", r.plural), "singularName": "", "namespaced": true, "group": "authentication.k8s.io", "version": "v1", "kind": "TokenRequest", "verbs": ["create"]})
                }
                _ => {
                    json!({"name": format!("{}/{sub}", r.plural), "singularName": "", "namespaced": r.namespaced, "kind": r.kind, "verbs": ["get", "patch", "update"]})
                }
            };
            out.push(sub_doc);
        }
    }
    if out.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_list_carries_eviction_with_policy_group() {
        let doc = resource_list("", "v1", &[]).unwrap();
        let ev = doc["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "pods/eviction")
            .unwrap();
        assert_eq!(ev["group"], "policy");
        assert_eq!(ev["version"], "v1");
    }

    #[test]
    fn group_list_names_apps_and_metrics() {
        let doc = api_group_list(&[]);
        let names: Vec<_> = doc["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_string())
            .collect();
        assert!(names.contains(&"apps".to_string()));
        assert!(names.contains(&"metrics.k8s.io".to_string()));
        assert!(resource_list("nope", "v1", &[]).is_none());
    }
}
