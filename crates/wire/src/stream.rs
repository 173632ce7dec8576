//! An SSE stream recorded as it is read: each chunk's frames become records in one batch.
//!
//! Reading a chunk only finds where its frames lie ([`SseRecorder::split`]). Building their
//! records ([`Frames::build`]: the chunk's text checked as UTF-8, fields, the JSON-RPC
//! envelope) is most of the work of a flood, so a busy stream hands chunks to a
//! helper thread and builds others itself meanwhile: two cores share it. Either way each
//! chunk's records are numbered and handed to the sink in stream order, under one lock
//! ([`Built::commit`]), and only then does the connection see the frames' messages: the
//! wire is recorded before it is interpreted.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use bytes::Bytes;
use mcpscope_proto::{ByteString, Direction, Flag, FlagCode, Record, RecordKind};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::capture::{Capture, Stamp};
use crate::decode::decode;
use crate::sse::{FrameBytes, SseParser, frame_of};

/// A chunk with fewer frames is built where it was read: handing it over would cost more
/// than it saves, and would delay a lone response.
const OFFLOAD_MIN_FRAMES: usize = 32;
/// A chunk with at least this many frames lends them its buffer: their records' texts are
/// slices of it, not copies. A chunk with fewer is copied frame by frame, so that a lone
/// message kept in the timeline does not pin the whole read buffer it arrived in.
const SHARE_MIN_FRAMES: usize = OFFLOAD_MIN_FRAMES;
/// Chunks of one stream at the helper at a time: one being built, one ready to start.
const AT_HELPER: usize = 2;
/// Chunks of one stream waiting behind one the helper has not finished; past this many, the
/// stream stops reading until it has (bounding memory, and the delay of a response).
const MAX_QUEUED: usize = 8;

/// What the connection needs of a frame once it is recorded.
#[derive(Debug)]
pub struct FrameMeta {
    pub id: Option<String>,
    pub event: Option<String>,
    /// The data of non-`message` events (e.g. the legacy `endpoint`); empty otherwise.
    pub data: String,
    pub retry_ms: Option<u64>,
}

/// A frame as the connection sees it: its meta and the JSON-RPC messages it must act on.
pub type Seen = (FrameMeta, Vec<Value>);

/// Splits one SSE stream (one HTTP exchange) into frames, chunk by chunk.
pub struct SseRecorder {
    exchange: u64,
    parser: SseParser,
    /// How many frames the last chunk held: the next one's first guess.
    last_count: usize,
}

/// The frames one chunk completed, found but not yet parsed.
pub struct Frames {
    chunk: Bytes,
    frames: Vec<FrameBytes>,
    stamp: Stamp,
    exchange: u64,
}

/// A chunk's records (numbered when committed) and what the connection needs of its frames.
pub struct Built {
    records: Vec<Arc<Record>>,
    /// The frames that carry something for the connection (an id, an event name, a retry,
    /// messages to act on), in order; a flood's plain notifications carry nothing.
    seen: Vec<Seen>,
}

impl SseRecorder {
    pub fn new(exchange: u64) -> SseRecorder {
        SseRecorder { exchange, parser: SseParser::new(), last_count: 0 }
    }

    /// The frames `chunk`, received at `at`, completes.
    pub fn split(&mut self, capture: &Capture, chunk: Bytes, at: Instant) -> Frames {
        let mut frames = Vec::with_capacity(self.last_count);
        self.parser.split(&chunk, |f| frames.push(f));
        self.last_count = frames.len();
        Frames { chunk, frames, stamp: capture.stamp(at), exchange: self.exchange }
    }

    /// The raw text of a frame the stream left unfinished, if any.
    pub fn finish(&mut self) -> Option<String> {
        self.parser.finish()
    }
}

impl Frames {
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Parses the frames and builds their records; runs on any thread.
    pub fn build(&self) -> Built {
        let mut built = Built { records: Vec::with_capacity(self.frames.len()), seen: Vec::new() };
        let shared = self.shared_text();
        for bytes in &self.frames {
            let raw = match (bytes, &shared) {
                (FrameBytes::Chunk(range), Some((text, at))) => {
                    match text.get(range.start - at..range.end - at) {
                        Some(frame) => text.slice_ref(frame),
                        None => text_of(&self.chunk[range.clone()]),
                    }
                }
                (FrameBytes::Chunk(range), None) => text_of(&self.chunk[range.clone()]),
                (FrameBytes::Gathered(bytes), _) => ByteString::try_from(bytes.clone())
                    .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned().into()),
            };
            built.add(self.stamp, self.exchange, raw);
        }
        built
    }

    /// For a busy chunk: the part of it its frames lie in, as one text checked as UTF-8 once
    /// (frames begin and end at line breaks, so never inside a character), and where that
    /// part begins in the chunk. The frames' texts are then slices of it: no copy, and no
    /// check, per frame. `None` for a chunk of few frames, or one with bytes that are not
    /// UTF-8 (each frame is then read on its own).
    fn shared_text(&self) -> Option<(ByteString, usize)> {
        if self.frames.len() < SHARE_MIN_FRAMES {
            return None;
        }
        let mut ranges = self.frames.iter().filter_map(|f| match f {
            FrameBytes::Chunk(range) => Some(range),
            FrameBytes::Gathered(_) => None,
        });
        let first = ranges.next()?;
        let end = ranges.last().map_or(first.end, |r| r.end);
        // A slice of the read buffer, not a copy: a copy is fresh memory for the kernel to
        // zero, and measured slower (wire-bench, README).
        let text = ByteString::try_from(self.chunk.slice(first.start..end)).ok()?;
        Some((text, first.start))
    }
}

