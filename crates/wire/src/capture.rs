//! Turning wire events into [`Record`]s: sequence numbers, timestamps, credential redaction,
//! the JSON-RPC view (read in [`crate::decode`]) and request/response pairing.
//!
//! **Invariant:** every byte the transports send or receive passes through here *before* it is
//! interpreted; a record is handed to the sink even when its payload is malformed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use mcpscope_proto::{
    Body, Continues, Direction, Flag, FlagCode, Header, Record, RecordKind, RpcInfo, RpcKind,
};
use serde_json::Value;

use crate::decode::decode;
use crate::sink::RecordSink;

/// Locks a mutex, recovering the data if a panicking thread poisoned it: every critical
/// section in this crate leaves the data consistent, so the poison carries no meaning.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Header names whose values are credentials.
const SECRET_HEADERS: &[&str] =
    &["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"];

/// Parts of a header or query parameter name that mark a credential, whatever the rest of
/// the name: `X-Auth-Token`, `Private-Token`, `X-Goog-Api-Key`, `client_secret`.
const SECRET_NAME_PARTS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "api-key",
    "api_key",
    "credential",
    "auth",
    "signature",
];

/// Named like credentials, but challenges and metadata a reader needs to see.
const NOT_SECRET_HEADERS: &[&str] =
    &["www-authenticate", "proxy-authenticate", "authentication-info", "proxy-authentication-info"];

/// Headers a user may set that never carry a credential: shown as they are.
const PLAIN_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "connection",
    "content-type",
    "last-event-id",
    "mcp-method",
    "mcp-name",
    "mcp-protocol-version",
    "mcp-session-id",
    "origin",
    "user-agent",
];

/// Whether a header of this name never carries a credential (`Accept`, `Mcp-Session-Id` …).
pub fn is_plain_header(name: &str) -> bool {
    PLAIN_HEADERS.iter().any(|p| name.eq_ignore_ascii_case(p))
}

/// Whether a header of this name carries a credential: a known one, or one named like one.
pub fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if NOT_SECRET_HEADERS.contains(&name.as_str()) {
        return false;
    }
    SECRET_HEADERS.contains(&name.as_str()) || named_like_a_credential(&name)
}

/// Whether a lower-case header or parameter name says it holds a credential.
fn named_like_a_credential(name: &str) -> bool {
    SECRET_NAME_PARTS.iter().any(|p| name.contains(p)) || name == "key" || name.ends_with("-key")
}

/// Redacts credential values, keeping the auth scheme and the length so a reader can still
/// tell a `Bearer` token from a `Basic` one and an empty value from a present one.
pub fn redact_header(name: &str, value: &str) -> String {
    if is_secret_header(name) { redacted_value(name, value) } else { value.to_owned() }
}

fn redacted_value(name: &str, value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, secret)) if name.to_ascii_lowercase().ends_with("authorization") => {
            format!("{scheme} ‹redacted {} chars›", secret.len())
        }
        _ => format!("‹redacted {} chars›", value.len()),
    }
}

/// Whether a URL query parameter of this name carries a credential (`api_key`, `token`,
/// `sig`, `X-Amz-Signature` …).
fn is_secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    named_like_a_credential(&name)
        || ["sig", "jwt", "pwd", "pass", "session", "sessionid"].contains(&name.as_str())
        || name.ends_with("_key")
}

/// What a redacted part of a URL becomes.
pub const REDACTED_IN_URL: &str = "‹redacted›";

