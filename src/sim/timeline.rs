//! A cluster's timeline: scripted steps at fixed seconds after start (a node joins, a node is
//! drained as `kubectl drain` / kops rolling-update drains it, a kubelet stops, a rollout goes
//! bad), so the demo plays an incident and tests can replay it. Played only when asked.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::api::{DeleteOptions, evict_pod};
use super::cluster::{Cluster, rt};
use super::controllers::events::{self, Occurrence, Reporter};
use super::controllers::kubelet::CRASH_AFTER;
use super::controllers::nodes::set_node_ready;
use super::controllers::podutil::is_terminal;
use super::scenario::{NodeSpec, SettingsSpec, node_object};

/// How often a drain retries the evictions a disruption budget refused (kubectl drain waits 5 s).
pub const DRAIN_RETRY: Duration = Duration::from_secs(5);
/// The drainer's name in the Events it records.
pub const DRAINER: &str = "rolling-update";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimelineSpec {
    /// Settings that apply while the timeline plays (over the scenario's).
    #[serde(default)]
    pub settings: SettingsSpec,
    pub steps: Vec<StepSpec>,
}

/// One step: `at` seconds after start, exactly one action.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StepSpec {
    pub at: f64,
    #[serde(default)]
    pub add_node: Option<NodeSpec>,
    #[serde(default)]
    pub drain: Option<NodeRef>,
    #[serde(default)]
    pub not_ready: Option<NodeRef>,
    #[serde(default)]
    pub rollout: Option<RolloutSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeRef {
    pub node: String,
}

/// A template change, as `kubectl set image` (plus an annotation) makes one.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RolloutSpec {
    /// `namespace/name`
    pub deployment: String,
    /// The first container's new image.
    #[serde(default)]
    pub image: Option<String>,
    /// The new pods' first container exits after this long (`sim.kockpit.dev/crash-after-seconds`).
    #[serde(default)]
    pub crash_after_seconds: Option<f64>,
}

/// What a step does, once its one action is known.
#[derive(Debug, Clone)]
pub enum Action {
    AddNode(NodeSpec),
    Drain(String),
    NotReady(String),
    Rollout(RolloutSpec),
}

impl StepSpec {
    /// The step's action, or why the step is malformed.
    pub fn action(&self) -> anyhow::Result<Action> {
        let mut actions = Vec::new();
        if let Some(n) = &self.add_node {
            actions.push(Action::AddNode(n.clone()));
        }
        if let Some(d) = &self.drain {
            actions.push(Action::Drain(d.node.clone()));
        }
        if let Some(n) = &self.not_ready {
            actions.push(Action::NotReady(n.node.clone()));
        }
        if let Some(r) = &self.rollout {
            if !r.deployment.contains('/') {
                anyhow::bail!(
                    "timeline step at {}s: rollout deployment {:?} must be namespace/name",
                    self.at,
                    r.deployment
                );
            }
            actions.push(Action::Rollout(r.clone()));
        }
        match actions.len() {
            1 => Ok(actions.remove(0)),
            n => anyhow::bail!(
                "timeline step at {}s has {n} actions; give exactly one of addNode, drain, notReady, rollout",
                self.at
            ),
        }
    }
}

/// Checks every step of a timeline (at load, so a bad scenario fails before it plays).
pub fn validate(t: &TimelineSpec) -> anyhow::Result<()> {
    for s in &t.steps {
        anyhow::ensure!(
            s.at >= 0.0,
            "timeline step at {}s: `at` is seconds after start",
            s.at
        );
        s.action()?;
    }
    Ok(())
}

/// Plays `steps` on `cluster` until the task is dropped (drains keep retrying on their own).
pub fn spawn(cluster: Arc<Cluster>, mut steps: Vec<StepSpec>) -> tokio::task::JoinHandle<()> {
    steps.sort_by(|a, b| a.at.total_cmp(&b.at));
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        // Dropped with this task, so a stopped simulator stops its drains.
        let mut drains = JoinSet::new();
        for s in steps {
            tokio::time::sleep_until(start + Duration::from_secs_f64(s.at)).await;
            let Ok(action) = s.action() else { continue };
            match action {
                Action::Drain(node) => {
                    drains.spawn(drain(cluster.clone(), node));
                }
                other => {
                    let c = cluster.clone();
                    let _ = tokio::task::spawn_blocking(move || act(&c, other)).await;
                }
            }
        }
        while drains.join_next().await.is_some() {}
    })
}

