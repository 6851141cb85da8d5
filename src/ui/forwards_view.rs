//! Drawing the port-forwards view (one row per forward, its state and counters) and the dialog
//! that adds one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use crate::app::forward_dialog::{Dialog, Field};
use crate::app::forwards::{Forward, Tone};
use crate::app::state::State;
use crate::sanitize::clean;
use crate::ui::theme::Theme;

/// `812 B`, `14.2 KiB`, `3.1 MiB`: counters stay narrow.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

fn tone_style(tone: Tone, theme: &Theme) -> Style {
    match tone {
        Tone::Dim => theme.dim,
        Tone::Ok | Tone::Active => theme.status_ok,
        Tone::Warn => theme.status_warn,
        Tone::Error => theme.status_error,
    }
}

fn row<'a>(f: &Forward, theme: &Theme) -> Row<'a> {
    let (state, tone) = f.state_text();
    let s = f.snapshot.as_ref();
    let conns = s.map_or(String::new(), |s| format!("{}/{}", s.open, s.total));
    let bytes = |n: Option<u64>| n.map(human_bytes).unwrap_or_default();
    Row::new(vec![
        Cell::from(clean(&f.spec.name).into_owned()),
        Cell::from(clean(&f.spec.context).into_owned()),
        Cell::from(format!(
            "{}/{}:{}",
            clean(&f.spec.namespace),
            clean(&f.spec.target.to_string()),
            f.spec.remote_port
        )),
        Cell::from(f.spec.local()),
        Cell::from(Span::styled(state, tone_style(tone, theme))),
        Cell::from(conns),
        Cell::from(bytes(s.map(|s| s.bytes_in))),
        Cell::from(bytes(s.map(|s| s.bytes_out))),
        Cell::from(Span::styled(
            clean(&f.reason()).into_owned(),
            if tone == Tone::Error {
                theme.status_error
            } else {
                theme.dim
            },
        )),
    ])
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let [table_area, hint_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    let fw = &state.forwards;
    let header = Row::new(
        [
            "NAME",
            "CONTEXT",
            "TARGET",
            "LOCAL",
            "STATE",
            "CONNS",
            "BYTES IN",
            "BYTES OUT",
            "REASON",
        ]
        .map(|h| Cell::from(h).style(theme.table_header)),
    );
    let widths = [
        Constraint::Length(14),
        Constraint::Length(10),
        Constraint::Length(34),
        Constraint::Length(16),
        Constraint::Length(15),
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Min(10),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Port-forwards ({}) ", fw.list.len()),
            theme.header,
        ));
    let rows: Vec<Row> = fw.list.iter().map(|fwd| row(fwd, theme)).collect();
    if rows.is_empty() {
        f.render_widget(
            Paragraph::new(
                "No port-forwards. shift-f on a pod or deployment, :pf NS/svc/NAME LOCAL:REMOTE, or forwards: in the config file.",
            )
            .style(theme.dim)
            .block(block)
            .wrap(Wrap { trim: true }),
            table_area,
        );
    } else {
        let table = Table::new(rows, widths)
            .header(header)
            .block(block)
            .style(theme.base)
            .row_highlight_style(theme.selected_row);
        let mut ts = TableState::default().with_selected(Some(fw.selected.min(fw.list.len() - 1)));
        f.render_stateful_widget(table, table_area, &mut ts);
    }
    f.render_widget(
        Paragraph::new(super::help_view::forwards_hints(state)).style(theme.dim),
        hint_area,
    );
    if let Some(d) = &fw.dialog {
        draw_dialog(f, area, d, theme);
    }
}

fn draw_dialog(f: &mut Frame, area: Rect, d: &Dialog, theme: &Theme) {
    let width = area.width.min(76);
    let height = area.height.min(10);
    let r = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    f.render_widget(Clear, r);
    let field = |label: &str, value: &str, active: bool| {
        Line::from(vec![
            Span::styled(format!("{label:>22} "), theme.help_key),
            Span::styled(
                format!("{}{}", clean(value), if active { "▏" } else { "" }),
                if active {
                    theme.command_line
                } else {
                    theme.base
                },
            ),
        ])
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Forward to ", theme.dim),
            Span::styled(
                format!(
                    "{} in {} ({})",
                    clean(&d.target.to_string()),
                    clean(&d.namespace),
                    clean(&d.context)
                ),
                theme.header,
            ),
        ]),
        Line::raw(""),
        field("ports (LOCAL:REMOTE)", &d.ports, d.field == Field::Ports),
        field("local address", &d.address, d.field == Field::Address),
    ];
    if let Some(w) = d.exposure_warning() {
        let text = if d.exposed_confirmed {
            format!("Warning: {w} — confirmed, enter starts it")
        } else {
            format!("Warning: {w}: press enter again to confirm")
        };
        lines.push(Line::styled(text, theme.status_warn));
    }
    if let Some(e) = &d.error {
        lines.push(Line::styled(clean(e).into_owned(), theme.status_error));
    }
    lines.push(Line::styled(
        "tab next field · enter start · esc cancel",
        theme.dim,
    ));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(" Port-forward ", theme.header));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(theme.base)
            .wrap(Wrap { trim: false }),
        r,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_humanised() {
        assert_eq!(human_bytes(812), "812 B");
        assert_eq!(human_bytes(14 * 1024 + 205), "14.2 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
