//! Signals to a hook's process group, and whether anything in it is still alive.

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// Sends `signal` to every process of the group. A group that is already gone is not an error:
/// that is the outcome we want.
pub(super) fn signal_group(pgid: Option<Pid>, signal: Signal) {
    if let Some(pgid) = pgid {
        // EPERM (a member became setuid) leaves nothing better to do than carry on; the liveness
        // check afterwards still reports what survived.
        let _ = killpg(pgid, signal);
    }
}

/// True while some member of the group is still running.
///
/// Zombies do not count: they run nothing, and their reaping is up to whoever inherited them. That
/// matters where PID 1 does not reap orphans (minimal containers, this build sandbox): a killed
/// group's orphans stay zombies forever, and `killpg(pgid, 0)` keeps succeeding on them.
pub(super) fn has_live_members(pgid: Option<Pid>) -> bool {
    let Some(pgid) = pgid else {
        return false;
    };
    match killpg(pgid, None) {
        Err(Errno::ESRCH) => false,
        // Some member exists; only /proc can tell whether it is merely a zombie.
        _ => live_member_in_proc(pgid).unwrap_or(true),
    }
}

fn live_member_in_proc(pgid: Pid) -> std::io::Result<bool> {
    for entry in std::fs::read_dir("/proc")? {
        let entry = entry?;
        let is_pid = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.bytes().all(|b| b.is_ascii_digit()));
        if !is_pid {
            continue;
        }
        // The process may exit between listing and reading: that just means it is not live.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((state, group)) = parse_state_and_group(&stat)
            && group == pgid.as_raw()
            && state != 'Z'
            && state != 'X'
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Reads the state and process group from `/proc/<pid>/stat`. The command name sits in
/// parentheses and may itself contain spaces or parentheses, so fields are counted from the last
/// `)`: state, ppid, pgrp.
pub(super) fn parse_state_and_group(stat: &str) -> Option<(char, i32)> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _parent = fields.next()?;
    let group = fields.next()?.parse().ok()?;
    Some((state, group))
}
