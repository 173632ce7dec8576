//! The Auth view: the OAuth debugger on the left (one row per step of the flow, the selected
//! step's checks, fix and exchanges below), the token inspector on the right (decoded token,
//! expiry countdown, checks; refresh, reveal, log out).
//!
//! Tokens never reach the UI unless the user presses Reveal: the inspector shows the engine's
//! [`TokenReport`]s, which carry claims and verdicts only.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use mcpscope_proto::auth::{Check, Step, StepKind, TokenReport, Verdict};
use mcpscope_proto::{AuthStatus, IpcError};
use serde_json::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::json_view::JsonView;
use crate::components::splitter::Splitter;
use crate::format;
use crate::ipc;
use crate::state::{Action, State, View};

/// A token command without a value (refresh, log out).
type UnitCall = fn() -> Pin<Box<dyn Future<Output = Result<(), IpcError>>>>;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub steps: Rc<Vec<Step>>,
    /// Index of the step to detail.
    pub shown: Option<usize>,
    pub dispatch: UseReducerDispatcher<State>,
    pub on_view: Callback<View>,
}

/// The serde name of a step kind (`resource_metadata`), as `data-kind` carries it.
fn kind_name(kind: StepKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn verdict_badge(v: Verdict) -> Html {
    html! { <span class={classes!("vbadge", format!("v-{}", v.label()))}>{v.label()}</span> }
}

fn waiting_badge() -> Html {
    html! { <span class="vbadge v-waiting"><span class="spinner" />{"waiting…"}</span> }
}

fn check_rows(checks: &[Check], class: &'static str) -> Html {
    html! {
        <ul class="checks">
            { for checks.iter().map(|c| html! {
                <li class={classes!("check", class)} data-verdict={c.verdict.label()}>
                    {verdict_badge(c.verdict)}
                    <span class="check-text">
                        <span class="check-message">{c.message.clone()}</span>
                        <span class="check-rule">{c.rule.clone()}</span>
                    </span>
                </li>
            }) }
        </ul>
    }
}

#[component]
pub fn AuthView(props: &Props) -> Html {
    let status = use_state(|| None::<AuthStatus>);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let revealed = use_state(|| None::<String>);

    let load = {
        let (status, error) = (status.clone(), error.clone());
        Callback::from(move |()| {
            let (status, error) = (status.clone(), error.clone());
            spawn_local(async move {
                match ipc::auth_status().await {
                    Ok(s) => {
                        status.set(Some(s));
                        error.set(None);
                    }
                    Err(e) => error.set(Some(format!("Could not read the token status: {}", e.message))),
                }
            });
        })
    };
    // Load when the view opens and whenever a token arrives (token or refresh step finished).
    let token_steps = props
        .steps
        .iter()
        .filter(|s| !s.waiting && matches!(s.kind, StepKind::Token | StepKind::Refresh))
        .count();
    {
        let load = load.clone();
        use_effect_with(token_steps, move |_| load.emit(()));
    }

    // Runs a token action, then reloads the status.
    let action = |what: &'static str, run: UnitCall| {
        let (error, busy, load, revealed) = (error.clone(), busy.clone(), load.clone(), revealed.clone());
        Callback::from(move |_: MouseEvent| {
            let (error, busy, load, revealed) = (error.clone(), busy.clone(), load.clone(), revealed.clone());
            busy.set(true);
            revealed.set(None);
            spawn_local(async move {
                let result = run().await;
                busy.set(false);
                match result {
                    Ok(()) => load.emit(()),
                    Err(e) => error.set(Some(format!("{what} failed: {}", e.message))),
                }
            });
        })
    };
    let on_refresh = action("Refreshing the token", || Box::pin(ipc::auth_refresh()));
    let on_logout = action("Logging out", || Box::pin(ipc::auth_logout()));
    let on_reveal = {
        let (revealed, error) = (revealed.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (revealed, error) = (revealed.clone(), error.clone());
            spawn_local(async move {
                match ipc::auth_reveal().await {
                    Ok(token) => revealed.set(Some(token)),
                    Err(e) => error.set(Some(format!("Could not reveal the token: {}", e.message))),
                }
            });
        })
    };
    let on_hide = {
        let revealed = revealed.clone();
        Callback::from(move |_: MouseEvent| revealed.set(None))
    };
    let on_check = load.reform(|_: MouseEvent| ());

    let have_tokens = status.as_ref().is_some_and(|s| !s.tokens.is_empty());
    let token_body = match &*status {
        None => html! { <div class="empty">{"Loading…"}</div> },
        Some(s) if !s.enabled && props.steps.is_empty() => html! {
            <div class="empty">{"OAuth is off for this connection: no token to inspect."}</div>
        },
        Some(s) if s.tokens.is_empty() => html! {
            <div class="empty">{"No token yet: it appears here once the token request succeeds."}</div>
        },
        Some(s) => s.tokens.iter().map(token_card).collect::<Html>(),
    };

    html! {
        <main class="workspace auth" id="auth-view">
            <section class="auth-flow">
                <div class="toolbar">
                    <span class="col-title">{"OAuth flow"}</span>
                    <span class="count">{plural(props.steps.len(), "step", "steps")}</span>
                    <span class="spacer" />
                    <span class="kbd-hint">{"↑ ↓ select a step"}</span>
                </div>
                if props.steps.is_empty() {
                    <div class="empty auth-empty">
                        {"Turn on OAuth in the connection bar and connect to a server that answers 401; \
                          each step of the flow shows up here with what was checked."}
                    </div>
                } else {
                    <StepList steps={props.steps.clone()} shown={props.shown} dispatch={props.dispatch.clone()} />
                    { for props.shown.and_then(|i| props.steps.get(i)).map(|step| html! {
                        <StepDetail step={step.clone()} dispatch={props.dispatch.clone()} on_view={props.on_view.clone()} />
                    }) }
                }
            </section>
            <Splitter pane={crate::layout::Pane::Token} id="split-token" label="Resize the token panel" />
            <aside id="token-panel" class="token-panel">
                <div class="pane-head">
                    <span class="col-title">{"Token"}</span>
                    <span class="spacer" />
                    <button id="token-check" class="btn small" onclick={on_check}
                        title="Decode and check the current tokens again">{"Check token"}</button>
                    <button id="token-refresh" class="btn small" onclick={on_refresh} disabled={*busy || !have_tokens}
                        title="Get a new access token with the refresh token">{"Refresh"}</button>
                    <button id="token-reveal" class="btn small" onclick={on_reveal} disabled={!have_tokens}
                        title="Show the raw access token">{"Reveal"}</button>
                    <button id="token-logout" class="btn small" onclick={on_logout} disabled={*busy || !have_tokens}
                        title="Forget the tokens (memory and keyring)">{"Log out"}</button>
                </div>
                <div class="token-body">
                    if let Some(e) = &*error {
                        <div class="inline-error">{e.clone()}</div>
                    }
                    if let Some(token) = &*revealed {
                        <div class="token-raw-box">
                            <div class="col-head">
                                <span class="col-title">{"Access token"}</span>
                                <span class="spacer" />
                                <button id="token-hide" class="btn small" onclick={on_hide}>{"Hide"}</button>
                            </div>
                            <div id="token-raw" class="selectable mono">{token.clone()}</div>
                        </div>
                    }
                    {token_body}
                    if let Some(s) = status.as_ref().filter(|s| !s.store.is_empty()) {
                        <div class="token-store">{format!("Tokens are kept in {}.", s.store.trim_end_matches('.'))}</div>
                    }
                </div>
            </aside>
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct StepListProps {
    steps: Rc<Vec<Step>>,
    shown: Option<usize>,
    dispatch: UseReducerDispatcher<State>,
}

#[component]
fn StepList(props: &StepListProps) -> Html {
    html! {
        <ol id="auth-steps" class="auth-steps" tabindex="0" aria-label="Steps of the OAuth flow">
            { for props.steps.iter().enumerate().map(|(i, step)| {
                let selected = props.shown == Some(i);
                let n = step.exchanges.len();
                html! {
                    <li class={classes!("auth-step", selected.then_some("selected"))}
                        data-kind={kind_name(step.kind)} data-verdict={step.verdict().label()}
                        data-waiting={step.waiting.to_string()} aria-selected={selected.to_string()}
                        onclick={props.dispatch.to_callback().reform(move |_: MouseEvent| Action::SelectAuthStep(i))}>
                        <span class="step-n">{i + 1}</span>
                        <span class="step-title">{step.kind.title()}</span>
                        <span class="step-exch">{ if n == 0 { String::new() } else { plural(n, "exchange", "exchanges") } }</span>
                        { if step.waiting { waiting_badge() } else { verdict_badge(step.verdict()) } }
                    </li>
                }
            }) }
        </ol>
    }
}

#[derive(Properties, PartialEq)]
struct StepDetailProps {
    step: Step,
    dispatch: UseReducerDispatcher<State>,
    on_view: Callback<View>,
}

#[component]
fn StepDetail(props: &StepDetailProps) -> Html {
    let step = &props.step;
    let copied = use_state(|| None::<bool>);
    // What "Open in browser" said: Ok, or why it could not.
    let opened = use_state(|| None::<Result<(), String>>);
    let show_exchange = |id: u64| {
        let (dispatch, on_view) = (props.dispatch.clone(), props.on_view.clone());
        Callback::from(move |_: MouseEvent| {
            dispatch.dispatch(Action::SetExchange(Some(id)));
            on_view.emit(View::Live);
        })
    };
    let url_box = step.url.as_ref().filter(|_| step.waiting).map(|url| {
        let on_copy = {
            let (url, copied) = (url.clone(), copied.clone());
            Callback::from(move |_: MouseEvent| {
                let (url, copied) = (url.clone(), copied.clone());
                spawn_local(async move { copied.set(Some(ipc::copy_text(&url).await.is_ok())) });
            })
        };
        let on_open = {
            let (url, opened) = (url.clone(), opened.clone());
            Callback::from(move |_: MouseEvent| {
                let (url, opened) = (url.clone(), opened.clone());
                // The system browser, through the app's opener (http/https only, no shell).
                spawn_local(async move { opened.set(Some(ipc::open_external(&url).await.map_err(|e| e.message))) });
            })
        };
        html! {
            <div class="auth-wait">
                <div>{"Open this URL in a browser to authorize; mcpscope is waiting for the redirect."}</div>
                <div class="url-line">
                    <div id="auth-url" class="selectable mono">{url.clone()}</div>
                    <button id="auth-url-open" class="btn small" onclick={on_open}
                        title="Open the authorization page in your browser">{"Open in browser"}</button>
                    <button id="auth-url-copy" class="btn small" onclick={on_copy}>{"Copy"}</button>
                </div>
                { match *copied {
                    Some(true) => html! { <div class="hint">{"Copied."}</div> },
                    Some(false) => html! { <div class="hint error">{"Could not copy: select the text and press Ctrl+C."}</div> },
                    None => html! {},
                } }
                { match &*opened {
                    Some(Ok(())) => html! { <div id="auth-url-opened" class="hint">{"Opened in your browser: approve there, mcpscope waits."}</div> },
                    Some(Err(why)) => html! { <div id="auth-url-opened" class="hint error">{format!("Could not open the browser: {why}")}</div> },
                    None => html! {},
                } }
            </div>
        }
    });
    html! {
        <div id="auth-detail" class="auth-detail" tabindex="-1" data-kind={kind_name(step.kind)}>
            <div class="auth-detail-head">
                <span class="strong">{step.kind.title()}</span>
                { if step.waiting { waiting_badge() } else { verdict_badge(step.verdict()) } }
            </div>
            {for url_box}
            if step.checks.is_empty() && !step.waiting {
                <div class="muted">{"Nothing was checked in this step."}</div>
            }
            {check_rows(&step.checks, "step-check")}
            if let Some(fix) = &step.fix {
                <div class="auth-fix"><span class="strong">{"What to fix on the server: "}</span>{fix.clone()}</div>
            }
            if !step.exchanges.is_empty() {
                <div class="auth-exchanges">
                    { for step.exchanges.iter().map(|&id| html! {
                        <button class="btn small exchange-link" data-exchange={id.to_string()} onclick={show_exchange(id)}>
                            {format!("Show exchange #{id} in the timeline")}
                        </button>
                    }) }
                </div>
            }
        </div>
    }
}

fn pretty(v: &Value) -> AttrValue {
    AttrValue::from(serde_json::to_string_pretty(v).unwrap_or_default())
}

fn token_card(t: &TokenReport) -> Html {
    let access = t.role == "access_token";
    let role = match t.role.as_str() {
        "access_token" => "Access token",
        "id_token" => "ID token",
        "dpop_proof" => "DPoP proof (the last one sent)",
        other => other,
    };
    html! {
        <section class="token-card" data-role={t.role.clone()}>
            <div class="token-head">
                <span class="strong">{role}</span>
                <span class="badge">{ if t.jwt { "JWT" } else { "opaque" } }</span>
                <span class="spacer" />
                {verdict_badge(t.verdict())}
            </div>
            <dl class="meta">
                if let Some(at) = t.expires_at {
                    <dt>{"expiry"}</dt>
                    <dd>{format::local_date_time(at.saturating_mul(1_000_000))}{" · "}<Countdown expires_at={at} /></dd>
                }
                // Each time claim read as a local time and how far from now, beside its number.
                { for format::TIME_CLAIMS.iter().filter_map(|&(claim, what)| {
                    let at = t.claims.as_ref()?.get(claim)?.as_i64()?;
                    Some(html! {
                        <>
                            <dt title={what}>{claim}</dt>
                            <dd class="claim-time" data-claim={claim}>
                                {format::local_date_time(at.saturating_mul(1_000_000))}{" · "}
                                <Countdown expires_at={at} relative=true />
                                <span class="muted mono">{format!(" ({at})")}</span>
                            </dd>
                        </>
                    })
                }) }
                if !t.scopes.is_empty() {
                    <dt>{"scopes"}</dt><dd class="mono">{t.scopes.join(" ")}</dd>
                }
            </dl>
            {check_rows(&t.checks, "token-check")}
            if let Some(h) = &t.header {
                <div class="token-json-title">{"header"}</div>
                <JsonView text={pretty(h)} class="token-json" />
            }
            if let Some(c) = &t.claims {
                <div class="token-json-title">{"claims"}</div>
                <JsonView text={pretty(c)} class="token-json"
                    id={access.then(|| AttrValue::from("token-claims"))} />
            }
            if !t.jwt {
                <div class="muted">{"An opaque token: only the token response describes it."}</div>
            }
        </section>
    }
}

fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

#[derive(Properties, PartialEq)]
struct CountdownProps {
    /// Seconds since the epoch.
    expires_at: i64,
    /// "in 5 min" / "3 min ago" instead of "expires in" / "expired … ago".
    #[prop_or_default]
    relative: bool,
}

/// "in 59 min 12 s", ticking every second (only this text re-renders).
#[component]
fn Countdown(props: &CountdownProps) -> Html {
    let now = use_state(now_secs);
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let tick = Closure::<dyn Fn()>::new(move || now.set(now_secs()));
            let window = web_sys::window();
            let id = window.as_ref().and_then(|w| {
                w.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 1000)
                    .ok()
            });
            move || {
                if let (Some(w), Some(id)) = (window, id) {
                    w.clear_interval_with_handle(id);
                }
                drop(tick);
            }
        });
    }
    let left = props.expires_at - *now;
    html! {
        if props.relative {
            <span class="relative">{format::relative(left)}</span>
        } else {
            <span class={classes!("countdown", (left <= 0).then_some("expired"))}>{format::countdown(left)}</span>
        }
    }
}
