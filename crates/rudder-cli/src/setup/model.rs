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
//! `env` once the folder is trusted.

use std::sync::Arc;

use rudder_config::env::EnvOverrides;
use rudder_config::settings::{ProviderKind, Settings};
use rudder_model::ModelClient;
use rudder_model::anthropic::{AnthropicClient, AnthropicConfig};
use rudder_model::openai::{OpenAiClient, OpenAiConfig};

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
    /// variable, or `none`).
    pub api_key_source: String,
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
}

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

/// Chooses the model and builds the client.
///
/// Errors: an unknown `--provider`, an OpenAI-compatible provider without
/// a model, or the client's configuration error (e.g. no API key, naming
/// the variables to set).
pub fn model_setup(
    flags: &ModelFlags<'_>,
    settings: &Settings,
    env: &EnvOverrides,
    lookup: &dyn Fn(&str) -> Option<String>,
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
    match kind {
        ProviderKind::Anthropic => {
            let key_lookup = |name: &str| match (&key_variable, name) {
                (Some(variable), "ANTHROPIC_API_KEY") => lookup(variable),
                (Some(_), "ANTHROPIC_AUTH_TOKEN") => None,
                _ => lookup(name),
            };
            let mut config = AnthropicConfig::from_env(&key_lookup, base_url.as_deref())
                .map_err(|error| error.to_string())?;
            config.betas = flags.betas.to_vec();
            let api_key_source = key_variable
                .clone()
                .unwrap_or_else(|| config.auth.env_var().to_owned());
            let client = AnthropicClient::new(config).map_err(|error| error.to_string())?;
            Ok(ModelSetup {
                client: Arc::new(client),
                model: resolve_alias(requested.as_deref().unwrap_or("sonnet"), lookup),
                small_model: resolve_alias(small.as_deref().unwrap_or("haiku"), lookup),
                api_key_source,
            })
        }
        ProviderKind::Openai => {
            let Some(model) = requested else {
                return Err(format!(
                    "provider `{provider_name}` speaks the OpenAI format and has no default model: choose one with --model"
                ));
            };
            let mut config = OpenAiConfig::from_env(lookup, base_url.as_deref())
                .map_err(|error| error.to_string())?;
            if let Some(variable) = &key_variable {
                config.api_key = lookup(variable);
            }
            let api_key_source = match (&key_variable, &config.api_key) {
                (_, None) => "none".to_owned(),
                (Some(variable), Some(_)) => variable.clone(),
                (None, Some(_)) => "OPENAI_API_KEY".to_owned(),
            };
            let client = OpenAiClient::new(config).map_err(|error| error.to_string())?;
            Ok(ModelSetup {
                client: Arc::new(client),
                small_model: small.unwrap_or_else(|| model.clone()),
                model,
                api_key_source,
            })
        }
    }
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
        };
        let error = model_setup(
            &flags,
            &Settings::default(),
            &EnvOverrides::default(),
            &|_| None,
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
        };
        let error = model_setup(
            &flags,
            &Settings::default(),
            &EnvOverrides::default(),
            &|_| None,
        )
        .err()
        .unwrap_or_default();
        assert!(
            error.contains("ANTHROPIC_API_KEY") && error.contains("ANTHROPIC_AUTH_TOKEN"),
            "{error}"
        );
    }
}
