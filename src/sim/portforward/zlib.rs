//! SPDY/3 header-block compression: zlib with the SPDY/3 dictionary, one context per direction,
//! every block ending on a sync flush.

use std::io;
use std::sync::OnceLock;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// Header names/values that make up the first part of the SPDY/3 dictionary, each stored as a
/// 32-bit big-endian length followed by the bytes (SPDY/3 draft, section 2.6.10.1).
const DICTIONARY_WORDS: &[&str] = &[
    "options",
    "head",
    "post",
    "put",
    "delete",
    "trace",
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "connection",
    "content-base",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-md5",
    "content-range",
    "content-type",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "pragma",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "retry-after",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "vary",
    "via",
    "warning",
    "www-authenticate",
    "method",
    "get",
    "status",
    "200 OK",
    "version",
    "HTTP/1.1",
    "url",
    "public",
    "set-cookie",
    "keep-alive",
    "origin",
];

/// The free-form tail of the SPDY/3 dictionary, appended verbatim after the words.
const DICTIONARY_TAIL: &str = concat!(
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505",
    "203 Non-Authoritative Information",
    "204 No Content",
    "301 Moved Permanently",
    "400 Bad Request",
    "401 Unauthorized",
    "403 Forbidden",
    "404 Not Found",
    "500 Internal Server Error",
    "501 Not Implemented",
    "503 Service Unavailable",
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec",
    " 00:00:00",
    " Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT",
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,",
    "text/plain,text/javascript,public",
    "private",
    "max-age=",
    "gzip,deflate,sdch",
    "charset=utf-8",
    "charset=iso-8859-1,",
    "utf-,",
    "*,",
    "enq=0.",
);

/// The SPDY/3 zlib dictionary (1423 bytes).
pub fn dictionary() -> &'static [u8] {
    static DICT: OnceLock<Vec<u8>> = OnceLock::new();
    DICT.get_or_init(|| {
        let mut d = Vec::with_capacity(1423);
        for w in DICTIONARY_WORDS {
            d.extend_from_slice(&(w.len() as u32).to_be_bytes());
            d.extend_from_slice(w.as_bytes());
        }
        d.extend_from_slice(DICTIONARY_TAIL.as_bytes());
        d
    })
}

/// Compressing side of a SPDY session (the frames this end sends).
pub struct HeaderCompressor {
    z: Compress,
}

impl Default for HeaderCompressor {
    fn default() -> Self {
        Self::new()
    }
}

impl HeaderCompressor {
    pub fn new() -> Self {
        let mut z = Compress::new(Compression::best(), true);
        z.set_dictionary(dictionary())
            .expect("zlib accepts the SPDY dictionary before the first block");
        Self { z }
    }

    /// Compresses one header block, ending it with a sync flush so the peer can decode it alone.
    pub fn compress(&mut self, block: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(block.len() + 64);
        let start_in = self.z.total_in();
        loop {
            let consumed = (self.z.total_in() - start_in) as usize;
            if out.capacity() - out.len() < 64 {
                out.reserve(256);
            }
            self.z
                .compress_vec(&block[consumed..], &mut out, FlushCompress::Sync)
                .map_err(io::Error::other)?;
            let consumed = (self.z.total_in() - start_in) as usize;
            // Done once all input is in and the flush left spare room in the buffer.
            if consumed == block.len() && out.len() < out.capacity() {
                return Ok(out);
            }
        }
    }
}

/// Decompressing side of a SPDY session (the frames the peer sends).
pub struct HeaderDecompressor {
    z: Decompress,
}

impl Default for HeaderDecompressor {
    fn default() -> Self {
        Self::new()
    }
}

impl HeaderDecompressor {
    pub fn new() -> Self {
        Self {
            z: Decompress::new(true),
        }
    }

    /// Decompresses one header block (the whole compressed payload of one frame).
    pub fn decompress(&mut self, input: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(input.len() * 4 + 64);
        let start_in = self.z.total_in();
        loop {
            let consumed = (self.z.total_in() - start_in) as usize;
            if out.capacity() - out.len() < 256 {
                out.reserve(out.capacity().max(1024));
            }
            let before_out = out.len();
            match self
                .z
                .decompress_vec(&input[consumed..], &mut out, FlushDecompress::Sync)
            {
                Ok(Status::StreamEnd) => return Ok(out),
                Ok(_) => {}
                Err(e) if e.needs_dictionary().is_some() => {
                    self.z
                        .set_dictionary(dictionary())
                        .map_err(io::Error::other)?;
                    continue;
                }
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
            let consumed_now = (self.z.total_in() - start_in) as usize;
            if consumed_now == input.len() && out.len() < out.capacity() {
                return Ok(out);
            }
            if consumed_now == consumed && out.len() == before_out && out.len() < out.capacity() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "truncated SPDY header block",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_has_spec_shape() {
        let d = dictionary();
        assert_eq!(d.len(), 1423);
        assert!(d.starts_with(b"\x00\x00\x00\x07options\x00\x00\x00\x04head"));
        assert!(d.ends_with(b"utf-,*,enq=0."));
    }

    #[test]
    fn compress_then_decompress_across_blocks_with_shared_context() {
        let mut c = HeaderCompressor::new();
        let mut d = HeaderDecompressor::new();
        for i in 0..5 {
            let block =
                format!("\x00\x00\x00\x01\x00\x00\x00\x0astreamtype\x00\x00\x00\x04data{i}");
            let z = c.compress(block.as_bytes()).unwrap();
            if i == 0 {
                // zlib header announcing a preset dictionary (FDICT).
                assert_eq!(z[0] & 0x0f, 8);
                assert_ne!(z[1] & 0x20, 0);
            }
            assert_eq!(d.decompress(&z).unwrap(), block.as_bytes());
        }
        // Large block spanning several output buffers.
        let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let z = c.compress(&big).unwrap();
        assert_eq!(d.decompress(&z).unwrap(), big);
    }
}
