//! The detail pane: one record in full. What to show comes in as a [`Loaded`] prop, so the
//! live timeline and the history share this pane with their own loaders
//! (`hooks::use_record`).

use mcpscope_proto::outline::RecordRef;
use mcpscope_proto::{Record, RecordKind};
use yew::prelude::*;

use crate::components::big_json::BigJson;
use crate::components::json_view::JsonView;
use crate::components::paged_text::PagedText;
use crate::format;
use crate::hooks::use_record::Loaded;
use crate::json_tokens::reindent;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The selected record, or where loading it stands.
    pub loaded: Loaded,
    /// The response to the selected request, if any.
    pub response: Option<u64>,
    /// Selects the record with this seq (a link to the paired request or response).
    pub on_jump: Callback<u64>,
    /// Show when the record was captured (wall clock, local time) rather than the time since
    /// its session started: for records of past sessions.
    #[prop_or_default]
    pub wall_clock: bool,
    /// Where the record lives, for loading the parts of a big one.
    #[prop_or_default]
    pub source: Option<RecordRef>,
    /// Docked under the record (the History view's replay panel).
    #[prop_or_default]
    pub children: Html,
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Decoded,
    Raw,
}

#[component]
pub fn Detail(props: &Props) -> Html {
    let tab = use_state(|| Tab::Decoded);
    let set_tab = |t: Tab| {
        let tab = tab.clone();
        Callback::from(move |_: MouseEvent| tab.set(t))
    };

    let body = match &props.loaded {
        Loaded::Nothing => {
            placeholder("Select a row to see the record in full. ↑/↓ move, Enter focuses this pane.")
        }
        Loaded::Loading => placeholder("Loading…"),
        Loaded::Missing { label } => placeholder(&format!("Record {label} is no longer available.")),
        Loaded::Failed { label, message } => {
            html! { <div class="empty error">{format!("Could not load record {label}: {message}")}</div> }
        }
        Loaded::Record(r) => match (*tab, r.preview_of, &props.source) {
            (Tab::Raw, Some(total), Some(source)) => html! {
                <div id="detail-raw" class="paged-raw">
                    <div class="note-line">{format!("The payload, {} a page at a time.", format::size(total))}</div>
                    <PagedText source={source.clone()} total={total} />
                </div>
            },
            (Tab::Raw, ..) => html! { <pre id="detail-raw" class="code">{format::raw_text(r)}</pre> },
            (Tab::Decoded, Some(total), Some(source)) => {
                big(r, total, source, props.response, &props.on_jump)
            }
            (Tab::Decoded, ..) => decoded(r, props.response, &props.on_jump),
        },
    };
    let record = match &props.loaded {
        Loaded::Record(r) => Some(r),
        _ => None,
    };
    let header = match record {
        Some(r) => header(r, props.wall_clock),
        None => html! { <span class="muted">{"No record selected"}</span> },
    };

    html! {
        <aside id="detail" class="detail-pane">
            <div class="pane-head">
                <div class="tabs" role="tablist">
                    <button role="tab" class={classes!("tab", (*tab == Tab::Decoded).then_some("active"))}
                        onclick={set_tab(Tab::Decoded)}>{"Decoded"}</button>
                    <button role="tab" class={classes!("tab", (*tab == Tab::Raw).then_some("active"))}
                        onclick={set_tab(Tab::Raw)}>{"Raw"}</button>
                </div>
                <div class="detail-title">{header}</div>
            </div>
            if let Some(r) = record {
                if !r.flags.is_empty() {
                    <ul class="flags">
                        { for r.flags.iter().map(|f| html! {
                            <li><code class="flag-code">{flag_code(f.code)}</code>{f.message.clone()}</li>
                        }) }
                    </ul>
                }
                if !r.lint.is_empty() {
                    <ul id="detail-lint" class="lint" aria-label="Protocol rules this record breaks, and warnings">
                        { for r.lint.iter().map(|v| html! {
                            <li class={classes!("lint-item", format!("lint-{}", v.severity.as_str()))}
                                data-rule={v.rule.clone()} data-severity={v.severity.as_str()}>
                                if !v.is_error() { <span class="lint-tag">{v.severity.as_str()}</span> }
                                <code class="lint-rule">{v.rule.clone()}</code>
                                if !v.path.is_empty() {
                                    <code class="lint-path">{v.path.clone()}
                                        if let Some(s) = v.span { <span class="lint-span">{format!(" @{}–{}", s.start, s.end)}</span> }
                                    </code>
                                }
                                <span class="lint-message">{v.message.clone()}</span>
                            </li>
                        }) }
                    </ul>
                }
                { for explanation(r) }
            }
            <div id="detail-body" class="detail-body" tabindex="0">{body}</div>
            { props.children.clone() }
        </aside>
    }
}

