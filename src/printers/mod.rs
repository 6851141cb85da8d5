//! kubectl's printers: status strings and Table columns, shared by the cockpit's rows and the simulator's Table cells.
//!
//! Everything here is a pure function of the object (and, for ages, of `now`), so the
//! simulator's `meta.k8s.io/v1` Table answers and the cockpit's rows can never disagree.

pub mod age;
pub mod event;
pub mod jsonpath;
pub mod node;
pub mod pod;
pub mod table;
