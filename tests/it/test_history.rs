//! The history: every `mcpscope call` is recorded in the SQLite database of the data directory
//! (`MCPSCOPE_DATA_DIR`), searchable with `mcpscope history search`, and a crash loses nothing
//! that was committed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mcpscope_demo::{DemoOptions, DemoServer};
use mcpscope_store::Store;
use mcpscope_tests::FaultyServer;
use serde_json::Value;

/// An event sink for engines whose events nobody watches.
struct Quiet;

impl mcpscope_session::EventSink for Quiet {
    fn emit(&self, _: mcpscope_proto::UiEvent) {}
}

pub(crate) fn data_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcpscope-history-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub(crate) async fn run<I, S>(data: &Path, args: I) -> std::process::Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    mcpscope_tests::cli::run(Some(data), args).await
}

fn lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l}")))
        .collect()
}

#[tokio::test]
async fn cli_calls_are_recorded_and_searchable() {
    let data = data_dir("search");
    let server = DemoServer::start(([127, 0, 0, 1], 0).into(), DemoOptions::default()).await.expect("demo");
    let url = server.url().to_owned();
    let ok = run(
        &data,
        [
            "call",
            &url,
            "tools/call",
            "--params",
            r#"{"name":"echo","arguments":{"message":"kept for later"}}"#,
        ],
    )
    .await;
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let failed = run(&data, ["call", &url, "no/such/method"]).await;
    assert_eq!(failed.status.code(), Some(1));

    let sessions = lines(&run(&data, ["history", "sessions"]).await);
    assert_eq!(sessions.len(), 2, "one session per call");
    assert!(sessions.iter().all(|s| s["source"] == "cli" && s["ended_at_us"].is_i64()));
    assert!(sessions.iter().all(|s| s["protocol_version"] == "2025-11-25" && s["transport"] == "streamable"));

    let calls = lines(&run(&data, ["history", "search", "method:tools/call"]).await);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["kind"]["type"], "http_request");
    assert_eq!(
        calls[0]["rpc"]["message"]["params"]["arguments"]["message"], "kept for later",
        "the message comes back decoded"
    );

    let text = lines(&run(&data, ["history", "search", "\"kept for later\""]).await);
    assert!(text.len() >= 2, "the request and the response both mention it: {}", text.len());

    let errors = lines(&run(&data, ["history", "search", "status:error"]).await);
    assert!(errors.iter().any(|h| h["rpc"]["error_code"] == -32601), "{errors:?}");

    let bad = run(&data, ["history", "search", "dur:>fast"]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("dur:>500ms"), "the error shows the syntax");
    let _ = std::fs::remove_dir_all(&data);
}

