//! The window's IPC surface, read from the sources: every command the app registers is one
//! the UI invokes, each has its permission in the app manifest (`src-tauri/build.rs`), and
//! the windows' capability grants exactly those and no core API. A command added in one
//! place and not the others fails here, not in a user's window.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn repo() -> PathBuf {
    mcpscope_tests::package_dir().join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `commands::name` inside `generate_handler![…]`.
fn handler_commands() -> BTreeSet<String> {
    let main = read("src-tauri/src/main.rs");
    let start = main.find("generate_handler![").expect("generate_handler! in src-tauri/src/main.rs");
    let end = start + main[start..].find(']').expect("the end of generate_handler!");
    main[start..end]
        .split("commands::")
        .skip(1)
        .map(|s| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
        .collect()
}

/// The quoted strings of the list that starts at `marker` in `text` and ends at `]`.
fn quoted_list(text: &str, marker: &str) -> Vec<String> {
    let start = text.find(marker).unwrap_or_else(|| panic!("{marker} not found")) + marker.len();
    let end = start + text[start..].find(']').expect("the end of the list");
    text[start..end].split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

/// The commands `ui/src/ipc.rs` invokes: each declared command whose struct it builds
/// (`invoke(cmd::Name { … })`, or `invoke_unawaited(cmd::Name { … })`), and what it passes to `tauri_invoke` by name (`subscribe`).
fn ui_commands() -> BTreeSet<String> {
    let ipc = read("ui/src/ipc.rs");
    let mut names = BTreeSet::new();
    let calls = ipc.match_indices("invoke(cmd::").chain(ipc.match_indices("invoke_unawaited(cmd::"));
    for (at, call) in calls {
        let ty: String =
            ipc[at + call.len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let (_, name) = mcpscope_proto::ipc::COMMANDS.iter().find(|(t, _)| *t == ty).unwrap_or_else(|| {
            panic!("ui/src/ipc.rs invokes cmd::{ty}, which mcpscope_proto::ipc does not declare")
        });
        names.insert((*name).to_owned());
    }
    for (at, _) in ipc.match_indices("tauri_invoke(\"") {
        let rest = &ipc[at + "tauri_invoke(\"".len()..];
        names.insert(rest[..rest.find('"').expect("closing quote")].to_owned());
    }
    names
}

/// The commands declared once (`mcpscope_proto::ipc`), plus `subscribe`, whose argument is a
/// Tauri channel: what `src-tauri/build.rs` gives the permission manifest.
fn declared_commands() -> BTreeSet<String> {
    let declared = mcpscope_proto::ipc::COMMANDS.iter().map(|(_, name)| (*name).to_owned());
    std::iter::once("subscribe".to_owned()).chain(declared).collect()
}

#[test]
fn every_window_may_call_exactly_the_commands_its_ui_invokes() {
    let handler = handler_commands();
    assert!(handler.len() > 30, "the handler list was not read: {handler:?}");
    assert_eq!(ui_commands(), handler, "commands the UI invokes vs commands the app registers");

    assert_eq!(
        declared_commands(),
        handler,
        "the commands mcpscope_proto::ipc declares vs generate_handler!"
    );
    let build = read("src-tauri/build.rs");
    assert!(
        build.contains("mcpscope_proto::ipc::COMMANDS") && build.contains("\"subscribe\""),
        "src-tauri/build.rs gives the permission manifest the declared commands and subscribe"
    );

    let set: BTreeSet<String> = quoted_list(&read("src-tauri/permissions/app.toml"), "permissions = [")
        .into_iter()
        .map(|p| p.strip_prefix("allow-").unwrap_or(&p).replace('-', "_"))
        .collect();
    assert_eq!(set, handler, "the window-commands set vs generate_handler!");

    let capability: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/default.json")).expect("capability JSON");
    assert_eq!(
        capability["permissions"],
        serde_json::json!(["window-commands"]),
        "the windows get the app's commands and nothing of Tauri's core"
    );
    let caps = std::fs::read_dir(repo().join("src-tauri/capabilities")).expect("capabilities folder").count();
    assert_eq!(caps, 1, "one capability, for every window");
}
