//! One place that ties the engine together for both shells (desktop app and CLI).
//!
//! Long file: the `Engine` and its connection state; areas with their own logic are modules
//! (view, replay, export, trust, interact). Moving the history, collections and auth methods
//! to modules of their own is planned (issue 14).
//!
//! [`Engine`] owns the live session, keeps every captured [`Record`] in memory, batches
//! [`RecordSummary`]s to an [`EventSink`] (at most every [`BATCH_INTERVAL`]), and starts the
//! built-in demo server on demand.

pub mod collection;
pub mod export;
mod interact;
pub mod live;
pub mod mask;
pub mod paths;
pub mod replay;
pub mod trust;
mod view;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use live::{LiveSession, SessionBuilder};
use mcpscope_auth::{OAuth, OAuthOptions, SecretStore};
use mcpscope_demo::{DemoOptions, DemoServer};
use mcpscope_proto::{
    AuthStatus, ConnectRequest, ConnectionState, ConnectionStatus, HistoryHit, IpcError, Limits, Record,
    RecordSummary, SessionInfo, UiEvent,
};
use mcpscope_store::{Recorder, Store};
use mcpscope_wire::{Capture, Connection, LinkStatus, RecordSink, WireError};
use serde_json::Value;
use tracing::{Instrument, info, info_span};

/// How often new records are pushed to the UI: fast enough to feel live, slow enough that a
/// flood of notifications becomes a few hundred events a second, not tens of thousands.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(50);

/// How long the first OAuth connection waits for the OS keyring to answer.
const KEYRING_PROBE_LIMIT: Duration = Duration::from_secs(8);

/// Where the engine pushes events (the Tauri shell forwards them to the webview).
pub trait EventSink: Send + Sync + 'static {
    fn emit(&self, event: UiEvent);
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    #[error("not connected: connect to a server first")]
    NotConnected,
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("demo server: {0}")]
    Demo(String),
    #[error("no history: the database could not be opened when mcpscope started (see the log)")]
    NoHistory,
    #[error(transparent)]
    History(#[from] mcpscope_store::StoreError),
    #[error("replay: {0}")]
    Replay(String),
    #[error(transparent)]
    Collection(#[from] collection::CollectionError),
    #[error("OAuth: {0}")]
    Auth(String),
    #[error("the connection attempt was cancelled")]
    Cancelled,
    #[error("{0}")]
    View(String),
    #[error("import: {0}")]
    Import(String),
    #[error("export: {0}")]
    Export(String),
    #[error("limits: {0}")]
    Limits(String),
    #[error("proxy: {0}")]
    Proxy(#[from] mcpscope_proxy::ProxyError),
}

impl SessionError {
    pub fn kind(&self) -> mcpscope_proto::IpcErrorKind {
        use mcpscope_proto::IpcErrorKind as K;
        match self {
            SessionError::NotConnected => K::NotConnected,
            SessionError::Wire(e) => e.kind(),
            SessionError::Demo(_) => K::Demo,
            SessionError::NoHistory => K::NoHistory,
            SessionError::History(mcpscope_store::StoreError::Query(_)) => K::BadQuery,
            SessionError::History(_) => K::History,
            SessionError::Replay(_) => K::Replay,
            SessionError::Collection(collection::CollectionError::SecretElsewhere { .. }) => {
                K::SecretElsewhere
            }
            SessionError::Collection(_) => K::Collection,
            SessionError::Auth(_) => K::Auth,
            SessionError::Cancelled => K::Cancelled,
            SessionError::View(_) => K::View,
            SessionError::Import(_) => K::Import,
            SessionError::Export(_) => K::Export,
            SessionError::Limits(_) => K::Limits,
            SessionError::Proxy(_) => K::Proxy,
        }
    }
}

impl From<SessionError> for IpcError {
    fn from(e: SessionError) -> IpcError {
        IpcError { kind: e.kind(), message: e.to_string() }
    }
}

pub type Result<T, E = SessionError> = std::result::Result<T, E>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here leaves the data consistent: a poisoned lock is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The OS keyring (or memory, with the reason), probed once per process: every window's
/// engine shares it.
static SECRETS: tokio::sync::OnceCell<Arc<dyn SecretStore>> = tokio::sync::OnceCell::const_new();

/// Where secrets go: the OS keyring when it answers, else memory. The first call probes the
/// keyring (the app starts it early, in the background, so no window waits on it).
pub async fn default_secrets() -> Arc<dyn SecretStore> {
    SECRETS
        .get_or_init(|| async {
            // The keyring probe talks D-Bus synchronously: keep it off the async workers. A
            // locked keyring may wait for an unlock prompt nobody answers: do not wait long.
            let probe = tokio::task::spawn_blocking(mcpscope_auth::default_store);
            match tokio::time::timeout(KEYRING_PROBE_LIMIT, probe).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => Arc::new(mcpscope_auth::MemoryStore::new(format!("keyring probe failed: {e}"))),
                Err(_) => Arc::new(mcpscope_auth::MemoryStore::new(format!(
                    "the keyring did not answer within {} s (locked? unlock it and restart mcpscope)",
                    KEYRING_PROBE_LIMIT.as_secs()
                ))),
            }
        })
        .await
        .clone()
}

/// The setting that holds the collections folder the user chose.
const COLLECTIONS_DIR: &str = "collections_dir";

/// The collections folder: the setting in `store`, else `<data dir>/collections` (`true`).
pub async fn collections_dir(store: Option<&Store>) -> (std::path::PathBuf, bool) {
    let chosen = match store {
        Some(s) => s.setting(COLLECTIONS_DIR).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read the collections folder setting");
            None
        }),
        None => None,
    };
    match chosen {
        Some(dir) => (std::path::PathBuf::from(dir), false),
        None => (mcpscope_store::default_data_dir().join("collections"), true),
    }
}

