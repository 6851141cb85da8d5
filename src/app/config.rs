//! `~/.config/kockpit/config.yaml`: optional; a broken file is reported with its line and ignored.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Config {
    /// A context (or its cluster) whose name contains this is production: banner and typed confirmations.
    pub production_pattern: String,
    /// Contexts where every mutation is removed, as with --readonly.
    pub readonly_contexts: Vec<String>,
    pub theme: Option<String>,
    pub keymap: Option<String>,
    /// Lines each log pane keeps; older lines are dropped.
    pub log_buffer_lines: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            production_pattern: "prod".into(),
            readonly_contexts: Vec::new(),
            theme: None,
            keymap: None,
            log_buffer_lines: crate::app::logs::DEFAULT_BUFFER_LINES,
        }
    }
}

/// Where kockpit's configuration lives (XDG on Linux).
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kockpit").map(|d| d.config_dir().to_path_buf())
}

/// Loads `dir/config.yaml`; a missing file is the default, a broken one the default plus a sentence.
pub fn load(dir: Option<&Path>) -> (Config, Option<String>) {
    let Some(path) = dir.map(|d| d.join("config.yaml")) else {
        return (Config::default(), None);
    };
    match std::fs::read_to_string(&path) {
        Err(_) => (Config::default(), None),
        Ok(text) => parse(&text).map_or_else(
            |e| {
                (
                    Config::default(),
                    Some(format!("{}: {e}; using defaults", path.display())),
                )
            },
            |c| (c, None),
        ),
    }
}

pub fn parse(text: &str) -> Result<Config, String> {
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    serde_saphyr::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_the_default() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn fields_parse_and_typos_are_errors_naming_the_line() {
        let c = parse("productionPattern: live\nreadonlyContexts: [prod]\n").unwrap();
        assert_eq!(c.production_pattern, "live");
        assert_eq!(c.readonly_contexts, ["prod"]);
        let e = parse("productionPattern: live\nthem: dark\n").unwrap_err();
        assert!(e.contains("them") && e.contains('2'), "{e}");
    }
}
