//! The executor side of the loop: the run loop (`run`) and the executors that carry out `Cmd`s
//! — sessions, fetches, log tails, port-forwards, mutations and drains. The only part of the
//! cockpit that awaits; results come back to `app::update` as `Msg`s.

pub mod drain;
mod edit;
mod edit_file;
mod events;
mod exec_once;
mod forwards;
mod logs;
mod mutations;
pub mod object_actions;
mod reveal;
pub mod run;
pub mod shell;
pub mod terminal;

use std::collections::HashMap;

use tokio::sync::mpsc;

use crate::app::msg::{Cmd, Fetch, Msg};
use crate::cluster::describe;
use crate::cluster::events::SessionEvent;
use crate::cluster::kubeconfig::{ContextInfo, LoadedKubeconfig};
use crate::cluster::session::Session;

pub use run::run;

/// Live sessions and clients: the executor side of the loop, kept out of `State` because they are handles, not data.
pub struct Executors {
    pub(crate) kubeconfig: LoadedKubeconfig,
    namespace: Option<String>,
    sessions: HashMap<String, Session>,
    pub(crate) clients: HashMap<String, kube::Client>,
    events: mpsc::Sender<SessionEvent>,
    pub(crate) results: mpsc::UnboundedSender<Msg>,
    pub(crate) logs: logs::LogTasks,
    pub(crate) forwards: forwards::ForwardTasks,
    /// Where every mutation is recorded; None when there is no state directory.
    pub(crate) audit_path: Option<std::path::PathBuf>,
    /// Watches on events, while the events view is open (and briefly after).
    pub(crate) event_watches: events::EventWatches,
    /// Asks the run loop for the terminal (edit sessions hand it to the editor).
    pub(crate) lender: terminal::TerminalLender,
    pub(crate) edits: edit::Sessions,
}

impl Executors {
    pub async fn open(&mut self, info: &ContextInfo) -> Result<(), String> {
        let client = self
            .kubeconfig
            .client(&info.name)
            .await
            .map_err(|e| e.to_string())?;
        let session = Session::start(
            info.clone(),
            client.clone(),
            self.namespace.clone(),
            self.events.clone(),
        );
        self.sessions.insert(info.name.clone(), session);
        self.clients.insert(info.name.clone(), client);
        Ok(())
    }

    /// The kubeconfig user of a context, as the audit log names it.
    pub(crate) fn user(&self, context: &str) -> String {
        self.kubeconfig
            .contexts
            .iter()
            .find(|i| i.name == context)
            .map(|i| i.user.clone())
            .unwrap_or_default()
    }

    async fn run(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Fetch { context, .. } if !self.clients.contains_key(&context) => {
                let _ = self
                    .results
                    .send(Msg::ConfigProblem(format!("context {context} is not live")));
            }
            Cmd::Fetch {
                what,
                title,
                context,
                kind,
                namespace,
                name,
            } => {
                let client = self.clients[&context].clone();
                let tx = self.results.clone();
                if what == Fetch::Reveal {
                    let user = self.user(&context);
                    let audit = self.audit_path.clone();
                    tokio::spawn(async move {
                        let result = reveal::reveal(
                            &client, &context, &user, audit, &kind, &namespace, &name,
                        )
                        .await;
                        let _ = tx.send(Msg::Fetched { title, result });
                    });
                    return;
                }
                tokio::spawn(async move {
                    let result = match what {
                        Fetch::Describe => {
                            describe::describe(&client, &kind, &namespace, &name).await
                        }
                        Fetch::Yaml | Fetch::Reveal => {
                            describe::yaml(&client, &kind, &namespace, &name).await
                        }
                    };
                    let result = result.map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Fetched { title, result });
                });
            }
            Cmd::WatchKind { context, kind } => {
                if let Some(s) = self.sessions.get_mut(&context) {
                    s.watch_kind(kind);
                }
            }
            Cmd::UnwatchKind { context, id } => {
                if let Some(s) = self.sessions.get_mut(&context) {
                    s.unwatch_kind(id);
                }
            }
            Cmd::Rediscover { context } => {
                if let Some(s) = self.sessions.get(&context) {
                    s.rediscover();
                }
            }
            Cmd::Edit {
                context,
                kind,
                namespace,
                name,
            } => edit::start(
                self,
                crate::app::edit::ObjectRef {
                    context,
                    kind,
                    namespace,
                    name,
                },
            ),
            Cmd::EditAnswer { id, apply } => edit::answer(self, id, apply),
            Cmd::Logs(c) => logs::run(self, c).await,
            Cmd::Events(c) => events::run(self, c),
            Cmd::FetchContainers {
                context,
                namespace,
                pod,
            } => events::fetch_containers(self, context, namespace, pod),
            Cmd::Forward(c) => forwards::run(self, c).await,
            Cmd::Mutate(m) => mutations::run(self, m).await,
            Cmd::Shell(request) => shell::start(self, *request),
            Cmd::Drain(c) => {
                let context = match &c {
                    crate::app::msg::DrainCmd::Cordon { context, .. }
                    | crate::app::msg::DrainCmd::Evict { context, .. } => context.clone(),
                };
                let Some(client) = self.clients.get(&context).cloned() else {
                    let _ = self.results.send(Msg::ConfigProblem(format!(
                        "context {context} is not live: the drain cannot go on"
                    )));
                    return;
                };
                let user = self.user(&context);
                let audit = self.audit_path.clone();
                let tx = self.results.clone();
                tokio::spawn(async move {
                    let _ = tx.send(drain::step(client, &user, audit, c).await);
                });
            }
            Cmd::OpenContext(name) => {
                let Some(info) = self
                    .kubeconfig
                    .contexts
                    .iter()
                    .find(|c| c.name == name)
                    .cloned()
                else {
                    return;
                };
                match self.open(&info).await {
                    Ok(()) => {
                        let _ = self.results.send(Msg::ContextOpened(info));
                    }
                    Err(e) => {
                        let _ = self.results.send(Msg::ConfigProblem(format!(
                            "cannot open context {name}: {e}"
                        )));
                    }
                }
            }
        }
    }
}
