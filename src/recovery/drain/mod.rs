//! The drain of one node, and the audited steps around it: cordon, classify every pod, evict
//! what may go, retry what a disruption budget holds back, and leave unmanaged and stuck pods
//! for the operator to escalate one step at a time. Every mutation is audited with its kubectl
//! equivalent; every change is reported on the progress channel.
//!
//! The decisions live in the pure state machine [`machine::DrainRun`]; [`drain`] is its thin
//! async shell (snapshots from a fresh LIST, ticks from tokio sleeps, effects through the
//! audited [`cordon`] and [`escalate`]). The cockpit can drive the same machine from its watched
//! rows: see the `machine` module documentation.

pub mod machine;

use std::collections::VecDeque;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::Api;
use kube::api::ListParams;
use tokio::sync::mpsc;

pub use machine::{
    DrainEvent, DrainOptions, DrainRun, Effect, EvictOutcome, Input, Key, Phase, PodState,
    TrackedPod,
};

use super::audit::AuditEntry;
use super::plan::{self, DrainPlan, Progress, Step};
use crate::cluster::ops::{self, Eviction, OpError};
use crate::cluster::rows::{NodeRow, PdbRow, PodRow};

/// The audit sink: gets one entry per mutation, before the drain moves on.
pub type Audit<'a> = &'a mut (dyn FnMut(AuditEntry) + Send);

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

impl EvictOutcome {
    /// The machine's view of an audited eviction (`escalate` with `Step::Evict`).
    pub fn of(result: &Result<StepOutcome, OpError>) -> EvictOutcome {
        match result {
            Ok(StepOutcome::Done) => EvictOutcome::Accepted,
            Ok(StepOutcome::Blocked { message }) => EvictOutcome::Refused(message.clone()),
            Err(OpError::NotFound { .. }) => EvictOutcome::Gone,
            Err(e) => EvictOutcome::Failed(e.to_string()),
        }
    }
}

/// How long the shell sleeps before the next snapshot: one backoff, or less if the machine
/// wakes earlier (the retry window closing).
fn pause(run: &DrainRun, backoff: Duration) -> Duration {
    let until = run
        .wake_at()
        .map(|t| t.duration_since(Timestamp::now()))
        .and_then(|d| Duration::try_from(d).ok())
        .unwrap_or(backoff);
    backoff.min(until)
}

/// Drains `node`: cordon, plan, evict, retry budget-blocked evictions every `backoff` until
/// `retry_blocked_for` has passed, and wait for evicted pods to go. Unmanaged and stuck pods
/// are reported as needing escalation (`escalate`). Returns the progress at the end.
///
/// The shell of [`DrainRun`]: it performs the machine's effects in order, feeds it a fresh
/// LIST of the node's pods (`current_plan`) and a tick every pause, and stops once the machine
/// has settled (escalation, drained or interrupted).
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
    let mut run = DrainRun::new(context, node, options);
    let mut effects: VecDeque<Effect> = run.step(Input::Start, Timestamp::now()).into();
    loop {
        while let Some(effect) = effects.pop_front() {
            let fed = match effect {
                Effect::Report(event) => {
                    let _ = progress.send(event).await;
                    continue;
                }
                Effect::Cordon => {
                    let r = cordon(client, context, user, node, true, &mut *audit).await;
                    let fed = run.step(
                        Input::Cordoned(r.as_ref().map(|_| ()).map_err(|e| e.to_string())),
                        Timestamp::now(),
                    );
                    r?;
                    fed
                }
                Effect::Evict(key) => {
                    let r = escalate(
                        client,
                        context,
                        user,
                        &key.0,
                        &key.1,
                        Step::Evict,
                        &mut *audit,
                    )
                    .await;
                    let outcome = EvictOutcome::of(&r);
                    run.step(Input::Evicted { key, outcome }, Timestamp::now())
                }
            };
            // After what is queued: the machine reports a round's progress with its last
            // answer, and every report of the round must come before it.
            effects.extend(fed);
        }
        if run.phase().settled() {
            break;
        }
        if *run.phase() != Phase::Cordoned {
            tokio::time::sleep(pause(&run, options.backoff)).await;
        }
        let snapshot = match current_plan(client, node).await {
            Ok(p) => p,
            Err(e) => {
                run.step(Input::Interrupt(e.to_string()), Timestamp::now());
                return Err(e);
            }
        };
        effects.extend(run.step(Input::Snapshot(snapshot), Timestamp::now()));
        effects.extend(run.step(Input::Tick, Timestamp::now()));
    }
    match run.phase() {
        Phase::Interrupted { why } => Err(OpError::Failed {
            action: format!("drain of node {node}"),
            message: why.clone(),
        }),
        _ => Ok(run.progress()),
    }
}
