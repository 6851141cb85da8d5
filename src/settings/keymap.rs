//! Finding and reading the operator's keymap; the table and its parsing are `app::keys`.

use std::path::Path;

use super::error::{ConfigError, ConfigKind};
use super::files::locate;
use crate::app::keys::{self, Keymap};

/// Loads a keymap by name (`user_dir/NAME.yaml` first, then the shipped one) or by path (a value
/// containing `/` or ending in `.yaml`); `None` means `default`. Never fails: a missing or broken
/// file gives the default keymap and the error to show the operator.
pub fn load(name_or_path: Option<&str>, user_dir: Option<&Path>) -> (Keymap, Option<ConfigError>) {
    let name = name_or_path.unwrap_or("default");
    let result = locate(ConfigKind::Keymap, name, user_dir, keys::SHIPPED)
        .and_then(|source| keys::parse(&source.text, &source.file));
    match result {
        Ok(keymap) => (keymap, None),
        Err(e) => (Keymap::default(), Some(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_user_keymap_falls_back_to_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.yaml"), "bindings:\n  quit: [entr]\n").unwrap();
        let (keymap, err) = load(Some("mine"), Some(dir.path()));
        assert_eq!(keymap, Keymap::default());
        assert_eq!(err.unwrap().line, Some(2));
    }

    #[test]
    fn a_user_keymap_rebinding_a_wizard_key_is_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let text = keys::SHIPPED[0]
            .1
            .replace("escalate: [\"e\"]", "escalate: [\"z\"]");
        std::fs::write(dir.path().join("mine.yaml"), text).unwrap();
        let (keymap, err) = load(Some("mine"), Some(dir.path()));
        assert!(err.is_none(), "{err:?}");
        assert_eq!(
            keymap
                .wizard
                .key_for(keys::WizardAction::Escalate)
                .as_deref(),
            Some("z")
        );
    }
}
