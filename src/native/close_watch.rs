//! The server's close frame as it was on the wire. tungstenite passes a close frame on as
//! sent, except one whose code it does not know as allowed (1004, 1005, 1006, 1014, 1015,
//! under 1000, 5000 and up): that one it rewrites to 1002 "Protocol violation" before the
//! driver sees it, a code the server never sent, indistinguishable from a real 1002. RFC 6455
//! (7.4) says a code no endpoint may send fails the connection, as browsers fail it; and 1014
//! (bad gateway) is one a server may send. So the bytes the server sends pass through this
//! watch on their way to tungstenite (above TLS): it follows the frame headers, copies no
//! payload but the first close frame's (125 bytes at most, a control frame's limit), and
//! keeps that for the driver ([`CloseWatch::payload`]).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::transport::Io;

/// The longest payload a control frame may have.
const MAX_CONTROL: usize = 125;

/// What the driver reads: the first close frame's payload, once one came.
#[derive(Clone, Default)]
pub(crate) struct CloseWatch(Arc<Mutex<Option<Vec<u8>>>>);

impl CloseWatch {
    /// The first close frame's payload (a code and a reason, or nothing), once it came.
    pub(crate) fn payload(&self) -> Option<Vec<u8>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// `stream`, watched: what the server sends goes through [`Watched`].
    pub(crate) fn watch(&self, stream: Box<dyn Io>) -> Box<dyn Io> {
        Box::new(Watched {
            inner: stream,
            scan: Scan::Response { tail: 0 },
            watch: self.clone(),
        })
    }
}

/// Where the scan is in the server's bytes.
#[derive(Debug, PartialEq)]
enum Scan {
    /// The HTTP response, up to its blank line (the last four bytes seen).
    Response { tail: u32 },
    /// A frame header: the bytes so far.
    Header { bytes: [u8; 14], have: usize },
    /// A payload: bytes left; a close frame's bytes, as they come.
    Payload { left: u64, close: Option<Vec<u8>> },
    /// The first close frame was seen: nothing more to watch.
    Done,
}

struct Watched {
    inner: Box<dyn Io>,
    scan: Scan,
    watch: CloseWatch,
}

impl Scan {
    /// Follows `bytes`; the first close frame's code, once complete.
    fn feed(&mut self, mut bytes: &[u8]) -> Option<Vec<u8>> {
        while let Some((&b, rest)) = bytes.split_first() {
            match self {
                Scan::Done => return None,
                Scan::Response { tail } => {
                    *tail = (*tail << 8) | u32::from(b);
                    bytes = rest;
                    if *tail == u32::from_be_bytes(*b"\r\n\r\n") {
                        *self = Scan::Header {
                            bytes: [0; 14],
                            have: 0,
                        };
                    }
                }
                Scan::Header {
                    bytes: header,
                    have,
                } => {
                    header[*have] = b;
                    *have += 1;
                    bytes = rest;
                    if let Some((close, len)) = parsed(&header[..*have]) {
                        *self = Scan::Payload {
                            left: len,
                            close: close.then(Vec::new),
                        };
                        if let Some(seen) = self.payload(&[]) {
                            return Some(seen);
                        }
                    }
                }
                Scan::Payload { .. } => {
                    let n = match self {
                        Scan::Payload { left, .. } => (*left).min(bytes.len() as u64) as usize,
                        _ => 0,
                    };
                    let (taken, rest) = bytes.split_at(n);
                    bytes = rest;
                    if let Some(code) = self.payload(taken) {
                        return Some(code);
                    }
                }
            }
        }
        None
    }

    /// Takes `bytes` of the payload; at its end, the next header (or, for a close frame, its
    /// payload: the scan is done).
    fn payload(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        let Scan::Payload { left, close } = self else {
            return None;
        };
        if let Some(kept) = close {
            let room = MAX_CONTROL.saturating_sub(kept.len());
            kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
        }
        *left -= bytes.len() as u64;
        if *left > 0 {
            return None;
        }
        let seen = close.take();
        *self = match seen {
            Some(_) => Scan::Done,
            None => Scan::Header {
                bytes: [0; 14],
                have: 0,
            },
        };
        seen
    }
}

