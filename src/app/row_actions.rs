//! Mutation keys on a table row (cordon, drain, delete, force delete, scale, rollout restart,
//! bulk force delete): the question each one asks.

use std::collections::BTreeSet;

use crate::recovery::plan::Step;

use super::confirm::ask;
use super::edit::ObjectRef;
use super::keys::Action;
use super::msg::Cmd;
use super::mutation::{FORCE_WARNING, Mutation, PodTarget};
use super::state::{Level, Screen, State, ViewKind};
use super::table::{self, RowRef};
use super::wizard::Wizard;

fn target_context(state: &State, row: &RowRef) -> String {
    state.contexts[row.context()].info.name.clone()
}

/// A mutation key on a table row: build the question for it.
pub fn on_mutation_key(state: &mut State, action: Action) -> Vec<Cmd> {
    if action == Action::BulkForceDelete {
        bulk_force_delete(state);
        return vec![];
    }
    let selected = table::selected(state).map(|row| {
        let context = target_context(state, &row);
        let what = match row {
            RowRef::Node(_, n) => Selected::Node(n.name.clone()),
            RowRef::Pod(_, p) => Selected::Pod {
                namespace: p.namespace.clone(),
                name: p.name.clone(),
                owner_kind: p.owner_kind.clone(),
            },
            RowRef::Deployment(_, d) => Selected::Deployment {
                namespace: d.namespace.clone(),
                name: d.name.clone(),
                desired: d.desired,
            },
            RowRef::Generic(ci, id, r) => Selected::Other {
                id,
                object: super::object_actions::object_at(state, ci, id, &r.namespace, &r.name)
                    .map(Box::new),
                cells: super::kinds::columns(state, id)
                    .map(|cols| {
                        cols.columns
                            .iter()
                            .zip(&r.cells)
                            .map(|(c, v)| (c.title, v.text(state.now).into_owned()))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            RowRef::Type(..) => Selected::Other {
                id: "resource type",
                object: None,
                cells: Vec::new(),
            },
        };
        (context, what)
    });
    let Some((context, selected)) = selected else {
        state.notice = Some((Level::Info, "nothing selected".into()));
        return vec![];
    };
    match (action, selected) {
        (Action::Cordon | Action::Uncordon, Selected::Node(node)) => {
            let on = action == Action::Cordon;
            let verb = if on { "Cordon" } else { "Uncordon" };
            let detail = if on {
                "no new pods will be scheduled on it; running pods stay"
            } else {
                "the scheduler may place new pods on it again"
            };
            ask(
                state,
                format!("{verb} node {node} on {context}"),
                vec![detail.into()],
                vec![],
                Mutation::Cordon {
                    context,
                    node: node.clone(),
                    on,
                },
                &node,
            );
        }
        (Action::Drain, Selected::Node(node)) => {
            state.wizard = Some(Wizard::new(context, vec![node], state.now));
            state.screen = Screen::Drain;
        }
        (
            Action::Delete | Action::ForceDelete,
            Selected::Pod {
                namespace,
                name,
                owner_kind,
            },
        ) => {
            let step = if action == Action::Delete {
                Step::Delete
            } else {
                Step::ForceDelete
            };
            let target = PodTarget {
                context,
                namespace,
                name,
            };
            ask_step(state, step, vec![target], &owner_kind);
        }
        (
            Action::Scale,
            Selected::Deployment {
                namespace, name, ..
            },
        ) => {
            state.prompt = Some(super::state::Prompt::Scale {
                context,
                kind: "Deployment",
                namespace,
                name,
                text: String::new(),
            });
        }
        (
            Action::RolloutRestart,
            Selected::Deployment {
                namespace,
                name,
                desired,
            },
        ) => {
            ask(
                state,
                format!("Rollout restart deployment {namespace}/{name} on {context}"),
                vec![format!(
                    "every one of its {desired} pods is replaced by a rolling update"
                )],
                vec![],
                Mutation::RolloutRestart {
                    context,
                    namespace,
                    name: name.clone(),
                },
                &name,
            );
        }
        (
            a,
            Selected::Other {
                object: Some(object),
                cells,
                ..
            },
        ) if super::object_actions::applies(a, &object.kind) => {
            super::object_actions::on_key(state, a, *object, &cells);
        }
        // The rich rows' kinds are deleted like any other kind.
        (Action::Delete, Selected::Node(name)) => delete_any(state, &context, "Node", "", &name),
        (
            Action::Delete,
            Selected::Deployment {
                namespace, name, ..
            },
        ) => delete_any(state, &context, "Deployment", &namespace, &name),
        (a, s) => {
            let kind = match s {
                Selected::Node(_) => "node".to_string(),
                Selected::Pod { .. } => "pod".to_string(),
                Selected::Deployment { .. } => "deployment".to_string(),
                Selected::Other { id, .. } => id.to_lowercase(),
            };
            state.notice = Some((
                Level::Info,
                format!(
                    "{} does not apply to a {kind} (select a {})",
                    a.name(),
                    applies_to(a)
                ),
            ));
        }
    }
    vec![]
}

fn delete_any(state: &mut State, context: &str, id: &str, namespace: &str, name: &str) {
    let object = state
        .context_index(context)
        .and_then(|ci| super::object_actions::object_at(state, ci, id, namespace, name));
    if let Some(object) = object {
        super::object_actions::on_key(state, Action::Delete, object, &[]);
    }
}

/// The selected row, owned, so the state can change while acting on it.
enum Selected {
    Node(String),
    Pod {
        namespace: String,
        name: String,
        owner_kind: String,
    },
    Deployment {
        namespace: String,
        name: String,
        desired: i32,
    },
    /// A row of another kind: its identity Kind, the object (None for a resource type of
    /// the kinds list) and the row's cells by column title.
    Other {
        id: &'static str,
        /// Boxed: an object reference carries its kind's discovery entry.
        object: Option<Box<ObjectRef>>,
        cells: Vec<(&'static str, String)>,
    },
}

fn applies_to(action: Action) -> &'static str {
    match action {
        Action::Cordon | Action::Uncordon | Action::Drain => "node: N",
        Action::Delete => "row of any kind",
        Action::ForceDelete => "pod: P",
        Action::Scale => "deployment (D), statefulset (:sts) or replicaset (:rs)",
        Action::RolloutRestart => "deployment (D), statefulset (:sts) or daemonset (:ds)",
        Action::TriggerCronJob | Action::SuspendCronJob => "cronjob: :cj",
        _ => "deployment: D",
    }
}

/// Asks for one rung of the ladder on `pods`.
pub fn ask_step(state: &mut State, step: Step, pods: Vec<PodTarget>, owner_kind: &str) {
    let Some(first) = pods.first().cloned() else {
        state.notice = Some((Level::Info, "no pods to act on".into()));
        return;
    };
    let what = if pods.len() == 1 {
        format!("pod {}/{}", first.namespace, first.name)
    } else {
        format!("{} pods", pods.len())
    };
    let contexts: BTreeSet<&str> = pods.iter().map(|p| p.context.as_str()).collect();
    let on = contexts.into_iter().collect::<Vec<_>>().join(", ");
    let title = format!("{} {what} on {on}", capitalise(step.label()));
    let mut details = vec![match step {
        Step::Evict => {
            "evict: honours PodDisruptionBudgets; the pod's controller recreates it elsewhere"
                .to_string()
        }
        Step::Delete => {
            "delete with the pod's grace period: ignores PodDisruptionBudgets".to_string()
        }
        Step::ForceDelete => {
            "force delete (grace 0): the API object is removed at once".to_string()
        }
    }];
    if pods.len() > 1 {
        details.extend(
            pods.iter()
                .take(200)
                .map(|p| format!("  {} {}/{}", p.context, p.namespace, p.name)),
        );
    }
    let mut warnings = Vec::new();
    if step == Step::ForceDelete {
        warnings.push(FORCE_WARNING.to_string());
    }
    if pods.len() == 1 && owner_kind.is_empty() && step != Step::Evict {
        warnings.push("this pod has no controller: nothing will recreate it".to_string());
    }
    let name = first.name.clone();
    ask(
        state,
        title,
        details,
        warnings,
        Mutation::Pods { step, pods },
        &name,
    );
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Bulk force-delete: every pod the pods view shows under the current filter, previewed.
fn bulk_force_delete(state: &mut State) {
    if state.view != ViewKind::Pods {
        state.notice = Some((
            Level::Info,
            "bulk force-delete works on the pods view (P), on the pods the filter shows".into(),
        ));
        return;
    }
    if state.filter.is_empty() && state.labels.is_none() && state.namespaces.is_all() {
        state.notice = Some((
            Level::Warn,
            "set a filter first (/ keyword, L labels or :ns): bulk force-delete never takes every pod".into(),
        ));
        return;
    }
    let pods: Vec<PodTarget> = table::visible(state)
        .iter()
        .filter_map(|r| match r {
            RowRef::Pod(c, p) => Some(PodTarget {
                context: state.contexts[*c].info.name.clone(),
                namespace: p.namespace.clone(),
                name: p.name.clone(),
            }),
            _ => None,
        })
        .collect();
    // A filter that keeps every pod (`/.` is a regex matching anything) is no filter at all.
    // Counted over the contexts the pods came from (in a split, the focused side).
    let unfiltered: usize = state
        .table_contexts()
        .iter()
        .filter_map(|i| state.contexts.get(*i))
        .map(|c| {
            c.pods
                .values()
                .filter(|p| state.namespaces.admits(&p.namespace))
                .count()
        })
        .sum();
    if state.namespaces.is_all() && !pods.is_empty() && pods.len() == unfiltered {
        state.notice = Some((
            Level::Warn,
            format!(
                "the filter matches all {} pods of the view: narrow it; bulk force-delete never takes every pod",
                pods.len()
            ),
        ));
        return;
    }
    ask_step(state, Step::ForceDelete, pods, "bulk");
}
