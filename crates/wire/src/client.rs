//! A live connection to one MCP server: transport detection, handshake, request/response
//! correlation, server-initiated requests, the standalone GET stream and resumption.
//!
//! This module holds the connection's state, request correlation and dispatch;
//! `handshake` settles the version, `transport` speaks Streamable HTTP and the legacy
//! HTTP+SSE transport over that state.

mod handshake;
mod transport;

use handshake::*;
use transport::*;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;
use mcpscope_proto::headers::{self, HeaderProblem, ParamHeader};
use mcpscope_proto::{Flag, FlagCode, PROTOCOL_VERSIONS, RpcKind, TransportChoice, TransportKind};
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue, WWW_AUTHENTICATE};
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot, watch};
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, info_span, warn};
use url::Url;

use crate::authorize::{Challenge, Verdict};
use crate::capture::{Capture, lock};
use crate::decode::classify;
use crate::http::{Received, read_body, read_sse, record_stream_head, send};
use crate::sink::RecordSink;
use crate::{ConnectOptions, PROTOCOL_HEADER_SINCE, Result, STATELESS_VERSION, WireError};

const ACCEPT_BOTH: &str = "application/json, text/event-stream";
const SESSION_HEADER: &str = "mcp-session-id";
/// Wait before reconnecting a stream when the server gave no `retry`.
const DEFAULT_RETRY: Duration = Duration::from_millis(1000);
/// How long the handshake waits for the standalone GET stream's response head.
const GET_OPEN_WAIT: Duration = Duration::from_secs(3);
/// Resumption attempts for one broken POST stream.
const MAX_RESUMES: u32 = 5;
/// How long `close` waits for answers to server requests still being sent while none of them
/// gets out: a storm of server requests (10k elicitations, refused) takes longer than this
/// to answer, and is waited for as long as its answers keep going out …
const ANSWERS_GRACE: Duration = Duration::from_secs(5);
/// … up to this long in all.
const ANSWERS_MAX_WAIT: Duration = Duration::from_secs(60);
/// How many times one request is sent again after 401/403 challenges (authorize, then step
/// up, then refresh …); the authorizer keeps its own, tighter limits per cause.
const MAX_AUTH_ROUNDS: u32 = 4;
/// Rounds of one multi-round-trip request (`input_required` answered, sent again) before
/// mcpscope hands the last `input_required` result to the caller; the TypeScript and Rust
/// SDKs stop at the same number.
const MAX_INPUT_ROUNDS: usize = 10;
/// JSON-RPC error: the HTTP headers disagree with the body (2026-07-28).
const HEADER_MISMATCH: i64 = -32020;
/// JSON-RPC error: the server does not speak the requested version (2026-07-28).
const UNSUPPORTED_VERSION: i64 = -32022;

/// Answers requests the server sends to the client (ping, sampling, elicitation, roots …).
pub trait ServerRequestHandler: Send + Sync + 'static {
    /// Returns `Ok(result)` or `Err(error object)` for the JSON-RPC response.
    fn handle(&self, request: Value) -> BoxFuture<'static, Result<Value, Value>>;
}

/// Answers `ping`; refuses everything else with -32601 (the GUI answers them by hand later).
pub struct DefaultHandler;

