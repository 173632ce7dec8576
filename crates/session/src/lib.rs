//! One place that ties the engine together for both shells (desktop app and CLI).
//!
//! The `Engine` and its connection state live here; its other areas are modules, each with
//! its own `impl Engine` block: `auth` (tokens and the OAuth client), `history` (search,
//! replay, exports, retention), `collections`, `settings` (collections folder, limits),
//! `view` (big records a piece at a time); `live` builds a live session for both shells, and
//! `error` is the error type.
//!
//! [`Engine`] owns the live session, keeps every captured [`Record`] in memory, batches
//! [`RecordSummary`]s to an [`EventSink`] (at most every [`BATCH_INTERVAL`]), and starts the
//! built-in demo server on demand.

mod auth;
pub mod collection;
mod collections;
mod error;
pub mod export;
mod history;
mod interact;
pub mod live;
mod log;
pub mod mask;
pub mod paths;
pub mod replay;
mod settings;
pub mod trust;
mod view;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use auth::default_secrets;
pub use error::{Result, SessionError};
pub use live::{LiveSession, SessionBuilder};
use log::RecordLog;
pub use log::SUMMARY_BATCH_ROWS;
use mcpscope_auth::SecretStore;
use mcpscope_demo::{DemoOptions, DemoServer};
use mcpscope_proto::{ConnectRequest, ConnectionState, ConnectionStatus, Record, RecordSummary, UiEvent};
use mcpscope_store::{Recorder, Store};
use mcpscope_wire::{Connection, LinkStatus, RecordSink};
use serde_json::Value;
pub use settings::{collections_dir, limits, preferences, set_collections_dir, set_limits, set_preferences};
use tracing::{Instrument, info, info_span};

/// Turns transparent huge pages off for this process (Linux; elsewhere nothing): the shells
/// and the benchmarks call it first thing in `main`.
///
/// A flood builds its records in fresh memory. Where THP is `always` (a common default), each
/// first touch of a 2 MiB region has the kernel zero all of it, and mimalloc's purging of freed
/// parts splits such pages to be faulted and zeroed again: `perf` on `wire-bench`'s session
/// path (20 floods of 50k, each in a new engine) put 38% of its CPU in the kernel's
/// `clear_page_erms`; with 4 KiB pages they used 17% less CPU (1375 → 1140 ms). In one
/// long-lived session the gain is smaller (`wire-bench`'s timed floods: the same CPU), and the
/// app's RSS once connected is lower (233 → 213 MB in `gui-bench`).
pub fn small_pages() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::debug!(error = %e, "transparent huge pages stay as the system has them");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod small_pages_tests {
    /// After the call the kernel says this process has transparent huge pages off.
    #[test]
    fn small_pages_turns_huge_pages_off_for_the_process() {
        super::small_pages();
        assert_eq!(rustix::thread::transparent_huge_pages_are_disabled().ok(), Some(true));
    }
}

/// How often new records are pushed to the UI: fast enough to feel live, slow enough that a
/// flood of notifications becomes a few hundred events a second, not tens of thousands.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(50);

/// Where the engine pushes events (the Tauri shell forwards them to the webview).
pub trait EventSink: Send + Sync + 'static {
    fn emit(&self, event: UiEvent);
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here leaves the data consistent: a poisoned lock is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Every record to the timeline and, when there is a history, to the store; requests in
/// flight are followed on the way.
struct Tee {
    log: Arc<RecordLog>,
    history: Option<Recorder>,
    tracker: Arc<interact::Tracker>,
}

impl RecordSink for Tee {
    fn record(&self, record: Record) {
        self.tracker.observe(&record);
        // One allocation shared by the timeline and the history writer.
        let record = Arc::new(record);
        if let Some(h) = &self.history {
            h.record(record.clone());
        }
        self.log.push(record);
    }

    fn record_batch(&self, batch: Vec<Arc<Record>>) {
        batch.iter().for_each(|r| self.tracker.observe(r));
        if let Some(h) = &self.history {
            h.record_all(batch.iter().cloned());
        }
        self.log.push_all(batch);
    }
}

