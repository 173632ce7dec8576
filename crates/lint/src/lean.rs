//! Checking a message against a schema type without building its free-form members.
//!
//! The generated schema types hold free-form members (`data`, `_meta`, `arguments`,
//! `structuredContent` …) as `serde_json::Value`s. A check only wants to know whether the
//! text fits; building those trees and dropping them again was most of its cost in a flood
//! (`perf` on `wire-bench`'s session path). [`fits`] reads the text through [`Lean`], a
//! deserializer that hands every nested deserializer, sequence, map and enum on wrapped in
//! itself, and that answers a request for "any valid JSON value" (serde_json's `Value`, which
//! accepts any JSON) by skipping the member's text, still checked for syntax, and giving
//! `null`. Whatever else the type asks for is read as usual.
//!
//! A `Value` member accepts whatever JSON it is given, so skipping one cannot turn a misfit
//! into a fit (one difference: a skipped string's `\u` escapes are checked as JSON's grammar
//! has them, where a lone UTF-16 surrogate is allowed, not as a Rust string must hold them). A
//! misfit found this way is checked again the ordinary way, with the path tracked, and that
//! check's verdict is the one reported.
//!
//! The walk also leaves a [`Trail`]: where in the text lie the values it skipped (free-form
//! members, and members the type ignores). Whatever those places hold, the type's verdict is
//! the same: the [`memo`](crate::memo) matches later messages against the text around them.

use std::cell::RefCell;
use std::fmt::{self, Write};
use std::ops::Range;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};
use serde_json::value::RawValue;

/// What serde_json's `Value` visitor says it expects.
const ANY_VALUE: &str = "any valid JSON value";

/// Whether `text` (one JSON document) fits `T`, free-form members skipped.
#[cfg(test)]
pub(crate) fn fits<T: de::DeserializeOwned>(text: &str) -> bool {
    fits_with_trail::<T>(text).0
}

/// The byte ranges of a text holding the values a lean walk skipped, in order; `None` when
/// one was not found in the text.
pub(crate) type Gaps = Option<Vec<Range<usize>>>;

/// [`fits`], and where the values the walk skipped lay.
pub(crate) fn fits_with_trail<T: de::DeserializeOwned>(text: &str) -> (bool, Gaps) {
    let trail = Trail::new(text);
    let mut de = serde_json::Deserializer::from_str(text);
    let fits = T::deserialize(Lean(&mut de, &trail)).is_ok() && de.end().is_ok();
    (fits, trail.skipped.into_inner())
}

/// Where a lean walk skipped values: byte ranges of the text it reads.
pub(crate) struct Trail {
    /// Where the text lies in memory (a skipped value is a slice of it).
    text: Range<*const u8>,
    /// The ranges, in order.
    skipped: RefCell<Gaps>,
}

impl Trail {
    /// An empty trail of a walk over `text`.
    fn new(text: &str) -> Trail {
        Trail { text: text.as_bytes().as_ptr_range(), skipped: RefCell::new(Some(Vec::new())) }
    }

    /// Notes the value `raw` (a slice of the text) as skipped.
    fn skipped(&self, raw: &str) {
        let at = raw.as_bytes().as_ptr_range();
        let mut skipped = self.skipped.borrow_mut();
        if at.start < self.text.start || at.end > self.text.end {
            *skipped = None;
            return;
        }
        if let Some(ranges) = skipped.as_mut() {
            let start = at.start as usize - self.text.start as usize;
            ranges.push(start..start + raw.len());
        }
    }

    /// Skips one value of `d` (any valid JSON, still read for its syntax) and notes where it
    /// lay.
    fn skip<'de, D: Deserializer<'de>>(&self, d: D) -> Result<(), D::Error> {
        // serde_json hands a raw value over as a slice of the text it reads (`from_str`).
        let raw = <&RawValue>::deserialize(d)?;
        self.skipped(raw.get());
        Ok(())
    }
}

/// Whether `visitor` is one that takes any JSON value (serde_json's `Value`), told by what it
/// says it expects, compared as it is written (no allocation).
fn takes_any_value<'de, V: Visitor<'de>>(visitor: &V) -> bool {
    struct Expecting<'a, V>(&'a V);
    impl<'de, V: Visitor<'de>> fmt::Display for Expecting<'_, V> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.expecting(f)
        }
    }
    struct Same {
        rest: &'static str,
        same: bool,
    }
    impl Write for Same {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            match self.rest.strip_prefix(s) {
                Some(rest) if self.same => self.rest = rest,
                _ => self.same = false,
            }
            Ok(())
        }
    }
    let mut same = Same { rest: ANY_VALUE, same: true };
    let _ = write!(same, "{}", Expecting(visitor));
    same.same && same.rest.is_empty()
}

/// A deserializer that skips the members a type takes as any JSON value, and notes in its
/// trail where they and the members it ignores lay.
pub(crate) struct Lean<'t, D>(pub(crate) D, pub(crate) &'t Trail);

macro_rules! forward {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method(Wrap(visitor, self.1))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Lean<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        if takes_any_value(&visitor) {
            self.1.skip(self.0)?;
            return visitor.visit_unit();
        }
        self.0.deserialize_any(Wrap(visitor, self.1))
    }

    /// A member the type ignores: serde_json reads it (for its syntax) and answers with a
    /// unit whatever it holds, so its place is noted like a free-form member's.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.1.skip(self.0)?;
        visitor.visit_unit()
    }

    forward! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_option
        deserialize_unit deserialize_seq deserialize_map deserialize_identifier
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Wrap(visitor, self.1))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Wrap(visitor, self.1))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Wrap(visitor, self.1))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, Wrap(visitor, self.1))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, Wrap(visitor, self.1))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, Wrap(visitor, self.1))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A visitor whose nested deserializers, sequences, maps and enums stay lean.
struct Wrap<'t, V>(V, &'t Trail);

