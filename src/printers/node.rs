//! The Node STATUS / ROLES / address cells, following kubectl's `printNode`.

use k8s_openapi::api::core::v1::Node;

/// Role labels: `node-role.kubernetes.io/<role>` (any value) or `kubernetes.io/role=<role>`.
const ROLE_LABEL_PREFIX: &str = "node-role.kubernetes.io/";
const LEGACY_ROLE_LABEL: &str = "kubernetes.io/role";

/// STATUS: `Ready`, `NotReady` or `Unknown` from the Ready condition, plus
/// `,SchedulingDisabled` when the node is cordoned.
pub fn node_status(node: &Node) -> String {
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        // Later duplicates win, as with kubectl's map of conditions.
        .and_then(|cs| cs.iter().rev().find(|c| c.type_ == "Ready"));
    let mut status = match ready {
        Some(c) if c.status == "True" => "Ready".to_string(),
        Some(_) => "NotReady".to_string(),
        None => "Unknown".to_string(),
    };
    if node.spec.as_ref().and_then(|s| s.unschedulable) == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    status
}

/// ROLES: sorted, de-duplicated roles joined by commas, or `<none>`.
pub fn node_roles(node: &Node) -> String {
    let mut roles: Vec<&str> = node
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, v)| match k.strip_prefix(ROLE_LABEL_PREFIX) {
            Some(role) if !role.is_empty() => Some(role),
            Some(_) => None,
            None if k == LEGACY_ROLE_LABEL && !v.is_empty() => Some(v.as_str()),
            None => None,
        })
        .collect();
    // kubectl's order comes from a Go set and is unspecified; sorting keeps rows stable.
    roles.sort_unstable();
    roles.dedup();
    if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    }
}

fn first_address(node: &Node, type_: &str) -> String {
    node.status
        .as_ref()
        .and_then(|s| s.addresses.as_ref())
        .and_then(|addrs| addrs.iter().find(|a| a.type_ == type_))
        .map_or_else(|| "<none>".to_string(), |a| a.address.clone())
}

/// INTERNAL-IP: the first `InternalIP` address, or `<none>`.
pub fn node_internal_ip(node: &Node) -> String {
    first_address(node, "InternalIP")
}

/// EXTERNAL-IP: the first `ExternalIP` address, or `<none>`.
pub fn node_external_ip(node: &Node) -> String {
    first_address(node, "ExternalIP")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(v: serde_json::Value) -> Node {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn ready_condition_decides_status() {
        let with = |s: &str| {
            node(json!({"status": {"conditions": [
                {"type": "MemoryPressure", "status": "False"},
                {"type": "Ready", "status": s}]}}))
        };
        assert_eq!(node_status(&with("True")), "Ready");
        assert_eq!(node_status(&with("False")), "NotReady");
        assert_eq!(node_status(&with("Unknown")), "NotReady");
    }

    #[test]
    fn node_without_ready_condition_is_unknown() {
        assert_eq!(
            node_status(&node(json!({"metadata": {"name": "n"}}))),
            "Unknown"
        );
    }

    #[test]
    fn cordoned_ready_node_shows_scheduling_disabled() {
        let n = node(json!({
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        }));
        assert_eq!(node_status(&n), "Ready,SchedulingDisabled");
    }

    #[test]
    fn roles_come_from_role_labels() {
        let n = node(json!({"metadata": {"labels": {
            "node-role.kubernetes.io/master": "",
            "node-role.kubernetes.io/control-plane": "",
            "node-role.kubernetes.io/": "ignored",
            "kubernetes.io/hostname": "n1"}}}));
        assert_eq!(node_roles(&n), "control-plane,master");
        let legacy = node(json!({"metadata": {"labels": {"kubernetes.io/role": "worker"}}}));
        assert_eq!(node_roles(&legacy), "worker");
        assert_eq!(node_roles(&node(json!({}))), "<none>");
    }

    #[test]
    fn addresses_pick_first_of_each_type() {
        let n = node(json!({"status": {"addresses": [
            {"type": "Hostname", "address": "n1"},
            {"type": "InternalIP", "address": "10.0.0.1"},
            {"type": "InternalIP", "address": "10.0.0.2"}]}}));
        assert_eq!(node_internal_ip(&n), "10.0.0.1");
        assert_eq!(node_external_ip(&n), "<none>");
    }
}
