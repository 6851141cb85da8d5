//! The cockpit's hold on the terminal, and lending it: to a child process (an editor), or raw to
//! a task of ours (a shell in a container, whose bytes go to the cluster as they are typed).
//! Any task asks through a [`TerminalLender`]; the run loop, which owns the [`Console`], stops
//! reading keys first (crossterm's reader thread would otherwise steal the borrower's
//! keystrokes), hands the screen over (alternate screen left, cursor shown; raw mode off for a
//! child, kept for a raw session), runs the borrower in the foreground, then takes everything
//! back and redraws it all.

use std::future::Future;
use std::io::{self, Write as _};
use std::pin::Pin;
use std::process::ExitStatus;
use std::time::Duration;

use crossterm::event::{self, Event, EventStream};
use crossterm::{cursor, execute, terminal};
use futures::StreamExt;
use ratatui::{DefaultTerminal, Frame};
use tokio::sync::{mpsc, oneshot};

/// A borrower waiting for the terminal.
pub enum Loan {
    /// A child process, and who waits for its exit status.
    Process {
        command: tokio::process::Command,
        done: oneshot::Sender<io::Result<ExitStatus>>,
    },
    /// A task of ours that reads stdin and writes stdout itself, with the terminal raw; it
    /// reports its own result (see [`TerminalLender::raw`]).
    Raw(Pin<Box<dyn Future<Output = ()> + Send>>),
}

/// Asks the run loop for the terminal; cheap to clone into tasks.
#[derive(Clone)]
pub struct TerminalLender {
    tx: mpsc::UnboundedSender<Loan>,
}

/// The requests a [`TerminalLender`] sends; the run loop serves them with [`Console::lend`].
pub type Loans = mpsc::UnboundedReceiver<Loan>;

pub fn lender() -> (TerminalLender, Loans) {
    let (tx, rx) = mpsc::unbounded_channel();
    (TerminalLender { tx }, rx)
}

impl TerminalLender {
    /// Runs `command` with the terminal (stdin, stdout and stderr inherited) once the run loop
    /// hands it over, and returns its exit status when the cockpit has the terminal back.
    pub async fn run(&self, command: tokio::process::Command) -> io::Result<ExitStatus> {
        let gone = || io::Error::other("the cockpit is shutting down");
        let (done, answer) = oneshot::channel();
        self.tx
            .send(Loan::Process { command, done })
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Runs `session` with the terminal raw on the main screen once the run loop hands it over,
    /// and returns its output when the cockpit has the terminal back.
    pub async fn raw<T: Send + 'static>(
        &self,
        session: impl Future<Output = T> + Send + 'static,
    ) -> io::Result<T> {
        let gone = || io::Error::other("the cockpit is shutting down");
        let (done, answer) = oneshot::channel();
        let task = async move {
            let _ = done.send(session.await);
        };
        self.tx
            .send(Loan::Raw(Box::pin(task)))
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())
    }
}

/// The terminal as the cockpit uses it: frames out, key and resize events in.
pub struct Console {
    terminal: DefaultTerminal,
    /// None only while a child has the terminal.
    keys: Option<EventStream>,
}

impl Console {
    /// Raw mode, the alternate screen, and the panic hook that restores them (ratatui's init).
    pub fn start() -> Console {
        Console {
            terminal: ratatui::init(),
            keys: Some(EventStream::new()),
        }
    }

    pub fn draw(&mut self, frame: impl FnOnce(&mut Frame)) -> io::Result<()> {
        self.terminal.draw(frame).map(|_| ())
    }

    /// The next terminal event; None when the terminal is gone.
    pub async fn next_event(&mut self) -> Option<io::Result<Event>> {
        match self.keys.as_mut() {
            Some(keys) => keys.next().await,
            None => std::future::pending().await,
        }
    }

    /// Serves one loan: the child runs with the terminal, then the cockpit is back exactly as
    /// it was, drawn in full on the next frame.
    pub async fn lend(&mut self, loan: Loan) {
        match loan {
            Loan::Process { command, done } => {
                let result = self.hand_over(command).await;
                let _ = done.send(result);
            }
            Loan::Raw(session) => {
                self.stop_reading();
                let _ = execute!(io::stdout(), terminal::LeaveAlternateScreen, cursor::Show);
                let _ = io::stdout().flush();
                session.await;
                // The session's output is on the main screen, as a shell's is after it exits.
                let _ = execute!(io::stdout(), terminal::SetTitle("kockpit"));
                let _ = self.take_back();
            }
        }
    }

    /// Dropping the stream wakes its reader thread and makes it quit; taking the reader's lock
    /// (`poll`) waits until it has let go of stdin. Keys typed before are dropped.
    fn stop_reading(&mut self) {
        drop(self.keys.take());
        while event::poll(Duration::ZERO).unwrap_or(false) {
            let _ = event::read();
        }
    }

    async fn hand_over(&mut self, mut command: tokio::process::Command) -> io::Result<ExitStatus> {
        self.stop_reading();
        // Ctrl-C and Ctrl-\ now reach the child's process group, which is ours too: they are
        // the child's to act on, not a reason for the cockpit to die.
        let interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
        let quit = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::quit());
        ratatui::restore();
        let _ = execute!(io::stdout(), cursor::Show);
        let _ = io::stdout().flush();
        let status = command.kill_on_drop(true).status().await;
        drop((interrupt, quit));
        let back = self.take_back();
        let status = status?;
        back.map(|()| status)
    }

    fn take_back(&mut self) -> io::Result<()> {
        let raw = terminal::enable_raw_mode();
        let screen = execute!(io::stdout(), terminal::EnterAlternateScreen);
        // The child drew over everything: forget what ratatui believes is on screen.
        let clear = self.terminal.clear();
        self.keys = Some(EventStream::new());
        raw.and(screen).and(clear)
    }

    /// Leaves raw mode and the alternate screen.
    pub fn restore(self) {
        drop(self.keys);
        ratatui::restore();
    }
}
