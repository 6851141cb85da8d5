//! Fidelity: the real kubectl against the simulator, for every verb the simulator claims.
//! Each test starts its own simulator and gives kubectl its own HOME.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Harness, column, eventually};
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_kubectl_table_columns_for_both_contexts() {
    let h = Harness::start().await;
    for ctx in ["prod", "stg"] {
        let nodes = h.ok(ctx, &["get", "nodes"]).await;
        assert!(
            nodes
                .lines()
                .next()
                .unwrap()
                .split_whitespace()
                .eq(["NAME", "STATUS", "ROLES", "AGE", "VERSION"]),
            "{nodes}"
        );
        assert!(
            nodes.contains("control-plane") && nodes.contains("Ready") && nodes.contains("v1.32.4"),
            "{nodes}"
        );
        assert!(
            nodes.contains(".ap-northeast-2.compute.internal"),
            "{nodes}"
        );

        let deploy = h.ok(ctx, &["get", "deploy", "-A"]).await;
        assert!(
            deploy.lines().next().unwrap().split_whitespace().eq([
                "NAMESPACE",
                "NAME",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "AGE"
            ]),
            "{deploy}"
        );
        assert!(
            deploy.contains("nginx-ingress") && deploy.contains("kubeapps"),
            "{deploy}"
        );

        let pods = eventually("all pods running", Duration::from_secs(20), || async {
            let out = h.ok(ctx, &["get", "pods", "-A", "-o", "wide"]).await;
            let statuses = column(&out, "STATUS");
            statuses
                .iter()
                .all(|s| s == "Running" || s == "Completed")
                .then_some(out)
        })
        .await;
        let header: Vec<&str> = pods.lines().next().unwrap().split_whitespace().collect();
        for col in [
            "NAMESPACE",
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED",
            "READINESS",
        ] {
            assert!(header.contains(&col), "missing {col} in {header:?}");
        }
        assert!(
            column(&pods, "IP")
                .iter()
                .all(|ip| ip.starts_with("100.96.")),
            "{pods}"
        );
        assert!(
            column(&pods, "NODE")
                .iter()
                .all(|n| n.ends_with(".compute.internal")),
            "{pods}"
        );
        assert!(column(&pods, "READY").iter().any(|r| r == "1/1"), "{pods}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_all_and_apply_work_on_the_generic_store() {
    let h = Harness::start().await;
    let all = h.ok("prod", &["get", "all", "-A"]).await;
    for kind in [
        "pod/",
        "service/kubeapps",
        "daemonset.apps/kube-router",
        "deployment.apps/keycloak",
        "replicaset.apps/",
        "job.batch/pingpong",
        "cronjob.batch/pingpong",
    ] {
        assert!(all.contains(kind), "missing {kind} in get all:\n{all}");
    }
    let ns = h.ok("prod", &["get", "ns", "-L", "env"]).await;
    assert!(
        ns.lines()
            .any(|l| l.starts_with("prod ") && l.trim_end().ends_with("prod")),
        "{ns}"
    );
    assert!(
        ns.lines()
            .any(|l| l.starts_with("dev ") && l.trim_end().ends_with("dev")),
        "{ns}"
    );

    let manifest = h.home.path().join("cm.yaml");
    std::fs::write(&manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  mode: blue\n").unwrap();
    let m = manifest.to_str().unwrap();
    let out = h.ok("prod", &["apply", "--validate=false", "-f", m]).await;
    assert!(out.contains("configmap/settings created"), "{out}");
    std::fs::write(&manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  mode: green\n").unwrap();
    let out = h.ok("prod", &["apply", "--validate=false", "-f", m]).await;
    assert!(out.contains("configmap/settings configured"), "{out}");
    let mode = h
        .ok(
            "prod",
            &["get", "cm", "settings", "-o", "jsonpath={.data.mode}"],
        )
        .await;
    assert_eq!(mode, "green");
    let out = h.ok("prod", &["delete", "-f", m]).await;
    assert!(out.contains("deleted"), "{out}");
    let gone = h.run("prod", &["get", "cm", "settings"]).await;
    assert!(String::from_utf8_lossy(&gone.stderr).contains("configmaps \"settings\" not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_pods_watch_prints_a_rolling_update_as_it_happens() {
    let h = Harness::start().await;
    let before: BTreeSet<String> =
        eventually("nginx-ingress ready", Duration::from_secs(20), || async {
            let out = h
                .ok(
                    "prod",
                    &[
                        "get",
                        "pods",
                        "-n",
                        "default",
                        "-l",
                        "app=nginx-ingress",
                        "--no-headers",
                    ],
                )
                .await;
            let names: BTreeSet<String> = out
                .lines()
                .filter(|l| l.contains("Running") && l.contains("1/1"))
                .map(|l| l.split_whitespace().next().unwrap().to_string())
                .collect();
            (names.len() == 3).then_some(names)
        })
        .await;
    let mut watch = h
        .kubectl("prod", &["get", "pods", "-A", "-w"])
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    // The initial listing comes first; the restart starts after the watch is established.
    tokio::time::timeout(Duration::from_secs(15), async {
        while let Ok(Some(l)) = lines.next_line().await {
            if l.contains("nginx-ingress") {
                return;
            }
        }
    })
    .await
    .expect("the watch lists pods");
    h.control("prod", "deployments/default/nginx-ingress/restart")
        .await;
    let new_pod = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(l)) = lines.next_line().await {
            let name = l.split_whitespace().nth(1).unwrap_or_default().to_string();
            if name.starts_with("nginx-ingress-") && !before.contains(&name) {
                return l;
            }
        }
        panic!("watch ended");
    })
    .await
    .expect("a new nginx-ingress pod appears in the watch within 30 s");
    assert!(new_pod.starts_with("default "), "{new_pod}");
    let _ = watch.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_pod_shows_the_pod_and_its_events() {
    let h = Harness::start().await;
    let pod = eventually("keycloak running", Duration::from_secs(20), || async {
        let out = h
            .ok(
                "prod",
                &["get", "pods", "-l", "app=keycloak", "--no-headers"],
            )
            .await;
        out.lines()
            .find(|l| l.contains("Running"))
            .map(|l| l.split_whitespace().next().unwrap().to_string())
    })
    .await;
    let out = h.ok("prod", &["describe", "pod", &pod]).await;
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = format!("Name: {pod}");
    for needle in [
        name.as_str(),
        "Namespace: default",
        "Status: Running",
        "Controlled By: ReplicaSet/keycloak-",
        "Events:",
        "Scheduled",
        "default-scheduler",
        "Started container keycloak",
        "kubelet",
    ] {
        assert!(flat.contains(needle), "describe lacks {needle:?}:\n{out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cordon_and_uncordon_toggle_scheduling() {
    let h = Harness::start().await;
    let node = "ip-172-20-36-62.ap-northeast-2.compute.internal";
    let out = h.ok("prod", &["cordon", node]).await;
    assert!(out.contains("cordoned"), "{out}");
    let nodes = h.ok("prod", &["get", "nodes"]).await;
    assert!(
        nodes
            .lines()
            .any(|l| l.starts_with(node) && l.contains("Ready,SchedulingDisabled")),
        "{nodes}"
    );
    assert_eq!(
        h.ok(
            "prod",
            &["get", "node", node, "-o", "jsonpath={.spec.unschedulable}"]
        )
        .await,
        "true"
    );
    h.ok("prod", &["uncordon", node]).await;
    let nodes = h.ok("prod", &["get", "nodes"]).await;
    assert!(
        nodes
            .lines()
            .any(|l| l.starts_with(node) && l.split_whitespace().nth(1) == Some("Ready")),
        "{nodes}"
    );
    assert_eq!(
        h.ok(
            "prod",
            &["get", "node", node, "-o", "jsonpath={.spec.unschedulable}"]
        )
        .await,
        ""
    );
}

/// Nodes and the pods on them that are not DaemonSet-managed or finished.
async fn pods_by_node(h: &Harness) -> Vec<(String, Vec<String>)> {
    let out = h
        .ok("prod", &["get", "pods", "-A", "-o", "wide", "--no-headers"])
        .await;
    let nodes = h
        .ok(
            "prod",
            &[
                "get",
                "nodes",
                "--no-headers",
                "-l",
                "node-role.kubernetes.io/node",
            ],
        )
        .await;
    nodes
        .lines()
        .map(|n| {
            let node = n.split_whitespace().next().unwrap().to_string();
            let pods = out
                .lines()
                .filter(|l| {
                    l.split_whitespace().nth(7) == Some(node.as_str())
                        && !l.contains("kube-router")
                        && !l.contains("Completed")
                })
                .map(|l| l.split_whitespace().nth(1).unwrap().to_string())
                .collect();
            (node, pods)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_succeeds_on_a_plain_node_and_times_out_on_the_keycloak_node() {
    let h = Harness::start().await;
    let layout = eventually(
        "pods scheduled and running",
        Duration::from_secs(20),
        || async {
            let out = h.ok("prod", &["get", "pods", "-A", "--no-headers"]).await;
            out.lines()
                .all(|l| l.contains("Running") || l.contains("Completed"))
                .then_some(())?;
            Some(pods_by_node(&h).await)
        },
    )
    .await;
    let guarded = |pods: &Vec<String>| {
        pods.iter()
            .any(|p| p.starts_with("keycloak-") || p == "debug-shell")
    };
    let (plain, _) = layout
        .iter()
        .find(|(_, pods)| !guarded(pods) && !pods.is_empty())
        .expect("a node without guarded pods");
    let (keycloak_node, _) = layout
        .iter()
        .find(|(_, pods)| pods.iter().any(|p| p.starts_with("keycloak-")))
        .expect("keycloak's node");

    let out = h
        .run(
            "prod",
            &[
                "drain",
                plain,
                "--ignore-daemonsets",
                "--delete-emptydir-data",
                "--timeout=20s",
            ],
        )
        .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "drain failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("node/{plain} drained")),
        "{stdout}"
    );
    let left = pods_by_node(&h)
        .await
        .into_iter()
        .find(|(n, _)| n == plain)
        .unwrap()
        .1;
    assert!(left.is_empty(), "pods left on drained node: {left:?}");

    let started = std::time::Instant::now();
    let out = h
        .run(
            "prod",
            &[
                "drain",
                keycloak_node,
                "--ignore-daemonsets",
                "--delete-emptydir-data",
                "--force",
                "--timeout=20s",
            ],
        )
        .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "drain of keycloak's node should fail"
    );
    let refusals = stderr
        .matches("Cannot evict pod as it would violate the pod's disruption budget.")
        .count();
    assert!(
        refusals >= 2,
        "expected repeated PDB refusals, got {refusals}:\n{stderr}"
    );
    assert!(stderr.contains("will retry after 5s"), "{stderr}");
    assert!(stderr.contains("global timeout reached: 20s"), "{stderr}");
    assert!(started.elapsed() >= Duration::from_secs(19));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_delete_removes_a_pod_stuck_terminating_on_a_notready_node() {
    let h = Harness::start().await;
    let (pod, node) = eventually("dokuwiki running", Duration::from_secs(20), || async {
        let out = h
            .ok(
                "prod",
                &[
                    "get",
                    "pods",
                    "-l",
                    "app=dokuwiki",
                    "-o",
                    "wide",
                    "--no-headers",
                ],
            )
            .await;
        let l = out.lines().find(|l| l.contains("Running"))?.to_string();
        let f: Vec<&str> = l.split_whitespace().collect();
        Some((f[0].to_string(), f[6].to_string()))
    })
    .await;
    h.control("prod", &format!("nodes/{node}/notready")).await;
    eventually("node NotReady", Duration::from_secs(10), || async {
        h.ok("prod", &["get", "nodes", "--no-headers"])
            .await
            .lines()
            .any(|l| l.starts_with(&node) && l.contains("NotReady"))
            .then_some(())
    })
    .await;
    h.ok("prod", &["delete", "pod", &pod, "--wait=false"]).await;
    // Well past the simulated shutdown time, the pod is still Terminating: its kubelet is gone.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let still = h.ok("prod", &["get", "pod", &pod, "--no-headers"]).await;
    assert!(still.contains("Terminating"), "{still}");
    let out = h
        .run(
            "prod",
            &["delete", "pod", &pod, "--grace-period=0", "--force"],
        )
        .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("force deleted"));
    let gone = h.run("prod", &["get", "pod", &pod]).await;
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("NotFound")
            || String::from_utf8_lossy(&gone.stderr).contains("not found")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_a_selector_across_replicas_and_previous_works_after_a_crash() {
    let h = Harness::start().await;
    let pods: BTreeSet<String> =
        eventually("nginx-ingress running", Duration::from_secs(20), || async {
            let out = h
                .ok(
                    "prod",
                    &["get", "pods", "-l", "app=nginx-ingress", "--no-headers"],
                )
                .await;
            let names: BTreeSet<String> = out
                .lines()
                .filter(|l| l.contains("Running"))
                .map(|l| l.split_whitespace().next().unwrap().to_string())
                .collect();
            (names.len() == 3).then_some(names)
        })
        .await;
    let mut logs = h
        .kubectl(
            "prod",
            &[
                "logs",
                "-f",
                "-l",
                "app=nginx-ingress",
                "--prefix",
                "--tail=1",
            ],
        )
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(logs.stdout.take().unwrap()).lines();
    let mut seen = BTreeSet::new();
    let mut fresh = 0;
    tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(l)) = lines.next_line().await {
            let pod = l
                .trim_start_matches("[pod/")
                .split('/')
                .next()
                .unwrap_or_default()
                .to_string();
            assert!(l.contains("HTTP/1.1"), "{l}");
            seen.insert(pod);
            fresh += 1;
            // Beyond the three tail lines, lines keep arriving: the stream follows.
            if seen.len() == 3 && fresh >= 9 {
                return;
            }
        }
    })
    .await
    .expect("lines from every replica");
    assert_eq!(seen, pods);
    let _ = logs.kill().await;

    let pod = pods.iter().next().unwrap();
    let none = h.run("prod", &["logs", pod, "--previous"]).await;
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("previous terminated container"),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );
    h.control("prod", &format!("pods/default/{pod}/crash"))
        .await;
    let restarts = h
        .ok(
            "prod",
            &[
                "get",
                "pod",
                pod,
                "-o",
                "jsonpath={.status.containerStatuses[0].restartCount}",
            ],
        )
        .await;
    assert_eq!(restarts, "1");
    let previous = h.ok("prod", &["logs", pod, "--previous", "--tail=3"]).await;
    // The crashed instance ran for as long as the test took to get here: at 2 lines/s, 1 to 3 lines.
    assert!((1..=3).contains(&previous.lines().count()), "{previous}");
    assert!(
        previous.lines().all(|l| l.contains("HTTP/1.1")),
        "{previous}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_restart_then_rollout_status_completes() {
    let h = Harness::start().await;
    eventually(
        "nginx-ingress available",
        Duration::from_secs(20),
        || async {
            let out = h
                .ok("prod", &["get", "deploy", "nginx-ingress", "--no-headers"])
                .await;
            out.contains("3/3").then_some(())
        },
    )
    .await;
    let out = h
        .ok("prod", &["rollout", "restart", "deploy/nginx-ingress"])
        .await;
    assert!(out.contains("restarted"), "{out}");
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        h.ok(
            "prod",
            &["rollout", "status", "deploy/nginx-ingress", "--timeout=50s"],
        ),
    )
    .await
    .expect("rollout status returns");
    assert!(out.contains("successfully rolled out"), "{out}");
    let rs = h
        .ok(
            "prod",
            &["get", "rs", "-l", "app=nginx-ingress", "--no-headers"],
        )
        .await;
    let desired: Vec<&str> = rs
        .lines()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(desired.iter().filter(|d| **d == "3").count(), 1, "{rs}");
    assert_eq!(desired.iter().filter(|d| **d == "0").count(), 1, "{rs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_reader_lists_pods_but_is_forbidden_deployments() {
    let h = Harness::start().await;
    eventually(
        "keycloak's pod listed for the pod reader",
        Duration::from_secs(20),
        || async {
            h.ok("prod-pod-reader", &["get", "pods", "-A"])
                .await
                .contains("keycloak-")
                .then_some(())
        },
    )
    .await;
    let out = h.run("prod-pod-reader", &["get", "deploy", "-A"]).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Error from server (Forbidden): deployments.apps is forbidden: User \"pod-reader\" cannot list resource \"deployments\" in API group \"apps\" at the cluster scope"),
        "{stderr}"
    );
    let out = h
        .run("prod-pod-reader", &["delete", "pod", "debug-shell"])
        .await;
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "cannot delete resource \"pods\" in API group \"\" in the namespace \"default\""
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
