//! The demo server, spoken to over raw HTTP on loopback.

// Tests fail loudly on anything unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use mcpscope_demo::{DemoOptions, DemoServer};
use serde_json::{Value, json};

const PROTOCOL: &str = "2025-11-25";
const ACCEPT_BOTH: &str = "application/json, text/event-stream";
const TIMEOUT: Duration = Duration::from_secs(10);

async fn start(opts: DemoOptions) -> DemoServer {
    let addr = "127.0.0.1:0".parse().expect("valid address");
    DemoServer::start(addr, opts).await.expect("demo server starts")
}

/// A minimal Streamable HTTP client: enough to drive the server by hand.
struct Client {
    http: reqwest::Client,
    url: String,
    session: Option<String>,
    initialized: bool,
}

impl Client {
    fn new(server: &DemoServer) -> Self {
        Self {
            http: reqwest::Client::builder().timeout(TIMEOUT).build().expect("client builds"),
            url: server.url().to_owned(),
            session: None,
            initialized: false,
        }
    }

    async fn post(&self, body: &Value) -> reqwest::Response {
        let mut request = self
            .http
            .post(&self.url)
            .header("accept", ACCEPT_BOTH)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(session) = &self.session {
            request = request.header("mcp-session-id", session);
        }
        if self.initialized {
            request = request.header("mcp-protocol-version", PROTOCOL);
        }
        request.send().await.expect("POST succeeds")
    }

    /// `initialize` + `notifications/initialized`; returns the initialize result and the
    /// initialize response's content type.
    async fn initialize(&mut self, capabilities: Value) -> (Value, String) {
        let response = self
            .post(&json!({
                "jsonrpc": "2.0", "id": 0, "method": "initialize",
                "params": {
                    "protocolVersion": PROTOCOL,
                    "capabilities": capabilities,
                    "clientInfo": { "name": "test_demo", "version": "0.0.0" }
                }
            }))
            .await;
        assert_eq!(response.status(), 200);
        self.session = response
            .headers()
            .get("mcp-session-id")
            .map(|v| v.to_str().expect("ASCII session id").to_owned());
        let content_type = content_type(&response);
        let messages = read_all(response).await;
        let result = find_response(&messages, 0)["result"].clone();
        self.initialized = true;
        let accepted = self.post(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" })).await;
        assert_eq!(accepted.status(), 202);
        (result, content_type)
    }

    /// Sends a request and returns every message of its response (one for JSON, all the
    /// events for SSE).
    async fn request(&self, id: i64, method: &str, params: Value) -> Vec<Value> {
        let response =
            self.post(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })).await;
        assert_eq!(response.status(), 200, "{method} answered 200");
        read_all(response).await
    }

    /// Sends a request and returns its `result` (panics on a JSON-RPC error).
    async fn call(&self, id: i64, method: &str, params: Value) -> Value {
        let messages = self.request(id, method, params).await;
        let response = find_response(&messages, id);
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }

    async fn call_tool(&self, id: i64, name: &str, arguments: Value) -> Value {
        self.call(id, "tools/call", json!({ "name": name, "arguments": arguments })).await
    }
}

fn content_type(response: &reqwest::Response) -> String {
    response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Reads a whole response body as JSON-RPC messages, whatever its content type.
async fn read_all(response: reqwest::Response) -> Vec<Value> {
    let is_sse = content_type(&response).starts_with("text/event-stream");
    let body = response.text().await.expect("body reads");
    if is_sse {
        let mut parser = SseParser::default();
        parser.push(&body);
        parser.finish();
        parser.messages
    } else {
        vec![serde_json::from_str(&body).expect("JSON body")]
    }
}

/// Incremental SSE `data:` parser collecting the JSON-RPC messages (priming events with
/// empty data are skipped).
#[derive(Default)]
struct SseParser {
    buffer: String,
    messages: Vec<Value>,
}

impl SseParser {
    fn push(&mut self, text: &str) {
        self.buffer.push_str(&text.replace("\r\n", "\n"));
        while let Some(end) = self.buffer.find("\n\n") {
            let event: String = self.buffer.drain(..end + 2).collect();
            self.event(&event);
        }
    }

    fn finish(&mut self) {
        let rest = std::mem::take(&mut self.buffer);
        self.event(&rest);
    }

    fn event(&mut self, event: &str) {
        let data: Vec<&str> = event
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(|d| d.strip_prefix(' ').unwrap_or(d))
            .collect();
        let data = data.join("\n");
        if !data.trim().is_empty() {
            self.messages.push(serde_json::from_str(&data).expect("SSE data is JSON"));
        }
    }
}

/// Reads SSE events from `response` until `done` holds for the messages seen so far.
async fn read_until(
    response: &mut reqwest::Response,
    parser: &mut SseParser,
    done: impl Fn(&[Value]) -> bool,
) {
    let read = async {
        while !done(&parser.messages) {
            let chunk = response.chunk().await.expect("stream reads");
            let chunk = chunk.expect("stream ended before the expected messages");
            parser.push(std::str::from_utf8(&chunk).expect("UTF-8 SSE"));
        }
    };
    tokio::time::timeout(TIMEOUT, read).await.expect("expected messages arrive in time");
}

fn find_response(messages: &[Value], id: i64) -> &Value {
    messages
        .iter()
        .find(|m| m["id"] == json!(id) && m.get("method").is_none())
        .unwrap_or_else(|| panic!("no response with id {id} in {messages:?}"))
}

fn with_method<'a>(messages: &'a [Value], method: &str) -> Vec<&'a Value> {
    messages.iter().filter(|m| m["method"] == method).collect()
}

