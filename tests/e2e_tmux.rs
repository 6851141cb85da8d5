//! End to end: the real kockpit binary in tmux against `kockpit sim`, keys sent with
//! send-keys, the screen read with capture-pane, and kubectl changing the cluster underneath.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kockpit");

/// A `kockpit sim` process and what it printed.
struct Sim {
    child: Child,
    kubeconfig: PathBuf,
    home: tempfile::TempDir,
}

impl Sim {
    fn start() -> Sim {
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

    fn kubectl(&self, context: &str, args: &[&str]) -> String {
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
    fn control(&self, context: &str, path: &str) {
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
    fn args(&self, rest: &str) -> String {
        format!("--kubeconfig {} {rest}", self.kubeconfig.display())
    }

    /// Running pods of a context, by name, as kubectl sees them.
    fn pod_names(&self, context: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .kubectl(context, &["get", "pods", "-A", "--no-headers"])
            .lines()
            .map(|l| l.split_whitespace().nth(1).unwrap_or_default().to_string())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tmux server of its own (its own socket), running one command in a fixed-size window.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// Runs `kockpit ARGS` (then a pause, so a crash stays readable) in a window of its own.
    fn start(name: &str, home: &Path, args: &str, width: u16, height: u16) -> Tmux {
        let socket = format!("kockpit-e2e-{name}-{}", std::process::id());
        let cmd = format!(
            "env HOME={} TERM=xterm-256color {BIN} {args}; sleep 60",
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

    fn send(&self, keys: &[&str]) {
        let ok = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "main"])
            .args(keys)
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// Types text literally (no key-name lookup), e.g. a filter.
    fn type_text(&self, text: &str) {
        let ok = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "main", "-l", text])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "main"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until `pred` holds for a settled screen (two captures 60 ms apart agree, so a
    /// frame caught half-written by the terminal is never judged); panics at the deadline.
    fn wait_for(
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
fn rows(screen: &str) -> Vec<Vec<String>> {
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

fn has_pod_row(screen: &str, context: &str, name_prefix: &str) -> bool {
    rows(screen).iter().any(|r| {
        r.first().is_some_and(|c| c == context) && r.iter().any(|c| c.starts_with(name_prefix))
    })
}

#[test]
fn operator_sees_both_contexts_live_switches_filters_and_meets_rbac() {
    let sim = Sim::start();
    let ui = Tmux::start(
        "main",
        sim.home.path(),
        &sim.args("--context prod,stg"),
        200,
        50,
    );
    let (screen, took) = ui.wait_for("pods of prod and stg", Duration::from_secs(20), |s| {
        has_pod_row(s, "prod", "keycloak-") && has_pod_row(s, "stg", "nginx-ingress-")
    });
    eprintln!("first rows of both contexts after {took:?}");
    assert!(screen.contains("PRODUCTION: prod"), "{screen}");

    // A pod deleted with kubectl vanishes and its replacement appears, within 2 s.
    let victim = rows(&screen)
        .into_iter()
        .find(|r| r[0] == "prod" && r[2].starts_with("nginx-ingress-"))
        .unwrap()[2]
        .clone();
    sim.kubectl("prod", &["delete", "pod", "-n", "default", &victim]);
    let (screen, took) = ui.wait_for(
        "the deleted pod to vanish and a replacement to appear",
        Duration::from_secs(2),
        |s| {
            let nginx: Vec<Vec<String>> = rows(s)
                .into_iter()
                .filter(|r| r[0] == "prod" && r[2].starts_with("nginx-ingress-"))
                .collect();
            !s.contains(&victim) && nginx.len() == 3
        },
    );
    eprintln!("deletion shown after {took:?}");
    let now_shown: Vec<String> = rows(&screen)
        .into_iter()
        .filter(|r| r[0] == "prod" && r[2].starts_with("nginx-ingress-"))
        .map(|r| r[2].clone())
        .collect();
    assert!(
        sim.pod_names("prod")
            .iter()
            .filter(|n| n.starts_with("nginx-ingress-"))
            .eq(now_shown.iter()),
        "screen {now_shown:?}"
    );

    // Focus one context, switch with tab, change view with a command.
    ui.send(&["M"]);
    ui.wait_for("the prod-only pods table", Duration::from_secs(5), |s| {
        s.contains("Pods(prod)")
    });
    ui.send(&["Tab"]);
    let (screen, _) = ui.wait_for("the stg pods table", Duration::from_secs(5), |s| {
        s.contains("Pods(stg)")
    });
    assert!(
        !rows(&screen)
            .iter()
            .any(|r| r.iter().any(|c| c.starts_with("keycloak-"))),
        "stg has no keycloak:\n{screen}"
    );
    ui.type_text(":deploy");
    ui.send(&["Enter"]);
    let (screen, _) = ui.wait_for("stg deployments", Duration::from_secs(5), |s| {
        s.contains("Deployments(stg)") && s.contains("UP-TO-DATE")
    });
    assert!(
        screen.contains("nginx-ingress") && screen.contains("2/2"),
        "{screen}"
    );
    ui.send(&["BTab"]);
    ui.type_text(":pods");
    ui.send(&["Enter"]);
    ui.wait_for("prod pods", Duration::from_secs(5), |s| {
        s.contains("Pods(prod)")
    });

    // Filter with `/`.
    ui.type_text("/keycloak");
    ui.send(&["Enter"]);
    let (screen, _) = ui.wait_for("only keycloak rows", Duration::from_secs(5), |s| {
        s.contains("/keycloak") && s.contains("[1]")
    });
    let data_rows: Vec<Vec<String>> = rows(&screen)
        .into_iter()
        .filter(|r| r.iter().any(|c| c == "Running" || c == "Pending"))
        .collect();
    assert_eq!(data_rows.len(), 1, "{screen}");
    assert!(
        data_rows[0].iter().any(|c| c.starts_with("keycloak-")),
        "{screen}"
    );
    ui.send(&["q"]);

    // RBAC: the pod reader sees pods, and a one-line notice for deployments.
    let reader = Tmux::start(
        "reader",
        sim.home.path(),
        &sim.args("--context prod-pod-reader"),
        160,
        40,
    );
    reader.wait_for("pods for the pod reader", Duration::from_secs(20), |s| {
        s.contains("keycloak-")
    });
    reader.type_text(":deploy");
    reader.send(&["Enter"]);
    let (screen, _) = reader.wait_for("the 403 notice", Duration::from_secs(10), |s| {
        s.contains("forbidden: cannot list deployments.apps")
    });
    assert!(screen.contains("as pod-reader"), "{screen}");
}

#[test]
fn an_unreachable_context_is_reported_while_the_other_stays_live_and_recovers() {
    let sim = Sim::start();
    let ui = Tmux::start(
        "outage",
        sim.home.path(),
        &sim.args("--context prod,stg"),
        200,
        50,
    );
    ui.wait_for("both contexts live", Duration::from_secs(20), |s| {
        has_pod_row(s, "prod", "keycloak-") && has_pod_row(s, "stg", "nginx-ingress-")
    });

    sim.control("prod", "down");
    let (_, took) = ui.wait_for("prod shown unreachable", Duration::from_secs(5), |s| {
        s.lines()
            .any(|l| l.starts_with("prod") && l.contains("unreachable, retrying (last seen"))
    });
    eprintln!("outage shown after {took:?}");

    // stg keeps updating meanwhile.
    let stg_victim = sim
        .pod_names("stg")
        .into_iter()
        .find(|n| n.starts_with("nginx-ingress-"))
        .unwrap();
    sim.kubectl("stg", &["delete", "pod", "-n", "default", &stg_victim]);
    ui.wait_for("stg to show the deletion", Duration::from_secs(5), |s| {
        !s.contains(&stg_victim)
            && rows(s)
                .iter()
                .filter(|r| r[0] == "stg" && r[2].starts_with("nginx-ingress-"))
                .count()
                == 2
    });

    // Changes made to prod while it was away show up after it returns.
    sim.control("prod", "up");
    let gone = sim
        .kubectl("prod", &["get", "pods", "-n", "prod", "-o", "name"])
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("pod/")
        .to_string();
    sim.kubectl("prod", &["delete", "pod", "-n", "prod", &gone]);
    let (_, took) = ui.wait_for("prod live again", Duration::from_secs(10), |s| {
        s.lines()
            .any(|l| l.starts_with("prod") && l.contains("API ok"))
    });
    eprintln!("recovery shown after {took:?}");
    let want = sim.pod_names("prod");
    let (screen, _) = ui.wait_for("prod rows to match kubectl", Duration::from_secs(10), |s| {
        let mut shown: Vec<String> = rows(s)
            .into_iter()
            .filter(|r| r[0] == "prod")
            .map(|r| r[2].clone())
            .collect();
        shown.sort();
        shown == want
    });
    assert!(!screen.contains(&gone), "{screen}");
}

#[test]
fn demo_shows_prod_and_stg_rows_within_two_seconds_of_the_window_opening() {
    let home = tempfile::tempdir().unwrap();
    let ui = Tmux::start("demo", home.path(), "demo", 200, 50);
    let (screen, took) = ui.wait_for(
        "prod and stg nodes, deployments and pods",
        Duration::from_secs(10),
        |s| has_pod_row(s, "prod", "keycloak-") && has_pod_row(s, "stg", "nginx-ingress-"),
    );
    eprintln!("demo rows on screen after {took:?}");
    assert!(
        took <= Duration::from_secs(2),
        "demo took {took:?} to show rows:\n{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.starts_with("prod") && l.contains("nodes 5/5 Ready")),
        "{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.starts_with("stg") && l.contains("nodes 3/3 Ready")),
        "{screen}"
    );
    ui.type_text(":deploy");
    ui.send(&["Enter"]);
    ui.wait_for(
        "deployments of both contexts",
        Duration::from_secs(5),
        |s| {
            s.contains("Deployments(all contexts)")
                && s.contains("keycloak")
                && s.contains("kubeapps")
        },
    );
}
