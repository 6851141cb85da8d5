//! Printers for the core/v1 kinds that are neither networking nor storage: pods, nodes,
//! namespaces, events and the small config kinds.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Namespace, Node, Pod, Secret, ServiceAccount};
use serde_json::{Value, json};

use super::{AGE, Column, NAME, Printer, age, col, name, non_empty, or_placeholder, parse, wide};
use crate::printers::age::since;
use crate::printers::{event, node, pod};

pub(super) static POD: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Ready",
            "string",
            "The aggregate readiness state of this pod for accepting traffic.",
        ),
        col(
            "Status",
            "string",
            "The aggregate status of the containers in this pod.",
        ),
        col(
            "Restarts",
            "string",
            "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
        ),
        AGE,
        wide("IP", "string", "IP address allocated to the pod."),
        wide("Node", "string", "The node the pod is scheduled onto."),
        wide(
            "Nominated Node",
            "string",
            "The node the scheduler nominated for this pod when preempting.",
        ),
        wide(
            "Readiness Gates",
            "string",
            "Readiness gates whose conditions are true, out of those the pod declares.",
        ),
    ],
    cells: |obj, now| parse(obj).map(|o| pod_cells(&o, now)),
};

fn pod_cells(p: &Pod, now: Timestamp) -> Vec<Value> {
    let summary = pod::summarize(p);
    let restarts = pod::restarts_display(summary.restarts, summary.last_restart, now);
    let status = p.status.as_ref();
    let spec = p.spec.as_ref();
    // podIPs is authoritative; podIP covers stores that only set the legacy field.
    let ip = status
        .and_then(|s| s.pod_ips.as_ref())
        .and_then(|ips| ips.first())
        .map(|ip| ip.ip.clone())
        .or_else(|| status.and_then(|s| s.pod_ip.clone()));
    let node_name = spec.and_then(|s| s.node_name.as_deref());
    let nominated = status.and_then(|s| s.nominated_node_name.as_deref());
    let gates = spec
        .and_then(|s| s.readiness_gates.as_deref())
        .unwrap_or_default();
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let conditions = status
            .and_then(|s| s.conditions.as_deref())
            .unwrap_or_default();
        let passing = gates
            .iter()
            .filter(|g| {
                conditions
                    .iter()
                    .find(|c| c.type_ == g.condition_type)
                    .is_some_and(|c| c.status == "True")
            })
            .count();
        format!("{passing}/{}", gates.len())
    };
    vec![
        name(&p.metadata),
        json!(format!("{}/{}", summary.ready, summary.total)),
        json!(summary.reason),
        json!(restarts),
        age(&p.metadata, now),
        json!(or_placeholder(ip.as_deref(), "<none>")),
        json!(or_placeholder(node_name, "<none>")),
        json!(or_placeholder(nominated, "<none>")),
        json!(readiness_gates),
    ]
}

pub(super) static NODE: Printer = Printer {
    columns: &[
        NAME,
        col("Status", "string", "The status of the node"),
        col("Roles", "string", "The roles of the node"),
        AGE,
        col("Version", "string", "Kubelet Version reported by the node."),
        wide(
            "Internal-IP",
            "string",
            "The node's first InternalIP address.",
        ),
        wide(
            "External-IP",
            "string",
            "The node's first ExternalIP address.",
        ),
        wide("OS-Image", "string", "OS Image reported by the node."),
        wide(
            "Kernel-Version",
            "string",
            "Kernel Version reported by the node.",
        ),
        wide(
            "Container-Runtime",
            "string",
            "ContainerRuntime Version reported by the node.",
        ),
    ],
    cells: |obj, now| parse(obj).map(|o| node_cells(&o, now)),
};

fn node_cells(n: &Node, now: Timestamp) -> Vec<Value> {
    let info = n.status.as_ref().and_then(|s| s.node_info.as_ref());
    let field = |f: fn(&k8s_openapi::api::core::v1::NodeSystemInfo) -> &str| {
        json!(or_placeholder(info.map(f), "<unknown>"))
    };
    vec![
        name(&n.metadata),
        json!(node::node_status(n)),
        json!(node::node_roles(n)),
        age(&n.metadata, now),
        json!(info.map(|i| i.kubelet_version.clone()).unwrap_or_default()),
        json!(node::node_internal_ip(n)),
        json!(node::node_external_ip(n)),
        field(|i| &i.os_image),
        field(|i| &i.kernel_version),
        field(|i| &i.container_runtime_version),
    ]
}

