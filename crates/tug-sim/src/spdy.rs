//! SPDY/3.1 framing as Kubernetes port-forward speaks it (`portforward.k8s.io`): kubectl opens, per forwarded
//! connection, an error stream and a data stream whose headers name the `port`; bytes travel in DATA frames.
//! Only what a port-forward server needs: SYN_STREAM in, SYN_REPLY/DATA/RST_STREAM/PING out. Header blocks are
//! zlib with SPDY's preset dictionary (read by inflating the dictionary as a stored block first, since the
//! deflate backend cannot preset one; written as stored blocks, which need none). Pure; must not do I/O.

use std::sync::LazyLock;

use flate2::{Decompress, FlushDecompress, Status};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpdyError {
    #[error("spdy: {0}")]
    Protocol(&'static str),
}

type Result<T> = std::result::Result<T, SpdyError>;

/// The SPDY/3 header compression dictionary (draft 3, section 2.6.10.1): length-prefixed header names, then a
/// run of common values.
static DICTIONARY: LazyLock<Vec<u8>> = LazyLock::new(|| {
    const WORDS: &[&str] = &[
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
    const TAIL: &str = "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505\
        203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized\
        403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable\
        Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT\
        chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,\
        text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
    let mut d = Vec::with_capacity(1424);
    for w in WORDS {
        d.extend_from_slice(&u32::try_from(w.len()).unwrap_or(0).to_be_bytes());
        d.extend_from_slice(w.as_bytes());
    }
    d.extend_from_slice(TAIL.as_bytes());
    // Go's and Chromium's copies end with the C string's NUL.
    d.push(0);
    d
});

const SYN_STREAM: u16 = 1;
const SYN_REPLY: u16 = 2;
const RST_STREAM: u16 = 3;
const PING: u16 = 6;
const FLAG_FIN: u8 = 1;

/// A frame the server acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    SynStream {
        id: u32,
        headers: Vec<(String, String)>,
        fin: bool,
    },
    Data {
        id: u32,
        data: Vec<u8>,
        fin: bool,
    },
    RstStream {
        id: u32,
    },
    Ping(u32),
    /// SETTINGS, WINDOW_UPDATE, GOAWAY, HEADERS, NOOP: nothing to answer.
    Other,
}

