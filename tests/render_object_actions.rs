//! The questions of actions on any kind, as drawn: a namespace's delete carries its warning and,
//! on production, asks for the name; a CronJob's trigger names the Job it will create.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

use kockpit::app::kinds::KindTable;
use kockpit::app::msg::Msg;
use kockpit::app::state::{State, ViewKind};
use kockpit::app::update::update;
use kockpit::cluster::generic::KindColumns;
use kockpit::cluster::kinds::KindInfo;
use kockpit::cluster::kubeconfig::ContextInfo;
use kockpit::settings::keymap;
use kockpit::ui::{screen, theme};

fn showing(id: &'static str, object: Value) -> State {
    let info = ContextInfo {
        name: "prod".into(),
        cluster: "prod".into(),
        user: "admin".into(),
        namespace: None,
        server: String::new(),
        production: true,
    };
    let (km, _) = keymap::load(None, None);
    let mut s = State::new(
        vec![info],
        vec![],
        kockpit::app::namespaces::Namespaces::all(),
        false,
        km,
    );
    s.now = "2026-01-01T01:00:00Z".parse().unwrap();
    let columns = KindColumns::builtin(&KindInfo::builtin(id).unwrap());
    let mut table = KindTable::new(columns.clone());
    let row = columns.project(&object, s.now);
    table
        .rows
        .insert((row.namespace.clone(), row.name.clone()), row);
    s.contexts[0].kinds.insert(id, table);
    s.view = ViewKind::Kind(id);
    s
}

fn press(s: &mut State, code: KeyCode, modifiers: KeyModifiers) {
    update(s, Msg::Key(KeyEvent::new(code, modifiers)));
}

fn text(s: &State, width: u16, height: u16) -> String {
    let (th, _) = theme::load(None, None);
    let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
    t.draw(|f| screen::draw(f, s, &th)).unwrap();
    let b = t.backend().buffer().clone();
    b.content
        .chunks(width as usize)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn deleting_a_namespace_on_production_shows_the_warning_the_command_and_asks_for_the_name() {
    let mut s = showing(
        "Namespace",
        json!({"metadata": {"name": "web", "creationTimestamp": "2026-01-01T00:00:00Z"},
               "status": {"phase": "Active"}}),
    );
    press(&mut s, KeyCode::Char('d'), KeyModifiers::CONTROL);
    // At 60 columns the lines wrap: the dialog grows, the answer line stays on screen.
    for (w, h) in [(160, 45), (100, 30), (60, 24)] {
        let t = text(&s, w, h);
        assert!(t.contains("Delete namespace web on prod"), "{t}");
        assert!(t.contains("everything in namespace web is deleted"), "{t}");
        assert!(
            t.contains("kubectl --context prod delete namespace/web"),
            "{t}"
        );
        assert!(t.contains("type web to confirm"), "{t}");
    }
}

#[test]
fn triggering_a_cronjob_names_the_job_and_its_kubectl_command() {
    let mut s = showing(
        "CronJob",
        json!({"metadata": {"name": "postgres-backup", "namespace": "postgres", "creationTimestamp": "2026-01-01T00:00:00Z"},
               "spec": {"schedule": "*/15 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}}),
    );
    press(&mut s, KeyCode::Char('t'), KeyModifiers::NONE);
    let job = kockpit::app::object_actions::manual_job_name("postgres-backup", s.now);
    let t = text(&s, 160, 45);
    assert!(
        t.contains(&format!(
            "kubectl --context prod -n postgres create job {job} --from=cronjob/postgres-backup"
        )),
        "{t}"
    );
}
