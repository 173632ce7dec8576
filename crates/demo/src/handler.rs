//! The demo server's MCP behaviour: one [`DemoHandler`] per session (stateful mode) or per
//! request (stateless mode).
//!
//! Tools live in `handler/tools.rs`, prompts in `handler/prompts.rs`, resources in
//! `handler/resources.rs`; this file ties them into one `ServerHandler` and owns the
//! logging level.
// Logging (`logging/setLevel`, `notifications/message`) is deprecated in rmcp by SEP-2577
// (removed in protocol 2026-07-28), but every initialize-era protocol has it and the demo
// exists to exercise it.
#![allow(deprecated)]

mod prompts;
mod resources;
mod tools;

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU8, Ordering},
};

use rmcp::{
    ErrorData as McpError, RoleServer, ServerHandler,
    handler::server::router::{prompt::PromptRouter, tool::ToolRouter},
    model::{
        Implementation, ListResourceTemplatesResult, ListResourcesResult, LoggingLevel,
        PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
        ServerConfig, ServerNotification, SetLevelRequestParams, SubscriptionFilter,
    },
    prompt_handler,
    service::{RequestContext, SubscriptionContext, SubscriptionSink},
    tool_handler,
};

use crate::SERVER_NAME;

const INSTRUCTIONS: &str = "\
mcpscope's built-in demo server. Tools: echo (returns its message), add (sums two numbers, \
with structured output), long_running (sends progress notifications when the request has a \
progressToken), flood (sends many logging notifications), big (a result of about 10 MB), fail (always returns a tool error), \
ask_user (asks the client for input via elicitation/create), sample (asks the client's LLM \
via sampling/createMessage), confirm_order (asks for input with a multi-round-trip request, \
2026-07-28) and touch (tells subscribers the tool list changed). Resources: demo://readme, demo://config.json and the template \
demo://items/{id}. Prompts: greeting and code_review. Logging honours logging/setLevel.";

/// The minimum level of `notifications/message` a client wants, shared by the clones of a
/// handler. Stored as [`severity`] rank.
#[derive(Debug, Clone)]
pub(crate) struct LogLevel(Arc<AtomicU8>);

impl Default for LogLevel {
    fn default() -> Self {
        Self(Arc::new(AtomicU8::new(severity(LoggingLevel::Info))))
    }
}

impl LogLevel {
    fn set(&self, level: LoggingLevel) {
        self.0.store(severity(level), Ordering::Relaxed);
    }

    /// Whether a message at `level` passes the client's filter.
    pub(crate) fn allows(&self, level: LoggingLevel) -> bool {
        severity(level) >= self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn current(&self) -> LoggingLevel {
        match self.0.load(Ordering::Relaxed) {
            0 => LoggingLevel::Debug,
            1 => LoggingLevel::Info,
            2 => LoggingLevel::Notice,
            3 => LoggingLevel::Warning,
            4 => LoggingLevel::Error,
            5 => LoggingLevel::Critical,
            6 => LoggingLevel::Alert,
            _ => LoggingLevel::Emergency,
        }
    }
}

/// RFC 5424 order, least severe first (`LoggingLevel` has no `Ord`).
fn severity(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

/// The open `subscriptions/listen` streams (2026-07-28), shared by every handler of one
/// server (stateless mode makes a handler per request).
#[derive(Clone, Default)]
pub(crate) struct Listeners(Arc<Mutex<Vec<SubscriptionSink>>>);

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Listeners({})", self.sinks().len())
    }
}

impl Listeners {
    fn sinks(&self) -> std::sync::MutexGuard<'_, Vec<SubscriptionSink>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sends `notification` to every listener that asked for its kind; returns how many got it.
    pub(crate) async fn send(&self, notification: ServerNotification) -> usize {
        let sinks: Vec<SubscriptionSink> = self.sinks().clone();
        let mut sent = 0;
        for sink in sinks {
            if sink.send(notification.clone()).await.is_ok() {
                sent += 1;
            }
        }
        sent
    }
}

/// The demo server's `ServerHandler`.
#[derive(Debug, Clone)]
pub struct DemoHandler {
    log_level: LogLevel,
    listeners: Listeners,
    tool_router: ToolRouter<DemoHandler>,
    prompt_router: PromptRouter<DemoHandler>,
}

impl Default for DemoHandler {
    /// A handler with its own log level (`info`), e.g. to serve the demo over another
    /// rmcp transport.
    fn default() -> Self {
        Self::new(LogLevel::default(), Listeners::default())
    }
}

impl DemoHandler {
    pub(crate) fn new(log_level: LogLevel, listeners: Listeners) -> Self {
        Self { log_level, listeners, tool_router: Self::tool_router(), prompt_router: Self::prompt_router() }
    }
}

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for DemoHandler {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_logging()
            .enable_prompts()
            .enable_resources()
            .enable_tools()
            .enable_tool_list_changed()
            .enable_resources_subscribe()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(
                Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION"))
                    .with_title("mcpscope demo server"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    fn accepted_subscription_filter(&self, requested: &SubscriptionFilter) -> Option<SubscriptionFilter> {
        Some(requested.clone())
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        self.listeners.sinks().push(context.sink().clone());
        context.cancelled().await;
        let id = context.sink().id().clone();
        self.listeners.sinks().retain(|s| *s.id() != id);
        Ok(())
    }

    async fn subscribe(
        &self,
        _request: rmcp::model::SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        // Earlier versions: accepted; the demo's resources change only when `touch` says so,
        // and that reaches 2026-07-28 listeners.
        Ok(())
    }

    async fn unsubscribe(
        &self,
        _request: rmcp::model::UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        Ok(())
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        tracing::debug!(level = ?request.level, "client set the log level");
        self.log_level.set(request.level);
        Ok(())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(ListResourcesResult::with_all_items(resources::list()))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(resources::templates()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        resources::read(&request.uri).map(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_level_filters_by_severity() {
        let level = LogLevel::default();
        assert!(level.allows(LoggingLevel::Info));
        assert!(!level.allows(LoggingLevel::Debug));
        level.set(LoggingLevel::Warning);
        assert!(!level.allows(LoggingLevel::Info));
        assert!(level.allows(LoggingLevel::Error));
        assert_eq!(level.current(), LoggingLevel::Warning);
    }

    #[test]
    fn severity_round_trips_through_current() {
        let level = LogLevel::default();
        for l in [
            LoggingLevel::Debug,
            LoggingLevel::Info,
            LoggingLevel::Notice,
            LoggingLevel::Warning,
            LoggingLevel::Error,
            LoggingLevel::Critical,
            LoggingLevel::Alert,
            LoggingLevel::Emergency,
        ] {
            level.set(l);
            assert_eq!(level.current(), l);
        }
    }
}
