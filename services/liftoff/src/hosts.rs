//! The fleet commands: `hosts` (list and filter), `host` (show, tag, reinstall, deregister,
//! lifecycle actions) and `enroll-token` (create, list, revoke).

use std::process::ExitCode;

use liftoff_client::{DeploymentApiClient, RegistryClient};
use liftoff_types::registry::{CreateEnrollmentToken, Host, HostState, UpdateHost};

use crate::cli::{Command, EnrollTokenCmd, Global, HostCmd};
use crate::client::{http, print};

/// Each application's current revision, short: `shop@1a2b3c4d api@5e6f7a8b` (`-`: none).
fn revisions_short(h: &Host) -> String {
    if h.revisions.is_empty() {
        return "-".into();
    }
    h.revisions
        .iter()
        .map(|r| {
            let id = r.revision_id.simple().to_string();
            format!("{}@{}", r.application, &id[..8])
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn host_line(h: &Host) -> String {
    format!(
        "{}  {:12}  {:8}  {:10}  {:24}  {:?}",
        h.host_id,
        h.name,
        h.zone,
        h.state.as_str(),
        revisions_short(h),
        h.tags
    )
}

fn host_text(h: &Host) -> String {
    let mut out = format!(
        "{} ({}) in {}: {}{}\n  tags {:?}\n  last heartbeat {}",
        h.host_id,
        h.name,
        h.zone,
        h.state.as_str(),
        h.state_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default(),
        h.tags,
        h.last_heartbeat_at
            .map(|t| t.to_string())
            .unwrap_or_else(|| "never".into()),
    );
    for r in &h.revisions {
        out.push_str(&format!(
            "\n  runs {} revision {} (deployment {} to {}, {})",
            r.application, r.revision_id, r.deployment_id, r.deployment_group, r.installed_at
        ));
    }
    for i in &h.installs {
        out.push_str(&format!(
            "\n  {:?} {}/{} revision {} via deployment {}: {:?}{}",
            i.mode,
            i.application,
            i.deployment_group,
            i.revision_id,
            i.deployment_id,
            i.status,
            i.error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ));
    }
    out
}

/// A group's selector as `tag` query pairs; without `--app`, the one group of that name.
async fn group_selector(
    api: &DeploymentApiClient,
    app: Option<String>,
    group: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let grp = match app {
        Some(app) => api.get_group(&app, group).await?,
        None => {
            let mut found = Vec::new();
            for a in api.list_applications().await?.applications {
                match api.get_group(&a.name, group).await {
                    Ok(g) => found.push(g),
                    Err(e) if e.status() == Some(404) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            match found.len() {
                1 => found.remove(0),
                0 => anyhow::bail!("no deployment group named {group:?}"),
                _ => anyhow::bail!("several applications have a group {group:?}: pass --app"),
            }
        }
    };
    Ok(grp
        .selector
        .into_iter()
        .flat_map(|(k, vs)| {
            vs.into_iter()
                .map(move |v| ("tag".to_string(), format!("{k}={v}")))
        })
        .collect())
}

pub async fn run(g: &Global, command: Command) -> anyhow::Result<ExitCode> {
    let reg = RegistryClient::new(http(g)?);
    match command {
        Command::Hosts {
            group,
            app,
            zone,
            state,
            tags,
        } => {
            let mut q = Vec::new();
            if let Some(group) = group {
                q.extend(group_selector(&DeploymentApiClient::new(http(g)?), app, &group).await?);
            }
            for (k, v) in tags {
                q.push(("tag".to_string(), format!("{k}={v}")));
            }
            if let Some(z) = zone {
                q.push(("zone".to_string(), z));
            }
            if let Some(s) = state {
                let s = HostState::parse(&s).ok_or_else(|| {
                    anyhow::anyhow!("--state: one of Pending, Installing, InService, Failed, Lost")
                })?;
                q.push(("state".to_string(), s.as_str().to_string()));
            }
            let hosts = reg.list_hosts_query(&q).await?;
            print(g, &hosts, |l| {
                let header = format!(
                    "{:36}  {:12}  {:8}  {:10}  {:24}  TAGS",
                    "HOST", "NAME", "ZONE", "STATE", "REVISIONS"
                );
                std::iter::once(header)
                    .chain(l.hosts.iter().map(host_line))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        Command::Host(HostCmd::Show { id }) => {
            let h = reg.get_host(id).await?;
            print(g, &h, host_text)?;
        }
        Command::Host(HostCmd::Tag { id, set, remove }) => {
            let mut tags = reg.get_host(id).await?.tags;
            for k in remove {
                tags.remove(&k);
            }
            tags.extend(set);
            let h = reg
                .update_host(id, &UpdateHost { tags: Some(tags) })
                .await?;
            print(g, &h, host_text)?;
        }
        Command::Host(HostCmd::Reinstall { id }) => {
            let h = reg.reinstall_host(id).await?;
            print(g, &h, host_text)?;
        }
        Command::Host(HostCmd::Deregister { id }) => {
            let h = reg.deregister_host(id).await?;
            print(g, &h, |h| {
                format!("host {} is {}", h.host_id, h.state.as_str())
            })?;
        }
        Command::Host(HostCmd::LifecycleActions) => {
            let l = reg.lifecycle_actions().await?;
            print(g, &l, |l| {
                l.lifecycle_actions
                    .iter()
                    .map(|a| {
                        format!(
                            "{}  {:9}  {}  {:?}  {}  {}",
                            a.created_at,
                            a.direction.as_str(),
                            a.instance_id,
                            a.status,
                            a.result.map(|r| r.as_str()).unwrap_or("-"),
                            a.message.clone().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        Command::EnrollToken(EnrollTokenCmd::Create {
            tags,
            ttl,
            uses,
            description,
        }) => {
            let t = reg
                .create_enrollment_token(&CreateEnrollmentToken {
                    tags: tags.into_iter().collect(),
                    ttl_secs: ttl.map(|d| d.as_secs()),
                    uses: uses.limit(),
                    description,
                })
                .await?;
            print(g, &t, |t| t.token.clone().unwrap_or_default())?;
        }
        Command::EnrollToken(EnrollTokenCmd::List) => {
            let l = reg.list_enrollment_tokens().await?;
            print(g, &l, |l| {
                l.enrollment_tokens
                    .iter()
                    .map(|t| {
                        format!(
                            "{}  uses {}{}  expires {}  {}{:?}",
                            t.token_id,
                            t.uses,
                            t.uses_left
                                .map(|n| format!(" ({n} left)"))
                                .unwrap_or_default(),
                            t.expires_at,
                            if t.revoked_at.is_some() {
                                "REVOKED  "
                            } else {
                                ""
                            },
                            t.tags
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        Command::EnrollToken(EnrollTokenCmd::Revoke { id }) => {
            let t = reg.revoke_enrollment_token(id).await?;
            print(g, &t, |t| {
                format!("revoked enrollment token {}", t.token_id)
            })?;
        }
        _ => anyhow::bail!("not a fleet command"),
    }
    Ok(ExitCode::SUCCESS)
}
