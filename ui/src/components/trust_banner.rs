//! The trust banner: the tools, prompts and templates that changed since the user trusted
//! this server (a "rug pull" shows here), each change by field, with "Trust this version".
//! It sits above the workspace and never covers the timeline.

use std::rc::Rc;

use mcpscope_proto::UiEvent;
use mcpscope_proto::diff::ChangeKind;
use mcpscope_proto::trust::{Drift, TrustChange, TrustReport};
use serde_json::Value;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::ipc;
use crate::state::{Action, State};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub report: Option<Rc<TrustReport>>,
    pub dispatch: UseReducerDispatcher<State>,
}

#[component]
pub fn TrustBanner(props: &Props) -> Html {
    let open = use_state(|| false);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let Some(report) = props.report.as_ref().filter(|r| !r.changes.is_empty()) else {
        return html! {};
    };
    let n = report.changes.len();
    let names: Vec<String> =
        report.changes.iter().map(|c| format!("{} ({})", c.name, c.drift.as_str())).collect();
    let toggle = {
        let open = open.clone();
        Callback::from(move |_| open.set(!*open))
    };
    let trust = {
        let (dispatch, error, busy) = (props.dispatch.clone(), error.clone(), busy.clone());
        Callback::from(move |_| {
            let (dispatch, error, busy) = (dispatch.clone(), error.clone(), busy.clone());
            busy.set(true);
            spawn_local(async move {
                match ipc::trust_current().await {
                    Ok(report) => {
                        error.set(None);
                        dispatch.dispatch(Action::Events(vec![UiEvent::Trust { report }]));
                    }
                    Err(e) => error.set(Some(e.message)),
                }
                busy.set(false);
            });
        })
    };
    let dismiss = props.dispatch.to_callback().reform(|_: MouseEvent| Action::DismissTrust);
    html! {
        <section id="trust-banner" class="trust-banner" role="alert" aria-label="Server changes since you trusted it">
            <div class="trust-head">
                <span class="trust-title">{format!("⚠ {n} change{} since you trusted this server", if n == 1 { "" } else { "s" })}</span>
                <span class="trust-names" title={report.server.clone()}>{names.join(", ")}</span>
                <button id="trust-details" class="btn small ghost" onclick={toggle} aria-expanded={(*open).to_string()}>
                    { if *open { "Hide changes" } else { "Show changes" } }
                </button>
                <button id="trust-accept" class="btn small primary" onclick={trust} disabled={*busy}
                    title="Trust what the server lists now: the next connection compares against it">
                    {"Trust this version"}
                </button>
                <button id="trust-dismiss" class="btn small ghost" onclick={dismiss} title="Hide until the next connection">{"Dismiss"}</button>
            </div>
            if let Some(e) = &*error { <div class="error-text">{e.clone()}</div> }
            if *open {
                <ul class="trust-list">
                    { for report.changes.iter().map(change) }
                </ul>
            }
        </section>
    }
}

fn change(c: &TrustChange) -> Html {
    let what = match c.drift {
        Drift::Added => "new",
        Drift::Removed => "gone",
        Drift::Changed => "changed",
    };
    html! {
        <li class="trust-change" data-name={c.name.clone()} data-drift={c.drift.as_str()}>
            <span class="muted">{format!("{} ", c.kind.as_str().replace('-', " "))}</span>
            <code>{c.name.clone()}</code>
            <span class="muted">{format!(" {what}")}</span>
            { for c.fields.iter().map(|f| {
                let show = |v: &Option<Value>| match v {
                    None => "(none)".to_owned(),
                    Some(Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                };
                let (was, now) = match f.kind {
                    ChangeKind::Added => ("(none)".to_owned(), show(&f.new)),
                    ChangeKind::Removed => (show(&f.old), "(none)".to_owned()),
                    ChangeKind::Changed => (show(&f.old), show(&f.new)),
                };
                html! {
                    <div class="trust-field" data-path={f.path.clone()}>
                        <span class="path">{f.path.clone()}</span>
                        <span class="was">{mcpscope_proto::lint::revealed(&was).into_owned()}</span>
                        <span class="now">{mcpscope_proto::lint::revealed(&now).into_owned()}</span>
                    </div>
                }
            }) }
        </li>
    }
}
