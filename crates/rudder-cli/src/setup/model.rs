//! Which model a run uses and the client that reaches it.
//!
//! Model: `--model`, else `ANTHROPIC_MODEL`, else the `model` setting, else
//! the `sonnet` alias. Claude Code's aliases (`sonnet`, `opus`, `haiku`,
//! optionally with `[1m]`) resolve to full ids, overridable with
//! `ANTHROPIC_DEFAULT_{SONNET,OPUS,HAIKU}_MODEL` (CLAUDE-CODE-INTERFACE.md
//! §1.1, §4.3). The small, fast model (side calls such as WebFetch's
//! summary) is `ANTHROPIC_DEFAULT_HAIKU_MODEL` /
//! `ANTHROPIC_SMALL_FAST_MODEL`, else the `haiku` alias.
//!
//! Provider: `--provider anthropic|openai|<name from the providers
//! table>`, default anthropic. The base URL comes from `--base-url`, else
//! the provider entry, else the provider's own variable
//! (`ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL`). Every variable is read
//! through the settings-over-process lookup, which only holds project
//! `env` once the folder is trusted; so is every proxy variable
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, …) the client honours.
//!
//! Credential: the provider's variables first (`ANTHROPIC_AUTH_TOKEN`,
//! `ANTHROPIC_API_KEY`, `OPENAI_API_KEY` or the entry's `apiKeyEnv`), else
//! the `apiKeyHelper` command (Claude Code's order), whose key is kept
//! fresh by [`RefreshingClient`].
//!
//! Fallback: `--fallback-model`, else the `fallbackModel` setting, a comma
//! list tried in order when the model is overloaded (aliases resolved).

use std::sync::Arc;

use rudder_config::env::EnvOverrides;
use rudder_config::settings::{ProviderKind, ProviderModel, Settings};
use rudder_core::catalog::ModelAliases;
use rudder_model::anthropic::{AnthropicClient, AnthropicConfig, Auth};
use rudder_model::openai::{OpenAiClient, OpenAiConfig};
use rudder_model::proxy::ProxyConfig;
use rudder_model::refresh::{ClientFactory, KeySource, RefreshingClient};
use rudder_model::{ModelClient, ModelError};

use super::key_helper::{HelperCommand, helper_ttl};

/// Full ids the aliases stand for, unless overridden by environment.
const ALIASES: [(&str, &str, &str); 3] = [
    (
        "sonnet",
        "ANTHROPIC_DEFAULT_SONNET_MODEL",
        "claude-sonnet-4-6",
    ),
    ("opus", "ANTHROPIC_DEFAULT_OPUS_MODEL", "claude-opus-4-8"),
    ("haiku", "ANTHROPIC_DEFAULT_HAIKU_MODEL", "claude-haiku-4-5"),
];

/// The model and the client a run uses.
pub struct ModelSetup {
    /// Client of the chosen provider.
    pub client: Arc<dyn ModelClient>,
    /// Model id sent on the wire.
    pub model: String,
    /// Model id of side calls.
    pub small_model: String,
    /// Where the credential came from, for `system/init.apiKeySource`
    /// (`ANTHROPIC_API_KEY`, `ANTHROPIC_AUTH_TOKEN`, the provider's
    /// variable, `apiKeyHelper`, or `none`).
    pub api_key_source: String,
    /// What subagents' model aliases mean on this provider
    /// (`CLAUDE_CODE_SUBAGENT_MODEL` for subagents that name none). An
    /// OpenAI-compatible server knows no Claude aliases: there they all
    /// mean the chosen model.
    pub subagent_models: ModelAliases,
    /// The provider's name as chosen (`anthropic`, `openai`, or an entry of
    /// the `providers` table).
    pub provider: String,
    /// The endpoint's configuration (for `rudder doctor`), with a
    /// placeholder credential when the key comes from `key_source`.
    pub endpoint: Endpoint,
    /// The `apiKeyHelper`, when the key comes from it.
    pub key_source: Option<Arc<dyn KeySource>>,
    /// Models to fall back to, in order, when the model is overloaded.
    pub fallback_models: Vec<String>,
    /// What the `providers` table says about the model (context window,
    /// price), when it has an entry for it.
    pub model_info: Option<ProviderModel>,
}

