//! Getting the authorization response back: a single-use loopback listener on 127.0.0.1 with a
//! random port (RFC 8252 §7.3) for the desktop flow, and a headless walker that follows the
//! authorization URL with an HTTP client and a cookie jar until it is redirected to the
//! redirect URI (tests and CI).

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

use crate::http::Http;
use crate::{AuthError, Result};

/// Path of the redirect URI on the loopback listener.
pub const CALLBACK_PATH: &str = "/callback";
const MAX_HOPS: usize = 20;

/// A bound, not yet used loopback listener.
pub struct Loopback {
    listener: TcpListener,
    pub redirect_uri: Url,
}

impl Loopback {
    /// Binds 127.0.0.1 on a port the OS picks. Never 0.0.0.0: nothing off this machine can
    /// reach it.
    pub async fn bind() -> Result<Loopback> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
            AuthError::Redirect(format!("could not open the loopback redirect listener: {e}"))
        })?;
        let port = listener.local_addr().map_err(|e| AuthError::Redirect(e.to_string()))?.port();
        let redirect_uri = Url::parse(&format!("http://127.0.0.1:{port}{CALLBACK_PATH}"))
            .map_err(|e| AuthError::Redirect(e.to_string()))?;
        Ok(Loopback { listener, redirect_uri })
    }

    pub fn port(&self) -> u16 {
        self.redirect_uri.port().unwrap_or(0)
    }

    /// Waits up to `timeout` for the authorization response: a request to the callback path
    /// whose `state` is `state`. Anything else is answered and the wait goes on: another path
    /// with 404, a callback with another state (forged, or stale from an earlier attempt)
    /// with 400 and a line in [`Callback::refused`].
    pub async fn wait(self, timeout: Duration, state: &str) -> Result<Callback> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut refused = Vec::new();
        loop {
            let accepted = tokio::time::timeout_at(deadline, self.listener.accept()).await.map_err(|_| {
                AuthError::Redirect(format!(
                    "no authorization response within {} s: the browser never came back to {}",
                    timeout.as_secs(),
                    self.redirect_uri
                ))
            })?;
            let (mut sock, _) = accepted.map_err(|e| AuthError::Redirect(e.to_string()))?;
            let mut buf = vec![0u8; 16 * 1024];
            let n = tokio::time::timeout(Duration::from_secs(5), sock.read(&mut buf))
                .await
                .ok()
                .and_then(|r| r.ok())
                .unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]);
            let target = head.lines().next().and_then(|l| l.split_whitespace().nth(1)).unwrap_or("");
            let url = self.redirect_uri.join(target).ok();
            match url {
                Some(u) if u.path() == CALLBACK_PATH => {
                    let got = u.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned());
                    if got.as_deref() != Some(state) {
                        refused.push(match got {
                            Some(other) => format!("state {:?}", other.chars().take(40).collect::<String>()),
                            None => "no state".to_owned(),
                        });
                        let page = page(
                            "Not this authorization",
                            "This response does not carry the state of the authorization mcpscope is waiting for (forged, or from an earlier attempt). It was ignored; mcpscope is still waiting.",
                        );
                        let _ = sock.write_all(response("400 Bad Request", &page).as_bytes()).await;
                        let _ = sock.shutdown().await;
                        continue;
                    }
                    let page =
                        page("Authorization received", "mcpscope has the response. You can close this tab.");
                    let _ = sock.write_all(response("200 OK", &page).as_bytes()).await;
                    let _ = sock.shutdown().await;
                    return Ok(Callback { url: u, refused });
                }
                _ => {
                    let _ = sock
                        .write_all(
                            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                }
            }
        }
    }
}

/// The authorization response, and the callbacks refused before it.
#[derive(Debug)]
pub struct Callback {
    pub url: Url,
    /// What was wrong with each callback refused while waiting (`state "x"`, `no state`).
    pub refused: Vec<String>,
}

fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>mcpscope</title>\
         <body style=\"font:15px system-ui;margin:3em\"><h3>{title}</h3><p>{text}</p>"
    )
}

fn response(status: &str, page: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\ncache-control: no-store\r\n\r\n{page}",
        page.len()
    )
}

/// Whether `url` is the redirect URI (same scheme, host, port and path), whatever its query.
pub fn is_redirect_target(url: &Url, redirect_uri: &Url) -> bool {
    url.scheme() == redirect_uri.scheme()
        && url.host_str() == redirect_uri.host_str()
        && url.port_or_known_default() == redirect_uri.port_or_known_default()
        && url.path() == redirect_uri.path()
}

/// Follows `authorize` with GETs (redirects captured, cookies kept per host) until a
/// `Location` points at `redirect_uri`, and returns that URL. Fails with the reason when the
/// server shows a page instead (a login form needs a person or the desktop flow).
pub async fn headless(http: &Http, authorize: &Url, redirect_uri: &Url) -> Result<Url> {
    let mut jar: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut url = authorize.clone();
    for _ in 0..MAX_HOPS {
        crate::urls::http_url("redirect", url.as_str())?;
        let host = url.host_str().unwrap_or("").to_owned();
        let mut rb = http.client.get(url.clone());
        if let Some(cookies) = jar.get(&host).filter(|c| !c.is_empty()) {
            let header = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            rb = rb.header("cookie", header);
        }
        let req = rb.build().map_err(|e| AuthError::Http { url: url.to_string(), reason: e.to_string() })?;
        let ex = http.send(req).await?;
        for set in ex.headers.get_all("set-cookie") {
            if let Ok(s) = set.to_str()
                && let Some((name, value)) = s.split(';').next().and_then(|kv| kv.split_once('='))
            {
                jar.entry(host.clone()).or_default().insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        if !(300..400).contains(&ex.status) {
            return Err(AuthError::Redirect(format!(
                "the authorization server answered HTTP {} at {} instead of redirecting back to {redirect_uri}; headless authorization needs a server that approves without a login page (use the desktop flow to log in by hand)",
                ex.status, ex.url
            )));
        }
        let location = ex.header("location").ok_or_else(|| {
            AuthError::Redirect(format!("HTTP {} at {} without a Location header", ex.status, ex.url))
        })?;
        let next = url
            .join(location)
            .map_err(|e| AuthError::Redirect(format!("Location {location:?} is not a URL: {e}")))?;
        if is_redirect_target(&next, redirect_uri) {
            return Ok(next);
        }
        url = next;
    }
    Err(AuthError::Redirect(format!("more than {MAX_HOPS} redirects without reaching {redirect_uri}")))
}

/// Opens `url` in the system browser: http and https only, started directly (never through a
/// shell, so nothing in the URL is interpreted).
pub fn open_in_browser(url: &Url) -> Result<()> {
    crate::urls::http_url("authorization URL", url.as_str())?;
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url.as_str())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|e| {
            AuthError::Redirect(format!("could not start the browser ({opener}): {e}; open {url} by hand"))
        })
}
