//! A text field with suggestions drawn in the page, instead of a `<datalist>`.
//!
//! WebKitGTK shows a datalist's suggestions in a native popup of the app's own process; the
//! window vanished (the process gone, no log line) while text was typed into the tool-name
//! field right after its datalist filled, and when the view switched under it (issue 12).
//! The same class of crash (a segfault in libwebkit2gtk-4.1 2.50 as a native popup opens or
//! its element goes away) is reported by other WebKitGTK apps. Drawing the list in the page
//! takes the native popup out of the path altogether, and keeps it under the keyboard:
//! ↓/↑ move, Enter picks, Escape closes.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// One suggestion: the value it fills in, and a label shown beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub value: String,
    pub label: Option<String>,
}

impl Suggestion {
    pub fn new(value: impl Into<String>) -> Suggestion {
        Suggestion { value: value.into(), label: None }
    }
}

/// At most this many suggestions are drawn.
const SHOWN: usize = 50;

#[derive(Properties, PartialEq)]
pub struct Props {
    #[prop_or_default]
    pub id: Option<AttrValue>,
    #[prop_or_default]
    pub class: Classes,
    pub value: AttrValue,
    pub options: Rc<Vec<Suggestion>>,
    /// Keep only the options containing what is typed (case aside); `false` when the
    /// options are already the server's completions of it.
    #[prop_or(true)]
    pub filter: bool,
    /// Every change of the text: typed, or a suggestion picked.
    pub on_value: Callback<String>,
    #[prop_or_default]
    pub onfocus: Option<Callback<FocusEvent>>,
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    #[prop_or_default]
    pub aria_label: Option<AttrValue>,
    /// `data-var` / `data-arg` of a template variable's or a prompt argument's field.
    #[prop_or_default]
    pub data_var: Option<AttrValue>,
    #[prop_or_default]
    pub data_arg: Option<AttrValue>,
}

/// The options to draw for `typed`.
pub fn matching<'a>(options: &'a [Suggestion], typed: &str, filter: bool) -> Vec<&'a Suggestion> {
    let needle = typed.to_lowercase();
    let shown: Vec<&Suggestion> =
        options.iter().filter(|s| !filter || s.value.to_lowercase().contains(&needle)).take(SHOWN).collect();
    // Nothing to suggest when the text already is the one match.
    match shown.as_slice() {
        [only] if only.value == typed => Vec::new(),
        _ => shown,
    }
}

#[component]
pub fn Suggest(props: &Props) -> Html {
    let open = use_state(|| false);
    let active = use_state(|| None::<usize>);
    let shown: Vec<Suggestion> =
        matching(&props.options, &props.value, props.filter).into_iter().cloned().collect();
    let visible = *open && !shown.is_empty();

    let pick = {
        let (on_value, open, active) = (props.on_value.clone(), open.clone(), active.clone());
        Callback::from(move |value: String| {
            on_value.emit(value);
            open.set(false);
            active.set(None);
        })
    };
    let oninput = {
        let (on_value, open, active) = (props.on_value.clone(), open.clone(), active.clone());
        Callback::from(move |e: InputEvent| {
            on_value.emit(e.target_unchecked_into::<HtmlInputElement>().value());
            open.set(true);
            active.set(None);
        })
    };
    // A value set without typing (a WebDriver clear, autofill) arrives as a change only.
    let onchange = {
        let on_value = props.on_value.clone();
        Callback::from(move |e: Event| on_value.emit(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let onfocus = {
        let (open, outer) = (open.clone(), props.onfocus.clone());
        Callback::from(move |e: FocusEvent| {
            open.set(true);
            if let Some(outer) = &outer {
                outer.emit(e);
            }
        })
    };
    let onblur = {
        let (open, active) = (open.clone(), active.clone());
        Callback::from(move |_: FocusEvent| {
            open.set(false);
            active.set(None);
        })
    };
    let onkeydown = {
        let (open, active, pick, shown) = (open.clone(), active.clone(), pick.clone(), shown.clone());
        Callback::from(move |e: KeyboardEvent| {
            let n = shown.len();
            match e.key().as_str() {
                "ArrowDown" if n > 0 => {
                    e.prevent_default();
                    open.set(true);
                    active.set(Some(active.map_or(0, |i| (i + 1).min(n - 1))));
                }
                "ArrowUp" if n > 0 && *open => {
                    e.prevent_default();
                    active.set(Some(active.map_or(n - 1, |i| i.saturating_sub(1))));
                }
                // Enter on a highlighted suggestion picks it; otherwise it is the form's.
                "Enter" if *open => {
                    if let Some(s) = active.and_then(|i| shown.get(i)) {
                        e.prevent_default();
                        pick.emit(s.value.clone());
                    }
                }
                "Escape" if *open && n > 0 => {
                    e.prevent_default();
                    e.stop_propagation();
                    open.set(false);
                    active.set(None);
                }
                _ => {}
            }
        })
    };
    let list_id = props.id.as_ref().map(|id| format!("{id}-suggestions"));

    html! {
        <div class="suggest">
            <input id={props.id.clone()} class={props.class.clone()} type="text" spellcheck="false"
                autocomplete="off" role="combobox" aria-autocomplete="list"
                aria-expanded={visible.to_string()} aria-controls={list_id.clone()}
                aria-label={props.aria_label.clone()} placeholder={props.placeholder.clone()}
                data-var={props.data_var.clone()} data-arg={props.data_arg.clone()}
                value={props.value.clone()} {oninput} {onchange} {onfocus} {onblur} {onkeydown} />
            if visible {
                <ul id={list_id} class="suggestions" role="listbox">
                    { for shown.iter().enumerate().map(|(i, s)| {
                        // On mousedown, before the field loses focus (which closes the list).
                        let onmousedown = {
                            let (pick, value) = (pick.clone(), s.value.clone());
                            Callback::from(move |e: MouseEvent| {
                                e.prevent_default();
                                pick.emit(value.clone());
                            })
                        };
                        html! {
                            <li role="option" data-value={s.value.clone()} aria-selected={(*active == Some(i)).to_string()}
                                class={classes!((*active == Some(i)).then_some("active"))} {onmousedown}>
                                <span class="mono">{ s.value.clone() }</span>
                                { for s.label.as_ref().filter(|l| **l != s.value).map(|l| html! { <span class="muted">{ l.clone() }</span> }) }
                            </li>
                        }
                    }) }
                </ul>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: Vec<&Suggestion>) -> Vec<&str> {
        v.into_iter().map(|s| s.value.as_str()).collect()
    }

    #[test]
    fn suggestions_contain_what_is_typed_and_vanish_once_it_is_the_one_match() {
        let options: Vec<Suggestion> = ["echo", "flood", "long_running", "Echo2"].map(Suggestion::new).into();
        assert_eq!(values(matching(&options, "", true)), ["echo", "flood", "long_running", "Echo2"]);
        assert_eq!(values(matching(&options, "ECH", true)), ["echo", "Echo2"]);
        assert_eq!(values(matching(&options, "flood", true)), Vec::<&str>::new());
        assert_eq!(values(matching(&options, "echo", true)), ["echo", "Echo2"], "still one of two");
        assert_eq!(values(matching(&options, "zzz", false)), ["echo", "flood", "long_running", "Echo2"]);
    }
}
