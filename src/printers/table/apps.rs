//! Printers for the apps/v1 workloads.

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use serde_json::{Value, json};

use super::{
    AGE, CONTAINERS, IMAGES, NAME, Printer, SELECTOR, age, col, container_cells,
    format_label_selector, format_labels, label_selector_string, name, parse, template_containers,
};

pub(super) static DEPLOYMENT: Printer = Printer {
    columns: &[
        NAME,
        col("Ready", "string", "Number of the pod with ready state"),
        col(
            "Up-to-date",
            "string",
            "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
        ),
        col(
            "Available",
            "string",
            "Total number of available non-terminating pods targeted by this deployment.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
    cells: |obj, now| parse(obj).map(|o| deployment_cells(&o, now)),
};

fn deployment_cells(d: &Deployment, now: Timestamp) -> Vec<Value> {
    let spec = d.spec.as_ref();
    let status = d.status.as_ref();
    let desired = spec.and_then(|s| s.replicas).unwrap_or(0);
    let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
    let updated = status.and_then(|s| s.updated_replicas).unwrap_or(0);
    let available = status.and_then(|s| s.available_replicas).unwrap_or(0);
    let [names, images] = container_cells(template_containers(spec.map(|s| &s.template)));
    vec![
        name(&d.metadata),
        json!(format!("{ready}/{desired}")),
        json!(updated),
        json!(available),
        age(&d.metadata, now),
        names,
        images,
        // Deployments print the bare selector string (empty, not <none>).
        json!(label_selector_string(spec.map(|s| &s.selector))),
    ]
}

pub(super) static REPLICA_SET: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Desired",
            "integer",
            "Replicas is the number of desired pods.",
        ),
        col(
            "Current",
            "integer",
            "Replicas is the most recently observed number of non-terminating pods.",
        ),
        col(
            "Ready",
            "integer",
            "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
    cells: |obj, now| parse(obj).map(|o| replica_set_cells(&o, now)),
};

fn replica_set_cells(rs: &ReplicaSet, now: Timestamp) -> Vec<Value> {
    let spec = rs.spec.as_ref();
    let status = rs.status.as_ref();
    let [names, images] =
        container_cells(template_containers(spec.and_then(|s| s.template.as_ref())));
    vec![
        name(&rs.metadata),
        json!(spec.and_then(|s| s.replicas).unwrap_or(0)),
        json!(status.map_or(0, |s| s.replicas)),
        json!(status.and_then(|s| s.ready_replicas).unwrap_or(0)),
        age(&rs.metadata, now),
        names,
        images,
        json!(format_label_selector(spec.map(|s| &s.selector))),
    ]
}

pub(super) static DAEMON_SET: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Desired",
            "integer",
            "The total number of nodes that should be running the daemon pod.",
        ),
        col(
            "Current",
            "integer",
            "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
        ),
        col(
            "Ready",
            "integer",
            "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.",
        ),
        col(
            "Up-to-date",
            "integer",
            "The total number of nodes that are running updated daemon pod.",
        ),
        col(
            "Available",
            "integer",
            "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
        ),
        col(
            "Node Selector",
            "string",
            "NodeSelector of the pod template.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    ],
    cells: |obj, now| parse(obj).map(|o| daemon_set_cells(&o, now)),
};

fn daemon_set_cells(ds: &DaemonSet, now: Timestamp) -> Vec<Value> {
    let spec = ds.spec.as_ref();
    let status = ds.status.as_ref();
    let template = spec.map(|s| &s.template);
    let node_selector = template
        .and_then(|t| t.spec.as_ref())
        .and_then(|s| s.node_selector.as_ref());
    let [names, images] = container_cells(template_containers(template));
    vec![
        name(&ds.metadata),
        json!(status.map_or(0, |s| s.desired_number_scheduled)),
        json!(status.map_or(0, |s| s.current_number_scheduled)),
        json!(status.map_or(0, |s| s.number_ready)),
        json!(status.and_then(|s| s.updated_number_scheduled).unwrap_or(0)),
        json!(status.and_then(|s| s.number_available).unwrap_or(0)),
        json!(format_labels(node_selector)),
        age(&ds.metadata, now),
        names,
        images,
        json!(format_label_selector(spec.map(|s| &s.selector))),
    ]
}

pub(super) static STATEFUL_SET: Printer = Printer {
    columns: &[
        NAME,
        col("Ready", "string", "Number of the pod with ready state"),
        AGE,
        CONTAINERS,
        IMAGES,
    ],
    cells: |obj, now| parse(obj).map(|o| stateful_set_cells(&o, now)),
};

fn stateful_set_cells(ss: &StatefulSet, now: Timestamp) -> Vec<Value> {
    let spec = ss.spec.as_ref();
    let desired = spec.and_then(|s| s.replicas).unwrap_or(0);
    let ready = ss
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let [names, images] = container_cells(template_containers(spec.map(|s| &s.template)));
    vec![
        name(&ss.metadata),
        json!(format!("{ready}/{desired}")),
        age(&ss.metadata, now),
        names,
        images,
    ]
}

#[cfg(test)]
mod tests {
    use super::super::cells;
    use super::super::tests::{meta, names, now};
    use serde_json::json;

    #[test]
    fn deployment_row_shows_ready_ratio_and_selector() {
        let d = json!({
            "metadata": meta("web"),
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": {"spec": {"containers": [
                    {"name": "web", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]}}},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        });
        assert_eq!(
            cells("Deployment", &d, now()),
            vec![
                json!("web"),
                json!("2/3"),
                json!(3),
                json!(2),
                json!("5m12s"),
                json!("web,log"),
                json!("nginx:1.27,busybox"),
                json!("app=web"),
            ]
        );
        assert_eq!(
            names("Deployment"),
            [
                "Name",
                "Ready",
                "Up-to-date",
                "Available",
                "Age",
                "Containers",
                "Images",
                "Selector"
            ]
        );
    }

    #[test]
    fn workload_counts_are_integers() {
        let rs = json!({"metadata": meta("web-abc"), "spec": {"replicas": 2, "selector": {}},
            "status": {"replicas": 2, "readyReplicas": 1}});
        let row = cells("ReplicaSet", &rs, now());
        assert_eq!(&row[1..4], &[json!(2), json!(2), json!(1)]);
        assert_eq!(row[7], json!("<none>"));

        let ds = json!({"metadata": meta("agent"), "spec": {"selector": {"matchLabels": {"app": "agent"}},
            "template": {"spec": {"containers": [], "nodeSelector": {"kubernetes.io/os": "linux"}}}},
            "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                "numberMisscheduled": 0, "updatedNumberScheduled": 3, "numberAvailable": 2}});
        let row = cells("DaemonSet", &ds, now());
        assert_eq!(
            &row[1..7],
            &[
                json!(3),
                json!(3),
                json!(2),
                json!(3),
                json!(2),
                json!("kubernetes.io/os=linux")
            ]
        );

        let ss = json!({"metadata": meta("db"), "spec": {"replicas": 3, "selector": {},
            "serviceName": "db", "template": {}}, "status": {"replicas": 3, "readyReplicas": 1}});
        assert_eq!(cells("StatefulSet", &ss, now())[1], json!("1/3"));
    }
}