/// Chooses the collections folder (an absolute path, created when missing); `None` goes back
/// to the default. Returns the folder now in use.
pub async fn set_collections_dir(store: &Store, dir: Option<&str>) -> Result<std::path::PathBuf> {
    let bad = |why: String| SessionError::Collection(collection::CollectionError::BadFolder(why));
    match dir.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => {
            let path = std::path::PathBuf::from(d);
            if !path.is_absolute() {
                return Err(bad(format!("{d:?} is not an absolute path (start it with /)")));
            }
            if path.exists() && !path.is_dir() {
                return Err(bad(format!("{d} is a file, not a folder")));
            }
            std::fs::create_dir_all(&path).map_err(|e| bad(format!("could not create {d}: {e}")))?;
            store.set_setting(COLLECTIONS_DIR, Some(d)).await?;
            Ok(path)
        }
        None => {
            store.set_setting(COLLECTIONS_DIR, None).await?;
            Ok(collections_dir(Some(store)).await.0)
        }
    }
}

/// The setting that holds the limits the user chose (JSON).
const LIMITS: &str = "limits";

/// The limits in force: the setting in `store`, else the defaults. A setting that does not
/// read (or is under a minimum, edited by hand) falls back to the defaults, with a warning in
/// the log.
pub async fn limits(store: Option<&Store>) -> Limits {
    let Some(store) = store else { return Limits::default() };
    let saved = match store.setting(LIMITS).await {
        Ok(Some(text)) => text,
        Ok(None) => return Limits::default(),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the limits setting; using the defaults");
            return Limits::default();
        }
    };
    match serde_json::from_str::<Limits>(&saved)
        .map_err(|e| e.to_string())
        .and_then(|l| l.check().map(|()| l))
    {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "the saved limits do not read; using the defaults");
            Limits::default()
        }
    }
}

/// Saves the limits (`None`: back to the defaults) after checking each against its minimum;
/// they apply from the next connection. Returns the limits now saved.
pub async fn set_limits(store: &Store, chosen: Option<Limits>) -> Result<Limits> {
    match chosen {
        Some(l) => {
            l.check().map_err(SessionError::Limits)?;
            let text = serde_json::to_string(&l).map_err(|e| SessionError::Limits(e.to_string()))?;
            store.set_setting(LIMITS, Some(&text)).await?;
            Ok(l)
        }
        None => {
            store.set_setting(LIMITS, None).await?;
            Ok(Limits::default())
        }
    }
}

/// Runs keyring work (D-Bus, synchronous) off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, collection::CollectionError> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => Ok(r?),
        Err(e) => Err(SessionError::Collection(collection::CollectionError::Keyring(format!(
            "the keyring call did not finish: {e}"
        )))),
    }
}

