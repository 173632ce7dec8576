//! Replay, in the History view's detail pane: sends the selected stored request again on the
//! live session — as recorded, or with edited params — and shows how the answer differs from
//! the recorded one, change by change.

use std::rc::Rc;

use mcpscope_proto::diff::{Change, ChangeKind};
use mcpscope_proto::{IpcError, Record, RecordKind, Replay, RpcKind};
use serde_json::Value;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::json_view::JsonView;
use crate::components::text_into;
use crate::hooks::use_command::{Pending, use_command};
use crate::ipc;

/// Longest value text shown in a diff row; the full response is below it.
const MAX_VALUE_CHARS: usize = 600;

/// What the replay panel says when the backend has no live session.
pub const NOT_CONNECTED: &str = "Connect to a server first; the replay goes over the live session.";

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The stored session the request belongs to.
    pub session_id: AttrValue,
    /// The stored request (an `http-request` carrying a JSON-RPC request).
    pub record: Rc<Record>,
}

/// Whether `r` is a request the engine can replay.
pub fn replayable(r: &Record) -> bool {
    matches!(r.kind, RecordKind::HttpRequest { .. })
        && r.rpc.as_ref().is_some_and(|rpc| rpc.kind == RpcKind::Request)
}

/// The edited params: `Ok` to send, `Err` says what is wrong.
fn parse_params(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Err("Write the params as JSON, e.g. {}".to_owned());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) if v.is_object() || v.is_array() => Ok(v),
        Ok(_) => Err("JSON-RPC params are an object (or an array)".to_owned()),
        Err(e) => Err(format!("Not valid JSON: {e}")),
    }
}

/// The one-line verdict and whether the answer changed.
fn verdict(r: &Replay) -> (String, &'static str) {
    match (&r.original, r.changes.len()) {
        (None, _) => ("No recorded answer to compare".to_owned(), "none"),
        (Some(_), 0) => ("Same answer as recorded".to_owned(), "same"),
        (Some(_), 1) => ("1 change".to_owned(), "changed"),
        (Some(_), n) => (format!("{n} changes"), "changed"),
    }
}

#[component]
pub fn ReplayPanel(props: &Props) -> Html {
    let recorded = props
        .record
        .rpc
        .as_ref()
        .and_then(|rpc| Replay::default_params(&rpc.message))
        .map(|p| serde_json::to_string_pretty(&p).unwrap_or_default())
        .unwrap_or_else(|| "{}".to_owned());
    let editing = use_state(|| false);
    let text = use_state(move || recorded);
    let outcome = use_command::<Rc<Replay>>();

    let edited = editing.then(|| parse_params(&text));
    let invalid = matches!(edited, Some(Err(_)));
    let running = outcome.state().is_running();

    let replay = {
        let (outcome, session_id, seq) = (outcome.clone(), props.session_id.clone(), props.record.seq);
        let params = edited.clone().and_then(Result::ok);
        Callback::from(move |_: MouseEvent| {
            let (session_id, params) = (session_id.clone(), params.clone());
            outcome.run(async move { ipc::replay(&session_id, seq, params).await.map(Rc::new) });
        })
    };
    let toggle_edit = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| editing.set(!*editing))
    };
    let on_text = text_into::<Event>(&text);

    let replay_title = if *editing {
        "Send this request again on the live session, with the params below"
    } else {
        "Send this request again on the live session, as recorded, and compare the answers"
    };

    html! {
        <section id="replay-panel" class="replay" aria-label="Replay">
            <div class="replay-bar">
                <span class="col-title">{"Replay"}</span>
                <span class="hint">{"on the live session"}</span>
                <span class="spacer" />
                <button id="replay-edit" class={classes!("btn", "small", "toggle", editing.then_some("on"))}
                    aria-pressed={editing.to_string()} onclick={toggle_edit}
                    title="Change the params before sending">
                    <span class="led" />{"Edit & replay"}
                </button>
                <button id="replay" class="btn small primary" disabled={running || invalid}
                    title={replay_title} onclick={replay}>
                    { if running { "Replaying…" } else { "Replay" } }
                </button>
            </div>
            if *editing {
                <div class="replay-editor">
                    <textarea id="replay-params" class={classes!("mono", invalid.then_some("invalid"))}
                        spellcheck="false" aria-label="Params to send" value={(*text).clone()}
                        oninput={on_text.reform(Event::from)} onchange={on_text} />
                    // One node whether or not there is an error: the diff then never trades
                    // the textarea (focus, caret) for the error line.
                    if let Some(Err(e)) = edited {
                        <div id="replay-params-error" class="field-error" role="alert">{e}</div>
                    }
                </div>
            }
            { result(outcome.state()) }
        </section>
    }
}

