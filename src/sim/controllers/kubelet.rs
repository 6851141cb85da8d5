//! The kubelet's part: a scheduled pod goes Pending → ContainerCreating → Running, containers
//! crash and restart with back-off or run to completion, and a deleted pod's containers stop
//! after the grace period — unless its node is NotReady, where it stays Terminating.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::events;
use super::podutil::{is_terminal, node_is_ready};
use crate::sim::cluster::{Cluster, rt};

/// Seconds a container runs before it exits with an error (crash loop), from the pod template.
pub const CRASH_AFTER: &str = "sim.kockpit.dev/crash-after-seconds";
/// Seconds a container runs before it exits successfully (jobs).
pub const RUN_SECONDS: &str = "sim.kockpit.dev/run-seconds";

fn ts(v: &Value) -> Option<Timestamp> {
    v.as_str().and_then(|s| s.parse().ok())
}

fn secs(f: f64) -> SignedDuration {
    SignedDuration::from_secs_f64(f.max(0.0))
}

fn annotation_secs(pod: &Value, key: &str) -> Option<f64> {
    pod["metadata"]["annotations"][key]
        .as_str()
        .and_then(|s| s.parse().ok())
}

/// Whether a started container becomes Ready: one that crashes before its readiness probe
/// first runs (`initialDelaySeconds`) never does, so a rollout of it makes no progress (pure).
pub fn ready_at_start(pod: &Value) -> bool {
    let Some(crash) = annotation_secs(pod, CRASH_AFTER) else {
        return true;
    };
    pod["spec"]["containers"][0]["readinessProbe"]["initialDelaySeconds"]
        .as_f64()
        .is_none_or(|delay| crash > delay)
}

fn until(t: Timestamp, now: Timestamp) -> Duration {
    Duration::try_from(t.duration_since(now))
        .unwrap_or(Duration::ZERO)
        .max(Duration::from_millis(10))
}

