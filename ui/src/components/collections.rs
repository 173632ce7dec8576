//! Collections in the History view: "Save to collection" under a stored request (next to
//! Replay), and the Collections list in the left column: the folder they live in, import and
//! export, each collection's environment and secrets, and a run over the live session with a
//! row per request (✓/✗, name, method, time, what failed).

use std::rc::Rc;

use mcpscope_proto::collection::{CollectionInfo, Collections, Outcome, SecretInfo};
use mcpscope_proto::{IpcError, PickKind, Record};
use serde_json::Value;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::text_into;
use crate::hooks::use_command::{Pending, use_command};
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

#[derive(Clone, PartialEq)]
enum Run {
    Idle,
    Running(String),
    Done(String, Rc<Vec<Outcome>>),
    /// The collection, its environment, and why the run did not happen.
    Failed(String, Option<String>, IpcError),
}

/// A one-line answer to the last folder, import, export or secret action.
#[derive(Clone, PartialEq)]
enum Note {
    None,
    Ok(String),
    Failed(String),
}

/// Which editor is open under the pane's head.
#[derive(Clone, Copy, PartialEq)]
enum Editor {
    None,
    Folder,
    Import,
}

#[derive(Properties, PartialEq)]
pub struct PaneProps {
    /// Bumped after each save: the list reloads.
    pub revision: u32,
}

/// The Collections section of the History view's left column: the folder they live in (the
/// user's choice), import and export, each collection with its environments and secrets,
/// runnable over the live session.
#[component]
pub fn CollectionsPane(props: &PaneProps) -> Html {
    let list = use_state(|| None::<Result<Collections, IpcError>>);
    let run = use_state(|| Run::Idle);
    let note = use_state(|| Note::None);
    let editor = use_state(|| Editor::None);
    let reloads = use_state(|| 0u32);
    // Answers can cross (a reload while the first listing is still out): only the newest
    // request's answer is shown.
    let asked = use_mut_ref(|| 0u32);
    {
        let (list, asked) = (list.clone(), asked.clone());
        use_effect_with((props.revision, *reloads), move |_| {
            *asked.borrow_mut() += 1;
            let mine = *asked.borrow();
            spawn_local(async move {
                let answer = ipc::collections().await;
                if *asked.borrow() == mine {
                    list.set(Some(answer));
                }
            });
        });
    }
    let reload = {
        let reloads = reloads.clone();
        Callback::from(move |()| reloads.set(*reloads + 1))
    };
    let on_note = {
        let note = note.clone();
        Callback::from(move |n: Note| note.set(n))
    };
    let on_run = {
        let run = run.clone();
        Callback::from(move |(name, env, allow): (String, Option<String>, bool)| {
            if matches!(*run, Run::Running(_)) {
                return;
            }
            run.set(Run::Running(name.clone()));
            let run = run.clone();
            spawn_local(async move {
                run.set(match ipc::run_collection(&name, env.as_deref(), allow).await {
                    Ok(o) => Run::Done(name, Rc::new(o)),
                    Err(e) => Run::Failed(name, env, e),
                });
            });
        })
    };
    let toggle = |which: Editor| {
        let editor = editor.clone();
        Callback::from(move |_: MouseEvent| {
            editor.set(if *editor == which { Editor::None } else { which });
        })
    };
    let on_done = {
        let (editor, reload) = (editor.clone(), reload.clone());
        Callback::from(move |()| {
            editor.set(Editor::None);
            reload.emit(());
        })
    };

    let running = match &*run {
        Run::Running(n) => Some(AttrValue::from(n.clone())),
        _ => None,
    };
    let (dir, default_dir, items) = match &*list {
        Some(Ok(c)) => (c.dir.clone(), c.default_dir, c.items.clone()),
        _ => (String::new(), true, Vec::new()),
    };
    let empty = match &*list {
        None => Some("Loading…".to_owned()),
        Some(Err(e)) => Some(format!("Could not list the collections: {}", e.message)),
        Some(Ok(c)) if c.items.is_empty() => Some(
            "No collections here yet: save a request with “Save to collection”, or import one.".to_owned(),
        ),
        _ => None,
    };
    let open = |which: Editor| (*editor == which).then_some("open");

    html! {
        <section class="collections-pane" aria-label="Collections">
            <div class="pane-head">
                <span class="col-title">{"Collections"}</span>
                if !items.is_empty() {
                    <span class="count">{items.len()}</span>
                }
                <span class="spacer" />
                <button id="collections-import" class={classes!("btn", "small", "ghost", open(Editor::Import))}
                    onclick={toggle(Editor::Import)} title="Import a bundle file or a collection folder">{"Import…"}</button>
            </div>
            <div class="folder-line">
                <span id="collections-folder" class="folder-path mono" title={dir.clone()}>
                    // LRM marks keep the path's slashes in place inside the right-to-left clip.
                    {format!("\u{200E}{dir}\u{200E}")}{ if default_dir && !dir.is_empty() { " (default)" } else { "" } }
                </span>
                <button id="collections-folder-change" class={classes!("btn", "small", "ghost", open(Editor::Folder))}
                    onclick={toggle(Editor::Folder)} title="Choose the folder collections are kept in (shared with the CLI)">{"Change"}</button>
            </div>
            { match *editor {
                Editor::Folder => html! {
                    <FolderEditor dir={AttrValue::from(dir.clone())} default_dir={default_dir}
                        on_note={on_note.clone()} on_done={on_done.clone()} />
                },
                Editor::Import => html! { <ImportEditor on_note={on_note.clone()} on_done={on_done.clone()} /> },
                Editor::None => Html::default(),
            } }
            <div class="note-slot">{ note_line(&note) }</div>
            <ul id="collections" class="collection-list">
                { for items.into_iter().map(|info| html! {
                    <CollectionItem key={info.name.clone()} info={Rc::new(info.clone())} running={running.clone()}
                        on_run={on_run.clone()} on_reload={reload.clone()} on_note={on_note.clone()} />
                }) }
            </ul>
            { for empty.map(|n| html! { <div class="empty small-text">{n}</div> }) }
            { run_result(&run, &on_run) }
        </section>
    }
}

