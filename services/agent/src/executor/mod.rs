//! Runs one `Deploy` command: the in-place lifecycle, event by event, reporting each.
//! ApplicationStop runs from the last revision that succeeded in the group (its failure can be
//! ignored by host policy); DownloadBundle verifies the SHA-256 before a byte is unpacked into a
//! fresh directory; Install copies the appspec's files under the install root; the hooks run with
//! CodeDeploy's environment.
//!
//! When the agent is asked to stop, the event in progress finishes (a hook gets the stop grace
//! period, then its process group is terminated), it is reported, and the command fails with
//! `AGENT_STOPPED` instead of starting the next event.

mod bundle;
mod scripts;

pub(crate) use scripts::{HookContext, check_runas_users, hook_environment};

pub use scripts::{TAIL_BYTES, TRACEPARENT_ENV, process_start_ticks};

use std::future::Future;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use liftoff_bundle::{AppSpec, LifecycleEvent};
use liftoff_client::ClientError;
use liftoff_types::history::{HOOK_LOG_BATCH_MAX, HOOK_LOG_CAP_BYTES, HookLogBatch, HookLogEntry};
use liftoff_types::scheduler::{
    AgentCommand, EventReport, EventReportBatch, EventStatus, MAX_EVENT_BATCH,
};
use tokio::sync::watch;
use tracing::Instrument as _;

use crate::Agent;
use crate::hook::error_code::AGENT_STOPPED;
use crate::state::{Journal, LastSuccess};

/// Why a command failed: a stable code and a message for people.
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The outcome of one lifecycle event before it is reported.
struct EventResult {
    status: EventStatus,
    started_at: Option<DateTime<Utc>>,
    exit_code: Option<i32>,
    error_code: Option<String>,
    message: Option<String>,
    output: String,
    truncated: bool,
}

impl EventResult {
    fn ok(message: Option<String>) -> Self {
        Self {
            status: EventStatus::Succeeded,
            started_at: None,
            exit_code: None,
            error_code: None,
            message,
            output: String::new(),
            truncated: false,
        }
    }
    fn skipped(message: &str) -> Self {
        Self {
            status: EventStatus::Skipped,
            message: Some(message.into()),
            ..Self::ok(None)
        }
    }
    fn failed(code: &str, message: impl Into<String>) -> Self {
        Self {
            status: EventStatus::Failed,
            error_code: Some(code.into()),
            message: Some(message.into()),
            ..Self::ok(None)
        }
    }
    fn is_failure(&self) -> bool {
        matches!(self.status, EventStatus::Failed | EventStatus::TimedOut)
    }
}

/// Per-command paths: `deployments/<deployment>/<command>/{bundle,archive,logs}`.
pub(crate) struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    fn bundle(&self) -> PathBuf {
        self.dir.join("bundle")
    }
    fn archive(&self) -> PathBuf {
        self.dir.join("archive")
    }
    fn logs(&self) -> PathBuf {
        self.dir.join("logs")
    }
    fn manifest(&self) -> PathBuf {
        self.dir.join("install-manifest.json")
    }
}

/// One command being run: what every step needs.
struct Run<'a> {
    agent: &'a Agent,
    cmd: &'a AgentCommand,
    ws: Workspace,
    stop: watch::Receiver<bool>,
    /// Final reports of events that succeeded, sent with the next report (the start of the
    /// next event, or before completion): one call and one server transaction instead of two.
    pending: std::sync::Mutex<Vec<EventReport>>,
    /// Events whose log file is written and not yet sent to history: they go with the next
    /// report, in one upload (see [`Self::ship_logs`]).
    logs: std::sync::Mutex<Vec<LifecycleEvent>>,
}

