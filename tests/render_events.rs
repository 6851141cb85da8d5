//! Render tests of the events view and the drill-down: the screen drawn into ratatui's
//! TestBackend from state built through `update`, asserted on text and on style.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Pod};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use serde_json::json;

use kockpit::app::containers::ContainersMsg;
use kockpit::app::msg::Msg;
use kockpit::app::state::{Screen, State};
use kockpit::app::update::update;
use kockpit::cluster::container_rows::ContainerRow;
use kockpit::cluster::event_rows::EventRow;
use kockpit::cluster::events::{
    ApiHealth, ClusterEvent, Delta, ResourceKind, SessionEvent, WatchState,
};
use kockpit::cluster::kubeconfig::ContextInfo;
use kockpit::cluster::rows::PodRow;
use kockpit::settings::keymap;
use kockpit::ui::{screen, theme};

fn info(name: &str) -> ContextInfo {
    ContextInfo {
        name: name.into(),
        cluster: name.into(),
        user: format!("{name}-admin"),
        namespace: None,
        server: "https://127.0.0.1:1".into(),
        production: name == "prod",
    }
}

fn now() -> Timestamp {
    "2026-11-23T03:00:00Z".parse().unwrap()
}

fn send(s: &mut State, context: &str, event: ClusterEvent) {
    update(
        s,
        Msg::Cluster(Box::new(SessionEvent {
            context: context.into(),
            event,
        })),
    );
}

fn keys(s: &mut State, text: &str) {
    for c in text.chars() {
        let m = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), m)));
    }
}

fn press(s: &mut State, code: KeyCode) {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn event(
    ctx: &str,
    name: &str,
    type_: &str,
    reason: &str,
    pod: &str,
    last: &str,
    msg: &str,
) -> EventRow {
    let e: Event = serde_json::from_value(json!({
        "metadata": {"name": format!("{pod}.{name}"), "namespace": "dev"},
        "involvedObject": {"kind": "Pod", "namespace": "dev", "name": format!("{pod}-{ctx}")},
        "type": type_, "reason": reason, "message": msg,
        "firstTimestamp": "2026-11-23T02:00:00Z", "lastTimestamp": last, "count": 3
    }))
    .unwrap();
    EventRow::from_event(&e)
}

fn pod(name: &str) -> PodRow {
    let p: Pod = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "dev"}, "spec": {"containers": [{"name": "c"}]}
    }))
    .unwrap();
    PodRow::from_pod(&p)
}

fn state() -> State {
    let (km, _) = keymap::load(None, None);
    let mut s = State::new(
        vec![info("prod"), info("stg")],
        vec!["prod".into(), "stg".into()],
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    );
    s.now = now();
    for ctx in ["prod", "stg"] {
        send(
            &mut s,
            ctx,
            ClusterEvent::Api(ApiHealth::Reachable {
                latency: Duration::from_millis(9),
            }),
        );
        send(
            &mut s,
            ctx,
            ClusterEvent::Pods(Delta::Reset(vec![pod(&format!("flaky-api-{ctx}"))])),
        );
    }
    s
}

fn render(state: &State, width: u16, height: u16) -> Buffer {
    let (th, _) = theme::load(None, None);
    let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
    t.draw(|f| screen::draw(f, state, &th)).unwrap();
    t.backend().buffer().clone()
}

fn lines(b: &Buffer) -> Vec<String> {
    let w = b.area.width as usize;
    b.content
        .chunks(w)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect()
}

fn line_of(b: &Buffer, needle: &str) -> usize {
    lines(b)
        .iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} on screen:\n{}", lines(b).join("\n")))
}

