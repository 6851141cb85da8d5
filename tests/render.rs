//! Render tests: the screen drawn into ratatui's TestBackend from hand-built state, asserted on
//! text and, where it matters (production banner, blocked rows), on style.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use serde_json::json;

use kockpit::app::state::{State, ViewKind};
use kockpit::cluster::events::{ApiHealth, ClusterEvent, Delta, ResourceKind, WatchState};
use kockpit::cluster::kubeconfig::ContextInfo;
use kockpit::cluster::rows::{DeploymentRow, NodeRow, PodRow};
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

fn now() -> Timestamp {
    "2026-11-23T03:00:00Z".parse().unwrap()
}

fn pod(ns: &str, name: &str, node: &str, status: serde_json::Value) -> PodRow {
    let p: Pod = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": "2026-11-23T02:00:00Z", "ownerReferences": [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u","controller":true}]},
        "spec": {"nodeName": node, "containers": [{"name": "c", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]},
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

fn node(name: &str, ready: bool, cordoned: bool) -> NodeRow {
    let n: Node = serde_json::from_value(json!({
        "metadata": {"name": name, "creationTimestamp": "2026-11-20T00:00:00Z", "labels": {"node-role.kubernetes.io/node": ""}},
        "spec": {"unschedulable": cordoned},
        "status": {"conditions": [{"type": "Ready", "status": if ready {"True"} else {"Unknown"}}], "allocatable": {"cpu": "2", "memory": "8Gi"},
                   "nodeInfo": {"kubeletVersion": "v1.32.4", "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "", "osImage": "", "containerRuntimeVersion": "", "kubeProxyVersion": "", "operatingSystem": "", "architecture": ""}},
    }))
    .unwrap();
    NodeRow::from_node(&n)
}

fn deployment(name: &str, stuck: bool) -> DeploymentRow {
    let mut status = json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3});
    if stuck {
        status = json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"x\" has timed out progressing."}]});
    }
    let d: Deployment = serde_json::from_value(json!({"metadata": {"name": name, "namespace": "default", "generation": if stuck {2} else {1}, "creationTimestamp": "2026-11-22T00:00:00Z"}, "spec": {"replicas": 3, "selector": {}, "template": {}}, "status": status})).unwrap();
    DeploymentRow::from_deployment(&d)
}

fn live(state: &mut State, ctx: &str) {
    let i = state.context_index(ctx).unwrap();
    let c = &mut state.contexts[i];
    c.apply(ClusterEvent::Api(ApiHealth::Reachable {
        latency: Duration::from_millis(12),
    }));
    for r in ResourceKind::ALL {
        c.apply(ClusterEvent::Watch {
            resource: r,
            state: WatchState::Live,
        });
    }
}

fn demo_state() -> State {
    let (km, _) = keymap::load(None, None);
    let mut s = State::new(
        vec![info("prod", true), info("stg", false)],
        vec!["prod".into(), "stg".into()],
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    );
    s.now = now();
    for ctx in ["prod", "stg"] {
        live(&mut s, ctx);
        let i = s.context_index(ctx).unwrap();
        let c = &mut s.contexts[i];
        c.apply(ClusterEvent::Pods(Delta::Reset(vec![
            pod(
                "default",
                &format!("nginx-ingress-{ctx}-1"),
                "ip-172-20-36-62",
                running(),
            ),
            pod(
                "dev",
                &format!("flaky-api-{ctx}"),
                "ip-172-20-41-155",
                crashing(),
            ),
        ])));
        c.apply(ClusterEvent::Nodes(Delta::Reset(vec![
            node("ip-172-20-36-62", true, false),
            node("ip-172-20-41-155", true, true),
            node("ip-172-20-53-98", false, false),
        ])));
        c.apply(ClusterEvent::Deployments(Delta::Reset(vec![
            deployment("nginx-ingress", false),
            deployment("keycloak", true),
        ])));
    }
    s
}

fn render(state: &State, width: u16, height: u16) -> Buffer {
    let (th, _) = theme::load(None, None);
    let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
    t.draw(|f| screen::draw(f, state, &th)).unwrap();
    t.backend().buffer().clone()
}

