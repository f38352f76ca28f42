//! The Agent SDK's `PermissionUpdate`: a change to the permission state
//! that an approval carries (`updatedPermissions`) or that a prompt offers
//! (`permission_suggestions`), and reading a list of them with messages
//! that name the entry at fault.
//!
//! Contract: CLAUDE-CODE-INTERFACE.md §10.3 — `{type: addRules |
//! replaceRules | removeRules | setMode | addDirectories |
//! removeDirectories, destination: userSettings | projectSettings |
//! localSettings | session, rules?: [{toolName, ruleContent?}], behavior?:
//! allow | deny | ask, mode?, directories?}`. Plain data: applying an
//! update is the policy's and the settings writer's business.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::PermissionMode;

/// A rule value inside a [`PermissionUpdate`]: `Bash` + `npm test:*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleValue {
    /// Tool name, e.g. `Bash`.
    pub tool_name: String,
    /// The specifier between the parentheses, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_content: Option<String>,
}

impl fmt::Display for RuleValue {
    /// The rule in settings syntax: `Tool` or `Tool(content)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule_content {
            Some(content) => write!(f, "{}({content})", self.tool_name),
            None => f.write_str(&self.tool_name),
        }
    }
}

/// Where a permission update is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UpdateDestination {
    /// `~/.claude/settings.json`.
    UserSettings,
    /// `.claude/settings.json`.
    ProjectSettings,
    /// `.claude/settings.local.json`.
    LocalSettings,
    /// This session only.
    Session,
}

/// Which list a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleBehavior {
    /// Run without asking.
    Allow,
    /// Never run.
    Deny,
    /// Always ask.
    Ask,
}

impl RuleBehavior {
    /// The wire name, which is also the settings list it lives in:
    /// `allow`, `deny` or `ask`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::Ask => "ask",
        }
    }
}

/// A change to the permission state, as the Agent SDK's `PermissionUpdate`.
/// Rule lists and directories belong to a destination: `replaceRules` and
/// `removeRules` touch only the rules of that destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum PermissionUpdate {
    /// Add rules with a behavior.
    #[serde(rename_all = "camelCase")]
    AddRules {
        /// Rules to add.
        rules: Vec<RuleValue>,
        /// `allow`, `deny` or `ask`.
        behavior: RuleBehavior,
        /// Where to store them.
        destination: UpdateDestination,
    },
    /// Make the destination's list for `behavior` exactly `rules`.
    #[serde(rename_all = "camelCase")]
    ReplaceRules {
        /// The new list (may be empty).
        rules: Vec<RuleValue>,
        /// Which list: `allow`, `deny` or `ask`.
        behavior: RuleBehavior,
        /// Whose list.
        destination: UpdateDestination,
    },
    /// Remove rules from the destination's list for `behavior`.
    #[serde(rename_all = "camelCase")]
    RemoveRules {
        /// Rules to remove, compared as written (`Tool(content)`).
        rules: Vec<RuleValue>,
        /// Which list: `allow`, `deny` or `ask`.
        behavior: RuleBehavior,
        /// Whose list.
        destination: UpdateDestination,
    },
    /// Switch the permission mode.
    #[serde(rename_all = "camelCase")]
    SetMode {
        /// The new mode.
        mode: PermissionMode,
        /// Where to store it.
        destination: UpdateDestination,
    },
    /// Add working directories.
    #[serde(rename_all = "camelCase")]
    AddDirectories {
        /// Absolute paths.
        directories: Vec<String>,
        /// Where to store them.
        destination: UpdateDestination,
    },
    /// Remove working directories.
    #[serde(rename_all = "camelCase")]
    RemoveDirectories {
        /// The directories, as they were added.
        directories: Vec<String>,
        /// Where they are stored.
        destination: UpdateDestination,
    },
}

/// The `type` of every [`PermissionUpdate`], in the SDK's order.
pub const UPDATE_TYPES: [&str; 6] = [
    "addRules",
    "replaceRules",
    "removeRules",
    "setMode",
    "addDirectories",
    "removeDirectories",
];

impl PermissionUpdate {
    /// Where the update is stored.
    pub fn destination(&self) -> UpdateDestination {
        match self {
            Self::AddRules { destination, .. }
            | Self::ReplaceRules { destination, .. }
            | Self::RemoveRules { destination, .. }
            | Self::SetMode { destination, .. }
            | Self::AddDirectories { destination, .. }
            | Self::RemoveDirectories { destination, .. } => *destination,
        }
    }

    /// Reads one update from its wire JSON.
    ///
    /// Errors: a message for a person — an entry that is not an object, has
    /// no `type`, has a `type` rudder does not know (the known ones are
    /// listed), or lacks or misspells a field of its type.
    pub fn from_wire(value: &Value) -> Result<Self, String> {
        let Some(object) = value.as_object() else {
            return Err(format!(
                "a permission update must be an object, not `{value}`"
            ));
        };
        let kind = match object.get("type") {
            Some(Value::String(kind)) => kind,
            Some(other) => {
                return Err(format!(
                    "the permission update type `{other}` is not a string"
                ));
            }
            None => return Err("the permission update has no `type`".to_owned()),
        };
        if !UPDATE_TYPES.contains(&kind.as_str()) {
            return Err(format!(
                "unknown permission update type `{kind}`; rudder understands {}",
                UPDATE_TYPES.join(", ")
            ));
        }
        serde_json::from_value(value.clone())
            .map_err(|error| format!("the `{kind}` permission update is malformed: {error}"))
    }

