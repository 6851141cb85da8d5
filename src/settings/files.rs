//! Where the operator's theme and keymap files are found, and reading them: the only file I/O
//! of themes and keymaps (parsing is pure and lives with the types).

use std::path::Path;

use super::error::{ConfigError, ConfigKind};

/// Where a theme or keymap's text came from.
pub struct ConfigSource {
    /// For error messages: `~/.config/kockpit/themes/x.yaml` or `default (built-in)`.
    pub file: String,
    pub text: std::borrow::Cow<'static, str>,
}

/// Finds a named or pathed config file: a value containing `/` or ending in `.yaml` is a path;
/// otherwise `user_dir/NAME.yaml` (so operators can override a shipped file), then the shipped
/// file of that name.
pub fn locate(
    kind: ConfigKind,
    name_or_path: &str,
    user_dir: Option<&Path>,
    shipped: &[(&str, &'static str)],
) -> Result<ConfigSource, ConfigError> {
    let read = |path: &Path| {
        let file = display_path(path);
        std::fs::read_to_string(path)
            .map(|text| ConfigSource {
                file: file.clone(),
                text: text.into(),
            })
            .map_err(|e| ConfigError::new(kind, &file, None, format!("cannot read it: {e}")))
    };
    if name_or_path.contains('/') || name_or_path.ends_with(".yaml") {
        return read(Path::new(name_or_path));
    }
    if let Some(dir) = user_dir {
        let path = dir.join(format!("{name_or_path}.yaml"));
        if path.is_file() {
            return read(&path);
        }
    }
    if let Some((name, text)) = shipped.iter().find(|(n, _)| *n == name_or_path) {
        return Ok(ConfigSource {
            file: format!("{name} (built-in)"),
            text: (*text).into(),
        });
    }
    let names: Vec<&str> = shipped.iter().map(|(n, _)| *n).collect();
    Err(ConfigError::new(
        kind,
        name_or_path,
        None,
        format!(
            "no such {kind}; shipped ones are {}{}",
            names.join(", "),
            user_dir
                .map(|d| format!(", or put {name_or_path}.yaml in {}", display_path(d)))
                .unwrap_or_default()
        ),
    ))
}

/// A path as the operator would type it, with `~` for their home directory.
pub fn display_path(path: &Path) -> String {
    if let Some(dirs) = directories::BaseDirs::new()
        && let Ok(rest) = path.strip_prefix(dirs.home_dir())
    {
        return format!("~/{}", rest.display());
    }
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_name_lists_shipped_files() {
        let Err(e) = locate(ConfigKind::Keymap, "emacs", None, &[("default", "")]) else {
            panic!("expected an error");
        };
        assert!(e.to_string().contains("shipped ones are default"), "{e}");
    }
}
