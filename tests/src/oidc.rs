//! A real OAuth authorization server for the auth tests: npm `oidc-provider`, run by
//! `tests/fixtures/oidc/provider.mjs` (the package is installed into `tests/fixtures/node_modules`
//! by `cargo xtask setup`).
//!
//! The server registers clients dynamically (public ones too), requires PKCE S256, approves
//! every authorization by itself through redirects only (as account `mcpscope-tester`), issues
//! RS256 JWT access tokens whose `aud` is the requested `resource`, and rotates refresh tokens.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::everything::{fixtures_dir, node};

/// A running oidc-provider, killed on drop.
pub struct Oidc {
    child: Child,
    /// `http://127.0.0.1:{port}`, no trailing slash; discovery is at
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub port: u16,
}

const READY: &str = "oidc-provider ready ";

impl Oidc {
    /// Starts the server on a free port, with access tokens valid for an hour.
    pub fn start() -> std::io::Result<Oidc> {
        Self::start_with_access_ttl(3600)
    }

    /// Starts the server on a free port, with access tokens valid for `secs` seconds.
    pub fn start_with_access_ttl(secs: u64) -> std::io::Result<Oidc> {
        let script = fixtures_dir().join("oidc/provider.mjs");
        let package = fixtures_dir().join("node_modules/oidc-provider/package.json");
        for needed in [&script, &package, &node()] {
            if !needed.exists() {
                return Err(std::io::Error::other(format!(
                    "{} is missing: run `cargo xtask setup`",
                    needed.display()
                )));
            }
        }
        let mut child = Command::new(node())
            .arg(&script)
            .args(["--port", "0", "--access-ttl", &secs.to_string()])
            .current_dir(fixtures_dir().join("oidc"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;

        // Its stderr goes to ours, line by line, so the test harness captures it.
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    eprintln!("[oidc-provider] {line}");
                }
            });
        }
        // Stdout is read on a thread, so that the wait for the ready line can time out.
        let (tx, rx) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(issuer) = line.strip_prefix(READY) {
                        let _ = tx.send(issuer.trim().to_owned());
                    }
                }
            });
        }

        let mut server = Oidc { child, issuer: String::new(), port: 0 };
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(issuer) => {
                server.port =
                    issuer.rsplit(':').next().and_then(|p| p.parse().ok()).ok_or_else(|| {
                        std::io::Error::other(format!("bad issuer in ready line: {issuer}"))
                    })?;
                server.issuer = issuer;
                Ok(server)
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = server.child.wait()?;
                Err(std::io::Error::other(format!("oidc-provider exited before it was ready: {status}")))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                Err(std::io::Error::other("oidc-provider was not ready within 30 s"))
            }
        }
    }
}

impl Drop for Oidc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Plays the person at the browser: follows `authorization_url` to the loopback redirect URI
/// (with the engine's own headless walker: GETs, redirects by hand, cookies per host), then
/// requests that URL so the waiting listener receives the authorization response. Returns
/// the callback URL.
pub async fn approve_in_browser(authorization_url: &str) -> std::io::Result<String> {
    let err = |e: String| std::io::Error::other(e);
    let url = url::Url::parse(authorization_url).map_err(|e| err(e.to_string()))?;
    let redirect_uri = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .and_then(|(_, v)| url::Url::parse(&v).ok())
        .ok_or_else(|| err(format!("no redirect_uri in {url}")))?;
    let capture = mcpscope_wire::Capture::new(std::sync::Arc::new(mcpscope_wire::NullSink));
    let http = mcpscope_auth::Http::new(capture).map_err(|e| err(e.to_string()))?;
    let callback = mcpscope_auth::redirect::headless(&http, &url, &redirect_uri)
        .await
        .map_err(|e| err(e.to_string()))?;
    let done =
        http.client.get(callback.clone()).send().await.map_err(|e| err(format!("GET {callback}: {e}")))?;
    if !done.status().is_success() {
        return Err(err(format!("the redirect listener answered {}", done.status())));
    }
    Ok(callback.to_string())
}
