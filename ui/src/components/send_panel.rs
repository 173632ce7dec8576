//! Sending: a raw JSON-RPC editor, quick requests, a "call tool" form, and the last reply.

use std::cell::Cell;
use std::rc::Rc;

use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::field_value;
use crate::components::json_view::JsonView;
use crate::format;
use crate::ipc;
use crate::parse;

const INITIAL_EDITOR: &str = r#"{
  "jsonrpc": "2.0",
  "id": 1,
  "method": "tools/list",
  "params": {}
}"#;

const QUICK: [(&str, &str); 4] = [
    ("btn-tools-list", "tools/list"),
    ("btn-resources-list", "resources/list"),
    ("btn-prompts-list", "prompts/list"),
    ("btn-ping", "ping"),
];

#[derive(Clone, PartialEq)]
enum Outcome {
    Idle,
    Pending(String),
    /// A JSON-RPC response message; `error` when it carries an error object.
    Reply {
        label: String,
        text: String,
        error: bool,
        /// The JSON-RPC error code, when the reply is an error that has one.
        code: Option<i64>,
    },
    Sent {
        label: String,
    },
    Failed {
        label: String,
        message: String,
    },
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Numbers sends so that only the newest one reports: a slow reply to an earlier request
/// must not overwrite the reply the user is waiting for.
type Generation = Rc<Cell<u64>>;

fn next(generation: &Generation) -> u64 {
    generation.set(generation.get() + 1);
    generation.get()
}

/// Runs `request(method, params)` and reports the outcome.
fn run_request(
    outcome: UseStateHandle<Outcome>,
    generation: Generation,
    method: String,
    params: Option<Value>,
) {
    let mine = next(&generation);
    outcome.set(Outcome::Pending(method.clone()));
    spawn_local(async move {
        let started = now_ms();
        let result = ipc::request(&method, params).await;
        if generation.get() != mine {
            return;
        }
        let took = format::latency(((now_ms() - started) * 1000.0).max(0.0) as u64);
        outcome.set(match result {
            Ok(reply) => Outcome::Reply {
                label: format!("{method} · {took}"),
                error: reply.get("error").is_some(),
                code: reply.pointer("/error/code").and_then(serde_json::Value::as_i64),
                text: serde_json::to_string_pretty(&reply).unwrap_or_else(|e| e.to_string()),
            },
            Err(e) => Outcome::Failed { label: method, message: e.message },
        });
    });
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Kept in the page but not shown (the History view): the editor and the last reply
    /// survive a trip there.
    #[prop_or_default]
    pub hidden: bool,
}

#[component]
pub fn SendPanel(props: &Props) -> Html {
    let editor = use_state(|| INITIAL_EDITOR.to_owned());
    let tool_name = use_state(String::new);
    let tool_args = use_state(|| "{}".to_owned());
    let tool_error = use_state(|| None::<String>);
    let outcome = use_state(|| Outcome::Idle);
    let generation: Generation = use_memo((), |_| Cell::new(0));

    let send_raw = {
        let (editor, outcome, generation) = (editor.clone(), outcome.clone(), generation.clone());
        Callback::from(move |()| {
            let (text, outcome, generation) = ((*editor).clone(), outcome.clone(), generation.clone());
            let mine = next(&generation);
            outcome.set(Outcome::Pending("raw message".into()));
            spawn_local(async move {
                let label = format!("raw message ({})", format::size(text.len() as u64));
                let result = ipc::send_raw(&text).await;
                if generation.get() != mine {
                    return;
                }
                outcome.set(match result {
                    Ok(()) => Outcome::Sent { label },
                    Err(e) => Outcome::Failed { label, message: e.message },
                });
            });
        })
    };
    let on_editor = {
        let editor = editor.clone();
        Callback::from(move |e: Event| editor.set(field_value(&e)))
    };
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
            if let Some(pretty) = serde_json::from_str::<Value>(&editor)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
            {
                editor.set(pretty);
            }
        })
    };
    let on_call_tool = {
        let (tool_name, tool_args, tool_error, outcome, generation) =
            (tool_name.clone(), tool_args.clone(), tool_error.clone(), outcome.clone(), generation.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = tool_name.trim().to_owned();
            if name.is_empty() {
                tool_error.set(Some("Name the tool to call.".into()));
                return;
            }
            match parse::tool_arguments(&tool_args) {
                Ok(arguments) => {
                    tool_error.set(None);
                    let params = json!({ "name": name, "arguments": arguments });
                    run_request(outcome.clone(), generation.clone(), "tools/call".into(), Some(params));
                }
                Err(msg) => tool_error.set(Some(msg)),
            }
        })
    };
    let on_tool_name = {
        let tool_name = tool_name.clone();
        Callback::from(move |e: Event| tool_name.set(field_value(&e)))
    };
    let on_tool_args = {
        let tool_args = tool_args.clone();
        Callback::from(move |e: Event| tool_args.set(field_value(&e)))
    };

    let validity = match parse::json_hint(&editor) {
        Ok(()) => html! { <span class="ok">{"✓ Valid JSON"}</span> },
        Err(e) => html! {
            <span class="warn" title={e.clone()}>{format!("✗ Not valid JSON ({e}); it will be sent exactly as typed")}</span>
        },
    };

    let last = match &*outcome {
        Outcome::Idle => html! {
            <pre id="last-response" class="code muted">{"Replies to requests sent from here appear here."}</pre>
        },
        Outcome::Pending(what) => {
            html! { <pre id="last-response" class="code muted">{format!("Waiting for {what}…")}</pre> }
        }
        Outcome::Reply { text, code, .. } => {
            let explained = code.map(|c| {
                let ex = mcpscope_proto::explain::rpc_error(c);
                html! {
                    <div id="last-explain" class="explain">
                        <span class="strong">{format!("{c} {}", ex.name)}</span>{" — "}{ex.meaning}
                    </div>
                }
            });
            let abridged = text.contains(mcpscope_proto::outline::ABRIDGED);
            html! {
                <>
                    { for explained }
                    if abridged {
                        <div id="last-abridged" class="note-line">
                            {"A big reply, abridged here. Select its row in the timeline to open it whole, as a tree."}
                        </div>
                    }
                    <JsonView id={AttrValue::from("last-response")} text={text.clone()} />
                </>
            }
        }
        Outcome::Sent { .. } => html! {
            <pre id="last-response" class="code muted">{"Sent. The server's answer, if any, shows up in the timeline."}</pre>
        },
        Outcome::Failed { message, .. } => {
            html! { <pre id="last-response" class="code error">{message.clone()}</pre> }
        }
    };
    let last_label = match &*outcome {
        Outcome::Reply { label, error: true, .. } => {
            html! { <span class="error">{format!("{label} · JSON-RPC error")}</span> }
        }
        Outcome::Reply { label, .. } | Outcome::Sent { label } => html! { <span>{label.clone()}</span> },
        Outcome::Failed { label, .. } => html! { <span class="error">{format!("{label} · failed")}</span> },
        _ => html! {},
    };

    html! {
        <section class={classes!("send-panel", props.hidden.then_some("hidden"))}>
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
                    <button id="send-raw" class="btn primary small" onclick={send_raw.reform(|_: MouseEvent| ())}>{"Send"}</button>
                </div>
            </div>
            <div class="send-col quick-col">
                <div class="col-head"><span class="col-title">{"Requests"}</span></div>
                <div class="quick">
                    { for QUICK.iter().map(|(id, method)| {
                        let (outcome, generation, method) = (outcome.clone(), generation.clone(), *method);
                        html! {
                            <button id={*id} class="btn small mono"
                                onclick={Callback::from(move |_: MouseEvent| run_request(outcome.clone(), generation.clone(), method.into(), None))}>
                                {method}
                            </button>
                        }
                    }) }
                </div>
                <form class="call-tool" onsubmit={on_call_tool}>
                    <div class="col-title">{"Call tool"}</div>
                    <input id="tool-name" class="mono" type="text" placeholder="tool name" spellcheck="false"
                        value={(*tool_name).clone()} oninput={on_tool_name.reform(Event::from)} onchange={on_tool_name} />
                    <textarea id="tool-args" class="mono" rows="3" spellcheck="false" placeholder="{}"
                        value={(*tool_args).clone()} oninput={on_tool_args.reform(Event::from)} onchange={on_tool_args} aria-label="Tool arguments (JSON)" />
                    { for tool_error.as_ref().map(|e| html! { <div class="error small-text">{e.clone()}</div> }) }
                    <button id="call-tool" class="btn primary small" type="submit">{"Call tool"}</button>
                </form>
            </div>
            <div class="send-col response-col">
                <div class="col-head">
                    <span class="col-title">{"Last response"}</span>
                    <span class="hint">{last_label}</span>
                </div>
                {last}
            </div>
        </section>
    }
}
