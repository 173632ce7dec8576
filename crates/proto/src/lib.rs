//! Types shared by the engine, the desktop shell, the CLI and the wasm UI.
//!
//! Long file: the record, its summary and the IPC vocabulary, which both sides of the IPC
//! boundary read together; areas with their own logic are modules (auth, diff, explain,
//! outline, trust …).
//!
//! Everything here is plain serde data so that it compiles for both native targets and
//! `wasm32-unknown-unknown`; the two sides of the IPC boundary use these exact types.

pub mod auth;
pub mod collection;
pub mod diff;
pub mod event_bytes;
pub mod explain;
pub mod headers;
pub mod ipc;
pub mod limits;
pub mod lint;
pub mod outline;
pub mod preferences;
pub mod servers;
pub mod time;
pub mod trust;

use std::borrow::Cow;
use std::sync::Arc;

pub use bytestring::ByteString;
pub use limits::Limits;
pub use preferences::Preferences;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which HTTP transport to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TransportChoice {
    /// Try Streamable HTTP; fall back to legacy HTTP+SSE on 400/404/405 (spec §3.12).
    #[default]
    Auto,
    /// Streamable HTTP (2025-03-26 and later).
    Streamable,
    /// Legacy HTTP+SSE (2024-11-05).
    Sse,
}

/// What a native file dialog chooses (the `pick_path` command).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PickKind {
    /// An existing file to read.
    File,
    /// A folder.
    Folder,
    /// A file to write.
    Save,
}

/// The transport actually in use once connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    Streamable,
    Sse,
}

impl TransportKind {
    /// Its name as stored and sent (the same as its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Streamable => "streamable",
            TransportKind::Sse => "sse",
        }
    }
}

/// `text` safe to print on a terminal: control characters (escape sequences, bells, carriage
/// returns; C1 controls and DEL too) become visible `\u{..}` escapes, so text a server sent
/// cannot move the cursor, retitle the window or hide what came before. Newlines and tabs stay.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| (c.is_control() && c != '\n' && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c);
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| if unsafe_char(c) { c.escape_unicode().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// What a build of mcpscope is: `mcpscope --version` and the window's About panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    pub version: String,
    /// The git commit built from (`unknown` outside a checkout).
    pub commit: String,
    /// The protocol revisions spoken, oldest first.
    pub protocols: Vec<String>,
    /// Where the history, settings, exports and the log live (the app's data directory).
    pub data_dir: String,
}

impl About {
    /// `0.1.0 (commit 1a2b3c4d5e6f)` then the protocols, as `--version` prints it.
    pub fn version_text(&self) -> String {
        format!(
            "{} (commit {})\nprotocol versions: {}\ndata: {}",
            self.version,
            self.commit,
            self.protocols.join(", "),
            self.data_dir
        )
    }
}

/// Protocol revisions mcpscope speaks, oldest first.
pub const PROTOCOL_VERSIONS: &[&str] =
    &["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"];

/// The version offered when the user pins none. 2025-11-25 is the most widely deployed
/// handshake-era revision; 2026-07-28 (stateless) is used only when pinned.
pub const DEFAULT_PROTOCOL_VERSION: &str = "2025-11-25";

/// What the user asks for when connecting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ConnectRequest {
    pub url: String,
    pub transport: TransportChoice,
    /// `None`: offer [`DEFAULT_PROTOCOL_VERSION`] and accept what the server negotiates.
    pub protocol_version: Option<String>,
    /// Extra headers sent on every request (e.g. `Authorization: Bearer …`, cookies).
    pub headers: Vec<Header>,
    /// OAuth, when the server asks for it.
    pub auth: AuthRequest,
    /// Leave this session out of the history: the live view only (nothing written to
    /// SQLite; older records leave memory for good). For traffic that must not be kept, or a
    /// flood watched at full speed: the history is the largest cost of one (README).
    pub no_history: bool,
}

/// How a connection authenticates beyond its custom headers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthRequest {
    /// Run the OAuth flow when the server answers 401 (or 403 insufficient_scope).
    pub oauth: bool,
    /// A pre-registered client; empty: dynamic registration or a metadata document.
    pub client_id: Option<String>,
    /// Goes from the UI to the engine once; the engine keeps it in memory only and never
    /// sends it back, stores it in SQLite, or logs it (its copy of the request has it removed).
    pub client_secret: Option<String>,
    /// Scopes to ask for instead of the spec's selection.
    pub scope: Option<String>,
    /// Follow the authorization URL without a browser (servers that approve without a login
    /// page; tests).
    pub headless: bool,
    /// Bind tokens to a key made for this session (DPoP, RFC 9449) when the authorization
    /// server supports it.
    pub dpop: bool,
    /// Workload identity: a file holding the JWT the platform issued to this workload, sent
    /// as a JWT bearer grant (RFC 7523) instead of a user's authorization.
    pub workload_token_file: Option<String>,
    /// Workload identity with the JWT itself (the CLI's `--workload-token`); a secret, kept
    /// like `client_secret`.
    pub workload_token: Option<String>,
    /// The client credentials grant (machine to machine) instead of a user's authorization.
    pub client_credentials: bool,
    /// Accept plain-http authorization server endpoints on hosts other than loopback (for
    /// this connection only); refused otherwise.
    pub allow_plain_http: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl Header {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Header { name: name.into(), value: value.into() }
    }

    /// Parses `Name: value`.
    pub fn parse(line: &str) -> Option<Header> {
        let (name, value) = line.split_once(':')?;
        let name = name.trim();
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return None;
        }
        Some(Header::new(name, value.trim()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    Disconnected,
    Connecting,
    Connected,
    /// The server forgot the session (404, or 400 for a session id it no longer knows).
    SessionExpired,
    Failed,
}

/// What the UI shows in its status bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionState {
    pub status: ConnectionStatus,
    pub url: Option<String>,
    pub transport: Option<TransportKind>,
    /// The protocol version in force (negotiated, or pinned for stateless).
    pub protocol_version: Option<String>,
    /// Shortened for display: the full id is a bearer-like handle.
    pub session_id_hint: Option<String>,
    pub server_name: Option<String>,
    pub server_version: Option<String>,
    /// Plain-words explanation of the last failure.
    pub error: Option<String>,
    /// The connection doctor's next thing to try, after a failed connect.
    #[serde(default)]
    pub advice: Option<String>,
    /// The capabilities the server announced (`null` when unknown).
    #[serde(default)]
    pub capabilities: Value,
    /// How the version was settled when it took more than the first offer (a fallback, a
    /// switch to the stateless protocol), in words.
    #[serde(default)]
    pub negotiation: Option<String>,
    /// Proxy mode: the local URL to give a real client, whose traffic mcpscope forwards to
    /// `url` and records.
    #[serde(default)]
    pub proxy: Option<String>,
    /// Connected, and nothing of it is written to the history (left out by the user, or the
    /// history could not start).
    #[serde(default)]
    pub unrecorded: bool,
}

