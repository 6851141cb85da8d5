//! Controllers that move a simulated cluster along, driven by the store's change feed and
//! by timers (a pod due to start, a deletion due to finish), never by rescanning everything.

pub mod daemonset;
pub mod deployment;
pub mod endpoints;
pub mod events;
pub mod gc;
pub mod ingress;
pub mod job;
pub mod kubelet;
pub mod namespaces;
pub mod nodes;
pub mod pdb;
pub mod podutil;
pub mod replicaset;
pub mod scheduler;
pub mod statefulset;
pub mod volumes;

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::error::TryRecvError;
use tokio::time::Instant;

use super::cluster::{Cluster, rt};
use super::store::{Change, EventType, Object};

const TICK: Duration = Duration::from_millis(100);
/// How often expired events are looked for.
const EVENT_EXPIRY_EVERY: Duration = Duration::from_secs(60);

type Key = (String, String);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Due {
    Pod(Key),
    Deployment(Key),
    Node(String),
    CronJob(Key),
}

#[derive(Default)]
struct Work {
    pods: BTreeSet<Key>,
    replicasets: BTreeSet<Key>,
    deployments: BTreeSet<Key>,
    daemonsets: BTreeSet<Key>,
    jobs: BTreeSet<Key>,
    cronjobs: BTreeSet<Key>,
    statefulsets: BTreeSet<Key>,
    claims: BTreeSet<Key>,
    namespaces: BTreeSet<String>,
    load_balancers: bool,
    ingresses: bool,
    next_event_expiry: Option<Instant>,
    nodes: BTreeSet<String>,
    pdb_namespaces: BTreeSet<String>,
    service_namespaces: BTreeSet<String>,
    all_daemonsets: bool,
    timers: BinaryHeap<Reverse<(Instant, Due)>>,
    earliest: HashMap<Due, Instant>,
}

fn key(o: &Object) -> Key {
    (o.namespace.clone(), o.name.clone())
}

impl Work {
    fn at(&mut self, after: Duration, due: Due) {
        let when = Instant::now() + after;
        if self.earliest.get(&due).is_some_and(|t| *t <= when) {
            return;
        }
        self.earliest.insert(due.clone(), when);
        self.timers.push(Reverse((when, due)));
    }

    /// Marks what a change makes worth another look.
    fn note(&mut self, cluster: &Cluster, c: &Change) {
        let o = &c.object;
        match o.rt.kind {
            "Pod" => {
                self.pods.insert(key(o));
                self.pdb_namespaces.insert(o.namespace.clone());
                self.service_namespaces.insert(o.namespace.clone());
                if let Some(owner) = &o.owner {
                    self.note_owner(&o.namespace, owner, &o.value());
                }
                if c.kind == EventType::Deleted && o.json.contains("\"persistentVolumeClaim\"") {
                    // A claim being deleted may now lose its protection finalizer.
                    for v in o.value()["spec"]["volumes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                    {
                        if let Some(claim) = v["persistentVolumeClaim"]["claimName"].as_str() {
                            self.claims.insert((o.namespace.clone(), claim.to_string()));
                        }
                    }
                }
            }
            "StatefulSet" => {
                self.statefulsets.insert(key(o));
            }
            "PersistentVolumeClaim" => {
                if c.kind == EventType::Deleted {
                    volumes::claim_deleted(cluster, &o.uid);
                } else {
                    self.claims.insert(key(o));
                }
            }
            "StorageClass" => {
                let claims = cluster
                    .store
                    .list(rt("", "persistentvolumeclaims"), None, None)
                    .0;
                self.claims.extend(claims.iter().map(|o| key(o)));
            }
            "Namespace" => {
                self.namespaces.insert(o.name.clone());
            }
            "ServiceAccount" | "ConfigMap" if c.kind == EventType::Deleted => {
                self.namespaces.insert(o.namespace.clone());
            }
            "Ingress" | "IngressClass" => {
                self.ingresses = true;
            }
            "ReplicaSet" => {
                self.replicasets.insert(key(o));
                if let Some(owner) = &o.owner {
                    self.note_owner(&o.namespace, owner, &o.value());
                }
            }
            "Deployment" => {
                self.deployments.insert(key(o));
                if o.json.contains("--publish-service=") {
                    self.ingresses = true;
                }
            }
            "DaemonSet" => {
                self.daemonsets.insert(key(o));
            }
            "Job" => {
                self.jobs.insert(key(o));
                if let Some(owner) = &o.owner {
                    self.note_owner(&o.namespace, owner, &o.value());
                }
            }
            "CronJob" => {
                self.cronjobs.insert(key(o));
            }
            "Node" => {
                self.nodes.insert(o.name.clone());
                self.all_daemonsets = true;
                // Pods on a node whose readiness changed: terminations may now finish, containers be ready again.
                for p in cluster
                    .store
                    .list(rt("", "pods"), None, None)
                    .0
                    .iter()
                    .filter(|p| p.field("spec.nodeName") == Some(o.name.as_str()))
                {
                    self.pods.insert(key(p));
                }
            }
            "PodDisruptionBudget" => {
                self.pdb_namespaces.insert(o.namespace.clone());
            }
            "Service" => {
                self.service_namespaces.insert(o.namespace.clone());
                self.load_balancers = true;
                self.ingresses = true;
            }
            _ => {}
        }
        if c.kind == EventType::Deleted {
            if o.rt.kind == "Namespace" {
                gc::delete_namespace_contents(cluster, &o.name);
            } else if o.rt.kind == "Service" {
                let _ = cluster
                    .store
                    .remove(rt("", "endpoints"), &o.namespace, &o.name);
            } else if matches!(
                o.rt.kind,
                "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" | "Job" | "CronJob"
            ) {
                gc::collect(cluster, o);
            }
        }
    }

