//! PodDisruptionBudget arithmetic, shared by the eviction subresource and the PDB status controller.

use serde_json::{Value, json};

use super::podutil::phase_is_terminal;
use crate::selector::LabelSelector;
use crate::sim::cluster::{Cluster, rt};
use crate::sim::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub expected_pods: i64,
    pub current_healthy: i64,
    pub desired_healthy: i64,
    pub disruptions_allowed: i64,
}

pub fn pod_is_healthy(pod: &Value) -> bool {
    pod["metadata"]["deletionTimestamp"].is_null()
        && pod["status"]["conditions"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// An int-or-percent value of a budget, resolved against `total`.
fn resolve(v: &Value, total: i64, round_up: bool) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let pct: f64 = s.strip_suffix('%')?.parse().ok()?;
            let exact = pct * total as f64 / 100.0;
            Some(if round_up {
                exact.ceil()
            } else {
                exact.floor()
            } as i64)
        }
        _ => None,
    }
}

/// Pure: the budget for `expected` matching pods of which `healthy` are Ready.
pub fn compute(spec: &Value, expected: i64, healthy: i64) -> Budget {
    let desired = if let Some(min) = resolve(&spec["minAvailable"], expected, true) {
        min
    } else if let Some(max) = resolve(&spec["maxUnavailable"], expected, true) {
        (expected - max).max(0)
    } else {
        expected
    };
    Budget {
        expected_pods: expected,
        current_healthy: healthy,
        desired_healthy: desired,
        disruptions_allowed: (healthy - desired).max(0),
    }
}

pub fn evaluate(store: &Store, pdb: &Value) -> Budget {
    let ns = pdb["metadata"]["namespace"].as_str().unwrap_or_default();
    let selector = LabelSelector::from_label_selector(&pdb["spec"]["selector"]);
    let (pods, _) = store.list(rt("", "pods"), Some(ns), None);
    let mut expected = 0;
    let mut healthy = 0;
    for p in pods
        .iter()
        .filter(|p| selector.matches(p) && !p.terminating)
    {
        if phase_is_terminal(p.field("status.phase")) {
            continue;
        }
        expected += 1;
        if pod_is_healthy(&p.value()) {
            healthy += 1;
        }
    }
    compute(&pdb["spec"], expected, healthy)
}

pub fn reconcile(cluster: &Cluster, ns: &str, name: &str) {
    let pdbs = rt("policy", "poddisruptionbudgets");
    let Some(obj) = cluster.store.try_get(pdbs, ns, name) else {
        return;
    };
    let b = evaluate(&cluster.store, &obj.value());
    let _ = cluster.store.update(pdbs, ns, name, |v| {
        let allowed = b.disruptions_allowed > 0;
        let old_cond = v["status"]["conditions"]
            .get(0)
            .cloned()
            .unwrap_or(Value::Null);
        let cond_changed = old_cond["status"] != if allowed { "True" } else { "False" };
        let transition = if cond_changed {
            json!(crate::sim::store::now_rfc3339())
        } else {
            old_cond["lastTransitionTime"].clone()
        };
        v["status"] = json!({
            "observedGeneration": v["metadata"]["generation"],
            "disruptionsAllowed": b.disruptions_allowed,
            "currentHealthy": b.current_healthy,
            "desiredHealthy": b.desired_healthy,
            "expectedPods": b.expected_pods,
            "conditions": [{
                "type": "DisruptionAllowed",
                "status": if allowed { "True" } else { "False" },
                "reason": if allowed { "SufficientPods" } else { "InsufficientPods" },
                "message": "",
                "observedGeneration": v["metadata"]["generation"],
                "lastTransitionTime": transition,
            }],
        });
        Ok(true)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_available_one_with_one_healthy_pod_allows_nothing() {
        let b = compute(&json!({"minAvailable": 1}), 1, 1);
        assert_eq!(b.disruptions_allowed, 0);
        assert_eq!(b.desired_healthy, 1);
    }

    #[test]
    fn max_unavailable_percent_rounds_up() {
        let b = compute(&json!({"maxUnavailable": "25%"}), 6, 6);
        assert_eq!(b.desired_healthy, 4);
        assert_eq!(b.disruptions_allowed, 2);
    }

    #[test]
    fn min_available_percent_rounds_up() {
        let b = compute(&json!({"minAvailable": "50%"}), 3, 3);
        assert_eq!(b.desired_healthy, 2);
    }
}
