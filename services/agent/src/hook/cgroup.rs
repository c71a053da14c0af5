//! Each hook in a cgroup of its own (cgroup v2), so a timeout reaches everything the hook started:
//! a process that leaves the hook's process group (`setsid`, a double fork) stays in the cgroup,
//! and `cgroup.kill` ends them all at once.
//!
//! The hook must be born in its cgroup, or a child it forks before being moved could escape.
//! Without `unsafe` (no `pre_exec`, no `clone3(CLONE_INTO_CGROUP)`), the agent moves itself into
//! the new cgroup, spawns the hook (which inherits it), and moves back, under a lock. A cgroup is
//! per process, not per thread, so that lock is process-wide; anything another thread of the
//! agent forks in those microseconds (a `setfacl` of an Install) lands in the hook's cgroup too.
//!
//! Where no writable cgroup v2 hierarchy is found, the agent says so at start and hooks fall
//! back to process-group signals (a `setsid` child then escapes the timeout).

use std::io;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Where hook cgroups are made, and where the agent lives between spawns.
#[derive(Debug)]
struct Base {
    /// The agent's own cgroup; hook cgroups are its children.
    home: PathBuf,
    /// Held while the agent is outside `home`.
    moving: Mutex<()>,
}

static BASE: OnceLock<Option<Base>> = OnceLock::new();

const PREFIX: &str = "liftoff-hook-";

fn base() -> Option<&'static Base> {
    BASE.get_or_init(|| match detect() {
        Ok(home) => Some(Base {
            home,
            moving: Mutex::new(()),
        }),
        Err(e) => {
            tracing::debug!(error = %e, "no cgroup for hooks");
            None
        }
    })
    .as_ref()
}

/// Finds the agent's cgroup in the v2 hierarchy and checks that a child can be made there.
fn detect() -> io::Result<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mountinfo")?;
    let mount = mounts
        .lines()
        .find_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            (right.split_whitespace().next()? == "cgroup2")
                .then(|| left.split_whitespace().nth(4).map(PathBuf::from))?
        })
        .ok_or_else(|| io::Error::other("no cgroup v2 hierarchy is mounted"))?;
    let own = std::fs::read_to_string("/proc/self/cgroup")?
        .lines()
        .find_map(|l| l.strip_prefix("0::").map(str::to_string))
        .ok_or_else(|| io::Error::other("this process is in no cgroup v2"))?;
    let home = mount.join(own.trim().trim_start_matches('/'));
    if !home.join("cgroup.kill").exists() && !home.join("cgroup.procs").exists() {
        return Err(io::Error::other(format!(
            "{} is not this process's cgroup",
            home.display()
        )));
    }
    // Leftovers of an earlier run that are empty now.
    if let Ok(entries) = std::fs::read_dir(&home) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(PREFIX) {
                let _ = std::fs::remove_dir(e.path());
            }
        }
    }
    let probe = home.join(format!("{PREFIX}probe-{}", std::process::id()));
    std::fs::create_dir(&probe)?;
    let usable = probe.join("cgroup.kill").exists();
    let _ = std::fs::remove_dir(&probe);
    if !usable {
        return Err(io::Error::other(
            "the kernel has no cgroup.kill (Linux 5.14+)",
        ));
    }
    Ok(home)
}

/// Says at start how hooks will be contained.
pub fn announce() {
    match base() {
        Some(b) => tracing::info!(
            cgroup = %b.home.display(),
            "hooks run in their own cgroup: a timeout kills everything they started, setsid and double forks included"
        ),
        None => {
            let why = detect().err().map(|e| e.to_string()).unwrap_or_default();
            tracing::warn!(
                reason = %why,
                "no writable cgroup v2 for hooks: a timeout signals the hook's process group only, and a process that leaves it (setsid) survives"
            );
        }
    }
}

/// One hook's cgroup.
#[derive(Debug)]
pub(super) struct HookCgroup {
    dir: PathBuf,
}

impl HookCgroup {
    /// A new, empty cgroup for one hook; `None` where cgroups are not available.
    pub fn create() -> Option<HookCgroup> {
        let base = base()?;
        let dir = base
            .home
            .join(format!("{PREFIX}{}", uuid::Uuid::new_v4().simple()));
        match std::fs::create_dir(&dir) {
            Ok(()) => Some(HookCgroup { dir }),
            Err(e) => {
                tracing::warn!(error = %e, "cannot make a cgroup for the hook; its process group is all a timeout reaches");
                None
            }
        }
    }

    /// Runs `spawn` with the agent inside this cgroup, so the child is born in it.
    pub fn spawn_inside<T>(&self, spawn: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
        let Some(base) = base() else {
            return spawn();
        };
        let _held = base.moving.lock().unwrap_or_else(|e| e.into_inner());
        let me = std::process::id().to_string();
        if let Err(e) = std::fs::write(self.dir.join("cgroup.procs"), &me) {
            tracing::warn!(error = %e, "cannot enter the hook's cgroup; its process group is all a timeout reaches");
            return spawn();
        }
        let result = spawn();
        if let Err(e) = std::fs::write(base.home.join("cgroup.procs"), &me) {
            tracing::error!(error = %e, "cannot leave a hook's cgroup");
        }
        result
    }

    /// Sends `signal` to every process in the cgroup (SIGKILL through `cgroup.kill`, which
    /// also catches processes forking meanwhile).
    pub fn signal(&self, signal: Signal) {
        let me = Pid::this();
        if self.pids().contains(&me) {
            // Moving back after a spawn failed: the agent must leave before the kill.
            if let Some(base) = base() {
                let _held = base.moving.lock().unwrap_or_else(|e| e.into_inner());
                let _ = std::fs::write(base.home.join("cgroup.procs"), me.to_string());
            }
            if self.pids().contains(&me) {
                tracing::error!(
                    "the agent is stuck in a hook's cgroup; signalling the rest one by one"
                );
                for pid in self.pids().into_iter().filter(|p| *p != me) {
                    let _ = kill(pid, signal);
                }
                return;
            }
        }
        if signal == Signal::SIGKILL && std::fs::write(self.dir.join("cgroup.kill"), "1").is_ok() {
            return;
        }
        for pid in self.pids() {
            let _ = kill(pid, signal);
        }
    }

    fn pids(&self) -> Vec<Pid> {
        std::fs::read_to_string(self.dir.join("cgroup.procs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .map(Pid::from_raw)
            .collect()
    }

    /// True while some process (not a zombie) is in the cgroup.
    pub fn populated(&self) -> bool {
        std::fs::read_to_string(self.dir.join("cgroup.events"))
            .map(|t| t.lines().any(|l| l.trim() == "populated 1"))
            .unwrap_or(false)
    }
}

impl Drop for HookCgroup {
    /// An empty cgroup is removed; one that still holds processes the hook left running on
    /// purpose (`nohup myserver &`) stays until they end (and is swept at the next start).
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}
