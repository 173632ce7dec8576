//! Helpers shared by the integration tests.

use std::sync::Arc;
use std::time::Duration;

use mcpscope_proto::{Record, RecordKind, TransportChoice};
use mcpscope_wire::{ConnectOptions, Connection, DefaultHandler, VecSink};

/// Connects with a [`VecSink`] so the test can inspect every captured record.
pub async fn connect(url: &str, transport: TransportChoice) -> (Connection, Arc<VecSink>) {
    let sink = VecSink::new();
    let mut opts = ConnectOptions::new(url);
    opts.transport = transport;
    opts.request_timeout = Duration::from_secs(30);
    let conn = Connection::connect(opts, sink.clone(), Arc::new(DefaultHandler))
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    (conn, sink)
}

/// Waits until `pred` holds for the records, or panics after `limit`.
pub async fn wait_for(sink: &VecSink, limit: Duration, what: &str, pred: impl Fn(&[Record]) -> bool) {
    let start = std::time::Instant::now();
    loop {
        if pred(&sink.records()) {
            return;
        }
        if start.elapsed() > limit {
            panic!("timed out after {limit:?} waiting for {what}; records:\n{}", dump(&sink.records()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn dump(records: &[Record]) -> String {
    records
        .iter()
        .map(|r| format!("{:>4} {:?} {}", r.seq, r.direction, r.summary().title))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn header<'a>(rec: &'a Record, name: &str) -> Option<&'a str> {
    let headers = match &rec.kind {
        RecordKind::HttpRequest { headers, .. } | RecordKind::HttpResponse { headers, .. } => headers,
        _ => return None,
    };
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

pub fn method_of(rec: &Record) -> Option<&str> {
    rec.rpc.as_ref().and_then(|r| r.method.as_deref())
}

pub fn is_request(rec: &Record, method: &str) -> bool {
    matches!(&rec.kind, RecordKind::HttpRequest { method: m, .. } if m == method)
}
