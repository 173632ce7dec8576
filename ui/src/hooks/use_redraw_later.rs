//! A component drawn again a little later, once: for a component that put off drawing part
//! of what it shows (the timeline's rows while it follows a flood), so that the last of it is
//! drawn even when nothing else comes to draw it.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::prelude::*;

/// Draws the component again after a delay; see [`RedrawLater::within`].
#[derive(Clone)]
pub struct RedrawLater(Rc<Inner>);

struct Inner {
    /// The pending timeout's handle: one at a time.
    pending: Rc<Cell<Option<i32>>>,
    fire: Closure<dyn FnMut()>,
}

impl RedrawLater {
    /// Draws the component again `ms` from now, or sooner when a redraw asked for earlier is
    /// still pending (a component that puts off drawing keeps one deadline).
    pub fn within(&self, ms: f64) {
        if self.0.pending.get().is_some() {
            return;
        }
        let Some(window) = web_sys::window() else { return };
        let set = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            self.0.fire.as_ref().unchecked_ref(),
            ms.ceil().max(0.0) as i32,
        );
        // Without a timer (no window) nothing is put off for long: the next change draws.
        self.0.pending.set(set.ok());
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let (Some(handle), Some(window)) = (self.pending.take(), web_sys::window()) {
            window.clear_timeout_with_handle(handle);
        }
    }
}

/// A handle that draws this component again later (see the module's docs).
#[hook]
pub fn use_redraw_later() -> RedrawLater {
    let update = use_force_update();
    (*use_memo((), move |_| {
        let pending = Rc::new(Cell::new(None));
        let fired = pending.clone();
        let fire = Closure::<dyn FnMut()>::new(move || {
            fired.set(None);
            update.force_update();
        });
        RedrawLater(Rc::new(Inner { pending, fire }))
    }))
    .clone()
}
