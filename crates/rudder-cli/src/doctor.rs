//! `rudder doctor`: is this setup able to work, and what is it?
//!
//! Prints, one line each: the provider and its wire format, the base URL,
//! the proxy requests go through, where the key comes from (never the key), the model with its context
//! window and price, the fallback models, the folder's trust state (and
//! what waits for it), the sandbox, and whether the endpoint answers
//! `GET /v1/models` — with the models it lists. Exits non-zero when the
//! endpoint does not answer, the key helper fails, or no client can be
//! built (issue 9; CLAUDE-CODE-INTERFACE.md §1.2 `claude doctor`).
//!
//! Runs nothing from an untrusted folder: settings load under the same
//! trust answer as a session, so a project's `apiKeyHelper` or base URL is
//! used only once the folder is trusted.

use rudder_config::settings::ModelPrice;
use rudder_model::pricing;
use rudder_policy::TrustStore;
use rudder_policy::sandbox::{self, SandboxStatus};

use crate::args::Args;
use crate::exit::Exit;
use crate::setup::{Context, ModelSetup};

/// Most model ids printed from the endpoint's list.
const MAX_LISTED: usize = 20;

/// Runs the checks and prints the report on stdout. Returns
/// [`Exit::Success`] when the endpoint answered, else [`Exit::Failure`].
pub async fn run(args: &Args) -> Exit {
    let mut context = match Context::load(args) {
        Ok(context) => context,
        Err(error) => {
            eprintln!("rudder doctor: {error}");
            return error.exit();
        }
    };
    let env = context.env_overrides();
    // What trust withholds is part of the report's folder line.
    let withheld = rudder_config::settings::withheld_notice(&context.loaded.withheld);
    for notice in context
        .notices
        .iter()
        .filter(|notice| Some(*notice) != withheld.as_ref())
    {
        eprintln!("rudder: {notice}");
    }
    let mut healthy = true;
    match context.model(args, &env) {
        Ok(chosen) => healthy &= model_report(&chosen).await,
        Err(error) => {
            line("model client", &format!("cannot be built: {error}"));
            healthy = false;
        }
    }
    line("folder", &trust_state(args, &context));
    line("sandbox", &sandbox_state(&context));
    if healthy {
        Exit::Success
    } else {
        Exit::Failure
    }
}

fn line(label: &str, text: &str) {
    println!("{label:<13}{text}");
}

/// Prints provider, key source, model and endpoint lines; true when the
/// endpoint answered.
async fn model_report(chosen: &ModelSetup) -> bool {
    let endpoint = &chosen.endpoint;
    line(
        "provider",
        &format!("{} ({} format)", chosen.provider, endpoint.kind()),
    );
    line("base URL", endpoint.base_url());
    line("proxy", &endpoint.proxy().describe());
    line("model", &model_line(chosen));
    line(
        "fallback",
        &if chosen.fallback_models.is_empty() {
            "none".to_owned()
        } else {
            chosen.fallback_models.join(", ")
        },
    );
    let key = match &chosen.key_source {
        Some(source) => match source.fetch().await {
            Ok(key) => {
                line("key source", "apiKeyHelper (it ran and printed a key)");
                Some(key)
            }
            Err(error) => {
                line("key source", &format!("apiKeyHelper failed: {error}"));
                return false;
            }
        },
        None => {
            line("key source", &chosen.api_key_source);
            None
        }
    };
    match endpoint.list_models(key).await {
        Ok(models) => {
            let listed = if models.is_empty() {
                "no models".to_owned()
            } else {
                let shown: Vec<&str> = models.iter().take(MAX_LISTED).map(String::as_str).collect();
                let more = models.len().saturating_sub(MAX_LISTED);
                format!(
                    "{} model(s): {}{}",
                    models.len(),
                    shown.join(", "),
                    if more > 0 {
                        format!(", … {more} more")
                    } else {
                        String::new()
                    }
                )
            };
            line("endpoint", &format!("answers; {listed}"));
            if !models.is_empty() && !models.iter().any(|id| id == &chosen.model) {
                line(
                    "",
                    &format!(
                        "note: {} is not in the endpoint's list (aliases and gateways may still accept it)",
                        chosen.model
                    ),
                );
            }
            true
        }
        Err(error) => {
            line("endpoint", &format!("does not answer: {error}"));
            false
        }
    }
}

/// `claude-sonnet-4-6 — context window 200000 tokens; $3/$15 per million
/// input/output tokens`.
fn model_line(chosen: &ModelSetup) -> String {
    let info = chosen.model_info.as_ref();
    let known = pricing::price(&chosen.model);
    let window = match info.and_then(|info| info.context_window) {
        Some(window) => format!("context window {window} tokens"),
        None if known.is_some() => format!(
            "context window {} tokens",
            pricing::context_window(&chosen.model)
        ),
        None => "context window unknown (set `contextWindow` in the providers table)".to_owned(),
    };
    let price = match (info.and_then(|info| info.price), known) {
        (Some(ModelPrice { input, output, .. }), _) => Some((input, output)),
        (None, Some(price)) => Some((price.input, price.output)),
        (None, None) => None,
    };
    let price = match price {
        Some((input, output)) => {
            format!("${input}/${output} per million input/output tokens")
        }
        None => "unpriced (costs are not counted)".to_owned(),
    };
    format!("{} — {window}; {price}", chosen.model)
}

fn trust_state(args: &Args, context: &Context) -> String {
    let cwd = context.cwd.display();
    if args.trust {
        return format!("{cwd} — trusted for this run (--trust)");
    }
    if context.trusted {
        let store = TrustStore::new(&context.rudder_home);
        return format!("{cwd} — trusted (in {})", store.file().display());
    }
    let withheld = rudder_config::settings::withheld_notice(&context.loaded.withheld)
        .map(|notice| format!("; {notice}"))
        .unwrap_or_default();
    format!("{cwd} — not trusted (`rudder trust` to trust it){withheld}")
}

fn sandbox_state(context: &Context) -> String {
    let enabled = context
        .loaded
        .settings
        .sandbox
        .as_ref()
        .and_then(|sandbox| sandbox.enabled)
        == Some(true);
    let setting = if enabled {
        "enabled in settings"
    } else {
        "not enabled (`\"sandbox\": {\"enabled\": true}`)"
    };
    let allowed = context
        .loaded
        .settings
        .sandbox
        .as_ref()
        .and_then(|sandbox| sandbox.network.as_ref())
        .map_or(0, |network| network.allowed_domains.len());
    let network = match (enabled, allowed) {
        (false, _) => String::new(),
        (true, 0) => "; commands have no network".to_owned(),
        (true, n) => format!(
            "; commands reach the network only through rudder's proxy \
             ({n} sandbox.network.allowedDomains entries)"
        ),
    };
    match sandbox::detect() {
        SandboxStatus::Available { bwrap } => {
            format!(
                "{setting}; bubblewrap works here ({}){network}",
                bwrap.display()
            )
        }
        SandboxStatus::Unavailable { reason } => format!("{setting}; unavailable: {reason}"),
    }
}