    fn note_owner(&mut self, ns: &str, owner_uid: &str, value: &serde_json::Value) {
        let Some(r) = value["metadata"]["ownerReferences"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["uid"] == owner_uid))
        else {
            return;
        };
        let k = (
            ns.to_string(),
            r["name"].as_str().unwrap_or_default().to_string(),
        );
        match r["kind"].as_str() {
            Some("ReplicaSet") => self.replicasets.insert(k),
            Some("Deployment") => self.deployments.insert(k),
            Some("DaemonSet") => self.daemonsets.insert(k),
            Some("StatefulSet") => self.statefulsets.insert(k),
            Some("Job") => self.jobs.insert(k),
            Some("CronJob") => self.cronjobs.insert(k),
            _ => false,
        };
    }

    /// Everything that could need work, after start or after the feed overflowed.
    fn resync(&mut self, cluster: &Cluster) {
        let all = |g: &str, p: &str| cluster.store.list(rt(g, p), None, None).0;
        self.deployments
            .extend(all("apps", "deployments").iter().map(|o| key(o)));
        self.replicasets
            .extend(all("apps", "replicasets").iter().map(|o| key(o)));
        self.daemonsets
            .extend(all("apps", "daemonsets").iter().map(|o| key(o)));
        self.jobs
            .extend(all("batch", "jobs").iter().map(|o| key(o)));
        self.cronjobs
            .extend(all("batch", "cronjobs").iter().map(|o| key(o)));
        self.nodes
            .extend(all("", "nodes").iter().map(|o| o.name.clone()));
        self.statefulsets
            .extend(all("apps", "statefulsets").iter().map(|o| key(o)));
        self.claims.extend(
            all("", "persistentvolumeclaims")
                .iter()
                .filter(|o| o.terminating || !o.json.contains("\"phase\":\"Bound\""))
                .map(|o| key(o)),
        );
        self.namespaces
            .extend(all("", "namespaces").iter().map(|o| o.name.clone()));
        self.load_balancers = true;
        self.ingresses = true;
        self.pdb_namespaces.extend(
            all("policy", "poddisruptionbudgets")
                .iter()
                .map(|o| o.namespace.clone()),
        );
        self.service_namespaces
            .extend(all("", "services").iter().map(|o| o.namespace.clone()));
        for p in all("", "pods") {
            let settled = p.field("status.phase") == Some("Running")
                && !p.terminating
                && !p.json.contains("sim.kockpit.dev/");
            if !settled {
                self.pods.insert(key(&p));
            }
        }
    }

    fn fire_timers(&mut self) {
        let now = Instant::now();
        while let Some(Reverse((when, _))) = self.timers.peek() {
            if *when > now {
                break;
            }
            let Reverse((when, due)) = self.timers.pop().expect("peeked");
            if self.earliest.get(&due) == Some(&when) {
                self.earliest.remove(&due);
            }
            match due {
                Due::Pod(k) => self.pods.insert(k),
                Due::Deployment(k) => self.deployments.insert(k),
                Due::Node(n) => self.nodes.insert(n),
                Due::CronJob(k) => self.cronjobs.insert(k),
            };
        }
    }

    fn run(&mut self, cluster: &Cluster) {
        for n in std::mem::take(&mut self.nodes) {
            if let Some(after) = nodes::reconcile(cluster, &n) {
                self.at(after, Due::Node(n));
            }
        }
        for ns in std::mem::take(&mut self.namespaces) {
            namespaces::reconcile(cluster, &ns);
        }
        // Claims bind before the scheduler looks at the pods that mount them.
        for (ns, name) in std::mem::take(&mut self.claims) {
            volumes::release_protection(cluster, &ns, &name);
            volumes::reconcile_claim(cluster, &ns, &name);
        }
        let pods = std::mem::take(&mut self.pods);
        let unscheduled: Vec<Key> = pods
            .iter()
            .filter(|(ns, name)| {
                cluster
                    .store
                    .try_get(rt("", "pods"), ns, name)
                    .is_some_and(|p| {
                        !p.terminating && p.field("spec.nodeName").is_none_or(str::is_empty)
                    })
            })
            .cloned()
            .collect();
        scheduler::schedule(cluster, &unscheduled);
        for (ns, name) in pods {
            if let Some(after) = kubelet::examine(cluster, &ns, &name) {
                self.at(after, Due::Pod((ns, name)));
            }
        }
        if std::mem::take(&mut self.all_daemonsets) {
            self.daemonsets.extend(
                cluster
                    .store
                    .list(rt("apps", "daemonsets"), None, None)
                    .0
                    .iter()
                    .map(|o| key(o)),
            );
        }
        for (ns, name) in std::mem::take(&mut self.deployments) {
            if let Some(after) = deployment::reconcile(cluster, &ns, &name) {
                self.at(after, Due::Deployment((ns, name)));
            }
        }
        for (ns, name) in std::mem::take(&mut self.replicasets) {
            replicaset::reconcile(cluster, &ns, &name);
        }
        for (ns, name) in std::mem::take(&mut self.daemonsets) {
            daemonset::reconcile(cluster, &ns, &name);
        }
        for (ns, name) in std::mem::take(&mut self.statefulsets) {
            statefulset::reconcile(cluster, &ns, &name);
        }
        if std::mem::take(&mut self.load_balancers) {
            ingress::reconcile_load_balancers(cluster);
        }
        if std::mem::take(&mut self.ingresses) {
            ingress::reconcile_ingresses(cluster);
        }
        for (ns, name) in std::mem::take(&mut self.jobs) {
            job::reconcile_job(cluster, &ns, &name);
        }
        for (ns, name) in std::mem::take(&mut self.cronjobs) {
            if let Some(after) = job::reconcile_cronjob(cluster, &ns, &name) {
                self.at(after, Due::CronJob((ns, name)));
            }
        }
        for ns in std::mem::take(&mut self.pdb_namespaces) {
            for p in cluster
                .store
                .list(rt("policy", "poddisruptionbudgets"), Some(&ns), None)
                .0
            {
                pdb::reconcile(cluster, &p.namespace, &p.name);
            }
        }
        for ns in std::mem::take(&mut self.service_namespaces) {
            for s in cluster.store.list(rt("", "services"), Some(&ns), None).0 {
                endpoints::reconcile(cluster, &s.namespace, &s.name);
            }
        }
        events::trim(cluster);
        let now = Instant::now();
        if self.next_event_expiry.is_none_or(|t| t <= now) {
            events::expire(cluster);
            self.next_event_expiry = Some(now + EVENT_EXPIRY_EVERY);
        }
    }
}

/// Runs the cluster's controllers until the task is dropped.
pub fn spawn(cluster: Arc<Cluster>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut feed = cluster.store.changes();
        let mut work = Work::default();
        work.resync(&cluster);
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            loop {
                match feed.try_recv() {
                    Ok(c) => work.note(&cluster, &c),
                    Err(TryRecvError::Lagged(_)) => work.resync(&cluster),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Closed) => return,
                }
            }
            work.fire_timers();
            let c = cluster.clone();
            // Reconciling takes the store lock many times; keep it off the async workers.
            work = tokio::task::spawn_blocking(move || {
                work.run(&c);
                work
            })
            .await
            .expect("controller pass panicked");
        }
    })
}
