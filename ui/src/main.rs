//! The mcpscope user interface (Yew, compiled to wasm, served by the Tauri shell).

mod components;
mod failure;
mod filter;
mod format;
mod history;
mod hooks;
mod ipc;
mod json_form;
mod json_tokens;
mod layout;
mod parse;
mod shared_vec;
mod state;
mod timing;
mod viewport;

fn main() {
    failure::install();
    layout::restore();
    yew::Renderer::<components::app::App>::new().render();
}
