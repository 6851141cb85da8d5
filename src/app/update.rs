//! `update`: the only place the state changes. No I/O: side effects go out as `Cmd`s.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::keys::{Action, is_mutation};

use super::command::{self, Command};
use super::filter::{LabelFilter, TextFilter};
use super::msg::{Cmd, Fetch, Msg};
use super::state::{Level, Overlay, Prompt, Screen, State, ViewKind};
use super::table;

pub fn update(state: &mut State, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) => {
            state.dirty = true;
            on_key(state, key)
        }
        Msg::Resize => {
            state.dirty = true;
            vec![]
        }
        Msg::Cluster(ev) => {
            let ev = *ev;
            if let Some(i) = state.context_index(&ev.context) {
                // No table work per event: thousands arrive per second. The view clamps the selection.
                state.contexts[i].apply(ev.event);
                state.dirty = true;
            }
            vec![]
        }
        Msg::Tick(now) => {
            // Ages are shown to the second below two minutes: a tick is a visible change.
            state.now = now;
            state.dirty = true;
            vec![]
        }
        Msg::Fetched { title, result } => {
            if state.overlay.as_ref().is_some_and(|o| o.title == title) {
                let text = result.unwrap_or_else(|e| format!("Could not fetch {title}:\n{e}"));
                state.overlay = Some(Overlay {
                    title,
                    text: Some(text),
                    scroll: 0,
                });
                state.dirty = true;
            }
            vec![]
        }
        Msg::ContextOpened(info) => {
            if state.context_index(&info.name).is_none() {
                state.contexts.push(super::state::ContextState::new(info));
            }
            state.focus = state.contexts.len() - 1;
            state.selected = 0;
            state.dirty = true;
            vec![]
        }
        Msg::Logs(m) => super::logs::update(state, m),
        Msg::Forward(m) => super::forwards::update(state, m),
        Msg::Recovery(m) => super::recovery::update(state, m),
        Msg::ConfigProblem(text) => {
            state.notice = Some((Level::Warn, text));
            state.dirty = true;
            vec![]
        }
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
    // Ctrl-C always quits, whatever layer is on top: an operator must never be trapped.
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        state.quit = true;
        return vec![];
    }
    // A question in front of a mutation takes every key until answered.
    if state.confirm.is_some() {
        return super::recovery::on_confirm_key(state, key);
    }
    if state.prompt.is_some() {
        return on_prompt_key(state, key);
    }
    if state.results.is_some() {
        if matches!(
            state.keymap.action_for(&key),
            Some(Action::Back | Action::Quit)
        ) || key.code == KeyCode::Enter
        {
            state.results = None;
        }
        return vec![];
    }
    if state.help {
        if matches!(
            state.keymap.action_for(&key),
            Some(Action::Back | Action::Help | Action::Quit)
        ) {
            state.help = false;
        }
        return vec![];
    }
    match state.screen {
        Screen::Drain => return super::recovery::on_wizard_key(state, key),
        Screen::Rollouts => return on_rollouts_key(state, key),
        Screen::Logs => return super::logs::on_key(state, key),
        Screen::Forwards => return super::forwards::on_key(state, key),
        Screen::Table => {}
    }
    let action = state.keymap.action_for(&key);
    if let Some(o) = state.overlay.as_mut() {
        match action {
            Some(Action::Back | Action::Quit) => state.overlay = None,
            Some(Action::Up) => o.scroll = o.scroll.saturating_sub(1),
            Some(Action::Down) => o.scroll = o.scroll.saturating_add(1),
            Some(Action::PageUp) => o.scroll = o.scroll.saturating_sub(20),
            Some(Action::PageDown) => o.scroll = o.scroll.saturating_add(20),
            Some(Action::Top) => o.scroll = 0,
            _ => {}
        }
        return vec![];
    }
    let Some(action) = action else { return vec![] };
    if is_mutation(action) {
        if state.readonly {
            state.notice = Some((
                Level::Warn,
                format!(
                    "read-only: {} is disabled (started with --readonly)",
                    action.name().replace('_', " ")
                ),
            ));
            return vec![];
        }
        return super::recovery::on_mutation_key(state, action);
    }
    on_action(state, action)
}

