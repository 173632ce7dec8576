//! Collections in the History view: "Save to collection" under a stored request (next to
//! Replay), and the Collections list in the left column, each collection runnable over the
//! live session with a row per request (✓/✗, name, method, time, what failed).

use std::rc::Rc;

use mcpscope_proto::collection::Outcome;
use mcpscope_proto::{IpcError, Record};
use serde_json::Value;
use web_sys::Element;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::field_value;
use crate::components::timeline::data_attr;
use crate::ipc;

/// What the Run result says when the backend has no live session.
pub const NOT_CONNECTED: &str = "Connect to the server first; the collection runs over the live session.";

/// The collection a request is saved to unless the user names another.
pub const DEFAULT_COLLECTION: &str = "default";

/// A request's default name in a collection: its method and, for a tool call or prompt, the
/// tool's (or prompt's) name; for a resource, its uri.
pub fn default_request_name(r: &Record) -> String {
    r.rpc
        .as_ref()
        .map(|rpc| name_for(rpc.method.as_deref().unwrap_or_default(), &rpc.message))
        .unwrap_or_default()
}

fn name_for(method: &str, message: &Value) -> String {
    let target = message
        .get("params")
        .and_then(|p| p.get("name").or_else(|| p.get("uri")))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    match target {
        Some(t) => format!("{method} {t}"),
        None => method.to_owned(),
    }
}

#[derive(Clone, PartialEq)]
enum Saved {
    Idle,
    Saving,
    Done(String),
    Failed(IpcError),
}

#[derive(Properties, PartialEq)]
pub struct SaveProps {
    /// The stored session the request belongs to.
    pub session_id: AttrValue,
    /// The stored request (an `http-request` carrying a JSON-RPC request).
    pub record: Rc<Record>,
    /// Called after a save, so the Collections list can reload.
    pub on_saved: Callback<()>,
}

/// Saves the selected stored request as a request file of a collection.
#[component]
pub fn SaveToCollection(props: &SaveProps) -> Html {
    let collection = use_state(|| DEFAULT_COLLECTION.to_owned());
    let name = {
        let record = props.record.clone();
        use_state(move || default_request_name(&record))
    };
    let saved = use_state(|| Saved::Idle);

    let on_collection = {
        let collection = collection.clone();
        Callback::from(move |e: Event| collection.set(field_value(&e)))
    };
    let on_name = {
        let name = name.clone();
        Callback::from(move |e: Event| name.set(field_value(&e)))
    };
    let save = {
        let (saved, collection, name) = (saved.clone(), collection.clone(), name.clone());
        let (session_id, seq, on_saved) =
            (props.session_id.clone(), props.record.seq, props.on_saved.clone());
        Callback::from(move |_: MouseEvent| {
            saved.set(Saved::Saving);
            let (saved, session_id, on_saved) = (saved.clone(), session_id.clone(), on_saved.clone());
            let (collection, name) = ((*collection).clone(), (*name).clone());
            spawn_local(async move {
                match ipc::save_to_collection(collection.trim(), name.trim(), &session_id, seq).await {
                    Ok(path) => {
                        saved.set(Saved::Done(path));
                        on_saved.emit(());
                    }
                    Err(e) => saved.set(Saved::Failed(e)),
                }
            });
        })
    };
    let saving = *saved == Saved::Saving;
    let blank = collection.trim().is_empty();

    html! {
        <section id="save-panel" class="replay save-panel" aria-label="Save to collection">
            <div class="replay-bar">
                <span class="col-title">{"Save to collection"}</span>
                <span class="hint">{"as a file"}</span>
                <span class="spacer" />
                <button id="save-to-collection" class="btn small" disabled={saving || blank} onclick={save}
                    title="Save this request (params as recorded, asserting a result) to the collection">
                    { if saving { "Saving…" } else { "Save to collection" } }
                </button>
            </div>
            <div class="save-fields">
                <input id="collection-name" class="mono" type="text" spellcheck="false" autocomplete="off"
                    aria-label="Collection name" title="The collection (a folder) to save this request to"
                    placeholder="collection" value={(*collection).clone()}
                    oninput={on_collection.reform(Event::from)} onchange={on_collection} />
                <input id="request-name" type="text" spellcheck="false" autocomplete="off"
                    aria-label="Request name" title="The request's name in the collection"
                    placeholder="request name" value={(*name).clone()}
                    oninput={on_name.reform(Event::from)} onchange={on_name} />
            </div>
            { match &*saved {
                Saved::Done(path) => html! {
                    <div id="save-result" class="save-result" data-ok="true" aria-live="polite">
                        <span class="verdict-mark">{"✓"}</span>
                        <span class="save-label">{"Saved to"}</span>
                        <span class="mono" title={path.clone()}>{path.clone()}</span>
                    </div>
                },
                Saved::Failed(e) => html! {
                    <div id="save-result" class="save-result" data-ok="false" role="alert">{e.message.clone()}</div>
                },
                _ => Html::default(),
            } }
        </section>
    }
}

#[derive(Clone, PartialEq)]
enum Run {
    Idle,
    Running(String),
    Done(String, Rc<Vec<Outcome>>),
    Failed(String, IpcError),
}

#[derive(Properties, PartialEq)]
pub struct PaneProps {
    /// Bumped after each save: the list reloads.
    pub revision: u32,
}

