//! Cockpit figures against a large simulated fleet: `cargo bench --bench cockpit`.
//!
//! Spawns `target/release/kockpit sim --nodes 5000 --pods 100000` (build it first with
//! `cargo build --release`; override with KOCKPIT_BIN), opens sessions for `prod` and `stg`
//! exactly as the app does, applies their events through `update` and draws like the run loop
//! (at most one frame per 33 ms while dirty), then prints a table of figures. It prints; it never
//! asserts on time (DESIGN.md, Performance): wall time on a shared machine is not a test.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kockpit::app::msg::Msg;
use kockpit::app::state::State;
use kockpit::app::table;
use kockpit::app::update::update;
use kockpit::cluster::events::{ClusterEvent, Delta, ResourceKind, SessionEvent, WatchState};
use kockpit::cluster::kubeconfig;
use kockpit::cluster::rows::{NodeRow, PodRow};
use kockpit::cluster::session::Session;
use kockpit::settings::keymap;
use kockpit::ui::theme::Theme;
use kockpit::ui::{screen, theme};

const NODES: usize = 5_000;
const PODS: usize = 100_000;
const CONTEXTS: [&str; 2] = ["prod", "stg"];
/// The run loop's frame budget: it draws at most this often while something changed.
const FRAME: Duration = Duration::from_millis(33);
/// Default limit on the wait for full sync; `KOCKPIT_BENCH_SYNC_SECS` overrides it.
const SYNC_LIMIT_SECS: u64 = 300;
const DRAWS: usize = 50;
const BURST: usize = 2_000;
/// Stop the burst early past this much wall time and report the rate (it can be slow).
const BURST_BUDGET: Duration = Duration::from_secs(30);
/// Matches deployments app-00100..app-00199: 2,000 pods per context, 2 % of the rows.
const FILTER: &str = "app-001";

mod support;

use support::{rss_kib, start_sim};

fn main() -> anyhow::Result<()> {
    let (sim, path) = start_sim(&["--nodes", &NODES.to_string(), "--pods", &PODS.to_string()])?;

    // The app's runtime: `Runtime::new()`, one worker per core.
    let runtime = tokio::runtime::Runtime::new()?;
    let figures = runtime.block_on(measure(path))?;
    drop(sim);
    figures.print();
    Ok(())
}

#[derive(Default)]
struct Figures {
    first_rows: Option<Duration>,
    /// None: not reached within the sync limit (the later figures then use what had arrived).
    full_sync: Option<Duration>,
    sync_progress: String,
    sync_limit: Duration,
    /// The rows for (d) and (e) were made in-process because the sync did not finish.
    in_process_rows: bool,
    events_to_sync: usize,
    rss_kib: u64,
    rows: usize,
    filtered_rows: usize,
    draw_filter: (Duration, Duration),
    draw_plain: (Duration, Duration),
    visible_plain: Duration,
    filter_typed: Duration,
    burst_applied: usize,
    burst_time: Duration,
    burst_apply_only: Duration,
}

