//! Log pane figures: `cargo bench --bench logs`.
//!
//! Spawns `target/release/kockpit sim` (build it first with `cargo build --release`; override
//! with KOCKPIT_BIN), creates four deployments whose pods write 2,500 lines/s each (10,000
//! lines/s in total), opens one selector pane per deployment through the real `:logs` path,
//! runs the real LogTail for each, applies every batch through `update` and draws like the
//! run loop (at most one frame per 33 ms) into a TestBackend, for KOCKPIT_BENCH_LOG_SECS
//! (default 60) seconds. Prints lines/s received and shown, lines lost (per-pod sequence
//! numbers), lines dropped by the buffer cap, peak resident memory and ms per frame. It
//! prints; it never asserts on time.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use kockpit::app::logs::{self, LogCmd, LogMsg};
use kockpit::app::msg::{Cmd, Msg};
use kockpit::app::state::State;
use kockpit::app::update::update;
use kockpit::cluster::kubeconfig;
use kockpit::cluster::logs::{LogTail, TailEvent};
use kockpit::settings::keymap;
use kockpit::ui::{screen, theme};

const PANES: usize = 4;
const RATE_PER_POD: u32 = 2_500;
const FRAME: Duration = Duration::from_millis(33);

struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn deployment(i: usize) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: bench-{i}
  namespace: default
  labels: {{app: bench-{i}}}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: bench-{i}}}
  template:
    metadata:
      labels: {{app: bench-{i}}}
      annotations:
        sim.kockpit.dev/log-lines-per-second: "{RATE_PER_POD}"
    spec:
      containers:
      - name: gen
        image: busybox
---
"#
    )
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The generator's per-pod sequence number (`seq=N`).
fn seq(text: &str) -> Option<u64> {
    let at = text.find("seq=")? + 4;
    text[at..].split(' ').next()?.parse().ok()
}

