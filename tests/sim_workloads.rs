//! The default scenario's production workloads through the real kubectl: a StatefulSet with its
//! claims and volumes, an Ingress with its load balancer address, config and secrets, network
//! policies, jobs and cron jobs, and the events the controllers and the kubelet emit for them.

mod common;

use std::time::Duration;

use base64::Engine;
use common::{Harness, column, eventually};
use tokio::io::{AsyncBufReadExt, BufReader};

const WAIT: Duration = Duration::from_secs(40);

/// The row of a kubectl table whose NAME (first or after NAMESPACE) is `name`.
fn row<'a>(out: &'a str, name: &str) -> Option<&'a str> {
    out.lines()
        .find(|l| l.split_whitespace().take(2).any(|c| c == name))
}

async fn postgres_ready(h: &Harness) {
    eventually("postgres 3/3", WAIT, || async {
        let out = h
            .ok("prod", &["get", "sts", "-n", "postgres", "postgres"])
            .await;
        (column(&out, "READY") == ["3/3"]).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_kinds_print_their_kubectl_columns() {
    let h = Harness::start().await;
    postgres_ready(&h).await;

    let all = h
        .ok(
            "prod",
            &[
                "get",
                "ing,sts,pvc,pv,sc,cm,secret,sa,netpol,job,cj,ds",
                "-A",
            ],
        )
        .await;
    for name in [
        "ingress.networking.k8s.io/kubeapps",
        "statefulset.apps/postgres",
        "persistentvolumeclaim/data-postgres-0",
        "storageclass.storage.k8s.io/standard",
        "configmap/kube-root-ca.crt",
        "secret/kubeapps-tls",
        "serviceaccount/postgres",
        "networkpolicy.networking.k8s.io/default-deny-ingress",
        "job.batch/pingpong",
        "cronjob.batch/postgres-backup",
        "daemonset.apps/kube-router",
    ] {
        assert!(all.contains(name), "{name} missing from\n{all}");
    }

    let ing = eventually("the ingress address", WAIT, || async {
        let out = h.ok("prod", &["get", "ingress", "-n", "kubeapps"]).await;
        column(&out, "ADDRESS")[0]
            .starts_with("203.0.113.")
            .then_some(out)
    })
    .await;
    assert_eq!(column(&ing, "CLASS"), ["nginx"], "{ing}");
    assert_eq!(column(&ing, "HOSTS"), ["kubeapps.example.com"], "{ing}");
    assert!(row(&ing, "kubeapps").unwrap().contains("80, 443"), "{ing}");
    let svc = h
        .ok("prod", &["get", "svc", "-n", "default", "nginx-ingress"])
        .await;
    assert_eq!(
        column(&svc, "EXTERNAL-IP"),
        column(&ing, "ADDRESS"),
        "{svc}"
    );

    let pvc = h.ok("prod", &["get", "pvc", "-n", "postgres"]).await;
    assert_eq!(
        column(&pvc, "NAME"),
        ["data-postgres-0", "data-postgres-1", "data-postgres-2"],
        "{pvc}"
    );
    assert_eq!(column(&pvc, "STATUS"), ["Bound"; 3], "{pvc}");
    assert_eq!(column(&pvc, "CAPACITY"), ["10Gi"; 3], "{pvc}");
    assert_eq!(column(&pvc, "STORAGECLASS"), ["standard"; 3], "{pvc}");
    let volumes = column(&pvc, "VOLUME");
    let pv = h.ok("prod", &["get", "pv"]).await;
    for v in &volumes {
        let r = row(&pv, v).unwrap_or_else(|| panic!("no volume {v} in\n{pv}"));
        assert!(
            r.contains("Bound") && r.contains("postgres/data-postgres-"),
            "{r}"
        );
    }
    let sc = h.ok("prod", &["get", "sc"]).await;
    assert!(
        sc.lines()
            .any(|l| l.starts_with("standard (default)") && l.contains("ebs.csi.aws.com")),
        "{sc}"
    );

    let namespaces = h
        .ok(
            "prod",
            &["get", "ns", "-o", "jsonpath={.items[*].metadata.name}"],
        )
        .await;
    let cm = h.ok("prod", &["get", "cm", "-A"]).await;
    let sa = h.ok("prod", &["get", "sa", "-A"]).await;
    for ns in namespaces.split_whitespace() {
        let has = |out: &str, name: &str| {
            out.lines()
                .any(|l| l.split_whitespace().take(2).eq([ns, name]))
        };
        assert!(has(&cm, "kube-root-ca.crt"), "{ns}: {cm}");
        assert!(has(&sa, "default"), "{ns}: {sa}");
    }
    let ca = h
        .ok(
            "prod",
            &[
                "get",
                "cm",
                "kube-root-ca.crt",
                "-o",
                "jsonpath={.data.ca\\.crt}",
            ],
        )
        .await;
    assert_eq!(
        ca.trim(),
        h.sim.ca_pem.trim(),
        "kube-root-ca.crt holds the API's CA"
    );

    let secrets = h.ok("prod", &["get", "secret", "-A"]).await;
    assert!(
        row(&secrets, "kubeapps-tls")
            .unwrap()
            .contains("kubernetes.io/tls")
    );
    let creds: Vec<&str> = row(&secrets, "postgres-credentials")
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(creds[2..4], ["Opaque", "3"], "{secrets}");
    let netpol = h.ok("prod", &["get", "netpol", "-n", "postgres"]).await;
    assert_eq!(
        column(&netpol, "POD-SELECTOR"),
        ["app=postgres", "<none>"],
        "{netpol}"
    );

    let cj = eventually("the backup's last schedule", WAIT, || async {
        let out = h.ok("prod", &["get", "cj", "-n", "postgres"]).await;
        (column(&out, "LAST")[0] != "<none>").then_some(out)
    })
    .await;
    assert!(
        row(&cj, "postgres-backup")
            .unwrap()
            .contains("*/15 * * * *"),
        "{cj}"
    );
    eventually("a completed backup job", WAIT, || async {
        let jobs = h.ok("prod", &["get", "job", "-n", "postgres"]).await;
        let pods = h
            .ok(
                "prod",
                &["get", "pods", "-n", "postgres", "-l", "app=postgres-backup"],
            )
            .await;
        (column(&jobs, "STATUS").contains(&"Complete".to_string())
            && column(&jobs, "COMPLETIONS").contains(&"1/1".to_string())
            && column(&pods, "STATUS").contains(&"Completed".to_string()))
        .then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulset_pods_are_ordered_labelled_and_recreated_under_the_same_name() {
    let h = Harness::start().await;
    postgres_ready(&h).await;
    let pods = h
        .ok(
            "prod",
            &["get", "pods", "-n", "postgres", "-l", "app=postgres"],
        )
        .await;
    assert_eq!(
        column(&pods, "NAME"),
        ["postgres-0", "postgres-1", "postgres-2"],
        "{pods}"
    );
    let jp = |name: &str, path: &str| {
        let name = name.to_string();
        let path = format!("jsonpath={path}");
        let h = &h;
        async move {
            h.ok(
                "prod",
                &["get", "pod", "-n", "postgres", &name, "-o", &path],
            )
            .await
        }
    };
    assert_eq!(
        jp(
            "postgres-1",
            "{.metadata.labels.statefulset\\.kubernetes\\.io/pod-name}"
        )
        .await,
        "postgres-1"
    );
    let revision = jp("postgres-1", "{.metadata.labels.controller-revision-hash}").await;
    let update_revision = h
        .ok(
            "prod",
            &[
                "get",
                "sts",
                "-n",
                "postgres",
                "postgres",
                "-o",
                "jsonpath={.status.updateRevision}",
            ],
        )
        .await;
    assert!(revision.starts_with("postgres-"), "{revision}");
    assert_eq!(revision, update_revision);
    assert_eq!(
        jp(
            "postgres-1",
            "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}"
        )
        .await,
        "StatefulSet/postgres"
    );
    assert_eq!(
        jp(
            "postgres-1",
            "{.spec.volumes[?(@.name==\"data\")].persistentVolumeClaim.claimName}"
        )
        .await,
        "data-postgres-1"
    );
    // Ordered: each pod (and its claim) is created after the one before it is Running and Ready.
    let events = h
        .ok(
            "prod",
            &[
                "get",
                "events",
                "-n",
                "postgres",
                "--field-selector",
                "involvedObject.name=postgres",
                "--sort-by=.metadata.name",
            ],
        )
        .await;
    let order: Vec<&str> = events
        .lines()
        .filter(|l| l.contains("SuccessfulCreate"))
        .filter_map(|l| l.split("create ").nth(1))
        .collect();
    assert_eq!(
        order,
        [
            "Claim data-postgres-0 Pod postgres-0 in StatefulSet postgres success",
            "Pod postgres-0 in StatefulSet postgres successful",
            "Claim data-postgres-1 Pod postgres-1 in StatefulSet postgres success",
            "Pod postgres-1 in StatefulSet postgres successful",
            "Claim data-postgres-2 Pod postgres-2 in StatefulSet postgres success",
            "Pod postgres-2 in StatefulSet postgres successful",
        ],
        "{events}"
    );

    let old_uid = jp("postgres-1", "{.metadata.uid}").await;
    h.ok(
        "prod",
        &[
            "delete",
            "pod",
            "-n",
            "postgres",
            "postgres-1",
            "--wait=false",
        ],
    )
    .await;
    eventually("postgres-1 recreated and Running", WAIT, || async {
        let out = h
            .run(
                "prod",
                &[
                    "get",
                    "pod",
                    "-n",
                    "postgres",
                    "postgres-1",
                    "-o",
                    "jsonpath={.metadata.uid} {.status.phase}",
                ],
            )
            .await;
        let out = String::from_utf8_lossy(&out.stdout).into_owned();
        (!out.starts_with(&old_uid) && out.ends_with(" Running")).then_some(())
    })
    .await;
    assert_eq!(
        jp(
            "postgres-1",
            "{.spec.volumes[?(@.name==\"data\")].persistentVolumeClaim.claimName}"
        )
        .await,
        "data-postgres-1",
        "the new pod mounts the same claim"
    );
    postgres_ready(&h).await;
    let status = h
        .ok("prod", &["get", "sts", "-n", "postgres", "postgres", "-o", "jsonpath={.status.replicas} {.status.readyReplicas} {.status.currentReplicas} {.status.updatedReplicas}"])
        .await;
    assert_eq!(status, "3 3 3 3");
    let pvc = h
        .ok("prod", &["get", "pvc", "-n", "postgres", "--no-headers"])
        .await;
    assert_eq!(
        pvc.lines().count(),
        3,
        "no new claim for the recreated pod: {pvc}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_loop_backoff_is_one_warning_event_whose_count_grows() {
    let h = Harness::start().await;
    let pod = eventually("flaky-api Running", WAIT, || async {
        let out = h
            .ok(
                "prod",
                &[
                    "get",
                    "pods",
                    "-n",
                    "dev",
                    "-l",
                    "app=flaky-api",
                    "--no-headers",
                ],
            )
            .await;
        out.lines()
            .find(|l| l.contains("Running") && l.contains("1/1"))
            .map(|l| l.split_whitespace().next().unwrap().to_string())
    })
    .await;
    let path = format!("pods/dev/{pod}/crash");
    h.control("prod", &path).await;
    // The kubelet restarts it after the first 10 s back-off; crash it again.
    eventually("flaky-api restarted", WAIT, || async {
        let out = h.ok("prod", &["get", "pod", "-n", "dev", &pod, "-o", "jsonpath={.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].state.running.startedAt}"]).await;
        out.starts_with("1 2").then_some(())
    })
    .await;
    h.control("prod", &path).await;

    let selector = format!("involvedObject.name={pod},reason=BackOff");
    let counts = eventually("the BackOff count grows", WAIT, || async {
        let out = h
            .ok(
                "prod",
                &[
                    "get",
                    "events",
                    "-n",
                    "dev",
                    "--field-selector",
                    &selector,
                    "-o",
                    "jsonpath={range .items[*]}{.count}{\"\\n\"}{end}",
                ],
            )
            .await;
        let counts: Vec<i64> = out.lines().filter_map(|l| l.parse().ok()).collect();
        counts.iter().any(|c| *c > 1).then_some(counts)
    })
    .await;
    assert_eq!(
        counts.len(),
        1,
        "repeats update one Event, not new ones: {counts:?}"
    );

    let sorted = h
        .ok("prod", &["get", "events", "-A", "--sort-by=.lastTimestamp"])
        .await;
    let line = sorted
        .lines()
        .find(|l| l.contains("BackOff") && l.contains(&format!("pod/{pod}")))
        .unwrap_or_else(|| panic!("no BackOff for {pod} in\n{sorted}"));
    assert!(line.contains("Warning"), "{line}");
    assert!(
        line.contains(&format!(
            "Back-off restarting failed container flaky-api in pod {pod}_dev("
        )),
        "{line}"
    );
    let describe = h.ok("prod", &["describe", "pod", "-n", "dev", &pod]).await;
    let events = describe
        .split("Events:")
        .nth(1)
        .unwrap_or_else(|| panic!("{describe}"));
    assert!(
        events.contains("Scheduled") && events.contains("default-scheduler"),
        "{events}"
    );
    let backoff = events
        .lines()
        .find(|l| l.contains("BackOff"))
        .unwrap_or_else(|| panic!("{events}"));
    assert!(
        backoff.contains("Warning") && backoff.contains("(x") && backoff.contains("kubelet"),
        "{backoff}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pods_events_are_found_by_involved_object_and_name_its_containers() {
    let h = Harness::start().await;
    postgres_ready(&h).await;
    let out = h
        .ok(
            "prod",
            &[
                "get",
                "events",
                "-n",
                "postgres",
                "--field-selector",
                "involvedObject.name=postgres-0",
            ],
        )
        .await;
    let objects = column(&out, "OBJECT");
    assert!(objects.iter().all(|o| o == "pod/postgres-0"), "{out}");
    for reason in ["Scheduled", "Pulled", "Created", "Started"] {
        assert!(
            column(&out, "REASON").iter().any(|r| r == reason),
            "{reason}: {out}"
        );
    }
    let started = h
        .ok("prod", &["get", "events", "-n", "postgres", "--field-selector", "involvedObject.name=postgres-0,reason=Started", "-o", "jsonpath={.items[0].involvedObject.fieldPath} {.items[0].source.component} {.items[0].source.host} {.items[0].count}"])
        .await;
    let node = h
        .ok(
            "prod",
            &[
                "get",
                "pod",
                "-n",
                "postgres",
                "postgres-0",
                "-o",
                "jsonpath={.spec.nodeName}",
            ],
        )
        .await;
    assert_eq!(
        started,
        format!("spec.containers{{postgres}} kubelet {node} 1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_values_come_back_base64_and_decode() {
    let h = Harness::start().await;
    let b64 = h
        .ok(
            "prod",
            &[
                "get",
                "secret",
                "-n",
                "postgres",
                "postgres-credentials",
                "-o",
                "jsonpath={.data.POSTGRES_PASSWORD}",
            ],
        )
        .await;
    let plain = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .expect("base64");
    assert_eq!(String::from_utf8(plain).unwrap(), "pg-Zr8vQ2xL");
    let crt = h
        .ok(
            "prod",
            &[
                "get",
                "secret",
                "-n",
                "kubeapps",
                "kubeapps-tls",
                "-o",
                "jsonpath={.data.tls\\.crt}",
            ],
        )
        .await;
    let pem = base64::engine::general_purpose::STANDARD
        .decode(crt.trim())
        .expect("base64");
    assert!(
        String::from_utf8(pem)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_no_node_fits_gets_the_schedulers_failed_scheduling_warning() {
    let h = Harness::start().await;
    let file = h.home.path().join("ssd.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: wants-ssd\n  namespace: default\nspec:\n  nodeSelector:\n    disktype: ssd\n  containers:\n  - name: app\n    image: busybox:1.36\n",
    )
    .unwrap();
    h.ok(
        "prod",
        &["apply", "--validate=false", "-f", file.to_str().unwrap()],
    )
    .await;
    let out = eventually("FailedScheduling", WAIT, || async {
        let out = h
            .ok(
                "prod",
                &[
                    "get",
                    "events",
                    "--field-selector",
                    "involvedObject.name=wants-ssd,reason=FailedScheduling",
                    "-o",
                    "jsonpath={.items[*].type}: {.items[*].message}",
                ],
            )
            .await;
        (!out.trim().starts_with(':')).then_some(out)
    })
    .await;
    assert_eq!(
        out,
        "Warning: 0/5 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 4 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling."
    );
    let pods = h.ok("prod", &["get", "pod", "wants-ssd"]).await;
    assert_eq!(column(&pods, "STATUS"), ["Pending"], "{pods}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_watch_prints_one_created_afterwards() {
    let h = Harness::start().await;
    let mut watch = h
        .kubectl("prod", &["get", "certificates", "-A", "-w"])
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(15), async {
        while let Ok(Some(l)) = lines.next_line().await {
            if l.contains("www-example-com") {
                return;
            }
        }
    })
    .await
    .expect("the watch lists the scenario's certificates");
    let file = h.home.path().join("cert.yaml");
    std::fs::write(
        &file,
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: db-example-com\n  namespace: postgres\nspec:\n  secretName: db-example-com-tls\n  dnsNames: [db.example.com]\n  issuerRef:\n    name: letsencrypt-prod\n    kind: ClusterIssuer\n",
    )
    .unwrap();
    h.ok(
        "prod",
        &["apply", "--validate=false", "-f", file.to_str().unwrap()],
    )
    .await;
    let line = tokio::time::timeout(Duration::from_secs(15), async {
        while let Ok(Some(l)) = lines.next_line().await {
            if l.contains("db-example-com") {
                return l;
            }
        }
        panic!("watch ended");
    })
    .await
    .expect("the new certificate appears in the watch");
    assert!(line.starts_with("postgres "), "{line}");
    let _ = watch.kill().await;
}
