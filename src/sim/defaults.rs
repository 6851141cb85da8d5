//! Defaulting on create, as the apiserver fills in fields clients leave out.

use serde_json::{Value, json};

use super::resources::ResourceType;

fn default(v: &mut Value, key: &str, value: Value) {
    if v.is_object() && v.get(key).is_none_or(Value::is_null) {
        v[key] = value;
    }
}

pub fn pod_spec(spec: &mut Value) {
    default(spec, "restartPolicy", json!("Always"));
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default(spec, "dnsPolicy", json!("ClusterFirst"));
    default(spec, "schedulerName", json!("default-scheduler"));
    default(spec, "securityContext", json!({}));
    default(spec, "serviceAccountName", json!("default"));
    default(spec, "enableServiceLinks", json!(true));
    default(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
    default(spec, "priority", json!(0));
    for list in ["containers", "initContainers"] {
        for c in spec[list].as_array_mut().into_iter().flatten() {
            let latest = c["image"]
                .as_str()
                .is_some_and(|i| !i.contains(':') || i.ends_with(":latest"));
            default(
                c,
                "imagePullPolicy",
                json!(if latest { "Always" } else { "IfNotPresent" }),
            );
            default(c, "terminationMessagePath", json!("/dev/termination-log"));
            default(c, "terminationMessagePolicy", json!("File"));
            default(c, "resources", json!({}));
            for p in c["ports"].as_array_mut().into_iter().flatten() {
                default(p, "protocol", json!("TCP"));
            }
        }
    }
    if spec.get("tolerations").is_none() {
        spec["tolerations"] = json!([
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        ]);
    }
}

fn template(obj: &mut Value) {
    if let Some(spec) = obj.pointer_mut("/spec/template/spec") {
        pod_spec(spec);
    }
    if let Some(t) = obj.pointer_mut("/spec/template") {
        default(t, "metadata", json!({}));
    }
}

/// Fills server-side defaults into a new object of type `rt`.
pub fn apply(rt: &ResourceType, obj: &mut Value) {
    match rt.kind {
        "Pod" => {
            if let Some(spec) = obj.get_mut("spec") {
                pod_spec(spec);
            }
            default(obj, "status", json!({}));
            default(&mut obj["status"], "phase", json!("Pending"));
            default(&mut obj["status"], "qosClass", json!("BestEffort"));
        }
        "Deployment" => {
            default(obj, "spec", json!({}));
            let spec = &mut obj["spec"];
            default(spec, "replicas", json!(1));
            default(spec, "revisionHistoryLimit", json!(10));
            default(spec, "progressDeadlineSeconds", json!(600));
            default(
                spec,
                "strategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
            );
            template(obj);
            default(obj, "status", json!({}));
        }
        "ReplicaSet" => {
            default(obj, "spec", json!({}));
            default(&mut obj["spec"], "replicas", json!(1));
            template(obj);
            default(obj, "status", json!({"replicas": 0}));
        }
        "StatefulSet" => {
            default(obj, "spec", json!({}));
            let spec = &mut obj["spec"];
            default(spec, "replicas", json!(1));
            default(spec, "podManagementPolicy", json!("OrderedReady"));
            default(spec, "revisionHistoryLimit", json!(10));
            default(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
            );
            default(
                spec,
                "persistentVolumeClaimRetentionPolicy",
                json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
            );
            for c in spec["volumeClaimTemplates"]
                .as_array_mut()
                .into_iter()
                .flatten()
            {
                default(c, "apiVersion", json!("v1"));
                default(c, "kind", json!("PersistentVolumeClaim"));
                default(&mut c["spec"], "volumeMode", json!("Filesystem"));
                default(c, "status", json!({"phase": "Pending"}));
            }
            template(obj);
            default(
                obj,
                "status",
                json!({"replicas": 0, "availableReplicas": 0}),
            );
        }
        "PersistentVolumeClaim" => {
            default(obj, "spec", json!({}));
            default(&mut obj["spec"], "volumeMode", json!("Filesystem"));
            default(obj, "status", json!({"phase": "Pending"}));
        }
        "DaemonSet" => {
            default(obj, "spec", json!({}));
            default(
                &mut obj["spec"],
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
            );
            default(&mut obj["spec"], "revisionHistoryLimit", json!(10));
            template(obj);
            default(
                obj,
                "status",
                json!({"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0}),
            );
        }
        "Job" => {
            default(obj, "spec", json!({}));
            let spec = &mut obj["spec"];
            default(spec, "completions", json!(1));
            default(spec, "parallelism", json!(1));
            default(spec, "backoffLimit", json!(6));
            default(spec, "completionMode", json!("NonIndexed"));
            default(spec, "suspend", json!(false));
            template(obj);
            if let Some(spec) = obj.pointer_mut("/spec/template/spec")
                && spec["restartPolicy"] == "Always"
            {
                spec["restartPolicy"] = json!("Never");
            }
            default(obj, "status", json!({}));
        }
        "CronJob" => {
            default(obj, "spec", json!({}));
            let spec = &mut obj["spec"];
            default(spec, "suspend", json!(false));
            default(spec, "concurrencyPolicy", json!("Allow"));
            default(spec, "successfulJobsHistoryLimit", json!(3));
            default(spec, "failedJobsHistoryLimit", json!(1));
            default(obj, "status", json!({}));
        }
        "Service" => {
            default(obj, "spec", json!({}));
            let spec = &mut obj["spec"];
            default(spec, "type", json!("ClusterIP"));
            default(spec, "sessionAffinity", json!("None"));
            default(spec, "internalTrafficPolicy", json!("Cluster"));
            default(spec, "ipFamilies", json!(["IPv4"]));
            default(spec, "ipFamilyPolicy", json!("SingleStack"));
            for p in spec["ports"].as_array_mut().into_iter().flatten() {
                default(p, "protocol", json!("TCP"));
                let port = p["port"].clone();
                default(p, "targetPort", port);
            }
            if spec.get("clusterIP").is_none_or(|v| v.is_null() || v == "") {
                let ip = format!(
                    "100.{}.{}.{}",
                    64 + rand::random_range(0..4),
                    rand::random_range(0..255),
                    rand::random_range(1..255)
                );
                spec["clusterIP"] = json!(ip);
                spec["clusterIPs"] = json!([ip]);
            }
            default(obj, "status", json!({"loadBalancer": {}}));
        }
        "Namespace" => {
            let name = obj["metadata"]["name"].clone();
            default(obj, "spec", json!({"finalizers": ["kubernetes"]}));
            default(obj, "status", json!({"phase": "Active"}));
            if let Some(meta) = obj.get_mut("metadata") {
                default(meta, "labels", json!({}));
                meta["labels"]["kubernetes.io/metadata.name"] = name;
            }
        }
        "PodDisruptionBudget" => {
            default(
                obj,
                "status",
                json!({"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}),
            );
        }
        "Secret" => default(obj, "type", json!("Opaque")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::cluster::rt;

    #[test]
    fn deployment_gets_rolling_update_defaults() {
        let mut d = json!({"metadata":{"name":"x"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:1.25"}]}}}});
        apply(rt("apps", "deployments"), &mut d);
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "IfNotPresent"
        );
    }

    #[test]
    fn service_target_port_defaults_to_port() {
        let mut s = json!({"metadata":{"name":"x"},"spec":{"ports":[{"port":80}]}});
        apply(rt("", "services"), &mut s);
        assert_eq!(s["spec"]["ports"][0]["targetPort"], 80);
        assert!(s["spec"]["clusterIP"].as_str().unwrap().starts_with("100."));
    }
}
