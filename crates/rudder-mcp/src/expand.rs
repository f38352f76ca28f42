//! `${VAR}` and `${VAR:-default}` expansion in MCP server configuration.
//!
//! Contract (CLAUDE-CODE-INTERFACE.md §6): expansion applies to `command`,
//! `args`, `env` values, `url` and `headers` values; an unset variable without
//! a default makes that server's configuration fail. `:-` follows the shell:
//! the default is used when the variable is unset *or empty*. A `$` not
//! followed by `{` is kept as is; the default text is not expanded again.
//!
//! Pure: the environment comes in as a lookup function, never from the
//! process, so tests and callers decide what is visible.

/// Why a string could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    /// `${NAME}` with `NAME` unset and no `:-default`.
    #[error("environment variable `{0}` is not set (write `${{{0}:-default}}` to give a default)")]
    Unset(String),
    /// `${` without a closing `}`.
    #[error("unterminated `${{` at byte {0}")]
    Unterminated(usize),
    /// `${}` or a name with characters outside `[A-Za-z0-9_]`.
    #[error("invalid variable name `{0}` (use letters, digits and `_`)")]
    BadName(String),
}

/// Expands every `${VAR}` / `${VAR:-default}` in `input`.
///
/// Takes the text and a lookup (`Some(value)` when the variable is set).
/// Returns the expanded text, or the first [`ExpandError`].
pub fn expand(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    let mut offset = 0;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let body_start = start + 2;
        let Some(close) = rest[body_start..].find('}') else {
            return Err(ExpandError::Unterminated(offset + start));
        };
        let body = &rest[body_start..body_start + close];
        let (name, default) = match body.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (body, None),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(ExpandError::BadName(name.to_owned()));
        }
        match (lookup(name), default) {
            (Some(value), Some(default)) if value.is_empty() => out.push_str(default),
            (Some(value), _) => out.push_str(&value),
            (None, Some(default)) => out.push_str(default),
            (None, None) => return Err(ExpandError::Unset(name.to_owned())),
        }
        let consumed = body_start + close + 1;
        offset += consumed;
        rest = &rest[consumed..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/u".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_set_variables_and_defaults() {
        assert_eq!(expand("${HOME}/x", &env).unwrap(), "/home/u/x");
        assert_eq!(expand("a${NOPE:-b}c", &env).unwrap(), "abc");
        assert_eq!(expand("${EMPTY:-d}", &env).unwrap(), "d");
        assert_eq!(expand("${EMPTY}", &env).unwrap(), "");
        assert_eq!(expand("${HOME:-x}", &env).unwrap(), "/home/u");
        assert_eq!(expand("${NOPE:-}", &env).unwrap(), "");
    }

    #[test]
    fn keeps_plain_dollars_and_does_not_re_expand_defaults() {
        assert_eq!(expand("$HOME $ {x}", &env).unwrap(), "$HOME $ {x}");
        assert_eq!(expand("${NOPE:-$HOME}", &env).unwrap(), "$HOME");
    }

    #[test]
    fn reports_unset_unterminated_and_bad_names() {
        assert_eq!(
            expand("x${TOKEN}", &env),
            Err(ExpandError::Unset("TOKEN".into()))
        );
        assert_eq!(expand("ab${HOME", &env), Err(ExpandError::Unterminated(2)));
        assert_eq!(
            expand("${}", &env),
            Err(ExpandError::BadName(String::new()))
        );
        assert_eq!(
            expand("${A-B}", &env),
            Err(ExpandError::BadName("A-B".into()))
        );
    }
}
