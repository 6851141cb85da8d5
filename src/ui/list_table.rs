//! A bordered list with a title, one-line notices and a windowed table: what the resource
//! tables (one, or two side by side), the events and the containers views draw. Only the rows in
//! view become text. Columns that do not fit give way by priority (`fit_columns`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::sanitize::{clean, display_width, truncate_to_width};
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

/// How a list stands out: its title line, border and cursor row, and whether its last column
/// takes the width left over.
pub struct Look<'a> {
    pub title: Line<'a>,
    pub border: Style,
    pub highlight: Style,
    pub fill_last: bool,
}

impl Look<'_> {
    /// The look of a list keys act on, titled `title`.
    pub fn focused(title: &str, theme: &Theme) -> Look<'static> {
        Look {
            title: Line::from(Span::styled(clean(title).into_owned(), theme.header)),
            border: theme.border_focused,
            highlight: theme.selected_row,
            fill_last: true,
        }
    }

    /// The look of a list beside the focused one: plain border, its cursor row dimmed.
    pub fn unfocused(self, theme: &Theme) -> Self {
        Look {
            border: theme.border,
            highlight: theme.dim.add_modifier(Modifier::REVERSED),
            ..self
        }
    }
}

/// Cells wider than this are cut, except the last column's, which takes what is left.
const MAX_CELL: usize = 64;

/// Picks which columns fit `width`, dropping the most droppable first (pure).
pub fn fit_columns(cols: &[Column], widths: &[usize], width: u16) -> Vec<usize> {
    let mut keep: Vec<usize> = (0..cols.len()).collect();
    while row_width(&keep, widths) > width as usize {
        let Some(drop) = keep
            .iter()
            .copied()
            .filter(|&i| cols[i].drop_priority > 0)
            .max_by_key(|&i| (cols[i].drop_priority, i))
        else {
            break;
        };
        keep.retain(|&i| i != drop);
    }
    keep
}

/// Columns that never give way and still do not fit (a half-width split pane): the widest is
/// cut, one cell at a time, so every row stays inside `width` and aligned (pure).
pub fn shrink_to_fit(keep: &[usize], widths: &mut [usize], width: u16) {
    const MIN: usize = 4;
    while row_width(keep, widths) > width as usize {
        let Some(&widest) = keep
            .iter()
            .filter(|&&i| widths[i] > MIN)
            .max_by_key(|&&i| (widths[i], std::cmp::Reverse(i)))
        else {
            break;
        };
        widths[widest] -= 1;
    }
}

/// The width of the columns `keep` with their one-cell gaps.
fn row_width(keep: &[usize], widths: &[usize]) -> usize {
    keep.iter().map(|&i| widths[i] + 1).sum()
}

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
    let look = Look::focused(&list.title, theme);
    draw_with(f, area, theme, list, look);
}

/// `draw` with its own title line, border, cursor row and last-column rule.
pub fn draw_with(f: &mut Frame, area: Rect, theme: &Theme, list: List, look: Look) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(look.border)
        .title(look.title);
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
    shrink_to_fit(&keep, &mut widths, table_area.width);
    if let Some(&last) = keep.last().filter(|_| look.fill_last) {
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
        .row_highlight_style(look.highlight)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn col(title: &'static str, drop_priority: u8) -> Column {
        Column {
            title,
            align: Align::Left,
            drop_priority,
        }
    }

    #[test]
    fn narrow_widths_drop_the_most_droppable_columns_first() {
        let cols = [col("NAME", 0), col("IP", 4), col("AGE", 1), col("CPU", 5)];
        let widths = [20, 12, 3, 5];
        assert_eq!(fit_columns(&cols, &widths, 80), vec![0, 1, 2, 3]);
        assert_eq!(fit_columns(&cols, &widths, 30), vec![0, 2]);
        assert_eq!(fit_columns(&cols, &widths, 10), vec![0], "NAME never goes");
    }

    #[test]
    fn columns_that_never_go_are_cut_widest_first_to_fit() {
        let keep = [0, 1, 2];
        let mut widths = [20, 5, 16];
        shrink_to_fit(&keep, &mut widths, 36);
        assert_eq!(widths, [14, 5, 14]);
        assert_eq!(row_width(&keep, &widths), 36);
        let mut tiny = [20, 5, 16];
        shrink_to_fit(&keep, &mut tiny, 3);
        assert_eq!(tiny, [4, 4, 4], "never below a few cells");
    }
}
