//! Large records stored compressed: the whole record as deflated JSON in `record_z`, and in
//! `record` a stub without its payload text, so the row stays small and SQL's JSON functions
//! (pairing by `rpc.pair_seq`) still read it.

use mcpscope_proto::{Record, RecordKind};

/// Records whose JSON is larger than this are stored compressed.
pub const COMPRESS_ABOVE: usize = 64 * 1024;

/// The `record` text and, for a large record, the compressed whole.
pub fn encode(r: &Record) -> (String, Option<Vec<u8>>) {
    let json = serde_json::to_string(r).unwrap_or_default();
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
    (serde_json::to_string(&stub).unwrap_or_default(), Some(z))
}

/// The record a row holds: the compressed whole when there is one, else `record` itself.
pub fn decode(json: &str, z: Option<&[u8]>) -> Result<Record, crate::StoreError> {
    match z {
        Some(z) => {
            let bytes = miniz_oxide::inflate::decompress_to_vec(z).map_err(|e| {
                crate::StoreError::Damaged(format!("a compressed record does not inflate: {e:?}"))
            })?;
            Ok(serde_json::from_slice(&bytes)?)
        }
        None => Ok(serde_json::from_str(json)?),
    }
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
}
