//! Syntax-coloured JSON text.

use yew::prelude::*;

use crate::json_tokens::{Tok, tokens};

/// Past this size the text is shown plain: colouring it would cost more than it helps.
const MAX_COLOURED: usize = 256 * 1024;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub text: AttrValue,
    #[prop_or_default]
    pub id: Option<AttrValue>,
    #[prop_or_default]
    pub class: Classes,
}

#[component]
pub fn JsonView(props: &Props) -> Html {
    let body: Html = if props.text.len() > MAX_COLOURED {
        html! { {props.text.clone()} }
    } else {
        tokens(&props.text)
            .into_iter()
            .map(|(tok, s)| match tok {
                Tok::Punct => html! { {s} },
                _ => html! { <span class={tok.class()}>{s}</span> },
            })
            .collect()
    };
    html! { <pre id={props.id.clone()} class={classes!("code", "json", props.class.clone())}>{body}</pre> }
}
