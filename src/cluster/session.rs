//! One live context: its watchers, API health probe and metrics poller, running as tasks that
//! report [`SessionEvent`]s. Dropping the [`Session`] stops them all.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use std::collections::HashMap;
use std::sync::Arc;

use kube::Api;
use tokio::sync::{Notify, mpsc, watch as signal};
use tokio::task::JoinHandle;

use super::emit::Emitter;
use super::event_rows::EventRow;
use super::events::{ClusterEvent, ResourceKind, SessionEvent};
use super::health::{self, HealthLink};
use super::kind_watch;
use super::kinds::KindInfo;
use super::kubeconfig::ContextInfo;
use super::rows::{DeploymentRow, NodeRow, PdbRow, PodRow, ReplicaSetRow};
use super::watch::{self, Watched, Watching};

/// A connected context. Its tasks run until it is dropped.
pub struct Session {
    context: ContextInfo,
    namespace: Option<String>,
    client: kube::Client,
    tasks: Vec<JoinHandle<()>>,
    out: Emitter,
    link: HealthLink,
    /// Watchers of the kinds the operator opened, by identity Kind.
    kinds: HashMap<&'static str, JoinHandle<()>>,
    /// Read discovery again.
    rediscover: Arc<Notify>,
}

impl Session {
    /// Starts watchers for nodes, deployments, replica sets, pods and PDBs, the API health probe
    /// and the metrics poller. `namespace` restricts the namespaced kinds; None watches all.
    /// Must be called inside a tokio runtime.
    pub fn start(
        context: ContextInfo,
        client: kube::Client,
        namespace: Option<String>,
        tx: mpsc::Sender<SessionEvent>,
    ) -> Session {
        let out = Emitter::new(context.name.clone(), tx);
        let (connection_errors, connection_errors_rx) = mpsc::channel(16);
        let (recovered_tx, recovered) = signal::channel(0u64);
        let link = HealthLink {
            connection_errors,
            recovered,
        };
        let ns = namespace.as_deref();
        let mut tasks = vec![
            tokio::spawn(health::probe_api(
                client.clone(),
                out.clone(),
                connection_errors_rx,
                recovered_tx,
            )),
            tokio::spawn(health::poll_metrics(
                client.clone(),
                out.clone(),
                namespace.clone(),
            )),
        ];
        tasks.push(spawn_watch(
            Api::<Node>::all(client.clone()),
            Watched {
                what: Watching::Rich(ResourceKind::Nodes),
                namespace: None,
                project: Box::new(NodeRow::from_node),
                wrap: Box::new(ClusterEvent::Nodes),
            },
            &out,
            &link,
        ));
        tasks.push(spawn_watch(
            scoped::<Deployment>(&client, ns),
            Watched {
                what: Watching::Rich(ResourceKind::Deployments),
                namespace: namespace.clone(),
                project: Box::new(DeploymentRow::from_deployment),
                wrap: Box::new(ClusterEvent::Deployments),
            },
            &out,
            &link,
        ));
        tasks.push(spawn_watch(
            scoped::<ReplicaSet>(&client, ns),
            Watched {
                what: Watching::Rich(ResourceKind::ReplicaSets),
                namespace: namespace.clone(),
                project: Box::new(ReplicaSetRow::from_replica_set),
                wrap: Box::new(ClusterEvent::ReplicaSets),
            },
            &out,
            &link,
        ));
        tasks.push(spawn_watch(
            scoped::<Pod>(&client, ns),
            Watched {
                what: Watching::Rich(ResourceKind::Pods),
                namespace: namespace.clone(),
                project: Box::new(PodRow::from_pod),
                wrap: Box::new(ClusterEvent::Pods),
            },
            &out,
            &link,
        ));
        tasks.push(spawn_watch(
            scoped::<PodDisruptionBudget>(&client, ns),
            Watched {
                what: Watching::Rich(ResourceKind::PodDisruptionBudgets),
                namespace: namespace.clone(),
                project: Box::new(PdbRow::from_pdb),
                wrap: Box::new(ClusterEvent::Pdbs),
            },
            &out,
            &link,
        ));
        let rediscover = Arc::new(Notify::new());
        tasks.push(tokio::spawn(kind_watch::discovery(
            client.clone(),
            out.clone(),
            rediscover.clone(),
        )));
        tasks.push(tokio::spawn(kind_watch::crd_changes(
            client.clone(),
            rediscover.clone(),
        )));
        Session {
            context,
            namespace,
            client,
            tasks,
            out,
            link,
            kinds: HashMap::new(),
            rediscover,
        }
    }

    /// Starts watching `kind` (its columns first, then its rows), unless it is watched already.
    pub fn watch_kind(&mut self, kind: KindInfo) {
        let id = kind.id();
        if self.kinds.get(id).is_some_and(|t| !t.is_finished()) {
            return;
        }
        let task = tokio::spawn(kind_watch::watch_kind(
            self.client.clone(),
            kind,
            self.namespace.clone(),
            self.out.clone(),
            self.link.clone(),
        ));
        self.kinds.insert(id, task);
    }

    /// Stops the watcher of the kind with identity `id`.
    pub fn unwatch_kind(&mut self, id: &str) {
        if let Some(task) = self.kinds.remove(id) {
            task.abort();
        }
    }

    /// How many kinds are being watched (for the memory benchmark).
    pub fn kinds_watched(&self) -> usize {
        self.kinds.len()
    }

    /// Reads discovery again (the operator named a type this context's catalog lacks).
    pub fn rediscover(&self) {
        self.rediscover.notify_one();
    }

    pub fn context(&self) -> &ContextInfo {
        &self.context
    }

    /// The namespace the namespaced watchers are restricted to; None is all namespaces.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The context's client, for reads (describe, YAML) and operations.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }
}

impl Session {
    /// Starts a watch on the context's Events (in the session's namespace, or all), reporting
    /// `ClusterEvent::Events` and `ResourceKind::Events` states. Aborting the handle stops it.
    pub fn watch_events(&self) -> JoinHandle<()> {
        spawn_watch(
            scoped::<Event>(&self.client, self.namespace.as_deref()),
            Watched {
                what: Watching::Rich(ResourceKind::Events),
                namespace: self.namespace.clone(),
                project: Box::new(EventRow::from_event),
                wrap: Box::new(ClusterEvent::Events),
            },
            &self.out,
            &self.link,
        )
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for task in self.tasks.iter().chain(self.kinds.values()) {
            task.abort();
        }
    }
}

fn scoped<K>(client: &kube::Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    K::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

fn spawn_watch<K, R>(
    api: Api<K>,
    watched: Watched<K, R>,
    out: &Emitter,
    link: &HealthLink,
) -> JoinHandle<()>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug + Send + 'static,
    K::DynamicType: Default,
    R: super::rows::Row,
{
    tokio::spawn(watch::run(api, watched, out.clone(), link.clone()))
}
