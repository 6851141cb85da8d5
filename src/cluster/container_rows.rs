//! A pod's containers as the drill-down shows them: name, image, state with its reason, ready,
//! restarts, the last termination and the ports; init containers first, marked. Projected from a
//! pod fetched fresh when the view opens (pod rows stay lean), every text sanitised here.

use k8s_openapi::api::core::v1::{Container, ContainerState, ContainerStatus, Pod};

use crate::sanitize::clean;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerType {
    Init,
    /// An init container with `restartPolicy: Always`: it keeps running beside the others.
    Sidecar,
    Main,
}

impl ContainerType {
    pub fn label(self) -> &'static str {
        match self {
            ContainerType::Init => "init",
            ContainerType::Sidecar => "sidecar",
            ContainerType::Main => "",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerRow {
    pub name: String,
    pub kind: ContainerType,
    pub image: String,
    /// `Running`, `Waiting: CrashLoopBackOff`, `Terminated: Completed (exit 0)`.
    pub state: String,
    /// The container waits or terminated with a failure: drawn as an error.
    pub failing: bool,
    pub ready: bool,
    pub restarts: i32,
    /// `Error (exit 1)`, or empty when it never terminated before.
    pub last_termination: String,
    /// `http:80/TCP, 443/TCP`.
    pub ports: String,
}

fn text(s: &str) -> String {
    clean(s).into_owned()
}

fn state_text(s: Option<&ContainerState>) -> (String, bool) {
    let Some(s) = s else {
        return ("Waiting".into(), false);
    };
    if s.running.is_some() {
        return ("Running".into(), false);
    }
    if let Some(w) = &s.waiting {
        let reason = w.reason.as_deref().unwrap_or_default();
        let failing = !matches!(reason, "" | "ContainerCreating" | "PodInitializing");
        return match reason {
            "" => ("Waiting".into(), false),
            r => (format!("Waiting: {}", text(r)), failing),
        };
    }
    if let Some(t) = &s.terminated {
        let reason = t.reason.as_deref().unwrap_or("Terminated");
        return (
            format!("Terminated: {} (exit {})", text(reason), t.exit_code),
            t.exit_code != 0,
        );
    }
    ("Waiting".into(), false)
}

fn last_termination(s: Option<&ContainerStatus>) -> String {
    s.and_then(|s| s.last_state.as_ref())
        .and_then(|l| l.terminated.as_ref())
        .map(|t| {
            format!(
                "{} (exit {})",
                text(t.reason.as_deref().unwrap_or("Terminated")),
                t.exit_code
            )
        })
        .unwrap_or_default()
}

fn ports(c: &Container) -> String {
    c.ports
        .iter()
        .flatten()
        .map(|p| {
            let proto = p.protocol.as_deref().unwrap_or("TCP");
            match p.name.as_deref() {
                Some(n) if !n.is_empty() => format!("{}:{}/{}", text(n), p.container_port, proto),
                _ => format!("{}/{}", p.container_port, text(proto)),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn row(
    c: &Container,
    kind: ContainerType,
    statuses: Option<&Vec<ContainerStatus>>,
) -> ContainerRow {
    let status = statuses.and_then(|s| s.iter().find(|s| s.name == c.name));
    let (state, failing) = state_text(status.and_then(|s| s.state.as_ref()));
    ContainerRow {
        name: text(&c.name),
        kind,
        image: text(c.image.as_deref().unwrap_or_default()),
        state,
        failing,
        ready: status.is_some_and(|s| s.ready),
        restarts: status.map_or(0, |s| s.restart_count),
        last_termination: last_termination(status),
        ports: ports(c),
    }
}

impl ContainerRow {
    /// Every container of `pod`, init containers (and sidecars) first, in spec order.
    pub fn from_pod(pod: &Pod) -> Vec<ContainerRow> {
        let Some(spec) = pod.spec.as_ref() else {
            return Vec::new();
        };
        let status = pod.status.as_ref();
        let init_statuses = status.and_then(|s| s.init_container_statuses.as_ref());
        let statuses = status.and_then(|s| s.container_statuses.as_ref());
        let mut rows: Vec<ContainerRow> = spec
            .init_containers
            .iter()
            .flatten()
            .map(|c| {
                let kind = if c.restart_policy.as_deref() == Some("Always") {
                    ContainerType::Sidecar
                } else {
                    ContainerType::Init
                };
                row(c, kind, init_statuses)
            })
            .collect();
        rows.extend(
            spec.containers
                .iter()
                .map(|c| row(c, ContainerType::Main, statuses)),
        );
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_crash_looping_pod_lists_init_first_with_states_and_last_termination() {
        let p: Pod = serde_json::from_value(json!({
            "metadata": {"name": "api-1", "namespace": "dev"},
            "spec": {
                "initContainers": [{"name": "migrate", "image": "migrate:1"}, {"name": "proxy", "image": "envoy:1", "restartPolicy": "Always"}],
                "containers": [{"name": "api", "image": "api:2", "ports": [{"name": "http", "containerPort": 8080}, {"containerPort": 9090, "protocol": "UDP"}]}]
            },
            "status": {
                "initContainerStatuses": [
                    {"name": "migrate", "ready": false, "restartCount": 0, "image": "", "imageID": "", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "proxy", "ready": true, "restartCount": 0, "image": "", "imageID": "", "state": {"running": {}}}
                ],
                "containerStatuses": [{"name": "api", "ready": false, "restartCount": 5, "image": "", "imageID": "",
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]
            }
        }))
        .unwrap();
        let rows = ContainerRow::from_pod(&p);
        let names: Vec<(&str, ContainerType)> =
            rows.iter().map(|r| (r.name.as_str(), r.kind)).collect();
        assert_eq!(
            names,
            vec![
                ("migrate", ContainerType::Init),
                ("proxy", ContainerType::Sidecar),
                ("api", ContainerType::Main)
            ]
        );
        assert_eq!(rows[0].state, "Terminated: Completed (exit 0)");
        assert!(!rows[0].failing);
        assert_eq!(rows[1].state, "Running");
        assert!(rows[1].ready);
        let api = &rows[2];
        assert_eq!(api.state, "Waiting: CrashLoopBackOff");
        assert!(api.failing);
        assert_eq!(api.restarts, 5);
        assert_eq!(api.last_termination, "OOMKilled (exit 137)");
        assert_eq!(api.ports, "http:8080/TCP, 9090/UDP");
        assert_eq!(api.image, "api:2");
    }

    #[test]
    fn a_pod_without_status_yet_shows_waiting_containers() {
        let p: Pod = serde_json::from_value(json!({
            "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c\u{1b}[2J"}]}
        }))
        .unwrap();
        let rows = ContainerRow::from_pod(&p);
        assert_eq!(rows[0].state, "Waiting");
        assert!(!rows[0].name.contains('\u{1b}'));
    }
}
