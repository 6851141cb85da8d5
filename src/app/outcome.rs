//! What the executors report back about mutations and drains, and how the state takes it.

use crate::recovery::drain::{EvictOutcome, Input, Key};

use super::confirm::{Outcome, Results};
use super::msg::Cmd;
use super::mutation::Mutation;
use super::state::{Level, State};

/// What a drain's API call came to.
#[derive(Debug, Clone, PartialEq)]
pub enum DrainAnswer {
    /// The cordon; the error is the sentence to show.
    Cordoned(Result<(), String>),
    Evicted {
        key: Key,
        outcome: EvictOutcome,
    },
}

/// What the executors report back.
#[derive(Debug, Clone, PartialEq)]
pub enum RecoveryMsg {
    /// The answer to a `Cmd::Drain` (the audit line was written before this).
    DrainAnswer {
        context: String,
        node: String,
        answer: DrainAnswer,
        /// Audit lines that could not be written: as loud as a failed step.
        audit_failures: Vec<String>,
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
        RecoveryMsg::DrainAnswer {
            context,
            node,
            answer,
            audit_failures,
        } => {
            if !audit_failures.is_empty() {
                state.notice = Some((Level::Error, audit_failures.join("; ")));
            }
            let input = match answer {
                DrainAnswer::Cordoned(result) => Input::Cordoned(result),
                DrainAnswer::Evicted { key, outcome } => Input::Evicted { key, outcome },
            };
            return super::wizard::drive::feed(state, &context, &node, input);
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
