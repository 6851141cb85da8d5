//! A bordered list with a title, one-line notices and a windowed table: what the events and
//! containers views draw. Only the rows in view become text.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::sanitize::{clean, display_width, truncate_to_width};
use crate::ui::screen::fit_columns;
use crate::ui::table_cells::{Align, Column, Tone};
use crate::ui::theme::Theme;

pub struct List<'a> {
    pub title: String,
    /// Warnings over the rows (a forbidden list, a failed fetch).
    pub notices: Vec<String>,
    pub columns: Vec<Column>,
    pub len: usize,
    pub selected: usize,
    /// The cells of row `i`, in `columns` order, and its tone.
    pub cells: &'a dyn Fn(usize) -> (Vec<String>, Tone),
    /// Shown when there are no rows and no notices.
    pub empty: &'a str,
}

/// Cells wider than this are cut, except the last column's, which takes what is left.
const MAX_CELL: usize = 64;

pub fn tone_style(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Normal => Style::default(),
        Tone::Ok => theme.status_ok,
        Tone::Warn => theme.status_warn,
        Tone::Error => theme.status_error,
        Tone::Dim => theme.dim,
    }
}

pub fn draw(f: &mut Frame, area: Rect, theme: &Theme, list: List) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(clean(&list.title).into_owned(), theme.header));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [notice_area, table_area] = Layout::vertical([
        Constraint::Length(list.notices.len() as u16),
        Constraint::Min(1),
    ])
    .areas(inner);
    let notices: Vec<Line> = list
        .notices
        .iter()
        .map(|n| {
            Line::styled(
                truncate_to_width(&clean(n), inner.width as usize),
                theme.status_warn,
            )
        })
        .collect();
    f.render_widget(Paragraph::new(notices), notice_area);

    let height = table_area.height.saturating_sub(1) as usize;
    let offset = list.selected.saturating_sub(height.saturating_sub(1));
    let window: Vec<(Vec<String>, Tone)> = (offset..list.len.min(offset + height))
        .map(|i| {
            let (cells, tone) = (list.cells)(i);
            (
                cells.into_iter().map(|c| clean(&c).into_owned()).collect(),
                tone,
            )
        })
        .collect();
    let cols = &list.columns;
    let mut widths: Vec<usize> = cols.iter().map(|c| display_width(c.title)).collect();
    for (cells, _) in &window {
        for (i, c) in cells.iter().enumerate().take(widths.len()) {
            widths[i] = widths[i].max(display_width(c)).min(MAX_CELL);
        }
    }
    let keep = fit_columns(cols, &widths, table_area.width);
    if let Some(&last) = keep.last() {
        let others: usize = keep
            .iter()
            .filter(|&&i| i != last)
            .map(|&i| widths[i] + 1)
            .sum();
        widths[last] = (table_area.width as usize)
            .saturating_sub(others)
            .max(widths[last].min(8));
    }
    let header =
        Row::new(keep.iter().map(|&i| Cell::from(cols[i].title))).style(theme.table_header);
    let body: Vec<Row> = window
        .iter()
        .map(|(cells, tone)| {
            Row::new(keep.iter().map(|&i| {
                let text = truncate_to_width(cells.get(i).map_or("", String::as_str), widths[i]);
                Cell::from(match cols[i].align {
                    Align::Right => format!(
                        "{}{text}",
                        " ".repeat(widths[i].saturating_sub(display_width(&text)))
                    ),
                    Align::Left => text,
                })
            }))
            .style(tone_style(theme, *tone))
        })
        .collect();
    let constraints: Vec<Constraint> = keep
        .iter()
        .map(|&i| Constraint::Length(widths[i] as u16))
        .collect();
    let widget = Table::new(body, constraints)
        .header(header)
        .row_highlight_style(theme.selected_row)
        .column_spacing(1);
    let mut ts = TableState::default();
    if list.len > 0 {
        ts.select(Some(list.selected - offset));
    }
    f.render_stateful_widget(widget, table_area, &mut ts);
    if list.len == 0 && list.notices.is_empty() && table_area.height > 1 {
        let area = Rect {
            y: table_area.y + 1,
            height: 1,
            ..table_area
        };
        f.render_widget(Paragraph::new(Span::styled(list.empty, theme.dim)), area);
    }
}
