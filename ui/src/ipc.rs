//! The one door to the Tauri backend.
//!
//! **Invariant:** only this module knows about `window.__TAURI__`; components call the typed
//! functions below. Commands go through `core.invoke`; live events arrive on a
//! `core.Channel` handed to the backend's `subscribe` command (ordered delivery, no global
//! event bus). Every command but `subscribe` is declared once in `mcpscope_proto::ipc`: its
//! name, argument struct and reply type are the ones `src-tauri`'s adapter takes.

use mcpscope_proto::collection::{Collections, Outcome};
use mcpscope_proto::ipc::{self as cmd, Command};
use mcpscope_proto::outline::{Children, RecordRef, Slice};
use mcpscope_proto::servers::ServerEntry;
use mcpscope_proto::{
    AuthStatus, ConnectRequest, ConnectionState, HistoryHit, IpcError, ListDiff, Record, Replay, ReplayStep,
    Root, ServerAnswer, SessionInfo, UiEvent,
};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "core"], js_name = invoke)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    /// The same `invoke`, not awaited: for the panic hook, which cannot wait.
    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "core"], js_name = invoke)]
    fn tauri_invoke_unawaited(cmd: &str, args: JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = Channel)]
    type TauriChannel;

    #[wasm_bindgen(catch, constructor, js_namespace = ["window", "__TAURI__", "core"], js_class = "Channel")]
    fn new() -> Result<TauriChannel, JsValue>;

    #[wasm_bindgen(method, setter, js_name = onmessage)]
    fn set_onmessage(this: &TauriChannel, handler: &js_sys::Function);
}

/// Serializes arguments as plain JSON-like objects (maps as objects, not `Map`s).
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, IpcError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| IpcError {
        kind: mcpscope_proto::IpcErrorKind::Ipc,
        message: format!("encoding arguments: {e}"),
    })
}

/// Turns a rejected `invoke` into an [`IpcError`]: the backend rejects with `{kind, message}`;
/// Tauri itself rejects with a string; a missing `window.__TAURI__` throws a `TypeError`.
fn to_error(err: JsValue) -> IpcError {
    if let Ok(e) = serde_wasm_bindgen::from_value::<IpcError>(err.clone()) {
        return e;
    }
    if let Some(s) = err.as_string() {
        return IpcError { kind: mcpscope_proto::IpcErrorKind::Ipc, message: s };
    }
    if let Some(e) = err.dyn_ref::<js_sys::Error>() {
        return IpcError {
            kind: mcpscope_proto::IpcErrorKind::NoBackend,
            message: format!("the desktop backend is not reachable ({})", String::from(e.message())),
        };
    }
    IpcError { kind: mcpscope_proto::IpcErrorKind::Ipc, message: format!("{err:?}") }
}

/// Invokes the command `args` declares (`mcpscope_proto::ipc`), its arguments under
/// [`cmd::ARGS_KEY`]; its declared reply.
async fn invoke<C: Command>(args: C) -> Result<C::Reply, IpcError> {
    let out = tauri_invoke(C::NAME, payload(&args)?).await.map_err(to_error)?;
    serde_wasm_bindgen::from_value(out).map_err(|e| IpcError {
        kind: mcpscope_proto::IpcErrorKind::Ipc,
        message: format!("decoding the reply to {}: {e}", C::NAME),
    })
}

/// Sends the command `args` declares and does not wait for its reply: for the panic hook,
/// which cannot wait.
fn invoke_unawaited<C: Command>(args: C) {
    if let Ok(payload) = payload(&args) {
        let _ = tauri_invoke_unawaited(C::NAME, payload);
    }
}

/// What `invoke` is given for a command: its arguments under [`cmd::ARGS_KEY`].
fn payload<C: Command>(args: &C) -> Result<JsValue, IpcError> {
    let payload = js_sys::Object::new();
    js_sys::Reflect::set(&payload, &cmd::ARGS_KEY.into(), &to_js(args)?).map_err(to_error)?;
    Ok(payload.into())
}

/// Tells the app log that the UI panicked (`message`, its first 4000 characters).
pub fn report_failure(message: &str) {
    invoke_unawaited(cmd::UiFailed { message: message.chars().take(4000).collect() });
}

pub async fn connect(req: &ConnectRequest) -> Result<ConnectionState, IpcError> {
    invoke(cmd::Connect { req: req.clone() }).await
}

/// Proxy mode: serve a local endpoint that forwards a real client's traffic to `req.url`.
pub async fn start_proxy(req: &ConnectRequest) -> Result<ConnectionState, IpcError> {
    invoke(cmd::StartProxy { req: req.clone() }).await
}

pub async fn disconnect() -> Result<(), IpcError> {
    invoke(cmd::Disconnect {}).await
}

