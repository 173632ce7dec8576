//! The wire engine against npm `@modelcontextprotocol/server-everything`, over Streamable HTTP
//! and over the legacy HTTP+SSE transport.

use std::time::Duration;

use mcpscope_proto::{FlagCode, RecordKind, RpcKind, TransportChoice, TransportKind};
use mcpscope_tests::everything::{Everything, Mode};
use mcpscope_wire::{LinkStatus, WireError};
use serde_json::json;

use crate::support::{connect, header, is_request, method_of, wait_for};

#[tokio::test]
async fn streamable_initialize_list_call_and_delete() {
    let server = Everything::start(Mode::StreamableHttp).expect("server-everything");
    let (conn, sink) = connect(&server.url, TransportChoice::Auto).await;
    let info = conn.info().clone();
    assert_eq!(info.transport, TransportKind::Streamable);
    assert_eq!(info.protocol_version, "2025-11-25");
    assert!(info.session_id.is_some(), "server-everything issues a session id");
    assert_eq!(info.server_info["name"], "mcp-servers/everything");

    let tools = conn.request("tools/list", None).await.expect("tools/list");
    let names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .expect("tools array")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"echo"), "tools: {names:?}");

    let echo = conn
        .request("tools/call", Some(json!({"name": "echo", "arguments": {"message": "over the wire"}})))
        .await
        .expect("echo");
    assert_eq!(echo["result"]["content"][0]["text"], "Echo: over the wire");

    conn.close().await;
    let records = sink.records();
    // Every request after initialize carries the session id and the negotiated version.
    let posts: Vec<_> = records.iter().filter(|r| is_request(r, "POST")).collect();
    assert!(posts.len() >= 4, "initialize, initialized, tools/list, tools/call");
    assert_eq!(header(posts[0], "mcp-session-id"), None, "initialize goes without a session id");
    for p in &posts[1..] {
        assert_eq!(header(p, "mcp-session-id"), info.session_id.as_deref());
        assert_eq!(header(p, "mcp-protocol-version"), Some("2025-11-25"));
        assert_eq!(header(p, "accept"), Some("application/json, text/event-stream"));
    }
    // The response to tools/call arrived in an SSE frame paired with its request.
    let response = records
        .iter()
        .find(|r| {
            matches!(r.kind, RecordKind::SseFrame { .. })
                && r.rpc.as_ref().is_some_and(|rpc| rpc.kind == RpcKind::Result && rpc.pair_seq.is_some())
                && mcpscope_proto::Record::clone(r)
                    .with_message()
                    .rpc
                    .is_some_and(|rpc| rpc.message["result"]["content"][0]["text"] == "Echo: over the wire")
        })
        .expect("echo result frame");
    let pair = response.rpc.as_ref().and_then(|r| r.pair_seq).expect("paired");
    assert_eq!(records.iter().find(|r| r.seq == pair).and_then(method_of), Some("tools/call"));
    // DELETE ended the session.
    let delete = records.iter().find(|r| is_request(r, "DELETE")).expect("DELETE sent");
    assert_eq!(header(delete, "mcp-session-id"), info.session_id.as_deref());
    let delete_status = records.iter().find_map(|r| match &r.kind {
        RecordKind::HttpResponse { status, .. } if r.exchange == delete.exchange => Some(*status),
        _ => None,
    });
    assert_eq!(delete_status, Some(200));
    assert!(records.iter().all(|r| r.flags.is_empty()), "no flags on clean traffic");
}

#[tokio::test]
async fn long_running_operation_reports_progress() {
    let server = Everything::start(Mode::StreamableHttp).expect("server-everything");
    let (conn, sink) = connect(&server.url, TransportChoice::Streamable).await;
    let result = conn
        .request(
            "tools/call",
            Some(json!({"name": "trigger-long-running-operation", "arguments": {"duration": 1, "steps": 4}})),
        )
        .await
        .expect("long-running operation");
    assert!(result["result"]["content"][0]["text"].as_str().unwrap_or("").contains("completed"), "{result}");
    let progress: Vec<_> = sink
        .records()
        .into_iter()
        .filter(|r| method_of(r) == Some("notifications/progress"))
        .map(|r| r.with_message().rpc.map(|rpc| rpc.message["params"]["progress"].clone()))
        .collect();
    assert_eq!(progress, (1..=4).map(|i| Some(json!(i))).collect::<Vec<_>>());
    conn.close().await;
}

