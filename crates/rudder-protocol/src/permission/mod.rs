//! Permission vocabulary shared by the policy, the agent and the front ends:
//! modes, approval requests and answers, and permission updates.
//!
//! Contract: Claude Code's permission modes (CLAUDE-CODE-INTERFACE.md §3.1)
//! and the Agent SDK's `can_use_tool` / `PermissionUpdate` wire shapes
//! (§10.3).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod update;

pub use update::{PermissionUpdate, RuleBehavior, RuleValue, UPDATE_TYPES, UpdateDestination};

/// How tool calls that no rule decides are treated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PermissionMode {
    /// Ask on first use of each tool that needs approval.
    #[default]
    #[serde(alias = "manual")]
    Default,
    /// File edits inside the working directories are approved automatically.
    AcceptEdits,
    /// Read-only exploration: no edits, no commands but read-only ones.
    Plan,
    /// Never ask: whatever is not allowed beforehand is denied.
    DontAsk,
    /// Skip prompts (refused for root outside a sandbox unless forced).
    BypassPermissions,
}

impl PermissionMode {
    /// All modes in Shift+Tab cycle order (bypass last).
    pub const ALL: [PermissionMode; 5] = [
        Self::Default,
        Self::AcceptEdits,
        Self::Plan,
        Self::DontAsk,
        Self::BypassPermissions,
    ];

    /// The mode's wire name, e.g. `acceptEdits`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::AcceptEdits => "acceptEdits",
            Self::Plan => "plan",
            Self::DontAsk => "dontAsk",
            Self::BypassPermissions => "bypassPermissions",
        }
    }
}

impl fmt::Display for PermissionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PermissionMode {
    type Err = String;

    /// Parses a wire name (`manual` is accepted for `default`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "manual" {
            return Ok(Self::Default);
        }
        Self::ALL
            .into_iter()
            .find(|mode| mode.as_str() == text)
            .ok_or_else(|| {
                format!("unknown permission mode `{text}`: expected one of default, acceptEdits, plan, dontAsk, bypassPermissions")
            })
    }
}

/// A tool call the policy could not allow on its own, put to the front end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    /// The `tool_use` id of the call.
    pub tool_use_id: String,
    /// Tool name.
    pub tool_name: String,
    /// The call's input.
    pub input: Value,
    /// Why approval is needed, for the person reading the prompt.
    pub reason: String,
    /// Updates that "always allow" would apply (e.g. a rule for the local
    /// settings file).
    #[serde(default)]
    pub suggestions: Vec<PermissionUpdate>,
    /// For path-based asks: the resolved path outside the allowed area.
    #[serde(default)]
    pub blocked_path: Option<String>,
}

/// The front end's answer to an [`ApprovalRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "behavior", rename_all = "lowercase")]
pub enum ApprovalDecision {
    /// Run the call.
    Allow {
        /// A replacement input (the SDK's `updatedInput`), else the original.
        #[serde(default, rename = "updatedInput")]
        updated_input: Option<Value>,
        /// Updates to remember (e.g. "always allow" rules).
        #[serde(default, rename = "updatedPermissions")]
        updated_permissions: Vec<PermissionUpdate>,
    },
    /// Refuse the call; `message` goes back to the model.
    Deny {
        /// Why; sent to the model as the tool error.
        message: String,
        /// Also stop the turn.
        #[serde(default)]
        interrupt: bool,
    },
}

