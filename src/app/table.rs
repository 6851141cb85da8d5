//! What the main table shows: the visible rows of the current view (filtered, sorted, across the
//! shown contexts), and the cursor, which is an object's identity, never an index. Pure
//! functions of `State`; columns and cells are `ui::table_cells`.

use std::cmp::Ordering;

use crate::cluster::events::{ClusterEvent, Delta};
use crate::cluster::generic::{Cell, GenericRow};
use crate::cluster::kinds::KindInfo;
use crate::cluster::rows::{DeploymentRow, Key, NodeRow, PodRow, Row};

use super::state::{State, ViewKind};
use super::view_index::{self, Pane};

/// A row of the current view: which context, and a reference to its row.
#[derive(Debug, Clone, Copy)]
pub enum RowRef<'a> {
    Node(usize, &'a NodeRow),
    Deployment(usize, &'a DeploymentRow),
    Pod(usize, &'a PodRow),
    /// A row of any other kind: its identity Kind and the row.
    Generic(usize, &'static str, &'a GenericRow),
    /// A resource type of the kinds list.
    Type(usize, &'a KindInfo),
}

impl RowRef<'_> {
    pub fn context(&self) -> usize {
        match self {
            RowRef::Node(c, _)
            | RowRef::Deployment(c, _)
            | RowRef::Pod(c, _)
            | RowRef::Generic(c, ..)
            | RowRef::Type(c, _) => *c,
        }
    }

    pub fn key(&self) -> Key {
        match self {
            RowRef::Node(_, r) => (String::new(), r.name.clone()),
            RowRef::Deployment(_, r) => (r.namespace.clone(), r.name.clone()),
            RowRef::Pod(_, r) => (r.namespace.clone(), r.name.clone()),
            RowRef::Generic(_, _, r) => (r.namespace.clone(), r.name.clone()),
            RowRef::Type(_, k) => (String::new(), k.qualified()),
        }
    }

    /// (namespace, name) without allocating: sorting compares it many times.
    pub fn key_ref(&self) -> (&str, &str) {
        match self {
            RowRef::Node(_, r) => ("", &r.name),
            RowRef::Deployment(_, r) => (&r.namespace, &r.name),
            RowRef::Pod(_, r) => (&r.namespace, &r.name),
            RowRef::Generic(_, _, r) => (&r.namespace, &r.name),
            // Sorted by the plural: the qualified name would need an allocation.
            RowRef::Type(_, k) => (&k.group, &k.plural),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            RowRef::Node(..) => "Node",
            RowRef::Deployment(..) => "Deployment",
            RowRef::Pod(..) => "Pod",
            RowRef::Generic(_, id, _) => id,
            RowRef::Type(..) => "Kind",
        }
    }
}

fn in_namespace(state: &State, ns: &str) -> bool {
    state.namespaces.admits(ns)
}

fn text_match(state: &State, fields: &[&str]) -> bool {
    state.filter.is_empty() || fields.iter().any(|f| state.filter.matches(f))
}

/// The object a cursor is on: context, kind, namespace, name. Rows inserted or removed around
/// it never move it to another object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowId {
    pub context: String,
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
}

impl RowId {
    /// How the operator reads it: `pod default/web-1 (prod)`.
    pub fn describe(&self) -> String {
        let what = if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        };
        format!("{} {what} ({})", self.kind.to_lowercase(), self.context)
    }

    /// Whether `event` (on this object's context) removes this object.
    pub fn removed_by(&self, event: &ClusterEvent) -> bool {
        fn gone<T: Row>(d: &Delta<T>, key: &Key) -> bool {
            match d {
                Delta::Remove(k) => k == key,
                Delta::Reset(rows) => !rows.iter().any(|r| r.key() == *key),
                Delta::Upsert(_) | Delta::Extend(_) => false,
            }
        }
        let key = (self.namespace.clone(), self.name.clone());
        match (event, self.kind) {
            (ClusterEvent::Pods(d), "Pod") => gone(d, &key),
            (ClusterEvent::Nodes(d), "Node") => gone(d, &key),
            (ClusterEvent::Deployments(d), "Deployment") => gone(d, &key),
            (ClusterEvent::Kind { id, delta }, kind) if *id == kind => gone(delta, &key),
            _ => false,
        }
    }
}

