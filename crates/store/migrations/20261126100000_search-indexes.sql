-- Searches list matches in arrival order, which is `records.id` (the rowid, also the
-- full-text index's key): every index already holds it, so the at_us index only cost
-- inserts. A method filter walks records_method in id order without sorting.
DROP INDEX records_at;
