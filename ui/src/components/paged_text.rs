//! Text too big for one `<pre>`, a page at a time: a big record's raw payload, or one long
//! string in it. Pages come from the backend (`record_slice`); ←/→ buttons move between them.

use mcpscope_proto::outline::{PAGE_BYTES, RecordRef, Slice};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::format;
use crate::ipc;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub source: RecordRef,
    /// A string in the payload (JSON Pointer); `None`: the raw payload.
    #[prop_or_default]
    pub pointer: Option<AttrValue>,
    /// Roughly how many bytes there are (for the page count before the first page arrives).
    pub total: u64,
}

#[component]
pub fn PagedText(props: &Props) -> Html {
    let offset = use_state(|| 0u64);
    let page = use_state(|| None::<Result<Slice, String>>);
    {
        let page = page.clone();
        let source = props.source.clone();
        let pointer = props.pointer.clone();
        use_effect_with((source, pointer, *offset), move |(source, pointer, offset)| {
            let (source, pointer, offset) = (source.clone(), pointer.clone(), *offset);
            spawn_local(async move {
                let got = ipc::record_slice(&source, pointer.as_deref(), offset, PAGE_BYTES as u64).await;
                page.set(Some(got.map_err(|e| e.message)));
            });
        });
    }
    let total = match &*page {
        Some(Ok(s)) => s.total,
        _ => props.total,
    };
    let pages = total.div_ceil(PAGE_BYTES as u64).max(1);
    let current = *offset / PAGE_BYTES as u64 + 1;
    let go = |delta: i64| {
        let offset = offset.clone();
        Callback::from(move |_: MouseEvent| {
            let next = (*offset as i64 + delta * PAGE_BYTES as i64)
                .clamp(0, ((pages - 1) * PAGE_BYTES as u64) as i64);
            offset.set(next as u64);
        })
    };
    let body = match &*page {
        None => html! { <div class="empty">{"Loading…"}</div> },
        Some(Err(e)) => html! { <div class="empty error">{format!("Could not load this page: {e}")}</div> },
        Some(Ok(s)) => html! { <pre class="code paged-text">{s.text.clone()}</pre> },
    };
    html! {
        <div class="paged">
            <div class="paged-nav">
                <button class="btn small paged-prev" disabled={current <= 1} onclick={go(-1)} title="Previous page">{"←"}</button>
                <span class="paged-where">{format!("Page {current} of {pages} · {}", format::size(total))}</span>
                <button class="btn small paged-next" disabled={current >= pages} onclick={go(1)} title="Next page">{"→"}</button>
            </div>
            {body}
        </div>
    }
}
