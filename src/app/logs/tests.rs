use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::msg::Msg;
use crate::app::update::update;
use crate::cluster::kubeconfig::ContextInfo;
use crate::cluster::logs::LogLine;
use crate::settings::keymap;

fn info(name: &str) -> ContextInfo {
    ContextInfo {
        name: name.into(),
        cluster: name.into(),
        user: "u".into(),
        namespace: None,
        server: "https://127.0.0.1".into(),
        production: false,
    }
}

fn state() -> State {
    let (km, _) = keymap::load(None, None);
    State::new(
        vec![info("prod"), info("stg")],
        vec!["prod".into(), "stg".into(), "dev".into()],
        crate::app::namespaces::Namespaces::all(),
        false,
        km,
    )
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn press(s: &mut State, code: KeyCode) -> Vec<Cmd> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        press(s, KeyCode::Char(c));
    }
}

fn lines(pane: u64, generation: u64, texts: &[&str]) -> Msg {
    Msg::Logs(LogMsg::Tail {
        pane,
        generation,
        event: TailEvent::Lines(
            texts
                .iter()
                .map(|t| LogLine {
                    pod: "web-abcde".into(),
                    container: "web".into(),
                    time: None,
                    text: t.to_string(),
                })
                .collect(),
        ),
    })
}

#[test]
fn logs_command_opens_one_pane_per_context_side_by_side_and_starts_tails() {
    let mut s = state();
    let cmds = open_from_command(
        &mut s,
        &words("-l app=nginx-ingress -n default --context prod,stg"),
    );
    assert_eq!(s.screen, Screen::Logs);
    assert_eq!(s.logs.order(), [1, 2]);
    let started: Vec<(u64, String)> = cmds
        .iter()
        .filter_map(|c| match c {
            Cmd::Logs(LogCmd::Start { pane, context, .. }) => Some((*pane, context.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(started, [(1, "prod".into()), (2, "stg".into())]);
    assert!(matches!(
        s.logs.layout,
        Some(Layout::Split {
            dir: Split::Horizontal,
            ..
        })
    ));
}

#[test]
fn a_context_not_live_yet_is_opened_first() {
    let mut s = state();
    let cmds = open_from_command(&mut s, &words("web-1 --context dev"));
    assert_eq!(cmds[0], Cmd::OpenContext("dev".into()));
    assert!(matches!(cmds[1], Cmd::Logs(LogCmd::Start { .. })));
    let bad = open_from_command(&mut s, &words("web-1 --context nope"));
    assert!(bad.is_empty());
    assert!(
        s.notice
            .as_ref()
            .unwrap()
            .1
            .contains("no context named nope")
    );
}

#[test]
fn lines_of_an_old_tail_are_ignored_after_since_restarts_it() {
    let mut s = state();
    open_from_command(&mut s, &words("-l app=web"));
    update(&mut s, lines(1, 0, &["a", "b"]));
    assert_eq!(s.logs.panes[&1].buffer.len(), 2);
    let cmds = press(&mut s, KeyCode::Char('s'));
    assert!(matches!(
        &cmds[..],
        [Cmd::Logs(LogCmd::Start { generation: 1, spec, .. })] if spec.since_seconds == Some(60)
    ));
    update(&mut s, lines(1, 0, &["late"]));
    assert_eq!(s.logs.panes[&1].buffer.len(), 0);
    update(&mut s, lines(1, 1, &["new"]));
    assert_eq!(s.logs.panes[&1].buffer.len(), 1);
}

#[test]
fn space_pauses_and_counts_new_lines_then_follows_again() {
    let mut s = state();
    open_from_command(&mut s, &words("-l app=web"));
    press(&mut s, KeyCode::Char(' '));
    update(&mut s, lines(1, 0, &["a", "b"]));
    assert_eq!(s.logs.panes[&1].state_label(), "paused +2 new");
    press(&mut s, KeyCode::Char('G'));
    assert_eq!(s.logs.panes[&1].state_label(), "following");
}

#[test]
fn split_asks_what_to_follow_prefilled_and_opens_below() {
    let mut s = state();
    open_from_command(&mut s, &words("-l app=web -n shop"));
    press(&mut s, KeyCode::Char('-'));
    assert_eq!(
        s.logs.input,
        Some(LogInput::NewPane(
            Split::Vertical,
            "-l app=web -n shop --context prod".into()
        ))
    );
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    typed(&mut s, "-l app=db");
    let cmds = press(&mut s, KeyCode::Enter);
    assert_eq!(cmds.len(), 1);
    assert_eq!(s.logs.order(), [1, 2]);
    assert_eq!(s.logs.focus, 2);
    assert!(matches!(
        s.logs.layout,
        Some(Layout::Split {
            dir: Split::Vertical,
            ..
        })
    ));
}

#[test]
fn close_stops_the_tail_and_the_last_close_returns_to_the_tables() {
    let mut s = state();
    open_from_command(&mut s, &words("-l app=web --context prod,stg"));
    assert_eq!(
        press(&mut s, KeyCode::Char('x')),
        [Cmd::Logs(LogCmd::Stop { pane: 2 })]
    );
    assert_eq!(s.logs.focus, 1);
    press(&mut s, KeyCode::Char('x'));
    assert_eq!(s.screen, Screen::Table);
    assert!(s.logs.layout.is_none());
}

#[test]
fn filter_applies_while_typed_and_search_pauses_on_a_match() {
    let mut s = state();
    open_from_command(&mut s, &words("-l app=web"));
    update(&mut s, lines(1, 0, &["GET /a", "POST /b", "GET /c"]));
    press(&mut s, KeyCode::Char('&'));
    typed(&mut s, "get");
    assert_eq!(s.logs.panes[&1].shown_count(), 2);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('/'));
    typed(&mut s, "/a");
    press(&mut s, KeyCode::Enter);
    let p = &s.logs.panes[&1];
    assert_eq!(p.current_match, Some(0));
    assert!(p.paused);
    assert_eq!(p.scroll, 1);
}

#[test]
fn save_prefills_a_path_and_sends_the_shown_text() {
    let mut s = state();
    open_from_command(&mut s, &words("-l app=web"));
    update(&mut s, lines(1, 0, &["one", "two"]));
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    let Some(LogInput::SavePath(path)) = s.logs.input.clone() else {
        panic!("save asks for a path");
    };
    assert!(path.contains("kockpit-prod-app_web-"), "{path}");
    let cmds = press(&mut s, KeyCode::Enter);
    assert_eq!(
        cmds,
        [Cmd::Logs(LogCmd::Save {
            path: path.into(),
            text: "abcde/web one\nabcde/web two\n".into()
        })]
    );
}

#[test]
fn pods_joining_and_going_are_marked_in_the_pane() {
    let mut s = state();
    open_from_command(&mut s, &words("-l app=web"));
    let ev = |event| {
        Msg::Logs(LogMsg::Tail {
            pane: 1,
            generation: 0,
            event,
        })
    };
    update(
        &mut s,
        ev(TailEvent::Joined {
            pod: "web-aaaaa".into(),
            container: "web".into(),
        }),
    );
    assert_eq!(s.logs.panes[&1].live_pods(), 1);
    update(
        &mut s,
        ev(TailEvent::Gone {
            pod: "web-aaaaa".into(),
        }),
    );
    let p = &s.logs.panes[&1];
    assert_eq!(p.live_pods(), 0);
    let texts: Vec<&str> = p.buffer.iter().map(|(_, l)| l.text.as_str()).collect();
    assert_eq!(
        texts,
        ["── web-aaaaa/web joined ──", "── pod web-aaaaa gone ──"]
    );
}
