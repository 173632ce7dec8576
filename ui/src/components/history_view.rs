//! The History view: stored sessions on the left, a search over every stored record in the
//! middle (rows drawn like the live timeline's), the selected record on the right.

use mcpscope_proto::SessionInfo;
use web_sys::{Element, HtmlElement};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::collections::{CollectionsPane, SaveToCollection};
use crate::components::compare_sessions::{BugReport, CompareSessions};
use crate::components::detail::Detail;
use crate::components::export_actions::{CurlCommand, Retention, SessionExport};
use crate::components::field_value;
use crate::components::record_row::{Lead, RowState, row, thead};
use crate::components::replay::{ReplayPanel, SessionReplay, replayable};
use crate::components::splitter::Splitter;
use crate::components::timeline::data_attr;
use crate::format;
use crate::history::{
    HistoryAction, HistoryState, HitKey, LIMIT, PLACEHOLDER, Pending, SESSIONS_LIMIT, SYNTAX,
    next_request_id, session_of_query, session_query, with_term,
};
use crate::hooks::use_record::{Loaded, use_record};
use crate::hooks::use_viewport::{measure, use_reveal, use_viewport};
use crate::ipc;
use crate::layout::Pane;
use crate::viewport::{OVERSCAN, ROW_HEIGHT, visible_range};
use mcpscope_proto::outline::RecordRef;

type Dispatch = UseReducerDispatcher<HistoryState>;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub history: UseReducerHandle<HistoryState>,
}

/// Runs `query` (the box shows it) and hands the outcome to the reducer.
fn search(dispatch: &Dispatch, query: String) {
    let id = next_request_id();
    dispatch.dispatch(HistoryAction::SearchStarted { id, query: query.clone() });
    let dispatch = dispatch.clone();
    spawn_local(async move {
        let result = ipc::history_search(query.trim(), LIMIT).await;
        dispatch.dispatch(HistoryAction::SearchDone { id, result });
    });
}

fn load_sessions(dispatch: &Dispatch) {
    let id = next_request_id();
    dispatch.dispatch(HistoryAction::SessionsStarted { id });
    let dispatch = dispatch.clone();
    spawn_local(async move {
        let result = ipc::history_sessions(SESSIONS_LIMIT).await;
        dispatch.dispatch(HistoryAction::SessionsDone { id, result });
    });
}

fn focus_query() {
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("history-query"))
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<HtmlElement>(e).ok());
    if let Some(el) = el {
        // Only detached elements refuse focus; nothing to do then.
        let _ = el.focus();
    }
}

