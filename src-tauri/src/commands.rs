//! The commands the UI invokes, one line each over [`Engine`]. Argument names are the keys
//! the UI sends (`ui/src/ipc.rs`); errors cross as [`IpcError`] `{kind, message}`.

use std::sync::Arc;

use mcpscope_proto::collection::Outcome;
use mcpscope_proto::outline::{Children, RecordRef, Slice};
use mcpscope_proto::servers::ServerEntry;
use mcpscope_proto::{
    AuthStatus, ConnectRequest, ConnectionState, HistoryHit, IpcError, Record, Replay, Root, ServerAnswer,
    SessionInfo, UiEvent,
};
use mcpscope_session::Engine;
use serde_json::Value;
use tauri::State;
use tauri::ipc::Channel;

use crate::events::ChannelSink;

pub struct AppState {
    pub engine: Engine,
    pub sink: Arc<ChannelSink>,
}

type Result<T> = std::result::Result<T, IpcError>;

/// Live events for the calling window: see [`crate::events`].
#[tauri::command]
pub fn subscribe(app: State<'_, AppState>, on_event: Channel<UiEvent>) {
    app.sink.subscribe(on_event);
}

#[tauri::command]
pub async fn connect(app: State<'_, AppState>, req: ConnectRequest) -> Result<ConnectionState> {
    app.engine.connect(req).await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn disconnect(app: State<'_, AppState>) -> Result<()> {
    app.engine.disconnect().await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn reinitialize(app: State<'_, AppState>) -> Result<ConnectionState> {
    app.engine.reinitialize().await.map_err(IpcError::from)
}

/// The reply to a request; a big one abridged (the timeline's record keeps it whole).
#[tauri::command]
pub async fn request(app: State<'_, AppState>, method: String, params: Option<Value>) -> Result<Value> {
    let reply = app.engine.request(method, params).await.map_err(IpcError::from)?;
    Ok(if mcpscope_proto::outline::is_big(&reply) { mcpscope_proto::outline::abridge(&reply) } else { reply })
}

#[tauri::command]
pub async fn send_raw(app: State<'_, AppState>, text: String) -> Result<()> {
    app.engine.send_raw(text).await.map_err(IpcError::from)
}

/// Cancels request `id` of ours (JSON text of its id); `false` when it already finished.
#[tauri::command]
pub async fn cancel_request(app: State<'_, AppState>, id: String) -> Result<bool> {
    Ok(app.engine.cancel_request(&id).await?)
}

/// The user's answer to a server request (sampling, elicitation).
#[tauri::command]
pub fn answer_server_request(app: State<'_, AppState>, handle: u64, answer: ServerAnswer) -> Result<()> {
    Ok(app.engine.answer_server_request(handle, answer)?)
}

/// The roots offered to the server (`roots/list`); a connected server is told they changed.
#[tauri::command]
pub async fn set_roots(app: State<'_, AppState>, roots: Vec<Root>) -> Result<()> {
    Ok(app.engine.set_roots(roots).await?)
}

/// The servers of an MCP client's configuration file (read from `path`, or pasted `text`).
#[tauri::command]
pub fn import_servers(text: Option<String>, path: Option<String>) -> Result<Vec<ServerEntry>> {
    Ok(Engine::import_servers(text.as_deref(), path.as_deref())?)
}

/// Opens a server-supplied URL in the browser, after the user consented (http/https only).
#[tauri::command]
pub fn open_external(app: State<'_, AppState>, url: String) -> Result<()> {
    Ok(app.engine.open_external(&url)?)
}

/// A record of the live session: whole, or a preview when its payload is big.
#[tauri::command]
pub fn get_record(app: State<'_, AppState>, seq: u64) -> Option<Record> {
    app.engine.record_view(seq)
}

/// A page of the children of one JSON node of a big record's payload.
#[tauri::command]
pub async fn record_children(
    app: State<'_, AppState>,
    record: RecordRef,
    pointer: String,
    offset: u64,
    limit: u64,
) -> Result<Children> {
    Ok(app.engine.record_children(record, &pointer, offset, limit).await?)
}

/// A page of a big record's raw payload (`pointer` absent) or of one long string in it.
#[tauri::command]
pub async fn record_slice(
    app: State<'_, AppState>,
    record: RecordRef,
    pointer: Option<String>,
    offset: u64,
    len: u64,
) -> Result<Slice> {
    Ok(app.engine.record_slice(record, pointer.as_deref(), offset, len).await?)
}

#[tauri::command]
pub fn state(app: State<'_, AppState>) -> ConnectionState {
    app.engine.state()
}

/// Starts the built-in demo server (once) and returns its MCP URL.
#[tauri::command]
pub async fn start_demo(app: State<'_, AppState>) -> Result<String> {
    app.engine.start_demo().await.map_err(IpcError::from)
}

/// History search (`method:` `status:` `dur:` `server:` `session:` `kind:` and free text).
#[tauri::command]
pub async fn history_search(app: State<'_, AppState>, query: String, limit: u32) -> Result<Vec<HistoryHit>> {
    Ok(app.engine.history_search(&query, limit).await?)
}

#[tauri::command]
pub async fn history_record(
    app: State<'_, AppState>,
    session_id: String,
    seq: u64,
) -> Result<Option<Record>> {
    Ok(app.engine.history_record_view(&session_id, seq).await?)
}

#[tauri::command]
pub async fn history_sessions(app: State<'_, AppState>, limit: u32) -> Result<Vec<SessionInfo>> {
    Ok(app.engine.history_sessions(limit).await?)
}

/// Sends recorded request `seq` of `session_id` again on the live session (with `params`
/// when given) and diffs the answer with the recorded one.
#[tauri::command]
pub async fn replay(
    app: State<'_, AppState>,
    session_id: String,
    seq: u64,
    params: Option<Value>,
) -> Result<Replay> {
    Ok(app.engine.replay(&session_id, seq, params).await?)
}

/// Saves stored request `seq` of `session_id` as request `name` of collection `collection`;
/// returns the file written.
#[tauri::command]
pub async fn save_to_collection(
    app: State<'_, AppState>,
    collection: String,
    name: String,
    session_id: String,
    seq: u64,
) -> Result<String> {
    Ok(app.engine.save_to_collection(&collection, &name, &session_id, seq).await?.display().to_string())
}

/// Runs a collection of the collections directory over the live session.
#[tauri::command]
pub async fn run_collection(app: State<'_, AppState>, collection: String) -> Result<Vec<Outcome>> {
    Ok(app.engine.run_collection(&collection).await?)
}

/// The collections directory's collections: name → request names.
#[tauri::command]
pub fn collections() -> Result<Vec<(String, Vec<String>)>> {
    Ok(Engine::collections()?)
}

/// The OAuth debugger's steps and the token inspector's verdicts (never the tokens).
#[tauri::command]
pub async fn auth_status(app: State<'_, AppState>) -> Result<AuthStatus> {
    Ok(app.engine.auth_status().await)
}

/// The access token itself: only on the user's explicit "reveal".
#[tauri::command]
pub async fn auth_reveal(app: State<'_, AppState>) -> Result<String> {
    app.engine.auth_reveal().await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn auth_refresh(app: State<'_, AppState>) -> Result<()> {
    app.engine.auth_refresh().await.map_err(IpcError::from)
}

#[tauri::command]
pub async fn auth_logout(app: State<'_, AppState>) -> Result<()> {
    app.engine.auth_logout().await.map_err(IpcError::from)
}
