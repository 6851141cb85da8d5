//! The shell key (`s`): which container of which pod, whether it may run (`--readonly` and
//! read-only contexts offer no exec), a confirmation on production (a key, not the typed name),
//! and the where-line said before the terminal is handed over; which shells to try, from the
//! config file's rules. Pure.

use serde::Deserialize;

use crate::cluster::rows::PodRow;

use super::msg::Cmd;
use super::mutation::{Mutation, production, refusal};
use super::state::{Level, Screen, State};
use super::table::{self, RowRef};

/// The shells tried when the config file says nothing: what most images have.
pub const DEFAULT_SHELLS: &[&str] = &["bash", "sh"];

/// `shells:` entry of the config file: the commands tried, in order, for a shell in a context
/// and/or namespace (`{context: prod, namespace: legacy, commands: ["ash", "sh"]}`). Each
/// command is split on whitespace (`bash -l`). The most specific matching rule wins.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShellRule {
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    pub commands: Vec<String>,
}

/// The shells to try in `context`/`namespace`: the rule naming both, else the one naming the
/// context, else the one naming the namespace, else one naming neither, else bash then sh.
pub fn shells_for(rules: &[ShellRule], context: &str, namespace: &str) -> Vec<Vec<String>> {
    let fits = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
    let specificity =
        |r: &ShellRule| 2 * usize::from(r.context.is_some()) + usize::from(r.namespace.is_some());
    let chosen = rules
        .iter()
        .filter(|r| fits(&r.context, context) && fits(&r.namespace, namespace))
        .filter(|r| r.commands.iter().any(|c| !c.trim().is_empty()))
        // `max_by_key` keeps the last of equals: reverse so the first written wins.
        .rev()
        .max_by_key(|r| specificity(r));
    let commands: Vec<&str> = match chosen {
        Some(r) => r.commands.iter().map(String::as_str).collect(),
        None => DEFAULT_SHELLS.to_vec(),
    };
    commands
        .into_iter()
        .map(|c| c.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|c| !c.is_empty())
        .collect()
}

/// What runs in the container: an interactive shell with the terminal (the first of these
/// commands the image has), or one command whose output fills a pane (`:exec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    Shell(Vec<Vec<String>>),
    Once(Vec<String>),
}

/// A shell (or one command) to run: the pod, and its container when the pod has several
/// (None: its only or default one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellRequest {
    pub context: String,
    pub namespace: String,
    pub pod: String,
    pub container: Option<String>,
    /// The context is marked production (the where-line says so).
    pub production: bool,
    pub run: Run,
}

impl ShellRequest {
    /// `kubectl --context C -n NS exec -it POD [-c C] -- bash` (the first shell tried), or
    /// `kubectl … exec POD -- CMD…` for one command: for the question and the audit log.
    pub fn kubectl(&self) -> String {
        let sh = crate::recovery::plan::sh;
        let container = self
            .container
            .as_deref()
            .map(|c| format!(" -c {}", sh(c)))
            .unwrap_or_default();
        let (flags, command) = match &self.run {
            Run::Shell(shells) => ("-it ", shells.first().cloned().unwrap_or_default()),
            Run::Once(command) => ("", command.clone()),
        };
        let command: Vec<String> = command.iter().map(|w| sh(w)).collect();
        format!(
            "kubectl --context {} -n {} exec {flags}{}{container} -- {}",
            sh(&self.context),
            sh(&self.namespace),
            sh(&self.pod),
            command.join(" ")
        )
    }

    /// The pane's title for one command: where it runs and what.
    pub fn pane_title(&self) -> String {
        let container = self
            .container
            .as_deref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default();
        let command = match &self.run {
            Run::Once(c) => c.join(" "),
            Run::Shell(_) => "shell".into(),
        };
        format!(
            "exec {} {}/{}{container} — {command}",
            self.context, self.namespace, self.pod
        )
    }

    /// The line printed before the terminal goes to the shell.
    pub fn where_line(&self, container: &str) -> String {
        let banner = if self.production {
            " — PRODUCTION"
        } else {
            ""
        };
        format!(
            "kockpit: shell in {}{banner} · {}/{} · container {container} — exit (or ctrl-d) returns to the cockpit",
            self.context, self.namespace, self.pod
        )
    }