struct Live {
    conn: Connection,
    request: ConnectRequest,
    /// Resource subscriptions under 2026-07-28: one `subscriptions/listen` stream per URI.
    listens: Arc<Mutex<std::collections::HashMap<String, mcpscope_wire::Listening>>>,
}

pub struct Engine {
    sink: Arc<dyn EventSink>,
    /// The history database; `None` runs without one (the timeline still works).
    store: Option<Store>,
    /// `app` or `cli`: stored with each session.
    source: &'static str,
    /// The current timeline; replaced (not cleared) on connect so late writers of the old
    /// session cannot leak into the new one.
    log: Arc<Mutex<Arc<RecordLog>>>,
    /// The current live session (history, trust book, OAuth client, capture); kept after a
    /// disconnect, without its history, for the panes that still show it.
    session: Mutex<Option<LiveSession>>,
    live: Mutex<Option<Live>>,
    last_request: Mutex<Option<ConnectRequest>>,
    state: Arc<Mutex<ConnectionState>>,
    demo: tokio::sync::Mutex<Option<DemoServer>>,
    flusher: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Has the flusher send what is unsent now, not at its next tick (the end of a request).
    send_now: Arc<tokio::sync::Notify>,
    /// The flusher's tick ([`BATCH_INTERVAL`]; longer in a test that must tell the two apart).
    tick: Duration,
    /// Where tokens go; opened (and probed) at the first OAuth connection.
    secrets: tokio::sync::OnceCell<Arc<dyn SecretStore>>,
    /// Ends the connection attempt under way (a browser authorization may wait minutes).
    cancel_connect: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    /// The big record being paged through.
    view: view::ViewCache,
    /// The server's requests waiting for the user, and the roots offered.
    interactive: Arc<interact::Interactive>,
    /// Our requests in flight (replaced on every connect).
    tracker: Mutex<Arc<interact::Tracker>>,
    /// Secret values a collection run has sent: masked in every record from then on.
    mask: Arc<mask::Mask>,
    /// Proxy mode: the listener forwarding a real client's traffic into this timeline, and
    /// the task that settles the server's trust after each list the client is answered.
    proxy: tokio::sync::Mutex<Option<(mcpscope_proxy::Proxy, tokio::task::JoinHandle<()>)>>,
}

impl Drop for Engine {
    /// The flusher holds the timeline (and so every record in it): without this, a dropped
    /// engine's records would stay in memory, ticked over every [`BATCH_INTERVAL`], for as
    /// long as the runtime lives (a CLI run, a test, a benchmark that makes engines).
    fn drop(&mut self) {
        if let Some(flusher) = lock(&self.flusher).take() {
            flusher.abort();
        }
    }
}

/// Under 2026-07-28 there is no GET stream: change notifications come on a
/// `subscriptions/listen` stream, opened here for every list the server says can change. It
/// ends with the connection.
fn listen_for_changes(conn: &Connection) {
    if !conn.info().is_stateless() {
        return;
    }
    let caps = &conn.info().capabilities;
    let changes = |what: &str| caps.pointer(&format!("/{what}/listChanged")) == Some(&Value::Bool(true));
    let filter = serde_json::json!({
        "toolsListChanged": changes("tools"),
        "promptsListChanged": changes("prompts"),
        "resourcesListChanged": changes("resources"),
    });
    if !["tools", "prompts", "resources"].iter().any(|w| changes(w)) {
        return;
    }
    let conn = conn.clone();
    tokio::spawn(async move {
        if let Err(e) = conn.listen(filter).await {
            conn.capture().note(format!("no change notifications: {e}"));
        }
    });
}

impl Engine {
    pub fn new(sink: Arc<dyn EventSink>) -> Engine {
        Engine::with_store(sink, None, "app")
    }

