//! The idle cockpit: `cargo bench --bench idle`.
//!
//! Spawns `kockpit sim --nodes 5000 --pods 100000` (KOCKPIT_BENCH_PODS overrides the pods),
//! runs the real cockpit on `prod` and `stg` in a tmux window of 200x50 (tmux is the terminal),
//! waits for both contexts' pods to be on the health strip and the process to settle, then for
//! KOCKPIT_BENCH_IDLE_SECS (default 30) touches nothing and reports the cockpit's CPU time (from
//! /proc/PID/stat), the bytes it wrote to its terminal (tmux `pipe-pane`), and its resident
//! memory. It prints; it never asserts on time.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

mod support;

use support::{binary, start_sim};

const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;

struct Tmux(String);

impl Tmux {
    fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new("tmux")
            .args(["-L", &self.0])
            .args(args)
            .output()
            .context("running tmux")?;
        if !out.status.success() {
            bail!("tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// utime + stime of `pid`, in clock ticks (USER_HZ, 100 on Linux).
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let rest = &stat[stat.rfind(')').context("stat format")? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Ok(f[11].parse::<u64>()? + f[12].parse::<u64>()?)
}

fn rss_mib(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("VmRSS")?;
    Ok(kib as f64 / 1024.0)
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn main() -> anyhow::Result<()> {
    let pods: usize = std::env::var("KOCKPIT_BENCH_PODS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let idle = Duration::from_secs(
        std::env::var("KOCKPIT_BENCH_IDLE_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(30),
    );
    let (_sim, kubeconfig) = start_sim(&["--nodes", "5000", "--pods", &pods.to_string()])?;
    let home = tempfile::tempdir()?;
    let written = home.path().join("terminal.bytes");
    let tmux = Tmux(format!("kockpit-bench-idle-{}", std::process::id()));
    let command = format!(
        "env -u XDG_CONFIG_HOME HOME={} TERM=xterm-256color {} --kubeconfig {} --context prod,stg",
        home.path().display(),
        binary()?.display(),
        kubeconfig.display()
    );
    let started = Instant::now();
    tmux.run(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "main",
        "-x",
        &WIDTH.to_string(),
        "-y",
        &HEIGHT.to_string(),
        &command,
    ])?;
    let pid: u32 = tmux
        .run(&["display-message", "-p", "-t", "main", "#{pane_pid}"])?
        .trim()
        .parse()
        .context("the pane's pid")?;
    // Synced: both health lines count every pod of their context.
    let synced = |screen: &str| {
        screen
            .lines()
            .filter_map(|l| l.split("not running of ").nth(1))
            .filter_map(|rest| rest.split_whitespace().next()?.parse::<usize>().ok())
            .filter(|n| *n >= pods)
            .count()
            >= 2
    };
    loop {
        let screen = tmux.run(&["capture-pane", "-p", "-t", "main"])?;
        if synced(&screen) {
            break;
        }
        if started.elapsed() > Duration::from_secs(300) {
            bail!("not synced after 300 s:\n{screen}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!(
        "synced: both contexts' {pods} pods on the health strip after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Let the last events and the allocator settle before measuring.
    std::thread::sleep(Duration::from_secs(5));
    tmux.run(&[
        "pipe-pane",
        "-o",
        "-t",
        "main",
        &format!("cat >> {}", written.display()),
    ])?;
    let (cpu0, bytes0) = (cpu_ticks(pid)?, file_len(&written));
    let t0 = Instant::now();
    std::thread::sleep(idle);
    let (cpu1, bytes1) = (cpu_ticks(pid)?, file_len(&written));
    let secs = t0.elapsed().as_secs_f64();
    let cpu_secs = (cpu1 - cpu0) as f64 / 100.0;
    println!("idle {secs:.0} s, 2 contexts x ({pods} pods + 5000 nodes), {WIDTH}x{HEIGHT}:");
    println!(
        "  CPU: {cpu_secs:.2} s = {:.2} % of a core        (target < 1 %)",
        100.0 * cpu_secs / secs
    );
    println!(
        "  terminal bytes: {} = {:.0} B/s              (target <= 1024 B/s)",
        bytes1 - bytes0,
        (bytes1 - bytes0) as f64 / secs
    );
    println!("  resident memory: {:.1} MiB", rss_mib(pid)?);
    Ok(())
}