impl ConnectionState {
    pub fn disconnected() -> Self {
        ConnectionState {
            status: ConnectionStatus::Disconnected,
            url: None,
            transport: None,
            protocol_version: None,
            session_id_hint: None,
            server_name: None,
            server_version: None,
            error: None,
            advice: None,
            capabilities: Value::Null,
            negotiation: None,
            proxy: None,
            unrecorded: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Client to server.
    Out,
    /// Server to client.
    In,
    /// Produced by mcpscope itself (lifecycle notes).
    Local,
}

/// One captured unit of wire traffic, recorded before anything is parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Monotonic within a session, starting at 1.
    pub seq: u64,
    /// Wall clock, microseconds since the Unix epoch.
    pub at_us: i64,
    /// Microseconds since the session started (monotonic clock).
    pub elapsed_us: u64,
    pub direction: Direction,
    /// The HTTP exchange this record belongs to (request, response and its SSE frames share it).
    pub exchange: u64,
    pub kind: RecordKind,
    /// The JSON-RPC view of the payload, when there is one.
    pub rpc: Option<RpcInfo>,
    /// Problems found in this record. Never a reason to drop it. (Left out of a stored row
    /// when empty.)
    #[serde(default)]
    pub flags: Vec<Flag>,
    /// Protocol rules this record breaks (schema of the version in force, HTTP headers);
    /// filled by `mcpscope-lint` on its way to the UI, the history and `--jsonl`.
    #[serde(default)]
    pub lint: Vec<lint::Violation>,
    /// Set on a preview ([`Record::preview`]): the payload's full size in bytes. The texts
    /// then hold only its beginning and `rpc.message` is not decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_of: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RecordKind {
    HttpRequest {
        method: String,
        url: String,
        /// Credentials already redacted.
        headers: Vec<Header>,
        body: Option<Body>,
    },
    HttpResponse {
        status: u16,
        headers: Vec<Header>,
        /// `None` while the body is a stream (its frames are separate records).
        body: Option<Body>,
        /// Time from sending the request to the response head.
        latency_us: u64,
    },
    SseFrame {
        /// (`Box<str>`, not `String`: a flood's records are many, and the smaller the record
        /// the less fresh memory each one takes.)
        id: Option<Box<str>>,
        event: Option<Box<str>>,
        /// Usually a slice of `raw` (shared, not copied).
        data: ByteString,
        retry_ms: Option<u64>,
        #[serde(default)]
        comments: Vec<String>,
        /// The frame's bytes exactly as received (lossy UTF-8), field lines included. In a
        /// busy stream, a slice of the chunk it was read from: the frames of one read share
        /// one buffer instead of each holding copies. (A stored row leaves it out when the
        /// fields print it exactly; reading the row prints it again.)
        #[serde(default)]
        raw: ByteString,
    },
    StreamEnd {
        /// `None`: the server ended the stream cleanly.
        error: Option<String>,
        frames: u64,
        bytes: u64,
    },
    /// The request never got an HTTP response (refused, DNS, TLS, timeout …).
    TransportError { message: String },
    /// Lifecycle note written by mcpscope (negotiated version, fallback, session expiry …).
    Note { text: String },
}

impl RecordKind {
    pub fn label(&self) -> &'static str {
        match self {
            RecordKind::HttpRequest { .. } => "http-request",
            RecordKind::HttpResponse { .. } => "http-response",
            RecordKind::SseFrame { .. } => "sse",
            RecordKind::StreamEnd { .. } => "stream-end",
            RecordKind::TransportError { .. } => "transport-error",
            RecordKind::Note { .. } => "note",
        }
    }
}

/// A captured body. `text` is the lossy UTF-8 rendering; `utf8` says whether it was exact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body {
    pub text: String,
    pub len: u64,
    pub utf8: bool,
}

