//! Starts the hook and watches it: output, exit, timeout escalation and the drain after exit.

use std::future::Future;
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::pin::Pin;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};
use tokio::time::Instant;

use super::cgroup::HookCgroup;
use super::output::{HookOutput, Stream};
use super::preflight::{Prepared, RunIdentity};
use super::process_group::{has_live_members, signal_group};
use super::{HookInvocation, HookOutcome, HookStatus, Refusal, error_code};

/// Tries to start the script when exec reports ETXTBSY; see [`spawn_with_retry`].
const SPAWN_ATTEMPTS: u32 = 6;
/// Bytes read from a pipe at a time; also the most output a single read adds to memory.
const READ_CHUNK: usize = 64 * 1024;
/// How often to look whether a signalled group has emptied, so we stop waiting as soon as it has.
const GROUP_POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How long to wait after SIGKILL for the group to disappear before reporting survivors (a process
/// stuck in uninterruptible sleep cannot die until its I/O returns).
const KILL_CONFIRM_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) async fn supervise(
    inv: &HookInvocation,
    prepared: Prepared,
    started_at: DateTime<Utc>,
    abort: Pin<&mut (dyn Future<Output = ()> + Send)>,
    on_spawn: impl FnOnce(u32),
) -> HookOutcome {
    let Prepared {
        identity,
        env,
        mut output,
        interpreter,
    } = prepared;
    let mut command = match interpreter {
        Some(shell) => {
            let mut c = Command::new(shell);
            c.arg(&inv.script);
            c
        }
        None => Command::new(&inv.script),
    };
    command
        .current_dir(&inv.cwd)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some((uid, gid)) = identity.switch_to {
        command.uid(uid.as_raw()).gid(gid.as_raw());
    }
    let cgroup = HookCgroup::create().map(Arc::new);
    let mut child = match spawn_with_retry(&mut command, cgroup.as_deref()).await {
        Ok(child) => child,
        Err(error) => {
            let log_error = output.finish().await.log_error;
            let mut outcome =
                spawn_refusal(&inv.script, &inv.cwd, &identity, &error).into_outcome(started_at);
            outcome.log_error = log_error;
            return outcome;
        }
    };

    let mut watch = Watch::new(inv, &child, cgroup);
    if let Some(pid) = child.id() {
        on_spawn(pid);
    }
    let mut pipes = Pipes {
        stdout: child.stdout.take(),
        stderr: child.stderr.take(),
    };
    watch.run(&mut child, &mut pipes, &mut output, abort).await;

    let drain_timed_out = pipes.stdout.is_some() || pipes.stderr.is_some();
    if drain_timed_out {
        output.end_of_stream(Stream::Stdout).await;
        output.end_of_stream(Stream::Stderr).await;
        output
            .note(&format!(
                "stopped reading output {:?} after the script exited: a process it started still holds stdout or stderr open",
                inv.drain_timeout
            ))
            .await;
        pipes.discard_in_background();
    }
    let collected = output.finish().await;
    let verdict = watch.verdict();
    HookOutcome {
        status: verdict.status,
        exit_code: verdict.exit_code,
        signal: verdict.signal,
        error_code: verdict.error_code,
        message: verdict.message,
        started_at,
        ended_at: Utc::now(),
        output_tail: collected.tail,
        output_truncated: collected.tail_is_partial,
        output_bytes: collected.total_bytes,
        drain_timed_out,
        log_error: collected.log_error,
    }
}

/// The hook's output pipes; `None` once closed or never opened.
struct Pipes {
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
}

impl Pipes {
    /// Keeps the pipes drained rather than closed: a daemon writing to a closed pipe would die of
    /// SIGPIPE, and one writing to an unread pipe would block once it fills.
    fn discard_in_background(&mut self) {
        if let Some(pipe) = self.stdout.take() {
            discard_in_background(pipe);
        }
        if let Some(pipe) = self.stderr.take() {
            discard_in_background(pipe);
        }
    }
}

/// Where the timeout's escalation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No timeout yet.
    Running,
    /// SIGTERM sent; SIGKILL follows at `kill_at` unless the group empties first.
    Terminating { kill_at: Instant },
    /// SIGKILL sent; waiting, bounded, to see the group gone.
    Killing { give_up_at: Instant },
    /// Nothing more to do to the group.
    Settled,
}

