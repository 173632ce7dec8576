//! Where records go: the [`RecordSink`] a capture hands every record to, and two plain ones.

use std::sync::{Arc, Mutex};

use mcpscope_proto::Record;

use crate::capture::lock;

/// Called once a sink has passed on every record handed to it before (see
/// [`RecordSink::flush`]).
pub type Flushed = Box<dyn FnOnce() + Send>;

/// Receives every record, in sequence order.
pub trait RecordSink: Send + Sync + 'static {
    fn record(&self, record: Record);

    /// Calls `done` once every record handed to this sink so far has been through it and
    /// the sinks behind it. A stage that works on another thread (the lint) calls it from
    /// there, in order with its records; a stage that wraps another passes `done` on. By
    /// default at once: a plain sink has taken a record when `record` returns.
    fn flush(&self, done: Flushed) {
        done();
    }

    /// Receives consecutive records at once (the frames one read of an SSE stream
    /// completed), so a sink can take them under one lock. Each is its own allocation, made
    /// where it was built, so that a sink keeping them (the timeline, the history) keeps that
    /// one instead of a copy; a stage that changes a record (`Arc::make_mut`) is its only
    /// holder until it passes the batch on. By default, one by one.
    fn record_batch(&self, batch: Vec<Arc<Record>>) {
        for record in batch {
            self.record(Arc::unwrap_or_clone(record));
        }
    }
}

/// A sink that drops everything (for callers that only want results).
pub struct NullSink;

impl RecordSink for NullSink {
    fn record(&self, _record: Record) {}
}

/// Collects records in memory; handy for tests and the CLI. Batches are kept as they come
/// (a flood's records are moved once, never again to grow one long vector).
#[derive(Default)]
pub struct VecSink(Mutex<Vec<Vec<Arc<Record>>>>);

/// Room for the records that come one by one between batches.
const SINGLES: usize = 16;

impl VecSink {
    pub fn new() -> Arc<VecSink> {
        Arc::new(VecSink::default())
    }

    pub fn records(&self) -> Vec<Record> {
        lock(&self.0).iter().flatten().map(|r| Record::clone(r)).collect()
    }
}

impl RecordSink for VecSink {
    fn record(&self, record: Record) {
        let mut batches = lock(&self.0);
        match batches.last_mut() {
            // Never grow a batch: that would copy it.
            Some(last) if last.len() < last.capacity() => last.push(Arc::new(record)),
            _ => {
                let mut singles = Vec::with_capacity(SINGLES);
                singles.push(Arc::new(record));
                batches.push(singles);
            }
        }
    }

    fn record_batch(&self, batch: Vec<Arc<Record>>) {
        if !batch.is_empty() {
            lock(&self.0).push(batch);
        }
    }
}