impl ServerRequestHandler for DefaultHandler {
    fn handle(&self, request: Value) -> BoxFuture<'static, Result<Value, Value>> {
        let method = request.get("method").and_then(Value::as_str).unwrap_or("").to_owned();
        Box::pin(async move {
            match method.as_str() {
                "ping" => Ok(json!({})),
                _ => Err(json!({"code": -32601, "message": format!("mcpscope does not handle {method}")})),
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    Open,
    SessionExpired,
    Closed,
}

/// What the handshake established.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    pub url: String,
    pub transport: TransportKind,
    pub protocol_version: String,
    pub session_id: Option<String>,
    pub server_info: Value,
    pub capabilities: Value,
    pub instructions: Option<String>,
    /// How the version was settled, in words, when it took more than one offer (a fallback,
    /// a switch to the stateless protocol); `None` when the first offer was taken.
    pub negotiation: Option<String>,
}

impl ConnectionInfo {
    /// Whether the version in force is the stateless revision (2026-07-28) or later.
    pub fn is_stateless(&self) -> bool {
        is_stateless(&self.protocol_version)
    }
}

struct PendingRequest {
    tx: oneshot::Sender<Result<Value>>,
    activity: Arc<Notify>,
    progress_token: Option<String>,
}

#[derive(Default)]
struct LinkState {
    transport: Option<TransportKind>,
    /// Where POSTs go: the URL itself, or the legacy `endpoint`.
    post_url: Option<Url>,
    session_id: Option<String>,
    protocol_version: Option<String>,
    /// Last SSE id seen on the standalone GET stream.
    get_last_event_id: Option<String>,
    /// The `x-mcp-header` designations of each tool from the last `tools/list`, or why the
    /// tool must not be called.
    tools: HashMap<String, Result<Vec<ParamHeader>, Vec<HeaderProblem>>>,
}

/// The routing headers of one POST under 2026-07-28: `Mcp-Method`, `Mcp-Name` and the
/// `Mcp-Param-*` mirrored from a tool's designated arguments.
#[derive(Default)]
struct Routing {
    method: Option<String>,
    name: Option<String>,
    params: Vec<(String, String)>,
}

struct Inner {
    http: reqwest::Client,
    capture: Arc<Capture>,
    opts: ConnectOptions,
    url: Url,
    handler: Arc<dyn ServerRequestHandler>,
    link: Mutex<LinkState>,
    pending: Mutex<HashMap<String, PendingRequest>>,
    next_id: AtomicU64,
    closed: CancellationToken,
    status: watch::Sender<LinkStatus>,
    /// Cancelled to drop the current GET stream so it reconnects with Last-Event-ID.
    get_restart: Mutex<CancellationToken>,
    /// Our answers to server requests on their way out: `close` lets them arrive first.
    answers: tokio_util::task::TaskTracker,
    /// Answers being POSTed at once (see [`ANSWERS_IN_FLIGHT`]).
    answer_slots: tokio::sync::Semaphore,
}

/// Our answers to server requests POSTed at once, at most. A storm of server requests (10k
/// elicitations, most refused at once) would otherwise open a connection per answer, and
/// past the server's listen backlog the kernel drops the connection attempts, to be retried
/// a second or more later: the last answers took tens of seconds. A few connections kept
/// alive carry them all in a fraction of that.
const ANSWERS_IN_FLIGHT: usize = 16;

/// A connection; cheap to clone.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
    info: Arc<ConnectionInfo>,
}

impl Connection {
    /// Connects and performs the handshake the version in force calls for.
    pub async fn connect(
        opts: ConnectOptions,
        sink: Arc<dyn RecordSink>,
        handler: Arc<dyn ServerRequestHandler>,
    ) -> Result<Connection> {
        Self::connect_with_capture(opts, Capture::new(sink), handler).await
    }

    /// Like [`Connection::connect`], recording into an existing capture (so a reconnect
    /// continues the same timeline).
    pub async fn connect_with_capture(
        opts: ConnectOptions,
        capture: Arc<Capture>,
        handler: Arc<dyn ServerRequestHandler>,
    ) -> Result<Connection> {
        let url = parse_http_url(&opts.url)?;
        let span = info_span!("connect", url = %crate::redact_url(url.as_str()));
        let _enter = span.enter();
        capture.redact_user_headers(opts.headers.iter().map(|h| h.name.as_str()));
        let http = crate::tls::client_builder()
            // Redirects would hide hops from the capture: show them instead.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| WireError::Connect { url: url.to_string(), reason: e.to_string() })?;
        let (status, _) = watch::channel(LinkStatus::Open);
        let inner = Arc::new(Inner {
            http,
            capture,
            opts,
            url,
            handler,
            link: Mutex::new(LinkState::default()),
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            closed: CancellationToken::new(),
            status,
            get_restart: Mutex::new(CancellationToken::new()),
            answers: tokio_util::task::TaskTracker::new(),
            answer_slots: tokio::sync::Semaphore::new(ANSWERS_IN_FLIGHT),
        });
        drop(_enter);
        let result = handshake(&inner).await;
        match result {
            Ok(info) => Ok(Connection { inner, info: Arc::new(info) }),
            Err(e) => {
                inner.closed.cancel();
                Err(e)
            }
        }
    }

