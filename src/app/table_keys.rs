//! Keys on the resource tables: views, sorting, filters, describe/YAML, logs, port-forwards,
//! and the mutation keys (whose questions `row_actions` builds).

use super::edit::ObjectRef;
use super::filter::TextFilter;
use super::keys::{Action, is_mutation};
use super::msg::{Cmd, Fetch};
use super::mutation::refusal;
use super::state::{Level, Overlay, Prompt, Screen, State, ViewKind};
use super::table;

/// A tables' action on the table screen.
pub fn on_table_action(state: &mut State, action: Action) -> Vec<Cmd> {
    // One key, as in k9s: a shell on a pod, scale on what has replicas.
    if action == Action::Scale && matches!(table::selected(state), Some(table::RowRef::Pod(..))) {
        return super::shell::on_shell_key(state);
    }
    if is_mutation(action) {
        let verb = action.name().replace('_', " ");
        // Read-only contexts are refused by the question itself, which knows the object's context.
        if let Some(why) = refusal(state, &verb, std::iter::empty()) {
            state.notice = Some((Level::Warn, why));
            return vec![];
        }
        if action == Action::Edit {
            return super::edit::on_edit_key(state);
        }
        return super::row_actions::on_mutation_key(state, action);
    }
    on_action(state, action)
}

/// A view chosen by key or command: any drilled-down path is left behind.
pub fn switch_view(state: &mut State, view: ViewKind) {
    super::drill::reset(state);
    set_view(state, view);
}

/// Shows `view` (cursor on its first row), keeping the sort when the view has that column.
pub fn set_view(state: &mut State, view: ViewKind) {
    state.view = view;
    state.cursor = None;
    state.split.other_cursor = None;
    let sortable = table::sortable(state, view);
    if !sortable.contains(&state.sort.column) {
        state.sort.column = sortable[0];
        state.sort.reverse = false;
    }
}

fn on_action(state: &mut State, action: Action) -> Vec<Cmd> {
    match action {
        Action::Quit => state.quit = true,
        Action::Help => state.help = true,
        Action::CommandMode => state.prompt = Some(Prompt::Command(String::new())),
        Action::Filter => state.prompt = Some(Prompt::Filter(state.filter.text.clone())),
        Action::LabelFilter => {
            state.prompt = Some(Prompt::LabelFilter(
                state
                    .labels
                    .as_ref()
                    .map(|l| l.text.clone())
                    .unwrap_or_default(),
            ))
        }
        Action::Back => {
            if !state.filter.is_empty() || state.labels.is_some() {
                state.filter = TextFilter::default();
                state.labels = None;
                state.cursor = None;
            } else {
                // A drilled level goes back up; the top level only clears the notice.
                super::drill::back(state);
                state.notice = None;
            }
        }
        Action::NextContext | Action::PrevContext if state.split.panes.is_some() => {
            super::split::switch_side(state);
        }
        Action::NextContext | Action::PrevContext => {
            if !state.contexts.is_empty() {
                let n = state.contexts.len();
                state.focus = if action == Action::NextContext {
                    (state.focus + 1) % n
                } else {
                    (state.focus + n - 1) % n
                };
                state.cursor = None;
                // The events view follows the focus; a drilled path belongs to its context.
                if state.screen != Screen::Events {
                    super::drill::reset(state);
                }
            }
        }
        Action::ToggleMergedContexts if state.split.panes.is_some() => {
            state.split.panes = None;
            state.merged = true;
            set_view(state, state.view);
        }
        Action::ToggleMergedContexts => {
            state.merged = !state.merged;
            set_view(state, state.view);
        }
        Action::ToggleSplit => super::split::toggle(state),
        Action::ViewNodes => switch_view(state, ViewKind::Nodes),
        Action::ViewDeployments => switch_view(state, ViewKind::Deployments),
        Action::ViewPods => switch_view(state, ViewKind::Pods),
        Action::SortNext => {
            let cols = table::sortable(state, state.view);
            let i = cols
                .iter()
                .position(|c| *c == state.sort.column)
                .map_or(0, |i| (i + 1) % cols.len());
            state.sort.column = cols[i];
        }
        Action::SortReverse => state.sort.reverse = !state.sort.reverse,
        Action::Describe if state.view == ViewKind::Kinds => {
            if let Some(table::RowRef::Type(_, k)) = table::selected(state) {
                let word = k.qualified();
                return super::kinds::open(state, &word);
            }
        }
        Action::Describe | Action::Yaml => return fetch(state, action == Action::Yaml),
        Action::Drill => return super::drill::enter(state),
        Action::Owner => return super::drill::owner(state),
        Action::Events => return super::events::open(state),
        Action::Logs => return super::logs::open_for_selection(state),
        Action::PortForward => return super::forwards::open_dialog(state),
        Action::Forwards => state.screen = Screen::Forwards,
        Action::Wide => state.wide = !state.wide,
        Action::Kinds => super::kinds::open_list(state),
        Action::Rollouts => state.screen = Screen::Rollouts,
        _ => {
            state.notice = Some((
                Level::Info,
                format!("{action:?} is not available in this view"),
            ));
        }
    }
    vec![]
}

fn fetch(state: &mut State, yaml: bool) -> Vec<Cmd> {
    let Some(object) = super::edit::selected_object(state) else {
        return vec![];
    };
    let what = if yaml { Fetch::Yaml } else { Fetch::Describe };
    open_overlay(state, what, object)
}

/// Opens the describe / YAML / revealed overlay of `object` and asks for its text: rows of any
/// kind use this.
pub fn open_overlay(state: &mut State, what: Fetch, object: ObjectRef) -> Vec<Cmd> {
    let label = match what {
        Fetch::Describe => "Describe",
        Fetch::Yaml => "YAML",
        Fetch::Reveal => "Revealed",
    };
    let title = format!("{label} {}", object.shown());
    state.overlay = Some(Overlay {
        title: title.clone(),
        text: None,
        scroll: 0,
        waiting: "fetching…",
        object: Some(object.clone()),
    });
    vec![Cmd::Fetch {
        what,
        title,
        context: object.context,
        kind: object.kind,
        namespace: object.namespace,
        name: object.name,
    }]
}
