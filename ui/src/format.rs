//! Plain-text renderings of records and their numbers, as the timeline and detail pane show them.

use mcpscope_proto::{ConnectionStatus, Direction, Header, Record, RecordKind, RpcKind, TransportKind, time};

/// Elapsed time in milliseconds with one decimal: `1234.5`.
pub fn elapsed_ms(us: u64) -> String {
    format!("{:.1}", us as f64 / 1000.0)
}

/// A latency: `0.8 ms`, `153.2 ms`, `2.41 s`.
pub fn latency(us: u64) -> String {
    if us >= 1_000_000 {
        format!("{:.2} s", us as f64 / 1_000_000.0)
    } else {
        format!("{:.1} ms", us as f64 / 1000.0)
    }
}

/// A wait in whole seconds: `0 s`, `59 s`, `1 min 5 s`, `2 h 3 min`.
pub fn waited(ms: f64) -> String {
    let s = (ms.max(0.0) / 1000.0).floor() as u64;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// A byte count: `0 B`, `512 B`, `1.5 kB`, `2.0 MB`.
pub fn size(bytes: u64) -> String {
    const K: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < K * K {
        format!("{:.1} kB", b / K)
    } else {
        format!("{:.1} MB", b / (K * K))
    }
}

pub fn arrow(d: Direction) -> &'static str {
    match d {
        Direction::Out => "→",
        Direction::In => "←",
        Direction::Local => "·",
    }
}

pub fn direction_words(d: Direction) -> &'static str {
    match d {
        Direction::Out => "client → server",
        Direction::In => "server → client",
        Direction::Local => "mcpscope note",
    }
}

pub fn status_word(s: ConnectionStatus) -> &'static str {
    match s {
        ConnectionStatus::Disconnected => "disconnected",
        ConnectionStatus::Connecting => "connecting",
        ConnectionStatus::Connected => "connected",
        ConnectionStatus::SessionExpired => "session expired",
        ConnectionStatus::Failed => "failed",
    }
}

pub fn transport_words(t: TransportKind) -> &'static str {
    match t {
        TransportKind::Streamable => "Streamable HTTP",
        TransportKind::Sse => "HTTP+SSE (legacy)",
    }
}

pub fn rpc_kind_word(k: RpcKind) -> &'static str {
    match k {
        RpcKind::Request => "request",
        RpcKind::Notification => "notification",
        RpcKind::Result => "result",
        RpcKind::Error => "error",
        RpcKind::Batch => "batch",
    }
}

/// The record as it went over the wire: start line, headers, blank line, body; or the SSE
/// frame's raw text.
pub fn raw_text(r: &Record) -> String {
    fn headers(out: &mut String, hs: &[Header]) {
        for h in hs {
            out.push_str(&h.name);
            out.push_str(": ");
            out.push_str(&h.value);
            out.push('\n');
        }
    }
    let mut out = String::new();
    match &r.kind {
        RecordKind::HttpRequest { method, url, headers: hs, body } => {
            out.push_str(&format!("{method} {url}\n"));
            headers(&mut out, hs);
            if let Some(b) = body {
                out.push('\n');
                out.push_str(&b.text);
                if !b.utf8 {
                    out.push_str("\n\n[body is not valid UTF-8; shown lossily]");
                }
            }
        }
        RecordKind::HttpResponse { status, headers: hs, body, .. } => {
            out.push_str(&format!("HTTP {status} {}\n", mcpscope_proto::explain::reason_phrase(*status)));
            headers(&mut out, hs);
            out.push('\n');
            match body {
                Some(b) => {
                    out.push_str(&b.text);
                    if !b.utf8 {
                        out.push_str("\n\n[body is not valid UTF-8; shown lossily]");
                    }
                }
                None => out.push_str("[streamed body: its frames follow as separate records]"),
            }
        }
        RecordKind::SseFrame { raw, .. } => out.push_str(raw),
        RecordKind::StreamEnd { error, frames, bytes } => {
            match error {
                None => out.push_str("The server closed the stream.\n"),
                Some(e) => out.push_str(&format!("The stream broke: {e}\n")),
            }
            out.push_str(&format!("{frames} frames, {bytes} bytes"));
        }
        RecordKind::TransportError { message } => {
            out.push_str("No HTTP response: ");
            out.push_str(message);
        }
        RecordKind::Note { text } => out.push_str(text),
    }
    out
}

