//! How a context's cluster is doing: whether its API server answers (a cheap `GET /version`
//! probe, also run at once when a watcher loses its connection), and resource usage from
//! metrics.k8s.io when the cluster serves it.

use std::error::Error as StdError;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::{mpsc, watch as signal};

use super::emit::{Closed, Emitter};
use super::events::{ApiHealth, ClusterEvent, MetricsSnapshot};
use super::quantity;

/// Probe interval while the API answers.
const PROBE_EVERY: Duration = Duration::from_secs(5);
/// Probe interval while it does not: a returning API is noticed within about a second.
const RETRY_EVERY: Duration = Duration::from_secs(1);
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
const METRICS_EVERY: Duration = Duration::from_secs(15);

/// What the watchers share with the probe: they report lost connections, it says when the API
/// is back (the counter goes up).
#[derive(Clone)]
pub(crate) struct HealthLink {
    pub connection_errors: mpsc::Sender<String>,
    pub recovered: signal::Receiver<u64>,
}

/// The API could not be reached (as opposed to the API answering with an error status).
pub(crate) fn is_connection_error(e: &kube::Error) -> bool {
    matches!(
        e,
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::ReadEvents(_)
    )
}

/// An error as a short sentence. For a lost connection the deepest cause says what happened
/// (`Connection refused`, `peer closed connection ...`); the layers above it only add noise.
pub(crate) fn error_text(e: &kube::Error) -> String {
    if let kube::Error::Api(s) = e {
        return format!("{} ({})", s.message, s.code);
    }
    let mut deepest: &dyn StdError = e;
    while let Some(s) = deepest.source() {
        deepest = s;
    }
    let cause = deepest.to_string();
    // rustls appends a link to its manual: not for an operator's status bar.
    let cause = cause
        .split(": https://")
        .next()
        .unwrap_or_default()
        .to_string();
    if is_connection_error(e) {
        format!("connection failed: {cause}")
    } else if cause == e.to_string() {
        cause
    } else {
        format!("{e}: {cause}")
    }
}

pub(crate) async fn probe_api(
    client: kube::Client,
    out: Emitter,
    connection_errors: mpsc::Receiver<String>,
    recovered: signal::Sender<u64>,
) {
    let _ = probe_loop(client, out, connection_errors, recovered).await;
}

async fn probe_loop(
    client: kube::Client,
    out: Emitter,
    mut connection_errors: mpsc::Receiver<String>,
    recovered: signal::Sender<u64>,
) -> Result<(), Closed> {
    let mut last_seen = Timestamp::now();
    let mut reachable: Option<bool> = None;
    // A watcher lost its connection since the last good probe: failing watches should restart.
    let mut watcher_lost = false;
    let mut wait = Duration::ZERO;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            lost = connection_errors.recv() => match lost {
                Some(_) => watcher_lost = true,
                None => return Ok(()),
            },
        }
        let started = Instant::now();
        let answer = tokio::time::timeout(PROBE_TIMEOUT, client.apiserver_version()).await;
        match answer {
            Ok(Ok(_)) => {
                let latency = started.elapsed();
                last_seen = Timestamp::now();
                out.send(ClusterEvent::Api(ApiHealth::Reachable { latency }))
                    .await?;
                if reachable == Some(false) || watcher_lost {
                    recovered.send_modify(|n| *n += 1);
                }
                reachable = Some(true);
                watcher_lost = false;
                wait = PROBE_EVERY;
            }
            failed => {
                let error = match failed {
                    Ok(Err(e)) => error_text(&e),
                    _ => format!("no answer within {}s", PROBE_TIMEOUT.as_secs()),
                };
                if reachable != Some(false) {
                    out.send(ClusterEvent::Api(ApiHealth::Unreachable {
                        error,
                        since: last_seen,
                    }))
                    .await?;
                }
                reachable = Some(false);
                wait = RETRY_EVERY;
            }
        }
    }
}

pub(crate) async fn poll_metrics(client: kube::Client, out: Emitter, namespace: Option<String>) {
    loop {
        if let Some(snapshot) = metrics_report(metrics(&client, namespace.as_deref()).await)
            && out.send(ClusterEvent::Metrics(snapshot)).await.is_err()
        {
            return;
        }
        tokio::time::sleep(METRICS_EVERY).await;
    }
}

/// What a metrics poll tells the app: figures, "no metrics here" (the group is not served, its
/// metrics-server is down, or this user may not read it), or nothing new (the API itself failed;
/// the probe reports that).
fn metrics_report(polled: Result<MetricsSnapshot, kube::Error>) -> Option<Option<MetricsSnapshot>> {
    match polled {
        Ok(s) => Some(Some(s)),
        Err(kube::Error::Api(s)) if matches!(s.code, 403 | 404 | 503) => Some(None),
        Err(_) => None,
    }
}

