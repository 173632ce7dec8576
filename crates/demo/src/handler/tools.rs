//! The demo tools.
//!
//! Tool errors (the tool ran and failed, `isError: true`) are `Ok(CallToolResult::error)`;
//! `Err(McpError)` is kept for requests that cannot be served at all.
// Sampling and logging are deprecated in rmcp by SEP-2577 (gone in protocol 2026-07-28);
// the demo exists to exercise them on the initialize-era protocols.
#![allow(deprecated)]

use std::{future::Future, time::Duration};

use rmcp::{
    ErrorData as McpError, Json, RoleServer,
    handler::server::tool::{InputResponses, RequestState},
    handler::server::wrapper::Parameters,
    model::{
        CallToolResponse, CallToolResult, ContentBlock, CreateMessageRequestParams, ElicitRequest,
        ElicitRequestParams, ElicitationAction, ElicitationSchema, InputRequest, InputRequiredResult,
        LoggingLevel, LoggingMessageNotificationParam, ProgressNotificationParam,
        ResourceUpdatedNotification, ResourceUpdatedNotificationParam, Role, SamplingMessage,
        SamplingMessageContentBlock, ServerNotification,
    },
    schemars::{self, JsonSchema},
    service::{RequestContext, ServiceError},
    tool, tool_router,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::DemoHandler;

/// Upper bounds that keep a stray argument from tying the demo up for hours.
const MAX_DURATION_MS: u64 = 10 * 60 * 1000;
const MAX_STEPS: u32 = 10_000;
const MAX_FLOOD_COUNT: u32 = 1_000_000;
const MAX_FLOOD_SIZE: usize = 1024 * 1024;
const MAX_BIG_MEGABYTES: f64 = 64.0;
/// `maxTokens` asked of the client's LLM by `sample`.
const SAMPLE_MAX_TOKENS: u32 = 256;

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct EchoArgs {
    /// The text to send back.
    message: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct AddArgs {
    /// The first addend.
    a: f64,
    /// The second addend.
    b: f64,
}

/// The structured result of `add`.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct AddOutput {
    /// `a + b`.
    sum: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct LongRunningArgs {
    /// Total running time in milliseconds.
    #[serde(default = "default_duration_ms")]
    duration_ms: u64,
    /// Number of progress steps.
    #[serde(default = "default_steps")]
    steps: u32,
}

fn default_duration_ms() -> u64 {
    2000
}

fn default_steps() -> u32 {
    5
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct FloodArgs {
    /// Number of `notifications/message` to send.
    #[serde(default = "default_flood_count")]
    count: u32,
    /// Approximate size in bytes of each notification's JSON.
    #[serde(default = "default_flood_size")]
    size: usize,
}

fn default_flood_count() -> u32 {
    1000
}

fn default_flood_size() -> usize {
    200
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum BigShape {
    /// `structuredContent.rows`: many small objects (and a one-line text summary).
    #[default]
    Rows,
    /// One text block of that size.
    Text,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct BigArgs {
    /// Size of the result in megabytes (default 10, at most 64).
    #[serde(default = "default_megabytes")]
    megabytes: f64,
    /// What the bytes are: `rows` (default) or `text`.
    #[serde(default)]
    shape: BigShape,
}

fn default_megabytes() -> f64 {
    10.0
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ConfirmArgs {
    /// What to order.
    #[serde(default = "default_item")]
    item: String,
}

fn default_item() -> String {
    "a coffee".to_owned()
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ForecastArgs {
    /// The region; mirrored into the `Mcp-Param-Region` header (2026-07-28).
    #[schemars(extend("x-mcp-header" = "Region"))]
    region: String,
    /// How many days ahead (default 1).
    #[serde(default)]
    days: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct TouchArgs {
    /// The resource to announce as updated (default demo://readme).
    #[serde(default)]
    uri: Option<String>,
}

/// The key of `confirm_order`'s one input request.
const CONFIRM_KEY: &str = "confirm";

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct SampleArgs {
    /// What to ask the client's language model.
    prompt: String,
}

#[tool_router(vis = "pub(crate)")]
impl DemoHandler {
    #[tool(description = "Returns the message it is given.")]
    async fn echo(&self, Parameters(args): Parameters<EchoArgs>) -> CallToolResult {
        CallToolResult::success(vec![ContentBlock::text(args.message)])
    }

    #[tool(description = "Adds two numbers; the sum also comes back as structured content.")]
    async fn add(&self, Parameters(args): Parameters<AddArgs>) -> Json<AddOutput> {
        Json(AddOutput { sum: args.a + args.b })
    }

    #[tool(description = "Runs for duration_ms (default 2000) in `steps` steps (default 5), \
                       sending notifications/progress after each step when the request \
                       carries a progressToken.")]
    async fn long_running(
        &self,
        Parameters(args): Parameters<LongRunningArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        let steps = args.steps.clamp(1, MAX_STEPS);
        let duration = Duration::from_millis(args.duration_ms.min(MAX_DURATION_MS));
        let step = duration / steps;
        let token = context.meta.get_progress_token();
        for done in 1..=steps {
            tokio::select! {
                () = tokio::time::sleep(step) => {}
                () = context.ct.cancelled() => return Ok(cancelled()),
            }
            if let Some(token) = &token {
                let progress = ProgressNotificationParam::new(token.clone(), f64::from(done))
                    .with_total(f64::from(steps))
                    .with_message(format!("step {done} of {steps}"));
                context.peer.notify_progress(progress).await.map_err(transport_error)?;
            }
        }
        Ok(CallToolResult::success(vec![ContentBlock::text(format!(
            "finished {steps} steps in {} ms",
            duration.as_millis()
        ))]))
    }

    #[tool(description = "Sends `count` (default 1000) notifications/message logging \
                       notifications of about `size` bytes (default 200) each at level \
                       info, then returns \"sent N\". Honours logging/setLevel.")]
    async fn flood(
        &self,
        Parameters(args): Parameters<FloodArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        let count = args.count.min(MAX_FLOOD_COUNT);
        let size = args.size.min(MAX_FLOOD_SIZE);
        if !self.log_level.allows(LoggingLevel::Info) {
            return Ok(CallToolResult::success(vec![ContentBlock::text(format!(
                "sent 0: the log level is {:?}, flood logs at info",
                self.log_level.current()
            ))]));
        }
        for seq in 0..count {
            if context.ct.is_cancelled() {
                return Ok(cancelled());
            }
            let message = LoggingMessageNotificationParam::new(LoggingLevel::Info, flood_data(seq, size))
                .with_logger(FLOOD_LOGGER);
            context.peer.notify_logging_message(message).await.map_err(transport_error)?;
        }
        Ok(CallToolResult::success(vec![ContentBlock::text(format!("sent {count}"))]))
    }

    #[tool(description = "A made-up forecast for a region. Its region argument is marked \
                       x-mcp-header, so 2026-07-28 clients send it as Mcp-Param-Region too.")]
    async fn forecast(&self, Parameters(args): Parameters<ForecastArgs>) -> CallToolResult {
        let days = args.days.unwrap_or(1);
        CallToolResult::success(vec![ContentBlock::text(format!(
            "{}: sunny for the next {days} day(s)",
            args.region
        ))])
    }

    #[tool(description = "Announces changes: notifications/tools/list_changed, and \
                       notifications/resources/updated for `uri` (default demo://readme), to \
                       every subscriptions/listen stream that asked for them (2026-07-28), or \
                       the tool list change to the session (earlier versions). Returns how \
                       many notifications went out.")]
    async fn touch(
        &self,
        Parameters(args): Parameters<TouchArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        let uri = args.uri.unwrap_or_else(|| "demo://readme".to_owned());
        let tools =
            self.listeners.send(ServerNotification::ToolListChangedNotification(Default::default())).await;
        let updated = ResourceUpdatedNotification::new(ResourceUpdatedNotificationParam::new(uri.clone()));
        let resources = self.listeners.send(ServerNotification::ResourceUpdatedNotification(updated)).await;
        if tools + resources == 0 {
            // No listener: a session of an earlier version hears it on its own streams.
            let _ = context.peer.notify_tool_list_changed().await;
        }
        Ok(CallToolResult::success(vec![ContentBlock::text(format!(
            "told {tools} listener(s) the tool list changed, {resources} that {uri} was updated"
        ))]))
    }

    #[tool(description = "Returns a result of about `megabytes` MB (default 10): many rows of \
                       structured content, or one long text. For trying big payloads.")]
    async fn big(&self, Parameters(args): Parameters<BigArgs>) -> CallToolResult {
        let bytes = (args.megabytes.clamp(0.0, MAX_BIG_MEGABYTES) * 1e6) as usize;
        big_result(bytes, &args.shape)
    }

    #[tool(description = "Always fails with a tool error (isError: true).")]
    async fn fail(&self) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text(
            "the fail tool always fails: this is a tool error, not a protocol error",
        )])
    }

    #[tool(description = "Asks the user for their name through a server-initiated \
                       elicitation/create request (the client must declare the elicitation \
                       capability).")]
    async fn ask_user(&self, context: RequestContext<RoleServer>) -> CallToolResult {
        let declared =
            context.client_capabilities().is_some_and(|capabilities| capabilities.elicitation.is_some());
        if !declared {
            return tool_error(
                "the client did not declare the elicitation capability, so ask_user cannot \
                 send elicitation/create",
            );
        }
        let schema = match ElicitationSchema::builder()
            .required_string("name")
            .optional_bool("subscribe", false)
            .description("Tell the demo server who you are.")
            .build()
        {
            Ok(schema) => schema,
            Err(error) => return tool_error(format!("cannot build the elicitation schema: {error}")),
        };
        let params = ElicitRequestParams::FormElicitationParams {
            meta: None,
            message: "What is your name?".to_owned(),
            requested_schema: schema,
        };
        let peer = context.peer.clone();
        let answer = match until_cancelled(&context.ct, peer.create_elicitation(params)).await {
            None => return cancelled(),
            Some(Err(error)) => return tool_error(format!("elicitation/create failed: {error}")),
            Some(Ok(answer)) => answer,
        };
        let text = match answer.action {
            ElicitationAction::Accept => {
                format!("the user accepted: {}", answer.content.unwrap_or(serde_json::Value::Null))
            }
            ElicitationAction::Decline => "the user declined".to_owned(),
            ElicitationAction::Cancel => "the user cancelled".to_owned(),
            other => format!("the user answered {other:?}"),
        };
        CallToolResult::success(vec![ContentBlock::text(text)])
    }

    #[tool(description = "Asks the user to confirm an order through a multi-round-trip request \
                       (protocol 2026-07-28): the first call answers input_required with an \
                       elicitation and a requestState; the call sent again with the answer and \
                       that state completes.")]
    async fn confirm_order(
        &self,
        Parameters(args): Parameters<ConfirmArgs>,
        InputResponses(answers): InputResponses,
        RequestState(state): RequestState,
    ) -> CallToolResponse {
        let expected_state = format!("order:{}", args.item);
        let Some(answer) = answers.and_then(|mut a| a.remove(CONFIRM_KEY)) else {
            let schema = match ElicitationSchema::builder()
                .required_bool("confirmed")
                .description("Confirm the order.")
                .build()
            {
                Ok(schema) => schema,
                Err(error) => {
                    return tool_error(format!("cannot build the elicitation schema: {error}")).into();
                }
            };
            let ask = ElicitRequest::new(ElicitRequestParams::FormElicitationParams {
                meta: None,
                message: format!("Order {}?", args.item),
                requested_schema: schema,
            });
            let requests = [(CONFIRM_KEY.to_owned(), InputRequest::Elicitation(ask))].into_iter().collect();
            return InputRequiredResult::new(Some(requests), Some(expected_state)).into();
        };
        if state.as_deref() != Some(expected_state.as_str()) {
            return tool_error(format!(
                "requestState {state:?} is not the one this server sent ({expected_state:?})"
            ))
            .into();
        }
        let accepted = answer.get("action").and_then(serde_json::Value::as_str) == Some("accept");
        let confirmed =
            answer.pointer("/content/confirmed").and_then(serde_json::Value::as_bool) == Some(true);
        let text = if accepted && confirmed {
            format!("ordered {}", args.item)
        } else {
            format!("not ordered: the user answered {answer}")
        };
        CallToolResult::success(vec![ContentBlock::text(text)]).into()
    }

    #[tool(description = "Asks the client's language model a question through a \
                       server-initiated sampling/createMessage request (the client must \
                       declare the sampling capability).")]
    async fn sample(
        &self,
        Parameters(args): Parameters<SampleArgs>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let declared =
            context.client_capabilities().is_some_and(|capabilities| capabilities.sampling.is_some());
        if !declared {
            return tool_error(
                "the client did not declare the sampling capability, so sample cannot send \
                 sampling/createMessage",
            );
        }
        let params = CreateMessageRequestParams::new(
            vec![SamplingMessage::new(Role::User, SamplingMessageContentBlock::text(args.prompt))],
            SAMPLE_MAX_TOKENS,
        )
        .with_system_prompt("You are answering on behalf of mcpscope's demo server. Be brief.");
        let peer = context.peer.clone();
        let reply = match until_cancelled(&context.ct, peer.create_message(params)).await {
            None => return cancelled(),
            Some(Err(error)) => {
                return tool_error(format!("sampling/createMessage failed: {error}"));
            }
            Some(Ok(reply)) => reply,
        };
        let text: Vec<&str> = reply
            .message
            .content
            .iter()
            .filter_map(|block| match block {
                SamplingMessageContentBlock::Text(text) => Some(text.text.as_str()),
                _ => None,
            })
            .collect();
        CallToolResult::success(vec![ContentBlock::text(format!(
            "{} says: {}",
            reply.model,
            text.join("\n")
        ))])
    }
}

/// The `logger` name on flood notifications.
const FLOOD_LOGGER: &str = "flood";

/// Bytes a flood notification takes on the wire besides the decimal `seq` and the
/// padding (checked against rmcp's serialization by the test below).
const FLOOD_ENVELOPE: usize = 118;

/// The `data` of flood notification `seq`, padded so the whole notification is about
/// `size` bytes of JSON.
fn flood_data(seq: u32, size: usize) -> serde_json::Value {
    let digits = seq.checked_ilog10().unwrap_or(0) as usize + 1;
    let pad = size.saturating_sub(FLOOD_ENVELOPE + digits);
    json!({ "seq": seq, "pad": "x".repeat(pad) })
}

/// About `bytes` bytes of result: rows of ~80 bytes of JSON each, or one text block.
pub(crate) fn big_result(bytes: usize, shape: &BigShape) -> CallToolResult {
    match shape {
        BigShape::Text => {
            let line =
                "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.\n";
            let text: String = line.chars().cycle().take(bytes).collect();
            CallToolResult::success(vec![ContentBlock::text(text)])
        }
        BigShape::Rows => {
            let rows: Vec<serde_json::Value> = (0..bytes / 80)
                .map(|i| {
                    json!({"id": i, "name": format!("row-{i:07}"), "active": i % 3 == 0,
                    "score": (i % 1000) as f64 / 10.0, "tags": ["demo", "big"]})
                })
                .collect();
            let mut result =
                CallToolResult::success(vec![ContentBlock::text(format!("{} rows", rows.len()))]);
            result.structured_content = Some(json!({ "rows": rows }));
            result
        }
    }
}

fn tool_error(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message.into())])
}

fn cancelled() -> CallToolResult {
    tool_error("cancelled by the client")
}

fn transport_error(error: ServiceError) -> McpError {
    McpError::internal_error(format!("cannot send a notification: {error}"), None)
}

/// Runs `future` unless `ct` is cancelled first (`None`).
async fn until_cancelled<T>(ct: &CancellationToken, future: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        value = future => Some(value),
        () = ct.cancelled() => None,
    }
}

