//! The timeline: one row per record, virtualised (only the rows in view are in the DOM).

use mcpscope_proto::{Direction, RecordSummary};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Element, HtmlSelectElement, ResizeObserver};
use yew::prelude::*;

use crate::components::field_value;
use crate::filter::{Filter, KindFilter};
use crate::format;
use crate::shared_vec::SharedVec;
use crate::state::{Action, State};
use crate::viewport::{OVERSCAN, ROW_HEIGHT, reveal, visible_range};

/// Height of the sticky column header inside the scroll container (px; the CSS agrees).
const HEADER_HEIGHT: f64 = 24.0;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub records: SharedVec<RecordSummary>,
    pub view: SharedVec<u32>,
    pub filter: Filter,
    pub selected: Option<u64>,
    /// The response to the selected request, if any.
    pub response: Option<u64>,
    pub follow: bool,
    pub dispatch: UseReducerDispatcher<State>,
}

#[derive(Clone, Copy, PartialEq)]
struct Viewport {
    top: f64,
    /// Height available to rows (below the sticky header).
    height: f64,
}

fn measure(el: &Element) -> Viewport {
    Viewport {
        top: f64::from(el.scroll_top()),
        height: (f64::from(el.client_height()) - HEADER_HEIGHT).max(0.0),
    }
}

/// Position of `seq` in the filtered rows.
fn position_of(records: &SharedVec<RecordSummary>, view: &SharedVec<u32>, seq: u64) -> Option<usize> {
    let idx = records.with(|r| r.binary_search_by_key(&seq, |s| s.seq).ok())? as u32;
    view.with(|v| v.binary_search(&idx).ok())
}

fn data_attr<T: std::str::FromStr>(target: &Element, attr: &str) -> Option<T> {
    let el = target.closest(&format!("[{attr}]")).ok().flatten()?;
    el.get_attribute(attr)?.parse().ok()
}

