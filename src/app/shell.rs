//! The shell key (`s`): which container of which pod, whether it may run (`--readonly` and
//! read-only contexts offer no exec), a confirmation on production (a key, not the typed name),
//! and the where-line said before the terminal is handed over. Pure.

use crate::cluster::rows::PodRow;

use super::msg::Cmd;
use super::mutation::{Mutation, production, refusal};
use super::state::{Level, Screen, State};
use super::table::{self, RowRef};

/// A shell to open: the pod, and its container when the pod has several (None: its only one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellRequest {
    pub context: String,
    pub namespace: String,
    pub pod: String,
    pub container: Option<String>,
    /// The context is marked production (the where-line says so).
    pub production: bool,
}

impl ShellRequest {
    /// `kubectl --context C -n NS exec -it POD [-c C] -- sh`, for the question and the audit log.
    pub fn kubectl(&self) -> String {
        let sh = crate::recovery::plan::sh;
        let container = self
            .container
            .as_deref()
            .map(|c| format!(" -c {}", sh(c)))
            .unwrap_or_default();
        format!(
            "kubectl --context {} -n {} exec -it {}{container} -- sh",
            sh(&self.context),
            sh(&self.namespace),
            sh(&self.pod)
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
        format!(
            "shell {} {}/{} [{container}]",
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
        context,
        namespace: pod.namespace.clone(),
        pod: pod.name.clone(),
        container,
    };
    if request.production {
        let which = request
            .container
            .as_deref()
            .map(|c| format!(" (container {c})"))
            .unwrap_or_default();
        let title = format!(
            "Open a shell in pod {}/{}{which} on {} — PRODUCTION",
            request.namespace, request.pod, request.context
        );
        let details = vec![
            "an interactive shell in the container: what you type runs there".into(),
            "its start and end are written to the audit log (never what you type)".into(),
        ];
        let name = request.pod.clone();
        super::confirm::ask(
            state,
            title,
            details,
            vec![],
            Mutation::Shell(Box::new(request)),
            &name,
        );
        return vec![];
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
        }
    }

    #[test]
    fn the_kubectl_equivalent_names_the_container_when_chosen() {
        assert_eq!(
            request(false, None).kubectl(),
            "kubectl --context prod -n default exec -it web-1 -- sh"
        );
        assert_eq!(
            request(false, Some("side car")).kubectl(),
            "kubectl --context prod -n default exec -it web-1 -c 'side car' -- sh"
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
}
