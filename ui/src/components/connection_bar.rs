//! Top bar: where to connect and how, the connect/demo buttons, and the connection status.

use mcpscope_proto::{
    AuthRequest, ConnectRequest, ConnectionState, ConnectionStatus, PROTOCOL_VERSIONS, TransportChoice,
};
use web_sys::HtmlSelectElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::import_servers::ImportServers;
use crate::components::start_panel::StartPick;
use crate::components::view_switch::ViewSwitch;
use crate::components::{field_checked, field_value, text_into};
use crate::format;
use crate::hooks::use_record_choice::RecordChoice;
use crate::hooks::use_theme::use_theme;
use crate::ipc;
use crate::parse;
use crate::state::{Action, State, View};

const DEFAULT_URL: &str = "http://127.0.0.1:3001/mcp";
const NEGOTIATE: &str = "negotiate";

const TRANSPORTS: [(TransportChoice, &str, &str); 3] = [
    (TransportChoice::Auto, "auto", "Auto"),
    (TransportChoice::Streamable, "streamable", "Streamable HTTP"),
    (TransportChoice::Sse, "sse", "HTTP+SSE (legacy)"),
];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub conn: ConnectionState,
    /// A choice from the start panel, numbered so the same choice twice acts twice.
    #[prop_or_default]
    pub start: Option<(u32, StartPick)>,
    pub dispatch: UseReducerDispatcher<State>,
    pub view: View,
    pub on_view: Callback<View>,
    /// The Record box (shared with the Settings view).
    pub record: RecordChoice,
}

/// Starts proxy mode for `req`'s server, reporting the outcome through `dispatch`.
fn start_proxy(dispatch: UseReducerDispatcher<State>, req: ConnectRequest) {
    dispatch.dispatch(Action::Connecting(req.url.clone()));
    spawn_local(async move {
        match ipc::start_proxy(&req).await {
            Ok(state) => dispatch.dispatch(Action::Conn(state)),
            Err(e) => dispatch.dispatch(Action::Failed(e.message)),
        }
    });
}

/// Connects with `req`, reporting progress and the outcome through `dispatch`.
fn connect(dispatch: UseReducerDispatcher<State>, req: ConnectRequest) {
    dispatch.dispatch(Action::Connecting(req.url.clone()));
    spawn_local(async move {
        match ipc::connect(&req).await {
            Ok(state) => dispatch.dispatch(Action::Conn(state)),
            Err(e) => dispatch.dispatch(Action::Failed(e.message)),
        }
    });
}

