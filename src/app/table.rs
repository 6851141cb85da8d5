//! What the main table shows: the visible rows of the current view (filtered, sorted, across the
//! shown contexts) and their cells as text. Pure functions of `State`.

use std::cmp::Ordering;

use jiff::Timestamp;

use crate::cluster::quantity::format_bytes;
use crate::cluster::rows::{DeploymentRow, Key, NodeRow, PodRow, Rollout};
use crate::printers::age;
use crate::printers::pod::restarts_display;

use super::state::{State, ViewKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub align: Align,
    /// Dropped first when the terminal is narrow (higher goes first).
    pub drop_priority: u8,
}

const fn col(title: &'static str, align: Align, drop_priority: u8) -> Column {
    Column {
        title,
        align,
        drop_priority,
    }
}

/// How a row should stand out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Normal,
    Ok,
    Warn,
    Error,
    Dim,
}

/// A row of the current view: which context, and a reference to its row.
#[derive(Debug, Clone, Copy)]
pub enum RowRef<'a> {
    Node(usize, &'a NodeRow),
    Deployment(usize, &'a DeploymentRow),
    Pod(usize, &'a PodRow),
}

impl RowRef<'_> {
    pub fn context(&self) -> usize {
        match self {
            RowRef::Node(c, _) | RowRef::Deployment(c, _) | RowRef::Pod(c, _) => *c,
        }
    }

    pub fn key(&self) -> Key {
        match self {
            RowRef::Node(_, r) => (String::new(), r.name.clone()),
            RowRef::Deployment(_, r) => (r.namespace.clone(), r.name.clone()),
            RowRef::Pod(_, r) => (r.namespace.clone(), r.name.clone()),
        }
    }

    /// (namespace, name) without allocating: sorting compares it many times.
    pub fn key_ref(&self) -> (&str, &str) {
        match self {
            RowRef::Node(_, r) => ("", &r.name),
            RowRef::Deployment(_, r) => (&r.namespace, &r.name),
            RowRef::Pod(_, r) => (&r.namespace, &r.name),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            RowRef::Node(..) => "Node",
            RowRef::Deployment(..) => "Deployment",
            RowRef::Pod(..) => "Pod",
        }
    }
}

pub fn columns(view: ViewKind, merged: bool) -> Vec<Column> {
    let mut cols = Vec::new();
    if merged {
        cols.push(col("CONTEXT", Align::Left, 1));
    }
    cols.extend(match view {
        ViewKind::Pods => vec![
            col("NAMESPACE", Align::Left, 2),
            col("NAME", Align::Left, 0),
            col("READY", Align::Right, 0),
            col("STATUS", Align::Left, 0),
            col("RESTARTS", Align::Right, 3),
            col("CPU", Align::Right, 5),
            col("MEM", Align::Right, 5),
            col("%CPU/R", Align::Right, 6),
            col("%MEM/R", Align::Right, 6),
            col("IP", Align::Left, 4),
            col("NODE", Align::Left, 4),
            col("AGE", Align::Right, 1),
        ],
        ViewKind::Nodes => vec![
            col("NAME", Align::Left, 0),
            col("STATUS", Align::Left, 0),
            col("ROLES", Align::Left, 3),
            col("PODS", Align::Right, 2),
            col("CPU", Align::Right, 4),
            col("%CPU", Align::Right, 4),
            col("MEM", Align::Right, 4),
            col("%MEM", Align::Right, 4),
            col("VERSION", Align::Left, 5),
            col("AGE", Align::Right, 1),
        ],
        ViewKind::Deployments => vec![
            col("NAMESPACE", Align::Left, 2),
            col("NAME", Align::Left, 0),
            col("READY", Align::Right, 0),
            col("UP-TO-DATE", Align::Right, 3),
            col("AVAILABLE", Align::Right, 3),
            col("ROLLOUT", Align::Left, 1),
            col("AGE", Align::Right, 1),
        ],
    });
    cols
}

fn age_text(created: Option<Timestamp>, now: Timestamp) -> String {
    created.map_or_else(|| "<unknown>".into(), |c| age::since(c, now))
}

fn pct(used: u64, of: u64) -> String {
    (used * 100)
        .checked_div(of)
        .map_or_else(|| "n/a".into(), |p| p.to_string())
}

fn rollout_text(r: &Rollout) -> String {
    match r {
        Rollout::Complete => "complete".into(),
        Rollout::Progressing => "progressing".into(),
        Rollout::Paused => "paused".into(),
        Rollout::Stuck(_) => "stuck: ProgressDeadlineExceeded".into(),
    }
}

/// The cells of one row, in `columns` order, and its tone.
pub fn cells(state: &State, row: &RowRef, merged: bool) -> (Vec<String>, Tone) {
    let now = state.now;
    let ctx = &state.contexts[row.context()];
    let mut out = Vec::new();
    if merged {
        out.push(ctx.info.name.clone());
    }
    let tone = match row {
        RowRef::Pod(_, p) => {
            let usage = ctx.pod_usage.get(&(p.namespace.clone(), p.name.clone()));
            out.push(p.namespace.clone());
            out.push(p.name.clone());
            out.push(format!("{}/{}", p.ready, p.containers_total));
            out.push(p.status.clone());
            out.push(restarts_display(p.restarts, p.last_restart, now));
            out.push(usage.map_or("n/a".into(), |u| format!("{}m", u.0)));
            out.push(usage.map_or("n/a".into(), |u| format_bytes(u.1)));
            out.push(usage.map_or("n/a".into(), |u| pct(u.0, p.cpu_request_millis)));
            out.push(usage.map_or("n/a".into(), |u| pct(u.1, p.memory_request_bytes)));
            out.push(if p.ip.is_empty() {
                "<none>".into()
            } else {
                p.ip.clone()
            });
            out.push(if p.node.is_empty() {
                "<none>".into()
            } else {
                p.node.clone()
            });
            out.push(age_text(p.created, now));
            pod_tone(p, now)
        }
        RowRef::Node(_, n) => {
            let usage = ctx.node_usage.get(&n.name);
            let pods = ctx
                .pods
                .values()
                .filter(|p| p.node == n.name && !p.finished())
                .count();
            out.push(n.name.clone());
            out.push(n.status.clone());
            out.push(n.roles.clone());
            out.push(pods.to_string());
            out.push(usage.map_or("n/a".into(), |u| format!("{}m", u.0)));
            out.push(usage.map_or("n/a".into(), |u| pct(u.0, n.cpu_allocatable_millis)));
            out.push(usage.map_or("n/a".into(), |u| format_bytes(u.1)));
            out.push(usage.map_or("n/a".into(), |u| pct(u.1, n.memory_allocatable_bytes)));
            out.push(n.version.clone());
            out.push(age_text(n.created, now));
            if !n.ready {
                Tone::Error
            } else if n.unschedulable {
                Tone::Warn
            } else {
                Tone::Normal
            }
        }
        RowRef::Deployment(_, d) => {
            out.push(d.namespace.clone());
            out.push(d.name.clone());
            out.push(format!("{}/{}", d.ready, d.desired));
            out.push(d.updated.to_string());
            out.push(d.available.to_string());
            out.push(rollout_text(&d.rollout));
            out.push(age_text(d.created, now));
            match d.rollout {
                Rollout::Stuck(_) => Tone::Error,
                Rollout::Progressing => Tone::Warn,
                Rollout::Paused => Tone::Dim,
                Rollout::Complete if d.available < d.desired => Tone::Warn,
                Rollout::Complete => Tone::Normal,
            }
        }
    };
    (out, tone)
}

fn pod_tone(p: &PodRow, now: Timestamp) -> Tone {
    if p.stuck_terminating(now) {
        return Tone::Error;
    }
    match p.status.as_str() {
        "Running" if p.ready == p.containers_total => Tone::Normal,
        "Completed" => Tone::Dim,
        "Terminating" | "Pending" | "ContainerCreating" | "PodInitializing" | "Running" => {
            Tone::Warn
        }
        s if s.starts_with("Init:") && !s.contains("Error") && !s.contains("CrashLoop") => {
            Tone::Warn
        }
        _ => Tone::Error,
    }
}

fn in_namespace(state: &State, ns: &str) -> bool {
    state.namespace.as_deref().is_none_or(|want| want == ns)
}

fn text_match(state: &State, fields: &[&str]) -> bool {
    state.filter.is_empty() || fields.iter().any(|f| state.filter.matches(f))
}

/// The rows of the current view, filtered and sorted.
pub fn visible(state: &State) -> Vec<RowRef<'_>> {
    let mut rows: Vec<RowRef> = Vec::new();
    for ci in state.shown_contexts() {
        let Some(ctx) = state.contexts.get(ci) else {
            continue;
        };
        match state.view {
            ViewKind::Pods => rows.extend(
                ctx.pods
                    .values()
                    .filter(|p| in_namespace(state, &p.namespace))
                    .filter(|p| state.labels.as_ref().is_none_or(|l| l.matches(&p.labels)))
                    .filter(|p| {
                        text_match(state, &[&p.namespace, &p.name, &p.status, &p.node, &p.ip])
                    })
                    .map(|p| RowRef::Pod(ci, p)),
            ),
            ViewKind::Nodes => rows.extend(
                ctx.nodes
                    .values()
                    .filter(|n| state.labels.as_ref().is_none_or(|l| l.matches(&n.labels)))
                    .filter(|n| text_match(state, &[&n.name, &n.status, &n.roles]))
                    .map(|n| RowRef::Node(ci, n)),
            ),
            ViewKind::Deployments => rows.extend(
                ctx.deployments
                    .values()
                    .filter(|d| in_namespace(state, &d.namespace))
                    .filter(|d| text_match(state, &[&d.namespace, &d.name]))
                    .map(|d| RowRef::Deployment(ci, d)),
            ),
        }
    }
    sort(state, &mut rows);
    rows
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Context,
    Name,
    Age,
    Restarts,
    Status,
    Node,
    Ready,
    /// Namespace then name: the rows' own key order.
    Key,
}

