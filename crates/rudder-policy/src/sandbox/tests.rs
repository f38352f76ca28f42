//! Sandbox tests. The ones that run bwrap skip, printing why, where it is
//! not available.

use super::*;

fn available() -> Option<PathBuf> {
    match detect() {
        SandboxStatus::Available { bwrap } => Some(bwrap),
        SandboxStatus::Unavailable { reason } => {
            eprintln!("skipping sandbox test: {reason}");
            None
        }
    }
}

fn run(plan: &SandboxPlan, cwd: &Path, script: &str) -> (bool, String) {
    let argv = plan.prefix(cwd, None);
    let output = Command::new(&argv[0])
        .args(&argv[1..])
        .args(["bash", "-c", script])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn prefix_shape() {
    let plan = SandboxPlan::new(
        PathBuf::from("/usr/bin/bwrap"),
        &[PathBuf::from("/nonexistent/proj")],
        Path::new("/nonexistent/home"),
        SandboxConfig::default(),
    );
    let argv = plan.prefix(Path::new("/nonexistent/proj"), None);
    let text = argv.join(" ");
    assert!(text.starts_with("/usr/bin/bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp"));
    assert!(text.contains("--bind /nonexistent/proj /nonexistent/proj"));
    assert!(
        text.contains("--tmpfs /nonexistent/proj/.claude --remount-ro /nonexistent/proj/.claude")
    );
    assert!(text.contains("--unshare-all"));
    assert!(!text.contains("--share-net"));
    assert!(!text.contains("PROXY"));
    assert!(text.ends_with("--die-with-parent --new-session --chdir /nonexistent/proj --"));
    let shared_tmp = SandboxPlan::new(
        PathBuf::from("bwrap"),
        &[],
        Path::new("/nonexistent/home"),
        SandboxConfig { private_tmp: false },
    );
    let text = shared_tmp.prefix(Path::new("/"), None).join(" ");
    assert!(text.contains("--bind /tmp /tmp"));
}

#[test]
fn a_proxy_route_keeps_the_network_private_and_runs_the_bridge_first() {
    let plan = SandboxPlan::new(
        PathBuf::from("/usr/bin/bwrap"),
        &[PathBuf::from("/nonexistent/proj")],
        Path::new("/nonexistent/home"),
        SandboxConfig::default(),
    );
    let route = ProxyRoute {
        socket: PathBuf::from("/tmp/rudder-net-x/proxy.sock"),
        bridge: PathBuf::from("/opt/rudder/bin/rudder"),
        port: 3128,
    };
    let text = plan
        .prefix(Path::new("/nonexistent/proj"), Some(&route))
        .join(" ");
    assert!(text.contains("--unshare-all"));
    assert!(!text.contains("--share-net"), "{text}");
    assert!(text.contains("--bind /tmp/rudder-net-x/proxy.sock /tmp/rudder-net-x/proxy.sock"));
    assert!(text.contains("--ro-bind /opt/rudder/bin/rudder /opt/rudder/bin/rudder"));
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
        assert!(
            text.contains(&format!("--setenv {name} http://127.0.0.1:3128 ")),
            "{name}: {text}"
        );
    }
    assert!(text.contains("--setenv NO_PROXY localhost,127.0.0.1,::1"));
    assert!(text.contains("--unsetenv ALL_PROXY"));
    assert!(text.ends_with(
        "--chdir /nonexistent/proj -- /opt/rudder/bin/rudder __sandbox-net-bridge \
         /tmp/rudder-net-x/proxy.sock 3128"
    ));
}

#[test]
fn find_on_path_needs_an_executable() {
    let dir = tempfile::tempdir().unwrap();
    let tool = dir.path().join("tool");
    fs::write(&tool, "#!/bin/sh\n").unwrap();
    let path = std::env::join_paths([dir.path()]).unwrap();
    assert_eq!(find_on_path("tool", Some(&path)), None);
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&tool, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(find_on_path("tool", Some(&path)), Some(tool));
    assert_eq!(find_on_path("tool", None), None);
}

#[test]
fn writes_only_inside_working_dirs_and_config_stays_read_only() {
    let Some(bwrap) = available() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(tmp.path()).unwrap();
    let proj = root.join("proj");
    let home = root.join("home");
    fs::create_dir_all(proj.join(".git/hooks")).unwrap();
    fs::create_dir_all(home.join(".ssh")).unwrap();
    fs::write(home.join(".ssh/id_rsa"), "KEY").unwrap();
    let outside = root.join("outside");
    fs::create_dir_all(&outside).unwrap();
    let plan = SandboxPlan::new(
        bwrap,
        std::slice::from_ref(&proj),
        &home,
        SandboxConfig::default(),
    );
    let script = format!(
        "touch ok && echo wrote-inside; \
         touch {outside}/x 2>/dev/null || echo outside-refused; \
         touch .claude/settings.json 2>/dev/null || echo claude-refused; \
         mkdir -p .rudder/x 2>/dev/null || echo rudder-refused; \
         touch .git/hooks/pre-commit 2>/dev/null || echo hooks-refused; \
         cat {home}/.ssh/id_rsa 2>/dev/null || echo ssh-hidden; \
         (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null || echo no-network",
        outside = outside.display(),
        home = home.display()
    );
    let (_, out) = run(&plan, &proj, &script);
    for expected in [
        "wrote-inside",
        "outside-refused",
        "claude-refused",
        "rudder-refused",
        "hooks-refused",
        "ssh-hidden",
        "no-network",
    ] {
        assert!(out.contains(expected), "{expected} missing from {out:?}");
    }
    assert!(proj.join("ok").exists());
    assert!(!proj.join(".claude/settings.json").exists());
    assert!(!outside.join("x").exists());
    // A protected file that did not exist and was created is reported.
    let (_, _) = run(&plan, &proj, "touch .mcp.json");
    assert_eq!(plan.created_protected_paths(), vec![proj.join(".mcp.json")]);
}
