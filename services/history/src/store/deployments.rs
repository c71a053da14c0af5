//! Deployments of groups (what each group was moving to, and when), and which host each
//! command ran on. Both are filled from events of several sources, in any arrival order.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::deployments::DeploymentStatus;

use crate::schema::{group_deployments, host_commands};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = group_deployments, treat_none_as_null = true)]
pub struct GroupDeploymentRow {
    pub deployment_id: String,
    pub team: Option<String>,
    pub application: Option<String>,
    pub deployment_group: Option<String>,
    pub revision_id: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
    pub status: DeploymentStatus,
}

/// What one event says about a deployment; `None` fields say nothing.
#[derive(Debug, Clone, Default)]
pub struct DeploymentFact {
    pub deployment_id: String,
    pub team: Option<String>,
    pub application: Option<String>,
    pub deployment_group: Option<String>,
    pub revision_id: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    /// A final status and when it was reached.
    pub ended: Option<(DeploymentStatus, NaiveDateTime)>,
}

fn earliest(a: Option<NaiveDateTime>, b: Option<NaiveDateTime>) -> Option<NaiveDateTime> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// Merges a fact into the deployment's row: identity fields fill in, the earliest start wins,
/// and the first final status stays final.
pub fn record(conn: &mut AnyConnection, f: &DeploymentFact) -> Result<(), ApiError> {
    let existing: Option<GroupDeploymentRow> = group_deployments::table
        .find(&f.deployment_id)
        .select(GroupDeploymentRow::as_select())
        .first(conn)
        .optional()?;
    let is_new = existing.is_none();
    let mut row = existing.unwrap_or_else(|| GroupDeploymentRow {
        deployment_id: f.deployment_id.clone(),
        team: None,
        application: None,
        deployment_group: None,
        revision_id: None,
        created_at: None,
        started_at: None,
        ended_at: None,
        status: DeploymentStatus::Created,
    });
    row.team = row.team.or_else(|| f.team.clone());
    row.application = row.application.or_else(|| f.application.clone());
    row.deployment_group = row.deployment_group.or_else(|| f.deployment_group.clone());
    row.revision_id = row.revision_id.or_else(|| f.revision_id.clone());
    row.created_at = earliest(row.created_at, f.created_at);
    row.started_at = earliest(row.started_at, f.started_at);
    let finished = row.status.is_terminal();
    if let Some((status, at)) = &f.ended {
        if !finished {
            row.status = *status;
            row.ended_at = Some(*at);
        }
    } else if f.started_at.is_some() && !finished {
        row.status = DeploymentStatus::InProgress;
    }
    if is_new {
        diesel::insert_into(group_deployments::table)
            .values(&row)
            .execute(conn)?;
    } else {
        diesel::update(group_deployments::table.find(&f.deployment_id))
            .set(&row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn get(
    conn: &mut AnyConnection,
    deployment_id: &str,
) -> Result<Option<GroupDeploymentRow>, ApiError> {
    Ok(group_deployments::table
        .find(deployment_id)
        .select(GroupDeploymentRow::as_select())
        .first(conn)
        .optional()?)
}

fn of_group(
    team: Option<&str>,
    application: &str,
    group: &str,
) -> group_deployments::BoxedQuery<'static, <AnyConnection as Connection>::Backend> {
    let mut q = group_deployments::table
        .filter(group_deployments::application.eq(application.to_string()))
        .filter(group_deployments::deployment_group.eq(group.to_string()))
        .into_boxed();
    if let Some(t) = team {
        q = q.filter(group_deployments::team.eq(t.to_string()));
    }
    q
}

/// The group's latest deployment started at or before `at`.
pub fn target_at(
    conn: &mut AnyConnection,
    team: Option<&str>,
    application: &str,
    group: &str,
    at: NaiveDateTime,
) -> Result<Option<GroupDeploymentRow>, ApiError> {
    Ok(of_group(team, application, group)
        .filter(group_deployments::started_at.le(at))
        .order(group_deployments::started_at.desc())
        .select(GroupDeploymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The group's latest deployment that had succeeded by `at`.
pub fn last_success_at(
    conn: &mut AnyConnection,
    team: Option<&str>,
    application: &str,
    group: &str,
    at: NaiveDateTime,
) -> Result<Option<GroupDeploymentRow>, ApiError> {
    Ok(of_group(team, application, group)
        .filter(group_deployments::status.eq(DeploymentStatus::Succeeded))
        .filter(group_deployments::ended_at.le(at))
        .order(group_deployments::ended_at.desc())
        .select(GroupDeploymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether history knows the group at all (for a 404 on an unknown one).
pub fn group_known(
    conn: &mut AnyConnection,
    team: Option<&str>,
    application: &str,
    group: &str,
) -> Result<bool, ApiError> {
    let n: i64 = of_group(team, application, group)
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = host_commands)]
pub struct HostCommandRow {
    pub command_id: String,
    pub team: Option<String>,
    pub deployment_id: String,
    pub host_id: String,
    pub revision_id: Option<String>,
    pub started_at: NaiveDateTime,
}

/// Remembers which host a command ran on (the first word wins).
pub fn record_command(conn: &mut AnyConnection, row: &HostCommandRow) -> Result<(), ApiError> {
    if command(conn, &row.command_id)?.is_none() {
        diesel::insert_into(host_commands::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

pub fn command(
    conn: &mut AnyConnection,
    command_id: &str,
) -> Result<Option<HostCommandRow>, ApiError> {
    Ok(host_commands::table
        .find(command_id)
        .select(HostCommandRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn commands(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<HostCommandRow>, ApiError> {
    Ok(host_commands::table
        .filter(host_commands::command_id.eq_any(ids))
        .select(HostCommandRow::as_select())
        .load(conn)?)
}

/// Whether `team` (any team: `None`) may see deployment `deployment_id`: history has its row
/// or at least one of its events.
pub fn deployment_visible(
    conn: &mut AnyConnection,
    team: Option<&str>,
    deployment_id: &str,
) -> Result<bool, ApiError> {
    use crate::schema::events;
    if let Some(row) = get(conn, deployment_id)?
        && row.team.is_some()
    {
        return Ok(team.is_none() || row.team.as_deref() == team);
    }
    let mut q = events::table
        .filter(events::deployment_id.eq(deployment_id.to_string()))
        .into_boxed();
    if let Some(t) = team {
        q = q.filter(events::team.eq(t.to_string()));
    }
    let n: i64 = q.count().get_result(conn)?;
    Ok(n > 0)
}
