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
    /// Saved port-forwards (bookmarks), started from the forwards view, by `--forward NAME`, or at start.
    pub forwards: Vec<Bookmark>,
    /// Lines each log pane keeps; older lines are dropped.
    pub log_buffer_lines: usize,
    /// Events the events view keeps per context; the least recently seen are dropped.
    pub events_per_context: usize,
    /// Which shells `s` tries, per context and/or namespace (default: bash, then sh).
    pub shells: Vec<crate::app::shell::ShellRule>,
}

/// `forwards:` entry: `{name: kubeapps, context: prod, namespace: kubeapps, target: svc/kubeapps, ports: "8080:80"}`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bookmark {
    pub name: String,
    pub context: String,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    #[serde(deserialize_with = "de_target")]
    pub target: crate::cluster::forward::Target,
    /// `LOCAL:REMOTE`, or one port for both.
    #[serde(deserialize_with = "de_ports")]
    pub ports: (u16, u16),
    /// Loopback unless set; another address exposes the port to other users of the machine.
    #[serde(default = "default_address", deserialize_with = "de_address")]
    pub address: std::net::IpAddr,
    #[serde(default)]
    pub auto_start: bool,
}

impl Bookmark {
    pub fn spec(&self) -> crate::cluster::forward::ForwardSpec {
        crate::cluster::forward::ForwardSpec {
            name: self.name.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            target: self.target.clone(),
            address: self.address,
            local_port: self.ports.0,
            remote_port: self.ports.1,
        }
    }
}

fn default_namespace() -> String {
    "default".into()
}

fn default_address() -> std::net::IpAddr {
    crate::cluster::forward::spec::LOOPBACK
}

fn de_target<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<crate::cluster::forward::Target, D::Error> {
    let text = String::deserialize(d)?;
    crate::cluster::forward::Target::parse(&text).map_err(serde::de::Error::custom)
}

fn de_ports<'de, D: serde::Deserializer<'de>>(d: D) -> Result<(u16, u16), D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Ports {
        Number(u16),
        Text(String),
    }
    match Ports::deserialize(d)? {
        Ports::Number(p) => Ok((p, p)),
        Ports::Text(t) => {
            crate::cluster::forward::spec::parse_ports(&t).map_err(serde::de::Error::custom)
        }
    }
}

fn de_address<'de, D: serde::Deserializer<'de>>(d: D) -> Result<std::net::IpAddr, D::Error> {
    let text = String::deserialize(d)?;
    crate::cluster::forward::spec::parse_address(&text).map_err(serde::de::Error::custom)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            production_pattern: "prod".into(),
            readonly_contexts: Vec::new(),
            theme: None,
            keymap: None,
            forwards: Vec::new(),
            log_buffer_lines: crate::app::logs::DEFAULT_BUFFER_LINES,
            events_per_context: crate::app::events::DEFAULT_PER_CONTEXT,
            shells: Vec::new(),
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

    #[test]
    fn forward_bookmarks_parse_and_bad_ones_name_the_line() {
        let c = parse(
            "forwards:\n  - name: kubeapps\n    context: prod\n    namespace: kubeapps\n    target: svc/kubeapps\n    ports: \"8080:80\"\n    autoStart: true\n",
        )
        .unwrap();
        let b = &c.forwards[0];
        assert_eq!(b.ports, (8080, 80));
        assert!(b.auto_start);
        assert_eq!(b.spec().local(), "127.0.0.1:8080");
        assert_eq!(b.spec().target.to_string(), "svc/kubeapps");
        let e = parse(
            "forwards:\n  - name: x\n    context: prod\n    target: svc/x\n    ports: \"80:y\"\n",
        )
        .unwrap_err();
        assert!(e.contains("not a port") && e.contains('5'), "{e}");
        let e =
            parse("forwards:\n  - name: x\n    context: prod\n    target: job/x\n    ports: 80\n")
                .unwrap_err();
        assert!(e.contains("only pod") && e.contains('4'), "{e}");
    }

    #[test]
    fn shell_rules_parse_and_a_misspelt_field_names_its_line() {
        let c = parse(
            "shells:\n  - commands: [bash, sh]\n  - context: prod\n    namespace: legacy\n    commands: [\"/bin/ash\"]\n",
        )
        .unwrap();
        assert_eq!(c.shells.len(), 2);
        assert_eq!(c.shells[1].context.as_deref(), Some("prod"));
        assert_eq!(
            crate::app::shell::shells_for(&c.shells, "prod", "legacy"),
            [vec!["/bin/ash".to_string()]]
        );
        let e = parse("shells:\n  - context: prod\n    command: [sh]\n").unwrap_err();
        assert!(e.contains("command") && e.contains('3'), "{e}");
    }
}
