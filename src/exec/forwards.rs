//! Executor side of port-forwards: owns the listeners. Each forward runs in a task that holds
//! its `PortForward` and reports its counters at most four times a second, and only on change.

use std::collections::HashMap;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::cluster::forward::{Phase, PortForward};

use super::Executors;
use crate::app::forwards::{ForwardCmd, ForwardMsg};
use crate::app::msg::Msg;

const REPORT_EVERY: Duration = Duration::from_millis(250);

/// Running forwards by id; aborting a task drops its `PortForward`, which closes the listener.
#[derive(Default)]
pub struct ForwardTasks {
    tasks: HashMap<u64, JoinHandle<()>>,
}

impl Drop for ForwardTasks {
    fn drop(&mut self) {
        for t in self.tasks.values() {
            t.abort();
        }
    }
}

pub async fn run(exec: &mut Executors, cmd: ForwardCmd) {
    match cmd {
        ForwardCmd::Stop { id } => {
            if let Some(t) = exec.forwards.tasks.remove(&id) {
                t.abort();
                // Wait for the listener to be closed, so a restart can bind the same port.
                let _ = t.await;
            }
        }
        ForwardCmd::Start { id, spec } => {
            if let Some(t) = exec.forwards.tasks.remove(&id) {
                t.abort();
                let _ = t.await;
            }
            let tx = exec.results.clone();
            let Some(client) = exec.clients.get(&spec.context).cloned() else {
                let why = format!(
                    "context {} is not open: open it with :ctx {} and start the forward again",
                    spec.context, spec.context
                );
                let _ = tx.send(Msg::Forward(ForwardMsg::StartFailed { id, why }));
                return;
            };
            let task = tokio::spawn(async move {
                let pf = match PortForward::start(client, spec).await {
                    Ok(pf) => pf,
                    Err(why) => {
                        let _ = tx.send(Msg::Forward(ForwardMsg::StartFailed { id, why }));
                        return;
                    }
                };
                let local = pf.local_addr().to_string();
                let _ = tx.send(Msg::Forward(ForwardMsg::Started { id, local }));
                let mut last = None;
                loop {
                    let snapshot = pf.snapshot();
                    let failed = matches!(snapshot.phase, Phase::Failed(_));
                    if last.as_ref() != Some(&snapshot) {
                        last = Some(snapshot.clone());
                        if tx
                            .send(Msg::Forward(ForwardMsg::Report { id, snapshot }))
                            .is_err()
                        {
                            return;
                        }
                    }
                    if failed {
                        return;
                    }
                    tokio::time::sleep(REPORT_EVERY).await;
                }
            });
            exec.forwards.tasks.insert(id, task);
        }
    }
}
