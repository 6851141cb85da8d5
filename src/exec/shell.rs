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
    // The first shell is opened before the terminal is taken: a refusal (RBAC, a container
    // not running) is a sentence in the cockpit, and the screen never flickers for it.
    let first = exec::open(
        &client,
        &target,
        shells.first().ok_or("no shell to try")?,
        true,
    )
    .await?;
    let session = async move {
        let mut opened = Some(first);
        {
            let mut out = std::io::stdout();
            // Names came from the cluster: nothing in them may reach the terminal as a sequence.
            let (banner, title) = (
                crate::sanitize::clean(&banner),
                crate::sanitize::clean(&title),
            );
            let _ = write!(out, "\r\n{banner}\r\n");
            let _ = crossterm::execute!(out, crossterm::terminal::SetTitle(&title));
            let _ = out.flush();
        }
        let mut last = Err("no shell to try".to_string());
        for command in shells {
            let process = match opened.take() {
                Some(p) => p,
                None => exec::open(&client, &target, &command, true).await?,
            };
            let began = std::time::Instant::now();
            let (exit, output) = pump(process).await;
            // A shell that says "not found" at once and ends 126/127 is missing from the image
            // (real runtimes fail before any output; small images' sh says so itself).
            let missing = exit.not_found()
                && (output == 0 || (output < 256 && began.elapsed() < Duration::from_secs(3)));
            // A session that ended badly may have lost its pod: say so.
            let exit = match exit {
                Exit::Code(0) => exit,
                other => gone(&client, &target, other).await,
            };
            if missing {
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

/// How a session ended, told as the pod's end when the pod is gone or going.
async fn gone(client: &kube::Client, target: &ExecTarget, exit: Exit) -> Exit {
    let api: Api<Pod> = Api::namespaced(client.clone(), &target.namespace);
    let how = match &exit {
        Exit::Lost => String::new(),
        other => format!(" ({})", other.describe()),
    };
    match api.get_opt(&target.pod).await {
        Ok(None) => Exit::Failed(format!(
            "pod {}/{} was deleted during the session{how}",
            target.namespace, target.pod
        )),
        Ok(Some(p)) if p.metadata.deletion_timestamp.is_some() => Exit::Failed(format!(
            "pod {}/{} is terminating: the session ended{how}",
            target.namespace, target.pod
        )),
        _ => exit,
    }
}

/// Carries bytes both ways until the remote side ends; returns how, and how many bytes it
/// printed.
async fn pump(mut p: AttachedProcess) -> (Exit, usize) {
    let (Some(mut stdin), Some(mut stdout), Some(status)) =
        (p.stdin(), p.stdout(), p.take_status())
    else {
        return (
            Exit::Failed("the exec stream has no stdin or stdout".into()),
            0,
        );
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
    let mut printed = 0;
    tokio::pin!(status);
    let ended = loop {
        tokio::select! {
            n = stdout.read(&mut buf) => match n {
                Ok(0) | Err(_) => break None,
                Ok(n) => {
                    printed += n;
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
        printed += n;
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
    // Dropping the receiver frees a reader blocked on a full channel; the flag stops the rest.
    drop(rx);
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

/// The container a shell runs in: the one asked for, else the pod's only container or its
/// `kubectl.kubernetes.io/default-container`; it must be running.
pub fn pick_container(pod: &Pod, asked: Option<&str>) -> Result<String, String> {
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let spec = pod.spec.as_ref().ok_or("the pod has no spec")?;
    let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    let default = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("kubectl.kubernetes.io/default-container"))
        .map(String::as_str);
    let chosen = match (asked, names.as_slice()) {
        (Some(c), _) => c,
        (None, [only]) => only,
        (None, _) => default.ok_or_else(|| {
            format!(
                "pod {name} has {} containers ({}): pick one (its containers view, or -c NAME)",
                names.len(),
                names.join(", ")
            )
        })?,
    };
    let is_init = spec
        .init_containers
        .iter()
        .flatten()
        .any(|c| c.name == chosen);
    if !names.contains(&chosen) && !is_init {
        return Err(format!("pod {name} has no container {chosen}"));
    }
    let status = pod
        .status
        .as_ref()
        .and_then(|s| {
            s.container_statuses
                .iter()
                .flatten()
                .chain(s.init_container_statuses.iter().flatten())
                .find(|c| c.name == chosen)
        })
        .and_then(|c| c.state.clone());
    match status {
        Some(s) if s.running.is_some() => Ok(chosen.to_string()),
        Some(s) => {
            let why = s
                .waiting
                .and_then(|w| w.reason)
                .map(|r| format!("waiting: {r}"))
                .or_else(|| {
                    s.terminated
                        .map(|t| format!("terminated: {}", t.reason.unwrap_or_default()))
                })
                .unwrap_or_else(|| "not started".into());
            Err(format!("container {chosen} is not running ({why})"))
        }
        None => Err(format!("container {chosen} is not running")),
    }
}

/// Runs a confirmed shell request: the pod fetched fresh, the container chosen, the start and
/// the end audited (where and how it ended, never what was typed), the outcome reported.
pub fn start(exec: &mut super::Executors, request: crate::app::shell::ShellRequest) {
    use crate::app::msg::Msg;
    use crate::app::shell::Run;
    let shells = match &request.run {
        Run::Shell(shells) => shells.clone(),
        Run::Once(_) => return super::exec_once::start(exec, request),
    };
    use crate::recovery::audit::{self, AuditEntry};
    let results = exec.results.clone();
    let shown = format!("{}/{}", request.namespace, request.pod);
    let Some(client) = exec.clients.get(&request.context).cloned() else {
        let _ = results.send(Msg::ShellEnded {
            pod: shown,
            result: Err(format!("context {} is not live", request.context)),
        });
        return;
    };
    let user = exec.user(&request.context);
    let audit_path = exec.audit_path.clone();
    let lender = exec.lender.clone();
    tokio::spawn(async move {
        let write = |action: &str, object: String, result: &str| -> Option<String> {
            let entry = AuditEntry::event(
                &request.context,
                &user,
                action,
                vec![object],
                result,
                &request.kubectl(),
            );
            let path = audit_path.as_ref()?;
            audit::append(path, &entry)
                .err()
                .map(|e| format!("; audit log {} not written: {e}", path.display()))
        };
        let api: Api<Pod> = Api::namespaced(client.clone(), &request.namespace);
        let outcome = async {
            let pod = api
                .get_opt(&request.pod)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("pod {shown} not found"))?;
            let container = pick_container(&pod, request.container.as_deref())?;
            let object = format!("pod/{shown} container {container}");
            let warn = write("exec start", object.clone(), "shell started");
            let target = ExecTarget {
                namespace: request.namespace.clone(),
                pod: request.pod.clone(),
                container: container.clone(),
            };
            let end = interactive(
                &lender,
                client,
                target,
                shells,
                request.where_line(&container),
                request.title(&container),
            )
            .await;
            let how = match &end {
                Ok(e) if e.command.is_none() => {
                    format!("no shell in the image ({})", e.exit.describe())
                }
                Ok(e) => e.exit.describe(),
                Err(e) => e.clone(),
            };
            let warn2 = write("exec end", object, &how);
            let suffix = warn.or(warn2).unwrap_or_default();
            match end {
                Ok(e) if e.command.is_some() && !matches!(e.exit, Exit::Failed(_)) => {
                    Ok(format!("{how}{suffix}"))
                }
                _ => Err(format!("{how}{suffix}")),
            }
        }
        .await;
        let _ = results.send(Msg::ShellEnded {
            pod: shown,
            result: outcome,
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_only_container_or_the_default_one_is_chosen_and_must_run() {
        let one = pod(json!({"metadata": {"name": "web"},
            "spec": {"containers": [{"name": "nginx"}]},
            "status": {"containerStatuses": [{"name": "nginx", "ready": true, "restartCount": 0,
                "image": "i", "imageID": "", "state": {"running": {}}}]}}));
        assert_eq!(pick_container(&one, None).unwrap(), "nginx");
        assert!(
            pick_container(&one, Some("sidecar"))
                .unwrap_err()
                .contains("has no container sidecar")
        );
        let two = pod(json!({"metadata": {"name": "app",
                "annotations": {"kubectl.kubernetes.io/default-container": "main"}},
            "spec": {"containers": [{"name": "main"}, {"name": "log"}]},
            "status": {"containerStatuses": [
                {"name": "main", "ready": true, "restartCount": 0, "image": "i", "imageID": "", "state": {"running": {}}},
                {"name": "log", "ready": false, "restartCount": 4, "image": "i", "imageID": "",
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}));
        assert_eq!(pick_container(&two, None).unwrap(), "main");
        assert_eq!(
            pick_container(&two, Some("log")).unwrap_err(),
            "container log is not running (waiting: CrashLoopBackOff)"
        );
        let mut plain = two.clone();
        plain.metadata.annotations = None;
        assert!(
            pick_container(&plain, None)
                .unwrap_err()
                .contains("2 containers (main, log)")
        );
    }
}
