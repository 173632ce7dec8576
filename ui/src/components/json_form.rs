//! A form built from a JSON Schema (tool arguments, elicitation): one row per property, the
//! input fitting its type, every edit reported as the whole new value. The model is
//! `crate::json_form`; every input carries `data-field="<path>"` (`a`, `address.city`,
//! `tags.0`).

use serde_json::Value;
use yew::prelude::*;

use crate::components::field_value;
use crate::json_form::{Field, Kind, Problem, fields, number_from_text, set_at};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub schema: Value,
    /// The current value (an object); the form shows it and reports edits.
    pub value: Value,
    pub on_change: Callback<Value>,
    /// Prefix for element ids, e.g. `tool-form`.
    pub id: AttrValue,
    /// Problems to show next to their fields.
    #[prop_or_default]
    pub problems: Vec<Problem>,
}

/// What a field needs to draw itself and report an edit.
struct Ctx<'a> {
    root: &'a Value,
    on_change: &'a Callback<Value>,
    problems: &'a [Problem],
}

impl Ctx<'_> {
    /// A callback that sets (or, with `None`, removes) the value at `path`.
    fn setter(&self, path: &str) -> Callback<Option<Value>> {
        let (root, path, on_change) = (self.root.clone(), path.to_owned(), self.on_change.clone());
        Callback::from(move |v: Option<Value>| on_change.emit(set_at(&root, &path, v)))
    }
}

#[component]
pub fn JsonForm(props: &Props) -> Html {
    let fs = fields(&props.schema);
    if fs.is_empty() {
        return html! { <div id={props.id.clone()} class="schema-form empty-form muted">{"No arguments."}</div> };
    }
    let ctx = Ctx { root: &props.value, on_change: &props.on_change, problems: &props.problems };
    html! {
        <div id={props.id.clone()} class="schema-form">
            { for fs.iter().map(|f| row(&ctx, f, "", &props.value)) }
        </div>
    }
}

