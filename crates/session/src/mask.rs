//! Secret values kept out of records. A collection's secrets (read from the OS keyring) are
//! sent wherever its requests put them: in a header, in params, in a URL. Credential headers
//! are redacted by the capture already; everything else is caught here. Once a secret has
//! been handed to a [`Mask`], every later record has each occurrence of it replaced by
//! [`MASKED`] before the timeline, the history or `--jsonl` sees the record. The lint reads the
//! record before it is masked (what the wire carried), so its findings are masked too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use mcpscope_proto::{Record, RecordKind};
use mcpscope_wire::RecordSink;
use serde_json::Value;

/// What a secret value becomes in a record.
pub const MASKED: &str = "‹secret›";

/// Shorter values of user-supplied headers are not masked in text: they would match
/// everywhere (`1`, `yes`) and say little if seen.
const MIN_HEADER_SECRET: usize = 6;

/// The values of the headers a user supplied (connection, collection, imported config),
/// to mask wherever a server echoes them: only the user knows which are credentials. For
/// `Scheme credential` values, the credential alone too. Headers that never carry a
/// credential (`Accept` …) and short values are left out.
pub fn header_secrets(headers: &[mcpscope_proto::Header]) -> Vec<String> {
    let mut out = Vec::new();
    for h in headers.iter().filter(|h| !mcpscope_wire::is_plain_header(&h.name)) {
        let value = h.value.trim();
        if let Some((_, credential)) = value.split_once(' ')
            && credential.trim().len() >= MIN_HEADER_SECRET
        {
            out.push(credential.trim().to_owned());
        }
        if value.len() >= MIN_HEADER_SECRET {
            out.push(value.to_owned());
        }
    }
    out
}

/// The secret values to mask, shared by every sink of a window or a CLI run.
#[derive(Default)]
pub struct Mask {
    /// Each secret as it appears in text, and as it appears inside a JSON string.
    values: RwLock<Vec<(String, String)>>,
    /// Whether there is anything to mask: a record costs one atomic load until then.
    active: AtomicBool,
}

impl Mask {
    /// Masks `values` from now on (empty ones are ignored: they would match everywhere).
    pub fn add(&self, values: impl IntoIterator<Item = String>) {
        let mut all = self.values.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for v in values.into_iter().filter(|v| !v.is_empty()) {
            let quoted = serde_json::to_string(&v).unwrap_or_default();
            let escaped = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')).unwrap_or(&v).to_owned();
            if !all.iter().any(|(known, _)| *known == v) {
                all.push((v, escaped));
            }
        }
        // Longest first, so a secret that contains another is masked whole.
        all.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        self.active.store(!all.is_empty(), Ordering::Release);
    }

    /// `record` with every known secret replaced.
    pub fn apply(&self, record: &mut Record) {
        if !self.active.load(Ordering::Acquire) {
            return;
        }
        let values = self.values.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let text = |s: &mut String| mask_text(s, &values);
        match &mut record.kind {
            RecordKind::HttpRequest { url, headers, body, .. } => {
                text(url);
                headers.iter_mut().for_each(|h| text(&mut h.value));
                if let Some(b) = body {
                    text(&mut b.text);
                }
            }
            RecordKind::HttpResponse { headers, body, .. } => {
                headers.iter_mut().for_each(|h| text(&mut h.value));
                if let Some(b) = body {
                    text(&mut b.text);
                }
            }
            RecordKind::SseFrame { id, data, comments, raw, .. } => {
                comments.iter_mut().for_each(text);
                if let Some(id) = id.as_mut() {
                    let mut owned = String::from(std::mem::take(id));
                    text(&mut owned);
                    *id = owned.into();
                }
                for shared in [data, raw] {
                    // Shared with the chunk it came in: replaced only when it holds a secret.
                    if let Some(m) = masked(shared, &values) {
                        *shared = m.into();
                    }
                }
            }
            RecordKind::StreamEnd { error, .. } => error.iter_mut().for_each(text),
            RecordKind::TransportError { message } => text(message),
            RecordKind::Note { text: t } => text(t),
        }
        if let Some(rpc) = &mut record.rpc {
            mask_value(&mut rpc.message, &values);
        }
        record.flags.iter_mut().for_each(|f| text(&mut f.message));
        // The lint read the record before it was masked: its words may quote a secret.
        for v in &mut record.lint {
            text(&mut v.path);
            text(&mut v.message);
        }
    }
}

