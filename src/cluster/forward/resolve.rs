//! Which pod and port a connection goes to, decided as kubectl decides: a ready,
//! non-terminating pod matching the selector; a service port mapped to its targetPort, a named
//! targetPort looked up in that pod's container ports. Pure.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Running, Ready=True, and not being deleted: a pod new connections may go to.
pub fn is_ready(pod: &Pod) -> bool {
    let Some(status) = pod.status.as_ref() else {
        return false;
    };
    pod.metadata.deletion_timestamp.is_none()
        && status.phase.as_deref() == Some("Running")
        && status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// The pod new connections go to: the first ready one by name, so the choice is stable.
pub fn pick_ready(pods: &[Pod]) -> Option<&Pod> {
    pods.iter()
        .filter(|p| is_ready(p))
        .min_by(|a, b| a.metadata.name.cmp(&b.metadata.name))
}

/// `app=kubeapps,tier=web`: a label selector for the API from matchLabels / a service selector.
pub fn selector(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The targetPort behind service port `port` (the port number itself when none is set).
pub fn service_target_port(svc: &Service, port: u16) -> Result<IntOrString, String> {
    let name = svc.metadata.name.as_deref().unwrap_or_default();
    let ports = svc.spec.as_ref().and_then(|s| s.ports.as_ref());
    let found = ports
        .into_iter()
        .flatten()
        .find(|p| p.port == i32::from(port))
        .ok_or_else(|| {
            let have: Vec<String> = ports
                .into_iter()
                .flatten()
                .map(|p| p.port.to_string())
                .collect();
            format!(
                "service {name} has no port {port} (it has: {})",
                if have.is_empty() {
                    "none".into()
                } else {
                    have.join(", ")
                }
            )
        })?;
    Ok(found
        .target_port
        .clone()
        .unwrap_or(IntOrString::Int(i32::from(port))))
}

/// The container port number for `target` in `pod`: a number as is, a name from the containers' ports.
pub fn container_port(pod: &Pod, target: &IntOrString) -> Result<u16, String> {
    match target {
        IntOrString::Int(n) => {
            u16::try_from(*n).map_err(|_| format!("targetPort {n} is not a valid port"))
        }
        IntOrString::String(name) => {
            let pod_name = pod.metadata.name.as_deref().unwrap_or_default();
            pod.spec
                .iter()
                .flat_map(|s| s.containers.iter())
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| p.name.as_deref() == Some(name.as_str()))
                .and_then(|p| u16::try_from(p.container_port).ok())
                .ok_or_else(|| format!("pod {pod_name} has no container port named {name}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, phase: &str, ready: bool, deleting: bool) -> Pod {
        let mut v = json!({
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]},
            "status": {"phase": phase, "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
        });
        if deleting {
            v["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        }
        serde_json::from_value(v).unwrap()
    }

    fn service(ports: serde_json::Value) -> Service {
        serde_json::from_value(json!({"metadata": {"name": "kubeapps"}, "spec": {"ports": ports}}))
            .unwrap()
    }

    #[test]
    fn only_running_ready_non_terminating_pods_take_connections() {
        assert!(is_ready(&pod("a", "Running", true, false)));
        assert!(!is_ready(&pod("a", "Running", false, false)));
        assert!(!is_ready(&pod("a", "Pending", true, false)));
        assert!(!is_ready(&pod("a", "Running", true, true)));
    }

    #[test]
    fn pick_skips_terminating_and_unready_pods_and_is_stable() {
        let pods = vec![
            pod("c", "Running", true, false),
            pod("a", "Running", true, true),
            pod("b", "Running", false, false),
            pod("d", "Running", true, false),
        ];
        let picked = pick_ready(&pods).unwrap();
        assert_eq!(picked.metadata.name.as_deref(), Some("c"));
        assert!(pick_ready(&pods[1..3]).is_none());
    }

    #[test]
    fn service_port_maps_to_target_port_by_number_or_name() {
        let svc = service(json!([
            {"name": "http", "port": 80, "targetPort": "http"},
            {"name": "metrics", "port": 9100, "targetPort": 9101},
            {"name": "plain", "port": 7000}
        ]));
        let p = pod("a", "Running", true, false);
        let named = service_target_port(&svc, 80).unwrap();
        assert_eq!(container_port(&p, &named), Ok(8080));
        let numbered = service_target_port(&svc, 9100).unwrap();
        assert_eq!(container_port(&p, &numbered), Ok(9101));
        assert_eq!(service_target_port(&svc, 7000), Ok(IntOrString::Int(7000)));
        let e = service_target_port(&svc, 443).unwrap_err();
        assert!(
            e.contains("no port 443") && e.contains("80, 9100, 7000"),
            "{e}"
        );
        let e = container_port(&p, &IntOrString::String("grpc".into())).unwrap_err();
        assert!(e.contains("no container port named grpc"), "{e}");
    }

    #[test]
    fn selectors_are_comma_joined_pairs() {
        let m = BTreeMap::from([
            ("app".to_string(), "x".to_string()),
            ("t".into(), "y".into()),
        ]);
        assert_eq!(selector(&m), "app=x,t=y");
    }
}