/// `url` with its userinfo (`user:pass@`) and the values of query parameters named like
/// credentials replaced by [`REDACTED_IN_URL`]; every other byte as it was. Borrowed when
/// there is nothing to redact.
pub fn redact_url(url: &str) -> std::borrow::Cow<'_, str> {
    let (head, fragment) = url.split_once('#').map_or((url, None), |(h, f)| (h, Some(f)));
    let (before_query, query) = head.split_once('?').map_or((head, None), |(b, q)| (b, Some(q)));
    let authority_start = before_query.find("://").map_or(0, |i| i + 3);
    let authority_end =
        before_query[authority_start..].find('/').map_or(before_query.len(), |i| authority_start + i);
    let userinfo = before_query[authority_start..authority_end].rfind('@').map(|i| authority_start + i);
    let secret_params = query.is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.split_once('=').is_some_and(|(n, v)| !v.is_empty() && is_secret_param(n)))
    });
    if userinfo.is_none() && !secret_params {
        return std::borrow::Cow::Borrowed(url);
    }
    let mut out = String::with_capacity(url.len());
    match userinfo {
        Some(at) => {
            out.push_str(&before_query[..authority_start]);
            out.push_str(REDACTED_IN_URL);
            out.push_str(&before_query[at..]);
        }
        None => out.push_str(before_query),
    }
    if let Some(q) = query {
        out.push('?');
        let pairs = q.split('&').map(|pair| match pair.split_once('=') {
            Some((n, v)) if !v.is_empty() && is_secret_param(n) => format!("{n}={REDACTED_IN_URL}"),
            _ => pair.to_owned(),
        });
        out.push_str(&pairs.collect::<Vec<_>>().join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    std::borrow::Cow::Owned(out)
}

struct Pending {
    seq: u64,
    /// The request record's `elapsed_us`.
    sent_us: u64,
}

struct State {
    next_seq: u64,
    next_exchange: u64,
    /// Requests we sent, by id text, awaiting the server's response.
    out_pending: HashMap<String, Pending>,
    /// Requests the server sent, awaiting our response.
    in_pending: HashMap<String, Pending>,
    /// Our last answered requests (id, seq of the request record), newest last, so that a
    /// round sent again can point at the round before.
    answered: std::collections::VecDeque<(String, u64)>,
    /// Requests about to go out as the next round of an earlier one, by id.
    rounds: HashMap<String, Continues>,
}

/// How many answered requests the capture remembers for [`Capture::continue_call`].
const ANSWERED_KEPT: usize = 256;

/// Shared by all transports of one session.
pub struct Capture {
    started: Instant,
    /// Wall clock at `started`, µs since the epoch: records add their monotonic offset to it
    /// (one clock read per record instead of two, and timestamps that never go backwards).
    started_wall_us: i64,
    sink: Arc<dyn RecordSink>,
    state: Mutex<State>,
    /// Names (lower-case) of the headers the user supplied: their values are redacted in
    /// records whatever the name, since only the user knows which of them are credentials.
    user_headers: std::sync::RwLock<Vec<String>>,
    /// How much of a server's bytes the readers take (bodies, SSE frames, auth documents).
    limits: mcpscope_proto::Limits,
}

/// When a record's bytes were sent or received, on both clocks a record carries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stamp {
    at_us: i64,
    elapsed_us: u64,
}

impl Stamp {
    /// A record with this stamp, numbered later (see [`Capture::commit_batch`]).
    pub(crate) fn record(
        self,
        direction: Direction,
        exchange: u64,
        kind: RecordKind,
        rpc: Option<RpcInfo>,
        flags: Vec<Flag>,
    ) -> Record {
        Record {
            seq: 0,
            at_us: self.at_us,
            elapsed_us: self.elapsed_us,
            direction,
            exchange,
            kind,
            rpc,
            flags,
            lint: Vec::new(),
            preview_of: None,
        }
    }
}

/// The decoded payload handed back to the caller alongside the record's seq.
pub struct Decoded {
    pub seq: u64,
    /// The JSON-RPC messages the connection must act on (responses, requests, progress
    /// notifications; one, or several for a batch). Other notifications live only in the
    /// record: copying them out would double the cost of a notification flood.
    pub messages: Vec<Value>,
}

impl Capture {
    pub fn new(sink: Arc<dyn RecordSink>) -> Arc<Capture> {
        Capture::with_limits(sink, mcpscope_proto::Limits::default())
    }

