//! WebSocket port-forward: the `v4.channel.k8s.io` channel protocol, and SPDY tunneled through
//! binary WebSocket messages (`SPDY/3.1+portforward.k8s.io`).
//!
//! Channel protocol: every binary message is one channel byte followed by payload. The i-th
//! requested port uses data channel `2i` and error channel `2i+1`. The server opens with the port
//! number (2 bytes, little-endian) on both channels of every port, then relays data; backend
//! errors are sent as text on the error channel. One backend connection per port lives as long as
//! the WebSocket; once every backend has closed, the server closes the WebSocket.

use std::io;

use bytes::{Bytes, BytesMut};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, frame::coding::CloseCode};

use super::Connector;

/// Largest payload sent in one message.
const MAX_CHUNK: usize = 32 * 1024;

/// The data channel of port index `i`.
pub fn data_channel(i: usize) -> u8 {
    (2 * i) as u8
}

/// The error channel of port index `i`.
pub fn error_channel(i: usize) -> u8 {
    (2 * i + 1) as u8
}

/// Builds one channel message payload: channel byte then data.
pub fn channel_message(channel: u8, data: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(data.len() + 1);
    m.push(channel);
    m.extend_from_slice(data);
    m
}

/// Splits a received binary message into channel and payload (`None` for an empty message).
pub fn split_channel(msg: &[u8]) -> Option<(u8, &[u8])> {
    msg.split_first().map(|(c, rest)| (*c, rest))
}

/// The opening message of a channel: the port number as little-endian u16.
pub fn port_prefix(channel: u8, port: u16) -> Vec<u8> {
    channel_message(channel, &port.to_le_bytes())
}

fn ws_err(e: tokio_tungstenite::tungstenite::Error) -> io::Error {
    io::Error::other(e)
}

/// Serves `v4.channel.k8s.io` port forwarding for `ports` on an upgraded connection.
pub async fn serve_v4<IO>(io: IO, ports: Vec<u16>, connector: Connector) -> io::Result<()>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ws = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
    let (mut sink, mut stream) = ws.split();
    if ports.is_empty() || ports.len() > 128 {
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code: CloseCode::Policy,
                reason: "port-forward needs 1 to 128 ports in the ports query parameter".into(),
            })))
            .await;
        return Ok(());
    }

    let (out_tx, mut out_rx) = mpsc::channel::<Vec<u8>>(256);
    let mut to_backends: Vec<Option<mpsc::UnboundedSender<Bytes>>> = Vec::new();
    let mut forwarders = JoinSet::new();
    for (i, &port) in ports.iter().enumerate() {
        let (dc, ec) = (data_channel(i), error_channel(i));
        let _ = out_tx.send(port_prefix(dc, port)).await;
        let _ = out_tx.send(port_prefix(ec, port)).await;
        match connector(port).await {
            Err(e) => {
                let msg = format!("error forwarding port {port} to pod: {e}");
                let _ = out_tx.send(channel_message(ec, msg.as_bytes())).await;
                to_backends.push(None);
            }
            Ok(backend) => {
                let (btx, brx) = mpsc::unbounded_channel();
                to_backends.push(Some(btx));
                forwarders.spawn(forward_port(backend, dc, brx, out_tx.clone()));
            }
        }
    }
    drop(out_tx);

    // Once every backend finished (or none could be opened) the session is over.
    let mut backends_done = false;
    let mut writer_open = true;
    let result = loop {
        tokio::select! {
            msg = out_rx.recv(), if writer_open => match msg {
                Some(m) => {
                    if let Err(e) = sink.send(Message::Binary(m.into())).await {
                        break Err(ws_err(e));
                    }
                }
                None => writer_open = false,
            },
            joined = forwarders.join_next(), if !backends_done => {
                backends_done = joined.is_none();
            }
            incoming = stream.next() => match incoming {
                None | Some(Ok(Message::Close(_))) => break Ok(()),
                Some(Err(e)) => break Err(ws_err(e)),
                Some(Ok(Message::Binary(b))) => {
                    // Only data channels carry client bytes; empty payloads are no-ops.
                    if let Some((ch, payload)) = split_channel(&b)
                        && ch % 2 == 0
                        && !payload.is_empty()
                        && let Some(Some(tx)) = to_backends.get((ch / 2) as usize)
                    {
                        let _ = tx.send(Bytes::copy_from_slice(payload));
                    }
                }
                Some(Ok(_)) => {}
            },
        }
        if backends_done && !writer_open {
            let _ = sink
                .send(Message::Close(Some(CloseFrame {
                    code: CloseCode::Normal,
                    reason: "".into(),
                })))
                .await;
            break Ok(());
        }
    };
    forwarders.shutdown().await;
    result
}

async fn forward_port(
    backend: tokio::io::DuplexStream,
    channel: u8,
    mut from_client: mpsc::UnboundedReceiver<Bytes>,
    out: mpsc::Sender<Vec<u8>>,
) {
    let (mut br, mut bw) = tokio::io::split(backend);
    let upstream = async move {
        while let Some(chunk) = from_client.recv().await {
            if bw.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = bw.shutdown().await;
    };
    let downstream = async move {
        let mut buf = vec![0u8; MAX_CHUNK];
        loop {
            match br.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if out.send(channel_message(channel, &buf[..n])).await.is_err() {
                        break;
                    }
                }
            }
        }
    };
    // The port is done when the backend stops sending; the client side may stay open.
    tokio::select! {
        _ = downstream => {}
        _ = async { upstream.await; std::future::pending::<()>().await } => {}
    }
}

