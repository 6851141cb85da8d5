//! Actions on objects of any kind against the in-process simulator, checked with kubectl:
//! scale of a StatefulSet and a ReplicaSet, rollout restart of a StatefulSet and a DaemonSet,
//! a Job from a CronJob (which the job controller then runs), suspend / resume, delete of a
//! ConfigMap, a Namespace (with what is in it) and a custom resource. Every action is audited
//! with a kubectl command that, pasted into a fresh cluster, has the same effect.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Harness, eventually};
use kockpit::app::edit::ObjectRef;
use kockpit::app::object_actions::{ObjectAction, manual_job_name};
use kockpit::cluster::kinds::{self, KindInfo};
use kockpit::cluster::kubeconfig;
use kockpit::exec::object_actions;
use kockpit::recovery::audit::AuditEntry;

const CONTEXT: &str = "prod";
const USER: &str = "prod-admin";
const WAIT: Duration = Duration::from_secs(40);

/// A ReplicaSet no deployment owns, and a namespace with a ConfigMap in it.
const SCRATCH: &str = r#"
apiVersion: v1
kind: Namespace
metadata:
  name: scratch
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: notes
  namespace: scratch
data:
  a: b
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: echo
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels:
      app: echo
  template:
    metadata:
      labels:
        app: echo
    spec:
      containers:
      - name: echo
        image: hashicorp/http-echo:1.0
"#;

async fn setup(h: &Harness) {
    let path = h.home.path().join("scratch.yaml");
    std::fs::write(&path, SCRATCH).unwrap();
    h.ok(
        CONTEXT,
        &["apply", "--validate=false", "-f", path.to_str().unwrap()],
    )
    .await;
}

async fn jsonpath(h: &Harness, args: &[&str], path: &str) -> String {
    let mut a = args.to_vec();
    let expr = format!("jsonpath={path}");
    a.extend(["-o", expr.as_str()]);
    h.ok(CONTEXT, &a).await
}

async fn gone(h: &Harness, args: &[&str]) -> bool {
    let out = h.run(CONTEXT, args).await;
    !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("NotFound")
}

