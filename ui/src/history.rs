//! The History view's state: the query, its results, the stored sessions and the selection,
//! changed only through [`HistoryAction`]s in [`HistoryState::reduce`].
//!
//! The searches themselves run in `components/history_view.rs`. Each one carries an id from
//! [`next_request_id`]; the reducer keeps only the reply to the newest one, so a slow answer
//! to an earlier query never replaces the answer the user is waiting for.

use std::cell::Cell;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use mcpscope_proto::{HistoryHit, IpcError, SessionInfo};
use yew::Reducible;

use crate::format;

/// Records asked for per search.
pub const LIMIT: u32 = 5000;
/// Sessions listed on the left.
pub const SESSIONS_LIMIT: u32 = 200;

/// The search box's placeholder: the syntax at a glance.
pub const PLACEHOLDER: &str = r#"method:tools/call status:error dur:>500ms server:host "text""#;

/// The search syntax, one line per term: `(example, what it matches)`. Shown by the "?"
/// button; the same terms as `crates/store/src/search.rs`.
pub const SYNTAX: [(&str, &str); 8] = [
    ("method:tools/call", "records of that JSON-RPC method"),
    ("status:error", "flagged records, JSON-RPC errors, HTTP 400 and up"),
    ("status:404", "that HTTP status"),
    ("dur:>500ms", "responses by latency: dur:<2s, dur:>=1.5s (us, ms, s)"),
    ("server:127.0.0.1", "sessions with that host"),
    ("session:ses_…", "one session (or click it on the left)"),
    ("kind:sse", "a record kind: http-request, http-response, sse, stream-end, note"),
    (r#""some words""#, "free text in titles and payloads; quotes keep a phrase"),
];

/// `query` with `term` added at the end.
pub fn with_term(query: &str, term: &str) -> String {
    let q = query.trim_end();
    if q.is_empty() { term.to_owned() } else { format!("{q} {term}") }
}

/// What the empty-history placeholder says.
pub const NO_HISTORY: &str = "No history yet. Connect to a server; every session is kept here.";

/// The query that shows one session.
pub fn session_query(id: &str) -> String {
    format!("session:{id}")
}

/// The session a query shows, when the query is exactly one `session:` term.
pub fn session_of_query(query: &str) -> Option<&str> {
    let q = query.trim();
    q.strip_prefix("session:").filter(|id| !id.is_empty() && !id.contains(char::is_whitespace))
}

thread_local! {
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
}

/// A fresh id for a search or a sessions load.
pub fn next_request_id() -> u64 {
    NEXT_ID.with(|n| {
        n.set(n.get() + 1);
        n.get()
    })
}

/// One record of the history: its session and its seq there.
#[derive(Debug, Clone, PartialEq)]
pub struct HitKey {
    pub session_id: Rc<str>,
    pub seq: u64,
}

impl HitKey {
    pub fn new(session_id: &str, seq: u64) -> HitKey {
        HitKey { session_id: Rc::from(session_id), seq }
    }

    /// Whether `hit` is this record.
    pub fn is(&self, hit: &HistoryHit) -> bool {
        hit.summary.seq == self.seq && *hit.session_id == *self.session_id
    }
}

impl fmt::Display for HitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} of session {}", self.seq, format::short_session(&self.session_id))
    }
}

/// A shared list, compared by identity: thousands of rows are not compared on every render.
#[derive(Debug)]
pub struct Shared<T>(Rc<Vec<T>>);

impl<T> Shared<T> {
    pub fn new(items: Vec<T>) -> Self {
        Shared(Rc::new(items))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Rc::clone(&self.0))
    }
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Shared::new(Vec::new())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

