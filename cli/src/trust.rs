//! `mcpscope trust URL`: show what a server lists against the version you trusted, and trust
//! its current version (or forget it).

use std::sync::Arc;

use mcpscope_proto::ConnectRequest;
use mcpscope_session::trust::{TrustBook, list_offered};
use mcpscope_wire::DefaultHandler;

#[derive(clap::Args)]
pub(crate) struct TrustArgs {
    /// The MCP endpoint whose current tools, prompts and resource templates to trust.
    url: String,
    /// An extra header, 'Name: value' (repeatable).
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// Only show what changed; trust nothing (exit 1 when something changed).
    #[arg(long)]
    check: bool,
    /// Forget every pin of this server instead: the next connection pins afresh.
    #[arg(long, conflicts_with = "check")]
    forget: bool,
    #[command(flatten)]
    oauth: crate::OAuthArgs,
}

pub(crate) async fn run(args: TrustArgs) -> anyhow::Result<std::process::ExitCode> {
    let Some(store) = crate::open_history().await else {
        anyhow::bail!("trust decisions live in the history database, which could not be opened");
    };
    if args.forget {
        let book = TrustBook::load(Some(&store), &args.url).await;
        let n = store.forget_pins(book.server()).await?;
        println!("forgot {n} pinned entries of {}", book.server());
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let req = ConnectRequest {
        url: args.url.clone(),
        headers: crate::parse_headers(&args.headers)?,
        auth: args.oauth.auth_request(),
        ..ConnectRequest::default()
    };
    let limits = crate::limits::LimitArgs::default().resolve(Some(&store)).await?;
    let engine = crate::engine::engine(Some(store.clone()), Some(&args.oauth));
    let live = crate::engine::start(engine.session(&req).limits(limits), crate::Output::Quiet).await?;
    let mut opts = live.connect_options(&req);
    opts.open_get_stream = false;
    let conn = live.connect(opts, Arc::new(DefaultHandler)).await.map_err(crate::connect_error(&args.url))?;
    list_offered(&conn).await;
    conn.close().await;
    // The live session's book (trust is on: the builder's default) saw the lists.
    let book = live.trust().cloned().ok_or_else(|| anyhow::anyhow!("the session has no trust book"))?;
    let report = live.finish().await.unwrap_or_else(|| book.report());
    if report.changes.is_empty() {
        match report.first_pinned {
            0 => println!("{}: nothing changed since you trusted it", book.server()),
            n => println!("{}: first seen now; pinned its current version ({n} entries)", book.server()),
        }
        return Ok(std::process::ExitCode::SUCCESS);
    }
    crate::print_trust_changes(&report);
    if args.check {
        return Ok(std::process::ExitCode::from(1));
    }
    let n = book.trust_current(&store).await?;
    println!("trusted the current version of {} ({n} entries)", book.server());
    Ok(std::process::ExitCode::SUCCESS)
}
