//! The run loop: terminal in, messages through `update`, commands out to executors, and a
//! frame drawn only when something visible changed (at most 30 per second).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyEventKind};
use tokio::sync::mpsc;

use crate::app::msg::Msg;
use crate::app::state::State;
use crate::app::update::{settle, update};
use crate::cluster::events::SessionEvent;
use crate::cluster::kubeconfig::LoadedKubeconfig;
use crate::ui::screen;
use crate::ui::theme::Theme;

use super::Executors;
use super::terminal::{self, Console};

const FRAME: Duration = Duration::from_millis(33);

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
    let (lender, mut loans) = terminal::lender();
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
        event_watches: Default::default(),
        lender,
        edits: Default::default(),
    };
    for c in state.contexts.clone() {
        if let Err(e) = exec.open(&c.info).await {
            let _ = results_tx.send(Msg::ConfigProblem(format!("context {}: {e}", c.info.name)));
        }
    }
    for cmd in crate::app::forwards::launch(&mut state) {
        exec.run(cmd).await;
    }
    for p in problems {
        let _ = results_tx.send(Msg::ConfigProblem(p));
    }
    for cmd in crate::app::logs::startup(&mut state) {
        exec.run(cmd).await;
    }

    // The core reads no clock: the loop gives it the time before the first frame.
    state.now = jiff::Timestamp::now();
    state.logs.save_dir = std::env::temp_dir();
    let mut console = Console::start();
    let result = async {
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
                ev = console.next_event() => match ev {
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
                // A task (an edit session) asks for the terminal: it is the child's until it exits.
                Some(loan) = loans.recv() => {
                    console.lend(loan).await;
                    state.dirty = true;
                    None
                }
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
            for cmd in settle(&mut state) {
                exec.run(cmd).await;
            }
            if state.quit {
                break;
            }
            if state.dirty && last_draw.elapsed() >= FRAME {
                console.draw(|f| screen::draw(f, &state, &theme))?;
                state.dirty = false;
                last_draw = Instant::now();
            }
        }
        anyhow::Ok(())
    }
    .await;
    console.restore();
    drop(exec);
    result
}
