//! The timeline: one row per record, virtualised (only the rows in view are in the DOM).

use mcpscope_proto::RecordSummary;
use web_sys::{Element, HtmlSelectElement};
use yew::prelude::*;

use crate::components::field_value;
use crate::components::record_row::{Lead, RowState, row, thead};
use crate::filter::{Filter, KindFilter};
use crate::hooks::use_redraw_later::use_redraw_later;
use crate::hooks::use_viewport::{ScrollMemory, measure, use_reveal, use_viewport};
use crate::shared_vec::SharedVec;
use crate::state::{Action, State};
use crate::timing;
use crate::viewport::{FOLLOW_OVERSCAN, OVERSCAN, ROW_HEIGHT, keep_drawn, moved_up, visible_range};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub records: SharedVec<RecordSummary>,
    pub view: SharedVec<u32>,
    /// Records of the session before the first one held (see `State::older`).
    pub older: u64,
    /// Rows added or removed above the view by the last trim or page (see `State::shifted`).
    pub shifted: (u32, i64),
    pub filter: Filter,
    pub selected: Option<u64>,
    /// The response to the selected request, if any.
    pub response: Option<u64>,
    pub follow: bool,
    /// The session is not written to the history: rows let go come back only from the
    /// engine's memory (its newest records).
    pub unrecorded: bool,
    /// Where the list was scrolled, kept while the timeline is not shown.
    pub scroll: ScrollMemory,
    pub dispatch: UseReducerDispatcher<State>,
}

/// The rows the timeline drew last, and what it drew them from.
struct Drawn {
    /// When (ms, `timing::now`).
    at: f64,
    /// The rows passing the filter then: the list's height, and where following scrolls to.
    total: usize,
    from: DrawnFrom,
    rows: Html,
}

/// Everything but the list's length that decides which rows are drawn and how.
#[derive(PartialEq)]
struct DrawnFrom {
    selected: Option<u64>,
    response: Option<u64>,
    filter: Filter,
    shifted: (u32, i64),
    height: f64,
}

/// Position of `seq` in the filtered rows.
fn position_of(records: &SharedVec<RecordSummary>, view: &SharedVec<u32>, seq: u64) -> Option<usize> {
    let idx = records.with(|r| r.binary_search_by_key(&seq, |s| s.seq).ok())? as u32;
    view.with(|v| v.binary_search(&idx).ok())
}

/// Whether the list `el`, scrolled to `top`, shows its end (within 2 px).
fn at_bottom(el: &Element, top: f64) -> bool {
    top + f64::from(el.client_height()) >= f64::from(el.scroll_height()) - 2.0
}

/// The value of `attr` on `target` or its nearest ancestor that has it.
pub fn data_attr<T: std::str::FromStr>(target: &Element, attr: &str) -> Option<T> {
    let el = target.closest(&format!("[{attr}]")).ok().flatten()?;
    el.get_attribute(attr)?.parse().ok()
}

