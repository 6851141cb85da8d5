//! The containers of one pod, the deepest drill-down level: fetched fresh when it opens (pod
//! rows stay lean), and again whenever the pod's row shows a change (status, readiness,
//! restarts), so a crash loop is seen moving.

use crossterm::event::KeyEvent;

use crate::cluster::container_rows::ContainerRow;

use super::keys::Action;
use super::layers::Handled;
use super::msg::Cmd;
use super::state::{Screen, State};

/// What of a pod row says its containers changed.
type Signature = (String, usize, usize, i32);

#[derive(Debug, Clone, PartialEq)]
pub struct ContainersView {
    pub context: String,
    pub namespace: String,
    pub pod: String,
    /// None until the first fetch answers.
    pub rows: Option<Result<Vec<ContainerRow>, String>>,
    /// The pod row as it was when the last fetch was asked for.
    pub seen: Option<Signature>,
    /// The container under the cursor, by name.
    pub cursor: Option<String>,
}

/// A fetch of a pod's containers finished.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainersMsg {
    pub context: String,
    pub namespace: String,
    pub pod: String,
    pub result: Result<Vec<ContainerRow>, String>,
}

fn fetch(v: &ContainersView) -> Cmd {
    Cmd::FetchContainers {
        context: v.context.clone(),
        namespace: v.namespace.clone(),
        pod: v.pod.clone(),
    }
}

fn signature(state: &State, v: &ContainersView) -> Option<Signature> {
    let c = &state.contexts[state.context_index(&v.context)?];
    let p = c.pods.get(&(v.namespace.clone(), v.pod.clone()))?;
    Some((p.status.clone(), p.ready, p.containers_total, p.restarts))
}

/// Opens the view on a pod (the caller has pushed the level it leaves).
pub fn open(state: &mut State, context: String, namespace: String, pod: String) -> Vec<Cmd> {
    let mut v = ContainersView {
        context,
        namespace,
        pod,
        rows: None,
        seen: None,
        cursor: None,
    };
    v.seen = signature(state, &v);
    let cmd = fetch(&v);
    state.drill.containers = Some(v);
    state.screen = Screen::Containers;
    vec![cmd]
}

/// Fetches again when the shown pod's row changed since the last fetch.
pub fn settle(state: &mut State) -> Vec<Cmd> {
    if state.screen != Screen::Containers {
        return vec![];
    }
    let Some(v) = state.drill.containers.as_ref() else {
        return vec![];
    };
    let now = signature(state, v);
    if now.is_none() || now == v.seen {
        return vec![];
    }
    let v = state.drill.containers.as_mut().expect("checked above");
    v.seen = now;
    vec![fetch(v)]
}

pub fn update(state: &mut State, msg: ContainersMsg) -> Vec<Cmd> {
    if let Some(v) =
        state.drill.containers.as_mut().filter(|v| {
            v.context == msg.context && v.namespace == msg.namespace && v.pod == msg.pod
        })
    {
        v.rows = Some(msg.result);
        state.dirty = true;
    }
    vec![]
}

/// Whether the pod is gone from its context's rows (the view says so over the last rows).
pub fn pod_gone(state: &State, v: &ContainersView) -> bool {
    state.context_index(&v.context).is_some_and(|i| {
        !state.contexts[i]
            .pods
            .contains_key(&(v.namespace.clone(), v.pod.clone()))
    })
}

pub fn selected_index(v: &ContainersView) -> usize {
    match (&v.rows, &v.cursor) {
        (Some(Ok(rows)), Some(name)) => rows.iter().position(|r| r.name == *name).unwrap_or(0),
        _ => 0,
    }
}

pub fn move_cursor(state: &mut State, delta: isize) {
    let Some(v) = state.drill.containers.as_mut() else {
        return;
    };
    let Some(Ok(rows)) = &v.rows else {
        return;
    };
    if rows.is_empty() {
        return;
    }
    let i = selected_index(v) as isize;
    let next = i.saturating_add(delta).clamp(0, rows.len() as isize - 1) as usize;
    v.cursor = Some(rows[next].name.clone());
}

/// The containers screen's keys: back up, the pod's owner, a shell in the container.
pub fn on_key(state: &mut State, key: &KeyEvent) -> Handled {
    match state.keymap.action_for(key) {
        Some(Action::Back) => {
            if !super::drill::back(state) {
                state.screen = Screen::Table;
            }
            Handled::Consumed(vec![])
        }
        Some(Action::Owner) => Handled::Consumed(super::drill::owner(state)),
        // The scale key is the shell key on pods and their containers.
        Some(Action::Scale) => Handled::Consumed(super::shell::on_shell_key(state)),
        _ => Handled::Ignored,
    }
}