impl Body {
    pub fn from_bytes(bytes: &[u8]) -> Body {
        match std::str::from_utf8(bytes) {
            Ok(s) => Body { text: s.to_owned(), len: bytes.len() as u64, utf8: true },
            Err(_) => Body {
                text: String::from_utf8_lossy(bytes).into_owned(),
                len: bytes.len() as u64,
                utf8: false,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RpcKind {
    Request,
    Notification,
    Result,
    Error,
    /// A JSON array (2025-03-26 batching).
    Batch,
}

/// The decoded JSON-RPC view of a record's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcInfo {
    pub kind: RpcKind,
    /// The id rendered as JSON text (`1`, `"abc"`), so numbers and strings stay apart.
    pub id: Option<String>,
    /// Borrowed for the usual MCP methods ([`method_name`]): a flood's records, cloned from
    /// one template, then share the name instead of allocating it once each.
    pub method: Option<Cow<'static, str>>,
    pub error_code: Option<i64>,
    /// For a response: the seq of the record that carried its request.
    pub pair_seq: Option<u64>,
    /// For a response: time since its request was sent.
    pub latency_us: Option<u64>,
    /// For a request sent again as the next round of a multi-round-trip request (2026-07-28):
    /// the round before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continues: Option<Box<Continues>>,
    /// The whole message. The engine leaves it `Null` while capturing (decoding every
    /// notification of a flood in full would cost more than reading it) and fills it when a
    /// record is looked at: see [`Record::with_message`].
    #[serde(default)]
    pub message: Message,
    /// The capture's template this message was read by, when it was one of a flood's alike
    /// notifications (`mcpscope_wire::template`); never stored or sent.
    #[serde(skip)]
    pub shape: Shape,
}

/// The methods MCP defines, so that a record's method name can be the `'static` one.
const COMMON_METHODS: &[&str] = &[
    "notifications/message",
    "notifications/progress",
    "notifications/cancelled",
    "notifications/initialized",
    "notifications/resources/updated",
    "notifications/resources/list_changed",
    "notifications/tools/list_changed",
    "notifications/prompts/list_changed",
    "notifications/roots/list_changed",
    "notifications/elicitation/complete",
    "notifications/tasks/status",
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "sampling/createMessage",
    "elicitation/create",
    "roots/list",
    "server/discover",
    "subscriptions/listen",
    "tasks/get",
    "tasks/result",
    "tasks/list",
    "tasks/cancel",
];

/// A method name for [`RpcInfo::method`]: borrowed when MCP defines it, owned otherwise.
pub fn method_name(name: &str) -> Cow<'static, str> {
    match COMMON_METHODS.iter().find(|m| **m == name) {
        Some(m) => Cow::Borrowed(m),
        None => Cow::Owned(name.to_owned()),
    }
}

/// [`RpcInfo::shape`]: which of the capture's templates read a message. Two messages of one
/// shape are the same text but for the values of their `params` members (each valid JSON),
/// so a reader that judged one of them may judge the other by those values alone (the lint
/// does). An id is never given to two templates in one process. Ignored by `==`: a record
/// read back from the history or a file has none, and is the same record.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape(Option<std::num::NonZeroU64>);

impl Shape {
    /// A shape no other template of this process has had.
    pub fn new() -> Shape {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Shape(std::num::NonZeroU64::new(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)))
    }

    pub fn id(self) -> Option<std::num::NonZeroU64> {
        self.0
    }
}

impl PartialEq for Shape {
    fn eq(&self, _: &Shape) -> bool {
        true
    }
}

/// [`RpcInfo::message`]: a JSON value that takes one pointer while it is `Null`, as it is in
/// every record the engine captures (a `Value` in place is 72 bytes of every record of a
/// flood). Reads as a `Value` (`Deref`); assigning through `DerefMut` or `From<Value>` fills
/// it.
#[derive(Clone, Default)]
pub struct Message(Option<Box<Value>>);

impl PartialEq for Message {
    fn eq(&self, other: &Message) -> bool {
        **self == **other
    }
}

static NULL: Value = Value::Null;

impl Message {
    pub fn into_value(self) -> Value {
        self.0.map_or(Value::Null, |v| *v)
    }
}

impl std::ops::Deref for Message {
    type Target = Value;
    fn deref(&self) -> &Value {
        self.0.as_deref().unwrap_or(&NULL)
    }
}

impl std::ops::DerefMut for Message {
    fn deref_mut(&mut self) -> &mut Value {
        self.0.get_or_insert_with(|| Box::new(Value::Null))
    }
}

impl From<Value> for Message {
    fn from(v: Value) -> Message {
        Message((!v.is_null()).then(|| Box::new(v)))
    }
}

impl From<Message> for Value {
    fn from(m: Message) -> Value {
        m.into_value()
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Message, D::Error> {
        Value::deserialize(d).map(Message::from)
    }
}

/// The round a request continues: the same logical call, sent again with `inputResponses`
/// under a new id after an `input_required` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Continues {
    /// The id of the round before (JSON text).
    pub id: String,
    /// The seq of that round's request record, when the capture still knew it.
    pub seq: Option<u64>,
    /// The id the call began with (its first round).
    pub first_id: String,
    /// This request's round: 2 for the first resend.
    pub round: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagCode {
    MalformedJson,
    NotJsonRpc,
    UnexpectedContentType,
    HttpError,
    StreamBroken,
    UnknownResponseId,
    MissingBody,
    SessionExpired,
    InvalidSessionId,
    BatchNotAllowed,
    TransportError,
    /// Past one of mcpscope's limits (an SSE frame that never ends, …): cut, with the sizes.
    TooLarge,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub code: FlagCode,
    pub message: String,
}

impl Flag {
    pub fn new(code: FlagCode, message: impl Into<String>) -> Flag {
        Flag { code, message: message.into() }
    }
}

/// The light view of a record the timeline needs; the full [`Record`] is fetched on demand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordSummary {
    pub seq: u64,
    pub elapsed_us: u64,
    pub direction: Direction,
    pub exchange: u64,
    /// [`RecordKind::label`]. Shared: a flood's summaries hold one copy of each string.
    pub kind: Arc<str>,
    /// One line: `POST /mcp`, `200 text/event-stream`, `tools/call #3`, …
    pub title: Arc<str>,
    pub method: Option<Arc<str>>,
    pub rpc_kind: Option<RpcKind>,
    pub pair_seq: Option<u64>,
    pub latency_us: Option<u64>,
    pub status: Option<u16>,
    pub size: u64,
    pub flagged: bool,
    /// How many lint findings the record has ([`Record::lint`]): rules broken and warnings
    /// (server trust, poisoning); infos are not counted.
    #[serde(default)]
    pub lint: u32,
    /// A multi-round-trip request's round (2 and up) and the seq of the round before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continues_seq: Option<u64>,
}

impl RecordSummary {
    /// A row with only its place (seq, exchange), direction, kind and title; no JSON-RPC
    /// view, size, status or findings (placeholders, tests).
    pub fn bare(seq: u64, exchange: u64, direction: Direction, kind: &str, title: &str) -> RecordSummary {
        RecordSummary {
            seq,
            elapsed_us: 0,
            direction,
            exchange,
            kind: kind.into(),
            title: title.into(),
            method: None,
            rpc_kind: None,
            pair_seq: None,
            latency_us: None,
            status: None,
            size: 0,
            flagged: false,
            lint: 0,
            round: None,
            continues_seq: None,
        }
    }
}

impl Record {
    /// The bytes this record carries as JSON-RPC: a request or response body, or an SSE
    /// frame's data.
    pub fn payload(&self) -> Option<&str> {
        match &self.kind {
            RecordKind::HttpRequest { body, .. } | RecordKind::HttpResponse { body, .. } => {
                body.as_ref().map(|b| b.text.as_str())
            }
            RecordKind::SseFrame { data, .. } => Some(data),
            _ => None,
        }
    }

