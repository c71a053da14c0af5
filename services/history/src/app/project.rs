//! Projections kept beside the log, updated in the transaction that appends each event:
//! which revision each host ran over time, each group's deployments, and which host ran
//! each command.

use std::collections::HashSet;

use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::events::EventType;
use liftoff_types::history::HistoryEvent;
use uuid::Uuid;

use crate::store::deployments::{self, DeploymentFact, HostCommandRow};
use crate::store::revisions::{self, Install};

/// What a batch already projected, to skip repeating it for every event of one command.
#[derive(Debug, Default)]
pub struct BatchMemo {
    commands: HashSet<Uuid>,
}

/// Updates what `ev` affects. An event lacking what a projection needs is kept in the log and
/// skipped here, with a warning.
pub fn apply(
    c: &mut AnyConnection,
    ev: &HistoryEvent,
    memo: &mut BatchMemo,
) -> Result<(), ApiError> {
    let at = ev.occurred_at.naive_utc();
    // A type this version does not know (a newer producer) is kept in the log, projected nowhere.
    let t = EventType::parse(&ev.event_type);
    if let Some(dep) = ev.deployment_id {
        let mut fact = DeploymentFact {
            deployment_id: dep.to_string(),
            team: ev.team.clone(),
            application: ev.application.clone(),
            deployment_group: ev.deployment_group.clone(),
            revision_id: ev.revision_id.map(|r| r.to_string()),
            ..Default::default()
        };
        let relevant = match t {
            Some(EventType::DeploymentCreated) => {
                fact.created_at = Some(at);
                true
            }
            Some(EventType::DeploymentStarted) => {
                fact.started_at = Some(at);
                true
            }
            Some(EventType::DeploymentSucceeded) => {
                fact.ended = Some((DeploymentStatus::Succeeded, at));
                true
            }
            Some(EventType::DeploymentFailed) => {
                fact.ended = Some((DeploymentStatus::Failed, at));
                true
            }
            Some(EventType::DeploymentStopped) => {
                fact.ended = Some((DeploymentStatus::Stopped, at));
                true
            }
            _ => false,
        };
        if relevant {
            deployments::record(c, &fact)?;
        }
        if let (Some(host), Some(cmd)) = (ev.host_id, command_id(ev))
            && t.is_some_and(|t| t.as_str().starts_with("host."))
            && memo.commands.insert(cmd)
        {
            deployments::record_command(
                c,
                &HostCommandRow {
                    command_id: cmd.to_string(),
                    team: ev.team.clone(),
                    deployment_id: dep.to_string(),
                    host_id: host.to_string(),
                    revision_id: ev.revision_id.map(|r| r.to_string()),
                    started_at: at,
                },
            )?;
        }
    }
    match t {
        Some(EventType::HostDeploymentSucceeded) => {
            let (Some(host), Some(app), Some(rev), Some(dep), Some(team)) = (
                ev.host_id,
                &ev.application,
                ev.revision_id,
                ev.deployment_id,
                &ev.team,
            ) else {
                tracing::warn!(event_id = %ev.event_id, "host.deployment_succeeded without host, application, revision, deployment or team; not projected");
                return Ok(());
            };
            revisions::record_install(
                c,
                &Install {
                    host_id: host.to_string(),
                    application: app.clone(),
                    team: team.clone(),
                    deployment_group: ev.deployment_group.clone(),
                    revision_id: rev.to_string(),
                    deployment_id: dep.to_string(),
                    at,
                },
            )
        }
        Some(EventType::HostDeregistered) => match ev.host_id {
            Some(host) => {
                revisions::record_retirement(c, &host.to_string(), ev.team.as_deref(), at)
            }
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

fn command_id(ev: &HistoryEvent) -> Option<Uuid> {
    let s = ev.data.get("command_id")?.as_str()?;
    Uuid::parse_str(s).ok()
}
