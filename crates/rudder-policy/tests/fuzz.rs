//! ISSUE 4 acceptance: the rule parser and the Bash analysis never panic,
//! whatever the input; a command the analysis flags is never allowed.

mod common;

use common::Env;
use proptest::prelude::*;
use rudder_policy::bash::classify::classify;
use rudder_policy::bash::{AnalyzeOptions, analyze};
use rudder_protocol::permission::PermissionMode;

/// Shell-flavoured text: operators, quotes, expansions, redirections.
fn shellish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "echo", "rm", "-rf", "ls", "cat", "sh", "-c", "bash", "eval", "sudo", "env", "A=1", "x",
        "~", "/", "..", "&&", "||", ";", "|", "&", "\n", "$(", ")", "`", "'", "\"", "\\", "$",
        "${", "}", "{", "(", ">", ">>", ">|", "<", "<<", "EOF", "2>&1", "*", "?", "[", "]", "#",
        "!", "=", "$'", "xargs", "find", "-exec", "{}", "\\;", "cd", "timeout", "5", "if", "then",
        "fi", "for", "in", "do", "done", "case", "esac", ";;", " ", " ", " ",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn analysis_never_panics_on_random_text(text in "\\PC{0,200}") {
        let analysis = analyze(&text, &AnalyzeOptions::default());
        for command in &analysis.commands {
            let _ = classify(command);
        }
    }

    #[test]
    fn analysis_never_panics_on_shellish_text(text in shellish()) {
        let analysis = analyze(&text, &AnalyzeOptions::default());
        for command in &analysis.commands {
            let _ = classify(command);
        }
    }

    #[test]
    fn sed_scripts_never_panic(script in "[ -~\n]{0,40}") {
        for command in [format!("sed -n '{script}' f"), format!("sed -n -e \"{script}\" f")] {
            let analysis = analyze(&command, &AnalyzeOptions::default());
            for c in &analysis.commands {
                let _ = classify(c);
            }
        }
    }

    #[test]
    fn rule_parser_never_panics(text in "\\PC{0,60}", content in "\\PC{0,40}") {
        let env = Env::new();
        let rules = [
            text.clone(),
            format!("Bash({content})"),
            format!("Read({content})"),
            format!("WebFetch({content})"),
            format!("mcp__{text}"),
            format!("{text}({content})"),
        ];
        let refs: Vec<&str> = rules.iter().map(String::as_str).collect();
        let (_policy, _errors) = env
            .builder()
            .rules(rudder_policy::RuleSource::new("fuzz", &env.proj), rudder_protocol::permission::RuleBehavior::Deny, refs)
            .build();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn undecidable_commands_are_never_allowed(text in shellish()) {
        let env = Env::new();
        let policy = env.policy(PermissionMode::AcceptEdits, &["Bash(echo:*)", "Bash(ls:*)"], &[], &[]);
        let analysis = analyze(&text, &AnalyzeOptions::default());
        let decision = env.bash(&policy, &text);
        if !analysis.is_decidable() {
            prop_assert!(!decision.is_allow(), "{text:?} allowed despite {:?}", analysis.undecidable);
        }
    }
}
