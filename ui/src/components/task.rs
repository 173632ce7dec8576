//! A tool call run as a task (MCP 2025-11-25): the task's status polled with `tasks/get` at
//! the server's `pollInterval` until it ends, then its result fetched with `tasks/result`;
//! Cancel sends `tasks/cancel`. Every one of those requests is in the timeline like any other.

use std::rc::Rc;

use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::tool_result;
use crate::ipc;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The `task` object of the `CreateTaskResult`.
    pub task: Value,
    /// The tool's `tools/list` entry, for drawing the result.
    #[prop_or_default]
    pub tool: Option<Rc<Value>>,
}

fn terminal(status: &str) -> bool {
    matches!(status, "completed" | "failed" | "cancelled")
}

#[component]
pub fn TaskCard(props: &Props) -> Html {
    let id = props.task.get("taskId").and_then(Value::as_str).unwrap_or("").to_owned();
    let task = use_state(|| props.task.clone());
    let result = use_state(|| None::<Result<Value, String>>);
    {
        // Poll until the task ends, then fetch its result. Stops when the card goes away.
        let (task, result, id) = (task.clone(), result.clone(), id.clone());
        use_effect_with(id.clone(), move |_| {
            let alive = Rc::new(std::cell::Cell::new(true));
            let running = alive.clone();
            spawn_local(async move {
                let mut current = (*task).clone();
                loop {
                    let status =
                        current.get("status").and_then(Value::as_str).unwrap_or("working").to_owned();
                    if terminal(&status) || !running.get() {
                        break;
                    }
                    let wait =
                        current.get("pollInterval").and_then(Value::as_u64).unwrap_or(1000).clamp(250, 5000);
                    yew::platform::time::sleep(std::time::Duration::from_millis(wait)).await;
                    if !running.get() {
                        return;
                    }
                    match ipc::request("tasks/get", Some(json!({"taskId": id}))).await {
                        Ok(reply) => match reply.get("result") {
                            Some(t) => {
                                current = t.clone();
                                task.set(current.clone());
                            }
                            None => break,
                        },
                        Err(_) => break,
                    }
                }
                if running.get() && current.get("status").and_then(Value::as_str) == Some("completed") {
                    let got = ipc::request("tasks/result", Some(json!({"taskId": id}))).await;
                    result.set(Some(got.map_err(|e| e.message)));
                }
            });
            move || alive.set(false)
        });
    }
    let cancel = {
        let (id, task) = (id.clone(), task.clone());
        Callback::from(move |_: MouseEvent| {
            let (id, task) = (id.clone(), task.clone());
            spawn_local(async move {
                if let Ok(reply) = ipc::request("tasks/cancel", Some(json!({"taskId": id}))).await
                    && let Some(t) = reply.get("result")
                {
                    task.set(t.clone());
                }
            });
        })
    };
    let status = task.get("status").and_then(Value::as_str).unwrap_or("?").to_owned();
    let message = task.get("statusMessage").and_then(Value::as_str).map(str::to_owned);
    let drawn = match &*result {
        Some(Ok(reply)) => tool_result::view(reply, props.tool.as_deref()),
        Some(Err(e)) => {
            Some(html! { <div class="error small-text">{format!("tasks/result failed: {e}")}</div> })
        }
        None => None,
    };
    html! {
        <div id="task" class="task-card" data-status={status.clone()} data-task={id.clone()}>
            <div class="task-head">
                <span class="strong">{"Task"}</span>
                <code class="muted">{id}</code>
                <span class={classes!("task-status", format!("ts-{status}"))}>{status.clone()}</span>
                { for message.map(|m| html! { <span class="task-message" title={m.clone()}>{m}</span> }) }
                <span class="spacer" />
                if !terminal(&status) {
                    <button id="task-cancel" class="btn small danger" onclick={cancel} title="tasks/cancel">{"Cancel"}</button>
                }
            </div>
            <div class="task-result">{ for drawn }</div>
        </div>
    }
}
