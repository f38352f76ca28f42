//! A project shaped like real `.claude/` folders (commands in namespaces,
//! agents with sloppy YAML, skills, hooks of every event, rules of every
//! form, a local settings file, a user folder, managed policy) loads with
//! no warning, and each part reads as Claude Code documents it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use rudder_config::SourceSet;
use rudder_config::agents::{AgentModel, discover_agents};
use rudder_config::commands::discover_commands;
use rudder_config::discover::DefinitionScope;
use rudder_config::hooks::{HookEvent, hooks_from_settings, matching_hooks};
use rudder_config::memory::{MemoryLevel, load_memory, render_memory};
use rudder_config::output_styles::discover_output_styles;
use rudder_config::settings::{
    LoadedSettings, ProviderKind, SettingsRequest, SettingsScope, load_settings, render_provenance,
};
use rudder_config::skills::{discover_skills, skill_listing};
use rudder_protocol::PermissionMode;
use rudder_protocol::permission::RuleBehavior;
use serde_json::json;

fn settings(fixture: &common::Fixture, trusted: bool) -> LoadedSettings {
    load_settings(&SettingsRequest {
        paths: &fixture.paths,
        sources: SourceSet::ALL,
        cli: None,
        trusted,
    })
}

#[test]
fn everything_loads_without_warnings() {
    let fixture = common::fixture("realistic");
    let paths = &fixture.paths;
    let loaded = settings(&fixture, true);
    assert_eq!(loaded.warnings, [], "settings");
    assert_eq!(loaded.withheld, [], "trusted folder withholds nothing");
    assert_eq!(hooks_from_settings(&loaded).warnings, [], "hooks");
    assert_eq!(load_memory(paths, SourceSet::ALL).warnings, [], "memory");
    assert_eq!(
        discover_commands(paths, SourceSet::ALL, true).warnings,
        [],
        "commands"
    );
    assert_eq!(
        discover_agents(paths, SourceSet::ALL, None, true).warnings,
        [],
        "agents"
    );
    assert_eq!(
        discover_skills(paths, SourceSet::ALL, true).warnings,
        [],
        "skills"
    );
    assert_eq!(
        discover_output_styles(paths, SourceSet::ALL).warnings,
        [],
        "output styles"
    );
}

