//! Engine → webview events.
//!
//! Mechanism: a Tauri 2 `ipc::Channel`. At start-up (and after every reload) the UI creates a
//! `window.__TAURI__.core.Channel` and passes it to the `subscribe` command as `onEvent`;
//! [`ChannelSink`] keeps the newest one and sends every [`UiEvent`] on it. Chosen over
//! `app.emit` because a channel is ordered, point-to-point and made for streams: the engine
//! already batches records (~50 ms), so each send is one message to one window.
//!
//! Each event crosses as raw bytes (`InvokeResponseBody::Raw`, made by
//! `mcpscope_proto::event_bytes`: a record batch as postcard, anything else as JSON): the page
//! receives an `ArrayBuffer` and the wasm UI decodes it in one pass. A JSON channel would have
//! the page parse it into JS objects that the UI then walks field by field, which cost the web
//! process more than drawing under a flood (see the GUI benchmark in the README).

use std::sync::{Mutex, PoisonError};

use mcpscope_proto::UiEvent;
use mcpscope_session::EventSink;
use tauri::ipc::{Channel, InvokeResponseBody};

#[derive(Default)]
pub struct ChannelSink {
    channel: Mutex<Option<Channel<InvokeResponseBody>>>,
}

impl ChannelSink {
    /// Routes all further events to `channel`, replacing the previous subscriber.
    pub fn subscribe(&self, channel: Channel<InvokeResponseBody>) {
        *self.channel.lock().unwrap_or_else(PoisonError::into_inner) = Some(channel);
    }
}

impl EventSink for ChannelSink {
    fn emit(&self, event: UiEvent) {
        let guard = self.channel.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref() {
            Some(channel) => {
                let bytes = match mcpscope_proto::event_bytes::to_bytes(&event) {
                    Ok(b) => b,
                    Err(e) => return tracing::error!(error = %e, "could not encode an event for the UI"),
                };
                if let Err(e) = channel.send(InvokeResponseBody::Raw(bytes)) {
                    tracing::warn!(error = %e, "could not deliver an event to the UI");
                }
            }
            // Nobody listens yet (the UI subscribes as soon as it loads): the timeline is
            // rebuilt from later events, and the status comes from the `state` command.
            None => tracing::debug!("no UI subscribed; event dropped"),
        }
    }
}
