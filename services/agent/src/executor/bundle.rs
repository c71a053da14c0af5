//! DownloadBundle and Install: fetch the revision, check its SHA-256 before a byte is unpacked,
//! unpack it into the command's fresh directory, check the appspec against it (scripts present
//! and executable, run-as users allowed); then copy its `files` under the install root.

use std::path::PathBuf;

use liftoff_bundle::{AppSpec, AppSpecOs, UnpackLimits};
use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::FileExistsBehavior;

use super::{EventResult, Run, load_spec};
use crate::hook::error_code::AGENT_STOPPED;
use crate::state::LastSuccess;

impl Run<'_> {
    pub(super) async fn download_and_unpack(&self) -> EventResult {
        let started = chrono::Utc::now();
        let mut result = tokio::select! {
            r = self.fetch_and_unpack() => r,
            () = self.stop_deadline() => EventResult::failed(
                AGENT_STOPPED,
                "the agent was stopped and the download did not finish within the stop grace period",
            ),
        };
        // Whatever happened, the archive itself is no longer needed; on failure `unpack` has
        // already removed everything it created, so the host's running release is untouched.
        let _ = std::fs::remove_file(self.ws.bundle());
        result.started_at = Some(started);
        result
    }

    async fn fetch_and_unpack(&self) -> EventResult {
        let agent = self.agent;
        let api = DeploymentApiClient::new(agent.bundles.clone());
        let dest = self.ws.bundle();
        let max = agent.config.max_bundle_bytes;
        let path = &self.cmd.bundle.download_path;
        let got = crate::retrying("download", agent.config.report_budget, || {
            api.download_bundle(path, &dest, max)
        })
        .await;
        if let Err(e) = got {
            return EventResult::failed("BUNDLE_DOWNLOAD_FAILED", e.to_string());
        }
        if let Ok(meta) = std::fs::metadata(&dest) {
            metrics::counter!("liftoff_agent_bundle_download_bytes_total").increment(meta.len());
        }
        let (bundle, archive, sha) = (
            self.ws.bundle(),
            self.ws.archive(),
            self.cmd.bundle.sha256.clone(),
        );
        let limits = UnpackLimits {
            max_total_bytes: agent.config.max_unpacked_bytes,
            ..UnpackLimits::default()
        };
        // The digest is checked inside `unpack`, on the open file, before any entry is read.
        let unpacked = tokio::task::spawn_blocking(move || {
            liftoff_bundle::unpack(&bundle, &sha, &archive, &limits)
        })
        .await;
        let report = match unpacked {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return EventResult::failed(e.code.as_str(), e.message),
            Err(e) => return EventResult::failed("AGENT_IO", e.to_string()),
        };
        let spec = match load_spec(&self.ws.archive()) {
            Ok(s) => s,
            Err(e) => return EventResult::failed("APPSPEC_INVALID", e),
        };
        let warnings = match spec
            .check_runnable_on(AppSpecOs::Linux)
            .and_then(|_| spec.check_against_bundle(&self.ws.archive()))
        {
            Ok(w) => w,
            Err(e) => return EventResult::failed(e.code, e.message),
        };
        if let Err(message) = self.check_runas(&spec).await {
            return EventResult::failed(crate::hook::error_code::RUNAS_INVALID, message);
        }
        let mut message = format!(
            "{} files, {} bytes unpacked; sha256 verified",
            report.files, report.bytes
        );
        for w in &warnings {
            tracing::warn!(warning = %w, "bundle");
            message.push_str("\nwarning: ");
            message.push_str(w);
        }
        EventResult::ok(Some(message))
    }

    pub(super) async fn install(
        &self,
        spec: &AppSpec,
        previous: Option<&LastSuccess>,
    ) -> EventResult {
        let started = chrono::Utc::now();
        let mut spec = spec.clone();
        // The deployment's choice wins over the appspec's, as with CodeDeploy's
        // `create-deployment --file-exists-behavior`.
        if let Some(b) = self.cmd.file_exists_behavior {
            spec.file_exists_behavior = Some(match b {
                FileExistsBehavior::Disallow => liftoff_bundle::FileExistsBehavior::Disallow,
                FileExistsBehavior::Overwrite => liftoff_bundle::FileExistsBehavior::Overwrite,
                FileExistsBehavior::Retain => liftoff_bundle::FileExistsBehavior::Retain,
            });
        }
        let (spec, archive, root) = (
            spec,
            self.ws.archive(),
            self.agent.config.install_root.clone(),
        );
        let prev: Vec<PathBuf> = previous.map(|p| p.manifest.clone()).unwrap_or_default();
        let manifest_path = self.ws.manifest();
        let policy = self.agent.config.install_policy();
        let res = tokio::task::spawn_blocking(move || {
            let m = liftoff_bundle::install::install_files_under_policy(
                &spec,
                &archive,
                &root,
                &prev,
                liftoff_bundle::FileExistsBehavior::default(),
                &policy,
            )?;
            // What the next deployment removes first (CodeDeploy's cleanup file).
            let paths = serde_json::to_vec(&m.paths()).unwrap_or_default();
            std::fs::write(&manifest_path, paths).map_err(|e| {
                liftoff_bundle::InstallError::new(
                    liftoff_bundle::InstallError::INSTALL_IO,
                    format!("{}: {e}", manifest_path.display()),
                )
            })?;
            Ok::<_, liftoff_bundle::InstallError>(m)
        })
        .await;
        let mut result = match res {
            Ok(Ok(m)) => {
                let mut message = format!(
                    "{} files installed under {}",
                    m.files.len(),
                    self.agent.config.install_root.display()
                );
                for w in &m.warnings {
                    message.push_str("; ");
                    message.push_str(w);
                }
                EventResult::ok(Some(message))
            }
            Ok(Err(e)) => EventResult::failed(e.code, e.message),
            Err(e) => EventResult::failed("AGENT_IO", e.to_string()),
        };
        result.started_at = Some(started);
        result
    }
}
