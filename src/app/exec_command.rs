//! `:exec [POD] [-n NS] [-c CONTAINER] -- COMMAND…`: one command in a container, its output and
//! exit code in a pane. The pod is looked up in the focused context (no POD: the selected pod,
//! or the container chosen in the containers view). Pure.

use super::msg::Cmd;
use super::mutation::{production, refusal};
use super::shell::{Run, ShellRequest};
use super::state::{Level, Screen, State};
use super::table::{self, RowRef};

pub const USAGE: &str = "usage: :exec [POD] [-n NAMESPACE] [-c CONTAINER] -- COMMAND [ARG…]";

/// What the operator typed after `:exec`, split as a shell would (quotes kept together).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecArgs {
    pub pod: Option<String>,
    pub namespace: Option<String>,
    pub container: Option<String>,
    pub command: Vec<String>,
}

pub fn parse(text: &str) -> Result<ExecArgs, String> {
    let words = shlex::split(text).ok_or_else(|| format!("unbalanced quotes; {USAGE}"))?;
    let split = words
        .iter()
        .position(|w| w == "--")
        .ok_or_else(|| USAGE.to_string())?;
    let (before, command) = (&words[..split], &words[split + 1..]);
    if command.is_empty() {
        return Err(format!("no command after --; {USAGE}"));
    }
    let mut args = ExecArgs {
        command: command.to_vec(),
        ..ExecArgs::default()
    };
    let mut it = before.iter();
    while let Some(w) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value; {USAGE}"))
        };
        match w.as_str() {
            "-n" | "--namespace" => args.namespace = Some(value(w)?),
            "-c" | "--container" => args.container = Some(value(w)?),
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag}; {USAGE}")),
            pod if args.pod.is_none() => {
                // `NS/POD` names both, as the logs and describe commands accept.
                match pod.split_once('/') {
                    Some((ns, name)) if args.namespace.is_none() => {
                        args.namespace = Some(ns.to_string());
                        args.pod = Some(name.to_string());
                    }
                    _ => args.pod = Some(pod.to_string()),
                }
            }
            extra => return Err(format!("unexpected {extra} before --; {USAGE}")),
        }
    }
    Ok(args)
}

/// The pod (context index, namespace, name) the arguments name: without a name the selected
/// pod (in whichever context its row is); by name in the focused context, in the namespace
/// given or shown, else the one namespace that has a pod of that name.
fn find_pod(state: &State, args: &ExecArgs) -> Result<(usize, String, String), String> {
    let Some(name) = args.pod.as_deref() else {
        return match (&state.screen, table::selected(state)) {
            (Screen::Containers, _) => state
                .drill
                .containers
                .as_ref()
                .and_then(|v| Some((state.context_index(&v.context)?, v)))
                .map(|(ci, v)| (ci, v.namespace.clone(), v.pod.clone()))
                .ok_or_else(|| "no pod selected".to_string()),
            (_, Some(RowRef::Pod(ci, p))) => Ok((ci, p.namespace.clone(), p.name.clone())),
            _ => Err(format!("select a pod or name one; {USAGE}")),
        };
    };
    if state.contexts.is_empty() {
        return Err("no live context".to_string());
    }
    let ci = state.focus.min(state.contexts.len() - 1);
    let c = &state.contexts[ci];
    let at = |ns: &str| (ci, ns.to_string(), name.to_string());
    let namespace = args
        .namespace
        .as_deref()
        .or_else(|| state.namespaces.single());
    if let Some(ns) = namespace {
        return if c.pods.contains_key(&(ns.to_string(), name.to_string())) {
            Ok(at(ns))
        } else {
            Err(format!("no pod {ns}/{name} in context {}", c.name()))
        };
    }
    let mut found: Vec<&str> = c
        .pods
        .keys()
        .filter(|(_, n)| n == name)
        .map(|(ns, _)| ns.as_str())
        .collect();
    found.sort_unstable();
    match found.as_slice() {
        [ns] => Ok(at(ns)),
        [] => Err(format!("no pod {name} in context {}", c.name())),
        several => Err(format!(
            "pod {name} is in namespaces {}: add -n NAMESPACE",
            several.join(", ")
        )),
    }
}

