//! LogTail: the log lines of one pod or of every pod a label selector matches, merged in
//! arrival order. A kube-runtime watcher follows which pods match (a rolling update's new pods
//! join, deleted pods are reported gone); each running pod×container gets its own
//! `log_stream` (kube-rs does the HTTP). Lines are batched (per 50 ms or per [`BATCH`] lines)
//! so a fast stream costs the UI one message per batch, and the per-container channels are
//! bounded so a stream that outruns its reader waits on its own socket, never on the UI.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::api::LogParams;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Lines per batch at most; a batch also leaves every [`FLUSH`].
pub const BATCH: usize = 2048;
const FLUSH: Duration = Duration::from_millis(50);
/// Lines buffered between one container's stream and the batcher.
const PER_STREAM: usize = 4096;

/// What a pane follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Pod { namespace: String, name: String },
    Selector { namespace: String, selector: String },
}

impl Target {
    pub fn namespace(&self) -> &str {
        match self {
            Target::Pod { namespace, .. } | Target::Selector { namespace, .. } => namespace,
        }
    }

    /// How kubectl would name it: `pod/NAME` or `-l SELECTOR`.
    pub fn describe(&self) -> String {
        match self {
            Target::Pod { name, .. } => format!("pod/{name}"),
            Target::Selector { selector, .. } => format!("-l {selector}"),
        }
    }
}

/// One tail's parameters; a change of `since` or `previous` starts a new tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailSpec {
    pub target: Target,
    /// Only this container (default: every container of each pod).
    pub container: Option<String>,
    pub since_seconds: Option<i64>,
    /// Lines of history per container for the pods present at start (pods that join later
    /// are read from their start).
    pub tail_lines: Option<i64>,
    /// The previous (crashed) instance of each container, not following.
    pub previous: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub pod: Arc<str>,
    pub container: Arc<str>,
    /// The kubelet's timestamp (we always ask for them, so the view can toggle them).
    pub time: Option<Timestamp>,
    pub text: String,
}

/// What a tail reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailEvent {
    Lines(Vec<LogLine>),
    /// A container's stream started.
    Joined {
        pod: String,
        container: String,
    },
    /// The pod was deleted (or no longer matches).
    Gone {
        pod: String,
    },
    /// A container's stream ended (container exited, or a `previous` read finished).
    Ended {
        pod: String,
        container: String,
    },
    Problem(String),
}

/// A running tail; dropping it stops the watcher and every stream.
pub struct LogTail {
    task: JoinHandle<()>,
}

impl Drop for LogTail {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where a tail's events go; returns false once nobody listens.
pub type Sink = Box<dyn Fn(TailEvent) -> bool + Send + Sync>;

impl LogTail {
    pub fn start(client: Client, spec: TailSpec, sink: Sink) -> LogTail {
        LogTail {
            task: tokio::spawn(run(client, spec, sink)),
        }
    }
}

/// Splits the kubelet's `RFC3339 text` form; a line without a parsable stamp is kept whole.
pub fn split_timestamp(line: &str) -> (Option<Timestamp>, &str) {
    match line.split_once(' ') {
        Some((t, rest)) => match t.parse::<Timestamp>() {
            Ok(ts) => (Some(ts), rest),
            Err(_) => (None, line),
        },
        None => match line.parse::<Timestamp>() {
            Ok(ts) => (Some(ts), ""),
            Err(_) => (None, line),
        },
    }
}

/// The containers of `pod` to stream now, with the start time of the instance streamed (a
/// restart gives a new start time, hence a new stream).
fn streamable(pod: &Pod, spec: &TailSpec) -> Vec<(String, String)> {
    let statuses = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.clone())
        .unwrap_or_default();
    statuses
        .into_iter()
        .filter(|s| spec.container.as_ref().is_none_or(|c| *c == s.name))
        .filter_map(|s| {
            let instance = if spec.previous {
                s.last_state
                    .and_then(|l| l.terminated)
                    .and_then(|t| t.started_at)
            } else {
                s.state.and_then(|st| st.running).and_then(|r| r.started_at)
            };
            instance.map(|t| (s.name, t.0.to_string()))
        })
        .collect()
}

/// What a container's stream hands the batcher: lines, then its end, in one order.
enum Item {
    Line(LogLine),
    End {
        pod: String,
        container: String,
        instance: String,
    },
}

