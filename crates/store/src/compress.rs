//! How a record is stored in its row.
//!
//! - **Members that hold nothing are left out**: `null`s, empty lists, an empty `message`
//!   (a flood's notification would otherwise store about 160 bytes of `"id":null,…` beside
//!   its 200-byte payload). Reading fills them with their defaults, and SQL's JSON functions
//!   read a missing member as `NULL`, as they read a `null` one. [`Stored`] is the record as
//!   its row holds it.
//! - **An SSE frame's raw text is left out when its fields print it exactly** (comments,
//!   `event`, `id`, each `data` line, `retry`, the blank line, in that order): the usual frame
//!   would otherwise be stored twice, once as `data` and once inside `raw`, and a flood's
//!   history is mostly such frames. The JSON then ends with [`RAW_PRINTED`]; reading it
//!   prints `raw` again, byte for byte. Any other frame (CRLF lines, fields in another order,
//!   unknown fields) keeps its raw text.
//! - **Large records are stored compressed**: the whole record as deflated JSON in
//!   `record_z`, and in `record` a stub without its payload text, so the row stays small and
//!   SQL's JSON functions (pairing by `rpc.pair_seq`) still read it.
//!
//! Rows written before members were left out hold every member; they read the same.

use mcpscope_proto::{
    Continues, Direction, Flag, Message, Record, RecordKind, RpcInfo, RpcKind, lint::Violation,
};
use serde::Serialize;

/// Records whose JSON is larger than this are stored compressed.
pub const COMPRESS_ABOVE: usize = 64 * 1024;

/// The end of a record's JSON whose SSE `raw` was left out. A record's own JSON never ends
/// so (its members end with a number, a list or an object, and `raw_printed` is a member of
/// [`Stored`] only); serde passes over the unknown member when reading.
const RAW_PRINTED: &str = r#","raw_printed":true}"#;

/// A record as its row holds it (see the module doc). Made by [`Stored::of`], which names
/// every member of [`Record`], so a member added there does not compile until it is stored.
#[derive(Serialize)]
struct Stored<'a> {
    seq: u64,
    at_us: i64,
    elapsed_us: u64,
    direction: Direction,
    exchange: u64,
    kind: StoredKind<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rpc: Option<StoredRpc<'a>>,
    #[serde(skip_serializing_if = "<[Flag]>::is_empty")]
    flags: &'a [Flag],
    #[serde(skip_serializing_if = "<[Violation]>::is_empty")]
    lint: &'a [Violation],
    #[serde(skip_serializing_if = "Option::is_none")]
    preview_of: Option<u64>,
    /// Last, so that the JSON ends with [`RAW_PRINTED`].
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    raw_printed: bool,
}

#[derive(Serialize)]
#[serde(untagged)]
enum StoredKind<'a> {
    Sse(StoredSse<'a>),
    Other(&'a RecordKind),
}

/// [`RecordKind::SseFrame`] as a row holds it.
#[derive(Serialize)]
struct StoredSse<'a> {
    /// `RecordKind`'s tag for the variant.
    #[serde(rename = "type")]
    tag: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a str>,
    data: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_ms: Option<u64>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    comments: &'a [String],
    /// `None` when the fields print it.
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<&'a str>,
}

/// [`RpcInfo`] as a row holds it.
#[derive(Serialize)]
struct StoredRpc<'a> {
    kind: RpcKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pair_seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_us: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    continues: Option<&'a Continues>,
    #[serde(skip_serializing_if = "is_null")]
    message: &'a Message,
}

fn is_null(m: &&Message) -> bool {
    m.is_null()
}

