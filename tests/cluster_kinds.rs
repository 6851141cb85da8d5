//! Generic kinds against the simulator, with kubectl as the truth: a session's discovery
//! resolves the operator's words, a watched kind's rows carry exactly the cells `kubectl get
//! KIND -A` prints, they follow creates and deletes, and a CRD applied while the session runs
//! joins the catalog with its printer columns.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Harness, eventually};
use kockpit::cluster::events::{ClusterEvent, Delta, SessionEvent, WatchState};
use kockpit::cluster::generic::{GenericRow, KindColumns};
use kockpit::cluster::kinds::Catalog;
use kockpit::cluster::kubeconfig;
use kockpit::cluster::rows::{Key, Row};
use kockpit::cluster::session::Session;
use tokio::sync::mpsc;

#[derive(Default)]
struct Seen {
    catalogs: usize,
    catalog: Option<Catalog>,
    columns: BTreeMap<&'static str, KindColumns>,
    rows: BTreeMap<&'static str, BTreeMap<Key, GenericRow>>,
    watch: BTreeMap<&'static str, WatchState>,
}

impl Seen {
    fn apply(&mut self, e: SessionEvent) {
        match e.event {
            ClusterEvent::Catalog(c) => {
                self.catalogs += 1;
                self.catalog = Some(c);
            }
            ClusterEvent::KindOpened { id, columns } => {
                self.columns.insert(id, columns);
            }
            ClusterEvent::Kind { id, delta } => {
                let rows = self.rows.entry(id).or_default();
                match delta {
                    Delta::Reset(all) => *rows = all.into_iter().map(|r| (r.key(), r)).collect(),
                    Delta::Extend(more) => rows.extend(more.into_iter().map(|r| (r.key(), r))),
                    Delta::Upsert(r) => {
                        rows.insert(r.key(), r);
                    }
                    Delta::Remove(k) => {
                        rows.remove(&k);
                    }
                }
            }
            ClusterEvent::KindWatch { id, state } => {
                self.watch.insert(id, state);
            }
            _ => {}
        }
    }
}

struct Running {
    session: Session,
    seen: Arc<Mutex<Seen>>,
}

impl Running {
    fn check<T>(&self, f: impl FnOnce(&Seen) -> T) -> T {
        f(&self.seen.lock().unwrap())
    }
}

async fn start(h: &Harness, context: &str) -> Running {
    let loaded = kubeconfig::load(Some(&h.kubeconfig()), "prod").expect("kubeconfig loads");
    let info = loaded.context(context).expect("context exists").clone();
    let client = loaded.client(context).await.expect("client builds");
    let (tx, mut rx) = mpsc::channel(64);
    let session = Session::start(info, client, None, tx);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let sink = seen.clone();
    tokio::spawn(async move {
        while let Some(e) = rx.recv().await {
            sink.lock().unwrap().apply(e);
        }
    });
    Running { session, seen }
}

async fn catalog(run: &Running) -> Catalog {
    eventually("discovery", Duration::from_secs(10), || async {
        run.check(|s| s.catalog.clone())
    })
    .await
}

/// kubectl's table as cells: each line cut at the header's column starts (cells may hold
/// spaces, `80, 443`), AGE left out (it moves on between the two reads).
fn kubectl_cells(output: &str) -> Vec<Vec<String>> {
    let mut lines = output.lines();
    let header = lines.next().unwrap_or_default();
    let mut starts = Vec::new();
    let mut titles = Vec::new();
    let bytes = header.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        // A column starts after two spaces or at 0 (titles such as `ACCESS MODES` hold one).
        if b != b' ' && (i == 0 || (i >= 2 && &bytes[i - 2..i] == b"  ")) {
            starts.push(i);
        }
    }
    for (n, &s) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(header.len());
        titles.push(header[s..end].trim().to_string());
    }
    let mut rows: Vec<Vec<String>> = lines
        .map(|l| {
            starts
                .iter()
                .enumerate()
                .filter(|(n, _)| titles[*n] != "AGE")
                .map(|(n, &s)| {
                    let end = starts.get(n + 1).copied().unwrap_or(l.len()).min(l.len());
                    l.get(s.min(l.len())..end)
                        .unwrap_or_default()
                        .trim()
                        .to_string()
                })
                .collect()
        })
        .collect();
    rows.sort();
    rows
}

