//! Runs one lifecycle hook script the way a production agent must.
//!
//! The script is executed directly (execve, never a shell string; its `#!` line picks the
//! interpreter), in its own process group, with a clean environment, stdin on `/dev/null`, and
//! optionally as another user. Its stdout and stderr are read concurrently into a capped log file
//! and a bounded in-memory tail, so memory stays flat whatever the hook prints. The timeout runs on
//! the monotonic clock, so a wall-clock jump cannot shorten or stretch it; when it fires, the whole
//! process group gets SIGTERM, then SIGKILL after a grace period.
//!
//! As in `CodeDeploy`, the hook is done when its main process exits. Anything it started in the
//! background (`nohup myserver &`) keeps running; output still arriving through descriptors that
//! such a process inherited is collected for at most `drain_timeout` more, and after that read and
//! discarded in the background, so the daemon neither hangs the agent nor dies of SIGPIPE.
//!
//! Known limits:
//! - Supplementary groups of the `runas` user are not set: `CommandExt::groups` is unstable and a
//!   `pre_exec` hook needs `unsafe`. When a root agent switches user, std clears all supplementary
//!   groups (`setgroups(0)`) before `setuid`, so the hook runs with the user's primary group only,
//!   and never keeps root's groups.
//! - Each hook also gets a cgroup of its own where cgroup v2 is writable (see [`cgroup`]), so a
//!   timeout also kills what left the process group (`setsid`, double forks). Where it is not,
//!   such a process escapes the timeout kill (the agent says so at start).
//! - Whether `runas: root` is allowed is host policy; the caller enforces it before calling.
//! - Dropping the future of [`run_hook`] while the script still runs SIGKILLs its process group, so
//!   a cancelled hook never keeps running unsupervised.

pub mod cgroup;
mod output;
mod preflight;
mod process_group;
mod supervise;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// `PATH` for a hook unless its invocation provides one.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
pub const DEFAULT_LOG_CAP_BYTES: u64 = 16 * 1024 * 1024;
pub const DEFAULT_TAIL_BYTES: usize = 64 * 1024;
pub const DEFAULT_KILL_GRACE: Duration = Duration::from_secs(10);
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// The stable `error_code` values of [`HookOutcome`]; part of the API contract.
pub mod error_code {
    pub const SCRIPT_FAILED: &str = "SCRIPT_FAILED";
    pub const SCRIPT_TIMED_OUT: &str = "SCRIPT_TIMED_OUT";
    pub const SCRIPT_MISSING: &str = "SCRIPT_MISSING";
    pub const SCRIPT_NOT_EXECUTABLE: &str = "SCRIPT_NOT_EXECUTABLE";
    pub const RUNAS_INVALID: &str = "RUNAS_INVALID";
    pub const SCRIPT_START_FAILED: &str = "SCRIPT_START_FAILED";
    /// The agent was stopping and the script overran the stop grace period.
    pub const AGENT_STOPPED: &str = "AGENT_STOPPED";
}

/// One hook to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookInvocation {
    /// Absolute path to the script inside the unpacked bundle.
    pub script: PathBuf,
    /// Working directory (the bundle directory).
    pub cwd: PathBuf,
    /// Extra environment (`LIFECYCLE_EVENT`, `DEPLOYMENT_ID`, ...). The child gets a clean
    /// environment: `PATH` ([`DEFAULT_PATH`] unless given here), `HOME`/`USER`/`LOGNAME` of the
    /// run-as user, `LANG=C.UTF-8`, then these, which win on a name clash.
    pub env: Vec<(String, String)>,
    /// Measured from spawn on the monotonic clock.
    pub timeout: Duration,
    /// User name; `None` runs as the agent's own user.
    pub runas: Option<String>,
    /// Stdout and stderr, appended line by line as they arrive, capped at `log_cap_bytes` of
    /// output followed by a `[liftoff: log truncated after N bytes]` line.
    pub log_path: PathBuf,
    /// Most bytes of this run's output written to the log.
    pub log_cap_bytes: u64,
    /// How much of the end of the output is kept in memory and returned.
    pub tail_bytes: usize,
    /// Time between SIGTERM and SIGKILL to the process group on timeout.
    pub kill_grace: Duration,
    /// After the main process exits, how long to keep reading output held open by processes it
    /// left behind.
    pub drain_timeout: Duration,
}

