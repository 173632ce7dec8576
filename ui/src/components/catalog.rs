//! The send panel's Resources and Prompts tabs: what the server offers, listed on demand,
//! with forms for template variables and prompt arguments, completions from the server
//! (`completion/complete`), and the requests themselves run by the panel (so their replies
//! land in "Last response" like every other).

use std::rc::Rc;

use serde_json::{Value, json};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::field_value;
use crate::components::suggest::{Suggest, Suggestion};
use crate::ipc;

/// Runs `method` with `params` through the send panel.
pub type Run = Callback<(String, Option<Value>)>;

/// A list fetched from the server: not yet, the items, or the server's error.
type Listed = Option<Result<Rc<Vec<Value>>, String>>;

/// `{name}` variables of an RFC 6570 URI template (operators like `{+path}` or `{?q}` kept out
/// of the name).
pub fn template_vars(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else { break };
        let inner = rest[start + 1..start + end].trim_start_matches(['+', '#', '.', '/', ';', '?', '&']);
        for name in inner.split(',') {
            let name = name.trim_end_matches('*');
            if !name.is_empty() && !out.iter().any(|n| n == name) {
                out.push(name.to_owned());
            }
        }
        rest = &rest[start + end + 1..];
    }
    out
}

/// The template with each `{var}` replaced by its value, percent-encoded (reserved
/// characters too, as RFC 6570 simple expansion does); `{+var}` keeps reserved characters.
pub fn expand(template: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else { break };
        out.push_str(&rest[..start]);
        let inner = &rest[start + 1..start + end];
        let reserved = inner.starts_with('+');
        let name = inner.trim_start_matches(['+', '#', '.', '/', ';', '?', '&']).trim_end_matches('*');
        out.push_str(&encode(&value(name), reserved));
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

fn encode(s: &str, keep_reserved: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        let unreserved = b.is_ascii_alphanumeric() || b"-._~".contains(&b);
        let reserved = b":/?#[]@!$&'()*+,;=".contains(&b);
        if unreserved || (keep_reserved && reserved) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Lists `method`'s `key` array from the server.
fn fetch(method: &'static str, key: &'static str, into: UseStateHandle<Listed>) {
    spawn_local(async move {
        let got = match ipc::request(method, None).await {
            Ok(reply) => match reply.get("error") {
                Some(e) => Err(e.get("message").and_then(Value::as_str).unwrap_or("error").to_owned()),
                None => Ok(Rc::new(
                    reply
                        .pointer(&format!("/result/{key}"))
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                )),
            },
            Err(e) => Err(e.message),
        };
        into.set(Some(got));
    });
}

/// The server's completions, and the argument (or template variable) they complete.
type Completions = (String, Rc<Vec<Suggestion>>);

/// Asks the server to complete `argument`'s `value` for `reference`, with the other values
/// given so far as context (so one argument can narrow the next); sets the suggestions.
fn complete(
    reference: Value,
    argument: &str,
    value: &str,
    others: &std::collections::BTreeMap<String, String>,
    into: UseStateHandle<Completions>,
) {
    let mut params = json!({"ref": reference, "argument": {"name": argument, "value": value}});
    let context: serde_json::Map<String, Value> = others
        .iter()
        .filter(|(k, v)| k.as_str() != argument && !v.is_empty())
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    if !context.is_empty() {
        params["context"] = json!({"arguments": context});
    }
    let argument = argument.to_owned();
    spawn_local(async move {
        if let Ok(reply) = ipc::request("completion/complete", Some(params)).await {
            let values = reply
                .pointer("/result/completion/values")
                .and_then(Value::as_array)
                .map(|v| v.iter().filter_map(Value::as_str).map(Suggestion::new).collect())
                .unwrap_or_default();
            into.set((argument, Rc::new(values)));
        }
    });
}

fn name_of(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub run: Run,
    /// The server offers `completion/complete` (its `completions` capability).
    #[prop_or_default]
    pub completions: bool,
}

#[component]
pub fn Resources(props: &Props) -> Html {
    let resources = use_state(|| Listed::None);
    let templates = use_state(|| Listed::None);
    let uri = use_state(String::new);
    let template = use_state(|| None::<String>);
    let vars = use_state(std::collections::BTreeMap::<String, String>::new);
    let suggestions = use_state(Completions::default);
    let refresh = {
        let (resources, templates) = (resources.clone(), templates.clone());
        Callback::from(move |_: MouseEvent| {
            fetch("resources/list", "resources", resources.clone());
            fetch("resources/templates/list", "resourceTemplates", templates.clone());
        })
    };
    {
        let (resources, templates) = (resources.clone(), templates.clone());
        use_effect_with((), move |_| {
            fetch("resources/list", "resources", resources);
            fetch("resources/templates/list", "resourceTemplates", templates);
        });
    }
    let on_uri = {
        let (uri, template) = (uri.clone(), template.clone());
        Callback::from(move |value: String| {
            uri.set(value);
            template.set(None);
        })
    };
    let pick_template = {
        let (template, vars, uri) = (template.clone(), vars.clone(), uri.clone());
        Callback::from(move |e: Event| {
            let t = field_value(&e);
            vars.set(Default::default());
            if t.is_empty() {
                template.set(None);
            } else {
                uri.set(expand(&t, |_| String::new()));
                template.set(Some(t));
            }
        })
    };
    let request = |method: &'static str| {
        let (run, uri) = (props.run.clone(), uri.clone());
        Callback::from(move |_: MouseEvent| run.emit((method.to_owned(), Some(json!({"uri": *uri})))))
    };
    let list = match &*resources {
        Some(Ok(r)) => r.clone(),
        _ => Rc::new(Vec::new()),
    };
    let tpl_list = match &*templates {
        Some(Ok(t)) => t.clone(),
        _ => Rc::new(Vec::new()),
    };
    let count = format!("{} + {} templates ⟳", list.len(), tpl_list.len());
    let uri_options: Rc<Vec<Suggestion>> = Rc::new(
        list.iter()
            .map(|r| Suggestion {
                value: name_of(r, "uri"),
                label: Some(name_of(r, "name")).filter(|n| !n.is_empty()),
            })
            .collect(),
    );
    let completions = props.completions;
    let var_rows = template.as_ref().map(|t| {
        let names = template_vars(t);
        html! {
            <div class="schema-form">
                { for names.into_iter().map(|name| {
                    let on = {
                        let (vars, uri, t, name, suggestions) = (vars.clone(), uri.clone(), t.clone(), name.clone(), suggestions.clone());
                        Callback::from(move |value: String| {
                            let mut next = (*vars).clone();
                            next.insert(name.clone(), value.clone());
                            uri.set(expand(&t, |n| next.get(n).cloned().unwrap_or_default()));
                            if completions {
                                complete(json!({"type": "ref/resource", "uri": t}), &name, &value, &next, suggestions.clone());
                            }
                            vars.set(next);
                        })
                    };
                    let value = vars.get(&name).cloned().unwrap_or_default();
                    let options = completions_of(&suggestions, &name);
                    field_row(Field { label: &name, required: false, help: None, var: true, options, value, on })
                }) }
            </div>
        }
    });
    html! {
        <div class="catalog">
            <div class="name-row">
                <span class="spacer" />
                <button id="resources-refresh" class="btn ghost small" type="button" onclick={refresh}
                    title="resources/list and resources/templates/list again">{count}</button>
            </div>
            <Suggest id="resource-uri" class="mono" placeholder="resource URI" aria_label="Resource URI"
                value={(*uri).clone()} options={uri_options} on_value={on_uri} />
            <select id="resource-template" onchange={pick_template} aria-label="Resource template">
                <option value="" selected={template.is_none()}>{"— or fill in a template —"}</option>
                { for tpl_list.iter().map(|t| {
                    let ut = name_of(t, "uriTemplate");
                    html! { <option value={ut.clone()} selected={template.as_deref() == Some(ut.as_str())}>{format!("{} · {ut}", name_of(t, "name"))}</option> }
                }) }
            </select>
            <div class="catalog-form">{ for var_rows }</div>
            <div class="sr-actions">
                <button id="resource-subscribe" class="btn small" type="button" onclick={request("resources/subscribe")}
                    title="Updates arrive as notifications/resources/updated in the timeline">{"Subscribe"}</button>
                <button id="resource-unsubscribe" class="btn small ghost" type="button" onclick={request("resources/unsubscribe")}>{"Unsubscribe"}</button>
                <span class="spacer" />
                <button id="resource-read" class="btn primary small" type="button" onclick={request("resources/read")}>{"Read"}</button>
            </div>
            { for errors(&[&*resources, &*templates]) }
        </div>
    }
}

#[component]
pub fn Prompts(props: &Props) -> Html {
    let prompts = use_state(|| Listed::None);
    let name = use_state(String::new);
    let args = use_state(std::collections::BTreeMap::<String, String>::new);
    let suggestions = use_state(Completions::default);
    {
        let prompts = prompts.clone();
        use_effect_with((), move |_| fetch("prompts/list", "prompts", prompts));
    }
    let refresh = {
        let prompts = prompts.clone();
        Callback::from(move |_: MouseEvent| fetch("prompts/list", "prompts", prompts.clone()))
    };
    let list = match &*prompts {
        Some(Ok(p)) => p.clone(),
        _ => Rc::new(Vec::new()),
    };
    let prompt = list.iter().find(|p| name_of(p, "name") == *name).cloned();
    let on_name = {
        let (name, args) = (name.clone(), args.clone());
        Callback::from(move |value: String| {
            name.set(value);
            args.set(Default::default());
        })
    };
    let name_options: Rc<Vec<Suggestion>> =
        Rc::new(list.iter().map(|p| Suggestion::new(name_of(p, "name"))).collect());
    let get = {
        let (run, name, args) = (props.run.clone(), name.clone(), args.clone());
        Callback::from(move |_: MouseEvent| {
            let arguments: serde_json::Map<String, Value> = args
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            run.emit(("prompts/get".to_owned(), Some(json!({"name": *name, "arguments": arguments}))));
        })
    };
    let completions = props.completions;
    let form = prompt.map(|p| {
        let arguments = p.get("arguments").and_then(Value::as_array).cloned().unwrap_or_default();
        if arguments.is_empty() {
            return html! { <div class="muted small-text">{"No arguments."}</div> };
        }
        html! {
            <div class="schema-form">
                { for arguments.iter().map(|a| {
                    let arg = name_of(a, "name");
                    let required = a.get("required").and_then(Value::as_bool).unwrap_or(false);
                    let on = {
                        let (args, arg, suggestions, prompt_name) = (args.clone(), arg.clone(), suggestions.clone(), (*name).clone());
                        Callback::from(move |value: String| {
                            let mut next = (*args).clone();
                            next.insert(arg.clone(), value.clone());
                            if completions {
                                complete(json!({"type": "ref/prompt", "name": prompt_name}), &arg, &value, &next, suggestions.clone());
                            }
                            args.set(next);
                        })
                    };
                    let help = a.get("description").and_then(Value::as_str).map(str::to_owned);
                    let value = args.get(&arg).cloned().unwrap_or_default();
                    let options = completions_of(&suggestions, &arg);
                    field_row(Field { label: &arg, required, help, var: false, options, value, on })
                }) }
            </div>
        }
    });
    html! {
        <div class="catalog">
            <div class="name-row">
                <span class="spacer" />
                <button id="prompts-refresh" class="btn ghost small" type="button" onclick={refresh}
                    title="prompts/list again">{format!("{} prompts ⟳", list.len())}</button>
            </div>
            <Suggest id="prompt-name" class="mono" placeholder="prompt name" aria_label="Prompt name"
                value={(*name).clone()} options={name_options} on_value={on_name} />
            <div class="catalog-form">{ for form }</div>
            <div class="sr-actions">
                <span class="spacer" />
                <button id="prompt-get" class="btn primary small" type="button" onclick={get}>{"Get prompt"}</button>
            </div>
            { for errors(&[&*prompts]) }
        </div>
    }
}

/// One text field of a template variable (`data-var`) or a prompt argument (`data-arg`),
/// offering the server's completions of it.
struct Field<'a> {
    label: &'a str,
    required: bool,
    help: Option<String>,
    var: bool,
    options: Rc<Vec<Suggestion>>,
    value: String,
    on: Callback<String>,
}

