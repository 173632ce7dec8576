//! The server's requests that wait for the user: sampling (write the model's reply, or send a
//! canned one) and elicitation (a form from the requested schema; in URL mode the URL, opened
//! only when the user says so). A dock over the right of the window, one card per request,
//! that never blocks the timeline.

use std::rc::Rc;

use mcpscope_proto::{ServerAnswer, ServerRequest};
use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::json_form::JsonForm;
use crate::components::text_into;
use crate::ipc;
use crate::json_form::{self, Problem};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub pending: Rc<Vec<ServerRequest>>,
}

#[component]
pub fn ServerRequests(props: &Props) -> Html {
    if props.pending.is_empty() {
        return html! {};
    }
    html! {
        <aside id="server-requests" class="server-requests" aria-label="Requests from the server">
            <div class="sr-head">
                <span class="col-title">{"The server asks"}</span>
                <span class="muted">{format!("{} waiting", props.pending.len())}</span>
            </div>
            { for props.pending.iter().map(|r| html! { <Card key={r.handle} request={r.clone()} /> }) }
        </aside>
    }
}

#[derive(Properties, PartialEq)]
struct CardProps {
    request: ServerRequest,
}

/// Sends `answer` for `handle`; a failure (the request is gone) shows on the card.
fn send(handle: u64, answer: ServerAnswer, error: UseStateHandle<Option<String>>) {
    spawn_local(async move {
        if let Err(e) = ipc::answer_server_request(handle, &answer).await {
            error.set(Some(e.message));
        }
    });
}

