//! Virtual scrolling arithmetic for the timeline and the history results: which rows to render, where to scroll.

use std::ops::Range;

/// Every timeline row has this height (px); the CSS uses the same value.
pub const ROW_HEIGHT: f64 = 22.0;
/// Height of the sticky column header inside a list's scroll container (px; the CSS agrees).
pub const HEADER_HEIGHT: f64 = 24.0;
/// Rows rendered above and below the visible ones, so fast scrolling shows no gaps.
pub const OVERSCAN: usize = 10;
/// Rows rendered above the visible ones while a list follows its end: they are seen only
/// once the user scrolls up, which stops following and renders the whole overscan. Fewer
/// rows are fewer to lay out in every frame of a flood.
pub const FOLLOW_OVERSCAN: usize = 2;
/// While a list follows a flood its rows are drawn at most this often (ms), its count in
/// every frame. Laying out the rows' new text is most of the page's work in a frame of a
/// flood (README, gui-bench), and rows that change every frame fly past unread.
pub const FOLLOW_REDRAW_MS: f64 = 100.0;

/// For a list that follows its end and drew `drawn` rows `since_ms` ago, now `total` rows
/// long: how much longer it may keep showing the rows it drew (ms), or `None` to draw them
/// now. Only growth is put off, and only for [`FOLLOW_REDRAW_MS`] after a draw: anything
/// else about the rows (`same_rows` false: the selection, the filter, rows trimmed off the
/// top, the list's height) is drawn at once, and so is the first row after a quiet spell.
pub fn keep_drawn(
    following: bool,
    same_rows: bool,
    drawn: usize,
    total: usize,
    since_ms: f64,
) -> Option<f64> {
    (following && same_rows && total > drawn && (0.0..FOLLOW_REDRAW_MS).contains(&since_ms))
        .then_some(FOLLOW_REDRAW_MS - since_ms)
}

/// Whether a list now scrolled to `top`, last seen scrolled to `was` and `grew` px taller
/// since, was moved up by more than the browser's clamp of a taller list (which lowers the
/// position by up to what it grew): by the user.
pub fn moved_up(top: f64, was: f64, grew: f64) -> bool {
    top < was - 1.0 - grew.max(0.0)
}

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
    fn a_taller_list_clamped_up_is_not_the_user_scrolling() {
        // Seen at a connect: left at 147 px, the list 11 px taller, clamped to 136.
        assert!(!moved_up(136.0, 147.0, 11.0));
        assert!(moved_up(136.0, 147.0, 0.0), "the same height: the user moved it");
        assert!(moved_up(100.0, 147.0, 11.0), "further than the clamp: the user");
        assert!(!moved_up(146.5, 147.0, -30.0), "a shorter list: within a pixel");
        assert!(moved_up(140.0, 147.0, -30.0), "a shorter list is not clamped up");
    }

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
    fn a_following_list_puts_off_only_growth_and_only_briefly() {
        // Growth soon after a draw waits for the rest of the interval.
        assert_eq!(keep_drawn(true, true, 100, 180, 30.0), Some(FOLLOW_REDRAW_MS - 30.0));
        // The interval over: drawn now.
        assert_eq!(keep_drawn(true, true, 100, 180, FOLLOW_REDRAW_MS), None);
        // Not following, anything else changed, or nothing new: drawn now.
        assert_eq!(keep_drawn(false, true, 100, 180, 30.0), None);
        assert_eq!(keep_drawn(true, false, 100, 180, 30.0), None);
        assert_eq!(keep_drawn(true, true, 100, 100, 30.0), None);
        assert_eq!(keep_drawn(true, true, 100, 90, 30.0), None);
        // A clock that went backwards does not put drawing off for good.
        assert_eq!(keep_drawn(true, true, 100, 180, -5.0), None);
    }

    #[test]
    fn reveal_scrolls_only_when_needed() {
        assert_eq!(reveal(5, 0.0, 220.0, 22.0), None);
        assert_eq!(reveal(10, 0.0, 220.0, 22.0), Some(22.0));
        assert_eq!(reveal(2, 100.0, 220.0, 22.0), Some(44.0));
    }
}
