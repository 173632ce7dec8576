-- Server trust: per server (its URL without credentials), the fingerprint of each tool,
-- prompt and resource template the user trusted, with the fields it covers (to show a change
-- field by field). Not history: `clear` keeps it.
CREATE TABLE trust_pins (
    server     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    definition TEXT NOT NULL,
    trusted_at INTEGER NOT NULL,
    PRIMARY KEY (server, kind, name)
) WITHOUT ROWID;
