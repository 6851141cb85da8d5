//! The key table: one section per screen (the tables, log panes, the drain wizard, the
//! forwards view, dialogs), each from key chord to action, loaded from a keymap file (the idea
//! of gitui's `key_list.rs`). Help, hint lines, `--readonly` and the operator's own keymap all
//! read the same table; nothing matches a key that is not in it (text typed into prompts aside).
//!
//! A keymap file lists, per section, the keys of each action:
//! ```yaml
//! bindings:            # the tables, and every screen's common keys (up, back, help, quit)
//!   quit: ["q", "ctrl-c"]
//!   describe: ["enter", "d"]
//! wizard:
//!   escalate: ["e"]
//! ```
//! Keys are a single character (`:`, `F`, `?`), a name (`enter`, `esc`, `tab`, `shift-tab`,
//! `space`, `backspace`, `delete`, `insert`, `home`, `end`, `pgup`, `pgdn`, `up`, `down`,
//! `left`, `right`, `f1`…`f12`), optionally after `ctrl-`, `alt-` and `shift-`. `shift-f` and
//! `F` are the same key. A section is complete: an action it does not list has no key; a
//! section the file leaves out keeps the shipped default's keys. A key bound to two actions of
//! one section, an unknown action or an unparsable key is an error naming the line.

pub mod actions;
pub mod chord;
pub mod section;

use serde::Deserialize;

pub use actions::{
    Action, DialogAction, ForwardAction, LogAction, OverlayAction, WizardAction, is_mutation,
};
pub use chord::{KeyChord, describe_chord, describe_key, parse_key};
pub use section::{Section, SectionAction};

use crate::settings::error::{ConfigError, ConfigKind};
use crossterm::event::KeyEvent;
use section::Entries;

/// Keymaps compiled into the binary, by the name the operator uses.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../../keymaps/default.yaml")),
    ("vim", include_str!("../../../keymaps/vim.yaml")),
];

/// The whole key table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    pub table: Section<Action>,
    pub logs: Section<LogAction>,
    pub overlay: Section<OverlayAction>,
    pub wizard: Section<WizardAction>,
    pub forwards: Section<ForwardAction>,
    pub dialog: Section<DialogAction>,
}

impl Keymap {
    /// The tables' action for a key press, if any.
    pub fn action_for(&self, key: &KeyEvent) -> Option<Action> {
        self.table.action_for(key)
    }

    /// The tables' bound actions with their keys, in help order.
    pub fn bindings(&self) -> Vec<(Action, Vec<String>)> {
        self.table.bindings()
    }

    /// The first key for a tables' action, for hints like "press d to describe".
    pub fn key_for(&self, action: Action) -> Option<String> {
        self.table.key_for(action)
    }

    /// This table without the actions that change the cluster, for `--readonly`.
    pub fn without_mutations(&self) -> Keymap {
        Keymap {
            table: self.table.retain(|a| !is_mutation(a)),
            // The wizard only mutates; it cannot be opened read-only, and keeps no key there.
            wizard: self.wizard.retain(|_| false),
            ..self.clone()
        }
    }
}

