//! mcpscope's history: one SQLite database in the app data directory holding every session
//! and every captured record (credentials already redacted by the wire engine).
//!
//! - [`Store::open`] opens (or creates) the database: WAL, a busy timeout, foreign keys, and
//!   the migrations in `migrations/` applied in order (tracked by `PRAGMA user_version`).
//! - [`Store::recorder`] starts a session and returns a [`Recorder`], a sink the engine hands
//!   every record to. Writes are batched in transactions by a background task, so a flood never
//!   waits on the disk, and a record is either fully stored or not at all.
//! - [`Store::search`] runs the query language of [`search`] (`method:tools/call status:error
//!   dur:>500ms server:host session:id kind:sse` and free text).
//!
//! Nothing MCP-specific lives here beyond the record type.

mod compress;
mod index;
pub mod search;
mod writer;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use mcpscope_proto::Record;
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use mcpscope_proto::trust::{ListKind, Pin};
pub use writer::Recorder;

/// Migrations, oldest first. The file name's timestamp orders them; each runs once.
const MIGRATIONS: &[(&str, &str)] = &[
    ("20261126000000_initial", include_str!("../migrations/20261126000000_initial.sql")),
    ("20261126100000_search-indexes", include_str!("../migrations/20261126100000_search-indexes.sql")),
    (
        "20261126200000_compressed-records",
        include_str!("../migrations/20261126200000_compressed-records.sql"),
    ),
    ("20261127000000_settings", include_str!("../migrations/20261127000000_settings.sql")),
    ("20261204000000_trust-pins", include_str!("../migrations/20261204000000_trust-pins.sql")),
    ("20261207000000_index-behind", include_str!("../migrations/20261207000000_index-behind.sql")),
];

/// The first migration's SQL, for tests that build a database as an older mcpscope left it.
#[doc(hidden)]
pub const INITIAL_SCHEMA: &str = include_str!("../migrations/20261126000000_initial.sql");

/// How every write transaction begins: the write lock taken at once, waiting (busy timeout)
/// behind another writer. A deferred one that reads first fails at once with SQLITE_BUSY
/// when another connection wrote since its read began (the history writer, the index).
const WRITE: &str = "BEGIN IMMEDIATE";

/// The database file inside the data directory.
pub const DB_FILE: &str = "mcpscope.db";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("cannot use the data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("migration {name} failed: {source}")]
    Migration { name: &'static str, source: sqlx::Error },
    #[error("the database was written by a newer mcpscope (schema {found}, this one knows {known})")]
    TooNew { found: i64, known: usize },
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("a stored record is not valid: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("a stored record is damaged: {0}")]
    Damaged(String),
    #[error("search: {0}")]
    Query(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The directory the app, the CLI and the tests share: `MCPSCOPE_DATA_DIR`, else the
/// platform's data directory (`$XDG_DATA_HOME` or `~/.local/share` on Linux) plus the app id.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MCPSCOPE_DATA_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    let base = if cfg!(target_os = "macos") {
        home.join("Library/Application Support")
    } else {
        std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).unwrap_or_else(|| home.join(".local/share"))
    };
    // The same directory Tauri gives the app (its identifier in tauri.conf.json).
    base.join("dev.mcpscope.app")
}

/// A stored session (the shared type, so the UI can show it).
pub use mcpscope_proto::SessionInfo as SessionRow;

/// A record found by a search, with the session it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub session_id: String,
    #[serde(flatten)]
    pub record: Record,
}

/// Writes `bytes` to `path` as a file only its owner can read (0600, also when it existed:
/// exports, reports and logs may hold what the user would not share), creating its folder.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    private(path, 0o600)?;
    file.write_all(bytes)
}

/// Opens `path` for appending as a file only its owner can read (0600), creating it.
pub fn append_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    private(path, 0o600)?;
    Ok(file)
}