/// Keys on the rollout watch: leave it, switch views, or quit; everything else is the table's.
fn on_rollouts_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
    match state.keymap.action_for(&key) {
        Some(Action::Back | Action::Rollouts) => state.screen = Screen::Table,
        Some(Action::Quit) => state.quit = true,
        Some(Action::Help) => state.help = true,
        Some(a @ (Action::NextContext | Action::PrevContext | Action::ToggleMergedContexts)) => {
            return on_action(state, a);
        }
        _ => {}
    }
    vec![]
}

fn move_selection(state: &mut State, delta: isize) {
    let n = table::visible(state).len();
    if n == 0 {
        state.selected = 0;
        return;
    }
    let next = (state.selected as isize + delta).clamp(0, n as isize - 1);
    state.selected = next as usize;
}

fn switch_view(state: &mut State, view: ViewKind) {
    state.view = view;
    state.selected = 0;
    let sortable = table::sortable(view, state.merged);
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
        Action::Up => move_selection(state, -1),
        Action::Down => move_selection(state, 1),
        Action::PageUp => move_selection(state, -20),
        Action::PageDown => move_selection(state, 20),
        Action::Top => state.selected = 0,
        Action::Bottom => move_selection(state, isize::MAX / 2),
        Action::Back => {
            if !state.filter.is_empty() || state.labels.is_some() {
                state.filter = TextFilter::default();
                state.labels = None;
                state.selected = 0;
            } else {
                state.notice = None;
            }
        }
        Action::NextContext | Action::PrevContext => {
            if !state.contexts.is_empty() {
                let n = state.contexts.len();
                state.focus = if action == Action::NextContext {
                    (state.focus + 1) % n
                } else {
                    (state.focus + n - 1) % n
                };
                state.selected = 0;
            }
        }
        Action::ToggleMergedContexts => {
            state.merged = !state.merged;
            switch_view(state, state.view);
        }
        Action::ViewNodes => switch_view(state, ViewKind::Nodes),
        Action::ViewDeployments => switch_view(state, ViewKind::Deployments),
        Action::ViewPods => switch_view(state, ViewKind::Pods),
        Action::SortNext => {
            let cols = table::sortable(state.view, state.merged);
            let i = cols
                .iter()
                .position(|c| *c == state.sort.column)
                .map_or(0, |i| (i + 1) % cols.len());
            state.sort.column = cols[i];
        }
        Action::SortReverse => state.sort.reverse = !state.sort.reverse,
        Action::Describe | Action::Yaml => return fetch(state, action == Action::Yaml),
        Action::Logs => return super::logs::open_for_selection(state),
        Action::PortForward => return super::forwards::open_dialog(state),
        Action::Forwards => state.screen = Screen::Forwards,
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
    let rows = table::visible(state);
    let Some(row) = rows.get(state.selected) else {
        return vec![];
    };
    let context = state.contexts[row.context()].info.name.clone();
    let kind = row.kind();
    let (namespace, name) = row.key();
    let what = if yaml { "YAML" } else { "Describe" };
    let shown = if namespace.is_empty() {
        name.clone()
    } else {
        format!("{namespace}/{name}")
    };
    let title = format!("{what} {} {shown} ({context})", kind.to_lowercase());
    state.overlay = Some(Overlay {
        title: title.clone(),
        text: None,
        scroll: 0,
    });
    let what = if yaml { Fetch::Yaml } else { Fetch::Describe };
    vec![Cmd::Fetch {
        what,
        title,
        context,
        kind,
        namespace,
        name,
    }]
}

fn on_prompt_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
    let Some(prompt) = state.prompt.as_mut() else {
        return vec![];
    };
    let text = match prompt {
        Prompt::Command(t)
        | Prompt::Filter(t)
        | Prompt::LabelFilter(t)
        | Prompt::Scale { text: t, .. } => t,
    };
    match key.code {
        KeyCode::Esc => {
            if matches!(state.prompt, Some(Prompt::Filter(_))) {
                state.filter = TextFilter::default();
            }
            state.prompt = None;
            return vec![];
        }
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
        KeyCode::Tab => {
            if let Some(Prompt::Command(t)) = &state.prompt {
                let namespaces = namespaces(state);
                if let Some(done) = command::complete(t, &state.known_contexts, &namespaces) {
                    state.prompt = Some(Prompt::Command(done));
                }
            }
            return vec![];
        }
        KeyCode::Enter => {
            let prompt = state.prompt.take().expect("prompt is open");
            return submit(state, prompt);
        }
        _ => return vec![],
    }
    // The `/` filter applies as it is typed, as in k9s.
    if let Some(Prompt::Filter(t)) = &state.prompt {
        state.filter = TextFilter::new(t);
        state.selected = 0;
    }
    vec![]
}

