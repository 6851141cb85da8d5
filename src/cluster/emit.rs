//! How a context's tasks report to the app's loop: an [`Emitter`] sends that context's
//! events, and [`Closed`] says the loop is gone, so the tasks should stop.

use tokio::sync::mpsc;

use super::events::{ClusterEvent, SessionEvent};

/// Sends one context's events to the app. Awaiting `send` is the backpressure: nothing is dropped.
#[derive(Clone)]
pub(crate) struct Emitter {
    context: String,
    tx: mpsc::Sender<SessionEvent>,
}

/// The receiver is gone: the session's tasks should stop.
#[derive(Debug)]
pub(crate) struct Closed;

impl Emitter {
    /// An emitter that tags every event with `context`.
    pub(crate) fn new(context: String, tx: mpsc::Sender<SessionEvent>) -> Emitter {
        Emitter { context, tx }
    }

    pub(crate) async fn send(&self, event: ClusterEvent) -> Result<(), Closed> {
        self.tx
            .send(SessionEvent {
                context: self.context.clone(),
                event,
            })
            .await
            .map_err(|_| Closed)
    }
}