impl Run<'_> {
    /// One lifecycle event's span, inside the command's: the event, deployment, host and zone
    /// as attributes, its outcome recorded when it is reported.
    fn event_span(&self, event: LifecycleEvent) -> tracing::Span {
        tracing::info_span!(
            "agent.lifecycle_event",
            event = event.as_str(),
            deployment_id = %self.cmd.deployment_id,
            host_id = %self.agent.host_id(),
            zone = %self.agent.config.zone,
            status = tracing::field::Empty,
            error_code = tracing::field::Empty,
        )
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Resolves once the stop grace period has passed after the agent was asked to stop.
    fn stop_deadline(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut stop = self.stop.clone();
        let grace = self.agent.config.stop_grace;
        async move {
            if stop.wait_for(|s| *s).await.is_err() {
                // Nobody can ask any more.
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(grace).await;
        }
    }

    /// Fails the command before `next` starts if the agent is stopping.
    fn check_stop(&self, next: LifecycleEvent) -> Result<(), Failure> {
        if self.stopping() {
            return Err(Failure::new(
                AGENT_STOPPED,
                format!(
                    "the agent was stopped before {next}; it and the later events were not run"
                ),
            ));
        }
        Ok(())
    }

    async fn journal(&self, event: Option<LifecycleEvent>) -> Result<(), Failure> {
        let journal = Journal {
            command_id: self.cmd.command_id,
            deployment_id: self.cmd.deployment_id,
            event: event.map(|e| e.as_str().to_string()),
            hook: None,
            unsent: self.unsent(),
        };
        self.agent
            .state
            .write(move |s| s.save_journal(&journal))
            .await
            .map_err(|e| Failure::new("AGENT_STATE", e.to_string()))
    }

    fn unsent(&self) -> Vec<EventReport> {
        self.pending.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Sends the pending reports and then `next`, if any, in order: in one call when there
    /// are several (the server applies a batch in one transaction).
    async fn flush_with(&self, next: Option<EventReport>) -> Result<(), Failure> {
        let mut reports = match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(_) => Vec::new(),
        };
        reports.extend(next);
        self.ship_logs();
        send_reports(self.agent, self.cmd, reports).await
    }

    /// Sends the logs of the events that ended since the last report to history, in the
    /// background and in one request where they fit (see [`upload_logs`]).
    fn ship_logs(&self) {
        let events = match self.logs.lock() {
            Ok(mut l) => std::mem::take(&mut *l),
            Err(_) => Vec::new(),
        };
        if !events.is_empty() {
            upload_logs(self.agent, self.cmd, &self.ws.logs(), events);
        }
    }

    /// Reports one event (retrying); a failed event fails the command. A success is sent
    /// with the next report.
    async fn report(&self, event: LifecycleEvent, r: EventResult) -> Result<(), Failure> {
        let failure = r.is_failure().then(|| {
            Failure::new(
                r.error_code.as_deref().unwrap_or("EVENT_FAILED"),
                format!(
                    "{}: {}",
                    event.as_str(),
                    r.message.clone().unwrap_or_default()
                ),
            )
        });
        if self
            .ws
            .logs()
            .join(format!("{}.log", event.as_str()))
            .exists()
            && let Ok(mut l) = self.logs.lock()
        {
            l.push(event);
        }
        if failure.is_some() {
            self.send(event, r).await?;
        } else {
            let report = self.report_of(event, r);
            if let Ok(mut p) = self.pending.lock() {
                p.push(report);
            }
        }
        // The event is over: a crash from here on is not "during" it.
        self.journal(None).await?;
        failure.map_or(Ok(()), Err)
    }

    /// Sends the pending reports and this one now.
    async fn send(&self, event: LifecycleEvent, r: EventResult) -> Result<(), Failure> {
        let report = self.report_of(event, r);
        self.flush_with(Some(report)).await
    }

    fn report_of(&self, event: LifecycleEvent, r: EventResult) -> EventReport {
        let now = Utc::now();
        let span = tracing::Span::current();
        span.record("status", r.status.as_str());
        if let Some(code) = &r.error_code {
            span.record("error_code", code.as_str());
        }
        if r.status != EventStatus::Skipped
            && let Some(started) = r.started_at
        {
            let secs = (now - started).num_milliseconds().max(0) as f64 / 1000.0;
            metrics::histogram!("liftoff_agent_hook_duration_seconds", "event" => event.as_str(), "status" => r.status.as_str())
                .record(secs);
        }
        EventReport {
            event: event.as_str().into(),
            status: r.status,
            exit_code: r.exit_code,
            error_code: r.error_code,
            message: r.message.as_deref().map(clean_message),
            started_at: r.started_at.unwrap_or(now).min(now),
            ended_at: Some(now),
            output_tail: r.output,
            output_truncated: r.truncated,
        }
    }

    /// Journals the event (so a crash is reported, not re-run); answers when it began and the
    /// report that tells the server so, to be sent with the pending ones if the event is still
    /// running after [`crate::AgentConfig::event_report_delay`] (see [`Self::announced`]).
    async fn begin(&self, event: LifecycleEvent) -> Result<(DateTime<Utc>, EventReport), Failure> {
        self.journal(Some(event)).await?;
        let at = Utc::now();
        let report = EventReport {
            event: event.as_str().into(),
            status: EventStatus::InProgress,
            exit_code: None,
            error_code: None,
            message: None,
            started_at: at,
            ended_at: None,
            output_tail: String::new(),
            output_truncated: false,
        };
        Ok((at, report))
    }

    /// Runs `work` (an event's scripts) and, if it is still running after the report delay,
    /// sends `start` (with the pending reports) alongside it. An event that ends sooner is
    /// reported only when it ends: the pending reports wait for the next send, which is never
    /// later than the command's end (and a crash finds them in the journal). A start already
    /// on its way is awaited, so the end never overtakes it.
    async fn announced<T>(
        &self,
        start: EventReport,
        work: impl Future<Output = T>,
    ) -> (Result<(), Failure>, T) {
        let mut work = std::pin::pin!(work);
        tokio::select! {
            biased;
            done = &mut work => return (Ok(()), done),
            _ = tokio::time::sleep(self.agent.config.event_report_delay) => {}
        }
        tokio::join!(self.flush_with(Some(start)), work)
    }
}

pub async fn run_deploy(
    agent: &Agent,
    cmd: &AgentCommand,
    stop: watch::Receiver<bool>,
) -> (Result<(), Failure>, Vec<EventReport>) {
    let ws = Workspace {
        dir: agent
            .state
            .deployments()
            .join(cmd.deployment_id.to_string())
            .join(cmd.command_id.to_string()),
    };
    if let Err(e) = std::fs::create_dir_all(ws.logs()) {
        let failure = Failure::new("AGENT_IO", format!("{}: {e}", ws.logs().display()));
        return (Err(failure), Vec::new());
    }
    let run = Run {
        agent,
        cmd,
        ws,
        stop,
        pending: std::sync::Mutex::new(Vec::new()),
        logs: std::sync::Mutex::new(Vec::new()),
    };
    let outcome = steps(&run).await;
    (outcome, run.for_completion().await)
}

impl Run<'_> {
    /// The reports not sent yet, to go with the completion (one call, one transaction), with
    /// the logs they owe. Reports too many or too large for one call are sent now instead.
    async fn for_completion(&self) -> Vec<EventReport> {
        self.ship_logs();
        let reports = match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(_) => Vec::new(),
        };
        let fits = reports.len() <= MAX_EVENT_BATCH
            && serde_json::to_vec(&reports).map_or(usize::MAX, |b| b.len()) <= BATCH_BYTES;
        if fits {
            return reports;
        }
        if let Err(e) = send_reports(self.agent, self.cmd, reports).await {
            tracing::warn!(command_id = %self.cmd.command_id, error = %e.message, "could not report the command's last events");
        }
        Vec::new()
    }
}

