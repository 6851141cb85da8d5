//! Everything that talks to Kubernetes, and no UI: kubeconfig contexts, one session per live
//! context (client, watchers, health), row projections, and reads for describe/YAML views.

pub mod container_rows;
pub mod describe;
pub mod describe_any;
pub(crate) mod emit;
pub mod event_rows;
pub mod events;
pub mod exec;
pub mod forward;
pub mod generic;
pub mod health;
pub(crate) mod kind_watch;
pub mod kinds;
pub mod kubeconfig;
pub mod logs;
pub mod object_ops;
pub mod objects;
pub mod ops;
pub mod quantity;
pub mod rows;
pub mod session;
pub mod watch;
