//! Streamable HTTP: a message POSTed, its answer read as JSON or as an SSE stream; the
//! standalone GET stream, reconnected with `Last-Event-ID`.

use crate::client::*;

/// Serializes and POSTs one message; `awaiting` is the id of our request whose response
/// may come back in this POST's body.
pub(in crate::client) async fn post_message(
    inner: &Arc<Inner>,
    msg: &Value,
    awaiting: Option<&str>,
) -> Result<()> {
    post_bytes(inner, Bytes::from(msg.to_string()), &routing(inner, msg), awaiting).await
}

/// The routing headers for `msg`: its method, its name or URI, and for a `tools/call` the
/// designated arguments of the tool as the last `tools/list` described it.
pub(in crate::client) fn routing(inner: &Inner, msg: &Value) -> Routing {
    let method = msg.get("method").and_then(Value::as_str).map(str::to_owned);
    let name = name_param(msg);
    let params = match (method.as_deref(), name.as_deref()) {
        (Some("tools/call"), Some(tool)) => match lock(&inner.link).tools.get(tool) {
            Some(Ok(designated)) => {
                headers::headers_for(designated, msg.pointer("/params/arguments").unwrap_or(&Value::Null))
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    Routing { method, name, params }
}

pub(in crate::client) fn build(
    inner: &Inner,
    method: Method,
    url: &Url,
    body: Option<Bytes>,
    routing: &Routing,
    credentials: &[(String, String)],
) -> Result<reqwest::Request> {
    let link = lock(&inner.link);
    let mut rb = inner.http.request(method.clone(), url.clone());
    let is_post = method == Method::POST;
    if is_post {
        rb = rb.header(CONTENT_TYPE, "application/json").header(ACCEPT, ACCEPT_BOTH);
    } else {
        rb = rb.header(ACCEPT, "text/event-stream");
    }
    if link.transport == Some(TransportKind::Streamable) {
        if let Some(sid) = &link.session_id {
            rb = rb.header(SESSION_HEADER, sid);
        }
        if let Some(v) = &link.protocol_version {
            if v.as_str() >= PROTOCOL_HEADER_SINCE {
                rb = rb.header("mcp-protocol-version", v);
            }
            if is_stateless(v) && is_post {
                let method = routing.method.as_deref();
                if let Some(m) = method {
                    rb = rb.header("mcp-method", m);
                }
                if let Some(n) = &routing.name
                    && matches!(method, Some("tools/call" | "resources/read" | "prompts/get"))
                {
                    rb = rb.header("mcp-name", n);
                }
                for (name, value) in &routing.params {
                    rb = rb.header(name, value);
                }
            }
        }
    }
    drop(link);
    for (name, value) in credentials {
        rb = rb.header(name, value);
    }
    let mut req =
        rb.build().map_err(|e| WireError::InvalidUrl { url: url.to_string(), reason: e.to_string() })?;
    // The user's headers replace the engine's of the same name (to test a server's checks).
    for h in &inner.opts.headers {
        let name = HeaderName::from_bytes(h.name.as_bytes());
        let value = HeaderValue::from_str(&h.value);
        match (name, value) {
            (Ok(n), Ok(v)) => {
                req.headers_mut().insert(n, v);
            }
            _ => warn!(header = %h.name, "skipping a custom header that is not valid HTTP"),
        }
    }
    if let Some(b) = body {
        *req.body_mut() = Some(b.into());
    }
    Ok(req)
}

pub(in crate::client) async fn post_bytes(
    inner: &Arc<Inner>,
    body: Bytes,
    routing: &Routing,
    awaiting: Option<&str>,
) -> Result<()> {
    if inner.closed.is_cancelled() {
        return Err(WireError::Closed);
    }
    let (rx, started) = send_authorized(inner, Method::POST, None, Some(body), routing, None).await?;
    let transport = lock(&inner.link).transport;
    if transport == Some(TransportKind::Sse) {
        // Legacy: the POST is only an acknowledgement; the answer comes on the GET stream.
        let status = rx.status;
        let flags = http_flags(status, &[200, 202, 204]);
        let (bytes, _, _) = read_body(&inner.capture, rx, started, false, |_| flags).await;
        if !(200..300).contains(&status) {
            return Err(WireError::Http { status, body: String::from_utf8_lossy(&bytes).into_owned() });
        }
        return Ok(());
    }
    handle_streamable_response(inner, rx, started, awaiting).await
}

/// Builds, sends and captures one request. On 401 or 403, when the connection has an
/// authorizer, hands it the challenge and sends the request again while it says so.
pub(in crate::client) async fn send_authorized(
    inner: &Arc<Inner>,
    method: Method,
    url: Option<&Url>,
    body: Option<Bytes>,
    routing: &Routing,
    last_event_id: Option<&str>,
) -> Result<(Received, Instant)> {
    let mut rounds = 0;
    let destination =
        url.cloned().or_else(|| lock(&inner.link).post_url.clone()).unwrap_or_else(|| inner.url.clone());
    loop {
        let credentials = match &inner.opts.authorizer {
            Some(a) => a.credentials(method.as_str(), destination.as_str()).await,
            None => Vec::new(),
        };
        let mut req = build(inner, method.clone(), &destination, body.clone(), routing, &credentials)?;
        if let Some(id) = last_event_id
            && let Ok(v) = HeaderValue::from_str(id)
        {
            req.headers_mut().insert("last-event-id", v);
        }
        let target = req.url().to_string();
        let started = Instant::now();
        let rx = send(&inner.capture, &inner.http, req, body.as_ref())
            .await
            .map_err(|reason| WireError::Connect { url: target.clone(), reason })?;
        let Some(authorizer) = &inner.opts.authorizer else { return Ok((rx, started)) };
        if !matches!(rx.status, 401 | 403) || rounds >= MAX_AUTH_ROUNDS {
            return Ok((rx, started));
        }
        rounds += 1;
        let status = rx.status;
        let exchange = rx.exchange;
        let dpop_nonce = rx.headers.get("dpop-nonce").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let www_authenticate = rx
            .headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        let protocol_version = lock(&inner.link)
            .protocol_version
            .clone()
            .unwrap_or_else(|| inner.opts.offered_version().to_owned());
        read_body(&inner.capture, rx, started, false, |_| http_flags(status, &[])).await;
        let challenge =
            Challenge { exchange, status, www_authenticate, url: target, protocol_version, dpop_nonce };
        match authorizer.challenged(challenge).await {
            Verdict::Retry => continue,
            Verdict::GiveUp(why) => return Err(WireError::Auth(why)),
        }
    }
}

pub(in crate::client) fn http_flags(status: u16, ok: &[u16]) -> Vec<Flag> {
    if ok.contains(&status) {
        Vec::new()
    } else {
        let ex = mcpscope_proto::explain::http_status(status);
        vec![Flag::new(FlagCode::HttpError, format!("HTTP {status} {}: {}", ex.name, ex.meaning))]
    }
}

pub(in crate::client) async fn handle_streamable_response(
    inner: &Arc<Inner>,
    rx: Received,
    started: Instant,
    awaiting: Option<&str>,
) -> Result<()> {
    let status = rx.status;
    let had_session = lock(&inner.link).session_id.is_some();
    // The session id arrives with the initialize result.
    if let Some(sid) = rx.headers.get(SESSION_HEADER) {
        let valid = sid.as_bytes().iter().all(|b| (0x21..=0x7e).contains(b)) && !sid.is_empty();
        if !had_session && valid && (200..300).contains(&status) {
            lock(&inner.link).session_id = sid.to_str().ok().map(str::to_owned);
        } else if !valid {
            inner
                .capture
                .note("the server sent an Mcp-Session-Id with characters outside visible ASCII: ignored");
        }
    }
    let media = rx.media_type();
    match status {
        202 | 204 => {
            read_body(&inner.capture, rx, started, false, |_| Vec::new()).await;
            if awaiting.is_some() {
                return Err(WireError::Malformed(format!("HTTP {status} without a body for a request")));
            }
            Ok(())
        }
        200..=299 if media == "text/event-stream" => {
            record_stream_head(&inner.capture, &rx, started);
            let inner2 = inner.clone();
            let awaiting = awaiting.map(str::to_owned);
            // Read the stream in its own task: the POST may stay open for a long time.
            tokio::spawn(async move { post_stream(inner2, rx, awaiting).await });
            Ok(())
        }
        200..=299 if media == "application/json" => {
            let (bytes, messages, too_large) =
                read_body(&inner.capture, rx, started, true, |_| Vec::new()).await;
            if let Some(why) = too_large {
                return Err(WireError::TooLarge(why));
            }
            if messages.is_empty() {
                return Err(WireError::Malformed(short(&bytes)));
            }
            for m in messages {
                dispatch(inner, m);
            }
            Ok(())
        }
        200..=299 => {
            let flags = vec![Flag::new(
                FlagCode::UnexpectedContentType,
                format!("content type {media:?}: expected application/json or text/event-stream"),
            )];
            read_body(&inner.capture, rx, started, false, |_| flags).await;
            Err(WireError::ContentType {
                content_type: media,
                expected: "application/json or text/event-stream",
            })
        }
        _ => {
            let body_is_json = media == "application/json";
            // 404 for a known session id means it expired; server-everything (and other
            // TypeScript SDK servers) answer 400 "No valid session ID" instead.
            let session_gone = |body: &[u8]| {
                had_session
                    && (status == 404
                        || (status == 400
                            && String::from_utf8_lossy(body).to_ascii_lowercase().contains("session")))
            };
            let mut expired = false;
            let (bytes, messages, _) = read_body(&inner.capture, rx, started, body_is_json, |body| {
                let mut flags = http_flags(status, &[]);
                if session_gone(body) {
                    expired = true;
                    flags.push(Flag::new(
                        FlagCode::SessionExpired,
                        "the server no longer knows this session id; re-initialize",
                    ));
                }
                flags
            })
            .await;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if expired {
                inner.capture.note(format!(
                    "HTTP {status}: the server no longer knows this session; re-initialize to start a new one"
                ));
                let _ = inner.status.send(LinkStatus::SessionExpired);
                return Err(WireError::SessionExpired { status });
            }
            // A JSON-RPC error for our request in the body is still the answer to it.
            for m in messages {
                if m.get("id").is_some_and(|id| !id.is_null()) {
                    dispatch(inner, m);
                }
            }
            if let Some(id) = awaiting
                && !lock(&inner.pending).contains_key(id)
            {
                return Ok(());
            }
            Err(WireError::Http { status, body: text })
        }
    }
}

pub(in crate::client) fn short(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let t: String = s.chars().take(200).collect();
    if t.is_empty() { "empty body".to_owned() } else { t }
}

/// Reads the SSE stream of a POST; resumes it with GET + Last-Event-ID when it breaks
/// before our response arrived.
pub(in crate::client) async fn post_stream(inner: Arc<Inner>, rx: Received, awaiting: Option<String>) {
    let mut end = read_sse(&inner.capture, rx, &inner.closed, |_, msgs| {
        for m in msgs {
            dispatch(&inner, m);
        }
    })
    .await;
    let mut attempts = 0;
    loop {
        let Some(id) = awaiting.as_deref() else { return };
        if end.stopped || !lock(&inner.pending).contains_key(id) {
            return;
        }
        if let Some(why) = &end.too_large {
            // Resuming would only bring the same frame again.
            resolve(&inner, id, Err(WireError::StreamBroken(why.clone())));
            return;
        }
        let Some(last_id) = end.last_event_id.clone() else {
            resolve(
                &inner,
                id,
                Err(WireError::StreamBroken(match &end.broken {
                    Some(b) => format!("{b}; no event id to resume from"),
                    None => "the server closed the stream without the response and without an event id to resume from".to_owned(),
                })),
            );
            return;
        };
        attempts += 1;
        if attempts > MAX_RESUMES {
            resolve(
                &inner,
                id,
                Err(WireError::StreamBroken(format!("gave up after {MAX_RESUMES} resumptions"))),
            );
            return;
        }
        let wait = end.retry_ms.map(Duration::from_millis).unwrap_or(DEFAULT_RETRY);
        inner.capture.note(format!(
            "stream ended before the response; resuming with Last-Event-ID {last_id} after {} ms",
            wait.as_millis()
        ));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = inner.closed.cancelled() => return,
        }
        match open_get(&inner, Some(&last_id)).await {
            Ok(Some(rx)) => {
                let retry_before = end.retry_ms;
                end = read_sse(&inner.capture, rx, &inner.closed, |_, msgs| {
                    for m in msgs {
                        dispatch(&inner, m);
                    }
                })
                .await;
                if end.last_event_id.is_none() {
                    end.last_event_id = Some(last_id);
                }
                if end.retry_ms.is_none() {
                    end.retry_ms = retry_before;
                }
            }
            Ok(None) => {
                resolve(
                    &inner,
                    id,
                    Err(WireError::StreamBroken("the server refused to resume the stream".to_owned())),
                );
                return;
            }
            Err(e) => {
                resolve(&inner, id, Err(e));
                return;
            }
        }
    }
}

/// GET with `Accept: text/event-stream`. `Ok(None)`: the server offers no stream (405 etc.).
pub(in crate::client) async fn open_get(
    inner: &Arc<Inner>,
    last_event_id: Option<&str>,
) -> Result<Option<Received>> {
    let (rx, started) =
        send_authorized(inner, Method::GET, Some(&inner.url), None, &Routing::default(), last_event_id)
            .await?;
    if rx.status == 200 && rx.media_type() == "text/event-stream" {
        record_stream_head(&inner.capture, &rx, started);
        return Ok(Some(rx));
    }
    let status = rx.status;
    let flags = if status == 405 {
        Vec::new()
    } else if status == 200 {
        vec![Flag::new(
            FlagCode::UnexpectedContentType,
            format!("GET answered {:?}, not text/event-stream", rx.media_type()),
        )]
    } else {
        http_flags(status, &[])
    };
    read_body(&inner.capture, rx, started, false, |_| flags).await;
    if status == 405 {
        inner.capture.note("the server offers no standalone GET stream (405)");
    }
    Ok(None)
}

/// Keeps the standalone GET stream open: reconnects after the server's `retry` (or a growing
/// backoff) with Last-Event-ID, until the connection closes.
pub(in crate::client) async fn get_stream_loop(inner: Arc<Inner>, mut ready: Option<oneshot::Sender<()>>) {
    let mut failures = 0u32;
    while !inner.closed.is_cancelled() {
        let last = lock(&inner.link).get_last_event_id.clone();
        let restart = {
            let mut r = lock(&inner.get_restart);
            if r.is_cancelled() {
                *r = inner.closed.child_token();
            }
            r.clone()
        };
        let opened = open_get(&inner, last.as_deref()).await;
        if let Some(ready) = ready.take() {
            let _ = ready.send(());
        }
        let rx = match opened {
            Ok(Some(rx)) => rx,
            Ok(None) => return,
            Err(e) => {
                debug!(error = %e, "GET stream failed");
                failures += 1;
                if failures >= 5 {
                    inner.capture.note("the standalone GET stream failed 5 times in a row; not reconnecting");
                    return;
                }
                backoff(&inner, failures).await;
                continue;
            }
        };
        let end = read_sse(&inner.capture, rx, &restart, |frame, msgs| {
            if let Some(id) = &frame.id {
                lock(&inner.link).get_last_event_id = Some(id.clone());
            }
            for m in msgs {
                dispatch(&inner, m);
            }
        })
        .await;
        if inner.closed.is_cancelled() {
            return;
        }
        if let Some(why) = &end.too_large {
            inner.capture.note(format!("the standalone GET stream was closed ({why}); not reconnecting"));
            return;
        }
        if end.frames > 0 || end.stopped {
            failures = 0;
        } else {
            failures += 1;
        }
        let wait = end.retry_ms.map(Duration::from_millis);
        match wait {
            Some(w) if !end.stopped => {
                tokio::select! { _ = tokio::time::sleep(w) => {} _ = inner.closed.cancelled() => return }
            }
            _ if end.stopped => {}
            _ => backoff(&inner, failures.max(1)).await,
        }
    }
}

pub(in crate::client) async fn backoff(inner: &Inner, failures: u32) {
    let wait = DEFAULT_RETRY * 2u32.saturating_pow(failures.min(5));
    tokio::select! { _ = tokio::time::sleep(wait) => {} _ = inner.closed.cancelled() => {} }
}
