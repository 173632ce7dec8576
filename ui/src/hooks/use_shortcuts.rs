//! Global keyboard shortcuts (see [`shortcut`] for the map). The same keys drive whichever
//! view is shown: the live timeline or the History results.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::history::{HistoryAction, HistoryState};
use crate::state::{Action, State, View};

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
    /// Ctrl+K: clear the live view (its rows stay in the session, behind "older").
    ClearRows,
    /// Escape: back to the timeline.
    FocusTimeline,
    /// Ctrl+1 … Ctrl+4 (and Ctrl+, for Settings): show that view.
    Show(View),
    /// Ctrl+N: another session in a new window.
    NewWindow,
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
        return match key {
            "l" | "L" => Some(Shortcut::ClearFilter),
            "k" | "K" => Some(Shortcut::ClearRows),
            "1" => Some(Shortcut::Show(View::Live)),
            "2" => Some(Shortcut::Show(View::History)),
            "3" => Some(Shortcut::Show(View::Auth)),
            "4" | "," => Some(Shortcut::Show(View::Settings)),
            "n" | "N" => Some(Shortcut::NewWindow),
            _ => None,
        };
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

/// Who the keys act on.
struct Targets {
    view: View,
    live: UseReducerDispatcher<State>,
    history: UseReducerDispatcher<HistoryState>,
    set_view: Callback<View>,
}

fn on_key(t: &Targets, e: &KeyboardEvent) {
    let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let typing =
        target.as_ref().is_some_and(|t| matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
    if e.key() == "Enter" && target.as_ref().is_some_and(|t| t.tag_name() == "BUTTON") {
        return; // Enter on a focused button presses it.
    }
    let in_detail =
        target.as_ref().is_some_and(|t| t.closest("#detail, #auth-detail").ok().flatten().is_some());
    let Some(action) = shortcut(&e.key(), e.ctrl_key(), e.alt_key() || e.meta_key(), typing, in_detail)
    else {
        return;
    };
    e.prevent_default();
    let (live, history) = (&t.live, &t.history);
    match (t.view, action) {
        (_, Shortcut::Show(view)) => t.set_view.emit(view),
        (_, Shortcut::NewWindow) => crate::ipc::open_new_window(),
        (View::Auth, Shortcut::OpenDetail) => focus("auth-detail"),
        (_, Shortcut::OpenDetail) => focus("detail-body"),
        (View::Live, Shortcut::Move(n)) => live.dispatch(Action::MoveSelection(n)),
        (View::Live, Shortcut::First) => live.dispatch(Action::SelectFirst),
        (View::Live, Shortcut::Last) => live.dispatch(Action::SelectLast),
        (View::Live, Shortcut::ToggleFollow) => live.dispatch(Action::ToggleFollow),
        (View::Live, Shortcut::FocusFilter) => focus("filter-text"),
        (View::Live, Shortcut::ClearFilter) => live.dispatch(Action::ClearFilter),
        (View::Live, Shortcut::ClearRows) => live.dispatch(Action::ClearRows),
        (View::Live, Shortcut::FocusTimeline) => focus("timeline"),
        (View::History, Shortcut::Move(n)) => history.dispatch(HistoryAction::MoveSelection(n)),
        (View::History, Shortcut::First) => history.dispatch(HistoryAction::SelectFirst),
        (View::History, Shortcut::Last) => history.dispatch(HistoryAction::SelectLast),
        // Nothing to follow or clear in the past: the results are a search.
        (View::History, Shortcut::ToggleFollow | Shortcut::ClearRows) => {}
        (View::History, Shortcut::FocusFilter) => focus("history-query"),
        (View::History, Shortcut::ClearFilter) => {
            history.dispatch(HistoryAction::SetQuery(String::new()));
            focus("history-query");
        }
        (View::History, Shortcut::FocusTimeline) => focus("history-results"),
        (View::Auth, Shortcut::Move(n)) => live.dispatch(Action::MoveAuthStep(n)),
        (View::Auth, Shortcut::First) => live.dispatch(Action::MoveAuthStep(i64::MIN)),
        (View::Auth, Shortcut::Last) => live.dispatch(Action::MoveAuthStep(i64::MAX)),
        (View::Auth, Shortcut::FocusTimeline) => focus("auth-steps"),
        // No filter and nothing to follow or clear in the OAuth debugger.
        (
            View::Auth,
            Shortcut::ToggleFollow | Shortcut::FocusFilter | Shortcut::ClearFilter | Shortcut::ClearRows,
        ) => {}
        // A form: Tab moves between its fields, Escape goes to the first.
        (View::Settings, Shortcut::FocusTimeline) => focus("limit-max-body"),
        (View::Settings, _) => {}
    }
}

/// Listens for the shortcuts while the app runs; `view` says which view they drive.
#[hook]
pub fn use_shortcuts(
    view: View,
    live: UseReducerDispatcher<State>,
    history: UseReducerDispatcher<HistoryState>,
    set_view: Callback<View>,
) {
    use_effect_with(view, move |&view| {
        let targets = Targets { view, live, history, set_view };
        let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| on_key(&targets, &e));
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
        assert_eq!(shortcut("k", true, false, true, false), Some(Shortcut::ClearRows));
        assert_eq!(shortcut("k", false, false, false, false), None, "a plain k is just a key");
        assert_eq!(shortcut("Escape", false, false, true, false), Some(Shortcut::FocusTimeline));
        assert_eq!(shortcut("Enter", true, false, true, false), None);
    }

    #[test]
    fn ctrl_digits_switch_views_even_while_typing() {
        assert_eq!(shortcut("1", true, false, true, false), Some(Shortcut::Show(View::Live)));
        assert_eq!(shortcut("2", true, false, false, true), Some(Shortcut::Show(View::History)));
        assert_eq!(shortcut("2", false, false, false, false), None, "a plain 2 is just a key");
        assert_eq!(shortcut("3", true, false, false, false), Some(Shortcut::Show(View::Auth)));
        assert_eq!(shortcut(",", true, false, true, false), Some(Shortcut::Show(View::Settings)));
        assert_eq!(shortcut("4", true, false, false, false), Some(Shortcut::Show(View::Settings)));
        assert_eq!(shortcut("5", true, false, false, false), None);
        assert_eq!(shortcut("n", true, false, true, false), Some(Shortcut::NewWindow), "even while typing");
        assert_eq!(shortcut("n", false, false, false, false), None);
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
