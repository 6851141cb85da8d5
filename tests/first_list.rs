//! A large first list is shown page by page, and still ends equal to the server's list.

use std::collections::BTreeSet;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use tokio::sync::mpsc;

use kockpit::cluster::events::{ClusterEvent, Delta, ResourceKind, WatchState};
use kockpit::cluster::kubeconfig;
use kockpit::cluster::session::Session;
use kockpit::sim::{SimOptions, Simulator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_of_a_large_first_list_arrive_before_the_list_completes() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Simulator::start(SimOptions {
        synthetic: Some((20, 3000)),
        kubeconfig_out: Some(dir.path().join("kc")),
        ..Default::default()
    })
    .await
    .unwrap();
    let loaded = kubeconfig::load(Some(&sim.kubeconfig_path), "prod").unwrap();
    let info = loaded.context("stg").unwrap().clone();
    let client = loaded.client("stg").await.unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let _session = Session::start(info, client.clone(), None, tx);

    let mut shown: BTreeSet<(String, String)> = BTreeSet::new();
    let mut before_live = 0usize;
    let mut pages = 0usize;
    let mut live = false;
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(ev) = rx.recv().await {
            match ev.event {
                ClusterEvent::Pods(Delta::Extend(rows)) => {
                    if !live {
                        before_live += rows.len();
                        pages += 1;
                    }
                    shown.extend(rows.into_iter().map(|r| (r.namespace, r.name)));
                }
                ClusterEvent::Pods(Delta::Reset(rows)) => {
                    shown = rows.into_iter().map(|r| (r.namespace, r.name)).collect()
                }
                ClusterEvent::Pods(Delta::Upsert(r)) => {
                    shown.insert((r.namespace, r.name));
                }
                ClusterEvent::Pods(Delta::Remove(k)) => {
                    shown.remove(&k);
                }
                ClusterEvent::Watch {
                    resource: ResourceKind::Pods,
                    state: WatchState::Live,
                } => {
                    live = true;
                    break;
                }
                _ => {}
            }
        }
    })
    .await
    .expect("the pods watch goes live");
    // 3,000 pods listed in pages of 500: they reach the table in several batches as pages
    // arrive, not in one Reset when the list is complete.
    assert!(pages >= 2, "rows arrived in {pages} batch(es)");
    assert_eq!(before_live, 3000);
    let want: BTreeSet<(String, String)> = Api::<Pod>::all(client)
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|p| {
            (
                p.metadata.namespace.clone().unwrap(),
                p.metadata.name.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(shown, want);
}
