//! The first look at a JSON-RPC message, fast: its envelope (`jsonrpc`, `id`, `method`,
//! `result`, `error.code`) read, and the whole text checked to be JSON, in one pass that
//! builds nothing.
//!
//! Every message captured is read like this, so in a flood it is the largest cost of the
//! capture. serde_json's derived reader does the same work more slowly: it copies the
//! envelope's strings (an `Option<Cow<str>>` is never borrowed) and reads what it ignores (a
//! notification's `params`) through its general machinery; for the flood's 221-byte message,
//! 227 ns against 139 here (serde_json's validation alone: 141).
//!
//! [`envelope`] answers only the common case and gives up (`None`) on anything unusual — text
//! that is not JSON, escapes in the envelope's own keys or strings, members of the wrong type,
//! duplicates, deep nesting, UTF-16 surrogate escapes — and the caller then asks serde_json,
//! whose verdict and error messages stand. So serde_json stays the reference: the property
//! test below checks that whenever this answers, serde_json agrees.

use std::borrow::Cow;

/// The envelope of a message that is valid JSON, as the capture reads it: by [`envelope`] or,
/// for anything unusual, by serde_json (`decode::peek_by_serde`, whose strings may be
/// unescaped copies).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Envelope<'a> {
    pub jsonrpc: Option<Cow<'a, str>>,
    /// The id's JSON text (`1`, `"abc"`), as serde_json's `RawValue` gives it.
    pub id: Option<&'a str>,
    pub method: Option<Cow<'a, str>>,
    /// A `result` member, whatever its value.
    pub result: bool,
    /// An `error` object, and its `code` when it has one.
    pub error: Option<Option<i64>>,
}

/// Containers open at once before [`envelope`] leaves the text to serde_json.
const MAX_DEPTH: usize = 64;

/// The envelope of `text`, when `text` is a JSON object with a plain envelope; `None` when it
/// is not JSON or anything about it is unusual (see the module's docs).
pub(crate) fn envelope(text: &str) -> Option<Envelope<'_>> {
    let mut s = Scanner { b: text.as_bytes(), i: 0 };
    let mut env = Envelope::default();
    // Which envelope members were seen: a duplicate is left to serde_json.
    let mut seen = 0u8;
    let mut once = |bit: u8| {
        let first = seen & bit == 0;
        seen |= bit;
        first.then_some(())
    };
    s.ws();
    s.members(text, |s, key| {
        match key {
            // A null member is an absent one, as serde_json reads an `Option`.
            "jsonrpc" => {
                once(1)?;
                env.jsonrpc = if s.null() { None } else { Some(s.plain_string(text)?.into()) };
            }
            "method" => {
                once(2)?;
                env.method = if s.null() { None } else { Some(s.plain_string(text)?.into()) };
            }
            "id" => {
                once(4)?;
                let start = s.i;
                s.value()?;
                env.id = text.get(start..s.i).filter(|id| *id != "null");
            }
            "result" => {
                once(8)?;
                s.value()?;
                env.result = true;
            }
            "error" => {
                once(16)?;
                env.error = if s.null() { None } else { Some(s.error_code(text)?) };
            }
            _ => s.value()?,
        }
        Some(())
    })?;
    s.ws();
    (s.i == s.b.len()).then_some(env)
}

/// Where the values of `params`' members lie in `text` (a JSON object, as [`envelope`] reads
/// it), in order; the whole `params` value when it is not an object. These are the gaps of a
/// notification's template ([`crate::template`]): the envelope lies outside them. `None` for
/// anything [`envelope`] would leave to serde_json.
pub(crate) fn params_gaps(text: &str) -> Option<Vec<std::ops::Range<usize>>> {
    let mut s = Scanner { b: text.as_bytes(), i: 0 };
    let mut gaps = Vec::new();
    let mut value = |s: &mut Scanner<'_>| {
        let start = s.i;
        s.value()?;
        gaps.push(start..s.i);
        Some(())
    };
    s.ws();
    s.members(text, |s, key| match key {
        "params" if s.peek() == Some(b'{') => s.members(text, |s, _| value(s)),
        "params" => value(s),
        _ => s.value(),
    })?;
    Some(gaps)
}

