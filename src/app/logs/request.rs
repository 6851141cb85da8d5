//! `:logs` / `kockpit logs` arguments: what to follow, where. Pure.

use crate::cluster::logs::Target;

/// One parsed `:logs` request; one pane opens per context (so prod and stg sit side by side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub pod: Option<String>,
    pub selector: Option<String>,
    pub namespace: Option<String>,
    /// Empty: the focused context.
    pub contexts: Vec<String>,
    pub container: Option<String>,
    pub previous: bool,
}

impl LogRequest {
    pub fn target(&self, default_namespace: &str) -> Target {
        let namespace = self
            .namespace
            .clone()
            .unwrap_or_else(|| default_namespace.to_string());
        match (&self.selector, &self.pod) {
            (Some(selector), _) => Target::Selector {
                namespace,
                selector: selector.clone(),
            },
            (None, Some(name)) => Target::Pod {
                namespace,
                name: name.clone(),
            },
            (None, None) => unreachable!("parse requires a pod or a selector"),
        }
    }
}

const USAGE: &str = "usage: logs [-l SELECTOR | POD] [-n NS] [--context a,b] [-c CONTAINER] [-p]";

pub fn parse(args: &[String]) -> Result<LogRequest, String> {
    let mut r = LogRequest {
        pod: None,
        selector: None,
        namespace: None,
        contexts: Vec::new(),
        container: None,
        previous: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        // `--flag=value` and `--flag value` are both accepted, as kubectl does.
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if a.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("logs: {name} needs a value; {USAGE}"))
        };
        match flag {
            "-l" | "--selector" => r.selector = Some(value("-l")?),
            "-n" | "--namespace" => r.namespace = Some(value("-n")?),
            "-c" | "--container" => r.container = Some(value("-c")?),
            "--context" => r.contexts.extend(
                value("--context")?
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
            ),
            "-p" | "--previous" => r.previous = true,
            f if f.starts_with('-') => return Err(format!("logs: unknown flag {f}; {USAGE}")),
            pod => {
                if r.pod.is_some() {
                    return Err(format!("logs: one pod at a time (or use -l); {USAGE}"));
                }
                r.pod = Some(pod.strip_prefix("pod/").unwrap_or(pod).to_string());
            }
        }
    }
    match (&r.pod, &r.selector) {
        (None, None) => Err(format!("logs: name a pod or a selector; {USAGE}")),
        (Some(_), Some(_)) => Err(format!("logs: a pod or a selector, not both; {USAGE}")),
        _ => Ok(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn selector_namespace_and_contexts_parse() {
        let r = parse(&words("-l app=nginx-ingress -n default --context prod,stg")).unwrap();
        assert_eq!(r.selector.as_deref(), Some("app=nginx-ingress"));
        assert_eq!(r.namespace.as_deref(), Some("default"));
        assert_eq!(r.contexts, ["prod", "stg"]);
        assert_eq!(
            r.target("x"),
            Target::Selector {
                namespace: "default".into(),
                selector: "app=nginx-ingress".into()
            }
        );
    }

    #[test]
    fn a_pod_with_container_and_previous_parses() {
        let r = parse(&words("pod/web-1 -c app -p --namespace=shop")).unwrap();
        assert_eq!(r.pod.as_deref(), Some("web-1"));
        assert_eq!(r.container.as_deref(), Some("app"));
        assert!(r.previous);
        assert_eq!(
            r.target("default"),
            Target::Pod {
                namespace: "shop".into(),
                name: "web-1".into()
            }
        );
    }

    #[test]
    fn mistakes_are_sentences() {
        assert!(parse(&[]).unwrap_err().contains("name a pod"));
        assert!(parse(&words("-l")).unwrap_err().contains("needs a value"));
        assert!(
            parse(&words("--bogus x"))
                .unwrap_err()
                .contains("unknown flag")
        );
        assert!(parse(&words("a b")).unwrap_err().contains("one pod"));
        assert!(parse(&words("a -l x=y")).unwrap_err().contains("not both"));
    }
}
