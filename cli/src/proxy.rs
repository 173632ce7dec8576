//! `mcpscope proxy --upstream URL`: a local MCP endpoint for a real client (Claude Desktop,
//! Cursor, an agent in CI), forwarding to one upstream server and recording the client's
//! traffic in the history (source `proxy`), linted and trust-checked like mcpscope's own.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use mcpscope_proxy::{Proxy, ProxyOptions};
use mcpscope_session::trust::TrustBook;

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
    /// With --oauth, mcpscope authorizes upstream with its own OAuth client and holds the
    /// token: the client talks to the proxy without credentials (the client's own are
    /// dropped). Without it, credentials and the upstream's challenges pass through.
    #[command(flatten)]
    oauth: crate::OAuthArgs,
}

pub(crate) async fn run(args: ProxyArgs) -> anyhow::Result<std::process::ExitCode> {
    let headers = crate::parse_headers(&args.headers)?;
    let store = crate::open_history().await;
    let limits = crate::limits::LimitArgs::default().resolve(store.as_ref()).await?;
    let upstream = mcpscope_wire::redact_url(&args.upstream).into_owned();
    let recorder = match &store {
        Some(s) => match s.recorder(mcpscope_store::NewSession::new(upstream.clone(), "proxy")).await {
            Ok(r) => {
                r.limit_queue(limits.history_queue_records);
                Some(r)
            }
            Err(e) => {
                eprintln!("mcpscope: warning: not recording in the history: {e}");
                None
            }
        },
        None => None,
    };
    let book = TrustBook::load(store.as_ref(), &args.upstream).await;
    let mask = Arc::new(mcpscope_session::mask::Mask::default());
    mask.add(mcpscope_session::mask::header_secrets(&headers));
    let output = if args.jsonl { crate::Output::Jsonl } else { crate::Output::Lines };
    let sink = crate::masked_cli_sink(output, recorder.clone(), mask, Some(book.clone()));
    let capture = mcpscope_wire::Capture::with_limits(sink, limits);
    capture.redact_user_headers(headers.iter().map(|h| h.name.as_str()));
    let authorizer: Option<Arc<dyn mcpscope_wire::Authorizer>> =
        if args.oauth.oauth { Some(args.oauth.build(&args.upstream, &capture)?) } else { None };
    let opts = ProxyOptions {
        upstream: args.upstream.clone(),
        listen: args.listen,
        allow_remote: args.allow_remote,
        allowed_origins: args.allow_origins.clone(),
        headers,
        authorizer,
    };
    let proxy = Proxy::start(opts, capture).await?;
    // The client's lists are compared with the trusted version as they pass: changes on
    // stderr at once.
    let watch = book.watch(store.clone(), |report| crate::print_trust(&report));
    // The URL on stdout, alone on its line, for people and scripts.
    println!("{}", proxy.url());
    let _ = std::io::stdout().flush();
    eprintln!(
        "mcpscope: proxying {} → {upstream}; give your client the URL above. Ctrl+C stops.",
        proxy.url()
    );
    wait_for_stop().await;
    proxy.stop().await;
    watch.abort();
    crate::finish_recording(store.as_ref(), recorder.as_ref()).await;
    if let Some(report) = book.settle(store.as_ref()).await {
        crate::print_trust(&report);
    }
    if let Some(r) = &recorder {
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