struct Stream {
    instance: String,
    task: JoinHandle<()>,
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(client: Client, spec: TailSpec, sink: Sink) {
    let sink = Arc::new(sink);
    let api: Api<Pod> = Api::namespaced(client, spec.target.namespace());
    let config = match &spec.target {
        Target::Pod { name, .. } => {
            watcher::Config::default().fields(&format!("metadata.name={name}"))
        }
        Target::Selector { selector, .. } => watcher::Config::default().labels(selector),
    };
    let (line_tx, mut line_rx) = mpsc::channel::<Item>(PER_STREAM);
    let mut streams: HashMap<(String, String), Stream> = HashMap::new();
    // Pods listed before the first InitDone get `tail_lines`; later ones are read whole.
    let mut initial = true;
    let mut watch = watcher::watcher(api.clone(), config).boxed();
    let mut batch: Vec<LogLine> = Vec::new();
    let mut flush = tokio::time::interval(FLUSH);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            ev = watch.next() => match ev {
                None => return,
                Some(Err(e)) => {
                    if !sink(TailEvent::Problem(format!("watching pods: {e}"))) { return; }
                }
                Some(Ok(Event::Init)) => {}
                Some(Ok(Event::InitDone)) => initial = false,
                Some(Ok(Event::InitApply(pod) | Event::Apply(pod))) => {
                    let name = pod.metadata.name.clone().unwrap_or_default();
                    if pod.metadata.deletion_timestamp.is_some() && !spec.previous {
                        // Terminating: its streams end by themselves when the containers stop.
                        continue;
                    }
                    for (container, instance) in streamable(&pod, &spec) {
                        let key = (name.clone(), container.clone());
                        if streams.get(&key).is_some_and(|s| s.instance == instance) {
                            continue;
                        }
                        let params = LogParams {
                            container: Some(container.clone()),
                            follow: !spec.previous,
                            previous: spec.previous,
                            timestamps: true,
                            since_seconds: spec.since_seconds,
                            tail_lines: if initial || spec.previous { spec.tail_lines } else { None },
                            ..LogParams::default()
                        };
                        let task = tokio::spawn(read_stream(
                            api.clone(), name.clone(), container.clone(), instance.clone(),
                            params, line_tx.clone(),
                        ));
                        streams.insert(key, Stream { instance, task });
                        if !sink(TailEvent::Joined { pod: name.clone(), container }) { return; }
                    }
                }
                Some(Ok(Event::Delete(pod))) => {
                    let name = pod.metadata.name.clone().unwrap_or_default();
                    streams.retain(|(p, _), _| *p != name);
                    if !flush_batch(&sink, &mut batch) || !sink(TailEvent::Gone { pod: name }) { return; }
                }
            },
            Some(item) = line_rx.recv() => {
                let mut next = Some(item);
                while let Some(item) = next.take() {
                    match item {
                        Item::Line(l) => batch.push(l),
                        Item::End { pod, container, instance } => {
                            let key = (pod.clone(), container.clone());
                            // Keep the entry: the same instance must not be streamed twice.
                            if streams.get(&key).is_some_and(|s| s.instance == instance)
                                && (!flush_batch(&sink, &mut batch)
                                    || !sink(TailEvent::Ended { pod, container }))
                            {
                                return;
                            }
                        }
                    }
                    if batch.len() < BATCH {
                        next = line_rx.try_recv().ok();
                    }
                }
                if batch.len() >= BATCH && !flush_batch(&sink, &mut batch) { return; }
            }
            _ = flush.tick() => {
                if !flush_batch(&sink, &mut batch) { return; }
            }
        }
    }
}

fn flush_batch(sink: &Sink, batch: &mut Vec<LogLine>) -> bool {
    batch.is_empty() || sink(TailEvent::Lines(std::mem::take(batch)))
}

async fn read_stream(
    api: Api<Pod>,
    pod: String,
    container: String,
    instance: String,
    params: LogParams,
    out: mpsc::Sender<Item>,
) {
    let pod_tag: Arc<str> = Arc::from(pod.as_str());
    let container_tag: Arc<str> = Arc::from(container.as_str());
    match api.log_stream(&pod, &params).await {
        Err(e) => {
            let _ = out
                .send(Item::Line(LogLine {
                    pod: pod_tag,
                    container: container_tag,
                    time: None,
                    text: format!("[kockpit] cannot read logs: {e}"),
                }))
                .await;
        }
        Ok(reader) => {
            let mut reader = Box::pin(reader);
            let mut buf = Vec::with_capacity(256);
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                while matches!(buf.last(), Some(b'\n' | b'\r')) {
                    buf.pop();
                }
                // Invalid UTF-8 is shown as U+FFFD, never dropped and never a reason to stop.
                let raw = String::from_utf8_lossy(&buf);
                let (time, text) = split_timestamp(&raw);
                let line = LogLine {
                    pod: pod_tag.clone(),
                    container: container_tag.clone(),
                    time,
                    text: text.to_string(),
                };
                if out.send(Item::Line(line)).await.is_err() {
                    return;
                }
            }
        }
    }
    let _ = out
        .send(Item::End {
            pod,
            container,
            instance,
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_split_from_the_text() {
        let (t, text) = split_timestamp("2026-01-01T00:00:00.123456789Z hello world");
        assert_eq!(t.unwrap().to_string(), "2026-01-01T00:00:00.123456789Z");
        assert_eq!(text, "hello world");
        let (t, text) = split_timestamp("no stamp here");
        assert!(t.is_none());
        assert_eq!(text, "no stamp here");
    }

    #[test]
    fn targets_read_like_kubectl() {
        let t = Target::Selector {
            namespace: "default".into(),
            selector: "app=web".into(),
        };
        assert_eq!(t.describe(), "-l app=web");
        assert_eq!(t.namespace(), "default");
    }
}
