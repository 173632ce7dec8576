//! `mcpscope history …`: search, compare, export and prune the recorded sessions.

use std::io::Write;

use anyhow::{Context, bail};
use clap::Subcommand;
use mcpscope_proto::Record;
use serde_json::Value;

#[derive(Subcommand)]
pub(crate) enum HistoryCommand {
    /// Print the newest matching records as JSON lines, in the order they were stored. Query terms: method:tools/call
    /// status:error status:404 dur:>500ms server:<host> session:<id> kind:sse, and free text.
    Search {
        query: String,
        #[arg(long, default_value_t = 1000)]
        limit: u32,
    },
    /// Compare the tools, resources and prompts two sessions' servers listed (two versions
    /// of a server): each change by path; exit code 1 when they differ.
    Diff {
        /// The older session (an id, or `last`).
        old: String,
        /// The newer session (an id, or `last`).
        new: String,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List recorded sessions, newest first, as JSON lines.
    Sessions {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Print a recorded HTTP request as a curl command (secrets become $MCPSCOPE_… variables).
    Curl {
        /// A session id, or `last`.
        session: String,
        /// The record's sequence number (see `history search`).
        seq: u64,
    },
    /// Delete sessions older than a number of days, and the oldest beyond a size.
    Prune {
        #[arg(long = "older-than-days")]
        older_than_days: Option<u32>,
        /// Keep at most this many megabytes of records (the newest sessions).
        #[arg(long = "max-mb")]
        max_mb: Option<u32>,
    },
    /// Delete the whole history.
    Clear {
        /// Really: without it, only says what would be deleted.
        #[arg(long)]
        yes: bool,
    },
    /// A one-file bug report of a session (records, server, versions; credentials redacted,
    /// session ids masked). `--preview` lists what is redacted and writes nothing.
    Report {
        /// A session id (`ses_…`), or `last` for the newest.
        session: String,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o')]
        output: Option<std::path::PathBuf>,
        /// Only list what the report redacts or masks.
        #[arg(long)]
        preview: bool,
    },
    /// Export a session as HAR 1.2 (credentials stay redacted).
    Export {
        /// A session id (`ses_…`, see `history sessions`), or `last` for the newest.
        session: String,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'o')]
        output: Option<std::path::PathBuf>,
    },
}

/// `last` → the newest session's id; anything else as given.
pub(crate) async fn session_id(store: &mcpscope_store::Store, session: String) -> anyhow::Result<String> {
    if session != "last" {
        return Ok(session);
    }
    match store.sessions(1).await?.into_iter().next() {
        Some(s) => Ok(s.id),
        None => bail!("the history is empty: there is no last session"),
    }
}

pub(crate) async fn run(command: HistoryCommand) -> anyhow::Result<std::process::ExitCode> {
    let dir = mcpscope_store::default_data_dir();
    let store = mcpscope_store::Store::open_dir(&dir).await?;
    let mut out = std::io::stdout().lock();
    match command {
        HistoryCommand::Search { query, limit } => {
            for hit in store.search(&query, limit).await? {
                let hit = mcpscope_store::Hit { record: hit.record.with_message(), ..hit };
                writeln!(out, "{}", serde_json::to_string(&hit)?)?;
            }
        }
        HistoryCommand::Diff { old, new, json } => {
            let (old, new) = (session_id(&store, old).await?, session_id(&store, new).await?);
            let lists = mcpscope_session::replay::diff_sessions(&store, &old, &new).await?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&lists)?)?;
            }
            let mut differ = false;
            for l in &lists {
                differ |= !l.changes.is_empty() || l.missing.is_some();
                if json {
                    continue;
                }
                match (&l.missing, l.changes.len()) {
                    (Some(m), _) => writeln!(out, "? {}: {m}", l.method)?,
                    (None, 0) => writeln!(out, "= {}: the same", l.method)?,
                    (None, n) => writeln!(out, "~ {}: {n} changes", l.method)?,
                }
                for c in &l.changes {
                    let show = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
                    match c.kind {
                        mcpscope_proto::diff::ChangeKind::Added => {
                            writeln!(out, "    + {}: {}", c.path, show(&c.new))?
                        }
                        mcpscope_proto::diff::ChangeKind::Removed => {
                            writeln!(out, "    - {}: {}", c.path, show(&c.old))?
                        }
                        mcpscope_proto::diff::ChangeKind::Changed => {
                            writeln!(out, "    ~ {}: {} → {}", c.path, show(&c.old), show(&c.new))?
                        }
                    }
                }
            }
            if differ {
                return Ok(std::process::ExitCode::from(1));
            }
        }
        HistoryCommand::Sessions { limit } => {
            for s in store.sessions(limit).await? {
                writeln!(out, "{}", serde_json::to_string(&s)?)?;
            }
        }
        HistoryCommand::Prune { older_than_days, max_mb } => {
            if older_than_days.is_none() && max_mb.is_none() {
                bail!("say what to prune: --older-than-days N and/or --max-mb N");
            }
            let n = store.retain(older_than_days, max_mb, None).await?;
            writeln!(out, "pruned {n} sessions")?;
        }
        HistoryCommand::Clear { yes } => {
            let n = store.sessions(u32::MAX).await?.len();
            if !yes {
                bail!("this deletes all {n} sessions in {}; add --yes to do it", store.path().display());
            }
            let n = store.clear().await?;
            writeln!(out, "deleted {n} sessions")?;
        }
        HistoryCommand::Curl { session, seq } => {
            let id = session_id(&store, session).await?;
            let Some(record) = store.record(&id, seq).await? else {
                bail!("no record {seq} in session {id:?} (see `mcpscope history search session:{id}`)");
            };
            match mcpscope_session::export::curl(&record) {
                Some(cmd) => writeln!(out, "{cmd}")?,
                None => bail!("record {seq} is a {}, not an HTTP request", record.kind.label()),
            }
        }
        HistoryCommand::Report { session, output, preview } => {
            let id = session_id(&store, session).await?;
            let (report, redactions, count) = mcpscope_session::export::session_report(&store, &id).await?;
            if preview {
                for r in &redactions {
                    writeln!(out, "#{:<5} {:<28} → {}", r.seq, r.place, r.shown_as)?;
                }
                writeln!(
                    out,
                    "{} places redacted or masked; nothing written (drop --preview to write the report)",
                    redactions.len()
                )?;
                return Ok(std::process::ExitCode::SUCCESS);
            }
            let text = serde_json::to_string_pretty(&report)?;
            match &output {
                Some(path) => mcpscope_store::write_private(path, text.as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?,
                None => writeln!(out, "{text}")?,
            }
            eprintln!(
                "mcpscope: {} records, {} places redacted or masked (see \"redactions\" in the report)",
                count,
                redactions.len()
            );
        }
        HistoryCommand::Export { session, output } => {
            let id = session_id(&store, session).await?;
            let hits = store.search(&format!("session:{id}"), u32::MAX).await?;
            if hits.is_empty() {
                bail!("no session {id:?} in the history (see `mcpscope history sessions`)");
            }
            let records: Vec<Record> = hits.into_iter().map(|h| h.record).collect();
            let har = serde_json::to_string_pretty(&mcpscope_session::export::har(&records))?;
            match output {
                Some(path) => mcpscope_store::write_private(&path, har.as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?,
                None => writeln!(out, "{har}")?,
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
