//! Random event and view sequences: the index must always give the rows `table::visible_in`
//! computes from scratch, in the same order, and the health tally what a recount gives.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::*;
use crate::app::drill::Scope;
use crate::app::filter::{LabelFilter, TextFilter};
use crate::app::kinds::KindTable;
use crate::app::msg::Msg;
use crate::app::table::{RowId, Rows, visible_in};
use crate::app::update::{settle, update};
use crate::cluster::events::SessionEvent;
use crate::cluster::generic::KindColumns;
use crate::cluster::kinds::{Catalog, KindInfo};
use crate::cluster::rows::{DeploymentRow, NodeRow, PodRow, Rollout};

const CONTEXTS: [&str; 2] = ["prod", "stg"];

use crate::app::test_support::info;

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn time(rng: &mut StdRng) -> Option<Timestamp> {
    // Few distinct values, so sorts meet ties and fall to their tie-breaks.
    let s = *pick(rng, &[0i64, 60, 3600, 3600, 86_400]);
    rng.random_bool(0.9)
        .then(|| Timestamp::from_second(1_700_000_000 + s).unwrap())
}

fn pod(rng: &mut StdRng) -> PodRow {
    let base: k8s_openapi::api::core::v1::Pod = serde_json::from_value(json!({
        "metadata": {"name": "x", "namespace": "x"},
        "spec": {"containers": [{"name": "c"}, {"name": "d"}]}
    }))
    .unwrap();
    let mut p = PodRow::from_pod(&base);
    p.namespace = pick(rng, &["a", "b", "kube-system"]).to_string();
    p.name = format!(
        "{}-{}",
        pick(rng, &["web", "db", "b"]),
        rng.random_range(0..12)
    );
    p.phase = pick(
        rng,
        &["Running", "Running", "Pending", "Succeeded", "Failed"],
    )
    .to_string();
    p.status = pick(
        rng,
        &["Running", "Pending", "CrashLoopBackOff", "Completed"],
    )
    .to_string();
    p.ready = rng.random_range(0..=2);
    p.restarts = rng.random_range(0..3);
    p.created = time(rng);
    p.node = pick(rng, &["", "node-1", "node-2", "node-3"]).to_string();
    p.ip = format!("10.0.0.{}", rng.random_range(0..4));
    p.owner_kind = "ReplicaSet".into();
    p.owner_name = pick(rng, &["web-rs", "db-rs"]).to_string();
    p.labels = [
        ("app", *pick(rng, &["web", "db"])),
        ("tier", *pick(rng, &["a", "b"])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    p.deletion = rng
        .random_bool(0.15)
        .then(|| (time(rng).unwrap_or(Timestamp::UNIX_EPOCH), 30));
    p
}

fn node(rng: &mut StdRng) -> NodeRow {
    let base: k8s_openapi::api::core::v1::Node =
        serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap();
    let mut n = NodeRow::from_node(&base);
    n.name = format!("node-{}", rng.random_range(0..6));
    n.ready = rng.random_bool(0.8);
    n.unschedulable = rng.random_bool(0.2);
    n.status = pick(rng, &["Ready", "NotReady", "Ready,SchedulingDisabled"]).to_string();
    n.roles = pick(rng, &["control-plane", "worker"]).to_string();
    n.created = time(rng);
    n.labels = [("zone".to_string(), pick(rng, &["a", "b"]).to_string())].into();
    n
}

fn deployment(rng: &mut StdRng) -> DeploymentRow {
    let base: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(json!({
        "metadata": {"name": "x", "namespace": "x"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {}}
    }))
    .unwrap();
    let mut d = DeploymentRow::from_deployment(&base);
    d.namespace = pick(rng, &["a", "b"]).to_string();
    d.name = format!("{}-{}", pick(rng, &["web", "db"]), rng.random_range(0..5));
    d.desired = rng.random_range(0..4);
    d.ready = rng.random_range(0..4);
    d.created = time(rng);
    d.rollout = match rng.random_range(0..4) {
        0 => Rollout::Complete,
        1 => Rollout::Progressing,
        2 => Rollout::Paused,
        _ => Rollout::Stuck("ProgressDeadlineExceeded".into()),
    };
    d
}

fn service_columns() -> KindColumns {
    KindColumns::builtin(&KindInfo::builtin("Service").unwrap())
}

fn service(rng: &mut StdRng) -> crate::cluster::generic::GenericRow {
    let created = time(rng).unwrap_or(Timestamp::UNIX_EPOCH).to_string();
    let obj = json!({
        "metadata": {"name": format!("svc-{}", rng.random_range(0..8)),
                     "namespace": pick(rng, &["a", "b"]), "creationTimestamp": created,
                     "labels": {"app": pick(rng, &["web", "db"])}},
        "spec": {"type": pick(rng, &["ClusterIP", "NodePort"]),
                 "clusterIP": format!("10.96.0.{}", rng.random_range(0..3)),
                 "ports": [{"port": *pick(rng, &[80, 443, 8080]), "protocol": "TCP"}]}
    });
    service_columns().project(&obj, Timestamp::from_second(1_800_000_000).unwrap())
}

fn key_of(state: &State, ci: usize, rng: &mut StdRng, view: ViewKind) -> Option<Key> {
    let ctx = &state.contexts[ci];
    let keys: Vec<Key> = match view {
        ViewKind::Pods => ctx.pods.keys().cloned().collect(),
        ViewKind::Nodes => ctx.nodes.keys().cloned().collect(),
        ViewKind::Deployments => ctx.deployments.keys().cloned().collect(),
        ViewKind::Kind(id) => ctx.kinds.get(id)?.rows.keys().cloned().collect(),
        ViewKind::Kinds => return None,
    };
    (!keys.is_empty()).then(|| pick(rng, &keys).clone())
}

fn world() -> State {
    let (km, _) = crate::settings::keymap::load(None, None);
    let mut s = State::new(
        CONTEXTS.into_iter().map(info).collect(),
        vec![],
        Namespaces::all(),
        false,
        km,
    );
    s.now = Timestamp::from_second(1_700_000_100).unwrap();
    let kinds = [
        "Service",
        "ConfigMap",
        "Secret",
        "Deployment",
        "Pod",
        "Node",
    ]
    .into_iter()
    .filter_map(KindInfo::builtin)
    .collect::<Vec<_>>();
    for ci in 0..CONTEXTS.len() {
        table::apply_event(
            &mut s,
            ci,
            ClusterEvent::Catalog(Catalog {
                kinds: kinds.clone(),
            }),
        );
        table::apply_event(
            &mut s,
            ci,
            ClusterEvent::KindOpened {
                id: "Service",
                columns: service_columns(),
            },
        );
    }
    s
}

/// A watch event for a random context, through `update` as the loop delivers it (generic
/// kinds' events straight to `apply_event`: `update` drops those of kinds nobody asked for).
fn random_event(s: &mut State, rng: &mut StdRng) {
    let ci = rng.random_range(0..CONTEXTS.len());
    let event = match rng.random_range(0..100) {
        0..40 => ClusterEvent::Pods(Delta::Upsert(pod(rng))),
        40..52 => match key_of(s, ci, rng, ViewKind::Pods) {
            Some(k) => ClusterEvent::Pods(Delta::Remove(k)),
            None => return,
        },
        52..56 => ClusterEvent::Pods(Delta::Extend((0..4).map(|_| pod(rng)).collect())),
        56..58 => ClusterEvent::Pods(Delta::Reset(
            (0..rng.random_range(0..30)).map(|_| pod(rng)).collect(),
        )),
        58..70 => ClusterEvent::Nodes(Delta::Upsert(node(rng))),
        70..74 => match key_of(s, ci, rng, ViewKind::Nodes) {
            Some(k) => ClusterEvent::Nodes(Delta::Remove(k)),
            None => return,
        },
        74..84 => ClusterEvent::Deployments(Delta::Upsert(deployment(rng))),
        84..88 => match key_of(s, ci, rng, ViewKind::Deployments) {
            Some(k) => ClusterEvent::Deployments(Delta::Remove(k)),
            None => return,
        },
        88..96 => ClusterEvent::Kind {
            id: "Service",
            delta: Delta::Upsert(service(rng)),
        },
        _ => match key_of(s, ci, rng, ViewKind::Kind("Service")) {
            Some(k) => ClusterEvent::Kind {
                id: "Service",
                delta: Delta::Remove(k),
            },
            None => return,
        },
    };
    if matches!(event, ClusterEvent::Kind { .. }) {
        table::apply_event(s, ci, event);
    } else {
        update(
            s,
            Msg::Cluster(Box::new(SessionEvent {
                context: CONTEXTS[ci].into(),
                event,
            })),
        );
    }
}

/// A change of what the table shows, made straight on the state as the reducers do.
fn random_view_change(s: &mut State, rng: &mut StdRng) {
    match rng.random_range(0..10) {
        // One more character typed: the index narrows what it had.
        0 if !s.filter.text.is_empty() || rng.random_bool(0.5) => {
            let more = *pick(rng, &["e", "B", "-", "1", "n", "."]);
            s.filter = TextFilter::new(&format!("{}{more}", s.filter.text));
        }
        0 | 1 => {
            let f = *pick(
                rng,
                &[
                    "", "", "", "", "", "web", "B-1", "^db", "Running", "node-2", "10.0.0.1", "x(",
                    "443", "a",
                ],
            );
            s.filter = TextFilter::new(f);
        }
        2 => {
            let l = *pick(rng, &["", "app=web", "app!=db", "tier in (a)", "zone=a"]);
            s.labels = (!l.is_empty()).then(|| LabelFilter::parse(l).unwrap());
        }
        3 | 4 => {
            let cols = table::sortable(s, s.view);
            let own = *pick(rng, &cols);
            s.sort.column = *pick(
                rng,
                &[
                    own, "AGE", "STATUS", "RESTARTS", "NODE", "READY", "CONTEXT", "TYPE", "PORT(S)",
                ],
            );
            s.sort.reverse = rng.random_bool(0.5);
        }
        5 => {
            s.view = *pick(
                rng,
                &[
                    ViewKind::Pods,
                    ViewKind::Nodes,
                    ViewKind::Deployments,
                    ViewKind::Kind("Service"),
                    ViewKind::Kinds,
                ],
            );
        }
        6 => {
            let ns = *pick(rng, &["", "a", "a,b", "kube-system"]);
            s.namespaces = Namespaces::parse(ns);
        }
        7 => match rng.random_range(0..3) {
            0 => s.merged = !s.merged,
            1 => crate::app::split::toggle(s),
            _ => crate::app::split::switch_side(s),
        },
        8 => {
            s.focus = rng.random_range(0..CONTEXTS.len());
            crate::app::split::settle(s);
        }
        _ => {
            let context = pick(rng, &CONTEXTS).to_string();
            s.drill.scope = match rng.random_range(0..6) {
                0..4 => None,
                4 => Some(Scope::Node {
                    context,
                    node: pick(rng, &["node-1", "node-2"]).to_string(),
                }),
                _ => Some(Scope::Owner {
                    context,
                    namespace: "a".into(),
                    kind: "ReplicaSet".into(),
                    name: "web-rs".into(),
                }),
            };
        }
    }
}

fn ids<'a>(state: &State, rows: impl IntoIterator<Item = RowRef<'a>>) -> Vec<RowId> {
    rows.into_iter().map(|r| r.id(state)).collect()
}

/// Every table on screen: the index (when up to date; it must be after `settle`) against the
/// from-scratch rows, and a cursor found at the same position in both.
fn check(s: &State, settled: bool, step: usize, rng: &mut StdRng) -> usize {
    let mut compared = 0;
    for contexts in wanted(s) {
        let scratch = visible_in(s, &contexts);
        let Some(pane) = s.index.pane(s, &contexts) else {
            assert!(!settled, "step {step}: a pane out of date after settle");
            continue;
        };
        let indexed = ids(s, pane.rows_from(s, 0));
        assert_eq!(
            indexed,
            ids(s, scratch.iter().copied()),
            "step {step}: view {:?} sort {} {} filter {:?} contexts {contexts:?}",
            s.view,
            s.sort.column,
            s.sort.reverse,
            s.filter.text
        );
        compared += indexed.len();
        let rows = Rows::of(s, &contexts);
        assert!(matches!(rows, Rows::Indexed(..)));
        if !scratch.is_empty() {
            let at = rng.random_range(0..scratch.len());
            let cursor = scratch[at].id(s);
            assert_eq!(rows.position(Some(&cursor)), at, "step {step}");
            let window = rows.window(at, 3);
            assert_eq!(
                ids(s, window),
                ids(s, scratch.iter().skip(at).take(3).copied())
            );
        }
    }
    compared
}

#[test]
fn the_index_always_shows_the_rows_a_from_scratch_filter_and_sort_gives() {
    let mut compared = 0;
    let mut views = std::collections::BTreeSet::new();
    for seed in 0..12 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut s = world();
        for step in 0..600 {
            if rng.random_bool(0.75) {
                random_event(&mut s, &mut rng);
                compared += check(&s, true, step, &mut rng);
            } else {
                random_view_change(&mut s, &mut rng);
                // Unsettled, readers fall back to the scratch rows; settled, the index serves.
                check(&s, false, step, &mut rng);
                settle(&mut s);
                compared += check(&s, true, step, &mut rng);
            }
            views.insert((
                format!("{:?}", s.view),
                s.sort.column,
                s.split.panes.is_some(),
            ));
            if rng.random_bool(0.1) {
                table::move_cursor(&mut s, rng.random_range(-3i64..4) as isize);
                let rows = Rows::keyed(&s);
                let scratch = visible_in(&s, &s.table_contexts());
                assert_eq!(
                    rows.position(s.cursor.as_ref()),
                    table::cursor_index(&s, &scratch, s.cursor.as_ref())
                );
            }
        }
    }
    // The sequences must have reached many views and sorts, with rows in them.
    assert!(compared > 10_000, "{compared}");
    assert!(views.len() > 30, "{} {views:?}", views.len());
}

