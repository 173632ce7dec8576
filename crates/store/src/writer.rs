//! Batched writes: the engine hands records to a [`Recorder`] without waiting; a background
//! task writes them in transactions of up to [`MAX_BATCH`] records (or whatever arrived within
//! [`MAX_DELAY`]). A transaction is all or nothing, so after a crash the database holds every
//! record up to the last committed batch and no half-written one.
//!
//! Two stages, so a flood keeps both cores busy: one task gathers records and encodes them
//! into rows (JSON, summary columns, search text) while the other has SQLite write the batch
//! before. At most [`BATCHES_IN_FLIGHT`] encoded batches wait between them.

use std::time::Duration;

use mcpscope_proto::{Record, RecordKind};
use sqlx::{Row as _, SqlitePool};
use tokio::sync::{mpsc, oneshot};

/// Records per transaction at most.
pub const MAX_BATCH: usize = 2000;
/// How long a record may wait for its batch.
pub const MAX_DELAY: Duration = Duration::from_millis(100);
/// Payload text kept for free-text search, per record.
const FTS_TEXT_LIMIT: usize = 4096;
/// Encoded batches queued for SQLite at most (memory stays bounded when the disk is slow).
const BATCHES_IN_FLIGHT: usize = 2;

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
        let (batches, encoded) = mpsc::channel(BATCHES_IN_FLIGHT);
        tokio::spawn(encode_loop(rx, batches));
        tokio::spawn(write_loop(pool, session_id.clone(), encoded));
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

/// Records encoded for SQLite, and the flushes waiting for them to be committed.
struct Batch {
    rows: Vec<Row>,
    waiting: Vec<oneshot::Sender<()>>,
}

/// One record as its row: every column, and its text for the full-text index.
struct Row {
    seq: i64,
    at_us: i64,
    direction: &'static str,
    kind: &'static str,
    method: Option<String>,
    status: Option<i64>,
    error_code: Option<i64>,
    latency_us: Option<i64>,
    flagged: i64,
    size: i64,
    json: String,
    compressed: Option<Vec<u8>>,
    text: String,
}

impl Row {
    fn of(r: &Record) -> Row {
        let summary = r.summary();
        let (json, compressed) = crate::compress::encode(r);
        Row {
            seq: r.seq as i64,
            at_us: r.at_us,
            direction: direction_word(r),
            kind: r.kind.label(),
            text: search_text(r, &summary.title),
            method: summary.method,
            status: summary.status.map(i64::from),
            error_code: r.rpc.as_ref().and_then(|x| x.error_code),
            latency_us: summary.latency_us.map(|l| l as i64),
            flagged: i64::from(summary.flagged),
            size: summary.size as i64,
            json,
            compressed,
        }
    }
}

/// Stage one: gathers records into batches (up to the limits) and encodes them.
async fn encode_loop(mut rx: mpsc::UnboundedReceiver<Msg>, out: mpsc::Sender<Batch>) {
    loop {
        // Block for the first message, then gather what else is there (up to the limits).
        let Some(first) = rx.recv().await else { break };
        let deadline = tokio::time::Instant::now() + MAX_DELAY;
        let mut batch = Batch { rows: Vec::new(), waiting: Vec::new() };
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Record(r) => batch.rows.push(Row::of(&r)),
                Msg::Flush(done) => {
                    batch.waiting.push(done);
                    break;
                }
            }
            if batch.rows.len() >= MAX_BATCH {
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
        if out.send(batch).await.is_err() {
            break;
        }
    }
}

/// Stage two: writes each encoded batch in one transaction, then answers its flushes.
async fn write_loop(pool: SqlitePool, session_id: String, mut batches: mpsc::Receiver<Batch>) {
    while let Some(batch) = batches.recv().await {
        if !batch.rows.is_empty()
            && let Err(e) = write_batch(&pool, &session_id, &batch.rows).await
        {
            tracing::error!(error = %e, records = batch.rows.len(), "could not store a batch of records");
        }
        for done in batch.waiting {
            let _ = done.send(());
        }
    }
}

/// Rows per INSERT statement: each statement is one round trip to SQLite's worker thread, so
/// many rows per statement is what makes batches fast (13 columns × 200 rows stays far below
/// SQLite's limit of 32766 parameters).
const ROWS_PER_STATEMENT: usize = 200;

async fn write_batch(pool: &SqlitePool, session_id: &str, batch: &[Row]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for chunk in batch.chunks(ROWS_PER_STATEMENT) {
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO records
               (session_id, seq, at_us, direction, kind, method, status, error_code, latency_us, flagged, size, record, record_z)
             VALUES {rows} RETURNING id, seq"
        );
        let mut insert = sqlx::query(&sql);
        for r in chunk {
            insert = insert
                .bind(session_id)
                .bind(r.seq)
                .bind(r.at_us)
                .bind(r.direction)
                .bind(r.kind)
                .bind(r.method.as_deref())
                .bind(r.status)
                .bind(r.error_code)
                .bind(r.latency_us)
                .bind(r.flagged)
                .bind(r.size)
                .bind(r.json.as_str())
                .bind(r.compressed.as_deref());
        }
        // RETURNING rows come in no promised order: pair them by seq.
        let ids = insert.fetch_all(&mut *tx).await?;
        let texts: std::collections::HashMap<i64, &str> =
            chunk.iter().map(|r| (r.seq, r.text.as_str())).collect();
        let fts_rows = vec!["(?, ?)"; ids.len()].join(", ");
        let fts_sql = format!("INSERT INTO records_fts (rowid, text) VALUES {fts_rows}");
        let mut fts = sqlx::query(&fts_sql);
        for row in &ids {
            let id: i64 = row.try_get("id")?;
            let seq: i64 = row.try_get("seq")?;
            fts = fts.bind(id).bind(texts.get(&seq).copied().unwrap_or_default());
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
