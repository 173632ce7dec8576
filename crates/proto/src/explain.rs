//! JSON-RPC error codes and HTTP statuses explained in MCP terms: what the code is called,
//! what it means here, and what to try next. Shared by the engine (flag messages), the CLI
//! (error output) and the UI (detail pane), so all three say the same thing.

/// A code or status, explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The code's name, e.g. `Method not found`.
    pub name: &'static str,
    /// What it means for an MCP client and what to try.
    pub meaning: &'static str,
}

const fn ex(name: &'static str, meaning: &'static str) -> Explanation {
    Explanation { name, meaning }
}

/// Explains a JSON-RPC error code as MCP uses it.
pub fn rpc_error(code: i64) -> Explanation {
    match code {
        -32700 => ex(
            "Parse error",
            "The server could not parse the message as JSON. Check the request body (the Raw tab shows it byte for byte).",
        ),
        -32600 => ex(
            "Invalid request",
            "The message is JSON but not a valid JSON-RPC request (missing \"jsonrpc\":\"2.0\", a bad id, or a batch where none is allowed). With tasks (2025-11-25) it can also mean the server requires task augmentation.",
        ),
        -32601 => ex(
            "Method not found",
            "The server does not implement this method, or it belongs to a capability the server did not declare in initialize (e.g. prompts/list without \"prompts\"). Check the capabilities the server announced.",
        ),
        -32602 => ex(
            "Invalid params",
            "The method exists but the params are wrong: an unknown tool or prompt, a missing argument, a bad cursor or log level, or an unsupported protocol version. From 2026-07-28 also: resource not found.",
        ),
        -32603 => ex(
            "Internal error",
            "The server failed while handling the request. The message and data may say why; the server's own logs will.",
        ),
        -32002 => ex(
            "Resource not found",
            "resources/read named a URI the server does not have (2024-11-05 to 2025-11-25; 2026-07-28 uses -32602). List resources and templates to see what exists.",
        ),
        -32042 => ex(
            "URL elicitation required",
            "The request needs the user to complete a URL-mode elicitation first (2025-11-25): data.elicitations lists the URLs. Open them, then retry the request.",
        ),
        -32020 => ex(
            "Header mismatch",
            "The HTTP headers are missing or disagree with the body (2026-07-28: MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*). Re-fetch tools/list and retry with matching headers.",
        ),
        -32021 => ex(
            "Missing required client capability",
            "The server needs a client capability the request did not declare (2026-07-28): data.requiredCapabilities names it.",
        ),
        -32022 => ex(
            "Unsupported protocol version",
            "The server does not speak the requested version (2026-07-28): data.supported lists what it does. Pin one of those, or let negotiation decide.",
        ),
        c if (-32019..=-32000).contains(&c) => ex(
            "Implementation-defined server error",
            "A code from the JSON-RPC range left to implementations (e.g. the TypeScript SDK's -32000 for a missing or invalid session). The message says what the server meant.",
        ),
        -32099..=-32023 => ex(
            "Reserved MCP error",
            "A code from the range MCP reserves for the specification, not one mcpscope knows. Check the server's protocol version and the message.",
        ),
        -1 => ex("Rejected by the user", "The spec's example code for a user declining a sampling request."),
        _ => ex(
            "Application error",
            "A code outside the JSON-RPC ranges: the server's own. The message says what it means.",
        ),
    }
}

/// The standard reason phrase of an HTTP status (`404` → `Not Found`); empty when unknown.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// Explains an HTTP status in MCP terms (Streamable HTTP and the legacy transport).
pub fn http_status(status: u16) -> Explanation {
    match status {
        200 => ex("OK", "A JSON-RPC response (application/json) or an SSE stream (text/event-stream)."),
        202 => ex("Accepted", "A notification or response was accepted; there is no body."),
        204 => ex("No Content", "Accepted, without a body."),
        301 | 302 | 303 | 307 | 308 => ex(
            "Redirect",
            "mcpscope does not follow redirects silently: point the URL at the Location the server gave, if you trust it.",
        ),
        400 => ex(
            "Bad Request",
            "Malformed message, a missing or unknown session id, or an invalid MCP-Protocol-Version header. On initialize it can also mean a legacy HTTP+SSE server (try transport: sse).",
        ),
        401 => ex(
            "Unauthorized",
            "The server wants a token: WWW-Authenticate names the resource metadata. Add an Authorization: Bearer header, or run the OAuth flow.",
        ),
        403 => ex(
            "Forbidden",
            "The token lacks a scope (WWW-Authenticate error=\"insufficient_scope\"), or the server rejected the Origin header.",
        ),
        404 => ex(
            "Not Found",
            "Wrong path, or the session id has expired: re-initialize. On initialize it can also mean a legacy HTTP+SSE server.",
        ),
        405 => ex(
            "Method Not Allowed",
            "On GET: the server offers no standalone stream (normal). On DELETE: the client may not end the session. On initialize POST: perhaps a legacy HTTP+SSE server.",
        ),
        406 => {
            ex("Not Acceptable", "The Accept header must list both application/json and text/event-stream.")
        }
        415 => ex("Unsupported Media Type", "The body must be sent as Content-Type: application/json."),
        429 => ex(
            "Too Many Requests",
            "The server is rate limiting: wait (Retry-After says how long) and retry.",
        ),
        500 => ex("Internal Server Error", "The server failed: its logs say why."),
        502..=504 => ex("Gateway error", "A proxy in front of the server could not reach it, or timed out."),
        other => match other / 100 {
            4 => ex("Client error", "The server refused the request; the body may say why."),
            5 => ex("Server error", "The server failed; the body may say why."),
            _ => ex("Unexpected status", "Not a status MCP assigns a meaning to."),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_codes_mcp_uses() {
        assert_eq!(rpc_error(-32601).name, "Method not found");
        assert_eq!(rpc_error(-32002).name, "Resource not found");
        assert_eq!(rpc_error(-32042).name, "URL elicitation required");
        assert_eq!(rpc_error(-32022).name, "Unsupported protocol version");
        assert_eq!(rpc_error(-32000).name, "Implementation-defined server error");
        assert_eq!(rpc_error(-32050).name, "Reserved MCP error");
        assert_eq!(rpc_error(42).name, "Application error");
    }

    #[test]
    fn reads_statuses_in_mcp_terms() {
        assert!(http_status(405).meaning.contains("standalone stream"));
        assert!(http_status(404).meaning.contains("re-initialize"));
        assert!(http_status(406).meaning.contains("text/event-stream"));
        assert_eq!(http_status(418).name, "Client error");
        assert_eq!(http_status(503).name, "Gateway error");
        assert_eq!(reason_phrase(502), "Bad Gateway");
        assert_eq!(reason_phrase(299), "");
    }
}
