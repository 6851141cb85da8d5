//! The operator's kubeconfig, found and merged as kubectl does, its contexts listed and marked
//! production or not, and a client per context with kube's hidden retries turned off.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};

#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    #[error(
        "cannot read kubeconfig {path}: {reason}; fix the file, or point --kubeconfig or KUBECONFIG at another one"
    )]
    Read { path: PathBuf, reason: String },
    #[error(
        "cannot merge kubeconfig {path} into the files before it: {reason}; KUBECONFIG files must share kind and apiVersion"
    )]
    Merge { path: PathBuf, reason: String },
    #[error("no kubeconfig found (looked for {looked}); pass --kubeconfig PATH or set KUBECONFIG")]
    NotFound { looked: String },
    #[error("context {context:?} is not in the kubeconfig; pick one of: {known}")]
    UnknownContext { context: String, known: String },
    #[error(
        "cannot connect context {context:?}: {reason}; check its cluster server, certificates and user credentials in the kubeconfig"
    )]
    Client { context: String, reason: String },
}

/// One kubeconfig context, as the context list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextInfo {
    pub name: String,
    pub cluster: String,
    pub user: String,
    pub namespace: Option<String>,
    pub server: String,
    /// The name or cluster matches the production pattern: banner and typed confirmations.
    pub production: bool,
}

/// The merged kubeconfig: its contexts, and what is needed to build a client for any of them.
pub struct LoadedKubeconfig {
    pub contexts: Vec<ContextInfo>,
    pub current: Option<String>,
    merged: Kubeconfig,
}

// Hand-written so that tokens and keys in the merged kubeconfig can never reach a log.
impl fmt::Debug for LoadedKubeconfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedKubeconfig")
            .field("contexts", &self.contexts)
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

/// Loads the kubeconfig kubectl would use: `explicit` if given, else every file in `KUBECONFIG`
/// (first file wins per name), else `~/.kube/config`.
pub fn load(
    explicit: Option<&Path>,
    production_pattern: &str,
) -> Result<LoadedKubeconfig, KubeconfigError> {
    let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    load_from(
        explicit,
        std::env::var_os("KUBECONFIG"),
        home.as_deref(),
        production_pattern,
    )
}

fn load_from(
    explicit: Option<&Path>,
    kubeconfig_env: Option<OsString>,
    home: Option<&Path>,
    production_pattern: &str,
) -> Result<LoadedKubeconfig, KubeconfigError> {
    let merged = match (explicit, kubeconfig_env) {
        (Some(path), _) => read(path)?,
        (None, Some(value)) if !value.is_empty() => read_list(&value)?,
        _ => {
            let path = home
                .map(|h| h.join(".kube").join("config"))
                .ok_or_else(|| KubeconfigError::NotFound {
                    looked: "~/.kube/config, but there is no home directory".into(),
                })?;
            if !path.exists() {
                return Err(KubeconfigError::NotFound {
                    looked: path.display().to_string(),
                });
            }
            read(&path)?
        }
    };
    Ok(LoadedKubeconfig::new(merged, production_pattern))
}

fn read(path: &Path) -> Result<Kubeconfig, KubeconfigError> {
    Kubeconfig::read_from(path).map_err(|e| KubeconfigError::Read {
        path: path.to_path_buf(),
        reason: describe_read_error(&e),
    })
}

/// kube's `Kubeconfig::from_env` does the same merge, but does not say which file failed.
fn read_list(value: &OsString) -> Result<Kubeconfig, KubeconfigError> {
    let paths: Vec<PathBuf> = std::env::split_paths(value)
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    let mut merged: Option<Kubeconfig> = None;
    // kubectl skips files of KUBECONFIG that do not exist.
    for path in paths.iter().filter(|p| p.exists()) {
        let next = read(path)?;
        merged = Some(match merged {
            None => next,
            Some(m) => m.merge(next).map_err(|e| KubeconfigError::Merge {
                path: path.clone(),
                reason: e.to_string(),
            })?,
        });
    }
    merged.ok_or_else(|| KubeconfigError::NotFound {
        looked: format!(
            "KUBECONFIG={}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(":")
        ),
    })
}

