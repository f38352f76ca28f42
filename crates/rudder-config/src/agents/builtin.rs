//! rudder's built-in subagent types, named as Claude Code's
//! (`general-purpose`, `Explore`, `Plan`; CLAUDE-CODE-INTERFACE.md §2.2)
//! so `subagent_type` values and `Task(Explore)` rules carry over. The
//! prompts are rudder's own.

use super::AgentDef;
use crate::discover::DefinitionScope;

/// Tools of the read-only built-ins. `Bash` is listed, and the runner
/// allows only calls the policy judges read-only ([`AgentDef::read_only`]).
const READ_ONLY_TOOLS: [&str; 7] = [
    "Read",
    "Glob",
    "Grep",
    "LS",
    "WebFetch",
    "WebSearch",
    "Bash",
];

const GENERAL_PURPOSE: &str = "\
You are a subagent working on one task handed over by the main agent. You \
have the same tools it has. Work through the task on your own: search and \
read what you need, make the changes the task asks for, and check them. \
You cannot ask the user questions, so when something is ambiguous choose \
the most reasonable reading and say which one you chose.

When you are done, reply with one final message for the main agent: what \
you found or changed (with file paths), anything left undone, and anything \
it should verify. That message is all it will see of your work.";

const EXPLORE: &str = "\
You are a read-only search subagent. Your job is to find things in the \
codebase quickly and report them: where something is defined or used, how \
a part of the system fits together, which files matter for a question.

You may only read: use Glob, Grep, Read and LS, and Bash only for commands \
that change nothing (for example git log, git show, ls, wc). Never create, \
edit or delete files and never run builds, installs or anything with side \
effects; such calls will be refused.

Search broadly first, then read the promising files. Reply with one final \
message: the answer, the file paths and line numbers that support it, and \
anything you could not determine.";

const PLAN: &str = "\
You are a read-only planning subagent. The main agent needs a plan before \
anything is changed. Study the relevant code with Glob, Grep, Read, LS and \
read-only Bash commands; never modify files or run commands with side \
effects (they will be refused).

Reply with one final message containing a concrete, ordered plan: the \
files to change and what to change in each, the risks or open questions, \
and how to verify the result. Base every step on code you actually read.";

/// The built-in agent types, in name order: `Explore`, `Plan`,
/// `general-purpose`. General-purpose inherits every tool; Explore and Plan
/// are read-only.
pub fn builtin_agents() -> Vec<AgentDef> {
    let agent = |name: &str, description: &str, prompt: &str, read_only: bool| AgentDef {
        name: name.to_owned(),
        description: description.to_owned(),
        tools: read_only.then(|| {
            READ_ONLY_TOOLS
                .iter()
                .map(|tool| (*tool).to_owned())
                .collect()
        }),
        disallowed_tools: Vec::new(),
        model: None,
        permission_mode: None,
        max_turns: None,
        read_only,
        prompt: prompt.to_owned(),
        scope: DefinitionScope::BuiltIn,
        path: None,
    };
    vec![
        agent(
            "Explore",
            "Fast read-only search of the codebase: finding files, definitions and usages, \
             answering how something works. Give it a clear question and the thoroughness you need.",
            EXPLORE,
            true,
        ),
        agent(
            "Plan",
            "Read-only research that ends in an implementation plan: which files to change, \
             in what order, and how to verify. Use it before larger changes.",
            PLAN,
            true,
        ),
        agent(
            "general-purpose",
            "General agent for multi-step tasks: research, code changes and checks that are \
             worth doing in a separate context. Has every tool the main agent has.",
            GENERAL_PURPOSE,
            false,
        ),
    ]
}
