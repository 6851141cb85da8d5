//! The pods/portforward subresource: upgrades the connection and connects each forwarded port
//! to the pod's simulated backend. (Protocol framing lives in `portforward`.)

use std::sync::Arc;

use http::{Request, Response};
use hyper::body::Incoming;

use super::cluster::Cluster;
use super::error::ApiError;
use super::http::Body;
use super::query::Query;
use super::route::Target;

pub async fn upgrade(_cluster: Arc<Cluster>, _t: &Target, _q: &Query, _req: Request<Incoming>) -> Result<Response<Body>, ApiError> {
    Err(ApiError::bad_request("port-forward is not wired yet"))
}
