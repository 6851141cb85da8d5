//! Command mode (`:`): parsing what the operator typed, and completion. Pure.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Nodes,
    Deployments,
    Pods,
    /// `:ctx` alone lists; `:ctx NAME` focuses (opening it if needed).
    Context(Option<String>),
    /// `:ns` alone or `:ns all` shows all namespaces.
    Namespace(Option<String>),
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
    /// `:describe KIND/NAME [-n NS]`, `:yaml …`, `:edit …`: an object of any kind, by name.
    Object(crate::app::msg::Fetch, Vec<String>),
    Edit(Vec<String>),
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
    ("describe", &["describe", "desc"]),
    ("yaml", &["yaml"]),
    ("edit", &["edit"]),
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
        Some("ns") => Ok(Command::Namespace(arg.filter(|a| a != "all" && a != "-A"))),
        Some("q") => Ok(Command::Quit),
        Some("help") => Ok(Command::Help),
        Some("logs") => Ok(Command::Logs(rest)),
        Some("forwards") if rest.is_empty() => Ok(Command::Forwards),
        Some("forwards") => Ok(Command::PortForward(rest)),
        Some("drain") => Ok(Command::Drain(rest)),
        Some("describe") => Ok(Command::Object(crate::app::msg::Fetch::Describe, rest)),
        Some("yaml") => Ok(Command::Object(crate::app::msg::Fetch::Yaml, rest)),
        Some("edit") => Ok(Command::Edit(rest)),
        _ => Err(format!(
            "unknown command :{head} (try :pods, :deploy, :nodes, :ctx, :ns, :logs, :pf, :q)"
        )),
    }
}

/// Completes the word being typed: command names first, then the argument of `ctx`/`ns`
/// from `contexts` / `namespaces`. Returns the completed input, or None if nothing fits.
pub fn complete(input: &str, contexts: &[String], namespaces: &[String]) -> Option<String> {
    let trailing_space = input.ends_with(' ');
    let words: Vec<&str> = input.split_whitespace().collect();
    match (words.as_slice(), trailing_space) {
        ([partial], false) => {
            let names: Vec<&str> = WORDS.iter().map(|(c, _)| *c).collect();
            unique_prefix(partial, &names).map(|w| format!("{w} "))
        }
        ([cmd], true) | ([cmd, _], false) => {
            let partial = words.get(1).copied().unwrap_or("");
            let pool: Vec<&str> = match parse(cmd).ok()? {
                Command::Context(_) => contexts.iter().map(String::as_str).collect(),
                Command::Namespace(_) => namespaces.iter().map(String::as_str).collect(),
                _ => return None,
            };
            unique_prefix(partial, &pool).map(|w| format!("{cmd} {w}"))
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
        assert_eq!(parse("ctx stg"), Ok(Command::Context(Some("stg".into()))));
        assert_eq!(parse("ns all"), Ok(Command::Namespace(None)));
        assert_eq!(
            parse("ns kube-system"),
            Ok(Command::Namespace(Some("kube-system".into())))
        );
        assert!(parse("bogus").is_err());
    }

    #[test]
    fn completion_finishes_commands_and_context_names() {
        let ctxs = vec![
            "prod".to_string(),
            "prod-pod-reader".to_string(),
            "stg".to_string(),
        ];
        // `de` is both `deploy` and `describe`.
        assert_eq!(complete("de", &ctxs, &[]), None);
        assert_eq!(complete("dep", &ctxs, &[]), Some("deploy ".into()));
        assert_eq!(complete("desc", &ctxs, &[]), Some("describe ".into()));
        assert_eq!(complete("ctx s", &ctxs, &[]), Some("ctx stg".into()));
        assert_eq!(complete("ctx p", &ctxs, &[]), Some("ctx prod".into()));
        assert_eq!(
            complete("ns kube-s", &[], &["kube-system".into(), "default".into()]),
            Some("ns kube-system".into())
        );
        assert_eq!(complete("zz", &ctxs, &[]), None);
    }
}