pub async fn reinitialize() -> Result<ConnectionState, IpcError> {
    invoke(cmd::Reinitialize {}).await
}

/// Returns the whole JSON-RPC response message (result or error object).
pub async fn request(method: &str, params: Option<Value>) -> Result<Value, IpcError> {
    invoke(cmd::Request { method: method.to_owned(), params }).await
}

pub async fn send_raw(text: &str) -> Result<(), IpcError> {
    invoke(cmd::SendRaw { text: text.to_owned() }).await
}

pub async fn get_record(seq: u64) -> Result<Option<Record>, IpcError> {
    invoke(cmd::GetRecord { seq }).await
}

/// The summaries of the newest `limit` records of the live timeline before `before`, in seq
/// order (older rows for the window, from memory or the history); `u64::MAX`: the newest.
pub async fn timeline_page(before: u64, limit: u32) -> Result<Vec<mcpscope_proto::RecordSummary>, IpcError> {
    // Arguments cross as JSON-compatible JS values, whose numbers hold integers up to 2^53
    // exactly (a larger one fails to serialize); no seq comes near it.
    let before = before.min((1 << 53) - 1);
    Ok(invoke(cmd::TimelinePage { before, limit }).await?.into_summaries().collect())
}

/// A page of the children of one JSON node of a big record (see `mcpscope_proto::outline`).
pub async fn record_children(
    record: &RecordRef,
    pointer: &str,
    offset: u64,
    limit: u64,
) -> Result<Children, IpcError> {
    invoke(cmd::RecordChildren { record: record.clone(), pointer: pointer.to_owned(), offset, limit }).await
}

/// A page of a big record's raw payload (`pointer: None`) or of one long string in it.
pub async fn record_slice(
    record: &RecordRef,
    pointer: Option<&str>,
    offset: u64,
    len: u64,
) -> Result<Slice, IpcError> {
    invoke(cmd::RecordSlice { record: record.clone(), pointer: pointer.map(str::to_owned), offset, len })
        .await
}

/// Cancels request `id` of ours (JSON text of its id).
pub async fn cancel_request(id: &str) -> Result<bool, IpcError> {
    invoke(cmd::CancelRequest { id: id.to_owned() }).await
}

/// Trusts the connected server's current version (the trust banner's button).
pub async fn trust_current() -> Result<mcpscope_proto::trust::TrustReport, IpcError> {
    invoke(cmd::TrustCurrent {}).await
}

/// Answers a server request (sampling, elicitation).
pub async fn answer_server_request(handle: u64, answer: &ServerAnswer) -> Result<(), IpcError> {
    invoke(cmd::AnswerServerRequest { handle, answer: answer.clone() }).await
}

/// The roots offered to the server.
pub async fn set_roots(roots: &[Root]) -> Result<(), IpcError> {
    invoke(cmd::SetRoots { roots: roots.to_vec() }).await
}

/// The servers of an MCP client's configuration file, read from `path` or given as `text`.
pub async fn import_servers(text: Option<&str>, path: Option<&str>) -> Result<Vec<ServerEntry>, IpcError> {
    invoke(cmd::ImportServers { text: text.map(str::to_owned), path: path.map(str::to_owned) }).await
}

/// Opens another window: a session of its own (fire and forget; a failure is logged).
pub fn open_new_window() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(e) = invoke(cmd::NewWindow {}).await {
            web_sys::console::error_1(&format!("could not open a window: {}", e.message).into());
        }
    });
}

/// Opens a server-supplied URL in the system browser (http/https only), after consent.
pub async fn open_external(url: &str) -> Result<(), IpcError> {
    invoke(cmd::OpenExternal { url: url.to_owned() }).await
}

pub async fn state() -> Result<ConnectionState, IpcError> {
    invoke(cmd::State {}).await
}

/// Starts the built-in demo server (once) and returns its MCP URL.
pub async fn start_demo() -> Result<String, IpcError> {
    invoke(cmd::StartDemo {}).await
}

/// The newest `limit` history records matching `query` (the store's search language),
/// oldest first. A query the backend cannot parse fails with kind `bad_query`.
pub async fn history_search(query: &str, limit: u32) -> Result<Vec<HistoryHit>, IpcError> {
    invoke(cmd::HistorySearch { query: query.to_owned(), limit }).await
}

/// One stored record, its message decoded.
pub async fn history_record(session_id: &str, seq: u64) -> Result<Option<Record>, IpcError> {
    invoke(cmd::HistoryRecord { session_id: session_id.to_owned(), seq }).await
}

/// Stored sessions, newest first.
pub async fn history_sessions(limit: u32) -> Result<Vec<SessionInfo>, IpcError> {
    invoke(cmd::HistorySessions { limit }).await
}

