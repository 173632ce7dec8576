//! The window's resizable panes: the detail pane's width (Live and History), the send
//! panel's height, the History sessions list's width and the Auth view's token panel's,
//! set by dragging the splitter beside a pane or with its arrow keys
//! ([`crate::components::splitter`]). A size is shown through a CSS variable on `<html>`
//! (`--detail-w`, `--send-h`, `--sessions-w`, `--token-w`) that the stylesheet reads, so a
//! drag moves a pane without a render, and kept in `localStorage` for the next start. No
//! size set: the stylesheet's own.

use serde::{Deserialize, Serialize};

/// A pane whose size the user sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The record detail on the right of the Live and History views: its width.
    Detail,
    /// The send panel along the bottom of the Live view: its height.
    Send,
    /// The stored sessions on the left of the History view: its width.
    Sessions,
    /// The token inspector on the right of the Auth view: its width.
    Token,
}

impl Pane {
    const ALL: [Pane; 4] = [Pane::Detail, Pane::Send, Pane::Sessions, Pane::Token];

    fn var(self) -> &'static str {
        match self {
            Pane::Detail => "--detail-w",
            Pane::Send => "--send-h",
            Pane::Sessions => "--sessions-w",
            Pane::Token => "--token-w",
        }
    }

    /// The smallest size the pane takes, px.
    pub fn min(self) -> f64 {
        match self {
            Pane::Detail => 260.0,
            Pane::Send => 140.0,
            Pane::Sessions => 180.0,
            Pane::Token => 300.0,
        }
    }

    /// What the pane leaves at least to the view it shares its room with, px: the timeline's
    /// (or the results') width beside the detail pane and the sessions list, the OAuth
    /// flow's beside the token panel; above the send panel, the Live view's toolbar, header
    /// and a few rows. The stylesheet says the same (`max-width`, `max-height`), for a window
    /// made smaller later.
    fn rest(self) -> f64 {
        match self {
            Pane::Detail | Pane::Sessions | Pane::Token => 360.0,
            Pane::Send => 160.0,
        }
    }

    /// Whether the pane's splitter divides columns (it then moves left and right).
    pub fn between_columns(self) -> bool {
        self != Pane::Send
    }

    /// Whether the pane lies before its splitter (left of it): it then grows as the
    /// splitter moves on (right). The others lie after theirs.
    pub fn before_splitter(self) -> bool {
        self == Pane::Sessions
    }
}

/// `px` within the pane's bounds in the `room` it shares with the view beside it (their
/// widths, or heights, together), in whole pixels.
pub fn clamp(pane: Pane, px: f64, room: f64) -> f64 {
    let max = (room - pane.rest()).max(pane.min());
    px.clamp(pane.min(), max).round()
}

/// The size a drag gives: the pane's size when the drag began, the pointer moved by `moved`
/// px since (right or down is positive). A pane after its splitter grows as the splitter
/// moves back (left, up); one before it as the splitter moves on.
pub fn dragged(pane: Pane, start: f64, moved: f64) -> f64 {
    if pane.before_splitter() { start + moved } else { start - moved }
}

/// The change a key on the splitter makes to its pane's size, px: the arrows along the
/// splitter's axis move it 16 px (64 with Shift), the pane changing as a drag that far would
/// change it; `None` for any other key.
pub fn key_step(pane: Pane, key: &str, shift: bool) -> Option<f64> {
    let step = if shift { 64.0 } else { 16.0 };
    let moved = match (pane.between_columns(), key) {
        (true, "ArrowLeft") | (false, "ArrowUp") => -step,
        (true, "ArrowRight") | (false, "ArrowDown") => step,
        _ => return None,
    };
    Some(dragged(pane, 0.0, moved))
}

const KEY: &str = "mcpscope.layout";

/// The sizes kept between runs; `None`: the stylesheet's.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct Saved {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    send: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sessions: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<f64>,
}

impl Saved {
    fn slot(&mut self, pane: Pane) -> &mut Option<f64> {
        match pane {
            Pane::Detail => &mut self.detail,
            Pane::Send => &mut self.send,
            Pane::Sessions => &mut self.sessions,
            Pane::Token => &mut self.token,
        }
    }