#[component]
pub fn HistoryView(props: &Props) -> Html {
    let h = &props.history;
    let dispatch = h.dispatcher();
    let help_open = use_state(|| false);
    // Bumped by each save to a collection: the Collections list reloads.
    let collections_rev = use_state(|| 0u32);
    let on_saved = {
        let collections_rev = collections_rev.clone();
        Callback::from(move |()| collections_rev.set(collections_rev.wrapping_add(1)))
    };

    // Entering the view: the sessions and the current query, fresh.
    {
        let (dispatch, query) = (dispatch.clone(), h.query.clone());
        use_effect_with((), move |_| {
            load_sessions(&dispatch);
            search(&dispatch, query);
        });
    }

    let loaded = use_record(h.selected.clone(), |key: HitKey| async move {
        ipc::history_record(&key.session_id, key.seq).await
    });

    let reload = {
        let (dispatch, query) = (dispatch.clone(), h.query.clone());
        Callback::from(move |()| {
            load_sessions(&dispatch);
            search(&dispatch, query.clone());
        })
    };
    let refresh = reload.reform(|_: MouseEvent| ());
    let run = {
        let (dispatch, query) = (dispatch.clone(), h.query.clone());
        Callback::from(move |_: MouseEvent| search(&dispatch, query.clone()))
    };
    let on_query = dispatch.to_callback().reform(|e: Event| HistoryAction::SetQuery(field_value(&e)));
    let on_query_key = {
        let (dispatch, help_open) = (dispatch.clone(), help_open.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                e.prevent_default();
                help_open.set(false);
                search(&dispatch, field_value(&e));
            }
        })
    };
    let toggle_help = {
        let help_open = help_open.clone();
        Callback::from(move |_: MouseEvent| help_open.set(!*help_open))
    };
    let add_term = {
        let (dispatch, help_open, query) = (dispatch.clone(), help_open.clone(), h.query.clone());
        Callback::from(move |term: &'static str| {
            dispatch.dispatch(HistoryAction::SetQuery(with_term(&query, term)));
            help_open.set(false);
            focus_query();
        })
    };
    let on_session = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(target) = e.target_dyn_into::<Element>() else { return };
            if let Some(id) = data_attr::<String>(&target, "data-session") {
                search(&dispatch, session_query(&id));
            }
        })
    };
    let on_jump = {
        let (dispatch, selected) = (dispatch.clone(), h.selected.clone());
        Callback::from(move |seq: u64| {
            if let Some(key) = &selected {
                dispatch.dispatch(HistoryAction::Select(HitKey { seq, ..key.clone() }));
            }
        })
    };

    let count = h.count_text();
    let shown_session = session_of_query(h.shown_query.as_deref().unwrap_or_default());

    html! {
        <main id="history" class="workspace history">
            <nav class="sessions-pane" aria-label="Stored sessions">
                <div class="pane-head">
                    <span class="col-title">{"Sessions"}</span>
                    <span class="spacer" />
                    { for h.sessions.as_ref().map(|s| html! { <span class="count">{s.len()}</span> }) }
                </div>
                <ul id="history-sessions" class="session-list" onclick={on_session}>
                    { for h.sessions.iter().flat_map(|s| s.iter()).map(|s| session_item(s, shown_session == Some(s.id.as_str()))) }
                </ul>
                { sessions_note(h) }
                { for h.sessions.clone().map(|all| html! {
                    <CompareSessions sessions={all} shown={shown_session.map(|s| AttrValue::from(s.to_owned()))} />
                }) }
                { for shown_session.map(|s| html! {
                    <>
                        <SessionExport key={format!("har-{s}")} session={AttrValue::from(s.to_owned())} />
                        <BugReport key={s.to_owned()} session={AttrValue::from(s.to_owned())} />
                    </>
                }) }
                <Retention on_changed={reload.clone()} />
                <CollectionsPane revision={*collections_rev} />
            </nav>
            <Splitter pane={Pane::Sessions} id="split-sessions" label="Resize the sessions list" />
            <section class="timeline-pane">
                <div class="toolbar">
                    <div class="query-box">
                        <input id="history-query" class="mono" type="search" spellcheck="false" autocomplete="off"
                            aria-label="Search the history" placeholder={PLACEHOLDER}
                            value={h.query.clone()} oninput={on_query.reform(Event::from)} onchange={on_query}
                            onkeydown={on_query_key} />
                        <button id="history-help" class={classes!("btn", "ghost", "icon", help_open.then_some("open"))}
                            title="Search syntax" aria-expanded={help_open.to_string()} onclick={toggle_help}>{"?"}</button>
                        if *help_open {
                            { query_help(&add_term) }
                        }
                    </div>
                    <button id="history-run" class="btn" onclick={run} title="Search (Enter)">{"Search"}</button>
                    <span id="history-count" class="count">{count}</span>
                    <button id="history-refresh" class="btn" onclick={refresh}
                        title="Reload the sessions and run the query again">{"Refresh"}</button>
                </div>
                // An `if`, not `{ for … }`: a child that comes and goes must not shift the
                // results after it (Yew would rebuild them, losing their scroll position).
                if let Some(e) = h.query_error() {
                    <div id="history-query-error" class="query-error" role="alert">
                        <span class="strong">{"Not a valid search: "}</span>{e.to_owned()}
                    </div>
                }
                <Results history={h.clone()} />
            </section>
            <Splitter pane={Pane::Detail} id="split-history-detail" label="Resize the detail pane" />
            <Detail loaded={loaded.clone()} response={h.response_to_selected()} on_jump={on_jump} wall_clock=true
                source={h.selected.as_ref().map(|k| RecordRef { session_id: Some(k.session_id.to_string()), seq: k.seq })}>
                { replay_panel(&loaded, h.selected.as_ref(), &on_saved) }
            </Detail>
        </main>
    }
}

