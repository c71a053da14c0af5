//! The client commands: thin wrappers over the typed clients, human or `--json` output.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use liftoff_client::{
    Client, ClientError, DeploymentApiClient, EventQuery, HistoryClient, RegistryClient,
};
use liftoff_types::deployments::*;
use liftoff_types::registry::CreateEnrollmentToken;
use serde::Serialize;

use crate::cli::{
    AppCmd, Command, DeployArgs, EnrollTokenCmd, Global, GroupCmd, HistoryCmd, RevisionCmd,
};

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
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        println!("{}", human(value));
    }
    Ok(())
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
        println!(
            "{}",
            serde_json::json!({"error": {"code": code, "message": message}})
        );
    } else {
        eprintln!("error: {code}: {message}");
    }
}

pub async fn run(g: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let api = DeploymentApiClient::new(http(g)?);
    match command {
        Command::App(AppCmd::Create { name, description }) => {
            let a = api
                .create_application(&CreateApplication { name, description })
                .await?;
            print(g, &a, |a| format!("created application {}", a.name))?;
        }
        Command::App(AppCmd::List) => {
            let l = api.list_applications().await?;
            print(g, &l, |l| {
                l.applications
                    .iter()
                    .map(|a| a.name.clone())
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        Command::App(AppCmd::Get { name }) => {
            let a = api.get_application(&name).await?;
            print(g, &a, |a| {
                format!(
                    "{} (team {}, created {} by {})",
                    a.name, a.team, a.created_at, a.created_by
                )
            })?;
        }
        Command::Revision(RevisionCmd::Push {
            app,
            path,
            version_label,
            description,
        }) => {
            let rev = push_revision(
                &api,
                &app,
                &path,
                version_label.as_deref(),
                description.as_deref(),
            )
            .await?;
            print(g, &rev, |r| {
                format!(
                    "{} revision {} (sha256 {}, {} bytes, hooks: {})",
                    if r.created { "pushed" } else { "already had" },
                    r.revision_id,
                    r.sha256,
                    r.size_bytes,
                    r.hook_events.join(", ")
                )
            })?;
        }
        Command::Revision(RevisionCmd::List { app }) => {
            let l = api.list_revisions(&app).await?;
            print(g, &l, |l| {
                l.revisions
                    .iter()
                    .map(|r| {
                        format!(
                            "{}  {}  {}",
                            r.revision_id,
                            r.created_at,
                            r.version_label.clone().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        Command::Group(GroupCmd::Create {
            app,
            name,
            selector,
            config,
            auto_rollback,
            stage,
            queue,
        }) => {
            let mut sel: std::collections::BTreeMap<String, Vec<String>> = Default::default();
            for (k, v) in selector {
                sel.entry(k).or_default().push(v);
            }
            let req = CreateDeploymentGroup {
                name,
                selector: sel,
                deployment_config: config,
                auto_rollback: Some(auto_rollback),
                concurrency_policy: Some(if queue {
                    ConcurrencyPolicy::Queue
                } else {
                    ConcurrencyPolicy::Reject
                }),
                stage,
            };
            let grp = api.create_group(&app, &req).await?;
            print(g, &grp, |x| {
                format!(
                    "created deployment group {} ({})",
                    x.name, x.deployment_config
                )
            })?;
        }
        Command::Group(GroupCmd::List { app }) => {
            let l = api
                .0
                .get::<DeploymentGroupList>(&format!(
                    "/v1/applications/{}/deployment-groups",
                    liftoff_client::enc(&app)
                ))
                .await?;
            print(g, &l, |l| {
                l.deployment_groups
                    .iter()
                    .map(|x| x.name.clone())
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        Command::Group(GroupCmd::Get { app, name }) => {
            let grp = api.get_group(&app, &name).await?;
            print(g, &grp, |x| {
                format!(
                    "{}: selector {:?}, config {}, last successful revision {}",
                    x.name,
                    x.selector,
                    x.deployment_config,
                    x.last_successful_revision_id
                        .map(|r| r.to_string())
                        .unwrap_or_else(|| "none".into())
                )
            })?;
        }
        Command::Deploy(args) => return deploy(g, &api, args).await,
        Command::Status { id } => {
            let d = api.get_deployment(id).await?;
            print(g, &d, crate::progress::describe)?;
        }
        Command::Stop { id } => {
            let d = api.stop_deployment(id).await?;
            print(g, &d, status_line)?;
        }
        Command::Rollback { .. }
        | Command::Pause { .. }
        | Command::Resume { .. }
        | Command::Approve { .. }
        | Command::Retry { .. }
        | Command::Exclude { .. }
        | Command::Config(_) => return crate::operate::run(g, &api, command).await,
        Command::Deployments {
            app,
            group,
            status,
            limit,
        } => {
            let l = api
                .list_deployments(
                    app.as_deref(),
                    group.as_deref(),
                    status.as_deref(),
                    Some(limit),
                    None,
                )
                .await?;
            print(g, &l, |l| {
                l.deployments
                    .iter()
                    .map(|d| {
                        format!(
                            "{}  {:10}  {}/{}  {}",
                            d.deployment_id,
                            d.status.as_str(),
                            d.application,
                            d.deployment_group,
                            d.created_at
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        Command::Hosts { group, app, zone } => {
            let mut selector = Vec::new();
            if let Some(group) = group {
                let app = app.ok_or_else(|| anyhow::anyhow!("--group needs --app"))?;
                let grp = api.get_group(&app, &group).await?;
                for (k, vs) in grp.selector {
                    for v in vs {
                        selector.push((k.clone(), v));
                    }
                }
            }
            let reg = RegistryClient::new(http(g)?);
            let mut hosts = reg.list_hosts(&selector, None).await?;
            if let Some(z) = zone {
                hosts.hosts.retain(|h| h.zone == z);
            }
            print(g, &hosts, |l| {
                l.hosts
                    .iter()
                    .map(|h| {
                        format!(
                            "{}  {:12}  {:8}  {:10}  {:?}",
                            h.host_id,
                            h.name,
                            h.zone,
                            h.state.as_str(),
                            h.tags
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        Command::EnrollToken(EnrollTokenCmd::Create { tags, ttl, uses }) => {
            let reg = RegistryClient::new(http(g)?);
            let t = reg
                .create_enrollment_token(&CreateEnrollmentToken {
                    tags: tags.into_iter().collect(),
                    ttl_secs: ttl.map(|d| d.as_secs()),
                    uses,
                    description: None,
                })
                .await?;
            print(g, &t, |t| t.token.clone().unwrap_or_default())?;
        }
        Command::History(h) => {
            let hist = HistoryClient::new(http(g)?);
            match h {
                HistoryCmd::Hosts { app, revision } => {
                    let l = hist.host_revisions(app.as_deref(), revision).await?;
                    print(g, &l, |l| {
                        l.hosts
                            .iter()
                            .map(|h| {
                                format!(
                                    "{}  {}  {}  since {}",
                                    h.host_id, h.application, h.revision_id, h.since
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
                    })?;
                }
                HistoryCmd::Deployment { id } => {
                    let page = hist
                        .events(&EventQuery {
                            deployment_id: Some(id),
                            limit: Some(1000),
                            ..Default::default()
                        })
                        .await?;
                    print(g, &page, events_text)?;
                }
                HistoryCmd::Host { id } => {
                    let page = hist
                        .events(&EventQuery {
                            host_id: Some(id),
                            limit: Some(1000),
                            ..Default::default()
                        })
                        .await?;
                    let mut page = page;
                    page.events.reverse();
                    print(g, &page, events_text)?;
                }
            }
        }
        Command::Up { .. }
        | Command::Serve(_)
        | Command::Agent(_)
        | Command::Demo { .. }
        | Command::Bench(_)
        | Command::Openapi { .. } => {
            anyhow::bail!("not a client command")
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn events_text(page: &liftoff_types::history::EventPage) -> String {
    page.events
        .iter()
        .map(|e| {
            format!(
                "{}  {:28} host={} {}",
                e.event.occurred_at,
                e.event.event_type,
                e.event.host_id.map(|h| h.to_string()).unwrap_or_default(),
                if e.event.data.is_null() {
                    String::new()
                } else {
                    e.event.data.to_string()
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
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

async fn deploy(
    g: &Global,
    api: &DeploymentApiClient,
    args: DeployArgs,
) -> anyhow::Result<ExitCode> {
    let req = CreateDeployment {
        application: args.app,
        deployment_group: args.group,
        revision: args.revision,
        config: args.config,
        description: args.description,
    };
    let d = api
        .create_deployment(&req, args.idempotency_key.as_deref())
        .await?;
    if !args.wait {
        if g.json {
            println!("{}", serde_json::json!({"deployment_id": d.deployment_id}));
        } else {
            println!("{}", d.deployment_id);
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
