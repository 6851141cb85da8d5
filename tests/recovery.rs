//! Guided recovery against the in-process simulator: drain with a disruption budget, stuck
//! pods on a NotReady node, bulk force delete, and audit entries replayed with kubectl.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use common::{Harness, eventually};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kockpit::cluster::kubeconfig;
use kockpit::cluster::ops;
use kockpit::cluster::rows::PodRow;
use kockpit::recovery::audit::{self, AuditEntry};
use kockpit::recovery::drain::{self, DrainEvent, DrainOptions, PodState};
use kockpit::recovery::plan::{self, PodClass, STUCK_NODE_NOT_READY, Step};
use kube::Api;
use kube::api::{ListParams, PostParams};
use tokio::sync::mpsc;

const CONTEXT: &str = "prod";
/// The kubeconfig user the simulator writes for context `prod`.
const USER: &str = "prod-admin";
const WAIT: Duration = Duration::from_secs(30);

/// The cockpit's own client: kube's 429 retry off, as `LoadedKubeconfig::client` builds it.
async fn cockpit_client(h: &Harness) -> kube::Client {
    let kc = kubeconfig::load(Some(&h.kubeconfig()), "prod").expect("kubeconfig loads");
    assert_eq!(kc.context(CONTEXT).unwrap().user, USER);
    kc.client(CONTEXT).await.expect("client builds")
}

async fn pod_node(client: &kube::Client, ns: &str, labels: &str) -> (String, String) {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    eventually("a scheduled pod", WAIT, || async {
        let list = pods
            .list(&ListParams::default().labels(labels))
            .await
            .ok()?;
        let p = list.items.first()?;
        let node = p.spec.as_ref()?.node_name.clone()?;
        Some((p.metadata.name.clone()?, node))
    })
    .await
}

async fn gone_from(client: &kube::Client, ns: &str, name: &str, node: &str) -> bool {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    match pods.get_opt(name).await.expect("pod get") {
        None => true,
        Some(p) => p.spec.and_then(|s| s.node_name).as_deref() != Some(node),
    }
}

/// `NAMESPACE/NAME NODE STATUS` for every pod, read with kubectl.
async fn kubectl_pods(h: &Harness) -> Vec<(String, String, String)> {
    let out = h
        .ok(
            CONTEXT,
            &[
                "get",
                "pods",
                "-A",
                "--no-headers",
                "-o",
                "custom-columns=NS:.metadata.namespace,NAME:.metadata.name,NODE:.spec.nodeName",
            ],
        )
        .await;
    out.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((
                f.next()?.to_string(),
                f.next()?.to_string(),
                f.next().unwrap_or("").to_string(),
            ))
        })
        .collect()
}

fn worker(nodes: &[Node]) -> String {
    let mut names: Vec<String> = nodes
        .iter()
        .filter(|n| {
            !n.metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key("node-role.kubernetes.io/control-plane"))
        })
        .filter_map(|n| n.metadata.name.clone())
        .collect();
    names.sort();
    names.remove(0)
}