#[tokio::test]
async fn get_stream_resumes_with_last_event_id() {
    let server = Everything::start(Mode::StreamableHttp).expect("server-everything");
    let (conn, sink) = connect(&server.url, TransportChoice::Streamable).await;
    // Simulated logging goes to the standalone GET stream every 5 s, each event with an id.
    conn.request("tools/call", Some(json!({"name": "toggle-simulated-logging", "arguments": {}})))
        .await
        .expect("toggle logging");
    let get_exchange =
        |recs: &[mcpscope_proto::Record]| recs.iter().find(|r| is_request(r, "GET")).map(|r| r.exchange);
    wait_for(&sink, Duration::from_secs(15), "a log message with an id on the GET stream", |recs| {
        let Some(ex) = get_exchange(recs) else { return false };
        recs.iter().any(|r| {
            r.exchange == ex
                && method_of(r) == Some("notifications/message")
                && matches!(&r.kind, RecordKind::SseFrame { id: Some(_), .. })
        })
    })
    .await;
    let records = sink.records();
    let ex = get_exchange(&records).expect("GET");
    let last_id = records
        .iter()
        .filter(|r| r.exchange == ex)
        .filter_map(|r| match &r.kind {
            RecordKind::SseFrame { id: Some(id), .. } => Some(id.clone()),
            _ => None,
        })
        .next_back()
        .expect("an event id");
    conn.resume_get_stream();
    wait_for(&sink, Duration::from_secs(10), "a GET with Last-Event-ID", |recs| {
        recs.iter().any(|r| is_request(r, "GET") && header(r, "last-event-id").is_some())
    })
    .await;
    let records = sink.records();
    let resumed = records
        .iter()
        .find(|r| is_request(r, "GET") && header(r, "last-event-id").is_some())
        .expect("resume");
    // The id is the last one seen before the restart (or a later one if another arrived).
    let sent = header(resumed, "last-event-id").unwrap_or_default();
    assert!(!sent.is_empty());
    assert!(
        records.iter().any(|r| matches!(&r.kind, RecordKind::SseFrame { id: Some(id), .. } if **id == *sent)),
        "Last-Event-ID {sent} is an id we received (first seen {last_id})"
    );
    let status = records.iter().find_map(|r| match &r.kind {
        RecordKind::HttpResponse { status, .. } if r.exchange == resumed.exchange => Some(*status),
        _ => None,
    });
    assert_eq!(status, Some(200), "the server accepted the resumption");
    conn.close().await;
}

#[tokio::test]
async fn session_expiry_is_reported_in_plain_words() {
    let server = Everything::start(Mode::StreamableHttp).expect("server-everything");
    let (conn, sink) = connect(&server.url, TransportChoice::Streamable).await;
    let sid = conn.info().session_id.clone().expect("session id");
    // Someone else ends the session behind our back.
    let http = reqwest::Client::new();
    let r = http.delete(&server.url).header("mcp-session-id", &sid).send().await.expect("DELETE");
    assert!(r.status().is_success());
    let mut status = conn.status();
    let err = conn.request("tools/list", None).await.expect_err("session is gone");
    assert!(matches!(err, WireError::SessionExpired { .. }), "{err:?}");
    assert!(err.to_string().contains("re-initialize"), "{err}");
    tokio::time::timeout(Duration::from_secs(5), status.wait_for(|s| *s == LinkStatus::SessionExpired))
        .await
        .expect("status changes")
        .expect("watch");
    assert!(sink.records().iter().any(|r| r.flags.iter().any(|f| f.code == FlagCode::SessionExpired)));
}

