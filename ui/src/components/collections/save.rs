//! "Save to collection" under a stored request: the request written as the next file of a
//! collection, named after its method and tool, prompt or resource.

use super::*;

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
    let saved = use_command::<String>();

    let on_collection = text_into::<Event>(&collection);
    let on_name = text_into::<Event>(&name);
    let save = {
        let (saved, collection, name) = (saved.clone(), collection.clone(), name.clone());
        let (session_id, seq, on_saved) =
            (props.session_id.clone(), props.record.seq, props.on_saved.clone());
        Callback::from(move |_: MouseEvent| {
            let (session_id, on_saved) = (session_id.clone(), on_saved.clone());
            let (collection, name) = ((*collection).clone(), (*name).clone());
            saved.run(async move {
                let path = ipc::save_to_collection(collection.trim(), name.trim(), &session_id, seq).await?;
                on_saved.emit(());
                Ok(path)
            });
        })
    };
    let saving = saved.state().is_running();
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
            { match saved.state() {
                Pending::Done(path) => html! {
                    <div id="save-result" class="save-result" data-ok="true" aria-live="polite">
                        <span class="verdict-mark">{"✓"}</span>
                        <span class="save-label">{"Saved to"}</span>
                        <span class="mono" title={path.clone()}>{path.clone()}</span>
                    </div>
                },
                Pending::Failed(e) => html! {
                    <div id="save-result" class="save-result" data-ok="false" role="alert">{e.message.clone()}</div>
                },
                _ => Html::default(),
            } }
        </section>
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
