//! Runs one `Deploy` command: the in-place lifecycle, event by event, reporting each.
//! ApplicationStop runs from the last revision that succeeded in the group; DownloadBundle
//! verifies the SHA-256 before a byte is unpacked into a fresh directory; Install copies the
//! appspec's files; the hooks run with CodeDeploy's environment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use liftoff_bundle::{AppSpec, AppSpecOs, LifecycleEvent, UnpackLimits};
use liftoff_client::{ClientError, DeploymentApiClient};
use liftoff_types::scheduler::{AgentCommand, EventReport, EventStatus};

use crate::Agent;
use crate::hook::{HookInvocation, HookStatus, run_hook};
use crate::state::{Journal, LastSuccess};

/// Why a command failed: a stable code and a message for people.
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

impl Failure {
    fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

const TAIL_BYTES: usize = 64 * 1024;

/// The outcome of one lifecycle event before it is reported.
struct EventResult {
    status: EventStatus,
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
            exit_code: None,
            error_code: None,
            message: Some(message.into()),
            output: String::new(),
            truncated: false,
        }
    }
    fn failed(code: &str, message: impl Into<String>) -> Self {
        Self {
            status: EventStatus::Failed,
            exit_code: None,
            error_code: Some(code.into()),
            message: Some(message.into()),
            output: String::new(),
            truncated: false,
        }
    }
}

/// Per-command paths: `deployments/<deployment>/<command>/{bundle,archive,logs}`.
struct Workspace {
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
}

pub async fn run_deploy(agent: &Agent, cmd: &AgentCommand) -> Result<(), Failure> {
    let ws = Workspace {
        dir: agent
            .state
            .deployments()
            .join(cmd.deployment_id.to_string())
            .join(cmd.command_id.to_string()),
    };
    std::fs::create_dir_all(ws.logs())
        .map_err(|e| Failure::new("AGENT_IO", format!("{}: {e}", ws.logs().display())))?;
    let previous = agent
        .state
        .last_success(cmd.deployment_group_id)
        .map_err(|e| Failure::new("AGENT_STATE", e.to_string()))?;

    // ApplicationStop, from the last revision that succeeded here (if its files still exist).
    let prev_spec = previous.as_ref().and_then(|p| {
        load_spec(&p.archive_dir)
            .ok()
            .map(|s| (s, p.archive_dir.clone()))
    });
    let result = match &prev_spec {
        Some((spec, dir)) => {
            run_scripts(agent, cmd, &ws, LifecycleEvent::ApplicationStop, spec, dir).await
        }
        None => EventResult::skipped("no earlier revision on this host"),
    };
    report(agent, cmd, LifecycleEvent::ApplicationStop, result).await?;

    // DownloadBundle: fetch, verify, unpack into a fresh directory.
    let result = download_and_unpack(agent, cmd, &ws).await;
    report(agent, cmd, LifecycleEvent::DownloadBundle, result).await?;
    let spec = load_spec(&ws.archive()).map_err(|e| Failure::new("APPSPEC_INVALID", e))?;

    for event in LifecycleEvent::in_place_order().iter().copied() {
        let result = match event {
            LifecycleEvent::ApplicationStop | LifecycleEvent::DownloadBundle => continue,
            LifecycleEvent::Install => install(agent, &spec, &ws, previous.as_ref()).await,
            e => run_scripts(agent, cmd, &ws, e, &spec, &ws.archive()).await,
        };
        report(agent, cmd, event, result).await?;
    }

    let manifest = read_manifest(&ws);
    agent
        .state
        .save_last_success(
            cmd.deployment_group_id,
            &LastSuccess {
                deployment_id: cmd.deployment_id,
                revision_id: cmd.revision_id,
                archive_dir: ws.archive(),
                manifest,
            },
        )
        .map_err(|e| Failure::new("AGENT_STATE", e.to_string()))?;
    prune(agent, cmd);
    Ok(())
}

fn load_spec(archive: &Path) -> Result<AppSpec, String> {
    let path = liftoff_bundle::appspec::find_appspec(archive)
        .ok_or_else(|| "no appspec.yml in the bundle".to_string())?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    AppSpec::parse(&text).map_err(|e| e.to_string())
}

/// Reports one event (retrying); a failed event fails the command. The server refusing a
/// report (the command was cancelled or timed out) also stops the command.
async fn report(
    agent: &Agent,
    cmd: &AgentCommand,
    event: LifecycleEvent,
    r: EventResult,
) -> Result<(), Failure> {
    let now = Utc::now();
    let report = EventReport {
        event: event.as_str().into(),
        status: r.status,
        exit_code: r.exit_code,
        error_code: r.error_code.clone(),
        message: r.message.clone(),
        started_at: now,
        ended_at: Some(now),
        output_tail: r.output,
        output_truncated: r.truncated,
    };
    send_report(agent, cmd, report).await?;
    upload_log(agent, cmd, event);
    match r.status {
        EventStatus::Failed | EventStatus::TimedOut => Err(Failure::new(
            r.error_code.as_deref().unwrap_or("EVENT_FAILED"),
            format!("{}: {}", event.as_str(), r.message.unwrap_or_default()),
        )),
        _ => Ok(()),
    }
}

