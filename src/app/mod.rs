//! The pure core: `State`, `Msg`, `Cmd`, `update` and its per-screen reducers, and the key
//! table. No tokio, no terminal, no I/O, nothing from `ui/` (tests/layering.rs checks it).

pub mod command;
pub mod confirm;
pub mod containers;
pub mod drill;
pub mod edit;
pub mod events;
pub mod exec_command;
pub mod filter;
pub mod forward_dialog;
pub mod forwards;
pub mod health;
pub mod keys;
pub mod kinds;
pub mod layers;
pub mod logs;
pub mod msg;
pub mod mutation;
pub mod namespaces;
pub mod object_actions;
pub mod ordered;
pub mod outcome;
pub mod prompt;
pub mod reveal;
pub mod row_actions;
pub mod shell;
pub mod split;
pub mod stalled_drain;
pub mod state;
pub mod table;
pub mod table_keys;
#[cfg(test)]
pub(crate) mod test_support;
pub mod update;
pub mod view_index;
pub mod wizard;
