//! The handle on the edge of a resizable pane ([`crate::layout`]): drag it, or focus it and
//! use the arrow keys (Shift: four times as far); a double-click gives the pane its default
//! size. It sits beside its pane (after the sessions list, before the others), over the
//! pane's border, and takes no room of its own.

use web_sys::{Element, HtmlElement};
use yew::prelude::*;

use crate::hooks::use_viewport::on_resize;
use crate::layout::{self, Pane};

#[derive(Properties, PartialEq)]
pub struct SplitterProps {
    pub pane: Pane,
    pub id: AttrValue,
    /// What it resizes, for assistive technology ("Resize the detail pane").
    pub label: AttrValue,
}

/// A drag under way: where the pointer began along the axis, the pane's size then, the room
/// it shares (the same throughout the drag: what the pane gains the view beside it loses), and
/// the last size the drag showed (kept when it ends).
#[derive(Clone, Copy)]
struct Drag {
    from: f64,
    size: f64,
    room: f64,
    shown: Option<f64>,
}

/// The pane beside the splitter, and the view on its other side (the timeline or the
/// results; the OAuth flow; the Live view above the send panel).
fn sides(splitter: &HtmlElement, pane: Pane) -> Option<(Element, Element)> {
    let (before, after) = (splitter.previous_element_sibling()?, splitter.next_element_sibling()?);
    Some(if pane.before_splitter() { (before, after) } else { (after, before) })
}

/// The pane's size now and the room it shares with the view on the splitter's other side.
fn measure(splitter: &HtmlElement, pane: Pane) -> Option<(f64, f64)> {
    let (mine, other) = sides(splitter, pane)?;
    let (mine, other) = (mine.get_bounding_client_rect(), other.get_bounding_client_rect());
    Some(if pane.between_columns() {
        (mine.width(), mine.width() + other.width())
    } else {
        (mine.height(), mine.height() + other.height())
    })
}

#[function_component]
pub fn Splitter(props: &SplitterProps) -> Html {
    let pane = props.pane;
    let node = use_node_ref();
    let drag = use_mut_ref(|| Option::<Drag>::None);
    // The size shown, for `aria-valuenow` (set as the splitter moves, and whenever the pane resizes).
    let size = use_state_eq(|| Option::<f64>::None);
    let along =
        move |e: &PointerEvent| f64::from(if pane.between_columns() { e.client_x() } else { e.client_y() });

    // Shows (and with `keep`, keeps) the pane at `px` within its bounds in `room`; returns the
    // size shown.
    let set = {
        let size = size.clone();
        move |px: f64, room: f64, keep: bool| -> f64 {
            let px = layout::clamp(pane, px, room);
            if keep {
                layout::keep(pane, px);
            } else {
                layout::show(pane, px);
            }
            size.set(Some(px));
            px
        }
    };
    let on_down = {
        let (node, drag) = (node.clone(), drag.clone());
        Callback::from(move |e: PointerEvent| {
            if e.button() != 0 {
                return;
            }
            let Some(el) = node.cast::<HtmlElement>() else { return };
            let Some((now, room)) = measure(&el, pane) else { return };
            // No text selection while dragging; every move reaches this handle.
            e.prevent_default();
            let _ = el.set_pointer_capture(e.pointer_id());
            let _ = el.focus();
            *drag.borrow_mut() = Some(Drag { from: along(&e), size: now, room, shown: None });
        })
    };
    let on_move = {
        let (drag, set) = (drag.clone(), set.clone());
        Callback::from(move |e: PointerEvent| {
            let Some(d) = *drag.borrow() else { return };
            let shown = set(layout::dragged(pane, d.size, along(&e) - d.from), d.room, false);
            if let Some(d) = drag.borrow_mut().as_mut() {
                d.shown = Some(shown);
            }
        })
    };
    let on_up = {
        let drag = drag.clone();
        Callback::from(move |_: PointerEvent| {
            if let Some(px) = drag.borrow_mut().take().and_then(|d| d.shown) {
                layout::keep(pane, px);
            }
        })
    };
    let on_key = {
        let (node, set) = (node.clone(), set.clone());
        Callback::from(move |e: KeyboardEvent| {
            let Some(step) = layout::key_step(pane, &e.key(), e.shift_key()) else { return };
            let Some((now, room)) = node.cast::<HtmlElement>().and_then(|el| measure(&el, pane)) else {
                return;
            };
            e.prevent_default();
            set(now + step, room, true);
        })
    };
    let on_reset = {
        let size = size.clone();
        Callback::from(move |_: MouseEvent| {
            layout::reset(pane);
            size.set(None);
        })
    };
    {
        // The pane's size for `aria-valuenow`, whatever changes it (a drag, a key, the window).
        let (node, size) = (node.clone(), size.clone());
        use_effect_with((), move |_| {
            let watch = node.cast::<HtmlElement>().and_then(|el| {
                let (pane_el, _) = sides(&el, pane)?;
                on_resize(&pane_el, move || {
                    if let Some((now, _)) = measure(&el, pane) {
                        size.set(Some(now.round()));
                    }
                })
            });
            move || drop(watch)
        });
    }

    let (class, orientation) =
        if pane.between_columns() { ("splitter-col", "vertical") } else { ("splitter-row", "horizontal") };
    html! {
        <div ref={node} id={props.id.clone()} class={classes!("splitter", class)} role="separator"
            aria-orientation={orientation} aria-label={props.label.clone()}
            aria-valuemin={pane.min().to_string()} aria-valuenow={size.map(|px| px.to_string())}
            tabindex="0"
            title="Drag to resize; arrow keys move it (Shift: further); double-click restores the default"
            onpointerdown={on_down} onpointermove={on_move} onpointerup={on_up.clone()}
            onpointercancel={on_up} onkeydown={on_key} ondblclick={on_reset} />
    }
}
