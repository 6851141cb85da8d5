//! End to end: a shell in a container with the real binary in tmux against `kockpit sim`
//! (whose containers run a built-in shell, no host process). `s` on a production pod asks with
//! a key, says where the shell is, hands the terminal over (hostname, a resize reaching the
//! TTY), and `exit` returns to the same table, filter and cursor, keys working; a pod deleted
//! during the session ends it with a sentence; the audit log has each start and end; the
//! pod-reader user gets the forbidden sentence; `--readonly` offers no shell.

mod tmux;

use std::process::Command;
use std::time::Duration;

use tmux::{Sim, Tmux, has_pod_row};

const WAIT: Duration = Duration::from_secs(20);

fn audit(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn resize(ui: &Tmux, w: u16, h: u16) {
    let ok = Command::new("tmux")
        .args(["-L", &ui.socket, "resize-window", "-t", "main", "-x"])
        .arg(w.to_string())
        .arg("-y")
        .arg(h.to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// Waits until kubectl sees the pod's first container running (the simulator starts them a
/// few seconds after the cockpit opens).
fn running(sim: &Sim, context: &str, ns: &str, name: &str) {
    tmux::eventually_ok("the container running", WAIT, || {
        let out = sim.kubectl(
            context,
            &[
                "get",
                "pod",
                "-n",
                ns,
                name,
                "-o",
                "jsonpath={.status.containerStatuses[0].state.running.startedAt}",
            ],
        );
        if out.trim().is_empty() {
            Err("not running yet".into())
        } else {
            Ok(())
        }
    });
}

/// The first pod of `context` whose name starts with `prefix`, as kubectl lists it. Waits for
/// it: the simulator's controllers create pods a moment after it starts, as a cluster's do.
fn pod(sim: &Sim, context: &str, prefix: &str) -> (String, String) {
    let found = std::cell::RefCell::new(None);
    tmux::eventually_ok(&format!("kubectl to list a {prefix} pod"), WAIT, || {
        let listed = sim
            .kubectl(
                context,
                &[
                    "get",
                    "pods",
                    "-A",
                    "-o",
                    "custom-columns=NS:.metadata.namespace,N:.metadata.name",
                    "--no-headers",
                ],
            )
            .lines()
            .find_map(|l| {
                let mut f = l.split_whitespace();
                let (ns, name) = (f.next()?, f.next()?);
                name.starts_with(prefix)
                    .then(|| (ns.to_string(), name.to_string()))
            });
        let ok = listed.is_some();
        *found.borrow_mut() = listed;
        if ok { Ok(()) } else { Err("not yet".into()) }
    });
    found.into_inner().expect("found")
}

#[test]
fn a_shell_on_a_production_pod_is_asked_for_runs_and_returns_to_the_same_table() {
    let sim = Sim::start();
    let audit_log = sim.home.path().join("audit.jsonl");
    let ui = Tmux::start(
        "shell",
        sim.home.path(),
        &sim.args(&format!(
            "--context prod --audit-log {}",
            audit_log.display()
        )),
        160,
        40,
    );
    let (ns, name) = pod(&sim, "prod", "keycloak-");
    running(&sim, "prod", &ns, &name);
    ui.wait_for("prod's pods", WAIT, |s| s.contains(&name));
    ui.type_text("/keycloak");
    ui.send(&["Enter"]);
    ui.wait_for("the filtered table", WAIT, |s| s.contains("[1] /keycloak"));

    ui.send(&["s"]);
    ui.wait_for("the question, with a key", WAIT, |s| {
        s.contains("Open a shell in pod") && s.contains("PRODUCTION") && s.contains("y or enter")
    });
    ui.send(&["y"]);
    let where_line =
        format!("kockpit: shell in prod — PRODUCTION · {ns}/{name} · container keycloak");
    ui.wait_for("the where-line and a prompt", WAIT, |s| {
        s.contains(&where_line) && s.lines().any(|l| l.trim_end().ends_with('#'))
    });
    // The terminal's title says where the shell is, production included.
    let title = Command::new("tmux")
        .args([
            "-L",
            &ui.socket,
            "display-message",
            "-p",
            "-t",
            "main",
            "#{pane_title}",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&title.stdout).trim(),
        format!("shell prod PRODUCTION {ns}/{name} [keycloak]")
    );
    ui.type_text("hostname");
    ui.send(&["Enter"]);
    ui.wait_for("the pod's name from hostname", WAIT, |s| {
        s.lines().any(|l| l.trim() == name)
    });
    resize(&ui, 120, 30);
    std::thread::sleep(Duration::from_millis(300));
    ui.type_text("stty size");
    ui.send(&["Enter"]);
    ui.wait_for("the resize reached the TTY", WAIT, |s| {
        s.lines().any(|l| l.trim() == "30 120")
    });
    ui.type_text("exit");
    ui.send(&["Enter"]);
    let (screen, _) = ui.wait_for("the same table back", WAIT, |s| {
        s.contains("/keycloak") && s.contains("ended: exit code 0")
    });
    assert!(has_pod_row(&screen, "default", "keycloak-") || screen.contains(&name));
    // Keys work again: help opens and closes, the filter and the row stay.
    ui.send(&["?"]);
    ui.wait_for("help", WAIT, |s| s.contains("show this help"));
    ui.send(&["Escape"]);
    ui.wait_for("the table again", WAIT, |s| {
        s.contains("[1] /keycloak") && s.contains(&name)
    });

    // A pod deleted during a session ends it with a sentence.
    ui.send(&["s"]);
    ui.wait_for("the question", WAIT, |s| s.contains("Open a shell in pod"));
    ui.send(&["y"]);
    // The first session's lines are still on the main screen: this one's where-line is the
    // second.
    ui.wait_for("a prompt", WAIT, |s| {
        s.matches(&where_line).count() == 2 && s.lines().any(|l| l.trim_end().ends_with('#'))
    });
    sim.kubectl(
        "prod",
        &[
            "delete",
            "pod",
            "-n",
            &ns,
            &name,
            "--grace-period=0",
            "--force",
        ],
    );
    ui.wait_for("the cockpit, saying the pod went", WAIT, |s| {
        s.contains(&format!("pod {ns}/{name} was deleted during the session"))
    });

    let entries = audit(&audit_log);
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["exec start", "exec end", "exec start", "exec end"],
        "{entries:?}"
    );
    assert_eq!(entries[1]["result"], "exit code 0");
    assert!(
        entries[3]["result"]
            .as_str()
            .unwrap()
            .contains("was deleted during the session")
    );
    assert_eq!(
        entries[0]["kubectl"],
        format!("kubectl --context prod -n {ns} exec -it {name} -- bash")
    );
    // Never what was typed.
    let raw = std::fs::read_to_string(&audit_log).unwrap();
    assert!(!raw.contains("hostname") && !raw.contains("stty"), "{raw}");
}

#[test]
fn the_pod_reader_is_told_exec_is_forbidden_and_readonly_offers_no_shell() {
    let sim = Sim::start();
    let ui = Tmux::start(
        "shell-rbac",
        sim.home.path(),
        &sim.args("--context prod-pod-reader"),
        160,
        40,
    );
    let (ns, name) = pod(&sim, "prod", "keycloak-");
    running(&sim, "prod", &ns, &name);
    ui.wait_for("the pod reader's pods", WAIT, |s| s.contains(&name));
    ui.type_text("/keycloak");
    ui.send(&["Enter"]);
    ui.wait_for("the filtered table", WAIT, |s| s.contains("[1] /keycloak"));
    ui.send(&["s"]);
    ui.wait_for("the question", WAIT, |s| s.contains("Open a shell in pod"));
    ui.send(&["y"]);
    ui.wait_for("the forbidden sentence", WAIT, |s| {
        s.contains("cannot create resource \"pods/exec\"")
    });

    let ro = Tmux::start(
        "shell-ro",
        sim.home.path(),
        &sim.args("--context prod --readonly"),
        160,
        60,
    );
    ro.wait_for("prod's pods", WAIT, |s| s.contains(&name));
    ro.type_text("/keycloak");
    ro.send(&["Enter"]);
    ro.wait_for("the filtered table", WAIT, |s| s.contains("[1] /keycloak"));
    ro.send(&["s"]);
    std::thread::sleep(Duration::from_millis(500));
    let screen = ro.screen();
    assert!(!screen.contains("Open a shell"), "{screen}");
    assert!(!screen.contains("kockpit: shell in"), "{screen}");
    ro.send(&["?"]);
    let (help, _) = ro.wait_for("help", WAIT, |s| s.contains("show this help"));
    assert!(!help.contains("open a shell"), "{help}");
    ro.send(&["Escape"]);
    std::thread::sleep(Duration::from_millis(200));
    ro.send(&[":"]);
    ro.type_text(&format!("exec {name} -- hostname"));
    ro.send(&["Enter"]);
    ro.wait_for("exec refused under --readonly", WAIT, |s| {
        s.contains("read-only: exec is disabled")
    });
}

#[test]
fn exec_runs_one_command_in_a_pane_with_its_exit_code_and_the_config_chooses_the_shell() {
    let sim = Sim::start();
    let audit_log = sim.home.path().join("audit.jsonl");
    // The config's rule for prod names a shell the image lacks, then sh: `s` falls through to sh.
    let config = sim.home.path().join(".config/kockpit");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.yaml"),
        "shells:\n  - context: prod\n    commands: [\"zsh -l\", \"sh\"]\n",
    )
    .unwrap();
    let ui = Tmux::start(
        "exec-once",
        sim.home.path(),
        &sim.args(&format!(
            "--context prod,stg --audit-log {}",
            audit_log.display()
        )),
        160,
        40,
    );
    let (ns, name) = pod(&sim, "prod", "keycloak-");
    running(&sim, "prod", &ns, &name);
    ui.wait_for("prod's pods", WAIT, |s| s.contains(&name));

    // By name, on production: asked with a key, then the pane with the output and exit code.
    ui.send(&[":"]);
    ui.type_text(&format!("exec {name} -- sh -c 'hostname; exit 3'"));
    ui.send(&["Enter"]);
    ui.wait_for("the question", WAIT, |s| {
        s.contains("Run a command in pod")
            && s.contains("PRODUCTION")
            && s.contains("runs: sh -c hostname; exit 3")
    });
    ui.send(&["y"]);
    let (pane, _) = ui.wait_for("the pane with the output and exit code 3", WAIT, |s| {
        s.contains("── exit code 3")
    });
    assert!(pane.contains(&format!("exec prod {ns}/{name}")), "{pane}");
    assert!(
        pane.lines().any(|l| l.contains(&name)
            && l.trim_matches(|c: char| c == '│' || c.is_whitespace()) == name),
        "{pane}"
    );
    ui.send(&["Escape"]);
    ui.wait_for("the table again", WAIT, |s| !s.contains("── exit code"));
    std::thread::sleep(Duration::from_millis(200));

    // No such container: a sentence in the pane, nothing run.
    ui.send(&[":"]);
    ui.type_text(&format!("exec -n {ns} {name} -c nosuch -- env"));
    ui.send(&["Enter"]);
    ui.wait_for("the question", WAIT, |s| s.contains("Run a command in pod"));
    ui.send(&["y"]);
    ui.wait_for("the container sentence", WAIT, |s| {
        s.contains("has no container nosuch")
    });
    ui.send(&["Escape"]);
    std::thread::sleep(Duration::from_millis(200));

    // A name kockpit does not see is said at once.
    ui.send(&[":"]);
    ui.type_text("exec ghost-0 -- env");
    ui.send(&["Enter"]);
    ui.wait_for("no such pod", WAIT, |s| {
        s.contains(":exec: no pod ghost-0 in context prod")
    });

    // The shell key follows the config's rule for prod.
    ui.type_text("/keycloak");
    ui.send(&["Enter"]);
    ui.wait_for("the filtered table", WAIT, |s| s.contains("[1] /keycloak"));
    ui.send(&["s"]);
    ui.wait_for("the question", WAIT, |s| s.contains("Open a shell in pod"));
    ui.send(&["y"]);
    ui.wait_for("sh's prompt after zsh was not found", WAIT, |s| {
        s.contains("kockpit: shell in prod") && s.lines().any(|l| l.trim_end().ends_with('#'))
    });
    ui.type_text("exit");
    ui.send(&["Enter"]);
    ui.wait_for("the cockpit again", WAIT, |s| {
        s.contains("ended: exit code 0")
    });

    let entries = audit(&audit_log);
    let execs: Vec<&serde_json::Value> = entries.iter().filter(|e| e["action"] == "exec").collect();
    assert_eq!(execs.len(), 2, "{entries:?}");
    assert_eq!(execs[0]["result"], "exit code 3");
    assert_eq!(
        execs[0]["kubectl"],
        format!("kubectl --context prod -n {ns} exec {name} -- sh -c 'hostname; exit 3'")
    );
    assert!(
        execs[1]["result"]
            .as_str()
            .unwrap()
            .contains("no container nosuch")
    );
    let start = entries
        .iter()
        .find(|e| e["action"] == "exec start")
        .unwrap();
    assert_eq!(
        start["kubectl"],
        format!("kubectl --context prod -n {ns} exec -it {name} -- zsh -l")
    );
}