#[tokio::test]
async fn drain_of_the_keycloak_node_skips_daemonsets_evicts_the_rest_and_reports_the_pdb() {
    let h = Harness::start().await;
    let client = cockpit_client(&h).await;
    let (keycloak, node) = pod_node(&client, "default", "app=keycloak").await;
    // Only a healthy pod counts towards the budget: an unready one may be evicted freely.
    let budgets: Api<PodDisruptionBudget> = Api::namespaced(client.clone(), "default");
    eventually(
        "keycloak healthy and its budget exhausted",
        WAIT,
        || async {
            let st = budgets.get("keycloak").await.ok()?.status?;
            (st.current_healthy == 1 && st.disruptions_allowed == 0).then_some(())
        },
    )
    .await;

    let (tx, mut rx) = mpsc::channel(10_000);
    let entries = std::sync::Mutex::new(Vec::<AuditEntry>::new());
    let mut sink = |e: AuditEntry| entries.lock().unwrap().push(e);
    let options = DrainOptions {
        retry_blocked_for: Duration::from_secs(6),
        backoff: Duration::from_secs(1),
    };
    let progress = drain::drain(&client, CONTEXT, USER, &node, &mut sink, tx, options)
        .await
        .expect("drain runs");
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }

    let planned = events
        .iter()
        .find_map(|e| match e {
            DrainEvent::Planned(p) => Some(p.clone()),
            _ => None,
        })
        .expect("a plan was reported");
    let kc = planned.pod("default", &keycloak).expect("keycloak planned");
    match &kc.class {
        PodClass::PdbBlocked {
            pdb,
            allowed,
            min_available,
            ..
        } => {
            assert_eq!(pdb, "keycloak");
            assert_eq!(*allowed, 0);
            assert_eq!(min_available.as_deref(), Some("1"));
        }
        other => panic!("keycloak should be PdbBlocked, was {other:?}"),
    }
    let attempts: Vec<(u32, String)> = events
        .iter()
        .filter_map(|e| match e {
            DrainEvent::Pod {
                name,
                state: PodState::Blocked { attempt },
                reason,
                ..
            } if *name == keycloak => Some((*attempt, reason.clone())),
            _ => None,
        })
        .collect();
    assert!(
        attempts.len() >= 2,
        "keycloak retried: {attempts:?} events {events:?}"
    );
    assert!(
        attempts[0]
            .1
            .contains("The disruption budget keycloak needs 1 healthy pods"),
        "{attempts:?}"
    );
    assert!(progress.blocked >= 1);
    assert!(progress.evicted >= 1, "{progress:?}");

    let daemonset_pods: Vec<_> = planned
        .pods
        .iter()
        .filter(|p| p.class == PodClass::DaemonSet)
        .collect();
    assert!(
        daemonset_pods
            .iter()
            .any(|p| p.name.starts_with("kube-router")),
        "{planned:?}"
    );
    for p in &daemonset_pods {
        assert!(
            !gone_from(&client, &p.namespace, &p.name, &node).await,
            "{} stays",
            p.name
        );
    }
    for p in planned
        .pods
        .iter()
        .filter(|p| matches!(p.class, PodClass::Evictable | PodClass::EmptyDir))
    {
        assert!(
            gone_from(&client, &p.namespace, &p.name, &node).await,
            "{} evicted",
            p.name
        );
    }
    let audited = entries.lock().unwrap().clone();
    assert!(audited.iter().any(|e| e.action == "cordon"));
    assert!(
        audited
            .iter()
            .any(|e| e.action == "evict" && e.result == "ok")
    );
    assert!(
        audited
            .iter()
            .any(|e| e.action == "evict" && e.result.starts_with("blocked:"))
    );

    // Escalation: the budget-held pod and any bare pod need force.
    let mut escalate: Vec<(String, String)> = vec![("default".into(), keycloak.clone())];
    for p in planned
        .pods
        .iter()
        .filter(|p| p.class == PodClass::Unmanaged)
    {
        escalate.push((p.namespace.clone(), p.name.clone()));
    }
    for (ns, name) in &escalate {
        let out = drain::escalate(
            &client,
            CONTEXT,
            USER,
            ns,
            name,
            Step::ForceDelete,
            &mut sink,
        )
        .await
        .expect("force delete");
        assert_eq!(out, drain::StepOutcome::Done);
    }
    assert!(
        gone_from(&client, "default", &keycloak, &node).await,
        "keycloak force-deleted"
    );

    let nodes = h.ok(CONTEXT, &["get", "nodes"]).await;
    let line = nodes.lines().find(|l| l.starts_with(&node)).unwrap();
    assert!(line.contains("SchedulingDisabled"), "{line}");
    let allowed: BTreeSet<String> = planned
        .pods
        .iter()
        .filter(|p| p.class.skipped())
        .map(|p| p.name.clone())
        .collect();
    eventually("only DaemonSet pods left on the node", WAIT, || async {
        let left: Vec<_> = kubectl_pods(&h)
            .await
            .into_iter()
            .filter(|(_, _, n)| *n == node)
            .collect();
        left.iter()
            .all(|(_, name, _)| allowed.contains(name))
            .then_some(())
    })
    .await;
    let wide = h.ok(CONTEXT, &["get", "pods", "-A", "-o", "wide"]).await;
    assert!(
        wide.lines()
            .filter(|l| l.contains(&node))
            .any(|l| l.contains("kube-router")),
        "{wide}"
    );
    assert!(
        entries
            .lock()
            .unwrap()
            .iter()
            .any(|e| e.action == "force delete" && e.kubectl.contains("--grace-period=0 --force"))
    );
}

