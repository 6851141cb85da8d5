//! The events view: the core/v1 Events of the shown contexts merged, warnings first, then the
//! most recently seen, as `kubectl get events` prints them. A watch per context runs while the
//! view is open — on screen, or below a level opened from it — and stops [`LINGER`] after it
//! closes, so memory follows what is open. `enter` jumps to the event's object.

mod store;

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

use crossterm::event::KeyEvent;
use jiff::{SignedDuration, Timestamp};

pub use store::EventStore;

use super::filter::TextFilter;
use super::keys::Action;
use super::layers::Handled;
use super::msg::Cmd;
use super::state::{Level, Prompt, Screen, State};
use crate::cluster::event_rows::EventRow;
use crate::cluster::events::{ClusterEvent, Delta, ResourceKind, SessionEvent};

/// Events kept per context unless the config says otherwise (`eventsPerContext`).
pub const DEFAULT_PER_CONTEXT: usize = 3000;
/// How long the watches outlive the view: a quick look elsewhere does not relist everything.
pub const LINGER: SignedDuration = SignedDuration::from_secs(30);

/// Watches on events, run by `exec::events`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventsCmd {
    Watch { context: String },
    Unwatch { context: String },
}

/// The event under the cursor: its context and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventId {
    pub context: String,
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct EventsState {
    /// Rows kept per context (`eventsPerContext`).
    pub cap: usize,
    /// Contexts whose events are watched (asked for, not yet told to stop).
    pub watching: BTreeSet<String>,
    /// When the view stopped being open, while watches still run.
    pub closed_at: Option<Timestamp>,
    pub stores: HashMap<String, EventStore>,
    pub warnings_only: bool,
    pub filter: TextFilter,
    pub cursor: Option<EventId>,
}

impl Default for EventsState {
    fn default() -> Self {
        EventsState {
            cap: DEFAULT_PER_CONTEXT,
            watching: BTreeSet::new(),
            closed_at: None,
            stores: HashMap::new(),
            warnings_only: false,
            filter: TextFilter::default(),
            cursor: None,
        }
    }
}

/// A row of the view: the context's index and its event.
#[derive(Debug, Clone, Copy)]
pub struct EventRef<'a> {
    pub context: usize,
    pub row: &'a EventRow,
}

impl EventRef<'_> {
    fn is(&self, state: &State, id: &EventId) -> bool {
        self.row.name == id.name
            && self.row.namespace == id.namespace
            && state.contexts[self.context].name() == id.context
    }

    pub fn id(&self, state: &State) -> EventId {
        EventId {
            context: state.contexts[self.context].name().to_string(),
            namespace: self.row.namespace.clone(),
            name: self.row.name.clone(),
        }
    }
}

/// Whether the events view is open: on screen, or a level opened from it is.
pub fn is_open(state: &State) -> bool {
    state.screen == Screen::Events
        || state
            .drill
            .crumbs
            .iter()
            .any(|c| c.back.screen == Screen::Events)
}

/// `:events`: opens the view over whatever is shown (esc comes back to it).
pub fn open(state: &mut State) -> Vec<Cmd> {
    if state.screen == Screen::Events {
        return vec![];
    }
    let names: Vec<&str> = state
        .shown_contexts()
        .iter()
        .filter_map(|&i| state.contexts.get(i))
        .map(|c| c.name())
        .collect();
    let root = names.join(", ");
    super::drill::push(state, &root, String::new());
    state.screen = Screen::Events;
    settle(state)
}

/// Starts the watches the open view needs and stops them all once it has been closed for
/// [`LINGER`]. Pure: runs after every burst of messages and on every tick.
pub fn settle(state: &mut State) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    if is_open(state) {
        state.events.closed_at = None;
        for i in state.shown_contexts() {
            let Some(name) = state.contexts.get(i).map(|c| c.name().to_string()) else {
                continue;
            };
            if state.events.watching.insert(name.clone()) {
                cmds.push(Cmd::Events(EventsCmd::Watch { context: name }));
            }
        }
        return cmds;
    }
    if state.events.watching.is_empty() {
        return cmds;
    }
    let closed = *state.events.closed_at.get_or_insert(state.now);
    if state.now.duration_since(closed) < LINGER {
        return cmds;
    }
    for context in std::mem::take(&mut state.events.watching) {
        state.events.stores.remove(&context);
        if let Some(i) = state.context_index(&context) {
            state.contexts[i].watches.remove(&ResourceKind::Events);
        }
        cmds.push(Cmd::Events(EventsCmd::Unwatch { context }));
    }
    state.events.closed_at = None;
    cmds
}

/// Takes a session's events delta into the stores; gives back any other event untouched.
pub fn take(state: &mut State, ev: SessionEvent) -> Option<SessionEvent> {
    let SessionEvent { context, event } = ev;
    match event {
        ClusterEvent::Events(delta) => {
            apply(state, &context, delta);
            None
        }
        // A stopped watch's last word must not mark its context as watched again.
        ClusterEvent::Watch {
            resource: ResourceKind::Events,
            ..
        } if !state.events.watching.contains(&context) => None,
        event => Some(SessionEvent { context, event }),
    }
}