/// Serves SPDY/3.1 tunneled through binary WebSocket messages: the messages form a byte stream
/// in each direction (boundaries carry no meaning, empty messages are not EOF).
pub async fn serve_tunneled_spdy<IO>(io: IO, connector: Connector) -> io::Result<()>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ws = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
    let (mut sink, mut stream) = ws.split();
    let (near, far) = tokio::io::duplex(256 * 1024);
    let session = tokio::spawn(super::spdy::serve(far, connector));
    let (mut near_rd, mut near_wr) = tokio::io::split(near);

    let inbound = async move {
        while let Some(msg) = stream.next().await {
            match msg {
                Ok(Message::Binary(b)) => {
                    if !b.is_empty() && near_wr.write_all(&b).await.is_err() {
                        break;
                    }
                }
                Ok(Message::Text(t)) => {
                    if near_wr.write_all(t.as_bytes()).await.is_err() {
                        break;
                    }
                }
                Ok(Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let _ = near_wr.shutdown().await;
    };
    let outbound = async move {
        let mut buf = BytesMut::with_capacity(MAX_CHUNK);
        loop {
            buf.reserve(MAX_CHUNK);
            match near_rd.read_buf(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let chunk = buf.split().freeze();
                    if sink.send(Message::Binary(chunk)).await.is_err() {
                        return;
                    }
                }
            }
        }
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            })))
            .await;
    };
    tokio::join!(inbound, outbound);
    match session.await {
        Ok(r) => r,
        Err(e) => Err(io::Error::other(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_of_ports() {
        assert_eq!((data_channel(0), error_channel(0)), (0, 1));
        assert_eq!((data_channel(1), error_channel(1)), (2, 3));
    }

    #[test]
    fn channel_framing() {
        assert_eq!(port_prefix(2, 443), vec![2, 0xbb, 0x01]);
        assert_eq!(port_prefix(1, 80), vec![1, 80, 0]);
        let m = channel_message(4, b"GET /");
        assert_eq!(m[0], 4);
        assert_eq!(split_channel(&m), Some((4, &b"GET /"[..])));
        assert_eq!(split_channel(&[]), None);
        assert_eq!(split_channel(&[3]), Some((3, &b""[..])));
    }

    /// SPDY tunneled through WebSocket messages whose boundaries fall anywhere, with empty
    /// messages in between (which must not read as EOF).
    #[tokio::test]
    async fn tunneled_spdy_ignores_message_boundaries() {
        use std::sync::Arc;
        use std::time::Duration;

        use futures::FutureExt;

        use super::super::frame::{self, FLAG_FIN, Frame};
        use super::super::zlib::{HeaderCompressor, HeaderDecompressor};

        let connector: Connector = Arc::new(|port: u16| {
            async move {
                let (a, mut b) = tokio::io::duplex(1024);
                tokio::spawn(async move {
                    let _ = b.write_all(format!("port {port}").as_bytes()).await;
                    let _ = b.shutdown().await;
                });
                Ok(a)
            }
            .boxed()
        });
        let (near, far) = tokio::io::duplex(64 * 1024);
        let server = tokio::spawn(serve_tunneled_spdy(far, connector));
        let mut ws = WebSocketStream::from_raw_socket(near, Role::Client, None).await;

        let mut zc = HeaderCompressor::new();
        let mut wire = Vec::new();
        for (id, kind) in [(1u32, "error"), (3, "data")] {
            let syn = Frame::SynStream {
                stream_id: id,
                associated_to: 0,
                priority: 0,
                slot: 0,
                flags: 0,
                headers: vec![
                    ("streamtype".into(), kind.into()),
                    ("port".into(), "8080".into()),
                    ("requestid".into(), "0".into()),
                ],
            };
            wire.extend_from_slice(&frame::encode(&syn, &mut zc).unwrap());
        }
        // Odd-sized pieces with an empty message after each.
        for piece in wire.chunks(3) {
            ws.send(Message::binary(piece.to_vec())).await.unwrap();
            ws.send(Message::binary(Vec::new())).await.unwrap();
        }

        // Collect the server's byte stream and decode frames until the data stream's FIN.
        let mut zd = HeaderDecompressor::new();
        let mut bytes = Vec::new();
        let mut frames = Vec::new();
        let mut body = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        'outer: loop {
            let msg = tokio::time::timeout_at(deadline, ws.next())
                .await
                .expect("message within deadline")
                .expect("stream open")
                .unwrap();
            if let Message::Binary(b) = msg {
                bytes.extend_from_slice(&b);
            }
            loop {
                if bytes.len() < 8 {
                    break;
                }
                let len = u32::from_be_bytes([0, bytes[5], bytes[6], bytes[7]]) as usize;
                if bytes.len() < 8 + len {
                    break;
                }
                let rest = bytes.split_off(8 + len);
                let head: [u8; 8] = bytes[..8].try_into().unwrap();
                let payload = Bytes::copy_from_slice(&bytes[8..]);
                bytes = rest;
                let f = frame::decode(head, payload, &mut zd).unwrap();
                if let Frame::Data {
                    stream_id: 3,
                    flags,
                    data,
                } = &f
                {
                    body.extend_from_slice(data);
                    if flags & FLAG_FIN != 0 {
                        frames.push(f);
                        break 'outer;
                    }
                }
                frames.push(f);
            }
        }
        assert!(matches!(frames[0], Frame::Settings { .. }));
        assert!(
            frames
                .iter()
                .any(|f| matches!(f, Frame::SynReply { stream_id: 1, .. }))
        );
        assert!(
            frames
                .iter()
                .any(|f| matches!(f, Frame::SynReply { stream_id: 3, .. }))
        );
        assert_eq!(body, b"port 8080");
        ws.close(None).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("session ends after the WebSocket closes")
            .unwrap()
            .unwrap();
    }
}
