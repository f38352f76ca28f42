//! `rudder mcp …`: add, remove, list and inspect MCP servers, and serve
//! rudder's own tools over MCP.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §1.2 (`claude mcp add [-s
//! local|user|project] [-t stdio|sse|http] [-e K=V…] [-H "Name: v"…] <name>
//! <commandOrUrl> [-- args…]`, `add-json`, `list`, `get`, `remove [-s]`,
//! `serve`). rudder writes user- and local-scope servers to its own
//! `~/.rudder/mcp.json` (same shape as `~/.claude.json`, read first), never
//! to `~/.claude.json`, which a running Claude Code rewrites wholesale;
//! `remove` also removes from `~/.claude.json` when the server is there.
//! `list` and `get` connect to the servers as a headless run would and
//! report their health; `reset-project-choices` forgets the answers of the
//! project server dialog.

mod edit;
mod serve;
mod show;

use std::path::PathBuf;

use clap::Subcommand;
use rudder_config::env::{EnvOverrides, env_overrides};
use rudder_config::settings::{
    LoadedSettings, project_mcp_choices_file, reset_project_mcp_choices,
};
use rudder_config::{ConfigPaths, SourceSet};
use rudder_core::paths;

use crate::args::Args;
use crate::exit::Exit;
use crate::mcp_setup::{McpPlan, PlanInput};
use crate::setup::context::Context;

/// The `mcp` subcommands.
#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// Add a server: `rudder mcp add [-s scope] [-t transport] [-e K=V]…
    /// [-H "Name: value"]… <name> <commandOrUrl> [-- args…]`.
    Add(edit::AddCommand),
    /// Add a server from its JSON entry (`-` reads it from stdin).
    AddJson(edit::AddJsonCommand),
    /// List the configured servers and check that they connect.
    List,
    /// Show one server's configuration and status.
    Get {
        /// Server name.
        name: String,
    },
    /// Remove a server (from every file of the scope that has it).
    Remove {
        /// Only this scope: local, user or project. Without it the server
        /// must be in exactly one scope.
        #[arg(short = 's', long)]
        scope: Option<String>,
        /// Server name.
        name: String,
    },
    /// Serve rudder's built-in tools over MCP on stdin/stdout, each call
    /// judged by the permission policy (a call that would ask is refused).
    Serve,
    /// Forget which .mcp.json servers were approved or rejected here (the
    /// project's .claude/settings.local.json), so rudder asks again.
    ResetProjectChoices,
}

/// Runs `rudder mcp <command>`; returns the exit status (0 done, 1 failed,
/// 2 bad arguments).
pub async fn run(args: &Args, command: &McpCommand) -> Exit {
    let context = match CmdContext::from_args(args) {
        Ok(context) => context,
        Err(message) => {
            eprintln!("rudder: {message}");
            return Exit::Failure;
        }
    };
    let result = match command {
        McpCommand::Add(add) => edit::add(&context, add),
        McpCommand::AddJson(add) => edit::add_json(&context, add),
        McpCommand::Remove { scope, name } => edit::remove(&context, scope.as_deref(), name),
        McpCommand::List => show::list(args, &context).await,
        McpCommand::Get { name } => show::get(args, &context, name).await,
        McpCommand::Serve => serve::serve(args, &context).await,
        McpCommand::ResetProjectChoices => reset_project_choices(&context),
    };
    match result {
        Ok(()) => Exit::Success,
        Err(CmdError::Usage(message)) => {
            eprintln!("rudder: {message}");
            Exit::Usage
        }
        Err(CmdError::Failed(message)) => {
            eprintln!("rudder: {message}");
            Exit::Failure
        }
    }
}

