//! Exec over SPDY/3.1 (`v4.channel.k8s.io`), as kubectl ≤ 1.29 speaks it and newer kubectl
//! falls back to: the client opens one stream per channel, each named by its `streamtype`
//! header (`error`, `stdin`, `stdout`, `stderr`, `resize`), and waits for each SYN_REPLY. Once
//! the streams the request asked for exist the command starts; stdin's FIN is stdin's EOF,
//! resize carries JSON sizes. At the end stdout and stderr are finished, the status JSON is
//! written on the error stream with FIN, and the session goes away.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::Running;

use super::protocol::{self, ExecOptions};
use super::shell::{Input, Stream};
use crate::sim::portforward::frame::{self, FLAG_FIN, Frame};
use crate::sim::portforward::spdy::INITIAL_WINDOW;
use crate::sim::portforward::zlib::{HeaderCompressor, HeaderDecompressor};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Error,
    Stdin,
    Stdout,
    Stderr,
    Resize,
}

fn kind_of(headers: &frame::Headers) -> Option<Kind> {
    Some(match Frame::header(headers, "streamtype")? {
        "error" => Kind::Error,
        "stdin" => Kind::Stdin,
        "stdout" => Kind::Stdout,
        "stderr" => Kind::Stderr,
        "resize" => Kind::Resize,
        _ => return None,
    })
}

/// The streams a client with these options opens (client-go's v4 `createStreams`).
fn expected(opts: &ExecOptions) -> Vec<Kind> {
    let mut k = vec![Kind::Error];
    if opts.stdin {
        k.push(Kind::Stdin);
    }
    if opts.stdout {
        k.push(Kind::Stdout);
    }
    if opts.stderr && !opts.tty {
        k.push(Kind::Stderr);
    }
    if opts.tty {
        k.push(Kind::Resize);
    }
    k
}

async fn write_loop<W: AsyncWrite + Unpin>(mut w: W, mut rx: mpsc::Receiver<Frame>) {
    let mut zc = HeaderCompressor::new();
    while let Some(f) = rx.recv().await {
        let Ok(bytes) = frame::encode(&f, &mut zc) else {
            break;
        };
        if w.write_all(&bytes).await.is_err() {
            break;
        }
        let _ = w.flush().await;
    }
    let _ = w.shutdown().await;
}

