//! Container logs: lines generated from the container's start time at a steady rate (so any
//! window — tail, since, previous — is computed, not stored), plus lines injected by tests.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use tokio::sync::mpsc;

use super::cluster::{Cluster, rt};
use super::error::ApiError;
use super::http::{self as h, Body};
use super::query::Query;

/// Lines per second a container writes, from the pod template (default 1).
pub const RATE: &str = "sim.kockpit.dev/log-lines-per-second";
/// Generated lines one request returns at most (kubectl's default has no limit; a runaway
/// since=all on a fast container must not build gigabytes).
const MAX_LINES: u64 = 200_000;

/// Pure: the text of line `k` a container writes, in the style of its application.
pub fn line(style: &str, pod: &str, k: u64, at: Timestamp) -> String {
    // Replicas write different lines at the same moment: offset the sequence by the pod name.
    let k = k + pod
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
        % 1000;
    let ip = format!("100.96.{}.{}", (k * 7) % 250, (k * 13) % 250 + 2);
    let klog_time = at.strftime("%m%d %H:%M:%S%.6f");
    match style {
        "nginx-ingress" => {
            let paths = [
                "/",
                "/healthz",
                "/api/v1/users",
                "/static/app.js",
                "/login",
                "/favicon.ico",
            ];
            let codes = [200, 200, 200, 304, 200, 404, 200, 502];
            format!(
                "{ip} - - [{}] \"GET {} HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0\" {} {:.3} [default-web-80] {pod}",
                at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                paths[(k % paths.len() as u64) as usize],
                codes[(k % codes.len() as u64) as usize],
                512 + (k * 37) % 4096,
                300 + k % 200,
                (k % 97) as f64 / 1000.0
            )
        }
        "cert-manager" => format!(
            "I{klog_time}       1 controller.go:162] \"re-queuing item due to optimistic locking on resource\" logger=\"cert-manager.certificates-trigger\" key=\"default/tls-{}\" seq={k}",
            k % 5
        ),
        "coredns" => format!(
            "[INFO] {ip}:{} - {} \"A IN kubernetes.default.svc.cluster.local. udp 54 false 512\" NOERROR qr,aa,rd 106 0.000{:03}s",
            30000 + k % 30000,
            k % 65536,
            k % 1000
        ),
        "keycloak" => format!(
            "{} INFO  [org.keycloak.events] (executor-thread-{}) type=LOGIN, realmId=ops, clientId=kubeapps, userId={}, ipAddress={ip}",
            at.strftime("%Y-%m-%d %H:%M:%S,%3f"),
            k % 16,
            k % 40
        ),
        "kube-router" => format!(
            "I{klog_time}       1 network_routes_controller.go:{}] Syncing ipsets, seq {k}",
            300 + k % 50
        ),
        "kubeapps" => format!(
            "{ip} - - [{}] \"GET /api/kube/healthz HTTP/1.1\" 200 2 seq={k}",
            at.strftime("%d/%b/%Y:%H:%M:%S +0000")
        ),
        "dokuwiki" => format!(
            "[{}] [php:notice] [pid {}] wiki: page view start seq={k}",
            at.strftime("%a %b %d %H:%M:%S%.6f %Y"),
            100 + k % 50
        ),
        _ => format!(
            "64 bytes from 8.8.8.8: seq={k} ttl=117 time={:.3} ms",
            1.0 + (k % 90) as f64 / 10.0
        ),
    }
}

/// The log style for a container: its app label, else its name.
fn style_of(pod: &Value, container: &str) -> String {
    let app = pod["metadata"]["labels"]["app"]
        .as_str()
        .or_else(|| pod["metadata"]["labels"]["app.kubernetes.io/name"].as_str());
    app.unwrap_or(container).to_string()
}

fn rate_of(pod: &Value) -> f64 {
    pod["metadata"]["annotations"][RATE]
        .as_str()
        .and_then(|r| r.parse().ok())
        .filter(|r: &f64| *r > 0.0)
        .unwrap_or(1.0)
}

struct Window {
    start: Timestamp,
    end: Option<Timestamp>,
    rate: f64,
    style: String,
}

impl Window {
    fn at(&self, k: u64) -> Timestamp {
        self.start + SignedDuration::from_secs_f64(k as f64 / self.rate)
    }

    /// Lines written strictly before `t`.
    fn count_before(&self, t: Timestamp) -> u64 {
        let t = self.end.map_or(t, |e| e.min(t));
        let secs = t.duration_since(self.start).as_secs_f64();
        if secs <= 0.0 {
            0
        } else {
            (secs * self.rate).ceil() as u64
        }
    }
}

fn format_line(w: &Window, pod: &str, k: u64, timestamps: bool) -> String {
    let at = w.at(k);
    let text = line(&w.style, pod, k, at);
    if timestamps {
        format!("{} {text}\n", at.strftime("%Y-%m-%dT%H:%M:%S%.9fZ"))
    } else {
        format!("{text}\n")
    }
}

fn ts(v: &Value) -> Option<Timestamp> {
    v.as_str().and_then(|s| s.parse().ok())
}

fn bad(msg: String) -> ApiError {
    ApiError::bad_request(msg)
}