/// SIGKILL in the middle of a flood: the database is sound and holds every record up to the
/// last committed batch, with no gap.
#[tokio::test]
async fn a_crash_during_a_flood_loses_nothing_committed() {
    let data = data_dir("crash");
    let server = FaultyServer::start().await.expect("loopback server");
    let url = server.url().to_owned();
    let mut child = mcpscope_tests::cli::command(
        Some(&data),
        [
            "call",
            &url,
            "tools/call",
            "--params",
            r#"{"name":"flood","arguments":{"count":200000,"size":200}}"#,
        ],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .expect("start mcpscope");
    let db = data.join(mcpscope_store::DB_FILE);
    let start = Instant::now();
    let seen = loop {
        assert!(start.elapsed() < Duration::from_secs(60), "no records were committed within 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
        if !db.exists() {
            continue;
        }
        let Ok(store) = Store::open(&db).await else { continue };
        let n = store.sessions(1).await.ok().and_then(|s| s.first().map(|s| s.records)).unwrap_or(0);
        store.close().await;
        if n > 5000 {
            break n;
        }
    };
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "killed mid-flood, not finished");

    let store = Store::open(&db).await.expect("reopen after the crash");
    assert_eq!(store.integrity_check().await.expect("integrity_check"), "ok");
    let session = store.sessions(1).await.expect("sessions").remove(0);
    assert!(session.records >= seen, "nothing committed was lost ({} < {seen})", session.records);
    let hits = store.search(&format!("session:{}", session.id), u32::MAX).await.expect("records");
    let seqs: Vec<u64> = hits.iter().map(|h| h.record.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "no gap: whole batches only");
    assert!(session.ended_at_us.is_none(), "the session never ended cleanly");
    store.close().await;
    let _ = std::fs::remove_dir_all(&data);
}

/// A session exported as HAR 1.2 reads back with a HAR library: every exchange, bodies and SSE
/// streams included, credentials still redacted.
#[tokio::test]
async fn a_session_exports_as_har() {
    let data = data_dir("har");
    let server = DemoServer::start(([127, 0, 0, 1], 0).into(), DemoOptions::default()).await.expect("demo");
    let url = server.url().to_owned();
    let call = run(
        &data,
        [
            "call",
            &url,
            "tools/call",
            "--params",
            r#"{"name":"echo","arguments":{"message":"to the archive"}}"#,
            "-H",
            "Authorization: Bearer hunter2-secret",
        ],
    )
    .await;
    assert!(call.status.success(), "{}", String::from_utf8_lossy(&call.stderr));
    let file = data.join("session.har");
    let export = run(
        &data,
        vec!["history".into(), "export".into(), "last".into(), "-o".into(), file.display().to_string()],
    )
    .await;
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let text = std::fs::read_to_string(&file).expect("the HAR file");
    assert!(!text.contains("hunter2-secret"), "credentials stay redacted in exports");

    let har = har::from_path(&file).expect("a valid HAR document");
    let har::Spec::V1_2(log) = har.log else { panic!("HAR 1.2 expected") };
    assert_eq!(log.creator.name, "mcpscope");
    let methods: Vec<&str> = log.entries.iter().map(|e| e.request.method.as_str()).collect();
    assert!(
        methods.iter().filter(|m| **m == "POST").count() >= 3,
        "initialize, initialized, tools/call: {methods:?}"
    );
    assert!(methods.contains(&"DELETE"), "the session's end: {methods:?}");
    let call = log
        .entries
        .iter()
        .find(|e| {
            e.request
                .post_data
                .as_ref()
                .and_then(|p| p.text.as_deref())
                .is_some_and(|t| t.contains("tools/call"))
        })
        .expect("the tools/call entry");
    assert_eq!(call.response.status, 200);
    let body = call.response.content.text.as_deref().unwrap_or("");
    assert!(body.contains("data:") && body.contains("to the archive"), "the SSE stream as received: {body}");
    assert!(call.time >= 0.0);
    let auth = call
        .request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("authorization"))
        .expect("header kept");
    assert!(auth.value.starts_with("Bearer ‹redacted"), "{}", auth.value);

    // The same request as a curl command: the secret is a variable, not a value.
    let found = lines(&run(&data, ["history", "search", "method:tools/call"]).await);
    let seq = found[0]["seq"].as_u64().expect("seq").to_string();
    let curl = run(&data, ["history", "curl", "last", &seq]).await;
    assert!(curl.status.success(), "{}", String::from_utf8_lossy(&curl.stderr));
    let cmd = String::from_utf8_lossy(&curl.stdout);
    assert!(cmd.starts_with("curl -sS -N -X POST") && cmd.contains("to the archive"), "{cmd}");
    assert!(cmd.contains("${MCPSCOPE_AUTHORIZATION}") && !cmd.contains("hunter2"), "{cmd}");

    let missing = run(&data, ["history", "export", "ses_nope"]).await;
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no session"));
    let _ = std::fs::remove_dir_all(&data);
}

