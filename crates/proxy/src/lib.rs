//! The recording proxy: a local MCP endpoint that forwards a real client's Streamable HTTP
//! traffic (POST, the GET stream, DELETE) to one upstream server, and captures every byte on
//! the way into a [`Capture`], so the client's session shows in mcpscope's timeline and
//! history like one of its own.
//!
//! SSE is passed through chunk by chunk as it arrives (never buffered): each chunk goes to the
//! client and to an [`SseRecorder`] that records its frames. JSON bodies are read up to the
//! capture's body limit, recorded, and passed on.
//!
//! The listener is where other inspectors had critical holes, so it is narrow by design:
//! - it binds a loopback address, unless the caller explicitly allows another;
//! - it answers only requests whose `Host` is the loopback address it listens on (a DNS
//!   rebinding page cannot reach it under its own name);
//! - it refuses requests that carry an `Origin` (a web page's fetch) unless that origin was
//!   allowed;
//! - it forwards only to the one configured upstream URL: no request can name another;
//! - it never starts a process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::any;
use bytes::Bytes;
use futures::StreamExt as _;
use mcpscope_proto::{Direction, Flag, FlagCode, Header, RecordKind};
use mcpscope_wire::{Authorizer, Capture, Challenge, SseRecorder, Verdict, body_of, redact_url};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The path the proxy serves its MCP endpoint on.
pub const MCP_PATH: &str = "/mcp";

/// Headers that belong to one hop, not to the exchange: never forwarded either way.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
];

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error(
        "{0} is not a loopback address: the proxy forwards with the user's server and credentials, so it listens on 127.0.0.1 or ::1 only (pass the explicit allow flag to listen elsewhere)"
    )]
    NotLoopback(SocketAddr),
    #[error("the upstream {0:?} is not an http:// or https:// URL")]
    Upstream(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// What the proxy forwards, and to whom it listens.
#[derive(Clone)]
pub struct ProxyOptions {
    /// The one server every request goes to, e.g. `http://127.0.0.1:3001/mcp`.
    pub upstream: String,
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Listen on a non-loopback address (off unless the user asks).
    pub allow_remote: bool,
    /// `Origin` values accepted (a browser-based client the user trusts); any other `Origin`
    /// is refused.
    pub allowed_origins: Vec<String>,
    /// Headers added to (or replacing) every forwarded request, e.g. the upstream's
    /// `Authorization` when mcpscope holds the token and the client talks to the proxy
    /// without one.
    pub headers: Vec<Header>,
    /// mcpscope authorizes upstream itself (its OAuth client holds the token): the client's
    /// own credentials are dropped, each request gets mcpscope's, and a 401/403 is answered by
    /// authorizing and sending the request again. `None`: credentials pass through as the
    /// client sent them, and so do the upstream's challenges.
    pub authorizer: Option<Arc<dyn Authorizer>>,
}

impl ProxyOptions {
    pub fn new(upstream: impl Into<String>) -> ProxyOptions {
        ProxyOptions {
            upstream: upstream.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            allow_remote: false,
            allowed_origins: Vec::new(),
            headers: Vec::new(),
            authorizer: None,
        }
    }
}

/// A running proxy. Dropping it stops the listener.
pub struct Proxy {
    addr: SocketAddr,
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
    /// The recorders of relayed streams: [`Proxy::stop`] waits until they have recorded
    /// everything relayed.
    recorders: TaskTracker,
}

struct Shared {
    opts: ProxyOptions,
    capture: Arc<Capture>,
    client: reqwest::Client,
    /// The `Host` values this listener answers to.
    hosts: Vec<String>,
    recorders: TaskTracker,
    /// The upstream's origin (`http://host:port`), for the legacy transport's message endpoint.
    origin: String,
    /// Legacy HTTP+SSE: the message endpoints (path and query) the upstream announced in its
    /// `endpoint` events. The client is given them on the proxy's origin; a POST to one of them
    /// goes to the same path on the upstream's origin, and no other path is forwarded.
    endpoints: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Proxy {
    /// Checks the options, binds, and starts forwarding in a background task.
    pub async fn start(opts: ProxyOptions, capture: Arc<Capture>) -> Result<Proxy, ProxyError> {
        if !opts.listen.ip().is_loopback() && !opts.allow_remote {
            return Err(ProxyError::NotLoopback(opts.listen));
        }
        let scheme = opts.upstream.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("http" | "https")) {
            return Err(ProxyError::Upstream(opts.upstream.clone()));
        }
        let listener = tokio::net::TcpListener::bind(opts.listen)
            .await
            .map_err(|source| ProxyError::Bind { addr: opts.listen, source })?;
        let addr = listener.local_addr().map_err(|source| ProxyError::Bind { addr: opts.listen, source })?;
        let client = mcpscope_wire::tls::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ProxyError::Client(e.to_string()))?;
        let port = addr.port();
        let mut hosts =
            vec![format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")];
        if !addr.ip().is_loopback() {
            hosts.push(addr.to_string());
        }
        let recorders = TaskTracker::new();
        let origin = reqwest::Url::parse(&opts.upstream)
            .map_err(|_| ProxyError::Upstream(opts.upstream.clone()))?
            .origin()
            .ascii_serialization();
        let shared = Arc::new(Shared {
            opts,
            capture,
            client,
            hosts,
            recorders: recorders.clone(),
            origin,
            endpoints: std::sync::Mutex::default(),
        });
        let router = Router::new().fallback(any(forward)).with_state(shared);
        let cancel = CancellationToken::new();
        let shutdown = cancel.clone();
        let task = tokio::spawn(async move {
            if let Err(e) =
                axum::serve(listener, router).with_graceful_shutdown(shutdown.cancelled_owned()).await
            {
                tracing::error!(error = %e, "the proxy stopped");
            }
        });
        tracing::info!(%addr, "proxy listening");
        Ok(Proxy { addr, cancel, task: Some(task), recorders })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to give the client: `http://127.0.0.1:PORT/mcp`.
    pub fn url(&self) -> String {
        format!("http://{}{MCP_PATH}", self.addr)
    }

    /// Stops listening, and waits for the listener's task and for the recording of what was
    /// relayed.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), task).await;
        }
        self.recorders.close();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), self.recorders.wait()).await;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

