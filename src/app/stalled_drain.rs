//! Stalled drains: a cordoned node still holding pods that will not leave by eviction alone
//! (the drain plan's blockers: a PodDisruptionBudget that allows no disruption, a pod stuck
//! terminating, a pod no controller owns), for the health strip and its one-line hint.
//! Pure; only cordoned nodes' pods are looked at, so a calm cluster costs one pass over nodes.

use std::collections::HashMap;

use jiff::Timestamp;

use super::state::ContextState;
use crate::cluster::rows::{PdbRow, PodRow};
use crate::recovery::plan::{self, PodClass};

/// A pod a drain cannot move on its own, and why, in the hint's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub namespace: String,
    pub pod: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StalledDrain {
    pub node: String,
    /// Budget-blocked pods first, then stuck and unmanaged ones, by name.
    pub blockers: Vec<Blocker>,
}

fn why(class: &PodClass) -> Option<(u8, String)> {
    match class {
        PodClass::PdbBlocked { pdb, .. } => {
            Some((0, format!("blocked by PodDisruptionBudget {pdb}")))
        }
        PodClass::StuckTerminating { .. } => Some((1, "stuck terminating".into())),
        PodClass::Unmanaged => Some((2, "has no controller (needs delete)".into())),
        _ => None,
    }
}

/// Cordoned nodes of the context whose drain cannot finish by eviction alone, by node name.
pub fn stalled_drains(ctx: &ContextState, now: Timestamp) -> Vec<StalledDrain> {
    let mut on_node: HashMap<&str, Vec<PodRow>> = ctx
        .nodes
        .values()
        .filter(|n| n.unschedulable)
        .map(|n| (n.name.as_str(), Vec::new()))
        .collect();
    if on_node.is_empty() {
        return Vec::new();
    }
    for p in ctx.pods.values() {
        if let Some(pods) = on_node.get_mut(p.node.as_str()) {
            pods.push(p.clone());
        }
    }
    let pdbs: Vec<PdbRow> = ctx.pdbs.values().cloned().collect();
    ctx.nodes
        .values()
        .filter(|n| n.unschedulable)
        .filter_map(|n| {
            let pods = on_node.get(n.name.as_str())?;
            let mut blockers: Vec<(u8, Blocker)> = plan::plan(n, pods, &pdbs, now)
                .pods
                .into_iter()
                .filter_map(|p| {
                    let (rank, why) = why(&p.class)?;
                    Some((
                        rank,
                        Blocker {
                            namespace: p.namespace,
                            pod: p.name,
                            why,
                        },
                    ))
                })
                .collect();
            blockers.sort_by(|a, b| (a.0, &a.1.pod).cmp(&(b.0, &b.1.pod)));
            (!blockers.is_empty()).then(|| StalledDrain {
                node: n.name.clone(),
                blockers: blockers.into_iter().map(|(_, b)| b).collect(),
            })
        })
        .collect()
}

