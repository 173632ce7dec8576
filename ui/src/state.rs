//! Application state: one [`State`], changed only through [`Action`]s in [`State::reduce`].

use std::rc::Rc;

use mcpscope_proto::{ConnectionState, ConnectionStatus, RecordSummary, UiEvent};
use yew::Reducible;

use crate::filter::Filter;
use crate::shared_vec::SharedVec;

/// What the window shows under the top bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// The current session: timeline, detail, send panel.
    #[default]
    Live,
    /// Every stored session, searchable.
    History,
    /// The OAuth debugger and the token inspector.
    Auth,
    /// The limits on what a server may send.
    Settings,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub conn: ConnectionState,
    /// The record summaries of the current session the window holds, in seq order: the
    /// newest [`State::window_rows`] while it follows, plus any older pages the user loaded.
    pub records: SharedVec<RecordSummary>,
    /// Records of the session before the first one held (left the window, or never loaded):
    /// the history has them, and [`Action::Older`] brings a page back.
    pub older: u64,
    /// How many rows the window holds while following the newest (`Limits::window_rows`).
    pub window_rows: usize,
    /// Rows added (or, negative, removed) above the ones in view by the last trim or page,
    /// so that the timeline keeps the same rows in view; the counter tells changes apart.
    pub shifted: (u32, i64),
    pub filter: Filter,
    /// Indices into `records` of the rows that pass `filter`, ascending. Kept up to date
    /// incrementally as batches arrive; recomputed only when the filter changes.
    pub view: SharedVec<u32>,
    pub selected: Option<u64>,
    /// Keep the newest row in view.
    pub follow: bool,
    /// The OAuth flow's steps of the current connection, as they finished.
    pub auth_steps: Rc<Vec<mcpscope_proto::auth::Step>>,
    /// The step the Auth view details; `None`: the newest.
    pub auth_selected: Option<usize>,
    /// Our requests waiting for their response, with their progress.
    pub inflight: Rc<Vec<mcpscope_proto::Inflight>>,
    /// The last few requests that left `inflight`, as they were when they left: a request whose
    /// last progress and removal arrive in the same frame still shows where it ended.
    pub ended: Rc<Vec<mcpscope_proto::Inflight>>,
    /// The server's requests waiting for the user.
    pub server_requests: Rc<Vec<mcpscope_proto::ServerRequest>>,
    /// What the connection found against the server's trusted version (the trust banner);
    /// `None` when dismissed or before a check.
    pub trust: Option<Rc<mcpscope_proto::trust::TrustReport>>,
    /// A session began since the window started: rows fetched at start may be the previous
    /// session's, and [`Action::Restore`] is passed over (the new session's come as events).
    pub reset_seen: bool,
}

/// How many ended requests [`State::ended`] keeps.
const ENDED_KEPT: usize = 8;

impl Default for State {
    fn default() -> Self {
        State {
            conn: ConnectionState::disconnected(),
            records: SharedVec::new(),
            older: 0,
            window_rows: mcpscope_proto::Limits::default().window_rows as usize,
            shifted: (0, 0),
            filter: Filter::default(),
            view: SharedVec::new(),
            selected: None,
            follow: true,
            auth_steps: Rc::new(Vec::new()),
            auth_selected: None,
            inflight: Rc::new(Vec::new()),
            ended: Rc::new(Vec::new()),
            server_requests: Rc::new(Vec::new()),
            trust: None,
            reset_seen: false,
        }
    }
}

