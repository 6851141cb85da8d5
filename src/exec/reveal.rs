//! Revealing a Secret's values on the operator's request: fetched fresh, decoded, and recorded
//! in the audit log as an event naming the keys (never a value) before the text is shown. If
//! the record cannot be written, nothing is shown.

use std::path::PathBuf;

use crate::cluster::describe;
use crate::cluster::kinds::KindInfo;
use crate::cluster::objects;
use crate::recovery::audit::{self, AuditEntry};
use crate::recovery::plan::sh;

/// The revealed text for the overlay, or the sentence saying why there is none.
pub async fn reveal(
    client: &kube::Client,
    context: &str,
    user: &str,
    audit_path: Option<PathBuf>,
    kind: &KindInfo,
    namespace: &str,
    name: &str,
) -> Result<String, String> {
    if !objects::is_secret(kind) {
        return Err("only a Secret's values can be revealed".into());
    }
    let (text, keys) = describe::reveal(client, kind, namespace, name)
        .await
        .map_err(|e| e.to_string())?;
    let entry = AuditEntry::event(
        context,
        user,
        "reveal",
        vec![format!("secret/{namespace}/{name}")],
        &format!(
            "revealed secret {namespace}/{name} keys {}",
            if keys.is_empty() {
                "(none)".to_string()
            } else {
                keys.join(",")
            }
        ),
        &format!(
            "kubectl --context {} -n {} get secret {} -o jsonpath='{{.data}}'",
            sh(context),
            sh(namespace),
            sh(name)
        ),
    );
    let Some(path) = audit_path else {
        return Err(
            "not revealed: the audit log has no place (no state directory; pass --audit-log FILE)"
                .into(),
        );
    };
    audit::append(&path, &entry).map_err(|e| {
        format!(
            "not revealed: the audit log {} could not be written: {e}",
            path.display()
        )
    })?;
    Ok(text)
}