/// Writes `text` to `path`, creating its folder.
fn write_file(path: &std::path::Path, text: &str) -> Result<()> {
    mcpscope_store::write_private(path, text.as_bytes())
        .map_err(|e| SessionError::Export(format!("could not write {}: {e}", path.display())))
}

/// Where the window's exports go: `<data dir>/exports/<file>`.
fn export_path(file: &str) -> std::path::PathBuf {
    mcpscope_store::default_data_dir().join("exports").join(file)
}

/// The current timeline's records (the newest `Limits::timeline_records` of them: the history
/// has the rest; without a history older ones are gone, their summary rows stay in the
/// window), plus the summaries not yet sent to the UI.
#[derive(Default)]
struct RecordLog {
    records: Mutex<std::collections::VecDeque<Arc<Record>>>,
    /// `Some(n)`: keep the newest `n` records only.
    keep: Option<usize>,
    /// Records not yet summarized to the UI: summaries are made by the flusher, off the
    /// capture path, and a growing list of pointers costs little to extend.
    unsent: Mutex<Vec<Arc<Record>>>,
    /// Shares the summaries' strings.
    strings: Mutex<mcpscope_proto::Interner>,
}

impl RecordLog {
    fn bounded(keep: u64) -> RecordLog {
        RecordLog { keep: Some(usize::try_from(keep).unwrap_or(usize::MAX)), ..RecordLog::default() }
    }

    fn push(&self, record: Arc<Record>) {
        self.push_all(vec![record]);
    }

    /// Consecutive records, each lock taken once.
    fn push_all(&self, batch: Vec<Arc<Record>>) {
        lock(&self.unsent).extend(batch.iter().cloned());
        let mut records = lock(&self.records);
        records.extend(batch);
        if let Some(keep) = self.keep {
            let over = records.len().saturating_sub(keep);
            records.drain(..over);
        }
    }

    /// The summaries of the records not yet sent, taken.
    fn take_unsent(&self) -> Vec<RecordSummary> {
        let unsent = std::mem::take(&mut *lock(&self.unsent));
        let mut strings = lock(&self.strings);
        unsent.iter().map(|r| r.summary_with(&mut |s| strings.get(s))).collect()
    }

    /// The record `seq`, if it is still in memory.
    fn get(&self, seq: u64) -> Option<Arc<Record>> {
        let records = lock(&self.records);
        // Records arrive in seq order: index by the distance from the oldest kept.
        let first = records.front()?.seq;
        let idx = usize::try_from(seq.checked_sub(first)?).ok()?;
        match records.get(idx) {
            Some(r) if r.seq == seq => Some(r.clone()),
            _ => records.iter().find(|r| r.seq == seq).cloned(),
        }
    }
}

impl RecordSink for RecordLog {
    fn record(&self, record: Record) {
        self.push(Arc::new(record));
    }
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

