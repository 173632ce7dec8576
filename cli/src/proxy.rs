//! `mcpscope proxy --upstream URL`: a local MCP endpoint for a real client (Claude Desktop,
//! Cursor, an agent in CI), forwarding to one upstream server and recording the client's
//! traffic in the history (source `proxy`), linted and trust-checked like mcpscope's own.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use mcpscope_proto::{Direction, Record, RpcKind};
use mcpscope_proxy::{Proxy, ProxyOptions};
use mcpscope_session::trust::TrustBook;
use mcpscope_wire::RecordSink;

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

/// One line per JSON-RPC message on stderr: what the client and the server said.
struct Lines(Arc<dyn RecordSink>);

impl Lines {
    fn print(record: &Record) {
        let Some(rpc) = &record.rpc else { return };
        let arrow = if record.direction == Direction::Out { "→" } else { "←" };
        let what = match rpc.kind {
            RpcKind::Request | RpcKind::Notification => rpc.method.clone().unwrap_or_default(),
            RpcKind::Result => "result".to_owned(),
            RpcKind::Error => format!("error {}", rpc.error_code.unwrap_or_default()),
            RpcKind::Batch => "batch".to_owned(),
        };
        let id = rpc.id.as_deref().map(|i| format!(" #{i}")).unwrap_or_default();
        let latency = rpc.latency_us.map(|us| format!(" ({:.1} ms)", us as f64 / 1000.0)).unwrap_or_default();
        let lint = match record.lint.iter().filter(|v| v.is_finding()).count() {
            0 => String::new(),
            n => format!(
                "  [{n} lint: {}]",
                record.lint.iter().map(|v| v.rule.as_str()).collect::<Vec<_>>().join(", ")
            ),
        };
        let line = format!("{arrow} {what}{id}{latency}{lint}");
        let _ = writeln!(std::io::stderr().lock(), "{}", mcpscope_proto::printable(&line));
    }
}

impl RecordSink for Lines {
    fn record(&self, record: Record) {
        Self::print(&record);
        self.0.record(record);
    }
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
    let sink = crate::masked_cli_sink(args.jsonl, recorder.clone(), mask, Some(book.clone()));
    let sink: Arc<dyn RecordSink> = if args.jsonl { sink } else { Arc::new(Lines(sink)) };
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
    // The URL on stdout, alone on its line, for people and scripts.
    println!("{}", proxy.url());
    let _ = std::io::stdout().flush();
    eprintln!(
        "mcpscope: proxying {} → {upstream}; give your client the URL above. Ctrl+C stops.",
        proxy.url()
    );
    wait_for_stop().await;
    proxy.stop().await;
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
