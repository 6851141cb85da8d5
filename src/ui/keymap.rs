//! Key bindings: one table from key chord to [`Action`], loaded from a YAML file (the idea of
//! gitui's `key_list.rs`), so the help screen, `--readonly` and the operator's own keymap all
//! read the same table.
//!
//! A keymap file lists, per action, the keys that trigger it:
//! ```yaml
//! bindings:
//!   quit: ["q", "ctrl-c"]
//!   describe: ["enter", "d"]
//! ```
//! Keys are a single character (`:`, `F`, `?`), a name (`enter`, `esc`, `tab`, `shift-tab`,
//! `space`, `backspace`, `delete`, `insert`, `home`, `end`, `pgup`, `pgdn`, `up`, `down`,
//! `left`, `right`, `f1`…`f12`), optionally after `ctrl-`, `alt-` and `shift-`. `shift-f` and
//! `F` are the same key. A file is complete: an action it does not list has no key. A key
//! bound to two actions, an unknown action or an unparsable key is an error naming the line.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_saphyr::Spanned;

pub use super::config_error::{ConfigError, ConfigKind};
use super::config_error::{did_you_mean, locate};

/// Keymaps compiled into the binary, by the name the operator uses.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.yaml")),
    ("vim", include_str!("../../keymaps/vim.yaml")),
];

macro_rules! actions {
    ($($variant:ident => $name:literal, $help:literal;)*) => {
        /// Everything a key can make the cockpit do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            /// Every action, in the order the help screen lists them.
            pub const ALL: &[Action] = &[$(Action::$variant,)*];

            /// The name used in keymap files, e.g. `force_delete`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// What the action does, for the help screen.
            pub fn help(self) -> &'static str {
                match self {
                    $(Action::$variant => $help,)*
                }
            }
        }
    };
}

actions! {
    Quit => "quit", "quit kockpit";
    Help => "help", "show this help";
    CommandMode => "command_mode", "type a command (:pods, :nodes, :ctx prod)";
    Filter => "filter", "filter rows by text";
    LabelFilter => "label_filter", "filter rows by label selector (app=web)";
    Up => "up", "move up";
    Down => "down", "move down";
    PageUp => "page_up", "page up";
    PageDown => "page_down", "page down";
    Top => "top", "go to the first row";
    Bottom => "bottom", "go to the last row";
    Describe => "describe", "describe the selected object";
    Yaml => "yaml", "show the selected object's YAML";
    Back => "back", "go back / close";
    NextContext => "next_context", "switch to the next context";
    PrevContext => "prev_context", "switch to the previous context";
    ToggleMergedContexts => "toggle_merged_contexts", "show one context or all live contexts merged";
    ViewNodes => "view_nodes", "show nodes";
    ViewDeployments => "view_deployments", "show deployments";
    ViewPods => "view_pods", "show pods";
    SortNext => "sort_next", "sort by the next column";
    SortReverse => "sort_reverse", "reverse the sort order";
    Cordon => "cordon", "cordon the node";
    Uncordon => "uncordon", "uncordon the node";
    Drain => "drain", "drain the node (guided)";
    Delete => "delete", "delete the selected object";
    ForceDelete => "force_delete", "force-delete the pod (grace 0)";
    Scale => "scale", "scale the deployment";
    RolloutRestart => "rollout_restart", "restart the deployment's rollout";
    BulkForceDelete => "bulk_force_delete", "force-delete every pod the current filter shows (previewed first)";
    Rollouts => "rollouts", "watch rollouts: updated / ready / available per deployment";
    Logs => "logs", "follow logs";
    PortForward => "port_forward", "port-forward the selected pod or deployment";
    Forwards => "forwards", "list active port-forwards";
    Refresh => "refresh", "refresh the view";
}

impl Action {
    /// Looks an action up by its keymap-file name.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// Whether the action changes the cluster; `--readonly` removes these.
    pub fn is_mutation(self) -> bool {
        is_mutation(self)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `action` changes the cluster (cordon, drain, delete, scale, …); `--readonly` drops
/// these from the keymap and the help screen.
pub fn is_mutation(action: Action) -> bool {
    matches!(
        action,
        Action::Cordon
            | Action::Uncordon
            | Action::Drain
            | Action::Delete
            | Action::ForceDelete
            | Action::Scale
            | Action::RolloutRestart
            | Action::BulkForceDelete
    )
}

/// One key press as the keymap compares it: a code plus ctrl/alt/shift, normalised so that
/// what terminals report and what files say meet (`F` ≡ `shift-f`, `ctrl-C` ≡ `ctrl-c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
        let mut modifiers =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let mut code = code;
        match code {
            // The character already says whether shift was held: `F`, `:`.
            KeyCode::Char(c) => {
                if modifiers.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() {
                    code = KeyCode::Char(c.to_ascii_uppercase());
                }
                modifiers.remove(KeyModifiers::SHIFT);
                // Terminals cannot tell ctrl-c from ctrl-shift-c.
                if modifiers.contains(KeyModifiers::CONTROL) {
                    code = KeyCode::Char(c.to_ascii_lowercase());
                }
            }
            KeyCode::BackTab => modifiers.remove(KeyModifiers::SHIFT),
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => {
                code = KeyCode::BackTab;
                modifiers.remove(KeyModifiers::SHIFT);
            }
            _ => {}
        }
        KeyChord { code, modifiers }
    }

