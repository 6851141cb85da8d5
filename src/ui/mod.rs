//! Drawing the cockpit: colour themes, key bindings and making cluster text safe to show.
pub mod config_error;
pub mod keymap;
pub mod sanitize;
pub mod screen;
pub mod theme;