impl RowRef<'_> {
    pub fn id(&self, state: &State) -> RowId {
        let (namespace, name) = self.key();
        RowId {
            context: state.contexts[self.context()].info.name.clone(),
            kind: self.kind(),
            namespace,
            name,
        }
    }

    fn is(&self, state: &State, id: &RowId) -> bool {
        if let RowRef::Type(_, k) = self {
            return id.kind == "Kind" && id.name == k.qualified();
        }
        let (ns, name) = self.key_ref();
        self.kind() == id.kind
            && name == id.name
            && ns == id.namespace
            && state.contexts[self.context()].info.name == id.context
    }
}

/// Where the cursor is in `rows`: its object's row, else the first.
pub fn selected_index(state: &State, rows: &[RowRef]) -> usize {
    cursor_index(state, rows, state.cursor.as_ref())
}

/// Where `cursor` is in `rows`: its object's row, else the first (a split's other side has its
/// own cursor).
pub fn cursor_index(state: &State, rows: &[RowRef], cursor: Option<&RowId>) -> usize {
    cursor
        .and_then(|c| rows.iter().position(|r| r.is(state, c)))
        .unwrap_or(0)
}

/// The rows of one table (`contexts`), filtered and sorted: read from the view index when it
/// is up to date (always, after `update`), else computed from scratch.
pub enum Rows<'a> {
    Indexed(&'a State, &'a Pane),
    Scratch(&'a State, Vec<RowRef<'a>>),
}

impl<'a> Rows<'a> {
    pub fn of(state: &'a State, contexts: &[usize]) -> Rows<'a> {
        match state.index.pane(state, contexts) {
            Some(pane) => Rows::Indexed(state, pane),
            None => Rows::Scratch(state, visible_in(state, contexts)),
        }
    }

    /// The rows keys act on: those of the shown contexts (in a split, of the focused side).
    pub fn keyed(state: &'a State) -> Rows<'a> {
        Rows::of(state, &state.table_contexts())
    }

    pub fn len(&self) -> usize {
        match self {
            Rows::Indexed(_, p) => p.len(),
            Rows::Scratch(_, v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<RowRef<'a>> {
        self.window(i, 1).into_iter().next()
    }

    /// Up to `n` rows from position `from`: what a frame draws.
    pub fn window(&self, from: usize, n: usize) -> Vec<RowRef<'a>> {
        match self {
            Rows::Indexed(state, p) => p.rows_from(state, from).take(n).collect(),
            Rows::Scratch(_, v) => v.iter().skip(from).take(n).copied().collect(),
        }
    }

    /// Where `cursor` is: its object's row, else the first.
    pub fn position(&self, cursor: Option<&RowId>) -> usize {
        match self {
            Rows::Indexed(state, p) => cursor.and_then(|c| p.position(state, c)).unwrap_or(0),
            Rows::Scratch(state, v) => cursor_index(state, v, cursor),
        }
    }

    pub fn to_vec(&self) -> Vec<RowRef<'a>> {
        self.window(0, self.len())
    }
}

/// The row under the cursor.
pub fn selected(state: &State) -> Option<RowRef<'_>> {
    let rows = Rows::keyed(state);
    rows.get(rows.position(state.cursor.as_ref()))
}

/// Moves the cursor `delta` rows (clamped) and pins it to the object there.
pub fn move_cursor(state: &mut State, delta: isize) {
    let rows = Rows::keyed(state);
    if rows.is_empty() {
        state.cursor = None;
        return;
    }
    let i = rows.position(state.cursor.as_ref()) as isize;
    let next = i.saturating_add(delta).clamp(0, rows.len() as isize - 1) as usize;
    let id = rows.get(next).map(|r| r.id(state));
    state.cursor = id;
}

/// Applies a context's event; if it removes the object under a cursor (the table's, or the
/// other side's of a split), that cursor moves to the row that takes its place (the next one,
/// or the last).
pub fn apply_event(state: &mut State, context: usize, event: ClusterEvent) {
    view_index::sync(state);
    let name = state.contexts[context].info.name.clone();
    let gone = |c: Option<&RowId>| c.is_some_and(|c| c.context == *name && c.removed_by(&event));
    let focused = state.table_contexts();
    let other: Vec<usize> = super::split::other_pane(state).into_iter().collect();
    let at = gone(state.cursor.as_ref())
        .then(|| Rows::of(state, &focused).position(state.cursor.as_ref()));
    let other_at = (!other.is_empty() && gone(state.split.other_cursor.as_ref()))
        .then(|| Rows::of(state, &other).position(state.split.other_cursor.as_ref()));
    let pending = view_index::before(state, context, &event);
    state.contexts[context].apply(event);
    view_index::after(state, pending);
    if let Some(at) = at {
        state.cursor = row_at(state, &focused, at);
    }
    if let Some(at) = other_at {
        state.split.other_cursor = row_at(state, &other, at);
    }
}

/// The object at `at` (or the last row) of `contexts`' visible rows.
fn row_at(state: &State, contexts: &[usize], at: usize) -> Option<RowId> {
    let rows = Rows::of(state, contexts);
    rows.get(at.min(rows.len().saturating_sub(1)))
        .map(|r| r.id(state))
}

/// The rows of the current view that keys act on, filtered and sorted: those of the shown
/// contexts (in a split, of the focused side).
pub fn visible(state: &State) -> Vec<RowRef<'_>> {
    Rows::keyed(state).to_vec()
}

