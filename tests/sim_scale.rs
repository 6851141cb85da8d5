//! The simulator at benchmark size: `kockpit sim --nodes 5000 --pods 100000` serves every pod to
//! a paging kubectl in each context and stays under 2 GiB resident. Its ready time is printed,
//! not asserted (6 s idle, 26 s when the 2 cores are busy compiling): speed is measured by the
//! cockpit bench, which prints it too; wall time here only guards against a hang.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn hundred_thousand_pods_per_context_are_served_in_pages() {
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = home.path().join("kubeconfig");
    let started = Instant::now();
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_kockpit"))
            .args([
                "sim",
                "--nodes",
                "5000",
                "--pods",
                "100000",
                "--kubeconfig-out",
            ])
            .arg(&kubeconfig)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let ready = started.elapsed();
    assert_eq!(
        first.trim(),
        format!("kubeconfig: {}", kubeconfig.display())
    );
    eprintln!("simulator ready after {ready:?}");
    assert!(
        ready < Duration::from_secs(180),
        "not ready after {ready:?}: hung?"
    );

    for ctx in ["prod", "stg"] {
        let out = Command::new("kubectl")
            .env("HOME", home.path())
            .args([
                "--kubeconfig",
                kubeconfig.to_str().unwrap(),
                "--context",
                ctx,
                "get",
                "pods",
                "-A",
                "--chunk-size=500",
                "-o",
                "name",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let names = String::from_utf8_lossy(&out.stdout);
        assert_eq!(names.lines().count(), 100_000, "context {ctx}");
        assert!(names.lines().all(|l| l.starts_with("pod/")));
    }
    let rss = resident_bytes(child.0.id());
    eprintln!("simulator resident: {} MiB", rss / (1024 * 1024));
    assert!(
        rss > 0 && rss < 2 * 1024 * 1024 * 1024,
        "resident {rss} bytes"
    );
}
