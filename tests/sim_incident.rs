//! The default scenario's timeline (the incident `kockpit demo` plays), through the real kubectl:
//! a node joins and the oldest worker, where keycloak runs, is cordoned and drained until
//! keycloak's PodDisruptionBudget refuses (as it refuses kubectl's own drain); another worker
//! goes NotReady and its pods hang Terminating; kubeapps' rollout stops on a crash-looping pod.

mod common;

use std::time::Duration;

use common::{Harness, eventually};
use kockpit::sim::{SimOptions, Simulator, scenario};

const WAIT: Duration = Duration::from_secs(40);
const OLDEST: &str = "ip-172-20-53-98.ap-northeast-2.compute.internal";
const JOINS: &str = "ip-172-20-44-201.ap-northeast-2.compute.internal";
const GOES_NOT_READY: &str = "ip-172-20-41-155.ap-northeast-2.compute.internal";

/// The default scenario with the timeline on; kubeapps' progress deadline shortened so the
/// stuck rollout shows in seconds (the timeline itself is the default's).
async fn incident() -> Harness {
    let home = tempfile::tempdir().expect("tempdir");
    let text =
        scenario::DEFAULT.replace("progressDeadlineSeconds: 30", "progressDeadlineSeconds: 8");
    assert_ne!(text, scenario::DEFAULT, "kubeapps has a progress deadline");
    let sim = Simulator::start(SimOptions {
        scenario: Some(text),
        kubeconfig_out: Some(home.path().join("kubeconfig")),
        timeline: true,
        ..Default::default()
    })
    .await
    .expect("simulator starts");
    Harness { sim, home }
}

