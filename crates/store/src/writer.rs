//! Batched writes: the engine hands records to a [`Recorder`] without waiting; a background
//! task writes them in transactions of up to [`MAX_BATCH`] records (or whatever arrived within
//! [`MAX_DELAY`]). A transaction is all or nothing, so after a crash the database holds every
//! record up to the last committed batch and no half-written one.
//!
//! Two stages, so a flood keeps both cores busy: one task gathers records and encodes them
//! into rows (JSON, summary columns) while the other has SQLite write the batch
//! before. At most [`BATCHES_IN_FLIGHT`] encoded batches wait between them.
//!
//! Rows only: the full-text index follows behind ([`crate::index`]). The writer keeps the
//! search texts of what it stored and indexes them when the stream rests (no batch for
//! [`REST`], or a batch smaller than a flood's); once they pass [`MAX_PENDING_BYTES`], each
//! batch's transaction also indexes a chunk of them, as it did before the index followed.
//!
//! The queue is bounded too (`Limits::history_queue_records`): when the disk falls behind a
//! flood, records past the bound are not stored (the live timeline still has them), and the
//! history gets a note in their place naming how many and which: a gap is never silent.

use std::sync::Arc;
use std::time::Duration;

use mcpscope_proto::{Direction, Flag, FlagCode, Limits, Record, RecordKind};
use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use crate::index;

/// Records per transaction at most.
pub const MAX_BATCH: usize = 2000;
/// How long a record may wait for its batch.
pub const MAX_DELAY: Duration = Duration::from_millis(100);
/// No batch for this long: the stream rests and the index catches up.
const REST: Duration = Duration::from_millis(250);
/// A batch this small is no flood: the index catches up right after it.
const CALM_BATCH: usize = MAX_BATCH / 4;
/// Search texts a writer holds for the index at most (a 50k flood of small notifications
/// is about 15 MB); past it, each batch indexes a chunk of them.
const MAX_PENDING_BYTES: usize = 16 << 20;
/// Encoded batches queued for SQLite at most (memory stays bounded when the disk is slow).
const BATCHES_IN_FLIGHT: usize = 2;

/// What the recorders have queued and the encoder has not taken yet.
struct Queue {
    /// Oldest first; taken from the front a batch at a time. Shared with the live timeline,
    /// which keeps the newest of them too: no copy per record.
    records: std::collections::VecDeque<Arc<Record>>,
    /// Flushes waiting for every record queued before them.
    flushes: Vec<oneshot::Sender<()>>,
    /// Every recorder is gone: write what is left and stop.
    closed: bool,
    /// The most records queued at once.
    max: usize,
    /// Records refused since the queue was last full, noted when there is room again.
    gap: Option<Gap>,
}

impl Default for Queue {
    fn default() -> Queue {
        Queue {
            records: std::collections::VecDeque::new(),
            flushes: Vec::new(),
            closed: false,
            max: Limits::default().history_queue_records as usize,
            gap: None,
        }
    }
}

/// Consecutive records not stored because the queue was full.
struct Gap {
    first: Arc<Record>,
    last_seq: u64,
    count: u64,
}

impl Gap {
    /// The note the history keeps in the gap's place, under the first missing record's seq
    /// (unused, since that record was not stored).
    fn note(&self, max: usize) -> Arc<Record> {
        let text = format!(
            "{} records (seq {}–{}) were not stored in the history: the disk fell behind and {max} records were already waiting to be written (raise the limit with --max-history-queue or in Settings). The live timeline had them.",
            self.count, self.first.seq, self.last_seq
        );
        Arc::new(Record {
            seq: self.first.seq,
            at_us: self.first.at_us,
            elapsed_us: self.first.elapsed_us,
            direction: Direction::Local,
            exchange: 0,
            kind: RecordKind::Note { text: text.clone() },
            rpc: None,
            flags: vec![Flag::new(FlagCode::TooLarge, text)],
            lint: Vec::new(),
            preview_of: None,
        })
    }
}

/// The queue and the bell the encoder waits on. A flood rings it once per batch, not once
/// per record: the encoder is woken when the queue stops being empty, fills a batch, holds a
/// flush, or closes.
#[derive(Default)]
struct Shared {
    queue: std::sync::Mutex<Queue>,
    bell: tokio::sync::Notify,
}

