//! The walk over a tree-sitter-bash tree: statements, lists, pipelines,
//! subshells, groups, control flow, substitutions and redirections, down to
//! every simple command.
//!
//! Owns the statement-level structure and the `cd` flow; words live in
//! `word`, wrappers and nested scripts in `peel`. Safety net: after the
//! walk, every command node of the tree must have been visited, else the
//! command is undecidable (a construct this walk does not know cannot hide
//! a command). Recursion is capped by `max_nesting`. Never panics.

use std::collections::HashSet;

use tree_sitter::Node;

use super::cwd::Flow;
use super::syntax::{self, SyntaxError};
use super::{Analysis, AnalyzeOptions, Assignment, CwdSet, Redirect, RedirectAccess, Word};

/// Node kinds that are statements (run something or change shell state).
const STATEMENT_KINDS: &[&str] = &[
    "command",
    "redirected_statement",
    "list",
    "pipeline",
    "subshell",
    "compound_statement",
    "negated_command",
    "if_statement",
    "while_statement",
    "for_statement",
    "c_style_for_statement",
    "case_statement",
    "function_definition",
    "variable_assignment",
    "variable_assignments",
    "declaration_command",
    "unset_command",
    "test_command",
];

/// Node kinds the safety net counts: each must be visited by the walk.
const COUNTED_KINDS: &[&str] = &["command", "declaration_command", "unset_command"];

/// Parses `script` and walks it into `out`, starting in `cwd`.
pub(crate) fn analyze_script(
    script: &str,
    cwd: CwdSet,
    shell_depth: usize,
    options: &AnalyzeOptions,
    out: &mut Analysis,
) {
    let tree = match syntax::parse(script, options.parse_deadline) {
        Ok(tree) => tree,
        Err(SyntaxError::Deadline(limit)) => {
            out.undecidable.push(format!(
                "parsing the command took longer than {} ms",
                limit.as_millis()
            ));
            return;
        }
        Err(SyntaxError::Unsafe) => {
            out.undecidable.push(
                "the command has a `{` followed by characters the shell parser cannot handle safely"
                    .to_string(),
            );
            return;
        }
        Err(SyntaxError::Language(message)) => {
            out.undecidable
                .push(format!("the shell grammar could not be loaded: {message}"));
            return;
        }
    };
    let root = tree.root_node();
    if root.has_error() {
        out.undecidable.push(
            "the command does not parse as a complete shell command (unterminated quote, \
             unsupported syntax or a syntax error)"
                .to_string(),
        );
    }
    let mut walker = Walker {
        src: script,
        options,
        shell_depth,
        nesting: 0,
        out,
        visited: HashSet::new(),
    };
    walker.sequence(root, cwd);
    let missed = count_unvisited(root, &walker.visited);
    if missed > 0 {
        walker.out.undecidable.push(format!(
            "{missed} command(s) sit in shell syntax the analysis does not follow"
        ));
    }
}

fn count_unvisited(root: Node<'_>, visited: &HashSet<usize>) -> usize {
    let mut cursor = root.walk();
    let mut missed = 0;
    loop {
        let node = cursor.node();
        if COUNTED_KINDS.contains(&node.kind()) && !visited.contains(&node.id()) {
            missed += 1;
        }
        if cursor.goto_first_child() || cursor.goto_next_sibling() {
            continue;
        }
        loop {
            if !cursor.goto_parent() {
                return missed;
            }
            if cursor.goto_next_sibling() {
                break;
            }
        }
    }
}

/// State of one walk over one tree.
pub(crate) struct Walker<'a> {
    pub(crate) src: &'a str,
    pub(crate) options: &'a AnalyzeOptions,
    pub(crate) shell_depth: usize,
    nesting: usize,
    pub(crate) out: &'a mut Analysis,
    visited: HashSet<usize>,
}