#[component]
pub fn Timeline(props: &Props) -> Html {
    let scroller = use_node_ref();
    let viewport = use_state(|| Viewport { top: 0.0, height: 600.0 });
    let last_top = use_mut_ref(|| 0.0_f64);

    // Track the container's height (window resizes, pane changes).
    {
        let (scroller, viewport) = (scroller.clone(), viewport.clone());
        use_effect_with((), move |_| {
            let observer = scroller.cast::<Element>().and_then(|el| {
                viewport.set(measure(&el));
                let observed = el.clone();
                let on_resize = Closure::<dyn Fn()>::new(move || viewport.set(measure(&observed)));
                let observer = ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok()?;
                observer.observe(&el);
                Some((observer, on_resize))
            });
            move || {
                if let Some((observer, _closure)) = observer {
                    observer.disconnect();
                }
            }
        });
    }

    // Follow: keep the newest row in view as rows arrive.
    {
        let scroller = scroller.clone();
        use_effect_with((props.view.len(), props.follow), move |(_, follow)| {
            if let (true, Some(el)) = (*follow, scroller.cast::<Element>()) {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }

    // Keep the selected row in view when the selection moves or the filter changes.
    let selected_pos = props.selected.and_then(|seq| position_of(&props.records, &props.view, seq));
    {
        let scroller = scroller.clone();
        use_effect_with((props.selected, selected_pos), move |(_, pos)| {
            if let (Some(pos), Some(el)) = (*pos, scroller.cast::<Element>()) {
                let vp = measure(&el);
                if let Some(top) = reveal(pos, vp.top, vp.height, ROW_HEIGHT) {
                    el.set_scroll_top(top.round() as i32);
                }
            }
        });
    }

    let onscroll = {
        let (scroller, viewport, dispatch, follow) =
            (scroller.clone(), viewport.clone(), props.dispatch.clone(), props.follow);
        Callback::from(move |_: Event| {
            let Some(el) = scroller.cast::<Element>() else { return };
            let vp = measure(&el);
            let at_bottom = vp.top + f64::from(el.client_height()) >= f64::from(el.scroll_height()) - 2.0;
            let prev = std::mem::replace(&mut *last_top.borrow_mut(), vp.top);
            // The user scrolled up: stop following. Scrolled back down to the end: follow again.
            // Programmatic scrolls and clamping after the list shrinks never move up off the end.
            if follow && vp.top < prev - 1.0 && !at_bottom {
                dispatch.dispatch(Action::SetFollow(false));
            } else if !follow && vp.top > prev + 1.0 && at_bottom {
                dispatch.dispatch(Action::SetFollow(true));
            }
            viewport.set(vp);
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

    let total = props.view.len();
    let vp = *viewport;
    // While following, render the bottom rows right away rather than after the scroll event.
    let top = if props.follow { (total as f64 * ROW_HEIGHT - vp.height).max(0.0) } else { vp.top };
    let range = visible_range(top, vp.height, ROW_HEIGHT, total, OVERSCAN);
    let selected_pair = props.selected.and_then(|seq| {
        props.records.with(|r| {
            let i = r.binary_search_by_key(&seq, |s| s.seq).ok()?;
            r[i].pair_seq
        })
    });
    let rows: Html = props.records.with(|recs| {
        props.view.with(|view| {
            view[range.clone()]
                .iter()
                .enumerate()
                .filter_map(|(k, &idx)| {
                    let r = recs.get(idx as usize)?;
                    let selected = props.selected == Some(r.seq);
                    let paired = Some(r.seq) == selected_pair || Some(r.seq) == props.response;
                    let link = if selected { r.pair_seq.or(props.response) } else { None };
                    Some(row(r, range.start + k, selected, paired, link))
                })
                .collect()
        })
    });

    let empty = if props.records.is_empty() {
        Some("No traffic yet. Connect to a server or start the demo server.")
    } else if total == 0 {
        Some("No records match the filter. Ctrl+L clears it.")
    } else {
        None
    };

    html! {
        <section class="timeline-pane">
            <Toolbar filter={props.filter.clone()} shown={total} total={props.records.len()}
                follow={props.follow} dispatch={props.dispatch.clone()} />
            <div id="timeline" class="timeline" tabindex="0" ref={scroller} {onscroll} {onclick}>
                <div class="row-grid thead">
                    <span class="c-flag" />
                    <span class="c-seq">{"#"}</span>
                    <span class="c-time">{"Time ms"}</span>
                    <span class="c-dir" />
                    <span class="c-kind">{"Kind"}</span>
                    <span class="c-exch" title="HTTP exchange (click one to show only it)">{"Exch"}</span>
                    <span class="c-title">{"Title"}</span>
                    <span class="c-status">{"Status"}</span>
                    <span class="c-size">{"Size"}</span>
                    <span class="c-lat">{"Latency"}</span>
                </div>
                <div class="rows" style={format!("height:{}px", total as f64 * ROW_HEIGHT)}>
                    { rows }
                </div>
                { for empty.map(|m| html! { <div class="empty">{m}</div> }) }
            </div>
        </section>
    }
}

fn row(r: &RecordSummary, pos: usize, selected: bool, paired: bool, link: Option<u64>) -> Html {
    let dir = match r.direction {
        Direction::Out => "out",
        Direction::In => "in",
        Direction::Local => "local",
    };
    let status_class = r.status.map(|s| match s {
        200..=299 => "st-ok",
        300..=399 => "st-redirect",
        _ => "st-bad",
    });
    html! {
        <div key={r.seq}
            class={classes!("row", "row-grid", format!("d-{dir}"), selected.then_some("selected"),
                paired.then_some("paired"), r.flagged.then_some("flagged"))}
            style={format!("top:{}px", pos as f64 * ROW_HEIGHT)}
            data-seq={r.seq.to_string()}
            data-kind={r.kind.clone()}
            data-method={r.method.clone()}
            data-pair={r.pair_seq.map(|s| s.to_string())}>
            <span class="c-flag">
                if r.flagged { <span class="flag-dot" title="This record has problems (see details)" /> }
            </span>
            <span class="c-seq">{r.seq}</span>
            <span class="c-time">{format::elapsed_ms(r.elapsed_us)}</span>
            <span class="c-dir" title={format::direction_words(r.direction)}>{format::arrow(r.direction)}</span>
            <span class="c-kind"><span class={classes!("badge", format!("k-{}", r.kind))}>{r.kind.clone()}</span></span>
            <span class="c-exch"><span class="exch" data-exchange={r.exchange.to_string()}
                title="Show only this exchange">{r.exchange}</span></span>
            <span class="c-title" title={r.title.clone()}>
                <span class="title-text">{r.title.clone()}</span>
                { for link.map(|seq| html! {
                    <span class="pair-link" data-jump={seq.to_string()}
                        title="Jump to the paired record">{format!("↔ #{seq}")}</span>
                }) }
            </span>
            <span class={classes!("c-status", status_class)}>{r.status.map(|s| s.to_string()).unwrap_or_default()}</span>
            <span class="c-size">{if r.size > 0 { format::size(r.size) } else { String::new() }}</span>
            <span class="c-lat">{r.latency_us.map(format::latency).unwrap_or_default()}</span>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ToolbarProps {
    filter: Filter,
    shown: usize,
    total: usize,
    follow: bool,
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
    let count = if props.shown == props.total {
        format!("{} records", props.total)
    } else {
        format!("{} of {} records", props.shown, props.total)
    };
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
            <span class="count">{count}</span>
            <button id="follow" class={classes!("btn", "toggle", props.follow.then_some("on"))}
                aria-pressed={props.follow.to_string()} onclick={on_follow}
                title="Keep the newest record in view (f)">
                <span class="led" />{"Follow"}
            </button>
        </div>
    }
}
