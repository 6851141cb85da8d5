//! The Kubernetes API simulator served by `kockpit sim`: simulated clusters over HTTPS on
//! 127.0.0.1, each on its own port, with a kubeconfig for their contexts.

pub mod api;
pub mod auth;
pub mod backend;
pub mod cluster;
pub mod control;
pub mod controllers;
pub mod crd;
pub mod defaults;
pub mod discovery;
pub mod error;
pub mod exec;
pub mod http;
pub mod kubeconfig;
pub mod logs;
pub mod metrics;
pub mod patch;
pub mod pods_portforward;
pub mod portforward;
pub mod query;
pub mod resources;
pub mod route;
pub mod scenario;
pub mod selector;
pub mod server;
pub mod store;
pub mod synthetic;
pub mod table;
pub mod timeline;
pub mod tls;
pub mod watch;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::task::JoinHandle;

use cluster::Cluster;
use scenario::{ClusterSpec, ContextSpec, Scenario, UserSpec};

/// What to simulate and where.
#[derive(Debug, Default, Clone)]
pub struct SimOptions {
    /// Scenario YAML text; the built-in default when None.
    pub scenario: Option<String>,
    /// `(nodes, pods)` per cluster: synthetic clusters of that size instead of a scenario.
    pub synthetic: Option<(usize, usize)>,
    /// Port of the first cluster (the next ones follow); 0 picks free ports.
    pub port: u16,
    pub kubeconfig_out: Option<PathBuf>,
    /// Play each cluster's `timeline:` (the demo's incident); off, the scenario stays as loaded.
    pub timeline: bool,
}

pub struct RunningCluster {
    pub cluster: Arc<Cluster>,
    pub addr: SocketAddr,
}

/// Running simulated clusters; dropping it stops them.
pub struct Simulator {
    pub clusters: Vec<RunningCluster>,
    pub kubeconfig_path: PathBuf,
    pub contexts: Vec<scenario::ContextEntry>,
    pub ca_pem: String,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Simulator {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn synthetic_spec(name: &str, pod_reader: bool) -> ClusterSpec {
    let scenario = Scenario::parse(scenario::DEFAULT).expect("default scenario parses");
    let rbac = scenario.clusters[0]
        .objects
        .iter()
        .filter(|o| {
            o["apiVersion"]
                .as_str()
                .is_some_and(|v| v.starts_with("rbac."))
        })
        .cloned()
        .collect();
    let mut users = vec![UserSpec {
        name: "admin".into(),
        groups: vec!["system:masters".into()],
    }];
    let mut contexts = vec![ContextSpec {
        name: name.into(),
        user: "admin".into(),
        namespace: None,
    }];
    if pod_reader {
        users.push(UserSpec {
            name: "pod-reader".into(),
            groups: vec![],
        });
        contexts.push(ContextSpec {
            name: format!("{name}-pod-reader"),
            user: "pod-reader".into(),
            namespace: None,
        });
    }
    ClusterSpec {
        name: name.into(),
        users,
        contexts,
        nodes: vec![],
        objects: rbac,
        timeline: None,
    }
}

impl Simulator {
    pub async fn start(opts: SimOptions) -> anyhow::Result<Simulator> {
        let tls = tls::generate().context("making the simulator's certificates")?;
        let (specs, settings) = match opts.synthetic {
            Some(_) => (
                vec![synthetic_spec("prod", true), synthetic_spec("stg", false)],
                vec![cluster::Settings::default(); 2],
            ),
            None => {
                let text = opts.scenario.as_deref().unwrap_or(scenario::DEFAULT);
                let s = Scenario::parse(text).context("reading the scenario")?;
                let settings: Vec<_> = s
                    .clusters
                    .iter()
                    .map(|c| s.cluster_settings(c, opts.timeline))
                    .collect();
                (s.clusters, settings)
            }
        };
        // Build clusters in parallel: a synthetic one takes seconds.
        let mut builds = Vec::new();
        for (spec, settings) in specs.into_iter().zip(settings) {
            let synthetic = opts.synthetic;
            let timeline = opts.timeline;
            builds.push(tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                let (cluster, contexts) = scenario::load(&spec, settings)?;
                if let Some((nodes, pods)) = synthetic {
                    synthetic::populate(&cluster, nodes, pods)?;
                }
                let steps = match spec.timeline {
                    Some(t) if timeline => t.steps,
                    _ => Vec::new(),
                };
                Ok((cluster, contexts, steps))
            }));
        }
        let mut clusters = Vec::new();
        let mut contexts = Vec::new();
        let mut tasks = Vec::new();
        let mut servers = Vec::new();
        for (i, b) in builds.into_iter().enumerate() {
            let (cluster, ctxs, steps) = b.await.context("building a simulated cluster")??;
            let port = if opts.port == 0 {
                0
            } else {
                opts.port + i as u16
            };
            let (listener, addr) = server::bind(port)
                .await
                .with_context(|| format!("binding 127.0.0.1:{port}"))?;
            tasks.push(tokio::spawn(server::serve(
                listener,
                tls.config.clone(),
                cluster.clone(),
            )));
            cluster.set_root_ca(&tls.ca_pem);
            tasks.push(controllers::spawn(cluster.clone()));
            if !steps.is_empty() {
                tasks.push(timeline::spawn(cluster.clone(), steps));
            }
            servers.push((cluster.name.clone(), format!("https://{addr}")));
            contexts.extend(ctxs);
            clusters.push(RunningCluster { cluster, addr });
        }
        let text = kubeconfig::render(&servers, &contexts, &tls.ca_pem);
        let path = match &opts.kubeconfig_out {
            Some(p) => p.clone(),
            None => {
                let dir = std::env::temp_dir().join(format!("kockpit-sim-{}", std::process::id()));
                std::fs::create_dir_all(&dir)?;
                dir.join("kubeconfig")
            }
        };
        write_private(&path, &text)
            .with_context(|| format!("writing the kubeconfig to {}", path.display()))?;
        Ok(Simulator {
            clusters,
            kubeconfig_path: path,
            contexts,
            ca_pem: tls.ca_pem,
            tasks,
        })
    }

    pub fn cluster(&self, name: &str) -> Option<&RunningCluster> {
        self.clusters.iter().find(|c| c.cluster.name == name)
    }

    /// Base URL of a cluster's API (and of its `/_sim/` control API).
    pub fn url(&self, name: &str) -> Option<String> {
        self.cluster(name).map(|c| format!("https://{}", c.addr))
    }
}

/// Writes a file readable by its owner only: it holds bearer tokens.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())
}