/// The replay, save-to-collection and curl panels, for a stored JSON-RPC request (curl alone
/// for any other HTTP request); fresh ones (editor, result) per record.
fn replay_panel(loaded: &Loaded, selected: Option<&HitKey>, on_saved: &Callback<()>) -> Html {
    match (loaded, selected) {
        (Loaded::Record(r), Some(key)) if r.seq == key.seq && replayable(r) => {
            let id = format!("{}#{}", key.session_id, r.seq);
            let session_id = AttrValue::from(key.session_id.to_string());
            html! {
                <>
                    <ReplayPanel key={id.clone()} session_id={session_id.clone()} record={r.clone()} />
                    <SessionReplay key={format!("all-{}", key.session_id)} session_id={session_id.clone()} />
                    <SaveToCollection key={format!("save-{id}")} session_id={session_id.clone()} record={r.clone()}
                        on_saved={on_saved.clone()} />
                    <CurlCommand key={format!("curl-{id}")} {session_id} seq={r.seq} />
                </>
            }
        }
        (Loaded::Record(r), Some(key)) if r.seq == key.seq && is_http_request(r) => {
            let session_id = AttrValue::from(key.session_id.to_string());
            html! { <CurlCommand key={format!("curl-{}#{}", key.session_id, r.seq)} {session_id} seq={r.seq} /> }
        }
        _ => Html::default(),
    }
}

fn is_http_request(r: &mcpscope_proto::Record) -> bool {
    matches!(r.kind, mcpscope_proto::RecordKind::HttpRequest { .. })
}

fn session_item(s: &SessionInfo, active: bool) -> Html {
    let protocol =
        s.protocol_version.as_ref().map_or_else(|| "no handshake".to_owned(), |v| format!("MCP {v}"));
    let records = if s.records == 1 { "1 record".to_owned() } else { format!("{} records", s.records) };
    html! {
        <li class={classes!("session-item", active.then_some("active"))} data-session={s.id.clone()}
            title={format!("{}\n{}\nClick to show this session's records", s.id, s.url)}>
            <div class="si-head">
                <span class="si-time">{format::local_date_time(s.started_at_us)}</span>
                <span class={classes!("badge", format!("src-{}", s.source))}>{s.source.clone()}</span>
            </div>
            <div class="si-url mono">{format::without_scheme(&s.url).to_owned()}</div>
            <div class="si-meta">{format!("{protocol} · {records}")}</div>
        </li>
    }
}

fn sessions_note(h: &HistoryState) -> Html {
    let note = match (&h.sessions, &h.sessions_load) {
        (_, Pending::Failed(e)) => Some(format!("Could not list the sessions: {}", e.message)),
        (None, _) => Some("Loading…".to_owned()),
        (Some(s), _) if s.is_empty() => Some("No sessions yet.".to_owned()),
        _ => None,
    };
    note.map(|n| html! { <div class="empty small-text">{n}</div> }).unwrap_or_default()
}

