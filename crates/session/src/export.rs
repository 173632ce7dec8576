//! Exports of captured traffic: a session as HAR 1.2 (what browsers' and proxies' tools read),
//! a request as a curl command, and a one-file bug report.
//!
//! One HAR entry per HTTP exchange: the request as sent (headers already redacted), the
//! response head, and its body — a JSON body as received, or an SSE stream as the raw text of
//! its frames in order. A request that never got a response (refused, DNS, TLS) gets status 0
//! and the error as the entry's comment, as browsers do. Flags go into comments.

use std::collections::BTreeMap;

use mcpscope_proto::{Header, Record, RecordKind};
use serde_json::{Value, json};

#[derive(Default)]
struct Exchange<'a> {
    request: Option<&'a Record>,
    response: Option<&'a Record>,
    frames: Vec<&'a str>,
    end_us: Option<u64>,
    notes: Vec<String>,
}

/// The records of one session as a HAR 1.2 document.
pub fn har(records: &[Record]) -> Value {
    let mut exchanges: BTreeMap<u64, Exchange<'_>> = BTreeMap::new();
    for r in records {
        if r.exchange == 0 {
            continue; // lifecycle notes belong to no exchange
        }
        let ex = exchanges.entry(r.exchange).or_default();
        match &r.kind {
            RecordKind::HttpRequest { .. } => ex.request = Some(r),
            RecordKind::HttpResponse { .. } => ex.response = Some(r),
            RecordKind::SseFrame { raw, .. } => ex.frames.push(raw),
            RecordKind::StreamEnd { error, .. } => {
                ex.end_us = Some(r.elapsed_us);
                if let Some(e) = error {
                    ex.notes.push(format!("stream: {e}"));
                }
            }
            RecordKind::TransportError { message } => ex.notes.push(message.clone()),
            RecordKind::Note { text } => ex.notes.push(text.clone()),
        }
        ex.notes.extend(r.flags.iter().map(|f| f.message.clone()));
    }
    let entries: Vec<Value> = exchanges.values().filter_map(entry).collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "mcpscope", "version": env!("CARGO_PKG_VERSION")},
            "entries": entries,
        }
    })
}

fn entry(ex: &Exchange<'_>) -> Option<Value> {
    let req = ex.request?;
    let RecordKind::HttpRequest { method, url, headers, body } = &req.kind else { return None };
    let mut request = json!({
        "method": method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": har_headers(headers),
        "queryString": query_string(url),
        "headersSize": -1,
        "bodySize": body.as_ref().map_or(0, |b| b.len as i64),
    });
    if let Some(b) = body {
        request["postData"] = json!({"mimeType": header(headers, "content-type").unwrap_or("application/json"), "text": b.text});
    }
    let (response, wait_ms) = match ex.response.map(|r| (r, &r.kind)) {
        Some((r, RecordKind::HttpResponse { status, headers, body, latency_us })) => {
            let text = match body {
                Some(b) => b.text.clone(),
                None => ex.frames.concat(),
            };
            let size = text.len() as i64;
            let resp = json!({
                "status": status,
                "statusText": mcpscope_proto::explain::reason_phrase(*status),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": har_headers(headers),
                "content": {"size": size, "mimeType": header(headers, "content-type").unwrap_or(""), "text": text},
                "redirectURL": header(headers, "location").unwrap_or(""),
                "headersSize": -1,
                "bodySize": size,
            });
            let _ = r;
            (resp, *latency_us as f64 / 1e3)
        }
        _ => (
            json!({
                "status": 0, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [], "headers": [],
                "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
            }),
            0.0,
        ),
    };
    let end_us = ex.end_us.or_else(|| ex.response.map(|r| r.elapsed_us)).unwrap_or(req.elapsed_us);
    let total_ms = end_us.saturating_sub(req.elapsed_us) as f64 / 1e3;
    let mut entry = json!({
        "startedDateTime": mcpscope_proto::time::rfc3339(req.at_us),
        "time": total_ms,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0.0, "wait": wait_ms, "receive": (total_ms - wait_ms).max(0.0)},
    });
    if !ex.notes.is_empty() {
        entry["comment"] = json!(ex.notes.join("; "));
    }
    Some(entry)
}

