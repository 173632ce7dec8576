//! One HTTP exchange at a time, captured: the request before it is sent, the response head,
//! the body (whole, or frame by frame for SSE), and how the stream ended.

use std::time::Instant;

use bytes::Bytes;
use futures::StreamExt;
use mcpscope_proto::limits::format_size;
use mcpscope_proto::{Direction, Flag, FlagCode, Header, RecordKind};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::capture::{Capture, body_of, redact_url};
use crate::stream::{FrameMeta, Pipeline, Seen};

/// A response whose head has been captured.
pub(crate) struct Received {
    pub exchange: u64,
    pub status: u16,
    pub headers: HeaderMap,
    pub response: reqwest::Response,
}

impl Received {
    /// The media type without parameters, lower-cased (`text/event-stream`).
    pub fn media_type(&self) -> String {
        media_type(&self.headers)
    }
}

pub(crate) fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn header_pairs(capture: &Capture, h: &HeaderMap) -> Vec<Header> {
    capture.headers_for_record(h.iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap_or("‹non-ASCII›"))))
}

/// Sends `req` and captures the request and the response head. Transport failures
/// (refused, DNS, TLS) are captured as a `TransportError` record and returned as text.
pub(crate) async fn send(
    capture: &Capture,
    http: &reqwest::Client,
    req: reqwest::Request,
    payload: Option<&Bytes>,
) -> Result<Received, String> {
    let exchange = capture.new_exchange();
    let text = payload.map(|b| String::from_utf8_lossy(b).into_owned());
    capture.record(
        Direction::Out,
        exchange,
        RecordKind::HttpRequest {
            method: req.method().to_string(),
            url: redact_url(req.url().as_str()).into_owned(),
            headers: header_pairs(capture, req.headers()),
            body: payload.map(|b| body_of(b)),
        },
        text.as_deref().filter(|t| !t.is_empty()),
        Vec::new(),
    );
    let started = Instant::now();
    match http.execute(req).await {
        Ok(response) => Ok(Received {
            exchange,
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            response,
        }),
        Err(e) => {
            let message = describe_reqwest_error(&e);
            capture.record(
                Direction::Local,
                exchange,
                RecordKind::TransportError { message: message.clone() },
                None,
                vec![Flag::new(FlagCode::TransportError, message.clone())],
            );
            let _ = started;
            Err(message)
        }
    }
}

/// A response body read up to a limit.
pub struct LimitedBody {
    pub bytes: Bytes,
    /// The body went on past the limit; the rest was not read.
    pub cut: bool,
    /// The body broke off before its end.
    pub error: Option<reqwest::Error>,
}

/// Reads `response`'s body, at most `max` bytes of it: a hostile server cannot make mcpscope
/// hold more.
pub async fn read_limited(response: &mut reqwest::Response, max: usize) -> LimitedBody {
    let mut body = bytes::BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() > max => {
                body.extend_from_slice(&chunk[..max - body.len()]);
                return LimitedBody { bytes: body.freeze(), cut: true, error: None };
            }
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => return LimitedBody { bytes: body.freeze(), cut: false, error: None },
            Err(e) => return LimitedBody { bytes: body.freeze(), cut: false, error: Some(e) },
        }
    }
}

