//! The hooks of one lifecycle event: CodeDeploy's environment, the run-as policy, the event's
//! time cap, and the journal entry that lets a restarted agent find a hook it left running.

use std::path::Path;
use std::time::Duration;

use liftoff_bundle::{AppSpec, LifecycleEvent};
use liftoff_types::scheduler::EventStatus;
use nix::unistd::{Uid, User, geteuid};
use tokio::time::Instant;
use tracing::Instrument as _;
use uuid::Uuid;

use super::{EventResult, Run};
use crate::hook::{HookInvocation, HookStatus, error_code, run_hook_with};
use crate::state::{Journal, RunningHook};

/// The hook environment variable with the script span's W3C trace context
/// (`00-<trace id>-<span id>-<flags>`).
pub const TRACEPARENT_ENV: &str = "TRACEPARENT";

/// How much of the end of an event's combined output is reported.
pub const TAIL_BYTES: usize = 64 * 1024;

impl Run<'_> {
    /// The user a script runs as: its `runas`, else the host's default hook user, else the
    /// agent's own user (CodeDeploy's default).
    fn runas_of(&self, runas: Option<&str>) -> Option<String> {
        runas
            .map(str::to_string)
            .or_else(|| self.agent.config.hook_user.clone())
    }

    /// Checks every script's run-as user before any hook of the revision runs: the user exists,
    /// and root is allowed unless the host forbids root hooks.
    pub(super) async fn check_runas(&self, spec: &AppSpec) -> Result<(), String> {
        let users: Vec<(String, Option<String>)> = spec
            .hooks
            .iter()
            .flat_map(|(event, scripts)| {
                scripts
                    .iter()
                    .map(move |s| (format!("{event} {}", s.location), s.runas.clone()))
            })
            .map(|(what, runas)| (what, self.runas_of(runas.as_deref())))
            .collect();
        check_runas_users(users, self.agent.config.no_root_hooks).await
    }

    /// Runs an event's scripts in order; the first failure ends the event. All of them together
    /// get at most the event cap, whatever their own timeouts say.
    pub(super) async fn scripts(
        &self,
        event: LifecycleEvent,
        spec: &AppSpec,
        bundle_dir: &Path,
    ) -> EventResult {
        let scripts = spec.hooks_for(event);
        if scripts.is_empty() {
            return EventResult::skipped("no scripts for this event");
        }
        let (started_at, start) = match self.begin(event).await {
            Ok(begun) => begun,
            Err(f) => return EventResult::failed(&f.code, f.message),
        };
        // The start goes to the server while the scripts run, if they run long enough to be
        // worth a report (the journal already says the event began, so a crash is reported,
        // never re-run); the end is sent after it.
        let (announced, result) = self
            .announced(
                start,
                self.run_scripts(event, scripts, bundle_dir, started_at),
            )
            .await;
        match announced {
            Ok(()) => result,
            Err(f) => EventResult::failed(&f.code, f.message),
        }
    }

    async fn run_scripts(
        &self,
        event: LifecycleEvent,
        scripts: &[liftoff_bundle::appspec::HookScript],
        bundle_dir: &Path,
        started_at: chrono::DateTime<chrono::Utc>,
    ) -> EventResult {
        let cap = self.agent.config.max_event_time;
        let event_deadline = Instant::now() + cap;
        let mut output = String::new();
        let mut truncated = false;
        for script in scripts {
            let remaining = event_deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return EventResult {
                    status: EventStatus::TimedOut,
                    started_at: Some(started_at),
                    exit_code: None,
                    error_code: Some(error_code::SCRIPT_TIMED_OUT.into()),
                    message: Some(format!(
                        "{}: not started, the scripts of {event} used up the event's {} s cap",
                        script.location,
                        cap.as_secs()
                    )),
                    output,
                    truncated,
                };
            }
            let own = Duration::from_secs(script.timeout_secs);
            let capped = remaining < own;
            let mut inv = HookInvocation::new(
                bundle_dir.join(&script.location),
                bundle_dir.to_path_buf(),
                self.ws.logs().join(format!("{}.log", event.as_str())),
                own.min(remaining),
            );
            // One span per script, inside the event's; the script gets its context as
            // TRACEPARENT, so whatever it calls joins the deployment's trace under it.
            let span = tracing::info_span!(
                "agent.hook_script",
                event = event.as_str(),
                script = %script.location,
                deployment_id = %self.cmd.deployment_id,
                host_id = %self.agent.host_id(),
                zone = %self.agent.config.zone,
                exit_code = tracing::field::Empty,
            );
            inv.env = self.hook_env(event);
            let tp =
                liftoff_client::trace::for_child_process(&span, self.cmd.traceparent.as_deref())
                    .unwrap_or_else(|| liftoff_client::trace::unrecorded(self.cmd.deployment_id));
            inv.env.push((TRACEPARENT_ENV.into(), tp));
            inv.runas = self.runas_of(script.runas.as_deref());
            inv.tail_bytes = TAIL_BYTES;
            let out = run_hook_with(&inv, self.stop_deadline(), |pid| {
                self.journal_hook(event, pid)
            })
            .instrument(span.clone())
            .await;
            if let Some(code) = out.exit_code {
                span.record("exit_code", code);
            }
            drop(span);
            append_tail(
                &mut output,
                &mut truncated,
                &out.output_tail,
                out.output_truncated,
            );
            if out.status != HookStatus::Succeeded {
                let mut message =
                    format!("{}: {}", script.location, out.message.unwrap_or_default());
                if out.status == HookStatus::TimedOut && capped {
                    message.push_str(&format!(
                        " (its timeout was cut to what was left of the event's {} s cap)",
                        cap.as_secs()
                    ));
                }
                return EventResult {
                    status: if out.status == HookStatus::TimedOut {
                        EventStatus::TimedOut
                    } else {
                        EventStatus::Failed
                    },
                    started_at: Some(started_at),
                    exit_code: out.exit_code,
                    error_code: out.error_code.map(str::to_string),
                    message: Some(message),
                    output,
                    truncated,
                };
            }
        }
        EventResult {
            status: EventStatus::Succeeded,
            started_at: Some(started_at),
            exit_code: Some(0),
            error_code: None,
            message: None,
            output,
            truncated,
        }
    }

    /// CodeDeploy's hook environment, plus Liftoff's own.
    fn hook_env(&self, event: LifecycleEvent) -> Vec<(String, String)> {
        let cmd = self.cmd;
        hook_environment(
            event,
            &HookContext {
                deployment_id: cmd.deployment_id,
                application: &cmd.application,
                deployment_group: &cmd.deployment_group,
                deployment_group_id: cmd.deployment_group_id,
                revision_id: cmd.revision_id,
            },
            self.agent.host_id(),
            &self.agent.config.install_root,
        )
    }

    /// Records the running script's process so that an agent restarted after a crash can stop
    /// it rather than leave it running unsupervised.
    fn journal_hook(&self, event: LifecycleEvent, pid: u32) {
        let Ok(pid) = i32::try_from(pid) else {
            return;
        };
        let Some(start_ticks) = process_start_ticks(pid) else {
            return;
        };
        let journal = Journal {
            command_id: self.cmd.command_id,
            deployment_id: self.cmd.deployment_id,
            event: Some(event.as_str().to_string()),
            hook: Some(RunningHook { pid, start_ticks }),
            unsent: self.unsent(),
        };
        if let Err(e) = self.agent.state.save_journal_volatile(&journal) {
            tracing::warn!(error = %e, "could not journal the running hook");
        }
    }
}