impl Phase {
    fn escalating(self) -> bool {
        matches!(self, Phase::Terminating { .. } | Phase::Killing { .. })
    }

    fn deadline(self) -> Option<Instant> {
        match self {
            Phase::Terminating { kill_at } => Some(kill_at),
            Phase::Killing { give_up_at } => Some(give_up_at),
            Phase::Running | Phase::Settled => None,
        }
    }
}

/// The state of one running hook, from spawn until we stop watching it.
struct Watch<'a> {
    inv: &'a HookInvocation,
    pgid: Option<Pid>,
    /// The hook's own cgroup, where there is one: it also holds what left the process group.
    cgroup: Option<Arc<HookCgroup>>,
    guard: GroupGuard,
    timeout_at: Instant,
    phase: Phase,
    timed_out: bool,
    /// The caller asked the hook to stop (the agent is shutting down).
    aborted: bool,
    sigkill_sent: bool,
    survivors: bool,
    exit: Option<io::Result<ExitStatus>>,
    drain_until: Option<Instant>,
    next_group_poll: Instant,
}

impl<'a> Watch<'a> {
    fn new(inv: &'a HookInvocation, child: &Child, cgroup: Option<Arc<HookCgroup>>) -> Self {
        // process_group(0) made the child the leader of a group whose id is its pid.
        let pgid = child
            .id()
            .and_then(|pid| i32::try_from(pid).ok())
            .map(Pid::from_raw);
        Self {
            inv,
            pgid,
            guard: GroupGuard {
                pgid,
                cgroup: cgroup.clone(),
            },
            cgroup,
            timeout_at: deadline_after(inv.timeout),
            phase: Phase::Running,
            timed_out: false,
            aborted: false,
            sigkill_sent: false,
            survivors: false,
            exit: None,
            drain_until: None,
            next_group_poll: Instant::now(),
        }
    }

    /// Returns once the main process has exited, the group needs nothing more from us, and the
    /// pipes are closed or the drain timeout has passed (then they are left open in `pipes`).
    async fn run(
        &mut self,
        child: &mut Child,
        pipes: &mut Pipes,
        output: &mut HookOutput,
        mut abort: Pin<&mut (dyn Future<Output = ()> + Send)>,
    ) {
        let mut stdout_buf = vec![0; READ_CHUNK];
        let mut stderr_buf = vec![0; READ_CHUNK];
        loop {
            let main_exited = self.exit.is_some();
            let escalating = self.phase.escalating();
            let pipes_closed = pipes.stdout.is_none() && pipes.stderr.is_none();
            if main_exited && pipes_closed && !escalating {
                break;
            }
            tokio::select! {
                status = child.wait(), if !main_exited => self.main_exited(status),
                read = read_chunk(&mut pipes.stdout, &mut stdout_buf) => match read {
                    Ok(n) if n > 0 => output.chunk(Stream::Stdout, &stdout_buf[..n]).await,
                    // EOF, or a read error that leaves nothing more to read either way.
                    _ => {
                        pipes.stdout = None;
                        output.end_of_stream(Stream::Stdout).await;
                    }
                },
                read = read_chunk(&mut pipes.stderr, &mut stderr_buf) => match read {
                    Ok(n) if n > 0 => output.chunk(Stream::Stderr, &stderr_buf[..n]).await,
                    _ => {
                        pipes.stderr = None;
                        output.end_of_stream(Stream::Stderr).await;
                    }
                },
                () = tokio::time::sleep_until(self.timeout_at),
                    if !main_exited && self.phase == Phase::Running => self.timeout_fired(),
                // Polled only until it fires once: a finished future must not be polled again.
                () = &mut abort, if !main_exited && !self.aborted && self.phase == Phase::Running => {
                    self.aborted = true;
                    self.terminate();
                }
                () = sleep_until_some(self.phase.deadline()) => self.escalate(),
                () = tokio::time::sleep_until(self.next_group_poll), if escalating => {
                    self.next_group_poll = deadline_after(GROUP_POLL_INTERVAL);
                    if !self.alive() {
                        self.phase = Phase::Settled;
                    }
                }
                () = sleep_until_some(self.drain_until), if !escalating => break,
            }
        }
        self.guard.disarm();
    }

