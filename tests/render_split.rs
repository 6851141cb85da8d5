//! Render tests of the side-by-side split: two contexts' tables at 160x45 and 80x24, each with
//! its own rows and cursor, the focused side marked, and keys acting on the focused side.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Node, Pod};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use serde_json::json;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kockpit::app::msg::{Cmd, Msg};
use kockpit::app::state::{State, ViewKind};
use kockpit::app::update::update;
use kockpit::cluster::events::{ApiHealth, ClusterEvent, Delta, ResourceKind, WatchState};
use kockpit::cluster::kubeconfig::ContextInfo;
use kockpit::cluster::rows::{NodeRow, PodRow};
use kockpit::settings::keymap;
use kockpit::ui::{screen, theme};

fn info(name: &str, production: bool) -> ContextInfo {
    ContextInfo {
        name: name.into(),
        cluster: name.into(),
        user: format!("{name}-admin"),
        namespace: None,
        server: "https://127.0.0.1:1".into(),
        production,
    }
}

fn pod(ns: &str, name: &str, status: serde_json::Value) -> PodRow {
    let p: Pod = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": "2026-11-23T02:00:00Z"},
        "spec": {"nodeName": "ip-172-20-36-62", "containers": [{"name": "c"}]},
        "status": status,
    }))
    .unwrap();
    PodRow::from_pod(&p)
}

fn running() -> serde_json::Value {
    json!({"phase": "Running", "podIP": "100.96.1.5", "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": [{"name": "c", "ready": true, "restartCount": 0, "image": "x", "imageID": "", "state": {"running": {"startedAt": "2026-11-23T02:00:00Z"}}}]})
}

fn crashing() -> serde_json::Value {
    json!({"phase": "Running", "podIP": "100.96.1.6", "conditions": [{"type": "Ready", "status": "False"}], "containerStatuses": [{"name": "c", "ready": false, "restartCount": 7, "image": "x", "imageID": "", "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-23T02:58:00Z"}}}]})
}

fn node(name: &str) -> NodeRow {
    let n: Node = serde_json::from_value(json!({
        "metadata": {"name": name, "creationTimestamp": "2026-11-20T00:00:00Z"},
        "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.32.4", "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "", "osImage": "", "containerRuntimeVersion": "", "kubeProxyVersion": "", "operatingSystem": "", "architecture": ""}},
    }))
    .unwrap();
    NodeRow::from_node(&n)
}

/// prod (production) and stg, merged, each with its own pods and nodes.
fn demo_state() -> State {
    let (km, _) = keymap::load(None, None);
    let mut s = State::new(
        vec![info("prod", true), info("stg", false)],
        vec!["prod".into(), "stg".into()],
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    );
    s.now = "2026-11-23T03:00:00Z".parse::<Timestamp>().unwrap();
    for ctx in ["prod", "stg"] {
        let i = s.context_index(ctx).unwrap();
        let c = &mut s.contexts[i];
        c.apply(ClusterEvent::Api(ApiHealth::Reachable {
            latency: Duration::from_millis(12),
        }));
        for r in ResourceKind::ALL {
            c.apply(ClusterEvent::Watch {
                resource: r,
                state: WatchState::Live,
            });
        }
        c.apply(ClusterEvent::Pods(Delta::Reset(vec![
            pod("default", &format!("nginx-ingress-{ctx}-1"), running()),
            pod("default", &format!("nginx-ingress-{ctx}-2"), running()),
            pod("dev", &format!("flaky-api-{ctx}"), crashing()),
        ])));
        c.apply(ClusterEvent::Nodes(Delta::Reset(vec![
            node(&format!("{ctx}-node-a")),
            node(&format!("{ctx}-node-b")),
        ])));
    }
    s
}

fn press(s: &mut State, code: KeyCode) -> Vec<Cmd> {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    update(s, Msg::Key(KeyEvent::new(code, modifiers)))
}

fn split_state() -> State {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('|'));
    assert_eq!(s.split.panes, Some([0, 1]));
    s
}

fn render(state: &State, width: u16, height: u16) -> Buffer {
    let (th, _) = theme::load(None, None);
    let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
    t.draw(|f| screen::draw(f, state, &th)).unwrap();
    t.backend().buffer().clone()
}

fn lines(b: &Buffer) -> Vec<Vec<String>> {
    let w = b.area.width as usize;
    b.content
        .chunks(w)
        .map(|row| row.iter().map(|c| c.symbol().to_string()).collect())
        .collect()
}

/// Each screen line split at the middle: (left pane text, right pane text).
fn halves(b: &Buffer) -> Vec<(String, String)> {
    let mid = b.area.width as usize / 2;
    lines(b)
        .into_iter()
        .map(|l| (l[..mid].concat(), l[mid..].concat()))
        .collect()
}