/// Sets `path`'s permission bits (Unix; elsewhere the platform's defaults stand).
fn private(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Creates `path` empty and 0600 when it is missing (an empty file is an empty SQLite
/// database), and makes an existing one 0600.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?;
    private(path, 0o600)
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

impl Store {
    /// Opens `dir/mcpscope.db`, creating the directory and the database as needed. The
    /// directory is the user's alone (0700).
    pub async fn open_dir(dir: &Path) -> Result<Store> {
        let dir_err = |source| StoreError::DataDir { path: dir.to_owned(), source };
        std::fs::create_dir_all(dir).map_err(dir_err)?;
        private(dir, 0o700).map_err(dir_err)?;
        Store::open(&dir.join(DB_FILE)).await
    }

    /// Opens the database at `path`. It is created (or kept) readable by the user alone
    /// (0600); SQLite gives its `-wal` and `-shm` files the database's permissions.
    pub async fn open(path: &Path) -> Result<Store> {
        let data_err = |source| StoreError::DataDir { path: path.to_owned(), source };
        create_private_file(path).map_err(data_err)?;
        let open_err = |source| StoreError::Open { path: path.to_owned(), source };
        let url = format!("sqlite://{}", path.display());
        let options = SqliteConnectOptions::from_str(&url)
            .map_err(open_err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL: a crash loses at most the last transactions, never consistency.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            // 64 MiB of page cache per connection: a flood's inserts stay in memory until commit.
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            // Reads of a big history (index pages, search) through the page cache, not pread.
            .pragma("mmap_size", "268435456")
            // Rows are ~1 KB of JSON: bigger pages mean fewer overflow pages and B-tree splits.
            .page_size(16384)
            // Checkpoint every ~64 MB of WAL instead of every 4 MB during a flood.
            .pragma("wal_autocheckpoint", "4000");
        let pool =
            SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(open_err)?;
        let store = Store { pool, path: path.to_owned() };
        store.migrate().await?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn migrate(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        let version: i64 = sqlx::query_scalar("PRAGMA user_version").fetch_one(&mut *conn).await?;
        if version as usize > MIGRATIONS.len() {
            return Err(StoreError::TooNew { found: version, known: MIGRATIONS.len() });
        }
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let migration_err = |source| StoreError::Migration { name, source };
            let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(migration_err)?;
            sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(migration_err)?;
            sqlx::raw_sql(&format!("PRAGMA user_version = {}", i + 1))
                .execute(&mut *tx)
                .await
                .map_err(migration_err)?;
            tx.commit().await.map_err(migration_err)?;
            tracing::info!(migration = name, "database migrated");
        }
        Ok(())
    }

    /// The schema version (number of migrations applied).
    pub async fn schema_version(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("PRAGMA user_version").fetch_one(&self.pool).await?)
    }

    /// Starts a session and returns the sink that stores its records.
    pub async fn recorder(&self, session: NewSession) -> Result<Recorder> {
        let id = new_session_id();
        let host = host_of(&session.url);
        sqlx::query(
            "INSERT INTO sessions (id, url, host, transport, protocol_version, source, started_at_us)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&session.url)
        .bind(host)
        .bind(&session.transport)
        .bind(&session.protocol_version)
        .bind(session.source)
        .bind(now_us())
        .execute(&self.pool)
        .await?;
        Ok(Recorder::start(self.pool.clone(), id))
    }

    /// Records what the handshake established.
    pub async fn update_session(
        &self,
        id: &str,
        transport: Option<&str>,
        protocol_version: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE sessions SET transport = ?, protocol_version = ? WHERE id = ?")
            .bind(transport)
            .bind(protocol_version)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn end_session(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET ended_at_us = ? WHERE id = ? AND ended_at_us IS NULL")
            .bind(now_us())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Commits everything `recorder` has queued, then marks its session ended.
    pub async fn finish(&self, recorder: &Recorder) -> Result<()> {
        recorder.flush().await;
        self.end_session(recorder.session_id()).await
    }

    /// One stored session.
    pub async fn session(&self, id: &str) -> Result<Option<SessionRow>> {
        Ok(self.sessions(u32::MAX).await?.into_iter().find(|s| s.id == id))
    }

    /// Sessions, newest first.
    pub async fn sessions(&self, limit: u32) -> Result<Vec<SessionRow>> {
        let rows = sqlx::query(
            "SELECT s.id, s.url, s.transport, s.protocol_version, s.source, s.started_at_us, s.ended_at_us,
                    (SELECT count(*) FROM records r WHERE r.session_id = s.id) AS n
             FROM sessions s ORDER BY s.started_at_us DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SessionRow {
                    id: r.try_get("id")?,
                    url: r.try_get("url")?,
                    transport: r.try_get("transport")?,
                    protocol_version: r.try_get("protocol_version")?,
                    source: r.try_get("source")?,
                    started_at_us: r.try_get("started_at_us")?,
                    ended_at_us: r.try_get("ended_at_us")?,
                    records: r.try_get("n")?,
                })
            })
            .collect()
    }

    /// The newest `limit` records matching `query` (see [`search`]), in the order they were
    /// stored.
    pub async fn search(&self, query: &str, limit: u32) -> Result<Vec<Hit>> {
        let q = search::parse(query).map_err(StoreError::Query)?;
        if q.has_text() {
            // Records a flood stored without indexing them are found too.
            self.index().await?;
        }
        let (sql, binds) = q.to_sql(limit);
        let mut stmt = sqlx::query(&sql);
        for b in &binds {
            stmt = match b {
                search::Bind::Text(t) => stmt.bind(t.clone()),
                search::Bind::Int(i) => stmt.bind(*i),
            };
        }
        let rows = stmt.fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|r| {
                let session_id: String = r.try_get("session_id")?;
                let json: String = r.try_get("record")?;
                let z: Option<Vec<u8>> = r.try_get("record_z")?;
                Ok(Hit { session_id, record: compress::decode(&json, z.as_deref())? })
            })
            .collect()
    }

    /// Brings the full-text index up to every stored record (the writer leaves a flood's
    /// records to it, see [`index`]). Returns how many records it indexed.
    pub async fn index(&self) -> Result<u64> {
        Ok(index::catch_up(&self.pool).await?)
    }

    /// How many stored records the full-text index does not hold yet.
    pub async fn unindexed(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM records WHERE id > (SELECT indexed_upto FROM fts_state)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n as u64)
    }

    /// One stored record.
    pub async fn record(&self, session_id: &str, seq: u64) -> Result<Option<Record>> {
        let row: Option<(String, Option<Vec<u8>>)> =
            sqlx::query_as("SELECT record, record_z FROM records WHERE session_id = ? AND seq = ?")
                .bind(session_id)
                .bind(seq as i64)
                .fetch_optional(&self.pool)
                .await?;
        decode(row)
    }

    /// The newest `limit` records of a session before `seq`, in seq order: a page of the live
    /// timeline that has left the window's memory.
    pub async fn records_before(&self, session_id: &str, seq: u64, limit: u32) -> Result<Vec<Record>> {
        let rows: Vec<(String, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT record, record_z FROM records WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        )
        .bind(session_id)
        .bind(i64::try_from(seq).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut records =
            rows.iter().map(|(json, z)| compress::decode(json, z.as_deref())).collect::<Result<Vec<_>>>()?;
        records.reverse();
        Ok(records)
    }

    /// The response stored for request `seq` of a session (the record paired with it).
    pub async fn response_to(&self, session_id: &str, seq: u64) -> Result<Option<Record>> {
        let row: Option<(String, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT record, record_z FROM records WHERE session_id = ? AND json_extract(record, '$.rpc.pair_seq') = ?
             ORDER BY id LIMIT 1",
        )
        .bind(session_id)
        .bind(seq as i64)
        .fetch_optional(&self.pool)
        .await?;
        decode(row)
    }

    /// Deletes whole sessions (records and their search index) that started before
    /// `before_us`; then, while the stored records exceed `max_bytes`, the oldest sessions.
    /// The session being recorded now is never deleted. Returns how many sessions went.
    pub async fn prune(
        &self,
        before_us: Option<i64>,
        max_bytes: Option<i64>,
        keep: Option<&str>,
    ) -> Result<u64> {
        let keep = keep.unwrap_or("");
        let mut doomed: Vec<String> = Vec::new();
        if let Some(before) = before_us {
            doomed.extend(
                sqlx::query_scalar::<_, String>(
                    "SELECT id FROM sessions WHERE started_at_us < ? AND id != ?",
                )
                .bind(before)
                .bind(keep)
                .fetch_all(&self.pool)
                .await?,
            );
        }
        if let Some(max) = max_bytes {
            let sizes: Vec<(String, i64)> = sqlx::query_as(
                "SELECT s.id, coalesce((SELECT sum(length(r.record) + coalesce(length(r.record_z), 0)) FROM records r WHERE r.session_id = s.id), 0)
                 FROM sessions s ORDER BY s.started_at_us DESC",
            )
            .fetch_all(&self.pool)
            .await?;
            let mut total = 0;
            for (id, size) in sizes {
                total += size;
                if total > max && id != keep && !doomed.contains(&id) {
                    doomed.push(id);
                }
            }
        }
        let mut tx = self.pool.begin_with(WRITE).await?;
        for id in &doomed {
            sqlx::query(
                "DELETE FROM records_fts WHERE rowid IN
                   (SELECT id FROM records WHERE session_id = ? AND id <= (SELECT indexed_upto FROM fts_state))",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE id = ?").bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(doomed.len() as u64)
    }

    /// [`Store::prune`] in the units people think in: sessions older than `days`, and the
    /// oldest beyond `max_mb` megabytes of records.
    pub async fn retain(&self, days: Option<u32>, max_mb: Option<u32>, keep: Option<&str>) -> Result<u64> {
        let before = days.map(|d| now_us() - i64::from(d) * 86_400_000_000);
        let max = max_mb.map(|m| i64::from(m) * 1_000_000);
        self.prune(before, max, keep).await
    }

    /// Deletes the whole history and gives the space back to the file system.
    pub async fn clear(&self) -> Result<u64> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        sqlx::query("INSERT INTO records_fts (records_fts) VALUES ('delete-all')").execute(&mut *tx).await?;
        let n = sqlx::query("DELETE FROM sessions").execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        sqlx::query("VACUUM").execute(&self.pool).await?;
        Ok(n)
    }

    /// The setting `key`, if it was ever set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Sets `key` to `value`; `None` removes it (back to the default).
    pub async fn set_setting(&self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(key)
                .bind(v)
                .execute(&self.pool)
                .await?
            }
            None => sqlx::query("DELETE FROM settings WHERE key = ?").bind(key).execute(&self.pool).await?,
        };
        Ok(())
    }

    /// The pins the user trusted for `server` (its URL without credentials), by kind and name.
    pub async fn pins(&self, server: &str) -> Result<Vec<Pin>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT kind, name, hash, definition FROM trust_pins WHERE server = ? ORDER BY kind, name",
        )
        .bind(server)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, name, hash, definition)| {
                // A kind this version does not know (a newer mcpscope wrote it) is left alone.
                let kind = ListKind::parse(&kind)?;
                let definition = serde_json::from_str(&definition).unwrap_or(serde_json::Value::Null);
                Some(Pin { kind, name, hash, definition })
            })
            .collect())
    }

    /// Trusts `pins` for `server`: each is added or replaced. With `replace_kinds`, the pins of
    /// those kinds not in `pins` are dropped first (the user trusted a whole, current list).
    pub async fn trust(&self, server: &str, pins: &[Pin], replace_kinds: &[ListKind]) -> Result<()> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        for kind in replace_kinds {
            sqlx::query("DELETE FROM trust_pins WHERE server = ? AND kind = ?")
                .bind(server)
                .bind(kind.as_str())
                .execute(&mut *tx)
                .await?;
        }
        let now = now_us();
        for pin in pins {
            sqlx::query(
                "INSERT INTO trust_pins (server, kind, name, hash, definition, trusted_at) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (server, kind, name) DO UPDATE SET hash = excluded.hash,
                 definition = excluded.definition, trusted_at = excluded.trusted_at",
            )
            .bind(server)
            .bind(pin.kind.as_str())
            .bind(&pin.name)
            .bind(&pin.hash)
            .bind(pin.definition.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The tool names other servers were trusted with, as (server, name): a description
    /// that names one of them may be steering the model to another server's tool.
    pub async fn tools_of_other_servers(&self, server: &str) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT server, name FROM trust_pins WHERE server <> ? AND kind = 'tool' LIMIT 10000",
        )
        .bind(server)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Forgets every pin of `server` (the next connection pins afresh); the number dropped.
    pub async fn forget_pins(&self, server: &str) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM trust_pins WHERE server = ?")
            .bind(server)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Folds the write-ahead log into the database file and empties it.
    pub async fn checkpoint(&self) -> Result<()> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: `"ok"` for a sound database.
    ///
    /// FTS5's check (SQLite 3.46) reads the index through the structure its connection cached
    /// when it last used the table, without asking first whether other connections wrote
    /// since, as every query does. On a pooled connection that had not touched the index
    /// since another one rewrote it (a prune, a merge), a sound index was reported as
    /// "malformed inverted index". So the check runs in one read transaction whose first
    /// statement opens the index, which drops a stale structure, on the same snapshot.
    pub async fn integrity_check(&self) -> Result<String> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT rowid FROM records_fts WHERE rowid = 0").fetch_optional(&mut *tx).await?;
        let verdict = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut *tx).await?;
        tx.rollback().await?;
        Ok(verdict)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// What a new session is.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub url: String,
    pub transport: Option<String>,
    pub protocol_version: Option<String>,
    /// `app` or `cli`: every write records where it came from.
    pub source: &'static str,
}

