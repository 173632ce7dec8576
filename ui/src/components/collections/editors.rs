//! The Collections pane's editors: the folder collections live in, and an import (a bundle
//! file or a collection folder).

use super::*;

#[derive(Properties, PartialEq)]
pub(super) struct FolderProps {
    pub(super) dir: AttrValue,
    pub(super) default_dir: bool,
    pub(super) on_note: Callback<Note>,
    pub(super) on_done: Callback<()>,
}

/// Chooses the collections folder: a path typed in (created when missing), or the default.
#[component]
pub(super) fn FolderEditor(props: &FolderProps) -> Html {
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
pub(super) struct ImportProps {
    pub(super) on_note: Callback<Note>,
    pub(super) on_done: Callback<()>,
}

/// Imports a bundle file (from Export or `mcpscope collection export`) or a collection folder.
#[component]
pub(super) fn ImportEditor(props: &ImportProps) -> Html {
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