/// The effects every run of the actions leaves, read with kubectl.
async fn effects_hold(h: &Harness, job: &str) {
    let sts = ["get", "sts", "postgres", "-n", "postgres"];
    assert_eq!(jsonpath(h, &sts, "{.spec.replicas}").await, "2");
    eventually("postgres scaled down to 2 pods", WAIT, || async {
        (jsonpath(h, &sts, "{.status.replicas}").await == "2").then_some(())
    })
    .await;
    let restarted = r"{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}";
    assert!(!jsonpath(h, &sts, restarted).await.is_empty());
    let ds = ["get", "ds", "kube-router", "-n", "kube-system"];
    assert!(!jsonpath(h, &ds, restarted).await.is_empty());

    let rs = ["get", "rs", "echo", "-n", "default"];
    assert_eq!(jsonpath(h, &rs, "{.spec.replicas}").await, "3");
    eventually("echo has 3 pods", WAIT, || async {
        (jsonpath(h, &rs, "{.status.replicas}").await == "3").then_some(())
    })
    .await;

    let cj = ["get", "cronjob", "postgres-backup", "-n", "postgres"];
    assert_eq!(jsonpath(h, &cj, "{.spec.suspend}").await, "true");
    let jobs = ["get", "job", job, "-n", "postgres"];
    assert_eq!(
        jsonpath(
            h,
            &jobs,
            "{.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate}"
        )
        .await,
        "manual"
    );
    assert_eq!(
        jsonpath(h, &jobs, "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}/{.metadata.ownerReferences[0].controller}").await,
        "CronJob/postgres-backup/true"
    );
    assert_eq!(
        jsonpath(h, &jobs, "{.metadata.labels.app}").await,
        "postgres-backup"
    );
    eventually("the manual job runs to completion", WAIT, || async {
        (jsonpath(h, &jobs, "{.status.succeeded}").await == "1").then_some(())
    })
    .await;

    assert!(gone(h, &["get", "cm", "postgres-config", "-n", "postgres"]).await);
    eventually(
        "namespace scratch and its config map are gone",
        WAIT,
        || async {
            (gone(h, &["get", "ns", "scratch"]).await
                && gone(h, &["get", "cm", "notes", "-n", "scratch"]).await)
                .then_some(())
        },
    )
    .await;
    assert!(
        gone(
            h,
            &[
                "get",
                "certificates.cert-manager.io",
                "www-example-com",
                "-n",
                "prod"
            ]
        )
        .await
    );
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
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{command} failed: {}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_actions_change_the_cluster_as_kubectl_sees_it_and_their_audit_replays() {
    let h = Harness::start().await;
    setup(&h).await;
    let kc = kubeconfig::load(Some(&h.kubeconfig()), "prod").expect("kubeconfig loads");
    let client = kc.client(CONTEXT).await.expect("client builds");
    let catalog = kinds::discover(&client).await.expect("discovery");
    let object = |word: &str, namespace: &str, name: &str| ObjectRef {
        context: CONTEXT.into(),
        kind: catalog
            .resolve(word)
            .cloned()
            .unwrap_or_else(|| panic!("{word} is discovered")),
        namespace: namespace.into(),
        name: name.into(),
    };
    let job = manual_job_name("postgres-backup", jiff::Timestamp::now());
    let actions = [
        (
            object("sts", "postgres", "postgres"),
            ObjectAction::Scale { replicas: 2 },
        ),
        (
            object("sts", "postgres", "postgres"),
            ObjectAction::RolloutRestart,
        ),
        (
            object("ds", "kube-system", "kube-router"),
            ObjectAction::RolloutRestart,
        ),
        (
            object("rs", "default", "echo"),
            ObjectAction::Scale { replicas: 3 },
        ),
        (
            object("cj", "postgres", "postgres-backup"),
            ObjectAction::CreateJob { job: job.clone() },
        ),
        (
            object("cj", "postgres", "postgres-backup"),
            ObjectAction::Suspend { on: false },
        ),
        (
            object("cj", "postgres", "postgres-backup"),
            ObjectAction::Suspend { on: true },
        ),
        (
            object("cm", "postgres", "postgres-config"),
            ObjectAction::Delete,
        ),
        (object("ns", "", "scratch"), ObjectAction::Delete),
        (
            object("certificates", "prod", "www-example-com"),
            ObjectAction::Delete,
        ),
    ];
    let mut entries = Vec::<AuditEntry>::new();
    for (o, a) in &actions {
        let mut sink = |e: AuditEntry| entries.push(e);
        let done = object_actions::run(&client, USER, o, a, &mut sink)
            .await
            .unwrap_or_else(|e| panic!("{} {}: {e}", a.verb(), o.shown()));
        assert_eq!(done, a.done());
    }
    effects_hold(&h, &job).await;

    assert_eq!(entries.len(), actions.len());
    for (e, (o, a)) in entries.iter().zip(&actions) {
        assert_eq!((e.action.as_str(), e.result.as_str()), (a.verb(), "ok"));
        assert_eq!(e.kubectl, a.kubectl(o));
        assert_eq!((e.context.as_str(), e.user.as_str()), (CONTEXT, USER));
    }
    let kubectl: Vec<&str> = entries.iter().map(|e| e.kubectl.as_str()).collect();
    assert_eq!(
        kubectl,
        [
            "kubectl --context prod -n postgres scale statefulset.apps/postgres --replicas=2",
            "kubectl --context prod -n postgres rollout restart statefulset.apps/postgres",
            "kubectl --context prod -n kube-system rollout restart daemonset.apps/kube-router",
            "kubectl --context prod -n default scale replicaset.apps/echo --replicas=3",
            &format!(
                "kubectl --context prod -n postgres create job {job} --from=cronjob/postgres-backup"
            ),
            r#"kubectl --context prod -n postgres patch cronjob.batch/postgres-backup --type=merge -p '{"spec":{"suspend":false}}'"#,
            r#"kubectl --context prod -n postgres patch cronjob.batch/postgres-backup --type=merge -p '{"spec":{"suspend":true}}'"#,
            "kubectl --context prod -n postgres delete configmap/postgres-config",
            "kubectl --context prod delete namespace/scratch",
            "kubectl --context prod -n prod delete certificate.cert-manager.io/www-example-com",
        ]
    );
    assert_eq!(
        entries[4].objects,
        [
            "cronjob/postgres/postgres-backup".to_string(),
            format!("job/postgres/{job}"),
        ]
    );

    // The audit's commands, pasted into a fresh cluster, do the same. kubectl posts the Job of
    // `create job --from` as protobuf, which the simulator does not decode (kube-apiserver
    // does): kubectl builds it (`--dry-run=client`, the same Job) and posts it as JSON.
    let fresh = Harness::start().await;
    setup(&fresh).await;
    for e in &entries {
        let command = if e.action == "create job" {
            format!(
                "{} --dry-run=client -o json | kubectl --context {CONTEXT} create --validate=false -f -",
                e.kubectl
            )
        } else {
            e.kubectl.clone()
        };
        replay(&fresh.kubeconfig(), fresh.home.path(), &command).await;
    }
    effects_hold(&fresh, &job).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manual_job_is_the_one_kubectl_create_job_from_builds() {
    let h = Harness::start().await;
    let kc = kubeconfig::load(Some(&h.kubeconfig()), "prod").expect("kubeconfig loads");
    let client = kc.client(CONTEXT).await.expect("client builds");
    let cj: serde_json::Value = serde_json::from_str(
        &h.ok(
            CONTEXT,
            &[
                "get",
                "cj",
                "postgres-backup",
                "-n",
                "postgres",
                "-o",
                "json",
            ],
        )
        .await,
    )
    .unwrap();
    let ours = kockpit::cluster::object_ops::job_from_cronjob(&cj, "nightly-by-hand");
    let theirs: serde_json::Value = serde_json::from_str(
        &h.ok(
            CONTEXT,
            &[
                "create",
                "job",
                "nightly-by-hand",
                "-n",
                "postgres",
                "--from=cronjob/postgres-backup",
                "--dry-run=client",
                "-o",
                "json",
            ],
        )
        .await,
    )
    .unwrap();
    for field in [
        "name",
        "namespace",
        "labels",
        "annotations",
        "ownerReferences",
    ] {
        assert_eq!(
            ours["metadata"][field], theirs["metadata"][field],
            "{field}"
        );
    }
    let pod = |j: &serde_json::Value| {
        let t = &j["spec"]["template"];
        (
            t["metadata"]["labels"].clone(),
            t["metadata"]["annotations"].clone(),
            t["spec"]["containers"][0]["image"].clone(),
            t["spec"]["restartPolicy"].clone(),
        )
    };
    assert_eq!(pod(&ours), pod(&theirs));

    // Created by kockpit, it runs: the job controller starts its pod and completes it.
    let object = ObjectRef {
        context: CONTEXT.into(),
        kind: KindInfo::builtin("CronJob").unwrap(),
        namespace: "postgres".into(),
        name: "postgres-backup".into(),
    };
    let mut sink = |_: AuditEntry| {};
    let action = ObjectAction::CreateJob {
        job: "nightly-by-hand".into(),
    };
    object_actions::run(&client, USER, &object, &action, &mut sink)
        .await
        .unwrap();
    eventually("the job's pod ran to completion", WAIT, || async {
        let out = h
            .ok(
                CONTEXT,
                &[
                    "get",
                    "pods",
                    "-n",
                    "postgres",
                    "-l",
                    "job-name=nightly-by-hand",
                ],
            )
            .await;
        out.contains("Completed").then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_object_is_a_sentence_and_still_audited() {
    let h = Harness::start().await;
    let kc = kubeconfig::load(Some(&h.kubeconfig()), "prod").expect("kubeconfig loads");
    let client = kc.client(CONTEXT).await.expect("client builds");
    let object = ObjectRef {
        context: CONTEXT.into(),
        kind: KindInfo::builtin("StatefulSet").unwrap(),
        namespace: "postgres".into(),
        name: "nothere".into(),
    };
    let mut entries = Vec::<AuditEntry>::new();
    let mut sink = |e: AuditEntry| entries.push(e);
    let err = object_actions::run(
        &client,
        USER,
        &object,
        &ObjectAction::Scale { replicas: 1 },
        &mut sink,
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "scale: statefulset postgres/nothere not found; it may already be gone"
    );
    assert!(
        entries[0].result.starts_with("error: scale: statefulset"),
        "{:?}",
        entries[0]
    );
}

/// What the actions rely on in the simulator, through kubectl as a real server answers it: the
/// autoscaling/v1 Scale of StatefulSets and ReplicaSets, and a restarted StatefulSet rolling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statefulsets_and_replica_sets_serve_scale_and_a_restart_rolls_out() {
    let h = Harness::start().await;
    setup(&h).await;
    for (path, selector) in [
        (
            "/apis/apps/v1/namespaces/postgres/statefulsets/postgres/scale",
            "app=postgres",
        ),
        (
            "/apis/apps/v1/namespaces/default/replicasets/echo/scale",
            "app=echo",
        ),
    ] {
        let scale: serde_json::Value =
            serde_json::from_str(&h.ok(CONTEXT, &["get", "--raw", path]).await).unwrap();
        assert_eq!(
            (&scale["apiVersion"], &scale["kind"]),
            (&"autoscaling/v1".into(), &"Scale".into()),
            "{scale}"
        );
        assert_eq!(scale["status"]["selector"], selector, "{scale}");
        assert!(scale["spec"]["replicas"].as_i64().is_some(), "{scale}");
    }
    h.ok(
        CONTEXT,
        &["-n", "postgres", "rollout", "restart", "sts/postgres"],
    )
    .await;
    let out = h
        .ok(
            CONTEXT,
            &[
                "-n",
                "postgres",
                "rollout",
                "status",
                "sts/postgres",
                "--timeout=90s",
            ],
        )
        .await;
    assert!(
        out.contains("partitioned roll out complete") || out.contains("complete"),
        "{out}"
    );
    h.ok(
        CONTEXT,
        &[
            "-n",
            "postgres",
            "patch",
            "cronjob/postgres-backup",
            "-p",
            r#"{"spec":{"suspend":true}}"#,
        ],
    )
    .await;
    let cj = ["get", "cj", "postgres-backup", "-n", "postgres"];
    assert_eq!(jsonpath(&h, &cj, "{.spec.suspend}").await, "true");
}
