//! The drain of one node, and the audited steps around it: cordon, classify every pod, evict
//! what may go, retry what a disruption budget holds back, and leave unmanaged and stuck pods
//! for the operator to escalate one step at a time. Every mutation is audited with its kubectl
//! equivalent; every change is reported on the progress channel.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::Api;
use kube::api::ListParams;
use tokio::sync::mpsc;

use super::audit::AuditEntry;
use super::plan::{self, DrainPlan, PodClass, Progress, Step};
use crate::cluster::ops::{self, Eviction, OpError};
use crate::cluster::rows::{NodeRow, PdbRow, PodRow};

/// The audit sink: gets one entry per mutation, before the drain moves on.
pub type Audit<'a> = &'a mut (dyn FnMut(AuditEntry) + Send);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrainOptions {
    /// How long to keep retrying evictions a disruption budget refuses (kubectl's `--timeout`).
    pub retry_blocked_for: Duration,
    /// The pause between rounds of retries and checks.
    pub backoff: Duration,
}

impl Default for DrainOptions {
    fn default() -> Self {
        // kubectl drain retries a refused eviction every 5 s.
        DrainOptions {
            retry_blocked_for: Duration::from_secs(60),
            backoff: Duration::from_secs(5),
        }
    }
}

/// Where one pod stands in the drain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodState {
    /// DaemonSet, mirror or completed: stays.
    Skipped,
    /// The eviction was accepted; the pod is shutting down.
    Evicted,
    /// The pod object is gone from the node.
    Gone,
    /// A disruption budget refused eviction number `attempt`.
    Blocked {
        attempt: u32,
    },
    /// Unmanaged or stuck: the drain will not touch it; escalate it explicitly.
    NeedsEscalation,
    /// Terminating within its grace period.
    Waiting,
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DrainEvent {
    Cordoned {
        node: String,
        kubectl: String,
    },
    Planned(DrainPlan),
    Pod {
        namespace: String,
        name: String,
        state: PodState,
        reason: String,
    },
    Progress(Progress),
    /// The drain has done what it can; `plan` is the node's pods as they are now.
    Finished {
        plan: DrainPlan,
        progress: Progress,
    },
}

/// What one escalation step came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    Done,
    /// An eviction a disruption budget refused, with the server's reason.
    Blocked {
        message: String,
    },
}

fn pod_object(ns: &str, name: &str) -> String {
    format!("pod/{ns}/{name}")
}

fn result_text<T>(r: &Result<T, OpError>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => format!("error: {e}"),
    }
}

/// Runs one step of the escalation ladder on one pod, audited.
pub async fn escalate(
    client: &kube::Client,
    context: &str,
    user: &str,
    ns: &str,
    name: &str,
    step: Step,
    audit: Audit<'_>,
) -> Result<StepOutcome, OpError> {
    let result = match step {
        Step::Evict => ops::evict(client, ns, name).await.map(|e| match e {
            Eviction::Evicted => StepOutcome::Done,
            Eviction::Blocked { message } => StepOutcome::Blocked { message },
        }),
        Step::Delete => ops::delete_pod(client, ns, name, None)
            .await
            .map(|_| StepOutcome::Done),
        Step::ForceDelete => ops::force_delete_pod(client, ns, name)
            .await
            .map(|_| StepOutcome::Done),
    };
    let text = match &result {
        Ok(StepOutcome::Blocked { message }) => format!("blocked: {message}"),
        other => result_text(other),
    };
    audit(AuditEntry::new(
        context,
        user,
        step.label(),
        vec![pod_object(ns, name)],
        &text,
        &plan::kubectl(context, step, ns, name),
    ));
    result
}

/// Cordons (or uncordons) a node, audited.
pub async fn cordon(
    client: &kube::Client,
    context: &str,
    user: &str,
    node: &str,
    on: bool,
    audit: Audit<'_>,
) -> Result<(), OpError> {
    let result = ops::cordon(client, node, on).await;
    audit(AuditEntry::new(
        context,
        user,
        if on { "cordon" } else { "uncordon" },
        vec![format!("node/{node}")],
        &result_text(&result),
        &plan::kubectl_cordon(context, node, on),
    ));
    result
}