/// What a hook runs for: the deployment and the revision whose files it runs from.
pub(crate) struct HookContext<'a> {
    pub deployment_id: Uuid,
    pub application: &'a str,
    pub deployment_group: &'a str,
    pub deployment_group_id: Uuid,
    pub revision_id: Uuid,
}

/// CodeDeploy's hook environment (`LIFECYCLE_EVENT`, `DEPLOYMENT_ID`, `APPLICATION_NAME`,
/// `DEPLOYMENT_GROUP_NAME`, `DEPLOYMENT_GROUP_ID`), plus Liftoff's own. Every hook gets it,
/// in a deployment or at scale-in.
pub(crate) fn hook_environment(
    event: LifecycleEvent,
    ctx: &HookContext<'_>,
    host_id: Uuid,
    install_root: &Path,
) -> Vec<(String, String)> {
    let install_root = install_root.display().to_string();
    vec![
        ("LIFECYCLE_EVENT".into(), event.as_str().into()),
        ("DEPLOYMENT_ID".into(), ctx.deployment_id.to_string()),
        ("APPLICATION_NAME".into(), ctx.application.to_string()),
        (
            "DEPLOYMENT_GROUP_NAME".into(),
            ctx.deployment_group.to_string(),
        ),
        (
            "DEPLOYMENT_GROUP_ID".into(),
            ctx.deployment_group_id.to_string(),
        ),
        ("LIFTOFF_HOST_ID".into(), host_id.to_string()),
        ("LIFTOFF_REVISION_ID".into(), ctx.revision_id.to_string()),
        // Where `files` destinations were installed (`/` on a real host).
        ("LIFTOFF_INSTALL_ROOT".into(), install_root.clone()),
        // The same, under the name bundles written before `--install-root` existed use.
        ("LIFTOFF_ROOT".into(), install_root),
    ]
}

