//! The operator's files: `config.yaml`, keymaps and themes — where they are, reading them, and
//! the sentence (file and line) when one is broken. The only place config files are read.

pub mod config;
pub mod error;
pub mod files;
pub mod keymap;
