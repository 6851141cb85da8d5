//! What the main table shows: the visible rows of the current view (filtered, sorted, across the
//! shown contexts), and the cursor, which is an object's identity, never an index. Pure
//! functions of `State`; columns and cells are `ui::table_cells`.

use std::cmp::Ordering;

use crate::cluster::events::{ClusterEvent, Delta};
use crate::cluster::rows::{DeploymentRow, Key, NodeRow, PodRow, Row};

use super::state::{State, ViewKind};

/// A row of the current view: which context, and a reference to its row.
#[derive(Debug, Clone, Copy)]
pub enum RowRef<'a> {
    Node(usize, &'a NodeRow),
    Deployment(usize, &'a DeploymentRow),
    Pod(usize, &'a PodRow),
}

impl RowRef<'_> {
    pub fn context(&self) -> usize {
        match self {
            RowRef::Node(c, _) | RowRef::Deployment(c, _) | RowRef::Pod(c, _) => *c,
        }
    }

    pub fn key(&self) -> Key {
        match self {
            RowRef::Node(_, r) => (String::new(), r.name.clone()),
            RowRef::Deployment(_, r) => (r.namespace.clone(), r.name.clone()),
            RowRef::Pod(_, r) => (r.namespace.clone(), r.name.clone()),
        }
    }

    /// (namespace, name) without allocating: sorting compares it many times.
    pub fn key_ref(&self) -> (&str, &str) {
        match self {
            RowRef::Node(_, r) => ("", &r.name),
            RowRef::Deployment(_, r) => (&r.namespace, &r.name),
            RowRef::Pod(_, r) => (&r.namespace, &r.name),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            RowRef::Node(..) => "Node",
            RowRef::Deployment(..) => "Deployment",
            RowRef::Pod(..) => "Pod",
        }
    }
}

fn in_namespace(state: &State, ns: &str) -> bool {
    state.namespace.as_deref().is_none_or(|want| want == ns)
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
        let (ns, name) = self.key_ref();
        self.kind() == id.kind
            && name == id.name
            && ns == id.namespace
            && state.contexts[self.context()].info.name == id.context
    }
}

/// Where the cursor is in `rows`: its object's row, else the first.
pub fn selected_index(state: &State, rows: &[RowRef]) -> usize {
    state
        .cursor
        .as_ref()
        .and_then(|c| rows.iter().position(|r| r.is(state, c)))
        .unwrap_or(0)
}

/// The row under the cursor.
pub fn selected(state: &State) -> Option<RowRef<'_>> {
    let rows = visible(state);
    let i = selected_index(state, &rows);
    rows.get(i).copied()
}

/// Moves the cursor `delta` rows (clamped) and pins it to the object there.
pub fn move_cursor(state: &mut State, delta: isize) {
    let rows = visible(state);
    if rows.is_empty() {
        state.cursor = None;
        return;
    }
    let i = selected_index(state, &rows) as isize;
    let next = i.saturating_add(delta).clamp(0, rows.len() as isize - 1) as usize;
    let id = rows[next].id(state);
    state.cursor = Some(id);
}

/// Applies a context's event; if it removes the object under the cursor, the cursor moves to
/// the row that takes its place (the next one, or the last).
pub fn apply_event(state: &mut State, context: usize, event: ClusterEvent) {
    let cursor_gone = state.cursor.as_ref().is_some_and(|c| {
        c.context == state.contexts[context].info.name && c.removed_by(&event)
    });
    let at = cursor_gone.then(|| {
        let rows = visible(state);
        selected_index(state, &rows)
    });
    state.contexts[context].apply(event);
    if let Some(at) = at {
        let rows = visible(state);
        let id = rows
            .get(at.min(rows.len().saturating_sub(1)))
            .map(|r| r.id(state));
        state.cursor = id;
    }
}

/// The rows of the current view, filtered and sorted.
pub fn visible(state: &State) -> Vec<RowRef<'_>> {
    let mut rows: Vec<RowRef> = Vec::new();
    for ci in state.shown_contexts() {
        let Some(ctx) = state.contexts.get(ci) else {
            continue;
        };
        match state.view {
            ViewKind::Pods => rows.extend(
                ctx.pods
                    .values()
                    .filter(|p| in_namespace(state, &p.namespace))
                    .filter(|p| state.labels.as_ref().is_none_or(|l| l.matches(&p.labels)))
                    .filter(|p| {
                        text_match(state, &[&p.namespace, &p.name, &p.status, &p.node, &p.ip])
                    })
                    .map(|p| RowRef::Pod(ci, p)),
            ),
            ViewKind::Nodes => rows.extend(
                ctx.nodes
                    .values()
                    .filter(|n| state.labels.as_ref().is_none_or(|l| l.matches(&n.labels)))
                    .filter(|n| text_match(state, &[&n.name, &n.status, &n.roles]))
                    .map(|n| RowRef::Node(ci, n)),
            ),
            ViewKind::Deployments => rows.extend(
                ctx.deployments
                    .values()
                    .filter(|d| in_namespace(state, &d.namespace))
                    .filter(|d| text_match(state, &[&d.namespace, &d.name]))
                    .map(|d| RowRef::Deployment(ci, d)),
            ),
        }
    }
    sort(state, &mut rows);
    rows
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortKey {
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

fn sort_key(column: &str) -> SortKey {
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
    let key = sort_key(state.sort.column);
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

/// Columns a view can be sorted by, in the order `SortNext` walks them.
pub fn sortable(view: ViewKind, merged: bool) -> Vec<&'static str> {
    let mut v = match view {
        ViewKind::Pods => vec!["NAMESPACE", "NAME", "STATUS", "RESTARTS", "NODE", "AGE"],
        ViewKind::Nodes => vec!["NAME", "STATUS", "AGE"],
        ViewKind::Deployments => vec!["NAMESPACE", "NAME", "READY", "AGE"],
    };
    if merged {
        v.insert(0, "CONTEXT");
    }
    v
}
