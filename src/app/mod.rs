//! The pure core: `State`, `Msg`, `Cmd`, `update` and its per-screen reducers, and the key
//! table. No tokio, no terminal, no I/O, nothing from `ui/` (tests/layering.rs checks it).

pub mod command;
pub mod filter;
pub mod forward_dialog;
pub mod forwards;
pub mod keys;
pub mod logs;
pub mod msg;
pub mod recovery;
pub mod state;
pub mod table;
pub mod update;
