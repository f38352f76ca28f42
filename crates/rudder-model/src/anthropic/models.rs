//! The Anthropic Models API: `GET {base}/v1/models`, for `rudder doctor`.
//!
//! Contract: <https://docs.anthropic.com/en/api/models-list> — a page is
//! `{"data":[{"id","type","display_name","created_at"}],"has_more",
//! "first_id","last_id"}`, the next page is asked for with
//! `after_id=<last_id>`. Same headers as a Messages request (version,
//! credential, betas, custom headers); never shows the credential.

use serde::Deserialize;

use super::{AnthropicConfig, endpoint};
use crate::client::ModelError;
use crate::http;

/// Pages read at most (1000 models each): a bound, not a limit anyone hits.
const MAX_PAGES: usize = 10;

#[derive(Deserialize)]
struct Page {
    data: Vec<Model>,
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    last_id: Option<String>,
}

#[derive(Deserialize)]
struct Model {
    id: String,
}

/// The model ids the endpoint offers, in the server's order (newest first
/// on Anthropic's API), following pagination.
///
/// Errors: [`ModelError::Config`] for a bad config (see
/// [`super::AnthropicClient::new`]); [`ModelError::Network`] when the
/// server cannot be reached; [`ModelError::Http`] for a non-2xx answer
/// (401 for a rejected key) with the API's message; [`ModelError::Decode`]
/// when the body is not a model list.
pub async fn list_models(config: &AnthropicConfig) -> Result<Vec<String>, ModelError> {
    let (base, headers) = endpoint(config, false)?;
    let client = http::http_client(&config.user_agent, &config.proxy)?;
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut url = format!("{base}/v1/models?limit=1000");
        if let Some(last) = &after {
            url.push_str("&after_id=");
            url.push_str(last);
        }
        let what = format!("GET {url}");
        let response = http::send(client.get(&url).headers(headers.clone()), &what).await?;
        let body = response.bytes().await.map_err(|err| {
            ModelError::Network(format!(
                "{what}: reading the response failed: {}",
                http::chain(&err.without_url())
            ))
        })?;
        let page: Page = serde_json::from_slice(&body).map_err(|err| {
            ModelError::Decode(format!(
                "{what}: expected {{\"data\":[{{\"id\":…}}]}}: {err}; body: {}",
                http::quote(&String::from_utf8_lossy(&body))
            ))
        })?;
        ids.extend(page.data.into_iter().map(|model| model.id));
        match (page.has_more, page.last_id) {
            (true, Some(last)) => after = Some(last),
            _ => break,
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use rudder_testkit::{MockServer, Scenario};

    use super::*;
    use crate::anthropic::Auth;

    #[tokio::test]
    async fn lists_the_testkit_model_with_the_request_headers() {
        let scenario =
            Scenario::from_json_str(r#"{"turns": [], "response_model": "claude-test-1"}"#).unwrap();
        let server = MockServer::spawn(scenario).unwrap();
        let config = AnthropicConfig {
            base_url: server.base_url(),
            auth: Auth::Helper("helper-key".into()),
            betas: Vec::new(),
            extra_headers: Vec::new(),
            user_agent: "rudder/test".into(),
            proxy: crate::proxy::ProxyConfig::default(),
        };
        assert_eq!(list_models(&config).await.unwrap(), ["claude-test-1"]);
        let requests = server.requests();
        assert_eq!(requests[0].path, "/v1/models?limit=1000");
        assert_eq!(requests[0].header("x-api-key"), Some("helper-key"));
        assert_eq!(
            requests[0].header("authorization"),
            Some("Bearer helper-key")
        );
        assert_eq!(requests[0].header("anthropic-version"), Some("2023-06-01"));
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_a_network_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let config = AnthropicConfig {
            base_url: format!("http://127.0.0.1:{port}"),
            auth: Auth::ApiKey("k".into()),
            betas: Vec::new(),
            extra_headers: Vec::new(),
            user_agent: "rudder/test".into(),
            proxy: crate::proxy::ProxyConfig::default(),
        };
        let error = list_models(&config).await.unwrap_err();
        assert!(matches!(error, ModelError::Network(_)), "{error}");
    }
}
