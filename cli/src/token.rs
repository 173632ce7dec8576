//! `mcpscope token URL`: authorize (or use the stored token) and print it decoded, checked.

use std::io::Write;
use std::sync::Arc;

use anyhow::bail;
use mcpscope_proto::{AuthRequest, ConnectRequest};
use mcpscope_wire::DefaultHandler;

pub(crate) async fn run(
    url: String,
    oauth: crate::OAuthArgs,
    json: bool,
    reveal: bool,
    logout: bool,
) -> anyhow::Result<std::process::ExitCode> {
    // Nothing is recorded: the exchanges are the token's, shown decoded below.
    let engine = crate::engine::engine(None, Some(&oauth));
    let req = ConnectRequest {
        url: url.clone(),
        auth: AuthRequest { oauth: true, ..oauth.auth_request() },
        ..ConnectRequest::default()
    };
    let live = engine.session(&req).without_trust().start(|_| mcpscope_wire::NullSink).await?;
    let Some(client) = live.oauth().cloned() else {
        bail!("no OAuth client was made for {url}");
    };
    if logout {
        client.logout().await?;
        eprintln!("mcpscope: forgot the tokens of {url} ({})", client.store_description());
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let mut opts = live.connect_options(&req);
    opts.open_get_stream = false;
    // Connecting runs the flow when the server asks (or uses the stored token).
    let conn = live.connect(opts, Arc::new(DefaultHandler)).await.map_err(crate::connect_error(&url))?;
    conn.close().await;
    let reports = client.inspect().await;
    if reports.is_empty() {
        bail!("the server asked for no token, so there is none to inspect");
    }
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&reports)?)?;
    } else {
        for r in &reports {
            writeln!(
                out,
                "{} ({})  [{}]",
                r.role,
                if r.jwt { "JWT" } else { "opaque" },
                r.verdict().label()
            )?;
            if let Some(h) = &r.header {
                writeln!(out, "  header  {h}")?;
            }
            if let Some(c) = &r.claims {
                writeln!(
                    out,
                    "  claims  {}",
                    serde_json::to_string_pretty(c)?.replace('\n', "\n          ")
                )?;
            }
            if let Some(at) = r.expires_at {
                let left = at - mcpscope_auth::jwt::now();
                let when = if left >= 0 {
                    format!("in {}", mcpscope_auth::jwt::human(left))
                } else {
                    format!("{} ago", mcpscope_auth::jwt::human(left))
                };
                writeln!(out, "  expires {} ({when})", mcpscope_proto::time::rfc3339(at * 1_000_000))?;
            }
            for c in &r.checks {
                writeln!(out, "  {:>4}  {}  ({})", c.verdict.label(), c.message, c.rule)?;
            }
        }
        writeln!(out, "tokens are kept in {}", client.store_description())?;
    }
    if reveal && let Some(t) = client.tokens().await {
        writeln!(out, "{}", t.access_token)?;
    }
    let failed = reports.iter().any(|r| r.verdict() == mcpscope_proto::auth::Verdict::Fail);
    Ok(if failed { std::process::ExitCode::from(1) } else { std::process::ExitCode::SUCCESS })
}
