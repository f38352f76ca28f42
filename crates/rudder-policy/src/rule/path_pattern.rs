//! Path patterns of `Read(...)` and `Edit(...)` rules: gitignore syntax with
//! Claude Code's four anchors (CLAUDE-CODE-INTERFACE.md §3.2):
//!
//! | written            | anchored at                                        |
//! |--------------------|----------------------------------------------------|
//! | `//abs/path`       | the filesystem root                                |
//! | `~/path`           | the home directory                                 |
//! | `/path`            | the directory of the settings file (its source)    |
//! | `path`, `./path`   | the current working directory                      |
//!
//! As in gitignore, a pattern with no `/` except a trailing one matches at
//! any depth below its anchor (`.env` ≡ `**/.env`), `*` stays within one
//! component, `**` crosses components, and a pattern that matches a
//! directory matches everything below it.
//!
//! Owns compiling and matching; never touches the filesystem: the anchors
//! it is given must already be canonical (the policy builder resolves them),
//! and the paths it is asked about are resolved by `path`.

use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobMatcher};

/// The directories the anchors refer to. All must be absolute and canonical.
#[derive(Debug, Clone, Copy)]
pub struct Anchors<'a> {
    /// Anchor of plain and `./` patterns.
    pub cwd: &'a Path,
    /// Anchor of `~/` patterns.
    pub home: &'a Path,
    /// Anchor of `/` patterns: the settings file's directory (project root
    /// for project settings, `~/.claude` for user settings, cwd for flags).
    pub source_dir: &'a Path,
}

/// A compiled path pattern.
#[derive(Debug, Clone)]
pub struct PathPattern {
    /// The absolute directory the pattern is relative to.
    base: PathBuf,
    /// Matches paths relative to `base`; `None` matches `base` and
    /// everything below it (e.g. `Read(~)`).
    glob: Option<GlobMatcher>,
}

/// Why a path pattern did not compile; `offset` is a character offset into
/// the pattern text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPatternError {
    /// Character offset in the pattern where the problem is.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl PathPattern {
    /// Compiles `text` against `anchors`. Returns `Ok(None)` for a pattern
    /// that matches every path (`*`, `**`, empty), which the grammar treats
    /// as the bare tool name.
    ///
    /// Errors: negation (`!`), which permissions do not support, and glob
    /// syntax errors (e.g. an unclosed `[`).
    pub fn compile(text: &str, anchors: Anchors<'_>) -> Result<Option<Self>, PathPatternError> {
        if text.is_empty() || text == "*" || text == "**" {
            return Ok(None);
        }
        if text.starts_with('!') {
            return Err(PathPatternError {
                offset: 0,
                message: "negated patterns (`!`) are not supported in permission rules".into(),
            });
        }
        let (mut base, rest, anchored) = if let Some(rest) = text.strip_prefix("//") {
            (PathBuf::from("/"), rest, true)
        } else if text == "~" {
            (anchors.home.to_path_buf(), "", true)
        } else if let Some(rest) = text.strip_prefix("~/") {
            (anchors.home.to_path_buf(), rest, true)
        } else if let Some(rest) = text.strip_prefix('/') {
            (anchors.source_dir.to_path_buf(), rest, true)
        } else if let Some(rest) = text.strip_prefix("./") {
            (anchors.cwd.to_path_buf(), rest, true)
        } else {
            (anchors.cwd.to_path_buf(), text, false)
        };
        let rest = rest.trim_end_matches('/');
        // Leading `..` and `.` components move the base (rules are written
        // relative; matched paths never contain `..`).
        let mut parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        while let Some(first) = parts.first() {
            match *first {
                "." => {
                    parts.remove(0);
                }
                ".." => {
                    base.pop();
                    parts.remove(0);
                }
                _ => break,
            }
        }
        if parts.is_empty() || parts.iter().all(|p| *p == "**") {
            return Ok(Some(Self { base, glob: None }));
        }
        let joined = parts.join("/");
        // gitignore: no slash inside → matches at any depth.
        let anchored = anchored || joined.contains('/');
        let glob_text = if anchored {
            joined
        } else {
            format!("**/{joined}")
        };
        let glob = GlobBuilder::new(&glob_text)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| PathPatternError {
                offset: 0,
                message: format!("invalid glob: {}", e.kind()),
            })?;
        Ok(Some(Self {
            base,
            glob: Some(Glob::compile_matcher(&glob)),
        }))
    }

    /// Whether `path` (absolute, normalized) or one of its ancestors below
    /// the anchor matches. Component-wise: `/proj_evil` is never below
    /// `/proj` (CVE-2025-54794).
    pub fn matches(&self, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(&self.base) else {
            return false;
        };
        let Some(glob) = &self.glob else {
            return true;
        };
        let names: Vec<&str> = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(name) => name.to_str(),
                _ => None,
            })
            .collect();
        (1..=names.len()).any(|n| glob.is_match(names[..n].join("/")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors() -> Anchors<'static> {
        Anchors {
            cwd: Path::new("/proj"),
            home: Path::new("/home/u"),
            source_dir: Path::new("/proj/sub"),
        }
    }

    fn m(pattern: &str, path: &str) -> bool {
        match PathPattern::compile(pattern, anchors()).unwrap() {
            Some(p) => p.matches(Path::new(path)),
            None => true,
        }
    }

    #[test]
    fn anchors_and_depth() {
        let cases = [
            ("//etc/passwd", "/etc/passwd", true),
            ("//etc/*", "/etc/passwd", true),
            ("//etc/*", "/etc/ssh/sshd_config", true), // ancestor /etc/ssh matches
            ("~/.ssh/**", "/home/u/.ssh/id_rsa", true),
            ("~/.ssh", "/home/u/.ssh/id_rsa", true),
            ("~", "/home/u/x", true),
            ("~", "/home/user2/x", false),
            ("/secrets/*", "/proj/sub/secrets/a", true),
            ("/secrets/*", "/proj/secrets/a", false),
            ("./src/**", "/proj/src/a/b.rs", true),
            ("src/**", "/proj/src/a/b.rs", true),
            ("src/**", "/proj/lib/src/a.rs", false),
            (".env", "/proj/.env", true),
            (".env", "/proj/deep/er/.env", true),
            (".env", "/proj/.env.local", false),
            (".env*", "/proj/a/.env.local", true),
            ("*.pem", "/proj/k/server.pem", true),
            ("src/*.rs", "/proj/src/a/b.rs", false),
            ("src/", "/proj/src/x", true),
            ("../other/*", "/other/x", true),
            ("./src/**", "/proj_evil/src/a", false),
            ("//proj", "/proj_evil", false),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(m(pattern, path), expected, "{pattern:?} vs {path:?}");
        }
    }

    #[test]
    fn whole_tree_patterns_are_bare() {
        assert!(PathPattern::compile("*", anchors()).unwrap().is_none());
        assert!(PathPattern::compile("**", anchors()).unwrap().is_none());
    }

    #[test]
    fn errors() {
        assert!(PathPattern::compile("!x", anchors()).is_err());
        assert!(PathPattern::compile("src/[a", anchors()).is_err());
    }
}
