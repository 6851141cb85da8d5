//! The cockpit's whole state. Only `update` changes it; views read it.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;

use crate::cluster::events::{
    ApiHealth, ClusterEvent, Delta, MetricsSnapshot, ResourceKind, WatchState,
};
use crate::cluster::kinds::Catalog;
use crate::cluster::kubeconfig::ContextInfo;
use crate::cluster::rows::{DeploymentRow, Key, NodeRow, PdbRow, PodRow, ReplicaSetRow, Row};

use super::confirm::{Confirm, Results};
use super::filter::{LabelFilter, TextFilter};
use super::forwards::ForwardsState;
use super::health::Tally;
use super::kinds::KindTable;
use super::logs::LogsState;
use super::namespaces::Namespaces;
use super::table::RowId;
use super::wizard::Wizard;
use crate::app::keys::Keymap;

/// One live context: its rows and how its API and watches are doing.
#[derive(Debug, Clone)]
pub struct ContextState {
    pub info: ContextInfo,
    pub nodes: BTreeMap<Key, NodeRow>,
    pub deployments: BTreeMap<Key, DeploymentRow>,
    pub replicasets: BTreeMap<Key, ReplicaSetRow>,
    pub pods: BTreeMap<Key, PodRow>,
    pub pdbs: BTreeMap<Key, PdbRow>,
    pub watches: BTreeMap<ResourceKind, WatchState>,
    /// None until the first health probe answers.
    pub api: Option<ApiHealth>,
    pub node_usage: HashMap<String, (u64, u64)>,
    pub pod_usage: HashMap<Key, (u64, u64)>,
    /// None: not yet known; Some(false): the cluster serves no metrics.
    pub metrics_served: Option<bool>,
    /// The API has answered at least once since kockpit started.
    pub ever_reachable: bool,
    /// The resource types the context serves; None until discovery answers.
    pub catalog: Option<Catalog>,
    /// Rows of the kinds being watched (see `app::kinds`), by identity Kind.
    pub kinds: HashMap<&'static str, KindTable>,
    /// The health strip's counts, kept per row change (`app::health`).
    pub tally: Tally,
    /// Bumped on every change of a table's rows: the view index trusts itself only while they
    /// are the ones it saw. Rows change only through `apply` (or the index would not know).
    pub revisions: Revisions,
}

/// How many times each table of a context has changed.
#[derive(Debug, Clone, Default)]
pub struct Revisions {
    pub nodes: u64,
    pub deployments: u64,
    pub pods: u64,
    pub catalog: u64,
    pub kinds: HashMap<&'static str, u64>,
}

impl Revisions {
    /// The revision of the rows `view` shows.
    pub fn of(&self, view: ViewKind) -> u64 {
        match view {
            ViewKind::Nodes => self.nodes,
            ViewKind::Deployments => self.deployments,
            ViewKind::Pods => self.pods,
            ViewKind::Kinds => self.catalog,
            ViewKind::Kind(id) => self.kinds.get(id).copied().unwrap_or(0),
        }
    }

    pub fn bump_kind(&mut self, id: &'static str) {
        *self.kinds.entry(id).or_default() += 1;
    }
}

/// Applies `delta`, telling `tally` each row replaced or removed (`old`) and added (`new`).
fn apply<T: Row>(
    table: &mut BTreeMap<Key, T>,
    delta: Delta<T>,
    mut tally: impl FnMut(Option<&T>, Option<&T>),
) {
    match delta {
        Delta::Reset(rows) => {
            for old in table.values() {
                tally(Some(old), None);
            }
            *table = rows.into_iter().map(|r| (r.key(), r)).collect();
            for new in table.values() {
                tally(None, Some(new));
            }
        }
        Delta::Upsert(r) => upsert(table, r, &mut tally),
        Delta::Extend(rows) => {
            for r in rows {
                upsert(table, r, &mut tally);
            }
        }
        Delta::Remove(k) => {
            if let Some(old) = table.remove(&k) {
                tally(Some(&old), None);
            }
        }
    }
}

fn upsert<T: Row>(
    table: &mut BTreeMap<Key, T>,
    r: T,
    tally: &mut impl FnMut(Option<&T>, Option<&T>),
) {
    match table.entry(r.key()) {
        Entry::Occupied(mut e) => {
            tally(Some(e.get()), Some(&r));
            e.insert(r);
        }
        Entry::Vacant(e) => {
            tally(None, Some(&r));
            e.insert(r);
        }
    }
}

fn untallied<T>(_: Option<&T>, _: Option<&T>) {}

