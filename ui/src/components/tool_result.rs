//! A `tools/call` result as the user reads it: a tool error told apart from a protocol error,
//! each content block drawn by its type (text, image, audio, resource link, embedded
//! resource), and `structuredContent` checked against the tool's `outputSchema`.

use serde_json::Value;
use yew::prelude::*;

use crate::json_form;

/// The result of `reply` (a whole JSON-RPC response) to a call of `tool` (its `tools/list`
/// entry, when known); nothing when the reply is not a tool result.
pub fn view(reply: &Value, tool: Option<&Value>) -> Option<Html> {
    let result = reply.get("result")?;
    let content = result.get("content")?.as_array()?;
    let is_error = result.get("isError").and_then(Value::as_bool).unwrap_or(false);
    let structured = result.get("structuredContent");
    let output_schema = tool.and_then(|t| t.get("outputSchema"));
    let schema_check = match (structured, output_schema) {
        (Some(s), Some(schema)) => {
            let problems = json_form::validate(schema, s);
            Some(if problems.is_empty() {
                html! { <div id="structured-check" class="ok small-text">{"✓ structuredContent matches the tool's outputSchema"}</div> }
            } else {
                html! {
                    <div id="structured-check" class="error small-text">
                        {"✗ structuredContent does not match the tool's outputSchema: "}
                        {problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>().join("; ")}
                    </div>
                }
            })
        }
        (None, Some(_)) if !is_error => Some(html! {
            <div id="structured-check" class="warn small-text">{"The tool declares an outputSchema but sent no structuredContent"}</div>
        }),
        _ => None,
    };
    Some(html! {
        <div id="tool-result" class={classes!("tool-result", is_error.then_some("is-error"))}>
            if is_error {
                <div id="tool-error" class="tool-error-banner">
                    <span class="strong">{"Tool error"}</span>
                    {" (isError: true): the tool ran and reported a failure. The call itself worked; this is not a JSON-RPC error."}
                </div>
            }
            { for content.iter().enumerate().map(|(i, b)| block(i, b)) }
            { for schema_check }
        </div>
    })
}

fn block(i: usize, b: &Value) -> Html {
    let kind = b.get("type").and_then(Value::as_str).unwrap_or("?");
    let s = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let body = match kind {
        "text" => html! { <pre class="tr-text">{s("text")}</pre> },
        "image" => {
            let mime = s("mimeType");
            // Only images go into <img>; a data: URL cannot reach the network.
            if mime.starts_with("image/") && !mime.contains('"') {
                html! { <img class="tr-image" alt="image content" src={format!("data:{mime};base64,{}", s("data"))} /> }
            } else {
                html! { <span class="warn">{format!("an image with MIME type {mime:?}: not shown")}</span> }
            }
        }
        "audio" => {
            let mime = s("mimeType");
            if mime.starts_with("audio/") && !mime.contains('"') {
                html! { <audio class="tr-audio" controls=true src={format!("data:{mime};base64,{}", s("data"))} /> }
            } else {
                html! { <span class="warn">{format!("audio with MIME type {mime:?}: not played")}</span> }
            }
        }
        "resource_link" => html! {
            <span class="tr-link">
                <code title="Not opened: read it with resources/read">{s("uri")}</code>
                { for b.get("name").and_then(Value::as_str).map(|n| html! { <span class="muted">{format!(" {n}")}</span> }) }
            </span>
        },
        "resource" => {
            let r = b.get("resource").cloned().unwrap_or(Value::Null);
            let uri = r.get("uri").and_then(Value::as_str).unwrap_or("").to_owned();
            match r.get("text").and_then(Value::as_str) {
                Some(t) => html! { <><code>{uri}</code><pre class="tr-text">{t.to_owned()}</pre></> },
                None => {
                    let len = r.get("blob").and_then(Value::as_str).map_or(0, str::len);
                    html! { <span><code>{uri}</code><span class="muted">{format!(" blob, {len} base64 characters")}</span></span> }
                }
            }
        }
        other => html! { <span class="warn">{format!("a content block of unknown type {other:?}")}</span> },
    };
    html! {
        <div class="tr-block" data-type={kind.to_owned()}>
            <span class="tr-kind">{format!("{} {kind}", i + 1)}</span>
            <div class="tr-body">{body}</div>
        </div>
    }
}
