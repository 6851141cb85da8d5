//! Server side of kubectl's SPDY/3.1 port-forward protocol.
//!
//! For every local connection kubectl opens two streams sharing `port` and `requestid` headers:
//! an error stream (`streamtype: error`) and a data stream (`streamtype: data`). Each gets a
//! SYN_REPLY at once; once both halves of a pair are known one backend connection is opened and
//! bytes are copied between it and the data stream. Backend connect failures are written as text
//! on the error stream. When the backend closes, the data stream and then the error stream are
//! finished with FIN (kubectl waits for the error stream's EOF before closing its local socket).

use std::collections::HashMap;
use std::io;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};

use super::Connector;
use super::frame::{self, FLAG_FIN, Frame};
use super::zlib::{HeaderCompressor, HeaderDecompressor};

/// Receive window advertised to the client in the initial SETTINGS frame.
pub const INITIAL_WINDOW: u32 = 16 * 1024 * 1024;
/// Largest data frame payload this end sends.
const MAX_DATA_CHUNK: usize = 32 * 1024;
/// RST_STREAM status STREAM_IN_USE.
const RST_STREAM_IN_USE: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Data,
    Error,
}

struct StreamEntry {
    kind: Kind,
    request: String,
    /// Bytes from the client on a data stream, towards the backend; `None` after the client's FIN.
    to_backend: Option<mpsc::UnboundedSender<Bytes>>,
}

#[derive(Default)]
struct PendingPair {
    data: Option<(u32, Result<u16, String>, mpsc::UnboundedReceiver<Bytes>)>,
    error: Option<u32>,
}

/// Frames queued for the writer task.
type FrameTx = mpsc::Sender<Frame>;