/// A frame's own copy of its text (lossy UTF-8: bytes that are not UTF-8 are repaired).
fn text_of(bytes: &[u8]) -> ByteString {
    match std::str::from_utf8(bytes) {
        Ok(text) => ByteString::from(text),
        Err(_) => String::from_utf8_lossy(bytes).into_owned().into(),
    }
}

impl Built {
    /// Numbers the records, pairs them and hands them to the sink; returns the frames that
    /// carry something for the connection, in order.
    pub fn commit(self, capture: &Capture) -> Vec<Seen> {
        capture.commit_batch(self.records);
        self.seen
    }

    /// Adds a frame's record (not yet numbered) and, when it carries something for the
    /// connection, what it carries.
    fn add(&mut self, stamp: Stamp, exchange: u64, raw: ByteString) {
        let frame = frame_of(&raw);
        let is_message = matches!(frame.event, None | Some("message"));
        let mut flags = Vec::new();
        if !frame.ignored.is_empty() {
            flags.push(Flag::new(
                FlagCode::NotJsonRpc,
                format!("ignored SSE lines: {}", frame.ignored.join(" | ")),
            ));
        }
        let (rpc, messages) = if is_message && !frame.data.is_empty() {
            decode(&frame.data, &mut flags)
        } else {
            (None, Vec::new())
        };
        if frame.id.is_some() || frame.event.is_some() || frame.retry_ms.is_some() || !messages.is_empty() {
            let meta = FrameMeta {
                id: frame.id.map(str::to_owned),
                event: frame.event.map(str::to_owned),
                // Only the legacy `endpoint` event's data is needed after recording.
                data: if is_message { String::new() } else { frame.data.to_string() },
                retry_ms: frame.retry_ms,
            };
            self.seen.push((meta, messages));
        }
        let comments = if frame.comments.is_empty() {
            Vec::new()
        } else {
            frame.comments.into_iter().map(str::to_owned).collect()
        };
        let data = match &frame.data {
            Cow::Borrowed(data) => slice_of(&raw, data),
            Cow::Owned(data) => ByteString::from(data.as_str()),
        };
        let (id, event, retry_ms) = (frame.id.map(Box::from), frame.event.map(Box::from), frame.retry_ms);
        let kind = RecordKind::SseFrame { id, event, data, retry_ms, comments, raw };
        self.records.push(Arc::new(stamp.record(Direction::In, exchange, kind, rpc, flags)));
    }
}

/// `part` of `whole` as a slice sharing its buffer; a copy if `part` does not lie in it.
fn slice_of(whole: &ByteString, part: &str) -> ByteString {
    let (start, at) = (whole.as_ptr() as usize, part.as_ptr() as usize);
    if at >= start && at + part.len() <= start + whole.len() {
        whole.slice_ref(part)
    } else {
        ByteString::from(part)
    }
}

/// A stream's chunks recorded in order. Busy chunks go to the helper thread (up to
/// [`AT_HELPER`] at a time, so it always has the next one at hand) while the stream goes on
/// reading and builds the others itself; each chunk is committed as soon as it and every
/// chunk before it are built.
pub(crate) struct Pipeline {
    recorder: SseRecorder,
    /// Chunks found but not yet committed, in stream order.
    queue: VecDeque<Slot>,
    frames: u64,
}

enum Slot {
    Helper(Offloaded),
    Here(Built),
}

impl Pipeline {
    pub(crate) fn new(exchange: u64) -> Pipeline {
        Pipeline { recorder: SseRecorder::new(exchange), queue: VecDeque::new(), frames: 0 }
    }

    /// How many frames the stream has had so far.
    pub(crate) fn frames(&self) -> u64 {
        self.frames
    }

    /// How many bytes of an unfinished frame the parser holds.
    pub(crate) fn pending_len(&self) -> usize {
        self.recorder.parser.pending_len()
    }

