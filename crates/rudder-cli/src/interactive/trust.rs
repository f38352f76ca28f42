//! The folder trust question, asked on the first interactive run in a
//! folder that is not trusted yet — before any project setting is read
//! (ARCHITECTURE.md "Nothing runs before trust").
//!
//! Yes: the folder is added to the user's trust store
//! (`<rudder_home>/trust.json`, `rudder_policy::TrustStore`) and its
//! project settings load. No: the session runs with the project's settings
//! withheld (hooks, MCP servers, env, helpers, allow rules — rudder-config
//! withholds them when `trusted` is false), and the question comes back
//! next time. Esc: rudder exits.

use std::path::{Path, PathBuf};

use rudder_core::paths;
use rudder_policy::TrustStore;
use rudder_tui::{Choice, choose};

use crate::args::Args;
use crate::setup::is_trusted;

/// How the trust question was settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustAnswer {
    /// Trusted before, or `--trust`: nothing was asked.
    AlreadyTrusted,
    /// The person trusted the folder just now.
    Trusted(PathBuf),
    /// The person declined: project settings stay withheld this run.
    Declined,
    /// The person pressed Esc: exit.
    Cancelled,
}

/// The question, naming `dir` and what trusting it lets run.
pub fn question(dir: &Path) -> Choice {
    Choice {
        title: "Do you trust the files in this folder?".to_owned(),
        body: vec![
            dir.display().to_string(),
            String::new(),
            "rudder will read, edit and run files here. Trusting the folder also lets its project"
                .to_owned(),
            "settings take effect: hooks and MCP servers from .claude/ and .mcp.json will run, and"
                .to_owned(),
            "its env variables and helper commands (apiKeyHelper, statusLine …) apply.".to_owned(),
            "Only trust folders whose contents you know.".to_owned(),
        ],
        options: vec![
            "Yes, I trust this folder".to_owned(),
            "No, continue without its project settings".to_owned(),
        ],
        default: 0,
    }
}

/// Asks when the working directory is not trusted yet.
///
/// Errors: no home directory, the terminal fails, or the trust store
/// cannot be written — each as a message for the person.
pub async fn ask_if_needed(args: &Args) -> Result<TrustAnswer, String> {
    let process = |name: &str| std::env::var(name).ok();
    let cwd = std::env::current_dir()
        .and_then(|dir| dir.canonicalize())
        .map_err(|error| format!("cannot resolve the working directory: {error}"))?;
    let home = paths::rudder_home(&process)
        .ok_or_else(|| "neither RUDDER_HOME nor HOME is set".to_owned())?;
    if is_trusted(args, &home, &cwd) {
        return Ok(TrustAnswer::AlreadyTrusted);
    }
    let choice = question(&cwd);
    let answer = tokio::task::spawn_blocking(move || choose(&choice))
        .await
        .map_err(|error| format!("the trust question failed: {error}"))?
        .map_err(|error| error.to_string())?;
    match answer {
        Some(0) => TrustStore::new(&home)
            .trust(&cwd)
            .map(TrustAnswer::Trusted)
            .map_err(|error| error.to_string()),
        Some(_) => Ok(TrustAnswer::Declined),
        None => Ok(TrustAnswer::Cancelled),
    }
}
