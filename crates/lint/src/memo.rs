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

use mcpscope_wire::template::{Template, Templates};
use rustc_hash::FxHashMap;

/// Messages longer than this are checked in full (their walk is the cost, not the typing).
const MAX_TEXT: usize = 64 * 1024;
/// The text around the gaps that a template may hold.
const MAX_TEMPLATE: usize = 2048;

/// Which checker: its version, its type's name, whether it checks a response's `result`.
pub(crate) type CheckerKey = (&'static str, &'static str, bool);

/// A [`CheckerKey`] by where its strings lie (they are `'static`) rather than by what they say.
type Address = [usize; 5];

fn address((version, name, result): CheckerKey) -> Address {
    [version.as_ptr() as usize, version.len(), name.as_ptr() as usize, name.len(), usize::from(result)]
}

/// The templates of messages seen to fit, by checker (the templates themselves, their bounds
/// and their resting are the wire's: [`mcpscope_wire::template`]).
#[derive(Default)]
pub(crate) struct Memo {
    /// Each checker's templates.
    templates: Vec<Templates<()>>,
    /// Where each checker's templates are in `templates`.
    index: FxHashMap<CheckerKey, usize>,
    /// The checker looked up last, by [`Address`], and where its templates are: a flood asks
    /// for the same one message after message, and comparing five words is quicker than
    /// hashing and comparing the names (a tenth of the lint's time in a flood, `perf` on
    /// `wire-bench`'s breakdown).
    last: Option<(Address, usize)>,
    /// The texts being checked are known to be valid JSON ([`crate::Linter::check_captured`]).
    pub(crate) valid_json: bool,
    /// Set: the next text found or learned to fit leaves where its free values lie in
    /// [`gaps`](Memo::gaps) (for [`crate::shape`]).
    pub(crate) want_gaps: bool,
    pub(crate) gaps: Option<Vec<Range<usize>>>,
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
        let (valid_json, want_gaps) = (self.valid_json, self.want_gaps);
        let Some(templates) = self.of(key, false) else { return false };
        let found = match valid_json {
            true => templates.find_in_valid_json(text).is_some(),
            false => templates.find(text).is_some(),
        };
        let gaps = (found && valid_json && want_gaps).then(|| templates.gaps_in_valid_json(text)).flatten();
        if gaps.is_some() {
            self.gaps = gaps;
        }
        #[cfg(test)]
        {
            self.found += usize::from(found);
        }
        found
    }

    /// The templates of checker `key`; made when `make` and there are none yet.
    fn of(&mut self, key: CheckerKey, make: bool) -> Option<&mut Templates<()>> {
        let at = address(key);
        let place = match self.last {
            Some((last, place)) if last == at => place,
            _ => {
                let place = match self.index.get(&key) {
                    Some(&place) => place,
                    None if make => {
                        self.templates.push(Templates::default());
                        self.index.insert(key, self.templates.len() - 1);
                        self.templates.len() - 1
                    }
                    None => return None,
                };
                self.last = Some((at, place));
                place
            }
        };
        self.templates.get_mut(place)
    }

    /// Whether the checker `key` is resting (for the tests).
    #[cfg(test)]
    pub(crate) fn resting(&mut self, key: CheckerKey) -> bool {
        self.of(key, false).is_some_and(|t| t.resting())
    }

    /// Remembers that `text` fits the checker `key`, its walk having skipped the values at
    /// `gaps` (in order, apart).
    pub(crate) fn learn(&mut self, key: CheckerKey, text: &str, gaps: &[Range<usize>]) {
        if self.want_gaps {
            self.gaps = Some(gaps.to_vec());
        }
        if text.len() > MAX_TEXT {
            return;
        }
        let Some(templates) = self.of(key, true).filter(|t| !t.resting()) else { return };
        if let Some(template) = Template::of(text, gaps, MAX_TEMPLATE) {
            templates.learn(template, ());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flood of log messages alike but for their data is checked in full once: every later
    /// one matches the template of the first. One with a level the schema does not know
    /// misfits, with the path of the misfit.
    #[test]
    fn a_flood_is_checked_once() {
        for valid_json in [false, true] {
            a_flood_is_checked_once_with(Memo { valid_json, ..Memo::default() });
        }
    }

    fn a_flood_is_checked_once_with(mut memo: Memo) {
        let s = crate::schema::of("2025-11-25").expect("a known version");
        let checker = (s.method)("notifications/message").expect("a method").message;
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
                    // The capture's records: their texts known to be valid JSON, the values in
                    // a template's gaps crossed, not checked.
                    let mut captured = Memo { valid_json: true, ..Memo::default() };
                    let mut last_fit: Option<(usize, &String)> = None;
                    for (which, text) in &messages {
                        let Some(checker) = checkers[*which] else { continue };
                        let (found, resting) = (memo.found, memo.resting(checker.key(s.version)));
                        let remembered = checker.check(s.version, &mut memo, text);
                        let full = checker.check(s.version, &mut Memo::default(), text);
                        prop_assert_eq!(&remembered, &full, "{} {}: {}", version, checker.name, text);
                        if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
                            let skimmed = checker.check(s.version, &mut captured, text);
                            prop_assert_eq!(&skimmed, &full, "valid JSON {} {}: {}", version, checker.name, text);
                        }
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
