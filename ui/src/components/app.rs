use yew::prelude::*;

use crate::components::connection_bar::ConnectionBar;
use crate::components::detail::Detail;
use crate::components::send_panel::SendPanel;
use crate::components::timeline::Timeline;
use crate::hooks::use_backend_events::use_backend_events;
use crate::hooks::use_shortcuts::use_shortcuts;
use crate::state::State;

/// The whole window: connection bar on top, timeline and detail side by side, send panel below.
///
/// State is handed down as props rather than context so that a record batch re-renders the
/// timeline and nothing else.
#[component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    use_backend_events(state.dispatcher());
    use_shortcuts(state.dispatcher());

    let selected = state.selected.and_then(|seq| state.summary(seq));
    // The response to the selected request, so both rows can point at each other.
    let response = state.selected.and_then(|seq| state.response_to(seq));

    html! {
        <div class="app">
            <ConnectionBar conn={state.conn.clone()} dispatch={state.dispatcher()} />
            <main class="workspace">
                <Timeline
                    records={state.records.clone()}
                    view={state.view.clone()}
                    filter={state.filter.clone()}
                    selected={state.selected}
                    response={response}
                    follow={state.follow}
                    dispatch={state.dispatcher()}
                />
                <Detail summary={selected} response={response} dispatch={state.dispatcher()} />
            </main>
            <SendPanel />
        </div>
    }
}
