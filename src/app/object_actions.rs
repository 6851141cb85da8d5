//! Mutations on one object of any kind: delete (every kind), scale (StatefulSets, ReplicaSets),
//! rollout restart (StatefulSets, DaemonSets), a Job from a CronJob now, suspend / resume of a
//! CronJob. The question each one asks and its kubectl equivalent; `exec::object_actions` runs them.

use jiff::Timestamp;

use crate::cluster::kinds::KindInfo;
use crate::recovery::plan;

use super::confirm::ask;
use super::edit::ObjectRef;
use super::keys::Action;
use super::mutation::Mutation;
use super::state::{Level, Prompt, State};

/// What is done to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectAction {
    /// Deleted with background propagation, as `kubectl delete` does.
    Delete,
    /// `spec.replicas` set through the `scale` subresource.
    Scale { replicas: i32 },
    /// `kubectl.kubernetes.io/restartedAt` stamped on the pod template.
    RolloutRestart,
    /// A Job named `job` from the CronJob's `jobTemplate`, now.
    CreateJob { job: String },
    /// The CronJob's `spec.suspend` set to `on`.
    Suspend { on: bool },
}

impl ObjectAction {
    /// Short name for notices and the audit.
    pub fn verb(&self) -> &'static str {
        match self {
            ObjectAction::Delete => "delete",
            ObjectAction::Scale { .. } => "scale",
            ObjectAction::RolloutRestart => "rollout restart",
            ObjectAction::CreateJob { .. } => "create job",
            ObjectAction::Suspend { on: true } => "suspend",
            ObjectAction::Suspend { on: false } => "resume",
        }
    }

    /// The kubectl command that does the same to `object`.
    pub fn kubectl(&self, object: &ObjectRef) -> String {
        let ns = if object.namespace.is_empty() {
            String::new()
        } else {
            format!(" -n {}", plan::sh(&object.namespace))
        };
        let head = format!("kubectl --context {}{ns}", plan::sh(&object.context));
        let target = plan::sh(&object.kubectl_name());
        match self {
            ObjectAction::Delete => format!("{head} delete {target}"),
            ObjectAction::Scale { replicas } => {
                format!("{head} scale {target} --replicas={replicas}")
            }
            ObjectAction::RolloutRestart => format!("{head} rollout restart {target}"),
            ObjectAction::CreateJob { job } => format!(
                "{head} create job {} --from={}",
                plan::sh(job),
                plan::sh(&format!("cronjob/{}", object.name))
            ),
            ObjectAction::Suspend { on } => format!(
                "{head} patch {target} --type=merge -p {}",
                plan::sh(&format!(r#"{{"spec":{{"suspend":{on}}}}}"#))
            ),
        }
    }

    /// What the results list says when it worked.
    pub fn done(&self) -> String {
        match self {
            ObjectAction::Delete => "deleted".into(),
            ObjectAction::Scale { replicas } => format!("scaled to {replicas}"),
            ObjectAction::RolloutRestart => "restarted".into(),
            ObjectAction::CreateJob { job } => format!("created job {job}"),
            ObjectAction::Suspend { on: true } => "suspended".into(),
            ObjectAction::Suspend { on: false } => "resumed".into(),
        }
    }
}

/// The kinds whose pods a rollout restart replaces (deployments keep their own question).
const RESTARTABLE: [&str; 2] = ["StatefulSet", "DaemonSet"];
/// The kinds scaled through `/scale` here (deployments keep their own question).
const SCALABLE: [&str; 2] = ["StatefulSet", "ReplicaSet"];

fn builtin_group(kind: &KindInfo) -> bool {
    matches!(kind.group.as_str(), "apps" | "batch")
}

/// Whether `action` applies to an object of `kind` here.
pub fn applies(action: Action, kind: &KindInfo) -> bool {
    let is = |names: &[&str]| builtin_group(kind) && names.contains(&kind.kind.as_str());
    match action {
        Action::Delete => true,
        Action::Scale => is(&SCALABLE),
        Action::RolloutRestart => is(&RESTARTABLE),
        Action::TriggerCronJob | Action::SuspendCronJob => is(&["CronJob"]),
        _ => false,
    }
}

/// The object of kind `id` at (`namespace`, `name`) on context `ci`, with its discovery entry
/// (the built-in table serves until discovery answers).
pub fn object_at(
    state: &State,
    ci: usize,
    id: &str,
    namespace: &str,
    name: &str,
) -> Option<ObjectRef> {
    let kind = super::kinds::info(state, ci, id)
        .cloned()
        .or_else(|| KindInfo::builtin(id))?;
    Some(ObjectRef {
        context: state.contexts.get(ci)?.info.name.clone(),
        kind,
        namespace: namespace.to_string(),
        name: name.to_string(),
    })
}

/// A row's cell under `title`, from the (title, text) pairs the row shows.
fn cell<'a>(cells: &'a [(&'static str, String)], title: &str) -> Option<&'a str> {
    cells
        .iter()
        .find(|(t, _)| *t == title)
        .map(|(_, v)| v.as_str())
}

/// The desired replica count a row shows: a ReplicaSet's DESIRED, a StatefulSet's READY `n/N`.
pub fn desired_replicas(kind: &str, cells: &[(&'static str, String)]) -> Option<i32> {
    match kind {
        "ReplicaSet" => cell(cells, "DESIRED")?.trim().parse().ok(),
        "StatefulSet" => cell(cells, "READY")?.split_once('/')?.1.trim().parse().ok(),
        _ => None,
    }
}

/// Whether a CronJob row's SUSPEND cell says it is suspended (`<unset>` is not).
pub fn suspended(cells: &[(&'static str, String)]) -> bool {
    cell(cells, "SUSPEND") == Some("True")
}

/// The name of a Job started by hand from CronJob `cronjob` at `now`: `CRONJOB-manual-SUFFIX`,
/// the suffix the time in seconds in base 36, the whole at most 63 characters (a Job's name
/// becomes a label value).
pub fn manual_job_name(cronjob: &str, now: Timestamp) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut n = now.as_second().max(0) as u64;
    let mut suffix = Vec::new();
    loop {
        suffix.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    suffix.reverse();
    let suffix = String::from_utf8(suffix).unwrap_or_default();
    let tail = format!("-manual-{suffix}");
    let room = 63usize.saturating_sub(tail.len());
    let head: String = cronjob.chars().take(room).collect();
    format!("{}{tail}", head.trim_end_matches(['-', '.']))
}

/// How titles name the object: `statefulset postgres/postgres`, `namespace web`.
fn named(object: &ObjectRef) -> String {
    let kind = object.kind.kind.to_lowercase();
    if object.namespace.is_empty() {
        format!("{kind} {}", object.name)
    } else {
        format!("{kind} {}/{}", object.namespace, object.name)
    }
}

/// A mutation key on a row of `object` (`cells` are the row's cells by title): the question,
/// or the scale prompt. The caller has checked [`applies`].
pub fn on_key(
    state: &mut State,
    action: Action,
    object: ObjectRef,
    cells: &[(&'static str, String)],
) {
    match action {
        Action::Delete => ask_delete(state, object),
        Action::Scale => {
            let text = desired_replicas(&object.kind.kind, cells)
                .map(|n| n.to_string())
                .unwrap_or_default();
            state.prompt = Some(Prompt::Scale {
                context: object.context,
                kind: object.kind.id(),
                namespace: object.namespace,
                name: object.name,
                text,
            });
        }
        Action::RolloutRestart => {
            let title = format!("Rollout restart {} on {}", named(&object), object.context);
            let how = if object.kind.kind == "DaemonSet" {
                "every one of its pods (one per node) is replaced, as its update strategy allows"
            } else {
                "every one of its pods is replaced in order, highest ordinal first, one at a time"
            };
            let name = object.name.clone();
            let mutation = object_mutation(object, ObjectAction::RolloutRestart);
            ask(state, title, vec![how.into()], vec![], mutation, &name);
        }
        Action::TriggerCronJob => {
            let job = manual_job_name(&object.name, state.now);
            let title = format!(
                "Create job {job} from {} on {} now",
                named(&object),
                object.context
            );
            let mut details = vec![
                "a Job from the CronJob's jobTemplate, started now (kubectl create job --from)"
                    .to_string(),
                "its schedule is not changed".to_string(),
            ];
            if suspended(cells) {
                details.push("the CronJob is suspended: this runs it once all the same".into());
            }
            let name = object.name.clone();
            let mutation = object_mutation(object, ObjectAction::CreateJob { job });
            ask(state, title, details, vec![], mutation, &name);
        }
        Action::SuspendCronJob => {
            let on = !suspended(cells);
            let (verb, detail) = if on {
                (
                    "Suspend",
                    "no new Jobs start on its schedule; Jobs already running go on",
                )
            } else {
                (
                    "Resume",
                    "Jobs start on its schedule again (a run missed while suspended may start at once)",
                )
            };
            let title = format!("{verb} {} on {}", named(&object), object.context);
            let name = object.name.clone();
            let mutation = object_mutation(object, ObjectAction::Suspend { on });
            ask(state, title, vec![detail.into()], vec![], mutation, &name);
        }
        _ => {}
    }
}

fn object_mutation(object: ObjectRef, action: ObjectAction) -> Mutation {
    Mutation::Object {
        object: Box::new(object),
        action,
    }
}

/// The delete question; a Namespace, a CRD and a Node say what goes with them.
fn ask_delete(state: &mut State, object: ObjectRef) {
    if !object.kind.can("delete") {
        state.notice = Some((
            Level::Info,
            format!(
                "{} cannot be deleted: its API does not allow delete",
                object.shown()
            ),
        ));
        return;
    }
    let title = format!("Delete {} on {}", named(&object), object.context);
    let details =
        vec!["deleted as kubectl deletes: what it owns goes with it (background)".to_string()];
    let warnings = match (object.kind.group.as_str(), object.kind.kind.as_str()) {
        ("", "Namespace") => vec![format!(
            "everything in namespace {} is deleted with it; it cannot be undone",
            object.name
        )],
        ("apiextensions.k8s.io", "CustomResourceDefinition") => vec![format!(
            "every custom resource of {} is deleted with its definition, in every namespace",
            object.name
        )],
        ("", "Node") => vec![
            "the node object goes but its pods are not evicted first: drain it for that".into(),
        ],
        ("", "PersistentVolumeClaim") | ("", "PersistentVolume") => {
            vec!["the volume's data may be deleted with it (its reclaim policy decides)".into()]
        }
        _ => vec![],
    };
    let name = object.name.clone();
    let mutation = object_mutation(object, ObjectAction::Delete);
    ask(state, title, details, warnings, mutation, &name);
}

/// The scale prompt's answer for a StatefulSet or ReplicaSet (`kind` its Kind).
pub fn ask_scale(
    state: &mut State,
    kind: &str,
    context: &str,
    namespace: &str,
    name: &str,
    replicas: i32,
) {
    let Some(object) = state
        .context_index(context)
        .and_then(|ci| object_at(state, ci, kind, namespace, name))
    else {
        state.notice = Some((
            Level::Warn,
            format!("scale: context {context} is not live; nothing was changed"),
        ));
        return;
    };
    let title = format!("Scale {} on {context} to {replicas}", named(&object));
    let mut warnings = Vec::new();
    if replicas == 0 {
        warnings.push(format!(
            "0 replicas: every pod of the {} goes away",
            kind.to_lowercase()
        ));
    }
    let owner = state
        .context_index(context)
        .and_then(|ci| {
            state.contexts[ci]
                .replicasets
                .get(&(namespace.to_string(), name.to_string()))
        })
        .map(|r| r.owner_name.clone())
        .filter(|o| kind == "ReplicaSet" && !o.is_empty());
    if let Some(owner) = owner {
        warnings.push(format!(
            "deployment {owner} owns this replica set and scales it back: scale the deployment instead"
        ));
    }
    let mutation = object_mutation(object, ObjectAction::Scale { replicas });
    ask(
        state,
        title,
        vec![format!(
            "set spec.replicas to {replicas} (the scale subresource)"
        )],
        warnings,
        mutation,
        name,
    );
}

#[cfg(test)]
#[path = "object_actions_tests.rs"]
mod tests;
