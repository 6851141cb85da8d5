//! The whole screen: title bar, production banner, health strip, the main table, notices, and
//! the prompt / key hints line; overlays (describe, YAML, help) on top. Reads state, never mutates.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::keys::Action;
use crate::app::stalled_drain::{StalledDrain, hint as stalled_hint, stalled_drains};
use crate::app::state::{ContextState, Level, Prompt, Screen, State, ViewKind};
use crate::app::table;
use crate::cluster::events::{ApiHealth, WatchState};
use crate::printers::age;
use crate::sanitize::{clean, display_width, truncate_to_width};
use crate::ui::list_table::{self, List, Look};
use crate::ui::table_cells;
use crate::ui::theme::Theme;

pub fn draw(f: &mut Frame, state: &State, theme: &Theme) {
    let area = f.area();
    f.render_widget(Block::default().style(theme.base), area);
    let production = state
        .shown_contexts()
        .iter()
        .any(|&i| state.contexts[i].info.production);
    let stalled: Vec<Vec<StalledDrain>> = state
        .contexts
        .iter()
        .map(|c| stalled_drains(c, state.now))
        .collect();
    let drain_hint = drain_hint(state, &stalled);
    let health_lines = state.contexts.len().max(1) as u16 + u16::from(drain_hint.is_some());
    let [title, banner, health, main, notice, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(if production { 1 } else { 0 }),
        Constraint::Length(health_lines),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_title(f, title, state, theme);
    if production {
        draw_banner(f, banner, state, theme);
    }
    draw_health(f, health, state, &stalled, drain_hint, theme);
    match state.screen {
        Screen::Table => draw_table(f, main, state, theme),
        Screen::Logs => crate::ui::logs_view::draw(f, main, state, theme),
        Screen::Forwards => crate::ui::forwards_view::draw(f, main, state, theme),
        Screen::Drain => crate::ui::recovery_view::draw_wizard(f, main, state, theme),
        Screen::Rollouts => crate::ui::rollouts_view::draw(f, main, state, theme),
        Screen::Events => crate::ui::events_view::draw(f, main, state, theme),
        Screen::Containers => crate::ui::containers_view::draw(f, main, state, theme),
    }
    draw_notice(f, notice, state, theme);
    draw_bottom(f, bottom, state, theme);
    if let Some(o) = &state.overlay {
        let text = o.text.as_deref().unwrap_or(o.waiting);
        draw_text_overlay(f, main, &o.title, text, o.scroll, theme);
    }
    if state.help {
        draw_help(f, main, state, theme);
    }
    if let Some(r) = &state.results {
        crate::ui::recovery_view::draw_results(f, main, r, theme);
    }
    if let Some(c) = &state.confirm {
        crate::ui::recovery_view::draw_confirm(f, main, state, c, theme);
    }
}

fn context_style(theme: &Theme, index: usize) -> Style {
    theme
        .context_tags
        .get(index % theme.context_tags.len().max(1))
        .copied()
        .unwrap_or(theme.header)
}

fn draw_title(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut spans = vec![Span::styled(" kockpit ", theme.header), Span::raw(" ")];
    for (i, c) in state.contexts.iter().enumerate() {
        let mut style = context_style(theme, i);
        if i == state.focus {
            style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
        }
        let marker = if c.info.production { "!" } else { "" };
        spans.push(Span::styled(
            format!(" {}{marker} ", clean(c.name())),
            style,
        ));
        spans.push(Span::raw(" "));
    }
    let ns = state.namespaces.to_string();
    let mode = if state.split.panes.is_some() {
        "split"
    } else if state.merged {
        "merged"
    } else {
        "focused"
    };
    spans.push(Span::styled(
        format!(
            "│ {} │ {ns} │ {mode}",
            crate::app::kinds::title(state, state.view).to_lowercase()
        ),
        theme.dim,
    ));
    if state.readonly {
        spans.push(Span::styled(" │ READ-ONLY", theme.status_warn));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_banner(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let names: Vec<&str> = state
        .shown_contexts()
        .iter()
        .map(|&i| &state.contexts[i])
        .filter(|c| c.info.production)
        .map(|c| c.name())
        .collect();
    let text = format!(
        " PRODUCTION: {} — changes here affect live traffic ",
        names.join(", ")
    );
    let pad = (area.width as usize).saturating_sub(display_width(&text));
    let line = format!("{text}{}", " ".repeat(pad));
    f.render_widget(Paragraph::new(line).style(theme.production_banner), area);
}

/// The hint under the health strip for the first context with a stalled drain.
fn drain_hint(state: &State, stalled: &[Vec<StalledDrain>]) -> Option<String> {
    let key = state.keymap.key_for(Action::Drain);
    state
        .contexts
        .iter()
        .zip(stalled)
        .find_map(|(c, s)| stalled_hint(c.name(), s, key.as_deref()))
}

fn health_line<'a>(
    c: &'a ContextState,
    index: usize,
    state: &State,
    stalled: usize,
    theme: &Theme,
) -> Line<'a> {
    let h = c.health(state.now);
    let mut spans = vec![Span::styled(
        format!("{:<12}", truncate_to_width(&clean(c.name()), 12)),
        context_style(theme, index),
    )];
    match &c.api {
        None => {
            spans.push(Span::styled(" connecting…", theme.dim));
            return Line::from(spans);
        }
        Some(ApiHealth::Reachable { latency }) => spans.push(Span::styled(
            format!(" API ok {}ms", latency.as_millis()),
            theme.status_ok,
        )),
        Some(ApiHealth::Unreachable { error, since }) => {
            let when = if c.ever_reachable {
                format!("last seen {} ago", age::since(*since, state.now))
            } else {
                "not reached yet".to_string()
            };
            spans.push(Span::styled(
                format!(
                    " unreachable, retrying ({when}): {}",
                    truncate_to_width(&clean(error), 60)
                ),
                theme.status_error,
            ));
            return Line::from(spans);
        }
    }
    let sep = || Span::styled(" │ ", theme.dim);
    spans.push(sep());
    let nodes_style = if h.nodes_ready < h.nodes_total {
        theme.status_error
    } else {
        theme.status_ok
    };
    spans.push(Span::styled(
        format!("nodes {}/{} Ready", h.nodes_ready, h.nodes_total),
        nodes_style,
    ));
    if h.cordoned > 0 {
        spans.push(Span::styled(
            format!(", {} cordoned", h.cordoned),
            theme.status_warn,
        ));
    }
    if stalled > 0 {
        let drains = if stalled == 1 { "drain" } else { "drains" };
        spans.push(Span::styled(
            format!(", {stalled} {drains} stalled"),
            theme.status_error,
        ));
    }
    spans.push(sep());
    let pods_style = if h.pods_not_running > 0 {
        theme.status_warn
    } else {
        theme.status_ok
    };
    spans.push(Span::styled(
        format!(
            "pods {} not running of {}",
            h.pods_not_running, h.pods_total
        ),
        pods_style,
    ));
    if h.stuck_terminating > 0 {
        spans.push(Span::styled(
            format!(", {} stuck terminating", h.stuck_terminating),
            theme.status_error,
        ));
    }
    spans.push(sep());
    let rollout_style = if h.rollouts_stuck > 0 {
        theme.status_error
    } else if h.rollouts_progressing > 0 {
        theme.status_warn
    } else {
        theme.status_ok
    };
    spans.push(Span::styled(
        format!(
            "rollouts {} stuck, {} progressing",
            h.rollouts_stuck, h.rollouts_progressing
        ),
        rollout_style,
    ));
    if c.metrics_served == Some(false) {
        spans.push(sep());
        spans.push(Span::styled("no metrics", theme.dim));
    }
    Line::from(spans)
}

fn draw_health(
    f: &mut Frame,
    area: Rect,
    state: &State,
    stalled: &[Vec<StalledDrain>],
    drain_hint: Option<String>,
    theme: &Theme,
) {
    let mut lines: Vec<Line> = state
        .contexts
        .iter()
        .enumerate()
        .map(|(i, c)| health_line(c, i, state, stalled[i].len(), theme))
        .collect();
    if let Some(h) = drain_hint {
        lines.push(Line::styled(
            truncate_to_width(&clean(&h), area.width as usize),
            theme.status_warn,
        ));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn view_notices(state: &State, contexts: &[usize]) -> Vec<String> {
    let mut notices = Vec::new();
    for &ci in contexts {
        let c = &state.contexts[ci];
        if let Some(why) = c.forbidden(state.view) {
            notices.push(format!("{}: {}", c.name(), why));
        } else if let Some(WatchState::Failing(why)) = c.watch_state(state.view)
            && c.reachable()
        {
            notices.push(format!("{}: watch failing, retrying: {why}", c.name()));
        }
    }
    notices
}

/// What an empty table says: still waiting, still loading, or nothing matches.
fn empty_message(state: &State, contexts: &[usize]) -> &'static str {
    let waiting = contexts.iter().any(|&i| !state.contexts[i].reachable());
    let loading = contexts.iter().any(|&i| {
        let c = &state.contexts[i];
        match state.view {
            ViewKind::Kinds => c.catalog.is_none(),
            view => c.watch_state(view).is_none(),
        }
    });
    if waiting {
        "waiting for the API…"
    } else if loading {
        "loading…"
    } else {
        "no rows match"
    }
}

/// The resource table, or in a split the two contexts' tables side by side (half the width
/// each, columns giving way by priority as in one table).
fn draw_table(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(panes) = state.split.panes else {
        draw_pane(f, area, state, theme, &state.table_contexts(), None);
        return;
    };
    let halves: [Rect; 2] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(area);
    for (ci, half) in panes.into_iter().zip(halves) {
        draw_pane(f, half, state, theme, &[ci], Some(ci));
    }
}

/// One table of `contexts`' rows; `side` is the context of a split's side.
fn draw_pane(
    f: &mut Frame,
    area: Rect,
    state: &State,
    theme: &Theme,
    contexts: &[usize],
    side: Option<usize>,
) {
    let context_column = side.is_none() && state.context_column();
    // The index's rows: a frame resolves only the ones on screen.
    let rows = table::Rows::of(state, contexts);
    let focused = side.is_none_or(|ci| ci == state.focus);
    let cursor = if focused {
        state.cursor.as_ref()
    } else {
        state.split.other_cursor.as_ref()
    };
    let filter = if state.filter.is_empty() {
        String::new()
    } else {
        format!(" /{}", state.filter.text)
    };
    let labels = state
        .labels
        .as_ref()
        .map(|l| format!(" -l {}", l.text))
        .unwrap_or_default();
    let what = crate::app::drill::breadcrumb(state);
    let look = match side {
        None => {
            let scope = if context_column {
                "all contexts".to_string()
            } else {
                state
                    .focused()
                    .map(|c| c.name().to_string())
                    .unwrap_or_default()
            };
            let title = match what {
                Some(path) => format!(" {path}[{}]{filter}{labels} ", rows.len()),
                None => format!(
                    " {}({scope})[{}]{filter}{labels} ",
                    crate::app::kinds::title(state, state.view),
                    rows.len()
                ),
            };
            Look {
                fill_last: false,
                ..Look::focused(&title, theme)
            }
        }
        Some(ci) => {
            let c = &state.contexts[ci];
            let (marker, name_style) = if c.info.production {
                ("!", theme.production_banner)
            } else {
                ("", context_style(theme, ci))
            };
            let what = what.unwrap_or_else(|| crate::app::kinds::title(state, state.view));
            let rest = format!("{what}[{}]{filter}{labels} ", rows.len());
            let (lead, rest_style) = if focused {
                ("▶", theme.header)
            } else {
                (" ", theme.dim)
            };
            let look = Look {
                title: Line::from(vec![
                    Span::styled(lead, rest_style),
                    Span::styled(format!(" {}{marker} ", clean(c.name())), name_style),
                    Span::styled(clean(&rest).into_owned(), rest_style),
                ]),
                fill_last: false,
                ..Look::focused("", theme)
            };
            if focused { look } else { look.unfocused(theme) }
        }
    };
    let cells = |i: usize| match rows.get(i) {
        Some(row) => table_cells::cells(state, &row, context_column),
        None => (Vec::new(), table_cells::Tone::Normal),
    };
    let list = List {
        title: String::new(),
        notices: view_notices(state, contexts),
        columns: table_cells::columns(state, context_column),
        len: rows.len(),
        selected: rows.position(cursor),
        cells: &cells,
        empty: empty_message(state, contexts),
    };
    list_table::draw_with(f, area, theme, list, look);
}

fn draw_notice(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if let Some((level, text)) = &state.notice {
        let style = match level {
            Level::Info => theme.dim,
            Level::Warn => theme.status_warn,
            Level::Error => theme.status_error,
        };
        f.render_widget(
            Paragraph::new(Span::styled(
                truncate_to_width(&clean(text), area.width as usize),
                style,
            )),
            area,
        );
    }
}

fn hint(state: &State, action: Action, what: &str) -> Option<String> {
    state
        .keymap
        .key_for(action)
        .map(|k| format!("<{k}> {what}"))
}

fn draw_bottom(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let line = match &state.prompt {
        Some(Prompt::Command(t)) => Line::styled(format!(":{t}█"), theme.command_line),
        Some(Prompt::Filter(t)) => Line::styled(format!("/{t}█"), theme.command_line),
        Some(Prompt::LabelFilter(t)) => {
            Line::styled(format!("label selector: {t}█"), theme.command_line)
        }
        Some(Prompt::Scale {
            kind,
            namespace,
            name,
            text,
            ..
        }) => Line::styled(
            format!(
                "scale {} {}/{} to replicas: {text}█",
                kind.to_lowercase(),
                clean(namespace),
                clean(name)
            ),
            theme.command_line,
        ),
        None if state.screen == Screen::Logs => Line::styled(
            truncate_to_width(&crate::ui::logs_view::hints(state), area.width as usize),
            theme.dim,
        ),
        None if state.screen == Screen::Drain => Line::styled(
            truncate_to_width(&super::help_view::wizard_hints(state), area.width as usize),
            theme.dim,
        ),
        None if matches!(state.screen, Screen::Events | Screen::Containers) => {
            let own: &[(Action, &str)] = if state.screen == Screen::Events {
                &[
                    (Action::Drill, "go to object"),
                    (Action::WarningsOnly, "warnings only"),
                    (Action::Filter, "filter"),
                ]
            } else {
                &[(Action::Owner, "owner")]
            };
            let hints: Vec<String> = own
                .iter()
                .chain(&[
                    (Action::Back, "back"),
                    (Action::NextContext, "next context"),
                    (Action::ToggleMergedContexts, "merge"),
                    (Action::Help, "help"),
                ])
                .filter_map(|(a, w)| hint(state, *a, w))
                .collect();
            Line::styled(
                truncate_to_width(&hints.join("  "), area.width as usize),
                theme.dim,
            )
        }
        None => {
            let hints: Vec<String> = [
                (Action::CommandMode, "command"),
                (Action::Drill, "open"),
                (Action::Filter, "filter"),
                (Action::NextContext, "next context"),
                (Action::ToggleMergedContexts, "merge"),
                (Action::ToggleSplit, "split"),
                (Action::Describe, "describe"),
                (Action::Yaml, "yaml"),
                (Action::Help, "help"),
                (Action::Quit, "quit"),
            ]
            .iter()
            .filter_map(|(a, w)| hint(state, *a, w))
            .collect();
            Line::styled(
                truncate_to_width(&hints.join("  "), area.width as usize),
                theme.dim,
            )
        }
    };
    f.render_widget(Paragraph::new(line), area);
}

fn inset(area: Rect, margin: u16) -> Rect {
    let m = margin.min(area.width / 4);
    Rect {
        x: area.x + m,
        y: area.y,
        width: area.width.saturating_sub(2 * m),
        height: area.height,
    }
}

fn draw_text_overlay(
    f: &mut Frame,
    area: Rect,
    title: &str,
    text: &str,
    scroll: u16,
    theme: &Theme,
) {
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(format!(" {} ", clean(title)), theme.header));
    let lines: Vec<Line> = text
        .lines()
        .map(|l| Line::raw(clean(l).into_owned()))
        .collect();
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(theme.base)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}

fn draw_help(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    super::help_view::draw_help(f, inset(area, 0), state, theme);
}
