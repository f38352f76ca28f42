//! Parsing one rule string into a [`Rule`].
//!
//! Owns the outer grammar (`Tool`, `Tool(specifier)`) and the choice of
//! specifier parser per tool. Positions in errors are character offsets
//! into the text as written (before trimming). Never touches the
//! filesystem.

use std::sync::Arc;

use rudder_protocol::permission::RuleBehavior;

use super::{
    Anchors, CommandPattern, DomainPattern, PathPattern, Rule, RuleSource, Specifier, ToolMatcher,
};

/// Why one rule string did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleParseError {
    /// Character offset (0-based) into the rule text as written.
    pub position: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn err(position: usize, message: impl Into<String>) -> RuleParseError {
    RuleParseError {
        position,
        message: message.into(),
    }
}

/// Parses `text` as a rule of `behavior` from `source`, anchoring path
/// patterns with `anchors`.
///
/// Errors (with the character position): an empty rule, a bad tool name,
/// unbalanced parentheses or text after `)`, a `*` tool glob outside `*` and
/// `mcp__…`, a bare `*` allow rule, a specifier on a tool that takes none
/// (MCP tools), path rules on tools other than `Read`/`Edit` (Claude Code
/// ignores `Write(...)`/`Glob(...)` path rules with a warning), and errors
/// of the path, domain and `param:value` specifiers.
pub fn parse_rule(
    text: &str,
    behavior: RuleBehavior,
    source: Arc<RuleSource>,
    anchors: Anchors<'_>,
) -> Result<Rule, RuleParseError> {
    let lead = text.chars().take_while(|c| c.is_whitespace()).count();
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(err(0, "empty rule"));
    }
    let chars: Vec<char> = trimmed.chars().collect();
    let open = chars.iter().position(|c| *c == '(');
    let (name, content, content_at): (String, Option<String>, usize) = match open {
        Some(open) => {
            if chars.last() != Some(&')') {
                return Err(err(
                    lead + chars.len(),
                    "missing closing `)` at the end of the rule",
                ));
            }
            let name: String = chars[..open].iter().collect();
            let content: String = chars[open + 1..chars.len() - 1].iter().collect();
            (name, Some(content), lead + open + 1)
        }
        None => {
            if let Some(close) = chars.iter().position(|c| *c == ')') {
                return Err(err(lead + close, "`)` without a matching `(`"));
            }
            (trimmed.to_string(), None, 0)
        }
    };
    let tool = parse_tool_name(&name, lead, behavior)?;
    let content = content.filter(|c| !c.trim().is_empty() && c.trim() != "*");
    let specifier = match (&tool, content) {
        (_, None) => Specifier::Any,
        (ToolMatcher::Glob(_), Some(_)) => {
            return Err(err(content_at, "a tool-name glob cannot have a specifier"));
        }
        (ToolMatcher::Name(name), Some(content)) => {
            parse_specifier(name, &content, content_at, anchors)?
        }
    };
    Ok(Rule {
        text: trimmed.to_string(),
        behavior,
        tool,
        specifier,
        source,
    })
}

fn parse_tool_name(
    name: &str,
    lead: usize,
    behavior: RuleBehavior,
) -> Result<ToolMatcher, RuleParseError> {
    if name.is_empty() {
        return Err(err(lead, "missing tool name before `(`"));
    }
    for (i, c) in name.chars().enumerate() {
        let ok = c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '*';
        if !ok {
            return Err(err(lead + i, format!("`{c}` cannot appear in a tool name")));
        }
    }
    if !name.contains('*') {
        return Ok(ToolMatcher::Name(name.to_string()));
    }
    if name == "*" {
        if behavior == RuleBehavior::Allow {
            return Err(err(
                lead,
                "`*` would allow every tool; use the bypassPermissions mode instead",
            ));
        }
        return Ok(ToolMatcher::Glob(name.to_string()));
    }
    if name.starts_with("mcp__") {
        return Ok(ToolMatcher::Glob(name.to_string()));
    }
    let star = name.chars().position(|c| c == '*').unwrap_or(0);
    Err(err(
        lead + star,
        "`*` in a tool name is only allowed as `*` or in `mcp__…` names",
    ))
}

