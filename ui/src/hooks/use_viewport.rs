//! The scroll position and height of a virtualised list (the live timeline, the history
//! results), kept up to date through a `ResizeObserver`; and keeping a row in view.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Element, ResizeObserver};
use yew::prelude::*;

use crate::viewport::{HEADER_HEIGHT, ROW_HEIGHT, reveal};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub top: f64,
    /// Height available to rows (below the sticky header).
    pub height: f64,
}

pub fn measure(el: &Element) -> Viewport {
    Viewport {
        top: f64::from(el.scroll_top()),
        height: (f64::from(el.client_height()) - HEADER_HEIGHT).max(0.0),
    }
}

/// Calls `f` whenever `el` changes size, until dropped.
pub struct ResizeWatch {
    observer: ResizeObserver,
    _f: Closure<dyn Fn()>,
}

impl Drop for ResizeWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Watches `el`'s size (a `ResizeObserver`; `None` where there is none).
pub fn on_resize(el: &Element, f: impl Fn() + 'static) -> Option<ResizeWatch> {
    let f = Closure::<dyn Fn()>::new(f);
    let observer = ResizeObserver::new(f.as_ref().unchecked_ref()).ok()?;
    observer.observe(el);
    Some(ResizeWatch { observer, _f: f })
}

/// The viewport of the scroll container `scroller`, re-measured when it resizes. Scroll
/// handlers call `set(measure(..))` on the returned handle.
#[hook]
pub fn use_viewport(scroller: NodeRef) -> UseStateHandle<Viewport> {
    let viewport = use_state(|| Viewport { top: 0.0, height: 600.0 });
    {
        let viewport = viewport.clone();
        use_effect_with((), move |_| {
            let watch = scroller.cast::<Element>().and_then(|el| {
                viewport.set(measure(&el));
                let observed = el.clone();
                on_resize(&el, move || viewport.set(measure(&observed)))
            });
            move || drop(watch)
        });
    }
    viewport
}

/// Scrolls `scroller` so that the row at `pos` is fully visible whenever `key` (the
/// selection) or `pos` changes.
#[hook]
pub fn use_reveal<K: PartialEq + 'static>(scroller: NodeRef, key: K, pos: Option<usize>) {
    use_effect_with((key, pos), move |(_, pos)| {
        if let (Some(pos), Some(el)) = (*pos, scroller.cast::<Element>()) {
            let vp = measure(&el);
            if let Some(top) = reveal(pos, vp.top, vp.height, ROW_HEIGHT) {
                el.set_scroll_top(top.round() as i32);
            }
        }
    });
}

/// A list's scroll position, kept while the list is not mounted (the live timeline while the
/// History view is shown). Compared by identity.
#[derive(Debug, Clone, Default)]
pub struct ScrollMemory(Rc<Cell<f64>>);

impl ScrollMemory {
    pub fn get(&self) -> f64 {
        self.0.get()
    }

    pub fn set(&self, top: f64) {
        self.0.set(top);
    }
}

impl PartialEq for ScrollMemory {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}
