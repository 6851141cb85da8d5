//! Executor side of log panes: owns the running log tails and writes saved buffers.

use std::collections::HashMap;

use crate::cluster::logs::{LogTail, TailEvent};

use super::Executors;
use crate::app::logs::{LogCmd, LogMsg};
use crate::app::msg::Msg;

/// Handles of running log tails by pane; dropping one stops its task.
#[derive(Default)]
pub struct LogTasks {
    tails: HashMap<u64, LogTail>,
}

pub async fn run(exec: &mut Executors, cmd: LogCmd) {
    match cmd {
        LogCmd::Start {
            pane,
            generation,
            context,
            spec,
        } => {
            let tx = exec.results.clone();
            let send = move |event: TailEvent| {
                tx.send(Msg::Logs(LogMsg::Tail {
                    pane,
                    generation,
                    event,
                }))
                .is_ok()
            };
            // Replacing the handle stops the pane's previous tail.
            exec.logs.tails.remove(&pane);
            match exec.clients.get(&context) {
                Some(client) => {
                    let tail = LogTail::start(client.clone(), spec, Box::new(send));
                    exec.logs.tails.insert(pane, tail);
                }
                None => {
                    send(TailEvent::Problem(format!(
                        "context {context} is not live: open it with :ctx {context}"
                    )));
                }
            }
        }
        LogCmd::Stop { pane } => {
            exec.logs.tails.remove(&pane);
        }
        LogCmd::Save { path, text } => {
            let tx = exec.results.clone();
            tokio::task::spawn_blocking(move || {
                let result = std::fs::write(&path, &text)
                    .map(|()| text.lines().count())
                    .map_err(|e| e.to_string());
                let _ = tx.send(Msg::Logs(LogMsg::Saved { path, result }));
            });
        }
    }
}
