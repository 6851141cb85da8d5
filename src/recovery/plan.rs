//! The drain plan: what happens to each pod on a node, decided from rows alone (no I/O), the
//! escalation ladder for pods that will not leave, and the kubectl command for every step.

use jiff::Timestamp;

use crate::cluster::rows::{NodeRow, PdbRow, PodRow};

/// Why a stuck pod stays: the only two causes a drain can name.
pub const STUCK_NODE_NOT_READY: &str = "node NotReady: its kubelet cannot confirm the shutdown";
pub const STUCK_FINALIZERS: &str = "finalizers hold it";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodClass {
    /// Skipped: the DaemonSet controller would put it straight back.
    DaemonSet,
    /// Skipped: a static pod's mirror; the kubelet owns it, the API cannot remove it.
    Mirror,
    /// Skipped: Succeeded or Failed, nothing runs.
    Completed,
    Evictable,
    /// Evictable, but the emptyDir's data is lost.
    EmptyDir,
    /// No controller: eviction or deletion loses it for good, so it needs an explicit step.
    Unmanaged,
    /// Its disruption budget allows no eviction now.
    PdbBlocked {
        pdb: String,
        min_available: Option<String>,
        max_unavailable: Option<String>,
        allowed: i32,
    },
    /// Shutting down within its grace period.
    Terminating,
    /// Terminating past its grace period.
    StuckTerminating {
        reason: String,
    },
}

impl PodClass {
    /// DaemonSet, mirror and completed pods stay where they are and do not block the drain.
    pub fn skipped(&self) -> bool {
        matches!(
            self,
            PodClass::DaemonSet | PodClass::Mirror | PodClass::Completed
        )
    }

    /// The operator must choose a step for it (it will not leave by eviction alone).
    pub fn blocked(&self) -> bool {
        matches!(
            self,
            PodClass::Unmanaged | PodClass::PdbBlocked { .. } | PodClass::StuckTerminating { .. }
        )
    }

