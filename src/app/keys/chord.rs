//! One key press as the key table compares it, and its spelling in keymap files and help.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::settings::error::did_you_mean;

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
