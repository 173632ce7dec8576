//! The history search language against a real SQLite store, and collection templates.

use mcpscope_session::collection::{self, CollectionError};
use mcpscope_store::{NewSession, Store, StoreError};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::rpc::json_value;
use crate::runner::fuzz;

fn query() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "method:", "status:", "dur:", "server:", "session:", "kind:", "\"", " ", ">", ">=", "<", "=",
            "ms", "s", "us", "µs", "1.5", "-", "NaN", "inf", "1e308", "9223372036854775807", "*", "AND",
            "OR", "NOT", "NEAR(", ")", "(", "^", "'", "\0", "é", "tools/call", "error", "404", "{", ":",
            "-- ", ";", "records", "'; DROP TABLE records; --",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z0-9]{1,5}",
        1 => ".{1,3}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

#[test]
fn any_history_query_is_answered_or_explained_never_an_sql_error() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let dir = std::env::temp_dir().join(format!("mcpscope-fuzz-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = rt.block_on(async {
        let store = Store::open_dir(&dir).await.expect("open the store");
        let recorder =
            store.recorder(NewSession::new("http://127.0.0.1:1/mcp", "cli")).await.expect("a session");
        recorder.record(note("tools/call \"quoted\" 'single' NEAR(a b) é"));
        store.finish(&recorder).await.expect("finish");
        store
    });
    fuzz("history_query", query(), |q| match rt.block_on(store.search(&q, 20)) {
        Ok(_) | Err(StoreError::Query(_)) => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!("{q:?}: {e}"))),
    });
    rt.block_on(store.close());
    let _ = std::fs::remove_dir_all(&dir);
}

fn note(text: &str) -> mcpscope_proto::Record {
    mcpscope_proto::Record {
        seq: 1,
        at_us: 0,
        elapsed_us: 0,
        direction: mcpscope_proto::Direction::Local,
        exchange: 0,
        kind: mcpscope_proto::RecordKind::Note { text: text.to_owned() },
        rpc: None,
        flags: Vec::new(),
        lint: Vec::new(),
        preview_of: None,
    }
}

/// A template: literal text (no braces) and `{{ name }}` placeholders.
#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Var { name: String, pad: bool },
}

#[test]
fn templates_put_each_value_in_verbatim_and_never_expand_twice() {
    let name = "[a-z_]{1,6}";
    let part = prop_oneof![
        "[^{}]{0,8}".prop_map(Part::Text),
        (name, any::<bool>()).prop_map(|(name, pad)| Part::Var { name, pad }),
    ];
    // Values may hold placeholders themselves: they must come out as written.
    let value = prop_oneof!["[^{}]{0,8}", Just("{{url}}".to_owned()), Just("}}{{".to_owned()), ".{0,8}"];
    let vars = prop::collection::btree_map(name, value, 0..6);
    let strategy = (prop::collection::vec(part, 0..8), vars, ".{0,24}", json_value());
    fuzz("collection_templates", strategy, |(parts, vars, junk, doc)| {
        let template: String = parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Var { name, pad: true } => format!("{{{{ {name} }}}}"),
                Part::Var { name, pad: false } => format!("{{{{{name}}}}}"),
            })
            .collect();
        let missing = parts.iter().find_map(|p| match p {
            Part::Var { name, .. } if !vars.contains_key(name) => Some(name.clone()),
            _ => None,
        });
        let out = collection::substitute(
            &json!({"a": [template.clone()], "keys": {template.clone(): 1}}),
            &vars,
            "r",
        );
        match (missing, out) {
            (None, Ok(v)) => {
                let expected: String = parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.as_str(),
                        Part::Var { name, .. } => vars[name].as_str(),
                    })
                    .collect();
                prop_assert_eq!(&v["a"][0], &Value::String(expected));
            }
            (Some(name), Err(CollectionError::MissingVariable { name: got, .. })) => {
                prop_assert_eq!(got, name)
            }
            (missing, out) => {
                return Err(TestCaseError::fail(format!(
                    "{template:?} with {vars:?}: missing {missing:?}, got {out:?}"
                )));
            }
        }
        // Any text and any document: a value or an error, never a panic.
        let _ = collection::substitute(&Value::String(junk), &vars, "r");
        let _ = collection::substitute(&doc, &vars, "r");
        Ok(())
    });
}
