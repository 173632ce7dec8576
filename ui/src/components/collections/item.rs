//! One collection in the pane: its environment, its secrets (set or not; set or forget
//! one), Export, and Run over the live session with a row per request.

use super::*;

#[derive(Properties, PartialEq)]
pub(super) struct ItemProps {
    pub(super) info: Rc<CollectionInfo>,
    /// The collection being run, if any (one run at a time).
    pub(super) running: Option<AttrValue>,
    /// Collection, environment, and whether its secrets may go to the live server although
    /// they were set for another.
    pub(super) on_run: Callback<(String, Option<String>, bool)>,
    pub(super) on_reload: Callback<()>,
    pub(super) on_note: Callback<Note>,
}

/// One collection: its environment (chosen here), Export and Run, its requests, and the
/// secrets that environment needs, each settable in place.
#[component]
pub(super) fn CollectionItem(props: &ItemProps) -> Html {
    let env = use_state(String::new);
    let info = &props.info;
    let name = info.name.clone();
    let chosen = info.environments.iter().find(|e| e.name == *env);

    let on_env = text_into::<Event>(&env);
    let run = {
        let (on_run, name) = (props.on_run.clone(), name.clone());
        let env_arg = chosen.map(|e| e.name.clone());
        Callback::from(move |_: MouseEvent| on_run.emit((name.clone(), env_arg.clone(), false)))
    };
    let export = {
        let (on_note, name) = (props.on_note.clone(), name.clone());
        Callback::from(move |_: MouseEvent| {
            let (on_note, name) = (on_note.clone(), name.clone());
            spawn_local(async move {
                on_note.emit(match ipc::export_collection(&name, None).await {
                    Ok(path) => Note::Ok(format!("Exported {name} to {path}")),
                    Err(e) => Note::Failed(e.message),
                });
            });
        })
    };
    let save_as = {
        let (on_note, name) = (props.on_note.clone(), name.clone());
        Callback::from(move |_: MouseEvent| {
            let (on_note, name) = (on_note.clone(), name.clone());
            spawn_local(async move {
                let file = format!("{name}.collection.json");
                let dest = match ipc::pick_path(PickKind::Save, "Export the collection", Some(&file)).await {
                    Ok(Some(dest)) => dest,
                    Ok(None) => return,
                    Err(e) => return on_note.emit(Note::Failed(e.message)),
                };
                on_note.emit(match ipc::export_collection(&name, Some(&dest)).await {
                    Ok(path) => Note::Ok(format!("Exported {name} to {path}")),
                    Err(e) => Note::Failed(e.message),
                });
            });
        })
    };
    let busy = props.running.as_deref() == Some(name.as_str());
    let count = if info.requests.len() == 1 {
        "1 request".to_owned()
    } else {
        format!("{} requests", info.requests.len())
    };
    let secrets: Vec<(Option<String>, SecretInfo)> = info
        .secrets
        .iter()
        .map(|s| (None, s.clone()))
        .chain(chosen.into_iter().flat_map(|e| e.secrets.iter().map(|s| (Some(e.name.clone()), s.clone()))))
        .collect();

    html! {
        <li class="collection-item" data-collection={name.clone()}>
            <div class="ci-head">
                <span class="ci-name strong" title={name.clone()}>{name.clone()}</span>
                <span class="ci-count">{count}</span>
                <span class="spacer" />
                <button class="btn small run-collection" onclick={run}
                    disabled={props.running.is_some() || info.error.is_some()}
                    title="Run every request over the live session">
                    { if busy { "Running…" } else { "Run" } }
                </button>
            </div>
            <div class="ci-env">
                if !info.environments.is_empty() {
                    <select class="env-select" onchange={on_env} aria-label="Environment"
                        title="The environment whose variables and secrets the run uses">
                        <option value="" selected={chosen.is_none()}>{"no environment"}</option>
                        { for info.environments.iter().map(|e| html! {
                            <option value={e.name.clone()} selected={*env == e.name}>{format!("env: {}", e.name)}</option>
                        }) }
                    </select>
                } else {
                    <span class="spacer" />
                }
                <button class="btn small ghost export-collection" onclick={export}
                    title="Write this collection as one bundle file in the exports folder (secrets by name only)">{"Export"}</button>
                <button class="btn small ghost export-save-as" onclick={save_as}
                    title="Choose where the bundle file goes, in a file dialog">{"Save as…"}</button>
            </div>
            { for info.error.iter().map(|e| html! { <div class="ci-error">{e.clone()}</div> }) }
            <ul class="ci-requests">
                { for info.requests.iter().map(|r| html! { <li class="mono" title={r.clone()}>{r.clone()}</li> }) }
            </ul>
            <div class="ci-secrets">
                { for secrets.into_iter().map(|(env, s)| html! {
                    <SecretRow key={format!("{}/{}", env.clone().unwrap_or_default(), s.name)}
                        collection={AttrValue::from(name.clone())} env={env.clone()} info={s.clone()}
                        on_reload={props.on_reload.clone()} on_note={props.on_note.clone()} />
                }) }
            </div>
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub(super) struct SecretProps {
    pub(super) collection: AttrValue,
    /// The environment declaring it; `None` for the collection's own.
    pub(super) env: Option<String>,
    pub(super) info: SecretInfo,
    pub(super) on_reload: Callback<()>,
    pub(super) on_note: Callback<Note>,
}

/// A secret variable: whether the keyring has it, a hidden field to set it, Forget. Its value
/// goes to the keyring and never comes back to the window.
#[component]
pub(super) fn SecretRow(props: &SecretProps) -> Html {
    let value = use_state(String::new);
    let on_input = text_into::<InputEvent>(&value);
    let input = use_node_ref();
    // `forget`: remove the value; otherwise store what is typed.
    let save = |forget: bool| {
        let (collection, env, name) = (props.collection.clone(), props.env.clone(), props.info.name.clone());
        let (on_reload, on_note, value) = (props.on_reload.clone(), props.on_note.clone(), value.clone());
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            let (collection, env, name) = (collection.clone(), env.clone(), name.clone());
            let (on_reload, on_note, value) = (on_reload.clone(), on_note.clone(), value.clone());
            let new = if forget { None } else { Some(current(&input)).filter(|v| !v.is_empty()) };
            spawn_local(async move {
                match ipc::set_collection_secret(&collection, env.as_deref(), &name, new.as_deref()).await {
                    Ok(store) => {
                        value.set(String::new());
                        let what = if forget { "forgotten".to_owned() } else { format!("kept in {store}") };
                        on_note.emit(Note::Ok(format!("Secret {name}: {what}")));
                        on_reload.emit(());
                    }
                    Err(e) => on_note.emit(Note::Failed(e.message)),
                }
            });
        })
    };
    let scope = props.env.clone().map_or_else(|| "the collection".to_owned(), |e| format!("environment {e}"));
    let set = props.info.set;
    html! {
        <div class="secret-row" data-secret={props.info.name.clone()} data-set={set.to_string()}>
            <div class="secret-head">
                <span class="secret-name mono" title={format!("A secret of {scope}, kept in the OS keyring")}>
                    {props.info.name.clone()}
                </span>
                <span class="secret-state">{ if set { "set" } else { "not set" } }</span>
                <span class="spacer" />
                if set {
                    <button class="btn small ghost forget-secret" onclick={save(true)}
                        title="Remove the value from the keyring">{"Forget"}</button>
                }
            </div>
            <div class="secret-edit">
                <input ref={input.clone()} class="secret-input mono" type="password" autocomplete="off" spellcheck="false"
                    aria-label={format!("Value of secret {}", props.info.name)}
                    placeholder={ if set { "replace the value" } else { "value (hidden)" } }
                    value={(*value).clone()} oninput={on_input} />
                <button class="btn small set-secret" onclick={save(false)} disabled={value.is_empty()}
                    title="Store this value in the OS keyring">{"Set"}</button>
            </div>
        </div>
    }
}