impl<'a> Walker<'a> {
    /// The source text of `node` ("" if the range is not valid UTF-8).
    pub(crate) fn text(&self, node: Node<'_>) -> &'a str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    /// Records that `why` cannot be decided statically.
    pub(crate) fn undecidable(&mut self, why: String) {
        if !self.out.undecidable.contains(&why) {
            self.out.undecidable.push(why);
        }
    }

    /// Enters one level of nesting; false (and undecidable) when too deep.
    pub(crate) fn enter(&mut self) -> bool {
        if self.nesting >= self.options.max_nesting {
            self.undecidable(format!(
                "the command nests deeper than {} levels",
                self.options.max_nesting
            ));
            return false;
        }
        self.nesting += 1;
        true
    }

    /// Leaves one level of nesting.
    pub(crate) fn leave(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
    }

    pub(crate) fn mark_visited(&mut self, node: Node<'_>) {
        self.visited.insert(node.id());
    }

    /// Walks one statement starting in `cwd`.
    pub(crate) fn statement(&mut self, node: Node<'_>, cwd: CwdSet) -> Flow {
        if !self.enter() {
            return Flow::same(CwdSet::Unknown);
        }
        let flow = match node.kind() {
            "command" => self.command(node, &[], &cwd),
            "redirected_statement" => self.redirected(node, cwd),
            "list" => self.list(node, cwd),
            "pipeline" => {
                for child in named_children(node) {
                    self.any(child, &cwd);
                }
                Flow::same(cwd)
            }
            "subshell" => {
                self.sequence(node, cwd.clone());
                Flow::same(cwd)
            }
            "compound_statement" => self.sequence(node, cwd),
            "negated_command" => {
                let inner = self.sequence(node, cwd);
                Flow {
                    ok: inner.fail,
                    fail: inner.ok,
                }
            }
            "if_statement"
            | "while_statement"
            | "for_statement"
            | "c_style_for_statement"
            | "case_statement" => self.control(node, cwd),
            "function_definition" => {
                // The body runs later, from wherever the function is called.
                for child in named_children(node) {
                    self.any(child, &CwdSet::Unknown);
                }
                Flow::same(cwd)
            }
            "variable_assignment" => {
                self.assignment_statement(node, &cwd);
                Flow::same(cwd)
            }
            "declaration_command" | "unset_command" => self.declaration(node, &cwd),
            _ => {
                self.scan(node, &cwd);
                Flow::same(cwd)
            }
        };
        self.leave();
        flow
    }

    /// Walks any node: statements as statements, substitutions as nested
    /// scripts, everything else by looking inside it.
    pub(crate) fn any(&mut self, node: Node<'_>, cwd: &CwdSet) {
        if STATEMENT_KINDS.contains(&node.kind()) {
            self.statement(node, cwd.clone());
        } else {
            self.scan(node, cwd);
        }
    }

    /// Looks inside a non-statement node for statements and substitutions.
    pub(crate) fn scan(&mut self, node: Node<'_>, cwd: &CwdSet) {
        if !self.enter() {
            return;
        }
        match node.kind() {
            "command_substitution" | "process_substitution" => self.substitution(node, cwd),
            _ => {
                for child in named_children(node) {
                    self.any(child, cwd);
                }
            }
        }
        self.leave();
    }

    /// Walks the statements inside `$(…)`, `` `…` `` or `<(…)`; `cd` inside
    /// does not leak out.
    pub(crate) fn substitution(&mut self, node: Node<'_>, cwd: &CwdSet) {
        let text = self.text(node);
        if text.starts_with('`') && text.contains("\\`") {
            self.undecidable(
                "nested backquote substitutions (\\`) are re-parsed by the shell at run time"
                    .to_string(),
            );
        }
        self.sequence(node, cwd.clone());
    }

    /// Walks the children of `node` as a sequence of statements.
    pub(crate) fn sequence(&mut self, node: Node<'_>, cwd: CwdSet) -> Flow {
        let mut current = cwd;
        let mut last: Option<Flow> = None;
        for child in named_children(node) {
            if STATEMENT_KINDS.contains(&child.kind()) {
                let flow = self.statement(child, current.clone());
                current = flow.either();
                last = Some(flow);
            } else {
                self.scan(child, &current);
            }
        }
        last.unwrap_or_else(|| Flow::same(current))
    }

    /// `if`, loops and `case`: any branch may run, any number of times.
    fn control(&mut self, node: Node<'_>, cwd: CwdSet) -> Flow {
        let mut seen = cwd;
        self.control_children(node, &mut seen);
        Flow::same(seen)
    }

    fn control_children(&mut self, node: Node<'_>, seen: &mut CwdSet) {
        for child in named_children(node) {
            match child.kind() {
                "do_group" | "elif_clause" | "else_clause" | "case_item" => {
                    if self.enter() {
                        self.control_children(child, seen);
                        self.leave();
                    }
                }
                kind if STATEMENT_KINDS.contains(&kind) => {
                    let flow = self.statement(child, seen.clone());
                    *seen = seen.union(&flow.either());
                }
                _ => self.scan(child, seen),
            }
        }
    }

    /// `a && b`, `a || b` (tree-sitter nests longer lists to the left).
    fn list(&mut self, node: Node<'_>, cwd: CwdSet) -> Flow {
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
        let statements: Vec<Node<'_>> = children.iter().copied().filter(|c| c.is_named()).collect();
        let operator = children
            .iter()
            .find(|c| !c.is_named())
            .map(|c| c.kind())
            .unwrap_or("");
        match (statements.as_slice(), operator) {
            ([left, right], "&&") => {
                let left = self.statement(*left, cwd);
                let right = self.statement(*right, left.ok.clone());
                Flow {
                    ok: right.ok.clone(),
                    fail: left.fail.union(&right.fail),
                }
            }
            ([left, right], "||") => {
                let left = self.statement(*left, cwd);
                let right = self.statement(*right, left.fail.clone());
                Flow {
                    ok: left.ok.union(&right.ok),
                    fail: right.fail.clone(),
                }
            }
            _ => self.sequence(node, cwd),
        }
    }

    /// A statement with redirections attached by the grammar.
    fn redirected(&mut self, node: Node<'_>, cwd: CwdSet) -> Flow {
        let body = node.child_by_field_name("body");
        let mut cursor = node.walk();
        let redirects: Vec<Node<'_>> = node
            .children_by_field_name("redirect", &mut cursor)
            .collect();
        match body {
            Some(body) if body.kind() == "command" => {
                if !self.enter() {
                    return Flow::same(CwdSet::Unknown);
                }
                let flow = self.command(body, &redirects, &cwd);
                self.leave();
                flow
            }
            Some(body) => {
                let flow = self.statement(body, cwd.clone());
                // tree-sitter attaches `> f` in `cd d && echo x > f` to the
                // whole list: judge it in every directory the list visits.
                let where_ = cwd.union(&flow.either());
                let mut extra = Vec::new();
                for redirect in redirects {
                    self.redirect(redirect, &where_, &mut extra);
                }
                if !extra.is_empty() {
                    self.undecidable(
                        "words after a redirection could not be attributed to a command"
                            .to_string(),
                    );
                }
                flow
            }
            None => {
                let mut extra = Vec::new();
                for redirect in redirects {
                    self.redirect(redirect, &cwd, &mut extra);
                }
                Flow::same(cwd)
            }
        }
    }

    /// One simple command node, with redirections the grammar attached
    /// outside it.
    fn command(&mut self, node: Node<'_>, outer: &[Node<'_>], cwd: &CwdSet) -> Flow {
        self.mark_visited(node);
        let mut parts = Vec::new();
        let mut assignments = Vec::new();
        let mut redirects: Vec<Node<'_>> = outer.to_vec();
        let mut cursor = node.walk();
        for (i, child) in node.children(&mut cursor).enumerate() {
            let field = u32::try_from(i)
                .ok()
                .and_then(|i| node.field_name_for_child(i));
            match (child.kind(), field) {
                ("variable_assignment", _) if parts.is_empty() => assignments.push(child),
                ("command_name", _) | (_, Some("argument")) => parts.push(child),
                ("file_redirect" | "heredoc_redirect" | "herestring_redirect", _) => {
                    redirects.push(child)
                }
                _ if child.is_named() => parts.push(child),
                _ => {}
            }
        }
        let mut extra_nodes = Vec::new();
        for redirect in &redirects {
            self.redirect(*redirect, cwd, &mut extra_nodes);
        }
        let mut argv = self.words(&parts, cwd);
        for extra in extra_nodes {
            argv.push(self.word(&[extra], cwd));
        }
        let assignments: Vec<Assignment> = assignments
            .into_iter()
            .filter_map(|a| self.assignment(a, cwd))
            .collect();
        if argv.is_empty() {
            for assignment in &assignments {
                self.check_persistent_assignment(&assignment.name);
            }
            return Flow::same(cwd.clone());
        }
        let text = self.text(node).to_string();
        self.finish(argv, assignments, cwd, text, false)
    }