/// Replay a recorded tools/call: the same answer shows no change; edited params show exactly
/// what changed, by path.
#[tokio::test]
async fn replay_shows_what_changed() {
    let data = data_dir("replay");
    let server = DemoServer::start(([127, 0, 0, 1], 0).into(), DemoOptions::default()).await.expect("demo");
    let url = server.url().to_owned();
    let call = run(
        &data,
        ["call", &url, "tools/call", "--params", r#"{"name":"echo","arguments":{"message":"first"}}"#],
    )
    .await;
    assert!(call.status.success(), "{}", String::from_utf8_lossy(&call.stderr));
    let session = lines(&run(&data, ["history", "sessions"]).await)[0]["id"].as_str().expect("id").to_owned();
    let found =
        lines(&run(&data, ["history", "search", &format!("session:{session} method:tools/call")]).await);
    let seq = found[0]["seq"].as_u64().expect("seq").to_string();

    let same = run(&data, ["replay", &session, &seq]).await;
    assert!(same.status.success(), "{}", String::from_utf8_lossy(&same.stderr));
    assert!(String::from_utf8_lossy(&same.stdout).contains("same answer as recorded"));

    let edited = run(
        &data,
        [
            "replay",
            &session,
            &seq,
            "--params",
            r#"{"name":"echo","arguments":{"message":"second"}}"#,
            "--json",
        ],
    )
    .await;
    assert!(edited.status.success(), "{}", String::from_utf8_lossy(&edited.stderr));
    let outcome: Value = serde_json::from_slice(&edited.stdout).expect("JSON outcome");
    let changes = outcome["changes"].as_array().expect("changes");
    assert!(!changes.is_empty(), "{outcome}");
    assert!(
        changes.iter().all(|c| c["path"].as_str().is_some_and(|p| p.starts_with("/result/"))),
        "only the result differs, not ids or _meta: {changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c["old"].to_string().contains("first") && c["new"].to_string().contains("second"))
    );

    let wrong = run(&data, ["replay", &session, "9999"]).await;
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("no record 9999"));
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test]
async fn clearing_the_history_asks_first() {
    let data = data_dir("clear");
    let server = DemoServer::start(([127, 0, 0, 1], 0).into(), DemoOptions::default()).await.expect("demo");
    let url = server.url().to_owned();
    assert!(run(&data, ["call", &url, "ping"]).await.status.success());
    let refused = run(&data, ["history", "clear"]).await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    assert_eq!(lines(&run(&data, ["history", "sessions"]).await).len(), 1, "nothing deleted without --yes");
    let cleared = run(&data, ["history", "clear", "--yes"]).await;
    assert!(String::from_utf8_lossy(&cleared.stdout).contains("deleted 1 sessions"));
    assert!(lines(&run(&data, ["history", "sessions"]).await).is_empty());
    let _ = std::fs::remove_dir_all(&data);
}

