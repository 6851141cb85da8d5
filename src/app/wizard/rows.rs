//! The drain wizard's view-model: the node's pods as classified now, what was done to each,
//! the next rung of the ladder, and the progress line. Computed from the watched rows.

use std::collections::BTreeSet;

use crate::cluster::rows::{PdbRow, PodRow};
use crate::recovery::drain::PodState;
use crate::recovery::plan::{self, PodClass, Progress, Step};

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