fn act(cluster: &Cluster, action: Action) {
    match action {
        Action::AddNode(n) => {
            let index = cluster.store.count(rt("", "nodes"));
            let node = node_object(&n, index);
            if let Ok(o) = cluster.store.create(rt("", "nodes"), node) {
                events::record(
                    cluster,
                    &o.value(),
                    "Normal",
                    "RegisteredNode",
                    &format!(
                        "Node {} event: Registered Node {} in Controller",
                        n.name, n.name
                    ),
                    "node-controller",
                );
            }
        }
        Action::NotReady(node) => {
            set_node_ready(cluster, &node, false);
        }
        Action::Rollout(r) => rollout(cluster, &r),
        Action::Drain(_) => {}
    }
}

/// Changes the deployment's pod template: the deployment controller rolls it out.
pub fn rollout(cluster: &Cluster, r: &RolloutSpec) {
    let Some((ns, name)) = r.deployment.split_once('/') else {
        return;
    };
    let _ = cluster
        .store
        .update(rt("apps", "deployments"), ns, name, |d| {
            let tpl = &mut d["spec"]["template"];
            if let Some(image) = &r.image {
                tpl["spec"]["containers"][0]["image"] = json!(image);
            }
            if let Some(secs) = r.crash_after_seconds {
                tpl["metadata"]["annotations"][CRASH_AFTER] = json!(secs.to_string());
            }
            Ok(true)
        });
}

/// How a drainer treats one pod on the node (pure): as `kubectl drain --ignore-daemonsets
/// --delete-emptydir-data --force` does, the way kops rolling-update drains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainTreatment {
    /// DaemonSet-managed or a static pod's mirror: left where it is.
    Skip,
    /// Succeeded or Failed: nothing runs, nothing to wait for.
    Finished,
    /// Already shutting down: the drain waits for it to go.
    Wait,
    Evict,
}

