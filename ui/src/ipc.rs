//! The one door to the Tauri backend.
//!
//! **Invariant:** only this module knows about `window.__TAURI__`; components call the typed
//! functions below. Commands go through `core.invoke`; live events arrive on a
//! `core.Channel` handed to the backend's `subscribe` command (ordered delivery, no global
//! event bus). Names and argument keys match the `#[tauri::command]`s in `src-tauri`.

use mcpscope_proto::collection::{Collections, Outcome};
use mcpscope_proto::outline::{Children, RecordRef, Slice};
use mcpscope_proto::servers::ServerEntry;
use mcpscope_proto::{
    AuthStatus, ConnectRequest, ConnectionState, HistoryHit, IpcError, ListDiff, Record, Replay, ReplayStep,
    Root, ServerAnswer, SessionInfo, UiEvent,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "core"], js_name = invoke)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

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

async fn call<R: DeserializeOwned>(cmd: &str, args: Value) -> Result<R, IpcError> {
    let out = tauri_invoke(cmd, to_js(&args)?).await.map_err(to_error)?;
    serde_wasm_bindgen::from_value(out).map_err(|e| IpcError {
        kind: mcpscope_proto::IpcErrorKind::Ipc,
        message: format!("decoding the reply to {cmd}: {e}"),
    })
}

/// For commands without a value: ignores whatever comes back.
async fn call_unit(cmd: &str, args: Value) -> Result<(), IpcError> {
    tauri_invoke(cmd, to_js(&args)?).await.map(drop).map_err(to_error)
}

pub async fn connect(req: &ConnectRequest) -> Result<ConnectionState, IpcError> {
    call("connect", json!({ "req": req })).await
}

/// Proxy mode: serve a local endpoint that forwards a real client's traffic to `req.url`.
pub async fn start_proxy(req: &ConnectRequest) -> Result<ConnectionState, IpcError> {
    call("start_proxy", json!({ "req": req })).await
}

pub async fn disconnect() -> Result<(), IpcError> {
    call_unit("disconnect", json!({})).await
}

pub async fn reinitialize() -> Result<ConnectionState, IpcError> {
    call("reinitialize", json!({})).await
}

/// Returns the whole JSON-RPC response message (result or error object).
pub async fn request(method: &str, params: Option<Value>) -> Result<Value, IpcError> {
    call("request", json!({ "method": method, "params": params })).await
}

pub async fn send_raw(text: &str) -> Result<(), IpcError> {
    call_unit("send_raw", json!({ "text": text })).await
}

pub async fn get_record(seq: u64) -> Result<Option<Record>, IpcError> {
    call("get_record", json!({ "seq": seq })).await
}

/// A page of the children of one JSON node of a big record (see `mcpscope_proto::outline`).
pub async fn record_children(
    record: &RecordRef,
    pointer: &str,
    offset: u64,
    limit: u64,
) -> Result<Children, IpcError> {
    call("record_children", json!({ "record": record, "pointer": pointer, "offset": offset, "limit": limit }))
        .await
}

/// A page of a big record's raw payload (`pointer: None`) or of one long string in it.
pub async fn record_slice(
    record: &RecordRef,
    pointer: Option<&str>,
    offset: u64,
    len: u64,
) -> Result<Slice, IpcError> {
    call("record_slice", json!({ "record": record, "pointer": pointer, "offset": offset, "len": len })).await
}

/// Cancels request `id` of ours (JSON text of its id).
pub async fn cancel_request(id: &str) -> Result<bool, IpcError> {
    call("cancel_request", json!({ "id": id })).await
}

/// Trusts the connected server's current version (the trust banner's button).
pub async fn trust_current() -> Result<mcpscope_proto::trust::TrustReport, IpcError> {
    call("trust_current", json!({})).await
}

/// Answers a server request (sampling, elicitation).
pub async fn answer_server_request(handle: u64, answer: &ServerAnswer) -> Result<(), IpcError> {
    call("answer_server_request", json!({ "handle": handle, "answer": answer })).await
}

/// The roots offered to the server.
pub async fn set_roots(roots: &[Root]) -> Result<(), IpcError> {
    call("set_roots", json!({ "roots": roots })).await
}

