//! The Live | History | Auth | Settings segmented control in the top bar.

use yew::prelude::*;

use crate::state::View;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub view: View,
    pub on_view: Callback<View>,
}

const VIEWS: [(View, &str, &str, &str); 4] = [
    (View::Live, "view-live", "Live", "The current session (Ctrl+1)"),
    (View::History, "view-history", "History", "Every stored session, searchable (Ctrl+2)"),
    (View::Auth, "view-auth", "Auth", "The OAuth flow step by step, and the token (Ctrl+3)"),
    // A gear, named for screen readers: the top bar has little room to spare.
    (View::Settings, "view-settings", "⚙", "Settings: limits on what a server may send (Ctrl+4 or Ctrl+,)"),
];

#[component]
pub fn ViewSwitch(props: &Props) -> Html {
    html! {
        <div class="segmented" role="tablist" aria-label="View">
            { for VIEWS.iter().map(|&(view, id, label, title)| {
                let active = props.view == view;
                html! {
                    <button {id} role="tab" {title} aria-selected={active.to_string()}
                        aria-label={(view == View::Settings).then_some("Settings")}
                        class={classes!("seg", active.then_some("active"))}
                        onclick={props.on_view.reform(move |_: MouseEvent| view)}>
                        {label}
                    </button>
                }
            }) }
        </div>
    }
}
