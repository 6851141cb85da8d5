//! What runs behind a pod's ports: a small HTTP server per connection, as the simulated
//! application would answer (kubeapps serves its dashboard page).

use std::sync::Arc;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::cluster::{Cluster, rt};
use super::portforward::Connector;

/// Pod template annotation naming the page title the backend serves.
pub const HTTP_TITLE: &str = "sim.kockpit.dev/http-title";

/// Pure: the HTTP response a pod's backend gives to a request for `path`.
pub fn respond(pod: &Value, port: u16, path: &str) -> Vec<u8> {
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let title = pod["metadata"]["annotations"][HTTP_TITLE]
        .as_str()
        .or_else(|| pod["metadata"]["labels"]["app"].as_str())
        .unwrap_or(name);
    let (status, body) = if path == "/healthz" {
        ("200 OK", "ok\n".to_string())
    } else {
        (
            "200 OK",
            format!(
                "<!DOCTYPE html>\n<html><head><title>{title}</title></head><body><h1>{title}</h1><p>Served by pod {name} on port {port}.</p></body></html>\n"
            ),
        )
    };
    format!("HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nX-Served-By: {name}\r\nX-Request-Path: {path}\r\n\r\n{body}", body.len()).into_bytes()
}

/// Serves HTTP/1.1 requests (keep-alive) on one forwarded connection until the client closes.
async fn serve_http(mut io: DuplexStream, pod: Value, port: u16) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            match io.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if buf.len() > 64 * 1024 {
                return;
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end + 4);
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let close = head.to_ascii_lowercase().contains("connection: close");
        if io.write_all(&respond(&pod, port, &path)).await.is_err() || close {
            let _ = io.shutdown().await;
            return;
        }
    }
}

/// Opens connections to `port` of pod `ns/name`, checking the pod is still running each time.
pub fn connector(cluster: Arc<Cluster>, ns: String, name: String) -> Connector {
    Arc::new(move |port: u16| {
        let cluster = cluster.clone();
        let ns = ns.clone();
        let name = name.clone();
        Box::pin(async move {
            let pod = cluster
                .store
                .try_get(rt("", "pods"), &ns, &name)
                .map(|p| p.value())
                .filter(|p| {
                    p["status"]["phase"] == "Running"
                        && p["metadata"]["deletionTimestamp"].is_null()
                })
                .ok_or_else(|| {
                    format!("error forwarding port {port} to pod {name}: pod is not running")
                })?;
            let (client, server) = tokio::io::duplex(64 * 1024);
            tokio::spawn(serve_http(server, pod, port));
            Ok(client)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kubeapps_pod_serves_its_dashboard_title() {
        let pod = json!({"metadata":{"name":"kubeapps-abc","labels":{"app":"kubeapps"},"annotations":{HTTP_TITLE:"Kubeapps"}}});
        let text = String::from_utf8(respond(&pod, 8080, "/")).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK"));
        assert!(text.contains("<title>Kubeapps</title>"));
        assert!(text.contains("kubeapps-abc"));
    }
}
