//! `PortForward`: a local TCP listener whose every connection is carried to a pod by kube-rs's
//! port-forward (no kubectl child). The pod is chosen afresh per connection, so when the pod
//! behind a service or deployment is replaced, the next connection reaches the replacement.
//!
//! States: `Listening` (connections go through) ⇄ `Waiting(why)` (listening, but no pod to send
//! connections to: they are closed at once) → `Failed(why)` (listener closed: port in use,
//! forbidden, single pod gone). Dropping the `PortForward` stops it and closes the listener.

pub mod resolve;
pub mod spec;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::ListParams;
use kube::runtime::watcher;
use kube::{Api, Client};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

pub use spec::{ForwardSpec, Target};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Listening,
    /// Still listening, but new connections cannot be carried (no ready pod): the sentence says why.
    Waiting(String),
    /// The listener is closed: the sentence says why.
    Failed(String),
}

/// What the forwards view shows about one forward at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub phase: Phase,
    /// Connections open now.
    pub open: u64,
    /// Connections accepted since the start.
    pub total: u64,
    /// Bytes from the pod to local clients.
    pub bytes_in: u64,
    /// Bytes from local clients to the pod.
    pub bytes_out: u64,
    /// The pod the last connection went to.
    pub pod: Option<String>,
    /// The last per-connection error, kept after the forward recovers.
    pub last_error: Option<String>,
}

struct Shared {
    open: AtomicU64,
    total: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    status: Mutex<(Phase, Option<String>, Option<String>)>,
    /// Wakes the accept loop to close the listener after a fatal error.
    fatal: Notify,
}

impl Shared {
    fn set_phase(&self, phase: Phase) {
        if let Ok(mut s) = self.status.lock()
            && !matches!(s.0, Phase::Failed(_))
        {
            s.0 = phase;
        }
    }

    fn waiting(&self) -> bool {
        self.status
            .lock()
            .is_ok_and(|s| matches!(s.0, Phase::Waiting(_)))
    }

    fn fail(&self, why: String) {
        self.set_phase(Phase::Failed(why));
        self.fatal.notify_one();
    }

    fn connected_to(&self, pod: &str) {
        if let Ok(mut s) = self.status.lock() {
            s.1 = Some(pod.to_string());
            if !matches!(s.0, Phase::Failed(_)) {
                s.0 = Phase::Listening;
            }
        }
    }

    fn error(&self, why: String) {
        if let Ok(mut s) = self.status.lock() {
            s.2 = Some(why);
        }
    }
}

/// How often a waiting forward looks for a ready pod again.
const RECHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// A running forward. Dropping it stops the listener and every connection.
pub struct PortForward {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
    local: SocketAddr,
}

impl Drop for PortForward {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Why a connection cannot reach a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Unreachable {
    /// Worth retrying with the next connection (no ready pod yet, a transient API error).
    Transient(String),
    /// The forward cannot work any more (forbidden, its single pod deleted).
    Fatal(String),
}

impl PortForward {
    /// Binds the listener first, so a port in use is reported at once and nothing is left
    /// listening; then checks once that the target can be reached (RBAC, a ready pod).
    pub async fn start(client: Client, spec: ForwardSpec) -> Result<PortForward, String> {
        let addr = SocketAddr::new(spec.address, spec.local_port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| bind_error(&spec, &e))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let shared = Arc::new(Shared {
            open: AtomicU64::new(0),
            total: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            status: Mutex::new((Phase::Listening, None, None)),
            fatal: Notify::new(),
        });
        match probe(&client, &spec).await {
            Ok(pod) => shared.connected_to(&pod),
            Err(Unreachable::Fatal(why)) => return Err(why),
            Err(Unreachable::Transient(why)) => shared.set_phase(Phase::Waiting(why)),
        }
        let task = tokio::spawn(serve(listener, client, spec, shared.clone()));
        Ok(PortForward {
            shared,
            task,
            local,
        })
    }

    /// The address actually bound (the port is the one asked for unless it was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    pub fn snapshot(&self) -> Snapshot {
        let (phase, pod, last_error) = self.shared.status.lock().map(|s| s.clone()).unwrap_or((
            Phase::Failed("internal state lost".into()),
            None,
            None,
        ));
        Snapshot {
            phase,
            open: self.shared.open.load(Ordering::Relaxed),
            total: self.shared.total.load(Ordering::Relaxed),
            bytes_in: self.shared.bytes_in.load(Ordering::Relaxed),
            bytes_out: self.shared.bytes_out.load(Ordering::Relaxed),
            pod,
            last_error,
        }
    }
}