    pub fn info(&self) -> &ConnectionInfo {
        &self.info
    }

    pub fn capture(&self) -> &Arc<Capture> {
        &self.inner.capture
    }

    pub fn status(&self) -> watch::Receiver<LinkStatus> {
        self.inner.status.subscribe()
    }

    /// Sends a request with an engine-assigned id and waits for the whole JSON-RPC response
    /// message. A JSON-RPC error is an `Ok` value: it is data, not a transport failure.
    ///
    /// It returns once the sink chain has passed on the exchange's records (the timeline and
    /// the history have them, linted), whatever the outcome.
    pub async fn request(&self, method: &str, params: Option<Value>) -> Result<Value> {
        let reply = request(&self.inner, method, params).await;
        self.inner.capture.flush().await;
        reply
    }

    pub async fn notify(&self, method: &str, params: Option<Value>) -> Result<()> {
        let mut msg = json!({"jsonrpc": "2.0", "method": method});
        if let Some(p) = params {
            msg["params"] = p;
        }
        post_message(&self.inner, &msg, None).await
    }

    /// Sends `text` exactly as given — malformed on purpose if the user wants. Whatever comes
    /// back is captured; nothing waits for a response.
    pub async fn send_raw(&self, text: String) -> Result<()> {
        let inner = self.inner.clone();
        let routing = serde_json::from_str::<Value>(&text).map(|m| routing(&inner, &m)).unwrap_or_default();
        post_bytes(&inner, Bytes::from(text), &routing, None).await
    }

    /// Cancels request `id` (its id as JSON text: `3`, `"a"`): the waiting caller gets
    /// [`WireError::Cancelled`] and the server gets `notifications/cancelled`. Returns `false`
    /// when no such request is in flight (it already finished).
    pub async fn cancel(&self, id: &str, reason: &str) -> Result<bool> {
        if !resolve(&self.inner, id, Err(WireError::Cancelled(reason.to_owned()))) {
            return Ok(false);
        }
        let request_id = serde_json::from_str::<Value>(id).unwrap_or(Value::Null);
        let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": request_id, "reason": reason}});
        post_message(&self.inner, &cancel, None).await?;
        Ok(true)
    }

    /// Why tool `name` must not be called, when its `x-mcp-header` annotations (in the last
    /// `tools/list`) break the 2026-07-28 rules; `None` for a valid or unknown tool.
    pub fn tool_header_problems(&self, name: &str) -> Option<Vec<HeaderProblem>> {
        lock(&self.inner.link).tools.get(name).and_then(|t| t.clone().err())
    }

    /// Opens a `subscriptions/listen` stream (2026-07-28), which replaces the GET stream and
    /// `resources/subscribe`: the server acknowledges the `filter` it accepts
    /// (`toolsListChanged`, `promptsListChanged`, `resourcesListChanged`,
    /// `resourceSubscriptions`), then sends matching notifications on it, each recorded and
    /// routed like any other. Returns once the server acknowledged.
    pub async fn listen(&self, filter: Value) -> Result<Listening> {
        listen(&self.inner, filter).await
    }

    /// Drops the standalone GET stream and reconnects it with `Last-Event-ID`.
    pub fn resume_get_stream(&self) {
        lock(&self.inner.get_restart).cancel();
    }

