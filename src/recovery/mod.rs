//! Guided recovery of a node: the drain plan (pure decisions), the drain itself (side effects
//! through `cluster::ops`), and the audit log every mutation is appended to.

pub mod audit;
pub mod drain;
pub mod plan;