    /// Reads a list of updates (`updatedPermissions`,
    /// `permission_suggestions`); `null` counts as none.
    ///
    /// Errors: the list is not an array, or an entry does not read (see
    /// [`Self::from_wire`]); the message names the entry by its index, e.g.
    /// `updatedPermissions[1]: unknown permission update type …`, with
    /// `field` as the list's name.
    pub fn list_from_wire(field: &str, value: &Value) -> Result<Vec<Self>, String> {
        match value {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    Self::from_wire(item).map_err(|error| format!("{field}[{index}]: {error}"))
                })
                .collect(),
            other => Err(format!(
                "{field} must be a list of permission updates, not `{other}`"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rule(tool: &str, content: Option<&str>) -> RuleValue {
        RuleValue {
            tool_name: tool.into(),
            rule_content: content.map(Into::into),
        }
    }

    /// Every variant against the exact wire JSON, both ways.
    #[test]
    fn every_update_round_trips_through_its_exact_wire_json() {
        let cases = [
            (
                PermissionUpdate::AddRules {
                    rules: vec![rule("Bash", Some("touch f"))],
                    behavior: RuleBehavior::Allow,
                    destination: UpdateDestination::LocalSettings,
                },
                r#"{"type":"addRules","rules":[{"toolName":"Bash","ruleContent":"touch f"}],"behavior":"allow","destination":"localSettings"}"#,
            ),
            (
                PermissionUpdate::ReplaceRules {
                    rules: vec![rule("Read", Some(".env")), rule("WebFetch", None)],
                    behavior: RuleBehavior::Deny,
                    destination: UpdateDestination::ProjectSettings,
                },
                r#"{"type":"replaceRules","rules":[{"toolName":"Read","ruleContent":".env"},{"toolName":"WebFetch"}],"behavior":"deny","destination":"projectSettings"}"#,
            ),
            (
                PermissionUpdate::RemoveRules {
                    rules: vec![rule("Bash", Some("npm test:*"))],
                    behavior: RuleBehavior::Ask,
                    destination: UpdateDestination::UserSettings,
                },
                r#"{"type":"removeRules","rules":[{"toolName":"Bash","ruleContent":"npm test:*"}],"behavior":"ask","destination":"userSettings"}"#,
            ),
            (
                PermissionUpdate::SetMode {
                    mode: PermissionMode::AcceptEdits,
                    destination: UpdateDestination::Session,
                },
                r#"{"type":"setMode","mode":"acceptEdits","destination":"session"}"#,
            ),
            (
                PermissionUpdate::AddDirectories {
                    directories: vec!["/srv/data".into()],
                    destination: UpdateDestination::Session,
                },
                r#"{"type":"addDirectories","directories":["/srv/data"],"destination":"session"}"#,
            ),
            (
                PermissionUpdate::RemoveDirectories {
                    directories: vec!["/srv/data".into(), "/tmp/x".into()],
                    destination: UpdateDestination::LocalSettings,
                },
                r#"{"type":"removeDirectories","directories":["/srv/data","/tmp/x"],"destination":"localSettings"}"#,
            ),
        ];
        for (update, wire) in cases {
            assert_eq!(serde_json::to_string(&update).unwrap(), wire);
            let value: Value = serde_json::from_str(wire).unwrap();
            assert_eq!(
                PermissionUpdate::from_wire(&value).unwrap(),
                update,
                "{wire}"
            );
        }
    }

    #[test]
    fn a_null_rule_content_reads_as_a_bare_tool_name() {
        let value = json!({"type": "removeRules", "rules": [{"toolName": "Bash", "ruleContent": null}],
                           "behavior": "allow", "destination": "session"});
        let update = PermissionUpdate::from_wire(&value).unwrap();
        assert_eq!(
            update,
            PermissionUpdate::RemoveRules {
                rules: vec![rule("Bash", None)],
                behavior: RuleBehavior::Allow,
                destination: UpdateDestination::Session,
            }
        );
        assert_eq!(update.destination(), UpdateDestination::Session);
    }

    #[test]
    fn a_bad_entry_is_named_by_index_and_the_known_types_are_listed() {
        let list = json!([
            {"type": "setMode", "mode": "plan", "destination": "session"},
            {"type": "grantEverything", "destination": "session"}
        ]);
        let error = PermissionUpdate::list_from_wire("updatedPermissions", &list).unwrap_err();
        assert_eq!(
            error,
            "updatedPermissions[1]: unknown permission update type `grantEverything`; rudder understands \
             addRules, replaceRules, removeRules, setMode, addDirectories, removeDirectories"
        );
        let missing =
            json!([{"type": "removeRules", "behavior": "allow", "destination": "session"}]);
        let error = PermissionUpdate::list_from_wire("updatedPermissions", &missing).unwrap_err();
        assert!(
            error.starts_with(
                "updatedPermissions[0]: the `removeRules` permission update is malformed"
            ),
            "{error}"
        );
        assert!(error.contains("rules"), "{error}");
        assert!(
            PermissionUpdate::list_from_wire("x", &json!([{"destination": "session"}])).is_err()
        );
        assert!(PermissionUpdate::list_from_wire("x", &json!({"type": "setMode"})).is_err());
        assert_eq!(
            PermissionUpdate::list_from_wire("x", &Value::Null).unwrap(),
            Vec::new()
        );
    }
}
