//! YAML front matter of Markdown definitions (commands, agents, skills,
//! output styles), read as leniently as Claude Code reads it.
//!
//! Many real agent files are not valid YAML: a `description:` with an
//! unquoted `: ` or `<example>` blocks on following lines. When strict YAML
//! fails, the front matter is read again line by line (`key: value`,
//! indented continuation lines, `- item` lists); only when that does not
//! fit the expected fields either is the strict parser's error reported,
//! with its line and column in the file. Pure.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Number, Value};

use crate::error::{ConfigError, Position};

/// A Markdown file split at its front matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Document<'a> {
    /// The YAML between the `---` lines, if the file has front matter.
    pub front: Option<&'a str>,
    /// Everything after the closing `---` (or the whole file).
    pub body: &'a str,
}

/// Splits `text` at a leading `---` … `---` block. Without a closing line
/// the whole text is body.
pub(crate) fn split(text: &str) -> Document<'_> {
    let mut lines = text.split_inclusive('\n');
    let whole = Document {
        front: None,
        body: text,
    };
    let Some(first) = lines.next() else {
        return whole;
    };
    if first.trim_end() != "---" {
        return whole;
    }
    let mut offset = first.len();
    for line in lines {
        if line.trim_end() == "---" {
            return Document {
                front: Some(&text[first.len()..offset]),
                body: &text[offset + line.len()..],
            };
        }
        offset += line.len();
    }
    whole
}

/// Reads front matter `front` (from the file at `path`) as a `T`; no front
/// matter reads as an empty mapping.
///
/// # Errors
/// [`ConfigError::Syntax`] with the position in the file when neither the
/// YAML nor the lenient reading fits `T`.
pub(crate) fn parse<T: DeserializeOwned>(
    front: Option<&str>,
    path: &Path,
) -> Result<T, ConfigError> {
    let front = front.unwrap_or("");
    if front.trim().is_empty() {
        return serde_json::from_value(Value::Object(Map::new())).map_err(|error| {
            ConfigError::Syntax {
                path: path.to_owned(),
                position: Position { line: 1, column: 1 },
                message: error.to_string(),
            }
        });
    }
    let strict = match yaml_serde::from_str::<T>(front) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    if let Ok(value) = serde_json::from_value::<T>(Value::Object(lenient(front))) {
        return Ok(value);
    }
    // Line 1 of the front matter is line 2 of the file (after `---`).
    let position = strict
        .location()
        .map_or(Position { line: 2, column: 1 }, |at| Position {
            line: at.line() + 1,
            column: at.column(),
        });
    let message = strict.to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    Err(ConfigError::Syntax {
        path: path.to_owned(),
        position,
        message,
    })
}

/// The line-by-line reading: `key: value` at column 0; indented lines
/// continue the previous value (joined with newlines) or, starting with
/// `- `, make it a list; `[a, b]` is a list; `true`/`false` and whole
/// numbers are typed; surrounding quotes are removed; `#` lines skipped.
fn lenient(front: &str) -> Map<String, Value> {
    let mut map = Map::new();
    let mut current: Option<String> = None;
    for line in front.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if let (true, Some(key)) = (indented || line.starts_with("- "), &current) {
            let item = line.trim();
            let slot = map.entry(key.clone()).or_insert(Value::Null);
            match (item.strip_prefix("- "), &mut *slot) {
                (Some(entry), Value::Null) => *slot = Value::Array(vec![scalar(entry)]),
                (Some(entry), Value::Array(items)) => items.push(scalar(entry)),
                (_, Value::String(text)) => {
                    text.push('\n');
                    text.push_str(item);
                }
                (_, other) => *other = Value::String(item.to_owned()),
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().to_owned();
        let value = value.trim();
        let parsed = if value.is_empty() {
            Value::Null
        } else if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            Value::Array(
                inner
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(scalar)
                    .collect(),
            )
        } else {
            scalar(value)
        };
        map.insert(key.clone(), parsed);
        current = Some(key);
    }
    map
}