// An action lives for one dispatch: boxing the connection state would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Action {
    /// The events that arrived since the last animation frame, in order (see
    /// `hooks::use_backend_events`).
    Events(Vec<UiEvent>),
    /// A connection state from a command result (or one the UI derives, e.g. a failure).
    Conn(ConnectionState),
    /// The user started connecting to `url`.
    Connecting(String),
    /// A command failed outside any session (e.g. the demo server did not start).
    Failed(String),
    SetFilterText(String),
    SetFilterKind(crate::filter::KindFilter),
    SetExchange(Option<u64>),
    ClearFilter,
    Select(u64),
    /// Move the selection by this many visible rows (negative: up).
    MoveSelection(i64),
    SelectFirst,
    SelectLast,
    /// Select `seq` and make sure the filter shows it.
    JumpTo(u64),
    SetFollow(bool),
    ToggleFollow,
    /// Detail this step of the OAuth flow in the Auth view.
    SelectAuthStep(usize),
    /// Move the Auth view's selection by this many steps (clamped to the ends).
    MoveAuthStep(i64),
    /// Hide the trust banner until the next report.
    DismissTrust,
    /// A page of older rows, loaded back from the history (see [`State::older`]); `last`:
    /// the history had no more.
    Older {
        page: Vec<RecordSummary>,
        last: bool,
    },
    /// The newest rows of the session, fetched when the window starts: after a reload (the
    /// failure banner's, or the user's) the timeline shows what was captured instead of
    /// nothing, the rest behind "older".
    Restore(Vec<RecordSummary>),
    /// Clear the live view: the rows held so far count as older (the session keeps them;
    /// "older" brings them back), and the timeline follows what comes next.
    ClearRows,
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Events(events) => events.into_iter().for_each(|e| s.apply(e)),
            Action::Conn(state) => s.conn = state,
            Action::DismissTrust => s.trust = None,
            Action::Older { page, last } => s.prepend(page, last),
            Action::Restore(page) => s.restore(page),
            Action::ClearRows => s.clear_rows(),
            Action::Connecting(url) => {
                s.conn = ConnectionState {
                    status: ConnectionStatus::Connecting,
                    url: Some(url),
                    ..ConnectionState::disconnected()
                };
            }
            Action::Failed(error) => {
                s.conn = ConnectionState {
                    status: ConnectionStatus::Failed,
                    error: Some(error),
                    ..s.conn.clone()
                };
            }
            Action::SetFilterText(text) => s.set_filter(Filter { text, ..s.filter.clone() }),
            Action::SetFilterKind(kind) => s.set_filter(Filter { kind, ..s.filter.clone() }),
            Action::SetExchange(exchange) => s.set_filter(Filter { exchange, ..s.filter.clone() }),
            Action::ClearFilter => s.set_filter(Filter::default()),
            Action::Select(seq) => {
                s.selected = Some(seq);
                s.follow = false;
            }
            Action::MoveSelection(delta) => {
                let len = s.view.len();
                if len == 0 {
                    return self;
                }
                let target = match s.selected.and_then(|seq| s.position_of(seq)) {
                    Some(p) => (p as i64 + delta).clamp(0, len as i64 - 1) as usize,
                    // Nothing selected (or filtered out): start from the end nearest the move.
                    None if delta < 0 => len - 1,
                    None => 0,
                };
                s.selected = s.seq_at(target);
                s.follow = false;
            }
            Action::SelectFirst => {
                s.selected = s.seq_at(0);
                s.follow = false;
            }
            Action::SelectLast => {
                s.selected = s.view.len().checked_sub(1).and_then(|p| s.seq_at(p));
            }
            Action::JumpTo(seq) => {
                if s.index_of(seq).is_none() {
                    return self;
                }
                if s.position_of(seq).is_none() {
                    s.set_filter(Filter::default());
                }
                s.selected = Some(seq);
                s.follow = false;
            }
            Action::SetFollow(on) => s.follow = on,
            Action::ToggleFollow => s.follow = !s.follow,
            Action::SelectAuthStep(i) => {
                if i < s.auth_steps.len() {
                    s.auth_selected = Some(i);
                }
            }
            Action::MoveAuthStep(delta) => {
                let Some(last) = s.auth_steps.len().checked_sub(1) else { return self };
                let from = s.auth_shown().unwrap_or(last) as i64;
                s.auth_selected = Some(from.saturating_add(delta).clamp(0, last as i64) as usize);
            }
        }
        if s == *self { self } else { Rc::new(s) }
    }
}

