//! Parsing one settings file's text into its checked top-level keys.
//!
//! Syntax errors reject the whole file (with line and column); a known key
//! with a value of the wrong shape is reported at the value's position and
//! dropped alone, so one typo never unloads a file's deny rules. Pure: the
//! caller reads the file.

use std::path::Path;

use indexmap::IndexMap;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::schema::{Check, TOP_LEVEL};
use crate::error::{ConfigError, Position, json_message, json_position};

/// The usable keys of one file and what was wrong with the rest.
#[derive(Debug, Default)]
pub(crate) struct ParsedSettings {
    /// Top-level keys that passed their checks (unknown keys included).
    pub values: Map<String, Value>,
    /// One [`ConfigError::InvalidValue`] per dropped key.
    pub warnings: Vec<ConfigError>,
}

/// Parses settings JSON `text` read from `path`. Blank text is an empty
/// object.
///
/// # Errors
/// [`ConfigError::Syntax`] when the text is not JSON or not an object.
pub(crate) fn parse_settings(text: &str, path: &Path) -> Result<ParsedSettings, ConfigError> {
    if text.trim().is_empty() {
        return Ok(ParsedSettings::default());
    }
    let syntax = |error: &serde_json::Error| ConfigError::Syntax {
        path: path.to_owned(),
        position: json_position(error),
        message: json_message(error),
    };
    serde_json::from_str::<&RawValue>(text).map_err(|error| syntax(&error))?;
    let members = serde_json::from_str::<IndexMap<String, &RawValue>>(text).map_err(|_| {
        ConfigError::Syntax {
            path: path.to_owned(),
            position: Position::of_offset(text, text.len() - text.trim_start().len()),
            message: "the top level must be a JSON object".into(),
        }
    })?;
    let mut checker = Checker {
        text,
        path,
        warnings: Vec::new(),
    };
    let values = checker.members(
        members,
        |name| {
            TOP_LEVEL
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, check)| check)
        },
        "",
    );
    Ok(ParsedSettings {
        values,
        warnings: checker.warnings,
    })
}

/// Walks a file's values against [`TOP_LEVEL`], collecting warnings.
struct Checker<'a> {
    /// The whole file, to turn value slices into positions.
    text: &'a str,
    path: &'a Path,
    warnings: Vec<ConfigError>,
}

impl<'a> Checker<'a> {
    /// Checks each member with the check `lookup` gives for its name
    /// (none: kept as is) and returns the members that passed.
    fn members<'c>(
        &mut self,
        members: IndexMap<String, &'a RawValue>,
        lookup: impl Fn(&str) -> Option<&'c Check>,
        prefix: &str,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        for (name, raw) in members {
            let key = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            let value = match lookup(&name) {
                Some(check) => self.value(raw, check, &key),
                None => serde_json::from_str(raw.get()).ok(),
            };
            if let Some(value) = value {
                out.insert(name, value);
            }
        }
        out
    }

    /// Checks one value; `None` (with a warning) when it has the wrong shape.
    fn value(&mut self, raw: &'a RawValue, check: &Check, key: &str) -> Option<Value> {
        match check {
            Check::Value(try_read) => match try_read(raw.get()) {
                Ok(()) => serde_json::from_str(raw.get()).ok(),
                Err(error) => {
                    self.warn(raw, key, &error);
                    None
                }
            },
            Check::Fields(fields) => {
                let members = self.object(raw, key)?;
                let lookup = |name: &str| {
                    fields
                        .iter()
                        .find(|(field, _)| *field == name)
                        .map(|(_, check)| check)
                };
                Some(Value::Object(self.members(members, lookup, key)))
            }
            Check::Members(try_read) => {
                let members = self.object(raw, key)?;
                let each = Check::Value(*try_read);
                Some(Value::Object(self.members(members, |_| Some(&each), key)))
            }
        }
    }

    /// The members of an object value; `None` (with a warning) otherwise.
    fn object(&mut self, raw: &'a RawValue, key: &str) -> Option<IndexMap<String, &'a RawValue>> {
        match serde_json::from_str::<IndexMap<String, &RawValue>>(raw.get()) {
            Ok(members) => Some(members),
            Err(error) => {
                self.warn(raw, key, &error);
                None
            }
        }
    }

    fn warn(&mut self, raw: &RawValue, key: &str, error: &serde_json::Error) {
        let start = self.start_of(raw);
        // Inside an object or array, point at the offending part; for a
        // scalar, at its start (serde_json reports its end).
        let position = if raw.get().starts_with(['{', '[']) {
            start.offset_by(json_position(error))
        } else {
            start
        };
        self.warnings.push(ConfigError::InvalidValue {
            path: self.path.to_owned(),
            key: key.to_owned(),
            position,
            message: json_message(error),
        });
    }

    /// Where `raw` (a slice of the file's text) starts in the file.
    fn start_of(&self, raw: &RawValue) -> Position {
        let offset = (raw.get().as_ptr() as usize).checked_sub(self.text.as_ptr() as usize);
        match offset {
            Some(offset) if offset <= self.text.len() => Position::of_offset(self.text, offset),
            _ => Position { line: 1, column: 1 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ParsedSettings, ConfigError> {
        parse_settings(text, Path::new("/p/.claude/settings.json"))
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let error = parse("{\n  \"model\": \"x\",\n  oops\n}").unwrap_err();
        let ConfigError::Syntax { position, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(position.line, 3);
        assert!(
            error.to_string().starts_with("/p/.claude/settings.json:3:"),
            "{error}"
        );
    }

    #[test]
    fn a_non_object_is_a_syntax_error() {
        assert!(matches!(parse("[1]"), Err(ConfigError::Syntax { .. })));
        assert!(parse("  \n").unwrap().values.is_empty());
    }

    #[test]
    fn a_bad_key_is_dropped_alone_with_its_position() {
        let text = "{\n  \"model\": 5,\n  \"permissions\": {\n    \"deny\": [\"Bash(rm:*)\"],\n    \"defaultMode\": \"yolo\"\n  },\n  \"futureKey\": {\"a\": 1}\n}";
        let parsed = parse(text).unwrap();
        assert_eq!(
            Value::Object(parsed.values),
            serde_json::json!({"permissions": {"deny": ["Bash(rm:*)"]}, "futureKey": {"a": 1}})
        );
        let keys: Vec<(String, Position)> = parsed
            .warnings
            .iter()
            .map(|warning| match warning {
                ConfigError::InvalidValue { key, position, .. } => (key.clone(), *position),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(keys[0].0, "model");
        assert_eq!(keys[0].1.line, 2);
        assert_eq!(keys[1].0, "permissions.defaultMode");
        assert_eq!(keys[1].1.line, 5);
    }

    #[test]
    fn env_members_are_checked_one_by_one() {
        let parsed = parse(r#"{"env": {"A": "1", "B": 2, "C": true, "D": [1]}}"#).unwrap();
        assert_eq!(
            Value::Object(parsed.values),
            serde_json::json!({"env": {"A": "1", "B": 2, "C": true}})
        );
        assert_eq!(parsed.warnings.len(), 1);
        assert!(parsed.warnings[0].to_string().contains("`env.D`"));
    }
}