fn result(outcome: &Pending<Rc<Replay>>) -> Html {
    let body = match outcome {
        Pending::Idle => return Html::default(),
        Pending::Running => html! { <div class="verdict muted">{"Waiting for the answer…"}</div> },
        Pending::Failed(e) => {
            let message = if e.kind == mcpscope_proto::IpcErrorKind::NotConnected {
                NOT_CONNECTED.to_owned()
            } else {
                e.message.clone()
            };
            html! { <div class="verdict" data-verdict="failed" role="alert">{message}</div> }
        }
        Pending::Done(r) => {
            let (line, tag) = verdict(r);
            let response = serde_json::to_string_pretty(&r.response).unwrap_or_default();
            html! {
                <>
                    <div class="verdict" data-verdict={tag}>
                        <span class="verdict-mark">{ match tag { "same" => "✓", "changed" => "≠", _ => "·" } }</span>
                        <span class="strong">{line}</span>
                        <span class="spacer" />
                        <span class="mono muted">{r.method.clone()}</span>
                    </div>
                    if !r.changes.is_empty() {
                        <div class="diff">{ for r.changes.iter().map(diff_row) }</div>
                    }
                    <details class="replay-response">
                        <summary>{"New response"}</summary>
                        <JsonView text={response} />
                    </details>
                </>
            }
        }
    };
    html! { <div id="replay-result" class="replay-result" aria-live="polite">{body}</div> }
}

fn value_text(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    match s.char_indices().nth(MAX_VALUE_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

fn diff_row(c: &Change) -> Html {
    let kind = match c.kind {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Changed => "changed",
    };
    let path = if c.path.is_empty() { "/".to_owned() } else { c.path.clone() };
    html! {
        <div class="diff-row" data-kind={kind}>
            <div class="diff-path mono" title={kind}><span class="diff-kind">{kind}</span>{path}</div>
            { for c.old.as_ref().map(|v| html! {
                <div class="diff-old mono"><span class="diff-sign">{"−"}</span><del>{value_text(v)}</del></div>
            }) }
            { for c.new.as_ref().map(|v| html! {
                <div class="diff-new mono"><span class="diff-sign">{"+"}</span><ins>{value_text(v)}</ins></div>
            }) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_must_be_json_objects_or_arrays() {
        assert_eq!(parse_params(r#"{"a": 1}"#), Ok(json!({"a": 1})));
        assert_eq!(parse_params("[1]"), Ok(json!([1])));
        assert!(parse_params("").is_err());
        assert!(parse_params("3").is_err());
        assert!(parse_params("{").unwrap_err().starts_with("Not valid JSON"));
    }

    #[test]
    fn verdict_counts_changes() {
        let mut r =
            Replay { method: "m".into(), params: None, response: json!({}), original: None, changes: vec![] };
        assert_eq!(verdict(&r).0, "No recorded answer to compare");
        r.original = Some(json!({}));
        assert_eq!(verdict(&r).0, "Same answer as recorded");
        let c = Change { path: "/a".into(), kind: ChangeKind::Added, old: None, new: Some(json!(1)) };
        r.changes = vec![c.clone()];
        assert_eq!(verdict(&r).0, "1 change");
        r.changes = vec![c.clone(), c];
        assert_eq!(verdict(&r).0, "2 changes");
    }
}

#[derive(Properties, PartialEq)]
pub struct SessionProps {
    pub session_id: AttrValue,
}

/// Replays every client request of the stored session, in order, over the live session: one
/// row per request saying whether its answer is the same as recorded.
#[component]
pub fn SessionReplay(props: &SessionProps) -> Html {
    let steps = use_state(|| None::<Result<Rc<Vec<mcpscope_proto::ReplayStep>>, IpcError>>);
    let running = use_state(|| false);
    let run = {
        let (steps, running, id) = (steps.clone(), running.clone(), props.session_id.clone());
        Callback::from(move |_: MouseEvent| {
            let (steps, running, id) = (steps.clone(), running.clone(), id.clone());
            running.set(true);
            spawn_local(async move {
                steps.set(Some(ipc::replay_session(&id).await.map(Rc::new)));
                running.set(false);
            });
        })
    };
    let body = match &*steps {
        None => html! {},
        Some(Err(e)) if e.kind == mcpscope_proto::IpcErrorKind::NotConnected => {
            html! { <div class="muted">{NOT_CONNECTED}</div> }
        }
        Some(Err(e)) => html! { <div class="error">{e.message.clone()}</div> },
        Some(Ok(list)) => {
            let differ = list
                .iter()
                .filter(|s| s.error.is_some() || s.replay.as_ref().is_some_and(|r| !r.changes.is_empty()))
                .count();
            html! {
                <>
                    <div id="session-replay-summary" class="strong">
                        {format!("{} requests replayed, {differ} differ from the recording", list.len())}
                    </div>
                    <ul class="replay-steps">
                        { for list.iter().map(|s| {
                            let (what, v) = match (&s.replay, &s.error) {
                                (_, Some(e)) => (format!("failed: {e}"), "failed"),
                                (Some(r), None) => verdict(r),
                                (None, None) => (String::new(), "none"),
                            };
                            html! {
                                <li class={classes!("replay-step", format!("v-{v}"))} data-verdict={v}>
                                    <span class="mono">{format!("#{}", s.seq)}</span>
                                    <span class="mono">{s.method.clone()}</span>
                                    <span>{what}</span>
                                </li>
                            }
                        }) }
                    </ul>
                </>
            }
        }
    };
    html! {
        <section class="session-replay">
            <div class="actions">
                <button id="replay-session" class="btn small" onclick={run} disabled={*running}
                    title="Send every client request of this session again, in order, and compare each answer">
                    { if *running { "Replaying the session…" } else { "Replay the whole session" } }
                </button>
            </div>
            {body}
        </section>
    }
}