    /// Whether chunks wait for the helper.
    pub(crate) fn busy(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Takes a chunk received at `at`, and commits every chunk that can be committed now,
    /// handing their frames to `on_seen` in order.
    pub(crate) async fn push(
        &mut self,
        capture: &Capture,
        chunk: Bytes,
        at: Instant,
        mut on_seen: impl FnMut(Seen),
    ) {
        let frames = Arc::new(self.recorder.split(capture, chunk, at));
        self.frames += frames.len() as u64;
        let at_helper = self.queue.iter().filter(|s| matches!(s, Slot::Helper(_))).count();
        let start = if at_helper < AT_HELPER { Offloaded::start(frames) } else { Err(frames) };
        self.queue.push_back(match start {
            Ok(offloaded) => Slot::Helper(offloaded),
            Err(frames) => Slot::Here(frames.build()),
        });
        self.commit_built(capture, &mut on_seen);
        while self.queue.len() > MAX_QUEUED {
            self.ready(capture, &mut on_seen).await;
        }
    }

    /// Waits for the chunk at the head of the queue, then commits what can be committed;
    /// pending while the queue is empty. Cancel-safe: a chunk stays queued until committed.
    pub(crate) async fn ready(&mut self, capture: &Capture, mut on_seen: impl FnMut(Seen)) {
        match self.queue.front_mut() {
            Some(Slot::Helper(offloaded)) => {
                let built = offloaded.wait().await;
                self.queue.pop_front();
                built.commit(capture).into_iter().for_each(&mut on_seen);
            }
            Some(Slot::Here(_)) => {}
            None => std::future::pending().await,
        }
        self.commit_built(capture, &mut on_seen);
    }

    /// Commits the chunks at the head of the queue that are built.
    fn commit_built(&mut self, capture: &Capture, on_seen: &mut impl FnMut(Seen)) {
        while let Some(built) = self.take_built() {
            built.commit(capture).into_iter().for_each(&mut *on_seen);
        }
    }

    /// The chunk at the head of the queue, if it is built.
    fn take_built(&mut self) -> Option<Built> {
        match self.queue.front_mut()? {
            Slot::Helper(offloaded) => {
                let built = offloaded.try_built()?;
                self.queue.pop_front();
                Some(built)
            }
            Slot::Here(_) => match self.queue.pop_front()? {
                Slot::Here(built) => Some(built),
                Slot::Helper(_) => None,
            },
        }
    }

    /// At the end of the stream (or when it is stopped): commits every chunk still queued
    /// (those bytes were received), and returns the raw text of an unfinished frame.
    pub(crate) async fn finish(
        &mut self,
        capture: &Capture,
        mut on_seen: impl FnMut(Seen),
    ) -> Option<String> {
        while self.busy() {
            self.ready(capture, &mut on_seen).await;
        }
        self.recorder.finish()
    }
}

/// A chunk being built by the helper thread; the frames stay here too, so a helper that
/// died cannot lose them.
struct Offloaded {
    reply: oneshot::Receiver<Built>,
    frames: Arc<Frames>,
}

impl Offloaded {
    /// Hands `frames` to the helper thread when they are many and the helper is there;
    /// otherwise gives them back.
    fn start(frames: Arc<Frames>) -> Result<Offloaded, Arc<Frames>> {
        if frames.len() < OFFLOAD_MIN_FRAMES {
            return Err(frames);
        }
        let Some(helper) = helper() else { return Err(frames) };
        let (tx, reply) = oneshot::channel();
        let job = frames.clone();
        let sent = helper.send(Box::new(move || {
            let _ = tx.send(job.build());
        }));
        match sent {
            Ok(()) => Ok(Offloaded { reply, frames }),
            Err(_) => Err(frames),
        }
    }

    /// The built chunk (built here if the helper failed it). Cancel-safe; once it has
    /// returned, `self` is spent.
    async fn wait(&mut self) -> Built {
        match (&mut self.reply).await {
            Ok(built) => built,
            Err(_) => self.frames.build(),
        }
    }