impl ContextState {
    pub fn new(info: ContextInfo) -> Self {
        ContextState {
            info,
            nodes: BTreeMap::new(),
            deployments: BTreeMap::new(),
            replicasets: BTreeMap::new(),
            pods: BTreeMap::new(),
            pdbs: BTreeMap::new(),
            watches: BTreeMap::new(),
            api: None,
            node_usage: HashMap::new(),
            pod_usage: HashMap::new(),
            metrics_served: None,
            ever_reachable: false,
            catalog: None,
            kinds: HashMap::new(),
            tally: Tally::default(),
            revisions: Revisions::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.info.name
    }

    pub fn apply(&mut self, event: ClusterEvent) {
        match event {
            ClusterEvent::Nodes(d) => {
                self.revisions.nodes += 1;
                apply(&mut self.nodes, d, |o, n| self.tally.node(o, n));
            }
            ClusterEvent::Deployments(d) => {
                self.revisions.deployments += 1;
                apply(&mut self.deployments, d, |o, n| self.tally.deployment(o, n));
            }
            ClusterEvent::ReplicaSets(d) => apply(&mut self.replicasets, d, untallied),
            ClusterEvent::Pods(d) => {
                self.revisions.pods += 1;
                apply(&mut self.pods, d, |o, n| self.tally.pod(o, n));
            }
            ClusterEvent::Pdbs(d) => apply(&mut self.pdbs, d, untallied),
            // Kept by the events view (`app::events`), which takes them before they get here.
            ClusterEvent::Events(_) => {}
            ClusterEvent::Watch { resource, state } => {
                self.watches.insert(resource, state);
            }
            ClusterEvent::Api(h) => {
                self.ever_reachable |= matches!(h, ApiHealth::Reachable { .. });
                self.api = Some(h);
            }
            ClusterEvent::Metrics(m) => self.set_metrics(m),
            ClusterEvent::Catalog(c) => {
                self.revisions.catalog += 1;
                self.catalog = Some(c);
            }
            ClusterEvent::KindOpened { id, columns } => {
                self.revisions.bump_kind(id);
                self.kinds.insert(id, KindTable::new(columns));
            }
            ClusterEvent::Kind { id, delta } => {
                if let Some(t) = self.kinds.get_mut(id) {
                    self.revisions.bump_kind(id);
                    apply(&mut t.rows, delta, untallied);
                }
            }
            ClusterEvent::KindWatch { id, state } => {
                if let Some(t) = self.kinds.get_mut(id) {
                    t.watch = Some(state);
                }
            }
        }
    }

    fn set_metrics(&mut self, m: Option<MetricsSnapshot>) {
        self.metrics_served = Some(m.is_some());
        let m = m.unwrap_or_default();
        self.node_usage = m.nodes.into_iter().map(|(n, c, b)| (n, (c, b))).collect();
        self.pod_usage = m.pods.into_iter().map(|(k, c, b)| (k, (c, b))).collect();
    }

    pub fn reachable(&self) -> bool {
        matches!(self.api, Some(ApiHealth::Reachable { .. }))
    }

    /// How the watch behind `view` is doing; None before it reports (or for the kinds list).
    pub fn watch_state(&self, view: ViewKind) -> Option<&WatchState> {
        match view {
            ViewKind::Kind(id) => self.kinds.get(id)?.watch.as_ref(),
            ViewKind::Kinds => None,
            rich => self.watches.get(&rich.resource()?),
        }
    }

    /// The sentence for a resource this user may not list, if so.
    pub fn forbidden(&self, view: ViewKind) -> Option<&str> {
        match self.watch_state(view) {
            Some(WatchState::Forbidden(why)) => Some(why),
            _ => None,
        }
    }

    /// Pods on `node` (the nodes view's PODS column): scheduled there and not finished.
    pub fn pods_on(&self, node: &str) -> usize {
        self.tally.pods_per_node.get(node).copied().unwrap_or(0)
    }

    /// Pods per node name, for the nodes that have any.
    pub fn pods_per_node(&self) -> &HashMap<String, usize> {
        &self.tally.pods_per_node
    }

    pub fn health(&self, now: Timestamp) -> Health {
        let t = &self.tally;
        // Only pods with a deletion deadline can be stuck: a handful, whatever the fleet.
        let stuck_terminating = t
            .terminating
            .iter()
            .filter_map(|k| self.pods.get(k))
            .filter(|p| p.stuck_terminating(now))
            .count();
        Health {
            nodes_ready: t.nodes_ready,
            nodes_total: self.nodes.len(),
            cordoned: t.cordoned,
            pods_total: self.pods.len(),
            pods_not_running: t.pods_not_running,
            stuck_terminating,
            rollouts_stuck: t.rollouts_stuck,
            rollouts_progressing: t.rollouts_progressing,
        }
    }

    /// `health` counted from every row: what the tally must always equal (tests).
    pub fn recount_health(&self, now: Timestamp) -> Health {
        let ready = self.nodes.values().filter(|n| n.ready).count();
        let cordoned = self.nodes.values().filter(|n| n.unschedulable).count();
        let not_running = self
            .pods
            .values()
            .filter(|p| super::health::pod_not_running(p))
            .count();
        let stuck_terminating = self
            .pods
            .values()
            .filter(|p| p.stuck_terminating(now))
            .count();
        let rollouts_stuck = self
            .deployments
            .values()
            .filter(|d| matches!(d.rollout, crate::cluster::rows::Rollout::Stuck(_)))
            .count();
        let rollouts_progressing = self
            .deployments
            .values()
            .filter(|d| d.rollout == crate::cluster::rows::Rollout::Progressing)
            .count();
        Health {
            nodes_ready: ready,
            nodes_total: self.nodes.len(),
            cordoned,
            pods_total: self.pods.len(),
            pods_not_running: not_running,
            stuck_terminating,
            rollouts_stuck,
            rollouts_progressing,
        }
    }

    /// `pods_per_node` counted from every pod (tests).
    pub fn recount_pods_per_node(&self) -> HashMap<String, usize> {
        let mut m: HashMap<String, usize> = HashMap::new();
        for p in self.pods.values().filter(|p| super::health::pod_on_node(p)) {
            *m.entry(p.node.clone()).or_default() += 1;
        }
        m
    }
}

/// The health strip's figures for one context, in the spirit of `kops validate cluster`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Health {
    pub nodes_ready: usize,
    pub nodes_total: usize,
    pub cordoned: usize,
    pub pods_total: usize,
    pub pods_not_running: usize,
    pub stuck_terminating: usize,
    pub rollouts_stuck: usize,
    pub rollouts_progressing: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKind {
    Nodes,
    Deployments,
    Pods,
    /// Any other resource type, by its identity Kind (`Service`, `Certificate.cert-manager.io`).
    Kind(&'static str),
    /// The resource types the focused context serves (`:kinds`).
    Kinds,
}

impl ViewKind {
    pub fn title(self) -> &'static str {
        match self {
            ViewKind::Nodes => "Nodes",
            ViewKind::Deployments => "Deployments",
            ViewKind::Pods => "Pods",
            ViewKind::Kind(id) => id,
            ViewKind::Kinds => "Kinds",
        }
    }

    /// The rich watch behind the view; None for generic kinds and the kinds list.
    pub fn resource(self) -> Option<ResourceKind> {
        match self {
            ViewKind::Nodes => Some(ResourceKind::Nodes),
            ViewKind::Deployments => Some(ResourceKind::Deployments),
            ViewKind::Pods => Some(ResourceKind::Pods),
            ViewKind::Kind(_) | ViewKind::Kinds => None,
        }
    }
}

/// What fills the main area: the resource table, or one of the full-screen tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    #[default]
    Table,
    /// Log panes (`app::logs`).
    Logs,
    /// Port-forwards list (`app::forwards`).
    Forwards,
    /// The drain wizard for `State::wizard`'s node.
    Drain,
    /// Rollout progress of the shown contexts' deployments.
    Rollouts,
    /// Events of the shown contexts (`app::events`).
    Events,
    /// One pod's containers, a drill-down level (`app::containers`).
    Containers,
}

