//! End to end: `kockpit demo` (the release binary in tmux) plays prod's incident: within 60 s the
//! health strip shows the stalled drain and the pods stuck terminating, and typing what the
//! hint says opens the drain wizard on that node with keycloak blocked by its budget.
//! `kockpit demo --calm` keeps the clusters as loaded.

mod tmux;

use std::process::Command;
use std::time::Duration;

use tmux::{BIN, Tmux, rows};

/// The prod line of the health strip.
fn prod_health(screen: &str) -> Option<&str> {
    screen
        .lines()
        .find(|l| l.starts_with("prod ") && l.contains("API ok"))
}

#[test]
fn demo_plays_the_incident_and_its_hint_opens_the_drain_wizard_on_keycloaks_node() {
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::start("incident", home.path(), "demo", 220, 50);
    let (screen, seen) = t.wait_for(
        "a stalled drain and stuck-terminating pods on prod's health strip",
        Duration::from_secs(60),
        |s| {
            prod_health(s).is_some_and(|l| {
                l.contains("1 cordoned, 1 drain stalled") && l.contains("stuck terminating")
            })
        },
    );
    eprintln!("incident on the health strip after {seen:?}");
    let hint = screen
        .lines()
        .find(|l| l.starts_with("prod: drain stalled: keycloak-"))
        .unwrap_or_else(|| panic!("no hint line:\n{screen}"));
    assert!(
        hint.contains("blocked by PodDisruptionBudget keycloak"),
        "{hint}"
    );
    // Type what the hint says: `:drain NODE`.
    let at = hint.find(":drain ").expect("the hint names the command");
    let command = hint[at + 1..].split(" (or ").next().unwrap().trim();
    let node = command.strip_prefix("drain ").unwrap().to_string();
    assert!(node.starts_with("ip-172-20-"), "{hint}");
    t.send(&[":"]);
    t.type_text(command);
    t.send(&["Enter"]);
    let (wizard, _) = t.wait_for(
        "the drain wizard on the node",
        Duration::from_secs(20),
        |s| s.contains(&format!("Drain {node} (prod)")),
    );
    let keycloak = rows(&wizard)
        .into_iter()
        .find(|r| r.iter().any(|c| c.starts_with("keycloak-")))
        .unwrap_or_else(|| panic!("no keycloak row in the wizard:\n{wizard}"));
    let line = keycloak.join(" ");
    assert!(
        line.contains(
            "blocked: PodDisruptionBudget keycloak (minAvailable 1) allows 0 disruptions"
        ),
        "{line}\n{wizard}"
    );
    assert!(wizard.contains("blocked 1"), "{wizard}");
}

#[test]
fn demo_calm_plays_no_incident_and_says_so_in_help() {
    let help = Command::new(BIN).args(["demo", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--calm"), "{help}");
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::start("calm", home.path(), "demo --calm", 200, 50);
    t.wait_for("prod's health", Duration::from_secs(30), |s| {
        prod_health(s).is_some_and(|l| l.contains("nodes 5/5 Ready"))
    });
    // Past the timeline's drain (6 s) and NotReady (8 s): still five Ready nodes, none cordoned.
    std::thread::sleep(Duration::from_secs(10));
    let screen = t.screen();
    let prod = prod_health(&screen).unwrap_or_default();
    assert!(prod.contains("nodes 5/5 Ready │"), "{screen}");
    assert!(!screen.contains("drain stalled"), "{screen}");
}
