//! The test control API under `/_sim/`: faults and nudges a test injects into one cluster.
//! Not part of Kubernetes; served on each cluster's own port, and answered even while that
//! cluster's API is "down".

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http::{Method, Response};
use serde_json::json;

use super::cluster::{Cluster, InjectedLine, rt};
use super::controllers::{kubelet, nodes};
use super::error::ApiError;
use super::http::{self as h, Body};
use super::query::Query;

pub fn handle(
    cluster: &Arc<Cluster>,
    method: &Method,
    path: &[String],
    q: &Query,
    body: &Bytes,
) -> Response<Body> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let ok = |what: String| h::json(200, &json!({"cluster": cluster.name, "done": what}));
    let result: Result<Response<Body>, ApiError> = match (method, p.as_slice()) {
        (&Method::GET, ["status"]) => {
            let count = |g: &str, r: &str| cluster.store.count(rt(g, r));
            Ok(h::json(
                200,
                &json!({
                    "cluster": cluster.name,
                    "down": cluster.faults.is_down(),
                    "latencyMs": cluster.faults.latency().as_millis() as u64,
                    "resourceVersion": cluster.store.resource_version(),
                    "nodes": count("", "nodes"),
                    "pods": count("", "pods"),
                    "deployments": count("apps", "deployments"),
                }),
            ))
        }
        (&Method::POST, ["down"]) => {
            cluster.faults.down.store(true, Ordering::SeqCst);
            cluster.faults.drop_watches();
            Ok(ok("api down".into()))
        }
        (&Method::POST, ["up"]) => {
            cluster.faults.down.store(false, Ordering::SeqCst);
            Ok(ok("api up".into()))
        }
        (&Method::POST, ["latency"]) => match q.number("ms") {
            Ok(Some(ms)) if ms >= 0 => {
                cluster.faults.latency_ms.store(ms as u64, Ordering::SeqCst);
                Ok(ok(format!("latency {ms}ms")))
            }
            _ => Err(ApiError::bad_request("latency needs ?ms=N")),
        },
        (&Method::POST, ["drop-watches"]) => {
            cluster.faults.drop_watches();
            Ok(ok("watches dropped".into()))
        }
        (&Method::POST, ["compact"]) => {
            cluster.store.compact();
            cluster.faults.drop_watches();
            Ok(ok("history compacted".into()))
        }
        (&Method::POST, ["nodes", node, state @ ("ready" | "notready")]) => {
            if nodes::set_node_ready(cluster, node, *state == "ready") {
                Ok(ok(format!("node {node} {state}")))
            } else {
                Err(ApiError::not_found(rt("", "nodes"), node))
            }
        }
        (&Method::POST, ["pods", ns, name, "crash"]) => {
            let code = q.number("exitCode").ok().flatten().unwrap_or(1);
            let reason = if code == 137 { "OOMKilled" } else { "Error" };
            if kubelet::crash(cluster, ns, name, code, reason) {
                Ok(ok(format!("pod {ns}/{name} crashed")))
            } else {
                Err(ApiError::not_found(rt("", "pods"), name))
            }
        }
        (&Method::POST, ["pods", ns, name, "log"]) => {
            let Some(container) = q.get("container").map(str::to_string).or_else(|| {
                cluster
                    .store
                    .try_get(rt("", "pods"), ns, name)
                    .and_then(|p| {
                        p.value()["spec"]["containers"][0]["name"]
                            .as_str()
                            .map(str::to_string)
                    })
            }) else {
                return h::error(&ApiError::not_found(rt("", "pods"), name));
            };
            let text = String::from_utf8_lossy(body).into_owned();
            for line in text.lines() {
                let _ = cluster.injected_logs.send(InjectedLine {
                    namespace: ns.to_string(),
                    pod: name.to_string(),
                    container: container.clone(),
                    line: line.to_string(),
                });
            }
            Ok(ok(format!("{} line(s) injected", text.lines().count())))
        }
        (&Method::POST, ["deployments", ns, name, "restart"]) => {
            let now = super::store::now_rfc3339();
            cluster
                .store
                .update(rt("apps", "deployments"), ns, name, |d| {
                    d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] = json!(now);
                    Ok(true)
                })
                .map(|_| ok(format!("deployment {ns}/{name} rolling")))
        }
        _ => Err(ApiError::path_not_found()),
    };
    result.unwrap_or_else(|e| h::error(&e))
}
