//! The Elm-style core: `State`, `Msg`, `Cmd`, `update`, and the run loop that feeds them.

pub mod command;
pub mod config;
mod exec_forwards;
mod exec_logs;
mod exec_recovery;
pub mod filter;
pub mod forward_dialog;
pub mod forwards;
pub mod logs;
pub mod msg;
pub mod recovery;
pub mod run;
pub mod state;
pub mod table;
pub mod update;
