//! Two versions of a server side by side: the tools, resources, templates and prompts two
//! stored sessions' servers listed, compared by name or URI.

use std::rc::Rc;

use mcpscope_proto::diff::ChangeKind;
use mcpscope_proto::{IpcError, ListDiff, PickKind, SessionInfo};
use serde_json::Value;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::field_value;
use crate::format;
use crate::ipc;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub sessions: crate::history::Shared<SessionInfo>,
    /// The session the results show (the one compared).
    pub shown: Option<AttrValue>,
}

#[component]
pub fn CompareSessions(props: &Props) -> Html {
    let other = use_state(|| None::<String>);
    let result = use_state(|| None::<Result<Rc<Vec<ListDiff>>, IpcError>>);
    let Some(shown) = props.shown.clone() else { return html! {} };
    let others: Vec<&SessionInfo> = props.sessions.iter().filter(|s| s.id != shown.as_str()).collect();
    if others.is_empty() {
        return html! {};
    }
    let on_other = {
        let other = other.clone();
        Callback::from(move |e: Event| other.set(Some(field_value(&e)).filter(|v| !v.is_empty())))
    };
    let compare = {
        let (other, result, shown, sessions) =
            (other.clone(), result.clone(), shown.clone(), props.sessions.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(o) = (*other).clone() else { return };
            // Older first: the changes read as what the newer server changed.
            let started = |id: &str| sessions.iter().find(|s| s.id == id).map_or(0, |s| s.started_at_us);
            let (old, new) =
                if started(&o) <= started(&shown) { (o, shown.to_string()) } else { (shown.to_string(), o) };
            let result = result.clone();
            spawn_local(async move { result.set(Some(ipc::diff_sessions(&old, &new).await.map(Rc::new))) });
        })
    };
    let body = match &*result {
        None => html! {},
        Some(Err(e)) => html! { <div class="error small-text">{e.message.clone()}</div> },
        Some(Ok(lists)) => html! {
            <ul id="compare-result" class="compare-result">
                { for lists.iter().map(|l| {
                    let head = match (&l.missing, l.changes.len()) {
                        (Some(m), _) => m.clone(),
                        (None, 0) => "the same".to_owned(),
                        (None, n) => format!("{n} changes"),
                    };
                    html! {
                        <li class="list-diff" data-method={l.method.clone()} data-changes={l.changes.len().to_string()}>
                            <div><span class="mono strong">{l.method.clone()}</span>{format!(" — {head}")}</div>
                            { for l.changes.iter().map(|c| {
                                let show = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
                                let (mark, text) = match c.kind {
                                    ChangeKind::Added => ("+", show(&c.new)),
                                    ChangeKind::Removed => ("−", show(&c.old)),
                                    ChangeKind::Changed => ("~", format!("{} → {}", show(&c.old), show(&c.new))),
                                };
                                let text: String = text.chars().take(160).collect();
                                html! {
                                    <div class={classes!("ld-change", format!("ld-{mark}"))} title={c.path.clone()}>
                                        <span class="mono">{format!("{mark} {}", c.path)}</span>
                                        <span class="muted">{text}</span>
                                    </div>
                                }
                            }) }
                        </li>
                    }
                }) }
            </ul>
        },
    };
    html! {
        <section class="compare-sessions">
            <span class="panel-label">{"Compare lists with"}</span>
            <div class="roots-row">
                <select id="compare-with" onchange={on_other} aria-label="The other session">
                    <option value="" selected={other.is_none()}>{"— another session —"}</option>
                    { for others.iter().map(|s| html! {
                        <option value={s.id.clone()} selected={other.as_deref() == Some(s.id.as_str())}>
                            {format!("{} · {}", format::local_date_time(s.started_at_us), s.url)}
                        </option>
                    }) }
                </select>
                <button id="compare-sessions" class="btn small" onclick={compare} disabled={other.is_none()}
                    title="Compare the tools, resources and prompts the two sessions' servers listed">{"Compare"}</button>
            </div>
            {body}
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct ReportProps {
    pub session: AttrValue,
}

/// A one-file bug report of the shown session: first what it redacts, then saved on request.
#[component]
pub fn BugReport(props: &ReportProps) -> Html {
    let state = use_state(|| None::<Result<mcpscope_proto::BugReport, IpcError>>);
    let ask = |write: bool| {
        let (state, id) = (state.clone(), props.session.clone());
        Callback::from(move |_: MouseEvent| {
            let (state, id) = (state.clone(), id.clone());
            spawn_local(async move { state.set(Some(ipc::bug_report(&id, write, None).await)) });
        })
    };
    let save_as = {
        let (state, id) = (state.clone(), props.session.clone());
        Callback::from(move |_: MouseEvent| {
            let (state, id) = (state.clone(), id.clone());
            spawn_local(async move {
                let file = format!("{id}.report.json");
                match ipc::pick_path(PickKind::Save, "Save the bug report", Some(&file)).await {
                    Ok(Some(dest)) => state.set(Some(ipc::bug_report(&id, true, Some(&dest)).await)),
                    Ok(None) => {}
                    Err(e) => state.set(Some(Err(e))),
                }
            });
        })
    };
    let body = match &*state {
        None => html! {},
        Some(Err(e)) => html! { <div class="error small-text">{e.message.clone()}</div> },
        Some(Ok(r)) => html! {
            <>
                { for r.path.as_ref().map(|p| html! { <div id="report-path" class="ok small-text">{format!("Saved: {p}")}</div> }) }
                <div class="small-text">{format!("{} places redacted or masked:", r.redactions.len())}</div>
                <ul id="report-redactions" class="compare-result">
                    { for r.redactions.iter().map(|x| html! {
                        <li class="ld-change"><span class="mono">{format!("#{} {}", x.seq, x.place)}</span>
                            <span class="muted">{x.shown_as.clone()}</span></li>
                    }) }
                </ul>
            </>
        },
    };
    let previewed = matches!(&*state, Some(Ok(_)));
    html! {
        <section class="compare-sessions">
            <span class="panel-label">{"Bug report"}</span>
            <div class="roots-row">
                <button id="report-preview" class="btn small" onclick={ask(false)}
                    title="List what the report redacts or masks, without writing it">{"Preview"}</button>
                <button id="report-save" class="btn small" onclick={ask(true)} disabled={!previewed}
                    title="Write the report (records, server, versions) to the data directory">{"Save report"}</button>
                <button id="report-save-as" class="btn small ghost" onclick={save_as} disabled={!previewed}
                    title="Choose where the report goes, in a file dialog">{"Save as…"}</button>
            </div>
            {body}
        </section>
    }
}
