//! A message's JSON-RPC view, as a record holds it: its role, id and method read from the
//! envelope (fast, [`crate::peek`]; serde_json for anything unusual), the whole text checked to
//! be JSON, and the messages the connection must act on decoded in full. A flood's
//! notifications, alike but for their values, are matched against templates of the ones
//! before ([`crate::template`]) instead of being read again.

use std::borrow::Cow;

use mcpscope_proto::{Flag, FlagCode, RpcInfo, RpcKind, Shape};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::peek::Envelope;
use crate::template::{Template, Templates};

const NOT_RPC: &str =
    "valid JSON but not a JSON-RPC 2.0 message (needs \"jsonrpc\":\"2.0\" and a method, result or error)";

/// The parts of a JSON-RPC message the engine needs for every record, read without building
/// a `Value` tree: a notification flood is mostly bytes nobody looks at until a user selects
/// one (then [`mcpscope_proto::Record::with_message`] decodes it in full).
#[derive(serde::Deserialize)]
struct Peek<'a> {
    #[serde(borrow, default)]
    jsonrpc: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "present")]
    result: bool,
    #[serde(default)]
    error: Option<PeekError>,
}

#[derive(serde::Deserialize)]
struct PeekError {
    #[serde(default)]
    code: Option<i64>,
}

/// `true` when the member exists, whatever its value (`"result": null` is a result).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| true)
}

/// The envelope read by serde_json (the reference, and the reader of anything unusual), or the
/// flag that says why there is none.
pub(crate) fn peek_by_serde(text: &str) -> Result<Envelope<'_>, Flag> {
    match serde_json::from_str::<Peek<'_>>(text) {
        Ok(p) => Ok(Envelope {
            jsonrpc: p.jsonrpc,
            id: p.id.map(RawValue::get),
            method: p.method,
            result: p.result,
            error: p.error.map(|e| e.code),
        }),
        Err(e) if e.is_data() => {
            // The peek stops at the first member of the wrong type, before the end: only a
            // whole read tells valid JSON of the wrong shape from text that is not JSON.
            Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
                Ok(_) => Flag::new(FlagCode::NotJsonRpc, format!("{NOT_RPC}: {e}")),
                Err(e) => Flag::new(FlagCode::MalformedJson, format!("malformed JSON: {e}")),
            })
        }
        Err(e) => Err(Flag::new(FlagCode::MalformedJson, format!("malformed JSON: {e}"))),
    }
}

/// Parses a payload as JSON-RPC, flagging what is wrong with it. Returns the record's RPC
/// view and the messages the connection must act on, fully decoded.
pub(crate) fn decode(text: &str, flags: &mut Vec<Flag>) -> (Option<RpcInfo>, Vec<Value>) {
    NOTIFICATIONS.with_borrow_mut(|known| decode_with(text, flags, Some(known)))
}

thread_local! {
    /// The texts of plain notifications lately read on this thread, cut around the values of their
    /// `params`' members, each with its record's JSON-RPC view: a flood's messages differ only
    /// there, and matching one against its template (the bytes around the gaps compared, the
    /// values in them checked to be JSON) is quicker than reading it (`wire-bench`, README). One
    /// set per thread: the capture reads on the runtime's threads and on its helper.
    static NOTIFICATIONS: std::cell::RefCell<Templates<RpcInfo>> = std::cell::RefCell::default();
}

/// Messages longer than this are read in full each time (their values are the cost).
const MAX_TEMPLATE_TEXT: usize = 16 * 1024;
/// The text around a notification template's gaps.
const MAX_TEMPLATE_PIECES: usize = 1024;

