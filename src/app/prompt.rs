//! The line typed at the bottom of the screen: commands (`:pods`, `:ctx stg`, `:drain N`),
//! the `/` filter, the `L` label filter and the scale count. Text entry, not bindings.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::command::{self, Command};
use super::filter::{LabelFilter, TextFilter};
use super::msg::Cmd;
use super::state::{Level, Prompt, Screen, State, ViewKind};
use super::table_keys::switch_view;

pub fn on_prompt_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
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
                set_filter(state, TextFilter::default());
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
                let kinds = super::kinds::words(state);
                if let Some(done) = command::complete(t, &state.known_contexts, &namespaces, &kinds)
                {
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
        let filter = TextFilter::new(t);
        set_filter(state, filter);
    }
    vec![]
}

/// The `/` filter belongs to the screen it was typed on: the events view has its own.
fn set_filter(state: &mut State, filter: TextFilter) {
    if state.screen == Screen::Events {
        super::events::set_filter(state, filter);
    } else {
        state.filter = filter;
        state.cursor = None;
    }
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
            kind,
            namespace,
            name,
            text,
        } => {
            match text.trim().parse::<i32>() {
                Ok(replicas) if replicas >= 0 && kind != "Deployment" => {
                    super::object_actions::ask_scale(
                        state, kind, &context, &namespace, &name, replicas,
                    )
                }
                Ok(replicas) if replicas >= 0 => super::confirm::ask(
                    state,
                    format!("Scale deployment {namespace}/{name} on {context} to {replicas}"),
                    vec![format!("set spec.replicas to {replicas}")],
                    if replicas == 0 {
                        vec!["0 replicas: every pod of the deployment goes away".into()]
                    } else {
                        vec![]
                    },
                    super::mutation::Mutation::Scale {
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
            set_filter(state, TextFilter::new(&t));
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
            state.cursor = None;
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
            Ok(Command::Object(what, args)) => super::edit::from_command(state, Some(what), &args),
            Ok(Command::Edit(args)) => super::edit::from_command(state, None, &args),
            Ok(Command::Exec(text)) => super::exec_command::from_command(state, &text),
            Ok(Command::Drain(nodes)) => {
                super::wizard::open_drain(state, nodes);
                vec![]
            }
            Ok(Command::Events) => super::events::open(state),
            Ok(Command::Forwards) => {
                state.screen = Screen::Forwards;
                vec![]
            }
            Ok(Command::Kinds) => {
                super::kinds::open_list(state);
                vec![]
            }
            Ok(Command::Resource(word)) => super::kinds::open(state, &word),
            Ok(Command::PortForward(args)) => super::forwards::open_from_command(state, &args),
            Ok(Command::Namespace(ns)) => {
                state.namespaces = ns;
                state.cursor = None;
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
                    state.cursor = None;
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
