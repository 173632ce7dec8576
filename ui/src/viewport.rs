//! Virtual scrolling arithmetic for the timeline and the history results: which rows to render, where to scroll.

use std::ops::Range;

/// Every timeline row has this height (px); the CSS uses the same value.
pub const ROW_HEIGHT: f64 = 22.0;
/// Height of the sticky column header inside a list's scroll container (px; the CSS agrees).
pub const HEADER_HEIGHT: f64 = 24.0;
/// Rows rendered above and below the visible ones, so fast scrolling shows no gaps.
pub const OVERSCAN: usize = 10;

/// The rows to render for a viewport `height` px tall scrolled to `scroll_top`, as a range of
/// positions in a list of `total` rows of `row_height` px each.
pub fn visible_range(
    scroll_top: f64,
    height: f64,
    row_height: f64,
    total: usize,
    overscan: usize,
) -> Range<usize> {
    if total == 0 || row_height <= 0.0 {
        return 0..0;
    }
    let top = scroll_top.max(0.0);
    let first = (top / row_height).floor() as usize;
    let last = ((top + height.max(0.0)) / row_height).ceil() as usize;
    let end = last.saturating_add(overscan).min(total);
    let start = first.saturating_sub(overscan).min(end);
    start..end
}

/// The `scroll_top` that brings row `pos` fully into a viewport `height` px tall, or `None`
/// when it is already fully visible.
pub fn reveal(pos: usize, scroll_top: f64, height: f64, row_height: f64) -> Option<f64> {
    let row_top = pos as f64 * row_height;
    let row_bottom = row_top + row_height;
    if row_top < scroll_top {
        Some(row_top)
    } else if row_bottom > scroll_top + height {
        Some((row_bottom - height).max(0.0))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_covers_viewport_plus_overscan_and_clamps_to_total() {
        // 220 px viewport at the top: rows 0..10 visible, +2 overscan below.
        assert_eq!(visible_range(0.0, 220.0, 22.0, 50_000, 2), 0..12);
        // Scrolled to row 1000: 2 overscan rows above as well.
        assert_eq!(visible_range(22_000.0, 220.0, 22.0, 50_000, 2), 998..1012);
        // Half a row scrolled: the partially visible last row is included.
        assert_eq!(visible_range(11.0, 220.0, 22.0, 50_000, 0), 0..11);
        // Near the end the range stops at total.
        assert_eq!(visible_range(22.0 * 49_995.0, 220.0, 22.0, 50_000, 2), 49_993..50_000);
    }

    #[test]
    fn window_is_empty_or_sane_for_degenerate_input() {
        assert_eq!(visible_range(0.0, 500.0, 22.0, 0, 10), 0..0);
        assert_eq!(visible_range(-50.0, 44.0, 22.0, 5, 0), 0..2);
        // Scrolled past the end (list shrank under a stale scroll position).
        assert_eq!(visible_range(10_000.0, 100.0, 22.0, 5, 3), 5..5);
    }

    #[test]
    fn reveal_scrolls_only_when_needed() {
        assert_eq!(reveal(5, 0.0, 220.0, 22.0), None);
        assert_eq!(reveal(10, 0.0, 220.0, 22.0), Some(22.0));
        assert_eq!(reveal(2, 100.0, 220.0, 22.0), Some(44.0));
    }
}