pub async fn serve<IO>(io: IO, opts: ExecOptions, start: impl FnOnce() -> Running)
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
    // Frames from the client, read on their own task so output never waits for input.
    let (ftx, mut frames) = mpsc::channel::<Frame>(256);
    let reader = tokio::spawn(async move {
        let mut zd = HeaderDecompressor::new();
        while let Ok(Some(f)) = frame::read_frame(&mut rd, &mut zd).await {
            if ftx.send(f).await.is_err() {
                break;
            }
        }
    });

    let wanted = expected(&opts);
    let mut ids: HashMap<Kind, u32> = HashMap::new();
    let mut kinds: HashMap<u32, Kind> = HashMap::new();
    let mut start = Some(start);
    let mut input: Option<mpsc::UnboundedSender<Input>> = None;
    let mut output: Option<mpsc::Receiver<(Stream, Vec<u8>)>> = None;
    let mut shell: Option<tokio::task::JoinHandle<i32>> = None;
    let mut resize_buf: Vec<u8> = Vec::new();
    // A client that opens fewer streams than its query promised still gets its command run.
    let grace = tokio::time::sleep(Duration::from_secs(2));
    tokio::pin!(grace);

    let code = loop {
        let ready = wanted.iter().all(|k| ids.contains_key(k));
        if let Some(f) = start.take_if(|_| ready) {
            let r = f();
            (input, output, shell) = (Some(r.input), Some(r.output), Some(r.shell));
        }
        tokio::select! {
            _ = &mut grace, if start.is_some() && ids.contains_key(&Kind::Error) => {
                if let Some(f) = start.take() {
                    let r = f();
                    (input, output, shell) = (Some(r.input), Some(r.output), Some(r.shell));
                }
            }
            f = frames.recv() => match f {
                None | Some(Frame::GoAway { .. }) => {
                    if let Some(s) = &shell {
                        s.abort();
                    }
                    break None;
                }
                Some(Frame::SynStream { stream_id, headers, .. }) => {
                    let _ = tx.send(Frame::SynReply { stream_id, flags: 0, headers: Vec::new() }).await;
                    if let Some(k) = kind_of(&headers) {
                        ids.insert(k, stream_id);
                        kinds.insert(stream_id, k);
                    }
                }
                Some(Frame::Data { stream_id, flags, data }) => {
                    if !data.is_empty() {
                        let _ = tx.send(Frame::WindowUpdate { stream_id, delta: data.len() as u32 }).await;
                        let _ = tx.send(Frame::WindowUpdate { stream_id: 0, delta: data.len() as u32 }).await;
                    }
                    let Some(input) = &input else { continue };
                    match kinds.get(&stream_id) {
                        Some(Kind::Stdin) => {
                            if !data.is_empty() {
                                let _ = input.send(Input::Stdin(data.to_vec()));
                            }
                            if flags & FLAG_FIN != 0 {
                                let _ = input.send(Input::StdinClosed);
                            }
                        }
                        Some(Kind::Resize) => {
                            resize_buf.extend_from_slice(&data);
                            if let Some(end) = resize_buf.iter().rposition(|b| *b == b'}') {
                                let complete: Vec<u8> = resize_buf.drain(..=end).collect();
                                for (width, height) in protocol::parse_resizes(&complete) {
                                    let _ = input.send(Input::Resize { width, height });
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Some(Frame::Ping { id }) => {
                    let _ = tx.send(Frame::Ping { id }).await;
                }
                Some(Frame::RstStream { stream_id, .. }) => {
                    if kinds.get(&stream_id) == Some(&Kind::Stdin)
                        && let Some(input) = &input
                    {
                        let _ = input.send(Input::StdinClosed);
                    }
                }
                Some(_) => {}
            },
            out = async { output.as_mut().expect("guarded").recv().await }, if output.is_some() => match out {
                Some((s, bytes)) => {
                    let id = match s {
                        Stream::Stdout => ids.get(&Kind::Stdout),
                        Stream::Stderr => ids.get(&Kind::Stderr),
                    };
                    if let Some(&stream_id) = id {
                        for chunk in bytes.chunks(32 * 1024) {
                            let _ = tx.send(Frame::Data { stream_id, flags: 0, data: Bytes::copy_from_slice(chunk) }).await;
                        }
                    }
                }
                None => output = None,
            },
            code = async { shell.as_mut().expect("guarded").await }, if shell.is_some() && output.is_none() => {
                break Some(code.unwrap_or(1));
            }
        }
    };
    if let Some(code) = code {
        for k in [Kind::Stdout, Kind::Stderr] {
            if let Some(&stream_id) = ids.get(&k) {
                let _ = tx
                    .send(Frame::Data {
                        stream_id,
                        flags: FLAG_FIN,
                        data: Bytes::new(),
                    })
                    .await;
            }
        }
        if let Some(&stream_id) = ids.get(&Kind::Error) {
            let status = protocol::exit_status(&opts.command, code).to_string();
            let _ = tx
                .send(Frame::Data {
                    stream_id,
                    flags: FLAG_FIN,
                    data: Bytes::from(status),
                })
                .await;
        }
        let last = kinds.keys().max().copied().unwrap_or(0);
        let _ = tx
            .send(Frame::GoAway {
                last_good_stream_id: last,
                status: 0,
            })
            .await;
    }
    drop(tx);
    let _ = writer.await;
    reader.abort();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_streams_follow_the_request() {
        let tty = ExecOptions {
            stdin: true,
            stdout: true,
            stderr: false,
            tty: true,
            ..Default::default()
        };
        assert_eq!(
            expected(&tty),
            vec![Kind::Error, Kind::Stdin, Kind::Stdout, Kind::Resize]
        );
        let plain = ExecOptions {
            stdout: true,
            stderr: true,
            ..Default::default()
        };
        assert_eq!(
            expected(&plain),
            vec![Kind::Error, Kind::Stdout, Kind::Stderr]
        );
    }
}