fn condition(pod: &Value, type_: &str) -> Option<Value> {
    pod["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
        .cloned()
}

fn set_condition(pod: &mut Value, type_: &str, status: bool, reason: Option<&str>, now: &str) {
    if !pod["status"]["conditions"].is_array() {
        pod["status"]["conditions"] = json!([]);
    }
    let s = if status { "True" } else { "False" };
    let conds = pod["status"]["conditions"].as_array_mut().expect("array");
    match conds.iter_mut().find(|c| c["type"] == type_) {
        Some(c) if c["status"] == s => {}
        Some(c) => {
            c["status"] = json!(s);
            c["lastTransitionTime"] = json!(now);
            match reason {
                Some(r) => c["reason"] = json!(r),
                None => {
                    c.as_object_mut().map(|m| m.remove("reason"));
                }
            }
        }
        None => {
            let mut c = json!({"type": type_, "status": s, "lastProbeTime": null, "lastTransitionTime": now});
            if let Some(r) = reason {
                c["reason"] = json!(r);
            }
            conds.push(c);
        }
    }
}

pub fn set_ready(pod: &mut Value, ready: bool, now: &str) {
    let reason = (!ready).then_some("ContainersNotReady");
    set_condition(pod, "Ready", ready, reason, now);
    set_condition(pod, "ContainersReady", ready, reason, now);
    for cs in pod["status"]["containerStatuses"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        cs["ready"] = json!(ready && cs["state"]["running"].is_object());
    }
}

fn image_ref(image: &str) -> String {
    if image.contains('/') && image.split('/').next().is_some_and(|h| h.contains('.')) {
        image.to_string()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    }
}

fn hex(n: usize) -> String {
    (0..n)
        .map(|_| format!("{:x}", rand::random_range(0..16u8)))
        .collect()
}

fn container_status(c: &Value, state: Value, ready: bool, restarts: i64, last: Value) -> Value {
    let image = c["image"].as_str().unwrap_or("busybox");
    let mut s = json!({
        "name": c["name"],
        "image": image_ref(image),
        "imageID": format!("{}@sha256:{}", image_ref(image).split(':').next().unwrap_or_default(), hex(64)),
        "ready": ready,
        "restartCount": restarts,
        "started": state["running"].is_object(),
        "state": state,
        "lastState": last,
    });
    if s["state"]["waiting"]["reason"] != "ContainerCreating" {
        s["containerID"] = json!(format!("containerd://{}", hex(64)));
    }
    s
}

fn node_ip(cluster: &Cluster, node: &str) -> Value {
    cluster
        .store
        .try_get(rt("", "nodes"), "", node)
        .and_then(|n| {
            n.value()["status"]["addresses"]
                .as_array()?
                .iter()
                .find(|a| a["type"] == "InternalIP")
                .map(|a| a["address"].clone())
        })
        .unwrap_or(json!("172.20.0.1"))
}

/// Looks at one pod, moves it along if its time has come, and says when to look again.
pub fn examine(cluster: &Cluster, ns: &str, name: &str) -> Option<Duration> {
    let pods = rt("", "pods");
    let pod = cluster.store.try_get(pods, ns, name)?.value();
    let node_name = pod["spec"]["nodeName"]
        .as_str()
        .filter(|n| !n.is_empty())?
        .to_string();
    let node_ready = cluster
        .store
        .try_get(rt("", "nodes"), "", &node_name)
        .is_some_and(|n| node_is_ready(&n.value()));
    let now = Timestamp::now();
    let now_s = crate::sim::store::now_rfc3339();

    if let Some(deadline) = ts(&pod["metadata"]["deletionTimestamp"]) {
        if !node_ready {
            return None;
        }
        let grace = pod["metadata"]["deletionGracePeriodSeconds"]
            .as_f64()
            .unwrap_or(30.0);
        let finish = deadline - secs(grace) + secs(grace.min(cluster.settings.shutdown_seconds));
        if now < finish {
            return Some(until(finish, now));
        }
        finish_termination(cluster, ns, name, &pod);
        return None;
    }
    if is_terminal(&pod) || !node_ready {
        return None;
    }
    let phase = pod["status"]["phase"].as_str().unwrap_or("Pending");
    let containers: Vec<Value> = pod["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let start = cluster.settings.start_seconds;
    match phase {
        "Pending" => {
            let scheduled = condition(&pod, "PodScheduled")
                .and_then(|c| ts(&c["lastTransitionTime"]))
                .or_else(|| ts(&pod["metadata"]["creationTimestamp"]))
                .unwrap_or(now);
            let creating = pod["status"]["containerStatuses"].is_array();
            let due = scheduled + secs(if creating { start } else { start / 2.0 });
            if now < due {
                return Some(until(due, now));
            }
            let host_ip = node_ip(cluster, &node_name);
            let _ = cluster.store.update(pods, ns, name, |p| {
                p["status"]["hostIP"] = host_ip.clone();
                p["status"]["hostIPs"] = json!([{"ip": host_ip}]);
                if p["status"]["startTime"].is_null() {
                    p["status"]["startTime"] = json!(now_s);
                }
                set_condition(p, "PodReadyToStartContainers", true, None, &now_s);
                set_condition(p, "Initialized", true, None, &now_s);
                set_condition(p, "PodScheduled", true, None, &now_s);
                if !creating {
                    let statuses: Vec<Value> = containers
                        .iter()
                        .map(|c| {
                            container_status(
                                c,
                                json!({"waiting": {"reason": "ContainerCreating"}}),
                                false,
                                0,
                                json!({}),
                            )
                        })
                        .collect();
                    p["status"]["containerStatuses"] = json!(statuses);
                    set_ready(p, false, &now_s);
                } else {
                    let ready = ready_at_start(&pod);
                    let statuses: Vec<Value> = containers
                        .iter()
                        .map(|c| {
                            container_status(
                                c,
                                json!({"running": {"startedAt": now_s}}),
                                ready,
                                0,
                                json!({}),
                            )
                        })
                        .collect();
                    p["status"]["containerStatuses"] = json!(statuses);
                    p["status"]["phase"] = json!("Running");
                    if p["status"]["podIP"].is_null() {
                        let ip = format!(
                            "100.96.{}.{}",
                            rand::random_range(0..255),
                            rand::random_range(2..254)
                        );
                        p["status"]["podIP"] = json!(ip);
                        p["status"]["podIPs"] = json!([{"ip": ip}]);
                    }
                    set_ready(p, ready, &now_s);
                }
                Ok(true)
            });
            if creating {
                for c in &containers {
                    container_started(cluster, &pod, c, start / 2.0);
                }
            } else {
                for c in &containers {
                    if !image_present(cluster, &pod, c) {
                        let image = c["image"].as_str().unwrap_or_default();
                        events::record_container(
                            cluster,
                            &pod,
                            c["name"].as_str().unwrap_or_default(),
                            "Normal",
                            "Pulling",
                            &format!("Pulling image \"{image}\""),
                        );
                    }
                }
            }
            Some(Duration::from_millis(50))
        }
        "Running" => running(cluster, ns, name, &pod, now, &now_s),
        _ => None,
    }
}

/// Crash-looping and run-to-completion containers; returns when the next step is due.
fn running(
    cluster: &Cluster,
    ns: &str,
    name: &str,
    pod: &Value,
    now: Timestamp,
    now_s: &str,
) -> Option<Duration> {
    let pods = rt("", "pods");
    let status = pod["status"]["containerStatuses"].get(0)?.clone();
    let restarts = status["restartCount"].as_i64().unwrap_or(0);
    if let Some(started) = ts(&status["state"]["running"]["startedAt"]) {
        // Back from a NotReady node: running containers are ready again.
        if ready_at_start(pod) && condition(pod, "Ready").is_some_and(|c| c["status"] != "True") {
            let _ = cluster.store.update(pods, ns, name, |p| {
                set_ready(p, true, now_s);
                Ok(true)
            });
        }
        if let Some(run) = annotation_secs(pod, RUN_SECONDS) {
            let due = started + secs(run);
            if now < due {
                return Some(until(due, now));
            }
            let _ = cluster.store.update(pods, ns, name, |p| {
                for cs in p["status"]["containerStatuses"].as_array_mut().into_iter().flatten() {
                    let started = cs["state"]["running"]["startedAt"].clone();
                    cs["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started, "finishedAt": now_s}});
                    cs["ready"] = json!(false);
                    cs["started"] = json!(false);
                }
                p["status"]["phase"] = json!("Succeeded");
                set_condition(p, "Ready", false, Some("PodCompleted"), now_s);
                set_condition(p, "ContainersReady", false, Some("PodCompleted"), now_s);
                Ok(true)
            });
            return None;
        }
        let crash_after = annotation_secs(pod, CRASH_AFTER)?;
        let due = started + secs(crash_after);
        if now < due {
            return Some(until(due, now));
        }
        crash(cluster, ns, name, 1, "Error");
        return Some(Duration::from_millis(50));
    }
    if status["state"]["waiting"]["reason"] == "CrashLoopBackOff" {
        let finished = ts(&status["lastState"]["terminated"]["finishedAt"]).unwrap_or(now);
        let due = finished + secs(backoff_seconds(restarts));
        if now < due {
            // The kubelet re-syncs a pod in back-off every 10 s, reporting the back-off each time.
            let container = status["name"].as_str().unwrap_or_default();
            let message = backoff_message(pod, container);
            let (by, what) = backoff_event(pod, &message);
            let resync = SignedDuration::from_secs(BACKOFF_RESYNC_SECONDS);
            let last = events::last_seen(cluster, by, &what);
            let emitted = last.is_some_and(|l| now >= l + resync);
            if emitted {
                events::emit(cluster, by, what);
            }
            let base = if emitted { Some(now) } else { last };
            let next = base.map_or(due, |b| (b + resync).min(due));
            return Some(until(next, now));
        }
        let _ = cluster.store.update(pods, ns, name, |p| {
            if let Some(cs) = p["status"]["containerStatuses"].get_mut(0) {
                cs["state"] = json!({"running": {"startedAt": now_s}});
                cs["started"] = json!(true);
            }
            set_ready(p, ready_at_start(pod), now_s);
            Ok(true)
        });
        let container = status["name"].as_str().unwrap_or_default();
        let image = pod["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or_default();
        events::record_container(
            cluster,
            pod,
            container,
            "Normal",
            "Pulled",
            &format!("Container image \"{image}\" already present on machine"),
        );
        events::record_container(
            cluster,
            pod,
            container,
            "Normal",
            "Created",
            &format!("Created container: {container}"),
        );
        events::record_container(
            cluster,
            pod,
            container,
            "Normal",
            "Started",
            &format!("Started container {container}"),
        );
        return Some(Duration::from_millis(50));
    }
    None
}

/// The kubelet's restart back-off after `restarts` restarts: 10 s doubling, capped at 5 minutes.
pub fn backoff_seconds(restarts: i64) -> f64 {
    (10.0 * 2f64.powi((restarts.max(1) - 1).min(5) as i32)).min(300.0)
}

/// The first container exits with `exit_code`; the pod waits in CrashLoopBackOff (or fails, with restartPolicy Never).
pub fn crash(cluster: &Cluster, ns: &str, name: &str, exit_code: i64, reason: &str) -> bool {
    let pods = rt("", "pods");
    let now_s = crate::sim::store::now_rfc3339();
    let mut message = String::new();
    let mut container = String::new();
    let updated = cluster.store.update(pods, ns, name, |p| {
        let never = p["spec"]["restartPolicy"] == "Never";
        let pod_name = p["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let pod_ns = p["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
        let uid = p["metadata"]["uid"].as_str().unwrap_or_default().to_string();
        let Some(cs) = p["status"]["containerStatuses"].get_mut(0) else {
            return Ok(false);
        };
        let started = cs["state"]["running"]["startedAt"].clone();
        if started.is_null() {
            return Ok(false);
        }
        let restarts = cs["restartCount"].as_i64().unwrap_or(0);
        container = cs["name"].as_str().unwrap_or_default().to_string();
        let terminated = json!({"terminated": {"exitCode": exit_code, "reason": reason, "startedAt": started, "finishedAt": now_s, "containerID": cs["containerID"]}});
        cs["lastState"] = terminated.clone();
        cs["ready"] = json!(false);
        cs["started"] = json!(false);
        if never {
            cs["state"] = terminated;
        } else {
            let backoff = backoff_seconds(restarts + 1);
            message = format!("back-off {backoff}s restarting failed container={container} pod={pod_name}_{pod_ns}({uid})");
            cs["state"] = json!({"waiting": {"reason": "CrashLoopBackOff", "message": message}});
            cs["restartCount"] = json!(restarts + 1);
        }
        if never {
            p["status"]["phase"] = json!("Failed");
        }
        set_ready(p, false, &now_s);
        Ok(true)
    });
    match updated {
        Ok(p) if !message.is_empty() => {
            let pod = p.value();
            let message = backoff_message(&pod, &container);
            let (by, what) = backoff_event(&pod, &message);
            events::emit(cluster, by, what);
            true
        }
        Ok(_) => true,
        Err(_) => false,
    }
}

/// Seconds between the kubelet's re-syncs of a pod whose container is in back-off.
const BACKOFF_RESYNC_SECONDS: i64 = 10;

/// The kubelet's BackOff message: `Back-off restarting failed container C in pod NAME_NS(UID)`.
fn backoff_message(pod: &Value, container: &str) -> String {
    let m = &pod["metadata"];
    format!(
        "Back-off restarting failed container {container} in pod {}_{}({})",
        m["name"].as_str().unwrap_or_default(),
        m["namespace"].as_str().unwrap_or_default(),
        m["uid"].as_str().unwrap_or_default()
    )
}

fn backoff_event<'a>(
    pod: &'a Value,
    message: &'a str,
) -> (events::Reporter<'a>, events::Occurrence<'a>) {
    (
        events::Reporter {
            component: "kubelet",
            host: pod["spec"]["nodeName"].as_str(),
        },
        events::Occurrence {
            involved: pod,
            field_path: None,
            type_: "Warning",
            reason: "BackOff",
            message,
        },
    )
}

/// Whether `c`'s image is already on the pod's node: another pod there has run it (the kubelet's image cache).
fn image_present(cluster: &Cluster, pod: &Value, c: &Value) -> bool {
    if c["imagePullPolicy"] == "Always" {
        return false;
    }
    let node = pod["spec"]["nodeName"].as_str().unwrap_or_default();
    let image = &c["image"];
    cluster
        .store
        .list(rt("", "pods"), None, None)
        .0
        .iter()
        .filter(|p| p.field("spec.nodeName") == Some(node) && p.uid != pod["metadata"]["uid"])
        .filter(|p| p.field("status.phase") != Some("Pending"))
        .any(|p| {
            p.value()["spec"]["containers"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|x| x["image"] == *image))
        })
}

/// The kubelet's events as a container starts: the image (pulled, or already there), created, started.
fn container_started(cluster: &Cluster, pod: &Value, c: &Value, pull_seconds: f64) {
    let name = c["name"].as_str().unwrap_or_default();
    let image = c["image"].as_str().unwrap_or_default();
    let pulling = format!("Pulling image \"{image}\"");
    let by = events::Reporter {
        component: "kubelet",
        host: pod["spec"]["nodeName"].as_str(),
    };
    let path = format!("spec.containers{{{name}}}");
    let pulled = events::find(
        cluster,
        by,
        &events::Occurrence {
            involved: pod,
            field_path: Some(&path),
            type_: "Normal",
            reason: "Pulling",
            message: &pulling,
        },
    )
    .is_some();
    let message = if pulled {
        let size = 2_000_000 + image.len() as u64 * 1_048_573 % 90_000_000;
        format!(
            "Successfully pulled image \"{image}\" in {pull_seconds:.3}s ({pull_seconds:.3}s including waiting). Image size: {size} bytes."
        )
    } else {
        format!("Container image \"{image}\" already present on machine")
    };
    events::record_container(cluster, pod, name, "Normal", "Pulled", &message);
    events::record_container(
        cluster,
        pod,
        name,
        "Normal",
        "Created",
        &format!("Created container: {name}"),
    );
    events::record_container(
        cluster,
        pod,
        name,
        "Normal",
        "Started",
        &format!("Started container {name}"),
    );
}

fn finish_termination(cluster: &Cluster, ns: &str, name: &str, pod: &Value) {
    let pods = rt("", "pods");
    let has_finalizers = pod["metadata"]["finalizers"]
        .as_array()
        .is_some_and(|f| !f.is_empty());
    if has_finalizers {
        let now_s = crate::sim::store::now_rfc3339();
        let _ = cluster.store.update(pods, ns, name, |p| {
            for cs in p["status"]["containerStatuses"].as_array_mut().into_iter().flatten() {
                let started = cs["state"]["running"]["startedAt"].clone();
                if !started.is_null() {
                    cs["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started, "finishedAt": now_s}});
                }
                cs["ready"] = json!(false);
            }
            set_ready(p, false, &now_s);
            Ok(true)
        });
    } else {
        let _ = cluster.store.remove(pods, ns, name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_container_crashing_before_its_readiness_probe_is_never_ready() {
        let pod = |crash: &str, delay: Option<u64>| {
            let mut p = json!({"metadata": {"annotations": {CRASH_AFTER: crash}}, "spec": {"containers": [{"name": "c"}]}});
            if let Some(d) = delay {
                p["spec"]["containers"][0]["readinessProbe"] = json!({"initialDelaySeconds": d});
            }
            p
        };
        assert!(!ready_at_start(&pod("3", Some(10))));
        assert!(ready_at_start(&pod("40", Some(10))));
        assert!(ready_at_start(&pod("3", None)));
        assert!(ready_at_start(
            &json!({"spec": {"containers": [{"name": "c"}]}})
        ));
    }

    #[test]
    fn backoff_doubles_from_ten_seconds_and_caps_at_five_minutes() {
        assert_eq!(backoff_seconds(1), 10.0);
        assert_eq!(backoff_seconds(2), 20.0);
        assert_eq!(backoff_seconds(4), 80.0);
        assert_eq!(backoff_seconds(20), 300.0);
    }

    #[test]
    fn library_images_get_docker_io_prefix() {
        assert_eq!(image_ref("nginx:1.25"), "docker.io/library/nginx:1.25");
        assert_eq!(
            image_ref("bitnami/kubeapps:2"),
            "docker.io/bitnami/kubeapps:2"
        );
        assert_eq!(
            image_ref("registry.k8s.io/coredns/coredns:v1.11.1"),
            "registry.k8s.io/coredns/coredns:v1.11.1"
        );
    }
}