impl State {
    /// One backend event.
    fn apply(&mut self, event: UiEvent) {
        match event {
            UiEvent::Records { items } => {
                let start = self.records.len();
                // Rows a restored page already holds (fetched while the batch was on its way)
                // come once.
                let last = self.records.with(|r| r.last().map(|s| s.seq));
                let items = items.into_summaries().filter(|s| last.is_none_or(|l| s.seq > l));
                self.records = self.records.appended(items);
                self.view = extend_view(&self.records, &self.view, &self.filter, start);
                self.trim();
            }
            UiEvent::State { state } => self.conn = state,
            UiEvent::AuthStep { step } => {
                let mut steps = (*self.auth_steps).clone();
                // A step that waited for the user is replaced by its finished self.
                match steps.last_mut() {
                    Some(last) if last.waiting && last.kind == step.kind => *last = step,
                    _ => steps.push(step),
                }
                self.auth_steps = Rc::new(steps);
            }
            UiEvent::Inflight { items } => {
                let gone = self.inflight.iter().filter(|old| !items.iter().any(|i| i.id == old.id));
                let mut ended: Vec<_> = self.ended.iter().cloned().chain(gone.cloned()).collect();
                ended.drain(..ended.len().saturating_sub(ENDED_KEPT));
                self.ended = Rc::new(ended);
                self.inflight = Rc::new(items);
            }
            UiEvent::ServerRequests { pending } => self.server_requests = Rc::new(pending),
            UiEvent::Trust { report } => self.trust = Some(Rc::new(report)),
            UiEvent::Reset { window_rows } => {
                self.reset_seen = true;
                self.window_rows = usize::try_from(window_rows).unwrap_or(usize::MAX).max(1);
                self.older = 0;
                self.trust = None;
                self.auth_steps = Rc::new(Vec::new());
                self.auth_selected = None;
                self.records = SharedVec::new();
                self.view = SharedVec::new();
                self.selected = None;
                self.filter.exchange = None;
                self.follow = true;
            }
        }
    }

    /// Index of the step the Auth view details: the selected one, else the newest.
    pub fn auth_shown(&self) -> Option<usize> {
        let last = self.auth_steps.len().checked_sub(1)?;
        Some(self.auth_selected.map_or(last, |i| i.min(last)))
    }

    /// Bounds the rows held: while following, past a fifth over [`State::window_rows`] the
    /// oldest go (the history keeps them), leaving `window_rows`; while the user reads older
    /// rows, only past four times as many.
    fn trim(&mut self) {
        let (len, keep) = (self.records.len(), self.window_rows);
        let over = if self.follow { len > keep + keep / 5 } else { len > keep.saturating_mul(4) };
        if !over {
            return;
        }
        let drop = len - keep;
        // Room for the rows and the view until the next trim, and a batch past it: the
        // buffers are not grown again (a doubling would reserve twice the window and copy it,
        // one frame's work; the page's wasm memory after 61k rows was 37 MB, now 26, its
        // resident part about the same, as the doubled room was never written; `gui-bench`
        // with a log in the page saw the view, trimmed to its exact size, doubled after every
        // trim).
        let room = rows_room(keep);
        let mut kept = Vec::with_capacity(room);
        self.records.with(|r| kept.extend_from_slice(&r[drop..]));
        let above = self.view.with(|v| v.partition_point(|&i| (i as usize) < drop));
        let mut view: Vec<u32> = Vec::with_capacity(room);
        self.view.with(|v| view.extend(v[above..].iter().map(|&i| i - drop as u32)));
        self.records = kept.into();
        self.view = view.into();
        self.older += drop as u64;
        self.shifted = (self.shifted.0.wrapping_add(1), -(above as i64));
    }

    /// Lets go of every row held: they count as older, where [`Action::Older`] finds them
    /// again (the session's records, in the engine or the history). The selection goes with
    /// them, and the timeline follows the rows that come next.
    fn clear_rows(&mut self) {
        if self.records.is_empty() {
            return;
        }
        self.older += self.records.len() as u64;
        let above = self.view.len();
        self.records = SharedVec::new();
        self.view = SharedVec::new();
        self.selected = None;
        self.follow = true;
        self.shifted = (self.shifted.0.wrapping_add(1), -(above as i64));
    }

