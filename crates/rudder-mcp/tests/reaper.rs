//! The start-up reaper: it kills a recorded group whose leader still has
//! its recorded start time, refuses a PID now held by another process, and
//! leaves records of live sessions alone. The record format on disk is
//! pinned here (`{"owner":{pid,start_time},"groups":[{server,leader,members}]}`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rudder_mcp::process::procfs::{group_members, live_group_members, read_stat};
use rudder_mcp::reaper::reap_stale;
use serde_json::json;
use std::os::unix::process::CommandExt as _;

fn spawn_group() -> (Child, i32, u64) {
    let child = Command::new("sh")
        .args(["-c", "sleep 300 & sleep 300; wait"])
        .stdin(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let deadline = Instant::now() + Duration::from_secs(5);
    while live_group_members(pid).len() < 3 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    let start = read_stat(pid).unwrap().start_time;
    (child, pid, start)
}

/// A PID that no longer runs (a finished child of ours).
fn dead_pid() -> i32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id() as i32;
    child.wait().unwrap();
    pid
}

fn write_record(dir: &Path, owner: (i32, u64), leader: (i32, u64)) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("old-session.json");
    let record = json!({
        "owner": {"pid": owner.0, "start_time": owner.1},
        "groups": [{
            "server": "stale",
            "leader": {"pid": leader.0, "start_time": leader.1},
            "members": []
        }]
    });
    std::fs::write(&path, record.to_string()).unwrap();
    path
}

fn wait_gone(pgid: i32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !group_members(pgid).is_empty() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

#[test]
fn reaper_kills_a_recorded_live_group_of_a_dead_owner() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, pgid, start) = spawn_group();
    let record = write_record(dir.path(), (dead_pid(), 1), (pgid, start));
    let report = reap_stale(dir.path());
    assert_eq!(report.killed_groups, [pgid]);
    assert_eq!(report.removed_records, std::slice::from_ref(&record));
    assert!(!record.exists());
    child.wait().unwrap();
    assert!(wait_gone(pgid), "{:?}", group_members(pgid));
}

#[test]
fn reaper_refuses_a_pid_whose_start_time_differs() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, pgid, start) = spawn_group();
    let record = write_record(dir.path(), (dead_pid(), 1), (pgid, start + 1));
    let report = reap_stale(dir.path());
    assert!(report.killed_groups.is_empty());
    assert_eq!(report.refused, [pgid]);
    assert!(!record.exists(), "the stale record is still removed");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        live_group_members(pgid).len(),
        3,
        "the stranger is untouched"
    );
    nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(pgid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    child.wait().unwrap();
}

#[test]
fn reaper_leaves_records_of_live_sessions_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, pgid, start) = spawn_group();
    let me = read_stat(std::process::id() as i32).unwrap();
    let record = write_record(dir.path(), (me.pid, me.start_time), (pgid, start));
    std::fs::write(dir.path().join("garbage.json"), "{ not json").unwrap();
    let report = reap_stale(dir.path());
    assert!(report.killed_groups.is_empty());
    assert_eq!(report.live_owners, std::slice::from_ref(&record));
    assert!(record.exists());
    assert_eq!(report.removed_records, [dir.path().join("garbage.json")]);
    assert_eq!(live_group_members(pgid).len(), 3);
    nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(pgid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    child.wait().unwrap();
    assert!(
        reap_stale(&dir.path().join("missing"))
            .removed_records
            .is_empty()
    );
}
