use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::*;
use crate::app::keys::Keymap;
use crate::app::msg::Msg;
use crate::app::update::update;
use crate::cluster::events::{ClusterEvent, Delta, SessionEvent};
use crate::cluster::kubeconfig::ContextInfo;
use crate::cluster::rows::{DeploymentRow, NodeRow, ReplicaSetRow};

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

fn pod(ns: &str, name: &str, node: &str, app: &str, owner: (&str, &str)) -> PodRow {
    let mut meta = json!({"name": name, "namespace": ns, "labels": {"app": app}});
    if !owner.0.is_empty() {
        meta["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": owner.0, "name": owner.1, "uid": "u", "controller": true}]);
    }
    let p: k8s_openapi::api::core::v1::Pod = serde_json::from_value(json!({
        "metadata": meta, "spec": {"nodeName": node, "containers": [{"name": "c"}]}
    }))
    .unwrap();
    PodRow::from_pod(&p)
}

fn deployment(ns: &str, name: &str, app: &str) -> DeploymentRow {
    let d: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": {"matchLabels": {"app": app}}, "template": {}}
    }))
    .unwrap();
    DeploymentRow::from_deployment(&d)
}

fn node(name: &str) -> NodeRow {
    let n: k8s_openapi::api::core::v1::Node =
        serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
    NodeRow::from_node(&n)
}

fn replica_set(ns: &str, name: &str, deploy: &str) -> ReplicaSetRow {
    let r: k8s_openapi::api::apps::v1::ReplicaSet = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": ns, "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": deploy, "uid": "d", "controller": true}]},
        "spec": {"selector": {}}
    }))
    .unwrap();
    ReplicaSetRow::from_replica_set(&r)
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

fn press(s: &mut State, code: KeyCode) -> Vec<Cmd> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn char_key(s: &mut State, c: char) -> Vec<Cmd> {
    let m = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), m)))
}

/// prod and stg, merged; each with web (app=web, 2 pods + 1 other app's pod) in default and a
/// same-labelled pod in another namespace that the deployment must not take.
fn state() -> State {
    let mut s = State::new(
        vec![info("prod"), info("stg")],
        vec![],
        crate::app::namespaces::Namespaces::all(),
        false,
        Keymap::default(),
    );
    s.sort.column = "NAME";
    for ctx in ["prod", "stg"] {
        send(
            &mut s,
            ctx,
            ClusterEvent::Pods(Delta::Reset(vec![
                pod("default", "web-a", "n1", "web", ("ReplicaSet", "web-7d")),
                pod("default", "web-b", "n2", "web", ("ReplicaSet", "web-7d")),
                pod("default", "db-0", "n1", "db", ("StatefulSet", "db")),
                pod("other", "web-x", "n1", "web", ("", "")),
                pod(
                    "kube-system",
                    "router-1",
                    "n1",
                    "router",
                    ("DaemonSet", "router"),
                ),
            ])),
        );
        send(
            &mut s,
            ctx,
            ClusterEvent::Deployments(Delta::Reset(vec![
                deployment("default", "api", "api"),
                deployment("default", "web", "web"),
            ])),
        );
        send(
            &mut s,
            ctx,
            ClusterEvent::ReplicaSets(Delta::Reset(vec![replica_set("default", "web-7d", "web")])),
        );
        send(
            &mut s,
            ctx,
            ClusterEvent::Nodes(Delta::Reset(vec![node("n1"), node("n2")])),
        );
    }
    s
}

fn shown(s: &State) -> Vec<(String, String)> {
    table::visible(s)
        .iter()
        .map(|r| (s.contexts[r.context()].name().to_string(), r.key().1))
        .collect()
}

fn cursor_on(s: &mut State, name: &str) {
    let rows = table::visible(s);
    let i = rows.iter().position(|r| r.key().1 == name).unwrap();
    let id = rows[i].id(s);
    s.cursor = Some(id);
}

#[test]
fn selector_scope_takes_the_pods_kubectl_l_takes_in_that_namespace_and_context() {
    let labels = BTreeMap::from([("app".to_string(), "web".to_string())]);
    let scope = Scope::selector("prod", "default", &labels);
    let web = pod("default", "web-a", "n1", "web", ("", ""));
    assert!(scope.admits("prod", &web));
    assert!(!scope.admits("stg", &web), "another context's pod");
    assert!(!scope.admits("prod", &pod("other", "web-x", "n1", "web", ("", ""))));
    assert!(!scope.admits("prod", &pod("default", "db-0", "n1", "db", ("", ""))));
    let none = Scope::selector("prod", "default", &BTreeMap::new());
    assert!(
        !none.admits("prod", &web),
        "an empty selector selects nothing"
    );
}

