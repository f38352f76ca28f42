//! Scenario files: the scripted turns a [`crate::MockServer`] plays.
//!
//! The format, with an example, is in the crate documentation.
//!
//! Unknown fields are errors, so a typo never silently changes a test. This
//! module only parses and checks; which turn answers which request is
//! `turns.rs`' business, and the wire shapes belong to the SSE modules.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A whole script: the turns in the order they are offered, and the model id
/// the responses claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The scripted model turns. Each answers one model request (after its
    /// faults, if any); see [`ScriptedTurn::when`] for how one is chosen.
    pub turns: Vec<ScriptedTurn>,
    /// Model id echoed in every response (`model` field). `None`: echo the
    /// request's `model`, as the real API does for a non-alias id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_model: Option<String>,
}

/// One scripted model response, optionally preceded by injected faults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedTurn {
    /// Serve this turn only when the text of the last user message (its
    /// text blocks and the text of its tool results, joined with `\n`)
    /// contains this substring. `None` matches any request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// The content blocks of the response, in order.
    #[serde(default)]
    pub content: Vec<ScriptedBlock>,
    /// The `stop_reason` sent (Anthropic spelling: `end_turn`, `tool_use`,
    /// `max_tokens`, `refusal`, `pause_turn`, …). `None`: `tool_use` when
    /// the content has a tool call, else `end_turn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// A failure served instead of the response, [`ScriptedTurn::fault_times`]
    /// times, before the real response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// How many requests get the fault before the real response is served
    /// (≥ 1; default 1). Ignored without a fault.
    #[serde(default = "one")]
    pub fault_times: u32,
    /// `output_tokens` reported. `None`: the content's bytes / 4, rounded up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Milliseconds to wait, after the response head, before the first byte
    /// of this turn's body (its response, or a fault played inside a 200
    /// body) — a slow model. Other requests are answered meanwhile, so
    /// concurrent requests overlap their waits. `None`: no wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

fn one() -> u32 {
    1
}

/// One content block of a scripted response.
///
/// Wire form: `{"type":"text","text":…}`,
/// `{"type":"tool_use","name":…,"input":{…},"id"?:…}`,
/// `{"type":"tool_use","name":…,"raw_input":"{not json"}` or
/// `{"type":"thinking","thinking":…,"signature":…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScriptedBlock {
    /// A text block, streamed as a few `text_delta`s.
    Text {
        /// The text.
        text: String,
    },
    /// A tool call, its input streamed as `input_json_delta` fragments.
    ToolUse {
        /// The call id; `None`: a `toolu_…` (Anthropic) or `call_…` (OpenAI)
        /// id derived from the request, so reruns give the same ids.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// Tool name, e.g. `Bash`.
        name: String,
        /// The arguments; `None` (and no `raw_input`): `{}`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        input: Option<Value>,
        /// The argument text sent verbatim instead of `input`, for testing
        /// malformed tool calls (e.g. `{"path": "a.rs"` without its brace).
        /// In a non-streaming Anthropic response, where `input` must be
        /// JSON, text that does not parse is sent as a JSON string.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raw_input: Option<String>,
    },
    /// Extended thinking, streamed as `thinking_delta`s then one
    /// `signature_delta` (OpenAI: `reasoning_content` deltas).
    Thinking {
        /// The thinking text.
        thinking: String,
        /// The opaque signature (default empty).
        #[serde(default)]
        signature: String,
    },
}