/// `name phase node deleting?` of every pod in prod.
async fn pods(h: &Harness) -> Vec<(String, String, String, String, bool)> {
    let out = h
        .ok(
            "prod",
            &[
                "get",
                "pods",
                "-A",
                "-o",
                "jsonpath={range .items[*]}{.metadata.namespace} {.metadata.name} {.status.phase} {.spec.nodeName} {.metadata.deletionTimestamp}{\"\\n\"}{end}",
            ],
        )
        .await;
    out.lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f.get(2).unwrap_or(&"").to_string(),
                f.get(3).unwrap_or(&"").to_string(),
                f.get(4).is_some_and(|d| !d.is_empty()),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_incident_stalls_a_drain_on_keycloaks_budget_strands_pods_and_sticks_a_rollout() {
    let h = incident().await;

    // The drain's target is the oldest worker, and the scheduler put keycloak there.
    let workers = h
        .ok(
            "prod",
            &[
                "get",
                "nodes",
                "-l",
                "node-role.kubernetes.io/node",
                "--sort-by=.metadata.creationTimestamp",
                "-o",
                "name",
            ],
        )
        .await;
    assert_eq!(
        workers.lines().next(),
        Some(format!("node/{OLDEST}").as_str()),
        "{workers}"
    );
    let keycloak = eventually("keycloak scheduled", WAIT, || async {
        pods(&h)
            .await
            .into_iter()
            .find(|p| p.1.starts_with("keycloak-") && !p.3.is_empty())
    })
    .await;
    assert_eq!(keycloak.3, OLDEST, "keycloak runs on the oldest worker");
    let keycloak = keycloak.1;

    // A new node joins; the oldest is cordoned and everything but keycloak and its
    // DaemonSet pod leaves it.
    eventually(
        "the new node Ready and the oldest cordoned",
        WAIT,
        || async {
            let nodes = h.ok("prod", &["get", "nodes", "--no-headers"]).await;
            let status = |n: &str| {
                nodes
                    .lines()
                    .find(|l| l.starts_with(n))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .map(str::to_string)
            };
            (status(JOINS).as_deref() == Some("Ready")
                && status(OLDEST).as_deref() == Some("Ready,SchedulingDisabled"))
            .then_some(())
        },
    )
    .await;
    let left = eventually("the drain evicts all it may", WAIT, || async {
        let on: Vec<String> = pods(&h)
            .await
            .into_iter()
            .filter(|p| p.3 == OLDEST && !p.1.starts_with("kube-router-"))
            .map(|p| p.1)
            .collect();
        (on == [keycloak.clone()]).then_some(on)
    })
    .await;
    assert_eq!(left, std::slice::from_ref(&keycloak));

    // The drainer recorded the refusal as an Event on keycloak's pod, and keeps retrying.
    let event = eventually("an EvictionBlocked event retried", WAIT, || async {
        let out = h
            .ok(
                "prod",
                &[
                    "get",
                    "events",
                    "-n",
                    "default",
                    "--field-selector",
                    &format!("involvedObject.name={keycloak},reason=EvictionBlocked"),
                    "-o",
                    "jsonpath={.items[0].type} {.items[0].count} {.items[0].message}",
                ],
            )
            .await;
        let count: u32 = out.split(' ').nth(1)?.parse().ok()?;
        (count >= 2).then_some(out)
    })
    .await;
    assert!(event.starts_with("Warning "), "{event}");
    assert!(
        event.contains("Cannot evict pod as it would violate the pod's disruption budget.")
            && event.contains(
                "The disruption budget keycloak needs 1 healthy pods and has 1 currently"
            ),
        "{event}"
    );

    // kubectl's own drain meets the same 429 from the eviction subresource.
    let out = h
        .run(
            "prod",
            &[
                "drain",
                OLDEST,
                "--ignore-daemonsets",
                "--delete-emptydir-data",
                "--timeout=3s",
            ],
        )
        .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!(
            "error when evicting pods/\"{keycloak}\" -n \"default\""
        )) && stderr.contains("Cannot evict pod as it would violate the pod's disruption budget"),
        "{stderr}"
    );

    // Another worker stops reporting; after the timeline's short toleration its pods are
    // deleted and, their kubelet gone, stay Terminating.
    let stranded = eventually("pods Terminating on the NotReady node", WAIT, || async {
        let nodes = h.ok("prod", &["get", "nodes", "--no-headers"]).await;
        let not_ready = nodes.lines().any(|l| {
            l.starts_with(GOES_NOT_READY) && l.split_whitespace().nth(1) == Some("NotReady")
        });
        let terminating: Vec<String> = pods(&h)
            .await
            .into_iter()
            .filter(|p| p.3 == GOES_NOT_READY && p.4)
            .map(|p| p.1)
            .collect();
        (not_ready && !terminating.is_empty()).then_some(terminating)
    })
    .await;
    let listed = h
        .ok("prod", &["get", "pods", "-A", "-o", "wide", "--no-headers"])
        .await;
    for p in &stranded {
        let row = listed.lines().find(|l| l.contains(p.as_str())).unwrap();
        assert!(row.contains("Terminating"), "{row}");
    }

    // kubeapps' new pods crash-loop before their readiness probe, so the rollout stops with
    // both old pods serving.
    let out = h
        .run(
            "prod",
            &[
                "rollout",
                "status",
                "deployment/kubeapps",
                "-n",
                "kubeapps",
                "--timeout=40s",
            ],
        )
        .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("deployment \"kubeapps\" exceeded its progress deadline"),
        "{stderr}"
    );
    let deploy = h
        .ok(
            "prod",
            &[
                "get",
                "deployment",
                "kubeapps",
                "-n",
                "kubeapps",
                "-o",
                "jsonpath={.status.availableReplicas} {.status.updatedReplicas}",
            ],
        )
        .await;
    assert_eq!(deploy, "2 1");
    eventually("the new kubeapps pod in CrashLoopBackOff", WAIT, || async {
        let out = h
            .ok("prod", &["get", "pods", "-n", "kubeapps", "--no-headers"])
            .await;
        out.contains("CrashLoopBackOff").then_some(())
    })
    .await;
}
