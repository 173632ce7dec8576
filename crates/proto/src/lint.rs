//! What the protocol lint reports (the checks themselves live in `mcpscope-lint`).

use serde::{Deserialize, Serialize};

/// Whether a finding breaks a rule, warns (a hint of a hostile or changed server, not a
/// verdict), or only informs (a feature the version deprecates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn is_error(&self) -> bool {
        *self == Severity::Error
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Where in the string at a finding's path the finding is: a range of characters (Unicode
/// scalar values, not bytes), end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// One protocol rule a record breaks (or, as [`Severity::Info`], a deprecated feature it uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The rule's id, `family/name`: `schema/CallToolResult`, `http/session-id`,
    /// `method/unknown` … Stable: tests, filters and CI scripts match on it.
    pub rule: String,
    /// Where in the record: a JSON path into the message (`result.content[0]`), or
    /// `header <name>` for an HTTP header; empty for the record as a whole.
    pub path: String,
    /// What is wrong, in words, naming the version whose rule it is.
    pub message: String,
    #[serde(default, skip_serializing_if = "Severity::is_error")]
    pub severity: Severity,
    /// The characters the finding is about, within the string at `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
}

impl Violation {
    pub fn new(rule: impl Into<String>, path: impl Into<String>, message: impl Into<String>) -> Violation {
        Violation {
            rule: rule.into(),
            path: path.into(),
            message: message.into(),
            severity: Severity::Error,
            span: None,
        }
    }

    /// A hint, not a broken rule: a description that may be aimed at the model, a tool that
    /// changed since the user trusted it.
    pub fn warning(
        rule: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Violation {
        Violation { severity: Severity::Warning, ..Violation::new(rule, path, message) }
    }

    /// The same finding, about characters `start..end` of the string at its path.
    pub fn at_span(self, start: usize, end: usize) -> Violation {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Violation { span: Some(Span { start: n(start), end: n(end) }), ..self }
    }

    /// A finding that breaks no rule: a feature the version in force deprecates.
    pub fn info(rule: impl Into<String>, path: impl Into<String>, message: impl Into<String>) -> Violation {
        Violation { severity: Severity::Info, ..Violation::new(rule, path, message) }
    }

    pub fn is_error(&self) -> bool {
        self.severity.is_error()
    }

    /// A finding worth a mark on the timeline row: an error or a warning, not an info.
    pub fn is_finding(&self) -> bool {
        self.severity != Severity::Info
    }
}

/// The name of an invisible character (zero-width, bidi control, Unicode tag, …): text a
/// person does not see but a model reads. `None` for a visible one.
pub fn invisible_char(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{2060}' => "WORD JOINER",
        '\u{2061}'..='\u{2064}' => "INVISIBLE OPERATOR",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE",
        '\u{180E}' => "MONGOLIAN VOWEL SEPARATOR",
        '\u{00AD}' => "SOFT HYPHEN",
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' => "HANGUL FILLER",
        '\u{200E}' | '\u{200F}' | '\u{061C}' => "BIDI MARK",
        '\u{202A}'..='\u{202E}' => "BIDI EMBEDDING OR OVERRIDE",
        '\u{2066}'..='\u{2069}' => "BIDI ISOLATE",
        '\u{E0000}'..='\u{E007F}' => "TAG CHARACTER",
        '\u{E0100}'..='\u{E01EF}' => "VARIATION SELECTOR SUPPLEMENT",
        _ => return None,
    })
}

/// `text` with every control and invisible character shown as a `⟨U+200B⟩` escape, so a
/// person sees what a model would read (the trust banner, the CLI's trust report).
pub fn revealed(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| invisible_char(c).is_some() || (c.is_control() && c != '\n' && c != '\t');
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| if hidden(c) { format!("⟨U+{:04X}⟩", c as u32) } else { c.to_string() })
        .collect::<String>()
        .into()
}
