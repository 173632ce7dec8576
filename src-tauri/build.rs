//! Tauri's build step, with the app's permission manifest: every command in
//! `generate_handler!` gets an `allow-<command>` permission, and a command is callable only
//! from a window whose capability grants it (`capabilities/default.json`, through the
//! `window-commands` set in `permissions/app.toml`). The commands are those
//! `mcpscope_proto::ipc` declares; `tests/it/test_ipc_surface.rs` checks that they, the
//! handler, the set and the commands `ui/src/ipc.rs` invokes are the same.

/// `subscribe` (its argument is a Tauri channel) and every command `mcpscope_proto::ipc`
/// declares.
fn commands() -> Vec<&'static str> {
    let declared = mcpscope_proto::ipc::COMMANDS.iter().map(|(_, name)| *name);
    std::iter::once("subscribe").chain(declared).collect()
}

include!("../build/commit.rs");

fn main() {
    emit_commit();
    println!("cargo:rerun-if-changed=permissions");
    // The manifest wants a `'static` list; a build script lives as long as it needs to.
    let commands: &'static [&'static str] = commands().leak();
    let manifest = tauri_build::AppManifest::new().commands(commands);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .unwrap_or_else(|e| panic!("tauri build step: {e:#}"));
}