/// The one-line hint: which drain stalled, on what, and how to open the wizard on it
/// (`:drain NODE`, or the drain key on the node's row when the keymap has one).
pub fn hint(context: &str, stalled: &[StalledDrain], drain_key: Option<&str>) -> Option<String> {
    let first = stalled.first()?;
    let blocker = first.blockers.first()?;
    // The node is named once, in the command: kops names are long and the line is one line.
    let mut line = format!("{context}: drain stalled: {} {}", blocker.pod, blocker.why);
    if first.blockers.len() > 1 {
        line += &format!(" (+{} more pods)", first.blockers.len() - 1);
    }
    line += &format!(" · :drain {}", first.node);
    if let Some(k) = drain_key {
        line += &format!(" (or {k} on the node)");
    }
    if stalled.len() > 1 {
        line += &format!(" · {} more stalled drains", stalled.len() - 1);
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::kubeconfig::ContextInfo;
    use crate::cluster::rows::NodeRow;
    use serde_json::json;

    fn at() -> Timestamp {
        "2026-12-01T00:00:00Z".parse().unwrap()
    }

    fn ctx() -> ContextState {
        ContextState::new(ContextInfo {
            name: "prod".into(),
            cluster: "prod".into(),
            user: "admin".into(),
            namespace: None,
            server: String::new(),
            production: true,
        })
    }

    fn node(name: &str, cordoned: bool) -> NodeRow {
        let n: k8s_openapi::api::core::v1::Node = serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"unschedulable": cordoned},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        }))
        .unwrap();
        NodeRow::from_node(&n)
    }

    fn pod(name: &str, node: &str, app: &str, owner: &str) -> PodRow {
        let mut meta = json!({"name": name, "namespace": "default", "labels": {"app": app}});
        if !owner.is_empty() {
            meta["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": owner, "name": "o", "uid": "u", "controller": true}]);
        }
        let p: k8s_openapi::api::core::v1::Pod = serde_json::from_value(json!({
            "metadata": meta,
            "spec": {"nodeName": node, "containers": [{"name": "c"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": "c", "ready": true, "restartCount": 0, "image": "i", "imageID": "", "state": {"running": {}}}]}
        }))
        .unwrap();
        PodRow::from_pod(&p)
    }

    fn budget(name: &str, app: &str, allowed: i32) -> PdbRow {
        let b: k8s_openapi::api::policy::v1::PodDisruptionBudget = serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": app}}},
            "status": {"disruptionsAllowed": allowed, "currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 1}
        }))
        .unwrap();
        PdbRow::from_pdb(&b)
    }

    fn add<T: crate::cluster::rows::Row>(
        m: &mut std::collections::BTreeMap<crate::cluster::rows::Key, T>,
        r: T,
    ) {
        m.insert(r.key(), r);
    }

    #[test]
    fn a_cordoned_node_whose_pod_a_budget_keeps_is_a_stalled_drain_naming_the_budget() {
        let mut c = ctx();
        add(&mut c.nodes, node("old", true));
        add(&mut c.nodes, node("new", false));
        add(
            &mut c.pods,
            pod("keycloak-1", "old", "keycloak", "ReplicaSet"),
        );
        add(
            &mut c.pods,
            pod("kube-router-1", "old", "kube-router", "DaemonSet"),
        );
        add(&mut c.pods, pod("web-1", "new", "keycloak", "ReplicaSet"));
        add(&mut c.pdbs, budget("keycloak", "keycloak", 0));
        let s = stalled_drains(&c, at());
        assert_eq!(
            s,
            [StalledDrain {
                node: "old".into(),
                blockers: vec![Blocker {
                    namespace: "default".into(),
                    pod: "keycloak-1".into(),
                    why: "blocked by PodDisruptionBudget keycloak".into(),
                }],
            }]
        );
        assert_eq!(
            hint("prod", &s, Some("r")).unwrap(),
            "prod: drain stalled: keycloak-1 blocked by PodDisruptionBudget keycloak · :drain old (or r on the node)"
        );
    }

    #[test]
    fn a_cordoned_node_with_only_daemonset_or_evictable_pods_is_not_stalled() {
        let mut c = ctx();
        add(&mut c.nodes, node("old", true));
        add(
            &mut c.pods,
            pod("kube-router-1", "old", "kube-router", "DaemonSet"),
        );
        add(&mut c.pods, pod("web-1", "old", "web", "ReplicaSet"));
        add(&mut c.pdbs, budget("keycloak", "keycloak", 0));
        assert!(stalled_drains(&c, at()).is_empty());
    }

    #[test]
    fn a_budget_that_allows_a_disruption_does_not_stall_the_drain() {
        let mut c = ctx();
        add(&mut c.nodes, node("old", true));
        add(
            &mut c.pods,
            pod("keycloak-1", "old", "keycloak", "ReplicaSet"),
        );
        add(&mut c.pdbs, budget("keycloak", "keycloak", 1));
        assert!(stalled_drains(&c, at()).is_empty());
    }

    #[test]
    fn uncordoned_nodes_are_never_stalled_drains() {
        let mut c = ctx();
        add(&mut c.nodes, node("n", false));
        add(
            &mut c.pods,
            pod("keycloak-1", "n", "keycloak", "ReplicaSet"),
        );
        add(&mut c.pdbs, budget("keycloak", "keycloak", 0));
        assert!(stalled_drains(&c, at()).is_empty());
        assert_eq!(hint("prod", &[], Some("r")), None);
    }

    #[test]
    fn the_hint_counts_further_blockers_and_drains_and_omits_an_unbound_key() {
        let s = vec![
            StalledDrain {
                node: "a".into(),
                blockers: vec![
                    Blocker {
                        namespace: "default".into(),
                        pod: "keycloak-1".into(),
                        why: "blocked by PodDisruptionBudget keycloak".into(),
                    },
                    Blocker {
                        namespace: "default".into(),
                        pod: "debug".into(),
                        why: "has no controller (needs delete)".into(),
                    },
                ],
            },
            StalledDrain {
                node: "b".into(),
                blockers: vec![],
            },
        ];
        assert_eq!(
            hint("prod", &s, None).unwrap(),
            "prod: drain stalled: keycloak-1 blocked by PodDisruptionBudget keycloak (+1 more pods) · :drain a · 1 more stalled drains"
        );
    }
}
