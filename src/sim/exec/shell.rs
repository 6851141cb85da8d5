//! The shell that runs an exec session's command: it runs builtins, sequences lists and
//! pipelines, waits out `sleep` and timeouts (Ctrl-C interrupts them on a TTY), runs `sh -c`
//! scripts in subshells, and drives an interactive shell with a prompt and line editing on a
//! TTY, or reads commands from stdin without one. It talks to the client only through
//! [`Input`] and [`Output`] channels, so the same shell serves WebSocket and SPDY.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::builtins::{self, Ctx, Outcome, Then};
use super::container::{Container, Flavor};
use super::line::{Edit, LineEditor};
use super::network::Network;
use super::parse::{self, Join};
use crate::sim::cluster::{Cluster, rt};

/// What the client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin(Vec<u8>),
    StdinClosed,
    Resize { width: u16, height: u16 },
}

/// Which of the client's streams output goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

pub type Output = mpsc::Sender<(Stream, Vec<u8>)>;

/// Exit code of a process killed with its container (SIGKILL).
pub const KILLED: i32 = 137;
/// Exit code of a command interrupted by Ctrl-C (SIGINT).
pub const INTERRUPTED: i32 = 130;

enum Flow {
    Next(i32),
    Exit(i32),
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub struct Shell {
    cluster: Arc<Cluster>,
    container: Container,
    vars: Vec<(String, String)>,
    last: i32,
    /// `Some((rows, cols))` on a TTY.
    size: Option<(u16, u16)>,
    shells: Vec<String>,
    input: mpsc::UnboundedReceiver<Input>,
    output: Output,
    /// Bytes typed ahead (TTY) or stdin not yet consumed (no TTY).
    pending: Vec<u8>,
    stdin_closed: bool,
    /// The container stopped or the pod went away: every loop ends.
    killed: bool,
    liveness: tokio::time::Interval,
}

impl Shell {
    pub fn new(
        cluster: Arc<Cluster>,
        container: Container,
        tty: bool,
        stdin: bool,
        input: mpsc::UnboundedReceiver<Input>,
        output: Output,
    ) -> Shell {
        let mut vars = container.env.clone();
        if tty && !vars.iter().any(|(k, _)| k == "TERM") {
            let home = vars
                .iter()
                .position(|(k, _)| k == "HOME")
                .unwrap_or(vars.len());
            vars.insert(home, ("TERM".into(), "xterm".into()));
        }
        let mut liveness = tokio::time::interval(Duration::from_millis(500));
        liveness.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Shell {
            cluster,
            container,
            vars,
            last: 0,
            size: tty.then_some((24, 80)),
            shells: Vec::new(),
            input,
            output,
            pending: Vec::new(),
            stdin_closed: !stdin,
            killed: false,
            liveness,
        }
    }

    fn tty(&self) -> bool {
        self.size.is_some()
    }

    /// Runs the exec request's command (argv, no shell parsing) and returns its exit code.
    pub async fn run(mut self, argv: Vec<String>) -> i32 {
        let code = match self.command(&argv, "sh").await {
            Flow::Next(c) | Flow::Exit(c) => c,
        };
        if self.killed { KILLED } else { code }
    }

    fn container_alive(&self) -> bool {
        let c = &self.container;
        self.cluster
            .store
            .try_get(rt("", "pods"), &c.namespace, &c.pod)
            .is_some_and(|p| {
                p.value()["status"]["containerStatuses"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|s| s["name"] == c.name.as_str() && s["state"]["running"].is_object())
            })
    }

    /// The next thing the client sent; `None` once the container is gone or the client left.
    async fn next_input(&mut self) -> Option<Input> {
        loop {
            tokio::select! {
                i = self.input.recv() => match i {
                    Some(Input::Resize { width, height }) => {
                        if self.size.is_some() {
                            self.size = Some((height, width));
                        }
                    }
                    Some(Input::StdinClosed) | None => {
                        self.stdin_closed = true;
                        return Some(Input::StdinClosed);
                    }
                    Some(i) => return Some(i),
                },
                _ = self.liveness.tick() => {
                    if !self.container_alive() {
                        self.killed = true;
                        return None;
                    }
                }
            }
        }
    }

    async fn write(&mut self, stream: Stream, text: &str) {
        if text.is_empty() {
            return;
        }
        let (stream, bytes) = if self.tty() {
            // The TTY turns \n into \r\n and has one output stream.
            (Stream::Stdout, text.replace('\n', "\r\n").into_bytes())
        } else {
            (stream, text.as_bytes().to_vec())
        };
        let _ = self.output.send((stream, bytes)).await;
    }

