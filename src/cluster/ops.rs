//! The mutations a recovery makes, one kube-rs call each: cordon, evict, delete, force delete,
//! scale, rollout restart. Errors come back as one sentence the operator can act on.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::api::{DeleteParams, EvictParams, Patch, PatchParams};

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error(
        "{action} was refused (403 Forbidden): {message}; ask for RBAC permission or use another context"
    )]
    Forbidden { action: String, message: String },
    #[error("{action}: {what} not found; it may already be gone")]
    NotFound { action: String, what: String },
    #[error("{action} conflicted with another change: {message}; reload and try again")]
    Conflict { action: String, message: String },
    #[error(
        "{action} failed: the API server is unreachable ({reason}); check the connection and retry"
    )]
    Unreachable { action: String, reason: String },
    #[error("{action} failed: {message}")]
    Failed { action: String, message: String },
}

impl OpError {
    pub(crate) fn from_kube(action: &str, what: &str, e: kube::Error) -> OpError {
        let action = action.to_string();
        match e {
            kube::Error::Api(s) => match s.code {
                403 => OpError::Forbidden {
                    action,
                    message: s.message,
                },
                404 => OpError::NotFound {
                    action,
                    what: what.to_string(),
                },
                409 => OpError::Conflict {
                    action,
                    message: s.message,
                },
                _ => OpError::Failed {
                    action,
                    message: format!("{} ({})", s.message, s.code),
                },
            },
            kube::Error::HyperError(_) | kube::Error::Service(_) => OpError::Unreachable {
                action,
                reason: e.to_string(),
            },
            other => OpError::Failed {
                action,
                message: other.to_string(),
            },
        }
    }
}

/// What an eviction request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eviction {
    Evicted,
    /// 429: a disruption budget refuses; `message` is the server's reason and its cause.
    Blocked {
        message: String,
    },
}

/// Cordons (`true`) or uncordons a node with the strategic merge patch kubectl sends.
pub async fn cordon(client: &kube::Client, node: &str, on: bool) -> Result<(), OpError> {
    let api: Api<Node> = Api::all(client.clone());
    let value = if on {
        serde_json::Value::Bool(true)
    } else {
        serde_json::Value::Null
    };
    let patch = serde_json::json!({"spec": {"unschedulable": value}});
    let action = if on { "cordon" } else { "uncordon" };
    api.patch(node, &PatchParams::default(), &Patch::Strategic(patch))
        .await
        .map(drop)
        .map_err(|e| OpError::from_kube(action, &format!("node {node}"), e))
}

/// Asks for a policy/v1 eviction. The client must have kube's 429 retry off
/// (`LoadedKubeconfig::client`), or a blocked eviction hangs here instead of coming back.
pub async fn evict(client: &kube::Client, ns: &str, name: &str) -> Result<Eviction, OpError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), ns);
    match api.evict(name, &EvictParams::default()).await {
        Ok(_) => Ok(Eviction::Evicted),
        Err(kube::Error::Api(s)) if s.code == 429 => {
            let causes: Vec<String> = s
                .details
                .iter()
                .flat_map(|d| d.causes.iter())
                .map(|c| c.message.clone())
                .filter(|m| !m.is_empty())
                .collect();
            let message = if causes.is_empty() {
                s.message
            } else {
                format!("{} {}", s.message, causes.join("; "))
            };
            Ok(Eviction::Blocked { message })
        }
        Err(e) => Err(OpError::from_kube("evict", &format!("pod {ns}/{name}"), e)),
    }
}

/// Deletes a pod; `grace` None keeps the pod's own grace period.
pub async fn delete_pod(
    client: &kube::Client,
    ns: &str,
    name: &str,
    grace: Option<i64>,
) -> Result<(), OpError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), ns);
    let mut dp = DeleteParams::background();
    if let Some(g) = grace {
        dp = dp.grace_period(g.max(0) as u32);
    }
    api.delete(name, &dp)
        .await
        .map(drop)
        .map_err(|e| OpError::from_kube("delete", &format!("pod {ns}/{name}"), e))
}

/// Removes the pod object at once (grace 0), whether or not its kubelet confirms.
pub async fn force_delete_pod(client: &kube::Client, ns: &str, name: &str) -> Result<(), OpError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), ns);
    api.delete(name, &DeleteParams::background().grace_period(0))
        .await
        .map(drop)
        .map_err(|e| OpError::from_kube("force delete", &format!("pod {ns}/{name}"), e))
}

pub async fn scale(
    client: &kube::Client,
    ns: &str,
    deployment: &str,
    replicas: i32,
) -> Result<(), OpError> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let patch = serde_json::json!({"spec": {"replicas": replicas}});
    api.patch_scale(deployment, &PatchParams::default(), &Patch::Merge(patch))
        .await
        .map(drop)
        .map_err(|e| OpError::from_kube("scale", &format!("deployment {ns}/{deployment}"), e))
}

/// Stamps `kubectl.kubernetes.io/restartedAt` on the pod template, as `kubectl rollout restart`
/// does. kube's `Api::restart` writes `kube.kubernetes.io/restartedAt` instead; the audit log's
/// kubectl equivalent must have the same effect, so the key is kubectl's.
pub async fn rollout_restart(
    client: &kube::Client,
    ns: &str,
    deployment: &str,
) -> Result<(), OpError> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let patch = serde_json::json!({"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": jiff::Timestamp::now().to_string()
    }}}}});
    api.patch(
        deployment,
        &PatchParams::default(),
        &Patch::Strategic(patch),
    )
    .await
    .map(drop)
    .map_err(|e| {
        OpError::from_kube(
            "rollout restart",
            &format!("deployment {ns}/{deployment}"),
            e,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;

    fn api_error(code: u16, message: &str) -> kube::Error {
        kube::Error::Api(Status::failure(message, "").with_code(code).boxed())
    }

    #[test]
    fn forbidden_keeps_the_servers_message_and_says_what_to_do() {
        let e = OpError::from_kube(
            "evict",
            "pod default/x",
            api_error(
                403,
                "pods \"x\" is forbidden: User \"pod-reader\" cannot create resource \"pods/eviction\"",
            ),
        );
        let text = e.to_string();
        assert!(
            text.starts_with("evict was refused (403 Forbidden): pods \"x\" is forbidden"),
            "{text}"
        );
        assert!(text.contains("RBAC"), "{text}");
    }

    #[test]
    fn not_found_and_conflict_are_sentences() {
        let e = OpError::from_kube("delete", "pod default/x", api_error(404, "not found"));
        assert_eq!(
            e.to_string(),
            "delete: pod default/x not found; it may already be gone"
        );
        let e = OpError::from_kube(
            "scale",
            "deployment default/d",
            api_error(409, "the object has been modified"),
        );
        assert!(matches!(e, OpError::Conflict { .. }));
        assert!(e.to_string().contains("reload and try again"));
    }
}