#[test]
fn events_of_two_contexts_merged_show_the_warning_above_normal_events_in_the_warning_style() {
    let mut s = state();
    keys(&mut s, ":events");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.screen, Screen::Events);
    for ctx in ["prod", "stg"] {
        send(
            &mut s,
            ctx,
            ClusterEvent::Watch {
                resource: ResourceKind::Events,
                state: WatchState::Live,
            },
        );
    }
    send(
        &mut s,
        "prod",
        ClusterEvent::Events(Delta::Reset(vec![
            event(
                "prod",
                "a",
                "Normal",
                "Pulled",
                "flaky-api",
                "2026-11-23T02:59:30Z",
                "Container image \"busybox:1.36\" already present on machine",
            ),
            event(
                "prod",
                "b",
                "Warning",
                "BackOff",
                "flaky-api",
                "2026-11-23T02:50:00Z",
                "Back-off restarting failed container\u{1b}[2J",
            ),
        ])),
    );
    send(
        &mut s,
        "stg",
        ClusterEvent::Events(Delta::Reset(vec![event(
            "stg",
            "c",
            "Normal",
            "Started",
            "flaky-api",
            "2026-11-23T02:59:50Z",
            "Started container flaky-api",
        )])),
    );
    let b = render(&s, 170, 24);
    let all = lines(&b).join("\n");
    let header = line_of(&b, "LAST SEEN");
    for col in [
        "CONTEXT",
        "NAMESPACE",
        "TYPE",
        "REASON",
        "OBJECT",
        "COUNT",
        "MESSAGE",
    ] {
        assert!(lines(&b)[header].contains(col), "{col} missing:\n{all}");
    }
    let backoff = line_of(&b, "BackOff");
    let started = line_of(&b, "Started container");
    let pulled = line_of(&b, "Pulled");
    assert!(
        header < backoff && backoff < started && started < pulled,
        "warning first, then most recent:\n{all}"
    );
    let row = &lines(&b)[backoff];
    assert!(
        row.contains("prod") && row.contains("pod/flaky-api-prod") && row.contains("10m"),
        "{row}"
    );
    assert!(
        lines(&b)[started].contains("stg"),
        "both contexts merged:\n{all}"
    );
    assert!(!all.contains('\u{1b}'), "sanitised");
    assert!(
        all.contains("prod, stg › events[3]"),
        "breadcrumb title:\n{all}"
    );

    // Warning rows carry the warning style (the selected row is highlighted instead: move off it).
    press(&mut s, KeyCode::Down);
    let b = render(&s, 170, 24);
    let (th, _) = theme::load(None, None);
    let x = lines(&b)[backoff].find("BackOff").unwrap() as u16;
    let cell = &b[(x, backoff as u16)];
    assert_eq!(
        Some(cell.fg),
        th.status_warn.fg,
        "BackOff in the warning colour"
    );
    let x = lines(&b)[pulled].find("Pulled").unwrap() as u16;
    assert_ne!(Some(b[(x, pulled as u16)].fg), th.status_warn.fg);

    keys(&mut s, "W");
    let b = render(&s, 170, 24);
    let all = lines(&b).join("\n");
    assert!(
        all.contains("warnings only") && !all.contains("Pulled"),
        "{all}"
    );
}

#[test]
fn a_context_that_may_not_list_events_shows_the_one_line_notice() {
    let mut s = state();
    keys(&mut s, ":ev");
    press(&mut s, KeyCode::Enter);
    send(
        &mut s,
        "stg",
        ClusterEvent::Watch {
            resource: ResourceKind::Events,
            state: WatchState::Forbidden(
                "forbidden: cannot list events at cluster scope as pod-reader".into(),
            ),
        },
    );
    let b = render(&s, 150, 20);
    line_of(
        &b,
        "stg: forbidden: cannot list events at cluster scope as pod-reader",
    );
}

#[test]
fn a_pods_containers_show_under_the_breadcrumb_with_init_marked() {
    let mut s = state();
    keys(&mut s, "M");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.screen, Screen::Containers);
    let p: Pod = serde_json::from_value(json!({
        "metadata": {"name": "flaky-api-prod", "namespace": "dev"},
        "spec": {"initContainers": [{"name": "migrate", "image": "migrate:1"}],
                 "containers": [{"name": "flaky-api", "image": "busybox:1.36", "ports": [{"name": "http", "containerPort": 8080}]}]},
        "status": {"initContainerStatuses": [{"name": "migrate", "ready": false, "restartCount": 0, "image": "", "imageID": "", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
                   "containerStatuses": [{"name": "flaky-api", "ready": false, "restartCount": 4, "image": "", "imageID": "",
                       "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}
    }))
    .unwrap();
    update(
        &mut s,
        Msg::Containers(ContainersMsg {
            context: "prod".into(),
            namespace: "dev".into(),
            pod: "flaky-api-prod".into(),
            result: Ok(ContainerRow::from_pod(&p)),
        }),
    );
    let b = render(&s, 170, 20);
    let all = lines(&b).join("\n");
    assert!(
        all.contains("prod › pod dev/flaky-api-prod › containers[2]"),
        "{all}"
    );
    let init = line_of(&b, "migrate");
    let main = line_of(&b, "Waiting: CrashLoopBackOff");
    assert!(init < main, "init containers first:\n{all}");
    assert!(
        lines(&b)[init].contains("init")
            && lines(&b)[init].contains("Terminated: Completed (exit 0)")
    );
    assert!(
        lines(&b)[main].contains("Error (exit 1)") && lines(&b)[main].contains("http:8080/TCP"),
        "{all}"
    );
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.screen, Screen::Table);
    let b = render(&s, 170, 20);
    line_of(&b, "Pods(prod)");
}
