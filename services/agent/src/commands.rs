//! One command's life on the host, and what makes it crash-safe and idempotent:
//!
//! 1. A command already in the ledger of finished commands is a duplicate delivery: it is not
//!    acknowledged or run again (its completion is re-sent if the server never confirmed it).
//! 2. The journal is written before the acknowledgement, so a crash at any later instant is
//!    found at restart; the server's answer to the acknowledgement decides whether to run it.
//! 3. The outcome goes into the ledger before the journal is cleared, then the completion is
//!    sent, and sent again until the server confirms it.
//! 4. At restart, a journal left behind means the agent died during the command: its event is
//!    reported `FAILED_AFTER_RESTART` at once, a hook it left running is stopped, and nothing is
//!    run again.
//! 5. An acknowledgement whose answer never came (the control plane unreachable past the retry
//!    budget) clears the journal: nothing ran. The server may have taken it (the command is
//!    `InProgress`); it offers such commands again to the host's polls, and acknowledging again
//!    answers the same decision, so the command runs then, once.

use std::time::Duration;

use chrono::Utc;
use liftoff_client::ClientError;
use liftoff_types::scheduler::{
    AgentCommand, AgentCommandKind, CommandStatus, CompleteCommand, EventReport, EventReportBatch,
    EventStatus,
};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::sync::watch;
use tracing::Instrument as _;

use crate::executor::{self, clean_message};
use crate::state::{Finished, Journal, RunningHook};
use crate::{Agent, retrying};

pub const FAILED_AFTER_RESTART: &str = "FAILED_AFTER_RESTART";

impl Agent {
    /// Acknowledge, journal, run, record, complete. False for a command this host had
    /// already finished (a duplicate delivery, or one whose completion is still unconfirmed).
    pub(crate) async fn handle(
        &self,
        cmd: AgentCommand,
        stop: watch::Receiver<bool>,
    ) -> anyhow::Result<bool> {
        if let Some(done) = self.state.finished(cmd.command_id)? {
            tracing::info!(command_id = %cmd.command_id, status = ?done.status, "duplicate delivery of a command this host already finished; not running it again");
            return Ok(false);
        }
        let span = self.command_span(&cmd);
        self.run_command(cmd, stop).instrument(span).await
    }

    /// The command's span: a child of the scheduler's dispatch (the context the command
    /// carries), so the acknowledgement, every event and script, the hook-log uploads and the
    /// completion join the deployment's trace; its `trace_id` field puts the trace id on
    /// every log line of the command.
    fn command_span(&self, cmd: &AgentCommand) -> tracing::Span {
        let span = tracing::info_span!(
            "agent.command",
            deployment_id = %cmd.deployment_id,
            host_id = %self.host_id(),
            zone = %self.config.zone,
            command_id = %cmd.command_id,
            attempt = cmd.attempt,
            trace_id = tracing::field::Empty,
        );
        liftoff_client::trace::continue_from(&span, cmd.traceparent.as_deref());
        let context = liftoff_client::trace::for_child_process(&span, cmd.traceparent.as_deref());
        if let Some(id) = context.as_deref().and_then(liftoff_client::trace::trace_id) {
            span.record("trace_id", tracing::field::display(id));
        }
        span
    }

