//! Helpers shared by the integration tests: a simulator per test, kubectl with its own HOME,
//! and waiting on conditions with deadlines instead of sleeping.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use kockpit::sim::{SimOptions, Simulator};

pub struct Harness {
    pub sim: Simulator,
    pub home: tempfile::TempDir,
}

impl Harness {
    pub async fn start() -> Harness {
        let home = tempfile::tempdir().expect("tempdir");
        let sim = Simulator::start(SimOptions {
            kubeconfig_out: Some(home.path().join("kubeconfig")),
            ..Default::default()
        })
        .await
        .expect("simulator starts");
        Harness { sim, home }
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.sim.kubeconfig_path.clone()
    }

    /// A kubectl command against the simulator, with this test's own HOME (kubectl caches discovery there).
    pub fn kubectl(&self, context: &str, args: &[&str]) -> tokio::process::Command {
        kubectl_command(&self.kubeconfig(), self.home.path(), context, args)
    }

    pub async fn run(&self, context: &str, args: &[&str]) -> Output {
        self.kubectl(context, args)
            .output()
            .await
            .expect("kubectl runs")
    }

    /// Runs kubectl and returns stdout, failing the test with stderr if it fails.
    pub async fn ok(&self, context: &str, args: &[&str]) -> String {
        let out = self.run(context, args).await;
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// POSTs to the simulator's control API of `cluster`.
    pub async fn control(&self, cluster: &str, path: &str) -> serde_json::Value {
        control_post(&self.sim, cluster, path, "").await
    }

    pub async fn client(&self, context: &str) -> kube::Client {
        client_for(&self.kubeconfig(), context).await
    }
}

pub fn kubectl_command(
    kubeconfig: &Path,
    home: &Path,
    context: &str,
    args: &[&str],
) -> tokio::process::Command {
    let mut c = tokio::process::Command::new("kubectl");
    c.env("HOME", home)
        .env("KUBECONFIG", kubeconfig)
        .env_remove("KUBECTL_EXTERNAL_DIFF")
        .arg("--context")
        .arg(context)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

pub async fn client_for(kubeconfig: &Path, context: &str) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).expect("kubeconfig reads");
    let opts = kube::config::KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .expect("kubeconfig loads");
    kube::Client::try_from(config).expect("client builds")
}

/// A raw HTTPS request to the simulator's control API, trusting its CA.
pub async fn control_post(
    sim: &Simulator,
    cluster: &str,
    path: &str,
    body: &str,
) -> serde_json::Value {
    let base = sim.url(cluster).expect("cluster exists");
    let kc = kube::config::Kubeconfig::read_from(&sim.kubeconfig_path).unwrap();
    let ctx = sim
        .contexts
        .iter()
        .find(|c| c.cluster == cluster)
        .unwrap()
        .name
        .clone();
    let opts = kube::config::KubeConfigOptions {
        context: Some(ctx),
        ..Default::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .unwrap();
    config.cluster_url = base.parse().unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let req = http::Request::post(format!("/_sim/{}", path.trim_start_matches('/')))
        .body(body.as_bytes().to_vec())
        .unwrap();
    let text = client.request_text(req).await.expect("control API answers");
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
}

/// Polls `f` until it returns Some, or panics with `what` at the deadline.
pub async fn eventually<T, F, Fut>(what: &str, deadline: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        if start.elapsed() > deadline {
            panic!("timed out after {deadline:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Column `name` of a kubectl table output, per data row.
pub fn column(output: &str, name: &str) -> Vec<String> {
    let mut lines = output.lines();
    let header = lines.next().unwrap_or_default();
    let start = header
        .find(name)
        .unwrap_or_else(|| panic!("no column {name} in {header}"));
    lines
        .map(|l| {
            l.get(start..)
                .unwrap_or_default()
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}
