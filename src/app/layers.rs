//! Key handling as a stack of layers (helix's compositor idea): each layer gets the key and
//! says whether it consumed it. Modal layers (a question, a prompt, a results list, help, a text
//! overlay) consume every key while they are up; a screen's own section comes next; then the
//! keys every screen shares (moving, back, help, quit, contexts), handled once here; last the
//! table screen's own actions.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::{Action, DialogAction};
use super::msg::Cmd;
use super::state::{Prompt, Screen, State};
use super::table;

/// What a layer did with a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Handled {
    Consumed(Vec<Cmd>),
    Ignored,
}

type Layer = fn(&mut State, &KeyEvent) -> Handled;

const LAYERS: &[Layer] = &[
    confirm,
    prompt,
    results,
    help,
    overlay,
    screen,
    movement,
    common,
    table_screen,
];

/// Runs a key press through the layers, top first, until one consumes it.
pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
    // Ctrl-C always quits, whatever layer is on top: an operator must never be trapped.
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        state.quit = true;
        return vec![];
    }
    for layer in LAYERS {
        if let Handled::Consumed(cmds) = layer(state, &key) {
            return cmds;
        }
    }
    vec![]
}

fn consumed() -> Handled {
    Handled::Consumed(vec![])
}

/// A question in front of a mutation takes every key until answered.
fn confirm(state: &mut State, key: &KeyEvent) -> Handled {
    if state.confirm.is_none() {
        return Handled::Ignored;
    }
    Handled::Consumed(super::confirm::on_confirm_key(state, *key))
}

fn prompt(state: &mut State, key: &KeyEvent) -> Handled {
    if state.prompt.is_none() {
        return Handled::Ignored;
    }
    Handled::Consumed(super::prompt::on_prompt_key(state, *key))
}

/// A results list closes on any dialog key, back or quit.
fn results(state: &mut State, key: &KeyEvent) -> Handled {
    if state.results.is_none() {
        return Handled::Ignored;
    }
    let dialog = state.keymap.dialog.action_for(key);
    let table = state.keymap.action_for(key);
    if matches!(dialog, Some(DialogAction::Confirm | DialogAction::Cancel))
        || matches!(table, Some(Action::Back | Action::Quit))
    {
        state.results = None;
    }
    consumed()
}

fn help(state: &mut State, key: &KeyEvent) -> Handled {
    if !state.help {
        return Handled::Ignored;
    }
    if matches!(
        state.keymap.action_for(key),
        Some(Action::Back | Action::Help | Action::Quit)
    ) {
        state.help = false;
    }
    consumed()
}

/// Describe / YAML text over the tables: its own keys (reveal), scroll keys, back closes.
fn overlay(state: &mut State, key: &KeyEvent) -> Handled {
    if state.screen != Screen::Table {
        return Handled::Ignored;
    }
    if state.overlay.is_none() {
        return Handled::Ignored;
    }
    if let Some(a) = state.keymap.overlay.action_for(key) {
        return Handled::Consumed(super::reveal::on_overlay_action(state, a));
    }
    let action = state.keymap.action_for(key);
    let Some(o) = state.overlay.as_mut() else {
        return Handled::Ignored;
    };
    match action {
        Some(Action::Back | Action::Quit) => state.overlay = None,
        Some(Action::Up) => o.scroll = o.scroll.saturating_sub(1),
        Some(Action::Down) => o.scroll = o.scroll.saturating_add(1),
        Some(Action::PageUp) => o.scroll = o.scroll.saturating_sub(20),
        Some(Action::PageDown) => o.scroll = o.scroll.saturating_add(20),
        Some(Action::Top) => o.scroll = 0,
        _ => {}
    }
    consumed()
}

/// The shown screen's own section of the key table.
fn screen(state: &mut State, key: &KeyEvent) -> Handled {
    match state.screen {
        Screen::Drain => super::wizard::on_key(state, key),
        Screen::Logs => super::logs::on_key(state, *key),
        Screen::Forwards => super::forwards::on_key(state, *key),
        Screen::Rollouts if state.keymap.action_for(key) == Some(Action::Rollouts) => {
            state.screen = Screen::Table;
            consumed()
        }
        Screen::Events => super::events::on_key(state, key),
        Screen::Containers => super::containers::on_key(state, key),
        Screen::Rollouts | Screen::Table => Handled::Ignored,
    }
}

/// Up, down, page, top, bottom: the cursor of whichever list the screen shows.
fn movement(state: &mut State, key: &KeyEvent) -> Handled {
    let delta = match state.keymap.action_for(key) {
        Some(Action::Up) => -1,
        Some(Action::Down) => 1,
        Some(Action::PageUp) => -20,
        Some(Action::PageDown) => 20,
        Some(Action::Top) => isize::MIN / 2,
        Some(Action::Bottom) => isize::MAX / 2,
        _ => return Handled::Ignored,
    };
    match state.screen {
        Screen::Table => table::move_cursor(state, delta),
        Screen::Drain => super::wizard::move_cursor(state, delta),
        Screen::Forwards => super::forwards::move_cursor(state, delta),
        Screen::Events => super::events::move_cursor(state, delta),
        Screen::Containers => super::containers::move_cursor(state, delta),
        Screen::Logs | Screen::Rollouts => return Handled::Ignored,
    }
    consumed()
}

/// Keys every screen shares: quit, help, the command line, contexts, and back to the tables.
fn common(state: &mut State, key: &KeyEvent) -> Handled {
    let Some(action) = state.keymap.action_for(key) else {
        return Handled::Ignored;
    };
    match action {
        Action::Quit => state.quit = true,
        Action::Help => state.help = true,
        Action::CommandMode => state.prompt = Some(Prompt::Command(String::new())),
        Action::NextContext | Action::PrevContext | Action::ToggleMergedContexts => {
            return Handled::Consumed(super::table_keys::on_table_action(state, action));
        }
        Action::Back if state.screen != Screen::Table => state.screen = Screen::Table,
        _ => return Handled::Ignored,
    }
    consumed()
}

fn table_screen(state: &mut State, key: &KeyEvent) -> Handled {
    if state.screen != Screen::Table {
        return Handled::Ignored;
    }
    match state.keymap.action_for(key) {
        Some(action) => Handled::Consumed(super::table_keys::on_table_action(state, action)),
        None => Handled::Ignored,
    }
}