/// A whole session's client requests, replayed in order: against the same server every answer
/// is the same; against another server the differences are listed and the exit code says so.
#[tokio::test]
async fn a_whole_session_replays_in_order() {
    let data = data_dir("replay-all");
    let server = DemoServer::start(([127, 0, 0, 1], 0).into(), DemoOptions::default()).await.expect("demo");
    // One session with two requests: a collection run of echo then tools/list.
    let col = data.join("col");
    std::fs::create_dir_all(&col).expect("collection dir");
    std::fs::write(col.join("collection.json"), r#"{"name": "two", "variables": {"url": "unset"}}"#)
        .expect("write");
    std::fs::write(
        col.join("01-echo.json"),
        r#"{"name": "echo", "method": "tools/call", "params": {"name": "echo", "arguments": {"message": "again"}}}"#,
    )
    .expect("write");
    std::fs::write(col.join("02-list.json"), r#"{"name": "list", "method": "tools/list"}"#).expect("write");
    let ran = run(&data, ["run", &col.to_string_lossy(), "--var", &format!("url={}", server.url())]).await;
    assert!(ran.status.success(), "{}", String::from_utf8_lossy(&ran.stderr));

    let same = run(&data, ["replay", "last", "--all"]).await;
    let out = String::from_utf8_lossy(&same.stdout);
    assert!(same.status.success(), "{out}\n{}", String::from_utf8_lossy(&same.stderr));
    let steps: Vec<&str> = out.lines().filter(|l| l.starts_with(['=', '~', '!', '?'])).collect();
    assert_eq!(steps.len(), 2, "{out}");
    assert!(steps[0].starts_with('=') && steps[0].contains("tools/call"), "{out}");
    assert!(steps[1].starts_with('=') && steps[1].contains("tools/list"), "{out}");

    // The same requests against another server (its own echo, its own tools).
    let other =
        mcpscope_tests::everything::Everything::start(mcpscope_tests::everything::Mode::StreamableHttp)
            .expect("server-everything");
    let sessions = lines(&run(&data, ["history", "sessions"]).await);
    let recorded = sessions
        .iter()
        .find(|s| s["records"].as_i64().unwrap_or(0) > 0 && s["url"].as_str() == Some(server.url()))
        .and_then(|s| s["id"].as_str())
        .expect("the collection's session")
        .to_owned();
    let differ = run(&data, ["replay", &recorded, "--all", "--url", &other.url]).await;
    let out = String::from_utf8_lossy(&differ.stdout);
    assert_eq!(differ.status.code(), Some(1), "{out}\n{}", String::from_utf8_lossy(&differ.stderr));
    assert!(out.lines().any(|l| l.starts_with('~') && l.contains("tools/call")), "{out}");
    assert!(out.contains("2 requests replayed, 2 differ"), "{out}");
}

/// Two versions of a server: the tools lists of two sessions compared by name.
#[tokio::test]
async fn two_sessions_lists_are_compared() {
    let data = data_dir("diff");
    let demo = DemoServer::start(([127, 0, 0, 1], 0).into(), DemoOptions::default()).await.expect("demo");
    let other =
        mcpscope_tests::everything::Everything::start(mcpscope_tests::everything::Mode::StreamableHttp)
            .expect("server-everything");
    for url in [demo.url(), other.url.as_str()] {
        let out = run(&data, ["call", url, "tools/list"]).await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let sessions = lines(&run(&data, ["history", "sessions"]).await);
    let (new, old) = (sessions[0]["id"].as_str().expect("id"), sessions[1]["id"].as_str().expect("id"));

    let same = run(&data, ["history", "diff", old, old]).await;
    assert!(same.status.success(), "{}", String::from_utf8_lossy(&same.stderr));
    assert!(String::from_utf8_lossy(&same.stdout).contains("= tools/list: the same"));

    let differ = run(&data, ["history", "diff", old, new]).await;
    let out = String::from_utf8_lossy(&differ.stdout);
    assert_eq!(differ.status.code(), Some(1), "{out}\n{}", String::from_utf8_lossy(&differ.stderr));
    assert!(out.contains("~ tools/list:"), "{out}");
    assert!(out.contains("+ /tools/get-sum"), "a tool only the newer server has: {out}");
    assert!(out.contains("- /tools/flood"), "a tool only the older server had: {out}");
}

/// A one-file bug report: the preview lists what is redacted or masked, and the file holds
/// the records, the server and the versions, without the credential or the session id.
#[tokio::test]
async fn a_bug_report_shows_what_it_redacts() {
    let data = data_dir("report");
    let demo = DemoServer::start(([127, 0, 0, 1], 0).into(), DemoOptions::default()).await.expect("demo");
    let secret = "s3cr3t-token-for-the-report";
    let call = run(
        &data,
        ["call", demo.url(), "tools/list", "--header", &format!("Authorization: Bearer {secret}")],
    )
    .await;
    assert!(call.status.success(), "{}", String::from_utf8_lossy(&call.stderr));
    let stored = lines(&run(&data, ["history", "search", "kind:http-response"]).await);
    let session_id_value = stored
        .iter()
        .find_map(|r| {
            r["kind"]["headers"]
                .as_array()?
                .iter()
                .find(|h| h["name"] == "mcp-session-id")
                .and_then(|h| h["value"].as_str())
        })
        .expect("the server issued a session id")
        .to_owned();

    let preview = run(&data, ["history", "report", "last", "--preview"]).await;
    let text = String::from_utf8_lossy(&preview.stdout);
    assert!(preview.status.success(), "{}", String::from_utf8_lossy(&preview.stderr));
    assert!(text.contains("header authorization") && text.contains("Bearer ‹redacted"), "{text}");
    assert!(text.contains("header mcp-session-id") && text.contains("‹masked"), "{text}");

    let file = data.join("report.json");
    let written = run(&data, ["history", "report", "last", "-o", &file.to_string_lossy()]).await;
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    let raw = std::fs::read_to_string(&file).expect("the report");
    assert!(!raw.contains(secret), "no credential in the report");
    assert!(!raw.contains(&session_id_value), "no session id in the report");
    let report: Value = serde_json::from_str(&raw).expect("JSON");
    assert_eq!(report["server"]["name"], "mcpscope-demo");
    assert!(report["mcpscope"]["version"].is_string());
    let records = report["records"].as_array().expect("records");
    assert!(records.iter().any(|r| r["rpc"]["message"]["result"]["tools"].is_array()), "messages decoded");
    assert!(!report["redactions"].as_array().expect("redactions").is_empty());
}

/// Retention from the window's engine: old sessions go, the one being recorded stays, and
/// clearing the history keeps it too.
#[tokio::test]
async fn retention_keeps_the_session_being_recorded() {
    let data = data_dir("retention");
    let store = mcpscope_store::Store::open_dir(&data).await.expect("store");
    // An old session (started 40 days ago, as an older mcpscope left it) and a recent one.
    let old =
        store.recorder(mcpscope_store::NewSession::new("http://127.0.0.1:1/old", "cli")).await.expect("old");
    let recent = store
        .recorder(mcpscope_store::NewSession::new("http://127.0.0.1:1/recent", "cli"))
        .await
        .expect("recent");
    old.flush().await;
    recent.flush().await;
    let forty_days_us: i64 = 40 * 86_400_000_000;
    let pool_path = store.path().to_owned();
    sqlx_set_started(&pool_path, old.session_id(), forty_days_us).await;

    let demo = DemoServer::start(([127, 0, 0, 1], 0).into(), DemoOptions::default()).await.expect("demo");
    let engine = mcpscope_session::Engine::with_store(Arc::new(Quiet), Some(store.clone()), "app");
    let req = mcpscope_proto::ConnectRequest { url: demo.url().to_owned(), ..Default::default() };
    engine.connect(req).await.expect("connect");
    let ids = |s: Vec<mcpscope_proto::SessionInfo>| s.into_iter().map(|s| s.id).collect::<Vec<_>>();

    assert_eq!(engine.history_prune(Some(30), None).await.expect("prune"), 1);
    let left = ids(store.sessions(100).await.expect("sessions"));
    assert!(!left.contains(&old.session_id().to_owned()), "{left:?}");
    assert!(left.contains(&recent.session_id().to_owned()), "{left:?}");
    assert_eq!(left.len(), 2, "the recent session and the live one: {left:?}");

    assert_eq!(engine.history_clear().await.expect("clear"), 1);
    let left = store.sessions(100).await.expect("sessions");
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].url, demo.url(), "the live session stays");
    // It is still being recorded into.
    engine.request("tools/list".into(), None).await.expect("tools/list");
    engine.disconnect().await.expect("disconnect");
    assert!(store.sessions(1).await.expect("sessions")[0].records > 0);
    assert_eq!(store.integrity_check().await.expect("check"), "ok");
}

/// The window's preferences live in the history database: saved, they read back after the
/// store is opened again; a row that does not read (edited by hand, or garbage) gives the
/// defaults rather than an error; without a history they are the defaults.
#[tokio::test]
async fn preferences_are_kept_in_the_history_database() {
    use mcpscope_proto::Preferences;
    let data = data_dir("preferences");
    let store = mcpscope_store::Store::open_dir(&data).await.expect("store");
    assert_eq!(mcpscope_session::preferences(Some(&store)).await, Preferences::default());
    let off = Preferences { record_history: false };
    assert_eq!(mcpscope_session::set_preferences(&store, off).await.expect("save"), off);
    drop(store);

    let store = mcpscope_store::Store::open_dir(&data).await.expect("store again");
    assert_eq!(mcpscope_session::preferences(Some(&store)).await, off, "read back after reopening");
    store.set_setting("preferences", Some("{not json")).await.expect("garbage");
    assert_eq!(mcpscope_session::preferences(Some(&store)).await, Preferences::default());
    assert_eq!(mcpscope_session::preferences(None).await, Preferences::default());
    let _ = std::fs::remove_dir_all(&data);
}

/// A long session keeps only its newest records in memory (as many as the saved
/// `timeline_records` limit says); older ones come back from the history when asked for,
/// identical to what was captured.
#[tokio::test]
async fn old_records_leave_memory_and_come_back_from_the_history() {
    let data = data_dir("bounded-log");
    let store = mcpscope_store::Store::open_dir(&data).await.expect("store");
    let keep = 3_000;
    let limits = mcpscope_proto::Limits { timeline_records: keep, ..Default::default() };
    mcpscope_session::set_limits(&store, Some(limits)).await.expect("save the limits");
    assert_eq!(mcpscope_session::limits(Some(&store)).await, limits);
    let keep = keep as usize;
    let opts = DemoOptions { stateful: false, json_response: false };
    let demo = DemoServer::start(([127, 0, 0, 1], 0).into(), opts).await.expect("demo");
    let engine = mcpscope_session::Engine::with_store(Arc::new(Quiet), Some(store.clone()), "app");
    let req = mcpscope_proto::ConnectRequest { url: demo.url().to_owned(), ..Default::default() };
    engine.connect(req).await.expect("connect");
    let n = keep + 2_000;
    let call = serde_json::json!({"name": "flood", "arguments": {"count": n, "size": 100}});
    engine.request("tools/call".into(), Some(call)).await.expect("flood");

    let kept = engine.records();
    assert_eq!(kept.len(), keep, "only the newest records stay in memory");
    let oldest_kept = kept[0].seq;
    let last = kept.last().expect("records").seq;
    assert!(oldest_kept > 2_000, "the first records left memory (oldest kept: #{oldest_kept})");
    // Out of memory: read back from the store, whole.
    let early = engine.record(3).await.expect("record #3 from the history");
    assert_eq!(early.seq, 3);
    let mid = engine.record(oldest_kept - 1).await.expect("the newest record that left memory");
    assert_eq!(mid.seq, oldest_kept - 1);
    assert!(
        mid.rpc.as_ref().is_some_and(|r| r.method.as_deref() == Some("notifications/message")),
        "{mid:?}"
    );
    // Still in memory, and the view of a record works for both.
    assert_eq!(engine.record(last).await.expect("newest").seq, last);
    assert!(engine.record_view(5).await.is_some());
    assert!(engine.record(last + 1_000).await.is_none(), "no record past the end");

    // The window's older rows, a page at a time: across the edge of memory (part from the
    // store, part from memory), in seq order, the same summaries either way.
    let page = engine.timeline_page(oldest_kept + 10, 50).await.expect("a page across the edge");
    let seqs: Vec<u64> = page.iter().map(|s| s.seq).collect();
    assert_eq!(seqs, (oldest_kept - 40..oldest_kept + 10).collect::<Vec<_>>());
    let in_memory = kept.iter().find(|r| r.seq == oldest_kept).expect("kept").summary();
    assert_eq!(page[40], in_memory);
    let stored = engine.record(oldest_kept - 1).await.expect("stored").summary();
    assert_eq!(page[39].title, stored.title);
    assert!(page[..40].iter().all(|s| s.method.as_deref() == Some("notifications/message")));
    // The first page of the session ends short: nothing is older.
    let first = engine.timeline_page(20, 50).await.expect("the first page");
    assert_eq!(first.iter().map(|s| s.seq).collect::<Vec<_>>(), (1..20).collect::<Vec<_>>());
    engine.disconnect().await.expect("disconnect");
    // After a disconnect the history still has them.
    let after = engine.timeline_page(oldest_kept, 10).await.expect("a page after the disconnect");
    assert_eq!(after.len(), 10);
}

/// Moves a session's start `ago_us` into the past, through SQLite directly (the store has no
/// reason to offer that).
async fn sqlx_set_started(db: &Path, session: &str, ago_us: i64) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.expect("open");
    sqlx::query("UPDATE sessions SET started_at_us = started_at_us - ? WHERE id = ?")
        .bind(ago_us)
        .bind(session)
        .execute(&pool)
        .await
        .expect("update");
    pool.close().await;
}

