//! Drawing the log panes: each pane's border carries its title (target, context, pods, state,
//! dropped lines); lines are prefixed with a coloured pod/container tag, escape sequences are
//! shown as text, wide characters keep their two cells, long lines are cut or wrapped.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthChar;

use crate::app::logs::buffer::match_ranges;
use crate::app::logs::layout::Area;
use crate::app::logs::pane::{LogPane, shown_parts};
use crate::app::state::State;
use crate::sanitize::{clean, truncate_to_width};
use crate::ui::theme::Theme;

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let logs = &state.logs;
    let (panes_area, input_area) = match &logs.input {
        Some(_) if area.height > 3 => (
            Rect {
                height: area.height - 1,
                ..area
            },
            Some(Rect {
                y: area.y + area.height - 1,
                height: 1,
                ..area
            }),
        ),
        _ => (area, None),
    };
    let rects = match &logs.layout {
        None => {
            f.render_widget(
                Paragraph::new(
                    "No log panes: press l on a pod or deployment, or type :logs -l SELECTOR",
                )
                .style(theme.dim),
                area,
            );
            return;
        }
        Some(_) if logs.zoomed => vec![(logs.focus, panes_area)],
        Some(l) => {
            let a = panes_area;
            l.rects(Area::new(a.x, a.y, a.width, a.height))
                .into_iter()
                .map(|(id, r)| (id, Rect::new(r.x, r.y, r.width, r.height)))
                .collect()
        }
    };
    for (id, rect) in rects {
        if let Some(p) = logs.panes.get(&id) {
            draw_pane(f, rect, p, id == logs.focus, state, theme);
        }
    }
    if let (Some(input), Some(a)) = (&logs.input, input_area) {
        let text = format!("{}{}█", input.label(), clean(input.text()));
        f.render_widget(Clear, a);
        f.render_widget(
            Paragraph::new(Line::styled(
                truncate_to_width(&text, a.width as usize),
                theme.command_line,
            )),
            a,
        );
    }
}

/// The bottom line on the log screen: the main log keys of the active keymap.
pub fn hints(state: &State) -> String {
    use crate::app::keys::LogAction as A;
    [
        (A::TogglePause, "pause"),
        (A::Search, "search"),
        (A::Filter, "filter"),
        (A::Since, "since"),
        (A::Save, "save"),
        (A::SplitSide, "split |"),
        (A::SplitStacked, "split -"),
        (A::FocusNext, "focus"),
        (A::Zoom, "zoom"),
        (A::Close, "close"),
        (A::Back, "tables"),
    ]
    .iter()
    .filter_map(|(a, w)| state.keymap.logs.key_for(*a).map(|k| format!("<{k}> {w}")))
    .collect::<Vec<_>>()
    .join("  ")
}

/// The log screen's keys for the help screen.
pub fn help_lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        "Log panes (:logs -l SELECTOR | POD [-n NS] [--context a,b] [-c C] [-p])",
        theme.dim,
    )];
    for (action, keys) in state.keymap.logs.bindings() {
        lines.push(Line::from(vec![
            Span::styled(format!("{:>18}  ", keys.join(", ")), theme.help_key),
            Span::styled(action.help(), theme.help_text),
        ]));
    }
    lines.push(Line::raw(""));
    lines
}

/// The pane's border title.
pub fn title(p: &LogPane, state: &State) -> String {
    let pods = p.live_pods();
    let mut t = format!(
        " {} -n {} @{} · {} pod{} · {}",
        p.spec.target.describe(),
        p.spec.target.namespace(),
        p.context,
        pods,
        if pods == 1 { "" } else { "s" },
        p.state_label()
    );
    let gone = p
        .streams
        .values()
        .filter(|s| **s == crate::app::logs::pane::PodState::Gone)
        .count();
    if gone > 0 {
        t.push_str(&format!(" · {gone} gone"));
    }
    if p.buffer.dropped > 0 {
        t.push_str(&format!(" · dropped {}", p.buffer.dropped));
    }
    if p.spec.previous {
        t.push_str(" · previous");
    }
    t.push_str(&format!(" · {}", p.since.label()));
    if let Some(q) = &p.filter {
        t.push_str(&format!(" · & {q}"));
    }
    if let Some(q) = &p.search {
        let hits = p
            .buffer
            .shown_rev(p.filter.as_deref())
            .filter(|(_, l)| crate::app::logs::buffer::matches(&l.text, q))
            .count();
        t.push_str(&format!(" · /{q} ({hits})"));
    }
    if p.wrap {
        t.push_str(" · wrap");
    }
    if let Some(e) = &p.problem {
        t.push_str(&format!(" · {e}"));
    }
    let _ = state;
    t.push(' ');
    t
}

