-- Sessions: one per connection the app or the CLI opened.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,          -- ses_…
    url             TEXT NOT NULL,
    host            TEXT NOT NULL,
    transport       TEXT,
    protocol_version TEXT,
    source          TEXT NOT NULL,             -- app | cli
    started_at_us   INTEGER NOT NULL,
    ended_at_us     INTEGER
);
CREATE INDEX sessions_started ON sessions (started_at_us);

-- Every captured record, credentials already redacted by the wire engine. The columns are
-- what search filters on; `record` is the whole record as JSON.
CREATE TABLE records (
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    at_us       INTEGER NOT NULL,
    direction   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    method      TEXT,
    status      INTEGER,
    error_code  INTEGER,
    latency_us  INTEGER,
    flagged     INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    record      TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE INDEX records_method ON records (method);
CREATE INDEX records_at ON records (at_us);

-- Free-text search over each record's title and payload.
CREATE VIRTUAL TABLE records_fts USING fts5 (session_id UNINDEXED, seq UNINDEXED, text);
