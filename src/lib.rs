//! kockpit: a terminal cockpit for Kubernetes clusters, and the API simulator it is tested against.
pub mod app;
pub mod cluster;
pub mod printers;
pub mod recovery;
pub mod selector;
pub mod sim;
pub mod ui;