/// One side of a SPDY session: buffers bytes in, parses frames, and keeps the header decompressor.
pub struct Session {
    buf: Vec<u8>,
    inflate: Decompress,
    inflate_started: bool,
    deflate_started: bool,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    pub fn new() -> Self {
        Self {
            buf: Vec::new(),
            inflate: Decompress::new(false),
            inflate_started: false,
            deflate_started: false,
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, if the buffer holds one.
    pub fn next_frame(&mut self) -> Result<Option<Frame>> {
        if self.buf.len() < 8 {
            return Ok(None);
        }
        let len = usize::from(self.buf[5]) << 16
            | usize::from(self.buf[6]) << 8
            | usize::from(self.buf[7]);
        if self.buf.len() < 8 + len {
            return Ok(None);
        }
        let head: [u8; 8] = self.buf[..8]
            .try_into()
            .map_err(|_| SpdyError::Protocol("short frame"))?;
        let body: Vec<u8> = self.buf[8..8 + len].to_vec();
        self.buf.drain(..8 + len);
        let flags = head[4];
        if head[0] & 0x80 == 0 {
            let id = u32::from_be_bytes([head[0] & 0x7f, head[1], head[2], head[3]]);
            return Ok(Some(Frame::Data {
                id,
                data: body,
                fin: flags & FLAG_FIN != 0,
            }));
        }
        let kind = u16::from_be_bytes([head[2], head[3]]);
        let word = |at: usize| -> Result<u32> {
            body.get(at..at + 4)
                .and_then(|b| b.try_into().ok())
                .map(|b: [u8; 4]| u32::from_be_bytes(b) & 0x7fff_ffff)
                .ok_or(SpdyError::Protocol("truncated control frame"))
        };
        Ok(Some(match kind {
            SYN_STREAM => {
                let id = word(0)?;
                let block = body
                    .get(10..)
                    .ok_or(SpdyError::Protocol("truncated SYN_STREAM"))?;
                let headers = self.headers(block)?;
                Frame::SynStream {
                    id,
                    headers,
                    fin: flags & FLAG_FIN != 0,
                }
            }
            RST_STREAM => Frame::RstStream { id: word(0)? },
            PING => Frame::Ping(word(0)?),
            _ => Frame::Other,
        }))
    }

    /// Inflates one header block (the session shares one zlib stream) and reads its name/value pairs.
    fn headers(&mut self, block: &[u8]) -> Result<Vec<(String, String)>> {
        let mut input = block;
        let mut out = Vec::with_capacity(256);
        if !self.inflate_started {
            // A zlib header with FDICT: two bytes and the dictionary's Adler-32.
            if input.len() < 6 || input[1] & 0x20 == 0 {
                return Err(SpdyError::Protocol(
                    "header block without the SPDY dictionary",
                ));
            }
            let id = u32::from_be_bytes([input[2], input[3], input[4], input[5]]);
            input = &input[6..];
            // Copies of the dictionary differ in its final NUL: the client's Adler-32 says which it used.
            let dict = [&DICTIONARY[..], &DICTIONARY[..DICTIONARY.len() - 1]]
                .into_iter()
                .find(|d| adler32(d) == id)
                .ok_or(SpdyError::Protocol(
                    "header block compressed with an unknown dictionary",
                ))?;
            let n = u16::try_from(dict.len()).map_err(|_| SpdyError::Protocol("dictionary"))?;
            let mut preset = vec![0u8];
            preset.extend_from_slice(&n.to_le_bytes());
            preset.extend_from_slice(&(!n).to_le_bytes());
            preset.extend_from_slice(dict);
            let mut sink = Vec::with_capacity(dict.len() + 16);
            self.inflate_all(&preset, &mut sink)?;
            self.inflate_started = true;
        }
        self.inflate_all(input, &mut out)?;
        parse_block(&out)
    }

    fn inflate_all(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        loop {
            if out.capacity() - out.len() < 1024 {
                out.reserve(4096);
            }
            let before = self.inflate.total_in();
            let status = self
                .inflate
                .decompress_vec(input, out, FlushDecompress::Sync)
                .map_err(|_| SpdyError::Protocol("bad header compression"))?;
            let used = usize::try_from(self.inflate.total_in() - before).unwrap_or(input.len());
            input = &input[used.min(input.len())..];
            if input.is_empty() && out.capacity() > out.len() {
                return Ok(());
            }
            if status == Status::StreamEnd || (used == 0 && out.capacity() > out.len()) {
                return Ok(());
            }
        }
    }

    /// A header block for our frames: zlib stored blocks (no dictionary needed to read them).
    fn block(&mut self, headers: &[(&str, &str)]) -> Vec<u8> {
        let mut raw = Vec::new();
        raw.extend_from_slice(&u32::try_from(headers.len()).unwrap_or(0).to_be_bytes());
        for (k, v) in headers {
            for s in [k, v] {
                raw.extend_from_slice(&u32::try_from(s.len()).unwrap_or(0).to_be_bytes());
                raw.extend_from_slice(s.as_bytes());
            }
        }
        let mut out = Vec::new();
        if !self.deflate_started {
            // CMF 0x78, FLG 0x01: deflate, 32 KiB window, no preset dictionary; (0x7801 % 31 == 0).
            out.extend_from_slice(&[0x78, 0x01]);
            self.deflate_started = true;
        }
        let n = u16::try_from(raw.len()).unwrap_or(u16::MAX);
        out.push(0);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(!n).to_le_bytes());
        out.extend_from_slice(&raw[..usize::from(n)]);
        // The empty stored block of a zlib sync flush: Go's inflater hands out a block's bytes only at the
        // next block boundary, so without it the reader waits past the frame's end.
        out.extend_from_slice(&[0, 0, 0, 0xff, 0xff]);
        out
    }

    pub fn syn_reply(&mut self, id: u32) -> Vec<u8> {
        let mut body = id.to_be_bytes().to_vec();
        body.extend(self.block(&[]));
        control(SYN_REPLY, 0, &body)
    }
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for x in data {
        a = (a + u32::from(*x)) % 65521;
        b = (b + a) % 65521;
    }
    b << 16 | a
}

fn control(kind: u16, flags: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0x80, 3];
    out.extend_from_slice(&kind.to_be_bytes());
    out.push(flags);
    let len = u32::try_from(body.len()).unwrap_or(0).to_be_bytes();
    out.extend_from_slice(&len[1..]);
    out.extend_from_slice(body);
    out
}

/// A DATA frame (`fin` closes our side of the stream).
pub fn data(id: u32, payload: &[u8], fin: bool) -> Vec<u8> {
    let mut out = (id & 0x7fff_ffff).to_be_bytes().to_vec();
    out.push(if fin { FLAG_FIN } else { 0 });
    let len = u32::try_from(payload.len()).unwrap_or(0).to_be_bytes();
    out.extend_from_slice(&len[1..]);
    out.extend_from_slice(payload);
    out
}

pub fn ping(id: u32) -> Vec<u8> {
    control(PING, 0, &id.to_be_bytes())
}

