//! Remembering texts alike but for a few values, so that a flood of them is read once.
//!
//! A *template* is the text of a JSON message cut around some of its values (its *gaps*). A
//! later text that is the template's pieces with one valid JSON value in each gap is the same
//! message but for those values: the bytes around them are identical, so whatever a reader
//! concluded from them holds again, and each gap is still read as JSON, so broken JSON there
//! is still broken. Which values may be gaps depends on what the reader concluded:
//! - the capture ([`crate::decode`]) remembers notifications, their gaps the values of
//!   `params`' members: the envelope (`jsonrpc`, `method`, no `id`) lies outside them;
//! - the lint (`mcpscope-lint`'s memo) remembers messages that fit a schema type, their gaps
//!   the members the type takes as any JSON or ignores.
//!
//! [`Templates`] keeps a few per reader, and rests when its texts rarely match, so traffic that
//! never repeats pays little for it.

use std::ops::Range;

use serde::de::IgnoredAny;

/// Templates kept by one [`Templates`]; past that, the oldest gives way.
const MAX_TEMPLATES: usize = 8;
/// Lookups after which the hit rate is judged: under one in four, the templates rest.
const JUDGE_AFTER: u32 = 64;
/// Texts let through unlooked-at by resting templates before they are looked up again.
const REST: u32 = 4096;

/// The text of a message cut around its gaps: one more piece than there are gaps.
#[derive(Debug, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Box<str>>,
}

impl Template {
    /// `text` cut around `gaps` (byte ranges of values in it, in order, apart); `None` when a
    /// range does not fall on character boundaries, or the text around the gaps is longer
    /// than `max_pieces` bytes.
    pub fn of(text: &str, gaps: &[Range<usize>], max_pieces: usize) -> Option<Template> {
        if text.len() - gaps.iter().map(|g| g.len()).sum::<usize>() > max_pieces {
            return None;
        }
        let mut pieces = Vec::with_capacity(gaps.len() + 1);
        let mut at = 0;
        for gap in gaps {
            pieces.push(text.get(at..gap.start)?.into());
            at = gap.end;
        }
        pieces.push(text.get(at..)?.into());
        Some(Template { pieces })
    }

    /// Whether `text` is this template with one valid JSON value in each gap.
    pub fn matches(&self, text: &str) -> bool {
        self.matches_by(text, value_len)
    }

    /// [`matches`](Template::matches) for a text already known to be valid JSON: the values in
    /// the gaps are crossed, not checked (`skip_json_value`). The bytes before a gap are the
    /// template's, so a reader of the text is where it was in the template's own text, before
    /// a value; in valid JSON one is there, and it ends where skipping it ends.
    pub fn matches_valid_json(&self, text: &str) -> bool {
        self.matches_by(text, crate::peek::skip_json_value)
    }

    /// Where this template's gaps lie in `text`, a valid JSON text it matches (each gap the
    /// value alone, without the whitespace before it); `None` when it does not match.
    pub fn gaps_in_valid_json(&self, text: &str) -> Option<Vec<Range<usize>>> {
        let (first, rest) = self.pieces.split_first()?;
        text.starts_with(&**first).then_some(())?;
        let mut at = first.len();
        let mut gaps = Vec::with_capacity(rest.len());
        for piece in rest {
            let used = crate::peek::skip_json_value(text.get(at..)?)?;
            let gap = text.get(at..at + used)?;
            gaps.push(at + gap.len() - gap.trim_start_matches([' ', '\t', '\n', '\r']).len()..at + used);
            at += used;
            text.get(at..)?.starts_with(&**piece).then_some(())?;
            at += piece.len();
        }
        (at == text.len()).then_some(gaps)
    }

    fn matches_by(&self, text: &str, value_len: fn(&str) -> Option<usize>) -> bool {
        let Some((first, rest)) = self.pieces.split_first() else { return false };
        let Some(mut text) = text.strip_prefix(&**first) else { return false };
        for piece in rest {
            let Some(used) = value_len(text) else { return false };
            match text.get(used..).and_then(|t| t.strip_prefix(&**piece)) {
                Some(t) => text = t,
                None => return false,
            }
        }
        text.is_empty()
    }
}

