//! The typed MCP schema of each protocol version, as tables from a method name to the types of
//! its message and of its result.
//!
//! The types come from `rust-mcp-schema`, generated from the official `schema.json` files. One
//! build of that crate holds one schema version only (its versions' generated modules clash),
//! so each version is taken from the newest release line that still carries it: `0.6` for
//! 2024-11-05 and 2025-03-26, `0.9` for 2025-06-18, `1` for 2025-11-25 and `2` for 2026-07-28.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::lean::{Gaps, fits_with_trail};
use crate::memo::{CheckerKey, Memo};

/// Who may send a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
    Both,
}

/// Why a message does not fit a type: where, and what serde said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub path: String,
    pub message: String,
}

/// Checks one JSON text against one schema type.
#[derive(Clone, Copy)]
pub(crate) struct Checker {
    pub name: &'static str,
    /// Checks the `result` member (the type is a result's), not the whole message.
    result: bool,
    /// The fast check (free-form members skipped), and where the values it skipped lay.
    fits: fn(&str) -> (bool, Gaps),
    /// The ordinary check, with the path of a misfit.
    explain: fn(&str) -> Result<(), Failure>,
}

impl Checker {
    /// Checks `text`: a message `memo` knows to fit this checker of `version` fits; else the
    /// fast check, remembered when it fits; a misfit is checked again the ordinary way and that
    /// verdict is the one returned.
    pub fn check(&self, version: &'static str, memo: &mut Memo, text: &str) -> Result<(), Failure> {
        let key = self.key(version);
        if memo.fits(key, text) {
            return Ok(());
        }
        match (self.fits)(text) {
            (true, Some(gaps)) => {
                memo.learn(key, text, &gaps);
                Ok(())
            }
            (true, None) => Ok(()),
            (false, _) => (self.explain)(text),
        }
    }

    /// Which checker this is, for the memo.
    pub fn key(&self, version: &'static str) -> CheckerKey {
        (version, self.name, self.result)
    }
}

/// A method of one version: who sends it, the type of the whole message, and for requests the
/// type of the `result` member of its response.
#[derive(Clone, Copy)]
pub(crate) struct Method {
    pub from: Side,
    pub message: Checker,
    pub result: Option<Checker>,
}

/// One protocol version's schema.
pub(crate) struct Schema {
    pub version: &'static str,
    pub method: fn(&str) -> Option<Method>,
    /// The type of an error response.
    pub error: Checker,
    /// Results that replace a method's usual one, chosen by a member of the result:
    /// `(member, value or "" for any, checker)` — a task handle (2025-11-25) or a request for
    /// more input (2026-07-28).
    pub alternates: &'static [(&'static str, &'static str, Checker)],
}

const fn whole<T: DeserializeOwned>(name: &'static str) -> Checker {
    Checker { name, result: false, fits: fits_with_trail::<T>, explain: explain::<T> }
}

/// The `result` member of a response, typed.
#[derive(Deserialize)]
struct ResultOf<T> {
    #[allow(dead_code)] // Read only to be checked.
    result: T,
}

const fn result<T: DeserializeOwned>(name: &'static str) -> Checker {
    Checker { name, result: true, fits: fits_with_trail::<ResultOf<T>>, explain: explain::<ResultOf<T>> }
}

/// The ordinary check, the path tracked: almost every message fits, and is checked the fast
/// way (free-form members skipped, see `lean`); only a misfit comes here.
fn explain<T: DeserializeOwned>(text: &str) -> Result<(), Failure> {
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(_) => de.end().map_err(|_| Failure {
            path: String::new(),
            message: "text follows the JSON document".to_owned(),
        }),
        Err(e) => {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            // serde_json ends its messages with a position in the text; the path says more.
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_owned(),
                None => message,
            };
            Err(Failure { path: if path == "." { String::new() } else { path }, message })
        }
    }
}

/// `version!(module, crate path, error type, requests {…}, notifications {…}, alternates)`.
macro_rules! version {
    (
        $module:ident, $version:literal, $schema:path, $error:ident,
        requests { $($m:literal: $side:ident => $req:ident -> $res:ident,)* }
        notifications { $($n:literal: $nside:ident => $note:ident,)* }
        alternates { $($key:literal = $val:literal => $alt:ident,)* }
    ) => {
        pub(crate) mod $module {
            use super::*;
            use $schema as s;

            fn method(name: &str) -> Option<Method> {
                Some(match name {
                    $($m => Method {
                        from: Side::$side,
                        message: whole::<s::$req>(stringify!($req)),
                        result: Some(result::<s::$res>(stringify!($res))),
                    },)*
                    $($n => Method {
                        from: Side::$nside,
                        message: whole::<s::$note>(stringify!($note)),
                        result: None,
                    },)*
                    _ => return None,
                })
            }

            pub(crate) static SCHEMA: Schema = Schema {
                version: $version,
                method,
                error: whole::<s::$error>(stringify!($error)),
                alternates: &[$(($key, $val, result::<s::$alt>(stringify!($alt))),)*],
            };
        }
    };
}

