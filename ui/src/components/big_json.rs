//! A big payload as a collapsed tree, loaded a node at a time from the backend
//! (`mcpscope_proto::outline`): a 10 MB result is a handful of rows until the user opens one.
//! Long arrays come in pages; long strings open in a paged text view.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use mcpscope_proto::outline::{Children, Node, NodeKind, PAGE_NODES, RecordRef};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::paged_text::PagedText;
use crate::format;
use crate::ipc;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub source: RecordRef,
    /// The payload's size in bytes.
    pub total: u64,
}

/// The loaded children of each opened node, by pointer.
#[derive(Default, Clone, PartialEq)]
struct Tree {
    loaded: HashMap<String, Rc<Level>>,
    open: HashSet<String>,
    /// Strings shown in full (paged), by pointer.
    texts: HashSet<String>,
    error: Option<String>,
}

#[derive(PartialEq)]
struct Level {
    total: u64,
    nodes: Vec<Node>,
}

enum Msg {
    Loaded(Children),
    Failed(String),
    Toggle(String),
    More(String),
    ToggleText(String),
}

impl Reducible for Tree {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        let mut t = (*self).clone();
        match msg {
            Msg::Loaded(c) => {
                let mut nodes = t.loaded.get(&c.pointer).map(|l| l.nodes.clone()).unwrap_or_default();
                if c.offset as usize == nodes.len() {
                    nodes.extend(c.nodes);
                }
                t.loaded.insert(c.pointer, Rc::new(Level { total: c.total, nodes }));
            }
            Msg::Failed(e) => t.error = Some(e),
            Msg::Toggle(p) => {
                if !t.open.remove(&p) {
                    t.open.insert(p);
                }
            }
            Msg::ToggleText(p) => {
                if !t.texts.remove(&p) {
                    t.texts.insert(p);
                }
            }
            Msg::More(_) => {}
        }
        Rc::new(t)
    }
}

fn load(source: &RecordRef, pointer: String, offset: u64, tree: UseReducerDispatcher<Tree>) {
    let source = source.clone();
    spawn_local(async move {
        match ipc::record_children(&source, &pointer, offset, PAGE_NODES as u64).await {
            Ok(c) => tree.dispatch(Msg::Loaded(c)),
            Err(e) => tree.dispatch(Msg::Failed(e.message)),
        }
    });
}

#[component]
pub fn BigJson(props: &Props) -> Html {
    let tree = use_reducer(Tree::default);
    {
        let dispatcher = tree.dispatcher();
        use_effect_with(props.source.clone(), move |source| load(source, String::new(), 0, dispatcher));
    }
    let on_msg = {
        let tree = tree.clone();
        let source = props.source.clone();
        Callback::from(move |msg: Msg| {
            match &msg {
                Msg::Toggle(p) if !tree.loaded.contains_key(p) => {
                    load(&source, p.clone(), 0, tree.dispatcher())
                }
                Msg::More(p) => {
                    let offset = tree.loaded.get(p).map_or(0, |l| l.nodes.len() as u64);
                    load(&source, p.clone(), offset, tree.dispatcher());
                }
                _ => {}
            }
            tree.dispatch(msg);
        })
    };
    let body = match tree.loaded.get("") {
        Some(level) => level_rows(&tree, level, "", 0, &props.source, &on_msg),
        None if tree.error.is_none() => html! { <div class="empty">{"Loading the outline…"}</div> },
        None => html! {},
    };
    html! {
        <div id="big-json" class="big-json" role="tree" data-total={props.total.to_string()}>
            if let Some(e) = &tree.error {
                <div class="empty error" role="alert">{format!("Could not load this part of the payload: {e}")}</div>
            }
            {body}
        </div>
    }
}

fn level_rows(
    tree: &Tree,
    level: &Level,
    pointer: &str,
    depth: usize,
    source: &RecordRef,
    on_msg: &Callback<Msg>,
) -> Html {
    let rows = level.nodes.iter().map(|n| node_rows(tree, n, depth, source, on_msg));
    let more = (level.nodes.len() as u64) < level.total;
    let pointer = pointer.to_owned();
    let next = (level.total - level.nodes.len() as u64).min(PAGE_NODES as u64);
    html! {
        <>
            { for rows }
            if more {
                <div class="bj-row" style={indent(depth)}>
                    <button class="link bj-more" data-pointer={pointer.clone()}
                        onclick={on_msg.reform(move |_: MouseEvent| Msg::More(pointer.clone()))}>
                        {format!("Show {next} more ({} of {} shown)", level.nodes.len(), level.total)}
                    </button>
                </div>
            }
        </>
    }
}

fn indent(depth: usize) -> String {
    format!("padding-left:{}px", 6 + depth * 16)
}

fn node_rows(tree: &Tree, n: &Node, depth: usize, source: &RecordRef, on_msg: &Callback<Msg>) -> Html {
    let container = matches!(n.kind, NodeKind::Object { .. } | NodeKind::Array { .. });
    let open = tree.open.contains(&n.pointer);
    let pointer = n.pointer.clone();
    let toggle = on_msg.reform(move |_: MouseEvent| Msg::Toggle(pointer.clone()));
    let (summary, class) = match &n.kind {
        NodeKind::Object { len } => (format!("{{ {len} {} }}", plural(*len, "key", "keys")), "j-punct"),
        NodeKind::Array { len } => (format!("[ {len} {} ]", plural(*len, "item", "items")), "j-punct"),
        NodeKind::String { head, chars } => {
            let cut = (head.chars().count() as u64) < *chars;
            (format!("{head:?}{}", if cut { "…" } else { "" }), "j-str")
        }
        NodeKind::Number { text } => (text.clone(), "j-num"),
        NodeKind::Bool { value } => (value.to_string(), "j-lit"),
        NodeKind::Null => ("null".to_owned(), "j-lit"),
    };
    let long_text = match &n.kind {
        NodeKind::String { head, chars } => (head.chars().count() as u64) < *chars,
        _ => false,
    };
    let text_open = tree.texts.contains(&n.pointer);
    let pointer = n.pointer.clone();
    let toggle_text = on_msg.reform(move |_: MouseEvent| Msg::ToggleText(pointer.clone()));
    html! {
        <>
            <div class={classes!("bj-row", open.then_some("open"))} role="treeitem" aria-expanded={container.then(|| open.to_string())}
                data-pointer={n.pointer.clone()} style={indent(depth)}>
                if container {
                    <button class="bj-toggle" onclick={toggle} aria-label={if open { "Collapse" } else { "Expand" }}>
                        {if open { "▾" } else { "▸" }}
                    </button>
                } else {
                    <span class="bj-toggle" />
                }
                <span class="j-key bj-key">{n.key.clone()}</span>
                <span class="bj-colon">{":"}</span>
                <span class={classes!("bj-value", class)}>{summary}</span>
                if long_text {
                    <button class="link bj-text" onclick={toggle_text}>
                        {if text_open { "Hide text" } else { "Show text" }}
                    </button>
                }
                <span class="bj-size">{format::size(n.bytes)}</span>
            </div>
            if text_open {
                <div class="bj-text-view" style={indent(depth + 1)}>
                    <PagedText source={source.clone()} pointer={Some(AttrValue::from(n.pointer.clone()))}
                        total={n.bytes} />
                </div>
            }
            if open {
                if let Some(level) = tree.loaded.get(&n.pointer) {
                    { level_rows(tree, level, &n.pointer, depth + 1, source, on_msg) }
                } else {
                    <div class="bj-row muted" style={indent(depth + 1)}>{"Loading…"}</div>
                }
            }
        </>
    }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}