/// `:exec …`: the request, asked for on production, refused where exec is.
pub fn from_command(state: &mut State, text: &str) -> Vec<Cmd> {
    let outcome = parse(text).and_then(|args| {
        let (ci, namespace, pod) = find_pod(state, &args)?;
        let context = state.contexts[ci].name().to_string();
        if let Some(why) = refusal(state, "exec", std::iter::once(context.as_str())) {
            return Err(why);
        }
        let container = args.container.clone().or_else(|| {
            // In the containers view the chosen row is the container.
            (state.screen == Screen::Containers && args.pod.is_none())
                .then(|| {
                    let v = state.drill.containers.as_ref()?;
                    let Some(Ok(rows)) = &v.rows else { return None };
                    rows.get(super::containers::selected_index(v))
                        .map(|r| r.name.clone())
                })
                .flatten()
        });
        Ok(ShellRequest {
            production: production(state, &context),
            context,
            namespace,
            pod,
            container,
            run: Run::Once(args.command),
        })
    });
    match outcome {
        Ok(request) => super::shell::ask_or_run(state, request),
        Err(why) => {
            state.notice = Some((Level::Warn, format!(":exec: {why}")));
            state.dirty = true;
            vec![]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(v: &[&str]) -> Vec<String> {
        v.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn the_command_after_the_double_dash_keeps_its_quotes_together() {
        let a = parse("web-1 -c app -- sh -c 'exit 3'").unwrap();
        assert_eq!(a.pod.as_deref(), Some("web-1"));
        assert_eq!(a.container.as_deref(), Some("app"));
        assert_eq!(a.command, words(&["sh", "-c", "exit 3"]));
        let a = parse("-n kubeapps web-1 -- nslookup kubeapps.kubeapps").unwrap();
        assert_eq!(a.namespace.as_deref(), Some("kubeapps"));
        let a = parse("db/pg-0 -- env").unwrap();
        assert_eq!(
            (a.namespace.as_deref(), a.pod.as_deref()),
            (Some("db"), Some("pg-0"))
        );
        assert_eq!(parse("-- hostname").unwrap().pod, None);
    }

    #[test]
    fn bad_arguments_say_how_to_write_the_command() {
        for bad in [
            "web-1 env",
            "web-1 --",
            "web-1 -c -- env",
            "a b -- env",
            "-x -- env",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(USAGE), "{bad}: {e}");
        }
        assert!(
            parse("web-1 -- sh -c 'exit")
                .unwrap_err()
                .contains("quotes")
        );
    }

    fn state_with(pods: &[(&str, &str)]) -> State {
        let info = crate::app::test_support::info;
        let mut state = State::new(
            vec![info("prod"), info("stg")],
            vec![],
            super::super::namespaces::Namespaces::all(),
            false,
            super::super::keys::Keymap::default(),
        );
        for (ns, name) in pods {
            let p: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
                "metadata": {"name": name, "namespace": ns},
                "spec": {"containers": [{"name": "c"}]}
            }))
            .unwrap();
            let row = crate::cluster::rows::PodRow::from_pod(&p);
            state.contexts[0]
                .pods
                .insert((ns.to_string(), name.to_string()), row);
        }
        state
    }

    #[test]
    fn a_named_pod_is_found_in_its_one_namespace_or_asks_for_one() {
        let state = state_with(&[("a", "web"), ("b", "web"), ("a", "db")]);
        let args = |t: &str| parse(t).unwrap();
        assert_eq!(
            find_pod(&state, &args("db -- env")),
            Ok((0, "a".into(), "db".into()))
        );
        assert_eq!(
            find_pod(&state, &args("-n b web -- env")),
            Ok((0, "b".into(), "web".into()))
        );
        let e = find_pod(&state, &args("web -- env")).unwrap_err();
        assert_eq!(e, "pod web is in namespaces a, b: add -n NAMESPACE");
        let e = find_pod(&state, &args("b/db -- env")).unwrap_err();
        assert_eq!(e, "no pod b/db in context prod");
    }

    #[test]
    fn production_asks_with_a_key_and_elsewhere_the_pane_opens_at_once() {
        let mut state = state_with(&[("a", "db")]);
        let cmds = from_command(&mut state, "a/db -- env");
        assert!(cmds.is_empty());
        let c = state.confirm.as_ref().expect("asked on production");
        assert!(c.expect.is_none(), "a key, not the typed name");
        assert!(c.title.starts_with("Run a command in pod a/db on prod"));
        let mut state = state_with(&[("a", "db")]);
        state.contexts[0].info.production = false;
        let cmds = from_command(&mut state, "a/db -- env");
        assert!(matches!(&cmds[..], [Cmd::Shell(r)] if r.run == Run::Once(vec!["env".into()])));
        assert_eq!(
            state
                .overlay
                .as_ref()
                .map(|o| (o.title.as_str(), o.waiting)),
            Some(("exec prod a/db — env", "running…"))
        );
        state.readonly = true;
        assert!(from_command(&mut state, "a/db -- env").is_empty());
        assert!(
            state
                .notice
                .as_ref()
                .unwrap()
                .1
                .contains("read-only: exec is disabled")
        );
    }
}