/// Scales a deployment, audited.
pub async fn scale(
    client: &kube::Client,
    context: &str,
    user: &str,
    ns: &str,
    deployment: &str,
    replicas: i32,
    audit: Audit<'_>,
) -> Result<(), OpError> {
    let result = ops::scale(client, ns, deployment, replicas).await;
    audit(AuditEntry::new(
        context,
        user,
        "scale",
        vec![format!("deployment/{ns}/{deployment}")],
        &result_text(&result),
        &plan::kubectl_scale(context, ns, deployment, replicas),
    ));
    result
}

/// Restarts a deployment's pods with a rolling update, audited.
pub async fn rollout_restart(
    client: &kube::Client,
    context: &str,
    user: &str,
    ns: &str,
    deployment: &str,
    audit: Audit<'_>,
) -> Result<(), OpError> {
    let result = ops::rollout_restart(client, ns, deployment).await;
    audit(AuditEntry::new(
        context,
        user,
        "rollout restart",
        vec![format!("deployment/{ns}/{deployment}")],
        &result_text(&result),
        &plan::kubectl_rollout_restart(context, ns, deployment),
    ));
    result
}

fn read_error(what: &str, e: kube::Error) -> OpError {
    match e {
        kube::Error::Api(s) if s.code == 403 => OpError::Forbidden {
            action: format!("list {what}"),
            message: s.message,
        },
        kube::Error::Api(s) if s.code == 404 => OpError::NotFound {
            action: format!("read {what}"),
            what: what.into(),
        },
        kube::Error::HyperError(_) | kube::Error::Service(_) => OpError::Unreachable {
            action: format!("list {what}"),
            reason: e.to_string(),
        },
        other => OpError::Failed {
            action: format!("list {what}"),
            message: other.to_string(),
        },
    }
}

/// The node, its pods and every disruption budget, classified now.
pub async fn current_plan(client: &kube::Client, node: &str) -> Result<DrainPlan, OpError> {
    let nodes: Api<Node> = Api::all(client.clone());
    let n = nodes
        .get(node)
        .await
        .map_err(|e| read_error(&format!("node {node}"), e))?;
    let pods: Api<Pod> = Api::all(client.clone());
    let pods = pods
        .list(&ListParams::default().fields(&format!("spec.nodeName={node}")))
        .await
        .map_err(|e| read_error(&format!("pods on node {node}"), e))?;
    let pdbs: Api<PodDisruptionBudget> = Api::all(client.clone());
    let pdbs = pdbs
        .list(&ListParams::default())
        .await
        .map_err(|e| read_error("PodDisruptionBudgets", e))?;
    let pods: Vec<PodRow> = pods.items.iter().map(PodRow::from_pod).collect();
    let pdbs: Vec<PdbRow> = pdbs.items.iter().map(PdbRow::from_pdb).collect();
    Ok(plan::plan(
        &NodeRow::from_node(&n),
        &pods,
        &pdbs,
        Timestamp::now(),
    ))
}

type Key = (String, String);

struct Tracker {
    states: BTreeMap<Key, PodState>,
    progress: mpsc::Sender<DrainEvent>,
}

impl Tracker {
    async fn set(&mut self, key: &Key, state: PodState, reason: String) {
        self.states.insert(key.clone(), state.clone());
        let _ = self
            .progress
            .send(DrainEvent::Pod {
                namespace: key.0.clone(),
                name: key.1.clone(),
                state,
                reason,
            })
            .await;
    }

    fn count(&self) -> Progress {
        let mut p = Progress::default();
        for s in self.states.values() {
            match s {
                PodState::Skipped => p.skipped += 1,
                PodState::Gone => p.evicted += 1,
                PodState::Evicted | PodState::Waiting => {
                    p.waiting += 1;
                    p.remaining += 1;
                }
                PodState::Blocked { .. } | PodState::NeedsEscalation | PodState::Failed => {
                    p.blocked += 1;
                    p.remaining += 1;
                }
            }
        }
        p
    }

    async fn report(&self) {
        let _ = self.progress.send(DrainEvent::Progress(self.count())).await;
    }

