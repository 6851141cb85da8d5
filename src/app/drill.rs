//! Drill-down: `enter` opens what a row contains (a deployment's pods by its selector, a node's
//! pods, a pod's containers), `esc` climbs back with the cursor where it was at each level, and
//! the path so far is a breadcrumb (`prod › deploy default/nginx-ingress › pods`). A level is
//! a [`Place`] saved in a [`Crumb`]; the pods shown below a workload are a [`Scope`], so any
//! kind that selects pods (a Service, StatefulSet, DaemonSet, ReplicaSet, Job) can drill with it.

use crate::cluster::generic::GenericRow;
use crate::cluster::rows::PodRow;
use crate::selector::LabelSelector;

use super::containers::{self, ContainersView};
use super::filter::{LabelFilter, TextFilter};
use super::msg::Cmd;
use super::namespaces::Namespaces;
use super::state::{Level, Screen, Sort, State, ViewKind};
use super::table::{self, RowId, RowRef};

/// Which pods a drilled-down pods list shows. Each holds its context: a merged table drills
/// into one context's objects.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// `kubectl get pods -n NAMESPACE -l SELECTOR`: a deployment's (or service's, …) pods.
    Selector {
        context: String,
        namespace: String,
        selector: LabelSelector,
        /// The selector as kubectl's `-l` takes it, for the title.
        text: String,
    },
    /// `kubectl get pods -A --field-selector spec.nodeName=NODE`.
    Node { context: String, node: String },
    /// Pods whose controller is `kind/name` (a ReplicaSet, Job, DaemonSet, StatefulSet).
    Owner {
        context: String,
        namespace: String,
        kind: String,
        name: String,
    },
}

impl Scope {
    pub fn context(&self) -> &str {
        match self {
            Scope::Selector { context, .. }
            | Scope::Node { context, .. }
            | Scope::Owner { context, .. } => context,
        }
    }

    /// Whether the pod (of `context`) is in the scope.
    pub fn admits(&self, context: &str, pod: &PodRow) -> bool {
        if context != self.context() {
            return false;
        }
        match self {
            Scope::Selector {
                namespace,
                selector,
                ..
            } => pod.namespace == *namespace && selector.matches(&pod.labels),
            Scope::Node { node, .. } => pod.node == *node,
            Scope::Owner {
                namespace,
                kind,
                name,
                ..
            } => pod.namespace == *namespace && pod.owner_kind == *kind && pod.owner_name == *name,
        }
    }

    /// A `matchLabels` map as a selector scope (an empty map selects nothing, as kubectl's
    /// controllers treat an empty selector).
    pub fn selector(
        context: &str,
        namespace: &str,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> Scope {
        let text = labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        let selector = if text.is_empty() {
            // `a notin ()`-style: nothing has this label set to itself and not.
            LabelSelector::parse("kockpit.dev/none,!kockpit.dev/none").unwrap_or_default()
        } else {
            LabelSelector::parse(&text).unwrap_or_default()
        };
        Scope::Selector {
            context: context.to_string(),
            namespace: namespace.to_string(),
            selector,
            text,
        }
    }
}

/// Everything that makes a level what it is, saved when a deeper one opens.
#[derive(Debug, Clone)]
pub struct Place {
    pub screen: Screen,
    /// The focused context (tab may move it on the level above).
    pub focus: usize,
    pub view: ViewKind,
    pub cursor: Option<RowId>,
    pub filter: TextFilter,
    pub labels: Option<LabelFilter>,
    pub sort: Sort,
    pub scope: Option<Scope>,
    pub containers: Option<ContainersView>,
    /// `enter` on a namespace scopes the tables to it; `esc` brings the earlier scope back.
    pub namespaces: Namespaces,
}

/// One step down: what it went into (`deploy default/nginx-ingress`; empty for a plain switch
/// such as `:events`) and the level to come back to.
#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub back: Place,
}

#[derive(Debug, Clone, Default)]
pub struct Drill {
    /// Where the path starts: the context drilled into (or the contexts `:events` showed).
    pub root: String,
    pub crumbs: Vec<Crumb>,
    /// The pods the current pods list is limited to.
    pub scope: Option<Scope>,
    /// The containers view, while it is the current level (or saved in a crumb).
    pub containers: Option<ContainersView>,
}

