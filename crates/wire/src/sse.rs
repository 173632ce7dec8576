//! An incremental Server-Sent Events parser that keeps what a browser's EventSource throws away.
//!
//! mcpscope must show every frame as it crossed the wire: comment lines (keep-alives),
//! priming events with an id and empty data (MCP 2025-11-25), `retry` fields, and the exact
//! bytes of each frame. Off-the-shelf parsers (eventsource-stream included) follow the WHATWG
//! dispatch rules, which drop frames with empty data and discard comments, so this one is ours.
//!
//! Field rules follow the WHATWG spec: lines end with CRLF, LF or CR; a leading BOM is
//! skipped; `field: value` strips one space after the colon; `data` lines join with `\n`;
//! a blank line ends the frame.

use std::borrow::Cow;
use std::ops::Range;

use bytes::Bytes;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One frame: everything between two blank lines, borrowed from the bytes it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame<'a> {
    pub id: Option<&'a str>,
    pub event: Option<&'a str>,
    /// `data` lines joined by `\n`; empty when the frame had no data line. Borrowed unless
    /// the frame had several data lines.
    pub data: Cow<'a, str>,
    pub has_data: bool,
    pub retry_ms: Option<u64>,
    pub comments: Vec<&'a str>,
    /// Lines with an unknown field name or an invalid `retry` value.
    pub ignored: Vec<&'a str>,
    /// The frame's bytes as received (lossy UTF-8), terminating blank line included.
    pub raw: &'a str,
}

/// A [`Frame`] with its own copies of the texts, to keep or compare after the parser moved
/// on (tests, the property tests' oracle comparison).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedFrame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
    pub has_data: bool,
    pub retry_ms: Option<u64>,
    pub comments: Vec<String>,
    pub ignored: Vec<String>,
    pub raw: String,
}

impl From<Frame<'_>> for OwnedFrame {
    fn from(f: Frame<'_>) -> OwnedFrame {
        let owned = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect();
        OwnedFrame {
            id: f.id.map(str::to_owned),
            event: f.event.map(str::to_owned),
            data: f.data.into_owned(),
            has_data: f.has_data,
            retry_ms: f.retry_ms,
            comments: owned(f.comments),
            ignored: owned(f.ignored),
            raw: f.raw.to_owned(),
        }
    }
}

/// Where a complete frame's bytes are.
#[derive(Debug, Clone)]
pub enum FrameBytes {
    /// Within the chunk just fed.
    Chunk(Range<usize>),
    /// Gathered from several chunks: the frame was cut by a chunk boundary.
    Gathered(Bytes),
}

impl FrameBytes {
    /// The frame's bytes, given the chunk they were found in.
    pub fn of<'a>(&'a self, chunk: &'a [u8]) -> &'a [u8] {
        match self {
            FrameBytes::Chunk(range) => &chunk[range.clone()],
            FrameBytes::Gathered(bytes) => bytes,
        }
    }

    /// The frame's fields (the bytes as lossy UTF-8 are handed to `parse`).
    pub fn parse<R>(&self, chunk: &[u8], parse: impl FnOnce(Frame<'_>) -> R) -> R {
        parse(frame_of(&lossy(self.of(chunk))))
    }
}

/// Splits a byte stream into frames without copying it: a frame that lies within one chunk
/// is found where it lies; only a frame cut by a chunk boundary is gathered in `carry`.
#[derive(Debug, Default)]
pub struct SseParser {
    /// The beginning of an unfinished frame, from earlier chunks (or, before the stream's
    /// first three bytes are in, those bytes: they may be a BOM).
    carry: Vec<u8>,
    /// `carry` ends inside a line.
    in_line: bool,
    bom_checked: bool,
    /// The previous chunk ended with CR: an LF at the start of the next one belongs to it.
    pending_cr: bool,
}

impl SseParser {
    pub fn new() -> SseParser {
        SseParser::default()
    }