/// The versions with the `initialize` handshake (2024-11-05 to 2025-11-25) share most of their
/// methods: written once here, each version adds its own.
macro_rules! handshake_era {
    (
        $module:ident, $version:literal, $schema:path, $error:ident,
        requests { $($req:tt)* }
        notifications { $($note:tt)* }
        alternates { $($alt:tt)* }
    ) => {
        version!(
            $module, $version, $schema, $error,
            requests {
                "initialize": Client => InitializeRequest -> InitializeResult,
                "ping": Both => PingRequest -> EmptyResult,
                "resources/list": Client => ListResourcesRequest -> ListResourcesResult,
                "resources/templates/list": Client => ListResourceTemplatesRequest -> ListResourceTemplatesResult,
                "resources/read": Client => ReadResourceRequest -> ReadResourceResult,
                "resources/subscribe": Client => SubscribeRequest -> EmptyResult,
                "resources/unsubscribe": Client => UnsubscribeRequest -> EmptyResult,
                "prompts/list": Client => ListPromptsRequest -> ListPromptsResult,
                "prompts/get": Client => GetPromptRequest -> GetPromptResult,
                "tools/list": Client => ListToolsRequest -> ListToolsResult,
                "tools/call": Client => CallToolRequest -> CallToolResult,
                "logging/setLevel": Client => SetLevelRequest -> EmptyResult,
                "completion/complete": Client => CompleteRequest -> CompleteResult,
                "sampling/createMessage": Server => CreateMessageRequest -> CreateMessageResult,
                "roots/list": Server => ListRootsRequest -> ListRootsResult,
                $($req)*
            }
            notifications {
                "notifications/initialized": Client => InitializedNotification,
                "notifications/cancelled": Both => CancelledNotification,
                "notifications/progress": Both => ProgressNotification,
                "notifications/roots/list_changed": Client => RootsListChangedNotification,
                "notifications/message": Server => LoggingMessageNotification,
                "notifications/resources/list_changed": Server => ResourceListChangedNotification,
                "notifications/resources/updated": Server => ResourceUpdatedNotification,
                "notifications/prompts/list_changed": Server => PromptListChangedNotification,
                "notifications/tools/list_changed": Server => ToolListChangedNotification,
                $($note)*
            }
            alternates { $($alt)* }
        );
    };
}

handshake_era!(
    v2024_11_05, "2024-11-05", schema_06::mcp_2024_11_05, JsonrpcError,
    requests {
    }
    notifications {
    }
    alternates {}
);

handshake_era!(
    v2025_03_26, "2025-03-26", schema_06::mcp_2025_03_26, JsonrpcError,
    requests {
    }
    notifications {
    }
    alternates {}
);

handshake_era!(
    v2025_06_18, "2025-06-18", schema_09::mcp_2025_06_18, JsonrpcError,
    requests {
        "elicitation/create": Server => ElicitRequest -> ElicitResult,
    }
    notifications {
    }
    alternates {}
);

handshake_era!(
    v2025_11_25, "2025-11-25", schema_10::mcp_2025_11_25, JsonrpcErrorResponse,
    requests {
        "elicitation/create": Server => ElicitRequest -> ElicitResult,
        "tasks/get": Both => GetTaskRequest -> GetTaskResult,
        "tasks/result": Both => GetTaskPayloadRequest -> GetTaskPayloadResult,
        "tasks/list": Both => ListTasksRequest -> ListTasksResult,
        "tasks/cancel": Both => CancelTaskRequest -> CancelTaskResult,
    }
    notifications {
        "notifications/tasks/status": Both => TaskStatusNotification,
        "notifications/elicitation/complete": Server => ElicitationCompleteNotification,
    }
    alternates {
        "task" = "" => CreateTaskResult,
    }
);

version!(
    v2026_07_28, "2026-07-28", schema_20::mcp_2026_07_28, JsonrpcErrorResponse,
    requests {
        "server/discover": Client => DiscoverRequest -> DiscoverResult,
        "resources/list": Client => ListResourcesRequest -> ListResourcesResult,
        "resources/templates/list": Client => ListResourceTemplatesRequest -> ListResourceTemplatesResult,
        "resources/read": Client => ReadResourceRequest -> ReadResourceResult,
        "subscriptions/listen": Client => SubscriptionsListenRequest -> SubscriptionsListenResult,
        "prompts/list": Client => ListPromptsRequest -> ListPromptsResult,
        "prompts/get": Client => GetPromptRequest -> GetPromptResult,
        "tools/list": Client => ListToolsRequest -> ListToolsResult,
        "tools/call": Client => CallToolRequest -> CallToolResult,
        "completion/complete": Client => CompleteRequest -> CompleteResult,
    }
    notifications {
        "notifications/cancelled": Client => CancelledNotification,
        "notifications/progress": Server => ProgressNotification,
        "notifications/message": Server => LoggingMessageNotification,
        "notifications/resources/list_changed": Server => ResourceListChangedNotification,
        "notifications/resources/updated": Server => ResourceUpdatedNotification,
        "notifications/prompts/list_changed": Server => PromptListChangedNotification,
        "notifications/tools/list_changed": Server => ToolListChangedNotification,
        "notifications/subscriptions/acknowledged": Server => SubscriptionsAcknowledgedNotification,
    }
    alternates {
        "resultType" = "input_required" => InputRequiredResult,
    }
);

/// The schema of a protocol version mcpscope knows.
pub(crate) fn of(version: &str) -> Option<&'static Schema> {
    Some(match version {
        "2024-11-05" => &v2024_11_05::SCHEMA,
        "2025-03-26" => &v2025_03_26::SCHEMA,
        "2025-06-18" => &v2025_06_18::SCHEMA,
        "2025-11-25" => &v2025_11_25::SCHEMA,
        "2026-07-28" => &v2026_07_28::SCHEMA,
        _ => return None,
    })
}
