//! One resource's watch: a kube-runtime watcher (its list, resume, relist and backoff) turned
//! into row deltas and a [`WatchState`] for the health strip.
//!
//! States: Starting → Live after the first complete list; any error → Forbidden or Failing
//! (kube-runtime retries with backoff); Live again on the next complete list or event. When the
//! API returns after an outage, a failing watch starts over with a fresh list, so the
//! rows are whole again as soon as the server answers rather than after the backoff runs out.

use std::fmt::Debug;

use futures::StreamExt;
use kube::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde::de::DeserializeOwned;

use super::emit::{Closed, Emitter};
use super::events::{ClusterEvent, Delta, ResourceKind, WatchState};
use super::health::{HealthLink, error_text, is_connection_error};
use super::rows::{Row, meta_key};

/// Which resource a watch is for: one the cockpit reasons about, or a kind the operator opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Watching {
    Rich(ResourceKind),
    Kind {
        id: &'static str,
        /// `services`, `certificates.cert-manager.io`, for messages.
        qualified: String,
        cluster_scoped: bool,
    },
}

impl Watching {
    fn qualified(&self) -> String {
        match self {
            Watching::Rich(k) => k.qualified().to_string(),
            Watching::Kind { qualified, .. } => qualified.clone(),
        }
    }

    fn cluster_scoped(&self) -> bool {
        match self {
            Watching::Rich(k) => *k == ResourceKind::Nodes,
            Watching::Kind { cluster_scoped, .. } => *cluster_scoped,
        }
    }

    fn event(&self, state: WatchState) -> ClusterEvent {
        match self {
            Watching::Rich(resource) => ClusterEvent::Watch {
                resource: *resource,
                state,
            },
            Watching::Kind { id, .. } => ClusterEvent::KindWatch { id, state },
        }
    }
}

/// What is watched and how its objects become rows and events.
pub(crate) struct Watched<K, R> {
    pub what: Watching,
    /// The namespace the watch is restricted to, for messages.
    pub namespace: Option<String>,
    pub project: Box<dyn Fn(&K) -> R + Send + Sync>,
    pub wrap: Box<dyn Fn(Delta<R>) -> ClusterEvent + Send + Sync>,
}

pub(crate) async fn run<K, R>(api: Api<K>, watched: Watched<K, R>, out: Emitter, link: HealthLink)
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    R: Row,
{
    let _ = watch(api, watched, out, link).await;
}

/// Rows per `Extend` while a first list is still arriving (a list page is 500 objects).
const FIRST_LIST_BATCH: usize = 500;

async fn watch<K, R>(
    api: Api<K>,
    watched: Watched<K, R>,
    out: Emitter,
    mut link: HealthLink,
) -> Result<(), Closed>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    R: Row,
{
    let mut state: Option<WatchState> = None;
    // Rows of an unfinished first list were already shown: the next list must end in a Reset.
    let mut partial_shown = false;
    let mut streaming = false;
    loop {
        let mut stream = watcher::watcher(api.clone(), watcher::Config::default())
            .default_backoff()
            .boxed();
        let mut listed: Vec<R> = Vec::new();
        link.recovered.borrow_and_update();
        loop {
            let live = state == Some(WatchState::Live);
            // Only a failing watch starts over: a first list still in progress is left alone.
            let failing = matches!(state, Some(WatchState::Failing(_)));
            let item = tokio::select! {
                item = stream.next() => item,
                changed = link.recovered.changed(), if failing => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    break;
                }
            };
            let Some(item) = item else {
                break;
            };
            let event = match item {
                Ok(Event::Init) => {
                    listed.clear();
                    // A first list into the empty table streams its rows; any other list (a
                    // relist, or a retry of an interrupted first list) ends in a Reset so that
                    // rows which are gone never linger.
                    streaming = state.is_none() && !partial_shown;
                    continue;
                }
                Ok(Event::InitApply(obj)) => {
                    listed.push((watched.project)(&obj));
                    if streaming && listed.len() >= FIRST_LIST_BATCH {
                        out.send((watched.wrap)(Delta::Extend(std::mem::take(&mut listed))))
                            .await?;
                        partial_shown = true;
                    }
                    continue;
                }
                Ok(Event::InitDone) => {
                    // A streamed first list ends with its last page; any other ends in a Reset.
                    let streamed =
                        std::mem::take(&mut streaming) && std::mem::take(&mut partial_shown);
                    partial_shown = false;
                    if streamed {
                        Delta::Extend(std::mem::take(&mut listed))
                    } else {
                        Delta::Reset(std::mem::take(&mut listed))
                    }
                }
                Ok(Event::Apply(obj)) => Delta::Upsert((watched.project)(&obj)),
                Ok(Event::Delete(obj)) => Delta::Remove(meta_key(obj.meta())),
                // History compacted: kube-runtime relists at once, which is routine, not a failure.
                Err(watcher::Error::WatchError(s)) if s.code == 410 => continue,
                Err(e) => {
                    // A recovery signalled before this failure must not restart the watch.
                    link.recovered.borrow_and_update();
                    let next = failure_state(&watched, &e);
                    if state.as_ref() != Some(&next) {
                        out.send(watched.what.event(next.clone())).await?;
                        state = Some(next);
                    }
                    if let Some(cause) = source_error(&e).filter(|c| is_connection_error(c)) {
                        // One pending report is enough to make the probe look now: extras can go.
                        let _ = link.connection_errors.try_send(error_text(cause));
                    }
                    continue;
                }
            };
            out.send((watched.wrap)(event)).await?;
            if !live {
                state = Some(WatchState::Live);
                out.send(watched.what.event(WatchState::Live)).await?;
            }
        }
    }
}