/// A failure injected in place of a turn's response.
///
/// Wire form: an object tagged by `kind`, e.g.
/// `{"kind":"status","status":429,"retry_after_secs":2}`,
/// `{"kind":"cut_mid_stream","after_events":5}`,
/// `{"kind":"stall","after_events":3,"ms":2000}`,
/// `{"kind":"malformed_event","after_events":4}`,
/// `{"kind":"stream_error","error_type":"overloaded_error","message":"Overloaded"}`.
/// "Events" count SSE frames: Anthropic `event:` frames (message_start and
/// ping included), OpenAI `data:` chunks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// An HTTP error status with a JSON error body: Anthropic
    /// `{"type":"error","error":{"type","message"}}`, OpenAI
    /// `{"error":{"message","type","param","code"}}`
    /// (<https://docs.anthropic.com/en/api/errors>).
    Status {
        /// HTTP status, 400–599 (e.g. 429, 500, 529).
        status: u16,
        /// Sent as the `retry-after` header (seconds), when set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_secs: Option<u64>,
        /// The error `type`; default from the status as the API documents it
        /// (429 `rate_limit_error`, 529 `overloaded_error`, 500 `api_error`, …).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_type: Option<String>,
        /// The error message; default names the status and the testkit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Send `after_events` frames, then drop the connection without ending
    /// the chunked body (the client sees an incomplete stream). On a
    /// non-streaming request the connection drops after the response head,
    /// before any body byte.
    CutMidStream {
        /// Frames sent before the cut.
        after_events: usize,
    },
    /// Send `after_events` frames, then nothing at all (no pings) for `ms`
    /// milliseconds, then drop the connection as [`Fault::CutMidStream`].
    Stall {
        /// Frames sent before the stall.
        after_events: usize,
        /// Silence in milliseconds.
        ms: u64,
    },
    /// Send `after_events` frames, then one frame whose `data` is not valid
    /// JSON, then end the body. On a non-streaming request: a 200 response
    /// whose body is truncated JSON.
    MalformedEvent {
        /// Frames sent before the bad one.
        after_events: usize,
    },
    /// Send the first frame (Anthropic `message_start`, OpenAI role chunk),
    /// then an error event (Anthropic `event: error`, OpenAI
    /// `data: {"error":{…}}`), then end the body. On a non-streaming request:
    /// the matching HTTP status (529 for `overloaded_error`, …).
    StreamError {
        /// The error type, e.g. `overloaded_error` (field `error_type` on the
        /// wire, because `kind` tags the fault).
        #[serde(rename = "error_type")]
        kind: String,
        /// The error message.
        message: String,
    },
}

/// Why a scenario could not be loaded. Every message names where the
/// scenario came from (the file path, or "scenario text").
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario file {path}: {source}")]
    Read {
        /// The path given.
        path: String,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The file name does not end in `.json`, `.yaml` or `.yml`.
    #[error("scenario file {path}: unknown extension; use .json, .yaml or .yml")]
    Extension {
        /// The path given.
        path: String,
    },
    /// The JSON does not have the scenario shape.
    #[error("{origin}: invalid scenario JSON: {source}")]
    Json {
        /// `scenario file <path>` or `scenario text`.
        origin: String,
        /// The parser's message, with line and column.
        source: serde_json::Error,
    },
    /// The YAML does not have the scenario shape.
    #[error("{origin}: invalid scenario YAML: {source}")]
    Yaml {
        /// `scenario file <path>` or `scenario text`.
        origin: String,
        /// The parser's message, with line and column.
        source: yaml_serde::Error,
    },
    /// The shape parsed but a value breaks a rule (e.g. a tool_use with both
    /// `input` and `raw_input`).
    #[error("{origin}: turns[{turn}]: {problem}")]
    Invalid {
        /// `scenario file <path>` or `scenario text`.
        origin: String,
        /// Index of the offending turn.
        turn: usize,
        /// What is wrong and how to fix it.
        problem: String,
    },
}

const TEXT_ORIGIN: &str = "scenario text";

impl Scenario {
    /// A scenario of `turns` that echoes the request's model.
    pub fn new(turns: Vec<ScriptedTurn>) -> Self {
        Self {
            turns,
            response_model: None,
        }
    }

    /// Parses and checks a JSON scenario.
    ///
    /// Errors: [`ScenarioError::Json`] for a shape error,
    /// [`ScenarioError::Invalid`] for a broken rule.
    pub fn from_json_str(text: &str) -> Result<Scenario, ScenarioError> {
        Self::parse_json(text, TEXT_ORIGIN)
    }

    /// Parses and checks a YAML scenario (same shape as JSON).
    ///
    /// Errors: [`ScenarioError::Yaml`] for a shape error,
    /// [`ScenarioError::Invalid`] for a broken rule.
    pub fn from_yaml_str(text: &str) -> Result<Scenario, ScenarioError> {
        Self::parse_yaml(text, TEXT_ORIGIN)
    }