/// Calls `f` with every row of the current view's table in context `ci`, admitted or not.
pub(crate) fn each_row<'a>(state: &'a State, ci: usize, mut f: impl FnMut(RowRef<'a>)) {
    let Some(ctx) = state.contexts.get(ci) else {
        return;
    };
    match state.view {
        ViewKind::Pods => ctx.pods.values().for_each(|p| f(RowRef::Pod(ci, p))),
        ViewKind::Nodes => ctx.nodes.values().for_each(|n| f(RowRef::Node(ci, n))),
        ViewKind::Deployments => ctx
            .deployments
            .values()
            .for_each(|d| f(RowRef::Deployment(ci, d))),
        ViewKind::Kind(id) => {
            if let Some(t) = ctx.kinds.get(id) {
                t.rows.values().for_each(|r| f(RowRef::Generic(ci, id, r)));
            }
        }
        // The list of one context: the focused one.
        ViewKind::Kinds if ci == state.focus => {
            if let Some(catalog) = &ctx.catalog {
                catalog.kinds.iter().for_each(|k| f(RowRef::Type(ci, k)));
            }
        }
        ViewKind::Kinds => {}
    }
}

/// Whether the namespaces, drill scope, label and text filters let `row` into the table.
pub(crate) fn admits(state: &State, row: &RowRef) -> bool {
    let labels = |l: &std::collections::BTreeMap<String, String>| {
        state.labels.as_ref().is_none_or(|f| f.matches(l))
    };
    match *row {
        RowRef::Pod(ci, p) => {
            super::drill::admits_pod(state, ci, p)
                .unwrap_or_else(|| in_namespace(state, &p.namespace))
                && labels(&p.labels)
                && text_match(state, &[&p.namespace, &p.name, &p.status, &p.node, &p.ip])
        }
        RowRef::Node(_, n) => {
            labels(&n.labels) && text_match(state, &[&n.name, &n.status, &n.roles])
        }
        RowRef::Deployment(_, d) => {
            in_namespace(state, &d.namespace) && text_match(state, &[&d.namespace, &d.name])
        }
        RowRef::Generic(_, _, r) => {
            // Cluster-scoped objects have no namespace to be outside of.
            (r.namespace.is_empty() || in_namespace(state, &r.namespace))
                && labels(&r.labels)
                && generic_match(state, r)
        }
        RowRef::Type(_, k) => {
            text_match(state, &[&k.plural, &k.kind, &k.group])
                || k.short_names.iter().any(|s| text_match(state, &[s]))
        }
    }
}

/// The rows of the current view in `contexts`, filtered and sorted from scratch: the definition
/// the view index is kept equal to (each side of a split is one `contexts`).
pub fn visible_in<'a>(state: &'a State, contexts: &[usize]) -> Vec<RowRef<'a>> {
    let mut rows: Vec<RowRef> = Vec::new();
    for &ci in contexts {
        each_row(state, ci, |r| {
            if admits(state, &r) {
                rows.push(r);
            }
        });
    }
    sort(state, &mut rows);
    rows
}

