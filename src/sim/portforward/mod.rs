//! Port-forward streams: SPDY/3.1 (kubectl) and WebSocket v4 channels (kube-rs, client-python).
//!
//! The API server hands an upgraded `.../pods/NAME/portforward` connection to [`serve`] after
//! answering the request with [`switching_protocols`]. Which wire protocol is spoken is decided by
//! [`negotiate`] from the request headers:
//!
//! * `Upgrade: websocket` offering `v4.channel.k8s.io` → [`Protocol::WebSocketV4`]: channel-prefixed
//!   binary messages, data channel `2i` and error channel `2i+1` for the i-th requested port.
//! * `Upgrade: websocket` offering `SPDY/3.1+portforward.k8s.io` → [`Protocol::TunneledSpdy`]:
//!   SPDY/3.1 carried as a byte stream inside binary WebSocket messages (kubectl ≥ 1.31).
//! * `Upgrade: SPDY/3.1` → [`Protocol::Spdy`]: SPDY/3.1 on the raw connection (kubectl fallback).

pub mod frame;
pub mod spdy;
pub mod websocket;
pub mod zlib;

use std::sync::Arc;

use futures::future::BoxFuture;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream};

/// Opens a byte stream to `port` of the target pod (the simulator's in-process backend).
/// `Err(text)` is reported to the client on the error channel/stream.
pub type Connector =
    Arc<dyn Fn(u16) -> BoxFuture<'static, Result<DuplexStream, String>> + Send + Sync>;

/// WebSocket subprotocol of the channel protocol version 4.
pub const WS_V4_PROTOCOL: &str = "v4.channel.k8s.io";
/// WebSocket subprotocol kubectl uses to tunnel SPDY through a WebSocket.
pub const WS_TUNNELED_SPDY_PROTOCOL: &str = "SPDY/3.1+portforward.k8s.io";
/// The `Upgrade` token of plain SPDY.
pub const SPDY_UPGRADE: &str = "SPDY/3.1";
/// The stream protocol version negotiated over `X-Stream-Protocol-Version` for SPDY.
pub const SPDY_PORTFORWARD_PROTOCOL: &str = "portforward.k8s.io";
/// Header carrying the stream protocol versions (SPDY negotiation).
pub const STREAM_PROTOCOL_HEADER: &str = "x-stream-protocol-version";

/// Which protocol an upgrade request asks for, from its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// WebSocket with `v4.channel.k8s.io` channel framing.
    WebSocketV4,
    /// SPDY/3.1 directly on the upgraded connection.
    Spdy,
    /// SPDY/3.1 tunneled inside binary WebSocket messages.
    TunneledSpdy,
    /// Nothing this server speaks.
    Unsupported,
}

/// Comma-separated tokens of every occurrence of `name`, trimmed.
fn header_tokens<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    header_tokens(headers, header::UPGRADE.as_str()).any(|t| t.eq_ignore_ascii_case("websocket"))
}

/// Decides the protocol of a port-forward upgrade request (pure function of its headers).
pub fn negotiate(headers: &HeaderMap, method: &Method) -> Protocol {
    if is_websocket_upgrade(headers) {
        if *method != Method::GET {
            return Protocol::Unsupported;
        }
        let offered: Vec<&str> =
            header_tokens(headers, header::SEC_WEBSOCKET_PROTOCOL.as_str()).collect();
        if offered.contains(&WS_V4_PROTOCOL) {
            return Protocol::WebSocketV4;
        }
        if offered
            .iter()
            .any(|p| p.eq_ignore_ascii_case(WS_TUNNELED_SPDY_PROTOCOL))
        {
            return Protocol::TunneledSpdy;
        }
        return Protocol::Unsupported;
    }
    let spdy = header_tokens(headers, header::UPGRADE.as_str())
        .any(|t| t.eq_ignore_ascii_case(SPDY_UPGRADE));
    if !spdy {
        return Protocol::Unsupported;
    }
    let mut versions = header_tokens(headers, STREAM_PROTOCOL_HEADER).peekable();
    if versions.peek().is_none() || versions.any(|v| v == SPDY_PORTFORWARD_PROTOCOL) {
        Protocol::Spdy
    } else {
        Protocol::Unsupported
    }
}

/// Builds the response to the upgrade request: `101 Switching Protocols` with the headers the
/// negotiated protocol needs, or `400 Bad Request` for [`Protocol::Unsupported`] (or a WebSocket
/// request without `Sec-WebSocket-Key`).
pub fn switching_protocols(protocol: &Protocol, headers: &HeaderMap) -> Response<()> {
    let bad_request = || {
        let mut r = Response::new(());
        *r.status_mut() = StatusCode::BAD_REQUEST;
        r
    };
    let mut resp = Response::new(());
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    match protocol {
        Protocol::Unsupported => return bad_request(),
        Protocol::Spdy => {
            h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
            h.insert(header::UPGRADE, HeaderValue::from_static(SPDY_UPGRADE));
            h.insert(
                STREAM_PROTOCOL_HEADER,
                HeaderValue::from_static(SPDY_PORTFORWARD_PROTOCOL),
            );
        }
        Protocol::WebSocketV4 | Protocol::TunneledSpdy => {
            let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
                return bad_request();
            };
            let accept =
                tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
            let Ok(accept) = HeaderValue::from_str(&accept) else {
                return bad_request();
            };
            let sub = if *protocol == Protocol::WebSocketV4 {
                WS_V4_PROTOCOL
            } else {
                WS_TUNNELED_SPDY_PROTOCOL
            };
            h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
            h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
            h.insert(
                header::SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_static(sub),
            );
        }
    }
    resp
}

