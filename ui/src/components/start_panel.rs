//! What the first window shows before anything is captured: the demo server, the servers of
//! recent sessions (from the history), importing a client's configuration, and the keyboard
//! shortcuts. Each choice goes to the connection bar, which does the connecting.

use mcpscope_proto::TransportChoice;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::ipc;

/// A choice made on the start panel, carried out by the connection bar.
#[derive(Debug, Clone, PartialEq)]
pub enum StartPick {
    /// Start the built-in demo server and connect to it.
    Demo,
    /// Connect to this server (from a recent session).
    Server { url: String, transport: TransportChoice },
    /// Open "Import servers".
    Import,
}

/// Recent servers shown at most.
const RECENT: usize = 6;

/// The distinct server URLs of the newest sessions, newest first, with their transport.
fn recent_servers(sessions: &[mcpscope_proto::SessionInfo]) -> Vec<(String, TransportChoice)> {
    let mut out: Vec<(String, TransportChoice)> = Vec::new();
    for s in sessions {
        if out.len() == RECENT {
            break;
        }
        if !out.iter().any(|(u, _)| *u == s.url) {
            let transport = match s.transport.as_deref() {
                Some("sse") => TransportChoice::Sse,
                Some("streamable") => TransportChoice::Streamable,
                _ => TransportChoice::Auto,
            };
            out.push((s.url.clone(), transport));
        }
    }
    out
}

const SHORTCUTS: [(&str, &str); 11] = [
    ("Ctrl+1 … Ctrl+4", "Live, History, Auth, Settings"),
    ("↑ ↓  PgUp PgDn  Home End", "move through the timeline"),
    ("Enter", "open the selected record"),
    ("/", "filter the timeline (Ctrl+L clears it)"),
    ("f", "follow new records"),
    ("Ctrl+K", "clear the timeline (↑ older brings rows back)"),
    ("Esc", "back to the timeline"),
    ("Ctrl+Enter", "send from the raw editor"),
    ("Ctrl+N", "a new window, a session of its own"),
    ("Ctrl+,", "settings"),
    ("← → ↑ ↓", "on a pane's edge: resize the pane (or drag it)"),
];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub on_start: Callback<StartPick>,
}

#[component]
pub fn StartPanel(props: &Props) -> Html {
    let recent = use_state(|| None::<Vec<(String, TransportChoice)>>);
    {
        let recent = recent.clone();
        use_effect_with((), move |()| {
            spawn_local(async move {
                // No history (or an error): the list says there is nothing yet.
                let sessions = ipc::history_sessions(50).await.unwrap_or_default();
                recent.set(Some(recent_servers(&sessions)));
            });
        });
    }
    let pick = |p: StartPick| props.on_start.reform(move |_: MouseEvent| p.clone());
    html! {
        <main class="workspace start" id="start-panel">
            <section class="start-col">
                <h2 class="start-title">{"Inspect an MCP server"}</h2>
                <p class="muted">{"Type its URL above and press Enter, or start here."}</p>
                <button id="start-demo" class="btn primary start-action" onclick={pick(StartPick::Demo)}>
                    <span class="strong">{"Demo server"}</span>
                    <span class="start-sub">{"a built-in server with tools, resources, prompts and floods"}</span>
                </button>
                <button id="start-import" class="btn start-action" onclick={pick(StartPick::Import)}>
                    <span class="strong">{"Import from a client config…"}</span>
                    <span class="start-sub">{"Claude Desktop, Cursor, VS Code, the MCP Inspector, server.json"}</span>
                </button>
                <div class="start-heading">{"Recent servers"}</div>
                { match &*recent {
                    None => html! { <div class="muted">{"…"}</div> },
                    Some(list) if list.is_empty() => html! {
                        <div id="start-no-recent" class="muted">{"None yet: servers you connect to are listed here."}</div>
                    },
                    Some(list) => html! {
                        <ul id="start-recent" class="start-recent">
                            { for list.iter().map(|(url, transport)| html! {
                                <li>
                                    <button class="btn ghost start-server mono" data-url={url.clone()} title={format!("Connect to {url}")}
                                        onclick={pick(StartPick::Server { url: url.clone(), transport: *transport })}>
                                        {url.clone()}
                                    </button>
                                </li>
                            }) }
                        </ul>
                    },
                } }
            </section>
            <section class="start-col" id="start-shortcuts" aria-label="Keyboard shortcuts">
                <div class="start-heading">{"Keyboard"}</div>
                <dl class="meta shortcuts">
                    { for SHORTCUTS.iter().map(|(keys, what)| html! {
                        <><dt><kbd>{*keys}</kbd></dt><dd>{*what}</dd></>
                    }) }
                </dl>
            </section>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(url: &str, transport: Option<&str>) -> mcpscope_proto::SessionInfo {
        mcpscope_proto::SessionInfo {
            id: "ses_1".into(),
            url: url.into(),
            transport: transport.map(str::to_owned),
            protocol_version: None,
            source: "app".into(),
            started_at_us: 0,
            ended_at_us: None,
            records: 1,
        }
    }

    #[test]
    fn recent_servers_are_distinct_newest_first_and_few() {
        let mut sessions = vec![
            session("http://a/mcp", Some("sse")),
            session("http://b/mcp", None),
            session("http://a/mcp", Some("streamable")),
        ];
        sessions.extend((0..10).map(|i| session(&format!("http://c{i}/mcp"), None)));
        let recent = recent_servers(&sessions);
        assert_eq!(recent.len(), RECENT);
        assert_eq!(recent[0], ("http://a/mcp".to_owned(), TransportChoice::Sse));
        assert_eq!(recent[1].0, "http://b/mcp");
        assert_eq!(recent[2].0, "http://c0/mcp");
    }
}
