//! Port-forward against real clients: kubectl (SPDY, plain and tunneled through a WebSocket) and
//! kube-rs (WebSocket v4), through a minimal plain-HTTP API server that uses
//! `kockpit::sim::portforward` for the `pods/web/portforward` subresource.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use k8s_openapi::api::core::v1::Pod;
use kockpit::sim::portforward::{self, Connector, Protocol};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

const DEADLINE: Duration = Duration::from_secs(30);
/// Port for which the simulated pod refuses connections.
const CLOSED_PORT: u16 = 9;

struct Server {
    addr: SocketAddr,
    /// Protocols negotiated for port-forward upgrades, in order.
    protocols: Arc<Mutex<Vec<Protocol>>>,
}

/// In-memory HTTP responder standing in for the pod: reads one request head, answers with a body
/// naming the port, closes.
fn connector() -> Connector {
    Arc::new(|port: u16| {
        async move {
            if port == CLOSED_PORT {
                return Err(format!("connection refused on port {port}"));
            }
            let (client, mut pod) = tokio::io::duplex(64 * 1024);
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match pod.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let body = format!("hello from port {port}\n");
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = pod.write_all(resp.as_bytes()).await;
                let _ = pod.shutdown().await;
            });
            Ok(client)
        }
        .boxed()
    })
}

fn json(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

const VERSION: &str = r#"{"major":"1","minor":"32","gitVersion":"v1.32.4","gitCommit":"0000000000000000000000000000000000000000","gitTreeState":"clean","buildDate":"2025-01-01T00:00:00Z","goVersion":"go1.23.6","compiler":"gc","platform":"linux/amd64"}"#;
const POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","uid":"6f1b4a52-1111-4c4c-9e9e-000000000001","resourceVersion":"1"},"spec":{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"}]}]},"status":{"phase":"Running","podIP":"10.0.0.7"}}"#;
const API_VERSIONS: &str = r#"{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]}"#;
const API_GROUPS: &str = r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[]}"#;
const CORE_V1: &str = r#"{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"]},{"name":"pods/portforward","singularName":"","namespaced":true,"kind":"PodPortForwardOptions","verbs":["create","get"]}]}"#;

async fn handle(
    req: Request<Incoming>,
    reject_tunnel: bool,
    protocols: Arc<Mutex<Vec<Protocol>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    let resp = match path.as_str() {
        "/version" => json(StatusCode::OK, VERSION),
        "/api" => json(StatusCode::OK, API_VERSIONS),
        "/apis" => json(StatusCode::OK, API_GROUPS),
        "/api/v1" => json(StatusCode::OK, CORE_V1),
        "/api/v1/namespaces/default/pods/web" => json(StatusCode::OK, POD),
        "/api/v1/namespaces/default/pods/web/portforward" => {
            let mut protocol = portforward::negotiate(req.headers(), req.method());
            if reject_tunnel && protocol == Protocol::TunneledSpdy {
                protocol = Protocol::Unsupported;
            }
            protocols.lock().unwrap().push(protocol);
            let ports = match portforward::ports_from_query(req.uri().query()) {
                Ok(p) => p,
                Err(e) => return Ok(json(StatusCode::BAD_REQUEST, &format!("{e:?}"))),
            };
            let head = portforward::switching_protocols(&protocol, req.headers());
            if head.status() != StatusCode::SWITCHING_PROTOCOLS {
                let status = r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"upgrade request required","reason":"BadRequest","code":400}"#;
                return Ok(json(head.status(), status));
            }
            tokio::spawn(async move {
                match hyper::upgrade::on(req).await {
                    Ok(upgraded) => {
                        let io = TokioIo::new(upgraded);
                        if let Err(e) = portforward::serve(protocol, io, ports, connector()).await {
                            eprintln!("port-forward session ended with error: {e}");
                        }
                    }
                    Err(e) => eprintln!("upgrade failed: {e}"),
                }
            });
            head.map(|()| Full::new(Bytes::new()))
        }
        _ => json(
            StatusCode::NOT_FOUND,
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#,
        ),
    };
    Ok(resp)
}

