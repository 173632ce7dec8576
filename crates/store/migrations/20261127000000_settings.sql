-- Settings the app and the CLI share (the collections folder, …): a key and a text value.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