/// [`decode`], with the notifications remembered in `known` (none: every message read in full).
fn decode_with(
    text: &str,
    flags: &mut Vec<Flag>,
    mut known: Option<&mut Templates<RpcInfo>>,
) -> (Option<RpcInfo>, Vec<Value>) {
    let rememberable = text.len() <= MAX_TEMPLATE_TEXT;
    if rememberable
        && let Some(known) = known.as_deref_mut()
        && let Some(info) = known.find(text)
    {
        // The same envelope around other values: valid JSON, and nothing the connection
        // acts on (only such notifications are remembered).
        return (Some(info.clone()), Vec::new());
    }
    if text.trim_start().starts_with('[') {
        return decode_batch(text, flags);
    }
    let (peek, read_fast) = match crate::peek::envelope(text) {
        Some(env) => (env, true),
        // Anything unusual, invalid JSON included: serde_json's reading and its words.
        None => match peek_by_serde(text) {
            Ok(looked) => (looked, false),
            Err(flag) => {
                flags.push(flag);
                return (None, Vec::new());
            }
        },
    };
    let kind = if peek.jsonrpc.as_deref() != Some("2.0") {
        None
    } else if peek.method.is_some() {
        Some(if peek.id.is_some() { RpcKind::Request } else { RpcKind::Notification })
    } else if peek.result {
        Some(RpcKind::Result)
    } else if peek.error.is_some() {
        Some(RpcKind::Error)
    } else {
        None
    };
    let Some(kind) = kind else {
        flags.push(Flag::new(FlagCode::NotJsonRpc, NOT_RPC));
        return (None, Vec::new());
    };
    let method = peek.method.as_deref().map(mcpscope_proto::method_name);
    let must_act = match kind {
        RpcKind::Notification => method.as_deref().is_some_and(acted_on),
        _ => true,
    };
    // Valid JSON can still fail a full decode the peek skipped over (a number out of range):
    // say so on the record, which is all the connection will get of it.
    let msgs = if must_act {
        match serde_json::from_str(text) {
            Ok(v) => vec![v],
            Err(e) => {
                flags.push(Flag::new(FlagCode::MalformedJson, format!("cannot decode the message: {e}")));
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let mut info = RpcInfo {
        kind,
        id: peek.id.map(str::to_owned),
        method,
        error_code: peek.error.flatten(),
        pair_seq: None,
        latency_us: None,
        continues: None,
        message: Default::default(),
        shape: Default::default(),
    };
    if kind == RpcKind::Notification
        && !must_act
        && read_fast
        && rememberable
        && let Some(known) = known.filter(|k| !k.resting())
        && let Some(template) =
            crate::peek::params_gaps(text).and_then(|gaps| Template::of(text, &gaps, MAX_TEMPLATE_PIECES))
    {
        // This message and every later one the template reads share a shape.
        info.shape = Shape::new();
        known.learn(template, info.clone());
    }
    (Some(info), msgs)
}

/// A JSON array: a 2025-03-26 batch, or something that is not JSON-RPC at all.
fn decode_batch(text: &str, flags: &mut Vec<Flag>) -> (Option<RpcInfo>, Vec<Value>) {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            flags.push(Flag::new(FlagCode::MalformedJson, format!("malformed JSON: {e}")));
            return (None, Vec::new());
        }
    };
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    let all_rpc = !items.is_empty() && items.iter().all(|i| classify(i).is_some());
    if !all_rpc {
        flags.push(Flag::new(FlagCode::NotJsonRpc, "a JSON array that is not a batch of JSON-RPC messages"));
    }
    let msgs = if all_rpc { items.iter().filter(|m| actionable(m)).cloned().collect() } else { Vec::new() };
    let info = RpcInfo {
        kind: RpcKind::Batch,
        id: None,
        method: None,
        error_code: None,
        pair_seq: None,
        latency_us: None,
        continues: None,
        message: Default::default(),
        shape: Default::default(),
    };
    (Some(info), msgs)
}

/// Whether the connection has to act on a message (everything but plain notifications).
fn actionable(v: &Value) -> bool {
    match classify(v) {
        Some(RpcKind::Notification) => v.get("method").and_then(Value::as_str).is_some_and(acted_on),
        Some(_) => true,
        None => false,
    }
}

/// The notifications the connection acts on (a flood of any other kind is only recorded):
/// progress keeps a request alive, an acknowledgement opens a `subscriptions/listen`.
fn acted_on(method: &str) -> bool {
    matches!(method, "notifications/progress" | "notifications/subscriptions/acknowledged")
}

/// The JSON-RPC role of a message, or `None` when it is not one.
pub fn classify(v: &Value) -> Option<RpcKind> {
    let obj = v.as_object()?;
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return None;
    }
    if obj.get("method").is_some_and(Value::is_string) {
        return Some(if obj.contains_key("id") { RpcKind::Request } else { RpcKind::Notification });
    }
    if obj.contains_key("result") {
        return Some(RpcKind::Result);
    }
    if obj.contains_key("error") {
        return Some(RpcKind::Error);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cut_after_a_member_of_the_wrong_type_is_malformed_not_merely_not_rpc() {
        // Found by the fuzz pass: the peek failed on `false` before reaching the cut.
        let mut flags = Vec::new();
        decode(r#"{"method":false"#, &mut flags);
        assert_eq!(flags[0].code, FlagCode::MalformedJson, "{flags:?}");
        let mut flags = Vec::new();
        decode(r#"{"method":false}"#, &mut flags);
        assert_eq!(flags[0].code, FlagCode::NotJsonRpc, "{flags:?}");
    }

    #[test]
    fn peek_decodes_roles_and_flags_shapes() {
        let mut flags = Vec::new();
        let (rpc, msgs) = decode(r#"{"jsonrpc":"2.0","id":"a\"b","result":null}"#, &mut flags);
        let rpc = rpc.expect("a result");
        assert_eq!((rpc.kind, rpc.id.as_deref()), (RpcKind::Result, Some(r#""a\"b""#)));
        assert_eq!(msgs.len(), 1, "responses are handed to the connection");
        assert!(flags.is_empty());

        let (rpc, msgs) =
            decode(r#"{"jsonrpc":"2.0","method":"notifications/message","params":{}}"#, &mut flags);
        assert_eq!(rpc.map(|r| r.kind), Some(RpcKind::Notification));
        assert!(msgs.is_empty(), "plain notifications stay in the record");

        let (_, msgs) = decode(
            r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1}}"#,
            &mut flags,
        );
        assert_eq!(msgs.len(), 1, "progress resets timeouts");

        let (rpc, _) =
            decode(r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"x"}}"#, &mut flags);
        assert_eq!(rpc.and_then(|r| r.error_code), Some(-32601));
        assert!(flags.is_empty());

        let (rpc, _) = decode("42", &mut flags);
        assert!(rpc.is_none());
        assert_eq!(flags.pop().map(|f| f.code), Some(FlagCode::NotJsonRpc));
        let (rpc, _) = decode(r#"{"jsonrpc":"2.0","method":7}"#, &mut flags);
        assert!(rpc.is_none());
        assert_eq!(flags.pop().map(|f| f.code), Some(FlagCode::NotJsonRpc));
        let (rpc, _) = decode(r#"{"jsonrpc":"2.0","id":1,"res"#, &mut flags);
        assert!(rpc.is_none());
        assert_eq!(flags.pop().map(|f| f.code), Some(FlagCode::MalformedJson));
        // Well-formed, a result, but not decodable in full: the record says why.
        let (rpc, msgs) = decode(r#"{"jsonrpc":"2.0","id":1,"result":{"x":1e400}}"#, &mut flags);
        assert_eq!(rpc.map(|r| r.kind), Some(RpcKind::Result));
        assert!(msgs.is_empty());
        let flag = flags.pop().expect("a flag");
        assert_eq!(flag.code, FlagCode::MalformedJson);
        assert!(flag.message.contains("out of range"), "{}", flag.message);
    }

    /// A flood's notifications are read once, then matched: along any sequence of messages,
    /// decoding with the templates that sequence left gives what decoding each in full does.
    /// The messages repeat a few shapes with other values in `params` (valid or broken JSON),
    /// and now and then differ where it matters: an id, an `error` member, another method.
    mod remembered {
        use super::*;
        use proptest::prelude::*;

        fn value() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                Just("null".to_owned()),
                Just("true".to_owned()),
                (-5i64..500).prop_map(|n| n.to_string()),
                Just("1e400".to_owned()),
                "[a-z\\\\\"]{0,6}".prop_map(|s| format!("\"{s}\"")),
                Just("\"x\\u00e9\"".to_owned()),
            ];
            leaf.prop_recursive(2, 8, 3, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
                    prop::collection::vec(inner, 0..3).prop_map(|v| {
                        let m: Vec<String> =
                            v.iter().enumerate().map(|(i, v)| format!("\"k{i}\": {v}")).collect();
                        format!("{{{}}}", m.join(","))
                    }),
                ]
            })
        }

        fn message() -> impl Strategy<Value = String> {
            let method = prop::sample::select(vec!["notifications/message", "notifications/progress", "x/y"]);
            let params =
                prop::collection::vec((prop::sample::select(vec!["level", "data", "seq"]), value()), 0..3);
            let extra = prop::sample::select(vec![
                "",
                r#","id":7"#,
                r#","id":null"#,
                r#","error":{"code":3}"#,
                r#", "x" : [1]"#,
            ]);
            (method, params, extra, 0u8..8).prop_map(|(method, params, extra, damage)| {
                let members: Vec<String> = params.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                let text = format!(
                    r#"{{"jsonrpc":"2.0","method":"{method}","params":{{{}}}{extra}}}"#,
                    members.join(",")
                );
                match damage {
                    0 => text[..text.len() - 1].to_owned(),
                    1 => text.replacen(':', "::", 3),
                    2 => format!("{text},"),
                    _ => text,
                }
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            #[test]
            fn a_remembered_reading_is_the_full_reading(
                messages in prop::collection::vec((message(), 1usize..4), 1..60)
            ) {
                let mut known = Templates::default();
                for (text, times) in &messages {
                    for _ in 0..*times {
                        let mut flags = Vec::new();
                        let remembered = decode_with(text, &mut flags, Some(&mut known));
                        let mut full_flags = Vec::new();
                        let full = decode_with(text, &mut full_flags, None);
                        prop_assert_eq!(&remembered, &full, "{}", text);
                        prop_assert_eq!(&flags, &full_flags, "{}", text);
                    }
                }
            }
        }

        /// The flood's own message is matched from its second copy on, and its envelope read
        /// from the template is the one read in full.
        #[test]
        fn a_flood_is_read_once() {
            let mut known = Templates::default();
            let text = |seq: usize| {
                format!(
                    r#"{{"jsonrpc":"2.0","method":"notifications/message","params":{{"level":"info","data":{{"seq":{seq},"pad":"{}"}}}}}}"#,
                    "x".repeat(seq)
                )
            };
            let first = decode_with(&text(0), &mut Vec::new(), Some(&mut known));
            for seq in 1..10 {
                assert_eq!(known.find(&text(seq)).cloned(), first.0, "{}", text(seq));
            }
            // Values in params are the gaps (any level reads the same envelope); its keys and
            // the envelope are not.
            assert_eq!(known.find(&text(1).replace("info", "warn")).cloned(), first.0);
            assert_eq!(known.find(&text(1).replace("level", "kind")), None);
            assert_eq!(known.find(&text(1).replace("/message", "/other")), None);
        }
    }

    #[test]
    fn classifies_messages() {
        let c = |s: &str| classify(&serde_json::from_str(s).unwrap_or(Value::Null));
        assert_eq!(c(r#"{"jsonrpc":"2.0","method":"x"}"#), Some(RpcKind::Notification));
        assert_eq!(c(r#"{"jsonrpc":"2.0","id":0,"method":"x"}"#), Some(RpcKind::Request));
        assert_eq!(c(r#"{"jsonrpc":"2.0","id":0,"error":{"code":-1}}"#), Some(RpcKind::Error));
        assert_eq!(c(r#"{"hello":"world"}"#), None);
        assert_eq!(c(r#"{"jsonrpc":"1.0","id":0,"result":1}"#), None);
    }
}
