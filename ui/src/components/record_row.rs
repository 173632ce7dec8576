//! One record as a row of a list — the live timeline and the history results draw the same
//! cells, badges and colours; only the leading columns differ ([`Lead`]).

use mcpscope_proto::{Direction, RecordSummary};
use yew::prelude::*;

use crate::format;
use crate::viewport::ROW_HEIGHT;

/// The columns in front of the direction arrow.
#[derive(Clone, Copy)]
pub enum Lead<'a> {
    /// The live timeline: seq, milliseconds since the session started; an exchange column
    /// follows the kind.
    Live,
    /// The history: the session (when it started, if known, else a short id), seq, wall-clock
    /// time.
    History { session_id: &'a str, at_us: i64, started_us: Option<i64> },
}

/// How a row stands in its list.
pub struct RowState {
    /// Position among the rows (sets its offset in the virtualised list).
    pub pos: usize,
    pub selected: bool,
    /// The record paired with the selected one.
    pub paired: bool,
    /// On the selected row: a jump link to its paired record.
    pub link: Option<u64>,
}

/// The sticky column header matching [`row`].
pub fn thead(history: bool) -> Html {
    let lead = if history {
        html! {
            <>
                <span class="c-sess" title="When the record's session started (a row's tooltip gives the session's id)">{"Session"}</span>
                <span class="c-seq">{"#"}</span>
                <span class="c-time">{"Time"}</span>
            </>
        }
    } else {
        html! {
            <>
                <span class="c-seq">{"#"}</span>
                <span class="c-time">{"Time ms"}</span>
            </>
        }
    };
    html! {
        <div class={classes!("row-cells", "thead", history.then_some("hist"))}>
            <span class="c-flag" />
            {lead}
            <span class="c-dir" />
            <span class="c-kind">{"Kind"}</span>
            if !history {
                <span class="c-exch" title="HTTP exchange (click one to show only it)">{"Exch"}</span>
            }
            <span class="c-title">{"Title"}</span>
            <span class="c-status">{"Status"}</span>
            <span class="c-size">{"Size"}</span>
            <span class="c-lat">{"Latency"}</span>
        </div>
    }
}

pub fn row(r: &RecordSummary, lead: Lead<'_>, st: RowState) -> Html {
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
    // Live rows are not keyed: a list that follows a flood shows new records in every frame,
    // and unkeyed rows are the same few dozen elements patched in place (their text and
    // attributes), where keyed ones were all removed and created again, styled and laid out
    // anew each frame. History rows keep their key: that list changes only on a search.
    let (key, session, lead_cells) = match lead {
        Lead::Live => (
            None,
            None,
            html! {
                <>
                    <span class="c-seq">{r.seq}</span>
                    <span class="c-time">{format::elapsed_ms(r.elapsed_us)}</span>
                </>
            },
        ),
        Lead::History { session_id, at_us, started_us } => (
            Some(format!("{session_id}/{}", r.seq)),
            Some(session_id.to_owned()),
            html! {
                <>
                    <span class="c-sess" title={match started_us {
                        Some(s) => format!("session {session_id}, started {}", format::local_date_time(s)),
                        None => session_id.to_owned(),
                    }}>
                        { match started_us {
                            Some(s) => format::local_session_start(s),
                            None => format::short_session(session_id).to_owned(),
                        } }
                    </span>
                    <span class="c-seq">{r.seq}</span>
                    <span class="c-time" title={format::local_date_time(at_us)}>{format::local_clock(at_us)}</span>
                </>
            },
        ),
    };
    let history = session.is_some();
    let mut node = html! {
        <div
            class={classes!("row", "row-cells", history.then_some("hist"), format!("d-{dir}"),
                st.selected.then_some("selected"), st.paired.then_some("paired"), r.flagged.then_some("flagged"),
                (r.lint > 0).then_some("linted"))}
            style={format!("top:{}px", st.pos as f64 * ROW_HEIGHT)}
            data-session={session}
            data-seq={r.seq.to_string()}
            data-kind={r.kind.to_string()}
            data-method={r.method.as_deref().map(str::to_owned)}
            data-pair={r.pair_seq.map(|s| s.to_string())}>
            <span class="c-flag">
                if r.flagged { <span class="flag-dot" title="This record has problems (see details)" /> }
                else if r.lint > 0 {
                    <span class="lint-dot" title={format!("{} lint finding{}: protocol rules broken or warnings (see details)", r.lint,
                        if r.lint == 1 { "" } else { "s" })} />
                }
            </span>
            {lead_cells}
            <span class="c-dir" title={format::direction_words(r.direction)}>{format::arrow(r.direction)}</span>
            <span class="c-kind"><span class={classes!("badge", format!("k-{}", r.kind))}>{r.kind.to_string()}</span></span>
            if !history {
                <span class="c-exch"><span class="exch" data-exchange={r.exchange.to_string()}
                    title="Show only this exchange">{r.exchange}</span></span>
            }
            <span class="c-title" title={r.title.to_string()}>
                <span class="title-text">{r.title.to_string()}</span>
                { for r.round.map(|round| html! {
                    <span class="round-link" data-round={round.to_string()}
                        data-jump={r.continues_seq.map(|s| s.to_string())}
                        title="A multi-round-trip request sent again with the user's input: jump to the round before">
                        {format!("↩ round {round}")}</span>
                }) }
                { for st.link.map(|seq| html! {
                    <span class="pair-link" data-jump={seq.to_string()}
                        title="Jump to the paired record">{format!("↔ #{seq}")}</span>
                }) }
            </span>
            <span class={classes!("c-status", status_class)}>{r.status.map(|s| s.to_string()).unwrap_or_default()}</span>
            <span class="c-size">{if r.size > 0 { format::size(r.size) } else { String::new() }}</span>
            <span class="c-lat">{r.latency_us.map(format::latency).unwrap_or_default()}</span>
        </div>
    };
    // Just made, so the only holder of its tag.
    if let (Some(key), Html::VTag(tag)) = (key, &mut node)
        && let Some(tag) = std::rc::Rc::get_mut(tag)
    {
        tag.key = Some(key.into());
    }
    node
}
