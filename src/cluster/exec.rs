//! Commands in a container through the API's `pods/exec` (kube-rs: WebSocket, the
//! `v5`/`v4.channel.k8s.io` protocols): opening one, and reading how it ended from the status
//! the kubelet sends on the error channel.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::Api;
use kube::api::{AttachParams, AttachedProcess};

/// How a command in a container ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    /// The API or kubelet refused or failed it: a sentence to show.
    Failed(String),
    /// The stream closed without a status (the pod went away, the connection dropped).
    Lost,
}

impl Exit {
    /// The command's program does not exist in the image: try the next shell.
    pub fn not_found(&self) -> bool {
        match self {
            Exit::Code(c) => *c == 127 || *c == 126,
            Exit::Failed(m) => {
                let m = m.to_ascii_lowercase();
                m.contains("executable file not found") || m.contains("no such file or directory")
            }
            Exit::Lost => false,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Exit::Code(c) => format!("exit code {c}"),
            Exit::Failed(m) => m.clone(),
            Exit::Lost => "the connection closed without an exit status".into(),
        }
    }
}

/// The kubelet's status: `Success`, or `NonZeroExitCode` with the code as its `ExitCode`
/// cause, or another failure with its message.
pub fn exit_of(status: Option<Status>) -> Exit {
    let Some(s) = status else {
        return Exit::Lost;
    };
    if s.status.as_deref() == Some("Success") {
        return Exit::Code(0);
    }
    if s.reason.as_deref() == Some("NonZeroExitCode") {
        let code = s
            .details
            .as_ref()
            .and_then(|d| d.causes.as_ref())
            .into_iter()
            .flatten()
            .find(|c| c.reason.as_deref() == Some("ExitCode"))
            .and_then(|c| c.message.as_deref()?.parse().ok());
        if let Some(code) = code {
            return Exit::Code(code);
        }
    }
    Exit::Failed(
        s.message
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "the command failed".into()),
    )
}

/// Where a command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecTarget {
    pub namespace: String,
    pub pod: String,
    pub container: String,
}

/// Starts `command` in the container; `tty` for an interactive shell (stderr then comes on
/// stdout, as a terminal shows it). An API refusal (403, 404, a container not running) is the
/// server's sentence.
pub async fn open(
    client: &kube::Client,
    target: &ExecTarget,
    command: &[String],
    tty: bool,
) -> Result<AttachedProcess, String> {
    let api: Api<Pod> = Api::namespaced(client.clone(), &target.namespace);
    let params = AttachParams {
        container: Some(target.container.clone()),
        stdin: tty,
        stdout: true,
        stderr: !tty,
        tty,
        ..AttachParams::default()
    };
    api.exec(&target.pod, command.to_vec(), &params)
        .await
        .map_err(|e| sentence(&e, target))
}

fn sentence(e: &kube::Error, target: &ExecTarget) -> String {
    match e {
        // The apiserver's sentence names the user, the verb and the namespace already.
        kube::Error::Api(s) if s.code == 403 => s.message.clone(),
        kube::Error::Api(s) if s.code == 404 => {
            format!("pod {}/{} not found", target.namespace, target.pod)
        }
        kube::Error::Api(s) => s.message.clone(),
        other => format!("exec in {}/{}: {other}", target.namespace, target.pod),
    }
}

/// Runs `command` without a terminal; returns its output (stdout then stderr, each capped at
/// `cap` bytes) and how it ended.
pub async fn run_once(
    client: &kube::Client,
    target: &ExecTarget,
    command: &[String],
    cap: usize,
) -> Result<(String, Exit), String> {
    use tokio::io::AsyncReadExt;
    let mut p = open(client, target, command, false).await?;
    let status = p.take_status();
    let read = |r: Option<tokio::io::ReadHalf<tokio::io::SimplexStream>>| async move {
        let mut buf = Vec::new();
        if let Some(r) = r {
            let _ = r.take(cap as u64).read_to_end(&mut buf).await;
        }
        buf
    };
    let (out, err) = tokio::join!(read(p.stdout()), read(p.stderr()));
    let exit = match status {
        Some(s) => exit_of(s.await),
        None => Exit::Lost,
    };
    let mut text = String::from_utf8_lossy(&out).into_owned();
    text.push_str(&String::from_utf8_lossy(&err));
    Ok((text, exit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(v: serde_json::Value) -> Option<Status> {
        Some(serde_json::from_value(v).unwrap())
    }

    #[test]
    fn success_is_zero_and_a_non_zero_exit_carries_its_code() {
        assert_eq!(exit_of(status(json!({"status": "Success"}))), Exit::Code(0));
        let three = status(json!({"status": "Failure", "reason": "NonZeroExitCode",
            "message": "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
            "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}));
        assert_eq!(exit_of(three), Exit::Code(3));
    }

    #[test]
    fn other_failures_keep_the_servers_sentence_and_no_status_is_lost() {
        let e = exit_of(status(
            json!({"status": "Failure", "reason": "InternalError",
            "message": "OCI runtime exec failed: exec: \"bash\": executable file not found in $PATH"}),
        ));
        assert!(e.not_found(), "{e:?}");
        assert!(e.describe().contains("bash"));
        assert_eq!(exit_of(None), Exit::Lost);
        assert!(!Exit::Lost.not_found());
        assert!(Exit::Code(127).not_found());
        assert!(!Exit::Code(1).not_found());
    }
}
