//! `mcpscope`: the command line, a thin shell over the same engine as the desktop app.
//!
//! This file holds the command tree and `main`; each subcommand with logic of its own is a
//! module, and `engine` is what they share: the engine's live session, the OAuth flags, how
//! records are printed.

mod call;
mod collections;
mod conformance;
mod engine;
mod history;
mod limits;
mod proxy;
mod replay;
mod token;
mod trust;

use std::io::Write;

use anyhow::Context;
use clap::{Parser, Subcommand};
pub(crate) use engine::{
    OAuthArgs, Output, connect_error, open_history, parse_headers, print_trust, print_trust_changes,
};

#[derive(Parser)]
#[command(name = "mcpscope", version, about = "Inspect and debug MCP servers over HTTP")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Connect, perform one JSON-RPC call and print its result.
    Call(call::CallArgs),
    /// Compare a server's tools, prompts and resource templates with the version you trusted,
    /// and trust its current version (a tool that changed after you approved it is reported
    /// by every command until you do).
    Trust(trust::TrustArgs),
    /// Serve a local MCP endpoint that forwards a real client's traffic to one upstream
    /// server, recording it in the history (source `proxy`) as it passes.
    Proxy(proxy::ProxyArgs),
    /// Client side of the npm conformance suite (`@modelcontextprotocol/conformance`):
    /// the scenario comes from MCP_CONFORMANCE_SCENARIO.
    Conformance {
        /// The server URL (the suite appends it as the last argument).
        url: String,
    },
    /// Search the history every call and every app session is recorded in.
    History {
        #[command(subcommand)]
        command: history::HistoryCommand,
    },
    /// Run a collection of saved requests with their assertions; exit 1 if any fails.
    Run(collections::RunArgs),
    /// Manage collections: the folder they live in, their secrets, import and export.
    Collection {
        #[command(subcommand)]
        command: collections::CollectionCommand,
    },
    /// Send a recorded request again and show how the answer differs from the recorded one.
    Replay(replay::ReplayArgs),
    /// Print the limits on what a server may send (body and frame sizes, records in memory,
    /// the history's write queue, server requests waiting); save new ones for the window and
    /// later commands with --save.
    Limits {
        #[command(flatten)]
        limits: limits::LimitArgs,
        /// Save the limits given as flags (the others keep their saved value).
        #[arg(long)]
        save: bool,
        /// Forget the saved limits: back to the defaults.
        #[arg(long, conflicts_with = "save")]
        reset: bool,
    },
    /// Authorize with OAuth (or use the stored token) and print the access token decoded,
    /// with every check's verdict: signature (JWKS), audience, issuer, expiry, scopes.
    Token {
        /// The MCP endpoint.
        url: String,
        #[command(flatten)]
        oauth: OAuthArgs,
        /// Print the reports as JSON.
        #[arg(long)]
        json: bool,
        /// Also print the access token itself (it is a credential).
        #[arg(long)]
        reveal: bool,
        /// Forget this server's stored tokens instead.
        #[arg(long)]
        logout: bool,
    },
    /// List the servers of an MCP client's configuration file (Claude Desktop or Cursor
    /// `mcpServers`, VS Code `servers`, the MCP Inspector's config, a registry server.json).
    Servers {
        file: std::path::PathBuf,
        /// One JSON object per server instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Serve the built-in demo MCP server on a loopback port until interrupted.
    Demo {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 3001)]
        port: u16,
        /// No sessions: every request stands alone (GET and DELETE answer 405).
        #[arg(long)]
        stateless: bool,
        /// Answer with JSON bodies instead of SSE streams where possible (stateless only).
        #[arg(long)]
        json: bool,
    },
}

/// mimalloc: the engine allocates a few small strings per captured record; a flood of
/// notifications spends a quarter of its time in the system allocator otherwise.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // 4 KiB pages: a flood's fresh memory is not zeroed 2 MiB at a time.
    mcpscope_session::small_pages();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MCPSCOPE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // `--version`: the commit and the protocols too.
    let about = mcpscope_proto::About {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: env!("MCPSCOPE_COMMIT").to_owned(),
        protocols: mcpscope_proto::PROTOCOL_VERSIONS.iter().map(|v| (*v).to_owned()).collect(),
        data_dir: mcpscope_store::default_data_dir().display().to_string(),
    };
    let version: &'static str = Box::leak(about.version_text().into_boxed_str());
    let matches = <Cli as clap::CommandFactory>::command().version(version).get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Commands that connect start building the TLS settings now (they read the system's CA
    // bundle), while the history opens.
    if matches!(
        cli.command,
        Command::Call(_)
            | Command::Conformance { .. }
            | Command::Token { .. }
            | Command::Run(_)
            | Command::Replay(_)
            | Command::Trust(_)
            | Command::Proxy(_)
    ) {
        mcpscope_wire::tls::warm_up();
    }
    let result = match cli.command {
        Command::Call(args) => call::run(args).await,
        Command::Trust(args) => trust::run(args).await,
        Command::Proxy(args) => proxy::run(args).await,
        Command::Conformance { url } => conformance::run(&url).await,
        Command::Token { url, oauth, json, reveal, logout } => {
            token::run(url, oauth, json, reveal, logout).await
        }
        Command::Demo { port, stateless, json } => demo(port, stateless, json).await,
        Command::Servers { file, json } => servers(&file, json),
        Command::History { command } => history::run(command).await,
        Command::Run(args) => collections::run(args).await,
        Command::Collection { command } => collections::manage(command).await,
        Command::Replay(args) => replay::run(args).await,
        Command::Limits { limits, save, reset } => limits::manage(limits, save, reset).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Errors carry server text (bodies, descriptions): no terminal control gets through.
            eprintln!("mcpscope: {}", mcpscope_proto::printable(&format!("{e:#}")));
            std::process::ExitCode::from(2)
        }
    }
}

/// `mcpscope servers FILE`: what an MCP client's configuration file holds, and how to reach it.
fn servers(file: &std::path::Path, json: bool) -> anyhow::Result<std::process::ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let entries =
        mcpscope_proto::servers::import(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut out = std::io::stdout().lock();
    for e in &entries {
        if json {
            writeln!(out, "{}", serde_json::to_string(e)?)?;
            continue;
        }
        let transport = match e.transport {
            mcpscope_proto::TransportChoice::Auto => "auto",
            mcpscope_proto::TransportChoice::Streamable => "streamable",
            mcpscope_proto::TransportChoice::Sse => "sse",
        };
        let headers =
            if e.headers.is_empty() { String::new() } else { format!("  ({} headers)", e.headers.len()) };
        match (&e.url, &e.note) {
            (Some(url), None) => writeln!(out, "{:<24} {transport:<10} {url}{headers}", e.name)?,
            (Some(url), Some(note)) => {
                writeln!(out, "{:<24} {transport:<10} {url}{headers}  — {note}", e.name)?
            }
            (None, note) => writeln!(out, "{:<24} {:<10} — {}", e.name, "-", note.as_deref().unwrap_or(""))?,
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn demo(port: u16, stateless: bool, json: bool) -> anyhow::Result<std::process::ExitCode> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let opts = mcpscope_demo::DemoOptions { stateful: !stateless, json_response: json };
    let server = mcpscope_demo::DemoServer::start(addr, opts).await?;
    println!("mcpscope demo server: {}", server.url());
    println!("press Ctrl+C to stop");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl+C")?;
    server.shutdown().await;
    Ok(std::process::ExitCode::SUCCESS)
}
