//! Fixtures the core's unit tests share.

use crate::cluster::kubeconfig::ContextInfo;

/// A context named `name`, production when it is called `prod`.
pub fn info(name: &str) -> ContextInfo {
    ContextInfo {
        name: name.into(),
        cluster: name.into(),
        user: "u".into(),
        namespace: None,
        server: String::new(),
        production: name == "prod",
    }
}
