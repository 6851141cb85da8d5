//! Printer for policy/v1 PodDisruptionBudgets.

use jiff::Timestamp;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{Value, json};

use super::{AGE, NAME, Printer, age, col, name, parse};

pub(super) static POD_DISRUPTION_BUDGET: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Min Available",
            "string",
            "The minimum number of pods that must be available.",
        ),
        col(
            "Max Unavailable",
            "string",
            "The maximum number of pods that may be unavailable.",
        ),
        col(
            "Allowed Disruptions",
            "integer",
            "Calculated number of pods that may be disrupted at this time.",
        ),
        AGE,
    ],
    cells: |obj, now| parse(obj).map(|o| pdb_cells(&o, now)),
};

fn pdb_cells(pdb: &PodDisruptionBudget, now: Timestamp) -> Vec<Value> {
    let spec = pdb.spec.as_ref();
    vec![
        name(&pdb.metadata),
        json!(int_or_string(spec.and_then(|s| s.min_available.as_ref()))),
        json!(int_or_string(spec.and_then(|s| s.max_unavailable.as_ref()))),
        json!(pdb.status.as_ref().map_or(0, |s| s.disruptions_allowed)),
        age(&pdb.metadata, now),
    ]
}

fn int_or_string(v: Option<&IntOrString>) -> String {
    match v {
        Some(IntOrString::Int(i)) => i.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => "N/A".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::cells;
    use super::super::tests::{meta, now};
    use serde_json::json;

    #[test]
    fn pdb_row_shows_budgets_and_allowed_disruptions() {
        let pdb = json!({"metadata": meta("web"), "spec": {"minAvailable": "50%"},
            "status": {"disruptionsAllowed": 1, "currentHealthy": 2, "desiredHealthy": 1, "expectedPods": 2}});
        assert_eq!(
            &cells("PodDisruptionBudget", &pdb, now())[1..4],
            &[json!("50%"), json!("N/A"), json!(1)]
        );
    }
}