/// Sends stored request `seq` of `session_id` again on the live session (with `params`
/// instead of the recorded ones when given) and diffs the answer with the recorded one.
/// Fails with kind `not_connected` when there is no live session.
pub async fn replay(session_id: &str, seq: u64, params: Option<Value>) -> Result<Replay, IpcError> {
    invoke(cmd::Replay { session_id: session_id.to_owned(), seq, params }).await
}

/// Replays every client request of stored session `session_id` on the live session.
pub async fn replay_session(session_id: &str) -> Result<Vec<ReplayStep>, IpcError> {
    invoke(cmd::ReplaySession { session_id: session_id.to_owned() }).await
}

/// A bug report of a stored session: a preview of what it redacts, or (`write`) saved.
pub async fn bug_report(
    session_id: &str,
    write: bool,
    dest: Option<&str>,
) -> Result<mcpscope_proto::BugReport, IpcError> {
    invoke(cmd::BugReport { session_id: session_id.to_owned(), write, dest: dest.map(str::to_owned) }).await
}

/// The tools/resources/prompts lists of two stored sessions compared (`old` → `new`).
pub async fn diff_sessions(old: &str, new: &str) -> Result<Vec<ListDiff>, IpcError> {
    invoke(cmd::DiffSessions { old: old.to_owned(), new: new.to_owned() }).await
}

/// Saves stored request `seq` of `session_id` as request `name` of collection `collection`
/// (created when missing); returns the path of the file written.
pub async fn save_to_collection(
    collection: &str,
    name: &str,
    session_id: &str,
    seq: u64,
) -> Result<String, IpcError> {
    invoke(cmd::SaveToCollection {
        collection: collection.to_owned(),
        name: name.to_owned(),
        session_id: session_id.to_owned(),
        seq,
    })
    .await
}

/// Runs a collection with an environment over the live session; kind `not_connected` when
/// there is none, `secret_elsewhere` when its secrets were set for another server (run again
/// with `allow_other_origin` once the user allowed it).
pub async fn run_collection(
    collection: &str,
    env: Option<&str>,
    allow_other_origin: bool,
) -> Result<Vec<Outcome>, IpcError> {
    invoke(cmd::RunCollection {
        collection: collection.to_owned(),
        env: env.map(str::to_owned),
        allow_other_origin: Some(allow_other_origin),
    })
    .await
}

/// The collections folder and its collections (environments, which secrets are set).
pub async fn collections() -> Result<Collections, IpcError> {
    invoke(cmd::Collections {}).await
}

/// Chooses the collections folder (`None`: the default); returns the folder now in use.
pub async fn set_collections_dir(dir: Option<&str>) -> Result<String, IpcError> {
    invoke(cmd::SetCollectionsDir { dir: dir.map(str::to_owned) }).await
}

/// Puts `text` on the system clipboard through the app (the webview's clipboard API is the
/// fallback); `Err` says why it could not.
pub async fn copy_text(text: &str) -> Result<(), IpcError> {
    if invoke(cmd::CopyText { text: text.to_owned() }).await.is_ok() {
        return Ok(());
    }
    let Some(window) = web_sys::window() else {
        return Err(IpcError {
            kind: mcpscope_proto::IpcErrorKind::Clipboard,
            message: "no clipboard".into(),
        });
    };
    wasm_bindgen_futures::JsFuture::from(window.navigator().clipboard().write_text(text))
        .await
        .map(drop)
        .map_err(|_| IpcError {
            kind: mcpscope_proto::IpcErrorKind::Clipboard,
            message: "the clipboard refused the text".into(),
        })
}

/// A native file or folder chooser (the typed path is the fallback); `None` when the user
/// cancelled. The app may then read or write the path chosen.
pub async fn pick_path(
    kind: mcpscope_proto::PickKind,
    title: &str,
    file_name: Option<&str>,
) -> Result<Option<String>, IpcError> {
    invoke(cmd::PickPath { kind, title: title.to_owned(), file_name: file_name.map(str::to_owned) }).await
}

/// What this build is (version, commit, protocols, data folder).
pub async fn about() -> Result<mcpscope_proto::About, IpcError> {
    invoke(cmd::About {}).await
}

/// The limits on what a server may send (saved, else the defaults).
pub async fn limits() -> Result<mcpscope_proto::Limits, IpcError> {
    invoke(cmd::Limits {}).await
}

/// Saves the limits (`None`: back to the defaults); returns the limits now saved.
pub async fn set_limits(limits: Option<&mcpscope_proto::Limits>) -> Result<mcpscope_proto::Limits, IpcError> {
    invoke(cmd::SetLimits { limits: limits.cloned() }).await
}

/// The window's preferences (saved, else the defaults).
pub async fn preferences() -> Result<mcpscope_proto::Preferences, IpcError> {
    invoke(cmd::Preferences {}).await
}

