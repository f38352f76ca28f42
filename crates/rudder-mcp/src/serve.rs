//! Server mode (`rudder mcp serve`): rudder's own tools offered to other MCP
//! clients over stdio.
//!
//! Contract: MCP spec 2025-06-18 server side of `initialize`, `tools/list`
//! and `tools/call` (unknown tool → JSON-RPC error -32602; a cancelled call
//! is abandoned on `notifications/cancelled`), newline-delimited JSON-RPC on
//! stdin/stdout (rmcp's codec); Claude Code's `claude mcp serve` (§1.2).
//!
//! Generic: what the tools are and whether a call is allowed is the
//! [`ServeHandler`]'s business (the CLI implements it with the built-in
//! tools under the permission policy). This module never writes to stdout
//! itself: stdout carries the protocol.

use std::sync::Arc;

use futures::future::BoxFuture;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler, ServiceExt as _};
use rudder_protocol::ToolDefinition;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::client::error_chain;
use crate::error::McpError;
use crate::tools::McpToolResult;

/// What `rudder mcp serve` exposes. Implemented by the CLI.
pub trait ServeHandler: Send + Sync + 'static {
    /// The tools to list (name, description, input schema), in the order to
    /// list them. Called for every `tools/list`.
    fn tools(&self) -> Vec<ToolDefinition>;

    /// Runs tool `name` with `args` (the call's `arguments` object, `{}` when
    /// absent) and returns its result; a refused or failed call is a result
    /// with `is_error: true`. The future is dropped if the client cancels.
    fn call<'a>(&'a self, name: &'a str, args: Value) -> BoxFuture<'a, McpToolResult>;
}

/// Serves `handler` on this process's stdin/stdout until the client closes
/// stdin. Errors: the handshake failed or the transport broke.
pub async fn serve_stdio(handler: Arc<dyn ServeHandler>) -> Result<(), McpError> {
    let (stdin, stdout) = rmcp::transport::stdio();
    serve_io(handler, stdin, stdout).await
}

/// Serves `handler` over any byte stream pair (for tests and embedding):
/// JSON-RPC lines are read from `read` and written to `write` until `read`
/// ends. Errors: the handshake failed or the transport broke.
pub async fn serve_io<R, W>(
    handler: Arc<dyn ServeHandler>,
    read: R,
    write: W,
) -> Result<(), McpError>
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    let running = Bridge { handler }
        .serve((read, write))
        .await
        .map_err(|error| McpError::Serve(error_chain(&error)))?;
    running
        .waiting()
        .await
        .map_err(|error| McpError::Serve(error.to_string()))?;
    Ok(())
}

/// Adapts a [`ServeHandler`] to rmcp's server trait.
struct Bridge {
    handler: Arc<dyn ServeHandler>,
}

impl ServerHandler for Bridge {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("rudder", env!("CARGO_PKG_VERSION")))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools: Vec<Value> = self
            .handler
            .tools()
            .into_iter()
            .map(|tool| {
                json!({
                    "name": tool.name,
                    "description": tool.description,
                    "inputSchema": tool.input_schema,
                })
            })
            .collect();
        serde_json::from_value(json!({ "tools": tools })).map_err(|error| {
            ErrorData::internal_error(format!("bad tool definition: {error}"), None)
        })
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        if !self.handler.tools().iter().any(|tool| tool.name == name) {
            return Err(ErrorData::invalid_params(
                format!("unknown tool `{name}`"),
                None,
            ));
        }
        let args = Value::Object(request.arguments.unwrap_or_default());
        let result = tokio::select! {
            result = self.handler.call(&name, args) => result,
            () = context.ct.cancelled() => {
                return Err(ErrorData::internal_error("the call was cancelled", None));
            }
        };
        let result: CallToolResult = serde_json::from_value(result.to_mcp()).map_err(|error| {
            ErrorData::internal_error(format!("bad tool result: {error}"), None)
        })?;
        Ok(CallToolResponse::Complete(result))
    }
}