fn text(b: &Buffer) -> String {
    let w = b.area.width as usize;
    b.content
        .chunks(w)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn find(b: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let t = text(b);
    for (y, line) in t.lines().enumerate() {
        if let Some(x) = line.find(needle) {
            let col = line[..x].chars().count();
            return Some((col as u16, y as u16));
        }
    }
    None
}

#[test]
fn merged_pods_view_shows_both_contexts_with_a_context_column() {
    let s = demo_state();
    let b = render(&s, 160, 30);
    let t = text(&b);
    assert!(
        t.contains("CONTEXT") && t.contains("NAMESPACE") && t.contains("RESTARTS"),
        "{t}"
    );
    assert!(
        t.contains("nginx-ingress-prod-1") && t.contains("nginx-ingress-stg-1"),
        "{t}"
    );
    assert!(t.contains("CrashLoopBackOff"), "{t}");
    assert!(t.contains("7 (2m ago)"), "{t}");
}

#[test]
fn production_banner_is_shown_in_its_theme_style() {
    let s = demo_state();
    let b = render(&s, 120, 30);
    let (x, y) = find(&b, "PRODUCTION: prod").expect("banner text");
    let (th, _) = theme::load(None, None);
    let cell = &b[(x + 2, y)];
    assert_eq!(
        cell.style().bg,
        th.production_banner.bg,
        "banner background"
    );
    assert!(th.production_banner.bg.is_some());
}

#[test]
fn no_banner_when_only_a_non_production_context_is_shown() {
    let mut s = demo_state();
    s.merged = false;
    s.focus = 1;
    let t = text(&render(&s, 120, 30));
    assert!(!t.contains("PRODUCTION"), "{t}");
}

#[test]
fn health_strip_counts_nodes_pods_and_rollouts_per_context() {
    let s = demo_state();
    let t = text(&render(&s, 160, 30));
    assert!(t.contains("nodes 2/3 Ready, 1 cordoned"), "{t}");
    assert!(t.contains("pods 1 not running of 2"), "{t}");
    assert!(t.contains("rollouts 1 stuck"), "{t}");
    assert!(t.contains("API ok 12ms"), "{t}");
}

#[test]
fn unreachable_context_says_so_in_the_health_strip() {
    let mut s = demo_state();
    s.contexts[1].apply(ClusterEvent::Api(ApiHealth::Unreachable {
        error: "connection refused".into(),
        since: "2026-11-23T02:59:48Z".parse().unwrap(),
    }));
    let t = text(&render(&s, 160, 30));
    assert!(
        t.contains("unreachable, retrying (last seen 12s ago)"),
        "{t}"
    );
}

#[test]
fn nodes_view_shows_status_roles_and_version() {
    let mut s = demo_state();
    s.view = ViewKind::Nodes;
    s.merged = false;
    let b = render(&s, 140, 30);
    let t = text(&b);
    assert!(
        t.contains("Ready,SchedulingDisabled") && t.contains("NotReady") && t.contains("v1.32.4"),
        "{t}"
    );
    let (th, _) = theme::load(None, None);
    let (x, y) = find(&b, "NotReady").unwrap();
    assert_eq!(
        b[(x, y)].style().fg,
        th.status_error.fg,
        "NotReady node is drawn as an error"
    );
}

#[test]
fn deployments_view_highlights_a_stuck_rollout() {
    let mut s = demo_state();
    s.view = ViewKind::Deployments;
    s.merged = false;
    let t = text(&render(&s, 140, 30));
    assert!(
        t.contains("UP-TO-DATE") && t.contains("stuck: ProgressDeadlineExceeded"),
        "{t}"
    );
}

#[test]
fn forbidden_resource_shows_a_one_line_notice_in_its_pane() {
    let (km, _) = keymap::load(None, None);
    let mut s = State::new(
        vec![info("prod-pod-reader", true)],
        vec![],
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    );
    s.now = now();
    live(&mut s, "prod-pod-reader");
    s.contexts[0].apply(ClusterEvent::Watch {
        resource: ResourceKind::Deployments,
        state: WatchState::Forbidden(
            "forbidden: cannot list deployments.apps at cluster scope as pod-reader".into(),
        ),
    });
    s.view = ViewKind::Deployments;
    let t = text(&render(&s, 120, 24));
    assert!(
        t.contains("forbidden: cannot list deployments.apps at cluster scope as pod-reader"),
        "{t}"
    );
}

#[test]
fn narrow_80x24_terminal_keeps_name_status_and_drops_extras() {
    let s = demo_state();
    let t = text(&render(&s, 80, 24));
    assert!(t.contains("NAME") && t.contains("STATUS"), "{t}");
    assert!(t.contains("nginx-ingress-prod-1"), "{t}");
    assert!(
        !t.contains("%MEM/R"),
        "wide columns should be dropped at 80 columns:\n{t}"
    );
    for line in t.lines() {
        assert_eq!(line.chars().count(), 80);
    }
}

#[test]
fn escape_sequences_and_wide_names_do_not_break_the_table() {
    let mut s = demo_state();
    s.merged = false;
    s.contexts[0].apply(ClusterEvent::Pods(Delta::Upsert(pod(
        "default",
        "evil\u{1b}[2J\u{1b}]0;pwned\u{7}-pod",
        "n",
        running(),
    ))));
    s.contexts[0].apply(ClusterEvent::Pods(Delta::Upsert(pod(
        "한국어-네임스페이스",
        "웹서버-1",
        "n",
        running(),
    ))));
    let b = render(&s, 140, 30);
    let t = text(&b);
    assert!(!t.contains('\u{1b}'), "raw ESC reached the screen");
    assert!(
        !t.contains("pwned"),
        "an OSC title sequence's text reached the screen"
    );
    // Each wide character takes two cells; the READY cells still line up under READY.
    let col_of = |line: &str, needle: &str| line.find(needle).map(|x| line[..x].chars().count());
    let ready_cols: Vec<usize> = t
        .lines()
        .filter(|l| l.contains(" 1/1 "))
        .filter_map(|l| col_of(l, "1/1"))
        .collect();
    assert!(ready_cols.len() >= 3, "{t}");
    assert!(
        ready_cols.iter().all(|c| *c == ready_cols[0]),
        "READY column misaligned: {ready_cols:?}\n{t}"
    );
}

#[test]
fn help_lists_every_binding_and_none_of_the_mutations_when_readonly() {
    let mut s = demo_state();
    s.help = true;
    let t = text(&render(&s, 120, 60));
    assert!(
        t.contains("describe the selected object") && t.contains("drain the node"),
        "{t}"
    );
    s.readonly = true;
    let t = text(&render(&s, 120, 60));
    assert!(t.contains("describe the selected object"), "{t}");
    assert!(
        !t.contains("drain the node") && !t.contains("force-delete"),
        "{t}"
    );
}

// ---- guided recovery: the drain wizard, the escalation confirmation, the rollout watch ----

fn pod_json(v: serde_json::Value) -> PodRow {
    let p: Pod = serde_json::from_value(v).unwrap();
    PodRow::from_pod(&p)
}

/// A prod node hosting one pod of every class the wizard names.
fn wizard_state() -> State {
    use k8s_openapi::api::policy::v1::PodDisruptionBudget;
    use kockpit::cluster::rows::PdbRow;
    let mut s = demo_state();
    let node_name = "ip-172-20-41-155";
    let owned = |kind: &str| json!([{"apiVersion": "apps/v1", "kind": kind, "name": "owner", "uid": "u", "controller": true}]);
    let meta = |name: &str, labels: serde_json::Value, owners: serde_json::Value| json!({"name": name, "namespace": "default", "creationTimestamp": "2026-11-23T02:00:00Z", "labels": labels, "ownerReferences": owners});
    let spec = |volumes: serde_json::Value| json!({"nodeName": node_name, "containers": [{"name": "c"}], "volumes": volumes});
    let pods = vec![
        pod_json(
            json!({"metadata": meta("keycloak-0", json!({"app": "keycloak"}), owned("StatefulSet")), "spec": spec(json!([])), "status": running()}),
        ),
        pod_json(
            json!({"metadata": meta("kube-router-x", json!({}), owned("DaemonSet")), "spec": spec(json!([])), "status": running()}),
        ),
        pod_json(
            json!({"metadata": meta("web-1", json!({}), owned("ReplicaSet")), "spec": spec(json!([])), "status": running()}),
        ),
        pod_json(
            json!({"metadata": meta("cache-1", json!({}), owned("ReplicaSet")), "spec": spec(json!([{"name": "scratch", "emptyDir": {}}])), "status": running()}),
        ),
        pod_json(
            json!({"metadata": meta("debug-shell", json!({}), json!([])), "spec": spec(json!([])), "status": running()}),
        ),
    ];
    let pdb: PodDisruptionBudget = serde_json::from_value(json!({
        "metadata": {"name": "keycloak", "namespace": "default"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "keycloak"}}},
        "status": {"disruptionsAllowed": 0, "currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 1}
    }))
    .unwrap();
    let i = s.context_index("prod").unwrap();
    s.contexts[i].apply(ClusterEvent::Pods(Delta::Reset(pods)));
    s.contexts[i].apply(ClusterEvent::Pdbs(Delta::Reset(vec![PdbRow::from_pdb(
        &pdb,
    )])));
    // Open the wizard the way the operator does: nodes view, focus prod, filter, drain key.
    s.merged = false;
    s.focus = i;
    s.view = ViewKind::Nodes;
    s.filter = kockpit::app::filter::TextFilter::new("41-155");
    let cmds = kockpit::app::update::update(&mut s, key('r'));
    assert!(cmds.is_empty(), "opening the wizard changes nothing");
    s
}

