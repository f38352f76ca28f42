//! Turning the command line, the settings files and the environment into a
//! session's configuration and services, before anything is sent.
//!
//! Order (so that nothing from an untrusted project runs or redirects
//! traffic — ARCHITECTURE.md "Nothing runs before trust"): the folder's
//! trust is decided first; settings load with that answer (project `env`,
//! hooks, helpers and allow rules are withheld until trusted); only then
//! is the environment overlay built, from which the model client takes its
//! base URL, key and proxies (WebFetch and remote MCP servers take the
//! same proxies). Problems that do not stop the run (a malformed
//! settings file, a withheld key) become notices printed on stderr.

pub(crate) mod context;
mod definitions;
pub(crate) mod gate;
mod key_helper;
mod model;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rudder_config::env::{EnvOverrides, effective_lookup};
use rudder_config::hooks::hooks_from_settings;
use rudder_config::memory::load_memory;
use rudder_config::settings::{LoadedSettings, withheld_notice};
use rudder_config::{ConfigPaths, SourceSet};
use rudder_core::approvals::PermissionStore;
use rudder_core::compaction::CompactionSettings;
use rudder_core::context::{Clock, ContextSettings, MemorySource};
use rudder_core::hooks::HookRunner;
use rudder_core::permissions::PermissionGate;
use rudder_core::prompt::SystemPromptOptions;
use rudder_core::session::{InitExtras, RequestSink};
use rudder_core::subagent::BackgroundPolicy;
use rudder_core::{SessionConfig, paths};
use rudder_model::ModelClient;
use rudder_model::proxy::ProxyConfig;
use rudder_model::retry::RetryPolicy;
use rudder_protocol::request::ThinkingConfig;
use rudder_tools::ToolLimits;
use rudder_tools::registry::ToolRegistry;

use crate::args::Args;
use crate::exit::Exit;
pub use context::Context;
pub use gate::is_trusted;
pub use model::ModelSetup;

/// Output token cap when `CLAUDE_CODE_MAX_OUTPUT_TOKENS` is unset (what
/// Claude Code sends for Sonnet-class models).
const DEFAULT_MAX_TOKENS: u32 = 32_000;

/// Why a run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The command line is wrong (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The environment or configuration cannot work (exit 1).
    #[error("{0}")]
    Config(String),
}

impl SetupError {
    /// The process exit status for this error.
    pub fn exit(&self) -> Exit {
        match self {
            Self::Usage(_) => Exit::Usage,
            Self::Config(_) => Exit::Failure,
        }
    }
}

/// How the session begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// A new session.
    New,
    /// Continue the transcript at `path` (`--continue`, `--resume`);
    /// `fork` copies it under a new session id.
    Resume {
        /// The transcript to rebuild the session from.
        path: PathBuf,
        /// `--fork-session`.
        fork: bool,
    },
}

/// Everything a front end needs to run a session.
pub struct Setup {
    /// The session's configuration.
    pub config: SessionConfig,
    /// The model client.
    pub client: Arc<dyn ModelClient>,
    /// Built-in tools offered to the model.
    pub tools: Arc<ToolRegistry>,
    /// The permission policy.
    pub gate: Arc<dyn PermissionGate>,
    /// The hooks of every settings layer (project ones only once the
    /// folder is trusted).
    pub hooks: HookRunner,
    /// New session or resume.
    pub start: Start,
    /// Things the person should know (printed on stderr before the run).
    pub notices: Vec<String>,
    /// The run's MCP servers, not started yet.
    pub mcp: crate::mcp_setup::McpPlan,
    /// Every output style's name (the SDK's `available_output_styles`).
    pub output_styles: Vec<String>,
    /// What the interactive front end shows besides the session.
    pub interactive: InteractiveSetup,
    /// The folders settings are read from (and saved to).
    pub config_paths: ConfigPaths,
}

/// Settings only the interactive front end uses (`/memory`, `/model`,
/// `/hooks`, `/config`, the status line).
#[derive(Debug, Clone, Default)]
pub struct InteractiveSetup {
    /// Memory files loaded into the first message, with their level.
    pub memory_files: Vec<(PathBuf, String)>,
    /// Where `/memory` offers to create or edit memory files:
    /// `(label, file)` (see `interactive::memory::standard_places`).
    pub memory_places: Vec<(String, PathBuf)>,
    /// The settings as loaded for this session (under the folder's trust
    /// answer), for `/hooks` and `/config`.
    pub settings: LoadedSettings,
    /// Model aliases (`sonnet`, `opus`, `haiku`) and the ids they stand for.
    pub model_aliases: Vec<(String, String)>,
    /// The `statusLine` setting's command.
    pub status_line: Option<String>,
    /// Whether Shift+Tab may reach bypassPermissions.
    pub allow_bypass: bool,
}