pub(super) static NAMESPACE: Printer = Printer {
    columns: &[
        NAME,
        col("Status", "string", "The status of the namespace"),
        AGE,
    ],
    cells: |obj, now| {
        parse(obj).map(|o: Namespace| {
            let phase = o.status.and_then(|s| s.phase).unwrap_or_default();
            vec![name(&o.metadata), json!(phase), age(&o.metadata, now)]
        })
    },
};

pub(super) static EVENT: Printer = Printer {
    columns: &[
        col(
            "Last Seen",
            "string",
            "The time at which the most recent occurrence of this event was recorded.",
        ),
        col("Type", "string", "Type of this event (Normal, Warning)."),
        col(
            "Reason",
            "string",
            "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
        ),
        col("Object", "string", "The object that this event is about."),
        wide(
            "Subobject",
            "string",
            "The field of the involved object this event is about.",
        ),
        wide("Source", "string", "The component reporting this event."),
        col(
            "Message",
            "string",
            "A human-readable description of the status of this operation.",
        ),
        wide(
            "First Seen",
            "string",
            "The time at which the event was first recorded.",
        ),
        wide(
            "Count",
            "string",
            "The number of times this event has occurred.",
        ),
        Column {
            priority: 1,
            ..NAME
        },
    ],
    cells: |obj, now| parse(obj).map(|o| event_cells(&o, now)),
};

fn event_cells(e: &Event, now: Timestamp) -> Vec<Value> {
    let unknown = || "<unknown>".to_string();
    let first = event::first_seen(e).map_or_else(unknown, |t| since(t, now));
    let last = event::last_seen(e).map_or_else(unknown, |t| since(t, now));
    let count = event::count(e);
    let obj = &e.involved_object;
    let kind = obj.kind.as_deref().unwrap_or_default().to_lowercase();
    let target = match obj.name.as_deref() {
        Some(n) if !n.is_empty() => format!("{kind}/{n}"),
        _ => kind,
    };
    let source = e.source.as_ref();
    let component = non_empty(source.and_then(|s| s.component.as_deref()))
        .or(non_empty(e.reporting_component.as_deref()))
        .unwrap_or_default();
    let host = non_empty(source.and_then(|s| s.host.as_deref()))
        .or(non_empty(e.reporting_instance.as_deref()));
    let source = match host {
        Some(h) => format!("{component}, {h}"),
        None => component.to_string(),
    };
    vec![
        json!(last),
        json!(e.type_.clone().unwrap_or_default()),
        json!(e.reason.clone().unwrap_or_default()),
        json!(target),
        json!(obj.field_path.clone().unwrap_or_default()),
        json!(source),
        json!(e.message.as_deref().unwrap_or_default().trim()),
        json!(first),
        json!(count),
        name(&e.metadata),
    ]
}

pub(super) static CONFIG_MAP: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Data",
            "string",
            "Number of data entries, textual and binary.",
        ),
        AGE,
    ],
    cells: |obj, now| {
        parse(obj).map(|o: ConfigMap| {
            let n = o.data.map_or(0, |d| d.len()) + o.binary_data.map_or(0, |d| d.len());
            vec![name(&o.metadata), json!(n), age(&o.metadata, now)]
        })
    },
};

pub(super) static SECRET: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Type",
            "string",
            "Used to facilitate programmatic handling of secret data.",
        ),
        col("Data", "string", "Number of data entries."),
        AGE,
    ],
    cells: |obj, now| {
        parse(obj).map(|o: Secret| {
            let n = o.data.map_or(0, |d| d.len());
            let type_ = o.type_.unwrap_or_default();
            vec![
                name(&o.metadata),
                json!(type_),
                json!(n),
                age(&o.metadata, now),
            ]
        })
    },
};

pub(super) static SERVICE_ACCOUNT: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Secrets",
            "string",
            "Number of secrets pods running as this service account may use.",
        ),
        AGE,
    ],
    cells: |obj, now| {
        parse(obj).map(|o: ServiceAccount| {
            let n = o.secrets.map_or(0, |s| s.len());
            vec![name(&o.metadata), json!(n), age(&o.metadata, now)]
        })
    },
};

#[cfg(test)]
mod tests {
    use super::super::tests::{meta, names, now};
    use super::super::{cells, columns};
    use serde_json::json;

    #[test]
    fn pod_columns_match_kubectl() {
        assert_eq!(
            names("Pod"),
            [
                "Name",
                "Ready",
                "Status",
                "Restarts",
                "Age",
                "IP",
                "Node",
                "Nominated Node",
                "Readiness Gates"
            ]
        );
        let wide: Vec<_> = columns("Pod").iter().filter(|c| c.priority == 1).collect();
        assert_eq!(wide.len(), 4);
    }