    /// [`Self::handle`] of a command this host has not finished, in the command's span.
    async fn run_command(
        &self,
        cmd: AgentCommand,
        stop: watch::Receiver<bool>,
    ) -> anyhow::Result<bool> {
        let host = self.host_id();
        let journal = Journal {
            command_id: cmd.command_id,
            deployment_id: cmd.deployment_id,
            event: None,
            hook: None,
            unsent: Vec::new(),
        };
        self.state.write(move |s| s.save_journal(&journal)).await?;
        let ack = match retrying("ack", Duration::from_secs(60), || {
            self.scheduler().ack(host, cmd.command_id)
        })
        .await
        {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(command_id = %cmd.command_id, error = %e, "could not acknowledge; the server will offer it again");
                self.state.write(|s| s.clear_journal()).await?;
                return Ok(true);
            }
        };
        if !ack.proceed {
            tracing::info!(command_id = %cmd.command_id, status = ?ack.status, "command already finished or cancelled; skipping");
            let skipped = Finished {
                command_id: cmd.command_id,
                status: ack.status,
                error_code: None,
                message: None,
                finished_at: Utc::now(),
                reported: true,
                reports: Vec::new(),
            };
            self.state
                .write(move |s| s.record_finished(&skipped))
                .await?;
            self.state.write(|s| s.clear_journal()).await?;
            return Ok(true);
        }
        tracing::info!(command_id = %cmd.command_id, deployment_id = %cmd.deployment_id, "running command");
        let (outcome, reports) = match cmd.kind {
            AgentCommandKind::Deploy => executor::run_deploy(self, &cmd, stop).await,
            AgentCommandKind::Unsupported => {
                let unsupported = Err(executor::Failure::new(
                    "COMMAND_UNSUPPORTED",
                    format!(
                        "this agent (version {}) does not run this kind of command",
                        crate::VERSION,
                    ),
                ));
                (unsupported, Vec::new())
            }
        };
        let (status, error_code, message) = match outcome {
            Ok(()) => (CommandStatus::Succeeded, None, None),
            Err(f) => (
                CommandStatus::Failed,
                Some(f.code),
                Some(clean_message(&f.message)),
            ),
        };
        tracing::info!(command_id = %cmd.command_id, ?status, error_code, "command finished");
        metrics::counter!("liftoff_agent_commands_total", "status" => status.as_str()).increment(1);
        let finished = Finished {
            command_id: cmd.command_id,
            status,
            error_code,
            message,
            finished_at: Utc::now(),
            reported: false,
            reports,
        };
        self.state
            .write(move |s| s.record_finished(&finished))
            .await?;
        self.state.write(|s| s.clear_journal()).await?;
        match crate::releases::prune(
            &self.state,
            self.config.keep_releases,
            Some(cmd.deployment_id),
        ) {
            Ok(p) if !p.removed.is_empty() => {
                tracing::info!(removed = p.removed.len(), "pruned old releases")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not prune old releases"),
        }
        self.flush_completions().await?;
        Ok(true)
    }

    /// Sends every completion the server has not confirmed yet. One that cannot be delivered now
    /// stays in the ledger for the next round.
    pub(crate) async fn flush_completions(&self) -> anyhow::Result<()> {
        let host = self.host_id();
        for f in self.state.ledger()?.into_iter().filter(|f| !f.reported) {
            let done = CompleteCommand {
                status: f.status,
                error_code: f.error_code.clone(),
                message: f.message.clone(),
                reports: f.reports.clone(),
            };
            let mut sent = retrying("complete", Duration::from_secs(30), || {
                self.scheduler().complete(host, f.command_id, &done)
            })
            .await;
            if let Err(ClientError::Api { status: 400, .. }) = &sent
                && !done.reports.is_empty()
            {
                // A scheduler older than reports on completions refuses the field: send them
                // the older way, then the completion alone.
                sent = self.complete_the_older_way(f.command_id, done).await;
            }
            match sent {
                Ok(_) => {}
                Err(e) if crate::worth_retrying(&e) => {
                    tracing::warn!(command_id = %f.command_id, error = %e, "could not report completion yet; will retry");
                    return Ok(());
                }
                Err(ClientError::Api { status: 409, body })
                    if body.error.code == "not_acknowledged" =>
                {
                    // The acknowledgement never arrived, so nothing of it ran: when the server
                    // offers it again, it runs then.
                    tracing::info!(command_id = %f.command_id, "command was never acknowledged; forgetting it");
                    let id = f.command_id;
                    self.state.write(move |s| s.forget_finished(id)).await?;
                    continue;
                }
                Err(e) => {
                    // The server already has a final word (409), or will never take this one.
                    tracing::warn!(command_id = %f.command_id, error = %e, "completion not accepted");
                }
            }
            let done = Finished {
                reported: true,
                reports: Vec::new(),
                ..f
            };
            self.state.write(move |s| s.record_finished(&done)).await?;
        }
        Ok(())
    }

