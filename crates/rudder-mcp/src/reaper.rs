//! Recording the server processes a session starts, and killing the ones a
//! killed rudder left behind.
//!
//! Contract: issue 7 §3 and USER-PAINS.md §4.1 (servers outlive a killed
//! session). Each session keeps `<state_dir>/<session>.json` listing its
//! owner (rudder's PID and start time) and, per server process group, the
//! leader's PID (= PGID) and start time (`/proc/<pid>/stat` field 22) plus
//! the members seen after connecting (e.g. the `node` under `npx`). The file
//! is rewritten by atomic rename on every change and removed when empty.
//!
//! [`reap_stale`] runs at start-up: for every record whose owner is dead, it
//! SIGKILLs each group whose leader still has the recorded start time and
//! each recorded member that still has its start time, then deletes the
//! record. A PID now held by a process with another start time is a
//! stranger and is never signalled. Records of live owners (concurrent
//! sessions) are left alone.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use crate::naming::normalize;
use crate::process::kill::signal_group;
use crate::process::procfs::{ProcStat, read_stat, self_stat};

/// A process identified beyond its PID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessId {
    /// Process id.
    pub pid: i32,
    /// Start time in clock ticks after boot (`/proc/<pid>/stat` field 22).
    pub start_time: u64,
}

/// One recorded server process group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// Server name(s), for messages.
    pub server: String,
    /// The group leader (the process rudder spawned); its PID is the PGID.
    pub leader: ProcessId,
    /// Other members seen after the server connected.
    #[serde(default)]
    pub members: Vec<ProcessId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RecordFile {
    owner: ProcessId,
    groups: Vec<GroupRecord>,
}

/// The live record of one session (internal to the manager).
#[derive(Debug)]
pub(crate) struct PidRecord {
    path: PathBuf,
    owner: Option<ProcessId>,
    groups: BTreeMap<i32, GroupRecord>,
}

impl PidRecord {
    /// A record at `<state_dir>/<session>.json` (nothing is written yet).
    pub fn new(state_dir: &Path, session_id: &str) -> Self {
        Self {
            path: state_dir.join(format!("{}.json", normalize(session_id))),
            owner: self_stat().map(|stat| ProcessId {
                pid: stat.pid,
                start_time: stat.start_time,
            }),
            groups: BTreeMap::new(),
        }
    }

    /// Records a freshly spawned leader; returns its start time when known.
    pub fn add(&mut self, server: &str, pid: i32) -> Option<u64> {
        let stat = read_stat(pid)?;
        self.groups.insert(
            pid,
            GroupRecord {
                server: server.to_owned(),
                leader: ProcessId {
                    pid,
                    start_time: stat.start_time,
                },
                members: Vec::new(),
            },
        );
        self.flush();
        Some(stat.start_time)
    }

    /// Replaces the recorded members of group `pgid` (leader excluded).
    pub fn set_members(&mut self, pgid: i32, members: &[ProcStat]) {
        if let Some(group) = self.groups.get_mut(&pgid) {
            group.members = members
                .iter()
                .filter(|member| member.pid != pgid && !member.is_zombie())
                .map(|member| ProcessId {
                    pid: member.pid,
                    start_time: member.start_time,
                })
                .collect();
            self.flush();
        }
    }

    /// Forgets group `pgid` (after it ended).
    pub fn remove(&mut self, pgid: i32) {
        if self.groups.remove(&pgid).is_some() {
            self.flush();
        }
    }

    /// Deletes the file and forgets every group.
    pub fn clear(&mut self) {
        self.groups.clear();
        self.flush();
    }

    fn flush(&self) {
        let Some(owner) = self.owner else {
            return;
        };
        if self.groups.is_empty() {
            if let Err(error) = std::fs::remove_file(&self.path)
                && error.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(path = %self.path.display(), %error, "cannot remove MCP pid record");
            }
            return;
        }
        let file = RecordFile {
            owner,
            groups: self.groups.values().cloned().collect(),
        };
        if let Err(error) = write_atomic(&self.path, &file) {
            tracing::warn!(path = %self.path.display(), %error, "cannot write MCP pid record");
        }
    }
}

fn write_atomic(path: &Path, file: &RecordFile) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let text = serde_json::to_vec_pretty(file).map_err(std::io::Error::other)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(&text)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// What [`reap_stale`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReapReport {
    /// Process groups SIGKILLed (their leader matched its record).
    pub killed_groups: Vec<i32>,
    /// Individual recorded members SIGKILLed (their start time matched).
    pub killed_members: Vec<i32>,
    /// PIDs left alone because another process now holds them.
    pub refused: Vec<i32>,
    /// Record files deleted.
    pub removed_records: Vec<PathBuf>,
    /// Record files kept because their owner is still running.
    pub live_owners: Vec<PathBuf>,
}

/// Cleans up after killed sessions: for every `*.json` record in
/// `state_dir` whose owner process is gone, kills the recorded groups and
/// members that are still the same processes, and deletes the record. A
/// missing directory is an empty report; an unreadable or malformed record is
/// deleted with a warning (records are written atomically, so it cannot be a
/// half-written live one).
pub fn reap_stale(state_dir: &Path) -> ReapReport {
    let mut report = ReapReport::default();
    let Ok(entries) = std::fs::read_dir(state_dir) else {
        return report;
    };
    for path in entries.filter_map(Result::ok).map(|entry| entry.path()) {
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let record: Option<RecordFile> = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        match record {
            Some(record) if is_same_process(record.owner) => {
                report.live_owners.push(path);
                continue;
            }
            Some(record) => {
                for group in &record.groups {
                    reap_group_record(group, &mut report);
                }
            }
            None => tracing::warn!(path = %path.display(), "removing unreadable MCP pid record"),
        }
        if std::fs::remove_file(&path).is_ok() {
            report.removed_records.push(path);
        }
    }
    report
}

fn reap_group_record(group: &GroupRecord, report: &mut ReapReport) {
    let pgid = group.leader.pid;
    match read_stat(pgid) {
        Some(stat) if stat.start_time == group.leader.start_time && stat.pgid == pgid => {
            tracing::info!(server = %group.server, pgid, "killing stale MCP server group");
            signal_group(pgid, Signal::SIGKILL);
            report.killed_groups.push(pgid);
        }
        Some(_) => report.refused.push(pgid),
        None => {}
    }
    for member in &group.members {
        let Some(stat) = read_stat(member.pid) else {
            continue;
        };
        if stat.start_time != member.start_time {
            report.refused.push(member.pid);
        } else if kill(Pid::from_raw(member.pid), Signal::SIGKILL).is_ok() {
            report.killed_members.push(member.pid);
        }
    }
}

fn is_same_process(id: ProcessId) -> bool {
    read_stat(id.pid).is_some_and(|stat| stat.start_time == id.start_time && !stat.is_zombie())
}
