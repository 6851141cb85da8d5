//! End to end: drill-down and the events view with the real binary in tmux against
//! `kockpit sim`, kubectl as the truth. `enter` on a deployment lists exactly the pods of its
//! selector, on a node exactly the pods on it; `esc` comes back with the cursor where it was;
//! `:events` shows the crash-looping pod's BackOff warning above normal events of both contexts.

mod tmux;

use std::time::Duration;

use tmux::{Sim, Tmux, has_pod_row, rows};

const WAIT: Duration = Duration::from_secs(20);

/// Sorted pod names kubectl lists with these arguments.
fn kubectl_pods(sim: &Sim, context: &str, args: &[&str]) -> Vec<String> {
    let mut all = vec![
        "get",
        "pods",
        "-o",
        "custom-columns=N:.metadata.name",
        "--no-headers",
    ];
    all.extend_from_slice(args);
    let mut names: Vec<String> = sim
        .kubectl(context, &all)
        .lines()
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

/// Sorted names (third cell) of the merged pods table's rows of `context`.
fn shown_pods(screen: &str, context: &str) -> Vec<String> {
    let mut names: Vec<String> = rows(screen)
        .into_iter()
        .filter(|r| r.first().is_some_and(|c| c == context) && r.len() > 2)
        .map(|r| r[2].clone())
        .collect();
    names.sort();
    names
}

/// Moves the cursor from the top to the row of `context` whose cell `col` is `name`.
fn cursor_to(ui: &Tmux, screen: &str, context: &str, col: usize, name: &str) {
    let data: Vec<Vec<String>> = rows(screen)
        .into_iter()
        .filter(|r| r.first().is_some_and(|c| c != "CONTEXT"))
        .collect();
    let at = data
        .iter()
        .position(|r| r[0] == context && r.get(col).is_some_and(|c| c == name))
        .unwrap_or_else(|| panic!("no {context} row {name}:\n{screen}"));
    ui.send(&["Home"]);
    for _ in 0..at {
        ui.send(&["Down"]);
    }
}

#[test]
fn drill_down_lists_what_kubectl_lists_and_esc_returns_to_the_same_row() {
    let sim = Sim::start();
    let ui = Tmux::start(
        "drill",
        sim.home.path(),
        &sim.args("--context prod,stg"),
        220,
        60,
    );
    ui.wait_for("pods of prod and stg", WAIT, |s| {
        has_pod_row(s, "prod", "nginx-ingress-") && has_pod_row(s, "stg", "nginx-ingress-")
    });

    // A deployment: prod's nginx-ingress, not the first row, in a merged table.
    let ns = sim
        .kubectl(
            "prod",
            &[
                "get",
                "deploy",
                "-A",
                "-o",
                "custom-columns=NS:.metadata.namespace,N:.metadata.name",
                "--no-headers",
            ],
        )
        .lines()
        .find_map(|l| {
            let mut f = l.split_whitespace();
            let ns = f.next()?;
            (f.next()? == "nginx-ingress").then(|| ns.to_string())
        })
        .expect("kubectl lists nginx-ingress");
    ui.type_text(":deploy");
    ui.send(&["Enter"]);
    let (screen, _) = ui.wait_for("deployments of both contexts", WAIT, |s| {
        s.contains("Deployments(all contexts)") && has_pod_row(s, "stg", "nginx-ingress")
    });
    cursor_to(&ui, &screen, "prod", 2, "nginx-ingress");
    ui.send(&["Enter"]);
    let crumb = format!("prod › deploy {ns}/nginx-ingress › pods");
    let truth = || kubectl_pods(&sim, "prod", &["-n", &ns, "-l", "app=nginx-ingress"]);
    let (screen, _) = ui.wait_for("the deployment's pods under its breadcrumb", WAIT, |s| {
        s.contains(&crumb) && shown_pods(s, "prod") == truth()
    });
    assert!(!truth().is_empty());
    assert!(
        !rows(&screen).iter().any(|r| r[0] == "stg"),
        "only the drilled context's pods:\n{screen}"
    );
    assert!(
        screen.contains(&format!("{crumb}[{}]", truth().len())),
        "{screen}"
    );

    // esc: the deployments again; enter again drills into the same deployment, so the cursor
    // came back to it.
    ui.send(&["Escape"]);
    ui.wait_for("the deployments again", WAIT, |s| {
        s.contains("Deployments(all contexts)") && !s.contains(&crumb)
    });
    ui.send(&["Enter"]);
    ui.wait_for("the same deployment's pods", WAIT, |s| s.contains(&crumb));
    ui.send(&["Escape"]);
    ui.wait_for("the deployments", WAIT, |s| {
        s.contains("Deployments(all contexts)")
    });

    // A node: prod's node with the most pods.
    let node = {
        let out = sim.kubectl(
            "prod",
            &[
                "get",
                "pods",
                "-A",
                "-o",
                "custom-columns=N:.spec.nodeName",
                "--no-headers",
            ],
        );
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for n in out.lines().filter(|n| *n != "<none>") {
            *counts.entry(n.to_string()).or_default() += 1;
        }
        counts.into_iter().max_by_key(|(_, c)| *c).unwrap().0
    };
    ui.type_text(":nodes");
    ui.send(&["Enter"]);
    let (screen, _) = ui.wait_for("nodes of both contexts", WAIT, |s| {
        s.contains("Nodes(all contexts)") && s.contains(&node)
    });
    cursor_to(&ui, &screen, "prod", 1, &node);
    ui.send(&["Enter"]);
    let crumb = format!("prod › node {node} › pods");
    let field = format!("spec.nodeName={node}");
    let truth = || kubectl_pods(&sim, "prod", &["-A", "--field-selector", &field]);
    ui.wait_for("the node's pods, as kubectl lists them", WAIT, |s| {
        s.contains(&crumb) && shown_pods(s, "prod") == truth()
    });
    ui.send(&["Escape"]);
    ui.wait_for("the nodes again", WAIT, |s| {
        s.contains("Nodes(all contexts)")
    });
    ui.send(&["Enter"]);
    ui.wait_for("the same node's pods", WAIT, |s| s.contains(&crumb));
}

#[test]
fn events_of_both_contexts_show_the_crash_loops_backoff_above_normal_events() {
    let sim = Sim::start();
    let ui = Tmux::start(
        "events",
        sim.home.path(),
        &sim.args("--context prod,stg"),
        220,
        60,
    );
    ui.wait_for("pods of prod and stg", WAIT, |s| {
        has_pod_row(s, "prod", "flaky-api-") && has_pod_row(s, "stg", "nginx-ingress-")
    });
    ui.type_text(":events");
    ui.send(&["Enter"]);
    // The scenario's flaky-api crashes 40 s after it starts; its kubelet then reports BackOff.
    let (screen, took) = ui.wait_for(
        "the BackOff warning above normal events of both contexts",
        Duration::from_secs(120),
        |s| {
            let r = rows(s);
            let backoff = r.iter().position(|r| {
                r[0] == "prod" && r.iter().any(|c| c == "BackOff") && r.iter().any(|c| c.starts_with("pod/flaky-api-"))
            });
            let normal_prod = r.iter().position(|r| r[0] == "prod" && r.iter().any(|c| c == "Normal"));
            let normal_stg = r.iter().position(|r| r[0] == "stg" && r.iter().any(|c| c == "Normal"));
            matches!((backoff, normal_prod, normal_stg), (Some(b), Some(p), Some(n)) if b < p && b < n)
        },
    );
    eprintln!("BackOff shown after {took:?}");
    assert!(screen.contains("prod, stg › events["), "{screen}");
    let all_events = sim.kubectl("prod", &["get", "events", "-n", "dev"]);
    assert!(
        all_events
            .lines()
            .any(|l| l.contains("BackOff") && l.contains("pod/flaky-api-")),
        "kubectl agrees:\n{all_events}"
    );
    // Every Warning row is above every Normal row.
    let r = rows(&screen);
    let last_warning = r
        .iter()
        .rposition(|r| r.iter().any(|c| c == "Warning"))
        .unwrap();
    let first_normal = r
        .iter()
        .position(|r| r.iter().any(|c| c == "Normal"))
        .unwrap();
    assert!(last_warning < first_normal, "{screen}");

    // enter on the BackOff: the pod, cursor on it (describe names it); esc back to the events.
    ui.type_text("/BackOff");
    ui.send(&["Enter"]);
    ui.wait_for("only BackOff events", WAIT, |s| {
        s.contains("/BackOff")
            && rows(s)
                .iter()
                .filter(|r| r.iter().any(|c| c == "Normal"))
                .count()
                == 0
    });
    ui.send(&["Enter"]);
    ui.wait_for("the pods view", WAIT, |s| s.contains("events › pods"));
    ui.send(&["d"]);
    ui.wait_for("describe of the crash-looping pod", WAIT, |s| {
        s.contains("Describe pod dev/flaky-api-") && s.contains("(prod)")
    });
    // One esc at a time: two in one read are alt-esc to the terminal's parser.
    ui.send(&["Escape"]);
    ui.wait_for("describe closed", WAIT, |s| {
        !s.contains("Describe pod") && s.contains("events › pods")
    });
    ui.send(&["Escape"]);
    ui.wait_for("the events view again", WAIT, |s| {
        s.contains("prod, stg › events[") && s.contains("BackOff")
    });
}
