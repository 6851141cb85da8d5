//! Watch streams: one JSON event per line, flushed per event, with bookmarks, initial events
//! (streaming lists), 410 Gone for a compacted resourceVersion, and the faults a test injects.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::api::Selectors;
use super::cluster::Cluster;
use super::error::ApiError;
use super::http::{self as h, Body};
use super::query::Query;
use super::route::Target;
use super::store::{Change, EventType, Object};
use super::table::{self, IncludeObject, Representation};

const BOOKMARK_EVERY: Duration = Duration::from_secs(10);
/// Without timeoutSeconds the apiserver ends a watch after a randomised 30-60 minutes.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

struct Encoder {
    rt: &'static super::resources::ResourceType,
    repr: Representation,
    include: IncludeObject,
}

impl Encoder {
    fn event(&self, kind: &str, o: &Object) -> Bytes {
        let object = match self.repr {
            Representation::Plain => o.json.to_string(),
            Representation::Metadata => table::partial_metadata(&o.value()).to_string(),
            Representation::Table => {
                let row = table::table(
                    self.rt,
                    &[Arc::new(clone_object(o))],
                    o.rv,
                    None,
                    self.include,
                );
                row.to_string()
            }
        };
        Bytes::from(format!("{{\"type\":\"{kind}\",\"object\":{object}}}\n"))
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let mut meta = json!({"resourceVersion": rv.to_string(), "creationTimestamp": null});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let (kind, api_version) = match self.repr {
            Representation::Plain => (self.rt.kind.to_string(), self.rt.api_version()),
            _ => (
                "PartialObjectMetadata".to_string(),
                "meta.k8s.io/v1".to_string(),
            ),
        };
        let obj = json!({"kind": kind, "apiVersion": api_version, "metadata": meta});
        Bytes::from(format!("{{\"type\":\"BOOKMARK\",\"object\":{obj}}}\n"))
    }
}

fn clone_object(o: &Object) -> Object {
    Object {
        rt: o.rt,
        rv: o.rv,
        namespace: o.namespace.clone(),
        name: o.name.clone(),
        uid: o.uid.clone(),
        labels: o.labels.clone(),
        fields: o.fields.clone(),
        owner: o.owner.clone(),
        terminating: o.terminating,
        json: o.json.clone(),
    }
}

fn error_event(e: &ApiError) -> Bytes {
    let v: Value = json!({"type": "ERROR", "object": e.status()});
    Bytes::from(format!("{v}\n"))
}

fn streaming_response(rx: mpsc::Receiver<Bytes>) -> Response<Body> {
    Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("Transfer-Encoding", "chunked")
        .body(h::streaming(rx))
        .expect("valid response")
}

pub fn watch(
    cluster: Arc<Cluster>,
    t: &Target,
    q: &Query,
    repr: Representation,
) -> Result<Response<Body>, ApiError> {
    if t.rt.is_metrics() {
        return Err(ApiError::method_not_allowed());
    }
    let sel = Selectors::parse(t.rt, q)?;
    let timeout = q
        .number("timeoutSeconds")
        .map_err(ApiError::bad_request)?
        .filter(|s| *s > 0)
        .map_or(DEFAULT_TIMEOUT, |s| Duration::from_secs(s as u64));
    let send_initial = q.flag("sendInitialEvents");
    let bookmarks = q.flag("allowWatchBookmarks");
    let enc = Encoder {
        rt: t.rt,
        repr,
        include: IncludeObject::parse(q.get("includeObject")),
    };
    let ns = t.namespace.clone();
    let (tx, rx) = mpsc::channel::<Bytes>(1024);

    let rv_param = q.get("resourceVersion").filter(|rv| *rv != "0");
    let (initial, sub) = match rv_param {
        Some(rv) if !send_initial => {
            let from: u64 = rv
                .parse()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv}")))?;
            match cluster.store.subscribe(from) {
                Ok(sub) => (Vec::new(), sub),
                Err(oldest) => {
                    // In-stream, not an HTTP 410: clients relist on the ERROR event.
                    let e = ApiError::gone(format!("too old resource version: {from} ({oldest})"));
                    let _ = tx.try_send(error_event(&e));
                    drop(tx);
                    return Ok(streaming_response(rx));
                }
            }
        }
        _ => cluster.store.list_and_subscribe(t.rt, ns.as_deref()),
    };
    let mut epoch = cluster.faults.watch_epoch.subscribe();
    epoch.mark_unchanged();
    let kind_key = t.rt.kind;

    tokio::spawn(async move {
        let wanted = |o: &Object| {
            o.rt.kind == kind_key
                && ns.as_deref().is_none_or(|n| o.namespace == n)
                && sel.matches(o)
        };
        let mut last_rv = sub.rv;
        for o in initial.iter().filter(|o| wanted(o)) {
            if tx.send(enc.event("ADDED", o)).await.is_err() {
                return;
            }
        }
        if send_initial && tx.send(enc.bookmark(sub.rv, true)).await.is_err() {
            return;
        }
        let send_change =
            |c: &Change| (wanted(&c.object)).then(|| enc.event(c.kind.as_str(), &c.object));
        for c in &sub.backlog {
            last_rv = last_rv.max(c.object.rv);
            if let Some(b) = send_change(c)
                && tx.send(b).await.is_err()
            {
                return;
            }
        }
        let mut live = sub.live;
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(BOOKMARK_EVERY);
        ticker.tick().await;
        loop {
            tokio::select! {
                change = live.recv() => match change {
                    Ok(c) => {
                        if c.object.rv <= last_rv && c.kind != EventType::Deleted {
                            continue;
                        }
                        last_rv = last_rv.max(c.object.rv);
                        if let Some(b) = send_change(&c) && tx.send(b).await.is_err() {
                            return;
                        }
                    }
                    // A consumer too slow for the feed is cut off, as the apiserver does; it resumes from its last resourceVersion.
                    Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = ticker.tick(), if bookmarks => {
                    if tx.send(enc.bookmark(last_rv, false)).await.is_err() {
                        return;
                    }
                }
                _ = &mut deadline => return,
                _ = epoch.changed() => return,
                _ = tx.closed() => return,
            }
        }
    });
    Ok(streaming_response(rx))
}
