//! Security properties of the OAuth client (and opaque-token introspection), against a
//! hand-written authorization server that misbehaves on purpose (no real peer forges a state
//! or serves `javascript:` endpoints): a state mismatch is refused before the code is redeemed, metadata pointing at a non-http(s)
//! URL is refused before anything is fetched from it, and the redirect listener binds
//! 127.0.0.1 only and serves exactly one response.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt as _;
use mcpscope_auth::redirect::Loopback;
use mcpscope_auth::{Http, MemoryStore, OAuth, OAuthOptions, Redirect};
use mcpscope_proto::auth::{StepKind, Verdict};
use mcpscope_wire::{Capture, ConnectOptions, Connection, DefaultHandler, VecSink, WireError};
use serde_json::json;

/// How the fake authorization server misbehaves.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    /// The authorization response carries another state than the request's.
    WrongState,
    /// The metadata's authorization endpoint is a `javascript:` URL.
    ScriptEndpoint,
    /// The resource metadata lists a `file:` URL as authorization server.
    FileIssuer,
    /// None: a well-behaved server issuing opaque tokens, with an introspection endpoint.
    Opaque,
    /// The resource metadata never ends.
    EndlessMetadata,
    /// Well-behaved like `Opaque`, but the metadata's endpoints are plain http at 0.0.0.0:
    /// another host than loopback by name, yet one a test can reach.
    PlainHttpElsewhere,
}

impl Fault {
    /// Completes an authorization correctly.
    fn well_behaved(self) -> bool {
        matches!(self, Fault::Opaque | Fault::PlainHttpElsewhere)
    }
}

const OPAQUE: &str = "opaque-token-5f2c";

struct Fake {
    fault: Fault,
    base: Mutex<String>,
    token_requests: AtomicUsize,
    paths: Mutex<Vec<String>>,
    /// Another authorization server for the resource metadata to name (the resource moved).
    prm_issuer: Mutex<Option<String>>,
}

type S = State<Arc<Fake>>;

fn seen(s: &Fake, path: &str) {
    s.paths.lock().unwrap().push(path.to_owned());
}

async fn mcp(State(s): S, headers: HeaderMap, body: String) -> Response {
    seen(&s, "/mcp");
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    if bearer == format!("Bearer {OPAQUE}") {
        let msg: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if msg.get("id").is_none() {
            return StatusCode::ACCEPTED.into_response();
        }
        let result = json!({"protocolVersion": "2025-11-25", "capabilities": {}, "serverInfo": {"name": "fake", "version": "1"}});
        return axum::Json(json!({"jsonrpc": "2.0", "id": msg["id"], "result": result})).into_response();
    }
    let base = s.base.lock().unwrap().clone();
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, format!("Bearer resource_metadata=\"{base}/prm\""))],
        "{}",
    )
        .into_response()
}

async fn prm(State(s): S) -> Response {
    seen(&s, "/prm");
    if s.fault == Fault::EndlessMetadata {
        let opening = bytes::Bytes::from_static(b"{\"resource\": \"");
        let filler = bytes::Bytes::from(vec![b'x'; 64 * 1024]);
        let body = futures::stream::iter([Ok::<_, std::io::Error>(opening)])
            .chain(futures::stream::repeat_with(move || Ok(filler.clone())));
        return ([(header::CONTENT_TYPE, "application/json")], axum::body::Body::from_stream(body))
            .into_response();
    }
    let base = s.base.lock().unwrap().clone();
    let moved = s.prm_issuer.lock().unwrap().clone();
    let issuer = if s.fault == Fault::FileIssuer {
        "file:///etc/passwd".to_owned()
    } else {
        moved.unwrap_or(base.clone())
    };
    axum::Json(json!({"resource": format!("{base}/mcp"), "authorization_servers": [issuer]})).into_response()
}

async fn metadata(State(s): S) -> Response {
    seen(&s, "/.well-known/oauth-authorization-server");
    let base = s.base.lock().unwrap().clone();
    let endpoints = if s.fault == Fault::PlainHttpElsewhere {
        base.replace("127.0.0.1", "0.0.0.0")
    } else {
        base.clone()
    };
    let authorize = if s.fault == Fault::ScriptEndpoint {
        "javascript:alert(document.cookie)".to_owned()
    } else {
        format!("{endpoints}/authorize")
    };
    axum::Json(json!({
        "issuer": base,
        "authorization_endpoint": authorize,
        "token_endpoint": format!("{endpoints}/token"),
        "registration_endpoint": format!("{endpoints}/register"),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "introspection_endpoint": format!("{base}/introspect"),
    }))
    .into_response()
}

