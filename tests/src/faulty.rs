//! A deliberately misbehaving Streamable HTTP MCP server for fault tests and the wire
//! benchmark.
//!
//! It speaks just enough of the protocol to get through `initialize`, then misbehaves on
//! demand: `tools/call` with `params.name` set to one of [`FAULT_TOOLS`] picks the fault.
//! Every request it receives is recorded and can be read back with
//! [`FaultyServer::requests`].
//!
//! `GET /flood?count=N&size=S` returns the same SSE bytes as the `flood` tool, so a
//! benchmark can measure a raw read of the stream as a baseline.

use std::{
    convert::Infallible,
    io::Write as _,
    net::SocketAddr,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::Response,
    routing::{any, get},
};
use bytes::Bytes;
use futures::{Stream, StreamExt as _, stream};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Protocol versions the server accepts in `initialize`; anything else gets the newest.
pub const SUPPORTED_VERSIONS: [&str; 3] = ["2025-03-26", "2025-06-18", "2025-11-25"];
const NEWEST_VERSION: &str = "2025-11-25";

/// Tool names that pick a fault, as listed by `tools/list`.
pub const FAULT_TOOLS: [&str; 15] = [
    "malformed_json",
    "truncated_sse",
    "wrong_content_type",
    "http_500",
    "drop_mid_response",
    "endless_frame",
    "huge_body",
    "deep_json",
    "not_jsonrpc",
    "flood",
    // `count` (default 10k) elicitation/create requests on the call's stream, then the result.
    "elicit_flood",
    // Well-formed JSON-RPC that breaks the MCP schema or its rules (for the protocol lint).
    "lint_unknown_content_type",
    "lint_result_without_content",
    "lint_bad_log_level",
    "lint_server_calls_a_tool",
];

const MCP_PATH: &str = "/mcp";
const FLOOD_PATH: &str = "/flood";
const EVENT_STREAM: &str = "text/event-stream";
const JSON: &str = "application/json";

/// Flood events are batched into chunks of about this many bytes.
const FLOOD_CHUNK_BYTES: usize = 64 * 1024;
/// Default `count` and `size` for the flood tool and route.
const FLOOD_DEFAULT_COUNT: u64 = 1000;
const FLOOD_DEFAULT_SIZE: usize = 200;
/// Bytes of a flood notification's JSON besides the decimal `seq` and the padding.
const FLOOD_ENVELOPE: usize = FLOOD_PREFIX.len() + FLOOD_MIDDLE.len() + FLOOD_SUFFIX.len();
const FLOOD_PREFIX: &str = r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","logger":"flood","data":{"seq":"#;
const FLOOD_MIDDLE: &str = r#","pad":""#;
const FLOOD_SUFFIX: &str = r#""}}}"#;
/// How long `drop_mid_response` waits after its first event before breaking the stream, so
/// that the event is on the wire first.
const DROP_DELAY: Duration = Duration::from_millis(50);

/// One HTTP request as the server received it.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    pub method: Method,
    /// Path and query, e.g. `/mcp` or `/flood?count=10`.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl SeenRequest {
    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A header's value, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The JSON-RPC `method` of the body, if any.
    pub fn rpc_method(&self) -> Option<String> {
        self.json()?.get("method")?.as_str().map(str::to_owned)
    }
}