    /// The size of the payload in bytes (0 without one).
    pub fn payload_len(&self) -> usize {
        self.payload().map_or(0, str::len)
    }

    /// The record as the UI gets it: whole when its payload is at most
    /// [`outline::PREVIEW_BYTES`], else a preview of its first bytes that the UI completes a
    /// piece at a time (see [`outline`]).
    pub fn for_view(self) -> Record {
        if self.payload_len() <= outline::PREVIEW_BYTES {
            self.with_message()
        } else {
            self.preview(outline::PREVIEW_HEAD)
        }
    }

    /// The record with its texts cut to `max` bytes and the message left undecoded.
    pub fn preview(mut self, max: usize) -> Record {
        let full = self.payload_len() as u64;
        let cut = |s: &mut String| {
            let keep = outline::prefix(s, max).len();
            s.truncate(keep);
        };
        match &mut self.kind {
            RecordKind::HttpRequest { body: Some(b), .. }
            | RecordKind::HttpResponse { body: Some(b), .. } => cut(&mut b.text),
            RecordKind::SseFrame { data, raw, .. } => {
                *data = data.slice_ref(outline::prefix(data, max));
                *raw = raw.slice_ref(outline::prefix(raw, max));
            }
            _ => {}
        }
        if let Some(rpc) = self.rpc.as_mut() {
            rpc.message = Message::default();
        }
        self.preview_of = Some(full);
        self
    }

    /// The record with `rpc.message` decoded from its payload.
    pub fn with_message(mut self) -> Record {
        if let Some(rpc) = &self.rpc
            && rpc.message.is_null()
        {
            let decoded = self.payload().and_then(|p| serde_json::from_str::<Value>(p).ok());
            if let (Some(v), Some(rpc)) = (decoded, self.rpc.as_mut()) {
                rpc.message = Message::from(v);
            }
        }
        self
    }

    pub fn summary(&self) -> RecordSummary {
        self.summary_with(&mut |s: &str| Arc::from(s))
    }

    /// The summary, its strings made by `text`: an [`Interner`] shares them between
    /// summaries.
    pub fn summary_with(&self, text: &mut impl FnMut(&str) -> Arc<str>) -> RecordSummary {
        self.summary_into(text, &mut String::new())
    }

    /// [`Record::summary_with`], its title written in `scratch` (cleared first): a flood's
    /// summaries reuse one buffer instead of allocating a few strings each.
    pub fn summary_into(
        &self,
        text: &mut impl FnMut(&str) -> Arc<str>,
        scratch: &mut String,
    ) -> RecordSummary {
        use std::fmt::Write;
        let title = scratch;
        title.clear();
        // Writing to a String cannot fail.
        if let Some(rpc) = &self.rpc {
            match (&rpc.method, rpc.kind) {
                (Some(m), _) => title.push_str(m),
                (None, RpcKind::Batch) => title.push_str("batch"),
                (None, RpcKind::Error) => {
                    let _ = write!(title, "error {}", rpc.error_code.unwrap_or(0));
                }
                (None, _) => title.push_str("result"),
            }
            if let Some(id) = &rpc.id {
                let _ = write!(title, " #{id}");
                if let Some(c) = &rpc.continues {
                    let _ = write!(title, " · round {} of #{}", c.round, c.first_id);
                }
            }
            title.push_str(" · ");
        }
        let (size, status) = match &self.kind {
            RecordKind::HttpRequest { method, url, body, .. } => {
                let _ = write!(title, "{method} {}", path_of(url));
                (body.as_ref().map_or(0, |b| b.len), None)
            }
            RecordKind::HttpResponse { status, headers, body, .. } => {
                let ct = headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-type"))
                    .map(|h| h.value.as_str())
                    .unwrap_or("");
                let _ = write!(title, "{status} {ct}");
                (body.as_ref().map_or(0, |b| b.len), Some(*status))
            }
            RecordKind::SseFrame { id, event, raw, data, .. } => {
                title.push_str(event.as_deref().unwrap_or("event"));
                if let Some(id) = id {
                    let _ = write!(title, " id={id}");
                }
                if data.is_empty() {
                    title.push_str(" (no data)");
                }
                (raw.len() as u64, None)
            }
            RecordKind::StreamEnd { error, frames, bytes } => {
                let _ = match error {
                    None => write!(title, "stream closed ({frames} frames)"),
                    Some(e) => write!(title, "stream broken: {e}"),
                };
                (*bytes, None)
            }
            RecordKind::TransportError { message } => {
                title.push_str(message);
                (0, None)
            }
            RecordKind::Note { text } => {
                title.push_str(text);
                (0, None)
            }
        };
        let title: &str = title;
        RecordSummary {
            seq: self.seq,
            elapsed_us: self.elapsed_us,
            direction: self.direction,
            exchange: self.exchange,
            kind: text(self.kind.label()),
            title: text(title),
            method: self.rpc.as_ref().and_then(|r| r.method.as_deref()).map(&mut *text),
            rpc_kind: self.rpc.as_ref().map(|r| r.kind),
            pair_seq: self.rpc.as_ref().and_then(|r| r.pair_seq),
            latency_us: self.rpc.as_ref().and_then(|r| r.latency_us),
            status,
            size,
            flagged: !self.flags.is_empty(),
            lint: self.lint.iter().filter(|v| v.is_finding()).count() as u32,
            round: self.rpc.as_ref().and_then(|r| r.continues.as_ref()).map(|c| c.round),
            continues_seq: self.rpc.as_ref().and_then(|r| r.continues.as_ref()).and_then(|c| c.seq),
        }
    }
}

fn path_of(url: &str) -> &str {
    // `scheme://host[:port]/path?query` → `/path?query`; anything else unchanged.
    url.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..])).unwrap_or(url)
}

