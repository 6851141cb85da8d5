use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use serde_json::json;

use super::*;
use crate::app::keys::Keymap;
use crate::app::msg::Msg;
use crate::app::state::ViewKind;
use crate::app::table;
use crate::app::update::update;
use crate::cluster::events::WatchState;
use crate::cluster::kubeconfig::ContextInfo;
use crate::cluster::rows::PodRow;

fn info(name: &str) -> ContextInfo {
    ContextInfo {
        name: name.into(),
        cluster: name.into(),
        user: "u".into(),
        namespace: None,
        server: String::new(),
        production: false,
    }
}

fn at(minute: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + minute * 60).unwrap()
}

fn ev(name: &str, type_: &str, reason: &str, pod: &str, minute: i64) -> EventRow {
    EventRow {
        namespace: "default".into(),
        name: name.into(),
        type_: type_.into(),
        reason: reason.into(),
        object_kind: "Pod".into(),
        object_namespace: "default".into(),
        object_name: pod.into(),
        count: 1,
        message: format!("{reason} {pod}"),
        last_seen: Some(at(minute)),
    }
}

fn pod(name: &str) -> PodRow {
    let p: k8s_openapi::api::core::v1::Pod = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "default"}, "spec": {"containers": [{"name": "c"}]}
    }))
    .unwrap();
    PodRow::from_pod(&p)
}

fn cluster(s: &mut State, context: &str, event: ClusterEvent) {
    update(
        s,
        Msg::Cluster(Box::new(SessionEvent {
            context: context.into(),
            event,
        })),
    );
}

fn press(s: &mut State, code: KeyCode) -> Vec<Cmd> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(s: &mut State, text: &str) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    for c in text.chars() {
        let m = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        cmds.extend(update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), m))));
    }
    cmds
}

fn state() -> State {
    let mut s = State::new(
        vec![info("prod"), info("stg")],
        vec![],
        crate::app::namespaces::Namespaces::all(),
        false,
        Keymap::default(),
    );
    s.now = at(100);
    for ctx in ["prod", "stg"] {
        cluster(
            &mut s,
            ctx,
            ClusterEvent::Pods(Delta::Reset(vec![pod("web-1"), pod("api-1")])),
        );
    }
    s
}

fn watch_cmds(cmds: &[Cmd]) -> Vec<EventsCmd> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Events(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn open_with_events(s: &mut State) {
    typed(s, ":events");
    press(s, KeyCode::Enter);
    cluster(
        s,
        "prod",
        ClusterEvent::Events(Delta::Reset(vec![
            ev("p1", "Normal", "Pulled", "web-1", 50),
            ev("p2", "Warning", "BackOff", "api-1", 10),
            ev("p3", "Normal", "Started", "web-1", 60),
        ])),
    );
    cluster(
        s,
        "stg",
        ClusterEvent::Events(Delta::Reset(vec![
            ev("s1", "Warning", "FailedScheduling", "web-1", 40),
            ev("s2", "Normal", "Scheduled", "api-1", 70),
        ])),
    );
}

fn order(s: &State) -> Vec<String> {
    visible(s).iter().map(|r| r.row.name.clone()).collect()
}

#[test]
fn opening_the_view_watches_every_shown_context_once() {
    let mut s = state();
    let cmds = typed(&mut s, ":ev");
    assert!(watch_cmds(&cmds).is_empty());
    let cmds = press(&mut s, KeyCode::Enter);
    assert_eq!(s.screen, Screen::Events);
    assert_eq!(
        watch_cmds(&cmds),
        vec![
            EventsCmd::Watch {
                context: "prod".into()
            },
            EventsCmd::Watch {
                context: "stg".into()
            }
        ]
    );
    let cmds = update(&mut s, Msg::Tick(at(101)));
    assert!(watch_cmds(&cmds).is_empty(), "already watching");
}

#[test]
fn only_the_focused_context_is_watched_when_not_merged() {
    let mut s = state();
    s.merged = false;
    s.focus = 1;
    let cmds = events_open(&mut s);
    assert_eq!(
        watch_cmds(&cmds),
        vec![EventsCmd::Watch {
            context: "stg".into()
        }]
    );
}

fn events_open(s: &mut State) -> Vec<Cmd> {
    typed(s, ":event");
    press(s, KeyCode::Enter)
}

#[test]
fn warnings_come_first_then_the_most_recent_across_contexts() {
    let mut s = state();
    open_with_events(&mut s);
    assert_eq!(order(&s), vec!["s1", "p2", "s2", "p3", "p1"]);
    typed(&mut s, "W");
    assert_eq!(order(&s), vec!["s1", "p2"], "warnings only");
    typed(&mut s, "W");
    assert_eq!(order(&s).len(), 5);
}

#[test]
fn unknown_times_sort_last_within_their_type() {
    let mut s = state();
    open_with_events(&mut s);
    let mut old = ev("p0", "Normal", "Killing", "web-1", 0);
    old.last_seen = None;
    cluster(&mut s, "prod", ClusterEvent::Events(Delta::Upsert(old)));
    assert_eq!(order(&s).last().map(String::as_str), Some("p0"));
}

#[test]
fn the_filter_is_the_views_own_and_leaves_the_tables_alone() {
    let mut s = state();
    open_with_events(&mut s);
    typed(&mut s, "/backoff");
    press(&mut s, KeyCode::Enter);
    assert_eq!(order(&s), vec!["p2"]);
    assert!(s.filter.is_empty(), "the table's filter is untouched");
    press(&mut s, KeyCode::Esc);
    assert_eq!(order(&s).len(), 5, "esc clears the filter first");
    assert_eq!(s.screen, Screen::Events);
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.screen, Screen::Table);
}