/// Reads a response body (at most the capture's `body_bytes` limit: past it the body is cut,
/// flagged and not decoded, and the rest is not read, so a hostile server cannot fill memory)
/// and records the response with it, with
/// the flags `judge` finds in the body; decodes it as JSON-RPC when `decode`. Returns the
/// bytes, the messages, and why the body was cut, if it was.
pub(crate) async fn read_body(
    capture: &Capture,
    mut rx: Received,
    started: Instant,
    decode: bool,
    judge: impl FnOnce(&[u8]) -> Vec<Flag>,
) -> (Bytes, Vec<Value>, Option<String>) {
    let mut flags = Vec::new();
    let latency_us = started.elapsed().as_micros() as u64;
    let status = rx.status;
    let headers = header_pairs(capture, &rx.headers);
    let exchange = rx.exchange;
    let declared = rx.response.content_length();
    let max = capture.limits().body_bytes;
    let LimitedBody { bytes, cut, error } =
        read_limited(&mut rx.response, mcpscope_proto::Limits::usize(max)).await;
    if let Some(e) = error {
        flags.push(Flag::new(
            FlagCode::StreamBroken,
            format!("body broke off: {}", describe_reqwest_error(&e)),
        ));
    }
    let too_large = cut.then(|| {
        let size = match declared {
            Some(n) => format!("{n} bytes declared"),
            None => "no length declared".to_owned(),
        };
        format!(
            "the body is larger than mcpscope's limit of {} ({size}); the first {max} bytes are kept and the rest was not read (raise it with --max-body or in Settings)",
            format_size(max)
        )
    });
    if let Some(why) = &too_large {
        flags.push(Flag::new(FlagCode::TooLarge, why.clone()));
    }
    flags.extend(judge(&bytes));
    let text = String::from_utf8_lossy(&bytes);
    // A cut body is not decoded: its JSON is unfinished by construction.
    let payload = (decode && too_large.is_none() && !text.trim().is_empty()).then_some(text.as_ref());
    let decoded = capture.record(
        Direction::In,
        exchange,
        RecordKind::HttpResponse { status, headers, body: Some(body_of(&bytes)), latency_us },
        payload,
        flags,
    );
    (bytes, decoded.messages, too_large)
}

/// Records the head of a streamed response (its frames follow as their own records).
pub(crate) fn record_stream_head(capture: &Capture, rx: &Received, started: Instant) {
    capture.record(
        Direction::In,
        rx.exchange,
        RecordKind::HttpResponse {
            status: rx.status,
            headers: header_pairs(capture, &rx.headers),
            body: None,
            latency_us: started.elapsed().as_micros() as u64,
        },
        None,
        Vec::new(),
    );
}

/// What a finished SSE stream leaves behind.
#[derive(Debug, Default)]
pub(crate) struct StreamEnd {
    pub last_event_id: Option<String>,
    pub retry_ms: Option<u64>,
    /// `None`: ended cleanly; `Some(reason)`: broken or truncated.
    pub broken: Option<String>,
    pub frames: u64,
    /// The stream was stopped by us (connection closed or a restart asked for).
    pub stopped: bool,
    /// Closed by us at a limit (why): not to be resumed, the server would send it again.
    pub too_large: Option<String>,
}

