//! Trust store tests on real temporary directories.

use std::os::unix::fs::symlink;
use std::sync::Arc;

use super::*;

fn dirs() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(tmp.path()).unwrap();
    let base = root.join("rudder-home");
    let work = root.join("work");
    fs::create_dir_all(&work).unwrap();
    (tmp, base, work)
}

fn git_repo(dir: &Path) {
    fs::create_dir_all(dir.join(".git")).unwrap();
    fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
}

#[test]
fn trust_then_trusted_with_mode_0600() {
    let (_tmp, base, work) = dirs();
    let store = TrustStore::new(&base);
    let project = work.join("p");
    fs::create_dir_all(project.join("sub")).unwrap();
    assert!(!store.is_trusted(&project).unwrap());
    assert_eq!(store.trust(&project).unwrap(), project);
    assert!(store.is_trusted(&project).unwrap());
    assert!(store.is_trusted(&project.join("sub")).unwrap());
    assert!(!store.is_trusted(&work).unwrap());
    let mode = fs::metadata(store.file()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let base_mode = fs::metadata(&base).unwrap().permissions().mode() & 0o777;
    assert_eq!(base_mode, 0o700);
}

#[test]
fn key_is_the_repository_root() {
    let (_tmp, base, work) = dirs();
    let repo = work.join("repo");
    git_repo(&repo);
    fs::create_dir_all(repo.join("a/b")).unwrap();
    assert_eq!(trust_key(&repo.join("a/b")).unwrap(), repo);
    let store = TrustStore::new(&base);
    store.trust(&repo.join("a")).unwrap();
    assert!(store.is_trusted(&repo).unwrap());
}

#[test]
fn commondir_is_never_followed() {
    // CVE-2026-40068: a new checkout whose .git points at a trusted repo's
    // git directory must not inherit its trust.
    let (_tmp, base, work) = dirs();
    let trusted = work.join("trusted");
    git_repo(&trusted);
    let store = TrustStore::new(&base);
    store.trust(&trusted).unwrap();
    let evil = work.join("evil");
    fs::create_dir_all(&evil).unwrap();
    fs::write(
        evil.join(".git"),
        format!("gitdir: {}/.git\n", trusted.display()),
    )
    .unwrap();
    fs::write(trusted.join(".git/commondir"), "..\n").unwrap();
    assert_eq!(trust_key(&evil).unwrap(), evil);
    assert!(!store.is_trusted(&evil).unwrap());
    // A symlinked .git is not a verified root either.
    let linked = work.join("linked");
    fs::create_dir_all(&linked).unwrap();
    symlink(trusted.join(".git"), linked.join(".git")).unwrap();
    assert_eq!(trust_key(&linked).unwrap(), linked);
    assert!(!store.is_trusted(&linked).unwrap());
}

#[test]
fn symlinked_folder_is_keyed_by_its_real_path() {
    let (_tmp, base, work) = dirs();
    let real = work.join("real");
    fs::create_dir_all(&real).unwrap();
    symlink(&real, work.join("alias")).unwrap();
    let store = TrustStore::new(&base);
    assert_eq!(store.trust(&work.join("alias")).unwrap(), real);
    assert!(store.is_trusted(&real).unwrap());
}

#[test]
fn similar_prefix_is_not_trusted() {
    let (_tmp, base, work) = dirs();
    fs::create_dir_all(work.join("proj")).unwrap();
    fs::create_dir_all(work.join("proj_evil")).unwrap();
    let store = TrustStore::new(&base);
    store.trust(&work.join("proj")).unwrap();
    assert!(!store.is_trusted(&work.join("proj_evil")).unwrap());
}

#[test]
fn concurrent_writers_merge() {
    let (_tmp, base, work) = dirs();
    let store = Arc::new(TrustStore::new(&base));
    let folders: Vec<PathBuf> = (0..8).map(|i| work.join(format!("f{i}"))).collect();
    for f in &folders {
        fs::create_dir_all(f).unwrap();
    }
    let handles: Vec<_> = folders
        .iter()
        .cloned()
        .map(|f| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || store.trust(&f).unwrap())
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    for f in &folders {
        assert!(store.is_trusted(f).unwrap(), "{}", f.display());
    }
}

#[test]
fn corrupt_store_is_reported_not_overwritten() {
    let (_tmp, base, work) = dirs();
    fs::create_dir_all(&base).unwrap();
    let store = TrustStore::new(&base);
    fs::write(store.file(), "{not json").unwrap();
    assert!(matches!(
        store.trust(&work),
        Err(TrustError::Corrupt { .. })
    ));
    assert_eq!(fs::read_to_string(store.file()).unwrap(), "{not json");
}

#[test]
fn unknown_fields_survive() {
    let (_tmp, base, work) = dirs();
    fs::create_dir_all(&base).unwrap();
    let store = TrustStore::new(&base);
    fs::write(
        store.file(),
        r#"{"version":1,"note":"keep me","trusted":{}}"#,
    )
    .unwrap();
    store.trust(&work).unwrap();
    let text = fs::read_to_string(store.file()).unwrap();
    assert!(text.contains("keep me"));
}
