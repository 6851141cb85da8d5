//! The built-in resource types the simulator serves, as discovery describes them.

/// One API resource (a REST collection) and how discovery describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Subresources served besides the object itself (e.g. "status", "log").
    pub subresources: &'static [&'static str],
    /// A custom resource's printer columns (from its CRD); `None` for built-in types.
    pub columns: Option<&'static [PrinterColumn]>,
}

/// One `additionalPrinterColumns` entry of a CRD version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterColumn {
    pub name: &'static str,
    pub type_: &'static str,
    pub format: &'static str,
    pub description: &'static str,
    pub priority: i32,
    pub json_path: &'static str,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, `pods`: the name RBAC messages and kubectl use.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn is_metrics(&self) -> bool {
        self.group == "metrics.k8s.io"
    }
}

const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const READ_VERBS: &[&str] = &["get", "list"];

pub fn verbs(rt: &ResourceType) -> &'static [&'static str] {
    if rt.is_metrics() { READ_VERBS } else { VERBS }
}

macro_rules! rt {
    ($group:expr, $version:expr, $plural:expr, $singular:expr, $kind:expr, $ns:expr, [$($short:expr),*], [$($cat:expr),*], [$($sub:expr),*]) => {
        ResourceType {
            group: $group,
            version: $version,
            plural: $plural,
            singular: $singular,
            kind: $kind,
            namespaced: $ns,
            short_names: &[$($short),*],
            categories: &[$($cat),*],
            subresources: &[$($sub),*],
            columns: None,
        }
    };
}