#[test]
fn settings_layers_merge_in_claude_code_order() {
    let fixture = common::fixture("realistic");
    let loaded = settings(&fixture, true);
    let scopes: Vec<SettingsScope> = loaded
        .layers
        .iter()
        .map(|layer| layer.origin.scope)
        .collect();
    assert_eq!(
        scopes,
        [
            SettingsScope::Managed,
            SettingsScope::Managed,
            SettingsScope::Local,
            SettingsScope::Project,
            SettingsScope::User,
            SettingsScope::User
        ]
    );
    let typed = &loaded.settings;
    assert_eq!(
        typed.model.as_deref(),
        Some("opus"),
        "local beats project beats user"
    );
    assert_eq!(typed.cleanup_period_days, Some(30), "managed beats project");
    assert_eq!(
        typed.permissions.default_mode,
        Some(PermissionMode::AcceptEdits)
    );
    assert!(typed.permissions.bypass_disabled());
    assert_eq!(typed.env["NODE_ENV"], "test");
    assert_eq!(typed.env["BASH_DEFAULT_TIMEOUT_MS"], "90000");
    assert_eq!(typed.env["DEBUG"], "false");
    assert_eq!(typed.env["DISABLE_TELEMETRY"], "1");
    assert_eq!(typed.env["DISABLE_AUTOUPDATER"], "1");
    assert_eq!(typed.output_style.as_deref(), Some("Explanatory"));
    assert_eq!(typed.include_co_authored_by, Some(false));
    assert_eq!(
        typed.attribution.as_ref().and_then(|a| a.commit.as_deref()),
        Some("")
    );
    assert_eq!(typed.enabled_mcpjson_servers, ["github"]);
    assert_eq!(typed.disabled_mcpjson_servers, ["legacy-db"]);
    assert_eq!(typed.auto_compact_enabled, Some(true));
    assert_eq!(typed.fallback_model.as_deref(), Some("claude-haiku-4-5"));
    assert_eq!(typed.api_key_helper.as_deref(), Some("~/bin/get-key.sh"));
    let status = typed.status_line.as_ref().unwrap();
    assert_eq!((status.kind.as_str(), status.padding), ("command", Some(0)));
    assert!(
        status.command.contains("CLAUDE_PROJECT_DIR"),
        "project beats user"
    );
    let sandbox = typed.sandbox.as_ref().unwrap();
    assert_eq!(sandbox.enabled, Some(true));
    assert_eq!(
        sandbox.network.as_ref().unwrap().allowed_domains,
        ["registry.npmjs.org"]
    );
    let ollama = &typed.providers["ollama"];
    assert_eq!(ollama.kind, ProviderKind::Openai);
    assert_eq!(
        ollama.base_url.as_deref(),
        Some("http://localhost:11434/v1")
    );
    assert_eq!(ollama.models["qwen3-coder"].context_window, Some(262_144));
    let sonnet_price = typed.providers["anthropic"].models["claude-sonnet-4-5"]
        .price
        .unwrap();
    assert_eq!(
        (sonnet_price.input, sonnet_price.cache_write),
        (3.0, Some(3.75))
    );
    // Unknown keys are kept in the raw merged JSON.
    assert_eq!(loaded.merged["spinnerTipsEnabled"], json!(false));
    assert_eq!(loaded.merged["alwaysThinkingEnabled"], json!(false));
    assert_eq!(
        loaded.merged["$schema"],
        json!("https://json.schemastore.org/claude-code-settings.json")
    );
    // Arrays concatenate without duplicates, highest layer first.
    let allow = loaded.merged["permissions"]["allow"].as_array().unwrap();
    assert_eq!(allow[0], "Bash(touch f)");
    assert_eq!(
        allow
            .iter()
            .filter(|rule| *rule == "Bash(npm run test:*)")
            .count(),
        1
    );
    assert!(allow.contains(&json!("Bash(ls:*)")));
}

#[test]
fn rules_keep_their_source_and_anchor() {
    let fixture = common::fixture("realistic");
    let loaded = settings(&fixture, true);
    let project_root = fixture.path("project");
    let find = |rule: &str| {
        loaded
            .rules
            .iter()
            .find(|entry| entry.rule == rule)
            .unwrap_or_else(|| panic!("{rule} missing"))
    };
    let edit_docs = find("Edit(/docs/**)");
    assert_eq!(edit_docs.behavior, RuleBehavior::Allow);
    assert_eq!(
        edit_docs.origin.path,
        project_root.join(".claude/settings.json")
    );
    assert_eq!(edit_docs.base_dir, project_root);
    let managed = find("Read(//etc/shadow)");
    assert_eq!(
        (managed.behavior, managed.origin.scope),
        (RuleBehavior::Deny, SettingsScope::Managed)
    );
    let user = find("Read(~/notes/**)");
    assert_eq!(user.base_dir, fixture.path("home/.claude"));
    assert_eq!(find("Bash(docker run:*)").behavior, RuleBehavior::Ask);
    // The same rule from two files is listed once per file.
    assert_eq!(
        loaded
            .rules
            .iter()
            .filter(|entry| entry.rule == "Bash(npm run test:*)")
            .count(),
        2
    );
    let dirs: Vec<&str> = loaded
        .additional_directories
        .iter()
        .map(|dir| dir.path.as_str())
        .collect();
    assert_eq!(dirs, ["../shared-lib", "~/notes"]);
}

#[test]
fn provenance_names_each_values_file() {
    let fixture = common::fixture("realistic");
    let loaded = settings(&fixture, true);
    let rendered = render_provenance(&loaded);
    let line = |key: &str| {
        rendered
            .lines()
            .find(|line| line.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("{key} not in\n{rendered}"))
            .to_owned()
    };
    assert_eq!(
        line("model"),
        format!(
            "model = \"opus\"    # local {}",
            fixture
                .path("project/.claude/settings.local.json")
                .display()
        )
    );
    assert!(line("cleanupPeriodDays").contains("managed-settings.json"));
    assert!(line("env.DISABLE_TELEMETRY").contains("10-telemetry.json"));
    assert!(line("providers.ollama.kind").contains(".rudder/settings.json"));
    assert!(line("permissions.allow[0]").contains("settings.local.json"));
    assert_eq!(render_provenance(&loaded), rendered, "stable");
}