#[test]
fn node_and_owner_scopes_match_field_and_controller() {
    let p = pod("default", "web-a", "n1", "web", ("ReplicaSet", "web-7d"));
    let on = |node: &str| Scope::Node {
        context: "prod".into(),
        node: node.into(),
    };
    assert!(on("n1").admits("prod", &p));
    assert!(!on("n2").admits("prod", &p));
    let owner = |kind: &str, name: &str| Scope::Owner {
        context: "prod".into(),
        namespace: "default".into(),
        kind: kind.into(),
        name: name.into(),
    };
    assert!(owner("ReplicaSet", "web-7d").admits("prod", &p));
    assert!(!owner("ReplicaSet", "web-8e").admits("prod", &p));
    assert!(!owner("Job", "web-7d").admits("prod", &p));
}

#[test]
fn enter_on_a_deployment_lists_its_pods_and_esc_returns_with_the_cursor_on_it() {
    let mut s = state();
    super::super::table_keys::switch_view(&mut s, ViewKind::Deployments);
    s.filter = TextFilter::new("web");
    cursor_on(&mut s, "web");
    let prod_web = s.cursor.clone().unwrap();
    // The cursor is on one context's deployment in a merged table: that context's pods only.
    assert_eq!(prod_web.context, "prod");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.view, ViewKind::Pods);
    assert!(
        s.filter.is_empty(),
        "the deployments' filter does not narrow its pods"
    );
    assert_eq!(
        shown(&s),
        vec![
            ("prod".into(), "web-a".into()),
            ("prod".into(), "web-b".into())
        ]
    );
    assert_eq!(
        breadcrumb(&s).as_deref(),
        Some("prod › deploy default/web › pods")
    );
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.view, ViewKind::Deployments);
    assert_eq!(s.cursor, Some(prod_web));
    assert_eq!(s.filter.text, "web", "the level comes back as it was");
    assert_eq!(breadcrumb(&s), None);
}

#[test]
fn enter_on_a_node_lists_its_pods_in_every_namespace_even_under_ns() {
    let mut s = state();
    s.merged = false;
    s.namespaces = crate::app::namespaces::Namespaces::one("default");
    super::super::table_keys::switch_view(&mut s, ViewKind::Nodes);
    cursor_on(&mut s, "n1");
    press(&mut s, KeyCode::Enter);
    let names: Vec<String> = shown(&s).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, vec!["db-0", "router-1", "web-a", "web-x"]);
    assert_eq!(breadcrumb(&s).as_deref(), Some("prod › node n1 › pods"));
}

#[test]
fn three_levels_down_and_back_restore_each_cursor() {
    let mut s = state();
    super::super::table_keys::switch_view(&mut s, ViewKind::Deployments);
    cursor_on(&mut s, "web");
    let at_deploy = s.cursor.clone();
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Down);
    let at_pod = s.cursor.clone();
    assert_eq!(at_pod.as_ref().unwrap().name, "web-b");
    let cmds = press(&mut s, KeyCode::Enter);
    assert_eq!(s.screen, Screen::Containers);
    assert_eq!(
        cmds,
        vec![Cmd::FetchContainers {
            context: "prod".into(),
            namespace: "default".into(),
            pod: "web-b".into()
        }]
    );
    assert_eq!(
        breadcrumb(&s).as_deref(),
        Some("prod › deploy default/web › pods › pod default/web-b › containers")
    );
    press(&mut s, KeyCode::Esc);
    assert_eq!((s.screen, s.view), (Screen::Table, ViewKind::Pods));
    assert_eq!(s.cursor, at_pod);
    assert_eq!(shown(&s).len(), 2, "still the deployment's pods");
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.view, ViewKind::Deployments);
    assert_eq!(s.cursor, at_deploy);
}

#[test]
fn a_view_key_leaves_the_drilled_path() {
    let mut s = state();
    super::super::table_keys::switch_view(&mut s, ViewKind::Nodes);
    press(&mut s, KeyCode::Enter);
    assert!(breadcrumb(&s).is_some());
    char_key(&mut s, 'P');
    assert_eq!(breadcrumb(&s), None);
    assert_eq!(shown(&s).len(), 10, "every pod again");
}

