//! The main table's incremental index: per table on screen (one, or each side of a split), the
//! identities of the rows it shows, filtered and in sort order, with their sort keys. Watch
//! events move single entries (`before` / `after` around `ContextState::apply`); a change of
//! view, filter, sort, namespaces, drill scope or shown contexts rebuilds it (`sync`). So a frame
//! or a key reads positions instead of filtering and sorting every row. Pure.
//!
//! A pane is trusted only while its `Spec` equals the state's and its contexts' row revisions
//! are the ones it last saw; otherwise readers fall back to `table::visible_in`, which stays the
//! from-scratch definition the index is tested against.

use std::cmp::Ordering;

use jiff::Timestamp;

use crate::cluster::events::{ClusterEvent, Delta};
use crate::cluster::generic::Cell;
use crate::cluster::rows::{Key, Row};

use super::drill::Scope;
use super::namespaces::Namespaces;
use super::ordered::Ordered;
use super::state::{State, ViewKind};
use super::table::{self, RowRef, SortKey};

/// Everything besides the rows themselves that decides which rows a table shows, in what order.
#[derive(Debug, Clone, PartialEq)]
struct Spec {
    view: ViewKind,
    contexts: Vec<usize>,
    /// Every context's name: indices and the CONTEXT order follow them.
    names: Vec<String>,
    /// The kinds list is the focused context's.
    focus: usize,
    namespaces: Namespaces,
    scope: Option<Scope>,
    labels: Option<String>,
    filter: String,
    column: &'static str,
    /// The column resolved (a generic kind's columns decide what a title sorts by).
    sort: SortKey,
    reverse: bool,
}

impl Spec {
    fn of(state: &State, contexts: &[usize]) -> Spec {
        Spec {
            view: state.view,
            contexts: contexts.to_vec(),
            names: state.contexts.iter().map(|c| c.info.name.clone()).collect(),
            focus: state.focus,
            namespaces: state.namespaces.clone(),
            scope: state.drill.scope.clone(),
            labels: state.labels.as_ref().map(|l| l.text.clone()),
            filter: state.filter.text.clone(),
            column: state.sort.column,
            sort: table::sort_key(state, state.sort.column),
            reverse: state.sort.reverse,
        }
    }

    /// `*self == Spec::of(state, contexts)` without building one: it runs per event and frame.
    fn matches(&self, state: &State, contexts: &[usize]) -> bool {
        self.view == state.view
            && self.contexts == contexts
            && self.focus == state.focus
            && self.names.len() == state.contexts.len()
            && self
                .names
                .iter()
                .zip(&state.contexts)
                .all(|(n, c)| *n == c.info.name)
            && self.namespaces == state.namespaces
            && self.scope == state.drill.scope
            && self.labels.as_deref() == state.labels.as_ref().map(|l| l.text.as_str())
            && self.filter == state.filter.text
            && self.column == state.sort.column
            && self.reverse == state.sort.reverse
            && self.sort == table::sort_key(state, state.sort.column)
    }
}

/// A row's primary sort value, resolved once when it enters the index.
#[derive(Debug, Clone, PartialEq)]
enum SortVal {
    /// The column does not order this kind: ties throughout.
    None,
    /// By name (the entry's key holds it).
    Name,
    Int(i64),
    Str(String),
    /// Ages: the newest first.
    Newest(Option<Timestamp>),
    /// A generic kind's cell; numeric columns compare as numbers.
    Cell(Option<Cell>, bool),
}

/// One row of a table: its primary sort value, then the tie-breaks `table::sort` uses
/// (namespace and name, then the context's index).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    primary: SortVal,
    /// `namespace \0 name` in one allocation (200,000 of these): it orders as the
    /// (namespace, name) pair does, since no Kubernetes name holds a NUL.
    key: Box<str>,
    ns_len: u32,
    ctx: u32,
}

impl Entry {
    fn name(&self) -> &str {
        &self.key[self.ns_len as usize + 1..]
    }

    /// The row's key as its table is keyed.
    fn row_key(&self) -> Key {
        (
            self.key[..self.ns_len as usize].to_string(),
            self.name().to_string(),
        )
    }

    fn ctx(&self) -> usize {
        self.ctx as usize
    }
}

fn primary(a: &Entry, b: &Entry) -> Ordering {
    match (&a.primary, &b.primary) {
        (SortVal::Name, SortVal::Name) => a.name().cmp(b.name()),
        (SortVal::Int(x), SortVal::Int(y)) => x.cmp(y),
        (SortVal::Str(x), SortVal::Str(y)) => x.cmp(y),
        (SortVal::Newest(x), SortVal::Newest(y)) => y.cmp(x),
        (SortVal::Cell(x, numeric), SortVal::Cell(y, _)) => {
            table::cell_order(x.as_ref(), y.as_ref(), *numeric)
        }
        _ => Ordering::Equal,
    }
}