/// `14:03:07.250`: `at_us` (µs since the epoch) in a zone `offset_min` minutes east of UTC.
pub fn clock(at_us: i64, offset_min: i32) -> String {
    let c = time::civil(at_us, offset_min);
    format!("{:02}:{:02}:{:02}.{:03}", c.hour, c.minute, c.second, c.milli)
}

/// `2026-11-26 14:03:07`
pub fn date_time(at_us: i64, offset_min: i32) -> String {
    let c = time::civil(at_us, offset_min);
    format!("{}-{:02}-{:02} {:02}:{:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// Minutes east of UTC in the user's time zone at `at_us` (daylight saving included). Asks
/// the webview's `Date`; natively (unit tests) UTC.
pub fn local_offset_min(at_us: i64) -> i32 {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_us as f64 / 1000.0));
        -(date.get_timezone_offset() as i32)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = at_us;
        0
    }
}

/// [`clock`] in local time.
pub fn local_clock(at_us: i64) -> String {
    clock(at_us, local_offset_min(at_us))
}

/// [`date_time`] in local time.
pub fn local_date_time(at_us: i64) -> String {
    date_time(at_us, local_offset_min(at_us))
}

/// Time left until an expiry `secs` away: `in 59 min 12 s`, `in 2 h 5 min`, `in 8 s`;
/// `expired 3 min 4 s ago` once it is past.
pub fn countdown(secs: i64) -> String {
    if secs > 0 { format!("expires in {}", span(secs)) } else { format!("expired {} ago", span(secs)) }
}

/// A span of seconds (either sign) in words: `3 d 4 h`, `2 h 5 min`, `59 min 12 s`, `8 s`.
fn span(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m, s) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if d >= 2 {
        format!("{d} d {h} h")
    } else if d * 24 + h > 0 {
        format!("{} h {m} min", d * 24 + h)
    } else if m > 0 {
        format!("{m} min {s} s")
    } else {
        format!("{s} s")
    }
}

/// A moment `secs` from now in words: `in 59 min 12 s`, `3 min 4 s ago`, `now`.
pub fn relative(secs: i64) -> String {
    match secs {
        0 => "now".to_owned(),
        s if s > 0 => format!("in {}", span(s)),
        s => format!("{} ago", span(s)),
    }
}

/// The registered JWT claims that are times (RFC 7519 §4.1, OpenID Connect's `auth_time`),
/// with what each says, in the order a token lists them best.
pub const TIME_CLAIMS: [(&str, &str); 4] =
    [("iat", "issued"), ("nbf", "not before"), ("exp", "expires"), ("auth_time", "authenticated")];

/// A URL without its scheme: `127.0.0.1:3001/mcp`.
pub fn without_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// When a session started, as the History view's Session column shows it: `14:03:07` for a
/// session of the same day as `now_us`, else `11-26 14:03` (both in a zone `offset_min`
/// minutes east of UTC).
pub fn session_start(started_us: i64, now_us: i64, offset_min: i32) -> String {
    let (s, now) = (time::civil(started_us, offset_min), time::civil(now_us, offset_min));
    if (s.year, s.month, s.day) == (now.year, now.month, now.day) {
        format!("{:02}:{:02}:{:02}", s.hour, s.minute, s.second)
    } else {
        format!("{:02}-{:02} {:02}:{:02}", s.month, s.day, s.hour, s.minute)
    }
}