/// Runs a SPDY/3.1 port-forward session on `io` until the client closes the connection.
pub async fn serve<IO>(io: IO, connector: Connector) -> io::Result<()>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut rd, wr) = tokio::io::split(io);
    let (tx, rx) = mpsc::channel::<Frame>(256);
    let writer = tokio::spawn(write_loop(wr, rx));
    let _ = tx
        .send(Frame::Settings {
            flags: 0,
            entries: vec![(0, frame::SETTINGS_INITIAL_WINDOW_SIZE, INITIAL_WINDOW)],
        })
        .await;

    let mut zd = HeaderDecompressor::new();
    let mut streams: HashMap<u32, StreamEntry> = HashMap::new();
    let mut pending: HashMap<String, PendingPair> = HashMap::new();
    let mut running: HashMap<String, AbortHandle> = HashMap::new();
    let mut tasks = JoinSet::new();
    let mut gone_away = false;
    let mut last_stream_id = 0u32;

    let result = loop {
        // Reap finished forwarders so `running` does not grow without bound.
        while tasks.try_join_next().is_some() {}
        running.retain(|_, h| !h.is_finished());

        let frame = match frame::read_frame(&mut rd, &mut zd).await {
            Ok(Some(f)) => f,
            Ok(None) => break Ok(()),
            Err(e) if is_disconnect(&e) => break Ok(()),
            Err(e) => {
                let _ = tx
                    .send(Frame::GoAway {
                        last_good_stream_id: last_stream_id,
                        status: 1,
                    })
                    .await;
                break Err(e);
            }
        };
        match frame {
            Frame::SynStream {
                stream_id,
                flags,
                headers,
                ..
            } => {
                if gone_away {
                    rst(&tx, stream_id, frame::RST_REFUSED_STREAM).await;
                    continue;
                }
                if stream_id == 0 || stream_id % 2 == 0 {
                    rst(&tx, stream_id, frame::RST_PROTOCOL_ERROR).await;
                    continue;
                }
                if streams.contains_key(&stream_id) {
                    rst(&tx, stream_id, RST_STREAM_IN_USE).await;
                    continue;
                }
                let kind = match Frame::header(&headers, "streamtype") {
                    Some("data") => Kind::Data,
                    Some("error") => Kind::Error,
                    _ => {
                        rst(&tx, stream_id, frame::RST_PROTOCOL_ERROR).await;
                        continue;
                    }
                };
                last_stream_id = last_stream_id.max(stream_id);
                // Old clients send no requestid: pair the data stream with the error stream
                // created just before it.
                let request = match Frame::header(&headers, "requestid") {
                    Some(r) => r.to_string(),
                    None if kind == Kind::Error => stream_id.to_string(),
                    None => stream_id.saturating_sub(2).to_string(),
                };
                let port = match Frame::header(&headers, "port") {
                    None => Err("missing port header".to_string()),
                    Some(p) => match p.parse::<u16>() {
                        Ok(n) if n > 0 => Ok(n),
                        _ => Err(format!("invalid port {p:?}")),
                    },
                };
                let _ = tx
                    .send(Frame::SynReply {
                        stream_id,
                        flags: 0,
                        headers: Vec::new(),
                    })
                    .await;
                let pair = pending.entry(request.clone()).or_default();
                let mut to_backend = None;
                match kind {
                    Kind::Data => {
                        let (btx, brx) = mpsc::unbounded_channel();
                        if flags & FLAG_FIN == 0 {
                            to_backend = Some(btx);
                        }
                        pair.data = Some((stream_id, port, brx));
                    }
                    Kind::Error => pair.error = Some(stream_id),
                }
                streams.insert(
                    stream_id,
                    StreamEntry {
                        kind,
                        request: request.clone(),
                        to_backend,
                    },
                );
                if pair.data.is_some() && pair.error.is_some() {
                    let pair = pending.remove(&request).expect("pair just completed");
                    let (data_id, port, brx) = pair.data.expect("checked");
                    let error_id = pair.error.expect("checked");
                    let handle = tasks.spawn(forward(
                        data_id,
                        error_id,
                        port,
                        brx,
                        tx.clone(),
                        connector.clone(),
                    ));
                    running.insert(request, handle);
                }
            }
            Frame::Data {
                stream_id,
                flags,
                data,
            } => {
                let Some(entry) = streams.get_mut(&stream_id) else {
                    rst(&tx, stream_id, frame::RST_INVALID_STREAM).await;
                    continue;
                };
                let n = data.len() as u32;
                if n > 0 {
                    // A live forwarder returns the window once the backend took the bytes;
                    // anything else is consumed (discarded) right here.
                    let delivered = match (&entry.kind, &entry.to_backend) {
                        (Kind::Data, Some(sender)) => sender.send(data).is_ok(),
                        _ => false,
                    };
                    if !delivered {
                        window_update(&tx, stream_id, n).await;
                    }
                }
                if flags & FLAG_FIN != 0 {
                    entry.to_backend = None;
                }
            }
            Frame::RstStream { stream_id, .. } => {
                if let Some(entry) = streams.remove(&stream_id) {
                    if let Some(h) = running.remove(&entry.request) {
                        h.abort();
                    }
                    pending.remove(&entry.request);
                }
            }
            Frame::Ping { id } => {
                // Client pings carry odd ids; even ids would be answers to our own pings.
                if id % 2 == 1 {
                    let _ = tx.send(Frame::Ping { id }).await;
                }
            }
            Frame::GoAway { .. } => gone_away = true,
            Frame::Settings { .. }
            | Frame::WindowUpdate { .. }
            | Frame::SynReply { .. }
            | Frame::Headers { .. }
            | Frame::Unknown { .. } => {}
        }
    };

    // The client is gone: stop forwarders, then let the writer drain and finish.
    tasks.shutdown().await;
    drop(streams);
    drop(tx);
    let _ = writer.await;
    result
}

