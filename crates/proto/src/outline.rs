//! Big payloads a piece at a time.
//!
//! A record whose payload is larger than [`PREVIEW_BYTES`] crosses to the UI as a preview
//! ([`crate::Record::preview`]): its texts cut short, its message not decoded. The UI then asks
//! for what it shows: the children of one JSON node ([`children`], a page of them for long
//! arrays), or a page of text ([`slice`]: the raw payload, or one long string). A 10 MB tool
//! result is thus drawn as a collapsed tree of a few dozen rows, never as 10 MB of DOM.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Payloads up to this size cross whole; larger ones as previews.
pub const PREVIEW_BYTES: usize = 256 * 1024;
/// How much of a big payload a preview keeps (the window fetches the rest as it is opened).
pub const PREVIEW_HEAD: usize = 4 * 1024;
/// A page of raw text or of a long string.
pub const PAGE_BYTES: usize = 64 * 1024;
/// A page of an array's items or an object's members.
pub const PAGE_NODES: usize = 200;
/// How much of a string a collapsed row shows.
pub const STRING_HEAD: usize = 160;

/// Which record: of the live session (`session_id: None`) or of a stored one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    #[serde(default)]
    pub session_id: Option<String>,
    pub seq: u64,
}

/// One row of the tree: a member of an object or an item of an array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The member name, or the item's index.
    pub key: String,
    /// JSON Pointer (RFC 6901) from the message's root.
    pub pointer: String,
    pub kind: NodeKind,
    /// Size of the node as compact JSON.
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeKind {
    Object {
        len: u64,
    },
    Array {
        len: u64,
    },
    /// `head`: the first [`STRING_HEAD`] characters; `chars`: how many there are.
    String {
        head: String,
        chars: u64,
    },
    /// As JSON writes it.
    Number {
        text: String,
    },
    Bool {
        value: bool,
    },
    Null,
}

/// A page of a node's children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Children {
    pub pointer: String,
    pub offset: u64,
    /// How many children the node has.
    pub total: u64,
    pub nodes: Vec<Node>,
}

/// A page of text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slice {
    /// Byte offset of `text` in the whole.
    pub offset: u64,
    /// Bytes in the whole.
    pub total: u64,
    pub text: String,
}

/// The children `offset..offset + limit` of the node at `pointer`; `None` when the pointer
/// leads nowhere. A scalar has no children (an empty page).
pub fn children(root: &Value, pointer: &str, offset: usize, limit: usize) -> Option<Children> {
    let v = root.pointer(pointer)?;
    let (total, nodes) = match v {
        Value::Object(map) => (
            map.len(),
            map.iter()
                .skip(offset)
                .take(limit)
                .map(|(k, v)| node(k.clone(), format!("{pointer}/{}", escape(k)), v))
                .collect(),
        ),
        Value::Array(items) => (
            items.len(),
            items
                .iter()
                .enumerate()
                .skip(offset)
                .take(limit)
                .map(|(i, v)| node(i.to_string(), format!("{pointer}/{i}"), v))
                .collect(),
        ),
        _ => (0, Vec::new()),
    };
    Some(Children { pointer: pointer.to_owned(), offset: offset as u64, total: total as u64, nodes })
}

/// The root itself as a row (the tree's first line).
pub fn root(root: &Value) -> Node {
    node(String::new(), String::new(), root)
}

fn node(key: String, pointer: String, v: &Value) -> Node {
    let kind = match v {
        Value::Object(m) => NodeKind::Object { len: m.len() as u64 },
        Value::Array(a) => NodeKind::Array { len: a.len() as u64 },
        Value::String(s) => {
            let head: String = s.chars().take(STRING_HEAD).collect();
            let chars = if head.len() == s.len() { head.chars().count() } else { s.chars().count() };
            NodeKind::String { head, chars: chars as u64 }
        }
        Value::Number(n) => NodeKind::Number { text: n.to_string() },
        Value::Bool(b) => NodeKind::Bool { value: *b },
        Value::Null => NodeKind::Null,
    };
    Node { key, pointer, kind, bytes: json_len(v) }
}