fn here(state: &State) -> Place {
    Place {
        screen: state.screen,
        focus: state.focus,
        view: state.view,
        cursor: state.cursor.clone(),
        filter: state.filter.clone(),
        labels: state.labels.clone(),
        sort: state.sort.clone(),
        scope: state.drill.scope.clone(),
        containers: state.drill.containers.clone(),
        namespaces: state.namespaces.clone(),
    }
}

/// Saves the current level and starts a fresh one (no filter, cursor on the first row); the
/// caller then sets what the new level shows.
pub fn push(state: &mut State, root: &str, label: String) {
    if state.drill.crumbs.is_empty() {
        state.drill.root = root.to_string();
    }
    let back = here(state);
    state.drill.crumbs.push(Crumb { label, back });
    state.filter = TextFilter::default();
    state.labels = None;
    state.cursor = None;
}

/// `esc` at a drilled level: back to the one above, as it was. False when at the top.
pub fn back(state: &mut State) -> bool {
    let Some(Crumb { back, .. }) = state.drill.crumbs.pop() else {
        return false;
    };
    state.screen = back.screen;
    state.focus = back.focus.min(state.contexts.len().saturating_sub(1));
    state.view = back.view;
    state.cursor = back.cursor;
    state.filter = back.filter;
    state.labels = back.labels;
    state.sort = back.sort;
    state.drill.scope = back.scope;
    state.drill.containers = back.containers;
    state.namespaces = back.namespaces;
    true
}

/// Leaves every drilled level where it is (a view chosen by key or command starts afresh).
pub fn reset(state: &mut State) {
    state.drill = Drill::default();
    // Those screens are levels of a path: without it they close.
    if matches!(state.screen, Screen::Events | Screen::Containers) {
        state.screen = Screen::Table;
    }
}

/// What a level is called in the breadcrumb.
fn noun(screen: Screen, view: ViewKind) -> String {
    match screen {
        Screen::Table => view.title().to_lowercase(),
        Screen::Events => "events".into(),
        Screen::Containers => "containers".into(),
        Screen::Logs => "logs".into(),
        Screen::Forwards => "forwards".into(),
        Screen::Drain => "drain".into(),
        Screen::Rollouts => "rollouts".into(),
    }
}

/// `prod › deploy default/nginx-ingress › pods`: None at the top level.
pub fn breadcrumb(state: &State) -> Option<String> {
    let crumbs = &state.drill.crumbs;
    if crumbs.is_empty() {
        return None;
    }
    let mut parts = vec![state.drill.root.clone()];
    for (i, c) in crumbs.iter().enumerate() {
        if !c.label.is_empty() {
            parts.push(c.label.clone());
        }
        let (screen, view) = match crumbs.get(i + 1) {
            Some(next) => (next.back.screen, next.back.view),
            None => (state.screen, state.view),
        };
        parts.push(noun(screen, view));
    }
    Some(parts.join(" › "))
}

/// Whether the pods view shows this pod: its drill scope if there is one (which replaces the
/// `:ns` namespace), else None and the table's own namespace rule applies.
pub fn admits_pod(state: &State, context: usize, pod: &PodRow) -> Option<bool> {
    let scope = state.drill.scope.as_ref()?;
    Some(scope.admits(state.contexts[context].name(), pod))
}

/// Sets the table to `view` keeping the sort if the view has that column.
fn show(state: &mut State, view: ViewKind) {
    super::table_keys::set_view(state, view);
}