impl Shared {
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        // Each critical section leaves the queue whole: a poisoned lock is still usable.
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Closes the queue when the last [`Recorder`] clone goes.
struct Closer(Arc<Shared>);

impl Drop for Closer {
    fn drop(&mut self) {
        self.0.queue().closed = true;
        self.0.bell.notify_one();
    }
}

/// Stores one session's records. Cheap to clone; `record` never blocks.
#[derive(Clone)]
pub struct Recorder {
    session_id: String,
    shared: Arc<Shared>,
    _closer: Arc<Closer>,
}

impl Recorder {
    pub(crate) fn start(pool: SqlitePool, session_id: String) -> Recorder {
        let shared = Arc::new(Shared::default());
        let (batches, encoded) = mpsc::channel(BATCHES_IN_FLIGHT);
        tokio::spawn(encode_loop(shared.clone(), batches));
        tokio::spawn(write_loop(pool, session_id.clone(), encoded));
        Recorder { session_id, _closer: Arc::new(Closer(shared.clone())), shared }
    }

    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Queues `record` for writing.
    pub fn record(&self, record: impl Into<Arc<Record>>) {
        self.record_all([record.into()]);
    }

    /// Bounds the queue at `max` records (at least one batch).
    pub fn limit_queue(&self, max: u64) {
        self.shared.queue().max = usize::try_from(max).unwrap_or(usize::MAX).max(MAX_BATCH);
    }

    /// Queues consecutive records under one lock; rings the writer when the queue stops being
    /// empty or reaches a full batch. Past the queue's bound, records are refused and counted
    /// until the writer has taken a batch (the note of the gap goes with it).
    pub fn record_all(&self, records: impl IntoIterator<Item = Arc<Record>>) {
        let ring = {
            let mut q = self.shared.queue();
            let before = q.records.len();
            for r in records {
                if q.gap.is_none() && q.records.len() < q.max {
                    q.records.push_back(r);
                } else if let Some(gap) = &mut q.gap {
                    gap.last_seq = r.seq;
                    gap.count += 1;
                } else {
                    tracing::warn!(
                        seq = r.seq,
                        max = q.max,
                        "the history queue is full: records are not stored until it drains"
                    );
                    q.gap = Some(Gap { last_seq: r.seq, first: r, count: 1 });
                }
            }
            let after = q.records.len();
            (before == 0 && after > 0) || (before < MAX_BATCH && after >= MAX_BATCH)
        };
        if ring {
            self.shared.bell.notify_one();
        }
    }