impl Setup {
    /// Builds the setup for `args` from the process environment.
    ///
    /// Errors: [`SetupError::Usage`] for contradictory or invalid flags,
    /// [`SetupError::Config`] when no home directory, no credential or no
    /// session to resume can be found.
    pub async fn from_args(args: &Args) -> Result<Self, SetupError> {
        let mut context = Context::load(args)?;
        let env = context.env_overrides();
        let chosen = context.model(args, &env)?;
        let mut notices = std::mem::take(&mut context.notices);
        let Context {
            cwd,
            rudder_home,
            trusted,
            config_paths,
            sources,
            loaded,
            ..
        } = context;
        let process = |name: &str| std::env::var(name).ok();
        let lookup = effective_lookup(&loaded.settings.env, &process);

        let mut tools = ToolRegistry::builtin_with_proxy(ProxyConfig::from_env(&lookup));
        if let Some(list) = &args.tools {
            restrict_tools(&mut tools, list);
        }
        let start = start_mode(args, &rudder_home, &cwd)?;
        let session_id = session_id(args, &start)?;
        let spill_dir = paths::session_dir(&rudder_home, &cwd, &session_id).join("tool-results");
        let sandbox_writable = [rudder_tools::bash::cwd_record_dir(&spill_dir)];
        let built = gate::build(args, &loaded, &cwd, &lookup, &sandbox_writable)
            .map_err(SetupError::Usage)?;
        notices.extend(built.notices);
        tools.retain(|name| !built.gate.removes_tool(name));

        let hook_set = hooks_from_settings(&loaded);
        notices.extend(hook_set.warnings.iter().map(ToString::to_string));
        let hooks = HookRunner::new(hook_set, cwd.clone());
        let (mcp, mcp_notices) = crate::mcp_setup::plan(&crate::mcp_setup::PlanInput {
            mcp_config: &args.mcp_config,
            strict: args.strict_mcp_config,
            cwd: &cwd,
            rudder_home: &rudder_home,
            loaded: &loaded,
            trusted,
            headless: args.is_headless(),
            sources,
            lookup: &lookup,
            session_id: &session_id,
            spill_dir: spill_dir.clone(),
            child_env: &child_env(&loaded, &cwd),
        })
        .map_err(SetupError::Usage)?;
        notices.extend(mcp_notices);

        let definitions = definitions::load(&definitions::DefinitionSources {
            paths: &config_paths,
            sources,
            trusted,
            cli_agents: args.agents.as_deref(),
            tools_flag: args.tools.as_deref(),
            no_commands: args.disable_slash_commands,
            settings: &loaded.settings,
            lookup: &lookup,
            models: chosen.subagent_models.clone(),
        });
        notices.extend(definitions.notices);
        notices.extend(withheld_notice(&definitions.withheld));

        // The session reads (and re-reads) the memory files itself and
        // reports their warnings; this list is for `/memory`.
        let memory = load_memory(&config_paths, sources);
        let interactive = InteractiveSetup {
            memory_files: memory
                .files
                .iter()
                .map(|file| (file.path.clone(), file.level.label().to_owned()))
                .collect(),
            memory_places: crate::interactive::memory::standard_places(&config_paths),
            settings: loaded.clone(),
            model_aliases: model::resolved_aliases(&lookup),
            status_line: loaded
                .settings
                .status_line
                .as_ref()
                .map(|line| line.command.clone()),
            allow_bypass: args.dangerously_skip_permissions
                || args.allow_dangerously_skip_permissions,
        };
        let context =
            context_settings(&loaded, &env, &lookup, &config_paths, sources, &mut notices);

        let config = SessionConfig {
            session_id,
            cwd: cwd.clone(),
            rudder_home,
            model: chosen.model,
            small_model: chosen.small_model,
            max_tokens: max_tokens(&env),
            thinking: thinking(args, &env),
            system_prompt: SystemPromptOptions {
                output_style: definitions.style.prompt.clone(),
                replace_coding_instructions: definitions.style.replace_coding_instructions,
                ..system_prompt(args)?
            },
            max_turns: args.max_turns,
            max_budget_usd: args.max_budget_usd,
            cache_breakpoints: !env.disable_prompt_caching,
            retry: retry_policy(&lookup),
            fallback_models: chosen.fallback_models,
            tool_limits: tool_limits(&env),
            trusted,
            persist: !args.no_session_persistence,
            checkpoints: !args.is_headless()
                || matches!(
                    lookup("CLAUDE_CODE_ENABLE_SDK_FILE_CHECKPOINTING").as_deref(),
                    Some("true" | "1")
                ),
            permission_mode: built.mode,
            child_env: child_env(&loaded, &cwd),
            first_message_context: Vec::new(),
            request_sink: request_sink(args.print_request.as_deref())?,
            init_extras: InitExtras {
                api_key_source: chosen.api_key_source,
                output_style: definitions.style.name.clone(),
                ..InitExtras::default()
            },
            permission_store: Some(PermissionStore::new(config_paths.clone(), trusted)),
            context,
            catalog: Arc::new(definitions.catalog),
            // Headless turns end deterministically; in the terminal,
            // background subagents keep working while the person types.
            background_subagents: if args.is_headless() {
                BackgroundPolicy::StopAtTurnEnd
            } else {
                BackgroundPolicy::OutliveTurn
            },
        };
        Ok(Self {
            config,
            client: chosen.client,
            tools: Arc::new(tools),
            gate: built.gate,
            hooks,
            start,
            notices,
            interactive,
            mcp,
            output_styles: definitions.style.available,
            config_paths,
        })
    }
}

