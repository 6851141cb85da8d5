//! SPDY/3.1 frame encoding and decoding.
//!
//! Control frame: `1 | version(15) | type(16) | flags(8) | length(24) | payload`.
//! Data frame:    `0 | stream id(31)            | flags(8) | length(24) | payload`.

use std::io;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::zlib::{HeaderCompressor, HeaderDecompressor};

pub const VERSION: u16 = 3;

pub const TYPE_SYN_STREAM: u16 = 1;
pub const TYPE_SYN_REPLY: u16 = 2;
pub const TYPE_RST_STREAM: u16 = 3;
pub const TYPE_SETTINGS: u16 = 4;
pub const TYPE_PING: u16 = 6;
pub const TYPE_GOAWAY: u16 = 7;
pub const TYPE_HEADERS: u16 = 8;
pub const TYPE_WINDOW_UPDATE: u16 = 9;

/// FIN flag of data frames and stream control frames.
pub const FLAG_FIN: u8 = 0x01;
/// UNIDIRECTIONAL flag of SYN_STREAM.
pub const FLAG_UNIDIRECTIONAL: u8 = 0x02;

/// SETTINGS id of the initial per-stream window size.
pub const SETTINGS_INITIAL_WINDOW_SIZE: u32 = 7;

/// RST_STREAM status codes used here.
pub const RST_PROTOCOL_ERROR: u32 = 1;
pub const RST_INVALID_STREAM: u32 = 2;
pub const RST_REFUSED_STREAM: u32 = 3;
pub const RST_CANCEL: u32 = 5;

/// Largest payload a frame can carry (24-bit length).
pub const MAX_FRAME_PAYLOAD: usize = (1 << 24) - 1;

/// Header name/value pairs of a SYN_STREAM, SYN_REPLY or HEADERS frame (names lowercase;
/// multiple values of one name are NUL-separated in a single entry, as on the wire).
pub type Headers = Vec<(String, String)>;

/// One SPDY frame in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    SynStream {
        stream_id: u32,
        associated_to: u32,
        priority: u8,
        slot: u8,
        flags: u8,
        headers: Headers,
    },
    SynReply {
        stream_id: u32,
        flags: u8,
        headers: Headers,
    },
    RstStream {
        stream_id: u32,
        status: u32,
    },
    Settings {
        flags: u8,
        /// (flags, id, value)
        entries: Vec<(u8, u32, u32)>,
    },
    Ping {
        id: u32,
    },
    GoAway {
        last_good_stream_id: u32,
        status: u32,
    },
    Headers {
        stream_id: u32,
        flags: u8,
        headers: Headers,
    },
    WindowUpdate {
        stream_id: u32,
        delta: u32,
    },
    Data {
        stream_id: u32,
        flags: u8,
        data: Bytes,
    },
    /// A control frame of a type this implementation ignores (e.g. CREDENTIAL).
    Unknown {
        frame_type: u16,
        flags: u8,
        payload: Bytes,
    },
}

impl Frame {
    /// Value of header `name` (first value if several).
    pub fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split('\0').next().unwrap_or(""))
    }
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Serialises an uncompressed header block.
pub fn encode_header_block(headers: &Headers) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&(headers.len() as u32).to_be_bytes());
    for (k, v) in headers {
        b.extend_from_slice(&(k.len() as u32).to_be_bytes());
        b.extend_from_slice(k.as_bytes());
        b.extend_from_slice(&(v.len() as u32).to_be_bytes());
        b.extend_from_slice(v.as_bytes());
    }
    b
}