fn parse_specifier(
    tool: &str,
    content: &str,
    at: usize,
    anchors: Anchors<'_>,
) -> Result<Specifier, RuleParseError> {
    match tool {
        "Bash" | "Skill" => Ok(CommandPattern::parse(content)
            .map(Specifier::Command)
            .unwrap_or(Specifier::Any)),
        "Read" | "Edit" => {
            let lead = content.chars().take_while(|c| c.is_whitespace()).count();
            match PathPattern::compile(content.trim(), anchors) {
                Ok(Some(pattern)) => Ok(Specifier::Path(pattern)),
                Ok(None) => Ok(Specifier::Any),
                Err(e) => Err(err(at + lead + e.offset, e.message)),
            }
        }
        "Write" | "MultiEdit" | "NotebookEdit" => Err(err(
            at,
            format!(
                "`{tool}(...)` path rules are not supported; write `Edit(...)`, which covers {tool}"
            ),
        )),
        "Grep" | "Glob" | "LS" | "NotebookRead" => Err(err(
            at,
            format!(
                "`{tool}(...)` path rules are not supported; write `Read(...)`, which covers {tool}"
            ),
        )),
        "WebFetch" => DomainPattern::parse(content.trim())
            .map(Specifier::Domain)
            .map_err(|e| err(at + e.offset, e.message)),
        "Agent" | "Task" => Ok(Specifier::Exact(content.trim().to_string())),
        _ if tool.starts_with("mcp__") => Err(err(
            at,
            "MCP rules take no specifier: write `mcp__server`, `mcp__server__tool` or `mcp__server__*`",
        )),
        _ => parse_param(tool, content, at),
    }
}

fn parse_param(tool: &str, content: &str, at: usize) -> Result<Specifier, RuleParseError> {
    let Some((key, value)) = content.split_once(':') else {
        return Err(err(
            at,
            format!(
                "`{tool}(...)` takes `param:value` (a top-level input field and a value pattern)"
            ),
        ));
    };
    let key = key.trim();
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(err(at, format!("`{key}` is not an input field name")));
    }
    Ok(match CommandPattern::parse(value) {
        Some(pattern) => Specifier::Param {
            key: key.to_string(),
            pattern,
        },
        None => Specifier::Any,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn parse(text: &str, behavior: RuleBehavior) -> Result<Rule, RuleParseError> {
        let anchors = Anchors {
            cwd: Path::new("/proj"),
            home: Path::new("/home/u"),
            source_dir: Path::new("/proj"),
        };
        parse_rule(
            text,
            behavior,
            Arc::new(RuleSource::new("test", "/proj")),
            anchors,
        )
    }

    #[test]
    fn forms_parse() {
        let ok = [
            "Bash",
            "Bash(*)",
            "Bash()",
            "Bash(npm run test:*)",
            "Bash(echo (nested))",
            "  Read(./src/**)  ",
            "Edit(//etc/hosts)",
            "WebFetch(domain:*.example.com)",
            "mcp__github",
            "mcp__github__create_issue",
            "mcp__github__*",
            "Agent(Explore)",
            "Task(my-agent)",
            "Skill(review *)",
            "WebSearch(query:rust *)",
        ];
        for text in ok {
            assert!(parse(text, RuleBehavior::Allow).is_ok(), "{text}");
        }
        assert!(matches!(
            parse("Bash(*)", RuleBehavior::Allow).unwrap().specifier,
            Specifier::Any
        ));
        assert!(parse("*", RuleBehavior::Deny).is_ok());
        assert!(parse("mcp__*", RuleBehavior::Deny).is_ok());
    }

    #[test]
    fn errors_have_positions() {
        let cases = [
            ("", 0),
            ("Bash(npm", 8),
            ("Bash)x", 4),
            ("(x)", 0),
            ("Ba$h", 2),
            ("  Ba$h", 4),
            ("Write(src/**)", 6),
            ("Glob(*.rs)", 5),
            ("WebFetch(example.com)", 9),
            ("WebFetch(domain:a b)", 17),
            ("mcp__x__y(z)", 10),
            ("Read(!x)", 5),
            ("Foo(bar)", 4),
            ("Fo*o", 2),
            ("mcp__*(x)", 7),
        ];
        for (text, position) in cases {
            let error = parse(text, RuleBehavior::Deny).unwrap_err();
            assert_eq!(error.position, position, "{text}: {}", error.message);
        }
        assert_eq!(parse("*", RuleBehavior::Allow).unwrap_err().position, 0);
    }
}
