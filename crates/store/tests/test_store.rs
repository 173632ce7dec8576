//! The store on a real SQLite file.

// Helpers outside #[test] functions panic on a broken setup too: that is a test failure.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use mcpscope_proto::{Body, Direction, Flag, FlagCode, Header, Record, RecordKind, RpcInfo, RpcKind};
use mcpscope_store::{NewSession, Store};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcpscope-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn request(seq: u64, method: &str, body: &str) -> Record {
    Record {
        seq,
        at_us: 1_000 + seq as i64,
        elapsed_us: seq,
        direction: Direction::Out,
        exchange: seq,
        kind: RecordKind::HttpRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:3001/mcp".into(),
            headers: vec![Header::new("authorization", "Bearer ‹redacted 9 chars›")],
            body: Some(Body::from_bytes(body.as_bytes())),
        },
        rpc: Some(RpcInfo {
            kind: RpcKind::Request,
            id: Some(seq.to_string()),
            method: Some(mcpscope_proto::method_name(method)),
            error_code: None,
            pair_seq: None,
            latency_us: None,
            continues: None,
            message: Default::default(),
            shape: Default::default(),
        }),
        flags: vec![],
        lint: vec![],
        preview_of: None,
    }
}

fn error_response(seq: u64, pair: u64, latency_us: u64) -> Record {
    Record {
        seq,
        at_us: 1_000 + seq as i64,
        elapsed_us: seq,
        direction: Direction::In,
        exchange: pair,
        kind: RecordKind::HttpResponse {
            status: 500,
            headers: vec![],
            body: Some(Body::from_bytes(b"boom")),
            latency_us,
        },
        rpc: Some(RpcInfo {
            kind: RpcKind::Error,
            id: Some(pair.to_string()),
            method: None,
            error_code: Some(-32603),
            pair_seq: Some(pair),
            latency_us: Some(latency_us),
            continues: None,
            message: Default::default(),
            shape: Default::default(),
        }),
        flags: vec![Flag::new(FlagCode::HttpError, "HTTP 500")],
        lint: vec![],
        preview_of: None,
    }
}