/// A running faulty server on `127.0.0.1`. Dropping it stops the server.
#[derive(Debug)]
pub struct FaultyServer {
    /// The MCP endpoint, `http://127.0.0.1:PORT/mcp`.
    pub url: String,
    local_addr: SocketAddr,
    state: Arc<AppState>,
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct AppState {
    seen: Mutex<Vec<SeenRequest>>,
    sessions: AtomicU64,
    /// Tool descriptions that replace `Fault: <name>` in `tools/list` (a "rug pull").
    descriptions: Mutex<std::collections::HashMap<String, String>>,
}

impl AppState {
    fn record(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) {
        let uri = uri.path_and_query().map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
        self.seen.lock().unwrap_or_else(PoisonError::into_inner).push(SeenRequest {
            method: method.clone(),
            uri,
            headers: headers.clone(),
            body: body.clone(),
        });
    }
}

impl FaultyServer {
    /// Binds `127.0.0.1:0` and starts serving in a background task.
    pub async fn start() -> std::io::Result<FaultyServer> {
        let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let local_addr = listener.local_addr()?;
        let state = Arc::new(AppState::default());
        let router = Router::new()
            .route(MCP_PATH, any(mcp))
            .route(FLOOD_PATH, get(flood_route))
            .with_state(state.clone());
        let cancel = CancellationToken::new();
        let shutdown = cancel.clone();
        let task = tokio::spawn(async move {
            // Errors here are accept errors on a loopback socket; a fixture has nowhere
            // better to report them than a failing test.
            let _ = axum::serve(listener, router).with_graceful_shutdown(shutdown.cancelled_owned()).await;
        });
        Ok(FaultyServer {
            url: format!("http://{local_addr}{MCP_PATH}"),
            local_addr,
            state,
            cancel,
            task: Some(task),
        })
    }

    /// The MCP endpoint, `http://127.0.0.1:PORT/mcp`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the server is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:PORT/flood?count=N&size=S`: the flood tool's SSE bytes over GET.
    pub fn flood_url(&self, count: u64, size: usize) -> String {
        format!("http://{}{FLOOD_PATH}?count={count}&size={size}", self.local_addr)
    }

