//! TodoWrite: the whole list replaced per call, in session state.

use rudder_tools::todo::{TodoItem, TodoStatus};
use serde_json::json;

use crate::{Env, text};

#[tokio::test]
async fn each_call_replaces_the_list_and_reports_old_and_new() {
    let env = Env::new();
    let first = json!([
        {"content": "Write the parser", "status": "in_progress", "activeForm": "Writing the parser"},
        {"content": "Run the tests", "status": "pending", "activeForm": "Running the tests"}
    ]);
    let output = env.run("TodoWrite", json!({"todos": first})).await;
    assert!(!output.is_error);
    assert!(text(&output).contains("2 items (1 pending, 1 in progress, 0 completed)"));
    let second = json!([
        {"content": "Run the tests", "status": "completed", "activeForm": "Running the tests"}
    ]);
    let output = env.run("TodoWrite", json!({"todos": second})).await;
    assert_eq!(
        output.structured,
        Some(json!({"oldTodos": first, "newTodos": second}))
    );
    assert_eq!(
        env.ctx.state.todos(),
        [TodoItem {
            content: "Run the tests".to_owned(),
            status: TodoStatus::Completed,
            active_form: "Running the tests".to_owned(),
        }]
    );
}

#[tokio::test]
async fn invalid_items_are_refused_and_the_list_is_kept() {
    let env = Env::new();
    let cases = [
        (
            json!({"todos": [{"content": "", "status": "pending", "activeForm": "x"}]}),
            "non-empty",
        ),
        (
            json!({"todos": [{"content": "a", "status": "doing", "activeForm": "b"}]}),
            "unknown variant `doing`",
        ),
        (
            json!({"todos": [{"content": "a", "status": "pending"}]}),
            "missing field `activeForm`",
        ),
        (
            json!({"todos": [{"content": "a", "status": "pending", "activeForm": "b", "id": "1"}]}),
            "unknown field `id`",
        ),
    ];
    for (input, expected) in cases {
        let output = env.run("TodoWrite", input.clone()).await;
        assert!(output.is_error, "{input}");
        assert!(
            text(&output).contains(expected),
            "{input}: {}",
            text(&output)
        );
    }
    assert!(env.ctx.state.todos().is_empty());
}
