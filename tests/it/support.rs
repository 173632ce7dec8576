//! Helpers shared by the integration tests.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use mcpscope_proto::{Record, RecordKind, TransportChoice};
use mcpscope_wire::{ConnectOptions, Connection, DefaultHandler, VecSink};

/// Connects with a [`VecSink`] so the test can inspect every captured record.
pub async fn connect(url: &str, transport: TransportChoice) -> (Connection, Arc<VecSink>) {
    let sink = VecSink::new();
    let mut opts = ConnectOptions::new(url);
    opts.transport = transport;
    opts.request_timeout = Duration::from_secs(30);
    let conn = Connection::connect(opts, sink.clone(), Arc::new(DefaultHandler))
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    (conn, sink)
}

/// Waits until `pred` holds for the records, or panics after `limit`.
pub async fn wait_for(sink: &VecSink, limit: Duration, what: &str, pred: impl Fn(&[Record]) -> bool) {
    let seen = || async { pred(&sink.records()).then_some(()) };
    mcpscope_tests::eventually_or(what, limit, seen, || format!("; records:\n{}", dump(&sink.records())))
        .await
}

pub fn dump(records: &[Record]) -> String {
    records
        .iter()
        .map(|r| format!("{:>4} {:?} {}", r.seq, r.direction, r.summary().title))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn header<'a>(rec: &'a Record, name: &str) -> Option<&'a str> {
    let headers = match &rec.kind {
        RecordKind::HttpRequest { headers, .. } | RecordKind::HttpResponse { headers, .. } => headers,
        _ => return None,
    };
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

pub fn method_of(rec: &Record) -> Option<&str> {
    rec.rpc.as_ref().and_then(|r| r.method.as_deref())
}

pub fn is_request(rec: &Record, method: &str) -> bool {
    matches!(&rec.kind, RecordKind::HttpRequest { method: m, .. } if m == method)
}

/// The signing keys of an OpenID provider, found through its discovery document.
pub async fn jwks_of(issuer: &str) -> JwkSet {
    let http = reqwest::Client::new();
    let get = |url: String| {
        let http = http.clone();
        async move { http.get(url).send().await.unwrap().bytes().await.unwrap() }
    };
    let conf: serde_json::Value =
        serde_json::from_slice(&get(format!("{issuer}/.well-known/openid-configuration")).await).unwrap();
    let uri = conf["jwks_uri"].as_str().expect("jwks_uri").to_owned();
    serde_json::from_slice(&get(uri).await).unwrap()
}

/// The authorization server and a demo server protected by it.
pub async fn protected(ttl: Option<u64>) -> (mcpscope_tests::oidc::Oidc, mcpscope_demo::DemoServer) {
    let idp = match ttl {
        Some(s) => mcpscope_tests::oidc::Oidc::start_with_access_ttl(s),
        None => mcpscope_tests::oidc::Oidc::start(),
    }
    .expect("oidc-provider");
    let protection = mcpscope_demo::Protection {
        issuer: idp.issuer.clone(),
        jwks: jwks_of(&idp.issuer).await,
        scopes_supported: vec!["mcp:read".into(), "mcp:write".into()],
        required_scope: None,
    };
    let server = mcpscope_demo::DemoServer::start_protected(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        mcpscope_demo::DemoOptions::default(),
        protection,
    )
    .await
    .expect("protected demo");
    (idp, server)
}