/// The completions the server last gave, if they are of `argument`.
fn completions_of(got: &Completions, argument: &str) -> Rc<Vec<Suggestion>> {
    if got.0 == argument { got.1.clone() } else { Rc::default() }
}

fn field_row(f: Field<'_>) -> Html {
    let name = f.label.to_owned();
    let (var, arg) = if f.var { (Some(name.clone()), None) } else { (None, Some(name.clone())) };
    html! {
        <div class="sf-row">
            <label class="sf-label" title={f.help}>
                <span class="sf-title">{name}</span>
                if f.required { <span class="sf-required">{"*"}</span> }
            </label>
            <div class="sf-input">
                <Suggest data_var={var} data_arg={arg} value={f.value} options={f.options} filter={false}
                    on_value={f.on} />
            </div>
        </div>
    }
}

fn errors(lists: &[&Listed]) -> Option<Html> {
    let msgs: Vec<String> =
        lists.iter().filter_map(|l| l.as_ref().and_then(|r| r.as_ref().err().cloned())).collect();
    (!msgs.is_empty()).then(
        || html! { <div class="muted small-text">{format!("The server said: {}", msgs.join("; "))}</div> },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_templates_name_and_fill_their_variables() {
        assert_eq!(template_vars("demo://items/{id}"), vec!["id"]);
        assert_eq!(template_vars("file:///{+path}{?q,page}"), vec!["path", "q", "page"]);
        assert_eq!(expand("demo://items/{id}", |_| "a b/c".into()), "demo://items/a%20b%2Fc");
        assert_eq!(expand("file:///{+path}", |_| "etc/hosts".into()), "file:///etc/hosts");
    }
}