/// [`session_start`] in local time, against the clock now.
pub fn local_session_start(started_us: i64) -> String {
    #[cfg(target_arch = "wasm32")]
    let now_us = (js_sys::Date::now() * 1000.0) as i64;
    #[cfg(not(target_arch = "wasm32"))]
    let now_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    session_start(started_us, now_us, local_offset_min(started_us))
}

/// The tail of a session id that tells sessions apart (`ses_<time><pid><counter>`): its last
/// eight characters.
pub fn short_session(id: &str) -> &str {
    let cut = id.char_indices().rev().nth(7).map_or(0, |(i, _)| i);
    &id[cut..]
}

/// A server's description split into plain text and `code spans` (`false`, `true`), as
/// Markdown writes them: a run of backticks opens a span and the next run of as many closes
/// it, the text between trimmed of one space on each side when both are there; a run that is
/// never closed is plain text. Only this, never HTML or links: the text is the server's.
pub fn code_spans(text: &str) -> Vec<(bool, &str)> {
    let mut parts = Vec::new();
    let (mut plain_from, mut at) = (0, 0);
    while let Some(open) = text[at..].find('`').map(|i| at + i) {
        let ticks = ticks_at(&text[open..]);
        let body = open + ticks;
        let close = closing_run(&text[body..], ticks).map(|i| body + i);
        let Some(close) = close else {
            at = body;
            continue;
        };
        if open > plain_from {
            parts.push((false, &text[plain_from..open]));
        }
        let code = &text[body..close];
        let code = match code.strip_prefix(' ').and_then(|c| c.strip_suffix(' ')) {
            Some(inner) if !inner.trim().is_empty() => inner,
            _ => code,
        };
        parts.push((true, code));
        at = close + ticks;
        plain_from = at;
    }
    if plain_from < text.len() {
        parts.push((false, &text[plain_from..]));
    }
    parts
}

/// How many backticks `text` begins with.
fn ticks_at(text: &str) -> usize {
    text.bytes().take_while(|b| *b == b'`').count()
}

