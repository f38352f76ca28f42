//! The registry: stable definitions, aliases, unknown names, panics and
//! the result size cap.

use std::sync::Arc;

use futures::future::BoxFuture;
use rudder_tools::{Tool, ToolContext, ToolOutput, ToolRegistry};
use serde_json::{Value, json};

use crate::{Env, path_after, text};

const ALL: [(&str, bool); 14] = [
    ("Bash", false),
    ("BashOutput", true),
    ("Edit", false),
    ("Glob", true),
    ("Grep", true),
    ("KillShell", false),
    ("LS", true),
    ("MultiEdit", false),
    ("NotebookEdit", false),
    ("Read", true),
    ("TodoWrite", true),
    ("WebFetch", true),
    ("WebSearch", true),
    ("Write", false),
];

#[test]
fn definitions_are_sorted_stable_and_free_of_machine_details() {
    let first = ToolRegistry::builtin();
    let second = ToolRegistry::builtin();
    let bytes = |registry: &ToolRegistry| serde_json::to_string(&registry.definitions()).unwrap();
    assert_eq!(bytes(&first), bytes(&second));
    assert_eq!(bytes(&first), bytes(&first));
    let names: Vec<&str> = ALL.iter().map(|(name, _)| *name).collect();
    assert_eq!(first.names(), names);
    for (name, read_only) in ALL {
        assert_eq!(first.get(name).unwrap().is_read_only(), read_only, "{name}");
    }
    let all = bytes(&first);
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
    let cwd = std::env::current_dir().unwrap().display().to_string();
    for machine in [
        home.as_str(),
        cwd.as_str(),
        "/tmp",
        "/work",
        env!("CARGO_MANIFEST_DIR"),
    ] {
        assert!(!all.contains(machine), "definitions mention {machine}");
    }
    for definition in first.definitions() {
        assert!(definition.cache_control.is_none());
        let schema = &definition.input_schema;
        assert_eq!(schema["type"], "object", "{}", definition.name);
        assert_eq!(schema["additionalProperties"], false, "{}", definition.name);
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        for required in schema["required"].as_array().unwrap() {
            assert!(
                schema["properties"]
                    .get(required.as_str().unwrap())
                    .is_some()
            );
        }
    }
}

#[test]
fn claude_code_schemas_keep_their_parameter_names() {
    let registry = ToolRegistry::builtin();
    let properties = |name: &str| -> Vec<String> {
        let definition = registry
            .definitions()
            .into_iter()
            .find(|d| d.name == name)
            .unwrap();
        definition.input_schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        properties("Bash"),
        [
            "command",
            "timeout",
            "description",
            "run_in_background",
            "dangerouslyDisableSandbox"
        ]
    );
    assert_eq!(
        properties("Grep"),
        [
            "pattern",
            "path",
            "glob",
            "output_mode",
            "-B",
            "-A",
            "-C",
            "-n",
            "-i",
            "type",
            "head_limit",
            "offset",
            "multiline"
        ]
    );
    assert_eq!(properties("BashOutput"), ["bash_id", "filter"]);
    assert_eq!(properties("KillShell"), ["shell_id"]);
    assert_eq!(properties("LS"), ["path", "ignore"]);
    assert_eq!(properties("TodoWrite"), ["todos"]);
    assert_eq!(properties("WebFetch"), ["url", "prompt"]);
    assert_eq!(
        properties("WebSearch"),
        ["query", "allowed_domains", "blocked_domains"]
    );
}

#[test]
fn aliases_resolve_but_are_not_listed_and_follow_retain() {
    let mut registry = ToolRegistry::builtin();
    assert_eq!(registry.get("TaskOutput").unwrap().name(), "BashOutput");
    assert_eq!(registry.get("TaskStop").unwrap().name(), "KillShell");
    assert!(!registry.names().iter().any(|name| name.starts_with("Task")));
    registry.retain(|name| name != "KillShell" && name != "WebSearch");
    assert!(registry.get("TaskStop").is_none());
    assert!(registry.get("WebSearch").is_none());
    assert_eq!(registry.names().len(), 12);
}

#[tokio::test]
async fn an_unknown_tool_is_an_error_result() {
    let env = Env::new();
    let output = env.run("Teleport", json!({})).await;
    assert!(output.is_error);
    assert!(text(&output).contains("No such tool: Teleport. Available tools: Bash, BashOutput"));
}

/// A tool that panics, or returns `size` bytes of text.
struct Stub {
    size: Option<usize>,
}

impl Tool for Stub {
    fn name(&self) -> &str {
        if self.size.is_some() { "Big" } else { "Broken" }
    }
    fn description(&self) -> &str {
        "stub"
    }
    fn input_schema(&self) -> Value {
        json!({"type": "object"})
    }
    fn is_read_only(&self) -> bool {
        true
    }
    fn execute<'a>(&'a self, _input: Value, _ctx: &'a ToolContext) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match self.size {
                None => panic!("stub exploded"),
                Some(size) => {
                    let body: String = (0..size)
                        .map(|i| char::from(b'a' + (i % 26) as u8))
                        .collect();
                    ToolOutput::text(format!("HEAD{body}TAIL"))
                }
            }
        })
    }
}

#[tokio::test]
async fn a_panicking_tool_becomes_an_error_result() {
    let mut env = Env::new();
    env.registry = ToolRegistry::new(vec![Arc::new(Stub { size: None })]);
    let output = env.run("Broken", json!({})).await;
    assert!(output.is_error);
    assert!(text(&output).contains("stub exploded"));
}

#[tokio::test]
async fn a_result_over_the_cap_is_spilled_with_head_tail_and_path() {
    let mut env = Env::new();
    env.registry = ToolRegistry::new(vec![Arc::new(Stub {
        size: Some(250_000),
    })]);
    env.ctx.limits.max_result_bytes = 20_000;
    let output = env.run_as("toolu_spill", "Big", json!({})).await;
    let shown = text(&output);
    assert!(shown.len() <= 20_000, "{} bytes", shown.len());
    assert!(shown.starts_with("HEADabc"));
    assert!(shown.ends_with("TAIL"));
    let path = path_after(&shown, "The full result is saved in:\n");
    assert_eq!(path, env.spill.join("toolu_spill.txt"));
    let saved = std::fs::read_to_string(&path).unwrap();
    assert_eq!(saved.len(), 250_008);
    assert!(saved.starts_with("HEADabc") && saved.ends_with("TAIL"));
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&env.spill), 0o700);
}

#[tokio::test]
async fn images_are_never_spilled() {
    let env = Env::new();
    let png = {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        bytes.resize(300_000, 7);
        bytes
    };
    let path = env.write("big.png", png);
    let mut ctx = env.ctx.clone();
    ctx.limits.max_result_bytes = 1_000;
    let output = env
        .registry
        .execute("Read", json!({"file_path": path}), &ctx)
        .await;
    assert!(!output.is_error, "{}", text(&output));
    assert!(output.content.byte_len() > 300_000);
    assert!(!env.spill.exists());
}
