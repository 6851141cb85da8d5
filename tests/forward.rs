//! Port-forwards through kockpit's library against the in-process simulator: bytes round-trip
//! over real local TCP sockets, connections follow a replaced pod, and failures are sentences.

mod common;

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use common::{Harness, eventually};
use k8s_openapi::api::core::v1::Pod;
use kockpit::cluster::forward::resolve::is_ready;
use kockpit::cluster::forward::spec::{LOOPBACK, parse_address};
use kockpit::cluster::forward::{ForwardSpec, Phase, PortForward, Target};
use kube::Api;
use kube::api::ListParams;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(30);

fn spec(context: &str, target: Target, remote: u16) -> ForwardSpec {
    ForwardSpec {
        name: target.to_string(),
        context: context.into(),
        namespace: "kubeapps".into(),
        target,
        address: LOOPBACK,
        // 0: a free port, so parallel tests never collide.
        local_port: 0,
        remote_port: remote,
    }
}

/// Names of the ready kubeapps pods on prod, once there are `n`.
async fn ready_kubeapps(pods: &Api<Pod>, n: usize, not_in: &BTreeSet<String>) -> BTreeSet<String> {
    eventually(&format!("{n} ready kubeapps pods"), WAIT, || async {
        let list = pods
            .list(&ListParams::default().labels("app=kubeapps"))
            .await
            .ok()?;
        let ready: BTreeSet<String> = list
            .items
            .iter()
            .filter(|p| is_ready(p))
            .filter_map(|p| p.metadata.name.clone())
            .filter(|name| !not_in.contains(name))
            .collect();
        (ready.len() >= n).then_some(ready)
    })
    .await
}

/// One HTTP/1.1 request on a kept-alive connection: (X-Served-By, X-Request-Path, body).
async fn get(conn: &mut BufReader<TcpStream>, path: &str) -> (String, String, String) {
    try_get(conn, path)
        .await
        .unwrap_or_else(|| panic!("no HTTP response for {path}"))
}

/// `get`, or None when the connection closes without an answer (no pod to carry it).
async fn try_get(conn: &mut BufReader<TcpStream>, path: &str) -> Option<(String, String, String)> {
    conn.get_mut()
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: kubeapps\r\n\r\n").as_bytes())
        .await
        .ok()?;
    let mut status = String::new();
    timeout(WAIT, conn.read_line(&mut status))
        .await
        .expect("response or close within deadline")
        .ok()?;
    if status.is_empty() {
        return None;
    }
    assert!(status.starts_with("HTTP/1.1 200"), "{status:?}");
    let (mut served_by, mut echoed, mut length) = (String::new(), String::new(), 0usize);
    loop {
        let mut line = String::new();
        conn.read_line(&mut line).await.unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(": ").unwrap();
        match k.to_ascii_lowercase().as_str() {
            "x-served-by" => served_by = v.into(),
            "x-request-path" => echoed = v.into(),
            "content-length" => length = v.parse().unwrap(),
            _ => {}
        }
    }
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body).await.unwrap();
    Some((served_by, echoed, String::from_utf8(body).unwrap()))
}

async fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    BufReader::new(TcpStream::connect(addr).await.expect("forward accepts"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_forward_carries_concurrent_connections_and_follows_replaced_pods() {
    let h = Harness::start().await;
    let client = h.client("prod").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "kubeapps");
    let before = ready_kubeapps(&pods, 2, &BTreeSet::new()).await;

    let pf = PortForward::start(
        client.clone(),
        spec("prod", Target::Service("kubeapps".into()), 80),
    )
    .await
    .expect("forward starts");
    let addr = pf.local_addr();
    assert_eq!(addr.ip(), LOOPBACK);
    assert_eq!(pf.snapshot().phase, Phase::Listening);

    // Several connections at once, each with its own requests, each answered on its own socket.
    let clients = (0..5).map(|i| {
        tokio::spawn(async move {
            let mut conn = connect(addr).await;
            for j in 0..3 {
                let path = format!("/conn{i}/req{j}");
                let (served_by, echoed, body) = get(&mut conn, &path).await;
                assert_eq!(echoed, path);
                assert!(body.contains("<title>Kubeapps</title>"), "{body}");
                assert!(body.contains(&served_by));
            }
        })
    });
    for c in clients {
        c.await.expect("client succeeds");
    }
    let snap = eventually("connections closed and counted", WAIT, || async {
        let s = pf.snapshot();
        (s.open == 0 && s.total == 5).then_some(s)
    })
    .await;
    assert!(snap.bytes_out >= 15 * 30, "{snap:?}");
    assert!(snap.bytes_in > snap.bytes_out, "{snap:?}");
    assert!(before.contains(snap.pod.as_deref().unwrap()), "{snap:?}");

    // Every pod behind the service goes; the test only waits for replacements, it never touches the forward.
    h.ok(
        "prod",
        &[
            "delete",
            "pods",
            "-n",
            "kubeapps",
            "-l",
            "app=kubeapps",
            "--wait=false",
        ],
    )
    .await;
    let replacements = ready_kubeapps(&pods, 1, &before).await;
    let served_by = eventually(
        "a connection through the forward after the replacement",
        WAIT,
        || async {
            let mut conn = BufReader::new(TcpStream::connect(addr).await.ok()?);
            let (served_by, _, _) = try_get(&mut conn, "/after").await?;
            (!before.contains(&served_by)).then_some(served_by)
        },
    )
    .await;
    assert!(
        replacements.contains(&served_by) || !before.contains(&served_by),
        "{served_by} is a replacement"
    );
    let s = pf.snapshot();
    assert_eq!(s.phase, Phase::Listening, "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_in_use_is_a_sentence_naming_the_address_and_leaves_no_listener() {
    let h = Harness::start().await;
    let client = h.client("prod").await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut s = spec("prod", Target::Service("kubeapps".into()), 80);
    s.local_port = port;
    let err = PortForward::start(client, s)
        .await
        .err()
        .expect("bind fails");
    assert!(
        err.contains(&format!("local port {port} on 127.0.0.1 is already in use")),
        "{err}"
    );
    drop(taken);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "nothing listens on {port} once the other listener is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listens_on_loopback_unless_another_address_is_given() {
    let h = Harness::start().await;
    let client = h.client("prod").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "kubeapps");
    ready_kubeapps(&pods, 1, &BTreeSet::new()).await;
    let mut s = spec("prod", Target::Deployment("kubeapps".into()), 8080);
    s.address = parse_address("").unwrap();
    let pf = PortForward::start(client.clone(), s.clone()).await.unwrap();
    assert_eq!(pf.local_addr().ip(), IpAddr::from([127, 0, 0, 1]));
    s.address = parse_address("0.0.0.0").unwrap();
    let all = PortForward::start(client, s).await.unwrap();
    assert_eq!(all.local_addr().ip(), IpAddr::from([0, 0, 0, 0]));
    let mut conn = connect(SocketAddr::from(([127, 0, 0, 1], all.local_addr().port()))).await;
    let (_, echoed, _) = get(&mut conn, "/through-any").await;
    assert_eq!(echoed, "/through-any");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_pod_forward_says_when_its_pod_is_gone_and_closes() {
    let h = Harness::start().await;
    let client = h.client("prod").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "kubeapps");
    let ready = ready_kubeapps(&pods, 1, &BTreeSet::new()).await;
    let pod = ready.iter().next().unwrap().clone();
    let pf = PortForward::start(client, spec("prod", Target::Pod(pod.clone()), 8080))
        .await
        .unwrap();
    let addr = pf.local_addr();
    let (served_by, _, _) = get(&mut connect(addr).await, "/").await;
    assert_eq!(served_by, pod);

    h.ok(
        "prod",
        &["delete", "pod", "-n", "kubeapps", &pod, "--wait=false"],
    )
    .await;
    let why = eventually("the forward reports its pod gone", WAIT, || async {
        match pf.snapshot().phase {
            Phase::Failed(why) => Some(why),
            _ => None,
        }
    })
    .await;
    assert!(
        why.contains(&format!("pod kubeapps/{pod} is gone")),
        "{why}"
    );
    eventually("the listener closed", WAIT, || async {
        TcpStream::connect(addr).await.is_err().then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_user_gets_the_rbac_sentence_and_no_listener() {
    let h = Harness::start().await;
    let admin = h.client("prod").await;
    let pods: Api<Pod> = Api::namespaced(admin, "kubeapps");
    let pod = ready_kubeapps(&pods, 1, &BTreeSet::new()).await;
    let pod = pod.iter().next().unwrap().clone();
    let reader = h.client("prod-pod-reader").await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    drop(taken);
    let mut s = spec("prod-pod-reader", Target::Pod(pod), 8080);
    s.local_port = port;
    let err = PortForward::start(reader, s)
        .await
        .err()
        .expect("forbidden");
    assert!(
        err.contains("forbidden")
            && err.contains("prod-pod-reader")
            && err.contains("create pods/portforward in namespace kubeapps"),
        "{err}"
    );
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_without_ready_pods_waits_and_says_so() {
    let h = Harness::start().await;
    let client = h.client("prod").await;
    h.ok(
        "prod",
        &["scale", "deploy/kubeapps", "-n", "kubeapps", "--replicas=0"],
    )
    .await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "kubeapps");
    eventually("no ready kubeapps pod", WAIT, || async {
        let list = pods
            .list(&ListParams::default().labels("app=kubeapps"))
            .await
            .ok()?;
        (!list.items.iter().any(is_ready)).then_some(())
    })
    .await;
    let pf = PortForward::start(client, spec("prod", Target::Service("kubeapps".into()), 80))
        .await
        .expect("a service forward keeps listening while no pod is ready");
    match pf.snapshot().phase {
        Phase::Waiting(why) => assert!(why.contains("no ready pod behind svc/kubeapps"), "{why}"),
        other => panic!("expected Waiting, got {other:?}"),
    }
    h.ok(
        "prod",
        &["scale", "deploy/kubeapps", "-n", "kubeapps", "--replicas=1"],
    )
    .await;
    eventually(
        "the forward sees the ready pod without a connection",
        WAIT,
        || async { (pf.snapshot().phase == Phase::Listening).then_some(()) },
    )
    .await;
    assert_eq!(pf.snapshot().total, 0);
    let addr = pf.local_addr();
    eventually("a connection once a pod is ready", WAIT, || async {
        let mut conn = BufReader::new(TcpStream::connect(addr).await.ok()?);
        try_get(&mut conn, "/").await
    })
    .await;
    assert_eq!(pf.snapshot().phase, Phase::Listening);
}
