//! The pods/exec subresource: commands run by a small built-in shell per simulated container.
//! No host process is ever started.
//!
//! # On the wire (observed with `kubectl -v=9` against the simulator)
//!
//! * kubectl 1.30–1.33 first sends `GET .../pods/P/exec?command=…&container=C&stdin=true&
//!   stdout=true&stderr=true[&tty=true]` as a WebSocket upgrade offering only
//!   `Sec-WebSocket-Protocol: v5.channel.k8s.io`. Any non-101 answer makes it fall back to SPDY
//!   (`RemoteCommand fallback: unable to upgrade streaming request: …`), so an error is sent
//!   twice and printed from the second answer.
//! * The SPDY fallback, and kubectl 1.27–1.29 (SPDY only), send `POST` with `Upgrade: SPDY/3.1`
//!   and one `X-Stream-Protocol-Version` header per version (`v5`…`channel.k8s.io`; 1.27 starts
//!   at v4). The simulator answers `v4.channel.k8s.io`: streams `error`, `stdin`, `stdout`,
//!   `stderr` (not with a TTY) and `resize` (TTY only), created by the client in that order.
//! * kube-rs (`Api::exec`, feature `ws`) offers `v4` and `v5` over WebSocket; its query starts
//!   with `?&` and has no `container` when none is given.
//! * WebSocket framing: channel byte + payload; 0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize
//!   (`{"Width":W,"Height":H}`), and in v5 `[255, 0]` for stdin's EOF. The server opens with an
//!   empty message on its lowest output channel, ends with the status on channel 3, then closes.
//! * The status is the runtime's `metav1.Status`: `{"metadata":{},"status":"Success"}`, or
//!   `Failure` with reason `NonZeroExitCode` and `details.causes[0] = {"reason":"ExitCode",
//!   "message":"N"}`; kubectl then prints `command terminated with exit code N` and exits N.
//! * Errors before the upgrade come as the real servers word them: a missing pod 404 from the
//!   apiserver; `container X is not valid for pod Y` and `a container name must be specified …`
//!   400 from the apiserver; a container that is not running 500 with the kubelet's plain-text
//!   `container not found ("X")`, which kubectl shows as `unable to upgrade connection: …`;
//!   RBAC's 403 for `create` on `pods/exec`.
//!
//! Files: `protocol` (negotiation, status, options), `websocket` and `spdy` (transports),
//! `shell` (the interpreter), `parse` (its language), `line` (TTY line editing), `builtins`
//! and `fetch` (the programs), `container` (env, files), `network`, `dns`, `netpol`.

pub mod builtins;
pub mod container;
pub mod dns;
pub mod fetch;
pub mod line;
pub mod netpol;
pub mod network;
pub mod parse;
pub mod protocol;
pub mod shell;
pub mod spdy;
pub mod websocket;

use std::sync::Arc;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::cluster::{Cluster, rt};
use super::error::ApiError;
use super::http::{self as h, Body};
use super::route::Target;
use protocol::{ExecOptions, Transport};
use shell::{Input, Shell, Stream};

/// A started command: where to send client input, where its output comes from, its exit code.
pub struct Running {
    pub input: mpsc::UnboundedSender<Input>,
    pub output: mpsc::Receiver<(Stream, Vec<u8>)>,
    pub shell: JoinHandle<i32>,
}

fn start(cluster: Arc<Cluster>, c: container::Container, opts: &ExecOptions) -> Running {
    let (input, input_rx) = mpsc::unbounded_channel();
    let (output_tx, output) = mpsc::channel(64);
    let shell = Shell::new(cluster, c, opts.tty, opts.stdin, input_rx, output_tx);
    let shell = tokio::spawn(shell.run(opts.command.clone()));
    Running {
        input,
        output,
        shell,
    }
}