    async fn echo(&mut self, bytes: Vec<u8>) {
        let _ = self.output.send((Stream::Stdout, bytes)).await;
    }

    /// Waits `d` unless Ctrl-C (on a TTY) or the container's end cuts it short. True when interrupted.
    async fn wait(&mut self, d: Duration) -> bool {
        if d.is_zero() {
            return false;
        }
        let deadline = tokio::time::Instant::now() + d;
        loop {
            if self.stdin_closed {
                // Nothing more will come from the client; watch only the container.
                tokio::select! {
                    _ = tokio::time::sleep_until(deadline) => return false,
                    _ = async {
                        loop {
                            self.liveness.tick().await;
                            if !self.container_alive() {
                                break;
                            }
                        }
                    } => {
                        self.killed = true;
                        return true;
                    }
                }
            }
            let input = tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return false,
                i = self.next_input() => i,
            };
            match input {
                None => return true,
                Some(Input::Stdin(bytes)) => {
                    if self.tty() && bytes.contains(&0x03) {
                        self.echo(b"^C\r\n".to_vec()).await;
                        return true;
                    }
                    self.pending.extend_from_slice(&bytes);
                }
                Some(_) => {}
            }
        }
    }

    fn ctx_outcome(&self, argv: &[String], stdin: &str, shell: &str) -> Outcome {
        let cluster = self.cluster.clone();
        let network = move || Network::snapshot(&cluster.store);
        let ctx = Ctx {
            container: &self.container,
            vars: &self.vars,
            network: &network,
            tty: self.size,
            shells: &self.shells,
            shell,
            now: jiff::Timestamp::now(),
        };
        builtins::run(&ctx, argv, stdin)
    }

    fn set_vars(&mut self, vars: Vec<(String, String)>) {
        for (k, v) in vars {
            match self.vars.iter_mut().find(|(n, _)| *n == k) {
                Some(e) => e.1 = v,
                None => self.vars.push((k, v)),
            }
        }
    }

