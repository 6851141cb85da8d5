use super::*;
use crate::app::kinds::KindTable;
use crate::app::msg::{Cmd, Msg};
use crate::app::state::ViewKind;
use crate::app::update::update;
use crate::cluster::generic::KindColumns;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};

use crate::app::test_support::info;

fn now() -> Timestamp {
    "2026-01-01T01:00:00Z".parse().unwrap()
}

/// Context `context` showing kind `id` with the rows of `objects` (JSON as the API returns it).
fn showing(context: &str, readonly: bool, id: &'static str, objects: &[Value]) -> State {
    let mut s = State::new(
        vec![info(context)],
        vec![],
        crate::app::namespaces::Namespaces::all(),
        readonly,
        crate::app::keys::Keymap::default(),
    );
    s.now = now();
    let columns = KindColumns::builtin(&KindInfo::builtin(id).unwrap());
    let mut table = KindTable::new(columns.clone());
    for o in objects {
        let row = columns.project(o, now());
        table
            .rows
            .insert((row.namespace.clone(), row.name.clone()), row);
    }
    s.contexts[0].kinds.insert(id, table);
    s.view = ViewKind::Kind(id);
    s
}

fn sts(replicas: i64, ready: i64) -> Value {
    json!({"metadata": {"name": "postgres", "namespace": "postgres", "creationTimestamp": "2026-01-01T00:00:00Z"},
           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "postgres"}}, "template": {}},
           "status": {"readyReplicas": ready, "replicas": replicas}})
}

