//! Batched writes: the engine hands records to a [`Recorder`] without waiting; a background
//! task writes them in transactions of up to [`MAX_BATCH`] records (or whatever arrived within
//! [`MAX_DELAY`]). A transaction is all or nothing, so after a crash the database holds every
//! record up to the last committed batch and no half-written one.

use std::time::Duration;

use mcpscope_proto::{Record, RecordKind};
use sqlx::{Row, SqlitePool};
use tokio::sync::{mpsc, oneshot};

/// Records per transaction at most.
pub const MAX_BATCH: usize = 2000;
/// How long a record may wait for its batch.
pub const MAX_DELAY: Duration = Duration::from_millis(100);
/// Payload text kept for free-text search, per record.
const FTS_TEXT_LIMIT: usize = 4096;

enum Msg {
    Record(Box<Record>),
    Flush(oneshot::Sender<()>),
}

/// Stores one session's records. Cheap to clone; `record` never blocks.
#[derive(Clone)]
pub struct Recorder {
    session_id: String,
    tx: mpsc::UnboundedSender<Msg>,
}

impl Recorder {
    pub(crate) fn start(pool: SqlitePool, session_id: String) -> Recorder {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(write_loop(pool, session_id.clone(), rx));
        Recorder { session_id, tx }
    }

    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Queues `record` for writing.
    pub fn record(&self, record: Record) {
        // The writer only stops when every sender is gone; a send cannot fail before that.
        let _ = self.tx.send(Msg::Record(Box::new(record)));
    }

    /// Waits until everything queued so far is committed.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

async fn write_loop(pool: SqlitePool, session_id: String, mut rx: mpsc::UnboundedReceiver<Msg>) {
    let mut batch: Vec<Record> = Vec::new();
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        // Block for the first message, then gather what else is there (up to the limits).
        let Some(first) = rx.recv().await else { break };
        let deadline = tokio::time::Instant::now() + MAX_DELAY;
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Record(r) => batch.push(*r),
                Msg::Flush(done) => {
                    waiting.push(done);
                    break;
                }
            }
            if batch.len() >= MAX_BATCH {
                break;
            }
            next = match rx.try_recv() {
                Ok(m) => Some(m),
                Err(mpsc::error::TryRecvError::Empty) => {
                    tokio::time::timeout_at(deadline, rx.recv()).await.ok().flatten()
                }
                Err(mpsc::error::TryRecvError::Disconnected) => None,
            };
        }
        if !batch.is_empty() {
            if let Err(e) = write_batch(&pool, &session_id, &batch).await {
                tracing::error!(error = %e, records = batch.len(), "could not store a batch of records");
            }
            batch.clear();
        }
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}

/// Rows per INSERT statement: each statement is one round trip to SQLite's worker thread, so
/// many rows per statement is what makes batches fast (12 columns × 200 rows stays far below
/// SQLite's limit of 32766 parameters).
const ROWS_PER_STATEMENT: usize = 200;

async fn write_batch(pool: &SqlitePool, session_id: &str, batch: &[Record]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for chunk in batch.chunks(ROWS_PER_STATEMENT) {
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO records
               (session_id, seq, at_us, direction, kind, method, status, error_code, latency_us, flagged, size, record, record_z)
             VALUES {rows} RETURNING id, seq"
        );
        let mut insert = sqlx::query(&sql);
        let mut texts = std::collections::HashMap::with_capacity(chunk.len());
        for r in chunk {
            let summary = r.summary();
            let (json, compressed) = crate::compress::encode(r);
            texts.insert(r.seq as i64, search_text(r, &summary.title));
            insert = insert
                .bind(session_id)
                .bind(r.seq as i64)
                .bind(r.at_us)
                .bind(direction_word(r))
                .bind(r.kind.label())
                .bind(summary.method)
                .bind(summary.status.map(i64::from))
                .bind(r.rpc.as_ref().and_then(|x| x.error_code))
                .bind(summary.latency_us.map(|l| l as i64))
                .bind(i64::from(summary.flagged))
                .bind(summary.size as i64)
                .bind(json)
                .bind(compressed);
        }
        // RETURNING rows come in no promised order: pair them by seq.
        let ids = insert.fetch_all(&mut *tx).await?;
        let fts_rows = vec!["(?, ?)"; ids.len()].join(", ");
        let fts_sql = format!("INSERT INTO records_fts (rowid, text) VALUES {fts_rows}");
        let mut fts = sqlx::query(&fts_sql);
        for row in &ids {
            let id: i64 = row.try_get("id")?;
            let seq: i64 = row.try_get("seq")?;
            fts = fts.bind(id).bind(texts.remove(&seq).unwrap_or_default());
        }
        if !ids.is_empty() {
            fts.execute(&mut *tx).await?;
        }
    }
    tx.commit().await
}

fn direction_word(r: &Record) -> &'static str {
    match r.direction {
        mcpscope_proto::Direction::Out => "out",
        mcpscope_proto::Direction::In => "in",
        mcpscope_proto::Direction::Local => "local",
    }
}

/// What free text matches: the title, the payload (bounded), notes and errors.
fn search_text(r: &Record, title: &str) -> String {
    let mut text = String::from(title);
    let extra = match &r.kind {
        RecordKind::Note { text } | RecordKind::TransportError { message: text } => Some(text.as_str()),
        _ => r.payload(),
    };
    if let Some(p) = extra {
        text.push('\n');
        text.push_str(mcpscope_proto::outline::prefix(p, FTS_TEXT_LIMIT));
    }
    for f in &r.flags {
        text.push('\n');
        text.push_str(&f.message);
    }
    text
}
