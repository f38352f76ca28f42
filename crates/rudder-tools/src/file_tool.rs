//! Plumbing shared by the file tools' `Tool` implementations: typed input
//! parsing with errors that name the field, the `<tool_use_error>` wrapper
//! for failures, and running a tool's blocking body off the async runtime.
//!
//! The file tools do their work with blocking `std::fs` and ripgrep's
//! crates, so each call runs on tokio's blocking pool; this module is the
//! only place that hops threads. It never touches the file system itself.

use std::fmt::Display;
use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::fs_util::FileError;
use crate::state::SessionToolState;
use crate::tool::{ToolContext, ToolLimits, ToolOutput};
use crate::walk::WalkFilter;

/// What a file tool's blocking body may use: owned copies of the parts of
/// [`ToolContext`] it needs, so the body can move to a blocking thread.
#[derive(Clone)]
pub struct FileEnv {
    /// The session's project directory (absolute, canonical).
    pub project_dir: PathBuf,
    /// Per-session state (the read tracker lives here).
    pub state: Arc<SessionToolState>,
    /// Limits in force.
    pub limits: ToolLimits,
    /// Cancelled when the user interrupts; long walks check it.
    pub cancel: CancellationToken,
    /// What directory walks leave out ([`ToolContext::walk_filter`]).
    pub walk_filter: Option<Arc<dyn WalkFilter>>,
}

impl FileEnv {
    /// The directory relative paths start from: the Bash tool's current
    /// directory, which persists between calls (the policy judges relative
    /// paths of every call against the same directory).
    pub fn cwd(&self) -> PathBuf {
        self.state
            .bash_cwd
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// Runs `body` on the blocking pool with a [`FileEnv`] built from `ctx`.
/// A panic in `body` becomes an error result, never a crashed session.
pub async fn run_blocking<F>(ctx: &ToolContext, body: F) -> ToolOutput
where
    F: FnOnce(FileEnv) -> ToolOutput + Send + 'static,
{
    let env = FileEnv {
        project_dir: ctx.project_dir.clone(),
        state: Arc::clone(&ctx.state),
        limits: ctx.limits.clone(),
        cancel: ctx.cancel.clone(),
        walk_filter: ctx.walk_filter.clone(),
    };
    match tokio::task::spawn_blocking(move || body(env)).await {
        Ok(output) => output,
        Err(err) => tool_error(format!(
            "The tool failed internally ({err}); nothing was changed by the failed step. Try again, or use Bash."
        )),
    }
}

/// The whole `execute` of a file tool: parses `input` as `T` for tool
/// `name` and runs `body` on the blocking pool ([`run_blocking`]). Either
/// side's error result is the call's result.
pub fn execute_blocking<'a, T, F>(
    ctx: &'a ToolContext,
    name: &'static str,
    input: Value,
    body: F,
) -> BoxFuture<'a, ToolOutput>
where
    T: DeserializeOwned,
    F: FnOnce(&T, &FileEnv) -> Result<ToolOutput, ToolOutput> + Send + 'static,
{
    Box::pin(run_blocking(ctx, move |env| {
        match parse_input::<T>(name, input) {
            Ok(input) => body(&input, &env).unwrap_or_else(|output| output),
            Err(output) => output,
        }
    }))
}

/// Deserializes a tool's input into its typed form.
///
/// Errors: a [`tool_error`] naming the tool and the offending field
/// (`missing field`, `unknown field`, wrong type), as the schema's
/// `additionalProperties: false` and `required` demand.
pub fn parse_input<T: DeserializeOwned>(tool: &str, input: Value) -> Result<T, ToolOutput> {
    serde_json::from_value(input).map_err(|err| {
        tool_error(format!(
            "Invalid input for {tool}: {err}. Check the tool's schema."
        ))
    })
}

/// A failed call: `message` wrapped in `<tool_use_error>` tags, as Claude
/// Code marks tool failures for the model.
pub fn tool_error(message: impl Display) -> ToolOutput {
    ToolOutput::error(format!("<tool_use_error>{message}</tool_use_error>"))
}

impl From<FileError> for ToolOutput {
    fn from(err: FileError) -> Self {
        tool_error(err)
    }
}

/// Deserializes an optional non-negative count given as a JSON number
/// (the schemas say `number`: `10` and `10.0` both pass) or a string of
/// digits. Negative or fractional values are rejected with a message.
pub fn optional_count<'de, D>(deserializer: D) -> Result<Option<u64>, D::Error>
where
    D: Deserializer<'de>,
{
    let Some(value) = Option::<Value>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let count = match &value {
        Value::Number(number) => number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|float| float.fract() == 0.0 && *float >= 0.0 && *float < 9.0e15)
                .map(|float| float as u64)
        }),
        Value::String(text) => text.trim().parse::<u64>().ok(),
        Value::Null => return Ok(None),
        _ => None,
    };
    count.map(Some).ok_or_else(|| {
        de::Error::custom(format!(
            "expected a whole number of zero or more, got {value}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        #[allow(dead_code)]
        name: String,
        #[serde(default, deserialize_with = "optional_count")]
        count: Option<u64>,
    }

    #[test]
    fn counts_accept_integers_integral_floats_and_digit_strings() {
        for given in [json!(3), json!(3.0), json!("3")] {
            let parsed: Sample = parse_input("T", json!({"name": "x", "count": given})).unwrap();
            assert_eq!(parsed.count, Some(3));
        }
        let parsed: Sample = parse_input("T", json!({"name": "x"})).unwrap();
        assert_eq!(parsed.count, None);
    }

    #[test]
    fn bad_input_names_the_field() {
        let err = parse_input::<Sample>("T", json!({"name": "x", "count": -1})).unwrap_err();
        assert!(err.is_error);
        let err = parse_input::<Sample>("T", json!({"name": "x", "extra": 1})).unwrap_err();
        assert!(err.content.text().contains("unknown field `extra`"));
        let err = parse_input::<Sample>("T", json!({})).unwrap_err();
        assert!(err.content.text().contains("missing field `name`"));
    }
}
