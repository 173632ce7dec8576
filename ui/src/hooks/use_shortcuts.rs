//! Global keyboard shortcuts (see [`shortcut`] for the map).

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::state::{Action, State};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    /// Move the timeline selection by this many rows.
    Move(i64),
    First,
    Last,
    /// Enter: move focus into the detail pane.
    OpenDetail,
    ToggleFollow,
    FocusFilter,
    ClearFilter,
    /// Escape: back to the timeline.
    FocusTimeline,
}

/// Rows moved by PageUp/PageDown.
const PAGE: i64 = 20;

/// What a key press means. `typing`: focus is in a text field or select (plain keys belong to
/// it); `in_detail`: focus is in the detail pane (arrows scroll it).
pub fn shortcut(key: &str, ctrl: bool, alt_or_meta: bool, typing: bool, in_detail: bool) -> Option<Shortcut> {
    if alt_or_meta {
        return None;
    }
    if ctrl {
        return matches!(key, "l" | "L").then_some(Shortcut::ClearFilter);
    }
    if key == "Escape" && (typing || in_detail) {
        return Some(Shortcut::FocusTimeline);
    }
    if typing {
        return None;
    }
    let nav = !in_detail;
    match key {
        "ArrowDown" if nav => Some(Shortcut::Move(1)),
        "ArrowUp" if nav => Some(Shortcut::Move(-1)),
        "PageDown" if nav => Some(Shortcut::Move(PAGE)),
        "PageUp" if nav => Some(Shortcut::Move(-PAGE)),
        "Home" if nav => Some(Shortcut::First),
        "End" if nav => Some(Shortcut::Last),
        "Enter" if nav => Some(Shortcut::OpenDetail),
        "f" | "F" => Some(Shortcut::ToggleFollow),
        "/" => Some(Shortcut::FocusFilter),
        _ => None,
    }
}

fn focus(id: &str) {
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    if let Some(el) = el {
        // Focus can only fail for detached elements; nothing to do then.
        let _ = el.focus();
    }
}

fn on_key(dispatch: &UseReducerDispatcher<State>, e: &KeyboardEvent) {
    let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let typing =
        target.as_ref().is_some_and(|t| matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
    if e.key() == "Enter" && target.as_ref().is_some_and(|t| t.tag_name() == "BUTTON") {
        return; // Enter on a focused button presses it.
    }
    let in_detail = target.as_ref().is_some_and(|t| t.closest("#detail").ok().flatten().is_some());
    let Some(action) = shortcut(&e.key(), e.ctrl_key(), e.alt_key() || e.meta_key(), typing, in_detail)
    else {
        return;
    };
    e.prevent_default();
    match action {
        Shortcut::Move(n) => dispatch.dispatch(Action::MoveSelection(n)),
        Shortcut::First => dispatch.dispatch(Action::SelectFirst),
        Shortcut::Last => dispatch.dispatch(Action::SelectLast),
        Shortcut::OpenDetail => focus("detail-body"),
        Shortcut::ToggleFollow => dispatch.dispatch(Action::ToggleFollow),
        Shortcut::FocusFilter => focus("filter-text"),
        Shortcut::ClearFilter => dispatch.dispatch(Action::ClearFilter),
        Shortcut::FocusTimeline => focus("timeline"),
    }
}

#[hook]
pub fn use_shortcuts(dispatch: UseReducerDispatcher<State>) {
    use_effect_with((), move |_| {
        let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| on_key(&dispatch, &e));
        let doc = web_sys::window().and_then(|w| w.document());
        if let Some(doc) = &doc {
            let _ = doc.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(doc) = doc {
                let _ = doc.remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_keys_belong_to_text_fields_but_ctrl_l_and_escape_do_not() {
        assert_eq!(shortcut("f", false, false, true, false), None);
        assert_eq!(shortcut("ArrowDown", false, false, true, false), None);
        assert_eq!(shortcut("l", true, false, true, false), Some(Shortcut::ClearFilter));
        assert_eq!(shortcut("Escape", false, false, true, false), Some(Shortcut::FocusTimeline));
        assert_eq!(shortcut("Enter", true, false, true, false), None);
    }

    #[test]
    fn navigation_keys_drive_the_timeline_unless_the_detail_pane_has_focus() {
        assert_eq!(shortcut("ArrowDown", false, false, false, false), Some(Shortcut::Move(1)));
        assert_eq!(shortcut("ArrowUp", false, false, false, false), Some(Shortcut::Move(-1)));
        assert_eq!(shortcut("Enter", false, false, false, false), Some(Shortcut::OpenDetail));
        assert_eq!(shortcut("ArrowDown", false, false, false, true), None);
        assert_eq!(shortcut("f", false, false, false, true), Some(Shortcut::ToggleFollow));
        assert_eq!(shortcut("/", false, false, false, false), Some(Shortcut::FocusFilter));
        assert_eq!(shortcut("f", false, true, false, false), None);
    }
}
