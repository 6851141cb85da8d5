//! Render tests of the port-forwards view and dialog: states, counters and reasons in the list,
//! ports prefilled from the selected object, and the warning for a non-loopback address.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::Pod;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use serde_json::json;

use kockpit::app::forward_dialog::Dialog;
use kockpit::app::forwards::{self, ForwardMsg, ForwardsState};
use kockpit::app::msg::Msg;
use kockpit::app::state::{Screen, State, ViewKind};
use kockpit::app::update::update;
use kockpit::cluster::events::{ClusterEvent, Delta};
use kockpit::cluster::forward::spec::LOOPBACK;
use kockpit::cluster::forward::{ForwardSpec, Phase, Snapshot, Target};
use kockpit::cluster::kubeconfig::ContextInfo;
use kockpit::cluster::rows::PodRow;
use kockpit::settings::keymap;
use kockpit::ui::{screen, theme};

fn state() -> State {
    let (km, _) = keymap::load(None, None);
    let info = ContextInfo {
        name: "prod".into(),
        cluster: "prod".into(),
        user: "admin".into(),
        namespace: None,
        server: "https://127.0.0.1:1".into(),
        production: true,
    };
    State::new(
        vec![info],
        vec!["prod".into()],
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    )
}

fn spec(name: &str, target: Target, local: u16, remote: u16) -> ForwardSpec {
    ForwardSpec {
        name: name.into(),
        context: "prod".into(),
        namespace: "kubeapps".into(),
        target,
        address: LOOPBACK,
        local_port: local,
        remote_port: remote,
    }
}

fn render(state: &State) -> (Buffer, String) {
    let (th, _) = theme::load(None, None);
    let mut t = Terminal::new(TestBackend::new(170, 24)).unwrap();
    t.draw(|f| screen::draw(f, state, &th)).unwrap();
    let b = t.backend().buffer().clone();
    let w = b.area.width as usize;
    let text = b
        .content
        .chunks(w)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n");
    (b, text)
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}:\n{text}"))
}

fn snapshot(phase: Phase, open: u64, total: u64, bytes_in: u64, bytes_out: u64) -> Snapshot {
    Snapshot {
        phase,
        open,
        total,
        bytes_in,
        bytes_out,
        pod: Some("kubeapps-7d9f-abcde".into()),
        last_error: None,
    }
}

#[test]
fn list_shows_each_forwards_state_counters_and_reason() {
    let mut s = state();
    s.forwards = ForwardsState::with_bookmarks(vec![
        spec("kubeapps", Target::Service("kubeapps".into()), 8080, 80),
        spec("web-pod", Target::Pod("web-0".into()), 9000, 8080),
        spec("waiting", Target::Service("api".into()), 9001, 80),
        spec("idle", Target::Deployment("api".into()), 9002, 80),
    ]);
    s.screen = Screen::Forwards;
    s.forwards.to_launch = vec!["kubeapps".into(), "web-pod".into(), "waiting".into()];
    forwards::launch(&mut s);
    let local = "127.0.0.1:8080".to_string();
    for id in 1..=3 {
        forwards::update(
            &mut s,
            ForwardMsg::Started {
                id,
                local: local.clone(),
            },
        );
    }
    forwards::update(
        &mut s,
        ForwardMsg::Report {
            id: 1,
            snapshot: snapshot(Phase::Listening, 2, 7, 14 * 1024 + 205, 812),
        },
    );
    forwards::update(
        &mut s,
        ForwardMsg::Report {
            id: 2,
            snapshot: snapshot(
                Phase::Failed("pod kubeapps/web-0 is gone (deleted or terminating)".into()),
                0,
                1,
                10,
                10,
            ),
        },
    );
    forwards::update(
        &mut s,
        ForwardMsg::Report {
            id: 3,
            snapshot: snapshot(
                Phase::Waiting("no ready pod behind svc/api in kubeapps: waiting for one".into()),
                0,
                0,
                0,
                0,
            ),
        },
    );
    let (b, text) = render(&s);
    let row = line_with(&text, "kubeapps/svc/kubeapps:80");
    for want in [
        "kubeapps",
        "prod",
        "127.0.0.1:8080",
        "connected (2)",
        "2/7",
        "14.2 KiB",
        "812 B",
        "→ pod kubeapps-7d9f-abcde",
    ] {
        assert!(row.contains(want), "{want} in {row}");
    }
    let failed = line_with(&text, "web-pod");
    assert!(
        failed.contains("failed") && failed.contains("pod kubeapps/web-0 is gone"),
        "{failed}"
    );
    let waiting = line_with(&text, "svc/api");
    assert!(
        waiting.contains("reconnecting") && waiting.contains("no ready pod behind svc/api"),
        "{waiting}"
    );
    assert!(line_with(&text, "deploy/api").contains("stopped"));
    assert!(text.contains("s stop"), "hint line:\n{text}");

    // Failure stands out in the theme's error style.
    let (th, _) = theme::load(None, None);
    let y = text.lines().position(|l| l.contains("web-pod")).unwrap() as u16;
    let x = failed
        .find("failed")
        .map(|i| failed[..i].chars().count())
        .unwrap() as u16;
    assert_eq!(b[(x, y)].fg, th.status_error.fg.unwrap_or_default());
}

#[test]
fn port_forward_key_on_a_pod_opens_the_dialog_with_its_ports() {
    let mut s = state();
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "kubeapps-1", "namespace": "kubeapps", "creationTimestamp": "2026-11-23T02:00:00Z"},
        "spec": {"containers": [{"name": "kubeapps", "ports": [{"name": "http", "containerPort": 8080}]}]},
        "status": {"phase": "Running"}
    }))
    .unwrap();
    s.contexts[0].apply(ClusterEvent::Pods(Delta::Reset(vec![PodRow::from_pod(
        &pod,
    )])));
    s.view = ViewKind::Pods;
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT)),
    );
    assert_eq!(s.screen, Screen::Forwards);
    let (_, text) = render(&s);
    assert!(
        text.contains("Forward to pod/kubeapps-1 in kubeapps (prod)"),
        "{text}"
    );
    assert!(line_with(&text, "ports (LOCAL:REMOTE)").contains("8080:8080"));
    assert!(line_with(&text, "local address").contains("127.0.0.1"));
    assert!(!text.contains("Warning"));
}

#[test]
fn non_loopback_address_shows_the_warning_before_it_starts() {
    let mut s = state();
    s.screen = Screen::Forwards;
    let mut d = Dialog::new(
        "prod",
        "kubeapps",
        Target::Service("kubeapps".into()),
        &[80],
    );
    d.address = "0.0.0.0".into();
    s.forwards.dialog = Some(d);
    let (_, text) = render(&s);
    assert!(line_with(&text, "ports (LOCAL:REMOTE)").contains("8080:80"));
    assert!(
        text.contains("Warning: 0.0.0.0 is reachable by other users of this machine"),
        "{text}"
    );
    let cmds = update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert!(cmds.is_empty(), "the first enter only confirms: {cmds:?}");
    let (_, text) = render(&s);
    assert!(text.contains("confirmed, enter starts it"), "{text}");
    let cmds = update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert_eq!(cmds.len(), 1);
}