impl HookInvocation {
    /// An invocation with the default limits, no extra environment, run as the agent's user.
    #[must_use]
    pub fn new(script: PathBuf, cwd: PathBuf, log_path: PathBuf, timeout: Duration) -> Self {
        Self {
            script,
            cwd,
            env: Vec::new(),
            timeout,
            runas: None,
            log_path,
            log_cap_bytes: DEFAULT_LOG_CAP_BYTES,
            tail_bytes: DEFAULT_TAIL_BYTES,
            kill_grace: DEFAULT_KILL_GRACE,
            drain_timeout: DEFAULT_DRAIN_TIMEOUT,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HookStatus {
    /// The script exited with code 0.
    Succeeded,
    /// The script exited non-zero, was killed by a signal, or never started.
    Failed,
    /// The script overran its timeout and its process group was terminated.
    TimedOut,
}

/// What happened to one hook. Every failure, including failure to start, is an outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HookOutcome {
    pub status: HookStatus,
    /// `None` when killed by a signal or timed out.
    pub exit_code: Option<i32>,
    /// The signal that ended the main process, if one did.
    pub signal: Option<i32>,
    /// `None` on success; otherwise one of [`error_code`].
    pub error_code: Option<&'static str>,
    /// Human readable reason; `None` on success.
    pub message: Option<String>,
    /// Wall-clock times, for reports only; durations are measured on the monotonic clock.
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    /// Last `tail_bytes` of combined output, lossy UTF-8, starting at a character boundary.
    pub output_tail: String,
    /// True if `output_tail` is not the whole output.
    pub output_truncated: bool,
    /// Total bytes the hook wrote to stdout and stderr (that we read).
    pub output_bytes: u64,
    /// True if output collection stopped at `drain_timeout` because a process the hook left
    /// behind still held its stdout or stderr open.
    pub drain_timed_out: bool,
    /// Set when writing the log file failed part-way; the hook itself was not affected.
    pub log_error: Option<String>,
}

/// Runs the hook to completion. Never panics and never fails: every failure is an outcome.
pub async fn run_hook(inv: &HookInvocation) -> HookOutcome {
    run_hook_with(inv, std::future::pending(), |_| {}).await
}

/// [`run_hook`], plus: when `abort` completes while the script runs, its process group gets
/// SIGTERM, then SIGKILL after `kill_grace`, and the outcome is `AGENT_STOPPED`; `on_spawn` gets
/// the script's pid (its process group id) as soon as it runs, before any output is read.
pub async fn run_hook_with(
    inv: &HookInvocation,
    abort: impl std::future::Future<Output = ()> + Send,
    on_spawn: impl FnOnce(u32),
) -> HookOutcome {
    let started_at = Utc::now();
    let abort = std::pin::pin!(abort);
    match preflight::prepare(inv).await {
        Ok(prepared) => supervise::supervise(inv, prepared, started_at, abort, on_spawn).await,
        Err(refusal) => refusal.into_outcome(started_at),
    }
}

/// A reason the hook did not start.
#[derive(Debug)]
struct Refusal {
    code: &'static str,
    message: String,
}

impl Refusal {
    fn new(code: &'static str, message: String) -> Self {
        Self { code, message }
    }

    fn into_outcome(self, started_at: DateTime<Utc>) -> HookOutcome {
        HookOutcome {
            status: HookStatus::Failed,
            exit_code: None,
            signal: None,
            error_code: Some(self.code),
            message: Some(self.message),
            started_at,
            ended_at: Utc::now(),
            output_tail: String::new(),
            output_truncated: false,
            output_bytes: 0,
            drain_timed_out: false,
            log_error: None,
        }
    }
}