    pub fn from_event(key: &KeyEvent) -> KeyChord {
        KeyChord::new(key.code, key.modifiers)
    }
}

const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
];

const KEY_ALIASES: &[(&str, &str)] = &[
    ("return", "enter"),
    ("escape", "esc"),
    ("del", "delete"),
    ("ins", "insert"),
    ("pageup", "pgup"),
    ("pagedown", "pgdn"),
    ("pgdown", "pgdn"),
];

/// Parses `ctrl-c`, `shift-f`, `F`, `enter`, `esc`, `pgdn`, `:`, `alt-x`, `f5`; the error is the
/// message for the operator.
pub fn parse_key(text: &str) -> Result<KeyChord, String> {
    let mut modifiers = KeyModifiers::NONE;
    let mut rest = text.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        let (prefix_len, m) = if lower.starts_with("ctrl-") {
            (5, KeyModifiers::CONTROL)
        } else if lower.starts_with("alt-") {
            (4, KeyModifiers::ALT)
        } else if lower.starts_with("shift-") {
            (6, KeyModifiers::SHIFT)
        } else {
            break;
        };
        // `ctrl--` is ctrl plus the minus key; a lone `-` is a key too.
        if rest.len() == prefix_len {
            break;
        }
        modifiers |= m;
        rest = &rest[prefix_len..];
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCode::Char(c),
        (None, _) => return Err(format!("empty key '{text}'")),
        _ => {
            let lower = rest.to_ascii_lowercase();
            let name = KEY_ALIASES
                .iter()
                .find(|(alias, _)| *alias == lower)
                .map_or(lower.as_str(), |(_, name)| name);
            if let Some((_, code)) = NAMED_KEYS.iter().find(|(n, _)| *n == name) {
                *code
            } else if let Some(n) = name.strip_prefix('f').and_then(|n| n.parse::<u8>().ok())
                && (1..=24).contains(&n)
            {
                KeyCode::F(n)
            } else {
                let names: Vec<&str> = NAMED_KEYS.iter().map(|(n, _)| *n).collect();
                return Err(match did_you_mean(name, &names) {
                    Some(near) => format!("unknown key '{text}' (did you mean '{near}'?)"),
                    None => format!(
                        "unknown key '{text}'; use one character, f1-f12 or one of {}",
                        names.join(", ")
                    ),
                });
            }
        }
    };
    Ok(KeyChord::new(code, modifiers))
}

/// The canonical spelling of a key press, as keymap files and the help screen write it:
/// `ctrl-c`, `F`, `enter`, `shift-tab`, `pgdn`, `:`.
pub fn describe_key(key: &KeyEvent) -> String {
    describe_chord(&KeyChord::from_event(key))
}

pub fn describe_chord(chord: &KeyChord) -> String {
    let mut out = String::new();
    if chord.modifiers.contains(KeyModifiers::CONTROL) {
        out.push_str("ctrl-");
    }
    if chord.modifiers.contains(KeyModifiers::ALT) {
        out.push_str("alt-");
    }
    if chord.modifiers.contains(KeyModifiers::SHIFT) {
        out.push_str("shift-");
    }
    match chord.code {
        KeyCode::BackTab => out.push_str("shift-tab"),
        KeyCode::Char(' ') => out.push_str("space"),
        KeyCode::Char(c) => out.push(c),
        KeyCode::F(n) => out.push_str(&format!("f{n}")),
        code => match NAMED_KEYS.iter().find(|(_, c)| *c == code) {
            Some((name, _)) => out.push_str(name),
            None => out.push_str(&format!("{code:?}").to_ascii_lowercase()),
        },
    }
    out
}

/// The table from key chord to action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    by_key: HashMap<KeyChord, Action>,
    /// Each action's keys in the order the file lists them, for the help screen.
    keys: Vec<(Action, Vec<KeyChord>)>,
    /// The log screen's own table (the file's `logs:` section, else the built-in one).
    pub logs: super::log_keymap::LogKeys,
}

impl Keymap {
    /// The action a key press triggers, if any. Key releases and repeats of nothing trigger
    /// nothing; only presses and auto-repeat count.
    pub fn action_for(&self, key: &KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        self.by_key.get(&KeyChord::from_event(key)).copied()
    }

    /// Every bound action with its keys spelled canonically, in help-screen order.
    pub fn bindings(&self) -> Vec<(Action, Vec<String>)> {
        self.keys
            .iter()
            .map(|(action, chords)| (*action, chords.iter().map(describe_chord).collect()))
            .collect()
    }

    /// The first key for `action`, for hints like "press d to describe".
    pub fn key_for(&self, action: Action) -> Option<String> {
        self.keys
            .iter()
            .find(|(a, _)| *a == action)
            .and_then(|(_, chords)| chords.first())
            .map(describe_chord)
    }