fn order(reverse: bool) -> impl Fn(&Entry, &Entry) -> Ordering + Copy {
    move |a, b| {
        let p = primary(a, b);
        let p = if reverse { p.reverse() } else { p };
        p.then_with(|| a.key.cmp(&b.key))
            .then_with(|| a.ctx.cmp(&b.ctx))
    }
}

/// The entry of `row` under sort `key`: the same cases, in the same order, as `table::sort`.
fn entry(state: &State, key: SortKey, row: &RowRef) -> Entry {
    let ctx = row.context();
    let primary = match (key, row) {
        (SortKey::Context, _) => {
            let name = &state.contexts[ctx].info.name;
            SortVal::Int(
                state
                    .contexts
                    .iter()
                    .filter(|c| c.info.name < *name)
                    .count() as i64,
            )
        }
        (SortKey::Age, RowRef::Pod(_, p)) => SortVal::Newest(p.created),
        (SortKey::Age, RowRef::Node(_, n)) => SortVal::Newest(n.created),
        (SortKey::Age, RowRef::Deployment(_, d)) => SortVal::Newest(d.created),
        (SortKey::Restarts, RowRef::Pod(_, p)) => SortVal::Int(p.restarts.into()),
        (SortKey::Status, RowRef::Pod(_, p)) => SortVal::Str(p.status.clone()),
        (SortKey::Status, RowRef::Node(_, n)) => SortVal::Str(n.status.clone()),
        (SortKey::Node, RowRef::Pod(_, p)) => SortVal::Str(p.node.clone()),
        (SortKey::Ready, RowRef::Deployment(_, d)) => {
            SortVal::Int(i64::from(d.ready) - i64::from(d.desired))
        }
        (SortKey::Cell(i, numeric), RowRef::Generic(_, _, r)) => {
            SortVal::Cell(r.cells.get(i).cloned(), numeric)
        }
        (SortKey::Age, RowRef::Generic(_, _, r)) => SortVal::Newest(r.created),
        (SortKey::Name, _) => SortVal::Name,
        _ => SortVal::None,
    };
    let (ns, name) = row.key_ref();
    let mut key = String::with_capacity(ns.len() + 1 + name.len());
    key.push_str(ns);
    key.push('\0');
    key.push_str(name);
    Entry {
        primary,
        key: key.into_boxed_str(),
        ns_len: ns.len() as u32,
        ctx: ctx as u32,
    }
}

/// The revision of the rows behind `view` in context `ci` (see `ContextState::revisions`).
fn revision(state: &State, view: ViewKind, ci: usize) -> u64 {
    state.contexts.get(ci).map_or(0, |c| c.revisions.of(view))
}

/// One table's index.
#[derive(Debug, Clone)]
pub struct Pane {
    spec: Spec,
    /// Per context of `spec.contexts`, the row revision the entries reflect.
    revisions: Vec<u64>,
    rows: Ordered<Entry>,
}

impl Pane {
    fn build(state: &State, contexts: &[usize]) -> Pane {
        let spec = Spec::of(state, contexts);
        let mut entries = Vec::new();
        for &ci in contexts {
            table::each_row(state, ci, |r| {
                if table::admits(state, &r) {
                    entries.push(entry(state, spec.sort, &r));
                }
            });
        }
        entries.sort_by(order(spec.reverse));
        Pane {
            revisions: contexts
                .iter()
                .map(|&ci| revision(state, spec.view, ci))
                .collect(),
            spec,
            rows: Ordered::from_sorted(entries),
        }
    }

    /// When the operator types one more character into `/`, the rows that stay are a subset of
    /// these, in the same order: filter the entries instead of listing and sorting every row
    /// again (a key typed over 200,000 rows). Only for plain substrings: a regex need not narrow.
    fn narrowed(&self, state: &State, contexts: &[usize]) -> Option<Pane> {
        let (old, new) = (&self.spec.filter, &state.filter.text);
        let plain = |t: &str| !super::filter::TextFilter::new(t).is_regex();
        let narrows = old != new
            && state
                .filter
                .text
                .to_lowercase()
                .contains(&old.to_lowercase())
            && plain(old)
            && plain(new);
        if !narrows
            || self.spec.contexts != contexts
            || !self
                .spec
                .contexts
                .iter()
                .zip(&self.revisions)
                .all(|(&ci, &r)| revision(state, self.spec.view, ci) == r)
        {
            return None;
        }
        let mut spec = self.spec.clone();
        spec.filter = new.clone();
        if !spec.matches(state, contexts) {
            return None;
        }
        let view = spec.view;
        let rows = self
            .rows
            .iter()
            .filter(|e| resolve(state, view, e).is_some_and(|r| table::admits(state, &r)))
            .cloned()
            .collect();
        Some(Pane {
            spec,
            revisions: self.revisions.clone(),
            rows: Ordered::from_sorted(rows),
        })
    }