/// Parses the `ports` query parameter (`ports=80,443` or repeated `ports=80&ports=443`).
pub fn ports_from_query(query: Option<&str>) -> Result<Vec<u16>, String> {
    let mut ports = Vec::new();
    for pair in query.unwrap_or("").split('&') {
        let Some(value) = pair.strip_prefix("ports=") else {
            continue;
        };
        for p in value.split("%2C").flat_map(|v| v.split(',')) {
            let p = p.trim();
            if p.is_empty() {
                continue;
            }
            match p.parse::<u16>() {
                Ok(n) if n > 0 => ports.push(n),
                _ => return Err(format!("invalid port {p:?}")),
            }
        }
    }
    Ok(ports)
}

/// Runs the protocol on the upgraded connection until the client closes.
/// `ports` comes from the `ports` query parameter (WebSocket needs it; SPDY gets ports per stream).
pub async fn serve<IO>(
    protocol: Protocol,
    io: IO,
    ports: Vec<u16>,
    connector: Connector,
) -> std::io::Result<()>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    match protocol {
        Protocol::WebSocketV4 => websocket::serve_v4(io, ports, connector).await,
        Protocol::Spdy => spdy::serve(io, connector).await,
        Protocol::TunneledSpdy => websocket::serve_tunneled_spdy(io, connector).await,
        Protocol::Unsupported => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "unsupported port-forward protocol",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn negotiate_websocket_v4_when_offered_with_v5() {
        let h = headers(&[
            ("upgrade", "websocket"),
            ("connection", "Upgrade"),
            (
                "sec-websocket-protocol",
                "v5.channel.k8s.io, v4.channel.k8s.io",
            ),
        ]);
        assert_eq!(negotiate(&h, &Method::GET), Protocol::WebSocketV4);
    }

    #[test]
    fn negotiate_tunneled_spdy() {
        let h = headers(&[
            ("upgrade", "websocket"),
            ("sec-websocket-protocol", "SPDY/3.1+portforward.k8s.io"),
        ]);
        assert_eq!(negotiate(&h, &Method::GET), Protocol::TunneledSpdy);
    }

    #[test]
    fn negotiate_plain_spdy() {
        let h = headers(&[
            ("connection", "Upgrade"),
            ("upgrade", "SPDY/3.1"),
            ("x-stream-protocol-version", "portforward.k8s.io"),
        ]);
        assert_eq!(negotiate(&h, &Method::POST), Protocol::Spdy);
        let other = headers(&[
            ("upgrade", "SPDY/3.1"),
            ("x-stream-protocol-version", "v4.channel.k8s.io"),
        ]);
        assert_eq!(negotiate(&other, &Method::POST), Protocol::Unsupported);
    }

    #[test]
    fn negotiate_unsupported() {
        assert_eq!(
            negotiate(&HeaderMap::new(), &Method::GET),
            Protocol::Unsupported
        );
        let h = headers(&[
            ("upgrade", "websocket"),
            ("sec-websocket-protocol", "v5.channel.k8s.io"),
        ]);
        assert_eq!(negotiate(&h, &Method::GET), Protocol::Unsupported);
        let h = headers(&[
            ("upgrade", "websocket"),
            ("sec-websocket-protocol", "v4.channel.k8s.io"),
        ]);
        assert_eq!(negotiate(&h, &Method::POST), Protocol::Unsupported);
    }

    #[test]
    fn switching_protocols_websocket_accept() {
        // Example key/accept pair from RFC 6455 section 1.3.
        let h = headers(&[
            ("upgrade", "websocket"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("sec-websocket-protocol", "v4.channel.k8s.io"),
        ]);
        let r = switching_protocols(&Protocol::WebSocketV4, &h);
        assert_eq!(r.status(), StatusCode::SWITCHING_PROTOCOLS);
        assert_eq!(
            r.headers()["sec-websocket-accept"],
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        assert_eq!(r.headers()["sec-websocket-protocol"], "v4.channel.k8s.io");
        let r = switching_protocols(&Protocol::Spdy, &HeaderMap::new());
        assert_eq!(r.status(), StatusCode::SWITCHING_PROTOCOLS);
        assert_eq!(r.headers()["upgrade"], "SPDY/3.1");
        assert_eq!(
            r.headers()["x-stream-protocol-version"],
            "portforward.k8s.io"
        );
        let r = switching_protocols(&Protocol::Unsupported, &HeaderMap::new());
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn ports_query() {
        assert_eq!(
            ports_from_query(Some("ports=80,443")).unwrap(),
            vec![80, 443]
        );
        assert_eq!(
            ports_from_query(Some("ports=80&ports=8080")).unwrap(),
            vec![80, 8080]
        );
        assert_eq!(
            ports_from_query(Some("ports=80%2C81")).unwrap(),
            vec![80, 81]
        );
        assert!(ports_from_query(Some("ports=x")).is_err());
        assert!(ports_from_query(None).unwrap().is_empty());
    }
}