#[component]
fn Card(props: &CardProps) -> Html {
    let r = &props.request;
    let error = use_state(|| None::<String>);
    let body = match r.method.as_str() {
        "sampling/createMessage" => html! { <Sampling request={r.clone()} error={error.clone()} /> },
        "elicitation/create" if r.params.get("mode").and_then(Value::as_str) == Some("url") => {
            html! { <UrlElicitation request={r.clone()} error={error.clone()} /> }
        }
        "elicitation/create" => html! { <FormElicitation request={r.clone()} error={error.clone()} /> },
        other => html! { <div class="muted">{format!("mcpscope cannot answer {other} by hand.")}</div> },
    };
    html! {
        <section class="server-request" data-method={r.method.clone()} data-handle={r.handle.to_string()}>
            <div class="sr-title">
                <code class="sr-method">{r.method.clone()}</code>
                <span class="muted mono">{if r.input_for.is_some() { format!("key {}", r.id) } else { format!("id {}", r.id) }}</span>
            </div>
            if let Some(call) = &r.input_for {
                <div class="sr-input-for small-text muted">
                    {format!("Input required by {call}: your answer goes back with it, sent again under a new id.")}
                </div>
            }
            {body}
            if let Some(e) = &*error {
                <div class="error small-text" role="alert">{e.clone()}</div>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct AnswerProps {
    request: ServerRequest,
    error: UseStateHandle<Option<String>>,
}

/// The model's reply, written by hand.
#[component]
fn Sampling(props: &AnswerProps) -> Html {
    let r = &props.request;
    let reply = use_state(String::new);
    let model = use_state(|| "mcpscope-by-hand".to_owned());
    let messages = r.params.get("messages").and_then(Value::as_array).cloned().unwrap_or_default();
    let system = r.params.get("systemPrompt").and_then(Value::as_str).map(str::to_owned);
    let max_tokens = r.params.get("maxTokens").map(Value::to_string);
    let handle = r.handle;
    let answer = |text: Option<String>| {
        let (reply, model, error) = (reply.clone(), model.clone(), props.error.clone());
        Callback::from(move |_: MouseEvent| {
            let text = text.clone().unwrap_or_else(|| (*reply).clone());
            let result = json!({"role": "assistant", "content": {"type": "text", "text": text},
                "model": *model, "stopReason": "endTurn"});
            send(handle, ServerAnswer::Result { result }, error.clone());
        })
    };
    let reject = {
        let error = props.error.clone();
        Callback::from(move |_: MouseEvent| {
            let answer =
                ServerAnswer::Error { code: -1, message: "The user rejected the sampling request".into() };
            send(handle, answer, error.clone());
        })
    };
    let on_reply = text_into::<Event>(&reply);
    let on_model = text_into::<Event>(&model);
    html! {
        <>
            if let Some(s) = system {
                <div class="sr-field"><span class="sr-label">{"System"}</span><span class="sr-text">{s}</span></div>
            }
            <div class="sr-messages">
                { for messages.iter().map(|m| {
                    let role = m.get("role").and_then(Value::as_str).unwrap_or("?").to_owned();
                    let text = content_text(m.get("content"));
                    html! { <div class="sr-message"><span class="sr-role">{role}</span><span class="sr-text">{text}</span></div> }
                }) }
            </div>
            if let Some(t) = max_tokens {
                <div class="muted small-text">{format!("maxTokens {t}")}</div>
            }
            <textarea class="sampling-reply" rows="3" placeholder="The model's reply" value={(*reply).clone()}
                oninput={on_reply.reform(Event::from)} onchange={on_reply} aria-label="Reply" />
            <div class="sr-actions">
                <input class="sampling-model mono" type="text" value={(*model).clone()} title="The model name sent back"
                    oninput={on_model.reform(Event::from)} onchange={on_model} aria-label="Model" />
                <button class="btn small ghost answer-canned" onclick={answer(Some("This is a canned reply from mcpscope.".into()))}
                    title="Reply with a fixed text">{"Canned"}</button>
                <button class="btn small answer-reject" onclick={reject}>{"Reject"}</button>
                <button class="btn small primary answer-accept" onclick={answer(None)}>{"Send reply"}</button>
            </div>
        </>
    }
}

/// The text of a sampling message's content (a block or a list of blocks).
fn content_text(content: Option<&Value>) -> String {
    let block = |b: &Value| match b.get("type").and_then(Value::as_str) {
        Some("text") => b.get("text").and_then(Value::as_str).unwrap_or("").to_owned(),
        Some(other) => format!("[{other}]"),
        None => b.to_string(),
    };
    match content {
        Some(Value::Array(items)) => items.iter().map(block).collect::<Vec<_>>().join("\n"),
        Some(b) => block(b),
        None => String::new(),
    }
}

/// A form from the requested schema: accept (with the content), decline or cancel.
#[component]
fn FormElicitation(props: &AnswerProps) -> Html {
    let r = &props.request;
    let schema = r.params.get("requestedSchema").cloned().unwrap_or_else(|| json!({"type": "object"}));
    let value = {
        let schema = schema.clone();
        use_state(move || json_form::initial(&schema))
    };
    let problems = use_state(Vec::<Problem>::new);
    let message = r.params.get("message").and_then(Value::as_str).unwrap_or("").to_owned();
    let handle = r.handle;
    let on_change = {
        let value = value.clone();
        Callback::from(move |v: Value| value.set(v))
    };
    let accept = {
        let (value, problems, error, schema) =
            (value.clone(), problems.clone(), props.error.clone(), schema.clone());
        Callback::from(move |_: MouseEvent| {
            let found = json_form::validate(&schema, &value);
            if !found.is_empty() {
                problems.set(found);
                return;
            }
            problems.set(Vec::new());
            let result = json!({"action": "accept", "content": *value});
            send(handle, ServerAnswer::Result { result }, error.clone());
        })
    };
    let other = |action: &'static str| {
        let error = props.error.clone();
        Callback::from(move |_: MouseEvent| {
            send(handle, ServerAnswer::Result { result: json!({"action": action}) }, error.clone());
        })
    };
    html! {
        <>
            <div class="sr-message-text">{message}</div>
            <JsonForm schema={schema.clone()} value={(*value).clone()} on_change={on_change}
                id={AttrValue::from(format!("elicit-{handle}"))} problems={(*problems).clone()} />
            <div class="sr-actions">
                <span class="spacer" />
                <button class="btn small ghost answer-cancel" onclick={other("cancel")}>{"Cancel"}</button>
                <button class="btn small answer-decline" onclick={other("decline")}>{"Decline"}</button>
                <button class="btn small primary answer-accept" onclick={accept}>{"Accept"}</button>
            </div>
        </>
    }
}

/// URL mode: the URL as text; opened in the browser only when the user asks.
#[component]
fn UrlElicitation(props: &AnswerProps) -> Html {
    let r = &props.request;
    let url = r.params.get("url").and_then(Value::as_str).unwrap_or("").to_owned();
    let message = r.params.get("message").and_then(Value::as_str).unwrap_or("").to_owned();
    let handle = r.handle;
    let safe = url.starts_with("https://") || url.starts_with("http://");
    let open = {
        let (url, error) = (url.clone(), props.error.clone());
        Callback::from(move |_: MouseEvent| {
            let (url, error) = (url.clone(), error.clone());
            spawn_local(async move {
                if let Err(e) = ipc::open_external(&url).await {
                    error.set(Some(e.message));
                }
            });
        })
    };
    let answer = |action: &'static str| {
        let error = props.error.clone();
        Callback::from(move |_: MouseEvent| {
            send(handle, ServerAnswer::Result { result: json!({"action": action}) }, error.clone());
        })
    };
    html! {
        <>
            <div class="sr-message-text">{message}</div>
            <div class="sr-field">
                <span class="sr-label">{"URL"}</span>
                <code class="sr-url" title="Not opened unless you click Open">{url.clone()}</code>
            </div>
            if !safe {
                <div class="error small-text">{"Not an http(s) URL: mcpscope will not open it."}</div>
            }
            <div class="sr-actions">
                <button class="btn small answer-open" disabled={!safe} onclick={open}
                    title="Open this URL in your browser">{"Open in browser"}</button>
                <span class="spacer" />
                <button class="btn small ghost answer-cancel" onclick={answer("cancel")}>{"Cancel"}</button>
                <button class="btn small answer-decline" onclick={answer("decline")}>{"Decline"}</button>
                <button class="btn small primary answer-accept" onclick={answer("accept")}>{"Done"}</button>
            </div>
        </>
    }
}