#[test]
fn the_health_tally_equals_a_recount_after_random_events() {
    for seed in 0..8 {
        let mut rng = StdRng::seed_from_u64(100 + seed);
        let mut s = world();
        for step in 0..1500 {
            random_event(&mut s, &mut rng);
            if step % 50 == 0 {
                // Past some deletion deadlines, not others.
                s.now = time(&mut rng).unwrap_or(s.now);
            }
            for c in &s.contexts {
                assert_eq!(
                    c.health(s.now),
                    c.recount_health(s.now),
                    "seed {seed} step {step}"
                );
                assert_eq!(c.pods_per_node(), &c.recount_pods_per_node());
            }
        }
    }
}

#[test]
fn a_generic_kinds_table_removed_by_expiry_is_not_served_stale() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut s = world();
    for _ in 0..20 {
        table::apply_event(
            &mut s,
            0,
            ClusterEvent::Kind {
                id: "Service",
                delta: Delta::Upsert(service(&mut rng)),
            },
        );
    }
    s.view = ViewKind::Kind("Service");
    s.merged = false;
    settle(&mut s);
    assert!(!Rows::keyed(&s).is_empty());
    s.contexts[0].kinds.remove("Service");
    s.contexts[0].revisions.bump_kind("Service");
    assert!(Rows::keyed(&s).is_empty());
    s.contexts[0]
        .kinds
        .insert("Service", KindTable::new(service_columns()));
    s.contexts[0].revisions.bump_kind("Service");
    settle(&mut s);
    assert!(Rows::keyed(&s).is_empty());
}