#[test]
fn describe_stays_on_its_own_key() {
    let mut s = state();
    let cmds = char_key(&mut s, 'd');
    assert!(
        matches!(&cmds[..], [Cmd::Fetch { kind, .. }] if kind.kind == "Pod"),
        "{cmds:?}"
    );
}

#[test]
fn owner_key_goes_from_a_pod_through_its_replica_set_to_the_deployment_and_back() {
    let mut s = state();
    cursor_on(&mut s, "web-b");
    let at = s.cursor.clone();
    char_key(&mut s, 'p');
    assert_eq!(s.view, ViewKind::Deployments);
    let c = s.cursor.clone().unwrap();
    assert_eq!(
        (c.kind, c.namespace.as_str(), c.name.as_str()),
        ("Deployment", "default", "web")
    );
    assert_eq!(table::selected(&s).unwrap().key().1, "web");
    press(&mut s, KeyCode::Esc);
    assert_eq!((s.view, s.cursor.clone()), (ViewKind::Pods, at));
}

#[test]
fn owner_key_says_why_when_the_owners_kind_is_not_known() {
    let mut s = state();
    for (pod, says) in [
        (
            "db-0",
            "StatefulSet default/db: the resource types of prod are not known yet",
        ),
        ("router-1", "DaemonSet kube-system/router"),
        ("web-x", "has no owner"),
    ] {
        cursor_on(&mut s, pod);
        char_key(&mut s, 'p');
        assert_eq!(s.view, ViewKind::Pods);
        let (_, text) = s.notice.clone().unwrap();
        assert!(text.contains(says), "{pod}: {text}");
    }
    assert!(s.drill.crumbs.is_empty());
}

const KINDS: [(&str, &str, &str, &str, bool); 4] = [
    ("apps", "statefulsets", "StatefulSet", "sts", true),
    ("apps", "daemonsets", "DaemonSet", "ds", true),
    ("", "services", "Service", "svc", true),
    ("", "namespaces", "Namespace", "ns", false),
];

fn kind_infos() -> Vec<crate::cluster::kinds::KindInfo> {
    KINDS
        .iter()
        .map(|(g, p, k, short, ns)| crate::cluster::kinds::tests::kind(g, p, k, &[short], *ns))
        .collect()
}

/// `state()` with discovery answered: StatefulSets, DaemonSets, Services and Namespaces.
fn with_kinds() -> State {
    let mut s = state();
    for ctx in ["prod", "stg"] {
        send(
            &mut s,
            ctx,
            ClusterEvent::Catalog(crate::cluster::kinds::Catalog {
                kinds: kind_infos(),
            }),
        );
    }
    s
}

/// What the watches of the kinds being watched deliver (others are dropped as unwanted).
fn feed(s: &mut State) {
    use crate::cluster::generic::KindColumns;
    let objects = |id: &str| -> Vec<serde_json::Value> {
        match id {
            "StatefulSet" => vec![json!({"metadata": {"name": "db", "namespace": "default"},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "db"}}}})],
            "DaemonSet" => vec![
                json!({"metadata": {"name": "router", "namespace": "kube-system"},
                "spec": {"selector": {"matchLabels": {"app": "router"}}}}),
            ],
            "Service" => vec![
                json!({"metadata": {"name": "web", "namespace": "default"},
                    "spec": {"selector": {"app": "web"}, "type": "ClusterIP"}}),
                json!({"metadata": {"name": "external", "namespace": "default"},
                    "spec": {"type": "ClusterIP"}}),
            ],
            _ => ["default", "other", "kube-system"]
                .iter()
                .map(|n| json!({"metadata": {"name": n}}))
                .collect(),
        }
    };
    for ctx in ["prod", "stg"] {
        for k in kind_infos() {
            let columns = KindColumns::builtin(&k);
            let rows = objects(&k.kind)
                .iter()
                .map(|o| columns.project(o, s.now))
                .collect();
            let id = k.id();
            send(s, ctx, ClusterEvent::KindOpened { id, columns });
            send(
                s,
                ctx,
                ClusterEvent::Kind {
                    id,
                    delta: Delta::Reset(rows),
                },
            );
        }
    }
}

