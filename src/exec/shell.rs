//! A shell in a container with the operator's terminal: the run loop lends the terminal raw
//! (`TerminalLender::raw`), the typed bytes go to the container's stdin as they come, its output
//! to the screen, and window resizes to the TTY. Shells are tried in order (bash, then sh):
//! one the image lacks ends at once with "not found", and the next is tried.

use std::io::Write as _;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{AttachedProcess, TerminalSize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::cluster::exec::{self, ExecTarget, Exit};

use super::terminal::TerminalLender;

/// How a shell session went: the command that ran (None if none could start) and its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellEnd {
    pub command: Option<Vec<String>>,
    pub exit: Exit,
}

/// Runs the first of `shells` the image has, with the terminal, after `banner` (the where-line).
pub async fn interactive(
    lender: &TerminalLender,
    client: kube::Client,
    target: ExecTarget,
    shells: Vec<Vec<String>>,
    banner: String,
    title: String,
) -> Result<ShellEnd, String> {
    let session = async move {
        {
            let mut out = std::io::stdout();
            let _ = write!(out, "\r\n{banner}\r\n");
            let _ = crossterm::execute!(out, crossterm::terminal::SetTitle(title));
            let _ = out.flush();
        }
        let mut last = Err("no shell to try".to_string());
        for command in shells {
            let process = match exec::open(&client, &target, &command, true).await {
                Ok(p) => p,
                Err(e) => return Err(e),
            };
            let (exit, output) = pump(process).await;
            let exit = match exit {
                Exit::Lost => gone_or_lost(&client, &target).await,
                other => other,
            };
            // A shell the image lacks fails before it prints anything: try the next one.
            if exit.not_found() && !output {
                last = Ok(ShellEnd {
                    command: None,
                    exit,
                });
                continue;
            }
            return Ok(ShellEnd {
                command: Some(command),
                exit,
            });
        }
        last
    };
    lender.raw(session).await.map_err(|e| e.to_string())?
}

/// Lost streams: a pod that is gone says so.
async fn gone_or_lost(client: &kube::Client, target: &ExecTarget) -> Exit {
    let api: Api<Pod> = Api::namespaced(client.clone(), &target.namespace);
    match api.get_opt(&target.pod).await {
        Ok(None) => Exit::Failed(format!(
            "pod {}/{} was deleted during the session",
            target.namespace, target.pod
        )),
        Ok(Some(p)) if p.metadata.deletion_timestamp.is_some() => Exit::Failed(format!(
            "pod {}/{} is terminating: the session ended",
            target.namespace, target.pod
        )),
        _ => Exit::Lost,
    }
}

/// Carries bytes both ways until the remote side ends; returns how, and whether anything was
/// printed.
async fn pump(mut p: AttachedProcess) -> (Exit, bool) {
    let (Some(mut stdin), Some(mut stdout), Some(status)) =
        (p.stdin(), p.stdout(), p.take_status())
    else {
        return (Exit::Failed("the exec stream has no stdin or stdout".into()), false);
    };
    let mut resize = p.terminal_size();
    let size = || {
        crossterm::terminal::size()
            .ok()
            .map(|(width, height)| TerminalSize { width, height })
    };
    if let (Some(r), Some(s)) = (resize.as_mut(), size()) {
        let _ = r.try_send(s);
    }
    let keys = StdinPump::start();
    let mut rx = keys.rx;
    let mut winch =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()).ok();
    let mut out = tokio::io::stdout();
    let mut buf = vec![0u8; 16 * 1024];
    let mut printed = false;
    tokio::pin!(status);
    let ended = loop {
        tokio::select! {
            n = stdout.read(&mut buf) => match n {
                Ok(0) | Err(_) => break None,
                Ok(n) => {
                    printed = true;
                    let _ = out.write_all(&buf[..n]).await;
                    let _ = out.flush().await;
                }
            },
            Some(bytes) = rx.recv() => {
                if stdin.write_all(&bytes).await.is_err() {
                    break None;
                }
            }
            Some(()) = async { winch.as_mut()?.recv().await } => {
                if let (Some(r), Some(s)) = (resize.as_mut(), size()) {
                    let _ = r.try_send(s);
                }
            }
            st = &mut status => break Some(st),
        }
    };
    // What the shell printed last may still be on its way when the status comes.
    while let Ok(Ok(n)) =
        tokio::time::timeout(Duration::from_millis(100), stdout.read(&mut buf)).await
    {
        if n == 0 {
            break;
        }
        printed = true;
        let _ = out.write_all(&buf[..n]).await;
    }
    let _ = out.flush().await;
    let exit = match ended {
        Some(st) => exec::exit_of(st),
        None => match tokio::time::timeout(Duration::from_secs(2), status).await {
            Ok(st) => exec::exit_of(st),
            Err(_) => Exit::Lost,
        },
    };
    keys.stop.store(true, Ordering::Relaxed);
    // The reader must be gone before the cockpit reads keys again, or it would steal one.
    let _ = tokio::task::spawn_blocking(move || keys.thread.join()).await;
    (exit, printed)
}

/// Reads the terminal's bytes on a thread of its own, polling so it can stop between reads
/// (a blocking read would hold on to stdin, and take the first key meant for the cockpit).
struct StdinPump {
    rx: mpsc::Receiver<Vec<u8>>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl StdinPump {
    fn start() -> StdinPump {
        let (tx, rx) = mpsc::channel(64);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let fd = std::io::stdin().as_raw_fd();
            let mut buf = [0u8; 4096];
            while !flag.load(Ordering::Relaxed) {
                let mut pfd = libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd, for the length given.
                let ready = unsafe { libc::poll(&mut pfd, 1, 100) };
                if ready <= 0 || flag.load(Ordering::Relaxed) {
                    continue;
                }
                // SAFETY: reads into a buffer of the length given.
                let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
                if n <= 0 {
                    break;
                }
                if tx.blocking_send(buf[..n as usize].to_vec()).is_err() {
                    break;
                }
            }
        });
        StdinPump { rx, stop, thread }
    }
}
