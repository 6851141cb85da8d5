//! Editing an object in `$EDITOR`, as `kubectl edit` does: the key on a row asks the executor
//! for an edit session (`Cmd::Edit`); the session hands the terminal to the editor and comes
//! back with the change as field paths (`EditMsg::Review`), which the operator confirms with
//! the question every mutation asks (the object's name typed on production). The edited text
//! itself stays with the session, never in `State`.

use crate::cluster::kinds::KindInfo;

use super::confirm::ask;
use super::msg::{Cmd, Fetch};
use super::mutation::{Mutation, refusal, refused};
use super::state::{Level, State};
use super::table;

/// One object of any kind, by context, kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub context: String,
    pub kind: KindInfo,
    /// Empty for a cluster-scoped object.
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    /// How notices and titles name it: `deployment default/web (prod)`.
    pub fn shown(&self) -> String {
        let what = if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        };
        format!(
            "{} {what} ({})",
            self.kind.kind.to_lowercase(),
            self.context
        )
    }

    /// `deployment.apps/web`, `secret/db`: how kubectl names it on a command line.
    pub fn kubectl_name(&self) -> String {
        let kind = self.kind.kind.to_lowercase();
        if self.kind.group.is_empty() {
            format!("{kind}/{}", self.name)
        } else {
            format!("{kind}.{}/{}", self.kind.group, self.name)
        }
    }
}

/// What an edit session reports back.
#[derive(Debug, Clone, PartialEq)]
pub enum EditMsg {
    /// The operator saved a valid change; it is sent only after `Cmd::EditAnswer`.
    Review {
        id: u64,
        object: Box<ObjectRef>,
        /// Changed fields as paths with before → after (for a Secret, paths only).
        changes: Vec<String>,
    },
    /// Something the operator should read: the session ended, or the editor reopens and why.
    Notice { level: Level, text: String },
}

/// The object under the cursor, for the actions that work on any kind.
pub fn selected_object(state: &State) -> Option<ObjectRef> {
    let row = table::selected(state)?;
    // The context's discovery knows every kind (CRDs too); the built-in table serves until it answers.
    let kind = super::kinds::info(state, row.context(), row.kind())
        .cloned()
        .or_else(|| KindInfo::builtin(row.kind()))?;
    let (namespace, name) = row.key();
    Some(ObjectRef {
        context: state.contexts[row.context()].info.name.clone(),
        kind,
        namespace,
        name,
    })
}

/// The edit key on a table row.
pub fn on_edit_key(state: &mut State) -> Vec<Cmd> {
    match selected_object(state) {
        Some(object) => edit(state, object),
        None => {
            state.notice = Some((Level::Info, "nothing selected".into()));
            vec![]
        }
    }
}

/// Opens an edit session on `object` (any kind), unless edits are refused there.
pub fn edit(state: &mut State, object: ObjectRef) -> Vec<Cmd> {
    if let Some(why) = refusal(state, "edit", std::iter::once(object.context.as_str())) {
        state.notice = Some((Level::Warn, why));
        return vec![];
    }
    if !object.kind.can("update") {
        state.notice = Some((
            Level::Info,
            format!(
                "{} cannot be edited: its API does not allow updates",
                object.shown()
            ),
        ));
        return vec![];
    }
    state.notice = Some((Level::Info, format!("editing {}…", object.shown())));
    vec![Cmd::Edit {
        context: object.context,
        kind: object.kind,
        namespace: object.namespace,
        name: object.name,
    }]
}

/// The kinds `:describe`, `:yaml` and `:edit` name without discovery.
const NAMED: [&str; 15] = [
    "Pod",
    "Node",
    "Namespace",
    "Secret",
    "ConfigMap",
    "Service",
    "ServiceAccount",
    "PersistentVolumeClaim",
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "CronJob",
    "PodDisruptionBudget",
];

/// The kind a word names as kubectl reads it (`secret`, `secrets`, `cm`, `Deployment`).
fn kind_named(word: &str) -> Option<KindInfo> {
    let word = word.to_ascii_lowercase();
    NAMED
        .iter()
        .filter_map(|id| KindInfo::builtin(id))
        .find(|k| {
            k.plural == word
                || k.singular == word
                || k.short_names.contains(&word)
                || k.qualified() == word
        })
}