/// Credentials no fixed list names: headers named like credentials (`X-Auth-Token`,
/// `Private-Token`, `X-Goog-Api-Key`), any other header the user supplied, URL query secrets
/// and userinfo. None reaches the printed records, the log, the history (records and the
/// session's URL) or a HAR export; each header is still shown, with its length.
#[tokio::test]
async fn credentials_under_any_name_stay_out_of_records_history_exports_and_logs() {
    let data = data_dir("any-name");
    let server = DemoServer::start(([127, 0, 0, 1], 0).into(), DemoOptions::default()).await.expect("demo");
    let url = server.url().replacen("http://", "http://alice:userinfo-secret-1@", 1)
        + "?api_key=query-secret-2&page=1";
    let secrets = [
        "userinfo-secret-1",
        "query-secret-2",
        "x-auth-secret-3",
        "private-secret-4",
        "goog-secret-5",
        "tenant-secret-6",
    ];
    let call = {
        let mut cmd =
            mcpscope_tests::cli::command(Some(&data), ["call", &url, "tools/call", "--jsonl", "--params"]);
        // The server echoes a user header's value back: masked there too.
        cmd.arg(r#"{"name":"echo","arguments":{"message":"tenant is tenant-secret-6"}}"#)
            .args(["-H", "X-Auth-Token: x-auth-secret-3", "-H", "Private-Token: private-secret-4"])
            .args(["-H", "X-Goog-Api-Key: goog-secret-5", "-H", "X-Tenant: tenant-secret-6"])
            .env("MCPSCOPE_LOG", "trace");
        mcpscope_tests::cli::output(cmd).await
    };
    let stdout = String::from_utf8_lossy(&call.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&call.stderr).into_owned();
    assert!(call.status.success(), "{stderr}");
    let leaks = |what: &str, text: &str| {
        for s in secrets {
            assert!(!text.contains(s), "{s} leaked into {what}: {text}");
        }
    };
    leaks("the printed records", &stdout);
    leaks("the log", &stderr);

    let records: Vec<mcpscope_proto::Record> =
        stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let (req_url, headers) = records
        .iter()
        .find_map(|r| match &r.kind {
            mcpscope_proto::RecordKind::HttpRequest { url, headers, .. } => {
                Some((url.clone(), headers.clone()))
            }
            _ => None,
        })
        .expect("a request record");
    // reqwest sends the userinfo as Basic credentials, not in the URL: redacted as one.
    assert!(req_url.starts_with("http://127.0.0.1:"), "{req_url}");
    assert!(req_url.ends_with("?api_key=‹redacted›&page=1"), "the rest of the URL is kept: {req_url}");
    let shown =
        |name: &str| headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.clone());
    assert!(shown("authorization").is_some_and(|a| a.starts_with("Basic ‹redacted")), "{headers:?}");
    assert_eq!(shown("x-auth-token").as_deref(), Some("‹redacted 15 chars›"));
    assert_eq!(shown("x-tenant").as_deref(), Some("‹redacted 15 chars›"), "a header the user supplied");
    assert_eq!(
        shown("accept").as_deref().map(|a| a.contains("text/event-stream")),
        Some(true),
        "{headers:?}"
    );
    assert!(stdout.contains("tenant is ‹secret›"), "the echo is masked: {stdout}");

    let history = |args: &'static [&'static str]| {
        let data = data.clone();
        async move { run(&data, args).await }
    };
    let sessions = history(&["history", "sessions"]).await;
    let sessions = String::from_utf8_lossy(&sessions.stdout).into_owned();
    assert!(
        sessions.contains("http://‹redacted›@127.0.0.1:") && sessions.contains("api_key=‹redacted›"),
        "{sessions}"
    );
    leaks("the history's sessions", &sessions);
    let found = history(&["history", "search", "tenant"]).await;
    let found = String::from_utf8_lossy(&found.stdout).into_owned();
    assert!(found.contains("‹secret›"), "{found}");
    leaks("the history's records", &found);
    let file = data.join("any-name.har");
    let export = run(
        &data,
        vec!["history".into(), "export".into(), "last".into(), "-o".into(), file.display().to_string()],
    )
    .await;
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    leaks("the HAR export", &std::fs::read_to_string(&file).expect("the HAR file"));
    let _ = std::fs::remove_dir_all(&data);
}