fn mask_text(s: &mut String, values: &[(String, String)]) {
    if let Some(m) = masked(s, values) {
        *s = m;
    }
}

/// `s` with every known secret (plain, then JSON-escaped) replaced; `None` when it holds none.
fn masked(s: &str, values: &[(String, String)]) -> Option<String> {
    let mut out: Option<String> = None;
    for (plain, escaped) in values {
        for secret in std::iter::once(plain).chain((escaped != plain).then_some(escaped)) {
            let current = out.as_deref().unwrap_or(s);
            if current.contains(secret.as_str()) {
                out = Some(current.replace(secret.as_str(), MASKED));
            }
        }
    }
    out
}

fn mask_value(v: &mut Value, values: &[(String, String)]) {
    match v {
        Value::String(s) => mask_text(s, values),
        Value::Array(items) => items.iter_mut().for_each(|i| mask_value(i, values)),
        Value::Object(map) => map.values_mut().for_each(|i| mask_value(i, values)),
        _ => {}
    }
}

/// A sink that masks secrets, then hands the record on.
pub struct Masked<S> {
    mask: Arc<Mask>,
    inner: S,
}

impl<S> Masked<S> {
    pub fn new(mask: Arc<Mask>, inner: S) -> Masked<S> {
        Masked { mask, inner }
    }
}

impl<S: RecordSink> RecordSink for Masked<S> {
    fn record(&self, mut record: Record) {
        self.mask.apply(&mut record);
        self.inner.record(record);
    }

    fn record_batch(&self, mut batch: Vec<Arc<Record>>) {
        batch.iter_mut().for_each(|r| self.mask.apply(Arc::make_mut(r)));
        self.inner.record_batch(batch);
    }

    fn flush(&self, done: mcpscope_wire::Flushed) {
        self.inner.flush(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcpscope_proto::{Body, Direction, Header, RpcInfo, RpcKind};
    use serde_json::json;

    fn request(body: &str) -> Record {
        Record {
            seq: 1,
            at_us: 0,
            elapsed_us: 0,
            direction: Direction::Out,
            exchange: 1,
            kind: RecordKind::HttpRequest {
                method: "POST".into(),
                url: "http://127.0.0.1/mcp?key=s3cr\"et".into(),
                headers: vec![Header::new("X-Api-Key", "s3cr\"et")],
                body: Some(Body::from_bytes(body.as_bytes())),
            },
            rpc: Some(RpcInfo {
                kind: RpcKind::Request,
                id: Some("1".into()),
                method: Some("tools/call".into()),
                error_code: None,
                pair_seq: None,
                latency_us: None,
                continues: None,
                message: serde_json::from_str(body).unwrap(),
                shape: Default::default(),
            }),
            flags: vec![],
            lint: vec![],
            preview_of: None,
        }
    }

    #[test]
    fn secrets_are_masked_everywhere_plain_and_json_escaped() {
        let body = json!({"params": {"arguments": {"message": "token s3cr\"et here"}}}).to_string();
        assert!(body.contains(r#"s3cr\"et"#), "the body holds the escaped form: {body}");
        let mask = Mask::default();
        let mut untouched = request(&body);
        mask.apply(&mut untouched);
        assert_eq!(untouched, request(&body), "nothing to mask: the record is left alone");
        mask.add(["s3cr\"et".to_owned(), String::new()]);
        let mut r = request(&body);
        // The lint reads records before the mask: its words may quote a secret.
        r.lint.push(mcpscope_proto::lint::Violation::new(
            "schema/x",
            "params.arguments.s3cr\"et",
            "invalid value: \"token s3cr\\\"et here\"",
        ));
        mask.apply(&mut r);
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("s3cr"), "{text}");
        assert_eq!(
            text.matches(MASKED).count(),
            6,
            "url, header, body, message, lint path and words: {text}"
        );
        let RecordKind::HttpRequest { body: Some(b), .. } = &r.kind else { panic!() };
        assert!(b.text.contains(&format!("token {MASKED} here")), "{}", b.text);
    }
}