    /// From now on `tools/list` describes tool `name` as `description` (a server that changes
    /// a tool after the user approved it, or hides text in a description).
    pub fn set_description(&self, name: &str, description: &str) {
        self.state
            .descriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_owned(), description.to_owned());
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.state.seen.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Stops the server and waits for its task.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for FaultyServer {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

async fn mcp(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.record(&method, &uri, &headers, &body);
    match method {
        Method::POST => post(&state, &body),
        Method::DELETE => status_text(StatusCode::OK, ""),
        _ => {
            let mut response = status_text(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST, DELETE"));
            response
        }
    }
}

fn post(state: &AppState, body: &Bytes) -> Response {
    let Ok(message) = serde_json::from_slice::<Value>(body) else {
        let error = json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}});
        return respond(StatusCode::BAD_REQUEST, JSON, error.to_string());
    };
    let method = message.get("method").and_then(Value::as_str);
    let id = message.get("id").cloned();
    let (Some(method), Some(id)) = (method, id) else {
        // A notification, a response, or something else that is not a request.
        return status_text(StatusCode::ACCEPTED, "");
    };
    let params = message.get("params").cloned().unwrap_or(Value::Null);
    match method {
        "initialize" => initialize(state, &id, &params),
        "ping" => json_result(&id, json!({})),
        "tools/list" => json_result(&id, json!({ "tools": tool_list(state) })),
        "tools/call" => call_tool(&id, &params),
        _ => {
            let error = json!({"jsonrpc":"2.0","id":id,
                "error":{"code":-32601,"message":format!("Method not found: {method}")}});
            respond(StatusCode::OK, JSON, error.to_string())
        }
    }
}

fn initialize(state: &AppState, id: &Value, params: &Value) -> Response {
    let requested = params.get("protocolVersion").and_then(Value::as_str).unwrap_or_default();
    let version = SUPPORTED_VERSIONS.iter().find(|v| **v == requested).copied().unwrap_or(NEWEST_VERSION);
    let result = json!({
        "protocolVersion": version,
        "capabilities": { "tools": {} },
        "serverInfo": { "name": "mcpscope-faulty", "version": env!("CARGO_PKG_VERSION") },
        "instructions": "Misbehaves on purpose: call a tool named after the fault you want."
    });
    let mut response = json_result(id, result);
    let session = state.sessions.fetch_add(1, Ordering::Relaxed) + 1;
    if let Ok(value) = HeaderValue::from_str(&format!("faulty-session-{session}")) {
        response.headers_mut().insert("mcp-session-id", value);
    }
    response
}

fn tool_list(state: &AppState) -> Vec<Value> {
    let descriptions = state.descriptions.lock().unwrap_or_else(PoisonError::into_inner);
    FAULT_TOOLS
        .iter()
        .map(|name| {
            let schema = if *name == "flood" {
                json!({ "type": "object", "properties": {
                    "count": { "type": "integer", "default": FLOOD_DEFAULT_COUNT },
                    "size": { "type": "integer", "default": FLOOD_DEFAULT_SIZE }
                } })
            } else {
                json!({ "type": "object" })
            };
            let description = descriptions.get(*name).cloned().unwrap_or_else(|| format!("Fault: {name}"));
            json!({ "name": name, "description": description, "inputSchema": schema })
        })
        .collect()
}

fn call_tool(id: &Value, params: &Value) -> Response {
    let name = params.get("name").and_then(Value::as_str).unwrap_or_default();
    let arguments = params.get("arguments").cloned().unwrap_or_else(|| json!({}));
    match name {
        "malformed_json" => {
            respond(StatusCode::OK, JSON, format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{"content":["#))
        }
        "truncated_sse" => {
            let token = params.pointer("/_meta/progressToken").cloned().unwrap_or_else(|| json!("faulty"));
            let progress = json!({"jsonrpc":"2.0","method":"notifications/progress",
                "params":{"progressToken":token,"progress":1,"total":2}});
            let body = format!("data: {progress}\n\ndata: {{\"jsonrpc\":\"2.0\",\"id\":{id},\"res");
            respond(StatusCode::OK, EVENT_STREAM, body)
        }
        "wrong_content_type" => respond(StatusCode::OK, "text/html", "<html>oops</html>"),
        "http_500" => respond(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "internal failure"),
        "drop_mid_response" => drop_mid_response(),
        "endless_frame" => endless_frame(),
        "huge_body" => huge_body(),
        // Valid JSON nested 100k deep: a parser that recurses without a limit overflows its stack.
        "deep_json" => {
            let depth = 100_000;
            let body = format!(
                "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{}{}}}",
                "{\"a\":".repeat(depth) + "1",
                "}".repeat(depth)
            );
            respond(StatusCode::OK, JSON, body)
        }
        "not_jsonrpc" => respond(StatusCode::OK, JSON, r#"{"hello":"world"}"#),
        // A content block of a type no version defines.
        "lint_unknown_content_type" => json_result(id, json!({"content": [{"type": "txt", "text": "x"}]})),
        // `content` is required in every version.
        "lint_result_without_content" => json_result(id, json!({"structuredContent": {"ok": true}})),
        // A log level outside the syslog set, then a good result, on an SSE stream.
        "lint_bad_log_level" => sse_events(&[
            json!({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "loud", "data": "!"}}),
            json!({"jsonrpc": "2.0", "id": id, "result": {"content": [{"type": "text", "text": "logged"}]}}),
        ]),
        // `tools/call` is the client's to send, not the server's.
        "lint_server_calls_a_tool" => sse_events(&[
            json!({"jsonrpc": "2.0", "id": "srv-1", "method": "tools/call", "params": {"name": "x"}}),
            json!({"jsonrpc": "2.0", "id": id, "result": {"content": []}}),
        ]),
        "elicit_flood" => {
            let count = arguments.get("count").and_then(Value::as_u64).unwrap_or(10_000);
            sse_response(Body::from_stream(elicit_sse(count, id)))
        }
        "flood" => {
            let count = arguments.get("count").and_then(Value::as_u64).unwrap_or(FLOOD_DEFAULT_COUNT);
            let size = arguments
                .get("size")
                .and_then(Value::as_u64)
                .and_then(|s| usize::try_from(s).ok())
                .unwrap_or(FLOOD_DEFAULT_SIZE);
            sse_response(Body::from_stream(flood_sse(count, size, id)))
        }
        _ => {
            let text = arguments.to_string();
            json_result(id, json!({ "content": [{ "type": "text", "text": text }] }))
        }
    }
}

/// One complete event, then an error in the body stream: hyper aborts the connection, so
/// the client sees a broken stream rather than a clean end.
/// An application/json answer that declares 2 GB and streams spaces inside a string forever.
fn huge_body() -> Response {
    let filler = Bytes::from(vec![b' '; 64 * 1024]);
    let opening = Bytes::from_static(b"{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"text\":\"");
    let body = stream::iter([Ok::<_, std::io::Error>(opening)])
        .chain(stream::repeat_with(move || Ok(filler.clone())).take(32_768)); // 2 GB in 64 kB chunks
    let mut response = respond(StatusCode::OK, JSON, Body::from_stream(body));
    response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("2147483648"));
    response
}

/// A notification, then one SSE frame that never ends: `data: xxxx…` forever, no line end.
fn endless_frame() -> Response {
    let first = Bytes::from_static(
        b"id: e-1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"an endless frame follows\"}}\n\n",
    );
    let filler = Bytes::from(vec![b'x'; 64 * 1024]);
    let opening = Bytes::from_static(b"data: ");
    let body = stream::iter([Ok::<_, std::io::Error>(first), Ok(opening)])
        .chain(stream::repeat_with(move || Ok(filler.clone())));
    sse_response(Body::from_stream(body))
}

fn drop_mid_response() -> Response {
    let event = Bytes::from_static(
        b"id: d-1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"about to drop the connection\"}}\n\n",
    );
    let body = stream::unfold(0u8, move |step| {
        let event = event.clone();
        async move {
            match step {
                0 => Some((Ok(event), 1)),
                1 => {
                    tokio::time::sleep(DROP_DELAY).await;
                    let error = std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "faulty server drops the connection mid-response",
                    );
                    Some((Err(error), 2))
                }
                _ => None,
            }
        }
    });
    sse_response(Body::from_stream(body))
}

#[derive(Debug, Deserialize)]
struct FloodQuery {
    count: Option<u64>,
    size: Option<usize>,
    /// JSON-RPC id of the final result event; 1 unless given.
    id: Option<i64>,
}

async fn flood_route(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<FloodQuery>,
) -> Response {
    state.record(&Method::GET, &uri, &headers, &Bytes::new());
    let count = query.count.unwrap_or(FLOOD_DEFAULT_COUNT);
    let size = query.size.unwrap_or(FLOOD_DEFAULT_SIZE);
    let id = json!(query.id.unwrap_or(1));
    sse_response(Body::from_stream(flood_sse(count, size, &id)))
}

/// The flood as SSE bytes: `count` `notifications/message` events whose JSON is about
/// `size` bytes (exactly `size` when `size` leaves room for the envelope), then the
/// `tools/call` result for request `id`, `{"content":[{"type":"text","text":"sent <count>"}]}`.
///
/// Events are generated lazily and batched into chunks of about 64 KiB, so memory stays
/// flat and the server does not flush per event.
pub fn flood_sse(
    count: u64,
    size: usize,
    id: &Value,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    let result = json!({"jsonrpc":"2.0","id":id,
        "result":{"content":[{"type":"text","text":format!("sent {count}")}]}});
    let tail = Bytes::from(format!("data: {result}\n\n"));
    let pad: Arc<str> = "x".repeat(size.saturating_sub(FLOOD_ENVELOPE + 1)).into();
    stream::unfold(Some(0u64), move |next| {
        std::future::ready(next.and_then(|seq| flood_chunk(seq, count, size, &pad)))
    })
    .chain(stream::once(std::future::ready(tail)))
    .map(Ok)
}

/// `count` `elicitation/create` requests (ids `el-0`…), a server that asks faster than anyone
/// answers, in chunks of about 64 KiB; then the result of request `id`, `asked <count>`.
fn elicit_sse(count: u64, id: &Value) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    let result = json!({"jsonrpc":"2.0","id":id,
        "result":{"content":[{"type":"text","text":format!("asked {count}")}]}});
    let tail = Bytes::from(format!("data: {result}\n\n"));
    stream::unfold(0u64, move |mut seq| {
        let mut buffer = Vec::with_capacity(FLOOD_CHUNK_BYTES + 256);
        while seq < count && buffer.len() < FLOOD_CHUNK_BYTES {
            let request = json!({"jsonrpc":"2.0","id":format!("el-{seq}"),"method":"elicitation/create",
                "params":{"message":format!("question {seq}"),"requestedSchema":{"type":"object","properties":{}}}});
            // Writing to a Vec cannot fail.
            let _ = write!(buffer, "data: {request}\n\n");
            seq += 1;
        }
        std::future::ready((!buffer.is_empty()).then(|| (Bytes::from(buffer), seq)))
    })
    .chain(stream::once(std::future::ready(tail)))
    .map(Ok)
}

/// Events `seq..` up to about [`FLOOD_CHUNK_BYTES`]; returns the bytes and the next `seq`
/// (`None` once all `count` are out).
fn flood_chunk(mut seq: u64, count: u64, size: usize, pad: &str) -> Option<(Bytes, Option<u64>)> {
    if seq >= count {
        return None;
    }
    let mut buffer = Vec::with_capacity(FLOOD_CHUNK_BYTES + size + 64);
    while seq < count && buffer.len() < FLOOD_CHUNK_BYTES {
        let digits = seq.checked_ilog10().unwrap_or(0) as usize + 1;
        let pad_len = size.saturating_sub(FLOOD_ENVELOPE + digits).min(pad.len());
        buffer.extend_from_slice(b"data: ");
        buffer.extend_from_slice(FLOOD_PREFIX.as_bytes());
        // Writing to a Vec cannot fail.
        let _ = write!(buffer, "{seq}");
        buffer.extend_from_slice(FLOOD_MIDDLE.as_bytes());
        buffer.extend_from_slice(&pad.as_bytes()[..pad_len]);
        buffer.extend_from_slice(FLOOD_SUFFIX.as_bytes());
        buffer.extend_from_slice(b"\n\n");
        seq += 1;
    }
    let next = (seq < count).then_some(seq);
    Some((Bytes::from(buffer), next))
}

fn json_result(id: &Value, result: Value) -> Response {
    let body = json!({ "jsonrpc": "2.0", "id": id, "result": result });
    respond(StatusCode::OK, JSON, body.to_string())
}

/// A finished SSE stream of `events`, one `data:` line each.
fn sse_events(events: &[Value]) -> Response {
    let text: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    sse_response(Body::from(text))
}

fn sse_response(body: Body) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(EVENT_STREAM));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn status_text(status: StatusCode, text: &'static str) -> Response {
    respond(status, "text/plain", text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    async fn collect(stream: impl Stream<Item = Result<Bytes, Infallible>>) -> String {
        let chunks: Vec<_> = stream.collect().await;
        let bytes: Vec<u8> = chunks.into_iter().flat_map(|c| c.unwrap().to_vec()).collect();
        String::from_utf8(bytes).unwrap()
    }

    fn events(sse: &str) -> Vec<Value> {
        sse.split("\n\n")
            .filter(|e| !e.is_empty())
            .map(|e| {
                let data = e.strip_prefix("data: ").expect("one data line per event");
                serde_json::from_str(data).expect("well-formed JSON per event")
            })
            .collect()
    }

    #[tokio::test]
    async fn flood_produces_count_events_of_about_size_and_a_result() {
        let sse = collect(flood_sse(1500, 300, &json!(7))).await;
        let events = events(&sse);
        assert_eq!(events.len(), 1501);
        for (seq, event) in events[..1500].iter().enumerate() {
            assert_eq!(event["method"], "notifications/message");
            assert_eq!(event["params"]["data"]["seq"], seq);
            assert_eq!(event.to_string().len(), 300, "event {seq}");
        }
        assert_eq!(
            events[1500],
            json!({"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"sent 1500"}]}})
        );
    }

    #[tokio::test]
    async fn flood_is_chunked_and_handles_tiny_sizes() {
        let chunks: Vec<_> = flood_sse(5000, 200, &json!(1)).collect().await;
        assert!(chunks.len() > 10, "streamed in many chunks, got {}", chunks.len());
        let biggest = chunks.iter().map(|c| c.as_ref().unwrap().len()).max().unwrap();
        assert!(biggest < FLOOD_CHUNK_BYTES + 400);

        let sse = collect(flood_sse(3, 1, &json!("a"))).await;
        assert_eq!(events(&sse).len(), 4);
        let sse = collect(flood_sse(0, 200, &json!(1))).await;
        assert_eq!(events(&sse)[0]["result"]["content"][0]["text"], "sent 0");
    }

    async fn post(client: &reqwest::Client, url: &str, body: Value) -> reqwest::Response {
        client
            .post(url)
            .header("content-type", JSON)
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    fn call(name: &str) -> Value {
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":name,"arguments":{"x":1}}})
    }

    #[tokio::test]
    async fn speaks_enough_protocol_and_records_requests() {
        let server = FaultyServer::start().await.unwrap();
        let client = reqwest::Client::new();
        let url = server.url().to_owned();

        let init = |v: &str| {
            json!({"jsonrpc":"2.0","id":0,"method":"initialize",
            "params":{"protocolVersion":v,"capabilities":{},"clientInfo":{"name":"t","version":"0"}}})
        };
        let response = post(&client, &url, init("2025-06-18")).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().contains_key("mcp-session-id"));
        let result: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(result["result"]["protocolVersion"], "2025-06-18");
        let response = post(&client, &url, init("2024-11-05")).await;
        let result: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(result["result"]["protocolVersion"], "2025-11-25");

        let note = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
        assert_eq!(post(&client, &url, note).await.status(), 202);
        let ping = post(&client, &url, json!({"jsonrpc":"2.0","id":1,"method":"ping"})).await;
        let ping: Value = serde_json::from_str(&ping.text().await.unwrap()).unwrap();
        assert_eq!(ping, json!({"jsonrpc":"2.0","id":1,"result":{}}));
        assert_eq!(client.get(&url).send().await.unwrap().status(), 405);
        assert_eq!(client.delete(&url).send().await.unwrap().status(), 200);

        let echo = post(&client, &url, call("anything_else")).await;
        let echo: Value = serde_json::from_str(&echo.text().await.unwrap()).unwrap();
        assert_eq!(echo["result"]["content"][0]["text"], r#"{"x":1}"#);

        let seen = server.requests();
        assert_eq!(seen.len(), 7);
        assert_eq!(seen[0].rpc_method().as_deref(), Some("initialize"));
        assert_eq!(seen[0].header("content-type"), Some(JSON));
        assert_eq!(seen[4].method, Method::GET);
        assert_eq!(seen[6].json().unwrap()["params"]["name"], "anything_else");
        server.shutdown().await;
    }

    #[tokio::test]
    async fn faults_misbehave_as_advertised() {
        let server = FaultyServer::start().await.unwrap();
        let client = reqwest::Client::new();
        let url = server.url().to_owned();

        let malformed = post(&client, &url, call("malformed_json")).await;
        let text = malformed.text().await.unwrap();
        assert!(serde_json::from_str::<Value>(&text).is_err());
        assert!(text.starts_with(r#"{"jsonrpc":"2.0","id":3,"result""#));

        let truncated = post(&client, &url, call("truncated_sse")).await;
        assert_eq!(truncated.headers()["content-type"], EVENT_STREAM);
        let text = truncated.text().await.unwrap();
        assert!(text.contains("notifications/progress"));
        assert!(text.ends_with(r#"data: {"jsonrpc":"2.0","id":3,"res"#));

        let html = post(&client, &url, call("wrong_content_type")).await;
        assert_eq!(html.headers()["content-type"], "text/html");

        let failed = post(&client, &url, call("http_500")).await;
        assert_eq!(failed.status(), 500);
        assert_eq!(failed.text().await.unwrap(), "internal failure");

        let mut dropped = post(&client, &url, call("drop_mid_response")).await;
        let first = dropped.chunk().await.unwrap().unwrap();
        assert!(first.starts_with(b"id: d-1\n"));
        let mut broke = false;
        loop {
            match dropped.chunk().await {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => {
                    broke = true;
                    break;
                }
            }
        }
        assert!(broke, "drop_mid_response must end in a body error, not a clean EOF");

        let odd = post(&client, &url, call("not_jsonrpc")).await;
        assert_eq!(odd.text().await.unwrap(), r#"{"hello":"world"}"#);

        let flood = json!({"jsonrpc":"2.0","id":9,"method":"tools/call",
            "params":{"name":"flood","arguments":{"count":20,"size":250}}});
        let tool_bytes = post(&client, &url, flood).await.text().await.unwrap();
        let route_bytes = client
            .get(format!("{}&id=9", server.flood_url(20, 250)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(tool_bytes, route_bytes);
        assert_eq!(events(&tool_bytes).len(), 21);
        server.shutdown().await;
    }
}