/// Where the first run of exactly `ticks` backticks in `text` starts.
fn closing_run(text: &str, ticks: usize) -> Option<usize> {
    let mut at = 0;
    while let Some(i) = text[at..].find('`').map(|i| at + i) {
        let run = ticks_at(&text[i..]);
        if run == ticks {
            return Some(i);
        }
        at = i + run;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcpscope_proto::Body;

    #[test]
    fn descriptions_show_their_code_spans() {
        assert_eq!(
            code_spans("Number of `notifications/message` to send"),
            [(false, "Number of "), (true, "notifications/message"), (false, " to send")]
        );
        assert_eq!(code_spans("plain"), [(false, "plain")]);
        assert_eq!(code_spans("`a` and `b`"), [(true, "a"), (false, " and "), (true, "b")]);
        // A span holding a backtick is written with two, and one space inside each end.
        assert_eq!(code_spans("use `` a`b `` here"), [(false, "use "), (true, "a`b"), (false, " here")]);
        // Unclosed, or closed by a run of another length: plain text, nothing lost.
        assert_eq!(code_spans("it's 5` long"), [(false, "it's 5` long")]);
        assert_eq!(code_spans("``a` b"), [(false, "``a` b")]);
        assert_eq!(code_spans("`x` then `"), [(true, "x"), (false, " then `")]);
        assert!(code_spans("").is_empty());
        // Every byte is in exactly one part, in order (spaces trimmed inside spans aside).
        let text = "a `b` c ``d`` e `f";
        let joined: String = code_spans(text).iter().map(|(_, t)| *t).collect();
        assert_eq!(joined, "a b c d e `f");
    }

    #[test]
    fn countdowns_say_how_long_is_left() {
        assert_eq!(countdown(59 * 60 + 12), "expires in 59 min 12 s");
        assert_eq!(countdown(2 * 3600 + 5 * 60 + 7), "expires in 2 h 5 min");
        assert_eq!(countdown(8), "expires in 8 s");
        assert_eq!(countdown(0), "expired 0 s ago");
        assert_eq!(countdown(-184), "expired 3 min 4 s ago");
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(elapsed_ms(0), "0.0");
        assert_eq!(elapsed_ms(1_234_567), "1234.6");
        assert_eq!(latency(860), "0.9 ms");
        assert_eq!(latency(2_412_000), "2.41 s");
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 kB");
        assert_eq!(size(3 * 1024 * 1024), "3.0 MB");
    }

    #[test]
    fn wall_clock_parts_in_any_zone() {
        // 2026-11-26 15:19:50.123456 UTC.
        let at = 1_795_706_390_123_456;
        assert_eq!(date_time(at, 0), "2026-11-26 15:19:50");
        assert_eq!(clock(at, 0), "15:19:50.123");
        // An hour east of UTC, and far enough west to fall on the previous day.
        assert_eq!(clock(at, 60), "16:19:50.123");
        assert_eq!(date_time(at, -16 * 60), "2026-11-25 23:19:50");
        // Leap day, the epoch, and before it.
        assert_eq!(date_time(1_709_210_096_000_000, 0), "2024-02-29 12:34:56");
        assert_eq!(date_time(0, 0), "1970-01-01 00:00:00");
        assert_eq!(clock(-1, 0), "23:59:59.999");
        assert_eq!(date_time(-1, 0), "1969-12-31 23:59:59");
    }

    #[test]
    fn waits_read_in_the_largest_units_that_matter() {
        assert_eq!(waited(999.0), "0 s");
        assert_eq!(waited(59_999.0), "59 s");
        assert_eq!(waited(65_000.0), "1 min 5 s");
        assert_eq!(waited(2.0 * 3_600_000.0 + 3.0 * 60_000.0 + 9_000.0), "2 h 3 min");
        assert_eq!(waited(-5.0), "0 s");
    }

    #[test]
    fn urls_and_session_ids_shorten_readably() {
        assert_eq!(without_scheme("http://127.0.0.1:3001/mcp"), "127.0.0.1:3001/mcp");
        assert_eq!(without_scheme("example.com/mcp"), "example.com/mcp");
        assert_eq!(short_session("ses_65a1b2c3d4e5f1a2b0003"), "1a2b0003");
        assert_eq!(relative(3552), "in 59 min 12 s");
        assert_eq!(relative(-184), "3 min 4 s ago");
        assert_eq!(relative(0), "now");
        assert_eq!(relative(30 * 86_400 + 7200), "in 30 d 2 h");
        assert_eq!(relative(i64::MIN), "106751991167300 d 15 h ago", "no overflow");
        // 2026-11-26 14:03:07 UTC; the same day shows the time, another day the date too.
        let started = 1_795_701_787_000_000;
        assert_eq!(session_start(started, started + 3_600_000_000, 0), "14:03:07");
        assert_eq!(session_start(started, started + 86_400_000_000, 0), "11-26 14:03");
        assert_eq!(session_start(started, started + 3_600_000_000, 600), "00:03:07", "a zone past midnight");
        assert_eq!(short_session("ses_1"), "ses_1");
    }

    #[test]
    fn raw_response_has_status_line_headers_and_body() {
        let r = Record {
            seq: 2,
            at_us: 0,
            elapsed_us: 0,
            direction: Direction::In,
            exchange: 1,
            kind: RecordKind::HttpResponse {
                status: 404,
                headers: vec![Header::new("content-type", "text/plain")],
                body: Some(Body::from_bytes(b"gone")),
                latency_us: 5,
            },
            rpc: None,
            flags: vec![],
            lint: vec![],
            preview_of: None,
        };
        assert_eq!(raw_text(&r), "HTTP 404 Not Found\ncontent-type: text/plain\n\ngone");
    }
}
