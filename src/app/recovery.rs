//! Guided recovery in the cockpit: the confirmation every mutation goes through, the drain
//! wizard's state and keys, and what comes back from the executors. Pure: mutations leave as
//! `Cmd::Mutate`, their outcomes arrive as `Msg::Recovery`.

use std::collections::{BTreeMap, BTreeSet};

use crossterm::event::{KeyCode, KeyEvent};
use jiff::Timestamp;

use crate::app::keys::Action;
use crate::cluster::rows::{PdbRow, PodRow};
use crate::recovery::drain::{DrainEvent, PodState};
use crate::recovery::plan::{self, PodClass, Progress, Step};

use super::msg::Cmd;
use super::state::{Level, Screen, State, ViewKind};
use super::table::{self, RowRef};

/// One pod a step acts on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodTarget {
    pub context: String,
    pub namespace: String,
    pub name: String,
}

/// A change to a cluster, described fully before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    Cordon {
        context: String,
        node: String,
        on: bool,
    },
    /// Cordon, then evict every pod that may go, retrying budget-blocked ones; nodes drain side by side.
    Drain { context: String, nodes: Vec<String> },
    /// One rung of the escalation ladder on one or many pods.
    Pods { step: Step, pods: Vec<PodTarget> },
    Scale {
        context: String,
        namespace: String,
        name: String,
        replicas: i32,
    },
    RolloutRestart {
        context: String,
        namespace: String,
        name: String,
    },
}

impl Mutation {
    /// The kubectl commands that do the same thing, one per object.
    pub fn kubectl(&self) -> Vec<String> {
        match self {
            Mutation::Cordon { context, node, on } => {
                vec![plan::kubectl_cordon(context, node, *on)]
            }
            Mutation::Drain { context, nodes } => vec![format!(
                "kubectl --context {context} drain {} --ignore-daemonsets --delete-emptydir-data",
                nodes.join(" ")
            )],
            Mutation::Pods { step, pods } => pods
                .iter()
                .map(|p| plan::kubectl(&p.context, *step, &p.namespace, &p.name))
                .collect(),
            Mutation::Scale {
                context,
                namespace,
                name,
                replicas,
            } => vec![plan::kubectl_scale(context, namespace, name, *replicas)],
            Mutation::RolloutRestart {
                context,
                namespace,
                name,
            } => vec![plan::kubectl_rollout_restart(context, namespace, name)],
        }
    }

    /// Every context the mutation touches.
    pub fn contexts(&self) -> BTreeSet<&str> {
        match self {
            Mutation::Cordon { context, .. }
            | Mutation::Drain { context, .. }
            | Mutation::Scale { context, .. }
            | Mutation::RolloutRestart { context, .. } => BTreeSet::from([context.as_str()]),
            Mutation::Pods { pods, .. } => pods.iter().map(|p| p.context.as_str()).collect(),
        }
    }

    /// Short name for notices and the audit, e.g. "force delete".
    pub fn verb(&self) -> &'static str {
        match self {
            Mutation::Cordon { on: true, .. } => "cordon",
            Mutation::Cordon { on: false, .. } => "uncordon",
            Mutation::Drain { .. } => "drain",
            Mutation::Pods { step, .. } => step.label(),
            Mutation::Scale { .. } => "scale",
            Mutation::RolloutRestart { .. } => "rollout restart",
        }
    }
}

/// The question asked before a mutation runs. On a production context the operator types
/// `expect` (the object's name, or the count for several objects); elsewhere `y` or Enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: String,
    /// What will happen, one line each (objects, counts).
    pub details: Vec<String>,
    pub warnings: Vec<String>,
    pub mutation: Mutation,
    pub expect: Option<String>,
    pub typed: String,
}

/// One object's outcome in a results list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub object: String,
    pub result: Result<String, String>,
}

/// The per-object results of the last mutation, shown until dismissed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Results {
    pub title: String,
    pub outcomes: Vec<Outcome>,
}

/// The drain wizard for one node. The pod list itself is computed live from the watched rows
/// (see `wizard_rows`); this holds only what the rows cannot tell: what the drain task and the
/// operator did.
#[derive(Debug, Clone, PartialEq)]
pub struct Wizard {
    pub context: String,
    /// The nodes being drained (one, or every node a `:drain` selected).
    pub nodes: Vec<String>,
    pub opened: Timestamp,
    /// When the drain was started, if it was.
    pub started: Option<Timestamp>,
    /// Nodes whose drain task is still working.
    pub running: BTreeSet<String>,
    /// Drain task's last word per pod: state and reason.
    pub drain_states: BTreeMap<(String, String), (PodState, String)>,
    /// The last rung the operator ran on a pod.
    pub tried: BTreeMap<(String, String), Step>,
    /// When a budget last refused an eviction (the retry is 5 s after).
    pub last_refusal: Option<Timestamp>,
    pub selected: usize,
    /// Recent step outcomes, newest last.
    pub log: Vec<String>,
}

