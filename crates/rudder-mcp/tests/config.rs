//! Configuration through the public API: every scope, precedence
//! (dynamic > local > project > user, whole entries), `${VAR}` expansion with
//! per-server errors, project approval and trust, `--strict-mcp-config`, and
//! `mcp add|remove` edits that keep the rest of the file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use rudder_mcp::ConfigError;
use rudder_mcp::config::edit::{
    AddArgs, AddTransport, EditTarget, edit_file, entry_from_add_args, insert_server, remove_server,
};
use rudder_mcp::config::load::{ConfigSources, ProjectApproval, load_servers};
use rudder_mcp::config::{Approval, Scope, ServerSpec};
use serde_json::{Value, json};

fn env(name: &str) -> Option<String> {
    match name {
        "TOKEN" => Some("secret".to_owned()),
        "HOME_BIN" => Some("/opt/bin".to_owned()),
        _ => None,
    }
}

fn write(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

struct Layout {
    _dir: tempfile::TempDir,
    project: PathBuf,
    claude_json: PathBuf,
    rudder_json: PathBuf,
}

fn layout() -> Layout {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("proj");
    std::fs::create_dir(&project).unwrap();
    let claude_json = dir.path().join(".claude.json");
    let rudder_json = dir.path().join("rudder-mcp.json");
    let key = project.to_string_lossy().into_owned();
    write(
        &claude_json,
        &json!({
            "numStartups": 7,
            "mcpServers": {
                "shared": {"command": "user-cmd"},
                "user-only": {"type": "http", "url": "https://u/${TOKEN}"},
                "both-user-and-rudder": {"command": "from-claude"}
            },
            "projects": {
                key: {"hasTrustDialogAccepted": true,
                      "mcpServers": {"shared": {"command": "local-cmd", "args": ["${HOME_BIN}/x"]}}}
            }
        }),
    );
    write(
        &rudder_json,
        &json!({"mcpServers": {"both-user-and-rudder": {"command": "from-rudder"}}}),
    );
    write(
        &project.join(".mcp.json"),
        &json!({"mcpServers": {
            "shared": {"command": "project-cmd"},
            "proj-ok": {"command": "p", "env": {"K": "${TOKEN}"}},
            "proj-no": {"command": "p2"},
            "proj-unset": {"command": "p3", "args": ["${NOT_SET}"]},
            "proj-default": {"command": "p4", "args": ["${NOT_SET:-fallback}"]}
        }}),
    );
    Layout {
        _dir: dir,
        project,
        claude_json,
        rudder_json,
    }
}

fn sources(layout: &Layout) -> ConfigSources {
    ConfigSources {
        project_dir: layout.project.clone(),
        project_file: Some(layout.project.join(".mcp.json")),
        user_files: vec![layout.rudder_json.clone(), layout.claude_json.clone()],
        mcp_config: Vec::new(),
        strict: false,
    }
}

fn approval() -> ProjectApproval {
    ProjectApproval {
        enable_all: false,
        enabled: vec![
            "proj-ok".into(),
            "shared".into(),
            "proj-unset".into(),
            "proj-default".into(),
        ],
        disabled: vec!["proj-no".into()],
        folder_trusted: true,
    }
}

fn command_of(server: &rudder_mcp::config::ConfiguredServer) -> String {
    match &server.entry.as_ref().unwrap().spec {
        ServerSpec::Stdio(spec) => spec.command.clone(),
        other => panic!("not stdio: {other:?}"),
    }
}

#[test]
fn scopes_resolve_local_over_project_over_user() {
    let layout = layout();
    let loaded = load_servers(&sources(&layout), &approval(), &env).unwrap();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let by_name = |name: &str| loaded.servers.iter().find(|s| s.name == name).unwrap();
    let names: Vec<_> = loaded.servers.iter().map(|s| s.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    let shared = by_name("shared");
    assert_eq!(shared.scope, Scope::Local);
    assert_eq!(command_of(shared), "local-cmd");
    let ServerSpec::Stdio(spec) = &shared.entry.as_ref().unwrap().spec else {
        panic!()
    };
    assert_eq!(spec.args, ["/opt/bin/x"]);
    let hidden: Vec<_> = loaded
        .shadowed
        .iter()
        .filter(|s| s.name == "shared")
        .map(|s| s.scope)
        .collect();
    assert_eq!(hidden, [Scope::Project, Scope::User]);

    assert_eq!(command_of(by_name("both-user-and-rudder")), "from-rudder");
    let ServerSpec::Http(remote) = &by_name("user-only").entry.as_ref().unwrap().spec else {
        panic!()
    };
    assert_eq!(remote.url, "https://u/secret");
    assert_eq!(by_name("user-only").raw["url"], "https://u/${TOKEN}");
}

#[test]
fn env_expansion_errors_stay_with_their_server() {
    let layout = layout();
    let loaded = load_servers(&sources(&layout), &approval(), &env).unwrap();
    let by_name = |name: &str| loaded.servers.iter().find(|s| s.name == name).unwrap();
    let error = by_name("proj-unset").entry.as_ref().unwrap_err();
    assert!(
        error.contains("args[0]") && error.contains("NOT_SET"),
        "{error}"
    );
    let ServerSpec::Stdio(spec) = &by_name("proj-default").entry.as_ref().unwrap().spec else {
        panic!()
    };
    assert_eq!(spec.args, ["fallback"]);
    let ServerSpec::Stdio(spec) = &by_name("proj-ok").entry.as_ref().unwrap().spec else {
        panic!()
    };
    assert_eq!(spec.env["K"], "secret");
}

#[test]
fn project_servers_need_approval_and_trust() {
    let layout = layout();
    let loaded = load_servers(&sources(&layout), &approval(), &env).unwrap();
    let by_name = |name: &str| loaded.servers.iter().find(|s| s.name == name).unwrap();
    assert_eq!(by_name("proj-ok").approval, Approval::Approved);
    assert_eq!(by_name("proj-no").approval, Approval::Rejected);
    assert_eq!(by_name("user-only").approval, Approval::Approved);

    let mut untrusted = approval();
    untrusted.folder_trusted = false;
    let loaded = load_servers(&sources(&layout), &untrusted, &env).unwrap();
    for server in loaded.servers.iter().filter(|s| s.scope == Scope::Project) {
        assert!(
            matches!(server.approval, Approval::Pending(_)),
            "{}",
            server.name
        );
    }

    let unasked = ProjectApproval {
        folder_trusted: true,
        ..Default::default()
    };
    let loaded = load_servers(&sources(&layout), &unasked, &env).unwrap();
    let server = loaded.servers.iter().find(|s| s.name == "proj-ok").unwrap();
    assert!(matches!(&server.approval, Approval::Pending(reason) if reason.contains("approval")));
}

#[test]
fn mcp_config_values_win_and_strict_keeps_only_them() {
    let layout = layout();
    let file = layout.project.join("extra.json");
    write(
        &file,
        &json!({"mcpServers": {"shared": {"command": "from-file"}}}),
    );
    let mut sources = sources(&layout);
    sources.mcp_config = vec![
        "extra.json".into(),
        r#"{"mcpServers":{"inline":{"type":"http","url":"http://x"},"shared":{"command":"from-inline"}}}"#.into(),
    ];
    let loaded = load_servers(&sources, &approval(), &env).unwrap();
    let shared = loaded.servers.iter().find(|s| s.name == "shared").unwrap();
    assert_eq!(shared.scope, Scope::Dynamic);
    assert_eq!(
        command_of(shared),
        "from-inline",
        "a later --mcp-config wins"
    );
    assert!(loaded.servers.iter().any(|s| s.name == "proj-ok"));

    sources.strict = true;
    let loaded = load_servers(&sources, &approval(), &env).unwrap();
    let names: Vec<_> = loaded.servers.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["inline", "shared"]);
    assert!(loaded.servers.iter().all(|s| s.scope == Scope::Dynamic));

    sources.mcp_config = vec!["missing.json".into()];
    assert!(matches!(
        load_servers(&sources, &approval(), &env),
        Err(ConfigError::Io { .. })
    ));
}

#[test]
fn add_and_remove_keep_other_keys_and_their_order() {
    let layout = layout();
    let before: Value =
        serde_json::from_str(&std::fs::read_to_string(&layout.claude_json).unwrap()).unwrap();
    let entry = entry_from_add_args(&AddArgs {
        transport: AddTransport::Stdio,
        env: vec!["API_KEY=${TOKEN}".into()],
        headers: vec![],
        command_or_url: "npx".into(),
        args: vec!["-y".into(), "some-server".into()],
    })
    .unwrap();
    let target = EditTarget::for_scope(Scope::Local, &layout.project);
    let path = layout.claude_json.clone();
    edit_file(&path, |doc| {
        insert_server(doc, &target, "added", entry.clone(), Scope::Local, &path)
    })
    .unwrap();
    let again = edit_file(&path, |doc| {
        insert_server(doc, &target, "added", entry.clone(), Scope::Local, &path)
    });
    assert!(
        matches!(again, Err(ConfigError::Exists { .. })),
        "{again:?}"
    );

    let after: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(after["numStartups"], 7);
    let keys: Vec<_> = after.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["numStartups", "mcpServers", "projects"]);
    let key = layout.project.to_string_lossy().into_owned();
    assert_eq!(after["projects"][&key]["hasTrustDialogAccepted"], true);
    assert_eq!(after["projects"][&key]["mcpServers"]["added"], entry);

    let loaded = load_servers(&sources(&layout), &approval(), &env).unwrap();
    let added = loaded.servers.iter().find(|s| s.name == "added").unwrap();
    assert_eq!(added.scope, Scope::Local);

    let removed = edit_file(&path, |doc| {
        remove_server(doc, &target, "added", Scope::Local, &path)
    })
    .unwrap();
    assert_eq!(removed, entry);
    let restored: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(restored, before);
    let missing = edit_file(&path, |doc| {
        remove_server(doc, &target, "added", Scope::Local, &path)
    });
    assert!(matches!(missing, Err(ConfigError::NotFound { .. })));
}

#[test]
fn project_scope_edits_create_mcp_json_and_keep_permissions() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".mcp.json");
    let entry = entry_from_add_args(&AddArgs {
        transport: AddTransport::Http,
        headers: vec!["Authorization: Bearer ${TOKEN}".into()],
        command_or_url: "https://example/mcp".into(),
        ..Default::default()
    })
    .unwrap();
    edit_file(&path, |doc| {
        insert_server(
            doc,
            &EditTarget::TopLevel,
            "web",
            entry,
            Scope::Project,
            &path,
        )
    })
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with("}\n"));
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"mcpServers": {"web": {"type": "http", "url": "https://example/mcp",
              "headers": {"Authorization": "Bearer ${TOKEN}"}}}})
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    edit_file(&path, |doc| {
        remove_server(doc, &EditTarget::TopLevel, "web", Scope::Project, &path)
    })
    .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temp or lock files are left");

    std::fs::write(&path, "{ broken").unwrap();
    let error = edit_file(&path, |_| Ok(())).unwrap_err();
    assert!(error.to_string().contains("fix the file"), "{error}");
}
