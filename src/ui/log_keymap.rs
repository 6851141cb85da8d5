//! The log screen's own key table: the `logs:` section of a keymap file. Keys here only act
//! while log panes are shown, so they may reuse keys the tables use (`s`, `w`, tab).

use std::collections::HashMap;

use crossterm::event::{KeyEvent, KeyEventKind};
use serde_saphyr::Spanned;

use super::config_error::{ConfigError, ConfigKind, did_you_mean};
use super::keymap::{KeyChord, describe_chord, parse_key};

macro_rules! log_actions {
    ($($variant:ident => $name:literal, $help:literal, [$($key:literal),*];)*) => {
        /// Everything a key does on the log screen.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum LogAction {
            $($variant,)*
        }

        impl LogAction {
            pub const ALL: &[LogAction] = &[$(LogAction::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $(LogAction::$variant => $name,)*
                }
            }

            pub fn help(self) -> &'static str {
                match self {
                    $(LogAction::$variant => $help,)*
                }
            }

            /// Keys when the keymap file has no `logs:` section.
            fn default_keys(self) -> &'static [&'static str] {
                match self {
                    $(LogAction::$variant => &[$($key),*],)*
                }
            }
        }
    };
}

log_actions! {
    TogglePause => "pause", "pause / follow (new lines are counted while paused)", ["space"];
    ScrollUp => "scroll_up", "scroll up (pauses)", ["k", "up"];
    ScrollDown => "scroll_down", "scroll down", ["j", "down"];
    PageUp => "page_up", "page up", ["pgup", "ctrl-b"];
    PageDown => "page_down", "page down", ["pgdn", "ctrl-f"];
    End => "end", "jump to the end and follow", ["G", "end"];
    Search => "search", "search (highlight; n / N next / previous)", ["/"];
    NextMatch => "next_match", "next match (newer)", ["n"];
    PrevMatch => "prev_match", "previous match (older)", ["N"];
    Filter => "filter", "show only lines containing a text", ["&"];
    Wrap => "wrap", "wrap long lines on / off", ["w"];
    Timestamps => "timestamps", "timestamps on / off", ["t"];
    Since => "since", "since: tail 200 / 1m / 5m / 15m / 1h / start (reads the logs again)", ["s"];
    Previous => "previous", "previous container's logs on / off (crash loops)", ["p"];
    Save => "save", "save the pane's lines to a file", ["ctrl-s"];
    SplitSide => "split_side", "split: new pane side by side (asks what to follow)", ["|"];
    SplitStacked => "split_stacked", "split: new pane below (asks what to follow)", ["-"];
    FocusNext => "focus_next", "focus the next pane", ["tab"];
    FocusPrev => "focus_prev", "focus the previous pane", ["shift-tab"];
    Zoom => "zoom", "zoom the focused pane / back", ["z"];
    Close => "close", "close the focused pane", ["x"];
    Grow => "grow", "grow the focused pane", [">"];
    Shrink => "shrink", "shrink the focused pane", ["<"];
    Back => "back", "back to the tables (panes keep running)", ["esc"];
}

/// The log screen's table from key chord to action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogKeys {
    by_key: HashMap<KeyChord, LogAction>,
    keys: Vec<(LogAction, Vec<KeyChord>)>,
}

impl LogKeys {
    pub fn action_for(&self, key: &KeyEvent) -> Option<LogAction> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        self.by_key.get(&KeyChord::from_event(key)).copied()
    }

    pub fn bindings(&self) -> Vec<(LogAction, Vec<String>)> {
        self.keys
            .iter()
            .map(|(a, chords)| (*a, chords.iter().map(describe_chord).collect()))
            .collect()
    }

    pub fn key_for(&self, action: LogAction) -> Option<String> {
        self.keys
            .iter()
            .find(|(a, _)| *a == action)
            .and_then(|(_, c)| c.first())
            .map(describe_chord)
    }
}

impl Default for LogKeys {
    fn default() -> Self {
        let mut by_key = HashMap::new();
        let mut keys = Vec::new();
        for a in LogAction::ALL {
            let chords: Vec<KeyChord> = a
                .default_keys()
                .iter()
                .map(|k| parse_key(k).expect("built-in log keys parse"))
                .collect();
            for c in &chords {
                by_key.insert(*c, *a);
            }
            keys.push((*a, chords));
        }
        LogKeys { by_key, keys }
    }
}

/// Parses a `logs:` section (action name → keys); errors name the line.
pub(crate) fn parse(
    entries: Vec<(Spanned<String>, Vec<Spanned<String>>)>,
    file: &str,
) -> Result<LogKeys, ConfigError> {
    let error = |at: &serde_saphyr::Location, message: String| {
        let line = Some(at.line() as usize).filter(|&l| l > 0);
        ConfigError::new(ConfigKind::Keymap, file, line, message)
    };
    let mut by_key = HashMap::new();
    let mut keys: Vec<(LogAction, Vec<KeyChord>)> = Vec::new();
    for (name, texts) in entries {
        let Some(action) = LogAction::ALL
            .iter()
            .copied()
            .find(|a| a.name() == name.value)
        else {
            let names: Vec<&str> = LogAction::ALL.iter().map(|a| a.name()).collect();
            let hint = did_you_mean(&name.value, &names)
                .map(|n| format!(" (did you mean '{n}'?)"))
                .unwrap_or_default();
            return Err(error(
                &name.referenced,
                format!("unknown logs action '{}'{hint}", name.value),
            ));
        };
        let mut chords = Vec::new();
        for key in texts {
            let chord = parse_key(&key.value).map_err(|m| error(&key.referenced, m))?;
            if let Some(other) = by_key.insert(chord, action)
                && other != action
            {
                return Err(error(
                    &key.referenced,
                    format!(
                        "key '{}' is bound to both logs actions '{}' and '{}'",
                        key.value,
                        other.name(),
                        action.name()
                    ),
                ));
            }
            chords.push(chord);
        }
        keys.push((action, chords));
    }
    keys.sort_by_key(|(a, _)| *a);
    Ok(LogKeys { by_key, keys })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn default_log_keys_cover_every_action_without_clashes() {
        let k = LogKeys::default();
        for a in LogAction::ALL {
            assert!(k.key_for(*a).is_some(), "{a:?}");
        }
        assert_eq!(
            k.action_for(&KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)),
            Some(LogAction::TogglePause)
        );
        assert_eq!(
            k.action_for(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
            Some(LogAction::Save)
        );
        let total: usize = LogAction::ALL.iter().map(|a| a.default_keys().len()).sum();
        assert_eq!(k.by_key.len(), total, "no key bound twice");
    }
}
