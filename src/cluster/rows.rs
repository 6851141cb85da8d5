//! Compact rows projected from Kubernetes objects: what the tables, health strip and drain
//! planner need, and nothing else (the object itself is dropped; describe fetches it fresh).

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::quantity;
use crate::printers::{node as node_printer, pod as pod_printer};

/// (namespace, name); the namespace is empty for cluster-scoped objects.
pub type Key = (String, String);

pub trait Row: Clone + Send + 'static {
    fn key(&self) -> Key;
}

pub(crate) fn meta_key(m: &ObjectMeta) -> Key {
    (
        m.namespace.clone().unwrap_or_default(),
        m.name.clone().unwrap_or_default(),
    )
}

fn created(m: &ObjectMeta) -> Option<Timestamp> {
    m.creation_timestamp.as_ref().map(|t| t.0)
}

fn labels(m: &ObjectMeta) -> BTreeMap<String, String> {
    m.labels.clone().unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PodFlags {
    pub terminating: bool,
    pub daemonset: bool,
    /// A static pod's mirror (annotation `kubernetes.io/config.mirror`).
    pub mirror: bool,
    pub emptydir: bool,
    /// No controller owns it: eviction or deletion loses it for good.
    pub unmanaged: bool,
    pub finalizers: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodRow {
    pub namespace: String,
    pub name: String,
    pub ready: usize,
    pub containers_total: usize,
    /// STATUS exactly as kubectl prints it.
    pub status: String,
    pub phase: String,
    pub restarts: i32,
    pub last_restart: Option<Timestamp>,
    pub created: Option<Timestamp>,
    pub ip: String,
    pub node: String,
    pub owner_kind: String,
    pub owner_name: String,
    pub labels: BTreeMap<String, String>,
    pub flags: PodFlags,
    /// When deletion was requested plus the grace period: (deletionTimestamp, grace seconds).
    pub deletion: Option<(Timestamp, i64)>,
    pub cpu_request_millis: u64,
    pub memory_request_bytes: u64,
    pub ready_condition: bool,
    /// Container ports, for the port-forward dialog.
    pub ports: Vec<u16>,
}

impl Row for PodRow {
    fn key(&self) -> Key {
        (self.namespace.clone(), self.name.clone())
    }
}

/// Every container's declared ports, in order.
fn container_ports(spec: &k8s_openapi::api::core::v1::PodSpec) -> Vec<u16> {
    spec.containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| u16::try_from(p.container_port).ok())
        .collect()
}

impl PodRow {
    /// Phase Succeeded or Failed.
    pub fn finished(&self) -> bool {
        pod_printer::phase_is_finished(&self.phase)
    }

    pub fn from_pod(pod: &Pod) -> Self {
        let m = &pod.metadata;
        let s = pod_printer::summarize(pod);
        let status = pod.status.as_ref();
        let spec = pod.spec.as_ref();
        let controller = m
            .owner_references
            .as_ref()
            .and_then(|o| o.iter().find(|r| r.controller == Some(true)));
        let annotations = m.annotations.clone().unwrap_or_default();
        let (mut cpu, mut mem) = (0, 0);
        for c in spec.map(|s| s.containers.as_slice()).unwrap_or_default() {
            if let Some(req) = c.resources.as_ref().and_then(|r| r.requests.as_ref()) {
                cpu += req
                    .get("cpu")
                    .and_then(|q| quantity::cpu_millis(&q.0))
                    .unwrap_or(0);
                mem += req
                    .get("memory")
                    .and_then(|q| quantity::bytes(&q.0))
                    .unwrap_or(0);
            }
        }
        let deletion = m
            .deletion_timestamp
            .as_ref()
            .map(|t| (t.0, m.deletion_grace_period_seconds.unwrap_or(0)));
        PodRow {
            ports: spec.map(container_ports).unwrap_or_default(),
            namespace: m.namespace.clone().unwrap_or_default(),
            name: m.name.clone().unwrap_or_default(),
            ready: s.ready,
            containers_total: s.total,
            status: s.reason,
            phase: status.and_then(|s| s.phase.clone()).unwrap_or_default(),
            restarts: s.restarts,
            last_restart: s.last_restart,
            created: created(m),
            ip: status.and_then(|s| s.pod_ip.clone()).unwrap_or_default(),
            node: spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
            owner_kind: controller.map(|r| r.kind.clone()).unwrap_or_default(),
            owner_name: controller.map(|r| r.name.clone()).unwrap_or_default(),
            labels: labels(m),
            flags: PodFlags {
                terminating: deletion.is_some(),
                daemonset: controller.is_some_and(|r| r.kind == "DaemonSet"),
                mirror: annotations.contains_key("kubernetes.io/config.mirror"),
                emptydir: spec
                    .and_then(|s| s.volumes.as_ref())
                    .is_some_and(|v| v.iter().any(|v| v.empty_dir.is_some())),
                unmanaged: controller.is_none(),
                finalizers: m.finalizers.as_ref().is_some_and(|f| !f.is_empty()),
            },
            deletion,
            cpu_request_millis: cpu,
            memory_request_bytes: mem,
            ready_condition: status
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
        }
    }

    /// Terminating for longer than its grace period: its kubelet is gone or a finalizer holds it.
    pub fn stuck_terminating(&self, now: Timestamp) -> bool {
        // deletionTimestamp is already "requested + grace": past it, the pod should be gone.
        self.deletion
            .is_some_and(|(deadline, _)| now > deadline + jiff::SignedDuration::from_secs(5))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub name: String,
    /// STATUS as kubectl prints it (`Ready`, `NotReady`, `Ready,SchedulingDisabled`).
    pub status: String,
    pub ready: bool,
    pub unschedulable: bool,
    pub roles: String,
    pub version: String,
    pub created: Option<Timestamp>,
    pub internal_ip: String,
    pub cpu_allocatable_millis: u64,
    pub memory_allocatable_bytes: u64,
    pub labels: BTreeMap<String, String>,
}

impl Row for NodeRow {
    fn key(&self) -> Key {
        (String::new(), self.name.clone())
    }
}

impl NodeRow {
    pub fn from_node(node: &Node) -> Self {
        let m = &node.metadata;
        let status = node.status.as_ref();
        let alloc = status.and_then(|s| s.allocatable.as_ref());
        NodeRow {
            name: m.name.clone().unwrap_or_default(),
            status: node_printer::node_status(node),
            ready: status
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
            unschedulable: node
                .spec
                .as_ref()
                .and_then(|s| s.unschedulable)
                .unwrap_or(false),
            roles: node_printer::node_roles(node),
            version: status
                .and_then(|s| s.node_info.as_ref())
                .map(|i| i.kubelet_version.clone())
                .unwrap_or_default(),
            created: created(m),
            internal_ip: node_printer::node_internal_ip(node),
            cpu_allocatable_millis: alloc
                .and_then(|a| a.get("cpu"))
                .and_then(|q| quantity::cpu_millis(&q.0))
                .unwrap_or(0),
            memory_allocatable_bytes: alloc
                .and_then(|a| a.get("memory"))
                .and_then(|q| quantity::bytes(&q.0))
                .unwrap_or(0),
            labels: labels(m),
        }
    }
}

/// Where a deployment's rollout stands, as `kubectl rollout status` would judge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollout {
    Complete,
    Progressing,
    Paused,
    /// Progressing=False, reason ProgressDeadlineExceeded.
    Stuck(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentRow {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub desired: i32,
    pub current: i32,
    pub ready: i32,
    pub updated: i32,
    pub available: i32,
    pub created: Option<Timestamp>,
    pub rollout: Rollout,
    pub selector: BTreeMap<String, String>,
    pub images: Vec<String>,
    /// Container ports of the pod template, for the port-forward dialog.
    pub ports: Vec<u16>,
}

impl Row for DeploymentRow {
    fn key(&self) -> Key {
        (self.namespace.clone(), self.name.clone())
    }
}

impl DeploymentRow {
    pub fn from_deployment(d: &Deployment) -> Self {
        let m = &d.metadata;
        let spec = d.spec.as_ref();
        let st = d.status.as_ref();
        let desired = spec.and_then(|s| s.replicas).unwrap_or(1);
        let updated = st.and_then(|s| s.updated_replicas).unwrap_or(0);
        let current = st.and_then(|s| s.replicas).unwrap_or(0);
        let available = st.and_then(|s| s.available_replicas).unwrap_or(0);
        let observed = st.and_then(|s| s.observed_generation).unwrap_or(0);
        let generation = m.generation.unwrap_or(0);
        let stuck = st
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| {
                c.iter().find(|c| {
                    c.type_ == "Progressing"
                        && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
                })
            })
            .map(|c| {
                c.message
                    .clone()
                    .unwrap_or_else(|| "progress deadline exceeded".into())
            });
        let rollout = if let Some(why) = stuck {
            Rollout::Stuck(why)
        } else if spec.and_then(|s| s.paused).unwrap_or(false) {
            Rollout::Paused
        } else if observed >= generation
            && updated == desired
            && current == desired
            && available == desired
        {
            Rollout::Complete
        } else {
            Rollout::Progressing
        };
        DeploymentRow {
            ports: spec
                .and_then(|s| s.template.spec.as_ref())
                .map(container_ports)
                .unwrap_or_default(),
            namespace: m.namespace.clone().unwrap_or_default(),
            name: m.name.clone().unwrap_or_default(),
            uid: m.uid.clone().unwrap_or_default(),
            desired,
            current,
            ready: st.and_then(|s| s.ready_replicas).unwrap_or(0),
            updated,
            available,
            created: created(m),
            rollout,
            selector: spec
                .and_then(|s| s.selector.match_labels.clone())
                .unwrap_or_default(),
            images: spec
                .and_then(|s| s.template.spec.as_ref())
                .map(|p| {
                    p.containers
                        .iter()
                        .filter_map(|c| c.image.clone())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaSetRow {
    pub namespace: String,
    pub name: String,
    pub owner_uid: String,
    pub owner_name: String,
    pub desired: i32,
    pub current: i32,
    pub ready: i32,
    pub available: i32,
    pub revision: i64,
    pub created: Option<Timestamp>,
}

impl Row for ReplicaSetRow {
    fn key(&self) -> Key {
        (self.namespace.clone(), self.name.clone())
    }
}

impl ReplicaSetRow {
    pub fn from_replica_set(rs: &ReplicaSet) -> Self {
        let m = &rs.metadata;
        let owner = m
            .owner_references
            .as_ref()
            .and_then(|o| o.iter().find(|r| r.controller == Some(true)));
        let st = rs.status.as_ref();
        ReplicaSetRow {
            namespace: m.namespace.clone().unwrap_or_default(),
            name: m.name.clone().unwrap_or_default(),
            owner_uid: owner.map(|o| o.uid.clone()).unwrap_or_default(),
            owner_name: owner.map(|o| o.name.clone()).unwrap_or_default(),
            desired: rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
            current: st.map(|s| s.replicas).unwrap_or(0),
            ready: st.and_then(|s| s.ready_replicas).unwrap_or(0),
            available: st.and_then(|s| s.available_replicas).unwrap_or(0),
            revision: m
                .annotations
                .as_ref()
                .and_then(|a| a.get("deployment.kubernetes.io/revision"))
                .and_then(|r| r.parse().ok())
                .unwrap_or(0),
            created: created(m),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PdbRow {
    pub namespace: String,
    pub name: String,
    pub selector: Option<LabelSelector>,
    pub min_available: Option<String>,
    pub max_unavailable: Option<String>,
    pub disruptions_allowed: i32,
    pub current_healthy: i32,
    pub desired_healthy: i32,
    pub expected_pods: i32,
}

impl Row for PdbRow {
    fn key(&self) -> Key {
        (self.namespace.clone(), self.name.clone())
    }
}

fn int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

impl PdbRow {
    pub fn from_pdb(p: &PodDisruptionBudget) -> Self {
        let m = &p.metadata;
        let spec = p.spec.as_ref();
        let st = p.status.as_ref();
        PdbRow {
            namespace: m.namespace.clone().unwrap_or_default(),
            name: m.name.clone().unwrap_or_default(),
            selector: spec.and_then(|s| s.selector.clone()),
            min_available: spec
                .and_then(|s| s.min_available.as_ref())
                .map(int_or_string),
            max_unavailable: spec
                .and_then(|s| s.max_unavailable.as_ref())
                .map(int_or_string),
            disruptions_allowed: st.map(|s| s.disruptions_allowed).unwrap_or(0),
            current_healthy: st.map(|s| s.current_healthy).unwrap_or(0),
            desired_healthy: st.map(|s| s.desired_healthy).unwrap_or(0),
            expected_pods: st.map(|s| s.expected_pods).unwrap_or(0),
        }
    }

    /// Whether this budget's selector selects a pod with `labels` (no selector selects nothing).
    pub fn selects(&self, labels: &BTreeMap<String, String>) -> bool {
        let Some(sel) = &self.selector else {
            return false;
        };
        let labels_ok = sel
            .match_labels
            .as_ref()
            .is_none_or(|m| m.iter().all(|(k, v)| labels.get(k) == Some(v)));
        let exprs_ok = sel.match_expressions.as_ref().is_none_or(|exprs| {
            exprs.iter().all(|e| {
                let values = e.values.clone().unwrap_or_default();
                let have = labels.get(&e.key);
                match e.operator.as_str() {
                    "In" => have.is_some_and(|v| values.contains(v)),
                    "NotIn" => have.is_none_or(|v| !values.contains(v)),
                    "Exists" => have.is_some(),
                    "DoesNotExist" => have.is_none(),
                    _ => false,
                }
            })
        });
        labels_ok && exprs_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn daemonset_pod_is_flagged_and_not_unmanaged() {
        let p = PodRow::from_pod(&pod(
            json!({"metadata":{"name":"kr","namespace":"kube-system","ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"kube-router","uid":"u","controller":true}]},"spec":{"containers":[{"name":"c"}],"nodeName":"n1"}}),
        ));
        assert!(p.flags.daemonset && !p.flags.unmanaged);
        assert_eq!(p.node, "n1");
    }

    #[test]
    fn bare_pod_with_emptydir_is_unmanaged_and_flagged() {
        let p = PodRow::from_pod(&pod(
            json!({"metadata":{"name":"x","namespace":"d"},"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"250m","memory":"64Mi"}}}],"volumes":[{"name":"v","emptyDir":{}}]}}),
        ));
        assert!(p.flags.unmanaged && p.flags.emptydir);
        assert_eq!(p.cpu_request_millis, 250);
        assert_eq!(p.memory_request_bytes, 64 * 1024 * 1024);
    }

    #[test]
    fn terminating_pod_past_its_deadline_is_stuck() {
        let p = PodRow::from_pod(&pod(
            json!({"metadata":{"name":"x","namespace":"d","deletionTimestamp":"2026-01-01T00:00:30Z","deletionGracePeriodSeconds":30},"spec":{"containers":[{"name":"c"}]}}),
        ));
        assert!(p.flags.terminating);
        assert_eq!(p.status, "Terminating");
        let soon: Timestamp = "2026-01-01T00:00:20Z".parse().unwrap();
        let later: Timestamp = "2026-01-01T00:05:00Z".parse().unwrap();
        assert!(!p.stuck_terminating(soon));
        assert!(p.stuck_terminating(later));
    }

    #[test]
    fn deployment_with_progress_deadline_exceeded_is_stuck() {
        let d: Deployment = serde_json::from_value(json!({"metadata":{"name":"d","namespace":"n","generation":2},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"d"}},"template":{"spec":{"containers":[{"name":"c","image":"x:1"}]}}},"status":{"observedGeneration":2,"replicas":3,"updatedReplicas":1,"availableReplicas":2,"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded","message":"ReplicaSet \"d-1\" has timed out progressing."}]}})).unwrap();
        let r = DeploymentRow::from_deployment(&d);
        assert!(matches!(r.rollout, Rollout::Stuck(ref m) if m.contains("timed out")));
        assert_eq!(r.images, ["x:1"]);
    }

    #[test]
    fn complete_rollout_needs_every_count_and_generation() {
        let d: Deployment = serde_json::from_value(json!({"metadata":{"name":"d","namespace":"n","generation":2},"spec":{"replicas":2,"selector":{},"template":{}},"status":{"observedGeneration":2,"replicas":2,"updatedReplicas":2,"availableReplicas":2}})).unwrap();
        assert_eq!(
            DeploymentRow::from_deployment(&d).rollout,
            Rollout::Complete
        );
    }

    #[test]
    fn cordoned_node_row_reads_like_kubectl() {
        let n: Node = serde_json::from_value(json!({"metadata":{"name":"n1"},"spec":{"unschedulable":true},"status":{"conditions":[{"type":"Ready","status":"True"}],"allocatable":{"cpu":"2","memory":"4Gi"},"nodeInfo":{"kubeletVersion":"v1.32.4","machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}}})).unwrap();
        let r = NodeRow::from_node(&n);
        assert_eq!(r.status, "Ready,SchedulingDisabled");
        assert!(r.ready && r.unschedulable);
        assert_eq!(r.cpu_allocatable_millis, 2000);
    }

    #[test]
    fn pdb_selects_by_match_labels() {
        let p: PodDisruptionBudget = serde_json::from_value(json!({"metadata":{"name":"kc","namespace":"d"},"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"keycloak"}}},"status":{"disruptionsAllowed":0,"currentHealthy":1,"desiredHealthy":1,"expectedPods":1}})).unwrap();
        let r = PdbRow::from_pdb(&p);
        let mut l = BTreeMap::new();
        l.insert("app".to_string(), "keycloak".to_string());
        assert!(r.selects(&l));
        assert!(!r.selects(&BTreeMap::new()));
        assert_eq!(r.min_available.as_deref(), Some("1"));
    }
}