/// Only the fields the tables use: a 100,000-pod PodMetricsList parsed into `DynamicObject`s
/// (labels, full metadata, `serde_json::Value` trees) costs hundreds of MiB every poll.
#[derive(serde::Deserialize)]
struct MetricsList<T> {
    items: Vec<T>,
}

#[derive(serde::Deserialize)]
struct MetricsMeta {
    name: String,
    #[serde(default)]
    namespace: String,
}

#[derive(serde::Deserialize, Default)]
struct MetricsUsage {
    #[serde(default)]
    cpu: String,
    #[serde(default)]
    memory: String,
}

#[derive(serde::Deserialize)]
struct NodeMetricsItem {
    metadata: MetricsMeta,
    #[serde(default)]
    usage: MetricsUsage,
}

#[derive(serde::Deserialize)]
struct ContainerMetricsItem {
    #[serde(default)]
    usage: MetricsUsage,
}

#[derive(serde::Deserialize)]
struct PodMetricsItem {
    metadata: MetricsMeta,
    #[serde(default)]
    containers: Vec<ContainerMetricsItem>,
}

fn usage_of(u: &MetricsUsage) -> (u64, u64) {
    (
        quantity::cpu_millis(&u.cpu).unwrap_or(0),
        quantity::bytes(&u.memory).unwrap_or(0),
    )
}

async fn metrics(
    client: &kube::Client,
    namespace: Option<&str>,
) -> Result<MetricsSnapshot, kube::Error> {
    let get = |path: String| {
        http::Request::get(path)
            .body(Vec::new())
            .expect("valid request")
    };
    let nodes: MetricsList<NodeMetricsItem> = client
        .request(get("/apis/metrics.k8s.io/v1beta1/nodes".into()))
        .await?;
    let pods_path = match namespace {
        Some(ns) => format!("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods"),
        None => "/apis/metrics.k8s.io/v1beta1/pods".into(),
    };
    let pods: MetricsList<PodMetricsItem> = client.request(get(pods_path)).await?;
    Ok(MetricsSnapshot {
        nodes: nodes
            .items
            .into_iter()
            .map(|n| {
                let (cpu, mem) = usage_of(&n.usage);
                (n.metadata.name, cpu, mem)
            })
            .collect(),
        pods: pods
            .items
            .into_iter()
            .map(|p| {
                let (cpu, mem) = p
                    .containers
                    .iter()
                    .map(|c| usage_of(&c.usage))
                    .fold((0, 0), |(a, b), (c, m)| (a + c, b + m));
                ((p.metadata.namespace, p.metadata.name), cpu, mem)
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_reads_metrics_quantities() {
        let u: MetricsUsage =
            serde_json::from_value(serde_json::json!({"cpu": "250m", "memory": "64Mi"})).unwrap();
        assert_eq!(usage_of(&u), (250, 64 * 1024 * 1024));
        let nano: MetricsUsage =
            serde_json::from_value(serde_json::json!({"cpu": "1500000n"})).unwrap();
        assert_eq!(usage_of(&nano), (2, 0));
    }

    #[test]
    fn api_status_errors_are_not_connection_errors() {
        let e = kube::Error::Api(
            kube::core::Status::failure("forbidden", "Forbidden")
                .with_code(403)
                .boxed(),
        );
        assert!(!is_connection_error(&e));
        assert_eq!(error_text(&e), "forbidden (403)");
    }

    #[test]
    fn absent_metrics_group_reports_no_metrics_and_outages_report_nothing() {
        let status = |code| {
            kube::Error::Api(
                kube::core::Status::failure(
                    "the server could not find the requested resource",
                    "NotFound",
                )
                .with_code(code)
                .boxed(),
            )
        };
        assert_eq!(metrics_report(Err(status(404))), Some(None));
        assert_eq!(metrics_report(Err(status(503))), Some(None));
        assert_eq!(metrics_report(Err(status(403))), Some(None));
        assert_eq!(metrics_report(Err(status(500))), None);
        let lost = kube::Error::ReadEvents(std::io::Error::other("reset"));
        assert_eq!(metrics_report(Err(lost)), None);
        let s = MetricsSnapshot::default();
        assert_eq!(metrics_report(Ok(s.clone())), Some(Some(s)));
    }

    #[test]
    fn connection_errors_read_as_their_deepest_cause() {
        let io = std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "peer closed connection: https://docs.rs/rustls",
        );
        let e = kube::Error::ReadEvents(io);
        assert!(is_connection_error(&e));
        assert_eq!(error_text(&e), "connection failed: peer closed connection");
    }
}