fn key(c: char) -> kockpit::app::msg::Msg {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    kockpit::app::msg::Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn enter() -> kockpit::app::msg::Msg {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    kockpit::app::msg::Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

#[test]
fn drain_wizard_lists_every_pod_classified_with_blockers_first_in_the_error_style() {
    let s = wizard_state();
    let b = render(&s, 180, 40);
    let t = text(&b);
    assert!(t.contains("Drain ip-172-20-41-155 (prod)"), "{t}");
    assert!(t.contains("not started: enter drains"), "{t}");
    for line in [
        "blocked: PodDisruptionBudget keycloak (minAvailable 1) allows 0",
        "blocked: no controller, needs delete or force",
        "evict (emptyDir data is lost)",
        "skip: managed by a DaemonSet",
    ] {
        assert!(t.contains(line), "{line} missing:\n{t}");
    }
    // Blocked pods come first, skipped ones last.
    let y = |needle: &str| {
        find(&b, needle)
            .unwrap_or_else(|| panic!("{needle}:\n{t}"))
            .1
    };
    assert!(y("debug-shell") < y("web-1"));
    assert!(y("keycloak-0") < y("web-1"));
    assert!(y("web-1") < y("kube-router-x"));
    let (th, _) = theme::load(None, None);
    let (x, row) = find(&b, "blocked: PodDisruptionBudget").unwrap();
    assert_eq!(
        b[(x, row)].fg,
        th.status_error.fg.unwrap(),
        "a blocked pod is drawn as an error"
    );
    assert!(t.contains("blocked 2  remaining 4  skipped 1"), "{t}");
}

#[test]
fn escalation_confirmation_shows_the_kubectl_command_warning_and_asks_for_the_name_on_prod() {
    use kockpit::app::msg::Cmd;
    use kockpit::app::mutation::Mutation;
    use kockpit::recovery::plan::Step;
    let mut s = wizard_state();
    // keycloak is selected second (debug-shell sorts first): move down, escalate to evict.
    kockpit::app::update::update(&mut s, key('j'));
    kockpit::app::update::update(&mut s, key('e'));
    let t = text(&render(&s, 180, 40));
    assert!(t.contains("Evict pod default/keycloak-0 on prod"), "{t}");
    assert!(
        t.contains("/api/v1/namespaces/default/pods/keycloak-0/eviction"),
        "{t}"
    );
    assert!(t.contains("type keycloak-0 to confirm"), "{t}");
    // Enter without the name does nothing but say so.
    assert!(kockpit::app::update::update(&mut s, enter()).is_empty());
    for c in "keycloak-0".chars() {
        kockpit::app::update::update(&mut s, key(c));
    }
    let cmds = kockpit::app::update::update(&mut s, enter());
    assert!(
        matches!(&cmds[..], [Cmd::Mutate(Mutation::Pods { step: Step::Evict, pods })] if pods[0].name == "keycloak-0"),
        "{cmds:?}"
    );
    // The ladder moves on: delete, then force delete with its warning.
    kockpit::app::update::update(&mut s, key('e'));
    let t = text(&render(&s, 180, 40));
    assert!(t.contains("Delete pod default/keycloak-0 on prod"), "{t}");
    assert!(
        t.contains("kubectl --context prod delete pod keycloak-0 -n default ")
            && !t.contains("--grace-period=0"),
        "{t}"
    );
    for c in "keycloak-0".chars() {
        kockpit::app::update::update(&mut s, key(c));
    }
    kockpit::app::update::update(&mut s, enter());
    kockpit::app::update::update(&mut s, key('e'));
    let b = render(&s, 180, 40);
    let t = text(&b);
    assert!(
        t.contains("Force delete pod default/keycloak-0 on prod"),
        "{t}"
    );
    assert!(
        t.contains(
            "kubectl --context prod delete pod keycloak-0 -n default --grace-period=0 --force"
        ),
        "{t}"
    );
    assert!(t.contains("the process may still be running"), "{t}");
    let (th, _) = theme::load(None, None);
    let (x, y) = find(&b, "Production: type keycloak-0").unwrap();
    assert_eq!(b[(x, y)].bg, th.production_banner.bg.unwrap());
}

#[test]
fn rollout_watch_lists_stuck_first_with_old_replica_sets_draining() {
    use k8s_openapi::api::apps::v1::ReplicaSet;
    use kockpit::cluster::rows::ReplicaSetRow;
    let mut s = demo_state();
    let i = s.context_index("prod").unwrap();
    let mut web = deployment("web", false);
    web.uid = "web-uid".into();
    web.updated = 2;
    web.available = 2;
    web.ready = 2;
    web.rollout = kockpit::cluster::rows::Rollout::Progressing;
    let rs = |name: &str, rev: &str, replicas: i32| {
        let r: ReplicaSet = serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "default", "annotations": {"deployment.kubernetes.io/revision": rev},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "web-uid", "controller": true}]},
            "spec": {"replicas": replicas, "selector": {}},
            "status": {"replicas": if replicas == 0 {1} else {replicas}, "readyReplicas": replicas}
        }))
        .unwrap();
        ReplicaSetRow::from_replica_set(&r)
    };
    s.contexts[i].apply(ClusterEvent::Deployments(Delta::Reset(vec![
        deployment("api", false),
        web,
        deployment("keycloak", true),
    ])));
    s.contexts[i].apply(ClusterEvent::ReplicaSets(Delta::Reset(vec![
        rs("web-new", "2", 3),
        rs("web-old", "1", 0),
    ])));
    s.merged = false;
    s.focus = i;
    kockpit::app::update::update(&mut s, key('w'));
    let b = render(&s, 180, 30);
    let t = text(&b);
    assert!(t.contains("Rollouts"), "{t}");
    let y = |needle: &str| {
        find(&b, needle)
            .unwrap_or_else(|| panic!("{needle}:\n{t}"))
            .1
    };
    assert!(
        y("keycloak") < y("web ") && y("web ") < y("api"),
        "stuck, then progressing, then done:\n{t}"
    );
    assert!(t.contains("web-old 1→0"), "{t}");
    assert!(t.contains("stuck: "), "{t}");
    assert!(t.contains("2 in progress, 1 stuck"), "{t}");
    let (th, _) = theme::load(None, None);
    let (x, row) = find(&b, "keycloak").unwrap();
    assert_eq!(
        b[(x, row)].fg,
        th.status_error.fg.unwrap(),
        "a stuck rollout is drawn as an error"
    );
}

