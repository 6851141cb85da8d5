//! The Kubernetes API simulator served by `kockpit sim`.
pub mod portforward;
pub mod error;
pub mod patch;
pub mod resources;
pub mod selector;
pub mod store;
