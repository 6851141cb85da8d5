//! The Pod STATUS / READY / RESTARTS cells, following kubectl's `printPod`.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod, PodCondition};

use super::age;

/// Status reason the node lifecycle controller sets on pods of an unreachable node.
const NODE_UNREACHABLE_REASON: &str = "NodeLost";

/// Everything `printPod` derives from the container statuses in one pass; the reason,
/// readiness and restart counts depend on each other (e.g. a failing init container hides
/// the app containers' restarts), so they are computed together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSummary {
    /// The STATUS cell.
    pub reason: String,
    pub ready: usize,
    pub total: usize,
    pub restarts: i32,
    /// When the most recently restarted counted container last terminated.
    pub last_restart: Option<Timestamp>,
}

/// STATUS as `kubectl get pods` prints it. `now` is unused today (the status does not
/// age) but keeps the signature in step with the other cell functions.
pub fn pod_status(pod: &Pod, _now: Timestamp) -> String {
    summarize(pod).reason
}

/// READY as `(ready, total)`; sidecars (restartable init containers) count toward both.
pub fn pod_ready(pod: &Pod) -> (usize, usize) {
    let s = summarize(pod);
    (s.ready, s.total)
}

/// RESTARTS: the count and its cell text, e.g. `(3, "3 (2m ago)")`.
pub fn pod_restarts(pod: &Pod, now: Timestamp) -> (i32, String) {
    let s = summarize(pod);
    (
        s.restarts,
        restarts_display(s.restarts, s.last_restart, now),
    )
}

/// `3 (2m ago)` when the last restart time is known, else the bare count.
pub fn restarts_display(restarts: i32, last_restart: Option<Timestamp>, now: Timestamp) -> String {
    match last_restart {
        Some(at) if restarts != 0 => format!("{restarts} ({} ago)", age::since(at, now)),
        _ => restarts.to_string(),
    }
}

/// Sidecar containers are init containers with `restartPolicy: Always`.
fn is_sidecar(container: Option<&Container>) -> bool {
    container.is_some_and(|c| c.restart_policy.as_deref() == Some("Always"))
}

