//! The commands the UI invokes, one adapter each over [`Engine`]. Each takes the argument
//! struct `mcpscope_proto::ipc` declares for it (the one `ui/src/ipc.rs` sends) and returns
//! its declared reply; errors cross as [`IpcError`] `{kind, message}`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use mcpscope_proto::ipc::{self as cmd, Command};
use mcpscope_proto::{ConnectionState, IpcError};
use mcpscope_session::Engine;
use tauri::State;
use tauri::ipc::Channel;

use crate::events::ChannelSink;
use crate::paths;
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

/// A command's reply as its declaration says (`mcpscope_proto::ipc`).
type Reply<C> = Result<<C as Command>::Reply>;

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
pub async fn new_window(
    handle: tauri::AppHandle,
    app: State<'_, AppState>,
    args: cmd::NewWindow,
) -> Reply<cmd::NewWindow> {
    let cmd::NewWindow {} = args;
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
    args: cmd::Connect,
) -> Reply<cmd::Connect> {
    let cmd::Connect { req } = args;
    app.of(&window).engine.connect(req).await.map_err(IpcError::from)
}

/// Proxy mode: a local endpoint forwarding a real client's traffic to `req.url`, shown live.
#[tauri::command]
pub async fn start_proxy(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::StartProxy,
) -> Reply<cmd::StartProxy> {
    let cmd::StartProxy { req } = args;
    app.of(&window).engine.start_proxy(req).await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn disconnect(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::Disconnect,
) -> Reply<cmd::Disconnect> {
    let cmd::Disconnect {} = args;
    app.of(&window).engine.disconnect().await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn reinitialize(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::Reinitialize,
) -> Reply<cmd::Reinitialize> {
    let cmd::Reinitialize {} = args;
    app.of(&window).engine.reinitialize().await.map_err(IpcError::from)
}

/// The reply to a request; a big one abridged (the timeline's record keeps it whole).
#[tauri::command]
pub async fn request(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::Request,
) -> Reply<cmd::Request> {
    let cmd::Request { method, params } = args;
    let started = std::time::Instant::now();
    let reply = app.of(&window).engine.request(method.clone(), params).await;
    // One line per request sent from the window, so a reply the window never showed can be
    // told apart from one the engine never had.
    match &reply {
        Ok(_) => tracing::info!(%method, ms = started.elapsed().as_millis() as u64, "request answered"),
        Err(e) => {
            tracing::info!(%method, ms = started.elapsed().as_millis() as u64, error = %e, "request failed")
        }
    }
    let reply = reply.map_err(IpcError::from)?;
    Ok(if mcpscope_proto::outline::is_big(&reply) { mcpscope_proto::outline::abridge(&reply) } else { reply })
}

#[tauri::command]
pub async fn send_raw(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::SendRaw,
) -> Reply<cmd::SendRaw> {
    let cmd::SendRaw { text } = args;
    app.of(&window).engine.send_raw(text).await.map_err(IpcError::from)
}

/// Cancels request `id` of ours (JSON text of its id); `false` when it already finished.
#[tauri::command]
pub async fn cancel_request(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::CancelRequest,
) -> Reply<cmd::CancelRequest> {
    let cmd::CancelRequest { id } = args;
    Ok(app.of(&window).engine.cancel_request(&id).await?)
}

/// Trusts the connected server's current tools, prompts and templates (the trust banner's
/// "Trust this version"); the report after it, with no changes left.
#[tauri::command]
pub async fn trust_current(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::TrustCurrent,
) -> Reply<cmd::TrustCurrent> {
    let cmd::TrustCurrent {} = args;
    Ok(app.of(&window).engine.trust_current().await?)
}

/// The user's answer to a server request (sampling, elicitation).
#[tauri::command]
pub fn answer_server_request(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::AnswerServerRequest,
) -> Reply<cmd::AnswerServerRequest> {
    let cmd::AnswerServerRequest { handle, answer } = args;
    guarded("answer_server_request", Err, || {
        Ok(app.of(&window).engine.answer_server_request(handle, answer)?)
    })
}

/// The roots offered to the server (`roots/list`); a connected server is told they changed.
#[tauri::command]
pub async fn set_roots(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::SetRoots,
) -> Reply<cmd::SetRoots> {
    let cmd::SetRoots { roots } = args;
    Ok(app.of(&window).engine.set_roots(roots).await?)
}

/// The servers of an MCP client's configuration file (read from `path`, or pasted `text`).
#[tauri::command]
pub async fn import_servers(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::ImportServers,
) -> Reply<cmd::ImportServers> {
    let cmd::ImportServers { text, path } = args;
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
pub fn copy_text(args: cmd::CopyText) -> Reply<cmd::CopyText> {
    let cmd::CopyText { text } = args;
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
    args: cmd::PickPath,
) -> Reply<cmd::PickPath> {
    let cmd::PickPath { kind, title, file_name } = args;
    paths::pick(&app.grants, &window, kind, &title, file_name.as_deref()).await
}

/// Opens a server-supplied URL in the browser, after the user consented (http/https only).
#[tauri::command]
pub fn open_external(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::OpenExternal,
) -> Reply<cmd::OpenExternal> {
    let cmd::OpenExternal { url } = args;
    guarded("open_external", Err, || Ok(app.of(&window).engine.open_external(&url)?))
}

/// A record of the live session: whole, or a preview when its payload is big.
#[tauri::command]
pub async fn get_record(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::GetRecord,
) -> Reply<cmd::GetRecord> {
    let cmd::GetRecord { seq } = args;
    Ok(app.of(&window).engine.record_view(seq).await)
}

/// Older rows of the live timeline, from memory or the history.
#[tauri::command]
pub async fn timeline_page(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::TimelinePage,
) -> Reply<cmd::TimelinePage> {
    let cmd::TimelinePage { before, limit } = args;
    Ok(app.of(&window).engine.timeline_page(before, limit).await?.into())
}

/// The window's UI panicked: a bug in mcpscope. The message goes to the app log, where a
/// window that stopped updating can be told from an engine that never answered.
#[tauri::command]
pub fn ui_failed(window: tauri::Window, args: cmd::UiFailed) -> Reply<cmd::UiFailed> {
    let cmd::UiFailed { message } = args;
    // One line: a panic message is "panicked at <file:line>:\n<text>".
    let message = message.replace('\n', " ");
    tracing::error!(window = window.label(), "the window's UI failed: {message}");
    Ok(())
}

/// A page of the children of one JSON node of a big record's payload.
#[tauri::command]
pub async fn record_children(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::RecordChildren,
) -> Reply<cmd::RecordChildren> {
    let cmd::RecordChildren { record, pointer, offset, limit } = args;
    Ok(app.of(&window).engine.record_children(record, &pointer, offset, limit).await?)
}

/// A page of a big record's raw payload (`pointer` absent) or of one long string in it.
#[tauri::command]
pub async fn record_slice(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::RecordSlice,
) -> Reply<cmd::RecordSlice> {
    let cmd::RecordSlice { record, pointer, offset, len } = args;
    Ok(app.of(&window).engine.record_slice(record, pointer.as_deref(), offset, len).await?)
}

#[tauri::command]
pub fn state(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::State,
) -> <cmd::State as Command>::Reply {
    let cmd::State {} = args;
    guarded("state", |_| ConnectionState::disconnected(), || app.of(&window).engine.state())
}

/// Starts the built-in demo server (once) and returns its MCP URL.
#[tauri::command]
pub async fn start_demo(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::StartDemo,
) -> Reply<cmd::StartDemo> {
    let cmd::StartDemo {} = args;
    app.of(&window).engine.start_demo().await.map_err(IpcError::from)
}

/// History search (`method:` `status:` `dur:` `server:` `session:` `kind:` and free text).
#[tauri::command]
pub async fn history_search(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::HistorySearch,
) -> Reply<cmd::HistorySearch> {
    let cmd::HistorySearch { query, limit } = args;
    Ok(app.of(&window).engine.history_search(&query, limit).await?)
}

#[tauri::command]
pub async fn history_record(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::HistoryRecord,
) -> Reply<cmd::HistoryRecord> {
    let cmd::HistoryRecord { session_id, seq } = args;
    Ok(app.of(&window).engine.history_record_view(&session_id, seq).await?)
}

#[tauri::command]
pub async fn history_sessions(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::HistorySessions,
) -> Reply<cmd::HistorySessions> {
    let cmd::HistorySessions { limit } = args;
    Ok(app.of(&window).engine.history_sessions(limit).await?)
}

/// Sends recorded request `seq` of `session_id` again on the live session (with `params`
/// when given) and diffs the answer with the recorded one.
#[tauri::command]
pub async fn replay(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::Replay,
) -> Reply<cmd::Replay> {
    let cmd::Replay { session_id, seq, params } = args;
    Ok(app.of(&window).engine.replay(&session_id, seq, params).await?)
}

/// Replays every client request of stored session `session_id` on the live session.
#[tauri::command]
pub async fn replay_session(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::ReplaySession,
) -> Reply<cmd::ReplaySession> {
    let cmd::ReplaySession { session_id } = args;
    Ok(app.of(&window).engine.replay_session(&session_id).await?)
}

/// A bug report of a stored session: what it redacts (a preview), or, with `write`, saved
/// in the data directory.
#[tauri::command]
pub async fn bug_report(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::BugReport,
) -> Reply<cmd::BugReport> {
    let cmd::BugReport { session_id, write, dest } = args;
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
    args: cmd::DiffSessions,
) -> Reply<cmd::DiffSessions> {
    let cmd::DiffSessions { old, new } = args;
    Ok(app.of(&window).engine.diff_sessions(&old, &new).await?)
}

/// Saves stored request `seq` of `session_id` as request `name` of collection `collection`;
/// returns the file written.
#[tauri::command]
pub async fn save_to_collection(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::SaveToCollection,
) -> Reply<cmd::SaveToCollection> {
    let cmd::SaveToCollection { collection, name, session_id, seq } = args;
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
    args: cmd::RunCollection,
) -> Reply<cmd::RunCollection> {
    let cmd::RunCollection { collection, env, allow_other_origin } = args;
    let allow = allow_other_origin.unwrap_or(false);
    Ok(app.of(&window).engine.run_collection(&collection, env.as_deref(), allow).await?)
}

/// The collections folder, its collections, their environments and which secrets are set.
#[tauri::command]
pub async fn collections(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::Collections,
) -> Reply<cmd::Collections> {
    let cmd::Collections {} = args;
    Ok(app.of(&window).engine.collections().await?)
}

/// Chooses the collections folder (`None`: back to the default); returns the folder in use.
#[tauri::command]
pub async fn set_collections_dir(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::SetCollectionsDir,
) -> Reply<cmd::SetCollectionsDir> {
    let cmd::SetCollectionsDir { dir } = args;
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
pub fn about(args: cmd::About) -> <cmd::About as Command>::Reply {
    let cmd::About {} = args;
    mcpscope_proto::About {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: env!("MCPSCOPE_COMMIT").to_owned(),
        protocols: mcpscope_proto::PROTOCOL_VERSIONS.iter().map(|v| (*v).to_owned()).collect(),
        data_dir: mcpscope_store::default_data_dir().display().to_string(),
    }
}

/// The limits on what a server may send (saved, else the defaults).
#[tauri::command]
pub async fn limits(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::Limits,
) -> Reply<cmd::Limits> {
    let cmd::Limits {} = args;
    Ok(app.of(&window).engine.limits().await)
}

/// Saves the limits (`None`: back to the defaults); they apply from the next connection.
#[tauri::command]
pub async fn set_limits(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::SetLimits,
) -> Reply<cmd::SetLimits> {
    let cmd::SetLimits { limits } = args;
    Ok(app.of(&window).engine.set_limits(limits).await?)
}

/// The window's preferences (saved, else the defaults).
#[tauri::command]
pub async fn preferences(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::Preferences,
) -> Reply<cmd::Preferences> {
    let cmd::Preferences {} = args;
    Ok(app.of(&window).engine.preferences().await)
}

/// Saves the window's preferences.
#[tauri::command]
pub async fn set_preferences(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::SetPreferences,
) -> Reply<cmd::SetPreferences> {
    let cmd::SetPreferences { preferences } = args;
    Ok(app.of(&window).engine.set_preferences(preferences).await?)
}

/// Stores a collection secret's value in the keyring (`None` forgets it); returns where it is
/// kept. The value comes from the window and never goes back to it.
#[tauri::command]
pub async fn set_collection_secret(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::SetCollectionSecret,
) -> Reply<cmd::SetCollectionSecret> {
    let cmd::SetCollectionSecret { collection, env, name, value } = args;
    Ok(app.of(&window).engine.set_collection_secret(&collection, env.as_deref(), &name, value).await?)
}

/// Writes a collection as one bundle file; returns its path.
#[tauri::command]
pub async fn export_collection(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::ExportCollection,
) -> Reply<cmd::ExportCollection> {
    let cmd::ExportCollection { collection, dest } = args;
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
    args: cmd::ImportCollection,
) -> Reply<cmd::ImportCollection> {
    let cmd::ImportCollection { source, name } = args;
    let source = paths::allowed(&app.grants, &window, &source, Access::Read, "import from").await?;
    Ok(app.of(&window).engine.import_collection(&source.to_string_lossy(), name.as_deref()).await?)
}

/// Deletes stored sessions older than `days` and the oldest beyond `max_mb` (never the one
/// being recorded); returns how many went.
#[tauri::command]
pub async fn history_prune(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::HistoryPrune,
) -> Reply<cmd::HistoryPrune> {
    let cmd::HistoryPrune { days, max_mb } = args;
    Ok(app.of(&window).engine.history_prune(days, max_mb).await?)
}

/// Deletes every stored session but the one being recorded; returns how many went.
#[tauri::command]
pub async fn history_clear(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::HistoryClear,
) -> Reply<cmd::HistoryClear> {
    let cmd::HistoryClear {} = args;
    Ok(app.of(&window).engine.history_clear().await?)
}

/// Writes a stored session as HAR 1.2 in the data directory's exports, or at `dest` (chosen
/// in a dialog, or allowed); returns the path.
#[tauri::command]
pub async fn export_har(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::ExportHar,
) -> Reply<cmd::ExportHar> {
    let cmd::ExportHar { session_id, dest } = args;
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
    args: cmd::RecordCurl,
) -> Reply<cmd::RecordCurl> {
    let cmd::RecordCurl { session_id, seq } = args;
    Ok(app.of(&window).engine.record_curl(&session_id, seq).await?)
}

/// The OAuth debugger's steps and the token inspector's verdicts (never the tokens).
#[tauri::command]
pub async fn auth_status(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::AuthStatus,
) -> Reply<cmd::AuthStatus> {
    let cmd::AuthStatus {} = args;
    Ok(app.of(&window).engine.auth_status().await)
}

/// The access token itself: only on the user's explicit "reveal".
#[tauri::command]
pub async fn auth_reveal(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::AuthReveal,
) -> Reply<cmd::AuthReveal> {
    let cmd::AuthReveal {} = args;
    app.of(&window).engine.auth_reveal().await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn auth_refresh(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::AuthRefresh,
) -> Reply<cmd::AuthRefresh> {
    let cmd::AuthRefresh {} = args;
    app.of(&window).engine.auth_refresh().await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn auth_logout(
    app: State<'_, AppState>,
    window: tauri::Window,
    args: cmd::AuthLogout,
) -> Reply<cmd::AuthLogout> {
    let cmd::AuthLogout {} = args;
    app.of(&window).engine.auth_logout().await.map_err(IpcError::from)
}
