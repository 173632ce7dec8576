-- Settings the app and the CLI share (the collections folder, …): a key and a text value.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Full-text index segments merge only once 64 pile up on a level (instead of 16): a flood's
-- inserts cost about a third less, and a search still reads few enough segments to stay far
-- under a millisecond per 100 hits over a million records (store-bench).
INSERT INTO records_fts (records_fts, rank) VALUES ('automerge', 64);
INSERT INTO records_fts (records_fts, rank) VALUES ('crisismerge', 64);