/// Reads an SSE body to its end (a frame may grow to the capture's `sse_frame_bytes` limit: a
/// server that never sends the blank line must not fill memory; the unfinished frame is
/// dropped, its first bytes named in the stream-end record, the stream closed, everything
/// before it kept), recording each frame, then handing `on_frame` each frame
/// that carries something for the connection (an id, an event name, a retry, JSON-RPC
/// messages to act on) with those messages decoded.
pub(crate) async fn read_sse(
    capture: &Capture,
    rx: Received,
    stop: &CancellationToken,
    mut on_frame: impl FnMut(&FrameMeta, Vec<Value>),
) -> StreamEnd {
    let exchange = rx.exchange;
    let mut stream = Gathered::new(rx.response.bytes_stream());
    let mut pipeline = Pipeline::new(exchange);
    let mut end = StreamEnd::default();
    let mut bytes_total = 0u64;
    let max_frame = capture.limits().sse_frame_bytes;
    let mut last_event_id = None;
    let mut retry_ms = None;
    let mut on_seen = |(meta, messages): Seen| {
        if meta.id.is_some() {
            last_event_id.clone_from(&meta.id);
        }
        if meta.retry_ms.is_some() {
            retry_ms = meta.retry_ms;
        }
        on_frame(&meta, messages);
    };
    loop {
        let chunk = tokio::select! {
            biased;
            _ = stop.cancelled() => { end.stopped = true; break; }
            _ = pipeline.ready(capture, &mut on_seen), if pipeline.busy() => continue,
            c = stream.next() => c,
        };
        match chunk {
            None => break,
            Some(Err(e)) => {
                end.broken = Some(describe_reqwest_error(&e));
                break;
            }
            Some(Ok(bytes)) => {
                bytes_total += bytes.len() as u64;
                // One clock read per chunk: its frames arrived together.
                pipeline.push(capture, bytes, Instant::now(), &mut on_seen).await;
                if pipeline.pending_len() as u64 > max_frame {
                    end.too_large = Some(format!(
                        "an SSE frame grew past {} without the blank line that ends it; mcpscope closed the stream (raise the limit with --max-sse-frame or in Settings)",
                        format_size(max_frame)
                    ));
                    break;
                }
            }
        }
    }
    // Chunks already received are recorded even when the stream was stopped.
    let unfinished = pipeline.finish(capture, &mut on_seen).await;
    (end.frames, end.last_event_id, end.retry_ms) = (pipeline.frames(), last_event_id, retry_ms);
    if let Some(why) = end.too_large.clone() {
        end.broken = Some(why);
    } else if let Some(rest) = unfinished {
        let why = format!("stream ended inside a frame: {:?}", truncate(&rest, 120));
        end.broken = Some(match end.broken.take() {
            Some(b) => format!("{b}; {why}"),
            None => why,
        });
    }
    let mut flags = Vec::new();
    if let Some(b) = &end.broken {
        flags.push(Flag::new(FlagCode::StreamBroken, b.clone()));
    }
    if end.too_large.is_some() {
        flags.push(Flag::new(
            FlagCode::TooLarge,
            format!("unfinished frame of more than {max_frame} bytes (limit {max_frame}); {bytes_total} bytes read in all"),
        ));
    }
    capture.record(
        Direction::In,
        exchange,
        RecordKind::StreamEnd {
            error: if end.stopped { Some("closed by mcpscope".to_owned()) } else { end.broken.clone() },
            frames: end.frames,
            bytes: bytes_total,
        },
        None,
        flags,
    );
    end
}

/// A gathered read stops once it holds this much: hundreds of a flood's frames, one batch
/// worth building on the capture's helper thread. A chunk this large is taken alone (joining
/// it to others would only copy it).
const GATHER_BYTES: usize = 64 * 1024;

/// A body's chunks, each read joined with the chunks that are ready with it.
///
/// A server that writes each event on its own (the SDKs do) sends a flood as thousands of
/// chunks of one frame each. They arrive many to a socket read, but the HTTP client hands
/// them over one at a time, and each one has costs of its own downstream (a batch of records
/// to number, lint, store and show). So after a chunk the reader lets the connection hand
/// over what it already has and takes it too; nothing waits for bytes not yet read.
struct Gathered<S> {
    inner: S,
    /// Chunks taken from the body and not yet returned (kept here, not in the future, so a
    /// read that is cancelled loses nothing).
    taken: Vec<Bytes>,
    len: usize,
    /// What ended the last gathering (the end of the body, an error), for the next read.
    held: Option<Option<reqwest::Result<Bytes>>>,
}

impl<S: futures::Stream<Item = reqwest::Result<Bytes>> + Unpin> Gathered<S> {
    fn new(inner: S) -> Self {
        Gathered { inner, taken: Vec::new(), len: 0, held: None }
    }

    /// The next chunk, with every chunk ready after it (up to [`GATHER_BYTES`]) joined to
    /// it; `None` at the end of the body. Cancel-safe: a chunk taken from the body is kept
    /// until it is returned.
    async fn next(&mut self) -> Option<reqwest::Result<Bytes>> {
        use futures::FutureExt;
        if self.taken.is_empty() {
            if let Some(held) = self.held.take() {
                return held;
            }
            match self.inner.next().await {
                Some(Ok(first)) => self.take(first),
                other => return other,
            }
        }
        while self.len < GATHER_BYTES && self.held.is_none() {
            // The connection parses the next chunk on its own task: let it run once.
            tokio::task::yield_now().await;
            match self.inner.next().now_or_never() {
                Some(Some(Ok(chunk))) => self.take(chunk),
                Some(ended) => self.held = Some(ended),
                None => break,
            }
        }
        self.len = 0;
        let mut taken = std::mem::take(&mut self.taken).into_iter();
        let first = taken.next()?;
        if taken.len() == 0 {
            return Some(Ok(first));
        }
        let mut joined = bytes::BytesMut::with_capacity(
            first.len() + taken.as_slice().iter().map(Bytes::len).sum::<usize>(),
        );
        joined.extend_from_slice(&first);
        taken.for_each(|c| joined.extend_from_slice(&c));
        Some(Ok(joined.freeze()))
    }