impl Default for Keymap {
    /// The shipped `default` keymap (k9s-like).
    fn default() -> Self {
        static DEFAULT: std::sync::LazyLock<Keymap> = std::sync::LazyLock::new(|| {
            parse_sections(SHIPPED[0].1, "default (built-in)", None)
                .unwrap_or_else(|e| panic!("shipped keymap is broken: {e}"))
        });
        DEFAULT.clone()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    bindings: Entries,
    #[serde(default)]
    logs: Option<Entries>,
    #[serde(default)]
    overlay: Option<Entries>,
    #[serde(default)]
    wizard: Option<Entries>,
    #[serde(default)]
    forwards: Option<Entries>,
    #[serde(default)]
    dialog: Option<Entries>,
}

/// Parses keymap YAML. `file` is how errors name it.
pub fn parse(text: &str, file: &str) -> Result<Keymap, ConfigError> {
    parse_sections(text, file, Some(&Keymap::default()))
}

/// `fallback` gives the sections a file leaves out; the shipped default has none to fall back on.
fn parse_sections(
    text: &str,
    file: &str,
    fallback: Option<&Keymap>,
) -> Result<Keymap, ConfigError> {
    let spec: KeymapFile = serde_saphyr::from_str(text)
        .map_err(|e| ConfigError::from_yaml(ConfigKind::Keymap, file, &e))?;
    fn section<A: SectionAction>(
        entries: Option<Entries>,
        file: &str,
        fallback: Option<&Section<A>>,
    ) -> Result<Section<A>, ConfigError> {
        match (entries, fallback) {
            (Some(e), _) => Section::parse(e, file),
            (None, Some(f)) => Ok(f.clone()),
            (None, None) => Err(ConfigError::new(
                ConfigKind::Keymap,
                file,
                None,
                format!("no '{}' section", A::SECTION),
            )),
        }
    }
    Ok(Keymap {
        table: Section::parse(spec.bindings, file)?,
        logs: section(spec.logs, file, fallback.map(|f| &f.logs))?,
        overlay: section(spec.overlay, file, fallback.map(|f| &f.overlay))?,
        wizard: section(spec.wizard, file, fallback.map(|f| &f.wizard))?,
        forwards: section(spec.forwards, file, fallback.map(|f| &f.forwards))?,
        dialog: section(spec.dialog, file, fallback.map(|f| &f.dialog))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn chord(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
        KeyChord::new(code, modifiers)
    }

    #[test]
    fn chords_parse_as_terminals_report_them() {
        let ctrl = KeyModifiers::CONTROL;
        let none = KeyModifiers::NONE;
        assert_eq!(parse_key("ctrl-c"), Ok(chord(KeyCode::Char('c'), ctrl)));
        assert_eq!(parse_key("Ctrl-C"), Ok(chord(KeyCode::Char('c'), ctrl)));
        assert_eq!(parse_key("shift-f"), Ok(chord(KeyCode::Char('F'), none)));
        assert_eq!(parse_key("F"), parse_key("shift-f"));
        assert_eq!(parse_key("enter"), Ok(chord(KeyCode::Enter, none)));
        assert_eq!(parse_key("esc"), Ok(chord(KeyCode::Esc, none)));
        assert_eq!(parse_key("pgdn"), Ok(chord(KeyCode::PageDown, none)));
        assert_eq!(parse_key("pagedown"), parse_key("pgdn"));
        assert_eq!(parse_key(":"), Ok(chord(KeyCode::Char(':'), none)));
        assert_eq!(parse_key("-"), Ok(chord(KeyCode::Char('-'), none)));
        assert_eq!(parse_key("ctrl--"), Ok(chord(KeyCode::Char('-'), ctrl)));
        assert_eq!(parse_key("shift-tab"), Ok(chord(KeyCode::BackTab, none)));
        assert_eq!(
            parse_key("alt-x"),
            Ok(chord(KeyCode::Char('x'), KeyModifiers::ALT))
        );
        assert_eq!(parse_key("f5"), Ok(chord(KeyCode::F(5), none)));
        assert_eq!(parse_key("space"), Ok(chord(KeyCode::Char(' '), none)));
    }

    #[test]
    fn bad_key_names_are_explained() {
        assert_eq!(
            parse_key("entr"),
            Err("unknown key 'entr' (did you mean 'enter'?)".to_string())
        );
        assert!(parse_key("").is_err());
    }

    #[test]
    fn describe_key_gives_the_canonical_spelling() {
        let cases = [
            (press(KeyCode::Char('c'), KeyModifiers::CONTROL), "ctrl-c"),
            (press(KeyCode::Char('F'), KeyModifiers::SHIFT), "F"),
            (press(KeyCode::BackTab, KeyModifiers::SHIFT), "shift-tab"),
            (press(KeyCode::PageDown, KeyModifiers::NONE), "pgdn"),
            (press(KeyCode::Char(':'), KeyModifiers::NONE), ":"),
            (press(KeyCode::Enter, KeyModifiers::NONE), "enter"),
            (press(KeyCode::F(2), KeyModifiers::NONE), "f2"),
        ];
        for (event, text) in cases {
            assert_eq!(describe_key(&event), text);
            assert_eq!(parse_key(text), Ok(KeyChord::from_event(&event)), "{text}");
        }
    }

    #[test]
    fn shipped_keymaps_parse_and_bind_every_action() {
        for (name, text) in SHIPPED {
            let keymap = parse(text, name).unwrap_or_else(|e| panic!("{e}"));
            for action in Action::ALL {
                assert!(
                    keymap.key_for(*action).is_some(),
                    "{name} keymap has no key for {action}"
                );
            }
        }
    }

    #[test]
    fn default_keymap_is_k9s_like() {
        let keymap = Keymap::default();
        let key = |code, mods| keymap.action_for(&press(code, mods));
        let none = KeyModifiers::NONE;
        assert_eq!(key(KeyCode::Char(':'), none), Some(Action::CommandMode));
        assert_eq!(key(KeyCode::Char('/'), none), Some(Action::Filter));
        assert_eq!(key(KeyCode::Char('?'), none), Some(Action::Help));
        assert_eq!(key(KeyCode::Enter, none), Some(Action::Drill));
        assert_eq!(key(KeyCode::Char('d'), none), Some(Action::Describe));
        assert_eq!(key(KeyCode::Char('p'), none), Some(Action::Owner));
        assert_eq!(
            key(KeyCode::Char('W'), KeyModifiers::SHIFT),
            Some(Action::WarningsOnly)
        );
        assert_eq!(key(KeyCode::Char('y'), none), Some(Action::Yaml));
        assert_eq!(key(KeyCode::Esc, none), Some(Action::Back));
        assert_eq!(
            key(KeyCode::Char('d'), KeyModifiers::CONTROL),
            Some(Action::Delete)
        );
        assert_eq!(
            key(KeyCode::Char('k'), KeyModifiers::CONTROL),
            Some(Action::ForceDelete)
        );
        assert_eq!(key(KeyCode::Char('s'), none), Some(Action::Scale));
        assert_eq!(key(KeyCode::Char('l'), none), Some(Action::Logs));
        assert_eq!(
            key(KeyCode::Char('F'), KeyModifiers::SHIFT),
            Some(Action::PortForward)
        );
        assert_eq!(key(KeyCode::Char('c'), none), Some(Action::Cordon));
        assert_eq!(key(KeyCode::Char('u'), none), Some(Action::Uncordon));
        assert_eq!(key(KeyCode::Char('r'), none), Some(Action::Drain));
        assert_eq!(key(KeyCode::Tab, none), Some(Action::NextContext));
        assert_eq!(
            key(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Action::Quit)
        );
        assert_eq!(key(KeyCode::Char('z'), none), None);
    }

    #[test]
    fn vim_keymap_moves_with_hjkl_and_pages_with_ctrl_u_d() {
        let keymap = parse(SHIPPED[1].1, "vim").unwrap();
        let key = |code, mods| keymap.action_for(&press(code, mods));
        let none = KeyModifiers::NONE;
        assert_eq!(key(KeyCode::Char('j'), none), Some(Action::Down));
        assert_eq!(key(KeyCode::Char('k'), none), Some(Action::Up));
        assert_eq!(key(KeyCode::Char('h'), none), Some(Action::Back));
        assert_eq!(key(KeyCode::Char('l'), none), Some(Action::Drill));
        assert_eq!(key(KeyCode::Char('d'), none), Some(Action::Describe));
        assert_eq!(key(KeyCode::Char('g'), none), Some(Action::Top));
        assert_eq!(
            key(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(Action::Bottom)
        );
        assert_eq!(
            key(KeyCode::Char('u'), KeyModifiers::CONTROL),
            Some(Action::PageUp)
        );
        assert_eq!(
            key(KeyCode::Char('d'), KeyModifiers::CONTROL),
            Some(Action::PageDown)
        );
    }

    #[test]
    fn key_releases_trigger_nothing() {
        let mut release = press(KeyCode::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(Keymap::default().action_for(&release), None);
    }

    #[test]
    fn a_key_bound_to_two_actions_names_the_line() {
        let text = "bindings:\n  quit: [q]\n  help: ['?']\n  describe: [enter, Q, q]\n";
        let e = parse(text, "~/.config/kockpit/keymaps/mine.yaml").unwrap_err();
        assert_eq!(e.line, Some(4));
        assert_eq!(
            e.to_string(),
            "keymap ~/.config/kockpit/keymaps/mine.yaml line 4: key 'q' is bound to both 'quit' and 'describe'"
        );
    }

    #[test]
    fn shift_letter_and_capital_letter_are_the_same_key() {
        let text = "bindings:\n  port_forward: [shift-f]\n  forwards: [F]\n";
        let e = parse(text, "x.yaml").unwrap_err();
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn unknown_action_and_bad_key_name_their_lines() {
        let e = parse("bindings:\n  quit: [q]\n  delet: [x]\n", "x.yaml").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("did you mean 'delete'"), "{e}");

        let e = parse("bindings:\n  quit:\n    - q\n    - ctrl-escc\n", "x.yaml").unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
    }

    #[test]
    fn unknown_top_level_key_is_an_error_with_its_line() {
        let e = parse("bindings:\n  quit: [q]\nbindngs: {}\n", "x.yaml").unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn readonly_keymap_has_no_mutations_in_keys_or_help() {
        let keymap = Keymap::default().without_mutations();
        let none = KeyModifiers::NONE;
        assert_eq!(keymap.action_for(&press(KeyCode::Char('r'), none)), None);
        assert_eq!(
            keymap.action_for(&press(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(
            keymap.action_for(&press(KeyCode::Char('l'), none)),
            Some(Action::Logs)
        );
        let help = keymap.bindings();
        assert!(help.iter().all(|(a, _)| !is_mutation(*a)));
        assert!(help.iter().any(|(a, _)| *a == Action::Logs));
        let mutations: Vec<_> = Action::ALL.iter().filter(|a| a.is_mutation()).collect();
        assert_eq!(mutations.len(), 11);
    }

    #[test]
    fn bindings_list_actions_in_help_order_with_canonical_keys() {
        let help = Keymap::default().bindings();
        assert_eq!(help[0], (Action::Quit, vec!["q".into(), "ctrl-c".into()]));
        let port_forward = help
            .iter()
            .find(|(a, _)| *a == Action::PortForward)
            .unwrap();
        assert_eq!(port_forward.1, vec!["F".to_string()]);
    }

    #[test]
    fn shipped_keymaps_bind_every_action_of_every_section() {
        for (name, text) in SHIPPED {
            let k = parse(text, name).unwrap_or_else(|e| panic!("{e}"));
            for a in LogAction::ALL {
                assert!(k.logs.key_for(*a).is_some(), "{name}: logs {a}");
            }
            for a in OverlayAction::ALL {
                assert!(k.overlay.key_for(*a).is_some(), "{name}: overlay {a}");
            }
            for a in WizardAction::ALL {
                assert!(k.wizard.key_for(*a).is_some(), "{name}: wizard {a}");
            }
            for a in ForwardAction::ALL {
                assert!(k.forwards.key_for(*a).is_some(), "{name}: forwards {a}");
            }
            for a in DialogAction::ALL {
                assert!(k.dialog.key_for(*a).is_some(), "{name}: dialog {a}");
            }
        }
        let k = Keymap::default();
        let none = KeyModifiers::NONE;
        assert_eq!(
            k.logs.action_for(&press(KeyCode::Char(' '), none)),
            Some(LogAction::TogglePause)
        );
        assert_eq!(
            k.logs
                .action_for(&press(KeyCode::Char('s'), KeyModifiers::CONTROL)),
            Some(LogAction::Save)
        );
        assert_eq!(
            k.wizard
                .action_for(&press(KeyCode::Char('E'), KeyModifiers::SHIFT)),
            Some(WizardAction::EscalateGroup)
        );
        assert_eq!(
            k.forwards.action_for(&press(KeyCode::Char('r'), none)),
            Some(ForwardAction::Start)
        );
    }

    #[test]
    fn a_file_without_a_section_keeps_the_shipped_keys_of_that_section() {
        let k = parse(
            "bindings:\n  quit: [q]\nwizard:\n  escalate: [x]\n",
            "x.yaml",
        )
        .unwrap();
        let press_x = press(KeyCode::Char('x'), KeyModifiers::NONE);
        assert_eq!(k.wizard.action_for(&press_x), Some(WizardAction::Escalate));
        // The wizard section is complete as written: `e` no longer escalates.
        let press_e = press(KeyCode::Char('e'), KeyModifiers::NONE);
        assert_eq!(k.wizard.action_for(&press_e), None);
        assert_eq!(k.logs, Keymap::default().logs);
        assert_eq!(k.forwards, Keymap::default().forwards);
    }

    #[test]
    fn a_key_bound_twice_in_a_section_names_the_section_and_line() {
        let e = parse(
            "bindings:\n  quit: [q]\nforwards:\n  start: [s]\n  stop: [s]\n",
            "x.yaml",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(5));
        assert!(e.message.contains("forwards 'start' and 'stop'"), "{e}");
    }
}