    /// An engine that keeps every session's records in `store` as well.
    pub fn with_store(sink: Arc<dyn EventSink>, store: Option<Store>, source: &'static str) -> Engine {
        Engine {
            sink: sink.clone(),
            store,
            source,
            log: Arc::new(Mutex::new(Arc::new(RecordLog::default()))),
            session: Mutex::new(None),
            live: Mutex::new(None),
            last_request: Mutex::new(None),
            state: Arc::new(Mutex::new(ConnectionState::disconnected())),
            demo: tokio::sync::Mutex::new(None),
            flusher: Mutex::new(None),
            send_now: Arc::new(tokio::sync::Notify::new()),
            tick: BATCH_INTERVAL,
            secrets: tokio::sync::OnceCell::new(),
            cancel_connect: Mutex::new(None),
            view: view::ViewCache::default(),
            interactive: Arc::new(interact::Interactive::new(sink.clone())),
            tracker: Mutex::new(Arc::new(interact::Tracker::new(sink.clone()))),
            mask: Arc::new(mask::Mask::default()),
            proxy: tokio::sync::Mutex::new(None),
        }
    }

    /// The current live session, if any.
    fn live_session(&self) -> Option<LiveSession> {
        lock(&self.session).clone()
    }

    /// Starts the task that batches summaries to the UI (needs a tokio runtime, so it starts
    /// with the first connect rather than in `new`).
    fn ensure_flusher(&self) {
        let mut f = lock(&self.flusher);
        if f.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        let sink = self.sink.clone();
        let log = self.log.clone();
        let (now, every) = (self.send_now.clone(), self.tick);
        *f = Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = now.notified() => {}
                }
                // The log is replaced on every new connect: take the current one each time.
                let current = lock(&log).clone();
                current.take_unsent(|items| sink.emit(UiEvent::Records { items }));
            }
        }));
    }

    fn set_state(&self, state: ConnectionState) {
        *lock(&self.state) = state.clone();
        self.sink.emit(UiEvent::State { state });
    }

    /// Connects (replacing any current session) and performs the handshake.
    pub async fn connect(&self, req: ConnectRequest) -> Result<ConnectionState> {
        self.disconnect().await?;
        let live = self.new_timeline(&req, self.source).await?;
        self.open(req, live).await
    }

    /// Proxy mode: serves a local MCP endpoint that forwards a real client's traffic to
    /// `req.url` (with `req.headers` added, and with OAuth mcpscope authorizes upstream itself)
    /// and shows it in this timeline like a connection of its own, recorded in the history
    /// with source `proxy`. Disconnect stops it.
    pub async fn start_proxy(&self, req: ConnectRequest) -> Result<ConnectionState> {
        self.disconnect().await?;
        let live = self.new_timeline(&req, "proxy").await?;
        let capture = live.capture().clone();
        let mut opts = mcpscope_proxy::ProxyOptions::new(req.url.clone());
        opts.headers = req.headers.clone();
        opts.authorizer = live.authorizer();
        let proxy = mcpscope_proxy::Proxy::start(opts, capture.clone()).await?;
        capture.note(format!("proxying {} → {}", proxy.url(), mcpscope_wire::redact_url(&req.url)));
        info!(listen = %proxy.url(), upstream = %mcpscope_wire::redact_url(&req.url), "proxy started");
        let state = ConnectionState {
            status: ConnectionStatus::Connected,
            url: Some(req.url.clone()),
            proxy: Some(proxy.url()),
            unrecorded: live.recorder().is_none(),
            ..ConnectionState::disconnected()
        };
        // The client's lists are compared with the trusted version as they pass.
        let watch = match live.trust().cloned() {
            Some(book) => {
                let sink = self.sink.clone();
                book.watch(self.store.clone(), move |report| sink.emit(UiEvent::Trust { report }))
            }
            None => tokio::spawn(async {}),
        };
        *self.proxy.lock().await = Some((proxy, watch));
        self.set_state(state.clone());
        Ok(state)
    }

    /// A new timeline, and a live session (history as `source`, trust book, OAuth client)
    /// whose capture feeds it.
    async fn new_timeline(&self, req: &ConnectRequest, source: &'static str) -> Result<LiveSession> {
        let limits = limits(self.store.as_ref()).await;
        self.sink.emit(UiEvent::Reset { window_rows: limits.window_rows });
        // A new timeline, bounded: the history holds every record.
        let log = Arc::new(RecordLog::bounded(limits.timeline_records));
        self.interactive.limit_waiting(limits.pending_requests);
        *lock(&self.log) = log.clone();
        let tracker = Arc::new(interact::Tracker::new(self.sink.clone()));
        *lock(&self.tracker) = tracker.clone();
        let live = self
            .session(req)
            .source(source)
            .limits(limits)
            .start(|history| Tee { log, history, tracker })
            .await?;
        *lock(&self.session) = Some(live.clone());
        self.ensure_flusher();
        Ok(live)
    }

    /// The one builder of a live session, for both shells: see [`live`].
    pub fn session(&self, req: &ConnectRequest) -> SessionBuilder<'_> {
        SessionBuilder::new(self, req)
    }

    /// The secrets masked in every record (the user's headers, a collection's secrets).
    pub fn mask(&self) -> &Arc<mask::Mask> {
        &self.mask
    }

    async fn open(&self, mut req: ConnectRequest, live: LiveSession) -> Result<ConnectionState> {
        // The secret lives in the OAuth client now; no copy of the request keeps it.
        req.auth.client_secret = None;
        req.auth.workload_token = None;
        *lock(&self.last_request) = Some(req.clone());
        let mut connecting = ConnectionState::disconnected();
        connecting.status = ConnectionStatus::Connecting;
        connecting.url = Some(req.url.clone());
        self.set_state(connecting);
        let mut opts = live.connect_options(&req);
        // A person answers the server's questions in the window.
        opts.capabilities = interact::interactive_capabilities();
        let span = info_span!("session", url = %mcpscope_wire::redact_url(&req.url));
        let (cancel, cancelled) = tokio::sync::oneshot::channel();
        *lock(&self.cancel_connect) = Some(cancel);
        let connecting =
            live.connect(opts, Arc::new(interact::Handler(self.interactive.clone()))).instrument(span);
        // Dropping the attempt also closes a waiting loopback listener.
        let result = tokio::select! {
            r = connecting => r.map_err(SessionError::from),
            _ = cancelled => Err(SessionError::Cancelled),
        };
        lock(&self.cancel_connect).take();
        match result {
            Ok(conn) => {
                let info = conn.info().clone();
                info!(transport = ?info.transport, version = %info.protocol_version, "connected");
                let state = ConnectionState {
                    status: ConnectionStatus::Connected,
                    url: Some(req.url.clone()),
                    transport: Some(info.transport),
                    protocol_version: Some(info.protocol_version.clone()),
                    session_id_hint: info.session_id.as_deref().map(hint),
                    server_name: info.server_info.get("name").and_then(Value::as_str).map(str::to_owned),
                    server_version: info
                        .server_info
                        .get("version")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    error: None,
                    advice: None,
                    capabilities: info.capabilities.clone(),
                    negotiation: info.negotiation.clone(),
                    proxy: None,
                    unrecorded: live.recorder().is_none(),
                };
                self.watch_status(&conn);
                listen_for_changes(&conn);
                *lock(&self.live) = Some(Live { conn: conn.clone(), request: req, listens: Arc::default() });
                self.set_state(state.clone());
                self.check_trust(&conn).await;
                Ok(state)
            }
            Err(e) => {
                let mut failed = ConnectionState::disconnected();
                failed.status = ConnectionStatus::Failed;
                failed.url = Some(req.url.clone());
                failed.error = Some(e.to_string());
                if let SessionError::Wire(w) = &e {
                    failed.advice = w.advice(&req.url);
                }
                self.set_state(failed);
                Err(e)
            }
        }
    }

    /// Reflects session expiry and stream ends in the status bar.
    fn watch_status(&self, conn: &Connection) {
        let mut rx = conn.status();
        let state = self.state.clone();
        let sink = self.sink.clone();
        tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let link = *rx.borrow();
                let mut s = lock(&state).clone();
                match link {
                    LinkStatus::SessionExpired => {
                        s.status = ConnectionStatus::SessionExpired;
                        s.error = Some(
                            "The server no longer knows this session. Re-initialize to start a new one."
                                .to_owned(),
                        );
                    }
                    LinkStatus::Closed => {
                        if s.status == ConnectionStatus::Connected {
                            s.status = ConnectionStatus::Disconnected;
                        }
                    }
                    LinkStatus::Open => continue,
                }
                *lock(&state) = s.clone();
                sink.emit(UiEvent::State { state: s });
            }
        });
    }

    /// Ends the session (DELETE where the server issued a session id).
    pub async fn disconnect(&self) -> Result<()> {
        if let Some(cancel) = lock(&self.cancel_connect).take() {
            let _ = cancel.send(());
        }
        if let Some((proxy, watch)) = self.proxy.lock().await.take() {
            proxy.stop().await;
            watch.abort();
            let mut s = lock(&self.state).clone();
            s.status = ConnectionStatus::Disconnected;
            s.proxy = None;
            self.set_state(s);
        }
        let live = lock(&self.live).take();
        self.interactive.clear();
        if let Some(live) = live {
            live.conn.close().await;
            let tracker = lock(&self.tracker).clone();
            tracker.clear();
            let mut s = lock(&self.state).clone();
            s.status = ConnectionStatus::Disconnected;
            s.error = None;
            self.set_state(s);
        }
        self.end_history().await;
        Ok(())
    }

    /// Commits the session's last records and marks it ended.
    async fn end_history(&self) {
        let live = lock(&self.session).as_mut().map(LiveSession::history_ended);
        if let Some(live) = live {
            live.end_history().await;
        }
    }

    /// The history database, if this engine keeps one.
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// Starts a fresh session with the same settings (after session expiry); the timeline
    /// continues.
    pub async fn reinitialize(&self) -> Result<ConnectionState> {
        let req = lock(&self.last_request).clone().ok_or(SessionError::NotConnected)?;
        if let Some(live) = lock(&self.live).take() {
            // The old session is gone on the server; close our side without ceremony.
            let conn = live.conn;
            tokio::spawn(async move { conn.close().await });
        }
        match self.live_session() {
            Some(live) => {
                live.capture().note("re-initializing: starting a new session");
                self.open(req, live).await
            }
            None => self.connect(req).await,
        }
    }

    fn conn(&self) -> Result<Connection> {
        lock(&self.live).as_ref().map(|l| l.conn.clone()).ok_or(SessionError::NotConnected)
    }

    /// Sends a request with an engine-assigned id; returns the whole JSON-RPC response
    /// message (`{"jsonrpc","id","result"}` or `{…,"error"}`).
    ///
    /// Under 2026-07-28, `resources/subscribe` and `resources/unsubscribe` (gone from that
    /// version) open and close a `subscriptions/listen` stream for the URI instead, which the
    /// timeline shows as it went; the reply says so.
    pub async fn request(&self, method: String, params: Option<Value>) -> Result<Value> {
        let conn = self.conn()?;
        if conn.info().is_stateless()
            && matches!(method.as_str(), "resources/subscribe" | "resources/unsubscribe")
        {
            let uri =
                params.as_ref().and_then(|p| p.get("uri")).and_then(Value::as_str).unwrap_or("").to_owned();
            let listens =
                lock(&self.live).as_ref().map(|l| l.listens.clone()).ok_or(SessionError::NotConnected)?;
            return Ok(if method == "resources/subscribe" {
                let listening = conn.listen(serde_json::json!({"resourceSubscriptions": [uri]})).await?;
                let reply = serde_json::json!({"result": {
                    "subscriptions/listen": {"id": listening.id, "accepted": listening.accepted},
                    "note": format!("{} has no resources/subscribe: mcpscope opened a subscriptions/listen stream for {uri}", conn.info().protocol_version),
                }});
                if let Some(old) = lock(&listens).insert(uri, listening) {
                    old.stop();
                }
                reply
            } else {
                let stopped = lock(&listens).remove(&uri).inspect(mcpscope_wire::Listening::stop).is_some();
                serde_json::json!({"result": {"note": if stopped {
                    format!("closed the subscriptions/listen stream for {uri}")
                } else {
                    format!("no subscriptions/listen stream is open for {uri}")
                }}})
            });
        }
        let reply = conn.request(&method, params).await;
        // The request's records are through the lint by now: the flusher sends them at once,
        // so the window gets them with the answer, not up to a tick (`BATCH_INTERVAL`) later.
        self.send_now.notify_one();
        let reply = reply?;
        if mcpscope_proto::trust::ListKind::of_method(&method).is_some() {
            self.settle_trust().await;
        }
        Ok(reply)
    }

    /// Lists what the server offers (tools, prompts, resource templates: those its
    /// capabilities announce, every page) and compares it with the version the user trusted.
    /// The requests show in the timeline like any other, the findings as `trust/…` lint on
    /// their answers, and the window gets a [`UiEvent::Trust`]. A list that fails or is slow
    /// only ends the check early: the connection is up either way.
    async fn check_trust(&self, conn: &Connection) {
        trust::list_offered(conn).await;
        self.settle_trust().await;
    }

    /// Pins what was seen for the first time, and tells the window what changed.
    async fn settle_trust(&self) {
        if let Some(live) = self.live_session()
            && let Some(report) = live.settle_trust().await
        {
            info!(changes = report.changes.len(), first_pinned = report.first_pinned, "server trust checked");
            self.sink.emit(UiEvent::Trust { report });
        }
    }

    /// What the current connection found against the server's trusted version.
    pub fn trust_report(&self) -> Option<mcpscope_proto::trust::TrustReport> {
        self.live_session()?.trust().map(|b| b.report())
    }

    /// Trusts the current version of the server (what this connection was listed): the
    /// banner goes away and the next connection compares against it.
    pub async fn trust_current(&self) -> Result<mcpscope_proto::trust::TrustReport> {
        let book = self.live_session().and_then(|s| s.trust().cloned()).ok_or(SessionError::NotConnected)?;
        let n = book.trust_current(self.history()?).await?;
        info!(entries = n, server = %book.server(), "trusted the server's current version");
        let report = book.report();
        self.sink.emit(UiEvent::Trust { report: report.clone() });
        Ok(report)
    }

    /// Sends `text` exactly as given (it may be malformed on purpose).
    pub async fn send_raw(&self, text: String) -> Result<()> {
        let conn = self.conn()?;
        Ok(conn.send_raw(text).await?)
    }

    /// Cancels request `id` of ours (its id as JSON text): the server gets
    /// `notifications/cancelled`. `false` when it had already finished.
    pub async fn cancel_request(&self, id: &str) -> Result<bool> {
        let conn = self.conn()?;
        let cancelled = conn.cancel(id, "cancelled by the user in mcpscope").await?;
        let tracker = lock(&self.tracker).clone();
        tracker.finish(id);
        Ok(cancelled)
    }

    /// Our requests waiting for their response, with their progress.
    pub fn inflight(&self) -> Vec<mcpscope_proto::Inflight> {
        lock(&self.tracker).items()
    }

    /// The server's requests waiting for the user.
    pub fn server_requests(&self) -> Vec<mcpscope_proto::ServerRequest> {
        self.interactive.pending()
    }

    /// Answers server request `handle` (from [`UiEvent::ServerRequests`]).
    pub fn answer_server_request(&self, handle: u64, answer: mcpscope_proto::ServerAnswer) -> Result<()> {
        if self.interactive.answer(handle, answer) { Ok(()) } else { Err(SessionError::NotWaiting(handle)) }
    }

    /// The roots offered to the server; tells a connected server they changed.
    pub async fn set_roots(&self, roots: Vec<mcpscope_proto::Root>) -> Result<()> {
        self.interactive.set_roots(roots);
        let conn = lock(&self.live).as_ref().map(|l| l.conn.clone());
        if let Some(conn) = conn {
            conn.notify("notifications/roots/list_changed", None).await?;
        }
        Ok(())
    }

    /// Opens a URL a server sent (URL-mode elicitation) in the system browser, once the user
    /// has said so: http and https only, never through a shell. `MCPSCOPE_NO_BROWSER` turns it
    /// into a no-op (tests, remote sessions).
    pub fn open_external(&self, url: &str) -> Result<()> {
        let parsed =
            url::Url::parse(url).map_err(|source| SessionError::NotAUrl { url: url.to_owned(), source })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(SessionError::NotHttpUrl(parsed.scheme().to_owned()));
        }
        if std::env::var_os("MCPSCOPE_NO_BROWSER").is_some() {
            return Ok(());
        }
        mcpscope_auth::redirect::open_in_browser(&parsed).map_err(SessionError::Browser)
    }

    /// The servers of an MCP client's configuration file: read from `path` (`~` is the home
    /// directory), or given as `text`.
    pub fn import_servers(
        text: Option<&str>,
        path: Option<&str>,
    ) -> Result<Vec<mcpscope_proto::servers::ServerEntry>> {
        let read;
        let text = match (text, path.map(str::trim).filter(|p| !p.is_empty())) {
            (_, Some(p)) => {
                let expanded = match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
                    (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
                    _ => std::path::PathBuf::from(p),
                };
                read = std::fs::read_to_string(&expanded)
                    .map_err(|source| SessionError::Read { path: expanded.clone(), source })?;
                read.as_str()
            }
            (Some(t), None) if !t.trim().is_empty() => t,
            _ => return Err(SessionError::NothingToImport),
        };
        mcpscope_proto::servers::import(text).map_err(SessionError::NotAConfig)
    }

    /// Drops the standalone GET stream and resumes it with Last-Event-ID.
    pub fn resume_get_stream(&self) -> Result<()> {
        self.conn()?.resume_get_stream();
        Ok(())
    }

    /// A record of the live session, its message decoded.
    pub async fn record(&self, seq: u64) -> Option<Record> {
        self.raw_record(seq).await.map(Record::with_message)
    }

    /// A record of the live session as captured (its message not decoded): from memory, or
    /// from the history once it has left memory (see `Limits::timeline_records`).
    async fn raw_record(&self, seq: u64) -> Option<Record> {
        let log = lock(&self.log).clone();
        if let Some(r) = log.get(seq) {
            return Some(Record::clone(&r));
        }
        let live = self.live_session()?;
        let (store, id) = live.stored().await?;
        match store.record(id, seq).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(seq, error = %e, "could not read a record back from the history");
                None
            }
        }
    }

    /// The summaries of the newest `limit` records of the live timeline before `seq`, in seq
    /// order: from memory, and from the history for those that have left it (the window
    /// loads older rows a page at a time). Fewer than `limit`: there are no more (or, without
    /// a history, no more were kept).
    pub async fn timeline_page(&self, seq: u64, limit: u32) -> Result<Vec<RecordSummary>> {
        let log = lock(&self.log).clone();
        let (mut page, oldest) = log.before(seq, limit as usize);
        let missing = (limit as usize).saturating_sub(page.len());
        let stored_before = oldest.map_or(seq, |o| o.min(seq));
        if missing > 0
            && stored_before > 1
            && let Some(live) = self.live_session()
            && let Some((store, id)) = live.stored().await
        {
            let older = store.records_before(id, stored_before, missing as u32).await?;
            page.splice(0..0, older.into_iter().map(Arc::new));
        }
        let mut strings = mcpscope_proto::Interner::default();
        let mut scratch = String::new();
        Ok(page.iter().map(|r| r.summary_into(&mut |s| strings.get(s), &mut scratch)).collect())
    }

    /// A copy of the records of the current timeline kept in memory (the newest
    /// `Limits::timeline_records`).
    pub fn records(&self) -> Vec<Record> {
        lock(&self.log).clone().copies()
    }

    pub fn state(&self) -> ConnectionState {
        lock(&self.state).clone()
    }

    /// The request the current session was opened with.
    pub fn connect_request(&self) -> Option<ConnectRequest> {
        lock(&self.live).as_ref().map(|l| l.request.clone())
    }

    /// Starts the built-in demo server on a loopback port (once) and returns its MCP URL.
    pub async fn start_demo(&self) -> Result<String> {
        let mut demo = self.demo.lock().await;
        if let Some(d) = demo.as_ref() {
            return Ok(d.url().to_owned());
        }
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let server = DemoServer::start(addr, DemoOptions::default()).await?;
        let url = server.url().to_owned();
        info!(%url, "demo server started");
        *demo = Some(server);
        Ok(url)
    }
}

/// Session ids are bearer-like handles: show only enough to tell two apart.
fn hint(id: &str) -> String {
    let n = id.chars().count();
    if n <= 8 {
        "‹short id›".to_owned()
    } else {
        let head: String = id.chars().take(4).collect();
        let tail: String = id.chars().skip(n - 4).collect();
        format!("{head}…{tail}")
    }
}

#[cfg(test)]
mod flusher_tests;
