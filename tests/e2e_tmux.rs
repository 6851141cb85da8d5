//! End to end: the real kockpit binary in tmux against `kockpit sim`, keys sent with
//! send-keys, the screen read with capture-pane, and kubectl changing the cluster underneath.

mod tmux;

use std::time::Duration;

use tmux::{Sim, Tmux, has_pod_row, rows};

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
    // Asked again at each look: a CronJob may start a pod meanwhile.
    let (screen, _) = ui.wait_for("prod rows to match kubectl", Duration::from_secs(10), |s| {
        let want = sim.pod_names("prod");
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
