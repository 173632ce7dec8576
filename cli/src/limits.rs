//! The limits on what a server may send (`mcpscope_proto::Limits`): flags on every command
//! that connects, over the saved setting (shared with the window), over the defaults; and
//! `mcpscope limits` to show or save them.

use std::process::ExitCode;

use anyhow::Context;
use mcpscope_proto::Limits;
use mcpscope_proto::limits::format_size;

/// Flags that override the saved limits for one command.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct LimitArgs {
    /// The most of a response body read (e.g. 64MiB); past it the body is cut and flagged.
    #[arg(long = "max-body", value_name = "SIZE")]
    max_body: Option<String>,
    /// The most one SSE frame may grow before its blank line (e.g. 16MiB).
    #[arg(long = "max-sse-frame", value_name = "SIZE")]
    max_sse_frame: Option<String>,
    /// The most of an authorization document (metadata, JWKS, token response) read.
    #[arg(long = "max-auth-body", value_name = "SIZE")]
    max_auth_body: Option<String>,
    /// Records kept in memory (the window's timeline; older ones stay in the history).
    #[arg(long = "max-timeline", value_name = "N")]
    max_timeline: Option<String>,
    /// Records waiting to be written to the history; past it they are not stored and the
    /// history notes the gap.
    #[arg(long = "max-history-queue", value_name = "N")]
    max_history_queue: Option<String>,
    /// Server requests waiting for an answer at once; past it the server gets an error.
    #[arg(long = "max-pending", value_name = "N")]
    max_pending: Option<String>,
    /// Rows the window's live view keeps while it follows the newest (older ones load back
    /// from the history when scrolled to); a setting of the window, saved with `--save`.
    #[arg(long = "max-window", value_name = "N")]
    max_window: Option<String>,
}

impl LimitArgs {
    fn given(&self) -> [(&'static str, Option<&String>); 7] {
        [
            ("max-body", self.max_body.as_ref()),
            ("max-sse-frame", self.max_sse_frame.as_ref()),
            ("max-auth-body", self.max_auth_body.as_ref()),
            ("max-timeline", self.max_timeline.as_ref()),
            ("max-history-queue", self.max_history_queue.as_ref()),
            ("max-pending", self.max_pending.as_ref()),
            ("max-window", self.max_window.as_ref()),
        ]
    }

    /// `base` with the flags given applied; a bad value is an error naming the flag.
    pub fn apply(&self, mut base: Limits) -> anyhow::Result<Limits> {
        for (flag, value) in self.given() {
            if let Some(v) = value {
                base.set_text(flag, v).map_err(anyhow::Error::msg)?;
            }
        }
        Ok(base)
    }

    /// The limits for this command: the flags over the saved setting over the defaults.
    pub async fn resolve(&self, store: Option<&mcpscope_store::Store>) -> anyhow::Result<Limits> {
        self.apply(mcpscope_session::limits(store).await)
    }
}

/// `mcpscope limits`: print the limits in force; with flags and `--save`, save them for the
/// window and every later command; `--reset` goes back to the defaults.
pub async fn manage(args: LimitArgs, save: bool, reset: bool) -> anyhow::Result<ExitCode> {
    let store = crate::open_history().await;
    let limits = if reset {
        let db = store.as_ref().context("the limits are a setting of the history database")?;
        mcpscope_session::set_limits(db, None).await?
    } else {
        let limits = args.resolve(store.as_ref()).await?;
        if save {
            let db = store.as_ref().context("the limits are a setting of the history database")?;
            mcpscope_session::set_limits(db, Some(limits)).await?;
        }
        limits
    };
    let defaults = Limits::default();
    for (i, info) in Limits::INFO.iter().enumerate() {
        let show = |v: u64| if info.bytes { format_size(v) } else { v.to_string() };
        let value = limits.get(i);
        let note = if value == defaults.get(i) { "  (default)".to_owned() } else { String::new() };
        println!("{:<26} {:<12} --{}{note}", info.label, show(value), info.flag);
    }
    if save || reset {
        eprintln!("saved: the window and later commands use these limits from their next connection");
    }
    Ok(ExitCode::SUCCESS)
}