impl<'a> Stored<'a> {
    fn of(r: &'a Record) -> Stored<'a> {
        let Record { seq, at_us, elapsed_us, direction, exchange, kind, rpc, flags, lint, preview_of } = r;
        let (kind, raw_printed) = match kind {
            RecordKind::SseFrame { id, event, data, retry_ms, comments, raw } => {
                let (id, event) = (id.as_deref(), event.as_deref());
                // A frame with no data prints no data line; whether it had an empty one is not
                // known.
                let printed = !data.is_empty() && prints(raw, id, event, data, *retry_ms, comments);
                let raw = (!printed).then_some(&**raw);
                let sse = StoredSse { tag: "sse_frame", id, event, data, retry_ms: *retry_ms, comments, raw };
                (StoredKind::Sse(sse), printed)
            }
            other => (StoredKind::Other(other), false),
        };
        let rpc = rpc.as_ref().map(|rpc| {
            let RpcInfo { kind, id, method, error_code, pair_seq, latency_us, continues, message, shape: _ } =
                rpc;
            StoredRpc {
                kind: *kind,
                id: id.as_deref(),
                method: method.as_deref(),
                error_code: *error_code,
                pair_seq: *pair_seq,
                latency_us: *latency_us,
                continues: continues.as_deref(),
                message,
            }
        });
        Stored {
            seq: *seq,
            at_us: *at_us,
            elapsed_us: *elapsed_us,
            direction: *direction,
            exchange: *exchange,
            kind,
            rpc,
            flags,
            lint,
            preview_of: *preview_of,
            raw_printed,
        }
    }

    fn json(&self) -> String {
        // Serializing borrowed strings, numbers and derived types to a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The `record` text and, for a large record, the compressed whole.
pub fn encode(r: &Record) -> (String, Option<Vec<u8>>) {
    let json = Stored::of(r).json();
    if json.len() <= COMPRESS_ABOVE {
        return (json, None);
    }
    let z = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 6);
    let mut stub = r.clone();
    match &mut stub.kind {
        RecordKind::HttpRequest { body: Some(b), .. } | RecordKind::HttpResponse { body: Some(b), .. } => {
            b.text.clear()
        }
        RecordKind::SseFrame { data, raw, .. } => {
            *data = Default::default();
            *raw = Default::default();
        }
        _ => {}
    }
    (Stored::of(&stub).json(), Some(z))
}

/// The record a row holds: the compressed whole when there is one, else `record` itself.
pub fn decode(json: &str, z: Option<&[u8]>) -> Result<Record, crate::StoreError> {
    let (mut record, printed) = match z {
        Some(z) => {
            let bytes = miniz_oxide::inflate::decompress_to_vec(z).map_err(|e| {
                crate::StoreError::Damaged(format!("a compressed record does not inflate: {e:?}"))
            })?;
            (serde_json::from_slice::<Record>(&bytes)?, bytes.ends_with(RAW_PRINTED.as_bytes()))
        }
        None => (serde_json::from_str::<Record>(json)?, json.ends_with(RAW_PRINTED)),
    };
    if printed && let RecordKind::SseFrame { id, event, data, retry_ms, comments, raw } = &mut record.kind {
        *raw = print_frame(id.as_deref(), event.as_deref(), data, *retry_ms, comments).into();
    }
    Ok(record)
}

/// Whether these fields print `raw` exactly, in the order [`print_frame`] prints them (the
/// same test as comparing with its text, without making the text: a flood stores thousands
/// of frames a second).
fn prints(
    raw: &str,
    id: Option<&str>,
    event: Option<&str>,
    data: &str,
    retry_ms: Option<u64>,
    comments: &[String],
) -> bool {
    fn line(rest: &mut &str, field: &str, value: &str) -> bool {
        let Some(after) = rest.strip_prefix(field).and_then(|r| r.strip_prefix(value)) else {
            return false;
        };
        match after.strip_prefix('\n') {
            Some(after) => {
                *rest = after;
                true
            }
            None => false,
        }
    }
    let mut rest = raw;
    comments.iter().all(|c| line(&mut rest, ": ", c))
        && event.is_none_or(|e| line(&mut rest, "event: ", e))
        && id.is_none_or(|i| line(&mut rest, "id: ", i))
        && data.split('\n').all(|l| line(&mut rest, "data: ", l))
        && retry_ms.is_none_or(|ms| line(&mut rest, "retry: ", &ms.to_string()))
        && rest == "\n"
}

/// The text of an SSE frame with these fields, in the order [`prints`] expects.
fn print_frame(
    id: Option<&str>,
    event: Option<&str>,
    data: &str,
    retry_ms: Option<u64>,
    comments: &[String],
) -> String {
    let mut out = String::with_capacity(data.len() + 16);
    for c in comments {
        out.push_str(": ");
        out.push_str(c);
        out.push('\n');
    }
    if let Some(event) = event {
        out.push_str("event: ");
        out.push_str(event);
        out.push('\n');
    }
    if let Some(id) = id {
        out.push_str("id: ");
        out.push_str(id);
        out.push('\n');
    }
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    if let Some(ms) = retry_ms {
        out.push_str("retry: ");
        out.push_str(&ms.to_string());
        out.push('\n');
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use mcpscope_proto::{Body, Direction};

    fn record(text: String) -> Record {
        Record {
            seq: 1,
            at_us: 0,
            elapsed_us: 0,
            direction: Direction::In,
            exchange: 1,
            kind: RecordKind::HttpResponse {
                status: 200,
                headers: vec![],
                body: Some(Body::from_bytes(text.as_bytes())),
                latency_us: 1,
            },
            rpc: None,
            flags: vec![],
            lint: vec![],
            preview_of: None,
        }
    }

    #[test]
    fn large_records_shrink_and_come_back_whole() {
        let big = record(format!("{{\"text\":\"{}\"}}", "row ".repeat(50_000)));
        let (stub, z) = encode(&big);
        let z = z.expect("compressed");
        assert!(z.len() < 10_000, "repetitive text compresses: {}", z.len());
        assert!(stub.len() < 1_000, "the stub leaves the payload out: {}", stub.len());
        assert_eq!(decode(&stub, Some(&z)).unwrap(), big);
        let small = record("{}".into());
        let (json, none) = encode(&small);
        assert!(none.is_none());
        assert_eq!(decode(&json, None).unwrap(), small);
        assert!(decode(&stub, Some(b"not deflate")).is_err(), "a damaged row is an error, not a panic");
    }

    fn frame(id: Option<&str>, event: Option<&str>, data: &str, comments: &[&str], raw: &str) -> Record {
        Record {
            kind: RecordKind::SseFrame {
                id: id.map(Into::into),
                event: event.map(Into::into),
                data: data.into(),
                retry_ms: None,
                comments: comments.iter().map(|c| (*c).to_owned()).collect(),
                raw: raw.into(),
            },
            ..record(String::new())
        }
    }

    #[test]
    fn a_frame_its_fields_print_is_stored_once_and_read_back_byte_for_byte() {
        let data = r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"x"}}"#;
        let plain = frame(None, None, data, &[], &format!("data: {data}\n\n"));
        let sdk = frame(
            Some("17"),
            Some("message"),
            data,
            &[],
            &format!("event: message\nid: 17\ndata: {data}\n\n"),
        );
        let lines = frame(None, None, "a\nb", &["keep-alive"], ": keep-alive\ndata: a\ndata: b\n\n");
        for r in [plain, sdk, lines] {
            let (json, z) = encode(&r);
            assert!(z.is_none());
            assert!(json.ends_with(RAW_PRINTED) && !json.contains(r#""raw""#), "raw left out: {json}");
            assert_eq!(decode(&json, None).unwrap(), r);
        }
        // The payload once, not twice.
        let (json, _) = encode(&frame(None, None, data, &[], &format!("data: {data}\n\n")));
        assert_eq!(json.matches("notifications/message").count(), 1, "{json}");
    }

    /// A flood's notification as its row holds it: no member that holds nothing; a record
    /// whose every member holds something keeps each one; and a row written with every
    /// member (before they were left out) reads the same.
    #[test]
    fn members_that_hold_nothing_are_left_out_and_read_back() {
        use mcpscope_proto::{Continues, Flag, FlagCode, RpcInfo, RpcKind, lint::Violation};
        let data = r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"x"}}"#;
        let mut note = frame(None, None, data, &[], &format!("data: {data}\n\n"));
        note.rpc = Some(RpcInfo {
            kind: RpcKind::Notification,
            id: None,
            method: Some("notifications/message".into()),
            error_code: None,
            pair_seq: None,
            latency_us: None,
            continues: None,
            message: Default::default(),
            shape: Default::default(),
        });
        let (json, _) = encode(&note);
        for absent in ["null", "[]", r#""raw""#, r#""flags""#, r#""lint""#, r#""comments""#, r#""message""#] {
            assert!(!json.contains(absent), "{absent} in {json}");
        }
        assert_eq!(decode(&json, None).unwrap(), note);
        // The same row as it was written before: every member (the derived form), `raw`
        // empty, then the mark.
        let mut elided = note.clone();
        if let RecordKind::SseFrame { raw, .. } = &mut elided.kind {
            *raw = Default::default();
        }
        let mut old = serde_json::to_string(&elided).unwrap();
        old.pop();
        old.push_str(RAW_PRINTED);
        assert!(old.contains(r#""retry_ms":null,"comments":[],"raw":"""#), "{old}");
        assert_ne!(old, json);
        assert_eq!(decode(&old, None).unwrap(), note, "{old}");

        let mut full = frame(Some("7"), Some("note"), "a\nb", &["c"], "weird raw");
        if let RecordKind::SseFrame { retry_ms, .. } = &mut full.kind {
            *retry_ms = Some(10);
        }
        full.rpc = Some(RpcInfo {
            kind: RpcKind::Request,
            id: Some("2".into()),
            method: Some("tools/call".into()),
            error_code: Some(-1),
            pair_seq: Some(3),
            latency_us: Some(4),
            continues: Some(Box::new(Continues {
                id: "1".into(),
                seq: Some(1),
                first_id: "1".into(),
                round: 2,
            })),
            message: serde_json::json!({"id": 2}).into(),
            shape: Default::default(),
        });
        full.flags = vec![Flag::new(FlagCode::NotJsonRpc, "odd")];
        full.lint = vec![Violation {
            rule: "r".into(),
            path: "p".into(),
            message: "m".into(),
            severity: Default::default(),
            span: None,
        }];
        full.preview_of = Some(9);
        let (json, _) = encode(&full);
        assert!(!json.ends_with(RAW_PRINTED));
        assert_eq!(decode(&json, None).unwrap(), full);
    }

    #[test]
    fn a_frame_its_fields_do_not_print_keeps_its_raw_text() {
        let kept = [
            frame(None, None, "x", &[], "data: x\r\n\r\n"),
            frame(Some("1"), Some("m"), "x", &[], "data: x\nid: 1\nevent: m\n\n"),
            frame(None, None, "x", &[], "data:x\n\n"),
            frame(None, None, "x", &[], "data: x\nfoo: bar\n\n"),
            frame(None, None, "", &[], "data: \n\n"),
            frame(None, None, "x", &[], ""),
        ];
        for r in kept {
            let (json, _) = encode(&r);
            assert!(!json.ends_with(RAW_PRINTED), "{json}");
            assert_eq!(decode(&json, None).unwrap(), r);
        }
    }

    #[test]
    fn a_large_frame_is_compressed_and_left_out_once() {
        let data = format!("{{\"text\":\"{}\"}}", "row ".repeat(50_000));
        let r = frame(None, Some("message"), &data, &[], &format!("event: message\ndata: {data}\n\n"));
        let (stub, z) = encode(&r);
        let z = z.expect("compressed");
        assert!(stub.len() < 1_000);
        let inflated = miniz_oxide::inflate::decompress_to_vec(&z).unwrap();
        assert!(inflated.ends_with(RAW_PRINTED.as_bytes()));
        assert_eq!(decode(&stub, Some(&z)).unwrap(), r);
    }

    proptest::proptest! {
        /// Whatever an SSE frame's fields and raw text are, the record read back is the one
        /// stored.
        #[test]
        fn every_frame_comes_back_whole(
            id in proptest::option::of("[a-z0-9:\\n ]{0,4}"),
            event in proptest::option::of("[a-z: ]{0,4}"),
            data in "[a-z\\n\\r: ]{0,12}",
            comments in proptest::collection::vec("[a-z ]{0,3}", 0..2),
            retry_ms in proptest::option::of(0u64..5000),
            printed in proptest::bool::ANY,
            other in "[a-z\\n:]{0,12}",
        ) {
            let raw = if printed {
                print_frame(id.as_deref(), event.as_deref(), &data, retry_ms, &comments)
            } else {
                other
            };
            let r = Record {
                kind: RecordKind::SseFrame {
                    id: id.map(Into::into),
                    event: event.map(Into::into),
                    data: data.into(),
                    retry_ms,
                    comments,
                    raw: raw.into(),
                },
                ..record(String::new())
            };
            let (json, z) = encode(&r);
            proptest::prop_assert_eq!(decode(&json, z.as_deref()).unwrap(), r);
        }
    }
}
