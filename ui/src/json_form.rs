//! Forms from JSON Schema, the model: which fields a schema asks for, the value a new form
//! starts from, and what is wrong with a value. No Yew here, so it is tested natively; the
//! component is `components/json_form.rs`.
//!
//! Paths name a field from the form's root: `a`, `address.city`, `tags.0`.

use serde_json::{Map, Value};

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// How a field is edited.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A text input of this HTML type (`text`, `email`, `url`, `date`, `datetime-local`).
    Text {
        input: &'static str,
    },
    Number {
        integer: bool,
    },
    Bool,
    /// One of these values, each with its label.
    Choice(Vec<(Value, String)>),
    /// Several of these values (an array of an enum).
    Multi(Vec<(Value, String)>),
    /// An array of strings or numbers.
    List {
        item: Box<Kind>,
    },
    /// A nested object.
    Object(Vec<Field>),
    /// Anything the form cannot draw: edited as JSON text.
    Json,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub key: String,
    pub title: String,
    pub description: Option<String>,
    pub required: bool,
    pub kind: Kind,
    /// The property's own schema (for validation).
    pub schema: Value,
}

/// The first type a schema names that is not `null` (`"type": ["string", "null"]`).
fn type_of(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// The choices of an enum: `enum` (labelled by `enumNames` when given), or `oneOf`/`anyOf` of
/// `{const, title}`.
fn choices(schema: &Value) -> Option<Vec<(Value, String)>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let names = schema.get("enumNames").and_then(Value::as_array);
        return Some(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let label = names
                        .and_then(|n| n.get(i))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| label_of(v));
                    (v.clone(), label)
                })
                .collect(),
        );
    }
    let options = schema.get("oneOf").or_else(|| schema.get("anyOf"))?.as_array()?;
    options
        .iter()
        .map(|o| {
            let v = o.get("const")?.clone();
            let label =
                o.get("title").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| label_of(&v));
            Some((v, label))
        })
        .collect()
}

fn label_of(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
}

fn kind_of(schema: &Value) -> Kind {
    if let Some(c) = choices(schema).filter(|c| !c.is_empty()) {
        return Kind::Choice(c);
    }
    match type_of(schema) {
        Some("string") => Kind::Text {
            input: match schema.get("format").and_then(Value::as_str) {
                Some("email") => "email",
                Some("uri" | "url") => "url",
                Some("date") => "date",
                Some("date-time") => "datetime-local",
                _ => "text",
            },
        },
        Some("integer") => Kind::Number { integer: true },
        Some("number") => Kind::Number { integer: false },
        Some("boolean") => Kind::Bool,
        Some("object") => Kind::Object(fields(schema)),
        Some("array") => {
            let items = schema.get("items").cloned().unwrap_or(Value::Null);
            if let Some(c) = choices(&items).filter(|c| !c.is_empty()) {
                return Kind::Multi(c);
            }
            match kind_of(&items) {
                k @ (Kind::Text { .. } | Kind::Number { .. }) => Kind::List { item: Box::new(k) },
                _ => Kind::Json,
            }
        }
        _ => Kind::Json,
    }
}

/// The fields of an object schema, in the order its properties are written.
pub fn fields(schema: &Value) -> Vec<Field> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else { return Vec::new() };
    props
        .iter()
        .map(|(key, s)| Field {
            key: key.clone(),
            title: s.get("title").and_then(Value::as_str).unwrap_or(key).to_owned(),
            description: s.get("description").and_then(Value::as_str).map(str::to_owned),
            required: required.contains(&key.as_str()),
            kind: kind_of(s),
            schema: s.clone(),
        })
        .collect()
}

/// The value a new form starts from: every default, nested objects included; nothing else.
pub fn initial(schema: &Value) -> Value {
    let mut out = Map::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (key, s) in props {
            if let Some(d) = s.get("default") {
                out.insert(key.clone(), d.clone());
            } else if type_of(s) == Some("object") {
                let inner = initial(s);
                if inner.as_object().is_some_and(|o| !o.is_empty()) {
                    out.insert(key.clone(), inner);
                }
            }
        }
    }
    Value::Object(out)
}

/// What is wrong with `value` against an object `schema`, field by field.
pub fn validate(schema: &Value, value: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    check_object(schema, value, "", &mut out);
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") }
}

fn absent(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null)) || v.and_then(Value::as_str).is_some_and(str::is_empty)
}

fn check_object(schema: &Value, value: &Value, prefix: &str, out: &mut Vec<Problem>) {
    for f in fields(schema) {
        let path = join(prefix, &f.key);
        let v = value.get(&f.key);
        if absent(v) {
            if f.required {
                out.push(Problem { path, message: "required".into() });
            }
            continue;
        }
        if let Some(v) = v {
            check_value(&f.schema, &f.kind, v, &path, out);
        }
    }
}

