//! `mcpscope proxy --upstream URL`: a local MCP endpoint for a real client (Claude Desktop,
//! Cursor, an agent in CI), forwarding to one upstream server and recording the client's
//! traffic in the history (source `proxy`), linted and trust-checked like mcpscope's own.

use std::io::Write as _;
use std::net::SocketAddr;

use mcpscope_proto::ConnectRequest;
use mcpscope_proxy::{Proxy, ProxyOptions};

#[derive(clap::Args)]
pub(crate) struct ProxyArgs {
    /// The MCP server to forward to, e.g. http://127.0.0.1:3001/mcp (Streamable HTTP).
    #[arg(long)]
    upstream: String,
    /// Where to listen: a loopback address (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Listen on a non-loopback address too (anyone who reaches it uses your upstream and
    /// the headers you give).
    #[arg(long)]
    allow_remote: bool,
    /// Accept requests from this web origin (a browser-based client), e.g.
    /// http://localhost:5173 (repeatable); others are refused.
    #[arg(long = "allow-origin")]
    allow_origins: Vec<String>,
    /// A header added to every forwarded request, 'Name: value' (repeatable): e.g. the
    /// upstream's Authorization, so that the client needs none.
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// Print every captured record as a JSON line instead of one line per message.
    #[arg(long)]
    jsonl: bool,
    /// Leave the proxied traffic out of the history: shown on the terminal (or as --jsonl)
    /// only, nothing written to the database.
    #[arg(long = "no-history")]
    no_history: bool,
    /// With --oauth, mcpscope authorizes upstream with its own OAuth client and holds the
    /// token: the client talks to the proxy without credentials (the client's own are
    /// dropped). Without it, credentials and the upstream's challenges pass through.
    #[command(flatten)]
    oauth: crate::OAuthArgs,
}

pub(crate) async fn run(args: ProxyArgs) -> anyhow::Result<std::process::ExitCode> {
    let req = ConnectRequest {
        url: args.upstream.clone(),
        headers: crate::parse_headers(&args.headers)?,
        auth: args.oauth.auth_request(),
        no_history: args.no_history,
        ..ConnectRequest::default()
    };
    let store = crate::open_history().await;
    let limits = crate::limits::LimitArgs::default().resolve(store.as_ref()).await?;
    let upstream = mcpscope_wire::redact_url(&args.upstream).into_owned();
    let engine = crate::engine::engine(store.clone(), Some(&args.oauth));
    let output = if args.jsonl { crate::Output::Jsonl } else { crate::Output::Lines };
    let live = crate::engine::start(engine.session(&req).source("proxy").limits(limits), output).await?;
    let opts = ProxyOptions {
        upstream: args.upstream.clone(),
        listen: args.listen,
        allow_remote: args.allow_remote,
        allowed_origins: args.allow_origins.clone(),
        headers: req.headers.clone(),
        authorizer: live.authorizer(),
    };
    let proxy = Proxy::start(opts, live.capture().clone()).await?;
    // The client's lists are compared with the trusted version as they pass: changes on
    // stderr at once.
    let watch = live.trust().map(|book| book.watch(store.clone(), |report| crate::print_trust(&report)));
    // The URL on stdout, alone on its line, for people and scripts.
    println!("{}", proxy.url());
    let _ = std::io::stdout().flush();
    let recorded = if live.recorder().is_some() { "" } else { " (not recorded in the history)" };
    eprintln!(
        "mcpscope: proxying {} → {upstream}{recorded}; give your client the URL above. Ctrl+C stops.",
        proxy.url()
    );
    wait_for_stop().await;
    proxy.stop().await;
    if let Some(watch) = watch {
        watch.abort();
    }
    if let Some(report) = live.finish().await {
        crate::print_trust(&report);
    }
    if let Some(r) = live.recorder() {
        eprintln!(
            "mcpscope: recorded as {} (mcpscope history search session:{})",
            r.session_id(),
            r.session_id()
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Ctrl+C, or SIGTERM on Unix (a service manager, a test).
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