    /// The built chunk if the helper is done with it. Once it has returned one, `self` is
    /// spent.
    fn try_built(&mut self) -> Option<Built> {
        match self.reply.try_recv() {
            Ok(built) => Some(built),
            Err(oneshot::error::TryRecvError::Empty) => None,
            Err(oneshot::error::TryRecvError::Closed) => Some(self.frames.build()),
        }
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// The helper thread, started on first use; `None` when it cannot be started.
fn helper() -> Option<&'static mpsc::Sender<Job>> {
    static HELPER: OnceLock<Option<mpsc::Sender<Job>>> = OnceLock::new();
    HELPER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("mcpscope-capture".to_owned())
                .spawn(move || {
                    for job in rx {
                        job();
                    }
                })
                .ok()
                .map(|_| tx)
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VecSink;

    /// A flood cut into chunks at odd places, busy chunks built by the helper: every frame is
    /// recorded once, numbered in stream order, and the response at the end reaches the
    /// connection.
    #[tokio::test]
    async fn a_pipelined_stream_keeps_its_order() {
        let mut wire = String::new();
        for seq in 0..2000 {
            wire.push_str(&format!(
                "data: {{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{{\"seq\":{seq}}}}}\n\n"
            ));
        }
        wire.push_str("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n");
        let sink = VecSink::new();
        let capture = Capture::new(sink.clone());
        let mut pipeline = Pipeline::new(1);
        let mut seen = Vec::new();
        for chunk in wire.as_bytes().chunks(7001) {
            let chunk = Bytes::copy_from_slice(chunk);
            pipeline.push(&capture, chunk, Instant::now(), |s| seen.push(s)).await;
        }
        assert_eq!(pipeline.finish(&capture, |s| seen.push(s)).await, None);
        let records = sink.records();
        assert_eq!(records.len(), 2001);
        for (i, r) in records.iter().enumerate() {
            assert_eq!(r.seq, i as u64 + 1);
            let RecordKind::SseFrame { data, .. } = &r.kind else { panic!("{r:?}") };
            if i < 2000 {
                assert!(data.ends_with(&format!("{{\"seq\":{i}}}}}")), "{data}");
            }
        }
        assert_eq!(pipeline.frames(), 2001);
        // Plain notifications carry nothing for the connection; the response does.
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].1.len(), 1, "the response is handed to the connection");
    }

    /// The frames of a busy chunk keep slices of it (no copy per frame), their data a slice of
    /// their raw text; a chunk with a lone frame is copied, so the record does not pin the
    /// read buffer; a frame that is not UTF-8 gets its own repaired text.
    #[test]
    fn busy_chunks_lend_their_buffer_and_lone_frames_are_copied() {
        let capture = Capture::new(VecSink::new());
        let within = |chunk: &Bytes, text: &str| {
            let (start, at) = (chunk.as_ptr() as usize, text.as_ptr() as usize);
            at >= start && at + text.len() <= start + chunk.len()
        };
        let texts = |built: &Built| -> Vec<(String, String)> {
            built
                .records
                .iter()
                .map(|r| match &r.kind {
                    RecordKind::SseFrame { data, raw, .. } => (data.to_string(), raw.to_string()),
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let mut wire = String::new();
        for seq in 0..SHARE_MIN_FRAMES {
            wire.push_str(&format!(
                "data: {{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":{{\"seq\":{seq}}}}}\n\n"
            ));
        }
        let busy = Bytes::from(wire);
        let built = SseRecorder::new(1).split(&capture, busy.clone(), Instant::now()).build();
        assert_eq!(built.records.len(), SHARE_MIN_FRAMES);
        for r in &built.records {
            let RecordKind::SseFrame { data, raw, .. } = &r.kind else { panic!("{r:?}") };
            assert!(within(&busy, raw), "raw is a slice of the chunk");
            assert!(within(raw.as_bytes(), data), "data is a slice of raw");
            assert_eq!(format!("data: {data}\n\n"), raw.to_string());
        }
        assert_eq!(texts(&built)[3].0, "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":{\"seq\":3}}");

        let lone = Bytes::from_static(b"id: 7\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n");
        let built = SseRecorder::new(1).split(&capture, lone.clone(), Instant::now()).build();
        let RecordKind::SseFrame { data, raw, id, .. } = &built.records[0].kind else { panic!() };
        assert!(!within(&lone, raw), "a lone frame is copied");
        assert_eq!(&raw[..], std::str::from_utf8(&lone).unwrap_or_default());
        assert_eq!(&data[..], "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
        assert_eq!(id.as_deref(), Some("7"));

        // A busy chunk with one frame that is not UTF-8: that frame gets its own repaired
        // text, the others are still read whole and right.
        let mut wire = b"data: a\xFFb\n\n".to_vec();
        for seq in 0..SHARE_MIN_FRAMES {
            wire.extend_from_slice(format!("data: {{\"seq\":{seq}}}\n\n").as_bytes());
        }
        let built = SseRecorder::new(1).split(&capture, Bytes::from(wire), Instant::now()).build();
        let got = texts(&built);
        assert_eq!(got.len(), SHARE_MIN_FRAMES + 1);
        assert_eq!(got[0].0, "a\u{FFFD}b");
        assert_eq!(got[SHARE_MIN_FRAMES].0, format!("{{\"seq\":{}}}", SHARE_MIN_FRAMES - 1));

        let broken = Bytes::from_static(b"data: a\xFFb\ndata: c\n\n");
        let built = SseRecorder::new(1).split(&capture, broken, Instant::now()).build();
        assert_eq!(
            texts(&built),
            vec![("a\u{FFFD}b\nc".to_owned(), "data: a\u{FFFD}b\ndata: c\n\n".to_owned())]
        );
    }
}