#[component]
pub fn ConnectionBar(props: &Props) -> Html {
    let url = use_state(|| DEFAULT_URL.to_owned());
    let transport = use_state(|| TransportChoice::Auto);
    let version = use_state(|| NEGOTIATE.to_owned());
    let headers_text = use_state(String::new);
    let headers_open = use_state(|| false);
    let import_open = use_state(|| false);
    let roots_text = use_state(String::new);
    let roots_note = use_state(|| None::<Result<String, String>>);
    let oauth = use_state(OAuthFields::default);
    let record = props.record.on;
    let (dark, toggle_theme) = use_theme();

    let headers = parse::headers(&headers_text);
    let status = props.conn.status;
    let live = matches!(
        status,
        ConnectionStatus::Connected | ConnectionStatus::Connecting | ConnectionStatus::SessionExpired
    );

    let request_for = {
        let (transport, version, headers) = (*transport, (*version).clone(), headers.clone());
        let auth = oauth.request();
        move |url: String| ConnectRequest {
            url: url.trim().to_owned(),
            transport,
            protocol_version: (version != NEGOTIATE).then(|| version.clone()),
            headers: headers.clone().unwrap_or_default(),
            auth: auth.clone(),
            no_history: !record,
        }
    };

    let connect_blocked = !live && (headers.is_err() || url.trim().is_empty());
    let toggle_connection = {
        let (dispatch, url, request_for) = (props.dispatch.clone(), url.clone(), request_for.clone());
        Callback::from(move |()| {
            let dispatch = dispatch.clone();
            if live {
                spawn_local(async move {
                    if let Err(e) = ipc::disconnect().await {
                        dispatch.dispatch(Action::Failed(e.message));
                        return;
                    }
                    match ipc::state().await {
                        Ok(state) => dispatch.dispatch(Action::Conn(state)),
                        Err(e) => dispatch.dispatch(Action::Failed(e.message)),
                    }
                });
            } else if !connect_blocked {
                connect(dispatch, request_for((*url).clone()));
            }
        })
    };
    let run_demo = {
        let (dispatch, url, request_for) = (props.dispatch.clone(), url.clone(), request_for.clone());
        move || {
            let (dispatch, url, request_for) = (dispatch.clone(), url.clone(), request_for.clone());
            spawn_local(async move {
                match ipc::start_demo().await {
                    Ok(demo_url) => {
                        url.set(demo_url.clone());
                        connect(dispatch, request_for(demo_url));
                    }
                    Err(e) => dispatch
                        .dispatch(Action::Failed(format!("The demo server did not start: {}", e.message))),
                }
            });
        }
    };
    let on_demo = {
        let run_demo = run_demo.clone();
        Callback::from(move |_: MouseEvent| run_demo())
    };
    let on_proxy = {
        let (dispatch, url, request_for) = (props.dispatch.clone(), url.clone(), request_for.clone());
        Callback::from(move |_: MouseEvent| start_proxy(dispatch.clone(), request_for((*url).clone())))
    };
    // The start panel's choice: carried out here, where the connection's fields live.
    {
        let (run_demo, url, transport, import_open, dispatch, request_for) = (
            run_demo.clone(),
            url.clone(),
            transport.clone(),
            import_open.clone(),
            props.dispatch.clone(),
            request_for.clone(),
        );
        use_effect_with(props.start.clone(), move |start| match start.as_ref().map(|(_, pick)| pick) {
            Some(StartPick::Demo) => run_demo(),
            Some(StartPick::Server { url: u, transport: t }) => {
                url.set(u.clone());
                transport.set(*t);
                let mut req = request_for(u.clone());
                req.transport = *t;
                connect(dispatch, req);
            }
            Some(StartPick::Import) => import_open.set(true),
            None => {}
        });
    }
    let on_reinit = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            let dispatch = dispatch.clone();
            dispatch.dispatch(Action::Connecting(String::new()));
            spawn_local(async move {
                match ipc::reinitialize().await {
                    Ok(state) => dispatch.dispatch(Action::Conn(state)),
                    Err(e) => dispatch.dispatch(Action::Failed(e.message)),
                }
            });
        })
    };

    let on_url = text_into::<Event>(&url);
    let on_url_key = {
        let toggle_connection = toggle_connection.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !live {
                toggle_connection.emit(());
            }
        })
    };
    let on_transport = {
        let transport = transport.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            let choice = TRANSPORTS.iter().find(|t| t.1 == v).map_or(TransportChoice::Auto, |t| t.0);
            transport.set(choice);
        })
    };
    let on_version = {
        let version = version.clone();
        Callback::from(move |e: Event| version.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_headers = text_into::<Event>(&headers_text);
    let on_roots = text_into::<Event>(&roots_text);
    let apply_roots = {
        let (roots_text, roots_note) = (roots_text.clone(), roots_note.clone());
        Callback::from(move |_: MouseEvent| {
            let roots = match parse_roots(&roots_text) {
                Ok(r) => r,
                Err(e) => return roots_note.set(Some(Err(e))),
            };
            let note = roots_note.clone();
            spawn_local(async move {
                let n = roots.len();
                note.set(Some(match ipc::set_roots(&roots).await {
                    Ok(()) => Ok(format!("{n} root{} offered to the server.", if n == 1 { "" } else { "s" })),
                    Err(e) => Err(e.message),
                }));
            });
        })
    };
    let toggle_import = {
        let import_open = import_open.clone();
        Callback::from(move |_: MouseEvent| import_open.set(!*import_open))
    };
    let on_pick = {
        let (url, transport, headers_text, import_open) =
            (url.clone(), transport.clone(), headers_text.clone(), import_open.clone());
        Callback::from(move |e: mcpscope_proto::servers::ServerEntry| {
            if let Some(u) = e.url {
                url.set(u);
            }
            transport.set(e.transport);
            headers_text.set(
                e.headers.iter().map(|h| format!("{}: {}", h.name, h.value)).collect::<Vec<_>>().join("\n"),
            );
            import_open.set(false);
        })
    };
    let toggle_headers = {
        let headers_open = headers_open.clone();
        Callback::from(move |_: MouseEvent| headers_open.set(!*headers_open))
    };

    let header_count = headers.as_ref().map_or(0, Vec::len);
    // One handler per OAuth field: `set` writes the field's new value into a copy.
    let oauth_text = |set: fn(&mut OAuthFields, String)| {
        let oauth = oauth.clone();
        Callback::from(move |e: Event| {
            let mut f = (*oauth).clone();
            set(&mut f, field_value(&e));
            oauth.set(f);
        })
    };
    let oauth_check = |set: fn(&mut OAuthFields, bool)| {
        let oauth = oauth.clone();
        Callback::from(move |e: Event| {
            let mut f = (*oauth).clone();
            set(&mut f, field_checked(&e));
            oauth.set(f);
        })
    };
    let on_oauth = oauth_check(|f, on| f.on = on);
    let on_headless = oauth_check(|f, on| f.headless = on);
    let on_dpop = oauth_check(|f, on| f.dpop = on);
    let on_plain_http = oauth_check(|f, on| f.allow_plain_http = on);
    let on_workload = oauth_text(|f, v| f.workload_token_file = v);
    let on_client_id = oauth_text(|f, v| f.client_id = v);
    let on_client_secret = oauth_text(|f, v| f.client_secret = v);
    let on_scope = oauth_text(|f, v| f.scope = v);
    let on_record = props.record.set.reform(|e: Event| field_checked(&e));

    html! {
        <header class="topbar">
            <div class="connect-row">
                <span class="brand" title="mcpscope — MCP inspector">{"mcpscope"}</span>
                <ViewSwitch view={props.view} on_view={props.on_view.clone()} />
                <input id="url" class="url mono" type="text" spellcheck="false" autocomplete="off"
                    placeholder="http://host:port/mcp" aria-label="Server URL" title={(*url).clone()}
                    value={(*url).clone()} oninput={on_url.reform(Event::from)} onchange={on_url} onkeydown={on_url_key} />
                <label class="field">
                    <span>{"Transport"}</span>
                    <select id="transport" onchange={on_transport} title="Transport">
                        { for TRANSPORTS.iter().map(|(t, value, label)| html! {
                            <option value={*value} selected={*t == *transport}>{*label}</option>
                        }) }
                    </select>
                </label>
                <label class="field">
                    <span>{"Protocol"}</span>
                    <select id="protocol-version" onchange={on_version} title="Protocol version">
                        <option value={NEGOTIATE} selected={*version == NEGOTIATE}>{"negotiate"}</option>
                        { for PROTOCOL_VERSIONS.iter().rev().map(|v| html! {
                            <option value={*v} selected={*version == *v}>{*v}</option>
                        }) }
                    </select>
                </label>
                <button id="headers-toggle" class={classes!("btn", "ghost", headers_open.then_some("open"), headers.is_err().then_some("invalid"))}
                    onclick={toggle_headers} aria-expanded={headers_open.to_string()}>
                    { if header_count > 0 { format!("Headers ({header_count}) · Roots") } else { "Headers · Roots".to_owned() } }
                    if !record {
                        <span class="tag-unrecorded" title="The next connection is not written to the history">{"not recorded"}</span>
                    }
                    <span class="chev">{ if *headers_open { " ▴" } else { " ▾" } }</span>
                </button>
                <label class={classes!("check-field", oauth.on.then_some("on"))}
                    title="Run the OAuth flow when the server answers 401">
                    <input id="oauth-toggle" type="checkbox" checked={oauth.on} onchange={on_oauth} />
                    {"OAuth"}
                </label>
                <button id="connect" class={classes!("btn", if live { "danger" } else { "primary" })}
                    onclick={toggle_connection.reform(|_: MouseEvent| ())} disabled={connect_blocked}>
                    { if live { "Disconnect" } else { "Connect" } }
                </button>
                <button id="proxy" class="btn" onclick={on_proxy} disabled={live || connect_blocked}
                    title="Proxy mode: serve a local MCP endpoint for a real client (Claude Desktop, Cursor, an agent); its traffic goes to this URL and shows here live">
                    {"Proxy"}
                </button>
                <button id="demo" class="btn" onclick={on_demo} disabled={headers.is_err()}
                    title="Start the built-in demo MCP server and connect to it">
                    {"Demo"}
                </button>
                <button id="import-toggle" class={classes!("btn", "ghost", import_open.then_some("open"))}
                    onclick={toggle_import} aria-expanded={import_open.to_string()}
                    title="Import servers from Claude Desktop, Cursor, VS Code, the MCP Inspector or a server.json">
                    {"Import"}
                </button>
                <span class="bar-end">
                    <button id="new-window" class="btn ghost icon" onclick={Callback::from(|_: MouseEvent| ipc::open_new_window())}
                        title="Another session in a new window, side by side (Ctrl+N)">{"⊞"}</button>
                    <button id="theme-toggle" class="btn ghost icon" onclick={toggle_theme.reform(|_: MouseEvent| ())}
                        title={ if dark { "Switch to the light theme" } else { "Switch to the dark theme" } }>
                        { if dark { "☀" } else { "☾" } }
                    </button>
                </span>
            </div>
            <div class={classes!("headers-panel", (!*headers_open).then_some("hidden"))}>
                <span class="panel-label">{"Headers"}</span>
                <textarea id="headers" class="mono" rows="3" spellcheck="false"
                    placeholder={"Authorization: Bearer …\nX-Custom: value"}
                    value={(*headers_text).clone()} oninput={on_headers.reform(Event::from)} onchange={on_headers} />
                <div class="hint">
                    { match &headers {
                        Err(e) => html! { <span class="error">{e.clone()}</span> },
                        Ok(_) => html! { <span>{"One header per line, as "}<code>{"Name: value"}</code>{". Sent with every request."}</span> },
                    } }
                </div>
                <span class="panel-label">{"Roots"}</span>
                <div class="roots-row">
                    <textarea id="roots" class="mono" rows="2" spellcheck="false"
                        placeholder={"file:///home/me/project  project"}
                        value={(*roots_text).clone()} oninput={on_roots.reform(Event::from)} onchange={on_roots} />
                    <button id="roots-apply" class="btn small" onclick={apply_roots}
                        title="Offer these roots to the server (roots/list); a connected server is told they changed">{"Apply"}</button>
                </div>
                <div class="hint">
                    { match &*roots_note {
                        Some(Err(e)) => html! { <span class="error">{e.clone()}</span> },
                        Some(Ok(n)) => html! { <span>{n.clone()}</span> },
                        None => html! { <span>{"One root per line: a URI, then an optional name. Answered to "}<code>{"roots/list"}</code>{"."}</span> },
                    } }
                </div>
                <span class="panel-label">{"History"}</span>
                <label class="check-field" title="Write each connection's traffic to the history database (search, replay, export). Untick for traffic that must not be kept, or to watch a flood at full speed: connections then show only live, and older records leave memory for good. The choice is kept across restarts">
                    <input id="record-history" type="checkbox" checked={record} onchange={on_record} />
                    {"Record connections in the history"}
                </label>
                <div class="hint">
                    { match &props.record.problem {
                        Some(e) => html! { <span id="record-note" class="error">{e.clone()}</span> },
                        None => html! { <span>{"From the next connection on; the choice is kept when mcpscope restarts."}</span> },
                    } }
                </div>
            </div>
            if *import_open {
                <ImportServers on_pick={on_pick} />
            }
            if oauth.on {
                <div class="oauth-panel">
                    <input id="oauth-client-id" class="mono" type="text" spellcheck="false" autocomplete="off"
                        placeholder="client id (optional: dynamic registration)" aria-label="OAuth client id"
                        value={oauth.client_id.clone()} oninput={on_client_id.reform(Event::from)} onchange={on_client_id} />
                    <input id="oauth-client-secret" class="mono" type="password" autocomplete="off"
                        placeholder="client secret (optional)" aria-label="OAuth client secret"
                        value={oauth.client_secret.clone()} oninput={on_client_secret.reform(Event::from)} onchange={on_client_secret} />
                    <input id="oauth-scope" class="mono" type="text" spellcheck="false" autocomplete="off"
                        placeholder="scopes (default: as the server asks)" aria-label="OAuth scopes"
                        value={oauth.scope.clone()} oninput={on_scope.reform(Event::from)} onchange={on_scope} />
                    <label class="check-field" title="Follow the authorization URL without a browser (servers that approve without a login page)">
                        <input id="oauth-headless" type="checkbox" checked={oauth.headless} onchange={on_headless} />
                        {"Headless"}
                    </label>
                    <input id="oauth-workload" class="mono" type="text" spellcheck="false" autocomplete="off"
                        placeholder="workload token file (JWT bearer)" aria-label="Workload identity token file"
                        title="Workload identity: a file with the JWT the platform issued to this workload (a Kubernetes service account token …), exchanged as a JWT bearer grant instead of a user's authorization"
                        value={oauth.workload_token_file.clone()} oninput={on_workload.reform(Event::from)} onchange={on_workload} />
                    <label class="check-field" title="Bind tokens to a key made for this session (DPoP, RFC 9449) when the authorization server supports it; such tokens are never kept in the keyring">
                        <input id="oauth-dpop" type="checkbox" checked={oauth.dpop} onchange={on_dpop} />
                        {"DPoP"}
                    </label>
                    <label class="check-field" title="Accept an authorization server whose endpoints are plain http on another machine: codes, secrets and tokens then cross the network in clear. Refused unless ticked, for this connection only">
                        <input id="oauth-plain-http" type="checkbox" checked={oauth.allow_plain_http} onchange={on_plain_http} />
                        {"Allow plain http"}
                    </label>
                </div>
            }
            <StatusLine conn={props.conn.clone()} on_reinit={on_reinit} />
        </header>
    }
}

/// `uri [name]` lines; blank lines skipped. A root is a URI: it needs a scheme.
fn parse_roots(text: &str) -> Result<Vec<mcpscope_proto::Root>, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let (uri, name) = match line.split_once(char::is_whitespace) {
                Some((u, n)) => (u, Some(n.trim().to_owned()).filter(|n| !n.is_empty())),
                None => (line, None),
            };
            match uri.split_once("://") {
                Some((scheme, _))
                    if !scheme.is_empty()
                        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
                {
                    Ok(mcpscope_proto::Root { uri: uri.to_owned(), name })
                }
                _ => Err(format!("root {}: {uri:?} is not a URI (for a folder, write file:///path)", i + 1)),
            }
        })
        .collect()
}