/// Sends the event's whole hook output (capped) to history in the background, retrying for a
/// few minutes; the tail in the report stands if it never arrives. Events that ran no script
/// have no log file and upload nothing.
fn upload_log(agent: &Agent, cmd: &AgentCommand, event: LifecycleEvent) {
    let path = agent
        .state
        .deployments()
        .join(cmd.deployment_id.to_string())
        .join(cmd.command_id.to_string())
        .join("logs")
        .join(format!("{}.log", event.as_str()));
    let client = match liftoff_client::Client::with_timeouts(
        &agent.config.server,
        Some(agent.identity.credential.clone()),
        Duration::from_secs(5),
        Duration::from_secs(60),
    ) {
        Ok(c) => liftoff_client::HistoryClient::new(c),
        Err(e) => return tracing::warn!(error = %e, "cannot upload hook log"),
    };
    let (host, command, deployment, revision) = (
        agent.host_id(),
        cmd.command_id,
        cmd.deployment_id,
        cmd.revision_id,
    );
    tokio::spawn(async move {
        let name = event.as_str();
        if let Err(e) = crate::retrying("upload log", Duration::from_secs(600), || {
            client.upload_hook_log_file(host, command, name, deployment, revision, &path)
        })
        .await
        {
            tracing::warn!(%command, event = name, error = %e, "hook log not uploaded; the report's tail stands");
        }
    });
}

async fn send_report(
    agent: &Agent,
    cmd: &AgentCommand,
    report: EventReport,
) -> Result<(), Failure> {
    match crate::retrying("report", Duration::from_secs(300), || {
        agent
            .scheduler()
            .report_event(agent.host_id(), cmd.command_id, &report)
    })
    .await
    {
        Ok(_) => Ok(()),
        Err(ClientError::Api { status: 409, body }) => {
            Err(Failure::new("COMMAND_CANCELLED", body.error.message))
        }
        Err(e) => Err(Failure::new("REPORT_FAILED", e.to_string())),
    }
}

/// Tells the server an event started, and journals it so a crash is reported, not re-run.
async fn started(
    agent: &Agent,
    cmd: &AgentCommand,
    event: LifecycleEvent,
) -> Result<chrono::DateTime<Utc>, Failure> {
    agent
        .state
        .save_journal(&Journal {
            command_id: cmd.command_id,
            deployment_id: cmd.deployment_id,
            event: Some(event.as_str().into()),
        })
        .map_err(|e| Failure::new("AGENT_STATE", e.to_string()))?;
    let at = Utc::now();
    send_report(
        agent,
        cmd,
        EventReport {
            event: event.as_str().into(),
            status: EventStatus::InProgress,
            exit_code: None,
            error_code: None,
            message: None,
            started_at: at,
            ended_at: None,
            output_tail: String::new(),
            output_truncated: false,
        },
    )
    .await?;
    Ok(at)
}

async fn download_and_unpack(agent: &Agent, cmd: &AgentCommand, ws: &Workspace) -> EventResult {
    let api = DeploymentApiClient::new(agent.bundles.clone());
    let dest = ws.bundle();
    let max = agent.config.max_bundle_bytes;
    let got = crate::retrying("download", Duration::from_secs(120), || {
        api.download_bundle(&cmd.bundle.download_path, &dest, max)
    })
    .await;
    if let Err(e) = got {
        return EventResult::failed("BUNDLE_DOWNLOAD_FAILED", e.to_string());
    }
    let (bundle, archive, sha) = (ws.bundle(), ws.archive(), cmd.bundle.sha256.clone());
    let unpacked = tokio::task::spawn_blocking(move || {
        // The digest is checked inside `unpack` before any entry is read.
        let report = liftoff_bundle::unpack(&bundle, &sha, &archive, &UnpackLimits::default())?;
        let _ = std::fs::remove_file(&bundle);
        Ok::<_, liftoff_bundle::BundleError>(report)
    })
    .await;
    let report = match unpacked {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return EventResult::failed(e.code.as_str(), e.message),
        Err(e) => return EventResult::failed("AGENT_IO", e.to_string()),
    };
    let spec = match load_spec(&ws.archive()) {
        Ok(s) => s,
        Err(e) => return EventResult::failed("APPSPEC_INVALID", e),
    };
    if let Err(e) = spec
        .check_runnable_on(AppSpecOs::Linux)
        .and_then(|_| spec.check_against_bundle(&ws.archive()))
    {
        return EventResult::failed(e.code, e.message);
    }
    EventResult::ok(Some(format!(
        "{} files, {} bytes unpacked; sha256 verified",
        report.files, report.bytes
    )))
}