/// `:WORD` typed, then the watch's rows.
fn open_kind(s: &mut State, word: &str) {
    char_key(s, ':');
    for c in word.chars() {
        char_key(s, c);
    }
    press(s, KeyCode::Enter);
    feed(s);
}

#[test]
fn enter_on_a_statefulset_or_daemonset_lists_the_pods_it_owns() {
    let mut s = with_kinds();
    open_kind(&mut s, "sts");
    assert_eq!(s.view, ViewKind::Kind("StatefulSet"));
    cursor_on(&mut s, "db");
    let at = s.cursor.clone();
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.view, ViewKind::Pods);
    assert_eq!(shown(&s), vec![("prod".into(), "db-0".into())]);
    assert_eq!(
        breadcrumb(&s).as_deref(),
        Some("prod › sts default/db › pods")
    );
    press(&mut s, KeyCode::Esc);
    assert_eq!(
        (s.view, s.cursor.clone()),
        (ViewKind::Kind("StatefulSet"), at)
    );

    open_kind(&mut s, "ds");
    cursor_on(&mut s, "router");
    press(&mut s, KeyCode::Enter);
    assert_eq!(shown(&s), vec![("prod".into(), "router-1".into())]);
}

#[test]
fn enter_on_a_service_lists_the_pods_its_selector_takes_in_its_namespace() {
    let mut s = with_kinds();
    open_kind(&mut s, "svc");
    cursor_on(&mut s, "web");
    press(&mut s, KeyCode::Enter);
    assert_eq!(
        shown(&s),
        vec![
            ("prod".into(), "web-a".into()),
            ("prod".into(), "web-b".into())
        ],
        "web-x carries app=web in another namespace"
    );
    assert_eq!(
        breadcrumb(&s).as_deref(),
        Some("prod › svc default/web › pods")
    );
    press(&mut s, KeyCode::Esc);
    cursor_on(&mut s, "external");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.view, ViewKind::Kind("Service"));
    let (_, text) = s.notice.clone().unwrap();
    assert!(text.contains("has no selector"), "{text}");
}

#[test]
fn enter_on_a_namespace_scopes_the_pods_to_it_and_esc_brings_all_back() {
    let mut s = with_kinds();
    s.merged = false;
    open_kind(&mut s, "ns");
    cursor_on(&mut s, "kube-system");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.view, ViewKind::Pods);
    assert_eq!(
        s.namespaces,
        crate::app::namespaces::Namespaces::one("kube-system")
    );
    assert_eq!(shown(&s), vec![("prod".into(), "router-1".into())]);
    assert_eq!(
        breadcrumb(&s).as_deref(),
        Some("prod › ns kube-system › pods")
    );
    press(&mut s, KeyCode::Esc);
    assert!(s.namespaces.is_all());
    assert_eq!(s.view, ViewKind::Kind("Namespace"));
}

#[test]
fn owner_key_jumps_to_a_statefulset_and_a_daemonset_in_their_tables() {
    let mut s = with_kinds();
    for (pod, view, owner) in [
        ("db-0", ViewKind::Kind("StatefulSet"), "db"),
        ("router-1", ViewKind::Kind("DaemonSet"), "router"),
    ] {
        super::super::table_keys::switch_view(&mut s, ViewKind::Pods);
        cursor_on(&mut s, pod);
        let at = s.cursor.clone();
        char_key(&mut s, 'p');
        feed(&mut s);
        assert_eq!(s.view, view, "{pod}");
        assert_eq!(table::selected(&s).unwrap().key().1, owner);
        press(&mut s, KeyCode::Esc);
        assert_eq!((s.view, s.cursor.clone()), (ViewKind::Pods, at));
    }
}

#[test]
fn a_watch_event_removing_rows_keeps_the_scope() {
    let mut s = state();
    super::super::table_keys::switch_view(&mut s, ViewKind::Deployments);
    cursor_on(&mut s, "web");
    press(&mut s, KeyCode::Enter);
    send(
        &mut s,
        "prod",
        ClusterEvent::Pods(Delta::Upsert(pod(
            "default",
            "web-c",
            "n2",
            "web",
            ("", ""),
        ))),
    );
    send(
        &mut s,
        "prod",
        ClusterEvent::Pods(Delta::Remove(("default".into(), "web-a".into()))),
    );
    let names: Vec<String> = shown(&s).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, vec!["web-b", "web-c"]);
}