/// "port 8080 on 127.0.0.1 is already in use", not "Address in use (os error 98)".
fn bind_error(spec: &ForwardSpec, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "local port {} on {} is already in use: pick another local port or stop what listens there",
            spec.local_port, spec.address
        ),
        std::io::ErrorKind::AddrNotAvailable => format!(
            "address {} is not an address of this machine: cannot listen on it",
            spec.address
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "not allowed to listen on port {} of {} (ports below 1024 need privileges)",
            spec.local_port, spec.address
        ),
        _ => format!("cannot listen on {}: {e}", spec.local()),
    }
}

async fn serve(listener: TcpListener, client: Client, spec: ForwardSpec, shared: Arc<Shared>) {
    let watch_pod = match &spec.target {
        Target::Pod(name) => Some(tokio::spawn(watch_single_pod(
            client.clone(),
            spec.clone(),
            name.clone(),
            shared.clone(),
        ))),
        _ => None,
    };
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((conn, _)) => {
                    shared.total.fetch_add(1, Ordering::Relaxed);
                    shared.open.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(carry(conn, client.clone(), spec.clone(), shared.clone()));
                }
                Err(e) => shared.error(format!("accepting a connection failed: {e}")),
            },
            _ = shared.fatal.notified() => break,
            // While no pod can take connections, look again now and then so the state is true
            // before the operator tries (nothing is polled while the forward works).
            _ = tokio::time::sleep(RECHECK), if shared.waiting() => {
                match choose(&client, &spec).await {
                    Ok((pod, _)) => shared.connected_to(&pod),
                    Err(Unreachable::Fatal(why)) => shared.fail(why),
                    Err(Unreachable::Transient(why)) => shared.set_phase(Phase::Waiting(why)),
                }
            }
        }
    }
    if let Some(w) = watch_pod {
        w.abort();
    }
}

/// A forward to one pod ends when that pod goes: say so at once rather than at the next connection.
async fn watch_single_pod(client: Client, spec: ForwardSpec, name: String, shared: Arc<Shared>) {
    let api: Api<Pod> = Api::namespaced(client, &spec.namespace);
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let mut events = std::pin::pin!(watcher(api, config));
    let mut seen = false;
    while let Some(ev) = events.next().await {
        let gone = match ev {
            Ok(watcher::Event::Init) => {
                seen = false;
                false
            }
            Ok(watcher::Event::InitApply(p) | watcher::Event::Apply(p)) => {
                seen = true;
                p.metadata.deletion_timestamp.is_some()
            }
            Ok(watcher::Event::InitDone) => !seen,
            Ok(watcher::Event::Delete(_)) => true,
            Err(_) => false,
        };
        if gone {
            shared.fail(pod_gone(&spec, &name));
            return;
        }
    }
}

fn pod_gone(spec: &ForwardSpec, name: &str) -> String {
    format!(
        "pod {}/{name} is gone (deleted or terminating): forward to its deployment or service to follow replacements",
        spec.namespace
    )
}

/// One local connection: pick the pod now, open a port-forward stream, copy both ways counting bytes.
async fn carry(mut conn: TcpStream, client: Client, spec: ForwardSpec, shared: Arc<Shared>) {
    let result = async {
        let (pod, port) = choose(&client, &spec).await?;
        let pods: Api<Pod> = Api::namespaced(client.clone(), &spec.namespace);
        let mut pf = pods
            .portforward(&pod, &[port])
            .await
            .map_err(|e| classify(&spec, Request::PortForward(&pod), e))?;
        shared.connected_to(&pod);
        let stream = pf
            .take_stream(port)
            .ok_or_else(|| Unreachable::Transient("port-forward stream missing".into()))?;
        let errors = pf.take_error(port);
        let (local_r, local_w) = conn.split();
        let (remote_r, remote_w) = tokio::io::split(stream);
        // Either side closing ends the connection, as kubectl port-forward does.
        tokio::select! {
            _ = pump(local_r, remote_w, &shared.bytes_out) => {}
            _ = pump(remote_r, local_w, &shared.bytes_in) => {}
        }
        pf.abort();
        if let Some(errors) = errors
            && let Ok(Some(e)) =
                tokio::time::timeout(std::time::Duration::from_millis(50), errors).await
        {
            shared.error(format!("pod {pod}: {e}"));
        }
        Ok::<(), Unreachable>(())
    }
    .await;
    match result {
        Ok(()) => {}
        Err(Unreachable::Transient(why)) => {
            shared.set_phase(Phase::Waiting(why.clone()));
            shared.error(why);
        }
        Err(Unreachable::Fatal(why)) => shared.fail(why),
    }
    let _ = conn.shutdown().await;
    shared.open.fetch_sub(1, Ordering::Relaxed);
}

async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    counter: &AtomicU64,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
                counter.fetch_add(n as u64, Ordering::Relaxed);
            }
        }
    }
    let _ = to.shutdown().await;
}

