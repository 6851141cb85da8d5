//! The question in front of every mutation, and the results list after it. On a production
//! context the operator types the object's name (or the count); elsewhere the dialog keys.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::cluster::events::ClusterEvent;

use super::keys::DialogAction;
use super::msg::Cmd;
use super::mutation::{Mutation, production, refused};
use super::state::{Level, State};

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
    // A shell changes nothing by itself: on production a key confirms it, no typed name.
    let prod = prod && !matches!(mutation, Mutation::Shell(_));
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
    let action = state.keymap.dialog.action_for(&key);
    let Some(c) = state.confirm.as_mut() else {
        return vec![];
    };
    // On production the name is typed: letters are text there, only the other dialog keys act.
    if c.expect.is_some() {
        match key.code {
            KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                c.typed.push(ch);
                return vec![];
            }
            KeyCode::Backspace => {
                c.typed.pop();
                return vec![];
            }
            _ => {}
        }
    }
    match action {
        Some(DialogAction::Cancel) => {
            // An edit's session waits for the answer (and keeps the operator's text).
            if let Some(Mutation::Edit { id, .. }) = state.confirm.take().map(|c| c.mutation) {
                return vec![Cmd::EditAnswer { id, apply: false }];
            }
        }
        Some(DialogAction::Confirm) => {
            if let Some(expect) = c.expect.as_ref().filter(|e| c.typed != **e) {
                let cancel = state.keymap.dialog.key_for(DialogAction::Cancel);
                state.notice = Some((
                    Level::Warn,
                    format!(
                        "type {expect} exactly to confirm, or {} to cancel",
                        cancel.as_deref().unwrap_or("esc")
                    ),
                ));
                return vec![];
            }
            let Some(c) = state.confirm.take() else {
                return vec![];
            };
            state.notice = Some((Level::Info, format!("{}: running…", c.mutation.verb())));
            return start(state, c.mutation);
        }
        None => {}
    }
    vec![]
}

/// Bookkeeping as a confirmed mutation leaves. A drain is stepped by the wizard itself.
fn start(state: &mut State, mutation: Mutation) -> Vec<Cmd> {
    if let Mutation::Shell(request) = mutation {
        state.notice = None;
        return super::shell::run(state, *request);
    }
    if let Mutation::Edit { id, .. } = &mutation {
        return vec![Cmd::EditAnswer {
            id: *id,
            apply: true,
        }];
    }
    if let Mutation::Drain { context, nodes } = &mutation {
        if state.wizard.as_ref().is_some_and(|w| w.context == *context) {
            return super::wizard::drive::start(state, nodes);
        }
        return vec![];
    }
    if let (Some(w), Mutation::Pods { step, pods }) = (state.wizard.as_mut(), &mutation) {
        for p in pods.iter().filter(|p| p.context == w.context) {
            w.tried.insert((p.namespace.clone(), p.name.clone()), *step);
        }
        // The rows' next rung depends on what was tried.
        w.stale = true;
    }
    vec![Cmd::Mutate(mutation)]
}

/// A question about one object closes when that object disappears: the operator previewed it,
/// and whatever replaced it was never shown. Nothing is sent.
pub fn cancel_if_gone(state: &mut State, context: &str, event: &ClusterEvent) {
    let Some(target) = state.confirm.as_ref().and_then(|c| c.mutation.target()) else {
        return;
    };
    if target.context == context && target.removed_by(event) {
        let verb = state
            .confirm
            .take()
            .map(|c| c.mutation.verb())
            .unwrap_or_default();
        state.notice = Some((
            Level::Warn,
            format!(
                "{} is gone: the {verb} was cancelled, nothing was sent",
                target.describe()
            ),
        ));
    }
}
