//! A pod's containers (the drill-down below a pod): init containers first and marked, state
//! with its reason, ready, restarts, the last termination and the ports.

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::containers;
use crate::app::drill;
use crate::app::state::State;
use crate::cluster::container_rows::ContainerType;
use crate::ui::list_table::{self, List};
use crate::ui::table_cells::{Align, Column, Tone};
use crate::ui::theme::Theme;

const fn col(title: &'static str, align: Align, drop_priority: u8) -> Column {
    Column {
        title,
        align,
        drop_priority,
    }
}

const COLUMNS: [Column; 8] = [
    col("NAME", Align::Left, 0),
    col("TYPE", Align::Left, 3),
    col("IMAGE", Align::Left, 4),
    col("STATE", Align::Left, 0),
    col("READY", Align::Left, 0),
    col("RESTARTS", Align::Right, 1),
    col("LAST TERMINATION", Align::Left, 2),
    col("PORTS", Align::Left, 5),
];

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(v) = state.drill.containers.as_ref() else {
        return;
    };
    let rows: &[_] = match &v.rows {
        Some(Ok(rows)) => rows,
        _ => &[],
    };
    let mut notices = Vec::new();
    if let Some(Err(e)) = &v.rows {
        notices.push(e.clone());
    }
    if containers::pod_gone(state, v) {
        notices.push(format!(
            "pod {}/{} is gone; these are its last containers",
            v.namespace, v.pod
        ));
    }
    let title = format!(
        " {}[{}] ",
        drill::breadcrumb(state)
            .unwrap_or_else(|| format!("pod {}/{} › containers", v.namespace, v.pod)),
        rows.len()
    );
    let cells = |i: usize| {
        let c = &rows[i];
        let tone = if c.failing {
            Tone::Error
        } else if c.kind == ContainerType::Init {
            Tone::Dim
        } else if !c.ready {
            Tone::Warn
        } else {
            Tone::Normal
        };
        (
            vec![
                c.name.clone(),
                c.kind.label().to_string(),
                c.image.clone(),
                c.state.clone(),
                if c.ready { "true" } else { "false" }.to_string(),
                c.restarts.to_string(),
                c.last_termination.clone(),
                c.ports.clone(),
            ],
            tone,
        )
    };
    list_table::draw(
        f,
        area,
        theme,
        List {
            title,
            notices,
            columns: COLUMNS.to_vec(),
            len: rows.len(),
            selected: containers::selected_index(v),
            cells: &cells,
            empty: if v.rows.is_none() {
                "fetching…"
            } else {
                "no containers"
            },
        },
    );
}
