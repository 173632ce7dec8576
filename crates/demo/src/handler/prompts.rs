//! The demo prompts.

use rmcp::{
    handler::server::wrapper::Parameters,
    model::{GetPromptResult, PromptMessage, Role},
    prompt, prompt_router,
    schemars::{self, JsonSchema},
};
use serde::Deserialize;

use super::DemoHandler;

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct GreetingArgs {
    /// Who to greet.
    name: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct CodeReviewArgs {
    /// The code to review.
    code: String,
    /// The language of the code, if known.
    #[serde(default)]
    language: Option<String>,
}

#[prompt_router(vis = "pub(crate)")]
impl DemoHandler {
    /// A friendly greeting for someone.
    #[prompt(name = "greeting")]
    async fn greeting(&self, Parameters(args): Parameters<GreetingArgs>) -> GetPromptResult {
        GetPromptResult::new(vec![PromptMessage::new_text(
            Role::User,
            format!("Please write a short, friendly greeting for {}.", args.name),
        )])
        .with_description(format!("Greeting for {}", args.name))
    }

    /// Asks for a review of a piece of code.
    #[prompt(name = "code_review")]
    async fn code_review(&self, Parameters(args): Parameters<CodeReviewArgs>) -> GetPromptResult {
        let language = args.language.as_deref().unwrap_or("");
        let described =
            if language.is_empty() { "this code".to_owned() } else { format!("this {language} code") };
        GetPromptResult::new(vec![
            PromptMessage::new_text(
                Role::Assistant,
                "I review code for correctness, clarity and safety, and say why for each point.",
            ),
            PromptMessage::new_text(
                Role::User,
                format!("Please review {described}:\n\n```{language}\n{}\n```", args.code),
            ),
        ])
        .with_description(format!("Review of {described}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_router_lists_both_prompts_with_their_arguments() {
        let router = DemoHandler::prompt_router();
        let mut prompts = router.list_all();
        prompts.sort_by(|a, b| a.name.cmp(&b.name));
        let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["code_review", "greeting"]);
        let args: Vec<(String, Option<bool>)> =
            prompts[0].arguments.iter().flatten().map(|a| (a.name.clone(), a.required)).collect();
        assert_eq!(args, [("code".to_owned(), Some(true)), ("language".to_owned(), Some(false))]);
    }
}