    /// Feeds bytes, handing every frame they complete to `on_frame`, in order.
    pub fn feed(&mut self, chunk: &[u8], mut on_frame: impl FnMut(Frame<'_>)) {
        self.split(chunk, |bytes| bytes.parse(chunk, &mut on_frame));
    }

    /// Feeds bytes, handing where each frame they complete lies to `on_frame`, in order: the
    /// fields can be read later, elsewhere ([`FrameBytes::parse`]).
    pub fn split(&mut self, chunk: &[u8], mut on_frame: impl FnMut(FrameBytes)) {
        let mut start = 0;
        if self.pending_cr && !chunk.is_empty() {
            self.pending_cr = false;
            if chunk[0] == b'\n' {
                // Belongs to the CR that ended the previous line: keep it with that line's
                // frame, or drop it when that CR ended the frame (already handed out).
                if !self.carry.is_empty() {
                    self.carry.push(b'\n');
                }
                start = 1;
            }
        }
        if !self.bom_checked {
            match self.skip_bom(&chunk[start..]) {
                Some(skip) => start += skip,
                None => return,
            }
        }
        self.scan(chunk, start, &mut on_frame);
    }

    /// Settles whether the stream starts with a BOM, from its first bytes (gathered in
    /// `carry` while fewer than three). `None`: not known yet; else how many bytes of `chunk`
    /// belong to the BOM.
    fn skip_bom(&mut self, chunk: &[u8]) -> Option<usize> {
        let gathered = self.carry.len();
        let take = chunk.len().min(BOM.len() - gathered);
        self.carry.extend_from_slice(&chunk[..take]);
        if self.carry.len() < BOM.len() && BOM.starts_with(&self.carry) {
            return None;
        }
        self.bom_checked = true;
        if self.carry == BOM {
            self.carry.clear();
            return Some(take);
        }
        // No BOM. The bytes gathered before this chunk (a BOM's first ones, no line end among
        // them) begin the first line.
        self.carry.truncate(gathered);
        self.in_line = gathered > 0;
        Some(0)
    }

    /// Finds the frames in `chunk[start..]`, which continues whatever `carry` holds.
    fn scan(&mut self, chunk: &[u8], start: usize, on_frame: &mut impl FnMut(FrameBytes)) {
        // Where the frame being read starts in `chunk` (`start` while `carry` holds its
        // beginning), and whether it has a line yet.
        let mut frame_start = start;
        let mut has_lines = !self.carry.is_empty();
        let mut line_start = start;
        let mut in_line = self.in_line;
        while let Some(found) = memchr::memchr2(b'\n', b'\r', &chunk[line_start..]) {
            let end = line_start + found;
            let mut next = end + 1;
            if chunk[end] == b'\r' {
                match chunk.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.pending_cr = true,
                }
            }
            if end > line_start || in_line {
                has_lines = true;
            } else {
                // A blank line ends the frame; blank lines before any line end nothing.
                if has_lines {
                    on_frame(self.complete(chunk, frame_start..next));
                    has_lines = false;
                }
                frame_start = next;
            }
            in_line = false;
            line_start = next;
        }
        self.carry.extend_from_slice(&chunk[frame_start..]);
        self.in_line = in_line || line_start < chunk.len();
    }

    /// The frame that `chunk[part]` completes.
    fn complete(&mut self, chunk: &[u8], part: Range<usize>) -> FrameBytes {
        if self.carry.is_empty() {
            return FrameBytes::Chunk(part);
        }
        self.carry.extend_from_slice(&chunk[part]);
        FrameBytes::Gathered(Bytes::from(std::mem::take(&mut self.carry)))
    }

    /// How many bytes of an unfinished frame are held, waiting for the rest of it.
    pub fn pending_len(&self) -> usize {
        self.carry.len()
    }

    /// What is left at the end of the stream: the raw text of an unfinished frame, if any.
    ///
    /// A frame that is complete except for its final blank line is still unfinished: per the
    /// spec it is not dispatched, and mcpscope reports it as truncated.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.carry);
        *self = SseParser::default();
        (!rest.is_empty()).then(|| lossy(&rest).into_owned())
    }
}

/// UTF-8 text of `b`, borrowed when valid (the common case, checked by the fast validator),
/// with U+FFFD for invalid sequences otherwise. Line ends are ASCII and never part of an
/// invalid sequence, so a frame's lines are the same before and after.
fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// The fields of one complete frame (`raw` ends with its blank line); every text borrowed
/// is a slice of `raw`.
pub fn frame_of(raw: &str) -> Frame<'_> {
    let mut frame = Frame { raw, ..Frame::default() };
    let mut rest = raw;
    while let Some(end) = memchr::memchr2(b'\n', b'\r', rest.as_bytes()) {
        if end == 0 {
            break;
        }
        field(&mut frame, &rest[..end]);
        let crlf = rest.as_bytes()[end] == b'\r' && rest.as_bytes().get(end + 1) == Some(&b'\n');
        rest = &rest[end + 1 + usize::from(crlf)..];
    }
    frame
}

