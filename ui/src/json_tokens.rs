//! Splits (pretty-printed) JSON text into spans for syntax colouring.
//!
//! Works on text rather than on a `serde_json::Value` so that it also colours bodies exactly
//! as they arrived. Malformed input is not an error: whatever is not recognised is `Punct`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Key,
    Str,
    Num,
    /// `true`, `false`, `null`.
    Lit,
    /// Brackets, commas, colons, whitespace and anything unrecognised.
    Punct,
}

impl Tok {
    pub fn class(self) -> &'static str {
        match self {
            Tok::Key => "j-key",
            Tok::Str => "j-str",
            Tok::Num => "j-num",
            Tok::Lit => "j-lit",
            Tok::Punct => "j-punct",
        }
    }
}

fn flush<'a>(out: &mut Vec<(Tok, &'a str)>, from: usize, to: usize, text: &'a str) {
    if from < to {
        out.push((Tok::Punct, &text[from..to]));
    }
}

pub fn tokens(text: &str) -> Vec<(Tok, &str)> {
    let b = text.as_bytes();
    let mut out: Vec<(Tok, &str)> = Vec::new();
    let mut i = 0;
    let mut punct_start = 0;
    while i < b.len() {
        let c = b[i];
        let end = if c == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            Some((j + 1).min(b.len()))
        } else if c == b'-' || c.is_ascii_digit() {
            let mut j = i + 1;
            while j < b.len() && matches!(b[j], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                j += 1;
            }
            Some(j)
        } else if b[i..].starts_with(b"true") || b[i..].starts_with(b"null") {
            Some(i + 4)
        } else if b[i..].starts_with(b"false") {
            Some(i + 5)
        } else {
            None
        };
        match end {
            Some(j) => {
                flush(&mut out, punct_start, i, text);
                let tok = match c {
                    b'"' => {
                        let rest = &b[j..];
                        let next = rest.iter().find(|x| !x.is_ascii_whitespace());
                        if next == Some(&b':') { Tok::Key } else { Tok::Str }
                    }
                    b't' | b'f' | b'n' => Tok::Lit,
                    _ => Tok::Num,
                };
                out.push((tok, &text[i..j]));
                i = j;
                punct_start = j;
            }
            None => i += 1,
        }
    }
    flush(&mut out, punct_start, b.len(), text);
    out
}

/// Re-indents valid JSON text with two spaces, keeping key order and number spelling exactly
/// as they arrived (a `serde_json::Value` would sort keys). `None` when `text` is not JSON.
pub fn reindent(text: &str) -> Option<String> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut depth = 0usize;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    for (tok, s) in tokens(text) {
        if tok != Tok::Punct {
            out.push_str(s);
            continue;
        }
        // Structural characters only: valid JSON has nothing else outside tokens.
        let chars: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                open @ ('{' | '[') => {
                    let close = if open == '{' { '}' } else { ']' };
                    if chars.get(i + 1) == Some(&close) {
                        out.push(open);
                        out.push(close);
                        i += 1;
                    } else {
                        out.push(open);
                        depth += 1;
                        newline(&mut out, depth);
                    }
                }
                close @ ('}' | ']') => {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                    out.push(close);
                }
                ',' => {
                    out.push(',');
                    newline(&mut out, depth);
                }
                ':' => out.push_str(": "),
                other => out.push(other),
            }
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reindent_keeps_key_order_and_numbers_and_folds_empty_containers() {
        let text = r#"{"jsonrpc":"2.0","id":1,"result":{"z":1.50,"a":[],"m":{ },"l":[1,{"k":"v, {x}"}]}}"#;
        let expected = r#"{
  "jsonrpc": "2.0",
  "id": 1,
  "result": {
    "z": 1.50,
    "a": [],
    "m": {},
    "l": [
      1,
      {
        "k": "v, {x}"
      }
    ]
  }
}"#;
        assert_eq!(reindent(text).as_deref(), Some(expected));
        assert_eq!(reindent("{not json"), None);
        assert_eq!(reindent(" 42 ").as_deref(), Some("42"));
    }

    #[test]
    fn keys_strings_numbers_and_literals_are_told_apart() {
        let t = tokens(r#"{"id": 1, "ok": true, "s": "a\"b:", "n": null, "x": -2.5e3}"#);
        let kinds: Vec<(Tok, &str)> = t.into_iter().filter(|(k, _)| *k != Tok::Punct).collect();
        assert_eq!(
            kinds,
            vec![
                (Tok::Key, r#""id""#),
                (Tok::Num, "1"),
                (Tok::Key, r#""ok""#),
                (Tok::Lit, "true"),
                (Tok::Key, r#""s""#),
                (Tok::Str, r#""a\"b:""#),
                (Tok::Key, r#""n""#),
                (Tok::Lit, "null"),
                (Tok::Key, r#""x""#),
                (Tok::Num, "-2.5e3"),
            ]
        );
    }

    #[test]
    fn tokens_cover_the_whole_text_even_when_malformed() {
        for text in [r#"{"a": [1, 2]}"#, r#"{"unterminated"#, "garbage ü {", ""] {
            let joined: String = tokens(text).into_iter().map(|(_, s)| s).collect();
            assert_eq!(joined, text);
        }
    }
}