fn apply(state: &mut State, context: &str, delta: Delta<EventRow>) {
    // A stopped watch may still have deltas in flight: they must not bring rows back.
    if !state.events.watching.contains(context) {
        return;
    }
    let cap = state.events.cap;
    state
        .events
        .stores
        .entry(context.to_string())
        .or_default()
        .apply(delta, cap);
    state.dirty |= state.screen == Screen::Events;
}

fn admits(state: &State, e: &EventRow) -> bool {
    let f = &state.events.filter;
    state.namespaces.admits(&e.namespace)
        && (!state.events.warnings_only || e.is_warning())
        && (f.is_empty()
            || [
                e.namespace.as_str(),
                &e.type_,
                &e.reason,
                &e.object(),
                &e.message,
            ]
            .iter()
            .any(|t| f.matches(t)))
}

/// The view's rows: the shown contexts' events, filtered; warnings first, then most recent.
pub fn visible(state: &State) -> Vec<EventRef<'_>> {
    let mut rows: Vec<EventRef> = Vec::new();
    for ci in state.shown_contexts() {
        let Some(store) = state
            .contexts
            .get(ci)
            .and_then(|c| state.events.stores.get(c.name()))
        else {
            continue;
        };
        rows.extend(
            store
                .rows()
                .filter(|e| admits(state, e))
                .map(|row| EventRef { context: ci, row }),
        );
    }
    sort(&mut rows);
    rows
}

/// Warnings above normal events; within each, the most recently seen first (unknown times
/// last); ties by context, namespace and name so the order never flickers.
pub fn sort(rows: &mut [EventRef]) {
    rows.sort_by(|a, b| {
        let key = |r: &EventRef| {
            (
                !r.row.is_warning(),
                Reverse(r.row.last_seen.is_some()),
                Reverse(r.row.last_seen),
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.context.cmp(&b.context))
            .then_with(|| (&a.row.namespace, &a.row.name).cmp(&(&b.row.namespace, &b.row.name)))
    });
}

pub fn selected_index(state: &State, rows: &[EventRef]) -> usize {
    state
        .events
        .cursor
        .as_ref()
        .and_then(|c| rows.iter().position(|r| r.is(state, c)))
        .unwrap_or(0)
}

pub fn move_cursor(state: &mut State, delta: isize) {
    let rows = visible(state);
    if rows.is_empty() {
        state.events.cursor = None;
        return;
    }
    let i = selected_index(state, &rows) as isize;
    let next = i.saturating_add(delta).clamp(0, rows.len() as isize - 1) as usize;
    state.events.cursor = Some(rows[next].id(state));
}

/// Events kept and dropped for the cap, over the shown contexts (for the title).
pub fn counts(state: &State) -> (usize, usize) {
    state
        .shown_contexts()
        .iter()
        .filter_map(|&i| state.contexts.get(i))
        .filter_map(|c| state.events.stores.get(c.name()))
        .fold((0, 0), |(n, d), s| (n + s.len(), d + s.dropped))
}

/// The events screen's keys: jump, warnings only, filter, back.
pub fn on_key(state: &mut State, key: &KeyEvent) -> Handled {
    match state.keymap.action_for(key) {
        Some(Action::Drill) => Handled::Consumed(jump(state)),
        Some(Action::WarningsOnly) => {
            state.events.warnings_only = !state.events.warnings_only;
            Handled::Consumed(vec![])
        }
        Some(Action::Filter) => {
            state.prompt = Some(Prompt::Filter(state.events.filter.text.clone()));
            Handled::Consumed(vec![])
        }
        Some(Action::Back) => {
            if !state.events.filter.is_empty() {
                set_filter(state, TextFilter::default());
            } else if !super::drill::back(state) {
                state.screen = Screen::Table;
            }
            Handled::Consumed(vec![])
        }
        _ => Handled::Ignored,
    }
}

/// The `/` filter of the events view (the prompt routes here while it is shown).
pub fn set_filter(state: &mut State, filter: TextFilter) {
    state.events.filter = filter;
    state.events.cursor = None;
}

/// `enter` on an event: its object in the cockpit's view for it, cursor on it.
fn jump(state: &mut State) -> Vec<Cmd> {
    let rows = visible(state);
    let Some(r) = rows.get(selected_index(state, &rows)).copied() else {
        state.notice = Some((Level::Info, "no event selected".into()));
        return vec![];
    };
    let context = state.contexts[r.context].name().to_string();
    let (kind, ns, name) = (
        r.row.object_kind.clone(),
        r.row.object_namespace.clone(),
        r.row.object_name.clone(),
    );
    super::drill::jump_to(state, &context, &kind, &ns, &name);
    vec![]
}

#[cfg(test)]
mod tests;