async fn steps(run: &Run<'_>) -> Result<(), Failure> {
    let (agent, cmd) = (run.agent, run.cmd);
    let previous = agent
        .state
        .last_success(cmd.deployment_group_id)
        .map_err(|e| Failure::new("AGENT_STATE", e.to_string()))?;

    // BeforeBlockTraffic, AfterBlockTraffic (when the group's traffic is managed by the
    // bundle's hooks) and ApplicationStop, from the last revision that succeeded here (if its
    // files still exist).
    let prev_spec = previous.as_ref().and_then(|p| {
        load_spec(&p.archive_dir)
            .ok()
            .map(|s| (s, p.archive_dir.clone()))
    });
    let block_traffic = if cmd.traffic_hooks {
        LifecycleEvent::block_traffic()
    } else {
        &[]
    };
    for event in block_traffic
        .iter()
        .copied()
        .chain([LifecycleEvent::ApplicationStop])
    {
        run.check_stop(event)?;
        async {
            let result = match (&previous, &prev_spec) {
                (_, Some((spec, dir))) => run.scripts(event, spec, dir).await,
                (None, None) => EventResult::skipped("no earlier revision on this host"),
                (Some(_), None) => EventResult::skipped(
                    "the last successful revision's bundle is no longer on this host",
                ),
            };
            application_stop(run, event, result).await
        }
        .instrument(run.event_span(event))
        .await?;
    }

    // DownloadBundle: fetch, verify, unpack into a fresh directory, check the appspec.
    run.check_stop(LifecycleEvent::DownloadBundle)?;
    async {
        run.journal(Some(LifecycleEvent::DownloadBundle)).await?;
        let result = run.download_and_unpack().await;
        run.report(LifecycleEvent::DownloadBundle, result).await
    }
    .instrument(run.event_span(LifecycleEvent::DownloadBundle))
    .await?;
    let spec = load_spec(&run.ws.archive()).map_err(|e| Failure::new("APPSPEC_INVALID", e))?;

    for event in LifecycleEvent::in_place_order().iter().copied() {
        if matches!(
            event,
            LifecycleEvent::ApplicationStop | LifecycleEvent::DownloadBundle
        ) {
            continue;
        }
        run.check_stop(event)?;
        async {
            let result = if event == LifecycleEvent::Install {
                run.journal(Some(event)).await?;
                run.install(&spec, previous.as_ref()).await
            } else {
                run.scripts(event, &spec, &run.ws.archive()).await
            };
            run.report(event, result).await
        }
        .instrument(run.event_span(event))
        .await?;
    }
    // BeforeAllowTraffic, AfterAllowTraffic: the new revision is validated; let traffic in.
    if cmd.traffic_hooks {
        for event in LifecycleEvent::allow_traffic().iter().copied() {
            run.check_stop(event)?;
            async {
                let result = run.scripts(event, &spec, &run.ws.archive()).await;
                run.report(event, result).await
            }
            .instrument(run.event_span(event))
            .await?;
        }
    }

    // The reports still pending go with the completion (see `Run::for_completion`).
    let success = LastSuccess {
        deployment_id: cmd.deployment_id,
        revision_id: cmd.revision_id,
        application: Some(cmd.application.clone()),
        deployment_group: Some(cmd.deployment_group.clone()),
        archive_dir: run.ws.archive(),
        manifest: read_manifest(&run.ws),
    };
    let group = cmd.deployment_group_id;
    agent
        .state
        .write(move |s| s.save_last_success(group, &success))
        .await
        .map_err(|e| Failure::new("AGENT_STATE", e.to_string()))?;
    Ok(())
}