    /// Reads a scenario file, choosing the format by extension (`.json`,
    /// `.yaml`, `.yml`, case-insensitive).
    ///
    /// Errors: [`ScenarioError::Extension`], [`ScenarioError::Read`], or a
    /// parse error whose message starts with `scenario file <path>`.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let shown = path.display().to_string();
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        let yaml = match extension.as_deref() {
            Some("json") => false,
            Some("yaml" | "yml") => true,
            _ => return Err(ScenarioError::Extension { path: shown }),
        };
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: shown.clone(),
            source,
        })?;
        let origin = format!("scenario file {shown}");
        if yaml {
            Self::parse_yaml(&text, &origin)
        } else {
            Self::parse_json(&text, &origin)
        }
    }

    fn parse_json(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario =
            serde_json::from_str(text).map_err(|source| ScenarioError::Json {
                origin: origin.to_owned(),
                source,
            })?;
        scenario.check(origin)?;
        Ok(scenario)
    }

    fn parse_yaml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario =
            yaml_serde::from_str(text).map_err(|source| ScenarioError::Yaml {
                origin: origin.to_owned(),
                source,
            })?;
        scenario.check(origin)?;
        Ok(scenario)
    }

    /// Checks the rules serde cannot express, for a scenario built in code
    /// (the parsers check them already).
    ///
    /// Errors: [`ScenarioError::Invalid`], naming the turn and the rule.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        self.check(TEXT_ORIGIN)
    }

    fn check(&self, origin: &str) -> Result<(), ScenarioError> {
        for (turn, scripted) in self.turns.iter().enumerate() {
            if let Some(problem) = scripted.problem() {
                return Err(ScenarioError::Invalid {
                    origin: origin.to_owned(),
                    turn,
                    problem,
                });
            }
        }
        Ok(())
    }
}

impl ScriptedTurn {
    /// A turn answering any request with `content`, no fault, default stop
    /// reason and token count.
    pub fn new(content: Vec<ScriptedBlock>) -> Self {
        Self {
            when: None,
            content,
            stop_reason: None,
            fault: None,
            fault_times: 1,
            output_tokens: None,
            delay_ms: None,
        }
    }