/// What the executors report back.
#[derive(Debug, Clone, PartialEq)]
pub enum RecoveryMsg {
    Drain {
        context: String,
        node: String,
        event: DrainEvent,
    },
    DrainEnded {
        context: String,
        node: String,
        error: Option<String>,
    },
    /// A mutation finished: per-object outcomes (the audit line was written before this).
    Done {
        mutation: Mutation,
        outcomes: Vec<Outcome>,
    },
}

impl Wizard {
    pub fn new(context: String, nodes: Vec<String>, now: Timestamp) -> Wizard {
        Wizard {
            context,
            nodes,
            opened: now,
            started: None,
            running: BTreeSet::new(),
            drain_states: BTreeMap::new(),
            tried: BTreeMap::new(),
            last_refusal: None,
            selected: 0,
            log: Vec::new(),
        }
    }

    pub fn is_running(&self) -> bool {
        !self.running.is_empty()
    }

    fn has(&self, context: &str, node: &str) -> bool {
        self.context == context && self.nodes.iter().any(|n| n == node)
    }
}

/// One line of the wizard: a pod on the node, as classified now, and what was done to it.
#[derive(Debug, Clone, PartialEq)]
pub struct WizardRow {
    pub node: String,
    pub namespace: String,
    pub name: String,
    pub status: String,
    pub class: PodClass,
    pub warnings: Vec<String>,
    pub drain: Option<(PodState, String)>,
    pub next: Option<Step>,
}

impl WizardRow {
    /// Needs the operator: blocked by class, refused by a budget, or failed.
    pub fn blocked(&self) -> bool {
        self.class.blocked()
            || matches!(
                self.drain,
                Some((
                    PodState::Blocked { .. } | PodState::NeedsEscalation | PodState::Failed,
                    _
                ))
            )
    }
}

fn rank(r: &WizardRow) -> u8 {
    if r.blocked() {
        0
    } else if r.class.skipped() {
        2
    } else {
        1
    }
}

/// The node's pods as the wizard lists them: blocked first, then leaving, then skipped.
pub fn wizard_rows(state: &State, w: &Wizard) -> Vec<WizardRow> {
    let Some(ctx) = state.context_index(&w.context).map(|i| &state.contexts[i]) else {
        return Vec::new();
    };
    let pdbs: Vec<PdbRow> = ctx.pdbs.values().cloned().collect();
    let mut rows = Vec::new();
    for node_name in &w.nodes {
        let Some(node) = ctx.nodes.get(&(String::new(), node_name.clone())) else {
            continue;
        };
        let pods: Vec<PodRow> = ctx
            .pods
            .values()
            .filter(|p| p.node == *node_name)
            .cloned()
            .collect();
        rows.extend(node_rows(
            w,
            node_name,
            &pods,
            plan::plan(node, &pods, &pdbs, state.now),
        ));
    }
    rows.sort_by(|a, b| {
        (rank(a), &a.node, &a.namespace, &a.name).cmp(&(rank(b), &b.node, &b.namespace, &b.name))
    });
    rows
}

fn node_rows(w: &Wizard, node: &str, pods: &[PodRow], planned: plan::DrainPlan) -> Vec<WizardRow> {
    planned
        .pods
        .into_iter()
        .map(|p| {
            let key = (p.namespace.clone(), p.name.clone());
            let drain = w.drain_states.get(&key).cloned();
            let status = pods
                .iter()
                .find(|r| r.namespace == p.namespace && r.name == p.name)
                .map(|r| r.status.clone())
                .unwrap_or_default();
            let next = next_step(&p.class, drain.as_ref().map(|d| &d.0), w.tried.get(&key));
            WizardRow {
                node: node.to_string(),
                namespace: p.namespace,
                name: p.name,
                status,
                class: p.class,
                warnings: p.warnings,
                drain,
                next,
            }
        })
        .collect()
}

/// The next rung for a pod: one above what was last tried; a budget refusal counts as a tried
/// eviction. Skipped and gracefully terminating pods have none.
pub fn next_step(class: &PodClass, drain: Option<&PodState>, tried: Option<&Step>) -> Option<Step> {
    if class.skipped() {
        return None;
    }
    if let Some(step) = tried {
        return plan::escalate(*step);
    }
    if matches!(drain, Some(PodState::Blocked { .. })) {
        return Some(Step::Delete);
    }
    plan::first_step(class)
}

