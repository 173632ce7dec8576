//! The 2026-07-28 (stateless) wire against the demo server in stateless mode, and version
//! negotiation against hand-written servers of each era.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::future::BoxFuture;
use mcpscope_demo::{DemoOptions, DemoServer};
use mcpscope_proto::Record;
use mcpscope_wire::{ConnectOptions, Connection, DefaultHandler, ServerRequestHandler, VecSink};
use serde_json::{Value, json};

use crate::support::{dump, header, is_request, method_of, wait_for};

const V2026: &str = "2026-07-28";

async fn stateless_demo() -> DemoServer {
    let opts = DemoOptions { stateful: false, json_response: false };
    DemoServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), opts).await.expect("demo server")
}

async fn connect_2026(url: &str, handler: Arc<dyn ServerRequestHandler>) -> (Connection, Arc<VecSink>) {
    let sink = VecSink::new();
    let mut opts = ConnectOptions::new(url);
    opts.protocol_version = Some(V2026.to_owned());
    opts.capabilities = json!({"elicitation": {}});
    let conn = Connection::connect(opts, sink.clone(), handler).await.expect("connect at 2026-07-28");
    (conn, sink)
}

/// The JSON-RPC message an outbound POST carried.
fn body_of(rec: &Record) -> Value {
    let with = rec.clone().with_message();
    with.rpc.map(|r| r.message.into_value()).unwrap_or(Value::Null)
}

fn posts(records: &[Record]) -> Vec<Record> {
    records.iter().filter(|r| is_request(r, "POST")).cloned().collect()
}

/// The JSON-RPC methods POSTed, in order.
fn posted_methods(records: &[Record]) -> Vec<String> {
    posts(records).iter().filter_map(|p| method_of(p).map(str::to_owned)).collect()
}

