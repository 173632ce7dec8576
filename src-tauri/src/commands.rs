//! The commands the UI invokes, one line each over [`Engine`]. Argument names are the keys
//! the UI sends (`ui/src/ipc.rs`); errors cross as [`IpcError`] `{kind, message}`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use mcpscope_proto::collection::{Collections, Outcome};
use mcpscope_proto::outline::{Children, RecordRef, Slice};
use mcpscope_proto::servers::ServerEntry;
use mcpscope_proto::trust::TrustReport;
use mcpscope_proto::{
    AuthStatus, ConnectRequest, ConnectionState, HistoryHit, IpcError, Limits, ListDiff, Record, Replay,
    ReplayStep, Root, ServerAnswer, SessionInfo,
};
use mcpscope_session::Engine;
use serde_json::Value;
use tauri::State;
use tauri::ipc::Channel;

use crate::events::ChannelSink;
use crate::paths;
use mcpscope_proto::PickKind as Pick;
use mcpscope_session::paths::Access;

/// Every window is a session of its own: its engine, and the channel its events go to.
pub struct WindowSession {
    pub engine: Engine,
    pub sink: Arc<ChannelSink>,
}

/// The app's windows and what they share (the history database).
pub struct AppState {
    store: Option<mcpscope_store::Store>,
    /// Paths the user chose or allowed in native dialogs.
    grants: paths::Grants,
    sessions: Mutex<HashMap<String, Arc<WindowSession>>>,
    next_window: AtomicU32,
}

impl AppState {
    pub fn new(store: Option<mcpscope_store::Store>) -> AppState {
        AppState {
            store,
            grants: paths::Grants::default(),
            sessions: Mutex::new(HashMap::new()),
            next_window: AtomicU32::new(2),
        }
    }

    /// The session of `window`, made on its first command.
    pub fn of(&self, window: &tauri::Window) -> Arc<WindowSession> {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        sessions
            .entry(window.label().to_owned())
            .or_insert_with(|| {
                // The engine may spawn tasks when built: on Tauri's Tokio runtime.
                let runtime = tauri::async_runtime::handle();
                let _entered = runtime.inner().enter();
                let sink = Arc::new(ChannelSink::default());
                Arc::new(WindowSession {
                    engine: Engine::with_store(sink.clone(), self.store.clone(), "app"),
                    sink,
                })
            })
            .clone()
    }

    /// Forgets the session of a closed window.
    pub fn remove(&self, label: &str) -> Option<Arc<WindowSession>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner).remove(label)
    }

    pub fn all(&self) -> Vec<Arc<WindowSession>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner).values().cloned().collect()
    }
}

type Result<T> = std::result::Result<T, IpcError>;

/// Runs the body of a synchronous command. Those run on the main (GTK) thread, inside
/// WebKitGTK's C callback: a panic unwinding there would abort the app without a word. Here
/// it becomes an error for the UI instead (the panic hook has logged it to mcpscope.log).
/// Async commands run as Tokio tasks, where a panic ends only the task.
fn guarded<T>(name: &str, fallback: impl FnOnce(IpcError) -> T, body: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or_else(|_| {
        fallback(IpcError {
            kind: mcpscope_proto::IpcErrorKind::Internal,
            message: format!("{name} failed inside mcpscope (a bug: the details are in mcpscope.log)"),
        })
    })
}

/// Opens another window: a session of its own, side by side with this one.
#[tauri::command]
pub async fn new_window(handle: tauri::AppHandle, app: State<'_, AppState>) -> Result<String> {
    let n = app.next_window.fetch_add(1, Ordering::Relaxed);
    let label = format!("session-{n}");
    tauri::WebviewWindowBuilder::new(&handle, &label, tauri::WebviewUrl::App("index.html".into()))
        .title(format!("mcpscope — session {n}"))
        .inner_size(1280.0, 800.0)
        .min_inner_size(900.0, 560.0)
        .build()
        .map_err(|e| IpcError {
            kind: mcpscope_proto::IpcErrorKind::Window,
            message: format!("could not open a window: {e}"),
        })?;
    Ok(label)
}