async fn register(State(s): S) -> Response {
    seen(&s, "/register");
    (StatusCode::CREATED, axum::Json(json!({"client_id": "fake-client"}))).into_response()
}

async fn authorize(State(s): S, Query(q): Query<Vec<(String, String)>>) -> Response {
    seen(&s, "/authorize");
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut to = url::Url::parse(&get("redirect_uri")).unwrap();
    let state = if s.fault.well_behaved() { get("state") } else { "attacker-state".to_owned() };
    to.query_pairs_mut().append_pair("code", "stolen-code").append_pair("state", &state);
    let mut h = HeaderMap::new();
    h.insert(header::LOCATION, to.as_str().parse().unwrap());
    (StatusCode::FOUND, h).into_response()
}

async fn token(State(s): S) -> Response {
    seen(&s, "/token");
    s.token_requests.fetch_add(1, Ordering::SeqCst);
    let token = if s.fault.well_behaved() { OPAQUE } else { "should-never-be-issued" };
    axum::Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 600})).into_response()
}

async fn introspect(State(s): S, body: String) -> Response {
    seen(&s, "/introspect");
    let active = body.contains(&format!("token={OPAQUE}"));
    axum::Json(json!({"active": active, "scope": "files:read", "client_id": "fake-client"})).into_response()
}

async fn start(fault: Fault) -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake {
        fault,
        base: Mutex::new(String::new()),
        token_requests: AtomicUsize::new(0),
        paths: Mutex::new(Vec::new()),
        prm_issuer: Mutex::new(None),
    });
    let app = Router::new()
        .route("/mcp", post(mcp).get(mcp))
        .route("/prm", get(prm))
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/register", post(register))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .route("/introspect", post(introspect))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    *fake.base.lock().unwrap() = base.clone();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, format!("{base}/mcp"))
}

/// Connects with OAuth (headless) and returns the error and the flow's steps.
async fn connect_expecting_failure(url: &str) -> (WireError, Vec<mcpscope_proto::auth::Step>) {
    let (result, steps) = connect_with(url, |_| {}).await;
    match result {
        Ok(()) => panic!("the connection should have been refused"),
        Err(e) => (e, steps),
    }
}

/// Connects with OAuth (headless, options changed by `tune`): the outcome and the steps.
async fn connect_with(
    url: &str,
    tune: impl FnOnce(&mut OAuthOptions),
) -> (Result<(), WireError>, Vec<mcpscope_proto::auth::Step>) {
    connect_keeping(url, Arc::new(MemoryStore::new("test")), tune).await
}

/// [`connect_with`], keeping tokens and registrations in `store` (the keyring across restarts).
async fn connect_keeping(
    url: &str,
    store: Arc<MemoryStore>,
    tune: impl FnOnce(&mut OAuthOptions),
) -> (Result<(), WireError>, Vec<mcpscope_proto::auth::Step>) {
    let capture = Capture::new(VecSink::new());
    let mut o = OAuthOptions::new(url);
    o.redirect = Redirect::Headless;
    tune(&mut o);
    let oauth = Arc::new(OAuth::new(o, Http::new(capture.clone()).unwrap(), store, None).unwrap());
    let mut opts = ConnectOptions::new(url);
    opts.authorizer = Some(oauth.clone());
    let result = Connection::connect_with_capture(opts, capture, Arc::new(DefaultHandler)).await.map(drop);
    (result, oauth.steps())
}

#[tokio::test]
async fn a_state_mismatch_is_refused_and_the_code_never_redeemed() {
    let (fake, url) = start(Fault::WrongState).await;
    let (err, steps) = connect_expecting_failure(&url).await;
    assert!(matches!(err, WireError::Auth(_)), "{err:?}");
    assert!(err.to_string().contains("state mismatch"), "{err}");
    assert_eq!(fake.token_requests.load(Ordering::SeqCst), 0, "the forged code must not be redeemed");
    let callback = steps.iter().find(|s| s.kind == StepKind::Callback).expect("a callback step");
    assert_eq!(callback.verdict(), Verdict::Fail);
    assert!(callback.checks.iter().any(|c| c.rule.contains("RFC 6749 §10.12")), "{callback:?}");
}

