//! `update`: the only place the state changes. No I/O: side effects go out as `Cmd`s.

use crate::cluster::events::ClusterEvent;

use super::msg::{Cmd, Msg};
use super::state::{Level, State};
use super::table;

pub fn update(state: &mut State, msg: Msg) -> Vec<Cmd> {
    // Watch events come by the thousand: derived views settle once per burst (`settle`, called
    // by the loop), and around every message of any other kind, so a key acts on fresh rows.
    if matches!(msg, Msg::Cluster(_)) {
        return react(state, msg);
    }
    let mut cmds = settle(state);
    cmds.extend(react(state, msg));
    cmds.extend(settle(state));
    cmds
}

/// Recomputes what depends on many rows (the drain wizard's plan, and the drains fed by it),
/// once after a burst of messages.
pub fn settle(state: &mut State) -> Vec<Cmd> {
    super::split::settle(state);
    // A key may have changed the view, filter or sort: the index follows before anything reads it.
    super::view_index::sync(state);
    let mut cmds = super::wizard::drive::refresh(state);
    // A catalog that just arrived, or a context just shown, may let the open kind be watched.
    cmds.extend(super::kinds::sync_watches(state));
    cmds.extend(super::events::settle(state));
    cmds.extend(super::containers::settle(state));
    super::view_index::sync(state);
    cmds
}

fn react(state: &mut State, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(key) => {
            state.dirty = true;
            super::layers::on_key(state, key)
        }
        Msg::Resize => {
            state.dirty = true;
            vec![]
        }
        Msg::Cluster(ev) => {
            let Some(ev) = super::events::take(state, *ev) else {
                return vec![];
            };
            if let Some(i) = state.context_index(&ev.context) {
                // A kind's watch stopped a moment ago may still have events on their way.
                if let ClusterEvent::KindOpened { id, .. } = &ev.event
                    && !super::kinds::wanted(state, &ev.context, id)
                {
                    return vec![];
                }
                // Per event only identity checks: thousands arrive per second.
                super::confirm::cancel_if_gone(state, &ev.context, &ev.event);
                if let Some(w) = state.wizard.as_mut().filter(|w| w.context == ev.context) {
                    w.stale |= matches!(
                        ev.event,
                        ClusterEvent::Pods(_) | ClusterEvent::Pdbs(_) | ClusterEvent::Nodes(_)
                    );
                }
                table::apply_event(state, i, ev.event);
                state.dirty = true;
            }
            vec![]
        }
        Msg::Tick(now) => {
            // Ages are shown to the second below two minutes: a tick is a visible change.
            state.now = now;
            state.dirty = true;
            let mut cmds = super::wizard::drive::tick(state);
            cmds.extend(super::kinds::expire(state));
            cmds
        }
        Msg::Fetched { title, result } => {
            if let Some(o) = state.overlay.as_mut().filter(|o| o.title == title) {
                let text = result.unwrap_or_else(|e| format!("Could not fetch {title}:\n{e}"));
                o.text = Some(text);
                o.scroll = 0;
                state.dirty = true;
            }
            vec![]
        }
        Msg::ContextOpened(info) => {
            if state.context_index(&info.name).is_none() {
                state.contexts.push(super::state::ContextState::new(info));
            }
            state.focus = state.contexts.len() - 1;
            state.cursor = None;
            state.dirty = true;
            vec![]
        }
        Msg::Logs(m) => super::logs::update(state, m),
        Msg::Forward(m) => super::forwards::update(state, m),
        Msg::Recovery(m) => super::outcome::update(state, m),
        Msg::Containers(m) => super::containers::update(state, m),
        Msg::Edit(m) => super::edit::update(state, m),
        Msg::ShellEnded { pod, result } => {
            state.notice = Some(match result {
                Ok(how) => (Level::Info, format!("shell in {pod} ended: {how}")),
                Err(why) => (Level::Error, format!("shell in {pod}: {why}")),
            });
            state.dirty = true;
            vec![]
        }
        Msg::ConfigProblem(text) => {
            state.notice = Some((Level::Warn, text));
            state.dirty = true;
            vec![]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::Fetch;
    use crate::app::state::Prompt;
    use crate::cluster::events::{ClusterEvent, Delta, SessionEvent};
    use crate::cluster::rows::PodRow;
    use crate::settings::keymap;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::app::test_support::info;

    fn pod(name: &str) -> PodRow {
        let p: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({"metadata":{"name":name,"namespace":"default"},"spec":{"containers":[{"name":"c"}]}})).unwrap();
        PodRow::from_pod(&p)
    }

    fn state(readonly: bool) -> State {
        let (km, _) = keymap::load(None, None);
        let mut s = State::new(
            vec![info("prod"), info("stg")],
            vec!["prod".into(), "stg".into(), "prod-pod-reader".into()],
            crate::app::namespaces::Namespaces::all(),
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
    fn describe_asks_for_a_fresh_describe_of_the_selected_row() {
        let mut s = state(false);
        let cmds = update(&mut s, key('d'));
        assert_eq!(cmds.len(), 1);
        assert!(
            matches!(&cmds[0], Cmd::Fetch { what: Fetch::Describe, kind, namespace, .. } if kind.kind == "Pod" && namespace == "default")
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
