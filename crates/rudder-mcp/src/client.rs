//! The one place rudder talks to rmcp as a client: connecting over a pipe,
//! streamable HTTP or legacy SSE (rudder's own transport, [`crate::sse`]),
//! and sending requests with a timeout and cancellation.
//!
//! Contract: MCP spec 2025-06-18 (lifecycle `initialize`; `tools/list`,
//! `tools/call`, `resources/list`, `resources/read`, `prompts/list`,
//! `prompts/get`; `notifications/cancelled` when a request is abandoned;
//! `notifications/tools/list_changed`) through rmcp 3.11. Results leave this
//! module as the spec's JSON (`serde_json::Value`) so no rmcp type escapes
//! the crate. Abandoning a request (timeout, cancel) drops rmcp's request
//! future, which sends `notifications/cancelled` for it.
//!
//! Never spawns or kills processes, never decides restarts.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, GetPromptRequestParams,
    Implementation, JsonObject, ReadResourceRequestParams,
};
use rmcp::service::{
    ClientInitializeError, NotificationContext, RoleClient, RunningService, ServiceError,
};
use rmcp::transport::IntoTransport;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientHandler, Peer, ServiceExt as _};
use rudder_model::proxy::ProxyConfig;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::RemoteSpec;
use crate::error::McpError;
use crate::sse::{self, EndReport, Ended, SseError};
use crate::tools::ServerTool;

/// rudder's client identity and notification sink.
#[derive(Clone)]
struct RudderClient {
    tools_changed: Arc<Notify>,
}

impl ClientHandler for RudderClient {
    fn on_tool_list_changed(
        &self,
        _context: NotificationContext<RoleClient>,
    ) -> impl Future<Output = ()> + Send + '_ {
        self.tools_changed.notify_one();
        std::future::ready(())
    }

    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("rudder", env!("CARGO_PKG_VERSION")),
        )
    }
}

/// Why a connection attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectError {
    /// The server answered 401/403: report `needs-auth`, do not restart.
    pub needs_auth: bool,
    /// Readable reason, with the server's message when it sent one.
    pub message: String,
}

/// A live MCP session with one server.
pub(crate) struct Connection {
    service: RunningService<RoleClient, RudderClient>,
    /// Fires when the server sends `notifications/tools/list_changed`.
    pub tools_changed: Arc<Notify>,
    /// Why a legacy SSE session ended (the other transports say nothing).
    end_report: Option<EndReport>,
}

impl Connection {
    /// Performs `initialize` over an already-open byte stream (a stdio
    /// server's stdout and stdin). `ct` aborts the handshake.
    pub async fn over_pipe<R, W>(
        read: R,
        write: W,
        ct: CancellationToken,
    ) -> Result<Self, ConnectError>
    where
        R: AsyncRead + Send + Unpin + 'static,
        W: AsyncWrite + Send + Unpin + 'static,
    {
        Self::initialize((read, write), ct, None)
            .await
            .map_err(|error| rmcp_error(&error))
    }

    /// Connects to a streamable HTTP endpoint with the configured headers
    /// (an `Authorization` header is sent as given), through `proxy`. `ct`
    /// aborts.
    pub async fn over_http(
        remote: &RemoteSpec,
        proxy: &ProxyConfig,
        ct: CancellationToken,
    ) -> Result<Self, ConnectError> {
        let mut headers = HashMap::new();
        for (name, value) in &remote.headers {
            let name = HeaderName::try_from(name.as_str()).map_err(|error| ConnectError {
                needs_auth: false,
                message: format!("invalid header name `{name}`: {error}"),
            })?;
            let value = HeaderValue::try_from(value.as_str()).map_err(|error| ConnectError {
                needs_auth: false,
                message: format!("invalid value for header `{name}`: {error}"),
            })?;
            headers.insert(name, value);
        }
        let client = proxy
            .apply(reqwest::Client::builder())
            .map_err(|error| ConnectError {
                needs_auth: false,
                message: error.to_string(),
            })?
            .build()
            .map_err(|error| ConnectError {
                needs_auth: false,
                message: format!("cannot build HTTP client: {error}"),
            })?;
        let config = StreamableHttpClientTransportConfig::with_uri(remote.url.as_str())
            .custom_headers(headers);
        let transport = StreamableHttpClientTransport::with_client(client, config);
        Self::initialize(transport, ct, None)
            .await
            .map_err(|error| rmcp_error(&error))
    }