/// A line being typed at the bottom of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    Command(String),
    Filter(String),
    LabelFilter(String),
    /// The replica count for a scale, prefilled with the current one.
    Scale {
        context: String,
        /// The identity Kind scaled: `Deployment`, `StatefulSet`, `ReplicaSet`.
        kind: &'static str,
        namespace: String,
        name: String,
        text: String,
    },
}

/// A full-screen text view over the tables (describe, YAML, help).
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    pub title: String,
    /// None while the object is being fetched.
    pub text: Option<String>,
    pub scroll: u16,
    /// Shown while `text` is None ("fetching…", "running…").
    pub waiting: &'static str,
    /// The object shown (describe / YAML), for the keys that act on it (reveal).
    pub object: Option<super::edit::ObjectRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone)]
pub struct Sort {
    /// Column title the table is sorted by.
    pub column: &'static str,
    pub reverse: bool,
}

pub struct State {
    pub contexts: Vec<ContextState>,
    /// Index into `contexts` of the context keys act on.
    pub focus: usize,
    /// Show every live context in one table with a CONTEXT column.
    pub merged: bool,
    pub view: ViewKind,
    /// The namespaces the tables show (`-n a,b`, `:ns a,b`); empty is all.
    pub namespaces: Namespaces,
    pub filter: TextFilter,
    pub labels: Option<LabelFilter>,
    pub sort: Sort,
    /// The object under the cursor (None: the first row).
    pub cursor: Option<RowId>,
    pub prompt: Option<Prompt>,
    pub overlay: Option<Overlay>,
    pub help: bool,
    pub readonly: bool,
    pub notice: Option<(Level, String)>,
    pub now: Timestamp,
    pub quit: bool,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    /// Names of every context in the kubeconfig (for `:ctx` completion).
    pub known_contexts: Vec<String>,
    pub keymap: Keymap,
    pub screen: Screen,
    pub logs: LogsState,
    pub forwards: ForwardsState,
    /// The drain wizard, while one is open.
    pub wizard: Option<Wizard>,
    /// The question in front of a mutation.
    pub confirm: Option<Confirm>,
    /// Per-object outcomes of the last bulk mutation.
    pub results: Option<Results>,
    /// Contexts the config file marks read-only: no mutation reaches them.
    pub readonly_contexts: Vec<String>,
    /// The config file's `shells:` rules (which shell `s` tries where).
    pub shell_rules: Vec<super::shell::ShellRule>,
    /// Show the wide (`-o wide`) columns of generic kinds.
    pub wide: bool,
    /// Generic kinds being watched, per (context, identity Kind), with when each was last shown.
    pub kind_watches: BTreeMap<(String, &'static str), Timestamp>,
    /// The events view's rows, watches and cursor.
    pub events: super::events::EventsState,
    /// The drill-down path (breadcrumb), its pod scope and the containers view.
    pub drill: super::drill::Drill,
    /// Two contexts side by side (`app::split`), while on.
    pub split: super::split::Split,
    /// The tables' filtered, sorted rows, kept per event (`app::view_index`).
    pub index: super::view_index::ViewIndex,
}

impl State {
    pub fn new(
        contexts: Vec<ContextInfo>,
        known_contexts: Vec<String>,
        namespaces: Namespaces,
        readonly: bool,
        keymap: Keymap,
    ) -> Self {
        State {
            merged: contexts.len() > 1,
            contexts: contexts.into_iter().map(ContextState::new).collect(),
            focus: 0,
            view: ViewKind::Pods,
            namespaces,
            filter: TextFilter::default(),
            labels: None,
            sort: Sort {
                column: "NAMESPACE",
                reverse: false,
            },
            cursor: None,
            prompt: None,
            overlay: None,
            help: false,
            readonly,
            notice: None,
            // The core reads no clock: the loop (or a test) sets it, and every `Tick` moves it.
            now: Timestamp::UNIX_EPOCH,
            quit: false,
            dirty: true,
            known_contexts,
            keymap,
            screen: Screen::Table,
            logs: LogsState::default(),
            forwards: ForwardsState::default(),
            wizard: None,
            confirm: None,
            results: None,
            readonly_contexts: Vec::new(),
            shell_rules: Vec::new(),
            wide: false,
            kind_watches: BTreeMap::new(),
            events: Default::default(),
            drill: Default::default(),
            split: Default::default(),
            index: Default::default(),
        }
    }

