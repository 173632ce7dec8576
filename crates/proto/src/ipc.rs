//! The window's commands, declared once.
//!
//! Each command is a struct of its arguments, with its name and its reply type
//! ([`Command`]). The desktop shell's adapter takes the struct (`src-tauri/src/commands.rs`,
//! which destructures it) and returns [`Command::Reply`]; the UI's one `invoke`
//! (`ui/src/ipc.rs`) sends the struct and reads that reply. A field renamed, added or retyped
//! here, or a reply changed, fails to compile on both sides instead of failing in a window.
//! [`COMMANDS`] lists them for the shell's permission manifest and the IPC surface test.
//!
//! `subscribe` is the one command not declared here: its argument is a Tauri channel, which
//! only the two ends know.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::collection::Outcome;
use crate::outline::{Children, RecordRef, Slice};
use crate::servers::ServerEntry;
use crate::trust::TrustReport;
// Commands named like the type they return (`About`, `Limits` …) name it by its path.
use crate::{
    ConnectRequest, ConnectionState, HistoryHit, ListDiff, PickKind, Record, ReplayStep, Root, ServerAnswer,
    SessionInfo,
};

/// One command the window invokes: its arguments are `Self`.
pub trait Command: Serialize + DeserializeOwned {
    /// The name the window invokes and the shell registers.
    const NAME: &'static str;
    /// What a successful call returns (a failed one returns `IpcError`).
    type Reply: Serialize + DeserializeOwned;
}

/// The key the window sends a command's arguments under (the shell's adapters name their
/// parameter so).
pub const ARGS_KEY: &str = "args";

macro_rules! commands {
    ($(
        $(#[$doc:meta])*
        $ty:ident = $name:literal { $($field:ident : $fty:ty),* $(,)? } -> $reply:ty;
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Serialize, Deserialize)]
            #[serde(rename_all = "camelCase")]
            pub struct $ty { $(pub $field: $fty,)* }

            impl Command for $ty {
                const NAME: &'static str = $name;
                type Reply = $reply;
            }
        )*

        /// Every declared command: its type's name and the name it is invoked by.
        pub const COMMANDS: &[(&str, &str)] = &[$((stringify!($ty), $name)),*];
    };
}

