//! The main table's presentation: each view's columns (title, alignment, which to drop first on a
//! narrow terminal) and each row's cells as text with its tone.

use jiff::Timestamp;

use crate::app::kinds;
use crate::app::state::{State, ViewKind};
use crate::app::table::RowRef;
use crate::cluster::quantity::format_bytes;
use crate::cluster::rows::{PodRow, Rollout};
use crate::printers::age;
use crate::printers::pod::restarts_display;

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

pub fn columns(state: &State, merged: bool) -> Vec<Column> {
    let mut cols = Vec::new();
    if merged && state.view != ViewKind::Kinds {
        cols.push(col("CONTEXT", Align::Left, 1));
    }
    cols.extend(match state.view {
        ViewKind::Kind(id) => kind_columns(state, id),
        ViewKind::Kinds => vec![
            col("NAME", Align::Left, 0),
            col("SHORTNAMES", Align::Left, 2),
            col("APIVERSION", Align::Left, 1),
            col("NAMESPACED", Align::Left, 3),
            col("KIND", Align::Left, 0),
        ],
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

/// A generic kind's columns: NAMESPACE when namespaced, NAME, then kubectl's (wide ones only in
/// wide mode). Later columns give way first on a narrow terminal, as kubectl's wide ones would.
fn kind_columns(state: &State, id: &str) -> Vec<Column> {
    let mut cols = Vec::new();
    if kinds::namespaced(state, id) {
        cols.push(col("NAMESPACE", Align::Left, 2));
    }
    let k = kinds::columns(state, id);
    if state.wide || !k.is_some_and(|k| k.name_wide) {
        cols.push(col("NAME", Align::Left, 0));
    }
    if let Some(k) = k {
        for (i, c) in k
            .columns
            .iter()
            .filter(|c| state.wide || !c.wide)
            .enumerate()
        {
            let align = if c.numeric { Align::Right } else { Align::Left };
            let drop = if c.title == "AGE" {
                1
            } else {
                (3 + i).min(9) as u8
            };
            cols.push(col(c.title, align, drop));
        }
    }
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
    if merged && !matches!(row, RowRef::Type(..)) {
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
            let pods = ctx.pods_on(&n.name);
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
        RowRef::Generic(ci, id, r) => {
            if kinds::namespaced(state, id) {
                out.push(r.namespace.clone());
            }
            let table = state.contexts[*ci].kinds.get(id);
            if state.wide || !table.is_some_and(|t| t.columns.name_wide) {
                out.push(r.name.clone());
            }
            let wide = table.map(|t| t.columns.columns.clone());
            for (i, cell) in r.cells.iter().enumerate() {
                let is_wide = wide.as_ref().and_then(|w| w.get(i)).is_some_and(|c| c.wide);
                if state.wide || !is_wide {
                    out.push(cell.text(now).into_owned());
                }
            }
            if r.deleting { Tone::Dim } else { Tone::Normal }
        }
        RowRef::Type(_, k) => {
            out.push(k.qualified());
            out.push(k.short_names.join(","));
            out.push(k.api_version());
            out.push(k.namespaced.to_string());
            out.push(k.kind.clone());
            Tone::Normal
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