/// Memory files (read by the session, which also notices edits), the
/// system clock, and compaction from `autoCompactEnabled`,
/// `DISABLE_AUTO_COMPACT`, `CLAUDE_AUTOCOMPACT_PCT_OVERRIDE` and
/// `CLAUDE_CODE_AUTO_COMPACT_WINDOW` (the window, in tokens, the threshold
/// is taken of; documented in docs/sessions.md).
fn context_settings(
    loaded: &LoadedSettings,
    env: &EnvOverrides,
    lookup: &dyn Fn(&str) -> Option<String>,
    config_paths: &ConfigPaths,
    sources: SourceSet,
    notices: &mut Vec<String>,
) -> ContextSettings {
    let window = lookup("CLAUDE_CODE_AUTO_COMPACT_WINDOW")
        .filter(|value| !value.trim().is_empty())
        .and_then(|value| match value.trim().parse::<u64>() {
            Ok(tokens) if tokens > 0 => Some(tokens),
            _ => {
                notices.push(format!(
                    "CLAUDE_CODE_AUTO_COMPACT_WINDOW={value} is not a whole number of tokens above 0; ignoring it"
                ));
                None
            }
        });
    ContextSettings {
        memory: Some(MemorySource {
            paths: config_paths.clone(),
            sources,
        }),
        clock: Clock::system(),
        compaction: CompactionSettings::from_knobs(
            loaded.settings.auto_compact_enabled,
            env.disable_auto_compact,
            env.autocompact_pct_override,
        ),
        window,
    }
}

/// `--tools`: `""` none, `default` all, else a comma list of names.
pub(crate) fn restrict_tools(tools: &mut ToolRegistry, list: &str) {
    let list = list.trim();
    if list == "default" {
        return;
    }
    let keep: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    tools.retain(|name| keep.contains(&name));
}

/// The session id: the resumed transcript's own id (records are appended
/// to it), else `--session-id` (must be a UUID; with `--fork-session` it
/// names the fork), else a new random one.
fn session_id(args: &Args, start: &Start) -> Result<String, SetupError> {
    if let Start::Resume { path, fork: false } = start
        && let Some(id) = path.file_stem().and_then(|stem| stem.to_str())
    {
        return Ok(id.to_owned());
    }
    match &args.session_id {
        Some(id) => uuid::Uuid::parse_str(id)
            .map(|uuid| uuid.to_string())
            .map_err(|_| {
                SetupError::Usage(format!("--session-id must be a valid UUID, got `{id}`"))
            }),
        None => Ok(uuid::Uuid::new_v4().to_string()),
    }
}

/// `--continue` / `--resume <id>` → the transcript to resume.
fn start_mode(
    args: &Args,
    rudder_home: &std::path::Path,
    cwd: &std::path::Path,
) -> Result<Start, SetupError> {
    let project = paths::project_dir(rudder_home, cwd);
    let path = match (&args.resume, args.continue_session) {
        (Some(id), _) if !id.is_empty() => {
            let path = paths::transcript_path(rudder_home, cwd, id);
            if !path.is_file() {
                return Err(SetupError::Config(format!(
                    "no session `{id}` in this directory (looked for {})",
                    path.display()
                )));
            }
            path
        }
        (Some(_), _) => {
            return Err(SetupError::Usage(
                "--resume needs a session id in headless mode (the picker is interactive)"
                    .to_owned(),
            ));
        }
        (None, true) => {
            rudder_core::session::restore::latest_transcript(&project).ok_or_else(|| {
                SetupError::Config(format!(
                    "no earlier session to continue in {}",
                    cwd.display()
                ))
            })?
        }
        (None, false) => return Ok(Start::New),
    };
    Ok(Start::Resume {
        path,
        fork: args.fork_session,
    })
}

