//! The Kubernetes API simulator served by `kockpit sim`.
pub mod portforward;
