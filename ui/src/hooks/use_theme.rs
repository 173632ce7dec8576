//! Light/dark theme: follows `prefers-color-scheme` until the user picks one, which is kept
//! in `localStorage`. Either way the theme in force is set as `data-theme` on `<html>`, the
//! one thing the stylesheet reads (so its dark palette is written once).

use yew::prelude::*;

const KEY: &str = "mcpscope.theme";

fn stored() -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(KEY).ok()?.filter(|t| t == "dark" || t == "light")
}

fn system_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

fn show(theme: &str) {
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
    if let Some(root) = root {
        let _ = root.set_attribute("data-theme", theme);
    }
}

/// Shows `theme` and remembers it as the user's choice.
fn apply(theme: &str) {
    show(theme);
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        // Storage can be full or disabled; the theme then lasts for this run only.
        let _ = storage.set_item(KEY, theme);
    }
}

/// Whether the dark theme is in force, and a callback that flips it.
#[hook]
pub fn use_theme() -> (bool, Callback<()>) {
    let dark = use_state(|| match stored() {
        Some(t) => {
            apply(&t);
            t == "dark"
        }
        None => {
            let dark = system_dark();
            show(if dark { "dark" } else { "light" });
            dark
        }
    });
    let toggle = {
        let dark = dark.clone();
        Callback::from(move |()| {
            let next = !*dark;
            apply(if next { "dark" } else { "light" });
            dark.set(next);
        })
    };
    (*dark, toggle)
}
