//! Commands, agents, skills and output styles through the public API:
//! priorities on name clashes, required fields, `--agents`, and command
//! and skill expansion with fake shell and file callbacks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use rudder_config::agents::{AgentModel, discover_agents};
use rudder_config::commands::{discover_commands, expand_command};
use rudder_config::discover::DefinitionScope;
use rudder_config::expand::ExpandError;
use rudder_config::output_styles::discover_output_styles;
use rudder_config::skills::{SkillVars, discover_skills, load_skill, skill_listing};
use rudder_config::{ConfigError, SourceSet};

#[test]
fn command_expansion_runs_shell_and_reads_files_through_callbacks() {
    let fixture = common::fixture("realistic");
    let commands = discover_commands(&fixture.paths, SourceSet::ALL, true);
    let review = commands.get("review").unwrap();
    let mut ran = Vec::new();
    let mut shell = |command: &str| {
        ran.push(command.to_owned());
        Ok("+ added line\n".to_owned())
    };
    let mut read = |path: &str| {
        assert_eq!(path, "src/lib.ts");
        Ok("export const x = 1;\n".to_owned())
    };
    let expansion = expand_command(review, "42 high", &mut shell, &mut read).unwrap();
    assert_eq!(ran, ["gh pr diff 42"]);
    assert_eq!(
        expansion.text,
        "Review pull request #42 with priority high.\n\n\
         Diff: + added line\n\n\
         Pay special attention to @src/lib.ts and the tests.\n\n\
         <file path=\"src/lib.ts\">\nexport const x = 1;\n</file>\n"
    );
    let component = commands.get("component").unwrap();
    let mut no_shell = |_: &str| -> Result<String, String> { panic!("no shell spans") };
    let mut no_read = |_: &str| -> Result<String, String> { panic!("no files") };
    let text = expand_command(component, "DatePicker", &mut no_shell, &mut no_read)
        .unwrap()
        .text;
    assert!(text.starts_with("Create a new React component named DatePicker."));

    let commit = commands.get("commit").unwrap();
    let mut refuse = |command: &str| Err(format!("{command} is not in allowed-tools"));
    let error = expand_command(commit, "", &mut refuse, &mut no_read).unwrap_err();
    assert_eq!(
        error,
        ExpandError::Shell {
            command: "git status".into(),
            message: "git status is not in allowed-tools".into()
        }
    );
}

#[test]
fn command_clashes_follow_priority() {
    let fixture = common::empty();
    fixture.write("home/.claude/commands/fix.md", "user claude fix\n");
    fixture.write("home/.rudder/commands/fix.md", "user rudder fix\n");
    fixture.write("home/.claude/commands/only-user.md", "only user\n");
    fixture.write("project/.claude/commands/fix.md", "project claude fix\n");
    fixture.write("project/.rudder/commands/fix.md", "project rudder fix\n");
    fixture.write("project/.claude/commands/a/dup.md", "first dup\n");
    fixture.write("project/.claude/commands/b/dup.md", "second dup\n");
    let commands = discover_commands(&fixture.paths, SourceSet::ALL, true);
    assert_eq!(
        commands.get("fix").unwrap().description,
        "project rudder fix"
    );
    assert_eq!(
        commands.get("only-user").unwrap().scope,
        DefinitionScope::User
    );
    assert_eq!(commands.get("dup").unwrap().description, "first dup");
    assert!(matches!(
        &commands.warnings[..],
        [ConfigError::DuplicateName { kind: "command", name, .. }] if name == "dup"
    ));
    let user_only = discover_commands(&fixture.paths, SourceSet::parse("user").unwrap(), true);
    assert_eq!(user_only.get("fix").unwrap().description, "user rudder fix");
    assert!(
        discover_commands(&fixture.paths, SourceSet::NONE, true)
            .commands
            .is_empty()
    );
}

#[test]
fn bad_front_matter_is_reported_and_the_command_still_loads() {
    let fixture = common::empty();
    fixture.write(
        "project/.claude/commands/odd.md",
        "---\ndescription: [unclosed\ndisable-model-invocation: perhaps\n---\nDo the odd thing.\n",
    );
    let commands = discover_commands(&fixture.paths, SourceSet::ALL, true);
    let odd = commands.get("odd").unwrap();
    assert_eq!(odd.description, "Do the odd thing.");
    let message = commands.warnings[0].to_string();
    assert!(
        message.starts_with(&format!(
            "{}:",
            fixture.path("project/.claude/commands/odd.md").display()
        )),
        "{message}"
    );
}