fn refuse(status: StatusCode, why: String) -> Response {
    tracing::warn!(%status, why, "proxy refused a request");
    let mut response = Response::new(Body::from(format!("mcpscope proxy: {why}\n")));
    *response.status_mut() = status;
    response.headers_mut().insert("content-type", HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// Why the proxy will not answer this request, if it will not.
fn check(shared: &Shared, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("");
    if !shared.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            format!(
                "Host {host:?} is not this proxy's address ({}): refused, so that a web page cannot reach it through DNS rebinding",
                shared.hosts[0]
            ),
        ));
    }
    if let Some(origin) = headers.get("origin").map(|o| String::from_utf8_lossy(o.as_bytes()).into_owned())
        && !shared.opts.allowed_origins.iter().any(|a| a == &origin)
    {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            format!(
                "requests from web pages are refused (Origin: {origin}); allow this origin explicitly to proxy a browser-based client"
            ),
        ));
    }
    if uri.path() != MCP_PATH && !shared.announced(uri) {
        return Some(refuse(
            StatusCode::NOT_FOUND,
            format!(
                "this proxy serves one MCP endpoint, {MCP_PATH} (and the message endpoints a legacy upstream announced); it forwards nowhere else"
            ),
        ));
    }
    None
}

/// The value of an SSE field line `name: value`, if `line` is one.
fn sse_field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let value = line.strip_prefix(name)?.strip_prefix(':')?;
    Some(value.strip_prefix(' ').unwrap_or(value))
}

impl Shared {
    /// `uri` is a message endpoint the (legacy) upstream announced.
    fn announced(&self, uri: &Uri) -> bool {
        let pq = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
        self.endpoints.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(pq)
    }

    /// Where a request for `uri` goes: the upstream for the MCP endpoint, the same path on the
    /// upstream's origin for an announced legacy message endpoint.
    fn target(&self, uri: &Uri) -> String {
        if uri.path() == MCP_PATH {
            self.opts.upstream.clone()
        } else {
            format!("{}{}", self.origin, uri.path_and_query().map_or(uri.path(), |p| p.as_str()))
        }
    }

