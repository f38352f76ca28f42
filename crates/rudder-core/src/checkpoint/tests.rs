//! Behaviour of the checkpoint store: what a person gets back after a
//! rewind, byte for byte.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::*;

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    store_dir: PathBuf,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        fs::create_dir_all(&root).unwrap();
        let root = root.canonicalize().unwrap();
        let store_dir = dir.path().join("home/file-history/s1");
        Self {
            _dir: dir,
            root,
            store_dir,
        }
    }

    fn store(&self, limits: CheckpointLimits) -> CheckpointStore {
        CheckpointStore::new(
            self.store_dir.clone(),
            self.root.clone(),
            Vec::new(),
            limits,
        )
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        let path = self.path(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn read(&self, name: &str) -> Option<Vec<u8>> {
        fs::read(self.path(name)).ok()
    }
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn file_tool_writes_rewind_byte_identically_and_new_files_disappear() {
    let fx = Fixture::new();
    let store = fx.store(CheckpointLimits::default());
    let original = b"line one\r\nline two without newline \xff\xfe".to_vec();
    fx.write("a.txt", &original);
    fs::set_permissions(fx.path("a.txt"), fs::Permissions::from_mode(0o751)).unwrap();

    store.begin_turn("turn-1").unwrap();
    store.save_before_write(&fx.path("a.txt")).unwrap();
    fx.write("a.txt", b"first edit");
    store.save_before_write(&fx.path("a.txt")).unwrap();
    fx.write("a.txt", b"second edit in the same turn");
    fs::set_permissions(fx.path("a.txt"), fs::Permissions::from_mode(0o644)).unwrap();
    store.save_before_write(&fx.path("new/b.txt")).unwrap();
    fx.write("new/b.txt", b"created");

    let report = store.rewind("turn-1", false).unwrap();
    assert_eq!(fx.read("a.txt").unwrap(), original);
    assert_eq!(mode(&fx.path("a.txt")), 0o751);
    assert_eq!(fx.read("new/b.txt"), None);
    assert_eq!(report.restored, vec![fx.path("a.txt")]);
    assert_eq!(report.removed, vec![fx.path("new/b.txt")]);
    assert!(report.failed.is_empty(), "{report:?}");
}

#[test]
fn rewinding_to_a_later_turn_keeps_the_earlier_turns_changes() {
    let fx = Fixture::new();
    let store = fx.store(CheckpointLimits::default());
    fx.write("a.txt", b"v0");
    store.begin_turn("t1").unwrap();
    store.save_before_write(&fx.path("a.txt")).unwrap();
    fx.write("a.txt", b"v1");
    store.begin_turn("t2").unwrap();
    store.save_before_write(&fx.path("a.txt")).unwrap();
    fx.write("a.txt", b"v2");

    store.rewind("t2", false).unwrap();
    assert_eq!(fx.read("a.txt").unwrap(), b"v1");
    store.rewind("t1", false).unwrap();
    assert_eq!(fx.read("a.txt").unwrap(), b"v0");
    assert!(matches!(
        store.rewind("t9", false),
        Err(CheckpointError::UnknownTurn(_))
    ));
}

#[test]
fn bash_creations_changes_and_deletions_are_rewound() {
    let fx = Fixture::new();
    fx.write("keep.txt", b"untouched");
    fx.write("src/lib.rs", b"pub fn a() {}\n");
    fx.write("gone.bin", &[0, 1, 2, 255]);
    let store = fx.store(CheckpointLimits::default());
    store.begin_turn("t1").unwrap();
    store.before_bash().unwrap();
    // What `sed -i …; rm gone.bin; echo x > made.txt` would do.
    fx.write("src/lib.rs", b"pub fn b() {}\n");
    fs::remove_file(fx.path("gone.bin")).unwrap();
    fx.write("made/deep/made.txt", b"x\n");
    store.after_bash().unwrap();

    let changed = store.changed_since("t1").unwrap();
    assert_eq!(changed.len(), 3, "{changed:?}");
    assert!(!changed.contains(&fx.path("keep.txt")));

    let preview = store.rewind("t1", true).unwrap();
    assert_eq!(preview.changed().len(), 3);
    assert_eq!(fx.read("src/lib.rs").unwrap(), b"pub fn b() {}\n");

    store.rewind("t1", false).unwrap();
    assert_eq!(fx.read("src/lib.rs").unwrap(), b"pub fn a() {}\n");
    assert_eq!(fx.read("gone.bin").unwrap(), [0, 1, 2, 255]);
    assert_eq!(fx.read("made/deep/made.txt"), None);
    assert_eq!(fx.read("keep.txt").unwrap(), b"untouched");
}

#[test]
fn a_second_bash_call_in_the_next_turn_saves_the_state_between_them() {
    let fx = Fixture::new();
    fx.write("a.txt", b"v0");
    let store = fx.store(CheckpointLimits::default());
    store.begin_turn("t1").unwrap();
    store.before_bash().unwrap();
    fx.write("a.txt", b"v1-longer");
    store.after_bash().unwrap();
    store.begin_turn("t2").unwrap();
    store.before_bash().unwrap();
    fx.write("a.txt", b"v2");
    store.after_bash().unwrap();

    store.rewind("t2", false).unwrap();
    assert_eq!(fx.read("a.txt").unwrap(), b"v1-longer");
    store.rewind("t1", false).unwrap();
    assert_eq!(fx.read("a.txt").unwrap(), b"v0");
}

#[test]
fn a_file_over_the_cap_is_reported_and_not_guessed() {
    let fx = Fixture::new();
    fx.write("big.dat", &vec![7u8; 2048]);
    fx.write("small.txt", b"s0");
    let store = fx.store(CheckpointLimits {
        max_file_bytes: 1024,
        ..CheckpointLimits::default()
    });
    store.begin_turn("t1").unwrap();
    store.before_bash().unwrap();
    fx.write("big.dat", &vec![8u8; 2048]);
    fx.write("small.txt", b"s1");
    let messages = store.after_bash().unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("big.dat"), "{messages:?}");
    assert!(messages[0].contains("checkpoint cap"), "{messages:?}");

    let report = store.rewind("t1", false).unwrap();
    assert_eq!(fx.read("small.txt").unwrap(), b"s0");
    assert_eq!(fx.read("big.dat").unwrap(), vec![8u8; 2048]);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, fx.path("big.dat"));
}

