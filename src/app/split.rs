//! Two contexts side by side: the same view in two tables (e.g. prod left, stg right), each with
//! its own cursor; filters and sort are shared. Keys act on the focused side (`State::focus`,
//! whose cursor is `State::cursor`); the other side keeps its cursor here. Pure.

use super::state::{Level, State};
use super::table::{self, RowId};

#[derive(Debug, Clone, Default)]
pub struct Split {
    /// The contexts shown left and right (indices into `State::contexts`); None: no split.
    pub panes: Option<[usize; 2]>,
    /// The cursor of the side keys are not on. Kept while the split is off, so toggling it
    /// back finds both cursors where they were.
    pub other_cursor: Option<RowId>,
}

/// The two contexts a split of `focus` shows: it and the next, in the title bar's order.
pub fn pair(focus: usize, contexts: usize) -> [usize; 2] {
    let next = (focus + 1) % contexts.max(1);
    [focus.min(next), focus.max(next)]
}

/// The side keys are not on, while split.
pub fn other_pane(state: &State) -> Option<usize> {
    let [a, b] = state.split.panes?;
    Some(if state.focus == a { b } else { a })
}

/// The split key: two contexts side by side, or back to one table.
pub fn toggle(state: &mut State) {
    if state.split.panes.take().is_some() {
        return;
    }
    if state.contexts.len() < 2 {
        let live = state.focused().map_or("none", |c| c.name()).to_string();
        state.notice = Some((
            Level::Info,
            format!(
                "a split shows two live contexts side by side; only {live} is live (:ctx NAME opens another)"
            ),
        ));
        return;
    }
    // Split where the operator is looking: a merged table's cursor may be on another context.
    if let Some(i) = state
        .cursor
        .as_ref()
        .and_then(|c| state.context_index(&c.context))
    {
        state.focus = i;
    }
    state.split.panes = Some(pair(state.focus, state.contexts.len()));
    let other = other_pane(state).map(|i| state.contexts[i].info.name.clone());
    if state.split.other_cursor.as_ref().map(|c| &c.context) != other.as_ref() {
        state.split.other_cursor = None;
    }
    // Split tables have no CONTEXT column to be sorted by.
    let sortable = table::sortable(state, state.view);
    if !sortable.contains(&state.sort.column) {
        state.sort.column = sortable[0];
        state.sort.reverse = false;
    }
}

/// Moves the keys to the other side; each side's cursor stays where it was.
pub fn switch_side(state: &mut State) {
    let Some(other) = other_pane(state) else {
        return;
    };
    state.focus = other;
    std::mem::swap(&mut state.cursor, &mut state.split.other_cursor);
}