#[component]
pub fn Timeline(props: &Props) -> Html {
    let scroller = use_node_ref();

    // Back from another view: scroll to where the list was (following scrolls to the end
    // below). Declared before the viewport hook so that its first measurement sees it.
    {
        let (scroller, scroll, follow) = (scroller.clone(), props.scroll.clone(), props.follow);
        use_effect_with((), move |_| {
            if let (false, Some(el)) = (follow, scroller.cast::<Element>()) {
                el.set_scroll_top(scroll.get().round() as i32);
            }
        });
    }
    let viewport = use_viewport(scroller.clone());

    // While following a flood, the rows are drawn at most every `FOLLOW_REDRAW_MS` and the
    // count in every frame: between two draws the list keeps the rows (and the length) it
    // drew, and a redraw is due at the end of the interval, should nothing else come.
    let drawn = use_mut_ref(|| None::<Drawn>);
    let redraw = use_redraw_later();
    let listed = props.view.len();
    let from = DrawnFrom {
        selected: props.selected,
        response: props.response,
        filter: props.filter.clone(),
        shifted: props.shifted,
        height: viewport.height,
    };
    let now = timing::now();
    let kept = drawn.borrow().as_ref().and_then(|d| {
        keep_drawn(props.follow, d.from == from, d.total, listed, now - d.at).map(|wait| (wait, d.total))
    });
    if let Some((wait, _)) = kept {
        redraw.within(wait);
    }
    let total = kept.map_or(listed, |(_, total)| total);

    // Follow: keep the newest row in view as rows arrive. Unless the user has just scrolled
    // up and its scroll event is still to come (a batch rendered in between): then following
    // stops here, rather than the list being pulled back to the end under the user's hand.
    // A list that shrank (a trim, a filter) is clamped to its end: that is not the user. The
    // list's own height counts too: a window or pane resized while following keeps the newest
    // rows in view (the rows drawn are the bottom ones; the scroll position has to follow).
    // A list grown taller is clamped too, its position lowered by up to what it grew: not the
    // user either, even when rows came in before this effect saw it (following used to stop
    // at a connect now and then, the status line settling as the first rows came).
    {
        let (scroller, memory, dispatch) = (scroller.clone(), props.scroll.clone(), props.dispatch.clone());
        // Where this effect last left the list, and the list's height then (none yet in a
        // list just shown).
        let left_at = use_mut_ref(|| None::<(f64, f64)>);
        let height = viewport.height.round() as i64;
        use_effect_with((total, props.follow, height), move |(_, follow, _)| {
            if let (true, Some(el)) = (*follow, scroller.cast::<Element>()) {
                let (top, shown) = (f64::from(el.scroll_top()), f64::from(el.client_height()));
                let by_user = left_at.borrow().is_some_and(|(left, was)| moved_up(top, left, shown - was));
                if by_user && !at_bottom(&el, top) {
                    *left_at.borrow_mut() = None;
                    memory.set(top);
                    dispatch.dispatch(Action::SetFollow(false));
                } else {
                    el.set_scroll_top(el.scroll_height());
                    *left_at.borrow_mut() = Some((f64::from(el.scroll_top()), shown));
                }
            } else {
                *left_at.borrow_mut() = None;
            }
        });
    }

    // Rows came in or went above the ones in view (an older page, a trim): keep the same
    // rows in view. Following keeps the newest in view anyway.
    {
        let (scroller, follow) = (scroller.clone(), props.follow);
        use_effect_with(props.shifted, move |&(_, rows)| {
            if let (false, Some(el), true) = (follow, scroller.cast::<Element>(), rows != 0) {
                let top = f64::from(el.scroll_top()) + rows as f64 * ROW_HEIGHT;
                el.set_scroll_top(top.max(0.0).round() as i32);
            }
        });
    }

    // Keep the selected row in view when the selection moves or the filter changes.
    let selected_pos = props.selected.and_then(|seq| position_of(&props.records, &props.view, seq));
    use_reveal(scroller.clone(), props.selected, selected_pos);

    let onscroll = {
        let (scroller, viewport, dispatch, follow, memory) =
            (scroller.clone(), viewport.clone(), props.dispatch.clone(), props.follow, props.scroll.clone());
        Callback::from(move |_: Event| {
            let Some(el) = scroller.cast::<Element>() else { return };
            let vp = measure(&el);
            let at_bottom = at_bottom(&el, vp.top);
            let prev = memory.get();
            memory.set(vp.top);
            // The user scrolled up: stop following. Scrolled back down to the end: follow again.
            // Programmatic scrolls and clamping after the list shrinks never move up off the end;
            // a list grown taller is clamped by up to what it grew.
            let unfollow = follow && moved_up(vp.top, prev, vp.height - viewport.height) && !at_bottom;
            if unfollow {
                dispatch.dispatch(Action::SetFollow(false));
            } else if !follow && vp.top > prev + 1.0 && at_bottom {
                dispatch.dispatch(Action::SetFollow(true));
            }
            // While following, the rows drawn depend on the row count, not on where the list
            // is scrolled: the scroll to the end after each batch would otherwise draw the
            // same rows a second time in every frame of a flood.
            if !follow || unfollow || vp.height != viewport.height {
                viewport.set(vp);
            }
        })
    };

    // One click handler for all rows (event delegation): jump links, exchange links, rows.
    let onclick = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(target) = e.target_dyn_into::<Element>() else { return };
            if let Some(seq) = data_attr::<u64>(&target, "data-jump") {
                dispatch.dispatch(Action::JumpTo(seq));
            } else if let Some(x) = data_attr::<u64>(&target, "data-exchange") {
                dispatch.dispatch(Action::SetExchange(Some(x)));
            } else if let Some(seq) = data_attr::<u64>(&target, "data-seq") {
                dispatch.dispatch(Action::Select(seq));
            }
        })
    };

    let vp = *viewport;
    // While following, render the bottom rows right away rather than after the scroll event.
    // Otherwise the rows at the list's last scroll position (kept in `scroll` by every scroll
    // event): the viewport's own `top` may be older, as it is not updated while following.
    let top =
        if props.follow { (total as f64 * ROW_HEIGHT - vp.height).max(0.0) } else { props.scroll.get() };
    let kept_rows = kept.and(drawn.borrow().as_ref().map(|d| d.rows.clone()));
    let rows = kept_rows.unwrap_or_else(|| {
        let rows = draw_rows(props, top, vp.height, total);
        *drawn.borrow_mut() = Some(Drawn { at: now, total, from, rows: rows.clone() });
        rows
    });

    let empty = if props.records.is_empty() && props.older > 0 {
        Some("Cleared: new traffic shows here. ↑ older brings back what came before.")
    } else if props.records.is_empty() {
        Some("No traffic yet. Connect to a server or start the demo server.")
    } else if listed == 0 {
        Some("No records match the filter. Ctrl+L clears it.")
    } else {
        None
    };

    html! {
        <section class="timeline-pane">
            <Toolbar filter={props.filter.clone()} shown={listed} held={props.records.len()}
                older={props.older} first={props.records.with(|r| r.first().map(|s| s.seq))}
                follow={props.follow} unrecorded={props.unrecorded} dispatch={props.dispatch.clone()} />
            <div id="timeline" class="timeline" tabindex="0" ref={scroller} {onscroll} {onclick}>
                { thead(false) }
                <div class="rows" style={format!("height:{}px", total as f64 * ROW_HEIGHT)}>
                    { rows }
                </div>
                { for empty.map(|m| html! { <div class="empty">{m}</div> }) }
            </div>
        </section>
    }
}

