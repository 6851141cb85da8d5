//! Shared by the benchmarks: a `kockpit sim` child process and the process's resident memory.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, bail};

/// Kills the simulator however the bench ends.
pub struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `target/release/kockpit`, or KOCKPIT_BIN.
pub fn binary() -> anyhow::Result<PathBuf> {
    let bin = std::env::var_os("KOCKPIT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/kockpit")
        });
    if !bin.exists() {
        bail!(
            "{} not found: run `cargo build --release` first (or set KOCKPIT_BIN)",
            bin.display()
        );
    }
    Ok(bin)
}

/// Starts `kockpit sim ARGS` and returns it with the kubeconfig path it printed.
pub fn start_sim(args: &[&str]) -> anyhow::Result<(Sim, PathBuf)> {
    let bin = binary()?;
    println!("starting {} sim {} …", bin.display(), args.join(" "));
    let started = Instant::now();
    let mut child = Command::new(&bin)
        .arg("sim")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("spawning {}", bin.display()))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let sim = Sim(child);
    let mut path = None;
    for line in BufReader::new(stdout).lines() {
        if let Some(p) = line?.strip_prefix("kubeconfig: ") {
            path = Some(PathBuf::from(p));
            break;
        }
    }
    let path = path.context("the simulator exited before printing its kubeconfig")?;
    println!(
        "simulator ready in {:.1} s (not part of the figures)",
        started.elapsed().as_secs_f64()
    );
    Ok((sim, path))
}

/// This process's resident set (VmRSS), in KiB.
pub fn rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("VmRSS in /proc/self/status")
}
