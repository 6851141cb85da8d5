//! Pod facts and builders that several controllers share.

use serde_json::{Value, json};

use super::events;
use crate::printers::pod::phase_is_finished;
use crate::sim::api::{DeleteOptions, delete_object};
use crate::sim::cluster::{Cluster, rt};
use crate::sim::defaults;
use crate::sim::store::Object;
use crate::sim::store::random_suffix;

pub fn is_ready(pod: &Value) -> bool {
    super::pdb::pod_is_healthy(pod)
}

/// Phase Succeeded or Failed (`printers::pod::phase_is_finished`).
pub fn is_terminal(pod: &Value) -> bool {
    phase_is_terminal(pod["status"]["phase"].as_str())
}

/// `is_terminal` from a phase looked up without parsing the pod (`Object::field("status.phase")`).
pub fn phase_is_terminal(phase: Option<&str>) -> bool {
    phase.is_some_and(phase_is_finished)
}

pub fn node_is_ready(node: &Value) -> bool {
    node["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

/// Whether `tolerations` tolerate every NoSchedule/NoExecute taint of `node` (pure).
pub fn tolerates(tolerations: &Value, node: &Value) -> bool {
    let tols = tolerations.as_array().cloned().unwrap_or_default();
    node["spec"]["taints"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|taint| {
            if taint["effect"] == "PreferNoSchedule" {
                return true;
            }
            tols.iter().any(|t| {
                let key_ok = t["key"].is_null() || t["key"] == "" || t["key"] == taint["key"];
                let op_ok = t["operator"] == "Exists"
                    || t["value"] == taint["value"]
                    || (t["value"].is_null() && taint["value"].is_null());
                let effect_ok =
                    t["effect"].is_null() || t["effect"] == "" || t["effect"] == taint["effect"];
                key_ok && op_ok && effect_ok
            })
        })
}

/// Whether a pod's nodeSelector matches the node's labels (pure).
pub fn selects(node_selector: &Value, node: &Value) -> bool {
    node_selector
        .as_object()
        .is_none_or(|m| m.iter().all(|(k, v)| node["metadata"]["labels"][k] == *v))
}

/// A pod for `owner` from its pod template, with a generated name and a controller reference.
pub fn from_template(
    owner: &Value,
    template: &Value,
    extra_labels: &[(&str, String)],
    node: Option<&str>,
) -> Value {
    let owner_name = owner["metadata"]["name"].as_str().unwrap_or_default();
    let mut meta = template["metadata"].clone();
    if !meta.is_object() {
        meta = json!({});
    }
    for (k, v) in extra_labels {
        meta["labels"][*k] = json!(v);
    }
    meta["name"] = json!(format!("{owner_name}-{}", random_suffix(5)));
    meta["namespace"] = owner["metadata"]["namespace"].clone();
    meta["ownerReferences"] = json!([{
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner_name,
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    }]);
    let mut spec = template["spec"].clone();
    defaults::pod_spec(&mut spec);
    if let Some(n) = node {
        spec["nodeName"] = json!(n);
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": "Pending", "qosClass": qos_class(&template["spec"])}})
}

/// The QoS class kubectl describe shows, from the containers' requests and limits.
pub fn qos_class(spec: &Value) -> &'static str {
    let containers: Vec<&Value> = spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let any = containers
        .iter()
        .any(|c| c["resources"]["requests"].is_object() || c["resources"]["limits"].is_object());
    if !any {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        let l = &c["resources"]["limits"];
        let r = &c["resources"]["requests"];
        l["cpu"].is_string()
            && l["memory"].is_string()
            && (r["cpu"].is_null() || r["cpu"] == l["cpu"])
            && (r["memory"].is_null() || r["memory"] == l["memory"])
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// Creates a pod for `owner` and records SuccessfulCreate on the owner, as its controller does.
pub fn create_owned_pod(cluster: &Cluster, owner: &Value, pod: Value, component: &str) {
    let name = pod["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if cluster.store.create(rt("", "pods"), pod).is_ok() {
        events::record(
            cluster,
            owner,
            "Normal",
            "SuccessfulCreate",
            &format!("Created pod: {name}"),
            component,
        );
    }
}

/// Deletes (gracefully) a pod `owner` owns and records SuccessfulDelete on the owner.
pub fn delete_owned_pod(cluster: &Cluster, owner: &Value, pod: &Object, component: &str) {
    if delete_object(
        cluster,
        pod.rt,
        &pod.namespace,
        &pod.name,
        &DeleteOptions::default(),
    )
    .is_ok()
    {
        events::record(
            cluster,
            owner,
            "Normal",
            "SuccessfulDelete",
            &format!("Deleted pod: {}", pod.name),
            component,
        );
    }
}

/// Stable short hash of a pod template, like the pod-template-hash label.
pub fn template_hash(template: &Value) -> String {
    // FNV-1a over the canonical JSON (serde_json sorts object keys).
    let mut h: u64 = 0xcbf29ce484222325;
    for b in template.to_string().bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..10)
        .map(|i| SAFE[((h >> (i * 6)) % SAFE.len() as u64) as usize] as char)
        .collect()
}

/// int-or-percent (maxSurge, maxUnavailable) against `total`.
pub fn int_or_percent(v: &Value, total: i64, round_up: bool, fallback: i64) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().unwrap_or(fallback),
        Value::String(s) => s
            .strip_suffix('%')
            .and_then(|p| p.parse::<f64>().ok())
            .map(|p| {
                let x = p * total as f64 / 100.0;
                (if round_up { x.ceil() } else { x.floor() }) as i64
            })
            .unwrap_or(fallback),
        _ => fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_plane_taint_needs_a_toleration() {
        let node = json!({"spec":{"taints":[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]}});
        assert!(!tolerates(&json!([]), &node));
        assert!(tolerates(&json!([{"operator":"Exists"}]), &node));
        assert!(tolerates(
            &json!([{"key":"node-role.kubernetes.io/control-plane","operator":"Exists","effect":"NoSchedule"}]),
            &node
        ));
    }

    #[test]
    fn template_hash_is_stable_and_changes_with_template() {
        let a = json!({"spec":{"containers":[{"name":"c","image":"x:1"}]}});
        let b = json!({"spec":{"containers":[{"name":"c","image":"x:2"}]}});
        assert_eq!(template_hash(&a), template_hash(&a.clone()));
        assert_ne!(template_hash(&a), template_hash(&b));
        assert_eq!(template_hash(&a).len(), 10);
    }

    #[test]
    fn percent_surge_rounds_up_and_unavailable_down() {
        assert_eq!(int_or_percent(&json!("25%"), 3, true, 0), 1);
        assert_eq!(int_or_percent(&json!("25%"), 3, false, 0), 0);
        assert_eq!(int_or_percent(&json!(2), 3, false, 0), 2);
    }
}
