//! Executor side of a drain: the one API call a node's drain machine asked for (cordon, or one
//! eviction), audited before it is reported, answered with `RecoveryMsg::DrainAnswer`. The
//! machine itself runs in the core (`app::wizard::drive`), fed the watched rows.

use std::path::PathBuf;

use crate::app::msg::{DrainCmd, Msg};
use crate::app::outcome::{DrainAnswer, RecoveryMsg};
use crate::recovery::audit::{self, AuditEntry};
use crate::recovery::drain::{self, EvictOutcome};
use crate::recovery::plan::Step;

/// Runs one drain call and returns its answer; the audit line is written first.
pub async fn step(
    client: kube::Client,
    user: &str,
    audit_path: Option<PathBuf>,
    cmd: DrainCmd,
) -> Msg {
    let mut failures = Vec::new();
    let mut sink = |entry: AuditEntry| match &audit_path {
        None => {
            failures.push("audit log not written: no state directory (HOME unset?)".to_string())
        }
        Some(path) => {
            if let Err(e) = audit::append(path, &entry) {
                failures.push(format!("audit log {} not written: {e}", path.display()));
            }
        }
    };
    let (context, node, answer) = match cmd {
        DrainCmd::Cordon { context, node } => {
            let r = drain::cordon(&client, &context, user, &node, true, &mut sink).await;
            (
                context,
                node,
                DrainAnswer::Cordoned(r.map_err(|e| e.to_string())),
            )
        }
        DrainCmd::Evict {
            context,
            node,
            namespace,
            name,
        } => {
            let r = drain::escalate(
                &client,
                &context,
                user,
                &namespace,
                &name,
                Step::Evict,
                &mut sink,
            )
            .await;
            let outcome = EvictOutcome::of(&r);
            (
                context,
                node,
                DrainAnswer::Evicted {
                    key: (namespace, name),
                    outcome,
                },
            )
        }
    };
    Msg::Recovery(RecoveryMsg::DrainAnswer {
        context,
        node,
        answer,
        audit_failures: failures,
    })
}
