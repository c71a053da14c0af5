//! Deployments: the intent and the final outcome.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::deployments::DeploymentStatus;

use crate::schema::deployments;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deployments)]
pub struct DeploymentRow {
    pub id: String,
    pub team: String,
    pub application_id: String,
    pub application: String,
    pub group_id: String,
    pub deployment_group: String,
    pub revision_id: String,
    pub deployment_config: String,
    pub minimum_healthy: String,
    pub status: DeploymentStatus,
    pub reason: String,
    pub rollback_of: Option<String>,
    pub description: Option<String>,
    pub overview: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub rollout_options: Option<String>,
    /// The W3C trace context of the request that created it; its hand-off continues it.
    pub traceparent: Option<String>,
    /// Why a `Queued` deployment waits beyond the group's queue (`outside_window`).
    pub waiting_for: Option<String>,
}

/// The statuses of a deployment that has not finished.
pub const ACTIVE: [DeploymentStatus; 5] = [
    DeploymentStatus::Created,
    DeploymentStatus::Queued,
    DeploymentStatus::InProgress,
    DeploymentStatus::Paused,
    DeploymentStatus::AwaitingApproval,
];

pub fn insert(conn: &mut AnyConnection, row: &DeploymentRow) -> Result<(), ApiError> {
    diesel::insert_into(deployments::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<DeploymentRow>, ApiError> {
    Ok(deployments::table
        .find(id)
        .select(DeploymentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_idempotency_key(
    conn: &mut AnyConnection,
    team: &str,
    key: &str,
) -> Result<Option<DeploymentRow>, ApiError> {
    Ok(deployments::table
        .filter(deployments::team.eq(team))
        .filter(deployments::idempotency_key.eq(key))
        .select(DeploymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Deployments of a group that have not finished, oldest first.
pub fn active_in_group(
    conn: &mut AnyConnection,
    group_id: &str,
) -> Result<Vec<DeploymentRow>, ApiError> {
    Ok(deployments::table
        .filter(deployments::group_id.eq(group_id))
        .filter(deployments::status.eq_any(ACTIVE))
        .select(DeploymentRow::as_select())
        .order(deployments::id.asc())
        .load(conn)?)
}

pub fn active(conn: &mut AnyConnection) -> Result<Vec<DeploymentRow>, ApiError> {
    Ok(deployments::table
        .filter(deployments::status.eq_any(ACTIVE))
        .select(DeploymentRow::as_select())
        .order(deployments::id.asc())
        .limit(1000)
        .load(conn)?)
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub team: String,
    pub application: Option<String>,
    pub deployment_group: Option<String>,
    pub status: Option<DeploymentStatus>,
    pub reason: Option<String>,
    pub created_after: Option<NaiveDateTime>,
    pub created_before: Option<NaiveDateTime>,
    /// Newest first: only ids below this one.
    pub before_id: Option<String>,
    pub limit: i64,
}

pub fn list(conn: &mut AnyConnection, f: &ListFilter) -> Result<Vec<DeploymentRow>, ApiError> {
    let mut q = deployments::table
        .filter(deployments::team.eq(f.team.clone()))
        .select(DeploymentRow::as_select())
        .into_boxed();
    if let Some(a) = &f.application {
        q = q.filter(deployments::application.eq(a.clone()));
    }
    if let Some(g) = &f.deployment_group {
        q = q.filter(deployments::deployment_group.eq(g.clone()));
    }
    if let Some(s) = f.status {
        q = q.filter(deployments::status.eq(s));
    }
    if let Some(r) = &f.reason {
        q = q.filter(deployments::reason.eq(r.clone()));
    }
    if let Some(t) = f.created_after {
        q = q.filter(deployments::created_at.ge(t));
    }
    if let Some(t) = f.created_before {
        q = q.filter(deployments::created_at.lt(t));
    }
    if let Some(b) = &f.before_id {
        q = q.filter(deployments::id.lt(b.clone()));
    }
    // Ids are UUIDv7: their text order is creation order.
    Ok(q.order(deployments::id.desc()).limit(f.limit).load(conn)?)
}

/// Fenced status change; returns whether this call made it.
pub fn transition(
    conn: &mut AnyConnection,
    id: &str,
    from: DeploymentStatus,
    to: DeploymentStatus,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let target = deployments::table
        .filter(deployments::id.eq(id))
        .filter(deployments::status.eq(from));
    let n = if to == DeploymentStatus::InProgress {
        diesel::update(target)
            .set((
                deployments::status.eq(to),
                deployments::started_at.eq(Some(at)),
                deployments::updated_at.eq(at),
            ))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((deployments::status.eq(to), deployments::updated_at.eq(at)))
            .execute(conn)?
    };
    Ok(n == 1)
}

/// Records the final outcome (fenced on the current status).
#[allow(clippy::too_many_arguments)]
pub fn finish(
    conn: &mut AnyConnection,
    id: &str,
    from: DeploymentStatus,
    to: DeploymentStatus,
    error: Option<(&str, &str)>,
    overview: &str,
    completed_at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        deployments::table
            .filter(deployments::id.eq(id))
            .filter(deployments::status.eq(from)),
    )
    .set((
        deployments::status.eq(to),
        deployments::error_code.eq(error.map(|e| e.0)),
        deployments::error_message.eq(error.map(|e| e.1)),
        deployments::overview.eq(Some(overview)),
        deployments::completed_at.eq(Some(completed_at)),
        deployments::updated_at.eq(liftoff_kit::db::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks (or, with `None`, unmarks) the creating request as still being answered.
pub fn set_idempotency_lease(
    conn: &mut AnyConnection,
    id: &str,
    until: Option<NaiveDateTime>,
) -> Result<(), ApiError> {
    diesel::update(deployments::table.find(id))
        .set(deployments::idempotency_lease_until.eq(until))
        .execute(conn)?;
    Ok(())
}

pub fn idempotency_lease(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<NaiveDateTime>, ApiError> {
    Ok(deployments::table
        .find(id)
        .select(deployments::idempotency_lease_until)
        .first(conn)?)
}

/// (revision id, first start, last start) of an application's deployed revisions.
pub type DeployTimesRow = (String, Option<NaiveDateTime>, Option<NaiveDateTime>);

/// When deployments of each revision of an application first and last started.
pub fn deploy_times(
    conn: &mut AnyConnection,
    application_id: &str,
) -> Result<Vec<DeployTimesRow>, ApiError> {
    use diesel::dsl::{max, min};
    Ok(deployments::table
        .filter(deployments::application_id.eq(application_id))
        .filter(deployments::started_at.is_not_null())
        .group_by(deployments::revision_id)
        .select((
            deployments::revision_id,
            min(deployments::started_at),
            max(deployments::started_at),
        ))
        .load(conn)?)
}

pub fn active_in_application(
    conn: &mut AnyConnection,
    application_id: &str,
) -> Result<Vec<DeploymentRow>, ApiError> {
    Ok(deployments::table
        .filter(deployments::application_id.eq(application_id))
        .filter(deployments::status.eq_any(ACTIVE))
        .select(DeploymentRow::as_select())
        .order(deployments::id.asc())
        .load(conn)?)
}

pub fn delete_for_app(conn: &mut AnyConnection, application_id: &str) -> Result<usize, ApiError> {
    // The deployments' rows first, then their hosts, in the order a progress report takes
    // them (`progress::apply`): the other order deadlocks with a report arriving meanwhile.
    diesel::update(deployments::table.filter(deployments::application_id.eq(application_id)))
        .set(deployments::progress_seq.eq(deployments::progress_seq))
        .execute(conn)?;
    let ids: Vec<String> = deployments::table
        .filter(deployments::application_id.eq(application_id))
        .select(deployments::id)
        .load(conn)?;
    super::progress::delete_for(conn, &ids)?;
    Ok(
        diesel::delete(deployments::table.filter(deployments::application_id.eq(application_id)))
            .execute(conn)?,
    )
}

/// Unfinished deployments of `team` that run with the configuration `name`.
pub fn active_with_config(
    conn: &mut AnyConnection,
    team: &str,
    name: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(deployments::table
        .filter(deployments::team.eq(team))
        .filter(deployments::deployment_config.eq(name))
        .filter(deployments::status.eq_any(ACTIVE))
        .select(deployments::id)
        .load(conn)?)
}

/// The latest successful deployment among `group_ids` (by completion time).
pub fn last_success_in(
    conn: &mut AnyConnection,
    group_ids: &[String],
) -> Result<Option<DeploymentRow>, ApiError> {
    Ok(deployments::table
        .filter(deployments::group_id.eq_any(group_ids))
        .filter(deployments::status.eq(DeploymentStatus::Succeeded))
        .select(DeploymentRow::as_select())
        .order((deployments::completed_at.desc(), deployments::id.desc()))
        .first(conn)
        .optional()?)
}

/// Mirrors the rollout's running status (`InProgress`, `Paused`, `AwaitingApproval`).
pub fn set_running_status(
    conn: &mut AnyConnection,
    id: &str,
    from: DeploymentStatus,
    to: DeploymentStatus,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        deployments::table
            .filter(deployments::id.eq(id))
            .filter(deployments::status.eq(from)),
    )
    .set((
        deployments::status.eq(to),
        deployments::updated_at.eq(liftoff_kit::db::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The group's newest successful deployment before `before` of another revision than
/// `revision`: what a rollback of a deployment of `revision` goes back to.
pub fn last_good_before(
    conn: &mut AnyConnection,
    group_id: &str,
    before: &str,
    revision: &str,
) -> Result<Option<DeploymentRow>, ApiError> {
    Ok(deployments::table
        .filter(deployments::group_id.eq(group_id))
        .filter(deployments::status.eq(DeploymentStatus::Succeeded))
        .filter(deployments::id.lt(before))
        .filter(deployments::revision_id.ne(revision))
        .order(deployments::id.desc())
        .select(DeploymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The rollback deployment of `id`, if one was started.
pub fn rollback_of(conn: &mut AnyConnection, id: &str) -> Result<Option<DeploymentRow>, ApiError> {
    Ok(deployments::table
        .filter(deployments::rollback_of.eq(id))
        .filter(deployments::reason.eq("rollback"))
        .order(deployments::id.asc())
        .select(DeploymentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Unfinished deployments counted by status, for the deployment gauges.
pub fn count_active_by_status(
    conn: &mut AnyConnection,
) -> Result<Vec<(DeploymentStatus, i64)>, ApiError> {
    Ok(deployments::table
        .filter(deployments::status.eq_any(ACTIVE))
        .group_by(deployments::status)
        .select((deployments::status, diesel::dsl::count_star()))
        .load(conn)?)
}
