//! The cluster layer against the simulator: a session's rows converge with the server, RBAC
//! refusals and outages are reported and recovered from, metrics arrive, describe reads like
//! kubectl, and the kubeconfig gives clients that surface a 429 at once.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Harness, eventually};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kockpit::cluster::describe::{describe, yaml};
use kockpit::cluster::events::{
    ApiHealth, ClusterEvent, Delta, MetricsSnapshot, ResourceKind, SessionEvent, WatchState,
};
use kockpit::cluster::kinds::KindInfo;
use kockpit::cluster::kubeconfig::{self, LoadedKubeconfig};
use kockpit::cluster::rows::{DeploymentRow, Key, NodeRow, PodRow, Row};
use kockpit::cluster::session::Session;
use kube::api::{Api, EvictParams, ListParams};
use tokio::sync::mpsc;

/// What the app would know after folding a session's events.
#[derive(Default)]
struct Seen {
    pods: BTreeMap<Key, PodRow>,
    nodes: BTreeMap<Key, NodeRow>,
    deployments: BTreeMap<Key, DeploymentRow>,
    resets: BTreeMap<&'static str, usize>,
    watch: BTreeMap<ResourceKind, WatchState>,
    api: Option<ApiHealth>,
    metrics: Option<Option<MetricsSnapshot>>,
    contexts: Vec<String>,
}

fn fold<R: Row>(rows: &mut BTreeMap<Key, R>, resets: &mut usize, delta: Delta<R>) {
    match delta {
        Delta::Reset(all) => {
            *resets += 1;
            *rows = all.into_iter().map(|r| (r.key(), r)).collect();
        }
        Delta::Upsert(r) => {
            rows.insert(r.key(), r);
        }
        Delta::Extend(more) => rows.extend(more.into_iter().map(|r| (r.key(), r))),
        Delta::Remove(k) => {
            rows.remove(&k);
        }
    }
}

impl Seen {
    fn apply(&mut self, e: SessionEvent) {
        if !self.contexts.contains(&e.context) {
            self.contexts.push(e.context.clone());
        }
        match e.event {
            ClusterEvent::Pods(d) => {
                fold(&mut self.pods, self.resets.entry("pods").or_default(), d)
            }
            ClusterEvent::Nodes(d) => {
                fold(&mut self.nodes, self.resets.entry("nodes").or_default(), d)
            }
            ClusterEvent::Deployments(d) => fold(
                &mut self.deployments,
                self.resets.entry("deployments").or_default(),
                d,
            ),
            ClusterEvent::ReplicaSets(_) | ClusterEvent::Pdbs(_) | ClusterEvent::Events(_) => {}
            ClusterEvent::Watch { resource, state } => {
                self.watch.insert(resource, state);
            }
            ClusterEvent::Api(h) => self.api = Some(h),
            ClusterEvent::Metrics(m) => self.metrics = Some(m),
            // Discovery and opened kinds: tests/cluster_kinds.rs.
            ClusterEvent::Catalog(_)
            | ClusterEvent::KindOpened { .. }
            | ClusterEvent::Kind { .. }
            | ClusterEvent::KindWatch { .. } => {}
        }
    }

    fn all_live(&self) -> bool {
        ResourceKind::ALL
            .iter()
            .all(|k| self.watch.get(k) == Some(&WatchState::Live))
    }
}

struct Running {
    session: Session,
    seen: Arc<Mutex<Seen>>,
    fold: tokio::task::JoinHandle<()>,
}

impl Running {
    fn check<T>(&self, f: impl FnOnce(&Seen) -> T) -> T {
        f(&self.seen.lock().unwrap())
    }
}

fn load(h: &Harness) -> LoadedKubeconfig {
    kubeconfig::load(Some(&h.kubeconfig()), "prod").expect("simulator kubeconfig loads")
}

async fn start(h: &Harness, context: &str) -> Running {
    start_in(h, context, None).await
}

