//! The protocol lint against real peers: a loopback server that breaks rules on purpose is
//! flagged with the right rule (through `mcpscope call --jsonl`, as a CI script would read it),
//! and npm server-everything and the built-in demo server, in every version they speak, break
//! none.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mcpscope_demo::{DemoOptions, DemoServer};
use mcpscope_lint::Linter;
use mcpscope_proto::{PROTOCOL_VERSIONS, Record, TransportChoice};
use mcpscope_tests::everything::{Everything, Mode};
use mcpscope_tests::faulty::FaultyServer;
use mcpscope_wire::{ConnectOptions, Connection, DefaultHandler, VecSink};
use serde_json::{Value, json};

use crate::support::dump;

/// `mcpscope call <url> <method> --jsonl [extra…]`: every record as JSON.
async fn jsonl(url: &str, method: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["call".to_owned(), url.to_owned(), method.to_owned(), "--jsonl".to_owned()];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let out = mcpscope_tests::cli::run(None, args).await;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l}")))
        .collect()
}

/// `(rule, path)` of every violation on every line.
fn violations(lines: &[Value]) -> Vec<(String, String)> {
    lines
        .iter()
        .flat_map(|l| l["lint"].as_array().cloned().unwrap_or_default())
        .map(|v| (v["rule"].as_str().unwrap_or("").to_owned(), v["path"].as_str().unwrap_or("").to_owned()))
        .collect()
}

#[tokio::test]
async fn broken_messages_are_flagged_with_the_rule_they_break() {
    let server = FaultyServer::start().await.expect("faulty server");
    let cases = [
        ("lint_unknown_content_type", "schema/CallToolResult", "result.content[0]"),
        ("lint_result_without_content", "schema/CallToolResult", "result"),
        ("lint_bad_log_level", "schema/LoggingMessageNotification", "params.level"),
        ("lint_server_calls_a_tool", "method/direction", "method"),
    ];
    for (tool, rule, path) in cases {
        let params = json!({"name": tool}).to_string();
        let lines = jsonl(server.url(), "tools/call", &["--params", &params]).await;
        assert!(!lines.is_empty(), "{tool}: no records");
        // Every line carries a lint array, empty when clean.
        assert!(lines.iter().all(|l| l["lint"].is_array()), "{tool}: a line without `lint`");
        let found = violations(&lines);
        assert_eq!(found, vec![(rule.to_owned(), path.to_owned())], "{tool}");
        let line =
            lines.iter().find(|l| !l["lint"].as_array().is_some_and(Vec::is_empty)).expect("flagged line");
        let message = line["lint"][0]["message"].as_str().unwrap_or("");
        assert!(message.contains("MCP 2025-11-25"), "{tool}: the message names the version: {message}");
    }

    // A header the user overrides on purpose: every request after initialize carries the
    // wrong version.
    let lines = jsonl(server.url(), "ping", &["--header", "MCP-Protocol-Version: 2025-03-26"]).await;
    let found = violations(&lines);
    assert!(!found.is_empty(), "the wrong header is flagged");
    assert!(
        found
            .iter()
            .all(|(rule, path)| rule == "http/protocol-version" && path == "header mcp-protocol-version"),
        "{found:?}"
    );
    server.shutdown().await;
}

/// Lints a session's records in order, as the app and the CLI do while capturing.
fn lint_all(records: &[Record]) -> Vec<String> {
    let mut linter = Linter::new();
    records
        .iter()
        .flat_map(|r| {
            // Information (a deprecated feature in use) breaks no rule.
            linter.check(r).into_iter().filter(|v| v.is_error()).map(move |v| {
                format!("#{} {}: {} @ {}: {}", r.seq, r.summary().title, v.rule, v.path, v.message)
            })
        })
        .collect()
}

async fn connect(url: &str, transport: TransportChoice, version: &str) -> Option<(Connection, Arc<VecSink>)> {
    let sink = VecSink::new();
    let mut opts = ConnectOptions::new(url);
    opts.transport = transport;
    opts.protocol_version = Some(version.to_owned());
    opts.request_timeout = Duration::from_secs(30);
    match Connection::connect(opts, sink.clone(), Arc::new(DefaultHandler)).await {
        Ok(conn) => Some((conn, sink)),
        Err(e) => {
            eprintln!("{url} does not speak {version}: {e}");
            None
        }
    }
}

