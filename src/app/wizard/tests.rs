//! Flows through the question, the wizard and the results list, driven by keys.
use super::*;
use crate::app::confirm::Outcome;
use crate::app::msg::DrainCmd;
use crate::app::outcome::RecoveryMsg;
use crate::recovery::drain::PodState;
use crate::recovery::plan::{self};
use crossterm::event::KeyCode;
use std::collections::BTreeSet;

#[test]
fn the_ladder_starts_where_the_class_says_and_a_refusal_counts_as_a_tried_eviction() {
    let pdb = PodClass::PdbBlocked {
        pdb: "keycloak".into(),
        min_available: Some("1".into()),
        max_unavailable: None,
        allowed: 0,
    };
    assert_eq!(next_step(&pdb, None, None), Some(Step::Evict));
    assert_eq!(
        next_step(&pdb, Some(&PodState::Blocked { attempt: 2 }), None),
        Some(Step::Delete)
    );
    assert_eq!(
        next_step(&pdb, None, Some(&Step::Delete)),
        Some(Step::ForceDelete)
    );
    assert_eq!(next_step(&pdb, None, Some(&Step::ForceDelete)), None);
    let stuck = PodClass::StuckTerminating {
        reason: plan::STUCK_NODE_NOT_READY.into(),
    };
    assert_eq!(next_step(&stuck, None, None), Some(Step::ForceDelete));
    assert_eq!(
        next_step(&PodClass::DaemonSet, None, Some(&Step::Evict)),
        None
    );
    assert_eq!(
        next_step(&PodClass::Unmanaged, None, None),
        Some(Step::Delete)
    );
}

#[test]
fn bulk_confirmation_on_production_asks_for_the_count() {
    let m = Mutation::Pods {
        step: Step::ForceDelete,
        pods: vec![
            PodTarget {
                context: "prod".into(),
                namespace: "default".into(),
                name: "a".into(),
            },
            PodTarget {
                context: "stg".into(),
                namespace: "default".into(),
                name: "b".into(),
            },
        ],
    };
    assert_eq!(m.contexts(), BTreeSet::from(["prod", "stg"]));
    assert_eq!(
        m.kubectl(),
        vec![
            "kubectl --context prod delete pod a -n default --grace-period=0 --force",
            "kubectl --context stg delete pod b -n default --grace-period=0 --force"
        ]
    );
    assert_eq!(m.verb(), "force delete");
}

use crate::app::msg::Msg;
use crate::app::update::update;
use crate::cluster::events::{ClusterEvent, Delta};
use crate::cluster::kubeconfig::ContextInfo;
use crossterm::event::{KeyEvent, KeyModifiers};

fn state(production: bool) -> State {
    let info = ContextInfo {
        name: "prod".into(),
        cluster: "prod".into(),
        user: "prod-admin".into(),
        namespace: None,
        server: "https://127.0.0.1:1".into(),
        production,
    };
    let mut s = State::new(
        vec![info],
        vec!["prod".into()],
        crate::app::namespaces::Namespaces::all(),
        false,
        crate::app::keys::Keymap::default(),
    );
    let node: k8s_openapi::api::core::v1::Node =
        serde_json::from_value(serde_json::json!({"metadata": {"name": "node-1"}})).unwrap();
    let dep: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(
        serde_json::json!({"metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 3, "selector": {}, "template": {}}}),
    )
    .unwrap();
    s.contexts[0].apply(ClusterEvent::Nodes(Delta::Reset(vec![
        crate::cluster::rows::NodeRow::from_node(&node),
    ])));
    s.contexts[0].apply(ClusterEvent::Deployments(Delta::Reset(vec![
        crate::cluster::rows::DeploymentRow::from_deployment(&dep),
    ])));
    s
}

fn press(s: &mut State, code: KeyCode) -> Vec<Cmd> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        press(s, KeyCode::Char(c));
    }
}

