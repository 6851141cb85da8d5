//! What the executors report back about mutations and drains, and how the state takes it.

use crate::recovery::drain::{DrainEvent, PodState};

use super::confirm::{Outcome, Results};
use super::msg::Cmd;
use super::mutation::Mutation;
use super::state::{Level, State};

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