fn generic_match(state: &State, r: &GenericRow) -> bool {
    state.filter.is_empty()
        || state.filter.matches(&r.namespace)
        || state.filter.matches(&r.name)
        || r.cells
            .iter()
            .any(|c| matches!(c, Cell::Text(t) if state.filter.matches(t)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortKey {
    /// A generic kind's column, by index into its cells.
    Cell(usize, bool),
    Context,
    Name,
    Age,
    Restarts,
    Status,
    Node,
    Ready,
    /// Namespace then name: the rows' own key order.
    Key,
}

pub(crate) fn sort_key(state: &State, column: &str) -> SortKey {
    if let ViewKind::Kind(id) = state.view
        && let Some(cols) = super::kinds::columns(state, id)
        && let Some(i) = cols.columns.iter().position(|c| c.title == column)
    {
        return SortKey::Cell(i, cols.columns[i].numeric);
    }
    match column {
        "CONTEXT" => SortKey::Context,
        "NAME" => SortKey::Name,
        "AGE" => SortKey::Age,
        "RESTARTS" => SortKey::Restarts,
        "STATUS" => SortKey::Status,
        "NODE" => SortKey::Node,
        "READY" => SortKey::Ready,
        _ => SortKey::Key,
    }
}

fn sort(state: &State, rows: &mut [RowRef]) {
    // Resolved once, not per comparison: a 200,000-row sort makes millions of them.
    let key = sort_key(state, state.sort.column);
    let ctx_name = |r: &RowRef| state.contexts[r.context()].info.name.as_str();
    rows.sort_by(|a, b| {
        let primary = match (key, a, b) {
            (SortKey::Context, ..) => ctx_name(a).cmp(ctx_name(b)),
            (SortKey::Age, RowRef::Pod(_, x), RowRef::Pod(_, y)) => y.created.cmp(&x.created),
            (SortKey::Age, RowRef::Node(_, x), RowRef::Node(_, y)) => y.created.cmp(&x.created),
            (SortKey::Age, RowRef::Deployment(_, x), RowRef::Deployment(_, y)) => {
                y.created.cmp(&x.created)
            }
            (SortKey::Restarts, RowRef::Pod(_, x), RowRef::Pod(_, y)) => {
                x.restarts.cmp(&y.restarts)
            }
            (SortKey::Status, RowRef::Pod(_, x), RowRef::Pod(_, y)) => x.status.cmp(&y.status),
            (SortKey::Status, RowRef::Node(_, x), RowRef::Node(_, y)) => x.status.cmp(&y.status),
            (SortKey::Node, RowRef::Pod(_, x), RowRef::Pod(_, y)) => x.node.cmp(&y.node),
            (SortKey::Ready, RowRef::Deployment(_, x), RowRef::Deployment(_, y)) => {
                (x.ready - x.desired).cmp(&(y.ready - y.desired))
            }
            (SortKey::Cell(i, numeric), RowRef::Generic(_, _, x), RowRef::Generic(_, _, y)) => {
                cell_order(x.cells.get(i), y.cells.get(i), numeric)
            }
            (SortKey::Age, RowRef::Generic(_, _, x), RowRef::Generic(_, _, y)) => {
                y.created.cmp(&x.created)
            }
            (SortKey::Name, ..) => a.key_ref().1.cmp(b.key_ref().1),
            _ => Ordering::Equal,
        };
        let primary = if state.sort.reverse {
            primary.reverse()
        } else {
            primary
        };
        primary
            .then_with(|| a.key_ref().cmp(&b.key_ref()))
            .then_with(|| a.context().cmp(&b.context()))
    });
}

/// Generic cells in order: ages newest first, numbers as numbers, text as text.
pub(crate) fn cell_order(a: Option<&Cell>, b: Option<&Cell>, numeric: bool) -> Ordering {
    match (a, b) {
        (Some(Cell::Since(x)), Some(Cell::Since(y))) => y.cmp(x),
        (Some(Cell::Text(x)), Some(Cell::Text(y))) if numeric => {
            match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(x), Ok(y)) => x.total_cmp(&y),
                _ => x.cmp(y),
            }
        }
        (Some(Cell::Text(x)), Some(Cell::Text(y))) => x.cmp(y),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

/// Columns a view can be sorted by, in the order `SortNext` walks them.
pub fn sortable(state: &State, view: ViewKind) -> Vec<&'static str> {
    let merged = state.context_column();
    let mut v = match view {
        ViewKind::Pods => vec!["NAMESPACE", "NAME", "STATUS", "RESTARTS", "NODE", "AGE"],
        ViewKind::Nodes => vec!["NAME", "STATUS", "AGE"],
        ViewKind::Deployments => vec!["NAMESPACE", "NAME", "READY", "AGE"],
        ViewKind::Kind(id) => {
            let mut v = if super::kinds::namespaced(state, id) {
                vec!["NAMESPACE", "NAME"]
            } else {
                vec!["NAME"]
            };
            if let Some(cols) = super::kinds::columns(state, id) {
                v.extend(
                    cols.columns
                        .iter()
                        .filter(|c| state.wide || !c.wide)
                        .map(|c| c.title),
                );
            }
            v
        }
        ViewKind::Kinds => vec!["NAME"],
    };
    if merged && view != ViewKind::Kinds {
        v.insert(0, "CONTEXT");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keys::Keymap;
    use crate::app::msg::{Cmd, Msg};
    use crate::app::mutation::Mutation;
    use crate::app::state::Level;
    use crate::app::update::update;
    use crate::cluster::events::SessionEvent;
    use crate::cluster::kubeconfig::ContextInfo;
    use crate::recovery::plan::Step;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn pod(name: &str) -> PodRow {
        let p: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "c"}]}
        }))
        .unwrap();
        PodRow::from_pod(&p)
    }

    fn event(delta: Delta<PodRow>) -> Msg {
        Msg::Cluster(Box::new(SessionEvent {
            context: "stg".into(),
            event: ClusterEvent::Pods(delta),
        }))
    }

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Msg {
        Msg::Key(KeyEvent::new(code, modifiers))
    }

    fn cursor_name(s: &State) -> String {
        selected(s).map(|r| r.key().1).unwrap_or_default()
    }

    fn state() -> State {
        let info = ContextInfo {
            name: "stg".into(),
            cluster: "stg".into(),
            user: "u".into(),
            namespace: None,
            server: String::new(),
            production: false,
        };
        let mut s = State::new(
            vec![info],
            vec![],
            crate::app::namespaces::Namespaces::all(),
            false,
            Keymap::default(),
        );
        s.sort.column = "NAME";
        update(
            &mut s,
            event(Delta::Reset(vec![pod("b"), pod("a"), pod("c")])),
        );
        s
    }

    #[test]
    fn rows_inserted_or_removed_above_the_cursor_never_move_it_to_another_pod() {
        let mut s = state();
        update(&mut s, key(KeyCode::Down, KeyModifiers::NONE));
        assert_eq!(cursor_name(&s), "b");
        update(&mut s, event(Delta::Upsert(pod("a0"))));
        update(&mut s, event(Delta::Upsert(pod("0"))));
        assert_eq!(cursor_name(&s), "b", "inserted above");
        update(&mut s, event(Delta::Remove(("default".into(), "a".into()))));
        assert_eq!(cursor_name(&s), "b", "removed above");
        assert_eq!(
            selected_index(&s, &visible(&s)),
            2,
            "its row moved, the cursor followed"
        );
    }

    #[test]
    fn a_force_delete_question_stays_on_its_pod_and_closes_when_the_pod_goes() {
        let mut s = state();
        update(&mut s, key(KeyCode::Down, KeyModifiers::NONE));
        update(&mut s, key(KeyCode::Char('k'), KeyModifiers::CONTROL));
        let target = |s: &State| match &s.confirm.as_ref().unwrap().mutation {
            Mutation::Pods { step, pods } => (*step, pods[0].name.clone(), pods.len()),
            other => panic!("{other:?}"),
        };
        assert_eq!(target(&s), (Step::ForceDelete, "b".into(), 1));
        update(&mut s, event(Delta::Upsert(pod("a0"))));
        update(&mut s, event(Delta::Remove(("default".into(), "a".into()))));
        assert_eq!(target(&s), (Step::ForceDelete, "b".into(), 1));

        update(&mut s, event(Delta::Remove(("default".into(), "b".into()))));
        assert!(s.confirm.is_none(), "the question closed");
        let (level, text) = s.notice.clone().unwrap();
        assert_eq!(level, Level::Warn);
        assert_eq!(
            text,
            "pod default/b (stg) is gone: the force delete was cancelled, nothing was sent"
        );
        // The answer that was about to be typed sends nothing, and the cursor is on b's neighbour.
        let cmds = update(&mut s, key(KeyCode::Char('y'), KeyModifiers::NONE));
        assert!(
            cmds.iter().all(|c| !matches!(c, Cmd::Mutate(_))),
            "{cmds:?}"
        );
        assert_eq!(cursor_name(&s), "c");
    }

    #[test]
    fn a_relist_without_the_cursor_pod_moves_the_cursor_to_its_neighbour() {
        let mut s = state();
        update(&mut s, key(KeyCode::Down, KeyModifiers::NONE));
        update(&mut s, event(Delta::Reset(vec![pod("a"), pod("c")])));
        assert_eq!(cursor_name(&s), "c");
        update(&mut s, event(Delta::Remove(("default".into(), "c".into()))));
        assert_eq!(cursor_name(&s), "a", "the last row went: the one before it");
    }
}
