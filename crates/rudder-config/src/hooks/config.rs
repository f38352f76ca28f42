//! Hook definitions from the settings layers, and which of them run for a
//! given event and subject.
//!
//! Settings shape (CLAUDE-CODE-INTERFACE.md §5.1):
//! `"hooks": {"<Event>": [{"matcher": "<pattern>", "hooks": [{"type":
//! "command", "command": "…", "timeout": <seconds>}]}]}`. Hooks of every
//! layer run (they are not overridden by precedence); project hooks are
//! already withheld by the trust gate when the folder is untrusted.
//!
//! Default timeout: **60 s** for every event, Claude Code's 2025 contract.
//! Claude Code 2.1.3 raised the tool-event default to 600 s; rudder keeps
//! 60 s because a hung hook blocks the agent loop, the hooks users wrote
//! were written against 60 s, and a hook that needs longer says so with
//! `timeout`.

use std::time::Duration;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::event::HookEvent;
use super::matcher::HookMatcher;
use crate::error::ConfigError;
use crate::settings::{LoadedSettings, SettingsOrigin, SettingsScope};

/// Timeout of a command hook without `timeout`.
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(60);

/// Longest `timeout` accepted, in seconds (one day).
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// One matcher group as written in settings.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct HookGroupSpec {
    /// The matcher; absent means all.
    #[serde(default)]
    matcher: Option<String>,
    /// The handlers.
    hooks: Vec<HookHandlerSpec>,
}

/// One handler as written in settings.
#[derive(Debug, Clone, Deserialize)]
struct HookHandlerSpec {
    /// `command` (others are not run by rudder).
    #[serde(rename = "type")]
    kind: String,
    /// The shell command, for `command` handlers.
    #[serde(default)]
    command: Option<String>,
    /// Seconds.
    #[serde(default)]
    timeout: Option<TimeoutSecs>,
}

/// A positive, finite number of seconds, at most a day.
#[derive(Debug, Clone, Copy)]
struct TimeoutSecs(f64);

impl<'de> Deserialize<'de> for TimeoutSecs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIMEOUT_SECS {
            Ok(Self(seconds))
        } else {
            Err(serde::de::Error::custom(format!(
                "hook timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT_SECS}, got {seconds}"
            )))
        }
    }
}

/// A command hook ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookCommand {
    /// The shell command (run with `sh -c`, in the session's cwd).
    pub command: String,
    /// Kill it after this long; a timed-out hook decides nothing.
    pub timeout: Duration,
    /// The settings file that defined it.
    pub origin: SettingsOrigin,
}

/// A matcher group of one event.
#[derive(Debug, Clone)]
pub struct HookGroup {
    /// The event.
    pub event: HookEvent,
    /// What it matches.
    pub matcher: HookMatcher,
    /// Its command hooks.
    pub hooks: Vec<HookCommand>,
}

/// Every hook group of a session.
#[derive(Debug, Clone, Default)]
pub struct HookSet {
    /// Groups, highest settings layer first, file order within a layer.
    pub groups: Vec<HookGroup>,
    /// Groups or handlers that were skipped (bad regex, unsupported handler
    /// type or event, missing command).
    pub warnings: Vec<ConfigError>,
}

/// Reads the `hooks` of every loaded layer.
///
/// `disableAllHooks: true` in a managed file turns every hook off; in the
/// merged settings otherwise it turns off all but managed hooks (a user or
/// project cannot silence an administrator's hooks).
pub fn hooks_from_settings(loaded: &LoadedSettings) -> HookSet {
    let disabled_by = |managed: bool| {
        loaded.layers.iter().any(|layer| {
            (layer.origin.scope == SettingsScope::Managed) == managed
                && layer.values.get("disableAllHooks") == Some(&Value::Bool(true))
        })
    };
    let all_off = disabled_by(true);
    let non_managed_off = loaded.settings.disable_all_hooks == Some(true);
    let mut set = HookSet::default();
    for layer in &loaded.layers {
        let managed = layer.origin.scope == SettingsScope::Managed;
        if all_off || (non_managed_off && !managed) {
            continue;
        }
        let Some(Value::Object(events)) = layer.values.get("hooks") else {
            continue;
        };
        for (name, groups) in events {
            let Some(event) = HookEvent::from_name(name) else {
                set.warnings.push(ConfigError::UnsupportedEvent {
                    path: layer.origin.path.clone(),
                    event: name.clone(),
                });
                continue;
            };
            let Ok(groups) = serde_json::from_value::<Vec<HookGroupSpec>>(groups.clone()) else {
                continue; // already reported by the settings checks
            };
            for group in groups {
                add_group(&mut set, event, group, &layer.origin);
            }
        }
    }
    set
}

fn add_group(set: &mut HookSet, event: HookEvent, group: HookGroupSpec, origin: &SettingsOrigin) {
    let matcher = match HookMatcher::parse(group.matcher.as_deref()) {
        Ok(matcher) => matcher,
        Err(error) => {
            set.warnings.push(ConfigError::InvalidMatcher {
                path: origin.path.clone(),
                event: event.as_str().into(),
                matcher: group.matcher.unwrap_or_default(),
                message: error.to_string(),
            });
            return;
        }
    };
    let mut hooks = Vec::new();
    for handler in group.hooks {
        if handler.kind != "command" {
            set.warnings.push(ConfigError::UnsupportedHook {
                path: origin.path.clone(),
                event: event.as_str().into(),
                kind: handler.kind,
            });
            continue;
        }
        let Some(command) = handler.command.filter(|command| !command.trim().is_empty()) else {
            set.warnings.push(ConfigError::MissingField {
                path: origin.path.clone(),
                field: format!("hooks.{event}[].hooks[].command"),
            });
            continue;
        };
        hooks.push(HookCommand {
            command,
            timeout: handler
                .timeout
                .map_or(DEFAULT_HOOK_TIMEOUT, |TimeoutSecs(seconds)| {
                    Duration::from_secs_f64(seconds)
                }),
            origin: origin.clone(),
        });
    }
    if !hooks.is_empty() {
        set.groups.push(HookGroup {
            event,
            matcher,
            hooks,
        });
    }
}

/// The commands to run for `event` on `subject` (tool name, notification
/// type, compaction trigger, session start source or end reason, subagent
/// type; `None` for events without a matcher, UserPromptSubmit and Stop,
/// where every group runs). Identical command strings run once (the first
/// definition, from the highest layer, is kept). The runner starts them all
/// in parallel.
pub fn matching_hooks<'a>(
    set: &'a HookSet,
    event: HookEvent,
    subject: Option<&str>,
) -> Vec<&'a HookCommand> {
    let mut commands: Vec<&HookCommand> = Vec::new();
    for group in set.groups.iter().filter(|group| group.event == event) {
        if subject.is_some_and(|subject| !group.matcher.matches(subject)) {
            continue;
        }
        for hook in &group.hooks {
            if !commands.iter().any(|known| known.command == hook.command) {
                commands.push(hook);
            }
        }
    }
    commands
}
