//! The limits on what a server may send (`mcpscope_proto::Limits`): hostile servers on
//! loopback against the real CLI, with its peak memory measured here in the harness; the
//! limits chosen by flag and by the saved setting reaching the wire; server requests past
//! their limit refused while the session goes on.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mcpscope_proto::Limits;
use mcpscope_tests::FaultyServer;
use mcpscope_tests::measure::{Measured, run_measured};
use serde_json::{Value, json};

struct Quiet;

impl mcpscope_session::EventSink for Quiet {
    fn emit(&self, _: mcpscope_proto::UiEvent) {}
}

fn data_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcpscope-limits-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `mcpscope ARGS` with a data directory of its own (its history, its saved limits).
async fn cli(data: &Path, args: Vec<String>) -> Measured {
    let mut cmd = mcpscope_tests::cli::command(Some(data), args);
    tokio::task::spawn_blocking(move || run_measured(&mut cmd).expect("run mcpscope")).await.expect("join")
}

fn call_tool(url: &str, name: &str, arguments: Value) -> Vec<String> {
    let params = json!({"name": name, "arguments": arguments}).to_string();
    ["call", url, "tools/call", "--params", &params].map(str::to_owned).to_vec()
}

/// The CLI against each hostile server, the history on: it ends with the reason, and its
/// memory stays far below what the server sent. Each peak is printed (the notes quote them).
/// Without the limits, the 2 GB body alone took the CLI past 9 GB, and the endless frame
/// never ended.
#[tokio::test]
async fn the_cli_stays_bounded_against_hostile_servers() {
    let server = FaultyServer::start().await.expect("faulty server");
    let url = server.url().to_owned();
    // (fault, what stderr or stdout must say, peak MB allowed)
    let cases = [
        ("huge_body", "2147483648 bytes declared", 400.0),
        ("endless_frame", "grew past 16 MiB", 300.0),
        ("deep_json", "not valid JSON-RPC", 200.0),
        ("elicit_flood", "asked 10000", 250.0),
    ];
    for (fault, says, bound) in cases {
        let data = data_dir(fault);
        let run = cli(&data, call_tool(&url, fault, json!({}))).await;
        let text = format!("{}{}", run.stdout, run.stderr);
        eprintln!("{fault}: peak RSS {:.0} MB (exit {})", run.peak_rss_mb, run.status);
        assert!(text.contains(says), "{fault}: expected {says:?} in\n{text}");
        assert!(run.peak_rss_mb > 1.0, "{fault}: the measure read nothing");
        assert!(run.peak_rss_mb < bound, "{fault}: peak RSS {:.0} MB, over {bound} MB", run.peak_rss_mb);
        let _ = std::fs::remove_dir_all(&data);
    }
    // Each of the 10k elicitations got an answer (no --answer given: refused, with why).
    let refused = server
        .requests()
        .iter()
        .filter(|r| {
            r.json().is_some_and(|m| {
                m["id"].as_str().is_some_and(|id| id.starts_with("el-")) && m.get("error").is_some()
            })
        })
        .count();
    assert_eq!(refused, 10_000);
}