fn condition_true(conditions: &[PodCondition], type_: &str) -> bool {
    conditions
        .iter()
        .any(|c| c.type_ == type_ && c.status == "True")
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// When this container last terminated, if it ever did.
fn last_termination(status: &ContainerStatus) -> Option<Timestamp> {
    status
        .last_state
        .as_ref()?
        .terminated
        .as_ref()?
        .finished_at
        .as_ref()
        .map(|t| t.0)
}

fn latest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A pod in phase Succeeded or Failed: finished, its containers will not run again. The one
/// definition behind `PodRow::finished` (cockpit) and `podutil::is_terminal` (simulator).
pub fn phase_is_finished(phase: &str) -> bool {
    matches!(phase, "Succeeded" | "Failed")
}

/// Compute STATUS, READY and RESTARTS the way kubectl's `printPod` does.
pub fn summarize(pod: &Pod) -> PodSummary {
    let empty_spec = Default::default();
    let spec = pod.spec.as_ref().unwrap_or(&empty_spec);
    let empty_status = Default::default();
    let status = pod.status.as_ref().unwrap_or(&empty_status);
    let conditions = status.conditions.as_deref().unwrap_or_default();
    let init_specs = spec.init_containers.as_deref().unwrap_or_default();
    let init_statuses = status
        .init_container_statuses
        .as_deref()
        .unwrap_or_default();
    let app_statuses = status.container_statuses.as_deref().unwrap_or_default();

    let phase = status.phase.clone().unwrap_or_default();
    let mut reason = non_empty(&status.reason).map_or_else(|| phase.clone(), str::to_string);
    if conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".to_string();
    }

    let spec_of = |name: &str| init_specs.iter().find(|c| c.name == name);
    let total = spec.containers.len() + init_specs.iter().filter(|c| is_sidecar(Some(c))).count();
    let mut ready = 0;
    let mut restarts = 0;
    let mut last_restart = None;
    // Sidecars keep running alongside the app, so their restarts stay counted once
    // initialisation is over; plain init containers' restarts do not.
    let mut sidecar_restarts = 0;
    let mut sidecar_last_restart = None;

    let mut initializing = false;
    for (i, c) in init_statuses.iter().enumerate() {
        restarts += c.restart_count;
        last_restart = latest(last_restart, last_termination(c));
        let sidecar = is_sidecar(spec_of(&c.name));
        if sidecar {
            sidecar_restarts += c.restart_count;
            sidecar_last_restart = latest(sidecar_last_restart, last_termination(c));
        }
        let state = c.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting_reason = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| non_empty(&w.reason));
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if sidecar && c.started == Some(true) {
            if c.ready {
                ready += 1;
            }
            continue;
        }
        // The first init container that has not finished decides the status.
        reason = if let Some(t) = terminated {
            match non_empty(&t.reason) {
                Some(r) => format!("Init:{r}"),
                None => match t.signal.filter(|&s| s != 0) {
                    Some(signal) => format!("Init:Signal:{signal}"),
                    None => format!("Init:ExitCode:{}", t.exit_code),
                },
            }
        } else if let Some(r) = waiting_reason.filter(|&r| r != "PodInitializing") {
            format!("Init:{r}")
        } else {
            format!("Init:{i}/{}", init_specs.len())
        };
        initializing = true;
        break;
    }

    if !initializing || condition_true(conditions, "Initialized") {
        restarts = sidecar_restarts;
        last_restart = sidecar_last_restart;
        let mut has_running = false;
        // Walk backwards so the first container with a notable state wins the reason.
        for c in app_statuses.iter().rev() {
            restarts += c.restart_count;
            last_restart = latest(last_restart, last_termination(c));
            let state = c.state.as_ref();
            let waiting = state.and_then(|s| s.waiting.as_ref());
            let terminated = state.and_then(|s| s.terminated.as_ref());
            if let Some(r) = waiting.and_then(|w| non_empty(&w.reason)) {
                reason = r.to_string();
            } else if let Some(t) = terminated {
                reason = match (non_empty(&t.reason), t.signal.filter(|&s| s != 0)) {
                    (Some(r), _) => r.to_string(),
                    (None, Some(signal)) => format!("Signal:{signal}"),
                    (None, None) => format!("ExitCode:{}", t.exit_code),
                };
            } else if c.ready && state.is_some_and(|s| s.running.is_some()) {
                has_running = true;
                ready += 1;
            }
        }
        // A finished container next to a still-running one does not make the pod Completed.
        if reason == "Completed" && has_running {
            reason = if condition_true(conditions, "Ready") {
                "Running".to_string()
            } else {
                "NotReady".to_string()
            };
        }
    }

    if pod.metadata.deletion_timestamp.is_some() {
        if status.reason.as_deref() == Some(NODE_UNREACHABLE_REASON) {
            reason = "Unknown".to_string();
        } else if !phase_is_finished(&phase) {
            reason = "Terminating".to_string();
        }
    }

    PodSummary {
        reason,
        ready,
        total,
        restarts,
        last_restart,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2025-06-01T12:00:00Z".parse().unwrap()
    }

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    fn running(name: &str, restarts: i32) -> serde_json::Value {
        json!({"name": name, "ready": true, "restartCount": restarts, "image": "x",
               "imageID": "", "state": {"running": {"startedAt": "2025-06-01T11:00:00Z"}}})
    }

    #[test]
    fn running_pod_is_running_and_ready() {
        let p = pod(json!({
            "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "containerStatuses": [running("a", 0), running("b", 0)]}
        }));
        assert_eq!(pod_status(&p, now()), "Running");
        assert_eq!(pod_ready(&p), (2, 2));
        assert_eq!(pod_restarts(&p, now()), (0, "0".to_string()));
    }

    #[test]
    fn crash_looping_container_shows_crashloopbackoff() {
        let p = pod(json!({
            "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Running", "containerStatuses": [{
                "name": "a", "ready": false, "restartCount": 5, "image": "x", "imageID": "",
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                              "finishedAt": "2025-06-01T11:58:00Z"}}
            }]}
        }));
        assert_eq!(pod_status(&p, now()), "CrashLoopBackOff");
        assert_eq!(pod_ready(&p), (0, 1));
        assert_eq!(pod_restarts(&p, now()), (5, "5 (2m ago)".to_string()));
    }

    #[test]
    fn restarts_without_termination_time_show_bare_count() {
        let p = pod(json!({
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Running", "containerStatuses": [running("a", 3)]}
        }));
        assert_eq!(pod_restarts(&p, now()), (3, "3".to_string()));
    }

    #[test]
    fn pod_with_deletion_timestamp_shows_terminating() {
        let p = pod(json!({
            "metadata": {"name": "web", "deletionTimestamp": "2025-06-01T11:59:00Z"},
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Running", "containerStatuses": [running("a", 0)]}
        }));
        assert_eq!(pod_status(&p, now()), "Terminating");
    }

    #[test]
    fn deleted_pod_that_already_succeeded_keeps_its_status() {
        let p = pod(json!({
            "metadata": {"deletionTimestamp": "2025-06-01T11:59:00Z"},
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Succeeded", "containerStatuses": [{
                "name": "a", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
        }));
        assert_eq!(pod_status(&p, now()), "Completed");
    }

    #[test]
    fn pod_on_lost_node_shows_unknown() {
        let p = pod(json!({
            "metadata": {"deletionTimestamp": "2025-06-01T11:59:00Z"},
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Running", "reason": "NodeLost",
                       "containerStatuses": [running("a", 0)]}
        }));
        assert_eq!(pod_status(&p, now()), "Unknown");
    }

    #[test]
    fn evicted_pod_shows_evicted() {
        let p = pod(json!({
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Failed", "reason": "Evicted"}
        }));
        assert_eq!(pod_status(&p, now()), "Evicted");
        assert_eq!(pod_ready(&p), (0, 1));
    }

    #[test]
    fn init_containers_show_init_progress() {
        let p = pod(json!({
            "spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}, {"name": "i3"}],
                     "containers": [{"name": "a"}]},
            "status": {"phase": "Pending",
                "initContainerStatuses": [
                    {"name": "i1", "ready": true, "restartCount": 0, "image": "x", "imageID": "",
                     "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "i2", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
                     "state": {"running": {}}},
                    {"name": "i3", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
                     "state": {"waiting": {"reason": "PodInitializing"}}}],
                "containerStatuses": [{"name": "a", "ready": false, "restartCount": 0, "image": "x",
                     "imageID": "", "state": {"waiting": {"reason": "PodInitializing"}}}]}
        }));
        assert_eq!(pod_status(&p, now()), "Init:1/3");
        assert_eq!(pod_ready(&p), (0, 1));
    }

    #[test]
    fn crash_looping_init_container_shows_init_crashloopbackoff() {
        let p = pod(json!({
            "spec": {"initContainers": [{"name": "i1"}], "containers": [{"name": "a"}]},
            "status": {"phase": "Pending",
                "initContainerStatuses": [{"name": "i1", "ready": false, "restartCount": 4,
                    "image": "x", "imageID": "",
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2025-06-01T11:55:00Z"}}}],
                "containerStatuses": [{"name": "a", "ready": false, "restartCount": 0, "image": "x",
                     "imageID": "", "state": {"waiting": {"reason": "PodInitializing"}}}]}
        }));
        assert_eq!(pod_status(&p, now()), "Init:CrashLoopBackOff");
        // While initialising, plain init containers' restarts are what RESTARTS shows.
        assert_eq!(pod_restarts(&p, now()), (4, "4 (5m ago)".to_string()));
    }

    #[test]
    fn failed_init_container_without_reason_shows_exit_code_or_signal() {
        let with = |term: serde_json::Value| {
            pod(json!({
                "spec": {"initContainers": [{"name": "i1"}], "containers": [{"name": "a"}]},
                "status": {"phase": "Pending", "initContainerStatuses": [{"name": "i1",
                    "ready": false, "restartCount": 0, "image": "x", "imageID": "",
                    "state": {"terminated": term}}]}
            }))
        };
        assert_eq!(
            pod_status(&with(json!({"exitCode": 2})), now()),
            "Init:ExitCode:2"
        );
        assert_eq!(
            pod_status(&with(json!({"exitCode": 137, "signal": 9})), now()),
            "Init:Signal:9"
        );
        assert_eq!(
            pod_status(&with(json!({"exitCode": 1, "reason": "Error"})), now()),
            "Init:Error"
        );
    }

    #[test]
    fn app_containers_still_waiting_after_init_show_pod_initializing() {
        let p = pod(json!({
            "spec": {"initContainers": [{"name": "i1"}], "containers": [{"name": "a"}]},
            "status": {"phase": "Pending",
                "initContainerStatuses": [{"name": "i1", "ready": true, "restartCount": 0,
                    "image": "x", "imageID": "", "state": {"terminated": {"exitCode": 0}}}],
                "containerStatuses": [{"name": "a", "ready": false, "restartCount": 0, "image": "x",
                     "imageID": "", "state": {"waiting": {"reason": "PodInitializing"}}}]}
        }));
        assert_eq!(pod_status(&p, now()), "PodInitializing");
    }

    #[test]
    fn creating_container_shows_container_creating() {
        let p = pod(json!({
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Pending", "containerStatuses": [{"name": "a", "ready": false,
                "restartCount": 0, "image": "x", "imageID": "",
                "state": {"waiting": {"reason": "ContainerCreating"}}}]}
        }));
        assert_eq!(pod_status(&p, now()), "ContainerCreating");
    }

    #[test]
    fn terminated_container_reasons_show_through() {
        let with = |term: serde_json::Value, phase: &str| {
            pod(json!({
                "spec": {"containers": [{"name": "a"}]},
                "status": {"phase": phase, "containerStatuses": [{"name": "a", "ready": false,
                    "restartCount": 0, "image": "x", "imageID": "", "state": {"terminated": term}}]}
            }))
        };
        let completed = with(json!({"exitCode": 0, "reason": "Completed"}), "Succeeded");
        assert_eq!(pod_status(&completed, now()), "Completed");
        let oom = with(json!({"exitCode": 137, "reason": "OOMKilled"}), "Running");
        assert_eq!(pod_status(&oom, now()), "OOMKilled");
        let error = with(json!({"exitCode": 1, "reason": "Error"}), "Failed");
        assert_eq!(pod_status(&error, now()), "Error");
        let signal = with(json!({"exitCode": 143, "signal": 15}), "Failed");
        assert_eq!(pod_status(&signal, now()), "Signal:15");
        let code = with(json!({"exitCode": 3}), "Failed");
        assert_eq!(pod_status(&code, now()), "ExitCode:3");
    }

    #[test]
    fn completed_container_beside_running_one_shows_running_or_not_ready() {
        let with = |ready_cond: &str| {
            pod(json!({
                "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
                "status": {"phase": "Running",
                    "conditions": [{"type": "Ready", "status": ready_cond}],
                    "containerStatuses": [
                        running("a", 0),
                        {"name": "b", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
                         "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
            }))
        };
        assert_eq!(pod_status(&with("True"), now()), "Running");
        assert_eq!(pod_status(&with("False"), now()), "NotReady");
        assert_eq!(pod_ready(&with("False")), (1, 2));
    }

    #[test]
    fn scheduling_gated_pod_shows_scheduling_gated() {
        let p = pod(json!({
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}
        }));
        assert_eq!(pod_status(&p, now()), "SchedulingGated");
    }

    #[test]
    fn unschedulable_pending_pod_shows_pending() {
        let p = pod(json!({
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}
        }));
        assert_eq!(pod_status(&p, now()), "Pending");
    }

    #[test]
    fn sidecars_count_toward_ready_and_keep_their_restarts() {
        let p = pod(json!({
            "spec": {"initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
                     "containers": [{"name": "a"}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Initialized", "status": "True"}],
                "initContainerStatuses": [{"name": "proxy", "ready": true, "started": true,
                    "restartCount": 2, "image": "x", "imageID": "", "state": {"running": {}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2025-06-01T09:00:00Z"}}}],
                "containerStatuses": [running("a", 1)]}
        }));
        assert_eq!(pod_status(&p, now()), "Running");
        assert_eq!(pod_ready(&p), (2, 2));
        assert_eq!(pod_restarts(&p, now()), (3, "3 (3h ago)".to_string()));
    }
}
