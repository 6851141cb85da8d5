//! Revealing a Secret's values: the reveal key in its describe or YAML view fetches it again
//! with the values decoded (the executor audits it, naming the keys, never the values). The
//! decoded text lives only in the overlay: closing it drops it.
//!
//! Reading a Secret is a read, so `--readonly` still reveals, as kubectl and k9s do: RBAC
//! decides whether this user may get it, and the audit log records that it was shown.

use super::keys::OverlayAction;
use super::msg::{Cmd, Fetch};
use super::state::{Level, State};

/// An overlay key: the overlay's own section of the key table.
pub fn on_overlay_action(state: &mut State, action: OverlayAction) -> Vec<Cmd> {
    match action {
        OverlayAction::Reveal => reveal(state),
    }
}

fn reveal(state: &mut State) -> Vec<Cmd> {
    let object = state
        .overlay
        .as_ref()
        .and_then(|o| o.object.clone())
        .filter(|o| o.kind.group.is_empty() && o.kind.kind == "Secret");
    match object {
        Some(object) => super::table_keys::open_overlay(state, Fetch::Reveal, object),
        None => {
            state.notice = Some((
                Level::Info,
                "reveal shows a Secret's values: open a Secret's describe or YAML view first"
                    .into(),
            ));
            vec![]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::edit::ObjectRef;
    use crate::app::msg::Msg;
    use crate::app::state::Overlay;
    use crate::app::update::update;
    use crate::cluster::kinds::KindInfo;
    use crate::settings::keymap;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn with_overlay(kind: &str, readonly: bool) -> State {
        let (km, _) = keymap::load(None, None);
        let mut s = State::new(
            vec![],
            vec![],
            crate::app::namespaces::Namespaces::all(),
            readonly,
            km,
        );
        s.overlay = Some(Overlay {
            title: "YAML secret default/db (prod)".into(),
            text: Some("data:\n  password: ••••• (7 bytes)\n".into()),
            scroll: 0,
            waiting: "fetching…",
            object: Some(ObjectRef {
                context: "prod".into(),
                kind: KindInfo::builtin(kind).unwrap(),
                namespace: "default".into(),
                name: "db".into(),
            }),
        });
        s
    }

    fn x() -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE))
    }

    #[test]
    fn x_on_a_secret_view_fetches_it_revealed_even_read_only() {
        let mut s = with_overlay("Secret", true);
        let cmds = update(&mut s, x());
        assert!(
            matches!(&cmds[..], [Cmd::Fetch { what: Fetch::Reveal, name, title, .. }]
                if name == "db" && title == "Revealed secret default/db (prod)"),
            "{cmds:?}"
        );
        let o = s.overlay.clone().unwrap();
        assert_eq!(o.text, None);
        update(
            &mut s,
            Msg::Fetched {
                title: o.title,
                result: Ok("password:  hunter2\n".into()),
            },
        );
        assert!(
            s.overlay
                .as_ref()
                .unwrap()
                .text
                .as_deref()
                .unwrap()
                .contains("hunter2")
        );
        // Closing the view forgets the values.
        update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        );
        assert!(s.overlay.is_none());
    }

    #[test]
    fn revealed_text_arriving_after_the_view_closed_is_dropped() {
        let mut s = with_overlay("Secret", false);
        update(&mut s, x());
        update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        );
        update(
            &mut s,
            Msg::Fetched {
                title: "Revealed secret default/db (prod)".into(),
                result: Ok("password:  hunter2\n".into()),
            },
        );
        assert!(s.overlay.is_none());
    }

    #[test]
    fn x_elsewhere_only_says_what_it_does() {
        let mut s = with_overlay("ConfigMap", false);
        assert!(update(&mut s, x()).is_empty());
        assert!(s.notice.unwrap().1.contains("Secret"));
    }
}