impl ApprovalDecision {
    /// Reads an approver's answer — the Agent SDK's `can_use_tool` response,
    /// a permission-prompt tool's JSON — as `{"behavior": "allow",
    /// "updatedInput"?, "updatedPermissions"?}` or `{"behavior": "deny",
    /// "message", "interrupt"?}` (CLAUDE-CODE-INTERFACE.md §10.3). A `null`
    /// optional field counts as absent.
    ///
    /// Errors: a message for a person when the answer is not an object, its
    /// `behavior` is missing or unknown, a deny is malformed, or an entry of
    /// `updatedPermissions` does not read — named by its index, with the
    /// known update types when its `type` is unknown (see
    /// [`PermissionUpdate::list_from_wire`]).
    pub fn from_answer(answer: &Value) -> Result<Self, String> {
        let Some(object) = answer.as_object() else {
            return Err(format!("the answer must be a JSON object, not `{answer}`"));
        };
        match object.get("behavior").and_then(Value::as_str) {
            Some("allow") => Ok(Self::Allow {
                updated_input: object
                    .get("updatedInput")
                    .filter(|input| !input.is_null())
                    .cloned(),
                updated_permissions: PermissionUpdate::list_from_wire(
                    "updatedPermissions",
                    object.get("updatedPermissions").unwrap_or(&Value::Null),
                )?,
            }),
            Some("deny") => serde_json::from_value(answer.clone())
                .map_err(|error| format!("the deny answer is malformed: {error}")),
            Some(other) => Err(format!(
                "unknown behavior `{other}`; expected `allow` or `deny`"
            )),
            None => Err("the answer has no `behavior` (`allow` or `deny`)".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_print_wire_names() {
        for mode in PermissionMode::ALL {
            assert_eq!(mode.as_str().parse::<PermissionMode>().unwrap(), mode);
            assert_eq!(serde_json::to_value(mode).unwrap(), mode.as_str());
        }
        assert_eq!(
            "manual".parse::<PermissionMode>().unwrap(),
            PermissionMode::Default
        );
        assert!("yolo".parse::<PermissionMode>().is_err());
    }

    #[test]
    fn sdk_allow_answer_parses() {
        let decision: ApprovalDecision =
            serde_json::from_str(r#"{"behavior":"allow","updatedInput":{"command":"ls"}}"#)
                .unwrap();
        assert!(matches!(
            decision,
            ApprovalDecision::Allow {
                updated_input: Some(_),
                ..
            }
        ));
        let deny: ApprovalDecision =
            serde_json::from_str(r#"{"behavior":"deny","message":"no"}"#).unwrap();
        assert!(matches!(
            deny,
            ApprovalDecision::Deny {
                interrupt: false,
                ..
            }
        ));
    }

    #[test]
    fn answers_with_every_update_type_read_and_bad_ones_say_why() {
        let answer = serde_json::json!({
            "behavior": "allow",
            "updatedInput": null,
            "updatedPermissions": [
                {"type": "removeRules", "rules": [{"toolName": "Bash", "ruleContent": "ls"}],
                 "behavior": "allow", "destination": "session"},
                {"type": "replaceRules", "rules": [], "behavior": "deny", "destination": "localSettings"},
                {"type": "removeDirectories", "directories": ["/srv"], "destination": "session"}
            ]
        });
        let ApprovalDecision::Allow {
            updated_input,
            updated_permissions,
        } = ApprovalDecision::from_answer(&answer).unwrap()
        else {
            panic!("an allow answer");
        };
        assert_eq!(updated_input, None);
        assert_eq!(updated_permissions.len(), 3);

        let unknown = serde_json::json!({"behavior": "allow", "updatedPermissions": [{"type": "addEverything"}]});
        let error = ApprovalDecision::from_answer(&unknown).unwrap_err();
        assert!(
            error.starts_with(
                "updatedPermissions[0]: unknown permission update type `addEverything`"
            ),
            "{error}"
        );
        assert!(ApprovalDecision::from_answer(&serde_json::json!({"behavior": "maybe"})).is_err());
        assert!(ApprovalDecision::from_answer(&serde_json::json!("yes")).is_err());
        assert_eq!(
            ApprovalDecision::from_answer(
                &serde_json::json!({"behavior": "deny", "message": "no"})
            )
            .unwrap(),
            ApprovalDecision::Deny {
                message: "no".into(),
                interrupt: false
            }
        );
    }
}