pub(super) fn run_result(run: &Run, on_run: &Callback<(String, Option<String>, bool)>) -> Html {
    let body = match run {
        Run::Idle => return Html::default(),
        Run::Running(name) => html! { <div class="verdict muted">{format!("Running {name}…")}</div> },
        // Secrets set for another server: nothing was sent; the user decides.
        Run::Failed(name, env, e) if e.kind == mcpscope_proto::IpcErrorKind::SecretElsewhere => {
            let allow = {
                let (on_run, name, env) = (on_run.clone(), name.clone(), env.clone());
                Callback::from(move |_: MouseEvent| on_run.emit((name.clone(), env.clone(), true)))
            };
            html! {
                <div class="verdict ask" data-verdict="failed" role="alert">
                    <span class="strong">{"Its secrets were set for another server"}</span>
                    <div class="ask-detail">{e.message.clone()}</div>
                    <button id="allow-origin" class="btn small" onclick={allow}
                        title="Send this collection's secrets to the server of the live session, for this run only">
                        {"Allow for this run"}</button>
                </div>
            }
        }
        Run::Failed(_, _, e) => {
            let message = if e.kind == mcpscope_proto::IpcErrorKind::NotConnected {
                NOT_CONNECTED.to_owned()
            } else {
                e.message.clone()
            };
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

pub(super) fn outcome_row(o: &Outcome) -> Html {
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