impl NewSession {
    /// A session to `url` whose transport and version are not known yet (the handshake
    /// tells; see [`Store::update_session`]).
    pub fn new(url: impl Into<String>, source: &'static str) -> NewSession {
        NewSession { url: url.into(), transport: None, protocol_version: None, source }
    }
}

/// A stored record's JSON, decoded.
fn decode(row: Option<(String, Option<Vec<u8>>)>) -> Result<Option<Record>> {
    row.map(|(json, z)| compress::decode(&json, z.as_deref())).transpose()
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// `ses_` + time + a per-process counter: unique, and sorts by creation.
fn new_session_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("ses_{:x}{:04x}{:04x}", now_us(), std::process::id() & 0xffff, n & 0xffff)
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6).to_owned(),
        None => host_port.split(':').next().unwrap_or(host_port).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_is_taken_from_the_url() {
        assert_eq!(host_of("http://127.0.0.1:3001/mcp"), "127.0.0.1");
        assert_eq!(host_of("https://user@mcp.example.com/x?y"), "mcp.example.com");
        assert_eq!(host_of("http://[::1]:80/mcp"), "::1");
    }

    #[test]
    fn session_ids_are_unique_and_prefixed() {
        let a = new_session_id();
        let b = new_session_id();
        assert!(a.starts_with("ses_"));
        assert_ne!(a, b);
    }
}