/// The rows in view (and the overscan) of a list of `total` rows scrolled to `top`, `height`
/// px tall.
fn draw_rows(props: &Props, top: f64, height: f64, total: usize) -> Html {
    let overscan = if props.follow { FOLLOW_OVERSCAN } else { OVERSCAN };
    let range = visible_range(top, height, ROW_HEIGHT, total, overscan);
    let selected_pair = props.selected.and_then(|seq| {
        props.records.with(|r| {
            let i = r.binary_search_by_key(&seq, |s| s.seq).ok()?;
            r[i].pair_seq
        })
    });
    props.records.with(|recs| {
        props.view.with(|view| {
            view[range.clone()]
                .iter()
                .enumerate()
                .filter_map(|(k, &idx)| {
                    let r = recs.get(idx as usize)?;
                    let selected = props.selected == Some(r.seq);
                    let paired = Some(r.seq) == selected_pair || Some(r.seq) == props.response;
                    let link = if selected { r.pair_seq.or(props.response) } else { None };
                    Some(row(r, Lead::Live, RowState { pos: range.start + k, selected, paired, link }))
                })
                .collect()
        })
    })
}

#[derive(Properties, PartialEq)]
struct ToolbarProps {
    filter: Filter,
    /// Rows passing the filter.
    shown: usize,
    /// Rows held.
    held: usize,
    /// Records before the first held.
    older: u64,
    /// The first held row's seq.
    first: Option<u64>,
    follow: bool,
    unrecorded: bool,
    dispatch: UseReducerDispatcher<State>,
}

