//! `mcpscope trust URL`: show what a server lists against the version you trusted, and trust
//! its current version (or forget it).

use std::sync::Arc;

use mcpscope_session::trust::{TrustBook, list_offered};
use mcpscope_wire::{ConnectOptions, Connection, DefaultHandler};

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
    let book = TrustBook::load(Some(&store), &args.url).await;
    if args.forget {
        let n = store.forget_pins(book.server()).await?;
        println!("forgot {n} pinned entries of {}", book.server());
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let mut opts = ConnectOptions::new(&args.url);
    opts.open_get_stream = false;
    opts.headers.extend(crate::parse_headers(&args.headers)?);
    let limits = crate::limits::LimitArgs::default().resolve(Some(&store)).await?;
    let recorder = crate::cli_recorder(Some(&store), &args.url, None, &limits).await;
    let mask = Arc::new(mcpscope_session::mask::Mask::default());
    mask.add(mcpscope_session::mask::header_secrets(&opts.headers));
    let sink = crate::masked_cli_sink(crate::Output::Quiet, recorder.clone(), mask, Some(book.clone()));
    let capture = mcpscope_wire::Capture::with_limits(sink, limits);
    if args.oauth.oauth {
        opts.authorizer = Some(args.oauth.build(&args.url, &capture)?);
    }
    let conn = Connection::connect_with_capture(opts, capture, Arc::new(DefaultHandler))
        .await
        .map_err(crate::connect_error(&args.url))?;
    list_offered(&conn).await;
    conn.close().await;
    crate::finish_recording(Some(&store), recorder.as_ref()).await;
    let report = book.settle(Some(&store)).await.unwrap_or_else(|| book.report());
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
