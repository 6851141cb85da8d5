//! Drawing the cockpit: colour themes, key bindings and making cluster text safe to show.
pub mod config_error;
pub mod forwards_view;
pub mod keymap;
pub mod log_keymap;
pub mod logs_view;
pub mod recovery_view;
pub mod rollouts_view;
pub mod sanitize;
pub mod screen;
pub mod theme;
