//! "Call tool": the tool's name (the server's tools offered as you type), its arguments as
//! JSON above the form built from its input schema, its annotations, and run-as-task.

use std::rc::Rc;

use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::json_form::JsonForm;
use crate::components::suggest::{Suggest, Suggestion};
use crate::components::text_into;
use crate::ipc;
use crate::parse;

/// The server's tools, from `tools/list`; `None` until first fetched.
pub type Tools = UseStateHandle<Option<Rc<Vec<Value>>>>;

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
fn fetch_tools(tools: Tools) {
    spawn_local(async move {
        if let Ok(reply) = ipc::request("tools/list", None).await {
            let list = reply.pointer("/result/tools").and_then(Value::as_array).cloned().unwrap_or_default();
            tools.set(Some(Rc::new(list)));
        }
    });
}

pub(super) fn find_tool(tools: &Option<Rc<Vec<Value>>>, name: &str) -> Option<Value> {
    tools.as_ref()?.iter().find(|t| t.get("name").and_then(Value::as_str) == Some(name)).cloned()
}

/// A tool's `execution.taskSupport` (2025-11-25): `required`, `optional` or `forbidden`.
fn task_support(tool: &Option<Value>) -> Option<&str> {
    tool.as_ref()?.pointer("/execution/taskSupport")?.as_str()
}

fn tools_has(tools: &Option<Rc<Vec<Value>>>, name: &str) -> bool {
    find_tool(tools, name).is_some()
}

#[derive(Properties, PartialEq)]
pub struct ToolCallProps {
    pub tools: Tools,
    /// Runs a request (method, params) and shows its reply.
    pub run: Callback<(String, Option<Value>)>,
    /// Kept in the page but not shown (another tab is): what was typed stays.
    #[prop_or_default]
    pub hidden: bool,
    /// Nothing to call on (proxy mode).
    #[prop_or_default]
    pub disabled: bool,
}

#[component]
pub fn ToolCall(props: &ToolCallProps) -> Html {
    let tool_name = use_state(String::new);
    let tool_args = use_state(|| "{}".to_owned());
    let tool_error = use_state(|| None::<String>);
    let as_task = use_state(|| false);
    let remembered = use_mut_ref(load_tool_inputs);
    let tools = props.tools.clone();

    let on_call_tool = {
        let (tool_name, tool_args, tool_error, run) =
            (tool_name.clone(), tool_args.clone(), tool_error.clone(), props.run.clone());
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
                    run.emit(("tools/call".into(), Some(params)));
                }
                Err(msg) => tool_error.set(Some(msg)),
            }
        })
    };
    let on_tool_name = {
        let (tool_name, tool_args, tools, remembered) =
            (tool_name.clone(), tool_args.clone(), tools.clone(), remembered.clone());
        Callback::from(move |name: String| {
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
                { for description.map(|d| html! { <div class="tool-description muted" title={d.clone()}>{crate::components::described(&d)}</div> }) }
                if let Some(value) = value {
                    <JsonForm schema={schema} value={value} on_change={on_change}
                        id={AttrValue::from("tool-form")} problems={problems} />
                } else {
                    <div class="muted small-text">{"The arguments below are not a JSON object: edit them as text."}</div>
                }
            </>
        }
    });
    let tool_options: Rc<Vec<Suggestion>> = Rc::new(
        tools
            .as_ref()
            .map(|t| {
                t.iter()
                    .filter_map(|t| {
                        let value = t.get("name").and_then(Value::as_str)?.to_owned();
                        let label = t.get("title").and_then(Value::as_str).map(str::to_owned);
                        Some(Suggestion { value, label })
                    })
                    .collect()
            })
            .unwrap_or_default(),
    );
    let on_tool_args = text_into::<Event>(&tool_args);

    html! {
        <form class={classes!("call-tool", props.hidden.then_some("hidden"))} onsubmit={on_call_tool}>
            <div class="name-row">
                <Suggest id="tool-name" class="mono" placeholder="tool name" aria_label="Tool to call"
                    value={(*tool_name).clone()} options={tool_options} on_value={on_tool_name} onfocus={on_tool_focus} />
                <button id="tools-refresh" class="btn ghost small" type="button" onclick={on_tools_refresh}
                    title="Fetch the server's tools again (tools/list)">
                    {match tools.as_ref() { Some(t) => format!("{} tools ⟳", t.len()), None => "tools ⟳".to_owned() }}
                </button>
            </div>
            // The arguments as JSON stay in view above the form that edits them.
            <textarea id="tool-args" class="mono" rows="2" spellcheck="false" placeholder="{}"
                value={(*tool_args).clone()} oninput={on_tool_args.reform(Event::from)} onchange={on_tool_args} aria-label="Tool arguments (JSON)" />
            <div class="tool-form-area">
                { for form }
            </div>
            <div class="tool-error">
                { for tool_error.as_ref().map(|e| html! { <div class="error small-text">{e.clone()}</div> }) }
            </div>
            <button id="call-tool" class="btn primary small" type="submit" disabled={props.disabled}>{"Call tool"}</button>
        </form>
    }
}