fn is_disconnect(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

async fn rst(tx: &FrameTx, stream_id: u32, status: u32) {
    let _ = tx.send(Frame::RstStream { stream_id, status }).await;
}

/// Returns `n` bytes of receive window on the stream and on the session (SPDY/3.1).
async fn window_update(tx: &FrameTx, stream_id: u32, n: u32) {
    let _ = tx
        .send(Frame::WindowUpdate {
            stream_id,
            delta: n,
        })
        .await;
    let _ = tx
        .send(Frame::WindowUpdate {
            stream_id: 0,
            delta: n,
        })
        .await;
}

fn data(stream_id: u32, flags: u8, data: Bytes) -> Frame {
    Frame::Data {
        stream_id,
        flags,
        data,
    }
}

/// Copies one data stream to and from a backend connection of `port`.
async fn forward(
    data_id: u32,
    error_id: u32,
    port: Result<u16, String>,
    mut from_client: mpsc::UnboundedReceiver<Bytes>,
    tx: FrameTx,
    connector: Connector,
) {
    let backend = match port {
        Ok(port) => connector(port)
            .await
            .map_err(|e| format!("error forwarding port {port} to pod: {e}")),
        Err(e) => Err(e),
    };
    let backend = match backend {
        Ok(b) => b,
        Err(msg) => {
            let _ = tx.send(data(error_id, 0, Bytes::from(msg))).await;
            let _ = tx.send(data(error_id, FLAG_FIN, Bytes::new())).await;
            let _ = tx.send(data(data_id, FLAG_FIN, Bytes::new())).await;
            return;
        }
    };
    let (mut br, mut bw) = tokio::io::split(backend);
    let upstream = async {
        while let Some(chunk) = from_client.recv().await {
            let n = chunk.len() as u32;
            if bw.write_all(&chunk).await.is_err() {
                break;
            }
            window_update(&tx, data_id, n).await;
        }
        let _ = bw.shutdown().await;
        // Keep granting window for anything still arriving so the client never stalls.
        while let Some(chunk) = from_client.recv().await {
            window_update(&tx, data_id, chunk.len() as u32).await;
        }
    };
    let downstream = async {
        let mut buf = BytesMut::with_capacity(MAX_DATA_CHUNK);
        loop {
            buf.reserve(MAX_DATA_CHUNK);
            match br.read_buf(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let chunk = buf.split().freeze();
                    if tx.send(data(data_id, 0, chunk)).await.is_err() {
                        return;
                    }
                }
            }
        }
        let _ = tx.send(data(data_id, FLAG_FIN, Bytes::new())).await;
        let _ = tx.send(data(error_id, FLAG_FIN, Bytes::new())).await;
    };
    tokio::join!(upstream, downstream);
}