    /// A capture whose readers stop at `limits`.
    pub fn with_limits(sink: Arc<dyn RecordSink>, limits: mcpscope_proto::Limits) -> Arc<Capture> {
        Arc::new(Capture {
            started: Instant::now(),
            started_wall_us: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_micros() as i64)
                .unwrap_or(0),
            sink,
            state: Mutex::new(State {
                next_seq: 1,
                next_exchange: 1,
                out_pending: HashMap::new(),
                in_pending: HashMap::new(),
                answered: std::collections::VecDeque::new(),
                rounds: HashMap::new(),
            }),
            user_headers: std::sync::RwLock::new(Vec::new()),
            limits,
        })
    }

    /// The limits every reader of this capture's traffic applies.
    pub fn limits(&self) -> &mcpscope_proto::Limits {
        &self.limits
    }

    /// Redacts the values of these headers (the ones the user supplied) in every later
    /// record, except the few that never carry a credential ([`PLAIN_HEADERS`]).
    pub fn redact_user_headers<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        let mut known = self.user_headers.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for name in names.into_iter().filter(|n| !is_plain_header(n)) {
            let name = name.to_ascii_lowercase();
            if !known.contains(&name) {
                known.push(name);
            }
        }
    }

    /// Headers as a record shows them: credentials, and every header the user supplied,
    /// redacted.
    pub fn headers_for_record<'a>(&self, headers: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<Header> {
        let user = self.user_headers.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        headers
            .map(|(n, v)| {
                let by_user = !user.is_empty() && user.iter().any(|u| u.eq_ignore_ascii_case(n));
                let value = if by_user || is_secret_header(n) { redacted_value(n, v) } else { v.to_owned() };
                Header::new(n, value)
            })
            .collect()
    }

    pub fn new_exchange(&self) -> u64 {
        let mut st = lock(&self.state);
        let ex = st.next_exchange;
        st.next_exchange += 1;
        ex
    }

    /// Records `kind`; when `payload` is given it is decoded as JSON-RPC and paired.
    /// Returns the seq and the messages the connection must act on.
    pub fn record(
        &self,
        direction: Direction,
        exchange: u64,
        kind: RecordKind,
        payload: Option<&str>,
        mut flags: Vec<Flag>,
    ) -> Decoded {
        let now = Instant::now();
        let (rpc, messages) = match payload {
            Some(text) => decode(text, &mut flags),
            None => (None, Vec::new()),
        };
        let seq = self.commit(self.stamp(now).record(direction, exchange, kind, rpc, flags));
        Decoded { seq, messages }
    }

    /// The timestamps of records whose bytes were sent or received at `at`.
    pub(crate) fn stamp(&self, at: Instant) -> Stamp {
        let elapsed_us = at.saturating_duration_since(self.started).as_micros() as u64;
        Stamp { at_us: self.started_wall_us + elapsed_us as i64, elapsed_us }
    }

    /// Numbers and pairs one record and hands it to the sink; returns its seq.
    fn commit(&self, mut record: Record) -> u64 {
        // Sequence numbers, pairing and the hand-off to the sink happen under one lock so the
        // sink sees records in seq order.
        let mut st = lock(&self.state);
        let seq = number(&mut st, &mut record);
        self.sink.record(record);
        seq
    }

    /// Waits until the sink chain has passed on every record committed so far: the timeline,
    /// the history's queue and the shell's output have them, linted.
    pub async fn flush(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.sink.flush(Box::new(move || {
            let _ = tx.send(());
        }));
        // A sink that dropped `done` (its worker gone) has nothing more to pass on.
        let _ = rx.await;
    }

    /// Numbers and pairs consecutive records (one read's SSE frames), and hands them to the
    /// sink in one batch.
    pub(crate) fn commit_batch(&self, mut batch: Vec<Arc<Record>>) {
        if batch.is_empty() {
            return;
        }
        let mut st = lock(&self.state);
        for record in &mut batch {
            // Fresh from `Frames::build`: the only holder, so no copy is made.
            number(&mut st, Arc::make_mut(record));
        }
        self.sink.record_batch(batch);
    }

    /// Marks our request `id`, about to be sent, as round `round` of the call that began as
    /// `first_id`, continuing request `previous_id`: its record will say so
    /// ([`RpcInfo::continues`]).
    pub fn continue_call(&self, id: &str, previous_id: &str, first_id: &str, round: u32) {
        let mut st = lock(&self.state);
        let seq = st.answered.iter().rev().find(|(i, _)| i == previous_id).map(|(_, s)| *s);
        let link = Continues { id: previous_id.to_owned(), seq, first_id: first_id.to_owned(), round };
        st.rounds.insert(id.to_owned(), link);
    }

    pub fn note(&self, text: impl Into<String>) {
        self.record(Direction::Local, 0, RecordKind::Note { text: text.into() }, None, Vec::new());
    }
}

/// Gives `record` the next seq and pairs it with its request or response.
fn number(st: &mut State, record: &mut Record) -> u64 {
    let seq = st.next_seq;
    st.next_seq += 1;
    record.seq = seq;
    if let Some(rpc) = record.rpc.as_mut() {
        pair(st, record.direction, seq, record.elapsed_us, rpc, &mut record.flags);
    }
    seq
}