/// Live events for the calling window: see [`crate::events`].
#[tauri::command]
pub fn subscribe(
    app: State<'_, AppState>,
    window: tauri::Window,
    on_event: Channel<tauri::ipc::InvokeResponseBody>,
) {
    guarded("subscribe", drop, || app.of(&window).sink.subscribe(on_event));
}

#[tauri::command]
pub async fn connect(
    app: State<'_, AppState>,
    window: tauri::Window,
    req: ConnectRequest,
) -> Result<ConnectionState> {
    app.of(&window).engine.connect(req).await.map_err(IpcError::from)
}

/// Proxy mode: a local endpoint forwarding a real client's traffic to `req.url`, shown live.
#[tauri::command]
pub async fn start_proxy(
    app: State<'_, AppState>,
    window: tauri::Window,
    req: ConnectRequest,
) -> Result<ConnectionState> {
    app.of(&window).engine.start_proxy(req).await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn disconnect(app: State<'_, AppState>, window: tauri::Window) -> Result<()> {
    app.of(&window).engine.disconnect().await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn reinitialize(app: State<'_, AppState>, window: tauri::Window) -> Result<ConnectionState> {
    app.of(&window).engine.reinitialize().await.map_err(IpcError::from)
}

/// The reply to a request; a big one abridged (the timeline's record keeps it whole).
#[tauri::command]
pub async fn request(
    app: State<'_, AppState>,
    window: tauri::Window,
    method: String,
    params: Option<Value>,
) -> Result<Value> {
    let reply = app.of(&window).engine.request(method, params).await.map_err(IpcError::from)?;
    Ok(if mcpscope_proto::outline::is_big(&reply) { mcpscope_proto::outline::abridge(&reply) } else { reply })
}

#[tauri::command]
pub async fn send_raw(app: State<'_, AppState>, window: tauri::Window, text: String) -> Result<()> {
    app.of(&window).engine.send_raw(text).await.map_err(IpcError::from)
}

/// Cancels request `id` of ours (JSON text of its id); `false` when it already finished.
#[tauri::command]
pub async fn cancel_request(app: State<'_, AppState>, window: tauri::Window, id: String) -> Result<bool> {
    Ok(app.of(&window).engine.cancel_request(&id).await?)
}

/// Trusts the connected server's current tools, prompts and templates (the trust banner's
/// "Trust this version"); the report after it, with no changes left.
#[tauri::command]
pub async fn trust_current(app: State<'_, AppState>, window: tauri::Window) -> Result<TrustReport> {
    Ok(app.of(&window).engine.trust_current().await?)
}

/// The user's answer to a server request (sampling, elicitation).
#[tauri::command]
pub fn answer_server_request(
    app: State<'_, AppState>,
    window: tauri::Window,
    handle: u64,
    answer: ServerAnswer,
) -> Result<()> {
    guarded("answer_server_request", Err, || {
        Ok(app.of(&window).engine.answer_server_request(handle, answer)?)
    })
}

/// The roots offered to the server (`roots/list`); a connected server is told they changed.
#[tauri::command]
pub async fn set_roots(app: State<'_, AppState>, window: tauri::Window, roots: Vec<Root>) -> Result<()> {
    Ok(app.of(&window).engine.set_roots(roots).await?)
}

/// The servers of an MCP client's configuration file (read from `path`, or pasted `text`).
#[tauri::command]
pub async fn import_servers(
    app: State<'_, AppState>,
    window: tauri::Window,
    text: Option<String>,
    path: Option<String>,
) -> Result<Vec<ServerEntry>> {
    let path = match path {
        Some(p) => Some(paths::allowed(&app.grants, &window, &p, Access::Read, "read").await?),
        None => None,
    };
    let path = path.map(|p| p.to_string_lossy().into_owned());
    Ok(Engine::import_servers(text.as_deref(), path.as_deref())?)
}

/// Puts `text` on the system clipboard (the Copy buttons). Synchronous: it runs on the main
/// (GTK) thread, where the clipboard lives. GTK keeps serving the text after the window that
/// copied it closes (`store`).
#[tauri::command]
pub fn copy_text(text: String) -> Result<()> {
    guarded("copy_text", Err, || {
        #[cfg(target_os = "linux")]
        {
            let clipboard = gtk::Clipboard::get(&gtk::gdk::SELECTION_CLIPBOARD);
            clipboard.set_text(&text);
            clipboard.store();
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = text;
            Err(IpcError {
                kind: mcpscope_proto::IpcErrorKind::Unsupported,
                message: "no system clipboard here: select the text and copy it".into(),
            })
        }
    })
}

/// A native file or folder chooser; the path chosen (granted for this run), or `None` when
/// the user cancelled.
#[tauri::command]
pub async fn pick_path(
    app: State<'_, AppState>,
    window: tauri::Window,
    kind: Pick,
    title: String,
    file_name: Option<String>,
) -> Result<Option<String>> {
    paths::pick(&app.grants, &window, kind, &title, file_name.as_deref()).await
}

/// Opens a server-supplied URL in the browser, after the user consented (http/https only).
#[tauri::command]
pub fn open_external(app: State<'_, AppState>, window: tauri::Window, url: String) -> Result<()> {
    guarded("open_external", Err, || Ok(app.of(&window).engine.open_external(&url)?))
}

/// A record of the live session: whole, or a preview when its payload is big.
#[tauri::command]
pub async fn get_record(app: State<'_, AppState>, window: tauri::Window, seq: u64) -> Result<Option<Record>> {
    Ok(app.of(&window).engine.record_view(seq).await)
}

/// A page of the children of one JSON node of a big record's payload.
#[tauri::command]
pub async fn record_children(
    app: State<'_, AppState>,
    window: tauri::Window,
    record: RecordRef,
    pointer: String,
    offset: u64,
    limit: u64,
) -> Result<Children> {
    Ok(app.of(&window).engine.record_children(record, &pointer, offset, limit).await?)
}

/// A page of a big record's raw payload (`pointer` absent) or of one long string in it.
#[tauri::command]
pub async fn record_slice(
    app: State<'_, AppState>,
    window: tauri::Window,
    record: RecordRef,
    pointer: Option<String>,
    offset: u64,
    len: u64,
) -> Result<Slice> {
    Ok(app.of(&window).engine.record_slice(record, pointer.as_deref(), offset, len).await?)
}

#[tauri::command]
pub fn state(app: State<'_, AppState>, window: tauri::Window) -> ConnectionState {
    guarded("state", |_| ConnectionState::disconnected(), || app.of(&window).engine.state())
}

/// Starts the built-in demo server (once) and returns its MCP URL.
#[tauri::command]
pub async fn start_demo(app: State<'_, AppState>, window: tauri::Window) -> Result<String> {
    app.of(&window).engine.start_demo().await.map_err(IpcError::from)
}

/// History search (`method:` `status:` `dur:` `server:` `session:` `kind:` and free text).
#[tauri::command]
pub async fn history_search(
    app: State<'_, AppState>,
    window: tauri::Window,
    query: String,
    limit: u32,
) -> Result<Vec<HistoryHit>> {
    Ok(app.of(&window).engine.history_search(&query, limit).await?)
}

#[tauri::command]
pub async fn history_record(
    app: State<'_, AppState>,
    window: tauri::Window,
    session_id: String,
    seq: u64,
) -> Result<Option<Record>> {
    Ok(app.of(&window).engine.history_record_view(&session_id, seq).await?)
}

#[tauri::command]
pub async fn history_sessions(
    app: State<'_, AppState>,
    window: tauri::Window,
    limit: u32,
) -> Result<Vec<SessionInfo>> {
    Ok(app.of(&window).engine.history_sessions(limit).await?)
}

/// Sends recorded request `seq` of `session_id` again on the live session (with `params`
/// when given) and diffs the answer with the recorded one.
#[tauri::command]
pub async fn replay(
    app: State<'_, AppState>,
    window: tauri::Window,
    session_id: String,
    seq: u64,
    params: Option<Value>,
) -> Result<Replay> {
    Ok(app.of(&window).engine.replay(&session_id, seq, params).await?)
}

/// Replays every client request of stored session `session_id` on the live session.
#[tauri::command]
pub async fn replay_session(
    app: State<'_, AppState>,
    window: tauri::Window,
    session_id: String,
) -> Result<Vec<ReplayStep>> {
    Ok(app.of(&window).engine.replay_session(&session_id).await?)
}

/// A bug report of a stored session: what it redacts (a preview), or, with `write`, saved
/// in the data directory.
#[tauri::command]
pub async fn bug_report(
    app: State<'_, AppState>,
    window: tauri::Window,
    session_id: String,
    write: bool,
    dest: Option<String>,
) -> Result<mcpscope_proto::BugReport> {
    let dest = match dest.filter(|d| !d.trim().is_empty()) {
        Some(d) => {
            Some(paths::allowed(&app.grants, &window, &d, Access::Write, "write the report to").await?)
        }
        None => None,
    };
    Ok(app.of(&window).engine.bug_report_to(&session_id, write, dest.as_deref()).await?)
}

/// The tools/resources/prompts lists of two stored sessions compared (`old` → `new`).
#[tauri::command]
pub async fn diff_sessions(
    app: State<'_, AppState>,
    window: tauri::Window,
    old: String,
    new: String,
) -> Result<Vec<ListDiff>> {
    Ok(app.of(&window).engine.diff_sessions(&old, &new).await?)
}

/// Saves stored request `seq` of `session_id` as request `name` of collection `collection`;
/// returns the file written.
#[tauri::command]
pub async fn save_to_collection(
    app: State<'_, AppState>,
    window: tauri::Window,
    collection: String,
    name: String,
    session_id: String,
    seq: u64,
) -> Result<String> {
    Ok(app
        .of(&window)
        .engine
        .save_to_collection(&collection, &name, &session_id, seq)
        .await?
        .display()
        .to_string())
}

/// Runs a collection of the collections folder, with an environment, over the live session;
/// `allow_other_origin`: the user allowed its secrets to go to the live server although they
/// were set for another.
#[tauri::command]
pub async fn run_collection(
    app: State<'_, AppState>,
    window: tauri::Window,
    collection: String,
    env: Option<String>,
    allow_other_origin: Option<bool>,
) -> Result<Vec<Outcome>> {
    let allow = allow_other_origin.unwrap_or(false);
    Ok(app.of(&window).engine.run_collection(&collection, env.as_deref(), allow).await?)
}

/// The collections folder, its collections, their environments and which secrets are set.
#[tauri::command]
pub async fn collections(app: State<'_, AppState>, window: tauri::Window) -> Result<Collections> {
    Ok(app.of(&window).engine.collections().await?)
}

/// Chooses the collections folder (`None`: back to the default); returns the folder in use.
#[tauri::command]
pub async fn set_collections_dir(
    app: State<'_, AppState>,
    window: tauri::Window,
    dir: Option<String>,
) -> Result<String> {
    let dir = match dir.filter(|d| !d.trim().is_empty()) {
        Some(d) => {
            Some(paths::allowed(&app.grants, &window, &d, Access::Write, "keep collections in").await?)
        }
        None => None,
    };
    let dir = dir.map(|d| d.to_string_lossy().into_owned());
    Ok(app.of(&window).engine.set_collections_dir(dir.as_deref()).await?.display().to_string())
}

/// What this build is: version, commit, the protocols spoken, where its data lives.
#[tauri::command]
pub fn about() -> mcpscope_proto::About {
    mcpscope_proto::About {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: env!("MCPSCOPE_COMMIT").to_owned(),
        protocols: mcpscope_proto::PROTOCOL_VERSIONS.iter().map(|v| (*v).to_owned()).collect(),
        data_dir: mcpscope_store::default_data_dir().display().to_string(),
    }
}

/// The limits on what a server may send (saved, else the defaults).
#[tauri::command]
pub async fn limits(app: State<'_, AppState>, window: tauri::Window) -> Result<Limits> {
    Ok(app.of(&window).engine.limits().await)
}

/// Saves the limits (`None`: back to the defaults); they apply from the next connection.
#[tauri::command]
pub async fn set_limits(
    app: State<'_, AppState>,
    window: tauri::Window,
    limits: Option<Limits>,
) -> Result<Limits> {
    Ok(app.of(&window).engine.set_limits(limits).await?)
}

/// Stores a collection secret's value in the keyring (`None` forgets it); returns where it is
/// kept. The value comes from the window and never goes back to it.
#[tauri::command]
pub async fn set_collection_secret(
    app: State<'_, AppState>,
    window: tauri::Window,
    collection: String,
    env: Option<String>,
    name: String,
    value: Option<String>,
) -> Result<String> {
    Ok(app.of(&window).engine.set_collection_secret(&collection, env.as_deref(), &name, value).await?)
}

/// Writes a collection as one bundle file; returns its path.
#[tauri::command]
pub async fn export_collection(
    app: State<'_, AppState>,
    window: tauri::Window,
    collection: String,
    dest: Option<String>,
) -> Result<String> {
    let dest = match dest.filter(|d| !d.trim().is_empty()) {
        Some(d) => Some(paths::allowed(&app.grants, &window, &d, Access::Write, "export to").await?),
        None => None,
    };
    let dest = dest.map(|d| d.to_string_lossy().into_owned());
    Ok(app.of(&window).engine.export_collection(&collection, dest.as_deref()).await?.display().to_string())
}

/// Imports a bundle file or a collection folder; returns the new collection's name.
#[tauri::command]
pub async fn import_collection(
    app: State<'_, AppState>,
    window: tauri::Window,
    source: String,
    name: Option<String>,
) -> Result<String> {
    let source = paths::allowed(&app.grants, &window, &source, Access::Read, "import from").await?;
    Ok(app.of(&window).engine.import_collection(&source.to_string_lossy(), name.as_deref()).await?)
}

/// Deletes stored sessions older than `days` and the oldest beyond `max_mb` (never the one
/// being recorded); returns how many went.
#[tauri::command]
pub async fn history_prune(
    app: State<'_, AppState>,
    window: tauri::Window,
    days: Option<u32>,
    max_mb: Option<u32>,
) -> Result<u64> {
    Ok(app.of(&window).engine.history_prune(days, max_mb).await?)
}

/// Deletes every stored session but the one being recorded; returns how many went.
#[tauri::command]
pub async fn history_clear(app: State<'_, AppState>, window: tauri::Window) -> Result<u64> {
    Ok(app.of(&window).engine.history_clear().await?)
}

/// Writes a stored session as HAR 1.2 in the data directory's exports, or at `dest` (chosen
/// in a dialog, or allowed); returns the path.
#[tauri::command]
pub async fn export_har(
    app: State<'_, AppState>,
    window: tauri::Window,
    session_id: String,
    dest: Option<String>,
) -> Result<String> {
    let dest = match dest.filter(|d| !d.trim().is_empty()) {
        Some(d) => Some(paths::allowed(&app.grants, &window, &d, Access::Write, "export to").await?),
        None => None,
    };
    Ok(app.of(&window).engine.export_har_to(&session_id, dest.as_deref()).await?.display().to_string())
}

/// A stored HTTP request as a curl command line.
#[tauri::command]
pub async fn record_curl(
    app: State<'_, AppState>,
    window: tauri::Window,
    session_id: String,
    seq: u64,
) -> Result<String> {
    Ok(app.of(&window).engine.record_curl(&session_id, seq).await?)
}

/// The OAuth debugger's steps and the token inspector's verdicts (never the tokens).
#[tauri::command]
pub async fn auth_status(app: State<'_, AppState>, window: tauri::Window) -> Result<AuthStatus> {
    Ok(app.of(&window).engine.auth_status().await)
}

/// The access token itself: only on the user's explicit "reveal".
#[tauri::command]
pub async fn auth_reveal(app: State<'_, AppState>, window: tauri::Window) -> Result<String> {
    app.of(&window).engine.auth_reveal().await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn auth_refresh(app: State<'_, AppState>, window: tauri::Window) -> Result<()> {
    app.of(&window).engine.auth_refresh().await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn auth_logout(app: State<'_, AppState>, window: tauri::Window) -> Result<()> {
    app.of(&window).engine.auth_logout().await.map_err(IpcError::from)
}
