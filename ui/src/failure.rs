//! What the window does when its UI panics (a bug in mcpscope).
//!
//! A panic in wasm traps: the page stays, but Yew stops rendering and every later event may
//! find its state half-changed, so the window looks alive while nothing in it updates. The
//! hook below makes that visible and diagnosable: the message goes to the browser console and
//! to the app log (`ui_failed`), and a banner over the window says what happened and offers a
//! reload. The connection and the history live in the app, not the page, so a reload keeps
//! them.

use wasm_bindgen::prelude::*;

/// The banner's id (the GUI tests read it when a wait times out).
const BANNER: &str = "ui-failed";

/// Reports every panic of the UI; installed first thing in `main`, through Yew, which would
/// otherwise put its own hook (console only) in place when it starts rendering.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&JsValue::from_str(&message));
        crate::ipc::report_failure(&message);
        show(&message);
    }));
}

/// A deliberate panic, for the GUI test of the hook (`window.wasmBindings.failForTest()`).
/// Nothing in the UI calls it; a script in the page could break the page anyway.
#[wasm_bindgen(js_name = failForTest)]
pub fn fail_for_test() {
    panic!("a deliberate failure, for the test of the UI's panic hook");
}

/// Puts the banner over the window: plain DOM, because Yew may be the part that failed. The
/// first failure is the one shown; later ones are usually its echoes.
fn show(message: &str) -> Option<()> {
    let doc = web_sys::window()?.document()?;
    if doc.get_element_by_id(BANNER).is_some() {
        return Some(());
    }
    let banner = doc.create_element("div").ok()?;
    banner.set_id(BANNER);
    banner.set_attribute("role", "alert").ok()?;
    let text = doc.create_element("span").ok()?;
    text.set_text_content(Some(&format!(
        "The window stopped updating after an internal error (a bug in mcpscope, now in \
         mcpscope.log): {message}. The connection and the history are kept: reload the window \
         to go on."
    )));
    let reload = doc.create_element("button").ok()?;
    reload.set_id("ui-reload");
    reload.set_class_name("btn danger");
    reload.set_text_content(Some("Reload the window"));
    let on_click = Closure::<dyn Fn()>::new(|| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    reload.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref()).ok()?;
    // The page lives as long as the listener: a reload ends both.
    on_click.forget();
    banner.append_child(&text).ok()?;
    banner.append_child(&reload).ok()?;
    doc.body()?.append_child(&banner).ok()?;
    Some(())
}
