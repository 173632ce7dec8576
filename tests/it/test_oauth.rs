//! OAuth end to end against a real authorization server (npm `oidc-provider`) in front of the
//! demo MCP server in protected mode, which accepts only JWT access tokens signed by that
//! server and meant for itself. No browser: the flow runs headless through the engine.

use std::net::SocketAddr;
use std::sync::Arc;

use mcpscope_auth::jwt::{self, Expectations};
use mcpscope_auth::{KeyringStore, MemoryStore, SecretStore};
use mcpscope_demo::{DemoOptions, DemoServer, Protection};
use mcpscope_proto::auth::{StepKind, Verdict};
use mcpscope_proto::{AuthRequest, ConnectRequest, Header, TransportChoice, UiEvent};
use mcpscope_session::{Engine, EventSink};
use mcpscope_wire::{ConnectOptions, Connection, DefaultHandler, NullSink, WireError};
use serde_json::Value;

use crate::support::{jwks_of, protected};

struct Quiet;
impl EventSink for Quiet {
    fn emit(&self, _: UiEvent) {}
}

fn oauth_request(url: &str) -> ConnectRequest {
    ConnectRequest {
        url: url.to_owned(),
        transport: TransportChoice::Auto,
        auth: AuthRequest { oauth: true, headless: true, ..AuthRequest::default() },
        ..ConnectRequest::default()
    }
}

fn engine_with(store: Arc<dyn SecretStore>) -> Engine {
    let e = Engine::new(Arc::new(Quiet));
    e.set_secret_store(store);
    e
}

async fn tools_list_works(engine: &Engine) {
    let r = engine.request("tools/list".into(), None).await.expect("tools/list");
    assert!(r["result"]["tools"].as_array().is_some_and(|t| !t.is_empty()), "{r}");
}