/// Where the gaps of the capture's notification template lie in `text`: the values of its
/// `params` members, in order. Every message of one [`mcpscope_proto::Shape`] is its template's
/// text with other values there. `None` for a text the capture makes no template of.
pub fn shape_gaps(text: &str) -> Option<Vec<Range<usize>>> {
    crate::peek::params_gaps(text)
}

/// The length of the one JSON value (after any whitespace) at the start of `text`: by the
/// fast reader (`peek::json_value_len`), or by serde_json where that one gives up.
fn value_len(text: &str) -> Option<usize> {
    crate::peek::json_value_len(text).or_else(|| {
        let mut values = serde_json::Deserializer::from_str(text).into_iter::<IgnoredAny>();
        matches!(values.next(), Some(Ok(_))).then(|| values.byte_offset())
    })
}

/// A reader's templates, each with what the reader concluded from its text (`V`).
#[derive(Debug)]
pub struct Templates<V> {
    list: Vec<(Template, V)>,
    /// Where the next template goes once the list is full.
    next: usize,
    lookups: u32,
    hits: u32,
    /// Texts to let through before looking up again.
    resting: u32,
}

impl<V> Default for Templates<V> {
    fn default() -> Templates<V> {
        Templates { list: Vec::new(), next: 0, lookups: 0, hits: 0, resting: 0 }
    }
}

impl<V> Templates<V> {
    /// What the reader concluded from the template `text` matches; `None` when none does, or
    /// while resting.
    pub fn find(&mut self, text: &str) -> Option<&V> {
        self.find_by(text, Template::matches)
    }

    /// [`find`](Templates::find) for a text already known to be valid JSON
    /// ([`Template::matches_valid_json`]).
    pub fn find_in_valid_json(&mut self, text: &str) -> Option<&V> {
        self.find_by(text, Template::matches_valid_json)
    }

    fn find_by(&mut self, text: &str, matches: fn(&Template, &str) -> bool) -> Option<&V> {
        if self.resting > 0 {
            self.resting -= 1;
            return None;
        }
        self.lookups += 1;
        let found = self.list.iter().position(|(t, _)| matches(t, text));
        self.hits += u32::from(found.is_some());
        if self.lookups >= JUDGE_AFTER {
            if self.hits * 4 < self.lookups {
                self.resting = REST;
            }
            self.lookups = 0;
            self.hits = 0;
        }
        found.and_then(|i| self.list.get(i)).map(|(_, v)| v)
    }

    /// Where the gaps of the template that matches `text` (valid JSON) lie in it
    /// ([`Template::gaps_in_valid_json`]); the counters that make templates rest are left
    /// alone.
    pub fn gaps_in_valid_json(&self, text: &str) -> Option<Vec<Range<usize>>> {
        self.list.iter().find_map(|(t, _)| t.gaps_in_valid_json(text))
    }

    /// Whether lookups rest (then [`learn`](Templates::learn) keeps nothing either).
    pub fn resting(&self) -> bool {
        self.resting > 0
    }

