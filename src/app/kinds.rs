//! Views of any resource type: opening one by the operator's word (`:svc`, `:certificates`),
//! which watches run for it (a kind is watched in each shown context while it is shown, and for
//! [`LINGER`] after, so memory follows what is open), and the kinds list (`:kinds`). Pure.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::cluster::events::WatchState;
use crate::cluster::generic::{GenericRow, KindColumns};
use crate::cluster::kinds::KindInfo;
use crate::cluster::rows::Key;

use super::msg::Cmd;
use super::state::{State, ViewKind};
use super::table_keys::switch_view;

/// How long a kind stays watched after it was last shown: going back to it within this time
/// shows its rows at once, and a few kinds looked at in turn do not relist each time.
pub const LINGER: Duration = Duration::from_secs(30);

/// One context's rows of one opened kind.
#[derive(Debug, Clone)]
pub struct KindTable {
    pub columns: KindColumns,
    pub rows: BTreeMap<Key, GenericRow>,
    pub watch: Option<WatchState>,
}

impl KindTable {
    pub fn new(columns: KindColumns) -> KindTable {
        KindTable {
            columns,
            rows: BTreeMap::new(),
            watch: None,
        }
    }
}

/// Opens the view `word` names (`svc`, `Service`, `deploy.apps`, `certificates.cert-manager.io`)
/// in the shown contexts. Pods, deployments and nodes open their rich views.
pub fn open(state: &mut State, word: &str) -> Vec<Cmd> {
    let shown = state.shown_contexts();
    let mut found = None;
    let mut undiscovered = Vec::new();
    // The focused context first: its kind wins a word two contexts resolve differently.
    let order =
        std::iter::once(state.focus).chain(shown.iter().copied().filter(|&c| c != state.focus));
    for ci in order {
        let Some(ctx) = state.contexts.get(ci) else {
            continue;
        };
        match &ctx.catalog {
            None => undiscovered.push(ctx.info.name.clone()),
            Some(catalog) => {
                if let Some(kind) = catalog.resolve(word) {
                    found = Some(kind.id());
                    break;
                }
            }
        }
    }
    let Some(id) = found else {
        // kubectl reads discovery again when a name is unknown: a CRD may have just arrived.
        let cmds = shown
            .iter()
            .filter_map(|&c| state.contexts.get(c))
            .map(|c| Cmd::Rediscover {
                context: c.info.name.clone(),
            })
            .collect();
        state.notice = Some((
            super::state::Level::Error,
            if undiscovered.is_empty() {
                format!(
                    "unknown command or resource type :{word} (try :kinds, :pods, :svc, :ctx, :ns, :logs, :q)"
                )
            } else {
                format!(
                    "{word}: the resource types of {} are still being read, try again in a moment",
                    undiscovered.join(", ")
                )
            },
        ));
        return cmds;
    };
    let view = match id {
        "Pod" => ViewKind::Pods,
        "Deployment" => ViewKind::Deployments,
        "Node" => ViewKind::Nodes,
        other => ViewKind::Kind(other),
    };
    // The kinds list's `/` filter found the type; it is not a filter of that type's rows.
    if state.view == ViewKind::Kinds {
        state.filter = super::filter::TextFilter::default();
    }
    switch_view(state, view);
    sync_watches(state)
}

/// Every word naming a type in the shown contexts' catalogs (for completion).
pub fn words(state: &State) -> Vec<String> {
    let mut out: Vec<String> = state
        .shown_contexts()
        .into_iter()
        .filter_map(|c| state.contexts.get(c)?.catalog.as_ref())
        .flat_map(|c| c.words())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The kinds list: every type the focused context serves.
pub fn open_list(state: &mut State) {
    switch_view(state, ViewKind::Kinds);
}

/// The catalog entry of the kind with identity `id` in context `ci`.
pub fn info<'a>(state: &'a State, ci: usize, id: &str) -> Option<&'a KindInfo> {
    state.contexts.get(ci)?.catalog.as_ref()?.by_id(id)
}

