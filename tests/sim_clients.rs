//! Clients we did not write, beyond kubectl's get/describe: kube-rs watchers (list-then-watch
//! and streaming lists) through injected faults, port-forwards from kubectl (SPDY) and kube-rs
//! (WebSocket), and malformed requests answered with proper Status errors.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Harness, eventually};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::watch as tokio_watch;

/// What a kube-rs watcher has seen: objects by name → resourceVersion, and how many full (re)lists.
#[derive(Debug, Default, Clone, PartialEq)]
struct Seen {
    objects: BTreeMap<String, String>,
    lists: usize,
}

fn spawn_watcher(
    api: Api<ConfigMap>,
    config: watcher::Config,
) -> (tokio_watch::Receiver<Seen>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = tokio_watch::channel(Seen::default());
    let task = tokio::spawn(async move {
        let mut stream = watcher::watcher(api, config).default_backoff().boxed();
        let mut seen = Seen::default();
        let mut building: BTreeMap<String, String> = BTreeMap::new();
        let key = |cm: &ConfigMap| {
            (
                cm.metadata.name.clone().unwrap_or_default(),
                cm.metadata.resource_version.clone().unwrap_or_default(),
            )
        };
        while let Some(ev) = stream.next().await {
            match ev {
                Ok(Event::Apply(cm)) => {
                    let (k, v) = key(&cm);
                    seen.objects.insert(k, v);
                }
                Ok(Event::Delete(cm)) => {
                    seen.objects.remove(&key(&cm).0);
                }
                Ok(Event::Init) => building.clear(),
                Ok(Event::InitApply(cm)) => {
                    let (k, v) = key(&cm);
                    building.insert(k, v);
                }
                Ok(Event::InitDone) => {
                    seen.objects = std::mem::take(&mut building);
                    seen.lists += 1;
                }
                Err(_) => continue,
            }
            tx.send_replace(seen.clone());
        }
    });
    (rx, task)
}

async fn server_state(api: &Api<ConfigMap>) -> BTreeMap<String, String> {
    api.list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| {
            (
                c.metadata.name.clone().unwrap(),
                c.metadata.resource_version.clone().unwrap(),
            )
        })
        .collect()
}

async fn converge(api: &Api<ConfigMap>, rx: &tokio_watch::Receiver<Seen>, what: &str) -> Seen {
    eventually(what, Duration::from_secs(20), || async {
        let want = server_state(api).await;
        let seen = rx.borrow().clone();
        (seen.objects == want).then_some(seen)
    })
    .await
}

async fn churn(api: &Api<ConfigMap>, prefix: &str, n: usize) {
    for i in 0..n {
        let cm: ConfigMap = serde_json::from_value(serde_json::json!({"metadata": {"name": format!("{prefix}-{i}")}, "data": {"i": i.to_string()}})).unwrap();
        api.create(&PostParams::default(), &cm).await.unwrap();
    }
    for i in (0..n).step_by(3) {
        api.delete(&format!("{prefix}-{i}"), &DeleteParams::default())
            .await
            .unwrap();
    }
    for i in (1..n).step_by(3) {
        api.patch(
            &format!("{prefix}-{i}"),
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"data": {"touched": "yes"}})),
        )
        .await
        .unwrap();
    }
}

