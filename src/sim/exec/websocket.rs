//! Exec over WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`): every binary message is a
//! channel byte and payload — 0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, and in v5
//! `[255, ch]` closing channel `ch`. Like the kubelet, the server first sends an empty message
//! on the lowest channel it writes, and after the command ends the status on channel 3, then
//! closes the WebSocket.

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, frame::coding::CloseCode};

use super::Running;
use super::protocol::{self, CLOSE, ExecOptions, RESIZE, STATUS, STDERR, STDIN, STDOUT};
use super::shell::{Input, Stream};
use crate::sim::portforward::websocket::{channel_message, split_channel};

pub async fn serve<IO>(io: IO, close_signal: bool, opts: ExecOptions, running: Running)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let Running {
        input,
        mut output,
        mut shell,
    } = running;
    let ws = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
    let (mut sink, mut stream) = ws.split();
    let first = if opts.stdout {
        STDOUT
    } else if opts.stderr && !opts.tty {
        STDERR
    } else {
        STATUS
    };
    if sink.send(Message::binary(vec![first])).await.is_err() {
        shell.abort();
        return;
    }
    let mut output_open = true;
    let code = loop {
        tokio::select! {
            out = output.recv(), if output_open => match out {
                Some((s, bytes)) => {
                    let ch = match s {
                        Stream::Stdout if opts.stdout => STDOUT,
                        Stream::Stderr if opts.stderr => STDERR,
                        _ => continue,
                    };
                    if sink.send(Message::binary(channel_message(ch, &bytes))).await.is_err() {
                        shell.abort();
                        return;
                    }
                }
                None => output_open = false,
            },
            code = &mut shell, if !output_open => break code.unwrap_or(1),
            msg = stream.next() => match msg {
                Some(Ok(Message::Binary(b))) => match split_channel(&b) {
                    Some((STDIN, data)) if !data.is_empty() => {
                        let _ = input.send(Input::Stdin(data.to_vec()));
                    }
                    Some((RESIZE, data)) => {
                        for (width, height) in protocol::parse_resizes(data) {
                            let _ = input.send(Input::Resize { width, height });
                        }
                    }
                    Some((CLOSE, [STDIN])) if close_signal => {
                        let _ = input.send(Input::StdinClosed);
                    }
                    _ => {}
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    // The client left: the command dies with its session.
                    shell.abort();
                    return;
                }
                Some(Ok(_)) => {}
            },
        }
    };
    let status = protocol::exit_status(&opts.command, code).to_string();
    let _ = sink
        .send(Message::binary(channel_message(STATUS, status.as_bytes())))
        .await;
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        })))
        .await;
    // Give the client its chance to answer the close before the connection drops.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
        while let Some(Ok(m)) = stream.next().await {
            if m.is_close() {
                break;
            }
        }
    })
    .await;
}