    fn record_batch(&self, batch: Vec<Record>) {
        batch.iter().for_each(|r| self.tracker.observe(r));
        let batch: Vec<Arc<Record>> = batch.into_iter().map(Arc::new).collect();
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
            secrets: tokio::sync::OnceCell::new(),
            cancel_connect: Mutex::new(None),
            view: view::ViewCache::default(),
            interactive: Arc::new(interact::Interactive::new(sink.clone())),
            tracker: Mutex::new(Arc::new(interact::Tracker::new(sink.clone()))),
            mask: Arc::new(mask::Mask::default()),
            proxy: tokio::sync::Mutex::new(None),
        }
    }

    /// Keeps tokens in `store` instead of the process's [`default_secrets`] (tests; a
    /// keyring-less build).
    pub fn set_secret_store(&self, store: Arc<dyn SecretStore>) {
        let _ = self.secrets.set(store);
    }

    async fn secret_store(&self) -> Arc<dyn SecretStore> {
        match self.secrets.get() {
            Some(s) => s.clone(),
            None => default_secrets().await,
        }
    }

    /// A new OAuth client with options `o`, its HTTP exchanges recorded into `capture` (its
    /// steps stream to the sink as they finish).
    pub(crate) async fn new_oauth(&self, o: OAuthOptions, capture: &Arc<Capture>) -> Result<Arc<OAuth>> {
        let http =
            mcpscope_auth::Http::new(capture.clone()).map_err(|e| SessionError::Auth(e.to_string()))?;
        let sink = self.sink.clone();
        let observer: mcpscope_auth::StepObserver =
            Arc::new(move |step| sink.emit(UiEvent::AuthStep { step: step.clone() }));
        let oauth = OAuth::new(o, http, self.secret_store().await, Some(observer))
            .map_err(|e| SessionError::Auth(e.to_string()))?;
        Ok(Arc::new(oauth))
    }

    /// The current live session, if any.
    fn live_session(&self) -> Option<LiveSession> {
        lock(&self.session).clone()
    }

    fn current_oauth(&self) -> Result<Arc<OAuth>> {
        self.live_session()
            .and_then(|s| s.oauth().cloned())
            .ok_or_else(|| SessionError::Auth("OAuth is not on for this connection".to_owned()))
    }

    /// The OAuth flow's steps and the current tokens, decoded and checked (the JWKS is
    /// fetched now).
    pub async fn auth_status(&self) -> AuthStatus {
        let oauth = self.live_session().and_then(|s| s.oauth().cloned());
        match oauth {
            Some(o) => AuthStatus {
                enabled: true,
                steps: o.steps(),
                tokens: o.inspect().await,
                store: o.store_description(),
            },
            None => AuthStatus::default(),
        }
    }

    /// The access token itself, for a user who asked to see it.
    pub async fn auth_reveal(&self) -> Result<String> {
        let o = self.current_oauth()?;
        o.tokens()
            .await
            .map(|t| t.access_token)
            .ok_or_else(|| SessionError::Auth("no access token yet".to_owned()))
    }

    /// Refreshes the access token now.
    pub async fn auth_refresh(&self) -> Result<()> {
        self.current_oauth()?.refresh_now().await.map_err(SessionError::Auth)
    }

    /// Forgets this server's tokens, in memory and in the keyring.
    pub async fn auth_logout(&self) -> Result<()> {
        let o = self.current_oauth()?;
        o.logout().await.map_err(|e| SessionError::Auth(e.to_string()))
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
        *f = Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(BATCH_INTERVAL);
            loop {
                tick.tick().await;
                // The log is replaced on every new connect: take the current one each tick.
                let current = lock(&log).clone();
                let items = current.take_unsent();
                if !items.is_empty() {
                    sink.emit(UiEvent::Records { items: items.into() });
                }
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
        self.sink.emit(UiEvent::Reset);
        let live = self.new_timeline(&req, self.source).await?;
        self.open(req, live).await
    }

    /// Proxy mode: serves a local MCP endpoint that forwards a real client's traffic to
    /// `req.url` (with `req.headers` added, and with OAuth mcpscope authorizes upstream itself)
    /// and shows it in this timeline like a connection of its own, recorded in the history
    /// with source `proxy`. Disconnect stops it.
    pub async fn start_proxy(&self, req: ConnectRequest) -> Result<ConnectionState> {
        self.disconnect().await?;
        self.sink.emit(UiEvent::Reset);
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
        let connecting = Connection::connect_with_capture(
            opts,
            live.capture().clone(),
            Arc::new(interact::Handler(self.interactive.clone())),
        )
        .instrument(span);
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
                };
                self.watch_status(&conn);
                listen_for_changes(&conn);
                live.connected(&info).await;
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

    /// Waits until every record captured so far is in the history database.
    pub async fn flush_history(&self) {
        if let Some(live) = self.live_session() {
            live.flush().await;
        }
    }

    fn history(&self) -> Result<&Store> {
        self.store.as_ref().ok_or(SessionError::NoHistory)
    }

    /// The newest `limit` records of the history matching `query` (the language of
    /// `mcpscope_store::search`), in the order they were stored.
    pub async fn history_search(&self, query: &str, limit: u32) -> Result<Vec<HistoryHit>> {
        self.flush_history().await;
        let hits = self.history()?.search(query, limit).await?;
        Ok(hits
            .into_iter()
            .map(|h| HistoryHit {
                session_id: h.session_id,
                at_us: h.record.at_us,
                summary: h.record.summary(),
            })
            .collect())
    }

    /// One record of the history, its message decoded.
    pub async fn history_record(&self, session_id: &str, seq: u64) -> Result<Option<Record>> {
        Ok(self.history()?.record(session_id, seq).await?.map(Record::with_message))
    }

    /// Stored sessions, newest first.
    pub async fn history_sessions(&self, limit: u32) -> Result<Vec<SessionInfo>> {
        self.flush_history().await;
        Ok(self.history()?.sessions(limit).await?)
    }

    /// Sends recorded request `seq` of `session_id` again on the live session (with `params`
    /// instead of the recorded ones when given) and diffs the answer with the recorded one.
    pub async fn replay(&self, session_id: &str, seq: u64, params: Option<Value>) -> Result<replay::Replay> {
        let conn = self.conn()?;
        self.flush_history().await;
        replay::replay(self.history()?, &conn, session_id, seq, params).await
    }

    /// Replays every client request of stored session `session_id` on the live session, in
    /// order, each diffed against its recorded answer.
    pub async fn replay_session(&self, session_id: &str) -> Result<Vec<mcpscope_proto::ReplayStep>> {
        let conn = self.conn()?;
        self.flush_history().await;
        replay::replay_session(self.history()?, &conn, session_id).await
    }

    /// A one-file bug report of stored session `session_id` and what is redacted in it
    /// ([`export::bug_report`]); with `write`, also saved as
    /// `<data dir>/reports/<session>.json`, whose path is returned.
    pub async fn bug_report(&self, session_id: &str, write: bool) -> Result<mcpscope_proto::BugReport> {
        self.bug_report_to(session_id, write, None).await
    }

    /// [`Engine::bug_report`], written to `dest` (a path the shell has checked) instead of
    /// `<data dir>/reports/<id>.json` when given.
    pub async fn bug_report_to(
        &self,
        session_id: &str,
        write: bool,
        dest: Option<&std::path::Path>,
    ) -> Result<mcpscope_proto::BugReport> {
        self.flush_history().await;
        let (report, redactions, _) = export::session_report(self.history()?, session_id).await?;
        if !write {
            return Ok(mcpscope_proto::BugReport { redactions, path: None });
        }
        let path = match dest {
            Some(d) => d.to_path_buf(),
            None => mcpscope_store::default_data_dir().join("reports").join(format!("{session_id}.json")),
        };
        let text = serde_json::to_string_pretty(&report).map_err(|e| SessionError::Export(e.to_string()))?;
        write_file(&path, &text)?;
        Ok(mcpscope_proto::BugReport { redactions, path: Some(path.display().to_string()) })
    }

    /// The tools/resources/prompts lists of two stored sessions compared (`old` → `new`).
    pub async fn diff_sessions(&self, old: &str, new: &str) -> Result<Vec<mcpscope_proto::ListDiff>> {
        self.flush_history().await;
        replay::diff_sessions(self.history()?, old, new).await
    }

    /// Where collections live: the folder the user chose (a setting shared with the CLI), else
    /// `<data dir>/collections`. The flag says whether it is the default.
    pub async fn collections_dir(&self) -> (std::path::PathBuf, bool) {
        collections_dir(self.store.as_ref()).await
    }

    /// Chooses the collections folder (created when missing); `None` goes back to the default.
    pub async fn set_collections_dir(&self, dir: Option<&str>) -> Result<std::path::PathBuf> {
        let store = self.history()?;
        set_collections_dir(store, dir).await
    }

    /// The limits on what a server may send: the saved setting (shared with the CLI), else
    /// the defaults.
    pub async fn limits(&self) -> Limits {
        limits(self.store.as_ref()).await
    }

    /// Saves the limits (`None`: the defaults); they apply from the next connection.
    pub async fn set_limits(&self, chosen: Option<Limits>) -> Result<Limits> {
        set_limits(self.history()?, chosen).await
    }

    /// Saves stored request `seq` of `session_id` (without the engine's progress token) as
    /// request `name` of collection `collection`, asserting a result; creates the collection,
    /// with the session's URL as its `url`, when it does not exist. Returns the file written.
    pub async fn save_to_collection(
        &self,
        collection: &str,
        name: &str,
        session_id: &str,
        seq: u64,
    ) -> Result<std::path::PathBuf> {
        collection::check_name(collection)?;
        self.flush_history().await;
        let store = self.history()?;
        let (_, method, params) = replay::recorded_request(store, session_id, seq).await?;
        let url = store.session(session_id).await?.map(|s| s.url).unwrap_or_default();
        let name = if name.trim().is_empty() { method.clone() } else { name.trim().to_owned() };
        let request = collection::RequestFile {
            name,
            method,
            params,
            assertions: vec![collection::Assertion::Result { result: true }],
        };
        let (root, _) = self.collections_dir().await;
        Ok(collection::save_request(&root, collection, &request, &url)?)
    }

    /// The folder of collection `name` in the collections folder.
    async fn collection_dir(&self, name: &str) -> Result<std::path::PathBuf> {
        let name = collection::check_name(name)?;
        Ok(self.collections_dir().await.0.join(name))
    }

    /// Runs collection `collection` (from the collections folder) with environment `env` over
    /// the live session. Its secrets come from the keyring and are masked in every record;
    /// its `headers` are not sent (the live connection has its own). Secrets set for another
    /// server than the live one are used only with `allow_other_origin` (the user allowed it).
    pub async fn run_collection(
        &self,
        collection: &str,
        env: Option<&str>,
        allow_other_origin: bool,
    ) -> Result<Vec<collection::Outcome>> {
        let dir = self.collection_dir(collection).await?;
        let conn = self.conn()?;
        // The secrets go where the live session goes.
        let target = collection::origin_of(&conn.info().url)?;
        let mut loaded = collection::Collection::load(&dir, env, &[])?;
        let secrets = self.secret_store().await;
        let (loaded, values) = blocking(move || {
            let values = loaded.fill_secrets(secrets.as_ref(), &target, allow_other_origin)?;
            // Asked first: nothing is sent until the user allows the other server.
            if let Some(e) = loaded.secret_elsewhere() {
                return Err(e);
            }
            Ok((loaded, values))
        })
        .await?;
        self.mask.add(values);
        Ok(collection::run(&loaded, |method, params| {
            let conn = conn.clone();
            async move { conn.request(&method, params).await }
        })
        .await)
    }

    /// The collections folder and its collections, with their environments and which
    /// secrets are set.
    pub async fn collections(&self) -> Result<mcpscope_proto::collection::Collections> {
        let (dir, default_dir) = self.collections_dir().await;
        // Listing does not wait for a keyring still being probed: its secrets show as not set
        // until it answers (setting one waits for it).
        let secrets = match self.secrets.get().or_else(|| SECRETS.get()) {
            Some(s) => s.clone(),
            None => Arc::new(mcpscope_auth::MemoryStore::new("the keyring is still being checked")),
        };
        let root = dir.clone();
        let items = blocking(move || collection::list(&root, secrets.as_ref())).await?;
        Ok(mcpscope_proto::collection::Collections { dir: dir.display().to_string(), default_dir, items })
    }

    /// Stores (or with `None` forgets) a secret of collection `collection` in the keyring;
    /// returns where secrets are kept, in words ("the OS keyring …", "memory only …").
    pub async fn set_collection_secret(
        &self,
        collection: &str,
        env: Option<&str>,
        name: &str,
        value: Option<String>,
    ) -> Result<String> {
        let dir = self.collection_dir(collection).await?;
        let secrets = self.secret_store().await;
        let (env, name) = (env.map(str::to_owned), name.to_owned());
        blocking(move || {
            collection::set_secret(secrets.as_ref(), &dir, env.as_deref(), &name, value.as_deref())?;
            Ok(secrets.describe())
        })
        .await
    }

    /// Writes collection `collection` as one bundle file to `dest` (default:
    /// `<data dir>/exports/<name>.collection.json`); returns the path written.
    pub async fn export_collection(
        &self,
        collection: &str,
        dest: Option<&str>,
    ) -> Result<std::path::PathBuf> {
        let dir = self.collection_dir(collection).await?;
        let bundle = collection::export(&dir)?;
        let path = match dest.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => std::path::PathBuf::from(d),
            None => export_path(&format!("{}.collection.json", collection.trim())),
        };
        write_file(&path, &collection::pretty(&bundle))?;
        Ok(path)
    }

    /// Imports a bundle file or a collection folder into the collections folder; returns the
    /// new collection's name.
    pub async fn import_collection(&self, source: &str, name: Option<&str>) -> Result<String> {
        let (root, _) = self.collections_dir().await;
        let source = std::path::PathBuf::from(source.trim());
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        let dir = collection::import(&source, &root, name)?;
        Ok(dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
    }

    /// The session being recorded now, which retention never deletes.
    fn recording(&self) -> Option<String> {
        self.live_session()?.recorder().map(|r| r.session_id().to_owned())
    }

    /// Deletes stored sessions that started more than `days` ago and then, while the records
    /// take more than `max_mb`, the oldest; never the session being recorded. Returns how many
    /// sessions went.
    pub async fn history_prune(&self, days: Option<u32>, max_mb: Option<u32>) -> Result<u64> {
        self.flush_history().await;
        Ok(self.history()?.retain(days, max_mb, self.recording().as_deref()).await?)
    }

    /// Deletes every stored session but the one being recorded.
    pub async fn history_clear(&self) -> Result<u64> {
        self.flush_history().await;
        let store = self.history()?;
        Ok(match self.recording() {
            Some(live) => store.prune(Some(i64::MAX), None, Some(&live)).await?,
            None => store.clear().await?,
        })
    }

    /// A stored session written as HAR 1.2 to `<data dir>/exports/<session>.har`; returns the
    /// path.
    pub async fn export_har_file(&self, session_id: &str) -> Result<std::path::PathBuf> {
        self.export_har_to(session_id, None).await
    }

    /// [`Engine::export_har_file`], written to `dest` (a path the shell has checked) when given.
    pub async fn export_har_to(
        &self,
        session_id: &str,
        dest: Option<&std::path::Path>,
    ) -> Result<std::path::PathBuf> {
        // The id names the file: only an id of the history's own form, of a session it holds,
        // so that `../../x` from the window cannot write outside the exports folder.
        let plain = session_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !plain || session_id.is_empty() || self.history()?.session(session_id).await?.is_none() {
            return Err(SessionError::Export(format!("no session {session_id:?} in the history")));
        }
        let text = self.history_export_har(session_id).await?;
        let path =
            dest.map_or_else(|| export_path(&format!("{session_id}.har")), std::path::Path::to_path_buf);
        write_file(&path, &text)?;
        Ok(path)
    }

    /// A stored HTTP request as a curl command line (redacted credentials become environment
    /// variables to set).
    pub async fn record_curl(&self, session_id: &str, seq: u64) -> Result<String> {
        self.flush_history().await;
        let record = self.history()?.record(session_id, seq).await?;
        record.as_ref().and_then(export::curl).ok_or_else(|| {
            SessionError::Export(format!("record #{seq} of {session_id} is not a stored HTTP request"))
        })
    }

    /// A stored session as a HAR 1.2 document (JSON text).
    pub async fn history_export_har(&self, session_id: &str) -> Result<String> {
        self.flush_history().await;
        let hits = self.history()?.search(&format!("session:{session_id}"), u32::MAX).await?;
        let records: Vec<Record> = hits.into_iter().map(|h| h.record).collect();
        Ok(serde_json::to_string_pretty(&export::har(&records)).unwrap_or_default())
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
        let reply = conn.request(&method, params).await?;
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
        if self.interactive.answer(handle, answer) {
            Ok(())
        } else {
            Err(SessionError::View(format!(
                "the server's request {handle} is no longer waiting (answered, or its session ended)"
            )))
        }
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
            url::Url::parse(url).map_err(|e| SessionError::View(format!("not a URL: {url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(SessionError::View(format!(
                "mcpscope opens only http and https URLs, not {:?}",
                parsed.scheme()
            )));
        }
        if std::env::var_os("MCPSCOPE_NO_BROWSER").is_some() {
            return Ok(());
        }
        mcpscope_auth::redirect::open_in_browser(&parsed).map_err(|e| SessionError::View(e.to_string()))
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
                    .map_err(|e| SessionError::Import(format!("cannot read {}: {e}", expanded.display())))?;
                read.as_str()
            }
            (Some(t), None) if !t.trim().is_empty() => t,
            _ => return Err(SessionError::Import("give a file path or paste the file's text".into())),
        };
        mcpscope_proto::servers::import(text).map_err(SessionError::Import)
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
        let recorder = self.live_session()?.recorder()?.clone();
        recorder.flush().await;
        match self.store.as_ref()?.record(recorder.session_id(), seq).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(seq, error = %e, "could not read a record back from the history");
                None
            }
        }
    }

    /// A copy of the records of the current timeline kept in memory (the newest
    /// `Limits::timeline_records`).
    pub fn records(&self) -> Vec<Record> {
        let log = lock(&self.log).clone();
        lock(&log.records).iter().map(|r| Record::clone(r)).collect()
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
        let server = DemoServer::start(addr, DemoOptions::default())
            .await
            .map_err(|e| SessionError::Demo(e.to_string()))?;
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
