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

/// A server whose standalone GET stream breaks again and again, at random bytes (inside
/// frames too), and resumes after `Last-Event-ID` each time; every event asks for a `retry`
/// of [`RETRY_MS`]. It counts the drops, notes when each reconnect came and which event it
/// asked to start after.
mod flaky_stream {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use axum::Router;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::{IntoResponse, Response};
    use axum::routing::post;
    use bytes::Bytes;
    use serde_json::{Value, json};

    pub const DROPS: usize = 1000;
    pub const RETRY_MS: u64 = 8;
    /// Events served after the last drop, the stream then left open.
    const TAIL: u64 = 100;

    #[derive(Default)]
    pub struct Log {
        pub drops: usize,
        dropped_at: Option<Instant>,
        /// Time from each drop to the reconnect that followed it.
        pub gaps: Vec<Duration>,
        /// `Last-Event-ID` of each GET (`None` for the first).
        pub resumed_after: Vec<Option<u64>>,
        /// The last event once the drops are over.
        pub last: Option<u64>,
        rng: u64,
    }

    impl Log {
        fn next(&mut self, below: u64) -> u64 {
            // xorshift: deterministic, so a failure replays.
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            self.rng % below.max(1)
        }
    }

    type S = State<Arc<Mutex<Log>>>;

    fn event(n: u64) -> String {
        let msg = json!({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": {"n": n}}});
        format!("id: {n}\nretry: {RETRY_MS}\ndata: {msg}\n\n")
    }

    async fn post_mcp(body: String) -> Response {
        let msg: Value = serde_json::from_str(&body).unwrap_or_default();
        let Some(id) = msg.get("id").cloned() else { return StatusCode::ACCEPTED.into_response() };
        let result = match msg["method"].as_str() {
            Some("initialize") => json!({
                "protocolVersion": "2025-11-25",
                "capabilities": {"logging": {}},
                "serverInfo": {"name": "flaky-stream", "version": "1"}
            }),
            _ => json!({}),
        };
        axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": result})).into_response()
    }

    async fn get_mcp(State(log): S, headers: HeaderMap) -> Response {
        let after =
            headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        let start = after.map_or(1, |n| n + 1);
        let mut l = log.lock().unwrap();
        if let Some(at) = l.dropped_at.take() {
            l.gaps.push(at.elapsed());
        }
        l.resumed_after.push(after);
        let sse = [(header::CONTENT_TYPE, "text/event-stream")];
        if l.drops >= DROPS {
            let last = start + TAIL - 1;
            l.last = Some(last);
            let body: String = (start..=last).map(event).collect();
            let open = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from(body))])
                .chain(futures::stream::pending());
            return (sse, axum::body::Body::from_stream(open)).into_response();
        }
        // Two to six events; the cut falls anywhere after the first one's end.
        let count = 2 + l.next(5);
        let text: String = (start..start + count).map(event).collect();
        let first = event(start).len() as u64;
        let cut = (first + 1 + l.next(text.len() as u64 - first - 1)) as usize;
        l.drops += 1;
        drop(l);
        let head = Bytes::from(text.into_bytes()).slice(..cut);
        let log = log.clone();
        let body =
            futures::stream::iter([Ok::<_, std::io::Error>(head)]).chain(futures::stream::once(async move {
                // Let the bytes leave before the connection is cut.
                tokio::time::sleep(Duration::from_millis(3)).await;
                log.lock().unwrap().dropped_at = Some(Instant::now());
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "flaky stream cut"))
            }));
        (sse, axum::body::Body::from_stream(body)).into_response()
    }

    use futures::StreamExt as _;

    pub async fn start() -> (String, Arc<Mutex<Log>>) {
        let log = Arc::new(Mutex::new(Log { rng: 0x2545_f491_4f6c_dd1d, ..Log::default() }));
        let app = Router::new()
            .route("/mcp", post(post_mcp).get(get_mcp).delete(|| async { StatusCode::OK }))
            .with_state(log.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, log)
    }
}

/// The standalone GET stream is cut 1000 times at random points, inside frames too: each
/// time mcpscope resumes with `Last-Event-ID` after the server's `retry`, the timeline shows
/// the break, and every notification arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_cut_a_thousand_times_resumes_without_losing_or_repeating_a_notification() {
    use std::collections::BTreeMap;
    use std::time::Duration;
    let (url, log) = flaky_stream::start().await;
    let (conn, sink) = crate::support::connect(&url, TransportChoice::Streamable).await;
    let started = std::time::Instant::now();
    let last = loop {
        let done = log.lock().unwrap().last;
        if let Some(last) = done {
            let seen = sink.records().iter().any(|r| {
                matches!(&r.kind, RecordKind::SseFrame { id, .. } if id.as_deref() == Some(&last.to_string()))
            });
            if seen {
                break last;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "stalled after {} drops",
            log.lock().unwrap().drops
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let records = sink.records();
    conn.close().await;

    // Every notification exactly once.
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for r in &records {
        if let RecordKind::SseFrame { data, .. } = &r.kind {
            let msg: serde_json::Value = serde_json::from_str(data).expect("each recorded frame is whole");
            *seen.entry(msg["params"]["data"]["n"].as_u64().expect("n")).or_default() += 1;
        }
    }
    let lost: Vec<u64> = (1..=last).filter(|n| !seen.contains_key(n)).collect();
    let repeated: Vec<(&u64, &usize)> = seen.iter().filter(|(_, c)| **c > 1).collect();
    assert!(lost.is_empty(), "{} lost, first {:?}", lost.len(), &lost[..lost.len().min(10)]);
    assert!(
        repeated.is_empty(),
        "{} repeated, first {:?}",
        repeated.len(),
        &repeated[..repeated.len().min(10)]
    );
    assert_eq!(seen.len() as u64, last);

    let log = log.lock().unwrap();
    assert_eq!(log.drops, flaky_stream::DROPS);
    // Each reconnect named the last whole event before the cut, and waited the `retry`.
    assert_eq!(log.resumed_after.len(), flaky_stream::DROPS + 1);
    assert!(log.resumed_after[1..].iter().all(Option::is_some), "every reconnect sends Last-Event-ID");
    let retry = Duration::from_millis(flaky_stream::RETRY_MS);
    let early: Vec<&Duration> = log.gaps.iter().filter(|g| **g < retry).collect();
    assert!(early.is_empty(), "{} reconnects came before the retry of {retry:?}: {early:?}", early.len());
    // The timeline shows every break: a flagged stream end, or (when the reset beat the
    // response head to the client) a transport error.
    let breaks = records
        .iter()
        .filter(|r| match &r.kind {
            RecordKind::StreamEnd { error: Some(_), .. } => {
                r.flags.iter().any(|f| f.code == FlagCode::StreamBroken)
            }
            RecordKind::TransportError { .. } => true,
            _ => false,
        })
        .count();
    assert_eq!(breaks, flaky_stream::DROPS, "one flagged break per cut");
}