/// `enter` on a table row.
pub fn enter(state: &mut State) -> Vec<Cmd> {
    enum Below {
        Pods(Scope, String),
        Containers(String, String, String),
        Namespace(String, String),
    }
    let into = match table::selected(state) {
        None => {
            state.notice = Some((Level::Info, "nothing selected".into()));
            return vec![];
        }
        Some(row) => {
            let ctx = state.contexts[row.context()].name().to_string();
            match row {
                RowRef::Deployment(_, d) => Below::Pods(
                    Scope::selector(&ctx, &d.namespace, &d.selector),
                    format!("deploy {}/{}", d.namespace, d.name),
                ),
                RowRef::Node(_, n) => Below::Pods(
                    Scope::Node {
                        context: ctx.clone(),
                        node: n.name.clone(),
                    },
                    format!("node {}", n.name),
                ),
                RowRef::Pod(_, p) => Below::Containers(ctx, p.namespace.clone(), p.name.clone()),
                // The kinds list: enter opens the kind.
                RowRef::Type(_, k) => {
                    let word = k.qualified();
                    return super::kinds::open(state, &word);
                }
                RowRef::Generic(_, id, r) => match generic_below(&ctx, id, r) {
                    Ok(Some(scope)) => {
                        Below::Pods(scope, format!("{} {}", short(id), r.key_text()))
                    }
                    Ok(None) => Below::Namespace(ctx, r.name.clone()),
                    Err(why) => {
                        state.notice = Some((Level::Info, why));
                        return vec![];
                    }
                },
            }
        }
    };
    match into {
        Below::Pods(scope, label) => {
            let root = scope.context().to_string();
            push(state, &root, label);
            state.drill.scope = Some(scope);
            state.drill.containers = None;
            show(state, ViewKind::Pods);
            vec![]
        }
        Below::Containers(ctx, ns, pod) => {
            push(state, &ctx, format!("pod {ns}/{pod}"));
            containers::open(state, ctx, ns, pod)
        }
        Below::Namespace(ctx, ns) => {
            push(state, &ctx, format!("ns {ns}"));
            state.drill.scope = None;
            state.drill.containers = None;
            state.namespaces = Namespaces::one(&ns);
            show(state, ViewKind::Pods);
            vec![]
        }
    }
}

/// kubectl's short word for a kind in the breadcrumb (`sts default/web`).
fn short(id: &str) -> String {
    match id {
        "StatefulSet" => "sts".into(),
        "DaemonSet" => "ds".into(),
        "ReplicaSet" => "rs".into(),
        "Service" => "svc".into(),
        other => other.to_lowercase(),
    }
}

/// What `enter` on a row of a generic kind opens: the pods a workload owns or a Service
/// selects (`Some`), a namespace's pods (`None`), or why there is nothing below it.
fn generic_below(context: &str, id: &str, r: &GenericRow) -> Result<Option<Scope>, String> {
    let owner = |kind: &str| Scope::Owner {
        context: context.to_string(),
        namespace: r.namespace.clone(),
        kind: kind.to_string(),
        name: r.name.clone(),
    };
    match id {
        // Pods name their controller: exact even where selectors overlap.
        "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => Ok(Some(owner(id))),
        "Namespace" => Ok(None),
        "Service" => {
            let text = r.selector.as_deref().ok_or_else(|| {
                format!(
                    "service {}/{} has no selector: its endpoints are managed by hand",
                    r.namespace, r.name
                )
            })?;
            let selector = LabelSelector::parse(text)
                .map_err(|e| format!("service {}/{}: selector {text}: {e}", r.namespace, r.name))?;
            Ok(Some(Scope::Selector {
                context: context.to_string(),
                namespace: r.namespace.clone(),
                selector,
                text: text.to_string(),
            }))
        }
        "CronJob" => Err(format!(
            "cronjob {}/{}: its pods belong to its jobs: :jobs, then enter on one",
            r.namespace, r.name
        )),
        _ => Err(format!(
            "{id}: nothing below it to list (d describes, y shows YAML)"
        )),
    }
}