    /// The terminal's title while the shell runs.
    pub fn title(&self, container: &str) -> String {
        let banner = if self.production { " PRODUCTION" } else { "" };
        format!(
            "shell {}{banner} {}/{} [{container}]",
            self.context, self.namespace, self.pod
        )
    }
}

/// Why a pod has no container to exec into, if so.
fn not_running(p: &PodRow) -> Option<String> {
    if p.deletion.is_some() {
        return Some(format!(
            "pod {}/{} is terminating: no shell",
            p.namespace, p.name
        ));
    }
    // A pending pod may have its container running already (its status says): the fresh GET
    // before the shell decides. Finished pods have none.
    matches!(p.phase.as_str(), "Succeeded" | "Failed").then(|| {
        format!(
            "pod {}/{} is {} ({}): no container runs to open a shell in",
            p.namespace, p.name, p.phase, p.status
        )
    })
}

/// The shell key, on a pod row or a container of the containers view.
pub fn on_shell_key(state: &mut State) -> Vec<Cmd> {
    let chosen = match state.screen {
        Screen::Containers => state.drill.containers.as_ref().and_then(|v| {
            let Some(Ok(rows)) = &v.rows else {
                return None;
            };
            let row = rows.get(super::containers::selected_index(v))?;
            let ci = state.context_index(&v.context)?;
            let pod = state.contexts[ci]
                .pods
                .get(&(v.namespace.clone(), v.pod.clone()))?;
            Some((ci, pod.clone(), Some(row.name.clone())))
        }),
        _ => match table::selected(state) {
            Some(RowRef::Pod(ci, p)) => Some((ci, p.clone(), None)),
            _ => None,
        },
    };
    let Some((ci, pod, container)) = chosen else {
        state.notice = Some((Level::Info, "shell: select a pod (or a container)".into()));
        return vec![];
    };
    let context = state.contexts[ci].name().to_string();
    if let Some(why) = refusal(state, "exec", std::iter::once(context.as_str())) {
        state.notice = Some((Level::Warn, why));
        return vec![];
    }
    if let Some(why) = not_running(&pod) {
        state.notice = Some((Level::Info, why));
        return vec![];
    }
    // Several containers: the containers view is the picker.
    if container.is_none() && pod.containers_total > 1 {
        let cmds = super::drill::enter(state);
        state.notice = Some((
            Level::Info,
            format!(
                "pod {}/{} has {} containers: pick one, then s",
                pod.namespace, pod.name, pod.containers_total
            ),
        ));
        return cmds;
    }
    let request = ShellRequest {
        production: production(state, &context),
        namespace: pod.namespace.clone(),
        pod: pod.name.clone(),
        container,
        run: Run::Shell(shells_for(&state.shell_rules, &context, &pod.namespace)),
        context,
    };
    ask_or_run(state, request)
}

/// On production, the question (a key, not the typed name); elsewhere the request runs.
pub fn ask_or_run(state: &mut State, request: ShellRequest) -> Vec<Cmd> {
    if !request.production {
        return run(state, request);
    }
    let which = request
        .container
        .as_deref()
        .map(|c| format!(" (container {c})"))
        .unwrap_or_default();
    let (title, details) = match &request.run {
        Run::Shell(_) => (
            format!(
                "Open a shell in pod {}/{}{which} on {} — PRODUCTION",
                request.namespace, request.pod, request.context
            ),
            vec![
                "an interactive shell in the container: what you type runs there".into(),
                "its start and end are written to the audit log (never what you type)".into(),
            ],
        ),
        Run::Once(command) => (
            format!(
                "Run a command in pod {}/{}{which} on {} — PRODUCTION",
                request.namespace, request.pod, request.context
            ),
            vec![
                format!("runs: {}", command.join(" ")),
                "the command and its exit code are written to the audit log".into(),
            ],
        ),
    };
    let name = request.pod.clone();
    super::confirm::ask(
        state,
        title,
        details,
        vec![],
        Mutation::Shell(Box::new(request)),
        &name,
    );
    vec![]
}