fn row(ctx: &Ctx<'_>, f: &Field, prefix: &str, parent: &Value) -> Html {
    let path = if prefix.is_empty() { f.key.clone() } else { format!("{prefix}.{}", f.key) };
    let value = parent.get(&f.key);
    let problems: Vec<&Problem> =
        ctx.problems.iter().filter(|p| p.path == path || p.path.starts_with(&format!("{path}."))).collect();
    if let Kind::Object(inner) = &f.kind {
        let empty = Value::Null;
        let v = value.unwrap_or(&empty);
        return html! {
            <fieldset key={path.clone()} class="sf-object">
                <legend title={f.description.clone()}>{f.title.clone()}{ if f.required { " *" } else { "" } }</legend>
                { for inner.iter().map(|g| row(ctx, g, &path, v)) }
            </fieldset>
        };
    }
    html! {
        <div key={path.clone()} class={classes!("sf-row", (!problems.is_empty()).then_some("invalid"))}>
            <label class="sf-label" title={f.description.clone()}>
                <span class="sf-title">{f.title.clone()}</span>
                if f.required { <span class="sf-required" title="required">{"*"}</span> }
            </label>
            <div class="sf-input">
                { input(ctx, f, &path, value) }
                if let Some(d) = &f.description {
                    <div class="sf-help" title={d.clone()}>{crate::components::described(d)}</div>
                }
                // In a container of its own: Yew matches unkeyed siblings from the end, so a
                // varying number of them would make it replace the input being typed in.
                <div class="sf-problems">
                    { for problems.iter().map(|p| html! { <div class="sf-problem">{p.message.clone()}</div> }) }
                </div>
            </div>
        </div>
    }
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn input(ctx: &Ctx<'_>, f: &Field, path: &str, value: Option<&Value>) -> Html {
    let set = ctx.setter(path);
    match &f.kind {
        Kind::Text { input } => {
            let on = set.reform(|e: Event| {
                let t = field_value(&e);
                (!t.is_empty()).then_some(Value::String(t))
            });
            html! {
                <input type={*input} name={path.to_owned()} data-field={path.to_owned()} value={text_of(value)}
                    required={f.required} oninput={on.reform(Event::from)} onchange={on} />
            }
        }
        Kind::Number { integer } => {
            let integer = *integer;
            let on = set.reform(move |e: Event| number_from_text(&field_value(&e), integer));
            html! {
                <input type="text" inputmode={if integer { "numeric" } else { "decimal" }} name={path.to_owned()}
                    data-field={path.to_owned()} value={text_of(value)} class="mono"
                    placeholder={bounds(&f.schema)} oninput={on.reform(Event::from)} onchange={on} />
            }
        }
        Kind::Bool => {
            let checked = value.and_then(Value::as_bool).unwrap_or(false);
            let on = set.reform(move |_: Event| Some(Value::Bool(!checked)));
            html! {
                <input type="checkbox" name={path.to_owned()} data-field={path.to_owned()} checked={checked} onchange={on} />
            }
        }
        Kind::Choice(options) => {
            let opts = options.clone();
            let on = set.reform(move |e: Event| {
                let i: Option<usize> = field_value(&e).parse().ok();
                i.and_then(|i| opts.get(i)).map(|(v, _)| v.clone())
            });
            html! {
                <select name={path.to_owned()} data-field={path.to_owned()} onchange={on}>
                    if !f.required || value.is_none() {
                        <option value="" selected={value.is_none()}>{"—"}</option>
                    }
                    { for options.iter().enumerate().map(|(i, (v, label))| html! {
                        <option value={i.to_string()} selected={value == Some(v)}>{label.clone()}</option>
                    }) }
                </select>
            }
        }
        Kind::Multi(options) => {
            let chosen: Vec<Value> = value.and_then(Value::as_array).cloned().unwrap_or_default();
            html! {
                <div class="sf-multi">
                    { for options.iter().map(|(v, label)| {
                        let on = chosen.contains(v);
                        let (chosen, v2) = (chosen.clone(), v.clone());
                        let toggle = set.reform(move |_: Event| {
                            let mut next: Vec<Value> = chosen.iter().filter(|c| **c != v2).cloned().collect();
                            if !on {
                                next.push(v2.clone());
                            }
                            (!next.is_empty()).then_some(Value::Array(next))
                        });
                        html! {
                            <label class="sf-option">
                                <input type="checkbox" data-field={path.to_owned()} value={label_value(v)} checked={on} onchange={toggle} />
                                {label.clone()}
                            </label>
                        }
                    }) }
                </div>
            }
        }
        Kind::List { item } => {
            let items: Vec<Value> = value.and_then(Value::as_array).cloned().unwrap_or_default();
            let numeric = match **item {
                Kind::Number { integer } => Some(integer),
                _ => None,
            };
            let add = {
                let (items, set) = (items.clone(), set.clone());
                Callback::from(move |_: MouseEvent| {
                    let mut next = items.clone();
                    next.push(Value::String(String::new()));
                    set.emit(Some(Value::Array(next)));
                })
            };
            html! {
                <div class="sf-list">
                    <div class="sf-list-items">
                    { for items.iter().enumerate().map(|(i, v)| {
                        let item_path = format!("{path}.{i}");
                        let set_item = ctx.setter(&item_path);
                        let on = set_item.reform(move |e: Event| {
                            let t = field_value(&e);
                            Some(match numeric {
                                Some(integer) => number_from_text(&t, integer).unwrap_or(Value::String(t)),
                                None => Value::String(t),
                            })
                        });
                        let remove = ctx.setter(&item_path).reform(|_: MouseEvent| None);
                        html! {
                            <div class="sf-list-item">
                                <input type="text" data-field={item_path.clone()} value={text_of(Some(v))}
                                    oninput={on.reform(Event::from)} onchange={on} />
                                <button type="button" class="btn ghost small" title="Remove" onclick={remove}>{"×"}</button>
                            </div>
                        }
                    }) }
                    </div>
                    <button type="button" class="btn ghost small sf-add" onclick={add}>{"+ Add"}</button>
                </div>
            }
        }
        Kind::Object(_) => html! {},
        Kind::Json => {
            let on = set.reform(|e: Event| {
                let t = field_value(&e);
                if t.trim().is_empty() {
                    None
                } else {
                    Some(serde_json::from_str(&t).unwrap_or(Value::String(t)))
                }
            });
            let text = value.map(|v| serde_json::to_string(v).unwrap_or_default()).unwrap_or_default();
            html! {
                <textarea class="mono" rows="2" data-field={path.to_owned()} name={path.to_owned()} placeholder="JSON"
                    value={text} oninput={on.reform(Event::from)} onchange={on} />
            }
        }
    }
}

fn label_value(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
}

fn bounds(schema: &Value) -> String {
    match (schema.get("minimum").and_then(Value::as_f64), schema.get("maximum").and_then(Value::as_f64)) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        (Some(a), None) => format!("≥ {a}"),
        (None, Some(b)) => format!("≤ {b}"),
        (None, None) => String::new(),
    }
}
