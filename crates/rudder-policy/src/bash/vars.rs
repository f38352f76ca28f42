//! Which environment variables are safe to set in front of an allowed
//! command, and which change how later commands run.
//!
//! Contract: Claude Code strips "leading safe env assignments" before
//! matching allow rules and any assignment before deny/ask rules
//! (CLAUDE-CODE-INTERFACE.md §3.2); CC#31558 (env-prefix bypass). A
//! variable that changes which program runs or what it loads (`PATH`,
//! `LD_PRELOAD`, `BASH_ENV`, `GIT_*`, `PAGER`, …) is never safe. Pure.

/// Variables that only tune output or locale: safe in front of a command
/// an allow rule or the read-only set allows.
const SAFE: &[&str] = &[
    "LANG",
    "LANGUAGE",
    "TZ",
    "TERM",
    "COLUMNS",
    "LINES",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "COLORTERM",
    "CI",
    "DEBUG",
    "NODE_ENV",
    "RUST_LOG",
    "RUST_BACKTRACE",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "GIT_TERMINAL_PROMPT",
];

/// Variables that change which programs run, what they load or how the
/// shell expands later words.
const DANGEROUS: &[&str] = &[
    "PATH",
    "HOME",
    "IFS",
    "CDPATH",
    "ENV",
    "BASH_ENV",
    "SHELLOPTS",
    "BASHOPTS",
    "GLOBIGNORE",
    "PS4",
    "PROMPT_COMMAND",
    "PWD",
    "OLDPWD",
    "SHELL",
    "EDITOR",
    "VISUAL",
    "PAGER",
    "MANPAGER",
    "LESSOPEN",
    "LESSCLOSE",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "PYTHONHOME",
    "NODE_OPTIONS",
    "NODE_PATH",
    "PERL5OPT",
    "PERL5LIB",
    "PERLLIB",
    "RUBYOPT",
    "RUBYLIB",
    "RIPGREP_CONFIG_PATH",
    "GREP_OPTIONS",
    "TAR_OPTIONS",
    "ZDOTDIR",
    "XDG_CONFIG_HOME",
    "TMPDIR",
];

/// Prefixes of dangerous variable families.
const DANGEROUS_PREFIXES: &[&str] = &["LD_", "DYLD_", "GIT_", "BASH_FUNC_", "NPM_CONFIG_"];

/// Whether `NAME=…` in front of a command leaves an allow decision for the
/// command valid (`LANG`, `LC_*`, `TZ`, `NO_COLOR`, `RUST_LOG`, …).
pub fn is_safe_variable(name: &str) -> bool {
    SAFE.contains(&name) || name.starts_with("LC_")
}

/// Whether assigning `name` changes how later commands run, so an
/// assignment statement to it (`PATH=/x; ls`, `export LD_PRELOAD=…`) makes
/// the whole command undecidable.
pub fn is_dangerous_variable(name: &str) -> bool {
    DANGEROUS.contains(&name)
        || DANGEROUS_PREFIXES.iter().any(|p| name.starts_with(p))
        || (name.starts_with("BASH") && name != "BASH_VERSION")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert!(is_safe_variable("LC_ALL"));
        assert!(is_safe_variable("NO_COLOR"));
        assert!(!is_safe_variable("PATH"));
        assert!(!is_safe_variable("FOO"));
        assert!(is_dangerous_variable("PATH"));
        assert!(is_dangerous_variable("LD_PRELOAD"));
        assert!(is_dangerous_variable("GIT_SSH_COMMAND"));
        assert!(is_dangerous_variable("IFS"));
        assert!(!is_dangerous_variable("x"));
        assert!(!is_dangerous_variable("FOO"));
    }
}
