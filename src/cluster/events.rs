//! What a context's session reports to the app: row changes per resource, and health.

use std::time::Duration;

use jiff::Timestamp;

use super::event_rows::EventRow;
use super::generic::{GenericRow, KindColumns};
use super::kinds::Catalog;
use super::rows::{DeploymentRow, Key, NodeRow, PdbRow, PodRow, ReplicaSetRow};

/// A change to one table of rows. `Reset` replaces the whole table (initial list or relist).
#[derive(Debug, Clone, PartialEq)]
pub enum Delta<T> {
    Reset(Vec<T>),
    /// Rows of a first list still arriving: shown at once, replaced by the `Reset` that ends it.
    Extend(Vec<T>),
    Upsert(T),
    Remove(Key),
}

/// The resources each live context watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    Nodes,
    Deployments,
    ReplicaSets,
    Pods,
    PodDisruptionBudgets,
    /// core/v1 Events: watched only while the events view is open (and briefly after).
    Events,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 5] = [
        ResourceKind::Nodes,
        ResourceKind::Deployments,
        ResourceKind::ReplicaSets,
        ResourceKind::Pods,
        ResourceKind::PodDisruptionBudgets,
    ];

    /// `deployments.apps`, as RBAC messages name it.
    pub fn qualified(self) -> &'static str {
        match self {
            ResourceKind::Nodes => "nodes",
            ResourceKind::Deployments => "deployments.apps",
            ResourceKind::ReplicaSets => "replicasets.apps",
            ResourceKind::Pods => "pods",
            ResourceKind::PodDisruptionBudgets => "poddisruptionbudgets.policy",
            ResourceKind::Events => "events",
        }
    }
}

/// How one resource's watch is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchState {
    /// Listed and watching.
    Live,
    /// 403: the user may not list it. The sentence names the resource, scope and user.
    Forbidden(String),
    /// Failing for another reason (the watcher retries with backoff).
    Failing(String),
}

/// Whether the context's API server answers.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiHealth {
    Reachable { latency: Duration },
    Unreachable { error: String, since: Timestamp },
}

/// Usage from metrics.k8s.io, keyed like the rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsSnapshot {
    /// node name → (cpu millicores, memory bytes)
    pub nodes: Vec<(String, u64, u64)>,
    /// (namespace, pod) → (cpu millicores, memory bytes)
    pub pods: Vec<(Key, u64, u64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClusterEvent {
    Nodes(Delta<NodeRow>),
    Deployments(Delta<DeploymentRow>),
    ReplicaSets(Delta<ReplicaSetRow>),
    Pods(Delta<PodRow>),
    Pdbs(Delta<PdbRow>),
    /// Only while a watch on events runs (`Session::watch_events`).
    Events(Delta<EventRow>),
    Watch {
        resource: ResourceKind,
        state: WatchState,
    },
    Api(ApiHealth),
    /// The context's resource types, from discovery (again whenever a CRD comes or goes).
    Catalog(Catalog),
    /// A kind the operator opened is being watched: its columns, before its rows.
    KindOpened {
        id: &'static str,
        columns: KindColumns,
    },
    /// Rows of an opened kind.
    Kind {
        id: &'static str,
        delta: Delta<GenericRow>,
    },
    KindWatch {
        id: &'static str,
        state: WatchState,
    },
    /// None: the cluster serves no metrics.k8s.io (nothing breaks; the columns stay empty).
    Metrics(Option<MetricsSnapshot>),
}

/// A cluster event from one context's session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionEvent {
    pub context: String,
    pub event: ClusterEvent,
}