/// A stored session of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// `ses_…`
    pub id: String,
    pub url: String,
    pub transport: Option<String>,
    pub protocol_version: Option<String>,
    /// `app`, `cli` or `proxy` (a real client's traffic through `mcpscope proxy`).
    pub source: String,
    pub started_at_us: i64,
    pub ended_at_us: Option<i64>,
    pub records: i64,
}

/// A record found in the history: its session, its wall-clock time and its timeline row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryHit {
    pub session_id: String,
    pub at_us: i64,
    pub summary: RecordSummary,
}

/// What a replay found: a recorded request sent again on the live session, and how its answer
/// differs from the recorded one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    pub method: String,
    pub params: Option<Value>,
    /// The new response message.
    pub response: Value,
    /// The recorded response message, when the history has one.
    pub original: Option<Value>,
    /// From the recorded response to the new one (ids and `_meta` left out); empty when the
    /// server answered the same.
    pub changes: Vec<diff::Change>,
}

impl Replay {
    /// The params a replay of the request `message` sends unless told otherwise: the recorded
    /// ones without the progress token the engine added to the original call (a replay gets
    /// its own).
    pub fn default_params(message: &Value) -> Option<Value> {
        let mut params = message.get("params")?.clone();
        if let Some(meta) = params.get_mut("_meta").and_then(Value::as_object_mut) {
            meta.remove("progressToken");
            if meta.is_empty() {
                params.as_object_mut().map(|p| p.remove("_meta"));
            }
        }
        Some(params)
    }
}

/// A request of ours still waiting for its response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inflight {
    /// The JSON-RPC id as JSON text (`3`, `"a"`): what `cancel_request` takes.
    pub id: String,
    pub method: String,
    /// The last `notifications/progress` for it, if any.
    pub progress: Option<Progress>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub progress: f64,
    pub total: Option<f64>,
    pub message: Option<String>,
}

impl Progress {
    /// 0–100 when the total is known.
    pub fn percent(&self) -> Option<f64> {
        self.total.filter(|t| *t > 0.0).map(|t| (self.progress / t * 100.0).clamp(0.0, 100.0))
    }
}

/// A request from the server that waits for the user: sampling or elicitation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerRequest {
    /// mcpscope's handle for the answer (`answer_server_request`).
    pub handle: u64,
    /// The server's JSON-RPC id, as JSON text (for an input request: its key).
    pub id: String,
    pub method: String,
    pub params: Value,
    /// For an input request of an `input_required` result (2026-07-28): the request of ours
    /// that asked for it, in words (`tools/call #3, round 1`); the answer goes back with that
    /// request, sent again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_for: Option<String>,
}

/// The user's answer to a [`ServerRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerAnswer {
    Result { result: Value },
    Error { code: i64, message: String },
}

/// A root the client offers the server (`roots/list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Root {
    pub uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One request of a whole session replayed: its recorded seq and method, and what the replay
/// found (or why it could not be sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayStep {
    pub seq: u64,
    pub method: String,
    pub replay: Option<Replay>,
    pub error: Option<String>,
}

/// One list (`tools/list`, `resources/list`, `prompts/list` …) of two stored sessions
/// compared: the changes from the first to the second, or why there is nothing to compare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListDiff {
    pub method: String,
    pub changes: Vec<diff::Change>,
    /// Set when a session has no answer to compare (`None` when both have one).
    pub missing: Option<String>,
}

/// What a bug report leaves out or masks, one line per place: shown to the user before the
/// file is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Redaction {
    /// The record it is in.
    pub seq: u64,
    /// Where: `header authorization`, `header mcp-session-id` …
    pub place: String,
    /// What the report holds instead.
    pub shown_as: String,
}

/// A bug report as the window sees it: what it redacts, and where it was written (`None` for
/// a preview).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BugReport {
    pub redactions: Vec<Redaction>,
    pub path: Option<String>,
}

/// Errors crossing the IPC boundary: `{kind, message}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IpcError {
    pub kind: IpcErrorKind,
    pub message: String,
}

/// What kind of failure an [`IpcError`] is: the window acts on some (a bad search query, not
/// connected, a secret kept for another collection) and shows the message of all. On the wire,
/// the snake_case name (`not_connected`); a kind this build does not know reads as `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpcErrorKind {
    // The wire (`WireError`).
    InvalidUrl,
    Connect,
    Http,
    SessionExpired,
    ContentType,
    Malformed,
    StreamBroken,
    TooLarge,
    Timeout,
    Initialize,
    NotMcp,
    UnsupportedVersion,
    Auth,
    Cancelled,
    Unsupported,
    Closed,
    // The engine (`SessionError`).
    NotConnected,
    Demo,
    NoHistory,
    BadQuery,
    History,
    Replay,
    SecretElsewhere,
    Collection,
    View,
    Import,
    Export,
    Limits,
    Proxy,
    // The shell and the window's side of the boundary.
    BadPath,
    PathNotAllowed,
    NoDialogs,
    Internal,
    Window,
    Ipc,
    NoBackend,
    Clipboard,
    #[serde(other)]
    Other,
}

