//! The run loop: terminal in, messages through `update`, commands out to executors, and a
//! frame drawn only when something visible changed (at most 30 per second).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::cluster::describe;
use crate::cluster::events::SessionEvent;
use crate::cluster::kubeconfig::{ContextInfo, LoadedKubeconfig};
use crate::cluster::session::Session;
use crate::ui::screen;
use crate::ui::theme::Theme;

use super::msg::{Cmd, Fetch, Msg};
use super::state::State;
use super::update::update;

const FRAME: Duration = Duration::from_millis(33);

/// Live sessions and clients: the executor side of the loop, kept out of `State` because they are handles, not data.
pub struct Executors {
    pub(crate) kubeconfig: LoadedKubeconfig,
    namespace: Option<String>,
    sessions: HashMap<String, Session>,
    pub(crate) clients: HashMap<String, kube::Client>,
    events: mpsc::Sender<SessionEvent>,
    pub(crate) results: mpsc::UnboundedSender<Msg>,
    pub(crate) logs: super::exec_logs::LogTasks,
    pub(crate) forwards: super::exec_forwards::ForwardTasks,
    /// Where every mutation is recorded; None when there is no state directory.
    pub(crate) audit_path: Option<std::path::PathBuf>,
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
                tokio::spawn(async move {
                    let result = match what {
                        Fetch::Describe => {
                            describe::describe(&client, kind, &namespace, &name).await
                        }
                        Fetch::Yaml => describe::yaml(&client, kind, &namespace, &name).await,
                    };
                    let result = result.map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Fetched { title, result });
                });
            }
            Cmd::Logs(c) => super::exec_logs::run(self, c).await,
            Cmd::Forward(c) => super::exec_forwards::run(self, c).await,
            Cmd::Mutate(m) => super::exec_recovery::run(self, m).await,
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

/// Runs the cockpit until the operator quits or a signal arrives. The terminal is restored on
/// every way out, including panics (ratatui's init installs that hook).
pub async fn run(
    mut state: State,
    theme: Theme,
    kubeconfig: LoadedKubeconfig,
    namespace: Option<String>,
    problems: Vec<String>,
    audit_path: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let (events_tx, mut events_rx) = mpsc::channel::<SessionEvent>(4096);
    let (results_tx, mut results_rx) = mpsc::unbounded_channel::<Msg>();
    let mut exec = Executors {
        kubeconfig,
        namespace,
        sessions: HashMap::new(),
        clients: HashMap::new(),
        events: events_tx,
        results: results_tx.clone(),
        logs: Default::default(),
        forwards: Default::default(),
        audit_path,
    };
    for c in state.contexts.clone() {
        if let Err(e) = exec.open(&c.info).await {
            let _ = results_tx.send(Msg::ConfigProblem(format!("context {}: {e}", c.info.name)));
        }
    }
    for cmd in super::forwards::launch(&mut state) {
        exec.run(cmd).await;
    }
    for p in problems {
        let _ = results_tx.send(Msg::ConfigProblem(p));
    }
    for cmd in super::logs::startup(&mut state) {
        exec.run(cmd).await;
    }

    let mut terminal = ratatui::init();
    let result = async {
        let mut keys = EventStream::new();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
        let mut last_draw = Instant::now() - FRAME;
        loop {
            let wait = if state.dirty {
                FRAME.saturating_sub(last_draw.elapsed())
            } else {
                Duration::from_secs(3600)
            };
            let msg = tokio::select! {
                ev = keys.next() => match ev {
                    Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
                    Some(Ok(Event::Resize(..))) => Some(Msg::Resize),
                    Some(Ok(_)) => None,
                    // The terminal is gone (a dropped SSH session): leave.
                    Some(Err(_)) | None => break,
                },
                Some(ev) = events_rx.recv() => Some(Msg::Cluster(Box::new(ev))),
                Some(m) = results_rx.recv() => Some(m),
                _ = tick.tick() => Some(Msg::Tick(jiff::Timestamp::now())),
                _ = term.recv() => break,
                _ = hup.recv() => break,
                _ = tokio::time::sleep(wait) => None,
            };
            if let Some(msg) = msg {
                for cmd in update(&mut state, msg) {
                    exec.run(cmd).await;
                }
            }
            // Coalesce: drain whatever else is pending before drawing once.
            while let Ok(ev) = events_rx.try_recv() {
                for cmd in update(&mut state, Msg::Cluster(Box::new(ev))) {
                    exec.run(cmd).await;
                }
            }
            if state.quit {
                break;
            }
            if state.dirty && last_draw.elapsed() >= FRAME {
                terminal.draw(|f| screen::draw(f, &state, &theme))?;
                state.dirty = false;
                last_draw = Instant::now();
            }
        }
        anyhow::Ok(())
    }
    .await;
    ratatui::restore();
    drop(exec);
    result
}