#[test]
fn cordon_outside_production_asks_y_and_n_cancels() {
    let mut s = state(false);
    s.view = ViewKind::Nodes;
    assert!(press(&mut s, KeyCode::Char('c')).is_empty());
    let c = s.confirm.clone().unwrap();
    assert_eq!(c.expect, None);
    assert_eq!(
        c.mutation.kubectl(),
        vec!["kubectl --context prod cordon node-1"]
    );
    assert!(press(&mut s, KeyCode::Char('n')).is_empty());
    assert!(s.confirm.is_none());
    press(&mut s, KeyCode::Char('c'));
    let cmds = press(&mut s, KeyCode::Char('y'));
    assert_eq!(
        cmds,
        vec![Cmd::Mutate(Mutation::Cordon {
            context: "prod".into(),
            node: "node-1".into(),
            on: true
        })]
    );
}

#[test]
fn on_production_only_the_typed_name_confirms() {
    let mut s = state(true);
    s.view = ViewKind::Nodes;
    press(&mut s, KeyCode::Char('u'));
    // `y` is just a letter of the name being typed here.
    assert!(press(&mut s, KeyCode::Char('y')).is_empty());
    assert!(press(&mut s, KeyCode::Enter).is_empty());
    assert!(s.confirm.is_some(), "a wrong name leaves the question up");
    press(&mut s, KeyCode::Backspace);
    typed(&mut s, "node-1");
    let cmds = press(&mut s, KeyCode::Enter);
    assert!(matches!(
        &cmds[..],
        [Cmd::Mutate(Mutation::Cordon { on: false, .. })]
    ));
    assert!(s.confirm.is_none());
}

#[test]
fn scale_asks_for_a_count_then_confirms_and_rejects_nonsense() {
    let mut s = state(false);
    s.view = ViewKind::Deployments;
    press(&mut s, KeyCode::Char('s'));
    typed(&mut s, "x");
    press(&mut s, KeyCode::Enter);
    assert!(s.confirm.is_none());
    assert!(s.notice.as_ref().unwrap().1.contains("not a replica count"));
    press(&mut s, KeyCode::Char('s'));
    typed(&mut s, "5");
    press(&mut s, KeyCode::Enter);
    assert_eq!(
        s.confirm.as_ref().unwrap().mutation.kubectl(),
        vec!["kubectl --context prod scale deployment/web -n default --replicas=5"]
    );
    let cmds = press(&mut s, KeyCode::Enter);
    assert!(matches!(
        &cmds[..],
        [Cmd::Mutate(Mutation::Scale { replicas: 5, .. })]
    ));
}

#[test]
fn a_context_marked_readonly_in_the_config_refuses_mutations() {
    let mut s = state(false);
    s.readonly_contexts = vec!["prod".into()];
    s.view = ViewKind::Nodes;
    assert!(press(&mut s, KeyCode::Char('c')).is_empty());
    assert!(s.confirm.is_none());
    let (level, text) = s.notice.clone().unwrap();
    assert_eq!(level, Level::Warn);
    assert!(text.contains("context prod is read-only"), "{text}");
}

#[test]
fn outcomes_of_several_objects_open_a_results_list() {
    let mut s = state(false);
    let m = Mutation::Pods {
        step: Step::ForceDelete,
        pods: vec![],
    };
    update(
        &mut s,
        Msg::Recovery(RecoveryMsg::Done {
            mutation: m,
            outcomes: vec![
                Outcome {
                    object: "a".into(),
                    result: Ok("done".into()),
                },
                Outcome {
                    object: "b".into(),
                    result: Err("forbidden".into()),
                },
            ],
        }),
    );
    assert_eq!(s.results.as_ref().unwrap().outcomes.len(), 2);
    assert_eq!(s.notice.as_ref().unwrap().0, Level::Error);
    press(&mut s, KeyCode::Enter);
    assert!(s.results.is_none());
}