/// The session's rows of `id` as kubectl would print them (`-A`, not wide), AGE left out.
fn our_cells(seen: &Seen, id: &str, namespaced: bool) -> Vec<Vec<String>> {
    let now = jiff::Timestamp::now();
    let Some(cols) = seen.columns.get(id) else {
        return vec![];
    };
    let mut rows: Vec<Vec<String>> = seen
        .rows
        .get(id)
        .into_iter()
        .flat_map(|r| r.values())
        .map(|r| {
            let mut out = Vec::new();
            if namespaced {
                out.push(r.namespace.clone());
            }
            if !cols.name_wide {
                out.push(r.name.clone());
            }
            for (c, cell) in cols.columns.iter().zip(&r.cells) {
                if !c.wide && c.title != "AGE" {
                    out.push(cell.text(now).into_owned());
                }
            }
            out
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_kinds_print_what_kubectl_prints_and_follow_changes() {
    let h = Harness::start().await;
    let mut run = start(&h, "prod").await;
    let c = catalog(&run).await;
    for (word, plural) in [
        ("svc", "services"),
        ("cm", "configmaps"),
        ("cj", "cronjobs.batch"),
        ("ns", "namespaces"),
        ("cert", "certificates.cert-manager.io"),
        (
            "certificates.cert-manager.io",
            "certificates.cert-manager.io",
        ),
    ] {
        assert_eq!(
            c.resolve(word).map(|k| k.qualified()).as_deref(),
            Some(plural),
            "{word}"
        );
    }
    for word in ["svc", "cm", "cj", "ns", "certificates", "secret"] {
        let kind = c.resolve(word).unwrap().clone();
        let (id, namespaced) = (kind.id(), kind.namespaced);
        run.session.watch_kind(kind.clone());
        let args: Vec<&str> = if namespaced {
            vec!["get", word, "-A"]
        } else {
            vec!["get", word]
        };
        eventually(
            &format!("{word} rows equal kubectl get"),
            Duration::from_secs(15),
            || async {
                let truth = kubectl_cells(&h.ok("prod", &args).await);
                let ours = run.check(|s| our_cells(s, id, namespaced));
                (!truth.is_empty() && ours == truth).then_some(())
            },
        )
        .await;
        assert_eq!(
            run.check(|s| s.watch.get(id).cloned()),
            Some(WatchState::Live)
        );
    }
    // Certificates show their CRD's printer columns.
    let titles = run.check(|s| {
        s.columns["Certificate.cert-manager.io"]
            .columns
            .iter()
            .filter(|c| !c.wide)
            .map(|c| c.title)
            .collect::<Vec<_>>()
    });
    assert_eq!(titles, ["READY", "SECRET", "AGE"]);

    // Live: a create and a delete are followed.
    // `kubectl create configmap` sends protobuf, which the simulator answers with 415 (it
    // speaks JSON and YAML): the object goes in as JSON.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cm.json");
    std::fs::write(
        &path,
        r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fresh", "namespace": "default"}, "data": {"a": "b"}}"#,
    )
    .unwrap();
    h.ok(
        "prod",
        &["create", "--validate=false", "-f", path.to_str().unwrap()],
    )
    .await;
    let key = ("default".to_string(), "fresh".to_string());
    eventually("the new configmap", Duration::from_secs(5), || async {
        run.check(|s| s.rows["ConfigMap"].contains_key(&key).then_some(()))
    })
    .await;
    h.ok("prod", &["delete", "configmap", "fresh", "-n", "default"])
        .await;
    eventually("the configmap gone", Duration::from_secs(5), || async {
        run.check(|s| (!s.rows["ConfigMap"].contains_key(&key)).then_some(()))
    })
    .await;
    // An unwatched kind sends nothing more.
    run.session.unwatch_kind("ConfigMap");
    assert_eq!(run.session.kinds_watched(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crd_applied_while_running_joins_the_catalog_with_its_printer_columns() {
    let h = Harness::start().await;
    let mut run = start(&h, "stg").await;
    let before = catalog(&run).await;
    assert!(before.resolve("widgets").is_none());
    let crd = r#"{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
      "metadata": {"name": "widgets.example.com"},
      "spec": {"group": "example.com", "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
        "versions": [{"name": "v1", "served": true, "storage": true,
          "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
          "additionalPrinterColumns": [{"name": "Color", "type": "string", "jsonPath": ".spec.color"}]}]}}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crd.json");
    std::fs::write(&path, crd).unwrap();
    h.ok(
        "stg",
        &["apply", "--validate=false", "-f", path.to_str().unwrap()],
    )
    .await;
    let kind = eventually(
        "the CRD in the catalog",
        Duration::from_secs(10),
        || async { run.check(|s| s.catalog.as_ref()?.resolve("wd").cloned()) },
    )
    .await;
    assert_eq!(kind.qualified(), "widgets.example.com");
    assert!(run.check(|s| s.catalogs) >= 2, "discovery was read again");
    run.session.watch_kind(kind);
    let widget = r#"{"apiVersion": "example.com/v1", "kind": "Widget",
      "metadata": {"name": "sprocket", "namespace": "default"}, "spec": {"color": "teal"}}"#;
    let path = dir.path().join("widget.json");
    std::fs::write(&path, widget).unwrap();
    h.ok(
        "stg",
        &["apply", "--validate=false", "-f", path.to_str().unwrap()],
    )
    .await;
    let cells = eventually("the widget row", Duration::from_secs(10), || async {
        run.check(|s| {
            let row = s.rows.get("Widget.example.com")?.values().next()?;
            Some(
                row.cells
                    .iter()
                    .map(|c| c.text(jiff::Timestamp::now()).into_owned())
                    .collect::<Vec<_>>(),
            )
        })
    })
    .await;
    assert_eq!(cells, ["teal"]);
    let titles = run.check(|s| {
        s.columns["Widget.example.com"]
            .columns
            .iter()
            .map(|c| c.title)
            .collect::<Vec<_>>()
    });
    assert_eq!(titles, ["COLOR"]);
}
