//! The last reply to a request sent from the panel: its progress while it runs (with
//! Cancel), then the answer (a tool's result drawn by content type, a task followed to its
//! end, a JSON-RPC error explained, what a 2026-07-28 result says about caching).

use std::cell::RefCell;
use std::rc::Rc;

use mcpscope_proto::Progress;
use serde_json::Value;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::tool_call::find_tool;
use super::{Followed, Outcome};
use crate::components::json_view::JsonView;
use crate::components::task::TaskCard;
use crate::hooks::use_redraw_later::use_redraw_later;
use crate::{format, ipc, timing};

/// A progress bar with its numbers and message; `cancel` adds a Cancel button.
pub(super) fn progress_bar(p: &Progress, cancel: Option<Callback<MouseEvent>>) -> Html {
    let pct = p.percent();
    let numbers = match p.total {
        Some(t) => format!("{} / {}", trim_number(p.progress), trim_number(t)),
        None => trim_number(p.progress),
    };
    html! {
        <div id="progress" class="progress-line" data-percent={pct.map(|v| format!("{v:.0}"))}>
            if let Some(v) = pct {
                <progress max="100" value={format!("{v:.1}")} />
                <span class="progress-pct">{format!("{v:.0}%")}</span>
            } else {
                { busy_bar() }
            }
            <span class="progress-numbers">{numbers}</span>
            { for p.message.as_ref().map(|m| html! { <span class="progress-message" title={m.clone()}>{m.clone()}</span> }) }
            { for cancel.map(|c| html! {
                <button id="cancel-request" class="btn small danger" onclick={c}
                    title="Send notifications/cancelled for this request">{"Cancel"}</button>
            }) }
        </div>
    }
}

/// A bar for work under way whose amount is unknown. Not a native indeterminate
/// `<progress>`: WebKitGTK animates that in every frame, and each frame repaints the window
/// (measured while a call was pending: 8% of a core in the web process and 7% in the app,
/// against 1% idle), on the cores a flood's reading and drawing need. This one moves in
/// steps, a few times a second (`.progress-busy` in the stylesheet).
fn busy_bar() -> Html {
    html! { <span class="progress-busy" role="progressbar" aria-label="under way" /> }
}

#[derive(Properties, PartialEq)]
struct WaitedProps {
    /// When the request went out (ms, `timing::now`).
    since: f64,
}

/// How long a request has waited, once it has waited a second: drawn again each second (a
/// repaint a second, where an animation would repaint in every frame).
#[component]
fn Waited(props: &WaitedProps) -> Html {
    let redraw = use_redraw_later();
    let ms = (timing::now() - props.since).max(0.0);
    redraw.within(1000.0 - ms % 1000.0);
    if ms < 1000.0 {
        return html! {};
    }
    html! { <span id="waited" class="waited">{format!(" {}", format::waited(ms))}</span> }
}

