//! The current timeline in memory: its newest records, and the summaries the window has not
//! had yet.

use std::sync::{Arc, Mutex};

use mcpscope_proto::Record;
use mcpscope_wire::RecordSink;

use crate::lock;

/// The most summaries in one [`mcpscope_proto::UiEvent::Records`]: a flood's tick is sent as several batches
/// of about half a megabyte, each freed before the next is made, rather than as one of many
/// megabytes, which is fresh memory every time (measured: the page faults of one 6 MB batch
/// were 4% of the session's CPU in `wire-bench`'s 50k flood).
pub const SUMMARY_BATCH_ROWS: usize = 4096;

/// The current timeline's records (the newest `Limits::timeline_records` of them: the history
/// has the rest; without a history older ones are gone, their summary rows stay in the
/// window), plus the summaries not yet sent to the UI.
#[derive(Default)]
pub(crate) struct RecordLog {
    records: Mutex<std::collections::VecDeque<Arc<Record>>>,
    /// `Some(n)`: keep the newest `n` records only.
    keep: Option<usize>,
    /// Records not yet summarized to the UI: summaries are made by the flusher, off the
    /// capture path, and a growing list of pointers costs little to extend.
    unsent: Mutex<Vec<Arc<Record>>>,
    /// Shares the summaries' strings.
    strings: Mutex<mcpscope_proto::Interner>,
}

impl RecordLog {
    pub(crate) fn bounded(keep: u64) -> RecordLog {
        RecordLog { keep: Some(usize::try_from(keep).unwrap_or(usize::MAX)), ..RecordLog::default() }
    }

    pub(crate) fn push(&self, record: Arc<Record>) {
        self.push_all(vec![record]);
    }

    /// Consecutive records, each lock taken once.
    pub(crate) fn push_all(&self, batch: Vec<Arc<Record>>) {
        lock(&self.unsent).extend(batch.iter().cloned());
        let mut records = lock(&self.records);
        records.extend(batch);
        if let Some(keep) = self.keep {
            let over = records.len().saturating_sub(keep);
            records.drain(..over);
        }
    }

    /// The summaries of the records not yet sent, taken, in order, as the batches the window
    /// gets: at most [`SUMMARY_BATCH_ROWS`] each.
    pub(crate) fn take_unsent(&self, mut emit: impl FnMut(mcpscope_proto::SummaryBatch)) {
        let unsent = std::mem::take(&mut *lock(&self.unsent));
        let mut strings = lock(&self.strings);
        let mut scratch = String::new();
        for part in unsent.chunks(SUMMARY_BATCH_ROWS) {
            let mut batch = mcpscope_proto::SummaryBatcher::with_capacity(part.len());
            for r in part {
                batch.push(r.summary_into(&mut |s| strings.get(s), &mut scratch));
            }
            emit(batch.finish());
        }
    }

    /// The newest `limit` records in memory before `seq`, in seq order, and the seq of the
    /// oldest record in memory (`None`: none is).
    pub(crate) fn before(&self, seq: u64, limit: usize) -> (Vec<Arc<Record>>, Option<u64>) {
        let records = lock(&self.records);
        let end = records.partition_point(|r| r.seq < seq);
        let page = records.range(end.saturating_sub(limit)..end).cloned().collect();
        (page, records.front().map(|r| r.seq))
    }

    /// Copies of the records in memory, in seq order.
    pub(crate) fn copies(&self) -> Vec<Record> {
        lock(&self.records).iter().map(|r| Record::clone(r)).collect()
    }

    /// The record `seq`, if it is still in memory.
    pub(crate) fn get(&self, seq: u64) -> Option<Arc<Record>> {
        let records = lock(&self.records);
        // Records arrive in seq order: index by the distance from the oldest kept.
        let first = records.front()?.seq;
        let idx = usize::try_from(seq.checked_sub(first)?).ok()?;
        match records.get(idx) {
            Some(r) if r.seq == seq => Some(r.clone()),
            _ => records.iter().find(|r| r.seq == seq).cloned(),
        }
    }
}

impl RecordSink for RecordLog {
    fn record(&self, record: Record) {
        self.push(Arc::new(record));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcpscope_proto::RecordSummary;

    /// A flood's unsent records go out as batches of at most `SUMMARY_BATCH_ROWS`, every
    /// record once, in order; then nothing is left to send.
    #[test]
    fn a_flood_is_summarized_in_bounded_batches() {
        let log = RecordLog::default();
        let n = SUMMARY_BATCH_ROWS * 2 + 7;
        log.push_all(
            (1..=n as u64)
                .map(|seq| {
                    Arc::new(Record {
                        seq,
                        at_us: 0,
                        elapsed_us: seq,
                        direction: mcpscope_proto::Direction::Local,
                        exchange: 0,
                        kind: mcpscope_proto::RecordKind::Note { text: format!("note {}", seq % 3) },
                        rpc: None,
                        flags: Vec::new(),
                        lint: Vec::new(),
                        preview_of: None,
                    })
                })
                .collect(),
        );
        let mut batches = Vec::new();
        log.take_unsent(|b| batches.push(b));
        assert_eq!(
            batches.iter().map(|b| b.len()).collect::<Vec<_>>(),
            [SUMMARY_BATCH_ROWS, SUMMARY_BATCH_ROWS, 7]
        );
        let rows: Vec<RecordSummary> = batches.into_iter().flat_map(|b| b.into_summaries()).collect();
        assert!(rows.iter().map(|r| r.seq).eq(1..=n as u64), "every record once, in order");
        assert_eq!(&*rows[4].title, "note 2");
        let mut again = 0;
        log.take_unsent(|_| again += 1);
        assert_eq!(again, 0, "nothing is sent twice");
    }
}