#[test]
fn enter_jumps_to_the_events_pod_and_esc_comes_back_to_the_same_event() {
    let mut s = state();
    open_with_events(&mut s);
    press(&mut s, KeyCode::Down);
    let on = s.events.cursor.clone().unwrap();
    assert_eq!(on.name, "p2");
    press(&mut s, KeyCode::Enter);
    assert_eq!((s.screen, s.view), (Screen::Table, ViewKind::Pods));
    let row = table::selected(&s).unwrap();
    assert_eq!(s.contexts[row.context()].name(), "prod");
    assert_eq!(row.key(), ("default".to_string(), "api-1".to_string()));
    assert!(is_open(&s), "the events view is still open below");
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.screen, Screen::Events);
    assert_eq!(s.events.cursor, Some(on));
}

#[test]
fn enter_on_an_event_of_a_kind_without_a_view_or_a_gone_object_says_so() {
    let mut s = state();
    open_with_events(&mut s);
    let mut rs = ev("p9", "Warning", "FailedCreate", "web-7d", 99);
    rs.object_kind = "ReplicaSet".into();
    cluster(&mut s, "prod", ClusterEvent::Events(Delta::Upsert(rs)));
    press(&mut s, KeyCode::Home);
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.screen, Screen::Events);
    assert!(
        s.notice
            .clone()
            .unwrap()
            .1
            .contains("ReplicaSet default/web-7d: the resource types of prod are not known yet"),
        "{:?}",
        s.notice
    );

    cluster(
        &mut s,
        "prod",
        ClusterEvent::Pods(Delta::Remove(("default".into(), "api-1".into()))),
    );
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    assert_eq!(s.events.cursor.as_ref().unwrap().name, "p2");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.screen, Screen::Events);
    assert_eq!(
        s.notice.clone().unwrap().1,
        "pod default/api-1 (prod) is gone"
    );
}

#[test]
fn watches_stop_a_while_after_the_view_closes_and_late_rows_are_ignored() {
    let mut s = state();
    open_with_events(&mut s);
    cluster(
        &mut s,
        "prod",
        ClusterEvent::Watch {
            resource: ResourceKind::Events,
            state: WatchState::Live,
        },
    );
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.screen, Screen::Table);
    let cmds = update(&mut s, Msg::Tick(at(100) + SignedDuration::from_secs(29)));
    assert!(watch_cmds(&cmds).is_empty(), "still inside the linger");
    assert_eq!(s.events.stores.len(), 2);
    let cmds = update(&mut s, Msg::Tick(at(100) + SignedDuration::from_secs(31)));
    assert_eq!(
        watch_cmds(&cmds),
        vec![
            EventsCmd::Unwatch {
                context: "prod".into()
            },
            EventsCmd::Unwatch {
                context: "stg".into()
            }
        ]
    );
    assert!(s.events.stores.is_empty(), "memory follows what is open");
    assert!(!s.contexts[0].watches.contains_key(&ResourceKind::Events));
    cluster(
        &mut s,
        "prod",
        ClusterEvent::Events(Delta::Upsert(ev("late", "Normal", "Pulled", "web-1", 1))),
    );
    assert!(
        s.events.stores.is_empty(),
        "a stopped watch's last delta brings nothing back"
    );
}

#[test]
fn reopening_inside_the_linger_keeps_the_watches() {
    let mut s = state();
    open_with_events(&mut s);
    press(&mut s, KeyCode::Esc);
    update(&mut s, Msg::Tick(at(100) + SignedDuration::from_secs(20)));
    let cmds = events_open(&mut s);
    assert!(watch_cmds(&cmds).is_empty(), "{cmds:?}");
    let cmds = update(&mut s, Msg::Tick(at(100) + SignedDuration::from_secs(60)));
    assert!(watch_cmds(&cmds).is_empty(), "open again: no stop");
    assert_eq!(order(&s).len(), 5);
}

#[test]
fn each_context_keeps_at_most_its_cap() {
    let mut s = state();
    s.events.cap = 2;
    open_with_events(&mut s);
    assert_eq!(
        order(&s),
        vec!["s1", "s2", "p3", "p1"],
        "prod's oldest (p2) dropped"
    );
    assert_eq!(counts(&s), (4, 1));
}

#[test]
fn tab_on_the_unmerged_events_view_follows_the_focus_and_esc_restores_it() {
    let mut s = state();
    s.merged = false;
    open_with_events(&mut s);
    assert_eq!(order(&s), vec!["p2", "p3", "p1"]);
    assert!(
        !s.events.stores.contains_key("stg"),
        "stg was not shown, nor watched"
    );
    let cmds = press(&mut s, KeyCode::Tab);
    assert_eq!(s.screen, Screen::Events);
    assert_eq!(
        watch_cmds(&cmds),
        vec![EventsCmd::Watch {
            context: "stg".into()
        }]
    );
    cluster(
        &mut s,
        "stg",
        ClusterEvent::Events(Delta::Reset(vec![ev(
            "s1",
            "Warning",
            "FailedScheduling",
            "web-1",
            40,
        )])),
    );
    assert_eq!(order(&s), vec!["s1"]);
    press(&mut s, KeyCode::Esc);
    assert_eq!((s.screen, s.focus), (Screen::Table, 0));
}

#[test]
fn a_view_command_from_the_events_view_goes_to_the_table() {
    let mut s = state();
    open_with_events(&mut s);
    typed(&mut s, ":deploy");
    press(&mut s, KeyCode::Enter);
    assert_eq!((s.screen, s.view), (Screen::Table, ViewKind::Deployments));
    assert!(!is_open(&s));
}
