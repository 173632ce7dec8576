//! Sending: a raw JSON-RPC editor, quick requests, a "call tool" form, and the last reply.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use mcpscope_proto::{Inflight, Progress};
use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::catalog::{Prompts, Resources};
use crate::components::json_form::JsonForm;
use crate::components::json_view::JsonView;
use crate::components::task::TaskCard;
use crate::components::{field_value, text_into};
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
    followed: Rc<RefCell<Followed>>,
    method: String,
    params: Option<Value>,
) {
    let mine = next(&generation);
    *followed.borrow_mut() = Followed::default();
    let tool = (method == "tools/call")
        .then(|| params.as_ref().and_then(|p| p.get("name")).and_then(Value::as_str).map(str::to_owned))
        .flatten();
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

/// A progress bar with its numbers and message; `cancel` adds a Cancel button.
fn progress_bar(p: &Progress, cancel: Option<Callback<MouseEvent>>) -> Html {
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
                <progress />
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

const TOOL_INPUTS_KEY: &str = "mcpscope.tool-inputs";

/// The last arguments typed for each tool, kept across restarts in `localStorage`.
fn load_tool_inputs() -> std::collections::HashMap<String, String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(TOOL_INPUTS_KEY).ok().flatten())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn save_tool_inputs(inputs: &std::collections::HashMap<String, String>) {
    if let (Some(storage), Ok(text)) =
        (web_sys::window().and_then(|w| w.local_storage().ok().flatten()), serde_json::to_string(inputs))
    {
        // Storage can be full or disabled; the inputs then last for this run only.
        let _ = storage.set_item(TOOL_INPUTS_KEY, &text);
    }
}

/// Asks the server for its tools (a `tools/list` that shows in the timeline like any other).
fn fetch_tools(tools: UseStateHandle<Option<Rc<Vec<Value>>>>) {
    spawn_local(async move {
        if let Ok(reply) = ipc::request("tools/list", None).await {
            let list = reply.pointer("/result/tools").and_then(Value::as_array).cloned().unwrap_or_default();
            tools.set(Some(Rc::new(list)));
        }
    });
}

fn find_tool(tools: &Option<Rc<Vec<Value>>>, name: &str) -> Option<Value> {
    tools.as_ref()?.iter().find(|t| t.get("name").and_then(Value::as_str) == Some(name)).cloned()
}

/// A tool's `execution.taskSupport` (2025-11-25): `required`, `optional` or `forbidden`.
fn task_support(tool: &Option<Value>) -> Option<&str> {
    tool.as_ref()?.pointer("/execution/taskSupport")?.as_str()
}

fn tools_has(tools: &Option<Rc<Vec<Value>>>, name: &str) -> bool {
    find_tool(tools, name).is_some()
}

fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

#[component]
pub fn SendPanel(props: &Props) -> Html {
    let editor = use_state(|| INITIAL_EDITOR.to_owned());
    let tool_name = use_state(String::new);
    let tool_args = use_state(|| "{}".to_owned());
    let tool_error = use_state(|| None::<String>);
    let outcome = use_state(|| Outcome::Idle);
    let generation: Generation = use_memo((), |_| Cell::new(0));
    let followed = use_mut_ref(Followed::default);
    let act_tab = use_state(|| ActTab::Tools);
    let as_task = use_state(|| false);
    // The server's tools (from tools/list, fetched when the tool field is first used).
    let tools = use_state(|| None::<Rc<Vec<Value>>>);
    let remembered = use_mut_ref(load_tool_inputs);
    // While a request of ours is pending, follow its newest in-flight namesake.
    if let Outcome::Pending(method) = &*outcome {
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
            if let Some(pretty) = serde_json::from_str::<Value>(&editor)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
            {
                editor.set(pretty);
            }
        })
    };
    let on_call_tool = {
        let (tool_name, tool_args, tool_error, outcome, generation, followed) = (
            tool_name.clone(),
            tool_args.clone(),
            tool_error.clone(),
            outcome.clone(),
            generation.clone(),
            followed.clone(),
        );
        let (tools, as_task) = (tools.clone(), as_task.clone());
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
                    let mut params = json!({ "name": name, "arguments": arguments });
                    // Run as a task (2025-11-25) when asked, or when the tool requires it.
                    let required = task_support(&find_tool(&tools, &name)) == Some("required");
                    if *as_task || required {
                        params["task"] = json!({"ttl": 300_000});
                    }
                    run_request(
                        outcome.clone(),
                        generation.clone(),
                        followed.clone(),
                        "tools/call".into(),
                        Some(params),
                    );
                }
                Err(msg) => tool_error.set(Some(msg)),
            }
        })
    };
    let on_tool_name = {
        let (tool_name, tool_args, tools, remembered) =
            (tool_name.clone(), tool_args.clone(), tools.clone(), remembered.clone());
        Callback::from(move |e: Event| {
            let name = field_value(&e);
            if name == *tool_name {
                return;
            }
            // Keep the arguments of the tool we leave; bring back (or start) the next one's.
            if tools_has(&tools, &tool_name) {
                remembered.borrow_mut().insert((*tool_name).clone(), (*tool_args).clone());
                save_tool_inputs(&remembered.borrow());
            }
            if let Some(tool) = find_tool(&tools, &name) {
                let args = remembered.borrow().get(&name).cloned().unwrap_or_else(|| {
                    let initial = crate::json_form::initial(tool.get("inputSchema").unwrap_or(&Value::Null));
                    serde_json::to_string_pretty(&initial).unwrap_or_else(|_| "{}".into())
                });
                tool_args.set(args);
            }
            tool_name.set(name);
        })
    };
    let on_tool_focus = {
        let tools = tools.clone();
        Callback::from(move |_: FocusEvent| {
            if tools.is_none() {
                fetch_tools(tools.clone());
            }
        })
    };
    let on_tools_refresh = {
        let tools = tools.clone();
        Callback::from(move |_: MouseEvent| fetch_tools(tools.clone()))
    };
    let tool = find_tool(&tools, &tool_name);
    let form = tool.as_ref().map(|tool| {
        let schema = tool.get("inputSchema").cloned().unwrap_or_else(|| json!({"type": "object"}));
        let value = serde_json::from_str::<Value>(&tool_args).ok().filter(Value::is_object);
        let on_change = {
            let (tool_args, tool_name, remembered) = (tool_args.clone(), tool_name.clone(), remembered.clone());
            Callback::from(move |v: Value| {
                let text = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into());
                remembered.borrow_mut().insert((*tool_name).clone(), text.clone());
                save_tool_inputs(&remembered.borrow());
                tool_args.set(text);
            })
        };
        let description = tool.get("description").and_then(Value::as_str).map(str::to_owned);
        // The tool's annotations (hints, not guarantees), as badges.
        let hints: Vec<(&str, &str)> = [
            ("readOnlyHint", "read-only"),
            ("destructiveHint", "destructive"),
            ("idempotentHint", "idempotent"),
            ("openWorldHint", "open world"),
        ]
        .into_iter()
        .filter(|(k, _)| tool.pointer(&format!("/annotations/{k}")).and_then(Value::as_bool) == Some(true))
        .collect();
        let title = tool.get("title").or_else(|| tool.pointer("/annotations/title")).and_then(Value::as_str).map(str::to_owned);
        let problems = value.as_ref().map(|v| crate::json_form::validate(&schema, v)).unwrap_or_default();
        html! {
            <>
                if let Some(support) = task_support(&Some(tool.clone())).filter(|s| *s != "forbidden") {
                    <label class="task-toggle" title="Run the call as a task: tasks/get polls it, tasks/result fetches the result (MCP 2025-11-25)">
                        <input id="tool-as-task" type="checkbox" checked={*as_task || support == "required"} disabled={support == "required"}
                            onchange={{ let as_task = as_task.clone(); Callback::from(move |_: Event| as_task.set(!*as_task)) }} />
                        <span>{ if support == "required" { "Runs as a task (required by the tool)" } else { "Run as a task" } }</span>
                    </label>
                }
                <div id="tool-annotations" class="tool-annotations">
                    { for title.map(|t| html! { <span class="strong">{t}</span> }) }
                    { for hints.iter().map(|(k, label)| html! {
                        <span class={classes!("hint-badge", (*k == "destructiveHint").then_some("danger"))}
                            data-hint={*k} title={format!("annotations.{k}: true (a hint from the server)")}>{*label}</span>
                    }) }
                </div>
                { for description.map(|d| html! { <div class="tool-description muted" title={d.clone()}>{d}</div> }) }
                if let Some(value) = value {
                    <JsonForm schema={schema} value={value} on_change={on_change}
                        id={AttrValue::from("tool-form")} problems={problems} />
                } else {
                    <div class="muted small-text">{"The arguments below are not a JSON object: edit them as text."}</div>
                }
            </>
        }
    });
    let catalog_run = {
        let (outcome, generation, followed) = (outcome.clone(), generation.clone(), followed.clone());
        Callback::from(move |(method, params): (String, Option<Value>)| {
            run_request(outcome.clone(), generation.clone(), followed.clone(), method, params)
        })
    };
    let tool_names: Vec<String> = tools
        .as_ref()
        .map(|t| t.iter().filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_owned)).collect())
        .unwrap_or_default();
    let on_tool_args = text_into::<Event>(&tool_args);

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
                        <progress />
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
                    <pre id="last-response" class="code muted">{format!("Waiting for {what}…")}</pre>
                </>
            }
        }
        Outcome::Reply { text, code, tool_reply, .. } => {
            let drawn = tool_reply.as_ref().and_then(|r| {
                let tool = find_tool(&tools, &r.1);
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
                <div class="quick" role="group" aria-label="Quick requests">
                    { for QUICK.iter().map(|(id, method)| {
                        let (outcome, generation, followed, method) =
                            (outcome.clone(), generation.clone(), followed.clone(), *method);
                        html! {
                            <button id={*id} class="btn small mono"
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
                } else {
                <form class="call-tool" onsubmit={on_call_tool}>
                    <div class="name-row">
                        <input id="tool-name" class="mono" type="text" placeholder="tool name" spellcheck="false"
                            list="tool-names" autocomplete="off" onfocus={on_tool_focus} aria-label="Tool to call"
                            value={(*tool_name).clone()} oninput={on_tool_name.reform(Event::from)} onchange={on_tool_name} />
                        <button id="tools-refresh" class="btn ghost small" type="button" onclick={on_tools_refresh}
                            title="Fetch the server's tools again (tools/list)">
                            {match tools.as_ref() { Some(t) => format!("{} tools ⟳", t.len()), None => "tools ⟳".to_owned() }}
                        </button>
                    </div>
                    <datalist id="tool-names">
                        { for tool_names.iter().map(|n| html! { <option value={n.clone()} /> }) }
                    </datalist>
                    // The arguments as JSON stay in view above the form that edits them.
                    <textarea id="tool-args" class="mono" rows="2" spellcheck="false" placeholder="{}"
                        value={(*tool_args).clone()} oninput={on_tool_args.reform(Event::from)} onchange={on_tool_args} aria-label="Tool arguments (JSON)" />
                    <div class="tool-form-area">
                        { for form }
                    </div>
                    <div class="tool-error">
                        { for tool_error.as_ref().map(|e| html! { <div class="error small-text">{e.clone()}</div> }) }
                    </div>
                    <button id="call-tool" class="btn primary small" type="submit">{"Call tool"}</button>
                </form>
                }
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