    /// Runs one simple command and whatever it leads to (a script, a nested shell).
    fn command<'a>(&'a mut self, argv: &'a [String], shell: &'a str) -> BoxFuture<'a, Flow> {
        Box::pin(async move {
            let outcome = self.ctx_outcome(argv, "", shell);
            self.finish(outcome).await
        })
    }

    async fn finish(&mut self, o: Outcome) -> Flow {
        if self.wait(o.wait).await {
            return Flow::Next(if self.killed { KILLED } else { INTERRUPTED });
        }
        self.write(Stream::Stdout, &o.stdout).await;
        self.write(Stream::Stderr, &o.stderr).await;
        match o.then {
            Then::Continue => Flow::Next(o.code),
            Then::Exit => Flow::Exit(o.code),
            Then::Set(vars) => {
                self.set_vars(vars);
                Flow::Next(0)
            }
            Then::Script { shell, script } => {
                let saved = self.vars.clone();
                self.shells.push(format!("{shell} -c {script}"));
                let flow = self.script(&script, &shell).await;
                self.shells.pop();
                self.vars = saved;
                match flow {
                    Flow::Next(c) | Flow::Exit(c) => Flow::Next(c),
                }
            }
            Then::Shell { shell } => {
                self.shells.push(shell.clone());
                let code = if self.tty() {
                    self.interactive(&shell).await
                } else {
                    self.read_commands(&shell).await
                };
                self.shells.pop();
                Flow::Next(code)
            }
        }
    }

    fn lookup(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.last.to_string()),
            "$" => Some("13".into()),
            "#" => Some("0".into()),
            "0" => Some(self.shells.last().cloned().unwrap_or_else(|| "sh".into())),
            _ => self
                .vars
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone()),
        }
    }

    /// Parses and runs a command line or script in the current shell.
    fn script<'a>(&'a mut self, text: &'a str, shell: &'a str) -> BoxFuture<'a, Flow> {
        Box::pin(async move {
            let parsed = match parse::parse(text) {
                Ok(s) => s,
                Err(e) => {
                    self.write(Stream::Stderr, &format!("{shell}: {e}\n")).await;
                    self.last = 2;
                    return Flow::Next(2);
                }
            };
            for (join, pipeline) in parsed.items {
                let run = match join {
                    Join::Then => true,
                    Join::And => self.last == 0,
                    Join::Or => self.last != 0,
                };
                if !run {
                    continue;
                }
                let commands: Vec<Vec<String>> = pipeline
                    .iter()
                    .map(|c| {
                        c.iter()
                            .map(|w| parse::expand(w, &|n| self.lookup(n)))
                            .collect()
                    })
                    .collect();
                let flow = if commands.len() == 1 {
                    self.command(&commands[0], shell).await
                } else {
                    // A pipeline: each command's stdout is the next one's stdin.
                    let mut stdin = String::new();
                    let mut last = Outcome::ok(String::new());
                    for (i, argv) in commands.iter().enumerate() {
                        let mut o = self.ctx_outcome(argv, &stdin, shell);
                        if i + 1 < commands.len() {
                            stdin = std::mem::take(&mut o.stdout);
                            let err = std::mem::take(&mut o.stderr);
                            self.write(Stream::Stderr, &err).await;
                            if self.wait(o.wait).await {
                                break;
                            }
                        } else {
                            if matches!(o.then, Then::Script { .. } | Then::Shell { .. }) {
                                o.then = Then::Continue;
                            }
                            last = o;
                        }
                    }
                    self.finish(last).await
                };
                match flow {
                    Flow::Next(c) => self.last = c,
                    Flow::Exit(c) => {
                        self.last = c;
                        return Flow::Exit(c);
                    }
                }
                if self.killed {
                    return Flow::Exit(KILLED);
                }
            }
            Flow::Next(self.last)
        })
    }

    fn prompt(&self, shell: &str) -> String {
        match (self.container.flavor, shell) {
            (_, "bash") => format!("root@{}:/# ", self.container.hostname),
            (Flavor::Busybox, _) => "/ # ".into(),
            _ => "# ".into(),
        }
    }

    /// An interactive shell on a TTY: prompt, line editing, until `exit` or Ctrl-D.
    async fn interactive(&mut self, shell: &str) -> i32 {
        let mut editor = LineEditor::new();
        let prompt = self.prompt(shell);
        self.echo(prompt.clone().into_bytes()).await;
        loop {
            let bytes = if self.pending.is_empty() {
                match self.next_input().await {
                    None => return KILLED,
                    Some(Input::Stdin(b)) => b,
                    Some(Input::StdinClosed) => return self.last,
                    Some(Input::Resize { .. }) => continue,
                }
            } else {
                std::mem::take(&mut self.pending)
            };
            let edits = editor.feed(&bytes);
            for (i, edit) in edits.iter().enumerate() {
                match edit {
                    Edit::Echo(b) => self.echo(b.clone()).await,
                    Edit::Interrupt => {
                        self.last = INTERRUPTED;
                        self.echo(prompt.clone().into_bytes()).await;
                    }
                    Edit::Eof => {
                        if shell == "bash" {
                            self.echo(b"exit\r\n".to_vec()).await;
                        } else {
                            self.echo(b"\r\n".to_vec()).await;
                        }
                        return self.last;
                    }
                    Edit::Line(line) => {
                        // Keystrokes after this line wait for the command to finish.
                        let rest: Vec<u8> = edits[i + 1..]
                            .iter()
                            .filter_map(|e| match e {
                                Edit::Line(l) => Some(format!("{l}\r").into_bytes()),
                                _ => None,
                            })
                            .flatten()
                            .collect();
                        let typed = editor.pending().into_bytes();
                        editor = LineEditor::new();
                        let mut ahead = rest;
                        ahead.extend(typed);
                        ahead.extend(std::mem::take(&mut self.pending));
                        self.pending = ahead;
                        let flow = self.script(line, shell).await;
                        if self.killed {
                            return KILLED;
                        }
                        if let Flow::Exit(c) = flow {
                            if shell == "bash" {
                                self.echo(b"exit\r\n".to_vec()).await;
                            }
                            return c;
                        }
                        self.echo(prompt.clone().into_bytes()).await;
                        break;
                    }
                }
            }
        }
    }

    /// A shell without a TTY: each line of stdin is a command, until stdin ends.
    async fn read_commands(&mut self, shell: &str) -> i32 {
        loop {
            if let Some(nl) = self.pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=nl).collect();
                let line = String::from_utf8_lossy(&line).into_owned();
                if let Flow::Exit(c) = self.script(&line, shell).await {
                    return c;
                }
                if self.killed {
                    return KILLED;
                }
                continue;
            }
            if self.stdin_closed {
                let rest = String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned();
                return match self.script(&rest, shell).await {
                    Flow::Next(c) | Flow::Exit(c) => c,
                };
            }
            match self.next_input().await {
                None => return KILLED,
                Some(Input::Stdin(b)) => self.pending.extend_from_slice(&b),
                Some(_) => {}
            }
        }
    }
}