/// Reports ApplicationStop (or BeforeBlockTraffic, AfterBlockTraffic, which CodeDeploy treats
/// alike). Its failure fails the deployment unless the host ignores ApplicationStop failures
/// (CodeDeploy's `ignoreApplicationStopFailures`): then it is reported as failed, saying it was
/// ignored, and the deployment goes on.
async fn application_stop(
    run: &Run<'_>,
    event: LifecycleEvent,
    mut result: EventResult,
) -> Result<(), Failure> {
    // Only the scripts' own failures; never the agent stopping or the command being cancelled.
    let script_failure = result
        .error_code
        .as_deref()
        .is_some_and(|c| c.starts_with("SCRIPT_") || c == crate::hook::error_code::RUNAS_INVALID);
    let ignore =
        run.agent.config.ignore_application_stop_failures && result.is_failure() && script_failure;
    if !ignore {
        return run.report(event, result).await;
    }
    let why = result.message.take().unwrap_or_default();
    result.message = Some(format!(
        "{why} (ignored: this host ignores ApplicationStop failures)"
    ));
    tracing::warn!(command_id = %run.cmd.command_id, %event, "failed; ignored by host policy");
    run.send(event, result).await?;
    run.journal(None).await
}

/// Most bytes of a reported message (the server takes 4096).
const MESSAGE_BYTES: usize = 4000;

/// A message the server accepts: control and bidi-override characters (which may come from file
/// names inside a bundle) replaced, cut at a character boundary.
pub(crate) fn clean_message(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MESSAGE_BYTES));
    for c in s.chars() {
        let bad = (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
        let c = if bad { '\u{fffd}' } else { c };
        if out.len() + c.len_utf8() > MESSAGE_BYTES {
            break;
        }
        out.push(c);
    }
    out
}

fn load_spec(archive: &Path) -> Result<AppSpec, String> {
    let path = liftoff_bundle::appspec::find_appspec(archive)
        .ok_or_else(|| "no appspec.yml in the bundle".to_string())?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    AppSpec::parse(&text).map_err(|e| e.to_string())
}