fn text(b: &Buffer) -> String {
    lines(b)
        .into_iter()
        .map(|l| l.concat())
        .collect::<Vec<_>>()
        .join("\n")
}

/// (column, line) of the first cell of `needle` in the half `right` says.
fn find_in(b: &Buffer, right: bool, needle: &str) -> Option<(u16, u16)> {
    let mid = b.area.width / 2;
    for (y, (l, r)) in halves(b).iter().enumerate() {
        let half = if right { r } else { l };
        if let Some(x) = half.find(needle) {
            let col = half[..x].chars().count() as u16;
            return Some((if right { mid + col } else { col }, y as u16));
        }
    }
    None
}

fn assert_two_tables(b: &Buffer, prod_name: &str, stg_name: &str) {
    let t = text(b);
    assert!(
        !t.contains("CONTEXT"),
        "a split has no CONTEXT column:\n{t}"
    );
    let halves = halves(b);
    assert!(
        halves.iter().any(|(l, _)| l.contains(prod_name)),
        "prod's rows on the left:\n{t}"
    );
    assert!(
        halves.iter().any(|(_, r)| r.contains(stg_name)),
        "stg's rows on the right:\n{t}"
    );
    // The health strip lists every context on one line each; below it, each side is its own.
    for (l, r) in halves.iter().skip(4) {
        assert!(!l.contains("stg"), "a stg row on prod's side:\n{t}");
        assert!(!r.contains("prod"), "a prod row on stg's side:\n{t}");
    }
    for line in t.lines() {
        assert_eq!(line.chars().count(), b.area.width as usize, "{t}");
    }
}

#[test]
fn split_at_160x45_draws_two_tables_each_with_its_contexts_rows_and_the_focused_one_marked() {
    let s = split_state();
    let b = render(&s, 160, 45);
    let t = text(&b);
    assert_two_tables(&b, "nginx-ingress-prod-1", "nginx-ingress-stg-1");
    assert!(t.contains("│ pods │ all namespaces │ split"), "{t}");
    // Each title names its context and row count; the focused one is marked.
    let (lx, ly) = find_in(&b, false, "▶ prod! Pods[3]").expect("prod's title, focused");
    let (rx, ry) = find_in(&b, true, "stg Pods[3]").expect("stg's title");
    assert_eq!(ly, ry, "{t}");
    assert!(rx >= 80 && lx < 80);
    // Full columns fit at 80 a side: the split drops nothing that matters.
    for needed in ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"] {
        let headers = halves(&b)
            .into_iter()
            .find(|(l, _)| l.contains("READY"))
            .unwrap();
        assert!(
            headers.0.contains(needed) && headers.1.contains(needed),
            "{needed}:\n{t}"
        );
    }

    let (th, _) = theme::load(None, None);
    // Borders: the focused side's in the focused colour, the other's plain.
    assert_eq!(b[(0, ly)].style().fg, th.border_focused.fg, "left corner");
    assert_eq!(b[(80, ly)].style().fg, th.border.fg, "right corner");
    assert_ne!(th.border_focused.fg, th.border.fg);
    // The production context's name in the pane title is drawn in the banner style.
    let (px, py) = find_in(&b, false, "prod! Pods").unwrap();
    assert_eq!(py, ly, "prod! in the pane's title line");
    assert_eq!(b[(px, py)].style().bg, th.production_banner.bg);
    // Cursor rows: the focused side's highlighted, the other side's dimmed.
    let (x, y) = find_in(&b, false, "nginx-ingress-prod-1").unwrap();
    assert_eq!(
        b[(x, y)].style().bg,
        th.selected_row.bg,
        "focused cursor row"
    );
    let (x, y) = find_in(&b, true, "nginx-ingress-stg-1").unwrap();
    let other = b[(x, y)].style();
    assert!(other.add_modifier.contains(Modifier::REVERSED), "{other:?}");
    assert_eq!(other.fg, th.dim.fg, "the other side's cursor row is dimmed");
}