    /// One line for the wizard: what the drain does with the pod.
    pub fn describe(&self) -> String {
        match self {
            PodClass::DaemonSet => "skip: managed by a DaemonSet".into(),
            PodClass::Mirror => "skip: static pod mirror".into(),
            PodClass::Completed => "skip: completed".into(),
            PodClass::Evictable => "evict".into(),
            PodClass::EmptyDir => "evict (emptyDir data is lost)".into(),
            PodClass::Unmanaged => "blocked: no controller, needs delete or force".into(),
            PodClass::PdbBlocked {
                pdb,
                min_available,
                max_unavailable,
                allowed,
            } => {
                let rule = match (min_available, max_unavailable) {
                    (Some(m), _) => format!("minAvailable {m}"),
                    (None, Some(m)) => format!("maxUnavailable {m}"),
                    (None, None) => "no rule".into(),
                };
                format!("blocked: PodDisruptionBudget {pdb} ({rule}) allows {allowed} disruptions")
            }
            PodClass::Terminating => "terminating".into(),
            PodClass::StuckTerminating { reason } => format!("stuck terminating: {reason}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodPlan {
    pub namespace: String,
    pub name: String,
    pub class: PodClass,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainPlan {
    pub node: String,
    pub node_ready: bool,
    pub cordoned: bool,
    pub pods: Vec<PodPlan>,
}

/// Counts for the progress line: evicted (gone), waiting (terminating), blocked, remaining
/// (everything not skipped that is still on the node), skipped. There is one count of a drain:
/// `recovery::drain::DrainRun::progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub evicted: usize,
    pub waiting: usize,
    pub blocked: usize,
    pub remaining: usize,
    pub skipped: usize,
}

impl DrainPlan {
    pub fn pod(&self, namespace: &str, name: &str) -> Option<&PodPlan> {
        self.pods
            .iter()
            .find(|p| p.namespace == namespace && p.name == name)
    }
}

/// Classifies every pod in `pods` (those on `node`) against the budgets in `pdbs`.
pub fn plan(node: &NodeRow, pods: &[PodRow], pdbs: &[PdbRow], now: Timestamp) -> DrainPlan {
    DrainPlan {
        node: node.name.clone(),
        node_ready: node.ready,
        cordoned: node.unschedulable,
        pods: pods
            .iter()
            .map(|p| classify(node.ready, p, pdbs, now))
            .collect(),
    }
}

fn classify(node_ready: bool, pod: &PodRow, pdbs: &[PdbRow], now: Timestamp) -> PodPlan {
    let mut warnings = Vec::new();
    let class = if pod.flags.mirror {
        PodClass::Mirror
    } else if pod.flags.daemonset {
        PodClass::DaemonSet
    } else if pod.flags.terminating {
        if pod.stuck_terminating(now) {
            let reason = if !node_ready {
                STUCK_NODE_NOT_READY
            } else if pod.flags.finalizers {
                STUCK_FINALIZERS
            } else {
                // A Ready node that has not finished the shutdown: the kubelet is the likely cause.
                STUCK_NODE_NOT_READY
            };
            warnings.push(
                "force delete removes the object only: the process may still be running on an unreachable node"
                    .into(),
            );
            PodClass::StuckTerminating {
                reason: reason.into(),
            }
        } else {
            PodClass::Terminating
        }
    } else if pod.finished() {
        PodClass::Completed
    } else if pod.flags.unmanaged {
        warnings.push("no controller owns it: once removed it is not recreated".into());
        if pod.flags.emptydir {
            warnings.push("its emptyDir data is lost".into());
        }
        PodClass::Unmanaged
    } else if let Some(pdb) = pdbs.iter().find(|b| {
        // The apiserver evicts a Pending pod without consulting its budget.
        pod.phase != "Pending"
            && b.namespace == pod.namespace
            && b.selects(&pod.labels)
            && b.disruptions_allowed <= 0
    }) {
        PodClass::PdbBlocked {
            pdb: pdb.name.clone(),
            min_available: pdb.min_available.clone(),
            max_unavailable: pdb.max_unavailable.clone(),
            allowed: pdb.disruptions_allowed,
        }
    } else if pod.flags.emptydir {
        warnings.push("its emptyDir data is lost".into());
        PodClass::EmptyDir
    } else {
        PodClass::Evictable
    };
    PodPlan {
        namespace: pod.namespace.clone(),
        name: pod.name.clone(),
        class,
        warnings,
    }
}

/// One rung of the escalation ladder for a pod that will not leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// policy/v1 Eviction: honours disruption budgets.
    Evict,
    /// DELETE with the pod's grace period: ignores budgets.
    Delete,
    /// DELETE with grace 0: removes the object even if the kubelet never confirms.
    ForceDelete,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Step::Evict => "evict",
            Step::Delete => "delete",
            Step::ForceDelete => "force delete",
        }
    }
}

/// Where the ladder starts for a class; None when there is nothing to do (skipped or waiting).
pub fn first_step(class: &PodClass) -> Option<Step> {
    match class {
        PodClass::Evictable | PodClass::EmptyDir | PodClass::PdbBlocked { .. } => Some(Step::Evict),
        PodClass::Unmanaged => Some(Step::Delete),
        PodClass::StuckTerminating { .. } => Some(Step::ForceDelete),
        PodClass::DaemonSet | PodClass::Mirror | PodClass::Completed | PodClass::Terminating => {
            None
        }
    }
}

/// The next, harsher step; None after force delete.
pub fn escalate(step: Step) -> Option<Step> {
    match step {
        Step::Evict => Some(Step::Delete),
        Step::Delete => Some(Step::ForceDelete),
        Step::ForceDelete => None,
    }
}

