//! Memory of generic kinds: `cargo bench --bench kinds`.
//!
//! Spawns `target/release/kockpit sim --nodes 5000 --pods 100000` (build it first; override
//! with KOCKPIT_BIN, the size with KOCKPIT_BENCH_NODES / KOCKPIT_BENCH_PODS), opens `prod` as
//! the app does, and drives the real `update` with the operator's commands: ten kinds opened
//! one after another (`:svc`, `:cm`, …), each until its rows arrived, then back to `:pods` and
//! past the linger time. The executor part (`WatchKind`/`UnwatchKind` → `Session`) is done here
//! as `exec` does it. It prints resident memory (VmRSS) at each stage, the rows held, and how
//! many kind watchers the session still runs: those of kinds no longer shown must be stopped.
//! It prints; it asserts nothing about size or time.

mod support;

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

use kockpit::app::kinds::LINGER;
use kockpit::app::msg::{Cmd, Msg};
use kockpit::app::namespaces::Namespaces;
use kockpit::app::state::State;
use kockpit::app::update::{settle, update};
use kockpit::cluster::events::{ResourceKind, SessionEvent, WatchState};
use kockpit::cluster::kubeconfig;
use kockpit::cluster::session::Session;
use kockpit::settings::keymap;

use support::{rss_kib, start_sim};

/// The ten kinds opened, as the operator types them.
const KINDS: [&str; 10] = [
    "svc", "cm", "secret", "sa", "ns", "rs", "sts", "ds", "job", "ing",
];
const WAIT: Duration = Duration::from_secs(300);

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let nodes = size("KOCKPIT_BENCH_NODES", 5_000);
    let pods = size("KOCKPIT_BENCH_PODS", 100_000);
    let (sim, path) = start_sim(&["--nodes", &nodes.to_string(), "--pods", &pods.to_string()])?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(measure(path, pods, nodes))?;
    drop(sim);
    Ok(())
}

struct Cockpit {
    state: State,
    session: Session,
    rx: mpsc::Receiver<SessionEvent>,
}

impl Cockpit {
    /// Runs what `update` asked for that this bench stands in for; the rest is not needed here.
    fn run(&mut self, cmds: Vec<Cmd>) {
        for cmd in cmds {
            match cmd {
                Cmd::WatchKind { kind, .. } => self.session.watch_kind(kind),
                Cmd::UnwatchKind { id, .. } => self.session.unwatch_kind(id),
                Cmd::Rediscover { .. } => self.session.rediscover(),
                _ => {}
            }
        }
    }

    fn msg(&mut self, msg: Msg) {
        let mut cmds = update(&mut self.state, msg);
        cmds.extend(settle(&mut self.state));
        self.run(cmds);
    }

    fn command(&mut self, text: &str) {
        let key = |c| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
        self.msg(key(KeyCode::Char(':')));
        for c in text.chars() {
            self.msg(key(KeyCode::Char(c)));
        }
        self.msg(key(KeyCode::Enter));
    }

    /// Applies session events until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&State) -> bool) -> anyhow::Result<()> {
        let start = Instant::now();
        while !done(&self.state) {
            if start.elapsed() > WAIT {
                bail!("timed out after {WAIT:?} waiting for {what}");
            }
            match tokio::time::timeout(Duration::from_millis(200), self.rx.recv()).await {
                Ok(Some(ev)) => self.msg(Msg::Cluster(Box::new(ev))),
                Ok(None) => bail!("the session stopped"),
                Err(_) => {}
            }
        }
        Ok(())
    }

    fn kind_rows(&self) -> usize {
        self.state.contexts[0]
            .kinds
            .values()
            .map(|t| t.rows.len())
            .sum()
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

async fn measure(path: std::path::PathBuf, pods: usize, nodes: usize) -> anyhow::Result<()> {
    let loaded = kubeconfig::load(Some(&path), "prod")?;
    let info = loaded.context("prod").context("context prod")?.clone();
    let client = loaded.client("prod").await?;
    let (tx, rx) = mpsc::channel::<SessionEvent>(4096);
    let session = Session::start(info.clone(), client, None, tx);
    let (km, _) = keymap::load(None, None);
    let mut state = State::new(
        vec![info],
        vec!["prod".into()],
        Namespaces::all(),
        false,
        km,
    );
    state.now = jiff::Timestamp::now();
    let mut c = Cockpit { state, session, rx };

    let t0 = Instant::now();
    c.until("the pods and nodes to sync, and discovery", |s| {
        let ctx = &s.contexts[0];
        let live = |r| matches!(ctx.watches.get(&r), Some(WatchState::Live));
        live(ResourceKind::Pods)
            && live(ResourceKind::Nodes)
            && ctx.pods.len() >= pods
            && ctx.nodes.len() >= nodes
            && ctx.catalog.is_some()
    })
    .await?;
    let pods = c.state.contexts[0].pods.len();
    let at_pods = rss_kib()?;
    println!(
        "synced {pods} pods, {} nodes in {:.1} s",
        c.state.contexts[0].nodes.len(),
        t0.elapsed().as_secs_f64()
    );

    let mut opened = Vec::new();
    for word in KINDS {
        let t = Instant::now();
        c.command(word);
        let kockpit::app::state::ViewKind::Kind(id) = c.state.view else {
            bail!(
                ":{word} did not open a generic kind (view {:?})",
                c.state.view
            );
        };
        c.until(&format!(":{word} rows"), |s| {
            s.contexts[0]
                .kinds
                .get(id)
                .is_some_and(|t| matches!(t.watch, Some(WatchState::Live)))
        })
        .await?;
        let rows = c.state.contexts[0].kinds[id].rows.len();
        opened.push((word, rows, t.elapsed()));
    }
    let watching = c.session.kinds_watched();
    let held = c.kind_rows();
    let at_kinds = rss_kib()?;

    // Back to pods, and past the linger time (the run loop's ticks move `now`).
    c.command("pods");
    let later = c.state.now + jiff::SignedDuration::try_from(LINGER + Duration::from_secs(1))?;
    c.msg(Msg::Tick(later));
    // Aborted tasks finish on the runtime; give them a moment and drain what they sent.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(ev) = c.rx.try_recv() {
        c.msg(Msg::Cluster(Box::new(ev)));
    }
    let still = c.session.kinds_watched();
    let held_after = c.kind_rows();
    let after = rss_kib()?;

    println!();
    println!("kind   rows   to first sync");
    for (word, rows, t) in &opened {
        println!("{word:<6} {rows:>6} {:>8.0} ms", t.as_secs_f64() * 1e3);
    }
    println!();
    println!(
        "resident memory, pods view synced ({pods} pods):         {}",
        mib(at_pods)
    );
    println!(
        "resident memory, ten kinds opened ({held} rows, {watching} watchers): {}",
        mib(at_kinds)
    );
    println!(
        "resident memory, back on pods after {}s ({held_after} rows, {still} watchers): {}",
        LINGER.as_secs() + 1,
        mib(after)
    );
    println!(
        "(RSS seldom falls back: the allocator keeps freed pages; the rows and watchers held are the figure that must drop to 0)"
    );
    if still != 0 || held_after != 0 {
        bail!("{still} kind watchers and {held_after} rows remain after leaving the kinds");
    }
    Ok(())
}