/// Pairs a response with its request (`pair_seq`, and the latency between the two records'
/// timestamps), or remembers a request for its response.
fn pair(
    st: &mut State,
    direction: Direction,
    seq: u64,
    at_us: u64,
    rpc: &mut RpcInfo,
    flags: &mut Vec<Flag>,
) {
    let Some(id) = rpc.id.clone() else { return };
    let ours = match direction {
        Direction::Out => true,
        Direction::In => false,
        Direction::Local => return,
    };
    match rpc.kind {
        RpcKind::Request => {
            if ours {
                rpc.continues = st.rounds.remove(&id).map(Box::new);
            }
            let requests = if ours { &mut st.out_pending } else { &mut st.in_pending };
            requests.insert(id, Pending { seq, sent_us: at_us });
        }
        RpcKind::Result | RpcKind::Error => {
            let requests = if ours { &mut st.in_pending } else { &mut st.out_pending };
            match requests.remove(&id) {
                Some(p) => {
                    rpc.pair_seq = Some(p.seq);
                    rpc.latency_us = Some(at_us.saturating_sub(p.sent_us));
                    if !ours {
                        if st.answered.len() >= ANSWERED_KEPT {
                            st.answered.pop_front();
                        }
                        st.answered.push_back((id, p.seq));
                    }
                }
                None if id != "null" => flags.push(Flag::new(
                    FlagCode::UnknownResponseId,
                    format!("response id {id} matches no request in flight"),
                )),
                None => {}
            }
        }
        _ => {}
    }
}

pub fn body_of(bytes: &[u8]) -> Body {
    Body::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VecSink;

    #[test]
    fn redaction_keeps_scheme_and_length_only() {
        assert_eq!(redact_header("Authorization", "Bearer abc.def"), "Bearer ‹redacted 7 chars›");
        assert_eq!(redact_header("cookie", "a=b"), "‹redacted 3 chars›");
        assert_eq!(redact_header("Content-Type", "application/json"), "application/json");
    }

    #[test]
    fn headers_named_like_credentials_are_redacted_without_a_list() {
        for name in [
            "X-Auth-Token",
            "Private-Token",
            "X-Goog-Api-Key",
            "X-Client-Secret",
            "Ocp-Apim-Subscription-Key",
        ] {
            assert_eq!(redact_header(name, "s3cr3t"), "‹redacted 6 chars›", "{name}");
        }
        for name in ["WWW-Authenticate", "Mcp-Session-Id", "Keep-Alive", "Accept"] {
            assert_eq!(redact_header(name, "Bearer x"), "Bearer x", "{name}");
        }
        let cap = Capture::new(VecSink::new());
        cap.redact_user_headers(["X-Tenant", "Accept"]);
        let shown =
            cap.headers_for_record([("x-tenant", "acme-1"), ("accept", "text/event-stream")].into_iter());
        assert_eq!(shown[0].value, "‹redacted 6 chars›");
        assert_eq!(shown[1].value, "text/event-stream");
    }

    #[test]
    fn url_userinfo_and_query_secrets_are_redacted_and_the_rest_kept() {
        assert_eq!(
            redact_url("http://alice:pw@127.0.0.1:9/mcp?api_key=k1&x=1&Token=t#frag"),
            "http://‹redacted›@127.0.0.1:9/mcp?api_key=‹redacted›&x=1&Token=‹redacted›#frag"
        );
        assert_eq!(redact_url("https://h/mcp?sig=abc&page=2"), "https://h/mcp?sig=‹redacted›&page=2");
        let plain = "http://127.0.0.1:9/mcp?page=2&key=";
        assert!(matches!(redact_url(plain), std::borrow::Cow::Borrowed(u) if u == plain));
        // An @ in the path or query is not userinfo.
        assert_eq!(redact_url("http://h/a@b?q=x@y"), "http://h/a@b?q=x@y");
    }

    #[test]
    fn pairs_responses_with_requests_and_flags_strays() {
        let sink = VecSink::new();
        let cap = Capture::new(sink.clone());
        let note = |t: &str| RecordKind::Note { text: t.into() };
        cap.record(
            Direction::Out,
            1,
            note("req"),
            Some(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
            vec![],
        );
        cap.record(Direction::In, 1, note("resp"), Some(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#), vec![]);
        cap.record(
            Direction::In,
            2,
            note("stray"),
            Some(r#"{"jsonrpc":"2.0","id":"1","result":{}}"#),
            vec![],
        );
        cap.record(Direction::In, 3, note("bad"), Some(r#"{"jsonrpc":"2.0","id":1,"res"#), vec![]);
        let recs = sink.records();
        assert_eq!(recs[1].rpc.as_ref().and_then(|r| r.pair_seq), Some(1));
        assert!(recs[1].flags.is_empty());
        // A string id "1" is not the number 1.
        assert_eq!(recs[2].flags[0].code, FlagCode::UnknownResponseId);
        assert_eq!(recs[3].flags[0].code, FlagCode::MalformedJson);
        assert!(recs[3].rpc.is_none());
        assert_eq!(recs.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    }
}