#[tokio::test]
async fn a_script_url_in_the_metadata_is_refused_before_anything_is_opened() {
    let (fake, url) = start(Fault::ScriptEndpoint).await;
    let (err, steps) = connect_expecting_failure(&url).await;
    assert!(err.to_string().contains("javascript"), "{err}");
    assert!(err.to_string().contains("not http or https"), "{err}");
    let paths = fake.paths.lock().unwrap().clone();
    assert!(!paths.iter().any(|p| p == "/register" || p == "/token"), "{paths:?}");
    let md = steps.iter().find(|s| s.kind == StepKind::ServerMetadata).expect("metadata step");
    assert_eq!(md.verdict(), Verdict::Fail);
    assert!(md.fix.as_deref().unwrap_or("").contains("http(s)"), "{md:?}");
    assert!(!steps.iter().any(|s| s.kind == StepKind::Authorization), "no authorization may start");
}

/// Resource metadata that never ends: read up to the limit, the flow stops with the reason,
/// nothing after it is fetched. Without the limit this test never ends.
#[tokio::test]
async fn endless_metadata_is_cut_at_the_limit() {
    let (fake, url) = start(Fault::EndlessMetadata).await;
    let (err, _) = connect_expecting_failure(&url).await;
    assert!(err.to_string().contains("larger than mcpscope's limit"), "{err}");
    let paths = fake.paths.lock().unwrap().clone();
    assert_eq!(paths, ["/mcp", "/prm"], "nothing after the resource metadata");
}

#[tokio::test]
async fn a_file_url_as_authorization_server_is_refused() {
    let (fake, url) = start(Fault::FileIssuer).await;
    let (err, _) = connect_expecting_failure(&url).await;
    assert!(err.to_string().contains("file"), "{err}");
    let paths = fake.paths.lock().unwrap().clone();
    assert_eq!(paths, ["/mcp", "/prm"], "nothing after the resource metadata");
}

