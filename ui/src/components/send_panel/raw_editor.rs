//! The raw JSON-RPC editor: any text, sent exactly as typed (Ctrl+Enter), with a hint when
//! it is not valid JSON.

use yew::prelude::*;

use crate::components::text_into;
use crate::parse;

const INITIAL_EDITOR: &str = r#"{
  "jsonrpc": "2.0",
  "id": 1,
  "method": "tools/list",
  "params": {}
}"#;

#[derive(Properties, PartialEq)]
pub struct RawEditorProps {
    /// Sends the text as it is.
    pub send: Callback<String>,
    /// Nothing to send on (proxy mode): Send and Ctrl+Enter do nothing.
    #[prop_or_default]
    pub disabled: bool,
}

#[component]
pub fn RawEditor(props: &RawEditorProps) -> Html {
    let editor = use_state(|| INITIAL_EDITOR.to_owned());
    let send_raw = {
        let (editor, send, disabled) = (editor.clone(), props.send.clone(), props.disabled);
        Callback::from(move |()| {
            if !disabled {
                send.emit((*editor).clone())
            }
        })
    };
    let on_editor = text_into::<Event>(&editor);
    let on_editor_key = {
        let send_raw = send_raw.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                e.prevent_default();
                send_raw.emit(());
            }
        })
    };
    let on_format = {
        let editor = editor.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(pretty) = serde_json::from_str::<serde_json::Value>(&editor)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
            {
                editor.set(pretty);
            }
        })
    };
    let validity = match parse::json_hint(&editor) {
        Ok(()) => html! { <span class="ok">{"✓ Valid JSON"}</span> },
        Err(e) => html! {
            <span class="warn" title={e.clone()}>{format!("✗ Not valid JSON ({e}); it will be sent exactly as typed")}</span>
        },
    };
    html! {
        <div class="send-col editor-col">
            <div class="col-head">
                <span class="col-title">{"Raw JSON-RPC"}</span>
                <span class="hint">{validity}</span>
            </div>
            <textarea id="raw-editor" class="mono" spellcheck="false" value={(*editor).clone()}
                oninput={on_editor.reform(Event::from)} onchange={on_editor} onkeydown={on_editor_key} aria-label="Raw JSON-RPC message" />
            <div class="actions">
                <button class="btn ghost small" onclick={on_format}>{"Format"}</button>
                <span class="spacer" />
                <span class="kbd-hint">{"Ctrl+Enter"}</span>
                <button id="send-raw" class="btn primary small" disabled={props.disabled} onclick={send_raw.reform(|_: MouseEvent| ())}>{"Send"}</button>
            </div>
        </div>
    }
}