fn main() -> anyhow::Result<()> {
    let secs: u64 = std::env::var("KOCKPIT_BENCH_LOG_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let bin = std::env::var_os("KOCKPIT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/kockpit")
        });
    let dir = tempfile::tempdir()?;
    let kc = dir.path().join("kubeconfig");
    let mut child = Command::new(&bin)
        .args(["sim", "--kubeconfig-out"])
        .arg(&kc)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {} (cargo build --release first)", bin.display()))?;
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first)?;
    let _sim = Sim(child);
    let manifests: String = (0..PANES).map(deployment).collect();
    let file = dir.path().join("bench.yaml");
    std::fs::write(&file, manifests)?;
    let out = Command::new("kubectl")
        .env("HOME", dir.path())
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["--context", "prod", "create", "--validate=false", "-f"])
        .arg(&file)
        .output()?;
    if !out.status.success() {
        bail!("kubectl create: {}", String::from_utf8_lossy(&out.stderr));
    }

    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let loaded = kubeconfig::load(Some(&kc), "prod")?;
        let info = loaded.context("prod").context("prod context")?.clone();
        let client = loaded.client("prod").await?;
        let (km, _) = keymap::load(None, None);
        let mut state = State::new(
            vec![info],
            vec!["prod".into()],
            kockpit::app::namespaces::Namespaces::all(),
            false,
            km,
        );
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        let mut tails = Vec::new();
        for i in 0..PANES {
            let words: Vec<String> = format!("-l app=bench-{i} -n default --context prod")
                .split_whitespace()
                .map(str::to_string)
                .collect();
            for cmd in logs::open_from_command(&mut state, &words) {
                if let Cmd::Logs(LogCmd::Start {
                    pane,
                    generation,
                    spec,
                    ..
                }) = cmd
                {
                    let tx = tx.clone();
                    let sink = Box::new(move |event: TailEvent| {
                        tx.send(Msg::Logs(LogMsg::Tail {
                            pane,
                            generation,
                            event,
                        }))
                        .is_ok()
                    });
                    tails.push(LogTail::start(client.clone(), spec, sink));
                }
            }
        }
        let (th, _) = theme::load(None, None);
        let mut term = Terminal::new(TestBackend::new(200, 60))?;

        // Warm-up: every pane streaming before the clock starts.
        let warm = Instant::now();
        while state.logs.panes.values().any(|p| p.buffer.received() < 10) {
            if warm.elapsed() > Duration::from_secs(60) {
                bail!("panes did not start streaming within 60 s");
            }
            if let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
                update(&mut state, m);
            }
        }
        while let Ok(m) = rx.try_recv() {
            update(&mut state, m);
        }

        let start_received: u64 = state.logs.panes.values().map(|p| p.buffer.received()).sum();
        let mut last_seq: HashMap<String, u64> = HashMap::new();
        let (mut lines, mut lost, mut batches) = (0u64, 0u64, 0u64);
        let (mut frames, mut frame_total, mut frame_max) = (0u32, Duration::ZERO, Duration::ZERO);
        let mut last_draw = Instant::now();
        let begin = Instant::now();
        let window = Duration::from_secs(secs);
        while begin.elapsed() < window {
            let wait = FRAME.saturating_sub(last_draw.elapsed());
            if let Ok(Some(m)) = tokio::time::timeout(wait, rx.recv()).await {
                let mut next = Some(m);
                while let Some(m) = next.take() {
                    if let Msg::Logs(LogMsg::Tail {
                        event: TailEvent::Lines(ls),
                        ..
                    }) = &m
                    {
                        batches += 1;
                        for l in ls.iter().filter(|l| !l.container.is_empty()) {
                            lines += 1;
                            if let Some(n) = seq(&l.text)
                                && let Some(prev) = last_seq.insert(l.pod.to_string(), n)
                            {
                                lost += n.saturating_sub(prev + 1);
                            }
                        }
                    }
                    update(&mut state, m);
                    next = rx.try_recv().ok();
                }
            }
            if state.dirty && last_draw.elapsed() >= FRAME {
                let t = Instant::now();
                term.draw(|f| screen::draw(f, &state, &th))?;
                let d = t.elapsed();
                frames += 1;
                frame_total += d;
                frame_max = frame_max.max(d);
                state.dirty = false;
                last_draw = Instant::now();
            }
        }
        let elapsed = begin.elapsed().as_secs_f64();
        let shown: u64 = state
            .logs
            .panes
            .values()
            .map(|p| p.buffer.received())
            .sum::<u64>()
            - start_received;
        let dropped: u64 = state.logs.panes.values().map(|p| p.buffer.dropped).sum();
        let kept: usize = state.logs.panes.values().map(|p| p.buffer.len()).sum();
        println!(
            "log panes: {PANES} panes, {} lines/s offered ({RATE_PER_POD}/s per pod), {secs} s",
            RATE_PER_POD as usize * PANES
        );
        println!(
            "  lines received        {:>10}  ({:.0} lines/s)",
            lines,
            lines as f64 / elapsed
        );
        println!(
            "  lines shown (applied) {:>10}  ({:.0} lines/s)",
            shown,
            shown as f64 / elapsed
        );
        println!("  lines lost (seq gaps) {:>10}", lost);
        println!(
            "  dropped by cap        {:>10}  (kept {kept}, cap {} per pane)",
            dropped, state.logs.cap
        );
        println!(
            "  batches               {:>10}  ({:.0} lines per batch)",
            batches,
            lines as f64 / batches.max(1) as f64
        );
        println!(
            "  frames                {:>10}  ({:.2} ms mean, {:.2} ms max per frame)",
            frames,
            frame_total.as_secs_f64() * 1000.0 / frames.max(1) as f64,
            frame_max.as_secs_f64() * 1000.0
        );
        println!(
            "  peak RSS (VmHWM)      {:>10} KiB ({:.1} MiB)",
            vm_hwm_kib(),
            vm_hwm_kib() as f64 / 1024.0
        );
        drop(tails);
        anyhow::Ok(())
    })
}