    /// Ends the session: DELETE when the server issued a session id, then close all streams.
    pub async fn close(&self) {
        let inner = &self.inner;
        if inner.closed.is_cancelled() {
            return;
        }
        // Answers already on their way reach the server before the session ends (a CLI call
        // that exits right after its result would drop them otherwise).
        inner.answers.close();
        let waiting = Instant::now();
        let mut unsent = inner.answers.len();
        while tokio::time::timeout(ANSWERS_GRACE, inner.answers.wait()).await.is_err() {
            let now = inner.answers.len();
            if now >= unsent || waiting.elapsed() >= ANSWERS_MAX_WAIT {
                debug!(
                    unsent = now,
                    "closing with answers to the server still unsent after {:?}",
                    waiting.elapsed()
                );
                break;
            }
            debug!(unsent = now, "still sending answers to the server's requests");
            unsent = now;
        }
        let session = lock(&inner.link).session_id.clone();
        if session.is_some()
            && *inner.status.borrow() == LinkStatus::Open
            && let Ok((rx, started)) =
                send_authorized(inner, Method::DELETE, None, None, &Routing::default(), None).await
        {
            let status = rx.status;
            let flags = if status == 405 { Vec::new() } else { http_flags(status, &[200, 202, 204]) };
            read_body(&inner.capture, rx, started, false, |_| flags).await;
            if status == 405 {
                inner.capture.note("the server does not allow clients to end sessions (DELETE → 405)");
            }
        }
        inner.closed.cancel();
        let _ = inner.status.send(LinkStatus::Closed);
        fail_all_pending(inner, WireError::Closed);
        inner.capture.flush().await;
    }
}

/// An open `subscriptions/listen` stream.
#[derive(Debug)]
pub struct Listening {
    /// The listen request's id (JSON text); notifications on the stream carry it as
    /// `io.modelcontextprotocol/subscriptionId`.
    pub id: String,
    /// What the server accepted (`notifications/subscriptions/acknowledged` params).
    pub accepted: Value,
    stop: CancellationToken,
}

impl Listening {
    /// Closes the stream, which ends the subscription (2026-07-28 has no unsubscribe).
    pub fn stop(&self) {
        self.stop.cancel();
    }
}

/// How long `listen` waits for the server's acknowledgement.
const LISTEN_ACK_WAIT: Duration = Duration::from_secs(10);

async fn listen(inner: &Arc<Inner>, filter: Value) -> Result<Listening> {
    let version = lock(&inner.link).protocol_version.clone().unwrap_or_default();
    if !is_stateless(&version) {
        return Err(WireError::Unsupported(format!(
            "subscriptions/listen is a {STATELESS_VERSION} method; under {version} notifications come on the GET stream and resources/subscribe"
        )));
    }
    let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
    let mut msg = json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen",
        "params": {"notifications": filter}});
    add_stateless_meta(inner, &mut msg);
    let routing = routing(inner, &msg);
    let (rx, started) =
        send_authorized(inner, Method::POST, None, Some(Bytes::from(msg.to_string())), &routing, None)
            .await?;
    let status = rx.status;
    if !(status == 200 && rx.media_type() == "text/event-stream") {
        let json = rx.media_type() == "application/json";
        let (bytes, messages, _) =
            read_body(&inner.capture, rx, started, json, |_| http_flags(status, &[200])).await;
        let why = messages
            .iter()
            .find_map(|m| m.get("error"))
            .map(|e| format!("JSON-RPC error {e}"))
            .unwrap_or_else(|| format!("HTTP {status}: {}", short(&bytes)));
        return Err(WireError::Unsupported(format!("the server refused subscriptions/listen ({why})")));
    }
    record_stream_head(&inner.capture, &rx, started);
    let stop = inner.closed.child_token();
    let (ack_tx, ack_rx) = oneshot::channel::<Value>();
    let task_inner = inner.clone();
    let task_stop = stop.clone();
    tokio::spawn(async move {
        let mut ack = Some(ack_tx);
        let end = read_sse(&task_inner.capture, rx, &task_stop, |_, msgs| {
            for m in msgs {
                if m.get("method").and_then(Value::as_str) == Some("notifications/subscriptions/acknowledged")
                    && let Some(tx) = ack.take()
                {
                    let _ = tx.send(m.get("params").cloned().unwrap_or(Value::Null));
                }
                dispatch(&task_inner, m);
            }
        })
        .await;
        if !end.stopped {
            task_inner.capture.note(format!(
                "the subscriptions/listen stream (id {id}) ended{}: no more change notifications until it is opened again",
                end.broken.map(|b| format!(" ({b})")).unwrap_or_default()
            ));
        }
    });
    match tokio::time::timeout(LISTEN_ACK_WAIT, ack_rx).await {
        Ok(Ok(accepted)) => {
            inner.capture.note(format!("subscriptions/listen (id {id}): the server accepts {accepted}"));
            Ok(Listening { id: id.to_string(), accepted, stop })
        }
        _ => {
            stop.cancel();
            Err(WireError::Unsupported(format!(
                "no notifications/subscriptions/acknowledged within {} s of subscriptions/listen",
                LISTEN_ACK_WAIT.as_secs()
            )))
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.closed.cancel();
    }
}