    /// Puts a page of older rows in front of those held.
    fn prepend(&mut self, page: Vec<RecordSummary>, last: bool) {
        let first = self.records.with(|r| r.first().map(|s| s.seq));
        let page: Vec<RecordSummary> = page.into_iter().filter(|s| first.is_none_or(|f| s.seq < f)).collect();
        let n = page.len();
        self.older = if last { 0 } else { self.older.saturating_sub(n as u64) };
        if n == 0 {
            return;
        }
        let all: Vec<RecordSummary> =
            self.records.with(|r| page.into_iter().chain(r.iter().cloned()).collect());
        self.records = all.into();
        self.view = extend_view(&self.records, &SharedVec::new(), &self.filter, 0);
        let above = self.view.with(|v| v.partition_point(|&i| (i as usize) < n));
        self.shifted = (self.shifted.0.wrapping_add(1), above as i64);
        // Reading older rows: stay with them rather than jump back to the newest.
        self.follow = false;
    }

    /// Puts the session's newest rows (fetched at start) in front of any that came since, and
    /// counts the ones before them as older; following stays as it was.
    fn restore(&mut self, page: Vec<RecordSummary>) {
        if page.is_empty() || self.reset_seen {
            return;
        }
        let follow = self.follow;
        self.prepend(page, false);
        self.follow = follow;
        // Every record of a session has a summary, numbered from 1.
        self.older = self.records.with(|r| r.first().map_or(0, |s| s.seq.saturating_sub(1)));
        self.trim();
    }

    fn set_filter(&mut self, filter: Filter) {
        if filter != self.filter {
            self.filter = filter;
            self.view = extend_view(&self.records, &SharedVec::new(), &self.filter, 0);
        }
    }

    /// Index into `records` of the record with this seq.
    pub fn index_of(&self, seq: u64) -> Option<usize> {
        self.records.with(|r| r.binary_search_by_key(&seq, |s| s.seq).ok())
    }

    /// Position in `view` (the filtered rows) of the record with this seq.
    pub fn position_of(&self, seq: u64) -> Option<usize> {
        let idx = self.index_of(seq)? as u32;
        self.view.with(|v| v.binary_search(&idx).ok())
    }

    /// The seq of the row at position `pos` of `view`.
    pub fn seq_at(&self, pos: usize) -> Option<u64> {
        let idx = self.view.with(|v| v.get(pos).copied())?;
        self.records.with(|r| r.get(idx as usize).map(|s| s.seq))
    }

    /// The response paired with the request `seq`, if one arrived.
    pub fn response_to(&self, seq: u64) -> Option<u64> {
        let from = self.index_of(seq)?;
        self.records.with(|r| r[from..].iter().find(|s| s.pair_seq == Some(seq)).map(|s| s.seq))
    }
}

/// Rows a window of `keep` rows is given room for: until the next trim (a fifth over), and a
/// batch past it.
fn rows_room(keep: usize) -> usize {
    keep + keep / 5 + keep / 10
}