/// A session id from the window names the HAR file: one that is not a stored session's
/// (`../../x`) is refused, and nothing is written outside the exports folder.
#[tokio::test]
async fn a_har_export_cannot_be_written_outside_the_exports_folder() {
    let data = data_dir("har-escape");
    let store = Store::open_dir(&data).await.expect("store");
    let engine = mcpscope_session::Engine::with_store(Arc::new(Quiet), Some(store.clone()), "app");
    let exports = mcpscope_store::default_data_dir().join("exports");
    for id in ["../../mcpscope-escape", "/tmp/mcpscope-escape", "ses_missing"] {
        let err = engine.export_har_file(id).await.expect_err(id);
        assert!(err.to_string().contains("no session"), "{id}: {err}");
        assert!(!exports.join(format!("{id}.har")).exists(), "{id}: a file was written");
    }
    // A real session still exports.
    let recorder = store
        .recorder(mcpscope_store::NewSession::new("http://127.0.0.1:1/mcp", "app"))
        .await
        .expect("session");
    store.finish(&recorder).await.expect("finish");
    let path = engine.export_har_file(recorder.session_id()).await.expect("export");
    assert!(path.starts_with(&exports) && path.exists(), "{}", path.display());
    // Only its owner may read it (0600), as every file the app writes.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("the export").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
    let _ = std::fs::remove_file(path);
    // Save as…: a destination the window's shell has checked (chosen in a dialog).
    let chosen = data.join("chosen folder/session.har");
    let written = engine.export_har_to(recorder.session_id(), Some(&chosen)).await.expect("export there");
    assert_eq!(written, chosen);
    let har: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&chosen).expect("read")).expect("JSON");
    assert_eq!(har["log"]["version"], "1.2");
    store.close().await;
    let _ = std::fs::remove_dir_all(&data);
}