fn parse_http_url(s: &str) -> Result<Url> {
    let url = Url::parse(s.trim())
        .map_err(|e| WireError::InvalidUrl { url: s.to_owned(), reason: e.to_string() })?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(WireError::InvalidUrl {
            url: s.to_owned(),
            reason: format!("scheme {other:?} is not http or https"),
        }),
    }
}

fn is_stateless(version: &str) -> bool {
    version >= STATELESS_VERSION
}

async fn close_quietly(inner: &Arc<Inner>) {
    inner.closed.cancel();
    let _ = inner.status.send(LinkStatus::Closed);
}

/// One logical request: sent, and while the server answers `input_required` (2026-07-28
/// multi-round-trip requests), its input requests answered through the handler and the
/// request sent again, with `inputResponses` and the server's `requestState`, under a new id.
async fn request(inner: &Arc<Inner>, method: &str, params: Option<Value>) -> Result<Value> {
    let mut params = params;
    let mut first_id = None;
    let mut headers_refreshed = false;
    let mut continues: Option<Round> = None;
    for round in 1..=MAX_INPUT_ROUNDS {
        let mut response = request_once(inner, method, params.clone(), continues.take()).await?;
        let mut id = response.get("id").map(Value::to_string).unwrap_or_default();
        let first = first_id.get_or_insert_with(|| id.clone()).clone();
        if method == "tools/list" {
            learn_tools(inner, &response);
        }
        // -32020: the headers disagree with the body, most likely Mcp-Param-* from a tool list
        // mcpscope has not seen (or an old one). Fetch it and send the call again, once.
        if method == "tools/call"
            && !headers_refreshed
            && response.pointer("/error/code").and_then(Value::as_i64) == Some(HEADER_MISMATCH)
        {
            headers_refreshed = true;
            inner.capture.note(format!(
                "tools/call (id {id}) refused for its headers (-32020): fetching tools/list for the x-mcp-header designations, then sending it again under a new id"
            ));
            let listed = request_once(inner, "tools/list", None, None).await?;
            learn_tools(inner, &listed);
            response = request_once(inner, method, params.clone(), None).await?;
            id = response.get("id").map(Value::to_string).unwrap_or_default();
        }
        let Some(result) = response.get("result").filter(|r| is_input_required(r)) else {
            return Ok(response);
        };
        if round == MAX_INPUT_ROUNDS {
            inner.capture.note(format!(
                "{method} (id {first}): still input_required after {MAX_INPUT_ROUNDS} rounds; mcpscope stops here"
            ));
            return Ok(response);
        }
        let requests = result.get("inputRequests").and_then(Value::as_object).cloned().unwrap_or_default();
        let mut answers = serde_json::Map::new();
        for (key, req) in &requests {
            let asked = req.get("method").and_then(Value::as_str).unwrap_or("?").to_owned();
            // The handler sees an input request as it sees a server request: its key stands
            // where the id would, and `inputRequired` names the request that asked for it.
            let as_request = json!({
                "jsonrpc": "2.0",
                "id": key,
                "method": asked,
                "params": req.get("params").cloned().unwrap_or(Value::Null),
                "inputRequired": {"request": first, "method": method, "round": round},
            });
            match inner.handler.handle(as_request).await {
                Ok(answer) => {
                    answers.insert(key.clone(), answer);
                }
                Err(error) => {
                    inner.capture.note(format!(
                        "{method} (id {first}): input request {key:?} ({asked}) was not answered ({error}); the input_required result is the answer"
                    ));
                    return Ok(response);
                }
            }
        }
        let mut next = params.take().unwrap_or_else(|| json!({}));
        if let Some(p) = next.as_object_mut() {
            p.insert("inputResponses".into(), Value::Object(answers));
            match result.get("requestState") {
                Some(state) => p.insert("requestState".into(), state.clone()),
                None => p.remove("requestState"),
            };
        }
        inner.capture.note(format!(
            "{method} (id {first}) round {}: answered {} input request(s) of id {id}; sending it again under a new id",
            round + 1,
            requests.len()
        ));
        params = Some(next);
        continues = Some(Round { previous: id, first, round: round as u32 + 1 });
    }
    // Not reached: the last round returns its response above.
    Err(WireError::Closed)
}

