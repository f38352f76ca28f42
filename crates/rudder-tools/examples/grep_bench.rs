//! Runs the Grep tool once, as the agent would, and prints its entries one
//! per line, for `bench/grep_vs_rg.sh` to compare with `rg` (same matches,
//! time ratio). Not part of the product.
//!
//! Usage: `grep_bench files|count PATTERN ROOT` — `files` prints matching
//! files (like `rg -l`), `count` prints `path:count` lines (like
//! `rg --count`). Exit code 2 on bad arguments, 1 when the tool failed.

use std::process::ExitCode;
use std::sync::Arc;

use rudder_tools::{SessionToolState, ToolContext, ToolLimits, ToolRegistry};
use serde_json::json;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, pattern, root] = args.as_slice() else {
        eprintln!("usage: grep_bench files|count PATTERN ROOT");
        return ExitCode::from(2);
    };
    let output_mode = match mode.as_str() {
        "files" => "files_with_matches",
        "count" => "count",
        _ => {
            eprintln!("mode must be files or count");
            return ExitCode::from(2);
        }
    };
    let root = std::path::PathBuf::from(root);
    let ctx = ToolContext {
        project_dir: root.clone(),
        spill_dir: std::env::temp_dir().join("rudder-grep-bench"),
        state: Arc::new(SessionToolState::new(root.clone())),
        cancel: CancellationToken::new(),
        tool_use_id: "bench".to_owned(),
        limits: ToolLimits {
            max_result_bytes: usize::MAX,
            ..ToolLimits::default()
        },
        side_query: None,
        env: Vec::new(),
        sandbox_prefix: None,
        walk_filter: None,
    };
    let input = json!({"pattern": pattern, "path": root, "output_mode": output_mode});
    let output = ToolRegistry::builtin().execute("Grep", input, &ctx).await;
    let text = output.content.text();
    if output.is_error {
        eprintln!("{text}");
        return ExitCode::from(1);
    }
    let entries = match mode.as_str() {
        // "Found N files", then one path per line.
        "files" => text.lines().skip(1).collect::<Vec<_>>(),
        // `path:count` lines, a blank line, then the total.
        _ => text.lines().take_while(|line| !line.is_empty()).collect(),
    };
    if text != "No files found" && text != "No matches found" {
        for entry in entries {
            println!("{entry}");
        }
    }
    ExitCode::SUCCESS
}