/// A limit given as a flag, or saved with `mcpscope limits --save` (the window's Settings
/// write the same setting), reaches the wire: a 2 MB result against a 1 MiB frame limit ends
/// with the reason and the flag to raise it. A value under a limit's minimum is refused
/// with its name; `--reset` goes back to the defaults.
#[tokio::test]
async fn limits_chosen_by_flag_or_saved_setting_reach_the_wire() {
    let server =
        mcpscope_demo::DemoServer::start(([127, 0, 0, 1], 0).into(), Default::default()).await.expect("demo");
    let url = server.url().to_owned();
    let data = data_dir("flags");
    let big = call_tool(&url, "big", json!({"megabytes": 2}));

    let fine = cli(&data, big.clone()).await;
    assert!(fine.status.success(), "2 MB under the default limits: {}", fine.stderr);

    let mut flagged = big.clone();
    flagged.extend(["--max-sse-frame".to_owned(), "1MiB".to_owned()]);
    let cut = cli(&data, flagged).await;
    assert!(!cut.status.success());
    assert!(
        cut.stderr.contains("grew past 1 MiB") && cut.stderr.contains("--max-sse-frame"),
        "{}",
        cut.stderr
    );

    let save = ["limits", "--max-sse-frame", "1 MiB", "--max-pending", "8", "--save"].map(str::to_owned);
    let saved = cli(&data, save.to_vec()).await;
    assert!(saved.status.success(), "{}", saved.stderr);
    let shown = cli(&data, vec!["limits".to_owned()]).await;
    let frame_line = shown.stdout.lines().find(|l| l.contains("--max-sse-frame")).unwrap_or_default();
    assert!(frame_line.contains("1 MiB") && !frame_line.contains("(default)"), "{}", shown.stdout);
    let body_line = shown.stdout.lines().find(|l| l.contains("--max-body")).unwrap_or_default();
    assert!(body_line.contains("64 MiB") && body_line.contains("(default)"), "{}", shown.stdout);
    let cut = cli(&data, big.clone()).await;
    assert!(cut.stderr.contains("grew past 1 MiB"), "the saved limit applies: {}", cut.stderr);

    let bad = cli(&data, ["limits", "--max-body", "10"].map(str::to_owned).to_vec()).await;
    assert!(!bad.status.success());
    assert!(bad.stderr.contains("--max-body 10 B is under the least"), "{}", bad.stderr);
    let bad = cli(&data, ["limits", "--max-body", "a lot"].map(str::to_owned).to_vec()).await;
    assert!(bad.stderr.contains("not a size"), "{}", bad.stderr);

    let reset = cli(&data, ["limits", "--reset"].map(str::to_owned).to_vec()).await;
    assert!(reset.status.success(), "{}", reset.stderr);
    assert!(reset.stdout.lines().all(|l| l.ends_with("(default)")), "{}", reset.stdout);
    let fine = cli(&data, big).await;
    assert!(fine.status.success(), "back to the defaults: {}", fine.stderr);
    let _ = std::fs::remove_dir_all(&data);
}

/// 10k elicitations from a server, in the window's engine with a saved limit of 8: 8 wait
/// for the user, every other one is answered at once with an error saying why, the call
/// completes, nothing captured is lost, and the session goes on.
#[tokio::test]
async fn ten_thousand_server_requests_wait_at_most_the_limit() {
    let server = FaultyServer::start().await.expect("faulty server");
    let data = data_dir("pending");
    let store = mcpscope_store::Store::open_dir(&data).await.expect("store");
    let limits = Limits { pending_requests: 8, ..Limits::default() };
    mcpscope_session::set_limits(&store, Some(limits)).await.expect("save the limits");
    let engine = mcpscope_session::Engine::with_store(Arc::new(Quiet), Some(store.clone()), "app");
    let req = mcpscope_proto::ConnectRequest { url: server.url().to_owned(), ..Default::default() };
    engine.connect(req).await.expect("connect");
    let reply = engine
        .request("tools/call".into(), Some(json!({"name": "elicit_flood", "arguments": {}})))
        .await
        .expect("the call");
    assert_eq!(reply["result"]["content"][0]["text"], "asked 10000");
    assert_eq!(engine.server_requests().len(), 8, "at most the limit waits for the user");

    // The refusals are POSTed as they are decided: wait until the server has them all.
    let refused = || -> Vec<Value> {
        server
            .requests()
            .iter()
            .filter_map(|r| r.json())
            .filter(|m| m["id"].as_str().is_some_and(|id| id.starts_with("el-")) && m.get("error").is_some())
            .collect()
    };
    // A bound for a hang, not a timing: on a slow two-core machine a debug build had 8986 of
    // the 9992 POSTed after 30 s. Each look parses every request the server has: not too often.
    let started = std::time::Instant::now();
    while refused().len() < 10_000 - 8 && started.elapsed() < std::time::Duration::from_secs(180) {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let refusals = refused();
    assert_eq!(refusals.len(), 10_000 - 8, "refusals the server had after {:?}", started.elapsed());
    let why = refusals[0]["error"]["message"].as_str().unwrap_or_default();
    assert!(why.contains("already has 8 requests of this server waiting for the user"), "{why}");
    // Every request is in the timeline: refused is not dropped.
    engine.flush_history().await;
    let stored = store.search("method:elicitation/create", 20_000).await.expect("search");
    assert_eq!(stored.len(), 10_000);
    let pong = engine.request("ping".into(), None).await.expect("ping after the storm");
    assert_eq!(pong["result"], json!({}));
    engine.disconnect().await.expect("disconnect");
    let _ = std::fs::remove_dir_all(&data);
}
