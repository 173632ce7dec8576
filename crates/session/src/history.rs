//! The engine's history: search, stored records and sessions, replay, comparison, exports
//! (HAR, curl, the bug report) and retention.

use mcpscope_proto::{HistoryHit, Record, SessionInfo};
use mcpscope_store::Store;
use serde_json::Value;

use crate::{Engine, Result, SessionError, export, replay};

/// Writes `text` to `path`, creating its folder.
pub(crate) fn write_file(path: &std::path::Path, text: &str) -> Result<()> {
    mcpscope_store::write_private(path, text.as_bytes())
        .map_err(|source| SessionError::Write { path: path.to_owned(), source })
}

/// Where the window's exports go: `<data dir>/exports/<file>`.
pub(crate) fn export_path(file: &str) -> std::path::PathBuf {
    mcpscope_store::default_data_dir().join("exports").join(file)
}

impl Engine {
    /// Waits until every record captured so far is in the history database.
    pub async fn flush_history(&self) {
        if let Some(live) = self.live_session() {
            live.flush().await;
        }
    }

    pub(crate) fn history(&self) -> Result<&Store> {
        self.store.as_ref().ok_or(SessionError::NoHistory)
    }

    /// The newest `limit` records of the history matching `query` (the language of
    /// `mcpscope_store::search`), in the order they were stored.
    pub async fn history_search(&self, query: &str, limit: u32) -> Result<Vec<HistoryHit>> {
        self.flush_history().await;
        let hits = self.history()?.search(query, limit).await?;
        Ok(hits
            .into_iter()
            .map(|h| HistoryHit {
                session_id: h.session_id,
                at_us: h.record.at_us,
                summary: h.record.summary(),
            })
            .collect())
    }

    /// One record of the history, its message decoded.
    pub async fn history_record(&self, session_id: &str, seq: u64) -> Result<Option<Record>> {
        Ok(self.history()?.record(session_id, seq).await?.map(Record::with_message))
    }

    /// Stored sessions, newest first.
    pub async fn history_sessions(&self, limit: u32) -> Result<Vec<SessionInfo>> {
        self.flush_history().await;
        Ok(self.history()?.sessions(limit).await?)
    }

    /// Sends recorded request `seq` of `session_id` again on the live session (with `params`
    /// instead of the recorded ones when given) and diffs the answer with the recorded one.
    pub async fn replay(&self, session_id: &str, seq: u64, params: Option<Value>) -> Result<replay::Replay> {
        let conn = self.conn()?;
        self.flush_history().await;
        replay::replay(self.history()?, &conn, session_id, seq, params).await
    }

    /// Replays every client request of stored session `session_id` on the live session, in
    /// order, each diffed against its recorded answer.
    pub async fn replay_session(&self, session_id: &str) -> Result<Vec<mcpscope_proto::ReplayStep>> {
        let conn = self.conn()?;
        self.flush_history().await;
        replay::replay_session(self.history()?, &conn, session_id).await
    }

    /// A one-file bug report of stored session `session_id` and what is redacted in it
    /// ([`export::bug_report`]); with `write`, also saved as
    /// `<data dir>/reports/<session>.json`, whose path is returned.
    pub async fn bug_report(&self, session_id: &str, write: bool) -> Result<mcpscope_proto::BugReport> {
        self.bug_report_to(session_id, write, None).await
    }

    /// [`Engine::bug_report`], written to `dest` (a path the shell has checked) instead of
    /// `<data dir>/reports/<id>.json` when given.
    pub async fn bug_report_to(
        &self,
        session_id: &str,
        write: bool,
        dest: Option<&std::path::Path>,
    ) -> Result<mcpscope_proto::BugReport> {
        self.flush_history().await;
        let (report, redactions, _) = export::session_report(self.history()?, session_id).await?;
        if !write {
            return Ok(mcpscope_proto::BugReport { redactions, path: None });
        }
        let path = match dest {
            Some(d) => d.to_path_buf(),
            None => mcpscope_store::default_data_dir().join("reports").join(format!("{session_id}.json")),
        };
        let text = serde_json::to_string_pretty(&report)?;
        write_file(&path, &text)?;
        Ok(mcpscope_proto::BugReport { redactions, path: Some(path.display().to_string()) })
    }

    /// The tools/resources/prompts lists of two stored sessions compared (`old` → `new`).
    pub async fn diff_sessions(&self, old: &str, new: &str) -> Result<Vec<mcpscope_proto::ListDiff>> {
        self.flush_history().await;
        replay::diff_sessions(self.history()?, old, new).await
    }

    /// The session being recorded now, which retention never deletes.
    fn recording(&self) -> Option<String> {
        self.live_session()?.recorder().map(|r| r.session_id().to_owned())
    }

    /// Deletes stored sessions that started more than `days` ago and then, while the records
    /// take more than `max_mb`, the oldest; never the session being recorded. Returns how many
    /// sessions went.
    pub async fn history_prune(&self, days: Option<u32>, max_mb: Option<u32>) -> Result<u64> {
        self.flush_history().await;
        Ok(self.history()?.retain(days, max_mb, self.recording().as_deref()).await?)
    }

    /// Deletes every stored session but the one being recorded.
    pub async fn history_clear(&self) -> Result<u64> {
        self.flush_history().await;
        let store = self.history()?;
        Ok(match self.recording() {
            Some(live) => store.prune(Some(i64::MAX), None, Some(&live)).await?,
            None => store.clear().await?,
        })
    }

    /// A stored session written as HAR 1.2 to `<data dir>/exports/<session>.har`; returns the
    /// path.
    pub async fn export_har_file(&self, session_id: &str) -> Result<std::path::PathBuf> {
        self.export_har_to(session_id, None).await
    }

    /// [`Engine::export_har_file`], written to `dest` (a path the shell has checked) when given.
    pub async fn export_har_to(
        &self,
        session_id: &str,
        dest: Option<&std::path::Path>,
    ) -> Result<std::path::PathBuf> {
        // The id names the file: only an id of the history's own form, of a session it holds,
        // so that `../../x` from the window cannot write outside the exports folder.
        let plain = session_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !plain || session_id.is_empty() || self.history()?.session(session_id).await?.is_none() {
            return Err(SessionError::NoSession(session_id.to_owned()));
        }
        let text = self.history_export_har(session_id).await?;
        let path =
            dest.map_or_else(|| export_path(&format!("{session_id}.har")), std::path::Path::to_path_buf);
        write_file(&path, &text)?;
        Ok(path)
    }

    /// A stored HTTP request as a curl command line (redacted credentials become environment
    /// variables to set).
    pub async fn record_curl(&self, session_id: &str, seq: u64) -> Result<String> {
        self.flush_history().await;
        let record = self.history()?.record(session_id, seq).await?;
        record
            .as_ref()
            .and_then(export::curl)
            .ok_or_else(|| SessionError::NotHttp { session: session_id.to_owned(), seq })
    }

    /// A stored session as a HAR 1.2 document (JSON text).
    pub async fn history_export_har(&self, session_id: &str) -> Result<String> {
        self.flush_history().await;
        let hits = self.history()?.search(&format!("session:{session_id}"), u32::MAX).await?;
        let records: Vec<Record> = hits.into_iter().map(|h| h.record).collect();
        Ok(serde_json::to_string_pretty(&export::har(&records)).unwrap_or_default())
    }
}
