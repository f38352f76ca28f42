//! Path resolution against real temporary directories and symlinks.

use std::os::unix::fs::symlink;

use super::*;

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(dir.path()).unwrap();
    fs::create_dir_all(root.join("proj/src")).unwrap();
    fs::create_dir_all(root.join("outside")).unwrap();
    fs::write(root.join("outside/secret.txt"), "s").unwrap();
    fs::write(root.join("proj/src/a.rs"), "a").unwrap();
    Fixture { _dir: dir, root }
}

#[test]
fn relative_dotdot_and_tilde() {
    let f = fixture();
    let cwd = f.root.join("proj");
    let home = f.root.join("outside");
    let p = resolve("src/../src/a.rs", false, &cwd, &home);
    assert_eq!(p.requested, cwd.join("src/a.rs"));
    assert_eq!(p.canonical, cwd.join("src/a.rs"));
    assert!(p.exists && p.complete);
    let p = resolve("~/secret.txt", true, &cwd, &home);
    assert_eq!(p.canonical, home.join("secret.txt"));
    let p = resolve("~/secret.txt", false, &cwd, &home);
    assert_eq!(p.canonical, cwd.join("~/secret.txt"));
}

#[test]
fn link_inside_points_outside() {
    let f = fixture();
    let cwd = f.root.join("proj");
    symlink(f.root.join("outside"), cwd.join("escape")).unwrap();
    let p = resolve("escape/secret.txt", false, &cwd, &f.root);
    assert_eq!(p.requested, cwd.join("escape/secret.txt"));
    assert_eq!(p.canonical, f.root.join("outside/secret.txt"));
    assert!(p.exists);
    // A file that does not exist yet below the link lands outside too.
    let p = resolve("escape/new/file", false, &cwd, &f.root);
    assert_eq!(p.canonical, f.root.join("outside/new/file"));
    assert!(!p.exists);
}

#[test]
fn dangling_link_is_followed() {
    let f = fixture();
    let cwd = f.root.join("proj");
    symlink(f.root.join("outside/not-yet"), cwd.join("dangling")).unwrap();
    let p = resolve("dangling", false, &cwd, &f.root);
    assert_eq!(p.canonical, f.root.join("outside/not-yet"));
    assert!(!p.exists);
}

#[test]
fn relative_link_and_dotdot_after_link() {
    let f = fixture();
    let cwd = f.root.join("proj");
    symlink("../outside", cwd.join("rel")).unwrap();
    let p = resolve("rel/secret.txt", false, &cwd, &f.root);
    assert_eq!(p.canonical, f.root.join("outside/secret.txt"));
    // `link/..` is the parent of the target, not of the link.
    fs::create_dir_all(f.root.join("outside/deep/er")).unwrap();
    symlink(f.root.join("outside/deep/er"), cwd.join("deep")).unwrap();
    let p = resolve("deep/../x", false, &cwd, &f.root);
    assert_eq!(p.canonical, f.root.join("outside/deep/x"));
    assert_eq!(p.requested, cwd.join("x"));
}

#[test]
fn symlink_loop_is_incomplete() {
    let f = fixture();
    let cwd = f.root.join("proj");
    symlink(cwd.join("b"), cwd.join("a")).unwrap();
    symlink(cwd.join("a"), cwd.join("b")).unwrap();
    let p = resolve("a/x", false, &cwd, &f.root);
    assert!(!p.complete);
    assert!(!p.exists);
}

#[test]
fn similar_prefix_is_not_inside() {
    let f = fixture();
    fs::create_dir_all(f.root.join("proj_evil")).unwrap();
    let cwd = f.root.join("proj");
    let p = resolve("../proj_evil/x", false, &cwd, &f.root);
    assert!(!protect::is_inside(
        &p.canonical,
        std::slice::from_ref(&cwd)
    ));
    let p = resolve("src/a.rs", false, &cwd, &f.root);
    assert!(protect::is_inside(&p.canonical, &[cwd]));
}

#[test]
fn glob_expansion() {
    let f = fixture();
    let cwd = f.root.join("proj");
    fs::write(cwd.join("src/b.rs"), "b").unwrap();
    fs::write(cwd.join("src/.hidden.rs"), "h").unwrap();
    let found = expand_glob("src/*.rs", false, &cwd, &f.root, 100).unwrap();
    assert_eq!(found, vec![cwd.join("src/a.rs"), cwd.join("src/b.rs")]);
    let found = expand_glob("src/.*.rs", false, &cwd, &f.root, 100).unwrap();
    assert_eq!(found, vec![cwd.join("src/.hidden.rs")]);
    let found = expand_glob("*/a.rs", false, &cwd, &f.root, 100).unwrap();
    assert_eq!(found, vec![cwd.join("src/a.rs")]);
    assert!(expand_glob("src/*", false, &cwd, &f.root, 1).is_none());
    assert!(
        expand_glob("nope/*", false, &cwd, &f.root, 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn normalize_is_lexical() {
    assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    assert_eq!(normalize(Path::new("/../..")), PathBuf::from("/"));
}