/// Events pushed from the backend to the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UiEvent {
    /// New records, in seq order, batched (at most every ~50 ms).
    Records {
        items: SummaryBatch,
    },
    State {
        state: ConnectionState,
    },
    /// The session was replaced (new connect): the UI drops its timeline, and keeps at most
    /// `window_rows` of the new one while it follows the newest
    /// ([`Limits::window_rows`](crate::Limits)).
    Reset {
        #[serde(default = "default_window_rows")]
        window_rows: u64,
    },
    /// A step of the OAuth flow finished (the debugger shows it as it happens).
    AuthStep {
        step: auth::Step,
    },
    /// Our requests still waiting, with their progress: the whole list, on every change.
    Inflight {
        items: Vec<Inflight>,
    },
    /// The server's requests waiting for the user: the whole list, on every change.
    ServerRequests {
        pending: Vec<ServerRequest>,
    },
    /// The server's tools, prompts or templates against the version the user trusted.
    Trust {
        report: trust::TrustReport,
    },
}

fn default_window_rows() -> u64 {
    Limits::default().window_rows
}

/// One shared copy of each string it is given, for summaries: a flood's thousands of
/// summaries hold one kind, one method and a few titles between them. At most
/// [`Interner::MAX`] strings are kept; past that it starts afresh (a server sending endless
/// distinct names cannot make it grow).
#[derive(Debug, Default)]
pub struct Interner {
    known: std::collections::HashSet<Arc<str>>,
    /// The last few strings asked for: a flood asks for the same kind, title and method over
    /// and over, and comparing a short string costs less than hashing it.
    recent: Recent<Arc<str>>,
}

/// The last [`RECENT`] values seen, oldest replaced first.
#[derive(Debug)]
struct Recent<T> {
    slots: Vec<T>,
    next: usize,
}

const RECENT: usize = 4;

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Recent { slots: Vec::with_capacity(RECENT), next: 0 }
    }
}

impl<T> Recent<T> {
    fn find(&self, hit: impl Fn(&T) -> bool) -> Option<&T> {
        self.slots.iter().find(|v| hit(v))
    }

    fn put(&mut self, value: T) {
        if self.slots.len() < RECENT {
            self.slots.push(value);
        } else {
            self.slots[self.next] = value;
            self.next = (self.next + 1) % RECENT;
        }
    }
}

impl Interner {
    pub const MAX: usize = 4096;

    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(known) = self.recent.find(|r| **r == *s) {
            return known.clone();
        }
        let shared = match self.known.get(s) {
            Some(known) => known.clone(),
            None => {
                if self.known.len() >= Self::MAX {
                    self.known.clear();
                }
                let new: Arc<str> = Arc::from(s);
                self.known.insert(new.clone());
                new
            }
        };
        self.recent.put(shared.clone());
        shared
    }
}

/// Record summaries as they cross to the window: one JSON array of numbers per record and
/// each distinct string once. A flood repeats the same kind, method and often title tens of
/// thousands of times; as objects its summaries were three times the bytes to encode, send
/// and decode, and each decoded summary held its own copies of the strings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryBatch {
    strings: Vec<Arc<str>>,
    rows: Vec<SummaryRow>,
}

/// One summary in a [`SummaryBatch`]: the fields of [`RecordSummary`] in order, strings as
/// indices into the batch's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SummaryRow(
    u64,
    u64,
    Direction,
    u64,
    u32,
    u32,
    Option<u32>,
    Option<RpcKind>,
    Option<u64>,
    Option<u64>,
    Option<u16>,
    u64,
    bool,
    u32,
    #[serde(default)] Option<u32>,
    #[serde(default)] Option<u64>,
);

impl SummaryBatch {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The summaries, sharing the batch's strings. A row naming a string the batch lacks
    /// (a peer that is not mcpscope) gets an empty one rather than failing the batch.
    pub fn into_summaries(self) -> impl Iterator<Item = RecordSummary> {
        let strings = self.strings;
        let empty: Arc<str> = Arc::from("");
        let s = move |i: u32| strings.get(i as usize).cloned().unwrap_or_else(|| empty.clone());
        self.rows.into_iter().map(move |r| RecordSummary {
            seq: r.0,
            elapsed_us: r.1,
            direction: r.2,
            exchange: r.3,
            kind: s(r.4),
            title: s(r.5),
            method: r.6.map(&s),
            rpc_kind: r.7,
            pair_seq: r.8,
            latency_us: r.9,
            status: r.10,
            size: r.11,
            flagged: r.12,
            lint: r.13,
            round: r.14,
            continues_seq: r.15,
        })
    }
}

impl From<Vec<RecordSummary>> for SummaryBatch {
    fn from(items: Vec<RecordSummary>) -> Self {
        let mut batch = SummaryBatcher::with_capacity(items.len());
        items.into_iter().for_each(|s| batch.push(s));
        batch.finish()
    }
}

/// Builds a [`SummaryBatch`] a summary at a time (a flood's summaries go straight into rows,
/// never all at once into a list of their own).
#[derive(Default)]
pub struct SummaryBatcher {
    strings: Vec<Arc<str>>,
    index: std::collections::HashMap<Arc<str>, u32>,
    /// Summaries made through an `Interner` share their strings: the same allocation is found
    /// by its address before its text is hashed (with its index in `strings`).
    recent: Recent<(Arc<str>, u32)>,
    rows: Vec<SummaryRow>,
}