/// `KIND/NAME [-n NS]` or `KIND NAME [-n NS]` on the focused context.
pub fn object_from_words(state: &State, words: &[String]) -> Result<ObjectRef, String> {
    let usage = "give KIND/NAME [-n NAMESPACE], e.g. secret/db -n default";
    let mut namespace = None;
    let mut plain = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        match w.as_str() {
            "-n" | "--namespace" => namespace = it.next().cloned(),
            _ => plain.push(w.as_str()),
        }
    }
    let (kind, name) = match plain.as_slice() {
        [one] => one.split_once('/').ok_or_else(|| usage.to_string())?,
        [kind, name] => (*kind, *name),
        _ => return Err(usage.into()),
    };
    let catalog = state.focused().and_then(|c| c.catalog.as_ref());
    let kind = catalog
        .and_then(|c| c.resolve(kind).cloned())
        .or_else(|| kind_named(kind))
        .ok_or_else(|| format!("unknown kind {kind:?}: {usage}"))?;
    let context = state
        .focused()
        .map(|c| c.info.name.clone())
        .ok_or_else(|| "no live context".to_string())?;
    let namespace = if kind.namespaced {
        namespace
            .or_else(|| state.namespaces.single().map(str::to_string))
            .unwrap_or_else(|| "default".into())
    } else {
        String::new()
    };
    Ok(ObjectRef {
        context,
        kind,
        namespace,
        name: name.to_string(),
    })
}

/// `:describe` / `:yaml` (`what`) or `:edit` (None) on an object named by words.
pub fn from_command(state: &mut State, what: Option<Fetch>, words: &[String]) -> Vec<Cmd> {
    match (object_from_words(state, words), what) {
        (Err(e), _) => {
            state.notice = Some((Level::Error, e));
            vec![]
        }
        (Ok(object), Some(what)) => super::table_keys::open_overlay(state, what, object),
        (Ok(object), None) => {
            let verb = "edit";
            if let Some(why) = refusal(state, verb, std::iter::empty()) {
                state.notice = Some((Level::Warn, why));
                return vec![];
            }
            edit(state, object)
        }
    }
}

