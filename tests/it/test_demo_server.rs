//! The engine against the built-in rmcp demo server, stateful and stateless, with SSE and
//! with JSON responses.

use std::net::SocketAddr;

use mcpscope_demo::{DemoOptions, DemoServer};
use mcpscope_proto::{RecordKind, TransportChoice, TransportKind};
use serde_json::json;

use std::time::Duration;

use crate::support::{connect, is_request, method_of, wait_for};

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
