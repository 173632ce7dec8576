//! Parsing what the user types into forms.

use mcpscope_proto::Header;
use serde_json::Value;

/// One `Name: value` header per line; blank lines are skipped. The error names the bad line.
pub fn headers(text: &str) -> Result<Vec<Header>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match Header::parse(line) {
            Some(h) => out.push(h),
            None => {
                return Err(format!(
                    "Line {}: \"{}\" is not a header; write it as `Name: value`.",
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    Ok(out)
}

/// Tool arguments: empty means `{}`; otherwise a JSON object.
pub fn tool_arguments(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err("Arguments must be a JSON object, like {\"a\": 1}.".into()),
        Err(e) => Err(format!("Arguments are not valid JSON: {e}.")),
    }
}

/// The editor's validity hint.
pub fn json_hint(text: &str) -> Result<(), String> {
    serde_json::from_str::<Value>(text).map(|_| ()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_skip_blank_lines_and_name_the_bad_one() {
        let ok = headers("Authorization: Bearer x\n\n  \nX-Trace: 1").unwrap_or_default();
        assert_eq!(ok, vec![Header::new("Authorization", "Bearer x"), Header::new("X-Trace", "1")]);
        let err = headers("A: 1\nnot a header").err().unwrap_or_default();
        assert!(err.starts_with("Line 2:"), "{err}");
        assert!(err.contains("not a header"), "{err}");
    }

    #[test]
    fn tool_arguments_must_be_an_object() {
        assert_eq!(tool_arguments("  "), Ok(serde_json::json!({})));
        assert_eq!(tool_arguments(r#"{"a":1}"#), Ok(serde_json::json!({"a": 1})));
        assert!(tool_arguments("[1]").is_err());
        assert!(tool_arguments("{").is_err());
    }
}
