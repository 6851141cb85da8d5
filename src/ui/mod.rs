//! Drawing the cockpit: view functions for every screen, and colour themes. Reads `app::State`,
//! never mutates it.
pub mod containers_view;
pub mod events_view;
pub mod forwards_view;
pub mod help_view;
pub mod list_table;
pub mod logs_view;
pub mod recovery_view;
pub mod rollouts_view;
pub mod screen;
pub mod table_cells;
pub mod theme;
