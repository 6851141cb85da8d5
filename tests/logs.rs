//! Log panes against the in-process simulator: a selector pane receives every replica's lines,
//! a rolling update's new pods join the same pane without reopening it, and the buffer cap
//! drops the oldest lines.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::sync::mpsc;

use common::{Harness, eventually};
use kockpit::app::logs::{self, LogCmd, LogMsg};
use kockpit::app::msg::{Cmd, Msg};
use kockpit::app::state::State;
use kockpit::app::update::update;
use kockpit::cluster::kubeconfig;
use kockpit::cluster::logs::{LogTail, TailEvent};
use kockpit::settings::keymap;

const WAIT: Duration = Duration::from_secs(40);

/// A cockpit state with prod live, one pane opened with `args`, and its tail running; tail
/// events come back on the receiver, to be fed through `update` as the run loop does.
async fn open_pane(
    h: &Harness,
    args: &str,
    cap: usize,
) -> (State, LogTail, mpsc::UnboundedReceiver<Msg>) {
    let loaded = kubeconfig::load(Some(&h.kubeconfig()), "prod").unwrap();
    let info = loaded.context("prod").unwrap().clone();
    let (km, _) = keymap::load(None, None);
    let mut state = State::new(
        vec![info],
        vec!["prod".into()],
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    );
    state.logs.cap = cap;
    let words: Vec<String> = args.split_whitespace().map(str::to_string).collect();
    let cmds = logs::open_from_command(&mut state, &words);
    let Some(Cmd::Logs(LogCmd::Start {
        pane,
        generation,
        spec,
        ..
    })) = cmds.into_iter().next()
    else {
        panic!("opening a pane starts a tail");
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let sink = Box::new(move |event: TailEvent| {
        tx.send(Msg::Logs(LogMsg::Tail {
            pane,
            generation,
            event,
        }))
        .is_ok()
    });
    let tail = LogTail::start(h.client("prod").await, spec, sink);
    (state, tail, rx)
}

fn drain(state: &mut State, rx: &mut mpsc::UnboundedReceiver<Msg>) {
    while let Ok(m) = rx.try_recv() {
        update(state, m);
    }
}

/// Pods that wrote at least one real line (not a joined/gone marker) into pane 1.
fn pods_with_lines(state: &State) -> BTreeSet<String> {
    state.logs.panes[&1]
        .buffer
        .iter()
        .filter(|(_, l)| !l.container.is_empty())
        .map(|(_, l)| l.pod.to_string())
        .collect()
}

async fn replicas(h: &Harness) -> BTreeSet<String> {
    h.ok(
        "prod",
        &[
            "get",
            "pods",
            "-n",
            "default",
            "-l",
            "app=nginx-ingress",
            "--field-selector",
            "status.phase=Running",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ],
    )
    .await
    .split_whitespace()
    .map(str::to_string)
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selector_pane_gets_every_replica_and_a_rolling_updates_new_pods_join() {
    let h = Harness::start().await;
    let (mut state, _tail, mut rx) =
        open_pane(&h, "-l app=nginx-ingress -n default --context prod", 50_000).await;
    let before = eventually("three running nginx-ingress replicas", WAIT, || async {
        Some(replicas(&h).await).filter(|r| r.len() == 3)
    })
    .await;
    eventually("lines from every replica in the pane", WAIT, || {
        drain(&mut state, &mut rx);
        let seen = pods_with_lines(&state);
        std::future::ready(before.is_subset(&seen).then_some(()))
    })
    .await;

    h.control("prod", "deployments/default/nginx-ingress/restart")
        .await;
    eventually("lines from a pod of the new replica set", WAIT, || {
        drain(&mut state, &mut rx);
        let seen = pods_with_lines(&state);
        std::future::ready(seen.iter().any(|p| !before.contains(p)).then_some(()))
    })
    .await;
    eventually("an old pod marked gone", WAIT, || {
        drain(&mut state, &mut rx);
        let p = &state.logs.panes[&1];
        let gone = p
            .buffer
            .iter()
            .any(|(_, l)| l.text.contains(" gone ──") && before.contains(&*l.pod));
        std::future::ready(gone.then_some(()))
    })
    .await;
    // Still the one pane the operator opened.
    assert_eq!(state.logs.order(), [1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffer_cap_keeps_the_newest_lines_and_counts_the_dropped() {
    let h = Harness::start().await;
    let (mut state, _tail, mut rx) = open_pane(&h, "-l app=nginx-ingress -n default", 5).await;
    eventually("more lines than the cap", WAIT, || {
        drain(&mut state, &mut rx);
        std::future::ready((state.logs.panes[&1].buffer.received() >= 12).then_some(()))
    })
    .await;
    let p = &state.logs.panes[&1];
    assert_eq!(p.buffer.len(), 5);
    assert_eq!(p.buffer.dropped, p.buffer.received() - 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_are_kept_raw_and_shown_as_text() {
    let h = Harness::start().await;
    let (mut state, _tail, mut rx) = open_pane(&h, "-l app=cert-manager -n default", 1000).await;
    let pod = eventually("cert-manager streaming", WAIT, || {
        drain(&mut state, &mut rx);
        std::future::ready(pods_with_lines(&state).into_iter().next())
    })
    .await;
    common::control_post(
        &h.sim,
        "prod",
        &format!("pods/default/{pod}/log"),
        "x\u{1b}[2J\u{1b}]0;pwned\u{7}y\n",
    )
    .await;
    let line = eventually("the injected line", WAIT, || {
        drain(&mut state, &mut rx);
        let found = state.logs.panes[&1]
            .buffer
            .iter()
            .find(|(_, l)| l.text.starts_with('x') && l.text.ends_with('y'))
            .map(|(_, l)| l.clone());
        std::future::ready(found)
    })
    .await;
    assert_eq!(
        line.text, "x\u{1b}[2J\u{1b}]0;pwned\u{7}y",
        "kept raw in the buffer"
    );
    let shown = kockpit::app::logs::pane::plain(&line, false);
    assert!(shown.ends_with("x␛[2J␛]0;pwned␇y"), "{shown}");
    assert!(!shown.chars().any(|c| c.is_control()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previous_shows_the_crashed_containers_lines_then_ends() {
    let h = Harness::start().await;
    let pod = eventually("cert-manager running", WAIT, || async {
        let out = h
            .ok(
                "prod",
                &[
                    "get",
                    "pods",
                    "-n",
                    "default",
                    "-l",
                    "app=cert-manager",
                    "--field-selector",
                    "status.phase=Running",
                    "-o",
                    "jsonpath={.items[*].metadata.name}",
                ],
            )
            .await;
        out.split_whitespace().next().map(str::to_string)
    })
    .await;
    // Let the container write a few lines before it crashes.
    eventually("a few lines written", WAIT, || async {
        let out = h.ok("prod", &["logs", "-n", "default", &pod]).await;
        (out.lines().count() >= 2).then_some(())
    })
    .await;
    h.control("prod", &format!("pods/default/{pod}/crash"))
        .await;
    eventually("a previous instance kubectl can read", WAIT, || async {
        let out = h
            .run("prod", &["logs", "-n", "default", &pod, "--previous"])
            .await;
        (out.status.success() && !out.stdout.is_empty()).then_some(())
    })
    .await;
    let (mut state, _tail, mut rx) =
        open_pane(&h, &format!("{pod} -n default -p --context prod"), 1000).await;
    eventually("the previous instance's lines, then its end", WAIT, || {
        drain(&mut state, &mut rx);
        let p = &state.logs.panes[&1];
        let done = !pods_with_lines(&state).is_empty() && p.state_label() == "ended";
        std::future::ready(done.then_some(()))
    })
    .await;
    assert!(
        state.logs.panes[&1]
            .buffer
            .iter()
            .any(|(_, l)| l.text.contains("controller.go"))
    );
}