#[test]
fn split_at_80x24_halves_the_width_and_drops_columns_by_priority_never_garbled() {
    let mut s = split_state();
    // The right side focused, its cursor on its second row: the marks follow.
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Down);
    let b = render(&s, 80, 24);
    let t = text(&b);
    assert_two_tables(&b, "nginx-ingress-p", "nginx-ingress-s");
    let header = halves(&b)
        .into_iter()
        .find(|(l, _)| l.contains("READY"))
        .expect("headers");
    for side in [&header.0, &header.1] {
        assert!(
            side.contains("NAME") && side.contains("READY") && side.contains("STATUS"),
            "{t}"
        );
        assert!(
            !side.contains("%MEM/R") && !side.contains("NODE"),
            "extras dropped: {t}"
        );
    }
    // Each side keeps its borders: nothing spills over the middle.
    let rows: Vec<Vec<String>> = lines(&b)
        .into_iter()
        .filter(|l| l.concat().contains("nginx-ingress-"))
        .collect();
    assert!(rows.len() >= 2, "{t}");
    for l in &rows {
        assert_eq!(
            [&l[0], &l[39], &l[40], &l[79]].map(|s| s.as_str()),
            ["│"; 4],
            "{t}"
        );
    }
    // READY lines up under READY on each side.
    for right in [false, true] {
        let (hx, _) = find_in(&b, right, "READY").unwrap();
        let ready: Vec<u16> = lines(&b)
            .iter()
            .enumerate()
            .filter(|(_, l)| l.concat().contains("1/1"))
            .filter_map(|(y, _)| {
                let (x, _) = find_in_line(&b, y as u16, right, "1/1")?;
                Some(x)
            })
            .collect();
        assert!(!ready.is_empty(), "{t}");
        // Right-aligned under a 5-wide title.
        assert!(ready.iter().all(|&x| x == hx + 2), "{ready:?} {hx}\n{t}");
    }
    let (th, _) = theme::load(None, None);
    let (_, ly) = find_in(&b, false, "prod! Pods").unwrap();
    assert_eq!(
        b[(0, ly)].style().fg,
        th.border.fg,
        "prod's side not focused"
    );
    assert_eq!(
        b[(40, ly)].style().fg,
        th.border_focused.fg,
        "stg's focused"
    );
    let (x, y) = find_in(&b, true, "nginx-ingress-s").unwrap();
    assert_eq!(
        b[(x, y + 1)].style().bg,
        th.selected_row.bg,
        "stg's cursor on its second row"
    );
}

fn find_in_line(b: &Buffer, y: u16, right: bool, needle: &str) -> Option<(u16, u16)> {
    let mid = b.area.width / 2;
    let (l, r) = halves(b).into_iter().nth(y as usize)?;
    let half = if right { r } else { l };
    let x = half.find(needle)?;
    let col = half[..x].chars().count() as u16;
    Some((if right { mid + col } else { col }, y))
}

#[test]
fn split_nodes_view_shows_each_contexts_nodes() {
    let mut s = split_state();
    press(&mut s, KeyCode::Char('N'));
    assert_eq!(s.view, ViewKind::Nodes);
    for (w, h) in [(160, 45), (80, 24)] {
        let b = render(&s, w, h);
        assert_two_tables(&b, "prod-node-a", "stg-node-b");
        let t = text(&b);
        assert!(
            t.contains("prod! Nodes[2]") && t.contains("stg Nodes[2]"),
            "{t}"
        );
    }
}

#[test]
fn keys_act_on_the_focused_sides_selected_row() {
    let mut s = split_state();
    s.sort.column = "NAME";
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Char('j'));
    // describe asks for stg's row under stg's cursor.
    let cmds = press(&mut s, KeyCode::Char('d'));
    match &cmds[..] {
        [Cmd::Fetch { context, name, .. }] => {
            assert_eq!(
                (context.as_str(), name.as_str()),
                ("stg", "nginx-ingress-stg-2")
            )
        }
        other => panic!("{other:?}"),
    }
    press(&mut s, KeyCode::Esc);
    // delete's question names stg and the pod, and says so on screen.
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
    );
    let q = s.confirm.as_ref().expect("a question");
    assert!(
        q.title.contains("nginx-ingress-stg-2") && q.title.contains("stg"),
        "{}",
        q.title
    );
    let t = text(&render(&s, 160, 45));
    assert!(t.contains(&q.title), "{t}");
    press(&mut s, KeyCode::Esc);
    // Back on prod's side, prod's cursor is still on its first row.
    press(&mut s, KeyCode::Tab);
    let cmds = press(&mut s, KeyCode::Char('d'));
    assert!(
        matches!(&cmds[..], [Cmd::Fetch { context, name, .. }] if context == "prod" && name == "flaky-api-prod"),
        "{cmds:?}"
    );
}

#[test]
fn help_lists_the_split_key_and_one_context_gets_a_notice() {
    let mut s = demo_state();
    s.help = true;
    let t = text(&render(&s, 140, 70));
    let line = t
        .lines()
        .find(|l| l.contains("two contexts side by side"))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(line.contains('|'), "{line}");

    let (km, _) = keymap::load(None, None);
    let mut one = State::new(
        vec![info("stg", false)],
        vec![],
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    );
    press(&mut one, KeyCode::Char('|'));
    assert_eq!(one.split.panes, None);
    let t = text(&render(&one, 120, 24));
    assert!(t.contains("only stg is live"), "{t}");
}