pub fn logs(
    cluster: Arc<Cluster>,
    ns: &str,
    name: &str,
    q: &Query,
) -> Result<Response<Body>, ApiError> {
    let pod = cluster.store.get(rt("", "pods"), ns, name)?.value();
    let containers: Vec<String> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    let container = match q.get("container") {
        Some(c) => c.to_string(),
        None if containers.len() == 1 => containers[0].clone(),
        None => {
            return Err(bad(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            )));
        }
    };
    let Some(status) = pod["status"]["containerStatuses"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == container.as_str()))
        .cloned()
    else {
        if containers.contains(&container) {
            return Err(bad(format!(
                "container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"
            )));
        }
        return Err(bad(format!(
            "container {container} is not valid for pod {name}"
        )));
    };
    let previous = q.flag("previous");
    let follow = q.flag("follow") && !previous;
    let timestamps = q.flag("timestamps");
    let (start, end) = if previous {
        let t = &status["lastState"]["terminated"];
        match (ts(&t["startedAt"]), ts(&t["finishedAt"])) {
            (Some(s), Some(e)) => (s, Some(e)),
            _ => {
                return Err(bad(format!(
                    "previous terminated container \"{container}\" in pod \"{name}\" not found"
                )));
            }
        }
    } else if let Some(s) = ts(&status["state"]["running"]["startedAt"]) {
        (s, None)
    } else if let (Some(s), Some(e)) = (
        ts(&status["state"]["terminated"]["startedAt"]),
        ts(&status["state"]["terminated"]["finishedAt"]),
    ) {
        (s, Some(e))
    } else if let (Some(s), Some(e)) = (
        ts(&status["lastState"]["terminated"]["startedAt"]),
        ts(&status["lastState"]["terminated"]["finishedAt"]),
    ) {
        // Waiting in CrashLoopBackOff: the logs are the last run's, as with the real kubelet.
        (s, Some(e))
    } else {
        let reason = status["state"]["waiting"]["reason"]
            .as_str()
            .unwrap_or("ContainerCreating");
        return Err(bad(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: {reason}"
        )));
    };
    let w = Window {
        start,
        end,
        rate: rate_of(&pod),
        style: style_of(&pod, &container),
    };
    let now = Timestamp::now();
    let total = w.count_before(now);
    let mut first = total.saturating_sub(MAX_LINES);
    if let Some(since) = q.number("sinceSeconds").map_err(bad)? {
        first = first.max(w.count_before(now - SignedDuration::from_secs(since)));
    }
    if let Some(since) = q.get("sinceTime").and_then(|t| t.parse::<Timestamp>().ok()) {
        first = first.max(w.count_before(since));
    }
    if let Some(tail) = q.number("tailLines").map_err(bad)?.filter(|t| *t >= 0) {
        first = first.max(total.saturating_sub(tail as u64));
    }
    let limit_bytes = q
        .number("limitBytes")
        .map_err(bad)?
        .map(|l| l.max(0) as usize);
    let mut history = String::new();
    for k in first..total {
        history.push_str(&format_line(&w, name, k, timestamps));
    }
    if !follow {
        if let Some(l) = limit_bytes {
            history.truncate(l);
        }
        return Ok(h::text(200, history));
    }
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let pod_name = name.to_string();
    let ns = ns.to_string();
    let started_at = status["state"]["running"]["startedAt"].clone();
    let mut injected = cluster.injected_logs.subscribe();
    tokio::spawn(async move {
        if !history.is_empty() && tx.send(Bytes::from(history)).await.is_err() {
            return;
        }
        let mut next = total;
        let step = Duration::from_secs_f64((1.0 / w.rate).clamp(0.02, 0.5));
        let mut tick = tokio::time::interval(step);
        let mut check = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let upto = w.count_before(Timestamp::now());
                    if upto > next {
                        let mut chunk = String::new();
                        for k in next..upto {
                            chunk.push_str(&format_line(&w, &pod_name, k, timestamps));
                        }
                        next = upto;
                        if tx.send(Bytes::from(chunk)).await.is_err() {
                            return;
                        }
                    }
                }
                line = injected.recv() => {
                    if let Ok(l) = line
                        && l.namespace == ns && l.pod == pod_name && l.container == container
                    {
                        let text = if timestamps {
                            format!("{} {}\n", Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.9fZ"), l.line)
                        } else {
                            format!("{}\n", l.line)
                        };
                        if tx.send(Bytes::from(text)).await.is_err() {
                            return;
                        }
                    }
                }
                _ = check.tick() => {
                    // The stream ends when the container does, as `kubectl logs -f` does.
                    let alive = cluster.store.try_get(rt("", "pods"), &ns, &pod_name).is_some_and(|p| {
                        let v = p.value();
                        v["status"]["containerStatuses"].as_array().and_then(|s| s.iter().find(|s| s["name"] == container.as_str())).is_some_and(|s| s["state"]["running"]["startedAt"] == started_at)
                    });
                    if !alive {
                        return;
                    }
                }
                _ = tx.closed() => return,
            }
        }
    });
    Ok(Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "text/plain")
        .header("Transfer-Encoding", "chunked")
        .body(h::streaming(rx))
        .expect("valid response"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_counts_lines_by_rate() {
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let w = Window {
            start,
            end: None,
            rate: 2.0,
            style: "x".into(),
        };
        assert_eq!(w.count_before(start + SignedDuration::from_secs(10)), 20);
        assert_eq!(w.count_before(start - SignedDuration::from_secs(1)), 0);
        let ended = Window {
            end: Some(start + SignedDuration::from_secs(3)),
            ..w
        };
        assert_eq!(
            ended.count_before(start + SignedDuration::from_secs(100)),
            6
        );
    }

    #[test]
    fn lines_are_deterministic_per_index() {
        let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            line("nginx-ingress", "p", 3, at),
            line("nginx-ingress", "p", 3, at)
        );
        assert!(line("nginx-ingress", "p", 3, at).contains("HTTP/1.1"));
        assert!(line("busybox", "p", 3, at).contains("seq="));
        assert_ne!(line("busybox", "a", 3, at), line("busybox", "b", 3, at));
    }
}