/// A parse error's own text may quote the file, tokens included: keep only its position.
fn describe_read_error(e: &kube::config::KubeconfigError) -> String {
    match e {
        kube::config::KubeconfigError::ReadConfig(io, _) => io.to_string(),
        kube::config::KubeconfigError::Parse(p) => {
            let text = p.to_string();
            let first = text.lines().next().unwrap_or("invalid YAML");
            format!("invalid YAML ({})", redact_quoted(first))
        }
        other => other.to_string(),
    }
}

/// Drops anything quoted in an error line: YAML parsers quote offending values.
fn redact_quoted(line: &str) -> String {
    let mut out = String::new();
    let mut quoted = None;
    for c in line.chars() {
        match quoted {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                quoted = None;
            }
            Some(_) => {}
            None if c == '"' || c == '`' => {
                out.push(c);
                quoted = Some(c);
            }
            None => out.push(c),
        }
    }
    out
}

impl LoadedKubeconfig {
    fn new(merged: Kubeconfig, production_pattern: &str) -> LoadedKubeconfig {
        let contexts = merged
            .contexts
            .iter()
            .map(|named| {
                let ctx = named.context.as_ref();
                let cluster = ctx.map(|c| c.cluster.clone()).unwrap_or_default();
                let server = merged
                    .clusters
                    .iter()
                    .find(|c| c.name == cluster)
                    .and_then(|c| c.cluster.as_ref())
                    .and_then(|c| c.server.clone())
                    .unwrap_or_default();
                ContextInfo {
                    production: is_production(production_pattern, &named.name, &cluster),
                    name: named.name.clone(),
                    user: ctx.and_then(|c| c.user.clone()).unwrap_or_default(),
                    namespace: ctx.and_then(|c| c.namespace.clone()),
                    cluster,
                    server,
                }
            })
            .collect();
        LoadedKubeconfig {
            contexts,
            current: merged.current_context.clone(),
            merged,
        }
    }

    pub fn context(&self, name: &str) -> Option<&ContextInfo> {
        self.contexts.iter().find(|c| c.name == name)
    }

    /// A client for `context`. kube's default retry of 429/503/504 is off: it would hide a
    /// PDB-blocked eviction (429) for minutes; callers handle those codes where they matter.
    pub async fn client(&self, context: &str) -> Result<kube::Client, KubeconfigError> {
        if self.context(context).is_none() {
            return Err(KubeconfigError::UnknownContext {
                context: context.to_string(),
                known: self
                    .contexts
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let client_error = |reason: String| KubeconfigError::Client {
            context: context.to_string(),
            reason,
        };
        let options = KubeConfigOptions {
            context: Some(context.to_string()),
            ..Default::default()
        };
        let mut config = kube::Config::from_custom_kubeconfig(self.merged.clone(), &options)
            .await
            .map_err(|e| client_error(e.to_string()))?;
        config.default_retry = false;
        kube::Client::try_from(config).map_err(|e| client_error(e.to_string()))
    }
}

/// Whether a context is production: `pattern` holds comma-separated alternatives, each a
/// case-insensitive substring (`prod`) or, with `*`, a whole-name glob (`*-prd`, `eu-*-live`),
/// tried against the context name and its cluster name.
pub fn is_production(pattern: &str, context_name: &str, cluster_name: &str) -> bool {
    let names = [context_name.to_lowercase(), cluster_name.to_lowercase()];
    pattern
        .split(',')
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty())
        .any(|p| {
            names.iter().filter(|n| !n.is_empty()).any(|n| {
                if p.contains('*') {
                    glob_matches(&p, n)
                } else {
                    n.contains(&p)
                }
            })
        })
}

/// `*` matches any run of characters; everything else matches itself; the whole name must match.
fn glob_matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &name[first.len()..];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn config(cluster: &str, server: &str, context: &str, current: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: {current}\n\
             clusters:\n- name: {cluster}\n  cluster:\n    server: {server}\n\
             users:\n- name: admin\n  user:\n    token: s3cr3t-token\n\
             contexts:\n- name: {context}\n  context:\n    cluster: {cluster}\n    user: admin\n    namespace: web\n"
        )
    }

