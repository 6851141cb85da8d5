//! Printer for autoscaling/v2 HorizontalPodAutoscalers.

use jiff::Timestamp;
use k8s_openapi::api::autoscaling::v2::{HorizontalPodAutoscaler, MetricSpec, MetricStatus};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::{Value, json};

use super::{AGE, NAME, Printer, age, col, name, parse};

pub(super) static HORIZONTAL_POD_AUTOSCALER: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Reference",
            "string",
            "Points to the target resource to scale.",
        ),
        col(
            "Targets",
            "string",
            "The specifications for which to use to calculate the desired replica count.",
        ),
        col(
            "MinPods",
            "string",
            "The lower limit for the number of replicas.",
        ),
        col(
            "MaxPods",
            "string",
            "The upper limit for the number of replicas.",
        ),
        col(
            "Replicas",
            "string",
            "Current number of replicas of pods managed by this autoscaler.",
        ),
        AGE,
    ],
    cells: |obj, now| parse(obj).map(|o| hpa_cells(&o, now)),
};

fn hpa_cells(hpa: &HorizontalPodAutoscaler, now: Timestamp) -> Vec<Value> {
    const MAX: usize = 2;
    let spec = hpa.spec.as_ref();
    let status = hpa.status.as_ref();
    let metrics = spec.and_then(|s| s.metrics.as_deref()).unwrap_or_default();
    let current = status
        .and_then(|s| s.current_metrics.as_deref())
        .unwrap_or_default();
    let targets = if metrics.is_empty() {
        "<none>".to_string()
    } else {
        let shown: Vec<String> = metrics
            .iter()
            .enumerate()
            .take(MAX)
            .map(|(i, m)| format_metric(m, current.get(i)))
            .collect();
        if metrics.len() > MAX {
            format!("{} + {} more...", shown.join(", "), metrics.len() - MAX)
        } else {
            shown.join(", ")
        }
    };
    let reference = spec.map_or_else(String::new, |s| {
        format!("{}/{}", s.scale_target_ref.kind, s.scale_target_ref.name)
    });
    vec![
        name(&hpa.metadata),
        json!(reference),
        json!(targets),
        json!(
            spec.and_then(|s| s.min_replicas)
                .map_or_else(|| "<unset>".to_string(), |m| m.to_string())
        ),
        json!(spec.map_or(0, |s| s.max_replicas)),
        json!(status.and_then(|s| s.current_replicas).unwrap_or(0)),
        age(&hpa.metadata, now),
    ]
}

/// One HPA metric as `current/target`, e.g. `cpu: 42%/80%`.
fn format_metric(spec: &MetricSpec, status: Option<&MetricStatus>) -> String {
    const UNKNOWN: &str = "<unknown>";
    let q = |q: Option<&Quantity>| q.map_or_else(|| "<nil>".to_string(), |q| q.0.clone());
    let pct = |v: Option<i32>| v.map(|v| format!("{v}%"));
    // Targets by value or average value share a shape across metric sources.
    let valued =
        |target: &k8s_openapi::api::autoscaling::v2::MetricTarget,
         current: Option<&k8s_openapi::api::autoscaling::v2::MetricValueStatus>| {
            if target.average_value.is_some() {
                let cur = current
                    .and_then(|c| c.average_value.as_ref())
                    .map_or_else(|| UNKNOWN.to_string(), |v| v.0.clone());
                format!("{cur}/{} (avg)", q(target.average_value.as_ref()))
            } else {
                let cur = current.map_or_else(|| UNKNOWN.to_string(), |c| q(c.value.as_ref()));
                format!("{cur}/{}", q(target.value.as_ref()))
            }
        };
    let resource =
        |name: &str,
         target: &k8s_openapi::api::autoscaling::v2::MetricTarget,
         current: Option<&k8s_openapi::api::autoscaling::v2::MetricValueStatus>| {
            if target.average_value.is_some() {
                let cur =
                    current.map_or_else(|| UNKNOWN.to_string(), |c| q(c.average_value.as_ref()));
                format!("{name}: {cur}/{}", q(target.average_value.as_ref()))
            } else {
                let cur = current
                    .and_then(|c| pct(c.average_utilization))
                    .unwrap_or_else(|| UNKNOWN.to_string());
                let tgt = pct(target.average_utilization).unwrap_or_else(|| "<auto>".to_string());
                format!("{name}: {cur}/{tgt}")
            }
        };
    match spec.type_.as_str() {
        "External" => spec.external.as_ref().map(|m| {
            valued(
                &m.target,
                status.and_then(|s| s.external.as_ref()).map(|s| &s.current),
            )
        }),
        "Pods" => spec.pods.as_ref().map(|m| {
            let cur = status.and_then(|s| s.pods.as_ref()).map_or_else(
                || UNKNOWN.to_string(),
                |s| q(s.current.average_value.as_ref()),
            );
            format!("{cur}/{}", q(m.target.average_value.as_ref()))
        }),
        "Object" => spec.object.as_ref().map(|m| {
            valued(
                &m.target,
                status.and_then(|s| s.object.as_ref()).map(|s| &s.current),
            )
        }),
        "Resource" => spec.resource.as_ref().map(|m| {
            let cur = status.and_then(|s| s.resource.as_ref()).map(|s| &s.current);
            resource(&m.name, &m.target, cur)
        }),
        "ContainerResource" => spec.container_resource.as_ref().map(|m| {
            let cur = status
                .and_then(|s| s.container_resource.as_ref())
                .map(|s| &s.current);
            resource(&m.name, &m.target, cur)
        }),
        _ => None,
    }
    .unwrap_or_else(|| "<unknown type>".to_string())
}

#[cfg(test)]
mod tests {
    use super::super::cells;
    use super::super::tests::{meta, now};
    use serde_json::json;

    #[test]
    fn hpa_row_shows_targets() {
        let hpa = json!({"metadata": meta("web"),
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 2,
                "maxReplicas": 10, "metrics": [
                    {"type": "Resource", "resource": {"name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 80}}},
                    {"type": "Resource", "resource": {"name": "memory",
                        "target": {"type": "AverageValue", "averageValue": "500Mi"}}},
                    {"type": "Pods", "pods": {"metric": {"name": "qps"},
                        "target": {"type": "AverageValue", "averageValue": "10"}}}]},
            "status": {"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 42}}}]}});
        assert_eq!(
            cells("HorizontalPodAutoscaler", &hpa, now()),
            vec![
                json!("web"),
                json!("Deployment/web"),
                json!("cpu: 42%/80%, memory: <unknown>/500Mi + 1 more..."),
                json!("2"),
                json!(10),
                json!(3),
                json!("5m12s"),
            ]
        );
    }
}