/// A 2026-07-28 `InputRequiredResult`; a result without `resultType` is complete.
fn is_input_required(result: &Value) -> bool {
    result.get("resultType").and_then(Value::as_str) == Some("input_required")
}

/// Keeps each listed tool's header designations (or why it must not be called).
fn learn_tools(inner: &Inner, response: &Value) {
    let Some(tools) = response.pointer("/result/tools").and_then(Value::as_array) else { return };
    let mut learnt = HashMap::new();
    for tool in tools {
        let Some(name) = tool.get("name").and_then(Value::as_str) else { continue };
        let designated = headers::param_headers(tool.get("inputSchema").unwrap_or(&Value::Null));
        if let Err(problems) = &designated {
            let why: Vec<String> = problems.iter().map(|p| format!("{} at {}", p.message, p.at)).collect();
            inner.capture.note(format!(
                "tool {name:?} must not be called: its x-mcp-header annotations are invalid ({})",
                why.join("; ")
            ));
        }
        learnt.insert(name.to_owned(), designated);
    }
    lock(&inner.link).tools = learnt;
}

/// The round a request continues (for the capture's link between rounds).
struct Round {
    previous: String,
    first: String,
    round: u32,
}

async fn request_once(
    inner: &Arc<Inner>,
    method: &str,
    params: Option<Value>,
    continues: Option<Round>,
) -> Result<Value> {
    if inner.closed.is_cancelled() {
        return Err(WireError::Closed);
    }
    let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
    let mut msg = json!({"jsonrpc": "2.0", "id": id, "method": method});
    if let Some(p) = params {
        msg["params"] = p;
    }
    let stateless = lock(&inner.link).protocol_version.as_deref().is_some_and(is_stateless);
    if stateless {
        add_stateless_meta(inner, &mut msg);
    }
    // Ask for progress on tool calls so long operations keep the request alive.
    let progress_token = if method == "tools/call" {
        let token = format!("mcpscope-{id}");
        if let Some(params) = msg.get_mut("params").and_then(Value::as_object_mut) {
            let meta = params.entry("_meta").or_insert_with(|| json!({}));
            if let Some(meta) = meta.as_object_mut() {
                meta.entry("progressToken").or_insert_with(|| json!(token));
            }
        }
        msg.pointer("/params/_meta/progressToken").map(token_text)
    } else {
        None
    };
    let id_text = msg["id"].to_string();
    if let Some(r) = continues {
        inner.capture.continue_call(&id_text, &r.previous, &r.first, r.round);
    }
    let (tx, rx) = oneshot::channel();
    let activity = Arc::new(Notify::new());
    lock(&inner.pending)
        .insert(id_text.clone(), PendingRequest { tx, activity: activity.clone(), progress_token });
    let task_inner = inner.clone();
    let task_id = id_text.clone();
    let span = info_span!("request", method, id = %id_text);
    let posting = tokio::spawn(
        async move {
            if let Err(e) = post_message(&task_inner, &msg, Some(&task_id)).await {
                resolve(&task_inner, &task_id, Err(e));
            }
        }
        .instrument(span),
    );
    // A caller that stops waiting (a cancelled connect) stops the POST too, with whatever it
    // was doing: an authorization waiting for the browser closes its loopback listener. Once
    // the answer is in, the POST goes on reading its stream.
    let mut cancel = AbortOnDrop(Some(posting.abort_handle()));
    let answer = wait_for(inner, &id_text, rx, activity).await;
    cancel.0 = None;
    answer
}