fn check_value(schema: &Value, kind: &Kind, v: &Value, path: &str, out: &mut Vec<Problem>) {
    let mut problem = |m: String| out.push(Problem { path: path.to_owned(), message: m });
    match kind {
        Kind::Text { .. } => {
            let Some(s) = v.as_str() else { return problem("must be text".into()) };
            let n = s.chars().count() as u64;
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64).filter(|m| n < *m) {
                problem(format!("at least {min} characters"));
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64).filter(|m| n > *m) {
                problem(format!("at most {max} characters"));
            }
        }
        Kind::Number { integer } => {
            let Some(x) = v.as_f64() else {
                return problem(format!("{:?} is not a number", label_of(v)));
            };
            if *integer && !(v.is_i64() || v.is_u64()) {
                return problem("must be a whole number".into());
            }
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64).filter(|m| x < *m) {
                problem(format!("at least {min}"));
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64).filter(|m| x > *m) {
                problem(format!("at most {max}"));
            }
        }
        Kind::Bool => {
            if !v.is_boolean() {
                problem("must be true or false".into());
            }
        }
        Kind::Choice(options) => {
            if !options.iter().any(|(o, _)| o == v) {
                problem(format!("{} is not one of the choices", label_of(v)));
            }
        }
        Kind::Multi(options) => {
            let Some(items) = v.as_array() else { return problem("must be a list".into()) };
            if let Some(bad) = items.iter().find(|i| !options.iter().any(|(o, _)| o == *i)) {
                problem(format!("{} is not one of the choices", label_of(bad)));
            }
            count(schema, items.len(), &mut problem);
        }
        Kind::List { item } => {
            let Some(items) = v.as_array() else { return problem("must be a list".into()) };
            count(schema, items.len(), &mut problem);
            let item_schema = schema.get("items").cloned().unwrap_or(Value::Null);
            for (i, x) in items.iter().enumerate() {
                check_value(&item_schema, item, x, &join(path, &i.to_string()), out);
            }
        }
        Kind::Object(_) => {
            if v.is_object() {
                check_object(schema, v, path, out);
            } else {
                problem("must be an object".into());
            }
        }
        Kind::Json => {}
    }
}

fn count(schema: &Value, n: usize, problem: &mut impl FnMut(String)) {
    if let Some(min) = schema.get("minItems").and_then(Value::as_u64).filter(|m| (n as u64) < *m) {
        problem(format!("choose at least {min}"));
    }
    if let Some(max) = schema.get("maxItems").and_then(Value::as_u64).filter(|m| (n as u64) > *m) {
        problem(format!("choose at most {max}"));
    }
}

/// What a number field's text means: an integer or number when it parses, else the text
/// itself (kept, so validation can say what is wrong), `None` when empty.
pub fn number_from_text(text: &str, integer: bool) -> Option<Value> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::from(i));
    }
    if !integer && let Some(n) = t.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
        return Some(Value::Number(n));
    }
    Some(Value::String(text.to_owned()))
}

/// `root` with the value at `path` set (`Some`) or removed (`None`); objects along the way
/// are created, array items addressed by index.
pub fn set_at(root: &Value, path: &str, new: Option<Value>) -> Value {
    let mut root = if root.is_object() { root.clone() } else { Value::Object(Map::new()) };
    let keys: Vec<&str> = path.split('.').collect();
    set_in(&mut root, &keys, new);
    root
}

