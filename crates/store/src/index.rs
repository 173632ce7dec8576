//! The full-text index follows the writer. Indexing a record (tokenizing its text, merging
//! FTS5 segments) is about 40% of the CPU of storing it (store-bench: 200k records take 1.9 s
//! of CPU with the index written in each batch, 1.1 s without), and during a flood that CPU
//! is taken from the window. So the [`Recorder`](crate::Recorder) writes rows only and keeps
//! their search texts ([`Pending`]), and the index catches up behind it: when the stream
//! rests, when the texts held pass a bound, and before every free-text search (from the rows
//! then), so a search never misses a stored record.
//!
//! `fts_state.indexed_upto` is the watermark: every record with an id up to it is in the
//! index and none above it. Ids only grow (the writer allocates above the watermark too), so
//! catching up is indexing what lies above it, in id order, a chunk per transaction.

use std::collections::VecDeque;

use mcpscope_proto::{Record, RecordKind};
use sqlx::{SqliteConnection, SqlitePool};

/// Records indexed per transaction: a short hold on the write lock (~10 ms).
pub(crate) const CHUNK: usize = 2000;
/// Payload text kept for free-text search, per record.
const TEXT_LIMIT: usize = 4096;
/// Rows per statement (see the writer's `ROWS_PER_STATEMENT`).
const ROWS_PER_STATEMENT: usize = 400;

/// The search texts of records a writer stored and the index does not hold yet, oldest first,
/// so catching up does not read and decode the rows again (decoding is as dear as indexing).
#[derive(Default)]
pub(crate) struct Pending {
    texts: VecDeque<(i64, String)>,
    bytes: usize,
    /// The writer's session. A text is used only for a row of this session: when its
    /// unindexed rows were deleted (the session pruned, the history cleared), their ids are
    /// given again to the next rows stored, which the texts held do not describe.
    session: Option<String>,
}

impl Pending {
    /// What the writer of `session_id` holds.
    pub(crate) fn of(session_id: &str) -> Pending {
        Pending { session: Some(session_id.to_owned()), ..Pending::default() }
    }

    /// Lets every text go (they may name rows that were rolled back).
    pub(crate) fn clear(&mut self) {
        self.texts.clear();
        self.bytes = 0;
    }

    pub(crate) fn push(&mut self, id: i64, text: String) {
        self.bytes += text.len();
        self.texts.push_back((id, text));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Bytes of text held.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Forgets the texts of records the index already holds (up to `upto`).
    fn drop_upto(&mut self, upto: i64) {
        while self.texts.front().is_some_and(|(id, _)| *id <= upto) {
            self.pop();
        }
    }

    /// The text of record `id`, asked for in id order (texts of records no longer stored,
    /// their session pruned, are passed over).
    fn take(&mut self, id: i64) -> Option<String> {
        self.drop_upto(id - 1);
        if self.texts.front().is_some_and(|(first, _)| *first == id) { self.pop() } else { None }
    }

    fn pop(&mut self) -> Option<String> {
        let (_, text) = self.texts.pop_front()?;
        self.bytes -= text.len();
        Some(text)
    }
}

/// Indexes the next chunk of records above the watermark in one transaction of its own.
/// Returns how many records it indexed: fewer than [`CHUNK`] means the index has caught up.
pub(crate) async fn step(pool: &SqlitePool, pending: &mut Pending) -> Result<usize, sqlx::Error> {
    // IMMEDIATE: no other writer moves the watermark or adds rows in between.
    let mut tx = pool.begin_with(crate::WRITE).await?;
    let n = step_in(&mut tx, pending).await?;
    tx.commit().await?;
    Ok(n)
}

/// Indexes the next chunk of records above the watermark within `tx` (a write transaction:
/// the writer's own, after a batch, when its texts pass their bound), with the texts
/// `pending` holds for them and the others' rows decoded.
pub(crate) async fn step_in(tx: &mut SqliteConnection, pending: &mut Pending) -> Result<usize, sqlx::Error> {
    let upto: i64 = sqlx::query_scalar("SELECT indexed_upto FROM fts_state").fetch_one(&mut *tx).await?;
    pending.drop_upto(upto);
    let ids: Vec<(i64, bool)> =
        sqlx::query_as("SELECT id, session_id IS ? FROM records WHERE id > ? ORDER BY id LIMIT ?")
            .bind(pending.session.as_deref())
            .bind(upto)
            .bind(CHUNK as i64)
            .fetch_all(&mut *tx)
            .await?;
    let Some(&(last, _)) = ids.last() else {
        return Ok(0);
    };
    let mut texts: Vec<(i64, String)> = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for &(id, ours) in &ids {
        match pending.take(id).filter(|_| ours) {
            Some(text) => texts.push((id, text)),
            None => missing.push(id),
        }
    }
    for chunk in missing.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT id, record, record_z FROM records WHERE id IN ({})",
            vec!["?"; chunk.len()].join(", ")
        );
        let mut select = sqlx::query_as::<_, (i64, String, Option<Vec<u8>>)>(&sql);
        for id in chunk {
            select = select.bind(id);
        }
        for (id, json, z) in select.fetch_all(&mut *tx).await? {
            texts.push((id, text_of_row(&json, z.as_deref())));
        }
    }
    for chunk in texts.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO records_fts (rowid, text) VALUES {}",
            vec!["(?, ?)"; chunk.len()].join(", ")
        );
        let mut insert = sqlx::query(&sql);
        for (id, text) in chunk {
            insert = insert.bind(id).bind(text.as_str());
        }
        insert.execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE fts_state SET indexed_upto = ?").bind(last).execute(&mut *tx).await?;
    Ok(ids.len())
}

/// Indexes everything stored so far. Returns how many records it indexed.
pub(crate) async fn catch_up(pool: &SqlitePool) -> Result<u64, sqlx::Error> {
    // A read first: nothing behind (the usual case) takes no write lock.
    let behind: bool = sqlx::query_scalar(
        "SELECT (SELECT coalesce(max(id), 0) FROM records) > (SELECT indexed_upto FROM fts_state)",
    )
    .fetch_one(pool)
    .await?;
    if !behind {
        return Ok(0);
    }
    let mut none = Pending::default();
    let mut total = 0;
    loop {
        let n = step(pool, &mut none).await?;
        total += n as u64;
        if n < CHUNK {
            return Ok(total);
        }
    }
}

/// The text a stored row is found by. A row that no longer decodes (a damaged database) is
/// found by its stored JSON instead.
fn text_of_row(json: &str, z: Option<&[u8]>) -> String {
    match crate::compress::decode(json, z) {
        Ok(r) => search_text(&r, &r.summary().title),
        Err(e) => {
            tracing::warn!(error = %e, "a stored record does not decode: indexed by its raw text");
            mcpscope_proto::outline::prefix(json, TEXT_LIMIT).to_owned()
        }
    }
}

/// What free text matches: the title (the summary's, which the caller has made), the payload
/// (bounded), notes and errors.
pub(crate) fn search_text(r: &Record, title: &str) -> String {
    let mut text = String::from(title);
    let extra = match &r.kind {
        RecordKind::Note { text } | RecordKind::TransportError { message: text } => Some(text.as_str()),
        _ => r.payload(),
    };
    if let Some(p) = extra {
        text.push('\n');
        text.push_str(mcpscope_proto::outline::prefix(p, TEXT_LIMIT));
    }
    for f in &r.flags {
        text.push('\n');
        text.push_str(&f.message);
    }
    text
}