    /// Sends a completion's reports in batches of the size every scheduler takes (8), then
    /// the completion without them. A transport error leaves the whole completion (with its
    /// reports) in the ledger for the next round.
    async fn complete_the_older_way(
        &self,
        command: uuid::Uuid,
        mut done: CompleteCommand,
    ) -> Result<liftoff_types::scheduler::CommandState, ClientError> {
        let host = self.host_id();
        for chunk in std::mem::take(&mut done.reports).chunks(8) {
            let batch = EventReportBatch {
                reports: chunk.to_vec(),
            };
            match retrying("report", Duration::from_secs(30), || {
                self.scheduler().report_events(host, command, &batch)
            })
            .await
            {
                Ok(_) => {}
                Err(e) if crate::worth_retrying(&e) => return Err(e),
                // Refused (a report the server will never take): the completion still goes.
                Err(e) => {
                    tracing::warn!(%command, error = %e, "event reports not accepted")
                }
            }
        }
        retrying("complete", Duration::from_secs(30), || {
            self.scheduler().complete(host, command, &done)
        })
        .await
    }

    /// After a crash mid-command: report it failed at once instead of running it again.
    pub(crate) async fn recover(&self) -> anyhow::Result<()> {
        let Some(j) = self.state.journal()? else {
            return self.flush_completions().await;
        };
        let orphan = match j.hook {
            Some(h) => stop_orphaned_hook(h).await,
            None => None,
        };
        tracing::warn!(command_id = %j.command_id, event = ?j.event, "agent restarted during a command; reporting it failed, not running it again");
        metrics::counter!("liftoff_agent_journal_recoveries_total").increment(1);
        let mut message = match &j.event {
            Some(e) => format!("the agent restarted while {e} ran; it was not run again"),
            None => "the agent restarted during this command; it was not run again".to_string(),
        };
        if let Some(o) = orphan {
            message.push_str("; ");
            message.push_str(&o);
        }
        // Reports of events that finished before the restart, not known to have been sent.
        for report in &j.unsent {
            if let Err(e) = retrying("report", Duration::from_secs(30), || {
                self.scheduler()
                    .report_event(self.host_id(), j.command_id, report)
            })
            .await
            {
                tracing::warn!(command_id = %j.command_id, error = %e, "could not report an event that finished before the restart");
            }
        }
        if let Some(event) = &j.event {
            let now = Utc::now();
            let report = EventReport {
                event: event.clone(),
                status: EventStatus::Failed,
                exit_code: None,
                error_code: Some(FAILED_AFTER_RESTART.into()),
                message: Some(message.clone()),
                started_at: now,
                ended_at: Some(now),
                output_tail: String::new(),
                output_truncated: false,
            };
            if let Err(e) = retrying("report", Duration::from_secs(30), || {
                self.scheduler()
                    .report_event(self.host_id(), j.command_id, &report)
            })
            .await
            {
                tracing::warn!(command_id = %j.command_id, error = %e, "could not report the interrupted event");
            }
        }
        let failed = Finished {
            command_id: j.command_id,
            status: CommandStatus::Failed,
            error_code: Some(FAILED_AFTER_RESTART.into()),
            message: Some(message),
            finished_at: Utc::now(),
            reported: false,
            reports: Vec::new(),
        };
        self.state
            .write(move |s| s.record_finished(&failed))
            .await?;
        self.state.write(|s| s.clear_journal()).await?;
        self.flush_completions().await
    }
}

/// A hook the crashed agent left running is stopped (SIGTERM to its group, SIGKILL after 5 s):
/// nobody supervises it any more, and its deployment is over. Only the very process the journal
/// names is touched, never a later one that reuses its pid.
async fn stop_orphaned_hook(hook: RunningHook) -> Option<String> {
    let alive = |h: &RunningHook| {
        executor::process_start_ticks(h.pid) == Some(h.start_ticks) && !is_zombie(h.pid)
    };
    if !alive(&hook) {
        return None;
    }
    let group = Pid::from_raw(hook.pid);
    let _ = killpg(group, Signal::SIGTERM);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while alive(&hook) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let how = if alive(&hook) {
        let _ = killpg(group, Signal::SIGKILL);
        "SIGKILL"
    } else {
        "SIGTERM"
    };
    tracing::warn!(
        pid = hook.pid,
        how,
        "stopped the hook the previous agent process left running"
    );
    Some(format!(
        "the hook it left running (process group {}) was stopped with {how}",
        hook.pid
    ))
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let after = &s[s.rfind(')')? + 1..];
            after
                .split_whitespace()
                .next()
                .map(|st| st == "Z" || st == "X")
        })
        .unwrap_or(true)
}
