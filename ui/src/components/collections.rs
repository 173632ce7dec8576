//! Collections in the History view: "Save to collection" under a stored request (next to
//! Replay), and the Collections list in the left column: the folder they live in, import and
//! export, each collection's environment and secrets, and a run over the live session with a
//! row per request (✓/✗, name, method, time, what failed).

mod editors;
mod item;
mod save;

pub use save::SaveToCollection;

use editors::{FolderEditor, ImportEditor};
use item::{CollectionItem, run_result};

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
