//! Remembering the messages that fit a schema type, so that a flood of messages alike but for
//! their free-form members is checked once.
//!
//! A lean walk ([`lean`](crate::lean)) that finds a message fits also says where in its text
//! lay the values it skipped: free-form members (`Value`), which take any JSON, and members the
//! type ignores, which serde_json reads and drops whatever they hold. The text around them is
//! the message's *template*. A later message that is the same template with any one valid JSON
//! value in each gap fits too, for the same reason: serde_json's parser reads identical bytes
//! identically, reaches each gap in the same state, skips any value there the same way, and
//! comes out of it in the same state; serde's derived code sees the same calls in the same
//! order. Each gap is still read as JSON, so broken JSON there is still broken.
//!
//! Only fits are remembered: a misfit is always checked in full, so its report is exact. The
//! memory is bounded (templates per checker, their length), and a checker whose messages rarely
//! match stops being looked up for a while, so traffic that never repeats pays little for it.

use std::ops::Range;

use rustc_hash::FxHashMap;
use serde::de::IgnoredAny;

/// Messages longer than this are checked in full (their walk is the cost, not the typing).
const MAX_TEXT: usize = 64 * 1024;
/// The text around the gaps that a template may hold.
const MAX_TEMPLATE: usize = 2048;
/// Templates kept per checker; past that, the oldest gives way.
const MAX_TEMPLATES: usize = 8;
/// Lookups after which a checker's hit rate is judged: under one in four, it rests.
const JUDGE_AFTER: u32 = 64;
/// Messages a resting checker is checked in full before it is looked up again.
const REST: u32 = 4096;

/// Which checker: its version, its type's name, whether it checks a response's `result`.
pub(crate) type CheckerKey = (&'static str, &'static str, bool);

/// The text of a message that fit, cut around the values its walk skipped: one more piece
/// than there are gaps.
struct Template {
    pieces: Vec<Box<str>>,
}

