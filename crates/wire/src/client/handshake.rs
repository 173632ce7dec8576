//! The handshake: `initialize` for the dated versions (with the fallbacks a server's answer
//! calls for), `server/discover` for the stateless revision, and how the version was settled.

use super::*;

pub(super) async fn handshake(inner: &Arc<Inner>) -> Result<ConnectionInfo> {
    let offered = inner.opts.offered_version().to_owned();
    if is_stateless(&offered) {
        return stateless_handshake(inner, offered, None).await;
    }
    match inner.opts.transport {
        TransportChoice::Sse => {
            open_legacy(inner).await?;
            initialize(inner, &offered).await
        }
        TransportChoice::Streamable => {
            set_streamable(inner);
            initialize(inner, &offered).await
        }
        TransportChoice::Auto => {
            set_streamable(inner);
            match initialize(inner, &offered).await {
                Err(WireError::Http { status: status @ (400 | 404 | 405), .. }) => {
                    inner.capture.note(format!(
                        "POST initialize answered HTTP {status}: trying the legacy HTTP+SSE transport (GET, expecting an endpoint event)"
                    ));
                    reset_link(inner);
                    open_legacy(inner).await.map_err(|e| {
                        WireError::NotMcp(format!(
                            "POST initialize answered HTTP {status} and the legacy GET failed too: {e}"
                        ))
                    })?;
                    initialize(inner, &offered).await
                }
                other => other,
            }
        }
    }
}

pub(super) fn set_streamable(inner: &Inner) {
    let mut link = lock(&inner.link);
    link.transport = Some(TransportKind::Streamable);
    link.post_url = Some(inner.url.clone());
}

pub(super) fn reset_link(inner: &Inner) {
    *lock(&inner.link) = LinkState::default();
}

/// The JSON-RPC error codes only a server of the stateless era sends in answer to
/// `initialize` (method not found, header mismatch, missing capability, unsupported version).
pub(super) fn refuses_initialize_as_stateless(code: i64) -> bool {
    matches!(code, -32601 | -32020 | -32021 | UNSUPPORTED_VERSION)
}

/// A JSON-RPC error object's code, message and `data.supported` (the versions a server of
/// 2025-06-18 and later names when it refuses one).
pub(super) fn error_parts(err: &Value) -> (i64, &str, Option<&Value>) {
    (
        err.get("code").and_then(Value::as_i64).unwrap_or(0),
        err.get("message").and_then(Value::as_str).unwrap_or(""),
        err.pointer("/data/supported"),
    )
}

/// The newest version in `supported` that mcpscope speaks and `accept` allows.
pub(super) fn best_supported(supported: Option<&Value>, accept: impl Fn(&str) -> bool) -> Option<String> {
    supported?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .filter(|v| PROTOCOL_VERSIONS.contains(v) && accept(v))
        .max()
        .map(str::to_owned)
}

pub(super) async fn initialize(inner: &Arc<Inner>, offered: &str) -> Result<ConnectionInfo> {
    let params = json!({
        "protocolVersion": offered,
        "capabilities": inner.opts.capabilities,
        "clientInfo": {"name": inner.opts.client_name, "version": inner.opts.client_version},
    });
    let response = request(inner, "initialize", Some(params)).await?;
    if let Some(err) = response.get("error") {
        let (code, message, supported) = error_parts(err);
        let described = format!(
            "{code} {message}{}",
            supported.map(|s| format!(" (server supports {s})")).unwrap_or_default()
        );
        // A stateful server that does not speak `offered` names the versions it does.
        if let Some(v) = best_supported(supported, |v| !is_stateless(v) && v < offered)
            && !is_pinned(inner)
        {
            let why = format!("initialize offering {offered} was refused ({described}); offering {v}");
            inner.capture.note(why.clone());
            return Box::pin(initialize(inner, &v)).await.map(|info| with_negotiation(info, why));
        }
        if refuses_initialize_as_stateless(code) && !is_pinned(inner) {
            let why = format!(
                "initialize was refused with {described}: the server speaks the stateless protocol, so mcpscope switched to {STATELESS_VERSION} (server/discover, _meta on every request)"
            );
            inner.capture.note(why.clone());
            let version =
                best_supported(supported, is_stateless).unwrap_or_else(|| STATELESS_VERSION.to_owned());
            return stateless_handshake(inner, version, Some(why)).await;
        }
        let hint = if refuses_initialize_as_stateless(code) {
            format!("; the server may speak only {STATELESS_VERSION}: pin it, or let mcpscope negotiate")
        } else {
            String::new()
        };
        return Err(WireError::Initialize(format!("{described}{hint}")));
    }
    let result = response.get("result").cloned().unwrap_or(Value::Null);
    let negotiated = result
        .get("protocolVersion")
        .and_then(Value::as_str)
        .ok_or_else(|| WireError::Initialize("the result has no protocolVersion".to_owned()))?
        .to_owned();
    if is_stateless(&negotiated) {
        // The server answered initialize with the stateless revision (or a newer one): there is
        // no session to initialize; carry on as its clients do.
        let why = format!(
            "offered {offered} in initialize; the server answered {negotiated}, the stateless protocol: no notifications/initialized, server/discover and _meta on every request from now on"
        );
        inner.capture.note(why.clone());
        lock(&inner.link).session_id = None;
        let version = if PROTOCOL_VERSIONS.contains(&negotiated.as_str()) {
            negotiated
        } else {
            STATELESS_VERSION.to_owned()
        };
        return stateless_handshake(inner, version, Some(why)).await;
    }
    if !PROTOCOL_VERSIONS.contains(&negotiated.as_str()) {
        inner.capture.note(format!(
            "server chose protocol version {negotiated}, which mcpscope does not speak: disconnecting"
        ));
        close_quietly(inner).await;
        return Err(WireError::UnsupportedVersion(negotiated));
    }
    lock(&inner.link).protocol_version = Some(negotiated.clone());
    let transport = lock(&inner.link).transport.unwrap_or(TransportKind::Streamable);
    let session_id = lock(&inner.link).session_id.clone();
    inner.capture.note(format!(
        "initialized: protocol {negotiated}{} over {}{}",
        if negotiated == offered { String::new() } else { format!(" (offered {offered})") },
        match transport {
            TransportKind::Streamable => "Streamable HTTP",
            TransportKind::Sse => "legacy HTTP+SSE",
        },
        if session_id.is_some() { ", with a session id" } else { ", without a session" }
    ));
    post_message(inner, &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}), None).await?;
    if transport == TransportKind::Streamable && inner.opts.open_get_stream {
        // Wait for the GET's answer (a stream, or 405) before the caller sends anything, so
        // the server knows where to put messages unrelated to a request from the start.
        let (ready_tx, ready_rx) = oneshot::channel();
        tokio::spawn(get_stream_loop(inner.clone(), Some(ready_tx)));
        let _ = tokio::time::timeout(GET_OPEN_WAIT, ready_rx).await;
    }
    let negotiation = (negotiated != offered)
        .then(|| format!("offered {offered}; the server chose {negotiated}, which mcpscope speaks"));
    Ok(ConnectionInfo {
        url: inner.url.to_string(),
        transport,
        protocol_version: negotiated,
        session_id,
        server_info: result.get("serverInfo").cloned().unwrap_or(Value::Null),
        capabilities: result.get("capabilities").cloned().unwrap_or(Value::Null),
        instructions: result.get("instructions").and_then(Value::as_str).map(str::to_owned),
        negotiation,
    })
}