/// The columns of the shown kind (those of the first shown context that has them).
pub fn columns<'a>(state: &'a State, id: &str) -> Option<&'a KindColumns> {
    state
        .shown_contexts()
        .into_iter()
        .find_map(|ci| state.contexts.get(ci)?.kinds.get(id))
        .map(|t| &t.columns)
}

/// How a view is titled: `Pods`, `Services`, `StatefulSets` (a kind by its plural, in the
/// Kind's own capitals where the plural is the Kind's regular plural).
pub fn title(state: &State, view: ViewKind) -> String {
    let ViewKind::Kind(id) = view else {
        return view.title().to_string();
    };
    match state
        .shown_contexts()
        .into_iter()
        .find_map(|ci| info(state, ci, id))
    {
        Some(k) => plural_title(&k.kind, &k.plural),
        None => id.to_string(),
    }
}

/// `StatefulSet`/`statefulsets` → `StatefulSets`; `NetworkPolicy`/`networkpolicies` →
/// `NetworkPolicies`; an irregular plural is capitalised as it is.
fn plural_title(kind: &str, plural: &str) -> String {
    let lower = kind.to_lowercase();
    if let Some(suffix) = plural.strip_prefix(&lower)
        && (suffix == "s" || suffix == "es")
    {
        return format!("{kind}{suffix}");
    }
    if let (Some(stem), Some(_)) = (lower.strip_suffix('y'), plural.strip_suffix("ies"))
        && plural == format!("{stem}ies")
    {
        return format!("{}ies", &kind[..kind.len() - 1]);
    }
    let mut chars = plural.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Whether the kind with identity `id` is namespaced (in any shown context's catalog).
pub fn namespaced(state: &State, id: &str) -> bool {
    state
        .shown_contexts()
        .into_iter()
        .find_map(|ci| info(state, ci, id))
        .is_none_or(|k| k.namespaced)
}

/// Starts the watches the current view needs and marks them shown; called after every burst.
pub fn sync_watches(state: &mut State) -> Vec<Cmd> {
    let ViewKind::Kind(id) = state.view else {
        return vec![];
    };
    let mut cmds = Vec::new();
    for ci in state.shown_contexts() {
        let Some(kind) = info(state, ci, id).cloned() else {
            continue;
        };
        let context = state.contexts[ci].info.name.clone();
        let key = (context.clone(), id);
        if state.kind_watches.insert(key, state.now).is_none() {
            cmds.push(Cmd::WatchKind { context, kind });
        }
    }
    cmds
}

/// Stops the watches of kinds not shown for [`LINGER`], and drops their rows.
pub fn expire(state: &mut State) -> Vec<Cmd> {
    let shown: Vec<String> = match state.view {
        ViewKind::Kind(_) => state
            .shown_contexts()
            .into_iter()
            .filter_map(|c| state.contexts.get(c).map(|c| c.info.name.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let now = state.now;
    let current = match state.view {
        ViewKind::Kind(id) => Some(id),
        _ => None,
    };
    let mut expired = Vec::new();
    for ((context, id), last) in state.kind_watches.iter_mut() {
        if current == Some(*id) && shown.contains(context) {
            *last = now;
        } else if now.duration_since(*last).unsigned_abs() >= LINGER {
            expired.push((context.clone(), *id));
        }
    }
    let mut cmds = Vec::new();
    for (context, id) in expired {
        state.kind_watches.remove(&(context.clone(), id));
        if let Some(ci) = state.context_index(&context) {
            state.contexts[ci].kinds.remove(id);
            state.contexts[ci].revisions.bump_kind(id);
        }
        cmds.push(Cmd::UnwatchKind { context, id });
    }
    cmds
}

/// Whether a kind's event for `context` belongs to a watch the cockpit still wants (a watch
/// stopped a moment ago may still have events on their way).
pub fn wanted(state: &State, context: &str, id: &'static str) -> bool {
    state.kind_watches.contains_key(&(context.to_string(), id))
}

#[cfg(test)]
mod tests;