    /// Waits until everything queued so far is committed.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        self.shared.queue().flushes.push(tx);
        self.shared.bell.notify_one();
        let _ = rx.await;
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
            text: index::search_text(r, &summary.title),
            method: summary.method.as_deref().map(str::to_owned),
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

/// Stage one: takes batches off the queue (up to [`MAX_BATCH`] records, or what arrived
/// within [`MAX_DELAY`] of the first) and encodes them.
async fn encode_loop(shared: Arc<Shared>, out: mpsc::Sender<Batch>) {
    loop {
        // Wait for something to do.
        loop {
            {
                let q = shared.queue();
                if !q.records.is_empty() || !q.flushes.is_empty() || q.closed {
                    break;
                }
            }
            shared.bell.notified().await;
        }
        // Let a batch fill, unless it is full already or someone waits for it.
        let deadline = tokio::time::Instant::now() + MAX_DELAY;
        loop {
            {
                let q = shared.queue();
                if q.records.len() >= MAX_BATCH || !q.flushes.is_empty() || q.closed {
                    break;
                }
            }
            if tokio::time::timeout_at(deadline, shared.bell.notified()).await.is_err() {
                break;
            }
        }
        let (records, waiting, closed) = {
            let mut q = shared.queue();
            let n = q.records.len().min(MAX_BATCH);
            let mut records: Vec<Arc<Record>> = q.records.drain(..n).collect();
            // Room again: the gap's note goes with this batch, and records are taken again.
            if let Some(gap) = q.gap.take() {
                tracing::warn!(records = gap.count, "records were not stored: the history queue was full");
                records.push(gap.note(q.max));
            }
            // Flushes go with the batch that holds the last record queued before them.
            let waiting = if q.records.is_empty() { std::mem::take(&mut q.flushes) } else { Vec::new() };
            (records, waiting, q.closed && q.records.is_empty())
        };
        let batch = Batch { rows: records.iter().map(|r| Row::of(r)).collect(), waiting };
        if out.send(batch).await.is_err() || closed {
            break;
        }
    }
}

/// Stage two: writes each encoded batch in one transaction, then answers its flushes; the
/// full-text index follows when the stream rests.
async fn write_loop(pool: SqlitePool, session_id: String, mut batches: mpsc::Receiver<Batch>) {
    let mut pending = index::Pending::of(&session_id);
    // The stream rests: a chunk is indexed whenever no batch is waiting.
    let mut calm = false;
    loop {
        let next = if pending.is_empty() {
            batches.recv().await
        } else if calm {
            match batches.try_recv() {
                Ok(batch) => Some(batch),
                Err(mpsc::error::TryRecvError::Empty) => {
                    index_step(&pool, &mut pending).await;
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => None,
            }
        } else {
            match tokio::time::timeout(REST, batches.recv()).await {
                Ok(batch) => batch,
                Err(_) => {
                    calm = true;
                    continue;
                }
            }
        };
        let Some(batch) = next else { break };
        let n = batch.rows.len();
        if n > 0 {
            // Past their bound, the texts held are indexed a chunk a batch, in its transaction.
            let index_too = pending.bytes() > MAX_PENDING_BYTES;
            if let Err(e) = write_batch(&pool, &session_id, batch.rows, &mut pending, index_too).await {
                tracing::error!(error = %e, records = n, "could not store a batch of records");
                // The held texts may name rows that were rolled back (their ids come again):
                // let them go; the next free-text search indexes from the rows.
                pending.clear();
            }
        }
        calm = n < CALM_BATCH;
        for done in batch.waiting {
            let _ = done.send(());
        }
    }
    while !pending.is_empty() {
        index_step(&pool, &mut pending).await;
    }
}

/// Indexes one chunk. On an error the held texts are let go: the next free-text search
/// indexes their rows instead.
async fn index_step(pool: &SqlitePool, pending: &mut index::Pending) {
    match index::step(pool, pending).await {
        Ok(n) if n < index::CHUNK => pending.clear(),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "the full-text index could not catch up");
            pending.clear();
        }
    }
}

/// Rows per INSERT statement: each statement is one round trip to SQLite's worker thread, so
/// many rows per statement is what makes batches fast (14 columns × 200 rows stays far below
/// SQLite's limit of 32766 parameters).
const ROWS_PER_STATEMENT: usize = 200;

/// Writes one batch in one transaction and holds the rows' search texts for the index; with
/// `index_too`, indexes a chunk of the held texts in the same transaction. The rows are
/// bound by value: sqlx copies every borrowed text it is given.
async fn write_batch(
    pool: &SqlitePool,
    session_id: &str,
    batch: Vec<Row>,
    pending: &mut index::Pending,
    index_too: bool,
) -> Result<(), sqlx::Error> {
    // IMMEDIATE: the write lock is taken now, so no other writer (another session, the CLI)
    // can take the ids between reading the largest and inserting the next ones.
    let mut tx = pool.begin_with(crate::WRITE).await?;
    // Above the index's watermark too: ids never come back, even after the newest were deleted.
    let mut next_id: i64 = sqlx::query_scalar(
        "SELECT max(coalesce((SELECT max(id) FROM records), 0), (SELECT indexed_upto FROM fts_state)) + 1",
    )
    .fetch_one(&mut *tx)
    .await?;
    let mut batch = batch.into_iter().peekable();
    while batch.peek().is_some() {
        let chunk: Vec<Row> = batch.by_ref().take(ROWS_PER_STATEMENT).collect();
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO records
               (id, session_id, seq, at_us, direction, kind, method, status, error_code, latency_us, flagged, size, record, record_z)
             VALUES {rows}"
        );
        let mut insert = sqlx::query(&sql);
        for r in chunk {
            insert = insert
                .bind(next_id)
                .bind(session_id)
                .bind(r.seq)
                .bind(r.at_us)
                .bind(r.direction)
                .bind(r.kind)
                .bind(r.method)
                .bind(r.status)
                .bind(r.error_code)
                .bind(r.latency_us)
                .bind(r.flagged)
                .bind(r.size)
                .bind(r.json)
                .bind(r.compressed);
            pending.push(next_id, r.text);
            next_id += 1;
        }
        insert.execute(&mut *tx).await?;
    }
    if index_too {
        index::step_in(&mut tx, pending).await?;
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
