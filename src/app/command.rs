//! Command mode (`:`): parsing what the operator typed, and completion. Pure.

use super::namespaces::Namespaces;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Nodes,
    Deployments,
    Pods,
    /// `:ctx` alone lists; `:ctx NAME` focuses (opening it if needed).
    Context(Option<String>),
    /// `:ns a,b` shows those namespaces; `:ns all` every one.
    Namespace(Namespaces),
    Quit,
    Help,
    /// `:logs [-l SELECTOR | POD] [-n NS] [--context a,b] [-c CONTAINER]`: the words after `logs`.
    Logs(Vec<String>),
    /// `:forwards` / `:pf`: the port-forwards view.
    Forwards,
    /// `:pf [CONTEXT/]NS/KIND/NAME [LOCAL:]REMOTE`: the port-forward dialog, prefilled.
    PortForward(Vec<String>),
    /// `:drain [NODE...]`: the drain wizard for these nodes, or for every node the filter shows.
    Drain(Vec<String>),
    /// `:kinds` / `:api-resources`: the resource types the context serves.
    Kinds,
    /// `:WORD` naming a resource type (`svc`, `certificates.cert-manager.io`), resolved against
    /// the contexts' discovery; `:ns` alone is the namespaces view.
    Resource(String),
    /// `:events`: the events view of the shown contexts.
    Events,
    /// `:describe KIND/NAME [-n NS]`, `:yaml …`, `:edit …`: an object of any kind, by name.
    Object(crate::app::msg::Fetch, Vec<String>),
    Edit(Vec<String>),
    /// `:exec [POD] [-n NS] [-c C] -- COMMAND…`: the text after `exec`, as typed (quotes matter).
    Exec(String),
}

const WORDS: &[(&str, &[&str])] = &[
    ("nodes", &["no", "node", "nodes"]),
    ("deploy", &["deploy", "deployment", "deployments", "dp"]),
    ("pods", &["po", "pod", "pods"]),
    ("ctx", &["ctx", "context", "contexts"]),
    ("ns", &["ns", "namespace", "namespaces"]),
    ("q", &["q", "quit", "q!"]),
    ("help", &["help", "?"]),
    ("logs", &["logs", "log"]),
    ("forwards", &["forwards", "pf", "portforwards"]),
    ("drain", &["drain"]),
    ("kinds", &["kinds", "api-resources", "resources"]),
    ("events", &["events", "ev", "event"]),
    ("describe", &["describe", "desc"]),
    ("yaml", &["yaml"]),
    ("edit", &["edit"]),
    ("exec", &["exec"]),
];

pub fn parse(input: &str) -> Result<Command, String> {
    let mut words = input.split_whitespace();
    let Some(head) = words.next() else {
        return Err("empty command".into());
    };
    let rest: Vec<String> = words.map(str::to_string).collect();
    let arg = rest.first().cloned();
    let canonical = WORDS
        .iter()
        .find(|(_, aliases)| aliases.contains(&head))
        .map(|(c, _)| *c);
    match canonical {
        Some("nodes") => Ok(Command::Nodes),
        Some("deploy") => Ok(Command::Deployments),
        Some("pods") => Ok(Command::Pods),
        Some("ctx") => Ok(Command::Context(arg)),
        Some("ns") if arg.is_none() => Ok(Command::Resource("namespaces".into())),
        Some("ns") => Ok(Command::Namespace(Namespaces::parse(&rest.join(",")))),
        Some("q") => Ok(Command::Quit),
        Some("help") => Ok(Command::Help),
        Some("logs") => Ok(Command::Logs(rest)),
        Some("forwards") if rest.is_empty() => Ok(Command::Forwards),
        Some("forwards") => Ok(Command::PortForward(rest)),
        Some("drain") => Ok(Command::Drain(rest)),
        Some("kinds") => Ok(Command::Kinds),
        Some("events") => Ok(Command::Events),
        Some("exec") => Ok(Command::Exec(
            input.trim_start()[head.len()..].trim().to_string(),
        )),
        _ if rest.is_empty() && is_type_word(head) => Ok(Command::Resource(head.to_string())),
        Some("describe") => Ok(Command::Object(crate::app::msg::Fetch::Describe, rest)),
        Some("yaml") => Ok(Command::Object(crate::app::msg::Fetch::Yaml, rest)),
        Some("edit") => Ok(Command::Edit(rest)),

        _ => Err(format!(
            "unknown command :{head} (try :pods, :svc, :kinds, :events, :ctx, :ns, :logs, :pf, :q)"
        )),
    }
}