/// The last reply's body, for `outcome`.
pub(super) fn last_response(
    outcome: &Outcome,
    followed: &Rc<RefCell<Followed>>,
    tools: &Option<Rc<Vec<Value>>>,
) -> Html {
    match outcome {
        Outcome::Idle => html! {
            <pre id="last-response" class="code muted">{"Replies to requests sent from here appear here."}</pre>
        },
        Outcome::Pending { what, since } => {
            let f = followed.borrow().clone();
            let cancel = f.id.clone().map(|id| {
                Callback::from(move |_: MouseEvent| {
                    let id = id.clone();
                    spawn_local(async move {
                        // The pending call itself reports the outcome (cancelled, or its answer
                        // when it won the race).
                        let _ = ipc::cancel_request(&id).await;
                    });
                })
            });
            let bar = match (&f.progress, cancel) {
                (Some(p), cancel) => progress_bar(p, cancel),
                (None, Some(cancel)) => html! {
                    <div id="progress" class="progress-line">
                        { busy_bar() }
                        <span class="progress-numbers">{"no progress reported yet"}</span>
                        <button id="cancel-request" class="btn small danger" onclick={cancel}
                            title="Send notifications/cancelled for this request">{"Cancel"}</button>
                    </div>
                },
                (None, None) => html! {},
            };
            html! {
                <>
                    {bar}
                    <pre id="last-response" class="code muted">
                        {format!("Waiting for {what}…")}<Waited since={*since} />
                    </pre>
                </>
            }
        }
        Outcome::Reply { text, code, tool_reply, .. } => {
            let drawn = tool_reply.as_ref().and_then(|r| {
                let tool = find_tool(tools, &r.1);
                match r.0.pointer("/result/task") {
                    // A task: its card follows it to the end and shows its result.
                    Some(task) => Some(html! {
                        <TaskCard key={task.get("taskId").map(Value::to_string).unwrap_or_default()}
                            task={task.clone()} tool={tool.map(Rc::new)} />
                    }),
                    None => crate::components::tool_result::view(&r.0, tool.as_ref()),
                }
            });
            let explained = code.map(|c| {
                let ex = mcpscope_proto::explain::rpc_error(c);
                html! {
                    <div id="last-explain" class="explain">
                        <span class="strong">{format!("{c} {}", ex.name)}</span>{" — "}{ex.meaning}
                    </div>
                }
            });
            let abridged = text.contains(mcpscope_proto::outline::ABRIDGED);
            let ended = followed.borrow().progress.clone().map(|p| progress_bar(&p, None));
            let cache = cache_note(text);
            html! {
                <>
                    { for ended }
                    { for explained }
                    { for cache.map(|c| html! { <div id="last-cache" class="note-line">{c}</div> }) }
                    <div class="tool-result-slot">{ for drawn }</div>
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
            let ended = followed.borrow().progress.clone().map(|p| progress_bar(&p, None));
            html! {
                <>
                    { for ended }
                    <pre id="last-response" class="code error">{message.clone()}</pre>
                </>
            }
        }
    }
}

/// The last reply's one-line label (method, latency, error).
pub(super) fn last_label(outcome: &Outcome) -> Html {
    match outcome {
        Outcome::Reply { label, error: true, .. } => {
            html! { <span class="error">{format!("{label} · JSON-RPC error")}</span> }
        }
        Outcome::Reply { label, .. } | Outcome::Sent { label } => html! { <span>{label.clone()}</span> },
        Outcome::Failed { label, .. } => html! { <span class="error">{format!("{label} · failed")}</span> },
        _ => html! {},
    }
}

fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// What a 2026-07-28 result says about caching it (`ttlMs`, `cacheScope`), in words.
fn cache_note(text: &str) -> Option<String> {
    // A reply is at most a few hundred kB here (big ones come abridged).
    let v: Value = serde_json::from_str(text).ok()?;
    let result = v.get("result")?;
    let ttl = result.get("ttlMs").and_then(Value::as_u64);
    let scope = result.get("cacheScope").and_then(Value::as_str);
    if ttl.is_none() && scope.is_none() {
        return None;
    }
    let how_long = match ttl {
        Some(0) => "not to be reused (ttlMs 0)".to_owned(),
        Some(ms) => {
            let secs = ms / 1000;
            let span = match secs {
                3600.. => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
                60.. => format!("{} min {} s", secs / 60, secs % 60),
                _ => format!("{:.1} s", ms as f64 / 1000.0),
            };
            format!("reusable for {span} (ttlMs {ms})")
        }
        None => "no ttlMs".to_owned(),
    };
    let who = match scope {
        Some("public") => ", by any client (cacheScope public)".to_owned(),
        Some("private") => ", by this client only (cacheScope private)".to_owned(),
        Some(other) => format!(", cacheScope {other:?}"),
        None => String::new(),
    };
    Some(format!("Cache: {how_long}{who}"))
}