async fn start_server(reject_tunnel: bool) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let protocols = Arc::new(Mutex::new(Vec::new()));
    let log = protocols.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| handle(req, reject_tunnel, log.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), svc)
                    .with_upgrades()
                    .await;
            });
        }
    });
    Server { addr, protocols }
}

/// One HTTP GET through the forwarded local port; returns the whole response.
async fn http_get(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    timeout(DEADLINE, s.read_to_end(&mut out))
        .await
        .expect("response through port-forward within deadline")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

struct Kubectl {
    child: tokio::process::Child,
    local_port: u16,
    stderr: Arc<Mutex<String>>,
    /// Signalled after every stderr line.
    stderr_changed: Arc<tokio::sync::Notify>,
    _dir: tempfile::TempDir,
}

async fn start_kubectl(server: &Server, remote_port: u16) -> Kubectl {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: http://{}\nusers:\n- name: sim\n  user: {{}}\ncontexts:\n- name: sim\n  context:\n    cluster: sim\n    user: sim\n    namespace: default\ncurrent-context: sim\n",
            server.addr
        ),
    )
    .unwrap();
    let mut child = tokio::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["port-forward", "pod/web", &format!(":{remote_port}")])
        .args(["--address", "127.0.0.1"])
        .env("HOME", &home)
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("kubectl on PATH");
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut err_lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let stderr_changed = Arc::new(tokio::sync::Notify::new());
    let (sink, changed) = (stderr.clone(), stderr_changed.clone());
    tokio::spawn(async move {
        while let Ok(Some(l)) = err_lines.next_line().await {
            {
                let mut s = sink.lock().unwrap();
                s.push_str(&l);
                s.push('\n');
            }
            changed.notify_waiters();
        }
    });
    let mut out_lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let find_port = async {
        while let Ok(Some(line)) = out_lines.next_line().await {
            if let Some(rest) = line.strip_prefix("Forwarding from 127.0.0.1:") {
                let (port, target) = rest.split_once(" -> ").expect("Forwarding line format");
                assert_eq!(target.trim(), remote_port.to_string());
                return Some(port.parse::<u16>().unwrap());
            }
        }
        None
    };
    let local_port = match timeout(DEADLINE, find_port).await {
        Ok(Some(p)) => p,
        other => panic!(
            "kubectl did not report a forwarded port ({other:?}); stderr:\n{}",
            stderr.lock().unwrap()
        ),
    };
    // Keep draining stdout ("Handling connection for 80" lines).
    tokio::spawn(async move { while let Ok(Some(_)) = out_lines.next_line().await {} });
    Kubectl {
        child,
        local_port,
        stderr,
        stderr_changed,
        _dir: dir,
    }
}

