//! Executor side of guided recovery: runs a confirmed mutation against its cluster, appends
//! every step to the audit log (before reporting it), and answers with `Msg::Recovery`.

use std::path::PathBuf;

use tokio::sync::mpsc;

use crate::cluster::ops::OpError;
use crate::recovery::audit::{self, AuditEntry};
use crate::recovery::drain::{self, DrainOptions, StepOutcome};

use super::Executors;
use crate::app::msg::Msg;
use crate::app::confirm::Outcome;
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

/// Drains one node, forwarding its progress, and says when it is over.
async fn drain_one(
    client: kube::Client,
    context: String,
    user: String,
    node: String,
    results: tokio::sync::mpsc::UnboundedSender<Msg>,
    mut auditor: Auditor,
) {
    let (tx, mut rx) = mpsc::channel(256);
    let forward = {
        let results = results.clone();
        let (context, node) = (context.clone(), node.clone());
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let _ = results.send(Msg::Recovery(RecoveryMsg::Drain {
                    context: context.clone(),
                    node: node.clone(),
                    event,
                }));
            }
        })
    };
    let mut sink = |e: AuditEntry| auditor.write(e);
    let r = drain::drain(
        &client,
        &context,
        &user,
        &node,
        &mut sink,
        tx,
        DrainOptions::default(),
    )
    .await;
    let _ = forward.await;
    // A failed audit write is as loud as a failed drain: the record must not silently lapse.
    let mut failures = auditor.failures;
    if let Err(e) = r {
        failures.insert(0, e.to_string());
    }
    let _ = results.send(Msg::Recovery(RecoveryMsg::DrainEnded {
        context,
        node,
        error: (!failures.is_empty()).then(|| failures.join("; ")),
    }));
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
        let user = exec
            .kubeconfig
            .contexts
            .iter()
            .find(|i| &i.name == c)
            .map(|i| i.user.clone())
            .unwrap_or_default();
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
            Mutation::Drain { context, nodes } => {
                // Nodes drain side by side, each with its own progress and audit lines
                // (appends of one line each, so concurrent writers do not interleave).
                let (client, user) = clients[context].clone();
                let drains = nodes.iter().map(|node| {
                    drain_one(
                        client.clone(),
                        context.clone(),
                        user.clone(),
                        node.clone(),
                        results.clone(),
                        Auditor {
                            path: auditor.path.clone(),
                            failures: Vec::new(),
                        },
                    )
                });
                futures::future::join_all(drains).await;
                return;
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