    fn main_exited(&mut self, status: io::Result<ExitStatus>) {
        if self.phase == Phase::Running {
            // The hook is done; whatever it left running is meant to keep running.
            self.guard.disarm();
        }
        if status.is_err() {
            // We can no longer tell whether the script runs: make sure it does not.
            self.signal(Signal::SIGKILL);
            self.guard.disarm();
        }
        self.exit = Some(status);
        self.drain_until = Some(deadline_after(self.inv.drain_timeout));
    }

    fn timeout_fired(&mut self) {
        self.timed_out = true;
        self.terminate();
    }

    /// `signal` to the hook's process group, and to everything in its cgroup.
    fn signal(&self, signal: Signal) {
        signal_group(self.pgid, signal);
        if let Some(cgroup) = &self.cgroup {
            cgroup.signal(signal);
        }
    }

    /// Whether anything the hook started still runs.
    fn alive(&self) -> bool {
        has_live_members(self.pgid) || self.cgroup.as_ref().is_some_and(|c| c.populated())
    }

    /// SIGTERM to the group now, SIGKILL after the grace period.
    fn terminate(&mut self) {
        self.signal(Signal::SIGTERM);
        self.phase = Phase::Terminating {
            kill_at: deadline_after(self.inv.kill_grace),
        };
        self.next_group_poll = Instant::now();
    }

    fn escalate(&mut self) {
        if let Phase::Terminating { .. } = self.phase {
            self.signal(Signal::SIGKILL);
            self.sigkill_sent = true;
            self.phase = Phase::Killing {
                give_up_at: deadline_after(KILL_CONFIRM_TIMEOUT),
            };
        } else {
            self.survivors = true;
            self.phase = Phase::Settled;
        }
    }

    fn verdict(&self) -> Verdict {
        let ended_by_signal = self
            .exit
            .as_ref()
            .and_then(|status| status.as_ref().ok())
            .and_then(ExitStatusExt::signal);
        if self.aborted {
            return Verdict::failed(
                HookStatus::Failed,
                error_code::AGENT_STOPPED,
                ended_by_signal,
                "the agent was stopped and the script did not finish within the stop grace period; its process group was terminated".to_owned(),
            );
        }
        if self.timed_out {
            return Verdict::failed(
                HookStatus::TimedOut,
                error_code::SCRIPT_TIMED_OUT,
                ended_by_signal,
                self.timeout_message(),
            );
        }
        match &self.exit {
            Some(Ok(status)) => match status.code() {
                Some(0) => Verdict {
                    status: HookStatus::Succeeded,
                    exit_code: Some(0),
                    signal: None,
                    error_code: None,
                    message: None,
                },
                Some(code) => Verdict {
                    exit_code: Some(code),
                    ..Verdict::failed(
                        HookStatus::Failed,
                        error_code::SCRIPT_FAILED,
                        None,
                        format!("script exited with code {code}"),
                    )
                },
                None => Verdict::failed(
                    HookStatus::Failed,
                    error_code::SCRIPT_FAILED,
                    ended_by_signal,
                    format!("script was killed by {}", signal_name(ended_by_signal)),
                ),
            },
            Some(Err(error)) => Verdict::failed(
                HookStatus::Failed,
                error_code::SCRIPT_FAILED,
                None,
                format!("lost track of the script process ({error}); its process group was killed"),
            ),
            // `run` only returns once the main process has exited or waiting for it failed.
            None => Verdict::failed(
                HookStatus::Failed,
                error_code::SCRIPT_FAILED,
                None,
                "script ended in an unknown state".to_owned(),
            ),
        }
    }

    fn timeout_message(&self) -> String {
        let inv = self.inv;
        let ending = if self.sigkill_sent {
            format!(
                "its process group ignored SIGTERM for {:?} and was killed with SIGKILL",
                inv.kill_grace
            )
        } else {
            "its process group was stopped with SIGTERM".to_owned()
        };
        let survivors = match (self.survivors, self.pgid) {
            (true, Some(pgid)) => format!(
                "; processes of group {pgid} were still alive {KILL_CONFIRM_TIMEOUT:?} after SIGKILL"
            ),
            _ => String::new(),
        };
        format!(
            "script did not exit within {:?}; {ending}{survivors}",
            inv.timeout
        )
    }
}