/// Where a request to the backend stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Idle,
    Running(u64),
    Failed(IpcError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryState {
    /// The text in the search box.
    pub query: String,
    /// The results of the last search that succeeded.
    pub hits: Shared<HistoryHit>,
    /// The query `hits` answers; `None` before the first search returns.
    pub shown_query: Option<String>,
    /// The query of the running search.
    running_query: String,
    pub search: Pending,
    /// Newest first; `None` until the first load returns.
    pub sessions: Option<Shared<SessionInfo>>,
    pub sessions_load: Pending,
    pub selected: Option<HitKey>,
}

impl Default for HistoryState {
    fn default() -> Self {
        HistoryState {
            query: String::new(),
            hits: Shared::default(),
            shown_query: None,
            running_query: String::new(),
            search: Pending::Idle,
            sessions: None,
            sessions_load: Pending::Idle,
            selected: None,
        }
    }
}

#[derive(Debug)]
pub enum HistoryAction {
    /// The user typed in the search box.
    SetQuery(String),
    /// A search for `query` started (the box shows it too: a click on a session sets it).
    SearchStarted {
        id: u64,
        query: String,
    },
    SearchDone {
        id: u64,
        result: Result<Vec<HistoryHit>, IpcError>,
    },
    SessionsStarted {
        id: u64,
    },
    SessionsDone {
        id: u64,
        result: Result<Vec<SessionInfo>, IpcError>,
    },
    Select(HitKey),
    /// Move the selection by this many rows (negative: up).
    MoveSelection(i64),
    SelectFirst,
    SelectLast,
}

impl Reducible for HistoryState {
    type Action = HistoryAction;

    fn reduce(self: Rc<Self>, action: HistoryAction) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            HistoryAction::SetQuery(q) => s.query = q,
            HistoryAction::SearchStarted { id, query } => {
                s.query = query.clone();
                s.running_query = query;
                s.search = Pending::Running(id);
            }
            HistoryAction::SearchDone { id, result } => {
                if s.search != Pending::Running(id) {
                    return self; // An older search: a newer one is running or done.
                }
                match result {
                    Ok(hits) => {
                        s.hits = Shared::new(hits);
                        s.shown_query = Some(std::mem::take(&mut s.running_query));
                        s.search = Pending::Idle;
                    }
                    Err(e) => s.search = Pending::Failed(e),
                }
            }
            HistoryAction::SessionsStarted { id } => s.sessions_load = Pending::Running(id),
            HistoryAction::SessionsDone { id, result } => {
                if s.sessions_load != Pending::Running(id) {
                    return self;
                }
                match result {
                    Ok(list) => {
                        s.sessions = Some(Shared::new(list));
                        s.sessions_load = Pending::Idle;
                    }
                    Err(e) => s.sessions_load = Pending::Failed(e),
                }
            }
            HistoryAction::Select(key) => s.selected = Some(key),
            HistoryAction::MoveSelection(delta) => {
                let len = s.hits.len();
                if len == 0 {
                    return self;
                }
                let target = match s.selected.as_ref().and_then(|k| s.position_of(k)) {
                    Some(p) => (p as i64 + delta).clamp(0, len as i64 - 1) as usize,
                    None if delta < 0 => len - 1,
                    None => 0,
                };
                s.selected = s.key_at(target);
            }
            HistoryAction::SelectFirst => s.selected = s.key_at(0),
            HistoryAction::SelectLast => s.selected = s.hits.len().checked_sub(1).and_then(|p| s.key_at(p)),
        }
        if s == *self { self } else { Rc::new(s) }
    }
}

impl HistoryState {
    /// Row position of the record `key` in the results.
    pub fn position_of(&self, key: &HitKey) -> Option<usize> {
        self.hits.iter().position(|h| key.is(h))
    }

    fn key_at(&self, pos: usize) -> Option<HitKey> {
        self.hits.get(pos).map(|h| HitKey::new(&h.session_id, h.summary.seq))
    }

    /// The response to the selected request, when it is among the results.
    pub fn response_to_selected(&self) -> Option<u64> {
        let key = self.selected.as_ref()?;
        self.hits
            .iter()
            .find(|h| h.summary.pair_seq == Some(key.seq) && *h.session_id == *key.session_id)
            .map(|h| h.summary.seq)
    }