    /// A redirection; words the grammar wrongly put into it (`cat > f x`)
    /// are pushed to `extra` for the caller to treat as arguments.
    pub(crate) fn redirect<'t>(&mut self, node: Node<'t>, cwd: &CwdSet, extra: &mut Vec<Node<'t>>) {
        match node.kind() {
            "file_redirect" => self.file_redirect(node, cwd, extra),
            "heredoc_redirect" => {
                for child in named_children(node) {
                    match child.kind() {
                        "heredoc_start" | "heredoc_end" => {}
                        "file_redirect" | "heredoc_redirect" | "herestring_redirect" => {
                            self.redirect(child, cwd, extra)
                        }
                        _ => self.any(child, cwd),
                    }
                }
            }
            _ => self.scan(node, cwd),
        }
    }

    fn file_redirect<'t>(&mut self, node: Node<'t>, cwd: &CwdSet, extra: &mut Vec<Node<'t>>) {
        let mut cursor = node.walk();
        let operator = node
            .children(&mut cursor)
            .find(|c| !c.is_named())
            .map(|c| c.kind().to_string())
            .unwrap_or_default();
        let mut cursor = node.walk();
        let destinations: Vec<Node<'t>> = node
            .children_by_field_name("destination", &mut cursor)
            .collect();
        extra.extend(destinations.iter().skip(1).copied());
        let target = destinations.first().map(|d| self.word(&[*d], cwd));
        let access = match operator.as_str() {
            "<" => Some(RedirectAccess::Read),
            ">" | ">>" | ">|" | "&>" | "&>>" => Some(RedirectAccess::Write),
            ">&" | "<&" => match &target {
                Some(t)
                    if t.is_static()
                        && (t.value == "-" || t.value.chars().all(|c| c.is_ascii_digit())) =>
                {
                    None
                }
                Some(_) if operator == ">&" => Some(RedirectAccess::Write),
                Some(_) => Some(RedirectAccess::Read),
                None => None,
            },
            ">&-" | "<&-" => None,
            other => {
                self.undecidable(format!("unsupported redirection operator `{other}`"));
                None
            }
        };
        if let (Some(access), Some(target)) = (access, target) {
            self.out.redirects.push(Redirect {
                access,
                target,
                cwd: cwd.clone(),
            });
        }
    }

    /// `NAME=value` as a statement of its own: it persists for later
    /// commands.
    fn assignment_statement(&mut self, node: Node<'_>, cwd: &CwdSet) {
        if let Some(assignment) = self.assignment(node, cwd) {
            self.check_persistent_assignment(&assignment.name);
        }
    }

    pub(crate) fn check_persistent_assignment(&mut self, name: &str) {
        if super::is_dangerous_variable(name) {
            self.undecidable(format!(
                "`{name}` is assigned, which changes how later commands run"
            ));
        }
    }

    /// Evaluates a `variable_assignment` node.
    fn assignment(&mut self, node: Node<'_>, cwd: &CwdSet) -> Option<Assignment> {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.text(n).to_string())?;
        let value = match node.child_by_field_name("value") {
            Some(value) => self.word(&[value], cwd),
            None => Word::literal(""),
        };
        // `a[$(cmd)]=x`: look inside the name too.
        if let Some(name_node) = node.child_by_field_name("name") {
            self.scan(name_node, cwd);
        }
        let name = name.split('[').next().unwrap_or("").to_string();
        Some(Assignment { name, value })
    }

    /// `export`, `declare`, `local`, `readonly`, `typeset`, `unset`.
    fn declaration(&mut self, node: Node<'_>, cwd: &CwdSet) -> Flow {
        self.mark_visited(node);
        let mut argv = Vec::new();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "variable_assignment" => {
                    if let Some(a) = self.assignment(child, cwd) {
                        self.check_persistent_assignment(&a.name);
                        argv.push(Word::literal(format!("{}={}", a.name, a.value.value)));
                    }
                }
                "variable_name" => {
                    let name = self.text(child).to_string();
                    argv.push(Word::literal(name));
                }
                _ if !child.is_named() => argv.push(Word::literal(child.kind())),
                _ => {
                    let word = self.word(&[child], cwd);
                    argv.push(word);
                }
            }
        }
        if let Some(first) = argv.first()
            && first.value != "unset"
            && argv.iter().any(|w| w.dynamic)
        {
            self.undecidable(format!("`{}` with computed names or values", first.value));
        }
        let text = self.text(node).to_string();
        self.record_plain(argv, Vec::new(), cwd, text);
        Flow::same(cwd.clone())
    }
}

/// The named children of `node`, in order.
pub(crate) fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}
