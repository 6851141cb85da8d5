//! Fidelity of pods/exec: kubectl (WebSocket v5 in 1.32, SPDY in 1.27) and kube-rs run the
//! simulator's built-in shell, see its service environment, DNS, backends and NetworkPolicies,
//! and get exit codes and RBAC denials as from a real cluster.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{Harness, eventually};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams, ListParams};
use tokio::io::AsyncReadExt;

/// The running busybox pod of `ns`.
async fn busybox(h: &Harness, ns: &str) -> String {
    eventually("busybox running", Duration::from_secs(20), || async {
        let out = h
            .run(
                "prod",
                &[
                    "get",
                    "pods",
                    "-n",
                    ns,
                    "-l",
                    "app=busybox",
                    "--field-selector=status.phase=Running",
                    "-o",
                    "jsonpath={.items[0].metadata.name}",
                ],
            )
            .await;
        let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !name.is_empty()).then_some(name)
    })
    .await
}

async fn exec(h: &Harness, ns: &str, pod: &str, cmd: &[&str]) -> std::process::Output {
    let mut args = vec!["exec", "-n", ns, pod, "--"];
    args.extend_from_slice(cmd);
    h.run("prod", &args).await
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_exec_sees_services_dns_and_backends() {
    let h = Harness::start().await;
    let pod = busybox(&h, "prod").await;

    let env = exec(&h, "prod", &pod, &["env"]).await;
    let env = text(&env.stdout);
    assert!(
        env.contains("KUBERNETES_SERVICE_HOST=100.64.0.1\n"),
        "{env}"
    );
    assert!(env.contains("KUBERNETES_SERVICE_PORT=443\n"), "{env}");
    assert!(env.contains(&format!("HOSTNAME={pod}\n")), "{env}");

    let ip = h
        .ok(
            "prod",
            &[
                "get",
                "svc",
                "-n",
                "kubeapps",
                "kubeapps",
                "-o",
                "jsonpath={.spec.clusterIP}",
            ],
        )
        .await;
    let ns = exec(&h, "prod", &pod, &["nslookup", "kubeapps.kubeapps"]).await;
    assert!(ns.status.success(), "{}", text(&ns.stderr));
    assert!(
        text(&ns.stdout).contains(&format!("Address: {ip}\n")),
        "{}",
        text(&ns.stdout)
    );
    let nx = exec(&h, "prod", &pod, &["nslookup", "nosuch"]).await;
    assert_eq!(nx.status.code(), Some(1));
    assert!(text(&nx.stdout).contains("** server can't find nosuch: NXDOMAIN"));

    let page = exec(
        &h,
        "prod",
        &pod,
        &["wget", "-qO-", "http://kubeapps.kubeapps"],
    )
    .await;
    assert!(page.status.success(), "{}", text(&page.stderr));
    assert!(
        text(&page.stdout).contains("<title>Kubeapps</title>"),
        "{}",
        text(&page.stdout)
    );

    let three = exec(&h, "prod", &pod, &["sh", "-c", "exit 3"]).await;
    assert_eq!(three.status.code(), Some(3));
    assert!(text(&three.stderr).contains("command terminated with exit code 3"));
    let missing = exec(&h, "prod", &pod, &["nosuch"]).await;
    assert_eq!(missing.status.code(), Some(127));
    assert!(text(&missing.stderr).contains("sh: nosuch: not found"));

    let bad = h
        .run(
            "prod",
            &["exec", "-n", "prod", &pod, "-c", "nope", "--", "env"],
        )
        .await;
    assert!(
        text(&bad.stderr).contains(&format!("container nope is not valid for pod {pod}")),
        "{}",
        text(&bad.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_policy_probe_times_out_where_denied_and_succeeds_where_allowed() {
    let h = Harness::start().await;
    let prod = busybox(&h, "prod").await;
    let dev = busybox(&h, "dev").await;
    eventually("postgres-0 running", Duration::from_secs(30), || async {
        let out = h
            .run(
                "prod",
                &[
                    "get",
                    "pod",
                    "-n",
                    "postgres",
                    "postgres-0",
                    "-o",
                    "jsonpath={.status.phase}",
                ],
            )
            .await;
        (text(&out.stdout) == "Running").then_some(())
    })
    .await;
    let url = "http://postgres-0.postgres.postgres:5432";
    let denied = exec(&h, "dev", &dev, &["wget", "--spider", "-T", "1", url]).await;
    assert_eq!(denied.status.code(), Some(1));
    assert!(
        text(&denied.stderr).contains("wget: download timed out"),
        "{}",
        text(&denied.stderr)
    );
    let allowed = exec(&h, "prod", &prod, &["wget", "--spider", "-T", "1", url]).await;
    assert!(allowed.status.success(), "{}", text(&allowed.stderr));
    assert!(text(&allowed.stderr).contains("remote file exists"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_reader_is_forbidden_and_old_kubectl_speaks_spdy() {
    let h = Harness::start().await;
    let pod = busybox(&h, "prod").await;
    let out = h
        .run(
            "prod-pod-reader",
            &["exec", "-n", "prod", &pod, "--", "env"],
        )
        .await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(&format!(
            "pods \"{pod}\" is forbidden: User \"pod-reader\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"prod\""
        )),
        "{}",
        text(&out.stderr)
    );

    // kubectl 1.27 knows only SPDY.
    let kubectl = std::fs::canonicalize(which("kubectl")).expect("kubectl on PATH");
    let old = kubectl.with_file_name("kubectl.1.27");
    if old.exists() {
        let out = tokio::process::Command::new(&old)
            .env("HOME", h.home.path())
            .env("KUBECONFIG", h.kubeconfig())
            .args([
                "--context",
                "prod",
                "exec",
                "-n",
                "prod",
                &pod,
                "--",
                "sh",
                "-c",
                "hostname; exit 4",
            ])
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("{pod}\n"));
    }
}

fn which(program: &str) -> std::path::PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(program))
        .find(|p| p.exists())
        .unwrap_or_else(|| program.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_exec_reads_stdout_and_status() {
    let h = Harness::start().await;
    let name = busybox(&h, "prod").await;
    let client = h.client("prod").await;
    let pods: Api<Pod> = Api::namespaced(client, "prod");
    assert!(
        !pods
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    let mut p = pods
        .exec(&name, ["hostname"], &AttachParams::default().stderr(false))
        .await
        .expect("exec starts");
    let mut out = String::new();
    p.stdout().unwrap().read_to_string(&mut out).await.unwrap();
    let status = p.take_status().unwrap().await.unwrap();
    assert_eq!(out, format!("{name}\n"));
    assert_eq!(status.status.as_deref(), Some("Success"));

    let p = pods
        .exec(&name, ["sh", "-c", "exit 3"], &AttachParams::default())
        .await
        .unwrap();
    let mut p = p;
    let status = p.take_status().unwrap().await.unwrap();
    assert_eq!(status.reason.as_deref(), Some("NonZeroExitCode"));
    let cause = &status.details.unwrap().causes.unwrap()[0];
    assert_eq!(
        (cause.reason.as_deref(), cause.message.as_deref()),
        (Some("ExitCode"), Some("3"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interactive_shell_in_tmux_echoes_runs_and_exits() {
    let h = Harness::start().await;
    let pod = busybox(&h, "prod").await;
    let socket = format!("exec-test-{}", std::process::id());
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux")
            .arg("-L")
            .arg(&socket)
            .args(args)
            .output()
            .expect("tmux runs")
    };
    let cmd = format!(
        "HOME={} KUBECONFIG={} kubectl --context prod exec -it -n prod {pod} -- sh; echo EXITED=$?; sleep 30",
        h.home.path().display(),
        h.kubeconfig().display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-x",
        "100",
        "-y",
        "30",
        "-s",
        "t",
        &cmd,
    ]);
    let screen = || text(&tmux(&["capture-pane", "-p", "-t", "t"]).stdout);
    eventually("prompt", Duration::from_secs(20), || async {
        screen().contains("/ #").then_some(())
    })
    .await;
    tmux(&["send-keys", "-t", "t", "hostname", "Enter"]);
    eventually("hostname output", Duration::from_secs(10), || async {
        screen().lines().any(|l| l.trim() == pod).then_some(())
    })
    .await;
    tmux(&["send-keys", "-t", "t", "stty size", "Enter"]);
    eventually("stty size", Duration::from_secs(10), || async {
        screen().lines().any(|l| l.trim() == "30 100").then_some(())
    })
    .await;
    tmux(&["send-keys", "-t", "t", "exit 2", "Enter"]);
    let s = eventually("shell exit", Duration::from_secs(10), || async {
        let s = screen();
        s.contains("EXITED=").then_some(s)
    })
    .await;
    tmux(&["kill-session", "-t", "t"]);
    assert!(s.contains("EXITED=2"), "{s}");
}