/// A complete frame header: whether it is a close frame, and its payload's length; `None`
/// while bytes are missing.
fn parsed(header: &[u8]) -> Option<(bool, u64)> {
    let (&first, &second) = (header.first()?, header.get(1)?);
    let extended = match second & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if second & 0x80 != 0 { 4 } else { 0 };
    if header.len() < 2 + extended + mask {
        return None;
    }
    let len = match extended {
        0 => u64::from(second & 0x7f),
        n => header[2..2 + n]
            .iter()
            .fold(0, |len, &b| (len << 8) | u64::from(b)),
    };
    Some((first & 0x0f == 0x8, len))
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let this = &mut *self;
        if let Some(seen) = this.scan.feed(&buf.filled()[before..]) {
            *this.watch.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(seen);
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The close payload seen when `wire` comes in `chunk`-byte reads.
    fn seen(wire: &[u8], chunk: usize) -> Option<Vec<u8>> {
        let mut scan = Scan::Response { tail: 0 };
        wire.chunks(chunk).find_map(|c| scan.feed(c))
    }

    fn wire(frames: &[&[u8]]) -> Vec<u8> {
        let mut bytes = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec();
        for f in frames {
            bytes.extend_from_slice(f);
        }
        bytes
    }

    #[test]
    fn the_first_close_frames_payload_as_sent_in_any_reads() {
        let text: &[u8] = &[0x81, 0x03, b'a', b'b', b'c'];
        let mut long = vec![0x82, 126, 0x01, 0x00];
        long.extend(std::iter::repeat_n(0x88, 256)); // a payload that looks like close frames
        let bye: &[u8] = &[0x13, 0x88, b'b', b'y', b'e'];
        /// Frames on the wire, and the close payload the watch keeps.
        type Case<'a> = (&'a [&'a [u8]], Option<&'a [u8]>);
        let cases: [Case; 6] = [
            (&[text, &[0x88, 0x02, 0x03, 0xed]], Some(&[0x03, 0xed])),
            (
                &[&long, &[0x88, 0x05, 0x13, 0x88, b'b', b'y', b'e']],
                Some(bye),
            ),
            (&[&[0x88, 0x00]], Some(&[])),
            (&[&[0x88, 0x01, 0x03]], Some(&[0x03])),
            (&[text, text], None),
            (
                &[&[0x88, 0x02, 0x03, 0xe8], &[0x88, 0x02, 0x03, 0xed]],
                Some(&[0x03, 0xe8]),
            ),
        ];
        for (frames, expected) in cases {
            for chunk in [1, 2, 3, 7, 4096] {
                let got = seen(&wire(frames), chunk);
                assert_eq!(got.as_deref(), expected, "{frames:?} in {chunk}s");
            }
        }
    }

    #[test]
    fn extended_and_masked_headers_are_followed() {
        let mut big = vec![0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0];
        big.extend(vec![0; 65536]);
        let masked: &[u8] = &[0x81, 0x82, 1, 2, 3, 4, b'h', b'i'];
        let close: &[u8] = &[0x88, 0x02, 0x0f, 0xa0];
        assert_eq!(
            seen(&wire(&[&big, masked, close]), 1000),
            Some(vec![0x0f, 0xa0])
        );
        // A close frame over a control frame's limit: kept to the limit (tungstenite refuses
        // it).
        let mut huge = vec![0x88, 126, 0x01, 0x00, 0x03, 0xe8];
        huge.extend(vec![b'x'; 254]);
        assert_eq!(
            seen(&wire(&[&huge]), 64).map(|p| p.len()),
            Some(MAX_CONTROL)
        );
    }
}