/// Keeps the split consistent after anything moved the focus (`:ctx`, a newly opened context,
/// a drill-down into another context): the split follows the focused context.
pub fn settle(state: &mut State) {
    let Some(panes) = state.split.panes else {
        return;
    };
    let n = state.contexts.len();
    if n < 2 {
        state.split.panes = None;
    } else if !panes.contains(&state.focus) || panes.iter().any(|&p| p >= n) {
        state.split.panes = Some(pair(state.focus, n));
        state.split.other_cursor = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::Msg;
    use crate::app::update::update;
    use crate::cluster::events::{ClusterEvent, Delta, SessionEvent};
    use crate::cluster::rows::PodRow;
    use crate::settings::keymap;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::app::test_support::info;

    fn pod(name: &str) -> PodRow {
        let p: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "c"}]}
        }))
        .unwrap();
        PodRow::from_pod(&p)
    }

    fn pods(s: &mut State, ctx: &str, delta: Delta<PodRow>) {
        update(
            s,
            Msg::Cluster(Box::new(SessionEvent {
                context: ctx.into(),
                event: ClusterEvent::Pods(delta),
            })),
        );
    }

    fn state(contexts: &[&str]) -> State {
        let (km, _) = keymap::load(None, None);
        let mut s = State::new(
            contexts.iter().map(|c| info(c)).collect(),
            vec![],
            crate::app::namespaces::Namespaces::all(),
            false,
            km,
        );
        s.sort.column = "NAME";
        for ctx in contexts {
            let rows = ["a", "b", "c"].map(|n| pod(&format!("{n}-{ctx}")));
            pods(&mut s, ctx, Delta::Reset(rows.to_vec()));
        }
        s
    }

    fn press(s: &mut State, code: KeyCode) {
        update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    fn split_key(s: &mut State) {
        press(s, KeyCode::Char('|'));
    }

    /// The name under each side's cursor, left then right.
    fn cursors(s: &State) -> [String; 2] {
        let panes = s.split.panes.expect("split");
        panes.map(|ci| {
            let rows = table::visible_in(s, &[ci]);
            let cursor = if ci == s.focus {
                s.cursor.as_ref()
            } else {
                s.split.other_cursor.as_ref()
            };
            rows[table::cursor_index(s, &rows, cursor)].key().1
        })
    }

    #[test]
    fn the_split_key_shows_two_contexts_and_keys_act_on_the_focused_side() {
        let mut s = state(&["prod", "stg"]);
        split_key(&mut s);
        assert_eq!(s.split.panes, Some([0, 1]));
        assert_eq!(s.shown_contexts(), vec![0, 1], "both sides are watched");
        assert!(!s.context_column());
        assert!(!table::sortable(&s, s.view).contains(&"CONTEXT"));
        let names =
            |s: &State| -> Vec<String> { table::visible(s).iter().map(|r| r.key().1).collect() };
        assert_eq!(names(&s), ["a-prod", "b-prod", "c-prod"]);
        press(&mut s, KeyCode::Tab);
        assert_eq!(s.focus, 1);
        assert_eq!(names(&s), ["a-stg", "b-stg", "c-stg"]);
        press(&mut s, KeyCode::Tab);
        assert_eq!(s.focus, 0, "tab goes back and forth between the two sides");
        split_key(&mut s);
        assert_eq!(s.split.panes, None);
        assert_eq!(table::visible(&s).len(), 6, "back to the merged table");
    }

    #[test]
    fn each_side_keeps_its_cursor_across_switching_toggling_and_row_updates() {
        let mut s = state(&["prod", "stg"]);
        split_key(&mut s);
        press(&mut s, KeyCode::Down);
        press(&mut s, KeyCode::Tab);
        press(&mut s, KeyCode::Down);
        press(&mut s, KeyCode::Down);
        assert_eq!(cursors(&s), ["b-prod", "c-stg"]);
        press(&mut s, KeyCode::Tab);
        assert_eq!(
            cursors(&s),
            ["b-prod", "c-stg"],
            "switching sides moves no cursor"
        );

        pods(&mut s, "prod", Delta::Upsert(pod("0-prod")));
        pods(&mut s, "stg", Delta::Upsert(pod("0-stg")));
        assert_eq!(cursors(&s), ["b-prod", "c-stg"], "rows inserted above");

        pods(
            &mut s,
            "stg",
            Delta::Remove(("default".into(), "c-stg".into())),
        );
        assert_eq!(
            cursors(&s),
            ["b-prod", "b-stg"],
            "the other side's object went: its cursor takes the row in its place"
        );

        split_key(&mut s);
        assert_eq!(s.cursor.as_ref().map(|c| c.name.as_str()), Some("b-prod"));
        split_key(&mut s);
        assert_eq!(cursors(&s), ["b-prod", "b-stg"], "toggled off and on again");
    }

    #[test]
    fn a_merged_cursor_on_another_context_takes_the_focus_into_the_split() {
        let mut s = state(&["prod", "stg"]);
        s.sort.column = "CONTEXT";
        s.sort.reverse = true;
        press(&mut s, KeyCode::Down);
        assert_eq!(s.cursor.as_ref().unwrap().context, "stg");
        split_key(&mut s);
        assert_eq!(s.focus, 1);
        assert_eq!(s.sort.column, "NAMESPACE", "no CONTEXT column to sort by");
        assert_eq!(s.cursor.as_ref().unwrap().context, "stg");
    }

    #[test]
    fn with_three_contexts_the_split_shows_the_focused_one_and_the_next() {
        let mut s = state(&["prod", "stg", "dev"]);
        s.focus = 2;
        split_key(&mut s);
        assert_eq!(s.split.panes, Some([0, 2]), "dev and, wrapping, prod");
        // `:ctx stg` focuses a context outside the split: the split follows it.
        for c in ":ctx stg".chars() {
            press(&mut s, KeyCode::Char(c));
        }
        press(&mut s, KeyCode::Enter);
        assert_eq!(s.focus, 1);
        assert_eq!(s.split.panes, Some([1, 2]));
    }

    #[test]
    fn with_one_context_the_split_key_says_why_nothing_happened() {
        let mut s = state(&["stg"]);
        split_key(&mut s);
        assert_eq!(s.split.panes, None);
        let (level, text) = s.notice.clone().unwrap();
        assert_eq!(level, Level::Info);
        assert!(text.contains("only stg is live"), "{text}");
    }

    #[test]
    fn a_split_of_a_generic_kind_watches_it_in_both_contexts() {
        use crate::app::msg::Cmd;
        use crate::app::state::ViewKind;
        use crate::cluster::kinds::{Catalog, KindInfo};
        let mut s = state(&["prod", "stg"]);
        s.merged = false;
        for ctx in ["prod", "stg"] {
            update(
                &mut s,
                Msg::Cluster(Box::new(SessionEvent {
                    context: ctx.into(),
                    event: ClusterEvent::Catalog(Catalog {
                        kinds: vec![KindInfo::builtin("Service").unwrap()],
                    }),
                })),
            );
        }
        let watched = |cmds: &[Cmd]| -> Vec<String> {
            cmds.iter()
                .filter_map(|c| match c {
                    Cmd::WatchKind { context, .. } => Some(context.clone()),
                    _ => None,
                })
                .collect()
        };
        let mut cmds = Vec::new();
        for c in ":svc".chars() {
            cmds.extend(update(
                &mut s,
                Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            ));
        }
        cmds.extend(update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        ));
        assert_eq!(s.view, ViewKind::Kind("Service"));
        assert_eq!(watched(&cmds), ["prod"], "focused: one context");
        let cmds = update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char('|'), KeyModifiers::NONE)),
        );
        assert_eq!(
            watched(&cmds),
            ["stg"],
            "the split's other side is watched too"
        );
        assert!(crate::app::kinds::wanted(&s, "stg", "Service"));
    }

    #[test]
    fn merge_key_leaves_the_split_for_the_merged_table() {
        let mut s = state(&["prod", "stg"]);
        s.merged = false;
        split_key(&mut s);
        update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char('M'), KeyModifiers::SHIFT)),
        );
        assert_eq!(s.split.panes, None);
        assert!(s.merged);
    }
}