/// Encodes queued frames (compressing header blocks in send order) and writes them out.
async fn write_loop<W: AsyncWrite + Unpin>(mut w: W, mut rx: mpsc::Receiver<Frame>) {
    let mut zc = HeaderCompressor::new();
    let mut out = BytesMut::new();
    while let Some(f) = rx.recv().await {
        let mut batch = vec![f];
        while batch.len() < 64 {
            match rx.try_recv() {
                Ok(f) => batch.push(f),
                Err(_) => break,
            }
        }
        for f in &batch {
            match frame::encode(f, &mut zc) {
                Ok(b) => out.extend_from_slice(&b),
                Err(_) => return,
            }
        }
        if w.write_all(&out).await.is_err() || w.flush().await.is_err() {
            return;
        }
        out.clear();
    }
    let _ = w.shutdown().await;
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use futures::FutureExt;
    use tokio::io::{DuplexStream, ReadHalf, WriteHalf};

    use super::*;

    /// Backend that upper-cases what it reads and closes after the client's EOF.
    fn echo_connector() -> Connector {
        Arc::new(|port: u16| {
            async move {
                if port == 9 {
                    return Err("connection refused".to_string());
                }
                let (a, mut b) = tokio::io::duplex(1024);
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let _ = b.read_to_end(&mut buf).await;
                    let _ = b.write_all(&buf.to_ascii_uppercase()).await;
                    let _ = b.shutdown().await;
                });
                Ok(a)
            }
            .boxed()
        })
    }

    struct Client {
        rd: ReadHalf<DuplexStream>,
        wr: WriteHalf<DuplexStream>,
        zc: HeaderCompressor,
        zd: HeaderDecompressor,
    }

    impl Client {
        fn start() -> Self {
            let (near, far) = tokio::io::duplex(64 * 1024);
            tokio::spawn(serve(far, echo_connector()));
            let (rd, wr) = tokio::io::split(near);
            Client {
                rd,
                wr,
                zc: HeaderCompressor::new(),
                zd: HeaderDecompressor::new(),
            }
        }

        async fn send(&mut self, f: Frame) {
            let b = frame::encode(&f, &mut self.zc).unwrap();
            self.wr.write_all(&b).await.unwrap();
        }

        async fn next(&mut self) -> Frame {
            tokio::time::timeout(
                Duration::from_secs(5),
                frame::read_frame(&mut self.rd, &mut self.zd),
            )
            .await
            .expect("frame within deadline")
            .unwrap()
            .expect("no EOF")
        }

        async fn open(&mut self, id: u32, kind: &str, port: &str, request: &str) {
            self.send(Frame::SynStream {
                stream_id: id,
                associated_to: 0,
                priority: 0,
                slot: 0,
                flags: 0,
                headers: vec![
                    ("streamtype".into(), kind.into()),
                    ("port".into(), port.into()),
                    ("requestid".into(), request.into()),
                ],
            })
            .await;
        }
    }

    #[tokio::test]
    async fn session_forwards_a_stream_pair_and_answers_pings() {
        let mut c = Client::start();
        match c.next().await {
            Frame::Settings { entries, .. } => {
                assert!(entries.contains(&(0, frame::SETTINGS_INITIAL_WINDOW_SIZE, INITIAL_WINDOW)))
            }
            other => panic!("expected SETTINGS first, got {other:?}"),
        }
        c.send(Frame::Ping { id: 1 }).await;
        assert_eq!(c.next().await, Frame::Ping { id: 1 });

        c.open(1, "error", "80", "0").await;
        c.open(3, "data", "80", "0").await;
        for id in [1, 3] {
            assert_eq!(
                c.next().await,
                Frame::SynReply {
                    stream_id: id,
                    flags: 0,
                    headers: vec![]
                }
            );
        }
        c.send(data(1, FLAG_FIN, Bytes::new())).await;
        c.send(data(3, 0, Bytes::from_static(b"hello"))).await;
        c.send(data(3, FLAG_FIN, Bytes::new())).await;

        let mut got = Vec::new();
        let mut window = 0;
        let mut fins = Vec::new();
        while fins.len() < 2 {
            match c.next().await {
                Frame::Data {
                    stream_id: 3,
                    flags,
                    data,
                } => {
                    got.extend_from_slice(&data);
                    if flags & FLAG_FIN != 0 {
                        fins.push(3);
                    }
                }
                Frame::Data {
                    stream_id: 1,
                    flags: FLAG_FIN,
                    data,
                } => {
                    assert!(data.is_empty());
                    fins.push(1);
                }
                Frame::WindowUpdate {
                    stream_id: 3,
                    delta,
                } => window += delta,
                Frame::WindowUpdate { stream_id: 0, .. } => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(got, b"HELLO");
        assert_eq!(window, 5);
        // Data FIN precedes the error stream's FIN, which tells kubectl the pair is done.
        assert_eq!(fins, vec![3, 1]);
    }

    #[tokio::test]
    async fn session_reports_connect_errors_and_rejects_bad_streams() {
        let mut c = Client::start();
        assert!(matches!(c.next().await, Frame::Settings { .. }));
        // Even stream ids belong to the server.
        c.open(2, "data", "80", "x").await;
        assert_eq!(
            c.next().await,
            Frame::RstStream {
                stream_id: 2,
                status: frame::RST_PROTOCOL_ERROR
            }
        );
        c.open(5, "error", "9", "1").await;
        c.open(7, "data", "9", "1").await;
        let mut error_text = Vec::new();
        let mut error_fin = false;
        let mut data_fin = false;
        while !(error_fin && data_fin) {
            match c.next().await {
                Frame::SynReply { .. } => {}
                Frame::Data {
                    stream_id: 5,
                    flags,
                    data,
                } => {
                    error_text.extend_from_slice(&data);
                    error_fin |= flags & FLAG_FIN != 0;
                }
                Frame::Data {
                    stream_id: 7,
                    flags: FLAG_FIN,
                    ..
                } => data_fin = true,
                other => panic!("unexpected {other:?}"),
            }
        }
        let text = String::from_utf8(error_text).unwrap();
        assert!(
            text.contains("port 9") && text.contains("connection refused"),
            "{text}"
        );
        // Data for an unknown stream is refused.
        c.send(data(11, 0, Bytes::from_static(b"x"))).await;
        assert_eq!(
            c.next().await,
            Frame::RstStream {
                stream_id: 11,
                status: frame::RST_INVALID_STREAM
            }
        );
    }
}
