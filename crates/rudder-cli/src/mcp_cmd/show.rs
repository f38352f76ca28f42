//! `rudder mcp list` and `rudder mcp get`: the configured servers, and
//! whether they connect.
//!
//! Contract: Claude Code's `mcp list` ("Checking MCP server health…", one
//! `name: command - ✓ Connected` line per server; unapproved `.mcp.json`
//! servers shown as pending, never started) and `mcp get <name>`. Values
//! are shown as written (`${VAR}` unexpanded), so secrets kept in the
//! environment stay out of the terminal. Servers are started as a headless
//! run would start them, waited for up to their start-up timeout, and
//! stopped before the command returns.

use std::time::Duration;

use rudder_mcp::config::ConfiguredServer;
use rudder_mcp::{McpManager, ServerPhase, ServerStatus};
use serde_json::Value;

use super::{CmdContext, CmdError};
use crate::args::Args;
use crate::mcp_setup::McpPlan;

/// `command args…` for stdio servers, `url (HTTP)` for remote ones, as
/// written in the configuration.
fn describe(server: &ConfiguredServer) -> String {
    let raw = &server.raw;
    let text = |key: &str| raw.get(key).and_then(Value::as_str).unwrap_or_default();
    if let Some(url) = raw.get("url").and_then(Value::as_str) {
        let kind = text("type").to_uppercase();
        return format!("{url} ({kind})");
    }
    let mut line = text("command").to_owned();
    for arg in raw
        .get("args")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        line.push(' ');
        line.push_str(arg.as_str().unwrap_or_default());
    }
    line
}

/// One status as `✓ Connected`, `✗ Failed to connect: …`, ….
fn health(status: &ServerStatus) -> String {
    let detail = status.detail.as_deref().unwrap_or_default();
    match status.phase {
        ServerPhase::Connected => format!("✓ Connected ({} tools)", status.tool_count),
        ServerPhase::Failed => format!("✗ Failed to connect: {detail}"),
        ServerPhase::NeedsAuth => format!("! Needs authentication: {detail}"),
        ServerPhase::Pending => format!("… Pending: {detail}"),
        ServerPhase::Disabled => format!("○ Disabled: {detail}"),
    }
}

/// Starts `plan`'s servers, waits for them to settle and stops them.
async fn check(plan: McpPlan) -> Result<Vec<ServerStatus>, CmdError> {
    let wait = plan.options.startup_timeout + Duration::from_secs(1);
    let manager = McpManager::start(plan.servers, plan.options)
        .map_err(|error| CmdError::Failed(error.to_string()))?;
    let statuses = manager.wait_all(tokio::time::Instant::now() + wait).await;
    manager.shutdown().await;
    Ok(statuses)
}

/// `rudder mcp list`.
pub async fn list(args: &Args, context: &CmdContext) -> Result<(), CmdError> {
    let plan = context.plan(args)?;
    if plan.servers.is_empty() {
        println!("No MCP servers configured. Use `rudder mcp add` to add a server.");
        return Ok(());
    }
    let servers = plan.servers.clone();
    println!("Checking MCP server health…\n");
    let statuses = check(plan).await?;
    for server in &servers {
        let health = statuses
            .iter()
            .find(|status| status.name == server.name)
            .map(health)
            .unwrap_or_default();
        println!(
            "{}: {} - {health} [{}]",
            server.name,
            describe(server),
            server.scope
        );
    }
    Ok(())
}

/// `rudder mcp get <name>`. Errors: no server of that name.
pub async fn get(args: &Args, context: &CmdContext, name: &str) -> Result<(), CmdError> {
    let mut plan = context.plan(args)?;
    let Some(server) = plan
        .servers
        .iter()
        .find(|server| server.name == name)
        .cloned()
    else {
        return Err(CmdError::Failed(format!(
            "No MCP server found with name: {name}"
        )));
    };
    plan.servers = vec![server.clone()];
    let statuses = check(plan).await?;
    println!("{name}:");
    println!("  Scope: {}", server.scope);
    if let Some(status) = statuses.first() {
        println!("  Status: {}", health(status));
    }
    let raw = &server.raw;
    let kind = raw.get("type").and_then(Value::as_str).unwrap_or("stdio");
    println!("  Type: {kind}");
    if let Some(url) = raw.get("url").and_then(Value::as_str) {
        println!("  URL: {url}");
    }
    if let Some(command) = raw.get("command").and_then(Value::as_str) {
        println!("  Command: {command}");
    }
    if let Some(list) = raw.get("args").and_then(Value::as_array) {
        let words: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
        println!("  Args: {}", words.join(" "));
    }
    for (label, key, separator) in [("Environment", "env", "="), ("Headers", "headers", ": ")] {
        if let Some(map) = raw.get(key).and_then(Value::as_object)
            && !map.is_empty()
        {
            println!("  {label}:");
            for (key, value) in map {
                println!("    {key}{separator}{}", value.as_str().unwrap_or_default());
            }
        }
    }
    println!("  Defined in: {}", server.origin);
    println!(
        "\nTo remove this server, run: rudder mcp remove \"{name}\" -s {}",
        server.scope
    );
    Ok(())
}