/// The endpoint a run talks to, by wire format.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// Anthropic Messages.
    Anthropic(AnthropicConfig),
    /// OpenAI Chat Completions.
    OpenAi(OpenAiConfig),
}

impl Endpoint {
    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        match self {
            Self::Anthropic(config) => &config.base_url,
            Self::OpenAi(config) => &config.base_url,
        }
    }

    /// The proxies requests go through (from the settings `env` over the
    /// process environment).
    pub fn proxy(&self) -> &ProxyConfig {
        match self {
            Self::Anthropic(config) => &config.proxy,
            Self::OpenAi(config) => &config.proxy,
        }
    }

    /// The wire format's name: `anthropic` or `openai`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Anthropic(_) => "anthropic",
            Self::OpenAi(_) => "openai",
        }
    }

    /// Lists the endpoint's models (`GET /v1/models`), with `key` (from a
    /// key helper) in place of the configured credential when given.
    ///
    /// Errors: the client's [`ModelError`] (unreachable, HTTP status, bad
    /// body).
    pub async fn list_models(&self, key: Option<String>) -> Result<Vec<String>, ModelError> {
        match self {
            Self::Anthropic(config) => {
                let mut config = config.clone();
                if let Some(key) = key {
                    config.auth = Auth::Helper(key);
                }
                rudder_model::anthropic::list_models(&config).await
            }
            Self::OpenAi(config) => {
                let mut config = config.clone();
                if key.is_some() {
                    config.api_key = key;
                }
                rudder_model::openai::list_models(&config).await
            }
        }
    }
}

/// What the command line says about the model and provider.
pub struct ModelFlags<'a> {
    /// `--model`.
    pub model: Option<&'a str>,
    /// `--provider`.
    pub provider: Option<&'a str>,
    /// `--base-url`.
    pub base_url: Option<&'a str>,
    /// `--betas`.
    pub betas: &'a [String],
    /// `--fallback-model`.
    pub fallback_model: Option<&'a str>,
}

/// A stand-in credential that lets a configuration be validated before the
/// helper's key is known; replaced by the real key in every client built.
const HELPER_PLACEHOLDER: &str = "placeholder-until-apiKeyHelper-runs";

/// Resolves `name` if it is an alias (keeping a `[1m]` suffix); other ids
/// are returned unchanged.
pub fn resolve_alias(name: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let (base, suffix) = match name.find('[') {
        Some(at) => name.split_at(at),
        None => (name, ""),
    };
    ALIASES
        .iter()
        .find(|(alias, _, _)| *alias == base)
        .map(|(_, variable, default)| {
            let id = lookup(variable)
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| (*default).to_owned());
            format!("{id}{suffix}")
        })
        .unwrap_or_else(|| name.to_owned())
}

/// Each alias with the id it resolves to here (for `/model`).
pub fn resolved_aliases(lookup: &dyn Fn(&str) -> Option<String>) -> Vec<(String, String)> {
    ALIASES
        .iter()
        .map(|(alias, _, _)| ((*alias).to_owned(), resolve_alias(alias, lookup)))
        .collect()
}