pub(super) fn is_pinned(inner: &Inner) -> bool {
    inner.opts.protocol_version.is_some()
}

pub(super) fn with_negotiation(mut info: ConnectionInfo, why: String) -> ConnectionInfo {
    info.negotiation = Some(match info.negotiation.take() {
        Some(more) => format!("{why}; {more}"),
        None => why,
    });
    info
}

/// The stateless lifecycle: no initialize, `server/discover` for the server's identity and
/// capabilities. A `-32022` naming versions is followed once: the same request again at a
/// stateless version the server lists (under a new id), or, when it lists only
/// handshake-era versions and the user pinned none, `initialize` at the newest of those.
pub(super) async fn stateless_handshake(
    inner: &Arc<Inner>,
    version: String,
    negotiation: Option<String>,
) -> Result<ConnectionInfo> {
    set_streamable(inner);
    lock(&inner.link).protocol_version = Some(version.clone());
    let mut version = version;
    let mut negotiation = negotiation;
    let mut retried = false;
    let result = loop {
        let response = request(inner, "server/discover", None).await?;
        let Some(err) = response.get("error") else {
            break response.get("result").cloned().unwrap_or(Value::Null);
        };
        let (code, message, supported) = error_parts(err);
        let message = if message.is_empty() { "error" } else { message };
        if code == UNSUPPORTED_VERSION && !retried {
            retried = true;
            if let Some(v) = best_supported(supported, is_stateless) {
                let why = format!(
                    "server/discover at {version} was refused ({code} {message}); the server lists {v}: sending it again under a new id"
                );
                inner.capture.note(why.clone());
                negotiation = Some(negotiation.map_or(why.clone(), |n| format!("{n}; {why}")));
                lock(&inner.link).protocol_version = Some(v.clone());
                version = v;
                continue;
            }
            if let Some(v) = best_supported(supported, |v| !is_stateless(v))
                && !is_pinned(inner)
            {
                let why = format!(
                    "the server does not speak {version} ({code} {message}); it lists {}: initializing with {v}",
                    supported.map(Value::to_string).unwrap_or_default()
                );
                inner.capture.note(why.clone());
                lock(&inner.link).protocol_version = None;
                return Box::pin(initialize(inner, &v)).await.map(|info| with_negotiation(info, why));
            }
        }
        let listed = supported.map(|s| format!("; it supports {s}")).unwrap_or_default();
        return Err(WireError::Initialize(format!(
            "server/discover failed ({code} {message}){listed}: the server may not speak {version}; try negotiating instead of pinning it"
        )));
    };
    inner.capture.note(format!("stateless protocol {version}: no initialize, no session"));
    Ok(ConnectionInfo {
        url: inner.url.to_string(),
        transport: TransportKind::Streamable,
        protocol_version: version,
        session_id: None,
        server_info: result
            .get("serverInfo")
            .cloned()
            .or_else(|| result.pointer("/_meta/io.modelcontextprotocol~1serverInfo").cloned())
            .unwrap_or(Value::Null),
        capabilities: result.get("capabilities").cloned().unwrap_or(Value::Null),
        instructions: result.get("instructions").and_then(Value::as_str).map(str::to_owned),
        negotiation,
    })
}