/// The OAuth fields as typed; empty text means "not given".
#[derive(Debug, Clone, Default, PartialEq)]
struct OAuthFields {
    on: bool,
    client_id: String,
    client_secret: String,
    scope: String,
    headless: bool,
    dpop: bool,
    workload_token_file: String,
    allow_plain_http: bool,
}

impl OAuthFields {
    fn request(&self) -> AuthRequest {
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        if !self.on {
            return AuthRequest::default();
        }
        AuthRequest {
            oauth: true,
            client_id: given(&self.client_id),
            client_secret: given(&self.client_secret),
            scope: given(&self.scope),
            headless: self.headless,
            dpop: self.dpop,
            workload_token_file: given(&self.workload_token_file),
            allow_plain_http: self.allow_plain_http,
            ..AuthRequest::default()
        }
    }
}

#[derive(Properties, PartialEq)]
struct StatusProps {
    conn: ConnectionState,
    on_reinit: Callback<MouseEvent>,
}

#[component]
fn StatusLine(props: &StatusProps) -> Html {
    let c = &props.conn;
    let proxying = c.proxy.is_some() && c.status == ConnectionStatus::Connected;
    let word = if proxying { "proxying" } else { format::status_word(c.status) };
    let class = if proxying { "connected".to_owned() } else { word.replace(' ', "-") };
    let part = |label: &'static str, value: Option<String>| {
        value.map(|v| html! { <span class="part"><span class="label">{label}</span>{v}</span> })
    };
    let server = c.server_name.as_ref().map(|n| match &c.server_version {
        Some(v) => format!("{n} {v}"),
        None => n.clone(),
    });
    html! {
        <>
        <div class="statusline">
            <span id="status" class={classes!("status", format!("s-{class}"))}>
                <span class="dot" />{word}
            </span>
            if let Some(local) = c.proxy.clone() {
                <span class="part proxy-part" title="Give this URL to your MCP client: its traffic goes to the URL below and shows here">
                    <span class="label">{"client URL"}</span>
                    <code id="proxy-url" class="mono">{local.clone()}</code>
                    <button id="proxy-copy" class="btn small ghost" onclick={Callback::from(move |_: MouseEvent| {
                        let local = local.clone();
                        spawn_local(async move { let _ = ipc::copy_text(&local).await; });
                    })}>{"Copy"}</button>
                </span>
            }
            { part(if proxying { "upstream" } else { "url" }, c.url.clone().filter(|u| !u.is_empty())) }
            { part("transport", c.transport.map(|t| format::transport_words(t).to_owned())) }
            { part("protocol", c.protocol_version.clone()) }
            if let Some(how) = &c.negotiation {
                <span id="negotiation" class="part negotiation" title={how.clone()}>
                    <span class="label">{"negotiated"}</span>{how.clone()}
                </span>
            }
            { part("server", server) }
            { part("session", c.session_id_hint.clone()) }
            if c.unrecorded && c.status == ConnectionStatus::Connected {
                <span id="unrecorded" class="part unrecorded"
                    title="This connection is not written to the history: shown live only, and records past the newest in memory are gone for good">
                    {"not recorded"}
                </span>
            }
            { for c.error.as_ref().map(|e| html! { <span class="error-text" title={e.clone()}>{e.clone()}</span> }) }
            if c.status == ConnectionStatus::SessionExpired {
                <button id="reinitialize" class="btn primary small" onclick={props.on_reinit.clone()}>
                    {"Re-initialize"}
                </button>
            }
        </div>
        <div class="doctor-slot">
            if let Some(a) = c.advice.as_ref().filter(|_| c.status == ConnectionStatus::Failed) {
                <div id="doctor" class="doctor" role="status">
                    <span class="strong">{"Next step: "}</span>{a.clone()}
                </div>
            }
        </div>
        </>
    }
}
