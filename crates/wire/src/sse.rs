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

/// One frame: everything between two blank lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseFrame {
    pub id: Option<String>,
    pub event: Option<String>,
    /// `data` lines joined by `\n`; empty when the frame had no data line.
    pub data: String,
    pub has_data: bool,
    pub retry_ms: Option<u64>,
    pub comments: Vec<String>,
    /// Lines with an unknown field name or an invalid `retry` value.
    pub ignored: Vec<String>,
    /// The frame's bytes as received (lossy UTF-8), terminating blank line included.
    pub raw: String,
}

#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
    /// Bytes of `buf` already scanned for line ends.
    scanned: usize,
    /// Start of the current (unfinished) frame within `buf`.
    frame_start: usize,
    frame: SseFrame,
    frame_has_lines: bool,
    bom_checked: bool,
    /// The previous chunk ended with CR: an LF at the start of the next one belongs to it.
    pending_cr: bool,
}

impl SseParser {
    pub fn new() -> SseParser {
        SseParser::default()
    }

    /// Feeds bytes, appending every completed frame to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseFrame>) {
        let mut chunk = chunk;
        if self.pending_cr {
            self.pending_cr = false;
            if let Some(b'\n') = chunk.first() {
                // Belongs to the CR that ended the previous line: keep it with that line's
                // frame, not at the start of the next one.
                let at_frame_start = self.frame_start == self.buf.len();
                self.buf.push(b'\n');
                self.scanned += 1;
                if at_frame_start {
                    self.frame_start += 1;
                }
                chunk = &chunk[1..];
            }
        }
        self.buf.extend_from_slice(chunk);
        if !self.bom_checked {
            if self.buf.len() < 3 && b"\xEF\xBB\xBF".starts_with(&self.buf) {
                return;
            }
            self.bom_checked = true;
            if self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.frame_start = 3;
                self.scanned = 3;
            }
        }
        let mut line_start = self.scanned;
        let mut i = self.scanned;
        while i < self.buf.len() {
            let Some(found) = memchr::memchr2(b'\n', b'\r', &self.buf[i..]) else { break };
            i += found;
            let b = self.buf[i];
            let line_end = i;
            let mut next = i + 1;
            if b == b'\r' {
                if next < self.buf.len() {
                    if self.buf[next] == b'\n' {
                        next += 1;
                    }
                } else {
                    self.pending_cr = true;
                }
            }
            // Borrowed unless the line is not UTF-8: no allocation per line.
            let line = lossy(&self.buf[line_start..line_end]);
            if line.is_empty() {
                if self.frame_has_lines {
                    let mut frame = std::mem::take(&mut self.frame);
                    frame.raw = lossy(&self.buf[self.frame_start..next]).into_owned();
                    out.push(frame);
                    self.frame_has_lines = false;
                }
                self.frame_start = next;
            } else {
                self.frame_has_lines = true;
                field(&mut self.frame, &line);
            }
            i = next;
            line_start = next;
        }
        self.scanned = line_start;
        // Drop what is behind the current frame so the buffer does not grow without bound.
        if self.frame_start > 0 {
            self.buf.drain(..self.frame_start);
            self.scanned -= self.frame_start;
            self.frame_start = 0;
        }
    }

    /// What is left at the end of the stream: the raw text of an unfinished frame, if any.
    ///
    /// A frame that is complete except for its final blank line is still unfinished: per the
    /// spec it is not dispatched, and mcpscope reports it as truncated.
    pub fn finish(&mut self) -> Option<String> {
        let rest = &self.buf[self.frame_start..];
        let leftover = if rest.is_empty() { None } else { Some(String::from_utf8_lossy(rest).into_owned()) };
        self.buf.clear();
        self.scanned = 0;
        self.frame_start = 0;
        self.frame = SseFrame::default();
        self.frame_has_lines = false;
        leftover
    }
}

/// UTF-8 text of `b`, borrowed when valid (the common case, checked by the fast validator),
/// with U+FFFD for invalid sequences otherwise.
fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

fn field(frame: &mut SseFrame, line: &str) {
    if let Some(comment) = line.strip_prefix(':') {
        frame.comments.push(comment.strip_prefix(' ').unwrap_or(comment).to_owned());
        return;
    }
    let (name, value) = match line.split_once(':') {
        Some((n, v)) => (n, v.strip_prefix(' ').unwrap_or(v)),
        None => (line, ""),
    };
    match name {
        "data" => {
            if frame.has_data {
                frame.data.push('\n');
            }
            frame.data.push_str(value);
            frame.has_data = true;
        }
        "event" => frame.event = Some(value.to_owned()),
        // An id containing NUL is ignored by the spec.
        "id" if !value.contains('\0') => frame.id = Some(value.to_owned()),
        "retry" => match value.parse::<u64>() {
            Ok(ms) if value.bytes().all(|b| b.is_ascii_digit()) => frame.retry_ms = Some(ms),
            _ => frame.ignored.push(line.to_owned()),
        },
        _ => frame.ignored.push(line.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> (Vec<SseFrame>, Option<String>) {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
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
}