/// The everyday traffic of an inspector session: lists, reads, gets, calls with progress.
async fn exercise(conn: &Connection, tools: &[(&str, Value)]) {
    let ok = |what: &str, v: Result<Value, mcpscope_wire::WireError>| {
        let v = v.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(v.get("result").is_some(), "{what}: {v}");
        v
    };
    ok("tools/list", conn.request("tools/list", None).await);
    for (name, args) in tools {
        ok(name, conn.request("tools/call", Some(json!({"name": name, "arguments": args}))).await);
    }
    let resources = ok("resources/list", conn.request("resources/list", None).await);
    if let Some(uri) = resources.pointer("/result/resources/0/uri").cloned() {
        ok("resources/read", conn.request("resources/read", Some(json!({"uri": uri}))).await);
    }
    let templates = conn.request("resources/templates/list", None).await.expect("templates");
    assert!(templates.get("result").is_some() || templates.get("error").is_some(), "{templates}");
    let prompts = ok("prompts/list", conn.request("prompts/list", None).await);
    let simple = prompts.pointer("/result/prompts").and_then(Value::as_array).and_then(|ps| {
        ps.iter().find(|p| p.get("arguments").and_then(Value::as_array).is_none_or(|a| a.is_empty())).cloned()
    });
    if let Some(p) = simple {
        ok("prompts/get", conn.request("prompts/get", Some(json!({"name": p["name"]}))).await);
    }
}

#[tokio::test]
async fn server_everything_breaks_no_rule_in_any_version_it_speaks() {
    let tools = [
        ("echo", json!({"message": "lint"})),
        ("get-sum", json!({"a": 1, "b": 2})),
        ("trigger-long-running-operation", json!({"duration": 0.2, "steps": 2})),
        ("get-structured-content", json!({"location": "New York"})),
    ];
    for (mode, transport) in
        [(Mode::StreamableHttp, TransportChoice::Streamable), (Mode::Sse, TransportChoice::Sse)]
    {
        let server = Everything::start(mode).expect("server-everything");
        let mut spoken = Vec::new();
        for version in PROTOCOL_VERSIONS {
            let Some((conn, sink)) = connect(&server.url, transport, version).await else { continue };
            let negotiated = conn.info().protocol_version.clone();
            if negotiated == *version {
                spoken.push(negotiated.clone());
            }
            exercise(&conn, &tools).await;
            conn.request("ping", None).await.expect("ping");
            conn.close().await;
            let records = sink.records();
            let found = lint_all(&records);
            assert!(found.is_empty(), "{transport:?} {version}: {found:#?}\n{}", dump(&records));
        }
        assert!(spoken.len() >= 3, "{transport:?}: server-everything spoke only {spoken:?}");
        eprintln!("server-everything over {transport:?} spoke {spoken:?} without a violation");
    }
}

#[tokio::test]
async fn the_demo_server_breaks_no_rule_in_any_version_it_speaks() {
    let tools = [("echo", json!({"message": "lint"})), ("flood", json!({"count": 20, "size": 120}))];
    for stateful in [true, false] {
        let opts = DemoOptions { stateful, json_response: false };
        let server =
            DemoServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), opts).await.expect("demo server");
        let mut spoken = Vec::new();
        for version in PROTOCOL_VERSIONS {
            let Some((conn, sink)) = connect(server.url(), TransportChoice::Streamable, version).await else {
                continue;
            };
            if conn.info().protocol_version == *version {
                spoken.push(version.to_owned());
            }
            exercise(&conn, &tools).await;
            conn.close().await;
            let records = sink.records();
            let found = lint_all(&records);
            assert!(found.is_empty(), "stateful={stateful} {version}: {found:#?}\n{}", dump(&records));
        }
        assert_eq!(spoken, PROTOCOL_VERSIONS, "stateful={stateful}: the demo speaks every version");
    }
}

/// What 2026-07-28 deprecates is information, not a broken rule: the demo's flood logs with
/// notifications/message, which works and is flagged as such.
#[tokio::test]
async fn deprecated_features_under_2026_are_information() {
    let opts = DemoOptions { stateful: false, json_response: false };
    let server = DemoServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), opts).await.expect("demo server");
    let (conn, sink) = connect(server.url(), TransportChoice::Streamable, "2026-07-28")
        .await
        .expect("connect at 2026-07-28");
    conn.request("tools/call", Some(json!({"name": "flood", "arguments": {"count": 3, "size": 100}})))
        .await
        .expect("flood");
    conn.close().await;
    let records = sink.records();
    let mut linter = Linter::new();
    let mut infos = 0;
    for r in &records {
        let found = linter.check(r);
        assert!(found.iter().all(|v| !v.is_error()), "#{}: {found:#?}", r.seq);
        let logging = found.iter().filter(|v| v.rule == "deprecated/logging").count();
        if logging > 0 {
            let mut linted = r.clone();
            linted.lint = found.clone();
            assert_eq!(linted.summary().lint, 0, "information does not mark the row");
        }
        infos += logging;
    }
    assert_eq!(infos, 3, "each notifications/message is flagged as deprecated:\n{}", dump(&records));
    server.shutdown().await;
}
