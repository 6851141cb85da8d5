//! Runs a confirmed action on one object of any kind (`app::object_actions`) against its
//! cluster, and appends it to the audit log with its kubectl equivalent before reporting.

use crate::app::edit::ObjectRef;
use crate::app::object_actions::ObjectAction;
use crate::cluster::object_ops;
use crate::cluster::ops::OpError;
use crate::recovery::audit::AuditEntry;
use crate::recovery::drain::Audit;

/// `statefulset/postgres/postgres`, `namespace/web`: how audit entries name objects.
pub fn audit_name(kind: &str, namespace: &str, name: &str) -> String {
    let kind = kind.to_lowercase();
    if namespace.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}/{namespace}/{name}")
    }
}

/// Runs `action` on `object` and audits it; Ok carries what the results list says.
pub async fn run(
    client: &kube::Client,
    user: &str,
    object: &ObjectRef,
    action: &ObjectAction,
    audit: Audit<'_>,
) -> Result<String, OpError> {
    let (kind, ns, name) = (
        &object.kind,
        object.namespace.as_str(),
        object.name.as_str(),
    );
    let result = match action {
        ObjectAction::Delete => object_ops::delete(client, kind, ns, name).await,
        ObjectAction::Scale { replicas } => {
            object_ops::scale(client, kind, ns, name, *replicas).await
        }
        ObjectAction::RolloutRestart => object_ops::rollout_restart(client, kind, ns, name).await,
        ObjectAction::CreateJob { job } => {
            object_ops::create_job_from_cronjob(client, kind, ns, name, job).await
        }
        ObjectAction::Suspend { on } => object_ops::suspend(client, kind, ns, name, *on).await,
    };
    let mut objects = vec![audit_name(&kind.kind, ns, name)];
    if let ObjectAction::CreateJob { job } = action {
        objects.push(audit_name("job", ns, job));
    }
    let text = match &result {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("error: {e}"),
    };
    audit(AuditEntry::new(
        &object.context,
        user,
        action.verb(),
        objects,
        &text,
        &action.kubectl(object),
    ));
    result.map(|()| action.done())
}
