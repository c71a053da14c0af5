//! `liftoff local`: a bundle's whole in-place lifecycle on this machine, with the agent's own
//! code and no control plane (CodeDeploy's `codedeploy-local`). The bundle (a directory is
//! packed first, so it is read exactly as a pushed archive would be) is checked and unpacked
//! into a fresh work directory, its files installed under the install root, and its hooks run
//! with CodeDeploy's environment, event by event. `--previous` runs ApplicationStop from
//! another bundle first, as a host that ran it would. Teams run it in CI before a push.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use liftoff_bundle::{AppSpec, AppSpecOs, FileExistsBehavior, LifecycleEvent, UnpackLimits};
use serde::Serialize;
use tracing::Instrument as _;
use uuid::Uuid;

use crate::executor::{
    HookContext, TAIL_BYTES, TRACEPARENT_ENV, check_runas_users, hook_environment,
};
use crate::hook::{HookInvocation, HookStatus, run_hook};

/// What to run.
#[derive(Debug, Clone)]
pub struct LocalRun {
    /// A bundle directory or archive (`.zip`, `.tar`, `.tar.gz`/`.tgz`).
    pub bundle: PathBuf,
    /// Where `files` are installed (`/` as on a real host).
    pub install_root: PathBuf,
    /// Only these events run (the rest are reported skipped); empty: all of them.
    pub events: Vec<LifecycleEvent>,
    /// The bundle a host ran before: its ApplicationStop runs first.
    pub previous: Option<PathBuf>,
    /// Where bundles are unpacked and hook logs written.
    pub work_dir: PathBuf,
    pub application: String,
    pub deployment_group: String,
    /// The user hooks without `runas` run as (default: this process's user).
    pub hook_user: Option<String>,
}

/// One lifecycle event's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct LocalEvent {
    pub event: String,
    /// `Succeeded`, `Failed`, `TimedOut` or `Skipped`.
    pub status: &'static str,
    pub duration_ms: u64,
    pub exit_code: Option<i32>,
    pub error_code: Option<String>,
    pub message: Option<String>,
    /// The end of the event's combined hook output.
    pub output: String,
}

impl LocalEvent {
    fn new(event: LifecycleEvent, status: &'static str, message: Option<String>) -> Self {
        Self {
            event: event.as_str().into(),
            status,
            duration_ms: 0,
            exit_code: None,
            error_code: None,
            message,
            output: String::new(),
        }
    }

    fn failed(event: LifecycleEvent, code: &str, message: impl Into<String>) -> Self {
        Self {
            error_code: Some(code.into()),
            ..Self::new(event, "Failed", Some(message.into()))
        }
    }

    pub fn is_failure(&self) -> bool {
        matches!(self.status, "Failed" | "TimedOut")
    }
}

/// The whole run: every event in order, the bundle's warnings, and where things went.
#[derive(Debug, Clone, Serialize)]
pub struct LocalReport {
    pub status: &'static str,
    pub deployment_id: Uuid,
    pub install_root: PathBuf,
    pub work_dir: PathBuf,
    pub warnings: Vec<String>,
    pub events: Vec<LocalEvent>,
}

/// A bundle unpacked and checked, ready to run from.
struct Unpacked {
    dir: PathBuf,
    spec: AppSpec,
    warnings: Vec<String>,
}

/// Packs a directory (or takes an archive), verifies and unpacks it into `dest` with the
/// agent's limits, and checks its appspec against its files, as DownloadBundle does.
fn unpack_bundle(source: &Path, scratch: &Path, dest: &Path) -> Result<Unpacked, (String, String)> {
    let io = |e: std::io::Error| ("AGENT_IO".to_string(), format!("{}: {e}", source.display()));
    let archive = if source.is_dir() {
        let out = scratch.join(format!("{}.tar.gz", Uuid::new_v4().simple()));
        let mut f = std::fs::File::create(&out).map_err(io)?;
        liftoff_bundle::pack_dir_tar_gz(source, &mut f)
            .map_err(|e| ("BUNDLE_INVALID".to_string(), e.to_string()))?;
        out
    } else {
        source.to_path_buf()
    };
    let sha = liftoff_bundle::sha256_file(&archive).map_err(io)?;
    liftoff_bundle::unpack(&archive, &sha, dest, &UnpackLimits::default())
        .map_err(|e| (e.code.as_str().to_string(), e.message))?;
    let spec =
        liftoff_bundle::load_appspec(dest).map_err(|e| (e.code.as_str().to_string(), e.message))?;
    let mut warnings = spec.warnings.clone();
    let checked = spec
        .check_runnable_on(AppSpecOs::Linux)
        .and_then(|_| spec.check_against_bundle(dest))
        .map_err(|e| (e.code.to_string(), e.message))?;
    warnings.extend(checked);
    Ok(Unpacked {
        dir: dest.to_path_buf(),
        spec,
        warnings,
    })
}

