//! Port-forwards (issue #6): the dialog, the forwards list and their states. Pure: listeners are
//! started and stopped through `Cmd::Forward`, their states arrive as `Msg::Forward`.

use crossterm::event::KeyEvent;

use super::msg::Cmd;
use super::state::State;

#[derive(Debug, Clone, Default)]
pub struct ForwardsState {}

#[derive(Debug, Clone, PartialEq)]
pub enum ForwardMsg {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardCmd {}

pub fn update(_state: &mut State, msg: ForwardMsg) -> Vec<Cmd> {
    match msg {}
}

/// Keys while the forwards screen is shown (Ctrl-C is handled before this).
pub fn on_key(state: &mut State, _key: KeyEvent) -> Vec<Cmd> {
    state.screen = super::state::Screen::Table;
    vec![]
}

/// The `port_forward` key on the selected pod / deployment / service.
pub fn open_dialog(state: &mut State) -> Vec<Cmd> {
    state.notice = Some((
        super::state::Level::Info,
        "port-forward: not built yet".into(),
    ));
    vec![]
}
