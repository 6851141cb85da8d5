//! kockpit: a terminal cockpit for Kubernetes clusters, and the API simulator it is tested against.
pub mod printers;
pub mod sim;