#[tokio::test]
async fn migrates_an_empty_database_and_searches_what_it_stored() {
    let dir = temp_dir("search");
    let store = Store::open_dir(&dir).await.expect("open");
    assert_eq!(store.schema_version().await.expect("version"), 6);
    let rec = store.recorder(NewSession::new("http://127.0.0.1:3001/mcp", "cli")).await.expect("session");
    rec.record(request(1, "tools/call", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"needle in a haystack"}}}"#));
    rec.record(error_response(2, 1, 750_000));
    rec.record(request(3, "tools/list", r#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#));
    rec.flush().await;

    let seqs = |hits: Vec<mcpscope_store::Hit>| hits.into_iter().map(|h| h.record.seq).collect::<Vec<_>>();
    assert_eq!(seqs(store.search("method:tools/call", 100).await.unwrap()), vec![1]);
    assert_eq!(seqs(store.search("status:error", 100).await.unwrap()), vec![2]);
    assert_eq!(seqs(store.search("dur:>500ms", 100).await.unwrap()), vec![2]);
    assert_eq!(seqs(store.search("dur:>1s", 100).await.unwrap()), Vec::<u64>::new());
    assert_eq!(seqs(store.search("haystack", 100).await.unwrap()), vec![1]);
    assert_eq!(seqs(store.search("\"needle in a\" method:tools/call", 100).await.unwrap()), vec![1]);
    assert_eq!(seqs(store.search("server:127.0.0.1", 100).await.unwrap()), vec![1, 2, 3]);
    assert_eq!(seqs(store.search("server:example.com", 100).await.unwrap()), Vec::<u64>::new());
    // A limit keeps the newest matches, listed oldest first.
    assert_eq!(seqs(store.search(&format!("session:{}", rec.session_id()), 2).await.unwrap()), vec![2, 3]);
    // A stored record comes back whole.
    let hit = store.search("status:error", 1).await.unwrap().remove(0);
    assert_eq!(hit.record, error_response(2, 1, 750_000));
    assert!(store.search("status:teapot", 10).await.is_err());

    let sessions = store.sessions(10).await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].records, 3);
    store.end_session(rec.session_id()).await.unwrap();
    assert!(store.sessions(10).await.unwrap()[0].ended_at_us.is_some());
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    assert_eq!(store.setting("collections_dir").await.unwrap(), None);
    store.set_setting("collections_dir", Some("/tmp/a")).await.unwrap();
    store.set_setting("collections_dir", Some("/tmp/b")).await.unwrap();
    store.close().await;

    // Reopening finds the history and the settings, and does not migrate again.
    let again = Store::open_dir(&dir).await.expect("reopen");
    assert_eq!(again.schema_version().await.unwrap(), 6);
    assert_eq!(again.search("", 100).await.unwrap().len(), 3);
    assert_eq!(again.setting("collections_dir").await.unwrap().as_deref(), Some("/tmp/b"));
    again.set_setting("collections_dir", None).await.unwrap();
    assert_eq!(again.setting("collections_dir").await.unwrap(), None);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_newer_schema_is_refused_with_a_clear_error() {
    let dir = temp_dir("newer");
    let store = Store::open_dir(&dir).await.expect("open");
    sqlx_user_version(&store, 99).await;
    store.close().await;
    let err = Store::open_dir(&dir).await.err().expect("refused");
    assert!(err.to_string().contains("newer mcpscope"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn sqlx_user_version(store: &Store, v: i64) {
    // The store exposes no raw SQL; a second connection sets the version like a newer build would.
    let url = format!("sqlite://{}", store.path().display());
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("connect");
    sqlx::raw_sql(&format!("PRAGMA user_version = {v}")).execute(&mut conn).await.expect("set version");
}

#[tokio::test]
async fn a_flood_is_stored_in_batches() {
    let dir = temp_dir("flood");
    let store = Store::open_dir(&dir).await.expect("open");
    let rec = store.recorder(NewSession::new("http://h/mcp", "cli")).await.unwrap();
    for seq in 1..=20_000 {
        rec.record(request(
            seq,
            "notifications/message",
            r#"{"jsonrpc":"2.0","method":"notifications/message","params":{}}"#,
        ));
    }
    rec.flush().await;
    assert_eq!(store.sessions(1).await.unwrap()[0].records, 20_000);
    // A flood is written with no flush to ask for it.
    for seq in 20_001..=50_000 {
        rec.record(request(
            seq,
            "notifications/message",
            r#"{"jsonrpc":"2.0","method":"notifications/message","params":{}}"#,
        ));
    }
    let start = std::time::Instant::now();
    while store.sessions(1).await.unwrap()[0].records < 50_000 {
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "the flood was never written");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `notifications/message` whose data is `"{word} {seq}"`.
fn note(seq: u64, word: &str) -> Record {
    request(
        seq,
        "notifications/message",
        &format!(
            r#"{{"jsonrpc":"2.0","method":"notifications/message","params":{{"data":"{word} {seq}"}}}}"#
        ),
    )
}

/// Waits until the writers have indexed every stored record by themselves (no search asked).
async fn indexed_on_its_own(store: &Store) {
    let start = std::time::Instant::now();
    while store.unindexed().await.unwrap() > 0 {
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "the index never caught up on its own");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_index_follows_a_flood_and_a_search_never_misses_what_was_stored() {
    let dir = temp_dir("index-behind");
    let store = Store::open_dir(&dir).await.expect("open");
    let rec = store.recorder(NewSession::new("http://h/mcp", "cli")).await.unwrap();
    for seq in 1..=12_000 {
        rec.record(note(seq, "flood"));
    }
    rec.flush().await;
    // Whether or not the writer has indexed them yet, a search finds every one.
    assert_eq!(store.search("\"flood 11999\"", 10).await.unwrap().len(), 1);
    assert_eq!(store.search("flood", 20_000).await.unwrap().len(), 12_000);
    assert_eq!(store.unindexed().await.unwrap(), 0, "the search brought the index up to date");

    // Left alone, the writer indexes a flood itself once the stream rests.
    for seq in 12_001..=20_000 {
        rec.record(note(seq, "second"));
    }
    rec.flush().await;
    indexed_on_its_own(&store).await;

    // Big records: the texts the writer holds pass their bound (16 MB) within the flood, and
    // from then on each batch indexes a chunk in its own transaction.
    let pad = "y".repeat(5000);
    for seq in 20_001..=30_000 {
        rec.record(request(
            seq,
            "tools/call",
            &format!(
                r#"{{"jsonrpc":"2.0","id":{seq},"method":"tools/call","params":{{"big":"big{seq} {pad}"}}}}"#
            ),
        ));
    }
    rec.flush().await;
    let behind = store.unindexed().await.unwrap();
    assert!(behind <= 6_000, "the index kept up within the bound: {behind} of 10000 behind");
    assert_eq!(store.search("big29999", 10).await.unwrap().len(), 1);

    // The newest records deleted (their session pruned): ids do not come back below the
    // index's watermark, so what is stored next is indexed too.
    let newest = store.sessions(1).await.unwrap()[0].started_at_us;
    drop(rec);
    assert_eq!(store.prune(Some(newest + 1), None, None).await.unwrap(), 1);
    assert!(store.search("flood", 10).await.unwrap().is_empty(), "the pruned records left the index");
    // Every pooled connection judges the index sound after the prune rewrote it, also one that
    // last read it before (SQLite's FTS5 check trusted such a connection's stale structure).
    for _ in 0..8 {
        assert_eq!(store.integrity_check().await.unwrap(), "ok", "after the prune");
    }
    let rec = store.recorder(NewSession::new("http://h/mcp", "cli")).await.unwrap();
    for seq in 1..=10 {
        rec.record(note(seq, "after"));
    }
    rec.flush().await;
    assert_eq!(store.search("after", 100).await.unwrap().len(), 10);
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn rows_that_take_the_ids_of_pruned_ones_are_found_by_their_own_text() {
    let dir = temp_dir("ids-again");
    let store = Store::open_dir(&dir).await.expect("open");
    // A flood the writer holds the search texts of, to index once the stream rests...
    let first = store.recorder(NewSession::new("http://h/mcp", "cli")).await.unwrap();
    for seq in 1..=2000 {
        first.record(note(seq, "pruned"));
    }
    first.flush().await;
    // ...is pruned before that, unindexed, and a second flood takes the same ids while the
    // first writer still holds its texts.
    let started = store.sessions(1).await.unwrap()[0].started_at_us;
    assert_eq!(store.prune(Some(started + 1), None, None).await.unwrap(), 1);
    let second = store.recorder(NewSession::new("http://h/mcp", "cli")).await.unwrap();
    for seq in 1..=2000 {
        second.record(note(seq, "kept"));
    }
    second.flush().await;
    indexed_on_its_own(&store).await;
    assert_eq!(store.search("kept", 5000).await.unwrap().len(), 2000);
    assert!(store.search("pruned", 10).await.unwrap().is_empty(), "a pruned record's text came back");
    drop((first, second));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn migrates_a_database_left_by_the_previous_schema() {
    let dir = temp_dir("previous");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(mcpscope_store::DB_FILE);
    {
        // The database as the first release left it: schema 1, one session, one record.
        use sqlx::Connection;
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(mcpscope_store::INITIAL_SCHEMA).execute(&mut conn).await.unwrap();
        sqlx::raw_sql("PRAGMA user_version = 1").execute(&mut conn).await.unwrap();
        sqlx::query("INSERT INTO sessions (id, url, host, source, started_at_us) VALUES ('ses_old', 'http://old.example/mcp', 'old.example', 'cli', 1)")
            .execute(&mut conn)
            .await
            .unwrap();
        let json = serde_json::to_string(&request(
            1,
            "tools/list",
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
        ))
        .unwrap();
        sqlx::query("INSERT INTO records (session_id, seq, at_us, direction, kind, method, flagged, size, record) VALUES ('ses_old', 1, 1001, 'out', 'http-request', 'tools/list', 0, 10, ?)")
            .bind(json)
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let store = Store::open(&path).await.expect("migrate from schema 1");
    assert_eq!(store.schema_version().await.unwrap(), 6);
    let hits = store.search("method:tools/list server:old.example", 10).await.unwrap();
    assert_eq!(hits.len(), 1, "the old record is still there and found through the new index");
    assert_eq!(hits[0].session_id, "ses_old");
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn retention_prunes_old_or_large_history_and_clear_empties_it() {
    let dir = temp_dir("retention");
    let store = Store::open_dir(&dir).await.expect("open");
    let mut ids = Vec::new();
    for i in 0..3u64 {
        let rec = store.recorder(NewSession::new(format!("http://h{i}/mcp"), "cli")).await.unwrap();
        for seq in 1..=10 {
            rec.record(request(
                seq,
                "tools/list",
                &format!(
                    r#"{{"jsonrpc":"2.0","id":{seq},"method":"tools/list","params":{{"session":"s{i}"}}}}"#
                ),
            ));
        }
        rec.flush().await;
        ids.push(rec.session_id().to_owned());
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let newest_start = store.sessions(1).await.unwrap()[0].started_at_us;
    // By age: everything that started before the newest session, except the one in use.
    let pruned = store.prune(Some(newest_start), None, Some(&ids[0])).await.unwrap();
    assert_eq!(pruned, 1, "only the middle session: the newest is young, the oldest in use");
    let left: Vec<String> = store.sessions(10).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(left, vec![ids[2].clone(), ids[0].clone()]);
    assert!(store.search("\"s1\"", 10).await.unwrap().is_empty(), "its records and search entries are gone");
    assert_eq!(store.search("\"s2\"", 100).await.unwrap().len(), 10);
    // By size: keep about one session's worth of records.
    let one_session: i64 = store
        .search(&format!("session:{}", ids[2]), 100)
        .await
        .unwrap()
        .iter()
        .map(|h| serde_json::to_string(&h.record).unwrap().len() as i64)
        .sum();
    assert_eq!(store.prune(None, Some(one_session), None).await.unwrap(), 1);
    assert_eq!(store.sessions(10).await.unwrap().len(), 1);
    assert_eq!(store.clear().await.unwrap(), 1);
    assert!(store.sessions(10).await.unwrap().is_empty());
    assert!(store.search("tools", 10).await.unwrap().is_empty());
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A large record is stored compressed and comes back whole from every way in: search, by
/// seq, and as the response paired with its request; free-text search still finds it.
#[tokio::test]
async fn large_records_are_stored_compressed_and_read_back_whole() {
    let dir = temp_dir("compressed");
    let store = Store::open_dir(&dir).await.expect("open");
    let rec = store.recorder(NewSession::new("http://127.0.0.1:3001/mcp", "cli")).await.expect("session");
    let text = format!("unicorn-marker {}", "lorem ipsum ".repeat(40_000));
    let body =
        format!(r#"{{"jsonrpc":"2.0","id":1,"result":{{"content":[{{"type":"text","text":"{text}"}}]}}}}"#);
    let mut big = error_response(2, 1, 1_000);
    big.kind = RecordKind::HttpResponse {
        status: 200,
        headers: vec![],
        body: Some(Body::from_bytes(body.as_bytes())),
        latency_us: 1_000,
    };
    big.flags.clear();
    rec.record(request(1, "tools/call", r#"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#));
    rec.record(big.clone());
    rec.flush().await;
    let id = rec.session_id().to_owned();

    assert_eq!(store.record(&id, 2).await.unwrap(), Some(big.clone()), "by seq");
    assert_eq!(store.response_to(&id, 1).await.unwrap(), Some(big.clone()), "paired with its request");
    let found = store.search("unicorn-marker", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].record, big, "found by its text and read back whole");
    // Checkpointed, the WAL is folded into the database and emptied: the size is the data's,
    // not the log's (which holds every page the migrations wrote as well).
    store.checkpoint().await.unwrap();
    let size = std::fs::metadata(dir.join("mcpscope.db")).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir.join("mcpscope.db-wal")).map(|m| m.len()).unwrap_or(0);
    assert!(size < body.len() as u64, "the database holds less than the body's {} bytes: {size}", body.len());
}

/// The history is the user's alone: the data directory 0700, the database and its WAL and
/// shared-memory files 0600, an existing looser database tightened on open.
#[cfg(unix)]
#[tokio::test]
async fn the_history_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    let dir = temp_dir("private");
    let store = Store::open_dir(&dir).await.expect("open");
    let rec = store.recorder(NewSession::new("http://127.0.0.1:3001/mcp", "cli")).await.expect("session");
    rec.record(request(1, "tools/list", r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#));
    rec.flush().await;
    assert_eq!(mode(&dir), 0o700);
    let files: Vec<_> = std::fs::read_dir(&dir).expect("list").map(|e| e.expect("entry").path()).collect();
    assert!(files.iter().any(|f| f.to_string_lossy().ends_with("-wal")), "{files:?}");
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    drop(rec);
    drop(store);
    let db = dir.join(mcpscope_store::DB_FILE);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("loosen");
    Store::open_dir(&dir).await.expect("reopen");
    assert_eq!(mode(&db), 0o600, "tightened on open");
}

/// A disk slower than a flood: the history's queue stops at its bound, the records past it
/// are not stored, and a note in their place names how many and which; recording goes on
/// once the writer has taken a batch. Without the bound the queue grows with the flood.
#[tokio::test]
async fn a_full_history_queue_leaves_a_note_in_place_of_the_records_it_could_not_take() {
    let dir = temp_dir("queue");
    let store = Store::open_dir(&dir).await.expect("open");
    let rec = store.recorder(NewSession::new("http://127.0.0.1:3001/mcp", "cli")).await.expect("session");
    rec.limit_queue(2000);
    // The test's runtime has one thread: the writer runs only when the test awaits, so these
    // arrive faster than any disk.
    for seq in 1..=5000 {
        rec.record(request(seq, "ping", r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#));
    }
    rec.flush().await;
    for seq in 5001..=5010 {
        rec.record(request(seq, "ping", r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#));
    }
    rec.flush().await;
    let hits = store.search(&format!("session:{}", rec.session_id()), 10_000).await.unwrap();
    let seqs: Vec<u64> = hits.iter().map(|h| h.record.seq).collect();
    let expected: Vec<u64> = (1..=2001).chain(5001..=5010).collect();
    assert_eq!(seqs, expected);
    let note = &hits[2000].record;
    let RecordKind::Note { text } = &note.kind else { panic!("not a note: {note:?}") };
    assert!(text.contains("3000 records (seq 2001–5000) were not stored"), "{text}");
    assert!(note.flags.iter().any(|f| f.code == FlagCode::TooLarge));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn trusted_pins_are_kept_per_server_replaced_and_survive_clear() {
    use mcpscope_proto::trust::{ListKind, Pin};
    let dir = temp_dir("pins");
    let store = Store::open_dir(&dir).await.unwrap();
    let pin = |name: &str, hash: &str| Pin {
        kind: ListKind::Tool,
        name: name.into(),
        hash: hash.into(),
        definition: serde_json::json!({"name": name, "description": hash}),
    };
    let a = "http://127.0.0.1:1/mcp";
    let b = "http://127.0.0.1:2/mcp";
    store.trust(a, &[pin("echo", "h1"), pin("add", "h2")], &[]).await.unwrap();
    store.trust(b, &[pin("send_mail", "h3")], &[]).await.unwrap();
    assert_eq!(store.pins(a).await.unwrap(), vec![pin("add", "h2"), pin("echo", "h1")]);
    // Trusting one entry again replaces it; trusting a whole kind drops what is not in it.
    store.trust(a, &[pin("echo", "h9")], &[]).await.unwrap();
    assert_eq!(store.pins(a).await.unwrap(), vec![pin("add", "h2"), pin("echo", "h9")]);
    store.trust(a, &[pin("echo", "h9")], &[ListKind::Tool]).await.unwrap();
    assert_eq!(store.pins(a).await.unwrap(), vec![pin("echo", "h9")]);
    assert_eq!(store.tools_of_other_servers(a).await.unwrap(), vec![(b.to_owned(), "send_mail".to_owned())]);
    store.clear().await.unwrap();
    assert_eq!(store.pins(b).await.unwrap().len(), 1, "clearing the history keeps trust decisions");
    assert_eq!(store.forget_pins(a).await.unwrap(), 1);
    assert!(store.pins(a).await.unwrap().is_empty());
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