async fn exercise_kubectl(reject_tunnel: bool) -> Vec<Protocol> {
    let server = start_server(reject_tunnel).await;
    let mut kubectl = start_kubectl(&server, 80).await;
    let port = kubectl.local_port;
    for _ in 0..3 {
        let resp = http_get(port).await;
        assert!(
            resp.starts_with("HTTP/1.1 200 OK") && resp.ends_with("hello from port 80\n"),
            "unexpected response {resp:?}; kubectl stderr:\n{}",
            kubectl.stderr.lock().unwrap()
        );
    }
    let concurrent = futures::future::join_all((0..8).map(|_| http_get(port))).await;
    for resp in concurrent {
        assert!(
            resp.ends_with("hello from port 80\n"),
            "unexpected response {resp:?}"
        );
    }
    kubectl.child.kill().await.unwrap();
    let stderr = kubectl.stderr.lock().unwrap().clone();
    assert!(
        !stderr.contains("error"),
        "kubectl reported errors:\n{stderr}"
    );
    server.protocols.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_port_forward_round_trips_http() {
    // kubectl 1.32 first tries SPDY tunneled through a WebSocket, which the server accepts.
    let protocols = exercise_kubectl(false).await;
    assert_eq!(protocols, vec![Protocol::TunneledSpdy]);
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_port_forward_falls_back_to_plain_spdy() {
    // With the tunneled variant refused, kubectl falls back to SPDY/3.1 on the raw connection.
    let protocols = exercise_kubectl(true).await;
    assert_eq!(protocols, vec![Protocol::Unsupported, Protocol::Spdy]);
}

fn kube_client(server: &Server) -> kube::Client {
    let url: http::Uri = format!("http://{}", server.addr).parse().unwrap();
    let config = kube::Config::new(url);
    kube::Client::try_from(config).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn kube_rs_portforward_round_trips_over_websocket() {
    let server = start_server(false).await;
    let pods: kube::Api<Pod> = kube::Api::namespaced(kube_client(&server), "default");
    let mut pf = timeout(DEADLINE, pods.portforward("web", &[80]))
        .await
        .expect("portforward within deadline")
        .expect("portforward upgrade");
    let mut stream = pf.take_stream(80).expect("stream of port 80");
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: web\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    timeout(DEADLINE, stream.read_to_end(&mut out))
        .await
        .expect("response and EOF within deadline")
        .unwrap();
    let resp = String::from_utf8_lossy(&out);
    assert!(resp.starts_with("HTTP/1.1 200 OK"), "{resp:?}");
    assert!(resp.ends_with("hello from port 80\n"), "{resp:?}");
    drop(stream);
    // The server closes the WebSocket once the backend closed (as the kubelet does). kube-rs then
    // still tries to send its own Close when the dropped stream's channel shuts down, which
    // tungstenite refuses with SendAfterClosing; anything else would be a protocol problem.
    let joined = timeout(DEADLINE, pf.join())
        .await
        .expect("forwarder finishes");
    if let Err(e) = joined {
        assert!(format!("{e:?}").contains("SendAfterClosing"), "{e:?}");
    }
    assert_eq!(
        *server.protocols.lock().unwrap(),
        vec![Protocol::WebSocketV4]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kube_rs_portforward_reports_backend_errors_and_serves_several_ports() {
    let server = start_server(false).await;
    let pods: kube::Api<Pod> = kube::Api::namespaced(kube_client(&server), "default");
    let mut pf = timeout(DEADLINE, pods.portforward("web", &[8080, CLOSED_PORT]))
        .await
        .expect("portforward within deadline")
        .expect("portforward upgrade");
    let error = pf
        .take_error(CLOSED_PORT)
        .expect("error future of closed port");
    let mut stream = pf.take_stream(8080).expect("stream of port 8080");
    let msg = timeout(DEADLINE, error)
        .await
        .expect("error message within deadline");
    let msg = msg.expect("an error for the closed port");
    assert!(msg.contains("connection refused on port 9"), "{msg:?}");
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: web\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    timeout(DEADLINE, stream.read_to_end(&mut out))
        .await
        .expect("response within deadline")
        .unwrap();
    assert!(String::from_utf8_lossy(&out).ends_with("hello from port 8080\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn kubectl_port_forward_reports_backend_connect_errors() {
    let server = start_server(false).await;
    let mut kubectl = start_kubectl(&server, CLOSED_PORT).await;
    // The connection is accepted locally, then closed without data: the pod refused it.
    let resp = http_get(kubectl.local_port).await;
    assert_eq!(resp, "");
    let (stderr, changed) = (kubectl.stderr.clone(), kubectl.stderr_changed.clone());
    let reported = async {
        loop {
            let notified = changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if stderr
                .lock()
                .unwrap()
                .contains("connection refused on port 9")
            {
                return;
            }
            notified.await;
        }
    };
    timeout(DEADLINE, reported).await.unwrap_or_else(|_| {
        panic!(
            "kubectl never printed the error stream's text; stderr:\n{}",
            stderr.lock().unwrap()
        )
    });
    let _ = kubectl.child.kill().await;
}
