//! The drain wizard's view-model: the node's pods as classified now, what was done to each,
//! the next rung of the ladder, and the progress line. Computed from the watched rows.

use crate::cluster::rows::{PdbRow, PodRow};
use crate::recovery::drain::PodState;
use crate::recovery::plan::{self, DrainPlan, PodClass, Progress, Step};

use super::Wizard;
use crate::app::state::State;

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

/// One node's pods classified now, from the watched rows: the snapshot the wizard shows and
/// the drain is fed, the same one.
pub struct NodePlan {
    pub plan: DrainPlan,
    pub pods: Vec<PodRow>,
}

/// Every node of the wizard that is still there, planned against the context's budgets.
pub fn node_plans(state: &State, w: &Wizard) -> Vec<NodePlan> {
    let Some(ctx) = state.context_index(&w.context).map(|i| &state.contexts[i]) else {
        return Vec::new();
    };
    let pdbs: Vec<PdbRow> = ctx.pdbs.values().cloned().collect();
    w.nodes
        .iter()
        .filter_map(|node_name| {
            let node = ctx.nodes.get(&(String::new(), node_name.clone()))?;
            let pods: Vec<PodRow> = ctx
                .pods
                .values()
                .filter(|p| p.node == *node_name)
                .cloned()
                .collect();
            let plan = plan::plan(node, &pods, &pdbs, state.now);
            Some(NodePlan { plan, pods })
        })
        .collect()
}

/// The node's pods as the wizard lists them: blocked first, then leaving, then skipped.
pub fn wizard_rows(w: &Wizard, plans: &[NodePlan]) -> Vec<WizardRow> {
    let mut rows: Vec<WizardRow> = plans.iter().flat_map(|np| node_rows(w, np)).collect();
    rows.sort_by(|a, b| {
        (rank(a), &a.node, &a.namespace, &a.name).cmp(&(rank(b), &b.node, &b.namespace, &b.name))
    });
    rows
}

fn node_rows(w: &Wizard, np: &NodePlan) -> Vec<WizardRow> {
    let node = &np.plan.node;
    let run = w.runs.get(node);
    np.plan
        .pods
        .iter()
        .map(|p| {
            let drain = run
                .and_then(|r| r.pod(&p.namespace, &p.name))
                .and_then(|t| t.state.clone().map(|s| (s, t.reason.clone())));
            let status = np
                .pods
                .iter()
                .find(|r| r.namespace == p.namespace && r.name == p.name)
                .map(|r| r.status.clone())
                .unwrap_or_default();
            let key = (p.namespace.clone(), p.name.clone());
            let next = next_step(&p.class, drain.as_ref().map(|d| &d.0), w.tried.get(&key));
            WizardRow {
                node: node.clone(),
                namespace: p.namespace.clone(),
                name: p.name.clone(),
                status,
                class: p.class.clone(),
                warnings: p.warnings.clone(),
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
    match drain {
        Some(PodState::Blocked { .. }) => Some(Step::Delete),
        // The drain gave up on it: an eviction was tried, or will not do.
        Some(PodState::NeedsEscalation) => plan::first_step(class).map(|s| match s {
            Step::Evict => Step::Delete,
            other => other,
        }),
        _ => plan::first_step(class),
    }
}

/// The progress line. Once the drain runs, its machine's count is the one truth (the
/// "finished" line reads the same); before, what the plan would do.
pub fn progress(w: &Wizard) -> Progress {
    if w.runs.is_empty() {
        return preview(&w.rows);
    }
    w.runs
        .values()
        .map(|r| r.progress())
        .fold(Progress::default(), |a, b| Progress {
            evicted: a.evicted + b.evicted,
            waiting: a.waiting + b.waiting,
            blocked: a.blocked + b.blocked,
            remaining: a.remaining + b.remaining,
            skipped: a.skipped + b.skipped,
        })
}

/// What the plan says before anything ran.
fn preview(rows: &[WizardRow]) -> Progress {
    let mut p = Progress::default();
    for r in rows {
        if r.class.skipped() {
            p.skipped += 1;
            continue;
        }
        p.remaining += 1;
        if r.blocked() {
            p.blocked += 1;
        } else if r.class == PodClass::Terminating {
            p.waiting += 1;
        }
    }
    p
}