/// Switches to the cockpit's view of `kind` with the cursor on the object, as a level `esc`
/// leaves; a notice when there is no view for the kind or the object is gone.
pub fn jump_to(state: &mut State, context: &str, kind: &str, namespace: &str, name: &str) {
    let (view, namespace) = match kind {
        "Pod" => (ViewKind::Pods, namespace),
        "Deployment" => (ViewKind::Deployments, namespace),
        "Node" => (ViewKind::Nodes, ""),
        _ => {
            // Any other kind the context serves opens as its generic table (core group first,
            // as kubectl resolves a bare Kind).
            let catalog = state
                .context_index(context)
                .map(|i| state.contexts[i].catalog.as_ref());
            let served = catalog.flatten().and_then(|c| {
                c.kinds
                    .iter()
                    .filter(|k| k.kind == kind)
                    .min_by_key(|k| !k.group.is_empty())
                    .map(|k| (k.id(), k.namespaced))
            });
            let Some((id, namespaced)) = served else {
                let what = if namespace.is_empty() {
                    name.to_string()
                } else {
                    format!("{namespace}/{name}")
                };
                let why = match catalog {
                    Some(Some(_)) => format!("{context} serves no {kind} resource"),
                    _ => format!("the resource types of {context} are not known yet"),
                };
                state.notice = Some((Level::Info, format!("{kind} {what}: {why}")));
                return;
            };
            (ViewKind::Kind(id), if namespaced { namespace } else { "" })
        }
    };
    let id = RowId {
        context: context.to_string(),
        kind: match view {
            ViewKind::Pods => "Pod",
            ViewKind::Deployments => "Deployment",
            ViewKind::Kind(id) => id,
            _ => "Node",
        },
        namespace: namespace.to_string(),
        name: name.to_string(),
    };
    let exists = state.context_index(context).is_some_and(|i| {
        let c = &state.contexts[i];
        let key = (id.namespace.clone(), id.name.clone());
        match view {
            ViewKind::Pods => c.pods.contains_key(&key),
            ViewKind::Deployments => c.deployments.contains_key(&key),
            // Not watched yet: its rows arrive once the view opens, and the cursor finds it.
            ViewKind::Kind(k) => c.kinds.get(k).is_none_or(|t| t.rows.contains_key(&key)),
            _ => c.nodes.contains_key(&key),
        }
    });
    if !exists {
        state.notice = Some((Level::Info, format!("{} is gone", id.describe())));
        return;
    }
    push(state, context, String::new());
    state.screen = Screen::Table;
    state.drill.scope = None;
    state.drill.containers = None;
    show(state, view);
    // Focused on another context, or a `:ns` hiding it: show the object's context and namespace.
    if !state.merged
        && let Some(i) = state.context_index(context)
    {
        state.focus = i;
    }
    if !state.namespaces.admits(namespace) {
        state.notice = Some((
            Level::Info,
            format!(
                "{} is outside namespaces {}",
                id.describe(),
                state.namespaces
            ),
        ));
    }
    state.cursor = Some(id);
}

/// The owner key on a pod: its Deployment (through its ReplicaSet), its Node for a static
/// pod's mirror, or any other controller's own table (StatefulSet, DaemonSet, Job, …).
pub fn owner(state: &mut State) -> Vec<Cmd> {
    let pod = match (state.screen, table::selected(state)) {
        (Screen::Table, Some(RowRef::Pod(ci, p))) => Some((ci, p.clone())),
        _ => None,
    };
    let pod = pod.or_else(|| {
        let v = state
            .drill
            .containers
            .as_ref()
            .filter(|_| state.screen == Screen::Containers)?;
        let ci = state.context_index(&v.context)?;
        let p = state.contexts[ci]
            .pods
            .get(&(v.namespace.clone(), v.pod.clone()))?;
        Some((ci, p.clone()))
    });
    let Some((ci, p)) = pod else {
        state.notice = Some((Level::Info, "owner: select a pod".into()));
        return vec![];
    };
    let ctx = state.contexts[ci].name().to_string();
    let what = format!("pod {}/{}", p.namespace, p.name);
    match p.owner_kind.as_str() {
        "" => {
            state.notice = Some((
                Level::Info,
                format!("{what} has no owner: nothing recreates it"),
            ));
        }
        "ReplicaSet" => {
            let rs = state.contexts[ci]
                .replicasets
                .get(&(p.namespace.clone(), p.owner_name.clone()));
            match rs.map(|r| r.owner_name.clone()).filter(|d| !d.is_empty()) {
                Some(deploy) => jump_to(state, &ctx, "Deployment", &p.namespace, &deploy),
                None => {
                    state.notice = Some((
                        Level::Info,
                        format!(
                            "{what} is owned by ReplicaSet {}/{}, which no deployment owns",
                            p.namespace, p.owner_name
                        ),
                    ));
                    jump_to(state, &ctx, "ReplicaSet", &p.namespace, &p.owner_name);
                }
            }
        }
        "Node" => jump_to(state, &ctx, "Node", "", &p.owner_name),
        kind => {
            let kind = kind.to_string();
            jump_to(state, &ctx, &kind, &p.namespace, &p.owner_name)
        }
    }
    vec![]
}

#[cfg(test)]
#[path = "drill_tests.rs"]
mod tests;
