use super::*;
use crate::app::keys::Keymap;
use crate::app::msg::Msg;
use crate::app::table::{self, RowRef};
use crate::app::update::update;
use crate::cluster::events::{ClusterEvent, Delta, SessionEvent};
use crate::cluster::kinds::tests::catalog;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use serde_json::json;

use crate::app::test_support::info;

fn cluster(s: &mut State, context: &str, event: ClusterEvent) -> Vec<Cmd> {
    let mut cmds = update(
        s,
        Msg::Cluster(Box::new(SessionEvent {
            context: context.into(),
            event,
        })),
    );
    cmds.extend(crate::app::update::settle(s));
    cmds
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Types `:TEXT` and enter, as the operator does.
fn command(s: &mut State, text: &str) -> Vec<Cmd> {
    let mut cmds = update(s, key(KeyCode::Char(':')));
    for c in text.chars() {
        cmds.extend(update(s, key(KeyCode::Char(c))));
    }
    cmds.extend(update(s, key(KeyCode::Enter)));
    cmds
}

fn services() -> KindColumns {
    KindColumns::builtin(catalog().resolve("svc").unwrap())
}

fn svc(ns: &str, name: &str) -> GenericRow {
    services().project(
        &json!({"metadata": {"name": name, "namespace": ns, "creationTimestamp": "2026-01-01T00:00:00Z"},
                "spec": {"type": "ClusterIP", "clusterIP": "10.0.0.1", "ports": [{"port": 80, "protocol": "TCP"}]}}),
        "2026-01-01T00:01:00Z".parse().unwrap(),
    )
}

/// prod and stg merged, both discovered (stg without the cert-manager CRD).
fn state() -> State {
    let mut s = State::new(
        vec![info("prod"), info("stg")],
        vec![],
        crate::app::namespaces::Namespaces::all(),
        false,
        Keymap::default(),
    );
    s.now = "2026-01-01T00:01:00Z".parse().unwrap();
    cluster(&mut s, "prod", ClusterEvent::Catalog(catalog()));
    let mut stg = catalog();
    stg.kinds.retain(|k| k.group != "cert-manager.io");
    cluster(&mut s, "stg", ClusterEvent::Catalog(stg));
    s
}

fn watched(cmds: &[Cmd]) -> Vec<(String, String)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::WatchKind { context, kind } => Some((context.clone(), kind.qualified())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_kind_word_opens_its_view_and_watches_it_in_every_shown_context() {
    let mut s = state();
    let cmds = command(&mut s, "svc");
    assert_eq!(s.view, ViewKind::Kind("Service"));
    assert_eq!(
        watched(&cmds),
        [
            ("prod".into(), "services".into()),
            ("stg".into(), "services".into())
        ]
    );
    // Asking again starts nothing new.
    assert!(watched(&command(&mut s, "services")).is_empty());
    // The rich kinds keep their own views.
    command(&mut s, "deployments.apps");
    assert_eq!(s.view, ViewKind::Deployments);
}

#[test]
fn a_crd_only_one_context_serves_is_watched_there_only() {
    let mut s = state();
    let cmds = command(&mut s, "certificates.cert-manager.io");
    assert_eq!(s.view, ViewKind::Kind("Certificate.cert-manager.io"));
    assert_eq!(
        watched(&cmds),
        [("prod".into(), "certificates.cert-manager.io".into())]
    );
}

#[test]
fn an_unknown_word_says_so_and_reads_discovery_again() {
    let mut s = state();
    let cmds = command(&mut s, "widgets");
    assert_eq!(s.view, ViewKind::Pods, "the view did not change");
    let (_, text) = s.notice.clone().unwrap();
    assert!(
        text.starts_with("unknown command or resource type :widgets"),
        "{text}"
    );
    let again: Vec<&Cmd> = cmds
        .iter()
        .filter(|c| matches!(c, Cmd::Rediscover { .. }))
        .collect();
    assert_eq!(again.len(), 2, "{cmds:?}");
    // The CRD arrives: discovery reports it, and the same word now opens it.
    let mut with = catalog();
    with.kinds.push(crate::cluster::kinds::tests::kind(
        "example.com",
        "widgets",
        "Widget",
        &["wd"],
        true,
    ));
    cluster(&mut s, "stg", ClusterEvent::Catalog(with));
    let cmds = command(&mut s, "wd");
    assert_eq!(s.view, ViewKind::Kind("Widget.example.com"));
    assert_eq!(
        watched(&cmds),
        [("stg".into(), "widgets.example.com".into())]
    );
    assert!(words(&s).contains(&"widgets.example.com".to_string()));
}

#[test]
fn rows_arrive_after_their_columns_merge_across_contexts_and_filter() {
    let mut s = state();
    command(&mut s, "svc");
    for ctx in ["prod", "stg"] {
        cluster(
            &mut s,
            ctx,
            ClusterEvent::KindOpened {
                id: "Service",
                columns: services(),
            },
        );
    }
    cluster(
        &mut s,
        "prod",
        ClusterEvent::Kind {
            id: "Service",
            delta: Delta::Reset(vec![svc("web", "api"), svc("web", "front")]),
        },
    );
    cluster(
        &mut s,
        "stg",
        ClusterEvent::Kind {
            id: "Service",
            delta: Delta::Upsert(svc("web", "api")),
        },
    );
    let names = |s: &State| -> Vec<String> {
        table::visible(s)
            .iter()
            .map(|r| format!("{}:{}", s.contexts[r.context()].info.name, r.key().1))
            .collect()
    };
    assert_eq!(names(&s), ["prod:api", "stg:api", "prod:front"]);
    assert!(matches!(
        table::visible(&s)[0],
        RowRef::Generic(_, "Service", _)
    ));
    s.filter = crate::app::filter::TextFilter::new("front");
    assert_eq!(names(&s), ["prod:front"]);
    // Cells are searched too: every service here is a ClusterIP.
    s.filter = crate::app::filter::TextFilter::new("ClusterIP");
    assert_eq!(names(&s).len(), 3);
    s.filter = crate::app::filter::TextFilter::default();
    // The cursor is an identity: a removal moves it to the neighbour, of the same kind.
    table::move_cursor(&mut s, 1);
    assert_eq!(table::selected(&s).unwrap().id(&s).name, "api");
    cluster(
        &mut s,
        "stg",
        ClusterEvent::Kind {
            id: "Service",
            delta: Delta::Remove(("web".into(), "api".into())),
        },
    );
    let id = table::selected(&s).unwrap().id(&s);
    assert_eq!(
        (id.context.as_str(), id.kind, id.name.as_str()),
        ("prod", "Service", "front")
    );
    // Sorted by a printer column.
    assert!(table::sortable(&s, s.view).contains(&"CLUSTER-IP"));
}

#[test]
fn a_forbidden_kind_reports_its_sentence_and_the_others_work() {
    let mut s = state();
    command(&mut s, "svc");
    cluster(
        &mut s,
        "stg",
        ClusterEvent::KindOpened {
            id: "Service",
            columns: services(),
        },
    );
    cluster(
        &mut s,
        "stg",
        ClusterEvent::KindWatch {
            id: "Service",
            state: WatchState::Forbidden(
                "forbidden: cannot list services at cluster scope as u".into(),
            ),
        },
    );
    let stg = &s.contexts[s.context_index("stg").unwrap()];
    assert_eq!(
        stg.forbidden(s.view),
        Some("forbidden: cannot list services at cluster scope as u")
    );
    let prod = &s.contexts[s.context_index("prod").unwrap()];
    assert_eq!(prod.forbidden(s.view), None);
}

#[test]
fn a_kind_no_longer_shown_is_unwatched_after_the_linger_and_its_rows_go() {
    let mut s = state();
    command(&mut s, "svc");
    cluster(
        &mut s,
        "prod",
        ClusterEvent::KindOpened {
            id: "Service",
            columns: services(),
        },
    );
    cluster(
        &mut s,
        "prod",
        ClusterEvent::Kind {
            id: "Service",
            delta: Delta::Upsert(svc("web", "api")),
        },
    );
    command(&mut s, "pods");
    let tick = |s: &mut State, secs: i64| {
        let now = s
            .now
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .unwrap();
        update(s, Msg::Tick(now))
    };
    let cmds = tick(&mut s, 10);
    assert!(
        !cmds.iter().any(|c| matches!(c, Cmd::UnwatchKind { .. })),
        "still lingering: {cmds:?}"
    );
    let cmds = tick(&mut s, 25);
    let stopped: Vec<_> = cmds
        .iter()
        .filter_map(|c| match c {
            Cmd::UnwatchKind { context, id } => Some((context.as_str(), *id)),
            _ => None,
        })
        .collect();
    assert_eq!(stopped, [("prod", "Service"), ("stg", "Service")]);
    assert!(
        s.contexts.iter().all(|c| c.kinds.is_empty()),
        "rows dropped"
    );
    assert!(s.kind_watches.is_empty());
    // A late event of the stopped watch brings nothing back.
    cluster(
        &mut s,
        "prod",
        ClusterEvent::KindOpened {
            id: "Service",
            columns: services(),
        },
    );
    assert!(s.contexts.iter().all(|c| c.kinds.is_empty()));
    let _: Timestamp = s.now;
}

#[test]
fn a_kind_shown_all_along_is_never_unwatched() {
    let mut s = state();
    command(&mut s, "svc");
    let mut now = s.now;
    for _ in 0..10 {
        now = now
            .checked_add(jiff::SignedDuration::from_secs(10))
            .unwrap();
        let cmds = update(&mut s, Msg::Tick(now));
        assert!(!cmds.iter().any(|c| matches!(c, Cmd::UnwatchKind { .. })));
    }
}

#[test]
fn a_kind_opened_from_the_filtered_kinds_list_shows_its_rows_unfiltered() {
    let mut s = state();
    command(&mut s, "kinds");
    assert_eq!(s.view, ViewKind::Kinds);
    s.filter = crate::app::filter::TextFilter::new("services");
    let rows = table::visible(&s);
    assert_eq!(rows.len(), 1, "the filter finds the type");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.view, ViewKind::Kind("Service"));
    assert!(
        s.filter.is_empty(),
        "the type's rows are not filtered by its name"
    );
}

#[test]
fn titles_keep_the_kinds_capitals_where_the_plural_is_regular() {
    for (kind, plural, title) in [
        ("StatefulSet", "statefulsets", "StatefulSets"),
        ("Ingress", "ingresses", "Ingresses"),
        ("NetworkPolicy", "networkpolicies", "NetworkPolicies"),
        (
            "PersistentVolumeClaim",
            "persistentvolumeclaims",
            "PersistentVolumeClaims",
        ),
        ("Endpoints", "endpoints", "Endpoints"),
        ("Person", "people", "People"),
    ] {
        assert_eq!(plural_title(kind, plural), title);
    }
}
