//! kubectl's printers: status strings and Table columns, shared by the cockpit's rows and the simulator's Table cells.
pub mod table;