/// Quotes `s` for a POSIX shell when it holds anything but plain name characters.
/// `s` as one word for any POSIX shell: bare when it is plainly safe, else single-quoted.
pub fn sh(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/=@%+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The kubectl command that does what `step` does to pod `ns/name`.
pub fn kubectl(context: &str, step: Step, ns: &str, name: &str) -> String {
    let c = sh(context);
    match step {
        // kubectl has no verb that evicts a single pod; this is the raw call `kubectl drain` makes.
        Step::Evict => {
            let body = serde_json::json!({
                "apiVersion": "policy/v1",
                "kind": "Eviction",
                "metadata": {"name": name, "namespace": ns},
            });
            // A pipe, not bash's `<<<`: the line must paste into any sh.
            format!(
                "printf '%s\\n' {} | kubectl --context {c} create --raw {} -f -",
                sh(&body.to_string()),
                sh(&format!("/api/v1/namespaces/{ns}/pods/{name}/eviction"))
            )
        }
        Step::Delete => format!(
            "kubectl --context {c} delete pod {} -n {}",
            sh(name),
            sh(ns)
        ),
        Step::ForceDelete => format!(
            "kubectl --context {c} delete pod {} -n {} --grace-period=0 --force",
            sh(name),
            sh(ns)
        ),
    }
}

pub fn kubectl_cordon(context: &str, node: &str, cordon: bool) -> String {
    let verb = if cordon { "cordon" } else { "uncordon" };
    format!("kubectl --context {} {verb} {}", sh(context), sh(node))
}

pub fn kubectl_scale(context: &str, ns: &str, deployment: &str, replicas: i32) -> String {
    format!(
        "kubectl --context {} scale {} -n {} --replicas={replicas}",
        sh(context),
        sh(&format!("deployment/{deployment}")),
        sh(ns)
    )
}

pub fn kubectl_rollout_restart(context: &str, ns: &str, deployment: &str) -> String {
    format!(
        "kubectl --context {} rollout restart {} -n {}",
        sh(context),
        sh(&format!("deployment/{deployment}")),
        sh(ns)
    )
}

/// Pods whose namespace, name, node or status contains `keyword` (case-insensitive), as
/// (namespace, name); an empty keyword selects nothing, so a slip cannot force-delete everything.
pub fn bulk_force_delete(pods: &[PodRow], keyword: &str) -> Vec<(String, String)> {
    let k = keyword.trim().to_lowercase();
    if k.is_empty() {
        return Vec::new();
    }
    pods.iter()
        .filter(|p| {
            [&p.namespace, &p.name, &p.node, &p.status]
                .iter()
                .any(|f| f.to_lowercase().contains(&k))
        })
        .map(|p| (p.namespace.clone(), p.name.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `line` with `sh -c`, a fake `kubectl` printing each argument on its own line, and
    /// returns those arguments with what it read on stdin.
    fn pasted(line: &str) -> (Vec<String>, String) {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("kubectl");
        std::fs::write(
            &fake,
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\nprintf 'stdin:'; cat\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("{}:/usr/bin:/bin", dir.path().display());
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(dir.path())
            .env("PATH", path)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let (args, stdin) = text.split_once("stdin:").unwrap();
        assert!(
            !dir.path().join("pwned").exists(),
            "{line} ran a substitution"
        );
        (
            args.lines().map(str::to_string).collect(),
            stdin.to_string(),
        )
    }

    #[test]
    fn every_kubectl_equivalent_pastes_into_sh_as_the_same_words() {
        let context = "it's $(touch pwned) \"prod\" `touch pwned`";
        let (args, _) = pasted(&kubectl(context, Step::ForceDelete, "default", "web-1"));
        assert_eq!(
            args,
            [
                "--context",
                context,
                "delete",
                "pod",
                "web-1",
                "-n",
                "default",
                "--grace-period=0",
                "--force"
            ]
        );
        let (args, _) = pasted(&kubectl_cordon(context, "node 1", true));
        assert_eq!(args, ["--context", context, "cordon", "node 1"]);
        let (args, stdin) = pasted(&kubectl(context, Step::Evict, "default", "web-1"));
        assert_eq!(
            args,
            [
                "--context",
                context,
                "create",
                "--raw",
                "/api/v1/namespaces/default/pods/web-1/eviction",
                "-f",
                "-"
            ]
        );
        let body: serde_json::Value = serde_json::from_str(stdin.trim()).unwrap();
        assert_eq!(body["metadata"]["name"], "web-1");
        let (args, _) = pasted(&kubectl_scale(context, "default", "web", 3));
        assert_eq!(args[1], context);
        let (args, _) = pasted(&kubectl_rollout_restart(context, "default", "web"));
        assert_eq!(args[1], context);
    }
    use k8s_openapi::api::core::v1::{Node, Pod};
    use k8s_openapi::api::policy::v1::PodDisruptionBudget;
    use serde_json::json;

    fn node(ready: bool) -> NodeRow {
        let n: Node = serde_json::from_value(json!({"metadata":{"name":"n1"},"status":{"conditions":[{"type":"Ready","status": if ready {"True"} else {"Unknown"}}]}})).unwrap();
        NodeRow::from_node(&n)
    }

    fn owned(name: &str, kind: &str, labels: serde_json::Value) -> serde_json::Value {
        json!({"metadata":{"name":name,"namespace":"default","labels":labels,"ownerReferences":[{"apiVersion":"apps/v1","kind":kind,"name":"o","uid":"u","controller":true}]},"spec":{"nodeName":"n1","containers":[{"name":"c"}]},"status":{"phase":"Running"}})
    }

    fn row(v: serde_json::Value) -> PodRow {
        PodRow::from_pod(&serde_json::from_value::<Pod>(v).unwrap())
    }

    fn pdb(allowed: i32) -> PdbRow {
        PdbRow::from_pdb(&serde_json::from_value::<PodDisruptionBudget>(json!({"metadata":{"name":"keycloak","namespace":"default"},"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"keycloak"}}},"status":{"disruptionsAllowed":allowed,"currentHealthy":1,"desiredHealthy":1,"expectedPods":1}})).unwrap())
    }

    fn now() -> Timestamp {
        "2026-01-01T00:10:00Z".parse().unwrap()
    }

    fn class_of(ready: bool, v: serde_json::Value, pdbs: &[PdbRow]) -> PodPlan {
        plan(&node(ready), &[row(v)], pdbs, now()).pods.remove(0)
    }

    #[test]
    fn daemonset_mirror_and_completed_pods_are_skipped() {
        assert_eq!(
            class_of(true, owned("kr", "DaemonSet", json!({})), &[]).class,
            PodClass::DaemonSet
        );
        let mut m = owned("etcd", "Node", json!({}));
        m["metadata"]["annotations"] = json!({"kubernetes.io/config.mirror":"x"});
        assert_eq!(class_of(true, m, &[]).class, PodClass::Mirror);
        let mut done = owned("job-1", "Job", json!({}));
        done["status"]["phase"] = json!("Succeeded");
        assert_eq!(class_of(true, done, &[]).class, PodClass::Completed);
    }

    #[test]
    fn replica_set_pods_are_evictable_and_emptydir_warns() {
        let p = class_of(true, owned("web", "ReplicaSet", json!({"app":"web"})), &[]);
        assert_eq!(p.class, PodClass::Evictable);
        assert!(p.warnings.is_empty());
        let mut e = owned("wiki", "ReplicaSet", json!({}));
        e["spec"]["volumes"] = json!([{"name":"data","emptyDir":{}}]);
        let p = class_of(true, e, &[]);
        assert_eq!(p.class, PodClass::EmptyDir);
        assert!(p.warnings[0].contains("emptyDir"));
    }

    #[test]
    fn bare_pod_is_unmanaged() {
        let p = class_of(
            true,
            json!({"metadata":{"name":"debug-shell","namespace":"default"},"spec":{"nodeName":"n1","containers":[{"name":"c"}]},"status":{"phase":"Running"}}),
            &[],
        );
        assert_eq!(p.class, PodClass::Unmanaged);
        assert_eq!(first_step(&p.class), Some(Step::Delete));
    }

    #[test]
    fn pdb_with_no_disruptions_left_blocks_and_one_with_room_does_not() {
        let kc = owned("keycloak-1", "ReplicaSet", json!({"app":"keycloak"}));
        assert_eq!(
            class_of(true, kc.clone(), &[pdb(0)]).class,
            PodClass::PdbBlocked {
                pdb: "keycloak".into(),
                min_available: Some("1".into()),
                max_unavailable: None,
                allowed: 0
            }
        );
        assert_eq!(
            class_of(true, kc.clone(), &[pdb(1)]).class,
            PodClass::Evictable
        );
        let mut pending = kc;
        pending["status"]["phase"] = json!("Pending");
        assert_eq!(
            class_of(true, pending, &[pdb(0)]).class,
            PodClass::Evictable,
            "the apiserver evicts a Pending pod without asking its budget"
        );
        let other = owned("web", "ReplicaSet", json!({"app":"web"}));
        assert_eq!(class_of(true, other, &[pdb(0)]).class, PodClass::Evictable);
    }

    #[test]
    fn terminating_pods_within_grace_wait_and_past_it_are_stuck_with_a_reason() {
        let mut t = owned("web", "ReplicaSet", json!({}));
        t["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:09:50Z");
        t["metadata"]["deletionGracePeriodSeconds"] = json!(30);
        let mut soon = t.clone();
        soon["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:10:20Z");
        assert_eq!(class_of(false, soon, &[]).class, PodClass::Terminating);
        let stuck = class_of(false, t.clone(), &[]);
        assert_eq!(
            stuck.class,
            PodClass::StuckTerminating {
                reason: STUCK_NODE_NOT_READY.into()
            }
        );
        assert!(stuck.warnings[0].contains("may still be running"));
        t["metadata"]["finalizers"] = json!(["example.com/hold"]);
        assert_eq!(
            class_of(true, t, &[]).class,
            PodClass::StuckTerminating {
                reason: STUCK_FINALIZERS.into()
            }
        );
    }

    #[test]
    fn escalation_ladder_goes_evict_delete_force_then_stops() {
        assert_eq!(escalate(Step::Evict), Some(Step::Delete));
        assert_eq!(escalate(Step::Delete), Some(Step::ForceDelete));
        assert_eq!(escalate(Step::ForceDelete), None);
        assert_eq!(first_step(&PodClass::DaemonSet), None);
        assert_eq!(first_step(&PodClass::Terminating), None);
        assert_eq!(first_step(&PodClass::EmptyDir), Some(Step::Evict));
        assert_eq!(
            first_step(&PodClass::StuckTerminating {
                reason: String::new()
            }),
            Some(Step::ForceDelete)
        );
    }

    #[test]
    fn kubectl_commands_are_exact() {
        assert_eq!(
            kubectl("prod", Step::Evict, "default", "keycloak-1"),
            r#"printf '%s\n' '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"keycloak-1","namespace":"default"}}' | kubectl --context prod create --raw /api/v1/namespaces/default/pods/keycloak-1/eviction -f -"#
        );
        assert_eq!(
            kubectl("prod", Step::Delete, "default", "x"),
            "kubectl --context prod delete pod x -n default"
        );
        assert_eq!(
            kubectl("prod", Step::ForceDelete, "default", "x"),
            "kubectl --context prod delete pod x -n default --grace-period=0 --force"
        );
        assert_eq!(
            kubectl_cordon("prod", "n1", true),
            "kubectl --context prod cordon n1"
        );
        assert_eq!(
            kubectl_cordon("my ctx", "n1", false),
            "kubectl --context 'my ctx' uncordon n1"
        );
        assert_eq!(
            kubectl_scale("prod", "default", "web", 3),
            "kubectl --context prod scale deployment/web -n default --replicas=3"
        );
        assert_eq!(
            kubectl_rollout_restart("prod", "default", "web"),
            "kubectl --context prod rollout restart deployment/web -n default"
        );
    }

    #[test]
    fn bulk_force_delete_matches_namespace_name_node_or_status() {
        let mut a = owned("busybox-1", "ReplicaSet", json!({}));
        a["metadata"]["namespace"] = json!("dev");
        let b = owned("web", "ReplicaSet", json!({}));
        let mut c = owned("api", "ReplicaSet", json!({}));
        c["spec"]["nodeName"] = json!("n2");
        let pods = [row(a), row(b), row(c)];
        assert_eq!(
            bulk_force_delete(&pods, "BusyBox"),
            [("dev".to_string(), "busybox-1".to_string())]
        );
        assert_eq!(bulk_force_delete(&pods, "n2").len(), 1);
        assert_eq!(bulk_force_delete(&pods, "dev").len(), 1);
        assert!(bulk_force_delete(&pods, "  ").is_empty());
    }
}
