//! Tool arguments mirrored into HTTP headers (2026-07-28, SEP-2243).
//!
//! A tool's `inputSchema` may mark a property with `"x-mcp-header": "Region"`; every
//! `tools/call` of that tool then carries `Mcp-Param-Region` with the argument's value, so
//! that gateways can route without parsing the body. The annotation is valid only on a
//! `string`, `integer` or `boolean` property reached from the root through `properties`
//! alone, with a header name that is a non-empty RFC 9110 token, unique within the tool
//! (case-insensitively). A client must not call a tool whose annotations break these rules.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

/// The schema keyword that designates a header.
pub const ANNOTATION: &str = "x-mcp-header";
/// The prefix of every mirrored header.
pub const PREFIX: &str = "Mcp-Param-";

/// One designated argument: where it sits in `arguments` and the header it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamHeader {
    /// Property names from the root of `arguments` (`["region"]`, `["target", "zone"]`).
    pub path: Vec<String>,
    /// The name after [`PREFIX`] (`Region`).
    pub name: String,
}

/// What is wrong with one annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderProblem {
    /// JSON pointer to the annotated schema inside `inputSchema`.
    pub at: String,
    pub message: String,
}

/// The designated arguments of a tool, or every reason the tool must not be called.
pub fn param_headers(input_schema: &Value) -> Result<Vec<ParamHeader>, Vec<HeaderProblem>> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    walk(input_schema, &mut Vec::new(), &mut String::new(), true, &mut found, &mut problems);
    let mut seen: Vec<String> = Vec::new();
    for h in &found {
        let lower = h.name.to_ascii_lowercase();
        if seen.contains(&lower) {
            problems.push(HeaderProblem {
                at: pointer(&h.path),
                message: format!("header name {:?} is used twice (names are case-insensitive)", h.name),
            });
        }
        seen.push(lower);
    }
    if problems.is_empty() { Ok(found) } else { Err(problems) }
}

fn pointer(path: &[String]) -> String {
    path.iter().map(|p| format!("/properties/{}", p.replace('~', "~0").replace('/', "~1"))).collect()
}