/// One builder makes the live session for both shells (`Engine::session`): a window's
/// connection and a CLI call to the same server are recorded alike — the URL without its
/// credentials, the transport and version the handshake settled, the user's header redacted.
#[tokio::test]
async fn the_window_and_the_cli_record_a_session_alike() {
    let data = data_dir("alike");
    let server = DemoServer::start(([127, 0, 0, 1], 0).into(), DemoOptions::default()).await.expect("demo");
    let url = format!("{}?api_key=k3y-in-the-url", server.url());
    let cli = run(&data, ["call", &url, "tools/list", "-H", "X-Tenant: t3nant-secret"]).await;
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));

    let store = Store::open_dir(&data).await.expect("store");
    let engine = mcpscope_session::Engine::with_store(Arc::new(Quiet), Some(store.clone()), "app");
    let req = mcpscope_proto::ConnectRequest {
        url: url.clone(),
        headers: vec![mcpscope_proto::Header::new("X-Tenant", "t3nant-secret")],
        ..Default::default()
    };
    engine.connect(req).await.expect("connect");
    engine.request("tools/list".into(), None).await.expect("tools/list");
    engine.disconnect().await.expect("disconnect");

    let sessions = store.sessions(10).await.expect("sessions");
    let sources: Vec<&str> = sessions.iter().map(|s| s.source.as_str()).collect();
    assert_eq!(sources, ["app", "cli"], "newest first");
    for s in &sessions {
        assert!(!s.url.contains("k3y-in-the-url"), "{}: the URL keeps its credentials: {}", s.source, s.url);
        assert_eq!(s.url, sessions[0].url, "both store the same redacted URL");
        assert_eq!(s.transport.as_deref(), Some("streamable"), "{}", s.source);
        assert_eq!(s.protocol_version.as_deref(), Some("2025-11-25"), "{}", s.source);
        assert!(s.ended_at_us.is_some(), "{}: the session was ended", s.source);
        let hits = store.search(&format!("session:{}", s.id), 1000).await.expect("search");
        let requests: Vec<_> = hits
            .iter()
            .filter(|h| matches!(h.record.kind, mcpscope_proto::RecordKind::HttpRequest { .. }))
            .collect();
        assert!(!requests.is_empty(), "{}: no requests recorded", s.source);
        let text = serde_json::to_string(&hits.iter().map(|h| &h.record).collect::<Vec<_>>()).expect("json");
        assert!(!text.contains("t3nant-secret"), "{}: the user's header went to the history", s.source);
        assert!(text.to_ascii_lowercase().contains("x-tenant"), "{}: the header's name is kept", s.source);
    }
}