    #[test]
    fn default_pattern_marks_prod_contexts_only() {
        assert!(is_production("prod", "prod", "prod"));
        assert!(is_production("prod", "prod-pod-reader", "prod"));
        assert!(is_production("prod", "admin@eu", "eu-prod-1"));
        assert!(!is_production("prod", "stg", "stg"));
        assert!(is_production("PROD", "Prod-EU", ""));
    }

    #[test]
    fn glob_alternatives_match_whole_names() {
        assert!(is_production("*-prd,live", "eu-prd", "x"));
        assert!(!is_production("*-prd", "eu-prd-test", "x"));
        assert!(is_production("eu-*-live", "eu-west-live", ""));
        assert!(!is_production("eu-*-live", "us-west-live", ""));
        assert!(is_production("stg,live", "x", "live-cluster"));
        assert!(!is_production("", "prod", "prod"));
        assert!(!is_production("a*a", "a", ""));
    }

    #[test]
    fn kubeconfig_list_merges_with_the_first_file_winning() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(
            dir.path(),
            "a",
            &config("shared", "https://a.example:6443", "prod", "prod"),
        );
        let b = write(
            dir.path(),
            "b",
            &config("shared", "https://b.example:6443", "stg", "stg"),
        );
        let missing = dir.path().join("missing");
        let env = std::env::join_paths([&a, &missing, &b]).unwrap();
        let loaded = load_from(None, Some(env), None, "prod").unwrap();
        assert_eq!(loaded.current.as_deref(), Some("prod"));
        let names: Vec<_> = loaded.contexts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["prod", "stg"]);
        // Both contexts name cluster "shared": the first file's definition wins.
        for c in &loaded.contexts {
            assert_eq!(c.server, "https://a.example:6443");
            assert_eq!(c.namespace.as_deref(), Some("web"));
            assert_eq!(c.user, "admin");
        }
        assert!(loaded.context("prod").unwrap().production);
        assert!(!loaded.context("stg").unwrap().production);
    }

    #[test]
    fn explicit_path_beats_kubeconfig_env() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a", &config("c", "https://a:1", "one", "one"));
        let b = write(dir.path(), "b", &config("c", "https://b:1", "two", "two"));
        let loaded = load_from(Some(&a), Some(b.into_os_string()), None, "prod").unwrap();
        assert_eq!(loaded.current.as_deref(), Some("one"));
        assert_eq!(loaded.contexts.len(), 1);
    }

    #[test]
    fn home_config_is_the_fallback() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".kube")).unwrap();
        write(
            &dir.path().join(".kube"),
            "config",
            &config("c", "https://h:1", "home", "home"),
        );
        let loaded = load_from(None, None, Some(dir.path()), "prod").unwrap();
        assert_eq!(loaded.current.as_deref(), Some("home"));
        let err = load_from(None, None, Some(&dir.path().join("nowhere")), "prod").unwrap_err();
        assert!(err.to_string().contains("--kubeconfig"), "{err}");
    }

    #[test]
    fn broken_file_gives_an_error_naming_it_without_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let good = write(dir.path(), "good", &config("c", "https://a:1", "x", "x"));
        let bad = write(
            dir.path(),
            "broken.yaml",
            "users:\n- name: admin\n  user:\n    token: \"s3cr3t-token\n  contexts: [\n",
        );
        let env = std::env::join_paths([&good, &bad]).unwrap();
        let err = load_from(None, Some(env), None, "prod").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("broken.yaml"), "{text}");
        assert!(text.contains("fix the file"), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }

    #[tokio::test]
    async fn unknown_context_lists_the_known_ones_and_debug_hides_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a", &config("c", "https://a:1", "one", "one"));
        let loaded = load_from(Some(&a), None, None, "prod").unwrap();
        let Err(err) = loaded.client("two").await else {
            panic!("an unknown context must not give a client");
        };
        assert!(err.to_string().contains("one"), "{err}");
        assert!(!format!("{loaded:?}").contains("s3cr3t"));
    }
}
