-- The full-text index follows the writer instead of being written with each batch (a flood's
-- records are stored first and indexed when the stream rests, or before a free-text search).
-- Every record whose id is at most `indexed_upto` is in `records_fts`; none above it is.
-- Every record stored so far was indexed as it was written.
CREATE TABLE fts_state (
    one          INTEGER PRIMARY KEY CHECK (one = 1),
    indexed_upto INTEGER NOT NULL
);
INSERT INTO fts_state (one, indexed_upto) VALUES (1, (SELECT coalesce(max(id), 0) FROM records));