#[test]
fn a_capped_walk_never_mistakes_an_old_file_for_a_new_one() {
    let fx = Fixture::new();
    for name in ["a.txt", "b.txt", "c.txt"] {
        fx.write(name, name.as_bytes());
    }
    let store = fx.store(CheckpointLimits {
        max_tree_files: 2,
        ..CheckpointLimits::default()
    });
    store.begin_turn("t1").unwrap();
    let messages = store.before_bash().unwrap();
    assert!(messages[0].contains("more than 2 files"), "{messages:?}");
    // Deleting a.txt lets c.txt (old) into the walk's window.
    fs::remove_file(fx.path("a.txt")).unwrap();
    store.after_bash().unwrap();
    store.rewind("t1", false).unwrap();
    assert_eq!(fx.read("a.txt").unwrap(), b"a.txt");
    assert_eq!(
        fx.read("c.txt").unwrap(),
        b"c.txt",
        "an old file was deleted"
    );
}

#[test]
fn checkpoints_survive_reopening_the_store() {
    let fx = Fixture::new();
    fx.write("a.txt", b"before");
    {
        let store = fx.store(CheckpointLimits::default());
        store.begin_turn("t1").unwrap();
        store.save_before_write(&fx.path("a.txt")).unwrap();
        fx.write("a.txt", b"after");
    }
    let reopened = fx.store(CheckpointLimits::default());
    assert!(reopened.has_turn("t1"));
    reopened.rewind("t1", false).unwrap();
    assert_eq!(fx.read("a.txt").unwrap(), b"before");
    let journal = fs::metadata(fx.store_dir.join("checkpoints.jsonl")).unwrap();
    assert_eq!(journal.permissions().mode() & 0o777, 0o600);
}