/// Saves the window's preferences; returns what is now saved.
pub async fn set_preferences(
    preferences: mcpscope_proto::Preferences,
) -> Result<mcpscope_proto::Preferences, IpcError> {
    invoke(cmd::SetPreferences { preferences }).await
}

/// Stores a collection secret in the keyring (`None` forgets it); returns where secrets are
/// kept, in words.
pub async fn set_collection_secret(
    collection: &str,
    env: Option<&str>,
    name: &str,
    value: Option<&str>,
) -> Result<String, IpcError> {
    invoke(cmd::SetCollectionSecret {
        collection: collection.to_owned(),
        env: env.map(str::to_owned),
        name: name.to_owned(),
        value: value.map(str::to_owned),
    })
    .await
}

/// Writes a collection as one bundle file (`dest` empty: the default place); returns its path.
pub async fn export_collection(collection: &str, dest: Option<&str>) -> Result<String, IpcError> {
    invoke(cmd::ExportCollection { collection: collection.to_owned(), dest: dest.map(str::to_owned) }).await
}

/// Imports a bundle file or a collection folder; returns the new collection's name.
pub async fn import_collection(source: &str, name: Option<&str>) -> Result<String, IpcError> {
    invoke(cmd::ImportCollection { source: source.to_owned(), name: name.map(str::to_owned) }).await
}

/// Deletes stored sessions older than `days` and the oldest beyond `max_mb` (never the live
/// one); returns how many went.
pub async fn history_prune(days: Option<u32>, max_mb: Option<u32>) -> Result<u64, IpcError> {
    invoke(cmd::HistoryPrune { days, max_mb }).await
}

/// Deletes every stored session but the live one; returns how many went.
pub async fn history_clear() -> Result<u64, IpcError> {
    invoke(cmd::HistoryClear {}).await
}

/// Writes a stored session as HAR 1.2 in the data directory's exports; returns the path.
pub async fn export_har(session_id: &str, dest: Option<&str>) -> Result<String, IpcError> {
    invoke(cmd::ExportHar { session_id: session_id.to_owned(), dest: dest.map(str::to_owned) }).await
}

/// A stored HTTP request as a curl command line (credentials as environment variables).
pub async fn record_curl(session_id: &str, seq: u64) -> Result<String, IpcError> {
    invoke(cmd::RecordCurl { session_id: session_id.to_owned(), seq }).await
}

/// The OAuth debugger's steps and the token inspector's reports (never the tokens).
pub async fn auth_status() -> Result<AuthStatus, IpcError> {
    invoke(cmd::AuthStatus {}).await
}

/// The raw access token: call only when the user asked to see it.
pub async fn auth_reveal() -> Result<String, IpcError> {
    invoke(cmd::AuthReveal {}).await
}

/// Refreshes the access token with the refresh token.
pub async fn auth_refresh() -> Result<(), IpcError> {
    invoke(cmd::AuthRefresh {}).await
}

/// Forgets the tokens (memory and secret store).
pub async fn auth_logout() -> Result<(), IpcError> {
    invoke(cmd::AuthLogout {}).await
}

/// Keeps the backend's event stream flowing into a handler; dropping it stops delivery.
pub struct Subscription {
    channel: TauriChannel,
    _handler: Closure<dyn FnMut(JsValue)>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // The backend may still send; route late messages to a no-op instead of a freed closure.
        self.channel.set_onmessage(&js_sys::Function::new_no_args(""));
    }
}

/// Hands a fresh channel to the backend (replacing any earlier one) and calls `on_event` for
/// every [`UiEvent`] sent on it.
pub async fn subscribe(on_event: impl Fn(UiEvent) + 'static) -> Result<Subscription, IpcError> {
    let channel = TauriChannel::new().map_err(to_error)?;
    // Each event is an ArrayBuffer (`mcpscope_proto::event_bytes`: a record batch as postcard,
    // anything else as JSON): one copy into wasm memory, one decoding pass.
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |msg: JsValue| {
        let decoded = crate::timing::timed("decode", || {
            mcpscope_proto::event_bytes::from_bytes(&js_sys::Uint8Array::new(&msg).to_vec())
        });
        match decoded {
            Ok(event) => on_event(event),
            Err(e) => web_sys::console::error_1(&format!("mcpscope: bad event: {e}").into()),
        }
    });
    channel.set_onmessage(handler.as_ref().unchecked_ref());
    let args = js_sys::Object::new();
    js_sys::Reflect::set(&args, &"onEvent".into(), &channel).map_err(to_error)?;
    tauri_invoke("subscribe", args.into()).await.map_err(to_error)?;
    Ok(Subscription { channel, _handler: handler })
}