/// `rudder mcp reset-project-choices` (Claude Code's `claude mcp
/// reset-project-choices`, CLAUDE-CODE-INTERFACE.md §6): removes
/// `enableAllProjectMcpServers`, `enabledMcpjsonServers` and
/// `disabledMcpjsonServers` from the project's
/// `.claude/settings.local.json` and says what it did. Errors: the file
/// cannot be read, parsed or replaced (it is left as it was).
fn reset_project_choices(context: &CmdContext) -> Result<(), CmdError> {
    let reset = reset_project_mcp_choices(&context.config_paths)
        .map_err(|error| CmdError::Failed(error.to_string()))?;
    match reset {
        Some(file) => println!(
            "Removed the project MCP server approvals and rejections from {}.\n\
             rudder will ask about this project's .mcp.json servers at the next interactive start.",
            file.display()
        ),
        None => println!(
            "No project MCP server choices to reset in {}.",
            project_mcp_choices_file(&context.config_paths).display()
        ),
    }
    Ok(())
}

/// Why a subcommand failed.
#[derive(Debug)]
pub enum CmdError {
    /// Bad arguments (exit 2).
    Usage(String),
    /// The work failed (exit 1).
    Failed(String),
}

impl From<rudder_mcp::ConfigError> for CmdError {
    fn from(error: rudder_mcp::ConfigError) -> Self {
        match error {
            rudder_mcp::ConfigError::Usage(message) => Self::Usage(message),
            other => Self::Failed(other.to_string()),
        }
    }
}

/// What every subcommand needs: directories, trust and settings.
pub struct CmdContext {
    /// Working directory (canonical).
    pub cwd: PathBuf,
    /// `~/.rudder` or `$RUDDER_HOME`.
    pub rudder_home: PathBuf,
    /// Whether the folder is trusted.
    pub trusted: bool,
    /// Merged settings.
    pub loaded: LoadedSettings,
    /// `--setting-sources`.
    pub sources: SourceSet,
    /// The folders settings are read from (and saved to).
    pub config_paths: ConfigPaths,
}

impl CmdContext {
    /// Reads the working directory, home, trust and settings as a session
    /// would (`setup::context`), printing its notices on stderr. Errors: no
    /// working directory or home, bad `--setting-sources`.
    fn from_args(args: &Args) -> Result<Self, String> {
        let context = Context::load(args).map_err(|error| error.to_string())?;
        for notice in &context.notices {
            eprintln!("rudder: {notice}");
        }
        Ok(Self {
            cwd: context.cwd,
            rudder_home: context.rudder_home,
            trusted: context.trusted,
            loaded: context.loaded,
            sources: context.sources,
            config_paths: context.config_paths,
        })
    }

    /// A variable: the settings `env` value, else the process's.
    pub fn lookup(&self, name: &str) -> Option<String> {
        self.loaded
            .settings
            .env
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    }

    /// Claude Code's environment overrides, read through [`Self::lookup`].
    pub fn env_overrides(&self) -> EnvOverrides {
        env_overrides(&|name: &str| self.lookup(name)).0
    }

    /// The servers and manager options of a headless run here, under a
    /// fresh session id. Errors: a malformed `--mcp-config` value.
    pub fn plan(&self, args: &Args) -> Result<McpPlan, CmdError> {
        let session_id = uuid::Uuid::new_v4().to_string();
        let spill_dir =
            paths::session_dir(&self.rudder_home, &self.cwd, &session_id).join("tool-results");
        let (plan, notices) = crate::mcp_setup::plan(&PlanInput {
            mcp_config: &args.mcp_config,
            strict: args.strict_mcp_config,
            cwd: &self.cwd,
            rudder_home: &self.rudder_home,
            loaded: &self.loaded,
            trusted: self.trusted,
            headless: true,
            sources: self.sources,
            lookup: &|name: &str| self.lookup(name),
            session_id: &session_id,
            spill_dir,
            child_env: &crate::setup::child_env(&self.loaded, &self.cwd),
        })
        .map_err(CmdError::Usage)?;
        for notice in notices {
            eprintln!("rudder: {notice}");
        }
        Ok(plan)
    }
}