#[test]
fn hooks_of_every_event_load_and_match() {
    let fixture = common::fixture("realistic");
    let hooks = hooks_from_settings(&settings(&fixture, true));
    for event in HookEvent::ALL {
        assert!(
            hooks.groups.iter().any(|group| group.event == event),
            "{event}"
        );
    }
    let bash = matching_hooks(&hooks, HookEvent::PreToolUse, Some("Bash"));
    let commands: Vec<&str> = bash.iter().map(|hook| hook.command.as_str()).collect();
    assert_eq!(
        commands,
        [
            "\"$CLAUDE_PROJECT_DIR\"/.claude/hooks/check-bash.sh",
            "~/.claude/hooks/log-bash.sh"
        ]
    );
    assert_eq!(bash[0].timeout, Duration::from_secs(10));
    assert_eq!(bash[1].timeout, Duration::from_secs(60));
    assert_eq!(bash[1].origin.scope, SettingsScope::User);
    assert_eq!(
        matching_hooks(&hooks, HookEvent::PreToolUse, Some("MultiEdit")).len(),
        1
    );
    assert_eq!(
        matching_hooks(&hooks, HookEvent::PreToolUse, Some("Read")).len(),
        0
    );
    assert_eq!(
        matching_hooks(
            &hooks,
            HookEvent::PostToolUse,
            Some("mcp__github__get_issue")
        )
        .len(),
        1
    );
    assert_eq!(
        matching_hooks(&hooks, HookEvent::SessionStart, Some("resume")).len(),
        1
    );
    assert_eq!(
        matching_hooks(&hooks, HookEvent::SessionStart, Some("clear")).len(),
        0
    );
    assert_eq!(
        matching_hooks(&hooks, HookEvent::PreCompact, Some("manual")).len(),
        0
    );
    assert_eq!(
        matching_hooks(&hooks, HookEvent::Notification, Some("idle_prompt")).len(),
        1
    );
    assert_eq!(
        matching_hooks(&hooks, HookEvent::Notification, Some("permission_prompt")).len(),
        2
    );
    assert_eq!(
        matching_hooks(&hooks, HookEvent::UserPromptSubmit, None).len(),
        1
    );
    let end = matching_hooks(&hooks, HookEvent::SessionEnd, Some("other"));
    assert_eq!(end[0].timeout, Duration::from_millis(1500));
}

#[test]
fn memory_loads_in_documented_order() {
    let fixture = common::fixture("realistic");
    let memory = load_memory(&fixture.paths, SourceSet::ALL);
    let files: Vec<(PathBuf, MemoryLevel)> = memory
        .files
        .iter()
        .map(|file| {
            (
                file.path.strip_prefix(fixture.root()).unwrap().to_owned(),
                file.level,
            )
        })
        .collect();
    let expected: Vec<(PathBuf, MemoryLevel)> = [
        ("managed/claude-code/CLAUDE.md", MemoryLevel::Managed),
        ("home/.claude/CLAUDE.md", MemoryLevel::User),
        ("project/CLAUDE.md", MemoryLevel::Project),
        ("project/docs/style.md", MemoryLevel::Project),
        ("project/docs/conventions.md", MemoryLevel::Project),
        ("project/AGENTS.md", MemoryLevel::Project),
        ("project/CLAUDE.local.md", MemoryLevel::Local),
    ]
    .into_iter()
    .map(|(path, level)| (PathBuf::from(path), level))
    .collect();
    assert_eq!(files, expected);
    let project = &memory.files[2];
    assert!(
        !project.content.contains("Maintainers"),
        "block comment stripped"
    );
    assert_eq!(project.sha256.len(), 64);
    assert_eq!(
        memory.files[3].imported_from.as_deref(),
        Some(project.path.as_path())
    );
    let rendered = render_memory(&memory.files);
    assert!(rendered.contains(&format!(
        "## {} (project, local)",
        fixture.path("project/CLAUDE.local.md").display()
    )));
    assert_eq!(
        render_memory(&load_memory(&fixture.paths, SourceSet::ALL).files),
        rendered,
        "byte-stable"
    );
    let hashes: HashSet<&str> = memory
        .files
        .iter()
        .map(|file| file.sha256.as_str())
        .collect();
    assert_eq!(hashes.len(), memory.files.len());
}