fn first_text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn stateful_initialize_issues_a_session_and_serves_tools() {
    let server = start(DemoOptions::default()).await;
    assert!(server.url().starts_with("http://127.0.0.1:"));
    assert!(server.url().ends_with("/mcp"));
    let mut client = Client::new(&server);

    let (init, content_type) = client.initialize(json!({})).await;
    let session = client.session.clone().expect("stateful server issues Mcp-Session-Id");
    assert!(!session.is_empty());
    assert!(session.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    assert!(content_type.starts_with("text/event-stream"));
    assert_eq!(init["protocolVersion"], PROTOCOL);
    assert_eq!(init["serverInfo"]["name"], "mcpscope-demo");
    assert_eq!(init["serverInfo"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(init["instructions"].as_str().is_some_and(|s| s.contains("echo")));
    for capability in ["tools", "resources", "prompts", "logging"] {
        assert!(init["capabilities"].get(capability).is_some(), "{capability}");
    }

    let tools = client.call(1, "tools/list", json!({})).await;
    let mut names: Vec<&str> =
        tools["tools"].as_array().expect("tools array").iter().filter_map(|t| t["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "add",
            "ask_user",
            "big",
            "confirm_order",
            "echo",
            "fail",
            "flood",
            "forecast",
            "long_running",
            "sample",
            "touch"
        ]
    );
    let add =
        tools["tools"].as_array().and_then(|t| t.iter().find(|t| t["name"] == "add")).expect("add is listed");
    assert_eq!(add["outputSchema"]["type"], "object");
    assert!(add["outputSchema"]["properties"].get("sum").is_some());

    let echo = client.call_tool(2, "echo", json!({ "message": "hello, demo" })).await;
    assert_eq!(first_text(&echo), "hello, demo");
    assert_eq!(echo["isError"], false);

    let sum = client.call_tool(3, "add", json!({ "a": 2, "b": 3.5 })).await;
    assert_eq!(sum["structuredContent"]["sum"], 5.5);

    let fail = client.call_tool(4, "fail", json!({})).await;
    assert_eq!(fail["isError"], true);

    let ask = client.call_tool(5, "ask_user", json!({})).await;
    assert_eq!(ask["isError"], true);
    assert!(first_text(&ask).contains("elicitation"));

    let sample = client.call_tool(6, "sample", json!({ "prompt": "hi" })).await;
    assert_eq!(sample["isError"], true);
    assert!(first_text(&sample).contains("sampling"));

    let ping = client.call(7, "ping", json!({})).await;
    assert_eq!(ping, json!({}));

    // Ending the session: DELETE, then the id is unknown.
    let deleted = client
        .http
        .delete(&client.url)
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", PROTOCOL)
        .send()
        .await
        .expect("DELETE succeeds");
    assert!(deleted.status().is_success());
    let gone = client.post(&json!({ "jsonrpc": "2.0", "id": 8, "method": "tools/list" })).await;
    assert_eq!(gone.status(), 404);

    server.shutdown().await;
}

#[tokio::test]
async fn stateless_json_mode_issues_no_session() {
    let server = start(DemoOptions { stateful: false, json_response: true }).await;
    let mut client = Client::new(&server);

    let (init, init_type) = client.initialize(json!({})).await;
    assert_eq!(client.session, None, "stateless server issues no Mcp-Session-Id");
    assert!(init_type.starts_with("application/json"));
    assert_eq!(init["serverInfo"]["name"], "mcpscope-demo");

    let echo = client.call_tool(1, "echo", json!({ "message": "no session" })).await;
    assert_eq!(first_text(&echo), "no session");

    // A handler that notifies before answering still gets an SSE stream (rmcp falls back
    // so that nothing is lost).
    let flood = client
        .post(&json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call",
                       "params": { "name": "flood", "arguments": { "count": 5 } } }))
        .await;
    assert!(content_type(&flood).starts_with("text/event-stream"));
    let messages = read_all(flood).await;
    assert_eq!(with_method(&messages, "notifications/message").len(), 5);
    assert_eq!(first_text(&find_response(&messages, 2)["result"]), "sent 5");

    let get = client
        .http
        .get(&client.url)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("GET succeeds");
    assert_eq!(get.status(), 405);

    server.shutdown().await;
}

#[tokio::test]
async fn stateless_sse_mode_streams_flood_notifications_on_the_post() {
    let server = start(DemoOptions { stateful: false, json_response: false }).await;
    let mut client = Client::new(&server);
    let (_, content_type) = client.initialize(json!({})).await;
    assert!(content_type.starts_with("text/event-stream"));
    assert_eq!(client.session, None);

    let messages = client
        .request(1, "tools/call", json!({ "name": "flood", "arguments": { "count": 50, "size": 300 } }))
        .await;
    let logs = with_method(&messages, "notifications/message");
    assert_eq!(logs.len(), 50);
    for (seq, log) in logs.iter().enumerate() {
        assert_eq!(log["params"]["data"]["seq"], seq);
        assert_eq!(log["params"]["level"], "info");
        let len = log.to_string().len();
        assert!((280..=320).contains(&len), "notification of {len} bytes");
    }
    assert_eq!(first_text(&find_response(&messages, 1)["result"]), "sent 50");

    server.shutdown().await;
}

#[tokio::test]
async fn long_running_reports_progress_with_total_and_message() {
    let server = start(DemoOptions::default()).await;
    let mut client = Client::new(&server);
    client.initialize(json!({})).await;

    let messages = client
        .request(
            1,
            "tools/call",
            json!({
                "name": "long_running",
                "arguments": { "duration_ms": 200, "steps": 4 },
                "_meta": { "progressToken": "p-1" }
            }),
        )
        .await;
    let progress = with_method(&messages, "notifications/progress");
    assert_eq!(progress.len(), 4);
    for (i, note) in progress.iter().enumerate() {
        assert_eq!(note["params"]["progressToken"], "p-1");
        assert_eq!(note["params"]["progress"], json!(i as f64 + 1.0));
        assert_eq!(note["params"]["total"], json!(4.0));
        assert!(note["params"]["message"].is_string());
    }
    let result = &find_response(&messages, 1)["result"];
    assert_eq!(result["isError"], false);

    // Without a progress token: no notifications, same result.
    let quiet = client
        .request(
            2,
            "tools/call",
            json!({ "name": "long_running", "arguments": { "duration_ms": 10, "steps": 2 } }),
        )
        .await;
    assert!(with_method(&quiet, "notifications/progress").is_empty());
    assert_eq!(find_response(&quiet, 2)["result"]["isError"], false);

    server.shutdown().await;
}

#[tokio::test]
async fn stateful_flood_goes_to_the_get_stream_and_respects_set_level() {
    let server = start(DemoOptions::default()).await;
    let mut client = Client::new(&server);
    client.initialize(json!({})).await;
    let session = client.session.clone().expect("session id");

    // rmcp's session layer routes logging notifications to the standalone GET stream.
    let mut get = client
        .http
        .get(&client.url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", PROTOCOL)
        .send()
        .await
        .expect("GET succeeds");
    assert_eq!(get.status(), 200);

    let result = client.call_tool(1, "flood", json!({ "count": 20, "size": 150 })).await;
    assert_eq!(first_text(&result), "sent 20");
    let mut parser = SseParser::default();
    read_until(&mut get, &mut parser, |m| with_method(m, "notifications/message").len() >= 20).await;
    assert_eq!(parser.messages[19]["params"]["data"]["seq"], 19);

    let set = client.call(2, "logging/setLevel", json!({ "level": "warning" })).await;
    assert_eq!(set, json!({}));
    let muted = client.call_tool(3, "flood", json!({ "count": 20 })).await;
    assert!(first_text(&muted).starts_with("sent 0"), "{muted}");

    server.shutdown().await;
}

#[tokio::test]
async fn elicitation_and_sampling_round_trip_through_the_client() {
    let server = start(DemoOptions::default()).await;
    let mut client = Client::new(&server);
    client.initialize(json!({ "elicitation": {}, "sampling": {} })).await;

    // ask_user: the server's elicitation/create arrives on the POST's stream; answer it
    // with a POST of our own, then the tool result follows on the same stream.
    let mut stream = client
        .post(&json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": { "name": "ask_user", "arguments": {} } }))
        .await;
    assert_eq!(stream.status(), 200);
    let mut parser = SseParser::default();
    read_until(&mut stream, &mut parser, |m| !with_method(m, "elicitation/create").is_empty()).await;
    let ask = with_method(&parser.messages, "elicitation/create")[0].clone();
    assert_eq!(ask["params"]["requestedSchema"]["properties"]["name"]["type"], "string");
    let answer = client
        .post(&json!({ "jsonrpc": "2.0", "id": ask["id"],
                       "result": { "action": "accept", "content": { "name": "Ada" } } }))
        .await;
    assert_eq!(answer.status(), 202);
    read_until(&mut stream, &mut parser, |m| m.iter().any(|m| m["id"] == 1 && m.get("result").is_some()))
        .await;
    let result = &find_response(&parser.messages, 1)["result"];
    assert_eq!(result["isError"], false);
    assert!(first_text(result).contains("Ada"), "{result}");

    // sample: same dance with sampling/createMessage.
    let mut stream = client
        .post(&json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call",
                       "params": { "name": "sample", "arguments": { "prompt": "2+2?" } } }))
        .await;
    let mut parser = SseParser::default();
    read_until(&mut stream, &mut parser, |m| !with_method(m, "sampling/createMessage").is_empty()).await;
    let ask = with_method(&parser.messages, "sampling/createMessage")[0].clone();
    assert_eq!(ask["params"]["messages"][0]["content"]["text"], "2+2?");
    let answer = client
        .post(&json!({ "jsonrpc": "2.0", "id": ask["id"], "result": {
            "role": "assistant", "model": "test-model",
            "content": { "type": "text", "text": "4" } } }))
        .await;
    assert_eq!(answer.status(), 202);
    read_until(&mut stream, &mut parser, |m| m.iter().any(|m| m["id"] == 2 && m.get("result").is_some()))
        .await;
    let result = &find_response(&parser.messages, 2)["result"];
    assert_eq!(first_text(result), "test-model says: 4");

    server.shutdown().await;
}

#[tokio::test]
async fn resources_and_prompts() {
    let server = start(DemoOptions::default()).await;
    let mut client = Client::new(&server);
    client.initialize(json!({})).await;

    let resources = client.call(1, "resources/list", json!({})).await;
    let uris: Vec<&str> = resources["resources"]
        .as_array()
        .expect("resources array")
        .iter()
        .filter_map(|r| r["uri"].as_str())
        .collect();
    assert_eq!(uris, ["demo://readme", "demo://config.json"]);

    let templates = client.call(2, "resources/templates/list", json!({})).await;
    assert_eq!(templates["resourceTemplates"][0]["uriTemplate"], "demo://items/{id}");

    let item = client.call(3, "resources/read", json!({ "uri": "demo://items/7" })).await;
    let text = item["contents"][0]["text"].as_str().expect("text contents");
    let parsed: Value = serde_json::from_str(text).expect("item is JSON");
    assert_eq!(parsed["id"], "7");

    let missing = client.request(4, "resources/read", json!({ "uri": "demo://missing" })).await;
    assert!(find_response(&missing, 4)["error"]["code"].is_i64());

    let prompts = client.call(5, "prompts/list", json!({})).await;
    assert_eq!(prompts["prompts"].as_array().map(Vec::len), Some(2));
    let greeting =
        client.call(6, "prompts/get", json!({ "name": "greeting", "arguments": { "name": "Ada" } })).await;
    let text = greeting["messages"][0]["content"]["text"].as_str().unwrap_or_default();
    assert!(text.contains("Ada"), "{greeting}");
    let review = client
        .call(
            7,
            "prompts/get",
            json!({ "name": "code_review",
                                        "arguments": { "code": "fn main() {}", "language": "rust" } }),
        )
        .await;
    let text = review["messages"][1]["content"]["text"].as_str().unwrap_or_default();
    assert!(text.contains("```rust\nfn main() {}"), "{review}");

    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_listening() {
    let server = start(DemoOptions::default()).await;
    let addr = server.local_addr();
    server.shutdown().await;
    let refused = tokio::net::TcpStream::connect(addr).await;
    assert!(refused.is_err(), "the port is closed after shutdown");
}
