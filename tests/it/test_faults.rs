//! Faults no real peer produces on purpose, from a misbehaving loopback server: the engine
//! records and flags each one, returns a clear error, and the session goes on.

use mcpscope_proto::{FlagCode, RecordKind, TransportChoice};
use mcpscope_tests::faulty::FaultyServer;
use mcpscope_wire::WireError;
use serde_json::json;

use crate::support::{connect, dump};

/// Calls the fault tool `name`, checks the error and the flag, then checks the session still
/// answers a ping.
async fn check_fault(name: &str, flag: FlagCode, err_ok: impl Fn(&WireError) -> bool) {
    let server = FaultyServer::start().await.expect("faulty server");
    let (conn, sink) = connect(server.url(), TransportChoice::Streamable).await;
    let before = sink.records().len();
    let err = conn
        .request("tools/call", Some(json!({"name": name, "arguments": {}})))
        .await
        .expect_err(&format!("{name} must fail"));
    assert!(err_ok(&err), "{name}: unexpected error {err:?}");
    assert!(!err.to_string().is_empty());
    let records = sink.records();
    let fault_records = &records[before..];
    assert!(
        fault_records.iter().any(|r| r.flags.iter().any(|f| f.code == flag)),
        "{name}: no {flag:?} flag in\n{}",
        dump(fault_records)
    );
    // Nothing was dropped: the faulty response is in the timeline with its bytes.
    assert!(fault_records.iter().any(|r| matches!(r.kind, RecordKind::HttpResponse { .. })));
    // The engine is still up and the session still works.
    let pong =
        conn.request("ping", None).await.unwrap_or_else(|e| panic!("{name}: ping after the fault: {e}"));
    assert_eq!(pong["result"], json!({}));
    conn.close().await;
}

#[tokio::test]
async fn malformed_json_is_flagged() {
    check_fault("malformed_json", FlagCode::MalformedJson, |e| matches!(e, WireError::Malformed(_))).await;
}

#[tokio::test]
async fn not_jsonrpc_is_flagged() {
    check_fault("not_jsonrpc", FlagCode::NotJsonRpc, |e| matches!(e, WireError::Malformed(_))).await;
}

#[tokio::test]
async fn truncated_sse_is_flagged() {
    check_fault("truncated_sse", FlagCode::StreamBroken, |e| matches!(e, WireError::StreamBroken(_))).await;
}

/// A server that sends one SSE frame forever (no blank line, no line end): the engine stops
/// reading at its frame limit instead of filling memory, says why, keeps what came before,
/// and the session goes on. Without the limit this test never ends.
#[tokio::test]
async fn an_endless_sse_frame_is_cut_at_the_limit() {
    check_fault(
        "endless_frame",
        FlagCode::TooLarge,
        |e| matches!(e, WireError::StreamBroken(why) if why.contains("without the blank line")),
    )
    .await;
}

/// A 2 GB JSON body: read up to the 64 MB limit, recorded cut and flagged, the request fails
/// with the reason, and the session goes on.
#[tokio::test]
async fn a_huge_body_is_cut_at_the_limit() {
    check_fault(
        "huge_body",
        FlagCode::TooLarge,
        |e| matches!(e, WireError::TooLarge(why) if why.contains("2147483648 bytes declared")),
    )
    .await;
}

/// A result nested 100k deep: flagged (the JSON parser's depth limit), no stack overflow, and
/// the session goes on.
#[tokio::test]
async fn json_nested_100k_deep_is_flagged_not_a_crash() {
    check_fault("deep_json", FlagCode::MalformedJson, |e| matches!(e, WireError::Malformed(_))).await;
}

#[tokio::test]
async fn wrong_content_type_is_flagged() {
    check_fault(
        "wrong_content_type",
        FlagCode::UnexpectedContentType,
        |e| matches!(e, WireError::ContentType { content_type, .. } if content_type == "text/html"),
    )
    .await;
}

#[tokio::test]
async fn http_500_is_flagged() {
    check_fault("http_500", FlagCode::HttpError, |e| matches!(e, WireError::Http { status: 500, .. })).await;
}

#[tokio::test]
async fn stream_dropped_mid_response_is_flagged() {
    check_fault("drop_mid_response", FlagCode::StreamBroken, |e| matches!(e, WireError::StreamBroken(_)))
        .await;
}

#[tokio::test]
async fn malformed_raw_request_is_sent_as_is_and_recorded() {
    let server = FaultyServer::start().await.expect("faulty server");
    let (conn, sink) = connect(server.url(), TransportChoice::Streamable).await;
    conn.send_raw("{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":".to_owned()).await.ok();
    let records = sink.records();
    let sent = records
        .iter()
        .find(|r| matches!(&r.kind, RecordKind::HttpRequest { body: Some(b), .. } if b.text.ends_with("\"method\":")))
        .expect("request recorded");
    assert!(
        sent.flags.iter().any(|f| f.code == FlagCode::MalformedJson),
        "{:?}\n{}",
        sent.flags,
        dump(&records)
    );
    // The server saw exactly the bytes we were given.
    let seen = server.requests();
    assert!(
        seen.iter().any(|r| r.body == "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":"),
        "server saw {} requests",
        seen.len()
    );
    conn.request("ping", None).await.expect("session survives");
}