#[component]
fn Toolbar(props: &ToolbarProps) -> Html {
    let d = props.dispatch.clone();
    let on_kind = d.to_callback().reform(|e: Event| {
        Action::SetFilterKind(KindFilter::from_value(&e.target_unchecked_into::<HtmlSelectElement>().value()))
    });
    let on_text = d.to_callback().reform(|e: Event| Action::SetFilterText(field_value(&e)));
    let on_follow = d.to_callback().reform(|_: MouseEvent| Action::ToggleFollow);
    let on_clear = d.to_callback().reform(|_: MouseEvent| Action::ClearRows);
    let clear_title = if props.unrecorded {
        "Clear the view (Ctrl+K): only what comes next is shown. Not recorded: ↑ older brings back \
         only the records still in memory (Settings: Records in memory)"
    } else {
        "Clear the view (Ctrl+K): only what comes next is shown; ↑ older brings the rest back"
    };
    let total = props.older + props.held as u64;
    let count = if props.shown == props.held {
        format!("{total} records")
    } else if props.older == 0 {
        format!("{} of {total} records", props.shown)
    } else {
        // The filter sees the rows held; say so.
        format!("{} of {total} records (newest {})", props.shown, props.held)
    };
    let count_title = (props.older > 0).then(|| {
        format!(
            "The window holds the newest {} rows; {} older records are in the history (↑ older loads them back)",
            props.held, props.older
        )
    });
    html! {
        <div class="toolbar">
            <select id="filter-kind" aria-label="Record kinds" onchange={on_kind}>
                { for KindFilter::ALL.into_iter().map(|k| html! {
                    <option value={k.value()} selected={k == props.filter.kind}>{k.label()}</option>
                }) }
            </select>
            <input id="filter-text" class="filter-text" type="search" spellcheck="false" autocomplete="off"
                placeholder="Filter by method or title   /" value={props.filter.text.clone()} oninput={on_text.reform(Event::from)} onchange={on_text} />
            { for props.filter.exchange.map(|x| html! {
                <button class="chip" title="Show all exchanges"
                    onclick={d.to_callback().reform(|_: MouseEvent| Action::SetExchange(None))}>
                    {format!("exchange {x}")}<span class="chip-x">{"×"}</span>
                </button>
            }) }
            if !props.filter.is_empty() {
                <button class="btn ghost small" title="Show everything (Ctrl+L)"
                    onclick={d.to_callback().reform(|_: MouseEvent| Action::ClearFilter)}>
                    {"Clear filter"}
                </button>
            }
            <span class="spacer" />
            if props.older > 0 {
                <LoadOlder older={props.older} first={props.first} dispatch={d.clone()} />
            }
            <span class="count" title={count_title}>{count}</span>
            <button id="clear-rows" class="btn ghost small" onclick={on_clear} disabled={props.held == 0}
                title={clear_title}>
                {"Clear"}
            </button>
            <button id="follow" class={classes!("btn", "toggle", props.follow.then_some("on"))}
                aria-pressed={props.follow.to_string()} onclick={on_follow}
                title="Keep the newest record in view (f)">
                <span class="led" />{"Follow"}
            </button>
        </div>
    }
}

/// Rows loaded back from the history per click (and when a window starts mid-session).
pub(crate) const PAGE: u32 = 5_000;

#[derive(Properties, PartialEq)]
struct LoadOlderProps {
    older: u64,
    first: Option<u64>,
    dispatch: UseReducerDispatcher<State>,
}

/// Brings back the page of rows before the first one held: the window keeps only the newest
/// rows of a long session while it follows them.
#[component]
fn LoadOlder(props: &LoadOlderProps) -> Html {
    let pending = use_state(|| false);
    let error = use_state(|| None::<String>);
    let onclick = {
        let (pending, error, dispatch, first) =
            (pending.clone(), error.clone(), props.dispatch.clone(), props.first);
        Callback::from(move |_: MouseEvent| {
            if *pending {
                return;
            }
            pending.set(true);
            let (pending, error, dispatch) = (pending.clone(), error.clone(), dispatch.clone());
            yew::platform::spawn_local(async move {
                match crate::ipc::timeline_page(first.unwrap_or(u64::MAX), PAGE).await {
                    Ok(page) => {
                        error.set(None);
                        let last = page.len() < PAGE as usize;
                        dispatch.dispatch(Action::Older { page, last });
                    }
                    Err(e) => error.set(Some(e.message)),
                }
                pending.set(false);
            });
        })
    };
    let n = u64::from(PAGE).min(props.older);
    let title = match &*error {
        Some(e) => format!("Could not load older rows: {e}"),
        None => format!(
            "{} older records are in the history: load the {n} before the first row here",
            props.older
        ),
    };
    html! {
        <button id="load-older" class={classes!("btn", "ghost", "small", error.is_some().then_some("failed"))}
            {title} disabled={*pending} {onclick}>
            { if *pending { "Loading…".to_owned() } else { format!("↑ {} older", props.older) } }
        </button>
    }
}