impl Template {
    fn of(text: &str, gaps: &[Range<usize>]) -> Option<Template> {
        if text.len() - gaps.iter().map(|g| g.len()).sum::<usize>() > MAX_TEMPLATE {
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
    fn matches(&self, text: &str) -> bool {
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

/// The length of the one JSON value (after any whitespace) at the start of `text`: by the
/// wire's reader, which is quicker, or by serde_json where that one gives up.
fn value_len(text: &str) -> Option<usize> {
    mcpscope_wire::json_value_len(text).or_else(|| {
        let mut values = serde_json::Deserializer::from_str(text).into_iter::<IgnoredAny>();
        matches!(values.next(), Some(Ok(_))).then(|| values.byte_offset())
    })
}

/// One checker's memory.
#[derive(Default)]
struct Templates {
    list: Vec<Template>,
    /// Where the next template goes once the list is full.
    next: usize,
    lookups: u32,
    hits: u32,
    /// Messages to check in full before looking up again.
    resting: u32,
}

/// The templates of messages seen to fit, by checker.
#[derive(Default)]
pub(crate) struct Memo {
    by_checker: FxHashMap<CheckerKey, Templates>,
    /// Lookups that found a fit (for the tests).
    #[cfg(test)]
    found: usize,
}

impl Memo {
    /// Whether `text` is known to fit the checker `key`. When not, check it in full and
    /// [`learn`](Memo::learn) from a fit.
    pub(crate) fn fits(&mut self, key: CheckerKey, text: &str) -> bool {
        if text.len() > MAX_TEXT {
            return false;
        }
        let Some(templates) = self.by_checker.get_mut(&key) else { return false };
        if templates.resting > 0 {
            templates.resting -= 1;
            return false;
        }
        templates.lookups += 1;
        let found = templates.list.iter().any(|t| t.matches(text));
        templates.hits += u32::from(found);
        if templates.lookups >= JUDGE_AFTER {
            if templates.hits * 4 < templates.lookups {
                templates.resting = REST;
            }
            templates.lookups = 0;
            templates.hits = 0;
        }
        #[cfg(test)]
        {
            self.found += usize::from(found);
        }
        found
    }

    /// Whether the checker `key` is resting (for the tests).
    #[cfg(test)]
    pub(crate) fn resting(&self, key: CheckerKey) -> bool {
        self.by_checker.get(&key).is_some_and(|t| t.resting > 0)
    }

    /// Remembers that `text` fits the checker `key`, its walk having skipped the values at
    /// `gaps` (in order, apart).
    pub(crate) fn learn(&mut self, key: CheckerKey, text: &str, gaps: &[Range<usize>]) {
        if text.len() > MAX_TEXT {
            return;
        }
        let templates = self.by_checker.entry(key).or_default();
        if templates.resting > 0 {
            return;
        }
        let Some(template) = Template::of(text, gaps) else { return };
        if templates.list.iter().any(|t| t.pieces == template.pieces) {
            return;
        }
        if templates.list.len() < MAX_TEMPLATES {
            templates.list.push(template);
        } else {
            templates.list[templates.next] = template;
            templates.next = (templates.next + 1) % MAX_TEMPLATES;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str, gaps: &[&str]) -> Template {
        let mut ranges = Vec::new();
        let mut from = 0;
        for gap in gaps {
            let start = from + text[from..].find(gap).expect("the gap is in the text");
            ranges.push(start..start + gap.len());
            from = start + gap.len();
        }
        Template::of(text, &ranges).expect("a template")
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
        let long = format!(r#"{{"text":"{}","data":1}}"#, "a".repeat(MAX_TEMPLATE));
        let gap = long.len() - 2..long.len() - 1;
        assert!(Template::of(&long, std::slice::from_ref(&gap)).is_none());
        let free = format!(r#"{{"data":"{}"}}"#, "a".repeat(MAX_TEMPLATE));
        let gap = 8..free.len() - 1;
        assert!(Template::of(&free, std::slice::from_ref(&gap)).is_some());
    }

    /// A flood of log messages alike but for their data is checked in full once: every later
    /// one matches the template of the first. One with a level the schema does not know
    /// misfits, with the path of the misfit.
    #[test]
    fn a_flood_is_checked_once() {
        let s = crate::schema::of("2025-11-25").expect("a known version");
        let checker = (s.method)("notifications/message").expect("a method").message;
        let mut memo = Memo::default();
        for seq in 0..100 {
            let text = format!(
                r#"{{"jsonrpc":"2.0","method":"notifications/message","params":{{"level":"info","logger":"flood","data":{{"seq":{seq},"pad":"{}"}}}}}}"#,
                "x".repeat(seq)
            );
            assert_eq!(checker.check(s.version, &mut memo, &text), Ok(()));
        }
        assert_eq!(memo.found, 99);
        let loud = r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"loud","logger":"flood","data":1}}"#;
        let verdict = checker.check(s.version, &mut memo, loud);
        assert!(verdict.as_ref().is_err_and(|f| f.path == "params.level"), "{verdict:?}");
    }

    /// The property: along any sequence of messages, each checker's verdict with the memo
    /// that sequence built is the verdict of a full check with nothing remembered. The
    /// messages are made to match templates often (a few values per member), and to differ in
    /// the ways that matter: a member's kind or enum value, keys present or missing or extra,
    /// free-form members of any kind, broken JSON.
    mod property {
        use proptest::prelude::*;
        use serde_json::{Value, json};

        use crate::memo::Memo;
        use crate::schema;

        fn small_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                (-3i64..3).prop_map(Value::from),
                Just(json!(1.5)),
                prop_oneof![Just("info"), Just("x"), Just("")].prop_map(Value::from),
            ];
            leaf.prop_recursive(2, 8, 3, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
                    prop::collection::btree_map(
                        prop_oneof![Just("a".to_owned()), Just("b".to_owned())],
                        inner,
                        0..2
                    )
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// A member: absent, or one of a few values, or any small value.
        fn member(common: Vec<Value>) -> impl Strategy<Value = Option<Value>> {
            prop_oneof![
                3 => prop::sample::select(common).prop_map(Some),
                1 => small_value().prop_map(Some),
                1 => Just(None),
            ]
        }

        fn object(members: Vec<(&'static str, Option<Value>)>) -> Value {
            Value::Object(members.into_iter().filter_map(|(k, v)| Some((k.to_owned(), v?))).collect())
        }

        /// A `notifications/message`, `notifications/progress`, `tools/call` request or its
        /// result, mostly well formed.
        fn message() -> impl Strategy<Value = (usize, String)> {
            let log = (
                member(vec![json!("info"), json!("debug"), json!("loud")]),
                member(vec![json!("flood"), json!(3)]),
                member(vec![json!({"seq": 1}), json!("text"), json!([1, {"a": null}])]),
                member(vec![json!({}), json!({"progressToken": 1})]),
            )
                .prop_map(|(level, logger, data, meta)| {
                    json!({"jsonrpc": "2.0", "method": "notifications/message",
                        "params": object(vec![("level", level), ("logger", logger), ("data", data), ("_meta", meta)])})
                });
            let progress = (
                member(vec![json!(1), json!("t")]),
                member(vec![json!(0.5), json!(3), json!("x")]),
                member(vec![json!(10)]),
            )
                .prop_map(|(token, progress, total)| {
                    json!({"jsonrpc": "2.0", "method": "notifications/progress",
                        "params": object(vec![("progressToken", token), ("progress", progress), ("total", total)])})
                });
            let call = (
                member(vec![json!("flood"), json!(7)]),
                member(vec![json!({"count": 3}), json!({}), json!([1])]),
                member(vec![json!(1), json!("a")]),
            )
                .prop_map(|(name, arguments, id)| {
                    json!({"jsonrpc": "2.0", "id": id.unwrap_or(json!(1)), "method": "tools/call",
                        "params": object(vec![("name", name), ("arguments", arguments)])})
                });
            let result = (
                member(vec![json!([{"type": "text", "text": "ok"}]), json!([])]),
                member(vec![json!({"n": 1}), json!(5)]),
                member(vec![json!(false), json!("no")]),
                member(vec![json!(1), json!("a"), json!([2])]),
            )
                .prop_map(|(content, structured, is_error, id)| {
                    json!({"jsonrpc": "2.0", "id": id, "result": object(vec![
                        ("content", content), ("structuredContent", structured), ("isError", is_error)])})
                });
            (
                prop_oneof![
                    log.prop_map(|v| (0, v)),
                    progress.prop_map(|v| (1, v)),
                    call.prop_map(|v| (2, v)),
                    result.prop_map(|v| (3, v))
                ],
                0u8..20,
            )
                .prop_map(|((which, v), damage)| {
                    let text = v.to_string();
                    // Now and then broken: cut short, text after the document, broken JSON
                    // inside a member (free-form or not).
                    let text = match damage {
                        0 => text[..text.len() - 2].to_owned(),
                        1 => format!("{text} x"),
                        2 => text.replace(r#""seq":1"#, r#""seq":1,"#),
                        3 => text.replace("[1,", "[1,,"),
                        _ => text,
                    };
                    (which, text)
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
            #[test]
            fn a_remembered_verdict_is_the_full_verdict(
                messages in prop::collection::vec((message(), 1usize..3), 1..120)
                    .prop_map(|m| m.into_iter().flat_map(|(m, times)| std::iter::repeat_n(m, times)).collect::<Vec<_>>())
            ) {
                for version in ["2025-06-18", "2025-11-25", "2026-07-28"] {
                    let s = schema::of(version).expect("a known version");
                    let checkers = [
                        (s.method)("notifications/message").map(|m| m.message),
                        (s.method)("notifications/progress").map(|m| m.message),
                        (s.method)("tools/call").map(|m| m.message),
                        (s.method)("tools/call").and_then(|m| m.result),
                    ];
                    let mut memo = Memo::default();
                    let mut last_fit: Option<(usize, &String)> = None;
                    for (which, text) in &messages {
                        let Some(checker) = checkers[*which] else { continue };
                        let (found, resting) = (memo.found, memo.resting(checker.key(s.version)));
                        let remembered = checker.check(s.version, &mut memo, text);
                        let full = checker.check(s.version, &mut Memo::default(), text);
                        prop_assert_eq!(&remembered, &full, "{} {}: {}", version, checker.name, text);
                        if last_fit == Some((*which, text)) && !resting {
                            // The same text just fit: it matches its own template.
                            prop_assert_eq!(memo.found, found + 1, "{}", text);
                        }
                        last_fit = full.is_ok().then_some((*which, text));
                    }
                }
            }
        }
    }
}