fn cronjob(suspend: Option<bool>) -> Value {
    json!({"metadata": {"name": "postgres-backup", "namespace": "postgres", "creationTimestamp": "2026-01-01T00:00:00Z"},
           "spec": {"schedule": "0 3 * * *", "suspend": suspend, "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}})
}

fn press(s: &mut State, c: char) -> Vec<Cmd> {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    update(s, Msg::Key(KeyEvent::new(KeyCode::Char(c), modifiers)))
}

fn ctrl(s: &mut State, c: char) -> Vec<Cmd> {
    update(
        s,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn enter(s: &mut State) -> Vec<Cmd> {
    update(
        s,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    )
}

/// The question up now: its title, warnings, kubectl equivalent and typed-name expectation.
fn question(s: &State) -> (String, Vec<String>, String, Option<String>) {
    let c = s.confirm.as_ref().expect("a question is up");
    (
        c.title.clone(),
        c.warnings.clone(),
        c.mutation.kubectl().join("\n"),
        c.expect.clone(),
    )
}

fn mutated(cmds: &[Cmd]) -> Option<&Mutation> {
    cmds.iter().find_map(|c| match c {
        Cmd::Mutate(m) => Some(m),
        _ => None,
    })
}

#[test]
fn delete_on_a_statefulset_asks_and_confirming_sends_the_background_delete() {
    let mut s = showing("stg", false, "StatefulSet", &[sts(3, 3)]);
    ctrl(&mut s, 'd');
    let (title, warnings, kubectl, expect) = question(&s);
    assert_eq!(title, "Delete statefulset postgres/postgres on stg");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        kubectl,
        "kubectl --context stg -n postgres delete statefulset.apps/postgres"
    );
    assert_eq!(expect, None, "y confirms outside production");
    let cmds = press(&mut s, 'y');
    let Some(Mutation::Object { object, action }) = mutated(&cmds) else {
        panic!("{cmds:?}");
    };
    assert_eq!(*action, ObjectAction::Delete);
    assert_eq!(object.kind.kind, "StatefulSet");
    assert_eq!(
        (object.namespace.as_str(), object.name.as_str()),
        ("postgres", "postgres")
    );
}

#[test]
fn deleting_a_namespace_warns_that_everything_in_it_goes_and_has_no_n_flag() {
    let ns = json!({"metadata": {"name": "web", "creationTimestamp": "2026-01-01T00:00:00Z"},
                    "status": {"phase": "Active"}});
    let mut s = showing("prod", false, "Namespace", &[ns]);
    ctrl(&mut s, 'd');
    let (title, warnings, kubectl, expect) = question(&s);
    assert_eq!(title, "Delete namespace web on prod");
    assert_eq!(kubectl, "kubectl --context prod delete namespace/web");
    assert!(
        warnings[0].starts_with("everything in namespace web is deleted with it"),
        "{warnings:?}"
    );
    assert_eq!(
        expect.as_deref(),
        Some("web"),
        "production: the name is typed"
    );
    // `y` is text on production: it does not confirm, and enter without the name refuses.
    let cmds = press(&mut s, 'y');
    assert!(mutated(&cmds).is_none());
    assert!(mutated(&enter(&mut s)).is_none());
    assert!(s.confirm.is_some());
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
    );
    for c in "web".chars() {
        press(&mut s, c);
    }
    assert!(matches!(
        mutated(&enter(&mut s)),
        Some(Mutation::Object {
            action: ObjectAction::Delete,
            ..
        })
    ));
}

#[test]
fn readonly_refuses_every_object_action_with_the_one_sentence() {
    for (id, obj, key) in [
        ("StatefulSet", sts(3, 3), 'd'),
        ("StatefulSet", sts(3, 3), 's'),
        ("StatefulSet", sts(3, 3), 'R'),
        ("CronJob", cronjob(None), 't'),
        ("CronJob", cronjob(None), 'S'),
    ] {
        let mut s = showing("stg", true, id, &[obj]);
        let cmds = if key == 'd' {
            ctrl(&mut s, 'd')
        } else {
            press(&mut s, key)
        };
        assert!(
            cmds.is_empty() && s.confirm.is_none() && s.prompt.is_none(),
            "{id} {key}"
        );
        let (_, text) = s.notice.clone().unwrap();
        assert!(
            text.starts_with("read-only: ") && text.ends_with("(started with --readonly)"),
            "{text}"
        );
    }
    // The keys are not in the read-only key table at all.
    let km = crate::app::keys::Keymap::default().without_mutations();
    for a in [
        Action::TriggerCronJob,
        Action::SuspendCronJob,
        Action::Delete,
    ] {
        assert_eq!(km.key_for(a), None, "{a:?}");
    }
}

#[test]
fn a_context_read_only_in_the_config_refuses_the_question() {
    let mut s = showing("stg", false, "CronJob", &[cronjob(None)]);
    s.readonly_contexts = vec!["stg".into()];
    press(&mut s, 't');
    assert!(s.confirm.is_none());
    assert_eq!(
        s.notice.clone().unwrap().1,
        "read-only: context stg is read-only in the config file; create job is disabled"
    );
}

#[test]
fn scale_on_a_statefulset_prefills_the_desired_count_and_asks_through_scale() {
    let mut s = showing("stg", false, "StatefulSet", &[sts(3, 1)]);
    press(&mut s, 's');
    assert_eq!(
        s.prompt,
        Some(Prompt::Scale {
            context: "stg".into(),
            kind: "StatefulSet",
            namespace: "postgres".into(),
            name: "postgres".into(),
            text: "3".into(),
        })
    );
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
    );
    press(&mut s, '5');
    enter(&mut s);
    let (title, _, kubectl, _) = question(&s);
    assert_eq!(title, "Scale statefulset postgres/postgres on stg to 5");
    assert_eq!(
        kubectl,
        "kubectl --context stg -n postgres scale statefulset.apps/postgres --replicas=5"
    );
    let cmds = press(&mut s, 'y');
    assert!(matches!(
        mutated(&cmds),
        Some(Mutation::Object {
            action: ObjectAction::Scale { replicas: 5 },
            ..
        })
    ));
}

#[test]
fn scaling_a_replica_set_to_zero_warns_and_names_its_deployment() {
    let rs = json!({"metadata": {"name": "web-7d", "namespace": "default", "creationTimestamp": "2026-01-01T00:00:00Z"},
                    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {}},
                    "status": {"replicas": 2, "readyReplicas": 2}});
    let mut s = showing("stg", false, "ReplicaSet", &[rs]);
    let owned: k8s_openapi::api::apps::v1::ReplicaSet = serde_json::from_value(json!({
        "metadata": {"name": "web-7d", "namespace": "default",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d1", "controller": true}]},
        "spec": {"replicas": 2, "selector": {}}
    }))
    .unwrap();
    let row = crate::cluster::rows::ReplicaSetRow::from_replica_set(&owned);
    s.contexts[0]
        .replicasets
        .insert(("default".into(), "web-7d".into()), row);
    press(&mut s, 's');
    assert!(
        matches!(&s.prompt, Some(Prompt::Scale { text, kind: "ReplicaSet", .. }) if text == "2")
    );
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
    );
    press(&mut s, '0');
    enter(&mut s);
    let (_, warnings, kubectl, _) = question(&s);
    assert_eq!(
        kubectl,
        "kubectl --context stg -n default scale replicaset.apps/web-7d --replicas=0"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with("0 replicas")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("deployment web owns this replica set")),
        "{warnings:?}"
    );
}

#[test]
fn rollout_restart_on_statefulsets_and_daemonsets_only() {
    let mut s = showing("prod", false, "StatefulSet", &[sts(3, 3)]);
    press(&mut s, 'R');
    let (title, _, kubectl, expect) = question(&s);
    assert_eq!(
        title,
        "Rollout restart statefulset postgres/postgres on prod"
    );
    assert_eq!(
        kubectl,
        "kubectl --context prod -n postgres rollout restart statefulset.apps/postgres"
    );
    assert_eq!(expect.as_deref(), Some("postgres"));

    let mut s = showing("stg", false, "CronJob", &[cronjob(None)]);
    press(&mut s, 'R');
    assert!(s.confirm.is_none());
    assert_eq!(
        s.notice.clone().unwrap().1,
        "rollout_restart does not apply to a cronjob (select a deployment (D), statefulset (:sts) or daemonset (:ds))"
    );
}