impl SummaryBatcher {
    /// A batcher with room for `rows` summaries: a flood's batch is made in one allocation,
    /// not grown (and copied) a doubling at a time.
    pub fn with_capacity(rows: usize) -> SummaryBatcher {
        SummaryBatcher { rows: Vec::with_capacity(rows), ..SummaryBatcher::default() }
    }

    fn intern(&mut self, v: Arc<str>) -> u32 {
        if let Some((_, i)) = self.recent.find(|(r, _)| Arc::ptr_eq(r, &v)) {
            return *i;
        }
        let strings = &mut self.strings;
        let i = *self.index.entry(v.clone()).or_insert_with(|| {
            strings.push(v.clone());
            (strings.len() - 1) as u32
        });
        self.recent.put((v, i));
        i
    }

    pub fn push(&mut self, r: RecordSummary) {
        let (kind, title) = (self.intern(r.kind), self.intern(r.title));
        let method = r.method.map(|m| self.intern(m));
        self.rows.push(SummaryRow(
            r.seq,
            r.elapsed_us,
            r.direction,
            r.exchange,
            kind,
            title,
            method,
            r.rpc_kind,
            r.pair_seq,
            r.latency_us,
            r.status,
            r.size,
            r.flagged,
            r.lint,
            r.round,
            r.continues_seq,
        ));
    }

    pub fn finish(self) -> SummaryBatch {
        SummaryBatch { strings: self.strings, rows: self.rows }
    }
}

