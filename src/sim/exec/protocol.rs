//! The remote-command protocol's pure parts: the request's options, which transport and
//! channel protocol version to speak, the `101 Switching Protocols` answer, the exit status
//! as a `metav1.Status`, and terminal size messages.

use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use serde_json::{Value, json};

pub const V5: &str = "v5.channel.k8s.io";
pub const V4: &str = "v4.channel.k8s.io";
pub const SPDY_UPGRADE: &str = "SPDY/3.1";
pub const STREAM_PROTOCOL_HEADER: &str = "x-stream-protocol-version";

pub const STDIN: u8 = 0;
pub const STDOUT: u8 = 1;
pub const STDERR: u8 = 2;
pub const STATUS: u8 = 3;
pub const RESIZE: u8 = 4;
/// v5 only: `[255, channel]` says the client closed that channel (stdin EOF).
pub const CLOSE: u8 = 255;

/// The transport and channel protocol version of an exec request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// WebSocket, channel-prefixed binary messages; `close_signal` for v5.
    WebSocket { close_signal: bool },
    /// SPDY/3.1 with one stream per channel (`v4.channel.k8s.io`).
    Spdy,
}

/// The exec request's query: `command` (repeated), `container`, and the stream flags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecOptions {
    pub command: Vec<String>,
    pub container: Option<String>,
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub tty: bool,
}

fn flag(v: &str) -> bool {
    !matches!(v, "0" | "false" | "False")
}

impl ExecOptions {
    pub fn parse(query: Option<&str>) -> ExecOptions {
        let mut o = ExecOptions::default();
        for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match k.as_ref() {
                "command" => o.command.push(v.into_owned()),
                "container" if !v.is_empty() => o.container = Some(v.into_owned()),
                "stdin" | "input" => o.stdin = flag(&v),
                "stdout" | "output" => o.stdout = flag(&v),
                "stderr" | "error" => o.stderr = flag(&v),
                "tty" => o.tty = flag(&v),
                _ => {}
            }
        }
        o
    }
}

fn tokens<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Decides the transport from the upgrade request's headers, or says why it cannot.
pub fn negotiate(headers: &HeaderMap, method: &Method) -> Result<Transport, String> {
    let upgrade: Vec<&str> = tokens(headers, header::UPGRADE.as_str()).collect();
    if upgrade.iter().any(|u| u.eq_ignore_ascii_case("websocket")) {
        if *method != Method::GET {
            return Err("websocket upgrades need a GET request".into());
        }
        let offered: Vec<&str> = tokens(headers, header::SEC_WEBSOCKET_PROTOCOL.as_str()).collect();
        return if offered.contains(&V5) {
            Ok(Transport::WebSocket { close_signal: true })
        } else if offered.contains(&V4) {
            Ok(Transport::WebSocket {
                close_signal: false,
            })
        } else {
            Err(format!(
                "unable to upgrade connection: none of the offered subprotocols {offered:?} is supported (v5.channel.k8s.io, v4.channel.k8s.io)"
            ))
        };
    }
    if upgrade.iter().any(|u| u.eq_ignore_ascii_case(SPDY_UPGRADE)) {
        let offered: Vec<&str> = tokens(headers, STREAM_PROTOCOL_HEADER).collect();
        // kubectl offers v5 first over SPDY too; SPDY's own stream half-close makes v4 enough.
        return if offered.contains(&V4) || offered.contains(&V5) {
            Ok(Transport::Spdy)
        } else {
            Err(format!(
                "unable to upgrade connection: none of the offered protocols {offered:?} is supported (v4.channel.k8s.io)"
            ))
        };
    }
    Err("Upgrade request required".into())
}

/// The `101 Switching Protocols` answer for `transport`; `None` without a WebSocket key.
pub fn switching_protocols(transport: Transport, headers: &HeaderMap) -> Option<Response<()>> {
    let mut resp = Response::new(());
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    match transport {
        Transport::Spdy => {
            h.insert(header::UPGRADE, HeaderValue::from_static(SPDY_UPGRADE));
            h.insert(STREAM_PROTOCOL_HEADER, HeaderValue::from_static(V4));
        }
        Transport::WebSocket { close_signal } => {
            let key = headers.get(header::SEC_WEBSOCKET_KEY)?;
            let accept =
                tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
            h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            h.insert(
                header::SEC_WEBSOCKET_ACCEPT,
                HeaderValue::from_str(&accept).ok()?,
            );
            h.insert(
                header::SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_static(if close_signal { V5 } else { V4 }),
            );
        }
    }
    Some(resp)
}

/// The exit status as the container runtime's streaming server reports it on the error channel.
pub fn exit_status(command: &[String], code: i32) -> Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!(
            "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
            command.join(" ")
        ),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
    })
}