#[test]
fn trigger_creates_a_manual_job_named_from_the_time() {
    let mut s = showing("prod", false, "CronJob", &[cronjob(Some(true))]);
    press(&mut s, 't');
    let job = manual_job_name("postgres-backup", now());
    let (title, _, kubectl, expect) = question(&s);
    assert_eq!(
        title,
        format!("Create job {job} from cronjob postgres/postgres-backup on prod now")
    );
    assert_eq!(
        kubectl,
        format!(
            "kubectl --context prod -n postgres create job {job} --from=cronjob/postgres-backup"
        )
    );
    assert_eq!(expect.as_deref(), Some("postgres-backup"));
    let details = &s.confirm.as_ref().unwrap().details;
    assert!(
        details.iter().any(|d| d.contains("suspended")),
        "{details:?}"
    );
}

#[test]
fn manual_job_names_are_deterministic_short_and_valid_labels() {
    let a = manual_job_name("postgres-backup", now());
    assert_eq!(a, manual_job_name("postgres-backup", now()));
    assert!(a.starts_with("postgres-backup-manual-"), "{a}");
    let later = manual_job_name("postgres-backup", "2026-01-01T01:00:01Z".parse().unwrap());
    assert_ne!(a, later, "a second later is another name");
    let long = manual_job_name(&format!("{}-x", "a".repeat(60)), now());
    assert!(long.len() <= 63, "{long} {}", long.len());
    assert!(!long.contains("--") && !long.ends_with('-'), "{long}");
    assert!(
        long.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    );
}

#[test]
fn suspend_toggles_by_the_suspend_cell() {
    for (suspend, verb, on) in [
        (None, "Suspend", true),
        (Some(false), "Suspend", true),
        (Some(true), "Resume", false),
    ] {
        let mut s = showing("stg", false, "CronJob", &[cronjob(suspend)]);
        press(&mut s, 'S');
        let (title, _, kubectl, _) = question(&s);
        assert_eq!(
            title,
            format!("{verb} cronjob postgres/postgres-backup on stg")
        );
        assert_eq!(
            kubectl,
            format!(
                r#"kubectl --context stg -n postgres patch cronjob.batch/postgres-backup --type=merge -p '{{"spec":{{"suspend":{on}}}}}'"#
            )
        );
        let cmds = press(&mut s, 'y');
        assert!(matches!(
            mutated(&cmds),
            Some(Mutation::Object { action: ObjectAction::Suspend { on: o }, .. }) if *o == on
        ));
    }
}

#[test]
fn the_question_closes_when_its_object_goes() {
    let mut s = showing("stg", false, "CronJob", &[cronjob(None)]);
    press(&mut s, 'S');
    update(
        &mut s,
        Msg::Cluster(Box::new(crate::cluster::events::SessionEvent {
            context: "stg".into(),
            event: crate::cluster::events::ClusterEvent::Kind {
                id: "CronJob",
                delta: crate::cluster::events::Delta::Remove((
                    "postgres".into(),
                    "postgres-backup".into(),
                )),
            },
        })),
    );
    assert!(s.confirm.is_none());
    assert_eq!(
        s.notice.clone().unwrap().1,
        "cronjob postgres/postgres-backup (stg) is gone: the suspend was cancelled, nothing was sent"
    );
}

#[test]
fn delete_reaches_nodes_and_deployments_too() {
    let mut s = State::new(
        vec![info("stg")],
        vec![],
        crate::app::namespaces::Namespaces::all(),
        false,
        crate::app::keys::Keymap::default(),
    );
    let node: k8s_openapi::api::core::v1::Node =
        serde_json::from_value(json!({"metadata": {"name": "n1"}})).unwrap();
    s.contexts[0].nodes.insert(
        (String::new(), "n1".into()),
        crate::cluster::rows::NodeRow::from_node(&node),
    );
    s.view = ViewKind::Nodes;
    ctrl(&mut s, 'd');
    let (_, warnings, kubectl, _) = question(&s);
    assert_eq!(kubectl, "kubectl --context stg delete node/n1");
    assert!(warnings[0].contains("drain"), "{warnings:?}");
}

#[test]
fn desired_and_suspended_read_the_rows_cells() {
    let cells = |pairs: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        pairs.iter().map(|(t, v)| (*t, v.to_string())).collect()
    };
    assert_eq!(
        desired_replicas("StatefulSet", &cells(&[("READY", "1/3")])),
        Some(3)
    );
    assert_eq!(
        desired_replicas("ReplicaSet", &cells(&[("DESIRED", "4")])),
        Some(4)
    );
    assert_eq!(desired_replicas("StatefulSet", &cells(&[])), None);
    assert!(suspended(&cells(&[("SUSPEND", "True")])));
    assert!(!suspended(&cells(&[("SUSPEND", "<unset>")])));
}
