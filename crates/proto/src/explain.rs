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

/// Why a connect failed, as the connection doctor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFailure<'a> {
    /// The request never got an answer; `reason` is the transport's own words.
    Unreachable { reason: &'a str },
    /// The server answered this HTTP status.
    Status(u16),
    /// The server answered 2xx with something that is not MCP (HTML, plain text …).
    NotMcp,
    /// The handshake failed (an error answer to `initialize`, an unknown version …).
    Handshake,
}

/// The connection doctor: for a failed connect to `url`, what most likely went wrong and the
/// next thing to try, in one or two sentences.
pub fn doctor(failure: ConnectFailure<'_>, url: &str) -> String {
    let path = url.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..])).unwrap_or("/");
    let base = url.trim_end_matches('/');
    match failure {
        ConnectFailure::Unreachable { reason } => {
            let r = reason.to_ascii_lowercase();
            if r.contains("connection refused") {
                "Nothing listens at that host and port. Start the server, or check the port in the URL.".into()
            } else if r.contains("dns") || r.contains("failed to lookup") || r.contains("name or service not known") {
                "The host name does not resolve. Check its spelling, or use an IP address such as 127.0.0.1.".into()
            } else if r.contains("wrong version number") || r.contains("http request to an https server") {
                // OpenSSL read an HTTP answer where a TLS record belonged: the other side speaks
                // plain HTTP (whatever else the message says about certificates).
                let plain = url.strip_prefix("https://").map(|rest| format!("http://{rest}")).unwrap_or_default();
                format!("The server speaks plain HTTP, not TLS: use {plain}.")
            } else if r.contains("certificate") {
                "The server's TLS certificate is not trusted. Use a certificate your system trusts, or test over http:// on loopback.".into()
            } else if r.contains("tls") || r.contains("ssl") {
                if url.starts_with("https://") {
                    "TLS failed. The server may speak plain HTTP: try the same URL with http://.".into()
                } else {
                    "TLS failed. Check the scheme (http or https) and the port.".into()
                }
            } else if r.contains("timed out") || r.contains("timeout") {
                "The server did not answer in time. Check that it is up and that no firewall or proxy holds the request.".into()
            } else {
                "The server could not be reached. Check the URL, and that the server is up.".into()
            }
        }
        ConnectFailure::Status(401) => {
            "The server wants authorization. Turn on OAuth in the connection bar, or add an Authorization: Bearer … header.".into()
        }
        ConnectFailure::Status(403) => {
            "The server refuses this client or token. Check the token's scopes (the Auth view shows them) and the server's access rules.".into()
        }
        ConnectFailure::Status(404) if !path.ends_with("/mcp") && !path.ends_with("/sse") => format!(
            "Nothing MCP at {path}. Servers usually listen at /mcp (Streamable HTTP) or /sse (legacy HTTP+SSE): try {base}/mcp."
        ),
        ConnectFailure::Status(404) => {
            "The server has nothing at this path. Check the URL against the server's documentation.".into()
        }
        ConnectFailure::Status(405) => {
            "The endpoint does not accept this method. It may be a legacy HTTP+SSE endpoint (pick the legacy SSE transport) or a Streamable HTTP one (pick Streamable HTTP); Auto tries both.".into()
        }
        ConnectFailure::Status(406) => {
            "The server rejects the Accept header. MCP clients send application/json and text/event-stream; a proxy in between may have changed it.".into()
        }
        ConnectFailure::Status(415) => {
            "The server rejects the Content-Type. MCP requests are application/json; a proxy in between may have changed it.".into()
        }
        ConnectFailure::Status(400) => {
            "The server refused the initialize request. Pin an older protocol version, or read its answer in the timeline (it often says which field it disliked).".into()
        }
        ConnectFailure::Status(s) if (500..600).contains(&s) => {
            "The server failed while answering. Its own logs say why; the timeline has the response body.".into()
        }
        ConnectFailure::Status(s) => format!("The server answered HTTP {s}. The timeline has the full exchange."),
        ConnectFailure::NotMcp => {
            "The URL answers, but not with MCP: probably a web page or another API. Check the path (often /mcp or /sse).".into()
        }
        ConnectFailure::Handshake => {
            "The server answered but the handshake failed. Pin another protocol version, or read the initialize exchange in the timeline.".into()
        }
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

    #[test]
    fn the_doctor_says_what_to_try_next() {
        let d = |f, url| doctor(f, url);
        assert!(
            d(
                ConnectFailure::Unreachable {
                    reason: "tcp connect error: Connection refused (os error 111)"
                },
                "http://127.0.0.1:9/mcp"
            )
            .starts_with("Nothing listens")
        );
        assert!(
            d(
                ConnectFailure::Unreachable { reason: "dns error: failed to lookup address" },
                "http://nope.invalid/mcp"
            )
            .contains("does not resolve")
        );
        // The reason as it reaches the doctor, the wire's own hint included: it speaks of the
        // certificate, but the other side spoke plain HTTP, and the advice says only that.
        let plain = d(
            ConnectFailure::Unreachable {
                reason: "client error (Connect): error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:350: — the server answered in plain HTTP, not TLS",
            },
            "https://127.0.0.1:3000/mcp",
        );
        assert_eq!(plain, "The server speaks plain HTTP, not TLS: use http://127.0.0.1:3000/mcp.");
        assert!(
            d(
                ConnectFailure::Unreachable { reason: "invalid peer certificate: UnknownIssuer" },
                "https://h/mcp"
            )
            .contains("not trusted")
        );
        assert_eq!(
            d(ConnectFailure::Status(404), "http://127.0.0.1:3000/api/"),
            "Nothing MCP at /api/. Servers usually listen at /mcp (Streamable HTTP) or /sse (legacy HTTP+SSE): try http://127.0.0.1:3000/api/mcp."
        );
        assert!(d(ConnectFailure::Status(401), "http://h/mcp").contains("OAuth"));
        assert!(d(ConnectFailure::Status(406), "http://h/mcp").contains("Accept"));
        assert!(d(ConnectFailure::Status(405), "http://h/mcp").contains("legacy"));
        assert!(d(ConnectFailure::NotMcp, "http://h/").contains("web page"));
    }
}