    /// A legacy `endpoint` event's frame, rewritten to give the client the endpoint on the
    /// proxy's origin (the path and query on the upstream's, now announced); `None` for any
    /// other frame, or an endpoint on another origin (left alone: the client's own checks
    /// apply, and the proxy forwards nothing there).
    fn rewrite_endpoint(&self, frame: &str) -> Option<(String, String)> {
        let lines: Vec<&str> = frame.lines().collect();
        if !lines.iter().any(|l| sse_field(l, "event") == Some("endpoint")) {
            return None;
        }
        let data: Vec<&str> = lines.iter().filter_map(|l| sse_field(l, "data")).collect();
        let given = data.join("\n");
        let url = reqwest::Url::parse(&self.opts.upstream).ok()?.join(given.trim()).ok()?;
        if url.origin().ascii_serialization() != self.origin {
            return None;
        }
        let pq = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        self.endpoints.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(pq.clone());
        let mut out: Vec<String> = Vec::new();
        let mut wrote = false;
        for l in lines {
            if sse_field(l, "data").is_some() {
                if !std::mem::replace(&mut wrote, true) {
                    out.push(format!("data: {pq}"));
                }
            } else {
                out.push(l.to_owned());
            }
        }
        Some((
            out.join("\n"),
            format!(
                "the proxy gave the client the message endpoint {pq} (on its own origin) for the upstream's {given:?}"
            ),
        ))
    }
}

async fn forward(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = check(&shared, &uri, &headers) {
        return refused;
    }
    let target = shared.target(&uri);
    let upstream = target.as_str();
    let mut retried = false;
    loop {
        let exchange = shared.capture.new_exchange();
        let mut sent = upstream_headers(&shared, &headers);
        if let Some(authorizer) = &shared.opts.authorizer {
            // mcpscope holds the upstream's token: the client's own credentials go nowhere.
            sent.remove("authorization");
            sent.remove("dpop");
            for (name, value) in authorizer.credentials(method.as_str(), upstream).await {
                if let (Ok(n), Ok(v)) =
                    (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str()))
                {
                    sent.insert(n, v);
                }
            }
        }
        record_request(&shared.capture, exchange, &method, upstream, &sent, &body);
        let started = Instant::now();
        let reply =
            shared.client.request(method.clone(), upstream).headers(sent).body(body.clone()).send().await;
        let reply = match reply {
            Ok(r) => r,
            Err(e) => {
                let message = format!("the upstream did not answer: {e}");
                let kind = RecordKind::TransportError { message: message.clone() };
                shared.capture.record(Direction::Local, exchange, kind, None, Vec::new());
                return refuse(StatusCode::BAD_GATEWAY, message);
            }
        };
        let latency_us = started.elapsed().as_micros() as u64;
        let status = reply.status().as_u16();
        let challenge = match &shared.opts.authorizer {
            Some(_) if !retried && matches!(status, 401 | 403) => Some(Challenge {
                exchange,
                status,
                www_authenticate: reply
                    .headers()
                    .get_all("www-authenticate")
                    .iter()
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                    .collect(),
                url: upstream.to_owned(),
                protocol_version: headers
                    .get("mcp-protocol-version")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(mcpscope_proto::DEFAULT_PROTOCOL_VERSION)
                    .to_owned(),
                dpop_nonce: reply
                    .headers()
                    .get("dpop-nonce")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            }),
            _ => None,
        };
        // The refusal is recorded whole like any answer; then mcpscope authorizes and sends
        // the request again, once. Given up, the client gets the refusal as it came.
        let response = answer(&shared, reply, exchange, latency_us).await;
        if let (Some(challenge), Some(authorizer)) = (challenge, &shared.opts.authorizer) {
            match authorizer.challenged(challenge).await {
                Verdict::Retry => {
                    retried = true;
                    continue;
                }
                Verdict::GiveUp(why) => {
                    shared.capture.note(format!("the proxy could not authorize upstream: {why}"))
                }
            }
        }
        return response;
    }
}

