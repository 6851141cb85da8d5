//! Render tests of the generic table (any kind without a rich row): Services merged over two
//! contexts show `kubectl get svc -A`'s columns, the wide toggle adds `-o wide`'s, cells are
//! drawn harmless, sorting by a column orders the rows; and a split shows each context's rows.

use std::time::Duration;

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use kockpit::app::state::{State, ViewKind};
use kockpit::cluster::events::{ApiHealth, ClusterEvent, Delta, ResourceKind, WatchState};
use kockpit::cluster::generic::{Cell, GenericRow, KindColumns};
use kockpit::cluster::kinds::{Catalog, KindInfo};
use kockpit::cluster::kubeconfig::ContextInfo;
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

fn service_kind() -> KindInfo {
    KindInfo::builtin("Service").unwrap()
}

fn svc(ns: &str, name: &str, type_: &str, ip: &str, port: u16) -> GenericRow {
    let mut spec = json!({"type": type_, "clusterIP": ip, "selector": {"app": name},
                          "ports": [{"port": port, "protocol": "TCP"}]});
    if type_ == "LoadBalancer" {
        spec["ports"][0]["nodePort"] = json!(31380);
    }
    let mut obj = json!({
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": "2026-11-23T01:00:00Z"},
        "spec": spec,
    });
    if type_ == "LoadBalancer" {
        obj["status"] = json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}});
    }
    KindColumns::builtin(&service_kind()).project(&obj, now())
}

/// prod and stg merged, both serving Services, the Services view open.
fn state() -> State {
    let (km, _) = keymap::load(None, None);
    let mut s = State::new(
        vec![info("prod"), info("stg")],
        vec![],
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    );
    s.now = now();
    let id = service_kind().id();
    for (ctx, rows) in [
        (
            "prod",
            vec![
                svc("default", "kubernetes", "ClusterIP", "10.0.0.1", 443),
                svc("ingress", "nginx-ingress", "LoadBalancer", "10.0.12.40", 80),
            ],
        ),
        (
            "stg",
            vec![svc("default", "keycloak", "ClusterIP", "10.1.3.9", 8080)],
        ),
    ] {
        let i = s.context_index(ctx).unwrap();
        let c = &mut s.contexts[i];
        c.apply(ClusterEvent::Api(ApiHealth::Reachable {
            latency: Duration::from_millis(5),
        }));
        for r in ResourceKind::ALL {
            c.apply(ClusterEvent::Watch {
                resource: r,
                state: WatchState::Live,
            });
        }
        c.apply(ClusterEvent::Catalog(Catalog {
            kinds: vec![service_kind()],
        }));
        c.apply(ClusterEvent::KindOpened {
            id,
            columns: KindColumns::builtin(&service_kind()),
        });
        c.apply(ClusterEvent::Kind {
            id,
            delta: Delta::Reset(rows),
        });
        c.apply(ClusterEvent::KindWatch {
            id,
            state: WatchState::Live,
        });
    }
    s.view = ViewKind::Kind(id);
    s.sort.column = "NAME";
    s
}