    /// The kept sizes read from `text`; anything unreadable or out of bounds is left out (a
    /// size is clamped again against the window when it is used).
    fn read(text: &str) -> Saved {
        let mut saved: Saved = serde_json::from_str(text).unwrap_or_default();
        for pane in Pane::ALL {
            let slot = saved.slot(pane);
            *slot = slot.filter(|px| px.is_finite() && *px >= pane.min() && *px <= 10_000.0);
        }
        saved
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn root_style() -> Option<web_sys::CssStyleDeclaration> {
    use wasm_bindgen::JsCast;
    let root = web_sys::window()?.document()?.document_element()?;
    Some(root.dyn_into::<web_sys::HtmlElement>().ok()?.style())
}

/// Shows `pane` at `px` (not kept).
pub fn show(pane: Pane, px: f64) {
    if let Some(style) = root_style() {
        let _ = style.set_property(pane.var(), &format!("{px}px"));
    }
}

/// Shows `pane` at `px` and keeps it for the next start.
pub fn keep(pane: Pane, px: f64) {
    show(pane, px);
    update(|saved| *saved.slot(pane) = Some(px));
}

/// Gives `pane` the stylesheet's size again, now and at the next start.
pub fn reset(pane: Pane) {
    if let Some(style) = root_style() {
        let _ = style.remove_property(pane.var());
    }
    update(|saved| *saved.slot(pane) = None);
}

/// Shows the sizes kept by an earlier run (at start).
pub fn restore() {
    let Some(text) = storage().and_then(|s| s.get_item(KEY).ok().flatten()) else { return };
    let mut saved = Saved::read(&text);
    for pane in Pane::ALL {
        if let Some(px) = *saved.slot(pane) {
            show(pane, px);
        }
    }
}

fn update(change: impl FnOnce(&mut Saved)) {
    let Some(storage) = storage() else { return };
    let mut saved = storage.get_item(KEY).ok().flatten().map(|t| Saved::read(&t)).unwrap_or_default();
    change(&mut saved);
    if let Ok(text) = serde_json::to_string(&saved) {
        // Storage can be full or disabled; the size then lasts for this run only.
        let _ = storage.set_item(KEY, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_size_stays_within_the_pane_and_leaves_room_for_the_rest() {
        assert_eq!(clamp(Pane::Detail, 500.4, 1280.0), 500.0);
        assert_eq!(clamp(Pane::Detail, 100.0, 1280.0), Pane::Detail.min());
        assert_eq!(clamp(Pane::Detail, 1200.0, 1280.0), 1280.0 - 360.0, "the timeline keeps 360 px");
        assert_eq!(clamp(Pane::Send, 900.0, 700.0), 540.0, "the view above keeps 160 px");
        // A window too small for both: the pane keeps its least.
        assert_eq!(clamp(Pane::Send, 300.0, 250.0), Pane::Send.min());
    }

    #[test]
    fn a_pane_grows_as_its_splitter_moves_back_and_keys_move_along_its_axis() {
        assert_eq!(dragged(Pane::Detail, 440.0, -60.0), 500.0, "dragged left: the detail pane widens");
        assert_eq!(dragged(Pane::Send, 280.0, 40.0), 240.0, "dragged down: the send panel shortens");
        assert_eq!(dragged(Pane::Token, 460.0, -20.0), 480.0, "dragged left: the token panel widens");
        assert_eq!(dragged(Pane::Sessions, 236.0, 30.0), 266.0, "dragged right: the sessions list widens");
        assert_eq!(key_step(Pane::Sessions, "ArrowRight", false), Some(16.0));
        assert_eq!(key_step(Pane::Sessions, "ArrowLeft", true), Some(-64.0));
        assert_eq!(key_step(Pane::Token, "ArrowLeft", false), Some(16.0));
        assert_eq!(key_step(Pane::Detail, "ArrowLeft", false), Some(16.0));
        assert_eq!(key_step(Pane::Detail, "ArrowRight", true), Some(-64.0));
        assert_eq!(key_step(Pane::Detail, "ArrowUp", false), None, "across the axis");
        assert_eq!(key_step(Pane::Send, "ArrowUp", false), Some(16.0));
        assert_eq!(key_step(Pane::Send, "ArrowDown", false), Some(-16.0));
        assert_eq!(key_step(Pane::Send, "Enter", false), None);
    }

    #[test]
    fn kept_sizes_read_back_and_bad_ones_are_left_out() {
        let mut saved = Saved::default();
        *saved.slot(Pane::Detail) = Some(520.0);
        let text = serde_json::to_string(&saved).unwrap();
        assert_eq!(text, r#"{"detail":520.0}"#);
        assert_eq!(Saved::read(&text), saved);
        let odd = Saved::read(r#"{"detail": 12, "send": 300, "sessions": 200, "token": 1e9, "later": true}"#);
        let expected = Saved { send: Some(300.0), sessions: Some(200.0), ..Saved::default() };
        assert_eq!(odd, expected, "below the least or absurd: left out");
        assert_eq!(Saved::read("not json"), Saved::default());
    }
}