/// Parses an uncompressed header block.
pub fn decode_header_block(mut b: &[u8]) -> io::Result<Headers> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> io::Result<&'a [u8]> {
        if b.len() < n {
            return Err(invalid("short SPDY header block"));
        }
        let (head, rest) = b.split_at(n);
        *b = rest;
        Ok(head)
    }
    fn take_u32(b: &mut &[u8]) -> io::Result<usize> {
        let v = take(b, 4)?;
        Ok(u32::from_be_bytes([v[0], v[1], v[2], v[3]]) as usize)
    }
    let count = take_u32(&mut b)?;
    let mut out = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        let n = take_u32(&mut b)?;
        let name = String::from_utf8_lossy(take(&mut b, n)?).into_owned();
        let n = take_u32(&mut b)?;
        let value = String::from_utf8_lossy(take(&mut b, n)?).into_owned();
        out.push((name, value));
    }
    Ok(out)
}

fn control_header(out: &mut BytesMut, frame_type: u16, flags: u8, len: usize) {
    out.put_u16(0x8000 | VERSION);
    out.put_u16(frame_type);
    out.put_u32(((flags as u32) << 24) | (len as u32 & 0x00ff_ffff));
}

/// Encodes `frame`, compressing header blocks with `zc`.
pub fn encode(frame: &Frame, zc: &mut HeaderCompressor) -> io::Result<BytesMut> {
    let mut out = BytesMut::new();
    match frame {
        Frame::SynStream {
            stream_id,
            associated_to,
            priority,
            slot,
            flags,
            headers,
        } => {
            let block = zc.compress(&encode_header_block(headers))?;
            control_header(&mut out, TYPE_SYN_STREAM, *flags, 10 + block.len());
            out.put_u32(stream_id & 0x7fff_ffff);
            out.put_u32(associated_to & 0x7fff_ffff);
            out.put_u8((priority & 0x07) << 5);
            out.put_u8(*slot);
            out.put_slice(&block);
        }
        Frame::SynReply {
            stream_id,
            flags,
            headers,
        } => {
            let block = zc.compress(&encode_header_block(headers))?;
            control_header(&mut out, TYPE_SYN_REPLY, *flags, 4 + block.len());
            out.put_u32(stream_id & 0x7fff_ffff);
            out.put_slice(&block);
        }
        Frame::Headers {
            stream_id,
            flags,
            headers,
        } => {
            let block = zc.compress(&encode_header_block(headers))?;
            control_header(&mut out, TYPE_HEADERS, *flags, 4 + block.len());
            out.put_u32(stream_id & 0x7fff_ffff);
            out.put_slice(&block);
        }
        Frame::RstStream { stream_id, status } => {
            control_header(&mut out, TYPE_RST_STREAM, 0, 8);
            out.put_u32(stream_id & 0x7fff_ffff);
            out.put_u32(*status);
        }
        Frame::Settings { flags, entries } => {
            control_header(&mut out, TYPE_SETTINGS, *flags, 4 + 8 * entries.len());
            out.put_u32(entries.len() as u32);
            for (f, id, value) in entries {
                out.put_u32(((*f as u32) << 24) | (id & 0x00ff_ffff));
                out.put_u32(*value);
            }
        }
        Frame::Ping { id } => {
            control_header(&mut out, TYPE_PING, 0, 4);
            out.put_u32(*id);
        }
        Frame::GoAway {
            last_good_stream_id,
            status,
        } => {
            control_header(&mut out, TYPE_GOAWAY, 0, 8);
            out.put_u32(last_good_stream_id & 0x7fff_ffff);
            out.put_u32(*status);
        }
        Frame::WindowUpdate { stream_id, delta } => {
            control_header(&mut out, TYPE_WINDOW_UPDATE, 0, 8);
            out.put_u32(stream_id & 0x7fff_ffff);
            out.put_u32(delta & 0x7fff_ffff);
        }
        Frame::Data {
            stream_id,
            flags,
            data,
        } => {
            if data.len() > MAX_FRAME_PAYLOAD {
                return Err(invalid("SPDY data frame too large"));
            }
            out.put_u32(stream_id & 0x7fff_ffff);
            out.put_u32(((*flags as u32) << 24) | data.len() as u32);
            out.put_slice(data);
        }
        Frame::Unknown {
            frame_type,
            flags,
            payload,
        } => {
            control_header(&mut out, *frame_type, *flags, payload.len());
            out.put_slice(payload);
        }
    }
    Ok(out)
}