#[cfg(test)]
mod tests {
    use rmcp::model::{LoggingMessageNotification, ServerJsonRpcMessage, ServerNotification};

    use super::*;

    fn wire_len(seq: u32, size: usize) -> usize {
        let param = LoggingMessageNotificationParam::new(LoggingLevel::Info, flood_data(seq, size))
            .with_logger(FLOOD_LOGGER);
        let message = ServerJsonRpcMessage::notification(ServerNotification::LoggingMessageNotification(
            LoggingMessageNotification::new(param),
        ));
        serde_json::to_string(&message).map(|s| s.len()).unwrap_or(0)
    }

    #[test]
    fn flood_notifications_have_the_requested_size() {
        assert_eq!(wire_len(0, 200), 200);
        assert_eq!(wire_len(7, 200), 200);
        assert_eq!(wire_len(12_345, 1000), 1000);
        // Too small to pad: the envelope alone.
        assert!(wire_len(3, 10) > 10);
    }

    #[test]
    fn big_results_have_about_the_asked_size() {
        for shape in [BigShape::Rows, BigShape::Text] {
            let len = serde_json::to_string(&big_result(1_000_000, &shape)).map(|s| s.len()).unwrap_or(0);
            assert!((900_000..1_200_000).contains(&len), "{shape:?}: {len}");
        }
    }

    #[test]
    fn tool_router_lists_every_demo_tool() {
        let router = DemoHandler::tool_router();
        let mut names: Vec<String> = router.list_all().into_iter().map(|t| t.name.into()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "add",
                "ask_user",
                "big",
                "confirm_order",
                "echo",
                "fail",
                "flood",
                "forecast",
                "long_running",
                "sample",
                "touch"
            ]
        );
        let add = router.get("add").map(|t| t.output_schema.is_some());
        assert_eq!(add, Some(true));
    }
}