/// Counts for the progress line, from the live rows plus the pods that have left.
pub fn progress(w: &Wizard, rows: &[WizardRow]) -> Progress {
    let mut p = Progress::default();
    let present: BTreeSet<(&str, &str)> = rows
        .iter()
        .map(|r| (r.namespace.as_str(), r.name.as_str()))
        .collect();
    let acted: BTreeSet<(&str, &str)> = w
        .drain_states
        .iter()
        .filter(|(_, (s, _))| *s != PodState::Skipped)
        .map(|(k, _)| k)
        .chain(w.tried.keys())
        .map(|(ns, n)| (ns.as_str(), n.as_str()))
        .collect();
    p.evicted = acted.difference(&present).count();
    for r in rows {
        if r.class.skipped() {
            p.skipped += 1;
            continue;
        }
        p.remaining += 1;
        if r.blocked() {
            p.blocked += 1;
        } else if r.class == PodClass::Terminating
            || matches!(r.drain, Some((PodState::Evicted | PodState::Waiting, _)))
            || r.status == "Terminating"
        {
            p.waiting += 1;
        }
    }
    p
}

fn production(state: &State, context: &str) -> bool {
    state
        .context_index(context)
        .is_some_and(|i| state.contexts[i].info.production)
}

/// Why `mutation` may not run here, if so (read-only mode or a read-only context).
fn refused(state: &State, mutation: &Mutation) -> Option<String> {
    if state.readonly {
        return Some(format!(
            "read-only: {} is disabled (started with --readonly)",
            mutation.verb()
        ));
    }
    mutation
        .contexts()
        .into_iter()
        .find(|c| state.readonly_contexts.iter().any(|r| r == c))
        .map(|c| {
            format!(
                "read-only: context {c} is read-only in the config file; {} is disabled",
                mutation.verb()
            )
        })
}

/// Puts the confirmation for `mutation` on screen (or says why it cannot run).
pub fn ask(
    state: &mut State,
    title: String,
    details: Vec<String>,
    warnings: Vec<String>,
    mutation: Mutation,
    name: &str,
) {
    if let Some(why) = refused(state, &mutation) {
        state.notice = Some((Level::Warn, why));
        return;
    }
    let prod = mutation
        .contexts()
        .into_iter()
        .any(|c| production(state, c));
    let expect = prod.then(|| match &mutation {
        Mutation::Pods { pods, .. } if pods.len() > 1 => pods.len().to_string(),
        _ => name.to_string(),
    });
    state.confirm = Some(Confirm {
        title,
        details,
        warnings,
        mutation,
        expect,
        typed: String::new(),
    });
}

/// Keys while a confirmation is up. Returns the mutation to run when confirmed.
pub fn on_confirm_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
    let Some(c) = state.confirm.as_mut() else {
        return vec![];
    };
    match (key.code, &c.expect) {
        (KeyCode::Esc, _) => state.confirm = None,
        (KeyCode::Enter, Some(expect)) if c.typed != *expect => {
            state.notice = Some((
                Level::Warn,
                format!("type {expect} exactly to confirm, or Esc to cancel"),
            ));
        }
        (KeyCode::Enter, _) | (KeyCode::Char('y'), None) => {
            let c = state.confirm.take().expect("checked above");
            state.notice = Some((Level::Info, format!("{}: running…", c.mutation.verb())));
            return start(state, c.mutation);
        }
        (KeyCode::Char('n'), None) => state.confirm = None,
        (KeyCode::Backspace, Some(_)) => {
            c.typed.pop();
        }
        (KeyCode::Char(ch), Some(_)) => c.typed.push(ch),
        _ => {}
    }
    vec![]
}

/// Bookkeeping as a confirmed mutation leaves.
fn start(state: &mut State, mutation: Mutation) -> Vec<Cmd> {
    if let Some(w) = state.wizard.as_mut() {
        match &mutation {
            Mutation::Drain { context, nodes } if *context == w.context => {
                w.running.extend(nodes.iter().cloned());
                w.started = Some(state.now);
            }
            Mutation::Pods { step, pods } => {
                for p in pods.iter().filter(|p| p.context == w.context) {
                    w.tried.insert((p.namespace.clone(), p.name.clone()), *step);
                }
            }
            _ => {}
        }
    }
    vec![Cmd::Mutate(mutation)]
}