/// The check at start: the target resolves and this user may open a port-forward to it.
async fn probe(client: &Client, spec: &ForwardSpec) -> Result<String, Unreachable> {
    let (pod, port) = choose(client, spec).await?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), &spec.namespace);
    let pf = pods
        .portforward(&pod, &[port])
        .await
        .map_err(|e| classify(spec, Request::PortForward(&pod), e))?;
    pf.abort();
    Ok(pod)
}

/// The pod and container port a new connection goes to, resolved now.
async fn choose(client: &Client, spec: &ForwardSpec) -> Result<(String, u16), Unreachable> {
    let ns = &spec.namespace;
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let what = spec.target.to_string();
    match &spec.target {
        Target::Pod(name) => {
            let pod = pods
                .get_opt(name)
                .await
                .map_err(|e| classify(spec, Request::Get(&what), e))?;
            let pod = pod.ok_or_else(|| Unreachable::Fatal(pod_gone(spec, name)))?;
            if pod.metadata.deletion_timestamp.is_some() {
                return Err(Unreachable::Fatal(pod_gone(spec, name)));
            }
            if !resolve::is_ready(&pod) {
                return Err(Unreachable::Transient(format!(
                    "pod {ns}/{name} is not ready yet"
                )));
            }
            Ok((name.clone(), spec.remote_port))
        }
        Target::Deployment(name) => {
            let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
            let d = api
                .get_opt(name)
                .await
                .map_err(|e| classify(spec, Request::Get(&what), e))?
                .ok_or_else(|| {
                    Unreachable::Transient(format!("deployment {ns}/{name} not found"))
                })?;
            let labels = d
                .spec
                .and_then(|s| s.selector.match_labels)
                .unwrap_or_default();
            let pod = ready_pod(&pods, spec, &what, &labels).await?;
            let name = pod.metadata.name.unwrap_or_default();
            Ok((name, spec.remote_port))
        }
        Target::Service(name) => {
            let api: Api<Service> = Api::namespaced(client.clone(), ns);
            let svc = api
                .get_opt(name)
                .await
                .map_err(|e| classify(spec, Request::Get(&what), e))?
                .ok_or_else(|| Unreachable::Transient(format!("service {ns}/{name} not found")))?;
            let target =
                resolve::service_target_port(&svc, spec.remote_port).map_err(Unreachable::Fatal)?;
            let labels = svc.spec.and_then(|s| s.selector).unwrap_or_default();
            let pod = ready_pod(&pods, spec, &what, &labels).await?;
            let port = resolve::container_port(&pod, &target).map_err(Unreachable::Transient)?;
            Ok((pod.metadata.name.unwrap_or_default(), port))
        }
    }
}

async fn ready_pod(
    pods: &Api<Pod>,
    spec: &ForwardSpec,
    what: &str,
    labels: &std::collections::BTreeMap<String, String>,
) -> Result<Pod, Unreachable> {
    if labels.is_empty() {
        return Err(Unreachable::Fatal(format!(
            "{what} has no selector: there is no pod to forward to"
        )));
    }
    let list = pods
        .list(&ListParams::default().labels(&resolve::selector(labels)))
        .await
        .map_err(|e| classify(spec, Request::ListPods, e))?;
    resolve::pick_ready(&list.items).cloned().ok_or_else(|| {
        Unreachable::Transient(format!(
            "no ready pod behind {what} in {}: waiting for one",
            spec.namespace
        ))
    })
}

/// The request that failed, for the sentence.
#[derive(Clone, Copy)]
enum Request<'a> {
    Get(&'a str),
    ListPods,
    PortForward(&'a str),
}

/// API errors as sentences; RBAC refusals end the forward.
fn classify(spec: &ForwardSpec, req: Request<'_>, e: kube::Error) -> Unreachable {
    let ns = &spec.namespace;
    let code = match &e {
        kube::Error::Api(s) => Some(s.code),
        kube::Error::UpgradeConnection(kube::client::UpgradeConnectionError::ProtocolSwitch(c)) => {
            Some(c.as_u16())
        }
        _ => None,
    };
    let verb = match req {
        Request::Get(what) => format!("get {what}"),
        Request::ListPods => "list pods".into(),
        Request::PortForward(_) => "create pods/portforward".into(),
    };
    match (code, req) {
        (Some(403), _) => Unreachable::Fatal(format!(
            "forbidden: the user of context {} may not {verb} in namespace {ns} (RBAC)",
            spec.context
        )),
        (Some(404), Request::PortForward(pod)) => match &spec.target {
            Target::Pod(name) => Unreachable::Fatal(pod_gone(spec, name)),
            _ => Unreachable::Transient(format!("pod {pod} disappeared before the connection")),
        },
        (Some(code), Request::PortForward(pod)) => Unreachable::Transient(format!(
            "the API refused the port-forward to pod {pod} (HTTP {code}): {e}"
        )),
        _ => Unreachable::Transient(format!("cannot {verb} in {ns}: {e}")),
    }
}