/// What an input holds right now. A click can come before the re-render of the last
/// keystroke; the state handle a callback captured may then be one character behind.
fn current(input: &NodeRef) -> String {
    input.cast::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

fn note_line(note: &Note) -> Html {
    match note {
        Note::None => Html::default(),
        Note::Ok(text) => html! {
            <div id="collections-note" class="save-result" data-ok="true" aria-live="polite">
                <span class="verdict-mark">{"✓"}</span><span class="mono">{text.clone()}</span>
            </div>
        },
        Note::Failed(text) => html! {
            <div id="collections-note" class="save-result" data-ok="false" role="alert">{text.clone()}</div>
        },
    }
}

#[derive(Properties, PartialEq)]
struct FolderProps {
    dir: AttrValue,
    default_dir: bool,
    on_note: Callback<Note>,
    on_done: Callback<()>,
}

/// Chooses the collections folder: a path typed in (created when missing), or the default.
#[component]
fn FolderEditor(props: &FolderProps) -> Html {
    let value = {
        let dir = props.dir.to_string();
        use_state(move || dir)
    };
    let on_input = text_into::<InputEvent>(&value);
    let apply = {
        let (on_note, on_done) = (props.on_note.clone(), props.on_done.clone());
        move |dir: Option<String>| {
            let (on_note, on_done) = (on_note.clone(), on_done.clone());
            spawn_local(async move {
                match ipc::set_collections_dir(dir.as_deref()).await {
                    Ok(path) => {
                        on_note.emit(Note::Ok(format!("Collections folder: {path}")));
                        on_done.emit(());
                    }
                    Err(e) => on_note.emit(Note::Failed(e.message)),
                }
            });
        }
    };
    let input = use_node_ref();
    let use_it = {
        let (input, apply) = (input.clone(), apply.clone());
        Callback::from(move |_: MouseEvent| apply(Some(current(&input))))
    };
    let on_key = {
        let (input, apply) = (input.clone(), apply.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                apply(Some(current(&input)));
            }
        })
    };
    let browse = {
        let (apply, on_note) = (apply.clone(), props.on_note.clone());
        Callback::from(move |_: MouseEvent| {
            let (apply, on_note) = (apply.clone(), on_note.clone());
            spawn_local(async move {
                match ipc::pick_path(PickKind::Folder, "Keep collections in this folder", None).await {
                    Ok(Some(dir)) => apply(Some(dir)),
                    Ok(None) => {}
                    Err(e) => on_note.emit(Note::Failed(e.message)),
                }
            });
        })
    };
    let reset = Callback::from(move |_: MouseEvent| apply(None));
    html! {
        <div class="pane-editor" aria-label="Collections folder">
            <input id="folder-input" ref={input} class="mono" type="text" spellcheck="false" autocomplete="off"
                aria-label="Collections folder" placeholder="/absolute/path/to/collections"
                value={(*value).clone()} oninput={on_input} onkeydown={on_key} />
            <span class="hint">{"created when missing; the CLI uses it too"}</span>
            <div class="editor-actions">
                <span class="spacer" />
                if !props.default_dir {
                    <button id="default-folder" class="btn small ghost" onclick={reset}
                        title="Back to <data dir>/collections">{"Default"}</button>
                }
                <button id="folder-browse" class="btn small ghost" onclick={browse}
                    title="Choose the folder in a file dialog">{"Browse…"}</button>
                <button id="use-folder" class="btn small" onclick={use_it} disabled={value.trim().is_empty()}
                    title="Keep collections in this folder">{"Use folder"}</button>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ImportProps {
    on_note: Callback<Note>,
    on_done: Callback<()>,
}

/// Imports a bundle file (from Export or `mcpscope collection export`) or a collection folder.
#[component]
fn ImportEditor(props: &ImportProps) -> Html {
    let source = use_state(String::new);
    let name = use_state(String::new);
    let on_source = text_into::<InputEvent>(&source);
    let on_name = text_into::<InputEvent>(&name);
    let (source_ref, name_ref) = (use_node_ref(), use_node_ref());
    // A native chooser fills the source field (typing it stays possible).
    let pick = |kind: PickKind| {
        let (source, on_note) = (source.clone(), props.on_note.clone());
        Callback::from(move |_: MouseEvent| {
            let (source, on_note) = (source.clone(), on_note.clone());
            spawn_local(async move {
                match ipc::pick_path(kind, "Import a collection", None).await {
                    Ok(Some(p)) => source.set(p),
                    Ok(None) => {}
                    Err(e) => on_note.emit(Note::Failed(e.message)),
                }
            });
        })
    };
    let import = {
        let (source_ref, name_ref) = (source_ref.clone(), name_ref.clone());
        let (on_note, on_done) = (props.on_note.clone(), props.on_done.clone());
        Callback::from(move |_: MouseEvent| {
            let (src, n) = (current(&source_ref), current(&name_ref));
            let (on_note, on_done) = (on_note.clone(), on_done.clone());
            spawn_local(async move {
                let n = Some(n.trim()).filter(|n| !n.is_empty());
                match ipc::import_collection(&src, n).await {
                    Ok(name) => {
                        on_note.emit(Note::Ok(format!("Imported {name}")));
                        on_done.emit(());
                    }
                    Err(e) => on_note.emit(Note::Failed(e.message)),
                }
            });
        })
    };
    html! {
        <div class="pane-editor" aria-label="Import a collection">
            <input id="import-source" ref={source_ref} class="mono" type="text" spellcheck="false" autocomplete="off"
                aria-label="Bundle file or collection folder" placeholder="/path/to/x.collection.json or a folder"
                value={(*source).clone()} oninput={on_source} />
            <div class="editor-actions">
                <span class="hint">{"choose:"}</span>
                <button id="import-pick-file" class="btn small ghost" onclick={pick(PickKind::File)}
                    title="Choose a bundle file in a file dialog">{"File…"}</button>
                <button id="import-pick-folder" class="btn small ghost" onclick={pick(PickKind::Folder)}
                    title="Choose a collection folder in a file dialog">{"Folder…"}</button>
            </div>
            <div class="editor-actions">
                <input id="import-name" ref={name_ref} type="text" spellcheck="false" autocomplete="off"
                    aria-label="Name for the imported collection" placeholder="name (optional)"
                    value={(*name).clone()} oninput={on_name} />
                <button id="do-import" class="btn small" onclick={import} disabled={source.trim().is_empty()}>
                    {"Import"}
                </button>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ItemProps {
    info: Rc<CollectionInfo>,
    /// The collection being run, if any (one run at a time).
    running: Option<AttrValue>,
    /// Collection, environment, and whether its secrets may go to the live server although
    /// they were set for another.
    on_run: Callback<(String, Option<String>, bool)>,
    on_reload: Callback<()>,
    on_note: Callback<Note>,
}

/// One collection: its environment (chosen here), Export and Run, its requests, and the
/// secrets that environment needs, each settable in place.
#[component]
fn CollectionItem(props: &ItemProps) -> Html {
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
struct SecretProps {
    collection: AttrValue,
    /// The environment declaring it; `None` for the collection's own.
    env: Option<String>,
    info: SecretInfo,
    on_reload: Callback<()>,
    on_note: Callback<Note>,
}

/// A secret variable: whether the keyring has it, a hidden field to set it, Forget. Its value
/// goes to the keyring and never comes back to the window.
#[component]
fn SecretRow(props: &SecretProps) -> Html {
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

fn run_result(run: &Run, on_run: &Callback<(String, Option<String>, bool)>) -> Html {
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
