//! `{{name}}` variables in a request's strings, and the JSON paths assertions name.

use std::collections::BTreeMap;

use serde_json::Value;

use super::CollectionError;

/// `{{name}}` → its value, in every string of `value`.
pub fn substitute(
    value: &Value,
    vars: &BTreeMap<String, String>,
    request: &str,
) -> Result<Value, CollectionError> {
    Ok(match value {
        Value::String(s) => Value::String(substitute_str(s, vars, request)?),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| substitute(v, vars, request)).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute(v, vars, request)?)))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

pub(super) fn substitute_str(
    s: &str,
    vars: &BTreeMap<String, String>,
    request: &str,
) -> Result<String, CollectionError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        let name = rest[start + 2..start + 2 + len].trim();
        let value = vars.get(name).ok_or_else(|| CollectionError::MissingVariable {
            name: name.to_owned(),
            request: request.to_owned(),
        })?;
        out.push_str(&rest[..start]);
        out.push_str(value);
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `$.a.b[0]` → `/a/b/0`; a JSON Pointer stays as it is.
pub(super) fn pointer(path: &str) -> String {
    let Some(rest) = path.strip_prefix('$') else { return path.to_owned() };
    let mut out = String::new();
    for part in rest.split('.').filter(|p| !p.is_empty()) {
        let mut seg = part;
        while let Some(i) = seg.find('[') {
            if i > 0 {
                out.push('/');
                out.push_str(&seg[..i]);
            }
            let close = seg[i..].find(']').map_or(seg.len(), |c| i + c);
            out.push('/');
            out.push_str(&seg[i + 1..close]);
            seg = seg.get(close + 1..).unwrap_or("");
        }
        if !seg.is_empty() {
            out.push('/');
            out.push_str(seg);
        }
    }
    out
}