struct Runner<'a> {
    run: &'a LocalRun,
    deployment_id: Uuid,
    group_id: Uuid,
    revision_id: Uuid,
    logs: PathBuf,
}

impl Runner<'_> {
    /// Runs an event's scripts in order; the first failure ends the event.
    async fn scripts(&self, event: LifecycleEvent, spec: &AppSpec, dir: &Path) -> LocalEvent {
        let scripts = spec.hooks_for(event);
        if scripts.is_empty() {
            return LocalEvent::new(event, "Skipped", Some("no scripts for this event".into()));
        }
        let started = Instant::now();
        let mut result = LocalEvent::new(event, "Succeeded", None);
        // A run started under a trace (a CI job that sets TRACEPARENT) continues it.
        let inherited = std::env::var(TRACEPARENT_ENV).ok();
        for script in scripts {
            let span = tracing::info_span!(
                "local.hook_script",
                event = event.as_str(),
                script = %script.location,
            );
            liftoff_client::trace::continue_from(&span, inherited.as_deref());
            let mut inv = HookInvocation::new(
                dir.join(&script.location),
                dir.to_path_buf(),
                self.logs.join(format!("{}.log", event.as_str())),
                Duration::from_secs(script.timeout_secs),
            );
            inv.env = hook_environment(
                event,
                &HookContext {
                    deployment_id: self.deployment_id,
                    application: &self.run.application,
                    deployment_group: &self.run.deployment_group,
                    deployment_group_id: self.group_id,
                    revision_id: self.revision_id,
                },
                Uuid::nil(),
                &self.run.install_root,
            );
            let tp = liftoff_client::trace::for_child_process(&span, inherited.as_deref())
                .unwrap_or_else(|| liftoff_client::trace::unrecorded(self.deployment_id));
            inv.env.push((TRACEPARENT_ENV.into(), tp));
            inv.runas = script.runas.clone().or_else(|| self.run.hook_user.clone());
            inv.tail_bytes = TAIL_BYTES;
            let out = run_hook(&inv).instrument(span).await;
            if !result.output.is_empty() && !out.output_tail.is_empty() {
                result.output.push('\n');
            }
            result.output.push_str(&out.output_tail);
            result.exit_code = out.exit_code;
            if out.status != HookStatus::Succeeded {
                result.status = if out.status == HookStatus::TimedOut {
                    "TimedOut"
                } else {
                    "Failed"
                };
                result.error_code = out.error_code.map(str::to_string);
                result.message = Some(format!(
                    "{}: {}",
                    script.location,
                    out.message.unwrap_or_default()
                ));
                break;
            }
        }
        // Keep the end, like a host's report.
        if result.output.len() > TAIL_BYTES {
            let mut cut = result.output.len() - TAIL_BYTES;
            while !result.output.is_char_boundary(cut) {
                cut += 1;
            }
            result.output.drain(..cut);
        }
        result.duration_ms = started.elapsed().as_millis() as u64;
        result
    }

    fn wanted(&self, event: LifecycleEvent) -> bool {
        self.run.events.is_empty() || self.run.events.contains(&event)
    }

    /// Installs the bundle's files (nothing of an earlier revision is removed: this machine
    /// has no record of one).
    async fn install(&self, bundle: &Unpacked) -> LocalEvent {
        let started = Instant::now();
        let event = LifecycleEvent::Install;
        let (spec, dir, root) = (
            bundle.spec.clone(),
            bundle.dir.clone(),
            self.run.install_root.clone(),
        );
        let res = tokio::task::spawn_blocking(move || {
            liftoff_bundle::install::install_files_under_policy(
                &spec,
                &dir,
                &root,
                &[],
                FileExistsBehavior::default(),
                &liftoff_bundle::InstallPolicy::default(),
            )
        })
        .await;
        let mut result = match res {
            Ok(Ok(m)) => {
                let mut message = format!(
                    "{} files installed under {}",
                    m.files.len(),
                    self.run.install_root.display()
                );
                for w in &m.warnings {
                    message.push_str("; ");
                    message.push_str(w);
                }
                LocalEvent::new(event, "Succeeded", Some(message))
            }
            Ok(Err(e)) => LocalEvent::failed(event, e.code, e.message),
            Err(e) => LocalEvent::failed(event, "AGENT_IO", e.to_string()),
        };
        result.duration_ms = started.elapsed().as_millis() as u64;
        result
    }
}

