//! The part of a run's setup every command shares: the working directory,
//! rudder's home, the folder's trust answer and the settings loaded with
//! it, and the model and client chosen from them. `rudder -p`, `rudder
//! doctor` and `rudder trust` all start here, so they judge trust and read
//! settings the same way.
//!
//! Order matters (ARCHITECTURE.md "Nothing runs before trust"): trust is
//! decided before settings load, and the environment overlay and the
//! model client are built only from what loaded under that answer.

use std::path::PathBuf;

use rudder_config::env::{EnvOverrides, effective_lookup, env_overrides};
use rudder_config::settings::{
    CliSettings, LoadedSettings, SettingsRequest, load_settings, withheld_notice,
};
use rudder_config::{ConfigPaths, SourceSet};
use rudder_core::paths;

use super::key_helper::HelperCommand;
use super::model::{ModelFlags, ModelSetup, model_setup};
use super::{SetupError, child_env, gate};
use crate::args::Args;

/// Where a run is, and the settings that apply there.
pub struct Context {
    /// The working directory, canonical.
    pub cwd: PathBuf,
    /// `$RUDDER_HOME` or `~/.rudder`.
    pub rudder_home: PathBuf,
    /// Whether the folder's own settings may take effect.
    pub trusted: bool,
    /// Where configuration files are.
    pub config_paths: ConfigPaths,
    /// `--setting-sources`.
    pub sources: SourceSet,
    /// The settings, loaded under the trust answer.
    pub loaded: LoadedSettings,
    /// Malformed files, withheld keys: printed on stderr before the run.
    pub notices: Vec<String>,
}

impl Context {
    /// Reads the process environment and loads the settings for `args`.
    ///
    /// Errors: [`SetupError::Config`] when the working directory cannot be
    /// resolved or no home is known; [`SetupError::Usage`] for a bad
    /// `--setting-sources`.
    pub fn load(args: &Args) -> Result<Self, SetupError> {
        let process = process_env;
        let cwd = std::env::current_dir()
            .and_then(|dir| dir.canonicalize())
            .map_err(|error| {
                SetupError::Config(format!("cannot resolve the working directory: {error}"))
            })?;
        let rudder_home = paths::rudder_home(&process)
            .ok_or_else(|| SetupError::Config("neither RUDDER_HOME nor HOME is set".to_owned()))?;
        let trusted = gate::is_trusted(args, &rudder_home, &cwd);
        let config_paths = ConfigPaths::from_env(&cwd, &process);
        let sources = match &args.setting_sources {
            Some(list) => {
                SourceSet::parse(list).map_err(|error| SetupError::Usage(error.to_string()))?
            }
            None => SourceSet::ALL,
        };
        let cli_settings = args
            .settings
            .as_deref()
            .map(|value| CliSettings::from_arg(value, &cwd));
        let loaded = load_settings(&SettingsRequest {
            paths: &config_paths,
            sources,
            cli: cli_settings.as_ref(),
            trusted,
        });
        let mut notices: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
        notices.extend(withheld_notice(&loaded.withheld));
        Ok(Self {
            cwd,
            rudder_home,
            trusted,
            config_paths,
            sources,
            loaded,
            notices,
        })
    }

    /// Variables as the session sees them: the merged settings `env` over
    /// the process environment.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        effective_lookup(&self.loaded.settings.env, &process_env)
    }

    /// The typed environment overrides, adding bad values to the notices.
    pub fn env_overrides(&mut self) -> EnvOverrides {
        let (env, errors) = env_overrides(&self.lookup());
        self.notices.extend(errors.iter().map(ToString::to_string));
        env
    }

    /// Chooses the model and builds its client (see `model.rs`), with the
    /// settings' `apiKeyHelper` as the key source when no key variable is
    /// set.
    ///
    /// Errors: [`SetupError::Config`] with the reason (unknown provider,
    /// no credential, bad base URL).
    pub fn model(&self, args: &Args, env: &EnvOverrides) -> Result<ModelSetup, SetupError> {
        let helper = self
            .loaded
            .settings
            .api_key_helper
            .as_ref()
            .filter(|command| !command.trim().is_empty())
            .map(|command| HelperCommand {
                command: command.clone(),
                cwd: self.cwd.clone(),
                env: child_env(&self.loaded, &self.cwd),
            });
        model_setup(
            &ModelFlags {
                model: args.model.as_deref(),
                provider: args.provider.as_deref(),
                base_url: args.base_url.as_deref(),
                betas: &args.betas,
                fallback_model: args.fallback_model.as_deref(),
            },
            &self.loaded.settings,
            env,
            &self.lookup(),
            helper,
        )
        .map_err(SetupError::Config)
    }
}

/// A variable of the process environment.
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}