#[tokio::test]
async fn legacy_sse_is_detected_and_works() {
    let server = Everything::start(Mode::Sse).expect("server-everything (sse)");
    let (conn, sink) = connect(&server.url, TransportChoice::Auto).await;
    assert_eq!(conn.info().transport, TransportKind::Sse);
    let echo = conn
        .request("tools/call", Some(json!({"name": "echo", "arguments": {"message": "legacy"}})))
        .await
        .expect("echo over legacy SSE");
    assert_eq!(echo["result"]["content"][0]["text"], "Echo: legacy");
    let tools = conn.request("tools/list", None).await.expect("tools/list over legacy SSE");
    assert!(tools["result"]["tools"].as_array().is_some_and(|t| t.iter().any(|t| t["name"] == "echo")));
    let long = conn
        .request(
            "tools/call",
            Some(json!({"name": "trigger-long-running-operation", "arguments": {"duration": 1, "steps": 3}})),
        )
        .await
        .expect("long-running operation over legacy SSE");
    assert!(long["result"]["content"][0]["text"].as_str().unwrap_or("").contains("completed"), "{long}");
    let records = sink.records();
    let progress = records.iter().filter(|r| method_of(r) == Some("notifications/progress")).count();
    assert_eq!(progress, 3, "progress arrives on the SSE stream");
    // Detection: the initialize POST to /sse failed, then GET found the endpoint event.
    assert!(
        records
            .iter()
            .any(|r| matches!(&r.kind, RecordKind::SseFrame { event: Some(e), .. } if &**e == "endpoint"))
    );
    assert!(records.iter().any(|r| matches!(&r.kind, RecordKind::HttpRequest { method, url, .. } if method == "POST" && url.contains("/message"))));
    // Responses arrive on the SSE stream as `message` events, paired with their requests.
    assert!(
        records
            .iter()
            .any(|r| matches!(&r.kind, RecordKind::SseFrame { event: Some(e), .. } if &**e == "message")
                && r.rpc.as_ref().is_some_and(|rpc| rpc.pair_seq.is_some()))
    );
    conn.close().await;
}

#[tokio::test]
async fn legacy_sse_forced() {
    let server = Everything::start(Mode::Sse).expect("server-everything (sse)");
    let (conn, sink) = connect(&server.url, TransportChoice::Sse).await;
    assert_eq!(conn.info().transport, TransportKind::Sse);
    conn.request("ping", None).await.expect("ping");
    // No POST to the SSE URL itself: it went straight to the legacy GET.
    let first = sink
        .records()
        .into_iter()
        .find(|r| matches!(r.kind, RecordKind::HttpRequest { .. }))
        .expect("a request");
    assert!(is_request(&first, "GET"));
    conn.close().await;
}

#[tokio::test]
async fn progress_keeps_a_request_alive_past_its_timeout() {
    let server = Everything::start(Mode::StreamableHttp).expect("server-everything");
    let sink = mcpscope_wire::VecSink::new();
    let mut opts = mcpscope_wire::ConnectOptions::new(&server.url);
    // Progress arrives every 250 ms; the request would time out after 600 ms without it.
    opts.request_timeout = Duration::from_millis(600);
    let conn = mcpscope_wire::Connection::connect(
        opts,
        sink.clone(),
        std::sync::Arc::new(mcpscope_wire::DefaultHandler),
    )
    .await
    .expect("connect");
    let done = conn
        .request(
            "tools/call",
            Some(
                json!({"name": "trigger-long-running-operation", "arguments": {"duration": 1.5, "steps": 6}}),
            ),
        )
        .await
        .expect("progress resets the timeout");
    assert!(done["result"]["content"][0]["text"].as_str().unwrap_or("").contains("completed"), "{done}");

    // One step of 1.5 s: no progress before the end, so the request times out and is cancelled.
    let err = conn
        .request(
            "tools/call",
            Some(
                json!({"name": "trigger-long-running-operation", "arguments": {"duration": 1.5, "steps": 1}}),
            ),
        )
        .await
        .expect_err("no progress: timeout");
    assert!(matches!(err, WireError::Timeout(_)), "{err:?}");
    assert!(
        sink.records().iter().any(|r| method_of(r) == Some("notifications/cancelled")),
        "the server is told the request was abandoned"
    );
    conn.close().await;
}
