//! Runs the events view's commands: a watch on a context's Events while the view asks for one,
//! and fresh GETs of a pod for the containers view.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use tokio::task::JoinHandle;

use crate::app::containers::ContainersMsg;
use crate::app::events::EventsCmd;
use crate::app::msg::Msg;
use crate::cluster::container_rows::ContainerRow;

use super::Executors;

/// The running event watches, by context; each is aborted when stopped or dropped.
#[derive(Default)]
pub(crate) struct EventWatches(HashMap<String, JoinHandle<()>>);

impl Drop for EventWatches {
    fn drop(&mut self) {
        for task in self.0.values() {
            task.abort();
        }
    }
}

pub(crate) fn run(exec: &mut Executors, cmd: EventsCmd) {
    match cmd {
        EventsCmd::Watch { context } => {
            let Some(session) = exec.sessions.get(&context) else {
                let _ = exec.results.send(Msg::ConfigProblem(format!(
                    "context {context} is not live: no events to show"
                )));
                return;
            };
            if let Some(old) = exec.event_watches.0.insert(context, session.watch_events()) {
                old.abort();
            }
        }
        EventsCmd::Unwatch { context } => {
            if let Some(task) = exec.event_watches.0.remove(&context) {
                task.abort();
            }
        }
    }
}

pub(crate) fn fetch_containers(exec: &Executors, context: String, namespace: String, pod: String) {
    let tx = exec.results.clone();
    let Some(client) = exec.clients.get(&context).cloned() else {
        let _ = tx.send(Msg::Containers(ContainersMsg {
            context: context.clone(),
            namespace,
            pod,
            result: Err(format!("context {context} is not live")),
        }));
        return;
    };
    tokio::spawn(async move {
        let result = Api::<Pod>::namespaced(client, &namespace)
            .get(&pod)
            .await
            .map(|p| ContainerRow::from_pod(&p))
            .map_err(|e| format!("cannot get pod {namespace}/{pod}: {e}"));
        let _ = tx.send(Msg::Containers(ContainersMsg {
            context,
            namespace,
            pod,
            result,
        }));
    });
}