#[tokio::test]
async fn the_redirect_listener_binds_loopback_only_and_serves_once() {
    let lb = Loopback::bind().await.unwrap();
    let uri = lb.redirect_uri.clone();
    assert_eq!(uri.host_str(), Some("127.0.0.1"));
    let port = lb.port();
    assert_ne!(port, 0);
    // Not reachable on another local address of this machine (it is not bound to 0.0.0.0).
    if let Some(other) = local_non_loopback_ip() {
        let refused = tokio::net::TcpStream::connect(SocketAddr::new(other, port)).await;
        assert!(refused.is_err(), "the listener must not accept on {other}");
    }
    let waiter = tokio::spawn(async move { lb.wait(Duration::from_secs(10), "s1").await });
    // A stray request (favicon) is answered 404 and the wait goes on.
    let http = reqwest::Client::new();
    let stray = http.get(format!("http://127.0.0.1:{port}/favicon.ico")).send().await.unwrap();
    assert_eq!(stray.status(), 404);
    let ok = http.get(format!("{uri}?code=c1&state=s1")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let got = waiter.await.unwrap().unwrap();
    assert_eq!(got.url.query(), Some("code=c1&state=s1"));
    assert!(got.refused.is_empty());
    // One use: the listener is gone.
    let again = tokio::net::TcpStream::connect(("127.0.0.1", port)).await;
    assert!(again.is_err(), "the listener must close after one authorization response");
}

#[tokio::test]
async fn the_redirect_listener_gives_up_after_its_timeout() {
    let lb = Loopback::bind().await.unwrap();
    let err = lb.wait(Duration::from_millis(200), "s").await.unwrap_err();
    assert!(err.to_string().contains("no authorization response within"), "{err}");
}

/// An address of this machine other than loopback, if it has one.
fn local_non_loopback_ip() -> Option<std::net::IpAddr> {
    let sock = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // No packet is sent: connecting a UDP socket only picks a route and a source address.
    sock.connect("10.255.255.255:9").ok()?;
    let ip = sock.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn an_opaque_token_is_said_to_be_opaque_and_introspected() {
    let (fake, url) = start(Fault::Opaque).await;
    let capture = Capture::new(VecSink::new());
    let mut o = OAuthOptions::new(&url);
    o.redirect = Redirect::Headless;
    let oauth = Arc::new(
        OAuth::new(o, Http::new(capture.clone()).unwrap(), Arc::new(MemoryStore::new("test")), None).unwrap(),
    );
    let mut opts = ConnectOptions::new(&url);
    opts.open_get_stream = false;
    opts.authorizer = Some(oauth.clone());
    let conn =
        Connection::connect_with_capture(opts, capture, Arc::new(DefaultHandler)).await.expect("connect");
    let reports = oauth.inspect().await;
    let access = &reports[0];
    assert!(!access.jwt);
    assert!(access.checks.iter().any(|c| c.message.contains("opaque token")), "{access:#?}");
    let active = access.checks.iter().find(|c| c.rule.contains("RFC 7662")).expect("introspected");
    assert_eq!(active.verdict, Verdict::Pass, "{active:?}");
    assert_eq!(access.scopes, ["files:read"]);
    assert!(fake.paths.lock().unwrap().iter().any(|p| p == "/introspect"));
    drop(conn);
}

/// Non-loopback plain-http authorization endpoints are refused before any of them is used,
/// unless the user allows it for this server; then the flow goes on (with a warning).
#[tokio::test]
async fn a_plain_http_authorization_server_elsewhere_is_refused_unless_allowed() {
    let (fake, url) = start(Fault::PlainHttpElsewhere).await;
    let (err, steps) = connect_expecting_failure(&url).await;
    assert!(err.to_string().contains("is not https"), "{err}");
    let refusal =
        steps.iter().flat_map(|s| &s.checks).find(|c| c.verdict == Verdict::Fail).expect("a failed check");
    assert!(refusal.message.contains("plain http"), "{refusal:?}");
    assert!(
        !fake.paths.lock().unwrap().iter().any(|p| p == "/authorize" || p == "/register"),
        "nothing was sent there"
    );
    assert_eq!(fake.token_requests.load(Ordering::SeqCst), 0);

    let (allowed, steps) = connect_with(&url, |o| o.allow_plain_http = true).await;
    assert!(allowed.is_ok(), "{allowed:?}");
    let warned = steps
        .iter()
        .flat_map(|s| &s.checks)
        .any(|c| c.verdict == Verdict::Warn && c.message.contains("allowed for this server"));
    assert!(warned, "{steps:#?}");
    assert_eq!(fake.token_requests.load(Ordering::SeqCst), 1);
}

/// Tokens kept from an earlier run were issued by another authorization server than the one
/// the resource names now: the refresh token is not sent to the new one (RFC 9700), and the
/// stored tokens are forgotten. The same tokens from the same issuer are refreshed.
#[tokio::test]
async fn a_refresh_token_goes_only_to_the_issuer_that_issued_it() {
    use mcpscope_auth::SecretStore as _;
    let (fake, url) = start(Fault::Opaque).await;
    let base = url.trim_end_matches("/mcp").to_owned();
    let key =
        format!("oauth-tokens|{}", mcpscope_auth::urls::canonical_resource(&url::Url::parse(&url).unwrap()));
    let refresh = |issuer: &str| {
        let (url, key, issuer) = (url.clone(), key.clone(), issuer.to_owned());
        async move {
            let store = Arc::new(MemoryStore::new("test"));
            let tokens = json!({"access_token": "old", "refresh_token": "rt-kept-from-before", "issuer": issuer, "expires_at": 1});
            store.set(&key, &tokens.to_string()).unwrap();
            let mut o = OAuthOptions::new(&url);
            o.redirect = Redirect::Headless;
            o.client_id = Some("fake-client".to_owned());
            let capture = Capture::new(VecSink::new());
            let oauth = OAuth::new(o, Http::new(capture).unwrap(), store.clone(), None).unwrap();
            let outcome = oauth.refresh_now().await;
            (outcome, store.get(&key).unwrap(), oauth.steps())
        }
    };
    let (outcome, kept, steps) = refresh("https://another-as.example").await;
    let why = outcome.expect_err("no refresh against another issuer");
    assert!(why.contains("another authorization server"), "{why}");
    assert_eq!(fake.token_requests.load(Ordering::SeqCst), 0, "the refresh token was sent to the new server");
    assert!(kept.is_none(), "the stale tokens are forgotten");
    assert!(steps.iter().flat_map(|s| &s.checks).any(|c| c.rule.starts_with("RFC 9700")), "{steps:#?}");

    let (outcome, kept, _) = refresh(&base).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(fake.token_requests.load(Ordering::SeqCst), 1);
    assert!(kept.is_some_and(|t| t.contains(OPAQUE)), "the new tokens are kept");
}

/// A pre-registered client's secret goes only to the authorization server it was first sent
/// to: after a restart, a resource that now names another one gets an error, not the secret.
/// Logging out forgets the binding, and the new server is then used.
#[tokio::test]
async fn a_preregistered_client_secret_goes_only_to_the_issuer_it_was_first_used_with() {
    use mcpscope_auth::SecretStore as _;
    let (first, url) = start(Fault::Opaque).await;
    let (second, second_url) = start(Fault::Opaque).await;
    let store = Arc::new(MemoryStore::new("test"));
    let preregistered = |o: &mut OAuthOptions| {
        o.client_id = Some("fake-client".to_owned());
        o.client_secret = Some("s3cret-of-the-first-as".to_owned());
    };
    let (outcome, _) = connect_keeping(&url, store.clone(), preregistered).await;
    outcome.expect("the first authorization");
    assert_eq!(first.token_requests.load(Ordering::SeqCst), 1);

    // The resource moves to another authorization server; mcpscope restarts without tokens.
    *first.prm_issuer.lock().unwrap() = Some(second_url.trim_end_matches("/mcp").to_owned());
    let token_key =
        format!("oauth-tokens|{}", mcpscope_auth::urls::canonical_resource(&url::Url::parse(&url).unwrap()));
    store.delete(&token_key).unwrap();
    let (outcome, steps) = connect_keeping(&url, store.clone(), preregistered).await;
    let err = outcome.expect_err("the secret is not sent to the new server");
    assert!(err.to_string().contains("belongs to authorization server"), "{err}");
    assert_eq!(second.token_requests.load(Ordering::SeqCst), 0, "the secret reached the other server");
    let refused = steps.iter().flat_map(|s| &s.checks).find(|c| c.verdict == Verdict::Fail);
    assert!(refused.is_some_and(|c| c.rule.starts_with("RFC 9700")), "{steps:#?}");

    // Logging out forgets the binding: the user means the move.
    let mut o = OAuthOptions::new(&url);
    preregistered(&mut o);
    let oauth = OAuth::new(o, Http::new(Capture::new(VecSink::new())).unwrap(), store.clone(), None).unwrap();
    oauth.logout().await.unwrap();
    let (outcome, _) = connect_keeping(&url, store, preregistered).await;
    outcome.expect("authorized at the new server after logging out");
    assert_eq!(second.token_requests.load(Ordering::SeqCst), 1);
}

/// A forged callback (another state, or none) reaching the redirect listener first does not
/// end the wait: it is answered 400 and noted, and the real redirect still completes.
#[tokio::test]
async fn a_forged_callback_does_not_end_the_wait_and_the_real_one_completes() {
    let lb = Loopback::bind().await.unwrap();
    let uri = lb.redirect_uri.clone();
    let waiter = tokio::spawn(async move { lb.wait(Duration::from_secs(10), "the-real-state").await });
    let http = reqwest::Client::new();
    for forged in [format!("{uri}?code=attacker&state=guess"), format!("{uri}?code=attacker")] {
        let answer = http.get(&forged).send().await.unwrap();
        assert_eq!(answer.status(), 400, "{forged}");
        assert!(answer.text().await.unwrap().contains("still waiting"));
    }
    assert!(!waiter.is_finished(), "a forgery must not end the wait");
    let real = http.get(format!("{uri}?code=real&state=the-real-state")).send().await.unwrap();
    assert_eq!(real.status(), 200);
    let got = waiter.await.unwrap().unwrap();
    assert!(got.url.query().unwrap().contains("code=real"), "{}", got.url);
    assert_eq!(got.refused, vec!["state \"guess\"".to_owned(), "no state".to_owned()]);
}
