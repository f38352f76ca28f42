//! Reading process facts from Linux `/proc`: state, parent, process group and
//! start time.
//!
//! Contract: proc(5), `/proc/<pid>/stat` — field 3 state, 4 ppid, 5 pgrp,
//! 22 starttime (clock ticks since boot). The start time tells a process
//! apart from a later one that reuses its PID. Read-only; never signals.

use std::path::Path;

/// The facts rudder needs about one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    /// Process id.
    pub pid: i32,
    /// State letter (`R`, `S`, `D`, `Z` zombie, …).
    pub state: char,
    /// Parent process id.
    pub ppid: i32,
    /// Process group id.
    pub pgid: i32,
    /// Start time in clock ticks after boot (field 22).
    pub start_time: u64,
}

impl ProcStat {
    /// Whether the process has exited and only waits to be reaped.
    pub fn is_zombie(&self) -> bool {
        self.state == 'Z' || self.state == 'X'
    }
}

/// Parses the text of `/proc/<pid>/stat`. The command name (field 2) may
/// hold spaces and parentheses, so fields are counted after its last `)`.
pub fn parse_stat(pid: i32, text: &str) -> Option<ProcStat> {
    let after = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // `fields[0]` is field 3 (state); field n is `fields[n - 3]`.
    Some(ProcStat {
        pid,
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        pgid: fields.get(2)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// Reads `/proc/<pid>/stat`; `None` when the process does not exist (or
/// `/proc` is unavailable).
pub fn read_stat(pid: i32) -> Option<ProcStat> {
    let text =
        std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat")).ok()?;
    parse_stat(pid, &text)
}

/// The start time of this process, for the reaper's owner check.
pub fn self_stat() -> Option<ProcStat> {
    read_stat(i32::try_from(std::process::id()).ok()?)
}

/// Every process whose process group is `pgid`, zombies included.
pub fn group_members(pgid: i32) -> Vec<ProcStat> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(read_stat)
        .filter(|stat| stat.pgid == pgid)
        .collect()
}

/// Members of `pgid` that still run (not zombies).
pub fn live_group_members(pgid: i32) -> Vec<ProcStat> {
    group_members(pgid)
        .into_iter()
        .filter(|stat| !stat.is_zombie())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_with_spaces_and_parens() {
        let text = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 100000 200";
        let stat = parse_stat(4242, text).unwrap();
        assert_eq!(stat.state, 'S');
        assert_eq!(stat.ppid, 1);
        assert_eq!(stat.pgid, 4242);
        assert_eq!(stat.start_time, 987654);
        assert!(parse_stat(1, "garbage").is_none());
    }

    #[test]
    fn reads_this_process() {
        let me = self_stat().unwrap();
        assert_eq!(me.pid, std::process::id() as i32);
        assert!(me.start_time > 0);
        assert!(group_members(me.pgid).iter().any(|s| s.pid == me.pid));
    }
}
