//! Drawing guided recovery: the drain wizard, the confirmation in front of every mutation, and
//! the per-object results of the last one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use crate::app::confirm::{Confirm, Results};
use crate::app::mutation::FORCE_WARNING;
use crate::app::state::State;
use crate::app::wizard::{self, WizardRow};
use crate::printers::age;
use crate::recovery::drain::{Phase, PodState};
use crate::recovery::plan::{PodClass, Step};
use crate::sanitize::clean;
use crate::ui::theme::Theme;

fn class_style(r: &WizardRow, theme: &Theme) -> Style {
    if r.blocked() {
        theme.status_error
    } else if r.class.skipped() {
        theme.dim
    } else if matches!(r.class, PodClass::EmptyDir | PodClass::Terminating) {
        theme.status_warn
    } else {
        theme.status_ok
    }
}

fn drain_text(r: &WizardRow) -> String {
    match &r.drain {
        None => String::new(),
        Some((PodState::Blocked { attempt }, why)) => {
            format!("refused ×{attempt}: {why}")
        }
        Some((PodState::Evicted, _)) => "evicted, shutting down".into(),
        Some((PodState::Waiting, _)) => "waiting".into(),
        Some((PodState::Gone, why)) => format!("gone ({why})"),
        Some((PodState::NeedsEscalation, _)) => "needs escalation".into(),
        Some((PodState::Failed, why)) => format!("failed: {why}"),
        Some((PodState::Skipped, _)) => String::new(),
    }
}

/// The drain wizard over the main area.
pub fn draw_wizard(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(w) = &state.wizard else { return };
    let rows = &w.rows;
    let p = wizard::progress(w);
    let ctx = state.context_index(&w.context).map(|i| &state.contexts[i]);
    // "name — Ready,SchedulingDisabled" per node; the node column only when there are several.
    let statuses: Vec<String> = w
        .nodes
        .iter()
        .map(|n| {
            let status = ctx
                .and_then(|c| c.nodes.get(&(String::new(), n.clone())))
                .map_or("gone".to_string(), |r| r.status.clone());
            format!("{} ({}) — {status}", clean(n), clean(&w.context))
        })
        .collect();
    let several = w.nodes.len() > 1;
    let [head, table, detail, log] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(4),
        Constraint::Length(6),
        Constraint::Length(4),
    ])
    .areas(area);

    let drained = !w.runs.is_empty() && w.runs.values().all(|r| *r.phase() == Phase::Drained);
    let phase = if w.is_running() {
        "draining".to_string()
    } else if drained {
        "drained".to_string()
    } else if w.started.is_some() {
        "drain pass done".to_string()
    } else {
        "not started: enter drains".to_string()
    };
    let elapsed = w
        .started
        .map(|s| format!("elapsed {}", age::since(s, state.now)))
        .unwrap_or_default();
    let mut progress = vec![
        Span::styled(format!("evicted {}", p.evicted), theme.status_ok),
        Span::raw("  "),
        Span::styled(format!("waiting {}", p.waiting), theme.status_warn),
        Span::raw("  "),
        Span::styled(
            format!("blocked {}", p.blocked),
            if p.blocked > 0 {
                theme.status_error
            } else {
                theme.dim
            },
        ),
        Span::raw("  "),
        Span::raw(format!("remaining {}", p.remaining)),
        Span::raw("  "),
        Span::styled(format!("skipped {}", p.skipped), theme.dim),
        Span::raw("  "),
        Span::raw(elapsed),
    ];
    if let Some(t) = w.next_retry() {
        let next = (t.as_second() - state.now.as_second()).max(0);
        progress.push(Span::styled(
            format!("  budget refused: retry in {next}s"),
            theme.status_warn,
        ));
    }
    let title = match statuses.as_slice() {
        [one] => format!(" Drain {one} — {phase} "),
        many => format!(
            " Drain {} nodes ({}): {} — {phase} ",
            many.len(),
            clean(&w.context),
            many.join(", ")
        ),
    };
    f.render_widget(
        Paragraph::new(vec![Line::from(progress)]).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border_focused)
                .title(Span::styled(title, theme.header)),
        ),
        head,
    );

    let mut titles = vec!["NAMESPACE", "NAME", "STATUS", "PLAN", "DRAIN", "NEXT STEP"];
    if several {
        titles.insert(0, "NODE");
    }
    let header = Row::new(titles).style(theme.table_header);
    let plans: Vec<String> = rows.iter().map(|r| r.class.describe()).collect();
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut cells = vec![
                Cell::from(clean(&r.namespace).into_owned()),
                Cell::from(clean(&r.name).into_owned()),
                Cell::from(clean(&r.status).into_owned()),
                Cell::from(plans[i].clone()).style(class_style(r, theme)),
                Cell::from(clean(&drain_text(r)).into_owned()),
                Cell::from(r.next.map(Step::label).unwrap_or("—")),
            ];
            if several {
                cells.insert(0, Cell::from(clean(&r.node).into_owned()));
            }
            Row::new(cells)
        })
        .collect();
    let mut ts = TableState::default();
    if !rows.is_empty() {
        ts.select(Some(w.selected_index(rows)));
    }
    f.render_stateful_widget(
        Table::new(body, {
            let mut widths = vec![
                Constraint::Length(width(rows.iter().map(|r| r.namespace.as_str()), 9)),
                Constraint::Length(width(rows.iter().map(|r| r.name.as_str()), 4)),
                Constraint::Length(12),
                // The plan says why a pod is blocked: it gets its full width, the drain outcome
                // what is left.
                Constraint::Length(
                    plans
                        .iter()
                        .map(|c| crate::sanitize::display_width(c))
                        .max()
                        .unwrap_or(0)
                        .clamp(4, 100) as u16,
                ),
                Constraint::Fill(1),
                Constraint::Length(12),
            ];
            if several {
                widths.insert(
                    0,
                    Constraint::Length(width(rows.iter().map(|r| r.node.as_str()), 4)),
                );
            }
            widths
        })
        .header(header)
        .row_highlight_style(theme.selected_row)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border),
        ),
        table,
        &mut ts,
    );

    // What the selected pod's next step would run.
    let mut lines = Vec::new();
    if p.remaining == 0 && w.started.is_some() {
        lines.push(Line::styled(
            format!(
                "node drained: no pods left to move ({} skipped: DaemonSet / mirror / completed)",
                p.skipped
            ),
            theme.status_ok,
        ));
    }
    if let Some(r) = rows.get(w.selected_index(rows)) {
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", clean(&r.name)), theme.dim),
            Span::styled(r.class.describe(), class_style(r, theme)),
        ]));
        // The DRAIN column is cut on narrow screens: the selected pod's outcome in full.
        let outcome = drain_text(r);
        if !outcome.is_empty() {
            lines.push(Line::from(vec![
                Span::styled(format!("{}: ", clean(&r.name)), theme.dim),
                Span::raw(clean(&outcome).into_owned()),
            ]));
        }
        match r.next {
            Some(step) => {
                lines.push(Line::from(vec![
                    Span::styled("e ", theme.help_key),
                    Span::raw(format!(
                        "{} {}/{}: ",
                        step.label(),
                        clean(&r.namespace),
                        clean(&r.name)
                    )),
                    Span::styled(
                        clean(&crate::recovery::plan::kubectl(
                            &w.context,
                            step,
                            &r.namespace,
                            &r.name,
                        ))
                        .into_owned(),
                        theme.command_line,
                    ),
                ]));
                if step == Step::ForceDelete && r.warnings.is_empty() {
                    lines.push(Line::styled(
                        format!("warning: {}", FORCE_WARNING),
                        theme.status_warn,
                    ));
                }
            }
            None => lines.push(Line::styled(
                format!("{}: nothing to do", clean(&r.name)),
                theme.dim,
            )),
        }
        for warn in &r.warnings {
            lines.push(Line::styled(clean(warn).into_owned(), theme.status_warn));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), detail);

    let recent: Vec<Line> = w
        .log
        .iter()
        .rev()
        .take(log.height as usize)
        .rev()
        .map(|l| Line::styled(clean(l).into_owned(), theme.dim))
        .collect();
    f.render_widget(Paragraph::new(recent), log);
}

