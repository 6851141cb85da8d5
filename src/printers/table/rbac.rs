//! Printers for rbac.authorization.k8s.io/v1 bindings. Roles and ClusterRoles have no
//! printer upstream and get the default columns.

use jiff::Timestamp;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value, json};

use super::{AGE, NAME, Printer, age, col, name, parse, wide};

pub(super) static ROLE_BINDING: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Role",
            "string",
            "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.",
        ),
        AGE,
        wide("Users", "string", "Users in the roleBinding"),
        wide("Groups", "string", "Groups in the roleBinding"),
        wide(
            "ServiceAccounts",
            "string",
            "ServiceAccounts in the roleBinding",
        ),
    ],
    cells: |obj, now| {
        parse(obj).map(|o: RoleBinding| {
            binding_cells(&o.metadata, &o.role_ref, o.subjects.as_deref(), now)
        })
    },
};

pub(super) static CLUSTER_ROLE_BINDING: Printer = Printer {
    columns: &[
        NAME,
        col(
            "Role",
            "string",
            "RoleRef can only reference a ClusterRole in the global namespace.",
        ),
        AGE,
        wide("Users", "string", "Users in the clusterRoleBinding"),
        wide("Groups", "string", "Groups in the clusterRoleBinding"),
        wide(
            "ServiceAccounts",
            "string",
            "ServiceAccounts in the clusterRoleBinding",
        ),
    ],
    cells: |obj, now| {
        parse(obj).map(|o: ClusterRoleBinding| {
            binding_cells(&o.metadata, &o.role_ref, o.subjects.as_deref(), now)
        })
    },
};

fn binding_cells(
    meta: &ObjectMeta,
    role_ref: &RoleRef,
    subjects: Option<&[Subject]>,
    now: Timestamp,
) -> Vec<Value> {
    let subjects = subjects.unwrap_or_default();
    let of_kind = |kind: &str| {
        subjects
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| match kind {
                "ServiceAccount" => {
                    format!("{}/{}", s.namespace.as_deref().unwrap_or_default(), s.name)
                }
                _ => s.name.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        name(meta),
        json!(format!("{}/{}", role_ref.kind, role_ref.name)),
        age(meta, now),
        json!(of_kind("User")),
        json!(of_kind("Group")),
        json!(of_kind("ServiceAccount")),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::cells;
    use super::super::tests::{meta, now};
    use serde_json::json;

    #[test]
    fn bindings_split_subjects_by_kind() {
        let rb = json!({"metadata": meta("read"),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"},
                {"kind": "Group", "name": "devs"},
                {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}]});
        for kind in ["RoleBinding", "ClusterRoleBinding"] {
            assert_eq!(
                cells(kind, &rb, now()),
                vec![
                    json!("read"),
                    json!("ClusterRole/view"),
                    json!("5m12s"),
                    json!("alice, bob"),
                    json!("devs"),
                    json!("tools/ci"),
                ]
            );
        }
    }
}