#[tokio::test]
async fn pods_stuck_terminating_on_a_notready_node_are_classified_and_force_deleted() {
    let h = Harness::start().await;
    let client = cockpit_client(&h).await;
    let nodes: Api<Node> = Api::all(client.clone());
    let node = worker(&nodes.list(&ListParams::default()).await.unwrap().items);
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "stuck-1", "namespace": "default"},
        "spec": {"nodeName": node, "terminationGracePeriodSeconds": 1,
                 "containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "infinity"]}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    eventually("stuck-1 running", WAIT, || async {
        let p = pods.get("stuck-1").await.ok()?;
        (p.status?.phase.as_deref() == Some("Running")).then_some(())
    })
    .await;

    h.control("prod", &format!("nodes/{node}/notready")).await;
    h.ok(
        CONTEXT,
        &["delete", "pod", "stuck-1", "-n", "default", "--wait=false"],
    )
    .await;

    let stuck = eventually("stuck-1 classified stuck", WAIT, || async {
        let p = drain::current_plan(&client, &node).await.ok()?;
        assert!(!p.node_ready);
        let pp = p.pod("default", "stuck-1")?.clone();
        matches!(pp.class, PodClass::StuckTerminating { .. }).then_some(pp)
    })
    .await;
    assert_eq!(
        stuck.class,
        PodClass::StuckTerminating {
            reason: STUCK_NODE_NOT_READY.into()
        }
    );
    assert_eq!(plan::first_step(&stuck.class), Some(Step::ForceDelete));
    assert!(
        stuck
            .warnings
            .iter()
            .any(|w| w.contains("may still be running"))
    );

    let mut entries = Vec::new();
    let mut sink = |e: AuditEntry| entries.push(e);
    drain::escalate(
        &client,
        CONTEXT,
        USER,
        "default",
        "stuck-1",
        Step::ForceDelete,
        &mut sink,
    )
    .await
    .expect("force delete");
    let out = h
        .run(CONTEXT, &["get", "pod", "stuck-1", "-n", "default"])
        .await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("NotFound"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].kubectl,
        "kubectl --context prod delete pod stuck-1 -n default --grace-period=0 --force"
    );
}

#[tokio::test]
async fn bulk_force_delete_by_keyword_removes_exactly_the_filtered_pods() {
    let h = Harness::start().await;
    let client = cockpit_client(&h).await;
    let all: Api<Pod> = Api::all(client.clone());
    let rows = eventually("three busybox pods", WAIT, || async {
        let rows: Vec<PodRow> = all
            .list(&ListParams::default())
            .await
            .ok()?
            .items
            .iter()
            .map(PodRow::from_pod)
            .collect();
        (rows
            .iter()
            .filter(|r| r.name.starts_with("busybox-"))
            .count()
            >= 3)
            .then_some(rows)
    })
    .await;
    let before: BTreeSet<(String, String)> = kubectl_pods(&h)
        .await
        .into_iter()
        .map(|(ns, n, _)| (ns, n))
        .collect();
    let selected = plan::bulk_force_delete(&rows, "busybox");
    assert!(selected.len() >= 3, "{selected:?}");
    assert!(selected.iter().all(|(_, n)| n.contains("busybox")));
    for (ns, name) in &selected {
        ops::force_delete_pod(&client, ns, name)
            .await
            .expect("force delete");
    }
    let selected: BTreeSet<_> = selected.into_iter().collect();
    eventually(
        "busybox pods replaced, everything else untouched",
        WAIT,
        || async {
            let after: BTreeSet<(String, String)> = kubectl_pods(&h)
                .await
                .into_iter()
                .map(|(ns, n, _)| (ns, n))
                .collect();
            let gone = selected.iter().all(|k| !after.contains(k));
            let kept = before
                .iter()
                .filter(|k| !selected.contains(k))
                .all(|k| after.contains(k));
            assert!(
                kept,
                "other pods untouched: before {before:?} after {after:?}"
            );
            let replacements = after
                .iter()
                .filter(|k| k.1.contains("busybox") && !selected.contains(*k))
                .count();
            (gone && replacements >= selected.len()).then_some(())
        },
    )
    .await;
}