/// Column width for `cells`: the widest, at least `min`, at most 63.
fn width<'a>(cells: impl Iterator<Item = &'a str>, min: usize) -> u16 {
    cells
        .map(|c| crate::sanitize::display_width(&clean(c)))
        .max()
        .unwrap_or(0)
        .clamp(min, 63) as u16
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Rows a bordered box `width` wide needs for `lines`: long lines wrap (a word-wrapped line may
/// take one row more than its width says), so the last line, the answer, is never cut off.
fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let inner = width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines
        .iter()
        .map(|l| match l.width() {
            w if w > inner => w.div_ceil(inner) + 1,
            _ => 1,
        })
        .sum();
    (rows as u16).saturating_add(2)
}

/// The confirmation dialog: what will happen, warnings, the kubectl commands, and the answer.
pub fn draw_confirm(f: &mut Frame, area: Rect, state: &State, c: &Confirm, theme: &Theme) {
    let commands = c.mutation.kubectl();
    let mut lines: Vec<Line> = Vec::new();
    for d in &c.details {
        lines.push(Line::raw(clean(d).into_owned()));
    }
    for w in &c.warnings {
        lines.push(Line::styled(format!("⚠ {}", clean(w)), theme.status_warn));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Equivalent kubectl:", theme.dim));
    for cmd in commands.iter().take(200) {
        lines.push(Line::styled(
            format!("  {}", clean(cmd)),
            theme.command_line,
        ));
    }
    lines.push(Line::raw(""));
    match &c.expect {
        Some(expect) => {
            lines.push(Line::styled(
                super::help_view::confirm_hint(state, Some(&clean(expect))),
                theme.production_banner,
            ));
            lines.push(Line::styled(
                format!("> {}█", clean(&c.typed)),
                theme.command_line,
            ));
        }
        None => lines.push(Line::styled(
            super::help_view::confirm_hint(state, None),
            theme.help_key,
        )),
    }
    let width = area.width.saturating_sub(4).max(20);
    let height = wrapped_height(&lines, width).min(area.height);
    let rect = centered(area, width, height);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .style(theme.base)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.status_warn)
                    .title(Span::styled(format!(" {} ", clean(&c.title)), theme.header)),
            ),
        rect,
    );
}

/// Per-object outcomes of the last mutation.
pub fn draw_results(f: &mut Frame, area: Rect, r: &Results, theme: &Theme) {
    let mut lines: Vec<Line> = r
        .outcomes
        .iter()
        .map(|o| match &o.result {
            Ok(t) => Line::styled(
                format!("✓ {}: {}", clean(&o.object), clean(t)),
                theme.status_ok,
            ),
            Err(e) => Line::styled(
                format!("✗ {}: {}", clean(&o.object), clean(e)),
                theme.status_error,
            ),
        })
        .collect();
    lines.push(Line::styled("enter or esc closes", theme.dim));
    let width = area.width.saturating_sub(4).max(20);
    let height = wrapped_height(&lines, width).min(area.height);
    let rect = centered(area, width, height);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .style(theme.base)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.border_focused)
                    .title(Span::styled(format!(" {} ", clean(&r.title)), theme.header)),
            ),
        rect,
    );
}