#[test]
fn commands_agents_skills_and_styles_read_as_documented() {
    let fixture = common::fixture("realistic");
    let paths = &fixture.paths;
    let commands = discover_commands(paths, SourceSet::ALL, true);
    let names: Vec<(&str, String)> = commands
        .commands
        .iter()
        .map(|c| (c.name.as_str(), c.label()))
        .collect();
    assert_eq!(
        names,
        [
            ("changes", "(project)".to_owned()),
            ("commit", "(project:git)".to_owned()),
            ("component", "(project:frontend)".to_owned()),
            ("deploy", "(project)".to_owned()),
            ("review", "(project)".to_owned()),
            ("standup", "(user)".to_owned()),
            ("validate", "(project:frontend:forms)".to_owned()),
        ]
    );
    let review = commands.get("review").unwrap();
    assert_eq!(review.description, "Review a pull request");
    assert_eq!(
        review.allowed_tools,
        ["Bash(git diff:*)", "Bash(gh pr view:*)"]
    );
    assert_eq!(
        review.argument_hint.as_deref(),
        Some("[pr-number] [priority]")
    );
    assert_eq!(review.model.as_deref(), Some("claude-sonnet-4-5"));
    let component = commands.get("component").unwrap();
    assert_eq!(
        component.description,
        "Create a new React component named $ARGUMENTS."
    );
    assert!(commands.get("validate").unwrap().disable_model_invocation);
    assert_eq!(commands.get("commit").unwrap().allowed_tools.len(), 3);
    assert_eq!(
        commands.get("deploy").unwrap().argument_hint.as_deref(),
        Some("<environment>")
    );

    let agents = discover_agents(paths, SourceSet::ALL, None, true);
    let names: Vec<&str> = agents.agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Explore",
            "Plan",
            "code-reviewer",
            "general-purpose",
            "researcher",
            "test-runner"
        ]
    );
    let reviewer = agents.get("code-reviewer").unwrap();
    assert_eq!(reviewer.scope, DefinitionScope::Project);
    assert!(
        reviewer
            .description
            .starts_with("Expert code reviewer. Use PROACTIVELY")
    );
    assert_eq!(
        reviewer.tools.as_deref().unwrap(),
        ["Read", "Grep", "Glob", "Bash"]
    );
    assert_eq!(reviewer.model, Some(AgentModel::Sonnet));
    let runner = agents.get("test-runner").unwrap();
    assert_eq!(
        runner.tools.as_deref().unwrap(),
        ["Read", "Edit", "Bash(npm run test:*)"]
    );
    assert_eq!(runner.disallowed_tools, ["Write"]);
    assert_eq!(runner.model, Some(AgentModel::Inherit));
    assert_eq!(runner.permission_mode, Some(PermissionMode::AcceptEdits));
    assert_eq!(runner.max_turns, Some(20));
    assert_eq!(
        agents.get("researcher").unwrap().tools,
        None,
        "omitted tools inherit"
    );

    let skills = discover_skills(paths, SourceSet::ALL, true);
    let names: Vec<&str> = skills.skills.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["internal-only", "pdf-tools", "release-notes"]);
    assert_eq!(
        skill_listing(&skills),
        "- pdf-tools: Extract text and tables from PDF files, fill forms. Use when working with PDF documents.\n\
         - release-notes: Drafts release notes from merged pull requests since a tag. Use when the user prepares a release.\n"
    );

    let styles = discover_output_styles(paths, SourceSet::ALL);
    let names: Vec<&str> = styles.styles.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["Teaching", "Terse", "default", "Explanatory", "Learning"]
    );
    assert!(styles.get("teaching").unwrap().keep_coding_instructions);
    assert!(!styles.get("Terse").unwrap().keep_coding_instructions);
}