    /// Whether the entries are those `table::visible_in(state, contexts)` would give.
    fn fresh(&self, state: &State, contexts: &[usize]) -> bool {
        self.spec.contexts == contexts
            && self
                .spec
                .contexts
                .iter()
                .zip(&self.revisions)
                .all(|(&ci, &r)| revision(state, self.spec.view, ci) == r)
            && self.spec.matches(state, contexts)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows from position `from` on, in order.
    pub fn rows_from<'a>(
        &'a self,
        state: &'a State,
        from: usize,
    ) -> impl Iterator<Item = RowRef<'a>> + 'a {
        self.rows
            .iter_from(from)
            .filter_map(move |e| resolve(state, self.spec.view, e))
    }

    /// Where the object `id` is, if this table shows it.
    pub fn position(&self, state: &State, id: &table::RowId) -> Option<usize> {
        // The kinds list is the focused context's, whichever context the cursor was made in
        // (as `RowRef::is` compares it).
        let ci = match self.spec.view {
            ViewKind::Kinds => self.spec.focus,
            _ => state.context_index(&id.context)?,
        };
        if !self.spec.contexts.contains(&ci) {
            return None;
        }
        let row = lookup(state, self.spec.view, ci, id)?;
        self.rows.position(
            &entry(state, self.spec.sort, &row),
            order(self.spec.reverse),
        )
    }

    fn has_context(&self, ci: usize) -> bool {
        self.spec.contexts.contains(&ci)
    }
}

/// The row an entry stands for.
fn resolve<'a>(state: &'a State, view: ViewKind, e: &Entry) -> Option<RowRef<'a>> {
    if view == ViewKind::Kinds {
        let catalog = state.contexts.get(e.ctx())?.catalog.as_ref()?;
        let (group, plural) = (&e.key[..e.ns_len as usize], e.name());
        let k = catalog
            .kinds
            .iter()
            .find(|k| k.group == group && k.plural == plural)?;
        return Some(RowRef::Type(e.ctx(), k));
    }
    row_of(state, view, e.ctx(), &e.row_key())
}

/// The row of `view` in context `ci` with key `k`, whether or not the filter admits it.
fn row_of<'a>(state: &'a State, view: ViewKind, ci: usize, k: &Key) -> Option<RowRef<'a>> {
    let ctx = state.contexts.get(ci)?;
    Some(match view {
        ViewKind::Pods => RowRef::Pod(ci, ctx.pods.get(k)?),
        ViewKind::Nodes => RowRef::Node(ci, ctx.nodes.get(k)?),
        ViewKind::Deployments => RowRef::Deployment(ci, ctx.deployments.get(k)?),
        ViewKind::Kind(id) => RowRef::Generic(ci, id, ctx.kinds.get(id)?.rows.get(k)?),
        ViewKind::Kinds => return None,
    })
}

/// The row of `view` in context `ci` that `id` names, whether or not the filter admits it.
fn lookup<'a>(
    state: &'a State,
    view: ViewKind,
    ci: usize,
    id: &table::RowId,
) -> Option<RowRef<'a>> {
    if id.kind != kind_of(view) {
        return None;
    }
    if view == ViewKind::Kinds {
        let catalog = state.contexts.get(ci)?.catalog.as_ref()?;
        let k = catalog.kinds.iter().find(|k| k.qualified() == id.name)?;
        return Some(RowRef::Type(ci, k));
    }
    row_of(state, view, ci, &(id.namespace.clone(), id.name.clone()))
}

/// The panes of the tables on screen.
#[derive(Debug, Clone, Default)]
pub struct ViewIndex {
    panes: Vec<Pane>,
}

impl ViewIndex {
    /// The pane for `contexts`, if it is up to date with `state`.
    pub fn pane(&self, state: &State, contexts: &[usize]) -> Option<&Pane> {
        self.panes.iter().find(|p| p.fresh(state, contexts))
    }
}

/// The context sets of the tables on screen: each side of a split, or the one table.
fn wanted(state: &State) -> Vec<Vec<usize>> {
    match state.split.panes {
        Some(sides) => sides.iter().map(|&ci| vec![ci]).collect(),
        None => vec![state.table_contexts()],
    }
}