pub fn treatment(pod: &Value) -> DrainTreatment {
    let owned_by_daemonset = pod["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r["kind"] == "DaemonSet"));
    let mirror = !pod["metadata"]["annotations"]["kubernetes.io/config.mirror"].is_null();
    if owned_by_daemonset || mirror {
        DrainTreatment::Skip
    } else if is_terminal(pod) {
        DrainTreatment::Finished
    } else if pod["metadata"]["deletionTimestamp"].is_string() {
        DrainTreatment::Wait
    } else {
        DrainTreatment::Evict
    }
}

/// The node's event, from the drainer.
fn node_event(cluster: &Cluster, node: &str, type_: &str, reason: &str, message: &str) {
    if let Some(n) = cluster.store.try_get(rt("", "nodes"), "", node) {
        events::record(cluster, &n.value(), type_, reason, message, DRAINER);
    }
}

/// Cordons the node.
fn cordon(cluster: &Cluster, node: &str) -> bool {
    let done = cluster
        .store
        .update(rt("", "nodes"), "", node, |n| {
            if n["spec"]["unschedulable"] == true {
                return Ok(false);
            }
            n["spec"]["unschedulable"] = json!(true);
            Ok(true)
        })
        .is_ok();
    if done {
        node_event(
            cluster,
            node,
            "Normal",
            "NodeNotSchedulable",
            &format!("Node {node} status is now: NodeNotSchedulable"),
        );
    }
    done
}

/// One pass of the drain: evicts what it may; true once only skipped or finished pods remain.
pub fn drain_pass(cluster: &Cluster, node: &str) -> bool {
    let pods = rt("", "pods");
    let on_node: Vec<Value> = cluster
        .store
        .list(pods, None, None)
        .0
        .iter()
        .filter(|p| p.field("spec.nodeName") == Some(node))
        .map(|p| p.value())
        .collect();
    let mut left = 0;
    for p in &on_node {
        match treatment(p) {
            DrainTreatment::Skip | DrainTreatment::Finished => continue,
            DrainTreatment::Wait => left += 1,
            DrainTreatment::Evict => {
                left += 1;
                let ns = p["metadata"]["namespace"].as_str().unwrap_or_default();
                let name = p["metadata"]["name"].as_str().unwrap_or_default();
                match evict_pod(cluster, ns, name, &DeleteOptions::default()) {
                    Ok(()) => {}
                    Err(e) if e.code == 429 => {
                        let cause = e.details["causes"][0]["message"]
                            .as_str()
                            .map(|c| format!(" {c}."))
                            .unwrap_or_default();
                        let message = format!(
                            "Draining node {node}: {} Will retry after {}s.{cause}",
                            e.message,
                            DRAIN_RETRY.as_secs()
                        );
                        events::emit(
                            cluster,
                            Reporter {
                                component: DRAINER,
                                host: None,
                            },
                            Occurrence {
                                involved: p,
                                field_path: None,
                                type_: "Warning",
                                reason: "EvictionBlocked",
                                message: &message,
                            },
                        );
                    }
                    Err(_) => {}
                }
            }
        }
    }
    left == 0
}

/// Cordons `node`, then evicts its pods, retrying refused evictions until none is left.
async fn drain(cluster: Arc<Cluster>, node: String) {
    let c = cluster.clone();
    let n = node.clone();
    let started = tokio::task::spawn_blocking(move || {
        let ok = cordon(&c, &n);
        if ok {
            node_event(
                &c,
                &n,
                "Normal",
                "Draining",
                &format!("Draining node {n} for a rolling update"),
            );
        }
        ok
    })
    .await
    .unwrap_or(false);
    if !started {
        return;
    }
    loop {
        let c = cluster.clone();
        let n = node.clone();
        let done = tokio::task::spawn_blocking(move || drain_pass(&c, &n))
            .await
            .unwrap_or(true);
        if done {
            let c = cluster.clone();
            let n = node.clone();
            let _ = tokio::task::spawn_blocking(move || {
                node_event(&c, &n, "Normal", "Drained", &format!("Node {n} drained"))
            })
            .await;
            return;
        }
        tokio::time::sleep(DRAIN_RETRY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(yaml: &str) -> StepSpec {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn a_step_has_exactly_one_action() {
        assert!(matches!(
            step("at: 3\ndrain: {node: n1}\n").action().unwrap(),
            Action::Drain(n) if n == "n1"
        ));
        let two = step("at: 3\ndrain: {node: n1}\nnotReady: {node: n2}\n");
        assert!(two.action().unwrap_err().to_string().contains("2 actions"));
        let none = step("at: 3\n");
        assert!(none.action().unwrap_err().to_string().contains("0 actions"));
    }

    #[test]
    fn rollout_names_its_deployment_with_namespace() {
        let bad = step("at: 1\nrollout: {deployment: web}\n");
        assert!(
            bad.action()
                .unwrap_err()
                .to_string()
                .contains("namespace/name")
        );
    }

    #[test]
    fn drain_skips_daemonset_and_mirror_pods_and_waits_for_terminating_ones() {
        let ds = json!({"metadata": {"ownerReferences": [{"kind": "DaemonSet"}]}, "status": {"phase": "Running"}});
        let mirror = json!({"metadata": {"annotations": {"kubernetes.io/config.mirror": "x"}}, "status": {"phase": "Running"}});
        let done = json!({"metadata": {}, "status": {"phase": "Succeeded"}});
        let going = json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}, "status": {"phase": "Running"}});
        let web = json!({"metadata": {"ownerReferences": [{"kind": "ReplicaSet"}]}, "status": {"phase": "Running"}});
        assert_eq!(treatment(&ds), DrainTreatment::Skip);
        assert_eq!(treatment(&mirror), DrainTreatment::Skip);
        assert_eq!(treatment(&done), DrainTreatment::Finished);
        assert_eq!(treatment(&going), DrainTreatment::Wait);
        assert_eq!(treatment(&web), DrainTreatment::Evict);
    }
}