fn field<'a>(frame: &mut Frame<'a>, line: &'a str) {
    if let Some(comment) = line.strip_prefix(':') {
        frame.comments.push(comment.strip_prefix(' ').unwrap_or(comment));
        return;
    }
    let (name, value) = match line.split_once(':') {
        Some((n, v)) => (n, v.strip_prefix(' ').unwrap_or(v)),
        None => (line, ""),
    };
    match name {
        "data" => {
            if frame.has_data {
                let data = frame.data.to_mut();
                data.push('\n');
                data.push_str(value);
            } else {
                frame.data = Cow::Borrowed(value);
            }
            frame.has_data = true;
        }
        "event" => frame.event = Some(value),
        // An id containing NUL is ignored by the spec.
        "id" if !value.contains('\0') => frame.id = Some(value),
        "retry" => match value.parse::<u64>() {
            Ok(ms) if value.bytes().all(|b| b.is_ascii_digit()) => frame.retry_ms = Some(ms),
            _ => frame.ignored.push(line),
        },
        _ => frame.ignored.push(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> (Vec<OwnedFrame>, Option<String>) {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, |f| out.push(OwnedFrame::from(f)));
        }
        let rest = p.finish();
        (out, rest)
    }

    #[test]
    fn parses_fields_and_keeps_raw_bytes() {
        let (frames, rest) = parse_chunks(&[b"id: 7\nevent: message\ndata: {\"a\":1}\nretry: 1500\n\n"]);
        assert_eq!(rest, None);
        assert_eq!(frames.len(), 1);
        let f = &frames[0];
        assert_eq!(f.id.as_deref(), Some("7"));
        assert_eq!(f.event.as_deref(), Some("message"));
        assert_eq!(f.data, "{\"a\":1}");
        assert_eq!(f.retry_ms, Some(1500));
        assert_eq!(f.raw, "id: 7\nevent: message\ndata: {\"a\":1}\nretry: 1500\n\n");
    }

    #[test]
    fn keeps_priming_events_and_comments() {
        let (frames, _) = parse_chunks(&[b"id: p-0\ndata:\n\n: keep-alive\n\n"]);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].id.as_deref(), Some("p-0"));
        assert!(frames[0].has_data);
        assert_eq!(frames[0].data, "");
        assert_eq!(frames[1].comments, vec!["keep-alive".to_owned()]);
        assert!(!frames[1].has_data);
    }

    #[test]
    fn joins_multiline_data_and_handles_all_line_endings() {
        let (frames, _) = parse_chunks(&[b"data: a\r\ndata: b\rdata:c\n\r\n"]);
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].data, "a\nb\nc");
    }

    #[test]
    fn survives_arbitrary_chunk_boundaries() {
        let input: &[u8] = b"\xEF\xBB\xBFid: 1\r\ndata: x\r\n\r\nid: 2\r\ndata: y\r\n\r\n";
        for split in 0..input.len() {
            let (frames, rest) = parse_chunks(&[&input[..split], &input[split..]]);
            assert_eq!(rest, None, "split at {split}");
            let ids: Vec<_> = frames.iter().map(|f| f.id.clone().unwrap_or_default()).collect();
            assert_eq!(ids, vec!["1", "2"], "split at {split}");
            // A frame whose final CRLF is split after the CR is dispatched at the CR (waiting
            // for a LF that may never come would stall it); its raw text then lacks the LF.
            let expected =
                if split == input.len() - 1 { "id: 2\r\ndata: y\r\n\r" } else { "id: 2\r\ndata: y\r\n\r\n" };
            assert_eq!(frames[1].raw, expected, "split at {split}");
        }
        // Byte by byte.
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        let (frames, _) = parse_chunks(&chunks);
        assert_eq!(frames.len(), 2);
    }

    #[test]
    fn reports_truncated_frame_at_end() {
        let (frames, rest) =
            parse_chunks(&[b"data: {\"ok\":1}\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"res"]);
        assert_eq!(frames.len(), 1);
        assert_eq!(rest.as_deref(), Some("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"res"));
    }

    #[test]
    fn records_unknown_fields_and_bad_retry() {
        let (frames, _) = parse_chunks(&[b"foo: bar\nretry: 12x\ndata: d\n\n"]);
        assert_eq!(frames[0].ignored, vec!["foo: bar".to_owned(), "retry: 12x".to_owned()]);
        assert_eq!(frames[0].retry_ms, None);
    }

    /// Frames cut anywhere (in two, in three, byte by byte) come out as from one chunk; only
    /// a frame whose final CRLF is cut after the CR lacks the LF in its raw text.
    #[test]
    fn any_cut_gives_the_same_frames() {
        let input: &[u8] = b": hi\r\rid: 1\ndata: a\r\ndata: \xC3\xA9\xFF\revent: e\nretry: 5\n\n\n\
            data:{\"jsonrpc\":\"2.0\"}\r\n\r\nfoo\n\ndata: tail";
        let (whole, rest) = parse_chunks(&[input]);
        assert_eq!(whole.len(), 4);
        assert_eq!(whole[1].data, "a\n\u{e9}\u{FFFD}");
        assert_eq!(rest.as_deref(), Some("data: tail"));
        let same = |frames: &[OwnedFrame], rest: Option<String>, cut: &str| {
            assert_eq!(rest.as_deref(), Some("data: tail"), "{cut}");
            assert_eq!(frames.len(), whole.len(), "{cut}");
            for (f, w) in frames.iter().zip(&whole) {
                let raw_ok = f.raw == w.raw || format!("{}\n", f.raw) == w.raw;
                assert!(raw_ok, "{cut}: {:?} vs {:?}", f.raw, w.raw);
                assert_eq!(OwnedFrame { raw: w.raw.clone(), ..f.clone() }, *w, "{cut}");
            }
        };
        for i in 0..input.len() {
            for j in i..input.len() {
                let (frames, rest) = parse_chunks(&[&input[..i], &input[i..j], &input[j..]]);
                same(&frames, rest, &format!("cut at {i} and {j}"));
            }
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        let (frames, rest) = parse_chunks(&bytes);
        same(&frames, rest, "byte by byte");
    }
}
