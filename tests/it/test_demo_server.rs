//! The engine against the built-in rmcp demo server, stateful and stateless, with SSE and
//! with JSON responses.

use std::net::SocketAddr;

use mcpscope_demo::{DemoOptions, DemoServer};
use mcpscope_proto::{RecordKind, TransportChoice, TransportKind};
use serde_json::json;

use std::time::Duration;

use crate::support::{connect, header, is_request, method_of, wait_for};

async fn exercise(opts: DemoOptions) {
    let server = DemoServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), opts).await.expect("demo server");
    let (conn, sink) = connect(server.url(), TransportChoice::Auto).await;
    let info = conn.info().clone();
    assert_eq!(info.transport, TransportKind::Streamable);
    assert_eq!(info.server_info["name"], "mcpscope-demo");
    assert_eq!(info.session_id.is_some(), opts.stateful, "session id iff stateful");
    let echo = conn
        .request("tools/call", Some(json!({"name": "echo", "arguments": {"message": "demo"}})))
        .await
        .expect("echo");
    assert!(echo["result"]["content"][0]["text"].as_str().unwrap_or("").contains("demo"), "{echo}");
    let flood = conn
        .request("tools/call", Some(json!({"name": "flood", "arguments": {"count": 50, "size": 100}})))
        .await
        .expect("flood");
    assert!(flood.get("result").is_some(), "{flood}");
    // Notifications may travel on the standalone GET stream and arrive after the result.
    wait_for(&sink, Duration::from_secs(10), "50 flooded notifications", |recs| {
        recs.iter().filter(|r| method_of(r) == Some("notifications/message")).count() == 50
    })
    .await;
    conn.close().await;
    let deletes = sink.records().iter().filter(|r| is_request(r, "DELETE")).count();
    assert_eq!(deletes, usize::from(opts.stateful), "DELETE only when there is a session");
    assert!(
        sink.records()
            .iter()
            .all(|r| r.flags.is_empty() || matches!(r.kind, RecordKind::HttpResponse { status: 405, .. }))
    );
    server.shutdown().await;
}

#[tokio::test]
async fn demo_stateful_sse() {
    exercise(DemoOptions { stateful: true, json_response: false }).await;
}

#[tokio::test]
async fn demo_stateless_sse() {
    exercise(DemoOptions { stateful: false, json_response: false }).await;
}

#[tokio::test]
async fn demo_stateless_json() {
    exercise(DemoOptions { stateful: false, json_response: true }).await;
}

/// The stateless 2026-07-28 revision: no initialize, no session, `_meta` and the
/// `Mcp-Method`/`Mcp-Name` headers on every request.
async fn exercise_2026(stateful_server: bool) {
    let opts = DemoOptions { stateful: stateful_server, json_response: false };
    let server = DemoServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), opts).await.expect("demo server");
    let sink = mcpscope_wire::VecSink::new();
    let mut copts = mcpscope_wire::ConnectOptions::new(server.url());
    copts.protocol_version = Some("2026-07-28".to_owned());
    let conn = mcpscope_wire::Connection::connect(
        copts,
        sink.clone(),
        std::sync::Arc::new(mcpscope_wire::DefaultHandler),
    )
    .await
    .expect("connect 2026-07-28");
    assert_eq!(conn.info().protocol_version, "2026-07-28");
    assert_eq!(conn.info().session_id, None);
    assert_eq!(conn.info().server_info["name"], "mcpscope-demo", "server/discover names the server");
    let echo = conn
        .request("tools/call", Some(json!({"name": "echo", "arguments": {"message": "stateless era"}})))
        .await
        .expect("echo");
    assert!(echo["result"]["content"][0]["text"].as_str().unwrap_or("").contains("stateless era"), "{echo}");
    conn.close().await;
    let records = sink.records();
    assert!(records.iter().all(|r| method_of(r) != Some("initialize")), "no initialize in 2026-07-28");
    assert!(
        !records.iter().any(|r| is_request(r, "GET") || is_request(r, "DELETE")),
        "no GET stream, no session"
    );
    let call = records
        .iter()
        .find(|r| is_request(r, "POST") && method_of(r) == Some("tools/call"))
        .expect("tools/call POST")
        .clone()
        .with_message();
    assert_eq!(header(&call, "mcp-protocol-version"), Some("2026-07-28"));
    assert_eq!(header(&call, "mcp-method"), Some("tools/call"));
    assert_eq!(header(&call, "mcp-name"), Some("echo"));
    let meta = &call.rpc.expect("rpc").message["params"]["_meta"];
    assert_eq!(meta["io.modelcontextprotocol/protocolVersion"], "2026-07-28");
    assert!(meta["io.modelcontextprotocol/clientInfo"]["name"].is_string());
    server.shutdown().await;
}

#[tokio::test]
async fn demo_protocol_2026_stateless_server() {
    exercise_2026(false).await;
}

#[tokio::test]
async fn demo_protocol_2026_stateful_server() {
    exercise_2026(true).await;
}