    fn take(&mut self, chunk: Bytes) {
        self.len += chunk.len();
        self.taken.push(chunk);
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_owned() } else { s.chars().take(n).collect::<String>() + "…" }
}

/// Turns reqwest's nested errors into one plain sentence.
pub(crate) fn describe_reqwest_error(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut parts = Vec::new();
    let mut src: Option<&dyn Error> = Some(e);
    while let Some(s) = src {
        let text = s.to_string();
        if !parts.iter().any(|p: &String| p.contains(&text)) {
            parts.push(text);
        }
        src = s.source();
    }
    let mut all = parts.join(": ");
    // reqwest names the URL in its message: with its credentials redacted.
    if let Some(url) = e.url()
        && let std::borrow::Cow::Owned(redacted) = redact_url(url.as_str())
    {
        all = all.replace(url.as_str(), &redacted);
    }
    let lower = all.to_ascii_lowercase();
    let hint = if lower.contains("connection refused") {
        " — is the server running, and on this port?"
    } else if lower.contains("dns") || lower.contains("failed to lookup") {
        " — check the host name"
    } else if lower.contains("wrong version number") {
        // A TLS client read an HTTP answer: the server speaks plain HTTP.
        " — the server answered in plain HTTP, not TLS"
    } else if lower.contains("certificate") {
        " — the server's TLS certificate was refused"
    } else if lower.contains("tls") || lower.contains("ssl") {
        " — TLS failed; check the scheme (http vs https) and the port"
    } else if e.is_timeout() {
        " — the server did not answer in time"
    } else {
        ""
    };
    format!("{all}{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body of many tiny chunks, handed over one at a time by a task of its own (as the
    /// HTTP client's connection does), read with a read cancelled at every await: every byte
    /// comes back once and in order, and the chunks come in far fewer reads than were sent.
    #[tokio::test]
    async fn gathered_reads_join_ready_chunks_and_lose_nothing_when_cancelled() {
        let (tx, rx) = tokio::sync::mpsc::channel::<reqwest::Result<Bytes>>(1);
        let sent: Vec<Bytes> = (0..5000).map(|i| Bytes::from(format!("data: {i}\n\n"))).collect();
        let expected: Vec<u8> = sent.iter().flat_map(|c| c.to_vec()).collect();
        tokio::spawn(async move {
            for chunk in sent {
                if tx.send(Ok(chunk)).await.is_err() {
                    return;
                }
            }
        });
        let mut body = Gathered::new(tokio_stream_of(rx));
        let (mut got, mut reads, mut cancelled) = (Vec::new(), 0, 0);
        loop {
            // Polled once, then dropped if it is not done: a cancellation at any await.
            match tokio::time::timeout(std::time::Duration::ZERO, body.next()).await {
                Ok(Some(Ok(chunk))) => {
                    reads += 1;
                    got.extend_from_slice(&chunk);
                }
                Ok(Some(Err(e))) => panic!("{e}"),
                Ok(None) => break,
                Err(_) => cancelled += 1,
            }
        }
        assert_eq!(got, expected);
        assert!(cancelled > 0, "the reads were cancelled");
        assert!(reads < 5000 / 4, "ready chunks are joined: {reads} reads");
    }

    fn tokio_stream_of<T>(mut rx: tokio::sync::mpsc::Receiver<T>) -> impl futures::Stream<Item = T> + Unpin {
        Box::pin(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
    }
}