/// Whether `word` could name a resource type: DNS-label characters and dots (`certificates.cert-manager.io`).
fn is_type_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Completes the word being typed: command names and the resource type words of discovery
/// (`kinds`) first, then the argument of `ctx`/`ns` from `contexts` / `namespaces`. Returns the
/// completed input, or None if nothing fits.
pub fn complete(
    input: &str,
    contexts: &[String],
    namespaces: &[String],
    kinds: &[String],
) -> Option<String> {
    let trailing_space = input.ends_with(' ');
    let words: Vec<&str> = input.split_whitespace().collect();
    match (words.as_slice(), trailing_space) {
        ([partial], false) => {
            let mut names: Vec<&str> = WORDS.iter().map(|(c, _)| *c).collect();
            names.extend(kinds.iter().map(String::as_str));
            names.sort_unstable();
            names.dedup();
            // A finished word gets its space, a common stem does not.
            let done = unique_prefix(partial, &names)?;
            let whole = names.iter().filter(|n| n.starts_with(done)).count() == 1;
            Some(if whole {
                format!("{done} ")
            } else {
                done.to_string()
            })
        }
        ([cmd], true) | ([cmd, _], false) => {
            let partial = words.get(1).copied().unwrap_or("");
            let canonical = WORDS
                .iter()
                .find(|(_, aliases)| aliases.contains(cmd))
                .map(|(c, _)| *c);
            let pool: Vec<&str> = match canonical {
                Some("ctx") => contexts.iter().map(String::as_str).collect(),
                Some("ns") => namespaces.iter().map(String::as_str).collect(),
                _ => return None,
            };
            // `:ns a,po` completes the last of the comma-separated names.
            let (done, partial) = match partial.rfind(',') {
                Some(i) if canonical == Some("ns") => partial.split_at(i + 1),
                _ => ("", partial),
            };
            unique_prefix(partial, &pool).map(|w| format!("{cmd} {done}{w}"))
        }
        _ => None,
    }
}

/// The longest common extension of `partial` among `pool` entries that start with it.
fn unique_prefix<'a>(partial: &str, pool: &[&'a str]) -> Option<&'a str> {
    let matches: Vec<&str> = pool
        .iter()
        .copied()
        .filter(|w| w.starts_with(partial))
        .collect();
    match matches.as_slice() {
        [] => None,
        [one] => Some(one),
        many => {
            let first = many[0];
            let common = (partial.len()..=first.len())
                .rev()
                .find(|&n| {
                    first.is_char_boundary(n) && many.iter().all(|m| m.starts_with(&first[..n]))
                })
                .unwrap_or(partial.len());
            (common > partial.len()).then(|| &first[..common])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_parse_like_k9s() {
        assert_eq!(parse("po"), Ok(Command::Pods));
        assert_eq!(parse("deploy"), Ok(Command::Deployments));
        assert_eq!(parse("ev"), Ok(Command::Events));
        assert_eq!(
            parse("  exec web-1 -- sh -c 'exit 3' "),
            Ok(Command::Exec("web-1 -- sh -c 'exit 3'".into()))
        );
        assert_eq!(parse("exec"), Ok(Command::Exec(String::new())));
        assert_eq!(parse("event"), Ok(Command::Events));
        assert_eq!(parse("events"), Ok(Command::Events));
        assert_eq!(parse("ctx stg"), Ok(Command::Context(Some("stg".into()))));
        assert_eq!(parse("ns all"), Ok(Command::Namespace(Namespaces::all())));
        assert_eq!(
            parse("ns postgres,kubeapps"),
            Ok(Command::Namespace(Namespaces::parse("kubeapps,postgres")))
        );
        assert_eq!(
            parse("ns postgres kubeapps"),
            Ok(Command::Namespace(Namespaces::parse("kubeapps,postgres")))
        );
        assert_eq!(
            parse("ns kube-system"),
            Ok(Command::Namespace(Namespaces::one("kube-system")))
        );
        assert_eq!(parse("bogus"), Ok(Command::Resource("bogus".into())));
        assert!(parse("bo/gus").is_err());
    }

    #[test]
    fn completion_finishes_commands_and_context_names() {
        let ctxs = vec![
            "prod".to_string(),
            "prod-pod-reader".to_string(),
            "stg".to_string(),
        ];
        // `de` is both `deploy` and `describe`.
        assert_eq!(complete("de", &ctxs, &[], &[]), None);
        assert_eq!(complete("dep", &ctxs, &[], &[]), Some("deploy ".into()));
        assert_eq!(complete("desc", &ctxs, &[], &[]), Some("describe ".into()));
        assert_eq!(complete("ctx s", &ctxs, &[], &[]), Some("ctx stg".into()));
        assert_eq!(complete("ctx p", &ctxs, &[], &[]), Some("ctx prod".into()));
        assert_eq!(
            complete(
                "ns kube-s",
                &[],
                &["kube-system".into(), "default".into()],
                &[]
            ),
            Some("ns kube-system".into())
        );
        assert_eq!(
            complete(
                "ns default,kube-s",
                &[],
                &["kube-system".into(), "default".into()],
                &[]
            ),
            Some("ns default,kube-system".into())
        );
        assert_eq!(complete("zz", &ctxs, &[], &[]), None);
    }

    #[test]
    fn resource_words_parse_and_complete_from_discovery() {
        assert_eq!(parse("svc"), Ok(Command::Resource("svc".into())));
        assert_eq!(
            parse("certificates.cert-manager.io"),
            Ok(Command::Resource("certificates.cert-manager.io".into()))
        );
        assert_eq!(parse("ns"), Ok(Command::Resource("namespaces".into())));
        assert_eq!(parse("kinds"), Ok(Command::Kinds));
        assert!(parse("svc extra words").is_err());
        assert!(parse("s/c").is_err());
        let kinds: Vec<String> = [
            "certificates",
            "certificates.cert-manager.io",
            "secrets",
            "services",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            complete("certificates.", &[], &[], &kinds),
            Some("certificates.cert-manager.io ".into())
        );
        assert_eq!(
            complete("cert", &[], &[], &kinds),
            Some("certificates".into())
        );
        assert_eq!(complete("ser", &[], &[], &kinds), Some("services ".into()));
    }
}
