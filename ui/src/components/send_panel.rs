//! Sending: a raw JSON-RPC editor (`raw_editor`), quick requests, a "call tool" form
//! (`tool_call`) or the resources and prompts catalogs, and the last reply (`reply`). This
//! module owns what they share: the request being followed and its outcome.

mod raw_editor;
mod reply;
mod tool_call;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use mcpscope_proto::{Inflight, Progress};
use serde_json::Value;
use yew::platform::spawn_local;
use yew::prelude::*;

use raw_editor::RawEditor;
use tool_call::{ToolCall, Tools};

use crate::components::catalog::{Prompts, Resources};
use crate::format;
use crate::ipc;
use crate::timing;

const QUICK: [(&str, &str); 4] = [
    ("btn-tools-list", "tools/list"),
    ("btn-resources-list", "resources/list"),
    ("btn-prompts-list", "prompts/list"),
    ("btn-ping", "ping"),
];

#[derive(Clone, PartialEq)]
enum Outcome {
    Idle,
    /// Waiting for the answer to `what`, sent at `since` (ms, `timing::now`).
    Pending {
        what: String,
        since: f64,
    },
    /// A JSON-RPC response message; `error` when it carries an error object.
    Reply {
        label: String,
        text: String,
        error: bool,
        /// The JSON-RPC error code, when the reply is an error that has one.
        code: Option<i64>,
        /// The reply, when it is a tool's result (drawn by content type).
        tool_reply: Option<Rc<(Value, String)>>,
    },
    Sent {
        label: String,
    },
    Failed {
        label: String,
        message: String,
    },
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
    followed: Rc<RefCell<Followed>>,
    method: String,
    params: Option<Value>,
) {
    let mine = next(&generation);
    *followed.borrow_mut() = Followed::default();
    let tool = (method == "tools/call")
        .then(|| params.as_ref().and_then(|p| p.get("name")).and_then(Value::as_str).map(str::to_owned))
        .flatten();
    let started = timing::now();
    outcome.set(Outcome::Pending { what: method.clone(), since: started });
    spawn_local(async move {
        let result = ipc::request(&method, params).await;
        if generation.get() != mine {
            return;
        }
        let took = format::latency(((timing::now() - started) * 1000.0).max(0.0) as u64);
        outcome.set(match result {
            Ok(reply) => Outcome::Reply {
                label: format!("{method} · {took}"),
                error: reply.get("error").is_some(),
                code: reply.pointer("/error/code").and_then(serde_json::Value::as_i64),
                text: serde_json::to_string_pretty(&reply).unwrap_or_else(|e| e.to_string()),
                tool_reply: tool.map(|t| Rc::new((reply, t))),
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
    /// Our requests in flight, with their progress.
    #[prop_or_default]
    pub inflight: Rc<Vec<Inflight>>,
    /// Requests that left `inflight` lately, with their last progress.
    #[prop_or_default]
    pub ended: Rc<Vec<Inflight>>,
    /// The server offers completions (`completion/complete`).
    #[prop_or_default]
    pub completions: bool,
    /// Proxy mode: a real client drives the session and mcpscope has no connection of its own
    /// to send on.
    #[prop_or_default]
    pub proxying: bool,
}

/// What the middle column acts on.
#[derive(Clone, Copy, PartialEq)]
enum ActTab {
    Tools,
    Resources,
    Prompts,
}

/// The in-flight request the panel waits for: the newest of that method. Its last progress is
/// kept so the bar still shows where it ended once the reply is in.
#[derive(Clone, PartialEq, Default)]
struct Followed {
    id: Option<String>,
    progress: Option<Progress>,
}

#[component]
pub fn SendPanel(props: &Props) -> Html {
    let outcome = use_state(|| Outcome::Idle);
    let generation: Generation = use_memo((), |_| Cell::new(0));
    let followed = use_mut_ref(Followed::default);
    let act_tab = use_state(|| ActTab::Tools);
    // The server's tools (from tools/list, fetched when the tool field is first used); the
    // reply draws a tool's result with them.
    let tools: Tools = use_state(|| None::<Rc<Vec<Value>>>);
    // While a request of ours is pending, follow its newest in-flight namesake.
    if let Outcome::Pending { what: method, .. } = &*outcome {
        let mut f = followed.borrow_mut();
        match props.inflight.iter().rev().find(|i| &i.method == method) {
            Some(item) if f.id.as_ref() != Some(&item.id) => {
                *f = Followed { id: Some(item.id.clone()), progress: item.progress.clone() };
            }
            Some(item) if item.progress.is_some() => f.progress = item.progress.clone(),
            _ => {}
        }
    }
    if !matches!(&*outcome, Outcome::Idle) {
        // The request may have ended in the same frame as its last progress arrived.
        let mut f = followed.borrow_mut();
        let last = f.id.as_ref().and_then(|id| props.ended.iter().rev().find(|i| &i.id == id));
        if let Some(progress) = last.and_then(|i| i.progress.clone()) {
            f.progress = Some(progress);
        }
    } else {
        *followed.borrow_mut() = Followed::default();
    }

    let send_raw = {
        let (outcome, generation) = (outcome.clone(), generation.clone());
        Callback::from(move |text: String| {
            let (outcome, generation) = (outcome.clone(), generation.clone());
            let mine = next(&generation);
            outcome.set(Outcome::Pending { what: "raw message".into(), since: timing::now() });
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
    let catalog_run = {
        let (outcome, generation, followed) = (outcome.clone(), generation.clone(), followed.clone());
        Callback::from(move |(method, params): (String, Option<Value>)| {
            run_request(outcome.clone(), generation.clone(), followed.clone(), method, params)
        })
    };
    let last = reply::last_response(&outcome, &followed, &tools);
    let last_label = reply::last_label(&outcome);

    html! {
        <section class={classes!("send-panel", props.hidden.then_some("hidden"))}>
            <RawEditor send={send_raw} disabled={props.proxying} />
            <div class="send-col quick-col">
                if props.proxying {
                    <div id="proxy-send-note" class="note-line" role="note">
                        {"Proxy mode: your client drives this session. To send from here, stop the proxy (Disconnect) and connect."}
                    </div>
                }
                <div class="quick" role="group" aria-label="Quick requests">
                    { for QUICK.iter().map(|(id, method)| {
                        let (outcome, generation, followed, method) =
                            (outcome.clone(), generation.clone(), followed.clone(), *method);
                        html! {
                            <button id={*id} class="btn small mono" disabled={props.proxying}
                                onclick={Callback::from(move |_: MouseEvent| {
                                    run_request(outcome.clone(), generation.clone(), followed.clone(), method.into(), None)
                                })}>
                                {method}
                            </button>
                        }
                    }) }
                </div>
                <div class="tabs act-tabs" role="tablist">
                    { for [(ActTab::Tools, "Tools", "tab-tools"), (ActTab::Resources, "Resources", "tab-resources"), (ActTab::Prompts, "Prompts", "tab-prompts")]
                        .into_iter()
                        .map(|(t, label, id)| {
                            let act_tab = act_tab.clone();
                            html! {
                                <button id={id} role="tab" type="button" class={classes!("tab", (*act_tab == t).then_some("active"))}
                                    onclick={Callback::from(move |_: MouseEvent| act_tab.set(t))}>{label}</button>
                            }
                        }) }
                </div>
                if *act_tab == ActTab::Resources {
                    <Resources run={catalog_run.clone()} completions={props.completions} />
                } else if *act_tab == ActTab::Prompts {
                    <Prompts run={catalog_run.clone()} completions={props.completions} />
                }
                // Kept while another tab is shown: the tool and arguments typed stay.
                <ToolCall tools={tools.clone()} run={catalog_run.clone()} hidden={*act_tab != ActTab::Tools}
                    disabled={props.proxying} />
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
