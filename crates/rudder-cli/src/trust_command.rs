//! `rudder trust [dir]`: the headless way to trust a folder (the
//! interactive prompt's "yes, I trust this folder").
//!
//! The folder's trust key (its verified git repository root, or the folder
//! itself; `rudder_policy::trust`) is added to the user's trust store
//! (`<rudder home>/trust.json`); from then on every session under it
//! applies the project's own settings — hooks, MCP servers, `env`,
//! `apiKeyHelper`, `statusLine`, permission mode and allow rules — which
//! are otherwise withheld (ARCHITECTURE.md "Nothing runs before trust";
//! CLAUDE-CODE-INTERFACE.md §12). The command prints what will now apply,
//! read from the project's files without running any of it.

use std::path::{Path, PathBuf};

use rudder_config::settings::{SettingsRequest, load_settings};
use rudder_config::{ConfigPaths, SourceSet};
use rudder_core::paths;
use rudder_policy::TrustStore;

use crate::exit::Exit;

/// Why trusting `dir` would trust far more than a project: its trust key
/// is `/` or the home folder `home`, so every repository below it would
/// run its hooks and servers unasked. `None` when `dir` is an ordinary
/// folder (or cannot be resolved; trusting it then fails with the reason).
fn too_wide(dir: &Path, home: Option<&str>) -> Option<String> {
    let key = rudder_policy::trust::trust_key(dir).ok()?;
    let home = home.and_then(|home| Path::new(home).canonicalize().ok());
    let wide = key == Path::new("/") || home.as_deref() == Some(key.as_path());
    wide.then(|| {
        format!(
            "{} is not trusted: it holds every project below it, whose hooks and servers would all run \
             unasked; trust each project's folder instead",
            key.display()
        )
    })
}

/// Trusts `dir` (default: the working directory) and reports it.
/// Returns [`Exit::Success`], or [`Exit::Failure`] with a message on
/// stderr when the folder or the trust store cannot be used.
pub fn run(dir: Option<&Path>) -> Exit {
    let process = |name: &str| std::env::var(name).ok();
    let Some(rudder_home) = paths::rudder_home(&process) else {
        eprintln!("rudder trust: neither RUDDER_HOME nor HOME is set");
        return Exit::Failure;
    };
    let dir = match dir {
        Some(dir) => dir.to_owned(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    if let Some(reason) = too_wide(&dir, process("HOME").as_deref()) {
        eprintln!("rudder trust: {reason}");
        return Exit::Failure;
    }
    let store = TrustStore::new(&rudder_home);
    let key = match store.trust(&dir) {
        Ok(key) => key,
        Err(error) => {
            eprintln!("rudder trust: {error}");
            return Exit::Failure;
        }
    };
    println!(
        "Trusted {} (recorded in {}).",
        key.display(),
        store.file().display()
    );
    let untrusted = load_settings(&SettingsRequest {
        paths: &ConfigPaths::from_env(&key, &process),
        sources: SourceSet::ALL,
        cli: None,
        trusted: false,
    });
    match rudder_config::settings::withheld_notice(&untrusted.withheld) {
        Some(notice) => println!(
            "Now applied in sessions under it (they were withheld): {}",
            notice
                .strip_prefix("Not applied until you trust this folder: ")
                .unwrap_or(&notice)
        ),
        None => println!("Its settings files hold nothing that was waiting for trust."),
    }
    Exit::Success
}