pub fn update(state: &mut State, msg: EditMsg) -> Vec<Cmd> {
    state.dirty = true;
    match msg {
        EditMsg::Notice { level, text } => {
            state.notice = Some((level, text));
            vec![]
        }
        EditMsg::Review {
            id,
            object,
            changes,
        } => {
            let mutation = Mutation::Edit {
                id,
                object: object.clone(),
                changes: changes.clone(),
            };
            // Another question is up (it cannot be, the terminal was the editor's), or edits
            // became refused meanwhile: the change is not sent, and the session keeps the text.
            if state.confirm.is_some() || refused(state, &mutation).is_some() {
                if let Some(why) = refused(state, &mutation) {
                    state.notice = Some((Level::Warn, why));
                }
                return vec![Cmd::EditAnswer { id, apply: false }];
            }
            let title = format!("Apply the edit of {}", object.shown());
            let mut details = vec![format!(
                "{} changed field{} (a replace carrying the resourceVersion you edited):",
                changes.len(),
                if changes.len() == 1 { "" } else { "s" }
            )];
            details.extend(changes.iter().map(|c| format!("  {c}")));
            let name = object.name.clone();
            ask(state, title, details, vec![], mutation, &name);
            vec![]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::Msg;
    use crate::app::update::update as run;
    use crate::cluster::events::{ClusterEvent, Delta, SessionEvent};
    use crate::cluster::rows::DeploymentRow;
    use crate::settings::keymap;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::app::test_support::info;

    fn state(context: &str, readonly: bool) -> State {
        let (km, _) = keymap::load(None, None);
        let mut s = State::new(
            vec![info(context)],
            vec![],
            crate::app::namespaces::Namespaces::all(),
            readonly,
            km,
        );
        let d: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": 2, "selector": {}, "template": {}}
        }))
        .unwrap();
        run(
            &mut s,
            Msg::Cluster(Box::new(SessionEvent {
                context: context.into(),
                event: ClusterEvent::Deployments(Delta::Reset(vec![
                    DeploymentRow::from_deployment(&d),
                ])),
            })),
        );
        s.view = crate::app::state::ViewKind::Deployments;
        s
    }

    fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn review(id: u64) -> Msg {
        Msg::Edit(EditMsg::Review {
            id,
            object: Box::new(ObjectRef {
                context: "stg".into(),
                kind: KindInfo::builtin("Deployment").unwrap(),
                namespace: "default".into(),
                name: "web".into(),
            }),
            changes: vec!["metadata.labels.tier: web → api".into()],
        })
    }

    #[test]
    fn e_on_a_deployment_opens_an_edit_session_for_it() {
        let mut s = state("stg", false);
        let cmds = run(&mut s, key(KeyCode::Char('e')));
        assert_eq!(
            cmds,
            vec![Cmd::Edit {
                context: "stg".into(),
                kind: KindInfo::builtin("Deployment").unwrap(),
                namespace: "default".into(),
                name: "web".into(),
            }]
        );
    }

    #[test]
    fn readonly_refuses_the_edit_with_the_one_sentence() {
        let mut s = state("stg", true);
        let cmds = run(&mut s, key(KeyCode::Char('e')));
        assert!(cmds.is_empty());
        let (level, text) = s.notice.clone().unwrap();
        assert_eq!(level, Level::Warn);
        assert_eq!(
            text,
            "read-only: edit is disabled (started with --readonly)"
        );

        let mut s = state("stg", false);
        s.readonly_contexts = vec!["stg".into()];
        assert!(run(&mut s, key(KeyCode::Char('e'))).is_empty());
        assert!(s.notice.unwrap().1.contains("context stg is read-only"));
    }

    #[test]
    fn a_review_asks_with_the_changed_paths_and_confirming_sends_the_answer() {
        let mut s = state("stg", false);
        run(&mut s, review(7));
        let c = s.confirm.clone().expect("a question");
        assert!(
            c.details
                .iter()
                .any(|d| d.contains("metadata.labels.tier: web → api"))
        );
        assert_eq!(c.expect, None);
        assert_eq!(
            c.mutation.kubectl(),
            ["kubectl --context stg -n default edit deployment.apps/web"]
        );
        let cmds = run(&mut s, key(KeyCode::Enter));
        assert_eq!(cmds, vec![Cmd::EditAnswer { id: 7, apply: true }]);
    }

    #[test]
    fn cancelling_the_review_keeps_the_change_unsent() {
        let mut s = state("stg", false);
        run(&mut s, review(3));
        let cmds = run(&mut s, key(KeyCode::Esc));
        assert_eq!(
            cmds,
            vec![Cmd::EditAnswer {
                id: 3,
                apply: false
            }]
        );
        assert!(s.confirm.is_none());
    }

    #[test]
    fn commands_name_objects_of_any_kind() {
        let mut s = state("stg", false);
        let words = |t: &str| t.split_whitespace().map(String::from).collect::<Vec<_>>();
        let o = object_from_words(&s, &words("secret/db -n kube-system")).unwrap();
        assert_eq!(
            (o.kind.kind.as_str(), o.namespace.as_str(), o.name.as_str()),
            ("Secret", "kube-system", "db")
        );
        let o = object_from_words(&s, &words("no ip-1")).unwrap();
        assert_eq!((o.kind.kind.as_str(), o.namespace.as_str()), ("Node", ""));
        assert!(object_from_words(&s, &words("bogus/x")).is_err());
        let cmds = from_command(&mut s, Some(Fetch::Describe), &words("cm/app"));
        assert!(
            matches!(&cmds[..], [Cmd::Fetch { what: Fetch::Describe, namespace, .. }] if namespace == "default")
        );
        let cmds = from_command(&mut s, None, &words("deploy/web"));
        assert!(matches!(&cmds[..], [Cmd::Edit { name, .. }] if name == "web"));
    }

    #[test]
    fn on_production_the_name_is_typed() {
        let mut s = state("prod", false);
        let Msg::Edit(EditMsg::Review { changes, .. }) = review(1) else {
            unreachable!()
        };
        let object = ObjectRef {
            context: "prod".into(),
            kind: KindInfo::builtin("Deployment").unwrap(),
            namespace: "default".into(),
            name: "web".into(),
        };
        run(
            &mut s,
            Msg::Edit(EditMsg::Review {
                id: 1,
                object: Box::new(object),
                changes,
            }),
        );
        assert_eq!(s.confirm.as_ref().unwrap().expect.as_deref(), Some("web"));
        assert!(run(&mut s, key(KeyCode::Enter)).is_empty());
        for c in "web".chars() {
            run(&mut s, key(KeyCode::Char(c)));
        }
        assert_eq!(
            run(&mut s, key(KeyCode::Enter)),
            vec![Cmd::EditAnswer { id: 1, apply: true }]
        );
    }
}
