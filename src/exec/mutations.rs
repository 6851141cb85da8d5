//! Executor side of guided recovery: runs a confirmed mutation against its cluster, appends
//! every step to the audit log (before reporting it), and answers with `Msg::Recovery`.

use std::path::PathBuf;

use crate::cluster::ops::OpError;
use crate::recovery::audit::{self, AuditEntry};
use crate::recovery::drain::{self, StepOutcome};

use super::Executors;
use crate::app::confirm::Outcome;
use crate::app::msg::Msg;
use crate::app::mutation::Mutation;
use crate::app::outcome::RecoveryMsg;

/// Appends to the audit log; a failure to write it is part of the outcome the operator sees.
struct Auditor {
    path: Option<PathBuf>,
    failures: Vec<String>,
}

impl Auditor {
    fn write(&mut self, entry: AuditEntry) {
        let Some(path) = &self.path else {
            self.failures
                .push("audit log not written: no state directory (HOME unset?)".into());
            return;
        };
        if let Err(e) = audit::append(path, &entry) {
            self.failures
                .push(format!("audit log {} not written: {e}", path.display()));
        }
    }
}

fn text(r: Result<StepOutcome, OpError>) -> Result<String, String> {
    match r {
        Ok(StepOutcome::Done) => Ok("done".into()),
        Ok(StepOutcome::Blocked { message }) => Err(format!("refused: {message}")),
        Err(e) => Err(e.to_string()),
    }
}

pub async fn run(exec: &mut Executors, mutation: Mutation) {
    let contexts: Vec<String> = mutation.contexts().into_iter().map(String::from).collect();
    let mut clients = std::collections::HashMap::new();
    for c in &contexts {
        let Some(client) = exec.clients.get(c) else {
            let _ = exec.results.send(Msg::Recovery(RecoveryMsg::Done {
                mutation,
                outcomes: vec![Outcome {
                    object: format!("context {c}"),
                    result: Err(format!("context {c} is not live; nothing was changed")),
                }],
            }));
            return;
        };
        let user = exec.user(c);
        clients.insert(c.clone(), (client.clone(), user));
    }
    let results = exec.results.clone();
    let mut auditor = Auditor {
        path: exec.audit_path.clone(),
        failures: Vec::new(),
    };
    tokio::spawn(async move {
        let mut outcomes = Vec::new();
        match &mutation {
            Mutation::Drain { nodes, .. } => {
                // Drains are stepped by the wizard (`Cmd::Drain`); one arriving here is a bug
                // to report, never a silent no-op.
                outcomes.push(Outcome {
                    object: format!("node/{}", nodes.join(",")),
                    result: Err("a drain is run from the drain wizard; nothing was changed".into()),
                });
            }
            Mutation::Shell(r) => {
                // A shell is opened by `Cmd::Shell` once confirmed; one arriving here is a bug
                // to report, never a silent no-op.
                outcomes.push(Outcome {
                    object: format!("pod/{}/{}", r.namespace, r.pod),
                    result: Err("a shell is opened by its own command; nothing was run".into()),
                });
            }
            Mutation::Edit { object, .. } => {
                // An edit is sent by its session once confirmed (`Cmd::EditAnswer`); one
                // arriving here is a bug to report, never a silent no-op.
                outcomes.push(Outcome {
                    object: object.shown(),
                    result: Err("an edit is sent by its edit session; nothing was changed".into()),
                });
            }
            Mutation::Object { object, action } => {
                let (client, user) = &clients[&object.context];
                let mut sink = |e: AuditEntry| auditor.write(e);
                let r = super::object_actions::run(client, user, object, action, &mut sink).await;
                outcomes.push(Outcome {
                    object: object.shown(),
                    result: r.map_err(|e| e.to_string()),
                });
            }
            Mutation::Cordon { context, node, on } => {
                let (client, user) = &clients[context];
                let mut sink = |e: AuditEntry| auditor.write(e);
                let r = drain::cordon(client, context, user, node, *on, &mut sink).await;
                outcomes.push(Outcome {
                    object: format!("node/{node}"),
                    result: r
                        .map(|_| if *on { "cordoned" } else { "uncordoned" }.into())
                        .map_err(|e| e.to_string()),
                });
            }
            Mutation::Pods { step, pods } => {
                for p in pods {
                    let (client, user) = &clients[&p.context];
                    let mut sink = |e: AuditEntry| auditor.write(e);
                    let r = drain::escalate(
                        client,
                        &p.context,
                        user,
                        &p.namespace,
                        &p.name,
                        *step,
                        &mut sink,
                    )
                    .await;
                    outcomes.push(Outcome {
                        object: format!("{} pod/{}/{}", p.context, p.namespace, p.name),
                        result: text(r),
                    });
                }
            }
            Mutation::Scale {
                context,
                namespace,
                name,
                replicas,
            } => {
                let (client, user) = &clients[context];
                let mut sink = |e: AuditEntry| auditor.write(e);
                let r = drain::scale(client, context, user, namespace, name, *replicas, &mut sink)
                    .await;
                outcomes.push(Outcome {
                    object: format!("deployment/{namespace}/{name}"),
                    result: r
                        .map(|_| format!("scaled to {replicas}"))
                        .map_err(|e| e.to_string()),
                });
            }
            Mutation::RolloutRestart {
                context,
                namespace,
                name,
            } => {
                let (client, user) = &clients[context];
                let mut sink = |e: AuditEntry| auditor.write(e);
                let r =
                    drain::rollout_restart(client, context, user, namespace, name, &mut sink).await;
                outcomes.push(Outcome {
                    object: format!("deployment/{namespace}/{name}"),
                    result: r
                        .map(|_| "restarted".to_string())
                        .map_err(|e| e.to_string()),
                });
            }
        }
        for f in auditor.failures {
            outcomes.push(Outcome {
                object: "audit log".into(),
                result: Err(f),
            });
        }
        let _ = results.send(Msg::Recovery(RecoveryMsg::Done { mutation, outcomes }));
    });
}