    /// Remembers `template` and what the reader concluded from it, unless resting or known.
    pub fn learn(&mut self, template: Template, value: V) {
        if self.resting > 0 || self.list.iter().any(|(t, _)| *t == template) {
            return;
        }
        if self.list.len() < MAX_TEMPLATES {
            self.list.push((template, value));
        } else if let Some(slot) = self.list.get_mut(self.next) {
            *slot = (template, value);
            self.next = (self.next + 1) % MAX_TEMPLATES;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn template(text: &str, gaps: &[&str]) -> Template {
        let mut ranges = Vec::new();
        let mut from = 0;
        for gap in gaps {
            let start = from + text[from..].find(gap).expect("the gap is in the text");
            ranges.push(start..start + gap.len());
            from = start + gap.len();
        }
        Template::of(text, &ranges, 2048).expect("a template")
    }

    /// A message matches when it differs only inside the gaps, each holding one valid JSON
    /// value; any other difference, or broken JSON in a gap, or two values in one, does not.
    #[test]
    fn a_template_matches_other_values_in_its_gaps_only() {
        let t = template(
            r#"{"m":"x","params":{"level":"info","data":{"seq":1}},"id":7}"#,
            &[r#"{"seq":1}"#, "7"],
        );
        for same in [
            r#"{"m":"x","params":{"level":"info","data":[2, "two", {"a": null}]},"id":"seven"}"#,
            r#"{"m":"x","params":{"level":"info","data":  12.5e3},"id":-1}"#,
            r#"{"m":"x","params":{"level":"info","data":"}}"},"id":null}"#,
        ] {
            assert!(t.matches(same), "{same}");
        }
        for other in [
            r#"{"m":"x","params":{"level":"warn","data":{"seq":1}},"id":7}"#,
            r#"{"m":"x","params":{"level":"info","data":{"seq":1},"more":1},"id":7}"#,
            r#"{"m":"x","params":{"level":"info","data":{"seq":1}},"id":7} "#,
            r#"{"m":"x","params":{"level":"info","data":{"seq":1}},"id":7}}"#,
            r#"{"m":"x","params":{"level":"info","data":{"seq":1,}},"id":7}"#,
            r#"{"m":"x","params":{"level":"info","data":1 2},"id":7}"#,
            r#"{"m":"x","params":{"level":"info","data":},"id":7}"#,
            r#"{"m":"x","params":{"level":"info","data":{"seq":1}},"id":7x}"#,
            r#"{"m":"x","params":{"level":"info","data":tru},"id":7}"#,
        ] {
            assert!(!t.matches(other), "{other}");
        }
    }

    /// A template with no gaps is its text; one whose text around the gaps is too long is not
    /// kept.
    #[test]
    fn a_template_without_gaps_is_its_text_and_long_ones_are_not_kept() {
        let t = template(r#"{"a":1}"#, &[]);
        assert!(t.matches(r#"{"a":1}"#));
        assert!(!t.matches(r#"{"a":2}"#) && !t.matches(r#"{"a":1} "#));
        let long = format!(r#"{{"text":"{}","data":1}}"#, "a".repeat(100));
        let gap = long.len() - 2..long.len() - 1;
        assert!(Template::of(&long, std::slice::from_ref(&gap), 100).is_none());
        let free = format!(r#"{{"data":"{}"}}"#, "a".repeat(100));
        let gap = 8..free.len() - 1;
        assert!(Template::of(&free, std::slice::from_ref(&gap), 100).is_some());
    }

    /// Texts that match are found with what was learned of them; a reader whose texts rarely
    /// match rests (finds and learns nothing) for a while, then looks again.
    #[test]
    fn templates_are_found_and_rest_when_rarely_matched() {
        let mut memo = Templates::default();
        memo.learn(template(r#"{"a":1}"#, &["1"]), "a");
        memo.learn(template(r#"{"a":1}"#, &["1"]), "again");
        assert_eq!(memo.find(r#"{"a":[2]}"#), Some(&"a"));
        // One hit in the first JUDGE_AFTER lookups: under one in four.
        for i in 1..JUDGE_AFTER {
            assert!(!memo.resting());
            assert_eq!(memo.find(&format!(r#"{{"b":{i}}}"#)), None);
        }
        assert!(memo.resting());
        memo.learn(template(r#"{"b":1}"#, &["1"]), "b");
        for _ in 0..REST {
            assert_eq!(memo.find(r#"{"a":3}"#), None, "resting");
        }
        assert!(!memo.resting());
        assert_eq!(memo.find(r#"{"a":3}"#), Some(&"a"));
        assert_eq!(memo.find(r#"{"b":3}"#), None, "learned nothing while resting");
    }

    /// At most [`MAX_TEMPLATES`] are kept: the oldest gives way.
    #[test]
    fn the_oldest_template_gives_way() {
        let mut memo = Templates::default();
        let text = |i: usize, value: u8| format!(r#"{{"{}":{value}}}"#, "k".repeat(i + 1));
        for i in 0..=MAX_TEMPLATES {
            memo.learn(template(&text(i, 0), &["0"]), i);
        }
        assert_eq!(memo.find(&text(0, 2)), None);
        assert_eq!(memo.find(&text(1, 2)), Some(&1));
        assert_eq!(memo.find(&text(MAX_TEMPLATES, 2)), Some(&MAX_TEMPLATES));
    }
}