fn source_error(e: &watcher::Error) -> Option<&kube::Error> {
    match e {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => Some(e),
        watcher::Error::WatchError(_) | watcher::Error::NoResourceVersion => None,
    }
}

fn failure_state<K, R>(watched: &Watched<K, R>, e: &watcher::Error) -> WatchState {
    let verb = match e {
        watcher::Error::InitialListFailed(_) => "list",
        _ => "watch",
    };
    let status = match e {
        watcher::Error::WatchError(s) => Some(s.as_ref()),
        _ => match source_error(e) {
            Some(kube::Error::Api(s)) => Some(s.as_ref()),
            _ => None,
        },
    };
    match status {
        Some(s) if s.code == 403 => WatchState::Forbidden(forbidden_sentence(
            &watched.what.qualified(),
            watched.what.cluster_scoped(),
            watched.namespace.as_deref(),
            verb,
            &s.message,
        )),
        Some(s) => WatchState::Failing(format!(
            "cannot {verb} {}: {} ({})",
            watched.what.qualified(),
            s.message,
            s.code
        )),
        None => WatchState::Failing(format!(
            "cannot {verb} {}: {}",
            watched.what.qualified(),
            source_error(e).map_or_else(|| e.to_string(), error_text)
        )),
    }
}

/// `forbidden: cannot list deployments.apps at cluster scope as pod-reader`. The user comes from
/// the server's message (`... User "pod-reader" cannot ...`), which is the only place naming it.
pub(crate) fn forbidden_sentence(
    qualified: &str,
    cluster_scoped: bool,
    namespace: Option<&str>,
    verb: &str,
    server_message: &str,
) -> String {
    let scope = match namespace {
        Some(ns) => format!("in namespace {ns}"),
        None => "at cluster scope".to_string(),
    };
    let scope = if cluster_scoped {
        "at cluster scope".to_string()
    } else {
        scope
    };
    let user = server_message
        .split_once("User \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(user, _)| user)
        .filter(|u| !u.is_empty());
    match user {
        Some(user) => format!("forbidden: cannot {verb} {qualified} {scope} as {user}"),
        None => format!("forbidden: cannot {verb} {qualified} {scope}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_sentence_names_resource_scope_and_user() {
        let msg = "deployments.apps is forbidden: User \"pod-reader\" cannot list resource \"deployments\" in API group \"apps\" at the cluster scope";
        assert_eq!(
            forbidden_sentence("deployments.apps", false, None, "list", msg),
            "forbidden: cannot list deployments.apps at cluster scope as pod-reader"
        );
        assert_eq!(
            forbidden_sentence("pods", false, Some("web"), "watch", "nope"),
            "forbidden: cannot watch pods in namespace web"
        );
        assert_eq!(
            forbidden_sentence("nodes", true, Some("web"), "list", msg),
            "forbidden: cannot list nodes at cluster scope as pod-reader"
        );
    }
}