/// The Collections section of the History view's left column.
#[component]
pub fn CollectionsPane(props: &PaneProps) -> Html {
    let list = use_state(|| None::<Result<Vec<(String, Vec<String>)>, IpcError>>);
    let run = use_state(|| Run::Idle);
    {
        let list = list.clone();
        use_effect_with(props.revision, move |_| {
            spawn_local(async move { list.set(Some(ipc::collections().await)) });
        });
    }

    let on_click = {
        let run = run.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(target) = e.target_dyn_into::<Element>() else { return };
            if target.closest(".run-collection").ok().flatten().is_none() {
                return;
            }
            let Some(name) = data_attr::<String>(&target, "data-collection") else { return };
            if matches!(*run, Run::Running(_)) {
                return;
            }
            run.set(Run::Running(name.clone()));
            let run = run.clone();
            spawn_local(async move {
                run.set(match ipc::run_collection(&name).await {
                    Ok(o) => Run::Done(name, Rc::new(o)),
                    Err(e) => Run::Failed(name, e),
                });
            });
        })
    };

    let running = match &*run {
        Run::Running(n) => Some(n.as_str()),
        _ => None,
    };
    let items = match &*list {
        Some(Ok(l)) => l.clone(),
        _ => Vec::new(),
    };
    let note = match &*list {
        None => Some("Loading…".to_owned()),
        Some(Err(e)) => Some(format!("Could not list the collections: {}", e.message)),
        Some(Ok(l)) if l.is_empty() => {
            Some("No collections yet: save a request with “Save to collection”.".to_owned())
        }
        _ => None,
    };

    html! {
        <section class="collections-pane" aria-label="Collections">
            <div class="pane-head">
                <span class="col-title">{"Collections"}</span>
                <span class="spacer" />
                if !items.is_empty() {
                    <span class="count">{items.len()}</span>
                }
            </div>
            <ul id="collections" class="collection-list" onclick={on_click}>
                { for items.iter().map(|(name, requests)| collection_item(name, requests, running)) }
            </ul>
            { for note.map(|n| html! { <div class="empty small-text">{n}</div> }) }
            { run_result(&run) }
        </section>
    }
}

fn collection_item(name: &str, requests: &[String], running: Option<&str>) -> Html {
    let busy = running == Some(name);
    let count =
        if requests.len() == 1 { "1 request".to_owned() } else { format!("{} requests", requests.len()) };
    html! {
        <li class="collection-item" data-collection={name.to_owned()}>
            <div class="ci-head">
                <span class="ci-name strong" title={name.to_owned()}>{name.to_owned()}</span>
                <span class="ci-count">{count}</span>
                <span class="spacer" />
                <button class="btn small run-collection" data-collection={name.to_owned()}
                    disabled={running.is_some()} title="Run every request over the live session">
                    { if busy { "Running…" } else { "Run" } }
                </button>
            </div>
            <ul class="ci-requests">
                { for requests.iter().map(|r| html! { <li class="mono" title={r.clone()}>{r.clone()}</li> }) }
            </ul>
        </li>
    }
}

fn run_result(run: &Run) -> Html {
    let body = match run {
        Run::Idle => return Html::default(),
        Run::Running(name) => html! { <div class="verdict muted">{format!("Running {name}…")}</div> },
        Run::Failed(_, e) => {
            let message =
                if e.kind == "not_connected" { NOT_CONNECTED.to_owned() } else { e.message.clone() };
            html! { <div class="verdict" data-verdict="failed" role="alert">{message}</div> }
        }
        Run::Done(name, outcomes) => {
            let failed = outcomes.iter().filter(|o| !o.ok()).count();
            let (line, tag) = match (outcomes.len(), failed) {
                (0, _) => (format!("{name}: no requests"), "none"),
                (n, 0) => (format!("{name}: {n} passed"), "same"),
                (n, f) => (format!("{name}: {f} of {n} failed"), "changed"),
            };
            html! {
                <>
                    <div class="verdict" data-verdict={tag}>
                        <span class="verdict-mark">{ if failed == 0 { "✓" } else { "✗" } }</span>
                        <span class="strong">{line}</span>
                    </div>
                    { for outcomes.iter().map(outcome_row) }
                </>
            }
        }
    };
    html! { <div id="collection-result" class="collection-result" aria-live="polite">{body}</div> }
}

fn outcome_row(o: &Outcome) -> Html {
    html! {
        <div class="outcome-row" data-ok={o.ok().to_string()} title={o.file.clone()}>
            <div class="or-head">
                <span class="verdict-mark">{ if o.ok() { "✓" } else { "✗" } }</span>
                <span class="or-name">{o.name.clone()}</span>
                <span class="spacer" />
                <span class="or-ms">{format!("{:.0} ms", o.elapsed_ms)}</span>
            </div>
            <div class="or-method mono">{o.method.clone()}</div>
            { for o.failures.iter().map(|f| html! { <div class="or-failure">{f.clone()}</div> }) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_names_default_to_method_and_target() {
        assert_eq!(name_for("tools/call", &json!({"params": {"name": "echo"}})), "tools/call echo");
        assert_eq!(
            name_for("resources/read", &json!({"params": {"uri": "demo://a"}})),
            "resources/read demo://a"
        );
        assert_eq!(name_for("tools/list", &json!({"params": {}})), "tools/list");
        assert_eq!(name_for("ping", &json!({})), "ping");
    }
}
