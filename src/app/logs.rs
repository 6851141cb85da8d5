//! Log panes (issue #5): pane layout, bounded buffers, follow/pause, search. Pure: streams are
//! started and stopped through `Cmd::Logs`, lines arrive as `Msg::Logs`.

use crossterm::event::KeyEvent;

use super::msg::Cmd;
use super::state::State;

/// Every open log pane and the layout they share.
#[derive(Debug, Clone, Default)]
pub struct LogsState {}

#[derive(Debug, Clone, PartialEq)]
pub enum LogMsg {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogCmd {}

pub fn update(_state: &mut State, msg: LogMsg) -> Vec<Cmd> {
    match msg {}
}

/// Keys while the logs screen is shown (Ctrl-C is handled before this).
pub fn on_key(state: &mut State, _key: KeyEvent) -> Vec<Cmd> {
    state.screen = super::state::Screen::Table;
    vec![]
}

/// The `logs` key on the selected pod or deployment.
pub fn open_for_selection(state: &mut State) -> Vec<Cmd> {
    state.notice = Some((super::state::Level::Info, "logs: not built yet".into()));
    vec![]
}

/// `:logs ARGS` typed in command mode.
pub fn open_from_command(state: &mut State, _args: &[String]) -> Vec<Cmd> {
    open_for_selection(state)
}
