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
-- what search filters on; `record` is the whole record as JSON; `id` is also the row of its
-- text in the full-text index.
CREATE TABLE records (
    id          INTEGER PRIMARY KEY,
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
    UNIQUE (session_id, seq)
);
CREATE INDEX records_method ON records (method);
CREATE INDEX records_at ON records (at_us);

-- Free-text search over each record's title and payload. Contentless: the index only, keyed by
-- records.id (the text is in `record` already).
CREATE VIRTUAL TABLE records_fts USING fts5 (text, content = '', contentless_delete = 1);
-- Merge index segments less eagerly while writing (a flood inserts thousands a second);
-- searches stay fast and segments still merge in the background of later writes.
INSERT INTO records_fts (records_fts, rank) VALUES ('automerge', 16);