/// Runs the lifecycle. Every failure is in the report (the first failed event ends the run,
/// as on a host); an `Err` only when the work directory cannot be made.
pub async fn run(run: &LocalRun) -> anyhow::Result<LocalReport> {
    std::fs::create_dir_all(&run.work_dir)?;
    std::fs::create_dir_all(&run.install_root)?;
    let runner = Runner {
        run,
        deployment_id: Uuid::new_v4(),
        group_id: Uuid::new_v4(),
        revision_id: Uuid::new_v4(),
        logs: run.work_dir.join("logs"),
    };
    std::fs::create_dir_all(&runner.logs)?;
    let mut report = LocalReport {
        status: "Succeeded",
        deployment_id: runner.deployment_id,
        install_root: run.install_root.clone(),
        work_dir: run.work_dir.clone(),
        warnings: Vec::new(),
        events: Vec::new(),
    };
    let mut bundle: Option<Unpacked> = None;
    for event in LifecycleEvent::in_place_order().iter().copied() {
        let result = match event {
            // Nothing runs without the bundle: it is always unpacked and checked.
            _ if event != LifecycleEvent::DownloadBundle && !runner.wanted(event) => {
                LocalEvent::new(event, "Skipped", Some("not in --events".into()))
            }
            LifecycleEvent::ApplicationStop => match &run.previous {
                None => LocalEvent::new(
                    event,
                    "Skipped",
                    Some("no earlier revision (--previous)".into()),
                ),
                Some(prev) => {
                    match unpack_bundle(prev, &run.work_dir, &run.work_dir.join("previous")) {
                        Ok(p) => runner.scripts(event, &p.spec, &p.dir).await,
                        Err((code, message)) => LocalEvent::failed(
                            event,
                            &code,
                            format!("the --previous bundle: {message}"),
                        ),
                    }
                }
            },
            LifecycleEvent::DownloadBundle => {
                match unpack_bundle(&run.bundle, &run.work_dir, &run.work_dir.join("bundle")) {
                    Ok(b) => {
                        report.warnings = b.warnings.clone();
                        let users: Vec<(String, Option<String>)> = b
                            .spec
                            .hooks
                            .iter()
                            .flat_map(|(e, s)| s.iter().map(move |s| (e, s)))
                            .map(|(e, s)| {
                                (
                                    format!("{e} {}", s.location),
                                    s.runas.clone().or_else(|| run.hook_user.clone()),
                                )
                            })
                            .collect();
                        let checked = check_runas_users(users, false).await;
                        bundle = Some(b);
                        match checked {
                            Ok(()) => LocalEvent::new(
                                event,
                                "Succeeded",
                                Some(format!("{} unpacked and checked", run.bundle.display())),
                            ),
                            Err(m) => {
                                LocalEvent::failed(event, crate::hook::error_code::RUNAS_INVALID, m)
                            }
                        }
                    }
                    Err((code, message)) => LocalEvent::failed(event, &code, message),
                }
            }
            LifecycleEvent::Install => match &bundle {
                Some(b) => runner.install(b).await,
                None => {
                    LocalEvent::new(event, "Skipped", Some("the bundle was not unpacked".into()))
                }
            },
            e => match &bundle {
                Some(b) => runner.scripts(e, &b.spec, &b.dir).await,
                None => LocalEvent::new(e, "Skipped", Some("the bundle was not unpacked".into())),
            },
        };
        let failed = result.is_failure();
        report.events.push(result);
        if failed {
            report.status = "Failed";
            break;
        }
    }
    Ok(report)
}