/// Terminal sizes in a resize message: JSON `{"Width":W,"Height":H}` objects, one or several.
pub fn parse_resizes(data: &[u8]) -> Vec<(u16, u16)> {
    serde_json::Deserializer::from_slice(data)
        .into_iter::<Value>()
        .map_while(Result::ok)
        .filter_map(|v| {
            Some((
                v["Width"].as_u64()?.min(u16::MAX as u64) as u16,
                v["Height"].as_u64()?.min(u16::MAX as u64) as u16,
            ))
        })
        .collect()
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
    fn kubectl_and_kube_rs_requests_negotiate() {
        // kubectl 1.30+: WebSocket offering only v5.
        let ws = headers(&[
            ("upgrade", "websocket"),
            ("sec-websocket-protocol", "v5.channel.k8s.io"),
        ]);
        assert_eq!(
            negotiate(&ws, &Method::GET),
            Ok(Transport::WebSocket { close_signal: true })
        );
        // kube-rs offers both.
        let kube = headers(&[
            ("upgrade", "websocket"),
            (
                "sec-websocket-protocol",
                "v4.channel.k8s.io, v5.channel.k8s.io",
            ),
        ]);
        assert_eq!(
            negotiate(&kube, &Method::GET),
            Ok(Transport::WebSocket { close_signal: true })
        );
        let v4 = headers(&[
            ("upgrade", "websocket"),
            ("sec-websocket-protocol", "v4.channel.k8s.io"),
        ]);
        assert_eq!(
            negotiate(&v4, &Method::GET),
            Ok(Transport::WebSocket {
                close_signal: false
            })
        );
        // kubectl's SPDY fallback and kubectl <= 1.29: POST, one header per version.
        let spdy = headers(&[
            ("upgrade", "SPDY/3.1"),
            ("x-stream-protocol-version", "v4.channel.k8s.io"),
            ("x-stream-protocol-version", "v3.channel.k8s.io"),
        ]);
        assert_eq!(negotiate(&spdy, &Method::POST), Ok(Transport::Spdy));
        let old = headers(&[
            ("upgrade", "SPDY/3.1"),
            ("x-stream-protocol-version", "channel.k8s.io"),
        ]);
        assert!(negotiate(&old, &Method::POST).is_err());
        assert!(negotiate(&HeaderMap::new(), &Method::POST).is_err());
    }

    #[test]
    fn switching_protocols_names_the_chosen_protocol() {
        let h = headers(&[("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")]);
        let r = switching_protocols(Transport::WebSocket { close_signal: true }, &h).unwrap();
        assert_eq!(
            r.headers()["sec-websocket-accept"],
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        assert_eq!(r.headers()["sec-websocket-protocol"], "v5.channel.k8s.io");
        let r = switching_protocols(Transport::Spdy, &HeaderMap::new()).unwrap();
        assert_eq!(
            r.headers()["x-stream-protocol-version"],
            "v4.channel.k8s.io"
        );
        assert!(
            switching_protocols(
                Transport::WebSocket {
                    close_signal: false
                },
                &HeaderMap::new()
            )
            .is_none()
        );
    }

    #[test]
    fn query_options_keep_every_command_word() {
        let o = ExecOptions::parse(Some(
            "command=sh&command=-c&command=exit+3&container=busybox&stdin=true&stdout=true&tty=false",
        ));
        assert_eq!(o.command, vec!["sh", "-c", "exit 3"]);
        assert_eq!(o.container.as_deref(), Some("busybox"));
        assert!(o.stdin && o.stdout && !o.stderr && !o.tty);
        let kube = ExecOptions::parse(Some("&command=env&stdout=true&stderr=true"));
        assert_eq!(kube.container, None);
    }

    #[test]
    fn exit_status_reads_like_the_runtime() {
        assert_eq!(
            exit_status(&["env".into()], 0),
            json!({"metadata": {}, "status": "Success"})
        );
        let s = exit_status(&["sh".into(), "-c".into(), "exit 3".into()], 3);
        assert_eq!(s["reason"], "NonZeroExitCode");
        assert_eq!(
            s["details"]["causes"][0],
            json!({"reason": "ExitCode", "message": "3"})
        );
        assert_eq!(
            s["message"],
            "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3"
        );
    }

    #[test]
    fn resize_messages_parse_one_or_many() {
        assert_eq!(
            parse_resizes(br#"{"Width":120,"Height":40}"#),
            vec![(120, 40)]
        );
        assert_eq!(
            parse_resizes(br#"{"Width":80,"Height":24}{"Width":100,"Height":30}"#),
            vec![(80, 24), (100, 30)]
        );
        assert!(parse_resizes(b"nonsense").is_empty());
    }
}
