//! The health strip's counts and the nodes view's pods per node, kept per row upsert and
//! removal (`ContextState::apply`) so no frame recounts 100,000 pods. Whether a terminating pod
//! is stuck depends on the clock: the terminating pods are kept apart and only they are looked
//! at when the strip is drawn. Pure.

use std::collections::{BTreeSet, HashMap};

use crate::cluster::rows::{DeploymentRow, Key, NodeRow, PodRow, Rollout};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub nodes_ready: usize,
    pub cordoned: usize,
    pub pods_not_running: usize,
    pub rollouts_stuck: usize,
    pub rollouts_progressing: usize,
    /// Running (not finished) pods per node name; nodes without pods are absent.
    pub pods_per_node: HashMap<String, usize>,
    /// Pods with a deletion deadline: the only ones that can be stuck terminating.
    pub terminating: BTreeSet<Key>,
}

/// `n` once if `yes`: how much a row adds to a count.
fn one(yes: bool) -> usize {
    usize::from(yes)
}

pub fn pod_not_running(p: &PodRow) -> bool {
    !(p.phase == "Running" && p.ready == p.containers_total) && p.phase != "Succeeded"
}

/// Whether a pod counts on its node (the PODS column): scheduled and not finished.
pub fn pod_on_node(p: &PodRow) -> bool {
    !p.node.is_empty() && !p.finished()
}

impl Tally {
    pub fn node(&mut self, old: Option<&NodeRow>, new: Option<&NodeRow>) {
        if let Some(n) = old {
            self.nodes_ready -= one(n.ready);
            self.cordoned -= one(n.unschedulable);
        }
        if let Some(n) = new {
            self.nodes_ready += one(n.ready);
            self.cordoned += one(n.unschedulable);
        }
    }

    pub fn deployment(&mut self, old: Option<&DeploymentRow>, new: Option<&DeploymentRow>) {
        let stuck = |d: &DeploymentRow| matches!(d.rollout, Rollout::Stuck(_));
        let progressing = |d: &DeploymentRow| d.rollout == Rollout::Progressing;
        if let Some(d) = old {
            self.rollouts_stuck -= one(stuck(d));
            self.rollouts_progressing -= one(progressing(d));
        }
        if let Some(d) = new {
            self.rollouts_stuck += one(stuck(d));
            self.rollouts_progressing += one(progressing(d));
        }
    }

    pub fn pod(&mut self, old: Option<&PodRow>, new: Option<&PodRow>) {
        if let Some(p) = old {
            self.pods_not_running -= one(pod_not_running(p));
            if pod_on_node(p)
                && let Some(n) = self.pods_per_node.get_mut(&p.node)
            {
                *n -= 1;
                if *n == 0 {
                    self.pods_per_node.remove(&p.node);
                }
            }
            if p.deletion.is_some() {
                self.terminating
                    .remove(&(p.namespace.clone(), p.name.clone()));
            }
        }
        if let Some(p) = new {
            self.pods_not_running += one(pod_not_running(p));
            if pod_on_node(p) {
                *self.pods_per_node.entry(p.node.clone()).or_default() += 1;
            }
            if p.deletion.is_some() {
                self.terminating
                    .insert((p.namespace.clone(), p.name.clone()));
            }
        }
    }
}
