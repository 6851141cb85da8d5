//! The rollout watch: per deployment, updated / ready / available of desired, the old replica
//! sets still draining, stuck rollouts first and in the error colour. What `watch kubectl get
//! deploy -A` plus `kubectl rollout status` tell, on one screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use crate::app::state::State;
use crate::cluster::rows::{DeploymentRow, Rollout};
use crate::sanitize::clean;
use crate::ui::theme::Theme;

/// One deployment's line of the watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutLine {
    pub context: usize,
    pub namespace: String,
    pub name: String,
    pub status: String,
    pub stuck: bool,
    pub done: bool,
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
    pub desired: i32,
    /// Old replica sets still holding pods: "name current→0".
    pub old: Vec<String>,
}

/// The shown contexts' deployments under the namespace and text filter, unfinished first.
pub fn rollout_lines(state: &State) -> Vec<RolloutLine> {
    let mut out = Vec::new();
    for i in state.shown_contexts() {
        let c = &state.contexts[i];
        for d in c.deployments.values() {
            if !state.namespaces.admits(&d.namespace) {
                continue;
            }
            if !state.filter.is_empty()
                && !state.filter.matches(&format!("{} {}", d.namespace, d.name))
            {
                continue;
            }
            out.push(line(state, i, d));
        }
    }
    let rank = |l: &RolloutLine| (!l.stuck, l.done);
    out.sort_by(|a, b| {
        (rank(a), &a.namespace, &a.name, a.context).cmp(&(
            rank(b),
            &b.namespace,
            &b.name,
            b.context,
        ))
    });
    out
}

fn line(state: &State, context: usize, d: &DeploymentRow) -> RolloutLine {
    let c = &state.contexts[context];
    let mut owned: Vec<_> = c
        .replicasets
        .values()
        .filter(|rs| rs.namespace == d.namespace && rs.owner_uid == d.uid)
        .collect();
    owned.sort_by_key(|rs| std::cmp::Reverse(rs.revision));
    let old: Vec<String> = owned
        .iter()
        .skip(1)
        .filter(|rs| rs.current > 0 || rs.desired > 0)
        .map(|rs| format!("{} {}→{}", rs.name, rs.current, rs.desired))
        .collect();
    let done = d.rollout == Rollout::Complete
        && d.updated == d.desired
        && d.available == d.desired
        && old.is_empty();
    let status = match &d.rollout {
        Rollout::Stuck(why) => format!("stuck: {why}"),
        Rollout::Paused => "paused".into(),
        _ if done => "complete".into(),
        _ => "progressing".into(),
    };
    RolloutLine {
        context,
        namespace: d.namespace.clone(),
        name: d.name.clone(),
        status,
        stuck: matches!(d.rollout, Rollout::Stuck(_)),
        done,
        updated: d.updated,
        ready: d.ready,
        available: d.available,
        desired: d.desired,
        old,
    }
}

fn bar(n: i32, of: i32, width: usize) -> String {
    let filled = if of <= 0 {
        width
    } else {
        ((n.max(0) as usize * width) / of as usize).min(width)
    };
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let lines = rollout_lines(state);
    let unfinished = lines.iter().filter(|l| !l.done).count();
    let stuck = lines.iter().filter(|l| l.stuck).count();
    let header = Row::new([
        "CONTEXT",
        "NAMESPACE",
        "NAME",
        "UPDATED",
        "READY",
        "AVAILABLE",
        "PROGRESS",
        "STATUS",
        "OLD REPLICA SETS",
    ])
    .style(theme.table_header);
    let rows: Vec<Row> = lines
        .iter()
        .map(|l| {
            let style = if l.stuck {
                theme.status_error
            } else if l.done {
                theme.base
            } else {
                theme.status_warn
            };
            Row::new(vec![
                Cell::from(clean(state.contexts[l.context].name()).into_owned())
                    .style(theme.context_tag(l.context)),
                Cell::from(clean(&l.namespace).into_owned()),
                Cell::from(clean(&l.name).into_owned()),
                Cell::from(format!("{}/{}", l.updated, l.desired)),
                Cell::from(format!("{}/{}", l.ready, l.desired)),
                Cell::from(format!("{}/{}", l.available, l.desired)),
                Cell::from(bar(l.available.min(l.updated), l.desired, 10)),
                Cell::from(clean(&l.status).into_owned()),
                Cell::from(clean(&l.old.join(", ")).into_owned()),
            ])
            .style(style)
        })
        .collect();
    let title = Line::from(vec![
        Span::styled(" Rollouts ", theme.header),
        Span::styled(
            format!(" {unfinished} in progress, {stuck} stuck · esc back "),
            theme.dim,
        ),
    ]);
    f.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(8),
                Constraint::Length(14),
                Constraint::Min(16),
                Constraint::Length(8),
                Constraint::Length(6),
                Constraint::Length(9),
                Constraint::Length(10),
                Constraint::Min(12),
                Constraint::Min(16),
            ],
        )
        .header(header)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border_focused)
                .title(title),
        ),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_bar_fills_by_share_of_desired() {
        assert_eq!(bar(0, 3, 6), "░░░░░░");
        assert_eq!(bar(1, 3, 6), "██░░░░");
        assert_eq!(bar(3, 3, 6), "██████");
        assert_eq!(bar(5, 3, 6), "██████");
        assert_eq!(bar(0, 0, 4), "████");
    }
}
