//! The Elm-style core: `State`, `Msg`, `Cmd`, `update`, and the run loop that feeds them.

pub mod command;
pub mod config;
pub mod filter;
pub mod msg;
pub mod run;
pub mod state;
pub mod table;
pub mod update;