macro_rules! visit {
    ($($method:ident: $ty:ty)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.0.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    visit! {
        visit_bool: bool visit_i8: i8 visit_i16: i16 visit_i32: i32 visit_i64: i64 visit_i128: i128
        visit_u8: u8 visit_u16: u16 visit_u32: u32 visit_u64: u64 visit_u128: u128
        visit_f32: f32 visit_f64: f64 visit_char: char visit_str: &str visit_borrowed_str: &'de str
        visit_string: String visit_bytes: &[u8] visit_borrowed_bytes: &'de [u8] visit_byte_buf: Vec<u8>
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Lean(d, self.1))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Lean(d, self.1))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Each(seq, self.1))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Each(map, self.1))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Each(data, self.1))
    }
}

/// A seed whose deserializer stays lean.
struct Seed<'t, T>(T, &'t Trail);

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T::Value, D::Error> {
        self.0.deserialize(Lean(d, self.1))
    }
}

/// A sequence, map, enum or variant whose elements stay lean.
struct Each<'t, A>(A, &'t Trail);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Each<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed, self.1))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Each<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed, self.1))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed, self.1))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'t, 'de, A: EnumAccess<'de>> EnumAccess<'de> for Each<'t, A> {
    type Error = A::Error;
    type Variant = Each<'t, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(Seed(seed, self.1))?;
        Ok((value, Each(variant, self.1)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Each<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed, self.1))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrap(visitor, self.1))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrap(visitor, self.1))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::*;

    /// A type with free-form members beside typed ones, nested, in a sequence, optional and
    /// in an enum.
    #[derive(Debug, Deserialize, PartialEq)]
    struct Probe {
        level: Level,
        data: Value,
        #[serde(default)]
        meta: Option<serde_json::Map<String, Value>>,
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Level {
        Info,
        Error,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(untagged)]
    enum Item {
        Named { name: String, extra: Value },
        Number(u32),
    }

    fn lean(text: &str) -> Result<Probe, serde_json::Error> {
        let trail = Trail::new(text);
        let mut de = serde_json::Deserializer::from_str(text);
        Probe::deserialize(Lean(&mut de, &trail))
    }

    /// Free-form members are skipped (read as null), typed ones read as usual; an untagged
    /// enum (read through serde's buffered content) still reads whole.
    #[test]
    fn free_form_members_are_skipped_and_typed_ones_read() {
        let text = json!({"level": "info", "data": {"seq": 7, "deep": [1, {"x": "y"}]},
            "meta": {"a": [1, 2]}, "items": [{"name": "n", "extra": {"k": 1}}, 3]})
        .to_string();
        let got = lean(&text).expect("fits");
        assert_eq!(got.level, Level::Info);
        assert_eq!(got.data, Value::Null, "the free-form member was not built");
        assert_eq!(got.meta.as_ref().and_then(|m| m.get("a")), Some(&Value::Null));
        assert_eq!(got.items[0], Item::Named { name: "n".into(), extra: json!({"k": 1}) });
        assert_eq!(got.items[1], Item::Number(3));
        let full: Probe = serde_json::from_str(&text).expect("fits");
        assert_eq!(full.data, json!({"seq": 7, "deep": [1, {"x": "y"}]}), "the ordinary way builds it");
    }

    /// The trail holds where the skipped values lay, ignored members' among them; not the
    /// untagged enum's `extra` (buffered by serde, so read, not skipped).
    #[test]
    fn the_trail_holds_where_skipped_values_lay() {
        let text = r#"{"level": "info", "data": {"seq": 7}, "meta": {"a": [1], "b": 2},
            "unknown": [true], "items": [{"name": "n", "extra": {"k": 1}}, 3]}"#;
        let (fits, trail) = fits_with_trail::<Probe>(text);
        assert!(fits);
        let skipped: Vec<&str> = trail.expect("every skip found").into_iter().map(|r| &text[r]).collect();
        assert_eq!(skipped, [r#"{"seq": 7}"#, "[1]", "2", "[true]"]);
    }

    /// Whatever misfits the ordinary way misfits the lean way: a typed member of the wrong
    /// kind, a member missing, broken JSON inside a skipped member, text after the document.
    #[test]
    fn a_misfit_is_a_misfit_either_way() {
        let cases = [
            json!({"level": "info", "data": 1, "items": []}).to_string(),
            json!({"level": "loud", "data": 1, "items": []}).to_string(),
            json!({"level": "info", "items": []}).to_string(),
            json!({"level": "info", "data": 1, "meta": [1], "items": []}).to_string(),
            json!({"level": "info", "data": 1, "items": [true]}).to_string(),
            r#"{"level": "info", "data": {"a": [1, }, "items": []}"#.to_owned(),
            r#"{"level": "info", "data": 1, "items": []} trailing"#.to_owned(),
        ];
        for text in &cases {
            let ordinary = serde_json::from_str::<Probe>(text).is_ok();
            assert_eq!(fits::<Probe>(text), ordinary, "{text}");
        }
        assert!(fits::<Probe>(&cases[0]));
        assert!(!fits::<Probe>(&cases[1]) && !fits::<Probe>(&cases[2]) && !fits::<Probe>(&cases[5]));
        assert!(!fits::<Probe>(&cases[6]), "text after the document");
    }
}
