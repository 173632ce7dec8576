//! Big records a piece at a time (see [`mcpscope_proto::outline`]).
//!
//! The UI pages through one big record at a time; the payload of the record being looked at is
//! kept parsed here, so expanding node after node parses it once.

use std::sync::{Arc, Mutex};

use mcpscope_proto::Record;
use mcpscope_proto::outline::{self, Children, RecordRef, Slice};
use serde_json::Value;

use crate::{Engine, Result, SessionError, lock};

/// The payload of the last record looked at, as text and (when it is JSON) parsed.
struct Parsed {
    text: String,
    value: Option<Value>,
}

#[derive(Default)]
pub(crate) struct ViewCache(Mutex<Option<(RecordRef, Arc<Parsed>)>>);

/// Most items or bytes one call returns, whatever the UI asks.
const MAX_NODES: u64 = 2_000;
const MAX_BYTES: u64 = 1024 * 1024;

impl Engine {
    /// A record of the live session as the UI gets it: whole, or a preview when big.
    pub async fn record_view(&self, seq: u64) -> Option<Record> {
        self.raw_record(seq).await.map(Record::for_view)
    }

    /// A stored record as the UI gets it: whole, or a preview when big.
    pub async fn history_record_view(&self, session_id: &str, seq: u64) -> Result<Option<Record>> {
        Ok(self.history()?.record(session_id, seq).await?.map(Record::for_view))
    }

    /// A page of the children of the node at `pointer` (RFC 6901; `""` is the root) in the
    /// payload of `record`.
    pub async fn record_children(
        &self,
        record: RecordRef,
        pointer: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Children> {
        let parsed = self.parsed(&record).await?;
        let value = parsed.value.as_ref().ok_or_else(|| SessionError::NotJson)?;
        outline::children(value, pointer, offset as usize, limit.min(MAX_NODES) as usize)
            .ok_or_else(|| SessionError::NoNode(pointer.to_owned()))
    }

    /// A page of text of `record`: its raw payload (`pointer: None`), or the string at
    /// `pointer`.
    pub async fn record_slice(
        &self,
        record: RecordRef,
        pointer: Option<&str>,
        offset: u64,
        len: u64,
    ) -> Result<Slice> {
        let parsed = self.parsed(&record).await?;
        let (offset, len) = (offset as usize, len.min(MAX_BYTES) as usize);
        let Some(pointer) = pointer else { return Ok(outline::slice(&parsed.text, offset, len)) };
        match parsed.value.as_ref().and_then(|v| v.pointer(pointer)) {
            Some(Value::String(s)) => Ok(outline::slice(s, offset, len)),
            Some(_) => Err(SessionError::NotAString(pointer.to_owned())),
            None => Err(SessionError::NoNode(pointer.to_owned())),
        }
    }

    async fn parsed(&self, record: &RecordRef) -> Result<Arc<Parsed>> {
        if let Some((r, p)) = lock(&self.view.0).as_ref()
            && r == record
        {
            return Ok(p.clone());
        }
        let rec = match &record.session_id {
            None => self.raw_record(record.seq).await,
            Some(session) => self.history()?.record(session, record.seq).await?,
        };
        let rec = rec.ok_or_else(|| SessionError::RecordGone(record.seq))?;
        let text = rec.payload().unwrap_or_default().to_owned();
        let value = serde_json::from_str(&text).ok();
        let parsed = Arc::new(Parsed { text, value });
        *lock(&self.view.0) = Some((record.clone(), parsed.clone()));
        Ok(parsed)
    }
}
