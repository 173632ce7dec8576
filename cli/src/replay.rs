//! `mcpscope replay SESSION [SEQ]`: send recorded requests again and show what changed.

use std::sync::Arc;

use anyhow::{Context, bail};
use mcpscope_proto::ConnectRequest;
use mcpscope_wire::DefaultHandler;
use serde_json::Value;

#[derive(clap::Args)]
pub(crate) struct ReplayArgs {
    /// A session id (`ses_…`), or `last`.
    session: String,
    /// The request's sequence number in that session (see `history search`).
    #[arg(required_unless_present = "all")]
    seq: Option<u64>,
    /// Replay every client request of the session, in order (exit code 1 when any answer
    /// differs from the recorded one).
    #[arg(long, conflicts_with = "params")]
    all: bool,
    /// Send to this server instead of the session's (e.g. a new version of it).
    #[arg(long)]
    url: Option<String>,
    /// Replace the recorded params (JSON).
    #[arg(long)]
    params: Option<String>,
    /// An extra header, 'Name: value' (repeatable; recorded credentials were redacted).
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
    /// Print the whole outcome as JSON instead of a readable diff.
    #[arg(long)]
    json: bool,
    /// Leave the replay out of the history (without it, the replay is a session of its own).
    #[arg(long = "no-history")]
    no_history: bool,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

pub(crate) async fn run(args: ReplayArgs) -> anyhow::Result<std::process::ExitCode> {
    let ReplayArgs { session, seq, all, url, params, headers, json, no_history, limits: limit_args } = args;
    let seq = if all { None } else { seq };
    let params: Option<Value> = match &params {
        Some(p) => Some(serde_json::from_str(p).with_context(|| format!("--params is not valid JSON: {p}"))?),
        None => None,
    };
    let store = mcpscope_store::Store::open_dir(&mcpscope_store::default_data_dir()).await?;
    let id = crate::history::session_id(&store, session).await?;
    let Some(recorded) = store.session(&id).await? else {
        bail!("no session {id:?} in the history (see `mcpscope history sessions`)");
    };
    // Check the record(s) before connecting: a wrong seq is the user's mistake, not the server's.
    match seq {
        Some(seq) => drop(mcpscope_session::replay::recorded_request(&store, &id, seq).await?),
        None => {
            if mcpscope_session::replay::session_requests(&store, &id).await?.is_empty() {
                bail!("session {id} has no client requests to replay");
            }
        }
    }
    let target = url.unwrap_or(recorded.url);
    let req = ConnectRequest {
        url: target.clone(),
        headers: crate::parse_headers(&headers)?,
        no_history,
        ..ConnectRequest::default()
    };
    let limits = limit_args.resolve(Some(&store)).await?;
    let engine = crate::engine::engine(Some(store.clone()), None);
    let builder = engine.session(&req).without_trust().limits(limits);
    let live = crate::engine::start(builder, crate::Output::Quiet).await?;
    let conn = live
        .connect(live.connect_options(&req), Arc::new(DefaultHandler))
        .await
        .map_err(crate::connect_error(&target))?;
    let Some(seq) = seq else {
        let steps = mcpscope_session::replay::replay_session(&store, &conn, &id).await;
        conn.close().await;
        live.end_history().await;
        return print_replay_steps(&steps?, json);
    };
    let outcome = mcpscope_session::replay::replay(&store, &conn, &id, seq, params).await;
    conn.close().await;
    live.end_history().await;
    let outcome = outcome?;
    if json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else if outcome.original.is_none() {
        println!("{}", serde_json::to_string_pretty(&outcome.response)?);
        eprintln!("mcpscope: the history has no response to request {seq}: nothing to compare");
    } else if outcome.changes.is_empty() {
        println!("same answer as recorded ({} {})", outcome.method, id);
    } else {
        use mcpscope_proto::diff::ChangeKind;
        for c in &outcome.changes {
            let show = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
            match c.kind {
                ChangeKind::Changed => println!("~ {}: {} → {}", c.path, show(&c.old), show(&c.new)),
                ChangeKind::Added => println!("+ {}: {}", c.path, show(&c.new)),
                ChangeKind::Removed => println!("- {}: {}", c.path, show(&c.old)),
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// A whole session replayed: one line per request (`=` same answer, `~` changed, `!` failed),
/// the changes under it; exit code 1 when any answer differs or failed.
fn print_replay_steps(
    steps: &[mcpscope_proto::ReplayStep],
    json: bool,
) -> anyhow::Result<std::process::ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(steps)?);
    }
    let mut differ = 0;
    for s in steps {
        let (mark, what) = match (&s.replay, &s.error) {
            (_, Some(e)) => ("!", format!("failed: {e}")),
            (Some(r), None) if r.original.is_none() => ("?", "no recorded answer to compare".to_owned()),
            (Some(r), None) if r.changes.is_empty() => ("=", "same answer".to_owned()),
            (Some(r), None) => ("~", format!("{} changes", r.changes.len())),
            (None, None) => ("?", String::new()),
        };
        if matches!(mark, "!" | "~") {
            differ += 1;
        }
        if !json {
            println!("{mark} #{:<5} {:<28} {what}", s.seq, s.method);
            for c in s.replay.iter().flat_map(|r| &r.changes) {
                let show = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
                println!("      {}: {} → {}", c.path, show(&c.old), show(&c.new));
            }
        }
    }
    if !json {
        println!("{} requests replayed, {differ} differ from the recording", steps.len());
    }
    Ok(if differ > 0 { std::process::ExitCode::from(1) } else { std::process::ExitCode::SUCCESS })
}