/// How the hook ended, in the terms of [`HookOutcome`].
struct Verdict {
    status: HookStatus,
    exit_code: Option<i32>,
    signal: Option<i32>,
    error_code: Option<&'static str>,
    message: Option<String>,
}

impl Verdict {
    fn failed(
        status: HookStatus,
        code: &'static str,
        signal: Option<i32>,
        message: String,
    ) -> Self {
        Self {
            status,
            exit_code: None,
            signal,
            error_code: Some(code),
            message: Some(message),
        }
    }
}

fn signal_name(signal: Option<i32>) -> String {
    let Some(number) = signal else {
        return "an unknown signal".to_owned();
    };
    match Signal::try_from(number) {
        Ok(known) => format!("signal {number} ({})", known.as_str()),
        Err(_) => format!("signal {number}"),
    }
}

fn spawn_refusal(script: &Path, cwd: &Path, identity: &RunIdentity, error: &io::Error) -> Refusal {
    let shown = script.display();
    match error.raw_os_error().map(Errno::from_raw) {
        // Also what a user gets who may not enter the working directory; say so rather than guess.
        Some(Errno::EACCES) => Refusal::new(
            error_code::SCRIPT_NOT_EXECUTABLE,
            format!(
                "user {} may not execute {shown} or its interpreter, or may not enter {} ({error})",
                identity.name,
                cwd.display()
            ),
        ),
        // The script was checked to exist a moment ago, so the missing file is almost always the
        // interpreter named on its #! line.
        Some(Errno::ENOENT) => Refusal::new(
            error_code::SCRIPT_START_FAILED,
            format!(
                "could not start {shown}: {error}; check that the interpreter on its #! line ({}) exists",
                shebang_line(script)
            ),
        ),
        _ => Refusal::new(
            error_code::SCRIPT_START_FAILED,
            format!("could not start {shown}: {error}"),
        ),
    }
}

/// The `#!` line of the script, for error messages only.
fn shebang_line(script: &Path) -> String {
    let Ok(file) = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK)
        .open(script)
    else {
        return "unreadable".to_owned();
    };
    let mut first = Vec::with_capacity(128);
    if std::io::Read::read_to_end(&mut std::io::Read::take(file, 128), &mut first).is_err() {
        return "unreadable".to_owned();
    }
    let line = first.split(|&b| b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(line).into_owned()
}

/// Spawns, retrying briefly on ETXTBSY: while any thread of the agent forks, the child holds
/// copies of every descriptor until it execs, so a script written moments ago (by bundle
/// extraction, or by a test) can look "busy" for a few microseconds.
async fn spawn_with_retry(command: &mut Command, cgroup: Option<&HookCgroup>) -> io::Result<Child> {
    let mut spawn = || match cgroup {
        Some(c) => c.spawn_inside(|| command.spawn()),
        None => command.spawn(),
    };
    let mut backoff = Duration::from_millis(5);
    for _ in 1..SPAWN_ATTEMPTS {
        match spawn() {
            Err(error) if error.raw_os_error() == Some(Errno::ETXTBSY as i32) => {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            result => return result,
        }
    }
    spawn()
}

/// SIGKILLs the hook's group if `run_hook` is dropped while the script still runs, so cancelling
/// the future never leaves a hook running unsupervised.
struct GroupGuard {
    pgid: Option<Pid>,
    cgroup: Option<Arc<HookCgroup>>,
}

impl GroupGuard {
    fn disarm(&mut self) {
        self.pgid = None;
        self.cgroup = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        signal_group(self.pgid, Signal::SIGKILL);
        if let Some(cgroup) = &self.cgroup {
            cgroup.signal(Signal::SIGKILL);
        }
    }
}

async fn read_chunk<R: AsyncRead + Unpin>(
    pipe: &mut Option<R>,
    buf: &mut [u8],
) -> io::Result<usize> {
    match pipe {
        Some(pipe) => pipe.read(buf).await,
        None => std::future::pending().await,
    }
}

async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// `now + after`, saturating instead of panicking on absurd durations.
fn deadline_after(after: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

fn discard_in_background<R: AsyncRead + Unpin + Send + 'static>(mut pipe: R) {
    tokio::spawn(async move {
        // Ends when the last process holding the pipe exits, or when the runtime shuts down.
        let _ = tokio::io::copy(&mut pipe, &mut tokio::io::sink()).await;
    });
}
