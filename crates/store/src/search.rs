//! The history search language: space-separated terms, all of which must match.
//!
//! | term | matches |
//! | --- | --- |
//! | `method:tools/call` | records of that JSON-RPC method (requests and notifications) |
//! | `status:error` | flagged records, JSON-RPC errors and HTTP statuses ≥ 400 |
//! | `status:404` | that HTTP status |
//! | `dur:>500ms`, `dur:<2s`, `dur:>=1.5s` | responses by latency (`us`, `ms`, `s`; ms when bare) |
//! | `server:<host>` | sessions whose URL has that host |
//! | `session:<id>` | one session |
//! | `kind:sse` | a record kind (`http-request`, `http-response`, `sse`, `stream-end`, …) |
//! | anything else | free text in the title, payload, notes and flags (SQLite FTS5); quote phrases |

#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Int(i64),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// SQL conditions on `r` (records) and `s` (sessions), each with its binds.
    conditions: Vec<(String, Vec<Bind>)>,
    /// FTS5 terms, each a quoted phrase.
    text: Vec<String>,
}

pub fn parse(input: &str) -> Result<Query, String> {
    let mut q = Query::default();
    for term in tokens(input)? {
        let Some((key, value)) = term.split_once(':').filter(|(k, _)| KEYS.contains(k)) else {
            // FTS5 reads a NUL as the end of the query ("unterminated string"); no text holds
            // one that its tokenizer would index, so it is dropped.
            let text = term.replace('\0', "");
            if !text.is_empty() {
                q.text.push(format!("\"{}\"", text.replace('"', "\"\"")));
            }
            continue;
        };
        if value.is_empty() {
            return Err(format!("{key}: needs a value (e.g. {})", example(key)));
        }
        let cond = match key {
            "method" => ("r.method = ?".to_owned(), vec![Bind::Text(value.to_owned())]),
            "status" if value.eq_ignore_ascii_case("error") => {
                ("(r.flagged = 1 OR r.error_code IS NOT NULL OR r.status >= 400)".to_owned(), vec![])
            }
            "status" => {
                let n: i64 = value
                    .parse()
                    .map_err(|_| format!("status:{value}: use status:error or a number like status:404"))?;
                ("r.status = ?".to_owned(), vec![Bind::Int(n)])
            }
            "dur" => {
                let (op, us) = duration(value)?;
                (format!("r.latency_us {op} ?"), vec![Bind::Int(us)])
            }
            "server" => ("s.host = ?".to_owned(), vec![Bind::Text(value.to_owned())]),
            "session" => ("r.session_id = ?".to_owned(), vec![Bind::Text(value.to_owned())]),
            "kind" => ("r.kind = ?".to_owned(), vec![Bind::Text(value.to_owned())]),
            _ => unreachable!("KEYS lists every key handled above"),
        };
        q.conditions.push(cond);
    }
    Ok(q)
}

const KEYS: &[&str] = &["method", "status", "dur", "server", "session", "kind"];

fn example(key: &str) -> &'static str {
    match key {
        "method" => "method:tools/call",
        "status" => "status:error",
        "dur" => "dur:>500ms",
        "server" => "server:127.0.0.1",
        "session" => "session:ses_…",
        _ => "kind:sse",
    }
}

/// Splits on spaces, keeping "quoted phrases" together.
fn tokens(input: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in input.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("a quote is not closed".to_owned());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// `>500ms` → (">", 500000).
fn duration(value: &str) -> Result<(&'static str, i64), String> {
    let (op, rest) = [">=", "<=", ">", "<", "="]
        .iter()
        .find_map(|op| value.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("=", value));
    let (number, unit) =
        rest.find(|c: char| c.is_ascii_alphabetic()).map_or((rest, "ms"), |i| rest.split_at(i));
    let n: f64 = number.parse().map_err(|_| format!("dur:{value}: write e.g. dur:>500ms or dur:<2s"))?;
    let scale = match unit {
        "us" | "µs" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        other => return Err(format!("dur:{value}: unknown unit {other:?} (us, ms, s)")),
    };
    Ok((op, (n * scale).round() as i64))
}

impl Query {
    /// Whether the query has free text (and so reads the full-text index).
    pub fn has_text(&self) -> bool {
        !self.text.is_empty()
    }

    pub fn to_sql(&self, limit: u32) -> (String, Vec<Bind>) {
        let mut binds = Vec::new();
        let mut wheres: Vec<String> = Vec::new();
        // Arrival order is `records.id`. With free text, the full-text index drives: FTS5
        // yields matches in rowid (= records.id) order, backwards here, and the LIMIT stops
        // the walk early. Without it, every index of `records` is in id order within a key.
        let (mut sql, order) = if self.text.is_empty() {
            (
                String::from(
                    "SELECT r.id AS rowid_, r.session_id, r.record, r.record_z FROM records r JOIN sessions s ON s.id = r.session_id",
                ),
                " ORDER BY r.id DESC",
            )
        } else {
            wheres.push("records_fts MATCH ?".to_owned());
            binds.push(Bind::Text(self.text.join(" AND ")));
            (
                String::from(
                    "SELECT r.id AS rowid_, r.session_id, r.record, r.record_z FROM records_fts f \
                     JOIN records r ON r.id = f.rowid \
                     JOIN sessions s ON s.id = r.session_id",
                ),
                " ORDER BY f.rowid DESC",
            )
        };
        for (cond, b) in &self.conditions {
            wheres.push(cond.clone());
            binds.extend(b.iter().cloned());
        }
        if !wheres.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&wheres.join(" AND "));
        }
        sql.push_str(order);
        sql.push_str(" LIMIT ?");
        binds.push(Bind::Int(i64::from(limit)));
        // The newest `limit` matches (walking the indexes backwards), shown oldest first.
        let sql = format!("SELECT session_id, record, record_z FROM ({sql}) ORDER BY rowid_ ASC");
        (sql, binds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_filters_and_free_text() {
        let q = parse(r#"method:tools/call status:error dur:>500ms "hello world" echo"#).unwrap();
        assert_eq!(q.conditions.len(), 3);
        assert_eq!(q.conditions[2], ("r.latency_us > ?".to_owned(), vec![Bind::Int(500_000)]));
        assert_eq!(q.text, vec!["\"hello world\"".to_owned(), "\"echo\"".to_owned()]);
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(duration("<2s"), Ok(("<", 2_000_000)));
        assert_eq!(duration(">=1.5s"), Ok((">=", 1_500_000)));
        assert_eq!(duration("250"), Ok(("=", 250_000)));
        assert!(duration(">5h").is_err());
    }

    #[test]
    fn bad_input_names_the_problem() {
        assert!(parse("status:teapot").unwrap_err().contains("status:error"));
        assert!(parse("dur:>fast").unwrap_err().contains("dur:>500ms"));
        assert!(parse("method:").unwrap_err().contains("needs a value"));
        assert!(parse("\"open").unwrap_err().contains("quote"));
        // NUL ends an FTS5 query early: dropped, not an SQL error.
        assert_eq!(parse("a\0b \0").unwrap().text, vec!["\"ab\"".to_owned()]);
        // Unknown keys are plain text (a URL, a JSON fragment …).
        assert_eq!(parse("http://x").unwrap().text.len(), 1);
    }
}
