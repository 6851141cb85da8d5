//! The pods/portforward subresource: upgrades the connection and connects each forwarded port
//! to the pod's simulated backend. (Protocol framing lives in `portforward`.)

use std::sync::Arc;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

use super::backend;
use super::cluster::{Cluster, rt};
use super::error::ApiError;
use super::http::{self as h, Body};
use super::portforward::{self, Protocol};
use super::query::Query;
use super::route::Target;

pub async fn upgrade(
    cluster: Arc<Cluster>,
    t: &Target,
    q: &Query,
    mut req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let ns = t.namespace.clone().unwrap_or_default();
    let name = t.name.clone().unwrap_or_default();
    let pod = cluster.store.get(rt("", "pods"), &ns, &name)?.value();
    if pod["status"]["phase"] != "Running" {
        let phase = pod["status"]["phase"].as_str().unwrap_or("Pending");
        return Err(ApiError::bad_request(format!(
            "unable to upgrade connection: pod not running: {phase}"
        )));
    }
    let protocol = portforward::negotiate(req.headers(), req.method());
    // kubectl tries SPDY tunneled in a WebSocket first, and falls back to plain SPDY on a non-101.
    if protocol == Protocol::Unsupported {
        return Err(ApiError::bad_request(
            "unable to upgrade connection: no supported port-forward protocol was offered",
        ));
    }
    let ports = portforward::ports_from_query(req.uri().query()).map_err(ApiError::bad_request)?;
    if protocol == Protocol::WebSocketV4 && ports.is_empty() {
        return Err(ApiError::bad_request(
            "query parameter \"ports\" is required",
        ));
    }
    let _ = q;
    let switching = portforward::switching_protocols(&protocol, req.headers());
    if switching.status() != http::StatusCode::SWITCHING_PROTOCOLS {
        return Err(ApiError::bad_request("unable to upgrade connection"));
    }
    let connector = backend::connector(cluster.clone(), ns, name);
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            let _ = portforward::serve(protocol, TokioIo::new(upgraded), ports, connector).await;
        }
    });
    let (parts, ()) = switching.into_parts();
    Ok(Response::from_parts(parts, h::empty()))
}