async fn install(
    agent: &Agent,
    spec: &AppSpec,
    ws: &Workspace,
    previous: Option<&LastSuccess>,
) -> EventResult {
    let (spec, archive, root) = (spec.clone(), ws.archive(), agent.config.root.clone());
    let prev: Vec<PathBuf> = previous.map(|p| p.manifest.clone()).unwrap_or_default();
    let manifest_path = ws.dir.join("install-manifest.json");
    let res = tokio::task::spawn_blocking(move || {
        let m = liftoff_bundle::install::install_files(&spec, &archive, &root, &prev)?;
        let _ = std::fs::write(
            &manifest_path,
            serde_json::to_vec(&m.files).unwrap_or_default(),
        );
        Ok::<_, liftoff_bundle::install::InstallError>(m)
    })
    .await;
    match res {
        Ok(Ok(m)) => EventResult::ok(Some(format!("{} files installed", m.files.len()))),
        Ok(Err(e)) => EventResult::failed(e.code, e.message),
        Err(e) => EventResult::failed("AGENT_IO", e.to_string()),
    }
}

fn read_manifest(ws: &Workspace) -> Vec<PathBuf> {
    std::fs::read(ws.dir.join("install-manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Runs an event's scripts in order; the first failure ends the event.
async fn run_scripts(
    agent: &Agent,
    cmd: &AgentCommand,
    ws: &Workspace,
    event: LifecycleEvent,
    spec: &AppSpec,
    bundle_dir: &Path,
) -> EventResult {
    let scripts = spec.hooks_for(event);
    if scripts.is_empty() {
        return EventResult::skipped("no scripts for this event");
    }
    if let Err(f) = started(agent, cmd, event).await {
        return EventResult::failed(&f.code, f.message);
    }
    let mut output = String::new();
    let mut truncated = false;
    for script in scripts {
        let inv = HookInvocation {
            script: bundle_dir.join(&script.location),
            cwd: bundle_dir.to_path_buf(),
            env: vec![
                ("LIFECYCLE_EVENT".into(), event.as_str().into()),
                ("DEPLOYMENT_ID".into(), cmd.deployment_id.to_string()),
                ("APPLICATION_NAME".into(), cmd.application.clone()),
                ("DEPLOYMENT_GROUP_NAME".into(), cmd.deployment_group.clone()),
                (
                    "DEPLOYMENT_GROUP_ID".into(),
                    cmd.deployment_group_id.to_string(),
                ),
                ("LIFTOFF_HOST_ID".into(), agent.host_id().to_string()),
                ("LIFTOFF_REVISION_ID".into(), cmd.revision_id.to_string()),
                (
                    "LIFTOFF_ROOT".into(),
                    agent.config.root.display().to_string(),
                ),
            ],
            timeout: Duration::from_secs(script.timeout_secs),
            runas: script.runas.clone(),
            log_path: ws.logs().join(format!("{}.log", event.as_str())),
            log_cap_bytes: 16 * 1024 * 1024,
            tail_bytes: TAIL_BYTES,
            kill_grace: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(2),
        };
        let out = run_hook(&inv).await;
        if !output.is_empty() && !out.output_tail.is_empty() {
            output.push('\n');
        }
        output.push_str(&out.output_tail);
        truncated |= out.output_truncated;
        if output.len() > TAIL_BYTES {
            let mut cut = output.len() - TAIL_BYTES;
            while !output.is_char_boundary(cut) {
                cut += 1;
            }
            output = output[cut..].to_string();
            truncated = true;
        }
        if out.status != HookStatus::Succeeded {
            return EventResult {
                status: if out.status == HookStatus::TimedOut {
                    EventStatus::TimedOut
                } else {
                    EventStatus::Failed
                },
                exit_code: out.exit_code,
                error_code: out.error_code.map(str::to_string),
                message: Some(format!(
                    "{}: {}",
                    script.location,
                    out.message.unwrap_or_default()
                )),
                output,
                truncated,
            };
        }
    }
    EventResult {
        status: EventStatus::Succeeded,
        exit_code: Some(0),
        error_code: None,
        message: None,
        output,
        truncated,
    }
}

/// Keeps the newest `keep_deployments` deployment directories (and never the last success).
fn prune(agent: &Agent, cmd: &AgentCommand) {
    let Ok(entries) = std::fs::read_dir(agent.state.deployments()) else {
        return;
    };
    let mut dirs: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.0));
    let current = cmd.deployment_id.to_string();
    for (_, dir) in dirs.into_iter().skip(agent.config.keep_deployments) {
        if !dir.ends_with(&current) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