#[tokio::test]
async fn every_2026_request_carries_meta_and_routing_headers() {
    let server = stateless_demo().await;
    let (conn, sink) = connect_2026(server.url(), Arc::new(DefaultHandler)).await;
    conn.request("tools/list", None).await.expect("tools/list");
    let forecast = conn
        .request(
            "tools/call",
            Some(json!({"name": "forecast", "arguments": {"region": "Zürich", "days": 2}})),
        )
        .await
        .expect("forecast");
    // rmcp checks Mcp-Param-Region against the body and refuses a mismatch with -32020.
    assert_eq!(forecast["result"]["content"][0]["text"], "Zürich: sunny for the next 2 day(s)", "{forecast}");
    conn.request("resources/read", Some(json!({"uri": "demo://readme"}))).await.expect("read");
    conn.request("prompts/get", Some(json!({"name": "greeting", "arguments": {"name": "Ada"}})))
        .await
        .expect("prompt");
    conn.close().await;
    let records = sink.records();
    let posts = posts(&records);
    assert_eq!(
        posted_methods(&records),
        ["server/discover", "tools/list", "tools/call", "resources/read", "prompts/get"]
    );
    for post in &posts {
        let body = body_of(post);
        let method = body["method"].as_str().unwrap_or("");
        assert_eq!(header(post, "mcp-protocol-version"), Some(V2026), "{method}");
        assert_eq!(header(post, "mcp-method"), Some(method), "{method}");
        let meta = &body["params"]["_meta"];
        assert_eq!(meta["io.modelcontextprotocol/protocolVersion"], V2026, "{method}");
        assert!(meta["io.modelcontextprotocol/clientCapabilities"].is_object(), "{method}");
        assert_eq!(meta["io.modelcontextprotocol/clientInfo"]["name"], "mcpscope", "{method}");
        let name = match method {
            "tools/call" | "prompts/get" => body["params"]["name"].as_str(),
            "resources/read" => body["params"]["uri"].as_str(),
            _ => None,
        };
        assert_eq!(header(post, "mcp-name"), name, "{method}");
    }
    let call = posts.iter().find(|p| method_of(p) == Some("tools/call")).expect("tools/call");
    assert_eq!(
        header(call, "mcp-param-region"),
        Some("=?base64?WsO8cmljaA==?="),
        "non-ASCII travels as base64"
    );
    assert!(
        records.iter().all(|r| !is_request(r, "GET")),
        "no GET stream in 2026-07-28:\n{}",
        dump(&records)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_refused_header_fetches_the_tool_list_and_sends_the_call_again() {
    let server = stateless_demo().await;
    let (conn, sink) = connect_2026(server.url(), Arc::new(DefaultHandler)).await;
    // No tools/list yet: mcpscope does not know `region` is a header, the server says -32020.
    let forecast = conn
        .request("tools/call", Some(json!({"name": "forecast", "arguments": {"region": "north"}})))
        .await
        .expect("forecast");
    assert_eq!(forecast["result"]["content"][0]["text"], "north: sunny for the next 1 day(s)", "{forecast}");
    conn.close().await;
    let records = sink.records();
    assert_eq!(posted_methods(&records), ["server/discover", "tools/call", "tools/list", "tools/call"]);
    let posts = posts(&records);
    assert_eq!(header(&posts[1], "mcp-param-region"), None);
    assert_eq!(header(&posts[3], "mcp-param-region"), Some("north"));
    assert_ne!(body_of(&posts[1])["id"], body_of(&posts[3])["id"], "the retry has a new id");
    server.shutdown().await;
}

/// Answers elicitations the way a user confirming would.
struct Confirms;

impl ServerRequestHandler for Confirms {
    fn handle(&self, request: Value) -> BoxFuture<'static, Result<Value, Value>> {
        Box::pin(async move {
            match request["method"].as_str() {
                Some("elicitation/create") => Ok(json!({"action": "accept", "content": {"confirmed": true}})),
                _ => Err(json!({"code": -32601, "message": "not in this test"})),
            }
        })
    }
}

#[tokio::test]
async fn a_multi_round_trip_tool_completes_after_two_rounds() {
    let server = stateless_demo().await;
    let (conn, sink) = connect_2026(server.url(), Arc::new(Confirms)).await;
    let done = conn
        .request("tools/call", Some(json!({"name": "confirm_order", "arguments": {"item": "tea"}})))
        .await
        .expect("confirm_order");
    assert_eq!(done["result"]["content"][0]["text"], "ordered tea", "{done}");
    conn.close().await;
    let records = sink.records();
    let calls: Vec<Value> =
        posts(&records).iter().filter(|p| method_of(p) == Some("tools/call")).map(body_of).collect();
    assert_eq!(calls.len(), 2, "two rounds:\n{}", dump(&records));
    assert!(calls[0]["params"].get("inputResponses").is_none());
    assert_ne!(calls[0]["id"], calls[1]["id"], "the second round has a new id");
    assert_eq!(calls[1]["params"]["requestState"], "order:tea", "requestState echoed");
    assert_eq!(calls[1]["params"]["inputResponses"]["confirm"]["action"], "accept");
    assert_eq!(calls[1]["params"]["arguments"]["item"], "tea", "the same call, sent again");
    let rounds: Vec<&Record> =
        records.iter().filter(|r| is_request(r, "POST") && method_of(r) == Some("tools/call")).collect();
    let link =
        rounds[1].rpc.as_ref().and_then(|r| r.continues.clone()).expect("round 2 says what it continues");
    assert_eq!((link.round, link.seq), (2, Some(rounds[0].seq)), "{link:?}");
    assert_eq!(link.first_id, calls[0]["id"].to_string());
    assert!(rounds[1].summary().title.contains("round 2 of #"), "{}", rounds[1].summary().title);
    assert_eq!(rounds[1].summary().continues_seq, Some(rounds[0].seq));
    assert!(rounds[0].rpc.as_ref().is_some_and(|r| r.continues.is_none()));
    let input_required = records
        .iter()
        .filter_map(|r| r.clone().with_message().rpc)
        .any(|rpc| rpc.message.pointer("/result/resultType") == Some(&json!("input_required")));
    assert!(input_required, "the first round's input_required is in the timeline");
    server.shutdown().await;
}

#[tokio::test]
async fn a_listen_stream_delivers_change_notifications_into_the_timeline() {
    let server = stateless_demo().await;
    let (conn, sink) = connect_2026(server.url(), Arc::new(DefaultHandler)).await;
    let listening = match conn.listen(json!({"toolsListChanged": true})).await {
        Ok(l) => l,
        Err(e) => panic!("subscriptions/listen: {e}\n{}", dump(&sink.records())),
    };
    assert_eq!(listening.accepted["notifications"]["toolsListChanged"], true, "{}", listening.accepted);
    let resources =
        conn.listen(json!({"resourceSubscriptions": ["demo://readme"]})).await.expect("second listen");
    assert_eq!(resources.accepted["notifications"]["resourceSubscriptions"], json!(["demo://readme"]));
    // The server registers a stream just after acknowledging it: touch until both count.
    let mut told = String::new();
    for _ in 0..50 {
        let r = conn.request("tools/call", Some(json!({"name": "touch"}))).await.expect("touch");
        told = r["result"]["content"][0]["text"].as_str().unwrap_or("").to_owned();
        if told.starts_with("told 1 listener(s) the tool list changed, 1 that demo://readme") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(told.starts_with("told 1 listener(s) the tool list changed, 1 that"), "{told}");
    wait_for(&sink, Duration::from_secs(10), "the change notifications", |recs| {
        recs.iter().any(|r| method_of(r) == Some("notifications/tools/list_changed"))
            && recs.iter().any(|r| method_of(r) == Some("notifications/resources/updated"))
    })
    .await;
    resources.stop();
    let records = sink.records();
    let listen = posts(&records).into_iter().find(|p| method_of(p) == Some("subscriptions/listen"));
    assert_eq!(header(&listen.expect("listen POST"), "mcp-method"), Some("subscriptions/listen"));
    listening.stop();
    conn.close().await;
    server.shutdown().await;
}

/// A hand-written server of one era, for negotiation: no real peer answers all of these ways.
#[derive(Clone, Copy)]
enum Era {
    /// Answers `initialize` (whatever was offered) with 2026-07-28.
    AnswersInitializeWith2026,
    /// Knows no `initialize` (404, -32601), like a server built for 2026-07-28 only.
    StatelessOnly,
    /// Speaks 2025-06-18 only, and says so (-32022 with data.supported) to other offers.
    Only20250618,
}

async fn era_server(era: Era) -> (String, tokio::task::JoinHandle<()>) {
    let app = Router::new().route(
        "/mcp",
        post(move |body: String| async move {
            let msg: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let id = msg.get("id").cloned().unwrap_or(Value::Null);
            let ok = |result: Value| {
                (StatusCode::OK, axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": result})))
                    .into_response()
            };
            let err = |status: StatusCode, error: Value| {
                (status, axum::Json(json!({"jsonrpc": "2.0", "id": id, "error": error}))).into_response()
            };
            let offered = msg.pointer("/params/protocolVersion").and_then(Value::as_str).unwrap_or("");
            let response: Response = match (era, msg["method"].as_str().unwrap_or("")) {
                (_, m) if m.starts_with("notifications/") => StatusCode::ACCEPTED.into_response(),
                (Era::AnswersInitializeWith2026, "initialize") => ok(json!({
                    "protocolVersion": V2026, "capabilities": {"tools": {}},
                    "serverInfo": {"name": "era", "version": "1"}})),
                (Era::StatelessOnly, "initialize") => err(
                    StatusCode::NOT_FOUND,
                    json!({"code": -32601, "message": "Method not found: initialize"}),
                ),
                (Era::Only20250618, "initialize") if offered != "2025-06-18" => err(
                    StatusCode::BAD_REQUEST,
                    json!({"code": -32022, "message": "Unsupported protocol version",
                        "data": {"supported": ["2025-06-18"], "requested": offered}}),
                ),
                (Era::Only20250618, "initialize") => ok(json!({
                    "protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                    "serverInfo": {"name": "era", "version": "1"}})),
                (Era::Only20250618, _) => ok(json!({"tools": []})),
                (_, "server/discover") => ok(json!({
                    "resultType": "complete", "supportedVersions": [V2026],
                    "capabilities": {"tools": {}}, "serverInfo": {"name": "era", "version": "1"}})),
                (_, "tools/list") => ok(json!({"resultType": "complete", "tools": []})),
                _ => err(StatusCode::NOT_FOUND, json!({"code": -32601, "message": "Method not found"})),
            };
            response
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

async fn negotiate(era: Era) -> (mcpscope_wire::ConnectionInfo, Vec<Record>) {
    let (url, task) = era_server(era).await;
    let sink = VecSink::new();
    let mut opts = ConnectOptions::new(&url);
    opts.open_get_stream = false;
    let conn = Connection::connect(opts, sink.clone(), Arc::new(DefaultHandler)).await.expect("negotiated");
    conn.request("tools/list", None).await.expect("tools/list after negotiation");
    let info = conn.info().clone();
    conn.close().await;
    task.abort();
    (info, sink.records())
}

#[tokio::test]
async fn negotiation_follows_a_server_that_answers_initialize_with_2026() {
    let (info, records) = negotiate(Era::AnswersInitializeWith2026).await;
    assert_eq!(info.protocol_version, V2026);
    assert!(info.negotiation.as_deref().unwrap_or("").contains("stateless"), "{:?}", info.negotiation);
    assert_eq!(
        posted_methods(&records),
        ["initialize", "server/discover", "tools/list"],
        "no notifications/initialized"
    );
    let list = posts(&records).into_iter().find(|p| method_of(p) == Some("tools/list")).expect("tools/list");
    assert_eq!(body_of(&list)["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"], V2026);
}

#[tokio::test]
async fn negotiation_switches_to_stateless_when_initialize_is_unknown() {
    let (info, records) = negotiate(Era::StatelessOnly).await;
    assert_eq!(info.protocol_version, V2026);
    assert!(info.negotiation.as_deref().unwrap_or("").contains("-32601"), "{:?}", info.negotiation);
    assert_eq!(posted_methods(&records), ["initialize", "server/discover", "tools/list"]);
}

#[tokio::test]
async fn negotiation_offers_an_older_version_the_server_lists() {
    let (info, records) = negotiate(Era::Only20250618).await;
    assert_eq!(info.protocol_version, "2025-06-18");
    assert!(info.negotiation.as_deref().unwrap_or("").contains("2025-06-18"), "{:?}", info.negotiation);
    let offers: Vec<Value> = posts(&records)
        .iter()
        .filter(|p| method_of(p) == Some("initialize"))
        .map(|p| body_of(p)["params"]["protocolVersion"].clone())
        .collect();
    assert_eq!(offers, [json!("2025-11-25"), json!("2025-06-18")]);
}