    #[test]
    fn pod_row_has_kubectl_cells() {
        let pod = json!({
            "metadata": meta("web-1"),
            "spec": {"nodeName": "node-a", "containers": [{"name": "a"}],
                     "readinessGates": [{"conditionType": "example.com/lb"}]},
            "status": {"phase": "Running", "podIPs": [{"ip": "10.1.0.5"}],
                "conditions": [{"type": "example.com/lb", "status": "True"}],
                "containerStatuses": [{"name": "a", "ready": true, "restartCount": 1,
                    "image": "x", "imageID": "", "state": {"running": {}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2025-06-01T11:00:00Z"}}}]}
        });
        assert_eq!(
            cells("Pod", &pod, now()),
            vec![
                json!("web-1"),
                json!("1/1"),
                json!("Running"),
                json!("1 (60m ago)"),
                json!("5m12s"),
                json!("10.1.0.5"),
                json!("node-a"),
                json!("<none>"),
                json!("1/1"),
            ]
        );
    }

    #[test]
    fn node_row_shows_status_roles_and_system_info() {
        let node = json!({
            "metadata": {"name": "cp-1", "creationTimestamp": "2025-05-30T08:00:00Z",
                "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}],
                "nodeInfo": {"kubeletVersion": "v1.33.1", "osImage": "Debian", "kernelVersion": "",
                    "containerRuntimeVersion": "containerd://2.0", "architecture": "amd64",
                    "bootID": "", "kubeProxyVersion": "", "machineID": "", "operatingSystem": "linux",
                    "systemUUID": ""}}
        });
        assert_eq!(
            cells("Node", &node, now()),
            vec![
                json!("cp-1"),
                json!("Ready,SchedulingDisabled"),
                json!("control-plane"),
                json!("2d4h"),
                json!("v1.33.1"),
                json!("172.18.0.2"),
                json!("<none>"),
                json!("Debian"),
                json!("<unknown>"),
                json!("containerd://2.0"),
            ]
        );
    }

    #[test]
    fn event_row_shows_object_source_and_count() {
        assert_eq!(
            names("Event"),
            [
                "Last Seen",
                "Type",
                "Reason",
                "Object",
                "Subobject",
                "Source",
                "Message",
                "First Seen",
                "Count",
                "Name"
            ]
        );
        let ev = json!({
            "metadata": meta("web.17a"),
            "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{a}"},
            "reason": "BackOff", "type": "Warning", "message": "Back-off restarting failed container\n",
            "firstTimestamp": "2025-06-01T10:00:00Z", "lastTimestamp": "2025-06-01T11:59:30Z",
            "count": 7, "source": {"component": "kubelet", "host": "node-a"}
        });
        assert_eq!(
            cells("Event", &ev, now()),
            vec![
                json!("30s"),
                json!("Warning"),
                json!("BackOff"),
                json!("pod/web-1"),
                json!("spec.containers{a}"),
                json!("kubelet, node-a"),
                json!("Back-off restarting failed container"),
                json!("120m"),
                json!(7),
                json!("web.17a"),
            ]
        );
        let singleton = json!({"metadata": meta("e"), "involvedObject": {"kind": "Node"},
            "eventTime": "2025-06-01T11:59:00.000000Z", "reportingComponent": "scheduler"});
        let row = cells("Event", &singleton, now());
        assert_eq!(row[0], json!("60s"));
        assert_eq!(row[3], json!("node"));
        assert_eq!(row[5], json!("scheduler"));
        assert_eq!(row[8], json!(1));
    }

    #[test]
    fn small_kinds_count_their_entries() {
        let cm = json!({"metadata": meta("cfg"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}});
        assert_eq!(cells("ConfigMap", &cm, now())[1], json!(3));
        let secret = json!({"metadata": meta("tls"), "type": "kubernetes.io/tls",
            "data": {"tls.crt": "AA==", "tls.key": "AA=="}});
        assert_eq!(
            &cells("Secret", &secret, now())[1..3],
            &[json!("kubernetes.io/tls"), json!(2)]
        );
        let sa = json!({"metadata": meta("default")});
        assert_eq!(cells("ServiceAccount", &sa, now())[1], json!(0));
        let ns = json!({"metadata": meta("kube-system"), "status": {"phase": "Active"}});
        assert_eq!(cells("Namespace", &ns, now())[1], json!("Active"));
    }
}