#[test]
fn drain_command_opens_one_wizard_for_every_filtered_node_and_needs_a_filter() {
    let mut s = state(true);
    let node2: k8s_openapi::api::core::v1::Node =
        serde_json::from_value(serde_json::json!({"metadata": {"name": "node-2"}})).unwrap();
    s.contexts[0].apply(ClusterEvent::Nodes(Delta::Upsert(
        crate::cluster::rows::NodeRow::from_node(&node2),
    )));
    s.view = ViewKind::Nodes;
    open_drain(&mut s, vec![]);
    assert!(s.wizard.is_none(), "no filter, no drain of every node");
    open_drain(&mut s, vec!["node-9".into()]);
    assert!(s.notice.as_ref().unwrap().1.contains("no node node-9"));
    s.filter = crate::app::filter::TextFilter::new("node-");
    open_drain(&mut s, vec![]);
    assert_eq!(s.wizard.as_ref().unwrap().nodes, ["node-1", "node-2"]);
    assert_eq!(s.screen, Screen::Drain);
    // Starting it on production asks for the count of nodes.
    press(&mut s, KeyCode::Enter);
    let c = s.confirm.clone().unwrap();
    assert_eq!(c.expect.as_deref(), Some("2"));
    assert_eq!(
        c.mutation.kubectl(),
        vec![
            "kubectl --context prod drain node-1 node-2 --ignore-daemonsets --delete-emptydir-data"
        ]
    );
    typed(&mut s, "2");
    let cmds = press(&mut s, KeyCode::Enter);
    // Each node's drain starts by cordoning it; the two drain side by side.
    assert_eq!(
        cmds,
        vec![
            Cmd::Drain(DrainCmd::Cordon {
                context: "prod".into(),
                node: "node-1".into()
            }),
            Cmd::Drain(DrainCmd::Cordon {
                context: "prod".into(),
                node: "node-2".into()
            }),
        ]
    );
    let w = s.wizard.as_ref().unwrap();
    assert_eq!(w.runs.len(), 2);
    assert!(w.is_running());
}

#[test]
fn a_keymap_that_rebinds_a_wizard_key_takes_effect() {
    let mut s = state(false);
    let text = crate::app::keys::SHIPPED[0]
        .1
        .replace("escalate: [\"e\"]", "escalate: [\"z\"]");
    s.keymap = crate::app::keys::parse(&text, "mine.yaml").unwrap();
    let unmanaged: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "debug", "namespace": "default"},
        "spec": {"nodeName": "node-1", "containers": [{"name": "c"}]}
    }))
    .unwrap();
    s.contexts[0].apply(ClusterEvent::Pods(Delta::Reset(vec![
        crate::cluster::rows::PodRow::from_pod(&unmanaged),
    ])));
    open_drain(&mut s, vec!["node-1".into()]);
    press(&mut s, KeyCode::Char('e'));
    assert!(s.confirm.is_none(), "e is no longer escalate");
    press(&mut s, KeyCode::Char('z'));
    let c = s.confirm.clone().expect("z escalates");
    assert_eq!(
        c.mutation.kubectl(),
        vec!["kubectl --context prod delete pod debug -n default"]
    );
}