fn parse_block(b: &[u8]) -> Result<Vec<(String, String)>> {
    let mut at = 0;
    let mut word = |len: usize| -> Result<&[u8]> {
        let s = b
            .get(at..at + len)
            .ok_or(SpdyError::Protocol("truncated header block"))?;
        at += len;
        Ok(s)
    };
    let num = |s: &[u8]| -> usize { s.iter().fold(0usize, |n, x| n << 8 | usize::from(*x)) };
    let count = num(word(4)?);
    let mut out = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        let klen = num(word(4)?);
        let k = String::from_utf8_lossy(word(klen)?).to_ascii_lowercase();
        let vlen = num(word(4)?);
        let v = String::from_utf8_lossy(word(vlen)?).into_owned();
        out.push((k, v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client's SYN_STREAM, compressed as Go's zlib writer does it (with the preset dictionary).
    fn client_syn(id: u32, headers: &[(&str, &str)]) -> Vec<u8> {
        use flate2::{Compress, Compression, FlushCompress};
        let mut raw = (headers.len() as u32).to_be_bytes().to_vec();
        for (k, v) in headers {
            for s in [k, v] {
                raw.extend_from_slice(&(s.len() as u32).to_be_bytes());
                raw.extend_from_slice(s.as_bytes());
            }
        }
        // Raw deflate of dictionary+block, keeping only the block's part, stands in for a preset dictionary:
        // a stored dictionary block first makes back-references into it valid for the reader.
        let mut c = Compress::new(Compression::fast(), false);
        let mut out = Vec::with_capacity(4096);
        c.compress_vec(&raw, &mut out, FlushCompress::Sync).unwrap();
        let mut block = vec![0x78, 0xbb];
        block.extend_from_slice(&adler32(&DICTIONARY).to_be_bytes());
        block.extend(out);
        let mut body = id.to_be_bytes().to_vec();
        body.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        body.extend(block);
        control(SYN_STREAM, 0, &body)
    }

    #[test]
    fn the_dictionary_is_spdy3s() {
        assert_eq!(DICTIONARY.len(), 1424);
        assert!(DICTIONARY.starts_with(b"\0\0\0\x07options"));
    }

    #[test]
    fn reads_syn_streams_and_data_split_anywhere() {
        let mut s = Session::new();
        let mut bytes = client_syn(
            1,
            &[("streamType", "error"), ("port", "80"), ("requestID", "0")],
        );
        bytes.extend(data(3, b"GET / HTTP/1.1\r\n\r\n", false));
        let (a, b) = bytes.split_at(5);
        s.feed(a);
        assert_eq!(s.next_frame().unwrap(), None);
        s.feed(b);
        match s.next_frame().unwrap() {
            Some(Frame::SynStream { id: 1, headers, .. }) => {
                assert!(headers.contains(&("port".into(), "80".into())));
                assert!(headers.contains(&("streamtype".into(), "error".into())));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            s.next_frame().unwrap(),
            Some(Frame::Data {
                id: 3,
                data: b"GET / HTTP/1.1\r\n\r\n".to_vec(),
                fin: false
            })
        );
    }

    #[test]
    fn our_reply_header_blocks_inflate_as_zlib() {
        let mut s = Session::new();
        let reply = s.syn_reply(1);
        assert_eq!(&reply[..4], &[0x80, 3, 0, 2]);
        let mut d = Decompress::new(true);
        let mut out = Vec::with_capacity(64);
        d.decompress_vec(&reply[12..], &mut out, FlushDecompress::Sync)
            .unwrap();
        assert_eq!(out, vec![0, 0, 0, 0]);
    }
}

#[cfg(test)]
mod kubectl_capture {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    /// kubectl v1.32's first two SYN_STREAMs of a port-forward (error stream, then data stream), as `-v=7`
    /// logs them: the second header block refers back into the first.
    #[test]
    fn reads_kubectls_header_blocks_with_the_preset_dictionary() {
        let mut s = Session::new();
        s.feed(&hex("80 03 00 01 00 00 00 3D 00 00 00 01 00 00 00 00 00 00 78 F9 E3 C6 A7 C2 02 25 3A 48 F9 5B 04 4A AB 4C 16 06 0C 0C 0C 9C 45 90 D8 CA 04 A5 62 46 03 70 3A 2C 29 4A 4D CC 85 16 35 AC A9 A0 88 00 00 00 00 FF FF"));
        s.feed(&hex("00 00 00 01 01 00 00 00"));
        s.feed(&hex("80 03 00 01 00 00 00 1A 00 00 00 03 00 00 00 00 00 00 82 6A 45 95 02 95 42 89 84 0C 04 00 00 00 FF FF"));
        let Some(Frame::SynStream { id: 1, headers, .. }) = s.next_frame().unwrap() else {
            panic!("error stream")
        };
        assert!(
            headers.contains(&("streamtype".into(), "error".into())),
            "{headers:?}"
        );
        assert!(
            headers.contains(&("port".into(), "80".into())),
            "{headers:?}"
        );
        assert!(matches!(
            s.next_frame().unwrap(),
            Some(Frame::Data {
                id: 1,
                fin: true,
                ..
            })
        ));
        let Some(Frame::SynStream { id: 3, headers, .. }) = s.next_frame().unwrap() else {
            panic!("data stream")
        };
        assert!(
            headers.contains(&("streamtype".into(), "data".into())),
            "{headers:?}"
        );
    }
}