fn container_names(pod: &Value, key: &str) -> Vec<String> {
    pod["spec"][key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

/// The container to run in, or the apiserver's 400 for a missing or unknown name.
pub fn choose_container(pod: &Value, wanted: Option<&str>) -> Result<String, ApiError> {
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let containers = container_names(pod, "containers");
    let init = container_names(pod, "initContainers");
    match wanted {
        Some(c) => {
            let ephemeral = container_names(pod, "ephemeralContainers");
            if containers
                .iter()
                .chain(&init)
                .chain(&ephemeral)
                .any(|n| n == c)
            {
                Ok(c.to_string())
            } else {
                Err(ApiError::bad_request(format!(
                    "container {c} is not valid for pod {name}"
                )))
            }
        }
        None if containers.len() == 1 => Ok(containers[0].clone()),
        None if containers.is_empty() => Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {name}"
        ))),
        None => {
            let mut msg = format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            );
            if !init.is_empty() {
                msg.push_str(&format!(
                    " or one of the init containers: [{}]",
                    init.join(" ")
                ));
            }
            Err(ApiError::bad_request(msg))
        }
    }
}

fn is_running(pod: &Value, container: &str) -> bool {
    [
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
    ]
    .iter()
    .flat_map(|k| pod["status"][*k].as_array().into_iter().flatten())
    .any(|s| s["name"] == container && s["state"]["running"].is_object())
}

pub async fn upgrade(
    cluster: Arc<Cluster>,
    t: &Target,
    mut req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let ns = t.namespace.clone().unwrap_or_default();
    let name = t.name.clone().unwrap_or_default();
    let pod = cluster.store.get(rt("", "pods"), &ns, &name)?.value();
    let opts = ExecOptions::parse(req.uri().query());
    let container = choose_container(&pod, opts.container.as_deref())?;
    if opts.command.is_empty() {
        return Err(ApiError::bad_request("you must specify at least 1 command"));
    }
    if !(opts.stdin || opts.stdout || opts.stderr) {
        return Err(ApiError::bad_request(
            "you must specify at least 1 of stdin, stdout, stderr",
        ));
    }
    if pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty) {
        return Err(ApiError::bad_request(format!(
            "pod {name} does not have a host assigned"
        )));
    }
    if !is_running(&pod, &container) {
        // The kubelet's own answer, proxied as is by the apiserver: plain text, not a Status.
        return Ok(h::text(
            500,
            format!("container not found (\"{container}\")"),
        ));
    }
    let transport =
        protocol::negotiate(req.headers(), req.method()).map_err(ApiError::bad_request)?;
    let Some(switching) = protocol::switching_protocols(transport, req.headers()) else {
        return Err(ApiError::bad_request(
            "unable to upgrade connection: missing Sec-WebSocket-Key",
        ));
    };

    let store = &cluster.store;
    let services: Vec<Value> = store
        .list(rt("", "services"), None, None)
        .0
        .iter()
        .map(|o| o.value())
        .collect();
    let dns_ip = network::Network {
        services: services.clone(),
        ..Default::default()
    }
    .dns_ip();
    let lookup = |plural: &str, ns: &str, name: &str| {
        store.try_get(rt("", plural), ns, name).map(|o| o.value())
    };
    let c = container::build(
        &pod,
        &container,
        &services,
        &dns_ip,
        &cluster.root_ca(),
        &lookup,
    );

    let on_upgrade = hyper::upgrade::on(&mut req);
    let cluster2 = cluster.clone();
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let io = TokioIo::new(upgraded);
        match transport {
            Transport::WebSocket { close_signal } => {
                let running = start(cluster2, c, &opts);
                websocket::serve(io, close_signal, opts, running).await;
            }
            Transport::Spdy => {
                let o = opts.clone();
                spdy::serve(io, opts, move || start(cluster2, c, &o)).await;
            }
        }
    });
    let (parts, ()) = switching.into_parts();
    Ok(Response::from_parts(parts, h::empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn container_choice_uses_the_apiservers_words() {
        let pod = json!({"metadata": {"name": "web"}, "spec": {"containers": [{"name": "app"}, {"name": "sidecar"}], "initContainers": [{"name": "init"}]}});
        assert_eq!(choose_container(&pod, Some("app")).unwrap(), "app");
        assert_eq!(
            choose_container(&pod, Some("x")).unwrap_err().message,
            "container x is not valid for pod web"
        );
        assert_eq!(
            choose_container(&pod, None).unwrap_err().message,
            "a container name must be specified for pod web, choose one of: [app sidecar] or one of the init containers: [init]"
        );
        let single =
            json!({"metadata": {"name": "one"}, "spec": {"containers": [{"name": "only"}]}});
        assert_eq!(choose_container(&single, None).unwrap(), "only");
    }
}
