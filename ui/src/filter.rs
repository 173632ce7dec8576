//! The timeline's view filter: a record kind group, free text, and one exchange.

use mcpscope_proto::{RecordSummary, RpcKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KindFilter {
    #[default]
    All,
    Http,
    Sse,
    JsonRpc,
    /// Flagged records and JSON-RPC errors.
    Errors,
    /// Records that break a protocol rule (the lint).
    Lint,
}

impl KindFilter {
    pub const ALL: [KindFilter; 6] = [
        KindFilter::All,
        KindFilter::Http,
        KindFilter::Sse,
        KindFilter::JsonRpc,
        KindFilter::Errors,
        KindFilter::Lint,
    ];

    /// The `<option value>`.
    pub fn value(self) -> &'static str {
        match self {
            KindFilter::All => "all",
            KindFilter::Http => "http",
            KindFilter::Sse => "sse",
            KindFilter::JsonRpc => "json-rpc",
            KindFilter::Errors => "errors",
            KindFilter::Lint => "lint",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KindFilter::All => "All kinds",
            KindFilter::Http => "HTTP",
            KindFilter::Sse => "SSE",
            KindFilter::JsonRpc => "JSON-RPC",
            KindFilter::Errors => "Errors only",
            KindFilter::Lint => "Protocol lint",
        }
    }

    pub fn from_value(v: &str) -> KindFilter {
        KindFilter::ALL.into_iter().find(|k| k.value() == v).unwrap_or_default()
    }

    fn admits(self, s: &RecordSummary) -> bool {
        match self {
            KindFilter::All => true,
            KindFilter::Http => matches!(&*s.kind, "http-request" | "http-response"),
            KindFilter::Sse => matches!(&*s.kind, "sse" | "stream-end"),
            KindFilter::JsonRpc => s.rpc_kind.is_some(),
            KindFilter::Errors => {
                s.flagged || s.rpc_kind == Some(RpcKind::Error) || &*s.kind == "transport-error"
            }
            KindFilter::Lint => s.lint > 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    pub kind: KindFilter,
    /// Case-insensitive substring of the method or the title.
    pub text: String,
    pub exchange: Option<u64>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.kind == KindFilter::All && self.text.trim().is_empty() && self.exchange.is_none()
    }

    /// A predicate with the needle prepared once, for scanning many records.
    pub fn matcher(&self) -> Matcher {
        Matcher { kind: self.kind, needle: self.text.trim().to_lowercase(), exchange: self.exchange }
    }
}

pub struct Matcher {
    kind: KindFilter,
    needle: String,
    exchange: Option<u64>,
}

impl Matcher {
    pub fn matches(&self, s: &RecordSummary) -> bool {
        if self.exchange.is_some_and(|x| x != s.exchange) || !self.kind.admits(s) {
            return false;
        }
        self.needle.is_empty()
            || contains_lowercase(&s.title, &self.needle)
            || s.method.as_deref().is_some_and(|m| contains_lowercase(m, &self.needle))
    }
}

/// Whether `hay` contains `needle` (already lowercase), ignoring case. No allocation for
/// ASCII needles, which is what users type into a filter box nearly always.
fn contains_lowercase(hay: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        let n = needle.as_bytes();
        hay.as_bytes().windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        hay.to_lowercase().contains(needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcpscope_proto::Direction;

    fn summary(kind: &str, title: &str, method: Option<&str>, rpc: Option<RpcKind>) -> RecordSummary {
        RecordSummary {
            method: method.map(Into::into),
            rpc_kind: rpc,
            ..RecordSummary::bare(1, 7, Direction::Out, kind, title)
        }
    }

    fn filter(kind: KindFilter, text: &str, exchange: Option<u64>) -> Matcher {
        Filter { kind, text: text.into(), exchange }.matcher()
    }

    #[test]
    fn kind_groups_admit_the_right_records() {
        let req =
            summary("http-request", "tools/list #1 · POST /mcp", Some("tools/list"), Some(RpcKind::Request));
        let frame = summary("sse", "message id=3", None, None);
        let end = summary("stream-end", "stream closed (2 frames)", None, None);
        let mut err = summary("sse", "error -32601 #4 · message", None, Some(RpcKind::Error));
        assert!(filter(KindFilter::Http, "", None).matches(&req));
        assert!(!filter(KindFilter::Http, "", None).matches(&frame));
        assert!(filter(KindFilter::Sse, "", None).matches(&frame));
        assert!(filter(KindFilter::Sse, "", None).matches(&end));
        assert!(filter(KindFilter::JsonRpc, "", None).matches(&req));
        assert!(!filter(KindFilter::JsonRpc, "", None).matches(&frame));
        assert!(filter(KindFilter::Errors, "", None).matches(&err));
        assert!(!filter(KindFilter::Errors, "", None).matches(&req));
        err.rpc_kind = None;
        err.flagged = true;
        assert!(filter(KindFilter::Errors, "", None).matches(&err));
    }

    #[test]
    fn text_matches_title_or_method_ignoring_case() {
        let req = summary("http-request", "POST /mcp", Some("tools/call"), Some(RpcKind::Request));
        assert!(filter(KindFilter::All, "TOOLS/", None).matches(&req));
        assert!(filter(KindFilter::All, "post /", None).matches(&req));
        assert!(filter(KindFilter::All, "  mcp ", None).matches(&req));
        assert!(!filter(KindFilter::All, "resources", None).matches(&req));
        let note = summary("note", "Négocié 2025-11-25", None, None);
        assert!(filter(KindFilter::All, "NÉGOCIÉ", None).matches(&note));
    }

    #[test]
    fn exchange_filter_is_exact_and_combines_with_kind() {
        let req = summary("http-request", "POST /mcp", None, None);
        assert!(filter(KindFilter::All, "", Some(7)).matches(&req));
        assert!(!filter(KindFilter::All, "", Some(8)).matches(&req));
        assert!(!filter(KindFilter::Sse, "", Some(7)).matches(&req));
    }

    #[test]
    fn kind_filter_round_trips_through_option_values() {
        for k in KindFilter::ALL {
            assert_eq!(KindFilter::from_value(k.value()), k);
        }
        assert_eq!(KindFilter::from_value("bogus"), KindFilter::All);
    }
}