fn sort_key(column: &str) -> SortKey {
    match column {
        "CONTEXT" => SortKey::Context,
        "NAME" => SortKey::Name,
        "AGE" => SortKey::Age,
        "RESTARTS" => SortKey::Restarts,
        "STATUS" => SortKey::Status,
        "NODE" => SortKey::Node,
        "READY" => SortKey::Ready,
        _ => SortKey::Key,
    }
}

fn sort(state: &State, rows: &mut [RowRef]) {
    // Resolved once, not per comparison: a 200,000-row sort makes millions of them.
    let key = sort_key(state.sort.column);
    let ctx_name = |r: &RowRef| state.contexts[r.context()].info.name.as_str();
    rows.sort_by(|a, b| {
        let primary = match (key, a, b) {
            (SortKey::Context, ..) => ctx_name(a).cmp(ctx_name(b)),
            (SortKey::Age, RowRef::Pod(_, x), RowRef::Pod(_, y)) => y.created.cmp(&x.created),
            (SortKey::Age, RowRef::Node(_, x), RowRef::Node(_, y)) => y.created.cmp(&x.created),
            (SortKey::Age, RowRef::Deployment(_, x), RowRef::Deployment(_, y)) => {
                y.created.cmp(&x.created)
            }
            (SortKey::Restarts, RowRef::Pod(_, x), RowRef::Pod(_, y)) => {
                x.restarts.cmp(&y.restarts)
            }
            (SortKey::Status, RowRef::Pod(_, x), RowRef::Pod(_, y)) => x.status.cmp(&y.status),
            (SortKey::Status, RowRef::Node(_, x), RowRef::Node(_, y)) => x.status.cmp(&y.status),
            (SortKey::Node, RowRef::Pod(_, x), RowRef::Pod(_, y)) => x.node.cmp(&y.node),
            (SortKey::Ready, RowRef::Deployment(_, x), RowRef::Deployment(_, y)) => {
                (x.ready - x.desired).cmp(&(y.ready - y.desired))
            }
            (SortKey::Name, ..) => a.key_ref().1.cmp(b.key_ref().1),
            _ => Ordering::Equal,
        };
        let primary = if state.sort.reverse {
            primary.reverse()
        } else {
            primary
        };
        primary
            .then_with(|| a.key_ref().cmp(&b.key_ref()))
            .then_with(|| a.context().cmp(&b.context()))
    });
}

/// Columns a view can be sorted by, in the order `SortNext` walks them.
pub fn sortable(view: ViewKind, merged: bool) -> Vec<&'static str> {
    let mut v = match view {
        ViewKind::Pods => vec!["NAMESPACE", "NAME", "STATUS", "RESTARTS", "NODE", "AGE"],
        ViewKind::Nodes => vec!["NAME", "STATUS", "AGE"],
        ViewKind::Deployments => vec!["NAMESPACE", "NAME", "READY", "AGE"],
    };
    if merged {
        v.insert(0, "CONTEXT");
    }
    v
}
