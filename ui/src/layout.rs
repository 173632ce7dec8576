//! The window's resizable panes: the detail pane's width (Live and History) and the send
//! panel's height, set by dragging the splitter beside a pane or with its arrow keys
//! ([`crate::components::splitter`]). A size is shown through a CSS variable on `<html>`
//! (`--detail-w`, `--send-h`) that the stylesheet reads, so a drag moves a pane without a
//! render, and kept in `localStorage` for the next start. No size set: the stylesheet's own.

use serde::{Deserialize, Serialize};

/// A pane whose size the user sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The record detail on the right of the Live and History views: its width.
    Detail,
    /// The send panel along the bottom of the Live view: its height.
    Send,
}

impl Pane {
    fn var(self) -> &'static str {
        match self {
            Pane::Detail => "--detail-w",
            Pane::Send => "--send-h",
        }
    }

    /// The smallest size the pane takes, px.
    pub fn min(self) -> f64 {
        match self {
            Pane::Detail => 260.0,
            Pane::Send => 140.0,
        }
    }

    /// What the pane leaves at least to the view it shares its room with, px: the timeline's
    /// (or the results') width beside the detail pane; above the send panel, the Live view's
    /// toolbar, header and a few rows. The stylesheet says the same (`max-width`,
    /// `max-height`), for a window made smaller later.
    fn rest(self) -> f64 {
        match self {
            Pane::Detail => 360.0,
            Pane::Send => 160.0,
        }
    }

    /// Whether the pane's splitter divides columns (it then moves left and right).
    pub fn between_columns(self) -> bool {
        self == Pane::Detail
    }
}

/// `px` within the pane's bounds in the `room` it shares with the view beside it (their
/// widths, or heights, together), in whole pixels.
pub fn clamp(pane: Pane, px: f64, room: f64) -> f64 {
    let max = (room - pane.rest()).max(pane.min());
    px.clamp(pane.min(), max).round()
}

/// The size a drag gives: the pane's size when the drag began, the pointer moved by `moved`
/// px since (right or down is positive). Both panes lie after their splitter, so a pane grows
/// as its splitter moves back (left, up).
pub fn dragged(start: f64, moved: f64) -> f64 {
    start - moved
}

/// The change a key on the splitter makes to its pane's size, px: the arrows along the
/// splitter's axis move it 16 px (64 with Shift); `None` for any other key.
pub fn key_step(pane: Pane, key: &str, shift: bool) -> Option<f64> {
    let step = if shift { 64.0 } else { 16.0 };
    match (pane.between_columns(), key) {
        (true, "ArrowLeft") | (false, "ArrowUp") => Some(step),
        (true, "ArrowRight") | (false, "ArrowDown") => Some(-step),
        _ => None,
    }
}

const KEY: &str = "mcpscope.layout";

/// The sizes kept between runs; `None`: the stylesheet's.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct Saved {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    send: Option<f64>,
}

impl Saved {
    fn slot(&mut self, pane: Pane) -> &mut Option<f64> {
        match pane {
            Pane::Detail => &mut self.detail,
            Pane::Send => &mut self.send,
        }
    }

    /// The kept sizes read from `text`; anything unreadable or out of bounds is left out (a
    /// size is clamped again against the window when it is used).
    fn read(text: &str) -> Saved {
        let mut saved: Saved = serde_json::from_str(text).unwrap_or_default();
        for pane in [Pane::Detail, Pane::Send] {
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
    let saved = Saved::read(&text);
    for (pane, px) in [(Pane::Detail, saved.detail), (Pane::Send, saved.send)] {
        if let Some(px) = px {
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
        assert_eq!(dragged(440.0, -60.0), 500.0, "dragged left: the detail pane widens");
        assert_eq!(dragged(280.0, 40.0), 240.0, "dragged down: the send panel shortens");
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
        let odd = Saved::read(r#"{"detail": 12, "send": 300, "later": true}"#);
        assert_eq!(odd, Saved { detail: None, send: Some(300.0) }, "below the least: left out");
        assert_eq!(Saved::read("not json"), Saved::default());
    }
}