pub static RESOURCES: &[ResourceType] = &[
    rt!(
        "",
        "v1",
        "pods",
        "pod",
        "Pod",
        true,
        ["po"],
        ["all"],
        [
            "status",
            "log",
            "eviction",
            "portforward",
            "exec",
            "binding"
        ]
    ),
    rt!(
        "",
        "v1",
        "nodes",
        "node",
        "Node",
        false,
        ["no"],
        [],
        ["status", "proxy"]
    ),
    rt!(
        "",
        "v1",
        "namespaces",
        "namespace",
        "Namespace",
        false,
        ["ns"],
        [],
        ["status", "finalize"]
    ),
    rt!(
        "",
        "v1",
        "services",
        "service",
        "Service",
        true,
        ["svc"],
        ["all"],
        ["status", "proxy"]
    ),
    rt!(
        "",
        "v1",
        "endpoints",
        "endpoints",
        "Endpoints",
        true,
        ["ep"],
        [],
        []
    ),
    rt!(
        "",
        "v1",
        "configmaps",
        "configmap",
        "ConfigMap",
        true,
        ["cm"],
        [],
        []
    ),
    rt!("", "v1", "secrets", "secret", "Secret", true, [], [], []),
    rt!(
        "",
        "v1",
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        true,
        ["sa"],
        [],
        ["token"]
    ),
    rt!("", "v1", "events", "event", "Event", true, ["ev"], [], []),
    rt!(
        "",
        "v1",
        "persistentvolumes",
        "persistentvolume",
        "PersistentVolume",
        false,
        ["pv"],
        [],
        ["status"]
    ),
    rt!(
        "",
        "v1",
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        "PersistentVolumeClaim",
        true,
        ["pvc"],
        [],
        ["status"]
    ),
    rt!(
        "",
        "v1",
        "replicationcontrollers",
        "replicationcontroller",
        "ReplicationController",
        true,
        ["rc"],
        ["all"],
        ["status", "scale"]
    ),
    rt!(
        "",
        "v1",
        "resourcequotas",
        "resourcequota",
        "ResourceQuota",
        true,
        ["quota"],
        [],
        ["status"]
    ),
    rt!(
        "",
        "v1",
        "limitranges",
        "limitrange",
        "LimitRange",
        true,
        ["limits"],
        [],
        []
    ),
    rt!(
        "apps",
        "v1",
        "deployments",
        "deployment",
        "Deployment",
        true,
        ["deploy"],
        ["all"],
        ["status", "scale"]
    ),
    rt!(
        "apps",
        "v1",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        true,
        ["rs"],
        ["all"],
        ["status", "scale"]
    ),
    rt!(
        "apps",
        "v1",
        "daemonsets",
        "daemonset",
        "DaemonSet",
        true,
        ["ds"],
        ["all"],
        ["status"]
    ),
    rt!(
        "apps",
        "v1",
        "statefulsets",
        "statefulset",
        "StatefulSet",
        true,
        ["sts"],
        ["all"],
        ["status", "scale"]
    ),
    rt!(
        "apps",
        "v1",
        "controllerrevisions",
        "controllerrevision",
        "ControllerRevision",
        true,
        [],
        [],
        []
    ),
    rt!(
        "batch",
        "v1",
        "jobs",
        "job",
        "Job",
        true,
        [],
        ["all"],
        ["status"]
    ),
    rt!(
        "batch",
        "v1",
        "cronjobs",
        "cronjob",
        "CronJob",
        true,
        ["cj"],
        ["all"],
        ["status"]
    ),
    rt!(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        true,
        ["hpa"],
        ["all"],
        ["status"]
    ),
    rt!(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        true,
        ["pdb"],
        [],
        ["status"]
    ),
    rt!(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "ingress",
        "Ingress",
        true,
        ["ing"],
        [],
        ["status"]
    ),
    rt!(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "networkpolicy",
        "NetworkPolicy",
        true,
        ["netpol"],
        [],
        []
    ),
    rt!(
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "ingressclass",
        "IngressClass",
        false,
        [],
        [],
        []
    ),
    rt!(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "role",
        "Role",
        true,
        [],
        [],
        []
    ),
    rt!(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "rolebinding",
        "RoleBinding",
        true,
        [],
        [],
        []
    ),
    rt!(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "clusterrole",
        "ClusterRole",
        false,
        [],
        [],
        []
    ),
    rt!(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        false,
        [],
        [],
        []
    ),
    rt!(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "storageclass",
        "StorageClass",
        false,
        ["sc"],
        [],
        []
    ),
    rt!(
        "coordination.k8s.io",
        "v1",
        "leases",
        "lease",
        "Lease",
        true,
        [],
        [],
        []
    ),
    rt!(
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "endpointslice",
        "EndpointSlice",
        true,
        [],
        [],
        []
    ),
    rt!(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "priorityclass",
        "PriorityClass",
        false,
        ["pc"],
        [],
        []
    ),
    rt!(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        false,
        ["crd", "crds"],
        [],
        ["status"]
    ),
    rt!(
        "metrics.k8s.io",
        "v1beta1",
        "nodes",
        "",
        "NodeMetrics",
        false,
        [],
        [],
        []
    ),
    rt!(
        "metrics.k8s.io",
        "v1beta1",
        "pods",
        "",
        "PodMetrics",
        true,
        [],
        [],
        []
    ),
];

/// The resource served at `/api/v1/<plural>` or `/apis/<group>/<version>/<plural>`.
pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The resource type of an object's apiVersion + kind (for create/apply bodies and scenarios).
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static ResourceType> {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.kind == kind)
}

/// The API groups in discovery order (the legacy core group is served at `/api`).
pub fn groups() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if !out.contains(&(r.group, r.version)) {
            out.push((r.group, r.version));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_is_listed_as_a_pod_subresource() {
        let pods = find("", "v1", "pods").unwrap();
        assert!(pods.subresources.contains(&"eviction"));
    }

    #[test]
    fn by_kind_resolves_grouped_and_core_kinds() {
        assert_eq!(
            by_kind("apps/v1", "Deployment").unwrap().plural,
            "deployments"
        );
        assert_eq!(by_kind("v1", "Pod").unwrap().plural, "pods");
        assert!(by_kind("apps/v1", "Pod").is_none());
    }

    #[test]
    fn qualified_names_carry_the_group() {
        assert_eq!(
            find("apps", "v1", "deployments").unwrap().qualified(),
            "deployments.apps"
        );
        assert_eq!(find("", "v1", "pods").unwrap().qualified(), "pods");
    }
}
