//! How a [`UiEvent`] crosses from the shell to the window, as bytes.
//!
//! A record batch is most of what crosses during a flood: it goes as postcard (serde's
//! compact binary format) after a [`BATCH`] tag byte, half the bytes of its JSON and less than
//! half the decoding time in the window's wasm. Every other event goes as its JSON, which
//! starts with `{`, never with the tag. Both ends use these two functions, so the format is
//! decided in one place.

use std::fmt;

use crate::{SummaryBatch, UiEvent};

/// The first byte of a record batch (any byte but `{` would do).
const BATCH: u8 = 0xB1;

/// An event that could not be encoded or decoded.
#[derive(Debug)]
pub enum EventBytesError {
    Json(serde_json::Error),
    Batch(postcard::Error),
}

impl fmt::Display for EventBytesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventBytesError::Json(e) => write!(f, "event JSON: {e}"),
            EventBytesError::Batch(e) => write!(f, "record batch: {e}"),
        }
    }
}

impl std::error::Error for EventBytesError {}

/// The bytes `event` crosses as.
pub fn to_bytes(event: &UiEvent) -> Result<Vec<u8>, EventBytesError> {
    match event {
        UiEvent::Records { items } => postcard::to_extend(items, vec![BATCH]).map_err(EventBytesError::Batch),
        other => serde_json::to_vec(other).map_err(EventBytesError::Json),
    }
}

/// The event `bytes` (from [`to_bytes`]) carry.
pub fn from_bytes(bytes: &[u8]) -> Result<UiEvent, EventBytesError> {
    match bytes.split_first() {
        Some((&BATCH, batch)) => postcard::from_bytes::<SummaryBatch>(batch)
            .map(|items| UiEvent::Records { items })
            .map_err(EventBytesError::Batch),
        _ => serde_json::from_slice(bytes).map_err(EventBytesError::Json),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConnectionState, Direction, RecordSummary, RpcKind, SummaryBatcher};

    fn batch() -> SummaryBatch {
        let mut b = SummaryBatcher::default();
        for seq in 1..=3u64 {
            b.push(RecordSummary {
                method: Some("notifications/message".into()),
                rpc_kind: Some(RpcKind::Notification),
                pair_seq: (seq == 3).then_some(1),
                status: (seq == 2).then_some(200),
                latency_us: Some(seq * 7),
                ..RecordSummary::bare(seq, 4, Direction::In, "sse", &format!("event id={seq} · ünïcode"))
            });
        }
        b.finish()
    }

    #[test]
    fn a_batch_crosses_as_tagged_binary_and_comes_back_whole() {
        let event = UiEvent::Records { items: batch() };
        let bytes = to_bytes(&event).unwrap();
        assert_eq!(bytes[0], BATCH);
        let json = serde_json::to_vec(&event).unwrap();
        assert!(bytes.len() < json.len(), "binary {} B, JSON {} B", bytes.len(), json.len());
        assert_eq!(from_bytes(&bytes).unwrap(), event);
    }

    #[test]
    fn other_events_cross_as_json() {
        let event = UiEvent::State { state: ConnectionState::disconnected() };
        let bytes = to_bytes(&event).unwrap();
        assert_eq!(bytes[0], b'{');
        assert_eq!(from_bytes(&bytes).unwrap(), event);
    }

    #[test]
    fn a_cut_batch_is_an_error_not_a_panic() {
        let bytes = to_bytes(&UiEvent::Records { items: batch() }).unwrap();
        let err = from_bytes(&bytes[..bytes.len() / 2]).unwrap_err();
        assert!(err.to_string().starts_with("record batch"), "{err}");
        assert!(from_bytes(b"").is_err());
    }
}
