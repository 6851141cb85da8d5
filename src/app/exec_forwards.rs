//! Executor side of port-forwards: owns the listeners.

use super::forwards::ForwardCmd;
use super::run::Executors;

/// Handles of running forwards; dropping one stops its listener.
#[derive(Default)]
pub struct ForwardTasks {}

pub async fn run(_exec: &mut Executors, cmd: ForwardCmd) {
    match cmd {}
}