    /// The message under the search box when the backend refused the query (without the
    /// backend's `search: ` prefix: the line already says what it is about).
    pub fn query_error(&self) -> Option<&str> {
        match &self.search {
            Pending::Failed(e) if e.kind == mcpscope_proto::IpcErrorKind::BadQuery => {
                Some(e.message.strip_prefix("search: ").unwrap_or(&e.message))
            }
            _ => None,
        }
    }

    /// Why there is nothing to show (in plain words), or `None` when there is.
    pub fn results_note(&self) -> Option<String> {
        if let Pending::Failed(e) = &self.search
            && e.kind != mcpscope_proto::IpcErrorKind::BadQuery
        {
            return Some(format!("The history could not be searched: {}", e.message));
        }
        if !self.hits.is_empty() {
            return None;
        }
        if self.shown_query.is_none() {
            return matches!(self.search, Pending::Running(_)).then(|| "Loading history…".to_owned());
        }
        let no_sessions = self.sessions.as_ref().is_some_and(|s| s.is_empty());
        let everything = self.shown_query.as_deref().is_some_and(|q| q.trim().is_empty());
        Some(if no_sessions || everything {
            NO_HISTORY.to_owned()
        } else {
            "No records match this query.".to_owned()
        })
    }

    /// `12 records`, or a warning that the limit cut the results short.
    pub fn count_text(&self) -> String {
        if matches!(self.search, Pending::Running(_)) {
            return "Searching…".to_owned();
        }
        let Some(_) = self.shown_query else { return String::new() };
        match self.hits.len() {
            1 => "1 record".to_owned(),
            n if n >= LIMIT as usize => format!("latest {n} records (the limit): narrow the query"),
            n => format!("{n} records"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcpscope_proto::{Direction, RecordSummary};

    fn hit(session: &str, seq: u64, pair: Option<u64>) -> HistoryHit {
        HistoryHit {
            session_id: session.into(),
            at_us: seq as i64,
            summary: RecordSummary {
                pair_seq: pair,
                ..RecordSummary::bare(seq, 1, Direction::Out, "sse", &format!("row {seq}"))
            },
        }
    }

    fn run(s: Rc<HistoryState>, id: u64, result: Result<Vec<HistoryHit>, IpcError>) -> Rc<HistoryState> {
        let s = s.reduce(HistoryAction::SearchStarted { id, query: format!("q{id}") });
        s.reduce(HistoryAction::SearchDone { id, result })
    }

    fn bad(message: &str) -> IpcError {
        IpcError { kind: mcpscope_proto::IpcErrorKind::BadQuery, message: message.into() }
    }

    #[test]
    fn only_the_newest_search_lands() {
        let mut s = Rc::new(HistoryState::default());
        s = s.reduce(HistoryAction::SearchStarted { id: 1, query: "old".into() });
        s = s.reduce(HistoryAction::SearchStarted { id: 2, query: "new".into() });
        assert_eq!(s.count_text(), "Searching…");
        s = s.reduce(HistoryAction::SearchDone { id: 2, result: Ok(vec![hit("a", 1, None)]) });
        let before = Rc::clone(&s);
        s = s.reduce(HistoryAction::SearchDone { id: 1, result: Ok(vec![]) });
        assert!(Rc::ptr_eq(&before, &s), "a late reply to an older search changes nothing");
        assert_eq!(s.hits.len(), 1);
        assert_eq!(s.shown_query.as_deref(), Some("new"));
        assert_eq!(s.query, "new");
        assert_eq!(s.count_text(), "1 record");
    }

    #[test]
    fn a_bad_query_is_shown_inline_and_keeps_the_last_results() {
        let mut s = run(Rc::new(HistoryState::default()), 1, Ok(vec![hit("a", 1, None), hit("a", 2, None)]));
        s = run(s, 2, Err(bad("search: status:teapot: use status:error or a number like status:404")));
        assert_eq!(s.query_error(), Some("status:teapot: use status:error or a number like status:404"));
        assert_eq!(s.hits.len(), 2);
        assert_eq!(s.results_note(), None);
        // The next good search clears it.
        s = run(s, 3, Ok(vec![]));
        assert_eq!(s.query_error(), None);
        // Other failures are not about the query: they replace the results area.
        s = run(
            s,
            4,
            Err(IpcError { kind: mcpscope_proto::IpcErrorKind::NoHistory, message: "no database".into() }),
        );
        assert_eq!(s.query_error(), None);
        assert!(s.results_note().is_some_and(|n| n.contains("no database")));
    }

    #[test]
    fn empty_results_say_why_in_plain_words() {
        let mut s = Rc::new(HistoryState::default());
        assert_eq!(s.results_note(), None);
        s = s.reduce(HistoryAction::SearchStarted { id: 1, query: String::new() });
        assert_eq!(s.results_note().as_deref(), Some("Loading history…"));
        s = s.reduce(HistoryAction::SearchDone { id: 1, result: Ok(vec![]) });
        assert_eq!(s.results_note().as_deref(), Some(NO_HISTORY));
        s = s.reduce(HistoryAction::SessionsStarted { id: 2 });
        s = s.reduce(HistoryAction::SessionsDone { id: 2, result: Ok(vec![]) });
        s = run(s, 3, Ok(vec![]));
        assert_eq!(s.results_note().as_deref(), Some(NO_HISTORY), "no sessions at all");
        let many = (1..=LIMIT as u64).map(|i| hit("a", i, None)).collect();
        s = run(s, 4, Ok(many));
        assert!(s.count_text().contains("narrow the query"));
    }

    #[test]
    fn selection_moves_over_the_results_and_finds_the_response() {
        let mut s = run(
            Rc::new(HistoryState::default()),
            1,
            Ok(vec![hit("a", 1, None), hit("b", 1, None), hit("a", 2, Some(1))]),
        );
        s = s.reduce(HistoryAction::MoveSelection(1));
        assert_eq!(s.selected, Some(HitKey::new("a", 1)));
        assert_eq!(s.response_to_selected(), Some(2));
        s = s.reduce(HistoryAction::MoveSelection(1));
        assert_eq!(s.selected, Some(HitKey::new("b", 1)));
        assert_eq!(s.response_to_selected(), None, "the response is in another session");
        s = s.reduce(HistoryAction::MoveSelection(10));
        assert_eq!(s.selected, Some(HitKey::new("a", 2)));
        s = s.reduce(HistoryAction::SelectFirst);
        assert_eq!(s.selected, Some(HitKey::new("a", 1)));
        assert_eq!(HitKey::new("ses_0123456789abcdef", 7).to_string(), "#7 of session 89abcdef");
    }

    #[test]
    fn session_queries_round_trip() {
        let q = session_query("ses_abc");
        assert_eq!(q, "session:ses_abc");
        assert_eq!(session_of_query(&q), Some("ses_abc"));
        assert_eq!(session_of_query(" session:ses_abc "), Some("ses_abc"));
        assert_eq!(session_of_query("session:ses_abc kind:sse"), None);
        assert_eq!(session_of_query("session:"), None);
    }

    #[test]
    fn help_examples_add_to_the_query() {
        assert_eq!(with_term("", "kind:sse"), "kind:sse");
        assert_eq!(with_term("method:ping  ", "kind:sse"), "method:ping kind:sse");
    }

    #[test]
    fn the_help_covers_every_search_key() {
        for key in ["method:", "status:", "dur:", "server:", "session:", "kind:"] {
            assert!(SYNTAX.iter().any(|(ex, _)| ex.starts_with(key)), "{key} is explained");
        }
        assert!(SYNTAX.iter().any(|(ex, _)| ex.contains('"')), "free text is explained");
    }
}