/// The length of the one JSON value (after any whitespace) at the start of `text`, which
/// must end there or go on with whitespace or `,` `:` `]` `}` (as serde_json's stream of
/// values wants: `01` is not `0` and then `1`). `None` when there is none, or it is unusual in
/// the ways [`envelope`] leaves to serde_json (deep nesting, surrogate escapes): then ask
/// serde_json. Templates read the values in their gaps with it ([`crate::template`]).
pub(crate) fn json_value_len(text: &str) -> Option<usize> {
    let mut s = Scanner { b: text.as_bytes(), i: 0 };
    s.ws();
    s.value()?;
    match s.peek() {
        None => Some(s.i),
        Some(c) if ends_value(c) => Some(s.i),
        Some(_) => None,
    }
}

/// The length of the one JSON value (after any whitespace) at the start of `text`, found
/// without checking it: for text already known to be valid JSON from here on (a gap of a
/// template matched against a message the capture read as JSON, [`crate::template`]). Strings
/// are crossed with `memchr`; only quotes, escapes and brackets are looked at. On text that is
/// not valid JSON the answer means nothing, but it is in bounds and found in one pass.
pub(crate) fn skip_json_value(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = b.iter().position(|&c| !is_ws(c))?;
    // Past the string whose opening quote is at `at`.
    let string_end = |mut at: usize| -> Option<usize> {
        loop {
            at += 1 + memchr::memchr2(b'"', b'\\', b.get(at + 1..)?)?;
            if b.get(at) == Some(&b'"') {
                return Some(at + 1);
            }
            // A backslash: the character after it is escaped.
            at += 1;
        }
    };
    match b.get(i)? {
        b'"' => string_end(i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            loop {
                match b.get(i)? {
                    b'"' => {
                        i = string_end(i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let len = b.get(i..)?.iter().position(|&c| ends_value(c)).unwrap_or(b.len() - i);
            (len > 0).then_some(i + len)
        }
    }
}

/// JSON's whitespace.
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whether `c` may follow a value (whitespace, or what goes on after a value in a document or
/// a stream of values): a number or a literal ends before it.
fn ends_value(c: u8) -> bool {
    is_ws(c) || matches!(c, b',' | b':' | b']' | b'}')
}

/// A cursor over JSON text; each method consumes one token (or value) or fails.
struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(|&c| is_ws(c)) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.eat(c).then_some(())
    }

    /// A string; whether it held escapes.
    fn string(&mut self) -> Option<bool> {
        self.expect(b'"')?;
        let mut escaped = false;
        loop {
            self.i = special(self.b, self.i)?;
            match self.next()? {
                b'"' => return Some(escaped),
                b'\\' => {}
                _ => return None,
            }
            escaped = true;
            match self.next()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                b'u' => {
                    let hex = self.b.get(self.i..self.i + 4)?;
                    let hex = std::str::from_utf8(hex).ok()?;
                    let unit = u16::from_str_radix(hex, 16).ok()?;
                    // `from_str_radix` takes a sign; JSON does not. Surrogates (halves of
                    // a UTF-16 pair) are judged differently in different places by serde_json.
                    if hex.starts_with('+') || (0xD800..=0xDFFF).contains(&unit) {
                        return None;
                    }
                    self.i += 4;
                }
                _ => return None,
            }
        }
    }

    /// A string without escapes: its text.
    fn plain_string<'t>(&mut self, text: &'t str) -> Option<&'t str> {
        let start = self.i + 1;
        match self.string()? {
            false => text.get(start..self.i - 1),
            true => None,
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    /// A number; whether it is an integer (no fraction, no exponent).
    fn number(&mut self) -> Option<bool> {
        self.eat(b'-');
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            (self.digits() > 0).then_some(())?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            (self.digits() > 0).then_some(())?;
        }
        Some(integer)
    }

    /// Consumes a `null` if one is next.
    fn null(&mut self) -> bool {
        self.literal(b"null").is_some()
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then_some(())?;
        self.i = end;
        Some(())
    }

    /// One value of any kind, nested ones included (iteratively, at most [`MAX_DEPTH`] deep).
    fn value(&mut self) -> Option<()> {
        let mut open = [0u8; MAX_DEPTH];
        let mut depth = 0;
        loop {
            // A value begins here.
            self.ws();
            match self.peek()? {
                c @ (b'{' | b'[') => {
                    self.i += 1;
                    self.ws();
                    let close = if c == b'{' { b'}' } else { b']' };
                    if !self.eat(close) {
                        *open.get_mut(depth)? = c;
                        depth += 1;
                        if c == b'{' {
                            self.member_key()?;
                        }
                        continue;
                    }
                }
                b'"' => {
                    self.string()?;
                }
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                b'-' | b'0'..=b'9' => {
                    self.number()?;
                }
                _ => return None,
            }
            // A value ended: close what it ends, or go on to the next member or item.
            loop {
                let Some(top) = depth.checked_sub(1).map(|d| open[d]) else { return Some(()) };
                self.ws();
                match (self.next()?, top) {
                    (b',', b'{') => {
                        self.ws();
                        self.member_key()?;
                        break;
                    }
                    (b',', _) => break,
                    (b'}', b'{') | (b']', b'[') => depth -= 1,
                    _ => return None,
                }
            }
        }
    }

    /// A member's key and the colon after it.
    fn member_key(&mut self) -> Option<()> {
        self.string()?;
        self.ws();
        self.expect(b':')
    }

    /// The `error` member's value: an object, and its integer `code` if it has one (a null
    /// code is none).
    fn error_code(&mut self, text: &str) -> Option<Option<i64>> {
        let mut code = None;
        let mut seen = false;
        self.members(text, |s, key| {
            if key != "code" {
                s.value()?;
            } else if std::mem::replace(&mut seen, true) {
                return None;
            } else if !s.null() {
                let start = s.i;
                if !s.number()? {
                    return None;
                }
                // serde_json reads `-0` as the float -0.0, which is not an i64.
                let digits = text.get(start..s.i)?;
                if digits == "-0" {
                    return None;
                }
                code = Some(digits.parse::<i64>().ok()?);
            }
            Some(())
        })?;
        Some(code)
    }

    /// An object whose keys are plain strings: `each` reads the value of every member, given
    /// its key (the cursor at the value). Leaves the cursor after the closing brace.
    fn members<'t>(
        &mut self,
        text: &'t str,
        mut each: impl FnMut(&mut Self, &'t str) -> Option<()>,
    ) -> Option<()> {
        self.expect(b'{')?;
        self.ws();
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            let key = self.plain_string(text)?;
            self.ws();
            self.expect(b':')?;
            self.ws();
            each(self, key)?;
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }
}

/// Where the first byte a JSON string's text cannot simply hold lies in `b`, from `i`: a
/// quote, a backslash or a control character (U+0000–U+001F, which must be escaped). Eight
/// bytes at a time (the usual SWAR test for a zero byte): most strings in a message are short,
/// too short for a call to `memchr` to pay.
fn special(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    // A byte's high bit is set where it is zero; in the bytes above a zero one the result can
    // be wrong (a borrow), so only the lowest set bit is read.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let hits = zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH);
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let rest = b.get(i..)?;
    rest.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map(|at| i + at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_envelope_of_each_role() {
        let env = envelope(r#" {"jsonrpc":"2.0","id": "a\"b" ,"result":null} "#).expect("plain");
        assert_eq!(env.jsonrpc.as_deref(), Some("2.0"));
        assert_eq!(env.id, Some(r#""a\"b""#));
        assert!(env.result && env.method.is_none() && env.error.is_none());
        let env = envelope(r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":["x",{"y":[1,-2.5e3,true,false,null]}]}}"#)
            .expect("plain");
        assert_eq!((env.method.as_deref(), env.id), (Some("notifications/message"), None));
        let env = envelope(r#"{"jsonrpc":"2.0","id":3,"error":{"message":"x","code":-32601,"data":{}}}"#);
        assert_eq!(env.and_then(|e| e.error), Some(Some(-32601)));
        assert_eq!(envelope(r#"{"error":{}}"#).and_then(|e| e.error), Some(None));
        assert_eq!(envelope("{}"), Some(Envelope::default()));
        let nulls = envelope(r#"{"jsonrpc":null,"id":null,"method":null,"error":null}"#);
        assert_eq!(nulls, Some(Envelope::default()), "a null member is an absent one");
        assert_eq!(envelope(r#"{"error":{"code":null}}"#).and_then(|e| e.error), Some(None));
    }

    #[test]
    fn measures_one_value() {
        assert_eq!(json_value_len(r#" "a\"b","c""#), Some(7));
        assert_eq!(json_value_len(r#"{"a":[1,{"b":null}]}}"#), Some(20));
        assert_eq!(json_value_len("-1.5e3,"), Some(6));
        assert_eq!(json_value_len("true"), Some(4));
        for bad in ["", " ", "}", "[1,]", r#""open"#, "01", "nul", "truex", r#""a"b"#] {
            assert_eq!(json_value_len(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn leaves_what_is_not_plain_json_to_serde() {
        for text in [
            "",
            "42",
            "[]",
            r#"{"jsonrpc":"2.0","id":1,"res"#,
            r#"{"jsonrpc":"2.0"} x"#,
            r#"{"jsonrpc":"2.0",}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":tru}"#,
            r#"{"a":"tab	inside"}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":"\u+123"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":[1}"#,
            r#"{"a":{"b":[1}]}"#,
            r#"{"a":{"b"}}"#,
            r#"{"a":{"b":1,}}"#,
            r#"{"method":"a","method":"b"}"#,
            r#"{"met\u0068od":"ping"}"#,
            r#"{"method":"pi\ng"}"#,
            r#"{"method":7}"#,
            r#"{"error":{"code":1.5}}"#,
            r#"{"error":{"code":99999999999999999999}}"#,
            r#"{"error":{"code":1,"code":2}}"#,
            r#"{"error":{"code":-0}}"#,
        ] {
            assert_eq!(envelope(text), None, "{text:?}");
        }
        let nested = |n: usize| format!("{{\"a\":{}1{}}}", "[".repeat(n), "]".repeat(n));
        assert_eq!(envelope(&nested(MAX_DEPTH + 1)), None, "deeper than MAX_DEPTH");
        let fine = nested(MAX_DEPTH);
        assert!(envelope(&fine).is_some(), "MAX_DEPTH deep");
    }

    /// JSON-RPC-like text: messages of every role with nested params, often with a few bytes
    /// changed, inserted or cut.
    fn message() -> impl Strategy<Value = String> {
        let scalar = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("false".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|f| serde_json::to_string(&f).unwrap_or_default()),
            "\\PC{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
            Just(r#""esc\"aped\\\/\b\f\n\r\t\u00e9""#.to_owned()),
        ];
        let value = scalar.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(("[a-z]{1,5}", inner), 0..4).prop_map(|m| {
                    let members: Vec<String> = m.into_iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
                    format!("{{ {} }}", members.join(" ,"))
                }),
            ]
        });
        let member = prop_oneof![
            Just(r#""jsonrpc":"2.0""#.to_owned()),
            Just(r#""jsonrpc":2"#.to_owned()),
            "[a-z/]{1,12}".prop_map(|m| format!(r#""method":"{m}""#)),
            value.clone().prop_map(|v| format!(r#""id":{v}"#)),
            value.clone().prop_map(|v| format!(r#""result":{v}"#)),
            value.clone().prop_map(|v| format!(r#""error":{v}"#)),
            any::<i64>().prop_map(|c| format!(r#""error":{{"code":{c},"message":"m"}}"#)),
            value.clone().prop_map(|v| format!(r#""params":{v}"#)),
        ];
        let doc = prop::collection::vec(member, 0..6).prop_map(|m| format!("{{{}}}", m.join(",")));
        (doc, prop::collection::vec((any::<prop::sample::Index>(), 0u8..5, any::<u8>()), 0..3)).prop_map(
            |(doc, edits)| {
                let mut bytes = doc.into_bytes();
                for (at, how, byte) in edits {
                    let i = at.index(bytes.len() + 1);
                    const BYTES: &[u8] = b"{}[]\",:\\0-.e \n\t";
                    let byte = BYTES[usize::from(byte) % BYTES.len()];
                    match how {
                        0 if i < bytes.len() => bytes[i] = byte,
                        // A closing bracket of the other kind.
                        4 => {
                            if let Some(c) = bytes.iter_mut().skip(i).find(|c| matches!(**c, b']' | b'}')) {
                                *c = if *c == b']' { b'}' } else { b']' };
                            }
                        }
                        1 => bytes.insert(i, byte),
                        2 if i < bytes.len() => {
                            bytes.remove(i);
                        }
                        _ => bytes.truncate(i),
                    }
                }
                String::from_utf8_lossy(&bytes).into_owned()
            },
        )
    }

    #[test]
    fn skips_one_valid_value() {
        for (text, len) in [
            (r#" "a\"b\\","c""#, 9),
            (r#"{"a":[1,{"b":"]}"}]}}"#, 20),
            ("-1.5e3,", 6),
            ("true}", 4),
            (r#"["\\",{}] "#, 9),
        ] {
            assert_eq!(skip_json_value(text), Some(len), "{text:?}");
            assert_eq!(json_value_len(text), Some(len), "{text:?}");
        }
        for nothing in ["", "  ", ",", "}", r#""open"#, "[1,", r#"{"a":"}"#] {
            assert_eq!(skip_json_value(nothing), None, "{nothing:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// Where the text holds a valid value (as the checking reader finds), skipping it ends
        /// where reading it does; on any text, skipping stays in bounds.
        #[test]
        fn skipping_a_valid_value_ends_where_reading_it_does(text in message(), tail in "[ ,:}\\]]{0,2}") {
            let text = format!("{text}{tail}");
            let skipped = skip_json_value(&text);
            prop_assert!(skipped.is_none_or(|n| n <= text.len()));
            if let Some(len) = json_value_len(&text) {
                prop_assert_eq!(skipped, Some(len), "{}", text);
            }
        }

        /// Whenever the fast reader answers, serde_json reads the same text as valid JSON with
        /// the same envelope; and it answers for the plain messages serde_json reads.
        #[test]
        fn an_answer_is_serde_jsons_answer(text in message()) {
            let fast = envelope(&text);
            // What serde_json makes of the text (the capture's reading of anything unusual).
            let reference = crate::decode::peek_by_serde(&text).ok();
            if fast.is_some() {
                prop_assert_eq!(&fast, &reference, "{}", text);
            }
            // Where the fast reader gives up though serde_json reads the text: an array (serde
            // reads a struct from one; the capture reads arrays as batches anyway), escapes,
            // an error that is an array, deep nesting.
            let members = serde_json::from_str::<std::collections::HashMap<String, &serde_json::value::RawValue>>(&text);
            let error_array = members.is_ok_and(|m| m.get("error").is_some_and(|e| e.get().starts_with('[')));
            let plain = reference.is_some()
                && !text.trim_start().starts_with('[')
                && !text.contains('\\')
                && !error_array
                && text.bytes().filter(|&b| b == b'[' || b == b'{').count() < MAX_DEPTH;
            if plain {
                prop_assert!(fast.is_some(), "serde_json reads {} but the fast reader gives up", text);
            }
        }
    }
}