async fn bare_pod(client: &kube::Client, name: &str) {
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"terminationGracePeriodSeconds": 1,
                 "containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "infinity"]}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    eventually("bare pod running", WAIT, || async {
        let p = pods.get(name).await.ok()?;
        (p.status?.phase.as_deref() == Some("Running")).then_some(())
    })
    .await;
}

/// The effects every replay must show, on whichever simulator `client` talks to.
async fn replay_effects_hold(client: &kube::Client, node: &str) {
    let nodes: Api<Node> = Api::all(client.clone());
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let deps: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let kubeapps: Api<Deployment> = Api::namespaced(client.clone(), "kubeapps");
    eventually("replayed effects", WAIT, || async {
        let n = nodes.get(node).await.ok()?;
        let cordoned = n.spec?.unschedulable == Some(true);
        let mut gone = true;
        for name in ["replay-evict", "replay-delete", "debug-shell"] {
            gone &= pods.get_opt(name).await.ok()?.is_none();
        }
        let scaled = deps.get("dokuwiki").await.ok()?.spec?.replicas == Some(3);
        let restarted = kubeapps
            .get("kubeapps")
            .await
            .ok()?
            .spec?
            .template
            .metadata?
            .annotations?
            .contains_key("kubectl.kubernetes.io/restartedAt");
        (cordoned && gone && scaled && restarted).then_some(())
    })
    .await;
}

#[tokio::test]
async fn audit_commands_replayed_on_a_fresh_simulator_do_the_same() {
    let log_dir = tempfile::tempdir().unwrap();
    let log = log_dir.path().join("state/audit.jsonl");
    let first = Harness::start().await;
    let client = cockpit_client(&first).await;
    let nodes: Api<Node> = Api::all(client.clone());
    let node = worker(&nodes.list(&ListParams::default()).await.unwrap().items);
    bare_pod(&client, "replay-evict").await;
    bare_pod(&client, "replay-delete").await;

    let mut sink = |e: AuditEntry| audit::append(&log, &e).expect("audit appends");
    drain::cordon(&client, CONTEXT, USER, &node, true, &mut sink)
        .await
        .unwrap();
    let evicted = drain::escalate(
        &client,
        CONTEXT,
        USER,
        "default",
        "replay-evict",
        Step::Evict,
        &mut sink,
    )
    .await
    .unwrap();
    assert_eq!(evicted, drain::StepOutcome::Done);
    drain::escalate(
        &client,
        CONTEXT,
        USER,
        "default",
        "replay-delete",
        Step::Delete,
        &mut sink,
    )
    .await
    .unwrap();
    drain::escalate(
        &client,
        CONTEXT,
        USER,
        "default",
        "debug-shell",
        Step::ForceDelete,
        &mut sink,
    )
    .await
    .unwrap();
    drain::scale(&client, CONTEXT, USER, "default", "dokuwiki", 3, &mut sink)
        .await
        .unwrap();
    drain::rollout_restart(&client, CONTEXT, USER, "kubeapps", "kubeapps", &mut sink)
        .await
        .unwrap();
    replay_effects_hold(&client, &node).await;

    let entries = audit::read(&log, None).expect("audit reads");
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "cordon",
            "evict",
            "delete",
            "force delete",
            "scale",
            "rollout restart"
        ]
    );
    assert!(entries.iter().all(|e| e.user == USER && e.result == "ok"));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.to_lowercase().contains("token"), "{text}");

    let second = Harness::start().await;
    let fresh = cockpit_client(&second).await;
    bare_pod(&fresh, "replay-evict").await;
    bare_pod(&fresh, "replay-delete").await;
    for e in &entries {
        replay(&second.kubeconfig(), second.home.path(), &e.kubectl).await;
    }
    replay_effects_hold(&fresh, &node).await;
}

/// Runs an audit entry's command as an operator would paste it.
async fn replay(kubeconfig: &Path, home: &Path, command: &str) {
    let out = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home)
        .output()
        .await
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{command} failed: {}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}