/// Chooses the model and builds the client. `helper` is the
/// `apiKeyHelper` command (from trusted settings only), used when no
/// credential variable is set.
///
/// Errors: an unknown `--provider`, an OpenAI-compatible provider without
/// a model, or the client's configuration error (e.g. no API key, naming
/// the variables to set).
pub fn model_setup(
    flags: &ModelFlags<'_>,
    settings: &Settings,
    env: &EnvOverrides,
    lookup: &dyn Fn(&str) -> Option<String>,
    helper: Option<HelperCommand>,
) -> Result<ModelSetup, String> {
    let provider_name = flags.provider.unwrap_or("anthropic");
    let entry = settings.providers.get(provider_name);
    let kind = match (provider_name, entry) {
        (_, Some(entry)) => entry.kind,
        ("anthropic", None) => ProviderKind::Anthropic,
        ("openai", None) => ProviderKind::Openai,
        (other, None) => {
            let known: Vec<&str> = settings.providers.keys().map(String::as_str).collect();
            return Err(format!(
                "unknown provider `{other}`: use anthropic, openai, or a name from the `providers` setting ({})",
                if known.is_empty() {
                    "none defined".to_owned()
                } else {
                    known.join(", ")
                }
            ));
        }
    };
    let base_url = flags
        .base_url
        .map(str::to_owned)
        .or_else(|| entry.and_then(|entry| entry.base_url.clone()));
    let key_variable = entry.and_then(|entry| entry.api_key_env.clone());
    let requested = rudder_config::env::resolve_model(flags.model, env, settings);
    let small = env.small_fast_model.clone();
    let is_set = |name: &str| lookup(name).is_some_and(|value| !value.trim().is_empty());
    let fallback_list = flags
        .fallback_model
        .map(str::to_owned)
        .or_else(|| settings.fallback_model.clone())
        .unwrap_or_default();
    let fallbacks = fallback_list
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty());
    match kind {
        ProviderKind::Anthropic => {
            let key_lookup = |name: &str| match (&key_variable, name) {
                (Some(variable), "ANTHROPIC_API_KEY") => lookup(variable),
                (Some(_), "ANTHROPIC_AUTH_TOKEN") => None,
                _ => lookup(name),
            };
            let has_key = match &key_variable {
                Some(variable) => is_set(variable),
                None => is_set("ANTHROPIC_API_KEY") || is_set("ANTHROPIC_AUTH_TOKEN"),
            };
            let helper = helper.filter(|_| !has_key);
            let with_placeholder = |name: &str| match name {
                "ANTHROPIC_API_KEY" => Some(HELPER_PLACEHOLDER.to_owned()),
                _ => key_lookup(name),
            };
            let source: &dyn Fn(&str) -> Option<String> = if helper.is_some() {
                &with_placeholder
            } else {
                &key_lookup
            };
            let mut config = AnthropicConfig::from_env(source, base_url.as_deref())
                .map_err(|error| error.to_string())?;
            config.betas = flags.betas.to_vec();
            let client = AnthropicClient::new(config.clone()).map_err(|error| error.to_string())?;
            let (client, key_source, api_key_source): (Arc<dyn ModelClient>, _, _) = match helper {
                Some(helper) => {
                    let template = config.clone();
                    let build: ClientFactory = Box::new(move |key| {
                        let mut config = template.clone();
                        config.auth = Auth::Helper(key);
                        Ok(Arc::new(AnthropicClient::new(config)?) as Arc<dyn ModelClient>)
                    });
                    let source: Arc<dyn KeySource> = Arc::new(helper);
                    let client = RefreshingClient::new(
                        Arc::clone(&source),
                        build,
                        helper_ttl(lookup),
                        "anthropic",
                        true,
                    );
                    (Arc::new(client), Some(source), "apiKeyHelper".to_owned())
                }
                None => {
                    let api_key_source = key_variable
                        .clone()
                        .unwrap_or_else(|| config.auth.env_var().to_owned());
                    (Arc::new(client), None, api_key_source)
                }
            };
            let model = resolve_alias(requested.as_deref().unwrap_or("sonnet"), lookup);
            Ok(ModelSetup {
                client,
                model_info: model_info(entry, &model),
                model,
                small_model: resolve_alias(small.as_deref().unwrap_or("haiku"), lookup),
                api_key_source,
                provider: provider_name.to_owned(),
                endpoint: Endpoint::Anthropic(config),
                key_source,
                fallback_models: fallbacks.map(|name| resolve_alias(name, lookup)).collect(),
                subagent_models: ModelAliases {
                    sonnet: resolve_alias("sonnet", lookup),
                    opus: resolve_alias("opus", lookup),
                    haiku: resolve_alias("haiku", lookup),
                    subagent_default: lookup("CLAUDE_CODE_SUBAGENT_MODEL")
                        .filter(|model| !model.trim().is_empty())
                        .map(|model| resolve_alias(model.trim(), lookup)),
                },
            })
        }
        ProviderKind::Openai => {
            let Some(model) = requested else {
                return Err(format!(
                    "provider `{provider_name}` speaks the OpenAI format and has no default model: choose one with --model"
                ));
            };
            let has_key = is_set(key_variable.as_deref().unwrap_or("OPENAI_API_KEY"));
            let helper = helper.filter(|_| !has_key);
            let with_placeholder = |name: &str| match name {
                "OPENAI_API_KEY" => Some(HELPER_PLACEHOLDER.to_owned()),
                _ => lookup(name),
            };
            let source: &dyn Fn(&str) -> Option<String> = if helper.is_some() {
                &with_placeholder
            } else {
                lookup
            };
            let mut config = OpenAiConfig::from_env(source, base_url.as_deref())
                .map_err(|error| error.to_string())?;
            if let (Some(variable), None) = (&key_variable, &helper) {
                config.api_key = lookup(variable);
            }
            let client = OpenAiClient::new(config.clone()).map_err(|error| error.to_string())?;
            let (client, key_source, api_key_source): (Arc<dyn ModelClient>, _, _) = match helper {
                Some(helper) => {
                    let template = config.clone();
                    let build: ClientFactory = Box::new(move |key| {
                        let mut config = template.clone();
                        config.api_key = Some(key);
                        Ok(Arc::new(OpenAiClient::new(config)?) as Arc<dyn ModelClient>)
                    });
                    let source: Arc<dyn KeySource> = Arc::new(helper);
                    let client = RefreshingClient::new(
                        Arc::clone(&source),
                        build,
                        helper_ttl(lookup),
                        "openai",
                        false,
                    );
                    (Arc::new(client), Some(source), "apiKeyHelper".to_owned())
                }
                None => {
                    let api_key_source = match (&key_variable, &config.api_key) {
                        (_, None) => "none".to_owned(),
                        (Some(variable), Some(_)) => variable.clone(),
                        (None, Some(_)) => "OPENAI_API_KEY".to_owned(),
                    };
                    (Arc::new(client), None, api_key_source)
                }
            };
            Ok(ModelSetup {
                client,
                small_model: small.unwrap_or_else(|| model.clone()),
                model_info: model_info(entry, &model),
                subagent_models: ModelAliases {
                    sonnet: model.clone(),
                    opus: model.clone(),
                    haiku: model.clone(),
                    subagent_default: lookup("CLAUDE_CODE_SUBAGENT_MODEL")
                        .filter(|model| !model.trim().is_empty()),
                },
                model,
                api_key_source,
                provider: provider_name.to_owned(),
                endpoint: Endpoint::OpenAi(config),
                key_source,
                fallback_models: fallbacks.map(str::to_owned).collect(),
            })
        }
    }
}