/// The servers of an MCP client's configuration file, read from `path` or given as `text`.
pub async fn import_servers(text: Option<&str>, path: Option<&str>) -> Result<Vec<ServerEntry>, IpcError> {
    call("import_servers", json!({ "text": text, "path": path })).await
}

/// Opens another window: a session of its own (fire and forget; a failure is logged).
pub fn open_new_window() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(e) = call::<String>("new_window", json!({})).await {
            web_sys::console::error_1(&format!("could not open a window: {}", e.message).into());
        }
    });
}

/// Opens a server-supplied URL in the system browser (http/https only), after consent.
pub async fn open_external(url: &str) -> Result<(), IpcError> {
    call("open_external", json!({ "url": url })).await
}

pub async fn state() -> Result<ConnectionState, IpcError> {
    call("state", json!({})).await
}

/// Starts the built-in demo server (once) and returns its MCP URL.
pub async fn start_demo() -> Result<String, IpcError> {
    call("start_demo", json!({})).await
}

/// The newest `limit` history records matching `query` (the store's search language),
/// oldest first. A query the backend cannot parse fails with kind `bad_query`.
pub async fn history_search(query: &str, limit: u32) -> Result<Vec<HistoryHit>, IpcError> {
    call("history_search", json!({ "query": query, "limit": limit })).await
}

/// One stored record, its message decoded.
pub async fn history_record(session_id: &str, seq: u64) -> Result<Option<Record>, IpcError> {
    call("history_record", json!({ "sessionId": session_id, "seq": seq })).await
}

/// Stored sessions, newest first.
pub async fn history_sessions(limit: u32) -> Result<Vec<SessionInfo>, IpcError> {
    call("history_sessions", json!({ "limit": limit })).await
}

/// Sends stored request `seq` of `session_id` again on the live session (with `params`
/// instead of the recorded ones when given) and diffs the answer with the recorded one.
/// Fails with kind `not_connected` when there is no live session.
pub async fn replay(session_id: &str, seq: u64, params: Option<Value>) -> Result<Replay, IpcError> {
    call("replay", json!({ "sessionId": session_id, "seq": seq, "params": params })).await
}

/// Replays every client request of stored session `session_id` on the live session.
pub async fn replay_session(session_id: &str) -> Result<Vec<ReplayStep>, IpcError> {
    call("replay_session", json!({ "sessionId": session_id })).await
}

/// A bug report of a stored session: a preview of what it redacts, or (`write`) saved.
pub async fn bug_report(
    session_id: &str,
    write: bool,
    dest: Option<&str>,
) -> Result<mcpscope_proto::BugReport, IpcError> {
    call("bug_report", json!({ "sessionId": session_id, "write": write, "dest": dest })).await
}

/// The tools/resources/prompts lists of two stored sessions compared (`old` → `new`).
pub async fn diff_sessions(old: &str, new: &str) -> Result<Vec<ListDiff>, IpcError> {
    call("diff_sessions", json!({ "old": old, "new": new })).await
}

/// Saves stored request `seq` of `session_id` as request `name` of collection `collection`
/// (created when missing); returns the path of the file written.
pub async fn save_to_collection(
    collection: &str,
    name: &str,
    session_id: &str,
    seq: u64,
) -> Result<String, IpcError> {
    let args = json!({ "collection": collection, "name": name, "sessionId": session_id, "seq": seq });
    call("save_to_collection", args).await
}

/// Runs a collection with an environment over the live session; kind `not_connected` when
/// there is none, `secret_elsewhere` when its secrets were set for another server (run again
/// with `allow_other_origin` once the user allowed it).
pub async fn run_collection(
    collection: &str,
    env: Option<&str>,
    allow_other_origin: bool,
) -> Result<Vec<Outcome>, IpcError> {
    let args = json!({ "collection": collection, "env": env, "allowOtherOrigin": allow_other_origin });
    call("run_collection", args).await
}

/// The collections folder and its collections (environments, which secrets are set).
pub async fn collections() -> Result<Collections, IpcError> {
    call("collections", json!({})).await
}

