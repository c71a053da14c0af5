//! Scale-in: before the host leaves the fleet, the registry asks (with a heartbeat answer) for
//! the application to be stopped. This runs the ApplicationStop hooks of the last revision that
//! succeeded in each deployment group on this host, then reports the result to the registry,
//! which deregisters the host. The request is handed over once; it is never run twice.

use std::path::Path;
use std::time::Duration;

use liftoff_bundle::{AppSpec, LifecycleEvent};
use liftoff_types::registry::{HostCommand, HostCommandKind, HostCommandResult};
use tracing::Instrument as _;

use crate::Agent;
use crate::executor::{HookContext, check_runas_users, hook_environment};
use crate::hook::{HookInvocation, HookStatus, run_hook};
use crate::state::LastSuccess;

const TAIL_BYTES: usize = 64 * 1024;

fn load_spec(archive: &Path) -> Result<AppSpec, String> {
    let path = liftoff_bundle::appspec::find_appspec(archive)
        .ok_or_else(|| "no appspec.yml in the bundle".to_string())?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    AppSpec::parse(&text).map_err(|e| e.to_string())
}

/// Every deployment group's last success on this host: (group id, what succeeded).
fn installed(agent: &Agent) -> Vec<(String, LastSuccess)> {
    let Ok(entries) = std::fs::read_dir(agent.state.dir.join("groups")) else {
        return Vec::new();
    };
    let mut out: Vec<(String, LastSuccess)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e
                .file_name()
                .to_string_lossy()
                .strip_suffix(".json")?
                .to_string();
            let last = serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok()?;
            Some((name, last))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Runs the ApplicationStop hooks of everything installed here.
async fn stop_all(agent: &Agent, command: &HostCommand) -> HostCommandResult {
    let mut output = String::new();
    let mut failures = Vec::new();
    let logs = agent
        .state
        .dir
        .join("scale-in")
        .join(command.command_id.to_string());
    let _ = std::fs::create_dir_all(&logs);
    for (group_id, last) in installed(agent) {
        let spec = match load_spec(&last.archive_dir) {
            Ok(s) => s,
            // Its files are gone (pruned): nothing to run, as CodeDeploy skips it too.
            Err(_) => continue,
        };
        let Ok(group_uuid) = uuid::Uuid::parse_str(&group_id) else {
            continue;
        };
        if last.application.is_none() {
            tracing::warn!(deployment_group_id = %group_id, "this revision was installed by an older agent that did not record its application and group names; ApplicationStop gets them empty");
        }
        // The same environment as any hook of a deployment, for the deployment that
        // installed what is being stopped, plus what says this is a scale-in.
        let mut env = hook_environment(
            LifecycleEvent::ApplicationStop,
            &HookContext {
                deployment_id: last.deployment_id,
                application: last.application.as_deref().unwrap_or_default(),
                deployment_group: last.deployment_group.as_deref().unwrap_or_default(),
                deployment_group_id: group_uuid,
                revision_id: last.revision_id,
            },
            agent.host_id(),
            &agent.config.install_root,
        );
        env.push(("LIFTOFF_SCALE_IN".into(), "1".into()));
        env.push((
            "LIFTOFF_SCALE_IN_COMMAND_ID".into(),
            command.command_id.to_string(),
        ));
        let scripts = spec.hooks_for(LifecycleEvent::ApplicationStop);
        // The host's run-as policy holds at scale-in too: a script that may not run is
        // not run, and the scale-in says why.
        let users = scripts
            .iter()
            .map(|s| {
                (
                    format!("ApplicationStop {}", s.location),
                    s.runas.clone().or_else(|| agent.config.hook_user.clone()),
                )
            })
            .collect();
        if let Err(refused) = check_runas_users(users, agent.config.no_root_hooks).await {
            failures.push(format!("{group_id}: {refused}"));
            continue;
        }
        for script in scripts {
            // A scale-in is no deployment's trace: the script's own span when spans are
            // exported, else the installing deployment's id as an unrecorded trace.
            let span = tracing::info_span!(
                "agent.scale_in_script",
                deployment_id = %last.deployment_id,
                host_id = %agent.host_id(),
                script = %script.location,
            );
            let mut env = env.clone();
            env.push((
                crate::executor::TRACEPARENT_ENV.into(),
                liftoff_client::trace::for_child_process(&span, None)
                    .unwrap_or_else(|| liftoff_client::trace::unrecorded(last.deployment_id)),
            ));
            let inv = HookInvocation {
                script: last.archive_dir.join(&script.location),
                cwd: last.archive_dir.clone(),
                env,
                timeout: Duration::from_secs(script.timeout_secs),
                // As for any hook: the script's `runas`, else the host's default hook user.
                runas: script
                    .runas
                    .clone()
                    .or_else(|| agent.config.hook_user.clone()),
                log_path: logs.join(format!("{group_id}.log")),
                log_cap_bytes: 16 * 1024 * 1024,
                tail_bytes: TAIL_BYTES,
                kill_grace: Duration::from_secs(10),
                drain_timeout: Duration::from_secs(2),
            };
            let out = run_hook(&inv).instrument(span).await;
            output.push_str(&out.output_tail);
            if out.status != HookStatus::Succeeded {
                failures.push(format!(
                    "{} ({group_id}): {}",
                    script.location,
                    out.message.unwrap_or_else(|| "failed".into())
                ));
                break;
            }
        }
    }
    if output.len() > TAIL_BYTES {
        let mut cut = output.len() - TAIL_BYTES;
        while !output.is_char_boundary(cut) {
            cut += 1;
        }
        output = output[cut..].to_string();
    }
    HostCommandResult {
        succeeded: failures.is_empty(),
        message: Some(if failures.is_empty() {
            "ApplicationStop ran for every installed revision".into()
        } else {
            failures.join("; ")
        }),
        output_tail: output,
    }
}

/// Runs one command from the registry and reports its result.
pub async fn run(agent: &Agent, command: HostCommand) {
    let result = match command.kind {
        HostCommandKind::ApplicationStop => stop_all(agent, &command).await,
    };
    tracing::info!(command_id = %command.command_id, succeeded = result.succeeded, "scale-in ApplicationStop done");
    if let Err(e) = crate::retrying("scale-in result", Duration::from_secs(120), || {
        agent
            .registry
            .report_command_result(agent.host_id(), command.command_id, &result)
    })
    .await
    {
        tracing::warn!(command_id = %command.command_id, error = %e, "could not report the scale-in result");
    }
}
