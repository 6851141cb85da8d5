//! One simulated cluster: its store, the credentials it accepts, its injected faults and settings.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use super::auth::Credential;
use super::resources::{self, ResourceType};
use super::store::Store;

/// Faults a test injects through the control API.
pub struct Faults {
    /// Every Kubernetes request gets its connection closed, as if the API server were gone.
    pub down: AtomicBool,
    /// Added before every Kubernetes request is answered.
    pub latency_ms: AtomicU64,
    /// Bumped to end every open watch stream at once.
    pub watch_epoch: watch::Sender<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            down: AtomicBool::new(false),
            latency_ms: AtomicU64::new(0),
            watch_epoch: watch::channel(0).0,
        }
    }
}

impl Faults {
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    pub fn drop_watches(&self) {
        self.watch_epoch.send_modify(|e| *e += 1);
    }
}

/// Timings that make the simulation move at test speed rather than real-cluster speed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Seconds a container takes to stop after SIGTERM (capped by the grace period).
    pub shutdown_seconds: f64,
    /// Seconds a Pending pod takes to reach ContainerCreating, then Running.
    pub start_seconds: f64,
    /// Seconds pods on a NotReady node wait before the node controller evicts them (300 in real clusters).
    pub unreachable_eviction_seconds: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            shutdown_seconds: 1.0,
            start_seconds: 1.0,
            unreachable_eviction_seconds: 300.0,
        }
    }
}

/// A log line injected through the control API into one container's stream.
#[derive(Debug, Clone)]
pub struct InjectedLine {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub line: String,
}

pub struct Cluster {
    pub name: String,
    pub store: Store,
    pub credentials: Vec<Credential>,
    pub faults: Faults,
    pub settings: Settings,
    pub injected_logs: broadcast::Sender<InjectedLine>,
    /// Resource types defined by the cluster's CustomResourceDefinitions (see `crd::sync`).
    pub custom: RwLock<Vec<&'static ResourceType>>,
    /// PEM of the CA that signs the API's certificate (published as `kube-root-ca.crt`).
    ca_pem: RwLock<String>,
}

impl Cluster {
    pub fn new(name: &str, credentials: Vec<Credential>, settings: Settings) -> Arc<Self> {
        Arc::new(Cluster {
            name: name.to_string(),
            store: Store::new(),
            credentials,
            faults: Faults::default(),
            settings,
            injected_logs: broadcast::channel(1024).0,
            custom: RwLock::new(Vec::new()),
            ca_pem: RwLock::new(String::new()),
        })
    }

    pub fn set_root_ca(&self, pem: &str) {
        *self.ca_pem.write().unwrap_or_else(|e| e.into_inner()) = pem.to_string();
    }

    pub fn root_ca(&self) -> String {
        self.ca_pem
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The custom resource types its CRDs currently serve.
    pub fn custom_types(&self) -> Vec<&'static ResourceType> {
        self.custom
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The built-in or custom resource served at `group/version/plural`.
    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
        resources::find(group, version, plural).or_else(|| {
            self.custom_types()
                .into_iter()
                .find(|r| r.group == group && r.version == version && r.plural == plural)
        })
    }

    /// The built-in or custom resource type of an apiVersion + kind.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<&'static ResourceType> {
        resources::by_kind(api_version, kind).or_else(|| {
            self.custom_types()
                .into_iter()
                .find(|r| r.api_version() == api_version && r.kind == kind)
        })
    }
}

/// Shorthand for the resource types the simulator's own code touches.
pub fn rt(group: &str, plural: &str) -> &'static ResourceType {
    let version = match group {
        ""
        | "apps"
        | "batch"
        | "policy"
        | "rbac.authorization.k8s.io"
        | "networking.k8s.io"
        | "storage.k8s.io"
        | "coordination.k8s.io"
        | "discovery.k8s.io" => "v1",
        "autoscaling" => "v2",
        _ => "v1beta1",
    };
    resources::find(group, version, plural)
        .unwrap_or_else(|| panic!("unknown resource {group}/{plural}"))
}
