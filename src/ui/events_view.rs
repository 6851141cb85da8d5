//! The events view: the shown contexts' Events, warnings first, as `kubectl get events` prints
//! them (LAST SEEN, TYPE, REASON, OBJECT, COUNT, MESSAGE; CONTEXT and NAMESPACE when several).

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::drill;
use crate::app::events;
use crate::app::state::State;
use crate::cluster::events::{ResourceKind, WatchState};
use crate::printers::age;
use crate::ui::list_table::{self, List};
use crate::ui::table_cells::{Align, Column, Tone};
use crate::ui::theme::Theme;

fn col(title: &'static str, align: Align, drop_priority: u8) -> Column {
    Column {
        title,
        align,
        drop_priority,
    }
}

/// The columns: CONTEXT when several contexts are merged, NAMESPACE when several may show.
pub fn columns(merged: bool, all_namespaces: bool) -> Vec<Column> {
    let mut cols = Vec::new();
    if merged {
        cols.push(col("CONTEXT", Align::Left, 2));
    }
    if merged || all_namespaces {
        cols.push(col("NAMESPACE", Align::Left, 3));
    }
    cols.extend([
        col("LAST SEEN", Align::Right, 0),
        col("TYPE", Align::Left, 1),
        col("REASON", Align::Left, 0),
        col("OBJECT", Align::Left, 0),
        col("COUNT", Align::Right, 4),
        col("MESSAGE", Align::Left, 0),
    ]);
    cols
}

fn notices(state: &State) -> Vec<String> {
    let mut out = Vec::new();
    for &ci in &state.shown_contexts() {
        let Some(c) = state.contexts.get(ci) else {
            continue;
        };
        if let Some(WatchState::Forbidden(why)) = c.watches.get(&ResourceKind::Events) {
            out.push(format!("{}: {why}", c.name()));
        } else if let Some(WatchState::Failing(why)) = c.watches.get(&ResourceKind::Events)
            && c.reachable()
        {
            out.push(format!("{}: watch failing, retrying: {why}", c.name()));
        }
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let merged = state.shown_contexts().len() > 1;
    let rows = events::visible(state);
    let (kept, dropped) = events::counts(state);
    let mut title = format!(
        " {}[{}]",
        drill::breadcrumb(state).unwrap_or_else(|| "events".into()),
        rows.len()
    );
    if !state.events.filter.is_empty() {
        title.push_str(&format!(" /{}", state.events.filter.text));
    }
    if state.events.warnings_only {
        title.push_str(" warnings only");
    }
    if dropped > 0 {
        title.push_str(&format!(" (keeping the newest {kept}, {dropped} dropped)"));
    }
    title.push(' ');
    let loading = state.shown_contexts().iter().any(|&i| {
        state
            .contexts
            .get(i)
            .is_some_and(|c| !c.watches.contains_key(&ResourceKind::Events))
    });
    let now = state.now;
    let cells = |i: usize| {
        let r = rows[i];
        let e = r.row;
        let mut out = Vec::new();
        if merged {
            out.push(state.contexts[r.context].name().to_string());
        }
        if merged || state.namespaces.single().is_none() {
            out.push(e.namespace.clone());
        }
        out.push(
            e.last_seen
                .map_or_else(|| "<unknown>".into(), |t| age::since(t, now)),
        );
        out.push(e.type_.clone());
        out.push(e.reason.clone());
        out.push(e.object());
        out.push(e.count.to_string());
        out.push(e.message.clone());
        (
            out,
            if e.is_warning() {
                Tone::Warn
            } else {
                Tone::Normal
            },
        )
    };
    list_table::draw(
        f,
        area,
        theme,
        List {
            title,
            notices: notices(state),
            columns: columns(merged, state.namespaces.single().is_none()),
            len: rows.len(),
            selected: events::selected_index(state, &rows),
            cells: &cells,
            empty: if loading {
                "loading…"
            } else {
                "no events match"
            },
        },
    );
}
