//! What a mutation is, described fully before it runs: its objects, its kubectl equivalent, and
//! whether it may run here at all (the one read-only refusal).

use std::collections::BTreeSet;

use crate::recovery::plan::{self, Step};

use super::edit::ObjectRef;
use super::object_actions::ObjectAction;
use super::state::State;
use super::table::RowId;

/// One pod a step acts on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodTarget {
    pub context: String,
    pub namespace: String,
    pub name: String,
}

/// A change to a cluster, described fully before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    Cordon {
        context: String,
        node: String,
        on: bool,
    },
    /// Cordon, then evict every pod that may go, retrying budget-blocked ones; nodes drain side by side.
    Drain { context: String, nodes: Vec<String> },
    /// One rung of the escalation ladder on one or many pods.
    Pods { step: Step, pods: Vec<PodTarget> },
    Scale {
        context: String,
        namespace: String,
        name: String,
        replicas: i32,
    },
    RolloutRestart {
        context: String,
        namespace: String,
        name: String,
    },
    /// An edit saved in `$EDITOR`, held by its edit session (`id`) until confirmed; `changes`
    /// are the changed fields as the operator reviews them (paths only for a Secret).
    Edit {
        id: u64,
        /// Boxed: an object reference carries its kind's discovery entry.
        object: Box<ObjectRef>,
        changes: Vec<String>,
    },
    /// Not a change, but a door into the cluster: an interactive shell, confirmed on production
    /// with a key and audited at its start and end.
    Shell(Box<super::shell::ShellRequest>),
    /// One object of any kind: delete, scale, rollout restart, a Job from a CronJob, suspend.
    Object {
        /// Boxed: an object reference carries its kind's discovery entry.
        object: Box<ObjectRef>,
        action: ObjectAction,
    },
}

/// `kubectl --context C [-n NS] edit KIND/NAME`.
pub fn kubectl_edit(object: &ObjectRef) -> String {
    let ns = if object.namespace.is_empty() {
        String::new()
    } else {
        format!(" -n {}", plan::sh(&object.namespace))
    };
    format!(
        "kubectl --context {}{ns} edit {}",
        plan::sh(&object.context),
        plan::sh(&object.kubectl_name())
    )
}

impl Mutation {
    /// The kubectl commands that do the same thing, one per object.
    pub fn kubectl(&self) -> Vec<String> {
        match self {
            Mutation::Cordon { context, node, on } => {
                vec![plan::kubectl_cordon(context, node, *on)]
            }
            Mutation::Drain { context, nodes } => vec![format!(
                "kubectl --context {} drain {} --ignore-daemonsets --delete-emptydir-data",
                plan::sh(context),
                nodes
                    .iter()
                    .map(|n| plan::sh(n))
                    .collect::<Vec<_>>()
                    .join(" ")
            )],
            Mutation::Pods { step, pods } => pods
                .iter()
                .map(|p| plan::kubectl(&p.context, *step, &p.namespace, &p.name))
                .collect(),
            Mutation::Scale {
                context,
                namespace,
                name,
                replicas,
            } => vec![plan::kubectl_scale(context, namespace, name, *replicas)],
            Mutation::RolloutRestart {
                context,
                namespace,
                name,
            } => vec![plan::kubectl_rollout_restart(context, namespace, name)],
            Mutation::Edit { object, .. } => vec![kubectl_edit(object)],
            Mutation::Shell(r) => vec![r.kubectl()],
            Mutation::Object { object, action } => vec![action.kubectl(object)],
        }
    }

    /// Every context the mutation touches.
    pub fn contexts(&self) -> BTreeSet<&str> {
        match self {
            Mutation::Cordon { context, .. }
            | Mutation::Drain { context, .. }
            | Mutation::Scale { context, .. }
            | Mutation::RolloutRestart { context, .. } => BTreeSet::from([context.as_str()]),
            Mutation::Pods { pods, .. } => pods.iter().map(|p| p.context.as_str()).collect(),
            Mutation::Shell(r) => BTreeSet::from([r.context.as_str()]),
            Mutation::Edit { object, .. } | Mutation::Object { object, .. } => {
                BTreeSet::from([object.context.as_str()])
            }
        }
    }

    /// The one object a single-object mutation acts on (a drain's nodes are not tracked here).
    pub fn target(&self) -> Option<RowId> {
        let id = |context: &str, kind, namespace: &str, name: &str| RowId {
            context: context.to_string(),
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
        };
        match self {
            Mutation::Cordon { context, node, .. } => Some(id(context, "Node", "", node)),
            Mutation::Pods { pods, .. } => match pods.as_slice() {
                [p] => Some(id(&p.context, "Pod", &p.namespace, &p.name)),
                _ => None,
            },
            Mutation::Scale {
                context,
                namespace,
                name,
                ..
            }
            | Mutation::RolloutRestart {
                context,
                namespace,
                name,
            } => Some(id(context, "Deployment", namespace, name)),
            Mutation::Shell(r) => Some(id(&r.context, "Pod", &r.namespace, &r.pod)),
            Mutation::Object { object, .. } => Some(id(
                &object.context,
                object.kind.id(),
                &object.namespace,
                &object.name,
            )),
            // The session answers a vanished object with the API's 404 and keeps the text.
            Mutation::Drain { .. } | Mutation::Edit { .. } => None,
        }
    }

    /// Short name for notices and the audit, e.g. "force delete".
    pub fn verb(&self) -> &'static str {
        match self {
            Mutation::Cordon { on: true, .. } => "cordon",
            Mutation::Cordon { on: false, .. } => "uncordon",
            Mutation::Drain { .. } => "drain",
            Mutation::Pods { step, .. } => step.label(),
            Mutation::Scale { .. } => "scale",
            Mutation::RolloutRestart { .. } => "rollout restart",
            Mutation::Edit { .. } => "edit",
            Mutation::Shell(_) => "exec",
            Mutation::Object { action, .. } => action.verb(),
        }
    }
}

/// The warning force-delete always carries.
pub const FORCE_WARNING: &str = "force delete removes the object without the kubelet's confirmation: on an unreachable node the process may still be running";

/// Whether `context` is a live production context (banner, typed confirmations).
pub fn production(state: &State, context: &str) -> bool {
    state
        .context_index(context)
        .is_some_and(|i| state.contexts[i].info.production)
}

/// Why `verb` may not run on `contexts`, if so: `--readonly`, or a context the config file
/// marks read-only. The one sentence every refusal uses.
pub fn refusal<'a>(
    state: &State,
    verb: &str,
    mut contexts: impl Iterator<Item = &'a str>,
) -> Option<String> {
    if state.readonly {
        return Some(format!(
            "read-only: {verb} is disabled (started with --readonly)"
        ));
    }
    contexts
        .find(|c| state.readonly_contexts.iter().any(|r| r == c))
        .map(|c| {
            format!("read-only: context {c} is read-only in the config file; {verb} is disabled")
        })
}

/// Why `mutation` may not run here, if so.
pub fn refused(state: &State, mutation: &Mutation) -> Option<String> {
    refusal(state, mutation.verb(), mutation.contexts().into_iter())
}
