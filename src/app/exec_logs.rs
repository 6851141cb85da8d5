//! Executor side of log panes: owns the running log tasks.

use super::logs::LogCmd;
use super::run::Executors;

/// Handles of running log streams; dropping one stops its task.
#[derive(Default)]
pub struct LogTasks {}

pub async fn run(_exec: &mut Executors, cmd: LogCmd) {
    match cmd {}
}