/// Brings the index up to date: panes whose view, filter, sort, … changed are rebuilt, panes no
/// longer on screen dropped. Cheap when nothing changed.
pub fn sync(state: &mut State) {
    let mut index = std::mem::take(&mut state.index);
    let mut panes = Vec::new();
    for contexts in wanted(state) {
        let kept = index
            .panes
            .iter()
            .position(|p| p.fresh(state, &contexts))
            .map(|i| index.panes.swap_remove(i));
        let pane = kept
            .or_else(|| {
                index
                    .panes
                    .iter()
                    .find_map(|p| p.narrowed(state, &contexts))
            })
            .unwrap_or_else(|| Pane::build(state, &contexts));
        panes.push(pane);
    }
    index.panes = panes;
    state.index = index;
}

/// The table and keys a watch event touches, taken before the event is applied.
pub struct Pending {
    /// Per pane touched: its position and the entries of the touched rows before the event.
    panes: Vec<(usize, Vec<Entry>)>,
    /// The keys touched; None for a relist (the panes rebuild).
    keys: Option<Vec<Key>>,
    context: usize,
}

fn touched(event: &ClusterEvent) -> Option<(ViewKind, Option<Vec<Key>>)> {
    fn keys<T: Row>(d: &Delta<T>) -> Option<Vec<Key>> {
        match d {
            Delta::Reset(_) => None,
            Delta::Upsert(r) => Some(vec![r.key()]),
            Delta::Extend(rows) => {
                // A key named twice gets one entry.
                let mut keys: Vec<Key> = rows.iter().map(Row::key).collect();
                keys.sort();
                keys.dedup();
                Some(keys)
            }
            Delta::Remove(k) => Some(vec![k.clone()]),
        }
    }
    Some(match event {
        ClusterEvent::Pods(d) => (ViewKind::Pods, keys(d)),
        ClusterEvent::Nodes(d) => (ViewKind::Nodes, keys(d)),
        ClusterEvent::Deployments(d) => (ViewKind::Deployments, keys(d)),
        ClusterEvent::Kind { id, delta } => (ViewKind::Kind(id), keys(delta)),
        _ => return None,
    })
}

/// Call before `ContextState::apply(event)` on context `ci`, with the index in sync; `after`
/// then moves the touched entries.
pub fn before(state: &State, ci: usize, event: &ClusterEvent) -> Pending {
    let mut pending = Pending {
        panes: Vec::new(),
        keys: None,
        context: ci,
    };
    let Some((view, keys)) = touched(event) else {
        return pending;
    };
    for (pi, pane) in state.index.panes.iter().enumerate() {
        if pane.spec.view != view || !pane.has_context(ci) {
            continue;
        }
        let old = keys.iter().flatten().filter_map(|k| {
            let row = row_of(state, view, ci, k)?;
            table::admits(state, &row).then(|| entry(state, pane.spec.sort, &row))
        });
        pending.panes.push((pi, old.collect()));
    }
    pending.keys = keys;
    pending
}

/// Call after `ContextState::apply`: removes the touched rows' old entries and inserts their new
/// ones (or rebuilds after a relist), then anything else out of date.
pub fn after(state: &mut State, pending: Pending) {
    let mut index = std::mem::take(&mut state.index);
    let ci = pending.context;
    for (pi, old) in pending.panes {
        let Some(pane) = index.panes.get_mut(pi) else {
            continue;
        };
        let Some(keys) = &pending.keys else {
            *pane = Pane::build(state, &pane.spec.contexts.clone());
            continue;
        };
        let cmp = order(pane.spec.reverse);
        let mut old = old;
        let mut new = Vec::new();
        for k in keys {
            if let Some(row) = row_of(state, pane.spec.view, ci, k)
                && table::admits(state, &row)
            {
                let e = entry(state, pane.spec.sort, &row);
                // Most upserts leave the sort key alone (a restart count, a status while
                // sorted by name): the entry stays where it is.
                match old.iter().position(|o| *o == e) {
                    Some(at) if old.len() <= 16 => drop(old.swap_remove(at)),
                    _ => new.push(e),
                }
            }
        }
        for e in &old {
            pane.rows.remove(e, cmp);
        }
        for e in new {
            pane.rows.insert(e, cmp);
        }
        if let Some(at) = pane.spec.contexts.iter().position(|&c| c == ci) {
            pane.revisions[at] = revision(state, pane.spec.view, ci);
        }
    }
    state.index = index;
    sync(state);
}

fn kind_of(view: ViewKind) -> &'static str {
    match view {
        ViewKind::Pods => "Pod",
        ViewKind::Nodes => "Node",
        ViewKind::Deployments => "Deployment",
        ViewKind::Kind(id) => id,
        ViewKind::Kinds => "Kind",
    }
}

#[cfg(test)]
mod tests;
