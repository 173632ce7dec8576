//! Export actions of the History view: a stored session as a HAR 1.2 file, and a stored HTTP
//! request as a curl command to paste into a terminal (credentials as environment variables:
//! the command never holds them).

use mcpscope_proto::{IpcError, PickKind};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::ipc;

#[derive(Properties, PartialEq)]
pub struct SessionProps {
    pub session: AttrValue,
}

/// "HAR" for the session shown: written to the data directory's exports, the path shown.
#[component]
pub fn SessionExport(props: &SessionProps) -> Html {
    let state = use_state(|| None::<Result<String, IpcError>>);
    let export = {
        let (state, id) = (state.clone(), props.session.clone());
        Callback::from(move |_: MouseEvent| {
            let (state, id) = (state.clone(), id.clone());
            spawn_local(async move { state.set(Some(ipc::export_har(&id, None).await)) });
        })
    };
    let save_as = {
        let (state, id) = (state.clone(), props.session.clone());
        Callback::from(move |_: MouseEvent| {
            let (state, id) = (state.clone(), id.clone());
            spawn_local(async move {
                let file = format!("{id}.har");
                match ipc::pick_path(PickKind::Save, "Export the session as HAR", Some(&file)).await {
                    Ok(Some(dest)) => state.set(Some(ipc::export_har(&id, Some(&dest)).await)),
                    Ok(None) => {}
                    Err(e) => state.set(Some(Err(e))),
                }
            });
        })
    };
    html! {
        <section class="compare-sessions">
            <span class="panel-label">{"Export"}</span>
            <div class="roots-row">
                <button id="export-har" class="btn small" onclick={export}
                    title="Write this session as HAR 1.2 in the exports folder (credentials stay redacted)">{"HAR 1.2"}</button>
                <button id="export-har-save-as" class="btn small ghost" onclick={save_as}
                    title="Choose where the HAR file goes, in a file dialog">{"Save as…"}</button>
            </div>
            { match &*state {
                None => Html::default(),
                Some(Ok(path)) => html! {
                    <div id="export-har-path" class="ok small-text mono" title={path.clone()}>{format!("Saved: {path}")}</div>
                },
                Some(Err(e)) => html! { <div class="error small-text" role="alert">{e.message.clone()}</div> },
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct CurlProps {
    pub session_id: AttrValue,
    pub seq: u64,
}

/// "curl" under a stored HTTP request: the command, selectable, and Copy.
#[component]
pub fn CurlCommand(props: &CurlProps) -> Html {
    let state = use_state(|| None::<Result<String, IpcError>>);
    // None: not asked; Some(Ok): copied; Some(Err(why)): it could not be.
    let copied = use_state(|| None::<Result<(), String>>);
    let show = {
        let (state, id, seq) = (state.clone(), props.session_id.clone(), props.seq);
        Callback::from(move |_: MouseEvent| {
            if state.is_some() {
                state.set(None);
                return;
            }
            let (state, id) = (state.clone(), id.clone());
            spawn_local(async move { state.set(Some(ipc::record_curl(&id, seq).await)) });
        })
    };
    let copy = {
        let (state, copied) = (state.clone(), copied.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(Ok(text)) = &*state {
                let (text, copied) = (text.clone(), copied.clone());
                spawn_local(
                    async move { copied.set(Some(ipc::copy_text(&text).await.map_err(|e| e.message))) },
                );
            }
        })
    };
    html! {
        <section id="curl-panel" class="replay" aria-label="curl">
            <div class="replay-bar">
                <span class="col-title">{"curl"}</span>
                <span class="hint">{"credentials come from environment variables"}</span>
                <span class="spacer" />
                if matches!(&*state, Some(Ok(_))) {
                    <button id="copy-curl" class="btn small" onclick={copy}
                        title={match &*copied { Some(Err(why)) => format!("Could not copy: {why}"), _ => "Copy the command".to_owned() }}>
                        { match &*copied { Some(Ok(())) => "Copied", Some(Err(_)) => "Copy failed", None => "Copy" } }
                    </button>
                }
                <button id="show-curl" class="btn small" onclick={show}
                    title="This request as a curl command line">
                    { if state.is_some() { "Hide" } else { "Show" } }
                </button>
            </div>
            { match &*state {
                None => Html::default(),
                Some(Ok(text)) => html! { <pre id="curl-command" class="code mono curl-command">{text.clone()}</pre> },
                Some(Err(e)) => html! { <div class="save-result" data-ok="false" role="alert">{e.message.clone()}</div> },
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct RetentionProps {
    /// Called after sessions were deleted: the lists reload.
    pub on_changed: Callback<()>,
}

#[derive(Clone, PartialEq)]
enum Retained {
    Idle,
    /// Clear was asked for once; the second click deletes.
    Confirming,
    Done(String),
    Failed(String),
}

/// Retention: delete sessions older than some days or beyond some megabytes, or clear the
/// history (after a confirmation). The session being recorded always stays.
#[component]
pub fn Retention(props: &RetentionProps) -> Html {
    let days = use_state(|| "30".to_owned());
    let mb = use_state(String::new);
    let state = use_state(|| Retained::Idle);
    let number = |s: &str| s.trim().parse::<u32>().ok().filter(|n| *n > 0);
    let (d, m) = (number(&days), number(&mb));
    let on_days = {
        let days = days.clone();
        Callback::from(move |e: InputEvent| days.set(crate::components::field_value(&e)))
    };
    let on_mb = {
        let mb = mb.clone();
        Callback::from(move |e: InputEvent| mb.set(crate::components::field_value(&e)))
    };
    let done = {
        let (state, on_changed) = (state.clone(), props.on_changed.clone());
        move |result: Result<u64, IpcError>| match result {
            Ok(n) => {
                state.set(Retained::Done(match n {
                    1 => "Deleted 1 session".to_owned(),
                    n => format!("Deleted {n} sessions"),
                }));
                on_changed.emit(());
            }
            Err(e) => state.set(Retained::Failed(e.message)),
        }
    };
    let prune = {
        let done = done.clone();
        Callback::from(move |_: MouseEvent| {
            let done = done.clone();
            spawn_local(async move { done(ipc::history_prune(d, m).await) });
        })
    };
    let clear = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            if *state != Retained::Confirming {
                state.set(Retained::Confirming);
                return;
            }
            let done = done.clone();
            spawn_local(async move { done(ipc::history_clear().await) });
        })
    };
    let cancel = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.set(Retained::Idle))
    };
    let confirming = *state == Retained::Confirming;
    html! {
        <details class="retention compare-sessions">
            <summary class="panel-label">{"Retention"}</summary>
            <div class="roots-row">
                <input id="retention-days" class="mono num" type="text" inputmode="numeric" aria-label="Days to keep"
                    value={(*days).clone()} oninput={on_days} />
                <span class="small-text">{"days"}</span>
                <input id="retention-mb" class="mono num" type="text" inputmode="numeric" aria-label="Megabytes to keep"
                    placeholder="–" value={(*mb).clone()} oninput={on_mb} />
                <span class="small-text">{"MB"}</span>
            </div>
            <div class="roots-row">
                if confirming {
                    <span class="small-text">{"Delete every stored session?"}</span>
                    <span class="spacer" />
                    <button id="cancel-clear" class="btn small ghost" onclick={cancel}>{"Cancel"}</button>
                    <button id="clear-history" class="btn small danger" onclick={clear}>{"Delete all"}</button>
                } else {
                    <button id="prune-history" class="btn small" onclick={prune} disabled={d.is_none() && m.is_none()}
                        title="Delete sessions older than this, then the oldest beyond this size (the live session stays)">
                        {"Delete old"}
                    </button>
                    <span class="spacer" />
                    <button id="clear-history" class="btn small ghost" onclick={clear}
                        title="Delete the whole history (the live session stays)">{"Clear history…"}</button>
                }
            </div>
            { match &*state {
                Retained::Done(text) => html! { <div id="retention-result" class="ok small-text">{text.clone()}</div> },
                Retained::Failed(text) => html! { <div id="retention-result" class="error small-text" role="alert">{text.clone()}</div> },
                _ => Html::default(),
            } }
        </details>
    }
}
