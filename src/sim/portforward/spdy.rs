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
                match (&entry.kind, &entry.to_backend) {
                    (Kind::Data, Some(sender)) if n > 0 => {
                        // The forwarder returns window once the backend took the bytes.
                        if sender.send(data).is_err() {
                            window_update(&tx, stream_id, n).await;
                        }
                    }
                    _ if n > 0 => window_update(&tx, stream_id, n).await,
                    _ => {}
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