/// The headers that go upstream: the client's (not this hop's), then the user's own.
fn upstream_headers(shared: &Shared, headers: &HeaderMap) -> reqwest::header::HeaderMap {
    let mut sent = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        if !HOP_BY_HOP.contains(&name.as_str()) && name != "origin" {
            sent.append(name.clone(), value.clone());
        }
    }
    for h in &shared.opts.headers {
        if let (Ok(name), Ok(value)) =
            (HeaderName::try_from(h.name.as_str()), HeaderValue::try_from(h.value.as_str()))
        {
            sent.insert(name, value);
        }
    }
    sent
}

/// Headers as (name, text) pairs, for a record.
fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect()
}

fn record_request(
    capture: &Capture,
    exchange: u64,
    method: &Method,
    upstream: &str,
    sent: &HeaderMap,
    body: &Bytes,
) {
    let shown = header_pairs(sent);
    let text = (!body.is_empty()).then(|| String::from_utf8_lossy(body).into_owned());
    capture.record(
        Direction::Out,
        exchange,
        RecordKind::HttpRequest {
            method: method.to_string(),
            url: redact_url(upstream).into_owned(),
            headers: capture.headers_for_record(shown.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
            body: (!body.is_empty()).then(|| body_of(body)),
        },
        text.as_deref(),
        Vec::new(),
    );
}

/// Records the upstream's answer and makes the client's response of it: an SSE body relayed
/// as it comes, any other read up to the body limit.
async fn answer(
    shared: &Arc<Shared>,
    mut reply: reqwest::Response,
    exchange: u64,
    latency_us: u64,
) -> Response {
    let capture = &shared.capture;
    let status = reply.status();
    let mut back = HeaderMap::new();
    for (name, value) in reply.headers() {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            back.append(name.clone(), value.clone());
        }
    }
    let shown = header_pairs(reply.headers());
    let headers_shown = capture.headers_for_record(shown.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let is_sse = reply
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/event-stream"));
    // The answer's head is recorded before its body: an SSE relay only starts reading once
    // the client polls it, after this returns.
    let (mut response, body, text, flags) = if is_sse {
        let stream = relay_sse(reply, shared.clone(), exchange);
        (Response::new(Body::from_stream(stream)), None, None, Vec::new())
    } else {
        let limit = usize::try_from(capture.limits().body_bytes).unwrap_or(usize::MAX);
        let read = mcpscope_wire::read_limited(&mut reply, limit).await;
        let mut flags = Vec::new();
        if read.cut {
            flags.push(Flag::new(
                FlagCode::TooLarge,
                format!(
                    "the body is larger than the {limit}-byte limit: the proxy kept and passed on that much"
                ),
            ));
        }
        if let Some(e) = &read.error {
            flags.push(Flag::new(FlagCode::StreamBroken, format!("the upstream's body broke off: {e}")));
        }
        let text = (!read.bytes.is_empty()).then(|| String::from_utf8_lossy(&read.bytes).into_owned());
        let body = (!read.bytes.is_empty()).then(|| body_of(&read.bytes));
        (Response::new(Body::from(read.bytes)), body, text, flags)
    };
    capture.record(
        Direction::In,
        exchange,
        RecordKind::HttpResponse { status: status.as_u16(), headers: headers_shown, body, latency_us },
        text.as_deref(),
        flags,
    );
    *response.status_mut() = status;
    *response.headers_mut() = back;
    response
}

/// Chunks of one stream waiting for its recorder; past this many the relay waits for it
/// (bounding memory when the recording falls behind a flood).
const RECORD_QUEUE: usize = 512;

/// What the relay hands the recorder of its stream.
enum Piece {
    /// A chunk as it arrived, and when.
    Chunk(Bytes, Instant),
    /// The upstream ended the stream (`Some`: broke off, why).
    End(Option<String>),
}

/// The upstream's SSE body as a stream for the client: each chunk passed on as it arrives,
/// and handed to a recorder task that records its frames beside the relay (on the other
/// core), in order, then a stream end record. The client never waits for the recording
/// unless it falls [`RECORD_QUEUE`] chunks behind.
fn relay_sse(
    reply: reqwest::Response,
    shared: Arc<Shared>,
    exchange: u64,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel::<Piece>(RECORD_QUEUE);
    shared.recorders.spawn(record_stream(rx, shared.capture.clone(), exchange));
    // Until the first frame is complete its bytes are held back (at most FIRST_FRAME_MAX): a
    // legacy upstream's first frame is its `endpoint` event, which the client must be given
    // on the proxy's origin. Every later byte passes as it comes.
    let first = Some(bytes::BytesMut::new());
    let relay = (reply.bytes_stream(), Some(tx), first, shared);
    futures::stream::unfold(relay, |(mut upstream, tx, mut first, shared)| async move {
        let tx = tx?;
        match upstream.next().await {
            Some(Ok(chunk)) => {
                // The recording gets the upstream's bytes as they came; a recorder gone (it
                // cannot be, short of a panic) must not stop the relay.
                let _ = tx.send(Piece::Chunk(chunk.clone(), Instant::now())).await;
                let out = match first.as_mut() {
                    None => chunk,
                    Some(held) => {
                        held.extend_from_slice(&chunk);
                        match first_frame_end(held) {
                            Some(end) => {
                                let held = first.take().unwrap_or_default().freeze();
                                rewritten(&shared, held, end)
                            }
                            None if held.len() > FIRST_FRAME_MAX => first.take().unwrap_or_default().freeze(),
                            None => Bytes::new(),
                        }
                    }
                };
                Some((Ok(out), (upstream, Some(tx), first, shared)))
            }
            Some(Err(e)) => {
                let message = format!("the upstream's stream broke off: {e}");
                let _ = tx.send(Piece::End(Some(message.clone()))).await;
                Some((Err(std::io::Error::other(message)), (upstream, None, first, shared)))
            }
            None => {
                let _ = tx.send(Piece::End(None)).await;
                // Whatever was held back (a stream that ended inside its first frame) goes on.
                first
                    .take()
                    .filter(|h| !h.is_empty())
                    .map(|held| (Ok(held.freeze()), (upstream, None, None, shared)))
            }
        }
    })
}

/// The most bytes held back while waiting for a stream's first frame to complete.
const FIRST_FRAME_MAX: usize = 64 * 1024;

/// Where the first frame of `bytes` ends (after its blank line), once it has.
fn first_frame_end(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' if bytes.get(i + 1) == Some(&b'\n') => return Some(i + 2),
            b'\r'
                if bytes.get(i + 1) == Some(&b'\n')
                    && bytes.get(i + 2) == Some(&b'\r')
                    && bytes.get(i + 3) == Some(&b'\n') =>
            {
                return Some(i + 4);
            }
            b'\r' if bytes.get(i + 1) == Some(&b'\r') => return Some(i + 2),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The held-back bytes with their first frame (`..end`) rewritten when it is a legacy
/// `endpoint` event.
fn rewritten(shared: &Shared, held: Bytes, end: usize) -> Bytes {
    let Ok(frame) = std::str::from_utf8(&held[..end]) else { return held };
    let Some((new, note)) = shared.rewrite_endpoint(frame.trim_end_matches(['\r', '\n'])) else {
        return held;
    };
    shared.capture.note(note);
    let mut out = bytes::BytesMut::with_capacity(held.len() + 64);
    out.extend_from_slice(new.as_bytes());
    out.extend_from_slice(b"\n\n");
    out.extend_from_slice(&held[end..]);
    out.freeze()
}

/// Records one relayed stream's frames in order, then its end. A relay dropped before the
/// upstream ended means the client went away.
async fn record_stream(mut rx: tokio::sync::mpsc::Receiver<Piece>, capture: Arc<Capture>, exchange: u64) {
    let mut recorder = SseRecorder::new(exchange);
    let (mut frames, mut bytes) = (0u64, 0u64);
    let error = loop {
        match rx.recv().await {
            Some(Piece::Chunk(chunk, at)) => {
                bytes += chunk.len() as u64;
                let found = recorder.split(&capture, chunk, at);
                frames += found.len() as u64;
                if !found.is_empty() {
                    found.build().commit(&capture);
                }
            }
            Some(Piece::End(error)) => break error,
            None => break Some("the client closed the stream".to_owned()),
        }
    };
    if let Some(rest) = recorder.finish() {
        capture.note(format!("the stream ended inside a frame: {} bytes never completed", rest.len()));
    }
    let kind = RecordKind::StreamEnd { error, frames, bytes };
    capture.record(Direction::In, exchange, kind, None, Vec::new());
}
