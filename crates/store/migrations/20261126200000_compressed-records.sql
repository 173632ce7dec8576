-- Large records are stored compressed: `record_z` holds the whole record as deflated JSON, and
-- `record` a stub of it without its payload text (so JSON queries on ids and pairing still
-- work, and the row stays small). NULL for every record stored whole.
ALTER TABLE records ADD COLUMN record_z BLOB;