/// What the OAuth debugger and the token inspector show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthStatus {
    /// OAuth is on for the current connection.
    pub enabled: bool,
    pub steps: Vec<auth::Step>,
    /// The access token (and ID token), decoded and checked; never the tokens themselves.
    pub tokens: Vec<auth::TokenReport>,
    /// Where tokens are kept, in words ("the OS keyring (Secret Service)", "memory only: …").
    pub store: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transport_is_stored_under_its_serde_name() {
        for kind in [TransportKind::Streamable, TransportKind::Sse] {
            assert_eq!(serde_json::to_value(kind).unwrap(), serde_json::json!(kind.as_str()));
        }
    }

    #[test]
    fn error_kinds_cross_the_boundary_as_their_snake_case_names() {
        let e = IpcError { kind: IpcErrorKind::NotConnected, message: "m".into() };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"kind": "not_connected", "message": "m"})
        );
        let back: IpcError = serde_json::from_str(r#"{"kind":"secret_elsewhere","message":"m"}"#).unwrap();
        assert_eq!(back.kind, IpcErrorKind::SecretElsewhere);
        // A kind a newer build sends is still an error the window can show.
        let newer: IpcError = serde_json::from_str(r#"{"kind":"from_the_future","message":"m"}"#).unwrap();
        assert_eq!(newer.kind, IpcErrorKind::Other);
    }

    #[test]
    fn printable_text_keeps_no_terminal_control() {
        assert_eq!(printable("plain\ttext\nline 2"), "plain\ttext\nline 2");
        let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[2J\rboom\u{9b}31m\u{7f}";
        let shown = printable(hostile);
        assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "{shown:?}");
        assert!(shown.contains("\\u{1b}]0;pwned") && shown.ends_with("boom\\u{9b}31m\\u{7f}"), "{shown}");
    }

    #[test]
    fn header_parse_accepts_name_value_and_rejects_garbage() {
        assert_eq!(
            Header::parse("Authorization: Bearer abc"),
            Some(Header::new("Authorization", "Bearer abc"))
        );
        assert_eq!(Header::parse("X-A:b:c"), Some(Header::new("X-A", "b:c")));
        assert_eq!(Header::parse("no colon"), None);
        assert_eq!(Header::parse(": v"), None);
        assert_eq!(Header::parse("bad name: v"), None);
    }

    #[test]
    fn a_message_reads_and_crosses_as_the_value_it_holds() {
        let empty = Message::default();
        assert!(empty.is_null() && empty.0.is_none(), "Null takes no allocation");
        assert!(Message::from(Value::Null).0.is_none());
        let m = Message::from(serde_json::json!({"result": {"x": [1, 2]}}));
        assert_eq!(m["result"]["x"][1], 2, "reads as a Value");
        assert_eq!(serde_json::to_string(&m).ok().as_deref(), Some(r#"{"result":{"x":[1,2]}}"#));
        assert_eq!(serde_json::to_string(&empty).ok().as_deref(), Some("null"));
        let back: RpcInfo = serde_json::from_str(
            r#"{"kind":"result","id":"1","method":null,"error_code":null,"pair_seq":null,"latency_us":null,"message":{"a":1}}"#,
        )
        .expect("rpc");
        assert_eq!(back.message.into_value(), serde_json::json!({"a": 1}));
        let mut filled = Message::default();
        *filled = serde_json::json!(7);
        assert_eq!(filled, Message::from(serde_json::json!(7)));
        assert_eq!(Message::from(Value::Null), {
            let mut m = Message::default();
            *m = Value::Null;
            m
        });
    }

    /// A flood keeps one `Record` per frame: with its `Arc` counts it fits mimalloc's
    /// 384-byte class (it took 512 while the message was a `Value` in place).
    #[test]
    fn a_record_stays_small() {
        assert!(std::mem::size_of::<Record>() + 16 <= 384, "{} bytes", std::mem::size_of::<Record>());
    }

    /// A flood's records share their method's name: the usual ones are borrowed, anything
    /// else is the server's own text, and both read back from JSON the same.
    #[test]
    fn usual_method_names_are_borrowed() {
        assert!(matches!(method_name("notifications/message"), Cow::Borrowed("notifications/message")));
        assert!(matches!(method_name("tools/call"), Cow::Borrowed(_)));
        let odd = method_name("x/custom");
        assert!(matches!(&odd, Cow::Owned(s) if s == "x/custom"));
        let info = RpcInfo {
            kind: RpcKind::Notification,
            id: None,
            method: Some(method_name("notifications/progress")),
            error_code: None,
            pair_seq: None,
            latency_us: None,
            continues: None,
            message: Message::default(),
            shape: Shape::default(),
        };
        let back: RpcInfo = serde_json::from_str(&serde_json::to_string(&info).expect("json")).expect("read");
        assert_eq!(back.method.as_deref(), Some("notifications/progress"));
    }

    #[test]
    fn summary_titles_name_method_id_and_path() {
        let rec = Record {
            seq: 3,
            at_us: 0,
            elapsed_us: 10,
            direction: Direction::Out,
            exchange: 2,
            kind: RecordKind::HttpRequest {
                method: "POST".into(),
                url: "http://127.0.0.1:3001/mcp?x=1".into(),
                headers: vec![],
                body: Some(Body::from_bytes(b"{}")),
            },
            rpc: Some(RpcInfo {
                kind: RpcKind::Request,
                id: Some("1".into()),
                method: Some("tools/list".into()),
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
        };
        let s = rec.summary();
        assert_eq!(&*s.title, "tools/list #1 · POST /mcp?x=1");
        assert_eq!(s.size, 2);
        assert!(!s.flagged);
    }

    #[test]
    fn a_summary_batch_sends_each_string_once_and_comes_back_whole() {
        let summary = |seq: u64, method: Option<&str>| RecordSummary {
            seq,
            elapsed_us: seq * 10,
            direction: Direction::In,
            exchange: 7,
            kind: "sse".into(),
            title: format!("notifications/message · event {}", seq % 2).into(),
            method: method.map(Arc::from),
            rpc_kind: method.map(|_| RpcKind::Notification),
            pair_seq: (seq == 3).then_some(1),
            latency_us: None,
            status: None,
            size: 200,
            flagged: seq == 2,
            lint: u32::from(seq == 3),
            round: (seq == 3).then_some(2),
            continues_seq: (seq == 3).then_some(1),
        };
        let items: Vec<_> =
            (1..=4).map(|i| summary(i, (i != 4).then_some("notifications/message"))).collect();
        let batch = SummaryBatch::from(items.clone());
        let json = serde_json::to_string(&batch).unwrap_or_default();
        assert_eq!(json.matches("notifications/message\"").count(), 1, "the method once: {json}");
        assert_eq!(json.matches("\"sse\"").count(), 1, "the kind once: {json}");
        assert!(!json.contains("elapsed_us"), "rows are arrays, not objects: {json}");
        let back: SummaryBatch = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back.len(), 4);
        let back: Vec<_> = back.into_summaries().collect();
        assert_eq!(back, items);
        // Decoded summaries share their strings.
        assert!(Arc::ptr_eq(&back[0].kind, &back[3].kind));
        // Summaries whose strings are shared (an interner's) make the same batch.
        let mut strings = Interner::default();
        let shared: Vec<RecordSummary> = items
            .iter()
            .map(|s| RecordSummary {
                kind: strings.get(&s.kind),
                title: strings.get(&s.title),
                method: s.method.as_deref().map(|m| strings.get(m)),
                ..s.clone()
            })
            .collect();
        assert!(Arc::ptr_eq(&shared[0].title, &shared[2].title));
        assert_eq!(SummaryBatch::from(shared), batch);
    }

    #[test]
    fn an_interner_shares_strings_and_stays_bounded() {
        let mut strings = Interner::default();
        let a = strings.get("notifications/message");
        assert!(Arc::ptr_eq(&a, &strings.get("notifications/message")));
        for i in 0..Interner::MAX {
            strings.get(&format!("m{i}"));
        }
        assert!(strings.known.len() <= Interner::MAX);
        assert!(!Arc::ptr_eq(&a, &strings.get("notifications/message")), "started afresh when full");
    }

    #[test]
    fn replay_params_drop_only_the_engine_progress_token() {
        let msg = serde_json::json!({"params": {"name": "echo", "_meta": {"progressToken": "mcpscope-1"}}});
        assert_eq!(Replay::default_params(&msg), Some(serde_json::json!({"name": "echo"})));
        let msg = serde_json::json!({"params": {"_meta": {"progressToken": 1, "k": 2}}});
        assert_eq!(Replay::default_params(&msg), Some(serde_json::json!({"_meta": {"k": 2}})));
        assert_eq!(Replay::default_params(&serde_json::json!({"method": "ping"})), None);
    }

    #[test]
    fn big_records_cross_as_previews() {
        let text = format!(r#"{{"jsonrpc":"2.0","id":1,"result":{{"t":"{}"}}}}"#, "x".repeat(300_000));
        let rec = Record {
            seq: 1,
            at_us: 0,
            elapsed_us: 0,
            direction: Direction::In,
            exchange: 1,
            kind: RecordKind::SseFrame {
                id: None,
                event: None,
                data: text.clone().into(),
                retry_ms: None,
                comments: vec![],
                raw: format!("data: {text}\n\n").into(),
            },
            rpc: Some(RpcInfo {
                kind: RpcKind::Result,
                id: Some("1".into()),
                method: None,
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
        };
        let view = rec.clone().for_view();
        assert_eq!(view.preview_of, Some(text.len() as u64));
        assert_eq!(view.payload_len(), outline::PREVIEW_HEAD);
        assert!(view.rpc.as_ref().is_some_and(|r| r.message.is_null()));
        // A small one crosses whole, decoded.
        let small = rec.preview(10).preview_of;
        assert_eq!(small, Some(text.len() as u64));
    }

    #[test]
    fn body_keeps_invalid_utf8_flagged() {
        let b = Body::from_bytes(&[0x66, 0xff]);
        assert!(!b.utf8);
        assert_eq!(b.len, 2);
    }
}