fn draw_pane(f: &mut Frame, area: Rect, p: &LogPane, focused: bool, state: &State, theme: &Theme) {
    let border = if focused {
        theme.border_focused
    } else {
        theme.border
    };
    let title_style = if focused { theme.header } else { theme.dim };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(
            truncate_to_width(
                &clean(&title(p, state)),
                area.width.saturating_sub(2) as usize,
            ),
            title_style,
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let rows = pane_rows(p, inner.width as usize, inner.height as usize, theme);
    f.render_widget(Paragraph::new(rows).style(theme.base), inner);
}

/// The rows a pane shows, top to bottom: the newest shown lines above the scroll offset.
pub fn pane_rows(p: &LogPane, width: usize, height: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out: Vec<Vec<Line<'static>>> = Vec::new();
    let mut used = 0;
    // On a search match, never scroll past the oldest line, so a match near the top still
    // fills the pane; otherwise a paused view stays exactly where it was.
    let skip = if p.current_match.is_some() {
        p.scroll.min(p.shown_count().saturating_sub(height))
    } else {
        p.scroll
    };
    for (n, line) in p.buffer.shown_rev(p.filter.as_deref()).skip(skip) {
        if used >= height {
            break;
        }
        let (tag, time, text) = shown_parts(line, p.timestamps);
        let tag_style = if line.container.is_empty() {
            theme.dim
        } else {
            theme.context_tag(hash(&line.pod) as usize)
        };
        let text_style = if line.container.is_empty() {
            theme.dim
        } else {
            theme.base
        };
        let mut segs: Vec<(String, Style)> = vec![(tag, tag_style), (" ".into(), theme.base)];
        if let Some(t) = time {
            segs.push((t, theme.log_timestamp));
            segs.push((" ".into(), theme.base));
        }
        let is_current = p.current_match == Some(n);
        let hl = if is_current {
            theme.search_match.add_modifier(Modifier::REVERSED)
        } else {
            theme.search_match
        };
        let ranges = p
            .search
            .as_deref()
            .map(|q| match_ranges(&text, q))
            .unwrap_or_default();
        let mut at = 0;
        for (a, b) in ranges {
            segs.push((text[at..a].to_string(), text_style));
            segs.push((text[a..b].to_string(), hl));
            at = b;
        }
        segs.push((text[at..].to_string(), text_style));
        let mut rows = layout_row(segs, width, p.wrap);
        if rows.len() > height - used {
            // Only the last rows of a wrapped line fit at the top: keep its end.
            rows.drain(..rows.len() - (height - used));
        }
        used += rows.len();
        out.push(rows);
    }
    out.into_iter().rev().flatten().collect()
}

/// Cuts styled text into rows of at most `width` cells: one row (truncated) or several (wrapped).
/// A wide character never straddles a row's edge.
fn layout_row(segs: Vec<(String, Style)>, width: usize, wrap: bool) -> Vec<Line<'static>> {
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut cells = 0;
    for (text, style) in segs {
        let mut cur = String::new();
        for c in text.chars() {
            let w = c.width().unwrap_or(0);
            if cells + w > width {
                if !cur.is_empty() {
                    rows.last_mut()
                        .expect("a row")
                        .push(Span::styled(std::mem::take(&mut cur), style));
                }
                if !wrap {
                    return rows.into_iter().map(Line::from).collect();
                }
                rows.push(Vec::new());
                cells = 0;
            }
            cur.push(c);
            cells += w;
        }
        if !cur.is_empty() {
            rows.last_mut()
                .expect("a row")
                .push(Span::styled(cur, style));
        }
    }
    rows.into_iter().map(Line::from).collect()
}

/// A stable hash of a pod name, so a pod keeps its colour for the whole session.
fn hash(s: &str) -> u32 {
    s.bytes()
        .fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619))
}
