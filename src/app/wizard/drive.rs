//! The cockpit's shell around each node's drain machine (`recovery::drain::DrainRun`): it feeds
//! the machine the snapshot the wizard shows (the watched rows, planned once per change), the
//! answers of the cordon and evictions it asked for, and the clock; and turns its effects into
//! `Cmd::Drain` for the executors. Pure, like the rest of the core.

use crate::recovery::drain::{DrainEvent, DrainOptions, DrainRun, Effect, Input, Phase};

use super::Wizard;
use super::rows::{node_plans, wizard_rows};
use crate::app::msg::{Cmd, DrainCmd};
use crate::app::state::{Level, State};

/// Starts the drain of each of `nodes` (called when the operator confirmed it).
pub fn start(state: &mut State, nodes: &[String]) -> Vec<Cmd> {
    let now = state.now;
    let Some(w) = state.wizard.as_mut() else {
        return vec![];
    };
    w.started = Some(now);
    let mut cmds = Vec::new();
    for node in nodes {
        let mut run = DrainRun::new(&w.context, node, DrainOptions::default());
        let effects = run.step(Input::Start, now);
        w.runs.insert(node.clone(), run);
        cmds.extend(perform(w, node, effects));
    }
    w.stale = true;
    cmds
}

/// Feeds one node's machine an input, if that node is being drained.
pub fn feed(state: &mut State, context: &str, node: &str, input: Input) -> Vec<Cmd> {
    let now = state.now;
    let Some(w) = state.wizard.as_mut().filter(|w| w.context == context) else {
        return vec![];
    };
    let Some(run) = w.runs.get_mut(node) else {
        return vec![];
    };
    let was_interrupted = matches!(run.phase(), Phase::Interrupted { .. });
    let effects = run.step(input, now);
    let interrupted = match run.phase() {
        Phase::Interrupted { why } if !was_interrupted => Some(why.clone()),
        _ => None,
    };
    w.stale = true;
    let cmds = perform(w, node, effects);
    if let Some(why) = interrupted {
        w.log.push(format!("drain of {node} stopped: {why}"));
        state.notice = Some((Level::Error, format!("drain {node} ({context}): {why}")));
    }
    cmds
}

/// Time passed: retries that are due go out, the retry window closes.
pub fn tick(state: &mut State) -> Vec<Cmd> {
    let Some(w) = state.wizard.as_ref() else {
        return vec![];
    };
    let (context, nodes): (String, Vec<String>) =
        (w.context.clone(), w.runs.keys().cloned().collect());
    nodes
        .iter()
        .flat_map(|n| feed(state, &context, n, Input::Tick))
        .collect()
}

/// Brings the wizard up to the watched rows when they changed: one plan per node, shown as the
/// wizard's rows and fed to the node's drain as its snapshot. Called once per burst of
/// messages, never per frame.
pub fn refresh(state: &mut State) -> Vec<Cmd> {
    let Some(w) = state.wizard.as_ref().filter(|w| w.stale) else {
        return vec![];
    };
    let plans = node_plans(state, w);
    let context = w.context.clone();
    let mut cmds = Vec::new();
    for np in &plans {
        let has_run = state
            .wizard
            .as_ref()
            .is_some_and(|w| w.runs.contains_key(&np.plan.node));
        if has_run {
            let node = np.plan.node.clone();
            cmds.extend(feed(
                state,
                &context,
                &node,
                Input::Snapshot(np.plan.clone()),
            ));
        }
    }
    if let Some(w) = state.wizard.as_mut() {
        w.rows = wizard_rows(w, &plans);
        w.stale = false;
    }
    cmds
}

/// The machine's effects: API calls become commands, reports become log lines.
fn perform(w: &mut Wizard, node: &str, effects: Vec<Effect>) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    for effect in effects {
        match effect {
            Effect::Cordon => cmds.push(Cmd::Drain(DrainCmd::Cordon {
                context: w.context.clone(),
                node: node.to_string(),
            })),
            Effect::Evict((namespace, name)) => cmds.push(Cmd::Drain(DrainCmd::Evict {
                context: w.context.clone(),
                node: node.to_string(),
                namespace,
                name,
            })),
            Effect::Report(DrainEvent::Cordoned { kubectl, .. }) => {
                w.log.push(format!("cordoned: {kubectl}"));
            }
            Effect::Report(DrainEvent::Finished { progress, .. }) => {
                let done = w
                    .runs
                    .get(node)
                    .is_some_and(|r| *r.phase() == Phase::Drained);
                w.log.push(if done {
                    format!(
                        "drain of {node} finished: node drained, {} evicted",
                        progress.evicted
                    )
                } else {
                    format!(
                        "drain pass on {node} finished: {} evicted, {} blocked — escalate the blocked pods (e)",
                        progress.evicted, progress.blocked
                    )
                });
            }
            Effect::Report(_) => {}
        }
    }
    let keep = w.log.len().saturating_sub(50);
    w.log.drain(..keep);
    cmds
}