/// `len` bytes of `text` from `offset`, both moved back to character boundaries.
pub fn slice(text: &str, offset: usize, len: usize) -> Slice {
    let start = floor_char(text, offset.min(text.len()));
    let end = floor_char(text, start.saturating_add(len).min(text.len()));
    // A page must move forward even when one character is longer than `len`.
    let end = if end == start && start < text.len() { ceil_char(text, start + 1) } else { end };
    Slice { offset: start as u64, total: text.len() as u64, text: text[start..end].to_owned() }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
pub fn prefix(text: &str, max: usize) -> &str {
    &text[..floor_char(text, max.min(text.len()))]
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Marks what [`abridge`] left out.
pub const ABRIDGED: &str = "…[mcpscope: ";
const ABRIDGE_ITEMS: usize = 50;
const ABRIDGE_CHARS: usize = 2_000;

/// Whether a reply is too big to hand to the window whole.
pub fn is_big(v: &Value) -> bool {
    json_len(v) > PREVIEW_BYTES as u64
}

/// `v` with long arrays cut to their first items and long strings to their first characters,
/// each cut marked with [`ABRIDGED`] and what was left out: a big reply's shape, small enough
/// to show at once (the record in the timeline keeps it whole).
pub fn abridge(v: &Value) -> Value {
    match v {
        Value::Array(items) if items.len() > ABRIDGE_ITEMS => {
            let mut out: Vec<Value> = items[..ABRIDGE_ITEMS].iter().map(abridge).collect();
            out.push(Value::String(format!("{ABRIDGED}{} more items]", items.len() - ABRIDGE_ITEMS)));
            Value::Array(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(abridge).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), abridge(v))).collect()),
        Value::String(s) if s.len() > ABRIDGE_CHARS => {
            let head = prefix(s, ABRIDGE_CHARS);
            Value::String(format!("{head}{ABRIDGED}{} more bytes]", s.len() - head.len()))
        }
        other => other.clone(),
    }
}

/// A JSON Pointer reference token: `~` → `~0`, `/` → `~1`.
fn escape(key: &str) -> String {
    if key.contains(['~', '/']) { key.replace('~', "~0").replace('/', "~1") } else { key.to_owned() }
}

/// Bytes of `v` as compact JSON, counted without building the text.
fn json_len(v: &Value) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    // Writing to a counter cannot fail.
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn children_page_through_arrays_and_escape_pointers() {
        let v = json!({"result": {"rows": (0..1000).collect::<Vec<_>>(), "a/b~c": "x"}});
        let top = children(&v, "", 0, PAGE_NODES).expect("root");
        assert_eq!((top.total, top.nodes[0].key.as_str()), (1, "result"));
        assert_eq!(top.nodes[0].kind, NodeKind::Object { len: 2 });
        let members = children(&v, "/result", 0, 10).expect("result");
        assert_eq!(members.nodes[1].pointer, "/result/a~1b~0c");
        assert_eq!(v.pointer(&members.nodes[1].pointer), Some(&json!("x")), "the pointer leads back");
        let page = children(&v, "/result/rows", 400, 200).expect("rows");
        assert_eq!((page.total, page.offset, page.nodes.len()), (1000, 400, 200));
        assert_eq!(page.nodes[0].pointer, "/result/rows/400");
        assert_eq!(page.nodes[0].kind, NodeKind::Number { text: "400".into() });
        assert_eq!(page.nodes[0].bytes, 3);
        assert!(children(&v, "/nope", 0, 10).is_none());
    }

    #[test]
    fn abridged_replies_keep_their_shape_and_say_what_is_left_out() {
        let v = json!({"result": {"rows": (0..1000).collect::<Vec<_>>(), "text": "y".repeat(5000), "n": 1}});
        let a = abridge(&v);
        let rows = a.pointer("/result/rows").and_then(Value::as_array).expect("rows");
        assert_eq!(rows.len(), ABRIDGE_ITEMS + 1);
        assert_eq!(rows[ABRIDGE_ITEMS], json!(format!("{ABRIDGED}950 more items]")));
        let text = a.pointer("/result/text").and_then(Value::as_str).expect("text");
        assert!(text.ends_with(&format!("{ABRIDGED}3000 more bytes]")), "{text}");
        assert_eq!(a["result"]["n"], 1);
        assert!(!is_big(&a) && !is_big(&v));
        assert!(is_big(&json!("z".repeat(PREVIEW_BYTES + 1))));
    }

    #[test]
    fn long_strings_show_their_head_and_length() {
        let long = "é".repeat(1000);
        let n = root(&json!(long));
        let NodeKind::String { head, chars } = n.kind else { panic!("a string") };
        assert_eq!((head.chars().count(), chars), (STRING_HEAD, 1000));
        assert_eq!(n.bytes, 2002);
    }

    #[test]
    fn slices_stay_on_character_boundaries_and_move_forward() {
        let text = "aé€😀b";
        let s = slice(text, 2, 3);
        assert_eq!((s.offset, s.text.as_str(), s.total), (1, "é", 11));
        let s = slice(text, 6, 1);
        assert_eq!(s.text, "😀", "a page holds at least one character");
        assert_eq!(slice(text, 100, 10).text, "");
        assert_eq!(prefix(text, 4), "aé");
    }
}