/// `view` plus the indices of `records[start..]` that pass `filter`.
fn extend_view(
    records: &SharedVec<RecordSummary>,
    view: &SharedVec<u32>,
    filter: &Filter,
    start: usize,
) -> SharedVec<u32> {
    let m = filter.matcher();
    let new: Vec<u32> = records.with(|r| {
        r.iter().enumerate().skip(start).filter(|(_, s)| m.matches(s)).map(|(i, _)| i as u32).collect()
    });
    if new.is_empty() { view.clone() } else { view.appended(new) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::KindFilter;
    use mcpscope_proto::{Direction, RpcKind};

    fn rec(seq: u64, kind: &str, method: Option<&str>, pair: Option<u64>) -> RecordSummary {
        RecordSummary {
            elapsed_us: seq * 1000,
            method: method.map(Into::into),
            rpc_kind: method.map(|_| RpcKind::Request),
            pair_seq: pair,
            ..RecordSummary::bare(seq, seq.div_ceil(2), Direction::Out, kind, &format!("row {seq}"))
        }
    }

    fn reduce(s: Rc<State>, a: Action) -> Rc<State> {
        s.reduce(a)
    }

    fn batch(items: Vec<RecordSummary>) -> Action {
        Action::Events(vec![UiEvent::Records { items: items.into() }])
    }

    /// Every record of the session, held or not.
    fn total(s: &State) -> u64 {
        s.older + s.records.len() as u64
    }

    fn view_seqs(s: &State) -> Vec<u64> {
        (0..s.view.len()).filter_map(|p| s.seq_at(p)).collect()
    }

    #[test]
    fn batches_extend_the_filtered_view_incrementally() {
        let mut s = Rc::new(State::default());
        s = reduce(s, Action::SetFilterKind(KindFilter::Sse));
        s = reduce(s, batch(vec![rec(1, "http-request", Some("ping"), None), rec(2, "sse", None, None)]));
        s = reduce(s, batch(vec![rec(3, "sse", None, None), rec(4, "http-response", None, None)]));
        assert_eq!(s.records.len(), 4);
        assert_eq!(view_seqs(&s), vec![2, 3]);
        s = reduce(s, Action::ClearFilter);
        assert_eq!(view_seqs(&s), vec![1, 2, 3, 4]);
        s = reduce(s, Action::Events(vec![UiEvent::Reset { window_rows: 50_000 }]));
        assert!(s.records.is_empty() && s.view.is_empty());
    }

    /// A request's last progress and its end can arrive in one frame's batch: the state keeps
    /// the request as it ended, so the panel still shows the bar at 100%.
    #[test]
    fn a_request_that_ends_keeps_its_last_progress() {
        use mcpscope_proto::{Inflight, Progress};
        let item = |id: &str, p: Option<f64>| Inflight {
            id: id.into(),
            method: "tools/call".into(),
            progress: p.map(|v| Progress { progress: v, total: Some(4.0), message: None }),
        };
        let inflight = |items| UiEvent::Inflight { items };
        let mut s = Rc::new(State::default());
        s = reduce(
            s,
            Action::Events(vec![
                inflight(vec![item("1", Some(3.0))]),
                inflight(vec![item("1", Some(4.0)), item("2", None)]),
                inflight(vec![item("2", None)]),
            ]),
        );
        assert_eq!(*s.ended, vec![item("1", Some(4.0))]);
        assert_eq!(*s.inflight, vec![item("2", None)]);
        for n in 3..20 {
            s = reduce(s, Action::Events(vec![inflight(vec![item(&n.to_string(), None)])]));
        }
        assert_eq!(s.ended.len(), ENDED_KEPT, "only the last few are kept");
        assert_eq!(s.ended.last().map(|i| i.id.as_str()), Some("18"));
    }

    #[test]
    fn selection_moves_within_the_view_and_stops_at_the_ends() {
        let mut s = Rc::new(State::default());
        s = reduce(s, batch((1..=5).map(|i| rec(i, "sse", None, None)).collect()));
        s = reduce(s, Action::MoveSelection(1));
        assert_eq!(s.selected, Some(1));
        assert!(!s.follow);
        s = reduce(s, Action::MoveSelection(10));
        assert_eq!(s.selected, Some(5));
        s = reduce(s, Action::MoveSelection(-2));
        assert_eq!(s.selected, Some(3));
        s = reduce(s, Action::SelectFirst);
        assert_eq!(s.selected, Some(1));
    }

    #[test]
    fn a_finished_step_replaces_the_one_that_waited() {
        use mcpscope_proto::auth::{Step, StepKind};
        let step = |kind, waiting| {
            Action::Events(vec![UiEvent::AuthStep { step: Step { waiting, ..Step::new(kind) } }])
        };
        let mut s = Rc::new(State::default());
        s = reduce(s, step(StepKind::Registration, false));
        s = reduce(s, step(StepKind::Authorization, true));
        s = reduce(s, step(StepKind::Authorization, false));
        s = reduce(s, step(StepKind::Callback, false));
        let kinds: Vec<_> = s.auth_steps.iter().map(|st| (st.kind, st.waiting)).collect();
        assert_eq!(
            kinds,
            vec![
                (StepKind::Registration, false),
                (StepKind::Authorization, false),
                (StepKind::Callback, false)
            ]
        );
        assert_eq!(s.auth_shown(), Some(2), "the newest step is shown until one is picked");
        s = reduce(s, Action::MoveAuthStep(-1));
        assert_eq!(s.auth_shown(), Some(1));
        s = reduce(s, Action::MoveAuthStep(i64::MIN));
        assert_eq!(s.auth_shown(), Some(0));
        s = reduce(s, Action::MoveAuthStep(i64::MAX));
        assert_eq!(s.auth_shown(), Some(2));
        s = reduce(s, Action::Events(vec![UiEvent::Reset { window_rows: 50_000 }]));
        assert!(s.auth_steps.is_empty());
        assert_eq!(s.auth_shown(), None);
    }

    #[test]
    fn jumping_to_a_filtered_out_row_clears_the_filter() {
        let mut s = Rc::new(State::default());
        s = reduce(
            s,
            batch(vec![rec(1, "http-request", Some("tools/list"), None), rec(2, "sse", None, Some(1))]),
        );
        assert_eq!(s.response_to(1), Some(2));
        s = reduce(s, Action::SetFilterKind(KindFilter::Sse));
        s = reduce(s, Action::Select(2));
        s = reduce(s, Action::JumpTo(1));
        assert_eq!(s.selected, Some(1));
        assert_eq!(s.filter, Filter::default());
        // An unknown seq changes nothing.
        let before = Rc::clone(&s);
        s = reduce(s, Action::JumpTo(99));
        assert!(Rc::ptr_eq(&before, &s));
    }

    /// While following, the window holds a bounded number of rows: past a fifth over, the
    /// oldest go and are counted as older; the filtered view and the total stay right, and
    /// a page loaded back goes in front, with the rows it adds above the view reported.
    #[test]
    fn the_window_holds_a_bounded_number_of_rows_and_pages_older_ones_back() {
        let mut s = Rc::new(State::default());
        s = reduce(s, Action::Events(vec![UiEvent::Reset { window_rows: 100 }]));
        s = reduce(s, Action::SetFilterKind(KindFilter::Sse));
        // Odd seqs are SSE frames, even ones requests.
        let kind = |i: u64| if i % 2 == 1 { "sse" } else { "http-request" };
        for chunk in (1..=250u64).collect::<Vec<_>>().chunks(30) {
            s = reduce(s, batch(chunk.iter().map(|&i| rec(i, kind(i), None, None)).collect()));
            assert!(s.records.len() <= 120, "{} rows held", s.records.len());
            assert_eq!(total(&s), *chunk.last().unwrap_or(&0));
            // Once trimmed, the rows and the view have room until the next trim: never grown
            // to twice the window, nor (the view, a trim's exact copy before) at once again.
            if s.older > 0 {
                assert!(s.records.capacity() <= 130, "room for {} rows", s.records.capacity());
                let room = s.view.capacity();
                assert!((100..=130).contains(&room), "room for {room} in the view");
            }
        }
        let first = s.records.with(|r| r[0].seq);
        assert_eq!(s.older, first - 1);
        assert!(s.records.len() >= 100);
        let expected: Vec<u64> = (first..=250).filter(|i| i % 2 == 1).collect();
        assert_eq!(view_seqs(&s), expected, "the filter still sees every held row once");
        assert!(s.shifted.1 < 0, "the trim removed rows above the view");

        let older_than = first;
        let page: Vec<RecordSummary> =
            (older_than - 40..older_than).map(|i| rec(i, kind(i), None, None)).collect();
        s = reduce(s, Action::Older { page, last: false });
        assert_eq!(s.older, older_than - 41);
        assert_eq!(s.records.with(|r| r[0].seq), older_than - 40);
        assert_eq!(s.shifted.1, 20, "twenty SSE rows came in above the view");
        assert!(!s.follow, "reading older rows stops following");
        assert_eq!(total(&s), 250);
        // Not following: new rows do not push the loaded page out.
        s = reduce(s, batch(vec![rec(251, "sse", None, None)]));
        assert_eq!(s.records.with(|r| r[0].seq), older_than - 40);
        // The history's last page: nothing older is left.
        s = reduce(s, Action::Older { page: vec![rec(1, "sse", None, None)], last: true });
        assert_eq!(s.older, 0);
        assert_eq!(s.records.with(|r| r[0].seq), 1);
        // A stale page (rows already held) changes nothing.
        let before = s.records.len();
        s = reduce(s, Action::Older { page: vec![rec(5, "sse", None, None)], last: true });
        assert_eq!(s.records.len(), before);
    }

    /// Clearing the live view lets go of the rows held: they count as older, the selection
    /// goes, the timeline follows again; new rows come in alone, the cleared ones page back.
    #[test]
    fn clearing_the_view_counts_the_rows_as_older_and_pages_them_back() {
        let mut s = Rc::new(State::default());
        s = reduce(s, Action::Events(vec![UiEvent::Reset { window_rows: 100 }]));
        s = reduce(s, batch((1..=30).map(|i| rec(i, "sse", None, None)).collect()));
        s = reduce(s, Action::Select(7));
        s = reduce(s, Action::SetFollow(false));
        let shifts = s.shifted.0;
        s = reduce(s, Action::ClearRows);
        assert_eq!((s.records.len(), s.view.len(), s.older), (0, 0, 30));
        assert_eq!(s.selected, None);
        assert!(s.follow, "the cleared view follows what comes next");
        assert_eq!(s.shifted, (shifts.wrapping_add(1), -30), "thirty rows left above the view");
        // Nothing held: clearing again changes nothing.
        let before = Rc::clone(&s);
        s = reduce(s, Action::ClearRows);
        assert!(Rc::ptr_eq(&before, &s));

        s = reduce(s, batch((31..=32).map(|i| rec(i, "sse", None, None)).collect()));
        assert_eq!(view_seqs(&s), vec![31, 32]);
        assert_eq!(total(&s), 32);
        s = reduce(
            s,
            Action::Older { page: (1..=30).map(|i| rec(i, "sse", None, None)).collect(), last: true },
        );
        assert_eq!(view_seqs(&s), (1..=32).collect::<Vec<_>>());
        assert_eq!(s.older, 0);
    }

    /// A window that (re)starts mid-session gets the newest rows back: in front of any that
    /// came since, once each, the ones before them counted as older, following as it was.
    #[test]
    fn a_restarted_window_gets_the_newest_rows_back() {
        let mut s = Rc::new(State::default());
        // A batch that came while the page was fetched: seq 101 and 102.
        s = reduce(s, batch(vec![rec(101, "sse", None, None), rec(102, "sse", None, None)]));
        let page: Vec<RecordSummary> = (51..=101).map(|i| rec(i, "sse", None, None)).collect();
        s = reduce(s, Action::Restore(page));
        let seqs: Vec<u64> = s.records.with(|r| r.iter().map(|x| x.seq).collect());
        assert_eq!(seqs, (51..=102).collect::<Vec<_>>(), "in order, each once");
        assert_eq!(s.older, 50, "the 50 before the page are older");
        assert!(s.follow, "still following the newest");
        assert_eq!(s.view.len(), 52, "all shown");
        // Nothing captured yet: nothing changes.
        let before = s.records.len();
        s = reduce(s, Action::Restore(Vec::new()));
        assert_eq!((s.records.len(), s.older), (before, 50));
        // The other order: the page first, then a batch that overlaps it.
        let mut s = Rc::new(State::default());
        s = reduce(s, Action::Restore((1..=10).map(|i| rec(i, "sse", None, None)).collect()));
        assert_eq!(s.older, 0);
        s = reduce(s, batch((9..=12).map(|i| rec(i, "sse", None, None)).collect()));
        let seqs: Vec<u64> = s.records.with(|r| r.iter().map(|x| x.seq).collect());
        assert_eq!(seqs, (1..=12).collect::<Vec<_>>(), "each once");
        assert_eq!(s.view.len(), 12);
        // A session began while the page was fetched: the page may be the one before; passed
        // over.
        let mut s = Rc::new(State::default());
        s = reduce(s, Action::Events(vec![UiEvent::Reset { window_rows: 100 }]));
        s = reduce(s, batch(vec![rec(1, "http-request", None, None)]));
        s = reduce(s, Action::Restore((1..=10).map(|i| rec(i, "sse", None, None)).collect()));
        assert_eq!(
            s.records.with(|r| r.iter().map(|x| x.kind.to_string()).collect::<Vec<_>>()),
            ["http-request"]
        );
    }
}