fn max_tokens(env: &EnvOverrides) -> u32 {
    env.max_output_tokens
        .and_then(|tokens| u32::try_from(tokens).ok())
        .unwrap_or(DEFAULT_MAX_TOKENS)
}

/// `--max-thinking-tokens`, else `MAX_THINKING_TOKENS`; 0 or
/// `--thinking disabled` means off.
fn thinking(args: &Args, env: &EnvOverrides) -> Option<ThinkingConfig> {
    if args.thinking.as_deref() == Some("disabled") {
        return None;
    }
    let budget = args
        .max_thinking_tokens
        .map(u64::from)
        .or(env.max_thinking_tokens)
        .filter(|budget| *budget > 0)?;
    Some(ThinkingConfig::Enabled {
        budget_tokens: u32::try_from(budget).unwrap_or(u32::MAX),
    })
}

fn system_prompt(args: &Args) -> Result<SystemPromptOptions, SetupError> {
    let read = |path: &PathBuf| {
        std::fs::read_to_string(path)
            .map_err(|error| SetupError::Usage(format!("cannot read {}: {error}", path.display())))
    };
    let replace = match (&args.system_prompt, &args.system_prompt_file) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(path)) => Some(read(path)?),
        (None, None) => None,
    };
    let append = match (&args.append_system_prompt, &args.append_system_prompt_file) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(path)) => Some(read(path)?),
        (None, None) => None,
    };
    Ok(SystemPromptOptions {
        replace,
        append,
        ..SystemPromptOptions::default()
    })
}

/// Retry policy; `RUDDER_MAX_RETRIES` and `RUDDER_STALL_TIMEOUT_MS` (ms)
/// override the defaults (documented in docs/configuration.md).
fn retry_policy(lookup: &dyn Fn(&str) -> Option<String>) -> RetryPolicy {
    let number = |name: &str| lookup(name).and_then(|value| value.trim().parse::<u64>().ok());
    let mut policy = RetryPolicy::default();
    if let Some(retries) = number("RUDDER_MAX_RETRIES") {
        policy.max_retries = u32::try_from(retries).unwrap_or(u32::MAX);
    }
    if let Some(ms) = number("RUDDER_STALL_TIMEOUT_MS").filter(|ms| *ms > 0) {
        policy.stall_timeout = Duration::from_millis(ms);
    }
    policy
}

pub(crate) fn tool_limits(env: &EnvOverrides) -> ToolLimits {
    let defaults = ToolLimits::default();
    ToolLimits {
        bash_default_timeout_ms: env
            .bash_default_timeout_ms
            .unwrap_or(defaults.bash_default_timeout_ms),
        bash_max_timeout_ms: env
            .bash_max_timeout_ms
            .unwrap_or(defaults.bash_max_timeout_ms),
        bash_max_output_chars: env
            .bash_max_output_length
            .and_then(|chars| usize::try_from(chars).ok())
            .unwrap_or(defaults.bash_max_output_chars),
        ..defaults
    }
}

/// Environment for child processes: the settings `env` block (project
/// values only once trusted — the loader already withheld them) and
/// `CLAUDE_PROJECT_DIR`.
pub(crate) fn child_env(loaded: &LoadedSettings, cwd: &std::path::Path) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = loaded
        .settings
        .env
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    env.push(("CLAUDE_PROJECT_DIR".to_owned(), cwd.display().to_string()));
    env
}

/// `--print-request FILE` (or `-` for stderr): every request body, byte
/// for byte, one per line.
fn request_sink(target: Option<&str>) -> Result<Option<RequestSink>, SetupError> {
    use std::io::Write;
    let Some(target) = target else {
        return Ok(None);
    };
    if target == "-" {
        let sink: RequestSink = Arc::new(|body: &[u8]| {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(body).and_then(|()| err.write_all(b"\n"));
        });
        return Ok(Some(sink));
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(target)
        .map_err(|error| {
            SetupError::Usage(format!("--print-request: cannot open {target}: {error}"))
        })?;
    let file = std::sync::Mutex::new(file);
    let sink: RequestSink = Arc::new(move |body: &[u8]| {
        if let Ok(mut file) = file.lock() {
            let _ = file.write_all(body).and_then(|()| file.write_all(b"\n"));
        }
    });
    Ok(Some(sink))
}