/// Headers as HAR writes them: session handles masked as in the bug report (a HAR file is
/// shared as readily), credentials already redacted at capture.
fn har_headers(headers: &[Header]) -> Vec<Value> {
    headers
        .iter()
        .map(|h| {
            let value = if MASKED_IN_REPORTS.contains(&h.name.to_ascii_lowercase().as_str()) {
                format!("‹masked {} chars›", h.value.len())
            } else {
                h.value.clone()
            };
            json!({"name": h.name, "value": value})
        })
        .collect()
}

fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

fn query_string(url: &str) -> Vec<Value> {
    let Some((_, q)) = url.split_once('?') else { return Vec::new() };
    let q = q.split('#').next().unwrap_or(q);
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            json!({"name": n, "value": v})
        })
        .collect()
}

/// An HTTP request record as a `curl` command line (POSIX shell quoting). Redacted
/// credentials become environment variables (`$MCPSCOPE_AUTHORIZATION`) for the user to set:
/// the export never holds the secret. `None` for records that are not requests.
pub fn curl(record: &Record) -> Option<String> {
    let RecordKind::HttpRequest { method, url, headers, body } = &record.kind else { return None };
    // `-N`: print SSE frames as they arrive.
    let mut first = String::from("curl -sS -N");
    if method != "GET" || body.is_some() {
        first.push_str(&format!(" -X {method}"));
    }
    first.push(' ');
    first.push_str(&shell_quote(url));
    let mut parts = vec![first];
    for h in headers {
        if h.value.contains("‹redacted") {
            let var = format!("MCPSCOPE_{}", h.name.to_ascii_uppercase().replace('-', "_"));
            // Keep the scheme ("Bearer"), take the secret from the environment.
            let scheme = h.value.split_once(' ').map(|(s, _)| s).filter(|s| !s.starts_with('‹'));
            // Everything the record holds is single-quoted (a scheme from an imported config
            // could be `$(id)`); only the variable is expanded, inside double quotes.
            let fixed = match scheme {
                Some(s) => format!("{}: {s} ", h.name),
                None => format!("{}: ", h.name),
            };
            parts.push(format!("-H {}\"${{{var}}}\"", shell_quote(&fixed)));
        } else {
            parts.push(format!("-H {}", shell_quote(&format!("{}: {}", h.name, h.value))));
        }
    }
    if let Some(b) = body {
        parts.push(format!("--data-raw {}", shell_quote(&b.text)));
    }
    Some(parts.join(" \\\n  "))
}

/// Single-quotes `s` for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

pub use mcpscope_proto::Redaction;

/// Headers whose values the report masks even though the engine keeps them (a session id is
/// a bearer-like handle).
const MASKED_IN_REPORTS: &[&str] = &["mcp-session-id", "last-event-id"];

/// A one-file bug report of a session: the session, mcpscope's version and platform, the
/// server's identity, and every record with its decoded message; credentials were redacted at
/// capture and session ids are masked here. Returns the report and the list of what is
/// redacted or masked in it.
pub fn bug_report(session: &mcpscope_proto::SessionInfo, records: &[Record]) -> (Value, Vec<Redaction>) {
    let mut redactions = Vec::new();
    let mut out = Vec::with_capacity(records.len());
    let mut server = Value::Null;
    for r in records {
        let mut r = r.clone().with_message();
        let headers = match &mut r.kind {
            RecordKind::HttpRequest { headers, .. } | RecordKind::HttpResponse { headers, .. } => {
                Some(headers)
            }
            _ => None,
        };
        for h in headers.into_iter().flatten() {
            let lower = h.name.to_ascii_lowercase();
            if h.value.contains("‹redacted") {
                redactions.push(Redaction {
                    seq: r.seq,
                    place: format!("header {lower}"),
                    shown_as: h.value.clone(),
                });
            } else if MASKED_IN_REPORTS.contains(&lower.as_str()) {
                h.value = format!("‹masked {} chars›", h.value.len());
                redactions.push(Redaction {
                    seq: r.seq,
                    place: format!("header {lower}"),
                    shown_as: h.value.clone(),
                });
            }
        }
        if let Some(info) = r.rpc.as_ref().and_then(|x| x.message.pointer("/result/serverInfo")) {
            server = info.clone();
        }
        out.push(r);
    }
    let report = json!({
        "mcpscope": {
            "version": env!("CARGO_PKG_VERSION"),
            "os": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
        },
        "session": session,
        "server": server,
        "redactions": redactions,
        "records": out,
    });
    (report, redactions)
}