/// A connection left out of the history (the window's "Record" box, `--no-history`) writes
/// nothing to the database, says so in its state, and the live view still has its records.
#[tokio::test]
async fn a_connection_left_out_of_the_history_writes_nothing() {
    let data = data_dir("unrecorded");
    let store = mcpscope_store::Store::open_dir(&data).await.expect("store");
    let demo = DemoServer::start(([127, 0, 0, 1], 0).into(), DemoOptions::default()).await.expect("demo");
    let engine = mcpscope_session::Engine::with_store(Arc::new(Quiet), Some(store.clone()), "app");
    let req = |no_history| mcpscope_proto::ConnectRequest {
        url: demo.url().to_owned(),
        no_history,
        ..Default::default()
    };

    let state = engine.connect(req(true)).await.expect("connect");
    assert!(state.unrecorded, "the state says the connection is not recorded");
    engine.request("tools/list".into(), None).await.expect("tools/list");
    engine.disconnect().await.expect("disconnect");
    assert!(!engine.records().is_empty(), "the live view has the session");
    assert!(store.sessions(10).await.expect("sessions").is_empty(), "nothing was written");

    // The same engine records the next connection that asks for it.
    let state = engine.connect(req(false)).await.expect("connect");
    assert!(!state.unrecorded);
    engine.request("tools/list".into(), None).await.expect("tools/list");
    engine.disconnect().await.expect("disconnect");
    let sessions = store.sessions(10).await.expect("sessions");
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert!(sessions[0].records > 0);

    // The CLI's --no-history.
    let url = demo.url().to_owned();
    let out = run(&data, ["call", &url, "tools/list", "--no-history"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(store.sessions(10).await.expect("sessions").len(), 1, "the call was not recorded");
    let out = run(&data, ["call", &url, "tools/list"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(store.sessions(10).await.expect("sessions").len(), 2, "without the flag it is");

    // `replay --no-history` sends the recorded requests again and writes nothing; without
    // the flag the replay is a session of its own.
    let out = run(&data, ["replay", "last", "--all", "--no-history"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("tools/list"), "the replay ran");
    assert_eq!(store.sessions(10).await.expect("sessions").len(), 2, "the replay was not recorded");
    let out = run(&data, ["replay", "last", "--all"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(store.sessions(10).await.expect("sessions").len(), 3, "without the flag it is");
    let _ = std::fs::remove_dir_all(&data);
}