/// Aborts a task when dropped while still armed.
struct AbortOnDrop(Option<tokio::task::AbortHandle>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

fn add_stateless_meta(inner: &Inner, msg: &mut Value) {
    let version = lock(&inner.link).protocol_version.clone().unwrap_or_default();
    let Some(obj) = msg.as_object_mut() else { return };
    let params = obj.entry("params").or_insert_with(|| json!({}));
    let Some(params) = params.as_object_mut() else { return };
    let meta = params.entry("_meta").or_insert_with(|| json!({}));
    if let Some(meta) = meta.as_object_mut() {
        meta.insert("io.modelcontextprotocol/protocolVersion".into(), json!(version));
        meta.insert("io.modelcontextprotocol/clientCapabilities".into(), inner.opts.capabilities.clone());
        meta.insert(
            "io.modelcontextprotocol/clientInfo".into(),
            json!({"name": inner.opts.client_name, "version": inner.opts.client_version}),
        );
    }
}

async fn wait_for(
    inner: &Arc<Inner>,
    id: &str,
    mut rx: oneshot::Receiver<Result<Value>>,
    activity: Arc<Notify>,
) -> Result<Value> {
    let hard_deadline = Instant::now() + inner.opts.max_request_time;
    let timeout = inner.opts.request_timeout;
    loop {
        tokio::select! {
            r = &mut rx => return r.unwrap_or(Err(WireError::Closed)),
            _ = activity.notified() => {
                if Instant::now() < hard_deadline {
                    continue;
                }
            }
            _ = tokio::time::sleep(timeout) => {}
            _ = inner.closed.cancelled() => {
                lock(&inner.pending).remove(id);
                return Err(WireError::Closed);
            }
        }
        // Timed out: stop waiting and tell the server.
        lock(&inner.pending).remove(id);
        let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": serde_json::from_str::<Value>(id).unwrap_or(Value::Null), "reason": "timeout"}});
        let _ = post_message(inner, &cancel, None).await;
        return Err(WireError::Timeout(timeout));
    }
}

fn resolve(inner: &Inner, id: &str, result: Result<Value>) -> bool {
    match lock(&inner.pending).remove(id) {
        Some(p) => {
            let _ = p.tx.send(result);
            true
        }
        None => false,
    }
}

fn fail_all_pending(inner: &Inner, err: WireError) {
    let drained: Vec<_> = lock(&inner.pending).drain().collect();
    for (_, p) in drained {
        let _ = p.tx.send(Err(err.clone()));
    }
}

/// A progress token as text (a string as itself, anything else as its JSON): the key requests
/// in flight are matched on by their `notifications/progress`, here and in the session's
/// progress tracker.
pub fn token_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn name_param(v: &Value) -> Option<String> {
    let p = v.get("params")?;
    p.get("name").or_else(|| p.get("uri")).and_then(Value::as_str).map(str::to_owned)
}

/// Routes one inbound JSON-RPC message.
fn dispatch(inner: &Arc<Inner>, msg: Value) {
    match classify(&msg) {
        Some(RpcKind::Result | RpcKind::Error) => {
            let id = msg.get("id").map(Value::to_string).unwrap_or_default();
            resolve(inner, &id, Ok(msg));
        }
        Some(RpcKind::Request) => {
            // Tracked: `close` lets the answer arrive first (a handler waiting for a person is
            // ended by its owner before it closes, as the engine's disconnect does).
            let tracker = inner.answers.clone();
            let inner = inner.clone();
            tracker.spawn(async move {
                let id = msg.get("id").cloned().unwrap_or(Value::Null);
                let reply = match inner.handler.handle(msg).await {
                    Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
                    Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error}),
                };
                // The semaphore is never closed, so a permit always comes.
                let _slot = inner.answer_slots.acquire().await;
                if let Err(e) = post_message(&inner, &reply, None).await {
                    debug!(error = %e, "could not deliver our response to a server request");
                }
            });
        }
        Some(RpcKind::Notification) => {
            if msg.get("method").and_then(Value::as_str) == Some("notifications/progress")
                && let Some(token) = msg.pointer("/params/progressToken").map(token_text)
            {
                let pending = lock(&inner.pending);
                if let Some(p) = pending.values().find(|p| p.progress_token.as_deref() == Some(&token)) {
                    p.activity.notify_one();
                }
            }
        }
        _ => {}
    }
}