/// The bug report of stored session `session_id` ([`bug_report`]), read from `store`; the
/// record count comes along for the caller's summary.
pub async fn session_report(
    store: &mcpscope_store::Store,
    session_id: &str,
) -> crate::Result<(Value, Vec<Redaction>, usize)> {
    let info = store
        .sessions(u32::MAX)
        .await?
        .into_iter()
        .find(|s| s.id == session_id)
        .ok_or_else(|| crate::SessionError::NoSession(session_id.to_owned()))?;
    let records: Vec<Record> = store
        .search(&format!("session:{session_id}"), u32::MAX)
        .await?
        .into_iter()
        .map(|h| h.record)
        .collect();
    let (report, redactions) = bug_report(&info, &records);
    Ok((report, redactions, records.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An outbound record of `kind`, first of its exchange.
    fn record(kind: RecordKind) -> Record {
        Record {
            seq: 1,
            at_us: 0,
            elapsed_us: 0,
            direction: mcpscope_proto::Direction::Out,
            exchange: 1,
            kind,
            rpc: None,
            flags: vec![],
            lint: vec![],
            preview_of: None,
        }
    }

    #[test]
    fn requests_become_curl_commands_without_secrets() {
        let rec = record(RecordKind::HttpRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:3001/mcp".into(),
            headers: vec![
                Header::new("content-type", "application/json"),
                Header::new("authorization", "Bearer ‹redacted 12 chars›"),
            ],
            body: Some(mcpscope_proto::Body::from_bytes(br#"{"text":"it's"}"#)),
        });
        let cmd = curl(&rec).expect("a request");
        assert!(cmd.starts_with("curl -sS -N -X POST 'http://127.0.0.1:3001/mcp' \\\n  -H"), "{cmd}");
        assert!(cmd.contains("-H 'content-type: application/json'"));
        assert!(cmd.contains(r#"-H 'authorization: Bearer '"${MCPSCOPE_AUTHORIZATION}""#), "{cmd}");
        assert!(cmd.contains(r#"--data-raw '{"text":"it'\''s"}'"#), "{cmd}");
        assert!(!cmd.contains("redacted"));
    }

    #[test]
    fn query_strings_are_split() {
        assert_eq!(
            query_string("http://h/sse?sessionId=ab&x"),
            vec![json!({"name":"sessionId","value":"ab"}), json!({"name":"x","value":""})]
        );
        assert!(query_string("http://h/mcp").is_empty());
    }

    /// A redacted header's scheme comes from whoever wrote the header (an imported config):
    /// pasted into a shell, the command runs nothing but curl. Checked with a real `sh`.
    #[test]
    fn a_pasted_curl_command_runs_nothing_a_header_says() {
        let marker = std::env::temp_dir().join(format!("mcpscope-curl-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        let scheme = format!("$(touch${{IFS}}{})`touch${{IFS}}{}`", marker.display(), marker.display());
        let rec = record(RecordKind::HttpRequest {
            method: "GET".into(),
            url: "http://127.0.0.1:1/mcp".into(),
            headers: vec![Header::new("authorization", format!("{scheme} ‹redacted 5 chars›"))],
            body: None,
        });
        let cmd = curl(&rec).expect("a request");
        // The shell parses the command as pasted, with `curl` swapped for a printer of its args.
        let script = format!("printf '%s\\n' {}", cmd.trim_start_matches("curl").replace("\\\n", " "));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .env("MCPSCOPE_AUTHORIZATION", "the-secret")
            .output()
            .expect("sh");
        let args = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!marker.exists(), "the pasted command ran a command from the header: {script}");
        assert!(args.contains(&format!("authorization: {scheme} the-secret")), "{args}");
    }

    #[test]
    fn har_masks_session_handles_like_the_report() {
        let headers =
            vec![Header::new("Mcp-Session-Id", "sess-abcdef"), Header::new("accept", "text/event-stream")];
        let records = [
            record(RecordKind::HttpRequest {
                method: "GET".into(),
                url: "http://h/mcp".into(),
                headers,
                body: None,
            }),
            record(RecordKind::HttpResponse {
                status: 200,
                headers: vec![Header::new("mcp-session-id", "sess-abcdef")],
                body: None,
                latency_us: 10,
            }),
        ];
        let text = har(&records).to_string();
        assert!(!text.contains("sess-abcdef"), "{text}");
        assert!(text.contains("‹masked 11 chars›") && text.contains("text/event-stream"), "{text}");
    }
}