fn namespaces(state: &State) -> Vec<String> {
    let mut ns: Vec<String> = state
        .focused()
        .map(|c| c.pods.keys().map(|(ns, _)| ns.clone()).collect())
        .unwrap_or_default();
    ns.dedup();
    ns
}

fn submit(state: &mut State, prompt: Prompt) -> Vec<Cmd> {
    match prompt {
        Prompt::Scale {
            context,
            namespace,
            name,
            text,
        } => {
            match text.trim().parse::<i32>() {
                Ok(replicas) if replicas >= 0 => super::recovery::ask(
                    state,
                    format!("Scale deployment {namespace}/{name} on {context} to {replicas}"),
                    vec![format!("set spec.replicas to {replicas}")],
                    if replicas == 0 {
                        vec!["0 replicas: every pod of the deployment goes away".into()]
                    } else {
                        vec![]
                    },
                    super::recovery::Mutation::Scale {
                        context,
                        namespace,
                        name: name.clone(),
                        replicas,
                    },
                    &name,
                ),
                _ => {
                    state.notice = Some((
                        Level::Error,
                        format!("scale: '{text}' is not a replica count (a whole number ≥ 0)"),
                    ))
                }
            }
            vec![]
        }
        Prompt::Filter(t) => {
            state.filter = TextFilter::new(&t);
            state.selected = 0;
            vec![]
        }
        Prompt::LabelFilter(t) => {
            if t.trim().is_empty() {
                state.labels = None;
            } else {
                match LabelFilter::parse(&t) {
                    Ok(l) => state.labels = Some(l),
                    Err(e) => state.notice = Some((Level::Error, e)),
                }
            }
            state.selected = 0;
            vec![]
        }
        Prompt::Command(t) => match command::parse(&t) {
            Ok(Command::Nodes) => {
                switch_view(state, ViewKind::Nodes);
                vec![]
            }
            Ok(Command::Deployments) => {
                switch_view(state, ViewKind::Deployments);
                vec![]
            }
            Ok(Command::Pods) => {
                switch_view(state, ViewKind::Pods);
                vec![]
            }
            Ok(Command::Quit) => {
                state.quit = true;
                vec![]
            }
            Ok(Command::Help) => {
                state.help = true;
                vec![]
            }
            Ok(Command::Logs(args)) => super::logs::open_from_command(state, &args),
            Ok(Command::Drain(nodes)) => {
                super::recovery::open_drain(state, nodes);
                vec![]
            }
            Ok(Command::Forwards) => {
                state.screen = Screen::Forwards;
                vec![]
            }
            Ok(Command::PortForward(args)) => super::forwards::open_from_command(state, &args),
            Ok(Command::Namespace(ns)) => {
                state.namespace = ns;
                state.selected = 0;
                vec![]
            }
            Ok(Command::Context(None)) => {
                let live: Vec<&str> = state.contexts.iter().map(|c| c.name()).collect();
                state.notice = Some((
                    Level::Info,
                    format!(
                        "live: {} · in kubeconfig: {}",
                        live.join(", "),
                        state.known_contexts.join(", ")
                    ),
                ));
                vec![]
            }
            Ok(Command::Context(Some(name))) => {
                if let Some(i) = state.context_index(&name) {
                    state.focus = i;
                    state.selected = 0;
                    vec![]
                } else if state.known_contexts.contains(&name) {
                    vec![Cmd::OpenContext(name)]
                } else {
                    state.notice = Some((
                        Level::Error,
                        format!("no context named {name} in the kubeconfig"),
                    ));
                    vec![]
                }
            }
            Err(e) => {
                state.notice = Some((Level::Error, e));
                vec![]
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::events::{ClusterEvent, Delta, SessionEvent};
    use crate::cluster::kubeconfig::ContextInfo;
    use crate::cluster::rows::PodRow;
    use crate::settings::keymap;

    fn info(name: &str) -> ContextInfo {
        ContextInfo {
            name: name.into(),
            cluster: name.into(),
            user: "u".into(),
            namespace: None,
            server: String::new(),
            production: name == "prod",
        }
    }

    fn pod(name: &str) -> PodRow {
        let p: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({"metadata":{"name":name,"namespace":"default"},"spec":{"containers":[{"name":"c"}]}})).unwrap();
        PodRow::from_pod(&p)
    }

    fn state(readonly: bool) -> State {
        let (km, _) = keymap::load(None, None);
        let mut s = State::new(
            vec![info("prod"), info("stg")],
            vec!["prod".into(), "stg".into(), "prod-pod-reader".into()],
            None,
            readonly,
            km,
        );
        for ctx in ["prod", "stg"] {
            update(
                &mut s,
                Msg::Cluster(Box::new(SessionEvent {
                    context: ctx.into(),
                    event: ClusterEvent::Pods(Delta::Reset(vec![
                        pod(&format!("nginx-{ctx}")),
                        pod(&format!("keycloak-{ctx}")),
                    ])),
                })),
            );
        }
        s
    }

    fn key(c: char) -> Msg {
        Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            if c.is_ascii_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            },
        ))
    }

    fn code(c: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    #[test]
    fn typing_a_filter_narrows_rows_as_it_is_typed_and_esc_clears_it() {
        let mut s = state(false);
        assert_eq!(table::visible(&s).len(), 4);
        update(&mut s, key('/'));
        for c in "keycl".chars() {
            update(&mut s, key(c));
        }
        assert_eq!(table::visible(&s).len(), 2);
        update(&mut s, code(KeyCode::Enter));
        assert!(s.prompt.is_none());
        assert_eq!(table::visible(&s).len(), 2);
        update(&mut s, code(KeyCode::Esc));
        assert_eq!(table::visible(&s).len(), 4);
    }

    #[test]
    fn tab_moves_focus_and_merge_toggle_shows_one_context() {
        let mut s = state(false);
        assert!(s.merged);
        update(&mut s, key('M'));
        assert!(!s.merged);
        assert_eq!(table::visible(&s).len(), 2);
        update(&mut s, code(KeyCode::Tab));
        assert_eq!(s.focus, 1);
        assert!(table::visible(&s).iter().all(|r| r.context() == 1));
    }

    #[test]
    fn mutation_keys_in_readonly_mode_only_say_so() {
        let mut s = state(true);
        let cmds = update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::CONTROL)),
        );
        assert!(cmds.is_empty());
        let (level, text) = s.notice.clone().unwrap();
        assert_eq!(level, Level::Warn);
        assert!(text.starts_with("read-only"), "{text}");
    }

    #[test]
    fn enter_asks_for_a_fresh_describe_of_the_selected_row() {
        let mut s = state(false);
        let cmds = update(&mut s, code(KeyCode::Enter));
        assert_eq!(cmds.len(), 1);
        assert!(
            matches!(&cmds[0], Cmd::Fetch { what: Fetch::Describe, kind: "Pod", namespace, .. } if namespace == "default")
        );
        assert!(s.overlay.as_ref().unwrap().text.is_none());
    }

    #[test]
    fn ctx_command_focuses_a_live_context_or_opens_a_known_one() {
        let mut s = state(false);
        for c in ":ctx stg".chars() {
            update(&mut s, key(c));
        }
        update(&mut s, code(KeyCode::Enter));
        assert_eq!(s.focus, 1);
        for c in ":ctx prod-pod-reader".chars() {
            update(&mut s, key(c));
        }
        let cmds = update(&mut s, code(KeyCode::Enter));
        assert_eq!(cmds, vec![Cmd::OpenContext("prod-pod-reader".into())]);
    }

    #[test]
    fn command_tab_completes_context_names() {
        let mut s = state(false);
        for c in ":ctx prod-p".chars() {
            update(&mut s, key(c));
        }
        update(&mut s, code(KeyCode::Tab));
        assert_eq!(
            s.prompt,
            Some(Prompt::Command("ctx prod-pod-reader".into()))
        );
    }

    #[test]
    fn ctrl_c_quits_even_from_a_prompt() {
        let mut s = state(false);
        update(&mut s, key(':'));
        update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        );
        assert!(s.quit);
    }
}
