use yew::prelude::*;

use crate::components::auth_view::AuthView;
use crate::components::connection_bar::ConnectionBar;
use crate::components::detail::Detail;
use crate::components::history_view::HistoryView;
use crate::components::send_panel::SendPanel;
use crate::components::server_requests::ServerRequests;
use crate::components::settings_view::SettingsView;
use crate::components::splitter::Splitter;
use crate::components::start_panel::{StartPanel, StartPick};
use crate::components::timeline::Timeline;
use crate::components::trust_banner::TrustBanner;
use crate::history::HistoryState;
use crate::hooks::use_backend_events::use_backend_events;
use crate::hooks::use_record::{Seq, use_record};
use crate::hooks::use_record_choice::use_record_choice;
use crate::hooks::use_shortcuts::use_shortcuts;
use crate::hooks::use_viewport::ScrollMemory;
use crate::ipc;
use crate::layout::Pane;
use crate::state::{Action, State, View};
use mcpscope_proto::outline::RecordRef;

/// The whole window: the top bar, then either the live view (timeline and detail side by
/// side, send panel below) or the History view.
///
/// Both views' state lives here, so switching loses nothing: the live timeline keeps
/// receiving batches while History is shown. The live timeline and detail are not in the
/// page meanwhile (the History view has its own `#detail`); the send panel stays, hidden, to
/// keep what was typed in it.
///
/// State is handed down as props rather than context so that a record batch re-renders the
/// timeline and nothing else (the callbacks handed down are memoized for the same reason).
#[component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    let history = use_reducer(HistoryState::default);
    let view = use_state(View::default);
    let live_scroll = use_state(ScrollMemory::default);
    // The start panel's last choice, numbered, for the connection bar to carry out.
    let start = use_state(|| None::<(u32, StartPick)>);
    // Callbacks are made once (or when what they read changes), not in every render: a new
    // one is a changed prop, and would re-render its component with every record batch.
    let on_start = use_callback(start.clone(), |pick: StartPick, start| {
        let n = start.as_ref().map_or(0, |(n, _)| n + 1);
        start.set(Some((n, pick)));
    });
    let set_view = use_callback(view.setter(), |v: View, view| view.set(v));
    let on_jump = use_callback(state.dispatcher(), |seq: u64, d| d.dispatch(Action::JumpTo(seq)));
    // The Record box, shown in the connection bar and in Settings.
    let record = use_record_choice();
    use_backend_events(state.dispatcher());
    use_shortcuts(*view, state.dispatcher(), history.dispatcher(), set_view.clone());

    let loaded = use_record(state.selected.map(Seq), |Seq(seq)| ipc::get_record(seq));
    // The response to the selected request, so both rows can point at each other.
    let response = state.selected.and_then(|seq| state.response_to(seq));

    // Nothing captured and nothing under way: the first window offers where to start.
    let fresh =
        state.records.is_empty() && state.conn.status == mcpscope_proto::ConnectionStatus::Disconnected;
    let body = match *view {
        View::Live if fresh => html! { <StartPanel on_start={on_start} /> },
        View::Live => html! {
            <main class="workspace">
                <Timeline
                    records={state.records.clone()}
                    view={state.view.clone()}
                    older={state.older}
                    shifted={state.shifted}
                    filter={state.filter.clone()}
                    selected={state.selected}
                    response={response}
                    follow={state.follow}
                    unrecorded={state.conn.unrecorded}
                    scroll={(*live_scroll).clone()}
                    dispatch={state.dispatcher()}
                />
                <Splitter pane={Pane::Detail} id="split-detail" label="Resize the detail pane" />
                <Detail loaded={loaded} response={response}
                    source={state.selected.map(|seq| RecordRef { session_id: None, seq })}
                    on_jump={on_jump} />
            </main>
        },
        View::History => html! { <HistoryView history={history.clone()} /> },
        View::Auth => html! {
            <AuthView steps={state.auth_steps.clone()} shown={state.auth_shown()}
                dispatch={state.dispatcher()} on_view={set_view.clone()} />
        },
        View::Settings => html! { <SettingsView record={record.clone()} /> },
    };

    html! {
        <div class="app">
            <ConnectionBar conn={state.conn.clone()} dispatch={state.dispatcher()} view={*view} on_view={set_view}
                start={(*start).clone()} record={record} />
            <TrustBanner report={state.trust.clone()} dispatch={state.dispatcher()} />
            {body}
            if *view == View::Live {
                <Splitter pane={Pane::Send} id="split-send" label="Resize the send panel" />
            }
            <SendPanel hidden={*view != View::Live} inflight={state.inflight.clone()}
                ended={state.ended.clone()} proxying={state.conn.proxy.is_some()}
                completions={state.conn.capabilities.get("completions").is_some()} />
            <ServerRequests pending={state.server_requests.clone()} />
        </div>
    }
}