#[test]
fn help_lists_every_key_of_the_wizard_and_the_forwards_view_from_the_key_table() {
    use kockpit::app::keys::{ForwardAction, WizardAction};
    use kockpit::app::state::Screen;
    let mut s = wizard_state();
    s.help = true;
    let t = text(&render(&s, 160, 45));
    for a in WizardAction::ALL {
        let keys = s.keymap.wizard.key_for(*a).unwrap();
        let line = format!("{keys:>18}  {}", a.help());
        assert!(t.contains(&line), "wizard {a}: '{line}' missing\n{t}");
    }
    s.screen = Screen::Forwards;
    let t = text(&render(&s, 160, 45));
    for (a, keys) in s.keymap.forwards.bindings() {
        let line = format!("{:>18}  {}", keys.join(", "), a.help());
        assert!(t.contains(&line), "forwards {a}: '{line}' missing\n{t}");
    }
    assert!(ForwardAction::ALL.len() == s.keymap.forwards.bindings().len());

    // The help and the wizard's own hint line follow a keymap that rebinds escalate.
    let text_km = kockpit::app::keys::SHIPPED[0]
        .1
        .replace("escalate: [\"e\"]", "escalate: [\"z\"]");
    s.keymap = kockpit::app::keys::parse(&text_km, "mine.yaml").unwrap();
    s.screen = Screen::Drain;
    let t = text(&render(&s, 160, 45));
    assert!(
        t.contains(&format!("{:>18}  {}", "z", WizardAction::Escalate.help())),
        "{t}"
    );
    s.help = false;
    let t = text(&render(&s, 160, 45));
    assert!(t.contains("z escalate the selected pod one step"), "{t}");
}