/// What an error code or HTTP status means, for records that carry one.
fn explanation(r: &Record) -> Option<Html> {
    use mcpscope_proto::explain;
    let (what, ex) = match (&r.kind, r.rpc.as_ref().and_then(|rpc| rpc.error_code)) {
        (_, Some(code)) => (format!("JSON-RPC error {code}"), explain::rpc_error(code)),
        (RecordKind::HttpResponse { status, .. }, None) if *status >= 300 => {
            (format!("HTTP {status}"), explain::http_status(*status))
        }
        _ => return None,
    };
    Some(html! {
        <div id="detail-explain" class="explain">
            <span class="strong">{format!("{what}: {}", ex.name)}</span>{" — "}{ex.meaning}
        </div>
    })
}

fn placeholder(text: &str) -> Html {
    html! { <div class="empty">{text.to_owned()}</div> }
}

fn flag_code(code: mcpscope_proto::FlagCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{code:?}"))
}

fn header(r: &Record, wall_clock: bool) -> Html {
    let direction = format::direction_words(r.direction);
    // A past record: when it happened matters more than its exchange (kept in the tooltip).
    let place = if wall_clock {
        html! {
            <span title={format!("{direction}, exchange {}", r.exchange)}>
                {format!("{} ", format::arrow(r.direction))}
                <span class="mono" title={format::local_date_time(r.at_us)}>{format::local_clock(r.at_us)}</span>
            </span>
        }
    } else {
        html! {
            <>
                <span title={direction}>{format!("{} exchange {}", format::arrow(r.direction), r.exchange)}</span>
                <span class="mono">{format!("{} ms", format::elapsed_ms(r.elapsed_us))}</span>
            </>
        }
    };
    html! {
        <>
            <span class="strong mono">{format!("#{}", r.seq)}</span>
            <span class={classes!("badge", format!("k-{}", r.kind.label()))}>{r.kind.label()}</span>
            {place}
        </>
    }
}

/// A big payload: its JSON-RPC fields, then a collapsed tree that loads what is opened.
fn big(r: &Record, total: u64, source: &RecordRef, response: Option<u64>, jump: &Callback<u64>) -> Html {
    html! {
        <>
            { rpc_meta(r, response, jump) }
            <div class="note-line">
                {format!("{} payload: shown as a tree that loads each part when you open it. \
                    The Raw tab pages through the text.", format::size(total))}
            </div>
            <BigJson source={source.clone()} total={total} />
        </>
    }
}

/// The JSON-RPC fields (kind, method, id …) and the links to the paired record.
fn rpc_meta(r: &Record, response: Option<u64>, jump: &Callback<u64>) -> Html {
    let Some(rpc) = &r.rpc else { return html! {} };
    let link = |label: &str, seq: u64| {
        let jump = jump.clone();
        html! {
            <button class="link" onclick={Callback::from(move |_: MouseEvent| jump.emit(seq))}>
                {format!("↔ {label} #{seq}")}
            </button>
        }
    };
    let field = |label: &'static str, value: Option<String>| {
        value.map(|v| html! { <><dt>{label}</dt><dd class="mono">{v}</dd></> })
    };
    html! {
        <>
            <dl class="meta">
                { field("kind", Some(format::rpc_kind_word(rpc.kind).to_owned())) }
                { field("method", rpc.method.as_deref().map(str::to_owned)) }
                { field("id", rpc.id.clone()) }
                { field("error code", rpc.error_code.map(|c| c.to_string())) }
                { field("latency", rpc.latency_us.map(format::latency)) }
            </dl>
            <div class="links">
                { for rpc.pair_seq.map(|s| link("request", s)) }
                { for response.filter(|s| *s != r.seq).map(|s| link("response", s)) }
            </div>
        </>
    }
}

/// The JSON-RPC view, or the payload as JSON when it is JSON but not JSON-RPC.
fn decoded(r: &Record, response: Option<u64>, jump: &Callback<u64>) -> Html {
    // Shown as it arrived (key order, number spelling), re-indented.
    let payload = match &r.kind {
        RecordKind::HttpRequest { body: Some(b), .. } | RecordKind::HttpResponse { body: Some(b), .. } => {
            Some(b.text.as_str())
        }
        RecordKind::SseFrame { data, .. } => Some(&data[..]),
        _ => None,
    };
    let pretty_payload = payload.and_then(reindent);
    let Some(rpc) = &r.rpc else {
        return match pretty_payload {
            Some(p) => html! {
                <>
                    <div class="note-line">{"JSON, but not a JSON-RPC message."}</div>
                    <JsonView text={p} />
                </>
            },
            None => html! {
                <>
                    <div class="note-line">{"No JSON-RPC message in this record. The Raw tab shows it as sent."}</div>
                    <pre class="code">{format::raw_text(r)}</pre>
                </>
            },
        };
    };
    let pretty = pretty_payload
        .unwrap_or_else(|| serde_json::to_string_pretty(&rpc.message).unwrap_or_else(|e| e.to_string()));
    html! {
        <>
            { rpc_meta(r, response, jump) }
            <JsonView id={AttrValue::from("detail-decoded")} text={pretty} />
        </>
    }
}
