//! The UI's components, one per file.

pub mod app;
pub mod auth_view;
pub mod big_json;
pub mod catalog;
pub mod collections;
pub mod compare_sessions;
pub mod connection_bar;
pub mod detail;
pub mod export_actions;
pub mod history_view;
pub mod import_servers;
pub mod json_form;
pub mod json_view;
pub mod paged_text;
pub mod record_row;
pub mod replay;
pub mod send_panel;
pub mod server_requests;
pub mod settings_view;
pub mod splitter;
pub mod start_panel;
pub mod suggest;
pub mod task;
pub mod timeline;
pub mod tool_result;
pub mod trust_banner;
pub mod view_switch;

use wasm_bindgen::JsCast;
use yew::{Callback, Html, UseStateHandle, html};

/// The value of the field (input, textarea or select) an input or change event came from.
/// Text fields listen to both: typing fires `input`, while programmatic edits (WebDriver's
/// clear, some IMEs) may fire only `change`.
pub fn field_value(e: &web_sys::Event) -> String {
    let Some(target) = e.target() else { return String::new() };
    if let Some(input) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        input.value()
    } else if let Some(area) = target.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.value()
    } else if let Some(select) = target.dyn_ref::<web_sys::HtmlSelectElement>() {
        select.value()
    } else {
        String::new()
    }
}

/// Whether the checkbox a change event came from is now ticked.
pub fn field_checked(e: &web_sys::Event) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .is_some_and(|input| input.checked())
}

/// A callback that puts the value of the field its event came from into `state`: the one way
/// a text field writes the state it shows. `E` is `Event` for `onchange`, `InputEvent` for
/// `oninput`.
pub fn text_into<E: JsCast + 'static>(state: &UseStateHandle<String>) -> Callback<E> {
    let state = state.clone();
    Callback::from(move |e: E| state.set(field_value(e.unchecked_ref())))
}

/// A server's description as text with its `code spans` set in code ([`crate::format::code_spans`]):
/// text nodes and `<code>` only, whatever the server wrote.
pub fn described(text: &str) -> Html {
    crate::format::code_spans(text)
        .into_iter()
        .map(|(code, part)| {
            if code {
                html! { <code>{part}</code> }
            } else {
                html! { {part} }
            }
        })
        .collect()
}