async fn measure(kubeconfig_path: PathBuf) -> anyhow::Result<Figures> {
    let mut f = Figures::default();
    let sync_limit = Duration::from_secs(
        std::env::var("KOCKPIT_BENCH_SYNC_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(SYNC_LIMIT_SECS),
    );
    f.sync_limit = sync_limit;
    let (th, _) = theme::load(None, None);
    let mut term = Terminal::new(TestBackend::new(200, 50))?;

    // (a), (b): from opening the sessions to first rows on screen and to full sync.
    let t0 = Instant::now();
    let loaded = kubeconfig::load(Some(&kubeconfig_path), "prod")?;
    let (tx, mut rx) = mpsc::channel::<SessionEvent>(4096);
    let mut sessions = Vec::new();
    let mut infos = Vec::new();
    for name in CONTEXTS {
        let info = loaded.context(name).context("context")?.clone();
        let client = loaded.client(name).await?;
        sessions.push(Session::start(info.clone(), client, None, tx.clone()));
        infos.push(info);
    }
    let (km, _) = keymap::load(None, None);
    let known = loaded.contexts.iter().map(|c| c.name.clone()).collect();
    let mut state = State::new(
        infos,
        known,
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    );

    let mut first_rows = None;
    let mut last_draw = Instant::now() - FRAME;
    let mut events = 0usize;
    let mut next_report = Duration::from_secs(15);
    loop {
        if t0.elapsed() >= next_report {
            eprintln!(
                "  {:>4.0} s: {}",
                t0.elapsed().as_secs_f64(),
                progress(&state)
            );
            next_report += Duration::from_secs(15);
        }
        let ev = match tokio::time::timeout(FRAME, rx.recv()).await {
            Ok(Some(ev)) => ev,
            Ok(None) => bail!("every session stopped before full sync"),
            Err(_) => {
                if t0.elapsed() >= sync_limit {
                    break;
                }
                // Nothing pending: draw if something changed, as the run loop does.
                draw_if_due(
                    &mut term,
                    &mut state,
                    &th,
                    &mut last_draw,
                    &mut first_rows,
                    t0,
                )?;
                continue;
            }
        };
        events += 1;
        update(&mut state, Msg::Cluster(Box::new(ev)));
        // Coalesce like the run loop: drain what is pending before drawing once.
        while let Ok(ev) = rx.try_recv() {
            events += 1;
            update(&mut state, Msg::Cluster(Box::new(ev)));
        }
        draw_if_due(
            &mut term,
            &mut state,
            &th,
            &mut last_draw,
            &mut first_rows,
            t0,
        )?;
        if synced(&state) {
            f.full_sync = Some(t0.elapsed());
            break;
        }
        if t0.elapsed() >= sync_limit {
            break;
        }
    }
    f.events_to_sync = events;
    f.first_rows = first_rows;
    f.sync_progress = progress(&state);

    // (c): the cockpit's footprint with both fleets in memory and every watch open.
    f.rss_kib = rss_kib()?;

    // Without a full sync the table figures would measure an empty table: fill it in-process
    // with rows shaped like the simulator's (same names), and say so in the output.
    if f.full_sync.is_none() {
        fill_like_the_simulator(&mut state);
        f.in_process_rows = true;
    }

    // (d): one frame of the merged pods table, with and without a filter. The filter is typed
    // through `update`, as an operator does (it applies per key, rebuilding the view index).
    state.now = jiff::Timestamp::now();
    kockpit::app::update::settle(&mut state);
    f.rows = table::Rows::keyed(&state).len();
    press(&mut state, KeyCode::Char('/'));
    let t = Instant::now();
    for c in FILTER.chars() {
        press(&mut state, KeyCode::Char(c));
    }
    press(&mut state, KeyCode::Enter);
    f.filter_typed = t.elapsed();
    f.filtered_rows = table::Rows::keyed(&state).len();
    f.draw_filter = time_draws(&mut term, &state, &th)?;
    press(&mut state, KeyCode::Char('/'));
    press(&mut state, KeyCode::Esc);
    assert!(state.filter.is_empty());
    f.draw_plain = time_draws(&mut term, &state, &th)?;
    let t = Instant::now();
    std::hint::black_box(table::visible_in(&state, &state.table_contexts()).len());
    f.visible_plain = t.elapsed();

    // (e): a burst of pod upserts through `update` (each a changed copy of a live row).
    let burst: Vec<SessionEvent> = state.contexts[0]
        .pods
        .values()
        .take(BURST)
        .map(|p| {
            let mut p = p.clone();
            p.restarts += 1;
            SessionEvent {
                context: CONTEXTS[0].into(),
                event: ClusterEvent::Pods(Delta::Upsert(p)),
            }
        })
        .collect();
    // The same changes applied straight to the context, to show what `update` adds on top.
    let mut copy = state.contexts[0].clone();
    let t = Instant::now();
    for ev in burst.iter().cloned() {
        copy.apply(ev.event);
    }
    f.burst_apply_only = t.elapsed();
    drop(copy);
    let t = Instant::now();
    for ev in burst {
        update(&mut state, Msg::Cluster(Box::new(ev)));
        f.burst_applied += 1;
        if t.elapsed() > BURST_BUDGET {
            break;
        }
    }
    f.burst_time = t.elapsed();
    drop(sessions);
    Ok(f)
}

/// 100,000 pods and 5,000 nodes per context, named as `kockpit sim --nodes --pods` names them.
fn fill_like_the_simulator(state: &mut State) {
    let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "x", "namespace": "x", "creationTimestamp": "2026-11-23T00:00:00Z",
                     "labels": {"app": "x"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u", "controller": true}]},
        "spec": {"nodeName": "n", "containers": [{"name": "app", "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}}}]},
        "status": {"phase": "Running", "podIP": "100.96.0.1", "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "image": "nginx:1.25", "imageID": "",
                                          "state": {"running": {"startedAt": "2026-11-23T00:00:00Z"}}}]},
    }))
    .expect("pod json");
    let node: k8s_openapi::api::core::v1::Node = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "x", "creationTimestamp": "2026-11-23T00:00:00Z", "labels": {"node-role.kubernetes.io/node": ""}},
        "status": {"conditions": [{"type": "Ready", "status": "True"}], "allocatable": {"cpu": "4", "memory": "16Gi"}},
    }))
    .expect("node json");
    let pod = PodRow::from_pod(&pod);
    let node = NodeRow::from_node(&node);
    let node_name = |i: usize| {
        format!(
            "ip-10-{}-{}-{}.ap-northeast-2.compute.internal",
            16 + (i >> 16) % 200,
            (i >> 8) % 256,
            i % 256
        )
    };
    for c in &mut state.contexts {
        let pods = (0..PODS)
            .map(|i| {
                let mut p = pod.clone();
                p.namespace = format!("load-{:03}", i / 2_000);
                p.name = format!("app-{:05}-5d4f8b7c9-{:05}", i / 20, i % 20);
                p.labels.insert("app".into(), format!("app-{:05}", i / 20));
                p.node = node_name(i % NODES);
                p.ip = format!("100.{}.{}.{}", 96 + (i >> 16) % 32, (i >> 8) % 256, i % 256);
                p
            })
            .collect();
        c.apply(ClusterEvent::Pods(Delta::Reset(pods)));
        let nodes = (0..NODES)
            .map(|i| {
                let mut n = node.clone();
                n.name = node_name(i);
                n
            })
            .collect();
        c.apply(ClusterEvent::Nodes(Delta::Reset(nodes)));
    }
}