    /// Opens a legacy HTTP+SSE session (MCP 2024-11-05; see [`crate::sse`])
    /// and performs `initialize` over it. `deadline` bounds the wait for the
    /// server's `endpoint` event; each POST must be acknowledged within
    /// `post_timeout`. Requests go through `proxy`. `ct` aborts the
    /// handshake.
    pub async fn over_sse(
        remote: &RemoteSpec,
        proxy: &ProxyConfig,
        deadline: tokio::time::Instant,
        post_timeout: Duration,
        ct: CancellationToken,
    ) -> Result<Self, ConnectError> {
        let transport = sse::open(remote, proxy, deadline, post_timeout)
            .await
            .map_err(|error| ConnectError {
                needs_auth: error.needs_auth(),
                message: error.to_string(),
            })?;
        let report = transport.end_report();
        Self::initialize(transport, ct, Some(report.clone()))
            .await
            .map_err(|error| {
                let failed_post = match &error {
                    ClientInitializeError::TransportError { error, .. } => {
                        error.error.downcast_ref::<SseError>()
                    }
                    _ => None,
                };
                if let Some(post) = failed_post {
                    return ConnectError {
                        needs_auth: post.needs_auth(),
                        message: post.to_string(),
                    };
                }
                match report.get() {
                    Some(ended) => ConnectError {
                        needs_auth: ended.needs_auth,
                        message: format!("{}: {}", error_chain(&error), ended.reason),
                    },
                    None => rmcp_error(&error),
                }
            })
    }

    /// rmcp's `initialize` handshake over any transport.
    async fn initialize<T, E, A>(
        transport: T,
        ct: CancellationToken,
        end_report: Option<EndReport>,
    ) -> Result<Self, ClientInitializeError>
    where
        T: IntoTransport<RoleClient, E, A>,
        E: std::error::Error + Send + Sync + 'static,
    {
        let tools_changed = Arc::new(Notify::new());
        let handler = RudderClient {
            tools_changed: tools_changed.clone(),
        };
        let service = handler.serve_with_ct(transport, ct).await?;
        Ok(Self {
            service,
            tools_changed,
            end_report,
        })
    }

    /// Why the transport ended, when it says (legacy SSE only): the stream
    /// ended or broke, or a POST was refused (`needs_auth`).
    pub fn ended(&self) -> Option<Ended> {
        self.end_report.as_ref().and_then(EndReport::get)
    }

    /// A cheap handle for requests.
    pub fn link(&self, server: &str) -> Link {
        Link {
            server: server.to_owned(),
            peer: self.service.peer().clone(),
        }
    }

    /// Whether the transport has closed (the server went away).
    pub fn is_closed(&self) -> bool {
        self.service.is_closed() || self.service.peer().is_transport_closed()
    }

    /// Ends the session (closing a stdio server's stdin), waiting at most
    /// `limit`.
    pub async fn close(mut self, limit: Duration) {
        let _ = self.service.close_with_timeout(limit).await;
    }
}

/// Maps rmcp's handshake error to a [`ConnectError`].
fn rmcp_error(error: &ClientInitializeError) -> ConnectError {
    classify(
        error,
        error.auth_challenge(),
        error.is_authorization_required(),
    )
}

/// Maps an error chain to a [`ConnectError`]. An HTTP 401/403 (with a
/// `WWW-Authenticate` challenge, flagged by rmcp, or recognised by its status
/// text) is `needs_auth`, with the server's challenge or message.
fn classify(error: &dyn std::error::Error, challenge: Option<&str>, auth: bool) -> ConnectError {
    let message = error_chain(error);
    if let Some(challenge) = challenge {
        return ConnectError {
            needs_auth: true,
            message: format!(
                "the server requires authorization (WWW-Authenticate: {challenge}); \
                 rudder does not do OAuth yet: configure an Authorization header"
            ),
        };
    }
    let needs_auth = auth
        || message.contains("HTTP 401")
        || message.contains("HTTP 403")
        || message.contains("Auth required");
    ConnectError {
        needs_auth,
        message,
    }
}

/// `error: cause: cause…`, without repeating a cause its parent already shows.
/// rmcp's transport errors name Rust types (`Transport [rmcp::…<…>] error:`);
/// those are dropped from the text.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = tidy(&error.to_string());
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = tidy(&cause.to_string());
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn tidy(message: &str) -> String {
    let mut out = message.to_owned();
    while let Some(start) = out.find("Transport [") {
        let Some(end) = out[start..].find("] error: ") else {
            break;
        };
        out.replace_range(start..start + end + "] error: ".len(), "transport error: ");
    }
    out.replace("Send message error transport error: ", "")
}

/// A request handle to one connected server (clone freely).
#[derive(Clone)]
pub(crate) struct Link {
    server: String,
    peer: Peer<RoleClient>,
}

impl Link {
    /// The server's capabilities object from `initialize` (spec JSON).
    pub fn capabilities(&self) -> Value {
        self.peer
            .peer_info()
            .and_then(|info| serde_json::to_value(&info.capabilities).ok())
            .unwrap_or(Value::Null)
    }

    /// Whether the server declared capability `name` (`tools`, `resources`,
    /// `prompts`).
    pub fn has_capability(&self, name: &str) -> bool {
        self.capabilities().get(name).is_some_and(|v| !v.is_null())
    }