    /// A turn answering with one text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self::new(vec![ScriptedBlock::Text { text: text.into() }])
    }

    /// A turn answering with one tool call (`input` must be the arguments
    /// object) and a generated id.
    pub fn tool_use(name: impl Into<String>, input: Value) -> Self {
        Self::new(vec![ScriptedBlock::ToolUse {
            id: None,
            name: name.into(),
            input: Some(input),
            raw_input: None,
        }])
    }

    /// This turn, served only when the last user text contains `needle`.
    pub fn when(mut self, needle: impl Into<String>) -> Self {
        self.when = Some(needle.into());
        self
    }

    /// This turn, its body delayed by `ms` milliseconds.
    pub fn with_delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = Some(ms);
        self
    }

    /// This turn, preceded by `fault` served `times` times (≥ 1).
    pub fn with_fault(mut self, fault: Fault, times: u32) -> Self {
        self.fault = Some(fault);
        self.fault_times = times;
        self
    }

    /// The stop reason sent: the scripted one, else `tool_use` when the
    /// content calls a tool, else `end_turn`.
    pub fn effective_stop_reason(&self) -> String {
        if let Some(reason) = &self.stop_reason {
            return reason.clone();
        }
        let calls_tool = self
            .content
            .iter()
            .any(|block| matches!(block, ScriptedBlock::ToolUse { .. }));
        if calls_tool { "tool_use" } else { "end_turn" }.to_owned()
    }

    /// What is wrong with this turn, if anything.
    fn problem(&self) -> Option<String> {
        if self.fault.is_some() && self.fault_times == 0 {
            return Some("fault_times is 0 but a fault is set; use 1 or more".to_owned());
        }
        if let Some(Fault::Status { status, .. }) = &self.fault
            && !(400..=599).contains(status)
        {
            return Some(format!(
                "fault status {status} is not an error; use 400 to 599"
            ));
        }
        self.content
            .iter()
            .enumerate()
            .find_map(|(i, block)| match block {
                ScriptedBlock::ToolUse {
                    input: Some(_),
                    raw_input: Some(_),
                    ..
                } => Some(format!(
                    "content[{i}]: tool_use has both input and raw_input; keep one"
                )),
                ScriptedBlock::ToolUse { name, .. } if name.is_empty() => {
                    Some(format!("content[{i}]: tool_use needs a non-empty name"))
                }
                _ => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_and_yaml_give_the_same_scenario() {
        let json = r#"{"response_model":"m1","turns":[
            {"content":[{"type":"tool_use","name":"Bash","input":{"command":"ls"}}]},
            {"when":"ok","fault":{"kind":"status","status":529},"fault_times":2,
             "content":[{"type":"text","text":"done"}]}]}"#;
        let yaml = "
response_model: m1
turns:
  - content:
      - {type: tool_use, name: Bash, input: {command: ls}}
  - when: ok
    fault: {kind: status, status: 529}
    fault_times: 2
    content:
      - {type: text, text: done}
";
        let from_json = Scenario::from_json_str(json).unwrap();
        assert_eq!(from_json, Scenario::from_yaml_str(yaml).unwrap());
        assert_eq!(from_json.turns[0].fault_times, 1);
        assert_eq!(from_json.turns[0].effective_stop_reason(), "tool_use");
        assert_eq!(from_json.turns[1].effective_stop_reason(), "end_turn");
        assert_eq!(
            from_json.turns[0],
            ScriptedTurn::tool_use("Bash", json!({"command": "ls"}))
        );
    }

    #[test]
    fn the_documented_example_parses() {
        let docs = include_str!("lib.rs");
        let start = docs.find("//! ```yaml\n").unwrap() + "//! ```yaml\n".len();
        let end = start + docs[start..].find("//! ```").unwrap();
        let yaml: String = docs[start..end]
            .lines()
            .map(|line| {
                format!(
                    "{}\n",
                    line.trim_start_matches("//!")
                        .strip_prefix(' ')
                        .unwrap_or("")
                )
            })
            .collect();
        let scenario = Scenario::from_yaml_str(&yaml).unwrap();
        assert_eq!(scenario.turns.len(), 2);
        assert_eq!(scenario.turns[1].fault_times, 2);
        assert!(matches!(
            &scenario.turns[1].content[0],
            ScriptedBlock::ToolUse { raw_input: Some(raw), .. } if raw == "{\"file_path\": "
        ));
    }

    #[test]
    fn a_delay_parses_and_defaults_to_none() {
        let scenario = Scenario::from_json_str(r#"{"turns":[{"delay_ms":250},{}]}"#).unwrap();
        assert_eq!(scenario.turns[0].delay_ms, Some(250));
        assert_eq!(scenario.turns[1].delay_ms, None);
        assert_eq!(ScriptedTurn::text("x").with_delay_ms(5).delay_ms, Some(5));
    }

    #[test]
    fn every_fault_kind_parses() {
        let text = r#"{"turns":[
            {"fault":{"kind":"status","status":429,"retry_after_secs":3,"error_type":"rate_limit_error","message":"slow"}},
            {"fault":{"kind":"cut_mid_stream","after_events":4}},
            {"fault":{"kind":"stall","after_events":2,"ms":50}},
            {"fault":{"kind":"malformed_event","after_events":3}},
            {"fault":{"kind":"stream_error","error_type":"overloaded_error","message":"Overloaded"}}]}"#;
        let scenario = Scenario::from_json_str(text).unwrap();
        assert_eq!(
            scenario.turns[4].fault,
            Some(Fault::StreamError {
                kind: "overloaded_error".into(),
                message: "Overloaded".into()
            })
        );
    }

    #[test]
    fn typos_and_broken_rules_are_clear_errors() {
        let typo = Scenario::from_json_str(r#"{"turns":[{"contnet":[]}]}"#).unwrap_err();
        assert!(
            typo.to_string().contains("unknown field `contnet`"),
            "{typo}"
        );
        let both = Scenario::from_json_str(
            r#"{"turns":[{},{"content":[{"type":"tool_use","name":"X","input":{},"raw_input":"{"}]}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            both.to_string(),
            "scenario text: turns[1]: content[0]: tool_use has both input and raw_input; keep one"
        );
        for typo in [
            r#"{"turns":[{"content":[{"type":"text","txt":"x"}]}]}"#,
            r#"{"turns":[{"fault":{"kind":"stall","after_events":1,"ms":5,"secs":1}}]}"#,
        ] {
            let error = Scenario::from_json_str(typo).unwrap_err().to_string();
            assert!(error.contains("unknown field"), "{error}");
        }
        let status =
            Scenario::from_yaml_str("turns: [{fault: {kind: status, status: 200}}]").unwrap_err();
        assert!(status.to_string().contains("not an error"), "{status}");
    }

    #[test]
    fn files_are_read_by_extension_and_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("s.yml");
        std::fs::write(&good, "turns: [{content: [{type: text, text: hi}]}]").unwrap();
        assert_eq!(Scenario::from_file(&good).unwrap().turns.len(), 1);

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\"turns\": [").unwrap();
        let error = Scenario::from_file(&bad).unwrap_err().to_string();
        assert!(
            error.starts_with(&format!("scenario file {}", bad.display())),
            "{error}"
        );

        let missing = Scenario::from_file(&dir.path().join("none.json")).unwrap_err();
        assert!(matches!(missing, ScenarioError::Read { .. }));
        let text = Scenario::from_file(&dir.path().join("s.txt")).unwrap_err();
        assert!(matches!(text, ScenarioError::Extension { .. }));
    }
}