fn set_in(node: &mut Value, keys: &[&str], new: Option<Value>) {
    let Some((first, rest)) = keys.split_first() else { return };
    if let Value::Array(items) = node {
        let Ok(i) = first.parse::<usize>() else { return };
        if rest.is_empty() {
            match new {
                Some(v) if i < items.len() => items[i] = v,
                Some(v) => items.push(v),
                None if i < items.len() => {
                    items.remove(i);
                }
                None => {}
            }
        } else if let Some(child) = items.get_mut(i) {
            set_in(child, rest, new);
        }
        return;
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    let Some(map) = node.as_object_mut() else { return };
    if rest.is_empty() {
        match new {
            Some(v) => {
                map.insert((*first).to_owned(), v);
            }
            None => {
                map.remove(*first);
            }
        }
        return;
    }
    let child = map.entry((*first).to_owned()).or_insert_with(|| Value::Object(Map::new()));
    set_in(child, rest, new);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The shape of server-everything's elicitation request.
    fn elicitation() -> Value {
        json!({"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "title": "String", "description": "Your full, legal name"},
            "check": {"type": "boolean"},
            "firstLine": {"type": "string", "default": "It was a dark and stormy night."},
            "email": {"type": "string", "format": "email"},
            "homepage": {"type": "string", "format": "uri"},
            "birthdate": {"type": "string", "format": "date"},
            "integer": {"type": "integer", "minimum": 1, "maximum": 100, "default": 42},
            "number": {"type": "number", "minimum": 0, "maximum": 1000, "default": 2.5},
            "friend": {"type": "string", "enum": ["Monica", "Rachel", "Joey"], "default": "Monica"},
            "instruments": {"type": "array", "minItems": 1, "maxItems": 3,
                "items": {"type": "string", "enum": ["Guitar", "Piano", "Violin", "Drums"]}, "default": ["Guitar"]},
            "hero": {"type": "string", "oneOf": [{"const": "hero-1", "title": "Superman"}, {"const": "hero-2", "title": "Green Lantern"}]},
            "pet": {"type": "string", "enum": ["pet-1", "pet-2"], "enumNames": ["Cats", "Dogs"]}
        }})
    }

    #[test]
    fn fields_follow_the_schema_in_order() {
        let f = fields(&elicitation());
        let keys: Vec<&str> = f.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys[..4], ["name", "check", "firstLine", "email"]);
        assert!(f[0].required && !f[1].required);
        assert_eq!(f[0].title, "String");
        assert_eq!(f[1].kind, Kind::Bool);
        assert_eq!(f[3].kind, Kind::Text { input: "email" });
        assert_eq!(f[4].kind, Kind::Text { input: "url" });
        assert_eq!(f[5].kind, Kind::Text { input: "date" });
        assert_eq!(f[6].kind, Kind::Number { integer: true });
        assert!(matches!(&f[9].kind, Kind::Multi(o) if o.len() == 4));
        assert_eq!(
            f[10].kind,
            Kind::Choice(vec![
                (json!("hero-1"), "Superman".into()),
                (json!("hero-2"), "Green Lantern".into())
            ])
        );
        assert_eq!(
            f[11].kind,
            Kind::Choice(vec![(json!("pet-1"), "Cats".into()), (json!("pet-2"), "Dogs".into())])
        );
    }

    #[test]
    fn a_new_form_starts_from_the_defaults() {
        assert_eq!(
            initial(&elicitation()),
            json!({"firstLine": "It was a dark and stormy night.", "integer": 42, "number": 2.5,
                "friend": "Monica", "instruments": ["Guitar"]})
        );
        let nested = json!({"properties": {"address": {"type": "object", "properties": {"city": {"type": "string", "default": "Paris"}}}}});
        assert_eq!(initial(&nested), json!({"address": {"city": "Paris"}}));
    }

    #[test]
    fn validation_names_each_field_and_what_is_wrong() {
        let s = elicitation();
        let problems = validate(&s, &initial(&s));
        assert_eq!(problems, vec![Problem { path: "name".into(), message: "required".into() }]);
        let bad =
            json!({"name": "Ada", "integer": 500, "number": "many", "friend": "Ross", "instruments": []});
        let found: Vec<(String, String)> =
            validate(&s, &bad).into_iter().map(|p| (p.path, p.message)).collect();
        assert_eq!(
            found,
            vec![
                ("integer".into(), "at most 100".into()),
                ("number".into(), "\"many\" is not a number".into()),
                ("friend".into(), "Ross is not one of the choices".into()),
                ("instruments".into(), "choose at least 1".into()),
            ]
        );
        let tool = json!({"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]});
        assert_eq!(validate(&tool, &json!({"a": 2, "b": 3})), vec![]);
        assert_eq!(validate(&tool, &json!({"a": 2, "b": ""})).len(), 1, "an empty field counts as absent");
    }

    #[test]
    fn numbers_lists_and_nested_values_are_edited_by_path() {
        assert_eq!(number_from_text("42", true), Some(json!(42)));
        assert_eq!(number_from_text("3.5", false), Some(json!(3.5)));
        assert_eq!(number_from_text("3.5", true), Some(json!("3.5")), "kept for validation to flag");
        assert_eq!(number_from_text("  ", false), None);
        let v = set_at(&json!({}), "address.city", Some(json!("Oslo")));
        assert_eq!(v, json!({"address": {"city": "Oslo"}}));
        let v = set_at(&json!({"tags": ["a", "b"]}), "tags.1", Some(json!("c")));
        assert_eq!(v, json!({"tags": ["a", "c"]}));
        let v = set_at(&v, "tags.0", None);
        assert_eq!(v, json!({"tags": ["c"]}));
        let v = set_at(&v, "tags", None);
        assert_eq!(v, json!({}));
        let list = json!({"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string", "minLength": 2}}}});
        assert_eq!(fields(&list)[0].kind, Kind::List { item: Box::new(Kind::Text { input: "text" }) });
        assert_eq!(
            validate(&list, &json!({"tags": ["ok", "x"]})),
            vec![Problem { path: "tags.1".into(), message: "at least 2 characters".into() }]
        );
    }
}