/// Visits every subschema. `path` holds the property names while the chain from the root is
/// `properties` only (`pure`); `at` is the JSON pointer of `schema`.
fn walk(
    schema: &Value,
    path: &mut Vec<String>,
    at: &mut String,
    pure: bool,
    found: &mut Vec<ParamHeader>,
    problems: &mut Vec<HeaderProblem>,
) {
    let Some(obj) = schema.as_object() else { return };
    if let Some(annotation) = obj.get(ANNOTATION) {
        let mut problem = |message: String| problems.push(HeaderProblem { at: at.clone(), message });
        match annotation.as_str() {
            None => problem(format!("{ANNOTATION} must be a string")),
            Some("") => problem(format!("{ANNOTATION} is empty")),
            Some(name) if !name.bytes().all(is_token_byte) => {
                problem(format!("{name:?} is not an HTTP token (RFC 9110 §5.6.2)"))
            }
            Some(_) if !pure || path.is_empty() => problem(format!(
                "{ANNOTATION} is reachable only through properties of properties from the root"
            )),
            Some(name) => match obj.get("type").and_then(Value::as_str) {
                Some("string" | "integer" | "boolean") => {
                    found.push(ParamHeader { path: path.clone(), name: name.to_owned() })
                }
                other => problem(format!(
                    "{name:?} is on a property of type {}: only string, integer and boolean may be headers",
                    other.map_or_else(
                        || obj.get("type").map_or("(none)".to_owned(), Value::to_string),
                        str::to_owned
                    )
                )),
            },
        }
    }
    for (key, child) in obj {
        let len = at.len();
        at.push('/');
        at.push_str(&key.replace('~', "~0").replace('/', "~1"));
        match (key.as_str(), child) {
            ("properties", Value::Object(props)) => {
                for (name, sub) in props {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&name.replace('~', "~0").replace('/', "~1"));
                    path.push(name.clone());
                    walk(sub, path, at, pure, found, problems);
                    path.pop();
                    at.truncate(len);
                }
            }
            (_, Value::Object(_)) => walk(child, path, at, false, found, problems),
            (_, Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    walk(item, path, at, false, found, problems);
                    at.truncate(len);
                }
            }
            _ => {}
        }
        at.truncate(len);
    }
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The header value for one argument; `None` when it is absent or `null` (the header is
/// omitted). Strings that are not plain visible ASCII, have surrounding white space or look
/// like the sentinel travel as `=?base64?…?=`.
pub fn encode_value(value: &Value) -> Option<String> {
    match value {
        Value::Null | Value::Array(_) | Value::Object(_) => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => {
            let unsafe_char = s.chars().any(|c| !(' '..='~').contains(&c));
            let padded = s.trim_matches([' ', '\t']) != s;
            let sentinel = s.starts_with("=?base64?") && s.ends_with("?=");
            Some(if unsafe_char || padded || sentinel {
                format!("=?base64?{}?=", STANDARD.encode(s.as_bytes()))
            } else {
                s.clone()
            })
        }
    }
}

/// Decodes a header value sent by [`encode_value`] (the sentinel form, else the text).
pub fn decode_value(header: &str) -> Option<String> {
    match header.strip_prefix("=?base64?").and_then(|r| r.strip_suffix("?=")) {
        Some(b64) => STANDARD.decode(b64).ok().and_then(|b| String::from_utf8(b).ok()),
        None => Some(header.to_owned()),
    }
}

/// The `(header name, value)` pairs a `tools/call` with `arguments` carries.
pub fn headers_for(params: &[ParamHeader], arguments: &Value) -> Vec<(String, String)> {
    params
        .iter()
        .filter_map(|p| {
            let value = p.path.iter().try_fold(arguments, |v, k| v.get(k))?;
            Some((format!("{PREFIX}{}", p.name), encode_value(value)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(schema: Value) -> Vec<String> {
        param_headers(&schema).unwrap_or_default().into_iter().map(|h| h.name).collect()
    }

    fn problems(schema: Value) -> Vec<String> {
        param_headers(&schema).err().unwrap_or_default().into_iter().map(|p| p.message).collect()
    }

    #[test]
    fn finds_designated_primitives_through_properties() {
        let schema = json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "n":{"type":"integer","x-mcp-header":"N"},
            "target":{"type":"object","properties":{"zone":{"type":"boolean","x-mcp-header":"Zone"}}},
            "query":{"type":"string"}}});
        assert_eq!(names(schema.clone()), ["Region", "N", "Zone"]);
        let found = param_headers(&schema).unwrap_or_default();
        assert_eq!(found[2].path, ["target", "zone"]);
    }

    #[test]
    fn rejects_every_invalid_annotation() {
        let one = |prop: Value| json!({"type":"object","properties":{"p": prop}});
        for (prop, why) in [
            (json!({"type":"string","x-mcp-header":""}), "empty"),
            (json!({"type":"object","x-mcp-header":"Data"}), "only string, integer and boolean"),
            (json!({"type":"array","items":{"type":"string"},"x-mcp-header":"Items"}), "only string"),
            (json!({"type":"null","x-mcp-header":"Nil"}), "only string"),
            (json!({"type":"number","x-mcp-header":"Score"}), "only string"),
            (json!({"type":"string","x-mcp-header":"My Region"}), "not an HTTP token"),
            (json!({"type":"string","x-mcp-header":"Region:Primary"}), "not an HTTP token"),
            (json!({"type":"string","x-mcp-header":"Région"}), "not an HTTP token"),
            (json!({"type":"string","x-mcp-header":"Region\t1"}), "not an HTTP token"),
        ] {
            let p = problems(one(prop.clone()));
            assert!(p.iter().any(|m| m.contains(why)), "{prop}: {p:?}");
        }
        let twice = json!({"type":"object","properties":{
            "a":{"type":"string","x-mcp-header":"MyField"},"b":{"type":"string","x-mcp-header":"myfield"}}});
        assert!(problems(twice)[0].contains("used twice"));
        let hidden =
            json!({"type":"object","properties":{"a":{"anyOf":[{"type":"string","x-mcp-header":"A"}]}}});
        assert!(problems(hidden)[0].contains("reachable only through properties"));
    }

    #[test]
    fn encodes_values_by_the_spec_rules() {
        assert_eq!(encode_value(&json!("us-west1")).as_deref(), Some("us-west1"));
        assert_eq!(encode_value(&json!("us west 1")).as_deref(), Some("us west 1"));
        assert_eq!(encode_value(&json!("")).as_deref(), Some(""));
        assert_eq!(encode_value(&json!(42)).as_deref(), Some("42"));
        assert_eq!(encode_value(&json!(false)).as_deref(), Some("false"));
        assert_eq!(encode_value(&json!(null)), None);
        assert_eq!(encode_value(&json!("Hello, 世界")).as_deref(), Some("=?base64?SGVsbG8sIOS4lueVjA==?="));
        for raw in [" padded ", " lead", "trail ", "line1\nline2", "a\r\nb", "\tindented", "=?base64?x?="] {
            let sent = encode_value(&json!(raw)).unwrap_or_default();
            assert!(sent.starts_with("=?base64?"), "{raw:?} → {sent:?}");
            assert_eq!(decode_value(&sent).as_deref(), Some(raw));
        }
    }

    #[test]
    fn headers_skip_absent_and_null_arguments() {
        let schema = json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "verbose":{"type":"boolean","x-mcp-header":"Verbose"},
            "debug":{"type":"boolean","x-mcp-header":"Debug"}}});
        let params = param_headers(&schema).unwrap_or_default();
        let h = headers_for(&params, &json!({"region":"eu","verbose":null}));
        assert_eq!(h, [("Mcp-Param-Region".to_owned(), "eu".to_owned())]);
    }
}
