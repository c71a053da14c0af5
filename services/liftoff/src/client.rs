//! The client commands: thin wrappers over the typed clients, human or `--json` output.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use liftoff_client::{Client, ClientError, DeploymentApiClient};
use liftoff_types::deployments::*;
use serde::Serialize;

use crate::cli::{Command, DeployArgs, Global};

pub fn status_line(d: &Deployment) -> String {
    format!("deployment {} is {}", d.deployment_id, d.status.as_str())
}

/// The token: `--token`/`LIFTOFF_TOKEN`, else `<data-dir>/admin.token`.
pub fn token(g: &Global) -> anyhow::Result<String> {
    if let Some(t) = &g.token {
        return Ok(t.clone());
    }
    let path = liftoff_platform::admin_token_path(&g.data_dir);
    std::fs::read_to_string(&path)
        .map(|t| t.trim().to_string())
        .map_err(|_| {
            anyhow::anyhow!(
                "no token: set LIFTOFF_TOKEN, pass --token, or run `liftoff up` to create {}",
                path.display()
            )
        })
}

pub fn http(g: &Global) -> anyhow::Result<Client> {
    Ok(Client::new(&g.server, Some(token(g)?))?)
}

pub fn print<T: Serialize>(
    g: &Global,
    value: &T,
    human: impl FnOnce(&T) -> String,
) -> anyhow::Result<()> {
    if g.json {
        emit(&serde_json::to_string_pretty(value)?);
    } else {
        emit(&human(value));
    }
    Ok(())
}

/// Writes a line of a client command's output. A reader that went away (`liftoff hosts |
/// head`) ends the command quietly with success, as SIGPIPE ends other command-line tools,
/// instead of a panic about a failed write.
pub fn emit(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(1);
    }
}

pub fn print_error(json: bool, err: &anyhow::Error) {
    let (code, message) = match err.downcast_ref::<ClientError>() {
        Some(ClientError::Api { body, .. }) => {
            (body.error.code.clone(), body.error.message.clone())
        }
        Some(ClientError::Transport(m)) => ("unreachable".to_string(), m.clone()),
        _ => ("error".to_string(), format!("{err:#}")),
    };
    if json {
        // The command failed either way; a reader that went away changes nothing.
        use std::io::Write;
        let body = serde_json::json!({"error": {"code": code, "message": message}});
        let _ = writeln!(std::io::stdout(), "{body}");
    } else {
        eprintln!("error: {code}: {message}");
    }
}

pub async fn run(g: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let api = DeploymentApiClient::new(http(g)?);
    match command {
        Command::Token(cmd) => return crate::access::token(g, cmd).await,
        Command::Team(cmd) => return crate::access::team(g, cmd).await,
        Command::App(cmd) => crate::commands::app::run(g, &api, cmd).await?,
        Command::Revision(cmd) => crate::commands::revision::run(g, &api, cmd).await?,
        Command::Group(cmd) => crate::commands::group::run(g, &api, cmd).await?,
        Command::Config(cmd) => crate::commands::config::run(g, &api, cmd).await?,
        Command::Promote(args) => return crate::commands::promote::run(g, &api, args).await,
        Command::Deployments(args) => crate::commands::deployments::run(g, &api, args).await?,
        Command::Deploy(args) => return deploy(g, &api, args).await,
        Command::Freeze(cmd) => crate::commands::freeze::run(g, &api, cmd).await?,
        Command::Promotion(cmd) => crate::commands::promotion::run(g, &api, cmd).await?,
        Command::Window(cmd) => crate::commands::window::run(g, &api, cmd).await?,
        Command::Webhook(cmd) => {
            let history = liftoff_client::HistoryClient::new(http(g)?);
            crate::commands::webhook::run(g, &history, cmd).await?
        }
        Command::Status { id } => {
            let d = api.get_deployment(id).await?;
            print(g, &d, crate::progress::describe)?;
        }
        Command::Stop { id } => {
            let d = api.stop_deployment(id).await?;
            print(g, &d, status_line)?;
        }
        Command::Hosts { .. } | Command::Host(_) | Command::EnrollToken(_) => {
            return crate::hosts::run(g, command).await;
        }
        Command::Rollback { .. }
        | Command::Pause { .. }
        | Command::Resume { .. }
        | Command::Approve { .. }
        | Command::Retry { .. }
        | Command::Exclude { .. } => return crate::operate::run(g, &api, command).await,
        Command::Up { .. }
        | Command::Serve(_)
        | Command::Agent(_)
        | Command::Demo { .. }
        | Command::Openapi { .. }
        | Command::Bench(_)
        | Command::Local(_)
        | Command::History(_)
        | Command::Audit(_) => {
            anyhow::bail!("not a client command")
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Pushes a directory (packed as a deterministic .tar.gz) or an archive file.
pub async fn push_revision(
    api: &DeploymentApiClient,
    app: &str,
    path: &Path,
    version_label: Option<&str>,
    description: Option<&str>,
) -> anyhow::Result<Revision> {
    let (archive, _tmp): (PathBuf, Option<tempfile::TempDir>) = if path.is_dir() {
        let tmp = tempfile::tempdir()?;
        let out = tmp.path().join("bundle.tar.gz");
        let mut f = std::fs::File::create(&out)?;
        liftoff_bundle::pack_dir_tar_gz(path, &mut f)?;
        f.sync_all()?;
        (out, Some(tmp))
    } else if path.is_file() {
        (path.to_path_buf(), None)
    } else {
        anyhow::bail!("{}: no such file or directory", path.display());
    };
    let sha = liftoff_bundle::sha256_file(&archive)?;
    Ok(api
        .push_revision(app, &archive, version_label, description, Some(&sha))
        .await?)
}

/// How long `deploy --idempotency-key` keeps sending its request while it cannot be answered.
const DEPLOY_RETRY_BUDGET: std::time::Duration = std::time::Duration::from_secs(120);

async fn deploy(
    g: &Global,
    api: &DeploymentApiClient,
    args: DeployArgs,
) -> anyhow::Result<ExitCode> {
    let req = CreateDeployment {
        // The server names the allowed values when this one is not one of them.
        file_exists_behavior: args.file_exists_behavior.map(|b| b.to_ascii_uppercase()),
        application: args.app,
        deployment_group: args.group,
        revision: args.revision,
        config: args.config,
        description: args.description,
    };
    let d = match args.idempotency_key.as_deref() {
        // An override is an admin's one-off decision: sent once, as asked.
        _ if args.override_freeze.is_some() => {
            api.create_deployment_overriding(
                &req,
                args.idempotency_key.as_deref(),
                args.override_freeze.as_deref(),
            )
            .await?
        }
        // With a key, a request that cannot be answered yet (the key is in use, the server is
        // restarting) is sent again: it can only ever answer the one deployment.
        Some(key) => {
            api.create_deployment_retrying(&req, key, DEPLOY_RETRY_BUDGET)
                .await?
        }
        None => api.create_deployment(&req, None).await?,
    };
    if !args.wait {
        if g.json {
            emit(&serde_json::json!({"deployment_id": d.deployment_id}).to_string());
        } else {
            emit(&d.deployment_id.to_string());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let fin = crate::progress::watch(api, d.deployment_id, !g.json).await?;
    print(g, &fin, crate::progress::describe)?;
    Ok(if fin.status == DeploymentStatus::Succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
