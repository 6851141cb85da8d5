//! kockpit: a terminal cockpit for Kubernetes clusters, and the API simulator it is tested against.
//!
//! The loop of `DESIGN.md` as folders: `exec` (the run loop and executors, the only part that
//! awaits) feeds `app` (the pure core: state, messages, commands, the key table) and draws with
//! `ui`; `cluster` talks to Kubernetes, `recovery` plans and steps drains, `printers` are
//! kubectl's cells, `sim` is the API simulator. `settings` reads the operator's files;
//! `sanitize` and `selector` import nothing of the cockpit.
pub mod app;
pub mod cluster;
pub mod exec;
pub mod printers;
pub mod recovery;
pub mod sanitize;
pub mod selector;
pub mod settings;
pub mod sim;
pub mod ui;
