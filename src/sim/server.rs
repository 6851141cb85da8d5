//! The HTTPS front: one listener per simulated cluster, authentication, RBAC, and dispatch of
//! each request to discovery, the REST verbs, watches, logs, port-forwards or the control API.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::api;
use super::auth::{self, Attributes};
use super::cluster::Cluster;
use super::control;
use super::crd;
use super::discovery;
use super::error::ApiError;
use super::http::{self as h, Body};
use super::logs;
use super::pods_portforward;
use super::query::Query;
use super::route::{self, Route, Target};
use super::table;
use super::watch;

/// Request bodies larger than this are refused (the apiserver's limit is 3 MiB).
const MAX_BODY: usize = 3 * 1024 * 1024;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves `cluster` on `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, tls: Arc<rustls::ServerConfig>, cluster: Arc<Cluster>) {
    let acceptor = TlsAcceptor::from(tls);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let cluster = cluster.clone();
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(tcp).await else {
                return;
            };
            let svc = service_fn(move |req| handle(cluster.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .with_upgrades()
                .await;
        });
    }
}

async fn handle(cluster: Arc<Cluster>, req: Request<Incoming>) -> Result<Response<Body>, BoxError> {
    let path = req.uri().path().to_string();
    let query = Query::parse(req.uri().query());
    let route = route::parse_with(&path, &|g, v, p| cluster.find(g, v, p));
    if let Route::Control(rest) = &route {
        let method = req.method().clone();
        let body = read_body(req).await.unwrap_or_default();
        return Ok(control::handle(&cluster, &method, rest, &query, &body));
    }
    if cluster.faults.is_down() {
        // Closing the connection is what an unreachable API server looks like to a client.
        return Err("simulated API outage".into());
    }
    let latency = cluster.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match route {
        Route::Version => return Ok(h::json(200, &discovery::version())),
        Route::Health => return Ok(h::text(200, "ok")),
        _ => {}
    }
    let authorization = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let Some(user) = auth::authenticate(&cluster.credentials, authorization) else {
        return Ok(h::error(&ApiError::unauthorized()));
    };
    let found = |v: Option<serde_json::Value>| {
        v.map_or_else(
            || h::error(&ApiError::path_not_found()),
            |v| h::json(200, &v),
        )
    };
    Ok(match route {
        Route::ApiVersions => h::json(200, &discovery::api_versions()),
        Route::ApiGroupList => h::json(200, &discovery::api_group_list(&cluster.custom_types())),
        Route::ApiGroup(g) => found(discovery::api_group(&g, &cluster.custom_types())),
        Route::ResourceList { group, version } => found(discovery::resource_list(
            &group,
            &version,
            &cluster.custom_types(),
        )),
        Route::OpenApi | Route::Unknown | Route::Version | Route::Health | Route::Control(_) => {
            h::error(&ApiError::path_not_found())
        }
        Route::Resource(t) => resource(cluster, user, t, query, req)
            .await
            .unwrap_or_else(|e| h::error(&e)),
    })
}

async fn read_body(req: Request<Incoming>) -> Result<Bytes, ApiError> {
    Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .map_err(|_| {
            ApiError::new(
                413,
                "RequestEntityTooLarge",
                "the request body is too large or could not be read",
            )
        })
}

/// The RBAC verb of a request, as the apiserver derives it.
fn verb_of(method: &Method, t: &Target, q: &Query) -> Result<&'static str, ApiError> {
    Ok(match (method, &t.name, t.subresource.as_deref()) {
        (&Method::GET, None, _) if q.flag("watch") => "watch",
        (&Method::GET, None, _) => "list",
        (&Method::GET, Some(_), Some("portforward" | "exec")) => "create",
        (&Method::GET, Some(_), _) => "get",
        (&Method::POST, None, None) => "create",
        (&Method::POST, Some(_), Some(_)) => "create",
        (&Method::PUT, Some(_), _) => "update",
        (&Method::PATCH, Some(_), _) => "patch",
        (&Method::DELETE, Some(_), None) => "delete",
        (&Method::DELETE, None, None) => "deletecollection",
        _ => return Err(ApiError::method_not_allowed()),
    })
}

async fn resource(
    cluster: Arc<Cluster>,
    user: auth::User,
    t: Target,
    q: Query,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let method = req.method().clone();
    let verb = verb_of(&method, &t, &q)?;
    let attrs = Attributes {
        verb,
        group: t.rt.group,
        resource: t.rt.plural,
        subresource: t.subresource.as_deref(),
        namespace: t.namespace.as_deref(),
        name: t.name.as_deref(),
    };
    if !auth::authorize(&cluster.store, &user, &attrs) {
        let name =
            if verb == "list" || verb == "watch" || verb == "create" && t.subresource.is_none() {
                None
            } else {
                t.name.as_deref()
            };
        return Err(ApiError::forbidden(
            &user.name,
            verb,
            t.rt,
            t.subresource.as_deref(),
            t.namespace.as_deref(),
            name,
        ));
    }
    if let Some(sub) = t.subresource.as_deref()
        && !t.rt.subresources.contains(&sub)
    {
        return Err(ApiError::path_not_found());
    }
    if t.subresource.as_deref() == Some("portforward") {
        return pods_portforward::upgrade(cluster, &t, &q, req).await;
    }
    if t.subresource.as_deref() == Some("exec") {
        return super::exec::upgrade(cluster, &t, req).await;
    }
    let accept = req
        .headers()
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let content_type = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let repr = table::negotiate(accept.as_deref());
    let ct = content_type.as_deref();
    let name = t.name.clone();
    let ns = t.namespace.clone().unwrap_or_default();
    let writes_crds =
        (t.rt.kind == "CustomResourceDefinition" && method != Method::GET).then(|| cluster.clone());
    let answer = match (&method, name.as_deref(), t.subresource.as_deref()) {
        (&Method::GET, None, _) if q.flag("watch") => watch::watch(cluster, &t, &q, repr),
        (&Method::GET, None, _) => {
            // A list can be 100,000 objects (or metrics computed over them): keep it off the async workers.
            let (t, q) = (t.clone(), q.clone());
            tokio::task::spawn_blocking(move || api::list(&cluster, &t, &q, repr))
                .await
                .unwrap_or_else(|_| Err(ApiError::new(500, "InternalError", "listing failed")))
        }
        (&Method::GET, Some(n), Some("log")) => logs::logs(cluster.clone(), &ns, n, &q),
        (&Method::GET, Some(n), _) => api::get(&cluster, &t, n, &q, repr),
        (&Method::POST, None, None) => api::create(&cluster, &t, &q, &read_body(req).await?, ct),
        (&Method::POST, Some(n), Some("eviction")) => {
            api::evict(&cluster, &t, n, &read_body(req).await?)
        }
        (&Method::PUT, Some(n), None | Some("status" | "scale")) => {
            api::update(&cluster, &t, n, &read_body(req).await?, ct)
        }
        (&Method::PATCH, Some(n), None | Some("status" | "scale")) => {
            api::patch(&cluster, &t, n, &read_body(req).await?, ct)
        }
        (&Method::DELETE, Some(n), None) => {
            api::delete(&cluster, &t, n, &q, &read_body(req).await?)
        }
        (&Method::DELETE, None, None) => {
            api::delete_collection(&cluster, &t, &q, &read_body(req).await?)
        }
        _ => Err(ApiError::method_not_allowed()),
    };
    if let Some(cluster) = writes_crds {
        crd::sync(&cluster);
    }
    answer
}

/// Binds 127.0.0.1:`port` (0 for any free port).
pub async fn bind(port: u16) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}