pub fn update(state: &mut State, msg: RecoveryMsg) -> Vec<Cmd> {
    state.dirty = true;
    match msg {
        RecoveryMsg::Drain {
            context,
            node,
            event,
        } => {
            let Some(w) = state.wizard.as_mut().filter(|w| w.has(&context, &node)) else {
                return vec![];
            };
            match event {
                DrainEvent::Cordoned { kubectl, .. } => w.log.push(format!("cordoned: {kubectl}")),
                DrainEvent::Pod {
                    namespace,
                    name,
                    state: s,
                    reason,
                } => {
                    if matches!(s, PodState::Blocked { .. }) {
                        w.last_refusal = Some(state.now);
                    }
                    w.drain_states.insert((namespace, name), (s, reason));
                }
                DrainEvent::Planned(_) | DrainEvent::Progress(_) => {}
                DrainEvent::Finished { progress, .. } => {
                    w.running.remove(&node);
                    w.log.push(format!(
                        "drain pass on {node} finished: {} evicted, {} blocked — escalate the blocked pods (e)",
                        progress.evicted, progress.blocked
                    ));
                }
            }
        }
        RecoveryMsg::DrainEnded {
            context,
            node,
            error,
        } => {
            if let Some(w) = state.wizard.as_mut().filter(|w| w.has(&context, &node)) {
                w.running.remove(&node);
                if let Some(e) = &error {
                    w.log.push(format!("drain stopped: {e}"));
                }
            }
            if let Some(e) = error {
                state.notice = Some((Level::Error, format!("drain {node} ({context}): {e}")));
            }
        }
        RecoveryMsg::Done { mutation, outcomes } => {
            let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
            let verb = mutation.verb();
            if let Some(w) = state.wizard.as_mut() {
                for o in &outcomes {
                    let line = match &o.result {
                        Ok(t) => format!("{verb} {}: {t}", o.object),
                        Err(e) => format!("{verb} {}: {e}", o.object),
                    };
                    w.log.push(line);
                }
                let keep = w.log.len().saturating_sub(50);
                w.log.drain(..keep);
            }
            state.notice = Some(if failed == 0 {
                (
                    Level::Info,
                    format!("{verb}: done ({} objects; audited)", outcomes.len()),
                )
            } else {
                (
                    Level::Error,
                    format!("{verb}: {failed} of {} failed", outcomes.len()),
                )
            });
            // A results list when several objects were touched, or when one failed.
            if outcomes.len() > 1 || failed > 0 {
                state.results = Some(Results {
                    title: format!("{verb}: results"),
                    outcomes,
                });
            }
        }
    }
    vec![]
}

fn target_context(state: &State, row: &RowRef) -> String {
    state.contexts[row.context()].info.name.clone()
}

/// A mutation key on a table row: build the question for it.
pub fn on_mutation_key(state: &mut State, action: Action) -> Vec<Cmd> {
    if action == Action::BulkForceDelete {
        bulk_force_delete(state);
        return vec![];
    }
    let selected = table::visible(state).get(state.selected).map(|row| {
        let context = target_context(state, row);
        let what = match *row {
            RowRef::Node(_, n) => Selected::Node(n.name.clone()),
            RowRef::Pod(_, p) => Selected::Pod {
                namespace: p.namespace.clone(),
                name: p.name.clone(),
                owner_kind: p.owner_kind.clone(),
            },
            RowRef::Deployment(_, d) => Selected::Deployment {
                namespace: d.namespace.clone(),
                name: d.name.clone(),
                desired: d.desired,
            },
        };
        (context, what)
    });
    let Some((context, selected)) = selected else {
        state.notice = Some((Level::Info, "nothing selected".into()));
        return vec![];
    };
    match (action, selected) {
        (Action::Cordon | Action::Uncordon, Selected::Node(node)) => {
            let on = action == Action::Cordon;
            let verb = if on { "Cordon" } else { "Uncordon" };
            let detail = if on {
                "no new pods will be scheduled on it; running pods stay"
            } else {
                "the scheduler may place new pods on it again"
            };
            ask(
                state,
                format!("{verb} node {node} on {context}"),
                vec![detail.into()],
                vec![],
                Mutation::Cordon {
                    context,
                    node: node.clone(),
                    on,
                },
                &node,
            );
        }
        (Action::Drain, Selected::Node(node)) => {
            state.wizard = Some(Wizard::new(context, vec![node], state.now));
            state.screen = Screen::Drain;
        }
        (
            Action::Delete | Action::ForceDelete,
            Selected::Pod {
                namespace,
                name,
                owner_kind,
            },
        ) => {
            let step = if action == Action::Delete {
                Step::Delete
            } else {
                Step::ForceDelete
            };
            let target = PodTarget {
                context,
                namespace,
                name,
            };
            ask_step(state, step, vec![target], &owner_kind);
        }
        (
            Action::Scale,
            Selected::Deployment {
                namespace, name, ..
            },
        ) => {
            state.prompt = Some(super::state::Prompt::Scale {
                context,
                namespace,
                name,
                text: String::new(),
            });
        }
        (
            Action::RolloutRestart,
            Selected::Deployment {
                namespace,
                name,
                desired,
            },
        ) => {
            ask(
                state,
                format!("Rollout restart deployment {namespace}/{name} on {context}"),
                vec![format!(
                    "every one of its {desired} pods is replaced by a rolling update"
                )],
                vec![],
                Mutation::RolloutRestart {
                    context,
                    namespace,
                    name: name.clone(),
                },
                &name,
            );
        }
        (a, s) => {
            let kind = match s {
                Selected::Node(_) => "node",
                Selected::Pod { .. } => "pod",
                Selected::Deployment { .. } => "deployment",
            };
            state.notice = Some((
                Level::Info,
                format!(
                    "{} does not apply to a {kind} (select a {})",
                    a.name(),
                    applies_to(a)
                ),
            ));
        }
    }
    vec![]
}