/// Chooses the collections folder (`None`: the default); returns the folder now in use.
pub async fn set_collections_dir(dir: Option<&str>) -> Result<String, IpcError> {
    call("set_collections_dir", json!({ "dir": dir })).await
}

/// Puts `text` on the system clipboard through the app (the webview's clipboard API is the
/// fallback); `Err` says why it could not.
pub async fn copy_text(text: &str) -> Result<(), IpcError> {
    if call_unit("copy_text", json!({ "text": text })).await.is_ok() {
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
    call("pick_path", json!({ "kind": kind, "title": title, "fileName": file_name })).await
}

/// What this build is (version, commit, protocols, data folder).
pub async fn about() -> Result<mcpscope_proto::About, IpcError> {
    call("about", json!({})).await
}

/// The limits on what a server may send (saved, else the defaults).
pub async fn limits() -> Result<mcpscope_proto::Limits, IpcError> {
    call("limits", json!({})).await
}

/// Saves the limits (`None`: back to the defaults); returns the limits now saved.
pub async fn set_limits(limits: Option<&mcpscope_proto::Limits>) -> Result<mcpscope_proto::Limits, IpcError> {
    call("set_limits", json!({ "limits": limits })).await
}

/// Stores a collection secret in the keyring (`None` forgets it); returns where secrets are
/// kept, in words.
pub async fn set_collection_secret(
    collection: &str,
    env: Option<&str>,
    name: &str,
    value: Option<&str>,
) -> Result<String, IpcError> {
    let args = json!({ "collection": collection, "env": env, "name": name, "value": value });
    call("set_collection_secret", args).await
}

/// Writes a collection as one bundle file (`dest` empty: the default place); returns its path.
pub async fn export_collection(collection: &str, dest: Option<&str>) -> Result<String, IpcError> {
    call("export_collection", json!({ "collection": collection, "dest": dest })).await
}

/// Imports a bundle file or a collection folder; returns the new collection's name.
pub async fn import_collection(source: &str, name: Option<&str>) -> Result<String, IpcError> {
    call("import_collection", json!({ "source": source, "name": name })).await
}

/// Deletes stored sessions older than `days` and the oldest beyond `max_mb` (never the live
/// one); returns how many went.
pub async fn history_prune(days: Option<u32>, max_mb: Option<u32>) -> Result<u64, IpcError> {
    call("history_prune", json!({ "days": days, "maxMb": max_mb })).await
}

/// Deletes every stored session but the live one; returns how many went.
pub async fn history_clear() -> Result<u64, IpcError> {
    call("history_clear", json!({})).await
}

/// Writes a stored session as HAR 1.2 in the data directory's exports; returns the path.
pub async fn export_har(session_id: &str, dest: Option<&str>) -> Result<String, IpcError> {
    call("export_har", json!({ "sessionId": session_id, "dest": dest })).await
}

/// A stored HTTP request as a curl command line (credentials as environment variables).
pub async fn record_curl(session_id: &str, seq: u64) -> Result<String, IpcError> {
    call("record_curl", json!({ "sessionId": session_id, "seq": seq })).await
}

/// The OAuth debugger's steps and the token inspector's reports (never the tokens).
pub async fn auth_status() -> Result<AuthStatus, IpcError> {
    call("auth_status", json!({})).await
}

/// The raw access token: call only when the user asked to see it.
pub async fn auth_reveal() -> Result<String, IpcError> {
    call("auth_reveal", json!({})).await
}

/// Refreshes the access token with the refresh token.
pub async fn auth_refresh() -> Result<(), IpcError> {
    call_unit("auth_refresh", json!({})).await
}

/// Forgets the tokens (memory and secret store).
pub async fn auth_logout() -> Result<(), IpcError> {
    call_unit("auth_logout", json!({})).await
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
    // Each event is its JSON as an ArrayBuffer (see `src-tauri/src/events.rs`): one copy into
    // wasm memory, one serde_json pass.
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |msg: JsValue| {
        let decoded = crate::timing::timed("decode", || {
            serde_json::from_slice::<UiEvent>(&js_sys::Uint8Array::new(&msg).to_vec())
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
