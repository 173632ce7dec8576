//! Structural JSON diff: what changed between two responses, or between two sessions'
//! tools/resources/prompts lists.
//!
//! Objects are compared key by key. Arrays of objects that all carry a `name` (tools,
//! prompts), `uri` (resources) or `uriTemplate` (templates) are compared by that key, so a
//! tool added in the middle of the list is one addition, not a cascade of changes; other
//! arrays are compared by position. Paths are JSON Pointers; keyed array elements use the key
//! (`/tools/echo/description`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

/// Every difference from `old` to `new`, in document order.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk(String::new(), old, new, &mut out);
    out
}

fn walk(path: String, old: &Value, new: &Value, out: &mut Vec<Change>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => objects(&path, a, b, out),
        (Value::Array(a), Value::Array(b)) => match (identity_key(a), identity_key(b)) {
            (Some(ka), Some(kb)) if ka == kb => keyed(&path, ka, a, b, out),
            _ => positional(&path, a, b, out),
        },
        _ if old == new => {}
        _ => out.push(Change {
            path,
            kind: ChangeKind::Changed,
            old: Some(old.clone()),
            new: Some(new.clone()),
        }),
    }
}

fn objects(path: &str, a: &Map<String, Value>, b: &Map<String, Value>, out: &mut Vec<Change>) {
    for (k, va) in a {
        let p = format!("{path}/{}", escape(k));
        match b.get(k) {
            Some(vb) => walk(p, va, vb, out),
            None => out.push(Change { path: p, kind: ChangeKind::Removed, old: Some(va.clone()), new: None }),
        }
    }
    for (k, vb) in b {
        if !a.contains_key(k) {
            let p = format!("{path}/{}", escape(k));
            out.push(Change { path: p, kind: ChangeKind::Added, old: None, new: Some(vb.clone()) });
        }
    }
}

fn positional(path: &str, a: &[Value], b: &[Value], out: &mut Vec<Change>) {
    for i in 0..a.len().max(b.len()) {
        let p = format!("{path}/{i}");
        match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => walk(p, x, y, out),
            (Some(x), None) => {
                out.push(Change { path: p, kind: ChangeKind::Removed, old: Some(x.clone()), new: None })
            }
            (None, Some(y)) => {
                out.push(Change { path: p, kind: ChangeKind::Added, old: None, new: Some(y.clone()) })
            }
            (None, None) => {}
        }
    }
}

/// The member that names each element, when every element is an object with a distinct one.
fn identity_key(items: &[Value]) -> Option<&'static str> {
    if items.is_empty() {
        return None;
    }
    ["name", "uri", "uriTemplate"].into_iter().find(|key| {
        let mut seen = std::collections::HashSet::new();
        items.iter().all(|i| i.get(key).and_then(Value::as_str).is_some_and(|v| seen.insert(v)))
    })
}

fn keyed(path: &str, key: &str, a: &[Value], b: &[Value], out: &mut Vec<Change>) {
    let id = |v: &Value| v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    for x in a {
        let p = format!("{path}/{}", escape(&id(x)));
        match b.iter().find(|y| id(y) == id(x)) {
            Some(y) => walk(p, x, y, out),
            None => out.push(Change { path: p, kind: ChangeKind::Removed, old: Some(x.clone()), new: None }),
        }
    }
    for y in b {
        if !a.iter().any(|x| id(x) == id(y)) {
            let p = format!("{path}/{}", escape(&id(y)));
            out.push(Change { path: p, kind: ChangeKind::Added, old: None, new: Some(y.clone()) });
        }
    }
}

/// JSON Pointer escaping (RFC 6901).
fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_documents_have_no_changes() {
        let v = json!({"a": [1, {"b": null}], "c": "x"});
        assert!(diff(&v, &v.clone()).is_empty());
    }

    #[test]
    fn reports_changes_additions_and_removals_by_path() {
        let old = json!({"content": [{"type": "text", "text": "Echo: a"}], "isError": false, "gone": 1});
        let new = json!({"content": [{"type": "text", "text": "Echo: b"}, {"type": "text", "text": "more"}], "isError": false, "new": 2});
        let d = diff(&old, &new);
        let brief: Vec<(&str, ChangeKind)> = d.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            brief,
            vec![
                ("/content/0/text", ChangeKind::Changed),
                ("/content/1", ChangeKind::Added),
                ("/gone", ChangeKind::Removed),
                ("/new", ChangeKind::Added),
            ]
        );
        assert_eq!(d[0].old, Some(json!("Echo: a")));
        assert_eq!(d[0].new, Some(json!("Echo: b")));
    }

    #[test]
    fn tool_lists_are_compared_by_name() {
        let old = json!({"tools": [{"name": "echo", "description": "Echo"}, {"name": "add"}]});
        let new = json!({"tools": [{"name": "new_tool"}, {"name": "echo", "description": "Echoes"}, {"name": "a/b"}]});
        let d = diff(&old, &new);
        let brief: Vec<(&str, ChangeKind)> = d.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            brief,
            vec![
                ("/tools/echo/description", ChangeKind::Changed),
                ("/tools/add", ChangeKind::Removed),
                ("/tools/new_tool", ChangeKind::Added),
                ("/tools/a~1b", ChangeKind::Added),
            ]
        );
    }
}