/// The selected row, owned, so the state can change while acting on it.
enum Selected {
    Node(String),
    Pod {
        namespace: String,
        name: String,
        owner_kind: String,
    },
    Deployment {
        namespace: String,
        name: String,
        desired: i32,
    },
}

fn applies_to(action: Action) -> &'static str {
    match action {
        Action::Cordon | Action::Uncordon | Action::Drain => "node: N",
        Action::Delete | Action::ForceDelete => "pod: P",
        _ => "deployment: D",
    }
}

/// The warning force-delete always carries.
pub const FORCE_WARNING: &str = "force delete removes the object without the kubelet's confirmation: on an unreachable node the process may still be running";

/// Asks for one rung of the ladder on `pods`.
pub fn ask_step(state: &mut State, step: Step, pods: Vec<PodTarget>, owner_kind: &str) {
    let Some(first) = pods.first().cloned() else {
        state.notice = Some((Level::Info, "no pods to act on".into()));
        return;
    };
    let what = if pods.len() == 1 {
        format!("pod {}/{}", first.namespace, first.name)
    } else {
        format!("{} pods", pods.len())
    };
    let contexts: BTreeSet<&str> = pods.iter().map(|p| p.context.as_str()).collect();
    let on = contexts.into_iter().collect::<Vec<_>>().join(", ");
    let title = format!("{} {what} on {on}", capitalise(step.label()));
    let mut details = vec![match step {
        Step::Evict => {
            "evict: honours PodDisruptionBudgets; the pod's controller recreates it elsewhere"
                .to_string()
        }
        Step::Delete => {
            "delete with the pod's grace period: ignores PodDisruptionBudgets".to_string()
        }
        Step::ForceDelete => {
            "force delete (grace 0): the API object is removed at once".to_string()
        }
    }];
    if pods.len() > 1 {
        details.extend(
            pods.iter()
                .take(200)
                .map(|p| format!("  {} {}/{}", p.context, p.namespace, p.name)),
        );
    }
    let mut warnings = Vec::new();
    if step == Step::ForceDelete {
        warnings.push(FORCE_WARNING.to_string());
    }
    if pods.len() == 1 && owner_kind.is_empty() && step != Step::Evict {
        warnings.push("this pod has no controller: nothing will recreate it".to_string());
    }
    let name = first.name.clone();
    ask(
        state,
        title,
        details,
        warnings,
        Mutation::Pods { step, pods },
        &name,
    );
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Bulk force-delete: every pod the pods view shows under the current filter, previewed.
fn bulk_force_delete(state: &mut State) {
    if state.view != ViewKind::Pods {
        state.notice = Some((
            Level::Info,
            "bulk force-delete works on the pods view (P), on the pods the filter shows".into(),
        ));
        return;
    }
    if state.filter.is_empty() && state.labels.is_none() && state.namespace.is_none() {
        state.notice = Some((
            Level::Warn,
            "set a filter first (/ keyword, L labels or :ns): bulk force-delete never takes every pod".into(),
        ));
        return;
    }
    let pods: Vec<PodTarget> = table::visible(state)
        .iter()
        .filter_map(|r| match r {
            RowRef::Pod(c, p) => Some(PodTarget {
                context: state.contexts[*c].info.name.clone(),
                namespace: p.namespace.clone(),
                name: p.name.clone(),
            }),
            _ => None,
        })
        .collect();
    ask_step(state, Step::ForceDelete, pods, "bulk");
}

/// `:drain [NODE...]`: the wizard for the named nodes of the focused context, or for every
/// node the nodes view shows under its filter (never every node: a filter is required).
pub fn open_drain(state: &mut State, nodes: Vec<String>) {
    if state.mutations_off() {
        state.notice = Some((
            Level::Warn,
            "read-only: drain is disabled (started with --readonly)".into(),
        ));
        return;
    }
    let Some(ctx) = state.focused() else { return };
    let context = ctx.info.name.clone();
    let nodes = if nodes.is_empty() {
        if state.view != ViewKind::Nodes || state.filter.is_empty() {
            state.notice = Some((
                Level::Warn,
                "drain: name the nodes (:drain NODE...) or filter the nodes view (N, /) first"
                    .into(),
            ));
            return;
        }
        let fi = state.focus;
        table::visible(state)
            .iter()
            .filter_map(|r| match r {
                RowRef::Node(c, n) if *c == fi => Some(n.name.clone()),
                _ => None,
            })
            .collect()
    } else {
        let unknown: Vec<&String> = nodes
            .iter()
            .filter(|n| !ctx.nodes.contains_key(&(String::new(), (*n).clone())))
            .collect();
        if !unknown.is_empty() {
            state.notice = Some((
                Level::Error,
                format!(
                    "drain: no node {} in {context}",
                    unknown
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            return;
        }
        nodes
    };
    if nodes.is_empty() {
        state.notice = Some((Level::Info, "drain: the filter shows no node".into()));
        return;
    }
    state.wizard = Some(Wizard::new(context, nodes, state.now));
    state.screen = Screen::Drain;
}

/// Keys while the drain wizard is shown (a confirmation, when up, is handled before this).
pub fn on_wizard_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
    let Some(w) = state.wizard.clone() else {
        state.screen = Screen::Table;
        return vec![];
    };
    let rows = wizard_rows(state, &w);
    let action = state.keymap.action_for(&key);
    match (key.code, action) {
        (KeyCode::Enter, _) => {
            if w.is_running() {
                state.notice = Some((Level::Info, "the drain is running".into()));
            } else {
                let leaving = rows
                    .iter()
                    .filter(|r| matches!(r.next, Some(Step::Evict)))
                    .count();
                let skipped = rows.iter().filter(|r| r.class.skipped()).count();
                let blocked = rows.iter().filter(|r| r.blocked()).count();
                let mut warnings: Vec<String> = rows
                    .iter()
                    .filter(|r| r.class == PodClass::EmptyDir)
                    .map(|r| format!("{}/{}: emptyDir data will be lost", r.namespace, r.name))
                    .collect();
                if blocked > 0 {
                    warnings.push(format!(
                        "{blocked} pods will not leave by eviction: escalate them afterwards (e)"
                    ));
                }
                let (what, name) = match w.nodes.as_slice() {
                    [one] => (format!("node {one}"), one.clone()),
                    many => (format!("{} nodes", many.len()), many.len().to_string()),
                };
                ask(
                    state,
                    format!("Drain {what} on {}", w.context),
                    vec![
                        "cordon the node, then evict its pods (PodDisruptionBudgets honoured, refused evictions retried every 5 s for 60 s)".into(),
                        format!("{leaving} to evict, {skipped} skipped (DaemonSet / mirror / completed), {blocked} blocked"),
                    ],
                    warnings,
                    Mutation::Drain {
                        context: w.context.clone(),
                        nodes: w.nodes.clone(),
                    },
                    &name,
                );
            }
        }
        (KeyCode::Char('e'), _) => {
            let Some(r) = rows.get(w.selected.min(rows.len().saturating_sub(1))) else {
                return vec![];
            };
            match r.next {
                None => {
                    state.notice = Some((
                        Level::Info,
                        format!("{}: nothing to do ({})", r.name, r.class.describe()),
                    ))
                }
                Some(step) => {
                    let owner = owner_kind(state, &w.context, &r.namespace, &r.name);
                    ask_step(
                        state,
                        step,
                        vec![PodTarget {
                            context: w.context.clone(),
                            namespace: r.namespace.clone(),
                            name: r.name.clone(),
                        }],
                        &owner,
                    );
                }
            }
        }
        (KeyCode::Char('E'), _) => {
            // The group: every blocked pod whose next rung matches the selected pod's.
            let step = rows
                .get(w.selected)
                .filter(|r| r.blocked())
                .and_then(|r| r.next)
                .or_else(|| rows.iter().filter(|r| r.blocked()).find_map(|r| r.next));
            let Some(step) = step else {
                state.notice = Some((Level::Info, "no blocked pods to escalate".into()));
                return vec![];
            };
            let pods: Vec<PodTarget> = rows
                .iter()
                .filter(|r| r.blocked() && r.next == Some(step))
                .map(|r| PodTarget {
                    context: w.context.clone(),
                    namespace: r.namespace.clone(),
                    name: r.name.clone(),
                })
                .collect();
            ask_step(state, step, pods, "group");
        }
        (_, Some(Action::Cordon | Action::Uncordon)) => {
            let on = action == Some(Action::Cordon);
            // The selected pod's node (with several nodes), else the only one.
            let node = rows
                .get(w.selected)
                .map(|r| r.node.clone())
                .or_else(|| w.nodes.first().cloned())
                .unwrap_or_default();
            ask(
                state,
                format!(
                    "{} node {node} on {}",
                    if on { "Cordon" } else { "Uncordon" },
                    w.context
                ),
                vec![],
                vec![],
                Mutation::Cordon {
                    context: w.context.clone(),
                    node: node.clone(),
                    on,
                },
                &node,
            );
        }
        (_, Some(Action::Up)) => set_selected(state, rows.len(), -1),
        (_, Some(Action::Down)) => set_selected(state, rows.len(), 1),
        (_, Some(Action::Top)) => set_selected(state, rows.len(), isize::MIN / 2),
        (_, Some(Action::Bottom)) => set_selected(state, rows.len(), isize::MAX / 2),
        (_, Some(Action::Back)) => state.screen = Screen::Table,
        (_, Some(Action::Quit)) => state.quit = true,
        (_, Some(Action::Help)) => state.help = true,
        _ => {}
    }
    vec![]
}

fn owner_kind(state: &State, context: &str, ns: &str, name: &str) -> String {
    state
        .context_index(context)
        .and_then(|i| {
            state.contexts[i]
                .pods
                .get(&(ns.to_string(), name.to_string()))
        })
        .map(|p| p.owner_kind.clone())
        .unwrap_or_default()
}

fn set_selected(state: &mut State, n: usize, delta: isize) {
    if let Some(w) = state.wizard.as_mut() {
        let max = n.saturating_sub(1) as isize;
        w.selected = (w.selected as isize).saturating_add(delta).clamp(0, max) as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ladder_starts_where_the_class_says_and_a_refusal_counts_as_a_tried_eviction() {
        let pdb = PodClass::PdbBlocked {
            pdb: "keycloak".into(),
            min_available: Some("1".into()),
            max_unavailable: None,
            allowed: 0,
        };
        assert_eq!(next_step(&pdb, None, None), Some(Step::Evict));
        assert_eq!(
            next_step(&pdb, Some(&PodState::Blocked { attempt: 2 }), None),
            Some(Step::Delete)
        );
        assert_eq!(
            next_step(&pdb, None, Some(&Step::Delete)),
            Some(Step::ForceDelete)
        );
        assert_eq!(next_step(&pdb, None, Some(&Step::ForceDelete)), None);
        let stuck = PodClass::StuckTerminating {
            reason: plan::STUCK_NODE_NOT_READY.into(),
        };
        assert_eq!(next_step(&stuck, None, None), Some(Step::ForceDelete));
        assert_eq!(
            next_step(&PodClass::DaemonSet, None, Some(&Step::Evict)),
            None
        );
        assert_eq!(
            next_step(&PodClass::Unmanaged, None, None),
            Some(Step::Delete)
        );
    }

    #[test]
    fn bulk_confirmation_on_production_asks_for_the_count() {
        let m = Mutation::Pods {
            step: Step::ForceDelete,
            pods: vec![
                PodTarget {
                    context: "prod".into(),
                    namespace: "default".into(),
                    name: "a".into(),
                },
                PodTarget {
                    context: "stg".into(),
                    namespace: "default".into(),
                    name: "b".into(),
                },
            ],
        };
        assert_eq!(m.contexts(), BTreeSet::from(["prod", "stg"]));
        assert_eq!(
            m.kubectl(),
            vec![
                "kubectl --context prod delete pod a -n default --grace-period=0 --force",
                "kubectl --context stg delete pod b -n default --grace-period=0 --force"
            ]
        );
        assert_eq!(m.verb(), "force delete");
    }

    use crate::app::msg::Msg;
    use crate::app::update::update;
    use crate::cluster::events::{ClusterEvent, Delta};
    use crate::cluster::kubeconfig::ContextInfo;
    use crossterm::event::{KeyEvent, KeyModifiers};

    fn state(production: bool) -> State {
        let info = ContextInfo {
            name: "prod".into(),
            cluster: "prod".into(),
            user: "prod-admin".into(),
            namespace: None,
            server: "https://127.0.0.1:1".into(),
            production,
        };
        let mut s = State::new(
            vec![info],
            vec!["prod".into()],
            None,
            false,
            crate::app::keys::Keymap::default(),
        );
        let node: k8s_openapi::api::core::v1::Node =
            serde_json::from_value(serde_json::json!({"metadata": {"name": "node-1"}})).unwrap();
        let dep: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(
            serde_json::json!({"metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 3, "selector": {}, "template": {}}}),
        )
        .unwrap();
        s.contexts[0].apply(ClusterEvent::Nodes(Delta::Reset(vec![
            crate::cluster::rows::NodeRow::from_node(&node),
        ])));
        s.contexts[0].apply(ClusterEvent::Deployments(Delta::Reset(vec![
            crate::cluster::rows::DeploymentRow::from_deployment(&dep),
        ])));
        s
    }

    fn press(s: &mut State, code: KeyCode) -> Vec<Cmd> {
        update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn typed(s: &mut State, text: &str) {
        for c in text.chars() {
            press(s, KeyCode::Char(c));
        }
    }

    #[test]
    fn cordon_outside_production_asks_y_and_n_cancels() {
        let mut s = state(false);
        s.view = ViewKind::Nodes;
        assert!(press(&mut s, KeyCode::Char('c')).is_empty());
        let c = s.confirm.clone().unwrap();
        assert_eq!(c.expect, None);
        assert_eq!(
            c.mutation.kubectl(),
            vec!["kubectl --context prod cordon node-1"]
        );
        assert!(press(&mut s, KeyCode::Char('n')).is_empty());
        assert!(s.confirm.is_none());
        press(&mut s, KeyCode::Char('c'));
        let cmds = press(&mut s, KeyCode::Char('y'));
        assert_eq!(
            cmds,
            vec![Cmd::Mutate(Mutation::Cordon {
                context: "prod".into(),
                node: "node-1".into(),
                on: true
            })]
        );
    }

    #[test]
    fn on_production_only_the_typed_name_confirms() {
        let mut s = state(true);
        s.view = ViewKind::Nodes;
        press(&mut s, KeyCode::Char('u'));
        // `y` is just a letter of the name being typed here.
        assert!(press(&mut s, KeyCode::Char('y')).is_empty());
        assert!(press(&mut s, KeyCode::Enter).is_empty());
        assert!(s.confirm.is_some(), "a wrong name leaves the question up");
        press(&mut s, KeyCode::Backspace);
        typed(&mut s, "node-1");
        let cmds = press(&mut s, KeyCode::Enter);
        assert!(matches!(
            &cmds[..],
            [Cmd::Mutate(Mutation::Cordon { on: false, .. })]
        ));
        assert!(s.confirm.is_none());
    }

    #[test]
    fn scale_asks_for_a_count_then_confirms_and_rejects_nonsense() {
        let mut s = state(false);
        s.view = ViewKind::Deployments;
        press(&mut s, KeyCode::Char('s'));
        typed(&mut s, "x");
        press(&mut s, KeyCode::Enter);
        assert!(s.confirm.is_none());
        assert!(s.notice.as_ref().unwrap().1.contains("not a replica count"));
        press(&mut s, KeyCode::Char('s'));
        typed(&mut s, "5");
        press(&mut s, KeyCode::Enter);
        assert_eq!(
            s.confirm.as_ref().unwrap().mutation.kubectl(),
            vec!["kubectl --context prod scale deployment/web -n default --replicas=5"]
        );
        let cmds = press(&mut s, KeyCode::Enter);
        assert!(matches!(
            &cmds[..],
            [Cmd::Mutate(Mutation::Scale { replicas: 5, .. })]
        ));
    }

    #[test]
    fn a_context_marked_readonly_in_the_config_refuses_mutations() {
        let mut s = state(false);
        s.readonly_contexts = vec!["prod".into()];
        s.view = ViewKind::Nodes;
        assert!(press(&mut s, KeyCode::Char('c')).is_empty());
        assert!(s.confirm.is_none());
        let (level, text) = s.notice.clone().unwrap();
        assert_eq!(level, Level::Warn);
        assert!(text.contains("context prod is read-only"), "{text}");
    }

    #[test]
    fn outcomes_of_several_objects_open_a_results_list() {
        let mut s = state(false);
        let m = Mutation::Pods {
            step: Step::ForceDelete,
            pods: vec![],
        };
        update(
            &mut s,
            Msg::Recovery(RecoveryMsg::Done {
                mutation: m,
                outcomes: vec![
                    Outcome {
                        object: "a".into(),
                        result: Ok("done".into()),
                    },
                    Outcome {
                        object: "b".into(),
                        result: Err("forbidden".into()),
                    },
                ],
            }),
        );
        assert_eq!(s.results.as_ref().unwrap().outcomes.len(), 2);
        assert_eq!(s.notice.as_ref().unwrap().0, Level::Error);
        press(&mut s, KeyCode::Enter);
        assert!(s.results.is_none());
    }

    #[test]
    fn drain_command_opens_one_wizard_for_every_filtered_node_and_needs_a_filter() {
        let mut s = state(true);
        let node2: k8s_openapi::api::core::v1::Node =
            serde_json::from_value(serde_json::json!({"metadata": {"name": "node-2"}})).unwrap();
        s.contexts[0].apply(ClusterEvent::Nodes(Delta::Upsert(
            crate::cluster::rows::NodeRow::from_node(&node2),
        )));
        s.view = ViewKind::Nodes;
        open_drain(&mut s, vec![]);
        assert!(s.wizard.is_none(), "no filter, no drain of every node");
        open_drain(&mut s, vec!["node-9".into()]);
        assert!(s.notice.as_ref().unwrap().1.contains("no node node-9"));
        s.filter = crate::app::filter::TextFilter::new("node-");
        open_drain(&mut s, vec![]);
        assert_eq!(s.wizard.as_ref().unwrap().nodes, ["node-1", "node-2"]);
        assert_eq!(s.screen, Screen::Drain);
        // Starting it on production asks for the count of nodes.
        press(&mut s, KeyCode::Enter);
        let c = s.confirm.clone().unwrap();
        assert_eq!(c.expect.as_deref(), Some("2"));
        assert_eq!(
            c.mutation.kubectl(),
            vec![
                "kubectl --context prod drain node-1 node-2 --ignore-daemonsets --delete-emptydir-data"
            ]
        );
        typed(&mut s, "2");
        let cmds = press(&mut s, KeyCode::Enter);
        assert!(
            matches!(&cmds[..], [Cmd::Mutate(Mutation::Drain { nodes, .. })] if nodes.len() == 2)
        );
        assert_eq!(s.wizard.as_ref().unwrap().running.len(), 2);
    }
}