fn press(state: &mut State, code: KeyCode) {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn draw_if_due(
    term: &mut Terminal<TestBackend>,
    state: &mut State,
    th: &Theme,
    last_draw: &mut Instant,
    first_rows: &mut Option<Duration>,
    t0: Instant,
) -> anyhow::Result<()> {
    if state.dirty && last_draw.elapsed() >= FRAME {
        state.now = jiff::Timestamp::now();
        term.draw(|fr| screen::draw(fr, state, th))?;
        state.dirty = false;
        *last_draw = Instant::now();
        // The pods view without a filter shows a row as soon as any context has a pod.
        if first_rows.is_none() && state.contexts.iter().any(|c| !c.pods.is_empty()) {
            *first_rows = Some(t0.elapsed());
        }
    }
    Ok(())
}

fn synced(state: &State) -> bool {
    state.contexts.iter().all(|c| {
        c.pods.len() >= PODS
            && c.nodes.len() >= NODES
            && ResourceKind::ALL
                .iter()
                .all(|r| c.watches.get(r) == Some(&WatchState::Live))
    })
}

fn progress(state: &State) -> String {
    state
        .contexts
        .iter()
        .map(|c| {
            format!(
                "{}: {} pods, {} nodes, {} watches live {}",
                c.name(),
                c.pods.len(),
                c.nodes.len(),
                c.watches
                    .values()
                    .filter(|w| **w == WatchState::Live)
                    .count(),
                c.watches
                    .values()
                    .filter_map(|w| match w {
                        WatchState::Live => None,
                        WatchState::Forbidden(e) | WatchState::Failing(e) => Some(e.as_str()),
                    })
                    .collect::<Vec<_>>()
                    .join(" / ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Median and p99 of `DRAWS` full draws (each one a `screen::draw` into the same backend).
fn time_draws(
    term: &mut Terminal<TestBackend>,
    state: &State,
    th: &Theme,
) -> anyhow::Result<(Duration, Duration)> {
    let mut times = Vec::with_capacity(DRAWS);
    for _ in 0..DRAWS {
        let t = Instant::now();
        term.draw(|fr| screen::draw(fr, state, th))?;
        times.push(t.elapsed());
    }
    times.sort();
    let p99 = times[(DRAWS * 99).div_ceil(100) - 1];
    Ok((times[DRAWS / 2], p99))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

impl Figures {
    fn print(&self) {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let per_event = self.burst_time / self.burst_applied.max(1) as u32;
        let rows = [
            (
                "first rows on screen".to_string(),
                self.first_rows.map_or("not reached".into(), ms),
                "≤ 300 ms",
            ),
            (
                format!("full sync (2 × {PODS} pods, {NODES} nodes, all watches Live)"),
                self.full_sync
                    .map_or(format!("> {} s", self.sync_limit.as_secs()), ms),
                "≤ 5 s",
            ),
            (
                "resident memory after full sync (VmRSS)".into(),
                format!("{:.1} MiB", self.rss_kib as f64 / 1024.0),
                "≤ 250 MiB",
            ),
            (
                format!(
                    "frame, {} rows, filter /{FILTER} ({} match): median",
                    self.rows, self.filtered_rows
                ),
                ms(self.draw_filter.0),
                "≤ 2 ms",
            ),
            ("  same, p99".into(), ms(self.draw_filter.1), "≤ 2 ms"),
            (
                format!("frame, {} rows, no filter: median", self.rows),
                ms(self.draw_plain.0),
                "",
            ),
            ("  same, p99".into(), ms(self.draw_plain.1), ""),
            (
                "table::visible_in from scratch (filter+sort; not per frame), once".into(),
                ms(self.visible_plain),
                "",
            ),
            (
                format!(
                    "typing /{FILTER} + enter through update ({} keys, each rebuilds the index)",
                    FILTER.len() + 1
                ),
                ms(self.filter_typed),
                "",
            ),
            (
                format!(
                    "update: {} pod upserts{}",
                    self.burst_applied,
                    if self.burst_applied < BURST {
                        format!(" (of {BURST}; stopped at the time budget)")
                    } else {
                        String::new()
                    }
                ),
                ms(self.burst_time),
                "",
            ),
            ("  per event".into(), ms(per_event), ""),
            (
                format!("  {BURST} upserts via ContextState::apply alone"),
                ms(self.burst_apply_only),
                "",
            ),
        ];
        println!();
        println!(
            "kockpit cockpit bench — {cores} cores, 2 contexts, {} events applied during sync",
            self.events_to_sync
        );
        println!("state at the end of sync: {}", self.sync_progress);
        if self.in_process_rows {
            println!(
                "full sync not reached: the frame and update figures below use rows made in-process \
                 (same names and shape as the simulator's); RSS is then sessions + those rows"
            );
        }
        let w = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
        println!("{:w$}  {:>12}  target", "figure", "measured");
        println!("{}", "-".repeat(w + 24));
        for (name, value, target) in rows {
            let pad = w - name.chars().count();
            println!("{name}{}  {value:>12}  {target}", " ".repeat(pad));
        }
    }
}
