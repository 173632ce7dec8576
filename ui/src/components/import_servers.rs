//! Import servers from another MCP client's configuration (Claude Desktop, Cursor, VS Code,
//! the MCP Inspector, a registry server.json): read a file by path, or paste its text; pick a
//! server to fill in the connection bar.

use mcpscope_proto::PickKind;
use mcpscope_proto::servers::ServerEntry;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::text_into;
use crate::ipc;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The user picked this server.
    pub on_pick: Callback<ServerEntry>,
}

#[component]
pub fn ImportServers(props: &Props) -> Html {
    let path = use_state(String::new);
    let text = use_state(String::new);
    let found = use_state(|| None::<Result<Vec<ServerEntry>, String>>);
    let run = |from_path: bool| {
        let (path, text, found) = (path.clone(), text.clone(), found.clone());
        Callback::from(move |_: MouseEvent| {
            let (p, t, found) = ((*path).trim().to_owned(), (*text).clone(), found.clone());
            spawn_local(async move {
                let got = if from_path {
                    ipc::import_servers(None, Some(&p)).await
                } else {
                    ipc::import_servers(Some(&t), None).await
                };
                found.set(Some(got.map_err(|e| e.message)));
            });
        })
    };
    // Browse…: a native file chooser fills the path and reads the file at once.
    let browse = {
        let (path, found) = (path.clone(), found.clone());
        Callback::from(move |_: MouseEvent| {
            let (path, found) = (path.clone(), found.clone());
            spawn_local(async move {
                match ipc::pick_path(PickKind::File, "Import servers from a client configuration", None).await
                {
                    Ok(Some(p)) => {
                        path.set(p.clone());
                        found.set(Some(ipc::import_servers(None, Some(&p)).await.map_err(|e| e.message)));
                    }
                    Ok(None) => {}
                    Err(e) => found.set(Some(Err(e.message))),
                }
            });
        })
    };
    let on_path = text_into::<Event>(&path);
    let on_text = text_into::<Event>(&text);
    let list = match &*found {
        None => html! {},
        Some(Err(e)) => html! { <div id="import-error" class="error small-text">{e.clone()}</div> },
        Some(Ok(entries)) => html! {
            <ul id="import-list" class="import-list">
                { for entries.iter().map(|e| {
                    let pick = {
                        let (on_pick, e) = (props.on_pick.clone(), e.clone());
                        Callback::from(move |_: MouseEvent| on_pick.emit(e.clone()))
                    };
                    html! {
                        <li class="server-entry" data-name={e.name.clone()}>
                            <button class="btn small" disabled={e.url.is_none()} onclick={pick}
                                title={e.url.clone().unwrap_or_default()}>{"Use"}</button>
                            <span class="strong">{e.name.clone()}</span>
                            <code class="muted">{e.url.clone().unwrap_or_default()}</code>
                            { for e.note.as_ref().map(|n| html! { <span class="warn small-text">{n.clone()}</span> }) }
                        </li>
                    }
                }) }
            </ul>
        },
    };
    html! {
        <div class="import-panel">
            <span class="panel-label">{"Import servers"}</span>
            <div class="roots-row">
                <input id="import-path" class="mono" type="text" spellcheck="false"
                    placeholder="~/.config/Claude/claude_desktop_config.json, .vscode/mcp.json, server.json …"
                    value={(*path).clone()} oninput={on_path.reform(Event::from)} onchange={on_path} />
                <button id="import-browse" class="btn small ghost" onclick={browse}
                    title="Choose the file in a file dialog">{"Browse…"}</button>
                <button id="import-read" class="btn small" onclick={run(true)}>{"Read file"}</button>
            </div>
            <div class="roots-row">
                <textarea id="import-text" class="mono" rows="2" spellcheck="false"
                    placeholder={"…or paste the file: {\"mcpServers\": {\"name\": {\"url\": \"http://…/mcp\"}}}"}
                    value={(*text).clone()} oninput={on_text.reform(Event::from)} onchange={on_text} />
                <button id="import-paste" class="btn small" onclick={run(false)}>{"Import"}</button>
            </div>
            <div class="import-result">{list}</div>
        </div>
    }
}