async fn watcher_survives_faults(config: watcher::Config, label: &str) {
    let h = Harness::start().await;
    let api: Api<ConfigMap> = Api::namespaced(h.client("prod").await, "default");
    let (rx, task) = spawn_watcher(api.clone(), config);
    churn(&api, &format!("{label}-a"), 12).await;
    let seen = converge(&api, &rx, "initial convergence").await;
    assert_eq!(seen.lists, 1);

    // Dropped streams resume from the last resourceVersion: no relist, nothing lost.
    h.control("prod", "drop-watches").await;
    churn(&api, &format!("{label}-b"), 12).await;
    let seen = converge(&api, &rx, "convergence after dropped watches").await;
    assert_eq!(seen.lists, 1, "a dropped watch must resume, not relist");

    // Compacted history: the resumed watch gets 410 Gone, and the watcher relists.
    h.control("prod", "compact").await;
    churn(&api, &format!("{label}-c"), 12).await;
    let seen = converge(&api, &rx, "convergence after compaction").await;
    assert!(
        seen.lists >= 2,
        "compaction must force a relist, saw {} lists",
        seen.lists
    );
    // The churned ones, beside the namespace's own `kube-root-ca.crt` (as every namespace has).
    let churned = seen.objects.keys().filter(|k| k.starts_with(label)).count();
    assert_eq!(churned, 3 * 8, "{:?}", seen.objects.keys());
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_list_then_watch_converges_through_dropped_streams_and_compaction() {
    watcher_survives_faults(watcher::Config::default(), "lw").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_streaming_list_converges_through_dropped_streams_and_compaction() {
    watcher_survives_faults(watcher::Config::default().streaming_lists(), "sl").await;
}

async fn http_get(port: u16) -> String {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_string(&mut out))
        .await
        .expect("response in time")
        .unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_port_forward_to_the_kubeapps_service_serves_its_page() {
    let h = Harness::start().await;
    eventually("kubeapps running", Duration::from_secs(20), || async {
        let out = h
            .ok("prod", &["get", "pods", "-n", "kubeapps", "--no-headers"])
            .await;
        (out.lines().filter(|l| l.contains("Running")).count() == 2).then_some(())
    })
    .await;
    let mut pf = h
        .kubectl(
            "prod",
            &["port-forward", "-n", "kubeapps", "svc/kubeapps", ":80"],
        )
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(pf.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
        .await
        .expect("kubectl prints its port")
        .unwrap()
        .unwrap();
    // "Forwarding from 127.0.0.1:NNNN -> 8080": the service port 80 resolved to the pods' targetPort.
    assert!(line.ends_with("-> 8080"), "{line}");
    let port: u16 = line
        .split("127.0.0.1:")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let responses = futures::future::join_all((0..4).map(|_| http_get(port))).await;
    for r in responses {
        assert!(r.starts_with("HTTP/1.1 200 OK"), "{r}");
        assert!(r.contains("<title>Kubeapps</title>"), "{r}");
    }
    let _ = pf.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_port_forward_over_websocket_reaches_the_pod() {
    let h = Harness::start().await;
    let pods: Api<Pod> = Api::namespaced(h.client("prod").await, "kubeapps");
    let name = eventually(
        "a running kubeapps pod",
        Duration::from_secs(20),
        || async {
            let list = pods.list(&ListParams::default()).await.ok()?;
            list.items
                .iter()
                .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
                .and_then(|p| p.metadata.name.clone())
        },
    )
    .await;
    let mut pf = pods
        .portforward(&name, &[8080])
        .await
        .expect("websocket port-forward opens");
    let mut stream = pf.take_stream(8080).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .expect("response in time")
        .unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(
        text.contains(&format!("Served by pod {name} on port 8080")),
        "{text}"
    );
}

async fn raw_error(client: &kube::Client, req: http::Request<Vec<u8>>) -> kube::core::Status {
    match client.request_text(req).await {
        Err(kube::Error::Api(s)) => *s,
        other => panic!("expected a Status error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_status_errors_not_dropped_connections() {
    let h = Harness::start().await;
    let client = h.client("prod").await;
    let s = raw_error(
        &client,
        http::Request::get("/api/v1/bogus").body(vec![]).unwrap(),
    )
    .await;
    assert_eq!((s.code, s.reason.as_str()), (404, "NotFound"));
    let s = raw_error(
        &client,
        http::Request::get("/apis/nope.example.com/v1/things")
            .body(vec![])
            .unwrap(),
    )
    .await;
    assert_eq!(s.code, 404);
    let s = raw_error(
        &client,
        http::Request::get("/api/v1/pods?labelSelector=app%3D%3Dx%20y%3D")
            .body(vec![])
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s.code, s.reason.as_str()),
        (400, "BadRequest"),
        "{}",
        s.message
    );
    let s = raw_error(
        &client,
        http::Request::get("/api/v1/pods?fieldSelector=spec.bogus%3D1")
            .body(vec![])
            .unwrap(),
    )
    .await;
    assert_eq!(s.code, 400);
    assert!(
        s.message.contains("field label not supported"),
        "{}",
        s.message
    );
    let s = raw_error(
        &client,
        http::Request::post("/api/v1/namespaces/default/configmaps")
            .header("content-type", "application/json")
            .body(b"{not json".to_vec())
            .unwrap(),
    )
    .await;
    assert_eq!(s.code, 400);
    let s = raw_error(
        &client,
        http::Request::patch("/api/v1/namespaces/default/pods/debug-shell")
            .header("content-type", "application/json-patch+json")
            .body(br#"[{"op":"replace","path":"/spec/nope/deeper","value":1}]"#.to_vec())
            .unwrap(),
    )
    .await;
    assert_eq!(s.code, 422, "{}", s.message);
    let s = raw_error(
        &client,
        http::Request::patch("/api/v1/namespaces/default/pods/debug-shell")
            .header("content-type", "text/plain")
            .body(b"x".to_vec())
            .unwrap(),
    )
    .await;
    assert_eq!(s.code, 415);
    let s = raw_error(
        &client,
        http::Request::get("/api/v1/namespaces/default/pods?limit=abc")
            .body(vec![])
            .unwrap(),
    )
    .await;
    assert_eq!(s.code, 400);
    let s = raw_error(
        &client,
        http::Request::get("/api/v1/namespaces/default/pods?continue=%21%21")
            .body(vec![])
            .unwrap(),
    )
    .await;
    assert_eq!(s.code, 400);
    // The connection survived all of that.
    let ok = client
        .request_text(
            http::Request::get("/api/v1/namespaces/default/pods/debug-shell")
                .body(vec![])
                .unwrap(),
        )
        .await;
    assert!(ok.is_ok());

    // And kubectl reports server-side errors as sentences.
    let out = h
        .run(
            "prod",
            &[
                "patch",
                "pod",
                "debug-shell",
                "--type=json",
                "-p",
                r#"[{"op":"replace","path":"/spec/nope/deeper","value":1}]"#,
            ],
        )
        .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("The request is invalid") && stderr.contains("path is invalid"),
        "{stderr}"
    );
}

async fn page(client: &kube::Client, uri: &str) -> serde_json::Value {
    let text = client
        .request_text(http::Request::get(uri).body(vec![]).unwrap())
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn names(list: &serde_json::Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["metadata"]["namespace"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

/// Paged lists as kube-apiserver pages them: `limit` objects per page in key order, a
/// `continue` token while more match, `remainingItemCount` exact without selectors and absent
/// with one; the pages together are the unpaged list, and kubectl's `--chunk-size` agrees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paged_lists_cover_the_list_once_with_remaining_counts_as_the_apiserver_gives_them() {
    let h = Harness::start().await;
    let client = h.client("prod").await;
    // The controllers create the scenario's pods over a few seconds: page a settled list.
    let mut whole = names(&page(&client, "/api/v1/pods").await);
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let now = names(&page(&client, "/api/v1/pods").await);
        if now == whole && whole.iter().any(|n| n == "postgres/postgres-2") {
            break;
        }
        whole = now;
    }
    assert!(whole.len() > 10, "{whole:?}");
    for (query, selector) in [
        ("limit=4", false),
        ("limit=3&labelSelector=app%21%3Dnone", true),
    ] {
        let mut seen = Vec::new();
        let mut token = String::new();
        loop {
            let uri = if token.is_empty() {
                format!("/api/v1/pods?{query}")
            } else {
                format!("/api/v1/pods?{query}&continue={token}")
            };
            let list = page(&client, &uri).await;
            let got = names(&list);
            let meta = &list["metadata"];
            seen.extend(got.clone());
            match meta["continue"].as_str() {
                Some(next) if !next.is_empty() => {
                    let remaining = meta.get("remainingItemCount");
                    if selector {
                        assert!(remaining.is_none(), "{meta}");
                    } else {
                        assert_eq!(
                            remaining.and_then(|r| r.as_u64()),
                            Some((whole.len() - seen.len()) as u64),
                            "{meta}"
                        );
                    }
                    token = next.to_string();
                }
                _ => break,
            }
        }
        assert_eq!(seen, whole, "{query}");
    }
    let out = h
        .run(
            "prod",
            &["get", "pods", "-A", "--chunk-size=3", "--no-headers"],
        )
        .await;
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        whole.len()
    );
}

/// The cockpit's `L` filter and the simulator's `labelSelector=` are one parser now
/// (`kockpit::selector`): every input gets the same answer from both, the same rows or the
/// same error text. The first inputs are ones the two used to disagree on: the cockpit's parser
/// split on the first operator and took the rest as the value, so it accepted them and
/// filtered on nonsense (`!app=keycloak` kept every row), while the simulator answered 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cockpit_label_filter_and_simulator_answer_selectors_alike() {
    use kockpit::app::filter::LabelFilter;

    let h = Harness::start().await;
    let api: Api<ConfigMap> = Api::namespaced(h.client("prod").await, "default");
    for (name, labels) in [
        (
            "sel-a",
            serde_json::json!({"app": "keycloak", "tier": "web"}),
        ),
        ("sel-b", serde_json::json!({"app": "cert-manager"})),
        ("sel-c", serde_json::json!({"app": "", "n": "5"})),
    ] {
        let cm: ConfigMap = serde_json::from_value(
            serde_json::json!({"metadata": {"name": name, "labels": labels}}),
        )
        .unwrap();
        api.create(&PostParams::default(), &cm).await.unwrap();
    }
    let all = api.list(&ListParams::default()).await.unwrap().items;
    let names = |items: Vec<&ConfigMap>| -> Vec<String> {
        let mut n: Vec<String> = items
            .iter()
            .filter_map(|c| c.metadata.name.clone())
            .filter(|n| n.starts_with("sel-"))
            .collect();
        n.sort();
        n
    };
    let long = format!("app={}", "v".repeat(64));
    let cases: Vec<(&str, Result<Vec<&str>, &str>)> = vec![
        // Disagreed: the cockpit accepted these, the simulator answered 400.
        (
            "app=keycloak tier=web",
            Err("found 'tier', expected: ',' or 'end of string'"),
        ),
        (
            "app=a=b",
            Err("found '=', expected: ',' or 'end of string'"),
        ),
        (
            "!app=keycloak",
            Err("found '=', expected: ',' or 'end of string'"),
        ),
        (
            "!tier web",
            Err("found 'web', expected: ',' or 'end of string'"),
        ),
        (
            "app in (keycloak cert-manager)",
            Err("unable to parse requirement: found 'cert-manager', expected: ',' or ')'"),
        ),
        (
            "app=key/cloak",
            Err(
                "unable to parse requirement: values[0][app]: Invalid value: \"key/cloak\": a valid label must be an empty string",
            ),
        ),
        (&long, Err("must be no more than 63 characters")),
        // Both rejected these; the apiserver accepts them.
        ("app in(keycloak,cert-manager)", Ok(vec!["sel-a", "sel-b"])),
        ("n>4", Ok(vec!["sel-c"])),
        // Both accepted these; the apiserver rejects them.
        (
            "app,,tier",
            Err("found ',', expected: identifier after ','"),
        ),
        (
            "-app",
            Err(
                "unable to parse requirement: <nil>: Invalid value: \"-app\": name part must consist of",
            ),
        ),
        // Agreed before and still do.
        ("app = keycloak", Ok(vec!["sel-a"])),
        ("app=,n", Ok(vec!["sel-c"])),
        ("tier notin (web),app", Ok(vec!["sel-b", "sel-c"])),
        (
            "app in (x",
            Err("unable to parse requirement: found '', expected: ',' or ')'"),
        ),
    ];
    let no_labels = BTreeMap::new();
    for (input, want) in cases {
        let server = match api.list(&ListParams::default().labels(input)).await {
            Ok(l) => Ok(names(l.items.iter().collect())),
            Err(kube::Error::Api(s)) => {
                assert_eq!(
                    (s.code, s.reason.as_str()),
                    (400, "BadRequest"),
                    "{input:?}"
                );
                Err(s.message)
            }
            Err(e) => panic!("{input:?}: {e}"),
        };
        let cockpit = LabelFilter::parse(input).map(|f| {
            names(
                all.iter()
                    .filter(|c| f.matches(c.metadata.labels.as_ref().unwrap_or(&no_labels)))
                    .collect(),
            )
        });
        assert_eq!(cockpit, server, "{input:?}: cockpit vs simulator");
        match (want, &cockpit) {
            (Ok(rows), Ok(got)) => assert_eq!(got, &rows, "{input:?}"),
            (Err(text), Err(got)) => assert!(got.contains(text), "{input:?}: {got}"),
            (want, got) => panic!("{input:?}: want {want:?}, got {got:?}"),
        }
    }
}
