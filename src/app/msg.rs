//! Messages into `update` and commands out of it.

use crossterm::event::KeyEvent;
use jiff::Timestamp;

use crate::cluster::events::SessionEvent;
use crate::cluster::kinds::KindInfo;
use crate::cluster::kubeconfig::ContextInfo;

use super::containers::ContainersMsg;
use super::edit::EditMsg;
use super::events::EventsCmd;
use super::forwards::{ForwardCmd, ForwardMsg};
use super::logs::{LogCmd, LogMsg};
use super::mutation::Mutation;
use super::outcome::RecoveryMsg;

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Resize,
    /// Boxed: cluster events are large and arrive by the thousand; keys should stay cheap to move.
    Cluster(Box<SessionEvent>),
    /// Wall-clock tick: ages move on.
    Tick(Timestamp),
    /// A describe or YAML fetch finished.
    Fetched {
        title: String,
        result: Result<String, String>,
    },
    /// Something the operator should know that is not tied to a view (a broken config file, a context that failed to open).
    ConfigProblem(String),
    /// A context from the kubeconfig is now live.
    ContextOpened(ContextInfo),
    /// Log panes: lines and stream states (see `app::logs`).
    Logs(LogMsg),
    /// Port-forwards: listener and connection states (see `app::forwards`).
    Forward(ForwardMsg),
    /// Drain progress and mutation outcomes (see `app::recovery`).
    Recovery(RecoveryMsg),
    /// A pod's containers, fetched for the containers view.
    Containers(ContainersMsg),
    /// An edit session in `$EDITOR` asks or reports (see `app::edit`).
    Edit(EditMsg),
    /// A shell session is over: the container it ran in, and how it ended (or why it could
    /// not start).
    ShellEnded {
        pod: String,
        result: Result<String, String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    Describe,
    Yaml,
    /// A Secret with its values decoded, on the operator's request (audited).
    Reveal,
}

/// Side effects `update` asks for; executors run them and answer with `Msg`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// Fetch an object fresh for the overlay titled `title` (describe text or YAML).
    Fetch {
        what: Fetch,
        title: String,
        context: String,
        kind: KindInfo,
        namespace: String,
        name: String,
    },
    /// Edit an object in `$EDITOR` as `kubectl edit` does (run by `exec::edit`): fetched fresh,
    /// the terminal handed over, the change reviewed (`EditMsg::Review`) before it is sent.
    Edit {
        context: String,
        kind: KindInfo,
        namespace: String,
        name: String,
    },
    /// The operator's answer to an edit session's review: send the change, or keep it unsent.
    EditAnswer { id: u64, apply: bool },
    /// Start watching a context of the kubeconfig that is not live yet.
    OpenContext(String),
    /// Start / stop log streams (run by `exec::logs`).
    Logs(LogCmd),
    /// Start / stop port-forwards (run by `exec::forwards`).
    Forward(ForwardCmd),
    /// Run a confirmed mutation, audited (run by `exec::mutations`).
    Mutate(Mutation),
    /// An interactive shell with the terminal (`exec::shell`), audited; answered by
    /// `Msg::ShellEnded`.
    Shell(Box<super::shell::ShellRequest>),
    /// One API call a node's drain asked for, audited; answered by `RecoveryMsg::DrainAnswer`.
    Drain(DrainCmd),
    /// Watch a kind in a context (columns, then rows, as `ClusterEvent::Kind*`).
    WatchKind { context: String, kind: KindInfo },
    /// Stop watching the kind with this identity Kind in a context.
    UnwatchKind { context: String, id: &'static str },
    /// Read a context's discovery again.
    Rediscover { context: String },
    /// Start / stop a context's watch on events (run by `exec::events`).
    Events(EventsCmd),
    /// GET a pod fresh for its containers; answered by `Msg::Containers`.
    FetchContainers {
        context: String,
        namespace: String,
        pod: String,
    },
}

/// The calls a drain machine makes (`app::wizard::drive`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrainCmd {
    Cordon {
        context: String,
        node: String,
    },
    Evict {
        context: String,
        node: String,
        namespace: String,
        name: String,
    },
}