    /// Every tool the server lists (all pages); items without a name are
    /// skipped with a warning.
    pub async fn list_tools(&self, timeout: Duration) -> Result<Vec<ServerTool>, McpError> {
        let never = CancellationToken::new();
        let tools = self
            .bounded("tools/list", timeout, &never, self.peer.list_all_tools())
            .await?;
        let mut out = Vec::with_capacity(tools.len());
        for tool in tools {
            let value = serde_json::to_value(&tool).unwrap_or(Value::Null);
            match ServerTool::from_json(&value) {
                Some(tool) => out.push(tool),
                None => tracing::warn!(server = %self.server, "skipping a tool without a name"),
            }
        }
        Ok(out)
    }

    /// `tools/call`; returns the result object as spec JSON.
    pub async fn call_tool(
        &self,
        tool: &str,
        arguments: Value,
        timeout: Duration,
        cancel: &CancellationToken,
    ) -> Result<Value, McpError> {
        let mut params = CallToolRequestParams::new(tool.to_owned());
        if let Some(arguments) = self.object_arguments(arguments)? {
            params = params.with_arguments(arguments);
        }
        let what = format!("tools/call {tool}");
        let result = self
            .bounded(&what, timeout, cancel, self.peer.call_tool(params))
            .await?;
        Ok(serde_json::to_value(&result).unwrap_or(Value::Null))
    }

    /// `resources/list` (all pages); returns the `resources[]` items.
    pub async fn list_resources(&self, timeout: Duration) -> Result<Vec<Value>, McpError> {
        let never = CancellationToken::new();
        let items = self
            .bounded(
                "resources/list",
                timeout,
                &never,
                self.peer.list_all_resources(),
            )
            .await?;
        Ok(items
            .iter()
            .filter_map(|item| serde_json::to_value(item).ok())
            .collect())
    }

    /// `resources/read`; returns the `contents[]` items.
    pub async fn read_resource(
        &self,
        uri: &str,
        timeout: Duration,
    ) -> Result<Vec<Value>, McpError> {
        let never = CancellationToken::new();
        let what = format!("resources/read {uri}");
        let result = self
            .bounded(
                &what,
                timeout,
                &never,
                self.peer.read_resource(ReadResourceRequestParams::new(uri)),
            )
            .await?;
        Ok(array_field(
            &serde_json::to_value(&result).unwrap_or(Value::Null),
            "contents",
        ))
    }

    /// `prompts/list` (all pages); returns the `prompts[]` items.
    pub async fn list_prompts(&self, timeout: Duration) -> Result<Vec<Value>, McpError> {
        let never = CancellationToken::new();
        let items = self
            .bounded(
                "prompts/list",
                timeout,
                &never,
                self.peer.list_all_prompts(),
            )
            .await?;
        Ok(items
            .iter()
            .filter_map(|item| serde_json::to_value(item).ok())
            .collect())
    }

    /// `prompts/get`; returns the result object (`description`, `messages`).
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: JsonObject,
        timeout: Duration,
    ) -> Result<Value, McpError> {
        let never = CancellationToken::new();
        let what = format!("prompts/get {name}");
        let params = GetPromptRequestParams::new(name).with_arguments(arguments);
        let result = self
            .bounded(&what, timeout, &never, self.peer.get_prompt(params))
            .await?;
        Ok(serde_json::to_value(&result).unwrap_or(Value::Null))
    }

    fn object_arguments(&self, arguments: Value) -> Result<Option<JsonObject>, McpError> {
        match arguments {
            Value::Null => Ok(None),
            Value::Object(map) => Ok(Some(map)),
            other => Err(McpError::Transport {
                server: self.server.clone(),
                message: format!("tool arguments must be a JSON object, got {other}"),
            }),
        }
    }

    /// Runs `request` until it answers, `timeout` passes or `cancel` fires;
    /// in the last two cases the request future is dropped, which makes rmcp
    /// send `notifications/cancelled`.
    async fn bounded<T>(
        &self,
        what: &str,
        timeout: Duration,
        cancel: &CancellationToken,
        request: impl Future<Output = Result<T, ServiceError>>,
    ) -> Result<T, McpError> {
        tokio::select! {
            result = request => result.map_err(|error| self.service_error(error)),
            () = tokio::time::sleep(timeout) => Err(McpError::Timeout {
                server: self.server.clone(),
                what: what.to_owned(),
                timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
            }),
            () = cancel.cancelled() => Err(McpError::Cancelled {
                server: self.server.clone(),
                what: what.to_owned(),
            }),
        }
    }

    fn service_error(&self, error: ServiceError) -> McpError {
        match error {
            ServiceError::McpError(data) => McpError::Server {
                server: self.server.clone(),
                code: data.code.0,
                message: data.message.into_owned(),
            },
            other => McpError::Transport {
                server: self.server.clone(),
                message: error_chain(&other),
            },
        }
    }
}

fn array_field(value: &Value, key: &str) -> Vec<Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_drops_rust_type_names() {
        assert_eq!(
            tidy(
                "Send message error Transport [rmcp::x::Y<a::B, c::D>] error: Broken pipe (os error 32), when send initialize request"
            ),
            "Broken pipe (os error 32), when send initialize request"
        );
        assert_eq!(
            tidy("HTTP 401 Unauthorized: {}"),
            "HTTP 401 Unauthorized: {}"
        );
    }
}
