//! The drain wizard: which nodes, what the drain task and the operator did, and its keys.
//! The pod list is computed live from the watched rows (`rows`).

pub mod drive;
pub mod rows;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;
use jiff::Timestamp;

use crate::recovery::drain::{DrainRun, Phase};
use crate::recovery::plan::{PodClass, Step};

use super::confirm::ask;
use super::keys::WizardAction;
use super::layers::Handled;
use super::msg::Cmd;
use super::mutation::{Mutation, PodTarget, refusal};
use super::row_actions::ask_step;
use super::state::{Level, Screen, State, ViewKind};
use super::table::{self, RowRef};
pub use rows::{WizardRow, next_step, progress};

/// The drain wizard for one or several nodes of a context: what the drain and the operator
/// did, and the pod list as classified at the last change of the watched rows.
#[derive(Debug, Clone)]
pub struct Wizard {
    pub context: String,
    /// The nodes being drained (one, or every node a `:drain` selected).
    pub nodes: Vec<String>,
    pub opened: Timestamp,
    /// When the drain was started, if it was.
    pub started: Option<Timestamp>,
    /// Each node's drain, once started: the state machine the wizard feeds (`drive`).
    pub runs: BTreeMap<String, DrainRun>,
    /// The last rung the operator ran on a pod.
    pub tried: BTreeMap<(String, String), Step>,
    /// The pod under the cursor, by (namespace, name): pods leaving above it never move it.
    pub cursor: Option<(String, String)>,
    /// The cursor's last row, where it lands when its pod leaves the list.
    pub cursor_at: usize,
    /// Recent step outcomes, newest last.
    pub log: Vec<String>,
    /// The node's pods as classified at the last change of their rows (not per frame).
    pub rows: Vec<WizardRow>,
    /// The watched rows changed since `rows` was computed.
    pub stale: bool,
}

impl Wizard {
    pub fn new(context: String, nodes: Vec<String>, now: Timestamp) -> Wizard {
        Wizard {
            context,
            nodes,
            opened: now,
            started: None,
            runs: BTreeMap::new(),
            tried: BTreeMap::new(),
            cursor: None,
            cursor_at: 0,
            log: Vec::new(),
            rows: Vec::new(),
            stale: true,
        }
    }

    /// Where the cursor's pod is in `rows`, else the first row.
    pub fn selected_index(&self, rows: &[WizardRow]) -> usize {
        self.cursor
            .as_ref()
            .and_then(|(ns, name)| {
                rows.iter()
                    .position(|r| r.namespace == *ns && r.name == *name)
            })
            .unwrap_or(self.cursor_at.min(rows.len().saturating_sub(1)))
    }

    /// Some node's drain is still in its automatic part (evicting or retrying).
    pub fn is_running(&self) -> bool {
        self.runs.values().any(|r| !r.phase().settled())
    }

    /// The next retry of budget-refused evictions, if one is waiting.
    pub fn next_retry(&self) -> Option<Timestamp> {
        self.runs
            .values()
            .filter_map(|r| match r.phase() {
                Phase::Retrying { next_at, .. } => Some(*next_at),
                _ => None,
            })
            .min()
    }

    pub fn has(&self, context: &str, node: &str) -> bool {
        self.context == context && self.nodes.iter().any(|n| n == node)
    }
}

/// `:drain [NODE...]`: the wizard for the named nodes of the focused context, or for every
/// node the nodes view shows under its filter (never every node: a filter is required).
pub fn open_drain(state: &mut State, nodes: Vec<String>) {
    let focused = state
        .focused()
        .map(|c| c.info.name.clone())
        .unwrap_or_default();
    if let Some(why) = refusal(state, "drain", std::iter::once(focused.as_str())) {
        state.notice = Some((Level::Warn, why));
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
pub fn on_key(state: &mut State, key: &KeyEvent) -> Handled {
    let Some(action) = state.keymap.wizard.action_for(key) else {
        return Handled::Ignored;
    };
    Handled::Consumed(on_action(state, action))
}

fn on_action(state: &mut State, action: WizardAction) -> Vec<Cmd> {
    let Some(w) = state.wizard.clone() else {
        state.screen = Screen::Table;
        return vec![];
    };
    let rows = w.rows.clone();
    let at = w.selected_index(&rows);
    match action {
        WizardAction::Start => {
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
        WizardAction::Escalate => {
            let Some(r) = rows.get(at) else {
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
        WizardAction::EscalateGroup => {
            // The group: every blocked pod whose next rung matches the selected pod's.
            let step = rows
                .get(at)
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
        WizardAction::Cordon | WizardAction::Uncordon => {
            let on = action == WizardAction::Cordon;
            // The selected pod's node (with several nodes), else the only one.
            let node = rows
                .get(at)
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

/// Moves the wizard's cursor `delta` rows (clamped) and pins it to the pod there.
pub fn move_cursor(state: &mut State, delta: isize) {
    let Some(w) = state.wizard.as_ref() else {
        return;
    };
    let rows = &w.rows;
    if rows.is_empty() {
        return;
    }
    let i = w.selected_index(rows) as isize;
    let next = i.saturating_add(delta).clamp(0, rows.len() as isize - 1) as usize;
    let pod = (rows[next].namespace.clone(), rows[next].name.clone());
    if let Some(w) = state.wizard.as_mut() {
        w.cursor = Some(pod);
        w.cursor_at = next;
    }
}
