//! The `mcpscope` binary, run as a user runs it.

use std::net::SocketAddr;
use std::process::Command;

use mcpscope_demo::{DemoOptions, DemoServer};
use mcpscope_proto::{Record, RecordKind};

async fn demo() -> DemoServer {
    DemoServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), DemoOptions::default()).await.expect("demo")
}

#[tokio::test]
async fn call_prints_the_result() {
    let server = demo().await;
    let url = server.url().to_owned();
    let out = mcpscope_tests::cli::run(
        None,
        ["call", &url, "tools/call", "--params", r#"{"name":"echo","arguments":{"message":"from the cli"}}"#],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("pretty JSON result");
    assert!(v["content"][0]["text"].as_str().unwrap_or("").contains("from the cli"), "{v}");
}

#[tokio::test]
async fn call_jsonl_prints_every_record() {
    let server = demo().await;
    let url = server.url().to_owned();
    let out = mcpscope_tests::cli::run(None, ["call", &url, "tools/list", "--jsonl"]).await;
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let records: Vec<Record> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a record: {e}: {l}")))
        .collect();
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=records.len() as u64).collect::<Vec<_>>(), "every record, in order");
    assert!(records.iter().any(|r| r.rpc.as_ref().and_then(|x| x.method.as_deref()) == Some("tools/list")));
    assert!(
        records
            .iter()
            .any(|r| matches!(r.kind, RecordKind::HttpRequest { ref method, .. } if method == "DELETE"))
    );
}

