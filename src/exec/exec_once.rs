//! One command in a container (`:exec … -- CMD`), without a terminal: the pod fetched fresh,
//! the container chosen as for a shell, the output and exit code sent to the pane, one audit
//! record with the command and how it ended.

use k8s_openapi::api::core::v1::Pod;
use kube::Api;

use crate::app::msg::Msg;
use crate::app::shell::{Run, ShellRequest};
use crate::cluster::exec::{ExecTarget, Exit, run_once};
use crate::recovery::audit::{self, AuditEntry};

/// Output kept per stream: a pane, not a log archive.
const OUTPUT_CAP: usize = 1 << 20;

/// The pane's text: what the command printed, then a rule with how it ended.
pub fn pane_text(output: &str, end: &str) -> String {
    let mut text = output.to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if text.is_empty() {
        text.push_str("(no output)\n");
    }
    text.push_str(&format!("── {end}"));
    text
}

pub fn start(exec: &mut super::Executors, request: ShellRequest) {
    let title = request.pane_title();
    let results = exec.results.clone();
    let Run::Once(command) = request.run.clone() else {
        return;
    };
    let Some(client) = exec.clients.get(&request.context).cloned() else {
        let _ = results.send(Msg::Fetched {
            title,
            result: Err(format!("context {} is not live", request.context)),
        });
        return;
    };
    let user = exec.user(&request.context);
    let audit_path = exec.audit_path.clone();
    tokio::spawn(async move {
        let shown = format!("{}/{}", request.namespace, request.pod);
        let api: Api<Pod> = Api::namespaced(client.clone(), &request.namespace);
        let ran = async {
            let pod = api
                .get_opt(&request.pod)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("pod {shown} not found"))?;
            let container = super::shell::pick_container(&pod, request.container.as_deref())?;
            let target = ExecTarget {
                namespace: request.namespace.clone(),
                pod: request.pod.clone(),
                container: container.clone(),
            };
            let (output, exit) = run_once(&client, &target, &command, OUTPUT_CAP).await?;
            Ok::<_, String>((container, output, exit))
        }
        .await;
        let (object, text, how) = match ran {
            Ok((container, output, exit)) => {
                let how = match &exit {
                    Exit::Code(_) | Exit::Lost => exit.describe(),
                    Exit::Failed(m) => format!("the command could not run: {m}"),
                };
                (
                    format!("pod/{shown} container {container}"),
                    pane_text(&output, &how),
                    how,
                )
            }
            Err(why) => (
                format!("pod/{shown}"),
                format!("The command did not run:\n{why}"),
                why,
            ),
        };
        let entry = AuditEntry::event(
            &request.context,
            &user,
            "exec",
            vec![object],
            &how,
            &request.kubectl(),
        );
        let text = match audit_path.as_ref() {
            Some(path) => match audit::append(path, &entry) {
                Ok(()) => text,
                Err(e) => format!("{text}\n(audit log {} not written: {e})", path.display()),
            },
            None => text,
        };
        let _ = results.send(Msg::Fetched {
            title,
            result: Ok(text),
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pane_ends_with_how_the_command_ended() {
        assert_eq!(pane_text("a\nb", "exit code 3"), "a\nb\n── exit code 3");
        assert_eq!(pane_text("a\n", "exit code 0"), "a\n── exit code 0");
        assert_eq!(pane_text("", "exit code 0"), "(no output)\n── exit code 0");
    }
}