fn scalar(text: &str) -> Value {
    let text = text.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| text.strip_prefix(*q).and_then(|t| t.strip_suffix(*q)));
    if let Some(inner) = unquoted {
        return Value::String(inner.to_owned());
    }
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => text
            .parse::<u64>()
            .map(|n| Value::Number(Number::from(n)))
            .unwrap_or_else(|_| Value::String(text.to_owned())),
    }
}

/// Splits a tool or rule list written as one string (`Read, Grep`,
/// `Bash(git add:*) Bash(git status:*)`) at commas and blanks outside
/// parentheses.
pub(crate) fn split_rule_list(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            ',' | ' ' | '\t' | '\n' if depth == 0 => {
                if !current.is_empty() {
                    items.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        items.push(current);
    }
    items
}

/// A list given as one string (split with [`split_rule_list`]) or as a
/// YAML/JSON list (entries trimmed). `null` reads as absent.
pub(crate) fn rule_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<Form>::deserialize(deserializer)? {
        None => None,
        Some(Form::One(text)) => Some(split_rule_list(&text)),
        Some(Form::Many(items)) => Some(
            items
                .iter()
                .map(|item| item.trim().to_owned())
                .filter(|item| !item.is_empty())
                .collect(),
        ),
    })
}

/// The first non-blank line of `body` without leading `#` marks: the
/// default description of commands and skills.
pub(crate) fn first_line(body: &str) -> String {
    body.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(|line| line.trim_start_matches('#').trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default, rename_all = "kebab-case")]
    struct Fields {
        name: Option<String>,
        description: Option<String>,
        #[serde(deserialize_with = "rule_list")]
        allowed_tools: Option<Vec<String>>,
        disable_model_invocation: bool,
    }

    fn read(text: &str) -> Result<Fields, ConfigError> {
        parse(split(text).front, Path::new("f.md"))
    }

    #[test]
    fn splits_front_matter_from_body() {
        let doc = split("---\nname: x\n---\nbody\n");
        assert_eq!(doc.front, Some("name: x\n"));
        assert_eq!(doc.body, "body\n");
        assert_eq!(split("no front").front, None);
        assert_eq!(split("---\nunclosed").body, "---\nunclosed");
    }

    #[test]
    fn strict_yaml_and_lists() {
        let fields = read("---\nname: a\nallowed-tools: Bash(git add:*), Bash(git status:*)\ndisable-model-invocation: true\n---\n").unwrap();
        assert_eq!(
            fields.allowed_tools.unwrap(),
            ["Bash(git add:*)", "Bash(git status:*)"]
        );
        assert!(fields.disable_model_invocation);
        let fields = read("---\nallowed-tools:\n  - Read\n  - Grep\n---\n").unwrap();
        assert_eq!(fields.allowed_tools.unwrap(), ["Read", "Grep"]);
    }

    #[test]
    fn invalid_yaml_is_read_leniently() {
        let text = "---\nname: reviewer\ndescription: Use when: the user asks for review. Examples:\n  <example>Context: x</example>\nallowed-tools: [Read, Grep]\n---\nbody";
        let fields = read(text).unwrap();
        assert_eq!(
            fields.description.as_deref(),
            Some("Use when: the user asks for review. Examples:\n<example>Context: x</example>")
        );
        assert_eq!(fields.allowed_tools.unwrap(), ["Read", "Grep"]);
    }

    #[test]
    fn unusable_front_matter_reports_file_position() {
        let error =
            read("---\nname: [unclosed\ndisable-model-invocation: maybe\n---\n").unwrap_err();
        let ConfigError::Syntax { position, .. } = &error else {
            panic!("{error:?}")
        };
        assert!(position.line >= 2, "{error}");
        assert!(error.to_string().starts_with("f.md:"), "{error}");
    }

    #[test]
    fn rule_lists_split_outside_parentheses() {
        assert_eq!(split_rule_list("Read, Grep Glob"), ["Read", "Grep", "Glob"]);
        assert_eq!(
            split_rule_list("Bash(git commit -m x, y)"),
            ["Bash(git commit -m x, y)"]
        );
        assert_eq!(first_line("\n# Review the PR\nmore"), "Review the PR");
    }
}