fn render(state: &State, width: u16, height: u16) -> String {
    let (th, _) = theme::load(None, None);
    let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
    t.draw(|f| screen::draw(f, state, &th)).unwrap();
    let b = t.backend().buffer().clone();
    b.content
        .chunks(width as usize)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The table's header words (the line that has NAME and AGE).
fn header(t: &str) -> Vec<String> {
    let line = t
        .lines()
        .find(|l| l.contains(" NAME ") && l.contains("AGE"))
        .unwrap_or_else(|| panic!("no header:\n{t}"));
    line.trim_matches(|c: char| c == '│' || c.is_whitespace())
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// The table's rows in screen order, by the name each one shows.
fn names_in_order(t: &str, names: &[&str]) -> Vec<String> {
    t.lines()
        .filter_map(|l| names.iter().find(|n| l.contains(&format!(" {n} "))))
        .map(|n| n.to_string())
        .collect()
}

#[test]
fn services_merged_show_kubectls_columns_and_a_context_column() {
    let s = state();
    let t = render(&s, 120, 30);
    assert_eq!(
        header(&t),
        [
            "CONTEXT",
            "NAMESPACE",
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE"
        ],
        "{t}"
    );
    let row = t.lines().find(|l| l.contains("nginx-ingress")).unwrap();
    let cells: Vec<&str> = row
        .trim_matches(|c: char| c == '│' || c.is_whitespace())
        .split_whitespace()
        .collect();
    assert_eq!(
        cells,
        [
            "prod",
            "ingress",
            "nginx-ingress",
            "LoadBalancer",
            "10.0.12.40",
            "203.0.113.7",
            "80:31380/TCP",
            "120m"
        ],
        "{t}"
    );
    assert!(t.contains("Services(all contexts)[3]"), "{t}");
    assert!(t.contains(" keycloak ") && t.contains("8080/TCP"), "{t}");
}

#[test]
fn the_wide_toggle_adds_kubectls_wide_columns() {
    let mut s = state();
    s.wide = true;
    let t = render(&s, 120, 30);
    assert_eq!(
        header(&t),
        [
            "CONTEXT",
            "NAMESPACE",
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE",
            "SELECTOR"
        ],
        "{t}"
    );
    assert!(t.contains("app=keycloak"), "{t}");
}

#[test]
fn generic_cells_with_escape_sequences_are_drawn_harmless() {
    let mut s = state();
    let id = service_kind().id();
    // Projected from the API's JSON (sanitised there) and, to be sure of the drawing side,
    // a row whose cell text was never cleaned.
    let projected = svc(
        "default",
        "evil\u{1b}[2J\u{1b}]0;pwned\u{7}-svc",
        "ClusterIP",
        "10.0.0.9",
        80,
    );
    let mut raw = svc("default", "raw-svc", "ClusterIP", "10.0.0.8", 80);
    raw.cells[0] = Cell::Text("\u{1b}[31mClusterIP\u{1b}]0;owned\u{7}".into());
    s.contexts[0].apply(ClusterEvent::Kind {
        id,
        delta: Delta::Extend(vec![projected, raw]),
    });
    let t = render(&s, 120, 30);
    assert!(!t.contains('\u{1b}') && !t.contains('\u{7}'), "{t}");
    assert!(!t.contains("pwned") && !t.contains("owned"), "{t}");
    let raw_line = t.lines().find(|l| l.contains("raw-svc")).unwrap();
    assert!(raw_line.contains("ClusterIP"), "{t}");
    for line in t.lines() {
        assert_eq!(line.chars().count(), 120, "{t}");
    }
}

#[test]
fn sorting_by_a_kubectl_column_orders_the_rows() {
    let mut s = state();
    let names = ["kubernetes", "nginx-ingress", "keycloak"];
    let t = render(&s, 120, 30);
    assert_eq!(
        names_in_order(&t, &names),
        ["keycloak", "kubernetes", "nginx-ingress"],
        "by NAME:\n{t}"
    );
    s.sort.column = "CLUSTER-IP";
    let t = render(&s, 120, 30);
    assert_eq!(
        names_in_order(&t, &names),
        ["kubernetes", "nginx-ingress", "keycloak"],
        "10.0.0.1 < 10.0.12.40 < 10.1.3.9:\n{t}"
    );
    s.sort.column = "TYPE";
    s.sort.reverse = true;
    let t = render(&s, 120, 30);
    assert_eq!(names_in_order(&t, &names)[0], "nginx-ingress", "{t}");
}

#[test]
fn a_split_shows_each_contexts_services_without_a_context_column() {
    let mut s = state();
    kockpit::app::split::toggle(&mut s);
    assert_eq!(s.split.panes, Some([0, 1]));
    assert_eq!(
        s.shown_contexts(),
        vec![0, 1],
        "both contexts' watches wanted"
    );
    for (w, h) in [(160, 45), (80, 24)] {
        let t = render(&s, w, h);
        assert!(!t.contains("CONTEXT"), "{t}");
        let mid = w as usize / 2;
        for line in t.lines().skip(4) {
            let chars: Vec<char> = line.chars().collect();
            let left: String = chars[..mid].iter().collect();
            let right: String = chars[mid..].iter().collect();
            assert!(!left.contains("keycloak"), "{t}");
            assert!(
                !right.contains("kubernetes") && !right.contains("nginx-in"),
                "{t}"
            );
        }
        assert!(
            t.contains("prod! Services[2]") && t.contains("stg Services[1]"),
            "{t}"
        );
        assert!(t.contains("kubernetes") && t.contains("keycloak"), "{t}");
    }
}