    /// This keymap without the actions that change the cluster, for `--readonly`.
    pub fn without_mutations(&self) -> Keymap {
        Keymap {
            by_key: self
                .by_key
                .iter()
                .filter(|(_, a)| !is_mutation(**a))
                .map(|(k, a)| (*k, *a))
                .collect(),
            keys: self
                .keys
                .iter()
                .filter(|(a, _)| !is_mutation(*a))
                .cloned()
                .collect(),
            logs: self.logs.clone(),
        }
    }
}

impl Default for Keymap {
    /// The shipped `default` keymap (k9s-like).
    fn default() -> Self {
        static DEFAULT: std::sync::LazyLock<Keymap> = std::sync::LazyLock::new(|| {
            parse(SHIPPED[0].1, "default (built-in)")
                .unwrap_or_else(|e| panic!("shipped keymap is broken: {e}"))
        });
        DEFAULT.clone()
    }
}

/// Loads a keymap by name (`user_dir/NAME.yaml` first, then the shipped one) or by path (a value
/// containing `/` or ending in `.yaml`); `None` means `default`. Never fails: a missing or broken
/// file gives the default keymap and the error to show the operator.
pub fn load(name_or_path: Option<&str>, user_dir: Option<&Path>) -> (Keymap, Option<ConfigError>) {
    let name = name_or_path.unwrap_or("default");
    let result = locate(ConfigKind::Keymap, name, user_dir, SHIPPED)
        .and_then(|source| parse(&source.text, &source.file));
    match result {
        Ok(keymap) => (keymap, None),
        Err(e) => (Keymap::default(), Some(e)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    bindings: BindingEntries,
    #[serde(default)]
    logs: Option<BindingEntries>,
}

/// The `bindings` mapping in file order, with the line of every action name and key.
struct BindingEntries(Vec<(Spanned<String>, Vec<Spanned<String>>)>);

impl<'de> Deserialize<'de> for BindingEntries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = BindingEntries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping from action name to a list of keys")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(action) = map.next_key::<Spanned<String>>()? {
                    entries.push((action, map.next_value()?));
                }
                Ok(BindingEntries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

fn line_of(at: &serde_saphyr::Location) -> Option<usize> {
    Some(at.line() as usize).filter(|&l| l > 0)
}

/// Parses keymap YAML. `file` is how errors name it.
pub fn parse(text: &str, file: &str) -> Result<Keymap, ConfigError> {
    let spec: KeymapFile = serde_saphyr::from_str(text)
        .map_err(|e| ConfigError::from_yaml(ConfigKind::Keymap, file, &e))?;
    let error = |at: &serde_saphyr::Location, message: String| {
        ConfigError::new(ConfigKind::Keymap, file, line_of(at), message)
    };
    let mut by_key: HashMap<KeyChord, Action> = HashMap::new();
    let mut keys: Vec<(Action, Vec<KeyChord>)> = Vec::new();
    for (name, key_texts) in spec.bindings.0 {
        let action = Action::from_name(&name.value).ok_or_else(|| {
            let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
            let hint = did_you_mean(&name.value, &names)
                .map(|n| format!(" (did you mean '{n}'?)"))
                .unwrap_or_default();
            error(
                &name.referenced,
                format!("unknown action '{}'{hint}", name.value),
            )
        })?;
        if keys.iter().any(|(a, _)| *a == action) {
            return Err(error(
                &name.referenced,
                format!("action '{action}' is listed twice"),
            ));
        }
        let mut chords = Vec::new();
        for key in key_texts {
            let chord = parse_key(&key.value).map_err(|m| error(&key.referenced, m))?;
            match by_key.get(&chord) {
                Some(other) if *other != action => {
                    return Err(error(
                        &key.referenced,
                        format!(
                            "key '{}' is bound to both '{other}' and '{action}'",
                            key.value
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    by_key.insert(chord, action);
                    chords.push(chord);
                }
            }
        }
        keys.push((action, chords));
    }
    keys.sort_by_key(|(a, _)| *a);
    let logs = match spec.logs {
        Some(entries) => super::log_keymap::parse(entries.0, file)?,
        None => Default::default(),
    };
    Ok(Keymap { by_key, keys, logs })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(key(KeyCode::Enter, none), Some(Action::Describe));
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
        let (keymap, err) = load(Some("vim"), None);
        assert!(err.is_none());
        let key = |code, mods| keymap.action_for(&press(code, mods));
        let none = KeyModifiers::NONE;
        assert_eq!(key(KeyCode::Char('j'), none), Some(Action::Down));
        assert_eq!(key(KeyCode::Char('k'), none), Some(Action::Up));
        assert_eq!(key(KeyCode::Char('h'), none), Some(Action::Back));
        assert_eq!(key(KeyCode::Char('l'), none), Some(Action::Describe));
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
        assert_eq!(mutations.len(), 8);
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
    fn broken_user_keymap_falls_back_to_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.yaml"), "bindings:\n  quit: [entr]\n").unwrap();
        let (keymap, err) = load(Some("mine"), Some(dir.path()));
        assert_eq!(keymap, Keymap::default());
        assert_eq!(err.unwrap().line, Some(2));
    }
}