/// Decodes one frame from its 8-byte header and payload.
pub fn decode(head: [u8; 8], payload: Bytes, zd: &mut HeaderDecompressor) -> io::Result<Frame> {
    let w0 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    let flags = head[4];
    let mut p = payload;
    if w0 & 0x8000_0000 == 0 {
        return Ok(Frame::Data {
            stream_id: w0 & 0x7fff_ffff,
            flags,
            data: p,
        });
    }
    let version = ((w0 >> 16) & 0x7fff) as u16;
    if version != VERSION {
        return Err(invalid(format!("unsupported SPDY version {version}")));
    }
    let frame_type = (w0 & 0xffff) as u16;
    let need = |p: &Bytes, n: usize| {
        if p.len() < n {
            Err(invalid(format!(
                "short SPDY control frame of type {frame_type}"
            )))
        } else {
            Ok(())
        }
    };
    let frame = match frame_type {
        TYPE_SYN_STREAM => {
            need(&p, 10)?;
            let stream_id = p.get_u32() & 0x7fff_ffff;
            let associated_to = p.get_u32() & 0x7fff_ffff;
            let priority = p.get_u8() >> 5;
            let slot = p.get_u8();
            let headers = decode_header_block(&zd.decompress(&p)?)?;
            Frame::SynStream {
                stream_id,
                associated_to,
                priority,
                slot,
                flags,
                headers,
            }
        }
        TYPE_SYN_REPLY | TYPE_HEADERS => {
            need(&p, 4)?;
            let stream_id = p.get_u32() & 0x7fff_ffff;
            let headers = decode_header_block(&zd.decompress(&p)?)?;
            if frame_type == TYPE_SYN_REPLY {
                Frame::SynReply {
                    stream_id,
                    flags,
                    headers,
                }
            } else {
                Frame::Headers {
                    stream_id,
                    flags,
                    headers,
                }
            }
        }
        TYPE_RST_STREAM => {
            need(&p, 8)?;
            Frame::RstStream {
                stream_id: p.get_u32() & 0x7fff_ffff,
                status: p.get_u32(),
            }
        }
        TYPE_SETTINGS => {
            need(&p, 4)?;
            let n = p.get_u32() as usize;
            need(&p, n.saturating_mul(8))?;
            let entries = (0..n)
                .map(|_| {
                    let a = p.get_u32();
                    ((a >> 24) as u8, a & 0x00ff_ffff, p.get_u32())
                })
                .collect();
            Frame::Settings { flags, entries }
        }
        TYPE_PING => {
            need(&p, 4)?;
            Frame::Ping { id: p.get_u32() }
        }
        TYPE_GOAWAY => {
            need(&p, 4)?;
            let last_good_stream_id = p.get_u32() & 0x7fff_ffff;
            // SPDY/2 GOAWAY had no status; tolerate its absence.
            let status = if p.len() >= 4 { p.get_u32() } else { 0 };
            Frame::GoAway {
                last_good_stream_id,
                status,
            }
        }
        TYPE_WINDOW_UPDATE => {
            need(&p, 8)?;
            Frame::WindowUpdate {
                stream_id: p.get_u32() & 0x7fff_ffff,
                delta: p.get_u32() & 0x7fff_ffff,
            }
        }
        _ => Frame::Unknown {
            frame_type,
            flags,
            payload: p,
        },
    };
    Ok(frame)
}

