//! Errors in the operator's theme and keymap files, as sentences naming the file and line.
//! Pure: imports nothing of the cockpit, so the key table in `app/` and the themes in `ui/` share it.
//!
//! Every config file is optional: a broken one is reported as a sentence naming the file and
//! line, and the cockpit carries on with the shipped default.

use std::fmt;

/// Which kind of file an error is about; it starts the sentence the operator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    Theme,
    Keymap,
}

impl fmt::Display for ConfigKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigKind::Theme => "theme",
            ConfigKind::Keymap => "keymap",
        })
    }
}

/// A theme or keymap file that could not be used, e.g.
/// `theme ~/.config/kockpit/themes/x.yaml line 7: unknown colour 'redd' (did you mean 'red'?)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub kind: ConfigKind,
    /// The file as the operator would type it (`~` for the home directory), or `NAME (built-in)`.
    pub file: String,
    /// 1-based line, when the problem is tied to one.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    pub fn new(
        kind: ConfigKind,
        file: &str,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            kind,
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }

    /// Turns a serde-saphyr error into one sentence plus its line (the library's own rendering
    /// adds a source snippet over several lines, which does not fit a status bar).
    pub fn from_yaml(kind: ConfigKind, file: &str, err: &serde_saphyr::Error) -> Self {
        let line = err.location().map(|l| l.line() as usize).filter(|&l| l > 0);
        let plain = err.without_snippet().to_string();
        let message = plain
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("not valid YAML")
            .to_string();
        ConfigError::new(kind, file, line, strip_location_suffix(&message))
    }
}

/// serde-saphyr may append " at line L, column C" (reported separately here) or advice meant for
/// programmers ("set DuplicateKeyPolicy in Options"), which an operator cannot act on.
fn strip_location_suffix(message: &str) -> String {
    let mut message = message;
    for tail in [" at line ", ", set DuplicateKeyPolicy"] {
        if let Some(i) = message.rfind(tail) {
            message = &message[..i];
        }
    }
    message.to_string()
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_reads_as_one_sentence_with_file_and_line() {
        let e = ConfigError::new(
            ConfigKind::Theme,
            "~/.config/kockpit/themes/x.yaml",
            Some(7),
            "unknown colour 'redd' (did you mean 'red'?)",
        );
        assert_eq!(
            e.to_string(),
            "theme ~/.config/kockpit/themes/x.yaml line 7: unknown colour 'redd' (did you mean 'red'?)"
        );
    }

    #[test]
    fn typo_suggestion_picks_the_nearest_name() {
        assert_eq!(did_you_mean("redd", &["red", "green"]), Some("red"));
        assert_eq!(did_you_mean("purple", &["red", "green"]), None);
    }

    #[test]
    fn yaml_errors_lose_advice_meant_for_programmers() {
        let text = "quit: [q]\nquit: [x]\n";
        let err = serde_saphyr::from_str::<std::collections::BTreeMap<String, Vec<String>>>(text)
            .unwrap_err();
        let e = ConfigError::from_yaml(ConfigKind::Keymap, "x.yaml", &err);
        assert_eq!(e.line, Some(2));
        assert_eq!(e.message, "duplicate mapping key: quit");
    }
}
