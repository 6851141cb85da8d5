//! Shared by the tmux end-to-end tests: a `kockpit sim` process, a tmux server of its own, and
//! screen parsing.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_kockpit");

/// A `kockpit sim` process and what it printed.
pub struct Sim {
    pub child: Child,
    pub kubeconfig: PathBuf,
    pub home: tempfile::TempDir,
}

impl Sim {
    pub fn start() -> Sim {
        let home = tempfile::tempdir().unwrap();
        let kubeconfig = home.path().join("kubeconfig");
        let mut child = Command::new(BIN)
            .args(["sim", "--kubeconfig-out"])
            .arg(&kubeconfig)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with("kubeconfig: "), "{first}");
        Sim {
            child,
            kubeconfig,
            home,
        }
    }

    pub fn kubectl(&self, context: &str, args: &[&str]) -> String {
        let out = Command::new("kubectl")
            .env("HOME", self.home.path())
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(["--context", context])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// POSTs to the control API through kubectl's raw mode (it trusts the simulator's CA).
    pub fn control(&self, context: &str, path: &str) {
        let empty = self.home.path().join("empty.json");
        std::fs::write(&empty, "{}").unwrap();
        self.kubectl(
            context,
            &[
                "create",
                "--raw",
                &format!("/_sim/{path}"),
                "-f",
                empty.to_str().unwrap(),
            ],
        );
    }

    /// kockpit's arguments to open this simulator's kubeconfig.
    pub fn args(&self, rest: &str) -> String {
        format!("--kubeconfig {} {rest}", self.kubeconfig.display())
    }

    /// Running pods of a context, by name, as kubectl sees them.
    pub fn pod_names(&self, context: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .kubectl(context, &["get", "pods", "-A", "--no-headers"])
            .lines()
            .map(|l| l.split_whitespace().nth(1).unwrap_or_default().to_string())
            .collect();
        names.sort();
        names
    }
}

/// A pod as kubectl lists it: enough to tell "the same pod" from "a replacement of that name"
/// and to know which controller made it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodId {
    pub name: String,
    pub uid: String,
    pub owner_kind: String,
}

impl Sim {
    /// Pods of a context with their uid and first owner's kind, sorted by name.
    pub fn pod_ids(&self, context: &str) -> Vec<PodId> {
        let template = "{range .items[*]}{.metadata.name} {.metadata.uid} \
                        {.metadata.ownerReferences[0].kind}{\"\\n\"}{end}";
        let mut pods: Vec<PodId> = self
            .kubectl(
                context,
                &["get", "pods", "-A", "-o", &format!("jsonpath={template}")],
            )
            .lines()
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                Some(PodId {
                    name: words.next()?.to_string(),
                    uid: words.next()?.to_string(),
                    owner_kind: words.next().unwrap_or_default().to_string(),
                })
            })
            .collect();
        pods.sort();
        pods
    }
}

/// What changed between two pod lists, apart from pods a CronJob's Job started meanwhile (the
/// scenario's CronJobs fire on the wall clock, so any minute may add one): `Err` names the pods
/// that went or were replaced, and the new pods no Job owns.
pub fn changed_but_for_jobs(before: &[PodId], after: &[PodId]) -> Result<(), String> {
    assert!(
        before.iter().all(|p| !p.uid.is_empty()) && !before.is_empty(),
        "no pods to compare: {before:?}"
    );
    let gone: Vec<&str> = before
        .iter()
        .filter(|p| !after.contains(p))
        .map(|p| p.name.as_str())
        .collect();
    let new: Vec<&str> = after
        .iter()
        .filter(|p| !before.contains(p) && p.owner_kind != "Job")
        .map(|p| p.name.as_str())
        .collect();
    if gone.is_empty() && new.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "gone or replaced: {gone:?}; new, not from a Job: {new:?}"
        ))
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tmux server of its own (its own socket), running one command in a fixed-size window.
pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    /// Runs `kockpit ARGS` (then a pause, so a crash stays readable) in a window of its own;
    /// its config file is `HOME/.config/kockpit/config.yaml` whatever the caller's XDG settings.
    pub fn start(name: &str, home: &Path, args: &str, width: u16, height: u16) -> Tmux {
        Tmux::start_with_env(name, home, &[], args, width, height)
    }

    /// As `start`, with these variables set for kockpit (values without spaces or quotes).
    pub fn start_with_env(
        name: &str,
        home: &Path,
        env: &[(&str, &str)],
        args: &str,
        width: u16,
        height: u16,
    ) -> Tmux {
        let socket = format!("kockpit-e2e-{name}-{}", std::process::id());
        let vars: String = env.iter().map(|(k, v)| format!(" {k}={v}")).collect();
        let cmd = format!(
            "env -u XDG_CONFIG_HOME HOME={}{vars} TERM=xterm-256color {BIN} {args}; sleep 60",
            home.display()
        );
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "main",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                &cmd,
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux starts");
        Tmux { socket }
    }

    pub fn send(&self, keys: &[&str]) {
        let ok = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "main"])
            .args(keys)
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// Types text literally (no key-name lookup), e.g. a filter.
    pub fn type_text(&self, text: &str) {
        let ok = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "main", "-l", text])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "main"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until `pred` holds for a settled screen (two captures 60 ms apart agree, so a
    /// frame caught half-written by the terminal is never judged); panics at the deadline.
    pub fn wait_for(
        &self,
        what: &str,
        deadline: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> (String, Duration) {
        let start = Instant::now();
        let mut last = String::new();
        loop {
            let s = self.screen();
            if pred(&s) {
                let seen = start.elapsed();
                std::thread::sleep(Duration::from_millis(60));
                let again = self.screen();
                if again == s {
                    return (s, seen);
                }
            }
            if start.elapsed() > deadline {
                panic!(
                    "timed out after {deadline:?} waiting for {what}; screen:\n{s}\nprevious:\n{last}"
                );
            }
            last = s;
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// Table rows of the screen: lines inside the table border, split into cells.
pub fn rows(screen: &str) -> Vec<Vec<String>> {
    screen
        .lines()
        .filter_map(|l| l.strip_prefix('│'))
        .map(|l| {
            l.trim_end_matches('│')
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|cells| !cells.is_empty())
        .collect()
}

pub fn has_pod_row(screen: &str, context: &str, name_prefix: &str) -> bool {
    rows(screen).iter().any(|r| {
        r.first().is_some_and(|c| c == context) && r.iter().any(|c| c.starts_with(name_prefix))
    })
}

/// Polls `f` until it returns Ok; panics with its last error at the deadline.
pub fn eventually_ok(what: &str, deadline: Duration, f: impl Fn() -> Result<(), String>) {
    let start = Instant::now();
    loop {
        match f() {
            Ok(()) => return,
            Err(e) if start.elapsed() > deadline => {
                panic!("timed out after {deadline:?} waiting for {what}: {e}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}
