//! Where a full sync's time goes: `cargo bench --bench sync_parts`.
//!
//! Spawns `kockpit sim --nodes 5000 --pods 100000` (KOCKPIT_BENCH_PODS overrides the pods) and
//! lists prod's pods through kube-rs's client as the watcher's initial list does (paged, `limit`
//! per page), in three parts measured apart: (1) the simulator serving the pages and the bytes
//! crossing TLS (the body kept as text, nothing decoded), at several page sizes; (2) decoding
//! those bodies on one core: the JSON grammar alone (`IgnoredAny`, the floor any projection
//! pays), into k8s-openapi `Pod`s (what the watcher does today), and on into the cockpit's
//! `PodRow`s. It prints; it never asserts on time.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use serde::Deserialize;
use serde::de::IgnoredAny;

use kockpit::cluster::kubeconfig;
use kockpit::cluster::rows::PodRow;

mod support;

use support::start_sim;

#[derive(Deserialize)]
struct List<T> {
    #[serde(default)]
    metadata: ListMeta,
    items: Vec<T>,
}

#[derive(Deserialize, Default)]
struct ListMeta {
    #[serde(rename = "continue", default)]
    continue_: Option<String>,
}

struct Pages {
    bodies: Vec<String>,
    objects: usize,
    bytes: usize,
    took: Duration,
}

async fn fetch(client: &kube::Client, limit: usize) -> anyhow::Result<Pages> {
    let mut pages = Pages {
        bodies: Vec::new(),
        objects: 0,
        bytes: 0,
        took: Duration::ZERO,
    };
    let started = Instant::now();
    let mut token: Option<String> = None;
    loop {
        let mut uri = format!("/api/v1/pods?limit={limit}");
        if let Some(t) = &token {
            uri.push_str("&continue=");
            uri.push_str(t);
        }
        let req = http::Request::get(uri).body(Vec::new())?;
        let body = client.request_text(req).await?;
        let page: List<IgnoredAny> = serde_json::from_str(&body)?;
        pages.objects += page.items.len();
        pages.bytes += body.len();
        pages.bodies.push(body);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => token = Some(c),
            None => break,
        }
    }
    pages.took = started.elapsed();
    Ok(pages)
}

fn rate(objects: usize, took: Duration) -> String {
    format!(
        "{:>9.0} objects/s ({:.2} s)",
        objects as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    )
}

/// Decodes every page with `f`, on this thread; returns the time.
fn decode(pages: &Pages, f: impl Fn(&str) -> usize) -> (usize, Duration) {
    let started = Instant::now();
    let n = pages.bodies.iter().map(|b| f(b)).sum();
    (n, started.elapsed())
}

fn main() -> anyhow::Result<()> {
    let pods = std::env::var("KOCKPIT_BENCH_PODS").unwrap_or_else(|_| "100000".into());
    let (sim, path) = start_sim(&["--nodes", "5000", "--pods", &pods])?;
    let runtime = tokio::runtime::Runtime::new()?;
    let loaded = kubeconfig::load(Some(&path), "prod")?;
    let client = runtime.block_on(loaded.client("prod"))?;

    println!("(1) serving: paged list of prod's pods, bodies kept as text");
    let mut kept = None;
    for limit in [500, 2000, 10000] {
        let pages = runtime.block_on(fetch(&client, limit))?;
        println!(
            "  limit {limit:>5}: {} pages, {} MiB, {}",
            pages.bodies.len(),
            pages.bytes >> 20,
            rate(pages.objects, pages.took)
        );
        if limit == 500 {
            kept = Some(pages);
        }
    }
    drop(sim);
    let pages = kept.expect("the limit-500 pages");
    println!(
        "(2) decoding on one core, {} pods, {:.0} bytes per pod",
        pages.objects,
        pages.bytes as f64 / pages.objects as f64
    );
    let (n, t) = decode(&pages, |b| {
        serde_json::from_str::<List<IgnoredAny>>(b)
            .map(|l| l.items.len())
            .unwrap_or(0)
    });
    println!("  JSON grammar only (IgnoredAny):  {}", rate(n, t));
    let (n, t) = decode(&pages, |b| {
        serde_json::from_str::<List<Pod>>(b)
            .map(|l| l.items.len())
            .unwrap_or(0)
    });
    println!("  k8s-openapi Pod:                 {}", rate(n, t));
    let (n, t) = decode(&pages, |b| {
        serde_json::from_str::<List<Pod>>(b)
            .map(|l| l.items.iter().map(PodRow::from_pod).count())
            .unwrap_or(0)
    });
    println!("  Pod, then PodRow:                {}", rate(n, t));
    Ok(())
}
