//! End to end: log panes with the real binary in tmux against `kockpit sim`: two panes
//! (nginx-ingress and cert-manager) both advance, one is paused, searched and saved to a file
//! whose lines are the pane's; and a log line carrying a clear-screen and a title-change
//! sequence is shown as text without clearing the screen or retitling the terminal.

mod tmux;

use std::process::Command;
use std::time::Duration;

use tmux::{Sim, Tmux};

const WAIT: Duration = Duration::from_secs(40);

/// Sends literal text even when it starts with `-` (tmux would read it as a flag).
fn type_literal(t: &Tmux, text: &str) {
    let ok = Command::new("tmux")
        .args(["-L", &t.socket, "send-keys", "-t", "main", "-l", "--", text])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// The content rows of the pane whose title contains `title`, borders stripped.
fn pane_lines(screen: &str, title: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for l in screen.lines() {
        if l.starts_with('┌') {
            inside = l.contains(title);
            continue;
        }
        if l.starts_with('└') {
            inside = false;
            continue;
        }
        if inside && let Some(rest) = l.strip_prefix('│') {
            out.push(rest.trim_end().trim_end_matches('│').trim_end().to_string());
        }
    }
    out
}

fn pane_title(screen: &str, title: &str) -> String {
    screen
        .lines()
        .find(|l| l.starts_with('┌') && l.contains(title))
        .unwrap_or_default()
        .to_string()
}

fn running(sim: &Sim, app: &str) -> Vec<String> {
    sim.kubectl(
        "prod",
        &[
            "get",
            "pods",
            "-n",
            "default",
            "-l",
            &format!("app={app}"),
            "--field-selector",
            "status.phase=Running",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ],
    )
    .split_whitespace()
    .map(str::to_string)
    .collect()
}

/// Waits until the last line of the pane titled `title` differs from `last`.
fn advances(t: &Tmux, title: &str, what: &str) {
    let last = |s: &str| pane_lines(s, title).into_iter().rfind(|l| !l.is_empty());
    let (s, _) = t.wait_for(what, WAIT, |s| last(s).is_some());
    let before = last(&s);
    t.wait_for(what, WAIT, |s| last(s).is_some() && last(s) != before);
}

const NGINX: &str = "-l app=nginx-ingress";
const CERT: &str = "-l app=cert-manager";

#[test]
fn two_panes_advance_and_a_paused_searched_pane_saves_what_it_shows() {
    let sim = Sim::start();
    tmux::eventually_ok("demo pods running", WAIT, || {
        if running(&sim, "nginx-ingress").len() == 3 && running(&sim, "cert-manager").len() == 1 {
            Ok(())
        } else {
            Err("not yet".into())
        }
    });
    let t = Tmux::start(
        "logs",
        sim.home.path(),
        &sim.args("logs --context prod -l app=nginx-ingress -n default"),
        // Wide enough that a cert-manager line's key="default/tls-N" is on screen.
        240,
        50,
    );
    t.wait_for("nginx-ingress lines", WAIT, |s| {
        pane_lines(s, NGINX).iter().any(|l| l.contains("HTTP/1.1"))
    });
    type_literal(&t, "-");
    t.wait_for("the new-pane prompt", WAIT, |s| {
        s.contains("new pane, logs")
    });
    t.send(&["C-u"]);
    t.wait_for("the prompt cleared", WAIT, |s| {
        s.lines().any(|l| l.trim_end() == "new pane, logs █")
    });
    t.type_text(" -l app=cert-manager -n default");
    t.send(&["Enter"]);
    t.wait_for("cert-manager lines in a second pane", WAIT, |s| {
        pane_lines(s, CERT)
            .iter()
            .any(|l| l.contains("controller.go"))
            && pane_lines(s, NGINX).iter().any(|l| l.contains("HTTP/1.1"))
    });
    advances(&t, NGINX, "the nginx-ingress pane advancing");
    advances(&t, CERT, "the cert-manager pane advancing");
    // cert-manager writes one line a second (tls-0 … tls-4): the line searched for below must
    // be in the pane before it is paused (CI once paused it after two lines).
    t.wait_for("a tls-3 line in the cert-manager pane", WAIT, |s| {
        pane_lines(s, CERT).iter().any(|l| l.contains("tls-3"))
    });

    // The new pane has the focus: pause it; new lines are counted, not shown.
    t.send(&["Space"]);
    t.wait_for("the cert-manager pane paused with new lines", WAIT, |s| {
        let title = pane_title(s, CERT);
        title.contains("paused +") && !title.contains("paused +0 new")
    });
    advances(&t, NGINX, "the nginx-ingress pane still advancing");

    t.send(&["/"]);
    t.wait_for("the search prompt", WAIT, |s| s.contains("search: █"));
    t.type_text("tls-3");
    t.send(&["Enter"]);
    let (s, _) = t.wait_for("search results in the title", WAIT, |s| {
        pane_title(s, CERT).contains("/tls-3 (")
    });
    assert!(
        pane_lines(&s, CERT).iter().any(|l| l.contains("tls-3")),
        "the view shows a match:\n{s}"
    );

    let saved = sim.home.path().join("cert-manager.log");
    t.send(&["C-s"]);
    t.wait_for("the save prompt", WAIT, |s| s.contains("save to: "));
    t.send(&["C-u"]);
    t.wait_for("the save prompt cleared", WAIT, |s| {
        s.lines().any(|l| l.trim_end() == "save to: █")
    });
    t.type_text(saved.to_str().unwrap());
    t.send(&["Enter"]);
    let (s, _) = t.wait_for("the saved notice", WAIT, |s| s.contains("saved "));
    let file = std::fs::read_to_string(&saved).expect("the file is written");
    let file_lines: Vec<&str> = file.lines().map(str::trim_end).collect();
    let shown: Vec<String> = pane_lines(&s, CERT)
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    assert!(shown.len() >= 3, "the pane shows lines:\n{s}");
    // The pane is paused: what it shows is a run of the file's lines, each cut to the pane's width.
    let fits = |start: usize| {
        shown.iter().enumerate().all(|(i, v)| {
            file_lines
                .get(start + i)
                .is_some_and(|f| f.starts_with(v.as_str()))
        })
    };
    assert!(
        (0..file_lines.len()).any(fits),
        "pane lines not found in the file\npane:\n{}\nfile:\n{file}",
        shown.join("\n")
    );
    assert!(
        s.contains(&format!("saved {} lines", file_lines.len())),
        "{s}"
    );
}

#[test]
fn escape_sequences_in_a_log_line_are_shown_not_obeyed() {
    let sim = Sim::start();
    tmux::eventually_ok("cert-manager running", WAIT, || {
        if running(&sim, "cert-manager").len() == 1 {
            Ok(())
        } else {
            Err("not yet".into())
        }
    });
    let pod = running(&sim, "cert-manager").remove(0);
    let t = Tmux::start(
        "logs-esc",
        sim.home.path(),
        &sim.args("logs --context prod -l app=cert-manager -n default"),
        160,
        40,
    );
    t.wait_for("cert-manager lines", WAIT, |s| {
        pane_lines(s, CERT)
            .iter()
            .any(|l| l.contains("controller.go"))
    });
    let title_before = tmux_title(&t);
    let body = sim.home.path().join("inject.txt");
    std::fs::write(
        &body,
        "before-marker\n\u{1b}[2J\u{1b}[Hhello \u{1b}]0;pwned\u{7} world\nafter-marker\n",
    )
    .unwrap();
    sim.kubectl(
        "prod",
        &[
            "create",
            "--raw",
            &format!("/_sim/pods/default/{pod}/log"),
            "-f",
            body.to_str().unwrap(),
        ],
    );
    let (s, _) = t.wait_for("the injected line shown as text", WAIT, |s| {
        s.contains("after-marker")
    });
    let lines = pane_lines(&s, CERT);
    let at = lines
        .iter()
        .position(|l| l.ends_with("before-marker"))
        .expect("the line before");
    assert!(
        lines[at + 1].ends_with("␛[2J␛[Hhello ␛]0;pwned␇ world"),
        "{}",
        lines[at + 1]
    );
    assert!(lines[at + 2].ends_with("after-marker"));
    // Not cleared: the lines before the injection and the cockpit's own frame are still there.
    assert!(
        lines[..at].iter().any(|l| l.contains("controller.go")),
        "{s}"
    );
    assert!(
        s.lines().next().unwrap_or_default().contains("kockpit"),
        "{s}"
    );
    let title_after = tmux_title(&t);
    assert_eq!(title_after, title_before);
    assert_ne!(title_after, "pwned");
}

fn tmux_title(t: &Tmux) -> String {
    let out = Command::new("tmux")
        .args([
            "-L",
            &t.socket,
            "display",
            "-p",
            "-t",
            "main",
            "#{pane_title}",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