    /// No mutation can run anywhere: `--readonly`, or every live context read-only by config.
    pub fn mutations_off(&self) -> bool {
        self.readonly
            || (!self.contexts.is_empty()
                && self
                    .contexts
                    .iter()
                    .all(|c| self.readonly_contexts.contains(&c.info.name)))
    }

    pub fn focused(&self) -> Option<&ContextState> {
        self.contexts.get(self.focus)
    }

    pub fn context_index(&self, name: &str) -> Option<usize> {
        self.contexts.iter().position(|c| c.info.name == name)
    }

    /// Contexts whose rows the screen shows (both sides of a split): watches, the health strip,
    /// events and the production banner follow these.
    pub fn shown_contexts(&self) -> Vec<usize> {
        if let Some(panes) = self.split.panes {
            panes.to_vec()
        } else if self.merged {
            (0..self.contexts.len()).collect()
        } else {
            vec![self.focus]
        }
    }

    /// Contexts of the table keys act on: in a split, the focused side's alone.
    pub fn table_contexts(&self) -> Vec<usize> {
        if self.split.panes.is_some() {
            vec![self.focus]
        } else {
            self.shown_contexts()
        }
    }

    /// Whether tables have a CONTEXT column: merged over several contexts, not split.
    pub fn context_column(&self) -> bool {
        self.merged && self.split.panes.is_none() && self.contexts.len() > 1
    }
}
