//! Render tests of a Secret's views: describe and YAML drawn masked, the revealed view drawn
//! decoded but sanitised, and the keys for reveal and edit in help (edit gone when read-only).

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use kockpit::app::edit::ObjectRef;
use kockpit::app::msg::Msg;
use kockpit::app::state::{Overlay, State};
use kockpit::app::update::update;
use kockpit::cluster::describe_any;
use kockpit::cluster::kinds::KindInfo;
use kockpit::cluster::kubeconfig::ContextInfo;
use kockpit::cluster::objects;
use kockpit::settings::keymap;
use kockpit::ui::{screen, theme};

fn state(readonly: bool) -> State {
    let (km, _) = keymap::load(None, None);
    let info = ContextInfo {
        name: "prod".into(),
        cluster: "prod".into(),
        user: "admin".into(),
        namespace: None,
        server: "https://127.0.0.1:1".into(),
        production: true,
    };
    State::new(
        vec![info],
        vec!["prod".into()],
        kockpit::app::namespaces::Namespaces::all(),
        readonly,
        km,
    )
}

fn secret() -> serde_json::Value {
    json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "namespace": "default", "managedFields": [{"manager": "kubectl"}]},
        // "hunter2-xyzzy", and a value that tries to clear the screen
        "data": {"password": "aHVudGVyMi14eXp6eQ==", "motd": "G1sySmhpIHRoZXJl"},
    })
}

fn show(state: &mut State, title: &str, text: String) {
    state.overlay = Some(Overlay {
        title: title.into(),
        text: None,
        scroll: 0,
        waiting: "fetching…",
        object: Some(ObjectRef {
            context: "prod".into(),
            kind: KindInfo::builtin("Secret").unwrap(),
            namespace: "default".into(),
            name: "db".into(),
        }),
    });
    update(
        state,
        Msg::Fetched {
            title: title.into(),
            result: Ok(text),
        },
    );
}

fn screen_text(state: &State) -> String {
    screen_sized(state, 40)
}

fn screen_sized(state: &State, height: u16) -> String {
    let (th, _) = theme::load(None, None);
    let mut t = Terminal::new(TestBackend::new(120, height)).unwrap();
    t.draw(|f| screen::draw(f, state, &th)).unwrap();
    let b = t.backend().buffer().clone();
    b.content
        .chunks(b.area.width as usize)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect()
}

#[test]
fn a_secrets_yaml_and_describe_are_drawn_masked() {
    let mut s = state(false);
    let mut masked = secret();
    objects::strip_managed_fields(&mut masked);
    objects::mask_secret(&mut masked);
    show(
        &mut s,
        "YAML secret default/db (prod)",
        objects::to_yaml(&masked).unwrap(),
    );
    let drawn = screen_text(&s);
    assert!(drawn.contains("YAML secret default/db (prod)"), "{drawn}");
    assert!(drawn.contains("password: ••••• (13 bytes)"), "{drawn}");
    assert!(drawn.contains("motd: ••••• (12 bytes)"), "{drawn}");
    for leak in ["hunter2", "aHVudGVy", "managedFields"] {
        assert!(!drawn.contains(leak), "{leak} on screen:\n{drawn}");
    }

    let described = describe_any::describe(&secret(), &KindInfo::builtin("Secret").unwrap());
    show(&mut s, "Describe secret default/db (prod)", described);
    let drawn = screen_text(&s);
    assert!(drawn.contains("password:  13 bytes"), "{drawn}");
    assert!(!drawn.contains("hunter2"), "{drawn}");
}

#[test]
fn revealed_values_are_drawn_decoded_with_escapes_made_harmless() {
    let mut s = state(true);
    let (text, keys) = describe_any::revealed(&secret());
    assert_eq!(keys, ["motd", "password"]);
    show(&mut s, "Revealed secret default/db (prod)", text);
    let drawn = screen_text(&s);
    assert!(drawn.contains("password:  hunter2-xyzzy"), "{drawn}");
    assert!(drawn.contains("hi there"), "{drawn}");
    assert!(!drawn.contains('\u{1b}'), "an escape reached the screen");
    // Closing the view forgets the values.
    update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Esc,
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    assert!(s.overlay.is_none());
    assert!(!screen_text(&s).contains("hunter2"));
}

#[test]
fn help_offers_reveal_always_and_edit_only_when_changes_are_allowed() {
    for readonly in [false, true] {
        let mut s = state(readonly);
        s.help = true;
        let drawn = screen_sized(&s, 120);
        assert!(drawn.contains("show a Secret's values decoded"), "{drawn}");
        assert_eq!(
            drawn.contains("edit the selected object in $EDITOR"),
            !readonly,
            "readonly {readonly}:\n{drawn}"
        );
    }
}