/// The request leaves for its executor; one command gets its pane (filled when it ends).
pub fn run(state: &mut State, request: ShellRequest) -> Vec<Cmd> {
    if let Run::Once(_) = request.run {
        state.overlay = Some(super::state::Overlay {
            title: request.pane_title(),
            text: None,
            scroll: 0,
            waiting: "running…",
            object: None,
        });
        state.dirty = true;
    }
    vec![Cmd::Shell(Box::new(request))]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(production: bool, container: Option<&str>) -> ShellRequest {
        ShellRequest {
            context: "prod".into(),
            namespace: "default".into(),
            pod: "web-1".into(),
            container: container.map(str::to_string),
            production,
            run: Run::Shell(shells_for(&[], "prod", "default")),
        }
    }

    #[test]
    fn the_kubectl_equivalent_names_the_container_when_chosen() {
        assert_eq!(
            request(false, None).kubectl(),
            "kubectl --context prod -n default exec -it web-1 -- bash"
        );
        assert_eq!(
            request(false, Some("side car")).kubectl(),
            "kubectl --context prod -n default exec -it web-1 -c 'side car' -- bash"
        );
    }

    #[test]
    fn the_where_line_says_production_and_where() {
        let line = request(true, None).where_line("nginx");
        assert!(
            line.contains("prod — PRODUCTION · default/web-1 · container nginx"),
            "{line}"
        );
        assert!(!request(false, None).where_line("c").contains("PRODUCTION"));
    }

    #[test]
    fn one_command_is_quoted_as_kubectl_takes_it_and_titles_its_pane() {
        let mut r = request(false, Some("app"));
        r.run = Run::Once(vec!["sh".into(), "-c".into(), "exit 3".into()]);
        assert_eq!(
            r.kubectl(),
            "kubectl --context prod -n default exec web-1 -c app -- sh -c 'exit 3'"
        );
        assert_eq!(
            r.pane_title(),
            "exec prod default/web-1 [app] — sh -c exit 3"
        );
    }

    #[test]
    fn the_terminal_title_carries_the_production_banner() {
        assert_eq!(
            request(true, None).title("nginx"),
            "shell prod PRODUCTION default/web-1 [nginx]"
        );
        assert_eq!(
            request(false, None).title("c"),
            "shell prod default/web-1 [c]"
        );
    }

    fn rule(context: Option<&str>, namespace: Option<&str>, commands: &[&str]) -> ShellRule {
        ShellRule {
            context: context.map(str::to_string),
            namespace: namespace.map(str::to_string),
            commands: commands.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn the_most_specific_shell_rule_wins_and_bash_then_sh_is_the_default() {
        let words = |v: &[&[&str]]| -> Vec<Vec<String>> {
            v.iter()
                .map(|c| c.iter().map(|w| w.to_string()).collect())
                .collect()
        };
        assert_eq!(shells_for(&[], "prod", "x"), words(&[&["bash"], &["sh"]]));
        let rules = [
            rule(None, None, &["zsh", "sh"]),
            rule(None, Some("legacy"), &["ash"]),
            rule(Some("prod"), None, &["bash -l"]),
            rule(Some("prod"), Some("legacy"), &["/busybox/sh"]),
            rule(Some("stg"), None, &["  "]),
        ];
        assert_eq!(
            shells_for(&rules, "dev", "web"),
            words(&[&["zsh"], &["sh"]])
        );
        assert_eq!(shells_for(&rules, "dev", "legacy"), words(&[&["ash"]]));
        assert_eq!(shells_for(&rules, "prod", "web"), words(&[&["bash", "-l"]]));
        assert_eq!(
            shells_for(&rules, "prod", "legacy"),
            words(&[&["/busybox/sh"]])
        );
        // A rule with no command is ignored rather than leaving nothing to try.
        assert_eq!(
            shells_for(&rules, "stg", "web"),
            words(&[&["zsh"], &["sh"]])
        );
        // Of two equally specific rules, the first written wins.
        let twice = [rule(None, None, &["a"]), rule(None, None, &["b"])];
        assert_eq!(shells_for(&twice, "c", "n"), words(&[&["a"]]));
    }
}