commands! {
    /// Opens another window (a session of its own); its label.
    NewWindow = "new_window" {} -> String;
    /// Connects (replacing any current session) and performs the handshake.
    Connect = "connect" { req: ConnectRequest } -> ConnectionState;
    /// Proxy mode: a local endpoint forwarding a real client's traffic to `req.url`.
    StartProxy = "start_proxy" { req: ConnectRequest } -> ConnectionState;
    Disconnect = "disconnect" {} -> ();
    /// A fresh session with the same settings (after session expiry).
    Reinitialize = "reinitialize" {} -> ConnectionState;
    /// The whole JSON-RPC response message (a big one abridged).
    Request = "request" { method: String, params: Option<Value> } -> Value;
    /// `text` sent exactly as given (it may be malformed on purpose).
    SendRaw = "send_raw" { text: String } -> ();
    /// Cancels request `id` of ours (JSON text of its id); `false` when it already finished.
    CancelRequest = "cancel_request" { id: String } -> bool;
    /// Trusts the connected server's current tools, prompts and templates.
    TrustCurrent = "trust_current" {} -> TrustReport;
    /// The user's answer to a server request (sampling, elicitation).
    AnswerServerRequest = "answer_server_request" { handle: u64, answer: ServerAnswer } -> ();
    /// The roots offered to the server.
    SetRoots = "set_roots" { roots: Vec<Root> } -> ();
    /// The servers of an MCP client's configuration file (`path`), or of pasted `text`.
    ImportServers = "import_servers" { text: Option<String>, path: Option<String> } -> Vec<ServerEntry>;
    /// Puts `text` on the system clipboard.
    CopyText = "copy_text" { text: String } -> ();
    /// A native file or folder chooser; the path chosen, `None` when cancelled.
    PickPath = "pick_path" { kind: PickKind, title: String, file_name: Option<String> } -> Option<String>;
    /// Opens a server's http(s) URL in the user's browser.
    OpenExternal = "open_external" { url: String } -> ();
    /// A record of the live session: whole, or a preview when its payload is big.
    GetRecord = "get_record" { seq: u64 } -> Option<Record>;
    /// The summaries of the newest `limit` records of the live timeline before seq `before`,
    /// in seq order (older rows of the window, from memory or the history).
    TimelinePage = "timeline_page" { before: u64, limit: u32 } -> crate::SummaryBatch;
    /// A page of the children of one JSON node of a big record's payload.
    RecordChildren = "record_children" { record: RecordRef, pointer: String, offset: u64, limit: u64 } -> Children;
    /// A page of a big record's raw payload (`pointer: None`) or of one long string in it.
    RecordSlice = "record_slice" { record: RecordRef, pointer: Option<String>, offset: u64, len: u64 } -> Slice;
    /// The connection's state now.
    State = "state" {} -> ConnectionState;
    /// Starts the built-in demo server (once); its MCP URL.
    StartDemo = "start_demo" {} -> String;
    /// History search (`method:` `status:` `dur:` `server:` `session:` `kind:` and free text).
    HistorySearch = "history_search" { query: String, limit: u32 } -> Vec<HistoryHit>;
    /// A stored record: whole, or a preview when its payload is big.
    HistoryRecord = "history_record" { session_id: String, seq: u64 } -> Option<Record>;
    HistorySessions = "history_sessions" { limit: u32 } -> Vec<SessionInfo>;
    /// Sends a stored request again over the live connection and compares the answers.
    Replay = "replay" { session_id: String, seq: u64, params: Option<Value> } -> crate::Replay;
    /// Every client request of a stored session again, in order.
    ReplaySession = "replay_session" { session_id: String } -> Vec<ReplayStep>;
    /// A session's one-file bug report: previewed, or written to `dest`.
    BugReport = "bug_report" { session_id: String, write: bool, dest: Option<String> } -> crate::BugReport;
    /// The lists two sessions' servers answered, compared.
    DiffSessions = "diff_sessions" { old: String, new: String } -> Vec<ListDiff>;
    /// A stored request saved as the next file of a collection; its file name.
    SaveToCollection = "save_to_collection" { collection: String, name: String, session_id: String, seq: u64 } -> String;
    /// Runs a collection over the live connection.
    RunCollection = "run_collection" { collection: String, env: Option<String>, allow_other_origin: Option<bool> } -> Vec<Outcome>;
    Collections = "collections" {} -> crate::collection::Collections;
    /// Chooses the collections folder (`None`: the default); the folder now.
    SetCollectionsDir = "set_collections_dir" { dir: Option<String> } -> String;
    /// The app's version, commit, protocols and data directory.
    About = "about" {} -> crate::About;
    Limits = "limits" {} -> crate::Limits;
    /// Saves the limits (`None`: the defaults).
    SetLimits = "set_limits" { limits: Option<crate::Limits> } -> crate::Limits;
    /// The window's choices kept between runs (the Record box).
    Preferences = "preferences" {} -> crate::Preferences;
    /// Saves them; returns what is now saved.
    SetPreferences = "set_preferences" { preferences: crate::Preferences } -> crate::Preferences;
    /// Sets (or, with `value: None`, forgets) a collection's secret in the keyring.
    SetCollectionSecret = "set_collection_secret" { collection: String, env: Option<String>, name: String, value: Option<String> } -> String;
    /// A collection written as one bundle file; its path.
    ExportCollection = "export_collection" { collection: String, dest: Option<String> } -> String;
    /// A bundle file or collection folder imported; the new collection's name.
    ImportCollection = "import_collection" { source: String, name: Option<String> } -> String;
    /// Deletes old sessions and the oldest beyond a size; how many went.
    HistoryPrune = "history_prune" { days: Option<u32>, max_mb: Option<u32> } -> u64;
    /// Deletes the whole history; how many sessions went.
    HistoryClear = "history_clear" {} -> u64;
    /// A stored session as HAR 1.2; the file written.
    ExportHar = "export_har" { session_id: String, dest: Option<String> } -> String;
    /// A stored HTTP request as a curl command.
    RecordCurl = "record_curl" { session_id: String, seq: u64 } -> String;
    AuthStatus = "auth_status" {} -> crate::AuthStatus;
    /// The access token itself: only when the user asked to see it.
    AuthReveal = "auth_reveal" {} -> String;
    AuthRefresh = "auth_refresh" {} -> ();
    AuthLogout = "auth_logout" {} -> ();
    /// The window's UI panicked (a bug): its message, for the app log.
    UiFailed = "ui_failed" { message: String } -> ();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_cross_under_their_camel_case_keys() {
        let args = HistoryRecord { session_id: "ses_1".into(), seq: 7 };
        assert_eq!(serde_json::to_value(&args).unwrap(), serde_json::json!({"sessionId": "ses_1", "seq": 7}));
        assert_eq!(<HistoryRecord as Command>::NAME, "history_record");
    }

    #[test]
    fn every_command_has_one_name() {
        let mut names: Vec<&str> = COMMANDS.iter().map(|(_, n)| *n).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "a command name is declared twice");
        assert!(COMMANDS.iter().all(|(ty, n)| !n.is_empty() && !ty.is_empty()));
    }
}