#[tokio::test]
async fn full_flow_verifies_the_jwt_and_refreshes_it() {
    let (idp, server) = protected(None).await;
    let engine = engine_with(Arc::new(MemoryStore::new("test")));
    engine.connect(oauth_request(server.url())).await.expect("connect through OAuth");
    tools_list_works(&engine).await;

    let status = engine.auth_status().await;
    let kinds: Vec<StepKind> = status.steps.iter().map(|s| s.kind).collect();
    for k in [
        StepKind::Challenge,
        StepKind::ResourceMetadata,
        StepKind::ServerMetadata,
        StepKind::Registration,
        StepKind::Authorization,
        StepKind::Callback,
        StepKind::Token,
    ] {
        assert!(kinds.contains(&k), "missing step {k:?} in {kinds:?}");
    }
    for s in &status.steps {
        assert_ne!(s.verdict(), Verdict::Fail, "{s:#?}");
    }
    // oidc-provider sends RFC 9207 iss: the callback step checked it.
    let callback = status.steps.iter().find(|s| s.kind == StepKind::Callback).unwrap();
    assert!(
        callback.checks.iter().any(|c| c.rule.contains("9207") && c.verdict == Verdict::Pass),
        "{callback:#?}"
    );

    let access = &status.tokens[0];
    assert!(access.jwt, "oidc-provider issues JWT access tokens for a resource");
    let claims = access.claims.as_ref().unwrap();
    assert_eq!(claims["aud"], server.url());
    assert_eq!(claims["iss"], idp.issuer.as_str());
    let verdict_of = |needle: &str| {
        access.checks.iter().find(|c| c.rule.contains(needle)).map(|c| c.verdict).unwrap_or(Verdict::Info)
    };
    assert_eq!(verdict_of("RFC 7515"), Verdict::Pass, "signature: {:#?}", access.checks);
    assert_eq!(verdict_of("RFC 8707"), Verdict::Pass, "audience: {:#?}", access.checks);
    assert_eq!(verdict_of("RFC 9068 §4, RFC 7519"), Verdict::Pass, "issuer: {:#?}", access.checks);
    assert_eq!(verdict_of("4.1.4"), Verdict::Pass, "expiry: {:#?}", access.checks);

    // Refresh: a new access token (rotation), still accepted.
    let before = engine.auth_reveal().await.unwrap();
    engine.auth_refresh().await.expect("refresh");
    let after = engine.auth_reveal().await.unwrap();
    assert_ne!(before, after, "the refresh must bring a new access token");
    tools_list_works(&engine).await;
    assert!(engine.auth_status().await.steps.iter().any(|s| s.kind == StepKind::Refresh));
    engine.disconnect().await.unwrap();
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_before_use() {
    // Tokens live 20 s, inside the 30 s refresh margin: every use refreshes first.
    let (_idp, server) = protected(Some(20)).await;
    let engine = engine_with(Arc::new(MemoryStore::new("test")));
    engine.connect(oauth_request(server.url())).await.expect("connect");
    let first = engine.auth_reveal().await.unwrap();
    tools_list_works(&engine).await;
    let second = engine.auth_reveal().await.unwrap();
    assert_ne!(first, second, "the token was refreshed before the request");
    assert!(engine.auth_status().await.steps.iter().any(|s| s.kind == StepKind::Refresh));
}

/// Sends `token` to `url` as a bearer token; returns the error the connect gets.
async fn refused_with(url: &str, token: &str) -> String {
    let mut opts = ConnectOptions::new(url);
    opts.headers.push(Header::new("Authorization", format!("Bearer {token}")));
    match Connection::connect(opts, Arc::new(NullSink), Arc::new(DefaultHandler)).await {
        Ok(_) => panic!("the server accepted a token it must refuse"),
        Err(WireError::Http { status, body }) => {
            assert_eq!(status, 401);
            body
        }
        Err(e) => panic!("expected HTTP 401, got {e:?}"),
    }
}

#[tokio::test]
async fn forged_and_wrong_audience_tokens_are_rejected_with_a_clear_message() {
    let (idp, server) = protected(None).await;
    let engine = engine_with(Arc::new(MemoryStore::new("test")));
    engine.connect(oauth_request(server.url())).await.expect("connect");
    let token = engine.auth_reveal().await.unwrap();

    // Forged: the claims changed (a longer life), the signature kept.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&b64(parts[1])).unwrap();
    claims["exp"] = Value::from(claims["exp"].as_i64().unwrap() + 86_400);
    let forged = format!("{}.{}.{}", parts[0], b64e(claims.to_string().as_bytes()), parts[2]);
    let body = refused_with(server.url(), &forged).await;
    assert!(body.contains("signature does not verify"), "{body}");
    let jwks = jwks_of(&idp.issuer).await;
    let exp = Expectations {
        resource: Some(server.url().to_owned()),
        issuer: Some(idp.issuer.clone()),
        jwks: Some(jwks.clone()),
        leeway: 60,
        ..Expectations::default()
    };
    let report = jwt::inspect("access_token", &forged, &exp);
    let sig = report.checks.iter().find(|c| c.rule.contains("RFC 7515")).unwrap();
    assert_eq!(sig.verdict, Verdict::Fail, "{sig:?}");
    assert!(sig.message.contains("forged"), "{}", sig.message);

    // Wrong audience: a genuine token of this issuer, for another MCP server.
    let other = DemoServer::start_protected(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        DemoOptions::default(),
        Protection {
            issuer: idp.issuer.clone(),
            jwks,
            scopes_supported: vec!["mcp:read".into()],
            required_scope: None,
        },
    )
    .await
    .unwrap();
    let body = refused_with(other.url(), &token).await;
    assert!(body.contains("audience is not this server"), "{body}");
    let report =
        jwt::inspect("access_token", &token, &Expectations { resource: Some(other.url().to_owned()), ..exp });
    let aud = report.checks.iter().find(|c| c.rule.contains("RFC 8707")).unwrap();
    assert_eq!(aud.verdict, Verdict::Fail);
    assert!(aud.message.contains("wrong audience"), "{}", aud.message);
}

fn b64(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
}

fn b64e(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Tokens go to the real Secret Service (gnome-keyring in the D-Bus session `cargo xtask test`
/// starts), survive an engine restart, leave on logout, and appear nowhere on disk.
#[tokio::test]
async fn tokens_live_in_the_keyring_and_nowhere_else() {
    let keyring = KeyringStore::new(mcpscope_auth::secrets::SERVICE);
    if let Err(e) = keyring.probe() {
        panic!("no Secret Service to test against ({e}); run this under `cargo xtask test`");
    }
    let (_idp, server) = protected(None).await;
    let data = std::env::temp_dir().join(format!("mcpscope-keyring-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let store = mcpscope_store::Store::open_dir(&data).await.unwrap();
    let engine = Engine::with_store(Arc::new(Quiet), Some(store.clone()), "app");
    engine.set_secret_store(Arc::new(KeyringStore::new(mcpscope_auth::secrets::SERVICE)));
    engine.connect(oauth_request(server.url())).await.expect("connect");
    tools_list_works(&engine).await;
    let token = engine.auth_reveal().await.unwrap();
    assert!(engine.auth_status().await.store.contains("keyring"));
    let key = format!("oauth-tokens|{}", server.url());
    let stored = keyring.get(&key).unwrap().expect("the token is in the keyring");
    assert!(stored.contains(&token));
    engine.disconnect().await.unwrap();
    let session = store.sessions(1).await.unwrap().remove(0).id;
    let har = engine.history_export_har(&session).await.unwrap();
    drop(engine);

    // A new engine (as after a restart) uses the stored token: no authorization at all.
    let engine = Engine::with_store(Arc::new(Quiet), Some(store.clone()), "app");
    engine.set_secret_store(Arc::new(KeyringStore::new(mcpscope_auth::secrets::SERVICE)));
    engine.connect(oauth_request(server.url())).await.expect("reconnect");
    tools_list_works(&engine).await;
    let steps = engine.auth_status().await.steps;
    assert!(!steps.iter().any(|s| s.kind == StepKind::Authorization), "{steps:#?}");
    assert_eq!(engine.auth_reveal().await.unwrap(), token);
    // The registration was kept too: the restarted engine can refresh.
    engine.auth_refresh().await.expect("refresh after a restart");
    assert_ne!(engine.auth_reveal().await.unwrap(), token);

    // Logout deletes it.
    engine.auth_logout().await.unwrap();
    assert_eq!(keyring.get(&key).unwrap(), None);
    engine.disconnect().await.unwrap();
    drop(engine);

    // Nowhere on disk: the database (with its WAL) and the export.
    let mut scanned = 0;
    for entry in std::fs::read_dir(&data).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        scanned += bytes.len();
        assert!(!contains(&bytes, token.as_bytes()), "the token is in the history database");
        // Not even a part of it (the signature alone would be a leak too).
        let sig = token.rsplit('.').next().unwrap();
        assert!(!contains(&bytes, sig.as_bytes()));
    }
    assert!(scanned > 0);
    assert!(!har.contains(&token) && !har.contains(token.rsplit('.').next().unwrap()));
    assert!(har.contains("redacted"), "the export shows where credentials were");
    let _ = std::fs::remove_dir_all(&data);
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The CLI: `mcpscope token` runs the flow and prints every verdict, `call --oauth` uses the
/// stored token, and neither the trace log nor the history holds the token.
#[tokio::test]
async fn cli_token_and_call_keep_the_token_out_of_logs_and_history() {
    if KeyringStore::new(mcpscope_auth::secrets::SERVICE).probe().is_err() {
        panic!("no Secret Service to test against; run this under `cargo xtask test`");
    }
    let (_idp, server) = protected(None).await;
    let url = server.url().to_owned();
    let data = std::env::temp_dir().join(format!("mcpscope-cli-oauth-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let run = |args: Vec<&str>| {
        let mut cmd = mcpscope_tests::cli::command(Some(&data), args);
        cmd.env("MCPSCOPE_LOG", "trace");
        mcpscope_tests::cli::output(cmd)
    };
    let out = run(vec!["token", &url, "--oauth", "--headless-authorize", "--reveal"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let token = stdout.lines().last().unwrap().trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "the revealed token is the last line: {stdout}");
    assert!(stdout.contains("signature verified"), "{stdout}");
    assert!(stdout.contains("aud includes the MCP server"), "{stdout}");
    assert!(stdout.contains("the OS keyring"), "{stdout}");
    assert!(stderr.contains("oauth: Token request [pass]"), "{stderr}");
    assert!(!stderr.contains(&token), "the trace log holds the token");

    let out = run(vec!["call", &url, "tools/list", "--oauth"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("\"tools\""), "{stdout}");
    assert!(!stderr.contains("oauth: Authorization request"), "the stored token was used: {stderr}");
    assert!(!stderr.contains(&token), "the trace log holds the token");
    for entry in std::fs::read_dir(&data).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!contains(&bytes, token.as_bytes()), "the history holds the token");
    }

    let out = run(vec!["token", &url, "--logout"]).await;
    assert!(out.status.success());
    let key = format!("oauth-tokens|{url}");
    assert_eq!(KeyringStore::new(mcpscope_auth::secrets::SERVICE).get(&key).unwrap(), None);
    let _ = std::fs::remove_dir_all(&data);
}

/// The desktop flow: the engine waits on its loopback listener while "the browser" (this
/// test) approves; and a waiting flow that is dropped (cancel) closes its listener.
#[tokio::test]
async fn the_desktop_flow_waits_for_the_browser_and_cancels_cleanly() {
    use mcpscope_auth::{Http, OAuth, OAuthOptions, Redirect, StepObserver};
    use mcpscope_wire::Capture;
    let (_idp, server) = protected(None).await;
    let start = |url: &str| {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let observer: StepObserver = Arc::new(move |s| {
            if s.waiting {
                let _ = tx.send(s.url.clone().unwrap_or_default());
            }
        });
        let capture = Capture::new(Arc::new(NullSink));
        let mut o = OAuthOptions::new(url);
        o.redirect = Redirect::Browser { timeout: std::time::Duration::from_secs(60), open: false };
        let oauth = Arc::new(
            OAuth::new(
                o,
                Http::new(capture.clone()).unwrap(),
                Arc::new(MemoryStore::new("t")),
                Some(observer),
            )
            .unwrap(),
        );
        let mut opts = ConnectOptions::new(url);
        opts.authorizer = Some(oauth);
        let task = tokio::spawn(Connection::connect_with_capture(opts, capture, Arc::new(DefaultHandler)));
        (task, rx)
    };

    let (task, mut waiting) = start(server.url());
    let authorization_url = waiting.recv().await.expect("the flow shows the authorization URL");
    assert!(authorization_url.contains("code_challenge_method=S256"), "{authorization_url}");
    mcpscope_tests::oidc::approve_in_browser(&authorization_url).await.expect("approve");
    let conn = task.await.unwrap().expect("connected after the browser came back");
    let tools = conn.request("tools/list", None).await.unwrap();
    assert!(tools["result"]["tools"].is_array(), "{tools}");
    conn.close().await;

    let (task, mut waiting) = start(server.url());
    let authorization_url = waiting.recv().await.unwrap();
    let redirect = url::Url::parse(&authorization_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let port = url::Url::parse(&redirect).unwrap().port().unwrap();
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok(), "listening while waiting");
    task.abort();
    let _ = task.await;
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "a cancelled flow must close its listener"
    );
}

/// DPoP against a real authorization server (oidc-provider offers ES256 proofs) and the demo
/// as a resource server that checks them: the token comes back bound to the session's key
/// (`cnf.jkt`), every request carries `Authorization: DPoP` and a fresh proof, the inspector
/// checks the binding and takes the last proof apart, and the token is never stored.
#[tokio::test]
async fn dpop_binds_the_token_to_the_sessions_key() {
    let (_idp, server) = protected(None).await;
    let store = Arc::new(MemoryStore::new("test"));
    let engine = engine_with(store.clone());
    let mut req = oauth_request(server.url());
    req.auth.dpop = true;
    engine.connect(req).await.expect("connect through OAuth with DPoP");
    tools_list_works(&engine).await;
    tools_list_works(&engine).await;

    let status = engine.auth_status().await;
    let token_step = status.steps.iter().find(|s| s.kind == StepKind::Token).expect("a token step");
    assert!(
        token_step.checks.iter().any(|c| c.verdict == Verdict::Pass && c.message.contains("token_type DPoP")),
        "{token_step:#?}"
    );
    let access = status.tokens.iter().find(|t| t.role == "access_token").expect("access token report");
    let jkt = access.claims.as_ref().and_then(|c| c.pointer("/cnf/jkt")).and_then(Value::as_str);
    assert!(jkt.is_some(), "oidc-provider binds the token: {:?}", access.claims);
    let binding = access.checks.iter().find(|c| c.rule.contains("9449")).expect("a binding check");
    assert_eq!(binding.verdict, Verdict::Pass, "{binding:?}");
    let proof = status.tokens.iter().find(|t| t.role == "dpop_proof").expect("the last proof, decoded");
    assert!(proof.checks.iter().all(|c| c.verdict != Verdict::Fail), "{:#?}", proof.checks);
    let claims = proof.claims.clone().unwrap_or(Value::Null);
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], server.url());
    assert!(claims["ath"].is_string() && claims["jti"].is_string(), "{claims}");
    assert_eq!(proof.header.as_ref().and_then(|h| h.get("typ")).and_then(Value::as_str), Some("dpop+jwt"));
    // Bound to a key that dies with the session: nothing to keep in the secret store.
    let key = format!("oauth-tokens|{}", server.url());
    assert_eq!(store.get(&key).unwrap(), None, "a DPoP-bound token is not stored");
    engine.disconnect().await.unwrap();
}

/// The demo as a resource server refuses a DPoP-bound token sent as a plain Bearer token, and
/// a proof for another request.
#[tokio::test]
async fn a_bound_token_without_its_proof_is_refused() {
    let (_idp, server) = protected(None).await;
    let engine = engine_with(Arc::new(MemoryStore::new("test")));
    let mut req = oauth_request(server.url());
    req.auth.dpop = true;
    engine.connect(req).await.expect("connect with DPoP");
    let token = engine.auth_reveal().await.unwrap();
    let http = reqwest::Client::new();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#;
    let post = |auth: String, proof: Option<String>| {
        let mut rb = http
            .post(server.url())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .header("authorization", auth)
            .body(body);
        if let Some(p) = proof {
            rb = rb.header("dpop", p);
        }
        rb.send()
    };
    let bearer = post(format!("Bearer {token}"), None).await.unwrap();
    assert_eq!(bearer.status(), 401);
    let why = bearer.text().await.unwrap();
    assert!(why.contains("DPoP scheme"), "{why}");
    // A proof from another key, for this URL and token.
    let other = mcpscope_auth::dpop::DpopKey::generate();
    let forged =
        post(format!("DPoP {token}"), Some(other.proof("POST", server.url(), Some(&token)))).await.unwrap();
    assert_eq!(forged.status(), 401);
    assert!(forged.text().await.unwrap().contains("not signed by the key"));
    engine.disconnect().await.unwrap();
}
