//! How a record is stored in its row.
//!
//! - **An SSE frame's raw text is left out when its fields print it exactly** (comments,
//!   `event`, `id`, each `data` line, `retry`, the blank line, in that order): the usual frame
//!   would otherwise be stored twice, once as `data` and once inside `raw`, and a flood's
//!   history is mostly such frames. The JSON then has `"raw":""` and ends with
//!   [`RAW_PRINTED`]; reading it prints `raw` again, byte for byte. Any other frame (CRLF
//!   lines, fields in another order, unknown fields) keeps its raw text.
//! - **Large records are stored compressed**: the whole record as deflated JSON in
//!   `record_z`, and in `record` a stub without its payload text, so the row stays small and
//!   SQL's JSON functions (pairing by `rpc.pair_seq`) still read it.

use mcpscope_proto::{ByteString, Record, RecordKind};

/// Records whose JSON is larger than this are stored compressed.
pub const COMPRESS_ABOVE: usize = 64 * 1024;

/// The end of a record's JSON whose SSE `raw` was left out. A record's own JSON never ends
/// so (its last member is `lint`, an array, or `preview_of`, a number); serde passes over
/// the unknown member when reading.
const RAW_PRINTED: &str = r#","raw_printed":true}"#;

/// The `record` text and, for a large record, the compressed whole.
pub fn encode(r: &Record) -> (String, Option<Vec<u8>>) {
    let elided = elide_raw(r);
    let json = match &elided {
        Some(e) => {
            let mut json = serde_json::to_string(e).unwrap_or_default();
            if json.ends_with('}') {
                json.pop();
                json.push_str(RAW_PRINTED);
            }
            json
        }
        None => serde_json::to_string(r).unwrap_or_default(),
    };
    if json.len() <= COMPRESS_ABOVE {
        return (json, None);
    }
    let z = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 6);
    let mut stub = elided.unwrap_or_else(|| r.clone());
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
    (serde_json::to_string(&stub).unwrap_or_default(), Some(z))
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

/// `r` without its SSE raw text, when the frame's fields print it exactly.
fn elide_raw(r: &Record) -> Option<Record> {
    let RecordKind::SseFrame { id, event, data, retry_ms, comments, raw } = &r.kind else {
        return None;
    };
    // A frame with no data prints no data line; whether it had an empty one is not known.
    if data.is_empty() || *raw != print_frame(id.as_deref(), event.as_deref(), data, *retry_ms, comments) {
        return None;
    }
    let mut elided = r.clone();
    if let RecordKind::SseFrame { raw, .. } = &mut elided.kind {
        *raw = ByteString::new();
    }
    Some(elided)
}

/// The text of an SSE frame with these fields, in the order [`elide_raw`] expects.
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
            assert!(json.ends_with(RAW_PRINTED) && json.contains(r#""raw":"""#), "raw left out: {json}");
            assert_eq!(decode(&json, None).unwrap(), r);
        }
        // The payload once, not twice.
        let (json, _) = encode(&frame(None, None, data, &[], &format!("data: {data}\n\n")));
        assert_eq!(json.matches("notifications/message").count(), 1, "{json}");
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