fn query_help(add_term: &Callback<&'static str>) -> Html {
    html! {
        <div id="history-help-panel" class="query-help" role="dialog" aria-label="Search syntax">
            <div class="col-title">{"Search syntax"}</div>
            <table>
                { for SYNTAX.iter().map(|&(example, meaning)| {
                    // A placeholder example would only be typed over: not clickable.
                    let usable = !example.contains('…');
                    let add = add_term.reform(move |_: MouseEvent| example);
                    html! {
                        <tr>
                            <td>
                                if usable {
                                    <button class="link" title="Add to the query" onclick={add}>{example}</button>
                                } else {
                                    <code>{example}</code>
                                }
                            </td>
                            <td>{meaning}</td>
                        </tr>
                    }
                }) }
            </table>
            <div class="hint">{"Terms combine: every one must match. Enter runs the search; an empty search shows every record."}</div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ResultsProps {
    history: UseReducerHandle<HistoryState>,
}

/// The search results, virtualised like the live timeline.
#[component]
fn Results(props: &ResultsProps) -> Html {
    let h = &props.history;
    let scroller = use_node_ref();
    let viewport = use_viewport(scroller.clone());
    let selected_pos = h.selected.as_ref().and_then(|k| h.position_of(k));
    use_reveal(scroller.clone(), h.selected.clone(), selected_pos);

    // New results: to the newest, at the bottom, as a log reads (the scroll event that
    // follows moves the virtualised rows there).
    {
        let scroller = scroller.clone();
        use_effect_with(h.hits.clone(), move |_| {
            if let Some(el) = scroller.cast::<Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }

    let onscroll = {
        let (scroller, viewport) = (scroller.clone(), viewport.clone());
        Callback::from(move |_: Event| {
            if let Some(el) = scroller.cast::<Element>() {
                viewport.set(measure(&el));
            }
        })
    };
    let onclick = {
        let dispatch = h.dispatcher();
        Callback::from(move |e: MouseEvent| {
            let Some(target) = e.target_dyn_into::<Element>() else { return };
            let Some(session) = data_attr::<String>(&target, "data-session") else { return };
            let seq =
                data_attr::<u64>(&target, "data-jump").or_else(|| data_attr::<u64>(&target, "data-seq"));
            if let Some(seq) = seq {
                dispatch.dispatch(HistoryAction::Select(HitKey::new(&session, seq)));
            }
        })
    };

    let failed = matches!(&h.search, Pending::Failed(e) if e.kind != mcpscope_proto::IpcErrorKind::BadQuery);
    // A failed search says why instead of showing stale rows.
    let total = if failed { 0 } else { h.hits.len() };
    let vp = *viewport;
    let range = visible_range(vp.top, vp.height, ROW_HEIGHT, total, OVERSCAN);
    let selected = h.selected.as_ref();
    let selected_pair = selected_pos.and_then(|p| h.hits.get(p)).and_then(|hit| hit.summary.pair_seq);
    let response = h.response_to_selected();
    // Sessions are told apart by when they started (the stored sessions list knows).
    let started = |id: &str| {
        h.sessions.as_ref().and_then(|list| list.iter().find(|s| s.id == id)).map(|s| s.started_at_us)
    };
    let rows: Html = h.hits[range.clone()]
        .iter()
        .enumerate()
        .map(|(k, hit)| {
            let r = &hit.summary;
            let is_selected = selected.is_some_and(|key| key.is(hit));
            let same_session = selected.is_some_and(|key| *key.session_id == *hit.session_id);
            let paired = same_session && (Some(r.seq) == selected_pair || Some(r.seq) == response);
            let link = if is_selected { r.pair_seq.or(response) } else { None };
            row(
                r,
                Lead::History {
                    session_id: &hit.session_id,
                    at_us: hit.at_us,
                    started_us: started(&hit.session_id),
                },
                RowState { pos: range.start + k, selected: is_selected, paired, link },
            )
        })
        .collect();
    let note = h.results_note();
    // Results of one session (a click in the sessions list): the Session column would say the
    // same on every row, so its room goes to the titles.
    let one_session = *use_memo(h.hits.clone(), |hits| {
        hits.first().is_some_and(|first| hits.iter().all(|hit| hit.session_id == first.session_id))
    });

    html! {
        <div id="history-results" class={classes!("timeline", one_session.then_some("one-session"))}
            tabindex="0" ref={scroller} {onscroll} {onclick}>
            { thead(true) }
            <div class="rows" style={format!("height:{}px", total as f64 * ROW_HEIGHT)}>
                { rows }
            </div>
            { for note.map(|m| html! { <div class={classes!("empty", failed.then_some("error"))}>{m}</div> }) }
        </div>
    }
}