/// The `providers` table's entry for `model`, if any.
fn model_info(
    entry: Option<&rudder_config::settings::ProviderSettings>,
    model: &str,
) -> Option<ProviderModel> {
    entry.and_then(|entry| entry.models.get(model).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve_and_keep_the_long_context_suffix() {
        let none = |_: &str| None;
        assert_eq!(resolve_alias("sonnet", &none), "claude-sonnet-4-6");
        assert_eq!(resolve_alias("opus[1m]", &none), "claude-opus-4-8[1m]");
        assert_eq!(
            resolve_alias("claude-haiku-4-5-20251001", &none),
            "claude-haiku-4-5-20251001"
        );
        let pinned = |name: &str| {
            (name == "ANTHROPIC_DEFAULT_OPUS_MODEL").then(|| "claude-opus-4-5".to_owned())
        };
        assert_eq!(resolve_alias("opus", &pinned), "claude-opus-4-5");
    }

    #[test]
    fn an_unknown_provider_names_the_choices() {
        let flags = ModelFlags {
            model: None,
            provider: Some("ollama"),
            base_url: None,
            betas: &[],
            fallback_model: None,
        };
        let error = model_setup(
            &flags,
            &Settings::default(),
            &EnvOverrides::default(),
            &|_| None,
            None,
        )
        .err()
        .unwrap_or_default();
        assert!(error.contains("unknown provider `ollama`"), "{error}");
    }

    #[test]
    fn a_missing_key_names_both_variables() {
        let flags = ModelFlags {
            model: None,
            provider: None,
            base_url: None,
            betas: &[],
            fallback_model: None,
        };
        let error = model_setup(
            &flags,
            &Settings::default(),
            &EnvOverrides::default(),
            &|_| None,
            None,
        )
        .err()
        .unwrap_or_default();
        assert!(
            error.contains("ANTHROPIC_API_KEY") && error.contains("ANTHROPIC_AUTH_TOKEN"),
            "{error}"
        );
    }
}