/// Reads the next frame. `Ok(None)` on a clean EOF between frames.
pub async fn read_frame<R: AsyncRead + Unpin>(
    r: &mut R,
    zd: &mut HeaderDecompressor,
) -> io::Result<Option<Frame>> {
    let mut head = [0u8; 8];
    let mut got = 0;
    while got < head.len() {
        let n = r.read(&mut head[got..]).await?;
        if n == 0 {
            if got == 0 {
                return Ok(None);
            }
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        got += n;
    }
    let len = (u32::from_be_bytes([head[4], head[5], head[6], head[7]]) & 0x00ff_ffff) as usize;
    let mut payload = vec![0u8; len];
    r.read_exact(&mut payload).await?;
    decode(head, Bytes::from(payload), zd).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(frames: Vec<Frame>) {
        let mut zc = HeaderCompressor::new();
        let mut zd = HeaderDecompressor::new();
        let mut wire = Vec::new();
        for f in &frames {
            wire.extend_from_slice(&encode(f, &mut zc).unwrap());
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let decoded = rt.block_on(async {
            let mut r = &wire[..];
            let mut out = Vec::new();
            while let Some(f) = read_frame(&mut r, &mut zd).await.unwrap() {
                out.push(f);
            }
            out
        });
        assert_eq!(decoded, frames);
    }

    fn h(pairs: &[(&str, &str)]) -> Headers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn frames_round_trip() {
        roundtrip(vec![
            Frame::Settings {
                flags: 0,
                entries: vec![(0, SETTINGS_INITIAL_WINDOW_SIZE, 1 << 24)],
            },
            Frame::SynStream {
                stream_id: 1,
                associated_to: 0,
                priority: 3,
                slot: 0,
                flags: FLAG_FIN,
                headers: h(&[("streamtype", "error"), ("port", "80"), ("requestid", "0")]),
            },
            Frame::SynStream {
                stream_id: 3,
                associated_to: 0,
                priority: 0,
                slot: 0,
                flags: 0,
                headers: h(&[("streamtype", "data"), ("port", "80"), ("requestid", "0")]),
            },
            Frame::SynReply {
                stream_id: 3,
                flags: 0,
                headers: vec![],
            },
            Frame::Headers {
                stream_id: 3,
                flags: FLAG_FIN,
                headers: h(&[("x", "a\0b")]),
            },
            Frame::Data {
                stream_id: 3,
                flags: 0,
                data: Bytes::from_static(b"GET / HTTP/1.1\r\n\r\n"),
            },
            Frame::Data {
                stream_id: 3,
                flags: FLAG_FIN,
                data: Bytes::new(),
            },
            Frame::WindowUpdate {
                stream_id: 3,
                delta: 18,
            },
            Frame::Ping { id: 7 },
            Frame::RstStream {
                stream_id: 5,
                status: RST_CANCEL,
            },
            Frame::GoAway {
                last_good_stream_id: 3,
                status: 0,
            },
        ]);
    }

    #[test]
    fn data_frame_wire_layout() {
        let mut zc = HeaderCompressor::new();
        let f = Frame::Data {
            stream_id: 5,
            flags: FLAG_FIN,
            data: Bytes::from_static(b"hi"),
        };
        assert_eq!(
            &encode(&f, &mut zc).unwrap()[..],
            b"\x00\x00\x00\x05\x01\x00\x00\x02hi"
        );
        let p = Frame::Ping { id: 1 };
        assert_eq!(
            &encode(&p, &mut zc).unwrap()[..],
            b"\x80\x03\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01"
        );
    }

    #[test]
    fn header_block_round_trip_and_lookup() {
        let hs = h(&[
            ("streamtype", "data"),
            ("port", "8080"),
            ("requestid", "12"),
        ]);
        let raw = encode_header_block(&hs);
        assert_eq!(&raw[..4], &[0, 0, 0, 3]);
        let back = decode_header_block(&raw).unwrap();
        assert_eq!(back, hs);
        assert_eq!(Frame::header(&back, "port"), Some("8080"));
        assert!(decode_header_block(&raw[..raw.len() - 1]).is_err());
    }
}