async fn start_in(h: &Harness, context: &str, namespace: Option<&str>) -> Running {
    let loaded = load(h);
    let info = loaded.context(context).expect("context exists").clone();
    let client = loaded.client(context).await.expect("client builds");
    // A small channel: backpressure must slow the session down, never lose events.
    let (tx, mut rx) = mpsc::channel(8);
    let session = Session::start(info, client, namespace.map(str::to_string), tx);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let sink = seen.clone();
    let fold = tokio::spawn(async move {
        while let Some(e) = rx.recv().await {
            sink.lock().unwrap().apply(e);
        }
    });
    Running {
        session,
        seen,
        fold,
    }
}

async fn truth<K, R>(api: &Api<K>, project: fn(&K) -> R) -> BTreeMap<Key, R>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
    R: Row,
{
    api.list(&ListParams::default())
        .await
        .expect("list")
        .items
        .iter()
        .map(|o| {
            let r = project(o);
            (r.key(), r)
        })
        .collect()
}

/// Waits until the session's rows equal what the server lists (rows change while controllers run).
async fn rows_match_the_server(h: &Harness, run: &Running, deadline: Duration) {
    let admin = h.client("prod").await;
    let pods: Api<Pod> = Api::all(admin.clone());
    let nodes: Api<Node> = Api::all(admin.clone());
    let deployments: Api<Deployment> = Api::all(admin);
    eventually("session rows to match the server", deadline, || async {
        let (p, n, d) = (
            truth(&pods, PodRow::from_pod).await,
            truth(&nodes, NodeRow::from_node).await,
            truth(&deployments, DeploymentRow::from_deployment).await,
        );
        run.check(|s| {
            (s.pods == p && s.nodes == n && s.deployments == d && !p.is_empty()).then_some(())
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_rows_converge_with_the_simulator() {
    let h = Harness::start().await;
    let run = start(&h, "prod").await;
    eventually("every watch live", Duration::from_secs(10), || async {
        run.check(|s| s.all_live().then_some(()))
    })
    .await;
    run.check(|s| {
        for kind in ["pods", "nodes", "deployments"] {
            assert!(
                s.resets.get(kind).copied().unwrap_or(0) >= 1,
                "{kind} never reset"
            );
        }
        assert!(!s.nodes.is_empty() && !s.deployments.is_empty());
        assert_eq!(s.contexts, ["prod"]);
    });
    assert_eq!(run.session.context().name, "prod");
    assert!(run.session.context().production);
    rows_match_the_server(&h, &run, Duration::from_secs(15)).await;
    eventually(
        "the API reported reachable",
        Duration::from_secs(10),
        || async {
            run.check(|s| matches!(s.api, Some(ApiHealth::Reachable { .. })).then_some(()))
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_deployments_report_a_notice_and_pods_still_load() {
    let h = Harness::start().await;
    let run = start(&h, "prod-pod-reader").await;
    let notice = eventually("deployments forbidden", Duration::from_secs(10), || async {
        run.check(|s| match s.watch.get(&ResourceKind::Deployments) {
            Some(WatchState::Forbidden(sentence)) => Some(sentence.clone()),
            _ => None,
        })
    })
    .await;
    assert_eq!(
        notice,
        "forbidden: cannot list deployments.apps at cluster scope as pod-reader"
    );
    eventually("pods live", Duration::from_secs(10), || async {
        run.check(|s| (s.watch.get(&ResourceKind::Pods) == Some(&WatchState::Live)).then_some(()))
    })
    .await;
    let admin = h.client("prod").await;
    let pods: Api<Pod> = Api::all(admin);
    eventually(
        "pod rows to match the server",
        Duration::from_secs(15),
        || async {
            let p = truth(&pods, PodRow::from_pod).await;
            run.check(|s| (s.pods == p && !p.is_empty()).then_some(()))
        },
    )
    .await;
    eventually(
        "no metrics for this user",
        Duration::from_secs(10),
        || async { run.check(|s| (s.metrics == Some(None)).then_some(())) },
    )
    .await;
    run.check(|s| {
        assert!(s.deployments.is_empty());
        assert!(matches!(
            s.watch.get(&ResourceKind::Nodes),
            Some(WatchState::Forbidden(_))
        ));
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_api_is_reported_and_recovers() {
    let h = Harness::start().await;
    let run = start(&h, "prod").await;
    eventually("live and reachable", Duration::from_secs(10), || async {
        run.check(|s| {
            (s.all_live() && matches!(s.api, Some(ApiHealth::Reachable { .. }))).then_some(())
        })
    })
    .await;

    // An outage: new requests fail and the open watch streams end.
    let went_down = jiff::Timestamp::now();
    h.control("prod", "down").await;
    h.control("prod", "drop-watches").await;
    let since = eventually("unreachable reported", Duration::from_secs(5), || async {
        run.check(|s| match &s.api {
            Some(ApiHealth::Unreachable { since, error }) => {
                assert!(!error.is_empty());
                Some(*since)
            }
            _ => None,
        })
    })
    .await;
    assert!(
        since <= went_down,
        "since {since} is the last time it was seen, before {went_down}"
    );
    eventually("a watch failing", Duration::from_secs(5), || async {
        run.check(|s| {
            matches!(
                s.watch.get(&ResourceKind::Pods),
                Some(WatchState::Failing(_))
            )
            .then_some(())
        })
    })
    .await;

    h.control("prod", "up").await;
    let back = Instant::now();
    eventually(
        "reachable and live again",
        Duration::from_secs(8),
        || async {
            run.check(|s| {
                (s.all_live() && matches!(s.api, Some(ApiHealth::Reachable { .. }))).then_some(())
            })
        },
    )
    .await;
    assert!(
        back.elapsed() < Duration::from_secs(6),
        "recovery took {:?}",
        back.elapsed()
    );
    rows_match_the_server(&h, &run, Duration::from_secs(15)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_arrive_when_served() {
    let h = Harness::start().await;
    let run = start(&h, "prod").await;
    let snapshot = eventually("metrics with pods", Duration::from_secs(40), || async {
        run.check(|s| match &s.metrics {
            Some(Some(m)) if !m.pods.is_empty() => Some(m.clone()),
            _ => None,
        })
    })
    .await;
    let admin = h.client("prod").await;
    let nodes = truth(&Api::<Node>::all(admin), NodeRow::from_node).await;
    let mut metric_nodes: Vec<_> = snapshot.nodes.iter().map(|(n, _, _)| n.clone()).collect();
    metric_nodes.sort();
    let names: Vec<_> = nodes.keys().map(|(_, n)| n.clone()).collect();
    assert_eq!(metric_nodes, names);
    assert!(
        snapshot
            .nodes
            .iter()
            .all(|(_, cpu, mem)| *cpu > 0 && *mem > 0)
    );
    assert!(
        snapshot
            .pods
            .iter()
            .all(|((ns, name), _, _)| !ns.is_empty() && !name.is_empty())
    );
}

/// A running pod of `app`, once the scheduler and kubelet have done their part.
async fn running_pod(h: &Harness, app: &str) -> String {
    let pods: Api<Pod> = Api::namespaced(h.client("prod").await, "default");
    eventually("pod running", Duration::from_secs(20), || async {
        pods.list(&ListParams::default().labels(&format!("app={app}")))
            .await
            .ok()?
            .items
            .into_iter()
            .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
            .and_then(|p| p.metadata.name)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_pod_includes_events() {
    let h = Harness::start().await;
    let pod = running_pod(&h, "keycloak").await;
    let client = load(&h).client("prod").await.unwrap();
    let text = eventually("started event", Duration::from_secs(10), || async {
        let text = describe(&client, &kind("Pod"), "default", &pod)
            .await
            .unwrap();
        text.contains("Started").then_some(text)
    })
    .await;
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        format!("Name: {pod}"),
        "Namespace: default".into(),
        "Status: Running".into(),
        "Controlled By: ReplicaSet/keycloak-".into(),
        "Containers:".into(),
        "Restart Count: 0".into(),
        "Events: Type Reason Age From Message".into(),
        "Scheduled".into(),
        "default-scheduler".into(),
        "kubelet".into(),
    ] {
        assert!(flat.contains(&needle), "describe lacks {needle:?}:\n{text}");
    }
    let events = text.split("Events:").nth(1).unwrap();
    let scheduled = events.find("Scheduled").unwrap();
    let started = events.find("Started").unwrap();
    assert!(scheduled < started, "events oldest first:\n{events}");

    let manifest = yaml(&client, &kind("Pod"), "default", &pod).await.unwrap();
    assert!(manifest.contains("kind: Pod"), "{manifest}");
    assert!(manifest.contains(&format!("name: {pod}")), "{manifest}");
    assert!(!manifest.contains("managedFields"), "{manifest}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_node_and_deployment_show_their_key_fields() {
    let h = Harness::start().await;
    let client = load(&h).client("prod").await.unwrap();
    let node = "ip-172-20-36-62.ap-northeast-2.compute.internal";
    let text = describe(&client, &kind("Node"), "", node).await.unwrap();
    for needle in [
        "Capacity:",
        "Allocatable:",
        "Conditions:",
        "Ready",
        "Taints:",
        "Events:",
    ] {
        assert!(
            text.contains(needle),
            "node describe lacks {needle:?}:\n{text}"
        );
    }
    let text = describe(&client, &kind("Deployment"), "default", "keycloak")
        .await
        .unwrap();
    for needle in ["Replicas:", "desired", "StrategyType:", "Events:"] {
        assert!(
            text.contains(needle),
            "deployment describe lacks {needle:?}:\n{text}"
        );
    }
}

fn kind(id: &str) -> KindInfo {
    KindInfo::builtin(id).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_kind_is_described_and_a_secrets_values_never_leave_masked_views() {
    let h = Harness::start().await;
    let client = load(&h).client("prod").await.unwrap();
    let manifest = h.home.path().join("db.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: default\ntype: Opaque\ndata:\n  password: aHVudGVyMi14eXp6eQ==\n",
    )
    .unwrap();
    // `apply` keeps a copy of the manifest, values and all, in an annotation: masked too.
    let manifest = manifest.to_str().unwrap();
    h.ok("prod", &["apply", "--validate=false", "-f", manifest])
        .await;
    let text = describe(&client, &kind("Secret"), "default", "db")
        .await
        .unwrap();
    assert!(text.contains("Type:  Opaque"), "{text}");
    assert!(text.contains("password:  13 bytes"), "{text}");
    assert!(text.contains("Events:"), "{text}");
    let manifest = yaml(&client, &kind("Secret"), "default", "db")
        .await
        .unwrap();
    assert!(manifest.contains("••••• (13 bytes)"), "{manifest}");
    for shown in [&text, &manifest] {
        assert!(
            !shown.contains("hunter2") && !shown.contains("aHVudGVy"),
            "{shown}"
        );
    }
    let (revealed, keys) =
        kockpit::cluster::describe::reveal(&client, &kind("Secret"), "default", "db")
            .await
            .unwrap();
    assert_eq!(keys, ["password"]);
    assert!(revealed.contains("password:  hunter2-xyzzy"), "{revealed}");

    // A kind without a describer of its own gets kubectl's generic layout, and its events.
    let svc = describe(&client, &kind("Service"), "kubeapps", "kubeapps")
        .await
        .unwrap();
    for needle in [
        "Name:           kubeapps",
        "Namespace:      kubeapps",
        "Spec:",
        "  Ports:",
        "Events:",
    ] {
        assert!(
            svc.contains(needle),
            "service describe lacks {needle:?}:\n{svc}"
        );
    }
    let node = describe(&client, &kind("Namespace"), "", "kubeapps")
        .await
        .unwrap();
    assert!(
        node.starts_with("Name:           kubeapps\nLabels:"),
        "{node}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulator_contexts_are_listed_with_production_marked() {
    let h = Harness::start().await;
    let loaded = load(&h);
    let marks: BTreeMap<_, _> = loaded
        .contexts
        .iter()
        .map(|c| (c.name.as_str(), c.production))
        .collect();
    assert_eq!(marks.get("prod"), Some(&true));
    assert_eq!(marks.get("prod-pod-reader"), Some(&true));
    assert_eq!(marks.get("stg"), Some(&false));
    let reader = loaded.context("prod-pod-reader").unwrap();
    assert_eq!(reader.cluster, "prod");
    assert!(reader.server.starts_with("https://127.0.0.1:"));
    assert!(!format!("{loaded:?}").to_lowercase().contains("token"));
}

#[test]
fn broken_kubeconfig_gives_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("team-config.yaml");
    std::fs::write(&path, "clusters: [\n  - name: x\n    cluster: {server: \n").unwrap();
    let err = kubeconfig::load(Some(&path), "prod")
        .unwrap_err()
        .to_string();
    assert!(err.contains("team-config.yaml"), "{err}");
    assert!(err.contains("--kubeconfig"), "{err}");
    let missing = dir.path().join("absent");
    let err = kubeconfig::load(Some(&missing), "prod")
        .unwrap_err()
        .to_string();
    assert!(err.contains("absent"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_surfaces_a_pdb_blocked_eviction_at_once() {
    let h = Harness::start().await;
    let pod = running_pod(&h, "keycloak").await;
    let admin = h.client("prod").await;
    let pdbs: Api<PodDisruptionBudget> = Api::namespaced(admin, "default");
    eventually(
        "keycloak PDB allows no disruption",
        Duration::from_secs(20),
        || async {
            let pdb = pdbs.get("keycloak").await.ok()?;
            let st = pdb.status?;
            (st.current_healthy >= 1 && st.disruptions_allowed == 0).then_some(())
        },
    )
    .await;
    let client = load(&h).client("prod").await.unwrap();
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let started = Instant::now();
    let answer = tokio::time::timeout(
        Duration::from_secs(5),
        pods.evict(&pod, &EvictParams::default()),
    )
    .await
    .expect("a blocked eviction answers at once, not after retries");
    match answer {
        Err(kube::Error::Api(s)) => assert_eq!(s.code, 429, "{s:?}"),
        other => panic!("expected a 429, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_restriction_applies_to_namespaced_kinds_only() {
    let h = Harness::start().await;
    let run = start_in(&h, "prod", Some("kube-system")).await;
    eventually("every watch live", Duration::from_secs(10), || async {
        run.check(|s| s.all_live().then_some(()))
    })
    .await;
    assert_eq!(run.session.namespace(), Some("kube-system"));
    let admin = h.client("prod").await;
    // The truth is read again on every try: the scenario's DaemonSet pods may still be
    // arriving when the watches first go live.
    eventually(
        "kube-system pods and every node",
        Duration::from_secs(15),
        || async {
            let pods = truth(
                &Api::<Pod>::namespaced(admin.clone(), "kube-system"),
                PodRow::from_pod,
            )
            .await;
            let nodes = truth(&Api::<Node>::all(admin.clone()), NodeRow::from_node).await;
            run.check(|s| {
                let only_kube_system = s.pods.keys().all(|(ns, _)| ns == "kube-system")
                    && s.deployments.keys().all(|(ns, _)| ns == "kube-system");
                let same_pods = s.pods.keys().eq(pods.keys());
                (!pods.is_empty() && only_kube_system && same_pods && s.nodes.len() == nodes.len())
                    .then_some(())
            })
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compacted_history_relists_and_rows_still_match() {
    let h = Harness::start().await;
    let run = start(&h, "prod").await;
    eventually("every watch live", Duration::from_secs(10), || async {
        run.check(|s| s.all_live().then_some(()))
    })
    .await;
    let resets = |s: &Seen| s.resets.values().sum::<usize>();
    let resets_before = run.check(resets);
    h.control("prod", "compact").await;
    h.control("prod", "drop-watches").await;
    // A watch that saw an event after the compaction resumes; the others get 410 Gone and relist.
    eventually(
        "a relist after 410 Gone",
        Duration::from_secs(10),
        || async { run.check(|s| (resets(s) > resets_before).then_some(())) },
    )
    .await;
    run.check(|s| {
        assert!(
            s.all_live(),
            "a 410 is routine, not a failure: {:?}",
            s.watch
        )
    });
    rows_match_the_server(&h, &run, Duration::from_secs(15)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_session_stops_its_tasks() {
    let h = Harness::start().await;
    let run = start(&h, "prod").await;
    eventually("every watch live", Duration::from_secs(10), || async {
        run.check(|s| s.all_live().then_some(()))
    })
    .await;
    let Running { session, fold, .. } = run;
    drop(session);
    // The channel closes only when every task holding a sender has stopped.
    tokio::time::timeout(Duration::from_secs(5), fold)
        .await
        .expect("the event channel closes once the session is dropped")
        .unwrap();
}