#[test]
fn the_cockpit_drives_the_drain_from_the_rows_it_shows_and_counts_progress_once() {
    use crate::app::outcome::DrainAnswer;
    use crate::cluster::events::SessionEvent;
    use crate::recovery::drain::{EvictOutcome, Phase};
    let mut s = state(false);
    s.now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
    let web: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "web-1", "namespace": "default", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1a", "uid": "u", "controller": true}]},
        "spec": {"nodeName": "node-1", "containers": [{"name": "c"}]},
        "status": {"phase": "Running"}
    }))
    .unwrap();
    s.contexts[0].apply(ClusterEvent::Pods(Delta::Reset(vec![
        crate::cluster::rows::PodRow::from_pod(&web),
    ])));
    open_drain(&mut s, vec!["node-1".into()]);
    press(&mut s, KeyCode::Enter);
    let cordon = Cmd::Drain(DrainCmd::Cordon {
        context: "prod".into(),
        node: "node-1".into(),
    });
    assert_eq!(press(&mut s, KeyCode::Char('y')), vec![cordon]);
    let answer = |s: &mut State, answer: DrainAnswer| {
        update(
            s,
            Msg::Recovery(RecoveryMsg::DrainAnswer {
                context: "prod".into(),
                node: "node-1".into(),
                answer,
                audit_failures: vec![],
            }),
        )
    };
    let evict = Cmd::Drain(DrainCmd::Evict {
        context: "prod".into(),
        node: "node-1".into(),
        namespace: "default".into(),
        name: "web-1".into(),
    });
    // Cordoned: the drain is fed the snapshot the wizard shows, and evicts what it lists.
    assert_eq!(
        answer(&mut s, DrainAnswer::Cordoned(Ok(()))),
        vec![evict.clone()]
    );
    let key = ("default".to_string(), "web-1".to_string());
    assert!(
        answer(
            &mut s,
            DrainAnswer::Evicted {
                key: key.clone(),
                outcome: EvictOutcome::Refused("budget".into()),
            }
        )
        .is_empty()
    );
    let w = s.wizard.as_ref().unwrap();
    assert!(matches!(w.runs["node-1"].phase(), Phase::Retrying { .. }));
    assert_eq!(
        w.rows[0].drain,
        Some((PodState::Blocked { attempt: 1 }, "budget".into()))
    );
    assert_eq!(progress(w).blocked, 1);
    // The retry goes out on the clock, not before its backoff.
    let at = |secs: i64| {
        Msg::Tick(
            s.now
                .checked_add(jiff::SignedDuration::from_secs(secs))
                .unwrap(),
        )
    };
    let (early, late) = (at(1), at(6));
    assert!(update(&mut s, early).is_empty());
    assert_eq!(update(&mut s, late), vec![evict]);
    answer(
        &mut s,
        DrainAnswer::Evicted {
            key,
            outcome: EvictOutcome::Accepted,
        },
    );
    // The pod leaves the watched rows: the same count says so on screen and in the log.
    update(
        &mut s,
        Msg::Cluster(Box::new(SessionEvent {
            context: "prod".into(),
            event: ClusterEvent::Pods(Delta::Remove(("default".into(), "web-1".into()))),
        })),
    );
    crate::app::update::settle(&mut s);
    let w = s.wizard.as_ref().unwrap();
    assert_eq!(*w.runs["node-1"].phase(), Phase::Drained);
    let p = progress(w);
    assert_eq!((p.evicted, p.remaining, p.blocked), (1, 0, 0));
    assert!(
        w.log
            .iter()
            .any(|l| l == "drain of node-1 finished: node drained, 1 evicted"),
        "{:?}",
        w.log
    );
    assert!(!w.is_running());
}

#[test]
fn the_drain_equivalent_quotes_a_context_name_with_spaces() {
    let m = Mutation::Drain {
        context: "arn:aws:eks:eu-west-1:1:cluster/prod blue".into(),
        nodes: vec!["node-1".into(), "node 2".into()],
    };
    assert_eq!(
        m.kubectl(),
        vec![
            "kubectl --context 'arn:aws:eks:eu-west-1:1:cluster/prod blue' drain node-1 'node 2' --ignore-daemonsets --delete-emptydir-data"
        ]
    );
}

#[test]
fn a_bulk_filter_that_matches_every_pod_is_refused() {
    let mut s = state(false);
    let pods: Vec<_> = ["web-1", "web-2"]
        .iter()
        .map(|n| {
            let p: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
                "metadata": {"name": n, "namespace": "default"},
                "spec": {"containers": [{"name": "c"}]}
            }))
            .unwrap();
            crate::cluster::rows::PodRow::from_pod(&p)
        })
        .collect();
    s.contexts[0].apply(ClusterEvent::Pods(Delta::Reset(pods)));
    s.view = ViewKind::Pods;
    s.filter = crate::app::filter::TextFilter::new(".");
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('X'), KeyModifiers::SHIFT)),
    );
    assert!(s.confirm.is_none());
    assert!(
        s.notice.as_ref().unwrap().1.contains("matches all 2 pods"),
        "{:?}",
        s.notice
    );
    s.filter = crate::app::filter::TextFilter::new("web-1");
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('X'), KeyModifiers::SHIFT)),
    );
    assert!(s.confirm.is_some(), "a narrowing filter is previewed");
}
