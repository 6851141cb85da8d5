//! The tasks behind generic kinds: discovery of a context's resource types (read again whenever
//! a CRD comes or goes, so a CRD applied while kockpit runs is browsable without a restart), and
//! one kube-runtime watcher per kind the operator opened.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::{DynamicObject, PartialObjectMeta};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use tokio::sync::Notify;

use super::emit::{Closed, Emitter};
use super::events::ClusterEvent;
use super::generic::KindColumns;
use super::health::HealthLink;
use super::kinds::{self, KindInfo};
use super::watch::{self, Watched, Watching};

/// Reads discovery, reports the catalog, and reads it again each time `again` is notified
/// (a CRD changed, or the operator named a type the catalog lacks).
pub(crate) async fn discovery(client: kube::Client, out: Emitter, again: Arc<Notify>) {
    let _ = discovery_loop(client, out, again).await;
}

async fn discovery_loop(
    client: kube::Client,
    out: Emitter,
    again: Arc<Notify>,
) -> Result<(), Closed> {
    let mut retry = Duration::from_secs(1);
    loop {
        match kinds::discover(&client).await {
            Ok(catalog) => {
                out.send(ClusterEvent::Catalog(catalog)).await?;
                retry = Duration::from_secs(1);
                again.notified().await;
                // CRDs tend to arrive in bunches (a chart applies several): read once for all.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            // The health probe reports an unreachable API; here it is enough to try again.
            Err(_) => {
                tokio::select! {
                    _ = tokio::time::sleep(retry) => {}
                    _ = again.notified() => {}
                }
                retry = (retry * 2).min(Duration::from_secs(30));
            }
        }
    }
}

/// Notifies `again` whenever a CustomResourceDefinition is created, changed or deleted after the
/// first list. Watches metadata only: CRD objects carry whole schemas.
pub(crate) async fn crd_changes(client: kube::Client, again: Arc<Notify>) {
    let api: Api<PartialObjectMeta<CustomResourceDefinition>> = Api::all(client);
    let mut stream = watcher::watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut listed = false;
    while let Some(event) = stream.next().await {
        match event {
            Ok(Event::InitDone) => {
                // A relist after an outage may hide changes: read discovery again then too.
                if listed {
                    again.notify_one();
                }
                listed = true;
            }
            Ok(Event::Apply(_) | Event::Delete(_)) => again.notify_one(),
            Ok(Event::Init | Event::InitApply(_)) | Err(_) => {}
        }
    }
}

/// Watches one kind: reports its columns, then its rows, until aborted.
pub(crate) async fn watch_kind(
    client: kube::Client,
    kind: KindInfo,
    namespace: Option<String>,
    out: Emitter,
    link: HealthLink,
) {
    let id = kind.id();
    let columns = columns_of(&client, &kind).await;
    if out
        .send(ClusterEvent::KindOpened {
            id,
            columns: columns.clone(),
        })
        .await
        .is_err()
    {
        return;
    }
    let resource = kind.api_resource();
    let namespace = namespace.filter(|_| kind.namespaced);
    let api: Api<DynamicObject> = match &namespace {
        Some(ns) => Api::namespaced_with(client, ns, &resource),
        None => Api::all_with(client, &resource),
    };
    let watched = Watched {
        what: Watching::Kind {
            id,
            qualified: kind.qualified(),
            cluster_scoped: !kind.namespaced,
        },
        namespace,
        project: Box::new(move |obj: &DynamicObject| {
            let value = serde_json::to_value(obj).unwrap_or_default();
            columns.project(&value, Timestamp::now())
        }),
        wrap: Box::new(move |delta| ClusterEvent::Kind { id, delta }),
    };
    watch::run(api, watched, out, link).await;
}

/// A kind's columns: its CRD's printer columns when a CRD defines it, else the project's
/// printers. Groups without a dot are Kubernetes' own; a dotted group may be either
/// (`networking.k8s.io` is built in, `gateway.networking.k8s.io` is a CRD), so the CRD is asked
/// for. A CRD this user may not read gets kube-apiserver's default: AGE.
async fn columns_of(client: &kube::Client, kind: &KindInfo) -> KindColumns {
    if !kind.group.contains('.') {
        return KindColumns::builtin(kind);
    }
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    match crds.get(&kind.qualified()).await {
        Ok(crd) => {
            let value = serde_json::to_value(&crd).unwrap_or_default();
            KindColumns::of_crd(&value, &kind.version)
        }
        Err(kube::Error::Api(s)) if s.code == 404 => KindColumns::builtin(kind),
        Err(_) => KindColumns::custom(Vec::new()),
    }
}