/// Appends one script's output to the event's, keeping the last [`TAIL_BYTES`].
fn append_tail(output: &mut String, truncated: &mut bool, tail: &str, tail_truncated: bool) {
    if !output.is_empty() && !tail.is_empty() {
        output.push('\n');
    }
    output.push_str(tail);
    *truncated |= tail_truncated;
    if output.len() > TAIL_BYTES {
        let mut cut = output.len() - TAIL_BYTES;
        while !output.is_char_boundary(cut) {
            cut += 1;
        }
        output.drain(..cut);
        *truncated = true;
    }
}

/// A process's start time in clock ticks since boot: with the pid, it names one process even
/// after the pid is reused.
pub fn process_start_ticks(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may contain anything.
    let after = &stat[stat.rfind(')')? + 1..];
    // state is field 3; starttime is field 22.
    after.split_whitespace().nth(19)?.parse().ok()
}

/// Checks run-as users, `(what runs, user or None for the agent's own)`: each exists, and none
/// is root when the host forbids root hooks. The first problem, said for `what`.
pub(crate) async fn check_runas_users(
    users: Vec<(String, Option<String>)>,
    no_root: bool,
) -> Result<(), String> {
    tokio::task::spawn_blocking(move || {
        for (what, user) in users {
            let uid = match &user {
                None => geteuid(),
                Some(name) => match User::from_name(name) {
                    Ok(Some(u)) => u.uid,
                    Ok(None) => {
                        return Err(format!(
                            "{what}: runas user {name:?} does not exist on this host"
                        ));
                    }
                    Err(e) => return Err(format!("{what}: looking up user {name:?}: {e}")),
                },
            };
            if no_root && uid == Uid::from_raw(0) {
                return Err(format!(
                    "{what}: would run as root, and this host does not allow hooks to run as root (set runas, or start the agent with --hook-user)"
                ));
            }
        }
        Ok(())
    })
    .await
    .map_err(|e| format!("checking runas users: {e}"))?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn event_output_keeps_the_last_bytes_of_all_scripts() {
        let (mut out, mut truncated) = (String::new(), false);
        append_tail(&mut out, &mut truncated, "first", false);
        append_tail(&mut out, &mut truncated, "second", false);
        assert_eq!((out.as_str(), truncated), ("first\nsecond", false));
        let big = "é".repeat(TAIL_BYTES);
        append_tail(&mut out, &mut truncated, &big, false);
        assert!(out.len() <= TAIL_BYTES && truncated);
        assert!(out.chars().all(|c| c == 'é'));
    }

    #[test]
    fn start_ticks_name_this_very_process() {
        let me = std::process::id() as i32;
        let a = process_start_ticks(me).expect("own start time");
        assert_eq!(process_start_ticks(me), Some(a));
        assert_eq!(process_start_ticks(i32::MAX), None);
    }
}