fn read_manifest(ws: &Workspace) -> Vec<PathBuf> {
    std::fs::read(ws.manifest())
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Largest batch of reports sent in one call, serialized (the server takes twice this).
const BATCH_BYTES: usize = 512 * 1024;

/// Sends reports in order, retrying transport errors: one call for one, a batch for several
/// (one at a time when large output tails would make the batch too big). The server refusing
/// them (the command was cancelled or timed out meanwhile) stops the command.
pub(crate) async fn send_reports(
    agent: &Agent,
    cmd: &AgentCommand,
    reports: Vec<EventReport>,
) -> Result<(), Failure> {
    // In order, in batches of at most MAX_EVENT_BATCH reports and BATCH_BYTES.
    let mut batches: Vec<Vec<EventReport>> = Vec::new();
    let mut size = 0;
    for report in reports {
        let bytes = serde_json::to_vec(&report).map_or(BATCH_BYTES, |b| b.len());
        let fits = batches
            .last()
            .is_some_and(|b| b.len() < MAX_EVENT_BATCH && size + bytes <= BATCH_BYTES);
        if !fits {
            batches.push(Vec::new());
            size = 0;
        }
        size += bytes;
        if let Some(b) = batches.last_mut() {
            b.push(report);
        }
    }
    for mut reports in batches {
        if reports.len() == 1
            && let Some(report) = reports.pop()
        {
            answer(
                crate::retrying("report", agent.config.report_budget, || {
                    agent
                        .scheduler()
                        .report_event(agent.host_id(), cmd.command_id, &report)
                })
                .await,
            )?;
            continue;
        }
        let batch = EventReportBatch { reports };
        answer(
            crate::retrying("report", agent.config.report_budget, || {
                agent
                    .scheduler()
                    .report_events(agent.host_id(), cmd.command_id, &batch)
            })
            .await,
        )?;
    }
    Ok(())
}

fn answer<T>(sent: Result<T, ClientError>) -> Result<(), Failure> {
    match sent {
        Ok(_) => Ok(()),
        Err(ClientError::Api { status: 409, body }) => {
            Err(Failure::new("COMMAND_CANCELLED", body.error.message))
        }
        Err(e) => Err(Failure::new("REPORT_FAILED", e.to_string())),
    }
}

/// Sends the whole hook output (capped) of `events` to history in the background, retrying
/// for a few minutes; the tail in each report stands if a log never arrives. Logs go in
/// batches whose outputs together fit the cap (most hooks print little: one request per
/// command), a larger one alone.
fn upload_logs(agent: &Agent, cmd: &AgentCommand, logs: &Path, events: Vec<LifecycleEvent>) {
    let client = agent.history.clone();
    let (host, command, deployment, revision, grant) = (
        agent.host_id(),
        cmd.command_id,
        cmd.deployment_id,
        cmd.revision_id,
        cmd.log_grant.clone(),
    );
    let dir = logs.to_path_buf();
    // A child of the current span (an event's, or the command's), ending when the logs are in
    // history.
    let span = tracing::info_span!(
        "agent.hook_log_upload",
        events = events.len(),
        deployment_id = %deployment,
        host_id = %host,
        command_id = %command,
    );
    tokio::spawn(
        async move {
            let mut batches: Vec<Vec<HookLogEntry>> = Vec::new();
            let mut size = 0;
            for event in events {
                let path = dir.join(format!("{}.log", event.as_str()));
                let bytes = match tokio::fs::read(&path).await {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::warn!(%command, event = event.as_str(), error = %e, "hook log not readable; the report's tail stands");
                        continue;
                    }
                };
                let (output, truncated) = liftoff_client::hook_log_excerpt(&bytes);
                let entry = HookLogEntry {
                    event: event.as_str().to_string(),
                    truncated,
                    original_bytes: bytes.len() as u64,
                    output,
                };
                let fits = batches.last().is_some_and(|b| {
                    b.len() < HOOK_LOG_BATCH_MAX && size + entry.output.len() <= HOOK_LOG_CAP_BYTES
                });
                if !fits {
                    batches.push(Vec::new());
                    size = 0;
                }
                size += entry.output.len();
                if let Some(b) = batches.last_mut() {
                    b.push(entry);
                }
            }
            for logs in batches {
                let batch = HookLogBatch {
                    deployment_id: deployment,
                    revision_id: revision,
                    upload_grant: grant.clone(),
                    logs,
                };
                if let Err(e) =
                    crate::retrying("upload logs", std::time::Duration::from_secs(600), || {
                        client.upload_hook_logs(host, command, &batch)
                    })
                    .await
                {
                    tracing::warn!(%command, events = batch.logs.len(), error = %e, "hook logs not uploaded; the reports' tails stand");
                }
            }
        }
        .instrument(span),
    );
}

#[cfg(test)]
mod tests {
    use super::clean_message;

    #[test]
    fn messages_lose_control_characters_and_stay_under_the_servers_limit() {
        assert_eq!(
            clean_message("a\tb\nc\u{1b}[31m\u{202e}d"),
            "a\tb\nc\u{fffd}[31m\u{fffd}d"
        );
        let long = "ü".repeat(5000);
        let cut = clean_message(&long);
        assert!(cut.len() <= 4000 && cut.chars().all(|c| c == 'ü'));
    }
}