#[test]
fn bad_input_gets_a_clear_error() {
    let out = mcpscope_tests::cli::command(
        None,
        ["call", "http://127.0.0.1:9/mcp", "ping", "--params", "{not json"],
    )
    .output()
    .expect("run mcpscope");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--params is not valid JSON"));

    let out =
        mcpscope_tests::cli::command(None, ["call", "ftp://example/mcp", "ping"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not http or https"));

    // Port 9 (discard) is closed on loopback: connection refused, said in plain words.
    let out =
        mcpscope_tests::cli::command(None, ["call", "http://127.0.0.1:9/mcp", "ping"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("could not reach") && err.contains("refused"), "{err}");
}

#[tokio::test]
async fn credentials_are_redacted_in_captured_records() {
    let server = demo().await;
    let url = server.url().to_owned();
    let secret = "sk-live-0123456789abcdef";
    let mut cmd = mcpscope_tests::cli::command(None, ["call", &url, "ping", "--jsonl"]);
    cmd.args(["-H", &format!("Authorization: Bearer {secret}"), "-H", &format!("Cookie: session={secret}")])
        .env("MCPSCOPE_LOG", "trace");
    let out = mcpscope_tests::cli::output(cmd).await;
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains(secret), "the token leaked into the records");
    assert!(!stderr.contains(secret), "the token leaked into the logs");
    // The header is still shown: scheme and length, not the value.
    let records: Vec<Record> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let auth: Vec<&str> = records
        .iter()
        .filter_map(|r| match &r.kind {
            RecordKind::HttpRequest { headers, .. } => headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("authorization"))
                .map(|h| h.value.as_str()),
            _ => None,
        })
        .collect();
    assert!(!auth.is_empty(), "every request carries the header");
    assert!(auth.iter().all(|v| *v == format!("Bearer ‹redacted {} chars›", secret.len())), "{auth:?}");
}

#[tokio::test]
async fn errors_are_explained() {
    let server = demo().await;
    let url = server.url().to_owned();
    let out = mcpscope_tests::cli::run(None, ["call", &url, "no/such/method"]).await;
    assert_eq!(out.status.code(), Some(1), "a JSON-RPC error exits 1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("-32601 (Method not found)"), "{stderr}");
    assert!(stderr.contains("capability"), "says what to check: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("-32601"), "the error object is printed: {stdout}");

    // An HTTP failure is read in MCP terms: a path that is not the MCP endpoint.
    let wrong = server.url().replace("/mcp", "/nope");
    let out = mcpscope_tests::cli::run(None, ["call", &wrong, "ping", "--transport", "streamable"]).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("HTTP 404 Not Found") && stderr.contains("Wrong path"), "{stderr}");
}

/// The connection doctor: a failed connect says what went wrong and the next thing to try,
/// in the CLI and in the engine's state for the window.
#[tokio::test]
async fn failed_connects_get_the_doctors_next_step() {
    let server = demo().await;
    let wrong_path = format!("{}/api", server.url().trim_end_matches("/mcp"));
    let cases = [
        ("http://127.0.0.1:9/mcp".to_owned(), "Nothing listens at that host and port"),
        (wrong_path.clone(), "try http://127.0.0.1:"),
        // https:// to a plain-HTTP server: one diagnosis, not a certificate story.
        (
            server.url().replacen("http://", "https://", 1),
            "The server speaks plain HTTP, not TLS: use http://127.0.0.1:",
        ),
    ];
    for (url, want) in cases {
        let u = url.clone();
        let out = mcpscope_tests::cli::run(None, ["call", &u, "ping"]).await;
        assert!(!out.status.success(), "{url}: a failed connect fails");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let advice = stderr.lines().find(|l| l.trim_start().starts_with("try:")).unwrap_or_default();
        assert!(advice.contains(want), "{url}: {stderr}");
        assert!(!stderr.contains("certificate"), "{url}: a diagnosis that contradicts itself: {stderr}");
    }

    let engine = mcpscope_session::Engine::new(std::sync::Arc::new(NoEvents));
    let req = mcpscope_proto::ConnectRequest { url: wrong_path.clone(), ..Default::default() };
    assert!(engine.connect(req).await.is_err());
    let state = engine.state();
    assert_eq!(state.status, mcpscope_proto::ConnectionStatus::Failed);
    let advice = state.advice.unwrap_or_default();
    assert!(advice.contains("/mcp"), "{advice}");
}

struct NoEvents;

impl mcpscope_session::EventSink for NoEvents {
    fn emit(&self, _event: mcpscope_proto::UiEvent) {}
}

#[test]
fn servers_lists_a_client_config() {
    let dir = std::env::temp_dir().join(format!("mcpscope-servers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("claude_desktop_config.json");
    std::fs::write(
        &file,
        r#"{"mcpServers": {"remote": {"url": "https://example.com/sse"}, "local": {"command": "uvx", "args": ["mcp-server-git"]}}}"#,
    )
    .expect("write");
    let out = mcpscope_tests::cli::command(None, ["servers", &file.to_string_lossy(), "--json"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let entries: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0]["name"].as_str(), entries[0]["transport"].as_str()),
        (Some("remote"), Some("sse"))
    );
    assert!(entries[1]["note"].as_str().unwrap_or("").contains("uvx mcp-server-git"));
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"tools": []}"#).expect("write");
    let out = mcpscope_tests::cli::command(None, ["servers", &bad.to_string_lossy()]).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("mcpServers"), "the error says what was expected");
}

/// A server's text reaches the terminal without its control characters: an error body full of
/// escape sequences (retitle the window, clear the screen) is printed with them made visible.
#[tokio::test]
async fn server_text_cannot_drive_the_terminal() {
    let app = axum::Router::new().route(
        "/mcp",
        axum::routing::any(|| async {
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "\u{1b}]0;pwned\u{7}\u{1b}[2J\rboom")
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let out = mcpscope_tests::cli::run(None, ["call", &url, "tools/list", "--transport", "streamable"]).await;
    task.abort();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("boom"), "the body is still shown: {stderr}");
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}') && !stderr.contains('\r'), "{stderr:?}");
    assert!(stderr.contains("\\u{1b}]0;pwned"), "made visible: {stderr}");
}

/// `mcpscope --version`: the version, the commit it was built from (as git names it here) and
/// every protocol revision spoken.
#[test]
fn version_names_the_commit_and_the_protocols() {
    let out = mcpscope_tests::cli::command(None, ["--version"]).output().expect("run mcpscope");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(&format!("mcpscope {} (commit ", env!("CARGO_PKG_VERSION"))), "{text}");
    let head = Command::new("git")
        .args(["-C", &mcpscope_tests::package_dir().display().to_string(), "rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if let Some(head) = head {
        assert!(text.contains(&format!("(commit {head})")), "built from HEAD {head}: {text}");
    }
    for v in mcpscope_proto::PROTOCOL_VERSIONS {
        assert!(text.contains(v), "{v} missing: {text}");
    }
}