    fn keys_in(&self, pred: impl Fn(&PodState) -> bool) -> Vec<Key> {
        self.states
            .iter()
            .filter(|(_, s)| pred(s))
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// Drains `node`: cordon, plan, evict, retry budget-blocked evictions every `backoff` until
/// `retry_blocked_for` has passed, and wait for evicted pods to go. Unmanaged and stuck pods
/// are reported as needing escalation (`escalate`). Returns the progress at the end.
#[allow(clippy::too_many_arguments)]
pub async fn drain(
    client: &kube::Client,
    context: &str,
    user: &str,
    node: &str,
    audit: Audit<'_>,
    progress: mpsc::Sender<DrainEvent>,
    options: DrainOptions,
) -> Result<Progress, OpError> {
    cordon(client, context, user, node, true, &mut *audit).await?;
    let _ = progress
        .send(DrainEvent::Cordoned {
            node: node.into(),
            kubectl: plan::kubectl_cordon(context, node, true),
        })
        .await;
    let first = current_plan(client, node).await?;
    let _ = progress.send(DrainEvent::Planned(first.clone())).await;
    let mut t = Tracker {
        states: BTreeMap::new(),
        progress: progress.clone(),
    };
    let deadline = tokio::time::Instant::now() + options.retry_blocked_for;

    for pod in &first.pods {
        let key = (pod.namespace.clone(), pod.name.clone());
        match &pod.class {
            c if c.skipped() => t.set(&key, PodState::Skipped, c.describe()).await,
            PodClass::Terminating => t.set(&key, PodState::Waiting, pod.class.describe()).await,
            PodClass::Unmanaged | PodClass::StuckTerminating { .. } => {
                t.set(&key, PodState::NeedsEscalation, pod.class.describe())
                    .await
            }
            _ => try_evict(client, context, user, &key, 1, &mut *audit, &mut t).await,
        }
    }
    t.report().await;

    let mut attempt = 1;
    loop {
        for key in t.keys_in(|s| matches!(s, PodState::Evicted | PodState::Waiting)) {
            let pods: Api<Pod> = Api::namespaced(client.clone(), &key.0);
            match pods.get_opt(&key.1).await {
                Ok(None) => t.set(&key, PodState::Gone, "deleted".into()).await,
                Ok(Some(p))
                    if p.spec.as_ref().and_then(|s| s.node_name.as_deref()) != Some(node) =>
                {
                    t.set(&key, PodState::Gone, "no longer on the node".into())
                        .await
                }
                _ => {}
            }
        }
        let blocked = t.keys_in(|s| matches!(s, PodState::Blocked { .. }));
        let pending = t.keys_in(|s| matches!(s, PodState::Evicted | PodState::Waiting));
        t.report().await;
        if (blocked.is_empty() && pending.is_empty())
            || tokio::time::Instant::now() + options.backoff > deadline
        {
            break;
        }
        tokio::time::sleep(options.backoff).await;
        if !blocked.is_empty() {
            attempt += 1;
            for key in blocked {
                try_evict(client, context, user, &key, attempt, &mut *audit, &mut t).await;
            }
        }
    }

    let last = current_plan(client, node).await?;
    for pod in &last.pods {
        let key = (pod.namespace.clone(), pod.name.clone());
        if let PodClass::StuckTerminating { .. } = pod.class
            && t.states.get(&key) != Some(&PodState::NeedsEscalation)
        {
            t.set(&key, PodState::NeedsEscalation, pod.class.describe())
                .await;
        }
    }
    let done = t.count();
    let _ = progress
        .send(DrainEvent::Finished {
            plan: last,
            progress: done,
        })
        .await;
    Ok(done)
}

async fn try_evict(
    client: &kube::Client,
    context: &str,
    user: &str,
    key: &Key,
    attempt: u32,
    audit: Audit<'_>,
    t: &mut Tracker,
) {
    match escalate(client, context, user, &key.0, &key.1, Step::Evict, audit).await {
        Ok(StepOutcome::Done) => {
            t.set(key, PodState::Evicted, "eviction accepted".into())
                .await
        }
        Ok(StepOutcome::Blocked { message }) => {
            t.set(key, PodState::Blocked { attempt }, message).await
        }
        Err(OpError::NotFound { .. }) => t.set(key, PodState::Gone, "already gone".into()).await,
        Err(e) => t.set(key, PodState::Failed, e.to_string()).await,
    }
}
