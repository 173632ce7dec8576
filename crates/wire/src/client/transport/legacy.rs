//! The legacy HTTP+SSE transport (2024-11-05): one GET stream whose `endpoint` event names
//! where to POST.

use crate::client::*;

/// Legacy HTTP+SSE: GET the URL, wait for the `endpoint` event, POST there from now on.
pub(in crate::client) async fn open_legacy(inner: &Arc<Inner>) -> Result<()> {
    {
        let mut link = lock(&inner.link);
        link.transport = Some(TransportKind::Sse);
        link.post_url = None;
    }
    // The transport is Sse now: `build` adds Accept and the user's headers, nothing else.
    let (rx, started) =
        send_authorized(inner, Method::GET, Some(&inner.url), None, &Routing::default(), None).await?;
    if rx.status != 200 || rx.media_type() != "text/event-stream" {
        let status = rx.status;
        let media = rx.media_type();
        let (bytes, _, _) = read_body(&inner.capture, rx, started, false, |_| http_flags(status, &[])).await;
        return Err(if status != 200 {
            WireError::Http { status, body: String::from_utf8_lossy(&bytes).into_owned() }
        } else {
            WireError::ContentType { content_type: media, expected: "text/event-stream" }
        });
    }
    record_stream_head(&inner.capture, &rx, started);
    let (tx, endpoint_rx) = oneshot::channel::<Result<Url>>();
    let task_inner = inner.clone();
    tokio::spawn(async move {
        let mut tx = Some(tx);
        let base = task_inner.url.clone();
        let end = read_sse(&task_inner.capture, rx, &task_inner.closed, |frame, msgs| {
            if frame.event.as_deref() == Some("endpoint") {
                let resolved = base
                    .join(frame.data.trim())
                    .map_err(|e| WireError::NotMcp(format!("endpoint event {:?} is not a URL: {e}", frame.data)))
                    .and_then(|u| {
                        if u.origin() == base.origin() {
                            Ok(u)
                        } else {
                            Err(WireError::NotMcp(format!(
                                "endpoint {u} is on another origin than {base}: refused (it could steer requests and credentials elsewhere)"
                            )))
                        }
                    });
                if let Some(tx) = tx.take() {
                    let _ = tx.send(resolved);
                }
            }
            for m in msgs {
                dispatch(&task_inner, m);
            }
        })
        .await;
        if let Some(tx) = tx.take() {
            let _ =
                tx.send(Err(WireError::NotMcp("the SSE stream ended without an endpoint event".to_owned())));
        } else if !end.stopped {
            // The legacy transport has no resumption: the conversation is over.
            task_inner.capture.note("the legacy SSE stream ended: the connection is over");
            let _ = task_inner.status.send(LinkStatus::Closed);
            task_inner.closed.cancel();
            fail_all_pending(&task_inner, WireError::StreamBroken("the legacy SSE stream ended".to_owned()));
        }
    });
    let endpoint = tokio::time::timeout(Duration::from_secs(10), endpoint_rx)
        .await
        .map_err(|_| WireError::NotMcp("no endpoint event within 10 s of opening the SSE stream".to_owned()))?
        .map_err(|_| WireError::Closed)??;
    inner.capture.note(format!("legacy HTTP+SSE: posting to {endpoint}"));
    lock(&inner.link).post_url = Some(endpoint);
    Ok(())
}