#[test]
fn agents_need_name_and_description_and_cli_wins() {
    let fixture = common::empty();
    fixture.write(
        "project/.claude/agents/nameless.md",
        "---\ndescription: no name\n---\nbody\n",
    );
    fixture.write(
        "project/.claude/agents/undescribed.md",
        "---\nname: undescribed\n---\nbody\n",
    );
    fixture.write(
        "project/.claude/agents/helper.md",
        "---\nname: helper\ndescription: project helper\n---\nproject prompt\n",
    );
    fixture.write(
        "home/.claude/agents/helper.md",
        "---\nname: helper\ndescription: user helper\n---\nuser prompt\n",
    );
    fixture.write(
        "project/.claude/agents/explore.md",
        "---\nname: Explore\ndescription: my explore\n---\nmine\n",
    );
    let agents = discover_agents(&fixture.paths, SourceSet::ALL, None, true);
    let missing: Vec<String> = agents
        .warnings
        .iter()
        .map(|warning| match warning {
            ConfigError::MissingField { field, .. } => field.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(missing, ["name", "description"]);
    assert_eq!(agents.get("helper").unwrap().prompt, "project prompt");
    let explore = agents.get("Explore").unwrap();
    assert_eq!(
        explore.scope,
        DefinitionScope::Project,
        "a file overrides a built-in"
    );
    assert!(!explore.read_only);

    let cli = r#"{"helper": {"description": "cli helper", "prompt": "cli prompt", "tools": ["Read", "Grep"], "model": "claude-opus-4-5", "maxTurns": 3},
                  "broken": {"description": "no prompt"}}"#;
    let agents = discover_agents(&fixture.paths, SourceSet::ALL, Some(cli), true);
    let helper = agents.get("helper").unwrap();
    assert_eq!(
        (helper.scope, helper.prompt.as_str()),
        (DefinitionScope::Cli, "cli prompt")
    );
    assert_eq!(helper.model, Some(AgentModel::Id("claude-opus-4-5".into())));
    assert_eq!(helper.tools.as_deref().unwrap(), ["Read", "Grep"]);
    assert!(agents.get("broken").is_none());
    assert!(
        agents
            .warnings
            .iter()
            .any(|w| w.to_string().contains("`broken.prompt`"))
    );

    let bad = discover_agents(&fixture.paths, SourceSet::NONE, Some("{\"x\": "), true);
    assert!(
        bad.warnings[0].to_string().starts_with("--agents:1:"),
        "{}",
        bad.warnings[0]
    );
    let builtins: Vec<&str> = bad.agents.iter().map(|agent| agent.name.as_str()).collect();
    assert_eq!(builtins, ["Explore", "Plan", "general-purpose"]);
}

#[test]
fn builtin_explore_and_plan_are_read_only() {
    let fixture = common::empty();
    let agents = discover_agents(&fixture.paths, SourceSet::ALL, None, true);
    for name in ["Explore", "Plan"] {
        let agent = agents.get(name).unwrap();
        assert!(agent.read_only, "{name}");
        assert_eq!(
            agent.tools.as_deref().unwrap(),
            [
                "Read",
                "Glob",
                "Grep",
                "LS",
                "WebFetch",
                "WebSearch",
                "Bash"
            ]
        );
        assert!(!agent.prompt.is_empty() && !agent.description.is_empty());
    }
    let general = agents.get("general-purpose").unwrap();
    assert_eq!(general.tools, None);
    assert!(!general.read_only);
}

#[test]
fn skills_load_on_demand_with_substitutions() {
    let fixture = common::fixture("realistic");
    let skills = discover_skills(&fixture.paths, SourceSet::ALL, true);
    let dir = fixture.path("project/.claude/skills/pdf-tools");
    let text = load_skill(
        &skills,
        "pdf-tools",
        "report.pdf",
        &SkillVars {
            session_id: Some("s1"),
            project_dir: Some(Path::new("/p")),
        },
    )
    .unwrap();
    let dir = dir.display();
    assert_eq!(
        text,
        format!(
            "Skill folder: {dir}\n\n# PDF tools\n\nTo extract text from report.pdf, run:\n\n    \
             python3 {dir}/scripts/extract.py report.pdf\n\nSee {dir}/reference.md for form filling.\n"
        )
    );
    let release = load_skill(&skills, "release-notes", "v1.2.0", &SkillVars::default()).unwrap();
    assert!(
        release.contains("merged since tag v1.2.0."),
        "$0 is the first argument: {release}"
    );
    assert!(matches!(
        load_skill(&skills, "nope", "", &SkillVars::default()),
        Err(ConfigError::NotFound { kind: "skill", .. })
    ));
    assert!(!skill_listing(&skills).contains("internal-only"));
}

#[test]
fn user_skills_beat_project_skills_and_descriptions_are_cut() {
    let fixture = common::empty();
    let long = "x".repeat(2000);
    fixture.write(
        "project/.claude/skills/fmt/SKILL.md",
        "---\ndescription: project fmt\n---\nproject\n",
    );
    fixture.write(
        "home/.claude/skills/fmt/SKILL.md",
        "---\ndescription: user fmt\n---\nuser\n",
    );
    fixture.write(
        "home/.claude/skills/long/SKILL.md",
        &format!("---\ndescription: {long}\n---\nbody\n"),
    );
    fixture.write(
        "home/.claude/skills/plain/SKILL.md",
        "# Plain skill\n\nNo front matter.\n",
    );
    let skills = discover_skills(&fixture.paths, SourceSet::ALL, true);
    assert_eq!(skills.warnings, []);
    assert_eq!(skills.get("fmt").unwrap().description, "user fmt");
    assert_eq!(skills.get("plain").unwrap().description, "Plain skill");
    let listing = skill_listing(&skills);
    let long_line = listing
        .lines()
        .find(|line| line.starts_with("- long: "))
        .unwrap();
    assert_eq!(
        long_line.trim_start_matches("- long: ").chars().count(),
        1536
    );
    assert!(long_line.ends_with('…'));
}

#[test]
fn output_styles_override_builtins_by_name() {
    let fixture = common::empty();
    fixture.write(
        "project/.claude/output-styles/learning.md",
        "---\nname: learning\n---\nOur own learning style.\n",
    );
    fixture.write("home/.claude/output-styles/brief.md", "Be brief.\n");
    let styles = discover_output_styles(&fixture.paths, SourceSet::ALL);
    let learning = styles.get("Learning").unwrap();
    assert_eq!(
        (learning.scope, learning.prompt.as_str()),
        (DefinitionScope::Project, "Our own learning style.")
    );
    assert_eq!(styles.get("brief").unwrap().name, "brief");
    assert_eq!(styles.styles.len(), 4);
    assert!(styles.get("default").unwrap().prompt.is_empty());
}

#[test]
fn untrusted_project_definitions_lose_their_grants() {
    let fixture = common::fixture("realistic");
    let paths = &fixture.paths;
    fixture.write(
        "project/.claude/agents/yolo.md",
        "---\nname: yolo\ndescription: runs anything\npermissionMode: bypassPermissions\n---\nGo.\n",
    );
    let commands = discover_commands(paths, SourceSet::ALL, false);
    assert!(commands.get("review").unwrap().allowed_tools.is_empty());
    assert_eq!(
        commands.get("standup").unwrap().allowed_tools,
        ["Bash(git log:*)"],
        "user commands keep theirs"
    );
    let keys: Vec<(String, &str)> = commands
        .withheld
        .iter()
        .map(|item| {
            (
                item.path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                item.key.as_str(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("changes.md".to_owned(), "allowed-tools"),
            ("commit.md".to_owned(), "allowed-tools"),
            ("review.md".to_owned(), "allowed-tools")
        ]
    );
    let skills = discover_skills(paths, SourceSet::ALL, false);
    assert!(skills.get("pdf-tools").unwrap().allowed_tools.is_empty());
    assert_eq!(skills.get("release-notes").unwrap().allowed_tools.len(), 2);
    assert_eq!(skills.withheld.len(), 1);
    let agents = discover_agents(paths, SourceSet::ALL, None, false);
    assert_eq!(agents.get("yolo").unwrap().permission_mode, None);
    assert_eq!(agents.get("test-runner").unwrap().permission_mode, None);
    assert_eq!(agents.withheld.len(), 2);
    let trusted = discover_agents(paths, SourceSet::ALL, None, true);
    assert!(trusted.withheld.is_empty());
    assert_eq!(
        trusted.get("yolo").unwrap().permission_mode,
        Some(rudder_protocol::PermissionMode::BypassPermissions)
    );
}
